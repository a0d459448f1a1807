//! A proptest generator of random MIR14 modules, shared by the integration tests.
//!
//! Generated modules use legal, unique names (boxes, functions, labels and values each unique in
//! their scope; box names never builtin type names) and are canonically numbered, but they need
//! not verify: operands, targets and callees are picked at random. Every instruction kind, every
//! operator, type, class, callee kind, extern and constant kind (including NaN, infinities,
//! -0.0, subnormals, i64 extremes and strings with escapes and non-ASCII text) is reachable.
//!
//! The strategy draws a [`ModSpec`] (names and raw indexes, so that proptest can shrink it) and
//! [`build`]s the module from it, taking indexes modulo the number of entities they refer to.

#![allow(dead_code)]

use mir14_mir::entity::Arena;
use mir14_mir::*;
use proptest::prelude::*;
use std::collections::HashSet;

/// An identifier: `[A-Za-z_][A-Za-z0-9_]*`, sometimes a keyword of the text form.
pub fn ident() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[A-Za-z_][A-Za-z0-9_]{0,6}",
        1 => prop::sample::select(vec![
            "loop", "header", "body", "latch", "exit", "ret", "store", "call", "const", "box",
            "fn", "inf", "NaN", "true", "void", "null", "phi", "jump", "branch", "extern", "new",
        ])
        .prop_map(str::to_string),
    ]
}

/// A value name: digits or an identifier.
pub fn value_name() -> impl Strategy<Value = String> {
    prop_oneof!["[0-9]{1,3}", ident()]
}

/// A function name: `f` or `Box.method`.
pub fn func_name() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => ident(),
        1 => (ident(), ident()).prop_map(|(a, b)| format!("{a}.{b}")),
    ]
}

/// A string with many characters that need escapes.
pub fn string_lit() -> impl Strategy<Value = String> {
    let ch = prop_oneof![
        Just('"'),
        Just('\\'),
        Just('\n'),
        Just('\t'),
        Just('\r'),
        Just('\u{0}'),
        Just('\u{1b}'),
        Just('\u{7f}'),
        Just('é'),
        Just('😀'),
        Just('{'),
        Just('u'),
        any::<char>(),
    ];
    prop_oneof![
        prop::collection::vec(ch, 0..8).prop_map(|v| v.into_iter().collect()),
        any::<String>(),
    ]
}

/// Any f64, special values often.
pub fn float() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(f64::NAN),
        Just(-0.0),
        Just(0.0),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(f64::MIN_POSITIVE),
        Just(5e-324),
        Just(1e100),
        Just(f64::MAX),
        Just(0.1 + 0.2),
        any::<f64>(),
        any::<u64>().prop_map(f64::from_bits),
    ]
}

/// A literal of `const`, with a raw function index.
#[derive(Clone, Debug)]
pub enum ConstSpec {
    /// An Integer.
    Int(i64),
    /// A Float.
    Float(f64),
    /// A Bool.
    Bool(bool),
    /// A String.
    Str(String),
    /// `void`.
    Void,
    /// `@f`, by raw function index.
    Func(u32),
}

fn const_spec() -> impl Strategy<Value = ConstSpec> {
    prop_oneof![
        prop_oneof![
            Just(i64::MIN),
            Just(i64::MAX),
            Just(0i64),
            Just(-1i64),
            any::<i64>()
        ]
        .prop_map(ConstSpec::Int),
        float().prop_map(ConstSpec::Float),
        any::<bool>().prop_map(ConstSpec::Bool),
        string_lit().prop_map(ConstSpec::Str),
        Just(ConstSpec::Void),
        any::<u32>().prop_map(ConstSpec::Func),
    ]
}

/// A callee of `call`, with raw indexes.
#[derive(Clone, Debug)]
pub enum CalleeSpec {
    /// `@f`, by raw function index.
    Global(u32),
    /// `%r.m` or `%r.B::m`: receiver index, optional raw box index, method name.
    Method(u32, Option<u32>, String),
    /// `%f`, by raw value index.
    Value(u32),
}

