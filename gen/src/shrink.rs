//! The shrinker: reduces a module to a small one that still verifies and still has a property
//! (for `mir14 fuzz`: the backends still diverge on it), by delta debugging over the IR.

use mir14_mir::{Block, Callee, Constant, FuncId, Function, Inst, Module};

/// Shrinks `module` by delta debugging: repeatedly tries to delete functions, loop declarations
/// and chunks of instructions (halving the chunk size down to single instructions), to replace
/// instructions by constants and branches by jumps (dropping the blocks that become
/// unreachable), keeping each change after which the module still verifies and `interesting`
/// still holds. Stops at a fixed point or after `max_tests` calls of `interesting`.
pub fn shrink(
    module: &Module,
    max_tests: u32,
    interesting: &mut dyn FnMut(&Module) -> bool,
) -> Module {
    let mut best = module.clone();
    let mut tests = 0u32;
    let mut try_it = |cand: Module, best: &mut Module, tests: &mut u32| -> bool {
        if *tests >= max_tests || cand == *best || mir14_mir::verify(&cand).is_err() {
            return false;
        }
        *tests += 1;
        if interesting(&cand) {
            *best = cand;
            true
        } else {
            false
        }
    };
    loop {
        let before = best.clone();
        // Whole functions (not @main), last first so that ids of earlier ones stay put.
        for f in (0..best.functions.len()).rev() {
            if let Some(c) = remove_function(&best, FuncId(f as u32)) {
                try_it(c, &mut best, &mut tests);
            }
        }
        // Box declarations nothing refers to.
        for b in (0..best.boxes.len()).rev() {
            if let Some(c) = remove_box(&best, mir14_mir::BoxId(b as u32)) {
                try_it(c, &mut best, &mut tests);
            }
        }
        for f in 0..best.functions.len() {
            let fid = FuncId(f as u32);
            // Unused parameters.
            for p in (0..best.functions[fid].params.len()).rev() {
                if let Some(c) = remove_param(&best, fid, p) {
                    try_it(c, &mut best, &mut tests);
                }
            }
            // Loop declarations.
            for l in (0..best.functions[fid].loops.len()).rev() {
                let mut c = best.clone();
                if l < c.functions[fid].loops.len() {
                    c.functions[fid].loops.remove(l);
                    try_it(c, &mut best, &mut tests);
                }
            }
            // Terminators to a bare `ret` (cutting off everything after).
            for b in 0..best.functions[fid].blocks.len() {
                if let Some(c) = terminator_to_ret(&best, fid, Block(b as u32)) {
                    try_it(c, &mut best, &mut tests);
                }
            }
            // Branches to jumps.
            for b in 0..best.functions[fid].blocks.len() {
                for side in [true, false] {
                    if let Some(c) = branch_to_jump(&best, fid, Block(b as u32), side) {
                        if try_it(c, &mut best, &mut tests) {
                            break;
                        }
                    }
                }
            }
            // Jump chains merged into one block.
            let mut b = 0;
            while b < best.functions[fid].blocks.len() {
                let merged = match merge_jump(&best, fid, Block(b as u32)) {
                    Some(c) => try_it(c, &mut best, &mut tests),
                    None => false,
                };
                if !merged {
                    b += 1;
                }
            }
            // Chunks of instructions, halving.
            let mut chunk = best.functions[fid].inst_count().max(1);
            while chunk >= 1 {
                let mut start = 0;
                while start < best.functions[fid].inst_count() {
                    let kept = match remove_insts(&best, fid, start, chunk) {
                        Some(c) => try_it(c, &mut best, &mut tests),
                        None => false,
                    };
                    if !kept {
                        start += chunk;
                    }
                }
                if chunk == 1 {
                    break;
                }
                chunk /= 2;
            }
            // Instructions to constants.
            for b in 0..best.functions[fid].blocks.len() {
                let mut i = 0;
                let len = |m: &Module| {
                    m.functions[fid]
                        .blocks
                        .get(Block(b as u32))
                        .map_or(0, |d| d.insts.len())
                };
                while i < len(&best) {
                    for k in [Constant::Int(0), Constant::Void] {
                        if let Some(c) = to_const(&best, fid, Block(b as u32), i, k) {
                            if try_it(c, &mut best, &mut tests) {
                                break;
                            }
                        }
                    }
                    i += 1;
                }
            }
        }
        if best == before || tests >= max_tests {
            return best;
        }
    }
}

