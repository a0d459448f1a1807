//! `mir14-gen`: a generator of random, valid, terminating MIR14 modules for differential
//! fuzzing.
//!
//! [`generate`] makes a module from a seed (a small SplitMix64 PRNG, [`Rng`]); with the
//! `arbitrary` feature, `generate_from_bytes` makes one from fuzzer bytes. Every module:
//!
//! - verifies, and prints as text that parses back to an equal module (values are numbered
//!   canonically);
//! - has `@main()`, helper functions `@fN(%d, ...)` whose first parameter `%d` is a recursion
//!   depth (each body starts with `if d <= 0 return a constant`, every call passes `d - 1`), user
//!   boxes `Bk` with fields and methods (`birth`, `toString`, `apply` and depth-carrying methods
//!   `mN`), so recursion is bounded by construction;
//! - contains loops in canonical LoopForm shape (a counter `i < n` with a small constant `n`,
//!   carried phis including swaps, `break` to the exit and `continue` to the latch), mostly
//!   declared with `loop` lines, nested branches with join phis, every one of the 14 instructions,
//!   every value type, all four Callee kinds, operator boxes, strings and collections with their
//!   methods;
//! - terminates by construction (bounded loop counters, bounded recursion; a user `toString`
//!   that meets a cycle is bounded by the call depth limit), with `--fuel` as the backstop;
//! - is deterministic: no `env.time.now_ms`; stdin is read only with `env.stdin.read_line` /
//!   `read_all` (the fuzzer runs programs with empty stdin) and `env.fs.read` only of a path
//!   that does not exist;
//! - may trap: the generator keeps track of each value's likely type and now and then uses a
//!   value of the wrong type, a zero divisor, an out-of-range index, an unknown field or method,
//!   or a non-String `toString` result. Traps are outcomes to compare between backends.
//!
//! One module in three also gets a tail-call ring (`tail`): functions and methods of a box
//! `TailBox` that call each other in a cycle through every Callee kind, mostly as `tail call`s,
//! sometimes deeper than the default depth limit, so that backends are compared on tail calls,
//! on their depth and fuel accounting, and on the overflow of the same shape with plain calls.
//!
//! One module in four also gets a shape near the limits (`shapes`): a recursion whose frames
//! hold hundreds of values, a big array literal and a long argument list, near the fuzzer's
//! depth limits; a function of thousands of blocks; strings and arrays grown to megabytes (near
//! the fuzzer's small `--max-heap` limits); or wide self tail recursion deeper than the default
//! depth limit. `@main` calls the shape's `@shape_entry` first.
//!
//! [`mutate`] applies small random edits to a module (for fuzzing the verifier with modules that
//! are almost valid); [`shrink()`] reduces a module to a small one that still verifies and still
//! shows a property (a divergence between backends).
//!
//! The generator has two layers: `plan` decides the module's shape (function signatures, user
//! boxes and their methods) and holds the module-level state; `body` generates each function's
//! body from its planned signature (statements, loops in LoopForm, branches, calls, injected
//! wrong-type operands).

mod body;
mod mutate;
mod plan;
mod shapes;
pub mod shrink;
pub mod source;
mod tail;

pub use mutate::mutate;
pub use shrink::shrink;
#[cfg(feature = "arbitrary")]
pub use source::BytesSource;
pub use source::{Rng, Source};

use body::FnGen;
use mir14_mir::{FuncId, Module};
use plan::Gen;

