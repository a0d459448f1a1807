//! The `mir14` binary on good and bad input: exit statuses, diagnostic format, no panics, the
//! `fmt` fixed point, the JSON round trip, `cfg` and `run`'s argument handling.

mod common;

use common::{mir14, put};
use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};

/// A program with a declared loop: prints 0..9 and returns 10.
const LOOP: &str = "; counts to ten
fn @main() {
  loop header=bb1 body=bb2 latch=bb2 exit=bb3
bb0:
  %zero = const 0
  %ten = const 10
  %one = const 1
  jump bb1
bb1:
  %i = phi [bb0: %zero], [bb2: %next]
  %c = compare lt %i, %ten
  branch %c, bb2, bb3
bb2:
  extern env.console.log(%i)
  %next = binop add %i, %one
  jump bb1
bb3:
  ret %i
}
";

/// A fresh scratch directory for one test.
fn scratch(test: &str) -> PathBuf {
    common::scratch("cli", test)
}

/// Asserts exit status 2, a one-line-or-more `error:` message, and no panic.
fn assert_bad(o: &mir14_harness::Outcome, must_contain: &str) {
    assert_eq!(o.code(), Some(2), "status; stderr:\n{}", o.err());
    assert!(!o.panicked(), "panicked:\n{}", o.err());
    assert!(o.out().is_empty(), "stdout should be empty:\n{}", o.out());
    assert!(
        o.err().contains(must_contain),
        "stderr should contain {must_contain:?}:\n{}",
        o.err()
    );
}

#[test]
fn usage_errors_exit_2_with_one_line() {
    let dir = scratch("usage");
    put(&dir, "p.mir", LOOP.as_bytes());
    let cases: &[(&[&str], &str)] = &[
        (&[], "error: missing command"),
        (
            &["frobnicate", "p.mir"],
            "error: unknown command `frobnicate`",
        ),
        (&["check"], "error: missing input file"),
        (
            &["check", "--fast", "p.mir"],
            "error: unknown flag `--fast` for `mir14 check`",
        ),
        (
            &["run", "p.mir", "--fuel"],
            "error: flag `--fuel` needs a value",
        ),
        (
            &["run", "p.mir", "--fuel", "lots"],
            "error: invalid value `lots` for `--fuel`",
        ),
        (
            &["run", "p.mir", "--max-depth=-1"],
            "error: invalid value `-1`",
        ),
        (
            &["run", "p.mir", "--backend", "gpu"],
            "error: unknown backend `gpu`",
        ),
        (
            &["run", "p.mir", "extra"],
            "program arguments go after `--`",
        ),
        (
            &["cfg", "p.mir", "--function"],
            "error: flag `--function` needs a value",
        ),
        (
            &["fmt", "p.mir", "q.mir"],
            "error: unexpected argument `q.mir`",
        ),
    ];
    for (args, msg) in cases {
        let o = mir14(args, &dir, b"");
        assert_bad(&o, msg);
        assert_eq!(o.err().lines().count(), 1, "{args:?}: {}", o.err());
    }
}

#[test]
fn help_goes_to_stdout() {
    let dir = scratch("help");
    for args in [
        &["--help"][..],
        &["help"],
        &["help", "run"],
        &["run", "--help"],
    ] {
        let o = mir14(args, &dir, b"");
        assert_eq!(o.code(), Some(0));
        assert!(o.out().contains("usage"), "{args:?}: {}", o.out());
        assert!(o.err().is_empty());
    }
    let o = mir14(&["help", "run"], &dir, b"");
    assert!(o.out().contains("--max-depth"));
}

#[test]
fn missing_and_unreadable_files() {
    let dir = scratch("missing");
    for cmd in ["check", "fmt", "json", "cfg", "run"] {
        let o = mir14(&[cmd, "nope.mir"], &dir, b"");
        assert_bad(&o, "error: cannot read nope.mir: No such file or directory");
        assert_eq!(o.err().lines().count(), 1);
    }
    // A directory is not a readable file either.
    fs::create_dir_all(dir.join("sub.mir")).unwrap();
    assert_bad(
        &mir14(&["check", "sub.mir"], &dir, b""),
        "error: cannot read sub.mir",
    );
}

