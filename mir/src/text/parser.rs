//! The parser: tokens to a [`Module`] and its [`SourceMap`], resolving names.
//!
//! Parsing has two stages. A recursive-descent pass over the tokens (the grammar of
//! spec/MIR14.md §2 is flat, so nothing recurses on the input) builds the named document of
//! [`crate::named`] and records the span of every entity; it stops at the first syntax error.
//! Then the document is lowered: names of functions, boxes, types, externs and blocks are
//! resolved anywhere in the module, and every resolution error is reported (located at the
//! instruction, parameter, loop declaration or function header that holds the name).
//!
//! Decisions beyond the spec:
//! - `ret` takes a value only if the next token is a value name *not followed by `=`*, so a bare
//!   `ret` followed by a definition (`ret` / `%x = const 1`) reads as two instructions.
//! - A function may have no blocks (`fn @f() {}`); the verifier reports it
//!   (`function @f has no blocks`).
//! - Duplicate names are not parse errors (the verifier reports them); references resolve to the
//!   first declaration. A value name maps to one value however often it is defined.

use super::lexer::{lex, Token, TokenKind};
use crate::ir::{BinOp, CmpOp, Module, UnaryOp};
use crate::named::{
    lower, BlockDoc, BoxDoc, CalleeDoc, ConstDoc, FloatLit, FuncDoc, ImportDoc, InstDoc, LoopDoc,
    ModuleDoc, ParamDoc, PhiInputDoc,
};
use crate::span::{Diagnostic, FunctionSpans, Location, Part, SourceMap, Span};

/// Parses a module from text. On failure returns every error found (at least one), each with the
/// span of the offending text and what was expected. Never panics, on any input.
pub fn parse(src: &str) -> Result<(Module, SourceMap), Vec<Diagnostic>> {
    let mut p = Parser {
        src,
        toks: lex(src),
        pos: 0,
        map: SourceMap::default(),
        parts: Vec::new(),
        numbered_counts: [0; 2],
    };
    let doc = p.module().map_err(|d| vec![d])?;
    match lower(&doc) {
        Ok(m) => Ok((m, p.map)),
        Err(errs) => Err(errs
            .into_iter()
            .map(|e| {
                let entity = p.map.span(e.loc).unwrap_or_default();
                // Parts of instructions and loops have their own spans; a name inside a larger
                // entity (a parameter's type) is looked for in its text.
                let precise = matches!(e.loc, Location::Operand(..) | Location::LoopLabel(..));
                let span = match &e.name {
                    Some((is_func, name)) if !precise => p.name_span(entity, *is_func, name),
                    _ => entity,
                };
                Diagnostic {
                    span,
                    message: e.message,
                }
            })
            .collect()),
    }
}

type PResult<T> = Result<T, Diagnostic>;

struct Parser<'a> {
    src: &'a str,
    toks: Vec<Token>,
    pos: usize,
    map: SourceMap,
    /// The parts of the instruction being parsed (see [`Part`]), in the order written.
    parts: Vec<(Part, Span)>,
    /// How many [`Part::Use`]s and [`Part::Label`]s `parts` holds (kept so that numbering the
    /// next one is O(1), not a scan: a phi or a call may have many thousands).
    numbered_counts: [usize; 2],
}

