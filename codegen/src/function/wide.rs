//! Wide joins: MIR blocks with at least [`WIDE_JOIN_PREDS`] predecessors. Two parts of
//! regalloc2 are quadratic on such a block under a deep dominator chain (a dispatcher chain
//! whose every arm jumps to one join): its dominator tree (Cooper-Harvey-Kennedy, each
//! predecessor walks up to the join's dominator) and its block-parameter move insertion (every
//! later virtual register rescans the join parameter's `n` incoming moves at each block it
//! covers). So a wide join is translated differently:
//! - its phis are passed through memory, not block parameters: each incoming edge stores its
//!   inputs (tag unless the phi's type fixes it, then bits) into the join's stack slot, after
//!   reading them all and after the edge's fuel check, and the join loads them at its start.
//!   Nothing runs between the stores and the loads but jumps (no call, so no safepoint: the
//!   collector's roots are the loaded SSA values, published as before), and every input is
//!   read before the first store, so the edge is still a parallel copy;
//! - its incoming edges enter through a tree of forwarding blocks (fan-in at most
//!   [`FAN_IN`], consecutive predecessors share a leaf): each block of the tree has a short
//!   dominator walk, `n log n` in all. The forwarding blocks hold only a jump, which Cranelift's
//!   code emission folds away (a branch to them goes straight to the join).

use super::{FnTranslator, Pair};
use cranelift_codegen::ir::{self, types, InstBuilder, StackSlotData, StackSlotKind};
use cranelift_module::Module;
use mir14_mir::analysis::Cfg;
use mir14_mir::{Block, Function, Inst, Value};
use std::collections::HashMap;

use crate::compile::WIDE_JOIN_PREDS;

/// The most edges a block of the forwarding tree receives.
pub(crate) const FAN_IN: usize = 16;

/// One wide join.
struct WideJoin {
    /// The slot its phis travel through (16 bytes per phi: tag, bits); `None` without phis.
    slot: Option<ir::StackSlot>,
    /// Per predecessor: the leaf of the forwarding tree its edge enters.
    leaf_of: HashMap<Block, ir::Block>,
    /// The jumps of the forwarding tree (from, to), filled at the end of the function.
    forward: Vec<(ir::Block, ir::Block)>,
}

/// The wide joins of the function being translated.
#[derive(Default)]
pub(crate) struct WideJoins {
    joins: HashMap<Block, WideJoin>,
}

/// The phis of `b` (the leading `phi` instructions of a block).
fn phis(f: &Function, b: Block) -> impl Iterator<Item = Value> + '_ {
    f.blocks[b].insts.iter().map_while(|i| match i {
        Inst::Phi { dest, .. } => Some(*dest),
        _ => None,
    })
}

impl<M: Module> FnTranslator<'_, '_, M> {
    /// Finds the wide joins of the function, creates their slots and forwarding trees (the
    /// tree's blocks are filled by [`FnTranslator::fill_wide_joins`]), and maps each tree
    /// block to `blocks` (the Cranelift block of each MIR block).
    pub(super) fn plan_wide_joins(&mut self, cfg: &Cfg, blocks: &[ir::Block]) {
        let f = self.func;
        for b in f.blocks.keys() {
            let preds = cfg.predecessors(b);
            if preds.len() < WIDE_JOIN_PREDS {
                continue;
            }
            let nphis = phis(f, b).count();
            let slot = (nphis > 0).then(|| {
                self.b.create_sized_stack_slot(StackSlotData::new(
                    StackSlotKind::ExplicitSlot,
                    (16 * nphis) as u32,
                    3,
                ))
            });
            // The leaves: consecutive predecessors share one.
            let mut leaf_of = HashMap::new();
            let mut level: Vec<ir::Block> = Vec::new();
            for (i, &p) in preds.iter().enumerate() {
                if i % FAN_IN == 0 {
                    level.push(self.b.create_block());
                }
                leaf_of.insert(p, *level.last().expect("a leaf"));
            }
            // Inner levels until at most FAN_IN blocks remain; they jump to the join.
            let mut forward = Vec::new();
            while level.len() > FAN_IN {
                let mut up = Vec::new();
                for (i, &blk) in level.iter().enumerate() {
                    if i % FAN_IN == 0 {
                        up.push(self.b.create_block());
                    }
                    forward.push((blk, *up.last().expect("a parent")));
                }
                level = up;
            }
            forward.extend(level.into_iter().map(|blk| (blk, blocks[b.index()])));
            self.wide.joins.insert(
                b,
                WideJoin {
                    slot,
                    leaf_of,
                    forward,
                },
            );
        }
    }

    /// Whether MIR block `b` is a wide join (its phis are not block parameters).
    pub(super) fn is_wide(&self, b: Block) -> bool {
        self.wide.joins.contains_key(&b)
    }

    /// The Cranelift block the edge `from → to` jumps to after its copies: `to`'s block, or
    /// for a wide join the leaf of its forwarding tree.
    pub(super) fn edge_dest(&self, from: Block, to: Block, blocks: &[ir::Block]) -> ir::Block {
        self.wide
            .joins
            .get(&to)
            .and_then(|w| w.leaf_of.get(&from).copied())
            .unwrap_or(blocks[to.index()])
    }

    /// Stores the phi inputs `vals` (one pair per phi of wide join `to`, all read already)
    /// into its slot.
    pub(super) fn store_wide_phis(&mut self, to: Block, vals: &[Pair]) {
        let Some(slot) = self.wide.joins.get(&to).and_then(|w| w.slot) else {
            return;
        };
        let f = self.func;
        for (k, (dest, p)) in phis(f, to).zip(vals).enumerate() {
            let off = (16 * k) as i32;
            if self.known_tag(dest).is_none() {
                self.b.ins().stack_store(self.ptr, p.tag, slot, off);
            }
            self.b.ins().stack_store(self.ptr, p.bits, slot, off + 8);
        }
    }

    /// At the start of wide join `b`: loads each of its phis from the slot, unless already
    /// defined (an OSR entry defines the phis of blocks before its header with the values of
    /// the interpreter's frame).
    pub(super) fn load_wide_phis(&mut self, b: Block) {
        let Some(slot) = self.wide.joins.get(&b).and_then(|w| w.slot) else {
            return;
        };
        let f = self.func;
        for (k, dest) in phis(f, b).enumerate() {
            if self.vars.contains_key(&dest) {
                continue;
            }
            let off = (16 * k) as i32;
            let bits = self.b.ins().stack_load(self.ptr, types::I64, slot, off + 8);
            let tag = if self.known_tag(dest).is_none() {
                self.b.ins().stack_load(self.ptr, types::I64, slot, off)
            } else {
                bits
            };
            self.def(dest, Pair { tag, bits });
        }
    }

    /// Fills the forwarding trees of the wide joins (each block jumps to its parent).
    pub(super) fn fill_wide_joins(&mut self) {
        let mut jumps: Vec<(ir::Block, ir::Block)> = self
            .wide
            .joins
            .values()
            .flat_map(|w| w.forward.iter().copied())
            .collect();
        // A fixed order, so that the code does not depend on the hash map's.
        jumps.sort();
        for (from, to) in jumps {
            self.b.switch_to_block(from);
            self.b.ins().jump(to, &[]);
        }
    }
}
