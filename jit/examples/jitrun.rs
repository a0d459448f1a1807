//! Runs a .mir file with the JIT (development aid): `jitrun [--fuel N] [--max-depth N] file [-- args]`.
fn main() {
    let mut cfg = mir14_rt::Config::default();
    let mut it = std::env::args().skip(1);
    let mut path = String::new();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--fuel" => cfg.fuel = it.next().and_then(|s| s.parse().ok()),
            "--max-depth" => {
                cfg.max_depth = it.next().and_then(|s| s.parse().ok()).unwrap_or(100_000)
            }
            "--" => {
                cfg.args = it.by_ref().collect();
            }
            _ => path = a,
        }
    }
    let src = std::fs::read_to_string(&path).expect("read");
    let (m, _) = mir14_mir::parse(&src).expect("parse");
    mir14_mir::verify(&m).expect("verify");
    let status = mir14_jit::run(&m, &cfg).expect("jit");
    std::process::exit(status);
}
