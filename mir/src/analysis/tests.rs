//! Tests of the analyses, and `T`, a small helper to build IR by hand (shared with the
//! verifier's tests).

use super::*;
use crate::ir::*;
use crate::span::Location;
use std::collections::BTreeSet;

/// A function under construction; values and blocks are named by strings.
pub(crate) struct T {
    pub f: Function,
}

impl T {
    /// A function with parameters `params` and blocks `labels` (the first is the entry).
    pub fn new(name: &str, params: &[&str], labels: &[&str]) -> T {
        let mut t = T {
            f: Function::new(name),
        };
        for l in labels {
            t.f.blocks.push(BlockData {
                label: l.to_string(),
                insts: Vec::new(),
            });
        }
        for p in params {
            let v = t.v(p);
            t.f.params.push(Param { value: v, ty: None });
        }
        t
    }

    /// The value named `name` (created on first mention).
    pub fn v(&mut self, name: &str) -> Value {
        match self.f.value_by_name(name) {
            Some(v) => v,
            None => self.f.values.push(ValueData {
                name: name.to_string(),
            }),
        }
    }

    /// The block labelled `label` (which must exist).
    pub fn b(&self, label: &str) -> Block {
        self.f.block_by_label(label).expect("test block")
    }

    /// Appends instructions to block `label`.
    pub fn at(&mut self, label: &str, insts: Vec<Inst>) -> &mut T {
        let b = self.b(label);
        self.f.blocks[b].insts.extend(insts);
        self
    }

    /// Declares a loop by labels.
    pub fn lp(&mut self, header: &str, body: &str, latch: &str, exit: &str) -> &mut T {
        let lf = LoopForm {
            header: self.b(header),
            body: self.b(body),
            latch: self.b(latch),
            exit: self.b(exit),
        };
        self.f.loops.push(lf);
        self
    }

    pub fn done(&mut self) -> Function {
        self.f.clone()
    }
}

/// A module of `boxes` (name, fields) and `functions`.
pub(crate) fn module(boxes: &[(&str, &[&str])], functions: Vec<Function>) -> Module {
    let mut m = Module::new();
    for (name, fields) in boxes {
        m.boxes.push(BoxDecl {
            name: name.to_string(),
            fields: fields.iter().map(|s| s.to_string()).collect(),
        });
    }
    for f in functions {
        m.functions.push(f);
    }
    m
}

pub(crate) fn int(dest: Value, x: i64) -> Inst {
    Inst::Const {
        dest,
        value: Constant::Int(x),
    }
}
pub(crate) fn add(dest: Value, lhs: Value, rhs: Value) -> Inst {
    Inst::Binary {
        dest,
        op: BinOp::Add,
        lhs,
        rhs,
    }
}
pub(crate) fn lt(dest: Value, lhs: Value, rhs: Value) -> Inst {
    Inst::Compare {
        dest,
        op: CmpOp::Lt,
        lhs,
        rhs,
    }
}
pub(crate) fn br(cond: Value, then_block: Block, else_block: Block) -> Inst {
    Inst::Branch {
        cond,
        then_block,
        else_block,
    }
}
pub(crate) fn jmp(target: Block) -> Inst {
    Inst::Jump { target }
}
pub(crate) fn ret(value: Option<Value>) -> Inst {
    Inst::Return { value }
}
pub(crate) fn phi(dest: Value, inputs: &[(Block, Value)]) -> Inst {
    Inst::Phi {
        dest,
        inputs: inputs.to_vec(),
    }
}
pub(crate) fn call(dest: Option<Value>, callee: Callee, args: &[Value]) -> Inst {
    Inst::Call {
        dest,
        callee,
        args: args.to_vec(),
        tail: false,
    }
}
pub(crate) fn log(v: Value) -> Inst {
    Inst::ExternCall {
        dest: None,
        callee: Callee::Extern(ExternFn::ConsoleLog),
        args: vec![v],
    }
}

