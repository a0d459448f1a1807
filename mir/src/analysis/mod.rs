//! Analyses: predecessors/successors ([`Cfg`]), the dominator tree ([`DomTree`]), back edges
//! ([`BackEdges`]), natural loops ([`NaturalLoop`]), LoopForm checking and inference
//! ([`check_loopform`], [`infer_loopforms`]), definition sites ([`def_sites`]) and the call graph
//! ([`CallGraph`]), and the collector's roots at each safepoint by SSA liveness
//! ([`SafepointRoots`]).
//!
//! Every analysis accepts any function, however broken: a block with no terminator has no
//! successors, branch targets out of range are ignored (the verifier reports them), unreachable
//! blocks have no immediate dominator. Nothing here panics.
//!
//! Dangling entities are printed with a `?` and their index (`bb` labels of blocks that do not
//! exist print as `?9`, functions as `@?3`), see [`crate::display`].

mod callgraph;
mod cfg;
mod defs;
mod dominators;
mod liveness;
mod loopcheck;
mod loopform;
mod loops;
#[cfg(test)]
pub(crate) mod tests;

pub use crate::display::{block_name, function_name, value_name};
pub use callgraph::{CallEdge, CallGraph, CallKind};
pub use cfg::Cfg;
pub use defs::{def_sites, DefSite};
pub use dominators::DomTree;
pub use liveness::{is_safepoint, SafepointRoots};
pub use loopcheck::{check_loopforms, check_loopforms_sites, LoopForest};
pub use loopform::{
    check_loopform, check_loopform_sites, infer_loopforms, loop_region, module_loop_warnings,
    LoopInference, LoopSite,
};
pub use loops::{irreducible_entries, loop_blocks, natural_loops, BackEdges, NaturalLoop};

use crate::entity::SecondaryMap;
use crate::ir::{Function, Value};

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
