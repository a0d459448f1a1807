//! Shapes of the built SSA: phis, dead code, every instruction, names, snapshots.

use super::*;

/// sum(n) = 0 + 1 + ... + (n-1), the module-doc example.
fn build_sum() -> Function {
    let mut fb = FunctionBuilder::new("sum").unwrap();
    let n = fb.add_param(None);
    let (s, i) = (fb.declare_var(), fb.declare_var());
    let zero = fb.iconst(0).unwrap();
    fb.def_var(s, zero).unwrap();
    fb.def_var(i, zero).unwrap();
    let lp = fb.begin_loop().unwrap();
    let iv = fb.use_var(i).unwrap();
    let c = fb.compare(CmpOp::Lt, iv, n).unwrap();
    fb.loop_condition(&lp, c).unwrap();
    let (sv, iv) = (fb.use_var(s).unwrap(), fb.use_var(i).unwrap());
    let s2 = fb.binop(BinOp::Add, sv, iv).unwrap();
    fb.def_var(s, s2).unwrap();
    add1(&mut fb, i);
    fb.end_loop(lp).unwrap();
    let r = fb.use_var(s).unwrap();
    fb.ret(Some(r)).unwrap();
    fb.finish().unwrap()
}

#[test]
fn sum_loop_shape() {
    let f = build_sum();
    check_wellformed(&f);
    let labels: Vec<&str> = f.blocks.values().map(|b| b.label.as_str()).collect();
    assert_eq!(labels, ["bb0", "bb1", "bb2", "bb3", "bb4"]);
    assert_eq!(f.loops, [lf(&f, "bb1", "bb2", "bb3", "bb4")]);
    assert_eq!(opcodes(&f, "bb0"), ["const", "jump"]);
    assert_eq!(opcodes(&f, "bb1"), ["phi", "phi", "compare", "branch"]);
    assert_eq!(opcodes(&f, "bb2"), ["binop", "const", "binop", "jump"]);
    assert_eq!(opcodes(&f, "bb3"), ["jump"]);
    assert_eq!(opcodes(&f, "bb4"), ["ret"]);
    // i's phi is created first (read by the condition), then s's phi (read in the body).
    let p = phis(&f, "bb1");
    assert_eq!(p.len(), 2);
    for phi in &p {
        assert_eq!(phi[0].0, "bb0");
        assert!(matches!(
            phi[0].1,
            Inst::Const {
                value: Constant::Int(0),
                ..
            }
        ));
        assert_eq!(phi[1].0, "bb3");
        assert!(matches!(phi[1].1, Inst::Binary { op: BinOp::Add, .. }));
    }
    // Canonical numbering and automatic names: %0 = n, %1 = const 0, %2, %3 = the phis.
    let names: Vec<&str> = f.values.values().map(|v| v.name.as_str()).collect();
    assert_eq!(names, ["0", "1", "2", "3", "4", "5", "6", "7"]);
    assert_eq!(f.params[0].value, Value(0));
    for (n, want) in [(0, 0), (1, 0), (5, 10), (10, 45)] {
        assert_eq!(run(&f, &[n]), V::I(want));
    }
}

