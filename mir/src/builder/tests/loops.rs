//! Loops: labelled break/continue, deep nests, break_if/continue_if, returns.

use super::*;

/// Labelled break/continue across three loop levels:
///
/// ```text
/// acc = 0; i = 0
/// 'a: while i < n { i += 1; j = 0
///   'b: while j < n { j += 1; k = 0
///     while k < n { k += 1
///       if k == j { continue 'b }
///       if i * j * k == 12 { break 'a }
///       acc = acc + i * 100 + j * 10 + k
///     }
///     if j == i { continue 'a }
///   }
/// }
/// ret acc
/// ```
#[test]
fn labelled_break_and_continue() {
    let mut fb = FunctionBuilder::new("labels").unwrap();
    let n = fb.add_param(None);
    let (acc, i, j, k) = (
        fb.declare_var(),
        fb.declare_var(),
        fb.declare_var(),
        fb.declare_var(),
    );
    let z = fb.iconst(0).unwrap();
    fb.def_var(acc, z).unwrap();
    fb.def_var(i, z).unwrap();
    let la = fb.begin_loop().unwrap();
    let iv = fb.use_var(i).unwrap();
    let c = fb.compare(CmpOp::Lt, iv, n).unwrap();
    fb.loop_condition(&la, c).unwrap();
    add1(&mut fb, i);
    let z = fb.iconst(0).unwrap();
    fb.def_var(j, z).unwrap();
    let lb = fb.begin_loop().unwrap();
    let jv = fb.use_var(j).unwrap();
    let c = fb.compare(CmpOp::Lt, jv, n).unwrap();
    fb.loop_condition(&lb, c).unwrap();
    add1(&mut fb, j);
    let z = fb.iconst(0).unwrap();
    fb.def_var(k, z).unwrap();
    let lc = fb.begin_loop().unwrap();
    let kv = fb.use_var(k).unwrap();
    let c = fb.compare(CmpOp::Lt, kv, n).unwrap();
    fb.loop_condition(&lc, c).unwrap();
    let kv = add1(&mut fb, k);
    let jv = fb.use_var(j).unwrap();
    let c = fb.compare(CmpOp::Eq, kv, jv).unwrap();
    let (t, e) = (fb.create_block(), fb.create_block());
    fb.branch(c, t, e).unwrap();
    fb.seal_block(t).unwrap();
    fb.seal_block(e).unwrap();
    fb.switch_to_block(t).unwrap();
    fb.continue_loop(&lb).unwrap();
    fb.switch_to_block(e).unwrap();
    let iv = fb.use_var(i).unwrap();
    let p = fb.binop(BinOp::Mul, iv, jv).unwrap();
    let p = fb.binop(BinOp::Mul, p, kv).unwrap();
    let twelve = fb.iconst(12).unwrap();
    let c = fb.compare(CmpOp::Eq, p, twelve).unwrap();
    let (t, e) = (fb.create_block(), fb.create_block());
    fb.branch(c, t, e).unwrap();
    fb.seal_block(t).unwrap();
    fb.seal_block(e).unwrap();
    fb.switch_to_block(t).unwrap();
    fb.break_loop(&la).unwrap();
    fb.switch_to_block(e).unwrap();
    let hundred = fb.iconst(100).unwrap();
    let ten = fb.iconst(10).unwrap();
    let a = fb.binop(BinOp::Mul, iv, hundred).unwrap();
    let b = fb.binop(BinOp::Mul, jv, ten).unwrap();
    let s = fb.binop(BinOp::Add, a, b).unwrap();
    let s = fb.binop(BinOp::Add, s, kv).unwrap();
    let av = fb.use_var(acc).unwrap();
    let s = fb.binop(BinOp::Add, av, s).unwrap();
    fb.def_var(acc, s).unwrap();
    fb.end_loop(lc).unwrap();
    let (jv, iv) = (fb.use_var(j).unwrap(), fb.use_var(i).unwrap());
    let c = fb.compare(CmpOp::Eq, jv, iv).unwrap();
    let (t, e) = (fb.create_block(), fb.create_block());
    fb.branch(c, t, e).unwrap();
    fb.seal_block(t).unwrap();
    fb.seal_block(e).unwrap();
    fb.switch_to_block(t).unwrap();
    fb.continue_loop(&la).unwrap();
    fb.switch_to_block(e).unwrap();
    fb.end_loop(lb).unwrap();
    fb.end_loop(la).unwrap();
    let av = fb.use_var(acc).unwrap();
    fb.ret(Some(av)).unwrap();
    let f = fb.finish().unwrap();
    check_wellformed(&f);
    assert_eq!(f.loops.len(), 3);
    let reference = |n: i64| {
        let (mut acc, mut i) = (0, 0);
        'a: while i < n {
            i += 1;
            let mut j = 0;
            'b: while j < n {
                j += 1;
                let mut k = 0;
                while k < n {
                    k += 1;
                    if k == j {
                        continue 'b;
                    }
                    if i * j * k == 12 {
                        break 'a;
                    }
                    acc += i * 100 + j * 10 + k;
                }
                if j == i {
                    continue 'a;
                }
            }
        }
        acc
    };
    for n in 0..7 {
        assert_eq!(run(&f, &[n]), V::I(reference(n)), "n={n}");
    }
}