/// `bb0 → (bb1 | bb2) → bb3`, with a phi in bb3.
pub(crate) fn diamond() -> Function {
    let mut t = T::new("diamond", &["c"], &["bb0", "bb1", "bb2", "bb3"]);
    let (c, x, y, z) = (t.v("c"), t.v("x"), t.v("y"), t.v("z"));
    let [b0, b1, b2, b3] = ["bb0", "bb1", "bb2", "bb3"].map(|l| t.b(l));
    let _ = b0;
    t.at("bb0", vec![br(c, b1, b2)]);
    t.at("bb1", vec![int(x, 1), jmp(b3)]);
    t.at("bb2", vec![int(y, 2), jmp(b3)]);
    t.at("bb3", vec![phi(z, &[(b1, x), (b2, y)]), ret(Some(z))]);
    t.done()
}

/// A counting loop: bb0 → bb1 (header) → bb2 (body) → bb3 (latch) → bb1; bb1 → bb4 (exit).
/// `declare` adds its LoopForm.
pub(crate) fn counting_loop(declare: bool) -> Function {
    let labels = ["bb0", "bb1", "bb2", "bb3", "bb4"];
    let mut t = T::new("count", &["n"], &labels);
    let [_, b1, b2, b3, b4] = labels.map(|l| t.b(l));
    let b0 = t.b("bb0");
    let (n, zero, one, i, c, j) = (
        t.v("n"),
        t.v("zero"),
        t.v("one"),
        t.v("i"),
        t.v("c"),
        t.v("j"),
    );
    t.at("bb0", vec![int(zero, 0), int(one, 1), jmp(b1)]);
    t.at(
        "bb1",
        vec![phi(i, &[(b0, zero), (b3, j)]), lt(c, i, n), br(c, b2, b4)],
    );
    t.at("bb2", vec![log(i), jmp(b3)]);
    t.at("bb3", vec![add(j, i, one), jmp(b1)]);
    t.at("bb4", vec![ret(Some(i))]);
    if declare {
        t.lp("bb1", "bb2", "bb3", "bb4");
    }
    t.done()
}

/// Two nested canonical loops: outer header bb1 (body bb2, latch bb6, exit bb7), inner
/// header bb3 (body bb4, latch bb5, exit bb6).
pub(crate) fn nested_loops() -> Function {
    let labels = ["bb0", "bb1", "bb2", "bb3", "bb4", "bb5", "bb6", "bb7"];
    let mut t = T::new("nested", &["n"], &labels);
    let [b0, b1, b2, b3, b4, b5, b6, b7] = labels.map(|l| t.b(l));
    let (n, zero, one) = (t.v("n"), t.v("zero"), t.v("one"));
    let (i, ci, i2, j, cj, j2) = (
        t.v("i"),
        t.v("ci"),
        t.v("i2"),
        t.v("j"),
        t.v("cj"),
        t.v("j2"),
    );
    t.at("bb0", vec![int(zero, 0), int(one, 1), jmp(b1)]);
    t.at(
        "bb1",
        vec![
            phi(i, &[(b0, zero), (b6, i2)]),
            lt(ci, i, n),
            br(ci, b2, b7),
        ],
    );
    t.at("bb2", vec![jmp(b3)]);
    t.at(
        "bb3",
        vec![
            phi(j, &[(b2, zero), (b5, j2)]),
            lt(cj, j, i),
            br(cj, b4, b6),
        ],
    );
    t.at("bb4", vec![log(j), jmp(b5)]);
    t.at("bb5", vec![add(j2, j, one), jmp(b3)]);
    t.at("bb6", vec![add(i2, i, one), jmp(b1)]);
    t.at("bb7", vec![ret(None)]);
    t.done()
}

