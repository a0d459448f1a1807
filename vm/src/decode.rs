//! Decoding a verified module once before running: dense register slots, flat code per function,
//! phis turned into per-edge parallel-copy move lists, back-edge flags, interned names.

use mir14_mir::{
    BinOp, Block, BoxClass, BoxId, Callee, CmpOp, Constant, ExternFn, FuncId, Function, Inst,
    Module, TypeName, TypeOpKind, UnaryOp,
};
use mir14_rt::{Runtime, Site, Val};
use std::collections::{HashMap, HashSet};

/// A decoded instruction. Register operands are indexes into the frame's register window.
#[derive(Clone, Debug)]
pub(crate) enum Op {
    Const {
        dst: u32,
        val: Val,
    },
    Unary {
        dst: u32,
        op: UnaryOp,
        a: u32,
    },
    Add {
        dst: u32,
        a: u32,
        b: u32,
    },
    Sub {
        dst: u32,
        a: u32,
        b: u32,
    },
    Mul {
        dst: u32,
        a: u32,
        b: u32,
    },
    Bin {
        dst: u32,
        op: BinOp,
        a: u32,
        b: u32,
    },
    Lt {
        dst: u32,
        a: u32,
        b: u32,
    },
    Le {
        dst: u32,
        a: u32,
        b: u32,
    },
    Gt {
        dst: u32,
        a: u32,
        b: u32,
    },
    Ge {
        dst: u32,
        a: u32,
        b: u32,
    },
    Eq {
        dst: u32,
        a: u32,
        b: u32,
    },
    Ne {
        dst: u32,
        a: u32,
        b: u32,
    },
    AddI {
        dst: u32,
        a: u32,
        imm: i64,
    },
    SubI {
        dst: u32,
        a: u32,
        imm: i64,
    },
    /// `compare op %a, imm` with an Integer constant on the right (`Eq`/`Ne` either side).
    CmpI {
        dst: u32,
        op: CmpOp,
        a: u32,
        imm: i64,
    },
    /// A compare whose result is the condition of the Branch right after it, fused.
    BrCmp {
        dst: u32,
        op: CmpOp,
        a: u32,
        b: u32,
        t: u32,
        f: u32,
    },
    /// [`Op::CmpI`] fused with the Branch right after it.
    BrCmpI {
        dst: u32,
        op: CmpOp,
        a: u32,
        imm: i64,
        t: u32,
        f: u32,
    },
    Check {
        dst: u32,
        a: u32,
        ty: TypeName,
    },
    Cast {
        dst: u32,
        a: u32,
        ty: TypeName,
    },
    TypeOf {
        dst: u32,
        a: u32,
    },
    Load {
        dst: u32,
        obj: u32,
        field: u32,
    },
    Store {
        obj: u32,
        field: u32,
        val: u32,
    },
    Branch {
        cond: u32,
        t: u32,
        f: u32,
    },
    Jump {
        edge: u32,
    },
    Ret {
        src: u32,
    },
    RetVoid,
    New {
        dst: u32,
        class: BoxClass,
        args: ArgList,
    },
    CallGlobal {
        dst: u32,
        func: u32,
        args: ArgList,
    },
    /// A `CallGlobal` whose argument count matches the callee (checked when decoding).
    CallG {
        dst: u32,
        func: u32,
        args: ArgList,
    },
    CallMethod {
        dst: u32,
        recv: u32,
        mid: u32,
        args: ArgList,
    },
    CallStatic {
        dst: u32,
        recv: u32,
        b: BoxId,
        mid: u32,
        args: ArgList,
    },
    CallValue {
        dst: u32,
        f: u32,
        args: ArgList,
    },
    Extern {
        dst: u32,
        e: ExternFn,
        args: ArgList,
    },
    /// `tail call @f(args)`: the callee replaces the running activation (its result is the
    /// activation's result). The `ret` after a tail op is never reached.
    TailGlobal {
        func: u32,
        args: ArgList,
    },
    /// `tail call %r.m(args)`.
    TailMethod {
        recv: u32,
        mid: u32,
        args: ArgList,
    },
    /// `tail call %r.B::m(args)`.
    TailStatic {
        recv: u32,
        b: BoxId,
        mid: u32,
        args: ArgList,
    },
    /// `tail call %f(args)`.
    TailValue {
        f: u32,
        args: ArgList,
    },
    /// `extern c.NAME(args)`: import number `idx` (spec §Imports).
    Import {
        dst: u32,
        idx: u32,
        args: ArgList,
    },
    /// The end of a block without a terminator (never in verified modules).
    FallOff,
}

