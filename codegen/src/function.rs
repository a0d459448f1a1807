//! The translator of one MIR function: the prologue (depth, fuel, parameter checks), the blocks
//! with their phi copies on edges, the trap exit, and the helpers the instruction and operator
//! translators (`inst.rs`, `ops.rs`) share.

mod append;
mod ffi;
pub(crate) use ffi::c_signature;
mod inst;
mod ops;
mod roots;
mod tail;
mod wide;

use crate::imports::RuntimeImports;
use crate::TranslateOptions;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{
    self, types, BlockArg, InstBuilder, MemFlagsData, StackSlotData, StackSlotKind,
};
use cranelift_frontend::FunctionBuilder;
use cranelift_module::{FuncId as ClFuncId, Module, ModuleResult};
use mir14_mir::analysis::{BackEdges, Cfg};
use mir14_mir::infer::{FuncTypes, Ty};
use mir14_mir::{Block, FuncId, Function, Inst, Module as MirModule, Value};
use mir14_rt as tags;
use mir14_rt::abi::{self as rtabi, control, RtFunction, Symbols, TRAP};
use mir14_rt::Site;
use std::collections::HashMap;

/// The runtime tag of every value of an inferred type (`None` for `Unknown` and `Bottom`).
pub(crate) fn tag_of(t: Ty) -> Option<u64> {
    Some(match t {
        Ty::Integer => tags::INT,
        Ty::Float => tags::FLOAT,
        Ty::Bool => tags::BOOL,
        Ty::String => tags::STR,
        Ty::Void => tags::VOID,
        Ty::Array => tags::ARRAY,
        Ty::Map => tags::MAP,
        Ty::Function => tags::FUNC,
        Ty::Operator => tags::OP,
        Ty::User(_) => tags::USER,
        Ty::Bottom | Ty::Unknown => return None,
    })
}

/// A condition known at compile time or computed at run time.
#[derive(Copy, Clone)]
enum Cond {
    /// Always true.
    True,
    /// Always false.
    False,
    /// An `i8` truth value computed at run time.
    Dyn(ir::Value),
}

/// A MIR value in Cranelift: its tag and bits.
#[derive(Copy, Clone)]
struct Pair {
    tag: ir::Value,
    bits: ir::Value,
}

/// The state of translating one function.
pub(crate) struct FnTranslator<'a, 'b, M: Module> {
    pub(crate) b: FunctionBuilder<'b>,
    pub(crate) module: &'a mut M,
    pub(crate) mir: &'a MirModule,
    pub(crate) func: &'a Function,
    pub(crate) func_id: FuncId,
    /// The inferred types of this function's values (`None`: inference is off).
    pub(crate) types: Option<&'a FuncTypes>,
    /// The runtime functions the module imports.
    pub(crate) imports: &'a RuntimeImports,
    /// The runtime functions this function refers to, by name.
    pub(crate) rt_refs: HashMap<&'static str, ir::FuncRef>,
    pub(crate) direct: &'a [ClFuncId],
    /// Per function and parameter: whether the parameter's tag is left out of the call.
    pub(crate) tagless: &'a [Vec<bool>],
    pub(crate) symbols: &'a Symbols,
    /// Each translated value: its tag (`None` when its type fixes the tag) and its bits. MIR is
    /// in SSA form and blocks are translated in reverse postorder, so a definition is always
    /// translated before its uses and dominates them; phis are block parameters. (Cranelift
    /// variables would cost memory per variable times blocks in the SSA builder.)
    pub(crate) vars: HashMap<Value, (Option<ir::Value>, ir::Value)>,
    /// The phi inputs of each edge `(from, to)`: the input of each of `to`'s phis (by index)
    /// from `from`, the first one when there are several (filled by `translate`, so that an
    /// edge costs its phis, not the size of each phi).
    pub(crate) phi_args: HashMap<(Block, Block), Vec<Option<Value>>>,
    pub(crate) ctx_val: Option<ir::Value>,
    pub(crate) arg_slot: Option<ir::StackSlot>,
    pub(crate) trap_block: Option<ir::Block>,
    /// Per trap site (MIR block, instruction index), its landing block on the way to
    /// `trap_block`.
    pub(crate) trap_landings: HashMap<(Block, u32), ir::Block>,
    /// The index of the MIR instruction being translated in its block, or [`Site::ENTRY`]
    /// (the prologue) or [`Site::ARRIVE`] (the fuel check of an edge): the site traps here
    /// report.
    pub(crate) cur_inst: u32,
    /// The table of direct entries for dynamic tail calls, if the module has any.
    pub(crate) tail_table: Option<cranelift_module::DataId>,
    pub(crate) opts: TranslateOptions,
    pub(crate) ptr: ir::Type,
    /// Tiered code: calls between MIR functions go through the engine's table.
    pub(crate) tier: Option<crate::TierLinks>,
    /// An on-stack-replacement entry at this loop header instead of the function's entry.
    pub(crate) osr: Option<Block>,
    /// The collector's roots of this frame (its root area), see `roots.rs`.
    pub(crate) roots: roots::GcRoots,
    /// The blocks with very many predecessors, whose phis travel through memory, see
    /// `wide.rs`.
    pub(crate) wide: wide::WideJoins,
}

