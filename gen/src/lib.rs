//! `mir14-gen`: a generator of random, valid, terminating MIR14 modules for differential
//! fuzzing.
//!
//! [`generate`] makes a module from a seed (a small SplitMix64 PRNG, [`Rng`]); with the
//! `arbitrary` feature, [`generate_from_bytes`] makes one from fuzzer bytes. Every module:
//!
//! - verifies, and prints as text that parses back to an equal module (values are numbered
//!   canonically);
//! - has `@main()`, helper functions `@fN(%d, ...)` whose first parameter `%d` is a recursion
//!   depth (each body starts with `if d <= 0 return a constant`, every call passes `d - 1`), user
//!   boxes `Bk` with fields and methods (`birth`, `toString`, `apply` and depth-carrying methods
//!   `mN`), so recursion is bounded by construction;
//! - contains loops in canonical LoopForm shape (a counter `i < n` with a small constant `n`,
//!   carried phis including swaps, `break` to the exit and `continue` to the latch), mostly
//!   declared with `loop` lines, nested branches with join phis, every one of the 14 instructions,
//!   every value type, all four Callee kinds, operator boxes, strings and collections with their
//!   methods;
//! - terminates by construction (bounded loop counters, bounded recursion; a user `toString`
//!   that meets a cycle is bounded by the call depth limit), with `--fuel` as the backstop;
//! - is deterministic: no `env.time.now_ms`; stdin is read only with `env.stdin.read_line` /
//!   `read_all` (the fuzzer runs programs with empty stdin) and `env.fs.read` only of a path
//!   that does not exist;
//! - may trap: the generator keeps track of each value's likely type and now and then uses a
//!   value of the wrong type, a zero divisor, an out-of-range index, an unknown field or method,
//!   or a non-String `toString` result. Traps are outcomes to compare between backends.
//!
//! [`mutate`] applies small random edits to a module (for fuzzing the verifier with modules that
//! are almost valid).

pub mod source;

#[cfg(feature = "arbitrary")]
pub use source::BytesSource;
pub use source::{Rng, Source};

use mir14_mir::{
    BinOp, Block, BlockData, BoxClass, BoxDecl, BoxId, Callee, CmpOp, Constant, ExternFn, FuncId,
    Function, Ieee64, Inst, LoopForm, Module, Operator, Param, TypeName, TypeOpKind, UnaryOp,
    Value, ValueData,
};

/// Size and shape limits of generated modules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// The most helper functions `@fN` (besides `@main` and box methods).
    pub max_helpers: usize,
    /// The most user box declarations.
    pub max_boxes: usize,
    /// The statement budget of `@main`.
    pub main_stmts: usize,
    /// The statement budget of a helper function or method body.
    pub fn_stmts: usize,
    /// The deepest nesting of `if` statements.
    pub max_if_depth: usize,
    /// The deepest nesting of loops.
    pub max_loop_depth: usize,
    /// The largest recursion depth `@main` passes to a helper.
    pub max_call_depth: i64,
    /// The largest loop trip count.
    pub max_trip: i64,
    /// How often (per 1000 operand choices) an operand of a likely wrong type is used.
    pub error_per_mille: u64,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            max_helpers: 4,
            max_boxes: 2,
            main_stmts: 28,
            fn_stmts: 14,
            max_if_depth: 3,
            max_loop_depth: 2,
            max_call_depth: 3,
            max_trip: 5,
            error_per_mille: 6,
        }
    }
}

/// A module generated from `seed` with the default [`Config`].
pub fn generate(seed: u64) -> Module {
    generate_with(&mut Rng::new(seed), &Config::default())
}

/// A module generated from fuzzer bytes with the default [`Config`].
#[cfg(feature = "arbitrary")]
pub fn generate_from_bytes(data: &[u8]) -> Module {
    generate_with(&mut BytesSource::new(data), &Config::default())
}