/// Nested loops with `continue` and `break` in both, an accumulator live across both loops:
///
/// ```text
/// acc = 0; i = 0
/// while i < n {
///     i = i + 1
///     if i % 3 == 0 { continue }
///     j = 0
///     while j < i {
///         j = j + 1
///         if j == 5 { break }
///         if j % 2 == 0 { continue }
///         acc = acc + j
///     }
///     if acc > limit { break }
/// }
/// ret acc
/// ```
fn build_nested() -> Function {
    let mut fb = FunctionBuilder::new("nested").unwrap();
    let n = fb.add_param(None);
    let limit = fb.add_param(None);
    let (acc, i, j) = (fb.declare_var(), fb.declare_var(), fb.declare_var());
    let zero = fb.iconst(0).unwrap();
    fb.def_var(acc, zero).unwrap();
    fb.def_var(i, zero).unwrap();

    let outer = fb.begin_loop().unwrap();
    let iv = fb.use_var(i).unwrap();
    let c = fb.compare(CmpOp::Lt, iv, n).unwrap();
    fb.loop_condition(&outer, c).unwrap();
    let iv = add1(&mut fb, i);
    let three = fb.iconst(3).unwrap();
    let m = fb.binop(BinOp::Mod, iv, three).unwrap();
    let z = fb.iconst(0).unwrap();
    let c = fb.compare(CmpOp::Eq, m, z).unwrap();
    let (then_b, join) = (fb.create_block(), fb.create_block());
    fb.branch(c, then_b, join).unwrap();
    fb.seal_block(then_b).unwrap();
    fb.switch_to_block(then_b).unwrap();
    fb.continue_loop(&outer).unwrap();
    fb.seal_block(join).unwrap();
    fb.switch_to_block(join).unwrap();
    let z = fb.iconst(0).unwrap();
    fb.def_var(j, z).unwrap();

    let inner = fb.begin_loop().unwrap();
    let (jv, iv) = (fb.use_var(j).unwrap(), fb.use_var(i).unwrap());
    let c = fb.compare(CmpOp::Lt, jv, iv).unwrap();
    fb.loop_condition(&inner, c).unwrap();
    let jv = add1(&mut fb, j);
    let five = fb.iconst(5).unwrap();
    let c = fb.compare(CmpOp::Eq, jv, five).unwrap();
    let (brk, next) = (fb.create_block(), fb.create_block());
    fb.branch(c, brk, next).unwrap();
    fb.seal_block(brk).unwrap();
    fb.seal_block(next).unwrap();
    fb.switch_to_block(brk).unwrap();
    fb.break_loop(&inner).unwrap();
    fb.switch_to_block(next).unwrap();
    let two = fb.iconst(2).unwrap();
    let m = fb.binop(BinOp::Mod, jv, two).unwrap();
    let z = fb.iconst(0).unwrap();
    let c = fb.compare(CmpOp::Eq, m, z).unwrap();
    let (cont, add) = (fb.create_block(), fb.create_block());
    fb.branch(c, cont, add).unwrap();
    fb.seal_block(cont).unwrap();
    fb.seal_block(add).unwrap();
    fb.switch_to_block(cont).unwrap();
    fb.continue_loop(&inner).unwrap();
    fb.switch_to_block(add).unwrap();
    let a = fb.use_var(acc).unwrap();
    let a2 = fb.binop(BinOp::Add, a, jv).unwrap();
    fb.def_var(acc, a2).unwrap();
    fb.end_loop(inner).unwrap();

    let a = fb.use_var(acc).unwrap();
    let c = fb.compare(CmpOp::Gt, a, limit).unwrap();
    let (brk, next) = (fb.create_block(), fb.create_block());
    fb.branch(c, brk, next).unwrap();
    fb.seal_block(brk).unwrap();
    fb.seal_block(next).unwrap();
    fb.switch_to_block(brk).unwrap();
    fb.break_loop(&outer).unwrap();
    fb.switch_to_block(next).unwrap();
    fb.end_loop(outer).unwrap();
    let a = fb.use_var(acc).unwrap();
    fb.ret(Some(a)).unwrap();
    fb.finish().unwrap()
}

fn nested_reference(n: i64, limit: i64) -> i64 {
    let (mut acc, mut i) = (0, 0);
    while i < n {
        i += 1;
        if i % 3 == 0 {
            continue;
        }
        let mut j = 0;
        while j < i {
            j += 1;
            if j == 5 {
                break;
            }
            if j % 2 == 0 {
                continue;
            }
            acc += j;
        }
        if acc > limit {
            break;
        }
    }
    acc
}

#[test]
fn nested_loops_with_break_and_continue() {
    let f = build_nested();
    check_wellformed(&f);
    // Blocks in creation order: bb0; outer bb1..bb4; then/join bb5 bb6; inner bb7..bb10;
    // brk/next bb11 bb12; cont/add bb13 bb14; outer brk/next bb15 bb16.
    assert_eq!(f.blocks.len(), 17);
    assert_eq!(
        f.loops,
        [
            lf(&f, "bb1", "bb2", "bb3", "bb4"),
            lf(&f, "bb7", "bb8", "bb9", "bb10")
        ]
    );
    // Outer header: phis for i and acc (j is never read there: no phi for it).
    let outer = phis(&f, "bb1");
    assert_eq!(outer.len(), 2);
    // Outer latch: reached by `continue` (bb5) and the fall-through (bb16), so it merges
    // acc (i is the same on both edges: its phi was trivial).
    assert_eq!(f.successors(bl(&f, "bb5")), [bl(&f, "bb3")]);
    assert_eq!(f.successors(bl(&f, "bb16")), [bl(&f, "bb3")]);
    assert_eq!(phis(&f, "bb3").len(), 1);
    // Inner header: phis for j and acc; i is loop-invariant there (no phi).
    let inner = phis(&f, "bb7");
    assert_eq!(inner.len(), 2);
    for phi in &inner {
        assert_eq!(phi[0].0, "bb6");
        assert_eq!(phi[1].0, "bb9");
    }
    // Inner latch merges acc from `continue` (bb13) and the fall-through (bb14); the
    // `break` block bb11 has no edge to it.
    let latch = phis(&f, "bb9");
    assert_eq!(latch.len(), 1);
    let from: Vec<&str> = latch[0].iter().map(|(b, _)| *b).collect();
    assert_eq!(from, ["bb13", "bb14"]);
    // Inner exit: from the header and from `break` (bb11). acc is the header's phi on both
    // edges (the break happens before the addition), so its phi there was trivial and is
    // gone; j is never read after the loop.
    assert_eq!(phis(&f, "bb10").len(), 0);
    // `break`s: `jump exit`, inner (bb11) and outer (bb15); the outer exit merges acc from
    // the header and from the break.
    assert_eq!(opcodes(&f, "bb11"), ["jump"]);
    assert_eq!(f.successors(bl(&f, "bb11")), [bl(&f, "bb10")]);
    assert_eq!(opcodes(&f, "bb15"), ["jump"]);
    assert_eq!(f.successors(bl(&f, "bb15")), [bl(&f, "bb4")]);
    let exit: Vec<&str> = phis(&f, "bb4")[0].iter().map(|(b, _)| *b).collect();
    assert_eq!(exit, ["bb1", "bb15"]);
    for n in 0..12 {
        for limit in [0, 5, 20, 1000] {
            assert_eq!(
                run(&f, &[n, limit]),
                V::I(nested_reference(n, limit)),
                "n={n} limit={limit}"
            );
        }
    }
}

