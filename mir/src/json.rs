//! The JSON form: one versioned serde schema, lossless both ways.
//!
//! Everything is referred to by **name**, as in the text form but without sigils: value names
//! (`"x"`, `"0"` for `%x`, `%0`), block labels (`"bb0"`), function names (`"main"`,
//! `"Point.norm"` for `@Point.norm`), box names, type names, op mnemonics. Reading resolves names
//! exactly like the text parser (functions and boxes anywhere in the module; the first of
//! duplicates wins; values numbered canonically), so `from_json(&to_json(m)) == m`.
//!
//! ```text
//! module   = {"mir14": 1, "boxes": [box...], "functions": [function...]}   (boxes/functions optional)
//! box      = {"name": "Point", "fields": ["x", "y"]}                         (fields optional)
//! function = {"name": "main", "params": [param...], "ret_type": "Integer",  (params, ret_type,
//!             "loops": [loop...], "blocks": [block...]}                        loops optional)
//! param    = {"name": "n", "type": "Integer"}                                (type optional)
//! loop     = {"header": "bb1", "body": "bb2", "latch": "bb3", "exit": "bb4"}
//! block    = {"label": "bb0", "insts": [inst...]}
//! inst     = {"op": "const",   "dest": "x", "value": constant}
//!          | {"op": "unary",   "dest": "x", "operator": "neg", "arg": "a"}       (neg not bitnot)
//!          | {"op": "binop",   "dest": "x", "operator": "add", "lhs": "a", "rhs": "b"}
//!          | {"op": "compare", "dest": "x", "operator": "lt",  "lhs": "a", "rhs": "b"}
//!          | {"op": "typeop",  "dest": "x", "kind": "check", "arg": "a", "type": "Integer"}
//!                                          (kind check|cast need "type"; typeof has none)
//!          | {"op": "load",    "dest": "x", "obj": "p", "field": "x"}
//!          | {"op": "store",   "obj": "p", "field": "x", "value": "v"}
//!          | {"op": "branch",  "cond": "c", "then": "bb1", "else": "bb2"}
//!          | {"op": "jump",    "target": "bb1"}
//!          | {"op": "ret",     "value": "v"}                                     (value optional)
//!          | {"op": "phi",     "dest": "x", "inputs": [{"block": "bb0", "value": "a"}...]}
//!          | {"op": "new",     "dest": "x", "class": "ArrayBox", "args": ["a"...]}
//!          | {"op": "call",    "dest": "x", "callee": callee, "args": [...]}     (dest optional)
//!          | {"op": "extern",  "dest": "x", "name": "env.console.log", "args": [...]}
//! callee   = {"function": "f"}                                 call @f(...)
//!          | {"receiver": "r", "method": "len"}                 call %r.len(...)
//!          | {"receiver": "r", "box": "Point", "method": "m"}   call %r.Point::m(...)
//!          | {"value": "f"}                                     call %f(...)
//! constant = {"int": 42} | {"float": "1.5"} | {"bool": true} | {"string": "s"} | "void"
//!          | {"function": "f"}
//! ```
//!
//! A Float constant is written as its text-form string (`"1.0"`, `"-0.0"`, `"1e100"`, `"inf"`,
//! `"-inf"`, `"NaN"`) so that every f64 survives exactly; a JSON number is accepted on input too.
//! Every name must be legal in the text form (identifiers; values digits or an identifier;
//! functions `f` or `Box.method`), else `invalid value name "a b"` etc., so every module read
//! from JSON prints as text that parses back. Unknown keys are errors; `"mir14"` must be `1`.
//!
//! Errors carry a line and column of the JSON text: syntax and shape errors where serde_json
//! found them; name errors (`unknown function @f`, `invalid value name "a b"`, ...) at the
//! object of the entity holding the name, and their message names the function, block and
//! instruction (`function @main, block bb0, instruction 3: unknown function @f`).
//! [`from_json_with_map`] also returns the spans of all entities in the JSON text, so verifier
//! errors can be located in `.json` files too.
//!
//! This module also holds the *named document* (`ModuleDoc` and friends) that both the JSON
//! form and the text form go through: the printer raises a [`Module`] to a document and prints
//! it; the parser builds a document and lowers it.

use crate::entity::Arena;
use crate::ir::*;
use crate::span::{line_col, Location, SourceMap};
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::HashMap;
use std::fmt;

/// An error reading the JSON form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonError {
    /// The 1-based line of the error in the JSON text (0 only if no position is known; the
    /// message then says where).
    pub line: usize,
    /// The 1-based column (0 together with `line == 0`).
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}:{}: {}", self.line, self.column, self.message)
        }
    }
}

impl std::error::Error for JsonError {}

/// The JSON form of a module, pretty-printed with 2-space indentation.
pub fn to_json(m: &Module) -> String {
    serde_json::to_string_pretty(&raise(m))
        .unwrap_or_else(|e| format!("{{\"error\": {:?}}}", e.to_string()))
}

/// Reads a module from its JSON form. The result is canonically numbered.
pub fn from_json(s: &str) -> Result<Module, JsonError> {
    from_json_with_map(s).map(|(m, _)| m)
}

/// Reads a module from its JSON form, with the byte spans of its entities in the JSON text (so
/// that verifier errors can be shown at `line:col` of a `.json` file, as for text): a box, a
/// parameter, an instruction and a loop span their JSON object; a function spans its `"name"`
/// value and a block its `"label"` value. Resolution errors also carry the line and column of
/// the entity holding the bad name.
pub fn from_json_with_map(s: &str) -> Result<(Module, SourceMap), JsonError> {
    let doc: ModuleDoc = serde_json::from_str(s).map_err(|e| JsonError {
        line: e.line(),
        column: e.column(),
        message: strip_position(&e.to_string()),
    })?;
    let map = locate::source_map(s);
    let errs = check_names(&doc);
    let result = if errs.is_empty() {
        lower(&doc)
    } else {
        Err(errs)
    };
    match result {
        Ok(m) => Ok((m, map)),
        Err(errs) => {
            let e = &errs[0];
            let (line, column) = match map.span(e.loc) {
                Some(sp) => line_col(s, sp.start as usize),
                None => (0, 0),
            };
            Err(JsonError {
                line,
                column,
                message: format!("{}: {}", describe(&doc, e.loc), e.message),
            })
        }
    }
}

