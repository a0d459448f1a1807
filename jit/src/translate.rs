//! The one translator from verified MIR14 to Cranelift IR, generic over
//! [`cranelift_module::Module`], used by the JIT and by the AOT backend alike.
//!
//! Calling convention of translated code (see `mir14_rt::abi`):
//! - every MIR value is a pair of `i64`s (tag, bits) held in two Cranelift variables;
//! - MIR function number `i`, `@f(a, b)`, becomes
//!   `mir14_f<i>(ctx, a.tag, a.bits, b.tag, b.bits) -> (tag, bits)` (the "direct" entry, local),
//!   plus an "array" entry `mir14_a<i>(ctx, args, nargs) -> (tag, bits)` (exported) that the
//!   runtime uses for dynamic calls;
//! - runtime functions are imported by their `#[no_mangle]` names, `mir14_rt_*`;
//! - a parameter whose inferred type is known (and not annotated) travels without its tag
//!   (only its bits) in the direct entry: [`mir14_mir::infer`] proved every caller passes that
//!   type, so the tag is a constant;
//! - a returned tag of [`TRAP`] means "a trap is pending in the runtime": every caller returns
//!   `TRAP` at once, recording the innermost location first (`mir14_rt_trap_at`).
//!
//! Types: the translator runs [`mir14_mir::infer::infer`] on the module. A value of known type
//! keeps only its bits in a Cranelift variable (its tag is a constant), tag tests on it fold at
//! translation time, and only values of unknown type take the generic path (inline fast cases,
//! then the runtime). Environment knobs for development and testing: `MIR14_UNTYPED=1` turns
//! inference off (the differential test `tests/typed.rs` compares both), `MIR14_DUMP=1`
//! prints the machine code of every function to stderr.

// `ModuleError` is Cranelift's own (large) error type, returned at most once per compilation.
#![allow(clippy::result_large_err)]

use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{
    self, types, AbiParam, BlockArg, InstBuilder, MemFlagsData, Signature, StackSlotData,
    StackSlotKind, UserFuncName,
};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use cranelift_module::{
    DataDescription, DataId, FuncId as ClFuncId, Linkage, Module, ModuleResult,
};
use mir14_mir::analysis::BackEdges;
use mir14_mir::infer::{self, FuncTypes, ModuleTypes, Ty};
use mir14_mir::{
    BinOp, Block, BoxClass, Callee, CmpOp, Constant, FuncId, Function, Inst, Module as MirModule,
    TypeOpKind, UnaryOp, Value,
};
use mir14_rt as tags;
use mir14_rt::abi::{self as rtabi, Symbols, TRAP};
use std::collections::HashMap;

/// Options that change the generated code.
#[derive(Copy, Clone, Debug, Default)]
pub struct TranslateOptions {
    /// Emit fuel checks (`mir14_rt_fuel`) at function entries and on taken back edges.
    pub fuel: bool,
}

/// The runtime functions translated code imports, with their signatures.
/// `p` = pointer, `i` = i64; every function takes the context pointer first.
const RUNTIME_IMPORTS: &[(&str, &str, usize)] = &[
    // (name, params after ctx as a string of i's, number of i64 results)
    ("mir14_rt_stack_overflow", "i", 2),
    ("mir14_rt_fuel", "", 1),
    ("mir14_rt_trap_at", "ii", 0),
    ("mir14_rt_const_str", "i", 2),
    ("mir14_rt_unary", "iii", 2),
    ("mir14_rt_binop", "iiiii", 2),
    ("mir14_rt_compare", "iiiii", 2),
    ("mir14_rt_typeop", "iiii", 2),
    ("mir14_rt_load", "iii", 2),
    ("mir14_rt_store", "iiiii", 2),
    ("mir14_rt_branch_fail", "ii", 2),
    ("mir14_rt_new", "ipi", 2),
    ("mir14_rt_new_user", "i", 2),
    ("mir14_rt_check_receiver", "iiiii", 2),
    ("mir14_rt_call_method", "iiipi", 2),
    ("mir14_rt_call_value", "iipi", 2),
    ("mir14_rt_extern", "ipi", 2),
    ("mir14_rt_check_params", "ipi", 2),
    ("mir14_rt_check_ret", "iii", 2),
    ("mir14_rt_array_push", "iii", 2),
    ("mir14_rt_array_get", "iii", 2),
    ("mir14_rt_array_length", "i", 2),
];

/// Indexes into `RUNTIME_IMPORTS`.
#[derive(Copy, Clone)]
enum Rt {
    StackOverflow = 0,
    Fuel,
    TrapAt,
    ConstStr,
    Unary,
    Binop,
    Compare,
    TypeOp,
    Load,
    Store,
    BranchFail,
    New,
    NewUser,
    CheckReceiver,
    CallMethod,
    CallValue,
    Extern,
    CheckParams,
    CheckRet,
    ArrayPush,
    ArrayGet,
    ArrayLength,
}

