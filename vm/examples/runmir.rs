//! Runs a `.mir` file on the interpreter: `cargo run --release -p mir14-vm --example runmir --
//! prog.mir [--fuel N] [--max-depth N] [-- args...]`. For benchmarks and manual checks until
//! the `mir14 run` command is wired.

#[path = "../tests/common/mod.rs"]
mod common;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        eprintln!("usage: runmir prog.mir [--fuel N] [--max-depth N] [-- args...]");
        std::process::exit(2);
    };
    let mut config = mir14_vm::Config::default();
    let mut i = 1;
    while i < args.len() {
        match args[i].as_str() {
            "--fuel" => {
                config.fuel = args.get(i + 1).and_then(|s| s.parse().ok());
                i += 1;
            }
            "--max-depth" => {
                config.max_depth = args
                    .get(i + 1)
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(100_000);
                i += 1;
            }
            "--" => {
                config.args = args[i + 1..].to_vec();
                break;
            }
            _ => {}
        }
        i += 1;
    }
    let src = match std::fs::read_to_string(path) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: cannot read {path}: {e}");
            std::process::exit(2);
        }
    };
    let module = match common::parse(&src) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    std::process::exit(mir14_vm::run(&module, &config));
}