/// Marks an edge word that is directly the target pc (an edge with no moves that is not a back
/// edge); other edge words index [`DFunc::edges`].
pub(crate) const SIMPLE_EDGE: u32 = 1 << 31;

/// A range of the function's argument pool.
#[derive(Copy, Clone, Debug)]
pub(crate) struct ArgList {
    pub start: u32,
    pub len: u32,
}

/// A CFG edge: where it goes, the parallel copy of the target's phis, and whether it is a back
/// edge (its target dominates its source).
#[derive(Clone, Debug)]
pub(crate) struct Edge {
    pub pc: u32,
    pub block: u32,
    pub mv_start: u32,
    pub mv_len: u32,
    pub back: bool,
}

/// A decoded function.
#[derive(Debug)]
pub(crate) struct DFunc {
    /// Registers: values (sharing registers, `slots`), then phi temporaries, then one scratch
    /// slot for dropped results.
    pub nregs: u32,
    /// The register of each value (by value index), from [`crate::slots::assign`].
    pub slots: Vec<u32>,
    pub nparams: u32,
    pub code: Vec<Op>,
    /// The index in its block of the MIR instruction each op comes from (by pc), for backtraces.
    pub insts: Vec<u32>,
    /// The first pc of each block (by block index), non-decreasing.
    pub block_starts: Vec<u32>,
    pub edges: Vec<Edge>,
    /// `(dst, src)` register moves, sequentialised per edge.
    pub moves: Vec<(u32, u32)>,
    pub args: Vec<u32>,
    pub check_params: bool,
    pub check_ret: bool,
    /// The depth units of one activation ([`mir14_mir::Function::depth_units`]).
    pub units: u64,
    /// The collector's roots at each safepoint (spec §5), as registers.
    pub roots: FrameRoots,
}

/// The registers that are the collector's roots while a frame stands at each safepoint (from
/// [`mir14_mir::analysis::SafepointRoots`]; values defined by `const` are left out: they are
/// never heap objects or are pinned, and folded Integer constants have no register).
#[derive(Debug, Default)]
pub(crate) struct FrameRoots {
    /// The safepoints `(block, instruction index)`, sorted.
    keys: Vec<(u32, u32)>,
    /// Per safepoint, the end of its registers in `regs` (the start is the previous end).
    ends: Vec<u32>,
    regs: Vec<u32>,
}

impl FrameRoots {
    fn new(f: &Function, slots: &[u32]) -> FrameRoots {
        let mut is_const = vec![false; f.values.len()];
        for b in f.blocks.values() {
            for inst in &b.insts {
                if let Inst::Const { dest, .. } = inst {
                    if let Some(c) = is_const.get_mut(dest.index()) {
                        *c = true;
                    }
                }
            }
        }
        let mut r = FrameRoots::default();
        for (b, i, vs) in mir14_mir::analysis::SafepointRoots::of(f).iter() {
            r.keys.push((b.0, i as u32));
            r.regs.extend(
                vs.iter()
                    .filter(|v| !is_const.get(v.index()).copied().unwrap_or(true))
                    .filter_map(|v| slots.get(v.index()).copied()),
            );
            r.ends.push(r.regs.len() as u32);
        }
        r
    }

    /// The root registers at instruction `inst` of block `b`, if it is a safepoint.
    pub(crate) fn at(&self, b: Block, inst: u32) -> Option<&[u32]> {
        let k = self.keys.binary_search(&(b.0, inst)).ok()?;
        let lo = if k == 0 { 0 } else { self.ends[k - 1] as usize };
        Some(&self.regs[lo..self.ends[k] as usize])
    }
}