/// What translating a module declared: the Cranelift ids of every function's entries.
pub struct Translated {
    /// The direct entry of each MIR function, by `FuncId` index.
    pub direct: Vec<ClFuncId>,
    /// The array entry of each MIR function, by `FuncId` index.
    pub array: Vec<ClFuncId>,
    /// The symbol tables shared with the runtime (string constants, field and method names).
    pub symbols: Symbols,
}

/// The symbol name of a function's direct entry.
fn direct_name(i: usize) -> String {
    format!("mir14_f{i}")
}

/// The symbol name of a function's array entry.
fn array_name(i: usize) -> String {
    format!("mir14_a{i}")
}

/// Declares and defines every function of `mir` in `module`.
pub fn translate_module<M: Module>(
    module: &mut M,
    mir: &MirModule,
    opts: TranslateOptions,
) -> ModuleResult<Translated> {
    let ptr = module.target_config().pointer_type();
    let symbols = Symbols::collect(mir);
    // Whole-module type inference; `MIR14_UNTYPED=1` turns it off (every value takes the
    // generic path), which the differential test uses to check that types change nothing.
    let types: Option<ModuleTypes> = if std::env::var_os("MIR14_UNTYPED").is_some_and(|v| v == "1")
    {
        None
    } else {
        Some(infer::infer(mir))
    };
    // Import the runtime.
    let mut rt_ids = Vec::new();
    for (name, params, results) in RUNTIME_IMPORTS {
        let mut sig = module.make_signature();
        sig.params.push(AbiParam::new(ptr));
        for c in params.chars() {
            sig.params
                .push(AbiParam::new(if c == 'p' { ptr } else { types::I64 }));
        }
        for _ in 0..*results {
            sig.returns.push(AbiParam::new(types::I64));
        }
        rt_ids.push(module.declare_function(name, Linkage::Import, &sig)?);
    }
    // Parameters whose type is known and unannotated travel without their tag: every caller is
    // a visible direct call (open functions have Unknown parameters), so the tag is a constant.
    let tagless: Vec<Vec<bool>> = mir
        .functions
        .iter()
        .map(|(id, f)| {
            f.params
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    p.ty.is_none()
                        && types.as_ref().is_some_and(|t| {
                            !t.open[id.index()]
                                && t.func(id).params.get(i).copied().and_then(tag_of).is_some()
                        })
                })
                .collect()
        })
        .collect();
    // Declare every MIR function's two entries.
    let mut direct = Vec::new();
    let mut array = Vec::new();
    for id in mir.functions.keys() {
        let sig = direct_signature(module, &tagless[id.index()]);
        direct.push(module.declare_function(&direct_name(id.index()), Linkage::Local, &sig)?);
        let asig = array_signature(module);
        array.push(module.declare_function(&array_name(id.index()), Linkage::Export, &asig)?);
    }
    let mut fctx = FunctionBuilderContext::new();
    let mut ctx = module.make_context();
    for (id, f) in mir.functions.iter() {
        ctx.func.signature = direct_signature(module, &tagless[id.index()]);
        ctx.func.name = UserFuncName::user(0, direct[id.index()].as_u32());
        {
            let mut t = FnTranslator {
                b: FunctionBuilder::new(&mut ctx.func, &mut fctx),
                module: &mut *module,
                mir,
                func: f,
                func_id: id,
                types: types.as_ref().map(|t| t.func(id)),
                rt_ids: &rt_ids,
                rt_refs: HashMap::new(),
                direct: &direct,
                tagless: &tagless,
                symbols: &symbols,
                vars: HashMap::new(),
                ctx_val: None,
                arg_slot: None,
                trap_block: None,
                trap_landings: HashMap::new(),
                opts,
                ptr,
            };
            t.translate()?;
            t.b.finalize(module.target_config());
        }
        let dump = std::env::var_os("MIR14_DUMP").is_some();
        ctx.set_disasm(dump);
        module.define_function(direct[id.index()], &mut ctx)?;
        if dump {
            if let Some(c) = ctx.compiled_code() {
                eprintln!("{}", c.vcode.clone().unwrap_or_default());
            }
        }
        module.clear_context(&mut ctx);

        // The array entry: load the arguments and call the direct entry.
        ctx.func.signature = array_signature(module);
        ctx.func.name = UserFuncName::user(1, array[id.index()].as_u32());
        {
            let mut b = FunctionBuilder::new(&mut ctx.func, &mut fctx);
            let entry = b.create_block();
            b.append_block_params_for_function_params(entry);
            b.switch_to_block(entry);
            b.seal_block(entry);
            let params = b.block_params(entry).to_vec();
            let (cx, args) = (params[0], params[1]);
            let mut call_args = vec![cx];
            for (i, no_tag) in tagless[id.index()].iter().enumerate() {
                let off = (i * 16) as i32;
                if !no_tag {
                    call_args.push(b.ins().load(types::I64, MemFlagsData::trusted(), args, off));
                }
                call_args.push(
                    b.ins()
                        .load(types::I64, MemFlagsData::trusted(), args, off + 8),
                );
            }
            let fref = module.declare_func_in_func(direct[id.index()], b.func);
            let call = b.ins().call(fref, &call_args);
            let res = b.inst_results(call).to_vec();
            b.ins().return_(&res);
            b.finalize(module.target_config());
        }
        module.define_function(array[id.index()], &mut ctx)?;
        module.clear_context(&mut ctx);
    }
    Ok(Translated {
        direct,
        array,
        symbols,
    })
}