#[test]
fn empty_file_is_an_empty_module() {
    let dir = scratch("empty");
    put(&dir, "e.mir", b"");
    let o = mir14(&["check", "e.mir"], &dir, b"");
    assert_eq!(o.code(), Some(0), "{}", o.err());
    assert!(o.err().is_empty() && o.out().is_empty());
    let o = mir14(&["fmt", "e.mir"], &dir, b"");
    assert_eq!(o.code(), Some(0), "{}", o.err());
    // Nothing to run.
    assert_bad(
        &mir14(&["run", "e.mir"], &dir, b""),
        "error: no function @main in e.mir",
    );
}

#[test]
fn binary_garbage_is_located() {
    let dir = scratch("garbage");
    put(&dir, "g.mir", b"fn @main() {\n\x00\xff\xfe\x80garbage");
    let o = mir14(&["check", "g.mir"], &dir, b"");
    assert_bad(&o, "g.mir:2:2: error: the file is not valid UTF-8");
    // Valid UTF-8 that is not MIR14.
    put(&dir, "h.mir", b"\x01\x02 }}{{ @@ %% \"\\q");
    let o = mir14(&["check", "h.mir"], &dir, b"");
    assert_bad(&o, "h.mir:1:1: error: ");
    // The same for JSON input.
    put(&dir, "g.json", b"\xff{");
    assert_bad(
        &mir14(&["check", "g.json"], &dir, b""),
        "g.json:1:1: error: the file is not valid UTF-8",
    );
}

#[test]
fn unterminated_string_has_position_and_caret() {
    let dir = scratch("string");
    put(
        &dir,
        "s.mir",
        b"fn @main() {\nbb0:\n  %s = const \"abc\n  ret %s\n}\n",
    );
    let o = mir14(&["check", "s.mir"], &dir, b"");
    assert_bad(&o, "unterminated string");
    let err = o.err();
    let first = err.lines().next().unwrap();
    assert!(first.starts_with("s.mir:3:"), "{err}");
    assert!(first.contains(": error: "), "{err}");
    // The source line and a caret line follow.
    let lines: Vec<&str> = err.lines().collect();
    assert!(lines.len() >= 3, "{err}");
    assert_eq!(lines[1], "  %s = const \"abc");
    assert!(lines[2].trim_start().starts_with('^'), "{err}");
}

#[test]
fn json_garbage_is_located() {
    let dir = scratch("json");
    for (name, text) in [
        ("a.json", &b"{\"mir14\": 1,\n  \"functions\": [oops]}"[..]),
        ("b.json", b""),
        ("c.json", b"[1, 2, 3]"),
        (
            "d.json",
            b"{\"mir14\": 99, \"boxes\": [], \"functions\": []}",
        ),
    ] {
        put(&dir, name, text);
        let o = mir14(&["check", name], &dir, b"");
        assert_bad(&o, &format!("{name}:"));
        let first = o.err().lines().next().unwrap_or_default().to_string();
        let rest = &first[name.len() + 1..];
        let mut parts = rest.splitn(3, ':');
        let line = parts.next().unwrap_or_default();
        let col = parts.next().unwrap_or_default();
        assert!(
            line.parse::<usize>().is_ok() && col.parse::<usize>().is_ok(),
            "no line:col in {first:?}"
        );
    }
}

#[test]
fn verifier_errors_point_at_the_instruction() {
    let dir = scratch("verify");
    put(
        &dir,
        "v.mir",
        b"fn @main() {\nbb0:\n  %a = const 1\n  ret %nope\n}\n",
    );
    let o = mir14(&["check", "v.mir"], &dir, b"");
    assert_bad(&o, "value `%nope` is used but never defined");
    // At the operand: `ret %nope` has `%nope` at column 7.
    assert!(o.err().starts_with("v.mir:4:7:"), "{}", o.err());
    // Every command refuses an invalid module the same way.
    for cmd in ["fmt", "json", "cfg", "run"] {
        let o2 = mir14(&[cmd, "v.mir"], &dir, b"");
        assert_bad(&o2, "value `%nope` is used but never defined");
    }
}