/// Long chains of blocks and deep loop nests do not overflow the stack: SSA construction
/// is iterative.
#[test]
fn long_chains_and_deep_nests() {
    // 20000 if/else diamonds; x (defined in the entry) is read only at the very end, and y
    // is incremented on one arm of each diamond.
    let mut fb = FunctionBuilder::new("chain").unwrap();
    let (x, y) = (fb.declare_var(), fb.declare_var());
    let seven = fb.iconst(7).unwrap();
    let z = fb.iconst(0).unwrap();
    fb.def_var(x, seven).unwrap();
    fb.def_var(y, z).unwrap();
    let t = fb.bconst(true).unwrap();
    for _ in 0..20_000 {
        let (a, b, j) = (fb.create_block(), fb.create_block(), fb.create_block());
        fb.branch(t, a, b).unwrap();
        fb.seal_block(a).unwrap();
        fb.seal_block(b).unwrap();
        fb.switch_to_block(a).unwrap();
        fb.jump(j).unwrap();
        fb.switch_to_block(b).unwrap();
        fb.jump(j).unwrap();
        fb.seal_block(j).unwrap();
        fb.switch_to_block(j).unwrap();
    }
    let xv = fb.use_var(x).unwrap();
    assert_eq!(xv, seven);
    fb.ret(Some(xv)).unwrap();
    let f = fb.finish().unwrap();
    assert_eq!(f.blocks.len(), 60_001);
    assert!(f
        .blocks
        .values()
        .all(|b| !b.insts.iter().any(|i| matches!(i, Inst::Phi { .. }))));

    // 300 nested loops, a counter read only in the innermost body.
    let mut fb = FunctionBuilder::new("deep").unwrap();
    let c = fb.declare_var();
    let z = fb.iconst(0).unwrap();
    fb.def_var(c, z).unwrap();
    let mut loops = Vec::new();
    for _ in 0..300 {
        let lp = fb.begin_loop().unwrap();
        let f = fb.bconst(false).unwrap();
        fb.loop_condition(&lp, f).unwrap();
        loops.push(lp);
    }
    add1(&mut fb, c);
    while let Some(lp) = loops.pop() {
        fb.end_loop(lp).unwrap();
    }
    let cv = fb.use_var(c).unwrap();
    fb.ret(Some(cv)).unwrap();
    let f = fb.finish().unwrap();
    check_wellformed(&f);
    assert_eq!(f.loops.len(), 300);
    // The counter has a phi in every header and none elsewhere.
    for form in &f.loops {
        let n = f.blocks[form.header]
            .insts
            .iter()
            .filter(|i| matches!(i, Inst::Phi { .. }))
            .count();
        assert_eq!(n, 1);
    }
    assert_eq!(run(&f, &[]), V::I(0));
}

