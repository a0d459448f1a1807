//! Function bodies: [`FnGen`] fills one planned function with statements, loops in LoopForm
//! shape, branches with join phis, calls of every callee kind and now and then an operand of a
//! likely wrong type.

use crate::plan::{Gen, Kind, Sig, Ty};
use mir14_mir::{
    BinOp, Block, BlockData, BoxClass, BoxId, Callee, CmpOp, Constant, ExternFn, FuncId, Function,
    Ieee64, Inst, LoopForm, Operator, Param, TypeName, TypeOpKind, UnaryOp, Value, ValueData,
};

/// The innermost loop being generated.
pub(crate) struct LoopCtx {
    pub(crate) latch: Block,
    pub(crate) exit: Block,
    /// The header phis carried around the loop, with their types.
    pub(crate) carried: Vec<(Value, Ty)>,
    /// `break` sources and the carried values they pass to the exit phis.
    pub(crate) breaks: Vec<(Block, Vec<Value>)>,
    /// `continue` sources and the carried values they pass to the latch phis.
    pub(crate) conts: Vec<(Block, Vec<Value>)>,
}

/// Generates one function body.
pub(crate) struct FnGen<'g, 's> {
    pub(crate) g: &'g mut Gen<'s>,
    pub(crate) sig: Sig,
    pub(crate) f: Function,
    pub(crate) cur: Block,
    /// Values whose definitions dominate the current point, innermost scope last.
    pub(crate) scopes: Vec<Vec<(Value, Ty)>>,
    pub(crate) loops: Vec<LoopCtx>,
    /// The depth to pass to callees (`%d - 1`, or a constant in `@main`).
    pub(crate) depth: Option<Value>,
    pub(crate) if_depth: usize,
    /// Statements left in this function's budget.
    pub(crate) budget: usize,
    /// Calls of depth-carrying functions left.
    pub(crate) calls_left: usize,
    /// Set when the current arm ended with `ret`.
    pub(crate) terminated: bool,
    /// Whether an early `ret` may end the current arm.
    pub(crate) ret_allowed: bool,
}

/// Interesting Integer literals.
pub(crate) const INTS: [i64; 16] = [
    0,
    1,
    2,
    3,
    -1,
    5,
    7,
    10,
    42,
    100,
    -128,
    255,
    256,
    i64::MAX,
    i64::MIN,
    1 << 40,
];

/// Interesting Float literals.
pub(crate) const FLOATS: [f64; 14] = [
    0.0,
    -0.0,
    0.5,
    1.0,
    -2.5,
    2.5,
    3.25,
    0.1,
    1e100,
    1e-7,
    f64::INFINITY,
    f64::NEG_INFINITY,
    f64::NAN,
    123456789.125,
];

/// Interesting String literals.
pub(crate) const STRS: [&str; 14] = [
    "",
    "a",
    "abc",
    "h\u{e9}llo",
    "a,b,c",
    " pad ",
    "x\ny",
    "q\"t",
    "123",
    "-7",
    "2.5",
    "\u{ff}\u{20ac}\u{1d11e}",
    "Hello, World",
    ",",
];

impl<'g, 's> FnGen<'g, 's> {
    /// Generates the body of function `id` as planned.
    pub(crate) fn run(g: &'g mut Gen<'s>, id: FuncId) -> Function {
        let sig = g.sigs[id.index()].clone();
        let budget = match sig.kind {
            Kind::Main => g.cfg.main_stmts,
            Kind::Helper | Kind::Method => g.cfg.fn_stmts,
            _ => 4,
        };
        let calls_left = match sig.kind {
            Kind::Main => 5,
            Kind::Helper | Kind::Method => 2,
            _ => 0,
        };
        let mut fg = FnGen {
            g,
            sig: sig.clone(),
            f: Function::new(sig.name.clone()),
            cur: Block(0),
            scopes: vec![Vec::new()],
            loops: Vec::new(),
            depth: None,
            if_depth: 0,
            budget,
            calls_left,
            terminated: false,
            ret_allowed: false,
        };
        fg.body();
        fg.finish()
    }

    pub(crate) fn below(&mut self, n: usize) -> usize {
        self.g.below(n)
    }

    pub(crate) fn chance(&mut self, num: u64, den: u64) -> bool {
        self.g.chance(num, den)
    }

    /// Renumbers values canonically and names them after their position.
    pub(crate) fn finish(mut self) -> Function {
        self.f.canonicalize();
        let nparams = self.f.params.len();
        for (i, v) in self.f.values.values_mut().enumerate() {
            if i >= nparams {
                v.name = (i - nparams).to_string();
            }
        }
        self.f
    }

    pub(crate) fn new_block(&mut self) -> Block {
        let n = self.f.blocks.len();
        self.f.blocks.push(BlockData {
            label: format!("bb{n}"),
            insts: Vec::new(),
        })
    }

    /// A fresh value (not yet in scope).
    pub(crate) fn fresh(&mut self) -> Value {
        let n = self.f.values.len();
        self.f.values.push(ValueData {
            name: format!("t{n}"),
        })
    }

    /// Makes `v` of type `ty` available from here on.
    pub(crate) fn bind(&mut self, v: Value, ty: Ty) {
        if let Some(s) = self.scopes.last_mut() {
            s.push((v, ty));
        }
    }

    pub(crate) fn emit(&mut self, inst: Inst) {
        self.f.blocks[self.cur].insts.push(inst);
    }

    /// Emits an instruction defining a fresh value of type `ty` and returns the value.
    pub(crate) fn def(&mut self, ty: Ty, make: impl FnOnce(Value) -> Inst) -> Value {
        let v = self.fresh();
        let inst = make(v);
        self.emit(inst);
        self.bind(v, ty);
        v
    }

    pub(crate) fn konst(&mut self, c: Constant, ty: Ty) -> Value {
        self.def(ty, |dest| Inst::Const { dest, value: c })
    }

    pub(crate) fn int(&mut self, n: i64) -> Value {
        self.konst(Constant::Int(n), Ty::Int)
    }

