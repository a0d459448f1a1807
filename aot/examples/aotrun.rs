//! Runs a .mir file through a standalone AOT executable (development aid), with the same
//! interface as `jitrun`: `aotrun [--fuel N] [--max-depth N] file [-- args]`. The executable is
//! built in a temporary directory, run with the given arguments (streams inherited), and removed.
//! `aotrun --build OUT [--fuel N] [--max-depth N] file` only builds the executable `OUT`.
use mir14_aot::AotOptions;

fn main() {
    let mut opts = AotOptions::default();
    let mut args = Vec::new();
    let mut build = None;
    let mut it = std::env::args().skip(1);
    let mut path = String::new();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--fuel" => opts.fuel = it.next().and_then(|s| s.parse().ok()),
            "--max-depth" => {
                opts.max_depth = it.next().and_then(|s| s.parse().ok()).unwrap_or(100_000)
            }
            "--build" => build = it.next(),
            "--" => args = it.by_ref().collect(),
            _ => path = a,
        }
    }
    let fail = |msg: String| -> ! {
        eprintln!("aotrun: {msg}");
        std::process::exit(2)
    };
    let src = std::fs::read_to_string(&path).unwrap_or_else(|e| fail(format!("{path}: {e}")));
    let (m, _) = mir14_mir::parse(&src).unwrap_or_else(|d| fail(format!("{path}: {d:?}")));
    if let Err(e) = mir14_mir::verify(&m) {
        fail(format!("{path}: {e:?}"));
    }
    if let Some(out) = build {
        if let Err(e) = mir14_aot::build_executable(&m, std::path::Path::new(&out), &opts) {
            fail(e);
        }
        return;
    }
    match mir14_aot::run(&m, &opts, &args) {
        Ok(status) => std::process::exit(status),
        Err(e) => fail(e),
    }
}
