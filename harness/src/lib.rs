//! `mir14-harness`: what the `mir14` CLI (`parity`, `fuzz`) and the tests share for running and
//! comparing programs.
//!
//! - [`process`]: one process runner with limits (stdin, a wall-clock timeout, the process in its
//!   own process group, killed as a group on timeout) and its one result type, [`Outcome`].
//! - [`compare`]: [`first_difference`] between two outcomes (status, then the first differing
//!   line of stdout or stderr), [`first_divergence`] among several, and a readable line [`diff`]
//!   for test failures.
//! - [`spec`]: the conformance suite's layout (spec/MIR14.md §8): the walker of `spec/tests/`
//!   ([`mir_files`]) and the loader of a run test's expectation files ([`RunTest`]).
//!
//! It depends on nothing of mir14 (no IR, no Cranelift), so the IR crate's tests can use it.

pub mod compare;
pub mod process;
pub mod spec;

pub use compare::{diff, first_difference, first_divergence};
pub use process::{run, spawn, Outcome, Running, Status};
pub use spec::{all_files, mir_files, program_files, spec_tests_dir, RunTest};