/// `i = 0; while true { if i * i > n { ret i } i = i + 1 }` with an early return.
#[test]
fn early_return_inside_loop() {
    let mut fb = FunctionBuilder::new("isqrt_up").unwrap();
    let n = fb.add_param(None);
    let i = fb.declare_var();
    let z = fb.iconst(0).unwrap();
    fb.def_var(i, z).unwrap();
    let lp = fb.begin_loop().unwrap();
    let t = fb.bconst(true).unwrap();
    fb.loop_condition(&lp, t).unwrap();
    let iv = fb.use_var(i).unwrap();
    let sq = fb.binop(BinOp::Mul, iv, iv).unwrap();
    let c = fb.compare(CmpOp::Gt, sq, n).unwrap();
    let (found, more) = (fb.create_block(), fb.create_block());
    fb.branch(c, found, more).unwrap();
    fb.seal_block(found).unwrap();
    fb.seal_block(more).unwrap();
    fb.switch_to_block(found).unwrap();
    fb.ret(Some(iv)).unwrap();
    fb.switch_to_block(more).unwrap();
    add1(&mut fb, i);
    fb.end_loop(lp).unwrap();
    // The exit is reachable only through the header's false edge.
    let m1 = fb.iconst(-1).unwrap();
    fb.ret(Some(m1)).unwrap();
    let f = fb.finish().unwrap();
    check_wellformed(&f);
    assert_eq!(f.loops, [lf(&f, "bb1", "bb2", "bb3", "bb4")]);
    // i is first read in the body; the body's only predecessor is the (then unsealed)
    // header, so the phi is placed in the header, on demand.
    assert_eq!(opcodes(&f, "bb1"), ["phi", "const", "branch"]);
    assert_eq!(phis(&f, "bb2").len(), 0);
    let p = phis(&f, "bb1");
    assert_eq!(p[0][0].0, "bb0");
    assert!(matches!(
        p[0][0].1,
        Inst::Const {
            value: Constant::Int(0),
            ..
        }
    ));
    // From the latch, whose only predecessor is bb6: i + 1, no phi in the latch.
    assert_eq!(p[0][1].0, "bb3");
    assert!(matches!(p[0][1].1, Inst::Binary { op: BinOp::Add, .. }));
    assert_eq!(phis(&f, "bb3").len(), 0);
    let cfg = crate::analysis::Cfg::new(&f);
    assert_eq!(cfg.predecessors(bl(&f, "bb3")), [bl(&f, "bb6")]);
    // The early return is a plain `ret` of i inside the loop (bb5 is in the loop's region).
    assert_eq!(opcodes(&f, "bb5"), ["ret"]);
    assert!(matches!(
        f.blocks[bl(&f, "bb5")].insts[0],
        Inst::Return { value: Some(v) } if v == f.blocks[bl(&f, "bb1")].insts[0].dest().unwrap()
    ));
    assert_eq!(opcodes(&f, "bb6"), ["const", "binop", "jump"]);
    assert_eq!(f.successors(bl(&f, "bb6")), [bl(&f, "bb3")]);
    // The exit is the code after the loop: no dispatch.
    assert_eq!(opcodes(&f, "bb4"), ["const", "ret"]);
    assert_eq!(f.blocks.len(), 7);
    for (n, want) in [(0, 1), (3, 2), (4, 3), (24, 5), (25, 6)] {
        assert_eq!(run(&f, &[n]), V::I(want));
    }
}