impl DFunc {
    /// The block of the instruction at `pc`.
    pub fn block_of(&self, pc: usize) -> Block {
        let i = self.block_starts.partition_point(|&s| s as usize <= pc);
        // Several empty-start blocks cannot share a pc: every block has at least one op.
        Block(i.saturating_sub(1) as u32)
    }

    /// The site of the op at `pc` in function `f`: its block and MIR instruction index.
    pub fn site(&self, f: u32, pc: usize) -> Site {
        let inst = self.insts.get(pc).copied().unwrap_or(0);
        Site::new(FuncId(f), self.block_of(pc), inst)
    }
}

/// A decoded module: what an [`crate::Interp`] runs.
#[derive(Debug)]
pub struct Program {
    pub(crate) funcs: Vec<DFunc>,
    /// Function names (without `@`), for messages.
    pub(crate) names: Vec<String>,
    pub(crate) main: Option<FuncId>,
    /// The prepared call interfaces of the imports.
    pub(crate) ffi: crate::ffi::Interfaces,
    /// The method ids of `length`, `charAt` and `get`: the builtin calls that are not
    /// safepoints on some receivers ([`Program::polls`]).
    pub(crate) no_poll_mids: [u32; 3],
}

impl Program {
    /// Whether a builtin method call `mid` with `nargs` arguments on `recv` is a safepoint
    /// (spec §5): every one except `length()` and `charAt(i)` of a String and `length()` and
    /// `get(i)` of an ArrayBox, which allocate at most a shared one-character String (what
    /// compiled code's fast paths for them do, without a collection).
    #[inline]
    pub(crate) fn polls(&self, recv: Val, mid: u32, nargs: u32) -> bool {
        let [length, char_at, get] = self.no_poll_mids;
        let quiet = match recv.tag {
            mir14_rt::STR => (mid == length && nargs == 0) || (mid == char_at && nargs == 1),
            mir14_rt::ARRAY => (mid == length && nargs == 0) || (mid == get && nargs == 1),
            _ => false,
        };
        !quiet
    }
}

/// The tail form of a decoded call (other ops are returned unchanged).
fn into_tail(op: Op) -> Op {
    match op {
        Op::CallG { func, args, .. } | Op::CallGlobal { func, args, .. } => {
            Op::TailGlobal { func, args }
        }
        Op::CallMethod {
            recv, mid, args, ..
        } => Op::TailMethod { recv, mid, args },
        Op::CallStatic {
            recv, b, mid, args, ..
        } => Op::TailStatic { recv, b, mid, args },
        Op::CallValue { f, args, .. } => Op::TailValue { f, args },
        other => other,
    }
}

/// Decodes `module` (interning names and string constants in `rt`). Fails on structural errors
/// that a verified module cannot have (out-of-range values or blocks).
pub(crate) fn decode(module: &Module, rt: &mut Runtime) -> Result<Program, String> {
    let mut funcs = Vec::with_capacity(module.functions.len());
    for (fid, f) in module.functions.iter() {
        funcs.push(decode_func(module, fid, f, rt)?);
    }
    Ok(Program {
        funcs,
        names: module.functions.values().map(|f| f.name.clone()).collect(),
        main: module.function_by_name("main"),
        ffi: crate::ffi::Interfaces::prepare(rt),
        no_poll_mids: [
            rt.method_id("length"),
            rt.method_id("charAt"),
            rt.method_id("get"),
        ],
    })
}