/// Finds the spans of the entities of a (well-formed) JSON module text. A hand-written scanner:
/// serde_json keeps no positions. It never panics; on anything unexpected it stops and returns
/// what it found.
mod locate {
    use crate::span::{FunctionSpans, SourceMap, Span};

    struct Scan<'a> {
        b: &'a [u8],
        i: usize,
    }

    /// Nesting deeper than this is not scanned (serde_json already rejected it).
    const MAX_DEPTH: usize = 256;

    impl Scan<'_> {
        fn ws(&mut self) {
            while self.i < self.b.len() && matches!(self.b[self.i], b' ' | b'\t' | b'\n' | b'\r') {
                self.i += 1;
            }
        }

        fn peek(&mut self) -> Option<u8> {
            self.ws();
            self.b.get(self.i).copied()
        }

        fn eat(&mut self, c: u8) -> bool {
            if self.peek() == Some(c) {
                self.i += 1;
                true
            } else {
                false
            }
        }

        /// A string; returns its raw contents (escapes not decoded).
        fn string(&mut self) -> Option<&[u8]> {
            if !self.eat(b'"') {
                return None;
            }
            let start = self.i;
            while self.i < self.b.len() {
                match self.b[self.i] {
                    b'"' => {
                        self.i += 1;
                        return self.b.get(start..self.i - 1);
                    }
                    b'\\' => self.i += 2,
                    _ => self.i += 1,
                }
            }
            None
        }

        /// Any value; returns its span.
        fn value(&mut self, depth: usize) -> Option<Span> {
            if depth > MAX_DEPTH {
                return None;
            }
            let c = self.peek()?;
            let start = self.i;
            match c {
                b'"' => {
                    self.string()?;
                }
                b'{' => self.object(depth, |_, sc, d| sc.value(d).map(|_| ()))?,
                b'[' => self.array(depth, |_, sc, d| sc.value(d).map(|_| ()))?,
                _ => {
                    while self.i < self.b.len()
                        && !matches!(
                            self.b[self.i],
                            b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r'
                        )
                    {
                        self.i += 1;
                    }
                }
            }
            Some(Span::new(start, self.i))
        }

        /// An object; `member(key, scanner, depth)` must consume the member's value.
        fn object(
            &mut self,
            depth: usize,
            mut member: impl FnMut(&[u8], &mut Self, usize) -> Option<()>,
        ) -> Option<()> {
            if !self.eat(b'{') {
                return None;
            }
            if self.eat(b'}') {
                return Some(());
            }
            loop {
                let key = self.string()?.to_vec();
                if !self.eat(b':') {
                    return None;
                }
                member(&key, self, depth + 1)?;
                if self.eat(b'}') {
                    return Some(());
                }
                if !self.eat(b',') {
                    return None;
                }
            }
        }

        /// An array; `elem(index, scanner, depth)` must consume the element.
        fn array(
            &mut self,
            depth: usize,
            mut elem: impl FnMut(usize, &mut Self, usize) -> Option<()>,
        ) -> Option<()> {
            if !self.eat(b'[') {
                return None;
            }
            if self.eat(b']') {
                return Some(());
            }
            let mut n = 0;
            loop {
                elem(n, self, depth + 1)?;
                n += 1;
                if self.eat(b']') {
                    return Some(());
                }
                if !self.eat(b',') {
                    return None;
                }
            }
        }

        /// An array of objects: the span of each.
        fn spans(&mut self, depth: usize, out: &mut Vec<Span>) -> Option<()> {
            self.array(depth, |_, sc, d| {
                out.push(sc.value(d)?);
                Some(())
            })
        }

        /// An object whose member `key` (a string) gives its span; the object's own otherwise.
        fn keyed(&mut self, depth: usize, key: &[u8]) -> Option<Span> {
            self.peek()?;
            let start = self.i;
            let mut found = None;
            self.object(depth, |k, sc, d| {
                let sp = sc.value(d)?;
                if k == key {
                    found = Some(sp);
                }
                Some(())
            })?;
            Some(found.unwrap_or(Span::new(start, self.i)))
        }

        fn function(&mut self, depth: usize, fs: &mut FunctionSpans) -> Option<()> {
            self.peek()?;
            let start = self.i;
            let mut name = None;
            self.object(depth, |k, sc, d| {
                match k {
                    b"name" => name = Some(sc.value(d)?),
                    b"params" => sc.spans(d, &mut fs.params)?,
                    b"loops" => sc.spans(d, &mut fs.loops)?,
                    b"blocks" => sc.array(d, |_, sc, d| {
                        let mut insts = Vec::new();
                        let mut label = None;
                        sc.peek()?;
                        let bstart = sc.i;
                        sc.object(d, |k, sc, d| {
                            match k {
                                b"label" => label = Some(sc.value(d)?),
                                b"insts" => sc.spans(d, &mut insts)?,
                                _ => {
                                    sc.value(d)?;
                                }
                            }
                            Some(())
                        })?;
                        fs.blocks.push(label.unwrap_or(Span::new(bstart, sc.i)));
                        fs.insts.push(insts);
                        Some(())
                    })?,
                    _ => {
                        sc.value(d)?;
                    }
                }
                Some(())
            })?;
            fs.decl = name.unwrap_or(Span::new(start, self.i));
            Some(())
        }
    }

    /// The spans of the entities of a JSON module.
    pub(super) fn source_map(s: &str) -> SourceMap {
        let mut map = SourceMap::default();
        let mut sc = Scan {
            b: s.as_bytes(),
            i: 0,
        };
        let _ = sc.object(0, |k, sc, d| {
            match k {
                b"boxes" => sc.array(d, |_, sc, d| {
                    let sp = sc.keyed(d, b"name")?;
                    map.boxes.push(sp);
                    Some(())
                })?,
                b"functions" => sc.array(d, |_, sc, d| {
                    let mut fs = FunctionSpans::default();
                    let r = sc.function(d, &mut fs);
                    map.functions.push(fs);
                    r
                })?,
                _ => {
                    sc.value(d)?;
                }
            }
            Some(())
        });
        map
    }
}

