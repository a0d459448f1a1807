//! One [`FunctionBuilder`] method per instruction: constants, operators, fields and boxes, calls,
//! phis and terminators.

use super::error::check_name;
use super::loops::Route;
use super::*;
use crate::ir::{
    BinOp, Block, BoxClass, Callee, CmpOp, Constant, ExternFn, FuncId, Ieee64, ImportId, Inst,
    TypeName, TypeOpKind, UnaryOp, Value,
};
use crate::named::syntax::is_ident;

impl FunctionBuilder {
    // --- constants ----------------------------------------------------------------------------

    /// `%d = const <integer>`.
    pub fn iconst(&mut self, x: i64) -> Result<Value, BuildError> {
        self.constant(Constant::Int(x))
    }

    /// `%d = const <float>`.
    pub fn fconst(&mut self, x: f64) -> Result<Value, BuildError> {
        self.constant(Constant::Float(Ieee64::new(x)))
    }

    /// `%d = const true` / `false`.
    pub fn bconst(&mut self, x: bool) -> Result<Value, BuildError> {
        self.constant(Constant::Bool(x))
    }

    /// `%d = const "..."`.
    pub fn sconst(&mut self, s: impl Into<String>) -> Result<Value, BuildError> {
        self.constant(Constant::Str(s.into()))
    }

    /// `%d = const void`.
    pub fn void(&mut self) -> Result<Value, BuildError> {
        self.constant(Constant::Void)
    }

    /// `%d = const @f`: a FunctionBox.
    pub fn func_ref(&mut self, f: FuncId) -> Result<Value, BuildError> {
        self.constant(Constant::Func(f))
    }

    /// `%d = const <literal>`, any literal.
    pub fn constant(&mut self, value: Constant) -> Result<Value, BuildError> {
        self.push_def(|dest| Inst::Const { dest, value })
    }

    // --- operators ----------------------------------------------------------------------------

    /// `%d = unary <op> %a`.
    pub fn unary(&mut self, op: UnaryOp, arg: Value) -> Result<Value, BuildError> {
        let arg = Value(self.int_value(arg)?);
        self.push_def(|dest| Inst::Unary { dest, op, arg })
    }

    /// `%d = binop <op> %a, %b`.
    pub fn binop(&mut self, op: BinOp, lhs: Value, rhs: Value) -> Result<Value, BuildError> {
        let lhs = Value(self.int_value(lhs)?);
        let rhs = Value(self.int_value(rhs)?);
        self.push_def(|dest| Inst::Binary { dest, op, lhs, rhs })
    }

    /// `%d = compare <op> %a, %b`.
    pub fn compare(&mut self, op: CmpOp, lhs: Value, rhs: Value) -> Result<Value, BuildError> {
        let lhs = Value(self.int_value(lhs)?);
        let rhs = Value(self.int_value(rhs)?);
        self.push_def(|dest| Inst::Compare { dest, op, lhs, rhs })
    }

    /// `%d = typeop check %a T`.
    pub fn type_check(&mut self, arg: Value, ty: TypeName) -> Result<Value, BuildError> {
        self.type_op(arg, TypeOpKind::Check(ty))
    }

    /// `%d = typeop cast %a T`.
    pub fn type_cast(&mut self, arg: Value, ty: TypeName) -> Result<Value, BuildError> {
        self.type_op(arg, TypeOpKind::Cast(ty))
    }

    /// `%d = typeop typeof %a`.
    pub fn type_of(&mut self, arg: Value) -> Result<Value, BuildError> {
        self.type_op(arg, TypeOpKind::TypeOf)
    }

    pub(super) fn type_op(&mut self, arg: Value, op: TypeOpKind) -> Result<Value, BuildError> {
        let arg = Value(self.int_value(arg)?);
        self.push_def(|dest| Inst::TypeOp { dest, op, arg })
    }

    // --- fields and boxes ---------------------------------------------------------------------

    /// `%d = load %obj.field`.
    pub fn load(&mut self, obj: Value, field: &str) -> Result<Value, BuildError> {
        check_name("field", field, is_ident)?;
        let obj = Value(self.int_value(obj)?);
        let field = field.to_string();
        self.push_def(|dest| Inst::Load { dest, obj, field })
    }