    /// A random literal of a primitive type.
    pub(crate) fn literal(&mut self, ty: Ty) -> Value {
        match ty {
            Ty::Int => {
                let n = if self.chance(1, 8) {
                    self.g.src.bits() as i64
                } else {
                    INTS[self.below(INTS.len())]
                };
                self.int(n)
            }
            Ty::Float => {
                let x = if self.chance(1, 10) {
                    (self.g.src.bits() as i64 as f64) / 1024.0
                } else {
                    FLOATS[self.below(FLOATS.len())]
                };
                self.konst(Constant::Float(Ieee64::new(x)), Ty::Float)
            }
            Ty::Bool => {
                let b = self.chance(1, 2);
                self.konst(Constant::Bool(b), Ty::Bool)
            }
            Ty::Str => {
                let s = STRS[self.below(STRS.len())];
                self.konst(Constant::Str(s.into()), Ty::Str)
            }
            _ => self.konst(Constant::Void, Ty::Void),
        }
    }

    /// Every value in scope of type `ty` (of any type for `Ty::Any`).
    pub(crate) fn candidates(&self, ty: Ty) -> Vec<(Value, Ty)> {
        self.scopes
            .iter()
            .flatten()
            .filter(|(_, t)| ty == Ty::Any || *t == ty)
            .copied()
            .collect()
    }

    /// A value in scope of type `ty`, if any.
    pub(crate) fn pick(&mut self, ty: Ty) -> Option<(Value, Ty)> {
        let c = self.candidates(ty);
        if c.is_empty() {
            None
        } else {
            Some(c[self.below(c.len())])
        }
    }

    /// Any value in scope (or a fresh literal), with its type.
    pub(crate) fn any(&mut self) -> (Value, Ty) {
        if self.chance(4, 5) {
            if let Some(p) = self.pick(Ty::Any) {
                return p;
            }
        }
        let ty = [Ty::Int, Ty::Str, Ty::Float, Ty::Bool, Ty::Void][self.below(5)];
        (self.literal(ty), ty)
    }

    /// An operand of type `ty`: mostly one in scope, else a new one; now and then (the error
    /// rate) a value of any type instead, which may make the program trap.
    pub(crate) fn get(&mut self, ty: Ty) -> Value {
        let err = self.g.err;
        if ty != Ty::Any && err > 0 && self.chance(err, 1000) {
            return self.any().0;
        }
        if ty == Ty::Any {
            return self.any().0;
        }
        if self.chance(3, 4) {
            if let Some((v, _)) = self.pick(ty) {
                return v;
            }
        }
        self.materialize(ty)
    }

    /// A new value of type `ty`.
    pub(crate) fn materialize(&mut self, ty: Ty) -> Value {
        match ty {
            Ty::Int | Ty::Float | Ty::Bool | Ty::Str | Ty::Void => self.literal(ty),
            Ty::Any => self.any().0,
            Ty::Array => {
                let n = if self.chance(1, 6) {
                    0
                } else {
                    1 + self.below(3)
                };
                let args = (0..n).map(|_| self.elem()).collect();
                self.def(Ty::Array, |dest| Inst::NewBox {
                    dest,
                    class: BoxClass::Array,
                    args,
                })
            }
            Ty::Map => {
                let m = self.def(Ty::Map, |dest| Inst::NewBox {
                    dest,
                    class: BoxClass::Map,
                    args: Vec::new(),
                });
                if self.chance(1, 2) {
                    let k = self.map_key();
                    let v = self.elem();
                    self.method_call(None, m, "set", vec![k, v]);
                }
                m
            }
            Ty::Func(f) => self.konst(Constant::Func(f), Ty::Func(f)),
            Ty::Op(op) => self.def(Ty::Op(op), |dest| Inst::NewBox {
                dest,
                class: BoxClass::Operator(op),
                args: Vec::new(),
            }),
            Ty::User(b) => {
                let params = match self.g.boxes[b.index()].birth {
                    Some(f) => self.g.sigs[f.index()].params.clone(),
                    None => Vec::new(),
                };
                let args = params.into_iter().map(|t| self.get(t)).collect();
                self.def(Ty::User(b), |dest| Inst::NewBox {
                    dest,
                    class: BoxClass::User(b),
                    args,
                })
            }
        }
    }

    /// A value to put in a collection: mostly primitives.
    pub(crate) fn elem(&mut self) -> Value {
        if self.chance(1, 4) {
            return self.any().0;
        }
        let ty = [Ty::Int, Ty::Int, Ty::Str, Ty::Float][self.below(4)];
        self.get(ty)
    }

    /// A map key: Integer, String or Bool (a wrong type only at the error rate).
    pub(crate) fn map_key(&mut self) -> Value {
        let ty = [Ty::Int, Ty::Str, Ty::Bool][self.below(3)];
        if self.chance(1, 2) {
            let v = match ty {
                Ty::Int => Constant::Int(self.below(4) as i64),
                Ty::Str => Constant::Str(["a", "b", "1", ""][self.below(4)].into()),
                _ => Constant::Bool(self.chance(1, 2)),
            };
            self.konst(v, ty)
        } else {
            self.get(ty)
        }
    }

    /// A small index: mostly in range for short strings and arrays.
    pub(crate) fn index(&mut self) -> Value {
        if self.chance(3, 4) {
            self.int(0)
        } else if self.chance(2, 3) {
            self.int(1)
        } else if self.g.err == 0 || self.chance(1, 2) {
            let n = 2 + self.below(2) as i64;
            self.int(n)
        } else {
            self.get(Ty::Int)
        }
    }

    /// A range `start, end` for `substring`/`slice`: mostly short and near the start.
    pub(crate) fn range(&mut self) -> Vec<Value> {
        if self.chance(1, 10) {
            return vec![self.index(), self.index()];
        }
        let lo = self.below(2) as i64;
        let hi = lo + self.below(2) as i64;
        vec![self.int(lo), self.int(hi)]
    }