#[test]
fn fmt_is_a_fixed_point() {
    let dir = scratch("fmt");
    put(&dir, "p.mir", LOOP.as_bytes());
    let first = mir14(&["fmt", "p.mir"], &dir, b"");
    assert_eq!(first.code(), Some(0), "{}", first.err());
    assert!(
        !first.out().contains("counts to ten"),
        "comments are dropped"
    );
    assert!(first
        .out()
        .starts_with("fn @main() {\n  loop header=bb1 body=bb2 latch=bb2 exit=bb3\n"));
    put(&dir, "q.mir", &first.stdout);
    let second = mir14(&["fmt", "q.mir"], &dir, b"");
    assert_eq!(second.code(), Some(0), "{}", second.err());
    assert_eq!(first.out(), second.out());
}

#[test]
fn json_round_trip_through_the_cli() {
    let dir = scratch("roundtrip");
    put(&dir, "p.mir", LOOP.as_bytes());
    let json = mir14(&["json", "p.mir"], &dir, b"");
    assert_eq!(json.code(), Some(0), "{}", json.err());
    assert!(json.out().contains("\"mir14\""), "{}", json.out());
    put(&dir, "p.json", &json.stdout);
    let check = mir14(&["check", "p.json"], &dir, b"");
    assert_eq!(check.code(), Some(0), "{}", check.err());
    let text = mir14(&["fmt", "p.json"], &dir, b"");
    let direct = mir14(&["fmt", "p.mir"], &dir, b"");
    assert_eq!(text.code(), Some(0), "{}", text.err());
    assert_eq!(text.out(), direct.out());
    let again = mir14(&["json", "p.json"], &dir, b"");
    assert_eq!(again.out(), json.out());
}

#[test]
fn cfg_draws_blocks_edges_and_loops() {
    let dir = scratch("cfg");
    put(&dir, "p.mir", LOOP.as_bytes());
    let o = mir14(&["cfg", "p.mir"], &dir, b"");
    assert_eq!(o.code(), Some(0), "{}", o.err());
    let dot = o.out();
    assert!(dot.starts_with("digraph mir14 {\n"), "{dot}");
    assert!(dot.contains("label=\"@main\";"), "{dot}");
    assert!(dot.contains("subgraph \"cluster_f0_loop0\""), "{dot}");
    assert!(
        dot.contains("label=\"loop header=bb1 body=bb2 latch=bb2 exit=bb3\";"),
        "{dot}"
    );
    assert!(dot.contains("%c = compare lt %i, %ten\\l"), "{dot}");
    assert!(
        dot.contains("\"f0_b1\" -> \"f0_b2\" [label=\"true\"];"),
        "{dot}"
    );
    assert!(dot.contains("\"f0_b2\" -> \"f0_b1\";"), "{dot}");
    let o = mir14(&["cfg", "p.mir", "--function", "@main"], &dir, b"");
    assert_eq!(o.out(), dot);
    assert_bad(
        &mir14(&["cfg", "p.mir", "--function", "nope"], &dir, b""),
        "error: p.mir has no function @nope",
    );
}

#[test]
fn run_checks_its_input_before_running() {
    let dir = scratch("run");
    put(&dir, "lib.mir", b"fn @helper() {\nbb0:\n  ret\n}\n");
    assert_bad(
        &mir14(&["run", "lib.mir", "--", "a"], &dir, b""),
        "error: no function @main in lib.mir",
    );
    put(&dir, "args.mir", b"fn @main(%x) {\nbb0:\n  ret %x\n}\n");
    assert_bad(
        &mir14(&["run", "args.mir"], &dir, b""),
        "`@main` must not have parameters",
    );
}

