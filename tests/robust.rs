//! Robustness of the `mir14` binary (issue 21): what a hostile user can do to the tool from the
//! command line must end in a clear message and a defined exit status, never a crash, a lost
//! file or a leaked process.

mod common;

use common::mir14;
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
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("robust")
        .join(test);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes `name` with `contents` in `dir`.
fn put(dir: &Path, name: &str, contents: &[u8]) {
    fs::write(dir.join(name), contents).unwrap();
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
