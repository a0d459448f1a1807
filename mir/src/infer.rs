//! Whole-module type inference: a sound lattice type for every SSA value of a closed module.
//!
//! The lattice is flat: [`Ty::Bottom`] (no value seen yet: unreachable or not yet analysed)
//! below one concrete type per runtime kind, below [`Ty::Unknown`]. A value typed `Integer`
//! holds an Integer on *every* execution that defines it; instructions that trap on other
//! operand types give their result type regardless of the operands (the result is only defined
//! when the instruction did not trap).
//!
//! Parameter types come from every call site of a function, joined, and are iterated with
//! return types to a fixpoint. A method `@B.m` is entered by direct calls `call @B.m(...)`,
//! static calls `call %r.B::m(...)`, dynamic calls `call %r.m(...)` whose receiver may be a `B`
//! (its type is `B` or unknown), `new B(...)` (for `birth`) and value calls of a `B` (for
//! `apply`); the arguments of each join into its parameters after the receiver. A function's
//! parameters are `Unknown` (callable with anything) when it can be called other than by a
//! visible call instruction:
//! - `@main` (called by the tool),
//! - a function whose FunctionBox escapes through `const @f` (called by `call %fv(...)`, by the
//!   runtime, or by anything the box is passed to),
//! - `@B.apply` (a builtin may call it).
//!
//! The runtime's string forms call `toString` with the receiver alone. Methods still count as
//! *open* ([`ModuleTypes::open`]): the runtime enters them through their array entries, so
//! their parameters keep their tags. Any function whose name contains a `.` counts as a method.
//!
//! The receiver of a method `@B.m` (its first parameter) is a `B` instance on every call the IR
//! does not show as a direct call (dynamic dispatch picks `@B.m` only for a `B` receiver,
//! a static `call %r.B::m` traps on any other, and the runtime calls `birth`, `toString` and
//! `apply` on instances of their box; spec §4.5, §4.6). So the receiver starts as `B` and is
//! joined with the first argument of every visible direct `call @B.m(...)`, like any parameter;
//! it is `Unknown` when the method's FunctionBox escapes (`const @B.m`), which can be called
//! with anything.
//!
//! The result of a dynamic call `call %r.m(...)` is the return type of each user method `m` it
//! can reach joined with the result types of the builtin methods `m` of the receiver's possible
//! types (spec §4.7; `charAt` is always a String, `length` an Integer).
//!
//! A field of a user box has one type for all its instances: the join of every value any
//! `store` can put there (a `store` on a value of unknown type counts for every box with a
//! field of that name) and of `void`, which every field holds when `new` makes the instance,
//! unless `@B.birth` stores the field first: in its entry block, before it reads the field or
//! lets the receiver go anywhere (any use of the receiver other than as the object of a
//! `load`/`store`), since nothing else can see a new instance before that. Only `new` makes
//! instances, and `birth` runs on the new instance before anything else.
//!
//! A parameter annotation (`%n: Integer`) is checked at entry, so the parameter then has the
//! annotated type; a return annotation likewise fixes the function's return type.

use std::collections::HashMap;

use crate::{
    BinOp, BoxClass, Callee, Constant, ExternFn, FuncId, Function, Inst, Module, TypeName,
    TypeOpKind, UnaryOp, Value,
};

/// The inferred type of a value.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub enum Ty {
    /// No value reaches here (unreachable, or not yet analysed).
    #[default]
    Bottom,
    /// Always an Integer.
    Integer,
    /// Always a Float.
    Float,
    /// Always a Bool.
    Bool,
    /// Always a String.
    String,
    /// Always `void`.
    Void,
    /// Always an ArrayBox.
    Array,
    /// Always a MapBox.
    Map,
    /// Always a FunctionBox.
    Function,
    /// Always an operator box (of some operator).
    Operator,
    /// Always an instance of this user box.
    User(crate::BoxId),
    /// Anything.
    Unknown,
}

impl Ty {
    /// The least upper bound of two types.
    pub fn join(self, other: Ty) -> Ty {
        match (self, other) {
            (Ty::Bottom, x) | (x, Ty::Bottom) => x,
            (a, b) if a == b => a,
            _ => Ty::Unknown,
        }
    }

    /// The type a `TypeName` denotes, if it is a single lattice type (`Any` is `Unknown`).
    pub fn of_name(t: TypeName) -> Ty {
        match t {
            TypeName::Integer => Ty::Integer,
            TypeName::Float => Ty::Float,
            TypeName::Bool => Ty::Bool,
            TypeName::String => Ty::String,
            TypeName::Void => Ty::Void,
            TypeName::Array => Ty::Array,
            TypeName::Map => Ty::Map,
            TypeName::Function => Ty::Function,
            TypeName::Operator(_) => Ty::Operator,
            TypeName::User(b) => Ty::User(b),
            TypeName::Any => Ty::Unknown,
        }
    }

    /// True for Integer and Float.
    fn is_number(self) -> bool {
        matches!(self, Ty::Integer | Ty::Float)
    }
}

/// The inferred types of one function.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FuncTypes {
    /// The type of every value, by `Value` index.
    pub values: Vec<Ty>,
    /// The joined type of the parameters on entry (after annotation checks).
    pub params: Vec<Ty>,
    /// The joined type of every value the function returns (`Bottom` if it never returns).
    pub ret: Ty,
}

