//! String fast paths (issue 14).
//!
//! The translator calls these instead of `mir14_rt_compare` and `mir14_rt_call_method` when the
//! operands are Strings (known from type inference or tested inline). They do exactly what the
//! generic operation does, and hand every unusual case (a non-Integer or out-of-range index) to
//! the generic method call, so results and traps are the same.

use super::ctx::{cx, ret, v};
use super::gc::poll;
use super::Ctx;
use crate::{str_obj, Val, STR};
use std::cmp::Ordering;

/// The generic `call %s.NAME(args)` on String `s`: what the fast paths fall back to.
fn generic(ctx: *mut Ctx, name: &str, s: u64, args: &[Val]) -> Val {
    // SAFETY: `ctx` is the live context of the run that called the fast path.
    let (cx, mut host) = unsafe { cx(ctx) };
    let mid = cx.rt.method_id(name);
    let r = cx.rt.call_method(&mut host, v(STR, s), mid, args);
    ret(cx, r)
}

rt_functions! {
    /// `compare eq %a, %b` on two Strings (`a` and `b` are their bits): 1 when their texts are
    /// equal, else 0. Never traps.
    STR_EQ = fn mir14_rt_str_eq(_ctx: *mut Ctx, a: u64, b: u64) -> u64 {
        (a == b || crate::ops::str_eq(
            str_obj(v(STR, a)).as_str().as_bytes(),
            str_obj(v(STR, b)).as_str().as_bytes(),
        )) as u64
    }

    /// The byte order of two Strings (what `compare lt/le/gt/ge` use): 0 less, 1 equal,
    /// 2 greater. Never traps.
    STR_CMP = fn mir14_rt_str_cmp(_ctx: *mut Ctx, a: u64, b: u64) -> u64 {
        let x = str_obj(v(STR, a)).as_str().as_bytes();
        let y = str_obj(v(STR, b)).as_str().as_bytes();
        let o = if x.len() == 1 && y.len() == 1 { x[0].cmp(&y[0]) } else { x.cmp(y) };
        match o {
            Ordering::Less => 0,
            Ordering::Equal => 1,
            Ordering::Greater => 2,
        }
    }

    /// `call %s.charAt(%i)` on a String: the shared one-character String when `%i` is an
    /// in-range Integer, else the generic call (which traps as the spec says).
    STR_CHAR_AT = fn mir14_rt_str_char_at(ctx: *mut Ctx, s: u64, it: u64, ib: u64) -> Val {
        if it == crate::INT {
            if let Some(c) = str_obj(v(STR, s)).char_at(ib as usize) {
                // SAFETY: `ctx` is the live context of this run.
                let (cx, _) = unsafe { cx(ctx) };
                return cx.rt.heap.char_str(c);
            }
        }
        generic(ctx, "charAt", s, &[v(it, ib)])
    }

    /// `call %s.length()` on a String: its length in scalar values. Never traps.
    STR_LENGTH = fn mir14_rt_str_length(_ctx: *mut Ctx, s: u64) -> Val {
        Val::int(str_obj(v(STR, s)).char_len() as i64)
    }

    /// `call %s.substring(%a, %b)` on a String: a safepoint like the generic call; the
    /// substring when `0 <= %a <= %b <= length` (Integers), else the generic call.
    STR_SUBSTRING = fn mir14_rt_str_substring(ctx: *mut Ctx, s: u64, at: u64, ab: u64, bt: u64, bb: u64) -> Val {
        // SAFETY: `ctx` is the live context of this run.
        let (cx, _) = unsafe { cx(ctx) };
        let (a, b) = (v(at, ab), v(bt, bb));
        if let Err(t) = poll(cx, &[v(STR, s), a], &[b]) {
            return ret(cx, Err(t));
        }
        if at == crate::INT && bt == crate::INT {
            let o = str_obj(v(STR, s));
            let (i, j) = (ab as i64, bb as i64);
            if 0 <= i && i <= j && (j as u64) <= o.char_len() as u64 {
                let (x, y) = (o.byte_at(i as usize), o.byte_at(j as usize));
                return cx.rt.heap.substr(v(STR, s), x, y);
            }
        }
        generic(ctx, "substring", s, &[a, b])
    }

    /// `call %s.substringClamped(%a, %b)` on a String (the Nyash frontend's `substring`): a
    /// safepoint like the generic call; with two Integers, both clamped to `0..=length` and
    /// the end raised to the start, the substring; else the generic call (its `TypeError`).
    STR_SUBSTRING_CLAMPED = fn mir14_rt_str_substring_clamped(ctx: *mut Ctx, s: u64, at: u64, ab: u64, bt: u64, bb: u64) -> Val {
        // SAFETY: `ctx` is the live context of this run.
        let (cx, _) = unsafe { cx(ctx) };
        let (a, b) = (v(at, ab), v(bt, bb));
        if let Err(t) = poll(cx, &[v(STR, s), a], &[b]) {
            return ret(cx, Err(t));
        }
        if at == crate::INT && bt == crate::INT {
            let o = str_obj(v(STR, s));
            let len = o.char_len() as i64;
            let i = (ab as i64).clamp(0, len);
            let j = (bb as i64).clamp(0, len).max(i);
            let (x, y) = (o.byte_at(i as usize), o.byte_at(j as usize));
            return cx.rt.heap.substr(v(STR, s), x, y);
        }
        generic(ctx, "substringClamped", s, &[a, b])
    }

    /// `binop add %a, %b` on two Strings at an append site that owns its accumulator (see
    /// [`crate::Heap::append_in_place`]; `init` is the bits of the loop's starting constant). A
    /// safepoint like the generic operation.
    STR_APPEND_IN_PLACE = fn mir14_rt_str_append_in_place(ctx: *mut Ctx, a: u64, b: u64, init: u64) -> Val {
        // SAFETY: `ctx` is the live context of this run.
        let (cx, _) = unsafe { cx(ctx) };
        let (a, b) = (v(STR, a), v(STR, b));
        // Room in the buffer: no allocation, so no safepoint.
        if a.bits != init && cx.rt.heap.append_fits(a, b) {
            return a;
        }
        if let Err(t) = poll(cx, &[a, b], &[v(STR, init)]) {
            return ret(cx, Err(t));
        }
        cx.rt.heap.append_in_place(a, b, v(STR, init))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Heap;

    #[test]
    fn equality_and_order_by_bytes() {
        let mut h = Heap::new();
        let (a, b, c) = (h.alloc_str("abc"), h.alloc_str("abd"), h.alloc_str("abc"));
        let z = std::ptr::null_mut();
        // SAFETY: the functions read only their String operands.
        unsafe {
            assert_eq!(mir14_rt_str_eq(z, a.bits, c.bits), 1);
            assert_eq!(mir14_rt_str_eq(z, a.bits, b.bits), 0);
            assert_eq!(mir14_rt_str_cmp(z, a.bits, b.bits), 0);
            assert_eq!(mir14_rt_str_cmp(z, b.bits, a.bits), 2);
            assert_eq!(mir14_rt_str_cmp(z, a.bits, c.bits), 1);
            assert_eq!(
                mir14_rt_str_length(z, h.alloc_str("héllo").bits),
                Val::int(5)
            );
        }
    }
}
