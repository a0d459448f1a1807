//! Back edges, natural loops and irreducible loop entries.

use super::*;
use crate::ir::{Block, Function};
use std::collections::{BTreeSet, HashSet};

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
    // (header, latch) pairs grouped by header, latches in block order.
    let mut pairs: Vec<(Block, Block)> = back_edges.iter().map(|(s, h)| (h, s)).collect();
    pairs.sort();
    pairs.dedup();
    let mut out: Vec<NaturalLoop> = Vec::new();
    for (header, latch) in pairs {
        match out.last_mut() {
            Some(l) if l.header == header => l.latches.push(latch),
            _ => out.push(NaturalLoop {
                header,
                latches: vec![latch],
                blocks: BTreeSet::new(),
            }),
        }
    }
    for l in &mut out {
        l.blocks = loop_blocks(cfg, l.header, &l.latches);
    }
    out
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
