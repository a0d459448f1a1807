//! The collector's roots in compiled frames (spec §5 "Roots"): a function whose
//! possibly-heap values are live across a safepoint gets a *root area*, a stack slot laid out as
//! [`mir14_rt::abi::RootArea`] (previous area, count, values). The prologue links it into the
//! run's context ([`rtabi::CTX_ROOTS`]) before anything can trap; every way out (return, tail
//! call, the trap exit) unlinks it; before each safepoint the values live there
//! ([`SafepointRoots`]) are stored into it with their count. Values whose type inference
//! proves them Integer, Float, Bool, Void or a FunctionBox/operator box are left out (never
//! heap objects), and so are constants (pinned or not heap). A function without such values
//! gets no area and pays nothing.

use super::{FnTranslator, Pair};
use cranelift_codegen::ir::{self, types, InstBuilder, MemFlagsData, StackSlotData, StackSlotKind};
use cranelift_module::Module;
use mir14_mir::analysis::SafepointRoots;
use mir14_mir::{Block, Inst, Value};
use mir14_rt as tags;
use mir14_rt::abi as rtabi;
use std::collections::HashMap;

/// The root area of the function being translated.
#[derive(Default)]
pub(crate) struct GcRoots {
    /// The stack slot (`None`: the function needs none).
    slot: Option<ir::StackSlot>,
    /// The roots of each safepoint.
    points: SafepointRoots,
    /// Per value: whether it may be a heap object (and so is stored).
    heapish: Vec<bool>,
    /// What the area holds at this point of the block being translated: the value at each
    /// index (`None`: unknown) and the count (`None`: unknown). Safepoints of one block run in
    /// order and nothing else writes the area, so a value already at its index is not
    /// stored again.
    layout: Vec<Option<Value>>,
    count: Option<usize>,
    /// The MIR block `layout` describes.
    block: Option<Block>,
}

impl<M: Module> FnTranslator<'_, '_, M> {
    /// Plans the root area and, if the function needs one, links it into the context: at the
    /// very start of the function (before the depth check), so that every way out unlinks an
    /// area that was linked.
    pub(super) fn link_roots(&mut self) {
        let f = self.func;
        let points = SafepointRoots::of(f);
        let mut heapish = vec![false; f.values.len()];
        for (i, h) in heapish.iter_mut().enumerate() {
            *h = match self.known_tag(Value(i as u32)) {
                None => true,
                Some(t) => matches!(t, tags::STR | tags::ARRAY | tags::MAP | tags::USER),
            };
        }
        for bd in f.blocks.values() {
            for inst in &bd.insts {
                if let Inst::Const { dest, .. } = inst {
                    if let Some(h) = heapish.get_mut(dest.index()) {
                        *h = false;
                    }
                }
            }
        }
        let most = points
            .iter()
            .map(|(_, _, vs)| vs.iter().filter(|v| heapish[v.index()]).count())
            .max()
            .unwrap_or(0);
        self.roots = GcRoots {
            slot: None,
            points,
            heapish,
            layout: Vec::new(),
            count: None,
            block: None,
        };
        if most == 0 {
            return;
        }
        let size = rtabi::ROOT_AREA_VALUES as usize + 16 * most;
        let slot = self.b.create_sized_stack_slot(StackSlotData::new(
            StackSlotKind::ExplicitSlot,
            size as u32,
            3,
        ));
        self.roots.slot = Some(slot);
        let cx = self.ctx();
        let flags = MemFlagsData::trusted();
        let prev = self.b.ins().load(types::I64, flags, cx, rtabi::CTX_ROOTS);
        self.b
            .ins()
            .stack_store(self.ptr, prev, slot, rtabi::ROOT_AREA_PREV);
        let zero = self.b.ins().iconst(types::I64, 0);
        self.b
            .ins()
            .stack_store(self.ptr, zero, slot, rtabi::ROOT_AREA_COUNT);
        let addr = self.b.ins().stack_addr(self.ptr, slot, 0);
        self.b.ins().store(flags, addr, cx, rtabi::CTX_ROOTS);
    }

