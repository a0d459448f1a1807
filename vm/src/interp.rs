//! The interpreter loop: an explicit frame stack over one register file, so MIR calls never
//! recurse on the native stack. Only calls made *by the runtime* (a user `toString` while
//! formatting, ...) re-enter [`Interp::run`] through [`Host::call_function`].

use crate::decode::{ArgList, DFunc, Op, Program, SIMPLE_EDGE};
use crate::observe::{op_insts, Observer};
use crate::tier::Tier;
use mir14_mir::{BinOp, Block, BoxClass, CmpOp, FuncId};
use mir14_rt::{
    int_binop, values_equal, Host, Runtime, Site, Trap, Val, ValueCall, BOOL, FLOAT, INT, STR, USER,
};

/// One activation: its function, where to resume, its register window, and the absolute
/// register that receives its result.
#[derive(Copy, Clone, Debug)]
struct Frame {
    func: u32,
    pc: u32,
    base: u32,
    ret: u32,
}

/// The interpreter state: the decoded program, the register file and the frame stack.
pub struct Interp<'p> {
    prog: &'p Program,
    regs: Vec<Val>,
    frames: Vec<Frame>,
    fuel_on: bool,
    /// Below this native stack address a runtime-made call continues on a fresh thread.
    stack_low: usize,
    /// Back edges take the slow path (fuel, tier counters).
    slow_back: bool,
    /// The tiered engine this interpreter runs under, if any (see [`crate::tier`]).
    tier: Option<*mut (dyn Tier + 'p)>,
    /// Per function: calls plus taken back edges while interpreted (tiered runs only).
    heat: Vec<u64>,
    /// The tier threshold: above it, calls and back edges go to the tier's hooks.
    threshold: u64,
    /// Whether the run is observed (trace or profile): it then runs `run_loop::<true>`.
    observing: bool,
    /// The trace printer, when tracing.
    obs: Option<Observer<'p>>,
    /// The collector's roots gathered from the frames (kept to reuse its memory).
    root_buf: Vec<Val>,
}

/// The saved pc of a frame whose activation continues in compiled code (on-stack
/// replacement): its registers are no longer roots.
const PC_REPLACED: u32 = u32::MAX;

/// The native stack of each interpreter thread (the first and every hop).
pub(crate) const STACK_SIZE: usize = 256 << 20;
/// How much of it is left unused before hopping: more than any one nesting level needs.
const STACK_MARGIN: usize = 32 << 20;

/// The address of a local: the current native stack position (the stack grows down).
#[inline(never)]
fn stack_pos() -> usize {
    let x = 0u8;
    std::hint::black_box(&x) as *const u8 as usize
}

/// The lowest stack address the current thread may reach before hopping, assuming it has
/// [`STACK_SIZE`] bytes of stack above the current position.
pub(crate) fn stack_low_here() -> usize {
    stack_pos().saturating_sub(STACK_SIZE - STACK_MARGIN)
}

/// Moves a `&mut` to another thread that runs while the owner is blocked joining it.
struct SendMut<T: ?Sized>(*mut T);
// SAFETY: used only by `hop`, whose caller blocks until the thread ends, so the pointee is never
// accessed from two threads at once.
unsafe impl<T: ?Sized> Send for SendMut<T> {}

/// Arguments gathered for a runtime call, without allocating for the common small counts.
enum ArgBuf {
    Inline([Val; 4], usize),
    Heap(Vec<Val>),
}

impl ArgBuf {
    fn as_slice(&self) -> &[Val] {
        match self {
            ArgBuf::Inline(a, n) => &a[..*n],
            ArgBuf::Heap(v) => v,
        }
    }
}

