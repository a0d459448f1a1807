//! The named form of a module: every reference written as a name, as in the text form. It is the
//! JSON schema ([`crate::json`] serializes it with serde) and what the text parser builds
//! before resolving names; the printer raises a module to it. So the text and JSON forms name,
//! resolve and check names identically.
//!
//! * `raise`: a [`Module`] to its document (never panics; dangling ids get the `?` spellings of
//!   [`crate::display`]).
//! * `lower`: a document to a [`Module`], resolving names (first declaration wins; values
//!   numbered canonically); `check_names` checks that every name is legal in the text form.
//! * [`syntax`]: what an identifier, a value name, a function name and a float literal are.

mod raise;
mod resolve;
pub mod syntax;

pub(crate) use raise::{raise, raise_fn, raise_inst};
pub(crate) use resolve::{check_names, lower};

use crate::display::EntityNames;
#[cfg(doc)]
use crate::ir::Module;
use crate::ir::{Block, BoxId, FuncId, Ieee64};
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A module with every reference written as a name: the JSON schema, and what the text parser
/// builds before resolving names.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ModuleDoc {
    /// The schema version; always 1.
    #[serde(deserialize_with = "de_version")]
    pub mir14: u64,
    /// The box declarations.
    #[serde(default)]
    pub boxes: Vec<BoxDoc>,
    /// The functions.
    #[serde(default)]
    pub functions: Vec<FuncDoc>,
    /// The `import` declarations (absent when there are none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub imports: Vec<ImportDoc>,
}

/// An `import` declaration: `{"name": "c.strlen", "params": ["String"], "result": "Integer"}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ImportDoc {
    /// The dotted name, `c.NAME` or `host.NAME`.
    pub name: String,
    /// The parameter type names.
    #[serde(default)]
    pub params: Vec<String>,
    /// The result type name.
    pub result: String,
}

fn de_version<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    let v = u64::deserialize(d)?;
    if v != 1 {
        return Err(de::Error::custom(format!(
            "unsupported mir14 version {v} (expected 1)"
        )));
    }
    Ok(v)
}

/// A box declaration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct BoxDoc {
    pub name: String,
    #[serde(default)]
    pub fields: Vec<String>,
}

/// A function.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FuncDoc {
    pub name: String,
    #[serde(default)]
    pub params: Vec<ParamDoc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ret_type: Option<String>,
    #[serde(default)]
    pub loops: Vec<LoopDoc>,
    #[serde(default)]
    pub blocks: Vec<BlockDoc>,
}

/// A parameter.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ParamDoc {
    pub name: String,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub ty: Option<String>,
}

/// A loop declaration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LoopDoc {
    pub header: String,
    pub body: String,
    pub latch: String,
    pub exit: String,
}

/// A block.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct BlockDoc {
    pub label: String,
    #[serde(default)]
    pub insts: Vec<InstDoc>,
}

/// A phi input.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PhiInputDoc {
    pub block: String,
    pub value: String,
}

/// A callee of `call`: exactly one of the forms described in the module doc.
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CalleeDoc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receiver: Option<String>,
    #[serde(rename = "box", default, skip_serializing_if = "Option::is_none")]
    pub box_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// A literal of `const`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum ConstDoc {
    Int(i64),
    Float(FloatLit),
    Bool(bool),
    String(String),
    Void,
    Function(String),
}

/// A float, serialized as its text form so that NaN, infinities and -0.0 survive.
#[derive(Copy, Clone, Debug)]
pub(crate) struct FloatLit(pub f64);

impl PartialEq for FloatLit {
    fn eq(&self, other: &Self) -> bool {
        Ieee64::new(self.0) == Ieee64::new(other.0)
    }
}

impl Serialize for FloatLit {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("{:?}", self.0))
    }
}

impl<'de> Deserialize<'de> for FloatLit {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = FloatLit;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a float as a string (\"1.5\", \"NaN\", \"-inf\") or a number")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<FloatLit, E> {
                syntax::parse_float_text(s).map(FloatLit).map_err(E::custom)
            }
            fn visit_f64<E: de::Error>(self, x: f64) -> Result<FloatLit, E> {
                Ok(FloatLit(x))
            }
            fn visit_i64<E: de::Error>(self, x: i64) -> Result<FloatLit, E> {
                Ok(FloatLit(x as f64))
            }
            fn visit_u64<E: de::Error>(self, x: u64) -> Result<FloatLit, E> {
                Ok(FloatLit(x as f64))
            }
        }
        d.deserialize_any(V)
    }
}

/// An instruction, tagged by its opcode mnemonic.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "lowercase", deny_unknown_fields)]
pub(crate) enum InstDoc {
    Const {
        dest: String,
        value: ConstDoc,
    },
    Unary {
        dest: String,
        operator: String,
        arg: String,
    },
    Binop {
        dest: String,
        operator: String,
        lhs: String,
        rhs: String,
    },
    Compare {
        dest: String,
        operator: String,
        lhs: String,
        rhs: String,
    },
    Typeop {
        dest: String,
        kind: String,
        arg: String,
        #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
        ty: Option<String>,
    },
    Load {
        dest: String,
        obj: String,
        field: String,
    },
    Store {
        obj: String,
        field: String,
        value: String,
    },
    Branch {
        cond: String,
        then: String,
        #[serde(rename = "else")]
        else_: String,
    },
    Jump {
        target: String,
    },
    Ret {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        value: Option<String>,
    },
    Phi {
        dest: String,
        #[serde(default)]
        inputs: Vec<PhiInputDoc>,
    },
    New {
        dest: String,
        class: String,
        #[serde(default)]
        args: Vec<String>,
    },
    Call {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        dest: Option<String>,
        /// `tail call` (JSON `"tail": true`, left out when false).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        tail: bool,
        callee: CalleeDoc,
        #[serde(default)]
        args: Vec<String>,
    },
    Extern {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        dest: Option<String>,
        name: String,
        #[serde(default)]
        args: Vec<String>,
    },
}

impl EntityNames for ModuleDoc {
    fn function(&self, f: FuncId) -> Option<&str> {
        self.functions.get(f.index()).map(|d| d.name.as_str())
    }

    fn box_decl(&self, b: BoxId) -> Option<&str> {
        self.boxes.get(b.index()).map(|d| d.name.as_str())
    }

    fn block(&self, f: FuncId, b: Block) -> Option<&str> {
        let fd = self.functions.get(f.index())?;
        fd.blocks.get(b.index()).map(|d| d.label.as_str())
    }

    fn param(&self, f: FuncId, i: usize) -> Option<&str> {
        let fd = self.functions.get(f.index())?;
        fd.params.get(i).map(|p| p.name.as_str())
    }
}
