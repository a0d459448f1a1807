//! LoopForms (spec §7.3): regions, the L1–L6 check, inference of undeclared canonical loops and
//! the loop warnings of `mir14 check`.

use super::*;
use crate::display::block_name;
use crate::ir::{Block, Function, Inst, LoopForm, Module};
use crate::span::{Location, LoopPart};
use std::collections::{BTreeSet, HashSet};

/// Where a LoopForm violation is best shown (see [`check_loopform_sites`]).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum LoopSite {
    /// A label of the `loop` declaration.
    Label(LoopPart),
    /// The edge from the first block to the second: the target label in the first block's
    /// terminator.
    Edge(Block, Block),
    /// The terminator of a block (the header's, for L4).
    Terminator(Block),
}

/// The REGION of a LoopForm (spec §7.3): every block reachable from the header without passing
/// through the exit, the header included and the exit excluded. The traversal follows CFG
/// successors and never enters `lf.exit`, so `break` blocks (`jump exit`) and blocks ending in
/// `ret` inside the loop belong to the region, and every edge leaving the region goes to the
/// exit. Blocks out of range are skipped; an out-of-range header gives an empty set.
pub fn loop_region(f: &Function, cfg: &Cfg, lf: &LoopForm) -> BTreeSet<Block> {
    let mut region = BTreeSet::new();
    if lf.header.index() >= cfg.num_blocks() || !f.blocks.contains(lf.header) {
        return region;
    }
    // Depth-first from the header; the header itself is in even when it is the exit.
    let mut stack = vec![lf.header];
    while let Some(b) = stack.pop() {
        if !region.insert(b) {
            continue;
        }
        for &s in cfg.successors(b) {
            if s != lf.exit && !region.contains(&s) {
                stack.push(s);
            }
        }
    }
    region
}

/// Checks one LoopForm against the CFG (spec §7.3, checks L1–L4 in that order) and returns every
/// violation as a message of spec §7.1 (``loop header `bb1` does not dominate `bb3` ``, ...). Empty
/// when the LoopForm is valid. Does not check that no two declarations share a header.
///
/// The loop's blocks are its region ([`loop_region`]): by construction every edge leaving the
/// region goes to the exit. `body == header` (a one-block loop) and `latch == header` are
/// allowed.
pub fn check_loopform(f: &Function, cfg: &Cfg, dom: &DomTree, lf: &LoopForm) -> Vec<String> {
    check_loopform_sites(f, cfg, dom, lf)
        .into_iter()
        .map(|(_, message)| message)
        .collect()
}

/// [`check_loopform`], each message with the place that shows it best: the label of the
/// declaration it is about, the offending edge, or the header's terminator.
pub fn check_loopform_sites(
    f: &Function,
    cfg: &Cfg,
    dom: &DomTree,
    lf: &LoopForm,
) -> Vec<(LoopSite, String)> {
    let mut errs: Vec<(LoopSite, String)> = Vec::new();
    let n = cfg.num_blocks();
    let parts = [
        LoopPart::Header,
        LoopPart::Body,
        LoopPart::Latch,
        LoopPart::Exit,
    ];
    for (b, part) in [lf.header, lf.body, lf.latch, lf.exit]
        .into_iter()
        .zip(parts)
    {
        let message = format!("unknown block `{}`", block_name(f, b));
        if b.index() >= n && !errs.iter().any(|(_, m)| *m == message) {
            errs.push((LoopSite::Label(part), message));
        }
    }
    if !errs.is_empty() {
        return errs;
    }
    let name = |b: Block| format!("`{}`", block_name(f, b));
    let (header, latch) = (lf.header, lf.latch);
    let region = loop_region(f, cfg, lf);
    let in_region = |b: Block| region.contains(&b);
    // L1: the header dominates every block of the region.
    for &b in &region {
        if !dom.dominates(header, b) {
            errs.push((
                LoopSite::Label(LoopPart::Header),
                format!("loop header {} does not dominate {}", name(header), name(b)),
            ));
        }
    }
    // L2: the latch jumps back to the header and is in the region.
    if !cfg.successors(latch).contains(&header) {
        errs.push((
            LoopSite::Label(LoopPart::Latch),
            format!(
                "latch {} has no edge to header {}",
                name(latch),
                name(header)
            ),
        ));
    } else if !in_region(latch) {
        errs.push((
            LoopSite::Label(LoopPart::Latch),
            format!(
                "latch {} is not inside the loop of header {}",
                name(latch),
                name(header)
            ),
        ));
    }
    // L3: every other edge into the header from the region, or any other back edge into the
    // header (from a block the header dominates, e.g. behind the exit), is reported.
    for &p in cfg.predecessors(header) {
        let back = cfg.is_reachable(p) && dom.dominates(header, p);
        if p != latch && (in_region(p) || back) {
            errs.push((
                LoopSite::Edge(p, header),
                format!(
                    "back edge from {} to header {} is not from the latch {}",
                    name(p),
                    name(header),
                    name(latch)
                ),
            ));
        }
    }
    // L3: the latch's only back edge goes to the header.
    for &s in cfg.successors(latch) {
        if s != header && cfg.is_reachable(latch) && dom.dominates(s, latch) {
            errs.push((
                LoopSite::Edge(latch, s),
                format!("latch {} also has a back edge to {}", name(latch), name(s)),
            ));
        }
    }
    // L4: the header ends in a branch to body (in the region) and exit, in either order.
    let header_ok = match f.blocks.get(header).and_then(|d| d.insts.last()) {
        Some(Inst::Branch {
            then_block,
            else_block,
            ..
        }) => {
            let targets = (*then_block, *else_block);
            (targets == (lf.body, lf.exit) || targets == (lf.exit, lf.body))
                && lf.body != lf.exit
                && in_region(lf.body)
                && !in_region(lf.exit)
        }
        _ => false,
    };
    if !header_ok {
        errs.push((
            LoopSite::Terminator(header),
            format!(
                "header {} must end with a branch to body {} and exit {}",
                name(header),
                name(lf.body),
                name(lf.exit)
            ),
        ));
    }
    // L5: the exit is the only way out: no block of the region but the header is reachable from
    // the exit without passing through the header (blocks already failing L1 are not repeated).
    if !in_region(lf.exit) {
        let mut seen = vec![false; n];
        let mut stack = vec![lf.exit];
        seen[lf.exit.index()] = true;
        while let Some(b) = stack.pop() {
            for &s in cfg.successors(b) {
                if s != header && !seen[s.index()] {
                    seen[s.index()] = true;
                    stack.push(s);
                }
            }
        }
        for &b in &region {
            if b != header && seen[b.index()] && dom.dominates(header, b) {
                errs.push((
                    LoopSite::Label(LoopPart::Exit),
                    format!(
                        "block {} of the loop at {} is also reachable from exit {}",
                        name(b),
                        name(header),
                        name(lf.exit)
                    ),
                ));
            }
        }
    }
    errs
}