impl<'p> Interp<'p> {
    /// A fresh interpreter for `prog`.
    pub fn new(prog: &'p Program, rt: &Runtime) -> Interp<'p> {
        Interp {
            prog,
            regs: vec![Val::VOID; 1024],
            frames: Vec::with_capacity(256),
            fuel_on: rt.fuel.is_some(),
            stack_low: stack_low_here(),
            slow_back: rt.fuel.is_some(),
            tier: None,
            heat: Vec::new(),
            threshold: u64::MAX,
            observing: rt.profile.is_some(),
            obs: None,
            root_buf: Vec::new(),
        }
    }

    /// Observes the run with `obs` (trace lines on stderr).
    pub(crate) fn observe(&mut self, obs: Observer<'p>) {
        self.observing = true;
        self.obs = Some(obs);
    }

    /// The observation hook before the op at `pc` of function `fi` runs.
    #[cold]
    #[inline(never)]
    fn observe_op(&mut self, rt: &mut Runtime, fi: usize, pc: usize, base: usize) {
        // The MIR instructions this op executes (phis and folded constants before it
        // included), so that counts and traces are in MIR terms, not decoded ops.
        let (b, from, to) = op_insts(self.prog, fi, pc);
        if let Some(p) = rt.profile.as_mut() {
            p.count_insts(fi as u32, u64::from(to + 1 - from));
        }
        if let Some(o) = self.obs.as_mut() {
            let slots = &self.prog.funcs[fi].slots;
            o.trace_insts(rt, &self.regs, slots, fi as u32, base, b, from, to);
        }
    }

    /// The observation hook when function `fi` returns `v`.
    #[cold]
    #[inline(never)]
    fn observe_ret(&mut self, rt: &mut Runtime, fi: usize, v: Val) {
        if let Some(o) = self.obs.as_mut() {
            o.ret(rt, fi as u32, v);
        }
        if let Some(p) = rt.profile.as_mut() {
            p.leave();
        }
    }

    /// The observation hook when an activation of `callee` with its window at `base` starts.
    #[cold]
    #[inline(never)]
    fn observe_enter(&mut self, rt: &mut Runtime, callee: u32, base: usize) {
        if let Some(p) = rt.profile.as_mut() {
            p.enter(FuncId(callee));
        }
        let n = self.prog.funcs[callee as usize].nparams as usize;
        if let Some(o) = self.obs.as_mut() {
            o.call(rt, callee, &self.regs[base..base + n]);
        }
    }

    /// Runs under the tiered engine `tier`: a function whose calls plus taken back edges exceed
    /// `threshold` has its calls offered to [`Tier::call`] and its back edges to
    /// [`Tier::back_edge`]; collections go through [`Tier::collect`]. Runtime-made calls never
    /// move to another thread (compiled frames may be below them on this native stack).
    /// `heat` holds the counts so far (of earlier calls of the same program; empty: none),
    /// [`Interp::take_heat`] takes them back.
    ///
    /// # Safety
    /// `tier` must stay valid, and not be used otherwise while the interpreter runs.
    pub unsafe fn set_tier(&mut self, tier: *mut (dyn Tier + 'p), threshold: u64, heat: Vec<u64>) {
        self.tier = Some(tier);
        self.threshold = threshold;
        self.heat = heat;
        self.heat.resize(self.prog.funcs.len(), 0);
        self.slow_back = true;
        self.stack_low = 0;
    }

    /// The per-function counts of a tiered run (see [`Interp::set_tier`]).
    pub fn take_heat(&mut self) -> Vec<u64> {
        std::mem::take(&mut self.heat)
    }

    /// The collector's roots in every active frame (spec §5): the registers of the values live
    /// at the safepoint where each frame stands (`decode::FrameRoots`; a frame stands
    /// at the instruction before its saved pc, which every safepoint and call saves).
    pub fn roots(&mut self) -> &[Val] {
        let mut buf = std::mem::take(&mut self.root_buf);
        buf.clear();
        for fr in &self.frames {
            let df = &self.prog.funcs[fr.func as usize];
            let base = fr.base as usize;
            let window = &self.regs[base.min(self.regs.len())..];
            let reg = |r: u32| window.get(r as usize).copied().unwrap_or(Val::VOID);
            match fr.pc {
                PC_REPLACED => {}
                // Not started: its parameters.
                0 => buf.extend((0..df.nparams).map(reg)),
                pc => {
                    let at = pc as usize - 1;
                    let inst = df.insts.get(at).copied().unwrap_or(0);
                    match df.roots.at(df.block_of(at), inst) {
                        Some(list) => buf.extend(list.iter().map(|&r| reg(r))),
                        None => {
                            // Every frame stands at a safepoint; stay sound otherwise.
                            debug_assert!(false, "frame of {} at pc {at}: no safepoint", fr.func);
                            buf.extend((0..df.nregs).map(reg));
                        }
                    }
                }
            }
        }
        self.root_buf = buf;
        &self.root_buf
    }

    /// Offers a call of `callee` (arguments in `regs[new_base..]`) to the tier once the callee
    /// is hot; `Some` when the tier ran it.
    #[inline(never)]
    fn tier_call(
        &mut self,
        rt: &mut Runtime,
        callee: u32,
        new_base: usize,
        n: usize,
    ) -> Option<Result<Val, Trap>> {
        let t = self.tier?;
        let h = &mut self.heat[callee as usize];
        *h = h.saturating_add(1);
        if *h <= self.threshold {
            return None;
        }
        // The arguments are copied by the callee's entry before anything else runs.
        let args = self.regs[new_base..new_base + n].as_ptr();
        // SAFETY: `set_tier`'s contract.
        unsafe { (*t).call(self, rt, FuncId(callee), args, n) }
    }

    /// Counts a taken back edge to `header` of `func` (frame at `base`) and, once the function
    /// is hot, offers the rest of the activation to the tier; `Some` when it ran it.
    #[inline(never)]
    fn tier_back_edge(
        &mut self,
        rt: &mut Runtime,
        func: usize,
        header: u32,
        base: usize,
    ) -> Option<Result<Val, Trap>> {
        let t = self.tier?;
        let h = &mut self.heat[func];
        *h = h.saturating_add(1);
        if *h <= self.threshold {
            return None;
        }
        // SAFETY: `set_tier`'s contract.
        if !unsafe { (*t).wants_back_edge(FuncId(func as u32), Block(header)) } {
            return None;
        }
        // The tier reads value `v` at `vals[v]`: values share registers (`slots`), so gather
        // them by value.
        let vals: Vec<Val> = self.prog.funcs[func]
            .slots
            .iter()
            .map(|&r| {
                self.regs
                    .get(base + r as usize)
                    .copied()
                    .unwrap_or(Val::VOID)
            })
            .collect();
        // The rest of the activation runs compiled, from `vals`: its registers are not roots.
        // (Until the tier answers `None`: then the loop goes on from its local pc, and every
        // later safepoint or call saves the pc again.)
        if let Some(fr) = self.frames.last_mut() {
            fr.pc = PC_REPLACED;
        }
        // SAFETY: `set_tier`'s contract.
        unsafe { (*t).back_edge(self, rt, FuncId(func as u32), Block(header), vals.as_ptr()) }
    }

    /// The first register above the innermost frame's window.
    fn top(&self) -> usize {
        match self.frames.last() {
            Some(fr) => fr.base as usize + self.prog.funcs[fr.func as usize].nregs as usize,
            None => 0,
        }
    }

    #[inline(always)]
    fn ensure(&mut self, n: usize) {
        if self.regs.len() < n {
            let new_len = n.max(self.regs.len() * 2);
            self.regs.resize(new_len, Val::VOID);
        }
    }

    fn gather(&self, f: &DFunc, base: usize, args: ArgList) -> ArgBuf {
        let list = &f.args[args.start as usize..(args.start + args.len) as usize];
        if list.len() <= 4 {
            let mut a = [Val::VOID; 4];
            for (i, r) in list.iter().enumerate() {
                a[i] = self.regs[base + *r as usize];
            }
            ArgBuf::Inline(a, list.len())
        } else {
            ArgBuf::Heap(list.iter().map(|r| self.regs[base + *r as usize]).collect())
        }
    }

    /// Pushes an activation of `callee` whose arguments are already in `regs[new_base..]`:
    /// depth and fuel (located at the callee's entry), then parameter annotations.
    #[inline(always)]
    fn enter(
        &mut self,
        rt: &mut Runtime,
        callee: u32,
        new_base: usize,
        ret: usize,
    ) -> Result<(), Trap> {
        // SAFETY: callee ids were checked against the function table when decoding.
        let df = unsafe { self.prog.funcs.get_unchecked(callee as usize) };
        if self.tier.is_some() {
            // A compiled callee runs at once (no frame is pushed): its result goes to `ret`.
            if let Some(r) = self.tier_call(rt, callee, new_base, df.nparams as usize) {
                let v = r?;
                self.ensure(ret + 1);
                self.regs[ret] = v;
                return Ok(());
            }
        }
        // Depth, then fuel (spec §5), inline for speed; same semantics as
        // `Runtime::enter_function`.
        // A trap here happens in the callee's frame, which is not pushed yet: its entry site
        // starts the backtrace.
        let at_entry = |t: Trap| t.frame(Site::entry(FuncId(callee)));
        if rt.depth + df.units > rt.config.max_depth || self.fuel_on {
            rt.enter_function(FuncId(callee), df.units)
                .map_err(at_entry)?;
        } else {
            rt.depth += df.units;
        }
        if df.check_params {
            let n = df.nparams as usize;
            rt.check_params(FuncId(callee), &self.regs[new_base..new_base + n])
                .map_err(at_entry)?;
        }
        self.frames.push(Frame {
            func: callee,
            pc: 0,
            base: new_base as u32,
            ret: ret as u32,
        });
        if self.observing {
            self.observe_enter(rt, callee, new_base);
        }
        Ok(())
    }

    /// The trap of a call of `callee` with `nargs` arguments besides the receiver `pre`.
    fn arity_trap(&self, callee: u32, pre: bool, nargs: u32, global: bool) -> Trap {
        let df = &self.prog.funcs[callee as usize];
        let sigil = if global { "@" } else { "" };
        Trap::wrong_arity(
            &format!("{sigil}{}", self.prog.names[callee as usize]),
            (df.nparams as usize).saturating_sub(pre as usize),
            nargs as usize,
        )
    }

    /// A tail call of `callee` from the running frame (function `caller` at `base`): checks the
    /// arity (in the caller), then replaces the frame by an activation of `callee` in the same
    /// register window, returning to the same place (spec §5: the depth does not grow).
    /// A trap comes with `false` while the caller's frame is still there (the arity check),
    /// `true` once it was replaced (the callee's entry checks; the trap has the callee's
    /// entry site): the replaced frame then has no place in the backtrace.
    /// Returns the register that receives the result.
    #[allow(clippy::too_many_arguments)]
    fn tail_invoke(
        &mut self,
        rt: &mut Runtime,
        caller: &DFunc,
        base: usize,
        callee: u32,
        pre: Option<Val>,
        args: ArgList,
        global: bool,
    ) -> Result<usize, (Trap, bool)> {
        let prog = self.prog;
        // SAFETY: callee ids were checked against the function table when decoding.
        let df = unsafe { prog.funcs.get_unchecked(callee as usize) };
        if args.len as usize + pre.is_some() as usize != df.nparams as usize {
            return Err((
                self.arity_trap(callee, pre.is_some(), args.len, global),
                false,
            ));
        }
        // Read every argument before the window is overwritten.
        let a = self.gather(caller, base, args);
        rt.depth -= caller.units;
        // SAFETY: the running frame is on the stack.
        let done = unsafe { self.frames.pop().unwrap_unchecked() };
        // The replaced activation ends here for the profile (compiled code leaves it before
        // `return_call` alike).
        if self.observing {
            if let Some(p) = rt.profile.as_mut() {
                p.leave();
            }
        }
        self.ensure(base + df.nregs as usize);
        let mut k = base;
        if let Some(p) = pre {
            self.regs[k] = p;
            k += 1;
        }
        let a = a.as_slice();
        self.regs[k..k + a.len()].copy_from_slice(a);
        self.enter(rt, callee, base, done.ret as usize)
            .map_err(|t| (t, true))?;
        Ok(done.ret as usize)
    }

    /// Calls `callee` from the frame running `caller` at `base`: `pre` (a receiver) then the
    /// registers of `args` become its parameters; its result goes to absolute register `ret`.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn invoke(
        &mut self,
        rt: &mut Runtime,
        caller: &DFunc,
        base: usize,
        callee: u32,
        pre: Option<Val>,
        args: ArgList,
        ret: usize,
        global: bool,
    ) -> Result<(), Trap> {
        let prog = self.prog;
        // SAFETY: callee ids were checked against the function table when decoding.
        let df = unsafe { prog.funcs.get_unchecked(callee as usize) };
        let n = args.len as usize + pre.is_some() as usize;
        if n != df.nparams as usize {
            return Err(self.arity_trap(callee, pre.is_some(), args.len, global));
        }
        let new_base = base + caller.nregs as usize;
        self.ensure(new_base + df.nregs as usize);
        // SAFETY: `ensure` covers the callee's window, which lies above the caller's; argument
        // registers were checked against the caller's `nregs` when decoding.
        unsafe {
            let rp = self.regs.as_mut_ptr();
            let mut k = new_base;
            if let Some(p) = pre {
                *rp.add(k) = p;
                k += 1;
            }
            let list = caller
                .args
                .get_unchecked(args.start as usize..(args.start + args.len) as usize);
            for (i, r) in list.iter().enumerate() {
                *rp.add(k + i) = load_val(rp.add(base + *r as usize));
            }
        }
        self.enter(rt, callee, new_base, ret)
    }

    /// Runs until the frame stack is back to `stop` frames; returns the value returned by the
    /// frame that was on top when called.
    pub(crate) fn run(&mut self, rt: &mut Runtime, stop: usize) -> Result<Val, Trap> {
        if self.observing {
            self.run_loop::<true>(rt, stop)
        } else {
            self.run_loop::<false>(rt, stop)
        }
    }

    /// [`Interp::run`], with the observation hooks compiled in when `OBS`.
    fn run_loop<const OBS: bool>(&mut self, rt: &mut Runtime, stop: usize) -> Result<Val, Trap> {
        let prog: &'p Program = self.prog;
        let Some(fr) = self.frames.last().copied() else {
            return Ok(Val::VOID);
        };
        let mut fi = fr.func as usize;
        let mut f: &'p DFunc = &prog.funcs[fi];
        let mut pc = fr.pc as usize;
        let mut base = fr.base as usize;
        let max_depth = rt.config.max_depth;

        // Register access. SAFETY: decoding checked every register operand against the
        // function's `nregs`, and `invoke`/`call_function` resize `regs` to cover the window.
        macro_rules! r {
            ($i:expr) => {
                unsafe { load_val(self.regs.as_ptr().add(base + $i as usize)) }
            };
        }
        macro_rules! w {
            ($i:expr, $v:expr) => {{
                let v = $v;
                unsafe { *self.regs.get_unchecked_mut(base + $i as usize) = v }
            }};
        }
        // Locates an error at the current instruction and unwinds this run's frames.
        macro_rules! tr {
            ($e:expr) => {
                match $e {
                    Ok(v) => v,
                    Err(t) => return Err(self.unwind(t, f.site(fi as u32, pc - 1), stop)),
                }
            };
        }
        // Switches to the frame now on top of the stack (after a call).
        macro_rules! switch_top {
            () => {{
                // SAFETY: called only right after a push or with frames left above `stop`.
                let top = unsafe { *self.frames.last().unwrap_unchecked() };
                fi = top.func as usize;
                f = unsafe { prog.funcs.get_unchecked(fi) };
                pc = top.pc as usize;
                base = top.base as usize;
            }};
        }
        // Returns `$v` from the running activation (after its return annotation check).
        macro_rules! ret_val {
            ($v:expr) => {{
                let v = $v;
                if f.check_ret {
                    tr!(rt.check_return(FuncId(fi as u32), v));
                }
                if OBS {
                    self.observe_ret(rt, fi, v);
                }
                rt.depth -= f.units;
                // SAFETY: the running frame is on the stack.
                let done = unsafe { self.frames.pop().unwrap_unchecked() };
                if self.frames.len() <= stop {
                    return Ok(v);
                }
                switch_top!();
                // SAFETY: `ret` is a register of the caller's window.
                unsafe { *self.regs.get_unchecked_mut(done.ret as usize) = v };
            }};
        }
        // A tail call of function `$g`: replaces the running frame.
        macro_rules! tail_to {
            ($g:expr, $pre:expr, $args:expr, $global:expr) => {{
                match self.tail_invoke(rt, f, base, $g, $pre, $args, $global) {
                    // A tiered run may have run the callee at once, compiled: with no frame
                    // pushed, its result is already in the replaced frame's result register.
                    Ok(ret) if self.frames.len() <= stop => return Ok(self.regs[ret]),
                    Ok(_) => switch_top!(),
                    // Still in the calling frame (an arity error).
                    Err((t, false)) => {
                        return Err(self.unwind(t, f.site(fi as u32, pc - 1), stop));
                    }
                    // The frame was replaced: the trap is at the callee's entry.
                    Err((t, true)) => return Err(self.unwind_suspended(t, stop)),
                }
            }};
        }
        macro_rules! save_pc {
            () => {
                // SAFETY: the running frame is on the stack.
                unsafe { self.frames.last_mut().unwrap_unchecked().pc = pc as u32 };
            };
        }
        macro_rules! take_edge {
            ($idx:expr) => {{
                let word: u32 = $idx;
                if word & SIMPLE_EDGE != 0 {
                    pc = (word & !SIMPLE_EDGE) as usize;
                } else {
                    take_full_edge!(word);
                }
            }};
        }
        macro_rules! take_full_edge {
            ($idx:expr) => {{
                let e = unsafe { f.edges.get_unchecked($idx as usize) };
                for k in e.mv_start..e.mv_start + e.mv_len {
                    let (d, s) = unsafe { *f.moves.get_unchecked(k as usize) };
                    w!(d, r!(s));
                }
                if e.back && self.slow_back {
                    if self.fuel_on {
                        if let Err(t) = rt.spend_fuel() {
                            let site = Site::new(FuncId(fi as u32), Block(e.block), Site::ARRIVE);
                            return Err(self.unwind(t, site, stop));
                        }
                    }
                    if self.tier.is_some() {
                        // On-stack replacement: the rest of this activation ran compiled.
                        if let Some(r) = self.tier_back_edge(rt, fi, e.block, base) {
                            // The compiled code returned (its depth already given back) or
                            // trapped (its frame already in the backtrace).
                            // SAFETY: the running frame is on the stack.
                            let done = unsafe { self.frames.pop().unwrap_unchecked() };
                            let v = match r {
                                Ok(v) => v,
                                Err(t) => return Err(self.unwind_suspended(t, stop)),
                            };
                            if self.frames.len() <= stop {
                                return Ok(v);
                            }
                            switch_top!();
                            // SAFETY: `ret` is a register of the caller's window.
                            unsafe { *self.regs.get_unchecked_mut(done.ret as usize) = v };
                            continue;
                        }
                    }
                }
                pc = e.pc as usize;
            }};
        }
        // A safepoint before an operation that may allocate: collect if due, with the live
        // registers of every active frame as roots. The pc is saved first: the roots of this
        // frame are those of the instruction before it, also while the operation calls back
        // into MIR code.
        macro_rules! gc {
            () => {
                save_pc!();
                if rt.heap.should_collect() {
                    self.collect_garbage(rt, base + f.nregs as usize);
                    if let Some(t) = rt.memory_trap() {
                        return Err(self.unwind(t, f.site(fi as u32, pc - 1), stop));
                    }
                }
            };
        }
        macro_rules! arith {
            ($dst:expr, $a:expr, $b:expr, $wrap:ident, $op:expr) => {{
                let (x, y) = (r!($a), r!($b));
                if x.tag == INT && y.tag == INT {
                    w!($dst, Val::int(x.as_int().$wrap(y.as_int())));
                } else {
                    // Only `add` with a String operand allocates: the one binop safepoint.
                    if $op == BinOp::Add && (x.tag == STR || y.tag == STR) {
                        gc!();
                    }
                    let v = tr!(rt.binop(self, $op, x, y));
                    w!($dst, v);
                }
            }};
        }
        macro_rules! cmp {
            ($dst:expr, $a:expr, $b:expr, $op:expr, $int:tt) => {{
                let (x, y) = (r!($a), r!($b));
                if x.tag == INT && y.tag == INT {
                    w!($dst, Val::bool(x.as_int() $int y.as_int()));
                } else if x.tag == FLOAT && y.tag == FLOAT {
                    w!($dst, Val::bool(x.as_float() $int y.as_float()));
                } else {
                    let v = tr!(rt.compare($op, x, y));
                    w!($dst, v);
                }
            }};
        }

        loop {
            // SAFETY: every block ends with a terminator or `FallOff`, and edges target block
            // starts, so `pc` stays inside `code`.
            let op = unsafe { f.code.get_unchecked(pc) };
            if OBS {
                self.observe_op(rt, fi, pc, base);
            }
            pc += 1;
            match *op {
                Op::Const { dst, val } => w!(dst, val),
                Op::Add { dst, a, b } => arith!(dst, a, b, wrapping_add, BinOp::Add),
                Op::Sub { dst, a, b } => arith!(dst, a, b, wrapping_sub, BinOp::Sub),
                Op::Mul { dst, a, b } => arith!(dst, a, b, wrapping_mul, BinOp::Mul),
                Op::AddI { dst, a, imm } => {
                    let x = r!(a);
                    if x.tag == INT {
                        w!(dst, Val::int(x.as_int().wrapping_add(imm)));
                    } else {
                        if x.tag == STR {
                            gc!();
                        }
                        let v = tr!(rt.binop(self, BinOp::Add, x, Val::int(imm)));
                        w!(dst, v);
                    }
                }
                Op::SubI { dst, a, imm } => {
                    let x = r!(a);
                    if x.tag == INT {
                        w!(dst, Val::int(x.as_int().wrapping_sub(imm)));
                    } else {
                        let v = tr!(rt.binop(self, BinOp::Sub, x, Val::int(imm)));
                        w!(dst, v);
                    }
                }
                Op::CmpI { dst, op, a, imm } => {
                    let x = r!(a);
                    let c = if x.tag == INT {
                        int_cmp(op, x.as_int(), imm)
                    } else {
                        tr!(rt.compare_bool(op, x, Val::int(imm)))
                    };
                    w!(dst, Val::bool(c));
                }
                Op::BrCmpI {
                    dst,
                    op,
                    a,
                    imm,
                    t,
                    f: e,
                } => {
                    let x = r!(a);
                    let c = if x.tag == INT {
                        int_cmp(op, x.as_int(), imm)
                    } else {
                        tr!(rt.compare_bool(op, x, Val::int(imm)))
                    };
                    w!(dst, Val::bool(c));
                    if c {
                        take_edge!(t);
                    } else {
                        take_edge!(e);
                    }
                }
                Op::BrCmp {
                    dst,
                    op,
                    a,
                    b,
                    t,
                    f: e,
                } => {
                    let (x, y) = (r!(a), r!(b));
                    let c = if x.tag == INT && y.tag == INT {
                        int_cmp(op, x.as_int(), y.as_int())
                    } else {
                        tr!(rt.compare_bool(op, x, y))
                    };
                    w!(dst, Val::bool(c));
                    if c {
                        take_edge!(t);
                    } else {
                        take_edge!(e);
                    }
                }
                Op::Bin { dst, op, a, b } => {
                    let (x, y) = (r!(a), r!(b));
                    let v = match (x.tag == INT && y.tag == INT)
                        .then(|| int_binop(op, x.as_int(), y.as_int()))
                        .flatten()
                    {
                        // Not `add` (which has its own ops): never a safepoint.
                        Some(r) => Val::int(tr!(r)),
                        None => tr!(rt.binop(self, op, x, y)),
                    };
                    w!(dst, v);
                }
                Op::Lt { dst, a, b } => cmp!(dst, a, b, CmpOp::Lt, <),
                Op::Le { dst, a, b } => cmp!(dst, a, b, CmpOp::Le, <=),
                Op::Gt { dst, a, b } => cmp!(dst, a, b, CmpOp::Gt, >),
                Op::Ge { dst, a, b } => cmp!(dst, a, b, CmpOp::Ge, >=),
                Op::Eq { dst, a, b } => {
                    let (x, y) = (r!(a), r!(b));
                    w!(dst, Val::bool(values_equal(x, y)));
                }
                Op::Ne { dst, a, b } => {
                    let (x, y) = (r!(a), r!(b));
                    w!(dst, Val::bool(!values_equal(x, y)));
                }
                Op::Unary { dst, op, a } => {
                    let v = tr!(rt.unary(op, r!(a)));
                    w!(dst, v);
                }
                Op::Check { dst, a, ty } => w!(dst, Val::bool(rt.has_type(r!(a), ty))),
                Op::Cast { dst, a, ty } => {
                    gc!();
                    let v = tr!(rt.cast(r!(a), ty));
                    w!(dst, v);
                }
                Op::TypeOf { dst, a } => {
                    let v = rt.type_of(r!(a));
                    w!(dst, v);
                }
                Op::Load { dst, obj, field } => {
                    let v = tr!(rt.load_field(r!(obj), field));
                    w!(dst, v);
                }
                Op::Store { obj, field, val } => {
                    tr!(rt.store_field(r!(obj), field, r!(val)));
                }
                Op::Branch { cond, t, f: e } => {
                    let c = r!(cond);
                    if c.tag != BOOL {
                        tr!(Err(Trap::type_error(format!(
                            "branch condition must be Bool, got {}",
                            rt.type_name(c)
                        ))));
                    }
                    if c.bits != 0 {
                        take_edge!(t);
                    } else {
                        take_edge!(e);
                    }
                }
                Op::Jump { edge } => take_edge!(edge),
                Op::Ret { src } => ret_val!(r!(src)),
                Op::RetVoid => ret_val!(Val::VOID),
                Op::TailGlobal { func, args } => tail_to!(func, None, args, true),
                Op::TailMethod { recv, mid, args } => {
                    let rv = r!(recv);
                    let user = if rv.tag == USER {
                        rt.find_user_method(rv, mid)
                    } else {
                        None
                    };
                    if let Some(m) = user {
                        tail_to!(m.0, Some(rv), args, false);
                    } else {
                        gc!();
                        let a = self.gather(f, base, args);
                        let v = tr!(rt.call_builtin_method(self, rv, mid, a.as_slice()));
                        ret_val!(v);
                    }
                }
                Op::TailStatic { recv, b, mid, args } => {
                    let rv = r!(recv);
                    let m = tr!(rt.resolve_static_method(rv, b, mid, args.len as usize));
                    tail_to!(m.0, Some(rv), args, false);
                }
                Op::TailValue { f: fv, args } => {
                    let fv = r!(fv);
                    match tr!(rt.resolve_value_call(fv, args.len as usize)) {
                        ValueCall::Function(g) => tail_to!(g.0, None, args, true),
                        ValueCall::Method(g) => tail_to!(g.0, Some(fv), args, false),
                        ValueCall::Operator(o) => {
                            gc!();
                            let a = self.gather(f, base, args);
                            let s = a.as_slice();
                            let v = tr!(rt.apply_operator(self, o, s[0], s[1]));
                            ret_val!(v);
                        }
                    }
                }
                Op::CallG { dst, func, args } => {
                    // SAFETY: callee ids were checked against the function table when decoding.
                    let df = unsafe { prog.funcs.get_unchecked(func as usize) };
                    let new_base = base + f.nregs as usize;
                    self.ensure(new_base + df.nregs as usize);
                    // SAFETY: `ensure` covers the callee's window above the caller's; argument
                    // registers were checked when decoding.
                    unsafe {
                        let rp = self.regs.as_mut_ptr();
                        let list = f
                            .args
                            .get_unchecked(args.start as usize..(args.start + args.len) as usize);
                        for (i, r) in list.iter().enumerate() {
                            *rp.add(new_base + i) = load_val(rp.add(base + *r as usize));
                        }
                    }
                    save_pc!();
                    if OBS || rt.depth + df.units > max_depth || self.slow_back || df.check_params {
                        tr!(self.enter(rt, func, new_base, base + dst as usize));
                        switch_top!();
                    } else {
                        rt.depth += df.units;
                        self.frames.push(Frame {
                            func,
                            pc: 0,
                            base: new_base as u32,
                            ret: (base + dst as usize) as u32,
                        });
                        fi = func as usize;
                        f = df;
                        pc = 0;
                        base = new_base;
                    }
                }
                Op::CallGlobal { dst, func, args } => {
                    save_pc!();
                    tr!(self.invoke(rt, f, base, func, None, args, base + dst as usize, true));
                    switch_top!();
                }
                Op::CallMethod {
                    dst,
                    recv,
                    mid,
                    args,
                } => {
                    let rv = r!(recv);
                    let user = if rv.tag == USER {
                        rt.find_user_method(rv, mid)
                    } else {
                        None
                    };
                    if let Some(m) = user {
                        save_pc!();
                        tr!(self.invoke(
                            rt,
                            f,
                            base,
                            m.0,
                            Some(rv),
                            args,
                            base + dst as usize,
                            false
                        ));
                        switch_top!();
                    } else {
                        // Not every builtin call is a safepoint (spec §5).
                        if prog.polls(rv, mid, args.len) {
                            gc!();
                        } else {
                            save_pc!();
                        }
                        let a = self.gather(f, base, args);
                        let v = tr!(rt.call_builtin_method(self, rv, mid, a.as_slice()));
                        w!(dst, v);
                    }
                }
                Op::CallStatic {
                    dst,
                    recv,
                    b,
                    mid,
                    args,
                } => {
                    let rv = r!(recv);
                    let m = tr!(rt.resolve_static_method(rv, b, mid, args.len as usize));
                    save_pc!();
                    tr!(self.invoke(rt, f, base, m.0, Some(rv), args, base + dst as usize, false));
                    switch_top!();
                }
                Op::CallValue { dst, f: fv, args } => {
                    let fv = r!(fv);
                    match tr!(rt.resolve_value_call(fv, args.len as usize)) {
                        ValueCall::Function(g) => {
                            save_pc!();
                            tr!(self.invoke(
                                rt,
                                f,
                                base,
                                g.0,
                                None,
                                args,
                                base + dst as usize,
                                true
                            ));
                            switch_top!();
                        }
                        ValueCall::Method(g) => {
                            save_pc!();
                            tr!(self.invoke(
                                rt,
                                f,
                                base,
                                g.0,
                                Some(fv),
                                args,
                                base + dst as usize,
                                false
                            ));
                            switch_top!();
                        }
                        ValueCall::Operator(o) => {
                            gc!();
                            let a = self.gather(f, base, args);
                            let s = a.as_slice();
                            let v = tr!(rt.apply_operator(self, o, s[0], s[1]));
                            w!(dst, v);
                        }
                    }
                }
                Op::New { dst, class, args } => {
                    // The result is a root while `birth` runs: no stale value before that.
                    w!(dst, Val::VOID);
                    gc!();
                    match class {
                        BoxClass::User(b) => {
                            let obj = rt.new_user(b);
                            w!(dst, obj);
                            match rt.birth_of(b) {
                                Some(birth) => {
                                    save_pc!();
                                    let scratch = base + f.nregs as usize - 1;
                                    tr!(self.invoke(
                                        rt,
                                        f,
                                        base,
                                        birth.0,
                                        Some(obj),
                                        args,
                                        scratch,
                                        false
                                    ));
                                    switch_top!();
                                }
                                None => {
                                    if args.len != 0 {
                                        let what = format!("new {}", rt.box_name(b.0));
                                        tr!(Err(Trap::wrong_arity(&what, 0, args.len as usize)));
                                    }
                                }
                            }
                        }
                        other => {
                            let a = self.gather(f, base, args);
                            let v = tr!(rt.new_builtin(other, a.as_slice()));
                            w!(dst, v);
                        }
                    }
                }
                Op::Extern { dst, e, args } => {
                    gc!();
                    let a = self.gather(f, base, args);
                    let v = tr!(rt.call_extern(self, e, a.as_slice()));
                    w!(dst, v);
                }
                Op::Import { dst, idx, args } => {
                    gc!();
                    let a = self.gather(f, base, args);
                    let v = tr!(prog.ffi.call(rt, idx as usize, a.as_slice()));
                    w!(dst, v);
                }
                Op::FallOff => {
                    tr!(Err(Trap::type_error(
                        "block does not end with a terminator"
                    )));
                }
            }
        }
    }

    /// A trap leaves this run (the frames above `stop`): appends `site` (where the innermost
    /// frame is) and the call site of every frame below it to the backtrace, innermost first,
    /// and drops those frames.
    #[cold]
    #[inline(never)]
    fn unwind(&mut self, mut t: Trap, site: Site, stop: usize) -> Trap {
        t.push_frame(site);
        let n = self.frames.len();
        for fr in self.frames[stop.min(n)..n.saturating_sub(1)].iter().rev() {
            // A frame below the top was suspended in a call: its saved pc is just after it.
            let df = &self.prog.funcs[fr.func as usize];
            t.push_frame(df.site(fr.func, (fr.pc as usize).saturating_sub(1)));
        }
        self.frames.truncate(stop.min(n));
        t
    }

    /// A trap leaves this run while no frame above `stop` is running (each is suspended in a
    /// call): appends the call site of every frame above `stop` to the backtrace, innermost
    /// first, and drops those frames.
    #[cold]
    #[inline(never)]
    fn unwind_suspended(&mut self, mut t: Trap, stop: usize) -> Trap {
        let n = self.frames.len();
        for fr in self.frames[stop.min(n)..n].iter().rev() {
            let df = &self.prog.funcs[fr.func as usize];
            t.push_frame(df.site(fr.func, (fr.pc as usize).saturating_sub(1)));
        }
        self.frames.truncate(stop.min(n));
        t
    }

    /// Collects garbage with the live registers of every active frame ([`Interp::roots`]) as
    /// roots, after clearing the registers above `top` (the windows of ended activations).
    ///
    /// Invariant: every heap value in a root register points to a live object. Other registers
    /// may hold values whose objects were freed; they are never read before being written
    /// (a register is read only for a value live there, defined on every path to it).
    #[cold]
    #[inline(never)]
    fn collect_garbage(&mut self, rt: &mut Runtime, top: usize) {
        if let Some(t) = self.tier {
            // SAFETY: `set_tier`'s contract.
            unsafe { (*t).collect(self, rt) };
            return;
        }
        let top = top.min(self.regs.len());
        for r in &mut self.regs[top..] {
            *r = Val::VOID;
        }
        let roots = self.roots();
        // SAFETY: the roots are registers of values live at the safepoint of their frame,
        // which hold those values (SSA: each is defined on every path to it).
        unsafe { rt.heap.collect(roots) };
    }

    /// Runs `f` with `args` as the outermost (or a runtime-nested) call. Runtime-made calls nest
    /// on the native stack; when it runs low the call continues on a fresh thread.
    pub fn call(&mut self, rt: &mut Runtime, f: FuncId, args: &[Val]) -> Result<Val, Trap> {
        if stack_pos() >= self.stack_low {
            return self.call_here(rt, f, args);
        }
        let me = SendMut(self as *mut Interp<'p>);
        let rtp = SendMut(rt as *mut Runtime);
        let args = args.to_vec();
        let res = std::thread::scope(|s| {
            let h = std::thread::Builder::new()
                .stack_size(STACK_SIZE)
                .spawn_scoped(s, move || {
                    let (me, rtp) = (me, rtp);
                    // SAFETY: this thread has exclusive use of both while the caller waits.
                    let (me, rt) = unsafe { (&mut *me.0, &mut *rtp.0) };
                    let saved = me.stack_low;
                    me.stack_low = stack_low_here();
                    let r = me.call_here(rt, f, &args);
                    me.stack_low = saved;
                    r
                });
            match h {
                Ok(h) => h.join().ok(),
                Err(_) => None,
            }
        });
        match res {
            Some(r) => r,
            // No thread could be made: report it as the overflow it prevents.
            None => Err(Trap::new(
                mir14_rt::TrapKind::StackOverflow,
                "native stack exhausted",
            )),
        }
    }

    fn call_here(&mut self, rt: &mut Runtime, f: FuncId, args: &[Val]) -> Result<Val, Trap> {
        let prog = self.prog;
        let Some(df) = prog.funcs.get(f.index()) else {
            return Err(Trap::type_error(format!("no function {}", f.0)));
        };
        rt.check_arity_named(&format!("@{}", rt.func_name(f)), f, 0, args.len())?;
        let stop = self.frames.len();
        let new_base = self.top();
        self.ensure(new_base + df.nregs as usize + 1);
        self.regs[new_base..new_base + args.len()].copy_from_slice(args);
        // The result register of an outermost call is unused: point it at the scratch slot.
        let ret = new_base + df.nregs as usize - 1;
        self.enter(rt, f.0, new_base, ret)?;
        if self.frames.len() == stop {
            // The tier ran the call.
            return Ok(self.regs[ret]);
        }
        self.run(rt, stop)
    }
}

/// Reads a register as two 8-byte loads. Registers are often written as two 8-byte stores
/// (`tag`, `bits`); a single 16-byte load of them would defeat store-to-load forwarding and stall.
///
/// # Safety
/// `p` must point to a live register.
#[inline(always)]
unsafe fn load_val(p: *const Val) -> Val {
    // SAFETY: the caller guarantees `p` is valid; volatile keeps the two loads separate.
    unsafe {
        Val {
            tag: std::ptr::read_volatile(std::ptr::addr_of!((*p).tag)),
            bits: std::ptr::read_volatile(std::ptr::addr_of!((*p).bits)),
        }
    }
}

/// An Integer comparison.
#[inline(always)]
fn int_cmp(op: CmpOp, x: i64, y: i64) -> bool {
    match op {
        CmpOp::Eq => x == y,
        CmpOp::Ne => x != y,
        CmpOp::Lt => x < y,
        CmpOp::Le => x <= y,
        CmpOp::Gt => x > y,
        CmpOp::Ge => x >= y,
    }
}

impl Host for Interp<'_> {
    fn call_function(&mut self, rt: &mut Runtime, f: FuncId, args: &[Val]) -> Result<Val, Trap> {
        self.call(rt, f, args)
    }
}
