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
//!   dominator walk, `n log n` in all. The forwarding blocks hold only a jump (and whatever
//!   moves the register allocator puts on their edges): at run time an entry into the join
//!   takes `log16 n` jumps more.

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::jit_module;
    use crate::{translate_module, TranslateOptions};
    use mir14_rt::abi::{self as rtabi, ArrayEntry, Ctx};
    use mir14_rt::{Config, Io, Val};

    /// The number of dispatcher arms below (an even number: the last arm is odd, so the join
    /// has N + 1 predecessors), past the threshold.
    const N: usize = WIDE_JOIN_PREDS + 44;

    /// The MIR text of `@pick(%i, %w)` and `@swap(%i)`. Both start with a dispatcher chain:
    /// `d_k` enters the join when `%i == k`, straight from its `branch` when k is even, through
    /// `j_k` (which jumps) when k is odd; the last one's fall-through enters too, with the last
    /// arm's inputs.
    /// - `@pick`: the join's `%p` is an Integer (7k, k % 3 == 0), a Float (k.5) or a Bool, so
    ///   its tag travels too; `%q` = 10k is an Integer (only its bits travel). It returns `%p`
    ///   when `%w` is true, else `%q`.
    /// - `@swap`: the join is also a loop header, entered with `%a = k`, `%b = 0 - k`; its back
    ///   edge swaps them three times (a parallel copy through the slot), then it returns
    ///   `%a - %b`, which is -2k.
    fn source() -> String {
        let via = |k: usize| {
            if k.is_multiple_of(2) {
                format!("d{k}")
            } else {
                format!("j{k}")
            }
        };
        let mut preds: Vec<(String, usize)> = (0..N).map(|k| (via(k), k)).collect();
        preds.push((format!("d{}", N - 1), N - 1));
        let phi = |val: &dyn Fn(usize) -> String| {
            preds
                .iter()
                .map(|(b, k)| format!("[{b}: {}]", val(*k)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut s = String::new();
        for (name, params) in [("pick", "%i, %w"), ("swap", "%i")] {
            s += &format!("fn @{name}({params}) {{\nentry:\n  %zero = const 0\n  jump d0\n");
            for k in 0..N {
                let p = match k % 3 {
                    0 => format!("{}", 7 * k),
                    1 => format!("{k}.5"),
                    _ => (k % 4 == 2).to_string(),
                };
                s += &format!(
                    "d{k}:\n  %k{k} = const {k}\n  %p{k} = const {p}\n  %q{k} = const {}\n  \
                     %m{k} = binop sub %zero, %k{k}\n  %c{k} = compare eq %i, %k{k}\n",
                    10 * k
                );
                let next = if k + 1 < N {
                    format!("d{}", k + 1)
                } else {
                    "join".to_string()
                };
                if k.is_multiple_of(2) {
                    s += &format!("  branch %c{k}, join, {next}\n");
                } else {
                    s += &format!("  branch %c{k}, j{k}, {next}\nj{k}:\n  jump join\n");
                }
            }
            if name == "pick" {
                s += &format!(
                    "join:\n  %p = phi {}\n  %q = phi {}\n  branch %w, pp, qq\n\
                     pp:\n  ret %p\nqq:\n  ret %q\n}}\n\n",
                    phi(&|k| format!("%p{k}")),
                    phi(&|k| format!("%q{k}"))
                );
            } else {
                s += &format!(
                    "join:\n  %a = phi {}, [back: %b]\n  %b = phi {}, [back: %a]\n  \
                     %n = phi {}, [back: %n1]\n  %one = const 1\n  %three = const 3\n  \
                     %go = compare lt %n, %three\n  branch %go, back, out\n\
                     back:\n  %n1 = binop add %n, %one\n  jump join\n\
                     out:\n  %r = binop sub %a, %b\n  ret %r\n}}\n",
                    phi(&|k| format!("%k{k}")),
                    phi(&|k| format!("%m{k}")),
                    phi(&|_| "%zero".to_string())
                );
            }
        }
        s
    }

    #[test]
    fn wide_joins_receive_the_inputs_of_each_predecessor() {
        const { assert!(N.is_multiple_of(2)) };
        let (mir, _) = mir14_mir::parse(&source()).expect("parses");
        mir14_mir::verify(&mir).expect("verifies");
        // Each join has N + 1 predecessors (@swap's one more): both are wide.
        for f in mir.functions.values() {
            let cfg = Cfg::new(f);
            let join = f.blocks.keys().find(|b| f.blocks[*b].label == "join");
            let preds = cfg.predecessors(join.expect("a join")).len();
            assert!(preds > N && N >= WIDE_JOIN_PREDS, "{preds}");
        }
        for fuel in [false, true] {
            let mut module = jit_module();
            let opts = TranslateOptions {
                fuel,
                ..TranslateOptions::default()
            };
            let t = translate_module(&mut module, &mir, opts).expect("translates");
            module.finalize_definitions().expect("finalizes");
            let entries: Vec<ArrayEntry> = t
                .array
                .iter()
                .map(|id| {
                    let p = module.get_finalized_function(*id);
                    // SAFETY: every array entry has the `ArrayEntry` signature.
                    unsafe { std::mem::transmute::<*const u8, ArrayEntry>(p) }
                })
                .collect();
            let mut ctx = Ctx::new(
                &mir,
                Config::default(),
                Io::captured(Vec::new()),
                &entries,
                &t.symbols,
            );
            let pick = mir.function_by_name("pick").expect("@pick");
            let swap = mir.function_by_name("swap").expect("@swap");
            // Every arm, and no arm (the last dispatcher's fall-through).
            for i in 0..=N {
                let k = i.min(N - 1);
                let p = match k % 3 {
                    0 => Val::int(7 * k as i64),
                    1 => Val::float(k as f64 + 0.5),
                    _ => Val::bool(k % 4 == 2),
                };
                let arg = Val::int(i as i64);
                let got = rtabi::call_compiled(&mut ctx, pick, &[arg, Val::TRUE]).expect("runs");
                assert_eq!((got.tag, got.bits), (p.tag, p.bits), "%p of arm {i}");
                let got = rtabi::call_compiled(&mut ctx, pick, &[arg, Val::FALSE]).expect("runs");
                assert_eq!(got.as_int(), 10 * k as i64, "%q of arm {i}");
                let got = rtabi::call_compiled(&mut ctx, swap, &[arg]).expect("runs");
                assert_eq!(got.as_int(), -2 * k as i64, "@swap of arm {i}");
            }
            drop(ctx);
            // SAFETY: no code of the module runs any more.
            unsafe { module.free_memory() };
        }
    }

    #[test]
    fn an_osr_entry_at_a_wide_join_enters_through_its_slot() {
        let (mir, _) = mir14_mir::parse(&source()).expect("parses");
        mir14_mir::verify(&mir).expect("verifies");
        let mir = std::sync::Arc::new(mir);
        let mut module = jit_module();
        let links = crate::TierLinks { table: 0, enter: 0 };
        let opts = TranslateOptions::default();
        let mut lazy =
            crate::LazyModule::new(&mut module, std::sync::Arc::clone(&mir), opts, links)
                .expect("declares");
        // @swap's loop header is the wide join: the entry stores the header's phis (read from
        // the frame) into the join's slot, the join loads them.
        let swap = mir.function_by_name("swap").expect("@swap");
        let f = &mir.functions[swap];
        let join = f.blocks.keys().find(|b| f.blocks[*b].label == "join");
        let join = join.expect("a join");
        let ir = lazy.build_osr(&mut module, swap, join).expect("translates");
        let code = crate::compile_function(module.isa(), ir).expect("compiles");
        crate::define_compiled(&mut module, &code).expect("defines");
        module.finalize_definitions().expect("finalizes");
        type OsrEntry = unsafe extern "C" fn(*mut Ctx, *const Val) -> Val;
        let p = module.get_finalized_function(code.id);
        // SAFETY: the entry was declared with `osr_signature`.
        let entry = unsafe { std::mem::transmute::<*const u8, OsrEntry>(p) };
        let mut ctx = Ctx::new(
            &mir,
            Config::default(),
            Io::captured(Vec::new()),
            &[],
            &lazy.symbols,
        );
        let [a, b, n]: [Value; 3] = phis(f, join)
            .collect::<Vec<_>>()
            .try_into()
            .expect("3 phis");
        // With %a = 5, %b = -5 and %n swaps done, 3 - %n are left: the result is %a - %b
        // after them.
        for (done, want) in [(0, -10), (1, 10), (2, -10), (3, 10)] {
            let mut vals = vec![Val::VOID; f.values.len()];
            vals[a.index()] = Val::int(5);
            vals[b.index()] = Val::int(-5);
            vals[n.index()] = Val::int(done);
            // The activation is counted by the interpreter that enters here.
            ctx.depth = 1;
            // SAFETY: `vals` holds one value per value of @swap, `ctx` is this module's.
            let got = unsafe { entry(&mut ctx, vals.as_ptr()) };
            assert_eq!((got.tag, got.as_int()), (Val::int(0).tag, want), "{done}");
        }
        drop(ctx);
        // SAFETY: no code of the module runs any more.
        unsafe { module.free_memory() };
    }
}
