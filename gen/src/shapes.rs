//! Shapes near the limits: one module in four gets one function of a shape that stresses what
//! backends size differently (frames, blocks, recursion depth, heap), and `@main` calls its
//! entry `@shape_entry` first:
//!
//! - **frames**: a recursive function whose frame holds many values, a big `new ArrayBox(...)`
//!   literal and a call with a long argument list, recursing a few levels or near a depth limit
//!   (the fuzzer's 200, or the default 100000 with a small frame);
//! - **blocks**: a function of hundreds to thousands of blocks (a chain of diamonds with a
//!   running value through phis);
//! - **heap**: a string doubled in a loop and an array grown by `push`, up to megabytes (near
//!   the fuzzer's small `--max-heap` limits);
//! - **tail**: self tail recursion with a wide argument list, deeper than the default depth
//!   limit (constant depth: the limit must not be reached).
//!
//! Like the tail-call ring, a shape is written as text, parsed, and appended to the module.

use crate::Source;
use mir14_mir::{Callee, FuncId, Inst, Module};
use std::fmt::Write;

/// A recursion depth near one of the depth limits the fuzzer uses (200, 100000), or small.
/// Deep recursions (near 100000) only with small frames, so the interpreter's frames stay small.
fn depth(src: &mut dyn Source, small_frame: bool) -> u64 {
    match src.below(4) {
        0 => src.below(6),
        1 if small_frame => 99_990 + src.below(14),
        _ => 192 + src.below(14),
    }
}

/// `@shape_frame(%d)`: `values` constants summed, an ArrayBox of `elems` elements and a call of
/// `@shape_wide` with `wide` arguments in every frame, recursing `%d` deep.
fn frame_text(src: &mut dyn Source) -> String {
    let big = src.chance(1, 2);
    let (values, elems, wide) = if big {
        (
            50 + src.below(500),
            src.below(700) as usize,
            1 + src.below(600) as usize,
        )
    } else {
        (
            src.below(8),
            src.below(6) as usize,
            1 + src.below(4) as usize,
        )
    };
    let d = depth(src, !big);
    let mut t = String::from("fn @shape_frame(%d) {\nbb0:\n  %z = const 0\n");
    t.push_str("  %stop = compare le %d, %z\n  branch %stop, out, more\nout:\n  ret %z\nmore:\n");
    t.push_str("  %one = const 1\n  %d1 = binop sub %d, %one\n  %s0 = const 0\n");
    for i in 0..values {
        let _ = write!(
            t,
            "  %v{i} = const {}\n  %s{} = binop add %s{i}, %v{i}\n",
            i * 7 % 13,
            i + 1
        );
    }
    let elems_list: Vec<String> = (0..elems).map(|i| format!("%e{}", i % 3)).collect();
    let _ = write!(
        t,
        "  %e0 = const 1\n  %e1 = const \"x\"\n  %e2 = const 2.5\n  %arr = new ArrayBox({})\n  \
         %len = call %arr.length()\n",
        elems_list.join(", ")
    );
    let args: Vec<String> = (0..wide)
        .map(|i| format!("%s{}", i as u64 % (values + 1)))
        .collect();
    let _ = write!(
        t,
        "  %w = call @shape_wide({})\n  %r = call @shape_frame(%d1)\n  %a = binop add %r, %len\n  \
         %b = binop add %a, %w\n  %c = binop add %b, %s{values}\n  %m = const 1000003\n  \
         %res = binop mod %c, %m\n  ret %res\n}}\n\n",
        args.join(", ")
    );
    let params: Vec<String> = (0..wide).map(|i| format!("%p{i}")).collect();
    let _ = write!(t, "fn @shape_wide({}) {{\nbb0:\n", params.join(", "));
    t.push_str("  %t0 = const 0\n");
    for i in 0..wide {
        let _ = writeln!(t, "  %t{} = binop add %t{i}, %p{i}", i + 1);
    }
    let _ = write!(t, "  ret %t{wide}\n}}\n\n");
    let _ = write!(
        t,
        "fn @shape_entry() {{\nbb0:\n  %d = const {d}\n  %r = call @shape_frame(%d)\n  \
         extern env.console.log(%r)\n  ret\n}}\n"
    );
    t
}

