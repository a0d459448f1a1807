//! The JSON form: one versioned serde schema, lossless both ways.
//!
//! Everything is referred to by **name**, as in the text form but without sigils: value names
//! (`"x"`, `"0"` for `%x`, `%0`), block labels (`"bb0"`), function names (`"main"`,
//! `"Point.norm"` for `@Point.norm`), box names, type names, op mnemonics. Reading resolves names
//! exactly like the text parser (functions and boxes anywhere in the module; the first of
//! duplicates wins; values numbered canonically), so `from_json(&to_json(m)) == m`.
//!
//! ```text
//! module   = {"mir14": 1, "imports": [import...], "boxes": [box...],     (imports, boxes,
//!             "functions": [function...]}                                      functions optional)
//! import   = {"name": "c.strlen", "params": ["String"], "result": "Integer"} (params optional)
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
//! instruction (`in @main, block bb0, instruction 3: unknown function @f`, as
//! [`crate::display::describe_location`] describes locations everywhere).
//! [`from_json_with_map`] also returns the spans of all entities in the JSON text, so verifier
//! errors can be located in `.json` files too.
//!
//!
//! The named document this form serializes, and the name resolution it shares with the text
//! form, live in [`crate::named`].

use crate::display::{escape_controls, located_message};
use crate::ir::Module;
use crate::named::{check_names, lower, raise, ModuleDoc};
use crate::span::{line_col, SourceMap};
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
        message: escape_controls(&strip_position(&e.to_string())),
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
                message: escape_controls(&located_message(&doc, e.loc, &e.message)),
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
                b"imports" => sc.array(d, |_, sc, d| {
                    let sp = sc.keyed(d, b"name")?;
                    map.imports.push(sp);
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

/// serde_json appends " at line L column C" to its messages; the position has its own fields.
fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::*;

    const TEXT: &str = "box Point { x, y }\n\nfn @main(%n: Integer) -> Void {\n  loop header=bb1 body=bb1 latch=bb1 exit=bb2\nbb0:\n  %a = const -0.0\n  %b = const NaN\n  %c = const true\n  %d = const void\n  %e = const 0\n  %f = const \"q\\\"\"\n  %g = const @main\n  %h = binop and %c, %c\n  %i = binop band %e, %e\n  %p = new Point()\n  store %p.x = %a\n  %t = typeop check %p Point\n  call %p.Point::m(%n)\n  extern env.console.log(%b)\n  jump bb1\nbb1:\n  %k = phi [bb0: %e]\n  branch %c, bb1, bb2\nbb2:\n  ret\n}\n";

    #[test]
    fn imports_round_trip() {
        let text = "import c.strlen(String) -> Integer\nimport host.beep() -> Void\n\nfn @main() {\nbb0:\n  %s = const \"ab\"\n  %n = extern c.strlen(%s)\n  extern host.beep()\n  ret %n\n}\n";
        let (m, map) = crate::text::parse(text).unwrap();
        assert_eq!(m.imports.len(), 2);
        assert_eq!(m.import_by_name("host.beep"), Some(crate::ir::ImportId(1)));
        assert_eq!(map.imports.len(), 2);
        assert!(crate::verify::verify(&m).is_ok());
        let j = to_json(&m);
        let flat = |s: &str| s.split_whitespace().collect::<String>();
        assert!(flat(&j).contains(&flat(
            "\"imports\": [{\"name\": \"c.strlen\", \"params\": [\"String\"], \"result\": \"Integer\"}"
        )));
        let (back, jmap) = from_json_with_map(&j).unwrap();
        assert_eq!(back, m);
        assert_eq!(jmap.imports.len(), 2);
        assert_eq!(crate::text::print(&back), text);
        // A module without imports has no "imports" key.
        let (plain, _) = crate::text::parse(TEXT).unwrap();
        assert!(!to_json(&plain).contains("imports"));
    }

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
            (5, 3, "in @b, block x, instruction 1: unknown block `y`")
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
            "in @f, block b, instruction 2: unknown function `@g`"
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
        assert!(e.message.ends_with("unknown binop operator `plus`"), "{e}");
        let e = err(
            r#"{"mir14": 1, "functions": [{"name": "f", "blocks": [{"label": "b", "insts": [{"op": "typeop", "dest": "x", "kind": "cast", "arg": "a"}]}]}]}"#,
        );
        assert!(e.message.ends_with("typeop `cast` needs a type"), "{e}");
        let e = err(
            r#"{"mir14": 1, "functions": [{"name": "f", "params": [{"name": "a", "type": "Nope"}], "blocks": []}]}"#,
        );
        assert_eq!(e.message, "in @f, parameter %a: unknown type `Nope`");
        let e = err(
            r#"{"mir14": 1, "functions": [{"name": "f", "loops": [{"header": "a", "body": "a", "latch": "a", "exit": "zz"}], "blocks": [{"label": "a"}]}]}"#,
        );
        assert_eq!(e.message, "in @f, loop declaration 1: unknown block `zz`");
        let e = err(
            r#"{"mir14": 1, "functions": [{"name": "f", "blocks": [{"label": "b", "insts": [{"op": "const", "dest": "x", "value": {"int": 9223372036854775808}}]}]}]}"#,
        );
        assert!(e.line == 1, "{e}");
    }

    #[test]
    fn name_errors_escape_control_characters() {
        let bad_fn = r#"{"mir14":1,"boxes":[],"functions":[{"name":"ma\u001b[31min","params":[],"loops":[],"blocks":[{"label":"bb0","insts":[{"op":"ret"}]}]}]}"#;
        let call = r#"{"mir14":1,"boxes":[],"functions":[{"name":"main","params":[],"loops":[],"blocks":[{"label":"bb0","insts":[{"op":"call","callee":{"function":"x\u001by"},"args":[]},{"op":"ret"}]}]}]}"#;
        let variant = r#"{"mir14":1,"boxes":[],"functions":[{"name":"main","params":[],"loops":[],"blocks":[{"label":"bb0","insts":[{"op":"\u001b"}]}]}]}"#;
        for src in [bad_fn, call, variant] {
            let e = from_json(src).unwrap_err();
            assert!(!e.message.chars().any(char::is_control), "{:?}", e.message);
        }
        let e = from_json(call).unwrap_err();
        assert!(
            e.message.ends_with(r"unknown function `@x\u{1b}y`"),
            "{}",
            e.message
        );
    }
}
