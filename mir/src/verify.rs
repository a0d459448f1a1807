//! The verifier: structural invariants of a module (spec/MIR14.md §7).
//!
//! [`verify`] reports *every* violation, each with a message of spec §7.1 and the [`Location`]
//! of the offending entity. It never panics, whatever the module holds: ids out of range are
//! errors like any other, named with a `?` (`value %?7 is used but never defined`,
//! `unknown block ?9`, `unknown function @?3`, `unknown box ?2`).
//!
//! Decisions beyond spec §7.1 (messages for cases it does not list):
//! - a definition of a value out of range: `value %?7 does not exist` (at the parameter or
//!   instruction);
//! - two different values with the same name are reported like the text form would read them:
//!   `value %x is defined more than once`, at the second value's definition;
//! - `extern` instructions whose callee is not an extern: `extern instruction must call an
//!   extern`; `call` instructions with an extern callee: `call instruction cannot call extern
//!   env.console.log`;
//! - a latch with a second back edge: `latch bb3 also has a back edge to bb5`;
//! - `new Point(...)` arity errors always name `new Point` (with or without `birth`); calls of
//!   `@Point.birth` through `call %r.Point::birth(...)` name `Point.birth`;
//! - an early terminator is reported at every terminator that is not the last instruction;
//!   `entry block bb0 cannot be a branch target` at every terminator targeting the entry;
//! - LoopForm errors are located at the loop declaration; `body == header` and
//!   `latch == header` (one-block loops) are accepted.

use crate::analysis::{block_name, check_loopform, function_name, value_name, Cfg, DomTree};
use crate::ir::{
    Block, BoxClass, Callee, Constant, FuncId, Function, Inst, Module, TypeName, TypeOpKind, Value,
};
use crate::span::{Location, VerifyError};
use std::collections::{HashMap, HashSet};

/// Checks every structural rule of spec §7 and returns every violation found, each located at
/// the offending entity. Checks structure, not dynamic types.
pub fn verify(module: &Module) -> Result<(), Vec<VerifyError>> {
    let errors = verify_all(module);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// Every violation in `module`, module-level rules first, then each function in order.
pub fn verify_all(module: &Module) -> Vec<VerifyError> {
    let mut v = Verifier {
        m: module,
        errors: Vec::new(),
    };
    v.module_rules();
    for id in module.functions.keys() {
        v.function(id);
    }
    v.errors
}

/// The violations of the rules local to function `f` (everything but the uniqueness of function
/// and box names and the box declarations themselves). A function out of range is one error.
pub fn verify_function(module: &Module, f: FuncId) -> Vec<VerifyError> {
    let mut v = Verifier {
        m: module,
        errors: Vec::new(),
    };
    if module.functions.contains(f) {
        v.function(f);
    } else {
        v.err(
            Location::Module,
            format!("unknown function {}", function_name(module, f)),
        );
    }
    v.errors
}

struct Verifier<'a> {
    m: &'a Module,
    errors: Vec<VerifyError>,
}

/// Per-function facts shared by the checks.
struct Ctx<'a> {
    id: FuncId,
    f: &'a Function,
    cfg: Cfg,
    dom: DomTree,
    /// Every definition of each value (in range), parameters first then in block order.
    defs: Vec<Vec<Def>>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Def {
    Param(usize),
    Inst(Block, usize),
}

impl<'a> Verifier<'a> {
    fn err(&mut self, location: Location, message: String) {
        self.errors.push(VerifyError { location, message });
    }

    /// Names of boxes and functions, box fields, method functions, `@main`.
    fn module_rules(&mut self) {
        let m = self.m;
        let mut seen_boxes: HashSet<&str> = HashSet::new();
        for (id, b) in m.boxes.iter() {
            if TypeName::builtin(&b.name).is_some() || BoxClass::builtin(&b.name).is_some() {
                self.err(
                    Location::Box(id),
                    format!("box name {} is a builtin type", b.name),
                );
            } else if !seen_boxes.insert(&b.name) {
                self.err(Location::Box(id), format!("duplicate box {}", b.name));
            }
            let mut fields: HashSet<&str> = HashSet::new();
            for field in &b.fields {
                if !fields.insert(field) {
                    self.err(
                        Location::Box(id),
                        format!("duplicate field {} in box {}", field, b.name),
                    );
                }
            }
        }
        let mut seen_fns: HashSet<&str> = HashSet::new();
        for (id, f) in m.functions.iter() {
            if !seen_fns.insert(&f.name) {
                self.err(
                    Location::Function(id),
                    format!("duplicate function @{}", f.name),
                );
            }
            if let Some((box_name, _)) = f.name.split_once('.') {
                if m.box_by_name(box_name).is_none() {
                    self.err(
                        Location::Function(id),
                        format!("method @{} of undeclared box {}", f.name, box_name),
                    );
                }
                if f.params.is_empty() {
                    self.err(
                        Location::Function(id),
                        format!("method @{} needs a receiver parameter", f.name),
                    );
                }
            }
            if f.name == "main" && !f.params.is_empty() {
                self.err(
                    Location::Function(id),
                    "@main must not have parameters".to_string(),
                );
            }
        }
    }