impl<M: Module> FnTranslator<'_, '_, M> {
    /// Translates the function into the builder.
    pub(crate) fn translate(&mut self) -> ModuleResult<()> {
        let f = self.func;
        let dom = BackEdges::fuel_edges(f);
        let blocks: Vec<ir::Block> = f.blocks.keys().map(|_| self.b.create_block()).collect();
        let cfg = Cfg::new(f);
        self.plan_wide_joins(&cfg, &blocks);
        // Phis are parameters of their block: a tag (unless the type fixes it) and bits (the
        // phis of a wide join are loaded at its start instead).
        for (bid, bd) in f.blocks.iter() {
            let wide = self.is_wide(bid);
            for inst in &bd.insts {
                let Inst::Phi { dest, .. } = inst else {
                    break;
                };
                if wide {
                    break;
                }
                let tag = match self.known_tag(*dest) {
                    Some(_) => None,
                    None => Some(self.b.append_block_param(blocks[bid.index()], types::I64)),
                };
                let bits = self.b.append_block_param(blocks[bid.index()], types::I64);
                self.vars.insert(*dest, (tag, bits));
            }
            for (k, inst) in bd.insts.iter().enumerate() {
                let Inst::Phi { inputs, .. } = inst else {
                    break;
                };
                for &(from, v) in inputs {
                    let slot = self.phi_args.entry((from, bid)).or_default();
                    if slot.len() <= k {
                        slot.resize(k + 1, None);
                    }
                    slot[k].get_or_insert(v);
                }
            }
        }
        let entry = self.b.create_block();
        self.b.append_block_params_for_function_params(entry);
        self.b.switch_to_block(entry);
        let params = self.b.block_params(entry).to_vec();
        self.ctx_val = Some(params[0]);
        // The root area is linked first: every way out, traps included, unlinks it.
        self.link_roots();
        let max_args = f
            .blocks
            .values()
            .flat_map(|b| b.insts.iter())
            .map(|i| match i {
                Inst::Call { args, .. }
                | Inst::ExternCall { args, .. }
                | Inst::NewBox { args, .. } => args.len(),
                _ => 0,
            })
            .chain([f.params.len()])
            .max()
            .unwrap_or(0);
        if max_args > 0 {
            let slot = self.b.create_sized_stack_slot(StackSlotData::new(
                StackSlotKind::ExplicitSlot,
                ((max_args + 1) * 16) as u32,
                3,
            ));
            self.arg_slot = Some(slot);
        }
        // The trap exit: record where (the MIR block and instruction indices are the block
        // parameters) in the trap's backtrace, return TRAP.
        let trap_block = self.b.create_block();
        self.b.append_block_param(trap_block, types::I64);
        self.b.append_block_param(trap_block, types::I64);
        self.cur_inst = Site::ENTRY;
        self.trap_block = Some(trap_block);

        if let Some(header) = self.osr {
            // An OSR entry `(ctx, vals) -> (tag, bits)`: the interpreter's frame is already
            // counted (depth, fuel, annotations); every value is loaded from its register
            // (`vals[v]`, values that are not live at the header are loaded but unused), then
            // the loop header runs.
            let vals = params[1];
            // Constants are rematerialized (the interpreter drops the ones it folds into
            // immediates, so their registers are not written).
            let mut consts = HashMap::new();
            for bd in f.blocks.values() {
                for inst in &bd.insts {
                    if let Inst::Const { dest, value } = inst {
                        consts.insert(*dest, value);
                    }
                }
            }
            // Phis are block parameters: the header's get the loaded values as the jump's
            // arguments, other blocks' phis are defined by their incoming edges.
            let header_phis: Vec<Value> = f.blocks[header]
                .insts
                .iter()
                .map_while(|i| match i {
                    Inst::Phi { dest, .. } => Some(*dest),
                    _ => None,
                })
                .collect();
            // Phis of blocks the header reaches are block parameters; the others (before the
            // loop) take the loaded value like any value.
            let live = rpo_from(&cfg, header);
            let is_phi: std::collections::HashSet<Value> = live
                .iter()
                .flat_map(|&b| f.blocks[b].insts.iter())
                .filter_map(|i| match i {
                    Inst::Phi { dest, .. } => Some(*dest),
                    _ => None,
                })
                .collect();
            let mut loaded: HashMap<Value, Pair> = HashMap::new();
            for v in 0..f.values.len() {
                if let Some(c) = consts.get(&Value(v as u32)) {
                    let p = self.constant(c, header);
                    self.def(Value(v as u32), p);
                    continue;
                }
                let off = (v * 16) as i32;
                let bits = self
                    .b
                    .ins()
                    .load(types::I64, MemFlagsData::trusted(), vals, off + 8);
                let tag = if self.known_tag(Value(v as u32)).is_none() {
                    self.b
                        .ins()
                        .load(types::I64, MemFlagsData::trusted(), vals, off)
                } else {
                    bits
                };
                if is_phi.contains(&Value(v as u32)) {
                    loaded.insert(Value(v as u32), Pair { tag, bits });
                } else {
                    self.def(Value(v as u32), Pair { tag, bits });
                }
            }
            let mut args = Vec::new();
            let mut pairs = Vec::new();
            for d in header_phis {
                let p = loaded.get(&d).copied().unwrap_or_else(|| self.use_(d));
                pairs.push(p);
                if self.known_tag(d).is_none() {
                    args.push(BlockArg::Value(p.tag));
                }
                args.push(BlockArg::Value(p.bits));
            }
            if self.is_wide(header) {
                self.store_wide_phis(header, &pairs);
                args.clear();
            }
            self.b.ins().jump(blocks[header.index()], &args);
        } else {
            self.prologue(&params, &blocks, trap_block);
        }
        self.body(&blocks, &dom, &cfg, trap_block)
    }