/// A module generated from the choices of `src` within the limits of `cfg`.
pub fn generate_with(src: &mut dyn Source, cfg: &Config) -> Module {
    let mut g = Gen {
        src,
        cfg: cfg.clone(),
        module: Module::new(),
        sigs: Vec::new(),
        boxes: Vec::new(),
        fields: Vec::new(),
        exit_used: false,
        err: 0,
    };
    // Half of the modules are clean (no injected wrong-type operands); the rest get a rate.
    g.err = [0, 0, cfg.error_per_mille / 4, cfg.error_per_mille][g.below(4)];
    g.plan();
    for i in 0..g.sigs.len() {
        let f = FnGen::run(&mut g, FuncId(i as u32));
        g.module.functions[FuncId(i as u32)] = f;
    }
    g.module
}

/// The generator's idea of a value's type: what it will be when the program runs, unless an
/// operation of a wrong type was injected upstream.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Ty {
    Int,
    Float,
    Bool,
    Str,
    Void,
    Array,
    Map,
    /// A FunctionBox of a known function.
    Func(FuncId),
    /// An operator box.
    Op(Operator),
    /// An instance of a user box.
    User(BoxId),
    /// Unknown (array elements, map values, `apply` results).
    Any,
}

impl Ty {
    /// The type name of annotations and `typeop`.
    fn type_name(self) -> TypeName {
        match self {
            Ty::Int => TypeName::Integer,
            Ty::Float => TypeName::Float,
            Ty::Bool => TypeName::Bool,
            Ty::Str => TypeName::String,
            Ty::Void => TypeName::Void,
            Ty::Array => TypeName::Array,
            Ty::Map => TypeName::Map,
            Ty::Func(_) => TypeName::Function,
            Ty::Op(o) => TypeName::Operator(o),
            Ty::User(b) => TypeName::User(b),
            Ty::Any => TypeName::Any,
        }
    }
}

/// What role a function plays; decides the shape of its body.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Kind {
    Main,
    Helper,
    Method,
    Birth,
    ToString,
    Apply,
    /// A user override of a universal method (`equals`, `typeName`): a short generic body.
    Universal,
}

/// A planned function signature.
#[derive(Clone, Debug)]
struct Sig {
    name: String,
    kind: Kind,
    /// The box of a method (its first parameter is the receiver).
    receiver: Option<BoxId>,
    /// Whether the parameter after the receiver is the recursion depth `%d`.
    depth: bool,
    /// The other parameters' types.
    params: Vec<Ty>,
    ret: Ty,
    annotate_params: bool,
    annotate_ret: bool,
}

/// A planned user box.
#[derive(Clone, Debug)]
struct BoxPlan {
    fields: Vec<String>,
    birth: Option<FuncId>,
    to_string: Option<FuncId>,
    apply: Option<FuncId>,
    methods: Vec<FuncId>,
}

/// Module-level generator state.
struct Gen<'s> {
    src: &'s mut dyn Source,
    cfg: Config,
    module: Module,
    sigs: Vec<Sig>,
    boxes: Vec<BoxPlan>,
    /// Every declared field name (for `load`/`store` of a field the receiver may lack).
    fields: Vec<String>,
    /// `env.process.exit` is emitted at most once per module.
    exit_used: bool,
    /// This module's rate (per 1000) of operands of a likely wrong type.
    err: u64,
}

