//! Helpers shared by the integration tests: running the `mir14` binary (or another program)
//! through the harness runner (`mir14-harness`) with a time limit.

#![allow(dead_code)]

use mir14_harness::Outcome;
use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// The `mir14` binary Cargo built for these tests.
pub const BIN: &str = env!("CARGO_BIN_EXE_mir14");

/// How long one `mir14` invocation may take before it is killed and the test fails.
pub const TIMEOUT: Duration = Duration::from_secs(120);

/// A fresh, empty scratch directory `GROUP/TEST` under Cargo's temporary directory for
/// integration tests.
pub fn scratch(group: &str, test: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(group)
        .join(test);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes `name` with `contents` in `dir`.
pub fn put(dir: &Path, name: &str, contents: &[u8]) {
    fs::write(dir.join(name), contents).unwrap();
}

/// Runs `mir14 ARGS` in `cwd` with `stdin` as standard input, capturing both output streams.
pub fn mir14<S: AsRef<OsStr>>(args: &[S], cwd: &Path, stdin: &[u8]) -> Outcome {
    program(Path::new(BIN), args, cwd, stdin)
}

/// Runs the executable `bin` with `args` in `cwd` with `stdin` as standard input, capturing both
/// output streams, killed after [`TIMEOUT`].
pub fn program<S: AsRef<OsStr>>(bin: &Path, args: &[S], cwd: &Path, stdin: &[u8]) -> Outcome {
    program_env(bin, args, cwd, stdin, &[])
}

/// [`program`] with extra environment variables (and without `RUST_BACKTRACE`, so that panic
/// messages do not depend on the caller's environment).
pub fn program_env<S: AsRef<OsStr>>(
    bin: &Path,
    args: &[S],
    cwd: &Path,
    stdin: &[u8],
    env: &[(&str, &str)],
) -> Outcome {
    let mut cmd = Command::new(bin);
    cmd.args(args)
        .envs(env.iter().copied())
        .current_dir(cwd)
        .env_remove("RUST_BACKTRACE");
    mir14_harness::run(&mut cmd, Some(stdin), TIMEOUT)
}
