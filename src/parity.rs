//! `mir14 parity`: runs one program on every backend, each in its own process, and compares
//! stdout, stderr and exit status byte for byte (spec §10). Subprocesses isolate the backends
//! from each other, so a crash or hang in one is reported as a difference, not suffered.

use crate::run::{Backend, RunOptions};
use mir14_harness::{first_difference, Outcome, Status};
use std::io::{IsTerminal, Read, Write};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// How long one backend may run before it is killed and reported as a timeout.
const TIMEOUT: Duration = Duration::from_secs(120);

/// Runs `mir14 run --backend B [flags] FILE -- ARGS` as a subprocess of the executable `exe`,
/// feeding `stdin`, killing it (and its process group) after `timeout`. An error when the
/// process cannot be started at all.
pub fn run_backend(
    exe: &Path,
    backend: Backend,
    file: &Path,
    opts: &RunOptions,
    stdin: &[u8],
    timeout: Duration,
) -> Result<Outcome, String> {
    let mut cmd = Command::new(exe);
    cmd.arg("run").arg("--backend").arg(backend.name());
    if let Some(fuel) = opts.fuel {
        cmd.arg("--fuel").arg(fuel.to_string());
    }
    cmd.arg("--max-depth").arg(opts.max_depth.to_string());
    for l in &opts.libs {
        cmd.arg("--lib").arg(l);
    }
    if let Some(h) = opts.max_heap {
        cmd.arg("--max-heap").arg(h.to_string());
    }
    cmd.arg(file).arg("--").args(&opts.args);
    let o = mir14_harness::run(&mut cmd, Some(stdin), timeout);
    match o.status {
        Status::SpawnError(e) => Err(format!("cannot start {e}")),
        _ => Ok(o),
    }
}

/// `mir14 parity FILE`: the exit status is 0 when every backend agrees, 1 on any difference,
/// 2 when a backend could not be started at all.
pub fn parity(file: &Path, opts: &RunOptions, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let exe = match std::env::current_exe() {
        Ok(p) => p,
        Err(e) => {
            let _ = writeln!(err, "error: cannot find the mir14 executable: {e}");
            return 2;
        }
    };
    // The same standard input for every backend (none when stdin is a terminal).
    let mut stdin = Vec::new();
    if !std::io::stdin().is_terminal() {
        let _ = std::io::stdin().read_to_end(&mut stdin);
    }
    let mut results = Vec::new();
    for backend in Backend::ALL {
        match run_backend(&exe, backend, file, opts, &stdin, TIMEOUT) {
            Ok(o) => {
                let _ = writeln!(
                    out,
                    "{}: {}, stdout {} bytes, stderr {} bytes",
                    backend.name(),
                    o.status,
                    o.stdout.len(),
                    o.stderr.len()
                );
                results.push((backend, o));
            }
            Err(e) => {
                let _ = writeln!(err, "error: {e}");
                return 2;
            }
        }
    }
    let (reference, first) = &results[0];
    for (backend, o) in &results[1..] {
        if let Some(diff) = first_difference(reference.name(), first, backend.name(), o) {
            let _ = writeln!(
                out,
                "parity: {} differs from {}: {diff}",
                backend.name(),
                reference.name()
            );
            return 1;
        }
    }
    let _ = writeln!(out, "parity: all backends agree");
    0
}
