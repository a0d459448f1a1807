//! Measures JIT compile time: `compile_time [--runs N] FILE...` compiles each module N times
//! (default 20) and prints the median total time, the time per 100 MIR instructions, and the
//! same with the fixed per-module cost (measured on a minimal module: ISA, JIT memory,
//! finalization) taken out.
use std::process::ExitCode;

/// The median compile time of `m` over `runs` compilations, in milliseconds.
fn median_ms(m: &mir14_mir::Module, runs: usize) -> Result<f64, String> {
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs.max(1) {
        times.push(mir14_jit::compile(m, false)?.compile_time.as_secs_f64() * 1e3);
    }
    times.sort_by(f64::total_cmp);
    Ok(times[times.len() / 2])
}

fn load(src: &str) -> Result<mir14_mir::Module, String> {
    let (m, _) = mir14_mir::parse(src).map_err(|d| format!("{:?}", d.first()))?;
    mir14_mir::verify(&m).map_err(|e| format!("{:?}", e.first()))?;
    Ok(m)
}

fn run() -> Result<(), String> {
    let mut runs = 20;
    let mut files = Vec::new();
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        if a == "--runs" {
            runs = it
                .next()
                .and_then(|s| s.parse().ok())
                .ok_or("--runs needs a number")?;
        } else {
            files.push(a);
        }
    }
    let empty = load("fn @main() {\nbb0:\n  ret\n}\n")?;
    let fixed = median_ms(&empty, runs)?;
    println!(
        "JIT compile time, median of {runs}; fixed per-module cost (empty module): {fixed:.3} ms"
    );
    for path in files {
        let src = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
        let m = load(&src).map_err(|e| format!("{path}: {e}"))?;
        let t = median_ms(&m, runs)?;
        let insts: usize = m.functions.values().map(|f| f.inst_count()).sum();
        let name = std::path::Path::new(&path)
            .file_name()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or(path.clone());
        println!(
            "{name:>18}: {:4} functions, {insts:5} instructions: {t:7.3} ms total, {:6.3} ms per 100 instructions ({:6.3} without the fixed cost)",
            m.functions.len(),
            t * 100.0 / insts as f64,
            (t - fixed).max(0.0) * 100.0 / insts as f64
        );
    }
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("compile_time: {e}");
            ExitCode::FAILURE
        }
    }
}