impl Parser<'_> {
    /// The current token (the final Eof once past the end).
    fn tok(&self) -> &Token {
        self.peek_at(0)
    }

    fn peek_at(&self, n: usize) -> &Token {
        let i = (self.pos + n).min(self.toks.len().saturating_sub(1));
        &self.toks[i]
    }

    fn kind(&self) -> &TokenKind {
        &self.tok().kind
    }

    fn bump(&mut self) -> Token {
        let t = self.tok().clone();
        if self.pos < self.toks.len() - 1 {
            self.pos += 1;
        }
        t
    }

    /// The span of the first occurrence of `name` inside `within` (the span of the entity that
    /// holds it): a function-name token if `is_func`, else a run of identifiers joined by dots
    /// (extern names). Falls back to `within`.
    fn name_span(&self, within: Span, is_func: bool, name: &str) -> Span {
        let first = self.toks.partition_point(|t| t.span.start < within.start);
        let toks = &self.toks[first..];
        for (i, t) in toks.iter().enumerate() {
            if t.span.end > within.end {
                break;
            }
            if is_func {
                if t.kind == TokenKind::Func && t.text(self.src) == name {
                    return t.span;
                }
                continue;
            }
            // Match the dot-separated segments against `Ident (. Ident)*`.
            let mut end = None;
            for (k, seg) in name.split('.').enumerate() {
                let tok = toks.get(i + 2 * k);
                let dot_ok =
                    k == 0 || toks.get(i + 2 * k - 1).map(|d| &d.kind) == Some(&TokenKind::Dot);
                match tok {
                    Some(tok)
                        if dot_ok && tok.kind == TokenKind::Ident && tok.text(self.src) == seg =>
                    {
                        end = Some(tok.span.end);
                    }
                    _ => {
                        end = None;
                        break;
                    }
                }
            }
            if let Some(end) = end {
                return Span {
                    start: t.span.start,
                    end,
                };
            }
        }
        within
    }

    /// The end of the previous token (for spans ending at the last consumed token).
    fn prev_end(&self) -> u32 {
        match self.pos {
            0 => 0,
            p => self.toks[p - 1].span.end,
        }
    }

    fn is_ident(&self, word: &str) -> bool {
        self.kind() == &TokenKind::Ident && self.tok().text(self.src) == word
    }

    /// How the current token is shown in "found ..." messages.
    fn found(&self) -> String {
        let t = self.tok();
        match &t.kind {
            TokenKind::Eof => "end of input".to_string(),
            _ => {
                let s = self
                    .src
                    .get(t.span.start as usize..t.span.end as usize)
                    .unwrap_or("");
                let short: String = s.chars().take(40).collect();
                if short.len() < s.len() {
                    format!("`{}...`", short.escape_debug())
                } else {
                    format!("`{}`", short.escape_debug())
                }
            }
        }
    }

    /// An `expected <what>, found <token>` error at the current token (or the lexer's message if
    /// the current token is a lexical error).
    fn expected(&self, what: &str) -> Diagnostic {
        let t = self.tok();
        let message = match &t.kind {
            TokenKind::Error(m) => m.clone(),
            _ => format!("expected {what}, found {}", self.found()),
        };
        Diagnostic {
            span: t.span,
            message,
        }
    }

    fn expect(&mut self, kind: TokenKind, what: &str) -> PResult<Token> {
        if *self.kind() == kind {
            Ok(self.bump())
        } else {
            Err(self.expected(what))
        }
    }

    fn expect_word(&mut self, word: &str) -> PResult<()> {
        if self.is_ident(word) {
            self.bump();
            Ok(())
        } else {
            Err(self.expected(&format!("`{word}`")))
        }
    }

    fn ident(&mut self, what: &str) -> PResult<String> {
        let t = self.expect(TokenKind::Ident, what)?;
        Ok(t.text(self.src).to_string())
    }

    fn value(&mut self) -> PResult<String> {
        let t = self.expect(TokenKind::Value, "a value name")?;
        Ok(t.text(self.src).to_string())
    }

    fn func_name(&mut self) -> PResult<String> {
        let t = self.expect(TokenKind::Func, "a function name")?;
        Ok(t.text(self.src).to_string())
    }

    /// Records a part of the current instruction at `span`.
    fn part(&mut self, part: Part, span: Span) {
        self.parts.push((part, span));
    }

    /// A token of `kind` recorded as the next numbered part `part(n)` of the instruction
    /// ([`Part::Use`] or [`Part::Label`]: `n` counts the earlier parts of that kind).
    fn numbered(
        &mut self,
        kind: TokenKind,
        what: &str,
        part: fn(usize) -> Part,
    ) -> PResult<String> {
        let slot = usize::from(matches!(part(0), Part::Label(_)));
        let n = self.numbered_counts[slot];
        let t = self.expect(kind, what)?;
        self.numbered_counts[slot] += 1;
        self.part(part(n), t.span);
        Ok(t.text(self.src).to_string())
    }

    /// A value the instruction reads: records it as the next [`Part::Use`].
    fn use_value(&mut self) -> PResult<String> {
        self.numbered(TokenKind::Value, "a value name", Part::Use)
    }

    /// A block label the instruction names: records it as the next [`Part::Label`].
    fn label_ref(&mut self) -> PResult<String> {
        self.numbered(TokenKind::Ident, "a block label", Part::Label)
    }

    /// An identifier the instruction refers to by name: records it as [`Part::Name`].
    fn name_ident(&mut self, what: &str) -> PResult<String> {
        let t = self.expect(TokenKind::Ident, what)?;
        self.part(Part::Name, t.span);
        Ok(t.text(self.src).to_string())
    }

    fn module(&mut self) -> PResult<ModuleDoc> {
        let mut doc = ModuleDoc {
            mir14: 1,
            boxes: Vec::new(),
            functions: Vec::new(),
            imports: Vec::new(),
        };
        loop {
            if *self.kind() == TokenKind::Eof {
                return Ok(doc);
            }
            if self.is_ident("box") {
                let start = self.tok().span.start;
                doc.boxes.push(self.box_decl()?);
                self.map.boxes.push(Span {
                    start,
                    end: self.prev_end(),
                });
            } else if self.is_ident("fn") {
                doc.functions.push(self.function()?);
            } else if self.is_ident("import") {
                let start = self.tok().span.start;
                doc.imports.push(self.import_decl()?);
                self.map.imports.push(Span {
                    start,
                    end: self.prev_end(),
                });
            } else {
                return Err(self.expected("`box`, `fn` or `import`"));
            }
        }
    }

    fn box_decl(&mut self) -> PResult<BoxDoc> {
        self.bump();
        self.map.box_names.push(self.tok().span);
        let name = self.ident("a box name")?;
        self.expect(TokenKind::LBrace, "`{`")?;
        let mut fields = Vec::new();
        let mut field_spans = Vec::new();
        if *self.kind() != TokenKind::RBrace {
            loop {
                field_spans.push(self.tok().span);
                fields.push(self.ident("a field name")?);
                if *self.kind() == TokenKind::Comma {
                    self.bump();
                } else {
                    break;
                }
            }
        }
        self.expect(TokenKind::RBrace, "`,` or `}`")?;
        self.map.box_fields.push(field_spans);
        Ok(BoxDoc { name, fields })
    }

    /// `import c.NAME(T1, T2) -> T` (the result type is required).
    fn import_decl(&mut self) -> PResult<ImportDoc> {
        self.bump();
        let mut name = self.ident("an import namespace")?;
        self.expect(TokenKind::Dot, "`.`")?;
        name.push('.');
        name.push_str(&self.ident("an imported function name")?);
        self.expect(TokenKind::LParen, "`(`")?;
        let mut params = Vec::new();
        if *self.kind() != TokenKind::RParen {
            loop {
                params.push(self.ident("a type")?);
                if *self.kind() == TokenKind::Comma {
                    self.bump();
                } else {
                    break;
                }
            }
        }
        self.expect(TokenKind::RParen, "`,` or `)`")?;
        self.expect(TokenKind::Arrow, "`->`")?;
        let result = self.ident("a type")?;
        Ok(ImportDoc {
            name,
            params,
            result,
        })
    }

    fn function(&mut self) -> PResult<FuncDoc> {
        let start = self.tok().span.start;
        self.bump();
        let name_span = self.tok().span;
        let name = self.func_name()?;
        let mut spans = FunctionSpans {
            name: Some(name_span),
            ..FunctionSpans::default()
        };
        self.expect(TokenKind::LParen, "`(`")?;
        let mut params = Vec::new();
        if *self.kind() != TokenKind::RParen {
            loop {
                let pstart = self.tok().span.start;
                let pname = self.value()?;
                let ty = if *self.kind() == TokenKind::Colon {
                    self.bump();
                    Some(self.ident("a type name")?)
                } else {
                    None
                };
                spans.params.push(Span {
                    start: pstart,
                    end: self.prev_end(),
                });
                params.push(ParamDoc { name: pname, ty });
                if *self.kind() == TokenKind::Comma {
                    self.bump();
                } else {
                    break;
                }
            }
        }
        self.expect(TokenKind::RParen, "`,` or `)`")?;
        let ret_type = if *self.kind() == TokenKind::Arrow {
            self.bump();
            Some(self.ident("a type name")?)
        } else {
            None
        };
        spans.decl = Span {
            start,
            end: self.prev_end(),
        };
        self.expect(TokenKind::LBrace, "`{`")?;
        // Loop declarations: `loop` not used as a block label.
        let mut loops = Vec::new();
        while self.is_ident("loop") && self.peek_at(1).kind != TokenKind::Colon {
            let lstart = self.tok().span.start;
            self.bump();
            let mut labels = Vec::new();
            let mut label_spans = [Span::default(); 4];
            for (k, word) in ["header", "body", "latch", "exit"].into_iter().enumerate() {
                self.expect_word(word)?;
                self.expect(TokenKind::Eq, "`=`")?;
                label_spans[k] = self.tok().span;
                labels.push(self.ident("a block label")?);
            }
            spans.loop_labels.push(label_spans);
            spans.loops.push(Span {
                start: lstart,
                end: self.prev_end(),
            });
            let mut it = labels.into_iter();
            let mut next = || it.next().unwrap_or_default();
            loops.push(LoopDoc {
                header: next(),
                body: next(),
                latch: next(),
                exit: next(),
            });
        }
        let mut blocks = Vec::new();
        loop {
            if *self.kind() == TokenKind::RBrace {
                self.bump();
                break;
            }
            if !self.at_label() {
                return Err(self.expected("a block label or `}`"));
            }
            let label_tok = self.bump();
            self.bump(); // the `:`
            spans.blocks.push(label_tok.span);
            let mut insts = Vec::new();
            let mut inst_spans = Vec::new();
            while *self.kind() != TokenKind::RBrace && !self.at_label() {
                let istart = self.tok().span.start;
                self.parts.clear();
                self.numbered_counts = [0; 2];
                insts.push(self.inst()?);
                let key = (spans.insts.len() as u32, inst_spans.len());
                for (part, span) in self.parts.drain(..) {
                    spans.parts.insert((key.0, key.1, part), span);
                }
                inst_spans.push(Span {
                    start: istart,
                    end: self.prev_end(),
                });
            }
            spans.insts.push(inst_spans);
            blocks.push(BlockDoc {
                label: label_tok.text(self.src).to_string(),
                insts,
            });
        }
        self.map.functions.push(spans);
        Ok(FuncDoc {
            name,
            params,
            ret_type,
            loops,
            blocks,
        })
    }

    /// True at `label :`.
    fn at_label(&self) -> bool {
        *self.kind() == TokenKind::Ident && self.peek_at(1).kind == TokenKind::Colon
    }

    fn args(&mut self) -> PResult<Vec<String>> {
        self.expect(TokenKind::LParen, "`(`")?;
        let mut args = Vec::new();
        if *self.kind() != TokenKind::RParen {
            loop {
                args.push(self.use_value()?);
                if *self.kind() == TokenKind::Comma {
                    self.bump();
                } else {
                    break;
                }
            }
        }
        self.expect(TokenKind::RParen, "`,` or `)`")?;
        Ok(args)
    }

    fn inst(&mut self) -> PResult<InstDoc> {
        match self.kind() {
            TokenKind::Value => {
                let span = self.tok().span;
                let dest = self.value()?;
                self.part(Part::Dest, span);
                self.expect(TokenKind::Eq, "`=`")?;
                self.def_inst(dest)
            }
            TokenKind::Ident => {
                let word = self.tok().text(self.src);
                match word {
                    "store" => {
                        self.bump();
                        let obj = self.use_value()?;
                        self.expect(TokenKind::Dot, "`.`")?;
                        let field = self.name_ident("a field name")?;
                        self.expect(TokenKind::Eq, "`=`")?;
                        let value = self.use_value()?;
                        Ok(InstDoc::Store { obj, field, value })
                    }
                    "branch" => {
                        self.bump();
                        let cond = self.use_value()?;
                        self.expect(TokenKind::Comma, "`,`")?;
                        let then = self.label_ref()?;
                        self.expect(TokenKind::Comma, "`,`")?;
                        let else_ = self.label_ref()?;
                        Ok(InstDoc::Branch { cond, then, else_ })
                    }
                    "jump" => {
                        self.bump();
                        let target = self.label_ref()?;
                        Ok(InstDoc::Jump { target })
                    }
                    "ret" => {
                        self.bump();
                        let value = if *self.kind() == TokenKind::Value
                            && self.peek_at(1).kind != TokenKind::Eq
                        {
                            Some(self.use_value()?)
                        } else {
                            None
                        };
                        Ok(InstDoc::Ret { value })
                    }
                    "call" => {
                        self.bump();
                        self.call(None, false)
                    }
                    "tail" => {
                        self.bump();
                        self.expect_word("call")?;
                        self.call(None, true)
                    }
                    "extern" => {
                        self.bump();
                        self.extern_call(None)
                    }
                    _ => Err(self.expected("an instruction")),
                }
            }
            _ => Err(self.expected("an instruction")),
        }
    }

    /// The instructions of the form `%d = ...`, after the `=`.
    fn def_inst(&mut self, dest: String) -> PResult<InstDoc> {
        let what = "an instruction (`const`, `unary`, `binop`, `compare`, `typeop`, `load`, \
                    `phi`, `new`, `call`, `tail call` or `extern`)";
        if *self.kind() != TokenKind::Ident {
            return Err(self.expected(what));
        }
        let word = self.tok().text(self.src);
        match word {
            "const" => {
                self.bump();
                let value = self.literal()?;
                Ok(InstDoc::Const { dest, value })
            }
            "unary" => {
                self.bump();
                let operator =
                    self.mnemonic("a unary operator", |s| UnaryOp::from_name(s).is_some())?;
                let arg = self.use_value()?;
                Ok(InstDoc::Unary {
                    dest,
                    operator,
                    arg,
                })
            }
            "binop" | "compare" => {
                let is_bin = word == "binop";
                self.bump();
                let operator = if is_bin {
                    self.mnemonic("a binop operator", |s| BinOp::from_name(s).is_some())?
                } else {
                    self.mnemonic("a compare operator", |s| CmpOp::from_name(s).is_some())?
                };
                let lhs = self.use_value()?;
                self.expect(TokenKind::Comma, "`,`")?;
                let rhs = self.use_value()?;
                Ok(if is_bin {
                    InstDoc::Binop {
                        dest,
                        operator,
                        lhs,
                        rhs,
                    }
                } else {
                    InstDoc::Compare {
                        dest,
                        operator,
                        lhs,
                        rhs,
                    }
                })
            }
            "typeop" => {
                self.bump();
                let kind = self.mnemonic("`check`, `cast` or `typeof`", |s| {
                    matches!(s, "check" | "cast" | "typeof")
                })?;
                let arg = self.use_value()?;
                let ty = if kind == "typeof" {
                    None
                } else {
                    Some(self.name_ident("a type name")?)
                };
                Ok(InstDoc::Typeop {
                    dest,
                    kind,
                    arg,
                    ty,
                })
            }
            "load" => {
                self.bump();
                let obj = self.use_value()?;
                self.expect(TokenKind::Dot, "`.`")?;
                let field = self.name_ident("a field name")?;
                Ok(InstDoc::Load { dest, obj, field })
            }
            "phi" => {
                self.bump();
                let mut inputs = Vec::new();
                if *self.kind() == TokenKind::LBracket {
                    loop {
                        self.expect(TokenKind::LBracket, "`[`")?;
                        let block = self.label_ref()?;
                        self.expect(TokenKind::Colon, "`:`")?;
                        let value = self.use_value()?;
                        self.expect(TokenKind::RBracket, "`]`")?;
                        inputs.push(PhiInputDoc { block, value });
                        if *self.kind() == TokenKind::Comma {
                            self.bump();
                        } else {
                            break;
                        }
                    }
                }
                Ok(InstDoc::Phi { dest, inputs })
            }
            "new" => {
                self.bump();
                let class = self.name_ident("a box name")?;
                let args = self.args()?;
                Ok(InstDoc::New { dest, class, args })
            }
            "call" => {
                self.bump();
                self.call(Some(dest), false)
            }
            "tail" => {
                self.bump();
                self.expect_word("call")?;
                self.call(Some(dest), true)
            }
            "extern" => {
                self.bump();
                self.extern_call(Some(dest))
            }
            _ => Err(self.expected(what)),
        }
    }

    /// An identifier that `ok` accepts.
    fn mnemonic(&mut self, what: &str, ok: impl Fn(&str) -> bool) -> PResult<String> {
        if *self.kind() == TokenKind::Ident && ok(self.tok().text(self.src)) {
            Ok(self.bump().text(self.src).to_string())
        } else {
            Err(self.expected(what))
        }
    }

    fn literal(&mut self) -> PResult<ConstDoc> {
        let what = "a literal";
        let lit = match self.kind() {
            TokenKind::Int(n) => ConstDoc::Int(*n),
            TokenKind::Float(x) => ConstDoc::Float(FloatLit(*x)),
            TokenKind::Str(s) => ConstDoc::String(s.clone()),
            TokenKind::Func => {
                self.part(Part::Name, self.tok().span);
                ConstDoc::Function(self.tok().text(self.src).to_string())
            }
            TokenKind::Ident => match self.tok().text(self.src) {
                "true" => ConstDoc::Bool(true),
                "false" => ConstDoc::Bool(false),
                "void" | "null" => ConstDoc::Void,
                "inf" => ConstDoc::Float(FloatLit(f64::INFINITY)),
                "NaN" => ConstDoc::Float(FloatLit(f64::NAN)),
                _ => return Err(self.expected(what)),
            },
            _ => return Err(self.expected(what)),
        };
        self.bump();
        Ok(lit)
    }

    /// A call after `call` (or `tail call`).
    fn call(&mut self, dest: Option<String>, tail: bool) -> PResult<InstDoc> {
        let callee = match self.kind() {
            TokenKind::Func => {
                self.part(Part::Name, self.tok().span);
                CalleeDoc {
                    function: Some(self.func_name()?),
                    ..CalleeDoc::default()
                }
            }
            TokenKind::Value => {
                let v = self.use_value()?;
                if *self.kind() == TokenKind::Dot {
                    self.bump();
                    let start = self.tok().span.start;
                    let first = self.ident("a method name")?;
                    if *self.kind() == TokenKind::ColonColon {
                        self.bump();
                        let method = self.ident("a method name")?;
                        // `Box::method` as one name.
                        let span = Span::new(start as usize, self.prev_end() as usize);
                        self.part(Part::Name, span);
                        CalleeDoc {
                            receiver: Some(v),
                            box_name: Some(first),
                            method: Some(method),
                            ..CalleeDoc::default()
                        }
                    } else {
                        self.part(
                            Part::Name,
                            Span::new(start as usize, self.prev_end() as usize),
                        );
                        CalleeDoc {
                            receiver: Some(v),
                            method: Some(first),
                            ..CalleeDoc::default()
                        }
                    }
                } else {
                    CalleeDoc {
                        value: Some(v),
                        ..CalleeDoc::default()
                    }
                }
            }
            _ => return Err(self.expected("a function name or a value name")),
        };
        let args = self.args()?;
        Ok(InstDoc::Call {
            dest,
            tail,
            callee,
            args,
        })
    }

    fn extern_call(&mut self, dest: Option<String>) -> PResult<InstDoc> {
        let start = self.tok().span.start;
        let mut name = self.ident("an extern name")?;
        while *self.kind() == TokenKind::Dot {
            self.bump();
            name.push('.');
            name.push_str(&self.ident("an identifier")?);
        }
        self.part(
            Part::Name,
            Span::new(start as usize, self.prev_end() as usize),
        );
        let args = self.args()?;
        Ok(InstDoc::Extern { dest, name, args })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::*;

    fn ok(src: &str) -> (Module, SourceMap) {
        match parse(src) {
            Ok(r) => r,
            Err(e) => panic!("{src}\n{e:?}"),
        }
    }

    fn errs(src: &str) -> Vec<(String, &str)> {
        match parse(src) {
            Ok(_) => panic!("parsed: {src}"),
            Err(es) => es
                .into_iter()
                .map(|d| (d.message, &src[d.span.start as usize..d.span.end as usize]))
                .collect(),
        }
    }

    /// Parses `fn @main(%p, %q) {\nbb0:\n  <inst>\n  ret\nbb1:\n  ret\n}` with box `Point` and
    /// function `@g` around it, and returns the instruction with the function.
    fn one(inst: &str) -> (Inst, Function) {
        let src = format!(
            "box Point {{ x, y }}\nfn @main(%p, %q) {{\nbb0:\n  {inst}\n  ret\nbb1:\n  ret\n}}\n\
             fn @g() {{\nbb0:\n  ret\n}}\n"
        );
        let (m, _) = ok(&src);
        let f = m.functions[FuncId(0)].clone();
        (f.blocks[Block(0)].insts[0].clone(), f)
    }

    fn v(n: u32) -> Value {
        Value(n)
    }

    #[test]
    fn each_instruction() {
        // %p = 0, %q = 1, the result (if any) = 2.
        let cases: Vec<(&str, Inst)> = vec![
            (
                "%d = const 42",
                Inst::Const {
                    dest: v(2),
                    value: Constant::Int(42),
                },
            ),
            (
                "%d = const -7",
                Inst::Const {
                    dest: v(2),
                    value: Constant::Int(-7),
                },
            ),
            (
                "%d = const 3.5",
                Inst::Const {
                    dest: v(2),
                    value: Constant::Float(3.5.into()),
                },
            ),
            (
                "%d = const NaN",
                Inst::Const {
                    dest: v(2),
                    value: Constant::Float(f64::NAN.into()),
                },
            ),
            (
                "%d = const -inf",
                Inst::Const {
                    dest: v(2),
                    value: Constant::Float(f64::NEG_INFINITY.into()),
                },
            ),
            (
                "%d = const inf",
                Inst::Const {
                    dest: v(2),
                    value: Constant::Float(f64::INFINITY.into()),
                },
            ),
            (
                "%d = const true",
                Inst::Const {
                    dest: v(2),
                    value: Constant::Bool(true),
                },
            ),
            (
                "%d = const false",
                Inst::Const {
                    dest: v(2),
                    value: Constant::Bool(false),
                },
            ),
            (
                "%d = const void",
                Inst::Const {
                    dest: v(2),
                    value: Constant::Void,
                },
            ),
            (
                "%d = const null",
                Inst::Const {
                    dest: v(2),
                    value: Constant::Void,
                },
            ),
            (
                r#"%d = const "a\n\u{e9}""#,
                Inst::Const {
                    dest: v(2),
                    value: Constant::Str("a\né".into()),
                },
            ),
            (
                "%d = const @g",
                Inst::Const {
                    dest: v(2),
                    value: Constant::Func(FuncId(1)),
                },
            ),
            (
                "%d = unary neg %p",
                Inst::Unary {
                    dest: v(2),
                    op: UnaryOp::Neg,
                    arg: v(0),
                },
            ),
            (
                "%d = unary not %p",
                Inst::Unary {
                    dest: v(2),
                    op: UnaryOp::Not,
                    arg: v(0),
                },
            ),
            (
                "%d = unary bitnot %p",
                Inst::Unary {
                    dest: v(2),
                    op: UnaryOp::BitNot,
                    arg: v(0),
                },
            ),
            (
                "%d = binop shr %p, %q",
                Inst::Binary {
                    dest: v(2),
                    op: BinOp::Shr,
                    lhs: v(0),
                    rhs: v(1),
                },
            ),
            (
                "%d = binop and %q, %p",
                Inst::Binary {
                    dest: v(2),
                    op: BinOp::And,
                    lhs: v(1),
                    rhs: v(0),
                },
            ),
            (
                "%d = compare ge %p, %q",
                Inst::Compare {
                    dest: v(2),
                    op: CmpOp::Ge,
                    lhs: v(0),
                    rhs: v(1),
                },
            ),
            (
                "%d = typeop check %p Integer",
                Inst::TypeOp {
                    dest: v(2),
                    op: TypeOpKind::Check(TypeName::Integer),
                    arg: v(0),
                },
            ),
            (
                "%d = typeop cast %p IntegerBox",
                Inst::TypeOp {
                    dest: v(2),
                    op: TypeOpKind::Cast(TypeName::Integer),
                    arg: v(0),
                },
            ),
            (
                "%d = typeop check %p Point",
                Inst::TypeOp {
                    dest: v(2),
                    op: TypeOpKind::Check(TypeName::User(BoxId(0))),
                    arg: v(0),
                },
            ),
            (
                "%d = typeop check %p LtOperator",
                Inst::TypeOp {
                    dest: v(2),
                    op: TypeOpKind::Check(TypeName::Operator(Operator::Cmp(CmpOp::Lt))),
                    arg: v(0),
                },
            ),
            (
                "%d = typeop typeof %p",
                Inst::TypeOp {
                    dest: v(2),
                    op: TypeOpKind::TypeOf,
                    arg: v(0),
                },
            ),
            (
                "%d = load %p.x",
                Inst::Load {
                    dest: v(2),
                    obj: v(0),
                    field: "x".into(),
                },
            ),
            (
                "store %p.y = %q",
                Inst::Store {
                    obj: v(0),
                    field: "y".into(),
                    value: v(1),
                },
            ),
            (
                "branch %p, bb1, bb0",
                Inst::Branch {
                    cond: v(0),
                    then_block: Block(1),
                    else_block: Block(0),
                },
            ),
            ("jump bb1", Inst::Jump { target: Block(1) }),
            ("ret %q", Inst::Return { value: Some(v(1)) }),
            (
                "%d = phi [bb0: %p], [bb1: %q]",
                Inst::Phi {
                    dest: v(2),
                    inputs: vec![(Block(0), v(0)), (Block(1), v(1))],
                },
            ),
            (
                "%d = phi",
                Inst::Phi {
                    dest: v(2),
                    inputs: vec![],
                },
            ),
            (
                "%d = new Point(%p, %q)",
                Inst::NewBox {
                    dest: v(2),
                    class: BoxClass::User(BoxId(0)),
                    args: vec![v(0), v(1)],
                },
            ),
            (
                "%d = new IntegerBox(%p)",
                Inst::NewBox {
                    dest: v(2),
                    class: BoxClass::Primitive(TypeName::Integer),
                    args: vec![v(0)],
                },
            ),
            (
                "%d = new AddOperator()",
                Inst::NewBox {
                    dest: v(2),
                    class: BoxClass::Operator(Operator::Bin(BinOp::Add)),
                    args: vec![],
                },
            ),
            (
                "%d = new ArrayBox()",
                Inst::NewBox {
                    dest: v(2),
                    class: BoxClass::Array,
                    args: vec![],
                },
            ),
            (
                "%d = call @g(%p)",
                Inst::Call {
                    dest: Some(v(2)),
                    callee: Callee::Global(FuncId(1)),
                    args: vec![v(0)],
                    tail: false,
                },
            ),
            (
                "call @g()",
                Inst::Call {
                    dest: None,
                    callee: Callee::Global(FuncId(1)),
                    args: vec![],
                    tail: false,
                },
            ),
            (
                "%d = call %p.len()",
                Inst::Call {
                    dest: Some(v(2)),
                    callee: Callee::Method {
                        box_name: None,
                        method: "len".into(),
                        receiver: v(0),
                    },
                    args: vec![],
                    tail: false,
                },
            ),
            (
                "call %p.Point::norm(%q, %p)",
                Inst::Call {
                    dest: None,
                    callee: Callee::Method {
                        box_name: Some(BoxId(0)),
                        method: "norm".into(),
                        receiver: v(0),
                    },
                    args: vec![v(1), v(0)],
                    tail: false,
                },
            ),
            (
                "%d = call %q(%p)",
                Inst::Call {
                    dest: Some(v(2)),
                    callee: Callee::Value(v(1)),
                    args: vec![v(0)],
                    tail: false,
                },
            ),
            (
                "%d = extern env.console.log(%p)",
                Inst::ExternCall {
                    dest: Some(v(2)),
                    callee: Callee::Extern(ExternFn::ConsoleLog),
                    args: vec![v(0)],
                },
            ),
            (
                "extern env.args()",
                Inst::ExternCall {
                    dest: None,
                    callee: Callee::Extern(ExternFn::Args),
                    args: vec![],
                },
            ),
            (
                "extern env.stdin.read_line()",
                Inst::ExternCall {
                    dest: None,
                    callee: Callee::Extern(ExternFn::StdinReadLine),
                    args: vec![],
                },
            ),
        ];
        for (text, want) in cases {
            let (got, f) = one(text);
            assert_eq!(got, want, "{text}");
            if let Some(d) = got.dest() {
                assert_eq!(f.value_name(d), "d");
            }
        }
    }

    #[test]
    fn header_params_loops_and_spans() {
        let src = "box P { a }\n\nfn @f(%n: Integer, %s: P) -> BoolBox {\n  loop header=h body=b latch=b exit=x\nentry:\n  jump h\nh:\n  %c = const true\n  branch %c, b, x\nb:\n  jump h\nx:\n  ret %n\n}\n";
        let (m, map) = ok(src);
        let f = &m.functions[FuncId(0)];
        assert_eq!(f.name, "f");
        assert_eq!(f.params[0].ty, Some(TypeName::Integer));
        assert_eq!(f.params[1].ty, Some(TypeName::User(BoxId(0))));
        assert_eq!(f.ret_type, Some(TypeName::Bool));
        assert_eq!(
            f.loops,
            vec![LoopForm {
                header: Block(1),
                body: Block(2),
                latch: Block(2),
                exit: Block(3)
            }]
        );
        let s = |sp: Span| &src[sp.start as usize..sp.end as usize];
        assert_eq!(s(map.boxes[0]), "box P { a }");
        let fs = &map.functions[0];
        assert_eq!(s(fs.decl), "fn @f(%n: Integer, %s: P) -> BoolBox");
        assert_eq!(s(fs.params[1]), "%s: P");
        assert_eq!(s(fs.loops[0]), "loop header=h body=b latch=b exit=x");
        assert_eq!(s(fs.blocks[1]), "h");
        assert_eq!(s(fs.insts[1][1]), "branch %c, b, x");
        assert_eq!(
            fs.insts.iter().map(Vec::len).collect::<Vec<_>>(),
            vec![1, 2, 1, 1]
        );
        assert_eq!(
            map.span(crate::span::Location::Inst(FuncId(0), Block(3), 0))
                .map(s),
            Some("ret %n")
        );
    }

    #[test]
    fn forward_references_and_keywords_as_labels() {
        let src = "fn @main() {\nstore:\n  %x = new Later()\n  %f = const @later\n  call @later()\n  jump loop\nloop:\n  ret\n}\nfn @later() {\nret:\n  ret\n}\nbox Later {}\n";
        let (m, _) = ok(src);
        let f = &m.functions[FuncId(0)];
        assert_eq!(f.blocks[Block(0)].label, "store");
        assert_eq!(f.blocks[Block(0)].insts[3], Inst::Jump { target: Block(1) });
        assert_eq!(
            f.blocks[Block(0)].insts[0],
            Inst::NewBox {
                dest: Value(0),
                class: BoxClass::User(BoxId(0)),
                args: vec![]
            }
        );
        assert_eq!(
            f.blocks[Block(0)].insts[1],
            Inst::Const {
                dest: Value(1),
                value: Constant::Func(FuncId(1))
            }
        );
    }

    #[test]
    fn canonical_numbering_and_duplicates() {
        // Uses before definitions, an undefined value, a value defined twice, a duplicate label.
        let src = "fn @f(%a) {\nbb0:\n  %z = binop add %u, %y\n  jump bb1\nbb1:\n  %y = const 1\n  %y = const 2\n  jump bb1\nbb1:\n  ret %a\n}\n";
        let (m, _) = ok(src);
        let f = &m.functions[FuncId(0)];
        let names: Vec<&str> = f.values.values().map(|v| v.name.as_str()).collect();
        assert_eq!(names, vec!["a", "z", "y", "u"]);
        assert_eq!(f.blocks[Block(1)].insts[2], Inst::Jump { target: Block(1) });
        assert_eq!(f.blocks.len(), 3);
        assert_eq!(f.blocks[Block(1)].insts[0].dest(), Some(Value(2)));
        assert_eq!(f.blocks[Block(1)].insts[1].dest(), Some(Value(2)));
    }

    #[test]
    fn ret_before_definition_and_empty_function() {
        let (m, _) = ok("fn @f() {\nbb0:\n  ret\n  %x = const 1\n  ret %x\n}\nfn @g() {}\n");
        let f = &m.functions[FuncId(0)];
        assert_eq!(f.blocks[Block(0)].insts.len(), 3);
        assert_eq!(f.blocks[Block(0)].insts[0], Inst::Return { value: None });
        assert!(m.functions[FuncId(1)].blocks.is_empty());
        // Comments and blank lines are ignored.
        ok("; c\nfn @f() { ; c\nbb0: ; c\n ret ; c\n} ; c");
    }

    #[test]
    fn syntax_errors() {
        let cases: &[(&str, &str, &str)] = &[
            (
                "fn @f() {\nbb0:\n  %x , const 1\n}",
                "expected `=`, found `,`",
                ",",
            ),
            ("fn @f() {\nbb0:\n  %x = frob 1\n}", "found `frob`", "frob"),
            (
                "fn @f() {\n  %x = const 1\n}",
                "expected a block label or `}`, found `%x`",
                "%x",
            ),
            (
                "fn @f() {\nbb0:\n  %x = const",
                "expected a literal, found end of input",
                "",
            ),
            (
                "fn @f() {\nbb0:\n  %x = binop foo %a, %b\n}",
                "expected a binop operator, found `foo`",
                "foo",
            ),
            (
                "fn @f() {\nbb0:\n  %x = compare add %a, %b\n}",
                "expected a compare operator, found `add`",
                "add",
            ),
            (
                "fn @f() {\nbb0:\n  %x = unary add %a\n}",
                "expected a unary operator, found `add`",
                "add",
            ),
            (
                "fn @f() {\nbb0:\n  %x = typeop is %a\n}",
                "expected `check`, `cast` or `typeof`, found `is`",
                "is",
            ),
            (
                "fn @f() {\nbb0:\n  branch %c bb1, bb2\n}",
                "expected `,`, found `bb1`",
                "bb1",
            ),
            (
                "fn @f() {\nbb0:\n  %x = const 99999999999999999999\n}",
                "integer literal out of range",
                "99999999999999999999",
            ),
            (
                "fn @f() {\nbb0:\n  %x = const 1e999\n}",
                "float literal out of range",
                "1e999",
            ),
            (
                "fn @f() {\nbb0:\n  %x = const \"a\\qb\"\n}",
                "invalid escape",
                "\\q",
            ),
            (
                "fn @f() {\nbb0:\n  %x = const \"ab\n}",
                "unterminated string",
                "\"ab",
            ),
            (
                "fn @f() {\nbb0:\n  %x = const #\n}",
                "unexpected character `#`",
                "#",
            ),
            ("box P { x y }", "expected `,` or `}`, found `y`", "y"),
            ("fn f() {}", "expected a function name, found `f`", "f"),
            ("fn @f(%a:) {}", "expected a type name, found `)`", ")"),
            (
                "fn @f() {\n  loop header=a body=b exit=c latch=d\n}",
                "expected `latch`, found `exit`",
                "exit",
            ),
            (
                "garbage",
                "expected `box`, `fn` or `import`, found `garbage`",
                "garbage",
            ),
            (
                "fn @f() {\nbb0:\n  %x = load %p\n}",
                "expected `.`, found `}`",
                "}",
            ),
            (
                "fn @f() {\nbb0:\n  call 3()\n}",
                "expected a function name or a value name, found `3`",
                "3",
            ),
        ];
        for (src, msg, at) in cases {
            let e = errs(src);
            assert_eq!(e.len(), 1, "{src}");
            assert!(e[0].0.contains(msg), "{src}: {:?}", e[0].0);
            assert_eq!(e[0].1, *at, "{src}");
        }
    }

    #[test]
    fn resolution_errors_are_all_reported() {
        let src = "fn @main(%a: Foo) -> Bar {\n  loop header=bb0 body=bb9 latch=bb0 exit=bb0\nbb0:\n  call @nope()\n  %b = new Baz()\n  %c = extern env.foo(%a)\n  %d = typeop cast %a Qux\n  call %a.Zed::m()\n  %e = const @nope2\n  jump bb7\n}\n";
        let e = errs(src);
        let got: Vec<(&str, &str)> = e.iter().map(|(m, s)| (m.as_str(), *s)).collect();
        assert_eq!(
            got,
            vec![
                ("unknown type `Foo`", "Foo"),
                ("unknown type `Bar`", "Bar"),
                ("unknown block `bb9`", "bb9"),
                ("unknown function `@nope`", "@nope"),
                ("unknown box `Baz`", "Baz"),
                ("unknown extern `env.foo`", "env.foo"),
                ("unknown type `Qux`", "Qux"),
                ("unknown box `Zed`", "Zed"),
                ("unknown function `@nope2`", "@nope2"),
                ("unknown block `bb7`", "bb7"),
            ]
        );
    }

    #[test]
    fn resolution_error_spans_point_at_the_name() {
        // The value `%Foo` in the same instruction is not the type name `Foo`.
        let src = "fn @Foo(%Foo) {\nbb0:\n  %x = load %Foo.Foo\n  %Foo = typeop check %x Foo\n  %z = extern env.x.y(%x)\n  ret\n}\n";
        let e = parse(src).unwrap_err();
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].message, "unknown type `Foo`");
        let at = src.find("%x Foo").unwrap() + 3;
        assert_eq!(e[0].span, Span::new(at, at + 3));
        let at = src.find("env.x.y").unwrap();
        assert_eq!(
            (e[1].message.as_str(), e[1].span),
            ("unknown extern `env.x.y`", Span::new(at, at + 7))
        );
        assert_eq!(
            crate::span::line_col(src, e[1].span.start as usize),
            (5, 15)
        );
    }

    #[test]
    fn duplicate_functions_and_boxes_resolve_to_the_first() {
        let (m, _) = ok("box A {}\nbox A { x }\nfn @f() {\nbb0:\n  %x = new A()\n  call @f()\n  ret\n}\nfn @f() {}\n");
        let i = &m.functions[FuncId(0)].blocks[Block(0)].insts;
        assert_eq!(
            i[0],
            Inst::NewBox {
                dest: Value(0),
                class: BoxClass::User(BoxId(0)),
                args: vec![]
            }
        );
        assert_eq!(
            i[1],
            Inst::Call {
                dest: None,
                callee: Callee::Global(FuncId(0)),
                args: vec![],
                tail: false,
            }
        );
        assert_eq!(m.functions.len(), 2);
        assert_eq!(m.boxes.len(), 2);
    }

    #[test]
    fn never_panics_on_garbage() {
        let pieces = [
            "fn",
            "@f",
            "(",
            ")",
            "{",
            "}",
            "bb0",
            ":",
            "%x",
            "=",
            "const",
            "call",
            "phi",
            "[",
            "]",
            ",",
            ".",
            "::",
            "->",
            "1",
            "-",
            "1e9999",
            "\"",
            "\\",
            "é",
            "\u{0}",
            "loop",
            "header",
            "ret",
            "box",
            "store",
            "extern",
            "env",
            "\n",
            " ",
            ";",
            "%",
            "@",
            "-inf",
            "99999999999999999999",
            "\"\\u{",
            "typeop",
            "cast",
        ];
        // A deterministic pseudo-random walk over token soup.
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..3000 {
            let mut s = String::new();
            let n = (seed % 40) as usize;
            for _ in 0..n {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                s.push_str(pieces[(seed % pieces.len() as u64) as usize]);
                if seed & 0x100 != 0 {
                    s.push(' ');
                }
            }
            let _ = parse(&s);
        }
        // Deep nesting and long inputs.
        let _ = parse(&"{".repeat(100_000));
        let _ = parse(&"[".repeat(100_000));
        let _ = parse(&format!(
            "fn @f() {{\nbb0:\n  %x = const {}\n}}",
            "9".repeat(10_000)
        ));
        let _ = parse(&format!(
            "fn @f() {{\nbb0:\n  %x = const 1e{}\n}}",
            "9".repeat(10_000)
        ));
        let _ = parse("\u{feff}fn");
        let _ = parse("");
        assert_eq!(parse("").map(|(m, _)| m), Ok(Module::new()));
    }
}
