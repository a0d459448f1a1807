//! The operators: unary, binop, compare, typeop, `new` of builtin classes, value calls.

use crate::heap::{str_of, user_mut};
use crate::runtime::{Host, Runtime};
use crate::trap::{Trap, TrapKind};
use crate::value::*;
use mir14_mir::infer::Ty;
use mir14_mir::{BinOp, BoxClass, BoxId, CmpOp, FuncId, Operator, TypeName, UnaryOp};
use std::cmp::Ordering;
use std::fmt::Write as _;

/// Integer `div`/`mod`/arith on two Integers (spec §4.1). `And`/`Or` are not Integer ops.
/// Always inlined: the interpreter's loop calls it for every Integer `binop` it has no special
/// operation for (`mod`, `div`, bit operations), where a call costs as much as the operation.
#[inline(always)]
pub fn int_binop(op: BinOp, a: i64, b: i64) -> Option<Result<i64, Trap>> {
    Some(Ok(match op {
        BinOp::Add => a.wrapping_add(b),
        BinOp::Sub => a.wrapping_sub(b),
        BinOp::Mul => a.wrapping_mul(b),
        BinOp::Div => {
            if b == 0 {
                return Some(Err(Trap::new(TrapKind::DivisionByZero, "division by zero")));
            }
            a.wrapping_div(b)
        }
        BinOp::Mod => {
            if b == 0 {
                return Some(Err(Trap::new(TrapKind::DivisionByZero, "modulo by zero")));
            }
            a.wrapping_rem(b)
        }
        BinOp::Band => a & b,
        BinOp::Bor => a | b,
        BinOp::Bxor => a ^ b,
        BinOp::Shl => a.wrapping_shl((b & 63) as u32),
        BinOp::Shr => a.wrapping_shr((b & 63) as u32),
        BinOp::And | BinOp::Or => return None,
    }))
}

/// Float arithmetic (`add sub mul div mod`); `None` for other operators.
#[inline]
pub fn float_binop(op: BinOp, a: f64, b: f64) -> Option<f64> {
    Some(match op {
        BinOp::Add => a + b,
        BinOp::Sub => a - b,
        BinOp::Mul => a * b,
        BinOp::Div => a / b,
        BinOp::Mod => a % b,
        _ => return None,
    })
}

/// Exact comparison of an Integer with a Float; `None` when the Float is NaN.
pub fn cmp_int_float(i: i64, f: f64) -> Option<Ordering> {
    if f.is_nan() {
        return None;
    }
    // 2^63 as f64 is exact; every i64 is below it and at or above -2^63.
    if f >= 9_223_372_036_854_775_808.0 {
        return Some(Ordering::Less);
    }
    if f < -9_223_372_036_854_775_808.0 {
        return Some(Ordering::Greater);
    }
    let t = f.trunc();
    let ti = t as i64;
    match i.cmp(&ti) {
        Ordering::Equal => {
            // Same integral part: the fraction decides.
            if f > t {
                Some(Ordering::Less)
            } else if f < t {
                Some(Ordering::Greater)
            } else {
                Some(Ordering::Equal)
            }
        }
        o => Some(o),
    }
}

/// Numeric ordering of two numbers (Integer/Float, mixed exactly); `None` when unordered (NaN)
/// or not both numbers.
pub fn cmp_numbers(a: Val, b: Val) -> Option<Ordering> {
    match (a.tag, b.tag) {
        (INT, INT) => Some(a.as_int().cmp(&b.as_int())),
        (FLOAT, FLOAT) => a.as_float().partial_cmp(&b.as_float()),
        (INT, FLOAT) => cmp_int_float(a.as_int(), b.as_float()),
        (FLOAT, INT) => cmp_int_float(b.as_int(), a.as_float()).map(Ordering::reverse),
        _ => None,
    }
}

/// `compare eq` (total, spec §4.2). Needs no runtime: identity is the pointer.
pub fn values_equal(a: Val, b: Val) -> bool {
    match (a.tag, b.tag) {
        (FLOAT, FLOAT) => a.as_float() == b.as_float(),
        (INT, FLOAT) | (FLOAT, INT) => cmp_numbers(a, b) == Some(Ordering::Equal),
        (STR, STR) => a.bits == b.bits || str_eq(str_of(a).as_bytes(), str_of(b).as_bytes()),
        (x, y) if x == y => a.bits == b.bits,
        _ => false,
    }
}

