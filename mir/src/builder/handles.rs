//! The builder's opaque handles: [`Variable`], [`Loop`], and the salted conversions between the
//! [`Block`]/[`Value`] handles a [`FunctionBuilder`] gives out and its internal indexes.

use super::*;
use crate::ir::{Block, Value};

/// A frontend variable, turned into SSA values by the builder (see [`FunctionBuilder::def_var`],
/// [`FunctionBuilder::use_var`]). Variables are untyped, like every MIR14 value.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Variable {
    pub(super) tag: u32,
    pub(super) index: u32,
}

/// An open loop made by [`FunctionBuilder::begin_loop`]; closed (consumed) by
/// [`FunctionBuilder::end_loop`]. Not `Clone`: a loop cannot be ended twice.
#[derive(Debug, PartialEq, Eq)]
#[must_use = "a loop must be closed with FunctionBuilder::end_loop"]
pub struct Loop {
    pub(super) tag: u32,
    pub(super) index: usize,
    pub(super) header: Block,
    pub(super) body: Block,
    pub(super) latch: Block,
    pub(super) exit: Block,
}

impl Loop {
    /// The header: where the condition is computed and the variables' loop phis live.
    pub fn header(&self) -> Block {
        self.header
    }

    /// The first block of the body (the header's branch target when the condition holds).
    pub fn body(&self) -> Block {
        self.body
    }

    /// The latch: the single block jumping back to the header; `continue` jumps here.
    pub fn latch(&self) -> Block {
        self.latch
    }

    /// The exit: where the loop goes when the condition fails, and on `break`.
    pub fn exit(&self) -> Block {
        self.exit
    }
}

impl FunctionBuilder {
    pub(super) fn ext_block(&self, b: u32) -> Block {
        Block(b ^ self.block_salt)
    }

    pub(super) fn int_block(&self, b: Block) -> Result<u32, BuildError> {
        let i = b.0 ^ self.block_salt;
        if (i as usize) < self.blocks.len() {
            Ok(i)
        } else {
            Err(BuildError::ForeignBlock(b))
        }
    }

    pub(super) fn ext_value(&self, v: u32) -> Value {
        Value(v ^ self.value_salt)
    }

    pub(super) fn int_value(&self, v: Value) -> Result<u32, BuildError> {
        let i = v.0 ^ self.value_salt;
        if (i as usize) < self.values.len() {
            Ok(i)
        } else {
            Err(BuildError::ForeignValue(v))
        }
    }

    pub(super) fn int_values(&self, vs: &[Value]) -> Result<Vec<Value>, BuildError> {
        vs.iter().map(|v| self.int_value(*v).map(Value)).collect()
    }

    pub(super) fn int_var(&self, var: Variable) -> Result<u32, BuildError> {
        if var.tag == self.tag && var.index < self.var_count {
            Ok(var.index)
        } else {
            Err(BuildError::ForeignVariable)
        }
    }

    pub(super) fn new_value(&mut self) -> u32 {
        self.values.push(String::new());
        (self.values.len() - 1) as u32
    }
}
