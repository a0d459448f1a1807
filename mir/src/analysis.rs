//! Analyses: predecessors/successors ([`Cfg`]), the dominator tree ([`DomTree`]), back edges
//! ([`BackEdges`]), natural loops ([`NaturalLoop`]), LoopForm checking and inference
//! ([`check_loopform`], [`infer_loopforms`]), definition sites ([`def_sites`]) and the call graph
//! ([`CallGraph`]).
//!
//! Every analysis accepts any function, however broken: a block with no terminator has no
//! successors, branch targets out of range are ignored (the verifier reports them), unreachable
//! blocks have no immediate dominator. Nothing here panics.
//!
//! Dangling entities are printed with a `?` and their index (`bb` labels of blocks that do not
//! exist print as `?9`, functions as `@?3`), see [`block_name`].

use crate::entity::SecondaryMap;
use crate::ir::{
    Block, BoxClass, Callee, Constant, FuncId, Function, Inst, LoopForm, Module, Value,
};
use crate::span::Location;
use petgraph::algo::dominators::simple_fast;
use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::{BTreeSet, HashSet};

/// The label of block `b` of `f`, or `?N` if `b` does not exist.
pub fn block_name(f: &Function, b: Block) -> String {
    match f.blocks.get(b) {
        Some(data) => data.label.clone(),
        None => format!("?{}", b.0),
    }
}

/// The name of value `v` of `f` with its `%`, or `%?N` if `v` does not exist.
pub fn value_name(f: &Function, v: Value) -> String {
    match f.values.get(v) {
        Some(data) => format!("%{}", data.name),
        None => format!("%?{}", v.0),
    }
}

/// The name of function `id` with its `@`, or `@?N` if `id` does not exist.
pub fn function_name(m: &Module, id: FuncId) -> String {
    match m.functions.get(id) {
        Some(f) => format!("@{}", f.name),
        None => format!("@?{}", id.0),
    }
}

// ---------------------------------------------------------------------------------------------
// CFG
// ---------------------------------------------------------------------------------------------

/// The control-flow graph of one function: successors and predecessors of every block, the set
/// of blocks reachable from the entry, and a reverse postorder of the reachable blocks.
///
/// Successors come from the block's last instruction if it is a terminator (`branch %c, bb1,
/// bb1` has the single successor `bb1`: lists hold each block once, in first-occurrence order).
/// Targets that are not blocks of the function are left out.
#[derive(Clone, Debug)]
pub struct Cfg {
    succs: Vec<Vec<Block>>,
    preds: Vec<Vec<Block>>,
    reachable: Vec<bool>,
    rpo: Vec<Block>,
}

impl Cfg {
    /// Builds the CFG of `f`.
    pub fn new(f: &Function) -> Cfg {
        let n = f.blocks.len();
        let mut succs: Vec<Vec<Block>> = vec![Vec::new(); n];
        let mut preds: Vec<Vec<Block>> = vec![Vec::new(); n];
        for (b, data) in f.blocks.iter() {
            let Some(term) = data.insts.last().filter(|i| i.is_terminator()) else {
                continue;
            };
            for s in term.successors() {
                // Drop dangling targets and duplicates.
                if s.index() < n && !succs[b.index()].contains(&s) {
                    succs[b.index()].push(s);
                    preds[s.index()].push(b);
                }
            }
        }
        // Iterative DFS from the entry computing the postorder.
        let mut reachable = vec![false; n];
        let mut post = Vec::with_capacity(n);
        if n > 0 {
            let mut stack: Vec<(Block, usize)> = vec![(Block(0), 0)];
            reachable[0] = true;
            while let Some(top) = stack.last_mut() {
                let (b, next) = *top;
                if let Some(&s) = succs[b.index()].get(next) {
                    top.1 += 1;
                    if !reachable[s.index()] {
                        reachable[s.index()] = true;
                        stack.push((s, 0));
                    }
                } else {
                    post.push(b);
                    stack.pop();
                }
            }
        }
        post.reverse();
        Cfg {
            succs,
            preds,
            reachable,
            rpo: post,
        }
    }

    /// The number of blocks (reachable or not).
    pub fn num_blocks(&self) -> usize {
        self.succs.len()
    }

    /// The entry block, if the function has blocks.
    pub fn entry(&self) -> Option<Block> {
        if self.succs.is_empty() {
            None
        } else {
            Some(Block(0))
        }
    }