impl Gen<'_> {
    fn below(&mut self, n: usize) -> usize {
        self.src.below(n as u64) as usize
    }

    fn chance(&mut self, num: u64, den: u64) -> bool {
        self.src.chance(num, den)
    }

    /// A type for parameters and results of helpers.
    fn data_ty(&mut self) -> Ty {
        let nb = self.boxes.len();
        match self.below(9 + nb) {
            0..=2 => Ty::Int,
            3 => Ty::Float,
            4 => Ty::Str,
            5 => Ty::Bool,
            6 => Ty::Array,
            7 => Ty::Map,
            8 => Ty::Void,
            k => Ty::User(BoxId((k - 9) as u32)),
        }
    }

    /// Decides boxes, functions and signatures; pushes placeholder functions.
    fn plan(&mut self) {
        let nboxes = self.below(self.cfg.max_boxes + 1);
        for b in 0..nboxes {
            let nf = self.below(4);
            let fields: Vec<String> = (0..nf).map(|i| format!("f{}", i + b)).collect();
            for f in &fields {
                if !self.fields.contains(f) {
                    self.fields.push(f.clone());
                }
            }
            self.module.boxes.push(BoxDecl {
                name: format!("B{b}"),
                fields: fields.clone(),
            });
            self.boxes.push(BoxPlan {
                fields,
                birth: None,
                to_string: None,
                apply: None,
                methods: Vec::new(),
            });
        }
        let add = |g: &mut Gen, sig: Sig| -> FuncId {
            let id = FuncId(g.sigs.len() as u32);
            g.module.functions.push(Function::new(sig.name.clone()));
            g.sigs.push(sig);
            id
        };
        add(
            self,
            Sig {
                name: "main".into(),
                kind: Kind::Main,
                receiver: None,
                depth: false,
                params: Vec::new(),
                ret: Ty::Int,
                annotate_params: false,
                annotate_ret: false,
            },
        );
        for b in 0..nboxes {
            let bid = BoxId(b as u32);
            let bname = format!("B{b}");
            if self.chance(4, 5) {
                let n = self.below(3);
                let params = (0..n)
                    .map(|_| [Ty::Int, Ty::Str, Ty::Float, Ty::Any][self.below(4)])
                    .collect();
                let ap = self.chance(1, 3);
                let id = add(
                    self,
                    Sig {
                        name: format!("{bname}.birth"),
                        kind: Kind::Birth,
                        receiver: Some(bid),
                        depth: false,
                        params,
                        ret: Ty::Void,
                        annotate_params: ap,
                        annotate_ret: false,
                    },
                );
                self.boxes[b].birth = Some(id);
            }
            if self.chance(3, 5) {
                let ar = self.chance(1, 4);
                let id = add(
                    self,
                    Sig {
                        name: format!("{bname}.toString"),
                        kind: Kind::ToString,
                        receiver: Some(bid),
                        depth: false,
                        params: Vec::new(),
                        ret: Ty::Str,
                        annotate_params: false,
                        annotate_ret: ar,
                    },
                );
                self.boxes[b].to_string = Some(id);
            }
            if self.chance(1, 2) {
                let id = add(
                    self,
                    Sig {
                        name: format!("{bname}.apply"),
                        kind: Kind::Apply,
                        receiver: Some(bid),
                        depth: false,
                        params: vec![Ty::Int],
                        ret: Ty::Int,
                        annotate_params: false,
                        annotate_ret: false,
                    },
                );
                self.boxes[b].apply = Some(id);
            }
            // Overrides of the universal methods, reached by dynamic calls only.
            for (m, params, ret) in [
                ("equals", vec![Ty::Any], Ty::Bool),
                ("typeName", vec![], Ty::Str),
            ] {
                if self.chance(1, 4) {
                    add(
                        self,
                        Sig {
                            name: format!("{bname}.{m}"),
                            kind: Kind::Universal,
                            receiver: Some(bid),
                            depth: false,
                            params,
                            ret,
                            annotate_params: false,
                            annotate_ret: false,
                        },
                    );
                }
            }
            let nm = self.below(3);
            for m in 0..nm {
                let np = self.below(3);
                let params = (0..np).map(|_| self.data_ty()).collect();
                let ret = self.data_ty();
                let ap = self.chance(1, 3);
                let ar = self.chance(1, 3);
                let id = add(
                    self,
                    Sig {
                        name: format!("{bname}.m{m}"),
                        kind: Kind::Method,
                        receiver: Some(bid),
                        depth: true,
                        params,
                        ret,
                        annotate_params: ap,
                        annotate_ret: ar,
                    },
                );
                self.boxes[b].methods.push(id);
            }
        }
        let nh = 1 + self.below(self.cfg.max_helpers);
        for h in 0..nh {
            let np = self.below(3);
            let params = (0..np).map(|_| self.data_ty()).collect();
            let ret = self.data_ty();
            let ap = self.chance(1, 3);
            let ar = self.chance(1, 3);
            add(
                self,
                Sig {
                    name: format!("f{}", h + 1),
                    kind: Kind::Helper,
                    receiver: None,
                    depth: true,
                    params,
                    ret,
                    annotate_params: ap,
                    annotate_ret: ar,
                },
            );
        }
    }

    /// Functions callers can call with a depth argument (helpers and methods `mN`).
    fn depth_functions(&self) -> Vec<FuncId> {
        (0..self.sigs.len())
            .filter(|&i| self.sigs[i].depth)
            .map(|i| FuncId(i as u32))
            .collect()
    }
}

