//! Runtime functions for calls of imported functions (spec §Imports) from compiled code.
//!
//! A call of C import `i` is compiled as: spill the arguments, [`FFI_ARGS`] (checks their
//! types and replaces each one's bits by its raw C word, in place), a direct call of the C
//! function with the words, then [`FFI_RESULT`] (the raw result to a value). A host import is
//! one call of [`CALL_HOST`].

use super::ctx::{cx, ret, slice};
use super::gc::poll;
use super::Ctx;
use crate::Val;

rt_functions! {
    /// Checks the `n` arguments at `args` of a call of import `idx` against its declaration
    /// and overwrites each one's bits with its raw C word; returns void, or `TRAP` for a wrong
    /// type or a String holding a NUL character.
    FFI_ARGS = fn mir14_rt_ffi_args(ctx: *mut Ctx, idx: u64, args: *mut Val, n: u64) -> Val {
        let (cx, _) = unsafe { cx(ctx) };
        let vals: Vec<Val> = unsafe { slice(args, n) }.to_vec();
        let mut raw = vec![0u64; vals.len()];
        let r = cx.rt.ffi_args(idx as usize, &vals, &mut raw).map(|()| {
            for (i, w) in raw.iter().enumerate() {
                // SAFETY: `args` points to `n` values in the caller's writable argument slot.
                unsafe { (*args.add(i)).bits = *w };
            }
            Val::VOID
        });
        ret(cx, r)
    }

    /// The value of raw C result `raw` of import `idx` (a String result is copied; NULL is
    /// void).
    FFI_RESULT = fn mir14_rt_ffi_result(ctx: *mut Ctx, idx: u64, raw: u64) -> Val {
        let (cx, _) = unsafe { cx(ctx) };
        if let Err(t) = poll(cx, &[], &[]) {
            return ret(cx, Err(t));
        }
        cx.rt.ffi_result(idx as usize, raw)
    }

    /// A call of host import `idx` with the `n` arguments at `args`.
    CALL_HOST = fn mir14_rt_call_host(ctx: *mut Ctx, idx: u64, args: *const Val, n: u64) -> Val {
        let (cx, _) = unsafe { cx(ctx) };
        let args = unsafe { slice(args, n) };
        if let Err(t) = poll(cx, args, &[]) {
            return ret(cx, Err(t));
        }
        let r = cx.rt.call_host(idx as usize, args);
        ret(cx, r)
    }
}
