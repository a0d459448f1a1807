//! Batches: many generated programs in one module, so that `aot` builds one executable per
//! batch instead of one per program.
//!
//! Program `k` of a batch is the generated module with every function and box name prefixed by
//! `pSEED_` (its seed), so that the programs of a batch never share a name. The batch module is
//! the programs' texts one after the other, then a dispatcher `@main` that reads its first
//! program argument (`pSEED`, the program's key), finds the matching `@pSEED_main` in a chain of
//! string comparisons and tail-calls it. The executable built from the batch runs program `k`
//! as `EXE pSEED`.
//!
//! The vm and the jit run the same program from its *single* text: the batch text with every line
//! of the other programs blanked and the other programs' `const @pX_main` in the dispatcher
//! replaced by `const @main`. So both texts give program `k` the same lines and columns
//! (backtraces print them), the same file name, the same arguments, the same dispatcher
//! (comparisons and branches cost no fuel; the tail call replaces `@main`'s activation, so
//! depth and backtraces are those of the program's own main), and the same heap: only the names
//! of functions that are never called differ.

use mir14_mir::Module;
use std::fmt::Write;

/// The programs of one batch and the texts that run them.
#[derive(Clone, Debug, PartialEq)]
pub struct Batch {
    /// The batch text: every program, then the dispatcher.
    pub text: String,
    /// Each program's key: its only program argument.
    pub keys: Vec<String>,
    /// Each program's single text (see the module documentation).
    pub singles: Vec<String>,
}

/// The key of the program generated from `seed`.
pub fn key(seed: u64) -> String {
    format!("p{seed}")
}

/// `module` with every function and box name prefixed by `prefix` (methods `B.m` become
/// `{prefix}B.m`, the method of the renamed box). References are by index, so nothing else
/// changes.
pub fn rename(module: &Module, prefix: &str) -> Module {
    let mut m = module.clone();
    for b in m.boxes.values_mut() {
        b.name = format!("{prefix}{}", b.name);
    }
    for f in m.functions.values_mut() {
        f.name = format!("{prefix}{}", f.name);
    }
    m
}

/// The batch of the modules `programs` (`(seed, module)`, each with a `@main()` and no
/// imports, seeds distinct).
pub fn batch(programs: &[(u64, Module)]) -> Batch {
    let keys: Vec<String> = programs.iter().map(|(s, _)| key(*s)).collect();
    // Each program's text and the range of lines it occupies (0-based, end exclusive).
    let mut text = String::new();
    let mut ranges = Vec::new();
    let mut line = 0usize;
    for ((_, m), k) in programs.iter().zip(&keys) {
        let t = mir14_mir::print(&rename(m, &format!("{k}_")));
        let lines = t.lines().count();
        ranges.push(line..line + lines);
        text.push_str(&t);
        text.push('\n');
        line += lines + 1;
    }
    let disp_start = line;
    text.push_str(&dispatcher(&keys, None));
    let singles = (0..keys.len())
        .map(|k| {
            let mut s = String::with_capacity(text.len());
            for (i, l) in text.lines().enumerate() {
                if i >= disp_start || ranges[k].contains(&i) {
                    s.push_str(l);
                }
                s.push('\n');
            }
            // The dispatcher of the single text: the same lines, other mains replaced.
            let own = dispatcher(&keys, Some(k));
            let head: String = s
                .lines()
                .take(disp_start)
                .map(|l| format!("{l}\n"))
                .collect();
            head + &own
        })
        .collect();
    Batch {
        text,
        keys,
        singles,
    }
}

