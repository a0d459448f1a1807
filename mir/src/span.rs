//! Source positions: byte spans, the side table mapping entities to spans, and diagnostics.
//!
//! Spans live beside the module, never inside it, so that modules compare equal whatever text
//! they came from. The verifier reports [`Location`]s (entities); a front end that parsed text
//! turns them into spans with [`SourceMap::span`] and into `line:col` with [`line_col`].

use crate::ir::{Block, BoxId, FuncId, ImportId};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

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
    /// A part of the `n`-th instruction of a block: an operand, a label, a name (see [`Part`]).
    /// Without a recorded span for the part, the instruction's span stands for it.
    Operand(FuncId, Block, usize, Part),
    /// One of the four labels of the `n`-th declared LoopForm of a function. Without a recorded
    /// span for the label, the declaration's span stands for it.
    LoopLabel(FuncId, usize, LoopPart),
    /// The name of a function (`@f` of `fn @f(...)`); else the declaration's span.
    FunctionName(FuncId),
    /// The name of a box declaration; else the declaration's span.
    BoxName(BoxId),
    /// The `n`-th field of a box declaration; else the declaration's span.
    Field(BoxId, usize),
}

/// The part of an instruction a diagnostic is about, more precisely than the instruction.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Part {
    /// The value the instruction defines (`%d` of `%d = ...`).
    Dest,
    /// The `n`-th value the instruction reads, in the order of
    /// [`Inst::for_each_use`](crate::ir::Inst::for_each_use), which is the order they are
    /// written in: a method receiver before the arguments, phi inputs in order.
    Use(usize),
    /// The `n`-th block label the instruction names, as written: `branch`'s two targets,
    /// `jump`'s target, the labels of a phi's inputs.
    Label(usize),
    /// The name the instruction refers to: the callee of `call` (`@f`, `Box::method` or the
    /// method name), the class of `new`, the name of `extern`, the field of `load`/`store`, the
    /// type of `typeop`, the function of `const @f`.
    Name,
}

/// One of the four labels of a `loop` declaration.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum LoopPart {
    /// `header=`.
    Header,
    /// `body=`.
    Body,
    /// `latch=`.
    Latch,
    /// `exit=`.
    Exit,
}

impl LoopPart {
    /// The key word of the label in the text form (`header`, `body`, `latch`, `exit`).
    pub fn word(self) -> &'static str {
        match self {
            LoopPart::Header => "header",
            LoopPart::Body => "body",
            LoopPart::Latch => "latch",
            LoopPart::Exit => "exit",
        }
    }

    /// The position of the label in a declaration (header 0 … exit 3).
    pub fn index(self) -> usize {
        self as usize
    }
}

/// A structural error found by the verifier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyError {
    /// The offending entity, as precisely as known (the operand, label or name at fault).
    pub location: Location,
    /// What is wrong.
    pub message: String,
    /// Other places that explain the error, each with what it is (`` `%x` is defined here``,
    /// `the loop is declared here`); renderers show them as secondary labels.
    pub related: Vec<(Location, String)>,
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
    /// The function's name (`@f`).
    pub name: Option<Span>,
    /// The parts of instructions written in the text (operands, labels, names), by block
    /// index, instruction index and part; see [`Location::Operand`].
    pub parts: HashMap<(u32, usize, Part), Span>,
    /// The four labels of each `loop` declaration (header, body, latch, exit).
    pub loop_labels: Vec<[Span; 4]>,
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
    /// Each box's name, by box index (if recorded).
    pub box_names: Vec<Span>,
    /// Each box's fields, by box index then field index (if recorded).
    pub box_fields: Vec<Vec<Span>>,
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
            Location::Operand(f, b, i, part) => self
                .functions
                .get(f.index())
                .and_then(|fs| fs.parts.get(&(b.0, i, part)).copied())
                .or_else(|| self.span(Location::Inst(f, b, i))),
            Location::LoopLabel(f, i, part) => self
                .functions
                .get(f.index())
                .and_then(|fs| fs.loop_labels.get(i))
                .map(|labels| labels[part.index()])
                .or_else(|| self.span(Location::Loop(f, i))),
            Location::FunctionName(f) => self
                .functions
                .get(f.index())
                .and_then(|fs| fs.name)
                .or_else(|| self.span(Location::Function(f))),
            Location::BoxName(b) => self
                .box_names
                .get(b.index())
                .copied()
                .or_else(|| self.span(Location::Box(b))),
            Location::Field(b, i) => self
                .box_fields
                .get(b.index())
                .and_then(|fs| fs.get(i))
                .copied()
                .or_else(|| self.span(Location::Box(b))),
        }
    }
}

