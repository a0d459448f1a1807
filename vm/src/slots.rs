//! Register slots: values whose live ranges do not overlap share a register, so a frame holds
//! about as many registers as the function has values live at once, not one per value (a
//! function with 12,000 values recursing 100,000 deep needs a few registers per activation).
//!
//! The live range of a value is over-approximated by one interval of positions, blocks in
//! reverse postorder (instruction `i` of a block at `start + i`, the block's outgoing edge,
//! where its successors' phi copies run, at `start + len`): the hull of its definition, its
//! uses and the start and end of every block it is live into or out of, found by walking
//! predecessors back from each use to the definition (each block at most once per value).
//! The walks share a budget linear in the size of the function; past it, a use in block `U`
//! extends the hull to the end of `U`'s strongly connected component instead, which is also
//! sound: a block where the value is live reaches `U` without the definition, so it is in
//! `U`'s component or comes before `U` in reverse postorder, and it comes after the
//! definition's block, which dominates it. Two values share a
//! register only when their intervals are disjoint; closed intervals make an instruction's
//! result and an operand dying there distinct, so an op may write its result before reading
//! all operands, and a phi's copy never overwrites a value the same edge still reads.
//! Parameters keep registers `0..nparams` (callers write arguments there).
//!
//! Intervals are coloured by a linear scan in order of start, reusing the lowest free
//! register: `O(n log n)` plus the size of the liveness walks.

use mir14_mir::analysis::Cfg;
use mir14_mir::{Block, Function, Inst, Value};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// The register of every value of `f` (indexed by value) and the number of registers used.
/// `f`'s values must be in range (the decoder checks this first); parameters must be the first
/// values.
pub(crate) fn assign(f: &Function) -> (Vec<u32>, u32) {
    assign_with_budget(f, None)
}