/// The dispatcher `@main` of programs `keys`; with `only = Some(k)`, every program but `k` is
/// replaced by `@main` itself (never reached: the key selects program `k`). Both forms have the
/// same lines.
fn dispatcher(keys: &[String], only: Option<usize>) -> String {
    let mut t = String::from(
        "fn @main() {\nbb0:\n  %args = extern env.args()\n  %zero = const 0\n  \
         %sel = call %args.get(%zero)\n",
    );
    for (i, k) in keys.iter().enumerate() {
        let target = match only {
            Some(o) if o != i => "main".to_string(),
            _ => format!("{k}_main"),
        };
        let _ = write!(
            t,
            "  %k{i} = const \"{k}\"\n  %f{i} = const @{target}\n  %c{i} = compare eq %sel, %k{i}\n"
        );
    }
    // A chain of tests: block i jumps to `join` when key i matches.
    let n = keys.len();
    for i in 0..n {
        if i > 0 {
            let _ = writeln!(t, "bb{i}:");
        }
        if i + 1 < n {
            let _ = writeln!(t, "  branch %c{i}, join, bb{}", i + 1);
        } else {
            t.push_str("  jump join\n");
        }
    }
    let inputs: Vec<String> = (0..n).map(|i| format!("[bb{i}: %f{i}]")).collect();
    let _ = write!(
        t,
        "join:\n  %f = phi {}\n  %r = tail call %f()\n  ret %r\n}}\n",
        inputs.join(", ")
    );
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    fn programs(seeds: std::ops::Range<u64>) -> Vec<(u64, Module)> {
        seeds.map(|s| (s, mir14_gen::generate(s))).collect()
    }

    #[test]
    fn batch_and_single_texts_verify_and_keep_lines() {
        let b = batch(&programs(40..46));
        let (m, _) = mir14_mir::parse(&b.text).expect("batch parses");
        mir14_mir::verify(&m).expect("batch verifies");
        assert_eq!(b.keys[2], "p42");
        let total = b.text.lines().count();
        for (k, single) in b.singles.iter().enumerate() {
            let (m, _) = mir14_mir::parse(single).expect("single parses");
            mir14_mir::verify(&m).expect("single verifies");
            assert_eq!(single.lines().count(), total);
            assert!(m.function_by_name(&format!("{}_main", b.keys[k])).is_some());
            let other = b.keys[(k + 1) % b.keys.len()].clone();
            assert!(m.function_by_name(&format!("{other}_main")).is_none());
            // The program's own lines are where the batch has them.
            let mine = format!("fn @{}_main(", b.keys[k]);
            let at = |t: &str| t.lines().position(|l| l.starts_with(&mine));
            assert_eq!(at(single), at(&b.text));
            assert!(at(single).is_some());
        }
    }

    /// The interpreter's result of `text` run with `args` and the limits.
    fn vm(text: &str, args: &[String], fuel: Option<u64>, depth: u64, heap: u64) -> String {
        let (m, _) = mir14_mir::parse(text).expect("parses");
        let config = mir14_rt::Config {
            fuel,
            max_depth: depth,
            max_heap: heap,
            args: args.to_vec(),
            ..mir14_rt::Config::default()
        };
        let c = mir14_vm::run_captured(&m, &config, b"");
        format!(
            "{}\n{}\n{}",
            c.status,
            String::from_utf8_lossy(&c.stdout),
            String::from_utf8_lossy(&c.stderr)
        )
    }

    #[test]
    fn a_program_runs_alike_from_the_batch_and_from_its_single_text() {
        // Fuel, depth and heap limits hit at the same points: the dispatcher costs the same.
        let b = batch(&programs(100..112));
        let mut traps = 0;
        for (k, single) in b.singles.iter().enumerate() {
            let args = [b.keys[k].clone()];
            for (fuel, depth, heap) in [
                (None, 200, 1 << 30),
                (Some(1), 200, 1 << 30),
                (Some(2), 200, 1 << 30),
                (Some(37), 200, 1 << 30),
                (Some(100_000), 3, 1 << 30),
                (Some(100_000), 200, 20_000),
            ] {
                let whole = vm(&b.text, &args, fuel, depth, heap);
                assert_eq!(whole, vm(single, &args, fuel, depth, heap), "{k} {fuel:?}");
                traps += usize::from(whole.starts_with("101\n"));
            }
        }
        assert!(traps > 12, "{traps}");
    }

    #[test]
    fn renaming_keeps_the_program() {
        let m = mir14_gen::generate(7);
        let r = rename(&m, "p7_");
        assert!(r.function_by_name("p7_main").is_some());
        assert_eq!(r.functions.len(), m.functions.len());
        assert!(r.boxes.values().all(|b| b.name.starts_with("p7_")));
        mir14_mir::verify(&r).expect("renamed module verifies");
    }
}
