//! Functions that Cranelift can not compile stay in the interpreter in a tiered run (spec §9):
//! a block with more phis than a Cranelift block has parameters (each phi of unknown type takes
//! a tag and bits: past 32,768 of them). Tiered must run such a function interpreted (with the
//! vm's result) even with a threshold of 0, while compiling the functions around it; if it
//! tried to compile it, Cranelift would fail (or panic) on the block.

use mir14_rt::{Config, Io};
use mir14_tier::{TierInstance, TierOptions};

/// `@wide(%a, %x)`: a join block with `n` phis of unknown type (the branch condition is an
/// argument, so inference can not fix their types), returning the last; `@small` adds one;
/// `@main` calls both and prints their results.
fn program(n: usize) -> String {
    let mut src = String::from(
        "fn @wide(%a, %x) {\nbb0:\n  branch %a, l, r\nl:\n  jump j\nr:\n  jump j\nj:\n",
    );
    for k in 0..n {
        src += &format!("  %q{k} = phi [l: %x], [r: %a]\n");
    }
    src += &format!("  ret %q{}\n}}\n\n", n - 1);
    src += "fn @small(%x) {\nbb0:\n  %one = const 1\n  %y = binop add %x, %one\n  ret %y\n}\n\n";
    src += "fn @main() {\nbb0:\n  %t = const true\n  %s = const \"s\"\n  \
            %w = call @wide(%t, %s)\n  %n = const 41\n  %r = call @small(%n)\n  \
            extern env.console.log(%w)\n  extern env.console.log(%r)\n  ret\n}\n";
    src
}

/// Runs `@main` of a program of `n` phis tiered with threshold 0; returns its stdout and how
/// many functions were compiled.
fn run_tiered(n: usize) -> (Vec<u8>, usize) {
    let (m, _) = mir14_mir::parse(&program(n)).expect("parses");
    mir14_mir::verify(&m).expect("verifies");
    let want = mir14_vm::run_captured(&m, &Config::default(), b"");
    assert_eq!(want.stdout, b"s\n42\n");
    assert_eq!(want.status, 0);
    let mut inst = TierInstance::new(
        &m,
        Config::default(),
        Io::captured(Vec::new()),
        false,
        TierOptions {
            threshold: 0,
            background: false,
        },
    )
    .expect("loads");
    let main = inst.main().expect("has main");
    inst.call(main, &[]).expect("runs");
    let out = inst.runtime().captured_stdout().to_vec();
    (out, inst.compiled_functions())
}

#[test]
fn a_function_past_the_phi_limit_stays_interpreted() {
    let (out, compiled) = run_tiered(33_000);
    assert_eq!(out, b"s\n42\n");
    // main and small are compiled at their first call (threshold 0), wide is not.
    assert_eq!(compiled, 2);
}

#[test]
fn below_the_phi_limit_the_same_shape_is_compiled() {
    // With few phis all three functions compile: the limit, not the shape, keeps @wide
    // interpreted above.
    let (out, compiled) = run_tiered(100);
    assert_eq!(out, b"s\n42\n");
    assert_eq!(compiled, 3);
}
