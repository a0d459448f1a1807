//! The verifier: structural invariants of a module (spec/MIR14.md §7).
//!
//! [`verify`] reports *every* violation, each with a message of spec §7.1 (names in backquotes)
//! and the [`Location`] of the text at fault as precisely as known (spec §7.2): the operand, the
//! block label, the callee or field name ([`Location::Operand`]), a label of a `loop`
//! declaration ([`Location::LoopLabel`]), a function's or box's name, else the entity; plus the
//! places that explain it ([`VerifyError::related`]: the definition a use is not dominated by,
//! the first of two duplicates, the loop declaration). It never panics, whatever the module
//! holds: ids out of range are errors like any other, named with a `?`
//! (``value `%?7` is used but never defined``, ``unknown block `?9` ``, ``unknown function
//! `@?3` ``, ``unknown box `?2` ``).
//!
//! Decisions beyond spec §7.1 (messages for cases it does not list):
//! - a definition of a value out of range: `value %?7 does not exist` (at the parameter or
//!   instruction);
//! - two different values with the same name are reported like the text form would read them:
//!   `value %x is defined more than once`, at the second value's definition;
//! - `extern` instructions whose callee is not an extern: `extern instruction must call an
//!   extern`; `call` instructions with an extern callee: `call instruction cannot call extern
//!   env.console.log`;
//! - a latch with a second back edge: ``latch `bb3` also has a back edge to `bb5` ``; a latch
//!   that jumps to the header from outside the loop's region: ``latch `bb0` is not inside the
//!   loop of header `bb1` ``;
//! - `new Point(...)` arity errors always name `new Point` (with or without `birth`); calls of
//!   `@Point.birth` through `call %r.Point::birth(...)` name `Point.birth`;
//! - an early terminator is reported at every terminator that is not the last instruction;
//!   `entry block bb0 cannot be a branch target` at every terminator targeting the entry;
//! - a hand-built `BoxClass::Primitive(T)` with `T` not one of the five primitive types:
//!   `ArrayBox is not a primitive box class`;
//! - LoopForm errors are located at a label of the loop declaration, or at the edge (the target
//!   label in a terminator) or the header's terminator at fault; `body == header` and
//!   `latch == header` (one-block loops) are accepted. A LoopForm's blocks are its region
//!   ([`crate::analysis::loop_region`]: reachable from the header without entering the exit),
//!   so `jump exit` breaks and `ret` inside the loop verify.

use crate::analysis::{check_loopforms_sites, Cfg, DomTree, LoopSite};
use crate::display::{block_name, box_name, class_name, function_name, type_name, value_name};
use crate::ir::{
    Block, BoxClass, Callee, Constant, FfiType, FuncId, Function, ImportKind, Inst, Module,
    TypeName, TypeOpKind, Value,
};
use crate::span::{Location, LoopPart, Part, VerifyError};
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
    let mut v = Verifier::new(module);
    v.module_rules();
    for id in module.functions.keys() {
        v.function(id);
    }
    v.errors
}

/// The violations of the rules local to function `f`: everything but the uniqueness of function
/// and box names and the checks of box declarations. A function out of range is one error.
pub fn verify_function(module: &Module, f: FuncId) -> Vec<VerifyError> {
    let mut v = Verifier::new(module);
    if module.functions.contains(f) {
        v.function(f);
    } else {
        v.err(
            Location::Module,
            format!("unknown function `{}`", function_name(module, f)),
        );
    }
    v.errors
}