/// The 1-based line and column (in characters) of byte `offset` in `src`. Inside
/// [`with_line_index`] for `src` it takes O(log n + length of the line) through the
/// [`LineIndex`] made once for the text; elsewhere it scans the text up to `offset`.
pub fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let indexed = CURRENT_INDEX.with(|c| {
        c.borrow()
            .as_ref()
            .filter(|(ptr, len, _)| *ptr == src.as_ptr() as usize && *len == src.len())
            .map(|(_, _, index)| Rc::clone(index))
    });
    if let Some(index) = indexed {
        return index.line_col(src, offset);
    }
    #[cfg(test)]
    SCANS.with(|c| c.set(c.get() + 1));
    let offset = offset.min(src.len());
    // A byte scan (a `\n` byte is always the character `\n` in UTF-8), which the compiler
    // vectorizes: callers locate one diagnostic at a time.
    let before = &src.as_bytes()[..offset];
    let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    (line, column(src, line_start, offset))
}

/// The 1-based column of byte `offset` on the line starting at byte `line_start`: the
/// characters before it, plus one (1 when `offset` is not on a character boundary).
fn column(src: &str, line_start: usize, offset: usize) -> usize {
    src.get(line_start..offset)
        .map_or(1, |s| s.chars().count() + 1)
}

/// The start of every line of a text, computed once (one scan), so that locating a byte offset
/// is a binary search: what [`line_col`] uses inside [`with_line_index`], for callers that
/// locate many diagnostics in one text (`check` on a program with one warning per loop).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineIndex {
    /// The byte offset of the start of each line: 0, then one past every `\n`.
    starts: Vec<usize>,
}

impl LineIndex {
    /// The index of `src`'s lines.
    pub fn new(src: &str) -> LineIndex {
        let starts = std::iter::once(0)
            .chain(
                src.bytes()
                    .enumerate()
                    .filter(|&(_, b)| b == b'\n')
                    .map(|(i, _)| i + 1),
            )
            .collect();
        LineIndex { starts }
    }

    /// [`line_col`] of `offset` in `src`, the text this index was made from.
    pub fn line_col(&self, src: &str, offset: usize) -> (usize, usize) {
        let offset = offset.min(src.len());
        // The number of lines starting at or before `offset` is the 1-based line.
        let line = self.starts.partition_point(|&s| s <= offset).max(1);
        (line, column(src, self.starts[line - 1], offset))
    }
}