    /// The successors of `b` (empty for a block out of range).
    pub fn successors(&self, b: Block) -> &[Block] {
        self.succs.get(b.index()).map_or(&[], |v| v.as_slice())
    }

    /// The predecessors of `b`, reachable or not, in block order (empty for a block out of range).
    pub fn predecessors(&self, b: Block) -> &[Block] {
        self.preds.get(b.index()).map_or(&[], |v| v.as_slice())
    }

    /// True when `b` is reachable from the entry block.
    pub fn is_reachable(&self, b: Block) -> bool {
        self.reachable.get(b.index()).copied().unwrap_or(false)
    }

    /// The reachable blocks in reverse postorder (the entry first).
    pub fn reverse_postorder(&self) -> &[Block] {
        &self.rpo
    }

    /// Every edge `(from, to)`, in block order.
    pub fn edges(&self) -> impl Iterator<Item = (Block, Block)> + '_ {
        self.succs
            .iter()
            .enumerate()
            .flat_map(|(i, ss)| ss.iter().map(move |&s| (Block(i as u32), s)))
    }

    /// The CFG as a petgraph graph: node `i` is block `i`, one edge per CFG edge.
    pub fn to_graph(&self) -> DiGraph<Block, ()> {
        let mut g = DiGraph::with_capacity(self.num_blocks(), 0);
        for i in 0..self.num_blocks() {
            g.add_node(Block(i as u32));
        }
        for (a, b) in self.edges() {
            g.add_edge(NodeIndex::new(a.index()), NodeIndex::new(b.index()), ());
        }
        g
    }
}

// ---------------------------------------------------------------------------------------------
// Dominators
// ---------------------------------------------------------------------------------------------

/// The dominator tree of a function's reachable blocks (computed with petgraph's
/// `simple_fast`).
///
/// Unreachable blocks are not in the tree: they have no immediate dominator, dominate nothing
/// but themselves and are dominated by nothing but themselves.
#[derive(Clone, Debug)]
pub struct DomTree {
    idom: Vec<Option<Block>>,
    children: Vec<Vec<Block>>,
    reachable: Vec<bool>,
    // Preorder entry and exit numbers in the tree: `a` dominates `b` iff `b`'s interval nests
    // inside `a`'s.
    pre: Vec<u32>,
    post: Vec<u32>,
}

impl DomTree {
    /// Computes the dominator tree of `cfg`.
    pub fn new(cfg: &Cfg) -> DomTree {
        let n = cfg.num_blocks();
        let mut idom = vec![None; n];
        let mut children = vec![Vec::new(); n];
        let reachable: Vec<bool> = (0..n).map(|i| cfg.is_reachable(Block(i as u32))).collect();
        if n > 0 {
            let g = cfg.to_graph();
            let doms = simple_fast(&g, NodeIndex::new(0));
            for (i, slot) in idom.iter_mut().enumerate() {
                if reachable[i] {
                    *slot = doms
                        .immediate_dominator(NodeIndex::new(i))
                        .map(|d| Block(d.index() as u32));
                }
            }
            for (i, d) in idom.iter().enumerate() {
                if let Some(d) = d {
                    children[d.index()].push(Block(i as u32));
                }
            }
        }
        // Number the tree by an iterative DFS from the entry.
        let mut pre = vec![u32::MAX; n];
        let mut post = vec![0; n];
        let mut clock = 0u32;
        if n > 0 {
            let mut stack: Vec<(usize, usize)> = vec![(0, 0)];
            pre[0] = clock;
            clock += 1;
            while let Some(top) = stack.last_mut() {
                let (b, next) = *top;
                if let Some(&c) = children[b].get(next) {
                    top.1 += 1;
                    pre[c.index()] = clock;
                    clock += 1;
                    stack.push((c.index(), 0));
                } else {
                    post[b] = clock;
                    clock += 1;
                    stack.pop();
                }
            }
        }
        DomTree {
            idom,
            children,
            reachable,
            pre,
            post,
        }
    }

    /// Builds the CFG and the dominator tree of `f`.
    pub fn of(f: &Function) -> (Cfg, DomTree) {
        let cfg = Cfg::new(f);
        let dom = DomTree::new(&cfg);
        (cfg, dom)
    }

    /// The immediate dominator of `b`; `None` for the entry block, unreachable blocks and blocks
    /// out of range.
    pub fn idom(&self, b: Block) -> Option<Block> {
        self.idom.get(b.index()).copied().flatten()
    }

