//! [`BuildError`]: every misuse of the builder API, and the name checks that report it.

#[cfg(doc)]
use super::{FunctionBuilder, Loop, ModuleBuilder, Variable};
#[cfg(doc)]
use crate::ir::Callee;
use crate::ir::{Block, BoxId, FuncId, Value};
use std::fmt;

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
    /// An import (`c.NAME` or `host.NAME`) is declared twice.
    DuplicateImport(String),
    /// An import declares a `Void` parameter.
    VoidImportParameter(String),
    /// An `ImportId` that this module builder did not declare.
    UnknownImport(crate::ir::ImportId),
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
            BuildError::DuplicateImport(n) => write!(f, "duplicate import {n}"),
            BuildError::VoidImportParameter(n) => {
                write!(f, "a parameter of import {n} cannot be Void")
            }
            BuildError::UnknownImport(id) => write!(f, "unknown import id {}", id.0),
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

/// `Ok` if `ok(name)`, else [`BuildError::InvalidName`] of kind `kind`.
pub(super) fn check_name(
    kind: &'static str,
    name: &str,
    ok: fn(&str) -> bool,
) -> Result<(), BuildError> {
    if ok(name) {
        Ok(())
    } else {
        Err(BuildError::InvalidName {
            kind,
            name: name.to_string(),
        })
    }
}