/// Defines a read-only data object holding `bytes` and returns its id.
pub fn define_bytes<M: Module>(module: &mut M, name: &str, bytes: Vec<u8>) -> ModuleResult<DataId> {
    let id = module.declare_data(name, Linkage::Local, false, false)?;
    let mut desc = DataDescription::new();
    desc.define(bytes.into_boxed_slice());
    module.define_data(id, &desc)?;
    Ok(id)
}

/// `(ctx, [tag,] bits, ...) -> (tag, bits)`: a tag per parameter unless it is `tagless`.
fn direct_signature<M: Module>(module: &M, tagless: &[bool]) -> Signature {
    let mut sig = module.make_signature();
    sig.params
        .push(AbiParam::new(module.target_config().pointer_type()));
    for t in tagless {
        let n = if *t { 1 } else { 2 };
        for _ in 0..n {
            sig.params.push(AbiParam::new(types::I64));
        }
    }
    sig.returns.push(AbiParam::new(types::I64));
    sig.returns.push(AbiParam::new(types::I64));
    sig
}

/// `(ctx, args: *const Val, nargs) -> (tag, bits)`.
pub fn array_signature<M: Module>(module: &M) -> Signature {
    let ptr = module.target_config().pointer_type();
    let mut sig = module.make_signature();
    sig.params.push(AbiParam::new(ptr));
    sig.params.push(AbiParam::new(ptr));
    sig.params.push(AbiParam::new(types::I64));
    sig.returns.push(AbiParam::new(types::I64));
    sig.returns.push(AbiParam::new(types::I64));
    sig
}