/// The result of [`infer_loopforms`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LoopInference {
    /// LoopForms inferred for undeclared natural loops already in canonical shape, by header.
    pub loops: Vec<LoopForm>,
    /// Loops that are not in canonical form: the header (or, for irreducible control flow, the
    /// block the cycle is entered at) and a message
    /// `loop at bb1 is not in canonical form: <reason>`.
    pub warnings: Vec<(Block, String)>,
}

/// Infers a LoopForm for every natural loop of `f` that has no declared LoopForm (no entry of
/// `f.loops` with that header) and is already canonical: a single latch, a header ending in a
/// Branch with one target inside the natural loop (the body) and one outside (the exit), and
/// the candidate `LoopForm { header, body, latch, exit }` passing [`check_loopform`] (region
/// semantics: break blocks and returning blocks inside the loop are fine, a region reaching a
/// block the header does not dominate is not). Each other undeclared loop gets a warning; so
/// does each irreducible cycle (legal IR, never an error).
pub fn infer_loopforms(f: &Function) -> LoopInference {
    let (cfg, dom) = DomTree::of(f);
    let back = BackEdges::new(&cfg, &dom);
    let mut out = LoopInference::default();
    let name = |b: Block| block_name(f, b);
    let declared: HashSet<Block> = f.loops.iter().map(|l| l.header).collect();
    // Candidates (in header order) whose L1–L4 check is still to come, by index in `out`'s
    // order: a candidate LoopForm, or an early warning.
    enum Step {
        Candidate(LoopForm),
        Warning(Block, String),
    }
    let warn = |h: Block, reason: String| {
        Step::Warning(
            h,
            format!("loop at {} is not in canonical form: {}", name(h), reason),
        )
    };
    let mut steps = Vec::new();
    for (header, latches, split) in natural_loop_splits(f, &cfg, &dom, &back) {
        if declared.contains(&header) {
            continue;
        }
        // Exactly one latch.
        if latches.len() != 1 {
            let names: Vec<String> = latches.iter().map(|&b| name(b)).collect();
            let reason = match names.as_slice() {
                [a, b] => format!("two latches {a} and {b}"),
                [init @ .., last] => {
                    format!("{} latches {} and {}", names.len(), init.join(", "), last)
                }
                [] => "no latch".to_string(),
            };
            steps.push(warn(header, reason));
            continue;
        }
        // The header branches to one block inside the loop and one outside.
        let Some((body, exit)) = split else {
            steps.push(warn(
                header,
                format!(
                    "header {} does not end with a branch to one block inside the loop and one outside it",
                    name(header)
                ),
            ));
            continue;
        };
        steps.push(Step::Candidate(LoopForm {
            header,
            body,
            latch: latches[0],
            exit,
        }));
    }
    // The rest (the region's dominance, the latch's other back edges) as the verifier checks
    // it, for all candidates at once.
    let candidates: Vec<LoopForm> = steps
        .iter()
        .filter_map(|s| match s {
            Step::Candidate(lf) => Some(*lf),
            Step::Warning(..) => None,
        })
        .collect();
    let mut verdicts = check_loopforms(f, &cfg, &dom, &candidates).into_iter();
    for step in steps {
        match step {
            Step::Warning(h, msg) => out.warnings.push((h, msg)),
            Step::Candidate(lf) => match verdicts.next().unwrap_or_default().into_iter().next() {
                Some(reason) => {
                    if let Step::Warning(h, msg) = warn(lf.header, reason) {
                        out.warnings.push((h, msg));
                    }
                }
                None => out.loops.push(lf),
            },
        }
    }
    for (from, to) in irreducible_entries(&cfg, &dom) {
        out.warnings.push((
            to,
            format!(
                "loop at {} is not in canonical form: irreducible control flow (the edge from {} to {} is not a back edge)",
                name(to),
                name(from),
                name(to)
            ),
        ));
    }
    out
}