/// The module-doc example, printed. Checked by hand: values numbered in block order, `%n`
/// keeps its name, i's phi first (read by the condition), s's phi second (read in the body).
#[test]
fn snapshot_sum() {
    let mut mb = ModuleBuilder::new();
    let sum = mb.declare_function("sum").unwrap();
    let mut fb = mb.function_builder(sum).unwrap();
    let n = fb.add_param(Some(TypeName::Integer));
    fb.set_value_name(n, "n").unwrap();
    fb.set_return_type(Some(TypeName::Integer));
    let (s, i) = (fb.declare_var(), fb.declare_var());
    let zero = fb.iconst(0).unwrap();
    fb.def_var(s, zero).unwrap();
    fb.def_var(i, zero).unwrap();
    let lp = fb.begin_loop().unwrap();
    let iv = fb.use_var(i).unwrap();
    let cond = fb.compare(CmpOp::Lt, iv, n).unwrap();
    fb.loop_condition(&lp, cond).unwrap();
    let (sv, iv) = (fb.use_var(s).unwrap(), fb.use_var(i).unwrap());
    let s2 = fb.binop(BinOp::Add, sv, iv).unwrap();
    fb.def_var(s, s2).unwrap();
    let one = fb.iconst(1).unwrap();
    let i2 = fb.binop(BinOp::Add, iv, one).unwrap();
    fb.def_var(i, i2).unwrap();
    fb.end_loop(lp).unwrap();
    let result = fb.use_var(s).unwrap();
    fb.ret(Some(result)).unwrap();
    mb.define_function(fb).unwrap();
    let m = mb.finish().unwrap();
    assert_verifies(&m);
    let expected = "\
fn @sum(%n: Integer) -> Integer {
  loop header=bb1 body=bb2 latch=bb3 exit=bb4
bb0:
  %0 = const 0
  jump bb1
bb1:
  %1 = phi [bb0: %0], [bb3: %6]
  %2 = phi [bb0: %0], [bb3: %4]
  %3 = compare lt %1, %n
  branch %3, bb2, bb4
bb2:
  %4 = binop add %2, %1
  %5 = const 1
  %6 = binop add %1, %5
  jump bb3
bb3:
  jump bb1
bb4:
  ret %2
}
";
    assert_eq!(crate::text::print(&m), expected);
    let (parsed, _) = crate::text::parse(expected).unwrap();
    assert_eq!(parsed, m);
}

