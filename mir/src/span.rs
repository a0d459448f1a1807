//! Source positions: byte spans, the side table mapping entities to spans, and diagnostics.
//!
//! Spans live beside the module, never inside it, so that modules compare equal whatever text
//! they came from. The verifier reports [`Location`]s (entities); a front end that parsed text
//! turns them into spans with [`SourceMap::span`] and into `line:col` with [`line_col`].

use crate::ir::{Block, BoxId, FuncId, ImportId};

/// A half-open byte range `start..end` of the source text.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Span {
    /// The first byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
}

impl Span {
    /// The span `start..end`.
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start: start as u32,
            end: end as u32,
        }
    }
}

/// An error in the source text: where, and what was expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Where the error is.
    pub span: Span,
    /// What is wrong, e.g. "expected `=`, found `,`".
    pub message: String,
}

/// The entity a verifier error is about.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Location {
    /// The module as a whole.
    Module,
    /// A box declaration.
    Box(BoxId),
    /// A function's declaration.
    Function(FuncId),
    /// The `n`-th parameter of a function.
    Param(FuncId, usize),
    /// A block's label.
    Block(FuncId, Block),
    /// The `n`-th instruction of a block.
    Inst(FuncId, Block, usize),
    /// The `n`-th declared LoopForm of a function.
    Loop(FuncId, usize),
    /// An `import` declaration.
    Import(ImportId),
}

/// A structural error found by the verifier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyError {
    /// The offending entity.
    pub location: Location,
    /// What is wrong.
    pub message: String,
}

/// The spans of one function's parts, indexed like the function's arenas.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct FunctionSpans {
    /// The `fn @name(...)` header.
    pub decl: Span,
    /// Each parameter.
    pub params: Vec<Span>,
    /// Each block's label, by block index.
    pub blocks: Vec<Span>,
    /// Each instruction, by block index then instruction index.
    pub insts: Vec<Vec<Span>>,
    /// Each `loop` declaration.
    pub loops: Vec<Span>,
}

/// Where each entity of a parsed module was written.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct SourceMap {
    /// Each box declaration, by box index.
    pub boxes: Vec<Span>,
    /// Each function, by function index.
    pub functions: Vec<FunctionSpans>,
    /// Each `import` declaration, by import index.
    pub imports: Vec<Span>,
}

impl SourceMap {
    /// The span of an entity, if recorded.
    pub fn span(&self, loc: Location) -> Option<Span> {
        match loc {
            Location::Module => None,
            Location::Box(b) => self.boxes.get(b.index()).copied(),
            Location::Function(f) => self.functions.get(f.index()).map(|f| f.decl),
            Location::Param(f, i) => self.functions.get(f.index())?.params.get(i).copied(),
            Location::Block(f, b) => self
                .functions
                .get(f.index())?
                .blocks
                .get(b.index())
                .copied(),
            Location::Inst(f, b, i) => self
                .functions
                .get(f.index())?
                .insts
                .get(b.index())?
                .get(i)
                .copied(),
            Location::Loop(f, i) => self.functions.get(f.index())?.loops.get(i).copied(),
            Location::Import(i) => self.imports.get(i.index()).copied(),
        }
    }
}

/// The 1-based line and column (in characters) of byte `offset` in `src`.
pub fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(src.len());
    // A byte scan (a `\n` byte is always the character `\n` in UTF-8), which the compiler
    // vectorizes: callers locate one diagnostic at a time.
    let before = &src.as_bytes()[..offset];
    let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let col = src
        .get(line_start..offset)
        .map_or(1, |s| s.chars().count() + 1);
    (line, col)
}

impl std::fmt::Display for Span {
    /// `start..end` (byte offsets).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

impl std::fmt::Display for Diagnostic {
    /// `message (at bytes start..end)`; the `file:line:col: error: message` form needs the text,
    /// see [`line_col`].
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (at bytes {})", self.message, self.span)
    }
}

impl std::error::Error for Diagnostic {}

impl std::fmt::Display for Location {
    /// The entity by index (`function #1, block #0, instruction 2`); with a module at hand,
    /// [`crate::display::describe_location`] names it instead.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Location::Module => write!(f, "the module"),
            Location::Box(b) => write!(f, "box #{}", b.0),
            Location::Function(func) => write!(f, "function #{}", func.0),
            Location::Param(func, i) => write!(f, "function #{}, parameter {i}", func.0),
            Location::Block(func, b) => write!(f, "function #{}, block #{}", func.0, b.0),
            Location::Inst(func, b, i) => {
                write!(f, "function #{}, block #{}, instruction {i}", func.0, b.0)
            }
            Location::Loop(func, i) => write!(f, "function #{}, loop {i}", func.0),
            Location::Import(i) => write!(f, "import #{}", i.0),
        }
    }
}

impl std::fmt::Display for VerifyError {
    /// `location: message`, the location by index (see [`Location`]'s `Display`).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}

impl std::error::Error for VerifyError {}

#[cfg(test)]
mod display_tests {
    use super::*;

    #[test]
    fn errors_display_their_place_and_message() {
        let d = Diagnostic {
            span: Span::new(3, 5),
            message: "expected `=`".into(),
        };
        assert_eq!(d.to_string(), "expected `=` (at bytes 3..5)");
        let e = VerifyError {
            location: Location::Inst(FuncId(1), Block(0), 2),
            message: "use of undefined value %x".into(),
        };
        assert_eq!(
            e.to_string(),
            "function #1, block #0, instruction 2: use of undefined value %x"
        );
        assert_eq!(Location::Module.to_string(), "the module");
    }
}
