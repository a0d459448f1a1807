//! Prints the module generated from a seed: `genmir SEED`.
fn main() {
    let seed = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    print!("{}", mir14_mir::print(&mir14_gen::generate(seed)));
}