/// Two loops in sequence; `sum` and `prod` live across both:
/// `s = 0; p = 1; i = 1; while i <= n { s += i; i += 1 }`
/// `j = 1; while j <= n { p *= j; j += 1 }; ret s * 1000 + p`.
#[test]
fn accumulators_live_across_loops() {
    let mut fb = FunctionBuilder::new("acc").unwrap();
    let n = fb.add_param(None);
    let (s, p, i, j) = (
        fb.declare_var(),
        fb.declare_var(),
        fb.declare_var(),
        fb.declare_var(),
    );
    let zero = fb.iconst(0).unwrap();
    let one = fb.iconst(1).unwrap();
    fb.def_var(s, zero).unwrap();
    fb.def_var(p, one).unwrap();
    fb.def_var(i, one).unwrap();
    for (counter, acc, op) in [(i, s, BinOp::Add), (j, p, BinOp::Mul)] {
        if counter == j {
            let one = fb.iconst(1).unwrap();
            fb.def_var(j, one).unwrap();
        }
        let lp = fb.begin_loop().unwrap();
        let cv = fb.use_var(counter).unwrap();
        let c = fb.compare(CmpOp::Le, cv, n).unwrap();
        fb.loop_condition(&lp, c).unwrap();
        let (av, cv) = (fb.use_var(acc).unwrap(), fb.use_var(counter).unwrap());
        let a2 = fb.binop(op, av, cv).unwrap();
        fb.def_var(acc, a2).unwrap();
        add1(&mut fb, counter);
        fb.end_loop(lp).unwrap();
    }
    let (sv, pv) = (fb.use_var(s).unwrap(), fb.use_var(p).unwrap());
    let k = fb.iconst(1000).unwrap();
    let t = fb.binop(BinOp::Mul, sv, k).unwrap();
    let r = fb.binop(BinOp::Add, t, pv).unwrap();
    fb.ret(Some(r)).unwrap();
    let f = fb.finish().unwrap();
    check_wellformed(&f);
    assert_eq!(
        f.loops,
        [
            lf(&f, "bb1", "bb2", "bb3", "bb4"),
            lf(&f, "bb5", "bb6", "bb7", "bb8")
        ]
    );
    // First header: i and s. s is not read in the second loop's header, but p is; p is
    // invariant in the first loop, so it has no phi there.
    assert_eq!(phis(&f, "bb1").len(), 2);
    // Second header: j and p only; s flows around the second loop untouched (no phi).
    assert_eq!(phis(&f, "bb5").len(), 2);
    for phi in phis(&f, "bb5") {
        assert_eq!(phi[0].0, "bb4");
        assert_eq!(phi[1].0, "bb7");
    }
    // The final read of s (in bb8) is the first loop's header phi.
    let ret_block = block(&f, "bb8");
    let Inst::Binary { lhs, .. } = &ret_block.insts[1] else {
        panic!("expected the multiplication")
    };
    assert!(matches!(def_of(&f, *lhs), Inst::Phi { .. }));
    assert_eq!(f.block_label(bl(&f, "bb1")), "bb1");
    for (n, s, p) in [(0, 0, 1), (1, 1, 1), (4, 10, 24), (5, 15, 120)] {
        assert_eq!(run(&f, &[n]), V::I(s * 1000 + p));
    }
}