/// An early return: bb0 branches to bb1 (returns) or bb2 (returns); bb3 is unreachable.
pub(crate) fn early_return() -> Function {
    let labels = ["bb0", "bb1", "bb2", "bb3"];
    let mut t = T::new("early", &["c", "x"], &labels);
    let [_, b1, b2, _] = labels.map(|l| t.b(l));
    let (c, x, y) = (t.v("c"), t.v("x"), t.v("y"));
    t.at("bb0", vec![br(c, b1, b2)]);
    t.at("bb1", vec![ret(Some(x))]);
    t.at("bb2", vec![int(y, 3), ret(Some(y))]);
    // Unreachable: uses %w before defining it (not checked for dominance).
    let w = t.v("w");
    t.at("bb3", vec![add(w, x, x), ret(Some(w))]);
    t.done()
}

/// Irreducible: bb0 branches into bb1 and bb2, which jump to each other.
pub(crate) fn irreducible() -> Function {
    let labels = ["bb0", "bb1", "bb2", "bb3"];
    let mut t = T::new("irr", &["c"], &labels);
    let [_, b1, b2, b3] = labels.map(|l| t.b(l));
    let c = t.v("c");
    t.at("bb0", vec![br(c, b1, b2)]);
    t.at("bb1", vec![br(c, b2, b3)]);
    t.at("bb2", vec![jmp(b1)]);
    t.at("bb3", vec![ret(None)]);
    t.done()
}

fn bl(i: u32) -> Block {
    Block(i)
}

#[test]
fn cfg_of_diamond() {
    let f = diamond();
    let cfg = Cfg::new(&f);
    assert_eq!(cfg.successors(bl(0)), &[bl(1), bl(2)]);
    assert_eq!(cfg.predecessors(bl(3)), &[bl(1), bl(2)]);
    assert_eq!(cfg.reverse_postorder()[0], bl(0));
    assert_eq!(cfg.reverse_postorder().len(), 4);
    assert_eq!(*cfg.reverse_postorder().last().unwrap(), bl(3));
    assert!(cfg.edges().count() == 4);
    // Out of range queries are empty, not panics.
    assert!(cfg.successors(bl(9)).is_empty());
    assert!(!cfg.is_reachable(bl(9)));
}

#[test]
fn dominators_of_diamond() {
    let (_, dom) = DomTree::of(&diamond());
    assert_eq!(dom.idom(bl(0)), None);
    assert_eq!(dom.idom(bl(1)), Some(bl(0)));
    assert_eq!(dom.idom(bl(3)), Some(bl(0)));
    assert!(dom.dominates(bl(0), bl(3)));
    assert!(!dom.dominates(bl(1), bl(3)));
    assert!(!dom.dominates(bl(3), bl(1)));
    assert!(dom.dominates(bl(2), bl(2)));
    assert!(!dom.strictly_dominates(bl(2), bl(2)));
    assert_eq!(dom.children(bl(0)), &[bl(1), bl(2), bl(3)]);
}

#[test]
fn unreachable_blocks_in_dominators() {
    let f = early_return();
    let (cfg, dom) = DomTree::of(&f);
    assert!(!cfg.is_reachable(bl(3)));
    assert_eq!(dom.idom(bl(3)), None);
    assert!(!dom.dominates(bl(0), bl(3)));
    assert!(dom.dominates(bl(3), bl(3)));
    assert!(!dom.dominates(bl(3), bl(1)));
    assert!(BackEdges::of(&f).is_empty());
}

#[test]
fn back_edges_and_loops_of_counting_loop() {
    let f = counting_loop(false);
    let (cfg, dom) = DomTree::of(&f);
    let back = BackEdges::new(&cfg, &dom);
    assert_eq!(back.iter().collect::<Vec<_>>(), vec![(bl(3), bl(1))]);
    assert!(back.contains(bl(3), bl(1)));
    assert!(!back.contains(bl(0), bl(1)));
    let loops = natural_loops(&cfg, &back);
    assert_eq!(loops.len(), 1);
    assert_eq!(loops[0].header, bl(1));
    assert_eq!(loops[0].latches, vec![bl(3)]);
    assert_eq!(
        loops[0].blocks,
        [bl(1), bl(2), bl(3)].into_iter().collect::<BTreeSet<_>>()
    );
}

