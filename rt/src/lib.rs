//! `mir14-rt`: the MIR14 runtime shared by every backend (vm, jit, aot): values, the box heap,
//! builtin box methods, externs, the one formatting function, traps, depth and fuel accounting.
//!
//! # Values
//!
//! [`Val`] is `#[repr(C)] { tag: u64, bits: u64 }` (two registers). Tags: [`VOID`]=0,
//! [`BOOL`]=1, [`INT`]=2, [`FLOAT`]=3, [`STR`]=4, [`ARRAY`]=5, [`MAP`]=6, [`FUNC`]=7 (bits =
//! `FuncId` index), [`OP`]=8 (bits = [`op_index`]), [`USER`]=9. Heap kinds (String, ArrayBox,
//! MapBox, user box) carry a pointer made by the runtime's [`Heap`]; identity is the pointer.
//! Code generators can inline the Integer/Float/Bool fast paths on `tag`/`bits` and call the
//! runtime for everything else.
//!
//! # The runtime API (what backends and the C ABI wrap)
//!
//! Everything goes through a [`Runtime`] (`*mut Runtime` in a C ABI). Operations take and return
//! [`Val`]s and small ids, and return `Result<_, Trap>`; an `extern "C"` wrapper can store the
//! trap in [`Runtime::pending`] and return a sentinel. Operations that may run MIR code (a user
//! `toString`, `birth`, `apply`, a user method) take `host: &mut dyn Host`: the backend's
//! [`Host::call_function`] runs a module function.
//!
//! - Setup: [`Runtime::new`]`(module, Config, Io)`; [`Io::real`], [`Io::captured`].
//! - Names resolved once at compile time: [`Runtime::method_id`]`(name) -> u32`,
//!   [`Runtime::field_id`]`(name) -> u32`; string constants: `rt.heap.alloc_str(s)` (immutable,
//!   shareable).
//! - Operators: [`Runtime::unary`], [`Runtime::binop`] (host: string concat), [`Runtime::compare`]
//!   / [`Runtime::compare_bool`], [`values_equal`], [`Runtime::has_type`] (typeop check),
//!   [`Runtime::cast`], [`Runtime::type_of`]; Integer helpers [`int_binop`].
//! - Boxes: [`Runtime::new_builtin`]`(class, args)`, [`Runtime::new_user`]`(box)` +
//!   [`Runtime::birth_of`], or [`Runtime::new_box`] / [`Runtime::new_user_full`] (runs `birth`);
//!   [`Runtime::load_field`]`(obj, field_id)`, [`Runtime::store_field`].
//! - Calls: [`Runtime::call_method`]`(host, recv, method_id, args)` (user method first, then
//!   builtin), or its pieces [`Runtime::find_user_method`] + [`Runtime::check_method_arity`] +
//!   [`Runtime::call_builtin_method`]; static [`Runtime::resolve_static_method`] /
//!   [`Runtime::call_static_method`]; value calls [`Runtime::resolve_value_call`] /
//!   [`Runtime::call_value`]; operator boxes [`Runtime::apply_operator`]; externs
//!   [`Runtime::call_extern`]`(host, ExternFn, args)`.
//! - Functions: [`Runtime::enter_function`]`(f, units)` (depth check, then fuel; located at `f`'s entry),
//!   [`Runtime::check_params`], [`Runtime::leave_function`], [`Runtime::spend_fuel`] (taken back
//!   edges; the caller locates the trap at the target block), [`Runtime::check_return`].
//! - Strings: [`Runtime::to_string_form`] / [`Runtime::to_string_val`] / [`Runtime::fmt_into`],
//!   [`fmt_float`].
//! - The end: [`Runtime::finish`]`(Result<Val, Trap>) -> i32` flushes stdout, prints the trap line
//!   `error: Kind: message (in @f, label)` and returns the exit status (101 for traps, `code & 255`
//!   for `env.process.exit`, main's Integer `& 255`, else 0). Traps are located with
//!   [`Trap::at`]`(func, block)` by the first backend frame that sees them.
//!
//! # Memory (see `heap.rs` and ARCHITECTURE.md)
//!
//! A tracing, non-moving mark-sweep collector. Allocation never collects; a backend calls
//! [`Heap::should_collect`] before an instruction that may allocate (a *safepoint*) and, when it
//! is due, [`Heap::collect`]`(roots)` with its own roots, all precise: in every active frame
//! the values live at its safepoint (spec §5, `mir14_mir::analysis::SafepointRoots`). The vm
//! passes the registers of those values; compiled code reaches the safepoints inside the C ABI
//! ([`abi`]), which walks the compiled frames' root areas ([`abi::RootArea`]). Runtime code that keeps a `Val` in
//! Rust memory across a [`Host::call_function`] pushes it with [`Heap::push_root`] and pops it
//! with [`Heap::pop_roots`]; constants that live as long as the code are [`Heap::pin`]ned.
//! `MIR14_GC_STRESS=1` (or [`Heap::set_stress`]) collects at every safepoint.
//!
//! # What a backend does around each MIR function (the VM does exactly this)
//!
//! 1. The caller checks the argument count (`TypeError` located at the call), then the callee's
//!    entry runs [`Runtime::enter_function`] (depth, then fuel: already located at the callee's
//!    entry block) and, if any parameter is annotated ([`Runtime::has_param_annotations`]),
//!    [`Runtime::check_params`] (located likewise).
//! 2. Every runtime operation's trap is located with [`Trap::at`]`(func, block)` at the
//!    instruction's block, unless already located (a trap raised inside a nested MIR call keeps
//!    its innermost location).
//! 3. A taken back edge (target dominates source) with fuel on: [`Runtime::spend_fuel`], located
//!    at the target block.
//! 4. `ret`: [`Runtime::check_return`] (located at the `ret`'s block) if annotated, then
//!    [`Runtime::leave_function`].
//! 5. The program: run `@main` (entered like any call), then [`Runtime::finish`].
//!
//! A C ABI wrapper can pass `Val` by value (two `u64`s: `rax:rdx` on SysV x86-64), pass
//! argument lists as `(*const Val, usize)`, keep the trap in [`Runtime::pending`] and return a
//! sentinel, and implement [`Host`] with a table of compiled function pointers. Nothing in the
//! runtime panics on any `Val` it made itself.
//!
//! # Decisions beyond the spec
//!
//! - `sort()` of mixed elements traps as a stable insertion sort would: the first element not
//!   comparable with the element sorting last before it, later one first (`[1, "a"]` →
//!   `cannot compare String and Integer with lt`); one-element arrays never trap; NaN sorts after
//!   every other number.
//! - Invalid UTF-8 on stdin is replaced by U+FFFD; `env.fs.read` of invalid UTF-8 traps `IoError`
//!   with Rust's message (`stream did not contain valid UTF-8`). The `<OS error text>` of
//!   `IoError` is Rust's `io::Error` display (`No such file or directory (os error 2)`).
//! - Writing to stderr flushes stdout first (no effect on per-stream bytes).
//! - `new MapBox(x)` etc. with a wrong count (not reachable from verified modules) traps
//!   `wrong number of arguments to new MapBox: expected 0, got 1`.

