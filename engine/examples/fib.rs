//! Calls `@fib(30)` on the interpreter and on the JIT, with the program's output captured.
//!
//! Run with `cargo run -p mir14-engine --example fib`.

use mir14_engine::{Backend, Engine, Program, Value};

const SOURCE: &str = r#"
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

fn @report(%n, %r) {
bb0:
  %s1 = const "fib("
  %a = binop add %s1, %n
  %s2 = const ") = "
  %b = binop add %a, %s2
  %c = binop add %b, %r
  extern env.console.log(%c)
  ret
}
"#;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let program = Program::parse("fib.mir", SOURCE)?;
    for engine in [
        Engine::default(),
        Engine::new(Backend::Vm),
        Engine::new(Backend::Jit),
    ] {
        let backend = engine.backend();
        let mut instance = engine.instantiate(&program)?;
        let n = Value::int(30);
        let result = instance.call("fib", &[n])?;
        assert_eq!(result.as_int(), Some(832040));
        instance.call("report", &[n, result])?;
        let out = String::from_utf8(instance.take_stdout())?;
        print!("{backend}: {out}");
        assert_eq!(out, "fib(30) = 832040\n");
    }
    Ok(())
}
