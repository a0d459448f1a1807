//! [`FunctionBuilder`]: its state, parameters and names, blocks, the insertion point, and
//! `finish`, which renumbers the function canonically.

use super::error::check_name;
use super::loops::LoopState;
use super::*;
use crate::ir::{
    Block, BlockData, Constant, FuncId, Function, Inst, LoopForm, Param, TypeName, Value, ValueData,
};
use crate::named::syntax::{is_func_name, is_ident, is_value_name};
use crate::span::{FunctionSpans, Span};
use std::collections::{HashMap, HashSet};

/// Per-block construction state. Phis are kept apart from the other instructions so that phis
/// placed on demand always lead their block.
#[derive(Debug)]
pub(super) struct BlockState {
    pub(super) label: String,
    /// Phi values of this block (removed ones are filtered out at finish).
    pub(super) phis: Vec<u32>,
    /// The non-phi instructions, using builder-internal ids.
    pub(super) insts: Vec<Inst>,
    /// The frontend's source span of each of `insts` ([`FunctionBuilder::set_span`]).
    pub(super) spans: Vec<Option<Span>>,
    /// Predecessors, in the order their edges were added, without duplicates.
    pub(super) preds: Vec<u32>,
    pub(super) sealed: bool,
}

/// A phi under construction.
#[derive(Debug)]
pub(super) struct PhiState {
    pub(super) block: u32,
    pub(super) inputs: Vec<(u32, u32)>,
    /// Written by the frontend with [`FunctionBuilder::phi`]: never removed.
    pub(super) explicit: bool,
    /// False while the phi is incomplete (unsealed block) or its operands are being read.
    pub(super) complete: bool,
    /// False once removed as trivial.
    pub(super) alive: bool,
}

/// Builds the body of one function: parameters, blocks, instructions, variables and loops.
///
/// Created by [`ModuleBuilder::function_builder`] (or [`FunctionBuilder::new`] for a function on
/// its own). The entry block (`bb0`) exists from the start and is the first insertion block. See
/// the [module documentation](crate::builder) for the rules on dead code, sealing and loops.
#[derive(Debug)]
pub struct FunctionBuilder {
    pub(super) tag: u32,
    /// XOR masks that turn internal indexes into the handles given out (and back).
    pub(super) block_salt: u32,
    pub(super) value_salt: u32,
    pub(super) owner: Option<(u32, FuncId)>,
    pub(super) name: String,
    pub(super) params: Vec<(u32, Option<TypeName>)>,
    pub(super) ret_type: Option<TypeName>,
    /// Each value's name; empty for an automatic (digits) name assigned at finish.
    pub(super) values: Vec<String>,
    pub(super) value_names: HashSet<String>,
    pub(super) blocks: Vec<BlockState>,
    pub(super) labels: HashSet<String>,
    pub(super) next_label: usize,
    /// The insertion block; `None` after a terminator.
    pub(super) cur: Option<u32>,
    pub(super) phis: HashMap<u32, PhiState>,
    /// For each phi, the phis using it as an operand (Braun's users list, restricted to phis).
    pub(super) phi_users: HashMap<u32, Vec<u32>>,
    /// Values replaced by another (removed trivial phis).
    pub(super) replaced: HashMap<u32, u32>,
    pub(super) var_count: u32,
    /// `currentDef[var][block]` of Braun et al.
    pub(super) defs: HashMap<(u32, u32), u32>,
    /// Incomplete phis of unsealed blocks: `(variable, phi)`.
    pub(super) incomplete: HashMap<u32, Vec<(u32, u32)>>,
    pub(super) loops: Vec<LoopState>,
    pub(super) open_loops: Vec<usize>,
    /// The hidden variable of routed `break`/`continue` of outer loops, once needed.
    pub(super) dispatch: Option<u32>,
    /// Constants placed at the start of the entry block (`void` for undefined variables), each
    /// made once.
    pub(super) prefix: Vec<(u32, Constant)>,
    /// The frontend's source span given to the instructions added now.
    pub(super) span: Option<Span>,
}

