//! The builder API for frontends: functions, blocks, every instruction, [`Variable`]s with
//! automatic SSA construction (Braun et al. 2013) and a loop helper emitting LoopForms.
//!
//! # Overview
//!
//! * [`ModuleBuilder`] declares boxes and functions up front (so calls may refer to functions
//!   defined later), hands out a [`FunctionBuilder`] per declared function, takes the finished
//!   body back with [`ModuleBuilder::define_function`] and produces the [`Module`].
//! * [`FunctionBuilder`] appends instructions to an *insertion block* through one typed method per
//!   instruction. Every method checks its operands and returns a [`BuildError`] on misuse instead
//!   of panicking.
//! * [`Variable`]s are the frontend's local variables: [`FunctionBuilder::def_var`] /
//!   [`FunctionBuilder::use_var`] build SSA form on the fly, placing phis on demand and removing
//!   trivial ones, exactly as in Braun, Buchwald, Hack, Leißa, Mallon, Zwinkau: *Simple and
//!   Efficient Construction of Static Single Assignment Form* (CC 2013).
//! * [`FunctionBuilder::begin_loop`] … [`FunctionBuilder::end_loop`] emit the canonical loop
//!   shape and record its [`LoopForm`].
//!
//! # Example
//!
//! `fn @sum(%n) { s = 0; i = 0; while i < n { s = s + i; i = i + 1 } ret s }`:
//!
//! ```
//! use mir14_mir::builder::ModuleBuilder;
//! use mir14_mir::{BinOp, CmpOp, TypeName};
//!
//! let mut mb = ModuleBuilder::new();
//! let sum = mb.declare_function("sum")?;
//! let mut fb = mb.function_builder(sum)?;
//! let n = fb.add_param(Some(TypeName::Integer));
//! fb.set_value_name(n, "n")?;
//! fb.set_return_type(Some(TypeName::Integer));
//! let (s, i) = (fb.declare_var(), fb.declare_var());
//! let zero = fb.iconst(0)?;
//! fb.def_var(s, zero)?;
//! fb.def_var(i, zero)?;
//!
//! let lp = fb.begin_loop()?; // now in the loop header
//! let iv = fb.use_var(i)?;
//! let cond = fb.compare(CmpOp::Lt, iv, n)?;
//! fb.loop_condition(&lp, cond)?; // now in the loop body
//! let (sv, iv) = (fb.use_var(s)?, fb.use_var(i)?);
//! let s2 = fb.binop(BinOp::Add, sv, iv)?;
//! fb.def_var(s, s2)?;
//! let one = fb.iconst(1)?;
//! let i2 = fb.binop(BinOp::Add, iv, one)?;
//! fb.def_var(i, i2)?;
//! fb.end_loop(lp)?; // jumps to the latch, closes the loop; now in the exit block
//!
//! let result = fb.use_var(s)?;
//! fb.ret(Some(result))?;
//! mb.define_function(fb)?;
//! let module = mb.finish()?;
//!
//! assert!(mir14_mir::verify(&module).is_ok());
//! // One phi per variable in the header; values numbered in block order.
//! assert_eq!(mir14_mir::print(&module), "\
//! fn @sum(%n: Integer) -> Integer {
//!   loop header=bb1 body=bb2 latch=bb3 exit=bb4
//! bb0:
//!   %0 = const 0
//!   jump bb1
//! bb1:
//!   %1 = phi [bb0: %0], [bb3: %6]
//!   %2 = phi [bb0: %0], [bb3: %4]
//!   %3 = compare lt %1, %n
//!   branch %3, bb2, bb4
//! bb2:
//!   %4 = binop add %2, %1
//!   %5 = const 1
//!   %6 = binop add %1, %5
//!   jump bb3
//! bb3:
//!   jump bb1
//! bb4:
//!   ret %2
//! }
//! ");
//! # Ok::<(), mir14_mir::builder::BuildError>(())
//! ```
//!
//! # Handles
//!
//! [`Block`] and [`Value`] handles returned by a `FunctionBuilder` are opaque: they are only
//! meaningful to the builder that made them, which recognises (and rejects with
//! [`BuildError::ForeignBlock`] / [`BuildError::ForeignValue`]) handles of other builders. In the
//! finished [`Function`] the blocks are in creation order (the entry first) and values are
//! renumbered canonically, so find them there by label or name, not by the builder's handles.
//!
//! # Insertion point and dead code
//!
//! After a terminator (`branch`, `jump`, `ret`, [`FunctionBuilder::break_loop`],
//! [`FunctionBuilder::continue_loop`]) there is no insertion block ([`FunctionBuilder::current_block`]
//! is `None`). Code emitted in that state — dead code after `return` or `break` — goes into a
//! fresh unreachable block that the builder creates on demand, so a frontend can never produce a
//! block with an instruction after its terminator. At [`FunctionBuilder::finish`], every
//! *unreachable* block that does not end with a terminator gets a bare `ret`; a *reachable* block
//! without a terminator is an error ([`BuildError::MissingTerminator`]): the frontend forgot to
//! end it. Switching explicitly to a block that already ends with a terminator and appending to it
//! is an error ([`BuildError::BlockTerminated`]).
//!
//! # Variables read before any definition
//!
//! Reading a variable on a path where it was never defined yields `void`: the builder emits one
//! `const void` at the very start of the entry block and uses it as the variable's value on such
//! paths (this is Braun's "undefined value"). It never panics.
//!
//! # Sealing
//!
//! A block is *sealed* once all its predecessors are known (Braun §2.3). The entry block and the
//! dead-code blocks are sealed at creation; loop blocks are sealed by the loop helper. Other blocks
//! should be sealed with [`FunctionBuilder::seal_block`] as soon as their last predecessor has been
//! added (this keeps the phis minimal early); jumping to a sealed block is an error
//! ([`BuildError::SealedBlockTarget`]). Blocks still unsealed at `finish` are sealed then, which is
//! always correct because every predecessor is known by then.
//!
//! # Loops
//!
//! ```text
//! preheader ──> header ──(cond true)──> body ... ──> latch ──> header
//!                  └────(cond false)──> exit
//! ```
//!
//! [`FunctionBuilder::begin_loop`] ends the current block with `jump header` (it becomes the
//! preheader), creates the header, body, latch and exit blocks (in that order) and moves to the
//! header. The frontend emits the condition there — straight-line code only — and calls
//! [`FunctionBuilder::loop_condition`], which ends the header with `branch cond, body, exit` and
//! moves to the body. The body may create any blocks and nested loops, and use
//! [`FunctionBuilder::break_loop`], [`FunctionBuilder::continue_loop`] (`jump latch`),
//! [`FunctionBuilder::break_if`] (`branch cond, exit, next`), [`FunctionBuilder::continue_if`]
//! and [`FunctionBuilder::ret`]. [`FunctionBuilder::end_loop`] falls through to the latch if the
//! body's last block is still open, emits `latch: jump header`, seals header, latch and exit,
//! records the [`LoopForm`] and moves to the exit. Variables get their header phis
//! automatically. LoopForms are listed in the order the loops were begun.
//!
//! A condition that needs control flow (e.g. a short-circuit `a && b`) is written as an infinite
//! loop — `loop_condition(&lp, fb.bconst(true)?)` — whose body computes the condition and
//! `break_if`s on its negation.
//!
//! ## Breaks, continues and returns
//!
//! A LoopForm's blocks are its *region* (spec §7.3): every block reachable from the header
//! without entering the exit. So the plain forms verify as they are:
//!
//! * `break` of the innermost loop is `jump exit` from any block of the body (also from inside
//!   nested `if`s), [`FunctionBuilder::break_if`] is `branch cond, exit, next`;
//! * `continue` of the innermost loop is `jump latch`, [`FunctionBuilder::continue_if`] is
//!   `branch cond, latch, next`;
//! * `ret` inside loops is a plain `ret`: a returning block belongs to the region and has no
//!   edge out of it.
//!
//! Only `break`/`continue` of an *outer* loop from inside an inner one (a labelled break) are
//! *routed*: a direct `jump` to the outer loop's exit or latch would put the code after the
//! outer loop (or the outer latch) into the inner loop's region, where the inner header does not
//! dominate it. Instead a hidden dispatch variable is set to the request's code and the block
//! leaves the innermost loop with `jump exit`; [`FunctionBuilder::end_loop`] then starts the exit
//! with `compare eq` of the dispatch variable against each pending code and a `branch` to a
//! block performing the request one level further out. Codes: `1 + 2 * loop` continue,
//! `2 + 2 * loop` break, where `loop` counts loops in the order begun; the dispatch variable is
//! `void` on every other path. A `jump` to the innermost loop's exit is a `break`; plain jumps
//! to an outer loop's latch or exit ([`BuildError::NotInnermostLoop`]), to an open loop's header
//! or body ([`BuildError::LoopBlockTarget`]), or to blocks made before the innermost open loop
//! began ([`BuildError::LoopEscape`]) are refused.
//!
//! A loop whose latch turns out unreachable (its body never continues and never falls through,
//! e.g. it ends in an endless user-built cycle) never iterates; it gets no LoopForm.
//!
//! # Phi minimality
//!
//! Besides Braun's trivial-phi removal (recursive, users rewired), `finish` runs the
//! SCC-based cleanup of Braun et al. §3.2, removing groups of phis that only refer to each other
//! and one outside value (they arise around loops with several exits).

use crate::ir::{
    BinOp, Block, BlockData, BoxClass, BoxDecl, BoxId, Callee, CmpOp, Constant, ExternFn, FuncId,
    Function, Ieee64, Inst, LoopForm, Module, Param, TypeName, TypeOpKind, UnaryOp, Value,
    ValueData,
};
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::atomic::{AtomicU32, Ordering};

/// Source of builder tags, which make the handles of different builders distinguishable.
static NEXT_TAG: AtomicU32 = AtomicU32::new(0);

fn next_tag() -> u32 {
    NEXT_TAG.fetch_add(1, Ordering::Relaxed)
}

/// A misuse of the builder API. Every builder method reports misuse with one of these instead of
/// panicking.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BuildError {
    /// A name does not have the required syntax (`kind` says which: "box", "field", "function",
    /// "value", "label", "method").
    InvalidName {
        /// What kind of name it is.
        kind: &'static str,
        /// The offending name.
        name: String,
    },
    /// A box name is declared twice.
    DuplicateBox(String),
    /// A box is named like a builtin type (`Integer`, `ArrayBox`, `AddOperator`, ...).
    BuiltinBoxName(String),
    /// A field name appears twice in one box.
    DuplicateField {
        /// The box.
        box_name: String,
        /// The repeated field.
        field: String,
    },
    /// A function name is declared twice.
    DuplicateFunction(String),
    /// A `FuncId` that this module builder did not declare.
    UnknownFunction(FuncId),
    /// A `BoxId` that this module builder did not declare.
    UnknownBox(BoxId),
    /// A function body is defined twice.
    AlreadyDefined(String),
    /// [`ModuleBuilder::finish`] found a declared function without a body.
    UndefinedFunction(String),
    /// A [`FunctionBuilder`] was handed to a module builder that did not create it.
    ForeignFunctionBuilder(String),
    /// Two values of one function were given the same name.
    DuplicateValueName(String),
    /// Two blocks of one function were given the same label.
    DuplicateLabel(String),
    /// A block handle that belongs to another function builder.
    ForeignBlock(Block),
    /// A value handle that belongs to another function builder.
    ForeignValue(Value),
    /// A [`Variable`] of another function builder.
    ForeignVariable,
    /// A [`Loop`] of another function builder.
    ForeignLoop,
    /// An instruction was appended to a block that already ends with a terminator.
    BlockTerminated(String),
    /// A branch or jump targets the entry block (which can have no predecessors).
    EntryBlockTarget,
    /// A branch or jump targets a block that is already sealed (all its predecessors were
    /// declared known).
    SealedBlockTarget(String),
    /// A branch or jump targets the header or body of an open loop; use
    /// [`FunctionBuilder::continue_loop`] instead.
    LoopBlockTarget(String),
    /// While a loop is open, a branch or jump targets a block made before the loop began (it
    /// would leave the loop other than through its exit: use `break_loop`), or
    /// `switch_to_block` names such a block or one of the loop's own blocks.
    LoopEscape(String),
    /// A phi was appended after a non-phi instruction of its block.
    PhiNotLeading(String),
    /// `call` was given [`Callee::Extern`]; use [`FunctionBuilder::extern_call`].
    ExternInCall,
    /// A builtin constructor or an extern got the wrong number of arguments.
    WrongArgCount {
        /// `new MapBox`, `env.console.log`, ...
        what: String,
        /// The number it takes.
        expected: usize,
        /// The number given.
        got: usize,
    },
    /// A block managed by an open loop (its header, latch, exit, or body before the condition)
    /// was sealed by hand; the loop helper seals it.
    LoopBlockSealed(String),
    /// `end_loop`/`loop_condition` named a loop that is not the innermost open loop, or a plain
    /// jump went to the latch or exit of such a loop (use `break_loop`/`continue_loop`).
    NotInnermostLoop,
    /// `break`/`continue`/`end_loop` before [`FunctionBuilder::loop_condition`].
    LoopConditionMissing,
    /// [`FunctionBuilder::loop_condition`] was called twice, or outside the loop's header.
    LoopConditionNotInHeader,
    /// A loop was used after [`FunctionBuilder::end_loop`].
    LoopEnded,
    /// `finish` with a loop still open (its header's label).
    UnclosedLoop(String),
    /// `finish` found a reachable block without a terminator.
    MissingTerminator(String),
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::InvalidName { kind, name } => write!(f, "invalid {kind} name `{name}`"),
            BuildError::DuplicateBox(n) => write!(f, "duplicate box {n}"),
            BuildError::BuiltinBoxName(n) => write!(f, "box name {n} is a builtin type"),
            BuildError::DuplicateField { box_name, field } => {
                write!(f, "duplicate field {field} in box {box_name}")
            }
            BuildError::DuplicateFunction(n) => write!(f, "duplicate function @{n}"),
            BuildError::UnknownFunction(id) => write!(f, "unknown function id {}", id.0),
            BuildError::UnknownBox(id) => write!(f, "unknown box id {}", id.0),
            BuildError::AlreadyDefined(n) => write!(f, "function @{n} is already defined"),
            BuildError::UndefinedFunction(n) => {
                write!(f, "function @{n} is declared but never defined")
            }
            BuildError::ForeignFunctionBuilder(n) => {
                write!(
                    f,
                    "the builder of @{n} was not created by this module builder"
                )
            }
            BuildError::DuplicateValueName(n) => write!(f, "value %{n} is defined more than once"),
            BuildError::DuplicateLabel(l) => write!(f, "duplicate block label {l}"),
            BuildError::ForeignBlock(b) => {
                write!(f, "block handle {} belongs to another function", b.0)
            }
            BuildError::ForeignValue(v) => {
                write!(f, "value handle {} belongs to another function", v.0)
            }
            BuildError::ForeignVariable => write!(f, "variable belongs to another function"),
            BuildError::ForeignLoop => write!(f, "loop belongs to another function"),
            BuildError::BlockTerminated(b) => {
                write!(f, "block {b} already ends with a terminator")
            }
            BuildError::EntryBlockTarget => write!(f, "the entry block cannot be a branch target"),
            BuildError::SealedBlockTarget(b) => {
                write!(f, "block {b} is sealed and cannot get another predecessor")
            }
            BuildError::LoopBlockTarget(b) => write!(
                f,
                "block {b} is the header or body of an open loop and cannot be a branch target"
            ),
            BuildError::LoopEscape(b) => write!(
                f,
                "block {b} is outside the open loop; leave a loop with break_loop"
            ),
            BuildError::PhiNotLeading(b) => write!(f, "phi must lead its block ({b})"),
            BuildError::ExternInCall => write!(f, "call cannot take an extern callee"),
            BuildError::WrongArgCount {
                what,
                expected,
                got,
            } => write!(
                f,
                "wrong number of arguments to {what}: expected {expected}, got {got}"
            ),
            BuildError::LoopBlockSealed(b) => {
                write!(f, "block {b} is sealed by its loop's end_loop")
            }
            BuildError::NotInnermostLoop => write!(f, "the loop is not the innermost open loop"),
            BuildError::LoopConditionMissing => {
                write!(f, "the loop has no condition yet (call loop_condition)")
            }
            BuildError::LoopConditionNotInHeader => write!(
                f,
                "loop_condition must be called once, with the loop header as insertion block"
            ),
            BuildError::LoopEnded => write!(f, "the loop has already ended"),
            BuildError::UnclosedLoop(h) => write!(f, "the loop with header {h} was never ended"),
            BuildError::MissingTerminator(b) => {
                write!(f, "block {b} does not end with a terminator")
            }
        }
    }
}

impl std::error::Error for BuildError {}

