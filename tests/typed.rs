//! Differential test of the typed translation: every program runs on the JIT with type
//! inference (the default) and without it (`MIR14_UNTYPED=1`, every value on the generic,
//! tag-checking path); stdout, stderr and the exit status must be identical. The programs are
//! every conformance run test (`spec/tests/run/**`), the benchmark workloads at tiny sizes, and
//! the programs below, which aim at the typed fast paths' corner cases and whose expected
//! outputs are written by hand from spec/MIR14.md.

mod common;

use common::{program_env, BIN};
use mir14_harness::spec::{mir_files, spec_tests_dir, RunTest};
use mir14_harness::{diff, Outcome};
use std::fs;
use std::path::Path;

/// Runs `mir14 run --backend jit [flags] FILE -- args` typed or untyped.
fn run_jit(file: &Path, flags: &[String], args: &[String], stdin: &[u8], typed: bool) -> Outcome {
    let mut argv: Vec<String> = vec!["run".into(), "--backend".into(), "jit".into()];
    argv.extend(flags.iter().cloned());
    argv.push(file.display().to_string());
    argv.push("--".into());
    argv.extend(args.iter().cloned());
    let env: &[(&str, &str)] = if typed {
        &[]
    } else {
        &[("MIR14_UNTYPED", "1")]
    };
    let dir = file.parent().unwrap_or(Path::new("."));
    program_env(Path::new(BIN), &argv, dir, stdin, env)
}

/// Compares the typed and untyped runs; returns the difference, if any.
fn compare(file: &Path, flags: &[String], args: &[String], stdin: &[u8]) -> Option<String> {
    let t = run_jit(file, flags, args, stdin, true);
    let u = run_jit(file, flags, args, stdin, false);
    if t.timed_out() || u.timed_out() {
        return Some(format!("{}: timed out", file.display()));
    }
    if t.stdout != u.stdout || t.stderr != u.stderr || t.code() != u.code() {
        return Some(format!(
            "{}: typed and untyped JIT differ\nstdout:\n{}stderr:\n{}status: {:?} vs {:?}",
            file.display(),
            diff(&u.stdout, &t.stdout),
            diff(&u.stderr, &t.stderr),
            u.code(),
            t.code()
        ));
    }
    None
}