#[test]
fn nested_loops_found_and_inferred() {
    let f = nested_loops();
    let (cfg, dom) = DomTree::of(&f);
    let back = BackEdges::new(&cfg, &dom);
    let loops = natural_loops(&cfg, &back);
    assert_eq!(loops.len(), 2);
    assert_eq!(loops[0].header, bl(1));
    assert_eq!(loops[0].blocks, (1..=6).map(bl).collect::<BTreeSet<_>>());
    assert_eq!(loops[1].header, bl(3));
    assert_eq!(
        loops[1].blocks,
        [bl(3), bl(4), bl(5)].into_iter().collect::<BTreeSet<_>>()
    );
    let inf = infer_loopforms(&f);
    assert_eq!(inf.warnings, vec![]);
    assert_eq!(
        inf.loops,
        vec![
            LoopForm {
                header: bl(1),
                body: bl(2),
                latch: bl(6),
                exit: bl(7)
            },
            LoopForm {
                header: bl(3),
                body: bl(4),
                latch: bl(5),
                exit: bl(6)
            },
        ]
    );
}

#[test]
fn inference_skips_declared_loops() {
    let inf = infer_loopforms(&counting_loop(true));
    assert_eq!(inf, LoopInference::default());
    let inf = infer_loopforms(&counting_loop(false));
    assert_eq!(
        inf.loops,
        vec![LoopForm {
            header: bl(1),
            body: bl(2),
            latch: bl(3),
            exit: bl(4)
        }]
    );
}

#[test]
fn two_latches_warn() {
    // bb1: branch to bb2 / bb5; bb2 branches to bb3 or bb4, both jump back to bb1.
    let labels = ["bb0", "bb1", "bb2", "bb3", "bb4", "bb5"];
    let mut t = T::new("f", &["c"], &labels);
    let [_, b1, b2, b3, b4, b5] = labels.map(|l| t.b(l));
    let c = t.v("c");
    t.at("bb0", vec![jmp(b1)]);
    t.at("bb1", vec![br(c, b2, b5)]);
    t.at("bb2", vec![br(c, b3, b4)]);
    t.at("bb3", vec![jmp(b1)]);
    t.at("bb4", vec![jmp(b1)]);
    t.at("bb5", vec![ret(None)]);
    let inf = infer_loopforms(&t.done());
    assert!(inf.loops.is_empty());
    assert_eq!(
        inf.warnings,
        vec![(
            bl(1),
            "loop at bb1 is not in canonical form: two latches bb3 and bb4".to_string()
        )]
    );
}

#[test]
fn loop_without_header_branch_or_with_stray_exit_warns() {
    // while (true) { if c break; } : header bb1 jumps, bb2 exits to bb3.
    let labels = ["bb0", "bb1", "bb2", "bb3"];
    let mut t = T::new("f", &["c"], &labels);
    let [_, b1, b2, b3] = labels.map(|l| t.b(l));
    let c = t.v("c");
    t.at("bb0", vec![jmp(b1)]);
    t.at("bb1", vec![jmp(b2)]);
    t.at("bb2", vec![br(c, b3, b1)]);
    t.at("bb3", vec![ret(None)]);
    let m = module(&[], vec![t.done()]);
    assert_eq!(
        module_loop_warnings(&m),
        vec![(
            Location::Block(FuncId(0), bl(1)),
            "loop at bb1 is not in canonical form: header bb1 does not end with a branch to one block inside the loop and one outside it".to_string()
        )]
    );

    // The body also leaves to bb5, which bb0 reaches too: the region {bb1, bb2, bb3, bb5}
    // leaks into a block the header does not dominate.
    let labels = ["bb0", "bb1", "bb2", "bb3", "bb4", "bb5"];
    let mut t = T::new("g", &["c"], &labels);
    let [_, b1, b2, b3, b4, b5] = labels.map(|l| t.b(l));
    let c = t.v("c");
    t.at("bb0", vec![br(c, b1, b5)]);
    t.at("bb1", vec![br(c, b2, b4)]);
    t.at("bb2", vec![br(c, b3, b5)]);
    t.at("bb3", vec![jmp(b1)]);
    t.at("bb4", vec![ret(None)]);
    t.at("bb5", vec![ret(None)]);
    let inf = infer_loopforms(&t.done());
    assert!(inf.loops.is_empty());
    assert_eq!(
        inf.warnings,
        vec![(
            bl(1),
            "loop at bb1 is not in canonical form: loop header `bb1` does not dominate `bb5`"
                .to_string()
        )]
    );
}