/// Size and shape limits of generated modules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// The most helper functions `@fN` (besides `@main` and box methods).
    pub max_helpers: usize,
    /// The most user box declarations.
    pub max_boxes: usize,
    /// The statement budget of `@main`.
    pub main_stmts: usize,
    /// The statement budget of a helper function or method body.
    pub fn_stmts: usize,
    /// The deepest nesting of `if` statements.
    pub max_if_depth: usize,
    /// The deepest nesting of loops.
    pub max_loop_depth: usize,
    /// The largest recursion depth `@main` passes to a helper.
    pub max_call_depth: i64,
    /// The largest loop trip count.
    pub max_trip: i64,
    /// How often (per 1000 operand choices) an operand of a likely wrong type is used.
    pub error_per_mille: u64,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            max_helpers: 4,
            max_boxes: 2,
            main_stmts: 28,
            fn_stmts: 14,
            max_if_depth: 3,
            max_loop_depth: 2,
            max_call_depth: 3,
            max_trip: 5,
            error_per_mille: 6,
        }
    }
}

/// A module generated from `seed` with the default [`Config`].
pub fn generate(seed: u64) -> Module {
    generate_with(&mut Rng::new(seed), &Config::default())
}

/// A module generated from fuzzer bytes with the default [`Config`].
#[cfg(feature = "arbitrary")]
pub fn generate_from_bytes(data: &[u8]) -> Module {
    generate_with(&mut BytesSource::new(data), &Config::default())
}

/// A module generated from the choices of `src` within the limits of `cfg`.
pub fn generate_with(src: &mut dyn Source, cfg: &Config) -> Module {
    let mut g = Gen {
        src,
        cfg: cfg.clone(),
        module: Module::new(),
        sigs: Vec::new(),
        boxes: Vec::new(),
        fields: Vec::new(),
        exit_used: false,
        err: 0,
    };
    // Half of the modules are clean (no injected wrong-type operands); the rest get a rate.
    g.err = [0, 0, cfg.error_per_mille / 4, cfg.error_per_mille][g.below(4)];
    g.plan();
    for i in 0..g.sigs.len() {
        let f = FnGen::run(&mut g, FuncId(i as u32));
        g.module.functions[FuncId(i as u32)] = f;
    }
    tail::add_ring(&mut g.module, g.src);
    shapes::add_shape(&mut g.module, g.src);
    g.module
}

#[cfg(test)]
mod tests {
    use super::*;
    use mir14_mir::{Block, Callee, Constant, Inst, Value};

    /// Counts instruction kinds, callee kinds and types over many modules.
    fn coverage(seeds: std::ops::Range<u64>) -> std::collections::BTreeSet<String> {
        let mut seen = std::collections::BTreeSet::new();
        for seed in seeds {
            let m = generate(seed);
            for f in m.functions.values() {
                if !f.loops.is_empty() {
                    seen.insert("loopform".to_string());
                }
                if let Some((_, method)) = f.name.split_once('.') {
                    seen.insert(format!("method {method}"));
                }
                for b in f.blocks.values() {
                    for i in &b.insts {
                        seen.insert(i.opcode_name().to_string());
                        match i {
                            Inst::Call { callee, .. } => {
                                seen.insert(
                                    match callee {
                                        Callee::Global(_) => "callee-global",
                                        Callee::Method {
                                            box_name: Some(_), ..
                                        } => "callee-static",
                                        Callee::Method { .. } => "callee-dynamic",
                                        Callee::Value(_) => "callee-value",
                                        Callee::Extern(_) | Callee::Import(_) => {
                                            "callee-extern-in-call"
                                        }
                                    }
                                    .to_string(),
                                );
                            }
                            Inst::ExternCall {
                                callee: Callee::Extern(e),
                                ..
                            } => {
                                seen.insert(e.name().to_string());
                            }
                            Inst::Const { value, .. } => {
                                seen.insert(
                                    match value {
                                        Constant::Int(_) => "Integer",
                                        Constant::Float(_) => "Float",
                                        Constant::Bool(_) => "Bool",
                                        Constant::Str(_) => "String",
                                        Constant::Void => "Void",
                                        Constant::Func(_) => "FunctionBox",
                                    }
                                    .to_string(),
                                );
                            }
                            Inst::NewBox { class, .. } => {
                                seen.insert(format!("new {}", m.class_name(*class)));
                            }
                            _ => {}
                        }
                    }
                }
            }
        }
        seen
    }