/// Byte-string equality; short strings (characters, keys) are compared without a memcmp call.
#[inline]
pub(crate) fn str_eq(x: &[u8], y: &[u8]) -> bool {
    if x.len() != y.len() {
        return false;
    }
    if x.len() <= 8 {
        return x.iter().zip(y).all(|(a, b)| a == b);
    }
    x == y
}

/// The name of a builtin type tag (`None` for user boxes and unknown tags).
fn builtin_type_name(v: Val) -> Option<&'static str> {
    Some(match v.tag {
        VOID => "Void",
        BOOL => "Bool",
        INT => "Integer",
        FLOAT => "Float",
        STR => "String",
        ARRAY => "ArrayBox",
        MAP => "MapBox",
        FUNC => "FunctionBox",
        OP => op_from_index(v.bits)?.box_name(),
        _ => return None,
    })
}

impl Runtime {
    /// The type name of `v` as `typeof` prints it (`Integer`, `ArrayBox`, `Point`, ...).
    pub fn type_name(&self, v: Val) -> &str {
        if v.tag == USER {
            return self.box_name(user_mut(v).box_id);
        }
        builtin_type_name(v).unwrap_or("?")
    }

    /// The printed name of a type.
    pub fn type_name_of(&self, t: TypeName) -> &str {
        match t {
            TypeName::User(b) => self.box_name(b.0),
            other => other.builtin_name().unwrap_or("?"),
        }
    }

    /// Whether `v` is a value of the inferred type `t` (whole-module type inference,
    /// [`mir14_mir::infer`]): `Unknown` admits every value, `Bottom` none.
    pub fn fits_inferred(&self, v: Val, t: Ty) -> bool {
        match t {
            Ty::Unknown => true,
            Ty::Bottom => false,
            Ty::Integer => v.tag == INT,
            Ty::Float => v.tag == FLOAT,
            Ty::Bool => v.tag == BOOL,
            Ty::String => v.tag == STR,
            Ty::Void => v.tag == VOID,
            Ty::Array => v.tag == ARRAY,
            Ty::Map => v.tag == MAP,
            Ty::Function => v.tag == FUNC,
            Ty::Operator => v.tag == OP,
            Ty::User(b) => v.tag == USER && user_mut(v).box_id == b.0,
        }
    }

    /// `typeop check`: true iff `v` has type `t` (`Any` always).
    #[inline]
    pub fn has_type(&self, v: Val, t: TypeName) -> bool {
        match t {
            TypeName::Integer => v.tag == INT,
            TypeName::Float => v.tag == FLOAT,
            TypeName::Bool => v.tag == BOOL,
            TypeName::String => v.tag == STR,
            TypeName::Void => v.tag == VOID,
            TypeName::Array => v.tag == ARRAY,
            TypeName::Map => v.tag == MAP,
            TypeName::Function => v.tag == FUNC,
            TypeName::Operator(op) => v.tag == OP && v.bits == op_index(op) as u64,
            TypeName::User(b) => v.tag == USER && user_mut(v).box_id == b.0,
            TypeName::Any => true,
        }
    }

    /// `typeop cast v T` (spec §4.3).
    pub fn cast(&mut self, v: Val, t: TypeName) -> Result<Val, Trap> {
        if self.has_type(v, t) {
            return Ok(v);
        }
        match (v.tag, t) {
            (INT, TypeName::Float) => Ok(Val::float(v.as_int() as f64)),
            (FLOAT, TypeName::Integer) => float_to_int(v.as_float()),
            _ => Err(Trap::new(
                TrapKind::CastError,
                format!(
                    "cannot cast {} to {}",
                    self.type_name(v),
                    self.type_name_of(t)
                ),
            )),
        }
    }

    /// The String of a `const` of text `s`: one per distinct text, made on first use and pinned
    /// (constants live as long as the code), the same on every backend, so that the heap's
    /// live size does not depend on how often a text is written (spec §5).
    pub fn constant_str(&mut self, s: &str) -> Val {
        if let Some(&v) = self.const_strs.get(s) {
            return v;
        }
        let v = self.heap.alloc_str(s);
        self.heap.pin(v);
        self.const_strs.insert(s.to_owned(), v);
        v
    }