#[test]
fn closed_stdout_is_not_a_panic() {
    use std::process::{Command, Stdio};
    let dir = scratch("pipe");
    // Enough output to overflow any pipe buffer.
    let mut src = String::from("fn @main() {\nbb0:\n");
    for i in 0..20_000 {
        src.push_str(&format!(
            "  %v{i} = const \"a fairly long string constant number {i}\"\n"
        ));
    }
    src.push_str("  ret\n}\n");
    put(&dir, "big.mir", src.as_bytes());
    let mut child = Command::new(common::BIN)
        .args(["fmt", "big.mir"])
        .current_dir(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(out.status.code(), Some(0), "{err}");
}

#[test]
fn truncated_programs_never_panic() {
    let dir = scratch("truncated");
    let bytes = LOOP.as_bytes();
    // Every prefix (by a small step), and the program with one byte replaced.
    for cut in (0..bytes.len()).step_by(3) {
        put(&dir, "t.mir", &bytes[..cut]);
        let o = mir14(&["check", "t.mir"], &dir, b"");
        assert!(!o.panicked(), "prefix {cut}: {}", o.err());
        assert!(
            matches!(o.code(), Some(0) | Some(2)),
            "prefix {cut}: {}",
            o.status
        );
        if o.code() == Some(2) {
            assert!(o.err().starts_with("t.mir:"), "prefix {cut}: {}", o.err());
        }
    }
    for (at, with) in [
        (20, b'{'),
        (60, b'"'),
        (100, b'%'),
        (150, b'@'),
        (200, b'\\'),
    ] {
        let mut b = bytes.to_vec();
        b[at] = with;
        put(&dir, "m.mir", &b);
        let o = mir14(&["check", "m.mir"], &dir, b"");
        assert!(!o.panicked(), "byte {at}: {}", o.err());
        assert!(matches!(o.code(), Some(0) | Some(2)));
    }
}

#[test]
fn examples_check_cleanly() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut examples: Vec<PathBuf> = fs::read_dir(root.join("examples"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "mir"))
        .collect();
    examples.sort();
    assert!(examples.iter().any(|p| p.ends_with("hello.mir")));
    for path in examples {
        let o = mir14(&[OsStr::new("check"), path.as_os_str()], &root, b"");
        assert_eq!(o.code(), Some(0), "{}: {}", path.display(), o.err());
        assert!(o.err().is_empty(), "{}: {}", path.display(), o.err());
    }
}

#[test]
fn json_verifier_errors_name_the_entity_and_its_position() {
    let dir = scratch("json_verify");
    put(
        &dir,
        "t.mir",
        b"fn @main() {\nbb0:\n  %a = const 1\n  ret %a\n}\n",
    );
    let json = mir14(&["json", "t.mir"], &dir, b"");
    assert_eq!(json.code(), Some(0), "{}", json.err());
    let text = json.out();
    let broken = text.replacen("\"value\": \"a\"", "\"value\": \"nope\"", 1);
    assert_ne!(broken, text, "the JSON form changed shape:\n{text}");
    put(&dir, "t.json", broken.as_bytes());
    let o = mir14(&["check", "t.json"], &dir, b"");
    assert_bad(
        &o,
        "error: in @main, block bb0, instruction 2: value `%nope` is used but never defined",
    );
    // Located at the instruction's JSON object, with the source line and a caret.
    let err = o.err();
    let first = err.lines().next().unwrap_or_default();
    let (line, col) = broken
        .lines()
        .enumerate()
        .filter(|(_, l)| l.trim() == "{")
        .map(|(i, l)| (i + 1, l.find('{').unwrap() + 1))
        .last()
        .unwrap();
    assert!(
        first.starts_with(&format!("t.json:{line}:{col}: error: ")),
        "{err}"
    );
    assert_eq!(err.lines().nth(2).map(str::trim), Some("^"), "{err}");
}