fn is_ident(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn is_value_name(s: &str) -> bool {
    is_ident(s) || (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
}

fn is_function_name(s: &str) -> bool {
    match s.split_once('.') {
        Some((b, m)) => is_ident(b) && is_ident(m),
        None => is_ident(s),
    }
}

fn check_name(kind: &'static str, name: &str, ok: fn(&str) -> bool) -> Result<(), BuildError> {
    if ok(name) {
        Ok(())
    } else {
        Err(BuildError::InvalidName {
            kind,
            name: name.to_string(),
        })
    }
}

// ---------------------------------------------------------------------------------------------
// ModuleBuilder
// ---------------------------------------------------------------------------------------------

/// Builds a [`Module`]: declares boxes and functions, then takes one [`FunctionBuilder`] per
/// declared function.
///
/// Functions are declared first ([`ModuleBuilder::declare_function`] returns the [`FuncId`] that
/// `call`s and `func_ref`s use), so bodies may call functions defined later. Each body is built
/// with the builder from [`ModuleBuilder::function_builder`] and handed back with
/// [`ModuleBuilder::define_function`]. [`ModuleBuilder::finish`] requires every declared function
/// to have a body. The result is structurally valid as far as the builder can check; run
/// [`crate::verify::verify`] on it for the full rules (arities, method receivers, LoopForms, ...).
#[derive(Debug)]
pub struct ModuleBuilder {
    tag: u32,
    module: Module,
    defined: Vec<bool>,
}

impl Default for ModuleBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl ModuleBuilder {
    /// An empty module builder.
    pub fn new() -> Self {
        ModuleBuilder {
            tag: next_tag(),
            module: Module::new(),
            defined: Vec::new(),
        }
    }

    /// Declares `box name { fields }`. Errors on a bad or duplicate name, a builtin type name, or
    /// a repeated field.
    pub fn declare_box(&mut self, name: &str, fields: &[&str]) -> Result<BoxId, BuildError> {
        check_name("box", name, is_ident)?;
        if TypeName::builtin(name).is_some() || BoxClass::builtin(name).is_some() {
            return Err(BuildError::BuiltinBoxName(name.to_string()));
        }
        if self.module.box_by_name(name).is_some() {
            return Err(BuildError::DuplicateBox(name.to_string()));
        }
        let mut seen = HashSet::new();
        for field in fields {
            check_name("field", field, is_ident)?;
            if !seen.insert(*field) {
                return Err(BuildError::DuplicateField {
                    box_name: name.to_string(),
                    field: field.to_string(),
                });
            }
        }
        Ok(self.module.boxes.push(BoxDecl {
            name: name.to_string(),
            fields: fields.iter().map(|f| f.to_string()).collect(),
        }))
    }

    /// Declares function `@name` (without the `@`; a method of box `B` is named `B.m`, see also
    /// [`ModuleBuilder::declare_method`]). Its body is defined later.
    pub fn declare_function(&mut self, name: &str) -> Result<FuncId, BuildError> {
        check_name("function", name, is_function_name)?;
        if self.module.function_by_name(name).is_some() {
            return Err(BuildError::DuplicateFunction(name.to_string()));
        }
        self.defined.push(false);
        Ok(self.module.functions.push(Function::new(name)))
    }

    /// Declares the method `method` of box `b`: the function `@B.method`, whose first parameter
    /// is the receiver.
    pub fn declare_method(&mut self, b: BoxId, method: &str) -> Result<FuncId, BuildError> {
        let decl = self.module.boxes.get(b).ok_or(BuildError::UnknownBox(b))?;
        check_name("method", method, is_ident)?;
        let name = format!("{}.{}", decl.name, method);
        self.declare_function(&name)
    }

    /// The box declared as `name`.
    pub fn box_by_name(&self, name: &str) -> Option<BoxId> {
        self.module.box_by_name(name)
    }

    /// The function declared as `name` (without `@`).
    pub fn function_by_name(&self, name: &str) -> Option<FuncId> {
        self.module.function_by_name(name)
    }

    /// The declaration of box `b`.
    pub fn box_decl(&self, b: BoxId) -> Option<&BoxDecl> {
        self.module.boxes.get(b)
    }

    /// The name of function `f` (without `@`).
    pub fn function_name(&self, f: FuncId) -> Option<&str> {
        self.module.functions.get(f).map(|f| f.name.as_str())
    }

    /// True once `f`'s body has been defined.
    pub fn is_defined(&self, f: FuncId) -> bool {
        self.defined.get(f.index()).copied().unwrap_or(false)
    }

    /// A builder for the body of declared function `f`.
    pub fn function_builder(&self, f: FuncId) -> Result<FunctionBuilder, BuildError> {
        let func = self
            .module
            .functions
            .get(f)
            .ok_or(BuildError::UnknownFunction(f))?;
        if self.is_defined(f) {
            return Err(BuildError::AlreadyDefined(func.name.clone()));
        }
        let mut fb = FunctionBuilder::new(&func.name)?;
        fb.owner = Some((self.tag, f));
        Ok(fb)
    }

    /// Finishes `fb` (see [`FunctionBuilder::finish`]) and installs it as the body of the
    /// function it was created for. Also checks that every function and box it refers to was
    /// declared here. Returns that function's id.
    pub fn define_function(&mut self, fb: FunctionBuilder) -> Result<FuncId, BuildError> {
        let f = match fb.owner {
            Some((tag, f)) if tag == self.tag => f,
            _ => return Err(BuildError::ForeignFunctionBuilder(fb.name.clone())),
        };
        if self.is_defined(f) {
            return Err(BuildError::AlreadyDefined(fb.name.clone()));
        }
        let func = fb.finish()?;
        self.check_refs(&func)?;
        self.module.functions[f] = func;
        self.defined[f.index()] = true;
        Ok(f)
    }

    /// Checks that the module-level entities `func` refers to exist.
    fn check_refs(&self, func: &Function) -> Result<(), BuildError> {
        let fun = |id: FuncId| {
            if self.module.functions.contains(id) {
                Ok(())
            } else {
                Err(BuildError::UnknownFunction(id))
            }
        };
        let bx = |id: BoxId| {
            if self.module.boxes.contains(id) {
                Ok(())
            } else {
                Err(BuildError::UnknownBox(id))
            }
        };
        let ty = |t: &TypeName| match t {
            TypeName::User(b) => bx(*b),
            _ => Ok(()),
        };
        for p in &func.params {
            if let Some(t) = &p.ty {
                ty(t)?;
            }
        }
        if let Some(t) = &func.ret_type {
            ty(t)?;
        }
        for block in func.blocks.values() {
            for inst in &block.insts {
                match inst {
                    Inst::Const {
                        value: Constant::Func(id),
                        ..
                    } => fun(*id)?,
                    Inst::TypeOp {
                        op: TypeOpKind::Check(t) | TypeOpKind::Cast(t),
                        ..
                    } => ty(t)?,
                    Inst::NewBox {
                        class: BoxClass::User(b),
                        ..
                    } => bx(*b)?,
                    Inst::Call { callee, .. } => match callee {
                        Callee::Global(id) => fun(*id)?,
                        Callee::Method {
                            box_name: Some(b), ..
                        } => bx(*b)?,
                        _ => {}
                    },
                    _ => {}
                }
            }
        }
        Ok(())
    }

    /// The finished module. Every declared function must have been defined.
    pub fn finish(self) -> Result<Module, BuildError> {
        if let Some(i) = self.defined.iter().position(|d| !d) {
            let name = self.module.functions.as_slice()[i].name.clone();
            return Err(BuildError::UndefinedFunction(name));
        }
        Ok(self.module)
    }
}

// ---------------------------------------------------------------------------------------------
// FunctionBuilder
// ---------------------------------------------------------------------------------------------

/// A frontend variable, turned into SSA values by the builder (see [`FunctionBuilder::def_var`],
/// [`FunctionBuilder::use_var`]). Variables are untyped, like every MIR14 value.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Variable {
    tag: u32,
    index: u32,
}

/// An open loop made by [`FunctionBuilder::begin_loop`]; closed (consumed) by
/// [`FunctionBuilder::end_loop`]. Not `Clone`: a loop cannot be ended twice.
#[derive(Debug, PartialEq, Eq)]
#[must_use = "a loop must be closed with FunctionBuilder::end_loop"]
pub struct Loop {
    tag: u32,
    index: usize,
    header: Block,
    body: Block,
    latch: Block,
    exit: Block,
}

impl Loop {
    /// The header: where the condition is computed and the variables' loop phis live.
    pub fn header(&self) -> Block {
        self.header
    }

    /// The first block of the body (the header's branch target when the condition holds).
    pub fn body(&self) -> Block {
        self.body
    }

    /// The latch: the single block jumping back to the header; `continue` jumps here.
    pub fn latch(&self) -> Block {
        self.latch
    }

    /// The exit: where the loop goes when the condition fails, and on `break`.
    pub fn exit(&self) -> Block {
        self.exit
    }
}

/// Per-block construction state. Phis are kept apart from the other instructions so that phis
/// placed on demand always lead their block.
#[derive(Debug)]
struct BlockState {
    label: String,
    /// Phi values of this block (removed ones are filtered out at finish).
    phis: Vec<u32>,
    /// The non-phi instructions, using builder-internal ids.
    insts: Vec<Inst>,
    /// Predecessors, in the order their edges were added, without duplicates.
    preds: Vec<u32>,
    sealed: bool,
}

/// A phi under construction.
#[derive(Debug)]
struct PhiState {
    block: u32,
    inputs: Vec<(u32, u32)>,
    /// Written by the frontend with [`FunctionBuilder::phi`]: never removed.
    explicit: bool,
    /// False while the phi is incomplete (unsealed block) or its operands are being read.
    complete: bool,
    /// False once removed as trivial.
    alive: bool,
}

/// One step of the iterative SSA construction (see `FunctionBuilder::run_ssa`).
#[derive(Debug)]
enum SsaTask {
    /// Read the variable at the end of a block; pushes the value.
    Read(u32),
    /// Pop a value and append it as the phi's operand for `pred`.
    Attach { phi: u32, pred: u32 },
    /// All operands attached: try to remove the phi; pushes the phi or its replacement.
    Complete(u32),
    /// Record the value on top of the stack as the variable's value in these blocks.
    Record(Vec<u32>),
}

#[derive(Debug)]
struct LoopState {
    header: u32,
    body: u32,
    latch: u32,
    exit: u32,
    has_condition: bool,
    ended: bool,
    /// Requests (`break`/`continue` of outer loops) that leave this loop through its exit, to
    /// be routed by `end_loop`.
    routes: Vec<Route>,
}

/// Where control goes after leaving a loop through its exit.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Route {
    /// `break` of loop `l`.
    Break(usize),
    /// `continue` of loop `l`.
    Continue(usize),
}

impl Route {
    /// The dispatch variable's value for this request (the variable is `void` otherwise).
    fn code(self) -> i64 {
        match self {
            Route::Continue(l) => 1 + 2 * l as i64,
            Route::Break(l) => 2 + 2 * l as i64,
        }
    }
}

/// Builds the body of one function: parameters, blocks, instructions, variables and loops.
///
/// Created by [`ModuleBuilder::function_builder`] (or [`FunctionBuilder::new`] for a function on
/// its own). The entry block (`bb0`) exists from the start and is the first insertion block. See
/// the [module documentation](self) for the rules on dead code, sealing and loops.
#[derive(Debug)]
pub struct FunctionBuilder {
    tag: u32,
    /// XOR masks that turn internal indexes into the handles given out (and back).
    block_salt: u32,
    value_salt: u32,
    owner: Option<(u32, FuncId)>,
    name: String,
    params: Vec<(u32, Option<TypeName>)>,
    ret_type: Option<TypeName>,
    /// Each value's name; empty for an automatic (digits) name assigned at finish.
    values: Vec<String>,
    value_names: HashSet<String>,
    blocks: Vec<BlockState>,
    labels: HashSet<String>,
    next_label: usize,
    /// The insertion block; `None` after a terminator.
    cur: Option<u32>,
    phis: HashMap<u32, PhiState>,
    /// For each phi, the phis using it as an operand (Braun's users list, restricted to phis).
    phi_users: HashMap<u32, Vec<u32>>,
    /// Values replaced by another (removed trivial phis).
    replaced: HashMap<u32, u32>,
    var_count: u32,
    /// `currentDef[var][block]` of Braun et al.
    defs: HashMap<(u32, u32), u32>,
    /// Incomplete phis of unsealed blocks: `(variable, phi)`.
    incomplete: HashMap<u32, Vec<(u32, u32)>>,
    loops: Vec<LoopState>,
    open_loops: Vec<usize>,
    /// The hidden variable of routed `break`/`continue` of outer loops, once needed.
    dispatch: Option<u32>,
    /// Constants placed at the start of the entry block (`void` for undefined variables), each
    /// made once.
    prefix: Vec<(u32, Constant)>,
}

