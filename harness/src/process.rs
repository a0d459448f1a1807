//! The process runner: starts a command with its stdin, collects stdout and stderr on their own
//! threads (so no pipe can fill up and block the child), and kills the command's whole process
//! group when it runs longer than its timeout. A process that cannot be started, a signal and a
//! timeout are outcomes like an exit status, so callers compare them like any other.

use std::io::{Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

/// How long the output of a timed-out process is waited for: a grandchild may still hold the
/// pipes open after the group was killed.
const GRACE: Duration = Duration::from_millis(500);

/// How a run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    /// Exited with this status.
    Exit(i32),
    /// Killed by this signal (0 when it ended without a status or a signal).
    Signal(i32),
    /// Did not finish within the timeout (and was killed).
    Timeout,
    /// Could not be started (or waited for): the reason, `PROGRAM: ERROR`.
    SpawnError(String),
}

impl std::fmt::Display for Status {
    /// `exit N`, `killed by signal N`, `timed out` or `cannot start: REASON`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Status::Exit(c) => write!(f, "exit {c}"),
            Status::Signal(s) => write!(f, "killed by signal {s}"),
            Status::Timeout => write!(f, "timed out"),
            Status::SpawnError(e) => write!(f, "cannot start: {e}"),
        }
    }
}

/// What one run of a process did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// Everything written to stdout.
    pub stdout: Vec<u8>,
    /// Everything written to stderr.
    pub stderr: Vec<u8>,
    /// How it ended.
    pub status: Status,
    /// How long it ran (wall clock).
    pub time: Duration,
}

impl Outcome {
    /// An outcome of a process that could not be started (or of a run that could not be set up).
    pub fn spawn_error(reason: impl Into<String>) -> Outcome {
        Outcome {
            stdout: Vec::new(),
            stderr: Vec::new(),
            status: Status::SpawnError(reason.into()),
            time: Duration::ZERO,
        }
    }

    /// The exit status, if the process exited (not killed, not timed out, not unstartable).
    pub fn code(&self) -> Option<i32> {
        match self.status {
            Status::Exit(c) => Some(c),
            _ => None,
        }
    }

    /// True if the process was killed for running longer than its timeout.
    pub fn timed_out(&self) -> bool {
        self.status == Status::Timeout
    }

    /// stdout as text (lossy).
    pub fn out(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// stderr as text (lossy).
    pub fn err(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }

    /// True if stderr shows a Rust panic.
    pub fn panicked(&self) -> bool {
        let err = self.err();
        err.contains("panicked") || err.contains("RUST_BACKTRACE")
    }
}

/// A started process, with the threads collecting its output; [`Running::wait`] finishes it.
/// Several can run at once: start them all, then wait for each.
pub struct Running {
    /// The child, or why it could not be started.
    child: Result<Child, String>,
    /// stdout, once the child closes it.
    stdout: Option<Receiver<Vec<u8>>>,
    /// stderr, once the child closes it.
    stderr: Option<Receiver<Vec<u8>>>,
    /// When it was started.
    started: Instant,
}

/// Starts `cmd` in its own process group with `stdin` as its standard input (`None`: no input,
/// `/dev/null`), stdout and stderr captured. The command's own stdio settings are replaced.
pub fn spawn(cmd: &mut Command, stdin: Option<&[u8]>) -> Running {
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    // Its own process group, so that a timeout kills whatever it started too.
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(cmd, 0);
    let started = Instant::now();
    let program = cmd.get_program().to_string_lossy().into_owned();
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            return Running {
                child: Err(format!("{program}: {e}")),
                stdout: None,
                stderr: None,
                started,
            }
        }
    };
    // Feed stdin on its own thread; dropping the pipe afterwards ends the child's input.
    if let (Some(mut pipe), Some(data)) = (child.stdin.take(), stdin) {
        let data = data.to_vec();
        std::thread::spawn(move || {
            let _ = pipe.write_all(&data);
        });
    }
    let stdout = child.stdout.take().map(collect);
    let stderr = child.stderr.take().map(collect);
    Running {
        child: Ok(child),
        stdout,
        stderr,
        started,
    }
}

/// Reads `pipe` to its end on a thread; the bytes arrive on the returned channel.
fn collect(mut pipe: impl Read + Send + 'static) -> Receiver<Vec<u8>> {
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = pipe.read_to_end(&mut buf);
        let _ = tx.send(buf);
    });
    rx
}