    /// Every rule local to one function.
    fn function(&mut self, id: FuncId) {
        let Some(f) = self.m.functions.get(id) else {
            return;
        };
        // Annotations name existing boxes.
        if let Some(t) = f.ret_type {
            self.check_type(Location::Function(id), t);
        }
        for (i, p) in f.params.iter().enumerate() {
            if let Some(t) = p.ty {
                self.check_type(Location::Param(id, i), t);
            }
        }
        if f.blocks.is_empty() {
            self.err(
                Location::Function(id),
                format!("function @{} has no blocks", f.name),
            );
        }
        let (cfg, dom) = DomTree::of(f);
        let cx = Ctx {
            id,
            f,
            cfg,
            dom,
            defs: collect_defs(f),
        };
        self.labels(&cx);
        self.definitions(&cx);
        for (b, data) in f.blocks.iter() {
            self.block_shape(&cx, b);
            for (i, inst) in data.insts.iter().enumerate() {
                self.inst(&cx, b, i, inst);
            }
        }
        self.loops(&cx);
    }

    /// A type annotation naming a box must name an existing one.
    fn check_type(&mut self, loc: Location, t: TypeName) {
        if let TypeName::User(b) = t {
            if !self.m.boxes.contains(b) {
                self.err(loc, format!("unknown box ?{}", b.0));
            }
        }
    }

    /// Block labels are unique.
    fn labels(&mut self, cx: &Ctx) {
        let mut seen: HashSet<&str> = HashSet::new();
        for (b, data) in cx.f.blocks.iter() {
            if !seen.insert(&data.label) {
                self.err(
                    Location::Block(cx.id, b),
                    format!("duplicate block label {}", data.label),
                );
            }
        }
    }

    /// Each value is defined once, value names are unique, definitions are in range.
    fn definitions(&mut self, cx: &Ctx) {
        let f = cx.f;
        let loc = |d: Def| match d {
            Def::Param(i) => Location::Param(cx.id, i),
            Def::Inst(b, i) => Location::Inst(cx.id, b, i),
        };
        // Definitions of values that do not exist.
        for (i, p) in f.params.iter().enumerate() {
            if !f.values.contains(p.value) {
                self.err(
                    Location::Param(cx.id, i),
                    format!("value {} does not exist", value_name(f, p.value)),
                );
            }
        }
        for (b, data) in f.blocks.iter() {
            for (i, inst) in data.insts.iter().enumerate() {
                if let Some(d) = inst.dest().filter(|d| !f.values.contains(*d)) {
                    self.err(
                        Location::Inst(cx.id, b, i),
                        format!("value {} does not exist", value_name(f, d)),
                    );
                }
            }
        }
        // Every definition after the first, per value.
        for (v, defs) in cx.defs.iter().enumerate() {
            for &d in defs.iter().skip(1) {
                self.err(
                    loc(d),
                    format!(
                        "value {} is defined more than once",
                        value_name(f, Value(v as u32))
                    ),
                );
            }
        }
        // Distinct values sharing a name: the later value's first definition is the duplicate.
        let mut by_name: HashMap<&str, Value> = HashMap::new();
        for (v, data) in f.values.iter() {
            if by_name.contains_key(data.name.as_str()) {
                if let Some(&d) = cx.defs[v.index()].first() {
                    self.err(
                        loc(d),
                        format!("value %{} is defined more than once", data.name),
                    );
                }
            } else {
                by_name.insert(&data.name, v);
            }
        }
    }

    /// Terminators, phi placement, the entry block.
    fn block_shape(&mut self, cx: &Ctx, b: Block) {
        let f = cx.f;
        let data = &f.blocks[b];
        let label = &data.label;
        match data.insts.last() {
            Some(last) if last.is_terminator() => {}
            _ => self.err(
                Location::Block(cx.id, b),
                format!("block {label} does not end with a terminator"),
            ),
        }
        let n = data.insts.len();
        let mut leading = true;
        for (i, inst) in data.insts.iter().enumerate() {
            let at = Location::Inst(cx.id, b, i);
            if inst.is_terminator() && i + 1 < n {
                self.err(at, format!("terminator before the end of block {label}"));
            }
            if matches!(inst, Inst::Phi { .. }) {
                if b.index() == 0 {
                    self.err(at, "entry block cannot have phis".to_string());
                } else if !leading {
                    self.err(at, "phi must lead its block".to_string());
                }
            } else {
                leading = false;
            }
            // Branch targets exist and are not the entry block.
            let succs = if inst.is_terminator() {
                inst.successors()
            } else {
                Vec::new()
            };
            let mut entry_reported = false;
            for s in succs {
                if !f.blocks.contains(s) {
                    self.err(at, format!("unknown block {}", block_name(f, s)));
                } else if s.index() == 0 && !entry_reported {
                    entry_reported = true;
                    self.err(
                        at,
                        format!("entry block {} cannot be a branch target", block_name(f, s)),
                    );
                }
            }
        }
    }