struct Verifier<'a> {
    m: &'a Module,
    errors: Vec<VerifyError>,
    /// Function names to ids (the first declaration of a name wins, as in the parser).
    fns: HashMap<&'a str, FuncId>,
    /// Every field name some box declares.
    fields: HashSet<&'a str>,
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
    fn new(m: &'a Module) -> Verifier<'a> {
        let mut fns = HashMap::new();
        for (id, f) in m.functions.iter() {
            fns.entry(f.name.as_str()).or_insert(id);
        }
        let fields = m
            .boxes
            .values()
            .flat_map(|b| b.fields.iter().map(String::as_str))
            .collect();
        Verifier {
            m,
            errors: Vec::new(),
            fns,
            fields,
        }
    }

    /// The function named `name`.
    fn function_named(&self, name: &str) -> Option<FuncId> {
        self.fns.get(name).copied()
    }

    /// Import declarations (spec §Imports): unique names that are C identifiers and do not
    /// start with `mir14_` (the prefix of the symbols compiled code defines), no `Void`
    /// parameter.
    fn import_rules(&mut self) {
        let m = self.m;
        let mut seen: HashSet<(ImportKind, &str)> = HashSet::new();
        for (id, d) in m.imports.iter() {
            let at = Location::Import(id);
            if !crate::named::syntax::is_ident(&d.name) {
                self.err(at, format!("invalid import name {:?}", d.name));
            } else if d.name.starts_with("mir14_") {
                self.err(
                    at,
                    format!(
                        "import name `{}` uses the reserved prefix `mir14_`",
                        d.full_name()
                    ),
                );
            } else if !seen.insert((d.kind, &d.name)) {
                self.err(at, format!("duplicate import `{}`", d.full_name()));
            }
            if d.params.contains(&FfiType::Void) {
                self.err(
                    at,
                    format!("a parameter of import `{}` cannot be `Void`", d.full_name()),
                );
            }
        }
    }

    fn err(&mut self, location: Location, message: String) {
        self.errors.push(VerifyError {
            location,
            message,
            related: Vec::new(),
        });
    }

    /// An error with places that explain it (see [`VerifyError::related`]).
    fn err_with(&mut self, location: Location, message: String, related: Vec<(Location, String)>) {
        self.errors.push(VerifyError {
            location,
            message,
            related,
        });
    }

    /// Names of boxes and functions, box fields.
    fn module_rules(&mut self) {
        let m = self.m;
        self.import_rules();
        let mut seen_boxes: HashMap<&str, crate::ir::BoxId> = HashMap::new();
        for (id, b) in m.boxes.iter() {
            if TypeName::builtin(&b.name).is_some() || BoxClass::builtin(&b.name).is_some() {
                self.err(
                    Location::BoxName(id),
                    format!("box name `{}` is a builtin type", b.name),
                );
            } else if let Some(&first) = seen_boxes.get(b.name.as_str()) {
                self.err_with(
                    Location::BoxName(id),
                    format!("duplicate box `{}`", b.name),
                    vec![(Location::BoxName(first), "first declared here".into())],
                );
            } else {
                seen_boxes.insert(&b.name, id);
            }
            let mut fields: HashMap<&str, usize> = HashMap::new();
            for (k, field) in b.fields.iter().enumerate() {
                if let Some(&first) = fields.get(field.as_str()) {
                    self.err_with(
                        Location::Field(id, k),
                        format!("duplicate field `{}` in box `{}`", field, b.name),
                        vec![(Location::Field(id, first), "first declared here".into())],
                    );
                } else {
                    fields.insert(field, k);
                }
            }
        }
        let mut seen_fns: HashMap<&str, FuncId> = HashMap::new();
        for (id, f) in m.functions.iter() {
            if let Some(&first) = seen_fns.get(f.name.as_str()) {
                self.err_with(
                    Location::FunctionName(id),
                    format!("duplicate function `@{}`", f.name),
                    vec![(Location::FunctionName(first), "first defined here".into())],
                );
            } else {
                seen_fns.insert(&f.name, id);
            }
        }
    }

    /// Every rule local to one function.
    fn function(&mut self, id: FuncId) {
        let Some(f) = self.m.functions.get(id) else {
            return;
        };
        // Method functions and `@main`.
        if let Some((box_name, _)) = f.name.split_once('.') {
            if self.m.box_by_name(box_name).is_none() {
                self.err(
                    Location::FunctionName(id),
                    format!("method `@{}` of undeclared box `{}`", f.name, box_name),
                );
            }
            if f.params.is_empty() {
                self.err(
                    Location::FunctionName(id),
                    format!("method `@{}` needs a receiver parameter", f.name),
                );
            }
        }
        if f.name == "main" && !f.params.is_empty() {
            self.err(
                Location::Param(id, 0),
                "`@main` must not have parameters".to_string(),
            );
        }
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
                Location::FunctionName(id),
                format!("function `@{}` has no blocks", f.name),
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
                self.err(loc, format!("unknown box `{}`", box_name(self.m, b)));
            }
        }
    }

    /// Block labels are unique.
    fn labels(&mut self, cx: &Ctx) {
        let mut seen: HashMap<&str, Block> = HashMap::new();
        for (b, data) in cx.f.blocks.iter() {
            if let Some(&first) = seen.get(data.label.as_str()) {
                self.err_with(
                    Location::Block(cx.id, b),
                    format!("duplicate block label `{}`", data.label),
                    vec![(Location::Block(cx.id, first), "first used here".into())],
                );
            } else {
                seen.insert(&data.label, b);
            }
        }
    }

    /// Each value is defined once, value names are unique, definitions are in range.
    fn definitions(&mut self, cx: &Ctx) {
        let f = cx.f;
        let loc = |d: Def| def_location(cx.id, d);
        // Definitions of values that do not exist.
        for (i, p) in f.params.iter().enumerate() {
            if !f.values.contains(p.value) {
                self.err(
                    Location::Param(cx.id, i),
                    format!("value `{}` does not exist", value_name(f, p.value)),
                );
            }
        }
        for (b, data) in f.blocks.iter() {
            for (i, inst) in data.insts.iter().enumerate() {
                if let Some(d) = inst.dest().filter(|d| !f.values.contains(*d)) {
                    self.err(
                        Location::Operand(cx.id, b, i, Part::Dest),
                        format!("value `{}` does not exist", value_name(f, d)),
                    );
                }
            }
        }
        // Every definition after the first, per value.
        for (v, defs) in cx.defs.iter().enumerate() {
            for &d in defs.iter().skip(1) {
                self.err_with(
                    loc(d),
                    format!(
                        "value `{}` is defined more than once",
                        value_name(f, Value(v as u32))
                    ),
                    vec![(loc(defs[0]), "first defined here".into())],
                );
            }
        }
        // Distinct values sharing a name: the later value's first definition is the duplicate.
        let mut by_name: HashMap<&str, Value> = HashMap::new();
        for (v, data) in f.values.iter() {
            if let Some(&other) = by_name.get(data.name.as_str()) {
                if let Some(&d) = cx.defs[v.index()].first() {
                    let related = cx.defs[other.index()]
                        .first()
                        .map(|&o| (loc(o), "first defined here".to_string()));
                    self.err_with(
                        loc(d),
                        format!("value `%{}` is defined more than once", data.name),
                        related.into_iter().collect(),
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
                format!("block `{label}` does not end with a terminator"),
            ),
        }
        let n = data.insts.len();
        let mut leading = true;
        for (i, inst) in data.insts.iter().enumerate() {
            let at = Location::Inst(cx.id, b, i);
            if inst.is_terminator() && i + 1 < n {
                self.err(at, format!("terminator before the end of block `{label}`"));
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
            for (k, s) in succs.into_iter().enumerate() {
                let label = Location::Operand(cx.id, b, i, Part::Label(k));
                if !f.blocks.contains(s) {
                    self.err(label, format!("unknown block `{}`", block_name(f, s)));
                } else if s.index() == 0 && !entry_reported {
                    entry_reported = true;
                    self.err(
                        label,
                        format!(
                            "entry block `{}` cannot be a branch target",
                            block_name(f, s)
                        ),
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
                // Each problem value once per phi.
                let mut seen: HashSet<Value> = HashSet::new();
                for (k, &(p, v)) in inputs.iter().enumerate() {
                    let before = self.errors.len();
                    if !seen.contains(&v) {
                        let at = Location::Operand(cx.id, b, i, Part::Use(k));
                        self.use_at_end_of(cx, at, b, p, v);
                    }
                    if self.errors.len() > before {
                        seen.insert(v);
                    }
                }
                if b.index() != 0 {
                    self.phi_inputs(cx, (b, i), inputs);
                }
            }
            _ => {
                // Each used value once per instruction (`add %x, %x` is one error).
                // The first use of each value, with its operand index.
                let mut uses: Vec<(usize, Value)> = Vec::new();
                let mut seen: HashSet<Value> = HashSet::new();
                let mut n = 0;
                inst.for_each_use(|v| {
                    if seen.insert(v) {
                        uses.push((n, v));
                    }
                    n += 1;
                });
                for (k, v) in uses {
                    let at = Location::Operand(cx.id, b, i, Part::Use(k));
                    self.use_in(cx, at, b, i, v);
                }
            }
        }
        // The name the instruction refers to.
        let name = Location::Operand(cx.id, b, i, Part::Name);
        match inst {
            Inst::Const {
                value: Constant::Func(g),
                ..
            } if !m.functions.contains(*g) => {
                self.err(name, format!("unknown function `{}`", function_name(m, *g)));
            }
            Inst::TypeOp { op, .. } => match op {
                TypeOpKind::Check(t) | TypeOpKind::Cast(t) => self.check_type(name, *t),
                TypeOpKind::TypeOf => {}
            },
            Inst::Load { field, .. } | Inst::Store { field, .. }
                if !self.fields.contains(field.as_str()) =>
            {
                self.err(name, format!("no box declares field `{field}`"));
            }
            Inst::NewBox { class, args, .. } => self.new_arity(name, *class, args.len()),
            Inst::Call {
                callee, args, tail, ..
            } => {
                if *tail {
                    self.tail_call(cx, b, i, inst);
                }
                if let Callee::Extern(e) = callee {
                    self.err(
                        name,
                        format!("call instruction cannot call extern `{}`", e.name()),
                    );
                } else if let Callee::Import(_) = callee {
                    self.err(name, "call instruction cannot call an import".to_string());
                } else {
                    self.call(name, callee, args.len());
                }
            }
            Inst::ExternCall { callee, args, .. } => match callee {
                Callee::Extern(e) => {
                    arity_err(self, name, e.name().to_string(), e.arity(), args.len())
                }
                Callee::Import(i) => match m.imports.get(*i) {
                    Some(d) => arity_err(self, name, d.full_name(), d.params.len(), args.len()),
                    None => self.err(name, format!("unknown import `?import{}`", i.0)),
                },
                _ => self.err(at, "extern instruction must call an extern".to_string()),
            },
            _ => {}
        }
    }

    /// A `tail call` (instruction `i` of block `b`): it must be followed at once by the `ret` of
    /// its result, and in a function with a return annotation `-> T` (other than `Any`) it must
    /// call, statically, a function annotated `-> T` too (the caller's check cannot run after
    /// its activation is gone, so the callee's must stand for it).
    fn tail_call(&mut self, cx: &Ctx, b: Block, i: usize, inst: &Inst) {
        let Inst::Call { dest, callee, .. } = inst else {
            return;
        };
        let at = Location::Inst(cx.id, b, i);
        let f = cx.f;
        let next = f.blocks[b].insts.get(i + 1);
        if !matches!(next, Some(Inst::Return { value }) if value == dest) {
            let ret = match dest {
                Some(d) => format!("`ret {}`", value_name(f, *d)),
                None => "`ret`".to_string(),
            };
            self.err(
                at,
                format!("tail call is not in tail position: it must be followed at once by {ret}"),
            );
        }
        let Some(want) = f.ret_type.filter(|t| *t != TypeName::Any) else {
            return;
        };
        let m = self.m;
        let target = match callee {
            Callee::Global(g) => Some(*g),
            Callee::Method {
                box_name: Some(bx),
                method,
                ..
            } => m
                .boxes
                .get(*bx)
                .and_then(|d| self.function_named(&format!("{}.{}", d.name, method))),
            _ => None,
        };
        let same = target
            .and_then(|g| m.functions.get(g))
            .is_some_and(|g| g.ret_type == Some(want));
        if !same {
            let at = Location::Operand(cx.id, b, i, Part::Name);
            self.err(
                at,
                format!(
                    "tail call in `@{}` must call a function declared `-> {}`",
                    f.name,
                    type_name(m, want)
                ),
            );
        }
    }

    /// Static arity of `new`.
    fn new_arity(&mut self, at: Location, class: BoxClass, got: usize) {
        let m = self.m;
        let expected = match class {
            BoxClass::User(bx) => {
                let Some(decl) = m.boxes.get(bx) else {
                    self.err(at, format!("unknown box `{}`", box_name(m, bx)));
                    return;
                };
                match self.function_named(&format!("{}.birth", decl.name)) {
                    // A birth without receiver is reported at the function.
                    Some(birth) => match m.functions[birth].params.len().checked_sub(1) {
                        Some(n) => n,
                        None => return,
                    },
                    None => 0,
                }
            }
            BoxClass::Primitive(t)
                if !matches!(
                    t,
                    TypeName::Integer
                        | TypeName::Float
                        | TypeName::Bool
                        | TypeName::String
                        | TypeName::Void
                ) =>
            {
                // Only the five primitive types have `*Box` constructors.
                let name = type_name(m, t);
                self.err(at, format!("`{name}` is not a primitive box class"));
                return;
            }
            other => match other.builtin_arity() {
                Some(n) => n,
                None => return,
            },
        };
        let name = class_name(m, class);
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
                None => self.err(at, format!("unknown function `{}`", function_name(m, *g))),
            },
            Callee::Method {
                box_name: Some(bx),
                method,
                ..
            } => {
                let Some(decl) = m.boxes.get(*bx) else {
                    self.err(at, format!("unknown box `{}`", box_name(m, *bx)));
                    return;
                };
                let full = format!("{}.{}", decl.name, method);
                match self.function_named(&full) {
                    Some(target) => {
                        // A method without receiver is reported at the function.
                        if let Some(n) = m.functions[target].params.len().checked_sub(1) {
                            arity_err(self, at, full, n, got);
                        }
                    }
                    None => self.err(at, format!("unknown method `{}::{}`", decl.name, method)),
                }
            }
            // Dynamic calls are resolved at run time.
            Callee::Method { box_name: None, .. }
            | Callee::Value(_)
            | Callee::Extern(_)
            | Callee::Import(_) => {}
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
            self.not_dominated(cx, at, v, def);
        }
    }

    /// Reports the use of `v` at `at` that its definition `def` does not dominate.
    fn not_dominated(&mut self, cx: &Ctx, at: Location, v: Value, def: Def) {
        let name = value_name(cx.f, v);
        self.err_with(
            at,
            format!("use of `{name}` is not dominated by its definition"),
            vec![(
                def_location(cx.id, def),
                format!("`{name}` is defined here"),
            )],
        );
    }

    /// An input `[p: v]` of a phi in block `b`: `v` must be dominated at the end of `p`.
    fn use_at_end_of(&mut self, cx: &Ctx, at: Location, b: Block, p: Block, v: Value) {
        let Some(def) = self.single_def(cx, at, v) else {
            return;
        };
        // Inputs from non-predecessors are reported as such; dominance is then moot.
        // (`p`'s successor list is short; `b`'s predecessor list may be huge.)
        if !cx.cfg.is_reachable(p) || !cx.cfg.successors(p).contains(&b) {
            return;
        }
        let ok = match def {
            Def::Param(_) => true,
            Def::Inst(db, _) => cx.dom.dominates(db, p),
        };
        if !ok {
            self.not_dominated(cx, at, v, def);
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
                    format!("value `{}` is used but never defined", value_name(cx.f, v)),
                );
                None
            }
            Some(_) => None,
        }
    }

    /// A phi of a non-entry block has one input per predecessor.
    /// `(b, i)` is the phi's block and index.
    fn phi_inputs(&mut self, cx: &Ctx, (b, i): (Block, usize), inputs: &[(Block, Value)]) {
        let f = cx.f;
        let preds = cx.cfg.predecessors(b);
        let label = |k: usize| Location::Operand(cx.id, b, i, Part::Label(k));
        // The first input of each block, by input index.
        let mut seen: HashMap<Block, usize> = HashMap::new();
        let mut dup_reported: HashSet<Block> = HashSet::new();
        for (k, &(p, _)) in inputs.iter().enumerate() {
            if !f.blocks.contains(p) {
                self.err(label(k), format!("unknown block `{}`", block_name(f, p)));
            } else if let Some(&first) = seen.get(&p) {
                if dup_reported.insert(p) {
                    self.err_with(
                        label(k),
                        format!("phi has more than one input for `{}`", block_name(f, p)),
                        vec![(label(first), "first input for it".into())],
                    );
                }
            } else {
                seen.insert(p, k);
                if !cx.cfg.successors(p).contains(&b) {
                    self.err(
                        label(k),
                        format!(
                            "phi input from `{}`, which is not a predecessor",
                            block_name(f, p)
                        ),
                    );
                }
            }
        }
        for &p in preds {
            if !seen.contains_key(&p) {
                self.err(
                    Location::Inst(cx.id, b, i),
                    format!("phi has no input for predecessor `{}`", block_name(f, p)),
                );
            }
        }
    }

    /// Declared LoopForms.
    fn loops(&mut self, cx: &Ctx) {
        let f = cx.f;
        let mut headers: HashMap<Block, usize> = HashMap::new();
        // All loops at once (near-linear when they are valid).
        let mut all_sites = check_loopforms_sites(f, &cx.cfg, &cx.dom, &f.loops).into_iter();
        for (i, lf) in f.loops.iter().enumerate() {
            let declared = (
                Location::Loop(cx.id, i),
                "the loop is declared here".to_string(),
            );
            if f.blocks.contains(lf.header) {
                if let Some(&first) = headers.get(&lf.header) {
                    self.err_with(
                        Location::LoopLabel(cx.id, i, LoopPart::Header),
                        format!(
                            "block `{}` is the header of more than one loop",
                            block_name(f, lf.header)
                        ),
                        vec![(
                            Location::LoopLabel(cx.id, first, LoopPart::Header),
                            "first loop with this header".into(),
                        )],
                    );
                } else {
                    headers.insert(lf.header, i);
                }
            }
            for (site, msg) in all_sites.next().unwrap_or_default() {
                // The terminator of `b`, if `b` has one.
                let terminator = |b: Block| {
                    let n = f.blocks.get(b).map_or(0, |d| d.insts.len());
                    let last = f.blocks.get(b).and_then(|d| d.insts.last());
                    last.filter(|t| t.is_terminator()).map(|t| (n - 1, t))
                };
                let at = match site {
                    LoopSite::Label(part) => Location::LoopLabel(cx.id, i, part),
                    LoopSite::Edge(from, to) => match terminator(from) {
                        Some((n, t)) => match t.successors().iter().position(|s| *s == to) {
                            Some(k) => Location::Operand(cx.id, from, n, Part::Label(k)),
                            None => Location::Inst(cx.id, from, n),
                        },
                        None => Location::Block(cx.id, from),
                    },
                    LoopSite::Terminator(b) => match terminator(b) {
                        Some((n, _)) => Location::Inst(cx.id, b, n),
                        None => Location::LoopLabel(cx.id, i, LoopPart::Header),
                    },
                };
                let related = match at {
                    Location::LoopLabel(..) => Vec::new(),
                    _ => vec![declared.clone()],
                };
                self.err_with(at, msg, related);
            }
        }
    }
}

