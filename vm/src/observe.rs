//! Watching an interpreted run: `--trace` (every executed instruction with its operands'
//! values), `--trace-calls` (calls and returns with arguments and results) and the
//! instruction counts of `--profile`. The interpreter loop is compiled twice (`run::<true>` and
//! `run::<false>`), so a run without observation pays nothing for these hooks.

use crate::decode::Program;
use mir14_mir::display::value_name;
use mir14_mir::text::print_inst;
use mir14_mir::{Block, Constant, FuncId, Function, Inst, Module, Value};
use mir14_rt::{Host, Runtime, Trap, Val};

/// What an interpreted run reports besides its own output (all of it on stderr).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct Observe {
    /// `--trace`: each executed instruction, with its operands' values.
    pub trace: bool,
    /// `--trace-calls`: each call (arguments) and return (result).
    pub trace_calls: bool,
}

impl Observe {
    /// Whether anything is observed.
    pub fn any(self) -> bool {
        self.trace || self.trace_calls
    }
}

/// The observer of one run.
pub(crate) struct Observer<'p> {
    module: &'p Module,
    mode: Observe,
    /// Per function (filled on first use), the constant defining each value, if any: folded
    /// constants never reach a register, so their values come from here.
    consts: Vec<Option<Vec<Option<Constant>>>>,
}

/// A host that runs no MIR code: values are shown without calling a user `toString`.
struct NoCalls;

impl Host for NoCalls {
    fn call_function(&mut self, _: &mut Runtime, _: FuncId, _: &[Val]) -> Result<Val, Trap> {
        Err(Trap::type_error("not while tracing"))
    }
}

/// The string form of `v` for a trace (Strings quoted, as inside containers); a value whose
/// form needs a user `toString` shows as `<Type>`.
fn show(rt: &mut Runtime, v: Val) -> String {
    let mut s = String::new();
    match rt.fmt_into(&mut NoCalls, v, &mut s, true) {
        Ok(()) => s,
        Err(_) => format!("<{}>", rt.type_name(v)),
    }
}

impl<'p> Observer<'p> {
    /// An observer of a run of `module`.
    pub fn new(module: &'p Module, mode: Observe) -> Observer<'p> {
        Observer {
            module,
            mode,
            consts: vec![None; module.functions.len()],
        }
    }

    fn func(&self, f: u32) -> &'p Function {
        &self.module.functions[FuncId(f)]
    }

    /// The constant defining `v` in function `f`, if a `const` defines it.
    fn constant(&mut self, f: u32, v: Value) -> Option<Constant> {
        let func = self.func(f);
        let table = self.consts[f as usize].get_or_insert_with(|| {
            let mut t = vec![None; func.values.len()];
            for b in func.blocks.values() {
                for i in &b.insts {
                    if let Inst::Const { dest, value } = i {
                        if let Some(slot) = t.get_mut(dest.index()) {
                            *slot = Some(value.clone());
                        }
                    }
                }
            }
            t
        });
        table.get(v.index()).cloned().flatten()
    }

    /// The `Val` of `v` in the frame of `f` at `base`: its register, or its constant (`None`
    /// for String and function constants, which are shown from the constant itself).
    fn val(&mut self, regs: Regs, f: u32, base: usize, v: Value) -> Option<Val> {
        match self.constant(f, v) {
            Some(Constant::Int(i)) => Some(Val::int(i)),
            Some(Constant::Float(x)) => Some(Val::float(x.get())),
            Some(Constant::Bool(b)) => Some(Val::bool(b)),
            Some(Constant::Void) => Some(Val::VOID),
            Some(_) => None,
            None => {
                let slot = *regs.slots.get(v.index())? as usize;
                regs.regs.get(base + slot).copied()
            }
        }
    }

    /// The shown value of `v` in the frame of `f` at `base`.
    fn value(&mut self, rt: &mut Runtime, regs: Regs, f: u32, base: usize, v: Value) -> String {
        match self.constant(f, v) {
            Some(Constant::Str(s)) => {
                let mut q = String::new();
                mir14_rt::quote_into(&s, &mut q);
                q
            }
            Some(Constant::Func(g)) => format!("@{}", rt.func_name(g)),
            _ => match self.val(regs, f, base, v) {
                Some(x) => show(rt, x),
                None => "?".to_string(),
            },
        }
    }