    #[test]
    fn every_module_verifies_and_round_trips() {
        for seed in 0..3000u64 {
            let m = generate(seed);
            if let Err(e) = mir14_mir::verify(&m) {
                panic!(
                    "seed {seed}: {:?}\n{}",
                    e.iter().map(|e| e.message.clone()).collect::<Vec<_>>(),
                    mir14_mir::print(&m)
                );
            }
            let text = mir14_mir::print(&m);
            let (back, _) =
                mir14_mir::parse(&text).unwrap_or_else(|e| panic!("seed {seed}: {e:?}\n{text}"));
            assert_eq!(back, m, "seed {seed}");
            let json = mir14_mir::json::to_json(&m);
            let back = mir14_mir::json::from_json(&json).expect("json");
            assert_eq!(back, m, "seed {seed} json");
        }
    }

    #[test]
    fn generation_is_deterministic() {
        for seed in [0, 1, 42, u64::MAX] {
            assert_eq!(generate(seed), generate(seed));
        }
        assert_ne!(generate(1), generate(2));
    }

    #[test]
    fn never_emits_the_clock() {
        for seed in 0..500u64 {
            let text = mir14_mir::print(&generate(seed));
            assert!(!text.contains("env.time.now_ms"), "seed {seed}");
        }
    }

    #[test]
    fn covers_every_instruction_callee_and_type() {
        let seen = coverage(0..400);
        for k in [
            "const", "unary", "binop", "compare", "typeop", "load", "store", "branch", "jump",
            "ret", "phi", "new", "call", "extern",
        ] {
            assert!(seen.contains(k), "instruction {k} never generated");
        }
        for k in [
            "callee-global",
            "callee-static",
            "callee-dynamic",
            "callee-value",
            "env.console.log",
            "env.console.print",
            "env.console.error",
            "env.args",
            "env.process.exit",
            "loopform",
            "Integer",
            "Float",
            "Bool",
            "String",
            "Void",
            "FunctionBox",
            "new ArrayBox",
            "new MapBox",
            "new AddOperator",
            "new B0",
            "new IntegerBox",
            "new VoidBox",
            "method birth",
            "method toString",
            "method apply",
            "method equals",
            "method typeName",
            "method m0",
        ] {
            assert!(seen.contains(k), "{k} never generated");
        }
        assert!(!seen.contains("callee-extern-in-call"));
    }

    #[test]
    fn generates_swaps_breaks_and_continues() {
        // A swap: a header phi whose latch input is another header phi of the same block.
        let (mut swap, mut multi_exit, mut multi_latch) = (false, false, false);
        let mut do_while = false;
        for seed in 0..400u64 {
            let m = generate(seed);
            for f in m.functions.values() {
                for l in &f.loops {
                    let phis: Vec<(Value, Value)> = f.blocks[l.header]
                        .insts
                        .iter()
                        .filter_map(|i| match i {
                            Inst::Phi { dest, inputs } => inputs
                                .iter()
                                .find(|(b, _)| *b == l.latch)
                                .map(|(_, v)| (*dest, *v)),
                            _ => None,
                        })
                        .collect();
                    if phis
                        .iter()
                        .any(|(d, v)| v != d && phis.iter().any(|(d2, _)| d2 == v))
                    {
                        swap = true;
                    }
                    let preds = |t: Block| {
                        f.blocks
                            .values()
                            .filter(|b| b.insts.last().is_some_and(|i| i.successors().contains(&t)))
                            .count()
                    };
                    multi_exit |= preds(l.exit) > 1;
                    multi_latch |= preds(l.latch) > 1;
                    do_while |= f.successors(l.latch) == vec![l.header, l.exit];
                }
            }
        }
        assert!(swap && multi_exit && multi_latch && do_while);
    }
}