/// `bb0 → bb1` (header: `branch %c, bb2, bb4`); bb2 branches to bb3 (latch, jumps back) or
/// `early` (bb5); bb4 returns. `early` is `jump bb4` (a break) or `ret` (a return).
fn loop_with_early(early: Inst) -> Function {
    let labels = ["bb0", "bb1", "bb2", "bb3", "bb4", "bb5"];
    let mut t = T::new("g", &["c"], &labels);
    let [_, b1, b2, b3, b4, b5] = labels.map(|l| t.b(l));
    let c = t.v("c");
    t.at("bb0", vec![jmp(b1)]);
    t.at("bb1", vec![br(c, b2, b4)]);
    t.at("bb2", vec![br(c, b3, b5)]);
    t.at("bb3", vec![jmp(b1)]);
    t.at("bb4", vec![ret(None)]);
    t.at("bb5", vec![early]);
    t.done()
}

#[test]
fn break_and_return_blocks_are_in_the_region() {
    let lf = LoopForm {
        header: bl(1),
        body: bl(2),
        latch: bl(3),
        exit: bl(4),
    };
    for early in [jmp(bl(4)), ret(None)] {
        let f = loop_with_early(early);
        let (cfg, dom) = DomTree::of(&f);
        // bb5 is outside the natural loop {bb1, bb2, bb3} but inside the region.
        let back = BackEdges::new(&cfg, &dom);
        assert_eq!(
            natural_loops(&cfg, &back)[0].blocks,
            [bl(1), bl(2), bl(3)].into_iter().collect::<BTreeSet<_>>()
        );
        assert_eq!(
            loop_region(&f, &cfg, &lf),
            [bl(1), bl(2), bl(3), bl(5)]
                .into_iter()
                .collect::<BTreeSet<_>>()
        );
        assert_eq!(check_loopform(&f, &cfg, &dom, &lf), Vec::<String>::new());
        let inf = infer_loopforms(&f);
        assert_eq!(inf.warnings, vec![]);
        assert_eq!(inf.loops, vec![lf]);
    }
}

#[test]
fn region_of_nested_loops_and_bad_forms() {
    let f = nested_loops();
    let (cfg, dom) = DomTree::of(&f);
    let lf = |h, b, l, x| LoopForm {
        header: bl(h),
        body: bl(b),
        latch: bl(l),
        exit: bl(x),
    };
    let set = |v: &[u32]| v.iter().map(|&i| bl(i)).collect::<BTreeSet<_>>();
    // The outer region stops at bb7, the inner one at bb6.
    assert_eq!(
        loop_region(&f, &cfg, &lf(1, 2, 6, 7)),
        set(&[1, 2, 3, 4, 5, 6])
    );
    assert_eq!(loop_region(&f, &cfg, &lf(3, 4, 5, 6)), set(&[3, 4, 5]));
    // Inner loop with the outer exit bb7: the region runs through bb6 and bb1 (which bb3
    // does not dominate) around to bb2, bb3's phi predecessor; bb2 → bb3 is then an edge
    // into the header from the region; the header's targets are bb4 and bb6, not bb7.
    assert_eq!(
        loop_region(&f, &cfg, &lf(3, 4, 5, 7)),
        set(&[1, 2, 3, 4, 5, 6])
    );
    assert_eq!(
        check_loopform(&f, &cfg, &dom, &lf(3, 4, 5, 7)),
        vec![
            "loop header `bb3` does not dominate `bb1`",
            "loop header `bb3` does not dominate `bb2`",
            "back edge from `bb2` to header `bb3` is not from the latch `bb5`",
            "header `bb3` must end with a branch to body `bb4` and exit `bb7`",
        ]
    );
    // Latch bb0 (the preheader): it jumps to bb1 but is outside the region.
    assert_eq!(
        check_loopform(&f, &cfg, &dom, &lf(1, 2, 0, 7)),
        vec![
            "latch `bb0` is not inside the loop of header `bb1`",
            "back edge from `bb6` to header `bb1` is not from the latch `bb0`",
        ]
    );
    // Out of range header: an empty region, and the check reports the block.
    assert!(loop_region(&f, &cfg, &lf(30, 2, 6, 7)).is_empty());
    assert_eq!(
        check_loopform(&f, &cfg, &dom, &lf(30, 2, 6, 7)),
        vec!["unknown block `?30`"]
    );
}

