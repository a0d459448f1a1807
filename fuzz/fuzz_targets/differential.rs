//! Fuzz target: fuzzer bytes → a generated module (`mir14-gen`) → `mir14 run --backend vm` and
//! `mir14 run --backend jit` as subprocesses (with `--fuel` and `--max-depth`, empty stdin, a
//! timeout) through the same runner and comparison as `mir14 fuzz` (`mir14-harness`). Stdout,
//! stderr and the exit status must be identical; a difference is reported as a crash with the
//! program's text.
//!
//! The `mir14` executable is `$MIR14_BIN` (default: `mir14` on the `PATH`); the backends compared
//! are `$MIR14_FUZZ_BACKENDS` (default `vm,jit`). The JIT keeps its output inside the process, so
//! an in-process comparison is not possible; subprocesses also turn a crash of a backend into a
//! divergence instead of a crash of the fuzzer.

#![no_main]

use libfuzzer_sys::fuzz_target;
use mir14_harness::{first_divergence, Status};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

/// The limits every run gets: `mir14 fuzz`'s defaults.
const FUEL: u64 = 100_000;
const MAX_DEPTH: u64 = 200;
const TIMEOUT: Duration = Duration::from_secs(10);

/// The `mir14` executable and the backend names to compare.
fn config() -> &'static (String, Vec<String>) {
    static CONFIG: OnceLock<(String, Vec<String>)> = OnceLock::new();
    CONFIG.get_or_init(|| {
        let bin = std::env::var("MIR14_BIN").unwrap_or_else(|_| "mir14".into());
        let names = std::env::var("MIR14_FUZZ_BACKENDS").unwrap_or_else(|_| "vm,jit".into());
        let names: Vec<String> = names.split(',').map(str::to_string).collect();
        assert!(
            names.len() >= 2,
            "MIR14_FUZZ_BACKENDS: name at least two backends"
        );
        (bin, names)
    })
}

fuzz_target!(|data: &[u8]| {
    let module = mir14_gen::generate_from_bytes(data);
    let (bin, names) = config();
    let file = std::env::temp_dir().join(format!("mir14-differential-{}.mir", std::process::id()));
    std::fs::write(&file, mir14_mir::print(&module)).expect("write the program");
    // Every backend at once, then wait for each.
    let running: Vec<_> = names
        .iter()
        .map(|name| {
            let mut cmd = Command::new(bin);
            cmd.args(["run", "--backend", name])
                .arg(&file)
                .arg("--fuel")
                .arg(FUEL.to_string())
                .arg("--max-depth")
                .arg(MAX_DEPTH.to_string());
            mir14_harness::spawn(&mut cmd, None)
        })
        .collect();
    let outcomes: Vec<_> = running.into_iter().map(|r| r.wait(TIMEOUT)).collect();
    for o in &outcomes {
        if let Status::SpawnError(e) = &o.status {
            panic!("cannot run the backends (set MIR14_BIN): {e}");
        }
    }
    if let Some(diff) = first_divergence(names, &outcomes) {
        panic!("backends diverge: {diff}\n{}", mir14_mir::print(&module));
    }
});
