//! Helpers shared by the integration tests: running the `mir14` binary with a time limit, and a
//! readable line diff.

#![allow(dead_code)]

use std::ffi::OsStr;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// The `mir14` binary Cargo built for these tests.
pub const BIN: &str = env!("CARGO_BIN_EXE_mir14");

/// How long one `mir14` invocation may take before it is killed and the test fails.
pub const TIMEOUT: Duration = Duration::from_secs(120);

/// What one invocation did.
#[derive(Debug)]
pub struct Outcome {
    /// Everything written to stdout.
    pub stdout: Vec<u8>,
    /// Everything written to stderr.
    pub stderr: Vec<u8>,
    /// The exit status; `None` if a signal ended the process.
    pub code: Option<i32>,
    /// True if the process was killed for running longer than [`TIMEOUT`].
    pub timed_out: bool,
}

impl Outcome {
    /// stdout as text (lossy).
    pub fn out(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// stderr as text (lossy).
    pub fn err(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }

    /// How the process ended, for messages: `exit status 2`, `killed by a signal`, `timed out`.
    pub fn status_text(&self) -> String {
        if self.timed_out {
            format!("timed out after {}s and was killed", TIMEOUT.as_secs())
        } else {
            match self.code {
                Some(c) => format!("exit status {c}"),
                None => "killed by a signal".to_string(),
            }
        }
    }

    /// True if stderr shows a Rust panic.
    pub fn panicked(&self) -> bool {
        let err = self.err();
        err.contains("panicked") || err.contains("RUST_BACKTRACE")
    }
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

/// [`program`] with extra environment variables.
pub fn program_env<S: AsRef<OsStr>>(
    bin: &Path,
    args: &[S],
    cwd: &Path,
    stdin: &[u8],
    env: &[(&str, &str)],
) -> Outcome {
    let mut child = match Command::new(bin)
        .args(args)
        .envs(env.iter().copied())
        .current_dir(cwd)
        .env_remove("RUST_BACKTRACE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => {
            return Outcome {
                stdout: Vec::new(),
                stderr: format!("cannot start {}: {e}", bin.display()).into_bytes(),
                code: None,
                timed_out: false,
            }
        }
    };
    // Feed stdin and drain both pipes on their own threads so that no pipe can fill up.
    let input = stdin.to_vec();
    let mut sin = child.stdin.take();
    let writer = thread::spawn(move || {
        if let Some(s) = sin.as_mut() {
            let _ = s.write_all(&input);
        }
        drop(sin);
    });
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_end(&mut buf);
            }
            buf
        })
    };
    let out = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let err = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let deadline = Instant::now() + TIMEOUT;
    let mut pause = Duration::from_millis(1);
    let mut timed_out = false;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() >= deadline => {
                timed_out = true;
                let _ = child.kill();
                break child.wait().ok();
            }
            Ok(None) => {
                thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(20));
            }
            Err(_) => break None,
        }
    };
    let _ = writer.join();
    Outcome {
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
        code: status.and_then(|s| s.code()),
        timed_out,
    }
}

/// A line diff of `expected` against `actual` (`- ` expected only, `+ ` actual only, three
/// lines of context), or an explanation when they differ only in invalid UTF-8 bytes.
pub fn diff(expected: &[u8], actual: &[u8]) -> String {
    let e = String::from_utf8_lossy(expected);
    let a = String::from_utf8_lossy(actual);
    if e == a {
        return "  (the outputs differ only in bytes that are not valid UTF-8)\n".to_string();
    }
    let el: Vec<&str> = e.split_inclusive('\n').collect();
    let al: Vec<&str> = a.split_inclusive('\n').collect();
    const LIMIT: usize = 3000;
    if el.len() > LIMIT || al.len() > LIMIT {
        // Too long for the quadratic diff: show the first differing line.
        let i = el.iter().zip(&al).take_while(|(x, y)| x == y).count();
        return format!(
            "  first difference at line {}:\n- {}+ {}",
            i + 1,
            show(el.get(i).copied().unwrap_or("<end of output>\n")),
            show(al.get(i).copied().unwrap_or("<end of output>\n"))
        );
    }
    // Longest common subsequence table, from the ends.
    let (n, m) = (el.len(), al.len());
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if el[i] == al[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    // Walk it into a list of (marker, line).
    let mut ops: Vec<(char, &str)> = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && el[i] == al[j] {
            ops.push((' ', el[i]));
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1]) {
            ops.push(('-', el[i]));
            i += 1;
        } else {
            ops.push(('+', al[j]));
            j += 1;
        }
    }
    // Keep changes and three lines of context around them.
    let near_change = |k: usize| {
        let lo = k.saturating_sub(3);
        let hi = (k + 3).min(ops.len() - 1);
        (lo..=hi).any(|x| ops[x].0 != ' ')
    };
    let mut text = String::new();
    let mut skipped = false;
    for (k, (mark, line)) in ops.iter().enumerate() {
        if near_change(k) {
            if skipped {
                text.push_str("  ...\n");
                skipped = false;
            }
            text.push(*mark);
            text.push(' ');
            text.push_str(&show(line));
        } else {
            skipped = true;
        }
    }
    if skipped {
        text.push_str("  ...\n");
    }
    text
}

/// A line for a diff: control characters made visible, and a marker if it has no final newline.
fn show(line: &str) -> String {
    let (body, newline) = match line.strip_suffix('\n') {
        Some(b) => (b, true),
        None => (line, false),
    };
    let mut s = String::new();
    for c in body.chars() {
        if c.is_control() && c != '\t' {
            s.extend(c.escape_default());
        } else {
            s.push(c);
        }
    }
    if !newline {
        s.push_str("  <no newline at end>");
    }
    s.push('\n');
    s
}