    /// The blocks `b` immediately dominates, in block order.
    pub fn children(&self, b: Block) -> &[Block] {
        self.children.get(b.index()).map_or(&[], |v| v.as_slice())
    }

    /// True when `b` is reachable (in the tree).
    pub fn is_reachable(&self, b: Block) -> bool {
        self.reachable.get(b.index()).copied().unwrap_or(false)
    }

    /// True when `a` dominates `b` (every path from the entry to `b` passes through `a`).
    /// Reflexive: a block dominates itself, even an unreachable one. Otherwise false whenever
    /// either block is unreachable or out of range.
    pub fn dominates(&self, a: Block, b: Block) -> bool {
        if a == b {
            return true;
        }
        if !self.is_reachable(a) || !self.is_reachable(b) {
            return false;
        }
        let (a, b) = (a.index(), b.index());
        self.pre[a] <= self.pre[b] && self.post[b] <= self.post[a]
    }

    /// True when `a` dominates `b` and `a != b`.
    pub fn strictly_dominates(&self, a: Block, b: Block) -> bool {
        a != b && self.dominates(a, b)
    }
}

// ---------------------------------------------------------------------------------------------
// Back edges and natural loops
// ---------------------------------------------------------------------------------------------

/// The back edges of a function: edges `from → to` between reachable blocks where `to`
/// dominates `from` (spec §5: the VM and the JIT spend one unit of fuel on each).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BackEdges {
    edges: Vec<(Block, Block)>,
    set: HashSet<(Block, Block)>,
}

impl BackEdges {
    /// Finds the back edges of `cfg` given its dominator tree.
    pub fn new(cfg: &Cfg, dom: &DomTree) -> BackEdges {
        let mut edges = Vec::new();
        for (from, to) in cfg.edges() {
            if cfg.is_reachable(from) && dom.dominates(to, from) {
                edges.push((from, to));
            }
        }
        let set = edges.iter().copied().collect();
        BackEdges { edges, set }
    }

    /// Finds the back edges of `f`.
    pub fn of(f: &Function) -> BackEdges {
        let (cfg, dom) = DomTree::of(f);
        BackEdges::new(&cfg, &dom)
    }

    /// The edges that spend fuel (spec §5): the retreating edges of the reverse postorder, i.e.
    /// edges `from → to` between reachable blocks where `to` does not come after `from` in
    /// [`Cfg::reverse_postorder`]. On a reducible CFG these are exactly the back edges; on an
    /// irreducible one they also include one edge of every cycle that no block dominates, so a
    /// program with `--fuel` always terminates.
    pub fn fuel_edges(f: &Function) -> BackEdges {
        let cfg = Cfg::new(f);
        let mut index = vec![usize::MAX; cfg.num_blocks()];
        for (i, b) in cfg.reverse_postorder().iter().enumerate() {
            index[b.index()] = i;
        }
        let edges: Vec<(Block, Block)> = cfg
            .edges()
            .filter(|(from, to)| {
                cfg.is_reachable(*from) && index[to.index()] <= index[from.index()]
            })
            .collect();
        let set = edges.iter().copied().collect();
        BackEdges { edges, set }
    }

    /// True when `from → to` is a back edge.
    pub fn contains(&self, from: Block, to: Block) -> bool {
        self.set.contains(&(from, to))
    }

    /// Every back edge `(from, to)`, in order of `from` then successor order.
    pub fn iter(&self) -> impl Iterator<Item = (Block, Block)> + '_ {
        self.edges.iter().copied()
    }

    /// The number of back edges.
    pub fn len(&self) -> usize {
        self.edges.len()
    }

    /// True when there is no back edge (the function has no reducible loop).
    pub fn is_empty(&self) -> bool {
        self.edges.is_empty()
    }
}

/// A natural loop: a header and every block that reaches one of its back edges' sources without
/// passing through the header. One per header: back edges into the same header are merged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NaturalLoop {
    /// The header: the target of the back edges; it dominates every block of the loop.
    pub header: Block,
    /// The sources of the back edges into the header, in block order.
    pub latches: Vec<Block>,
    /// Every block of the loop, the header included.
    pub blocks: BTreeSet<Block>,
}

impl NaturalLoop {
    /// True when `b` belongs to the loop.
    pub fn contains(&self, b: Block) -> bool {
        self.blocks.contains(&b)
    }
}

