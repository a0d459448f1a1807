//! Tiered execution with background compilation (`mir14 run`, spec §10.1): long runs whose hot
//! code is compiled by the compile thread while the interpreter keeps running give the same
//! bytes as the interpreter, `--tier-sync` and threshold 0.

mod common;

use common::{mir14, program_env, put};
use std::path::Path;

/// A loop of `%n` iterations calling two functions; `@check` traps at iteration `%lim` (after
/// about 300,000 iterations: the code of every function arrives while it runs).
const LONG_LOOP: &str = "fn @sq(%x) {
bb0:
  %y = binop mul %x, %x
  ret %y
}

fn @check(%i, %acc) {
bb0:
  %lim = const LIMIT
  %c = compare eq %i, %lim
  branch %c, bb1, bb2
bb1:
  %u = const \"x\"
  %bad = binop sub %u, %acc
  ret %bad
bb2:
  ret %acc
}

fn @main() {
entry:
  %zero = const 0
  %one = const 1
  %k = const 100000
  %n = const 400000
  jump head
head:
  %i = phi [entry: %zero], [next: %i1]
  %acc = phi [entry: %zero], [next: %acc2]
  %c = compare lt %i, %n
  branch %c, body, done
body:
  %q = call @sq(%i)
  %acc1 = binop add %acc, %q
  %acc2 = call @check(%i, %acc1)
  %i1 = binop add %i, %one
  %r = binop mod %i1, %k
  %p = compare eq %r, %zero
  branch %p, show, next
show:
  extern env.console.log(%acc2)
  jump next
next:
  jump head
done:
  extern env.console.log(%acc)
  %m = const 255
  %s = binop band %acc, %m
  ret %s
}
";

/// The outcomes of `file` on vm, tiered (background, the default) at small thresholds,
/// `--tier-sync` and threshold 0: all must be the vm's.
fn agree(dir: &Path, file: &str) -> mir14_harness::Outcome {
    let want = mir14(&["run", "--backend", "vm", file], dir, b"");
    assert!(!want.panicked() && !want.timed_out(), "{}", want.err());
    let runs: &[&[&str]] = &[
        &["run", file],
        &["run", "--tier-threshold", "3", file],
        &["run", "--tier-threshold", "50", file],
        &["run", "--tier-threshold", "3", "--tier-sync", file],
        &["run", "--tier-threshold", "0", file],
    ];
    for args in runs {
        let got = mir14(args, dir, b"");
        assert_eq!(
            mir14_harness::first_difference("vm", &want, "tiered", &got),
            None,
            "{args:?}"
        );
    }
    want
}

#[test]
fn a_long_loop_compiled_in_the_background_agrees_with_the_interpreter() {
    let dir = common::scratch("tier", "long_loop");
    put(&dir, "p.mir", LONG_LOOP.replace("LIMIT", "-1").as_bytes());
    let want = agree(&dir, "p.mir");
    // The sum of i² for i < 400,000, & 255.
    assert_eq!(want.code(), Some(192));
    assert!(
        want.out().ends_with("21333253333400000\n"),
        "{}",
        want.out()
    );
    assert_eq!(want.out().lines().count(), 5);
    // The hot functions went through the compile thread.
    let o = program_env(
        Path::new(common::BIN),
        &["run", "--tier-threshold", "3", "p.mir"],
        &dir,
        b"",
        &[("MIR14_COMPILE_STATS", "1")],
    );
    assert_eq!(o.out(), want.out());
    assert!(o.err().contains("on the compile thread"), "{}", o.err());
}

#[test]
fn a_trap_after_the_code_arrived_has_the_interpreters_backtrace() {
    let dir = common::scratch("tier", "trap");
    put(
        &dir,
        "p.mir",
        LONG_LOOP.replace("LIMIT", "300000").as_bytes(),
    );
    let want = agree(&dir, "p.mir");
    assert_eq!(want.code(), Some(101));
    assert_eq!(want.out().lines().count(), 3);
    assert!(want.err().contains("TypeError"), "{}", want.err());
    assert!(want.err().contains("@check"), "{}", want.err());
}

#[test]
fn tier_sync_is_in_the_help_of_run() {
    let dir = common::scratch("tier", "help");
    let o = mir14(&["help", "run"], &dir, b"");
    assert_eq!(o.code(), Some(0));
    assert!(o.out().contains("--tier-sync"), "{}", o.out());
}
