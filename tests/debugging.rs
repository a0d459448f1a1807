//! Finding bugs in MIR programs with `mir14`: backtraces of frontend (Nyash) programs on every
//! backend, `run --trace` and `--trace-calls` (interpreter), `run --profile` (shape and counts,
//! not times, on every backend), MIR function names in AOT executables (`nm`), and the help
//! texts listing these options. (Backtraces of MIR programs are conformance tests:
//! spec/tests/run/backtrace/.)

mod common;

use common::mir14;
use std::fs;
use std::path::{Path, PathBuf};

/// A fresh scratch directory for one test.
fn scratch(test: &str) -> PathBuf {
    common::scratch("debugging", test)
}

/// A loop calling a function three times; returns 3.
const LOOP: &str = "fn @add(%a, %b) {
bb0:
  %s = binop add %a, %b
  ret %s
}

fn @main() {
bb0:
  %zero = const 0
  %three = const 3
  jump head
head:
  %i = phi [bb0: %zero], [body: %j]
  %c = compare lt %i, %three
  branch %c, body, done
body:
  %one = const 1
  %j = call @add(%i, %one)
  jump head
done:
  %msg = const \"done\"
  extern env.console.log(%msg)
  ret %i
}
";

/// The `--trace-calls` lines of [`LOOP`].
const CALLS: &str = "trace: [1] call @main()
trace: [2] call @add(0, 1)
trace: [2] return @add = 1
trace: [2] call @add(1, 1)
trace: [2] return @add = 2
trace: [2] call @add(2, 1)
trace: [2] return @add = 3
trace: [1] return @main = 3
";

fn write(dir: &Path, name: &str, text: &str) {
    fs::write(dir.join(name), text).unwrap();
}

#[test]
fn frontend_programs_print_the_same_backtrace_on_every_backend() {
    let dir = scratch("ny");
    write(
        &dir,
        "t.ny",
        "function inner(x) {\n  return x / 0\n}\n\nfunction outer(x) {\n  local y = inner(x + 1)\n  \
         return y\n}\n\nfunction main() {\n  print(outer(5))\n}\n",
    );
    // The Nyash frontend does not attach source positions yet (the builder hook is
    // `FunctionBuilder::set_span`): frames print without them.
    let want = "error: DivisionByZero: division by zero (in @inner, bb0)\n  at @inner, bb0\n  \
                at @outer, bb0\n  at @main, bb0\n";
    for b in ["vm", "jit", "aot"] {
        let o = mir14(&["run", "--backend", b, "t.ny"], &dir, b"");
        assert_eq!(o.code(), Some(101), "{b}: {}", o.err());
        assert_eq!(o.err(), want, "{b}");
    }
}

#[test]
fn trace_prints_each_instruction_with_operand_values() {
    let dir = scratch("trace");
    write(&dir, "loop.mir", LOOP);
    let o = mir14(&["run", "--trace", "loop.mir"], &dir, b"");
    assert_eq!(o.code(), Some(3), "{}", o.err());
    assert_eq!(o.out(), "done\n");
    let err = o.err();
    let lines: Vec<&str> = err.lines().collect();
    // Constants, phis and each iteration's instructions, calls and returns among them.
    assert_eq!(
        &lines[..8],
        &[
            "trace: [1] call @main()",
            "trace: @main, bb0: %zero = const 0",
            "trace: @main, bb0: %three = const 3",
            "trace: @main, bb0: jump head",
            "trace: @main, head: %i = phi [bb0: %zero], [body: %j]",
            "trace: @main, head: %c = compare lt %i, %three  [%i = 0, %three = 3]",
            "trace: @main, head: branch %c, body, done  [%c = true]",
            "trace: @main, body: %one = const 1",
        ]
    );
    assert!(err.contains(
        "trace: @main, body: %j = call @add(%i, %one)  [%i = 2, %one = 1]\n\
         trace: [2] call @add(2, 1)\n\
         trace: @add, bb0: %s = binop add %a, %b  [%a = 2, %b = 1]\n\
         trace: @add, bb0: ret %s  [%s = 3]\n\
         trace: [2] return @add = 3\n"
    ));
    assert!(err.contains("trace: @main, head: branch %c, body, done  [%c = false]\n"));
    assert!(err.ends_with(
        "trace: @main, done: extern env.console.log(%msg)  [%msg = \"done\"]\n\
         trace: @main, done: ret %i  [%i = 3]\n\
         trace: [1] return @main = 3\n"
    ));
    // The call of main, bb0's 3 instructions, 4 loop tests (phi, compare, branch), 3 bodies
    // (const, call, jump, and in @add: call line, binop, ret, return line), done's 3
    // instructions and main's return line.
    assert_eq!(lines.len(), 1 + 3 + 4 * 3 + 3 * (3 + 4) + 3 + 1, "{err}");
}

#[test]
fn trace_calls_prints_calls_and_returns() {
    let dir = scratch("trace_calls");
    write(&dir, "loop.mir", LOOP);
    let o = mir14(
        &["run", "--trace-calls", "--backend", "vm", "loop.mir"],
        &dir,
        b"",
    );
    assert_eq!(o.code(), Some(3));
    assert_eq!(o.err(), CALLS);
}

