//! `mir14-mir`: the MIR14 intermediate representation.
//!
//! Entities and the 14 instructions ([`ir`]), the text form ([`text`]: lexer, parser, printer),
//! the JSON form ([`json`]), the named document both forms go through ([`named`]: name syntax,
//! raising, resolution), the spellings of entities, locations and string literals ([`display`]),
//! the [`verify()`](verify::verify)er, [`analysis`] (CFG, dominators, loops, LoopForm
//! inference, call graph) and the [`builder`] API for frontends.
//!
//! Architecture invariant: this crate does no I/O and knows nothing of any backend.

pub mod analysis;
pub mod builder;
pub mod display;
pub mod entity;
pub mod infer;
pub mod ir;
pub mod json;
pub mod named;
pub mod span;
pub mod text;
pub mod verify;

pub use ir::*;
pub use span::{
    line_col, with_line_index, Diagnostic, FunctionSpans, LineIndex, Location, LoopPart, Part,
    SourceMap, Span, VerifyError,
};
pub use text::{parse, print};
pub use verify::verify;