    /// A Bool condition: a comparison of values in scope, or a Bool in scope.
    pub(crate) fn cond(&mut self) -> Value {
        if self.chance(1, 3) {
            if let Some((v, _)) = self.pick(Ty::Bool) {
                return v;
            }
        }
        let ty = [Ty::Int, Ty::Int, Ty::Float, Ty::Str][self.below(4)];
        let a = self.get(ty);
        let b = self.get(ty);
        let op = CmpOp::ALL[self.below(6)];
        self.def(Ty::Bool, |dest| Inst::Compare {
            dest,
            op,
            lhs: a,
            rhs: b,
        })
    }

    /// Logs `v` now and then (so that values are observed).
    pub(crate) fn maybe_log(&mut self, v: Value) {
        if self.chance(2, 5) {
            self.log(v);
        }
    }

    pub(crate) fn log(&mut self, v: Value) {
        let e = match self.below(20) {
            0 => ExternFn::ConsoleError,
            1 | 2 => ExternFn::ConsolePrint,
            _ => ExternFn::ConsoleLog,
        };
        let dest = if self.chance(1, 10) {
            Some(self.fresh())
        } else {
            None
        };
        self.emit(Inst::ExternCall {
            dest,
            callee: Callee::Extern(e),
            args: vec![v],
        });
        if let Some(d) = dest {
            self.bind(d, Ty::Void);
        }
    }

    /// Emits `call %recv.[B::]method(args)` and returns the result value.
    pub(crate) fn method_call(
        &mut self,
        box_name: Option<BoxId>,
        recv: Value,
        method: &str,
        args: Vec<Value>,
    ) -> Value {
        let dest = self.fresh();
        self.emit(Inst::Call {
            dest: Some(dest),
            callee: Callee::Method {
                box_name,
                method: method.into(),
                receiver: recv,
            },
            args,
            tail: false,
        });
        dest
    }

    // ---- function bodies -------------------------------------------------------------------

    /// Parameters, then the body according to the function's kind.
    pub(crate) fn body(&mut self) {
        let entry = self.new_block();
        self.cur = entry;
        let sig = self.sig.clone();
        let add_param = |fg: &mut Self, name: &str, ty: Ty, annotate: bool| -> Value {
            let v = fg.f.values.push(ValueData { name: name.into() });
            fg.f.params.push(Param {
                value: v,
                ty: annotate.then(|| ty.type_name()),
            });
            v
        };
        let me = sig.receiver.map(|b| {
            let ann = sig.annotate_params;
            let v = add_param(self, "me", Ty::User(b), ann);
            self.bind(v, Ty::User(b));
            v
        });
        let d = sig
            .depth
            .then(|| add_param(self, "d", Ty::Int, sig.annotate_params));
        for (i, ty) in sig.params.iter().enumerate() {
            let ann = sig.annotate_params && *ty != Ty::Void;
            let v = add_param(self, &format!("p{i}"), *ty, ann);
            self.bind(v, *ty);
        }
        if sig.annotate_ret {
            self.f.ret_type = Some(sig.ret.type_name());
        }
        match sig.kind {
            Kind::Main => {
                let d0 = 1 + self.below(self.g.cfg.max_call_depth as usize) as i64;
                self.depth = Some(self.int(d0));
                let n = self.budget;
                self.stmts(n);
                if self.chance(1, 10) {
                    self.emit(Inst::Return { value: None });
                } else {
                    let ty = if self.chance(1, 8) {
                        self.g.data_ty()
                    } else {
                        Ty::Int
                    };
                    let v = self.get(ty);
                    self.emit(Inst::Return { value: Some(v) });
                }
            }
            Kind::Universal => {
                let n = self.budget;
                self.stmts(n);
                let r = self.get(sig.ret);
                self.emit(Inst::Return { value: Some(r) });
            }
            Kind::Helper | Kind::Method => {
                let d = d.expect("depth parameter");
                // Base case: depth exhausted returns a constant.
                let zero = self.int(0);
                let c = self.def(Ty::Bool, |dest| Inst::Compare {
                    dest,
                    op: CmpOp::Le,
                    lhs: d,
                    rhs: zero,
                });
                let base = self.new_block();
                let rec = self.new_block();
                self.emit(Inst::Branch {
                    cond: c,
                    then_block: base,
                    else_block: rec,
                });
                self.cur = base;
                self.scopes.push(Vec::new());
                let r = self.materialize(sig.ret);
                self.emit(Inst::Return { value: Some(r) });
                self.scopes.pop();
                self.cur = rec;
                let one = self.int(1);
                self.depth = Some(self.def(Ty::Int, |dest| Inst::Binary {
                    dest,
                    op: BinOp::Sub,
                    lhs: d,
                    rhs: one,
                }));
                let n = self.budget;
                self.stmts(n);
                let r = self.get(sig.ret);
                self.emit(Inst::Return { value: Some(r) });
            }
            Kind::Birth => {
                let me = me.expect("receiver");
                let fields = self.g.boxes[sig.receiver.expect("box").index()]
                    .fields
                    .clone();
                let params: Vec<Value> = self.f.params[1..].iter().map(|p| p.value).collect();
                for (i, f) in fields.iter().enumerate() {
                    let v = match params.get(i) {
                        Some(p) if self.chance(4, 5) => *p,
                        _ => self.elem(),
                    };
                    self.emit(Inst::Store {
                        obj: me,
                        field: f.clone(),
                        value: v,
                    });
                }
                if self.chance(1, 4) {
                    let s = self.konst(Constant::Str(format!("birth {}", sig.name)), Ty::Str);
                    self.log(s);
                }
                let r = if self.chance(1, 2) {
                    Some(self.any().0)
                } else {
                    None
                };
                self.emit(Inst::Return { value: r });
            }
            Kind::ToString => {
                let me = me.expect("receiver");
                let b = sig.receiver.expect("box");
                let fields = self.g.boxes[b.index()].fields.clone();
                let mut s = self.konst(
                    Constant::Str(format!("{}<", self.g.module.boxes[b].name)),
                    Ty::Str,
                );
                for f in fields {
                    let v = self.def(Ty::Any, |dest| Inst::Load {
                        dest,
                        obj: me,
                        field: f,
                    });
                    // Fields may be void: take the string form first (`add` traps on Void).
                    let t = self.method_call(None, v, "toString", Vec::new());
                    let lhs = s;
                    s = self.def(Ty::Str, |dest| Inst::Binary {
                        dest,
                        op: BinOp::Add,
                        lhs,
                        rhs: t,
                    });
                }
                let close = self.konst(Constant::Str(">".into()), Ty::Str);
                let lhs = s;
                s = self.def(Ty::Str, |dest| Inst::Binary {
                    dest,
                    op: BinOp::Add,
                    lhs,
                    rhs: close,
                });
                // Rarely a toString that breaks its contract.
                let r = if self.chance(1, 40) { self.int(7) } else { s };
                self.emit(Inst::Return { value: Some(r) });
            }
            Kind::Apply => {
                let x = self.f.params[1].value;
                let k = self.literal(Ty::Int);
                let op = [BinOp::Add, BinOp::Mul, BinOp::Sub, BinOp::Bxor][self.below(4)];
                let r = self.def(Ty::Int, |dest| Inst::Binary {
                    dest,
                    op,
                    lhs: x,
                    rhs: k,
                });
                self.emit(Inst::Return { value: Some(r) });
            }
        }
    }

