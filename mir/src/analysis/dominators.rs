//! The dominator tree of the reachable blocks.

use super::*;
use crate::ir::{Block, Function};
use petgraph::algo::dominators::simple_fast;
use petgraph::graph::NodeIndex;

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

    /// The preorder number of `b` in the dominator tree (`u32::MAX` for unreachable blocks and
    /// blocks out of range): a block's dominators have smaller numbers.
    pub fn preorder(&self, b: Block) -> u32 {
        self.pre.get(b.index()).copied().unwrap_or(u32::MAX)
    }

    /// True when `a` dominates `b` and `a != b`.
    pub fn strictly_dominates(&self, a: Block, b: Block) -> bool {
        a != b && self.dominates(a, b)
    }
}