/// `m` without function `f` (not `@main`, and only if nothing refers to it), ids renumbered.
fn remove_function(m: &Module, f: FuncId) -> Option<Module> {
    if m.functions[f].name == "main" {
        return None;
    }
    let mut refers = false;
    for g in m.functions.values() {
        for b in g.blocks.values() {
            for i in &b.insts {
                match i {
                    Inst::Call {
                        callee: Callee::Global(x),
                        ..
                    }
                    | Inst::Const {
                        value: Constant::Func(x),
                        ..
                    } if *x == f => refers = true,
                    _ => {}
                }
            }
        }
    }
    // A method named by a static callee or used implicitly (birth, toString, apply) may go:
    // the verifier rejects the static case, and the others change behaviour only.
    if refers {
        return None;
    }
    let mut c = Module::new();
    c.boxes = m.boxes.clone();
    for (id, g) in m.functions.iter() {
        if id != f {
            c.functions.push(g.clone());
        }
    }
    let remap = |x: &mut FuncId| {
        if x.0 > f.0 {
            x.0 -= 1;
        }
    };
    for g in c.functions.values_mut() {
        for b in g.blocks.values_mut() {
            for i in &mut b.insts {
                match i {
                    Inst::Call {
                        callee: Callee::Global(x),
                        ..
                    }
                    | Inst::Const {
                        value: Constant::Func(x),
                        ..
                    } => remap(x),
                    _ => {}
                }
            }
        }
    }
    Some(c)
}

/// `m` without box `b`, if no instruction or annotation refers to it (box ids renumbered). Its
/// method functions `@B.m` stay, as plain functions renamed `@B_m`.
fn remove_box(m: &Module, b: mir14_mir::BoxId) -> Option<Module> {
    use mir14_mir::{BoxClass, BoxId, TypeName, TypeOpKind};
    let prefix = format!("{}.", m.boxes[b].name);
    let is = |t: &TypeName| *t == TypeName::User(b);
    for f in m.functions.values() {
        if f.params.iter().any(|p| p.ty.as_ref().is_some_and(is))
            || f.ret_type.as_ref().is_some_and(is)
        {
            return None;
        }
        for data in f.blocks.values() {
            for i in &data.insts {
                let refers = match i {
                    Inst::NewBox { class, .. } => *class == BoxClass::User(b),
                    Inst::TypeOp {
                        op: TypeOpKind::Check(t) | TypeOpKind::Cast(t),
                        ..
                    } => is(t),
                    Inst::Call {
                        callee: Callee::Method { box_name, .. },
                        ..
                    } => *box_name == Some(b),
                    _ => false,
                };
                if refers {
                    return None;
                }
            }
        }
    }
    let mut c = m.clone();
    // Former methods become plain functions with fresh names.
    for i in 0..c.functions.len() {
        let Some(rest) = c.functions[FuncId(i as u32)].name.strip_prefix(&prefix) else {
            continue;
        };
        let mut name = format!("{}_{rest}", m.boxes[b].name);
        while c.functions.values().any(|f| f.name == name) {
            name.push('_');
        }
        c.functions[FuncId(i as u32)].name = name;
    }
    let mut boxes = mir14_mir::entity::Arena::new();
    for (id, d) in m.boxes.iter() {
        if id != b {
            boxes.push(d.clone());
        }
    }
    c.boxes = boxes;
    let remap = |x: &mut BoxId| {
        if x.0 > b.0 {
            x.0 -= 1;
        }
    };
    let remap_ty = |t: &mut TypeName| {
        if let TypeName::User(x) = t {
            remap(x);
        }
    };
    for f in c.functions.values_mut() {
        for p in &mut f.params {
            if let Some(t) = &mut p.ty {
                remap_ty(t);
            }
        }
        if let Some(t) = &mut f.ret_type {
            remap_ty(t);
        }
        for data in f.blocks.values_mut() {
            for i in &mut data.insts {
                match i {
                    Inst::NewBox {
                        class: BoxClass::User(x),
                        ..
                    } => remap(x),
                    Inst::TypeOp {
                        op: TypeOpKind::Check(t) | TypeOpKind::Cast(t),
                        ..
                    } => remap_ty(t),
                    Inst::Call {
                        callee:
                            Callee::Method {
                                box_name: Some(x), ..
                            },
                        ..
                    } => remap(x),
                    _ => {}
                }
            }
        }
    }
    Some(c)
}

