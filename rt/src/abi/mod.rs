//! The C ABI between compiled code (JIT and AOT) and the runtime.
//!
//! Compiled code passes a `*mut Ctx` as the first argument of every runtime function and of
//! every compiled MIR function. MIR values travel as two `u64`s (tag, bits); runtime functions
//! return a [`Val`] (two registers). A returned tag of [`TRAP`] means that a trap is pending in
//! [`Ctx`]: compiled code records the innermost location with `mir14_rt_trap_at` and returns `TRAP` to
//! its caller, up to [`run_compiled`], which reports it exactly as the interpreter does.
//!
//! Every function here is `extern "C"` and never unwinds: runtime errors are traps (values),
//! and the runtime itself does not panic on any input a verified module can produce.
//!
//! # Garbage collection
//!
//! Runtime functions that may allocate are safepoints: on entry they ask the heap whether a
//! collection is due and, if so, collect with these roots, all precise: their own operands, the
//! runtime's roots (pinned constants, the shadow root stack), the root area of every active
//! compiled frame ([`RootArea`], chained from [`Ctx`]: before each safepoint compiled code
//! stores there the values live at it, spec §5), and in a tiered run the interpreter's live
//! registers. Nothing on the native stack is scanned.
//!
//! # Layout
//!
//! - [`table`]: the one list of runtime functions. Every `mir14_rt_*` function is defined with
//!   `rt_functions!`, which also makes its [`RtFunction`] entry (name, Cranelift-free signature,
//!   address); [`imports`] lists every function compiled code imports, the JIT binds their
//!   names from it and `mir14-codegen` makes their import signatures from it.
//! - [`control`], [`values`], [`calls`], [`array`](mod@array), [`fast`]: the functions compiled
//!   code imports, by concept; [`main`]: [`run_compiled`] and the AOT start-up entry [`mir14_rt_main`].
//! - [`symbols`] (names by index), [`encode`] (operand encodings), `ctx` (the run's
//!   [`Ctx`] and the [`RootArea`] chain), `gc` (safepoints and collections from compiled code).

#[macro_use]
pub mod table;
pub mod array;
pub mod calls;
pub mod control;
mod ctx;
pub mod encode;
pub mod fast;
pub mod ffi;
mod gc;
pub mod main;
pub mod symbols;
pub mod values;

use crate::Val;
use ctx::CompiledHost;
pub use ctx::{
    Ctx, RootArea, TierHooks, CTX_CHARS, CTX_DEPTH, CTX_MAX_DEPTH, CTX_ROOTS, CTX_STRINGS,
    ROOT_AREA_COUNT, ROOT_AREA_PREV, ROOT_AREA_VALUES,
};
pub use encode::{
    decode_class, decode_type, encode_binop, encode_class, encode_cmp, encode_extern, encode_type,
    encode_unary,
};
pub use main::{call_compiled, mir14_rt_main, run_compiled, stack_size_for, RUNTIME_REENTRY_STACK};
pub use symbols::Symbols;
pub use table::{AbiReturn, AbiType, AbiValue, RtFunction};

/// The tag compiled code returns while a trap is pending.
pub const TRAP: u64 = u64::MAX;

/// The tag with which [`calls::TAIL_METHOD`] and [`calls::TAIL_VALUE`] say "tail call this
/// function": the low 32 bits of the bits are the function's index, and bit
/// [`TAIL_RECEIVER`] is set when the receiver (or the called user box) comes first.
pub const TAIL_CALL: u64 = u64::MAX - 1;

/// The bit of a [`TAIL_CALL`] result that says the receiver is the first argument.
pub const TAIL_RECEIVER: u64 = 1 << 32;

/// The array entry of a compiled function: `(ctx, args, nargs) -> Val`.
pub type ArrayEntry = unsafe extern "C" fn(*mut Ctx, *const Val, u64) -> Val;

/// The runtime functions compiled code may import, by module: every `rt_functions!` list
/// except [`main`]'s (the start-up entry, which only the generated C `main` calls).
static IMPORTS: [&[RtFunction]; 6] = [
    control::FUNCTIONS,
    values::FUNCTIONS,
    calls::FUNCTIONS,
    array::FUNCTIONS,
    fast::FUNCTIONS,
    ffi::FUNCTIONS,
];

/// Every runtime function compiled code may import: the JIT binds their names to their
/// addresses, the translator declares them with their signatures.
pub fn imports() -> impl Iterator<Item = &'static RtFunction> {
    IMPORTS.iter().flat_map(|m| m.iter())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imports_are_unique_and_take_the_context_first() {
        let mut names = std::collections::HashSet::new();
        for f in imports() {
            assert!(names.insert(f.name), "{} is listed twice", f.name);
            assert!(f.name.starts_with("mir14_rt_"), "{}", f.name);
            assert_eq!(f.params.first(), Some(&AbiType::Ctx), "{}", f.name);
            assert!(!f.addr().is_null());
        }
        assert!(names.contains("mir14_rt_binop") && names.contains("mir14_rt_array_get"));
        assert!(!names.contains("mir14_rt_main"));
    }

    #[test]
    fn signatures_come_from_the_definitions() {
        assert_eq!(
            values::BINOP.params,
            &[
                AbiType::Ctx,
                AbiType::I64,
                AbiType::I64,
                AbiType::I64,
                AbiType::I64,
                AbiType::I64
            ]
        );
        assert_eq!(values::BINOP.returns, &[AbiType::I64, AbiType::I64]);
        assert_eq!(control::FUEL.returns, &[AbiType::I64]);
        assert!(control::TRAP_AT.returns.is_empty());
        assert_eq!(calls::EXTERN.params[2], AbiType::Ptr);
        assert_eq!(main::MAIN.name, "mir14_rt_main");
        assert_eq!(main::MAIN.params[0], AbiType::I32);
        assert_eq!(main::MAIN.params.len(), 15);
        assert_eq!(main::MAIN.returns, &[AbiType::I32]);
        assert_eq!(main::MAIN.addr(), mir14_rt_main as *const u8);
    }
}
