//! `mir14 parity`: runs one program on every backend, each in its own process, and compares
//! stdout, stderr and exit status byte for byte (brief §11). Subprocesses isolate the backends
//! from each other, so a crash or hang in one is reported as a difference, not suffered.

use crate::run::{Backend, RunOptions};
use std::io::{IsTerminal, Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long one backend may run before it is killed and reported as a timeout.
const TIMEOUT: Duration = Duration::from_secs(120);

/// What one run of a program produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// Everything written to stdout.
    pub stdout: Vec<u8>,
    /// Everything written to stderr.
    pub stderr: Vec<u8>,
    /// How the process ended: `exit N`, `killed by signal N` or `timed out`.
    pub status: String,
}

/// Runs `mir14 run --backend B [flags] FILE -- ARGS` as a subprocess of the executable `exe`,
/// feeding `stdin`, killing it after `timeout`.
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
    cmd.arg(file).arg("--").args(&opts.args);
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", exe.display()))?;
    // Feed stdin and drain both pipes on their own threads, so no pipe can fill up and block.
    let mut input = child.stdin.take();
    let data = stdin.to_vec();
    let feeder = std::thread::spawn(move || {
        if let Some(w) = input.as_mut() {
            let _ = w.write_all(&data);
        }
    });
    let drain = |r: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut r) = r {
                let _ = r.read_to_end(&mut buf);
            }
            buf
        })
    };
    let out = drain(
        child
            .stdout
            .take()
            .map(|r| Box::new(r) as Box<dyn Read + Send>),
    );
    let err = drain(
        child
            .stderr
            .take()
            .map(|r| Box::new(r) as Box<dyn Read + Send>),
    );
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break describe(s),
            Ok(None) if start.elapsed() > timeout => {
                let _ = child.kill();
                let _ = child.wait();
                break "timed out".to_string();
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(2)),
            Err(e) => return Err(format!("cannot wait for {}: {e}", exe.display())),
        }
    };
    let _ = feeder.join();
    Ok(Outcome {
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
        status,
    })
}

/// `exit N`, or `killed by signal N` on Unix.
fn describe(s: std::process::ExitStatus) -> String {
    if let Some(code) = s.code() {
        return format!("exit {code}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = s.signal() {
            return format!("killed by signal {sig}");
        }
    }
    "ended abnormally".to_string()
}

/// The first difference between two outcomes, described for a person; `None` if identical.
pub fn first_difference(a_name: &str, a: &Outcome, b_name: &str, b: &Outcome) -> Option<String> {
    if a.status != b.status {
        return Some(format!(
            "exit status: {a_name} {}, {b_name} {}",
            a.status, b.status
        ));
    }
    for (stream, x, y) in [
        ("stdout", &a.stdout, &b.stdout),
        ("stderr", &a.stderr, &b.stderr),
    ] {
        if x == y {
            continue;
        }
        let xs: Vec<&[u8]> = x.split_inclusive(|c| *c == b'\n').collect();
        let ys: Vec<&[u8]> = y.split_inclusive(|c| *c == b'\n').collect();
        let line = xs.iter().zip(&ys).take_while(|(p, q)| p == q).count();
        let show = |l: Option<&&[u8]>| match l {
            Some(l) => format!("{:?}", String::from_utf8_lossy(l)),
            None => "(end of output)".to_string(),
        };
        return Some(format!(
            "{stream} line {}:\n  {a_name}: {}\n  {b_name}: {}",
            line + 1,
            show(xs.get(line)),
            show(ys.get(line))
        ));
    }
    None
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

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(stdout: &str, stderr: &str, status: &str) -> Outcome {
        Outcome {
            stdout: stdout.into(),
            stderr: stderr.into(),
            status: status.into(),
        }
    }

    #[test]
    fn identical_outcomes_have_no_difference() {
        let a = outcome("1\n2\n", "", "exit 0");
        assert_eq!(first_difference("vm", &a, "jit", &a.clone()), None);
    }

    #[test]
    fn the_first_differing_line_is_named() {
        let a = outcome("1\n2\n3\n", "", "exit 0");
        let b = outcome("1\n2\n4\n", "", "exit 0");
        assert_eq!(
            first_difference("vm", &a, "jit", &b).unwrap(),
            "stdout line 3:\n  vm: \"3\\n\"\n  jit: \"4\\n\""
        );
        let short = outcome("1\n", "", "exit 0");
        assert_eq!(
            first_difference("vm", &a, "jit", &short).unwrap(),
            "stdout line 2:\n  vm: \"2\\n\"\n  jit: (end of output)"
        );
    }

    #[test]
    fn status_is_compared_first_then_stderr() {
        let a = outcome("", "error: x\n", "exit 101");
        let b = outcome("", "error: y\n", "exit 101");
        let c = outcome("", "error: x\n", "killed by signal 11");
        assert_eq!(
            first_difference("vm", &a, "aot", &c).unwrap(),
            "exit status: vm exit 101, aot killed by signal 11"
        );
        assert!(first_difference("vm", &a, "jit", &b)
            .unwrap()
            .starts_with("stderr line 1:"));
    }
}