impl FuncTypes {
    /// The type of `v` (`Unknown` for a value out of range).
    pub fn ty(&self, v: Value) -> Ty {
        self.values.get(v.index()).copied().unwrap_or(Ty::Unknown)
    }
}

/// The inferred types of a whole module, by `FuncId` index.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ModuleTypes {
    /// One entry per function.
    pub funcs: Vec<FuncTypes>,
    /// Functions whose parameters are `Unknown` because they can be called from outside a
    /// visible direct call (main, escaping FunctionBoxes, methods).
    pub open: Vec<bool>,
    /// Per user box (by `BoxId` index), per field (in declaration order): the type of every
    /// value the field can hold.
    pub fields: Vec<Vec<Ty>>,
}

impl ModuleTypes {
    /// The types of function `f`.
    pub fn func(&self, f: FuncId) -> &FuncTypes {
        &self.funcs[f.index()]
    }
}

/// Infers types for every value of a verified module.
pub fn infer(m: &Module) -> ModuleTypes {
    let n = m.functions.len();
    // Which functions can be entered from outside a visible direct call.
    let mut open = vec![false; n];
    for (id, f) in m.functions.iter() {
        if f.name == "main" || f.name.contains('.') {
            open[id.index()] = true;
        }
    }
    // Functions whose FunctionBox exists (`const @f`): callable with any arguments.
    let mut escaped = vec![false; n];
    for f in m.functions.values() {
        for b in f.blocks.values() {
            for inst in &b.insts {
                if let Inst::Const {
                    value: Constant::Func(g),
                    ..
                } = inst
                {
                    if g.index() < n {
                        open[g.index()] = true;
                        escaped[g.index()] = true;
                    }
                }
            }
        }
    }
    let mut funcs: Vec<FuncTypes> = m
        .functions
        .iter()
        .map(|(id, f)| FuncTypes {
            values: vec![Ty::Bottom; f.values.len()],
            params: f
                .params
                .iter()
                .enumerate()
                .map(|(i, p)| match p.ty {
                    Some(t) => Ty::of_name(t),
                    None if i == 0 && !escaped[id.index()] => match method_box(m, f) {
                        Some(b) => Ty::User(b),
                        None if open[id.index()] => Ty::Unknown,
                        None => Ty::Bottom,
                    },
                    None if params_open(m, f, escaped[id.index()]) => Ty::Unknown,
                    None => Ty::Bottom,
                })
                .collect(),
            ret: f.ret_type.map(Ty::of_name).unwrap_or(Ty::Bottom),
        })
        .collect();
    let methods = Methods::collect(m);
    // Fields start `void`, except those `birth` stores before anything can read them.
    let born = born_fields(m);
    let mut fields: Vec<Vec<Ty>> = born
        .iter()
        .map(|b| {
            b.iter()
                .map(|&init| if init { Ty::Bottom } else { Ty::Void })
                .collect()
        })
        .collect();
    // Iterate to a fixpoint: every type only ever rises, and the lattice has height 3.
    loop {
        let mut changed = false;
        for (id, f) in m.functions.iter() {
            changed |= analyse(m, &methods, f, id, &mut funcs, &mut fields);
        }
        if !changed {
            break;
        }
    }
    ModuleTypes {
        funcs,
        open,
        fields,
    }
}

/// The user methods of a module by method name (`m` of `@B.m`), for dynamic calls, and the
/// boxes' fields by name, for `load` and `store`.
struct Methods<'a> {
    /// Method name to the boxes that define it and their functions.
    by_name: HashMap<&'a str, Vec<(crate::BoxId, FuncId)>>,
    /// The number of declared boxes.
    boxes: usize,
    /// Field name to the boxes that declare it and its slot there.
    fields: HashMap<&'a str, Vec<(crate::BoxId, usize)>>,
}