#[test]
fn self_loop_is_canonical() {
    // bb1: branch %c, bb1, bb2 — a one-block loop: header = body = latch.
    let labels = ["bb0", "bb1", "bb2"];
    let mut t = T::new("f", &["c"], &labels);
    let [_, b1, b2] = labels.map(|l| t.b(l));
    let c = t.v("c");
    t.at("bb0", vec![jmp(b1)]);
    t.at("bb1", vec![br(c, b1, b2)]);
    t.at("bb2", vec![ret(None)]);
    let inf = infer_loopforms(&t.done());
    assert_eq!(inf.warnings, vec![]);
    assert_eq!(
        inf.loops,
        vec![LoopForm {
            header: b1,
            body: b1,
            latch: b1,
            exit: b2
        }]
    );
}

#[test]
fn irreducible_cfg_warns_without_panicking() {
    let f = irreducible();
    let (cfg, dom) = DomTree::of(&f);
    let back = BackEdges::new(&cfg, &dom);
    assert!(back.is_empty());
    assert!(natural_loops(&cfg, &back).is_empty());
    assert_eq!(dom.idom(bl(1)), Some(bl(0)));
    assert_eq!(dom.idom(bl(2)), Some(bl(0)));
    // The DFS visits bb1 first, then bb2, whose edge back to bb1 is retreating.
    assert_eq!(irreducible_entries(&cfg, &dom), vec![(bl(2), bl(1))]);
    let inf = infer_loopforms(&f);
    assert!(inf.loops.is_empty());
    assert_eq!(
        inf.warnings,
        vec![(
            bl(1),
            "loop at bb1 is not in canonical form: irreducible control flow (the edge from bb2 to bb1 is not a back edge)".to_string()
        )]
    );
}

#[test]
fn function_analysis_bundle() {
    let fa = FunctionAnalysis::new(&nested_loops());
    assert_eq!(
        fa.back_edges.iter().collect::<Vec<_>>(),
        vec![(bl(5), bl(3)), (bl(6), bl(1))]
    );
    assert_eq!(fa.loops.len(), 2);
    assert_eq!(fa.dom.idom(bl(7)), Some(bl(1)));
    assert_eq!(fa.dom.idom(bl(6)), Some(bl(3)));
    assert_eq!(fa.cfg.predecessors(bl(3)), &[bl(2), bl(5)]);
    assert_eq!(fa.defs[Value(0)], Some(DefSite::Param(0)));
}

#[test]
fn def_sites_of_loop() {
    let f = counting_loop(false);
    let defs = def_sites(&f);
    let v = |n: &str| f.value_by_name(n).unwrap();
    assert_eq!(defs[v("n")], Some(DefSite::Param(0)));
    assert_eq!(defs[v("i")], Some(DefSite::Inst(bl(1), 0)));
    assert_eq!(defs[v("j")], Some(DefSite::Inst(bl(3), 0)));
    assert_eq!(defs[v("j")].unwrap().block(), bl(3));
    assert_eq!(defs[Value(99)], None);
}

