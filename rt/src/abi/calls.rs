//! Runtime functions for the calls compiled code does not make directly: method calls, calls
//! of function values, and externs.

use super::ctx::{cx, ret, slice, v};
use super::gc::poll;
use super::Ctx;
use crate::{Trap, Val, ValueCall};
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
        // A call of a user method is not a safepoint (spec §5); a builtin one is.
        if cx.rt.find_user_method(recv, mid).is_none() {
            if let Err(t) = poll(cx, &[recv], args) {
                return ret(cx, Err(t));
            }
        }
        let r = cx.rt.call_method(&mut host, recv, mid, args);
        ret(cx, r)
    }

    /// A call of a function value (a function or an operator box).
    CALL_VALUE = fn mir14_rt_call_value(ctx: *mut Ctx, t: u64, b: u64, args: *const Val, n: u64) -> Val {
        let (cx, mut host) = unsafe { cx(ctx) };
        let args = unsafe { slice(args, n) };
        let f = v(t, b);
        // Only the call of an operator box is a safepoint (spec §5), not that of a function.
        if let Ok(ValueCall::Operator(_)) = cx.rt.resolve_value_call(f, args.len()) {
            if let Err(t) = poll(cx, &[f], args) {
                return ret(cx, Err(t));
            }
        }
        let r = cx.rt.call_value(&mut host, f, args);
        ret(cx, r)
    }

    /// `tail call %r.m(args)`, resolved: a user method comes back as
    /// `(TAIL_CALL, index | TAIL_RECEIVER)` for compiled code to tail call (after the arity
    /// check); a builtin method runs here and its result comes back.
    TAIL_METHOD = fn mir14_rt_tail_method(ctx: *mut Ctx, sym: u64, t: u64, b: u64, args: *const Val, n: u64) -> Val {
        let (cx, mut host) = unsafe { cx(ctx) };
        let args = unsafe { slice(args, n) };
        let mid = cx.methods.get(sym as usize).copied().unwrap_or(u32::MAX);
        let recv = v(t, b);
        if let Some(f) = cx.rt.find_user_method(recv, mid) {
            let r = cx
                .rt
                .check_method_arity(f, args.len())
                .map(|()| v(super::TAIL_CALL, f.0 as u64 | super::TAIL_RECEIVER));
            return ret(cx, r);
        }
        if let Err(t) = poll(cx, &[recv], args) {
            return ret(cx, Err(t));
        }
        let r = cx.rt.call_builtin_method(&mut host, recv, mid, args);
        ret(cx, r)
    }

    /// `tail call %f(args)`, resolved: a function comes back as `(TAIL_CALL, index)`, a user
    /// box's `apply` as `(TAIL_CALL, index | TAIL_RECEIVER)` (arity checked); an operator box
    /// is applied here and its result comes back.
    TAIL_VALUE = fn mir14_rt_tail_value(ctx: *mut Ctx, t: u64, b: u64, args: *const Val, n: u64) -> Val {
        let (cx, mut host) = unsafe { cx(ctx) };
        let args = unsafe { slice(args, n) };
        let f = v(t, b);
        let r = match cx.rt.resolve_value_call(f, args.len()) {
            Ok(ValueCall::Function(g)) => Ok(v(super::TAIL_CALL, g.0 as u64)),
            Ok(ValueCall::Method(g)) => Ok(v(super::TAIL_CALL, g.0 as u64 | super::TAIL_RECEIVER)),
            Ok(ValueCall::Operator(op)) => poll(cx, &[f], args)
                .and_then(|()| cx.rt.apply_operator(&mut host, op, args[0], args[1])),
            Err(e) => Err(e),
        };
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