    /// `store %obj.field = %value`.
    pub fn store(&mut self, obj: Value, field: &str, value: Value) -> Result<(), BuildError> {
        check_name("field", field, is_ident)?;
        let obj = Value(self.int_value(obj)?);
        let value = Value(self.int_value(value)?);
        self.push_inst(Inst::Store {
            obj,
            field: field.to_string(),
            value,
        })
    }

    /// `%d = new Class(args)`. Builtin classes with a fixed arity (`MapBox`, operator boxes,
    /// `IntegerBox`, ...) check the argument count; user boxes are checked by the verifier
    /// (against `birth`).
    pub fn new_box(&mut self, class: BoxClass, args: &[Value]) -> Result<Value, BuildError> {
        if let (Some(expected), Some(name)) = (class.builtin_arity(), class.builtin_name()) {
            if expected != args.len() {
                return Err(BuildError::WrongArgCount {
                    what: format!("new {name}"),
                    expected,
                    got: args.len(),
                });
            }
        }
        let args = self.int_values(args)?;
        self.push_def(|dest| Inst::NewBox { dest, class, args })
    }

    // --- calls --------------------------------------------------------------------------------

    pub(super) fn int_callee(&self, callee: Callee) -> Result<Callee, BuildError> {
        Ok(match callee {
            Callee::Global(f) => Callee::Global(f),
            Callee::Method {
                box_name,
                method,
                receiver,
            } => {
                check_name("method", &method, is_ident)?;
                Callee::Method {
                    box_name,
                    method,
                    receiver: Value(self.int_value(receiver)?),
                }
            }
            Callee::Value(v) => Callee::Value(Value(self.int_value(v)?)),
            Callee::Extern(_) | Callee::Import(_) => return Err(BuildError::ExternInCall),
        })
    }

    /// `%d = call <callee>(args)`, keeping the result. `callee` is [`Callee::Global`],
    /// [`Callee::Method`] (its receiver is not part of `args`) or [`Callee::Value`]; externs go
    /// through [`FunctionBuilder::extern_call`].
    pub fn call(&mut self, callee: Callee, args: &[Value]) -> Result<Value, BuildError> {
        let callee = self.int_callee(callee)?;
        let args = self.int_values(args)?;
        self.push_def(|d| Inst::Call {
            dest: Some(d),
            callee,
            args,
            tail: false,
        })
    }

    /// `call <callee>(args)`, discarding the result.
    pub fn call_discard(&mut self, callee: Callee, args: &[Value]) -> Result<(), BuildError> {
        let callee = self.int_callee(callee)?;
        let args = self.int_values(args)?;
        self.push_inst(Inst::Call {
            dest: None,
            callee,
            args,
            tail: false,
        })
    }

    /// `%d = tail call <callee>(args)` followed by `ret %d`: a guaranteed tail call (spec §5),
    /// which ends the block. `callee` is as for [`FunctionBuilder::call`].
    pub fn tail_call(&mut self, callee: Callee, args: &[Value]) -> Result<(), BuildError> {
        let callee = self.int_callee(callee)?;
        let args = self.int_values(args)?;
        let d = self.push_def(|d| Inst::Call {
            dest: Some(d),
            callee,
            args,
            tail: true,
        })?;
        self.ret(Some(d))
    }

    /// `%d = call @f(args)`.
    pub fn call_global(&mut self, f: FuncId, args: &[Value]) -> Result<Value, BuildError> {
        self.call(Callee::Global(f), args)
    }

    /// `%d = call %receiver.method(args)` (dynamic dispatch).
    pub fn call_method(
        &mut self,
        receiver: Value,
        method: &str,
        args: &[Value],
    ) -> Result<Value, BuildError> {
        self.call(
            Callee::Method {
                box_name: None,
                method: method.to_string(),
                receiver,
            },
            args,
        )
    }

    pub(super) fn check_extern(
        &self,
        f: ExternFn,
        args: &[Value],
    ) -> Result<Vec<Value>, BuildError> {
        if f.arity() != args.len() {
            return Err(BuildError::WrongArgCount {
                what: f.name().to_string(),
                expected: f.arity(),
                got: args.len(),
            });
        }
        self.int_values(args)
    }

