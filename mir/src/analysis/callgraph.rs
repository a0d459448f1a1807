//! The call graph: direct, method and dynamic call edges between functions.

use crate::ir::{BoxClass, Callee, Constant, FuncId, Inst, Module};
use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};

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
        // The edges already in `edges` (a hash set: a module may hold many thousands of calls).
        let mut seen_edges: std::collections::HashSet<CallEdge> = Default::default();
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
                    if seen_edges.insert(e) {
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
                            Callee::Extern(_) | Callee::Import(_) => {}
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
        // Caller-callee pairs already listed (edges of different kinds share a pair).
        let mut pairs: std::collections::HashSet<(FuncId, FuncId)> = Default::default();
        for e in &edges {
            graph.add_edge(
                NodeIndex::new(e.caller.index()),
                NodeIndex::new(e.callee.index()),
                e.kind,
            );
            if pairs.insert((e.caller, e.callee)) {
                callees[e.caller.index()].push(e.callee);
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