#[test]
fn call_graph_edges_dynamic_and_recursion() {
    // 0 main: call @f, const @g, new Point → @Point.birth, call %p.Point::m, call %x.foo
    // 1 f: calls itself; 2 g: calls h; 3 h: calls g; 4 Point.birth; 5 Point.m; 6 k: nothing
    let mut t = T::new("main", &[], &["bb0"]);
    let (fv, p, x) = (t.v("fv"), t.v("p"), t.v("x"));
    t.at(
        "bb0",
        vec![
            call(None, Callee::Global(FuncId(1)), &[]),
            Inst::Const {
                dest: fv,
                value: Constant::Func(FuncId(2)),
            },
            Inst::NewBox {
                dest: p,
                class: BoxClass::User(crate::ir::BoxId(0)),
                args: vec![],
            },
            call(
                None,
                Callee::Method {
                    box_name: Some(crate::ir::BoxId(0)),
                    method: "m".into(),
                    receiver: p,
                },
                &[],
            ),
            call(
                Some(x),
                Callee::Method {
                    box_name: None,
                    method: "foo".into(),
                    receiver: p,
                },
                &[],
            ),
            ret(None),
        ],
    );
    let main = t.done();
    let simple = |name: &str, callee: Option<u32>| {
        let mut t = T::new(name, &["a"], &["bb0"]);
        let mut insts = Vec::new();
        if let Some(c) = callee {
            insts.push(call(None, Callee::Global(FuncId(c)), &[]));
        }
        insts.push(ret(None));
        t.at("bb0", insts);
        t.done()
    };
    let m = module(
        &[("Point", &["x"])],
        vec![
            main,
            simple("f", Some(1)),
            simple("g", Some(3)),
            simple("h", Some(2)),
            simple("Point.birth", None),
            simple("Point.m", None),
            simple("k", Some(77)), // dangling: ignored
        ],
    );
    let cg = CallGraph::new(&m);
    assert_eq!(
        cg.callees(FuncId(0)),
        &[FuncId(1), FuncId(2), FuncId(4), FuncId(5)]
    );
    assert_eq!(cg.callers(FuncId(2)), &[FuncId(0), FuncId(3)]);
    assert!(cg.has_dynamic_calls(FuncId(0)));
    assert!(!cg.has_dynamic_calls(FuncId(1)));
    assert!(cg.is_recursive(FuncId(1)));
    assert!(cg.is_recursive(FuncId(2)));
    assert!(!cg.is_recursive(FuncId(0)));
    assert!(!cg.is_recursive(FuncId(6)));
    assert!(cg.callees(FuncId(6)).is_empty());
    let kinds: Vec<CallKind> = cg
        .edges()
        .iter()
        .filter(|e| e.caller == FuncId(0))
        .map(|e| e.kind)
        .collect();
    assert_eq!(
        kinds,
        vec![
            CallKind::Direct,
            CallKind::AddressTaken,
            CallKind::Birth,
            CallKind::StaticMethod
        ]
    );
    let sccs = cg.sccs();
    assert!(sccs.contains(&vec![FuncId(2), FuncId(3)]));
    // Callees come before callers.
    let pos = |f: FuncId| sccs.iter().position(|c| c.contains(&f)).unwrap();
    assert!(pos(FuncId(2)) < pos(FuncId(0)));
    assert!(pos(FuncId(1)) < pos(FuncId(0)));
}

/// Parses `src` (which must be valid text).
fn parsed(src: &str) -> (Module, crate::span::SourceMap) {
    crate::text::parse(src).expect("test program parses")
}