/// The swap problem: `a, b = b, a` in a loop (`t = a; a = b; b = t`). The header phis read
/// each other, so their parallel-copy semantics matters.
#[test]
fn swap_in_loop() {
    let mut fb = FunctionBuilder::new("swap").unwrap();
    let n = fb.add_param(None);
    let (a, b, i) = (fb.declare_var(), fb.declare_var(), fb.declare_var());
    let x = fb.iconst(10).unwrap();
    let y = fb.iconst(20).unwrap();
    let z = fb.iconst(0).unwrap();
    fb.def_var(a, x).unwrap();
    fb.def_var(b, y).unwrap();
    fb.def_var(i, z).unwrap();
    let lp = fb.begin_loop().unwrap();
    let iv = fb.use_var(i).unwrap();
    let c = fb.compare(CmpOp::Lt, iv, n).unwrap();
    fb.loop_condition(&lp, c).unwrap();
    let t = fb.use_var(a).unwrap();
    let bv = fb.use_var(b).unwrap();
    fb.def_var(a, bv).unwrap();
    fb.def_var(b, t).unwrap();
    add1(&mut fb, i);
    fb.end_loop(lp).unwrap();
    let (av, bv) = (fb.use_var(a).unwrap(), fb.use_var(b).unwrap());
    let k = fb.iconst(100).unwrap();
    let t = fb.binop(BinOp::Mul, av, k).unwrap();
    let r = fb.binop(BinOp::Add, t, bv).unwrap();
    fb.ret(Some(r)).unwrap();
    let f = fb.finish().unwrap();
    check_wellformed(&f);
    // Header: i's phi (condition), then a's and b's (body). a's latch input is b's phi and
    // b's latch input is a's phi.
    let header = block(&f, "bb1");
    let phi_insts: Vec<&Inst> = header
        .insts
        .iter()
        .filter(|i| matches!(i, Inst::Phi { .. }))
        .collect();
    assert_eq!(phi_insts.len(), 3);
    let (
        Inst::Phi {
            dest: pa,
            inputs: ia,
        },
        Inst::Phi {
            dest: pb,
            inputs: ib,
        },
    ) = (phi_insts[1], phi_insts[2])
    else {
        unreachable!()
    };
    assert_eq!(ia[1], (bl(&f, "bb3"), *pb));
    assert_eq!(ib[1], (bl(&f, "bb3"), *pa));
    assert!(matches!(
        def_of(&f, ia[0].1),
        Inst::Const {
            value: Constant::Int(10),
            ..
        }
    ));
    assert!(matches!(
        def_of(&f, ib[0].1),
        Inst::Const {
            value: Constant::Int(20),
            ..
        }
    ));
    for (n, want) in [(0, 1020), (1, 2010), (2, 1020), (7, 2010)] {
        assert_eq!(run(&f, &[n]), V::I(want));
    }
}

/// `k = 0; while flag != true { flag = (k >= 3); k = k + 1 }; ret k`: the condition reads a
/// variable that is only defined in the body, so on entry it is the `void` undefined value.
#[test]
fn condition_uses_variable_defined_in_body() {
    let mut fb = FunctionBuilder::new("count").unwrap();
    let (flag, k) = (fb.declare_var(), fb.declare_var());
    let z = fb.iconst(0).unwrap();
    fb.def_var(k, z).unwrap();
    let lp = fb.begin_loop().unwrap();
    let fv = fb.use_var(flag).unwrap();
    let t = fb.bconst(true).unwrap();
    let c = fb.compare(CmpOp::Ne, fv, t).unwrap();
    fb.loop_condition(&lp, c).unwrap();
    let kv = fb.use_var(k).unwrap();
    let three = fb.iconst(3).unwrap();
    let fl = fb.compare(CmpOp::Ge, kv, three).unwrap();
    fb.def_var(flag, fl).unwrap();
    add1(&mut fb, k);
    fb.end_loop(lp).unwrap();
    let kv = fb.use_var(k).unwrap();
    fb.ret(Some(kv)).unwrap();
    let f = fb.finish().unwrap();
    check_wellformed(&f);
    // The entry starts with the `const void` standing for the undefined flag.
    assert_eq!(opcodes(&f, "bb0"), ["const", "const", "jump"]);
    let entry = block(&f, "bb0");
    assert!(matches!(
        entry.insts[0],
        Inst::Const {
            value: Constant::Void,
            ..
        }
    ));
    let p = phis(&f, "bb1");
    assert_eq!(p.len(), 2);
    assert!(matches!(
        p[0][0].1,
        Inst::Const {
            value: Constant::Void,
            ..
        }
    ));
    assert!(matches!(p[0][1].1, Inst::Compare { op: CmpOp::Ge, .. }));
    // k = 0: flag = false; k = 1.. until k = 3 sets flag: k ends at 4.
    assert_eq!(run(&f, &[]), V::I(4));
}