impl<'a> Methods<'a> {
    fn collect(m: &'a Module) -> Methods<'a> {
        let mut by_name: HashMap<&str, Vec<(crate::BoxId, FuncId)>> = HashMap::new();
        for (id, f) in m.functions.iter() {
            if let (Some(b), Some((_, name))) = (method_box(m, f), f.name.split_once('.')) {
                by_name.entry(name).or_default().push((b, id));
            }
        }
        let mut fields: HashMap<&str, Vec<(crate::BoxId, usize)>> = HashMap::new();
        for (b, decl) in m.boxes.iter() {
            for (k, name) in decl.fields.iter().enumerate() {
                // A repeated field name resolves to its first slot (as the runtime does).
                let v = fields.entry(name.as_str()).or_default();
                if !v.iter().any(|(x, _)| *x == b) {
                    v.push((b, k));
                }
            }
        }
        Methods {
            by_name,
            boxes: m.boxes.len(),
            fields,
        }
    }

    /// The boxes with a field named `field`, and its slot in each.
    fn fields_named(&self, field: &str) -> &[(crate::BoxId, usize)] {
        self.fields.get(field).map_or(&[], |v| &v[..])
    }

    /// The slot of field `field` in box `b`.
    fn field_slot(&self, b: crate::BoxId, field: &str) -> Option<usize> {
        self.fields_named(field)
            .iter()
            .find(|(x, _)| *x == b)
            .map(|(_, k)| *k)
    }
}

/// Per box, per field: whether `@B.birth` stores the field in its entry block before reading
/// it and before any other use of the receiver (a call argument, an operand, a stored value):
/// until then nothing but `birth` can see the new instance, so the field is never seen `void`.
fn born_fields(m: &Module) -> Vec<Vec<bool>> {
    let slot_of = |b: crate::BoxId, field: &str| m.boxes[b].fields.iter().position(|f| f == field);
    m.boxes
        .iter()
        .map(|(b, decl)| {
            let mut init = vec![false; decl.fields.len()];
            let Some(birth) = m.method(b, "birth") else {
                return init;
            };
            let f = &m.functions[birth];
            let (Some(me), Some(entry)) = (f.params.first().map(|p| p.value), f.entry()) else {
                return init;
            };
            // Fields read (as `void`) before their first store.
            let mut read = vec![false; decl.fields.len()];
            for inst in &f.blocks[entry].insts {
                match inst {
                    Inst::Store { obj, field, value } if *obj == me && *value != me => {
                        if let Some(k) = slot_of(b, field) {
                            init[k] |= !read[k];
                        }
                    }
                    Inst::Load { obj, field, .. } if *obj == me => {
                        if let Some(k) = slot_of(b, field) {
                            read[k] |= !init[k];
                        }
                    }
                    other => {
                        let mut escapes = false;
                        other.for_each_use(|v| escapes |= v == me);
                        if escapes {
                            break;
                        }
                    }
                }
            }
            init
        })
        .collect()
}

/// Whether the parameters after the receiver of `f` can receive values no visible call site
/// shows: `@main`'s, an escaped function's (`const @f`), and `@B.apply`'s (a builtin may call
/// it). Every other method is entered only by a `call` or `new` instruction (a direct, static,
/// dynamic or value call, or `new B(...)` for `birth`), each joined into its parameters, or by
/// the runtime's string forms, which call `toString` with the receiver alone.
fn params_open(m: &Module, f: &Function, escaped: bool) -> bool {
    escaped
        || f.name == "main"
        || match f.name.split_once('.') {
            Some((_, name)) => name == "apply" || method_box(m, f).is_none(),
            None => false,
        }
}

/// Joins the types of `args` into the unannotated parameters of function `g` from parameter
/// `first` on (1 for a method's arguments after the receiver). A call with the wrong count
/// traps before the callee runs, so it joins nothing.
fn join_args(
    m: &Module,
    funcs: &mut [FuncTypes],
    g: FuncId,
    first: usize,
    args: &[Ty],
    changed: &mut bool,
) {
    let gf = &m.functions[g];
    if gf.params.len() != args.len() + first {
        return;
    }
    for (i, p) in gf.params.iter().enumerate().skip(first) {
        // An annotated parameter has its annotated type (checked).
        if p.ty.is_some() {
            continue;
        }
        let at = args[i - first];
        let pt = &mut funcs[g.index()].params[i];
        let j = pt.join(at);
        if j != *pt {
            *pt = j;
            *changed = true;
        }
    }
}

/// The box `B` of a method `@B.m` (a function named `B.m` where `B` is a declared box).
fn method_box(m: &Module, f: &Function) -> Option<crate::BoxId> {
    let (b, _) = f.name.split_once('.')?;
    m.box_by_name(b)
}

/// One pass over function `id`: raises its value types, its return type and its callees'
/// parameter types. Returns whether anything changed.
fn analyse(
    m: &Module,
    methods: &Methods,
    f: &Function,
    id: FuncId,
    funcs: &mut [FuncTypes],
    fields: &mut [Vec<Ty>],
) -> bool {
    let me = id.index();
    let mut changed = false;
    let mut vals = std::mem::take(&mut funcs[me].values);
    for (p, t) in f.params.iter().zip(funcs[me].params.clone()) {
        raise(&mut vals, p.value, t, &mut changed);
    }
    let annotated_ret = f.ret_type.is_some();
    for b in f.blocks.values() {
        // Whether the previous instruction of the block was a tail call.
        let mut last_tail = false;
        for inst in &b.insts {
            let prev_tail = std::mem::replace(&mut last_tail, inst.is_tail_call());
            let ty = |v: Value| vals.get(v.index()).copied().unwrap_or(Ty::Unknown);
            let (dest, t) = match inst {
                Inst::Const { dest, value } => (*dest, const_ty(value)),
                Inst::Unary { dest, op, arg } => (
                    *dest,
                    match op {
                        UnaryOp::Neg => match ty(*arg) {
                            Ty::Integer => Ty::Integer,
                            Ty::Float => Ty::Float,
                            Ty::Bottom => Ty::Bottom,
                            _ => Ty::Unknown,
                        },
                        UnaryOp::Not => Ty::Bool,
                        UnaryOp::BitNot => Ty::Integer,
                    },
                ),
                Inst::Binary { dest, op, lhs, rhs } => (*dest, binop_ty(*op, ty(*lhs), ty(*rhs))),
                Inst::Compare { dest, .. } => (*dest, Ty::Bool),
                Inst::TypeOp { dest, op, arg } => (
                    *dest,
                    match op {
                        TypeOpKind::Check(_) => Ty::Bool,
                        TypeOpKind::TypeOf => Ty::String,
                        TypeOpKind::Cast(TypeName::Any) => ty(*arg),
                        TypeOpKind::Cast(t) => Ty::of_name(*t),
                    },
                ),
                Inst::Load { dest, obj, field } => (
                    *dest,
                    match ty(*obj) {
                        Ty::Bottom => Ty::Bottom,
                        Ty::User(b) => methods
                            .field_slot(b, field)
                            .map_or(Ty::Unknown, |k| fields[b.index()][k]),
                        // Any box with such a field (none: the load traps).
                        Ty::Unknown => match methods.fields_named(field) {
                            [] => Ty::Unknown,
                            all => all
                                .iter()
                                .fold(Ty::Bottom, |t, &(b, k)| t.join(fields[b.index()][k])),
                        },
                        // Not a user box: the load traps.
                        _ => Ty::Unknown,
                    },
                ),
                Inst::Store { obj, field, value } => {
                    let v = ty(*value);
                    // The fields this store can write (none: it traps, or `%obj` is not
                    // analysed yet).
                    let one;
                    let targets: &[(crate::BoxId, usize)] = match ty(*obj) {
                        Ty::User(b) => match methods.field_slot(b, field) {
                            Some(k) => {
                                one = [(b, k)];
                                &one
                            }
                            None => &[],
                        },
                        Ty::Unknown => methods.fields_named(field),
                        _ => &[],
                    };
                    for &(b, k) in targets {
                        let slot = &mut fields[b.index()][k];
                        let j = slot.join(v);
                        if j != *slot {
                            *slot = j;
                            changed = true;
                        }
                    }
                    continue;
                }
                Inst::Phi { dest, inputs } => (
                    *dest,
                    inputs
                        .iter()
                        .fold(Ty::Bottom, |acc, (_, v)| acc.join(ty(*v))),
                ),
                // `birth` is a method, so its parameters are open already.
                Inst::NewBox { dest, class, args } => (
                    *dest,
                    match class {
                        BoxClass::Array => Ty::Array,
                        BoxClass::Map => Ty::Map,
                        BoxClass::Operator(_) => Ty::Operator,
                        BoxClass::Primitive(t) => Ty::of_name(*t),
                        BoxClass::User(b) => {
                            // `new B(args)` calls `@B.birth(instance, args...)`.
                            if let Some(g) = m.method(*b, "birth") {
                                let at: Vec<Ty> = args.iter().map(|a| ty(*a)).collect();
                                join_args(m, funcs, g, 1, &at, &mut changed);
                            }
                            Ty::User(*b)
                        }
                    },
                ),
                Inst::Call {
                    dest,
                    callee,
                    args,
                    tail,
                } => {
                    let r = match callee {
                        Callee::Global(g) if g.index() < funcs.len() => {
                            let gf = &m.functions[*g];
                            let g = g.index();
                            for (i, a) in args.iter().enumerate() {
                                // An annotated parameter has its annotated type (checked).
                                if gf.params.get(i).is_none_or(|p| p.ty.is_some()) {
                                    continue;
                                }
                                let at = ty(*a);
                                if let Some(pt) = funcs[g].params.get_mut(i) {
                                    let j = pt.join(at);
                                    if j != *pt {
                                        *pt = j;
                                        changed = true;
                                    }
                                }
                            }
                            funcs[g].ret
                        }
                        // A static method call runs exactly `@B.m` (or traps).
                        Callee::Method {
                            box_name: Some(bx),
                            method,
                            ..
                        } => match m.method(*bx, method) {
                            Some(g) if g.index() < funcs.len() => {
                                let at: Vec<Ty> = args.iter().map(|a| ty(*a)).collect();
                                join_args(m, funcs, g, 1, &at, &mut changed);
                                funcs[g.index()].ret
                            }
                            _ => Ty::Unknown,
                        },
                        // A dynamic method call: the user methods it can reach, else the
                        // builtins of the receiver's possible types.
                        Callee::Method {
                            box_name: None,
                            method,
                            receiver,
                        } => {
                            let rt = ty(*receiver);
                            let at: Vec<Ty> = args.iter().map(|a| ty(*a)).collect();
                            let defs = methods.by_name.get(method.as_str());
                            for &(b, g) in defs.map_or(&[][..], |v| &v[..]) {
                                if matches!(rt, Ty::Unknown) || rt == Ty::User(b) {
                                    join_args(m, funcs, g, 1, &at, &mut changed);
                                }
                            }
                            method_result(methods, funcs, rt, method)
                        }
                        _ => Ty::Unknown,
                    };
                    // A tail call's result is the function's result (with or without `dest`);
                    // the `ret` right after it is never reached.
                    if *tail && !annotated_ret {
                        let j = funcs[me].ret.join(r);
                        if j != funcs[me].ret {
                            funcs[me].ret = j;
                            changed = true;
                        }
                    }
                    match dest {
                        Some(d) => (*d, r),
                        None => continue,
                    }
                }
                Inst::ExternCall {
                    dest: Some(d),
                    callee,
                    ..
                } => (
                    *d,
                    match callee {
                        Callee::Extern(e) => extern_result(*e),
                        // C imports and host functions.
                        _ => Ty::Unknown,
                    },
                ),
                Inst::Return { value } => {
                    if !annotated_ret && !prev_tail {
                        let t = value.map(ty).unwrap_or(Ty::Void);
                        let j = funcs[me].ret.join(t);
                        if j != funcs[me].ret {
                            funcs[me].ret = j;
                            changed = true;
                        }
                    }
                    continue;
                }
                _ => continue,
            };
            raise(&mut vals, dest, t, &mut changed);
        }
    }
    funcs[me].values = vals;
    changed
}

/// The result type of a dynamic call `call %r.method(...)` on a receiver of type `recv` (spec
/// §4.5): a user box's `@B.method` when it exists (its return type), else the builtin of that
/// name on the receiver's type. A call that traps (unknown method, arity, argument types)
/// defines no result, so only the non-trapping cases count.
fn method_result(methods: &Methods, funcs: &[FuncTypes], recv: Ty, method: &str) -> Ty {
    let defs = methods.by_name.get(method).map_or(&[][..], |v| &v[..]);
    let user_ret = |b: crate::BoxId| {
        defs.iter()
            .find(|(x, _)| *x == b)
            .map(|(_, f)| funcs[f.index()].ret)
    };
    match recv {
        Ty::Bottom => Ty::Bottom,
        Ty::User(b) => match user_ret(b) {
            Some(t) => t,
            None => builtin_result(recv, method).unwrap_or(Ty::Unknown),
        },
        Ty::Unknown => {
            // Any receiver: every box's method of that name, and every builtin type's.
            let mut t = Ty::Bottom;
            for (_, f) in defs {
                t = t.join(funcs[f.index()].ret);
            }
            let some_box_lacks = defs.len() < methods.boxes;
            const BUILTIN_TYPES: [Ty; 9] = [
                Ty::Integer,
                Ty::Float,
                Ty::Bool,
                Ty::String,
                Ty::Void,
                Ty::Array,
                Ty::Map,
                Ty::Function,
                Ty::Operator,
            ];
            let mut any = false;
            for bt in BUILTIN_TYPES {
                if let Some(r) = builtin_result(bt, method) {
                    t = t.join(r);
                    any = true;
                }
            }
            if some_box_lacks {
                if let Some(r) = universal_result(method) {
                    t = t.join(r);
                    any = true;
                }
            }
            // No type has the method (every call traps): nothing is known to be gained.
            if t == Ty::Bottom && !any {
                Ty::Unknown
            } else {
                t
            }
        }
        builtin => builtin_result(builtin, method).unwrap_or(Ty::Unknown),
    }
}

/// The result type of the methods every value has (spec §4.7), `None` for other names.
fn universal_result(method: &str) -> Option<Ty> {
    match method {
        "toString" | "typeName" => Some(Ty::String),
        "equals" => Some(Ty::Bool),
        _ => None,
    }
}

/// The result type of builtin `method` on a receiver of builtin type `recv` (or the universal
/// methods of a user box without a method of that name), `None` when that type has no such
/// method (the call traps). Spec §4.7, including the conversions and Float math.
fn builtin_result(recv: Ty, method: &str) -> Option<Ty> {
    use Ty::*;
    let specific = match (recv, method) {
        (String, "length" | "indexOf" | "lastIndexOf" | "codePointAt") => Some(Integer),
        (
            String,
            "substring" | "concat" | "replace" | "trim" | "toUpper" | "toLower" | "charAt",
        ) => Some(String),
        (String, "contains" | "startsWith" | "endsWith") => Some(Bool),
        (String, "split") => Some(Array),
        // `void` when the text does not parse.
        (String, "toInteger" | "toFloat" | "toIntegerRadix") => Some(Unknown),
        (Integer, "abs" | "min" | "max") => Some(Integer),
        (Integer, "toFloat") => Some(Float),
        (Integer, "toChar" | "toStringRadix") => Some(String),
        (
            Float,
            "abs" | "floor" | "ceil" | "round" | "sqrt" | "pow" | "exp" | "log" | "log10" | "sin"
            | "cos" | "tan" | "atan" | "atan2" | "trunc",
        ) => Some(Float),
        (Float, "toInteger") => Some(Integer),
        (Float, "isNaN") => Some(Bool),
        (Array, "length" | "size" | "indexOf") => Some(Integer),
        (Array, "get" | "pop" | "remove") => Some(Unknown),
        (Array, "set" | "push" | "insert" | "clear" | "sort" | "reverse") => Some(Void),
        (Array, "contains") => Some(Bool),
        (Array, "join") => Some(String),
        (Array, "slice") => Some(Array),
        (Map, "size") => Some(Integer),
        (Map, "has" | "delete") => Some(Bool),
        (Map, "get") => Some(Unknown),
        (Map, "set" | "clear") => Some(Void),
        (Map, "keys" | "values") => Some(Array),
        (Operator, "apply") => Some(Unknown),
        _ => None,
    };
    specific.or_else(|| universal_result(method))
}

/// The result type of an extern (spec §4.8).
fn extern_result(e: ExternFn) -> Ty {
    match e {
        ExternFn::ConsoleLog
        | ExternFn::ConsolePrint
        | ExternFn::ConsoleError
        | ExternFn::EnvSet => Ty::Void,
        ExternFn::StdinReadAll | ExternFn::FsRead => Ty::String,
        ExternFn::Args => Ty::Array,
        ExternFn::TimeNowMs => Ty::Integer,
        // String or void; `exit` never returns.
        ExternFn::StdinReadLine | ExternFn::EnvGet | ExternFn::ProcessExit => Ty::Unknown,
    }
}

/// Joins `t` into the type of `v`.
fn raise(vals: &mut [Ty], v: Value, t: Ty, changed: &mut bool) {
    if let Some(slot) = vals.get_mut(v.index()) {
        let j = slot.join(t);
        if j != *slot {
            *slot = j;
            *changed = true;
        }
    }
}

/// The type of a literal.
fn const_ty(c: &Constant) -> Ty {
    match c {
        Constant::Int(_) => Ty::Integer,
        Constant::Float(_) => Ty::Float,
        Constant::Bool(_) => Ty::Bool,
        Constant::Str(_) => Ty::String,
        Constant::Void => Ty::Void,
        Constant::Func(_) => Ty::Function,
    }
}

/// The result type of `binop op` on operands of types `a` and `b` (spec §4.1): the type of
/// every result the operation can produce without trapping.
fn binop_ty(op: BinOp, a: Ty, b: Ty) -> Ty {
    if a == Ty::Bottom || b == Ty::Bottom {
        return Ty::Bottom;
    }
    match op {
        BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Mod => {
            if op == BinOp::Add && (a == Ty::String || b == Ty::String) {
                // Concatenation, or a trap (String + Void, or number + String is concatenation too).
                return Ty::String;
            }
            match (a, b) {
                (Ty::Integer, Ty::Integer) => Ty::Integer,
                (x, y) if x.is_number() && y.is_number() => Ty::Float,
                _ => Ty::Unknown,
            }
        }
        // Integer × Integer only, else a trap.
        BinOp::Band | BinOp::Bor | BinOp::Bxor | BinOp::Shl | BinOp::Shr => Ty::Integer,
        // Bool × Bool only, else a trap.
        BinOp::And | BinOp::Or => Ty::Bool,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse;

    fn types_of(src: &str) -> (Module, ModuleTypes) {
        let (m, _) = parse(src).expect("parses");
        let t = infer(&m);
        (m, t)
    }

    /// The type of value named `name` in function `func`.
    fn ty(m: &Module, t: &ModuleTypes, func: &str, name: &str) -> Ty {
        let f = m.function_by_name(func).expect("function");
        let fd = &m.functions[f];
        let v = fd
            .values
            .keys()
            .find(|v| fd.value_name(*v) == name)
            .expect("value");
        t.func(f).ty(v)
    }

    const FIB: &str = "fn @fib(%n) {
bb0:
  %two = const 2
  %c = compare lt %n, %two
  branch %c, base, rec
base:
  ret %n
rec:
  %one = const 1
  %a = binop sub %n, %one
  %fa = call @fib(%a)
  %b = binop sub %n, %two
  %fb = call @fib(%b)
  %r = binop add %fa, %fb
  ret %r
}

fn @main() {
bb0:
  %n = const 32
  %r = call @fib(%n)
  extern env.console.log(%r)
  ret
}
";

    #[test]
    fn recursive_integer_function_is_integer_throughout() {
        let (m, t) = types_of(FIB);
        for v in ["n", "a", "fa", "b", "fb", "r", "two"] {
            assert_eq!(ty(&m, &t, "fib", v), Ty::Integer, "%{v}");
        }
        assert_eq!(ty(&m, &t, "fib", "c"), Ty::Bool);
        let fib = m.function_by_name("fib").unwrap();
        assert_eq!(t.func(fib).ret, Ty::Integer);
        assert_eq!(t.func(fib).params, vec![Ty::Integer]);
        assert!(!t.open[fib.index()]);
        assert!(t.open[m.function_by_name("main").unwrap().index()]);
    }

    #[test]
    fn call_sites_with_different_types_join_to_unknown() {
        let src = "fn @id(%x) {
bb0:
  ret %x
}

fn @main() {
bb0:
  %a = const 1
  %b = const 2.5
  %r = call @id(%a)
  %s = call @id(%b)
  %k = binop add %r, %s
  ret
}
";
        let (m, t) = types_of(src);
        assert_eq!(ty(&m, &t, "id", "x"), Ty::Unknown);
        assert_eq!(ty(&m, &t, "main", "r"), Ty::Unknown);
        assert_eq!(ty(&m, &t, "main", "k"), Ty::Unknown);
    }