#[test]
fn text_irreducible_warning_located_at_entry_label() {
    let src = "fn @main() {\nentry:\n  %t = const true\n  branch %t, a, b\na:\n  jump b\nb:\n  branch %t, a, done\ndone:\n  ret\n}\n";
    let (m, map) = parsed(src);
    let w = module_loop_warnings(&m);
    assert_eq!(w.len(), 1);
    assert_eq!(
        w[0].1,
        "loop at a is not in canonical form: irreducible control flow (the edge from b to a is not a back edge)"
    );
    let span = map.span(w[0].0).expect("span of the label");
    assert_eq!(crate::span::line_col(src, span.start as usize), (5, 1));
}

#[test]
fn text_do_while_and_while_loops_inferred() {
    // A do-while (latch bb1 branches back to itself or out) and a while loop in one function.
    let src = "fn @f(%c) {\nbb0:\n  jump bb1\nbb1:\n  branch %c, bb1, bb2\nbb2:\n  jump bb3\nbb3:\n  branch %c, bb4, bb5\nbb4:\n  jump bb3\nbb5:\n  ret\n}\n";
    let (m, _) = parsed(src);
    let f = &m.functions[FuncId(0)];
    let b = |l: &str| f.block_by_label(l).unwrap();
    let inf = infer_loopforms(f);
    assert_eq!(inf.warnings, vec![]);
    assert_eq!(
        inf.loops,
        vec![
            LoopForm {
                header: b("bb1"),
                body: b("bb1"),
                latch: b("bb1"),
                exit: b("bb2")
            },
            LoopForm {
                header: b("bb3"),
                body: b("bb4"),
                latch: b("bb4"),
                exit: b("bb5")
            },
        ]
    );
    assert!(crate::verify::verify(&m).is_ok());
}

#[test]
fn text_call_graph_of_mutual_recursion() {
    let src = "fn @even(%n) {\nb:\n  %r = call @odd(%n)\n  ret %r\n}\n\nfn @odd(%n) {\nb:\n  %r = call @even(%n)\n  ret %r\n}\n\nfn @main() {\nb:\n  %z = const 0\n  %f = const @even\n  %r = call %f(%z)\n  ret\n}\n";
    let (m, _) = parsed(src);
    let cg = CallGraph::new(&m);
    let id = |n: &str| m.function_by_name(n).unwrap();
    assert!(cg.is_recursive(id("even")) && cg.is_recursive(id("odd")));
    assert!(!cg.is_recursive(id("main")));
    assert!(cg.has_dynamic_calls(id("main")));
    assert_eq!(cg.callees(id("main")), &[id("even")]);
    assert_eq!(cg.callers(id("even")), &[id("odd"), id("main")]);
    assert_eq!(cg.sccs()[0], vec![id("even"), id("odd")]);
}

#[test]
fn broken_functions_do_not_panic() {
    // Dangling targets, no terminator, empty blocks, no blocks at all.
    let mut t = T::new("f", &[], &["bb0", "bb1", "bb2"]);
    let c = t.v("c");
    t.at("bb0", vec![br(c, Block(7), Block(1))]);
    t.at("bb1", vec![int(c, 1)]);
    let f = t.done();
    let (cfg, dom) = DomTree::of(&f);
    assert_eq!(cfg.successors(bl(0)), &[bl(1)]);
    assert!(!cfg.is_reachable(bl(2)));
    assert!(dom.dominates(bl(0), bl(1)));
    assert_eq!(infer_loopforms(&f), LoopInference::default());
    let empty = Function::new("e");
    let (cfg, dom) = DomTree::of(&empty);
    assert_eq!(cfg.entry(), None);
    assert_eq!(dom.idom(bl(0)), None);
    assert_eq!(infer_loopforms(&empty), LoopInference::default());
    let mut lf = empty.clone();
    lf.loops.push(LoopForm {
        header: bl(0),
        body: bl(1),
        latch: bl(2),
        exit: bl(3),
    });
    let (cfg, dom) = DomTree::of(&lf);
    assert_eq!(
        check_loopform(&lf, &cfg, &dom, &lf.loops[0]),
        vec![
            "unknown block `?0`",
            "unknown block `?1`",
            "unknown block `?2`",
            "unknown block `?3`"
        ]
    );
}