pub mod abi;
mod debug;
mod externs;
pub mod ffi;
mod format;
mod frontend_methods;
mod heap;
mod map;
mod methods;
mod ops;
mod profile;
mod runtime;
mod trap;
mod value;

pub use debug::{BlockPos, DebugInfo, FuncPos, Pos, SourceFile};
pub use ffi::{HostFunction, HostFunctions, HostValue};
pub use format::{fmt_float, quote_into};
pub use heap::{
    array_mut, map_mut, str_obj, str_of, user_mut, ArrayObj, Heap, StrObj, UserObj,
    CHAR_INDEX_CHARS_OFFSET, CHAR_INDEX_COUNT_OFFSET, CHAR_INDEX_FIRST_OFFSET, SAMPLE,
    STR_ASCII_OFFSET, STR_BASE_OFFSET, STR_INLINE_OFFSET, STR_LEN_OFFSET, STR_PTR_OFFSET,
    USER_BOX_OFFSET, USER_FIELDS_OFFSET,
};
pub use map::{FxHashMap, FxHasher, MapKey, MapObj};
pub use methods::{builtin_arity, Builtin};
pub use mir14_mir::FfiType;
pub use ops::{
    cmp_int_float, cmp_numbers, float_binop, float_to_int, int_binop, values_equal, ValueCall,
};
pub use profile::{FuncProfile, Profile};
pub use runtime::{
    default_max_heap, BoxMeta, Config, FuncMeta, Host, Io, Runtime, Sink, Source, BACKTRACE_FULL,
    BACKTRACE_KEEP,
};
pub use trap::{Site, Trap, TrapKind};
pub use value::*;
