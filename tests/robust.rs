//! Robustness of the `mir14` binary (issue 21): what a hostile user can do to the tool from the
//! command line must end in a clear message and a defined exit status, never a crash, a lost
//! file or a leaked process.

mod common;

use common::{mir14, put};
use std::fs;
use std::path::{Path, PathBuf};

/// Prints its arguments, one a line.
const ARGS: &str = "fn @main() {
bb0:
  %a = extern env.args()
  extern env.console.log(%a)
  ret
}
";

/// A fresh scratch directory for one test.
fn scratch(test: &str) -> PathBuf {
    common::scratch("robust", test)
}

#[test]
fn build_refuses_to_overwrite_its_source() {
    let dir = scratch("build_self");
    put(&dir, "p.mir", ARGS.as_bytes());
    for out in ["p.mir", "./p.mir", "../build_self/p.mir"] {
        let o = mir14(&["build", "p.mir", "-o", out], &dir, b"");
        assert_eq!(o.code(), Some(2), "{out}: {}", o.err());
        assert!(o.err().starts_with("error: "), "{}", o.err());
        assert!(o.err().contains("is the program itself"), "{}", o.err());
        assert_eq!(fs::read(dir.join("p.mir")).unwrap(), ARGS.as_bytes());
    }
    // A hard link to the source is the same file.
    #[cfg(unix)]
    {
        fs::hard_link(dir.join("p.mir"), dir.join("q")).unwrap();
        let o = mir14(&["build", "p.mir", "-o", "q"], &dir, b"");
        assert_eq!(o.code(), Some(2), "{}", o.err());
        assert_eq!(fs::read(dir.join("p.mir")).unwrap(), ARGS.as_bytes());
    }
}

#[test]
fn max_depth_zero_is_rejected() {
    let dir = scratch("depth0");
    put(&dir, "p.mir", ARGS.as_bytes());
    for cmd in ["run", "build", "parity"] {
        let mut args = vec![cmd, "p.mir", "--max-depth", "0"];
        if cmd == "build" {
            args.extend(["-o", "x"]);
        }
        let o = mir14(&args, &dir, b"");
        assert_eq!(o.code(), Some(2), "{cmd}: {}", o.err());
        assert!(
            o.err().contains(
                "invalid value `0` for `--max-depth` (expected an integer of at least 1)"
            ),
            "{cmd}: {}",
            o.err()
        );
    }
}

#[cfg(unix)]
#[test]
fn non_utf8_program_arguments_are_decoded_lossily() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let dir = scratch("lossy_args");
    put(&dir, "p.mir", ARGS.as_bytes());
    let bad = OsStr::from_bytes(b"a\xffb");
    for backend in ["vm", "jit", "aot"] {
        let head = ["run", "--backend", backend, "p.mir", "--", "x"];
        let args: Vec<&OsStr> = head.iter().map(OsStr::new).chain([bad]).collect();
        let o = mir14(&args, &dir, b"");
        assert_eq!(o.code(), Some(0), "{backend}: {}", o.err());
        assert_eq!(o.out(), "[\"x\", \"a\u{fffd}b\"]\n", "{backend}");
    }
}

#[cfg(target_os = "linux")]
#[test]
fn stdout_write_errors_are_reported_on_every_backend() {
    use std::process::{Command, Stdio};
    let dir = scratch("dev_full");
    put(
        &dir,
        "p.mir",
        b"fn @main() {\nbb0:\n  %s = const \"hello\"\n  extern env.console.log(%s)\n  %r = const 7\n  ret %r\n}\n",
    );
    let mut seen = Vec::new();
    for backend in ["vm", "jit", "aot"] {
        let out = Command::new(common::BIN)
            .args(["run", "--backend", backend, "p.mir"])
            .current_dir(&dir)
            .stdout(fs::File::create("/dev/full").unwrap())
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(101), "{backend}: {err}");
        assert!(
            err.starts_with("error: IoError: cannot write to stdout: No space left on device"),
            "{backend}: {err}"
        );
        seen.push(err);
    }
    assert!(seen.windows(2).all(|w| w[0] == w[1]), "{seen:?}");
}

/// Loops forever.
#[cfg(target_os = "linux")]
const FOREVER: &str = "fn @main() {\nbb0:\n  jump bb1\nbb1:\n  jump bb1\n}\n";

/// The pids of the processes whose parent is `parent` (Linux `/proc`).
#[cfg(target_os = "linux")]
fn children_of(parent: u32) -> Vec<u32> {
    let mut out = Vec::new();
    for e in fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = fs::read_to_string(e.path().join("stat")) else {
            continue;
        };
        // `pid (comm) state ppid ...`; comm may hold spaces, so split after the last `)`.
        let Some(rest) = stat.rsplit_once(')').map(|r| r.1) else {
            continue;
        };
        if rest.split_whitespace().nth(1) == Some(&parent.to_string()) {
            out.push(pid);
        }
    }
    out
}