/// Checks that every name of a document is legal in the text form (so that every module read
/// from JSON prints as text that parses back): identifiers for boxes, fields, labels and
/// methods, `f`/`Box.method` for functions, digits or identifiers for values. Names that must
/// resolve (types, classes, callees, externs, label references) are checked by resolution.
fn check_names(doc: &ModuleDoc) -> Vec<LowerError> {
    use crate::text::lexer::{is_func_name, is_ident, is_value_name};
    let mut errs = Vec::new();
    let mut check = |ok: bool, loc: Location, what: &str, name: &str| {
        if !ok {
            errs.push(LowerError {
                loc,
                message: format!("invalid {what} name {name:?}"),
                name: None,
            });
        }
    };
    for (i, b) in doc.boxes.iter().enumerate() {
        let loc = Location::Box(BoxId(i as u32));
        check(is_ident(&b.name), loc, "box", &b.name);
        for f in &b.fields {
            check(is_ident(f), loc, "field", f);
        }
    }
    for (fi, f) in doc.functions.iter().enumerate() {
        let fid = FuncId(fi as u32);
        check(
            is_func_name(&f.name),
            Location::Function(fid),
            "function",
            &f.name,
        );
        for (pi, p) in f.params.iter().enumerate() {
            check(
                is_value_name(&p.name),
                Location::Param(fid, pi),
                "value",
                &p.name,
            );
        }
        for (bi, b) in f.blocks.iter().enumerate() {
            let block = Block(bi as u32);
            check(
                is_ident(&b.label),
                Location::Block(fid, block),
                "block",
                &b.label,
            );
            for (ii, inst) in b.insts.iter().enumerate() {
                let loc = Location::Inst(fid, block, ii);
                let mut values: Vec<&String> = Vec::new();
                let mut idents: Vec<(&str, &String)> = Vec::new();
                match inst {
                    InstDoc::Const { dest, .. } => values.push(dest),
                    InstDoc::Unary { dest, arg, .. } | InstDoc::Typeop { dest, arg, .. } => {
                        values.extend([dest, arg])
                    }
                    InstDoc::Binop { dest, lhs, rhs, .. }
                    | InstDoc::Compare { dest, lhs, rhs, .. } => values.extend([dest, lhs, rhs]),
                    InstDoc::Load { dest, obj, field } => {
                        values.extend([dest, obj]);
                        idents.push(("field", field));
                    }
                    InstDoc::Store { obj, field, value } => {
                        values.extend([obj, value]);
                        idents.push(("field", field));
                    }
                    InstDoc::Branch { cond, .. } => values.push(cond),
                    InstDoc::Jump { .. } => {}
                    InstDoc::Ret { value } => values.extend(value),
                    InstDoc::Phi { dest, inputs } => {
                        values.push(dest);
                        values.extend(inputs.iter().map(|i| &i.value));
                    }
                    InstDoc::New { dest, args, .. } => {
                        values.push(dest);
                        values.extend(args);
                    }
                    InstDoc::Call { dest, callee, args } => {
                        values.extend(dest);
                        values.extend(&callee.receiver);
                        values.extend(&callee.value);
                        if let Some(m) = &callee.method {
                            idents.push(("method", m));
                        }
                        values.extend(args);
                    }
                    InstDoc::Extern { dest, args, .. } => {
                        values.extend(dest);
                        values.extend(args);
                    }
                }
                for v in values {
                    check(is_value_name(v), loc, "value", v);
                }
                for (what, n) in idents {
                    check(is_ident(n), loc, what, n);
                }
            }
        }
    }
    errs
}

/// serde_json appends " at line L column C" to its messages; the position has its own fields.
fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

/// Describes where an entity of a document is, for error messages.
fn describe(doc: &ModuleDoc, loc: Location) -> String {
    let fname = |f: FuncId| {
        doc.functions
            .get(f.index())
            .map_or_else(|| "?".to_string(), |f| f.name.clone())
    };
    let label = |f: FuncId, b: Block| {
        doc.functions
            .get(f.index())
            .and_then(|f| f.blocks.get(b.index()))
            .map_or_else(|| "?".to_string(), |b| b.label.clone())
    };
    match loc {
        Location::Module => "module".to_string(),
        Location::Box(b) => format!(
            "box {}",
            doc.boxes.get(b.index()).map_or("?", |b| b.name.as_str())
        ),
        Location::Function(f) => format!("function @{}", fname(f)),
        Location::Param(f, i) => format!("function @{}, parameter {}", fname(f), i + 1),
        Location::Block(f, b) => format!("function @{}, block {}", fname(f), label(f, b)),
        Location::Inst(f, b, i) => format!(
            "function @{}, block {}, instruction {}",
            fname(f),
            label(f, b),
            i + 1
        ),
        Location::Loop(f, i) => format!("function @{}, loop {}", fname(f), i + 1),
    }
}

// ---------------------------------------------------------------------------------------------
// The named document.

/// A module with every reference written as a name: the JSON schema, and what the text parser
/// builds before resolving names.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ModuleDoc {
    /// The schema version; always 1.
    #[serde(deserialize_with = "de_version")]
    pub mir14: u64,
    /// The box declarations.
    #[serde(default)]
    pub boxes: Vec<BoxDoc>,
    /// The functions.
    #[serde(default)]
    pub functions: Vec<FuncDoc>,
}

fn de_version<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    let v = u64::deserialize(d)?;
    if v != 1 {
        return Err(de::Error::custom(format!(
            "unsupported mir14 version {v} (expected 1)"
        )));
    }
    Ok(v)
}

/// A box declaration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct BoxDoc {
    pub name: String,
    #[serde(default)]
    pub fields: Vec<String>,
}

/// A function.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FuncDoc {
    pub name: String,
    #[serde(default)]
    pub params: Vec<ParamDoc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ret_type: Option<String>,
    #[serde(default)]
    pub loops: Vec<LoopDoc>,
    #[serde(default)]
    pub blocks: Vec<BlockDoc>,
}

/// A parameter.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ParamDoc {
    pub name: String,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub ty: Option<String>,
}

/// A loop declaration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LoopDoc {
    pub header: String,
    pub body: String,
    pub latch: String,
    pub exit: String,
}

/// A block.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct BlockDoc {
    pub label: String,
    #[serde(default)]
    pub insts: Vec<InstDoc>,
}

/// A phi input.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PhiInputDoc {
    pub block: String,
    pub value: String,
}