    // ---- statements ------------------------------------------------------------------------

    /// Up to `n` statements (fewer if the function's budget runs out or the arm returns).
    pub(crate) fn stmts(&mut self, n: usize) {
        for _ in 0..n {
            if self.budget == 0 || self.terminated {
                return;
            }
            self.budget -= 1;
            self.stmt();
        }
    }

    pub(crate) fn stmt(&mut self) {
        let in_loop = !self.loops.is_empty();
        match self.below(100) {
            0..=9 if self.if_depth < self.g.cfg.max_if_depth => self.if_stmt(),
            10..=16 if self.loops.len() < self.g.cfg.max_loop_depth => self.loop_stmt(),
            17..=27 if self.calls_left > 0 && (!in_loop || self.chance(1, 3)) => {
                self.calls_left -= 1;
                self.call_stmt();
            }
            28..=30 if in_loop => self.break_stmt(false),
            31..=33 if in_loop => self.break_stmt(true),
            34..=35 if self.ret_allowed => {
                let v = self.get(self.sig.ret);
                self.emit(Inst::Return { value: Some(v) });
                self.terminated = true;
            }
            36 if self.sig.kind == Kind::Main && !self.g.exit_used && self.chance(1, 4) => {
                self.g.exit_used = true;
                let c = self.get(Ty::Int);
                self.emit(Inst::ExternCall {
                    dest: None,
                    callee: Callee::Extern(ExternFn::ProcessExit),
                    args: vec![c],
                });
            }
            _ => self.simple(),
        }
    }

    /// `if`/`else` with join phis (both arms, or a then-arm only).
    pub(crate) fn if_stmt(&mut self) {
        let c = self.cond();
        let nphis = self.below(3);
        let tys: Vec<Ty> = (0..nphis).map(|_| self.phi_ty()).collect();
        let then_b = self.new_block();
        let has_else = self.chance(2, 3);
        let from = self.cur;
        // Without an else arm, the values for the join come from here, before the branch.
        let from_vals: Vec<Value> = if has_else {
            Vec::new()
        } else {
            tys.iter().map(|t| self.get(*t)).collect()
        };
        let else_b = if has_else {
            Some(self.new_block())
        } else {
            None
        };
        let join = self.new_block();
        self.emit(Inst::Branch {
            cond: c,
            then_block: then_b,
            else_block: else_b.unwrap_or(join),
        });
        let saved_ret = self.ret_allowed;
        let outer_ret_ok = self.loops.is_empty() && self.sig.kind != Kind::Main;
        let then_end = self.arm(then_b, join, &tys, outer_ret_ok);
        let else_end = match else_b {
            Some(eb) => self.arm(eb, join, &tys, outer_ret_ok && then_end.is_some()),
            None => Some((from, from_vals)),
        };
        self.ret_allowed = saved_ret;
        self.cur = join;
        if let (Some((tb, tv)), Some((eb, ev))) = (&then_end, &else_end) {
            let mut phis = Vec::new();
            for (i, ty) in tys.iter().enumerate() {
                let inputs = vec![(*tb, tv[i]), (*eb, ev[i])];
                phis.push(self.def(*ty, |dest| Inst::Phi { dest, inputs }));
            }
            // Phis lead the block: log only after all of them.
            for v in phis {
                self.maybe_log(v);
            }
        }
    }

    /// A type for phis: one whose values are around.
    pub(crate) fn phi_ty(&mut self) -> Ty {
        if self.chance(1, 2) {
            if let Some((_, t)) = self.pick(Ty::Any) {
                return t;
            }
        }
        [Ty::Int, Ty::Int, Ty::Str, Ty::Float, Ty::Bool][self.below(5)]
    }

    /// One arm of an `if`: returns its last block and the values it passes to the join phis, or
    /// `None` if it ended with `ret`.
    pub(crate) fn arm(
        &mut self,
        start: Block,
        join: Block,
        tys: &[Ty],
        ret_ok: bool,
    ) -> Option<(Block, Vec<Value>)> {
        self.cur = start;
        self.scopes.push(Vec::new());
        self.if_depth += 1;
        self.ret_allowed = ret_ok;
        self.terminated = false;
        let n = 1 + self.below(4);
        self.stmts(n);
        let out = if self.terminated {
            None
        } else {
            let vals: Vec<Value> = tys.iter().map(|t| self.get(*t)).collect();
            self.emit(Inst::Jump { target: join });
            Some((self.cur, vals))
        };
        self.terminated = false;
        self.if_depth -= 1;
        self.scopes.pop();
        out
    }