/// The innermost loop being generated.
struct LoopCtx {
    latch: Block,
    exit: Block,
    /// The header phis carried around the loop, with their types.
    carried: Vec<(Value, Ty)>,
    /// `break` sources and the carried values they pass to the exit phis.
    breaks: Vec<(Block, Vec<Value>)>,
    /// `continue` sources and the carried values they pass to the latch phis.
    conts: Vec<(Block, Vec<Value>)>,
}

/// Generates one function body.
struct FnGen<'g, 's> {
    g: &'g mut Gen<'s>,
    sig: Sig,
    f: Function,
    cur: Block,
    /// Values whose definitions dominate the current point, innermost scope last.
    scopes: Vec<Vec<(Value, Ty)>>,
    loops: Vec<LoopCtx>,
    /// The depth to pass to callees (`%d - 1`, or a constant in `@main`).
    depth: Option<Value>,
    if_depth: usize,
    /// Statements left in this function's budget.
    budget: usize,
    /// Calls of depth-carrying functions left.
    calls_left: usize,
    /// Set when the current arm ended with `ret`.
    terminated: bool,
    /// Whether an early `ret` may end the current arm.
    ret_allowed: bool,
}

/// Interesting Integer literals.
const INTS: [i64; 16] = [
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
const FLOATS: [f64; 14] = [
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
const STRS: [&str; 14] = [
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
    fn run(g: &'g mut Gen<'s>, id: FuncId) -> Function {
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

    fn below(&mut self, n: usize) -> usize {
        self.g.below(n)
    }

    fn chance(&mut self, num: u64, den: u64) -> bool {
        self.g.chance(num, den)
    }

    /// Renumbers values canonically and names them after their position.
    fn finish(mut self) -> Function {
        self.f.canonicalize();
        let nparams = self.f.params.len();
        for (i, v) in self.f.values.values_mut().enumerate() {
            if i >= nparams {
                v.name = (i - nparams).to_string();
            }
        }
        self.f
    }

    fn new_block(&mut self) -> Block {
        let n = self.f.blocks.len();
        self.f.blocks.push(BlockData {
            label: format!("bb{n}"),
            insts: Vec::new(),
        })
    }

    /// A fresh value (not yet in scope).
    fn fresh(&mut self) -> Value {
        let n = self.f.values.len();
        self.f.values.push(ValueData {
            name: format!("t{n}"),
        })
    }

    /// Makes `v` of type `ty` available from here on.
    fn bind(&mut self, v: Value, ty: Ty) {
        if let Some(s) = self.scopes.last_mut() {
            s.push((v, ty));
        }
    }

    fn emit(&mut self, inst: Inst) {
        self.f.blocks[self.cur].insts.push(inst);
    }

    /// Emits an instruction defining a fresh value of type `ty` and returns the value.
    fn def(&mut self, ty: Ty, make: impl FnOnce(Value) -> Inst) -> Value {
        let v = self.fresh();
        let inst = make(v);
        self.emit(inst);
        self.bind(v, ty);
        v
    }

    fn konst(&mut self, c: Constant, ty: Ty) -> Value {
        self.def(ty, |dest| Inst::Const { dest, value: c })
    }

    fn int(&mut self, n: i64) -> Value {
        self.konst(Constant::Int(n), Ty::Int)
    }

    /// A random literal of a primitive type.
    fn literal(&mut self, ty: Ty) -> Value {
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
    fn candidates(&self, ty: Ty) -> Vec<(Value, Ty)> {
        self.scopes
            .iter()
            .flatten()
            .filter(|(_, t)| ty == Ty::Any || *t == ty)
            .copied()
            .collect()
    }

    /// A value in scope of type `ty`, if any.
    fn pick(&mut self, ty: Ty) -> Option<(Value, Ty)> {
        let c = self.candidates(ty);
        if c.is_empty() {
            None
        } else {
            Some(c[self.below(c.len())])
        }
    }

    /// Any value in scope (or a fresh literal), with its type.
    fn any(&mut self) -> (Value, Ty) {
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
    fn get(&mut self, ty: Ty) -> Value {
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
    fn materialize(&mut self, ty: Ty) -> Value {
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
    fn elem(&mut self) -> Value {
        if self.chance(1, 4) {
            return self.any().0;
        }
        let ty = [Ty::Int, Ty::Int, Ty::Str, Ty::Float][self.below(4)];
        self.get(ty)
    }

    /// A map key: Integer, String or Bool (a wrong type only at the error rate).
    fn map_key(&mut self) -> Value {
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
    fn index(&mut self) -> Value {
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
    fn range(&mut self) -> Vec<Value> {
        if self.chance(1, 10) {
            return vec![self.index(), self.index()];
        }
        let lo = self.below(2) as i64;
        let hi = lo + self.below(2) as i64;
        vec![self.int(lo), self.int(hi)]
    }

    /// A Bool condition: a comparison of values in scope, or a Bool in scope.
    fn cond(&mut self) -> Value {
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
    fn maybe_log(&mut self, v: Value) {
        if self.chance(2, 5) {
            self.log(v);
        }
    }

    fn log(&mut self, v: Value) {
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
    fn method_call(
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
        });
        dest
    }

    // ---- function bodies -------------------------------------------------------------------

    /// Parameters, then the body according to the function's kind.
    fn body(&mut self) {
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
    fn stmts(&mut self, n: usize) {
        for _ in 0..n {
            if self.budget == 0 || self.terminated {
                return;
            }
            self.budget -= 1;
            self.stmt();
        }
    }

    fn stmt(&mut self) {
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
    fn if_stmt(&mut self) {
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
    fn phi_ty(&mut self) -> Ty {
        if self.chance(1, 2) {
            if let Some((_, t)) = self.pick(Ty::Any) {
                return t;
            }
        }
        [Ty::Int, Ty::Int, Ty::Str, Ty::Float, Ty::Bool][self.below(5)]
    }

    /// One arm of an `if`: returns its last block and the values it passes to the join phis, or
    /// `None` if it ended with `ret`.
    fn arm(
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
    fn loop_stmt(&mut self) {
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
    fn next_values(&mut self, carried: &[(Value, Ty)]) -> Vec<Value> {
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
    fn break_stmt(&mut self, is_continue: bool) {
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
    fn call_stmt(&mut self) {
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
        self.emit(Inst::Call { dest, callee, args });
        if let Some(d) = dest {
            self.bind(d, sig.ret);
            self.maybe_log(d);
        }
    }

    /// One straight-line instruction (or a short group), often followed by a log.
    fn simple(&mut self) {
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
    fn printable_ty(&mut self) -> Ty {
        [Ty::Int, Ty::Float, Ty::Str, Ty::Bool, Ty::Array][self.below(5)]
    }

    fn unary(&mut self) -> Value {
        let (op, ty) = match self.below(4) {
            0 => (UnaryOp::Neg, Ty::Int),
            1 => (UnaryOp::Neg, Ty::Float),
            2 => (UnaryOp::Not, Ty::Bool),
            _ => (UnaryOp::BitNot, Ty::Int),
        };
        let a = self.get(ty);
        self.def(ty, |dest| Inst::Unary { dest, op, arg: a })
    }

    fn binop(&mut self) -> Value {
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

    fn typeop(&mut self) -> Value {
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
    fn random_type_name(&mut self, own: Ty) -> TypeName {
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
    fn field_access(&mut self) -> Option<Value> {
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

    fn new_box(&mut self) -> Value {
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
    fn builtin_call(&mut self) -> Value {
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
    fn operator_call(&mut self) -> Value {
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
        });
        self.bind(dest, res);
        dest
    }

    /// A user box instance called as a value (its `apply`), or asked for its string form.
    fn user_value_call(&mut self) -> Value {
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
        });
        self.bind(dest, Ty::Int);
        dest
    }

    /// `env.args()`, `env.stdin.*` (empty stdin) or `env.fs.read` of a missing file.
    fn other_extern(&mut self) -> Value {
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

/// Applies a few random small edits to `m` (retargets a branch, drops or duplicates an
/// instruction, swaps two operands, drops a loop declaration, renames a value to an existing
/// name). The result is usually invalid: it is meant for fuzzing the verifier, which must report
/// errors and never panic.
pub fn mutate(m: &mut Module, src: &mut dyn Source) {
    let nf = m.functions.len();
    if nf == 0 {
        return;
    }
    let edits = 1 + src.below(3);
    for _ in 0..edits {
        let f = &mut m.functions[FuncId(src.below(nf as u64) as u32)];
        let nb = f.blocks.len();
        if nb == 0 {
            continue;
        }
        let b = Block(src.below(nb as u64) as u32);
        let ni = f.blocks[b].insts.len();
        let nv = f.values.len().max(1);
        match src.below(7) {
            0 if ni > 0 => {
                f.blocks[b].insts.remove(src.below(ni as u64) as usize);
            }
            1 if ni > 0 => {
                let i = src.below(ni as u64) as usize;
                let inst = f.blocks[b].insts[i].clone();
                f.blocks[b].insts.insert(i, inst);
            }
            2 => {
                if let Some(Inst::Branch { then_block, .. } | Inst::Jump { target: then_block }) =
                    f.blocks[b].insts.last_mut()
                {
                    *then_block = Block(src.below(nb as u64 + 1) as u32);
                }
            }
            3 if ni > 0 => {
                let i = src.below(ni as u64) as usize;
                let w = Value(src.below(nv as u64 + 1) as u32);
                f.blocks[b].insts[i].map_uses(|u| *u = w);
            }
            4 if !f.loops.is_empty() => {
                let i = src.below(f.loops.len() as u64) as usize;
                f.loops.remove(i);
            }
            5 if nv > 1 => {
                let a = src.below(nv as u64) as usize;
                let c = src.below(nv as u64) as usize;
                let name = f.values[Value(c as u32)].name.clone();
                f.values[Value(a as u32)].name = name;
            }
            _ => {
                let i = src.below(ni as u64 + 1) as usize;
                let v = Value(src.below(nv as u64) as u32);
                let inst = Inst::Return { value: Some(v) };
                let at = i.min(f.blocks[b].insts.len());
                f.blocks[b].insts.insert(at, inst);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Counts instruction kinds, callee kinds and types over many modules.
    fn coverage(seeds: std::ops::Range<u64>) -> std::collections::BTreeSet<String> {
        let mut seen = std::collections::BTreeSet::new();
        for seed in seeds {
            let m = generate(seed);
            for f in m.functions.values() {
                if !f.loops.is_empty() {
                    seen.insert("loopform".to_string());
                }
                if let Some((_, method)) = f.name.split_once('.') {
                    seen.insert(format!("method {method}"));
                }
                for b in f.blocks.values() {
                    for i in &b.insts {
                        seen.insert(i.opcode_name().to_string());
                        match i {
                            Inst::Call { callee, .. } => {
                                seen.insert(
                                    match callee {
                                        Callee::Global(_) => "callee-global",
                                        Callee::Method {
                                            box_name: Some(_), ..
                                        } => "callee-static",
                                        Callee::Method { .. } => "callee-dynamic",
                                        Callee::Value(_) => "callee-value",
                                        Callee::Extern(_) => "callee-extern-in-call",
                                    }
                                    .to_string(),
                                );
                            }
                            Inst::ExternCall {
                                callee: Callee::Extern(e),
                                ..
                            } => {
                                seen.insert(e.name().to_string());
                            }
                            Inst::Const { value, .. } => {
                                seen.insert(
                                    match value {
                                        Constant::Int(_) => "Integer",
                                        Constant::Float(_) => "Float",
                                        Constant::Bool(_) => "Bool",
                                        Constant::Str(_) => "String",
                                        Constant::Void => "Void",
                                        Constant::Func(_) => "FunctionBox",
                                    }
                                    .to_string(),
                                );
                            }
                            Inst::NewBox { class, .. } => {
                                seen.insert(format!("new {}", m.class_name(*class)));
                            }
                            _ => {}
                        }
                    }
                }
            }
        }
        seen
    }

    #[test]
    fn every_module_verifies_and_round_trips() {
        for seed in 0..3000u64 {
            let m = generate(seed);
            if let Err(e) = mir14_mir::verify(&m) {
                panic!(
                    "seed {seed}: {:?}\n{}",
                    e.iter().map(|e| e.message.clone()).collect::<Vec<_>>(),
                    mir14_mir::print(&m)
                );
            }
            let text = mir14_mir::print(&m);
            let (back, _) =
                mir14_mir::parse(&text).unwrap_or_else(|e| panic!("seed {seed}: {e:?}\n{text}"));
            assert_eq!(back, m, "seed {seed}");
            let json = mir14_mir::json::to_json(&m);
            let back = mir14_mir::json::from_json(&json).expect("json");
            assert_eq!(back, m, "seed {seed} json");
        }
    }

    #[test]
    fn generation_is_deterministic() {
        for seed in [0, 1, 42, u64::MAX] {
            assert_eq!(generate(seed), generate(seed));
        }
        assert_ne!(generate(1), generate(2));
    }

    #[test]
    fn never_emits_the_clock() {
        for seed in 0..500u64 {
            let text = mir14_mir::print(&generate(seed));
            assert!(!text.contains("env.time.now_ms"), "seed {seed}");
        }
    }

    #[test]
    fn covers_every_instruction_callee_and_type() {
        let seen = coverage(0..400);
        for k in [
            "const", "unary", "binop", "compare", "typeop", "load", "store", "branch", "jump",
            "ret", "phi", "new", "call", "extern",
        ] {
            assert!(seen.contains(k), "instruction {k} never generated");
        }
        for k in [
            "callee-global",
            "callee-static",
            "callee-dynamic",
            "callee-value",
            "env.console.log",
            "env.console.print",
            "env.console.error",
            "env.args",
            "env.process.exit",
            "loopform",
            "Integer",
            "Float",
            "Bool",
            "String",
            "Void",
            "FunctionBox",
            "new ArrayBox",
            "new MapBox",
            "new AddOperator",
            "new B0",
            "new IntegerBox",
            "new VoidBox",
            "method birth",
            "method toString",
            "method apply",
            "method equals",
            "method typeName",
            "method m0",
        ] {
            assert!(seen.contains(k), "{k} never generated");
        }
        assert!(!seen.contains("callee-extern-in-call"));
    }

    #[test]
    fn generates_swaps_breaks_and_continues() {
        // A swap: a header phi whose latch input is another header phi of the same block.
        let (mut swap, mut multi_exit, mut multi_latch) = (false, false, false);
        let mut do_while = false;
        for seed in 0..400u64 {
            let m = generate(seed);
            for f in m.functions.values() {
                for l in &f.loops {
                    let phis: Vec<(Value, Value)> = f.blocks[l.header]
                        .insts
                        .iter()
                        .filter_map(|i| match i {
                            Inst::Phi { dest, inputs } => inputs
                                .iter()
                                .find(|(b, _)| *b == l.latch)
                                .map(|(_, v)| (*dest, *v)),
                            _ => None,
                        })
                        .collect();
                    if phis
                        .iter()
                        .any(|(d, v)| v != d && phis.iter().any(|(d2, _)| d2 == v))
                    {
                        swap = true;
                    }
                    let preds = |t: Block| {
                        f.blocks
                            .values()
                            .filter(|b| b.insts.last().is_some_and(|i| i.successors().contains(&t)))
                            .count()
                    };
                    multi_exit |= preds(l.exit) > 1;
                    multi_latch |= preds(l.latch) > 1;
                    do_while |= f.successors(l.latch) == vec![l.header, l.exit];
                }
            }
        }
        assert!(swap && multi_exit && multi_latch && do_while);
    }

    #[test]
    fn mutations_never_panic_the_verifier() {
        for seed in 0..500u64 {
            let mut m = generate(seed);
            mutate(&mut m, &mut Rng::new(seed ^ 0xABCD));
            let _ = mir14_mir::verify(&m);
        }
    }
}
