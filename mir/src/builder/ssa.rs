//! SSA construction (Braun et al. 2013): sealing, variables, on-demand phis, trivial-phi and
//! redundant-SCC removal.

use super::function::PhiState;
use super::*;
use crate::ir::{Block, Constant, Value};
use std::collections::{HashMap, HashSet};

/// One step of the iterative SSA construction (see `FunctionBuilder::run_ssa`).
#[derive(Debug)]
pub(super) enum SsaTask {
    /// Read the variable at the end of a block; pushes the value.
    Read(u32),
    /// Pop a value and append it as the phi's operand for `pred`.
    Attach { phi: u32, pred: u32 },
    /// All operands attached: try to remove the phi; pushes the phi or its replacement.
    Complete(u32),
    /// Record the value on top of the stack as the variable's value in these blocks.
    Record(Vec<u32>),
}

impl FunctionBuilder {
    /// Seals block `b`: declares all its predecessors known, completing its incomplete phis.
    /// Sealing a sealed block does nothing. Blocks managed by an open loop are sealed by
    /// [`FunctionBuilder::end_loop`] / [`FunctionBuilder::loop_condition`] and cannot be sealed by
    /// hand.
    pub fn seal_block(&mut self, b: Block) -> Result<(), BuildError> {
        let i = self.int_block(b)?;
        if self.is_loop_managed(i) {
            return Err(BuildError::LoopBlockSealed(
                self.blocks[i as usize].label.clone(),
            ));
        }
        self.seal(i);
        Ok(())
    }

    /// Seals every block except those an open loop still manages.
    pub fn seal_all_blocks(&mut self) {
        for i in 0..self.blocks.len() as u32 {
            if !self.is_loop_managed(i) {
                self.seal(i);
            }
        }
    }

    pub(super) fn is_loop_managed(&self, b: u32) -> bool {
        self.open_loops.iter().any(|&l| {
            let lp = &self.loops[l];
            b == lp.header || b == lp.latch || b == lp.exit || (b == lp.body && !lp.has_condition)
        })
    }

    /// Braun's `sealBlock`.
    pub(super) fn seal(&mut self, b: u32) {
        if self.blocks[b as usize].sealed {
            return;
        }
        while let Some(list) = self.incomplete.remove(&b) {
            for (var, phi) in list {
                self.add_phi_operands(var, phi);
            }
        }
        self.blocks[b as usize].sealed = true;
    }

    // --- variables (Braun et al. 2013) --------------------------------------------------------

    /// Declares a new variable. Reading it before any definition yields `void`.
    pub fn declare_var(&mut self) -> Variable {
        self.var_count += 1;
        Variable {
            tag: self.tag,
            index: self.var_count - 1,
        }
    }

    /// Assigns `value` to `var` at the current point (Braun's `writeVariable`).
    pub fn def_var(&mut self, var: Variable, value: Value) -> Result<(), BuildError> {
        let var = self.int_var(var)?;
        let value = self.int_value(value)?;
        let b = self.ensure_block();
        self.defs.insert((var, b), value);
        Ok(())
    }

    /// The value of `var` at the current point (Braun's `readVariable`), placing phis as needed.
    pub fn use_var(&mut self, var: Variable) -> Result<Value, BuildError> {
        let var = self.int_var(var)?;
        let b = self.ensure_block();
        let v = self.read_var(var, b);
        Ok(self.ext_value(v))
    }

    /// Follows the replacements of removed phis.
    pub(super) fn resolve(&self, mut v: u32) -> u32 {
        while let Some(&r) = self.replaced.get(&v) {
            v = r;
        }
        v
    }

    /// The `const void` at the start of the entry block that stands for undefined variables.
    pub(super) fn undef_value(&mut self) -> u32 {
        self.prefix_const(Constant::Void)
    }

    /// A constant at the start of the entry block (so it dominates every use), made once.
    pub(super) fn prefix_const(&mut self, c: Constant) -> u32 {
        if let Some(&(v, _)) = self.prefix.iter().find(|(_, k)| *k == c) {
            return v;
        }
        let v = self.new_value();
        self.prefix.push((v, c));
        v
    }

    pub(super) fn new_phi(&mut self, block: u32) -> u32 {
        let phi = self.new_value();
        self.blocks[block as usize].phis.push(phi);
        self.phis.insert(
            phi,
            PhiState {
                block,
                inputs: Vec::new(),
                explicit: false,
                complete: false,
                alive: true,
            },
        );
        phi
    }

    /// Braun's `readVariable`: the value of `var` at the end of `block`.
    pub(super) fn read_var(&mut self, var: u32, block: u32) -> u32 {
        self.run_ssa(var, vec![SsaTask::Read(block)])
    }

