//! Values as the embedder holds them: a MIR14 value tagged with its instance.

use mir14_mir::{Module, Operator};
use mir14_rt::{op_from_index, Val, ARRAY, BOOL, FLOAT, FUNC, INT, MAP, OP, STR, USER, VOID};

/// A MIR14 value held by the embedder. Void, Bools, Integers, Floats and operator boxes belong to
/// no instance; Strings, arrays, maps, user boxes and FunctionBoxes belong to the instance that
/// made them and are refused by any other.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Value {
    val: Val,
    owner: u64,
}

impl Value {
    /// `void`.
    pub const VOID: Value = Value {
        val: Val::VOID,
        owner: 0,
    };

    /// An Integer.
    pub fn int(i: i64) -> Value {
        Value::free(Val::int(i))
    }

    /// A Float.
    pub fn float(f: f64) -> Value {
        Value::free(Val::float(f))
    }

    /// A Bool.
    pub fn bool(b: bool) -> Value {
        Value::free(Val::bool(b))
    }

    /// An operator box (`add`, `lt`, ...).
    pub fn operator(op: Operator) -> Value {
        Value::free(Val::op(op))
    }

    fn free(val: Val) -> Value {
        Value { val, owner: 0 }
    }

    /// `val` as made by instance `owner` (no owner for values that need none).
    pub(crate) fn owned(val: Val, owner: u64) -> Value {
        let owner = if val.is_heap() || val.tag == FUNC {
            owner
        } else {
            0
        };
        Value { val, owner }
    }

    /// The raw value if instance `id` may use it.
    pub(crate) fn raw_for(self, id: u64) -> Option<Val> {
        (self.owner == 0 || self.owner == id).then_some(self.val)
    }

    /// The Integer, if this is one.
    pub fn as_int(self) -> Option<i64> {
        (self.val.tag == INT).then(|| self.val.as_int())
    }

    /// The Float, if this is one.
    pub fn as_float(self) -> Option<f64> {
        (self.val.tag == FLOAT).then(|| self.val.as_float())
    }

    /// The Bool, if this is one.
    pub fn as_bool(self) -> Option<bool> {
        (self.val.tag == BOOL).then(|| self.val.as_bool())
    }

    /// True for `void`.
    pub fn is_void(self) -> bool {
        self.val.tag == VOID
    }

    /// The raw runtime value (tag and payload), for code that talks to `mir14-rt` directly.
    pub fn raw(self) -> Val {
        self.val
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Value {
        Value::int(i)
    }
}

impl From<f64> for Value {
    fn from(f: f64) -> Value {
        Value::float(f)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::bool(b)
    }
}

/// What a value is, with the contents of boxes borrowed from their instance
/// ([`Instance::inspect`](crate::Instance::inspect)).
#[derive(Clone, Debug, PartialEq)]
pub enum ValueRef<'a> {
    /// `void`.
    Void,
    /// A Bool.
    Bool(bool),
    /// An Integer.
    Int(i64),
    /// A Float.
    Float(f64),
    /// A String.
    Str(&'a str),
    /// An ArrayBox's elements.
    Array(Vec<Value>),
    /// A MapBox's entries in insertion order.
    Map(Vec<(Value, Value)>),
    /// A FunctionBox: the function's name (without `@`).
    Function(&'a str),
    /// An operator box.
    Operator(Operator),
    /// A user box instance: its box name and its fields in declaration order.
    User {
        /// The box's name.
        box_name: &'a str,
        /// `(field name, value)` pairs.
        fields: Vec<(&'a str, Value)>,
    },
}

/// Describes `v` (a value of the instance `owner` running `module`).
pub(crate) fn inspect(v: Val, module: &Module, owner: u64) -> ValueRef<'_> {
    let own = |v: Val| Value::owned(v, owner);
    match v.tag {
        BOOL => ValueRef::Bool(v.as_bool()),
        INT => ValueRef::Int(v.as_int()),
        FLOAT => ValueRef::Float(v.as_float()),
        // SAFETY of the accessors: `v` is a heap value of the owner's live heap (kept alive by
        // the root stack until `release_values`, which retires the owner id).
        STR => ValueRef::Str(mir14_rt::str_of(v)),
        ARRAY => ValueRef::Array(mir14_rt::array_mut(v).iter().map(|x| own(*x)).collect()),
        MAP => ValueRef::Map(
            mir14_rt::map_mut(v)
                .entries()
                .into_iter()
                .map(|(k, x)| (own(k), own(x)))
                .collect(),
        ),
        FUNC => ValueRef::Function(
            module
                .functions
                .values()
                .nth(v.bits as usize)
                .map_or("?", |f| &f.name),
        ),
        OP => op_from_index(v.bits).map_or(ValueRef::Void, ValueRef::Operator),
        USER => {
            let obj = mir14_rt::user_mut(v);
            let b = module.boxes.values().nth(obj.box_id as usize);
            ValueRef::User {
                box_name: b.map_or("?", |b| &b.name),
                fields: obj
                    .fields
                    .iter()
                    .enumerate()
                    .map(|(i, x)| {
                        let name = b.and_then(|b| b.fields.get(i)).map_or("?", |s| &s[..]);
                        (name, own(*x))
                    })
                    .collect(),
            }
        }
        _ => ValueRef::Void,
    }
}