/// `while i < n { i += 1; if i > 1 { if i == n { ret i } break } s += i }; ret s`: a `ret`
/// and a `break` under nested `if`s inside a loop are plain `ret` and `jump exit`, and the
/// LoopForm verifies (both blocks are in its region). Printed text checked by hand.
#[test]
fn snapshot_break_and_ret_in_nested_if() {
    let mut mb = ModuleBuilder::new();
    let fid = mb.declare_function("f").unwrap();
    let mut fb = mb.function_builder(fid).unwrap();
    let n = fb.add_param(None);
    fb.set_value_name(n, "n").unwrap();
    let (s, i) = (fb.declare_var(), fb.declare_var());
    let zero = fb.iconst(0).unwrap();
    fb.def_var(s, zero).unwrap();
    fb.def_var(i, zero).unwrap();
    let lp = fb.begin_loop().unwrap();
    let iv = fb.use_var(i).unwrap();
    let cond = fb.compare(CmpOp::Lt, iv, n).unwrap();
    fb.loop_condition(&lp, cond).unwrap();
    let iv = add1(&mut fb, i);
    let one = fb.iconst(1).unwrap();
    let c1 = fb.compare(CmpOp::Gt, iv, one).unwrap();
    let (then1, join1) = (fb.create_block(), fb.create_block());
    fb.branch(c1, then1, join1).unwrap();
    fb.seal_block(then1).unwrap();
    fb.seal_block(join1).unwrap();
    fb.switch_to_block(then1).unwrap();
    let c2 = fb.compare(CmpOp::Eq, iv, n).unwrap();
    let (retb, brkb) = (fb.create_block(), fb.create_block());
    fb.branch(c2, retb, brkb).unwrap();
    fb.seal_block(retb).unwrap();
    fb.seal_block(brkb).unwrap();
    fb.switch_to_block(retb).unwrap();
    fb.ret(Some(iv)).unwrap();
    fb.switch_to_block(brkb).unwrap();
    fb.break_loop(&lp).unwrap();
    fb.switch_to_block(join1).unwrap();
    let sv = fb.use_var(s).unwrap();
    let s2 = fb.binop(BinOp::Add, sv, iv).unwrap();
    fb.def_var(s, s2).unwrap();
    fb.end_loop(lp).unwrap();
    let result = fb.use_var(s).unwrap();
    fb.ret(Some(result)).unwrap();
    mb.define_function(fb).unwrap();
    let m = mb.finish().unwrap();
    assert_verifies(&m);
    let expected = "\
fn @f(%n) {
  loop header=bb1 body=bb2 latch=bb3 exit=bb4
bb0:
  %0 = const 0
  jump bb1
bb1:
  %1 = phi [bb0: %0], [bb3: %5]
  %2 = phi [bb0: %0], [bb3: %9]
  %3 = compare lt %1, %n
  branch %3, bb2, bb4
bb2:
  %4 = const 1
  %5 = binop add %1, %4
  %6 = const 1
  %7 = compare gt %5, %6
  branch %7, bb5, bb6
bb3:
  jump bb1
bb4:
  ret %2
bb5:
  %8 = compare eq %5, %n
  branch %8, bb7, bb8
bb6:
  %9 = binop add %2, %5
  jump bb3
bb7:
  ret %5
bb8:
  jump bb4
}
";
    assert_eq!(crate::text::print(&m), expected);
    let (parsed, _) = crate::text::parse(expected).unwrap();
    assert_eq!(parsed, m);
    // The return (bb7) and break (bb8) blocks are in the loop's region.
    let f = &m.functions[FuncId(0)];
    let cfg = crate::analysis::Cfg::new(f);
    let region: Vec<&str> = crate::analysis::loop_region(f, &cfg, &f.loops[0])
        .into_iter()
        .map(|b| f.block_label(b))
        .collect();
    assert_eq!(region, ["bb1", "bb2", "bb3", "bb5", "bb6", "bb7", "bb8"]);
    let reference = |n: i64| {
        let (mut s, mut i) = (0, 0);
        while i < n {
            i += 1;
            if i > 1 {
                if i == n {
                    return i;
                }
                break;
            }
            s += i;
        }
        s
    };
    // n = 2 returns i = 2 from inside; n = 3 breaks with s = 1.
    for (arg, want) in [(0, 0), (1, 1), (2, 2), (3, 1), (7, 1)] {
        assert_eq!(reference(arg), want);
        assert_eq!(run(f, &[arg]), V::I(want), "n={arg}");
    }
}

/// A box and a function reading a variable defined on one path only: the other path sees
/// the `void` at the start of the entry block.
#[test]
fn snapshot_undefined_variable() {
    let mut mb = ModuleBuilder::new();
    mb.declare_box("Point", &["x", "y"]).unwrap();
    let f = mb.declare_function("f").unwrap();
    let mut fb = mb.function_builder(f).unwrap();
    let c = fb.add_param(None);
    fb.set_value_name(c, "c").unwrap();
    let v = fb.declare_var();
    let (then_b, join) = (fb.create_block(), fb.create_block());
    fb.branch(c, then_b, join).unwrap();
    fb.seal_block(then_b).unwrap();
    fb.switch_to_block(then_b).unwrap();
    let one = fb.iconst(1).unwrap();
    fb.def_var(v, one).unwrap();
    fb.jump(join).unwrap();
    fb.switch_to_block(join).unwrap();
    let vv = fb.use_var(v).unwrap();
    fb.ret(Some(vv)).unwrap();
    // `join` is sealed by finish.
    mb.define_function(fb).unwrap();
    let m = mb.finish().unwrap();
    assert_verifies(&m);
    let expected = "\
box Point { x, y }

fn @f(%c) {
bb0:
  %0 = const void
  branch %c, bb1, bb2
bb1:
  %1 = const 1
  jump bb2
bb2:
  %2 = phi [bb0: %0], [bb1: %1]
  ret %2
}
";
    assert_eq!(crate::text::print(&m), expected);
}