    /// A counted loop `for i in 0..n` with carried phis, in canonical LoopForm shape.
    pub(crate) fn loop_stmt(&mut self) {
        let trip = self.below(self.g.cfg.max_trip as usize + 1) as i64;
        let n = self.int(trip);
        let zero = self.int(0);
        let ncarried = 1 + self.below(3);
        let tys: Vec<Ty> = (0..ncarried).map(|_| self.phi_ty()).collect();
        let inits: Vec<Value> = tys.iter().map(|t| self.get(*t)).collect();
        let pre = self.cur;
        let header = self.new_block();
        let body = self.new_block();
        let latch = self.new_block();
        let exit = self.new_block();
        self.emit(Inst::Jump { target: header });
        self.cur = header;
        // Header phis: the latch inputs are patched once the latch values exist.
        let i = self.def(Ty::Int, |dest| Inst::Phi {
            dest,
            inputs: vec![(pre, zero), (latch, zero)],
        });
        let mut carried = Vec::new();
        for (t, init) in tys.iter().zip(&inits) {
            let v = self.def(*t, |dest| Inst::Phi {
                dest,
                inputs: vec![(pre, *init), (latch, *init)],
            });
            carried.push((v, *t));
        }
        let exit_first = self.chance(1, 3);
        let c = self.def(Ty::Bool, |dest| Inst::Compare {
            dest,
            op: if exit_first { CmpOp::Ge } else { CmpOp::Lt },
            lhs: i,
            rhs: n,
        });
        let (then_block, else_block) = if exit_first {
            (exit, body)
        } else {
            (body, exit)
        };
        self.emit(Inst::Branch {
            cond: c,
            then_block,
            else_block,
        });
        self.loops.push(LoopCtx {
            latch,
            exit,
            carried: carried.clone(),
            breaks: Vec::new(),
            conts: Vec::new(),
        });
        // The body.
        self.cur = body;
        self.scopes.push(Vec::new());
        let saved_ret = self.ret_allowed;
        self.ret_allowed = false;
        if self.chance(1, 2) {
            self.maybe_log(i);
        }
        let k = 1 + self.below(5);
        self.stmts(k);
        let next = self.next_values(&carried);
        self.emit(Inst::Jump { target: latch });
        let body_end = self.cur;
        self.scopes.pop();
        self.ret_allowed = saved_ret;
        let ctx = self.loops.pop().expect("loop context");
        // The latch: phis when `continue` also reaches it, then the counter increment.
        self.cur = latch;
        self.scopes.push(Vec::new());
        let mut sources = ctx.conts;
        sources.push((body_end, next.clone()));
        let latch_vals: Vec<Value> = if sources.len() > 1 {
            (0..carried.len())
                .map(|j| {
                    let inputs = sources.iter().map(|(b, vs)| (*b, vs[j])).collect();
                    self.def(carried[j].1, |dest| Inst::Phi { dest, inputs })
                })
                .collect()
        } else {
            next
        };
        let one = self.int(1);
        let inext = self.def(Ty::Int, |dest| Inst::Binary {
            dest,
            op: BinOp::Add,
            lhs: i,
            rhs: one,
        });
        // A do-while latch (`branch inext < n, header, exit`) now and then: the same trip
        // count, but the back edge is a branch edge and the exit gains a predecessor.
        let do_while = self.chance(1, 3);
        if do_while {
            let c2 = self.def(Ty::Bool, |dest| Inst::Compare {
                dest,
                op: CmpOp::Lt,
                lhs: inext,
                rhs: n,
            });
            self.emit(Inst::Branch {
                cond: c2,
                then_block: header,
                else_block: exit,
            });
        } else {
            self.emit(Inst::Jump { target: header });
        }
        self.scopes.pop();
        let mut patch = vec![inext];
        patch.extend(latch_vals.iter().copied());
        for (k, v) in patch.into_iter().enumerate() {
            if let Inst::Phi { inputs, .. } = &mut self.f.blocks[header].insts[k] {
                inputs[1].1 = v;
            }
        }
        // The exit: phis merging the header's values with those of each `break` (and of the
        // do-while latch).
        self.cur = exit;
        if !ctx.breaks.is_empty() || do_while {
            let mut phis = Vec::new();
            for (j, (hv, t)) in carried.iter().enumerate() {
                let mut inputs = vec![(header, *hv)];
                inputs.extend(ctx.breaks.iter().map(|(b, vs)| (*b, vs[j])));
                if do_while {
                    inputs.push((latch, latch_vals[j]));
                }
                phis.push(self.def(*t, |dest| Inst::Phi { dest, inputs }));
            }
            for v in phis {
                self.maybe_log(v);
            }
        } else if let Some((v, _)) = carried.first() {
            self.maybe_log(*v);
        }
        if self.chance(6, 7) {
            self.f.loops.push(LoopForm {
                header,
                body,
                latch,
                exit,
            });
        }
    }

    /// The values the carried phis take on the next iteration: often a swap of two phis of one
    /// type, else an updated value or any value of the right type.
    pub(crate) fn next_values(&mut self, carried: &[(Value, Ty)]) -> Vec<Value> {
        let mut out: Vec<Value> = Vec::new();
        let swap = self.chance(1, 3);
        for (j, (v, t)) in carried.iter().enumerate() {
            let partner = carried
                .iter()
                .enumerate()
                .filter(|(k, (_, u))| *k != j && u == t)
                .map(|(_, (w, _))| *w)
                .next();
            let nv = match partner {
                Some(p) if swap => p,
                _ => match t {
                    Ty::Int if self.chance(1, 2) => {
                        let x = self.get(Ty::Int);
                        let op = [BinOp::Add, BinOp::Mul, BinOp::Sub, BinOp::Bxor][self.below(4)];
                        let v = *v;
                        self.def(Ty::Int, |dest| Inst::Binary {
                            dest,
                            op,
                            lhs: v,
                            rhs: x,
                        })
                    }
                    Ty::Str if self.chance(1, 2) => {
                        // A fresh literal, so that strings grow linearly, never doubling.
                        let t = self.printable_ty();
                        let x = if t == Ty::Array {
                            self.literal(Ty::Int)
                        } else {
                            self.literal(t)
                        };
                        let v = *v;
                        self.def(Ty::Str, |dest| Inst::Binary {
                            dest,
                            op: BinOp::Add,
                            lhs: v,
                            rhs: x,
                        })
                    }
                    // Strings: never a value computed from the phi twice (no doubling).
                    Ty::Str if self.chance(1, 2) => *v,
                    Ty::Str => self.literal(Ty::Str),
                    _ => self.get(*t),
                },
            };
            out.push(nv);
        }
        out
    }