#[test]
fn build_writes_a_standalone_executable() {
    let dir = scratch("build_standalone");
    put(&dir, "loop.mir", LOOP.as_bytes());
    let o = mir14(&["build", "loop.mir", "-o", "counter"], &dir, b"");
    assert_eq!(o.code(), Some(0), "build failed:\n{}", o.err());
    assert_eq!(o.out(), "");
    assert_eq!(o.err(), "");
    // Moved away from everything the build used, it still runs.
    let away = scratch("build_standalone_moved");
    fs::rename(dir.join("counter"), away.join("counter")).unwrap();
    fs::remove_dir_all(&dir).unwrap();
    let o = common::program(&away.join("counter"), &["ignored", "args"], &away, b"");
    assert_eq!(o.out(), "0\n1\n2\n3\n4\n5\n6\n7\n8\n9\n");
    assert_eq!(o.err(), "");
    // @main returns 10.
    assert_eq!(o.code(), Some(10));
}

#[test]
fn build_bakes_in_fuel_and_depth() {
    let dir = scratch("build_limits");
    put(&dir, "loop.mir", LOOP.as_bytes());
    // main's entry and four taken back edges spend the five units (five lines); the fifth back
    // edge finds none left.
    let o = mir14(
        &["build", "loop.mir", "-o", "short", "--fuel", "5"],
        &dir,
        b"",
    );
    assert_eq!(o.code(), Some(0), "build failed:\n{}", o.err());
    let o = common::program(&dir.join("short"), &["--fuel", "1000"], &dir, b"");
    assert_eq!(o.out(), "0\n1\n2\n3\n4\n");
    // Arriving at the loop header `bb1` (line 9) over the back edge spends the sixth unit.
    assert_eq!(
        o.err(),
        "error: OutOfFuel: fuel exhausted (in @main, bb1)\n  at @main, bb1 (loop.mir:9:1)\n"
    );
    assert_eq!(o.code(), Some(101));
    // A depth limit of 1 lets main run but no call.
    put(
        &dir,
        "call.mir",
        b"fn @f() {\nbb0:\n  ret\n}\n\nfn @main() {\nbb0:\n  call @f()\n  ret\n}\n",
    );
    let o = mir14(
        &["build", "call.mir", "--max-depth=1", "-o", "flat"],
        &dir,
        b"",
    );
    assert_eq!(o.code(), Some(0), "build failed:\n{}", o.err());
    let o = common::program(&dir.join("flat"), &[] as &[&str], &dir, b"");
    assert_eq!(o.out(), "");
    assert_eq!(
        o.err(),
        "error: StackOverflow: call depth exceeded 1 (in @f, bb0)\n  at @f, bb0 (call.mir:1:1)\n  \
         at @main, bb0 (call.mir:8:3)\n"
    );
    assert_eq!(o.code(), Some(101));
}

#[test]
fn build_and_run_aot_report_bad_input_like_run() {
    let dir = scratch("build_bad_input");
    put(&dir, "nomain.mir", b"fn @f() {\nbb0:\n  ret\n}\n");
    let o = mir14(&["build", "nomain.mir", "-o", "x"], &dir, b"");
    assert_bad(&o, "no function @main");
    assert!(!dir.join("x").exists());
    let o = mir14(&["build", "missing.mir", "-o", "x"], &dir, b"");
    assert_bad(&o, "missing.mir");
    let o = mir14(&["build", "nomain.mir"], &dir, b"");
    assert_bad(&o, "missing output file");
    // A C compiler that does not exist: a clear message and status 1, not a panic.
    put(&dir, "loop.mir", LOOP.as_bytes());
    let o = common::program_env(
        Path::new(common::BIN),
        &["build", "loop.mir", "-o", "x"],
        &dir,
        b"",
        &[("CC", "/nonexistent/cc")],
    );
    assert_eq!(o.code(), Some(1), "stderr:\n{}", o.err());
    assert!(o.err().starts_with("error: "), "{}", o.err());
    assert!(o.err().contains("apt-get install gcc"), "{}", o.err());
}

