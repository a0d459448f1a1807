//! `mir14-ny`: ny, a small language with a Nyash-like surface (`box` declarations with fields
//! and methods, `local`, `if`/`else`, `loop(cond)` with `break`/`continue`, functions, strings,
//! arrays, maps, method calls, `print`), compiled to MIR14 through the public builder API only.
//!
//! The language is described in `ny/README.md`. Pipeline: [`lexer`] → [`parser`] (a syntax tree,
//! [`ast`]) → [`compile`](compile::compile_program) (builder calls) → [`mir14_mir::Module`].
//! Every error is an [`Error`] with a source span; [`Error::render`] prints it as
//! `file:line:col: error: message`.
//!
//! ```
//! let src = "function main() {\n  local s = 0\n  local i = 1\n  loop(i <= 10) { s = s + i\n i = i + 1 }\n  print(s)\n}\n";
//! let module = mir14_ny::compile(src).unwrap();
//! assert!(mir14_mir::print(&module).contains("loop header="));
//! ```

pub mod ast;
pub mod compile;
pub mod lexer;
pub mod parser;

use mir14_mir::{line_col, Module, Span};

/// A lexical, syntax or compile error, located in the source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    /// Where (bytes of the source).
    pub span: Span,
    /// What is wrong.
    pub message: String,
}

impl Error {
    /// An error at `span`.
    pub fn new(span: Span, message: impl Into<String>) -> Error {
        Error {
            span,
            message: message.into(),
        }
    }

    /// `file:line:col: error: message` and a newline (line and column 1-based, columns in
    /// characters).
    pub fn render(&self, file: &str, src: &str) -> String {
        let (line, col) = line_col(src, self.span.start as usize);
        format!("{file}:{line}:{col}: error: {}\n", self.message)
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// Compiles ny source text to a verified MIR14 module.
///
/// A module the verifier rejects would be a bug of this compiler; it is reported as an error at
/// the start of the file whose message lists the verifier's findings.
pub fn compile(src: &str) -> Result<Module, Error> {
    compile_with_map(src).map(|(m, _)| m)
}

/// [`compile`], with the source map of `src`: the span of the expression each instruction was
/// made for (what backtraces print as positions in the ny source).
pub fn compile_with_map(src: &str) -> Result<(Module, mir14_mir::SourceMap), Error> {
    let prog = parser::parse(src)?;
    let (module, map) = compile::compile_program_with_map(&prog)?;
    if let Err(errors) = mir14_mir::verify(&module) {
        let list: Vec<String> = errors.iter().map(|e| e.message.clone()).collect();
        return Err(Error::new(
            Span::new(0, 0),
            format!(
                "internal compiler error: the generated MIR does not verify: {}",
                list.join("; ")
            ),
        ));
    }
    Ok((module, map))
}