/// Reports `wrong number of arguments to <what>: expected N, got M` when they differ.
fn arity_err(v: &mut Verifier, at: Location, what: String, expected: usize, got: usize) {
    if expected != got {
        v.err(
            at,
            format!("wrong number of arguments to `{what}`: expected {expected}, got {got}"),
        );
    }
}

/// Where a definition is written: the parameter, or the result of the instruction.
fn def_location(f: FuncId, d: Def) -> Location {
    match d {
        Def::Param(i) => Location::Param(f, i),
        Def::Inst(b, i) => Location::Operand(f, b, i, Part::Dest),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::tests::{
        add, br, call, counting_loop, diamond, early_return, int, irreducible, jmp, log, lt,
        module, nested_loops, phi, ret, T,
    };
    use crate::ir::{BinOp, BoxId, ExternFn, LoopForm, Operator};

    const F0: FuncId = FuncId(0);

    /// The errors with the entity each is about (a part located as its entity); the exact
    /// parts are checked by `errors_point_at_the_part` and by the spec catalogue's carets.
    fn errs(m: &Module) -> Vec<(Location, String)> {
        match verify(m) {
            Ok(()) => Vec::new(),
            Err(es) => es
                .into_iter()
                .map(|e| (entity(e.location), e.message))
                .collect(),
        }
    }

    /// The entity of a location (an instruction for its operand, a box for its field...).
    fn entity(loc: Location) -> Location {
        match loc {
            Location::Operand(f, b, i, _) => Location::Inst(f, b, i),
            Location::LoopLabel(f, i, _) => Location::Loop(f, i),
            Location::FunctionName(f) => Location::Function(f),
            Location::BoxName(b) | Location::Field(b, _) => Location::Box(b),
            other => other,
        }
    }

    fn one(f: Function) -> Module {
        module(&[], vec![f])
    }

    fn e(loc: Location, msg: &str) -> (Location, String) {
        (loc, msg.to_string())
    }

    fn inst(b: u32, i: usize) -> Location {
        Location::Inst(F0, Block(b), i)
    }

    /// `fn @name(params) { bb0: insts }`.
    fn single(name: &str, params: &[&str], build: impl FnOnce(&mut T) -> Vec<Inst>) -> Function {
        let mut t = T::new(name, params, &["bb0"]);
        let insts = build(&mut t);
        t.at("bb0", insts);
        t.done()
    }

    // ---- valid shapes ----------------------------------------------------------------------

    #[test]
    fn valid_shapes_verify() {
        for f in [
            diamond(),
            counting_loop(false),
            counting_loop(true),
            nested_loops(),
            early_return(),
            irreducible(),
        ] {
            let name = f.name.clone();
            assert_eq!(errs(&one(f)), vec![], "{name}");
        }
        // Nested loops with both LoopForms declared.
        let mut f = nested_loops();
        f.loops.push(LoopForm {
            header: Block(1),
            body: Block(2),
            latch: Block(6),
            exit: Block(7),
        });
        f.loops.push(LoopForm {
            header: Block(3),
            body: Block(4),
            latch: Block(5),
            exit: Block(6),
        });
        assert_eq!(errs(&one(f)), vec![]);
    }

    // ---- rule 1: names ---------------------------------------------------------------------

    #[test]
    fn duplicate_function_and_box_names() {
        let f = || single("f", &[], |_| vec![ret(None)]);
        let m = module(
            &[
                ("Point", &["x", "y", "x"]),
                ("Point", &[]),
                ("Integer", &[]),
                ("AddOperator", &[]),
            ],
            vec![f(), f()],
        );
        assert_eq!(
            errs(&m),
            vec![
                e(
                    Location::Box(BoxId(0)),
                    "duplicate field `x` in box `Point`"
                ),
                e(Location::Box(BoxId(1)), "duplicate box `Point`"),
                e(
                    Location::Box(BoxId(2)),
                    "box name `Integer` is a builtin type"
                ),
                e(
                    Location::Box(BoxId(3)),
                    "box name `AddOperator` is a builtin type"
                ),
                e(Location::Function(FuncId(1)), "duplicate function `@f`"),
            ]
        );
    }

    #[test]
    fn duplicate_block_label() {
        let mut t = T::new("f", &[], &["bb0", "bb1", "bb1"]);
        let (b1, b2) = (Block(1), Block(2));
        t.at("bb0", vec![jmp(b1)]);
        t.f.blocks[b1].insts.push(jmp(b2));
        t.f.blocks[b2].insts.push(ret(None));
        assert_eq!(
            errs(&one(t.done())),
            vec![e(Location::Block(F0, b2), "duplicate block label `bb1`")]
        );
    }

    #[test]
    fn value_defined_twice() {
        // The same value defined by a parameter and an instruction, and twice in a block.
        let f = single("f", &["a"], |t| {
            let (a, x) = (t.v("a"), t.v("x"));
            vec![int(a, 1), int(x, 2), int(x, 3), ret(Some(x))]
        });
        assert_eq!(
            errs(&one(f)),
            vec![
                e(inst(0, 0), "value `%a` is defined more than once"),
                e(inst(0, 2), "value `%x` is defined more than once"),
            ]
        );
        // Two distinct values with the same name.
        let mut f = single("g", &[], |t| {
            let x = t.v("x");
            vec![int(x, 1), ret(Some(x))]
        });
        let x2 = f.values.push(crate::ir::ValueData { name: "x".into() });
        f.blocks[Block(0)].insts.insert(1, int(x2, 2));
        assert_eq!(
            errs(&one(f)),
            vec![e(inst(0, 1), "value `%x` is defined more than once")]
        );
    }

    #[test]
    fn undefined_and_dangling_values() {
        let f = single("f", &[], |t| {
            let (x, y) = (t.v("x"), t.v("y"));
            vec![
                add(x, y, Value(40)),
                int(Value(41), 0),
                add(Value(41), y, y),
                ret(Some(x)),
            ]
        });
        assert_eq!(
            errs(&one(f)),
            vec![
                e(inst(0, 1), "value `%?41` does not exist"),
                e(inst(0, 2), "value `%?41` does not exist"),
                e(inst(0, 0), "value `%y` is used but never defined"),
                e(inst(0, 0), "value `%?40` is used but never defined"),
                e(inst(0, 2), "value `%y` is used but never defined"),
            ]
        );
        let mut f = single("g", &[], |_| vec![ret(None)]);
        f.params.push(crate::ir::Param {
            value: Value(9),
            ty: Some(TypeName::User(BoxId(3))),
        });
        f.ret_type = Some(TypeName::User(BoxId(4)));
        assert_eq!(
            errs(&one(f)),
            vec![
                e(Location::Function(F0), "unknown box `?4`"),
                e(Location::Param(F0, 0), "unknown box `?3`"),
                e(Location::Param(F0, 0), "value `%?9` does not exist"),
            ]
        );
    }

    #[test]
    fn dangling_blocks_functions_and_boxes() {
        let f = single("f", &["c"], |t| {
            let (c, fv, o, k) = (t.v("c"), t.v("fv"), t.v("o"), t.v("k"));
            vec![
                Inst::Const {
                    dest: fv,
                    value: Constant::Func(FuncId(9)),
                },
                Inst::NewBox {
                    dest: o,
                    class: BoxClass::User(BoxId(5)),
                    args: vec![],
                },
                Inst::TypeOp {
                    dest: k,
                    op: TypeOpKind::Check(TypeName::User(BoxId(6))),
                    arg: c,
                },
                call(None, Callee::Global(FuncId(8)), &[]),
                call(
                    None,
                    Callee::Method {
                        box_name: Some(BoxId(7)),
                        method: "m".into(),
                        receiver: c,
                    },
                    &[],
                ),
                br(c, Block(12), Block(13)),
            ]
        });
        assert_eq!(
            errs(&one(f)),
            vec![
                e(inst(0, 5), "unknown block `?12`"),
                e(inst(0, 5), "unknown block `?13`"),
                e(inst(0, 0), "unknown function `@?9`"),
                e(inst(0, 1), "unknown box `?5`"),
                e(inst(0, 2), "unknown box `?6`"),
                e(inst(0, 3), "unknown function `@?8`"),
                e(inst(0, 4), "unknown box `?7`"),
            ]
        );
    }

    #[test]
    fn fields_must_be_declared_by_some_box() {
        let f = single("f", &["o"], |t| {
            let (o, a) = (t.v("o"), t.v("a"));
            vec![
                Inst::Load {
                    dest: a,
                    obj: o,
                    field: "x".into(),
                },
                Inst::Store {
                    obj: o,
                    field: "z".into(),
                    value: a,
                },
                Inst::Load {
                    dest: t.v("b"),
                    obj: o,
                    field: "y".into(),
                },
                ret(None),
            ]
        });
        assert_eq!(
            errs(&module(&[("P", &["x"]), ("Q", &["y"])], vec![f])),
            vec![e(inst(0, 1), "no box declares field `z`")]
        );
    }

    #[test]
    fn extern_and_call_callee_kinds() {
        let f = single("f", &["a"], |t| {
            let a = t.v("a");
            vec![
                Inst::ExternCall {
                    dest: None,
                    callee: Callee::Global(F0),
                    args: vec![a],
                },
                call(None, Callee::Extern(ExternFn::ConsoleLog), &[a]),
                ret(None),
            ]
        });
        assert_eq!(
            errs(&one(f)),
            vec![
                e(inst(0, 0), "extern instruction must call an extern"),
                e(
                    inst(0, 1),
                    "call instruction cannot call extern `env.console.log`"
                ),
            ]
        );
    }

    // ---- rule 2: blocks and terminators ----------------------------------------------------

    #[test]
    fn function_without_blocks() {
        assert_eq!(
            errs(&one(Function::new("f"))),
            vec![e(Location::Function(F0), "function `@f` has no blocks")]
        );
    }

    #[test]
    fn terminators() {
        let mut t = T::new("f", &[], &["bb0", "bb1", "bb2"]);
        let x = t.v("x");
        t.at("bb0", vec![jmp(Block(1))]);
        t.at(
            "bb1",
            vec![int(x, 1), ret(None), jmp(Block(2)), ret(Some(x))],
        );
        let y = t.v("y");
        t.at("bb2", vec![int(y, 2)]);
        let mut f = t.done();
        f.blocks.push(crate::ir::BlockData {
            label: "bb3".into(),
            insts: vec![],
        });
        assert_eq!(
            errs(&one(f)),
            vec![
                e(inst(1, 1), "terminator before the end of block `bb1`"),
                e(inst(1, 2), "terminator before the end of block `bb1`"),
                e(
                    Location::Block(F0, Block(2)),
                    "block `bb2` does not end with a terminator"
                ),
                e(
                    Location::Block(F0, Block(3)),
                    "block `bb3` does not end with a terminator"
                ),
            ]
        );
    }

    // ---- rule 3: dominance -----------------------------------------------------------------

    #[test]
    fn use_not_dominated_across_blocks() {
        // Diamond whose join uses %x, defined only in bb1.
        let mut f = diamond();
        let x = f.value_by_name("x").unwrap();
        f.blocks[Block(3)].insts.insert(1, log(x));
        assert_eq!(
            errs(&one(f)),
            vec![e(
                inst(3, 1),
                "use of `%x` is not dominated by its definition"
            )]
        );
    }

    #[test]
    fn use_before_def_in_same_block_and_self_use() {
        let f = single("f", &[], |t| {
            let (x, y, z) = (t.v("x"), t.v("y"), t.v("z"));
            vec![add(y, x, x), int(x, 1), add(z, z, x), ret(Some(y))]
        });
        assert_eq!(
            errs(&one(f)),
            vec![
                // Once per instruction, though `%x` is used twice.
                e(inst(0, 0), "use of `%x` is not dominated by its definition"),
                e(inst(0, 2), "use of `%z` is not dominated by its definition"),
            ]
        );
    }

    #[test]
    fn phi_input_dominated_at_end_of_predecessor() {
        // The loop phi takes %j from the latch: fine. Replace it with %k defined in bb4 (exit,
        // not dominating the latch bb3).
        let mut f = counting_loop(false);
        let k = f.values.push(crate::ir::ValueData { name: "k".into() });
        f.blocks[Block(4)].insts.insert(0, int(k, 5));
        if let Inst::Phi { inputs, .. } = &mut f.blocks[Block(1)].insts[0] {
            inputs[1].1 = k;
        }
        assert_eq!(
            errs(&one(f)),
            vec![e(
                inst(1, 0),
                "use of `%k` is not dominated by its definition"
            )]
        );
        // A phi may use a value defined in its own block when that block is the predecessor
        // (one-block loop): %i from bb1 itself.
        let mut t = T::new("g", &["c"], &["bb0", "bb1", "bb2"]);
        let (c, z, i, j) = (t.v("c"), t.v("z"), t.v("i"), t.v("j"));
        t.at("bb0", vec![int(z, 0), jmp(Block(1))]);
        t.at(
            "bb1",
            vec![
                phi(i, &[(Block(0), z), (Block(1), j)]),
                add(j, i, i),
                br(c, Block(1), Block(2)),
            ],
        );
        t.at("bb2", vec![ret(Some(i))]);
        assert_eq!(errs(&one(t.done())), vec![]);
    }

    #[test]
    fn unreachable_uses_not_checked_for_dominance() {
        // early_return's bb3 uses %w before... itself; the same code in a reachable block fails.
        assert_eq!(errs(&one(early_return())), vec![]);
        let f = single("f", &[], |t| {
            let w = t.v("w");
            vec![add(w, w, w), ret(Some(w))]
        });
        assert_eq!(
            errs(&one(f)),
            vec![e(
                inst(0, 0),
                "use of `%w` is not dominated by its definition"
            )]
        );
    }

    // ---- rule 8: tail calls ----------------------------------------------------------------

    #[test]
    fn tail_calls_must_be_in_tail_position() {
        let src = "fn @f(%n) -> Integer {\nbb0:\n  %r = tail call @f(%n)\n  ret %r\n}\n\n\
                   fn @g(%n) {\nbb0:\n  %r = tail call %n()\n  %x = const 1\n  ret %r\n}\n\n\
                   fn @h(%n) -> Integer {\nbb0:\n  tail call @g(%n)\n  ret %n\n}\n\n\
                   fn @k(%n) -> Any {\nbb0:\n  tail call %n.m()\n  ret\n}\n";
        let (m, _) = crate::parse(src).unwrap();
        let at = |f: u32| Location::Inst(FuncId(f), Block(0), 0);
        assert_eq!(
            errs(&m),
            vec![
                e(
                    at(1),
                    "tail call is not in tail position: it must be followed at once by `ret %r`"
                ),
                e(
                    at(2),
                    "tail call is not in tail position: it must be followed at once by `ret`"
                ),
                e(
                    at(2),
                    "tail call in `@h` must call a function declared `-> Integer`"
                ),
            ]
        );
    }

    // ---- rule 4: phis and the entry block --------------------------------------------------

    #[test]
    fn phi_must_lead() {
        let mut f = diamond();
        let z = f.value_by_name("z").unwrap();
        let w = f.values.push(crate::ir::ValueData { name: "w".into() });
        f.blocks[Block(3)].insts.insert(1, log(z));
        let c = f.value_by_name("c").unwrap();
        f.blocks[Block(3)]
            .insts
            .insert(2, phi(w, &[(Block(1), c), (Block(2), c)]));
        assert_eq!(
            errs(&one(f)),
            vec![e(inst(3, 2), "phi must lead its block")]
        );
    }

    #[test]
    fn phi_inputs_match_predecessors() {
        let mut f = diamond();
        let x = f.value_by_name("x").unwrap();
        // [bb1: %x], [bb1: %x], [bb0: %x], [?9: %x] — missing bb2.
        if let Inst::Phi { inputs, .. } = &mut f.blocks[Block(3)].insts[0] {
            *inputs = vec![(Block(1), x), (Block(1), x), (Block(0), x), (Block(9), x)];
        }
        assert_eq!(
            errs(&one(f)),
            vec![
                e(inst(3, 0), "phi has more than one input for `bb1`"),
                e(
                    inst(3, 0),
                    "phi input from `bb0`, which is not a predecessor"
                ),
                e(inst(3, 0), "unknown block `?9`"),
                e(inst(3, 0), "phi has no input for predecessor `bb2`"),
            ]
        );
    }

    #[test]
    fn entry_block_rules() {
        let mut t = T::new("f", &["c"], &["bb0", "bb1"]);
        let (c, p) = (t.v("c"), t.v("p"));
        t.at("bb0", vec![phi(p, &[]), br(c, Block(1), Block(1))]);
        t.at("bb1", vec![br(c, Block(0), Block(0))]);
        assert_eq!(
            errs(&one(t.done())),
            vec![
                e(inst(0, 0), "entry block cannot have phis"),
                e(inst(1, 0), "entry block `bb0` cannot be a branch target"),
            ]
        );
    }

    // ---- rule 5: arities and methods -------------------------------------------------------

    #[test]
    fn call_arity() {
        let g = single("g", &["a", "b"], |_| vec![ret(None)]);
        let f = single("f", &["a"], |t| {
            let a = t.v("a");
            vec![
                call(None, Callee::Global(FuncId(1)), &[a]),
                call(None, Callee::Global(FuncId(1)), &[a, a]),
                ret(None),
            ]
        });
        assert_eq!(
            errs(&module(&[], vec![f, g])),
            vec![e(
                inst(0, 0),
                "wrong number of arguments to `@g`: expected 2, got 1"
            )]
        );
    }

    #[test]
    fn static_method_calls() {
        let norm = single("Point.norm", &["me", "k"], |_| vec![ret(None)]);
        let f = single("f", &["p"], |t| {
            let p = t.v("p");
            let m = |name: &str| Callee::Method {
                box_name: Some(BoxId(0)),
                method: name.into(),
                receiver: p,
            };
            vec![
                call(None, m("norm"), &[p]),
                call(None, m("norm"), &[]),
                call(None, m("size"), &[]),
                // Dynamic calls are not checked statically.
                call(
                    None,
                    Callee::Method {
                        box_name: None,
                        method: "zz".into(),
                        receiver: p,
                    },
                    &[],
                ),
                call(None, Callee::Value(p), &[p, p, p]),
                ret(None),
            ]
        });
        assert_eq!(
            errs(&module(&[("Point", &[])], vec![f, norm])),
            vec![
                e(
                    inst(0, 1),
                    "wrong number of arguments to `Point.norm`: expected 1, got 0"
                ),
                e(inst(0, 2), "unknown method `Point::size`"),
            ]
        );
    }

    #[test]
    fn new_arities() {
        let birth = single("Point.birth", &["me", "x", "y"], |_| vec![ret(None)]);
        let f = single("f", &["a"], |t| {
            let a = t.v("a");
            let mut d = 0;
            let mut new = |t: &mut T, class: BoxClass, n: usize| {
                d += 1;
                Inst::NewBox {
                    dest: t.v(&format!("d{d}")),
                    class,
                    args: vec![a; n],
                }
            };
            vec![
                new(t, BoxClass::User(BoxId(0)), 2),
                new(t, BoxClass::User(BoxId(0)), 1),
                new(t, BoxClass::User(BoxId(1)), 0),
                new(t, BoxClass::User(BoxId(1)), 1),
                new(t, BoxClass::Array, 0),
                new(t, BoxClass::Array, 5),
                new(t, BoxClass::Map, 1),
                new(t, BoxClass::Operator(Operator::Bin(BinOp::Add)), 2),
                new(t, BoxClass::Primitive(TypeName::Integer), 1),
                new(t, BoxClass::Primitive(TypeName::Integer), 0),
                new(t, BoxClass::Primitive(TypeName::Void), 0),
                new(t, BoxClass::Primitive(TypeName::Void), 1),
                new(t, BoxClass::Primitive(TypeName::Array), 1),
                ret(None),
            ]
        });
        assert_eq!(
            errs(&module(&[("Point", &[]), ("Empty", &[])], vec![f, birth])),
            vec![
                e(
                    inst(0, 1),
                    "wrong number of arguments to `new Point`: expected 2, got 1"
                ),
                e(
                    inst(0, 3),
                    "wrong number of arguments to `new Empty`: expected 0, got 1"
                ),
                e(
                    inst(0, 6),
                    "wrong number of arguments to `new MapBox`: expected 0, got 1"
                ),
                e(
                    inst(0, 7),
                    "wrong number of arguments to `new AddOperator`: expected 0, got 2"
                ),
                e(
                    inst(0, 9),
                    "wrong number of arguments to `new IntegerBox`: expected 1, got 0"
                ),
                e(
                    inst(0, 11),
                    "wrong number of arguments to `new VoidBox`: expected 0, got 1"
                ),
                e(inst(0, 12), "`ArrayBox` is not a primitive box class"),
            ]
        );
    }

    #[test]
    fn extern_arity() {
        let f = single("f", &["a"], |t| {
            let a = t.v("a");
            vec![
                Inst::ExternCall {
                    dest: None,
                    callee: Callee::Extern(ExternFn::ConsoleLog),
                    args: vec![a, a],
                },
                Inst::ExternCall {
                    dest: Some(t.v("l")),
                    callee: Callee::Extern(ExternFn::StdinReadLine),
                    args: vec![],
                },
                ret(None),
            ]
        });
        assert_eq!(
            errs(&one(f)),
            vec![e(
                inst(0, 0),
                "wrong number of arguments to `env.console.log`: expected 1, got 2"
            )]
        );
    }

    #[test]
    fn method_functions() {
        let m = module(
            &[("Point", &[])],
            vec![
                single("Point.m", &[], |_| vec![ret(None)]),
                single("Foo.m", &["me"], |_| vec![ret(None)]),
                single("Point.ok", &["me"], |_| vec![ret(None)]),
            ],
        );
        assert_eq!(
            errs(&m),
            vec![
                e(
                    Location::Function(FuncId(0)),
                    "method `@Point.m` needs a receiver parameter"
                ),
                e(
                    Location::Function(FuncId(1)),
                    "method `@Foo.m` of undeclared box `Foo`"
                ),
            ]
        );
    }

    // ---- rule 6: main ----------------------------------------------------------------------

    #[test]
    fn main_has_no_parameters() {
        let m = one(single("main", &["a"], |_| vec![ret(None)]));
        assert_eq!(
            errs(&m),
            vec![e(
                Location::Param(F0, 0),
                "`@main` must not have parameters"
            )]
        );
        assert_eq!(errs(&one(single("main", &[], |_| vec![ret(None)]))), vec![]);
    }

    // ---- rule 7: LoopForms -----------------------------------------------------------------

    fn with_loop(mut f: Function, h: u32, b: u32, l: u32, x: u32) -> Function {
        f.loops.push(LoopForm {
            header: Block(h),
            body: Block(b),
            latch: Block(l),
            exit: Block(x),
        });
        f
    }

    #[test]
    fn loop_latch_without_edge_and_dominance() {
        // Declares bb2 as latch (it jumps to bb3, not the header): the real latch bb3 is then
        // another back edge source.
        let l = Location::Loop(F0, 0);
        assert_eq!(
            errs(&one(with_loop(counting_loop(false), 1, 2, 2, 4))),
            vec![
                e(l, "latch `bb2` has no edge to header `bb1`"),
                e(
                    inst(3, 1),
                    "back edge from `bb3` to header `bb1` is not from the latch `bb2`"
                ),
            ]
        );
        // Header bb2, latch bb1 (bb1 → bb2 is an edge, but not a back edge), exit bb4: the
        // region from bb2 is bb2 → bb3 → bb1 (bb1 → bb4 stops at the exit), and bb2 does not
        // dominate bb1; bb2 ends in a jump.
        assert_eq!(
            errs(&one(with_loop(counting_loop(false), 2, 3, 1, 4))),
            vec![
                e(l, "loop header `bb2` does not dominate `bb1`"),
                e(
                    inst(2, 1),
                    "header `bb2` must end with a branch to body `bb3` and exit `bb4`"
                ),
            ]
        );
    }

    #[test]
    fn loop_header_branch_and_exits() {
        let l = Location::Loop(F0, 0);
        // Body and exit swapped: the region from bb1 without bb2 is {bb1, bb4} (bb4 returns);
        // the header branch matches (either order), but the latch bb3 is outside the region.
        assert_eq!(
            errs(&one(with_loop(counting_loop(false), 1, 4, 3, 2))),
            vec![e(l, "latch `bb3` is not inside the loop of header `bb1`")]
        );
        assert_eq!(errs(&one(with_loop(nested_loops(), 1, 2, 6, 7))), vec![]);
        // The inner loop declared with the outer exit bb7: its region runs on through bb6 to
        // the outer header bb1 and bb2 (bb3 dominates neither), bb2 → bb3 enters the header
        // from the region, and the header branches to bb4 / bb6, not bb7.
        assert_eq!(
            errs(&one(with_loop(nested_loops(), 3, 4, 5, 7))),
            vec![
                e(l, "loop header `bb3` does not dominate `bb1`"),
                e(l, "loop header `bb3` does not dominate `bb2`"),
                e(
                    inst(2, 0),
                    "back edge from `bb2` to header `bb3` is not from the latch `bb5`"
                ),
                e(
                    inst(3, 2),
                    "header `bb3` must end with a branch to body `bb4` and exit `bb7`"
                ),
            ]
        );
    }

    #[test]
    fn loop_break_and_return_blocks_verify() {
        // counting_loop with the body bb2 branching to the latch bb3 or to bb5, which either
        // breaks (`jump bb4`) or returns: bb5 is in the region, so both verify.
        for brk in [true, false] {
            let mut f = with_loop(counting_loop(false), 1, 2, 3, 4);
            let c = f.value_by_name("c").unwrap();
            let b5 = f.blocks.push(crate::ir::BlockData {
                label: "bb5".to_string(),
                insts: Vec::new(),
            });
            f.blocks[Block(2)].insts[1] = br(c, Block(3), b5);
            let i = f.value_by_name("i").unwrap();
            f.blocks[b5].insts = vec![if brk { jmp(Block(4)) } else { ret(Some(i)) }];
            assert_eq!(errs(&one(f)), vec![], "break: {brk}");
        }
    }

    #[test]
    fn loop_shared_header_and_unknown_blocks() {
        let mut f = with_loop(counting_loop(false), 1, 2, 3, 4);
        f.loops.push(LoopForm {
            header: Block(1),
            body: Block(2),
            latch: Block(3),
            exit: Block(4),
        });
        f.loops.push(LoopForm {
            header: Block(1),
            body: Block(20),
            latch: Block(3),
            exit: Block(4),
        });
        assert_eq!(
            errs(&one(f)),
            vec![
                e(
                    Location::Loop(F0, 1),
                    "block `bb1` is the header of more than one loop"
                ),
                e(
                    Location::Loop(F0, 2),
                    "block `bb1` is the header of more than one loop"
                ),
                e(Location::Loop(F0, 2), "unknown block `?20`"),
            ]
        );
    }

    #[test]
    fn loop_latch_with_second_back_edge() {
        // nested_loops with the inner latch bb5 branching to bb3 (inner header) or bb1 (outer
        // header, which gets a phi input from bb5).
        let mut f = nested_loops();
        let c = f.value_by_name("cj").unwrap();
        f.blocks[Block(5)].insts[1] = br(c, Block(3), Block(1));
        let i = f.value_by_name("i").unwrap();
        if let Inst::Phi { inputs, .. } = &mut f.blocks[Block(1)].insts[0] {
            inputs.push((Block(5), i));
        }
        // The region of bb3 (exit bb6) runs through bb5 → bb1 on to bb2 and bb7, none of which
        // bb3 dominates; bb2 → bb3 then enters the header from the region.
        let l = Location::Loop(F0, 0);
        assert_eq!(
            errs(&one(with_loop(f, 3, 4, 5, 6))),
            vec![
                e(l, "loop header `bb3` does not dominate `bb1`"),
                e(l, "loop header `bb3` does not dominate `bb2`"),
                e(l, "loop header `bb3` does not dominate `bb7`"),
                e(
                    inst(2, 0),
                    "back edge from `bb2` to header `bb3` is not from the latch `bb5`"
                ),
                e(inst(5, 1), "latch `bb5` also has a back edge to `bb1`"),
            ]
        );
    }

    #[test]
    fn errors_point_at_the_part() {
        let src = "box P { x, x }\nfn @f(%a) {\n  loop header=h body=b latch=b exit=x\nbb0:\n  %y = binop add %a, %u\n  jump h\nh:\n  %c = const true\n  branch %c, b, x\nb:\n  %z = load %a.nope\n  jump bb0\nx:\n  ret %y\n}\n";
        let (m, map) = crate::text::parse(src).expect("parses");
        let es = verify(&m).unwrap_err();
        let text = |loc: Location| {
            let s = map.span(loc).expect("span");
            &src[s.start as usize..s.end as usize]
        };
        let f = FuncId(0);
        let got: Vec<(Location, String, &str)> = es
            .iter()
            .map(|e| (e.location, e.message.clone(), text(e.location)))
            .collect();
        let want = vec![
            (
                Location::Field(BoxId(0), 1),
                "duplicate field `x` in box `P`".to_string(),
                "x",
            ),
            (
                Location::Operand(f, Block(0), 0, Part::Use(1)),
                "value `%u` is used but never defined".to_string(),
                "%u",
            ),
            (
                Location::Operand(f, Block(2), 1, Part::Label(0)),
                "entry block `bb0` cannot be a branch target".to_string(),
                "bb0",
            ),
            (
                Location::Operand(f, Block(2), 0, Part::Name),
                "no box declares field `nope`".to_string(),
                "nope",
            ),
            (
                Location::LoopLabel(f, 0, LoopPart::Header),
                "loop header `h` does not dominate `bb0`".to_string(),
                "h",
            ),
            (
                Location::LoopLabel(f, 0, LoopPart::Latch),
                "latch `b` has no edge to header `h`".to_string(),
                "b",
            ),
            (
                Location::Operand(f, Block(0), 1, Part::Label(0)),
                "back edge from `bb0` to header `h` is not from the latch `b`".to_string(),
                "h",
            ),
            (
                Location::Operand(f, Block(2), 1, Part::Label(0)),
                "latch `b` also has a back edge to `bb0`".to_string(),
                "bb0",
            ),
        ];
        assert_eq!(got, want);
        // Duplicates name the first; edge errors name the loop declaration.
        assert_eq!(text(es[0].related[0].0), "x");
        assert_eq!(es[0].related[0].1, "first declared here");
        assert_eq!(es[6].related[0].0, Location::Loop(f, 0));
        assert!(es[1].related.is_empty());
    }

    // ---- conformance: spec/tests/invalid and spec/tests/valid through the parser ---------

    fn spec_tests(dir: &str) -> Vec<std::path::PathBuf> {
        let files =
            mir14_harness::spec::mir_files(&mir14_harness::spec_tests_dir().join(dir), false);
        assert!(!files.is_empty(), "no spec/tests/{dir} files");
        files
    }

    /// Parser diagnostics, or else verifier errors, as (1-based line, message).
    fn check_text(src: &str) -> Vec<(usize, String)> {
        match crate::text::parse(src) {
            Err(diags) => diags
                .into_iter()
                .map(|d| {
                    (
                        crate::span::line_col(src, d.span.start as usize).0,
                        d.message,
                    )
                })
                .collect(),
            Ok((m, map)) => verify_all(&m)
                .into_iter()
                .map(|e| {
                    let span = map
                        .span(e.location)
                        .expect("every located entity has a span");
                    (crate::span::line_col(src, span.start as usize).0, e.message)
                })
                .collect(),
        }
    }

    #[test]
    fn spec_invalid_programs_report_exactly_the_annotated_errors() {
        let files = spec_tests("invalid");
        assert!(files.len() > 40);
        let mut failures = Vec::new();
        for path in files {
            let src = std::fs::read_to_string(&path).expect("read test");
            let expected: Vec<(usize, &str)> = src
                .lines()
                .enumerate()
                .filter_map(|(i, l)| l.split_once("; error: ").map(|(_, p)| (i + 1, p.trim())))
                .collect();
            let got = check_text(&src);
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            for (line, phrase) in &expected {
                if !got.iter().any(|(l, m)| l == line && m.contains(phrase)) {
                    failures.push(format!("{name}:{line}: missing `{phrase}`; got {got:?}"));
                }
            }
            for (line, msg) in &got {
                if !expected.iter().any(|(l, _)| l == line) {
                    failures.push(format!("{name}:{line}: unexpected `{msg}`"));
                }
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn spec_valid_programs_verify() {
        let files = spec_tests("valid");
        assert!(files.len() > 10);
        for path in files {
            let src = std::fs::read_to_string(&path).expect("read test");
            assert_eq!(check_text(&src), vec![], "{}", path.display());
            let (m, _) = crate::text::parse(&src).expect("parses");
            let _ = crate::analysis::module_loop_warnings(&m);
        }
    }

    // ---- robustness ------------------------------------------------------------------------

    /// A tiny deterministic generator of arbitrary (mostly broken) modules.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self, n: u32) -> u32 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % u64::from(n.max(1))) as u32
        }
    }

    fn random_module(r: &mut Rng) -> Module {
        let nf = r.next(4);
        let fields: &[&str] = &["x", "y"];
        let mut m = module(&[("P", fields), ("Q", &[])], vec![]);
        for k in 0..nf {
            let names = ["main", "f", "P.birth", "P.m", "Z.q"];
            let mut f = Function::new(names[r.next(5) as usize]);
            let nv = r.next(6) + 1;
            for i in 0..nv {
                f.values.push(crate::ir::ValueData {
                    name: format!("v{}", i % 4),
                });
            }
            let v = |r: &mut Rng| Value(r.next(nv + 2));
            for _ in 0..r.next(3) {
                let value = v(r);
                f.params.push(crate::ir::Param { value, ty: None });
            }
            let nb = r.next(5);
            for bi in 0..nb {
                let mut insts = Vec::new();
                for _ in 0..r.next(5) {
                    let b = |r: &mut Rng| Block(r.next(nb + 1));
                    let inst = match r.next(12) {
                        0 => int(v(r), 1),
                        1 => add(v(r), v(r), v(r)),
                        2 => lt(v(r), v(r), v(r)),
                        3 => br(v(r), b(r), b(r)),
                        4 => jmp(b(r)),
                        5 => ret(Some(v(r))),
                        6 => {
                            let ins: Vec<(Block, Value)> =
                                (0..r.next(3)).map(|_| (b(r), v(r))).collect();
                            phi(v(r), &ins)
                        }
                        7 => call(Some(v(r)), Callee::Global(FuncId(r.next(nf + 1))), &[v(r)]),
                        8 => Inst::NewBox {
                            dest: v(r),
                            class: BoxClass::User(BoxId(r.next(3))),
                            args: vec![v(r)],
                        },
                        9 => Inst::Load {
                            dest: v(r),
                            obj: v(r),
                            field: "x".into(),
                        },
                        10 => call(
                            None,
                            Callee::Method {
                                box_name: Some(BoxId(r.next(3))),
                                method: "m".into(),
                                receiver: v(r),
                            },
                            &[],
                        ),
                        _ => Inst::Const {
                            dest: v(r),
                            value: Constant::Func(FuncId(r.next(5))),
                        },
                    };
                    insts.push(inst);
                }
                f.blocks.push(crate::ir::BlockData {
                    label: format!("bb{}", bi % 3),
                    insts,
                });
            }
            for _ in 0..r.next(2) {
                f.loops.push(LoopForm {
                    header: Block(r.next(nb + 1)),
                    body: Block(r.next(nb + 1)),
                    latch: Block(r.next(nb + 1)),
                    exit: Block(r.next(nb + 1)),
                });
            }
            let _ = k;
            m.functions.push(f);
        }
        m
    }

    #[test]
    fn never_panics_on_random_modules() {
        let mut r = Rng(0x9e37_79b9_7f4a_7c15);
        let mut invalid = 0;
        for _ in 0..5000 {
            let m = random_module(&mut r);
            if verify(&m).is_err() {
                invalid += 1;
            }
            for id in m.functions.keys() {
                let _ = verify_function(&m, id);
                let _ = crate::analysis::infer_loopforms(&m.functions[id]);
            }
            let _ = crate::analysis::module_loop_warnings(&m);
            let _ = crate::analysis::CallGraph::new(&m).sccs();
            let _ = verify_function(&m, FuncId(99));
        }
        assert!(invalid > 1000);
    }
}
