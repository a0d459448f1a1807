//! Interpreter tests for the control-flow and call semantics: parallel-copy phis, fuel on entries
//! and back edges, call depth, runtime-made calls, trap locations, exit statuses. Expected
//! outputs are worked out by hand in the comments.

mod common;

use mir14_vm::{run_captured, Captured, Config};

fn run_cfg(src: &str, config: &Config) -> Captured {
    let m = common::parse(src).unwrap_or_else(|e| panic!("parse: {e}"));
    run_captured(&m, config, b"")
}

fn run(src: &str) -> Captured {
    run_cfg(src, &Config::default())
}

fn expect(o: &Captured, out: &str, err: &str, status: i32) {
    assert_eq!(
        (
            String::from_utf8_lossy(&o.stdout).as_ref(),
            String::from_utf8_lossy(&o.stderr).as_ref(),
            o.status
        ),
        (out, err, status)
    );
}

/// Swaps two values through phis that read each other: parallel copy must not clobber.
const SWAP: &str = r#"
fn @main() {
  loop header=head body=body latch=latch exit=done
entry:
  %a0 = const 1
  %b0 = const 2
  %i0 = const 0
  jump head
head:
  %a = phi [entry: %a0], [latch: %b]
  %b = phi [entry: %b0], [latch: %a]
  %i = phi [entry: %i0], [latch: %i1]
  %c = compare lt %i, 3
  branch %c, body, done
body:
  extern env.console.log(%a)
  jump latch
latch:
  %one = const 1
  %i1 = binop add %i, %one
  jump head
done:
  ret %a
}
"#;

#[test]
fn phis_are_parallel_copies() {
    // a: 1, 2, 1 printed; after three swaps a = 2; status 2.
    let src = SWAP
        .replace("compare lt %i, 3", "compare lt %i, %three")
        .replace("%i0 = const 0", "%i0 = const 0\n  %three = const 3");
    expect(&run(&src), "1\n2\n1\n", "", 2);
}

const COUNT: &str = r#"
fn @main() {
entry:
  %i0 = const 0
  %n = const 10
  jump header
header:
  %i = phi [entry: %i0], [latch: %i1]
  %c = compare lt %i, %n
  branch %c, body, exit
body:
  extern env.console.log(%i)
  jump latch
latch:
  %one = const 1
  %i1 = binop add %i, %one
  jump header
exit:
  ret %i
}
"#;

#[test]
fn fuel_counts_entry_and_back_edges() {
    // Fuel 5: the entry spends 1; back edges 1-4 spend the rest; the 5th traps at `header`,
    // after 0..4 were printed.
    let cfg = Config {
        fuel: Some(5),
        ..Config::default()
    };
    expect(
        &run_cfg(COUNT, &cfg),
        "0\n1\n2\n3\n4\n",
        "error: OutOfFuel: fuel exhausted (in @main, header)\n  at @main, header\n",
        101,
    );
    // 1 + 10 back edges = 11 units suffice exactly.
    let cfg = Config {
        fuel: Some(11),
        ..Config::default()
    };
    expect(
        &run_cfg(COUNT, &cfg),
        "0\n1\n2\n3\n4\n5\n6\n7\n8\n9\n",
        "",
        10,
    );
    // Fuel 0: the entry of main traps at its entry block.
    let cfg = Config {
        fuel: Some(0),
        ..Config::default()
    };
    expect(
        &run_cfg(COUNT, &cfg),
        "",
        "error: OutOfFuel: fuel exhausted (in @main, entry)\n  at @main, entry\n",
        101,
    );
}