/// A callee of `call`: exactly one of the forms described in the module doc.
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CalleeDoc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receiver: Option<String>,
    #[serde(rename = "box", default, skip_serializing_if = "Option::is_none")]
    pub box_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// A literal of `const`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum ConstDoc {
    Int(i64),
    Float(FloatLit),
    Bool(bool),
    String(String),
    Void,
    Function(String),
}

/// A float, serialized as its text form so that NaN, infinities and -0.0 survive.
#[derive(Copy, Clone, Debug)]
pub(crate) struct FloatLit(pub f64);

impl PartialEq for FloatLit {
    fn eq(&self, other: &Self) -> bool {
        Ieee64::new(self.0) == Ieee64::new(other.0)
    }
}

impl Serialize for FloatLit {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("{:?}", self.0))
    }
}

impl<'de> Deserialize<'de> for FloatLit {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = FloatLit;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a float as a string (\"1.5\", \"NaN\", \"-inf\") or a number")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<FloatLit, E> {
                crate::text::lexer::parse_float_text(s)
                    .map(FloatLit)
                    .map_err(E::custom)
            }
            fn visit_f64<E: de::Error>(self, x: f64) -> Result<FloatLit, E> {
                Ok(FloatLit(x))
            }
            fn visit_i64<E: de::Error>(self, x: i64) -> Result<FloatLit, E> {
                Ok(FloatLit(x as f64))
            }
            fn visit_u64<E: de::Error>(self, x: u64) -> Result<FloatLit, E> {
                Ok(FloatLit(x as f64))
            }
        }
        d.deserialize_any(V)
    }
}

/// An instruction, tagged by its opcode mnemonic.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "lowercase", deny_unknown_fields)]
pub(crate) enum InstDoc {
    Const {
        dest: String,
        value: ConstDoc,
    },
    Unary {
        dest: String,
        operator: String,
        arg: String,
    },
    Binop {
        dest: String,
        operator: String,
        lhs: String,
        rhs: String,
    },
    Compare {
        dest: String,
        operator: String,
        lhs: String,
        rhs: String,
    },
    Typeop {
        dest: String,
        kind: String,
        arg: String,
        #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
        ty: Option<String>,
    },
    Load {
        dest: String,
        obj: String,
        field: String,
    },
    Store {
        obj: String,
        field: String,
        value: String,
    },
    Branch {
        cond: String,
        then: String,
        #[serde(rename = "else")]
        else_: String,
    },
    Jump {
        target: String,
    },
    Ret {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        value: Option<String>,
    },
    Phi {
        dest: String,
        #[serde(default)]
        inputs: Vec<PhiInputDoc>,
    },
    New {
        dest: String,
        class: String,
        #[serde(default)]
        args: Vec<String>,
    },
    Call {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        dest: Option<String>,
        callee: CalleeDoc,
        #[serde(default)]
        args: Vec<String>,
    },
    Extern {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        dest: Option<String>,
        name: String,
        #[serde(default)]
        args: Vec<String>,
    },
}

// ---------------------------------------------------------------------------------------------
// Raising: a module to a document. Never panics; dangling ids get `?` names.

/// The document of a module. Ids that point nowhere (a module that does not verify) get names
/// starting with `?`: values `?12`, blocks `?bb3`, functions `?5`, boxes `?box2`.
pub(crate) fn raise(m: &Module) -> ModuleDoc {
    ModuleDoc {
        mir14: 1,
        boxes: m
            .boxes
            .values()
            .map(|b| BoxDoc {
                name: b.name.clone(),
                fields: b.fields.clone(),
            })
            .collect(),
        functions: m.functions.values().map(|f| raise_fn(m, f)).collect(),
    }
}

fn func_name(m: &Module, id: FuncId) -> String {
    m.functions
        .get(id)
        .map_or_else(|| format!("?{}", id.0), |f| f.name.clone())
}

fn box_name(m: &Module, id: BoxId) -> String {
    m.boxes
        .get(id)
        .map_or_else(|| format!("?box{}", id.0), |b| b.name.clone())
}

fn type_name(m: &Module, t: TypeName) -> String {
    match t {
        TypeName::User(b) => box_name(m, b),
        other => other.builtin_name().unwrap_or("?").to_string(),
    }
}

fn class_name(m: &Module, c: BoxClass) -> String {
    match c {
        BoxClass::User(b) => box_name(m, b),
        other => other.builtin_name().unwrap_or("?").to_string(),
    }
}

/// The name of a value of `f` (`?N` if it does not exist).
fn value_name(f: &Function, v: Value) -> String {
    f.values
        .get(v)
        .map_or_else(|| format!("?{}", v.0), |d| d.name.clone())
}

/// The label of a block of `f` (`?bbN` if it does not exist).
fn block_label(f: &Function, b: Block) -> String {
    f.blocks
        .get(b)
        .map_or_else(|| format!("?bb{}", b.0), |d| d.label.clone())
}

