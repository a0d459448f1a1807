//! Raising: a [`Module`] to its named document. Never panics: ids that point nowhere get the
//! `?` spellings of [`crate::display`].

use super::*;
use crate::display::{block_name, box_name, class_name, function_ident, type_name, value_ident};
use crate::ir::*;

/// The document of a module. Ids that point nowhere (a module that does not verify) get names
/// starting with `?`: values `?12`, blocks `?3`, functions `?5`, boxes `?2`.
pub(crate) fn raise(m: &Module) -> ModuleDoc {
    ModuleDoc {
        mir14: 1,
        boxes: m
            .boxes
            .values()
            .map(|b| BoxDoc {
                name: b.name.clone(),
                fields: b.fields.clone(),
            })
            .collect(),
        functions: m.functions.values().map(|f| raise_fn(m, f)).collect(),
        imports: m
            .imports
            .values()
            .map(|i| ImportDoc {
                name: i.full_name(),
                params: i.params.iter().map(|t| t.name().to_string()).collect(),
                result: i.ret.name().to_string(),
            })
            .collect(),
    }
}

/// The dotted name of import `i` (`?import3` if it does not exist).
fn import_name(m: &Module, i: ImportId) -> String {
    m.imports
        .get(i)
        .map_or_else(|| format!("?import{}", i.0), |d| d.full_name())
}

/// The document of one instruction of function `f` of module `m`.
pub(crate) fn raise_inst(m: &Module, f: &Function, inst: &Inst) -> InstDoc {
    let v = |x: Value| value_ident(f, x);
    let b = |x: Block| block_name(f, x);
    {
        match inst {
            Inst::Const { dest, value } => InstDoc::Const {
                dest: v(*dest),
                value: match value {
                    Constant::Int(n) => ConstDoc::Int(*n),
                    Constant::Float(x) => ConstDoc::Float(FloatLit(x.get())),
                    Constant::Bool(x) => ConstDoc::Bool(*x),
                    Constant::Str(s) => ConstDoc::String(s.clone()),
                    Constant::Void => ConstDoc::Void,
                    Constant::Func(id) => ConstDoc::Function(function_ident(m, *id)),
                },
            },
            Inst::Unary { dest, op, arg } => InstDoc::Unary {
                dest: v(*dest),
                operator: op.name().to_string(),
                arg: v(*arg),
            },
            Inst::Binary { dest, op, lhs, rhs } => InstDoc::Binop {
                dest: v(*dest),
                operator: op.name().to_string(),
                lhs: v(*lhs),
                rhs: v(*rhs),
            },
            Inst::Compare { dest, op, lhs, rhs } => InstDoc::Compare {
                dest: v(*dest),
                operator: op.name().to_string(),
                lhs: v(*lhs),
                rhs: v(*rhs),
            },
            Inst::TypeOp { dest, op, arg } => {
                let (kind, ty) = match op {
                    TypeOpKind::Check(t) => ("check", Some(type_name(m, *t))),
                    TypeOpKind::Cast(t) => ("cast", Some(type_name(m, *t))),
                    TypeOpKind::TypeOf => ("typeof", None),
                };
                InstDoc::Typeop {
                    dest: v(*dest),
                    kind: kind.to_string(),
                    arg: v(*arg),
                    ty,
                }
            }
            Inst::Load { dest, obj, field } => InstDoc::Load {
                dest: v(*dest),
                obj: v(*obj),
                field: field.clone(),
            },
            Inst::Store { obj, field, value } => InstDoc::Store {
                obj: v(*obj),
                field: field.clone(),
                value: v(*value),
            },
            Inst::Branch {
                cond,
                then_block,
                else_block,
            } => InstDoc::Branch {
                cond: v(*cond),
                then: b(*then_block),
                else_: b(*else_block),
            },
            Inst::Jump { target } => InstDoc::Jump { target: b(*target) },
            Inst::Return { value } => InstDoc::Ret {
                value: value.map(v),
            },
            Inst::Phi { dest, inputs } => InstDoc::Phi {
                dest: v(*dest),
                inputs: inputs
                    .iter()
                    .map(|(blk, val)| PhiInputDoc {
                        block: b(*blk),
                        value: v(*val),
                    })
                    .collect(),
            },
            Inst::NewBox { dest, class, args } => InstDoc::New {
                dest: v(*dest),
                class: class_name(m, *class),
                args: args.iter().map(|a| v(*a)).collect(),
            },
            Inst::Call {
                dest,
                callee,
                args,
                tail,
            } => InstDoc::Call {
                dest: dest.map(v),
                tail: *tail,
                callee: match callee {
                    Callee::Global(id) => CalleeDoc {
                        function: Some(function_ident(m, *id)),
                        ..CalleeDoc::default()
                    },
                    Callee::Method {
                        box_name: bn,
                        method,
                        receiver,
                    } => CalleeDoc {
                        receiver: Some(v(*receiver)),
                        box_name: bn.map(|id| box_name(m, id)),
                        method: Some(method.clone()),
                        ..CalleeDoc::default()
                    },
                    Callee::Value(f) => CalleeDoc {
                        value: Some(v(*f)),
                        ..CalleeDoc::default()
                    },
                    // Not a legal BoxCall callee; printed so that reading it back fails loudly.
                    Callee::Extern(e) => CalleeDoc {
                        function: Some(format!("?{}", e.name())),
                        ..CalleeDoc::default()
                    },
                    Callee::Import(i) => CalleeDoc {
                        function: Some(format!("?{}", import_name(m, *i))),
                        ..CalleeDoc::default()
                    },
                },
                args: args.iter().map(|a| v(*a)).collect(),
            },
            Inst::ExternCall { dest, callee, args } => InstDoc::Extern {
                dest: dest.map(v),
                name: match callee {
                    Callee::Extern(e) => e.name().to_string(),
                    Callee::Import(i) => import_name(m, *i),
                    // Not a legal ExternCall callee.
                    _ => "?".to_string(),
                },
                args: args.iter().map(|a| v(*a)).collect(),
            },
        }
    }
}

/// The document of one function of module `m`.
pub(crate) fn raise_fn(m: &Module, f: &Function) -> FuncDoc {
    let v = |x: Value| value_ident(f, x);
    let b = |x: Block| block_name(f, x);
    let raise_inst = |inst: &Inst| raise_inst(m, f, inst);
    FuncDoc {
        name: f.name.clone(),
        params: f
            .params
            .iter()
            .map(|p| ParamDoc {
                name: v(p.value),
                ty: p.ty.map(|t| type_name(m, t)),
            })
            .collect(),
        ret_type: f.ret_type.map(|t| type_name(m, t)),
        loops: f
            .loops
            .iter()
            .map(|l| LoopDoc {
                header: b(l.header),
                body: b(l.body),
                latch: b(l.latch),
                exit: b(l.exit),
            })
            .collect(),
        blocks: f
            .blocks
            .values()
            .map(|blk| BlockDoc {
                label: blk.label.clone(),
                insts: blk.insts.iter().map(raise_inst).collect(),
            })
            .collect(),
    }
}
