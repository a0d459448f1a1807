//! Runtime functions for values: string constants, operators, type operations, fields and
//! box creation.

use super::ctx::{cx, ret, slice, v};
use super::encode::{decode_binop, decode_class, decode_cmp, decode_type, decode_unary};
use super::gc::poll;
use super::Ctx;
use crate::{Trap, Val};
use mir14_mir::BoxId;

rt_functions! {
    /// String constant number `i` of the module's [`super::Symbols`].
    CONST_STR = fn mir14_rt_const_str(ctx: *mut Ctx, i: u64) -> Val {
        let (cx, _) = unsafe { cx(ctx) };
        cx.strings.get(i as usize).copied().unwrap_or(Val::VOID)
    }

    /// A unary operator (`op` from [`super::encode_unary`]) on one value.
    UNARY = fn mir14_rt_unary(ctx: *mut Ctx, op: u64, t: u64, b: u64) -> Val {
        let (cx, _) = unsafe { cx(ctx) };
        let r = cx.rt.unary(decode_unary(op), v(t, b));
        ret(cx, r)
    }

    /// A binary operator (`op` from [`super::encode_binop`]) on two values.
    BINOP = fn mir14_rt_binop(ctx: *mut Ctx, op: u64, at: u64, ab: u64, bt: u64, bb: u64) -> Val {
        let (cx, mut host) = unsafe { cx(ctx) };
        let (a, b) = (v(at, ab), v(bt, bb));
        let op = decode_binop(op);
        // Only `add` with a String operand allocates: the one binop safepoint (spec §5).
        if op == mir14_mir::BinOp::Add && (at == crate::STR || bt == crate::STR) {
            if let Err(t) = poll(cx, &[a, b], &[]) {
                return ret(cx, Err(t));
            }
        }
        let r = cx.rt.binop(&mut host, op, a, b);
        ret(cx, r)
    }

    /// A comparison (`op` from [`super::encode_cmp`]) of two values.
    COMPARE = fn mir14_rt_compare(ctx: *mut Ctx, op: u64, at: u64, ab: u64, bt: u64, bb: u64) -> Val {
        let (cx, _) = unsafe { cx(ctx) };
        let r = cx.rt.compare(decode_cmp(op), v(at, ab), v(bt, bb));
        ret(cx, r)
    }

    /// `kind`: 0 check, 1 cast, 2 typeof; `ty` from [`super::encode_type`].
    TYPEOP = fn mir14_rt_typeop(ctx: *mut Ctx, kind: u64, ty: u64, t: u64, b: u64) -> Val {
        let (cx, _) = unsafe { cx(ctx) };
        let x = v(t, b);
        // Only `cast` is a safepoint (spec §5).
        if kind == 1 {
            if let Err(t) = poll(cx, &[x], &[]) {
                return ret(cx, Err(t));
            }
        }
        let r = match (kind, decode_type(ty as i64)) {
            (0, Some(ty)) => Ok(Val::bool(cx.rt.has_type(x, ty))),
            (1, Some(ty)) => cx.rt.cast(x, ty),
            _ => Ok(cx.rt.type_of(x)),
        };
        ret(cx, r)
    }

    /// Loads field number `sym` of the module's [`super::Symbols`] from a box.
    LOAD = fn mir14_rt_load(ctx: *mut Ctx, sym: u64, t: u64, b: u64) -> Val {
        let (cx, _) = unsafe { cx(ctx) };
        let fid = cx.fields.get(sym as usize).copied().unwrap_or(u32::MAX);
        let r = cx.rt.load_field(v(t, b), fid);
        ret(cx, r)
    }

    /// Stores into field number `sym` of the module's [`super::Symbols`] of a box.
    STORE = fn mir14_rt_store(ctx: *mut Ctx, sym: u64, t: u64, b: u64, vt: u64, vb: u64) -> Val {
        let (cx, _) = unsafe { cx(ctx) };
        let fid = cx.fields.get(sym as usize).copied().unwrap_or(u32::MAX);
        let r = cx
            .rt
            .store_field(v(t, b), fid, v(vt, vb))
            .map(|()| Val::VOID);
        ret(cx, r)
    }

    /// `new` of a builtin class (`class` from [`super::encode_class`]).
    NEW = fn mir14_rt_new(ctx: *mut Ctx, class: u64, args: *const Val, n: u64) -> Val {
        let (cx, _) = unsafe { cx(ctx) };
        let args = unsafe { slice(args, n) };
        if let Err(t) = poll(cx, args, &[]) {
            return ret(cx, Err(t));
        }
        let r = match decode_class(class as i64) {
            Some(c) => cx.rt.new_builtin(c, args),
            None => Err(Trap::type_error("bad class")),
        };
        ret(cx, r)
    }

    /// A fresh instance of user box `b` (compiled code calls its `birth`).
    NEW_USER = fn mir14_rt_new_user(ctx: *mut Ctx, b: u64) -> Val {
        let (cx, _) = unsafe { cx(ctx) };
        if let Err(t) = poll(cx, &[], &[]) {
            return ret(cx, Err(t));
        }
        cx.rt.new_user(BoxId(b as u32))
    }
}