/// `m` with parameter `p` of `f` removed, if `f` does not use it, and the matching argument
/// removed from every call that names `f` statically (`call @f`, `call %r.B::m`, `new B` for a
/// `birth`). Calls through values or dynamic dispatch keep their arguments.
fn remove_param(m: &Module, f: FuncId, p: usize) -> Option<Module> {
    let func = &m.functions[f];
    let v = func.params.get(p)?.value;
    let mut used = false;
    for data in func.blocks.values() {
        for i in &data.insts {
            i.for_each_use(|u| used |= u == v);
        }
    }
    if used {
        return None;
    }
    let name = func.name.clone();
    let method = name.split_once('.');
    let mut c = m.clone();
    c.functions[f].params.remove(p);
    c.functions[f].canonicalize();
    for g in c.functions.values_mut() {
        for data in g.blocks.values_mut() {
            for i in &mut data.insts {
                let drop = match i {
                    Inst::Call {
                        callee: Callee::Global(x),
                        args,
                        ..
                    } if *x == f => Some((args, p)),
                    Inst::Call {
                        callee:
                            Callee::Method {
                                box_name: Some(b),
                                method: mname,
                                ..
                            },
                        args,
                        ..
                    } if p >= 1 && method == Some((m.boxes[*b].name.as_str(), mname.as_str())) => {
                        Some((args, p - 1))
                    }
                    Inst::NewBox {
                        class: mir14_mir::BoxClass::User(b),
                        args,
                        ..
                    } if p >= 1 && method == Some((m.boxes[*b].name.as_str(), "birth")) => {
                        Some((args, p - 1))
                    }
                    _ => None,
                };
                if let Some((args, k)) = drop {
                    if k < args.len() {
                        args.remove(k);
                    }
                }
            }
        }
    }
    for g in c.functions.values_mut() {
        g.canonicalize();
    }
    Some(c)
}

/// `m` with `count` instructions of function `f` removed, starting at the `start`-th (in block
/// order). Terminators stay; an instruction whose result is still used makes the candidate
/// invalid, which the verifier then rejects.
fn remove_insts(m: &Module, f: FuncId, start: usize, count: usize) -> Option<Module> {
    let mut c = m.clone();
    let func = &mut c.functions[f];
    let mut k = 0usize;
    let mut removed = false;
    for b in func.blocks.values_mut() {
        let mut keep = Vec::with_capacity(b.insts.len());
        for inst in b.insts.drain(..) {
            let in_range = k >= start && k < start + count;
            k += 1;
            if in_range && !inst.is_terminator() {
                removed = true;
                continue;
            }
            keep.push(inst);
        }
        b.insts = keep;
    }
    if !removed {
        return None;
    }
    func.canonicalize();
    Some(c)
}

/// `m` with the `i`-th instruction of block `b` of `f`, if it defines a value, replaced by
/// `const k`.
fn to_const(m: &Module, f: FuncId, b: Block, i: usize, k: Constant) -> Option<Module> {
    let inst = m.functions[f].blocks.get(b)?.insts.get(i)?;
    let dest = inst.dest()?;
    if matches!(inst, Inst::Const { .. } | Inst::Phi { .. }) {
        return None;
    }
    let mut c = m.clone();
    c.functions[f].blocks[b].insts[i] = Inst::Const { dest, value: k };
    Some(c)
}

/// `m` with the branch ending block `b` of `f` replaced by a jump to its then (`side`) or else
/// target, the blocks that become unreachable removed and the phis adjusted.
fn branch_to_jump(m: &Module, f: FuncId, b: Block, side: bool) -> Option<Module> {
    let Some(Inst::Branch {
        then_block,
        else_block,
        ..
    }) = m.functions[f].blocks.get(b)?.insts.last()
    else {
        return None;
    };
    let (keep, drop) = if side {
        (*then_block, *else_block)
    } else {
        (*else_block, *then_block)
    };
    let mut c = m.clone();
    let func = &mut c.functions[f];
    if let Some(last) = func.blocks[b].insts.last_mut() {
        *last = Inst::Jump { target: keep };
    }
    if keep != drop {
        // `b` is no longer a predecessor of `drop`.
        for inst in &mut func.blocks[drop].insts {
            if let Inst::Phi { inputs, .. } = inst {
                inputs.retain(|(p, _)| *p != b);
            }
        }
    }
    remove_unreachable(func);
    Some(c)
}

/// `m` with the jump or branch ending block `b` of `f` replaced by a bare `ret`.
fn terminator_to_ret(m: &Module, f: FuncId, b: Block) -> Option<Module> {
    let last = m.functions[f].blocks.get(b)?.insts.last()?;
    if !matches!(last, Inst::Jump { .. } | Inst::Branch { .. }) {
        return None;
    }
    let mut c = m.clone();
    let func = &mut c.functions[f];
    let succs = func.successors(b);
    if let Some(last) = func.blocks[b].insts.last_mut() {
        *last = Inst::Return { value: None };
    }
    for s in succs {
        for inst in &mut func.blocks[s].insts {
            if let Inst::Phi { inputs, .. } = inst {
                inputs.retain(|(p, _)| *p != b);
            }
        }
    }
    remove_unreachable(func);
    Some(c)
}

