//! Runtime functions for the control flow of compiled functions: the depth limit, fuel,
//! locating traps, branch conditions, and the checks of annotated parameters and results.

use super::ctx::{cx, ret, slice, v};
use super::Ctx;
use crate::{Site, Trap, Val};
use mir14_mir::{Block, FuncId};

thread_local! {
    /// The buffer of [`ARG_BUFFER`] (grown to the longest argument list, never shrunk).
    static ARGS: std::cell::RefCell<Vec<Val>> = const { std::cell::RefCell::new(Vec::new()) };
}

rt_functions! {
    /// The memory for the `n` arguments (16 bytes each: tag, bits) of a call of a MIR function
    /// that takes its arguments by pointer (more than `mir14_codegen`'s `BY_POINTER_PARAMS`):
    /// the caller stores them there and the callee loads them first thing, before anything
    /// else runs, so one buffer per thread serves every such call and no native frame holds a
    /// long argument list. Valid until the next call of this function on the thread.
    ARG_BUFFER = fn mir14_rt_arg_buffer(_ctx: *mut Ctx, n: u64) -> u64 {
        ARGS.with(|a| {
            let mut a = a.borrow_mut();
            if a.len() < n as usize {
                a.resize(n as usize, Val::VOID);
            }
            a.as_mut_ptr() as u64
        })
    }

    /// Entering function `f` at the depth limit: always traps `StackOverflow` at `f`'s entry.
    STACK_OVERFLOW = fn mir14_rt_stack_overflow(ctx: *mut Ctx, f: u64) -> Val {
        let (cx, _) = unsafe { cx(ctx) };
        let msg = format!("call depth exceeded {}", cx.max_depth);
        let t = Trap::new(crate::TrapKind::StackOverflow, msg).at(FuncId(f as u32), Block(0));
        ret(cx, Err(t))
    }

    /// A taken back edge: one unit of fuel. Returns 0, or 1 with a trap pending.
    FUEL = fn mir14_rt_fuel(ctx: *mut Ctx) -> u64 {
        let (cx, _) = unsafe { cx(ctx) };
        match cx.rt.spend_fuel() {
            Ok(()) => 0,
            Err(t) => {
                cx.rt.pending = Some(t);
                1
            }
        }
    }

    /// A compiled frame passed by the pending trap: appends its site (function, block,
    /// instruction index or [`Site::ENTRY`]/[`Site::ARRIVE`]) to the trap's backtrace, which
    /// also locates the trap unless it is located already. Called once per frame, on the trap
    /// path only.
    TRAP_AT = fn mir14_rt_trap_at(ctx: *mut Ctx, f: u64, b: u64, i: u64) {
        let (cx, _) = unsafe { cx(ctx) };
        if let Some(t) = cx.rt.pending.as_mut() {
            t.push_frame(Site::new(FuncId(f as u32), Block(b as u32), i as u32));
        }
    }

    /// `--profile`: an activation of function `f` starts.
    PROF_ENTER = fn mir14_rt_prof_enter(ctx: *mut Ctx, f: u64) {
        let (cx, _) = unsafe { cx(ctx) };
        if let Some(p) = cx.rt.profile.as_mut() {
            p.enter(FuncId(f as u32));
        }
    }

    /// `--profile`: the innermost activation ends (a return, or a trap passing it).
    PROF_LEAVE = fn mir14_rt_prof_leave(ctx: *mut Ctx) {
        let (cx, _) = unsafe { cx(ctx) };
        if let Some(p) = cx.rt.profile.as_mut() {
            p.leave();
        }
    }

    /// A Branch on a non-Bool: always traps.
    BRANCH_FAIL = fn mir14_rt_branch_fail(ctx: *mut Ctx, t: u64, b: u64) -> Val {
        let (cx, _) = unsafe { cx(ctx) };
        let msg = format!(
            "branch condition must be Bool, got {}",
            cx.rt.type_name(v(t, b))
        );
        ret(cx, Err(Trap::type_error(msg)))
    }

    /// Checks the arguments of function `f` against its parameter annotations.
    CHECK_PARAMS = fn mir14_rt_check_params(ctx: *mut Ctx, f: u64, args: *const Val, n: u64) -> Val {
        let (cx, _) = unsafe { cx(ctx) };
        let args = unsafe { slice(args, n) };
        let r = cx
            .rt
            .check_params(FuncId(f as u32), args)
            .map(|()| Val::VOID);
        ret(cx, r)
    }

    /// Checks the result of function `f` against its return annotation.
    CHECK_RET = fn mir14_rt_check_ret(ctx: *mut Ctx, f: u64, t: u64, b: u64) -> Val {
        let (cx, _) = unsafe { cx(ctx) };
        let r = cx
            .rt
            .check_return(FuncId(f as u32), v(t, b))
            .map(|()| Val::VOID);
        ret(cx, r)
    }
}
