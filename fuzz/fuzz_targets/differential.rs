//! Fuzz target: fuzzer bytes → a generated module (`mir14-gen`) → `mir14 run --backend B` for
//! the vm, the jit, tiered (a threshold chosen from the input, so that the same input always
//! mixes interpreted and compiled frames the same way) and, on every Nth input, aot, as
//! subprocesses (with `--fuel` and `--max-depth`, empty stdin, a timeout) through the same
//! runner and comparison as `mir14 fuzz` (`mir14-harness`). Stdout, stderr and the exit status
//! must be identical to the vm's; a difference is reported as a crash with the program's text.
//!
//! Environment:
//! - `MIR14_BIN`: the `mir14` executable (default: `mir14` on the `PATH`);
//! - `MIR14_FUZZ_BACKENDS`: the backends compared, the reference first (default
//!   `vm,jit,tiered,aot`);
//! - `MIR14_FUZZ_AOT_EVERY`: aot (which compiles and links an executable per run, ~6 programs
//!   a second) runs on the inputs whose hash is a multiple of this (default 16; 1 = every
//!   input). The choice depends on the input only, so a reproducer reruns the same backends.
//!
//! The JIT keeps its output inside the process, so an in-process comparison is not possible;
//! subprocesses also turn a crash of a backend into a divergence instead of a crash of the
//! fuzzer.

#![no_main]

use libfuzzer_sys::fuzz_target;
use mir14_harness::{first_divergence, Status};
use std::hash::{Hash, Hasher};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

/// The limits every run gets: `mir14 fuzz`'s defaults.
const FUEL: u64 = 100_000;
const MAX_DEPTH: u64 = 200;
const TIMEOUT: Duration = Duration::from_secs(10);

/// The tier thresholds an input can pick: 0 compiles every function at its first call, small
/// ones switch in the middle of loops and recursions (OSR, mixed frames), large ones mostly
/// stay interpreted.
const THRESHOLDS: [u64; 7] = [0, 1, 2, 3, 10, 100, 5_000];

/// What the environment chose: the executable, the backends, how often aot runs.
struct Config {
    bin: String,
    backends: Vec<String>,
    aot_every: u64,
}

fn config() -> &'static Config {
    static CONFIG: OnceLock<Config> = OnceLock::new();
    CONFIG.get_or_init(|| {
        let bin = std::env::var("MIR14_BIN").unwrap_or_else(|_| "mir14".into());
        let names =
            std::env::var("MIR14_FUZZ_BACKENDS").unwrap_or_else(|_| "vm,jit,tiered,aot".into());
        let backends: Vec<String> = names.split(',').map(str::to_string).collect();
        assert!(
            backends.len() >= 2,
            "MIR14_FUZZ_BACKENDS: name at least two backends"
        );
        let aot_every = std::env::var("MIR14_FUZZ_AOT_EVERY")
            .ok()
            .and_then(|s| s.parse().ok())
            .filter(|&n| n > 0)
            .unwrap_or(16);
        Config {
            bin,
            backends,
            aot_every,
        }
    })
}

/// A hash of the input (the same on every run of the fuzzer binary).
fn input_hash(data: &[u8]) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    data.hash(&mut h);
    h.finish()
}

/// The backends this input runs on (aot on every `aot_every`th hash, when configured), each
/// with its extra flags (tiered: `--tier-threshold`, picked by the hash).
fn backends_for(cfg: &Config, hash: u64) -> Vec<(String, Vec<String>)> {
    cfg.backends
        .iter()
        .enumerate()
        .filter(|(i, name)| *i == 0 || name.as_str() != "aot" || hash % cfg.aot_every == 0)
        .map(|(_, name)| {
            let flags = if name == "tiered" {
                let t = THRESHOLDS[((hash >> 8) % THRESHOLDS.len() as u64) as usize];
                vec!["--tier-threshold".to_string(), t.to_string()]
            } else {
                Vec::new()
            };
            (name.clone(), flags)
        })
        .collect()
}

fuzz_target!(|data: &[u8]| {
    let module = mir14_gen::generate_from_bytes(data);
    let cfg = config();
    let runs = backends_for(cfg, input_hash(data));
    let file = std::env::temp_dir().join(format!("mir14-differential-{}.mir", std::process::id()));
    std::fs::write(&file, mir14_mir::print(&module)).expect("write the program");
    // Every backend at once, then wait for each.
    let running: Vec<_> = runs
        .iter()
        .map(|(name, flags)| {
            let mut cmd = Command::new(&cfg.bin);
            cmd.args(["run", "--backend", name])
                .args(flags)
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
    let names: Vec<String> = runs
        .iter()
        .map(|(name, flags)| {
            if flags.is_empty() {
                name.clone()
            } else {
                format!("{name} {}", flags.join(" "))
            }
        })
        .collect();
    if let Some(diff) = first_divergence(&names, &outcomes) {
        panic!("backends diverge: {diff}\n{}", mir14_mir::print(&module));
    }
});