    /// Unlinks the root area (before every return, tail call and the trap exit's return).
    pub(super) fn unlink_roots(&mut self) {
        let Some(slot) = self.roots.slot else {
            return;
        };
        let prev = self
            .b
            .ins()
            .stack_load(self.ptr, types::I64, slot, rtabi::ROOT_AREA_PREV);
        let cx = self.ctx();
        self.b
            .ins()
            .store(MemFlagsData::trusted(), prev, cx, rtabi::CTX_ROOTS);
    }

    /// Stores the roots of safepoint `inst` (index `i` of block `bid`) into the area, before
    /// the instruction runs. The result of `new` of a user box is stored later, by
    /// [`FnTranslator::publish_new_box`], once it exists.
    pub(super) fn publish_roots(&mut self, bid: Block, i: usize, inst: &Inst) {
        let Some(slot) = self.roots.slot else {
            return;
        };
        let Some(list) = self.roots.points.at(bid, i) else {
            return;
        };
        let dest = inst.dest();
        let vals: Vec<Value> = list
            .iter()
            .copied()
            .filter(|v| self.roots.heapish[v.index()] && Some(*v) != dest)
            .collect();
        // The area's contents are known from the block's earlier safepoints only.
        if self.roots.block != Some(bid) {
            self.roots.block = Some(bid);
            self.roots.layout.clear();
            self.roots.count = None;
        }
        // A value already in the area below the new count stays where it is; the others
        // fill the remaining indexes.
        let n = vals.len();
        let mut layout: Vec<Option<Value>> = vec![None; n];
        let mut rest = Vec::new();
        let at: HashMap<Value, usize> = (self.roots.layout.iter().enumerate())
            .filter_map(|(i, x)| x.map(|x| (x, i)))
            .collect();
        for &v in &vals {
            match at.get(&v).copied() {
                Some(i) if i < n && layout[i].is_none() => layout[i] = Some(v),
                _ => rest.push(v),
            }
        }
        let mut free = (0..n).filter(|&i| layout[i].is_none());
        let mut placed = Vec::new();
        for v in rest {
            if let Some(i) = free.next() {
                placed.push((i, v));
            }
        }
        for (i, v) in placed {
            layout[i] = Some(v);
        }
        for (k, v) in layout.iter().enumerate() {
            let known = self.roots.layout.get(k).copied().flatten();
            if let Some(v) = *v {
                if known != Some(v) {
                    let p = self.use_(v);
                    self.store_root(slot, k, p);
                }
            }
        }
        if self.roots.count != Some(n) {
            let c = self.b.ins().iconst(types::I64, n as i64);
            self.b
                .ins()
                .stack_store(self.ptr, c, slot, rtabi::ROOT_AREA_COUNT);
        }
        // Indexes past the count keep their values (not roots, but still there).
        let old = std::mem::take(&mut self.roots.layout);
        self.roots.layout = layout;
        if old.len() > n {
            self.roots.layout.extend_from_slice(&old[n..]);
        }
        self.roots.count = Some(n);
    }

    /// After `new` of a user box made `obj` (MIR value `dest`), before its `birth` runs: adds
    /// the object to the current safepoint's roots when it is one (live after the `new`).
    pub(super) fn publish_new_box(&mut self, bid: Block, i: usize, dest: Value, obj: Pair) {
        let Some(slot) = self.roots.slot else {
            return;
        };
        let Some(list) = self.roots.points.at(bid, i) else {
            return;
        };
        if !self.roots.heapish[dest.index()] || list.binary_search(&dest).is_err() {
            return;
        }
        let Some(k) = self.roots.count else {
            return;
        };
        self.store_root(slot, k, obj);
        // The object is not a MIR value yet: its index holds nothing known.
        if self.roots.layout.len() <= k {
            self.roots.layout.resize(k + 1, None);
        }
        self.roots.layout[k] = None;
        self.roots.count = Some(k + 1);
        let n = self.b.ins().iconst(types::I64, (k + 1) as i64);
        self.b
            .ins()
            .stack_store(self.ptr, n, slot, rtabi::ROOT_AREA_COUNT);
    }

    fn store_root(&mut self, slot: ir::StackSlot, k: usize, p: Pair) {
        let off = rtabi::ROOT_AREA_VALUES + 16 * k as i32;
        self.b.ins().stack_store(self.ptr, p.tag, slot, off);
        self.b.ins().stack_store(self.ptr, p.bits, slot, off + 8);
    }
}