/// The blocks of the loop with header `header` whose back edges come from `sources`: the header
/// plus every reachable block from which a source is reached backwards without passing through
/// the header.
pub fn loop_blocks(cfg: &Cfg, header: Block, sources: &[Block]) -> BTreeSet<Block> {
    let mut blocks = BTreeSet::new();
    blocks.insert(header);
    let mut stack: Vec<Block> = sources.iter().copied().filter(|&s| s != header).collect();
    while let Some(b) = stack.pop() {
        if !blocks.insert(b) {
            continue;
        }
        for &p in cfg.predecessors(b) {
            if cfg.is_reachable(p) && !blocks.contains(&p) {
                stack.push(p);
            }
        }
    }
    blocks
}

/// The natural loops of a function, ordered by header block.
pub fn natural_loops(cfg: &Cfg, back_edges: &BackEdges) -> Vec<NaturalLoop> {
    let mut headers: Vec<Block> = back_edges.iter().map(|(_, h)| h).collect();
    headers.sort();
    headers.dedup();
    headers
        .into_iter()
        .map(|header| {
            let mut latches: Vec<Block> = back_edges
                .iter()
                .filter(|&(_, h)| h == header)
                .map(|(s, _)| s)
                .collect();
            latches.sort();
            latches.dedup();
            let blocks = loop_blocks(cfg, header, &latches);
            NaturalLoop {
                header,
                latches,
                blocks,
            }
        })
        .collect()
}

/// The targets of retreating edges that are not back edges: entries of irreducible cycles (a
/// cycle with no header dominating it). Found by a DFS from the entry; each target once, in
/// block order. Empty for reducible control flow.
pub fn irreducible_entries(cfg: &Cfg, dom: &DomTree) -> Vec<(Block, Block)> {
    let n = cfg.num_blocks();
    let mut out = Vec::new();
    if n == 0 {
        return out;
    }
    // 0 = unvisited, 1 = on the DFS stack, 2 = finished.
    let mut state = vec![0u8; n];
    let mut stack: Vec<(Block, usize)> = vec![(Block(0), 0)];
    state[0] = 1;
    while let Some(top) = stack.last_mut() {
        let (b, next) = *top;
        if let Some(&s) = cfg.successors(b).get(next) {
            top.1 += 1;
            match state[s.index()] {
                0 => {
                    state[s.index()] = 1;
                    stack.push((s, 0));
                }
                1 if !dom.dominates(s, b) => out.push((b, s)),
                _ => {}
            }
        } else {
            state[b.index()] = 2;
            stack.pop();
        }
    }
    out.sort_by_key(|&(_, t)| t);
    out.dedup_by_key(|&mut (_, t)| t);
    out
}

/// Every per-function analysis at once, for backends and tools: the CFG, the dominator tree,
/// the back edges (fuel accounting) and the natural loops.
#[derive(Clone, Debug)]
pub struct FunctionAnalysis {
    /// Successors, predecessors, reachability, reverse postorder.
    pub cfg: Cfg,
    /// The dominator tree.
    pub dom: DomTree,
    /// The back edges.
    pub back_edges: BackEdges,
    /// The natural loops, by header.
    pub loops: Vec<NaturalLoop>,
    /// Where each value is defined.
    pub defs: SecondaryMap<Value, Option<DefSite>>,
}