    #[test]
    fn escaping_function_box_makes_parameters_unknown() {
        let src = "fn @f(%x) {
bb0:
  %one = const 1
  %y = binop add %x, %one
  ret %y
}

fn @main() {
bb0:
  %a = const 1
  %r = call @f(%a)
  %g = const @f
  %s = const \"s\"
  %q = call %g(%s)
  ret
}
";
        let (m, t) = types_of(src);
        // @f is also called with a String through the FunctionBox.
        assert_eq!(ty(&m, &t, "f", "x"), Ty::Unknown);
        assert_eq!(ty(&m, &t, "f", "y"), Ty::Unknown);
        assert_eq!(ty(&m, &t, "main", "q"), Ty::Unknown);
        assert_eq!(ty(&m, &t, "main", "g"), Ty::Function);
    }

    #[test]
    fn methods_take_their_parameter_types_from_call_sites_and_annotations_are_trusted() {
        let src = "box P { x }

fn @P.get(%me, %k) {
bb0:
  ret %k
}

fn @sq(%n: Integer) -> Integer {
bb0:
  %r = binop mul %n, %n
  ret %r
}

fn @main() {
bb0:
  %p = new P()
  %a = const 3
  %b = call %p.P::get(%a)
  %c = call %p.get(%a)
  %d = call @sq(%a)
  ret
}
";
        let (m, t) = types_of(src);
        // Dispatch only enters `@P.get` with a P instance, and only the static and dynamic
        // calls in @main enter it: `%k` is their Integer argument.
        assert_eq!(ty(&m, &t, "P.get", "me"), Ty::User(crate::BoxId(0)));
        assert_eq!(ty(&m, &t, "P.get", "k"), Ty::Integer);
        assert_eq!(ty(&m, &t, "main", "p"), Ty::User(crate::BoxId(0)));
        assert_eq!(ty(&m, &t, "main", "b"), Ty::Integer);
        assert_eq!(ty(&m, &t, "main", "c"), Ty::Integer);
        assert_eq!(ty(&m, &t, "sq", "n"), Ty::Integer);
        assert_eq!(ty(&m, &t, "sq", "r"), Ty::Integer);
        assert_eq!(ty(&m, &t, "main", "d"), Ty::Integer);
    }

    const RECEIVERS: &str = "box P { x }