    /// `break` (to the exit) or `continue` (to the latch) under a condition.
    pub(crate) fn break_stmt(&mut self, is_continue: bool) {
        let c = self.cond();
        let carried = match self.loops.last() {
            Some(l) => l.carried.clone(),
            None => return,
        };
        let vals: Vec<Value> = carried.iter().map(|(_, t)| self.get(*t)).collect();
        let target = match self.loops.last() {
            Some(l) if is_continue => l.latch,
            Some(l) => l.exit,
            None => return,
        };
        let cont = self.new_block();
        let (then_block, else_block) = if self.chance(1, 2) {
            (target, cont)
        } else {
            (cont, target)
        };
        self.emit(Inst::Branch {
            cond: c,
            then_block,
            else_block,
        });
        let from = self.cur;
        if let Some(l) = self.loops.last_mut() {
            if is_continue {
                l.conts.push((from, vals));
            } else {
                l.breaks.push((from, vals));
            }
        }
        self.cur = cont;
    }

    /// A call of a depth-carrying function through one of the Callee kinds.
    pub(crate) fn call_stmt(&mut self) {
        let fns = self.g.depth_functions();
        if fns.is_empty() {
            return self.simple();
        }
        let f = fns[self.below(fns.len())];
        let sig = self.g.sigs[f.index()].clone();
        let depth = match self.depth {
            Some(d) => d,
            None => return self.simple(),
        };
        let mut args = vec![depth];
        for t in &sig.params {
            let v = self.get(*t);
            args.push(v);
        }
        let keep = self.chance(7, 8);
        let dest = keep.then(|| self.fresh());
        let callee = match sig.receiver {
            Some(b) => {
                let recv = self.get(Ty::User(b));
                match self.below(3) {
                    0 => {
                        args.insert(0, recv);
                        Callee::Global(f)
                    }
                    1 => Callee::Method {
                        box_name: Some(b),
                        method: sig.name.split('.').nth(1).unwrap_or("m0").into(),
                        receiver: recv,
                    },
                    _ => Callee::Method {
                        box_name: None,
                        method: sig.name.split('.').nth(1).unwrap_or("m0").into(),
                        receiver: recv,
                    },
                }
            }
            None => {
                if self.chance(1, 3) {
                    let fv = self.get(Ty::Func(f));
                    Callee::Value(fv)
                } else {
                    Callee::Global(f)
                }
            }
        };
        // Now and then a wrong argument count, which calls checked at run time trap on.
        let dynamic = matches!(
            callee,
            Callee::Value(_) | Callee::Method { box_name: None, .. }
        );
        if dynamic && self.g.err > 0 && self.chance(1, 30) {
            args.pop();
        }
        self.emit(Inst::Call {
            dest,
            callee,
            args,
            tail: false,
        });
        if let Some(d) = dest {
            self.bind(d, sig.ret);
            self.maybe_log(d);
        }
    }

    /// One straight-line instruction (or a short group), often followed by a log.
    pub(crate) fn simple(&mut self) {
        let v = match self.below(24) {
            0 | 1 => {
                let ty = [Ty::Int, Ty::Float, Ty::Str, Ty::Bool, Ty::Void][self.below(5)];
                self.literal(ty)
            }
            2 => self.unary(),
            3..=7 => self.binop(),
            8 | 9 => self.cond(),
            10 | 11 => self.typeop(),
            12 => match self.field_access() {
                Some(v) => v,
                None => return,
            },
            13 | 14 => self.new_box(),
            15..=19 => self.builtin_call(),
            20 => self.operator_call(),
            21 => self.user_value_call(),
            22 => self.other_extern(),
            _ => {
                let (v, _) = self.any();
                self.log(v);
                return;
            }
        };
        self.maybe_log(v);
    }

    /// A non-Void type whose values have string forms (for `add` with a String).
    pub(crate) fn printable_ty(&mut self) -> Ty {
        [Ty::Int, Ty::Float, Ty::Str, Ty::Bool, Ty::Array][self.below(5)]
    }

    pub(crate) fn unary(&mut self) -> Value {
        let (op, ty) = match self.below(4) {
            0 => (UnaryOp::Neg, Ty::Int),
            1 => (UnaryOp::Neg, Ty::Float),
            2 => (UnaryOp::Not, Ty::Bool),
            _ => (UnaryOp::BitNot, Ty::Int),
        };
        let a = self.get(ty);
        self.def(ty, |dest| Inst::Unary { dest, op, arg: a })
    }

    pub(crate) fn binop(&mut self) -> Value {
        let op = BinOp::ALL[self.below(12)];
        let (lt, rt, res) = match op {
            BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Mod => match self.below(8) {
                0 if op == BinOp::Add => (Ty::Str, self.printable_ty(), Ty::Str),
                1 if op == BinOp::Add => (self.printable_ty(), Ty::Str, Ty::Str),
                2 => (Ty::Float, Ty::Float, Ty::Float),
                3 => (Ty::Int, Ty::Float, Ty::Float),
                4 => (Ty::Float, Ty::Int, Ty::Float),
                _ => (Ty::Int, Ty::Int, Ty::Int),
            },
            BinOp::And | BinOp::Or => (Ty::Bool, Ty::Bool, Ty::Bool),
            _ => (Ty::Int, Ty::Int, Ty::Int),
        };
        let a = self.get(lt);
        let mut b = self.get(rt);
        if (lt, rt) == (Ty::Int, Ty::Int)
            && matches!(op, BinOp::Div | BinOp::Mod)
            && self.chance(7, 8)
        {
            // Mostly a divisor that is odd, hence never zero.
            let one = self.int(1);
            let raw = b;
            b = self.def(Ty::Int, |dest| Inst::Binary {
                dest,
                op: BinOp::Bor,
                lhs: raw,
                rhs: one,
            });
        }
        // `add` of a String and a possibly-void value: make the other side non-void mostly.
        self.def(res, |dest| Inst::Binary {
            dest,
            op,
            lhs: a,
            rhs: b,
        })
    }

