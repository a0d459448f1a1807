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

// ---------------------------------------------------------------------------------------------
// LoopForms
// ---------------------------------------------------------------------------------------------

/// Checks one LoopForm against the CFG (spec §7 rule 7) and returns every violated rule as a
/// message of spec §7.1 (`loop header bb1 does not dominate bb3`, ...). Empty when the LoopForm
/// is valid. Does not check that no other LoopForm shares the header (a module-level rule).
///
/// The loop's blocks are the natural loop of the header over its back edges and the latch.
/// `body == header` (a one-block loop) and `latch == header` are allowed.
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
    // The latch must jump back to the header.
    if !cfg.successors(latch).contains(&header) {
        errs.push(format!(
            "latch {} has no edge to header {}",
            name(latch),
            name(header)
        ));
    }
    // No other block may have a back edge to the header.
    let mut sources = vec![latch];
    for &p in cfg.predecessors(header) {
        if p != latch && cfg.is_reachable(p) && dom.dominates(header, p) {
            errs.push(format!(
                "back edge from {} to header {} is not from the latch",
                name(p),
                name(header)
            ));
            sources.push(p);
        }
    }
    // The latch's only back edge goes to the header.
    for &s in cfg.successors(latch) {
        if s != header && cfg.is_reachable(latch) && dom.dominates(s, latch) {
            errs.push(format!(
                "latch {} also has a back edge to {}",
                name(latch),
                name(s)
            ));
        }
    }
    let blocks = loop_blocks(cfg, header, &sources);
    // The header dominates the latch, the body and every block of the loop.
    let mut must: BTreeSet<Block> = blocks.clone();
    must.insert(latch);
    must.insert(lf.body);
    for &b in &must {
        if !dom.dominates(header, b) {
            errs.push(format!(
                "loop header {} does not dominate {}",
                name(header),
                name(b)
            ));
        }
    }
    // The header ends in a branch to body (inside) and exit (outside), in either order.
    let in_loop = |b: Block| blocks.contains(&b);
    let header_ok = match f.blocks.get(header).and_then(|d| d.insts.last()) {
        Some(Inst::Branch {
            then_block,
            else_block,
            ..
        }) => {
            let targets = (*then_block, *else_block);
            (targets == (lf.body, lf.exit) || targets == (lf.exit, lf.body))
                && lf.body != lf.exit
                && in_loop(lf.body)
                && !in_loop(lf.exit)
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
    // Every edge leaving the loop goes to the exit.
    for &b in &blocks {
        for &s in cfg.successors(b) {
            if !in_loop(s) && s != lf.exit {
                errs.push(format!(
                    "edge from {} to {} leaves the loop but does not go to exit {}",
                    name(b),
                    name(s),
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
/// Branch with one target inside the loop (the body) and one outside (the exit), and every edge
/// leaving the loop going to the exit (the full [`check_loopform`] must pass). Each other
/// undeclared loop gets a warning; so does each irreducible cycle (legal IR, never an error).
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
        // The rest (exits, the latch's other back edges) as the verifier checks it.
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
}

impl CallGraph {
    /// Builds the call graph of `m`.
    pub fn new(m: &Module) -> CallGraph {
        let n = m.functions.len();
        let mut edges: Vec<CallEdge> = Vec::new();
        let mut dynamic = vec![false; n];
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
                                .and_then(|d| m.function_by_name(&format!("{}.birth", d.name)));
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
                                let target = m.boxes.get(*b).and_then(|d| {
                                    m.function_by_name(&format!("{}.{}", d.name, method))
                                });
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
        CallGraph {
            graph,
            edges,
            callees,
            callers,
            dynamic,
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
        if f.index() >= self.callees.len() {
            return false;
        }
        if self.callees(f).contains(&f) {
            return true;
        }
        self.sccs().iter().any(|c| c.len() > 1 && c.contains(&f))
    }

    /// The underlying petgraph graph: node `i` is function `i`, edges labelled by kind.
    pub fn graph(&self) -> &DiGraph<FuncId, CallKind> {
        &self.graph
    }
}