/// Variables unchanged in loops get no phis, even through nested loops where the inner
/// header's phi uses the outer header's phi (recursive trivial-phi removal).
#[test]
fn trivial_phis_removed_recursively() {
    let mut fb = FunctionBuilder::new("inv").unwrap();
    let n = fb.add_param(None);
    let (x, i, j) = (fb.declare_var(), fb.declare_var(), fb.declare_var());
    let seven = fb.iconst(7).unwrap();
    let z = fb.iconst(0).unwrap();
    fb.def_var(x, seven).unwrap();
    fb.def_var(i, z).unwrap();
    let outer = fb.begin_loop().unwrap();
    let iv = fb.use_var(i).unwrap();
    let c = fb.compare(CmpOp::Lt, iv, n).unwrap();
    fb.loop_condition(&outer, c).unwrap();
    fb.def_var(j, z).unwrap();
    let inner = fb.begin_loop().unwrap();
    let jv = fb.use_var(j).unwrap();
    // x read in the inner header while both headers are unsealed: incomplete phis in both.
    let xv = fb.use_var(x).unwrap();
    let c = fb.compare(CmpOp::Lt, jv, xv).unwrap();
    fb.loop_condition(&inner, c).unwrap();
    // x = x (a copy through the variable): still invariant.
    let xv = fb.use_var(x).unwrap();
    fb.def_var(x, xv).unwrap();
    add1(&mut fb, j);
    fb.end_loop(inner).unwrap();
    add1(&mut fb, i);
    fb.end_loop(outer).unwrap();
    let xv = fb.use_var(x).unwrap();
    fb.ret(Some(xv)).unwrap();
    let f = fb.finish().unwrap();
    check_wellformed(&f);
    // Only the counters have phis: i in the outer header, j in the inner header.
    assert_eq!(phis(&f, "bb1").len(), 1);
    assert_eq!(phis(&f, "bb5").len(), 1);
    let total_phis = f
        .blocks
        .values()
        .flat_map(|b| &b.insts)
        .filter(|i| matches!(i, Inst::Phi { .. }))
        .count();
    assert_eq!(total_phis, 2);
    // The returned value is the constant 7 itself.
    let Some(Inst::Return { value: Some(r) }) = block(&f, "bb4").insts.last() else {
        panic!("ret")
    };
    assert!(matches!(
        def_of(&f, *r),
        Inst::Const {
            value: Constant::Int(7),
            ..
        }
    ));
    assert_eq!(run(&f, &[3]), V::I(7));
}

/// If/else diamond: a phi only where the arms differ.
#[test]
fn diamond_phis() {
    let mut fb = FunctionBuilder::new("max").unwrap();
    let a = fb.add_param(None);
    let b = fb.add_param(None);
    let (m, same) = (fb.declare_var(), fb.declare_var());
    fb.def_var(same, a).unwrap();
    let c = fb.compare(CmpOp::Gt, a, b).unwrap();
    let (t, e, j) = (
        fb.create_block(),
        fb.create_named_block("else_arm").unwrap(),
        fb.create_block(),
    );
    fb.branch(c, t, e).unwrap();
    fb.seal_block(t).unwrap();
    fb.seal_block(e).unwrap();
    fb.switch_to_block(t).unwrap();
    fb.def_var(m, a).unwrap();
    fb.jump(j).unwrap();
    fb.switch_to_block(e).unwrap();
    fb.def_var(m, b).unwrap();
    fb.jump(j).unwrap();
    fb.seal_block(j).unwrap();
    fb.switch_to_block(j).unwrap();
    let mv = fb.use_var(m).unwrap();
    let sv = fb.use_var(same).unwrap();
    assert_eq!(sv, a, "no phi for a variable equal on both arms");
    let r = fb.binop(BinOp::Sub, mv, sv).unwrap();
    fb.ret(Some(r)).unwrap();
    let f = fb.finish().unwrap();
    check_wellformed(&f);
    let labels: Vec<&str> = f.blocks.values().map(|b| b.label.as_str()).collect();
    assert_eq!(labels, ["bb0", "bb1", "else_arm", "bb2"]);
    assert_eq!(opcodes(&f, "bb2"), ["phi", "binop", "ret"]);
    assert_eq!(run(&f, &[5, 3]), V::I(0));
    assert_eq!(run(&f, &[3, 5]), V::I(2));
}

