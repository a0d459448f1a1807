//! The engine API on every backend: calls with arguments, traps, exit, fuel, depth, streams,
//! boxes made and read from Rust, and values refused across instances.

use mir14_engine::{Backend, CallError, Engine, Error, Program, Value, ValueRef};
use mir14_rt::TrapKind;

const SRC: &str = r#"
box Point { x, y }

fn @fib(%n: Integer) -> Integer {
bb0:
  %two = const 2
  %small = compare lt %n, %two
  branch %small, base, rec
base:
  ret %n
rec:
  %one = const 1
  %n1 = binop sub %n, %one
  %a = call @fib(%n1)
  %n2 = binop sub %n, %two
  %b = call @fib(%n2)
  %r = binop add %a, %b
  ret %r
}

fn @div(%a, %b) {
bb0:
  %q = binop div %a, %b
  ret %q
}

fn @echo() {
bb0:
  %line = extern env.stdin.read_line()
  extern env.console.log(%line)
  extern env.console.error(%line)
  ret %line
}

fn @len(%xs) {
bb0:
  %n = call %xs.length()
  ret %n
}

fn @lookup(%m, %k) {
bb0:
  %v = call %m.get(%k)
  ret %v
}

fn @fill() {
bb0:
  %m = new MapBox()
  %k = const "a"
  %one = const 1
  call %m.set(%k, %one)
  %p = new Point()
  %xs = new ArrayBox()
  call %xs.push(%m)
  call %xs.push(%p)
  ret %xs
}

fn @quit(%code) {
bb0:
  extern env.process.exit(%code)
  ret
}
"#;

fn each(f: impl Fn(Backend)) {
    for b in Backend::ALL {
        f(b);
    }
}

fn program() -> Program {
    Program::parse("t.mir", SRC).expect("test program loads")
}

#[test]
fn calls_with_arguments_return_values() {
    let p = program();
    each(|b| {
        let mut i = Engine::new(b).instantiate(&p).unwrap();
        assert_eq!(
            i.call("fib", &[Value::int(20)]).unwrap().as_int(),
            Some(6765)
        );
        assert_eq!(
            i.call("@div", &[7.into(), 2.into()]).unwrap().as_int(),
            Some(3)
        );
        let f = i
            .call("div", &[Value::float(1.0), Value::float(4.0)])
            .unwrap();
        assert_eq!(f.as_float(), Some(0.25), "{b}");
    });
}

#[test]
fn traps_exits_and_unknown_functions_are_errors() {
    let p = program();
    each(|b| {
        let mut i = Engine::new(b).instantiate(&p).unwrap();
        let Err(CallError::Trap(t)) = i.call("div", &[1.into(), 0.into()]) else {
            panic!("{b}: expected a trap");
        };
        assert_eq!(t.kind, TrapKind::DivisionByZero);
        assert_eq!(
            t.to_string(),
            "DivisionByZero: division by zero (in @div, bb0)"
        );
        // The instance stays usable after a trap.
        assert_eq!(
            i.call("div", &[9.into(), 3.into()]).unwrap().as_int(),
            Some(3)
        );
        // A wrong argument count is a TypeError, as for a MIR call.
        let Err(CallError::Trap(t)) = i.call("div", &[1.into()]) else {
            panic!("{b}: expected an arity trap");
        };
        assert_eq!(t.kind, TrapKind::TypeError, "{b}");
        // Every backend spells it the same (`Trap::wrong_arity`).
        assert_eq!(
            t.message, "wrong number of arguments to @div: expected 2, got 1",
            "{b}"
        );
        assert_eq!(i.call("quit", &[259.into()]), Err(CallError::Exit(3)));
        let e = i.call("fibb", &[]).unwrap_err();
        assert_eq!(e.to_string(), "no function @fibb (did you mean @fib?)");
    });
}

#[test]
fn fuel_and_depth_are_set_per_call() {
    let p = program();
    each(|b| {
        let mut i = Engine::new(b).instantiate(&p).unwrap();
        assert_eq!(i.set_fuel(Some(5)), Err(CallError::FuelNotEnabled));
        let mut i = Engine::new(b).consume_fuel(true).instantiate(&p).unwrap();
        i.set_fuel(Some(10)).unwrap();
        let Err(CallError::Trap(t)) = i.call("fib", &[Value::int(10)]) else {
            panic!("{b}: expected OutOfFuel");
        };
        assert_eq!(t.kind, TrapKind::OutOfFuel);
        i.set_fuel(Some(1_000_000)).unwrap();
        assert_eq!(i.call("fib", &[Value::int(10)]).unwrap().as_int(), Some(55));
        let left = i.fuel().unwrap();
        assert!(left < 1_000_000, "{b}: fuel was counted");
        i.set_fuel(None).unwrap();
        i.set_max_depth(5);
        let Err(CallError::Trap(t)) = i.call("fib", &[Value::int(10)]) else {
            panic!("{b}: expected StackOverflow");
        };
        assert_eq!(t.kind, TrapKind::StackOverflow);
        i.set_max_depth(100);
        assert_eq!(i.call("fib", &[Value::int(10)]).unwrap().as_int(), Some(55));
    });
}