#[test]
fn traces_stop_at_a_trap_and_are_bounded_by_fuel() {
    let dir = scratch("trace_fuel");
    write(&dir, "loop.mir", LOOP);
    let o = mir14(
        &["run", "--trace-calls", "--fuel", "3", "loop.mir"],
        &dir,
        b"",
    );
    assert_eq!(o.code(), Some(101));
    assert_eq!(
        o.err(),
        "trace: [1] call @main()\ntrace: [2] call @add(0, 1)\ntrace: [2] return @add = 1\n\
         error: OutOfFuel: fuel exhausted (in @add, bb0)\n  at @add, bb0 (loop.mir:1:1)\n  \
         at @main, body (loop.mir:18:3)\n"
    );
}

#[test]
fn traced_runs_stay_on_the_interpreter() {
    let dir = scratch("trace_backend");
    write(&dir, "loop.mir", LOOP);
    for (flag, b) in [("--trace", "jit"), ("--trace-calls", "aot")] {
        let o = mir14(&["run", flag, "--backend", b, "loop.mir"], &dir, b"");
        assert_eq!(o.code(), Some(2));
        assert_eq!(
            o.err(),
            format!("error: `{flag}` runs on the interpreter: use `--backend vm` (not `{b}`)\n")
        );
    }
    let o = mir14(
        &["run", "--perf-map", "--backend", "vm", "loop.mir"],
        &dir,
        b"",
    );
    assert_eq!(o.code(), Some(2));
    assert!(o.err().contains("`--perf-map` describes JIT code"));
}

/// The rows of a profile table without the times: (name, calls, instructions if counted).
fn profile_rows(err: &str) -> Vec<(String, String, Option<String>)> {
    err.lines()
        .filter(|l| l.starts_with("profile: "))
        .skip(1)
        .map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            (
                w[1].to_string(),
                w[2].to_string(),
                w.get(4).map(|s| s.to_string()),
            )
        })
        .collect()
}

#[test]
fn profile_counts_calls_on_every_backend_and_instructions_on_vm() {
    let dir = scratch("profile");
    write(&dir, "loop.mir", LOOP);
    for b in ["vm", "jit", "aot"] {
        let o = mir14(&["run", "--profile", "--backend", b, "loop.mir"], &dir, b"");
        assert_eq!(o.code(), Some(3), "{b}: {}", o.err());
        assert_eq!(o.out(), "done\n");
        let err = o.err();
        let header = err.lines().next().unwrap_or_default().to_string();
        let words: Vec<&str> = header.split_whitespace().collect();
        let mut rows = profile_rows(&err);
        // Sorted by time, which varies: compare as a set.
        rows.sort();
        if b == "vm" {
            assert_eq!(
                words,
                [
                    "profile:",
                    "function",
                    "calls",
                    "self",
                    "ms",
                    "instructions"
                ]
            );
            // @add: 2 instructions per call; @main: 3 + 4 loop tests x 3 + 3 x 3 + 3.
            assert_eq!(
                rows,
                [
                    ("@add".into(), "3".into(), Some("6".into())),
                    ("@main".into(), "1".into(), Some("27".into()))
                ]
            );
        } else {
            assert_eq!(
                words,
                ["profile:", "function", "calls", "self", "ms"],
                "{b}"
            );
            assert_eq!(
                rows,
                [
                    ("@add".into(), "3".into(), None),
                    ("@main".into(), "1".into(), None)
                ],
                "{b}"
            );
        }
        // Every time is a number of milliseconds with three decimals.
        for l in err.lines().skip(1) {
            let ms = l.split_whitespace().nth(3).unwrap_or_default();
            assert!(ms.len() > 4 && ms.parse::<f64>().is_ok(), "{b}: {l}");
        }
    }
}

#[test]
fn aot_executables_name_functions_after_mir_functions() {
    let dir = scratch("nm");
    write(
        &dir,
        "boxes.mir",
        "box P { x }\n\nfn @P.get(%me) {\nbb0:\n  %x = load %me.x\n  ret %x\n}\n\n\
         fn @main() {\nbb0:\n  %p = new P()\n  %one = const 1\n  store %p.x = %one\n  \
         %r = call %p.get()\n  ret %r\n}\n",
    );
    let o = mir14(&["build", "boxes.mir", "-o", "boxes"], &dir, b"");
    assert_eq!(o.code(), Some(0), "{}", o.err());
    let out = std::process::Command::new("nm")
        .arg(dir.join("boxes"))
        .output()
        .expect("nm (binutils) must be installed to test symbol names");
    let text = String::from_utf8_lossy(&out.stdout);
    let names: Vec<&str> = text
        .lines()
        .filter_map(|l| l.split_whitespace().nth(2))
        .collect();
    for want in [
        "mir14.main",
        "mir14.P.get",
        "mir14_array.main",
        "mir14_array.P.get",
    ] {
        assert!(names.contains(&want), "nm does not list {want}:\n{text}");
    }
}

#[test]
fn help_lists_the_debugging_options() {
    let dir = scratch("help");
    let run = mir14(&["run", "--help"], &dir, b"").out();
    for flag in ["--trace", "--trace-calls", "--profile", "--perf-map"] {
        assert!(run.contains(flag), "run --help lacks {flag}:\n{run}");
    }
    let build = mir14(&["help", "build"], &dir, b"").out();
    assert!(build.contains("--profile"), "{build}");
    let fuzz = mir14(&["help", "fuzz"], &dir, b"");
    assert_eq!(fuzz.code(), Some(0));
}