impl FunctionAnalysis {
    /// Analyses `f`.
    pub fn new(f: &Function) -> FunctionAnalysis {
        let (cfg, dom) = DomTree::of(f);
        let back_edges = BackEdges::new(&cfg, &dom);
        let loops = natural_loops(&cfg, &back_edges);
        FunctionAnalysis {
            cfg,
            dom,
            back_edges,
            loops,
            defs: def_sites(f),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// LoopForms
// ---------------------------------------------------------------------------------------------

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
/// violation as a message of spec §7.1 (`loop header bb1 does not dominate bb3`, ...). Empty
/// when the LoopForm is valid. Does not check that no two declarations share a header.
///
/// The loop's blocks are its region ([`loop_region`]): by construction every edge leaving the
/// region goes to the exit. `body == header` (a one-block loop) and `latch == header` are
/// allowed.
pub fn check_loopform(f: &Function, cfg: &Cfg, dom: &DomTree, lf: &LoopForm) -> Vec<String> {
    let mut errs = Vec::new();
    let n = cfg.num_blocks();
    for b in [lf.header, lf.body, lf.latch, lf.exit] {
        if b.index() >= n {
            errs.push(format!("unknown block {}", block_name(f, b)));
        }
    }
    if !errs.is_empty() {
        errs.dedup();
        return errs;
    }
    let name = |b: Block| block_name(f, b);
    let (header, latch) = (lf.header, lf.latch);
    let region = loop_region(f, cfg, lf);
    let in_region = |b: Block| region.contains(&b);
    // L1: the header dominates every block of the region.
    for &b in &region {
        if !dom.dominates(header, b) {
            errs.push(format!(
                "loop header {} does not dominate {}",
                name(header),
                name(b)
            ));
        }
    }
    // L2: the latch jumps back to the header and is in the region.
    if !cfg.successors(latch).contains(&header) {
        errs.push(format!(
            "latch {} has no edge to header {}",
            name(latch),
            name(header)
        ));
    } else if !in_region(latch) {
        errs.push(format!(
            "latch {} is not inside the loop of header {}",
            name(latch),
            name(header)
        ));
    }
    // L3: every other edge into the header from the region, or any other back edge into the
    // header (from a block the header dominates, e.g. behind the exit), is reported.
    for &p in cfg.predecessors(header) {
        let back = cfg.is_reachable(p) && dom.dominates(header, p);
        if p != latch && (in_region(p) || back) {
            errs.push(format!(
                "back edge from {} to header {} is not from the latch",
                name(p),
                name(header)
            ));
        }
    }
    // L3: the latch's only back edge goes to the header.
    for &s in cfg.successors(latch) {
        if s != header && cfg.is_reachable(latch) && dom.dominates(s, latch) {
            errs.push(format!(
                "latch {} also has a back edge to {}",
                name(latch),
                name(s)
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
        errs.push(format!(
            "header {} must end with a branch to body {} and exit {}",
            name(header),
            name(lf.body),
            name(lf.exit)
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
                errs.push(format!(
                    "block {} of the loop at {} is also reachable from exit {}",
                    name(b),
                    name(header),
                    name(lf.exit)
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
    for nl in natural_loops(&cfg, &back) {
        if f.loops.iter().any(|l| l.header == nl.header) {
            continue;
        }
        let warn = |reason: String| {
            (
                nl.header,
                format!(
                    "loop at {} is not in canonical form: {}",
                    name(nl.header),
                    reason
                ),
            )
        };
        // Exactly one latch.
        if nl.latches.len() != 1 {
            let names: Vec<String> = nl.latches.iter().map(|&b| name(b)).collect();
            let reason = match names.as_slice() {
                [a, b] => format!("two latches {a} and {b}"),
                [init @ .., last] => {
                    format!("{} latches {} and {}", names.len(), init.join(", "), last)
                }
                [] => "no latch".to_string(),
            };
            out.warnings.push(warn(reason));
            continue;
        }
        let latch = nl.latches[0];
        // The header branches to one block inside the loop and one outside.
        let targets = match f.blocks.get(nl.header).and_then(|d| d.insts.last()) {
            Some(Inst::Branch {
                then_block,
                else_block,
                ..
            }) => Some((*then_block, *else_block)),
            _ => None,
        };
        let split = targets.and_then(|(t, e)| match (nl.contains(t), nl.contains(e)) {
            (true, false) => Some((t, e)),
            (false, true) => Some((e, t)),
            _ => None,
        });
        let Some((body, exit)) = split else {
            out.warnings.push(warn(format!(
                "header {} does not end with a branch to one block inside the loop and one outside it",
                name(nl.header)
            )));
            continue;
        };
        let lf = LoopForm {
            header: nl.header,
            body,
            latch,
            exit,
        };
        // The rest (the region's dominance, the latch's other back edges) as the verifier
        // checks it.
        match check_loopform(f, &cfg, &dom, &lf).into_iter().next() {
            Some(reason) => out.warnings.push(warn(reason)),
            None => out.loops.push(lf),
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

// ---------------------------------------------------------------------------------------------
// Definition sites
// ---------------------------------------------------------------------------------------------

/// Where a value is defined.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum DefSite {
    /// The `n`-th parameter (defined on entry, before the entry block's first instruction).
    Param(usize),
    /// The result of instruction `index` of `block`.
    Inst(Block, usize),
}

impl DefSite {
    /// The block the definition is in (the entry block for parameters).
    pub fn block(self) -> Block {
        match self {
            DefSite::Param(_) => Block(0),
            DefSite::Inst(b, _) => b,
        }
    }
}

/// The definition site of every value of `f`: `defs[v]` is `None` for a value defined nowhere.
/// A value defined more than once (invalid) maps to its first definition (parameters first,
/// then in block order). Definitions of values out of range are ignored.
pub fn def_sites(f: &Function) -> SecondaryMap<Value, Option<DefSite>> {
    let mut defs: SecondaryMap<Value, Option<DefSite>> =
        SecondaryMap::with_capacity(f.values.len());
    for (i, p) in f.params.iter().enumerate() {
        if f.values.contains(p.value) && defs[p.value].is_none() {
            defs[p.value] = Some(DefSite::Param(i));
        }
    }
    for (b, data) in f.blocks.iter() {
        for (i, inst) in data.insts.iter().enumerate() {
            if let Some(d) = inst.dest() {
                if f.values.contains(d) && defs[d].is_none() {
                    defs[d] = Some(DefSite::Inst(b, i));
                }
            }
        }
    }
    defs
}

// ---------------------------------------------------------------------------------------------
// Call graph
// ---------------------------------------------------------------------------------------------

/// Why a call-graph edge exists.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CallKind {
    /// `call @f(...)`.
    Direct,
    /// `call %r.Point::m(...)`: a statically named method.
    StaticMethod,
    /// `const @f`: the function's address is taken (it may be called through the FunctionBox).
    AddressTaken,
    /// `new Point(...)` runs `@Point.birth`.
    Birth,
}

/// One edge of the call graph.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct CallEdge {
    /// The calling function.
    pub caller: FuncId,
    /// The called (or address-taken) function.
    pub callee: FuncId,
    /// Why.
    pub kind: CallKind,
}

/// The module's call graph: static edges from `call @f`, `call %r.B::m`, `const @f` and
/// `new B` (to `@B.birth`), and per function a flag for dynamic calls (`call %f(...)`,
/// `call %r.m(...)`), whose targets are not known statically. Ids out of range are ignored.
#[derive(Clone, Debug)]
pub struct CallGraph {
    graph: DiGraph<FuncId, CallKind>,
    edges: Vec<CallEdge>,
    callees: Vec<Vec<FuncId>>,
    callers: Vec<Vec<FuncId>>,
    dynamic: Vec<bool>,
    recursive: Vec<bool>,
}

impl CallGraph {
    /// Builds the call graph of `m`.
    pub fn new(m: &Module) -> CallGraph {
        let n = m.functions.len();
        let mut edges: Vec<CallEdge> = Vec::new();
        let mut dynamic = vec![false; n];
        // Names to ids; the first declaration of a name wins, as in the parser.
        let mut by_name: std::collections::HashMap<&str, FuncId> = Default::default();
        for (id, f) in m.functions.iter() {
            by_name.entry(f.name.as_str()).or_insert(id);
        }
        let named = |name: String| by_name.get(name.as_str()).copied();
        for (caller, f) in m.functions.iter() {
            let mut add = |callee: Option<FuncId>, kind: CallKind| {
                if let Some(callee) = callee.filter(|c| c.index() < n) {
                    let e = CallEdge {
                        caller,
                        callee,
                        kind,
                    };
                    if !edges.contains(&e) {
                        edges.push(e);
                    }
                }
            };
            for data in f.blocks.values() {
                for inst in &data.insts {
                    match inst {
                        Inst::Const {
                            value: Constant::Func(g),
                            ..
                        } => add(Some(*g), CallKind::AddressTaken),
                        Inst::NewBox {
                            class: BoxClass::User(b),
                            ..
                        } => {
                            let birth = m
                                .boxes
                                .get(*b)
                                .and_then(|d| named(format!("{}.birth", d.name)));
                            add(birth, CallKind::Birth);
                        }
                        Inst::Call { callee, .. } | Inst::ExternCall { callee, .. } => match callee
                        {
                            Callee::Global(g) => add(Some(*g), CallKind::Direct),
                            Callee::Method {
                                box_name: Some(b),
                                method,
                                ..
                            } => {
                                let target = m
                                    .boxes
                                    .get(*b)
                                    .and_then(|d| named(format!("{}.{}", d.name, method)));
                                add(target, CallKind::StaticMethod);
                            }
                            Callee::Method { box_name: None, .. } | Callee::Value(_) => {
                                dynamic[caller.index()] = true;
                            }
                            Callee::Extern(_) => {}
                        },
                        _ => {}
                    }
                }
            }
        }
        let mut graph = DiGraph::with_capacity(n, edges.len());
        for id in m.functions.keys() {
            graph.add_node(id);
        }
        let mut callees = vec![Vec::new(); n];
        let mut callers = vec![Vec::new(); n];
        for e in &edges {
            graph.add_edge(
                NodeIndex::new(e.caller.index()),
                NodeIndex::new(e.callee.index()),
                e.kind,
            );
            if !callees[e.caller.index()].contains(&e.callee) {
                callees[e.caller.index()].push(e.callee);
            }
            if !callers[e.callee.index()].contains(&e.caller) {
                callers[e.callee.index()].push(e.caller);
            }
        }
        for v in callees.iter_mut().chain(callers.iter_mut()) {
            v.sort();
        }
        // A function is recursive when it calls itself or shares an SCC with another.
        let mut recursive: Vec<bool> = (0..n)
            .map(|i| callees[i].contains(&FuncId(i as u32)))
            .collect();
        for scc in tarjan_scc(&graph) {
            if scc.len() > 1 {
                for node in scc {
                    recursive[node.index()] = true;
                }
            }
        }
        CallGraph {
            graph,
            edges,
            callees,
            callers,
            dynamic,
            recursive,
        }
    }

    /// The functions `f` calls, names statically or takes the address of, in id order.
    pub fn callees(&self, f: FuncId) -> &[FuncId] {
        self.callees.get(f.index()).map_or(&[], |v| v.as_slice())
    }

    /// The functions that call `f`, name it statically or take its address, in id order.
    pub fn callers(&self, f: FuncId) -> &[FuncId] {
        self.callers.get(f.index()).map_or(&[], |v| v.as_slice())
    }

    /// True when `f` makes a dynamic call (`call %f(...)` or `call %r.m(...)`).
    pub fn has_dynamic_calls(&self, f: FuncId) -> bool {
        self.dynamic.get(f.index()).copied().unwrap_or(false)
    }

    /// Every edge, in caller order then instruction order (each `(caller, callee, kind)` once).
    pub fn edges(&self) -> &[CallEdge] {
        &self.edges
    }

    /// The strongly connected components, callees before callers (reverse topological order of
    /// the condensation); each component's functions in id order.
    pub fn sccs(&self) -> Vec<Vec<FuncId>> {
        tarjan_scc(&self.graph)
            .into_iter()
            .map(|c| {
                let mut c: Vec<FuncId> = c.into_iter().map(|n| self.graph[n]).collect();
                c.sort();
                c
            })
            .collect()
    }

    /// True when `f` can reach itself through static edges (including a self call).
    pub fn is_recursive(&self, f: FuncId) -> bool {
        self.recursive.get(f.index()).copied().unwrap_or(false)
    }

    /// The underlying petgraph graph: node `i` is function `i`, edges labelled by kind.
    pub fn graph(&self) -> &DiGraph<FuncId, CallKind> {
        &self.graph
    }
}

#[cfg(test)]
pub(crate) mod tests {
    //! Tests of the analyses, and `T`, a small helper to build IR by hand (shared with the
    //! verifier's tests).

    use super::*;
    use crate::ir::{BinOp, BlockData, BoxDecl, CmpOp, ExternFn, LoopForm, Param, ValueData};

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
                "loop at bb1 is not in canonical form: loop header bb1 does not dominate bb5"
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
                "loop header bb3 does not dominate bb1",
                "loop header bb3 does not dominate bb2",
                "back edge from bb2 to header bb3 is not from the latch",
                "header bb3 must end with a branch to body bb4 and exit bb7",
            ]
        );
        // Latch bb0 (the preheader): it jumps to bb1 but is outside the region.
        assert_eq!(
            check_loopform(&f, &cfg, &dom, &lf(1, 2, 0, 7)),
            vec![
                "latch bb0 is not inside the loop of header bb1",
                "back edge from bb6 to header bb1 is not from the latch",
            ]
        );
        // Out of range header: an empty region, and the check reports the block.
        assert!(loop_region(&f, &cfg, &lf(30, 2, 6, 7)).is_empty());
        assert_eq!(
            check_loopform(&f, &cfg, &dom, &lf(30, 2, 6, 7)),
            vec!["unknown block ?30"]
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
                "unknown block ?0",
                "unknown block ?1",
                "unknown block ?2",
                "unknown block ?3"
            ]
        );
    }
}