    /// Braun's `addPhiOperands`: one operand per predecessor, then `tryRemoveTrivialPhi`.
    /// Returns the phi, or the value that replaced it.
    pub(super) fn add_phi_operands(&mut self, var: u32, phi: u32) -> u32 {
        let mut tasks = Vec::new();
        self.push_phi_tasks(&mut tasks, phi);
        self.run_ssa(var, tasks)
    }

    /// Schedules reading `phi`'s operands in predecessor order, then completing it.
    pub(super) fn push_phi_tasks(&self, tasks: &mut Vec<SsaTask>, phi: u32) {
        let block = self.phis[&phi].block;
        tasks.push(SsaTask::Complete(phi));
        for &p in self.blocks[block as usize].preds.iter().rev() {
            tasks.push(SsaTask::Attach { phi, pred: p });
            tasks.push(SsaTask::Read(p));
        }
    }

    /// Runs Braun's mutually recursive `readVariable` / `readVariableRecursive` /
    /// `addPhiOperands` with an explicit task stack (so that long chains of blocks cannot
    /// overflow the native stack) and returns the value the first task produced. Tasks run in
    /// exactly the order of the recursive formulation.
    pub(super) fn run_ssa(&mut self, var: u32, mut tasks: Vec<SsaTask>) -> u32 {
        let mut vals: Vec<u32> = Vec::new();
        while let Some(task) = tasks.pop() {
            match task {
                SsaTask::Read(block) => {
                    // Walk up single-predecessor chains; every block passed records the result.
                    let mut chain = Vec::new();
                    let mut seen = HashSet::new();
                    let mut b = block;
                    let val = loop {
                        chain.push(b);
                        if let Some(&v) = self.defs.get(&(var, b)) {
                            break Some(self.resolve(v));
                        }
                        let state = &self.blocks[b as usize];
                        if !state.sealed {
                            // Incomplete CFG: an operandless phi, completed at sealing.
                            let phi = self.new_phi(b);
                            self.incomplete.entry(b).or_default().push((var, phi));
                            break Some(phi);
                        }
                        match state.preds.len() {
                            // The entry or an unreachable block: the variable is undefined.
                            0 => break Some(self.undef_value()),
                            1 => {
                                let p = state.preds[0];
                                if !seen.insert(b) {
                                    // An unreachable cycle of single-predecessor blocks.
                                    break Some(self.undef_value());
                                }
                                b = p;
                            }
                            _ => {
                                // Break potential cycles with an operandless phi first.
                                let phi = self.new_phi(b);
                                self.defs.insert((var, b), phi);
                                break None;
                            }
                        }
                    };
                    match val {
                        Some(v) => {
                            for c in chain {
                                self.defs.insert((var, c), v);
                            }
                            vals.push(v);
                        }
                        None => {
                            let phi = self.defs[&(var, b)];
                            tasks.push(SsaTask::Record(chain));
                            self.push_phi_tasks(&mut tasks, phi);
                        }
                    }
                }
                SsaTask::Attach { phi, pred } => {
                    let v = match vals.pop() {
                        Some(v) => v,
                        None => self.undef_value(),
                    };
                    if let Some(state) = self.phis.get_mut(&phi) {
                        state.inputs.push((pred, v));
                    }
                    if self.phis.contains_key(&v) {
                        self.phi_users.entry(v).or_default().push(phi);
                    }
                }
                SsaTask::Complete(phi) => {
                    if let Some(state) = self.phis.get_mut(&phi) {
                        state.complete = true;
                    }
                    self.try_remove_trivial_phi(phi);
                    vals.push(self.resolve(phi));
                }
                SsaTask::Record(chain) => {
                    if let Some(&v) = vals.last() {
                        for c in chain {
                            self.defs.insert((var, c), v);
                        }
                    }
                }
            }
        }
        match vals.pop() {
            Some(v) => v,
            None => self.undef_value(),
        }
    }

    /// `tryRemoveTrivialPhi`, with a worklist instead of recursion: a phi whose operands are all
    /// itself or one other value is replaced by that value (by `void` if there is none), and the
    /// phis using it are re-examined.
    pub(super) fn try_remove_trivial_phi(&mut self, phi: u32) {
        let mut work = vec![phi];
        while let Some(p) = work.pop() {
            let Some(state) = self.phis.get(&p) else {
                continue;
            };
            if !state.alive || state.explicit || !state.complete {
                continue;
            }
            let mut same = None;
            let mut trivial = true;
            for &(_, op) in &state.inputs {
                let op = self.resolve(op);
                if Some(op) == same || op == p {
                    continue;
                }
                if same.is_some() {
                    trivial = false;
                    break;
                }
                same = Some(op);
            }
            if !trivial {
                continue;
            }
            let same = match same {
                Some(s) => s,
                None => self.undef_value(),
            };
            if let Some(state) = self.phis.get_mut(&p) {
                state.alive = false;
            }
            self.replaced.insert(p, same);
            // The users of `p` now use `same`; they may have become trivial.
            let users: Vec<u32> = self
                .phi_users
                .remove(&p)
                .unwrap_or_default()
                .into_iter()
                .filter(|&u| u != p)
                .collect();
            if self.phis.contains_key(&same) {
                self.phi_users
                    .entry(same)
                    .or_default()
                    .extend(users.iter().copied());
            }
            work.extend(users);
        }
    }