    /// The prologue (spec §5): the depth check and increment, inline; then fuel; then the
    /// parameter annotations; then a jump to the first block.
    fn prologue(&mut self, params: &[ir::Value], blocks: &[ir::Block], trap_block: ir::Block) {
        let f = self.func;
        let mir_entry = Block(0);
        // Arguments passed by pointer are in the runtime's argument buffer, which the next call
        // reuses: load them before anything else.
        let by_pointer: Option<Vec<Pair>> = crate::module::by_pointer(f.params.len()).then(|| {
            (0..f.params.len())
                .map(|i| {
                    let off = (i * 16) as i32;
                    let flags = MemFlagsData::trusted();
                    Pair {
                        tag: self.b.ins().load(types::I64, flags, params[1], off),
                        bits: self.b.ins().load(types::I64, flags, params[1], off + 8),
                    }
                })
                .collect()
        });
        // Prologue (spec §5): the depth check and increment, inline; then fuel; then the
        // parameter annotations.
        let cx = self.ctx();
        let depth = self
            .b
            .ins()
            .load(types::I64, MemFlagsData::trusted(), cx, rtabi::CTX_DEPTH);
        let max = self.b.ins().load(
            types::I64,
            MemFlagsData::trusted(),
            cx,
            rtabi::CTX_MAX_DEPTH,
        );
        // The activation counts the function's depth units (spec §5): it traps when the depth
        // would pass the limit.
        let units = self.func.depth_units() as i64;
        let depth1 = self.b.ins().iadd_imm_s(depth, units);
        let over = self.b.ins().icmp(IntCC::UnsignedGreaterThan, depth1, max);
        let overflow = self.b.create_block();
        let go = self.b.create_block();
        self.b.ins().brif(over, overflow, &[], go, &[]);
        self.b.set_cold_block(overflow);
        self.b.switch_to_block(overflow);
        let fid = self.iconst(self.func_id.index() as i64);
        self.call_rt(control::STACK_OVERFLOW, &[fid]);
        let blk = self.iconst(0);
        let at = self.iconst(Site::ENTRY as i64);
        self.b
            .ins()
            .jump(trap_block, &[BlockArg::Value(blk), BlockArg::Value(at)]);
        self.b.switch_to_block(go);
        self.b
            .ins()
            .store(MemFlagsData::trusted(), depth1, cx, rtabi::CTX_DEPTH);
        if self.opts.profile {
            let fid = self.iconst(self.func_id.index() as i64);
            self.call_rt(control::PROF_ENTER, &[fid]);
        }
        if self.opts.fuel {
            let r = self.call_rt(control::FUEL, &[]);
            self.trap_if_nonzero(r[0], mir_entry);
        }
        let mut pairs = Vec::new();
        let mut k = 1;
        for (i, p) in f.params.iter().enumerate() {
            if let Some(loaded) = &by_pointer {
                self.def(p.value, loaded[i]);
                pairs.push(loaded[i]);
                continue;
            }
            let tag = if self.tagless[self.func_id.index()][i] {
                let t = self.known_tag(p.value).unwrap_or(tags::VOID);
                self.iconst(t as i64)
            } else {
                k += 1;
                params[k - 1]
            };
            let pair = Pair {
                tag,
                bits: params[k],
            };
            k += 1;
            self.def(p.value, pair);
            pairs.push(pair);
        }
        if f.params.iter().any(|p| p.ty.is_some()) {
            let fid = self.iconst(self.func_id.index() as i64);
            let addr = self.spill_args(&pairs);
            let n = self.iconst(pairs.len() as i64);
            let r = self.call_rt(control::CHECK_PARAMS, &[fid, addr, n]);
            self.trap_if_trap(r[0], mir_entry);
        }
        self.b.ins().jump(blocks[0], &[]);
    }

