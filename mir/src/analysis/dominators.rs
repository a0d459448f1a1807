//! The dominator tree of the reachable blocks.

use super::*;
use crate::ir::{Block, Function};

/// The dominator tree of a function's reachable blocks (computed by Lengauer and Tarjan's
/// algorithm with path compression: O(m log n) on every graph, where the iterative
/// Cooper–Harvey–Kennedy scheme is quadratic on long dispatcher chains and wide joins).
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
            for (i, d) in immediate_dominators(cfg).into_iter().enumerate() {
                idom[i] = d.map(|d| Block(d as u32));
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

/// The immediate dominator of every block of `cfg` (`None` for the entry and unreachable
/// blocks), by Lengauer and Tarjan's "simple" algorithm: a DFS numbering, semidominators
/// computed in reverse preorder over a forest linked with path compression, then idoms from
/// semidominators. Everything is iterative, so a graph of any depth is safe on the stack.
fn immediate_dominators(cfg: &Cfg) -> Vec<Option<usize>> {
    const NONE: u32 = u32::MAX;
    let n = cfg.num_blocks();
    // DFS preorder from the entry: `num[b]` is b's number, `vertex[i]` the block numbered i,
    // `parent[i]` the number of its DFS-tree parent.
    let mut num = vec![NONE; n];
    let mut vertex: Vec<u32> = Vec::with_capacity(n);
    let mut parent: Vec<u32> = Vec::with_capacity(n);
    let mut stack: Vec<(u32, usize)> = Vec::new();
    num[0] = 0;
    vertex.push(0);
    parent.push(NONE);
    stack.push((0, 0));
    while let Some(top) = stack.last_mut() {
        let (b, next) = *top;
        match cfg.successors(Block(b)).get(next) {
            Some(&s) => {
                top.1 += 1;
                if num[s.index()] == NONE {
                    num[s.index()] = vertex.len() as u32;
                    parent.push(num[b as usize]);
                    vertex.push(s.0);
                    stack.push((s.0, 0));
                }
            }
            None => {
                stack.pop();
            }
        }
    }
    let count = vertex.len();
    // All of the following work on preorder numbers.
    let mut semi: Vec<u32> = (0..count as u32).collect();
    let mut idom: Vec<u32> = vec![NONE; count];
    let mut ancestor: Vec<u32> = vec![NONE; count];
    let mut label: Vec<u32> = (0..count as u32).collect();
    // bucket[v]: the vertices whose semidominator is v, as linked lists through `next`.
    let mut bucket: Vec<u32> = vec![NONE; count];
    let mut next: Vec<u32> = vec![NONE; count];
    let mut path: Vec<u32> = Vec::new();

    // The vertex of smallest semidominator on the forest path above v (v's label after
    // compressing the path to its root).
    let eval =
        |v: u32, ancestor: &mut [u32], label: &mut [u32], semi: &[u32], path: &mut Vec<u32>| {
            if ancestor[v as usize] == NONE {
                return v;
            }
            // Collect the path up to the vertex just below the root, then compress it top-down.
            path.clear();
            let mut u = v;
            while ancestor[ancestor[u as usize] as usize] != NONE {
                path.push(u);
                u = ancestor[u as usize];
            }
            while let Some(w) = path.pop() {
                let a = ancestor[w as usize];
                if semi[label[a as usize] as usize] < semi[label[w as usize] as usize] {
                    label[w as usize] = label[a as usize];
                }
                ancestor[w as usize] = ancestor[a as usize];
            }
            label[v as usize]
        };

    for w in (1..count as u32).rev() {
        // The semidominator: the smallest over predecessors of eval(pred).
        for &p in cfg.predecessors(Block(vertex[w as usize])) {
            let v = num[p.index()];
            if v == NONE {
                continue;
            }
            let u = eval(v, &mut ancestor, &mut label, &semi, &mut path);
            if semi[u as usize] < semi[w as usize] {
                semi[w as usize] = semi[u as usize];
            }
        }
        let s = semi[w as usize] as usize;
        next[w as usize] = bucket[s];
        bucket[s] = w;
        // Link w under its parent, then settle the parent's bucket.
        let p = parent[w as usize];
        ancestor[w as usize] = p;
        let mut v = std::mem::replace(&mut bucket[p as usize], NONE);
        while v != NONE {
            let u = eval(v, &mut ancestor, &mut label, &semi, &mut path);
            idom[v as usize] = if semi[u as usize] < semi[v as usize] {
                u
            } else {
                p
            };
            v = next[v as usize];
        }
    }
    // Vertices whose idom was deferred take their semidominator's idom, in preorder.
    for w in 1..count {
        if idom[w] != semi[w] {
            idom[w] = idom[idom[w] as usize];
        }
    }
    let mut out = vec![None; n];
    for w in 1..count {
        out[vertex[w] as usize] = Some(vertex[idom[w] as usize] as usize);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::tests::{br, jmp, ret, T};
    use petgraph::algo::dominators::simple_fast;
    use petgraph::graph::NodeIndex;

    /// A function of `n` blocks whose block `b` ends in a jump to `succs[b][0]`, a branch to
    /// both of `succs[b]`, or a return when it has none.
    fn function_of(succs: &[Vec<usize>]) -> Function {
        let labels: Vec<String> = (0..succs.len()).map(|b| format!("b{b}")).collect();
        let names: Vec<&str> = labels.iter().map(String::as_str).collect();
        let mut t = T::new("f", &["c"], &names);
        for (b, s) in succs.iter().enumerate() {
            let c = t.v("c");
            let inst = match s.as_slice() {
                [] => ret(None),
                [x] => jmp(t.b(&labels[*x])),
                [x, y, ..] => br(c, t.b(&labels[*x]), t.b(&labels[*y])),
            };
            t.at(&labels[b], vec![inst]);
        }
        t.done()
    }

    /// The immediate dominators by petgraph's iterative algorithm (an independent
    /// implementation), for the reachable blocks.
    fn reference(cfg: &Cfg) -> Vec<Option<Block>> {
        let doms = simple_fast(&cfg.to_graph(), NodeIndex::new(0));
        (0..cfg.num_blocks())
            .map(|i| {
                if cfg.is_reachable(Block(i as u32)) {
                    doms.immediate_dominator(NodeIndex::new(i))
                        .map(|d| Block(d.index() as u32))
                } else {
                    None
                }
            })
            .collect()
    }

    fn check_against_reference(succs: &[Vec<usize>]) {
        let f = function_of(succs);
        let (cfg, dom) = DomTree::of(&f);
        let mine: Vec<Option<Block>> = (0..succs.len())
            .map(|i| dom.idom(Block(i as u32)))
            .collect();
        assert_eq!(mine, reference(&cfg), "CFG {succs:?}");
    }

    #[test]
    fn lengauer_tarjan_agrees_with_petgraph_on_random_graphs() {
        // A linear congruential generator: the graphs are the same on every run.
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |m: usize| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((seed >> 33) as usize) % m
        };
        for _ in 0..2000 {
            let n = 1 + next(24);
            let succs: Vec<Vec<usize>> = (0..n)
                .map(|_| match next(5) {
                    0 => vec![],
                    1 | 2 => vec![next(n)],
                    _ => vec![next(n), next(n)],
                })
                .collect();
            check_against_reference(&succs);
        }
    }

    #[test]
    fn dominators_of_the_scaling_shapes() {
        // A dispatcher chain d_k -> (j_k, d_k+1), every j_k jumping to one join (blocks: d_k =
        // 2k, j_k = 2k + 1, join = 2n).
        let n = 300;
        let mut succs: Vec<Vec<usize>> = Vec::new();
        for k in 0..n {
            let d_next = if k + 1 < n { 2 * k + 2 } else { 2 * k + 1 };
            succs.push(vec![2 * k + 1, d_next]);
            succs.push(vec![2 * n]);
        }
        succs.push(vec![]);
        check_against_reference(&succs);
        let f = function_of(&succs);
        let (_, dom) = DomTree::of(&f);
        assert_eq!(dom.idom(Block(2 * n as u32)), Some(Block(0)));
        assert_eq!(dom.idom(Block(7)), Some(Block(6)));
        // A ring of n blocks entered at every block from a dispatcher chain: block 0 is the
        // entry, the dispatchers are 1..=n, the ring n+1..=2n, each ring block leaving to 2n+1.
        let mut succs: Vec<Vec<usize>> = vec![vec![1]];
        for k in 0..n {
            succs.push(vec![n + 1 + k, if k + 1 < n { k + 2 } else { n + 1 + k }]);
        }
        for k in 0..n {
            succs.push(vec![n + 1 + (k + 1) % n, 2 * n + 1]);
        }
        succs.push(vec![]);
        check_against_reference(&succs);
        let f = function_of(&succs);
        let (_, dom) = DomTree::of(&f);
        // Every ring block is reached from the first dispatcher around the ring, and from no
        // later dispatcher alone: the first dispatcher is every ring block's idom.
        assert_eq!(dom.idom(Block(n as u32 + 5)), Some(Block(1)));
        assert_eq!(dom.idom(Block(2 * n as u32 + 1)), Some(Block(1)));
    }
}