box Q { y }

fn @P.get(%me) {
bb0:
  %v = load %me.x
  ret %v
}

fn @P.direct(%me) {
bb0:
  ret %me
}

fn @P.wrong(%me) {
bb0:
  ret %me
}

fn @Q.escapes(%me) {
bb0:
  ret %me
}

fn @main() {
bb0:
  %p = new P()
  %a = call %p.get()
  %b = call @P.direct(%p)
  %i = const 1
  %c = call @P.wrong(%i)
  %f = const @Q.escapes
  ret
}
";

    #[test]
    fn receivers_join_direct_calls_and_escape_through_function_boxes() {
        let (m, t) = types_of(RECEIVERS);
        let p = Ty::User(crate::BoxId(0));
        assert_eq!(ty(&m, &t, "P.get", "me"), p);
        // A direct call with a P keeps the receiver typed.
        assert_eq!(ty(&m, &t, "P.direct", "me"), p);
        assert_eq!(ty(&m, &t, "main", "b"), p);
        // A direct call with an Integer: the receiver is P or Integer.
        assert_eq!(ty(&m, &t, "P.wrong", "me"), Ty::Unknown);
        // A FunctionBox of the method can be called with anything.
        assert_eq!(ty(&m, &t, "Q.escapes", "me"), Ty::Unknown);
        // Methods stay open: their receivers keep their tags.
        assert!(t.open[m.function_by_name("P.get").unwrap().index()]);
    }

    #[test]
    fn dynamic_method_results_follow_the_builtins_and_user_methods() {
        let src = "box P { x }

fn @P.size(%me) {
bb0:
  %s = const \"big\"
  ret %s
}

fn @main() {
bb0:
  %h = extern env.stdin.read_line()
  %s = const \"abc\"
  %i = const 1
  %c = call %s.charAt(%i)
  %n = call %s.length()
  %t = call %s.toInteger()
  %u = call %h.charAt(%i)
  %v = call %h.length()
  %w = call %h.toString()
  %a = new ArrayBox()
  %j = call %a.join(%s)
  %g = call %a.get(%i)
  %p = new P()
  %z = call %p.size()
  %y = call %p.typeName()
  %k = call %h.size()
  %q = call %h.noSuchMethod()
  %args = extern env.args()
  %all = extern env.stdin.read_all()
  ret
}
";
        let (m, t) = types_of(src);
        assert_eq!(ty(&m, &t, "main", "c"), Ty::String);
        assert_eq!(ty(&m, &t, "main", "n"), Ty::Integer);
        // `void` when the text is not a number.
        assert_eq!(ty(&m, &t, "main", "t"), Ty::Unknown);
        // Only Strings have charAt; String and ArrayBox length are Integers.
        assert_eq!(ty(&m, &t, "main", "u"), Ty::String);
        assert_eq!(ty(&m, &t, "main", "v"), Ty::Integer);
        assert_eq!(ty(&m, &t, "main", "w"), Ty::String);
        assert_eq!(ty(&m, &t, "main", "j"), Ty::String);
        assert_eq!(ty(&m, &t, "main", "g"), Ty::Unknown);
        // The user method's result on a P; on anything, P.size's String joins the builtin
        // sizes' Integer.
        assert_eq!(ty(&m, &t, "main", "z"), Ty::String);
        assert_eq!(ty(&m, &t, "main", "y"), Ty::String);
        assert_eq!(ty(&m, &t, "main", "k"), Ty::Unknown);
        assert_eq!(ty(&m, &t, "main", "q"), Ty::Unknown);
        // Extern results (spec §4.8).
        assert_eq!(ty(&m, &t, "main", "args"), Ty::Array);
        assert_eq!(ty(&m, &t, "main", "all"), Ty::String);
        assert_eq!(ty(&m, &t, "main", "h"), Ty::Unknown);
    }

    const FIELDS: &str = "box P { src, pos, len, note }