    /// The blocks, the trap landings and the trap exit.
    fn body(
        &mut self,
        blocks: &[ir::Block],
        dom: &BackEdges,
        cfg: &Cfg,
        trap_block: ir::Block,
    ) -> ModuleResult<()> {
        let f = self.func;
        // Reverse postorder from where the code starts (the entry, or the OSR loop header): a
        // block after its dominators, so definitions are translated before their uses. Then
        // the other blocks (unreachable, or before the OSR header: values defined there were
        // loaded by the OSR entry, and their definitions come after every live use).
        let mut order: Vec<Block> = match self.osr {
            Some(h) => rpo_from(cfg, h),
            None => cfg.reverse_postorder().to_vec(),
        };
        let mut placed = vec![false; f.blocks.len()];
        for b in &order {
            placed[b.index()] = true;
        }
        order.extend(f.blocks.keys().filter(|b| !placed[b.index()]));
        for bid in order {
            let bd = &f.blocks[bid];
            self.b.switch_to_block(blocks[bid.index()]);
            self.load_wide_phis(bid);
            for (i, inst) in bd.insts.iter().enumerate() {
                self.cur_inst = i as u32;
                self.publish_roots(bid, i, inst);
                self.inst(bid, inst, blocks, dom)?;
                // A tail call ends the block: the `ret` after it is never reached.
                if inst.is_tail_call() {
                    break;
                }
            }
            if bd.insts.last().is_none_or(|i| !i.is_terminator()) {
                // Verified modules always end blocks with a terminator; stay well-formed anyway.
                self.unlink_roots();
                let t = self.iconst(TRAP as i64);
                let z = self.iconst(0);
                self.b.ins().return_(&[t, z]);
            }
        }

        self.fill_wide_joins();
        let mut landings: Vec<((Block, u32), ir::Block)> =
            self.trap_landings.iter().map(|(a, b)| (*a, *b)).collect();
        landings.sort_by_key(|((a, i), _)| (a.index(), *i));
        for ((at, i), landing) in landings {
            self.b.switch_to_block(landing);
            let blk = self.iconst(at.index() as i64);
            let inst = self.iconst(i as i64);
            self.b
                .ins()
                .jump(trap_block, &[BlockArg::Value(blk), BlockArg::Value(inst)]);
        }
        self.b.switch_to_block(trap_block);
        let site = self.b.block_params(trap_block).to_vec();
        let fid = self.iconst(self.func_id.index() as i64);
        self.call_rt(control::TRAP_AT, &[fid, site[0], site[1]]);
        // A trap ends the run, so the profile needs no `leave` here: it charges the frames
        // still active at its end.
        self.unlink_roots();
        let t = self.iconst(TRAP as i64);
        let z = self.iconst(0);
        self.b.ins().return_(&[t, z]);
        self.b.seal_all_blocks();
        Ok(())
    }

