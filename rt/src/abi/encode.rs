//! The encodings of operators, types, classes and externs as the integers compiled code passes
//! to the runtime functions, shared by the translator (encode) and the runtime (decode).

use mir14_mir::{BinOp, BoxClass, BoxId, CmpOp, ExternFn, Operator, TypeName, UnaryOp};

/// Encodes a type name for `mir14_rt_typeop`: builtins 0..=8, operators 16 + index, user boxes
/// 1024 + box index.
pub fn encode_type(t: TypeName) -> i64 {
    match t {
        TypeName::Integer => 0,
        TypeName::Float => 1,
        TypeName::Bool => 2,
        TypeName::String => 3,
        TypeName::Void => 4,
        TypeName::Array => 5,
        TypeName::Map => 6,
        TypeName::Function => 7,
        TypeName::Any => 8,
        TypeName::Operator(op) => 16 + crate::op_index(op) as i64,
        TypeName::User(b) => 1024 + b.index() as i64,
    }
}

/// Decodes [`encode_type`].
pub fn decode_type(x: i64) -> Option<TypeName> {
    Some(match x {
        0 => TypeName::Integer,
        1 => TypeName::Float,
        2 => TypeName::Bool,
        3 => TypeName::String,
        4 => TypeName::Void,
        5 => TypeName::Array,
        6 => TypeName::Map,
        7 => TypeName::Function,
        8 => TypeName::Any,
        16..=33 => TypeName::Operator(crate::op_from_index((x - 16) as u64)?),
        1024.. => TypeName::User(BoxId((x - 1024) as u32)),
        _ => return None,
    })
}

/// Encodes a builtin class of `new` for `mir14_rt_new`: 0 ArrayBox, 1 MapBox, 8 + primitive type
/// code, 16 + operator index.
pub fn encode_class(c: BoxClass) -> i64 {
    match c {
        BoxClass::Array => 0,
        BoxClass::Map => 1,
        BoxClass::Primitive(t) => 8 + encode_type(t),
        BoxClass::Operator(op) => 16 + crate::op_index(op) as i64,
        BoxClass::User(b) => 1024 + b.index() as i64,
    }
}

/// Decodes [`encode_class`] (builtin classes only).
pub fn decode_class(x: i64) -> Option<BoxClass> {
    Some(match x {
        0 => BoxClass::Array,
        1 => BoxClass::Map,
        8..=12 => BoxClass::Primitive(decode_type(x - 8)?),
        16..=33 => BoxClass::Operator(crate::op_from_index((x - 16) as u64)?),
        _ => return None,
    })
}

/// Encodes an extern as its index in [`ExternFn::ALL`].
pub fn encode_extern(e: ExternFn) -> i64 {
    ExternFn::ALL.iter().position(|x| *x == e).unwrap_or(0) as i64
}

/// Encodes a unary operator as its index in [`UnaryOp::ALL`].
pub fn encode_unary(op: UnaryOp) -> i64 {
    UnaryOp::ALL.iter().position(|x| *x == op).unwrap_or(0) as i64
}

/// Decodes [`encode_unary`] (`Neg` when out of range).
pub(super) fn decode_unary(x: u64) -> UnaryOp {
    UnaryOp::ALL
        .get(x as usize)
        .copied()
        .unwrap_or(UnaryOp::Neg)
}

/// Encodes a BinOp as its index in [`BinOp::ALL`].
pub fn encode_binop(op: BinOp) -> i64 {
    crate::op_index(Operator::Bin(op)) as i64
}

/// Decodes [`encode_binop`] (`Add` when out of range).
pub(super) fn decode_binop(x: u64) -> BinOp {
    BinOp::ALL.get(x as usize).copied().unwrap_or(BinOp::Add)
}

/// Encodes a comparison as its index in [`CmpOp::ALL`].
pub fn encode_cmp(op: CmpOp) -> i64 {
    CmpOp::ALL.iter().position(|x| *x == op).unwrap_or(0) as i64
}

/// Decodes [`encode_cmp`] (`Eq` when out of range).
pub(super) fn decode_cmp(x: u64) -> CmpOp {
    CmpOp::ALL.get(x as usize).copied().unwrap_or(CmpOp::Eq)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_round_trip() {
        for op in Operator::all() {
            let t = TypeName::Operator(op);
            assert_eq!(decode_type(encode_type(t)), Some(t));
            let c = BoxClass::Operator(op);
            assert_eq!(decode_class(encode_class(c)), Some(c));
        }
        for t in [
            TypeName::Integer,
            TypeName::Any,
            TypeName::User(BoxId(3)),
            TypeName::Function,
        ] {
            assert_eq!(decode_type(encode_type(t)), Some(t));
        }
        for t in [
            TypeName::Integer,
            TypeName::Float,
            TypeName::Bool,
            TypeName::String,
            TypeName::Void,
        ] {
            let c = BoxClass::Primitive(t);
            assert_eq!(decode_class(encode_class(c)), Some(c));
        }
        for op in BinOp::ALL {
            assert_eq!(decode_binop(encode_binop(op) as u64), op);
        }
        for op in CmpOp::ALL {
            assert_eq!(decode_cmp(encode_cmp(op) as u64), op);
        }
    }
}