    /// `typeop typeof v`: the type name as a String (interned: no allocation after the first).
    pub fn type_of(&mut self, v: Val) -> Val {
        let name = self.type_name(v);
        if let Some(s) = self.type_strs.get(name) {
            return *s;
        }
        let name = name.to_owned();
        let s = self.heap.alloc_str(&name);
        // Interned for the runtime's life: a root forever.
        self.heap.pin(s);
        self.type_strs.insert(name, s);
        s
    }

    /// `unary op a`.
    pub fn unary(&mut self, op: UnaryOp, a: Val) -> Result<Val, Trap> {
        match (op, a.tag) {
            (UnaryOp::Neg, INT) => Ok(Val::int(a.as_int().wrapping_neg())),
            (UnaryOp::Neg, FLOAT) => Ok(Val::float(-a.as_float())),
            (UnaryOp::Not, BOOL) => Ok(Val::bool(!a.as_bool())),
            (UnaryOp::BitNot, INT) => Ok(Val::int(!a.as_int())),
            _ => Err(Trap::type_error(format!(
                "cannot apply {} to {}",
                op.name(),
                self.type_name(a)
            ))),
        }
    }

    /// `binop op a, b` (spec §4.1). `host` runs a user `toString` for string concatenation.
    pub fn binop(&mut self, host: &mut dyn Host, op: BinOp, a: Val, b: Val) -> Result<Val, Trap> {
        match (a.tag, b.tag) {
            (INT, INT) => {
                if let Some(r) = int_binop(op, a.as_int(), b.as_int()) {
                    return r.map(Val::int);
                }
            }
            (FLOAT, FLOAT) => {
                if let Some(r) = float_binop(op, a.as_float(), b.as_float()) {
                    return Ok(Val::float(r));
                }
            }
            (INT, FLOAT) => {
                if let Some(r) = float_binop(op, a.as_int() as f64, b.as_float()) {
                    return Ok(Val::float(r));
                }
            }
            (FLOAT, INT) => {
                if let Some(r) = float_binop(op, a.as_float(), b.as_int() as f64) {
                    return Ok(Val::float(r));
                }
            }
            (BOOL, BOOL) => match op {
                BinOp::And => return Ok(Val::bool(a.as_bool() & b.as_bool())),
                BinOp::Or => return Ok(Val::bool(a.as_bool() | b.as_bool())),
                _ => {}
            },
            _ => {}
        }
        if op == BinOp::Add && (a.tag == STR || b.tag == STR) && a.tag != VOID && b.tag != VOID {
            return self.concat(host, a, b);
        }
        Err(Trap::type_error(format!(
            "cannot apply {} to {} and {}",
            op.name(),
            self.type_name(a),
            self.type_name(b)
        )))
    }

    /// String concatenation of the string forms of `a` and `b`.
    ///
    /// A String `a` is extended through [`Heap::append_str`](crate::Heap::append_str), so
    /// building a string by repeated `add` is amortized O(1) per appended byte.
    pub fn concat(&mut self, host: &mut dyn Host, a: Val, b: Val) -> Result<Val, Trap> {
        if a.tag == STR {
            if b.tag == STR {
                return Ok(self.heap.append_str(a, str_of(b)));
            }
            let mut s = String::new();
            if b.tag == INT {
                let _ = write!(s, "{}", b.as_int());
            } else {
                // Formatting `b` may run user code, which may collect: keep `a` alive.
                let mark = self.heap.root_mark();
                self.heap.push_root(a);
                let r = self.fmt_into(host, b, &mut s, false);
                self.heap.pop_roots(mark);
                r?;
            }
            return Ok(self.heap.append_str(a, &s));
        }
        // `a` is not a String, so `b` is. Formatting `a` may run user code: keep `b` alive.
        let mut s = String::new();
        let mark = self.heap.root_mark();
        self.heap.push_root(b);
        let r = self.fmt_into(host, a, &mut s, false);
        self.heap.pop_roots(mark);
        r?;
        s.push_str(str_of(b));
        Ok(self.heap.alloc_string(s))
    }