/// Code after `ret` and after `break` goes into unreachable blocks, which end up terminated.
#[test]
fn dead_code_after_terminators() {
    let mut fb = FunctionBuilder::new("dead").unwrap();
    let x = fb.declare_var();
    let one = fb.iconst(1).unwrap();
    fb.def_var(x, one).unwrap();
    let lp = fb.begin_loop().unwrap();
    let t = fb.bconst(true).unwrap();
    fb.loop_condition(&lp, t).unwrap();
    fb.break_loop(&lp).unwrap();
    assert_eq!(fb.current_block(), None);
    // `x = 2` after `break`: dead code, into a fresh block (bb5) that falls to the latch.
    let two = fb.iconst(2).unwrap();
    fb.def_var(x, two).unwrap();
    let dead = fb.current_block().unwrap();
    assert_eq!(fb.block_label(dead).unwrap(), "bb5");
    fb.end_loop(lp).unwrap();
    let xv = fb.use_var(x).unwrap();
    fb.ret(Some(xv)).unwrap();
    // Dead code after `ret`, left open: it gets a bare `ret` at finish.
    let three = fb.iconst(3).unwrap();
    fb.def_var(x, three).unwrap();
    let f = fb.finish().unwrap();
    check_wellformed(&f);
    assert_eq!(f.blocks.len(), 7);
    // The break: `jump exit`. The latch is reached only from the dead block bb5, so the
    // loop never iterates and gets no LoopForm.
    assert_eq!(opcodes(&f, "bb2"), ["jump"]);
    assert_eq!(f.successors(bl(&f, "bb2")), [bl(&f, "bb4")]);
    assert!(f.loops.is_empty());
    assert_eq!(opcodes(&f, "bb5"), ["const", "jump"]);
    assert_eq!(f.successors(bl(&f, "bb5")), [bl(&f, "bb3")]);
    assert_eq!(opcodes(&f, "bb6"), ["const", "ret"]);
    // Reading x in the exit reaches the header, whose phi merges 1 (preheader) and the
    // latch's value, 2 from the dead block (the latch's only predecessor): a real phi,
    // harmless. The exit's own phi (header vs. break edge) is trivial.
    let p = phis(&f, "bb1");
    assert_eq!(p.len(), 1);
    assert_eq!(p[0][0].0, "bb0");
    assert!(matches!(
        p[0][0].1,
        Inst::Const {
            value: Constant::Int(1),
            ..
        }
    ));
    assert_eq!(p[0][1].0, "bb3");
    assert!(matches!(
        p[0][1].1,
        Inst::Const {
            value: Constant::Int(2),
            ..
        }
    ));
    assert_eq!(phis(&f, "bb3").len(), 0);
    assert_eq!(phis(&f, "bb4").len(), 0);
    assert_eq!(run(&f, &[]), V::I(1));
}

/// All 14 instructions and every call form through the typed methods.
#[test]
fn every_instruction() {
    let mut mb = ModuleBuilder::new();
    let point = mb.declare_box("Point", &["x", "y"]).unwrap();
    let main = mb.declare_function("main").unwrap();
    let norm = mb.declare_method(point, "norm").unwrap();
    assert_eq!(mb.function_name(norm), Some("Point.norm"));
    assert_eq!(mb.function_by_name("Point.norm"), Some(norm));
    assert_eq!(mb.box_by_name("Point"), Some(point));

    let mut fb = mb.function_builder(norm).unwrap();
    let me = fb.add_param(Some(TypeName::User(point)));
    fb.set_value_name(me, "me").unwrap();
    fb.set_return_type(Some(TypeName::Integer));
    let x = fb.load(me, "x").unwrap();
    fb.ret(Some(x)).unwrap();
    mb.define_function(fb).unwrap();

    let mut fb = mb.function_builder(main).unwrap();
    let i = fb.iconst(3).unwrap();
    let fl = fb.fconst(2.5).unwrap();
    let b = fb.bconst(false).unwrap();
    let s = fb.sconst("hi\n").unwrap();
    let v = fb.void().unwrap();
    let fr = fb.func_ref(norm).unwrap();
    let neg = fb.unary(UnaryOp::Neg, i).unwrap();
    let sum = fb.binop(BinOp::Add, neg, fl).unwrap();
    let cmp = fb.compare(CmpOp::Le, sum, i).unwrap();
    let chk = fb.type_check(v, TypeName::Void).unwrap();
    let cast = fb.type_cast(fl, TypeName::Integer).unwrap();
    let ty = fb.type_of(s).unwrap();
    let p = fb.new_box(BoxClass::User(point), &[]).unwrap();
    fb.store(p, "x", cast).unwrap();
    let arr = fb.new_box(BoxClass::Array, &[i, s]).unwrap();
    let r1 = fb.call_global(norm, &[p]).unwrap();
    let r2 = fb.call_method(arr, "length", &[]).unwrap();
    let r3 = fb
        .call(
            Callee::Method {
                box_name: Some(point),
                method: "norm".into(),
                receiver: p,
            },
            &[],
        )
        .unwrap();
    fb.call_discard(Callee::Value(fr), &[p]).unwrap();
    let line = fb.extern_call(ExternFn::StdinReadLine, &[]).unwrap();
    fb.extern_call_discard(ExternFn::ConsoleLog, &[ty]).unwrap();
    let (t, e) = (fb.create_block(), fb.create_block());
    fb.branch(cmp, t, e).unwrap();
    fb.seal_block(t).unwrap();
    fb.switch_to_block(t).unwrap();
    fb.jump(e).unwrap();
    fb.seal_block(e).unwrap();
    fb.switch_to_block(e).unwrap();
    let ph = fb.phi(&[(fb.entry_block(), r1), (t, r2)]).unwrap();
    let all = [b, chk, r3, line, ph];
    let arr2 = fb.new_box(BoxClass::Array, &all).unwrap();
    fb.extern_call_discard(ExternFn::ConsoleLog, &[arr2])
        .unwrap();
    fb.ret(None).unwrap();
    mb.define_function(fb).unwrap();
    let m = mb.finish().unwrap();

    let f = &m.functions[main];
    check_structure(f);
    assert_verifies(&m);
    // `load` is in @Point.norm, the other 13 kinds in @main.
    let ops: Vec<&str> = m
        .functions
        .values()
        .flat_map(|f| f.blocks.values())
        .flat_map(|b| &b.insts)
        .map(Inst::opcode_name)
        .collect();
    let kinds: HashSet<&str> = ops.iter().copied().collect();
    assert_eq!(kinds.len(), 14, "{ops:?}");
    assert_eq!(m.functions[norm].params[0].ty, Some(TypeName::User(point)));
    assert_eq!(m.functions[norm].ret_type, Some(TypeName::Integer));
    assert_eq!(m.functions[norm].value_name(Value(0)), "me");
    assert!(matches!(
        &f.blocks[Block(0)].insts[3],
        Inst::Const { value: Constant::Str(s), .. } if s == "hi\n"
    ));
    assert!(f.blocks[Block(0)].insts.iter().any(|i| matches!(
        i,
        Inst::Call {
            dest: None,
            callee: Callee::Value(_),
            ..
        }
    )));
    assert!(f.blocks[Block(0)].insts.iter().any(|i| matches!(
        i,
        Inst::ExternCall {
            dest: None,
            callee: Callee::Extern(ExternFn::ConsoleLog),
            ..
        }
    )));
}