#[cfg(test)]
thread_local! {
    /// How many times [`line_col`] scanned a text on this thread (tests check the index is used).
    static SCANS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

thread_local! {
    /// The text [`with_line_index`] runs for on this thread (its address and length) and its
    /// index.
    static CURRENT_INDEX: RefCell<Option<(usize, usize, Rc<LineIndex>)>> =
        const { RefCell::new(None) };
}

/// Runs `f` with a [`LineIndex`] of `src` made once, which every [`line_col`] of `src` (the
/// same text: address and length) on this thread uses until `f` returns: the diagnostics
/// renderers locate each diagnostic in O(log n) instead of scanning the text. The borrow of
/// `src` lasts as long as `f` runs, so the text cannot change or move meanwhile. Calls nest.
pub fn with_line_index<R>(src: &str, f: impl FnOnce() -> R) -> R {
    let entry = (
        src.as_ptr() as usize,
        src.len(),
        Rc::new(LineIndex::new(src)),
    );
    let saved = CURRENT_INDEX.with(|c| c.borrow_mut().replace(entry));
    // Restores the previous index even if `f` panics.
    struct Restore(Option<(usize, usize, Rc<LineIndex>)>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let saved = self.0.take();
            CURRENT_INDEX.with(|c| *c.borrow_mut() = saved);
        }
    }
    let _restore = Restore(saved);
    f()
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
            Location::Operand(func, b, i, part) => {
                write!(f, "function #{}, block #{}, instruction {i}, ", func.0, b.0)?;
                match part {
                    Part::Dest => write!(f, "result"),
                    Part::Use(n) => write!(f, "operand {n}"),
                    Part::Label(n) => write!(f, "label {n}"),
                    Part::Name => write!(f, "name"),
                }
            }
            Location::LoopLabel(func, i, part) => {
                write!(f, "function #{}, loop {i}, {}", func.0, part.word())
            }
            Location::FunctionName(func) => write!(f, "function #{}, name", func.0),
            Location::BoxName(b) => write!(f, "box #{}, name", b.0),
            Location::Field(b, i) => write!(f, "box #{}, field {i}", b.0),
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
            related: Vec::new(),
        };
        assert_eq!(
            e.to_string(),
            "function #1, block #0, instruction 2: use of undefined value %x"
        );
        assert_eq!(Location::Module.to_string(), "the module");
    }
}

#[cfg(test)]
mod line_index_tests {
    use super::*;

    /// Every offset of `src`, by the scan and by the index, gives the same position.
    fn agree(src: &str) {
        let index = LineIndex::new(src);
        for offset in 0..=src.len() + 2 {
            let scanned = line_col(src, offset);
            assert_eq!(index.line_col(src, offset), scanned, "{src:?} at {offset}");
            assert_eq!(
                with_line_index(src, || line_col(src, offset)),
                scanned,
                "{src:?} at {offset}"
            );
        }
    }

    #[test]
    fn the_index_agrees_with_the_scan() {
        for src in [
            "",
            "a",
            "\n",
            "ab\ncd",
            "ab\n\ncd\n",
            "é\nxé y\r\nz",
            "\n\n\n",
        ] {
            agree(src);
        }
        assert_eq!(LineIndex::new("ab\ncd").line_col("ab\ncd", 4), (2, 2));
    }

    #[test]
    fn the_index_is_used_only_for_its_own_text_and_restored_after() {
        let a = "x\ny\nz".to_string();
        let b = a.clone();
        with_line_index(&a, || {
            assert!(CURRENT_INDEX.with(|c| c.borrow().is_some()));
            // Another text with the same content and length: located by a scan, same answer.
            assert_eq!(line_col(&b, 4), (3, 1));
            assert_eq!(line_col(&a, 4), (3, 1));
            // A prefix of the text (same address, shorter) is not the indexed text.
            assert_eq!(line_col(&a[..3], 9), (2, 2));
            with_line_index(&b, || assert_eq!(line_col(&a, 2), (2, 1)));
            assert!(CURRENT_INDEX.with(|c| c.borrow().as_ref().unwrap().0 == a.as_ptr() as usize));
        });
        assert!(CURRENT_INDEX.with(|c| c.borrow().is_none()));
    }

    #[test]
    fn locating_many_diagnostics_inside_the_index_does_not_scan() {
        // 20,000 lines, a diagnostic on every 10th: with the index, no scan of the text.
        let src = "%x = const 1\n".repeat(20_000);
        let before = SCANS.with(|c| c.get());
        let total: usize = with_line_index(&src, || {
            (0..src.len())
                .step_by(130)
                .map(|o| line_col(&src, o).0)
                .sum()
        });
        assert_eq!(total, (0..20_000).step_by(10).map(|l| l + 1).sum::<usize>());
        assert_eq!(SCANS.with(|c| c.get()), before);
        line_col(&src, 5);
        assert_eq!(SCANS.with(|c| c.get()), before + 1);
    }
}