/// The document of one instruction of function `f` of module `m`.
pub(crate) fn raise_inst(m: &Module, f: &Function, inst: &Inst) -> InstDoc {
    let v = |x: Value| value_name(f, x);
    let b = |x: Block| block_label(f, x);
    {
        match inst {
            Inst::Const { dest, value } => InstDoc::Const {
                dest: v(*dest),
                value: match value {
                    Constant::Int(n) => ConstDoc::Int(*n),
                    Constant::Float(x) => ConstDoc::Float(FloatLit(x.get())),
                    Constant::Bool(x) => ConstDoc::Bool(*x),
                    Constant::Str(s) => ConstDoc::String(s.clone()),
                    Constant::Void => ConstDoc::Void,
                    Constant::Func(id) => ConstDoc::Function(func_name(m, *id)),
                },
            },
            Inst::Unary { dest, op, arg } => InstDoc::Unary {
                dest: v(*dest),
                operator: op.name().to_string(),
                arg: v(*arg),
            },
            Inst::Binary { dest, op, lhs, rhs } => InstDoc::Binop {
                dest: v(*dest),
                operator: op.name().to_string(),
                lhs: v(*lhs),
                rhs: v(*rhs),
            },
            Inst::Compare { dest, op, lhs, rhs } => InstDoc::Compare {
                dest: v(*dest),
                operator: op.name().to_string(),
                lhs: v(*lhs),
                rhs: v(*rhs),
            },
            Inst::TypeOp { dest, op, arg } => {
                let (kind, ty) = match op {
                    TypeOpKind::Check(t) => ("check", Some(type_name(m, *t))),
                    TypeOpKind::Cast(t) => ("cast", Some(type_name(m, *t))),
                    TypeOpKind::TypeOf => ("typeof", None),
                };
                InstDoc::Typeop {
                    dest: v(*dest),
                    kind: kind.to_string(),
                    arg: v(*arg),
                    ty,
                }
            }
            Inst::Load { dest, obj, field } => InstDoc::Load {
                dest: v(*dest),
                obj: v(*obj),
                field: field.clone(),
            },
            Inst::Store { obj, field, value } => InstDoc::Store {
                obj: v(*obj),
                field: field.clone(),
                value: v(*value),
            },
            Inst::Branch {
                cond,
                then_block,
                else_block,
            } => InstDoc::Branch {
                cond: v(*cond),
                then: b(*then_block),
                else_: b(*else_block),
            },
            Inst::Jump { target } => InstDoc::Jump { target: b(*target) },
            Inst::Return { value } => InstDoc::Ret {
                value: value.map(v),
            },
            Inst::Phi { dest, inputs } => InstDoc::Phi {
                dest: v(*dest),
                inputs: inputs
                    .iter()
                    .map(|(blk, val)| PhiInputDoc {
                        block: b(*blk),
                        value: v(*val),
                    })
                    .collect(),
            },
            Inst::NewBox { dest, class, args } => InstDoc::New {
                dest: v(*dest),
                class: class_name(m, *class),
                args: args.iter().map(|a| v(*a)).collect(),
            },
            Inst::Call { dest, callee, args } => InstDoc::Call {
                dest: dest.map(v),
                callee: match callee {
                    Callee::Global(id) => CalleeDoc {
                        function: Some(func_name(m, *id)),
                        ..CalleeDoc::default()
                    },
                    Callee::Method {
                        box_name: bn,
                        method,
                        receiver,
                    } => CalleeDoc {
                        receiver: Some(v(*receiver)),
                        box_name: bn.map(|id| box_name(m, id)),
                        method: Some(method.clone()),
                        ..CalleeDoc::default()
                    },
                    Callee::Value(f) => CalleeDoc {
                        value: Some(v(*f)),
                        ..CalleeDoc::default()
                    },
                    // Not a legal BoxCall callee; printed so that reading it back fails loudly.
                    Callee::Extern(e) => CalleeDoc {
                        function: Some(format!("?{}", e.name())),
                        ..CalleeDoc::default()
                    },
                },
                args: args.iter().map(|a| v(*a)).collect(),
            },
            Inst::ExternCall { dest, callee, args } => InstDoc::Extern {
                dest: dest.map(v),
                name: match callee {
                    Callee::Extern(e) => e.name().to_string(),
                    // Not a legal ExternCall callee.
                    _ => "?".to_string(),
                },
                args: args.iter().map(|a| v(*a)).collect(),
            },
        }
    }
}

/// The document of one function of module `m`.
pub(crate) fn raise_fn(m: &Module, f: &Function) -> FuncDoc {
    let v = |x: Value| value_name(f, x);
    let b = |x: Block| block_label(f, x);
    let raise_inst = |inst: &Inst| raise_inst(m, f, inst);
    FuncDoc {
        name: f.name.clone(),
        params: f
            .params
            .iter()
            .map(|p| ParamDoc {
                name: v(p.value),
                ty: p.ty.map(|t| type_name(m, t)),
            })
            .collect(),
        ret_type: f.ret_type.map(|t| type_name(m, t)),
        loops: f
            .loops
            .iter()
            .map(|l| LoopDoc {
                header: b(l.header),
                body: b(l.body),
                latch: b(l.latch),
                exit: b(l.exit),
            })
            .collect(),
        blocks: f
            .blocks
            .values()
            .map(|blk| BlockDoc {
                label: blk.label.clone(),
                insts: blk.insts.iter().map(raise_inst).collect(),
            })
            .collect(),
    }
}

// ---------------------------------------------------------------------------------------------
// Lowering: a document to a module, resolving names.

/// A name that did not resolve (or a malformed part of a document), at an entity.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct LowerError {
    /// The entity whose text holds the bad name.
    pub loc: Location,
    /// The message, e.g. `unknown function @f`.
    pub message: String,
    /// The name that did not resolve, if that is the error: whether it is a function name, and
    /// the name (dotted for externs). The text parser uses it to point at the name itself.
    pub name: Option<(bool, String)>,
}

/// Module-level name tables: the first declaration of a name wins.
struct ModCx {
    funcs: HashMap<String, FuncId>,
    boxes: HashMap<String, BoxId>,
}

/// Resolves every name of a document. Returns every resolution error found.
pub(crate) fn lower(doc: &ModuleDoc) -> Result<Module, Vec<LowerError>> {
    let mut cx = ModCx {
        funcs: HashMap::new(),
        boxes: HashMap::new(),
    };
    let mut module = Module::new();
    for b in &doc.boxes {
        let id = module.boxes.push(BoxDecl {
            name: b.name.clone(),
            fields: b.fields.clone(),
        });
        cx.boxes.entry(b.name.clone()).or_insert(id);
    }
    for (i, f) in doc.functions.iter().enumerate() {
        cx.funcs.entry(f.name.clone()).or_insert(FuncId(i as u32));
    }
    let mut errors = Vec::new();
    for (i, f) in doc.functions.iter().enumerate() {
        let func = lower_fn(&cx, FuncId(i as u32), f, &mut errors);
        module.functions.push(func);
    }
    if errors.is_empty() {
        Ok(module)
    } else {
        Err(errors)
    }
}

/// Function-level state of lowering.
struct FnCx<'a> {
    m: &'a ModCx,
    values: Arena<Value, ValueData>,
    vmap: HashMap<String, Value>,
    bmap: HashMap<String, Block>,
    errors: &'a mut Vec<LowerError>,
}

