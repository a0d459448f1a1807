//! Garbage collection from compiled code: the safepoint poll at the entry of runtime functions
//! that may allocate, and the collection with precise roots (see the module docs of
//! [`crate::abi`]).

use super::ctx::{RootArea, ROOT_AREA_VALUES};
use super::Ctx;
use crate::Val;

/// Collects garbage if a collection is due: the safepoint at the entry of a runtime function
/// that may allocate. `a` and `b` are the call's operands (precise roots). Past the memory
/// limit it returns the `OutOfMemory` trap, which the caller returns instead of running.
#[inline(always)]
pub(super) fn poll(cx: &mut Ctx, a: &[Val], b: &[Val]) -> Result<(), crate::Trap> {
    if cx.rt.heap.should_collect() {
        collect_compiled(cx, a, b);
        if let Some(t) = cx.rt.memory_trap() {
            return Err(t);
        }
    }
    Ok(())
}

/// Collects with the operands, the runtime's roots, the root areas of the active compiled
/// frames and the tier's interpreter roots.
#[inline(never)]
#[cold]
pub(super) fn collect_compiled(cx: &mut Ctx, a: &[Val], b: &[Val]) {
    if cx.stack_top == 0 {
        // Not inside `run_compiled` (or a tiered run): compiled frames may hold values that
        // are in no root area yet, so nothing may be freed.
        return;
    }
    let mut roots = Vec::with_capacity(a.len() + b.len());
    roots.extend_from_slice(a);
    roots.extend_from_slice(b);
    let mut area = cx.roots;
    while area != 0 {
        // SAFETY: the chain links the root areas of active compiled frames (each linked on
        // entry, unlinked on every way out), each holding `count` values after its header.
        unsafe {
            let head = &*(area as *const RootArea);
            let vals = (area + ROOT_AREA_VALUES as usize) as *const Val;
            roots.extend_from_slice(std::slice::from_raw_parts(vals, head.count as usize));
            area = head.prev;
        }
    }
    if let Some(t) = cx.tier {
        // SAFETY: the hooks were installed by the engine that owns this run.
        let (p, n) = unsafe { (t.roots)(t.data) };
        if n > 0 {
            // SAFETY: the engine returns its interpreter's live registers.
            roots.extend_from_slice(unsafe { std::slice::from_raw_parts(p, n) });
        }
    }
    // SAFETY: the operands are values compiled code holds (live); the root areas hold the
    // values live at each compiled frame's safepoint; the tier's roots are the interpreter's.
    unsafe { cx.rt.heap.collect(&roots) };
}