    fn ctx(&self) -> ir::Value {
        self.ctx_val.expect("context")
    }

    fn iconst(&mut self, x: i64) -> ir::Value {
        self.b.ins().iconst(types::I64, x)
    }

    /// The tag every value of `v` has, if its type is known.
    fn known_tag(&self, v: Value) -> Option<u64> {
        self.types.and_then(|t| tag_of(t.ty(v)))
    }

    /// Defines `v`. A value of known type keeps only its bits: its tag is a constant at every
    /// use.
    fn def(&mut self, v: Value, p: Pair) {
        let tag = self.known_tag(v).is_none().then_some(p.tag);
        self.vars.insert(v, (tag, p.bits));
    }

    fn use_(&mut self, v: Value) -> Pair {
        let (tag, bits) = match self.vars.get(&v) {
            Some(&(t, b)) => (t, b),
            // Only in unreachable code (reachable uses are dominated by their definition, and
            // translated after it): any value will do.
            None => (None, self.iconst(0)),
        };
        let tag = match (self.known_tag(v), tag) {
            (Some(k), _) => self.iconst(k as i64),
            (None, Some(t)) => t,
            (None, None) => self.iconst(tags::VOID as i64),
        };
        Pair { tag, bits }
    }

    /// The constant an `iconst` defined `x` with, if it is one.
    fn const_of(&self, x: ir::Value) -> Option<i64> {
        let dfg = &self.b.func.dfg;
        if let ir::ValueDef::Result(inst, 0) = dfg.value_def(x) {
            if let ir::InstructionData::UnaryImm {
                opcode: ir::Opcode::Iconst,
                imm,
            } = dfg.insts[inst]
            {
                return Some(imm.bits());
            }
        }
        None
    }

    /// Whether the tag `t` equals `tag`, folded when `t` is a constant.
    fn tag_is(&mut self, t: ir::Value, tag: u64) -> Cond {
        match self.const_of(t) {
            Some(k) if k as u64 == tag => Cond::True,
            Some(_) => Cond::False,
            None => Cond::Dyn(self.b.ins().icmp_imm_s(IntCC::Equal, t, tag as i64)),
        }
    }

    /// The conjunction of two conditions, folded.
    fn and(&mut self, x: Cond, y: Cond) -> Cond {
        match (x, y) {
            (Cond::False, _) | (_, Cond::False) => Cond::False,
            (Cond::True, c) | (c, Cond::True) => c,
            (Cond::Dyn(a), Cond::Dyn(b)) => Cond::Dyn(self.b.ins().band(a, b)),
        }
    }

    /// The reference to runtime function `f` in this function (imported on first use).
    fn rt_ref(&mut self, f: &RtFunction) -> ir::FuncRef {
        if let Some(r) = self.rt_refs.get(f.name) {
            return *r;
        }
        let id = self.imports.id(f);
        let r = self.module.declare_func_in_func(id, self.b.func);
        self.rt_refs.insert(f.name, r);
        r
    }