/// [`assign`] with the liveness walks' budget given (`None`: linear in the size of `f`).
fn assign_with_budget(f: &Function, walk_budget: Option<u64>) -> (Vec<u32>, u32) {
    let nv = f.values.len();
    let nb = f.blocks.len();
    // Positions: the strongly connected components in topological order, the blocks of each
    // in reverse postorder (so a block comes after its dominators, and every block that
    // reaches another comes before it or is in its component), then the unreachable blocks;
    // each block spans `len + 1` positions, the last one its outgoing edge.
    let cfg = Cfg::new(f);
    let comp = components(&cfg);
    let mut rpo_index = vec![0usize; nb];
    for (i, b) in cfg.reverse_postorder().iter().enumerate() {
        rpo_index[b.index()] = i;
    }
    let mut order: Vec<Block> = cfg.reverse_postorder().to_vec();
    // Tarjan numbers components in reverse topological order.
    order.sort_by_key(|b| (Reverse(comp[b.index()]), rpo_index[b.index()]));
    order.extend(f.blocks.keys().filter(|&b| !cfg.is_reachable(b)));
    let mut start = vec![0u32; nb];
    let mut pos = 0u32;
    for &b in &order {
        start[b.index()] = pos;
        pos += f.blocks[b].insts.len() as u32 + 1;
    }
    let end = |b: Block| start[b.index()] + f.blocks[b].insts.len() as u32;
    // The last position of each block's component.
    let mut comp_end: Vec<u32> = vec![0; nb];
    for &b in &order {
        if cfg.is_reachable(b) {
            let c = comp[b.index()] as usize;
            comp_end[c] = comp_end[c].max(end(b));
        }
    }
    let scc_end: Vec<u32> = (0..nb)
        .map(|i| {
            if cfg.is_reachable(Block(i as u32)) {
                comp_end[comp[i] as usize]
            } else {
                0
            }
        })
        .collect();
    // The liveness walks' budget: each step visits a block or an edge.
    let mut budget: u64 = walk_budget.unwrap_or(4 * (nb as u64 + u64::from(pos)) + 4096);
    let mut lo = vec![u32::MAX; nv];
    let mut hi = vec![0u32; nv];
    let cover = |lo: &mut [u32], hi: &mut [u32], v: Value, p: u32| {
        let i = v.index();
        lo[i] = lo[i].min(p);
        hi[i] = hi[i].max(p);
    };
    // Definitions: parameters at position 0 in the entry block; a phi from the block's start
    // to its first instruction that is not a phi (where the trace reads phis).
    let mut def_block: Vec<Option<Block>> = vec![None; nv];
    for p in &f.params {
        if p.value.index() < nv {
            def_block[p.value.index()] = Some(Block(0));
            cover(&mut lo, &mut hi, p.value, 0);
        }
    }
    let mut preds: Vec<Vec<Block>> = vec![Vec::new(); nb];
    for (b, data) in f.blocks.iter() {
        let s = start[b.index()];
        let nphis = data
            .insts
            .iter()
            .take_while(|i| matches!(i, Inst::Phi { .. }))
            .count() as u32;
        for (i, inst) in data.insts.iter().enumerate() {
            if let Some(d) = inst.dest() {
                if d.index() < nv {
                    def_block[d.index()].get_or_insert(b);
                    cover(&mut lo, &mut hi, d, s + i as u32);
                    if let Inst::Phi { inputs, .. } = inst {
                        cover(&mut lo, &mut hi, d, s + nphis);
                        // Written by the copies on the edges from the predecessors.
                        for &(p, _) in inputs {
                            if p.index() < nb {
                                cover(&mut lo, &mut hi, d, end(p));
                            }
                        }
                    }
                }
            }
        }
        if let Some(last) = data.insts.last().filter(|i| i.is_terminator()) {
            for t in last.successors() {
                // A block's edges are added together: a repeated one is the last entry.
                if t.index() < nb && preds[t.index()].last() != Some(&b) {
                    preds[t.index()].push(b);
                }
            }
        }
    }
    // Uses, and the blocks each value is live into (walked back to its definition).
    let mut mark = vec![u32::MAX; nb];
    let mut stack: Vec<Block> = Vec::new();
    let mut live_in = |lo: &mut [u32], hi: &mut [u32], v: Value, from: Block| {
        let d = def_block[v.index()];
        if d == Some(from) {
            return;
        }
        if budget == 0 {
            cover(lo, hi, v, start[from.index()]);
            // Past the budget: the end of `from`'s component bounds the live range.
            cover(lo, hi, v, scc_end[from.index()]);
            return;
        }
        stack.clear();
        stack.push(from);
        while let Some(y) = stack.pop() {
            if mark[y.index()] == v.0 {
                continue;
            }
            budget = budget.saturating_sub(1 + preds[y.index()].len() as u64);
            if budget == 0 {
                cover(lo, hi, v, scc_end[from.index()]);
                return;
            }
            mark[y.index()] = v.0;
            cover(lo, hi, v, start[y.index()]);
            for &p in &preds[y.index()] {
                cover(lo, hi, v, end(p));
                if Some(p) != d && mark[p.index()] != v.0 {
                    stack.push(p);
                }
            }
        }
    };
    for (b, data) in f.blocks.iter() {
        let s = start[b.index()];
        for (i, inst) in data.insts.iter().enumerate() {
            match inst {
                Inst::Phi { inputs, .. } => {
                    // Read at the end of the predecessor.
                    for &(p, v) in inputs {
                        if v.index() < nv && p.index() < nb {
                            cover(&mut lo, &mut hi, v, end(p));
                            live_in(&mut lo, &mut hi, v, p);
                        }
                    }
                }
                _ => inst.for_each_use(|v| {
                    if v.index() < nv {
                        cover(&mut lo, &mut hi, v, s + i as u32);
                        live_in(&mut lo, &mut hi, v, b);
                    }
                }),
            }
        }
    }
    // Linear scan in order of start (parameters first: they are the first values and start at
    // 0), reusing the lowest free register.
    let mut order: Vec<usize> = (0..nv).collect();
    for i in 0..nv {
        if lo[i] == u32::MAX {
            // Neither defined nor used: any register will do.
            lo[i] = 0;
            hi[i] = 0;
        }
    }
    order.sort_by_key(|&i| (lo[i], i));
    let mut slots = vec![0u32; nv];
    let mut active: BinaryHeap<Reverse<(u32, u32)>> = BinaryHeap::new(); // (end, register)
    let mut free: BinaryHeap<Reverse<u32>> = BinaryHeap::new();
    let mut nslots = 0u32;
    for i in order {
        while let Some(&Reverse((e, r))) = active.peek() {
            if e >= lo[i] {
                break;
            }
            active.pop();
            free.push(Reverse(r));
        }
        let r = match free.pop() {
            Some(Reverse(r)) => r,
            None => {
                nslots += 1;
                nslots - 1
            }
        };
        slots[i] = r;
        active.push(Reverse((hi[i], r)));
    }
    (slots, nslots.max(f.params.len() as u32))
}

