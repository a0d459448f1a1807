//! `mir14-codegen`: the one translator from verified MIR14 to Cranelift IR, generic over
//! [`cranelift_module::Module`], driven by the JIT (`mir14-jit`, a `JITModule`) and by the AOT
//! backend (`mir14-aot`, an `ObjectModule`) alike.
//!
//! Calling convention of translated code (see `mir14_rt::abi`):
//! - every MIR value is a pair of `i64`s (tag, bits) held in two Cranelift variables;
//! - MIR function number `i`, `@f(a, b)`, becomes
//!   `mir14_f<i>(ctx, a.tag, a.bits, b.tag, b.bits) -> (tag, bits)` (the "direct" entry, local),
//!   plus an "array" entry `mir14_a<i>(ctx, args, nargs) -> (tag, bits)` (exported) that the
//!   runtime uses for dynamic calls;
//! - runtime functions are imported by their `#[no_mangle]` names, `mir14_rt_*`, with the
//!   signatures of their entries in the runtime's one table ([`mir14_rt::abi::imports`],
//!   turned into Cranelift signatures by [`imports`]);
//! - a parameter whose inferred type is known (and not annotated) travels without its tag
//!   (only its bits) in the direct entry: [`mir14_mir::infer`] proved every caller passes that
//!   type, so the tag is a constant;
//! - a returned tag of [`TRAP`](mir14_rt::abi::TRAP) means "a trap is pending in the
//!   runtime": every caller returns `TRAP` at once, recording the innermost location first
//!   (`mir14_rt_trap_at`);
//! - direct entries use Cranelift's `tail` calling convention, so a MIR `tail call` becomes a
//!   `return_call` (known callee) or a `return_call_indirect` through the table of direct
//!   entries (a callee the runtime resolved: `mir14_rt_tail_method` / `mir14_rt_tail_value`
//!   answer `TAIL_CALL` with the function, or run a builtin and answer its value). Cranelift's
//!   x86-64 tail calls need `preserve_frame_pointers`, which both drivers set.
//!
//! Types: the translator runs [`mir14_mir::infer::infer`] on the module. A value of known type
//! keeps only its bits in a Cranelift variable (its tag is a constant), tag tests on it fold at
//! translation time, and only values of unknown type take the generic path (inline fast cases,
//! then the runtime). [`TranslateOptions`] holds the options;
//! [`TranslateOptions::from_env`] reads the knobs for development and testing: `MIR14_UNTYPED=1`
//! turns inference off (the differential test `tests/typed.rs` compares both), `MIR14_DUMP=1`
//! prints the machine code of every function to stderr.
//!
//! # Layout
//!
//! - `module`: [`translate_module`] (declares every function's two entries, defines them), the
//!   entry signatures, [`define_bytes`];
//! - [`compile`]: compiling one function with a chosen ISA into bytes and defining them
//!   ([`compile::compile_to_bytes`], [`compile_function`] for IR handed to another thread
//!   (background compilation), [`define_compiled`]); functions of more than
//!   [`compile::BIG_FUNCTION_BLOCKS`] Cranelift blocks, or with a block of
//!   [`compile::MANY_PHIS`] parameters, are compiled by the whole-module translator with cheap
//!   settings (`opt_level=none`, and single-pass register allocation on many loops or phis;
//!   [`compile::settings_for`]), whose compile time is linear;
//! - [`imports`]: runtime functions as Cranelift imports;
//! - `lazy`: [`LazyModule`], per-function translation for tiered execution (calls through a
//!   table, OSR entries at loop headers);
//! - `function`: the translator of one function (prologue, blocks, phis, traps), with
//!   `function/inst.rs` (one MIR instruction), `function/ops.rs` (operators: inline fast
//!   paths on known or tested tags, the runtime otherwise), `function/tail.rs` (tail calls)
//!   and `function/wide.rs` (blocks of [`compile::WIDE_JOIN_PREDS`] predecessors or more: their
//!   phis travel through a stack slot and their edges through a tree of forwarding blocks,
//!   where block parameters made regalloc2 quadratic).

// `ModuleError` is Cranelift's own (large) error type, returned at most once per compilation.
#![allow(clippy::result_large_err)]

pub mod compile;
mod function;
pub mod imports;
mod lazy;
mod module;
#[cfg(test)]
mod testing;

pub use compile::{compile_function, define_compiled, CompiledFunction, FunctionIr};
pub use lazy::{osr_signature, LazyModule};
pub use module::{
    array_name, array_signature, define_bytes, direct_name, translate_module, Translated,
};

/// Whether Cranelift's IR verifier checks the generated code: `MIR14_CRANELIFT_VERIFY=1` turns it
/// on and `MIR14_CRANELIFT_VERIFY=0` off; by default it runs in debug builds (so every test
/// verifies) and not in release builds, where it would cost more than code generation itself.
pub fn verify_ir() -> bool {
    match std::env::var("MIR14_CRANELIFT_VERIFY").as_deref() {
        Ok("1") => true,
        Ok("0") => false,
        _ => cfg!(debug_assertions),
    }
}

/// Where tiered code finds the engine (`mir14-tier`): calls between MIR functions load the
/// callee's direct entry from `table` (one pointer per function, by `FuncId` index; 0 while
/// the callee is not compiled) and otherwise call `enter`, an
/// `extern "C" fn(ctx, f: u64, args: *const Val, n: u64) -> Val` that runs the callee through
/// the engine. Both are addresses in this process (JIT only).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct TierLinks {
    /// The address of the table of direct entries.
    pub table: u64,
    /// The address of the engine's entry function.
    pub enter: u64,
}

/// Options that change the generated code.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct TranslateOptions {
    /// Emit fuel checks (`mir14_rt_fuel`) at function entries and on taken back edges.
    pub fuel: bool,
    /// Run type inference and specialize on known types (the default); `false` sends every
    /// value down the generic path.
    pub typed: bool,
    /// Print the machine code of every function to stderr.
    pub dump: bool,
    /// `--profile`: call `mir14_rt_prof_enter` after the depth check of every function entry
    /// and `mir14_rt_prof_leave` at every return and tail call (a trap ends the run).
    pub profile: bool,
}

impl Default for TranslateOptions {
    /// No fuel checks, typed, no dump.
    fn default() -> TranslateOptions {
        TranslateOptions {
            fuel: false,
            typed: true,
            dump: false,
            profile: false,
        }
    }
}

impl TranslateOptions {
    /// The defaults with the environment knobs applied: `MIR14_UNTYPED=1` (untyped) and
    /// `MIR14_DUMP` (dump machine code).
    pub fn from_env() -> TranslateOptions {
        TranslateOptions {
            typed: std::env::var_os("MIR14_UNTYPED").is_none_or(|v| v != "1"),
            dump: std::env::var_os("MIR14_DUMP").is_some(),
            ..TranslateOptions::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_typed_without_fuel() {
        let o = TranslateOptions::default();
        assert!(o.typed && !o.fuel && !o.dump);
    }
}