    /// Calls a runtime function with the context first; returns its results.
    fn call_rt(&mut self, which: RtFunction, args: &[ir::Value]) -> Vec<ir::Value> {
        let fref = self.rt_ref(&which);
        let mut all = vec![self.ctx()];
        all.extend_from_slice(args);
        let call = self.b.ins().call(fref, &all);
        self.b.inst_results(call).to_vec()
    }

    /// Calls a runtime function returning a value; branches to the trap exit on `TRAP`.
    fn call_rt_val(&mut self, which: RtFunction, args: &[ir::Value], at: Block) -> Pair {
        let r = self.call_rt(which, args);
        self.trap_if_trap(r[0], at);
        Pair {
            tag: r[0],
            bits: r[1],
        }
    }

    fn trap_if_trap(&mut self, tag: ir::Value, at: Block) {
        let is_trap = self.b.ins().icmp_imm_s(IntCC::Equal, tag, TRAP as i64);
        self.branch_to_trap(is_trap, at);
    }

    fn trap_if_nonzero(&mut self, status: ir::Value, at: Block) {
        let is_trap = self.b.ins().icmp_imm_s(IntCC::NotEqual, status, 0);
        self.branch_to_trap(is_trap, at);
    }

    fn branch_to_trap(&mut self, cond: ir::Value, at: Block) {
        let cont = self.b.create_block();
        let landing = self.trap_landing(at);
        self.b.ins().brif(cond, landing, &[], cont, &[]);
        self.b.switch_to_block(cont);
    }

    /// The cold block that passes the site (MIR block `at`, the current instruction) to the
    /// trap exit: one per site, so the site is materialized only on the trap path (not in a
    /// register at every check).
    fn trap_landing(&mut self, at: Block) -> ir::Block {
        let key = (at, self.cur_inst);
        if let Some(b) = self.trap_landings.get(&key) {
            return *b;
        }
        // Filled at the end of the function (the builder fills one block at a time).
        let landing = self.b.create_block();
        self.b.set_cold_block(landing);
        self.trap_landings.insert(key, landing);
        landing
    }

    /// Stores `vals` into the argument slot and returns its address.
    fn spill_args(&mut self, vals: &[Pair]) -> ir::Value {
        let Some(slot) = self.arg_slot else {
            return self.iconst(0);
        };
        for (i, p) in vals.iter().enumerate() {
            let off = (i * 16) as i32;
            let addr = self.b.ins().stack_addr(self.ptr, slot, off);
            self.b.ins().store(MemFlagsData::trusted(), p.tag, addr, 0);
            self.b.ins().store(MemFlagsData::trusted(), p.bits, addr, 8);
        }
        self.b.ins().stack_addr(self.ptr, slot, 0)
    }

    /// The callee reference and the argument list of a call of MIR function `f`'s direct entry:
    /// the context, then each argument's tag (unless `f` takes that parameter untagged) and bits.
    fn direct_entry_args(&mut self, f: FuncId, args: &[Pair]) -> (ir::FuncRef, Vec<ir::Value>) {
        let fref = self
            .module
            .declare_func_in_func(self.direct[f.index()], self.b.func);
        let tagless = self.tagless[f.index()].clone();
        let all = self.native_args(&tagless, args);
        (fref, all)
    }

    /// The native arguments of a direct entry taking `args` whose parameters are `tagless`
    /// (or, with `tagless` empty, all tagged): the context, then each argument's tag (unless
    /// its parameter is tagless) and bits; for a function that takes its arguments by pointer
    /// ([`crate::module::BY_POINTER_PARAMS`]), the context and the runtime's argument buffer
    /// holding them.
    fn native_args(&mut self, tagless: &[bool], args: &[Pair]) -> Vec<ir::Value> {
        let mut all = vec![self.ctx()];
        if crate::module::by_pointer(args.len()) {
            let n = self.iconst(args.len() as i64);
            let buf = self.call_rt(control::ARG_BUFFER, &[n])[0];
            for (i, p) in args.iter().enumerate() {
                let off = (i * 16) as i32;
                self.b.ins().store(MemFlagsData::trusted(), p.tag, buf, off);
                self.b
                    .ins()
                    .store(MemFlagsData::trusted(), p.bits, buf, off + 8);
            }
            all.push(buf);
            return all;
        }
        for (i, p) in args.iter().enumerate() {
            if !tagless.get(i).copied().unwrap_or(false) {
                all.push(p.tag);
            }
            all.push(p.bits);
        }
        all
    }

