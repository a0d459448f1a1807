//! Definition sites of values.

use crate::entity::SecondaryMap;
use crate::ir::{Block, Function, Value};

/// Where a value is defined.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum DefSite {
    /// The `n`-th parameter (defined on entry, before the entry block's first instruction).
    Param(usize),
    /// The result of instruction `index` of `block`.
    Inst(Block, usize),
}

impl DefSite {
    /// The block the definition is in (the entry block for parameters).
    pub fn block(self) -> Block {
        match self {
            DefSite::Param(_) => Block(0),
            DefSite::Inst(b, _) => b,
        }
    }
}

/// The definition site of every value of `f`: `defs[v]` is `None` for a value defined nowhere.
/// A value defined more than once (invalid) maps to its first definition (parameters first,
/// then in block order). Definitions of values out of range are ignored.
pub fn def_sites(f: &Function) -> SecondaryMap<Value, Option<DefSite>> {
    let mut defs: SecondaryMap<Value, Option<DefSite>> =
        SecondaryMap::with_capacity(f.values.len());
    for (i, p) in f.params.iter().enumerate() {
        if f.values.contains(p.value) && defs[p.value].is_none() {
            defs[p.value] = Some(DefSite::Param(i));
        }
    }
    for (b, data) in f.blocks.iter() {
        for (i, inst) in data.insts.iter().enumerate() {
            if let Some(d) = inst.dest() {
                if f.values.contains(d) && defs[d].is_none() {
                    defs[d] = Some(DefSite::Inst(b, i));
                }
            }
        }
    }
    defs
}
