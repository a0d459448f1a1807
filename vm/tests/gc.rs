//! Garbage collection through the interpreter: garbage is reclaimed during the run (cycles
//! included), and stress mode (a collection at every safepoint) keeps everything the program
//! and the runtime still use, across runtime-made calls into MIR code.

mod common;

use mir14_vm::{execute, Config, Io, Runtime};

/// Runs `src` with captured streams; `stress` collects at every safepoint. Returns the stdout,
/// the number of collections and the number of objects left at the end.
fn run(src: &str, stress: bool) -> (String, u64, usize) {
    let m = common::parse(src).unwrap_or_else(|e| panic!("parse: {e}"));
    let mut rt = Runtime::new(&m, Config::default(), Io::captured(Vec::new()));
    rt.heap.set_stress(stress);
    let r = execute(&m, &mut rt).expect("runnable");
    let status = rt.finish(r);
    assert_eq!(
        status,
        0,
        "stderr: {}",
        String::from_utf8_lossy(rt.captured_stderr())
    );
    (
        String::from_utf8_lossy(rt.captured_stdout()).into_owned(),
        rt.heap.collections(),
        rt.heap.len(),
    )
}

/// `n` iterations of: an ArrayBox, a String, and a two-node cycle of user boxes, all garbage
/// by the next iteration.
fn churn(n: u32) -> String {
    format!(
        r#"
box Node {{ value, next }}

fn @main() {{
  loop header=head body=body latch=body exit=done
entry:
  %zero = const 0
  %one = const 1
  %n = const {n}
  %s0 = const "item "
  jump head
head:
  %i = phi [entry: %zero], [body: %i1]
  %last = phi [entry: %s0], [body: %s]
  %c = compare lt %i, %n
  branch %c, body, done
body:
  %arr = new ArrayBox()
  call %arr.push(%i)
  %s = binop add %s0, %i
  %a = new Node()
  %b = new Node()
  store %a.value = %s
  store %a.next = %b
  store %b.next = %a
  store %b.value = %arr
  %i1 = binop add %i, %one
  jump head
done:
  extern env.console.log(%last)
  ret
}}
"#
    )
}

#[test]
fn garbage_and_cycles_are_reclaimed() {
    // 200000 iterations make 1,000,000 objects (the loop's String comes from `add`).
    let (out, collections, left) = run(&churn(200_000), false);
    assert_eq!(out, "item 199999\n");
    assert!(collections >= 1, "no collection ran");
    // At most one threshold's worth (4 MiB at >= 48 bytes an object) survives uncollected.
    assert!(left < 100_000, "{left} objects left");
}

#[test]
fn stress_mode_collects_at_every_safepoint() {
    let (out, collections, left) = run(&churn(50), true);
    assert_eq!(out, "item 49\n");
    // Each iteration passes several allocating instructions, each a collection.
    assert!(collections >= 250, "{collections} collections");
    // Besides the 128 one-character ASCII Strings, which exist from the start (spec §5).
    assert!(left < 128 + 20, "{left} objects left");
}

/// `birth` and `toString` allocate while the runtime is in the middle of formatting a map, an
/// ArrayBox `join`, a concatenation, and `new` (whose instance is only held by the runtime).
const CALLBACKS: &str = r#"
box P { name, tags }

fn @P.birth(%me, %n) {
bb0:
  %t = new ArrayBox()
  %x = const "tag-"
  %y = binop add %x, %n
  call %t.push(%y)
  store %me.tags = %t
  %pre = const "p"
  %nm = binop add %pre, %n
  store %me.name = %nm
  ret
}

fn @P.toString(%me) {
bb0:
  %n = load %me.name
  %t = load %me.tags
  %lb = const "<"
  %a = binop add %lb, %n
  %c = const ":"
  %b = binop add %a, %c
  %s = binop add %b, %t
  %rb = const ">"
  %r = binop add %s, %rb
  ret %r
}

fn @main() {
bb0:
  %one = const 1
  %two = const 2
  %p1 = new P(%one)
  %arr = new ArrayBox()
  call %arr.push(%p1)
  %p2 = new P(%two)
  call %arr.push(%p2)
  %m = new MapBox()
  %k = const "k"
  call %m.set(%k, %arr)
  extern env.console.log(%m)
  %sep = const "|"
  %j = call %arr.join(%sep)
  extern env.console.log(%j)
  %pre = const "x="
  %cat = binop add %pre, %p1
  extern env.console.log(%cat)
  %cat2 = binop add %p2, %pre
  extern env.console.log(%cat2)
  ret
}
"#;

#[test]
fn runtime_held_values_survive_stress_collections() {
    // p1: name "p1", tags ["tag-1"], so its toString is <p1:["tag-1"]> (the array's string
    // form quotes its String element). toString results are not quoted inside containers.
    let want = concat!(
        "{\"k\": [<p1:[\"tag-1\"]>, <p2:[\"tag-2\"]>]}\n",
        "<p1:[\"tag-1\"]>|<p2:[\"tag-2\"]>\n",
        "x=<p1:[\"tag-1\"]>\n",
        "<p2:[\"tag-2\"]>x=\n",
    );
    assert_eq!(run(CALLBACKS, true).0, want);
    assert_eq!(run(CALLBACKS, false).0, want);
}

/// Appending to an older prefix of a string being built must not disturb the newer strings.
const ALIASING: &str = r#"
fn @main() {
bb0:
  %e = const ""
  %a = const "a"
  %b = const "b"
  %c = const "c"
  %s1 = binop add %e, %a
  %s2 = binop add %s1, %b
  %s3 = binop add %s2, %c
  %t = binop add %s2, %a
  %u = binop add %s1, %c
  %v = binop add %s3, %s3
  %w = binop add %s3, %a
  extern env.console.log(%s1)
  extern env.console.log(%s2)
  extern env.console.log(%s3)
  extern env.console.log(%t)
  extern env.console.log(%u)
  extern env.console.log(%v)
  extern env.console.log(%w)
  ret
}
"#;

#[test]
fn string_building_keeps_immutable_semantics() {
    let want = "a\nab\nabc\naba\nac\nabcabc\nabca\n";
    assert_eq!(run(ALIASING, false).0, want);
    assert_eq!(run(ALIASING, true).0, want);
}

/// A `toString` that empties the ArrayBox holding the array being printed: the inner array is
/// then reachable only from the formatter's pending work, which must keep it alive.
const MUTATING_TOSTRING: &str = r#"
box P { owner }

fn @P.toString(%me) {
bb0:
  %o = load %me.owner
  call %o.clear()
  %junk = new ArrayBox()
  %junk2 = new ArrayBox()
  %s = const "P"
  ret %s
}

fn @make() {
bb0:
  %outer = new ArrayBox()
  %inner = new ArrayBox()
  %other = new ArrayBox()
  %p1 = new P()
  store %p1.owner = %outer
  %p2 = new P()
  store %p2.owner = %other
  call %inner.push(%p1)
  call %inner.push(%p2)
  call %outer.push(%inner)
  ret %outer
}

fn @main() {
bb0:
  %outer = call @make()
  extern env.console.log(%outer)
  extern env.console.log(%outer)
  ret
}
"#;

#[test]
fn formatter_work_is_a_root() {
    // Inner: P, P (both toStrings run); outer is empty by the time it is continued.
    assert_eq!(run(MUTATING_TOSTRING, true).0, "[[P, P]]\n[]\n");
}
