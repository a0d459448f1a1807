//! The names compiled code refers to by index (string constants, field and method names),
//! collected from the module in the same order at compile time and at run time.

use mir14_mir::{Constant, Inst, Module};
use std::collections::HashMap;

/// The names compiled code refers to by index: string constants, field and method names.
/// Collected from the module in a fixed order, so compile time and run time agree.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Symbols {
    /// String constants.
    pub strings: Vec<String>,
    /// Field names of `load`/`store`.
    pub fields: Vec<String>,
    /// Method names of method calls.
    pub methods: Vec<String>,
    index: [HashMap<String, u32>; 3],
}

impl Symbols {
    /// Collects every string constant, field name and method name of `m`.
    pub fn collect(m: &Module) -> Symbols {
        let mut s = Symbols::default();
        for f in m.functions.values() {
            for b in f.blocks.values() {
                for inst in &b.insts {
                    match inst {
                        Inst::Const {
                            value: Constant::Str(x),
                            ..
                        } => {
                            s.intern(0, x);
                        }
                        Inst::Load { field, .. } | Inst::Store { field, .. } => {
                            s.intern(1, field);
                        }
                        Inst::Call {
                            callee: mir14_mir::Callee::Method { method, .. },
                            ..
                        } => {
                            s.intern(2, method);
                        }
                        _ => {}
                    }
                }
            }
        }
        s
    }

    fn intern(&mut self, kind: usize, name: &str) -> u32 {
        if let Some(i) = self.index[kind].get(name) {
            return *i;
        }
        let list = match kind {
            0 => &mut self.strings,
            1 => &mut self.fields,
            _ => &mut self.methods,
        };
        let i = list.len() as u32;
        list.push(name.to_owned());
        self.index[kind].insert(name.to_owned(), i);
        i
    }

    /// The index of string constant `s` (0 if it was not collected).
    pub fn string(&self, s: &str) -> u32 {
        self.index[0].get(s).copied().unwrap_or(0)
    }

    /// The index of field name `s` (0 if it was not collected).
    pub fn field(&self, s: &str) -> u32 {
        self.index[1].get(s).copied().unwrap_or(0)
    }

    /// The index of method name `s` (0 if it was not collected).
    pub fn method(&self, s: &str) -> u32 {
        self.index[2].get(s).copied().unwrap_or(0)
    }
}