impl FnCx<'_> {
    /// The value named `name`; a new one on first sight (definition or use).
    fn value(&mut self, name: &str) -> Value {
        if let Some(v) = self.vmap.get(name) {
            return *v;
        }
        let v = self.values.push(ValueData {
            name: name.to_string(),
        });
        self.vmap.insert(name.to_string(), v);
        v
    }

    fn err(&mut self, loc: Location, message: String) {
        self.errors.push(LowerError {
            loc,
            message,
            name: None,
        });
    }

    /// Reports a name that did not resolve: `unknown <what> <name>`.
    fn unknown(&mut self, loc: Location, what: &str, name: &str) {
        let is_func = what == "function";
        let sigil = if is_func { "@" } else { "" };
        self.errors.push(LowerError {
            loc,
            message: format!("unknown {what} {sigil}{name}"),
            name: Some((is_func, name.to_string())),
        });
    }

    fn block(&mut self, name: &str, loc: Location) -> Block {
        match self.bmap.get(name) {
            Some(b) => *b,
            None => {
                self.unknown(loc, "block", name);
                Block(0)
            }
        }
    }

    fn func(&mut self, name: &str, loc: Location) -> FuncId {
        match self.m.funcs.get(name) {
            Some(f) => *f,
            None => {
                self.unknown(loc, "function", name);
                FuncId(0)
            }
        }
    }

    fn user_box(&mut self, name: &str, loc: Location) -> BoxId {
        match self.m.boxes.get(name) {
            Some(b) => *b,
            None => {
                self.unknown(loc, "box", name);
                BoxId(0)
            }
        }
    }

    fn ty(&mut self, name: &str, loc: Location) -> TypeName {
        if let Some(t) = TypeName::builtin(name) {
            return t;
        }
        match self.m.boxes.get(name) {
            Some(b) => TypeName::User(*b),
            None => {
                self.unknown(loc, "type", name);
                TypeName::Any
            }
        }
    }

    fn class(&mut self, name: &str, loc: Location) -> BoxClass {
        match BoxClass::builtin(name) {
            Some(c) => c,
            None => BoxClass::User(self.user_box(name, loc)),
        }
    }

    fn values(&mut self, names: &[String]) -> Vec<Value> {
        names.iter().map(|n| self.value(n)).collect()
    }

    fn op<T>(&mut self, what: &str, name: &str, found: Option<T>, dflt: T, loc: Location) -> T {
        match found {
            Some(op) => op,
            None => {
                self.err(loc, format!("unknown {what} operator {name}"));
                dflt
            }
        }
    }

    fn inst(&mut self, d: &InstDoc, loc: Location) -> Inst {
        match d {
            InstDoc::Const { dest, value } => {
                let dest = self.value(dest);
                let value = match value {
                    ConstDoc::Int(n) => Constant::Int(*n),
                    ConstDoc::Float(x) => Constant::Float(Ieee64::new(x.0)),
                    ConstDoc::Bool(x) => Constant::Bool(*x),
                    ConstDoc::String(s) => Constant::Str(s.clone()),
                    ConstDoc::Void => Constant::Void,
                    ConstDoc::Function(f) => Constant::Func(self.func(f, loc)),
                };
                Inst::Const { dest, value }
            }
            InstDoc::Unary {
                dest,
                operator,
                arg,
            } => {
                let dest = self.value(dest);
                let op = self.op(
                    "unary",
                    operator,
                    UnaryOp::from_name(operator),
                    UnaryOp::Neg,
                    loc,
                );
                let arg = self.value(arg);
                Inst::Unary { dest, op, arg }
            }
            InstDoc::Binop {
                dest,
                operator,
                lhs,
                rhs,
            } => {
                let dest = self.value(dest);
                let op = self.op(
                    "binop",
                    operator,
                    BinOp::from_name(operator),
                    BinOp::Add,
                    loc,
                );
                let (lhs, rhs) = (self.value(lhs), self.value(rhs));
                Inst::Binary { dest, op, lhs, rhs }
            }
            InstDoc::Compare {
                dest,
                operator,
                lhs,
                rhs,
            } => {
                let dest = self.value(dest);
                let op = self.op(
                    "compare",
                    operator,
                    CmpOp::from_name(operator),
                    CmpOp::Eq,
                    loc,
                );
                let (lhs, rhs) = (self.value(lhs), self.value(rhs));
                Inst::Compare { dest, op, lhs, rhs }
            }
            InstDoc::Typeop {
                dest,
                kind,
                arg,
                ty,
            } => {
                let dest = self.value(dest);
                let arg = self.value(arg);
                let op = match (kind.as_str(), ty) {
                    ("check", Some(t)) => TypeOpKind::Check(self.ty(t, loc)),
                    ("cast", Some(t)) => TypeOpKind::Cast(self.ty(t, loc)),
                    ("typeof", None) => TypeOpKind::TypeOf,
                    ("check" | "cast", None) => {
                        self.err(loc, format!("typeop {kind} needs a type"));
                        TypeOpKind::TypeOf
                    }
                    ("typeof", Some(_)) => {
                        self.err(loc, "typeop typeof takes no type".to_string());
                        TypeOpKind::TypeOf
                    }
                    _ => {
                        self.err(loc, format!("unknown typeop kind {kind}"));
                        TypeOpKind::TypeOf
                    }
                };
                Inst::TypeOp { dest, op, arg }
            }
            InstDoc::Load { dest, obj, field } => Inst::Load {
                dest: self.value(dest),
                obj: self.value(obj),
                field: field.clone(),
            },
            InstDoc::Store { obj, field, value } => Inst::Store {
                obj: self.value(obj),
                field: field.clone(),
                value: self.value(value),
            },
            InstDoc::Branch { cond, then, else_ } => Inst::Branch {
                cond: self.value(cond),
                then_block: self.block(then, loc),
                else_block: self.block(else_, loc),
            },
            InstDoc::Jump { target } => Inst::Jump {
                target: self.block(target, loc),
            },
            InstDoc::Ret { value } => Inst::Return {
                value: value.as_ref().map(|v| self.value(v)),
            },
            InstDoc::Phi { dest, inputs } => {
                let dest = self.value(dest);
                let inputs = inputs
                    .iter()
                    .map(|i| (self.block(&i.block, loc), self.value(&i.value)))
                    .collect();
                Inst::Phi { dest, inputs }
            }
            InstDoc::New { dest, class, args } => Inst::NewBox {
                dest: self.value(dest),
                class: self.class(class, loc),
                args: self.values(args),
            },
            InstDoc::Call { dest, callee, args } => {
                let dest = dest.as_ref().map(|d| self.value(d));
                let callee = match callee {
                    CalleeDoc {
                        function: Some(f),
                        receiver: None,
                        box_name: None,
                        method: None,
                        value: None,
                    } => Callee::Global(self.func(f, loc)),
                    CalleeDoc {
                        function: None,
                        receiver: Some(r),
                        box_name,
                        method: Some(m),
                        value: None,
                    } => Callee::Method {
                        receiver: self.value(r),
                        box_name: box_name.as_ref().map(|b| self.user_box(b, loc)),
                        method: m.clone(),
                    },
                    CalleeDoc {
                        function: None,
                        receiver: None,
                        box_name: None,
                        method: None,
                        value: Some(v),
                    } => Callee::Value(self.value(v)),
                    _ => {
                        self.err(
                            loc,
                            "a callee is {\"function\"}, {\"receiver\", \"method\"[, \"box\"]} \
                             or {\"value\"}"
                                .to_string(),
                        );
                        Callee::Global(FuncId(0))
                    }
                };
                let args = self.values(args);
                Inst::Call { dest, callee, args }
            }
            InstDoc::Extern { dest, name, args } => {
                let dest = dest.as_ref().map(|d| self.value(d));
                let callee = match ExternFn::from_name(name) {
                    Some(e) => Callee::Extern(e),
                    None => {
                        self.unknown(loc, "extern", name);
                        Callee::Extern(ExternFn::ConsoleLog)
                    }
                };
                let args = self.values(args);
                Inst::ExternCall { dest, callee, args }
            }
        }
    }
}

