//! ArrayBox fast paths (issue 7).
//!
//! The translator calls these instead of `mir14_rt_call_method` when type inference proved the
//! receiver is an ArrayBox. They do exactly what the generic builtin method does, and hand every
//! unusual case (a non-Integer or out-of-range index) to the generic call, so traps are the same.

use super::ctx::{cx, ret, v};
use super::gc::poll;
use super::Ctx;
use crate::Val;

rt_functions! {
    /// `call %a.push(%v)` on a receiver known to be an ArrayBox (`a` is its bits). A
    /// safepoint like the generic call; its growth counts as allocation, so that past the
    /// memory limit it traps `OutOfMemory` exactly where the generic call would.
    ARRAY_PUSH = fn mir14_rt_array_push(ctx: *mut Ctx, a: u64, vt: u64, vb: u64) -> Val {
        let (cx, _) = unsafe { cx(ctx) };
        let items = crate::array_mut(v(crate::ARRAY, a));
        // The common case: no collection due and room left (nothing is allocated).
        if !cx.rt.heap.should_collect() && items.len() < items.capacity() {
            items.push(v(vt, vb));
            return Val::VOID;
        }
        unsafe { push_slow(ctx, a, vt, vb) }
    }

    /// `call %a.get(%i)` on a receiver known to be an ArrayBox: the element when `%i` is an
    /// in-range Integer, else the generic method call (which traps as the spec says).
    ARRAY_GET = fn mir14_rt_array_get(ctx: *mut Ctx, a: u64, it: u64, ib: u64) -> Val {
        let recv = v(crate::ARRAY, a);
        if it == crate::INT {
            if let Some(x) = crate::array_mut(recv).get(ib as usize) {
                return *x;
            }
        }
        let (cx, mut host) = unsafe { cx(ctx) };
        let mid = cx.rt.method_id("get");
        let r = cx.rt.call_method(&mut host, recv, mid, &[v(it, ib)]);
        ret(cx, r)
    }

    /// `call %a.length()` on a receiver known to be an ArrayBox.
    ARRAY_LENGTH = fn mir14_rt_array_length(_ctx: *mut Ctx, a: u64) -> Val {
        Val::int(crate::array_mut(v(crate::ARRAY, a)).len() as i64)
    }
}

/// `push` when a collection is due or the array must grow: the safepoint (which may collect
/// or trap past the memory limit), then the push with its growth counted as allocation.
///
/// # Safety
/// `ctx` is the live context of this run and `a` the bits of an ArrayBox.
#[cold]
#[inline(never)]
unsafe fn push_slow(ctx: *mut Ctx, a: u64, vt: u64, vb: u64) -> Val {
    // SAFETY: the caller's contract.
    let (cx, _) = unsafe { cx(ctx) };
    let (arr, x) = (v(crate::ARRAY, a), v(vt, vb));
    if let Err(t) = poll(cx, &[arr, x], &[]) {
        return ret(cx, Err(t));
    }
    let items = crate::array_mut(arr);
    let cap = items.capacity();
    items.push(x);
    let grown = items.capacity() - cap;
    cx.rt.heap.note_growth(grown * 16);
    Val::VOID
}
