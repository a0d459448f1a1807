//! The value representation: a two-word [`Val`] that fits in two registers.
//!
//! `tag` says the type; `bits` holds the payload: an `i64` (Integer), the `f64` bits (Float),
//! 0/1 (Bool), a [`FuncId`](mir14_mir::FuncId) index (FunctionBox), an operator index
//! ([`op_index`]), or a pointer to a heap object made by this runtime's [`Heap`](crate::Heap)
//! (String, ArrayBox, MapBox, user box). Void has tag 0 and bits 0.

use mir14_mir::{BinOp, CmpOp, Operator};

/// Tag of `void`.
pub const VOID: u64 = 0;
/// Tag of a Bool; bits are 0 or 1.
pub const BOOL: u64 = 1;
/// Tag of an Integer; bits are the `i64`.
pub const INT: u64 = 2;
/// Tag of a Float; bits are the `f64` bits.
pub const FLOAT: u64 = 3;
/// Tag of a String; bits point to a [`StrObj`](crate::StrObj).
pub const STR: u64 = 4;
/// Tag of an ArrayBox; bits point to an [`ArrayObj`](crate::ArrayObj).
pub const ARRAY: u64 = 5;
/// Tag of a MapBox; bits point to a [`MapObj`](crate::MapObj).
pub const MAP: u64 = 6;
/// Tag of a FunctionBox; bits are the function's `FuncId` index.
pub const FUNC: u64 = 7;
/// Tag of an operator box; bits are the operator index ([`op_index`]).
pub const OP: u64 = 8;
/// Tag of a user box instance; bits point to a [`UserObj`](crate::UserObj).
pub const USER: u64 = 9;

/// A MIR14 value: a tag and a 64-bit payload. `Copy`, two words, C layout.
#[repr(C)]
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Val {
    /// The type tag (`VOID`, `BOOL`, `INT`, ...).
    pub tag: u64,
    /// The payload, interpreted according to `tag`.
    pub bits: u64,
}

impl Val {
    /// The single `void` value.
    pub const VOID: Val = Val { tag: VOID, bits: 0 };
    /// `true`.
    pub const TRUE: Val = Val { tag: BOOL, bits: 1 };
    /// `false`.
    pub const FALSE: Val = Val { tag: BOOL, bits: 0 };

    /// An Integer.
    #[inline(always)]
    pub fn int(i: i64) -> Val {
        Val {
            tag: INT,
            bits: i as u64,
        }
    }

    /// A Float.
    #[inline(always)]
    pub fn float(f: f64) -> Val {
        Val {
            tag: FLOAT,
            bits: f.to_bits(),
        }
    }

    /// A Bool.
    #[inline(always)]
    pub fn bool(b: bool) -> Val {
        Val {
            tag: BOOL,
            bits: b as u64,
        }
    }

    /// A FunctionBox for the function with index `f`.
    #[inline(always)]
    pub fn func(f: mir14_mir::FuncId) -> Val {
        Val {
            tag: FUNC,
            bits: f.0 as u64,
        }
    }

    /// An operator box.
    #[inline(always)]
    pub fn op(op: Operator) -> Val {
        Val {
            tag: OP,
            bits: op_index(op) as u64,
        }
    }

    /// The Integer payload (meaningful when `tag == INT`).
    #[inline(always)]
    pub fn as_int(self) -> i64 {
        self.bits as i64
    }

    /// The Float payload (meaningful when `tag == FLOAT`).
    #[inline(always)]
    pub fn as_float(self) -> f64 {
        f64::from_bits(self.bits)
    }

    /// The Bool payload (meaningful when `tag == BOOL`).
    #[inline(always)]
    pub fn as_bool(self) -> bool {
        self.bits != 0
    }

    /// True for the heap-allocated kinds (String, ArrayBox, MapBox, user box).
    #[inline(always)]
    pub fn is_heap(self) -> bool {
        matches!(self.tag, STR | ARRAY | MAP | USER)
    }
}

/// The index of an operator: BinOps 0..12 in `BinOp::ALL` order, then Compares 12..18.
pub fn op_index(op: Operator) -> u32 {
    match op {
        Operator::Bin(b) => BinOp::ALL.iter().position(|x| *x == b).unwrap_or(0) as u32,
        Operator::Cmp(c) => 12 + CmpOp::ALL.iter().position(|x| *x == c).unwrap_or(0) as u32,
    }
}

/// The operator with index `i` (see [`op_index`]); `None` if out of range.
pub fn op_from_index(i: u64) -> Option<Operator> {
    let i = usize::try_from(i).ok()?;
    if i < 12 {
        Some(Operator::Bin(BinOp::ALL[i]))
    } else if i < 18 {
        Some(Operator::Cmp(CmpOp::ALL[i - 12]))
    } else {
        None
    }
}