    /// `compare op a, b` (spec §4.2): `eq`/`ne` total, orderings on numbers and Strings.
    pub fn compare(&mut self, op: CmpOp, a: Val, b: Val) -> Result<Val, Trap> {
        self.compare_bool(op, a, b).map(Val::bool)
    }

    /// [`Runtime::compare`] returning a plain `bool`.
    pub fn compare_bool(&self, op: CmpOp, a: Val, b: Val) -> Result<bool, Trap> {
        let ord = match op {
            CmpOp::Eq => return Ok(values_equal(a, b)),
            CmpOp::Ne => return Ok(!values_equal(a, b)),
            _ => self.order(op, a, b)?,
        };
        Ok(match (op, ord) {
            (_, None) => false,
            (CmpOp::Lt, Some(o)) => o == Ordering::Less,
            (CmpOp::Le, Some(o)) => o != Ordering::Greater,
            (CmpOp::Gt, Some(o)) => o == Ordering::Greater,
            (_, Some(o)) => o != Ordering::Less,
        })
    }

    /// The ordering of `a` and `b` for ordering operator `op` (used in the message): numbers
    /// (`None` if NaN is involved) or Strings by bytes; else `TypeError`.
    pub(crate) fn order(&self, op: CmpOp, a: Val, b: Val) -> Result<Option<Ordering>, Trap> {
        match (a.tag, b.tag) {
            (INT | FLOAT, INT | FLOAT) => Ok(cmp_numbers(a, b)),
            (STR, STR) => {
                let (x, y) = (str_of(a).as_bytes(), str_of(b).as_bytes());
                // One-byte Strings (scan loops compare characters): no memcmp call.
                if x.len() == 1 && y.len() == 1 {
                    return Ok(Some(x[0].cmp(&y[0])));
                }
                Ok(Some(x.cmp(y)))
            }
            _ => Err(Trap::type_error(format!(
                "cannot compare {} and {} with {}",
                self.type_name(a),
                self.type_name(b),
                op.name()
            ))),
        }
    }

    /// An operator box applied to `a`, `b`.
    pub fn apply_operator(
        &mut self,
        host: &mut dyn Host,
        op: Operator,
        a: Val,
        b: Val,
    ) -> Result<Val, Trap> {
        match op {
            Operator::Bin(o) => self.binop(host, o, a, b),
            Operator::Cmp(o) => self.compare(o, a, b),
        }
    }

    /// `new C(args)` for a builtin class (`ArrayBox`, `MapBox`, operator and primitive boxes).
    /// User classes go to [`Runtime::new_user_full`].
    pub fn new_builtin(&mut self, class: BoxClass, args: &[Val]) -> Result<Val, Trap> {
        let arity = |want: usize| -> Result<(), Trap> {
            if args.len() != want {
                let what = format!("new {}", class.builtin_name().unwrap_or("?"));
                return Err(Trap::wrong_arity(&what, want, args.len()));
            }
            Ok(())
        };
        match class {
            BoxClass::Array => Ok(self.heap.alloc_array(args.to_vec())),
            BoxClass::Map => {
                arity(0)?;
                Ok(self.heap.alloc_map())
            }
            BoxClass::Operator(op) => {
                arity(0)?;
                Ok(Val::op(op))
            }
            BoxClass::Primitive(TypeName::Void) => {
                arity(0)?;
                Ok(Val::VOID)
            }
            BoxClass::Primitive(t) => {
                arity(1)?;
                if self.has_type(args[0], t) {
                    Ok(args[0])
                } else {
                    Err(Trap::type_error(format!(
                        "{} expects {}, got {}",
                        class.builtin_name().unwrap_or("?"),
                        self.type_name_of(t),
                        self.type_name(args[0])
                    )))
                }
            }
            BoxClass::User(_) => Err(Trap::type_error("user class passed to new_builtin")),
        }
    }

    /// `new C(args)` for any class; user boxes run `birth` through `host`.
    pub fn new_box(
        &mut self,
        host: &mut dyn Host,
        class: BoxClass,
        args: &[Val],
    ) -> Result<Val, Trap> {
        match class {
            BoxClass::User(b) => self.new_user_full(host, b, args),
            other => self.new_builtin(other, args),
        }
    }

