//! How entities are spelled in messages and in printed text: the one place that decides.
//!
//! * Names: a value prints as `%name`, a block as its label, a function as `@name`, a box as its
//!   name. An id that points nowhere (a module built without text that does not verify) prints
//!   with `?` and its index instead of the name: `%?7`, `?9`, `@?3`, `?4` (spec §7: `value %?7
//!   does not exist`, `unknown block ?9`, `unknown function @?3`). The verifier, the analyses and
//!   the printers all use these spellings.
//! * Locations: [`describe_location`] names the entity a diagnostic is about when no source
//!   position is available (`in @f, block bb1, instruction 3`); it works on a [`Module`] and on
//!   the named document of the text and JSON forms alike (see [`EntityNames`]).
//! * String literals: [`quote`] / [`quote_into`] escape a string as the text form writes it
//!   (spec §2.1); the runtime's string forms use the same function.

use crate::ir::{Block, BoxClass, BoxId, FuncId, Function, Module, TypeName, Value};
use crate::span::Location;
use std::fmt::Write;

/// The label of block `b` of `f`, or `?N` if `b` does not exist.
pub fn block_name(f: &Function, b: Block) -> String {
    match f.blocks.get(b) {
        Some(data) => data.label.clone(),
        None => format!("?{}", b.0),
    }
}

/// The name of value `v` of `f` with its `%`, or `%?N` if `v` does not exist.
pub fn value_name(f: &Function, v: Value) -> String {
    format!("%{}", value_ident(f, v))
}

/// The name of value `v` of `f` without its `%` (`?N` if `v` does not exist).
pub fn value_ident(f: &Function, v: Value) -> String {
    f.values
        .get(v)
        .map_or_else(|| format!("?{}", v.0), |d| d.name.clone())
}

/// The name of function `id` with its `@`, or `@?N` if `id` does not exist.
pub fn function_name(m: &Module, id: FuncId) -> String {
    format!("@{}", function_ident(m, id))
}

/// The name of function `id` without its `@` (`?N` if `id` does not exist).
pub fn function_ident(m: &Module, id: FuncId) -> String {
    m.functions
        .get(id)
        .map_or_else(|| format!("?{}", id.0), |f| f.name.clone())
}

/// The name of box `id`, or `?N` if `id` does not exist.
pub fn box_name(m: &Module, id: BoxId) -> String {
    m.boxes
        .get(id)
        .map_or_else(|| format!("?{}", id.0), |b| b.name.clone())
}

/// The name of a type annotation: a builtin type's name or the box's name (`?N` if the box
/// does not exist).
pub fn type_name(m: &Module, t: TypeName) -> String {
    match t {
        TypeName::User(b) => box_name(m, b),
        other => other.builtin_name().unwrap_or("?").to_string(),
    }
}

/// The name of the class of a `new`: a builtin class's name or the box's name (`?N` if the box
/// does not exist).
pub fn class_name(m: &Module, c: BoxClass) -> String {
    match c {
        BoxClass::User(b) => box_name(m, b),
        other => other.builtin_name().unwrap_or("?").to_string(),
    }
}

/// Appends `s` quoted with the escapes of the text form (spec §2.1: `\n \t \r \\ \"`, `\u{..}`
/// for other control characters).
pub fn quote_into(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `s` quoted as a string literal of the text form (see [`quote_into`]).
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    quote_into(s, &mut out);
    out
}

/// The names [`describe_location`] needs, looked up by id: implemented by [`Module`] and by the
/// named document the text and JSON forms go through. Each returns `None` for an id that does
/// not exist.
pub trait EntityNames {
    /// The name of function `f`, without `@`.
    fn function(&self, f: FuncId) -> Option<&str>;
    /// The name of box `b`.
    fn box_decl(&self, b: BoxId) -> Option<&str>;
    /// The label of block `b` of function `f`.
    fn block(&self, f: FuncId, b: Block) -> Option<&str>;
    /// The name of parameter `i` (0-based) of function `f`, without `%`.
    fn param(&self, f: FuncId, i: usize) -> Option<&str>;
}

impl EntityNames for Module {
    fn function(&self, f: FuncId) -> Option<&str> {
        self.functions.get(f).map(|d| d.name.as_str())
    }

    fn box_decl(&self, b: BoxId) -> Option<&str> {
        self.boxes.get(b).map(|d| d.name.as_str())
    }

    fn block(&self, f: FuncId, b: Block) -> Option<&str> {
        let fd = self.functions.get(f)?;
        fd.blocks.get(b).map(|d| d.label.as_str())
    }

    fn param(&self, f: FuncId, i: usize) -> Option<&str> {
        let fd = self.functions.get(f)?;
        let p = fd.params.get(i)?;
        fd.values.get(p.value).map(|v| v.name.as_str())
    }
}

