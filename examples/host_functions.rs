//! Embedding mir14: a Rust program registers two host functions and runs a module that calls
//! them, on the interpreter and on the JIT.
//!
//! Run with `cargo run --example host_functions`. The module declares what it calls with
//! `import host.NAME(T...) -> T`; the registration gives the same name and types and a Rust
//! closure. Arguments reach the closure already checked against the declared types.

use mir14_rt::{Config, FfiType, HostFunctions, HostValue, Trap};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

const PROGRAM: &str = "\
import host.shout(String) -> String
import host.tally(Integer) -> Integer

fn @main() {
entry:
  %s = const \"hello from mir14\"
  %loud = extern host.shout(%s)
  extern env.console.log(%loud)
  %five = const 5
  %t1 = extern host.tally(%five)
  %t2 = extern host.tally(%five)
  extern env.console.log(%t2)
  ret
}
";

fn main() {
    let (module, _) = mir14_mir::parse(PROGRAM).expect("the program parses");
    mir14_mir::verify(&module).expect("the program verifies");

    // A running total kept by the embedder, shared by both runs.
    let total = Arc::new(AtomicI64::new(0));
    let mut host = HostFunctions::new();
    host.register(
        "shout",
        &[FfiType::String],
        FfiType::String,
        |args| match args {
            [HostValue::String(s)] => Ok(HostValue::String(s.to_uppercase() + "!")),
            _ => Err(Trap::type_error("shout takes one String")),
        },
    );
    let t = Arc::clone(&total);
    host.register(
        "tally",
        &[FfiType::Integer],
        FfiType::Integer,
        move |args| {
            let [HostValue::Integer(n)] = args else {
                return Err(Trap::type_error("tally takes one Integer"));
            };
            Ok(HostValue::Integer(t.fetch_add(*n, Ordering::SeqCst) + n))
        },
    );
    let config = Config {
        host,
        ..Config::default()
    };

    println!("-- vm");
    let status = mir14_vm::run(&module, &config);
    println!("-- jit");
    let jit_status = mir14_jit::run(&module, &config).expect("the JIT compiles the program");
    println!(
        "-- exit statuses: vm {status}, jit {jit_status}; total {}",
        total.load(Ordering::SeqCst)
    );
}