/// One instruction with raw indexes: values (`u32`) modulo the function's value count, blocks
/// modulo its block count, types/classes/operators/externs modulo their number.
#[derive(Clone, Debug)]
pub enum InstSpec {
    /// `const`.
    Const(u32, ConstSpec),
    /// `unary`.
    Unary(u32, u32, u32),
    /// `binop`.
    Binary(u32, u32, u32, u32),
    /// `compare`.
    Compare(u32, u32, u32, u32),
    /// `typeop`: dest, kind (check/cast/typeof), type, arg.
    TypeOp(u32, u32, u32, u32),
    /// `load`.
    Load(u32, u32, String),
    /// `store`.
    Store(u32, String, u32),
    /// `branch`.
    Branch(u32, u32, u32),
    /// `jump`.
    Jump(u32),
    /// `ret`.
    Ret(Option<u32>),
    /// `phi`.
    Phi(u32, Vec<(u32, u32)>),
    /// `new`: dest, class, args.
    New(u32, u32, Vec<u32>),
    /// `call`.
    Call(Option<u32>, CalleeSpec, Vec<u32>),
    /// `extern`.
    Extern(Option<u32>, u32, Vec<u32>),
}

fn args() -> impl Strategy<Value = Vec<u32>> {
    prop::collection::vec(any::<u32>(), 0..4)
}

fn inst_spec() -> impl Strategy<Value = InstSpec> {
    let u = any::<u32>;
    prop_oneof![
        (u(), const_spec()).prop_map(|(d, c)| InstSpec::Const(d, c)),
        (u(), u(), u()).prop_map(|(d, o, a)| InstSpec::Unary(d, o, a)),
        (u(), u(), u(), u()).prop_map(|(d, o, a, b)| InstSpec::Binary(d, o, a, b)),
        (u(), u(), u(), u()).prop_map(|(d, o, a, b)| InstSpec::Compare(d, o, a, b)),
        (u(), u(), u(), u()).prop_map(|(d, k, t, a)| InstSpec::TypeOp(d, k, t, a)),
        (u(), u(), ident()).prop_map(|(d, o, f)| InstSpec::Load(d, o, f)),
        (u(), ident(), u()).prop_map(|(o, f, v)| InstSpec::Store(o, f, v)),
        (u(), u(), u()).prop_map(|(c, t, e)| InstSpec::Branch(c, t, e)),
        u().prop_map(InstSpec::Jump),
        prop::option::of(u()).prop_map(InstSpec::Ret),
        (u(), prop::collection::vec((u(), u()), 0..4)).prop_map(|(d, i)| InstSpec::Phi(d, i)),
        (u(), u(), args()).prop_map(|(d, c, a)| InstSpec::New(d, c, a)),
        (
            prop::option::of(u()),
            prop_oneof![
                u().prop_map(CalleeSpec::Global),
                (u(), prop::option::of(u()), ident())
                    .prop_map(|(r, b, m)| CalleeSpec::Method(r, b, m)),
                u().prop_map(CalleeSpec::Value),
            ],
            args()
        )
            .prop_map(|(d, c, a)| InstSpec::Call(d, c, a)),
        (prop::option::of(u()), u(), args()).prop_map(|(d, e, a)| InstSpec::Extern(d, e, a)),
    ]
}

/// A function with raw indexes.
#[derive(Clone, Debug)]
pub struct FnSpec {
    /// Its name (made unique by [`build`]).
    pub name: String,
    /// Candidate value names (deduplicated by [`build`]; at least one).
    pub values: Vec<String>,
    /// Parameters: raw value index and raw type index (if annotated).
    pub params: Vec<(u32, Option<u32>)>,
    /// The raw return type index, if annotated.
    pub ret: Option<u32>,
    /// Loop declarations: raw block indexes (header, body, latch, exit).
    pub loops: Vec<[u32; 4]>,
    /// Blocks: label candidates (deduplicated) and instructions.
    pub blocks: Vec<(String, Vec<InstSpec>)>,
}

fn fn_spec() -> impl Strategy<Value = FnSpec> {
    (
        func_name(),
        prop::collection::vec(value_name(), 1..10),
        prop::collection::vec((any::<u32>(), prop::option::of(any::<u32>())), 0..4),
        prop::option::of(any::<u32>()),
        prop::collection::vec(any::<[u32; 4]>(), 0..3),
        prop::collection::vec((ident(), prop::collection::vec(inst_spec(), 0..8)), 0..5),
    )
        .prop_map(|(name, values, params, ret, loops, blocks)| FnSpec {
            name,
            values,
            params,
            ret,
            loops,
            blocks,
        })
}