    /// `%d = extern env.x.y(args)`, keeping the result. Checks the extern's arity.
    pub fn extern_call(&mut self, f: ExternFn, args: &[Value]) -> Result<Value, BuildError> {
        let args = self.check_extern(f, args)?;
        self.push_def(|d| Inst::ExternCall {
            dest: Some(d),
            callee: Callee::Extern(f),
            args,
        })
    }

    /// `extern env.x.y(args)`, discarding the result. Checks the extern's arity.
    pub fn extern_call_discard(&mut self, f: ExternFn, args: &[Value]) -> Result<(), BuildError> {
        let args = self.check_extern(f, args)?;
        self.push_inst(Inst::ExternCall {
            dest: None,
            callee: Callee::Extern(f),
            args,
        })
    }

    /// `%d = extern c.NAME(args)`: calls an import declared with
    /// [`ModuleBuilder::declare_import`](super::ModuleBuilder::declare_import), keeping the
    /// result. The argument count is checked against the declaration when the function is
    /// defined.
    pub fn import_call(&mut self, i: ImportId, args: &[Value]) -> Result<Value, BuildError> {
        let args = self.int_values(args)?;
        self.push_def(|d| Inst::ExternCall {
            dest: Some(d),
            callee: Callee::Import(i),
            args,
        })
    }

    /// `extern c.NAME(args)`, discarding the result (see [`FunctionBuilder::import_call`]).
    pub fn import_call_discard(&mut self, i: ImportId, args: &[Value]) -> Result<(), BuildError> {
        let args = self.int_values(args)?;
        self.push_inst(Inst::ExternCall {
            dest: None,
            callee: Callee::Import(i),
            args,
        })
    }

    // --- phis and terminators -----------------------------------------------------------------

    /// `%d = phi [bb: %v], ...`, written explicitly (the builder never removes it). It must come
    /// before any non-phi instruction of the insertion block; its inputs should name each
    /// predecessor once (the verifier checks). Frontends using [`Variable`]s need no explicit
    /// phis.
    pub fn phi(&mut self, inputs: &[(Block, Value)]) -> Result<Value, BuildError> {
        let mut ins = Vec::with_capacity(inputs.len());
        for &(b, v) in inputs {
            ins.push((self.int_block(b)?, self.int_value(v)?));
        }
        let b = self.ensure_block();
        let state = &self.blocks[b as usize];
        if !state.insts.is_empty() {
            return Err(if self.terminated(b) {
                BuildError::BlockTerminated(state.label.clone())
            } else {
                BuildError::PhiNotLeading(state.label.clone())
            });
        }
        let phi = self.new_phi(b);
        for &(_, v) in &ins {
            if self.phis.contains_key(&v) {
                self.phi_users.entry(v).or_default().push(phi);
            }
        }
        if let Some(state) = self.phis.get_mut(&phi) {
            state.inputs = ins;
            state.explicit = true;
            state.complete = true;
        }
        Ok(self.ext_value(phi))
    }

    /// `branch %cond, then_block, else_block`. Ends the insertion block.
    pub fn branch(
        &mut self,
        cond: Value,
        then_block: Block,
        else_block: Block,
    ) -> Result<(), BuildError> {
        let cond = Value(self.int_value(cond)?);
        let then_block = Block(self.check_target(then_block)?);
        let else_block = Block(self.check_target(else_block)?);
        self.push_inst(Inst::Branch {
            cond,
            then_block,
            else_block,
        })
    }

    /// `jump target`. Ends the insertion block. A jump to the innermost open loop's exit is a
    /// [`FunctionBuilder::break_loop`].
    pub fn jump(&mut self, target: Block) -> Result<(), BuildError> {
        let t = self.check_target(target)?;
        if let Some(&l) = self.open_loops.last() {
            if t == self.loops[l].exit {
                return self.perform(Route::Break(l));
            }
        }
        self.push_inst(Inst::Jump { target: Block(t) })
    }

    /// `ret %v`, or `ret` (returns `void`) for `None`. Ends the insertion block. Inside loops
    /// too it is a plain `ret` (the block stays in the loop's region; see the module
    /// documentation), but not in a loop header before [`FunctionBuilder::loop_condition`].
    pub fn ret(&mut self, value: Option<Value>) -> Result<(), BuildError> {
        let value = match value {
            Some(v) => Some(self.int_value(v)?),
            None => None,
        };
        self.innermost_in_body()?;
        self.push_inst(Inst::Return {
            value: value.map(Value),
        })
    }
}