/// The loop warnings of every function of `m` (for `mir14 check`), each located at the label of
/// the loop header's block.
pub fn module_loop_warnings(m: &Module) -> Vec<(Location, String)> {
    let mut out = Vec::new();
    for (id, f) in m.functions.iter() {
        for (b, msg) in infer_loopforms(f).warnings {
            out.push((Location::Block(id, b), msg));
        }
    }
    out
}

/// For every natural loop of `f` (by header, in block order): its header, its latches (sorted)
/// and, when the header ends in a `branch` with exactly one target inside the natural loop,
/// `(that target, the other)`. Computed without building the loops' block sets: the loops are
/// built innermost first (a nested header is dominated by its outer one) by backward walks
/// that step over inner loops already collapsed into their header with a union-find (every
/// edge into a natural loop enters at its header), and each header's branch targets are looked
/// up right after its loop is built. Near-linear in the size of the function.
#[allow(clippy::type_complexity)]
pub(crate) fn natural_loop_splits(
    f: &Function,
    cfg: &Cfg,
    dom: &DomTree,
    back: &BackEdges,
) -> Vec<(Block, Vec<Block>, Option<(Block, Block)>)> {
    let n = cfg.num_blocks();
    let mut pairs: Vec<(Block, Block)> = back.iter().map(|(s, h)| (h, s)).collect();
    pairs.sort();
    pairs.dedup();
    // One entry per header, latches in block order.
    let mut loops: Vec<(Block, Vec<Block>, Option<(Block, Block)>)> = Vec::new();
    for (h, s) in pairs {
        match loops.last_mut() {
            Some((lh, latches, _)) if *lh == h => latches.push(s),
            _ => loops.push((h, vec![s], None)),
        }
    }
    let mut order: Vec<usize> = (0..loops.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(dom.preorder(loops[i].0)));
    let mut parent: Vec<u32> = (0..n as u32).collect();
    let find = |parent: &mut Vec<u32>, b: Block| -> Block {
        let mut x = b.index();
        while parent[x] as usize != x {
            let p = parent[x] as usize;
            parent[x] = parent[p];
            x = parent[x] as usize;
        }
        Block(x as u32)
    };
    let mut mark = vec![u32::MAX; n];
    let mut stack = Vec::new();
    let mut members = Vec::new();
    for li in order {
        let h = loops[li].0;
        if h.index() >= n {
            continue;
        }
        members.clear();
        for &l in &loops[li].1 {
            let r = find(&mut parent, l);
            stack.push(r);
        }
        while let Some(x) = stack.pop() {
            if x == h || mark[x.index()] == li as u32 {
                continue;
            }
            mark[x.index()] = li as u32;
            members.push(x);
            // `x` is a block or the header of a collapsed inner loop: in both cases the loop
            // is entered only through `x`'s own predecessors.
            for &p in cfg.predecessors(x) {
                if cfg.is_reachable(p) {
                    let r = find(&mut parent, p);
                    if r != h && mark[r.index()] != li as u32 {
                        stack.push(r);
                    }
                }
            }
        }
        for &x in &members {
            parent[x.index()] = h.0;
        }
        let targets = match f.blocks.get(h).and_then(|d| d.insts.last()) {
            Some(Inst::Branch {
                then_block,
                else_block,
                ..
            }) => Some((*then_block, *else_block)),
            _ => None,
        };
        let mut inside = |b: Block| b == h || (b.index() < n && find(&mut parent, b) == h);
        loops[li].2 = targets.and_then(|(t, e)| match (inside(t), inside(e)) {
            (true, false) => Some((t, e)),
            (false, true) => Some((e, t)),
            _ => None,
        });
    }
    loops
}
