//! Measures JIT compile time: `compile_time FILE...` compiles each module 20 times and prints
//! the median time per function and per 100 MIR instructions.
fn main() {
    for path in std::env::args().skip(1) {
        let src = std::fs::read_to_string(&path).expect("readable file");
        let (m, _) = mir14_mir::parse(&src).expect("a module that parses");
        mir14_mir::verify(&m).expect("a module that verifies");
        let mut times: Vec<f64> = (0..20)
            .map(|_| {
                mir14_jit::compile(&m, false)
                    .expect("compiles")
                    .compile_time
                    .as_secs_f64()
            })
            .collect();
        times.sort_by(f64::total_cmp);
        let t = times[times.len() / 2];
        let funcs = m.functions.len();
        let insts: usize = m.functions.values().map(|f| f.inst_count()).sum();
        println!(
            "{path}: {funcs} functions, {insts} instructions: {:.3} ms total, {:.3} ms per function, {:.3} ms per 100 instructions",
            t * 1e3,
            t * 1e3 / funcs as f64,
            t * 1e3 * 100.0 / insts as f64
        );
    }
}