impl FunctionBuilder {
    /// A builder for a function named `name` (without `@`; `B.m` for a method), outside any
    /// module. Use [`ModuleBuilder::function_builder`] to build a function of a module.
    pub fn new(name: &str) -> Result<FunctionBuilder, BuildError> {
        check_name("function", name, is_function_name)?;
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
        };
        // The entry block: no predecessors ever, so it is sealed from the start.
        let entry = fb.new_block(None);
        fb.blocks[entry as usize].sealed = true;
        fb.cur = Some(entry);
        Ok(fb)
    }

    /// The function's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    // --- handles ------------------------------------------------------------------------------

    fn ext_block(&self, b: u32) -> Block {
        Block(b ^ self.block_salt)
    }

    fn int_block(&self, b: Block) -> Result<u32, BuildError> {
        let i = b.0 ^ self.block_salt;
        if (i as usize) < self.blocks.len() {
            Ok(i)
        } else {
            Err(BuildError::ForeignBlock(b))
        }
    }

    fn ext_value(&self, v: u32) -> Value {
        Value(v ^ self.value_salt)
    }

    fn int_value(&self, v: Value) -> Result<u32, BuildError> {
        let i = v.0 ^ self.value_salt;
        if (i as usize) < self.values.len() {
            Ok(i)
        } else {
            Err(BuildError::ForeignValue(v))
        }
    }

    fn int_values(&self, vs: &[Value]) -> Result<Vec<Value>, BuildError> {
        vs.iter().map(|v| self.int_value(*v).map(Value)).collect()
    }

    fn int_var(&self, var: Variable) -> Result<u32, BuildError> {
        if var.tag == self.tag && var.index < self.var_count {
            Ok(var.index)
        } else {
            Err(BuildError::ForeignVariable)
        }
    }

    fn new_value(&mut self) -> u32 {
        self.values.push(String::new());
        (self.values.len() - 1) as u32
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

    fn new_block(&mut self, label: Option<String>) -> u32 {
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

    fn terminated(&self, b: u32) -> bool {
        self.blocks[b as usize]
            .insts
            .last()
            .is_some_and(Inst::is_terminator)
    }

    /// The insertion block, creating a sealed unreachable block after a terminator.
    fn ensure_block(&mut self) -> u32 {
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
    fn push_inst(&mut self, inst: Inst) -> Result<(), BuildError> {
        let b = self.ensure_block();
        if self.terminated(b) {
            return Err(BuildError::BlockTerminated(
                self.blocks[b as usize].label.clone(),
            ));
        }
        if inst.is_terminator() {
            for s in inst.successors() {
                let preds = &mut self.blocks[s.index()].preds;
                if !preds.contains(&b) {
                    preds.push(b);
                }
            }
            self.cur = None;
        }
        self.blocks[b as usize].insts.push(inst);
        Ok(())
    }

    /// Appends an instruction defining a new value made by `make`.
    fn push_def(&mut self, make: impl FnOnce(Value) -> Inst) -> Result<Value, BuildError> {
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
    fn check_target(&self, t: Block) -> Result<u32, BuildError> {
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

    fn is_loop_managed(&self, b: u32) -> bool {
        self.open_loops.iter().any(|&l| {
            let lp = &self.loops[l];
            b == lp.header || b == lp.latch || b == lp.exit || (b == lp.body && !lp.has_condition)
        })
    }

    /// Braun's `sealBlock`.
    fn seal(&mut self, b: u32) {
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
    fn resolve(&self, mut v: u32) -> u32 {
        while let Some(&r) = self.replaced.get(&v) {
            v = r;
        }
        v
    }

    /// The `const void` at the start of the entry block that stands for undefined variables.
    fn undef_value(&mut self) -> u32 {
        self.prefix_const(Constant::Void)
    }

    /// A constant at the start of the entry block (so it dominates every use), made once.
    fn prefix_const(&mut self, c: Constant) -> u32 {
        if let Some(&(v, _)) = self.prefix.iter().find(|(_, k)| *k == c) {
            return v;
        }
        let v = self.new_value();
        self.prefix.push((v, c));
        v
    }

    fn new_phi(&mut self, block: u32) -> u32 {
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
    fn read_var(&mut self, var: u32, block: u32) -> u32 {
        self.run_ssa(var, vec![SsaTask::Read(block)])
    }

    /// Braun's `addPhiOperands`: one operand per predecessor, then `tryRemoveTrivialPhi`.
    /// Returns the phi, or the value that replaced it.
    fn add_phi_operands(&mut self, var: u32, phi: u32) -> u32 {
        let mut tasks = Vec::new();
        self.push_phi_tasks(&mut tasks, phi);
        self.run_ssa(var, tasks)
    }

    /// Schedules reading `phi`'s operands in predecessor order, then completing it.
    fn push_phi_tasks(&self, tasks: &mut Vec<SsaTask>, phi: u32) {
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
    fn run_ssa(&mut self, var: u32, mut tasks: Vec<SsaTask>) -> u32 {
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
    fn try_remove_trivial_phi(&mut self, phi: u32) {
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
    fn remove_redundant_phi_sccs(&mut self) {
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
    fn phi_sccs(&self, set: &[u32]) -> Vec<Vec<u32>> {
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

    // --- constants ----------------------------------------------------------------------------

    /// `%d = const <integer>`.
    pub fn iconst(&mut self, x: i64) -> Result<Value, BuildError> {
        self.constant(Constant::Int(x))
    }

    /// `%d = const <float>`.
    pub fn fconst(&mut self, x: f64) -> Result<Value, BuildError> {
        self.constant(Constant::Float(Ieee64::new(x)))
    }

    /// `%d = const true` / `false`.
    pub fn bconst(&mut self, x: bool) -> Result<Value, BuildError> {
        self.constant(Constant::Bool(x))
    }

    /// `%d = const "..."`.
    pub fn sconst(&mut self, s: impl Into<String>) -> Result<Value, BuildError> {
        self.constant(Constant::Str(s.into()))
    }

    /// `%d = const void`.
    pub fn void(&mut self) -> Result<Value, BuildError> {
        self.constant(Constant::Void)
    }

    /// `%d = const @f`: a FunctionBox.
    pub fn func_ref(&mut self, f: FuncId) -> Result<Value, BuildError> {
        self.constant(Constant::Func(f))
    }

    /// `%d = const <literal>`, any literal.
    pub fn constant(&mut self, value: Constant) -> Result<Value, BuildError> {
        self.push_def(|dest| Inst::Const { dest, value })
    }

    // --- operators ----------------------------------------------------------------------------

    /// `%d = unary <op> %a`.
    pub fn unary(&mut self, op: UnaryOp, arg: Value) -> Result<Value, BuildError> {
        let arg = Value(self.int_value(arg)?);
        self.push_def(|dest| Inst::Unary { dest, op, arg })
    }

    /// `%d = binop <op> %a, %b`.
    pub fn binop(&mut self, op: BinOp, lhs: Value, rhs: Value) -> Result<Value, BuildError> {
        let lhs = Value(self.int_value(lhs)?);
        let rhs = Value(self.int_value(rhs)?);
        self.push_def(|dest| Inst::Binary { dest, op, lhs, rhs })
    }

    /// `%d = compare <op> %a, %b`.
    pub fn compare(&mut self, op: CmpOp, lhs: Value, rhs: Value) -> Result<Value, BuildError> {
        let lhs = Value(self.int_value(lhs)?);
        let rhs = Value(self.int_value(rhs)?);
        self.push_def(|dest| Inst::Compare { dest, op, lhs, rhs })
    }

    /// `%d = typeop check %a T`.
    pub fn type_check(&mut self, arg: Value, ty: TypeName) -> Result<Value, BuildError> {
        self.type_op(arg, TypeOpKind::Check(ty))
    }

    /// `%d = typeop cast %a T`.
    pub fn type_cast(&mut self, arg: Value, ty: TypeName) -> Result<Value, BuildError> {
        self.type_op(arg, TypeOpKind::Cast(ty))
    }

    /// `%d = typeop typeof %a`.
    pub fn type_of(&mut self, arg: Value) -> Result<Value, BuildError> {
        self.type_op(arg, TypeOpKind::TypeOf)
    }

    fn type_op(&mut self, arg: Value, op: TypeOpKind) -> Result<Value, BuildError> {
        let arg = Value(self.int_value(arg)?);
        self.push_def(|dest| Inst::TypeOp { dest, op, arg })
    }

    // --- fields and boxes ---------------------------------------------------------------------

    /// `%d = load %obj.field`.
    pub fn load(&mut self, obj: Value, field: &str) -> Result<Value, BuildError> {
        check_name("field", field, is_ident)?;
        let obj = Value(self.int_value(obj)?);
        let field = field.to_string();
        self.push_def(|dest| Inst::Load { dest, obj, field })
    }

    /// `store %obj.field = %value`.
    pub fn store(&mut self, obj: Value, field: &str, value: Value) -> Result<(), BuildError> {
        check_name("field", field, is_ident)?;
        let obj = Value(self.int_value(obj)?);
        let value = Value(self.int_value(value)?);
        self.push_inst(Inst::Store {
            obj,
            field: field.to_string(),
            value,
        })
    }

    /// `%d = new Class(args)`. Builtin classes with a fixed arity (`MapBox`, operator boxes,
    /// `IntegerBox`, ...) check the argument count; user boxes are checked by the verifier
    /// (against `birth`).
    pub fn new_box(&mut self, class: BoxClass, args: &[Value]) -> Result<Value, BuildError> {
        if let (Some(expected), Some(name)) = (class.builtin_arity(), class.builtin_name()) {
            if expected != args.len() {
                return Err(BuildError::WrongArgCount {
                    what: format!("new {name}"),
                    expected,
                    got: args.len(),
                });
            }
        }
        let args = self.int_values(args)?;
        self.push_def(|dest| Inst::NewBox { dest, class, args })
    }

    // --- calls --------------------------------------------------------------------------------

    fn int_callee(&self, callee: Callee) -> Result<Callee, BuildError> {
        Ok(match callee {
            Callee::Global(f) => Callee::Global(f),
            Callee::Method {
                box_name,
                method,
                receiver,
            } => {
                check_name("method", &method, is_ident)?;
                Callee::Method {
                    box_name,
                    method,
                    receiver: Value(self.int_value(receiver)?),
                }
            }
            Callee::Value(v) => Callee::Value(Value(self.int_value(v)?)),
            Callee::Extern(_) => return Err(BuildError::ExternInCall),
        })
    }

    /// `%d = call <callee>(args)`, keeping the result. `callee` is [`Callee::Global`],
    /// [`Callee::Method`] (its receiver is not part of `args`) or [`Callee::Value`]; externs go
    /// through [`FunctionBuilder::extern_call`].
    pub fn call(&mut self, callee: Callee, args: &[Value]) -> Result<Value, BuildError> {
        let callee = self.int_callee(callee)?;
        let args = self.int_values(args)?;
        self.push_def(|d| Inst::Call {
            dest: Some(d),
            callee,
            args,
        })
    }

    /// `call <callee>(args)`, discarding the result.
    pub fn call_discard(&mut self, callee: Callee, args: &[Value]) -> Result<(), BuildError> {
        let callee = self.int_callee(callee)?;
        let args = self.int_values(args)?;
        self.push_inst(Inst::Call {
            dest: None,
            callee,
            args,
        })
    }

    /// `%d = call @f(args)`.
    pub fn call_global(&mut self, f: FuncId, args: &[Value]) -> Result<Value, BuildError> {
        self.call(Callee::Global(f), args)
    }

    /// `%d = call %receiver.method(args)` (dynamic dispatch).
    pub fn call_method(
        &mut self,
        receiver: Value,
        method: &str,
        args: &[Value],
    ) -> Result<Value, BuildError> {
        self.call(
            Callee::Method {
                box_name: None,
                method: method.to_string(),
                receiver,
            },
            args,
        )
    }

    fn check_extern(&self, f: ExternFn, args: &[Value]) -> Result<Vec<Value>, BuildError> {
        if f.arity() != args.len() {
            return Err(BuildError::WrongArgCount {
                what: f.name().to_string(),
                expected: f.arity(),
                got: args.len(),
            });
        }
        self.int_values(args)
    }

    /// `%d = extern env.x.y(args)`, keeping the result. Checks the extern's arity.
    pub fn extern_call(&mut self, f: ExternFn, args: &[Value]) -> Result<Value, BuildError> {
        let args = self.check_extern(f, args)?;
        self.push_def(|d| Inst::ExternCall {
            dest: Some(d),
            callee: Callee::Extern(f),
            args,
        })
    }

    /// `extern env.x.y(args)`, discarding the result. Checks the extern's arity.
    pub fn extern_call_discard(&mut self, f: ExternFn, args: &[Value]) -> Result<(), BuildError> {
        let args = self.check_extern(f, args)?;
        self.push_inst(Inst::ExternCall {
            dest: None,
            callee: Callee::Extern(f),
            args,
        })
    }

    // --- phis and terminators -----------------------------------------------------------------

    /// `%d = phi [bb: %v], ...`, written explicitly (the builder never removes it). It must come
    /// before any non-phi instruction of the insertion block; its inputs should name each
    /// predecessor once (the verifier checks). Frontends using [`Variable`]s need no explicit
    /// phis.
    pub fn phi(&mut self, inputs: &[(Block, Value)]) -> Result<Value, BuildError> {
        let mut ins = Vec::with_capacity(inputs.len());
        for &(b, v) in inputs {
            ins.push((self.int_block(b)?, self.int_value(v)?));
        }
        let b = self.ensure_block();
        let state = &self.blocks[b as usize];
        if !state.insts.is_empty() {
            return Err(if self.terminated(b) {
                BuildError::BlockTerminated(state.label.clone())
            } else {
                BuildError::PhiNotLeading(state.label.clone())
            });
        }
        let phi = self.new_phi(b);
        for &(_, v) in &ins {
            if self.phis.contains_key(&v) {
                self.phi_users.entry(v).or_default().push(phi);
            }
        }
        if let Some(state) = self.phis.get_mut(&phi) {
            state.inputs = ins;
            state.explicit = true;
            state.complete = true;
        }
        Ok(self.ext_value(phi))
    }

    /// `branch %cond, then_block, else_block`. Ends the insertion block.
    pub fn branch(
        &mut self,
        cond: Value,
        then_block: Block,
        else_block: Block,
    ) -> Result<(), BuildError> {
        let cond = Value(self.int_value(cond)?);
        let then_block = Block(self.check_target(then_block)?);
        let else_block = Block(self.check_target(else_block)?);
        self.push_inst(Inst::Branch {
            cond,
            then_block,
            else_block,
        })
    }

    /// `jump target`. Ends the insertion block. A jump to the innermost open loop's exit is a
    /// [`FunctionBuilder::break_loop`].
    pub fn jump(&mut self, target: Block) -> Result<(), BuildError> {
        let t = self.check_target(target)?;
        if let Some(&l) = self.open_loops.last() {
            if t == self.loops[l].exit {
                return self.perform(Route::Break(l));
            }
        }
        self.push_inst(Inst::Jump { target: Block(t) })
    }

    /// `ret %v`, or `ret` (returns `void`) for `None`. Ends the insertion block. Inside loops
    /// too it is a plain `ret` (the block stays in the loop's region; see the module
    /// documentation), but not in a loop header before [`FunctionBuilder::loop_condition`].
    pub fn ret(&mut self, value: Option<Value>) -> Result<(), BuildError> {
        let value = match value {
            Some(v) => Some(self.int_value(v)?),
            None => None,
        };
        self.innermost_in_body()?;
        self.push_inst(Inst::Return {
            value: value.map(Value),
        })
    }

    // --- loops --------------------------------------------------------------------------------

    /// The index of open loop `lp`.
    fn open_loop(&self, lp: &Loop) -> Result<usize, BuildError> {
        if lp.tag != self.tag || lp.index >= self.loops.len() {
            return Err(BuildError::ForeignLoop);
        }
        if self.loops[lp.index].ended {
            return Err(BuildError::LoopEnded);
        }
        Ok(lp.index)
    }

    /// The index of `lp`, which must be the innermost open loop.
    fn int_loop(&self, lp: &Loop) -> Result<usize, BuildError> {
        let l = self.open_loop(lp)?;
        if self.open_loops.last() != Some(&l) {
            return Err(BuildError::NotInnermostLoop);
        }
        Ok(l)
    }

    /// The hidden dispatch variable of routed requests, made on first use.
    fn dispatch_var(&mut self) -> u32 {
        let count = &mut self.var_count;
        *self.dispatch.get_or_insert_with(|| {
            *count += 1;
            *count - 1
        })
    }

    /// Opens a loop: ends the insertion block with `jump header` (it becomes the preheader),
    /// creates the header, body, latch and exit blocks, and makes the header the insertion block.
    /// Emit the condition there (straight-line code) and call [`FunctionBuilder::loop_condition`].
    pub fn begin_loop(&mut self) -> Result<Loop, BuildError> {
        let pre = self.ensure_block();
        if self.terminated(pre) {
            return Err(BuildError::BlockTerminated(
                self.blocks[pre as usize].label.clone(),
            ));
        }
        let header = self.new_block(None);
        let body = self.new_block(None);
        let latch = self.new_block(None);
        let exit = self.new_block(None);
        self.push_inst(Inst::Jump {
            target: Block(header),
        })?;
        self.cur = Some(header);
        let index = self.loops.len();
        self.loops.push(LoopState {
            header,
            body,
            latch,
            exit,
            has_condition: false,
            ended: false,
            routes: Vec::new(),
        });
        self.open_loops.push(index);
        Ok(Loop {
            tag: self.tag,
            index,
            header: self.ext_block(header),
            body: self.ext_block(body),
            latch: self.ext_block(latch),
            exit: self.ext_block(exit),
        })
    }

    /// Ends the loop header with `branch cond, body, exit` and makes the body the insertion
    /// block. The insertion block must be the header (the condition is straight-line code). For
    /// an infinite loop pass `bconst(true)`.
    pub fn loop_condition(&mut self, lp: &Loop, cond: Value) -> Result<(), BuildError> {
        let l = self.int_loop(lp)?;
        let cond = Value(self.int_value(cond)?);
        let LoopState {
            header,
            body,
            exit,
            has_condition,
            ..
        } = self.loops[l];
        if has_condition || self.cur != Some(header) || self.terminated(header) {
            return Err(BuildError::LoopConditionNotInHeader);
        }
        self.push_inst(Inst::Branch {
            cond,
            then_block: Block(body),
            else_block: Block(exit),
        })?;
        self.loops[l].has_condition = true;
        // The header is the body's only predecessor.
        self.seal(body);
        self.cur = Some(body);
        Ok(())
    }

    /// The innermost open loop, which must have its condition (we are in its body).
    fn innermost_in_body(&self) -> Result<Option<usize>, BuildError> {
        match self.open_loops.last() {
            Some(&l) if !self.loops[l].has_condition => Err(BuildError::LoopConditionMissing),
            other => Ok(other.copied()),
        }
    }

    /// Fails if the insertion point is a block that already ends with a terminator.
    fn check_open(&mut self) -> Result<(), BuildError> {
        let b = self.ensure_block();
        if self.terminated(b) {
            return Err(BuildError::BlockTerminated(
                self.blocks[b as usize].label.clone(),
            ));
        }
        Ok(())
    }

    /// Leaves innermost loop `l` through its exit from the insertion block: `jump exit` (the
    /// block is in the loop's region, so this is the loop's canonical exit edge).
    fn leave_loop(&mut self, l: usize) -> Result<(), BuildError> {
        self.check_open()?;
        let exit = self.loops[l].exit;
        self.push_inst(Inst::Jump {
            target: Block(exit),
        })
    }

    /// Performs `route` from the insertion block: a direct `continue` (`jump latch`) or `break`
    /// (`jump exit`) of the innermost loop, or otherwise (a request for an outer loop) sets the
    /// dispatch variable and leaves the innermost loop through its exit, where
    /// [`FunctionBuilder::end_loop`] routes it further.
    fn perform(&mut self, route: Route) -> Result<(), BuildError> {
        let Some(inner) = self.innermost_in_body()? else {
            // Requests name open loops, so some loop is open; refuse rather than panic.
            return Err(BuildError::LoopEnded);
        };
        match route {
            Route::Continue(l) if l == inner => {
                self.check_open()?;
                let latch = self.loops[l].latch;
                return self.push_inst(Inst::Jump {
                    target: Block(latch),
                });
            }
            Route::Break(l) if l == inner => return self.leave_loop(l),
            _ => {}
        }
        self.check_open()?;
        let code = self.iconst(route.code())?;
        let code = self.int_value(code)?;
        let var = self.dispatch_var();
        let b = self.ensure_block();
        self.defs.insert((var, b), code);
        self.leave_loop(inner)?;
        let routes = &mut self.loops[inner].routes;
        if !routes.contains(&route) {
            routes.push(route);
        }
        Ok(())
    }

    /// `break`: leaves loop `lp`. For the innermost loop, ends the insertion block with
    /// `jump exit`. `lp` may be an outer loop of the innermost open loop: the break is then
    /// routed, leaving each inner loop through its exit (see the module documentation).
    pub fn break_loop(&mut self, lp: &Loop) -> Result<(), BuildError> {
        let l = self.open_loop(lp)?;
        self.perform(Route::Break(l))
    }

    /// `continue`: starts the next iteration of loop `lp` (`jump latch`). `lp` may be an outer
    /// loop of the innermost open loop, as for [`FunctionBuilder::break_loop`].
    pub fn continue_loop(&mut self, lp: &Loop) -> Result<(), BuildError> {
        let l = self.open_loop(lp)?;
        self.perform(Route::Continue(l))
    }

    /// `if cond { break }`: for the innermost loop, `branch cond, exit, next` (the plainest
    /// canonical exit); for an outer loop the break is routed. Continues in the new block `next`.
    pub fn break_if(&mut self, lp: &Loop, cond: Value) -> Result<(), BuildError> {
        let l = self.open_loop(lp)?;
        self.perform_if(Route::Break(l), cond)
    }

    /// `if cond { continue }`: for the innermost loop, `branch cond, latch, next`; for an outer
    /// loop the continue is routed. Continues in the new block `next`.
    pub fn continue_if(&mut self, lp: &Loop, cond: Value) -> Result<(), BuildError> {
        let l = self.open_loop(lp)?;
        self.perform_if(Route::Continue(l), cond)
    }

    fn perform_if(&mut self, route: Route, cond: Value) -> Result<(), BuildError> {
        let cond = Value(self.int_value(cond)?);
        let inner = self.innermost_in_body()?;
        self.check_open()?;
        let direct = match (route, inner) {
            (Route::Break(l), Some(i)) if l == i => Some(self.loops[l].exit),
            (Route::Continue(l), Some(i)) if l == i => Some(self.loops[l].latch),
            _ => None,
        };
        let next = self.new_block(None);
        match direct {
            Some(target) => {
                self.push_inst(Inst::Branch {
                    cond,
                    then_block: Block(target),
                    else_block: Block(next),
                })?;
            }
            None => {
                let taken = self.new_block(None);
                self.push_inst(Inst::Branch {
                    cond,
                    then_block: Block(taken),
                    else_block: Block(next),
                })?;
                self.seal(taken);
                self.cur = Some(taken);
                self.perform(route)?;
            }
        }
        self.seal(next);
        self.cur = Some(next);
        Ok(())
    }

    /// Closes the innermost open loop: if the insertion block is still open it jumps to the
    /// latch; the latch jumps back to the header; header, latch and exit are sealed (completing
    /// the header phis); the [`LoopForm`] is recorded; the exit becomes the insertion block.
    ///
    /// If `break`s or `continue`s of outer loops left this loop through its exit, the
    /// exit then dispatches on the hidden dispatch variable: `compare eq` with each request's
    /// code and a `branch` to a block performing it one level further out; the insertion block
    /// is the last dispatch's fall-through block.
    pub fn end_loop(&mut self, lp: Loop) -> Result<(), BuildError> {
        let l = self.int_loop(&lp)?;
        let LoopState {
            header,
            latch,
            exit,
            has_condition,
            ..
        } = self.loops[l];
        if !has_condition {
            return Err(BuildError::LoopConditionMissing);
        }
        if let Some(c) = self.cur {
            if !self.terminated(c) {
                self.push_inst(Inst::Jump {
                    target: Block(latch),
                })?;
            }
        }
        self.seal(latch);
        self.cur = Some(latch);
        self.push_inst(Inst::Jump {
            target: Block(header),
        })?;
        self.seal(header);
        self.seal(exit);
        self.cur = Some(exit);
        self.loops[l].ended = true;
        self.open_loops.pop();
        let routes = std::mem::take(&mut self.loops[l].routes);
        if let Some(var) = self.dispatch.filter(|_| !routes.is_empty()) {
            let d = self.read_var(var, exit);
            let d = self.ext_value(d);
            for route in routes {
                let code = self.iconst(route.code())?;
                let cond = self.compare(CmpOp::Eq, d, code)?;
                let cond = Value(self.int_value(cond)?);
                let taken = self.new_block(None);
                let next = self.new_block(None);
                self.push_inst(Inst::Branch {
                    cond,
                    then_block: Block(taken),
                    else_block: Block(next),
                })?;
                self.seal(taken);
                self.seal(next);
                // The request is consumed here: the dispatch variable is void again.
                self.cur = Some(taken);
                let undef = self.undef_value();
                self.defs.insert((var, taken), undef);
                self.perform(route)?;
                self.cur = Some(next);
            }
            // No request matched: none was in flight, so the dispatch variable is void here.
            // Saying so keeps it from flowing back into enclosing loops as phis.
            let undef = self.undef_value();
            if let Some(next) = self.cur {
                self.defs.insert((var, next), undef);
            }
        }
        Ok(())
    }

    // --- finish -------------------------------------------------------------------------------

    /// The finished function, canonical: blocks in creation order (the entry first), values
    /// numbered parameters first then results in block order ([`Function::canonicalize`]),
    /// removed phis gone, unnamed values named with digits, the loops' [`LoopForm`]s in the order
    /// the loops were begun. Seals the blocks still unsealed; terminates unreachable open blocks
    /// with `ret`. Errors if a loop is still open or a reachable block has no terminator.
    pub fn finish(mut self) -> Result<Function, BuildError> {
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
            for inst in &state.insts {
                let mut inst = inst.clone();
                inst.map_uses(resolve);
                insts.push(inst);
            }
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
        Ok(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    // --- helpers ------------------------------------------------------------------------------

    /// A tiny interpreter for the Integer/Bool subset, to check that the SSA built computes what
    /// the source program computes.
    #[derive(Clone, Copy, Debug, PartialEq)]
    enum V {
        I(i64),
        B(bool),
        Void,
    }

    fn run(f: &Function, args: &[i64]) -> V {
        let mut env: HashMap<Value, V> = HashMap::new();
        for (p, a) in f.params.iter().zip(args) {
            env.insert(p.value, V::I(*a));
        }
        let get = |env: &HashMap<Value, V>, v: &Value| *env.get(v).expect("value defined");
        let mut block = Block(0);
        let mut prev: Option<Block> = None;
        for _ in 0..100_000 {
            let insts = &f.blocks[block].insts;
            // Phis read their inputs in parallel.
            let mut phi_vals = Vec::new();
            for inst in insts {
                if let Inst::Phi { dest, inputs } = inst {
                    let p = prev.expect("no phi in the entry");
                    let (_, v) = inputs.iter().find(|(b, _)| *b == p).expect("phi input");
                    phi_vals.push((*dest, get(&env, v)));
                }
            }
            env.extend(phi_vals);
            let mut next = None;
            for inst in insts {
                match inst {
                    Inst::Phi { .. } => {}
                    Inst::Const { dest, value } => {
                        let v = match value {
                            Constant::Int(i) => V::I(*i),
                            Constant::Bool(b) => V::B(*b),
                            Constant::Void => V::Void,
                            other => panic!("unsupported constant {other:?}"),
                        };
                        env.insert(*dest, v);
                    }
                    Inst::Binary { dest, op, lhs, rhs } => {
                        let (V::I(a), V::I(b)) = (get(&env, lhs), get(&env, rhs)) else {
                            panic!("binop on non-integers")
                        };
                        let r = match op {
                            BinOp::Add => a.wrapping_add(b),
                            BinOp::Sub => a.wrapping_sub(b),
                            BinOp::Mul => a.wrapping_mul(b),
                            BinOp::Mod => a % b,
                            other => panic!("unsupported binop {other:?}"),
                        };
                        env.insert(*dest, V::I(r));
                    }
                    Inst::Compare { dest, op, lhs, rhs } => {
                        let (a, b) = (get(&env, lhs), get(&env, rhs));
                        let r = match (op, a, b) {
                            (CmpOp::Eq, a, b) => a == b,
                            (CmpOp::Ne, a, b) => a != b,
                            (CmpOp::Lt, V::I(a), V::I(b)) => a < b,
                            (CmpOp::Le, V::I(a), V::I(b)) => a <= b,
                            (CmpOp::Gt, V::I(a), V::I(b)) => a > b,
                            (CmpOp::Ge, V::I(a), V::I(b)) => a >= b,
                            other => panic!("unsupported compare {other:?}"),
                        };
                        env.insert(*dest, V::B(r));
                    }
                    Inst::Branch {
                        cond,
                        then_block,
                        else_block,
                    } => {
                        let V::B(c) = get(&env, cond) else {
                            panic!("branch on non-Bool")
                        };
                        next = Some(if c { *then_block } else { *else_block });
                    }
                    Inst::Jump { target } => next = Some(*target),
                    Inst::Return { value } => {
                        return value.map(|v| get(&env, &v)).unwrap_or(V::Void);
                    }
                    other => panic!("unsupported instruction {other:?}"),
                }
            }
            prev = Some(block);
            block = next.expect("block ends with a terminator");
        }
        panic!("step limit")
    }

    /// The builder's structural guarantees, then the verifier on a module holding just `f`.
    fn check_wellformed(f: &Function) {
        check_structure(f);
        let mut m = Module::new();
        m.functions.push(f.clone());
        assert_verifies(&m);
    }

    /// The module verifies, and its text parses back to it (the builder's output is canonical).
    fn assert_verifies(m: &Module) {
        let text = crate::text::print(m);
        if let Err(errors) = crate::verify::verify(m) {
            panic!("verifier errors: {errors:#?}\n{text}");
        }
        match crate::text::parse(&text) {
            Ok((parsed, _)) => assert_eq!(&parsed, m, "print/parse round trip:\n{text}"),
            Err(e) => panic!("printed text does not parse: {e:?}\n{text}"),
        }
    }

    /// Structural checks the builder guarantees (independent of the verifier): terminators,
    /// phi placement, one phi input per predecessor, every use defined exactly once.
    fn check_structure(f: &Function) {
        let mut preds: HashMap<Block, Vec<Block>> = HashMap::new();
        for (b, data) in f.blocks.iter() {
            let n = data.insts.len();
            assert!(n > 0, "block {} is empty", data.label);
            for (i, inst) in data.insts.iter().enumerate() {
                assert_eq!(
                    inst.is_terminator(),
                    i == n - 1,
                    "terminator in {}",
                    data.label
                );
            }
            for s in f.successors(b) {
                let p = preds.entry(s).or_default();
                if !p.contains(&b) {
                    p.push(b);
                }
            }
        }
        assert!(!preds.contains_key(&Block(0)), "entry has predecessors");
        let mut defined = HashSet::new();
        for p in &f.params {
            assert!(defined.insert(p.value));
        }
        for (b, data) in f.blocks.iter() {
            let mut phis_done = false;
            for inst in &data.insts {
                if let Some(d) = inst.dest() {
                    assert!(defined.insert(d), "value defined twice");
                }
                if let Inst::Phi { inputs, .. } = inst {
                    assert!(!phis_done, "phi after non-phi in {}", data.label);
                    let mut from: Vec<Block> = inputs.iter().map(|(b, _)| *b).collect();
                    let mut expected = preds.get(&b).cloned().unwrap_or_default();
                    from.sort();
                    expected.sort();
                    assert_eq!(from, expected, "phi inputs of {}", data.label);
                } else {
                    phis_done = true;
                }
            }
        }
        for data in f.blocks.values() {
            for inst in &data.insts {
                inst.for_each_use(|u| assert!(defined.contains(&u), "undefined use"));
            }
        }
        let names: HashSet<&str> = f.values.values().map(|v| v.name.as_str()).collect();
        assert_eq!(names.len(), f.values.len(), "value names unique");
        // Canonical numbering: finishing is idempotent under canonicalize.
        let mut g = f.clone();
        g.canonicalize();
        assert_eq!(&g, f, "not canonical");
        check_loops(f);
    }

    /// LoopForm shape checks: each loop's region (blocks reachable from the header without
    /// passing the exit, which includes `break` and `ret` blocks) is entered only through the
    /// header, and only the latch jumps back to the header, so the region is left only through
    /// the exit (or by returning).
    fn check_loops(f: &Function) {
        let mut reachable: HashSet<Block> = HashSet::new();
        let mut stack = vec![Block(0)];
        while let Some(b) = stack.pop() {
            if reachable.insert(b) {
                stack.extend(f.successors(b));
            }
        }
        for form in &f.loops {
            let mut region: HashSet<Block> = HashSet::new();
            let mut stack = vec![form.header];
            while let Some(b) = stack.pop() {
                if b != form.exit && region.insert(b) {
                    stack.extend(f.successors(b));
                }
            }
            for (p, _) in f.blocks.iter() {
                for s in f.successors(p) {
                    if region.contains(&s) && s != form.header && reachable.contains(&p) {
                        assert!(
                            region.contains(&p),
                            "edge {} -> {} enters loop {} not through its header",
                            f.block_label(p),
                            f.block_label(s),
                            f.block_label(form.header)
                        );
                    }
                    if s == form.header && region.contains(&p) {
                        assert_eq!(p, form.latch, "back edge not from the latch");
                    }
                }
            }
            assert!(region.contains(&form.body));
            assert!(matches!(
                f.terminator(form.header),
                Some(Inst::Branch { then_block, else_block, .. })
                    if *then_block == form.body && *else_block == form.exit
            ));
            assert_eq!(f.successors(form.latch), [form.header]);
        }
    }

    fn block<'a>(f: &'a Function, label: &str) -> &'a BlockData {
        &f.blocks[f.block_by_label(label).expect("label exists")]
    }

    fn bl(f: &Function, label: &str) -> Block {
        f.block_by_label(label).expect("label exists")
    }

    /// The phis of a block, as their inputs `(pred label, defining instruction)`.
    fn phis<'a>(f: &'a Function, label: &str) -> Vec<Vec<(&'a str, &'a Inst)>> {
        block(f, label)
            .insts
            .iter()
            .filter_map(|i| match i {
                Inst::Phi { inputs, .. } => Some(
                    inputs
                        .iter()
                        .map(|(b, v)| (f.block_label(*b), def_of(f, *v)))
                        .collect(),
                ),
                _ => None,
            })
            .collect()
    }

    /// The instruction defining `v` (parameters are not supported).
    fn def_of(f: &Function, v: Value) -> &Inst {
        f.blocks
            .values()
            .flat_map(|b| b.insts.iter())
            .find(|i| i.dest() == Some(v))
            .expect("defined by an instruction")
    }

    fn opcodes(f: &Function, label: &str) -> Vec<&'static str> {
        block(f, label)
            .insts
            .iter()
            .map(Inst::opcode_name)
            .collect()
    }

    fn lf(f: &Function, h: &str, b: &str, l: &str, e: &str) -> LoopForm {
        LoopForm {
            header: bl(f, h),
            body: bl(f, b),
            latch: bl(f, l),
            exit: bl(f, e),
        }
    }

    /// `while i < n { body(i) ; i = i + 1 }` scaffolding is written out in each test on purpose,
    /// so each shows the API as a frontend uses it.
    fn add1(fb: &mut FunctionBuilder, var: Variable) -> Value {
        let v = fb.use_var(var).unwrap();
        let one = fb.iconst(1).unwrap();
        let r = fb.binop(BinOp::Add, v, one).unwrap();
        fb.def_var(var, r).unwrap();
        r
    }

    // --- tests --------------------------------------------------------------------------------

    /// sum(n) = 0 + 1 + ... + (n-1), the module-doc example.
    fn build_sum() -> Function {
        let mut fb = FunctionBuilder::new("sum").unwrap();
        let n = fb.add_param(None);
        let (s, i) = (fb.declare_var(), fb.declare_var());
        let zero = fb.iconst(0).unwrap();
        fb.def_var(s, zero).unwrap();
        fb.def_var(i, zero).unwrap();
        let lp = fb.begin_loop().unwrap();
        let iv = fb.use_var(i).unwrap();
        let c = fb.compare(CmpOp::Lt, iv, n).unwrap();
        fb.loop_condition(&lp, c).unwrap();
        let (sv, iv) = (fb.use_var(s).unwrap(), fb.use_var(i).unwrap());
        let s2 = fb.binop(BinOp::Add, sv, iv).unwrap();
        fb.def_var(s, s2).unwrap();
        add1(&mut fb, i);
        fb.end_loop(lp).unwrap();
        let r = fb.use_var(s).unwrap();
        fb.ret(Some(r)).unwrap();
        fb.finish().unwrap()
    }

    #[test]
    fn sum_loop_shape() {
        let f = build_sum();
        check_wellformed(&f);
        let labels: Vec<&str> = f.blocks.values().map(|b| b.label.as_str()).collect();
        assert_eq!(labels, ["bb0", "bb1", "bb2", "bb3", "bb4"]);
        assert_eq!(f.loops, [lf(&f, "bb1", "bb2", "bb3", "bb4")]);
        assert_eq!(opcodes(&f, "bb0"), ["const", "jump"]);
        assert_eq!(opcodes(&f, "bb1"), ["phi", "phi", "compare", "branch"]);
        assert_eq!(opcodes(&f, "bb2"), ["binop", "const", "binop", "jump"]);
        assert_eq!(opcodes(&f, "bb3"), ["jump"]);
        assert_eq!(opcodes(&f, "bb4"), ["ret"]);
        // i's phi is created first (read by the condition), then s's phi (read in the body).
        let p = phis(&f, "bb1");
        assert_eq!(p.len(), 2);
        for phi in &p {
            assert_eq!(phi[0].0, "bb0");
            assert!(matches!(
                phi[0].1,
                Inst::Const {
                    value: Constant::Int(0),
                    ..
                }
            ));
            assert_eq!(phi[1].0, "bb3");
            assert!(matches!(phi[1].1, Inst::Binary { op: BinOp::Add, .. }));
        }
        // Canonical numbering and automatic names: %0 = n, %1 = const 0, %2, %3 = the phis.
        let names: Vec<&str> = f.values.values().map(|v| v.name.as_str()).collect();
        assert_eq!(names, ["0", "1", "2", "3", "4", "5", "6", "7"]);
        assert_eq!(f.params[0].value, Value(0));
        for (n, want) in [(0, 0), (1, 0), (5, 10), (10, 45)] {
            assert_eq!(run(&f, &[n]), V::I(want));
        }
    }

    /// Nested loops with `continue` and `break` in both, an accumulator live across both loops:
    ///
    /// ```text
    /// acc = 0; i = 0
    /// while i < n {
    ///     i = i + 1
    ///     if i % 3 == 0 { continue }
    ///     j = 0
    ///     while j < i {
    ///         j = j + 1
    ///         if j == 5 { break }
    ///         if j % 2 == 0 { continue }
    ///         acc = acc + j
    ///     }
    ///     if acc > limit { break }
    /// }
    /// ret acc
    /// ```
    fn build_nested() -> Function {
        let mut fb = FunctionBuilder::new("nested").unwrap();
        let n = fb.add_param(None);
        let limit = fb.add_param(None);
        let (acc, i, j) = (fb.declare_var(), fb.declare_var(), fb.declare_var());
        let zero = fb.iconst(0).unwrap();
        fb.def_var(acc, zero).unwrap();
        fb.def_var(i, zero).unwrap();

        let outer = fb.begin_loop().unwrap();
        let iv = fb.use_var(i).unwrap();
        let c = fb.compare(CmpOp::Lt, iv, n).unwrap();
        fb.loop_condition(&outer, c).unwrap();
        let iv = add1(&mut fb, i);
        let three = fb.iconst(3).unwrap();
        let m = fb.binop(BinOp::Mod, iv, three).unwrap();
        let z = fb.iconst(0).unwrap();
        let c = fb.compare(CmpOp::Eq, m, z).unwrap();
        let (then_b, join) = (fb.create_block(), fb.create_block());
        fb.branch(c, then_b, join).unwrap();
        fb.seal_block(then_b).unwrap();
        fb.switch_to_block(then_b).unwrap();
        fb.continue_loop(&outer).unwrap();
        fb.seal_block(join).unwrap();
        fb.switch_to_block(join).unwrap();
        let z = fb.iconst(0).unwrap();
        fb.def_var(j, z).unwrap();

        let inner = fb.begin_loop().unwrap();
        let (jv, iv) = (fb.use_var(j).unwrap(), fb.use_var(i).unwrap());
        let c = fb.compare(CmpOp::Lt, jv, iv).unwrap();
        fb.loop_condition(&inner, c).unwrap();
        let jv = add1(&mut fb, j);
        let five = fb.iconst(5).unwrap();
        let c = fb.compare(CmpOp::Eq, jv, five).unwrap();
        let (brk, next) = (fb.create_block(), fb.create_block());
        fb.branch(c, brk, next).unwrap();
        fb.seal_block(brk).unwrap();
        fb.seal_block(next).unwrap();
        fb.switch_to_block(brk).unwrap();
        fb.break_loop(&inner).unwrap();
        fb.switch_to_block(next).unwrap();
        let two = fb.iconst(2).unwrap();
        let m = fb.binop(BinOp::Mod, jv, two).unwrap();
        let z = fb.iconst(0).unwrap();
        let c = fb.compare(CmpOp::Eq, m, z).unwrap();
        let (cont, add) = (fb.create_block(), fb.create_block());
        fb.branch(c, cont, add).unwrap();
        fb.seal_block(cont).unwrap();
        fb.seal_block(add).unwrap();
        fb.switch_to_block(cont).unwrap();
        fb.continue_loop(&inner).unwrap();
        fb.switch_to_block(add).unwrap();
        let a = fb.use_var(acc).unwrap();
        let a2 = fb.binop(BinOp::Add, a, jv).unwrap();
        fb.def_var(acc, a2).unwrap();
        fb.end_loop(inner).unwrap();

        let a = fb.use_var(acc).unwrap();
        let c = fb.compare(CmpOp::Gt, a, limit).unwrap();
        let (brk, next) = (fb.create_block(), fb.create_block());
        fb.branch(c, brk, next).unwrap();
        fb.seal_block(brk).unwrap();
        fb.seal_block(next).unwrap();
        fb.switch_to_block(brk).unwrap();
        fb.break_loop(&outer).unwrap();
        fb.switch_to_block(next).unwrap();
        fb.end_loop(outer).unwrap();
        let a = fb.use_var(acc).unwrap();
        fb.ret(Some(a)).unwrap();
        fb.finish().unwrap()
    }

    fn nested_reference(n: i64, limit: i64) -> i64 {
        let (mut acc, mut i) = (0, 0);
        while i < n {
            i += 1;
            if i % 3 == 0 {
                continue;
            }
            let mut j = 0;
            while j < i {
                j += 1;
                if j == 5 {
                    break;
                }
                if j % 2 == 0 {
                    continue;
                }
                acc += j;
            }
            if acc > limit {
                break;
            }
        }
        acc
    }

    #[test]
    fn nested_loops_with_break_and_continue() {
        let f = build_nested();
        check_wellformed(&f);
        // Blocks in creation order: bb0; outer bb1..bb4; then/join bb5 bb6; inner bb7..bb10;
        // brk/next bb11 bb12; cont/add bb13 bb14; outer brk/next bb15 bb16.
        assert_eq!(f.blocks.len(), 17);
        assert_eq!(
            f.loops,
            [
                lf(&f, "bb1", "bb2", "bb3", "bb4"),
                lf(&f, "bb7", "bb8", "bb9", "bb10")
            ]
        );
        // Outer header: phis for i and acc (j is never read there: no phi for it).
        let outer = phis(&f, "bb1");
        assert_eq!(outer.len(), 2);
        // Outer latch: reached by `continue` (bb5) and the fall-through (bb16), so it merges
        // acc (i is the same on both edges: its phi was trivial).
        assert_eq!(f.successors(bl(&f, "bb5")), [bl(&f, "bb3")]);
        assert_eq!(f.successors(bl(&f, "bb16")), [bl(&f, "bb3")]);
        assert_eq!(phis(&f, "bb3").len(), 1);
        // Inner header: phis for j and acc; i is loop-invariant there (no phi).
        let inner = phis(&f, "bb7");
        assert_eq!(inner.len(), 2);
        for phi in &inner {
            assert_eq!(phi[0].0, "bb6");
            assert_eq!(phi[1].0, "bb9");
        }
        // Inner latch merges acc from `continue` (bb13) and the fall-through (bb14); the
        // `break` block bb11 has no edge to it.
        let latch = phis(&f, "bb9");
        assert_eq!(latch.len(), 1);
        let from: Vec<&str> = latch[0].iter().map(|(b, _)| *b).collect();
        assert_eq!(from, ["bb13", "bb14"]);
        // Inner exit: from the header and from `break` (bb11). acc is the header's phi on both
        // edges (the break happens before the addition), so its phi there was trivial and is
        // gone; j is never read after the loop.
        assert_eq!(phis(&f, "bb10").len(), 0);
        // `break`s: `jump exit`, inner (bb11) and outer (bb15); the outer exit merges acc from
        // the header and from the break.
        assert_eq!(opcodes(&f, "bb11"), ["jump"]);
        assert_eq!(f.successors(bl(&f, "bb11")), [bl(&f, "bb10")]);
        assert_eq!(opcodes(&f, "bb15"), ["jump"]);
        assert_eq!(f.successors(bl(&f, "bb15")), [bl(&f, "bb4")]);
        let exit: Vec<&str> = phis(&f, "bb4")[0].iter().map(|(b, _)| *b).collect();
        assert_eq!(exit, ["bb1", "bb15"]);
        for n in 0..12 {
            for limit in [0, 5, 20, 1000] {
                assert_eq!(
                    run(&f, &[n, limit]),
                    V::I(nested_reference(n, limit)),
                    "n={n} limit={limit}"
                );
            }
        }
    }

    /// `i = 0; while true { if i * i > n { ret i } i = i + 1 }` with an early return.
    #[test]
    fn early_return_inside_loop() {
        let mut fb = FunctionBuilder::new("isqrt_up").unwrap();
        let n = fb.add_param(None);
        let i = fb.declare_var();
        let z = fb.iconst(0).unwrap();
        fb.def_var(i, z).unwrap();
        let lp = fb.begin_loop().unwrap();
        let t = fb.bconst(true).unwrap();
        fb.loop_condition(&lp, t).unwrap();
        let iv = fb.use_var(i).unwrap();
        let sq = fb.binop(BinOp::Mul, iv, iv).unwrap();
        let c = fb.compare(CmpOp::Gt, sq, n).unwrap();
        let (found, more) = (fb.create_block(), fb.create_block());
        fb.branch(c, found, more).unwrap();
        fb.seal_block(found).unwrap();
        fb.seal_block(more).unwrap();
        fb.switch_to_block(found).unwrap();
        fb.ret(Some(iv)).unwrap();
        fb.switch_to_block(more).unwrap();
        add1(&mut fb, i);
        fb.end_loop(lp).unwrap();
        // The exit is reachable only through the header's false edge.
        let m1 = fb.iconst(-1).unwrap();
        fb.ret(Some(m1)).unwrap();
        let f = fb.finish().unwrap();
        check_wellformed(&f);
        assert_eq!(f.loops, [lf(&f, "bb1", "bb2", "bb3", "bb4")]);
        // i is first read in the body; the body's only predecessor is the (then unsealed)
        // header, so the phi is placed in the header, on demand.
        assert_eq!(opcodes(&f, "bb1"), ["phi", "const", "branch"]);
        assert_eq!(phis(&f, "bb2").len(), 0);
        let p = phis(&f, "bb1");
        assert_eq!(p[0][0].0, "bb0");
        assert!(matches!(
            p[0][0].1,
            Inst::Const {
                value: Constant::Int(0),
                ..
            }
        ));
        // From the latch, whose only predecessor is bb6: i + 1, no phi in the latch.
        assert_eq!(p[0][1].0, "bb3");
        assert!(matches!(p[0][1].1, Inst::Binary { op: BinOp::Add, .. }));
        assert_eq!(phis(&f, "bb3").len(), 0);
        let cfg = crate::analysis::Cfg::new(&f);
        assert_eq!(cfg.predecessors(bl(&f, "bb3")), [bl(&f, "bb6")]);
        // The early return is a plain `ret` of i inside the loop (bb5 is in the loop's region).
        assert_eq!(opcodes(&f, "bb5"), ["ret"]);
        assert!(matches!(
            f.blocks[bl(&f, "bb5")].insts[0],
            Inst::Return { value: Some(v) } if v == f.blocks[bl(&f, "bb1")].insts[0].dest().unwrap()
        ));
        assert_eq!(opcodes(&f, "bb6"), ["const", "binop", "jump"]);
        assert_eq!(f.successors(bl(&f, "bb6")), [bl(&f, "bb3")]);
        // The exit is the code after the loop: no dispatch.
        assert_eq!(opcodes(&f, "bb4"), ["const", "ret"]);
        assert_eq!(f.blocks.len(), 7);
        for (n, want) in [(0, 1), (3, 2), (4, 3), (24, 5), (25, 6)] {
            assert_eq!(run(&f, &[n]), V::I(want));
        }
    }

    /// Two loops in sequence; `sum` and `prod` live across both:
    /// `s = 0; p = 1; i = 1; while i <= n { s += i; i += 1 }`
    /// `j = 1; while j <= n { p *= j; j += 1 }; ret s * 1000 + p`.
    #[test]
    fn accumulators_live_across_loops() {
        let mut fb = FunctionBuilder::new("acc").unwrap();
        let n = fb.add_param(None);
        let (s, p, i, j) = (
            fb.declare_var(),
            fb.declare_var(),
            fb.declare_var(),
            fb.declare_var(),
        );
        let zero = fb.iconst(0).unwrap();
        let one = fb.iconst(1).unwrap();
        fb.def_var(s, zero).unwrap();
        fb.def_var(p, one).unwrap();
        fb.def_var(i, one).unwrap();
        for (counter, acc, op) in [(i, s, BinOp::Add), (j, p, BinOp::Mul)] {
            if counter == j {
                let one = fb.iconst(1).unwrap();
                fb.def_var(j, one).unwrap();
            }
            let lp = fb.begin_loop().unwrap();
            let cv = fb.use_var(counter).unwrap();
            let c = fb.compare(CmpOp::Le, cv, n).unwrap();
            fb.loop_condition(&lp, c).unwrap();
            let (av, cv) = (fb.use_var(acc).unwrap(), fb.use_var(counter).unwrap());
            let a2 = fb.binop(op, av, cv).unwrap();
            fb.def_var(acc, a2).unwrap();
            add1(&mut fb, counter);
            fb.end_loop(lp).unwrap();
        }
        let (sv, pv) = (fb.use_var(s).unwrap(), fb.use_var(p).unwrap());
        let k = fb.iconst(1000).unwrap();
        let t = fb.binop(BinOp::Mul, sv, k).unwrap();
        let r = fb.binop(BinOp::Add, t, pv).unwrap();
        fb.ret(Some(r)).unwrap();
        let f = fb.finish().unwrap();
        check_wellformed(&f);
        assert_eq!(
            f.loops,
            [
                lf(&f, "bb1", "bb2", "bb3", "bb4"),
                lf(&f, "bb5", "bb6", "bb7", "bb8")
            ]
        );
        // First header: i and s. s is not read in the second loop's header, but p is; p is
        // invariant in the first loop, so it has no phi there.
        assert_eq!(phis(&f, "bb1").len(), 2);
        // Second header: j and p only; s flows around the second loop untouched (no phi).
        assert_eq!(phis(&f, "bb5").len(), 2);
        for phi in phis(&f, "bb5") {
            assert_eq!(phi[0].0, "bb4");
            assert_eq!(phi[1].0, "bb7");
        }
        // The final read of s (in bb8) is the first loop's header phi.
        let ret_block = block(&f, "bb8");
        let Inst::Binary { lhs, .. } = &ret_block.insts[1] else {
            panic!("expected the multiplication")
        };
        assert!(matches!(def_of(&f, *lhs), Inst::Phi { .. }));
        assert_eq!(f.block_label(bl(&f, "bb1")), "bb1");
        for (n, s, p) in [(0, 0, 1), (1, 1, 1), (4, 10, 24), (5, 15, 120)] {
            assert_eq!(run(&f, &[n]), V::I(s * 1000 + p));
        }
    }

    /// The swap problem: `a, b = b, a` in a loop (`t = a; a = b; b = t`). The header phis read
    /// each other, so their parallel-copy semantics matters.
    #[test]
    fn swap_in_loop() {
        let mut fb = FunctionBuilder::new("swap").unwrap();
        let n = fb.add_param(None);
        let (a, b, i) = (fb.declare_var(), fb.declare_var(), fb.declare_var());
        let x = fb.iconst(10).unwrap();
        let y = fb.iconst(20).unwrap();
        let z = fb.iconst(0).unwrap();
        fb.def_var(a, x).unwrap();
        fb.def_var(b, y).unwrap();
        fb.def_var(i, z).unwrap();
        let lp = fb.begin_loop().unwrap();
        let iv = fb.use_var(i).unwrap();
        let c = fb.compare(CmpOp::Lt, iv, n).unwrap();
        fb.loop_condition(&lp, c).unwrap();
        let t = fb.use_var(a).unwrap();
        let bv = fb.use_var(b).unwrap();
        fb.def_var(a, bv).unwrap();
        fb.def_var(b, t).unwrap();
        add1(&mut fb, i);
        fb.end_loop(lp).unwrap();
        let (av, bv) = (fb.use_var(a).unwrap(), fb.use_var(b).unwrap());
        let k = fb.iconst(100).unwrap();
        let t = fb.binop(BinOp::Mul, av, k).unwrap();
        let r = fb.binop(BinOp::Add, t, bv).unwrap();
        fb.ret(Some(r)).unwrap();
        let f = fb.finish().unwrap();
        check_wellformed(&f);
        // Header: i's phi (condition), then a's and b's (body). a's latch input is b's phi and
        // b's latch input is a's phi.
        let header = block(&f, "bb1");
        let phi_insts: Vec<&Inst> = header
            .insts
            .iter()
            .filter(|i| matches!(i, Inst::Phi { .. }))
            .collect();
        assert_eq!(phi_insts.len(), 3);
        let (
            Inst::Phi {
                dest: pa,
                inputs: ia,
            },
            Inst::Phi {
                dest: pb,
                inputs: ib,
            },
        ) = (phi_insts[1], phi_insts[2])
        else {
            unreachable!()
        };
        assert_eq!(ia[1], (bl(&f, "bb3"), *pb));
        assert_eq!(ib[1], (bl(&f, "bb3"), *pa));
        assert!(matches!(
            def_of(&f, ia[0].1),
            Inst::Const {
                value: Constant::Int(10),
                ..
            }
        ));
        assert!(matches!(
            def_of(&f, ib[0].1),
            Inst::Const {
                value: Constant::Int(20),
                ..
            }
        ));
        for (n, want) in [(0, 1020), (1, 2010), (2, 1020), (7, 2010)] {
            assert_eq!(run(&f, &[n]), V::I(want));
        }
    }

    /// `k = 0; while flag != true { flag = (k >= 3); k = k + 1 }; ret k`: the condition reads a
    /// variable that is only defined in the body, so on entry it is the `void` undefined value.
    #[test]
    fn condition_uses_variable_defined_in_body() {
        let mut fb = FunctionBuilder::new("count").unwrap();
        let (flag, k) = (fb.declare_var(), fb.declare_var());
        let z = fb.iconst(0).unwrap();
        fb.def_var(k, z).unwrap();
        let lp = fb.begin_loop().unwrap();
        let fv = fb.use_var(flag).unwrap();
        let t = fb.bconst(true).unwrap();
        let c = fb.compare(CmpOp::Ne, fv, t).unwrap();
        fb.loop_condition(&lp, c).unwrap();
        let kv = fb.use_var(k).unwrap();
        let three = fb.iconst(3).unwrap();
        let fl = fb.compare(CmpOp::Ge, kv, three).unwrap();
        fb.def_var(flag, fl).unwrap();
        add1(&mut fb, k);
        fb.end_loop(lp).unwrap();
        let kv = fb.use_var(k).unwrap();
        fb.ret(Some(kv)).unwrap();
        let f = fb.finish().unwrap();
        check_wellformed(&f);
        // The entry starts with the `const void` standing for the undefined flag.
        assert_eq!(opcodes(&f, "bb0"), ["const", "const", "jump"]);
        let entry = block(&f, "bb0");
        assert!(matches!(
            entry.insts[0],
            Inst::Const {
                value: Constant::Void,
                ..
            }
        ));
        let p = phis(&f, "bb1");
        assert_eq!(p.len(), 2);
        assert!(matches!(
            p[0][0].1,
            Inst::Const {
                value: Constant::Void,
                ..
            }
        ));
        assert!(matches!(p[0][1].1, Inst::Compare { op: CmpOp::Ge, .. }));
        // k = 0: flag = false; k = 1.. until k = 3 sets flag: k ends at 4.
        assert_eq!(run(&f, &[]), V::I(4));
    }

    /// Variables unchanged in loops get no phis, even through nested loops where the inner
    /// header's phi uses the outer header's phi (recursive trivial-phi removal).
    #[test]
    fn trivial_phis_removed_recursively() {
        let mut fb = FunctionBuilder::new("inv").unwrap();
        let n = fb.add_param(None);
        let (x, i, j) = (fb.declare_var(), fb.declare_var(), fb.declare_var());
        let seven = fb.iconst(7).unwrap();
        let z = fb.iconst(0).unwrap();
        fb.def_var(x, seven).unwrap();
        fb.def_var(i, z).unwrap();
        let outer = fb.begin_loop().unwrap();
        let iv = fb.use_var(i).unwrap();
        let c = fb.compare(CmpOp::Lt, iv, n).unwrap();
        fb.loop_condition(&outer, c).unwrap();
        fb.def_var(j, z).unwrap();
        let inner = fb.begin_loop().unwrap();
        let jv = fb.use_var(j).unwrap();
        // x read in the inner header while both headers are unsealed: incomplete phis in both.
        let xv = fb.use_var(x).unwrap();
        let c = fb.compare(CmpOp::Lt, jv, xv).unwrap();
        fb.loop_condition(&inner, c).unwrap();
        // x = x (a copy through the variable): still invariant.
        let xv = fb.use_var(x).unwrap();
        fb.def_var(x, xv).unwrap();
        add1(&mut fb, j);
        fb.end_loop(inner).unwrap();
        add1(&mut fb, i);
        fb.end_loop(outer).unwrap();
        let xv = fb.use_var(x).unwrap();
        fb.ret(Some(xv)).unwrap();
        let f = fb.finish().unwrap();
        check_wellformed(&f);
        // Only the counters have phis: i in the outer header, j in the inner header.
        assert_eq!(phis(&f, "bb1").len(), 1);
        assert_eq!(phis(&f, "bb5").len(), 1);
        let total_phis = f
            .blocks
            .values()
            .flat_map(|b| &b.insts)
            .filter(|i| matches!(i, Inst::Phi { .. }))
            .count();
        assert_eq!(total_phis, 2);
        // The returned value is the constant 7 itself.
        let Some(Inst::Return { value: Some(r) }) = block(&f, "bb4").insts.last() else {
            panic!("ret")
        };
        assert!(matches!(
            def_of(&f, *r),
            Inst::Const {
                value: Constant::Int(7),
                ..
            }
        ));
        assert_eq!(run(&f, &[3]), V::I(7));
    }

    /// If/else diamond: a phi only where the arms differ.
    #[test]
    fn diamond_phis() {
        let mut fb = FunctionBuilder::new("max").unwrap();
        let a = fb.add_param(None);
        let b = fb.add_param(None);
        let (m, same) = (fb.declare_var(), fb.declare_var());
        fb.def_var(same, a).unwrap();
        let c = fb.compare(CmpOp::Gt, a, b).unwrap();
        let (t, e, j) = (
            fb.create_block(),
            fb.create_named_block("else_arm").unwrap(),
            fb.create_block(),
        );
        fb.branch(c, t, e).unwrap();
        fb.seal_block(t).unwrap();
        fb.seal_block(e).unwrap();
        fb.switch_to_block(t).unwrap();
        fb.def_var(m, a).unwrap();
        fb.jump(j).unwrap();
        fb.switch_to_block(e).unwrap();
        fb.def_var(m, b).unwrap();
        fb.jump(j).unwrap();
        fb.seal_block(j).unwrap();
        fb.switch_to_block(j).unwrap();
        let mv = fb.use_var(m).unwrap();
        let sv = fb.use_var(same).unwrap();
        assert_eq!(sv, a, "no phi for a variable equal on both arms");
        let r = fb.binop(BinOp::Sub, mv, sv).unwrap();
        fb.ret(Some(r)).unwrap();
        let f = fb.finish().unwrap();
        check_wellformed(&f);
        let labels: Vec<&str> = f.blocks.values().map(|b| b.label.as_str()).collect();
        assert_eq!(labels, ["bb0", "bb1", "else_arm", "bb2"]);
        assert_eq!(opcodes(&f, "bb2"), ["phi", "binop", "ret"]);
        assert_eq!(run(&f, &[5, 3]), V::I(0));
        assert_eq!(run(&f, &[3, 5]), V::I(2));
    }

    /// Code after `ret` and after `break` goes into unreachable blocks, which end up terminated.
    #[test]
    fn dead_code_after_terminators() {
        let mut fb = FunctionBuilder::new("dead").unwrap();
        let x = fb.declare_var();
        let one = fb.iconst(1).unwrap();
        fb.def_var(x, one).unwrap();
        let lp = fb.begin_loop().unwrap();
        let t = fb.bconst(true).unwrap();
        fb.loop_condition(&lp, t).unwrap();
        fb.break_loop(&lp).unwrap();
        assert_eq!(fb.current_block(), None);
        // `x = 2` after `break`: dead code, into a fresh block (bb5) that falls to the latch.
        let two = fb.iconst(2).unwrap();
        fb.def_var(x, two).unwrap();
        let dead = fb.current_block().unwrap();
        assert_eq!(fb.block_label(dead).unwrap(), "bb5");
        fb.end_loop(lp).unwrap();
        let xv = fb.use_var(x).unwrap();
        fb.ret(Some(xv)).unwrap();
        // Dead code after `ret`, left open: it gets a bare `ret` at finish.
        let three = fb.iconst(3).unwrap();
        fb.def_var(x, three).unwrap();
        let f = fb.finish().unwrap();
        check_wellformed(&f);
        assert_eq!(f.blocks.len(), 7);
        // The break: `jump exit`. The latch is reached only from the dead block bb5, so the
        // loop never iterates and gets no LoopForm.
        assert_eq!(opcodes(&f, "bb2"), ["jump"]);
        assert_eq!(f.successors(bl(&f, "bb2")), [bl(&f, "bb4")]);
        assert!(f.loops.is_empty());
        assert_eq!(opcodes(&f, "bb5"), ["const", "jump"]);
        assert_eq!(f.successors(bl(&f, "bb5")), [bl(&f, "bb3")]);
        assert_eq!(opcodes(&f, "bb6"), ["const", "ret"]);
        // Reading x in the exit reaches the header, whose phi merges 1 (preheader) and the
        // latch's value, 2 from the dead block (the latch's only predecessor): a real phi,
        // harmless. The exit's own phi (header vs. break edge) is trivial.
        let p = phis(&f, "bb1");
        assert_eq!(p.len(), 1);
        assert_eq!(p[0][0].0, "bb0");
        assert!(matches!(
            p[0][0].1,
            Inst::Const {
                value: Constant::Int(1),
                ..
            }
        ));
        assert_eq!(p[0][1].0, "bb3");
        assert!(matches!(
            p[0][1].1,
            Inst::Const {
                value: Constant::Int(2),
                ..
            }
        ));
        assert_eq!(phis(&f, "bb3").len(), 0);
        assert_eq!(phis(&f, "bb4").len(), 0);
        assert_eq!(run(&f, &[]), V::I(1));
    }

    /// All 14 instructions and every call form through the typed methods.
    #[test]
    fn every_instruction() {
        let mut mb = ModuleBuilder::new();
        let point = mb.declare_box("Point", &["x", "y"]).unwrap();
        let main = mb.declare_function("main").unwrap();
        let norm = mb.declare_method(point, "norm").unwrap();
        assert_eq!(mb.function_name(norm), Some("Point.norm"));
        assert_eq!(mb.function_by_name("Point.norm"), Some(norm));
        assert_eq!(mb.box_by_name("Point"), Some(point));

        let mut fb = mb.function_builder(norm).unwrap();
        let me = fb.add_param(Some(TypeName::User(point)));
        fb.set_value_name(me, "me").unwrap();
        fb.set_return_type(Some(TypeName::Integer));
        let x = fb.load(me, "x").unwrap();
        fb.ret(Some(x)).unwrap();
        mb.define_function(fb).unwrap();

        let mut fb = mb.function_builder(main).unwrap();
        let i = fb.iconst(3).unwrap();
        let fl = fb.fconst(2.5).unwrap();
        let b = fb.bconst(false).unwrap();
        let s = fb.sconst("hi\n").unwrap();
        let v = fb.void().unwrap();
        let fr = fb.func_ref(norm).unwrap();
        let neg = fb.unary(UnaryOp::Neg, i).unwrap();
        let sum = fb.binop(BinOp::Add, neg, fl).unwrap();
        let cmp = fb.compare(CmpOp::Le, sum, i).unwrap();
        let chk = fb.type_check(v, TypeName::Void).unwrap();
        let cast = fb.type_cast(fl, TypeName::Integer).unwrap();
        let ty = fb.type_of(s).unwrap();
        let p = fb.new_box(BoxClass::User(point), &[]).unwrap();
        fb.store(p, "x", cast).unwrap();
        let arr = fb.new_box(BoxClass::Array, &[i, s]).unwrap();
        let r1 = fb.call_global(norm, &[p]).unwrap();
        let r2 = fb.call_method(arr, "length", &[]).unwrap();
        let r3 = fb
            .call(
                Callee::Method {
                    box_name: Some(point),
                    method: "norm".into(),
                    receiver: p,
                },
                &[],
            )
            .unwrap();
        fb.call_discard(Callee::Value(fr), &[p]).unwrap();
        let line = fb.extern_call(ExternFn::StdinReadLine, &[]).unwrap();
        fb.extern_call_discard(ExternFn::ConsoleLog, &[ty]).unwrap();
        let (t, e) = (fb.create_block(), fb.create_block());
        fb.branch(cmp, t, e).unwrap();
        fb.seal_block(t).unwrap();
        fb.switch_to_block(t).unwrap();
        fb.jump(e).unwrap();
        fb.seal_block(e).unwrap();
        fb.switch_to_block(e).unwrap();
        let ph = fb.phi(&[(fb.entry_block(), r1), (t, r2)]).unwrap();
        let all = [b, chk, r3, line, ph];
        let arr2 = fb.new_box(BoxClass::Array, &all).unwrap();
        fb.extern_call_discard(ExternFn::ConsoleLog, &[arr2])
            .unwrap();
        fb.ret(None).unwrap();
        mb.define_function(fb).unwrap();
        let m = mb.finish().unwrap();

        let f = &m.functions[main];
        check_structure(f);
        assert_verifies(&m);
        // `load` is in @Point.norm, the other 13 kinds in @main.
        let ops: Vec<&str> = m
            .functions
            .values()
            .flat_map(|f| f.blocks.values())
            .flat_map(|b| &b.insts)
            .map(Inst::opcode_name)
            .collect();
        let kinds: HashSet<&str> = ops.iter().copied().collect();
        assert_eq!(kinds.len(), 14, "{ops:?}");
        assert_eq!(m.functions[norm].params[0].ty, Some(TypeName::User(point)));
        assert_eq!(m.functions[norm].ret_type, Some(TypeName::Integer));
        assert_eq!(m.functions[norm].value_name(Value(0)), "me");
        assert!(matches!(
            &f.blocks[Block(0)].insts[3],
            Inst::Const { value: Constant::Str(s), .. } if s == "hi\n"
        ));
        assert!(f.blocks[Block(0)].insts.iter().any(|i| matches!(
            i,
            Inst::Call {
                dest: None,
                callee: Callee::Value(_),
                ..
            }
        )));
        assert!(f.blocks[Block(0)].insts.iter().any(|i| matches!(
            i,
            Inst::ExternCall {
                dest: None,
                callee: Callee::Extern(ExternFn::ConsoleLog),
                ..
            }
        )));
    }

    #[test]
    fn value_and_block_names() {
        let mut fb = FunctionBuilder::new("names").unwrap();
        let p = fb.add_param(None);
        fb.set_value_name(p, "1").unwrap();
        let a = fb.iconst(1).unwrap();
        let b = fb.iconst(2).unwrap();
        fb.set_value_name(b, "x").unwrap();
        assert_eq!(
            fb.set_value_name(a, "x"),
            Err(BuildError::DuplicateValueName("x".into()))
        );
        assert!(matches!(
            fb.set_value_name(a, "%y"),
            Err(BuildError::InvalidName { kind: "value", .. })
        ));
        // Renaming frees the old name.
        fb.set_value_name(b, "y").unwrap();
        fb.set_value_name(a, "x").unwrap();
        let c = fb.binop(BinOp::Add, a, b).unwrap();
        let named = fb.create_named_block("bb1").unwrap();
        let auto = fb.create_block();
        assert_eq!(fb.block_label(auto).unwrap(), "bb2", "bb1 is taken");
        assert_eq!(
            fb.create_named_block("bb2"),
            Err(BuildError::DuplicateLabel("bb2".into()))
        );
        assert!(fb.create_named_block("9lives").is_err());
        fb.rename_block(auto, "after").unwrap();
        fb.jump(named).unwrap();
        fb.seal_block(named).unwrap();
        fb.switch_to_block(named).unwrap();
        fb.jump(auto).unwrap();
        fb.seal_block(auto).unwrap();
        fb.switch_to_block(auto).unwrap();
        fb.ret(Some(c)).unwrap();
        let f = fb.finish().unwrap();
        check_wellformed(&f);
        let names: Vec<&str> = f.values.values().map(|v| v.name.as_str()).collect();
        // The parameter took "1"; the automatic name of the addition skips it.
        assert_eq!(names, ["1", "x", "y", "0"]);
        let labels: Vec<&str> = f.blocks.values().map(|b| b.label.as_str()).collect();
        assert_eq!(labels, ["bb0", "bb1", "after"]);
    }

    #[test]
    fn misuse_is_reported() {
        let mut fb = FunctionBuilder::new("bad").unwrap();
        let mut other = FunctionBuilder::new("other").unwrap();
        let foreign_v = other.iconst(1).unwrap();
        let foreign_b = other.create_block();
        let foreign_var = other.declare_var();
        let v = fb.iconst(1).unwrap();
        assert_eq!(
            fb.binop(BinOp::Add, v, foreign_v),
            Err(BuildError::ForeignValue(foreign_v))
        );
        assert_eq!(fb.jump(foreign_b), Err(BuildError::ForeignBlock(foreign_b)));
        assert_eq!(fb.use_var(foreign_var), Err(BuildError::ForeignVariable));
        assert_eq!(fb.jump(fb.entry_block()), Err(BuildError::EntryBlockTarget));
        assert_eq!(
            fb.call(Callee::Extern(ExternFn::Args), &[]),
            Err(BuildError::ExternInCall)
        );
        assert!(matches!(
            fb.extern_call(ExternFn::ConsoleLog, &[]),
            Err(BuildError::WrongArgCount {
                expected: 1,
                got: 0,
                ..
            })
        ));
        assert!(matches!(
            fb.new_box(BoxClass::Map, &[v]),
            Err(BuildError::WrongArgCount {
                expected: 0,
                got: 1,
                ..
            })
        ));
        // A phi after a non-phi instruction.
        assert_eq!(fb.phi(&[]), Err(BuildError::PhiNotLeading("bb0".into())));

        // Appending to a terminated block after switching back to it.
        let b = fb.create_block();
        fb.jump(b).unwrap();
        fb.seal_block(b).unwrap();
        assert_eq!(fb.jump(b), Err(BuildError::SealedBlockTarget("bb1".into())));
        fb.switch_to_block(fb.entry_block()).unwrap();
        assert_eq!(fb.iconst(2), Err(BuildError::BlockTerminated("bb0".into())));
        assert_eq!(fb.ret(None), Err(BuildError::BlockTerminated("bb0".into())));
        assert!(fb.begin_loop().is_err());

        // Loops: condition outside the header, break before the condition, break to an outer
        // loop, ending the outer loop first.
        fb.switch_to_block(b).unwrap();
        let outer = fb.begin_loop().unwrap();
        assert_eq!(fb.break_loop(&outer), Err(BuildError::LoopConditionMissing));
        assert_eq!(
            fb.seal_block(outer.header()),
            Err(BuildError::LoopBlockSealed("bb2".into()))
        );
        assert_eq!(
            fb.jump(outer.body()),
            Err(BuildError::LoopBlockTarget("bb3".into()))
        );
        let t = fb.bconst(true).unwrap();
        fb.loop_condition(&outer, t).unwrap();
        assert_eq!(
            fb.loop_condition(&outer, t),
            Err(BuildError::LoopConditionNotInHeader)
        );
        let inner = fb.begin_loop().unwrap();
        let t2 = fb.bconst(true).unwrap();
        fb.loop_condition(&inner, t2).unwrap();
        assert_eq!(fb.jump(outer.exit()), Err(BuildError::NotInnermostLoop));
        assert_eq!(fb.jump(outer.latch()), Err(BuildError::NotInnermostLoop));
        assert_eq!(fb.end_loop(outer), Err(BuildError::NotInnermostLoop));
        let mut third = FunctionBuilder::new("third").unwrap();
        let foreign_loop = third.begin_loop().unwrap();
        assert_eq!(fb.end_loop(foreign_loop), Err(BuildError::ForeignLoop));
        fb.continue_loop(&inner).unwrap();
        fb.end_loop(inner).unwrap();
        // `outer` was consumed by the failed end_loop above: the loop stays open.
        let open = block_label_of_unclosed(fb);
        assert_eq!(open, Err(BuildError::UnclosedLoop("bb2".into())));

        // A reachable block without a terminator.
        let mut fb = FunctionBuilder::new("open").unwrap();
        let b = fb.create_block();
        fb.jump(b).unwrap();
        fb.switch_to_block(b).unwrap();
        fb.iconst(1).unwrap();
        assert_eq!(
            fb.finish(),
            Err(BuildError::MissingTerminator("bb1".into()))
        );
        assert!(FunctionBuilder::new("a.b.c").is_err());
    }

    fn block_label_of_unclosed(fb: FunctionBuilder) -> Result<Function, BuildError> {
        fb.finish()
    }

    #[test]
    fn module_builder_misuse() {
        let mut mb = ModuleBuilder::new();
        assert_eq!(
            mb.declare_box("Integer", &[]),
            Err(BuildError::BuiltinBoxName("Integer".into()))
        );
        assert_eq!(
            mb.declare_box("ArrayBox", &[]),
            Err(BuildError::BuiltinBoxName("ArrayBox".into()))
        );
        assert!(matches!(
            mb.declare_box("P", &["x", "x"]),
            Err(BuildError::DuplicateField { .. })
        ));
        let p = mb.declare_box("P", &["x"]).unwrap();
        assert_eq!(
            mb.declare_box("P", &[]),
            Err(BuildError::DuplicateBox("P".into()))
        );
        let f = mb.declare_function("f").unwrap();
        assert_eq!(
            mb.declare_function("f"),
            Err(BuildError::DuplicateFunction("f".into()))
        );
        assert!(mb.declare_function("@f").is_err());
        assert!(mb.declare_method(BoxId(9), "m").is_err());
        let m = mb.declare_method(p, "m").unwrap();

        // A builder from another module, or a standalone one, is refused.
        let mut other = ModuleBuilder::new();
        let g = other.declare_function("f").unwrap();
        let ofb = other.function_builder(g).unwrap();
        assert_eq!(
            mb.define_function(ofb),
            Err(BuildError::ForeignFunctionBuilder("f".into()))
        );
        let lone = FunctionBuilder::new("f").unwrap();
        assert!(mb.define_function(lone).is_err());

        // Unknown entities referred to by a body.
        let mut fb = mb.function_builder(f).unwrap();
        fb.call_global(FuncId(42), &[]).unwrap();
        fb.ret(None).unwrap();
        assert_eq!(
            mb.define_function(fb),
            Err(BuildError::UnknownFunction(FuncId(42)))
        );
        let mut fb = mb.function_builder(f).unwrap();
        fb.ret(None).unwrap();
        mb.define_function(fb).unwrap();
        assert!(mb.is_defined(f));
        assert_eq!(
            mb.function_builder(f).err(),
            Some(BuildError::AlreadyDefined("f".into()))
        );
        // @P.m is declared but not defined.
        assert_eq!(
            ModuleBuilder::finish(mb),
            Err(BuildError::UndefinedFunction("P.m".into()))
        );
        let _ = m;
    }

    /// Labelled break/continue across three loop levels:
    ///
    /// ```text
    /// acc = 0; i = 0
    /// 'a: while i < n { i += 1; j = 0
    ///   'b: while j < n { j += 1; k = 0
    ///     while k < n { k += 1
    ///       if k == j { continue 'b }
    ///       if i * j * k == 12 { break 'a }
    ///       acc = acc + i * 100 + j * 10 + k
    ///     }
    ///     if j == i { continue 'a }
    ///   }
    /// }
    /// ret acc
    /// ```
    #[test]
    fn labelled_break_and_continue() {
        let mut fb = FunctionBuilder::new("labels").unwrap();
        let n = fb.add_param(None);
        let (acc, i, j, k) = (
            fb.declare_var(),
            fb.declare_var(),
            fb.declare_var(),
            fb.declare_var(),
        );
        let z = fb.iconst(0).unwrap();
        fb.def_var(acc, z).unwrap();
        fb.def_var(i, z).unwrap();
        let la = fb.begin_loop().unwrap();
        let iv = fb.use_var(i).unwrap();
        let c = fb.compare(CmpOp::Lt, iv, n).unwrap();
        fb.loop_condition(&la, c).unwrap();
        add1(&mut fb, i);
        let z = fb.iconst(0).unwrap();
        fb.def_var(j, z).unwrap();
        let lb = fb.begin_loop().unwrap();
        let jv = fb.use_var(j).unwrap();
        let c = fb.compare(CmpOp::Lt, jv, n).unwrap();
        fb.loop_condition(&lb, c).unwrap();
        add1(&mut fb, j);
        let z = fb.iconst(0).unwrap();
        fb.def_var(k, z).unwrap();
        let lc = fb.begin_loop().unwrap();
        let kv = fb.use_var(k).unwrap();
        let c = fb.compare(CmpOp::Lt, kv, n).unwrap();
        fb.loop_condition(&lc, c).unwrap();
        let kv = add1(&mut fb, k);
        let jv = fb.use_var(j).unwrap();
        let c = fb.compare(CmpOp::Eq, kv, jv).unwrap();
        let (t, e) = (fb.create_block(), fb.create_block());
        fb.branch(c, t, e).unwrap();
        fb.seal_block(t).unwrap();
        fb.seal_block(e).unwrap();
        fb.switch_to_block(t).unwrap();
        fb.continue_loop(&lb).unwrap();
        fb.switch_to_block(e).unwrap();
        let iv = fb.use_var(i).unwrap();
        let p = fb.binop(BinOp::Mul, iv, jv).unwrap();
        let p = fb.binop(BinOp::Mul, p, kv).unwrap();
        let twelve = fb.iconst(12).unwrap();
        let c = fb.compare(CmpOp::Eq, p, twelve).unwrap();
        let (t, e) = (fb.create_block(), fb.create_block());
        fb.branch(c, t, e).unwrap();
        fb.seal_block(t).unwrap();
        fb.seal_block(e).unwrap();
        fb.switch_to_block(t).unwrap();
        fb.break_loop(&la).unwrap();
        fb.switch_to_block(e).unwrap();
        let hundred = fb.iconst(100).unwrap();
        let ten = fb.iconst(10).unwrap();
        let a = fb.binop(BinOp::Mul, iv, hundred).unwrap();
        let b = fb.binop(BinOp::Mul, jv, ten).unwrap();
        let s = fb.binop(BinOp::Add, a, b).unwrap();
        let s = fb.binop(BinOp::Add, s, kv).unwrap();
        let av = fb.use_var(acc).unwrap();
        let s = fb.binop(BinOp::Add, av, s).unwrap();
        fb.def_var(acc, s).unwrap();
        fb.end_loop(lc).unwrap();
        let (jv, iv) = (fb.use_var(j).unwrap(), fb.use_var(i).unwrap());
        let c = fb.compare(CmpOp::Eq, jv, iv).unwrap();
        let (t, e) = (fb.create_block(), fb.create_block());
        fb.branch(c, t, e).unwrap();
        fb.seal_block(t).unwrap();
        fb.seal_block(e).unwrap();
        fb.switch_to_block(t).unwrap();
        fb.continue_loop(&la).unwrap();
        fb.switch_to_block(e).unwrap();
        fb.end_loop(lb).unwrap();
        fb.end_loop(la).unwrap();
        let av = fb.use_var(acc).unwrap();
        fb.ret(Some(av)).unwrap();
        let f = fb.finish().unwrap();
        check_wellformed(&f);
        assert_eq!(f.loops.len(), 3);
        let reference = |n: i64| {
            let (mut acc, mut i) = (0, 0);
            'a: while i < n {
                i += 1;
                let mut j = 0;
                'b: while j < n {
                    j += 1;
                    let mut k = 0;
                    while k < n {
                        k += 1;
                        if k == j {
                            continue 'b;
                        }
                        if i * j * k == 12 {
                            break 'a;
                        }
                        acc += i * 100 + j * 10 + k;
                    }
                    if j == i {
                        continue 'a;
                    }
                }
            }
            acc
        };
        for n in 0..7 {
            assert_eq!(run(&f, &[n]), V::I(reference(n)), "n={n}");
        }
    }

    /// Long chains of blocks and deep loop nests do not overflow the stack: SSA construction
    /// is iterative.
    #[test]
    fn long_chains_and_deep_nests() {
        // 20000 if/else diamonds; x (defined in the entry) is read only at the very end, and y
        // is incremented on one arm of each diamond.
        let mut fb = FunctionBuilder::new("chain").unwrap();
        let (x, y) = (fb.declare_var(), fb.declare_var());
        let seven = fb.iconst(7).unwrap();
        let z = fb.iconst(0).unwrap();
        fb.def_var(x, seven).unwrap();
        fb.def_var(y, z).unwrap();
        let t = fb.bconst(true).unwrap();
        for _ in 0..20_000 {
            let (a, b, j) = (fb.create_block(), fb.create_block(), fb.create_block());
            fb.branch(t, a, b).unwrap();
            fb.seal_block(a).unwrap();
            fb.seal_block(b).unwrap();
            fb.switch_to_block(a).unwrap();
            fb.jump(j).unwrap();
            fb.switch_to_block(b).unwrap();
            fb.jump(j).unwrap();
            fb.seal_block(j).unwrap();
            fb.switch_to_block(j).unwrap();
        }
        let xv = fb.use_var(x).unwrap();
        assert_eq!(xv, seven);
        fb.ret(Some(xv)).unwrap();
        let f = fb.finish().unwrap();
        assert_eq!(f.blocks.len(), 60_001);
        assert!(f
            .blocks
            .values()
            .all(|b| !b.insts.iter().any(|i| matches!(i, Inst::Phi { .. }))));

        // 300 nested loops, a counter read only in the innermost body.
        let mut fb = FunctionBuilder::new("deep").unwrap();
        let c = fb.declare_var();
        let z = fb.iconst(0).unwrap();
        fb.def_var(c, z).unwrap();
        let mut loops = Vec::new();
        for _ in 0..300 {
            let lp = fb.begin_loop().unwrap();
            let f = fb.bconst(false).unwrap();
            fb.loop_condition(&lp, f).unwrap();
            loops.push(lp);
        }
        add1(&mut fb, c);
        while let Some(lp) = loops.pop() {
            fb.end_loop(lp).unwrap();
        }
        let cv = fb.use_var(c).unwrap();
        fb.ret(Some(cv)).unwrap();
        let f = fb.finish().unwrap();
        check_wellformed(&f);
        assert_eq!(f.loops.len(), 300);
        // The counter has a phi in every header and none elsewhere.
        for form in &f.loops {
            let n = f.blocks[form.header]
                .insts
                .iter()
                .filter(|i| matches!(i, Inst::Phi { .. }))
                .count();
            assert_eq!(n, 1);
        }
        assert_eq!(run(&f, &[]), V::I(0));
    }

    /// The module-doc example, printed. Checked by hand: values numbered in block order, `%n`
    /// keeps its name, i's phi first (read by the condition), s's phi second (read in the body).
    #[test]
    fn snapshot_sum() {
        let mut mb = ModuleBuilder::new();
        let sum = mb.declare_function("sum").unwrap();
        let mut fb = mb.function_builder(sum).unwrap();
        let n = fb.add_param(Some(TypeName::Integer));
        fb.set_value_name(n, "n").unwrap();
        fb.set_return_type(Some(TypeName::Integer));
        let (s, i) = (fb.declare_var(), fb.declare_var());
        let zero = fb.iconst(0).unwrap();
        fb.def_var(s, zero).unwrap();
        fb.def_var(i, zero).unwrap();
        let lp = fb.begin_loop().unwrap();
        let iv = fb.use_var(i).unwrap();
        let cond = fb.compare(CmpOp::Lt, iv, n).unwrap();
        fb.loop_condition(&lp, cond).unwrap();
        let (sv, iv) = (fb.use_var(s).unwrap(), fb.use_var(i).unwrap());
        let s2 = fb.binop(BinOp::Add, sv, iv).unwrap();
        fb.def_var(s, s2).unwrap();
        let one = fb.iconst(1).unwrap();
        let i2 = fb.binop(BinOp::Add, iv, one).unwrap();
        fb.def_var(i, i2).unwrap();
        fb.end_loop(lp).unwrap();
        let result = fb.use_var(s).unwrap();
        fb.ret(Some(result)).unwrap();
        mb.define_function(fb).unwrap();
        let m = mb.finish().unwrap();
        assert_verifies(&m);
        let expected = "\
fn @sum(%n: Integer) -> Integer {
  loop header=bb1 body=bb2 latch=bb3 exit=bb4
bb0:
  %0 = const 0
  jump bb1
bb1:
  %1 = phi [bb0: %0], [bb3: %6]
  %2 = phi [bb0: %0], [bb3: %4]
  %3 = compare lt %1, %n
  branch %3, bb2, bb4
bb2:
  %4 = binop add %2, %1
  %5 = const 1
  %6 = binop add %1, %5
  jump bb3
bb3:
  jump bb1
bb4:
  ret %2
}
";
        assert_eq!(crate::text::print(&m), expected);
        let (parsed, _) = crate::text::parse(expected).unwrap();
        assert_eq!(parsed, m);
    }

    /// `while i < n { i += 1; if i > 1 { if i == n { ret i } break } s += i }; ret s`: a `ret`
    /// and a `break` under nested `if`s inside a loop are plain `ret` and `jump exit`, and the
    /// LoopForm verifies (both blocks are in its region). Printed text checked by hand.
    #[test]
    fn snapshot_break_and_ret_in_nested_if() {
        let mut mb = ModuleBuilder::new();
        let fid = mb.declare_function("f").unwrap();
        let mut fb = mb.function_builder(fid).unwrap();
        let n = fb.add_param(None);
        fb.set_value_name(n, "n").unwrap();
        let (s, i) = (fb.declare_var(), fb.declare_var());
        let zero = fb.iconst(0).unwrap();
        fb.def_var(s, zero).unwrap();
        fb.def_var(i, zero).unwrap();
        let lp = fb.begin_loop().unwrap();
        let iv = fb.use_var(i).unwrap();
        let cond = fb.compare(CmpOp::Lt, iv, n).unwrap();
        fb.loop_condition(&lp, cond).unwrap();
        let iv = add1(&mut fb, i);
        let one = fb.iconst(1).unwrap();
        let c1 = fb.compare(CmpOp::Gt, iv, one).unwrap();
        let (then1, join1) = (fb.create_block(), fb.create_block());
        fb.branch(c1, then1, join1).unwrap();
        fb.seal_block(then1).unwrap();
        fb.seal_block(join1).unwrap();
        fb.switch_to_block(then1).unwrap();
        let c2 = fb.compare(CmpOp::Eq, iv, n).unwrap();
        let (retb, brkb) = (fb.create_block(), fb.create_block());
        fb.branch(c2, retb, brkb).unwrap();
        fb.seal_block(retb).unwrap();
        fb.seal_block(brkb).unwrap();
        fb.switch_to_block(retb).unwrap();
        fb.ret(Some(iv)).unwrap();
        fb.switch_to_block(brkb).unwrap();
        fb.break_loop(&lp).unwrap();
        fb.switch_to_block(join1).unwrap();
        let sv = fb.use_var(s).unwrap();
        let s2 = fb.binop(BinOp::Add, sv, iv).unwrap();
        fb.def_var(s, s2).unwrap();
        fb.end_loop(lp).unwrap();
        let result = fb.use_var(s).unwrap();
        fb.ret(Some(result)).unwrap();
        mb.define_function(fb).unwrap();
        let m = mb.finish().unwrap();
        assert_verifies(&m);
        let expected = "\
fn @f(%n) {
  loop header=bb1 body=bb2 latch=bb3 exit=bb4
bb0:
  %0 = const 0
  jump bb1
bb1:
  %1 = phi [bb0: %0], [bb3: %5]
  %2 = phi [bb0: %0], [bb3: %9]
  %3 = compare lt %1, %n
  branch %3, bb2, bb4
bb2:
  %4 = const 1
  %5 = binop add %1, %4
  %6 = const 1
  %7 = compare gt %5, %6
  branch %7, bb5, bb6
bb3:
  jump bb1
bb4:
  ret %2
bb5:
  %8 = compare eq %5, %n
  branch %8, bb7, bb8
bb6:
  %9 = binop add %2, %5
  jump bb3
bb7:
  ret %5
bb8:
  jump bb4
}
";
        assert_eq!(crate::text::print(&m), expected);
        let (parsed, _) = crate::text::parse(expected).unwrap();
        assert_eq!(parsed, m);
        // The return (bb7) and break (bb8) blocks are in the loop's region.
        let f = &m.functions[FuncId(0)];
        let cfg = crate::analysis::Cfg::new(f);
        let region: Vec<&str> = crate::analysis::loop_region(f, &cfg, &f.loops[0])
            .into_iter()
            .map(|b| f.block_label(b))
            .collect();
        assert_eq!(region, ["bb1", "bb2", "bb3", "bb5", "bb6", "bb7", "bb8"]);
        let reference = |n: i64| {
            let (mut s, mut i) = (0, 0);
            while i < n {
                i += 1;
                if i > 1 {
                    if i == n {
                        return i;
                    }
                    break;
                }
                s += i;
            }
            s
        };
        // n = 2 returns i = 2 from inside; n = 3 breaks with s = 1.
        for (arg, want) in [(0, 0), (1, 1), (2, 2), (3, 1), (7, 1)] {
            assert_eq!(reference(arg), want);
            assert_eq!(run(f, &[arg]), V::I(want), "n={arg}");
        }
    }

    /// A box and a function reading a variable defined on one path only: the other path sees
    /// the `void` at the start of the entry block.
    #[test]
    fn snapshot_undefined_variable() {
        let mut mb = ModuleBuilder::new();
        mb.declare_box("Point", &["x", "y"]).unwrap();
        let f = mb.declare_function("f").unwrap();
        let mut fb = mb.function_builder(f).unwrap();
        let c = fb.add_param(None);
        fb.set_value_name(c, "c").unwrap();
        let v = fb.declare_var();
        let (then_b, join) = (fb.create_block(), fb.create_block());
        fb.branch(c, then_b, join).unwrap();
        fb.seal_block(then_b).unwrap();
        fb.switch_to_block(then_b).unwrap();
        let one = fb.iconst(1).unwrap();
        fb.def_var(v, one).unwrap();
        fb.jump(join).unwrap();
        fb.switch_to_block(join).unwrap();
        let vv = fb.use_var(v).unwrap();
        fb.ret(Some(vv)).unwrap();
        // `join` is sealed by finish.
        mb.define_function(fb).unwrap();
        let m = mb.finish().unwrap();
        assert_verifies(&m);
        let expected = "\
box Point { x, y }

fn @f(%c) {
bb0:
  %0 = const void
  branch %c, bb1, bb2
bb1:
  %1 = const 1
  jump bb2
bb2:
  %2 = phi [bb0: %0], [bb1: %1]
  ret %2
}
";
        assert_eq!(crate::text::print(&m), expected);
    }

    /// `break_if` / `continue_if`: `while true { i += 1; if i % 2 == 0 { continue }; s += i;
    /// if s > limit { break } }`, with plain conditional exits.
    #[test]
    fn break_if_and_continue_if() {
        let mut fb = FunctionBuilder::new("odd_sum").unwrap();
        let limit = fb.add_param(None);
        let (s, i) = (fb.declare_var(), fb.declare_var());
        let z = fb.iconst(0).unwrap();
        fb.def_var(s, z).unwrap();
        fb.def_var(i, z).unwrap();
        let lp = fb.begin_loop().unwrap();
        let t = fb.bconst(true).unwrap();
        fb.loop_condition(&lp, t).unwrap();
        let iv = add1(&mut fb, i);
        let two = fb.iconst(2).unwrap();
        let m = fb.binop(BinOp::Mod, iv, two).unwrap();
        let z = fb.iconst(0).unwrap();
        let even = fb.compare(CmpOp::Eq, m, z).unwrap();
        fb.continue_if(&lp, even).unwrap();
        let sv = fb.use_var(s).unwrap();
        let s2 = fb.binop(BinOp::Add, sv, iv).unwrap();
        fb.def_var(s, s2).unwrap();
        let big = fb.compare(CmpOp::Gt, s2, limit).unwrap();
        fb.break_if(&lp, big).unwrap();
        fb.end_loop(lp).unwrap();
        let sv = fb.use_var(s).unwrap();
        fb.ret(Some(sv)).unwrap();
        let f = fb.finish().unwrap();
        check_wellformed(&f);
        // bb2: ... branch even, bb3 (latch), bb5; bb5: ... branch big, bb4 (exit), bb6;
        // bb6: jump bb3.
        assert_eq!(f.successors(bl(&f, "bb2")), [bl(&f, "bb3"), bl(&f, "bb5")]);
        assert_eq!(f.successors(bl(&f, "bb5")), [bl(&f, "bb4"), bl(&f, "bb6")]);
        assert_eq!(f.successors(bl(&f, "bb6")), [bl(&f, "bb3")]);
        assert_eq!(f.blocks.len(), 7);
        // No `const true` was needed: the entry holds only the `const 0`.
        assert_eq!(opcodes(&f, "bb0"), ["const", "jump"]);
        let reference = |limit: i64| {
            let (mut s, mut i) = (0, 0);
            loop {
                i += 1;
                if i % 2 == 0 {
                    continue;
                }
                s += i;
                if s > limit {
                    break s;
                }
            }
        };
        for limit in [0, 1, 5, 50] {
            assert_eq!(run(&f, &[limit]), V::I(reference(limit)));
        }
    }

    /// `ret` three loops deep is a plain `ret`; a labelled break from the innermost loop is
    /// routed out through every exit to the outermost one.
    #[test]
    fn return_from_nested_loops() {
        // for i in 0..n { for j in 0..n { for k in 0..n {
        //     if i + j + k == target { ret i * 100 + j * 10 + k }
        //     if k == 7 { break 'outer } } } }  ret -1
        let mut fb = FunctionBuilder::new("find").unwrap();
        let n = fb.add_param(None);
        let target = fb.add_param(None);
        let vars = [fb.declare_var(), fb.declare_var(), fb.declare_var()];
        let mut loops = Vec::new();
        for &v in &vars {
            let z = fb.iconst(0).unwrap();
            fb.def_var(v, z).unwrap();
            let lp = fb.begin_loop().unwrap();
            let cur = fb.use_var(v).unwrap();
            let c = fb.compare(CmpOp::Lt, cur, n).unwrap();
            fb.loop_condition(&lp, c).unwrap();
            loops.push(lp);
        }
        let [i, j, k] = vars.map(|v| fb.use_var(v).unwrap());
        let ij = fb.binop(BinOp::Add, i, j).unwrap();
        let ijk = fb.binop(BinOp::Add, ij, k).unwrap();
        let hit = fb.compare(CmpOp::Eq, ijk, target).unwrap();
        let (yes, no) = (fb.create_block(), fb.create_block());
        fb.branch(hit, yes, no).unwrap();
        fb.seal_block(yes).unwrap();
        fb.seal_block(no).unwrap();
        fb.switch_to_block(yes).unwrap();
        let h = fb.iconst(100).unwrap();
        let t = fb.iconst(10).unwrap();
        let a = fb.binop(BinOp::Mul, i, h).unwrap();
        let b = fb.binop(BinOp::Mul, j, t).unwrap();
        let r = fb.binop(BinOp::Add, a, b).unwrap();
        let r = fb.binop(BinOp::Add, r, k).unwrap();
        fb.ret(Some(r)).unwrap();
        fb.switch_to_block(no).unwrap();
        let seven = fb.iconst(7).unwrap();
        let c = fb.compare(CmpOp::Eq, k, seven).unwrap();
        fb.break_if(&loops[0], c).unwrap();
        for (lp, &v) in loops.into_iter().zip(&vars).rev() {
            add1(&mut fb, v);
            fb.end_loop(lp).unwrap();
        }
        let m1 = fb.iconst(-1).unwrap();
        fb.ret(Some(m1)).unwrap();
        let f = fb.finish().unwrap();
        check_wellformed(&f);
        assert_eq!(f.loops.len(), 3);
        // The found value is returned by a plain `ret` inside the innermost loop (no routing),
        // plus `ret -1` after the loops; the labelled break of the outer loop is routed.
        let rets = f
            .blocks
            .values()
            .filter(|b| matches!(b.insts.last(), Some(Inst::Return { .. })))
            .count();
        assert_eq!(rets, 2);
        let reference = |n: i64, target: i64| {
            for i in 0..n {
                for j in 0..n {
                    for k in 0..n {
                        if i + j + k == target {
                            return i * 100 + j * 10 + k;
                        }
                        if k == 7 {
                            return -1;
                        }
                    }
                }
            }
            -1
        };
        for n in [0, 1, 3, 9] {
            for target in [0, 2, 5, 9, 30] {
                assert_eq!(
                    run(&f, &[n, target]),
                    V::I(reference(n, target)),
                    "{n} {target}"
                );
            }
        }
    }

    #[test]
    fn loop_escape_and_unreachable_latch() {
        let mut fb = FunctionBuilder::new("esc").unwrap();
        let before = fb.create_block();
        let lp = fb.begin_loop().unwrap();
        let t = fb.bconst(true).unwrap();
        fb.loop_condition(&lp, t).unwrap();
        assert_eq!(fb.jump(before), Err(BuildError::LoopEscape("bb1".into())));
        assert_eq!(
            fb.switch_to_block(before),
            Err(BuildError::LoopEscape("bb1".into()))
        );
        assert_eq!(
            fb.switch_to_block(lp.latch()),
            Err(BuildError::LoopEscape("bb4".into()))
        );
        // The body spins in a cycle of its own: the latch is never reached.
        let spin = fb.create_block();
        fb.jump(spin).unwrap();
        fb.switch_to_block(spin).unwrap();
        fb.jump(spin).unwrap();
        fb.seal_block(spin).unwrap();
        fb.end_loop(lp).unwrap();
        fb.ret(None).unwrap();
        // `before` was never used: unreachable and open, it gets a `ret`.
        let f = fb.finish().unwrap();
        check_wellformed(&f);
        assert!(
            f.loops.is_empty(),
            "a loop that never iterates has no LoopForm"
        );
        assert_eq!(opcodes(&f, "bb1"), ["ret"]);
    }

    // --- random structured programs ------------------------------------------------------------

    /// A tiny structured language, evaluated directly and lowered through the builder.
    #[derive(Clone, Debug)]
    enum Expr {
        Const(i64),
        Var(usize),
        Bin(BinOp, Box<Expr>, Box<Expr>),
    }

    #[derive(Clone, Debug)]
    enum Stmt {
        Assign(usize, Expr),
        If(CmpOp, Expr, Expr, Vec<Stmt>, Vec<Stmt>),
        /// `repeat n { body }`: a counted loop.
        Repeat(i64, Vec<Stmt>),
        /// Break / continue the loop `d` levels out (0 = innermost).
        Break(usize),
        Continue(usize),
        BreakIf(usize, CmpOp, Expr, Expr),
        Return(Expr),
    }

    const VARS: usize = 3;

    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            // xorshift64*
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    fn gen_expr(r: &mut Rng, depth: u32) -> Expr {
        match r.below(if depth == 0 { 2 } else { 4 }) {
            0 => Expr::Const(r.below(7) as i64 - 2),
            1 => Expr::Var(r.below(VARS as u64) as usize),
            _ => {
                let op = [BinOp::Add, BinOp::Sub, BinOp::Mul][r.below(3) as usize];
                Expr::Bin(
                    op,
                    Box::new(gen_expr(r, depth - 1)),
                    Box::new(gen_expr(r, depth - 1)),
                )
            }
        }
    }

    fn gen_block(r: &mut Rng, depth: u32, loops: usize) -> Vec<Stmt> {
        let n = r.below(4);
        let cmp = |r: &mut Rng| [CmpOp::Lt, CmpOp::Eq, CmpOp::Gt, CmpOp::Ne][r.below(4) as usize];
        (0..n)
            .map(|_| match r.below(if depth == 0 { 3 } else { 10 }) {
                0 | 1 => Stmt::Assign(r.below(VARS as u64) as usize, gen_expr(r, 2)),
                2 if loops > 0 => match r.below(3) {
                    0 => Stmt::Break(r.below(loops as u64) as usize),
                    1 => Stmt::Continue(r.below(loops as u64) as usize),
                    _ => Stmt::BreakIf(
                        r.below(loops as u64) as usize,
                        cmp(r),
                        gen_expr(r, 1),
                        gen_expr(r, 1),
                    ),
                },
                2 => Stmt::Assign(0, gen_expr(r, 1)),
                3..=5 => Stmt::If(
                    cmp(r),
                    gen_expr(r, 1),
                    gen_expr(r, 1),
                    gen_block(r, depth - 1, loops),
                    gen_block(r, depth - 1, loops),
                ),
                6..=8 => Stmt::Repeat(r.below(4) as i64, gen_block(r, depth - 1, loops + 1)),
                _ => Stmt::Return(gen_expr(r, 1)),
            })
            .collect()
    }

    enum Flow {
        Normal,
        Break(usize),
        Continue(usize),
        Return(i64),
    }

    fn eval_expr(e: &Expr, env: &[i64; VARS]) -> i64 {
        match e {
            Expr::Const(c) => *c,
            Expr::Var(v) => env[*v],
            Expr::Bin(op, a, b) => {
                let (a, b) = (eval_expr(a, env), eval_expr(b, env));
                match op {
                    BinOp::Add => a.wrapping_add(b),
                    BinOp::Sub => a.wrapping_sub(b),
                    _ => a.wrapping_mul(b),
                }
            }
        }
    }

    fn eval_cmp(op: CmpOp, a: i64, b: i64) -> bool {
        match op {
            CmpOp::Lt => a < b,
            CmpOp::Eq => a == b,
            CmpOp::Gt => a > b,
            _ => a != b,
        }
    }

    fn exec(stmts: &[Stmt], env: &mut [i64; VARS]) -> Flow {
        for s in stmts {
            let flow = match s {
                Stmt::Assign(v, e) => {
                    env[*v] = eval_expr(e, env);
                    Flow::Normal
                }
                Stmt::If(op, a, b, t, e) => {
                    if eval_cmp(*op, eval_expr(a, env), eval_expr(b, env)) {
                        exec(t, env)
                    } else {
                        exec(e, env)
                    }
                }
                Stmt::Repeat(n, body) => {
                    let mut out = Flow::Normal;
                    for _ in 0..*n {
                        match exec(body, env) {
                            Flow::Normal | Flow::Continue(0) => {}
                            Flow::Break(0) => break,
                            Flow::Break(d) => {
                                out = Flow::Break(d - 1);
                                break;
                            }
                            Flow::Continue(d) => {
                                out = Flow::Continue(d - 1);
                                break;
                            }
                            Flow::Return(v) => {
                                out = Flow::Return(v);
                                break;
                            }
                        }
                    }
                    out
                }
                Stmt::Break(d) => Flow::Break(*d),
                Stmt::Continue(d) => Flow::Continue(*d),
                Stmt::BreakIf(d, op, a, b) => {
                    if eval_cmp(*op, eval_expr(a, env), eval_expr(b, env)) {
                        Flow::Break(*d)
                    } else {
                        Flow::Normal
                    }
                }
                Stmt::Return(e) => Flow::Return(eval_expr(e, env)),
            };
            if !matches!(flow, Flow::Normal) {
                return flow;
            }
        }
        Flow::Normal
    }

    struct Lower<'a> {
        fb: &'a mut FunctionBuilder,
        vars: [Variable; VARS],
        loops: Vec<Loop>,
    }

    impl Lower<'_> {
        fn expr(&mut self, e: &Expr) -> Value {
            match e {
                Expr::Const(c) => self.fb.iconst(*c).unwrap(),
                Expr::Var(v) => self.fb.use_var(self.vars[*v]).unwrap(),
                Expr::Bin(op, a, b) => {
                    let (a, b) = (self.expr(a), self.expr(b));
                    self.fb.binop(*op, a, b).unwrap()
                }
            }
        }

        fn cond(&mut self, op: CmpOp, a: &Expr, b: &Expr) -> Value {
            let (a, b) = (self.expr(a), self.expr(b));
            self.fb.compare(op, a, b).unwrap()
        }

        fn block(&mut self, stmts: &[Stmt]) {
            for s in stmts {
                match s {
                    Stmt::Assign(v, e) => {
                        let x = self.expr(e);
                        self.fb.def_var(self.vars[*v], x).unwrap();
                    }
                    Stmt::If(op, a, b, t, e) => {
                        let c = self.cond(*op, a, b);
                        let (tb, eb, join) = (
                            self.fb.create_block(),
                            self.fb.create_block(),
                            self.fb.create_block(),
                        );
                        self.fb.branch(c, tb, eb).unwrap();
                        self.fb.seal_block(tb).unwrap();
                        self.fb.seal_block(eb).unwrap();
                        for (blk, body) in [(tb, t), (eb, e)] {
                            self.fb.switch_to_block(blk).unwrap();
                            self.block(body);
                            if self.fb.current_block().is_some() {
                                self.fb.jump(join).unwrap();
                            }
                        }
                        self.fb.seal_block(join).unwrap();
                        self.fb.switch_to_block(join).unwrap();
                    }
                    Stmt::Repeat(n, body) => {
                        let counter = self.fb.declare_var();
                        let z = self.fb.iconst(0).unwrap();
                        self.fb.def_var(counter, z).unwrap();
                        let lp = self.fb.begin_loop().unwrap();
                        let cv = self.fb.use_var(counter).unwrap();
                        let nv = self.fb.iconst(*n).unwrap();
                        let c = self.fb.compare(CmpOp::Lt, cv, nv).unwrap();
                        self.fb.loop_condition(&lp, c).unwrap();
                        let one = self.fb.iconst(1).unwrap();
                        let c2 = self.fb.binop(BinOp::Add, cv, one).unwrap();
                        self.fb.def_var(counter, c2).unwrap();
                        self.loops.push(lp);
                        self.block(body);
                        let lp = self.loops.pop().unwrap();
                        self.fb.end_loop(lp).unwrap();
                    }
                    Stmt::Break(d) => {
                        let lp = &self.loops[self.loops.len() - 1 - d];
                        self.fb.break_loop(lp).unwrap();
                    }
                    Stmt::Continue(d) => {
                        let lp = &self.loops[self.loops.len() - 1 - d];
                        self.fb.continue_loop(lp).unwrap();
                    }
                    Stmt::BreakIf(d, op, a, b) => {
                        let c = self.cond(*op, a, b);
                        let lp = &self.loops[self.loops.len() - 1 - d];
                        self.fb.break_if(lp, c).unwrap();
                    }
                    Stmt::Return(e) => {
                        let v = self.expr(e);
                        self.fb.ret(Some(v)).unwrap();
                    }
                }
            }
        }
    }

    /// Random programs with nested loops, ifs, labelled breaks/continues, early returns and dead
    /// code: the built function verifies, has one LoopForm per loop whose latch is reachable,
    /// and computes what the program computes.
    #[test]
    fn random_structured_programs() {
        let mut r = Rng(0x9E37_79B9_7F4A_7C15);
        // How much of the interesting ground the cases cover.
        let (mut loopforms, mut routed, mut returns_in_loops) = (0, 0, 0);
        for case in 0..400 {
            let prog = gen_block(&mut r, 4, 0);
            let mut fb = FunctionBuilder::new("p").unwrap();
            let params: Vec<Value> = (0..VARS).map(|_| fb.add_param(None)).collect();
            let vars = [fb.declare_var(), fb.declare_var(), fb.declare_var()];
            for (v, p) in vars.iter().zip(&params) {
                fb.def_var(*v, *p).unwrap();
            }
            let mut lower = Lower {
                fb: &mut fb,
                vars,
                loops: Vec::new(),
            };
            lower.block(&prog);
            if fb.current_block().is_some() {
                let v = fb.use_var(vars[0]).unwrap();
                fb.ret(Some(v)).unwrap();
            }
            let f = fb.finish().unwrap();
            check_wellformed(&f);
            loopforms += f.loops.len();
            routed += usize::from(fb_used_dispatch(&f));
            returns_in_loops += usize::from(has_return_in_loop(&prog, 0));
            for args in [[0, 1, 2], [3, -1, 5], [-2, 2, 0]] {
                let mut env = args;
                let want = match exec(&prog, &mut env) {
                    Flow::Return(v) => v,
                    _ => env[0],
                };
                assert_eq!(
                    run(&f, &args),
                    V::I(want),
                    "case {case} args {args:?}: {prog:#?}"
                );
            }
        }
        assert!(loopforms > 500, "{loopforms}");
        assert!(routed > 60, "{routed}");
        assert!(returns_in_loops > 60, "{returns_in_loops}");
    }

    /// True if some exit block dispatches on a routing code (a `compare eq` against a constant
    /// right after phis in a loop's exit).
    fn fb_used_dispatch(f: &Function) -> bool {
        f.loops.iter().any(|l| {
            f.blocks[l.exit]
                .insts
                .iter()
                .any(|i| matches!(i, Inst::Compare { op: CmpOp::Eq, .. }))
        })
    }

    fn has_return_in_loop(stmts: &[Stmt], loops: usize) -> bool {
        stmts.iter().any(|s| match s {
            Stmt::Return(_) => loops > 0,
            Stmt::If(_, _, _, t, e) => has_return_in_loop(t, loops) || has_return_in_loop(e, loops),
            Stmt::Repeat(_, b) => has_return_in_loop(b, loops + 1),
            _ => false,
        })
    }

    /// A `jump` to the innermost loop's exit is a `break`.
    #[test]
    fn jump_to_exit_is_break() {
        let mut fb = FunctionBuilder::new("j").unwrap();
        let lp = fb.begin_loop().unwrap();
        let t = fb.bconst(true).unwrap();
        fb.loop_condition(&lp, t).unwrap();
        fb.jump(lp.exit()).unwrap();
        fb.end_loop(lp).unwrap();
        fb.ret(None).unwrap();
        let f = fb.finish().unwrap();
        check_wellformed(&f);
        // `jump exit` as it is; the latch is unreachable, so the loop gets no LoopForm.
        assert_eq!(f.successors(bl(&f, "bb2")), [bl(&f, "bb4")]);
        assert!(f.loops.is_empty());
        assert_eq!(run(&f, &[]), V::Void);
    }
}