#[test]
fn run_backend_aot_runs_the_program() {
    let dir = scratch("run_aot");
    put(&dir, "loop.mir", LOOP.as_bytes());
    let o = mir14(&["run", "--backend", "aot", "loop.mir"], &dir, b"");
    assert_eq!(o.out(), "0\n1\n2\n3\n4\n5\n6\n7\n8\n9\n");
    assert_eq!(o.err(), "");
    assert_eq!(o.code(), Some(10));
    // Program arguments and stdin reach the executable.
    put(
        &dir,
        "echo.mir",
        b"fn @main() {\nbb0:\n  %a = extern env.args()\n  extern env.console.log(%a)\n  %l = extern env.stdin.read_line()\n  extern env.console.print(%l)\n  ret\n}\n",
    );
    let o = mir14(
        &["run", "--backend=aot", "echo.mir", "--", "x", "--fuel"],
        &dir,
        b"first line\nsecond\n",
    );
    assert_eq!(o.out(), "[\"x\", \"--fuel\"]\nfirst line");
    assert_eq!(o.err(), "");
    assert_eq!(o.code(), Some(0));
}

#[test]
fn parity_runs_every_backend_with_the_same_input() {
    let dir = scratch("parity");
    // Reads a line of stdin and the program arguments, so every backend must get both.
    put(
        &dir,
        "echo.mir",
        b"fn @main() {\nbb0:\n  %l = extern env.stdin.read_line()\n  extern env.console.log(%l)\n  %a = extern env.args()\n  extern env.console.log(%a)\n  %z = const 3\n  ret %z\n}\n",
    );
    let o = mir14(&["parity", "echo.mir", "--", "x", "y"], &dir, b"hello\n");
    assert_eq!(
        o.code(),
        Some(0),
        "stdout:\n{}\nstderr:\n{}",
        o.out(),
        o.err()
    );
    // 6 bytes of the line, 11 of `["x", "y"]\n`; exit 3 everywhere.
    assert_eq!(
        o.out(),
        "vm: exit 3, stdout 17 bytes, stderr 0 bytes\n\
         jit: exit 3, stdout 17 bytes, stderr 0 bytes\n\
         tiered: exit 3, stdout 17 bytes, stderr 0 bytes\n\
         aot: exit 3, stdout 17 bytes, stderr 0 bytes\n\
         parity: all backends agree\n"
    );
    put(&dir, "lib.mir", b"fn @helper() {\nbb0:\n  ret\n}\n");
    assert_bad(
        &mir14(&["parity", "lib.mir"], &dir, b""),
        "error: no function @main in lib.mir",
    );
}

#[test]
fn color_flag_and_did_you_mean() {
    let dir = scratch("color");
    put(
        &dir,
        "u.mir",
        b"fn @main() {\nbb0:\n  %r = call @mian()\n  ret\n}\n",
    );
    // Not a terminal: plain, with the help line after the caret line.
    let o = mir14(&["check", "u.mir"], &dir, b"");
    assert_bad(&o, "unknown function `@mian`");
    assert_eq!(
        o.err(),
        "u.mir:3:13: error: unknown function `@mian`\n  %r = call @mian()\n            ^^^^^\n  = help: did you mean `@main`?\n"
    );
    let never = mir14(&["check", "--color", "never", "u.mir"], &dir, b"");
    assert_eq!(never.err(), o.err());
    // Forced colour: escape sequences, and the same first line once they are removed.
    let o = mir14(&["check", "u.mir", "--color=always"], &dir, b"");
    assert_eq!(o.code(), Some(2));
    let err = o.err();
    assert!(err.contains("\x1b["), "{err}");
    let first: String = err
        .lines()
        .next()
        .unwrap()
        .split('\x1b')
        .enumerate()
        .map(|(i, part)| {
            if i == 0 {
                part
            } else {
                part.split_once('m').map_or("", |p| p.1)
            }
        })
        .collect();
    assert_eq!(first, "u.mir:3:13: error: unknown function `@mian`");
    assert!(err.contains("did you mean `@main`?"), "{err}");
    let bad = mir14(&["check", "u.mir", "--color", "sometimes"], &dir, b"");
    assert_eq!(bad.code(), Some(2));
}