    /// What calling value `f` (`call %f(args)`) means: a module function to call with the given
    /// leading receiver (user box `apply`), an operator, or a `TypeError` (not callable / wrong
    /// arity). Backends that run MIR calls themselves use this to avoid native recursion.
    pub fn resolve_value_call(&self, f: Val, nargs: usize) -> Result<ValueCall, Trap> {
        match f.tag {
            FUNC => {
                let fid = FuncId(f.bits as u32);
                self.check_arity_named(&format!("@{}", self.func_name(fid)), fid, 0, nargs)?;
                Ok(ValueCall::Function(fid))
            }
            OP => {
                let op = op_from_index(f.bits).ok_or_else(|| Trap::type_error("bad operator"))?;
                if nargs != 2 {
                    let what = format!("{}.apply", op.box_name());
                    return Err(Trap::wrong_arity(&what, 2, nargs));
                }
                Ok(ValueCall::Operator(op))
            }
            USER => {
                let b = user_mut(f).box_id;
                match self.boxes.get(b as usize).and_then(|m| m.apply) {
                    Some(fid) => {
                        self.check_arity_named(
                            &format!("{}.apply", self.box_name(b)),
                            fid,
                            1,
                            nargs,
                        )?;
                        Ok(ValueCall::Method(fid))
                    }
                    None => Err(Trap::type_error(format!(
                        "{} is not callable",
                        self.box_name(b)
                    ))),
                }
            }
            _ => Err(Trap::type_error(format!(
                "{} is not callable",
                self.type_name(f)
            ))),
        }
    }

    /// `call %f(args)` in full: FunctionBox, operator box, or user box with `apply` (via `host`).
    pub fn call_value(&mut self, host: &mut dyn Host, f: Val, args: &[Val]) -> Result<Val, Trap> {
        match self.resolve_value_call(f, args.len())? {
            ValueCall::Function(fid) => host.call_function(self, fid, args),
            ValueCall::Operator(op) => self.apply_operator(host, op, args[0], args[1]),
            ValueCall::Method(fid) => {
                let mut full = Vec::with_capacity(args.len() + 1);
                full.push(f);
                full.extend_from_slice(args);
                host.call_function(self, fid, &full)
            }
        }
    }

    /// The user box id of a `USER` value.
    pub fn box_of(v: Val) -> Option<BoxId> {
        (v.tag == USER).then(|| BoxId(user_mut(v).box_id))
    }
}

/// The resolution of a value call (see [`Runtime::resolve_value_call`]).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ValueCall {
    /// Call this function with the arguments.
    Function(FuncId),
    /// Apply this operator to the two arguments.
    Operator(Operator),
    /// Call this `apply` method with the callee value as receiver, then the arguments.
    Method(FuncId),
}

