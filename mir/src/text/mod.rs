//! The text form: a hand-written lexer and parser with byte spans, and the canonical printer.
//!
//! `parse(&print(m)) == m` for every canonical module, and `print(&parse(t)) == t` for canonical
//! text `t`. The grammar is in `spec/MIR14.md`.

pub mod lexer;
pub mod parser;
pub mod printer;

pub use parser::parse;
pub use printer::print;