#[test]
fn irreducible_cycles_spend_fuel_on_retreating_edges() {
    // An irreducible loop: entry branches into either a or b; a -> b -> a. Neither a nor b
    // dominates the other, but fuel is spent on the retreating edges of the reverse postorder
    // (spec §5): DFS entry, a, out, b gives RPO entry, a, b, out, so b -> a spends fuel.
    // Path: entry -> a -> b -> a -> b -> a -> out: main's entry + two b -> a edges = 3 units.
    let good = r#"
fn @main() {
entry:
  %t = const true
  %zero = const 0
  %one = const 1
  %lim = const 5
  branch %t, a, b
a:
  %x = phi [entry: %zero], [b: %y1]
  %x1 = binop add %x, %one
  %c = compare ge %x1, %lim
  branch %c, out, b
b:
  %y = phi [entry: %zero], [a: %x1]
  %y1 = binop add %y, %one
  jump a
out:
  ret %x1
}
"#;
    let cfg = Config {
        fuel: Some(3),
        ..Config::default()
    };
    expect(&run_cfg(good, &cfg), "", "", 5);
    let short = Config {
        fuel: Some(2),
        ..Config::default()
    };
    expect(
        &run_cfg(good, &short),
        "",
        "error: OutOfFuel: fuel exhausted (in @main, a)\n  at @main, a\n",
        101,
    );
}

const REC: &str = r#"
fn @rec(%n) {
bb0:
  %one = const 1
  %m = binop sub %n, %one
  %z = const 0
  %c = compare le %m, %z
  branch %c, base, more
base:
  ret %n
more:
  %r = call @rec(%m)
  ret %r
}

fn @main() {
bb0:
  %n = const N
  %r = call @rec(%n)
  extern env.console.log(%r)
  ret
}
"#;

#[test]
fn call_depth_limit() {
    // rec(k) nests k activations of @rec below main: depth 1 + k.
    let cfg = Config {
        max_depth: 50,
        ..Config::default()
    };
    expect(&run_cfg(&REC.replace("N", "49"), &cfg), "1\n", "", 0);
    expect(
        &run_cfg(&REC.replace("N", "50"), &cfg),
        "",
        "error: StackOverflow: call depth exceeded 50 (in @rec, bb0)\n  at @rec, bb0\n  at @rec, more\n  at @rec, more\n  at @rec, more\n  at @rec, more\n  at @rec, more\n  at @rec, more\n  at @rec, more\n  at @rec, more\n  at @rec, more\n  ... 31 more frames ...\n  at @rec, more\n  at @rec, more\n  at @rec, more\n  at @rec, more\n  at @rec, more\n  at @rec, more\n  at @rec, more\n  at @rec, more\n  at @rec, more\n  at @main, bb0\n",
        101,
    );
    // The default limit: 100000 activations deep do not crash the native stack.
    expect(&run(&REC.replace("N", "99999")), "1\n", "", 0);
    expect(
        &run(&REC.replace("N", "100000")),
        "",
        "error: StackOverflow: call depth exceeded 100000 (in @rec, bb0)\n  at @rec, bb0\n  at @rec, more\n  at @rec, more\n  at @rec, more\n  at @rec, more\n  at @rec, more\n  at @rec, more\n  at @rec, more\n  at @rec, more\n  at @rec, more\n  ... 99981 more frames ...\n  at @rec, more\n  at @rec, more\n  at @rec, more\n  at @rec, more\n  at @rec, more\n  at @rec, more\n  at @rec, more\n  at @rec, more\n  at @rec, more\n  at @main, bb0\n",
        101,
    );
    // Fuel: each of main + 3 rec entries spends one unit.
    let cfg = Config {
        fuel: Some(3),
        ..Config::default()
    };
    expect(
        &run_cfg(&REC.replace("N", "3"), &cfg),
        "",
        "error: OutOfFuel: fuel exhausted (in @rec, bb0)\n  at @rec, bb0\n  at @rec, more\n  at @rec, more\n  at @main, bb0\n",
        101,
    );
}

#[test]
fn runtime_made_calls_nest_without_native_overflow() {
    // A toString that stringifies itself recurses through the runtime until the depth limit.
    let src = r#"
box P {}

fn @P.toString(%me) {
bb0:
  %e = const ""
  %s = binop add %e, %me
  ret %s
}

fn @main() {
bb0:
  %p = new P()
  extern env.console.log(%p)
  ret
}
"#;
    let cfg = Config {
        max_depth: 5000,
        ..Config::default()
    };
    expect(
        &run_cfg(src, &cfg),
        "",
        "error: StackOverflow: call depth exceeded 5000 (in @P.toString, bb0)\n  at @P.toString, bb0\n  at @P.toString, bb0\n  at @P.toString, bb0\n  at @P.toString, bb0\n  at @P.toString, bb0\n  at @P.toString, bb0\n  at @P.toString, bb0\n  at @P.toString, bb0\n  at @P.toString, bb0\n  at @P.toString, bb0\n  ... 4981 more frames ...\n  at @P.toString, bb0\n  at @P.toString, bb0\n  at @P.toString, bb0\n  at @P.toString, bb0\n  at @P.toString, bb0\n  at @P.toString, bb0\n  at @P.toString, bb0\n  at @P.toString, bb0\n  at @P.toString, bb0\n  at @main, bb0\n",
        101,
    );
}

