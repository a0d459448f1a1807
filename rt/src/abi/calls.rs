//! Runtime functions for the calls compiled code does not make directly: method calls, calls
//! of function values, and externs.

use super::ctx::{cx, ret, slice, v};
use super::gc::poll;
use super::Ctx;
use crate::{Trap, Val};
use mir14_mir::{BoxId, ExternFn};

rt_functions! {
    /// Checks the receiver of a static method call `call %r.B::m(args)`; returns void or `TRAP`.
    CHECK_RECEIVER = fn mir14_rt_check_receiver(ctx: *mut Ctx, b: u64, sym: u64, t: u64, bits: u64, n: u64) -> Val {
        let (cx, _) = unsafe { cx(ctx) };
        let mid = cx.methods.get(sym as usize).copied().unwrap_or(u32::MAX);
        let r = cx
            .rt
            .resolve_static_method(v(t, bits), BoxId(b as u32), mid, n as usize)
            .map(|_| Val::VOID);
        ret(cx, r)
    }

    /// A dynamic method call: method number `sym` of the module's [`super::Symbols`].
    CALL_METHOD = fn mir14_rt_call_method(ctx: *mut Ctx, sym: u64, t: u64, b: u64, args: *const Val, n: u64) -> Val {
        let (cx, mut host) = unsafe { cx(ctx) };
        let args = unsafe { slice(args, n) };
        let mid = cx.methods.get(sym as usize).copied().unwrap_or(u32::MAX);
        let recv = v(t, b);
        if let Err(t) = poll(cx, &[recv], args) {
            return ret(cx, Err(t));
        }
        let r = cx.rt.call_method(&mut host, recv, mid, args);
        ret(cx, r)
    }

    /// A call of a function value (a function or an operator box).
    CALL_VALUE = fn mir14_rt_call_value(ctx: *mut Ctx, t: u64, b: u64, args: *const Val, n: u64) -> Val {
        let (cx, mut host) = unsafe { cx(ctx) };
        let args = unsafe { slice(args, n) };
        let f = v(t, b);
        if let Err(t) = poll(cx, &[f], args) {
            return ret(cx, Err(t));
        }
        let r = cx.rt.call_value(&mut host, f, args);
        ret(cx, r)
    }

    /// An extern call (`id` from [`super::encode_extern`]).
    EXTERN = fn mir14_rt_extern(ctx: *mut Ctx, id: u64, args: *const Val, n: u64) -> Val {
        let (cx, mut host) = unsafe { cx(ctx) };
        let args = unsafe { slice(args, n) };
        if let Err(t) = poll(cx, args, &[]) {
            return ret(cx, Err(t));
        }
        let r = match ExternFn::ALL.get(id as usize) {
            Some(e) => cx.rt.call_extern(&mut host, *e, args),
            None => Err(Trap::type_error("bad extern")),
        };
        ret(cx, r)
    }
}