/// `m` with block `a` of `f`, which ends in `jump B`, merged with `B` when `a` is `B`'s only
/// predecessor (`B`'s phis, which then have one input, are replaced by that input).
fn merge_jump(m: &Module, f: FuncId, a: Block) -> Option<Module> {
    let func = &m.functions[f];
    let Some(Inst::Jump { target }) = func.blocks.get(a)?.insts.last() else {
        return None;
    };
    let b = *target;
    if b == a || b == Block(0) {
        return None;
    }
    let preds = func
        .blocks
        .keys()
        .filter(|p| func.successors(*p).contains(&b))
        .count();
    if preds != 1 {
        return None;
    }
    let mut c = m.clone();
    let func = &mut c.functions[f];
    let moved = std::mem::take(&mut func.blocks[b].insts);
    let mut subst: Vec<(mir14_mir::Value, mir14_mir::Value)> = Vec::new();
    let mut rest = Vec::new();
    for inst in moved {
        match inst {
            Inst::Phi { dest, inputs } if inputs.len() == 1 && inputs[0].1 != dest => {
                subst.push((dest, inputs[0].1))
            }
            other => rest.push(other),
        }
    }
    let body = &mut func.blocks[a].insts;
    body.pop();
    body.extend(rest);
    // Uses of the removed phis take their input; edges from `b` now leave from `a`.
    for data in func.blocks.values_mut() {
        for inst in &mut data.insts {
            inst.map_uses(|u| {
                // Phis of one block read their inputs in parallel: one step of substitution.
                if let Some((_, v)) = subst.iter().find(|(d, _)| d == u) {
                    *u = *v;
                }
            });
            if let Inst::Phi { inputs, .. } = inst {
                for (p, _) in inputs.iter_mut() {
                    if *p == b {
                        *p = a;
                    }
                }
            }
        }
    }
    for l in &mut func.loops {
        for x in [&mut l.header, &mut l.body, &mut l.latch, &mut l.exit] {
            if *x == b {
                *x = a;
            }
        }
    }
    // `b` is now empty and unreachable; drop it.
    remove_unreachable(func);
    Some(c)
}