#[test]
fn traps_and_annotations() {
    let src = r#"
fn @f(%n: Integer) -> String {
entry:
  %one = const 1
  %m = binop add %n, %one
  jump next
next:
  ret %m
}

fn @main() {
bb0:
  %x = const X
  %r = call @f(%x)
  ret
}
"#;
    expect(
        &run(&src.replace("X", "\"s\"")),
        "",
        "error: TypeError: argument %n of @f must be Integer, got String (in @f, entry)\n  at @f, entry\n  at @main, bb0\n",
        101,
    );
    expect(
        &run(&src.replace("X", "1")),
        "",
        "error: TypeError: return value of @f must be String, got Integer (in @f, next)\n  at @f, next\n  at @main, bb0\n",
        101,
    );
    let br = r#"
fn @main() {
start:
  %x = const 1
  branch %x, a, a
a:
  ret
}
"#;
    expect(
        &run(br),
        "",
        "error: TypeError: branch condition must be Bool, got Integer (in @main, start)\n  at @main, start\n",
        101,
    );
}

#[test]
fn exit_statuses_and_nested_exit() {
    let src = r#"
fn @g() {
bb0:
  %s = const "bye"
  extern env.console.print(%s)
  %c = const 258
  extern env.process.exit(%c)
  ret
}

fn @main() {
bb0:
  call @g()
  %r = const 7
  ret %r
}
"#;
    expect(&run(src), "bye", "", 2);
    let neg = "fn @main() {\nbb0:\n  %r = const -1\n  ret %r\n}\n";
    expect(&run(neg), "", "", 255);
    let f = "fn @main() {\nbb0:\n  %r = const 2.0\n  ret %r\n}\n";
    expect(&run(f), "", "", 0);
}

#[test]
fn dispatch_birth_and_callables() {
    let src = r#"
box Counter { n }

fn @Counter.birth(%me, %start) {
bb0:
  store %me.n = %start
  ret
}

fn @Counter.length(%me) {
bb0:
  %n = load %me.n
  ret %n
}

fn @Counter.apply(%me, %k) {
bb0:
  %n = load %me.n
  %m = binop add %n, %k
  store %me.n = %m
  ret %m
}

fn @twice(%x) {
bb0:
  %y = binop mul %x, %x
  ret %y
}

fn @main() {
bb0:
  %five = const 5
  %c = new Counter(%five)
  %l = call %c.length()
  extern env.console.log(%l)
  %two = const 2
  %r = call %c(%two)
  extern env.console.log(%r)
  %s = call %c.Counter::length()
  extern env.console.log(%s)
  %t = call %c.toString()
  extern env.console.log(%t)
  %f = const @twice
  %q = call %f(%two)
  extern env.console.log(%q)
  %op = new SubOperator()
  %d = call %op(%five, %two)
  extern env.console.log(%d)
  %bad = call %c.length(%two)
  ret
}
"#;
    expect(
        &run(src),
        "5\n7\n7\nCounter { n: 7 }\n4\n3\n",
        "error: TypeError: wrong number of arguments to Counter.length: expected 0, got 1 (in @main, bb0)\n  at @main, bb0\n",
        101,
    );
}