/// A module with raw indexes.
#[derive(Clone, Debug)]
pub struct ModSpec {
    /// Box name candidates (deduplicated, builtin names dropped) and their fields.
    pub boxes: Vec<(String, Vec<String>)>,
    /// Functions (at least one).
    pub functions: Vec<FnSpec>,
}

/// The strategy of module specs.
pub fn mod_spec() -> impl Strategy<Value = ModSpec> {
    (
        prop::collection::vec((ident(), prop::collection::vec(ident(), 0..4)), 0..4),
        prop::collection::vec(fn_spec(), 1..4),
    )
        .prop_map(|(boxes, functions)| ModSpec { boxes, functions })
}

/// The strategy of random modules.
pub fn module() -> impl Strategy<Value = Module> {
    mod_spec().prop_map(|s| build(&s))
}

/// Keeps the first occurrence of each name (and only names that `keep` accepts).
fn unique<'a>(names: impl Iterator<Item = &'a String>, keep: impl Fn(&str) -> bool) -> Vec<usize> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (i, n) in names.enumerate() {
        if keep(n) && seen.insert(n.clone()) {
            out.push(i);
        }
    }
    out
}

fn pick(raw: u32, n: usize) -> usize {
    raw as usize % n.max(1)
}

/// All type names a module with `nboxes` boxes can name.
fn type_of(raw: u32, nboxes: usize) -> TypeName {
    let mut all = vec![
        TypeName::Integer,
        TypeName::Float,
        TypeName::Bool,
        TypeName::String,
        TypeName::Void,
        TypeName::Array,
        TypeName::Map,
        TypeName::Function,
        TypeName::Any,
    ];
    all.extend(Operator::all().map(TypeName::Operator));
    all.extend((0..nboxes).map(|b| TypeName::User(BoxId(b as u32))));
    all[pick(raw, all.len())]
}

/// All classes of `new` a module with `nboxes` boxes can name.
fn class_of(raw: u32, nboxes: usize) -> BoxClass {
    let mut all = vec![BoxClass::Array, BoxClass::Map];
    all.extend(Operator::all().map(BoxClass::Operator));
    all.extend(
        [
            TypeName::Integer,
            TypeName::Float,
            TypeName::Bool,
            TypeName::String,
            TypeName::Void,
        ]
        .map(BoxClass::Primitive),
    );
    all.extend((0..nboxes).map(|b| BoxClass::User(BoxId(b as u32))));
    all[pick(raw, all.len())]
}