#[test]
fn every_spec_run_program_is_the_same_typed_and_untyped() {
    let files = mir_files(&spec_tests_dir().join("run"), true);
    assert!(files.len() > 100, "found only {} run tests", files.len());
    let mut failures = Vec::new();
    for f in &files {
        let t = RunTest::load(f).unwrap_or_else(|e| panic!("{e}"));
        failures.extend(compare(f, &t.flags, &t.args, &t.stdin));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn benchmark_workloads_are_the_same_typed_and_untyped() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench");
    let cases: &[(&str, &[&str], &str)] = &[
        ("fib.mir", &["15"], "610\n"),
        ("tarai.mir", &["6", "3", "0"], "6\n"),
        // sum of i*i mod 7 for i < 10: 0 1 4 2 2 4 1 0 1 4
        ("intloop.mir", &["10"], "19\n"),
        ("strbuild.mir", &["100"], "200\n"),
        ("arrays.mir", &["100"], "4950\n"),
    ];
    for (file, args, expected) in cases {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let p = root.join(file);
        let o = run_jit(&p, &[], &args, b"", true);
        assert_eq!(o.out(), *expected, "{file}: {}", o.err());
        assert_eq!(compare(&p, &[], &args, b""), None);
    }
}

/// Programs whose values are all typed, each with its expected stdout, stderr (the trap line and
/// backtrace; `FILE` stands for the program's path) and status.
const CORNERS: &[(&str, &str, &str, &str, i32)] = &[
    (
        "div_by_zero",
        "fn @main() {\nbb0:\n  %a = const 7\n  %z = const 0\n  %r = binop div %a, %z\n  ret %r\n}\n",
        "",
        "error: DivisionByZero: division by zero (in @main, bb0)\n  at @main, bb0 (FILE:5:3)\n",
        101,
    ),
    (
        "mod_by_zero_dynamic",
        "fn @f(%a, %b) {\nbb0:\n  %r = binop mod %a, %b\n  ret %r\n}\n\nfn @main() {\nbb0:\n  %a = const 7\n  %z = const 0\n  %r = call @f(%a, %z)\n  ret %r\n}\n",
        "",
        "error: DivisionByZero: modulo by zero (in @f, bb0)\n  at @f, bb0 (FILE:3:3)\n  \
         at @main, bb0 (FILE:11:3)\n",
        101,
    ),
    (
        "min_div_minus_one",
        "fn @f(%a, %b) {\nbb0:\n  %q = binop div %a, %b\n  %r = binop mod %a, %b\n  extern env.console.log(%q)\n  extern env.console.log(%r)\n  ret\n}\n\nfn @main() {\nbb0:\n  %a = const -9223372036854775808\n  %m = const -1\n  call @f(%a, %m)\n  %q = binop div %a, %m\n  %r = binop mod %a, %m\n  extern env.console.log(%q)\n  extern env.console.log(%r)\n  ret\n}\n",
        "-9223372036854775808\n0\n-9223372036854775808\n0\n",
        "",
        0,
    ),
    (
        "shifts_mod_64",
        "fn @main() {\nbb0:\n  %one = const 1\n  %s = const 65\n  %m = const -1\n  %a = binop shl %one, %s\n  %b = binop shr %m, %s\n  %c = const 64\n  %d = binop shl %one, %c\n  extern env.console.log(%a)\n  extern env.console.log(%b)\n  extern env.console.log(%d)\n  ret\n}\n",
        "2\n-1\n1\n",
        "",
        0,
    ),
    (
        "branch_on_integer",
        "fn @main() {\nbb0:\n  %c = const 1\n  branch %c, a, b\na:\n  ret\nb:\n  ret\n}\n",
        "",
        "error: TypeError: branch condition must be Bool, got Integer (in @main, bb0)\n  \
         at @main, bb0 (FILE:4:3)\n",
        101,
    ),
    (
        "wrapping_and_negation",
        "fn @main() {\nbb0:\n  %max = const 9223372036854775807\n  %one = const 1\n  %a = binop add %max, %one\n  %b = unary neg %a\n  %c = binop mul %max, %max\n  %d = unary bitnot %one\n  extern env.console.log(%a)\n  extern env.console.log(%b)\n  extern env.console.log(%c)\n  extern env.console.log(%d)\n  ret\n}\n",
        "-9223372036854775808\n-9223372036854775808\n1\n-2\n",
        "",
        0,
    ),
    (
        "floats_and_mixed",
        "fn @main() {\nbb0:\n  %x = const 1.5\n  %y = const 0.0\n  %i = const 2\n  %a = binop div %x, %y\n  %b = binop mod %x, %y\n  %c = binop mul %x, %i\n  %d = compare lt %i, %x\n  %e = compare eq %i, %c\n  %f = binop sub %y, %x\n  extern env.console.log(%a)\n  extern env.console.log(%b)\n  extern env.console.log(%c)\n  extern env.console.log(%d)\n  extern env.console.log(%e)\n  extern env.console.log(%f)\n  ret\n}\n",
        "inf\nNaN\n3.0\nfalse\nfalse\n-1.5\n",
        "",
        0,
    ),
    (
        "typed_operand_type_error",
        "fn @main() {\nbb0:\n  %t = const true\n  %i = const 3\n  %a = binop add %t, %i\n  ret\n}\n",
        "",
        "error: TypeError: cannot apply add to Bool and Integer (in @main, bb0)\n  \
         at @main, bb0 (FILE:5:3)\n",
        101,
    ),
];

#[test]
fn typed_corner_cases_keep_their_semantics() {
    let dir = std::env::temp_dir().join(format!("mir14-typed-{}", std::process::id()));
    fs::create_dir_all(&dir).expect("temp dir");
    let mut failures = Vec::new();
    for (name, src, out, err, code) in CORNERS {
        let p = dir.join(format!("{name}.mir"));
        fs::write(&p, src).expect("write");
        let o = run_jit(&p, &[], &[], b"", true);
        let err = err.replace("FILE", &p.display().to_string());
        if o.out() != *out || o.err() != err || o.code() != Some(*code) {
            failures.push(format!(
                "{name}: got stdout {:?} stderr {:?} {}",
                o.out(),
                o.err(),
                o.status
            ));
        }
        failures.extend(compare(&p, &[], &[], b""));
    }
    let _ = fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