/// The runtime tag of every value of an inferred type (`None` for `Unknown` and `Bottom`).
fn tag_of(t: Ty) -> Option<u64> {
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

struct FnTranslator<'a, 'b, M: Module> {
    b: FunctionBuilder<'b>,
    module: &'a mut M,
    mir: &'a MirModule,
    func: &'a Function,
    func_id: FuncId,
    /// The inferred types of this function's values (`None`: inference is off).
    types: Option<&'a FuncTypes>,
    rt_ids: &'a [ClFuncId],
    rt_refs: HashMap<usize, ir::FuncRef>,
    direct: &'a [ClFuncId],
    /// Per function and parameter: whether the parameter's tag is left out of the call.
    tagless: &'a [Vec<bool>],
    symbols: &'a Symbols,
    vars: HashMap<Value, (Variable, Variable)>,
    ctx_val: Option<ir::Value>,
    arg_slot: Option<ir::StackSlot>,
    trap_block: Option<ir::Block>,
    /// Per MIR block, its landing block on the way to `trap_block`.
    trap_landings: HashMap<Block, ir::Block>,
    opts: TranslateOptions,
    ptr: ir::Type,
}

impl<M: Module> FnTranslator<'_, '_, M> {
    fn translate(&mut self) -> ModuleResult<()> {
        let f = self.func;
        let dom = BackEdges::fuel_edges(f);
        let blocks: Vec<ir::Block> = f.blocks.keys().map(|_| self.b.create_block()).collect();
        let entry = self.b.create_block();
        self.b.append_block_params_for_function_params(entry);
        self.b.switch_to_block(entry);
        let params = self.b.block_params(entry).to_vec();
        self.ctx_val = Some(params[0]);
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
                (max_args * 16) as u32,
                3,
            ));
            self.arg_slot = Some(slot);
        }
        // The trap exit: record where (the MIR block index is the block parameter), return TRAP.
        let trap_block = self.b.create_block();
        self.b.append_block_param(trap_block, types::I64);
        self.trap_block = Some(trap_block);

        let mir_entry = Block(0);
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
        let over = self
            .b
            .ins()
            .icmp(IntCC::UnsignedGreaterThanOrEqual, depth, max);
        let overflow = self.b.create_block();
        let go = self.b.create_block();
        self.b.ins().brif(over, overflow, &[], go, &[]);
        self.b.set_cold_block(overflow);
        self.b.switch_to_block(overflow);
        let fid = self.iconst(self.func_id.index() as i64);
        self.call_rt(Rt::StackOverflow, &[fid]);
        let blk = self.iconst(0);
        self.b.ins().jump(trap_block, &[BlockArg::Value(blk)]);
        self.b.switch_to_block(go);
        let depth1 = self.b.ins().iadd_imm_s(depth, 1);
        self.b
            .ins()
            .store(MemFlagsData::trusted(), depth1, cx, rtabi::CTX_DEPTH);
        if self.opts.fuel {
            let r = self.call_rt(Rt::Fuel, &[]);
            self.trap_if_nonzero(r[0], mir_entry);
        }
        let mut pairs = Vec::new();
        let mut k = 1;
        for (i, p) in f.params.iter().enumerate() {
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
            let r = self.call_rt(Rt::CheckParams, &[fid, addr, n]);
            self.trap_if_trap(r[0], mir_entry);
        }
        self.b.ins().jump(blocks[0], &[]);

        for (bid, bd) in f.blocks.iter() {
            self.b.switch_to_block(blocks[bid.index()]);
            for inst in &bd.insts {
                self.inst(bid, inst, &blocks, &dom)?;
            }
            if bd.insts.last().is_none_or(|i| !i.is_terminator()) {
                // Verified modules always end blocks with a terminator; stay well-formed anyway.
                let t = self.iconst(TRAP as i64);
                let z = self.iconst(0);
                self.b.ins().return_(&[t, z]);
            }
        }

        let mut landings: Vec<(Block, ir::Block)> =
            self.trap_landings.iter().map(|(a, b)| (*a, *b)).collect();
        landings.sort_by_key(|(a, _)| a.index());
        for (at, landing) in landings {
            self.b.switch_to_block(landing);
            let blk = self.iconst(at.index() as i64);
            self.b.ins().jump(trap_block, &[BlockArg::Value(blk)]);
        }
        self.b.switch_to_block(trap_block);
        let blk = self.b.block_params(trap_block)[0];
        let fid = self.iconst(self.func_id.index() as i64);
        self.call_rt(Rt::TrapAt, &[fid, blk]);
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

    fn vars_of(&mut self, v: Value) -> (Variable, Variable) {
        if let Some(p) = self.vars.get(&v) {
            return *p;
        }
        let t = self.b.declare_var(types::I64);
        let b = self.b.declare_var(types::I64);
        self.vars.insert(v, (t, b));
        (t, b)
    }

    /// The tag every value of `v` has, if its type is known.
    fn known_tag(&self, v: Value) -> Option<u64> {
        self.types.and_then(|t| tag_of(t.ty(v)))
    }

    /// Defines `v`. A value of known type keeps only its bits in a variable: its tag is a
    /// constant at every use.
    fn def(&mut self, v: Value, p: Pair) {
        let (t, b) = self.vars_of(v);
        if self.known_tag(v).is_none() {
            self.b.def_var(t, p.tag);
        }
        self.b.def_var(b, p.bits);
    }

    fn use_(&mut self, v: Value) -> Pair {
        let (t, b) = self.vars_of(v);
        let tag = match self.known_tag(v) {
            Some(k) => self.iconst(k as i64),
            None => self.b.use_var(t),
        };
        Pair {
            tag,
            bits: self.b.use_var(b),
        }
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

    fn rt_ref(&mut self, which: Rt) -> ir::FuncRef {
        let idx = which as usize;
        if let Some(r) = self.rt_refs.get(&idx) {
            return *r;
        }
        let r = self
            .module
            .declare_func_in_func(self.rt_ids[idx], self.b.func);
        self.rt_refs.insert(idx, r);
        r
    }

    /// Calls a runtime function with the context first; returns its results.
    fn call_rt(&mut self, which: Rt, args: &[ir::Value]) -> Vec<ir::Value> {
        let fref = self.rt_ref(which);
        let mut all = vec![self.ctx()];
        all.extend_from_slice(args);
        let call = self.b.ins().call(fref, &all);
        self.b.inst_results(call).to_vec()
    }

    /// Calls a runtime function returning a value; branches to the trap exit on `TRAP`.
    fn call_rt_val(&mut self, which: Rt, args: &[ir::Value], at: Block) -> Pair {
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

    /// The cold block that passes MIR block `at` to the trap exit: one per MIR block, so the
    /// block number is materialized only on the trap path (not in a register at every check).
    fn trap_landing(&mut self, at: Block) -> ir::Block {
        if let Some(b) = self.trap_landings.get(&at) {
            return *b;
        }
        // Filled at the end of the function (the builder fills one block at a time).
        let landing = self.b.create_block();
        self.b.set_cold_block(landing);
        self.trap_landings.insert(at, landing);
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

    /// A direct call to a MIR function; traps propagate.
    fn call_direct(&mut self, f: FuncId, args: &[Pair], at: Block) -> Pair {
        let fref = self
            .module
            .declare_func_in_func(self.direct[f.index()], self.b.func);
        let mut all = vec![self.ctx()];
        for (i, p) in args.iter().enumerate() {
            if !self.tagless[f.index()].get(i).copied().unwrap_or(false) {
                all.push(p.tag);
            }
            all.push(p.bits);
        }
        let call = self.b.ins().call(fref, &all);
        let r = self.b.inst_results(call).to_vec();
        self.trap_if_trap(r[0], at);
        Pair {
            tag: r[0],
            bits: r[1],
        }
    }

    fn inst(
        &mut self,
        bid: Block,
        inst: &Inst,
        blocks: &[ir::Block],
        dom: &BackEdges,
    ) -> ModuleResult<()> {
        match inst {
            Inst::Const { dest, value } => {
                let p = self.constant(value, bid);
                self.def(*dest, p);
            }
            Inst::Unary { dest, op, arg } => {
                let a = self.use_(*arg);
                let p = self.unary(*op, a, bid);
                self.def(*dest, p);
            }
            Inst::Binary { dest, op, lhs, rhs } => {
                let a = self.use_(*lhs);
                let c = self.use_(*rhs);
                let p = self.binop(*op, a, c, bid);
                self.def(*dest, p);
            }
            Inst::Compare { dest, op, lhs, rhs } => {
                let a = self.use_(*lhs);
                let c = self.use_(*rhs);
                let p = self.compare(*op, a, c, bid);
                self.def(*dest, p);
            }
            Inst::TypeOp { dest, op, arg } => {
                let a = self.use_(*arg);
                let (kind, ty) = match op {
                    TypeOpKind::Check(t) => (0, rtabi::encode_type(*t)),
                    TypeOpKind::Cast(t) => (1, rtabi::encode_type(*t)),
                    TypeOpKind::TypeOf => (2, 0),
                };
                let k = self.iconst(kind);
                let t = self.iconst(ty);
                let p = self.call_rt_val(Rt::TypeOp, &[k, t, a.tag, a.bits], bid);
                self.def(*dest, p);
            }
            Inst::Load { dest, obj, field } => {
                let o = self.use_(*obj);
                let sym = self.iconst(self.symbols.field(field) as i64);
                let p = self.call_rt_val(Rt::Load, &[sym, o.tag, o.bits], bid);
                self.def(*dest, p);
            }
            Inst::Store { obj, field, value } => {
                let o = self.use_(*obj);
                let v = self.use_(*value);
                let sym = self.iconst(self.symbols.field(field) as i64);
                self.call_rt_val(Rt::Store, &[sym, o.tag, o.bits, v.tag, v.bits], bid);
            }
            Inst::Branch {
                cond,
                then_block,
                else_block,
            } => {
                let c = self.use_(*cond);
                let is_bool = self.tag_is(c.tag, tags::BOOL);
                if !matches!(is_bool, Cond::True) {
                    let ok = self.b.create_block();
                    let bad = self.b.create_block();
                    match is_bool {
                        Cond::Dyn(x) => {
                            self.b.ins().brif(x, ok, &[], bad, &[]);
                        }
                        _ => {
                            self.b.ins().jump(bad, &[]);
                        }
                    }
                    self.b.switch_to_block(bad);
                    self.call_rt_val(Rt::BranchFail, &[c.tag, c.bits], bid);
                    // mir14_rt_branch_fail always traps; the fall-through is unreachable.
                    self.b.ins().jump(ok, &[]);
                    self.b.switch_to_block(ok);
                }
                // Edges that need phi copies or a fuel check get a block of their own,
                // filled after the branch (the builder fills one block at a time).
                let t = self.edge_target(bid, *then_block, blocks, dom);
                let e = self.edge_target(bid, *else_block, blocks, dom);
                self.b.ins().brif(c.bits, t.0, &[], e.0, &[]);
                for (eb, needs, to) in [(t.0, t.1, *then_block), (e.0, e.1, *else_block)] {
                    if needs {
                        self.b.switch_to_block(eb);
                        self.edge_inline(bid, to, dom);
                        self.b.ins().jump(blocks[to.index()], &[]);
                    }
                }
            }
            Inst::Jump { target } => {
                self.edge_inline(bid, *target, dom);
                self.b.ins().jump(blocks[target.index()], &[]);
            }
            Inst::Return { value } => {
                let p = match value {
                    Some(v) => self.use_(*v),
                    None => Pair {
                        tag: self.iconst(tags::VOID as i64),
                        bits: self.iconst(0),
                    },
                };
                if self.func.ret_type.is_some() {
                    let fid = self.iconst(self.func_id.index() as i64);
                    self.call_rt_val(Rt::CheckRet, &[fid, p.tag, p.bits], bid);
                }
                let cx = self.ctx();
                let d =
                    self.b
                        .ins()
                        .load(types::I64, MemFlagsData::trusted(), cx, rtabi::CTX_DEPTH);
                let d1 = self.b.ins().iadd_imm_s(d, -1);
                self.b
                    .ins()
                    .store(MemFlagsData::trusted(), d1, cx, rtabi::CTX_DEPTH);
                self.b.ins().return_(&[p.tag, p.bits]);
            }
            Inst::Phi { .. } => {
                // Phis are defined by the parallel copies on each incoming edge.
            }
            Inst::NewBox { dest, class, args } => {
                let vals: Vec<Pair> = args.iter().map(|a| self.use_(*a)).collect();
                let p = match class {
                    BoxClass::User(b) => {
                        let bx = self.iconst(b.index() as i64);
                        let inst = self.call_rt_val(Rt::NewUser, &[bx], bid);
                        if let Some(birth) = self.mir.method(*b, "birth") {
                            let mut all = vec![inst];
                            all.extend(vals);
                            self.call_direct(birth, &all, bid);
                        }
                        inst
                    }
                    other => {
                        let code = self.iconst(rtabi::encode_class(*other));
                        let addr = self.spill_args(&vals);
                        let n = self.iconst(vals.len() as i64);
                        self.call_rt_val(Rt::New, &[code, addr, n], bid)
                    }
                };
                self.def(*dest, p);
            }
            Inst::Call { dest, callee, args } | Inst::ExternCall { dest, callee, args } => {
                let vals: Vec<Pair> = args.iter().map(|a| self.use_(*a)).collect();
                let p = match callee {
                    Callee::Global(f) => self.call_direct(*f, &vals, bid),
                    Callee::Method {
                        box_name: Some(b),
                        method,
                        receiver,
                    } => {
                        let r = self.use_(*receiver);
                        let bx = self.iconst(b.index() as i64);
                        let sym = self.iconst(self.symbols.method(method) as i64);
                        let n = self.iconst(vals.len() as i64);
                        self.call_rt_val(Rt::CheckReceiver, &[bx, sym, r.tag, r.bits, n], bid);
                        match self.mir.method(*b, method) {
                            Some(m) => {
                                let mut all = vec![r];
                                all.extend(vals);
                                self.call_direct(m, &all, bid)
                            }
                            // The verifier guarantees the method exists.
                            None => r,
                        }
                    }
                    // Builtin ArrayBox methods on a receiver known to be an ArrayBox.
                    Callee::Method {
                        box_name: None,
                        method,
                        receiver,
                    } if self.known_tag(*receiver) == Some(tags::ARRAY)
                        && matches!(
                            (method.as_str(), vals.len()),
                            ("push", 1) | ("get", 1) | ("length", 0)
                        ) =>
                    {
                        let r = self.use_(*receiver);
                        match method.as_str() {
                            "push" => {
                                // Never traps.
                                let x = self
                                    .call_rt(Rt::ArrayPush, &[r.bits, vals[0].tag, vals[0].bits]);
                                Pair {
                                    tag: x[0],
                                    bits: x[1],
                                }
                            }
                            "get" => self.call_rt_val(
                                Rt::ArrayGet,
                                &[r.bits, vals[0].tag, vals[0].bits],
                                bid,
                            ),
                            _ => {
                                // Never traps.
                                let x = self.call_rt(Rt::ArrayLength, &[r.bits]);
                                Pair {
                                    tag: x[0],
                                    bits: x[1],
                                }
                            }
                        }
                    }
                    Callee::Method {
                        box_name: None,
                        method,
                        receiver,
                    } => {
                        let r = self.use_(*receiver);
                        let sym = self.iconst(self.symbols.method(method) as i64);
                        let addr = self.spill_args(&vals);
                        let n = self.iconst(vals.len() as i64);
                        self.call_rt_val(Rt::CallMethod, &[sym, r.tag, r.bits, addr, n], bid)
                    }
                    Callee::Value(fv) => {
                        let f = self.use_(*fv);
                        let addr = self.spill_args(&vals);
                        let n = self.iconst(vals.len() as i64);
                        self.call_rt_val(Rt::CallValue, &[f.tag, f.bits, addr, n], bid)
                    }
                    Callee::Extern(e) => {
                        let id = self.iconst(rtabi::encode_extern(*e));
                        let addr = self.spill_args(&vals);
                        let n = self.iconst(vals.len() as i64);
                        self.call_rt_val(Rt::Extern, &[id, addr, n], bid)
                    }
                };
                if let Some(d) = dest {
                    self.def(*d, p);
                }
            }
        }
        Ok(())
    }

    /// The phi copies (parallel: read every input, then write every result) and the fuel check
    /// for the edge `from → to`, emitted at the current position.
    fn edge_inline(&mut self, from: Block, to: Block, dom: &BackEdges) {
        let f = self.func;
        let mut copies = Vec::new();
        for inst in &f.blocks[to].insts {
            let Inst::Phi { dest, inputs } = inst else {
                break;
            };
            if let Some((_, v)) = inputs.iter().find(|(b, _)| *b == from) {
                copies.push((*dest, *v));
            }
        }
        let read: Vec<(Value, Pair)> = copies.iter().map(|(d, v)| (*d, self.use_(*v))).collect();
        for (d, p) in read {
            self.def(d, p);
        }
        if self.opts.fuel && dom.contains(from, to) {
            let r = self.call_rt(Rt::Fuel, &[]);
            self.trap_if_nonzero(r[0], to);
        }
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
            return (blocks[to.index()], false);
        }
        (self.b.create_block(), true)
    }

    fn constant(&mut self, c: &Constant, at: Block) -> Pair {
        let (tag, bits) = match c {
            Constant::Int(i) => (tags::INT, *i),
            Constant::Float(x) => (tags::FLOAT, x.get().to_bits() as i64),
            Constant::Bool(b) => (tags::BOOL, *b as i64),
            Constant::Void => (tags::VOID, 0),
            Constant::Func(f) => (tags::FUNC, f.index() as i64),
            Constant::Str(s) => {
                let idx = self.iconst(self.symbols.string(s) as i64);
                return self.call_rt_val(Rt::ConstStr, &[idx], at);
            }
        };
        Pair {
            tag: self.iconst(tag as i64),
            bits: self.iconst(bits),
        }
    }

    /// Emits `if cond { fast } else { rt slow path }`, joining into one result.
    /// A condition known at compile time emits only the path taken.
    fn fast_or_slow(
        &mut self,
        cond: Cond,
        fast: impl FnOnce(&mut Self) -> Pair,
        slow: impl FnOnce(&mut Self) -> Pair,
    ) -> Pair {
        let cond = match cond {
            Cond::True => return fast(self),
            Cond::False => return slow(self),
            Cond::Dyn(c) => c,
        };
        let fast_b = self.b.create_block();
        let slow_b = self.b.create_block();
        let join = self.b.create_block();
        let jt = self.b.append_block_param(join, types::I64);
        let jb = self.b.append_block_param(join, types::I64);
        self.b.ins().brif(cond, fast_b, &[], slow_b, &[]);
        self.b.switch_to_block(fast_b);
        let p = fast(self);
        self.b
            .ins()
            .jump(join, &[BlockArg::Value(p.tag), BlockArg::Value(p.bits)]);
        self.b.switch_to_block(slow_b);
        let p = slow(self);
        self.b
            .ins()
            .jump(join, &[BlockArg::Value(p.tag), BlockArg::Value(p.bits)]);
        self.b.switch_to_block(join);
        Pair { tag: jt, bits: jb }
    }

    fn both_tag(&mut self, a: Pair, c: Pair, tag: u64) -> Cond {
        let x = self.tag_is(a.tag, tag);
        let y = self.tag_is(c.tag, tag);
        self.and(x, y)
    }

    fn unary(&mut self, op: UnaryOp, a: Pair, at: Block) -> Pair {
        let (tag, f): (u64, fn(&mut FunctionBuilder, ir::Value) -> ir::Value) = match op {
            UnaryOp::Neg => (tags::INT, |b, x| b.ins().ineg(x)),
            UnaryOp::BitNot => (tags::INT, |b, x| b.ins().bnot(x)),
            UnaryOp::Not => (tags::BOOL, |b, x| b.ins().bxor_imm_s(x, 1)),
        };
        let cond = self.tag_is(a.tag, tag);
        self.fast_or_slow(
            cond,
            |s| Pair {
                tag: a.tag,
                bits: f(&mut s.b, a.bits),
            },
            |s| {
                let o = s.iconst(rtabi::encode_unary(op));
                s.call_rt_val(Rt::Unary, &[o, a.tag, a.bits], at)
            },
        )
    }

    fn binop(&mut self, op: BinOp, a: Pair, c: Pair, at: Block) -> Pair {
        let slow = move |s: &mut Self| {
            let o = s.iconst(rtabi::encode_binop(op));
            s.call_rt_val(Rt::Binop, &[o, a.tag, a.bits, c.tag, c.bits], at)
        };
        match op {
            BinOp::And | BinOp::Or => {
                let cond = self.both_tag(a, c, tags::BOOL);
                self.fast_or_slow(
                    cond,
                    |s| {
                        let bits = if op == BinOp::And {
                            s.b.ins().band(a.bits, c.bits)
                        } else {
                            s.b.ins().bor(a.bits, c.bits)
                        };
                        Pair { tag: a.tag, bits }
                    },
                    slow,
                )
            }
            BinOp::Div | BinOp::Mod => {
                // Fast only when both are Integers and the divisor is neither 0 nor -1
                // (the runtime handles the zero trap and MIN / -1).
                let ints = self.both_tag(a, c, tags::INT);
                let ok = match self.const_of(c.bits) {
                    Some(0 | -1) => Cond::False,
                    Some(_) => Cond::True,
                    None if matches!(ints, Cond::False) => Cond::False,
                    None => {
                        let nz = self.b.ins().icmp_imm_s(IntCC::NotEqual, c.bits, 0);
                        let nm1 = self.b.ins().icmp_imm_s(IntCC::NotEqual, c.bits, -1);
                        Cond::Dyn(self.b.ins().band(nz, nm1))
                    }
                };
                let cond = self.and(ints, ok);
                self.fast_or_slow(
                    cond,
                    |s| {
                        let bits = if op == BinOp::Div {
                            s.b.ins().sdiv(a.bits, c.bits)
                        } else {
                            s.b.ins().srem(a.bits, c.bits)
                        };
                        Pair { tag: a.tag, bits }
                    },
                    |s| {
                        if op == BinOp::Div {
                            s.float_binop(op, a, c, slow)
                        } else {
                            slow(s)
                        }
                    },
                )
            }
            BinOp::Add | BinOp::Sub | BinOp::Mul => {
                let ints = self.both_tag(a, c, tags::INT);
                self.fast_or_slow(
                    ints,
                    |s| {
                        let (x, y) = (a.bits, c.bits);
                        let bits = match op {
                            BinOp::Add => s.b.ins().iadd(x, y),
                            BinOp::Sub => s.b.ins().isub(x, y),
                            _ => s.b.ins().imul(x, y),
                        };
                        Pair { tag: a.tag, bits }
                    },
                    |s| s.float_binop(op, a, c, slow),
                )
            }
            _ => {
                let cond = self.both_tag(a, c, tags::INT);
                self.fast_or_slow(
                    cond,
                    |s| {
                        let (x, y) = (a.bits, c.bits);
                        let bits = match op {
                            BinOp::Add => s.b.ins().iadd(x, y),
                            BinOp::Sub => s.b.ins().isub(x, y),
                            BinOp::Mul => s.b.ins().imul(x, y),
                            BinOp::Band => s.b.ins().band(x, y),
                            BinOp::Bor => s.b.ins().bor(x, y),
                            BinOp::Bxor => s.b.ins().bxor(x, y),
                            BinOp::Shl => s.b.ins().ishl(x, y),
                            _ => s.b.ins().sshr(x, y),
                        };
                        Pair { tag: a.tag, bits }
                    },
                    slow,
                )
            }
        }
    }

    /// Float × Float arithmetic inline (`add sub mul div`), else `slow`.
    fn float_binop(
        &mut self,
        op: BinOp,
        a: Pair,
        c: Pair,
        slow: impl FnOnce(&mut Self) -> Pair,
    ) -> Pair {
        let floats = self.both_tag(a, c, tags::FLOAT);
        self.fast_or_slow(
            floats,
            |s| {
                let fx = s.b.ins().bitcast(types::F64, MemFlagsData::new(), a.bits);
                let fy = s.b.ins().bitcast(types::F64, MemFlagsData::new(), c.bits);
                let r = match op {
                    BinOp::Add => s.b.ins().fadd(fx, fy),
                    BinOp::Sub => s.b.ins().fsub(fx, fy),
                    BinOp::Mul => s.b.ins().fmul(fx, fy),
                    _ => s.b.ins().fdiv(fx, fy),
                };
                let bits = s.b.ins().bitcast(types::I64, MemFlagsData::new(), r);
                Pair { tag: a.tag, bits }
            },
            slow,
        )
    }

    fn compare(&mut self, op: CmpOp, a: Pair, c: Pair, at: Block) -> Pair {
        let ints = self.both_tag(a, c, tags::INT);
        let int_cc = match op {
            CmpOp::Eq => IntCC::Equal,
            CmpOp::Ne => IntCC::NotEqual,
            CmpOp::Lt => IntCC::SignedLessThan,
            CmpOp::Le => IntCC::SignedLessThanOrEqual,
            CmpOp::Gt => IntCC::SignedGreaterThan,
            CmpOp::Ge => IntCC::SignedGreaterThanOrEqual,
        };
        let float_cc = match op {
            CmpOp::Eq => FloatCC::Equal,
            CmpOp::Ne => FloatCC::NotEqual,
            CmpOp::Lt => FloatCC::LessThan,
            CmpOp::Le => FloatCC::LessThanOrEqual,
            CmpOp::Gt => FloatCC::GreaterThan,
            CmpOp::Ge => FloatCC::GreaterThanOrEqual,
        };
        self.fast_or_slow(
            ints,
            |s| {
                let r = s.b.ins().icmp(int_cc, a.bits, c.bits);
                let bits = s.b.ins().uextend(types::I64, r);
                Pair {
                    tag: s.iconst(tags::BOOL as i64),
                    bits,
                }
            },
            |s| {
                // Float × Float inline (IEEE: NaN is unordered, so only `ne` holds), else the runtime.
                let floats = s.both_tag(a, c, tags::FLOAT);
                s.fast_or_slow(
                    floats,
                    |s| {
                        let fx = s.b.ins().bitcast(types::F64, MemFlagsData::new(), a.bits);
                        let fy = s.b.ins().bitcast(types::F64, MemFlagsData::new(), c.bits);
                        let r = s.b.ins().fcmp(float_cc, fx, fy);
                        let bits = s.b.ins().uextend(types::I64, r);
                        Pair {
                            tag: s.iconst(tags::BOOL as i64),
                            bits,
                        }
                    },
                    |s| {
                        let o = s.iconst(rtabi::encode_cmp(op));
                        s.call_rt_val(Rt::Compare, &[o, a.tag, a.bits, c.tag, c.bits], at)
                    },
                )
            },
        )
    }
}