/// Float → Integer, truncating; `CastError` on NaN or out of range.
pub fn float_to_int(f: f64) -> Result<Val, Trap> {
    let t = f.trunc();
    if t.is_nan() || !(-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&t) {
        return Err(Trap::new(
            TrapKind::CastError,
            format!(
                "cannot cast Float {} to Integer",
                crate::format::fmt_float(f)
            ),
        ));
    }
    Ok(Val::int(t as i64))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::testutil::*;

    fn bin(op: BinOp, a: Val, b: Val) -> Result<Val, Trap> {
        rt().binop(&mut NoHost, op, a, b)
    }

    #[test]
    fn integer_edges() {
        let (min, max) = (i64::MIN, i64::MAX);
        assert_eq!(
            bin(BinOp::Add, Val::int(max), Val::int(1)),
            Ok(Val::int(min))
        );
        assert_eq!(
            bin(BinOp::Sub, Val::int(min), Val::int(1)),
            Ok(Val::int(max))
        );
        assert_eq!(
            bin(BinOp::Mul, Val::int(max), Val::int(2)),
            Ok(Val::int(-2))
        );
        assert_eq!(
            bin(BinOp::Div, Val::int(min), Val::int(-1)),
            Ok(Val::int(min))
        );
        assert_eq!(
            bin(BinOp::Mod, Val::int(min), Val::int(-1)),
            Ok(Val::int(0))
        );
        assert_eq!(bin(BinOp::Div, Val::int(-7), Val::int(2)), Ok(Val::int(-3)));
        assert_eq!(bin(BinOp::Mod, Val::int(-7), Val::int(2)), Ok(Val::int(-1)));
        assert_eq!(bin(BinOp::Mod, Val::int(7), Val::int(-2)), Ok(Val::int(1)));
        let t = bin(BinOp::Div, Val::int(1), Val::int(0)).unwrap_err();
        assert_eq!(
            (t.kind, t.message.as_str()),
            (TrapKind::DivisionByZero, "division by zero")
        );
        let t = bin(BinOp::Mod, Val::int(1), Val::int(0)).unwrap_err();
        assert_eq!(t.message, "modulo by zero");
        assert_eq!(bin(BinOp::Shl, Val::int(1), Val::int(65)), Ok(Val::int(2)));
        assert_eq!(
            bin(BinOp::Shl, Val::int(1), Val::int(-1)),
            Ok(Val::int(min))
        );
        assert_eq!(bin(BinOp::Shr, Val::int(-8), Val::int(1)), Ok(Val::int(-4)));
        assert_eq!(
            bin(BinOp::Shr, Val::int(-8), Val::int(64)),
            Ok(Val::int(-8))
        );
        assert_eq!(bin(BinOp::Bxor, Val::int(6), Val::int(3)), Ok(Val::int(5)));
        let mut r = rt();
        assert_eq!(r.unary(UnaryOp::Neg, Val::int(min)), Ok(Val::int(min)));
        assert_eq!(r.unary(UnaryOp::BitNot, Val::int(0)), Ok(Val::int(-1)));
        let s = r.heap.alloc_str("x");
        assert_eq!(
            r.unary(UnaryOp::Neg, s).unwrap_err().message,
            "cannot apply neg to String"
        );
    }

    #[test]
    fn float_and_mixed() {
        assert_eq!(
            bin(BinOp::Div, Val::float(1.0), Val::float(0.0)),
            Ok(Val::float(f64::INFINITY))
        );
        assert_eq!(
            bin(BinOp::Add, Val::int(1), Val::float(0.5)),
            Ok(Val::float(1.5))
        );
        assert_eq!(
            bin(BinOp::Mod, Val::float(-7.5), Val::int(2)),
            Ok(Val::float(-1.5))
        );
        assert!(bin(BinOp::Div, Val::float(0.0), Val::float(0.0))
            .unwrap()
            .as_float()
            .is_nan());
        let t = bin(BinOp::Band, Val::float(1.0), Val::int(1)).unwrap_err();
        assert_eq!(t.message, "cannot apply band to Float and Integer");
        let t = bin(BinOp::Add, Val::int(1), Val::TRUE).unwrap_err();
        assert_eq!(t.message, "cannot apply add to Integer and Bool");
        assert_eq!(bin(BinOp::And, Val::TRUE, Val::FALSE), Ok(Val::FALSE));
        assert_eq!(bin(BinOp::Or, Val::TRUE, Val::FALSE), Ok(Val::TRUE));
        let t = bin(BinOp::And, Val::int(1), Val::int(1)).unwrap_err();
        assert_eq!(t.message, "cannot apply and to Integer and Integer");
    }

    #[test]
    fn string_concat() {
        let mut r = rt();
        let s = r.heap.alloc_str("n=");
        let v = r
            .binop(&mut NoHost, BinOp::Add, s, Val::float(1.0))
            .unwrap();
        assert_eq!(str_of(v), "n=1.0");
        let v = r.binop(&mut NoHost, BinOp::Add, Val::TRUE, s).unwrap();
        assert_eq!(str_of(v), "truen=");
        let a = r.heap.alloc_array(vec![s]);
        let v = r.binop(&mut NoHost, BinOp::Add, s, a).unwrap();
        assert_eq!(str_of(v), "n=[\"n=\"]");
        let t = r.binop(&mut NoHost, BinOp::Add, s, Val::VOID).unwrap_err();
        assert_eq!(t.message, "cannot apply add to String and Void");
    }

    #[test]
    fn comparisons() {
        let mut r = rt();
        let big = 9_007_199_254_740_993i64; // 2^53 + 1: not representable as f64
        assert!(!values_equal(Val::int(big), Val::float(big as f64)));
        assert!(values_equal(Val::int(3), Val::float(3.0)));
        assert!(!values_equal(Val::float(f64::NAN), Val::float(f64::NAN)));
        assert!(values_equal(Val::VOID, Val::VOID));
        assert!(!values_equal(Val::int(1), Val::TRUE));
        let a = r.heap.alloc_str("ab");
        let b = r.heap.alloc_str("ab");
        let c = r.heap.alloc_str("b");
        assert!(values_equal(a, b));
        let x = r.heap.alloc_array(vec![]);
        let y = r.heap.alloc_array(vec![]);
        assert!(!values_equal(x, y) && values_equal(x, x));
        assert_eq!(r.compare(CmpOp::Lt, a, c), Ok(Val::TRUE));
        assert_eq!(
            r.compare(CmpOp::Lt, Val::int(big), Val::float(big as f64)),
            Ok(Val::FALSE)
        );
        assert_eq!(
            r.compare(CmpOp::Gt, Val::int(big), Val::float(big as f64)),
            Ok(Val::TRUE)
        );
        assert_eq!(
            r.compare(CmpOp::Lt, Val::float(2.5), Val::int(3)),
            Ok(Val::TRUE)
        );
        assert_eq!(
            r.compare(CmpOp::Ge, Val::float(f64::NAN), Val::int(3)),
            Ok(Val::FALSE)
        );
        assert_eq!(
            r.compare(CmpOp::Lt, Val::int(i64::MAX), Val::float(1e19)),
            Ok(Val::TRUE)
        );
        let t = r.compare(CmpOp::Lt, a, Val::int(1)).unwrap_err();
        assert_eq!(t.message, "cannot compare String and Integer with lt");
        assert_eq!(r.compare(CmpOp::Ne, a, Val::int(1)), Ok(Val::TRUE));
    }

    #[test]
    fn typeops() {
        let mut r = rt();
        assert_eq!(r.cast(Val::int(2), TypeName::Float), Ok(Val::float(2.0)));
        assert_eq!(
            r.cast(Val::float(-2.9), TypeName::Integer),
            Ok(Val::int(-2))
        );
        let t = r.cast(Val::float(f64::NAN), TypeName::Integer).unwrap_err();
        assert_eq!(
            (t.kind, t.message.as_str()),
            (TrapKind::CastError, "cannot cast Float NaN to Integer")
        );
        let t = r.cast(Val::float(1e19), TypeName::Integer).unwrap_err();
        assert_eq!(t.message, "cannot cast Float 1e19 to Integer");
        assert_eq!(
            r.cast(Val::float(-9.223372036854776e18), TypeName::Integer),
            Ok(Val::int(i64::MIN))
        );
        let s = r.heap.alloc_str("1");
        let t = r.cast(s, TypeName::Integer).unwrap_err();
        assert_eq!(t.message, "cannot cast String to Integer");
        assert!(r.has_type(s, TypeName::Any));
        let add = Val::op(Operator::Bin(BinOp::Add));
        assert!(r.has_type(add, TypeName::Operator(Operator::Bin(BinOp::Add))));
        assert!(!r.has_type(add, TypeName::Operator(Operator::Cmp(CmpOp::Eq))));
        assert_eq!(str_of(r.type_of(add)), "AddOperator");
        assert_eq!(r.type_of(Val::int(1)), r.type_of(Val::int(2)));
        let t = r
            .new_builtin(BoxClass::Primitive(TypeName::Integer), &[s])
            .unwrap_err();
        assert_eq!(t.message, "IntegerBox expects Integer, got String");
        assert_eq!(
            r.new_builtin(BoxClass::Primitive(TypeName::String), &[s]),
            Ok(s)
        );
        assert_eq!(
            r.new_builtin(BoxClass::Primitive(TypeName::Void), &[]),
            Ok(Val::VOID)
        );
    }

    #[test]
    fn value_calls() {
        let mut r = rt();
        let t = r.call_value(&mut NoHost, Val::int(1), &[]).unwrap_err();
        assert_eq!(t.message, "Integer is not callable");
        let ge = Val::op(Operator::Cmp(CmpOp::Ge));
        assert_eq!(
            r.call_value(&mut NoHost, ge, &[Val::int(2), Val::int(2)]),
            Ok(Val::TRUE)
        );
        let t = r.call_value(&mut NoHost, ge, &[Val::int(2)]).unwrap_err();
        assert_eq!(
            t.message,
            "wrong number of arguments to GeOperator.apply: expected 2, got 1"
        );
    }
}