#[test]
fn value_and_block_names() {
    let mut fb = FunctionBuilder::new("names").unwrap();
    let p = fb.add_param(None);
    fb.set_value_name(p, "1").unwrap();
    let a = fb.iconst(1).unwrap();
    let b = fb.iconst(2).unwrap();
    fb.set_value_name(b, "x").unwrap();
    assert_eq!(
        fb.set_value_name(a, "x"),
        Err(BuildError::DuplicateValueName("x".into()))
    );
    assert!(matches!(
        fb.set_value_name(a, "%y"),
        Err(BuildError::InvalidName { kind: "value", .. })
    ));
    // Renaming frees the old name.
    fb.set_value_name(b, "y").unwrap();
    fb.set_value_name(a, "x").unwrap();
    let c = fb.binop(BinOp::Add, a, b).unwrap();
    let named = fb.create_named_block("bb1").unwrap();
    let auto = fb.create_block();
    assert_eq!(fb.block_label(auto).unwrap(), "bb2", "bb1 is taken");
    assert_eq!(
        fb.create_named_block("bb2"),
        Err(BuildError::DuplicateLabel("bb2".into()))
    );
    assert!(fb.create_named_block("9lives").is_err());
    fb.rename_block(auto, "after").unwrap();
    fb.jump(named).unwrap();
    fb.seal_block(named).unwrap();
    fb.switch_to_block(named).unwrap();
    fb.jump(auto).unwrap();
    fb.seal_block(auto).unwrap();
    fb.switch_to_block(auto).unwrap();
    fb.ret(Some(c)).unwrap();
    let f = fb.finish().unwrap();
    check_wellformed(&f);
    let names: Vec<&str> = f.values.values().map(|v| v.name.as_str()).collect();
    // The parameter took "1"; the automatic name of the addition skips it.
    assert_eq!(names, ["1", "x", "y", "0"]);
    let labels: Vec<&str> = f.blocks.values().map(|b| b.label.as_str()).collect();
    assert_eq!(labels, ["bb0", "bb1", "after"]);
}

#[test]
fn tail_call_ends_the_block_with_the_ret_of_its_result() {
    let mut mb = ModuleBuilder::new();
    let f = mb.declare_function("f").unwrap();
    let mut fb = mb.function_builder(f).unwrap();
    let n = fb.add_param(None);
    fb.tail_call(Callee::Global(f), &[n]).unwrap();
    mb.define_function(fb).unwrap();
    let m = mb.finish().unwrap();
    assert_verifies(&m);
    let insts = &m.functions[f].blocks[Block(0)].insts;
    assert!(insts[0].is_tail_call());
    assert!(matches!(insts[1], Inst::Return { value } if value == insts[0].dest()));
}
