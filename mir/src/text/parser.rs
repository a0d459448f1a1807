//! The parser: tokens to a [`Module`] and its [`SourceMap`], resolving names.
//!
//! Parsing has two stages. A recursive-descent pass over the tokens (the grammar of
//! spec/MIR14.md §2 is flat, so nothing recurses on the input) builds the named document of
//! [`crate::json`] and records the span of every entity; it stops at the first syntax error.
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
use crate::json::{
    lower, BlockDoc, BoxDoc, CalleeDoc, ConstDoc, FloatLit, FuncDoc, InstDoc, LoopDoc,
    ModuleDoc, ParamDoc, PhiInputDoc,
};
use crate::span::{Diagnostic, FunctionSpans, SourceMap, Span};

/// Parses a module from text. On failure returns every error found (at least one), each with the
/// span of the offending text and what was expected. Never panics, on any input.
pub fn parse(src: &str) -> Result<(Module, SourceMap), Vec<Diagnostic>> {
    let mut p = Parser {
        src,
        toks: lex(src),
        pos: 0,
        map: SourceMap::default(),
    };
    let doc = p.module().map_err(|d| vec![d])?;
    let map = p.map;
    match lower(&doc) {
        Ok(m) => Ok((m, map)),
        Err(errs) => Err(errs
            .into_iter()
            .map(|e| Diagnostic {
                span: map.span(e.loc).unwrap_or_default(),
                message: e.message,
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

    fn module(&mut self) -> PResult<ModuleDoc> {
        let mut doc = ModuleDoc {
            mir14: 1,
            boxes: Vec::new(),
            functions: Vec::new(),
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
            } else {
                return Err(self.expected("`box` or `fn`"));
            }
        }
    }

    fn box_decl(&mut self) -> PResult<BoxDoc> {
        self.bump();
        let name = self.ident("a box name")?;
        self.expect(TokenKind::LBrace, "`{`")?;
        let mut fields = Vec::new();
        if *self.kind() != TokenKind::RBrace {
            loop {
                fields.push(self.ident("a field name")?);
                if *self.kind() == TokenKind::Comma {
                    self.bump();
                } else {
                    break;
                }
            }
        }
        self.expect(TokenKind::RBrace, "`,` or `}`")?;
        Ok(BoxDoc { name, fields })
    }

    fn function(&mut self) -> PResult<FuncDoc> {
        let start = self.tok().span.start;
        self.bump();
        let name = self.func_name()?;
        let mut spans = FunctionSpans::default();
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
            for word in ["header", "body", "latch", "exit"] {
                self.expect_word(word)?;
                self.expect(TokenKind::Eq, "`=`")?;
                labels.push(self.ident("a block label")?);
            }
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
                insts.push(self.inst()?);
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
                args.push(self.value()?);
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
                let dest = self.value()?;
                self.expect(TokenKind::Eq, "`=`")?;
                self.def_inst(dest)
            }
            TokenKind::Ident => {
                let word = self.tok().text(self.src);
                match word {
                    "store" => {
                        self.bump();
                        let obj = self.value()?;
                        self.expect(TokenKind::Dot, "`.`")?;
                        let field = self.ident("a field name")?;
                        self.expect(TokenKind::Eq, "`=`")?;
                        let value = self.value()?;
                        Ok(InstDoc::Store { obj, field, value })
                    }
                    "branch" => {
                        self.bump();
                        let cond = self.value()?;
                        self.expect(TokenKind::Comma, "`,`")?;
                        let then = self.ident("a block label")?;
                        self.expect(TokenKind::Comma, "`,`")?;
                        let else_ = self.ident("a block label")?;
                        Ok(InstDoc::Branch { cond, then, else_ })
                    }
                    "jump" => {
                        self.bump();
                        let target = self.ident("a block label")?;
                        Ok(InstDoc::Jump { target })
                    }
                    "ret" => {
                        self.bump();
                        let value = if *self.kind() == TokenKind::Value
                            && self.peek_at(1).kind != TokenKind::Eq
                        {
                            Some(self.value()?)
                        } else {
                            None
                        };
                        Ok(InstDoc::Ret { value })
                    }
                    "call" => {
                        self.bump();
                        self.call(None)
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
                    `phi`, `new`, `call` or `extern`)";
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
                let arg = self.value()?;
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
                let lhs = self.value()?;
                self.expect(TokenKind::Comma, "`,`")?;
                let rhs = self.value()?;
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
                let arg = self.value()?;
                let ty = if kind == "typeof" {
                    None
                } else {
                    Some(self.ident("a type name")?)
                };
                Ok(InstDoc::Typeop { dest, kind, arg, ty })
            }
            "load" => {
                self.bump();
                let obj = self.value()?;
                self.expect(TokenKind::Dot, "`.`")?;
                let field = self.ident("a field name")?;
                Ok(InstDoc::Load { dest, obj, field })
            }
            "phi" => {
                self.bump();
                let mut inputs = Vec::new();
                if *self.kind() == TokenKind::LBracket {
                    loop {
                        self.expect(TokenKind::LBracket, "`[`")?;
                        let block = self.ident("a block label")?;
                        self.expect(TokenKind::Colon, "`:`")?;
                        let value = self.value()?;
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
                let class = self.ident("a box name")?;
                let args = self.args()?;
                Ok(InstDoc::New { dest, class, args })
            }
            "call" => {
                self.bump();
                self.call(Some(dest))
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
            TokenKind::Func => ConstDoc::Function(self.tok().text(self.src).to_string()),
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

    fn call(&mut self, dest: Option<String>) -> PResult<InstDoc> {
        let callee = match self.kind() {
            TokenKind::Func => CalleeDoc {
                function: Some(self.func_name()?),
                ..CalleeDoc::default()
            },
            TokenKind::Value => {
                let v = self.value()?;
                if *self.kind() == TokenKind::Dot {
                    self.bump();
                    let first = self.ident("a method name")?;
                    if *self.kind() == TokenKind::ColonColon {
                        self.bump();
                        let method = self.ident("a method name")?;
                        CalleeDoc {
                            receiver: Some(v),
                            box_name: Some(first),
                            method: Some(method),
                            ..CalleeDoc::default()
                        }
                    } else {
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
        Ok(InstDoc::Call { dest, callee, args })
    }

    fn extern_call(&mut self, dest: Option<String>) -> PResult<InstDoc> {
        let mut name = self.ident("an extern name")?;
        while *self.kind() == TokenKind::Dot {
            self.bump();
            name.push('.');
            name.push_str(&self.ident("an identifier")?);
        }
        let args = self.args()?;
        Ok(InstDoc::Extern { dest, name, args })
    }
}