    /// The static method `b::method` for a call with receiver `r` and `nargs` arguments, after
    /// the runtime's receiver check (`CHECK_RECEIVER`, which traps like the interpreter).
    /// `None` only for a method the verifier would have rejected.
    fn static_method(
        &mut self,
        b: mir14_mir::BoxId,
        method: &str,
        r: Pair,
        nargs: usize,
        at: Block,
    ) -> Option<FuncId> {
        let bx = self.iconst(b.index() as i64);
        let sym = self.iconst(self.symbols.method(method) as i64);
        let n = self.iconst(nargs as i64);
        self.call_rt_val(
            rtabi::calls::CHECK_RECEIVER,
            &[bx, sym, r.tag, r.bits, n],
            at,
        );
        self.mir.method(b, method)
    }

    /// A direct call to a MIR function; traps propagate.
    fn call_direct(&mut self, f: FuncId, args: &[Pair], at: Block) -> Pair {
        if let Some(links) = self.tier {
            return self.call_tiered(links, f, args, at);
        }
        let (fref, all) = self.direct_entry_args(f, args);
        let call = self.b.ins().call(fref, &all);
        let r = self.b.inst_results(call).to_vec();
        self.trap_if_trap(r[0], at);
        Pair {
            tag: r[0],
            bits: r[1],
        }
    }

    /// A call in tiered code: the callee's direct entry from the engine's table when it is
    /// compiled, else the engine's entry function (`(ctx, f, args, n) -> (tag, bits)`), which
    /// runs it in the interpreter or compiles it first; traps propagate.
    fn call_tiered(
        &mut self,
        links: crate::TierLinks,
        f: FuncId,
        args: &[Pair],
        at: Block,
    ) -> Pair {
        let slot_addr = self.iconst((links.table + 8 * f.index() as u64) as i64);
        let code = self
            .b
            .ins()
            .load(types::I64, MemFlagsData::trusted(), slot_addr, 0);
        let fast = self.b.create_block();
        let slow = self.b.create_block();
        let join = self.b.create_block();
        self.b.append_block_param(join, types::I64);
        self.b.append_block_param(join, types::I64);
        self.b.ins().brif(code, fast, &[], slow, &[]);
        // Compiled: the direct entry, with the callee's signature.
        self.b.switch_to_block(fast);
        let tagless = self.tagless[f.index()].clone();
        let all = self.native_args(&tagless, args);
        let sig = crate::module::direct_signature(&*self.module, &self.tagless[f.index()]);
        let sigref = self.b.import_signature(sig);
        let call = self.b.ins().call_indirect(sigref, code, &all);
        let r = self.b.inst_results(call).to_vec();
        self.b
            .ins()
            .jump(join, &[BlockArg::Value(r[0]), BlockArg::Value(r[1])]);
        // Not compiled yet: through the engine, arguments in memory.
        self.b.switch_to_block(slow);
        self.b.set_cold_block(slow);
        let addr = self.spill_args(args);
        let fid = self.iconst(f.index() as i64);
        let n = self.iconst(args.len() as i64);
        let enter = self.iconst(links.enter as i64);
        let mut sig = self.module.make_signature();
        sig.params.push(ir::AbiParam::new(self.ptr));
        sig.params.push(ir::AbiParam::new(types::I64));
        sig.params.push(ir::AbiParam::new(self.ptr));
        sig.params.push(ir::AbiParam::new(types::I64));
        sig.returns.push(ir::AbiParam::new(types::I64));
        sig.returns.push(ir::AbiParam::new(types::I64));
        let sigref = self.b.import_signature(sig);
        let cx = self.ctx();
        let call = self
            .b
            .ins()
            .call_indirect(sigref, enter, &[cx, fid, addr, n]);
        let r = self.b.inst_results(call).to_vec();
        self.b
            .ins()
            .jump(join, &[BlockArg::Value(r[0]), BlockArg::Value(r[1])]);
        self.b.switch_to_block(join);
        let res = self.b.block_params(join).to_vec();
        self.trap_if_trap(res[0], at);
        Pair {
            tag: res[0],
            bits: res[1],
        }
    }