/// Starts `mir14 run --backend aot` on [`FOREVER`] with `TMPDIR` in a scratch directory and
/// waits until the compiled program runs; returns the `mir14` child, the program's pid and the
/// temporary directory root.
#[cfg(target_os = "linux")]
fn start_forever(test: &str) -> (std::process::Child, u32, PathBuf) {
    use std::process::{Command, Stdio};
    let dir = scratch(test);
    let tmp = dir.join("tmp");
    fs::create_dir_all(&tmp).unwrap();
    put(&dir, "p.mir", FOREVER.as_bytes());
    let child = Command::new(common::BIN)
        .args(["run", "--backend", "aot", "p.mir"])
        .current_dir(&dir)
        .env("TMPDIR", &tmp)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut child = child;
    // The compiled program is the child of `mir14` that is not the C compiler.
    let prog = poll(&mut child, 120, "the program never started", |c| {
        children_of(c.id()).into_iter().find(|p| {
            fs::read_link(format!("/proc/{p}/exe"))
                .is_ok_and(|e| e.file_name().is_some_and(|n| n == "prog"))
        })
    });
    (child, prog, tmp)
}

/// Waits at most a minute for `child` to end (killing it then, which fails the test).
#[cfg(target_os = "linux")]
fn wait_a_minute(mut child: std::process::Child) -> std::process::ExitStatus {
    poll(&mut child, 60, "mir14 did not end within a minute", |c| {
        c.try_wait().unwrap()
    })
}

/// Asks `ready` every 20 ms until it gives a value; after `secs` seconds kills `child` and
/// fails the test with `failure`.
#[cfg(target_os = "linux")]
fn poll<T>(
    child: &mut std::process::Child,
    secs: u64,
    failure: &str,
    mut ready: impl FnMut(&mut std::process::Child) -> Option<T>,
) -> T {
    let start = std::time::Instant::now();
    loop {
        if let Some(v) = ready(child) {
            return v;
        }
        if start.elapsed().as_secs() > secs {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{failure}");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[cfg(target_os = "linux")]
#[test]
fn sigterm_to_run_aot_kills_the_program_and_cleans_up() {
    use std::os::unix::process::ExitStatusExt;
    let (child, prog, tmp) = start_forever("sigterm");
    // SAFETY: signalling our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let status = wait_a_minute(child);
    assert_eq!(status.signal(), Some(libc::SIGTERM), "{status:?}");
    // The program is gone (not even a zombie: `mir14` reaped it) and so is the directory.
    assert!(
        !Path::new(&format!("/proc/{prog}")).exists(),
        "program {prog} still runs"
    );
    assert_eq!(
        fs::read_dir(&tmp).unwrap().count(),
        0,
        "temporary files left"
    );
}

#[cfg(target_os = "linux")]
#[test]
fn sigkill_to_run_aot_takes_the_program_with_it() {
    let (mut child, prog, _tmp) = start_forever("sigkill");
    // SIGKILL cannot be forwarded: the program must die with its parent anyway.
    child.kill().unwrap();
    child.wait().unwrap();
    let start = std::time::Instant::now();
    loop {
        // Gone, or a zombie waiting for its new parent to reap it: either way not running.
        let state = fs::read_to_string(format!("/proc/{prog}/stat")).unwrap_or_default();
        let running = state
            .rsplit(')')
            .next()
            .and_then(|rest| rest.split_whitespace().next())
            .is_some_and(|s| s != "Z" && s != "X");
        if !running {
            break;
        }
        if start.elapsed().as_secs() > 60 {
            // SAFETY: ending the orphan this test made, so it does not outlive the test.
            unsafe { libc::kill(prog as i32, libc::SIGKILL) };
            panic!("program {prog} outlived `mir14 run` (orphaned)");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[cfg(target_os = "linux")]
#[test]
fn a_signal_in_the_aot_program_is_reported_as_a_signal() {
    use std::os::unix::process::ExitStatusExt;
    let (child, prog, tmp) = start_forever("child_signal");
    // SAFETY: signalling our grandchild, which is still running.
    unsafe { libc::kill(prog as i32, libc::SIGUSR1) };
    let status = wait_a_minute(child);
    assert_eq!(status.signal(), Some(libc::SIGUSR1), "{status:?}");
    assert_eq!(
        fs::read_dir(&tmp).unwrap().count(),
        0,
        "temporary files left"
    );
}

#[cfg(target_os = "linux")]
#[test]
fn hello_runs_in_one_gigabyte_of_address_space() {
    use std::process::Command;
    let dir = scratch("ulimit");
    put(
        &dir,
        "hello.mir",
        b"fn @main() {\nbb0:\n  %s = const \"hi\"\n  extern env.console.log(%s)\n  ret\n}\n",
    );
    // Tiered (the default) cannot reserve compiled code's stack for 100,000 calls in 1 GiB: it
    // runs the program in the interpreter alone.
    for backend in ["vm", "jit", "tiered"] {
        let out = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "ulimit -v 1048576 && exec '{}' run --backend {backend} hello.mir",
                common::BIN
            ))
            .current_dir(&dir)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{backend}: {err}");
        assert_eq!(out.stdout, b"hi\n", "{backend}");
    }
}

#[test]
fn max_heap_must_be_positive() {
    let dir = scratch("max_heap0");
    put(&dir, "p.mir", ARGS.as_bytes());
    let o = mir14(&["run", "p.mir", "--max-heap", "0"], &dir, b"");
    assert_eq!(o.code(), Some(2), "{}", o.err());
    assert!(o.err().contains("--max-heap"), "{}", o.err());
}
