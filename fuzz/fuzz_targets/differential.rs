//! Fuzz target: fuzzer bytes → a generated module → `mir14 run --backend vm` and
//! `mir14 run --backend jit` as subprocesses (with `--fuel` and `--max-depth`, empty stdin, a
//! timeout), through the same runner as `mir14 fuzz` (`src/fuzz.rs`). Stdout, stderr and the exit
//! status must be identical; a difference is reported as a crash with the program's text.
//!
//! The `mir14` executable is `$MIR14_BIN` (default: `mir14` on the `PATH`); the backends compared
//! are `$MIR14_FUZZ_BACKENDS` (default `vm,jit`). The JIT keeps its output inside the process, so
//! an in-process comparison is not possible; subprocesses also turn a crash of a backend into a
//! divergence instead of a crash of the fuzzer.

#![no_main]

#[allow(dead_code)]
#[path = "../../src/fuzz.rs"]
mod fuzz;

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn options() -> &'static fuzz::Options {
    static OPTS: OnceLock<fuzz::Options> = OnceLock::new();
    OPTS.get_or_init(|| {
        let bin = std::env::var("MIR14_BIN").unwrap_or_else(|_| "mir14".into());
        let names = std::env::var("MIR14_FUZZ_BACKENDS").unwrap_or_else(|_| "vm,jit".into());
        let spec: Vec<String> = names
            .split(',')
            .map(|n| format!("{n}={bin} run --backend {n}"))
            .collect();
        let backends = fuzz::parse_backends(&spec.join(","))
            .unwrap_or_else(|e| panic!("MIR14_FUZZ_BACKENDS: {e}"));
        // `mir14 fuzz`'s defaults (see `mir14 help fuzz`); only the backends, the limits and the
        // timeout matter to `run_all`.
        fuzz::Options {
            seconds: 60,
            seed: 0,
            programs: None,
            backends,
            fuel: 100_000,
            fuel_checks: true,
            max_depth: 200,
            timeout: std::time::Duration::from_secs(10),
            out: "fuzz-out".into(),
            shrink: true,
            stop_on_divergence: false,
            vary_limits: true,
            shrink_seconds: 60,
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let module = mir14_gen::generate_from_bytes(data);
    let opts = options();
    let file = std::env::temp_dir().join(format!("mir14-differential-{}.mir", std::process::id()));
    let outcomes = fuzz::run_all(opts, &module, &file);
    for o in &outcomes {
        if let fuzz::Status::SpawnError(e) = &o.status {
            panic!("cannot run the backends (set MIR14_BIN): {e}");
        }
    }
    if let Some(diff) = fuzz::first_difference(&opts.backends, &outcomes) {
        panic!("backends diverge: {diff}\n{}", mir14_mir::print(&module));
    }
});