/// Removes blocks unreachable from the entry (renumbering blocks, dropping phi inputs from
/// removed blocks and loop declarations that name them).
fn remove_unreachable(func: &mut Function) {
    let n = func.blocks.len();
    if n == 0 {
        return;
    }
    let mut seen = vec![false; n];
    let mut stack = vec![Block(0)];
    while let Some(b) = stack.pop() {
        if b.index() >= n || seen[b.index()] {
            continue;
        }
        seen[b.index()] = true;
        stack.extend(func.successors(b));
    }
    if seen.iter().all(|s| *s) {
        return;
    }
    let mut map = vec![None; n];
    let mut blocks = mir14_mir::entity::Arena::new();
    for (id, data) in func.blocks.iter() {
        if seen[id.index()] {
            map[id.index()] = Some(blocks.push(data.clone()));
        }
    }
    let new = |b: Block| map.get(b.index()).copied().flatten();
    for data in blocks.values_mut() {
        for inst in &mut data.insts {
            match inst {
                Inst::Phi { inputs, .. } => {
                    inputs.retain(|(p, _)| new(*p).is_some());
                    for (p, _) in inputs.iter_mut() {
                        *p = new(*p).unwrap_or(*p);
                    }
                }
                Inst::Jump { target } => *target = new(*target).unwrap_or(*target),
                Inst::Branch {
                    then_block,
                    else_block,
                    ..
                } => {
                    *then_block = new(*then_block).unwrap_or(*then_block);
                    *else_block = new(*else_block).unwrap_or(*else_block);
                }
                _ => {}
            }
        }
    }
    func.blocks = blocks;
    func.loops = func
        .loops
        .iter()
        .filter_map(|l| {
            Some(mir14_mir::LoopForm {
                header: new(l.header)?,
                body: new(l.body)?,
                latch: new(l.latch)?,
                exit: new(l.exit)?,
            })
        })
        .collect();
    func.canonicalize();
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Counts `binop div` instructions, the "bug" the shrinker keeps.
    fn has_div(m: &Module) -> bool {
        m.functions.values().any(|f| {
            f.blocks.values().any(|b| {
                b.insts.iter().any(|i| {
                    matches!(
                        i,
                        Inst::Binary {
                            op: mir14_mir::BinOp::Div,
                            ..
                        }
                    )
                })
            })
        })
    }

    #[test]
    fn shrinks_to_a_small_verified_module_that_stays_interesting() {
        let mut found = 0;
        for seed in 0..40u64 {
            let m = crate::generate(seed);
            if !has_div(&m) {
                continue;
            }
            found += 1;
            let small = shrink(&m, 3000, &mut |c| has_div(c));
            assert!(mir14_mir::verify(&small).is_ok());
            assert!(has_div(&small));
            let before: usize = m.functions.values().map(Function::inst_count).sum();
            let after: usize = small.functions.values().map(Function::inst_count).sum();
            assert!(after < before, "seed {seed}: {after} !< {before}");
            // The smallest module with a div: its operands, the div, a terminator (and the
            // operands' consts): no more than a handful of instructions, in @main alone.
            assert!(
                after <= 8,
                "seed {seed}: {after}\n{}",
                mir14_mir::print(&small)
            );
        }
        assert!(found > 5);
    }

    #[test]
    fn methods_of_a_removed_box_become_functions() {
        let src = "box A {}\n\nfn @A.m(%x) {\nbb0:\n  ret %x\n}\n\nfn @A_m() {\nbb0:\n  ret\n}\n\n\
                   fn @main() {\nbb0:\n  %x = const 1\n  %r = call @A.m(%x)\n  ret %r\n}\n";
        let (m, _) = mir14_mir::parse(src).unwrap();
        let c = remove_box(&m, mir14_mir::BoxId(0)).unwrap();
        mir14_mir::verify(&c).unwrap();
        let text = mir14_mir::print(&c);
        assert!(text.starts_with("fn @A_m_(%x) {"), "{text}");
        assert!(text.contains("call @A_m_(%x)"), "{text}");
    }

    #[test]
    fn unused_boxes_go_and_ids_follow() {
        let src = "box A { x }\n\nbox B { y }\n\nbox C {}\n\nfn @main() {\nbb0:\n  %c = new C()\n  %k = typeop check %c C\n  ret\n}\n";
        let (m, _) = mir14_mir::parse(src).unwrap();
        let small = shrink(&m, 100, &mut |c| {
            mir14_mir::print(c).contains("typeop check")
        });
        assert_eq!(
            mir14_mir::print(&small),
            "box C {}\n\nfn @main() {\nbb0:\n  %c = const 0\n  %k = typeop check %c C\n  ret\n}\n"
        );
        assert!(remove_box(&m, mir14_mir::BoxId(2)).is_none());
    }

    #[test]
    fn unused_parameters_go_with_their_arguments() {
        let src = "box P { x }\n\nfn @P.birth(%me, %a, %b) {\nbb0:\n  store %me.x = %b\n  ret\n}\n\nfn @f(%u, %w) {\nbb0:\n  ret %w\n}\n\nfn @main() {\nbb0:\n  %1 = const 1\n  %2 = const 2\n  %p = new P(%1, %2)\n  %r = call @f(%1, %2)\n  ret %r\n}\n";
        let (m, _) = mir14_mir::parse(src).unwrap();
        let c = remove_param(&m, FuncId(1), 0).unwrap();
        assert!(mir14_mir::verify(&c).is_ok());
        assert!(mir14_mir::print(&c).contains("fn @f(%w) {"));
        assert!(mir14_mir::print(&c).contains("%r = call @f(%2)"));
        let c = remove_param(&m, FuncId(0), 1).unwrap();
        assert!(mir14_mir::verify(&c).is_ok());
        assert!(mir14_mir::print(&c).contains("%p = new P(%2)"));
        assert!(remove_param(&m, FuncId(0), 2).is_none());
        assert!(remove_param(&m, FuncId(1), 1).is_none());
    }

    #[test]
    fn branch_to_jump_drops_unreachable_blocks() {
        let src = "fn @main() {\nbb0:\n  %c = const true\n  branch %c, a, b\na:\n  jump j\nb:\n  jump j\nj:\n  %x = phi [a: %c], [b: %c]\n  ret\n}\n";
        let (m, _) = mir14_mir::parse(src).unwrap();
        let c = branch_to_jump(&m, FuncId(0), Block(0), true).unwrap();
        assert!(mir14_mir::verify(&c).is_ok());
        assert_eq!(
            mir14_mir::print(&c),
            "fn @main() {\nbb0:\n  %c = const true\n  jump a\na:\n  jump j\nj:\n  %x = phi [a: %c]\n  ret\n}\n"
        );
    }
}
