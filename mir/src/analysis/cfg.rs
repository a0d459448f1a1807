//! The control-flow graph: successors, predecessors, reachability, reverse postorder.

use crate::ir::{Block, Function};
use petgraph::graph::{DiGraph, NodeIndex};

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