    pub(crate) fn typeop(&mut self) -> Value {
        let (v, t) = self.any();
        match self.below(3) {
            0 => self.def(Ty::Str, |dest| Inst::TypeOp {
                dest,
                op: TypeOpKind::TypeOf,
                arg: v,
            }),
            1 => {
                let tn = self.random_type_name(t);
                self.def(Ty::Bool, |dest| Inst::TypeOp {
                    dest,
                    op: TypeOpKind::Check(tn),
                    arg: v,
                })
            }
            _ => {
                let (tn, res) = match t {
                    Ty::Int if self.chance(1, 2) => (TypeName::Float, Ty::Float),
                    Ty::Float if self.chance(2, 3) => (TypeName::Integer, Ty::Int),
                    _ if self.chance(1, 40) => {
                        let tn = self.random_type_name(t);
                        (tn, Ty::Any)
                    }
                    _ if self.chance(1, 6) => (TypeName::Any, t),
                    _ => (t.type_name(), t),
                };
                self.def(res, |dest| Inst::TypeOp {
                    dest,
                    op: TypeOpKind::Cast(tn),
                    arg: v,
                })
            }
        }
    }

    /// A type name for `check`: often the value's own type.
    pub(crate) fn random_type_name(&mut self, own: Ty) -> TypeName {
        if self.chance(1, 3) {
            return own.type_name();
        }
        let nb = self.g.boxes.len();
        match self.below(12 + nb) {
            0 => TypeName::Integer,
            1 => TypeName::Float,
            2 => TypeName::Bool,
            3 => TypeName::String,
            4 => TypeName::Void,
            5 => TypeName::Array,
            6 => TypeName::Map,
            7 => TypeName::Function,
            8 => TypeName::Any,
            9 => TypeName::Operator(Operator::Bin(BinOp::Add)),
            10 => TypeName::Operator(Operator::Cmp(CmpOp::Lt)),
            11 => TypeName::Operator(Operator::Bin(BinOp::Shl)),
            k => TypeName::User(BoxId((k - 12) as u32)),
        }
    }

    /// `load` or `store` of a user box field; `None` if the module declares no fields.
    pub(crate) fn field_access(&mut self) -> Option<Value> {
        if self.g.fields.is_empty() {
            return None;
        }
        // A box that has fields (every declared field belongs to one).
        let with_fields: Vec<usize> = (0..self.g.boxes.len())
            .filter(|&b| !self.g.boxes[b].fields.is_empty())
            .collect();
        let b = BoxId(with_fields[self.below(with_fields.len())] as u32);
        let obj = self.get(Ty::User(b));
        let own = self.g.boxes[b.index()].fields.clone();
        let field = if self.chance(1, 30) {
            let all = self.g.fields.clone();
            all[self.below(all.len())].clone()
        } else {
            own[self.below(own.len())].clone()
        };
        if self.chance(1, 2) {
            let v = self.any().0;
            self.emit(Inst::Store {
                obj,
                field: field.clone(),
                value: v,
            });
        }
        Some(self.def(Ty::Any, |dest| Inst::Load { dest, obj, field }))
    }

    pub(crate) fn new_box(&mut self) -> Value {
        match self.below(7) {
            0 => self.materialize(Ty::Array),
            1 => self.materialize(Ty::Map),
            2 => {
                let op = Operator::all().nth(self.below(18)).expect("18 operators");
                self.materialize(Ty::Op(op))
            }
            3 => {
                let ty = [Ty::Int, Ty::Float, Ty::Bool, Ty::Str][self.below(4)];
                let a = self.get(ty);
                self.def(ty, |dest| Inst::NewBox {
                    dest,
                    class: BoxClass::Primitive(ty.type_name()),
                    args: vec![a],
                })
            }
            4 => self.def(Ty::Void, |dest| Inst::NewBox {
                dest,
                class: BoxClass::Primitive(TypeName::Void),
                args: Vec::new(),
            }),
            _ => {
                let nb = self.g.boxes.len();
                if nb == 0 {
                    return self.materialize(Ty::Array);
                }
                let b = BoxId(self.below(nb) as u32);
                self.materialize(Ty::User(b))
            }
        }
    }