    /// One instruction: its uses, names, arities, callee kinds and phi inputs.
    fn inst(&mut self, cx: &Ctx, b: Block, i: usize, inst: &Inst) {
        let at = Location::Inst(cx.id, b, i);
        let m = self.m;
        // Uses: defined, and dominated by their definition.
        match inst {
            Inst::Phi { inputs, .. } => {
                for &(p, v) in inputs {
                    self.use_at_end_of(cx, at, p, v);
                }
                if b.index() != 0 {
                    self.phi_inputs(cx, at, b, inputs);
                }
            }
            _ => inst.for_each_use(|v| self.use_in(cx, at, b, i, v)),
        }
        match inst {
            Inst::Const {
                value: Constant::Func(g),
                ..
            } => {
                if !m.functions.contains(*g) {
                    self.err(at, format!("unknown function {}", function_name(m, *g)));
                }
            }
            Inst::TypeOp { op, .. } => match op {
                TypeOpKind::Check(t) | TypeOpKind::Cast(t) => self.check_type(at, *t),
                TypeOpKind::TypeOf => {}
            },
            Inst::Load { field, .. } | Inst::Store { field, .. } => {
                if !m
                    .boxes
                    .values()
                    .any(|d| d.fields.iter().any(|x| x == field))
                {
                    self.err(at, format!("no box declares field {field}"));
                }
            }
            Inst::NewBox { class, args, .. } => self.new_arity(at, *class, args.len()),
            Inst::Call { callee, args, .. } => {
                if let Callee::Extern(e) = callee {
                    self.err(
                        at,
                        format!("call instruction cannot call extern {}", e.name()),
                    );
                } else {
                    self.call(at, callee, args.len());
                }
            }
            Inst::ExternCall { callee, args, .. } => match callee {
                Callee::Extern(e) => {
                    arity_err(self, at, e.name().to_string(), e.arity(), args.len())
                }
                _ => self.err(at, "extern instruction must call an extern".to_string()),
            },
            _ => {}
        }
    }

    /// Static arity of `new`.
    fn new_arity(&mut self, at: Location, class: BoxClass, got: usize) {
        let m = self.m;
        let expected = match class {
            BoxClass::User(bx) => {
                let Some(decl) = m.boxes.get(bx) else {
                    self.err(at, format!("unknown box ?{}", bx.0));
                    return;
                };
                match m.function_by_name(&format!("{}.birth", decl.name)) {
                    // A birth without receiver is reported at the function.
                    Some(birth) => match m.functions[birth].params.len().checked_sub(1) {
                        Some(n) => n,
                        None => return,
                    },
                    None => 0,
                }
            }
            other => match other.builtin_arity() {
                Some(n) => n,
                None => return,
            },
        };
        let name = match class {
            BoxClass::User(bx) => m.boxes[bx].name.clone(),
            other => other.builtin_name().unwrap_or("?").to_string(),
        };
        arity_err(self, at, format!("new {name}"), expected, got);
    }

    /// Names and static arities of `call`.
    fn call(&mut self, at: Location, callee: &Callee, got: usize) {
        let m = self.m;
        match callee {
            Callee::Global(g) => match m.functions.get(*g) {
                Some(target) => arity_err(
                    self,
                    at,
                    format!("@{}", target.name),
                    target.params.len(),
                    got,
                ),
                None => self.err(at, format!("unknown function {}", function_name(m, *g))),
            },
            Callee::Method {
                box_name: Some(bx),
                method,
                ..
            } => {
                let Some(decl) = m.boxes.get(*bx) else {
                    self.err(at, format!("unknown box ?{}", bx.0));
                    return;
                };
                let full = format!("{}.{}", decl.name, method);
                match m.function_by_name(&full) {
                    Some(target) => {
                        // A method without receiver is reported at the function.
                        if let Some(n) = m.functions[target].params.len().checked_sub(1) {
                            arity_err(self, at, full, n, got);
                        }
                    }
                    None => self.err(at, format!("unknown method {}::{}", decl.name, method)),
                }
            }
            // Dynamic calls are resolved at run time.
            Callee::Method { box_name: None, .. } | Callee::Value(_) | Callee::Extern(_) => {}
        }
    }