fn lower_fn(m: &ModCx, fid: FuncId, d: &FuncDoc, errors: &mut Vec<LowerError>) -> Function {
    let mut cx = FnCx {
        m,
        values: Arena::new(),
        vmap: HashMap::new(),
        bmap: HashMap::new(),
        errors,
    };
    let mut func = Function::new(d.name.clone());
    // Every label is known before any instruction refers to one (forward jumps).
    for (i, b) in d.blocks.iter().enumerate() {
        cx.bmap.entry(b.label.clone()).or_insert(Block(i as u32));
    }
    for (i, p) in d.params.iter().enumerate() {
        let value = cx.value(&p.name);
        let ty = p.ty.as_ref().map(|t| cx.ty(t, Location::Param(fid, i)));
        func.params.push(Param { value, ty });
    }
    func.ret_type = d
        .ret_type
        .as_ref()
        .map(|t| cx.ty(t, Location::Function(fid)));
    for (i, l) in d.loops.iter().enumerate() {
        let loc = Location::Loop(fid, i);
        func.loops.push(LoopForm {
            header: cx.block(&l.header, loc),
            body: cx.block(&l.body, loc),
            latch: cx.block(&l.latch, loc),
            exit: cx.block(&l.exit, loc),
        });
    }
    for (bi, b) in d.blocks.iter().enumerate() {
        let insts = b
            .insts
            .iter()
            .enumerate()
            .map(|(ii, inst)| cx.inst(inst, Location::Inst(fid, Block(bi as u32), ii)))
            .collect();
        func.blocks.push(BlockData {
            label: b.label.clone(),
            insts,
        });
    }
    func.values = cx.values;
    func.canonicalize();
    func
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "box Point { x, y }\n\nfn @main(%n: Integer) -> Void {\n  loop header=bb1 body=bb1 latch=bb1 exit=bb2\nbb0:\n  %a = const -0.0\n  %b = const NaN\n  %c = const true\n  %d = const void\n  %e = const 0\n  %f = const \"q\\\"\"\n  %g = const @main\n  %h = binop and %c, %c\n  %i = binop band %e, %e\n  %p = new Point()\n  store %p.x = %a\n  %t = typeop check %p Point\n  call %p.Point::m(%n)\n  extern env.console.log(%b)\n  jump bb1\nbb1:\n  %k = phi [bb0: %e]\n  branch %c, bb1, bb2\nbb2:\n  ret\n}\n";

    #[test]
    fn text_json_text() {
        let (m, _) = crate::text::parse(TEXT).unwrap();
        let j = to_json(&m);
        let back = from_json(&j).unwrap();
        assert_eq!(back, m);
        assert_eq!(crate::text::print(&back), TEXT);
        // Spot checks of the schema, written out by hand.
        for piece in [
            "\"mir14\": 1",
            "\"value\": {\n            \"float\": \"-0.0\"",
            "\"value\": {\n            \"float\": \"NaN\"",
            "\"value\": {\n            \"bool\": true",
            "\"value\": \"void\"",
            "\"value\": {\n            \"int\": 0",
            "\"string\": \"q\\\"\"",
            "\"function\": \"main\"",
            "\"operator\": \"and\"",
            "\"operator\": \"band\"",
            "\"callee\": {\n            \"receiver\": \"p\",\n            \"box\": \"Point\",\n            \"method\": \"m\"",
            "\"name\": \"env.console.log\"",
            "\"inputs\": [\n            {\n              \"block\": \"bb0\",\n              \"value\": \"e\"",
            "\"then\": \"bb1\",\n          \"else\": \"bb2\"",
            "{\n          \"op\": \"ret\"\n        }",
            "\"params\": [\n        {\n          \"name\": \"n\",\n          \"type\": \"Integer\"",
            "\"ret_type\": \"Void\"",
        ] {
            // Compared without whitespace (no string here holds a space).
            let flat = |s: &str| s.split_whitespace().collect::<String>();
            assert!(flat(&j).contains(&flat(piece)), "missing {piece} in\n{j}");
        }
    }

    #[test]
    fn source_map_of_json() {
        let (m, _) = crate::text::parse(TEXT).unwrap();
        let j = to_json(&m);
        let (back, map) = from_json_with_map(&j).unwrap();
        assert_eq!(back, m);
        let text = |sp: crate::span::Span| &j[sp.start as usize..sp.end as usize];
        assert_eq!(
            map.boxes.iter().map(|s| text(*s)).collect::<Vec<_>>(),
            ["\"Point\""]
        );
        let fs = &map.functions[0];
        assert_eq!(text(fs.decl), "\"main\"");
        assert_eq!(
            text(fs.params[0]).split_whitespace().collect::<String>(),
            r#"{"name":"n","type":"Integer"}"#
        );
        assert_eq!(fs.loops.len(), 1);
        assert!(
            text(fs.loops[0]).starts_with('{') && text(fs.loops[0]).contains("\"latch\": \"bb1\"")
        );
        assert_eq!(
            fs.blocks.iter().map(|s| text(*s)).collect::<Vec<_>>(),
            ["\"bb0\"", "\"bb1\"", "\"bb2\""]
        );
        let f = &m.functions[FuncId(0)];
        for (b, spans) in f.blocks.values().zip(&fs.insts) {
            assert_eq!(spans.len(), b.insts.len());
            for (inst, sp) in b.insts.iter().zip(spans) {
                let v: serde_json::Value = serde_json::from_str(text(*sp)).unwrap();
                assert_eq!(v["op"], inst.opcode_name());
            }
        }
        // A JSON error in a later function is located at its instruction.
        let j = "{\"mir14\": 1,\n\"functions\": [\n{\"name\": \"a\"},\n{\"name\": \"b\", \"blocks\": [{\"label\": \"x\", \"insts\": [\n  {\"op\": \"jump\", \"target\": \"y\"}]}]}]}";
        let e = from_json(j).unwrap_err();
        assert_eq!(
            (e.line, e.column, e.message.as_str()),
            (5, 3, "function @b, block x, instruction 1: unknown block y")
        );
    }

    #[test]
    fn hand_written_json() {
        let j = r#"{"mir14": 1, "functions": [{"name": "main", "blocks": [{"label": "entry", "insts": [
            {"op": "const", "dest": "x", "value": {"float": 2}},
            {"op": "const", "dest": "y", "value": {"float": "1e100"}},
            {"op": "call", "dest": "r", "callee": {"function": "main"}},
            {"op": "typeop", "dest": "t", "kind": "typeof", "arg": "x"},
            {"op": "ret", "value": "x"}]}]}]}"#;
        let m = from_json(j).unwrap();
        assert_eq!(
            crate::text::print(&m),
            "fn @main() {\nentry:\n  %x = const 2.0\n  %y = const 1e100\n  %r = call @main()\n  %t = typeop typeof %x\n  ret %x\n}\n"
        );
    }

    fn err(j: &str) -> JsonError {
        from_json(j).unwrap_err()
    }

    #[test]
    fn errors() {
        let e = err("{\"mir14\": 2}");
        assert!(e.message.contains("unsupported mir14 version 2"), "{e}");
        assert_eq!((e.line, e.column), (1, 12)); // serde points just past the number
        let e = err("{\n  \"mir14\": 1,\n  \"bogus\": []\n}");
        assert!(e.message.contains("unknown field `bogus`"), "{e}");
        assert_eq!(e.line, 3);
        let e = err("{\"boxes\": []}");
        assert!(e.message.contains("missing field `mir14`"), "{e}");
        let e = err("{\"mir14\": 1,");
        assert!(e.line == 1 && e.column > 0, "{e}");
        assert_eq!(e.to_string(), format!("1:{}: {}", e.column, e.message));
        let e = err(
            r#"{"mir14": 1, "functions": [{"name": "f", "blocks": [{"label": "b", "insts": [{"op": "frob"}]}]}]}"#,
        );
        assert!(e.message.contains("unknown variant `frob`"), "{e}");
        let e = err(
            r#"{"mir14": 1, "functions": [{"name": "f", "blocks": [{"label": "b", "insts": [{"op": "jump", "target": "b", "x": 1}]}]}]}"#,
        );
        assert!(e.message.contains("unknown field `x`"), "{e}");
        let e = err(
            r#"{"mir14": 1, "functions": [{"name": "f", "blocks": [{"label": "b", "insts": [{"op": "const", "dest": "x", "value": {"float": "1e999"}}]}]}]}"#,
        );
        assert!(e.message.contains("float literal out of range"), "{e}");
        let e = err(
            r#"{"mir14": 1, "functions": [{"name": "f", "blocks": [{"label": "b", "insts": [{"op": "ret"}, {"op": "call", "callee": {"function": "g"}}]}]}]}"#,
        );
        assert_eq!(
            e.message,
            "function @f, block b, instruction 2: unknown function @g"
        );
        // The position of the instruction's object (1-based column, checked by hand).
        assert_eq!((e.line, e.column), (1, 93));
        assert_eq!(e.to_string(), format!("1:93: {}", e.message));
        let e = err(
            r#"{"mir14": 1, "functions": [{"name": "f", "blocks": [{"label": "b", "insts": [{"op": "call", "callee": {"function": "f", "value": "v"}}]}]}]}"#,
        );
        assert!(e.message.contains("a callee is"), "{e}");
        let e = err(
            r#"{"mir14": 1, "functions": [{"name": "f", "blocks": [{"label": "b", "insts": [{"op": "binop", "dest": "x", "operator": "plus", "lhs": "a", "rhs": "a"}]}]}]}"#,
        );
        assert!(e.message.ends_with("unknown binop operator plus"), "{e}");
        let e = err(
            r#"{"mir14": 1, "functions": [{"name": "f", "blocks": [{"label": "b", "insts": [{"op": "typeop", "dest": "x", "kind": "cast", "arg": "a"}]}]}]}"#,
        );
        assert!(e.message.ends_with("typeop cast needs a type"), "{e}");
        let e = err(
            r#"{"mir14": 1, "functions": [{"name": "f", "params": [{"name": "a", "type": "Nope"}], "blocks": []}]}"#,
        );
        assert_eq!(e.message, "function @f, parameter 1: unknown type Nope");
        let e = err(
            r#"{"mir14": 1, "functions": [{"name": "f", "loops": [{"header": "a", "body": "a", "latch": "a", "exit": "zz"}], "blocks": [{"label": "a"}]}]}"#,
        );
        assert_eq!(e.message, "function @f, loop 1: unknown block zz");
        let e = err(
            r#"{"mir14": 1, "functions": [{"name": "f", "blocks": [{"label": "b", "insts": [{"op": "const", "dest": "x", "value": {"int": 9223372036854775808}}]}]}]}"#,
        );
        assert!(e.line == 1, "{e}");
    }
}