/// `break_if` / `continue_if`: `while true { i += 1; if i % 2 == 0 { continue }; s += i;
/// if s > limit { break } }`, with plain conditional exits.
#[test]
fn break_if_and_continue_if() {
    let mut fb = FunctionBuilder::new("odd_sum").unwrap();
    let limit = fb.add_param(None);
    let (s, i) = (fb.declare_var(), fb.declare_var());
    let z = fb.iconst(0).unwrap();
    fb.def_var(s, z).unwrap();
    fb.def_var(i, z).unwrap();
    let lp = fb.begin_loop().unwrap();
    let t = fb.bconst(true).unwrap();
    fb.loop_condition(&lp, t).unwrap();
    let iv = add1(&mut fb, i);
    let two = fb.iconst(2).unwrap();
    let m = fb.binop(BinOp::Mod, iv, two).unwrap();
    let z = fb.iconst(0).unwrap();
    let even = fb.compare(CmpOp::Eq, m, z).unwrap();
    fb.continue_if(&lp, even).unwrap();
    let sv = fb.use_var(s).unwrap();
    let s2 = fb.binop(BinOp::Add, sv, iv).unwrap();
    fb.def_var(s, s2).unwrap();
    let big = fb.compare(CmpOp::Gt, s2, limit).unwrap();
    fb.break_if(&lp, big).unwrap();
    fb.end_loop(lp).unwrap();
    let sv = fb.use_var(s).unwrap();
    fb.ret(Some(sv)).unwrap();
    let f = fb.finish().unwrap();
    check_wellformed(&f);
    // bb2: ... branch even, bb3 (latch), bb5; bb5: ... branch big, bb4 (exit), bb6;
    // bb6: jump bb3.
    assert_eq!(f.successors(bl(&f, "bb2")), [bl(&f, "bb3"), bl(&f, "bb5")]);
    assert_eq!(f.successors(bl(&f, "bb5")), [bl(&f, "bb4"), bl(&f, "bb6")]);
    assert_eq!(f.successors(bl(&f, "bb6")), [bl(&f, "bb3")]);
    assert_eq!(f.blocks.len(), 7);
    // No `const true` was needed: the entry holds only the `const 0`.
    assert_eq!(opcodes(&f, "bb0"), ["const", "jump"]);
    let reference = |limit: i64| {
        let (mut s, mut i) = (0, 0);
        loop {
            i += 1;
            if i % 2 == 0 {
                continue;
            }
            s += i;
            if s > limit {
                break s;
            }
        }
    };
    for limit in [0, 1, 5, 50] {
        assert_eq!(run(&f, &[limit]), V::I(reference(limit)));
    }
}

