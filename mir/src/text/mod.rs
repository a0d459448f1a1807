//! The text form: a hand-written lexer and parser with byte spans, and the canonical printer.
//!
//! `parse(&print(m)) == m` for every canonical module, and `print(&parse(t)) == t` for canonical
//! text `t` (for canonical modules whose names are legal: identifiers, value names of digits or
//! identifiers, unique within their scope, box names that are not builtin type names). The
//! grammar is in `spec/MIR14.md` §1–2.
//!
//! Both directions go through the named document of [`crate::named`] (also the JSON schema): the
//! parser builds it from tokens and lowers it (resolving names), the printer raises a module to
//! it. So the text and JSON forms resolve names identically.
//!
//! Decisions beyond the spec (also documented in [`lexer`] and [`parser`]):
//! - `ret` takes a value only if the next token is a value name not followed by `=`.
//! - A function may have no blocks; the verifier reports it.
//! - Lexical errors without a catalogue phrase: ``unexpected character `#` ``,
//!   ``invalid value name `%1a` ``, ``expected a value name after `%` ``,
//!   ``expected a function name after `@` ``; a raw newline in a string is `unterminated string`.
//! - Resolution errors (`unknown function @f`, ...) are all reported, each spanning the name.
//! - The printer never panics: dangling ids print as `%?12`, `?3`, `@?5`, `?2` ([`crate::display`]).

pub mod lexer;
pub mod parser;
pub mod printer;

pub use parser::parse;
pub use printer::{print, print_function, print_inst};