impl FunctionBuilder {
    /// A builder for a function named `name` (without `@`; `B.m` for a method), outside any
    /// module. Use [`ModuleBuilder::function_builder`] to build a function of a module.
    pub fn new(name: &str) -> Result<FunctionBuilder, BuildError> {
        check_name("function", name, is_func_name)?;
        let tag = next_tag();
        let mut fb = FunctionBuilder {
            tag,
            block_salt: (tag.wrapping_mul(40503) & 0xFFFF) << 16,
            value_salt: ((tag.wrapping_mul(0x6F4B) ^ 0x5A5A) & 0xFFFF) << 16,
            owner: None,
            name: name.to_string(),
            params: Vec::new(),
            ret_type: None,
            values: Vec::new(),
            value_names: HashSet::new(),
            blocks: Vec::new(),
            labels: HashSet::new(),
            next_label: 0,
            cur: None,
            phis: HashMap::new(),
            phi_users: HashMap::new(),
            replaced: HashMap::new(),
            var_count: 0,
            defs: HashMap::new(),
            incomplete: HashMap::new(),
            loops: Vec::new(),
            open_loops: Vec::new(),
            dispatch: None,
            prefix: Vec::new(),
            span: None,
        };
        // The entry block: no predecessors ever, so it is sealed from the start.
        let entry = fb.new_block(None);
        fb.blocks[entry as usize].sealed = true;
        fb.cur = Some(entry);
        Ok(fb)
    }

    /// Attaches a frontend source position to the instructions added from now on (until the
    /// next call; `None` for none): `span` is a byte range of the frontend's source text. The
    /// spans reach the [`SourceMap`](crate::SourceMap) of
    /// [`ModuleBuilder::finish_with_source_map`], from which tools print source positions in
    /// backtraces (constants and phis the builder adds itself get none).
    pub fn set_span(&mut self, span: Option<Span>) {
        self.span = span;
    }

    /// The span [`FunctionBuilder::set_span`] last set.
    pub fn span(&self) -> Option<Span> {
        self.span
    }

    /// The function's name.
    pub fn name(&self) -> &str {
        &self.name
    }
    // --- parameters and names -----------------------------------------------------------------

    /// Adds a parameter, with an optional checked type annotation, and returns its value.
    pub fn add_param(&mut self, ty: Option<TypeName>) -> Value {
        let v = self.new_value();
        self.params.push((v, ty));
        self.ext_value(v)
    }

    /// The parameters added so far, in order.
    pub fn params(&self) -> Vec<Value> {
        self.params
            .iter()
            .map(|(v, _)| self.ext_value(*v))
            .collect()
    }

    /// Sets (or clears) the checked return type annotation.
    pub fn set_return_type(&mut self, ty: Option<TypeName>) {
        self.ret_type = ty;
    }

    /// Names a value (printed `%name`): digits or an identifier, unique in the function. Values
    /// left unnamed get digit names at finish, in canonical order, skipping names in use.
    pub fn set_value_name(&mut self, v: Value, name: &str) -> Result<(), BuildError> {
        let i = self.int_value(v)? as usize;
        check_name("value", name, is_value_name)?;
        if self.values[i] == name {
            return Ok(());
        }
        if !self.value_names.insert(name.to_string()) {
            return Err(BuildError::DuplicateValueName(name.to_string()));
        }
        let old = std::mem::replace(&mut self.values[i], name.to_string());
        self.value_names.remove(&old);
        Ok(())
    }

    // --- blocks -------------------------------------------------------------------------------

    pub(super) fn new_block(&mut self, label: Option<String>) -> u32 {
        let label = label.unwrap_or_else(|| loop {
            let l = format!("bb{}", self.next_label);
            self.next_label += 1;
            if !self.labels.contains(&l) {
                break l;
            }
        });
        self.labels.insert(label.clone());
        self.blocks.push(BlockState {
            label,
            phis: Vec::new(),
            insts: Vec::new(),
            spans: Vec::new(),
            preds: Vec::new(),
            sealed: false,
        });
        (self.blocks.len() - 1) as u32
    }

    /// The entry block, `bb0` unless renamed. It is sealed and cannot be a branch target.
    pub fn entry_block(&self) -> Block {
        self.ext_block(0)
    }

    /// Creates a block with an automatic label (`bbN`, the next unused one).
    pub fn create_block(&mut self) -> Block {
        let b = self.new_block(None);
        self.ext_block(b)
    }

    /// Creates a block labelled `label` (an identifier, unique in the function).
    pub fn create_named_block(&mut self, label: &str) -> Result<Block, BuildError> {
        check_name("label", label, is_ident)?;
        if self.labels.contains(label) {
            return Err(BuildError::DuplicateLabel(label.to_string()));
        }
        let b = self.new_block(Some(label.to_string()));
        Ok(self.ext_block(b))
    }