/// A `Write` whose bytes the test can read after the instance has written them.
#[derive(Clone, Default)]
struct Shared(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Shared {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn streams_are_captured_or_given() {
    let p = program();
    each(|b| {
        let mut i = Engine::new(b).instantiate(&p).unwrap();
        i.set_stdin_bytes("one\ntwo\n");
        let r = i.call("echo", &[]).unwrap();
        assert_eq!(i.str(r), Some("one"));
        i.call("echo", &[]).unwrap();
        assert_eq!(i.take_stdout(), b"one\ntwo\n");
        assert_eq!(i.take_stderr(), b"one\ntwo\n");
        let out = Shared::default();
        i.set_stdout(out.clone());
        i.set_stdin(std::io::Cursor::new(b"three".to_vec()));
        i.call("echo", &[]).unwrap();
        assert_eq!(*out.0.lock().unwrap(), b"three\n");
        assert_eq!(i.take_stderr(), b"three\n");
    });
}

#[test]
fn boxes_are_made_and_read_from_rust() {
    let p = program();
    each(|b| {
        let mut i = Engine::new(b).instantiate(&p).unwrap();
        let s = i.alloc_str("héllo");
        let xs = i.alloc_array(&[s, Value::int(2)]).unwrap();
        i.array_push(xs, Value::bool(true)).unwrap();
        assert_eq!(i.call("len", &[xs]).unwrap().as_int(), Some(3));
        assert_eq!(i.call("len", &[s]).unwrap().as_int(), Some(5));
        let m = i.alloc_map();
        let k = i.alloc_str("k");
        i.map_set(m, k, Value::int(42)).unwrap();
        assert_eq!(i.call("lookup", &[m, k]).unwrap().as_int(), Some(42));
        assert_eq!(i.map_get(m, k).and_then(Value::as_int), Some(42));
        let filled = i.call("fill", &[]).unwrap();
        let items = i.array(filled).unwrap();
        assert_eq!(items.len(), 2);
        let entries = i.map_entries(items[0]).unwrap();
        assert_eq!(i.str(entries[0].0), Some("a"));
        assert_eq!(entries[0].1.as_int(), Some(1));
        let Some(ValueRef::User { box_name, fields }) = i.inspect(items[1]) else {
            panic!("{b}: expected a user box");
        };
        assert_eq!(box_name, "Point");
        assert_eq!(fields.iter().map(|f| f.0).collect::<Vec<_>>(), ["x", "y"]);
        assert!(fields.iter().all(|f| f.1.is_void()));
        assert_eq!(
            i.inspect(i.function_value("fib").unwrap()),
            Some(ValueRef::Function("fib"))
        );
        // Values of another instance (or released ones) are refused.
        let mut other = Engine::new(b).instantiate(&p).unwrap();
        assert_eq!(other.call("len", &[s]), Err(CallError::ForeignValue));
        assert!(i.release_values() >= 4);
        assert_eq!(i.call("len", &[s]), Err(CallError::ForeignValue));
    });
}

#[test]
fn values_survive_collections_until_released() {
    let p = Program::parse(
        "gc.mir",
        r#"
fn @churn(%n) {
bb0:
  %zero = const 0
  %one = const 1
  jump head
head:
  %i = phi [bb0: %zero], [body: %i2]
  %more = compare lt %i, %n
  branch %more, body, done
body:
  %a = new ArrayBox()
  call %a.push(%i)
  %i2 = binop add %i, %one
  jump head
done:
  ret %n
}
"#,
    )
    .unwrap();
    each(|b| {
        let mut i = Engine::new(b).instantiate(&p).unwrap();
        let s = i.alloc_str("kept");
        i.call("churn", &[Value::int(200_000)]).unwrap();
        assert_eq!(i.str(s), Some("kept"), "{b}");
    });
}

#[test]
fn load_errors_render_like_the_cli() {
    let e = Program::parse("bad.mir", "fn @main() {\nbb0:\n  ret %x\n}\n").unwrap_err();
    assert!(matches!(e, Error::Verify(_)), "{e:?}");
    assert!(e.to_string().starts_with("bad.mir:3:"), "{e}");
    let e = Program::parse("p.mir", "fn @main( {").unwrap_err();
    assert!(matches!(e, Error::Parse(_)), "{e:?}");
    assert!(e.to_string().starts_with("p.mir:1:"), "{e}");
    let src = "fn @main() {\nbb0:\n  %r = call @mian()\n  ret\n}\n";
    let Err(Error::Parse(e)) = Program::parse("u.mir", src) else {
        panic!("expected a parse error");
    };
    assert_eq!(
        e.render(false),
        "u.mir:3:13: error: unknown function `@mian`\n  %r = call @mian()\n            ^^^^^\n  = help: did you mean `@main`?\n"
    );
    let e = Program::from_json("m.json", "{").unwrap_err();
    assert!(e.to_string().starts_with("m.json:1:"), "{e}");
}

#[test]
fn run_main_reports_like_the_cli() {
    let p = Program::parse(
        "m.mir",
        "fn @main() {\nbb0:\n  %s = const \"hi\"\n  extern env.console.log(%s)\n  %z = const 0\n  %q = binop div %s, %z\n  ret\n}\n",
    )
    .unwrap();
    each(|b| {
        let mut i = Engine::new(b).instantiate(&p).unwrap();
        assert_eq!(i.run_main(), Some(101));
        assert_eq!(i.take_stdout(), b"hi\n");
        let err = String::from_utf8(i.take_stderr()).unwrap();
        assert!(err.starts_with("error: TypeError:"), "{b}: {err}");
    });
}

#[test]
fn host_functions_are_imports() {
    use mir14_engine::{FfiType, HostFunctions, HostValue, Imports};
    let p = Program::parse(
        "h.mir",
        "import host.twice(Integer) -> Integer\n\nfn @f(%n) {\nbb0:\n  %r = extern host.twice(%n)\n  ret %r\n}\n",
    )
    .unwrap();
    each(|b| {
        let mut host = HostFunctions::new();
        host.register(
            "twice",
            &[FfiType::Integer],
            FfiType::Integer,
            |args| match args {
                [HostValue::Integer(n)] => Ok(HostValue::Integer(2 * n)),
                _ => Err(mir14_rt::Trap::type_error("twice takes an Integer")),
            },
        );
        let imports = Imports {
            host,
            ..Imports::default()
        };
        let mut i = Engine::new(b).instantiate_with(&p, imports).unwrap();
        assert_eq!(
            i.call("f", &[Value::int(21)]).unwrap().as_int(),
            Some(42),
            "{b}"
        );
        // Without the registration the import does not resolve.
        assert!(matches!(
            Engine::new(b).instantiate(&p),
            Err(Error::Backend(_))
        ));
    });
}

#[test]
fn tiered_is_the_default_and_agrees_with_the_interpreter_at_every_threshold() {
    assert_eq!(Engine::default().backend(), Backend::Tiered);
    assert_eq!("tiered".parse::<Backend>(), Ok(Backend::Tiered));
    let p = program();
    let mut vm = Engine::new(Backend::Vm).instantiate(&p).unwrap();
    let want = vm.call("fib", &[Value::int(15)]).unwrap().as_int();
    assert_eq!(want, Some(610));
    let Err(CallError::Trap(want_trap)) = vm.call("div", &[Value::int(1), Value::int(0)]) else {
        panic!("vm: expected DivisionByZero");
    };
    for (threshold, background) in [0, 1, 3, 50, u64::MAX]
        .into_iter()
        .flat_map(|t| [(t, true), (t, false)])
    {
        let engine = Engine::default()
            .tier_threshold(threshold)
            .tier_background(background);
        // Failure messages name the mode too.
        let threshold = format!("{threshold}, background {background}");
        let mut i = engine.instantiate(&p).unwrap();
        // Repeated calls: the first ones interpreted, later ones (past the threshold, once the
        // code is ready) compiled,
        // with what was compiled kept between calls.
        for _ in 0..4 {
            let r = i.call("fib", &[Value::int(15)]).unwrap();
            assert_eq!(r.as_int(), want, "threshold {threshold}");
        }
        let Err(CallError::Trap(t)) = i.call("div", &[Value::int(1), Value::int(0)]) else {
            panic!("threshold {threshold}: expected DivisionByZero");
        };
        assert_eq!(t, want_trap, "threshold {threshold}");
        // Boxes made in compiled code are read from Rust.
        let xs = i.call("fill", &[]).unwrap();
        let n = i.call("len", &[xs]).unwrap();
        assert_eq!(n.as_int(), Some(2), "threshold {threshold}");
    }
}