fn decode_func(
    module: &Module,
    _fid: FuncId,
    f: &Function,
    rt: &mut Runtime,
) -> Result<DFunc, String> {
    let nvalues = f.values.len() as u32;
    let nblocks = f.blocks.len();
    let name = &f.name;
    if nblocks == 0 {
        // A function without blocks: calling it falls off immediately.
        return Ok(DFunc {
            nregs: nvalues.max(f.params.len() as u32) + 1,
            slots: (0..nvalues).collect(),
            nparams: f.params.len() as u32,
            code: vec![Op::FallOff],
            insts: vec![0],
            block_starts: vec![0],
            edges: Vec::new(),
            moves: Vec::new(),
            args: Vec::new(),
            check_params: false,
            check_ret: false,
            units: f.depth_units(),
            roots: FrameRoots::default(),
        });
    }
    // Values live at different times share registers (`slots`): a frame needs registers for
    // the values live at once, not for every value.
    let (slots, nslots) = crate::slots::assign(f);
    let val = |v: mir14_mir::Value| -> Result<u32, String> {
        if v.0 < nvalues {
            Ok(slots[v.index()])
        } else {
            Err(format!("@{name}: value {} out of range", v.0))
        }
    };
    let blk = |b: Block| -> Result<usize, String> {
        if (b.0 as usize) < nblocks {
            Ok(b.0 as usize)
        } else {
            Err(format!("@{name}: block {} out of range", b.0))
        }
    };
    // Parameters must be the first values (canonical numbering).
    for (i, p) in f.params.iter().enumerate() {
        if p.value.0 as usize != i {
            return Err(format!("@{name}: parameters are not numbered canonically"));
        }
    }
    // Every successor must exist before the shared CFG analysis looks at the function.
    for b in f.blocks.keys() {
        for t in f.successors(b) {
            blk(t)?;
        }
    }
    // Back edges (target dominates source), by the analysis the verifier and the JIT share.
    let back_edges = mir14_mir::analysis::BackEdges::fuel_edges(f);
    let is_back =
        |from: usize, to: usize| back_edges.contains(Block(from as u32), Block(to as u32));

    let mut temps = 0u32; // phi temporaries, allocated after the values
    let mut code = Vec::new();
    let mut insts: Vec<u32> = Vec::new();
    let mut block_starts = Vec::with_capacity(nblocks);
    let mut edges: Vec<Edge> = Vec::new();
    let mut moves: Vec<(u32, u32)> = Vec::new();
    let mut args_pool: Vec<u32> = Vec::new();
    // Edge targets are patched once every block start is known.
    let scratch_placeholder = u32::MAX;

    // The parallel copy of each edge (from, to): `to`'s phis in order, each with its input from
    // `from` (the verifier allows one per predecessor), as (dest, source) slots (copies of a
    // slot to itself left out). Built once, in time linear in the phis' inputs: a block may
    // have thousands of predecessors and phis.
    let mut pcopies: HashMap<(usize, usize), Vec<(u32, u32)>> = HashMap::new();
    for (to, data) in f.blocks.iter() {
        for inst in &data.insts {
            let Inst::Phi { dest, inputs } = inst else {
                break;
            };
            let d = val(*dest)?;
            for &(p, v) in inputs {
                let s = val(v)?;
                let copy = pcopies.entry((p.index(), to.index())).or_default();
                if d != s {
                    copy.push((d, s));
                }
            }
        }
    }
    let no_copy: Vec<(u32, u32)> = Vec::new();
    let make_edge = |from: usize,
                     to: usize,
                     edges: &mut Vec<Edge>,
                     moves: &mut Vec<(u32, u32)>,
                     temps: &mut u32|
     -> Result<u32, String> {
        let pcopy = pcopies.get(&(from, to)).unwrap_or(&no_copy);
        // A conflict: some destination is also read by the copy (a set past a few copies).
        let conflict = if pcopy.len() <= 8 {
            pcopy.iter().any(|(d, _)| pcopy.iter().any(|(_, s)| s == d))
        } else {
            let dests: HashSet<u32> = pcopy.iter().map(|&(d, _)| d).collect();
            pcopy.iter().any(|(_, s)| dests.contains(s))
        };
        let mv_start = moves.len() as u32;
        if conflict {
            // Read every source into a temporary first, then write the destinations.
            for (i, (_, s)) in pcopy.iter().enumerate() {
                moves.push((nslots + i as u32, *s));
            }
            for (i, (d, _)) in pcopy.iter().enumerate() {
                moves.push((*d, nslots + i as u32));
            }
            *temps = (*temps).max(pcopy.len() as u32);
        } else {
            moves.extend_from_slice(pcopy);
        }
        edges.push(Edge {
            pc: scratch_placeholder,
            block: to as u32,
            mv_start,
            mv_len: moves.len() as u32 - mv_start,
            back: is_back(from, to),
        });
        Ok(edges.len() as u32 - 1)
    };

    // Integer constants used as immediates: a Const whose every use became an immediate is
    // dropped from the code.
    let mut const_int: Vec<Option<i64>> = vec![None; nvalues as usize];
    let mut uses = vec![0u32; nvalues as usize];
    for b in f.blocks.values() {
        for inst in &b.insts {
            if let Inst::Const {
                dest,
                value: Constant::Int(i),
            } = inst
            {
                val(*dest)?;
                const_int[dest.index()] = Some(*i);
            }
            let mut bad = false;
            inst.for_each_use(|u| match uses.get_mut(u.index()) {
                Some(c) => *c += 1,
                None => bad = true,
            });
            if bad {
                return Err(format!("@{name}: value out of range"));
            }
        }
    }
    let imm_of = |inst: &Inst| -> Option<(mir14_mir::Value, mir14_mir::Value, i64)> {
        // (register operand, constant operand, its value)
        let k = |v: mir14_mir::Value| const_int.get(v.index()).copied().flatten();
        match inst {
            Inst::Binary {
                op: BinOp::Add | BinOp::Sub,
                lhs,
                rhs,
                ..
            } => k(*rhs).map(|i| (*lhs, *rhs, i)),
            Inst::Compare { op, lhs, rhs, .. } => match (k(*lhs), k(*rhs)) {
                (_, Some(i)) => Some((*lhs, *rhs, i)),
                (Some(i), None) if matches!(op, CmpOp::Eq | CmpOp::Ne) => Some((*rhs, *lhs, i)),
                _ => None,
            },
            _ => None,
        }
    };
    let mut as_imm = vec![0u32; nvalues as usize];
    for b in f.blocks.values() {
        for inst in &b.insts {
            if let Some((_, c, _)) = imm_of(inst) {
                as_imm[c.index()] += 1;
            }
        }
    }
    let dead_const = |v: mir14_mir::Value| {
        const_int[v.index()].is_some() && uses[v.index()] == as_imm[v.index()]
    };

    // Dropped results go to the scratch register, numbered after values and temps; patched below.
    const DROP: u32 = u32::MAX;
    for (bid, b) in f.blocks.iter() {
        block_starts.push(code.len() as u32);
        let from = bid.0 as usize;
        let mut terminated = false;
        let mut idx = 0;
        while idx < b.insts.len() {
            let inst = &b.insts[idx];
            let here = idx as u32;
            idx += 1;
            if let Inst::Const { dest, .. } = inst {
                if dead_const(*dest) {
                    continue;
                }
            }
            if let Some((reg, _, imm)) = imm_of(inst) {
                let a = val(reg)?;
                let op = match inst {
                    Inst::Binary { dest, op, .. } => {
                        let dst = val(*dest)?;
                        if *op == BinOp::Add {
                            Op::AddI { dst, a, imm }
                        } else {
                            Op::SubI { dst, a, imm }
                        }
                    }
                    Inst::Compare { dest, op, .. } => {
                        let dst = val(*dest)?;
                        match b.insts.get(idx) {
                            Some(Inst::Branch {
                                cond,
                                then_block,
                                else_block,
                            }) if cond == dest => {
                                idx += 1;
                                terminated = true;
                                let t = make_edge(
                                    from,
                                    blk(*then_block)?,
                                    &mut edges,
                                    &mut moves,
                                    &mut temps,
                                )?;
                                let e = make_edge(
                                    from,
                                    blk(*else_block)?,
                                    &mut edges,
                                    &mut moves,
                                    &mut temps,
                                )?;
                                Op::BrCmpI {
                                    dst,
                                    op: *op,
                                    a,
                                    imm,
                                    t,
                                    f: e,
                                }
                            }
                            _ => Op::CmpI {
                                dst,
                                op: *op,
                                a,
                                imm,
                            },
                        }
                    }
                    _ => return Err(format!("@{name}: bad immediate form")),
                };
                code.push(op);
                insts.push(here);
                if terminated {
                    break;
                }
                continue;
            }
            if let Inst::Compare { dest, op, lhs, rhs } = inst {
                if let Some(Inst::Branch {
                    cond,
                    then_block,
                    else_block,
                }) = b.insts.get(idx)
                {
                    if cond == dest {
                        terminated = true;
                        let t =
                            make_edge(from, blk(*then_block)?, &mut edges, &mut moves, &mut temps)?;
                        let e =
                            make_edge(from, blk(*else_block)?, &mut edges, &mut moves, &mut temps)?;
                        code.push(Op::BrCmp {
                            dst: val(*dest)?,
                            op: *op,
                            a: val(*lhs)?,
                            b: val(*rhs)?,
                            t,
                            f: e,
                        });
                        insts.push(here);
                        break;
                    }
                }
            }
            let mut list = |vs: &[mir14_mir::Value],
                            pre: Option<mir14_mir::Value>|
             -> Result<ArgList, String> {
                let start = args_pool.len() as u32;
                if let Some(p) = pre {
                    args_pool.push(val(p)?);
                }
                for v in vs {
                    args_pool.push(val(*v)?);
                }
                Ok(ArgList {
                    start,
                    len: args_pool.len() as u32 - start,
                })
            };
            let op = match inst {
                Inst::Phi { .. } => continue,
                Inst::Const { dest, value } => Op::Const {
                    dst: val(*dest)?,
                    val: match value {
                        Constant::Int(i) => Val::int(*i),
                        Constant::Float(x) => Val::float(x.get()),
                        Constant::Bool(b) => Val::bool(*b),
                        Constant::Str(s) => rt.constant_str(s),
                        Constant::Void => Val::VOID,
                        Constant::Func(g) => {
                            if g.index() >= module.functions.len() {
                                return Err(format!("@{name}: function {} out of range", g.0));
                            }
                            Val::func(*g)
                        }
                    },
                },
                Inst::Unary { dest, op, arg } => Op::Unary {
                    dst: val(*dest)?,
                    op: *op,
                    a: val(*arg)?,
                },
                Inst::Binary { dest, op, lhs, rhs } => {
                    let (dst, a, b) = (val(*dest)?, val(*lhs)?, val(*rhs)?);
                    match op {
                        BinOp::Add => Op::Add { dst, a, b },
                        BinOp::Sub => Op::Sub { dst, a, b },
                        BinOp::Mul => Op::Mul { dst, a, b },
                        op => Op::Bin { dst, op: *op, a, b },
                    }
                }
                Inst::Compare { dest, op, lhs, rhs } => {
                    let (dst, a, b) = (val(*dest)?, val(*lhs)?, val(*rhs)?);
                    match op {
                        CmpOp::Lt => Op::Lt { dst, a, b },
                        CmpOp::Le => Op::Le { dst, a, b },
                        CmpOp::Gt => Op::Gt { dst, a, b },
                        CmpOp::Ge => Op::Ge { dst, a, b },
                        CmpOp::Eq => Op::Eq { dst, a, b },
                        CmpOp::Ne => Op::Ne { dst, a, b },
                    }
                }
                Inst::TypeOp { dest, op, arg } => {
                    let (dst, a) = (val(*dest)?, val(*arg)?);
                    match op {
                        TypeOpKind::Check(ty) => Op::Check { dst, a, ty: *ty },
                        TypeOpKind::Cast(ty) => Op::Cast { dst, a, ty: *ty },
                        TypeOpKind::TypeOf => Op::TypeOf { dst, a },
                    }
                }
                Inst::Load { dest, obj, field } => Op::Load {
                    dst: val(*dest)?,
                    obj: val(*obj)?,
                    field: rt.field_id(field),
                },
                Inst::Store { obj, field, value } => Op::Store {
                    obj: val(*obj)?,
                    field: rt.field_id(field),
                    val: val(*value)?,
                },
                Inst::Branch {
                    cond,
                    then_block,
                    else_block,
                } => {
                    terminated = true;
                    let t = make_edge(from, blk(*then_block)?, &mut edges, &mut moves, &mut temps)?;
                    let e = make_edge(from, blk(*else_block)?, &mut edges, &mut moves, &mut temps)?;
                    Op::Branch {
                        cond: val(*cond)?,
                        t,
                        f: e,
                    }
                }
                Inst::Jump { target } => {
                    terminated = true;
                    let edge = make_edge(from, blk(*target)?, &mut edges, &mut moves, &mut temps)?;
                    Op::Jump { edge }
                }
                Inst::Return { value } => {
                    terminated = true;
                    match value {
                        Some(v) => Op::Ret { src: val(*v)? },
                        None => Op::RetVoid,
                    }
                }
                Inst::NewBox { dest, class, args } => {
                    if let BoxClass::User(b) = class {
                        if b.index() >= module.boxes.len() {
                            return Err(format!("@{name}: box {} out of range", b.0));
                        }
                    }
                    Op::New {
                        dst: val(*dest)?,
                        class: *class,
                        args: list(args, None)?,
                    }
                }
                Inst::Call {
                    dest,
                    callee,
                    args,
                    tail,
                } => {
                    let dst = match dest {
                        Some(d) => val(*d)?,
                        None => DROP,
                    };
                    let op = match callee {
                        Callee::Global(g) => {
                            if g.index() >= module.functions.len() {
                                return Err(format!("@{name}: function {} out of range", g.0));
                            }
                            let args_l = list(args, None)?;
                            if module.functions[*g].params.len() == args.len() {
                                Op::CallG {
                                    dst,
                                    func: g.0,
                                    args: args_l,
                                }
                            } else {
                                Op::CallGlobal {
                                    dst,
                                    func: g.0,
                                    args: args_l,
                                }
                            }
                        }
                        Callee::Method {
                            box_name: None,
                            method,
                            receiver,
                        } => Op::CallMethod {
                            dst,
                            recv: val(*receiver)?,
                            mid: rt.method_id(method),
                            args: list(args, None)?,
                        },
                        Callee::Method {
                            box_name: Some(b),
                            method,
                            receiver,
                        } => {
                            if b.index() >= module.boxes.len() {
                                return Err(format!("@{name}: box {} out of range", b.0));
                            }
                            Op::CallStatic {
                                dst,
                                recv: val(*receiver)?,
                                b: *b,
                                mid: rt.method_id(method),
                                args: list(args, None)?,
                            }
                        }
                        Callee::Value(v) => Op::CallValue {
                            dst,
                            f: val(*v)?,
                            args: list(args, None)?,
                        },
                        Callee::Extern(e) => Op::Extern {
                            dst,
                            e: *e,
                            args: list(args, None)?,
                        },
                        Callee::Import(i) => Op::Import {
                            dst,
                            idx: i.0,
                            args: list(args, None)?,
                        },
                    };
                    if *tail {
                        into_tail(op)
                    } else {
                        op
                    }
                }
                Inst::ExternCall { dest, callee, args } => {
                    let dst = match dest {
                        Some(d) => val(*d)?,
                        None => DROP,
                    };
                    match callee {
                        Callee::Extern(e) => Op::Extern {
                            dst,
                            e: *e,
                            args: list(args, None)?,
                        },
                        Callee::Import(i) if i.index() < module.imports.len() => Op::Import {
                            dst,
                            idx: i.0,
                            args: list(args, None)?,
                        },
                        _ => return Err(format!("@{name}: extern call without an extern callee")),
                    }
                }
            };
            code.push(op);
            insts.push(here);
            if terminated {
                break;
            }
        }
        if !terminated {
            code.push(Op::FallOff);
            insts.push(b.insts.len().saturating_sub(1) as u32);
        }
    }
    // Patch edge targets and the scratch register.
    for e in &mut edges {
        e.pc = block_starts[e.block as usize];
    }
    // Edges without moves that are not back edges become direct targets in their ops.
    let word = |i: u32| -> u32 {
        let e = &edges[i as usize];
        if e.mv_len == 0 && !e.back && e.pc < SIMPLE_EDGE {
            SIMPLE_EDGE | e.pc
        } else {
            i
        }
    };
    for op in &mut code {
        match op {
            Op::Branch { t, f, .. } | Op::BrCmp { t, f, .. } | Op::BrCmpI { t, f, .. } => {
                *t = word(*t);
                *f = word(*f);
            }
            Op::Jump { edge } => *edge = word(*edge),
            _ => {}
        }
    }
    let scratch = nslots + temps;
    for op in &mut code {
        match op {
            Op::CallGlobal { dst, .. }
            | Op::CallG { dst, .. }
            | Op::CallMethod { dst, .. }
            | Op::CallStatic { dst, .. }
            | Op::CallValue { dst, .. }
            | Op::Extern { dst, .. }
            | Op::Import { dst, .. }
                if *dst == DROP =>
            {
                *dst = scratch
            }
            _ => {}
        }
    }
    let roots = FrameRoots::new(f, &slots);
    Ok(DFunc {
        nregs: scratch + 1,
        roots,
        slots,
        nparams: f.params.len() as u32,
        code,
        insts,
        block_starts,
        edges,
        moves,
        args: args_pool,
        check_params: f.params.iter().any(|p| p.ty.is_some()),
        check_ret: f.ret_type.is_some(),
        units: f.depth_units(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use mir14_rt::{Config, Io};

    fn decode_text(src: &str) -> (Program, Runtime) {
        let (m, _) = mir14_mir::parse(src).expect("parse");
        let mut rt = Runtime::new(&m, Config::default(), Io::captured(Vec::new()));
        let p = decode(&m, &mut rt).expect("decode");
        (p, rt)
    }

    #[test]
    fn swapping_phis_use_temporaries() {
        let (p, _) = decode_text(
            "fn @main() {\nentry:\n  %a0 = const 1\n  %b0 = const 2\n  jump head\nhead:\n  \
             %a = phi [entry: %a0], [head: %b]\n  %b = phi [entry: %b0], [head: %a]\n  \
             %c = const false\n  branch %c, head, out\nout:\n  ret %a\n}\n",
        );
        let f = &p.funcs[0];
        // Values: a0=0 b0=1 a=2 b=3 c=4, in the registers `slots` gives them (values live at
        // different times share one); then the temporaries t, t + 1 and the scratch register.
        let nslots = f.slots.iter().max().unwrap() + 1;
        assert_eq!(f.nregs, nslots + 3);
        let (ra, rb, t) = (f.slots[2], f.slots[3], nslots);
        assert_ne!(ra, rb);
        let back: Vec<&Edge> = f.edges.iter().filter(|e| e.back).collect();
        assert_eq!(back.len(), 1);
        let e = back[0];
        let mv = &f.moves[e.mv_start as usize..(e.mv_start + e.mv_len) as usize];
        assert_eq!(mv, &[(t, rb), (t + 1, ra), (ra, t), (rb, t + 1)]);
        // The entry edge needs no temporaries.
        let first = &f.edges[0];
        assert!(!first.back);
        let mv = &f.moves[first.mv_start as usize..(first.mv_start + first.mv_len) as usize];
        assert_eq!(mv, &[(ra, f.slots[0]), (rb, f.slots[1])]);
    }

    #[test]
    fn immediates_and_fusion() {
        let (p, _) = decode_text(
            "fn @f(%n) {\nbb0:\n  %two = const 2\n  %c = compare lt %n, %two\n  \
             branch %c, a, b\na:\n  ret %n\nb:\n  %m = binop sub %n, %two\n  ret %m\n}\n\
             fn @main() {\nbb0:\n  %one = const 1\n  %r = call @f(%one)\n  ret %r\n}\n",
        );
        let f = &p.funcs[0];
        // The const is dropped: every use became an immediate; compare+branch fused.
        assert!(matches!(
            f.code[0],
            Op::BrCmpI {
                op: CmpOp::Lt,
                imm: 2,
                ..
            }
        ));
        // Both edges have no moves and are forward: direct targets pc 1 and pc 2.
        match f.code[0] {
            Op::BrCmpI { t, f: e, .. } => {
                assert_eq!((t, e), (SIMPLE_EDGE | 1, SIMPLE_EDGE | 2));
            }
            _ => unreachable!(),
        }
        assert!(matches!(f.code[1], Op::Ret { src: 0 }));
        assert!(matches!(f.code[2], Op::SubI { imm: 2, .. }));
        assert_eq!(f.block_starts, vec![0, 1, 2]);
        assert_eq!(f.block_of(3), Block(2));
        // In main the const is an argument: kept.
        assert!(matches!(p.funcs[1].code[0], Op::Const { .. }));
        assert!(matches!(p.funcs[1].code[1], Op::CallG { .. }));
    }
}
