//! Tail-call rings: a user box `TailBox` and functions that call each other in a cycle through
//! every Callee kind (a global, a FunctionBox value, a static method, a dynamic method, the
//! box's `apply`), mostly as `tail call`s, counting a parameter `%n` down to 0, where the ring
//! ends with a return, a tail call of an operator box, of a builtin method, or a result-less
//! tail call. Now and then `%n` is deep enough to overflow the default depth limit without tail
//! calls (and some rings use plain calls, which must then trap `StackOverflow` alike on every
//! backend).
//!
//! The ring is written as text, parsed, and appended to a generated module; `@main` calls its
//! entry `@tail_entry` first.

use crate::Source;
use mir14_mir::{BoxClass, BoxId, Callee, Constant, FuncId, Inst, Module};
use std::fmt::Write;

/// The functions of a ring, each `(n, acc, o)` with `o` the `TailBox` (the receiver of methods).
const MEMBERS: [&str; 5] = [
    "tail_a",
    "tail_b",
    "TailBox.step",
    "TailBox.hop",
    "TailBox.apply",
];

/// The call of ring member `to` with `%n1, %acc1`, as text, from a function whose `TailBox` is
/// `%o`; defines `%r`. `kind` picks among the callee forms that can reach `to`.
fn call_text(to: usize, kind: u64, tail: bool) -> String {
    let call = if tail { "tail call" } else { "call" };
    match (MEMBERS[to], kind % 2) {
        ("tail_a" | "tail_b", 0) => format!("  %r = {call} @{}(%n1, %acc1, %o)\n", MEMBERS[to]),
        ("tail_a" | "tail_b", _) => format!(
            "  %fv = const @{}\n  %r = {call} %fv(%n1, %acc1, %o)\n",
            MEMBERS[to]
        ),
        ("TailBox.apply", _) => format!("  %r = {call} %o(%n1, %acc1)\n"),
        (m, 0) => format!("  %r = {call} %o.{}(%n1, %acc1)\n", &m[8..]),
        (m, _) => format!("  %r = {call} %o.TailBox::{}(%n1, %acc1)\n", &m[8..]),
    }
}

/// One ring member's text.
fn member_text(src: &mut dyn Source, me: usize, next: usize, tail: bool) -> String {
    let name = MEMBERS[me];
    let params = if name.starts_with("TailBox.") {
        "%o, %n, %acc"
    } else {
        "%n, %acc, %o"
    };
    let mut t = format!("fn @{name}({params}) {{\nbb0:\n  %z = const 0\n");
    t.push_str("  %done = compare le %n, %z\n  branch %done, out, more\nout:\n");
    let call = if tail && !src.chance(1, 10) {
        "tail call"
    } else {
        "call"
    };
    match src.below(4) {
        0 => t.push_str("  ret %acc\n"),
        1 => {
            let op =
                ["AddOperator", "SubOperator", "MulOperator", "LtOperator"][src.below(4) as usize];
            let _ = write!(
                t,
                "  %op = new {op}()\n  %e = {call} %op(%acc, %n)\n  ret %e\n"
            );
        }
        2 => {
            let _ = write!(t, "  %e = {call} %acc.toString()\n  ret %e\n");
        }
        _ => {
            let c = if call == "tail call" {
                "tail call"
            } else {
                "call"
            };
            let _ = writeln!(t, "  {c} @tail_leaf(%acc)\n  ret");
        }
    }
    let k = src.below(7) as i64 + 1;
    let op = ["add", "sub", "bxor", "mul"][src.below(4) as usize];
    let _ = write!(
        t,
        "more:\n  %one = const 1\n  %n1 = binop sub %n, %one\n  %k = const {k}\n  \
         %acc1 = binop {op} %acc, %k\n"
    );
    let tail_here = tail && !src.chance(1, 10);
    t.push_str(&call_text(next, src.below(2), tail_here));
    t.push_str("  ret %r\n}\n\n");
    t
}