    /// A normal use of `v` by instruction `i` of block `b`.
    fn use_in(&mut self, cx: &Ctx, at: Location, b: Block, i: usize, v: Value) {
        let Some(def) = self.single_def(cx, at, v) else {
            return;
        };
        if !cx.cfg.is_reachable(b) {
            return;
        }
        let ok = match def {
            Def::Param(_) => true,
            Def::Inst(db, di) if db == b => di < i,
            Def::Inst(db, _) => cx.dom.dominates(db, b),
        };
        if !ok {
            self.err(
                at,
                format!(
                    "use of {} is not dominated by its definition",
                    value_name(cx.f, v)
                ),
            );
        }
    }

    /// A phi input `[p: v]`: `v` must be dominated at the end of `p`.
    fn use_at_end_of(&mut self, cx: &Ctx, at: Location, p: Block, v: Value) {
        let Some(def) = self.single_def(cx, at, v) else {
            return;
        };
        if !cx.f.blocks.contains(p) || !cx.cfg.is_reachable(p) {
            return;
        }
        let ok = match def {
            Def::Param(_) => true,
            Def::Inst(db, _) => cx.dom.dominates(db, p),
        };
        if !ok {
            self.err(
                at,
                format!(
                    "use of {} is not dominated by its definition",
                    value_name(cx.f, v)
                ),
            );
        }
    }

    /// The one definition of a used value; reports a value used but never defined. `None` also
    /// for values defined more than once (already reported: dominance is then undefined).
    fn single_def(&mut self, cx: &Ctx, at: Location, v: Value) -> Option<Def> {
        match cx.defs.get(v.index()).map(Vec::as_slice) {
            Some([d]) => Some(*d),
            Some([]) | None => {
                self.err(
                    at,
                    format!("value {} is used but never defined", value_name(cx.f, v)),
                );
                None
            }
            Some(_) => None,
        }
    }

    /// A phi of a non-entry block has one input per predecessor.
    fn phi_inputs(&mut self, cx: &Ctx, at: Location, b: Block, inputs: &[(Block, Value)]) {
        let f = cx.f;
        let preds = cx.cfg.predecessors(b);
        let mut seen: HashSet<Block> = HashSet::new();
        let mut dup_reported: HashSet<Block> = HashSet::new();
        for &(p, _) in inputs {
            if !f.blocks.contains(p) {
                self.err(at, format!("unknown block {}", block_name(f, p)));
            } else if !seen.insert(p) {
                if dup_reported.insert(p) {
                    self.err(
                        at,
                        format!("phi has more than one input for {}", block_name(f, p)),
                    );
                }
            } else if !preds.contains(&p) {
                self.err(
                    at,
                    format!(
                        "phi input from {}, which is not a predecessor",
                        block_name(f, p)
                    ),
                );
            }
        }
        for &p in preds {
            if !seen.contains(&p) {
                self.err(
                    at,
                    format!("phi has no input for predecessor {}", block_name(f, p)),
                );
            }
        }
    }

    /// Declared LoopForms.
    fn loops(&mut self, cx: &Ctx) {
        let mut headers: HashSet<Block> = HashSet::new();
        for (i, lf) in cx.f.loops.iter().enumerate() {
            let at = Location::Loop(cx.id, i);
            if cx.f.blocks.contains(lf.header) && !headers.insert(lf.header) {
                self.err(
                    at,
                    format!(
                        "block {} is the header of more than one loop",
                        block_name(cx.f, lf.header)
                    ),
                );
            }
            for msg in check_loopform(cx.f, &cx.cfg, &cx.dom, lf) {
                self.err(at, msg);
            }
        }
    }
}

/// Reports `wrong number of arguments to <what>: expected N, got M` when they differ.
fn arity_err(v: &mut Verifier, at: Location, what: String, expected: usize, got: usize) {
    if expected != got {
        v.err(
            at,
            format!("wrong number of arguments to {what}: expected {expected}, got {got}"),
        );
    }
}

/// Every definition of every value in range, parameters first then in block order.
fn collect_defs(f: &Function) -> Vec<Vec<Def>> {
    let mut defs = vec![Vec::new(); f.values.len()];
    for (i, p) in f.params.iter().enumerate() {
        if let Some(d) = defs.get_mut(p.value.index()) {
            d.push(Def::Param(i));
        }
    }
    for (b, data) in f.blocks.iter() {
        for (i, inst) in data.insts.iter().enumerate() {
            if let Some(v) = inst.dest() {
                if let Some(d) = defs.get_mut(v.index()) {
                    d.push(Def::Inst(b, i));
                }
            }
        }
    }
    defs
}