    /// Relabels block `b` (an identifier, unique in the function).
    pub fn rename_block(&mut self, b: Block, label: &str) -> Result<(), BuildError> {
        let i = self.int_block(b)? as usize;
        check_name("label", label, is_ident)?;
        if self.blocks[i].label == label {
            return Ok(());
        }
        if !self.labels.insert(label.to_string()) {
            return Err(BuildError::DuplicateLabel(label.to_string()));
        }
        let old = std::mem::replace(&mut self.blocks[i].label, label.to_string());
        self.labels.remove(&old);
        Ok(())
    }

    /// The label of block `b`.
    pub fn block_label(&self, b: Block) -> Result<&str, BuildError> {
        let i = self.int_block(b)? as usize;
        Ok(&self.blocks[i].label)
    }

    /// Makes `b` the insertion block. Appending to a block that already ends with a terminator
    /// is an error. While a loop is open, `b` must have been created after the innermost open
    /// loop began (code of the loop goes into the loop; [`BuildError::LoopEscape`] otherwise).
    pub fn switch_to_block(&mut self, b: Block) -> Result<(), BuildError> {
        let i = self.int_block(b)?;
        if let Some(&l) = self.open_loops.last() {
            if i <= self.loops[l].exit && self.cur != Some(i) {
                return Err(BuildError::LoopEscape(
                    self.blocks[i as usize].label.clone(),
                ));
            }
        }
        self.cur = Some(i);
        Ok(())
    }

    /// The insertion block, or `None` right after a terminator (code emitted then goes to a new
    /// unreachable block).
    pub fn current_block(&self) -> Option<Block> {
        self.cur.map(|b| self.ext_block(b))
    }

    /// True when block `b` ends with a terminator.
    pub fn is_terminated(&self, b: Block) -> Result<bool, BuildError> {
        let i = self.int_block(b)?;
        Ok(self.terminated(i))
    }

    /// The predecessors of `b` known so far, in the order their edges were added.
    pub fn predecessors(&self, b: Block) -> Result<Vec<Block>, BuildError> {
        let i = self.int_block(b)? as usize;
        Ok(self.blocks[i]
            .preds
            .iter()
            .map(|p| self.ext_block(*p))
            .collect())
    }

    pub(super) fn terminated(&self, b: u32) -> bool {
        self.blocks[b as usize]
            .insts
            .last()
            .is_some_and(Inst::is_terminator)
    }

    /// The insertion block, creating a sealed unreachable block after a terminator.
    pub(super) fn ensure_block(&mut self) -> u32 {
        match self.cur {
            Some(b) => b,
            None => {
                let b = self.new_block(None);
                self.blocks[b as usize].sealed = true;
                self.cur = Some(b);
                b
            }
        }
    }

    /// Appends an instruction (internal ids) to the insertion block.
    pub(super) fn push_inst(&mut self, inst: Inst) -> Result<(), BuildError> {
        let b = self.ensure_block();
        if self.terminated(b) {
            return Err(BuildError::BlockTerminated(
                self.blocks[b as usize].label.clone(),
            ));
        }
        if inst.is_terminator() {
            for s in inst.successors() {
                let preds = &mut self.blocks[s.index()].preds;
                // A block's edges are added together: a repeated one is the last entry.
                if preds.last() != Some(&b) {
                    preds.push(b);
                }
            }
            self.cur = None;
        }
        self.blocks[b as usize].insts.push(inst);
        self.blocks[b as usize].spans.push(self.span);
        Ok(())
    }

    /// Appends an instruction defining a new value made by `make`.
    pub(super) fn push_def(
        &mut self,
        make: impl FnOnce(Value) -> Inst,
    ) -> Result<Value, BuildError> {
        let b = self.ensure_block();
        if self.terminated(b) {
            return Err(BuildError::BlockTerminated(
                self.blocks[b as usize].label.clone(),
            ));
        }
        let d = self.new_value();
        self.push_inst(make(Value(d)))?;
        Ok(self.ext_value(d))
    }

    /// Checks a branch target given by the frontend.
    pub(super) fn check_target(&self, t: Block) -> Result<u32, BuildError> {
        let i = self.int_block(t)?;
        let label = || self.blocks[i as usize].label.clone();
        if i == 0 {
            return Err(BuildError::EntryBlockTarget);
        }
        if self.blocks[i as usize].sealed {
            return Err(BuildError::SealedBlockTarget(label()));
        }
        for (depth, &l) in self.open_loops.iter().enumerate() {
            let lp = &self.loops[l];
            if i == lp.header || i == lp.body {
                return Err(BuildError::LoopBlockTarget(label()));
            }
            let innermost = depth + 1 == self.open_loops.len();
            if !innermost && (i == lp.latch || i == lp.exit) {
                return Err(BuildError::NotInnermostLoop);
            }
        }
        // Blocks made before the innermost loop began are outside it.
        if let Some(&l) = self.open_loops.last() {
            if i < self.loops[l].header {
                return Err(BuildError::LoopEscape(label()));
            }
        }
        Ok(i)
    }