    /// The arguments of `to`'s phi parameters for the edge `from → to` (a parallel copy: every
    /// input is read before the jump), then the edge's fuel check, emitted at the current
    /// position. Returns the arguments of the jump to `to` (none for a wide join, whose inputs
    /// are stored into its slot; the jump goes to [`FnTranslator::edge_dest`]).
    fn edge_inline(&mut self, from: Block, to: Block, dom: &BackEdges) -> Vec<BlockArg> {
        let f = self.func;
        let mut args = Vec::new();
        let mut pairs = Vec::new();
        // (`branch %c, b, b` emits the edge twice.)
        let inputs = self.phi_args.get(&(from, to)).cloned().unwrap_or_default();
        for (k, inst) in f.blocks[to].insts.iter().enumerate() {
            let Inst::Phi { dest, .. } = inst else {
                break;
            };
            let p = match inputs.get(k).copied().flatten() {
                Some(v) => self.use_(v),
                None => {
                    let z = self.iconst(0);
                    Pair { tag: z, bits: z }
                }
            };
            pairs.push(p);
            if self.known_tag(*dest).is_none() {
                args.push(BlockArg::Value(p.tag));
            }
            args.push(BlockArg::Value(p.bits));
        }
        if self.opts.fuel && dom.contains(from, to) {
            let r = self.call_rt(control::FUEL, &[]);
            let inst = std::mem::replace(&mut self.cur_inst, Site::ARRIVE);
            self.trap_if_nonzero(r[0], to);
            self.cur_inst = inst;
        }
        if self.is_wide(to) {
            // Through the join's slot, after the fuel check: nothing but jumps runs between
            // these stores and the join's loads.
            self.store_wide_phis(to, &pairs);
            args.clear();
        }
        args
    }

    /// The Cranelift block a Branch jumps to for the edge `from → to`, and whether it is a new
    /// edge block that must still be filled with the edge's copies and fuel check.
    fn edge_target(
        &mut self,
        from: Block,
        to: Block,
        blocks: &[ir::Block],
        dom: &BackEdges,
    ) -> (ir::Block, bool) {
        let has_phis = matches!(self.func.blocks[to].insts.first(), Some(Inst::Phi { .. }));
        let back = self.opts.fuel && dom.contains(from, to);
        if !has_phis && !back {
            return (self.edge_dest(from, to, blocks), false);
        }
        (self.b.create_block(), true)
    }
}

/// Whether an OSR entry of `f` at `header` can be translated: every block the header reaches
/// is dominated by it. Then a value defined in a reached block dominates each of its uses in
/// the entry's graph too (a path from the header to a use that skipped the definition would
/// extend, through the header, to an original path that skipped it), and every other value is
/// loaded from the frame before the header. A header whose region runs out into blocks it does
/// not dominate (an inner loop whose outer loop's header it reaches) gets no OSR entry: its
/// activation stays interpreted until the next call or an enclosing header.
pub(crate) fn osr_supported(f: &Function, header: Block) -> bool {
    let cfg = Cfg::new(f);
    let dom = mir14_mir::analysis::DomTree::new(&cfg);
    rpo_from(&cfg, header)
        .into_iter()
        .all(|b| dom.dominates(header, b))
}

/// The blocks reachable from `root`, in reverse postorder of a depth-first search from it.
fn rpo_from(cfg: &Cfg, root: Block) -> Vec<Block> {
    let mut seen = vec![false; cfg.num_blocks()];
    let mut post = Vec::new();
    if root.index() >= seen.len() {
        return post;
    }
    let mut stack: Vec<(Block, usize)> = vec![(root, 0)];
    seen[root.index()] = true;
    while let Some(top) = stack.last_mut() {
        let (b, next) = *top;
        if let Some(&s) = cfg.successors(b).get(next) {
            top.1 += 1;
            if !seen[s.index()] {
                seen[s.index()] = true;
                stack.push((s, 0));
            }
        } else {
            post.push(b);
            stack.pop();
        }
    }
    post.reverse();
    post
}
