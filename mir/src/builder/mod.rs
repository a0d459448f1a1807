//! The builder API for frontends: functions, blocks, every instruction, [`Variable`]s with
//! automatic SSA construction (Braun et al. 2013) and a loop helper emitting LoopForms.
//!
//! # Overview
//!
//! * [`ModuleBuilder`] declares boxes and functions up front (so calls may refer to functions
//!   defined later), hands out a [`FunctionBuilder`] per declared function, takes the finished
//!   body back with [`ModuleBuilder::define_function`] and produces the [`Module`].
//! * [`FunctionBuilder`] appends instructions to an *insertion block* through one typed method per
//!   instruction. Every method checks its operands and returns a [`BuildError`] on misuse instead
//!   of panicking.
//! * [`Variable`]s are the frontend's local variables: [`FunctionBuilder::def_var`] /
//!   [`FunctionBuilder::use_var`] build SSA form on the fly, placing phis on demand and removing
//!   trivial ones, exactly as in Braun, Buchwald, Hack, Leißa, Mallon, Zwinkau: *Simple and
//!   Efficient Construction of Static Single Assignment Form* (CC 2013).
//! * [`FunctionBuilder::begin_loop`] … [`FunctionBuilder::end_loop`] emit the canonical loop
//!   shape and record its [`LoopForm`].
//!
//! # Example
//!
//! `fn @sum(%n) { s = 0; i = 0; while i < n { s = s + i; i = i + 1 } ret s }`:
//!
//! ```
//! use mir14_mir::builder::ModuleBuilder;
//! use mir14_mir::{BinOp, CmpOp, TypeName};
//!
//! let mut mb = ModuleBuilder::new();
//! let sum = mb.declare_function("sum")?;
//! let mut fb = mb.function_builder(sum)?;
//! let n = fb.add_param(Some(TypeName::Integer));
//! fb.set_value_name(n, "n")?;
//! fb.set_return_type(Some(TypeName::Integer));
//! let (s, i) = (fb.declare_var(), fb.declare_var());
//! let zero = fb.iconst(0)?;
//! fb.def_var(s, zero)?;
//! fb.def_var(i, zero)?;
//!
//! let lp = fb.begin_loop()?; // now in the loop header
//! let iv = fb.use_var(i)?;
//! let cond = fb.compare(CmpOp::Lt, iv, n)?;
//! fb.loop_condition(&lp, cond)?; // now in the loop body
//! let (sv, iv) = (fb.use_var(s)?, fb.use_var(i)?);
//! let s2 = fb.binop(BinOp::Add, sv, iv)?;
//! fb.def_var(s, s2)?;
//! let one = fb.iconst(1)?;
//! let i2 = fb.binop(BinOp::Add, iv, one)?;
//! fb.def_var(i, i2)?;
//! fb.end_loop(lp)?; // jumps to the latch, closes the loop; now in the exit block
//!
//! let result = fb.use_var(s)?;
//! fb.ret(Some(result))?;
//! mb.define_function(fb)?;
//! let module = mb.finish()?;
//!
//! assert!(mir14_mir::verify(&module).is_ok());
//! // One phi per variable in the header; values numbered in block order.
//! assert_eq!(mir14_mir::print(&module), "\
//! fn @sum(%n: Integer) -> Integer {
//!   loop header=bb1 body=bb2 latch=bb3 exit=bb4
//! bb0:
//!   %0 = const 0
//!   jump bb1
//! bb1:
//!   %1 = phi [bb0: %0], [bb3: %6]
//!   %2 = phi [bb0: %0], [bb3: %4]
//!   %3 = compare lt %1, %n
//!   branch %3, bb2, bb4
//! bb2:
//!   %4 = binop add %2, %1
//!   %5 = const 1
//!   %6 = binop add %1, %5
//!   jump bb3
//! bb3:
//!   jump bb1
//! bb4:
//!   ret %2
//! }
//! ");
//! # Ok::<(), mir14_mir::builder::BuildError>(())
//! ```
//!
//! # Handles
//!
//! [`Block`] and [`Value`] handles returned by a `FunctionBuilder` are opaque: they are only
//! meaningful to the builder that made them, which recognises (and rejects with
//! [`BuildError::ForeignBlock`] / [`BuildError::ForeignValue`]) handles of other builders. In the
//! finished [`Function`] the blocks are in creation order (the entry first) and values are
//! renumbered canonically, so find them there by label or name, not by the builder's handles.
//!
//! # Insertion point and dead code
//!
//! After a terminator (`branch`, `jump`, `ret`, [`FunctionBuilder::break_loop`],
//! [`FunctionBuilder::continue_loop`]) there is no insertion block ([`FunctionBuilder::current_block`]
//! is `None`). Code emitted in that state — dead code after `return` or `break` — goes into a
//! fresh unreachable block that the builder creates on demand, so a frontend can never produce a
//! block with an instruction after its terminator. At [`FunctionBuilder::finish`], every
//! *unreachable* block that does not end with a terminator gets a bare `ret`; a *reachable* block
//! without a terminator is an error ([`BuildError::MissingTerminator`]): the frontend forgot to
//! end it. Switching explicitly to a block that already ends with a terminator and appending to it
//! is an error ([`BuildError::BlockTerminated`]).
//!
//! # Variables read before any definition
//!
//! Reading a variable on a path where it was never defined yields `void`: the builder emits one
//! `const void` at the very start of the entry block and uses it as the variable's value on such
//! paths (this is Braun's "undefined value"). It never panics.
//!
//! # Sealing
//!
//! A block is *sealed* once all its predecessors are known (Braun §2.3). The entry block and the
//! dead-code blocks are sealed at creation; loop blocks are sealed by the loop helper. Other blocks
//! should be sealed with [`FunctionBuilder::seal_block`] as soon as their last predecessor has been
//! added (this keeps the phis minimal early); jumping to a sealed block is an error
//! ([`BuildError::SealedBlockTarget`]). Blocks still unsealed at `finish` are sealed then, which is
//! always correct because every predecessor is known by then.
//!
//! # Loops
//!
//! ```text
//! preheader ──> header ──(cond true)──> body ... ──> latch ──> header
//!                  └────(cond false)──> exit
//! ```
//!
//! [`FunctionBuilder::begin_loop`] ends the current block with `jump header` (it becomes the
//! preheader), creates the header, body, latch and exit blocks (in that order) and moves to the
//! header. The frontend emits the condition there — straight-line code only — and calls
//! [`FunctionBuilder::loop_condition`], which ends the header with `branch cond, body, exit` and
//! moves to the body. The body may create any blocks and nested loops, and use
//! [`FunctionBuilder::break_loop`], [`FunctionBuilder::continue_loop`] (`jump latch`),
//! [`FunctionBuilder::break_if`] (`branch cond, exit, next`), [`FunctionBuilder::continue_if`]
//! and [`FunctionBuilder::ret`]. [`FunctionBuilder::end_loop`] falls through to the latch if the
//! body's last block is still open, emits `latch: jump header`, seals header, latch and exit,
//! records the [`LoopForm`] and moves to the exit. Variables get their header phis
//! automatically. LoopForms are listed in the order the loops were begun.
//!
//! A condition that needs control flow (e.g. a short-circuit `a && b`) is written as an infinite
//! loop — `loop_condition(&lp, fb.bconst(true)?)` — whose body computes the condition and
//! `break_if`s on its negation.
//!
//! ## Breaks, continues and returns
//!
//! A LoopForm's blocks are its *region* (spec §7.3): every block reachable from the header
//! without entering the exit. So the plain forms verify as they are:
//!
//! * `break` of the innermost loop is `jump exit` from any block of the body (also from inside
//!   nested `if`s), [`FunctionBuilder::break_if`] is `branch cond, exit, next`;
//! * `continue` of the innermost loop is `jump latch`, [`FunctionBuilder::continue_if`] is
//!   `branch cond, latch, next`;
//! * `ret` inside loops is a plain `ret`: a returning block belongs to the region and has no
//!   edge out of it.
//!
//! Only `break`/`continue` of an *outer* loop from inside an inner one (a labelled break) are
//! *routed*: a direct `jump` to the outer loop's exit or latch would put the code after the
//! outer loop (or the outer latch) into the inner loop's region, where the inner header does not
//! dominate it. Instead a hidden dispatch variable is set to the request's code and the block
//! leaves the innermost loop with `jump exit`; [`FunctionBuilder::end_loop`] then starts the exit
//! with `compare eq` of the dispatch variable against each pending code and a `branch` to a
//! block performing the request one level further out. Codes: `1 + 2 * loop` continue,
//! `2 + 2 * loop` break, where `loop` counts loops in the order begun; the dispatch variable is
//! `void` on every other path. A `jump` to the innermost loop's exit is a `break`; plain jumps
//! to an outer loop's latch or exit ([`BuildError::NotInnermostLoop`]), to an open loop's header
//! or body ([`BuildError::LoopBlockTarget`]), or to blocks made before the innermost open loop
//! began ([`BuildError::LoopEscape`]) are refused.
//!
//! A loop whose latch turns out unreachable (its body never continues and never falls through,
//! e.g. it ends in an endless user-built cycle) never iterates; it gets no LoopForm.
//!
//! # Phi minimality
//!
//! Besides Braun's trivial-phi removal (recursive, users rewired), `finish` runs the
//! SCC-based cleanup of Braun et al. §3.2, removing groups of phis that only refer to each other
//! and one outside value (they arise around loops with several exits).

mod error;
mod function;
mod handles;
mod insts;
mod loops;
mod module;
mod ssa;
#[cfg(test)]
mod tests;

pub use error::BuildError;
pub use function::FunctionBuilder;
pub use handles::{Loop, Variable};
pub use module::ModuleBuilder;

#[cfg(doc)]
use crate::ir::{Block, Function, LoopForm, Module, Value};
use std::sync::atomic::{AtomicU32, Ordering};

/// Source of builder tags, which make the handles of different builders distinguishable.
static NEXT_TAG: AtomicU32 = AtomicU32::new(0);

pub(crate) fn next_tag() -> u32 {
    NEXT_TAG.fetch_add(1, Ordering::Relaxed)
}