    /// Braun et al. §3.2 (Algorithm 5): removes strongly connected components of phis that,
    /// together, merge only one value from outside (e.g. a header phi and a latch phi referring
    /// to each other). Each such component is replaced by that value; for the others the
    /// components of their inner phis are examined in turn. Operands are processed before their
    /// users (Tarjan's order); nesting uses an explicit stack.
    pub(super) fn remove_redundant_phi_sccs(&mut self) {
        let mut all: Vec<u32> = self
            .phis
            .iter()
            .filter(|(_, p)| p.alive && !p.explicit)
            .map(|(&v, _)| v)
            .collect();
        all.sort_unstable();
        let mut frames: Vec<(Vec<Vec<u32>>, usize)> = vec![(self.phi_sccs(&all), 0)];
        while let Some((sccs, next)) = frames.last_mut() {
            let Some(scc) = sccs.get(*next).cloned() else {
                frames.pop();
                continue;
            };
            *next += 1;
            let scc: Vec<u32> = scc.into_iter().filter(|p| self.phis[p].alive).collect();
            if scc.len() <= 1 {
                if let Some(&p) = scc.first() {
                    self.try_remove_trivial_phi(p);
                }
                continue;
            }
            let members: HashSet<u32> = scc.iter().copied().collect();
            let mut outer: Vec<u32> = Vec::new();
            let mut inner = Vec::new();
            for &p in &scc {
                let mut is_inner = true;
                for &(_, op) in &self.phis[&p].inputs {
                    let op = self.resolve(op);
                    if !members.contains(&op) {
                        is_inner = false;
                        if !outer.contains(&op) {
                            outer.push(op);
                        }
                    }
                }
                if is_inner {
                    inner.push(p);
                }
            }
            match outer.len() {
                0 | 1 => {
                    let v = match outer.first() {
                        Some(&v) => v,
                        None => self.undef_value(),
                    };
                    for p in scc {
                        if let Some(state) = self.phis.get_mut(&p) {
                            state.alive = false;
                        }
                        self.replaced.insert(p, v);
                    }
                }
                _ => {
                    if !inner.is_empty() {
                        let sub = self.phi_sccs(&inner);
                        frames.push((sub, 0));
                    }
                }
            }
        }
    }

    /// The strongly connected components of the phis `set` (edges: phi → phi operands within
    /// `set`), operands' components first (iterative Tarjan).
    pub(super) fn phi_sccs(&self, set: &[u32]) -> Vec<Vec<u32>> {
        let index_of: HashMap<u32, usize> = set.iter().enumerate().map(|(i, &p)| (p, i)).collect();
        let succ: Vec<Vec<usize>> = set
            .iter()
            .map(|p| {
                self.phis[p]
                    .inputs
                    .iter()
                    .filter_map(|&(_, op)| index_of.get(&self.resolve(op)).copied())
                    .collect()
            })
            .collect();
        let n = set.len();
        let mut index = vec![usize::MAX; n];
        let mut low = vec![0; n];
        let mut on_stack = vec![false; n];
        let mut stack = Vec::new();
        let mut out = Vec::new();
        let mut counter = 0;
        for root in 0..n {
            if index[root] != usize::MAX {
                continue;
            }
            // (node, next successor position)
            let mut call: Vec<(usize, usize)> = vec![(root, 0)];
            index[root] = counter;
            low[root] = counter;
            counter += 1;
            stack.push(root);
            on_stack[root] = true;
            while let Some(&mut (v, ref mut pos)) = call.last_mut() {
                if let Some(&w) = succ[v].get(*pos) {
                    *pos += 1;
                    if index[w] == usize::MAX {
                        index[w] = counter;
                        low[w] = counter;
                        counter += 1;
                        stack.push(w);
                        on_stack[w] = true;
                        call.push((w, 0));
                    } else if on_stack[w] {
                        low[v] = low[v].min(index[w]);
                    }
                } else {
                    call.pop();
                    if let Some(&(u, _)) = call.last() {
                        low[u] = low[u].min(low[v]);
                    }
                    if low[v] == index[v] {
                        let mut scc = Vec::new();
                        while let Some(w) = stack.pop() {
                            on_stack[w] = false;
                            scc.push(set[w]);
                            if w == v {
                                break;
                            }
                        }
                        out.push(scc);
                    }
                }
            }
        }
        out
    }
}