    /// `--trace`: the instructions the op at `pc` executes (block `block`, MIR instructions
    /// `from..=to`), each with its operands' values; `from` covers phis and folded constants
    /// since the previous op.
    #[allow(clippy::too_many_arguments)]
    pub fn trace_insts(
        &mut self,
        rt: &mut Runtime,
        regs: &[Val],
        slots: &[u32],
        f: u32,
        base: usize,
        block: Block,
        from: u32,
        to: u32,
    ) {
        // Values share registers (`slots`): read each through its own.
        let regs = Regs { regs, slots };
        if !self.mode.trace {
            return;
        }
        let func = self.func(f);
        let Some(bd) = func.blocks.get(block) else {
            return;
        };
        let mut out = String::new();
        // A compare fused with the branch after it has not written its result yet: the
        // branch line shows the result computed here.
        let mut fused: Option<(Value, String)> = None;
        for i in from..=to {
            let Some(inst) = bd.insts.get(i as usize) else {
                break;
            };
            if let (Inst::Compare { dest, op, lhs, rhs }, true) = (inst, i < to) {
                let a = self.val(regs, f, base, *lhs);
                let b = self.val(regs, f, base, *rhs);
                // Without both values (a String constant operand) the result shows as `?`.
                fused = Some((*dest, "?".to_string()));
                if let (Some(a), Some(b)) = (a, b) {
                    match rt.compare(*op, a, b) {
                        Ok(r) => fused = Some((*dest, show(rt, r))),
                        // The compare traps: the branch never runs.
                        Err(_) => {
                            out.push_str(&self.line(rt, regs, f, base, block, i, None));
                            break;
                        }
                    }
                }
            }
            out.push_str(&self.line(rt, regs, f, base, block, i, fused.clone()));
        }
        rt.write_stderr(out.as_bytes());
    }

    /// The trace line of instruction `i` of `block`; `known` gives a value not yet in its
    /// register.
    #[allow(clippy::too_many_arguments)]
    fn line(
        &mut self,
        rt: &mut Runtime,
        regs: Regs,
        f: u32,
        base: usize,
        block: Block,
        i: u32,
        known: Option<(Value, String)>,
    ) -> String {
        let mut out = String::new();
        let func = self.func(f);
        if let Some(bd) = func.blocks.get(block) {
            let Some(inst) = bd.insts.get(i as usize) else {
                return out;
            };
            let text = print_inst(self.module, func, inst);
            out.push_str(&format!("trace: @{}, {}: {}", func.name, bd.label, text));
            // A phi's inputs come from several predecessors: only the taken one is live.
            if !matches!(inst, Inst::Phi { .. }) {
                let mut uses = Vec::new();
                inst.for_each_use(|v| uses.push(v));
                let mut seen = std::collections::HashSet::new();
                let mut parts = Vec::new();
                for v in uses {
                    if !seen.insert(v) {
                        continue;
                    }
                    let shown = match &known {
                        Some((k, text)) if *k == v => text.clone(),
                        _ => self.value(rt, regs, f, base, v),
                    };
                    parts.push(format!("{} = {}", value_name(func, v), shown));
                }
                if !parts.is_empty() {
                    out.push_str(&format!("  [{}]", parts.join(", ")));
                }
            }
            out.push('\n');
        }
        out
    }

    /// A call of `f` with `args` has entered (depth already counted).
    pub fn call(&mut self, rt: &mut Runtime, f: u32, args: &[Val]) {
        if !self.mode.any() {
            return;
        }
        let shown: Vec<String> = args.iter().map(|a| show(rt, *a)).collect();
        let line = format!(
            "trace: [{}] call @{}({})\n",
            rt.depth,
            rt.func_name(FuncId(f)),
            shown.join(", ")
        );
        rt.write_stderr(line.as_bytes());
    }

    /// `f` returns `v` (depth not yet decremented).
    pub fn ret(&mut self, rt: &mut Runtime, f: u32, v: Val) {
        if !self.mode.any() {
            return;
        }
        let shown = show(rt, v);
        let line = format!(
            "trace: [{}] return @{} = {}\n",
            rt.depth,
            rt.func_name(FuncId(f)),
            shown
        );
        rt.write_stderr(line.as_bytes());
    }
}

/// The MIR instructions the op at `pc` of `prog`'s function `f` covers: its block and the
/// range of instruction indices since the previous op of the same block.
pub(crate) fn op_insts(prog: &Program, f: usize, pc: usize) -> (Block, u32, u32) {
    let df = &prog.funcs[f];
    let site = df.site(f as u32, pc);
    let start = df
        .block_starts
        .get(site.block.index())
        .copied()
        .unwrap_or(0) as usize;
    let from = if pc > start {
        df.insts.get(pc - 1).map_or(0, |&i| i + 1)
    } else {
        0
    };
    // A fused compare + branch executes both.
    let to = match df.code.get(pc) {
        Some(crate::decode::Op::BrCmp { .. } | crate::decode::Op::BrCmpI { .. }) => site.inst + 1,
        _ => site.inst,
    };
    (site.block, from.min(site.inst), to)
}

/// A frame's registers and the register of each value of its function.
#[derive(Copy, Clone)]
struct Regs<'a> {
    regs: &'a [Val],
    slots: &'a [u32],
}