    // --- finish -------------------------------------------------------------------------------

    /// The finished function, canonical: blocks in creation order (the entry first), values
    /// numbered parameters first then results in block order ([`Function::canonicalize`]),
    /// removed phis gone, unnamed values named with digits, the loops' [`LoopForm`]s in the order
    /// the loops were begun. Seals the blocks still unsealed; terminates unreachable open blocks
    /// with `ret`. Errors if a loop is still open or a reachable block has no terminator.
    pub fn finish(self) -> Result<Function, BuildError> {
        self.finish_spanned().map(|(f, _)| f)
    }

    /// [`FunctionBuilder::finish`], with the spans given by [`FunctionBuilder::set_span`], by
    /// block and instruction of the finished function.
    pub fn finish_spanned(mut self) -> Result<(Function, FunctionSpans), BuildError> {
        if let Some(&l) = self.open_loops.last() {
            let header = self.loops[l].header as usize;
            return Err(BuildError::UnclosedLoop(self.blocks[header].label.clone()));
        }
        self.seal_all_blocks();
        self.remove_redundant_phi_sccs();
        // Reachability from the entry.
        let n = self.blocks.len();
        let mut reachable = vec![false; n];
        let mut stack = vec![0usize];
        reachable[0] = true;
        while let Some(b) = stack.pop() {
            if let Some(t) = self.blocks[b].insts.last() {
                for s in t.successors() {
                    if !reachable[s.index()] {
                        reachable[s.index()] = true;
                        stack.push(s.index());
                    }
                }
            }
        }
        for (b, &live) in reachable.iter().enumerate() {
            if !self.terminated(b as u32) {
                if live {
                    return Err(BuildError::MissingTerminator(self.blocks[b].label.clone()));
                }
                // Dead code left open: any terminator will do, it never runs.
                self.blocks[b].insts.push(Inst::Return { value: None });
                self.blocks[b].spans.push(None);
            }
        }

        let mut f = Function::new(self.name.clone());
        f.ret_type = self.ret_type;
        f.params = self
            .params
            .iter()
            .map(|&(v, ty)| Param {
                value: Value(v),
                ty,
            })
            .collect();
        f.values = self
            .values
            .iter()
            .map(|name| ValueData { name: name.clone() })
            .collect();
        let resolve = |v: &mut Value| v.0 = self.resolve(v.0);
        let mut spans = FunctionSpans::default();
        for (b, state) in self.blocks.iter().enumerate() {
            let mut insts = Vec::new();
            if b == 0 {
                for (v, c) in &self.prefix {
                    insts.push(Inst::Const {
                        dest: Value(*v),
                        value: c.clone(),
                    });
                }
            }
            for &p in &state.phis {
                let phi = &self.phis[&p];
                if phi.alive {
                    let mut inst = Inst::Phi {
                        dest: Value(p),
                        inputs: phi
                            .inputs
                            .iter()
                            .map(|&(b, v)| (Block(b), Value(v)))
                            .collect(),
                    };
                    inst.map_uses(resolve);
                    insts.push(inst);
                }
            }
            // Constants and phis made by the builder have no span of their own.
            let mut block_spans = vec![Span::default(); insts.len()];
            for (inst, span) in state.insts.iter().zip(&state.spans) {
                let mut inst = inst.clone();
                inst.map_uses(resolve);
                insts.push(inst);
                block_spans.push(span.unwrap_or_default());
            }
            spans.insts.push(block_spans);
            f.blocks.push(BlockData {
                label: state.label.clone(),
                insts,
            });
        }
        // A loop whose latch cannot be reached never iterates: it has no back edge, so it is
        // not a loop of the CFG and gets no LoopForm.
        f.loops = self
            .loops
            .iter()
            .filter(|l| reachable[l.latch as usize])
            .map(|l| LoopForm {
                header: Block(l.header),
                body: Block(l.body),
                latch: Block(l.latch),
                exit: Block(l.exit),
            })
            .collect();
        f.canonicalize();
        // Digit names for unnamed values, in canonical order, skipping names in use.
        let mut next = 0u64;
        for v in f.values.values_mut() {
            if v.name.is_empty() {
                v.name = loop {
                    let name = next.to_string();
                    next += 1;
                    if !self.value_names.contains(&name) {
                        break name;
                    }
                };
            }
        }
        Ok((f, spans))
    }
}