impl Running {
    /// Waits for the process to end, killing its process group once it has run for `timeout`
    /// (counted from its start), and collects its output.
    pub fn wait(self, timeout: Duration) -> Outcome {
        let mut child = match self.child {
            Ok(c) => c,
            Err(e) => return Outcome::spawn_error(e),
        };
        // Poll with a short, growing pause: quick programs are answered quickly.
        let mut pause = Duration::from_millis(1);
        let status = loop {
            match child.try_wait() {
                Ok(Some(s)) => break exit_status(s),
                Ok(None) if self.started.elapsed() >= timeout => {
                    kill_group(&child);
                    let _ = child.kill();
                    let _ = child.wait();
                    break Status::Timeout;
                }
                Ok(None) => {
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(5));
                }
                Err(e) => break Status::SpawnError(format!("cannot wait: {e}")),
            }
        };
        let grace = if status == Status::Timeout {
            GRACE
        } else {
            timeout
        };
        let output = |rx: Option<Receiver<Vec<u8>>>| {
            rx.and_then(|rx| rx.recv_timeout(grace).ok())
                .unwrap_or_default()
        };
        Outcome {
            stdout: output(self.stdout),
            stderr: output(self.stderr),
            status,
            time: self.started.elapsed(),
        }
    }
}

/// Runs `cmd` to its end (see [`spawn`] and [`Running::wait`]).
pub fn run(cmd: &mut Command, stdin: Option<&[u8]>, timeout: Duration) -> Outcome {
    spawn(cmd, stdin).wait(timeout)
}

/// Kills the process group led by `child` (unix).
fn kill_group(child: &Child) {
    #[cfg(unix)]
    if let Ok(pid) = libc::pid_t::try_from(child.id()) {
        // SAFETY: kill(2) with a negative pid signals that process group; no memory is involved.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
    #[cfg(not(unix))]
    let _ = child;
}

/// The [`Status`] of an ended process.
fn exit_status(s: std::process::ExitStatus) -> Status {
    if let Some(c) = s.code() {
        return Status::Exit(c);
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = s.signal() {
            return Status::Signal(sig);
        }
    }
    Status::Signal(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str) -> Command {
        let mut c = Command::new("/bin/sh");
        c.arg("-c").arg(script);
        c
    }

    #[test]
    fn output_status_and_stdin_are_collected() {
        let o = run(
            &mut sh("cat; echo err >&2; exit 3"),
            Some(b"in\n"),
            Duration::from_secs(30),
        );
        assert_eq!(o.stdout, b"in\n");
        assert_eq!(o.stderr, b"err\n");
        assert_eq!(o.status, Status::Exit(3));
        assert_eq!(o.code(), Some(3));
        assert_eq!(o.status.to_string(), "exit 3");
        let o = run(&mut sh("cat"), None, Duration::from_secs(30));
        assert_eq!((o.stdout.len(), o.code()), (0, Some(0)));
    }

    #[test]
    fn large_output_does_not_block() {
        let o = run(
            &mut sh("head -c 1000000 /dev/zero; head -c 300000 /dev/zero >&2"),
            None,
            Duration::from_secs(30),
        );
        assert_eq!((o.stdout.len(), o.stderr.len()), (1_000_000, 300_000));
    }

    #[test]
    fn a_timeout_kills_the_whole_group() {
        let t = Instant::now();
        // The grandchild `sleep` holds stdout open; killing the group ends it too.
        let o = run(
            &mut sh("echo started; sleep 20 & sleep 20"),
            None,
            Duration::from_millis(300),
        );
        assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
        assert_eq!(o.status, Status::Timeout);
        assert!(o.timed_out() && o.code().is_none());
        assert_eq!(o.status.to_string(), "timed out");
    }

    #[test]
    fn signals_and_spawn_errors_are_outcomes() {
        let o = run(&mut sh("kill -9 $$"), None, Duration::from_secs(30));
        assert_eq!(o.status, Status::Signal(9));
        assert_eq!(o.status.to_string(), "killed by signal 9");
        let o = run(
            &mut Command::new("/nonexistent/program"),
            None,
            Duration::from_secs(1),
        );
        let Status::SpawnError(e) = &o.status else {
            panic!("{:?}", o.status)
        };
        assert!(e.starts_with("/nonexistent/program: "), "{e}");
        assert!(o
            .status
            .to_string()
            .starts_with("cannot start: /nonexistent/program: "));
    }

    #[test]
    fn several_run_at_once() {
        let t = Instant::now();
        let running: Vec<Running> = (0..3).map(|_| spawn(&mut sh("sleep 0.4"), None)).collect();
        for r in running {
            assert_eq!(r.wait(Duration::from_secs(30)).status, Status::Exit(0));
        }
        assert!(
            t.elapsed() < Duration::from_millis(1100),
            "{:?}",
            t.elapsed()
        );
    }
}