    /// A builtin method call on a String, number, array, map or any value.
    pub(crate) fn builtin_call(&mut self) -> Value {
        let (recv, m, args, res): (Value, &str, Vec<Value>, Ty) = match self.below(7) {
            0 | 1 => {
                let s = self.get(Ty::Str);
                let (m, args, res) = match self.below(16) {
                    0 => ("length", vec![], Ty::Int),
                    1 => ("substring", self.range(), Ty::Str),
                    2 => ("concat", vec![self.elem()], Ty::Str),
                    3 => ("indexOf", vec![self.get(Ty::Str)], Ty::Int),
                    4 => ("lastIndexOf", vec![self.get(Ty::Str)], Ty::Int),
                    5 => ("contains", vec![self.get(Ty::Str)], Ty::Bool),
                    6 => ("startsWith", vec![self.get(Ty::Str)], Ty::Bool),
                    7 => ("endsWith", vec![self.get(Ty::Str)], Ty::Bool),
                    8 => (
                        "replace",
                        vec![self.get(Ty::Str), self.get(Ty::Str)],
                        Ty::Str,
                    ),
                    9 => ("trim", vec![], Ty::Str),
                    10 => ("toUpper", vec![], Ty::Str),
                    11 => ("toLower", vec![], Ty::Str),
                    12 => ("split", vec![self.get(Ty::Str)], Ty::Array),
                    13 => ("charAt", vec![self.index()], Ty::Str),
                    14 => ("toInteger", vec![], Ty::Any),
                    _ => ("toFloat", vec![], Ty::Any),
                };
                (s, m, args, res)
            }
            2 => {
                if self.chance(1, 2) {
                    let x = self.get(Ty::Int);
                    let (m, args, res) = match self.below(4) {
                        0 => ("abs", vec![], Ty::Int),
                        1 => ("min", vec![self.get(Ty::Int)], Ty::Int),
                        2 => ("max", vec![self.get(Ty::Int)], Ty::Int),
                        _ => ("toFloat", vec![], Ty::Float),
                    };
                    (x, m, args, res)
                } else {
                    let x = self.get(Ty::Float);
                    let m = ["abs", "floor", "ceil", "round", "sqrt", "toInteger"][self.below(6)];
                    let res = if m == "toInteger" { Ty::Int } else { Ty::Float };
                    (x, m, vec![], res)
                }
            }
            3 | 4 => {
                let a = self.get(Ty::Array);
                let (m, args, res) = match self.below(15) {
                    0 => ("length", vec![], Ty::Int),
                    1 => ("get", vec![self.index()], Ty::Any),
                    2 => ("set", vec![self.index(), self.elem()], Ty::Void),
                    3 | 4 => ("push", vec![self.elem()], Ty::Void),
                    5 => ("pop", vec![], Ty::Any),
                    6 => ("insert", vec![self.index(), self.elem()], Ty::Void),
                    7 => ("remove", vec![self.index()], Ty::Any),
                    8 => ("contains", vec![self.elem()], Ty::Bool),
                    9 => ("indexOf", vec![self.elem()], Ty::Int),
                    10 => ("join", vec![self.get(Ty::Str)], Ty::Str),
                    11 => ("sort", vec![], Ty::Void),
                    12 => ("reverse", vec![], Ty::Void),
                    13 => ("slice", self.range(), Ty::Array),
                    _ => ("clear", vec![], Ty::Void),
                };
                (a, m, args, res)
            }
            5 => {
                let mp = self.get(Ty::Map);
                let (m, args, res) = match self.below(9) {
                    0 => ("size", vec![], Ty::Int),
                    1 => ("has", vec![self.map_key()], Ty::Bool),
                    2 => ("get", vec![self.map_key()], Ty::Any),
                    3 | 4 => ("set", vec![self.map_key(), self.elem()], Ty::Void),
                    5 => ("delete", vec![self.map_key()], Ty::Bool),
                    6 => ("keys", vec![], Ty::Array),
                    7 => ("values", vec![], Ty::Array),
                    _ => ("clear", vec![], Ty::Void),
                };
                (mp, m, args, res)
            }
            _ => {
                let (v, t) = self.any();
                let k = if self.chance(1, 20) { 4 } else { 3 };
                let (m, args, res) = match self.below(k) {
                    0 => ("toString", vec![], Ty::Str),
                    1 => ("equals", vec![self.any().0], Ty::Bool),
                    2 => ("typeName", vec![], Ty::Str),
                    _ => ("noSuchMethod", vec![], Ty::Any),
                };
                let _ = t;
                (v, m, args, res)
            }
        };
        let v = self.method_call(None, recv, m, args);
        self.bind(v, res);
        v
    }

    /// An operator box applied as a value callee or through `apply`.
    pub(crate) fn operator_call(&mut self) -> Value {
        let op = Operator::all().nth(self.below(18)).expect("18 operators");
        let b = self.get(Ty::Op(op));
        let (lt, res) = match op {
            Operator::Bin(BinOp::And | BinOp::Or) => (Ty::Bool, Ty::Bool),
            Operator::Bin(_) => (Ty::Int, Ty::Int),
            Operator::Cmp(_) => (Ty::Int, Ty::Bool),
        };
        let x = self.get(lt);
        let mut y = self.get(lt);
        if matches!(op, Operator::Bin(BinOp::Div | BinOp::Mod)) && self.chance(3, 4) {
            y = self.int(3);
        }
        let dest = self.fresh();
        let callee = if self.chance(1, 2) {
            Callee::Value(b)
        } else {
            Callee::Method {
                box_name: None,
                method: "apply".into(),
                receiver: b,
            }
        };
        self.emit(Inst::Call {
            dest: Some(dest),
            callee,
            args: vec![x, y],
            tail: false,
        });
        self.bind(dest, res);
        dest
    }

    /// A user box instance called as a value (its `apply`), or asked for its string form.
    pub(crate) fn user_value_call(&mut self) -> Value {
        let with_apply: Vec<usize> = (0..self.g.boxes.len())
            .filter(|&b| self.g.boxes[b].apply.is_some())
            .collect();
        if with_apply.is_empty() || self.chance(1, 4) {
            let nb = self.g.boxes.len();
            if nb == 0 {
                return self.operator_call();
            }
            let b = BoxId(self.below(nb) as u32);
            let o = self.get(Ty::User(b));
            let v = self.method_call(None, o, "toString", Vec::new());
            self.bind(v, Ty::Str);
            return v;
        }
        let b = BoxId(with_apply[self.below(with_apply.len())] as u32);
        let o = self.get(Ty::User(b));
        let x = self.get(Ty::Int);
        let dest = self.fresh();
        self.emit(Inst::Call {
            dest: Some(dest),
            callee: Callee::Value(o),
            args: vec![x],
            tail: false,
        });
        self.bind(dest, Ty::Int);
        dest
    }

    /// `env.args()`, `env.stdin.*` (empty stdin) or `env.fs.read` of a missing file.
    pub(crate) fn other_extern(&mut self) -> Value {
        let (e, args, res) = match self.below(10) {
            0..=5 => (ExternFn::Args, vec![], Ty::Array),
            6 | 7 => (ExternFn::StdinReadLine, vec![], Ty::Any),
            8 => (ExternFn::StdinReadAll, vec![], Ty::Str),
            _ if !self.chance(1, 8) => (ExternFn::Args, vec![], Ty::Array),
            _ => {
                let p = self.konst(
                    Constant::Str("/nonexistent/mir14-fuzz/none.txt".into()),
                    Ty::Str,
                );
                (ExternFn::FsRead, vec![p], Ty::Str)
            }
        };
        let dest = self.fresh();
        self.emit(Inst::ExternCall {
            dest: Some(dest),
            callee: Callee::Extern(e),
            args,
        });
        self.bind(dest, res);
        dest
    }
}