#[test]
fn dominance_errors_show_the_definition() {
    let dir = scratch("dominance");
    put(
        &dir,
        "d.mir",
        b"fn @main() {\nbb0:\n  %c = const true\n  branch %c, a, b\na:\n  %x = const 1\n  jump b\nb:\n  ret %x\n}\n",
    );
    let o = mir14(&["check", "d.mir"], &dir, b"");
    assert_bad(&o, "is not dominated by its definition");
    let err = o.err();
    let lines: Vec<&str> = err.lines().collect();
    assert!(lines[0].starts_with("d.mir:9:7:"), "{err}");
    assert_eq!(lines[3], "d.mir:6:3: note: `%x` is defined here", "{err}");
    assert_eq!(lines[4], "  %x = const 1", "{err}");
}

/// `mir14 build --lib` with a static archive and a shared library (spec §4.9): the C function
/// is linked into the executable; an import that the archive lacks is bad input (status 2)
/// with the interpreter's message; a library that does not exist is bad input too.
#[test]
fn build_links_c_libraries() {
    let dir = scratch("build_c_libraries");
    put(
        &dir,
        "twice.c",
        b"#include <stdint.h>\nint64_t twice(int64_t n) { return 2 * n; }\n",
    );
    let cc = |args: &[&str]| {
        let ok = std::process::Command::new("cc")
            .args(args)
            .current_dir(&dir)
            .status()
            .unwrap()
            .success();
        assert!(ok, "cc {args:?}");
    };
    cc(&["-c", "-fPIC", "twice.c", "-o", "twice.o"]);
    cc(&["-shared", "twice.o", "-o", "libtwice.so"]);
    assert!(std::process::Command::new("ar")
        .args(["rcs", "libtwice.a", "twice.o"])
        .current_dir(&dir)
        .status()
        .unwrap()
        .success());
    let prog = "import c.twice(Integer) -> Integer\nfn @main() {\nbb0:\n  %n = const 21\n  %r = extern c.twice(%n)\n  extern env.console.log(%r)\n  ret\n}\n";
    put(&dir, "p.mir", prog.as_bytes());
    for lib in ["./libtwice.a", "libtwice.so"] {
        let o = mir14(&["build", "p.mir", "-o", "p", "--lib", lib], &dir, b"");
        assert_eq!(o.code(), Some(0), "build --lib {lib}:\n{}", o.err());
        let o = common::program(&dir.join("p"), &[] as &[&str], &dir, b"");
        assert_eq!((o.out(), o.code()), ("42\n".into(), Some(0)), "{}", o.err());
    }
    let o = mir14(
        &["run", "--backend", "vm", "--lib", "./libtwice.so", "p.mir"],
        &dir,
        b"",
    );
    assert_eq!(o.out(), "42\n");
    let missing = prog.replace("twice", "thrice");
    put(&dir, "q.mir", missing.as_bytes());
    let want = "error: undefined C function c.thrice: no library given with --lib defines it\n";
    for lib in ["./libtwice.a", "./libtwice.so"] {
        let o = mir14(&["build", "q.mir", "-o", "q", "--lib", lib], &dir, b"");
        assert_bad(&o, "");
        assert_eq!(o.err(), want);
    }
    let o = mir14(
        &["run", "--backend", "jit", "--lib", "./nope.so", "p.mir"],
        &dir,
        b"",
    );
    assert_bad(&o, "error: cannot load library ./nope.so: ");
    let o = mir14(
        &["build", "p.mir", "-o", "p", "--lib", "./nope.a"],
        &dir,
        b"",
    );
    assert_bad(&o, "error: cannot load library ./nope.a: no such file");
}