/// The strongly connected component of each reachable block (`u32::MAX` for the others), by
/// Tarjan's algorithm (iterative): components are numbered in reverse topological order (a
/// component reaching another has the larger number).
fn components(cfg: &Cfg) -> Vec<u32> {
    let n = cfg.num_blocks();
    const UNSEEN: u32 = u32::MAX;
    let mut comp = vec![UNSEEN; n];
    let mut index = vec![UNSEEN; n];
    let mut low = vec![0u32; n];
    let mut on_stack = vec![false; n];
    let mut stack: Vec<Block> = Vec::new();
    let (mut next, mut ncomp) = (0u32, 0u32);
    let Some(root) = cfg.entry() else {
        return comp;
    };
    // (block, index of its next successor)
    let mut call: Vec<(Block, usize)> = vec![(root, 0)];
    index[root.index()] = next;
    low[root.index()] = next;
    next += 1;
    stack.push(root);
    on_stack[root.index()] = true;
    while let Some(top) = call.last_mut() {
        let (b, i) = *top;
        if let Some(&s) = cfg.successors(b).get(i) {
            top.1 += 1;
            if index[s.index()] == UNSEEN {
                index[s.index()] = next;
                low[s.index()] = next;
                next += 1;
                stack.push(s);
                on_stack[s.index()] = true;
                call.push((s, 0));
            } else if on_stack[s.index()] {
                low[b.index()] = low[b.index()].min(index[s.index()]);
            }
            continue;
        }
        call.pop();
        if let Some(&(p, _)) = call.last() {
            low[p.index()] = low[p.index()].min(low[b.index()]);
        }
        if low[b.index()] == index[b.index()] {
            // `b` roots a component: pop its blocks.
            loop {
                let x = stack.pop().expect("Tarjan stack");
                on_stack[x.index()] = false;
                comp[x.index()] = ncomp;
                if x == b {
                    break;
                }
            }
            ncomp += 1;
        }
    }
    comp
}

#[cfg(test)]
mod tests {
    use super::*;

    fn func(src: &str) -> Function {
        let (m, _) = mir14_mir::parse(src).unwrap();
        m.functions.values().next().unwrap().clone()
    }

    #[test]
    fn a_long_chain_needs_a_few_registers() {
        // 10,000 values, each used once by the next: the frame needs 3 registers (the
        // parameter, the constant and the chain), not 10,002.
        let mut src =
            String::from("fn @f(%p) {\nbb0:\n  %one = const 1\n  %v0 = binop add %p, %one\n");
        for i in 1..10_000 {
            src += &format!("  %v{i} = binop add %v{}, %one\n", i - 1);
        }
        src += "  ret %v9999\n}\n";
        let f = func(&src);
        let (slots, n) = assign(&f);
        assert_eq!(slots[0], 0, "the parameter keeps register 0");
        assert!(n <= 4, "{n} registers");
    }

    #[test]
    fn values_live_at_once_get_distinct_registers() {
        // With the liveness walks, and with component hulls only (no walk budget).
        for budget in [None, Some(0), Some(3)] {
            live_at_once(budget);
        }
    }

    fn live_at_once(budget: Option<u64>) {
        // %a and %b are live across the loop; %i and %j through the back edge; the phi's
        // copy on the edge from `body` reads %j while writing %i.
        let f = func(
            "fn @f(%n) {\nbb0:\n  %a = const 1\n  %b = const 2\n  %z = const 0\n  jump h\nh:\n  %i = phi [bb0: %z], [body: %j]\n  %c = compare lt %i, %n\n  branch %c, body, x\nbody:\n  %j = binop add %i, %a\n  jump h\nx:\n  %r = binop add %i, %b\n  ret %r\n}\n",
        );
        let (slots, n) = assign_with_budget(&f, budget);
        let s = |name: &str| slots[f.value_by_name(name).unwrap().index()];
        let live_together = [
            ("n", "a"),
            ("n", "b"),
            ("a", "b"),
            ("a", "i"),
            ("b", "i"),
            ("b", "j"),
            ("a", "j"),
            ("n", "i"),
            ("n", "j"),
            ("i", "j"),
            ("i", "c"),
            ("b", "c"),
        ];
        for (x, y) in live_together {
            assert_ne!(s(x), s(y), "%{x} and %{y} share a register");
        }
        assert!(n < f.values.len() as u32 + 1);
    }
}