/// Describes the entity at `loc` for readers without source positions: `in @f, block bb1,
/// instruction 3` (instructions and loop declarations counted from 1), `in @f, parameter %n`,
/// `in box Point`, or an empty string for the module as a whole. Ids that do not exist are
/// spelled as everywhere else (`@?7`, `?9`, `?4`; a parameter as `#2`). Never panics.
pub fn describe_location(names: &impl EntityNames, loc: Location) -> String {
    let func = |f: FuncId| match names.function(f) {
        Some(name) => format!("in @{name}"),
        None => format!("in @?{}", f.0),
    };
    let block = |f: FuncId, b: Block| match names.block(f, b) {
        Some(label) => format!("block {label}"),
        None => format!("block ?{}", b.0),
    };
    match loc {
        Location::Module => String::new(),
        Location::Box(b) => match names.box_decl(b) {
            Some(name) => format!("in box {name}"),
            None => format!("in box ?{}", b.0),
        },
        Location::Function(f) => func(f),
        Location::Param(f, i) => {
            let name = names
                .param(f, i)
                .map_or_else(|| format!("#{}", i + 1), |n| format!("%{n}"));
            format!("{}, parameter {name}", func(f))
        }
        Location::Block(f, b) => format!("{}, {}", func(f), block(f, b)),
        Location::Inst(f, b, i) => format!("{}, {}, instruction {}", func(f), block(f, b), i + 1),
        Location::Loop(f, i) => format!("{}, loop declaration {}", func(f), i + 1),
        Location::Import(i) => format!("in import {}", i.0 + 1),
        // The parts of an entity are described as the entity (JSON names them no closer).
        Location::Operand(f, b, i, _) => describe_location(names, Location::Inst(f, b, i)),
        Location::LoopLabel(f, i, _) => describe_location(names, Location::Loop(f, i)),
        Location::FunctionName(f) => func(f),
        Location::BoxName(b) | Location::Field(b, _) => describe_location(names, Location::Box(b)),
    }
}

/// `s` with every control character (C0, DEL, C1) spelled `\u{..}`, so that a message echoing
/// a name read from untrusted input (a JSON string may hold any character) cannot drive the
/// reader's terminal.
pub fn escape_controls(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// `message` prefixed by the description of `loc` (`in @f, block bb1: message`; just `message`
/// for the module).
pub fn located_message(names: &impl EntityNames, loc: Location, message: &str) -> String {
    let place = describe_location(names, loc);
    if place.is_empty() {
        message.to_string()
    } else {
        format!("{place}: {message}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{BlockData, Inst, Param, ValueData};

    fn module() -> (Module, FuncId, Block) {
        let mut m = Module::new();
        let mut f = Function::new("main");
        let n = f.values.push(ValueData { name: "n".into() });
        f.params.push(Param { value: n, ty: None });
        let b = f.blocks.push(BlockData {
            label: "bb0".into(),
            insts: vec![Inst::Return { value: None }],
        });
        let fid = m.functions.push(f);
        (m, fid, b)
    }

    #[test]
    fn dangling_ids_are_spelled_with_a_question_mark() {
        let (m, fid, _) = module();
        let f = &m.functions[fid];
        assert_eq!(block_name(f, Block(9)), "?9");
        assert_eq!(value_name(f, Value(7)), "%?7");
        assert_eq!(value_name(f, Value(0)), "%n");
        assert_eq!(function_name(&m, FuncId(3)), "@?3");
        assert_eq!(function_name(&m, fid), "@main");
        assert_eq!(box_name(&m, BoxId(4)), "?4");
        assert_eq!(type_name(&m, TypeName::User(BoxId(2))), "?2");
        assert_eq!(class_name(&m, BoxClass::User(BoxId(1))), "?1");
    }

    #[test]
    fn quoting() {
        assert_eq!(
            quote("a\"b\\c\n\t\r\u{1}\u{7f}é"),
            r#""a\"b\\c\n\t\r\u{1}\u{7f}é""#
        );
        let mut out = String::from("x");
        quote_into("", &mut out);
        assert_eq!(out, "x\"\"");
    }

    #[test]
    fn locations_described() {
        let (m, fid, b) = module();
        assert_eq!(
            describe_location(&m, Location::Inst(fid, b, 0)),
            "in @main, block bb0, instruction 1"
        );
        assert_eq!(describe_location(&m, Location::Module), "");
        assert_eq!(
            located_message(&m, Location::Block(fid, b), "oops"),
            "in @main, block bb0: oops"
        );
        assert_eq!(located_message(&m, Location::Module, "oops"), "oops");
        assert_eq!(
            describe_location(&m, Location::Loop(fid, 0)),
            "in @main, loop declaration 1"
        );
        assert_eq!(
            describe_location(&m, Location::Param(fid, 0)),
            "in @main, parameter %n"
        );
        // Parts are described as their entity.
        assert_eq!(
            describe_location(&m, Location::Operand(fid, b, 0, crate::span::Part::Use(1))),
            "in @main, block bb0, instruction 1"
        );
        assert_eq!(
            describe_location(&m, Location::LoopLabel(fid, 0, crate::span::LoopPart::Exit)),
            "in @main, loop declaration 1"
        );
        assert_eq!(
            describe_location(&m, Location::FunctionName(fid)),
            "in @main"
        );
        // Stale ids do not panic.
        assert_eq!(
            describe_location(&m, Location::Param(FuncId(7), 1)),
            "in @?7, parameter #2"
        );
        assert_eq!(
            describe_location(&m, Location::Block(fid, Block(5))),
            "in @main, block ?5"
        );
        assert_eq!(describe_location(&m, Location::Box(BoxId(0))), "in box ?0");
    }
}