/// `ret` three loops deep is a plain `ret`; a labelled break from the innermost loop is
/// routed out through every exit to the outermost one.
#[test]
fn return_from_nested_loops() {
    // for i in 0..n { for j in 0..n { for k in 0..n {
    //     if i + j + k == target { ret i * 100 + j * 10 + k }
    //     if k == 7 { break 'outer } } } }  ret -1
    let mut fb = FunctionBuilder::new("find").unwrap();
    let n = fb.add_param(None);
    let target = fb.add_param(None);
    let vars = [fb.declare_var(), fb.declare_var(), fb.declare_var()];
    let mut loops = Vec::new();
    for &v in &vars {
        let z = fb.iconst(0).unwrap();
        fb.def_var(v, z).unwrap();
        let lp = fb.begin_loop().unwrap();
        let cur = fb.use_var(v).unwrap();
        let c = fb.compare(CmpOp::Lt, cur, n).unwrap();
        fb.loop_condition(&lp, c).unwrap();
        loops.push(lp);
    }
    let [i, j, k] = vars.map(|v| fb.use_var(v).unwrap());
    let ij = fb.binop(BinOp::Add, i, j).unwrap();
    let ijk = fb.binop(BinOp::Add, ij, k).unwrap();
    let hit = fb.compare(CmpOp::Eq, ijk, target).unwrap();
    let (yes, no) = (fb.create_block(), fb.create_block());
    fb.branch(hit, yes, no).unwrap();
    fb.seal_block(yes).unwrap();
    fb.seal_block(no).unwrap();
    fb.switch_to_block(yes).unwrap();
    let h = fb.iconst(100).unwrap();
    let t = fb.iconst(10).unwrap();
    let a = fb.binop(BinOp::Mul, i, h).unwrap();
    let b = fb.binop(BinOp::Mul, j, t).unwrap();
    let r = fb.binop(BinOp::Add, a, b).unwrap();
    let r = fb.binop(BinOp::Add, r, k).unwrap();
    fb.ret(Some(r)).unwrap();
    fb.switch_to_block(no).unwrap();
    let seven = fb.iconst(7).unwrap();
    let c = fb.compare(CmpOp::Eq, k, seven).unwrap();
    fb.break_if(&loops[0], c).unwrap();
    for (lp, &v) in loops.into_iter().zip(&vars).rev() {
        add1(&mut fb, v);
        fb.end_loop(lp).unwrap();
    }
    let m1 = fb.iconst(-1).unwrap();
    fb.ret(Some(m1)).unwrap();
    let f = fb.finish().unwrap();
    check_wellformed(&f);
    assert_eq!(f.loops.len(), 3);
    // The found value is returned by a plain `ret` inside the innermost loop (no routing),
    // plus `ret -1` after the loops; the labelled break of the outer loop is routed.
    let rets = f
        .blocks
        .values()
        .filter(|b| matches!(b.insts.last(), Some(Inst::Return { .. })))
        .count();
    assert_eq!(rets, 2);
    let reference = |n: i64, target: i64| {
        for i in 0..n {
            for j in 0..n {
                for k in 0..n {
                    if i + j + k == target {
                        return i * 100 + j * 10 + k;
                    }
                    if k == 7 {
                        return -1;
                    }
                }
            }
        }
        -1
    };
    for n in [0, 1, 3, 9] {
        for target in [0, 2, 5, 9, 30] {
            assert_eq!(
                run(&f, &[n, target]),
                V::I(reference(n, target)),
                "{n} {target}"
            );
        }
    }
}

#[test]
fn loop_escape_and_unreachable_latch() {
    let mut fb = FunctionBuilder::new("esc").unwrap();
    let before = fb.create_block();
    let lp = fb.begin_loop().unwrap();
    let t = fb.bconst(true).unwrap();
    fb.loop_condition(&lp, t).unwrap();
    assert_eq!(fb.jump(before), Err(BuildError::LoopEscape("bb1".into())));
    assert_eq!(
        fb.switch_to_block(before),
        Err(BuildError::LoopEscape("bb1".into()))
    );
    assert_eq!(
        fb.switch_to_block(lp.latch()),
        Err(BuildError::LoopEscape("bb4".into()))
    );
    // The body spins in a cycle of its own: the latch is never reached.
    let spin = fb.create_block();
    fb.jump(spin).unwrap();
    fb.switch_to_block(spin).unwrap();
    fb.jump(spin).unwrap();
    fb.seal_block(spin).unwrap();
    fb.end_loop(lp).unwrap();
    fb.ret(None).unwrap();
    // `before` was never used: unreachable and open, it gets a `ret`.
    let f = fb.finish().unwrap();
    check_wellformed(&f);
    assert!(
        f.loops.is_empty(),
        "a loop that never iterates has no LoopForm"
    );
    assert_eq!(opcodes(&f, "bb1"), ["ret"]);
}
