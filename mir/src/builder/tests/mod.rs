//! Tests of the builder: shapes of the built SSA, misuse errors, loops, and random structured
//! programs checked against a direct evaluation.

mod interp;
mod loops;
mod misuse;
mod random;
mod shapes;

use super::*;
use crate::ir::*;
use interp::{run, V};
use std::collections::{HashMap, HashSet};

/// The builder's structural guarantees, then the verifier on a module holding just `f`.
pub(super) fn check_wellformed(f: &Function) {
    check_structure(f);
    let mut m = Module::new();
    m.functions.push(f.clone());
    assert_verifies(&m);
}

/// The module verifies, and its text parses back to it (the builder's output is canonical).
pub(super) fn assert_verifies(m: &Module) {
    let text = crate::text::print(m);
    if let Err(errors) = crate::verify::verify(m) {
        panic!("verifier errors: {errors:#?}\n{text}");
    }
    match crate::text::parse(&text) {
        Ok((parsed, _)) => assert_eq!(&parsed, m, "print/parse round trip:\n{text}"),
        Err(e) => panic!("printed text does not parse: {e:?}\n{text}"),
    }
}

/// Structural checks the builder guarantees (independent of the verifier): terminators,
/// phi placement, one phi input per predecessor, every use defined exactly once.
pub(super) fn check_structure(f: &Function) {
    let mut preds: HashMap<Block, Vec<Block>> = HashMap::new();
    for (b, data) in f.blocks.iter() {
        let n = data.insts.len();
        assert!(n > 0, "block {} is empty", data.label);
        for (i, inst) in data.insts.iter().enumerate() {
            assert_eq!(
                inst.is_terminator(),
                i == n - 1,
                "terminator in {}",
                data.label
            );
        }
        for s in f.successors(b) {
            let p = preds.entry(s).or_default();
            if !p.contains(&b) {
                p.push(b);
            }
        }
    }
    assert!(!preds.contains_key(&Block(0)), "entry has predecessors");
    let mut defined = HashSet::new();
    for p in &f.params {
        assert!(defined.insert(p.value));
    }
    for (b, data) in f.blocks.iter() {
        let mut phis_done = false;
        for inst in &data.insts {
            if let Some(d) = inst.dest() {
                assert!(defined.insert(d), "value defined twice");
            }
            if let Inst::Phi { inputs, .. } = inst {
                assert!(!phis_done, "phi after non-phi in {}", data.label);
                let mut from: Vec<Block> = inputs.iter().map(|(b, _)| *b).collect();
                let mut expected = preds.get(&b).cloned().unwrap_or_default();
                from.sort();
                expected.sort();
                assert_eq!(from, expected, "phi inputs of {}", data.label);
            } else {
                phis_done = true;
            }
        }
    }
    for data in f.blocks.values() {
        for inst in &data.insts {
            inst.for_each_use(|u| assert!(defined.contains(&u), "undefined use"));
        }
    }
    let names: HashSet<&str> = f.values.values().map(|v| v.name.as_str()).collect();
    assert_eq!(names.len(), f.values.len(), "value names unique");
    // Canonical numbering: finishing is idempotent under canonicalize.
    let mut g = f.clone();
    g.canonicalize();
    assert_eq!(&g, f, "not canonical");
    check_loops(f);
}

/// LoopForm shape checks: each loop's region (blocks reachable from the header without
/// passing the exit, which includes `break` and `ret` blocks) is entered only through the
/// header, and only the latch jumps back to the header, so the region is left only through
/// the exit (or by returning).
pub(super) fn check_loops(f: &Function) {
    let mut reachable: HashSet<Block> = HashSet::new();
    let mut stack = vec![Block(0)];
    while let Some(b) = stack.pop() {
        if reachable.insert(b) {
            stack.extend(f.successors(b));
        }
    }
    for form in &f.loops {
        let mut region: HashSet<Block> = HashSet::new();
        let mut stack = vec![form.header];
        while let Some(b) = stack.pop() {
            if b != form.exit && region.insert(b) {
                stack.extend(f.successors(b));
            }
        }
        for (p, _) in f.blocks.iter() {
            for s in f.successors(p) {
                if region.contains(&s) && s != form.header && reachable.contains(&p) {
                    assert!(
                        region.contains(&p),
                        "edge {} -> {} enters loop {} not through its header",
                        f.block_label(p),
                        f.block_label(s),
                        f.block_label(form.header)
                    );
                }
                if s == form.header && region.contains(&p) {
                    assert_eq!(p, form.latch, "back edge not from the latch");
                }
            }
        }
        assert!(region.contains(&form.body));
        assert!(matches!(
            f.terminator(form.header),
            Some(Inst::Branch { then_block, else_block, .. })
                if *then_block == form.body && *else_block == form.exit
        ));
        assert_eq!(f.successors(form.latch), [form.header]);
    }
}

pub(super) fn block<'a>(f: &'a Function, label: &str) -> &'a BlockData {
    &f.blocks[f.block_by_label(label).expect("label exists")]
}

pub(super) fn bl(f: &Function, label: &str) -> Block {
    f.block_by_label(label).expect("label exists")
}

/// The phis of a block, as their inputs `(pred label, defining instruction)`.
pub(super) fn phis<'a>(f: &'a Function, label: &str) -> Vec<Vec<(&'a str, &'a Inst)>> {
    block(f, label)
        .insts
        .iter()
        .filter_map(|i| match i {
            Inst::Phi { inputs, .. } => Some(
                inputs
                    .iter()
                    .map(|(b, v)| (f.block_label(*b), def_of(f, *v)))
                    .collect(),
            ),
            _ => None,
        })
        .collect()
}

/// The instruction defining `v` (parameters are not supported).
pub(super) fn def_of(f: &Function, v: Value) -> &Inst {
    f.blocks
        .values()
        .flat_map(|b| b.insts.iter())
        .find(|i| i.dest() == Some(v))
        .expect("defined by an instruction")
}

pub(super) fn opcodes(f: &Function, label: &str) -> Vec<&'static str> {
    block(f, label)
        .insts
        .iter()
        .map(Inst::opcode_name)
        .collect()
}

pub(super) fn lf(f: &Function, h: &str, b: &str, l: &str, e: &str) -> LoopForm {
    LoopForm {
        header: bl(f, h),
        body: bl(f, b),
        latch: bl(f, l),
        exit: bl(f, e),
    }
}

/// `while i < n { body(i) ; i = i + 1 }` scaffolding is written out in each test on purpose,
/// so each shows the API as a frontend uses it.
pub(super) fn add1(fb: &mut FunctionBuilder, var: Variable) -> Value {
    let v = fb.use_var(var).unwrap();
    let one = fb.iconst(1).unwrap();
    let r = fb.binop(BinOp::Add, v, one).unwrap();
    fb.def_var(var, r).unwrap();
    r
}