box Q { a, b, pos }

fn @P.birth(%me, %s) {
bb0:
  store %me.src = %s
  %z = const 0
  store %me.pos = %z
  %n = call %s.length()
  store %me.len = %n
  ret
}

fn @P.step(%me) {
bb0:
  %p = load %me.pos
  %one = const 1
  %p1 = binop add %p, %one
  store %me.pos = %p1
  %s = load %me.src
  %c = call %s.charAt(%p)
  %t = load %me.note
  ret %c
}

fn @Q.birth(%me) {
bb0:
  %x = load %me.a
  store %me.a = %x
  %k = const 1
  %d = call @keep(%me)
  store %me.b = %k
  ret
}

fn @keep(%q) {
bb0:
  ret %q
}

fn @main() {
bb0:
  %s = const \"text\"
  %p = new P(%s)
  %c = call %p.step()
  %q = new Q()
  %h = extern env.stdin.read_line()
  %v = load %h.pos
  ret
}
";

    #[test]
    fn fields_stored_by_birth_first_are_never_void() {
        let (m, t) = types_of(FIELDS);
        let (p, q) = (crate::BoxId(0), crate::BoxId(1));
        // src, pos, len: stored by birth before anything can see them; note: never stored.
        assert_eq!(
            t.fields[p.index()],
            vec![Ty::String, Ty::Integer, Ty::Integer, Ty::Void]
        );
        assert_eq!(ty(&m, &t, "P.step", "p"), Ty::Integer);
        assert_eq!(ty(&m, &t, "P.step", "p1"), Ty::Integer);
        assert_eq!(ty(&m, &t, "P.step", "s"), Ty::String);
        assert_eq!(ty(&m, &t, "P.step", "c"), Ty::String);
        assert_eq!(ty(&m, &t, "P.step", "t"), Ty::Void);
        // Q.a is read before it is stored; Q.b is stored after the receiver escaped; Q.pos is
        // never stored.
        assert_eq!(t.fields[q.index()], vec![Ty::Void, Ty::Unknown, Ty::Void]);
        // A load of `pos` from anything: P's Integer or Q's void.
        assert_eq!(ty(&m, &t, "main", "v"), Ty::Unknown);
    }

    #[test]
    fn method_parameters_join_every_call_that_can_reach_them() {
        let src = "box P { x }

box Q { y }

fn @P.put(%me, %v) {
bb0:
  ret %v
}

fn @Q.put(%me, %v) {
bb0:
  ret %v
}

fn @P.apply(%me, %v) {
bb0:
  ret %v
}

fn @P.birth(%me, %v) {
bb0:
  ret
}

fn @main() {
bb0:
  %i = const 1
  %s = const \"s\"
  %p = new P(%i)
  %q = new Q()
  %a = call %p.put(%i)
  %h = extern env.stdin.read_line()
  %b = call %h.put(%s)
  %c = call %q.put(%i)
  %d = call %p(%i)
  ret
}
";
        let (m, t) = types_of(src);
        // P.put: an Integer from `%p.put`, a String from `%h.put` (anything may be a P).
        assert_eq!(ty(&m, &t, "P.put", "v"), Ty::Unknown);
        // Q.put: an Integer from `%q.put`, a String from `%h.put`.
        assert_eq!(ty(&m, &t, "Q.put", "v"), Ty::Unknown);
        // `new P(%i)` calls birth with an Integer.
        assert_eq!(ty(&m, &t, "P.birth", "v"), Ty::Integer);
        // apply stays open.
        assert_eq!(ty(&m, &t, "P.apply", "v"), Ty::Unknown);
        assert_eq!(ty(&m, &t, "P.apply", "me"), Ty::User(crate::BoxId(0)));
    }

    #[test]
    fn loop_phis_reach_a_fixpoint() {
        let src = "fn @main() {
entry:
  %zero = const 0
  %one = const 1
  %half = const 0.5
  %n = const 10
  %e = const \"\"
  jump head
head:
  %i = phi [entry: %zero], [body: %i1]
  %x = phi [entry: %zero], [body: %x1]
  %s = phi [entry: %e], [body: %s1]
  %c = compare lt %i, %n
  branch %c, body, done
body:
  %i1 = binop add %i, %one
  %x1 = binop add %x, %half
  %s1 = binop add %s, %one
  jump head
done:
  ret
}
";
        let (m, t) = types_of(src);
        assert_eq!(ty(&m, &t, "main", "i"), Ty::Integer);
        assert_eq!(ty(&m, &t, "main", "i1"), Ty::Integer);
        // %x is 0 on entry and a Float after: no single type.
        assert_eq!(ty(&m, &t, "main", "x"), Ty::Unknown);
        // Unknown + Float may be a concatenation (if %x were a String): Unknown too.
        assert_eq!(ty(&m, &t, "main", "x1"), Ty::Unknown);
        assert_eq!(ty(&m, &t, "main", "s"), Ty::String);
        assert_eq!(ty(&m, &t, "main", "s1"), Ty::String);
    }

    #[test]
    fn trapping_operations_type_their_results() {
        let src = "fn @main() {
bb0:
  %a = const \"x\"
  %b = const 1
  %c = binop band %a, %b
  %d = unary not %b
  %e = binop div %b, %b
  %f = typeop cast %b Float
  %g = typeop typeof %b
  %h = extern env.stdin.read_line()
  %i = unary neg %h
  %j = binop sub %h, %b
  ret
}
";
        let (m, t) = types_of(src);
        assert_eq!(ty(&m, &t, "main", "c"), Ty::Integer);
        assert_eq!(ty(&m, &t, "main", "d"), Ty::Bool);
        assert_eq!(ty(&m, &t, "main", "e"), Ty::Integer);
        assert_eq!(ty(&m, &t, "main", "f"), Ty::Float);
        assert_eq!(ty(&m, &t, "main", "g"), Ty::String);
        assert_eq!(ty(&m, &t, "main", "h"), Ty::Unknown);
        assert_eq!(ty(&m, &t, "main", "i"), Ty::Unknown);
        assert_eq!(ty(&m, &t, "main", "j"), Ty::Unknown);
    }

    #[test]
    fn join_is_a_flat_lattice() {
        assert_eq!(Ty::Bottom.join(Ty::Integer), Ty::Integer);
        assert_eq!(Ty::Integer.join(Ty::Bottom), Ty::Integer);
        assert_eq!(Ty::Integer.join(Ty::Integer), Ty::Integer);
        assert_eq!(Ty::Integer.join(Ty::Float), Ty::Unknown);
        assert_eq!(Ty::Unknown.join(Ty::Bottom), Ty::Unknown);
    }
}