/// Builds the module a spec describes: names made unique, indexes taken modulo, functions
/// canonicalized.
pub fn build(spec: &ModSpec) -> Module {
    let mut m = Module::new();
    let box_idx = unique(spec.boxes.iter().map(|b| &b.0), |n| {
        TypeName::builtin(n).is_none() && BoxClass::builtin(n).is_none()
    });
    for &i in &box_idx {
        m.boxes.push(BoxDecl {
            name: spec.boxes[i].0.clone(),
            fields: spec.boxes[i].1.clone(),
        });
    }
    let nboxes = m.boxes.len();
    let fn_idx = unique(spec.functions.iter().map(|f| &f.name), |_| true);
    let nfuncs = fn_idx.len();
    for &fi in &fn_idx {
        let fs = &spec.functions[fi];
        let mut f = Function::new(fs.name.clone());
        let names = unique(fs.values.iter(), |_| true);
        f.values = names
            .iter()
            .map(|&i| ValueData {
                name: fs.values[i].clone(),
            })
            .collect::<Arena<Value, ValueData>>();
        let nv = names.len();
        let v = |raw: u32| Value(pick(raw, nv) as u32);
        let vs = |raws: &[u32]| raws.iter().map(|r| v(*r)).collect::<Vec<_>>();
        let labels = unique(fs.blocks.iter().map(|b| &b.0), |_| true);
        let nb = labels.len();
        let b = |raw: u32| Block(pick(raw, nb) as u32);
        for &(pv, pt) in &fs.params {
            f.params.push(Param {
                value: v(pv),
                ty: pt.map(|t| type_of(t, nboxes)),
            });
        }
        f.ret_type = fs.ret.map(|t| type_of(t, nboxes));
        if nb > 0 {
            for l in &fs.loops {
                f.loops.push(LoopForm {
                    header: b(l[0]),
                    body: b(l[1]),
                    latch: b(l[2]),
                    exit: b(l[3]),
                });
            }
        }
        for &bi in &labels {
            let (label, specs) = &fs.blocks[bi];
            let insts = specs
                .iter()
                .map(|s| match s {
                    InstSpec::Const(d, c) => Inst::Const {
                        dest: v(*d),
                        value: match c {
                            ConstSpec::Int(n) => Constant::Int(*n),
                            ConstSpec::Float(x) => Constant::Float(Ieee64::new(*x)),
                            ConstSpec::Bool(x) => Constant::Bool(*x),
                            ConstSpec::Str(s) => Constant::Str(s.clone()),
                            ConstSpec::Void => Constant::Void,
                            ConstSpec::Func(i) => Constant::Func(FuncId(pick(*i, nfuncs) as u32)),
                        },
                    },
                    InstSpec::Unary(d, o, a) => Inst::Unary {
                        dest: v(*d),
                        op: UnaryOp::ALL[pick(*o, 3)],
                        arg: v(*a),
                    },
                    InstSpec::Binary(d, o, l, r) => Inst::Binary {
                        dest: v(*d),
                        op: BinOp::ALL[pick(*o, 12)],
                        lhs: v(*l),
                        rhs: v(*r),
                    },
                    InstSpec::Compare(d, o, l, r) => Inst::Compare {
                        dest: v(*d),
                        op: CmpOp::ALL[pick(*o, 6)],
                        lhs: v(*l),
                        rhs: v(*r),
                    },
                    InstSpec::TypeOp(d, k, t, a) => Inst::TypeOp {
                        dest: v(*d),
                        op: match k % 3 {
                            0 => TypeOpKind::Check(type_of(*t, nboxes)),
                            1 => TypeOpKind::Cast(type_of(*t, nboxes)),
                            _ => TypeOpKind::TypeOf,
                        },
                        arg: v(*a),
                    },
                    InstSpec::Load(d, o, field) => Inst::Load {
                        dest: v(*d),
                        obj: v(*o),
                        field: field.clone(),
                    },
                    InstSpec::Store(o, field, x) => Inst::Store {
                        obj: v(*o),
                        field: field.clone(),
                        value: v(*x),
                    },
                    InstSpec::Branch(c, t, e) => Inst::Branch {
                        cond: v(*c),
                        then_block: b(*t),
                        else_block: b(*e),
                    },
                    InstSpec::Jump(t) => Inst::Jump { target: b(*t) },
                    InstSpec::Ret(x) => Inst::Return { value: x.map(v) },
                    InstSpec::Phi(d, ins) => Inst::Phi {
                        dest: v(*d),
                        inputs: ins.iter().map(|(bb, x)| (b(*bb), v(*x))).collect(),
                    },
                    InstSpec::New(d, c, a) => Inst::NewBox {
                        dest: v(*d),
                        class: class_of(*c, nboxes),
                        args: vs(a),
                    },
                    InstSpec::Call(d, c, a) => Inst::Call {
                        dest: d.map(v),
                        callee: match c {
                            CalleeSpec::Global(i) => {
                                Callee::Global(FuncId(pick(*i, nfuncs) as u32))
                            }
                            CalleeSpec::Method(r, bx, m) => Callee::Method {
                                box_name: bx
                                    .filter(|_| nboxes > 0)
                                    .map(|i| BoxId(pick(i, nboxes) as u32)),
                                method: m.clone(),
                                receiver: v(*r),
                            },
                            CalleeSpec::Value(x) => Callee::Value(v(*x)),
                        },
                        args: vs(a),
                        // Round trips cover the flag (the module is not verified).
                        tail: a.len() % 2 == 1,
                    },
                    InstSpec::Extern(d, e, a) => Inst::ExternCall {
                        dest: d.map(v),
                        callee: Callee::Extern(ExternFn::ALL[pick(*e, ExternFn::ALL.len())]),
                        args: vs(a),
                    },
                })
                .collect();
            f.blocks.push(BlockData {
                label: label.clone(),
                insts,
            });
        }
        f.canonicalize();
        m.functions.push(f);
    }
    m
}