/// `@shape_entry`: `steps` diamonds, each branching on the running value and joining it in a
/// phi (3 blocks a step).
fn blocks_text(src: &mut dyn Source) -> String {
    let steps = 50 + src.below(450);
    let mut t = String::from(
        "fn @shape_entry() {\nbb0:\n  %x0 = const 1\n  %two = const 2\n  %k = const 1009\n  \
         jump s0\n",
    );
    for i in 0..steps {
        let c = src.below(100);
        let _ = write!(
            t,
            "s{i}:\n  %m{i} = binop mod %x{i}, %two\n  %odd{i} = compare eq %m{i}, %x0\n  \
             branch %odd{i}, a{i}, b{i}\n\
             a{i}:\n  %c{i} = const {c}\n  %ya{i} = binop add %x{i}, %c{i}\n  jump j{i}\n\
             b{i}:\n  %yb{i} = binop mul %x{i}, %two\n  jump j{i}\n\
             j{i}:\n  %y{i} = phi [a{i}: %ya{i}], [b{i}: %yb{i}]\n  \
             %x{} = binop mod %y{i}, %k\n  jump s{}\n",
            i + 1,
            i + 1
        );
    }
    let _ = write!(
        t,
        "s{steps}:\n  extern env.console.log(%x{steps})\n  ret\n}}\n"
    );
    t
}

/// `@shape_entry`: a string doubled `n` times and an array pushed `m` times, logging their
/// sizes (megabytes at the top of the ranges).
fn heap_text(src: &mut dyn Source) -> String {
    let n = 8 + src.below(17);
    let m = src.below(60_000);
    format!(
        "fn @shape_entry() {{\n  loop header=h body=b latch=b exit=x\n  \
         loop header=h2 body=b2 latch=b2 exit=x2\nbb0:\n  %z = const 0\n  %one = const 1\n  \
         %n = const {n}\n  %m = const {m}\n  %s0 = const \"ab\"\n  jump h\n\
         h:\n  %i = phi [bb0: %z], [b: %i1]\n  %s = phi [bb0: %s0], [b: %s1]\n  \
         %c = compare lt %i, %n\n  branch %c, b, x\n\
         b:\n  %s1 = binop add %s, %s\n  %i1 = binop add %i, %one\n  jump h\n\
         x:\n  %len = call %s.length()\n  extern env.console.log(%len)\n  %a = new ArrayBox()\n  \
         jump h2\n\
         h2:\n  %j = phi [x: %z], [b2: %j1]\n  %c2 = compare lt %j, %m\n  branch %c2, b2, x2\n\
         b2:\n  call %a.push(%j)\n  %j1 = binop add %j, %one\n  jump h2\n\
         x2:\n  %alen = call %a.length()\n  extern env.console.log(%alen)\n  ret\n}}\n"
    )
}

/// `@shape_tail(%n, %acc, ...)`: self tail recursion with `wide` extra arguments, `%n` deep.
fn tail_text(src: &mut dyn Source) -> String {
    let wide = src.below(40) as usize;
    let n = match src.below(3) {
        0 => 100_001 + src.below(50_000),
        _ => src.below(300),
    };
    let extra: Vec<String> = (0..wide).map(|i| format!("%q{i}")).collect();
    let rotated: Vec<String> = (0..wide).map(|i| format!("%q{}", (i + 1) % wide)).collect();
    let sep = |v: &[String]| {
        if v.is_empty() {
            String::new()
        } else {
            format!(", {}", v.join(", "))
        }
    };
    let mut t = format!(
        "fn @shape_tail(%n, %acc{}) {{\nbb0:\n  %z = const 0\n  %done = compare le %n, %z\n  \
         branch %done, out, more\nout:\n  ret %acc\nmore:\n  %one = const 1\n  \
         %n1 = binop sub %n, %one\n  %seven = const 7\n  %a1 = binop add %acc, %seven\n  \
         %big = const 1000003\n  %a2 = binop mod %a1, %big\n",
        sep(&extra)
    );
    let _ = write!(
        t,
        "  %r = tail call @shape_tail(%n1, %a2{})\n  ret %r\n}}\n\n",
        sep(&rotated)
    );
    let consts: String = (0..wide)
        .map(|i| format!("  %q{i} = const {i}\n"))
        .collect();
    let _ = write!(
        t,
        "fn @shape_entry() {{\nbb0:\n  %n = const {n}\n  %acc = const 0\n{consts}  \
         %r = call @shape_tail(%n, %acc{})\n  extern env.console.log(%r)\n  ret\n}}\n",
        sep(&extra)
    );
    t
}