#[test]
fn mixed_fast_paths_fall_back_to_the_runtime() {
    // Immediate and fused forms must keep the full semantics for non-Integer operands.
    let src = r#"
fn @main() {
bb0:
  %s = const "n"
  %one = const 1
  %x = binop add %s, %one
  extern env.console.log(%x)
  %f = const 2.5
  %y = binop sub %f, %one
  extern env.console.log(%y)
  %c = compare lt %f, %one
  extern env.console.log(%c)
  %e = compare eq %one, %f
  extern env.console.log(%e)
  %g = compare lt %f, %f
  branch %g, a, b
a:
  ret
b:
  %h = compare gt %s, %one
  branch %h, a, a
}
"#;
    expect(
        &run(src),
        "n1\n1.5\nfalse\nfalse\n",
        "error: TypeError: cannot compare String and Integer with gt (in @main, b)\n  at @main, b\n",
        101,
    );
}

#[test]
fn tail_calls_keep_the_depth() {
    // Every callee kind, 200000 deep, with a depth limit of 2 (main and one activation).
    let src = "box W { k }\n\
fn @W.m(%me, %n) {\nbb0:\n  %z = const 0\n  %d = compare le %n, %z\n  branch %d, out, more\n\
out:\n  %s = const \"done\"\n  %l = tail call %s.length()\n  ret %l\n\
more:\n  %one = const 1\n  %n1 = binop sub %n, %one\n  %r = tail call %me.W::s(%n1)\n  ret %r\n}\n\
fn @W.s(%me, %n) {\nbb0:\n  %r = tail call %me(%n)\n  ret %r\n}\n\
fn @W.apply(%me, %n) {\nbb0:\n  %f = const @g\n  %r = tail call %f(%me, %n)\n  ret %r\n}\n\
fn @g(%w, %n) {\nbb0:\n  %r = tail call @h(%w, %n)\n  ret %r\n}\n\
fn @h(%w, %n) {\nbb0:\n  tail call %w.m(%n)\n  ret\n}\n\
fn @main() {\nbb0:\n  %w = new W()\n  %n = const 200000\n  %r = call %w.m(%n)\n  \
extern env.console.log(%r)\n  ret\n}\n";
    let config = Config {
        max_depth: 2,
        ..Config::default()
    };
    expect(&run_cfg(src, &config), "4\n", "", 0);
    // The same with plain calls overflows: @W.m (depth 2) calls @W.s in `more`, whose entry
    // exceeds the limit.
    let plain = src.replace("tail call", "call");
    expect(
        &run_cfg(&plain, &config),
        "",
        "error: StackOverflow: call depth exceeded 2 (in @W.s, bb0)\n  at @W.s, bb0\n  \
         at @W.m, more\n  at @main, bb0\n",
        101,
    );
}

/// Host functions (spec §Imports): traps from the Rust side, results of the wrong type, and a
/// registration whose signature differs from the import.
#[test]
fn host_functions_trap_and_are_checked() {
    use mir14_rt::{FfiType, HostFunctions, HostValue, Trap};
    let src = "import host.f(Integer) -> String\nfn @main() {\nbb0:\n  %n = const 1\n  %r = extern host.f(%n)\n  extern env.console.log(%r)\n  %m = const 2\n  %q = extern host.f(%m)\n  ret\n}\n";
    let mut host = HostFunctions::new();
    host.register("f", &[FfiType::Integer], FfiType::String, |a| match a {
        [HostValue::Integer(1)] => Ok(HostValue::Void),
        [HostValue::Integer(2)] => Err(Trap::type_error("two is not allowed")),
        _ => Ok(HostValue::Integer(0)),
    });
    let cfg = Config {
        host,
        ..Config::default()
    };
    expect(
        &run_cfg(src, &cfg),
        "void\n",
        "error: TypeError: two is not allowed (in @main, bb0)\n  at @main, bb0\n",
        101,
    );
    let mut other = HostFunctions::new();
    other.register("f", &[FfiType::Integer], FfiType::Integer, |_| {
        Ok(HostValue::Integer(0))
    });
    let cfg = Config {
        host: other,
        ..Config::default()
    };
    expect(
        &run_cfg(src, &cfg),
        "",
        "error: host function host.f is registered as (Integer) -> Integer but imported as (Integer) -> String\n",
        2,
    );
    let src = src.replace("-> String", "-> Integer");
    expect(&run_cfg(&src, &cfg), "0\n", "", 0);
}
