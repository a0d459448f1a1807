//! Garbage collection from compiled code: the safepoint poll at the entry of runtime functions
//! that may allocate, and the conservative scan of the native stack (see the module docs of
//! [`crate::abi`]).

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

/// Spills the callee-saved registers into the stack, then collects with the operands, the
/// runtime's roots and the native stack from here up to [`Ctx::stack_top`] as roots.
#[inline(never)]
#[cold]
pub(super) fn collect_compiled(cx: &mut Ctx, a: &[Val], b: &[Val]) {
    if cx.stack_top == 0 {
        // Not inside `run_compiled`: the stack extent is unknown, so nothing may be freed.
        return;
    }
    let mut regs = [0usize; 12];
    spill_callee_saved(&mut regs);
    let lo = std::hint::black_box(regs.as_ptr()) as usize;
    let hi = cx.stack_top.max(lo);
    let mut roots = Vec::with_capacity(a.len() + b.len());
    roots.extend_from_slice(a);
    roots.extend_from_slice(b);
    if let Some(t) = cx.tier {
        // SAFETY: the hooks were installed by the engine that owns this run.
        let (p, n) = unsafe { (t.roots)(t.data) };
        if n > 0 {
            // SAFETY: the engine returns its interpreter's live registers.
            roots.extend_from_slice(unsafe { std::slice::from_raw_parts(p, n) });
        }
    }
    // SAFETY: the operands are values compiled code holds (live); `lo..hi` is this thread's
    // stack from this frame (which holds the spilled registers) up to `run_compiled`'s frame.
    unsafe { cx.rt.heap.collect(&roots, Some((lo, hi))) };
    std::hint::black_box(&regs);
}

/// Stores the callee-saved registers into `buf`, so that values compiled code keeps in them
/// are seen by the conservative stack scan.
#[inline(always)]
fn spill_callee_saved(buf: &mut [usize; 12]) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: writes 8 words into `buf`, which has 12.
    unsafe {
        std::arch::asm!(
            "mov [{0}], rbx",
            "mov [{0} + 8], rbp",
            "mov [{0} + 16], r12",
            "mov [{0} + 24], r13",
            "mov [{0} + 32], r14",
            "mov [{0} + 40], r15",
            "mov [{0} + 48], rdi",
            "mov [{0} + 56], rsi",
            in(reg) buf.as_mut_ptr(),
            options(nostack, preserves_flags)
        );
    }
    #[cfg(target_arch = "aarch64")]
    // SAFETY: writes 11 words into `buf`, which has 12.
    unsafe {
        std::arch::asm!(
            "stp x19, x20, [{0}]",
            "stp x21, x22, [{0}, #16]",
            "stp x23, x24, [{0}, #32]",
            "stp x25, x26, [{0}, #48]",
            "stp x27, x28, [{0}, #64]",
            "str x29, [{0}, #80]",
            in(reg) buf.as_mut_ptr(),
            options(nostack, preserves_flags)
        );
    }
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    {
        // Other targets: rely on the registers having been saved by the frames in between.
        let _ = buf;
    }
}