/// The text of a random shape.
fn shape_text(src: &mut dyn Source) -> String {
    match src.below(4) {
        0 => frame_text(src),
        1 => blocks_text(src),
        2 => heap_text(src),
        _ => tail_text(src),
    }
}

/// Appends a shape to `m` (one module in four) and makes `@main` call `@shape_entry` first.
/// Leaves `m` unchanged if it has no `@main`.
pub(crate) fn add_shape(m: &mut Module, src: &mut dyn Source) {
    if !src.chance(1, 4) {
        return;
    }
    let Some(main) = m.function_by_name("main") else {
        return;
    };
    let text = shape_text(src);
    let Ok((shape, _)) = mir14_mir::parse(&text) else {
        debug_assert!(false, "shape text does not parse:\n{text}");
        return;
    };
    let fo = m.functions.len() as u32;
    for f in shape.functions.values() {
        let mut f = f.clone();
        for b in f.blocks.values_mut() {
            for inst in &mut b.insts {
                crate::tail::relocate(inst, 0, fo);
            }
        }
        m.functions.push(f);
    }
    let entry = FuncId(fo + shape.function_by_name("shape_entry").map_or(0, |f| f.0));
    if let Some(b) = m.functions[main].blocks.values_mut().next() {
        b.insts.insert(
            0,
            Inst::Call {
                dest: None,
                callee: Callee::Global(entry),
                args: Vec::new(),
                tail: false,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Rng;

    #[test]
    fn every_shape_parses_and_verifies() {
        for seed in 0..200u64 {
            let mut src = Rng::new(seed);
            for text in [
                frame_text(&mut src),
                blocks_text(&mut src),
                heap_text(&mut src),
                tail_text(&mut src),
            ] {
                let (m, _) = mir14_mir::parse(&text).unwrap_or_else(|e| panic!("{e:?}\n{text}"));
                if let Err(e) = mir14_mir::verify(&m) {
                    panic!("{:?}\n{text}", e[0].message);
                }
            }
        }
    }

    #[test]
    fn shapes_reach_the_limits() {
        // Over many modules: big frames, long argument lists, thousands of blocks, recursion
        // near both depth limits, megabyte heaps, tail recursion past the default limit.
        let (mut wide, mut blocks, mut near200, mut near100k, mut heap, mut tail) =
            (0, 0, 0, 0, 0, 0);
        for seed in 0..400u64 {
            let m = crate::generate(seed);
            let ints = |name: &str| -> Vec<i64> {
                m.function_by_name(name)
                    .map(|f| {
                        m.functions[f]
                            .blocks
                            .values()
                            .flat_map(|b| &b.insts)
                            .filter_map(|i| match i {
                                Inst::Const {
                                    value: mir14_mir::Constant::Int(v),
                                    ..
                                } => Some(*v),
                                _ => None,
                            })
                            .collect()
                    })
                    .unwrap_or_default()
            };
            let entry = m.function_by_name("shape_entry").map(|f| &m.functions[f]);
            if let Some(f) = m.function_by_name("shape_wide") {
                wide = wide.max(m.functions[f].params.len());
                let d = ints("shape_entry")[0];
                near200 += usize::from((192..206).contains(&d));
                near100k += usize::from(d >= 99_990);
            }
            blocks = blocks.max(entry.map_or(0, |f| f.blocks.len()));
            heap += usize::from(entry.is_some_and(|f| f.loops.len() == 2));
            tail += usize::from(
                m.function_by_name("shape_tail").is_some()
                    && ints("shape_entry").iter().any(|&n| n > 100_000),
            );
        }
        assert!(wide >= 300, "{wide}");
        assert!(blocks >= 1000, "{blocks}");
        assert!(near200 > 0 && near100k > 0 && heap > 0 && tail > 0);
    }
}