/// The text of a ring: `@tail_entry()` runs it from `%n` and logs the result.
fn ring_text(src: &mut dyn Source) -> String {
    // One ring in six uses plain calls: the same shape must overflow alike everywhere.
    let tail = !src.chance(1, 6);
    let n = match src.below(8) {
        // Deeper than the default depth limit (100000).
        0 => 100_001 + src.below(20_000) as i64,
        1 => src.below(2000) as i64,
        _ => src.below(40) as i64,
    };
    let mut t = String::from("box TailBox { tn }\n\n");
    // Each member calls a random other member (so the ring visits several callee kinds).
    for me in 0..MEMBERS.len() {
        let next = (me + 1 + src.below(MEMBERS.len() as u64 - 1) as usize) % MEMBERS.len();
        t.push_str(&member_text(src, me, next, tail));
    }
    t.push_str("fn @tail_leaf(%x) {\nbb0:\n  %s = const \"leaf \"\n  %r = binop add %s, %x\n  ret %r\n}\n\n");
    let start = src.below(2);
    let acc = src.below(100) as i64;
    let _ = write!(
        t,
        "fn @tail_entry() {{\nbb0:\n  %o = new TailBox()\n  %n1 = const {n}\n  \
         %acc1 = const {acc}\n{}  extern env.console.log(%r)\n  ret\n}}\n",
        call_text(start as usize, src.below(2), false)
    );
    t
}

/// Appends a tail-call ring to `m` (one in three modules) and makes `@main` call its entry
/// first. Leaves `m` unchanged if it has no `@main`.
pub(crate) fn add_ring(m: &mut Module, src: &mut dyn Source) {
    if !src.chance(1, 3) {
        return;
    }
    let Some(main) = m.function_by_name("main") else {
        return;
    };
    let text = ring_text(src);
    let Ok((ring, _)) = mir14_mir::parse(&text) else {
        debug_assert!(false, "ring text does not parse:\n{text}");
        return;
    };
    let (bo, fo) = (m.boxes.len() as u32, m.functions.len() as u32);
    for b in ring.boxes.values() {
        m.boxes.push(b.clone());
    }
    for f in ring.functions.values() {
        let mut f = f.clone();
        for b in f.blocks.values_mut() {
            for inst in &mut b.insts {
                relocate(inst, bo, fo);
            }
        }
        m.functions.push(f);
    }
    let entry = FuncId(fo + ring.function_by_name("tail_entry").map_or(0, |f| f.0));
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

/// Moves the box and function ids of a ring instruction past the module's own.
pub(crate) fn relocate(inst: &mut Inst, bo: u32, fo: u32) {
    match inst {
        Inst::Const {
            value: Constant::Func(f),
            ..
        } => f.0 += fo,
        Inst::NewBox {
            class: BoxClass::User(b),
            ..
        } => *b = BoxId(b.0 + bo),
        Inst::Call { callee, .. } => match callee {
            Callee::Global(f) => f.0 += fo,
            Callee::Method {
                box_name: Some(b), ..
            } => *b = BoxId(b.0 + bo),
            _ => {}
        },
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Rng;

    #[test]
    fn about_a_third_of_modules_get_a_ring() {
        let n = (0..300)
            .filter(|s| {
                let m = crate::generate(*s);
                let main = m.function_by_name("main").unwrap();
                let first = &m.functions[main].blocks[mir14_mir::Block(0)].insts[0];
                m.function_by_name("tail_entry").is_some_and(
                    |e| matches!(first, Inst::Call { callee: Callee::Global(g), .. } if *g == e),
                )
            })
            .count();
        assert!((60..=140).contains(&n), "{n} of 300");
    }

    #[test]
    fn rings_verify_and_use_every_callee_kind() {
        let mut kinds = std::collections::BTreeSet::new();
        for seed in 0..200 {
            let text = ring_text(&mut Rng::new(seed));
            let (m, _) = mir14_mir::parse(&text).unwrap_or_else(|e| panic!("{text}\n{e:?}"));
            if let Err(e) = mir14_mir::verify(&m) {
                panic!("{text}\n{e:?}");
            }
            for f in m.functions.values() {
                for b in f.blocks.values() {
                    for i in &b.insts {
                        if let Inst::Call {
                            callee, tail: true, ..
                        } = i
                        {
                            kinds.insert(match callee {
                                Callee::Global(_) => "global",
                                Callee::Method {
                                    box_name: Some(_), ..
                                } => "static",
                                Callee::Method { .. } => "dynamic",
                                Callee::Value(_) => "value",
                                Callee::Extern(_) | Callee::Import(_) => "extern",
                            });
                        }
                    }
                }
            }
        }
        assert_eq!(
            kinds.into_iter().collect::<Vec<_>>(),
            ["dynamic", "global", "static", "value"]
        );
    }
}
