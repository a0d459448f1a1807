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

/// The root area of the function being translated.
#[derive(Default)]
pub(crate) struct GcRoots {
    /// The stack slot (`None`: the function needs none).
    slot: Option<ir::StackSlot>,
    /// The roots of each safepoint.
    points: SafepointRoots,
    /// Per value: whether it may be a heap object (and so is stored).
    heapish: Vec<bool>,
    /// The number of values stored at the current safepoint.
    count: u32,
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
            count: 0,
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
        for (k, v) in vals.iter().enumerate() {
            let p = self.use_(*v);
            self.store_root(slot, k, p);
        }
        self.roots.count = vals.len() as u32;
        let n = self.b.ins().iconst(types::I64, vals.len() as i64);
        self.b
            .ins()
            .stack_store(self.ptr, n, slot, rtabi::ROOT_AREA_COUNT);
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
        if !self.roots.heapish[dest.index()] || !list.contains(&dest) {
            return;
        }
        let k = self.roots.count as usize;
        self.store_root(slot, k, obj);
        self.roots.count += 1;
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
