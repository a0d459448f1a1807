//! The hand-written recursive-descent parser of Nyash (grammar in `ny/README.md`).
//!
//! Line breaks matter in three places: a statement ends at a line break, a `;`, a `}` or where
//! the next statement begins; a call's `(`, an index's `[`, `?` and a binary operator must be on
//! the same line as what precedes them; `return` takes a value only if it is on the same line.
//! Nesting is limited to [`MAX_DEPTH`] levels (parentheses, blocks, operands of a chain of
//! operators), so that compiling a tree never runs out of stack.

use crate::ast::*;
use crate::lexer::{lex_at, Tok, Token};
use crate::Error;
use mir14_mir::Span;

/// Words that cannot name variables, functions or boxes.
pub const KEYWORDS: [&str; 23] = [
    "box", "function", "local", "if", "else", "loop", "break", "continue", "return", "new", "me",
    "true", "false", "null", "static", "using", "this", "while", "and", "or", "not", "void",
    "fini",
];

/// The deepest nesting of expressions and blocks the parser accepts.
pub const MAX_DEPTH: usize = 1000;

/// Parses a whole program. Stops at the first error.
pub fn parse(src: &str) -> Result<Program, Error> {
    parse_at(src, 0)
}

/// Parses a program whose spans start at `base` (see [`lex_at`]).
pub fn parse_at(src: &str, base: usize) -> Result<Program, Error> {
    let tokens = lex_at(src, base)?;
    let mut p = Parser {
        tokens,
        pos: 0,
        depth: 0,
    };
    p.program()
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    /// The current nesting depth (see [`MAX_DEPTH`]).
    depth: usize,
}

impl Parser {
    fn peek(&self) -> &Token {
        &self.tokens[self.pos.min(self.tokens.len() - 1)]
    }

    fn peek_at(&self, k: usize) -> &Token {
        &self.tokens[(self.pos + k).min(self.tokens.len() - 1)]
    }

    fn next(&mut self) -> Token {
        let t = self.peek().clone();
        if self.pos < self.tokens.len() - 1 {
            self.pos += 1;
        }
        t
    }

    fn is_punct(&self, p: &str) -> bool {
        matches!(&self.peek().tok, Tok::Punct(q) if *q == p)
    }

    fn is_word(&self, w: &str) -> bool {
        matches!(&self.peek().tok, Tok::Ident(s) if s == w)
    }

    fn error_here(&self, what: &str) -> Error {
        let t = self.peek();
        Error::new(
            t.span,
            format!("expected {what}, found {}", t.tok.describe()),
        )
    }

    fn expect_punct(&mut self, p: &str) -> Result<Span, Error> {
        if self.is_punct(p) {
            Ok(self.next().span)
        } else {
            Err(self.error_here(&format!("`{p}`")))
        }
    }

    fn eat_punct(&mut self, p: &str) -> bool {
        let yes = self.is_punct(p);
        if yes {
            self.next();
        }
        yes
    }

    /// One more level of nesting; an error past [`MAX_DEPTH`].
    fn enter(&mut self) -> Result<(), Error> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Error::new(
                self.peek().span,
                format!(
                    "nesting too deep (more than {MAX_DEPTH} levels of expressions and blocks)"
                ),
            ));
        }
        Ok(())
    }

    fn leave(&mut self, levels: usize) {
        self.depth -= levels;
    }

    /// An identifier that is not a keyword.
    fn name(&mut self, what: &str) -> Result<(String, Span), Error> {
        match &self.peek().tok {
            Tok::Ident(s) if !KEYWORDS.contains(&s.as_str()) => {
                let t = self.next();
                let Tok::Ident(s) = t.tok else {
                    return Err(Error::new(t.span, format!("expected {what}")));
                };
                Ok((s, t.span))
            }
            _ => Err(self.error_here(what)),
        }
    }

    /// A type annotation, read and ignored: `Name(.Name)*(<Type, ...>)?([])*`.
    fn skip_type(&mut self) -> Result<(), Error> {
        self.name("a type name")?;
        while self.eat_punct(".") {
            self.name("a type name")?;
        }
        if self.eat_punct("<") {
            loop {
                self.skip_type()?;
                if self.eat_punct(">") {
                    break;
                }
                self.expect_punct(",")?;
            }
        }
        while self.is_punct("[") && matches!(self.peek_at(1).tok, Tok::Punct("]")) {
            self.next();
            self.next();
        }
        Ok(())
    }

    fn program(&mut self) -> Result<Program, Error> {
        let mut prog = Program::default();
        loop {
            while self.eat_punct(";") {}
            if self.peek().tok == Tok::Eof {
                return Ok(prog);
            } else if self.is_word("box") {
                self.next();
                prog.boxes.push(self.box_def(false)?);
            } else if self.is_word("static")
                && matches!(&self.peek_at(1).tok, Tok::Ident(w) if w == "box")
            {
                self.next();
                self.next();
                prog.boxes.push(self.box_def(true)?);
            } else if self.is_word("function") {
                self.next();
                prog.functions.push(self.func_def()?);
            } else if self.is_word("using") {
                prog.usings.push(self.using()?);
            } else {
                let start = self.peek().span;
                let s = self.stmt()?;
                prog.stmts_span.get_or_insert(start);
                prog.stmts.push(s);
            }
        }
    }

    /// True if the word `w` at the current token starts one of upstream's forms this frontend
    /// does not parse (`try {`, `throw e`, `match x {`, `enum E`, `weak x`) rather than naming
    /// a variable: the next token, on the same line, could not follow a variable.
    fn unsupported_form(&self, w: &str) -> bool {
        let next = self.peek_at(1);
        if next.newline {
            return false;
        }
        let word_or_literal = matches!(next.tok, Tok::Ident(_) | Tok::Int(_) | Tok::Str(_));
        match w {
            "try" => next.tok == Tok::Punct("{"),
            "catch" => matches!(next.tok, Tok::Punct("{") | Tok::Punct("(")),
            "throw" | "match" => word_or_literal,
            "enum" | "weak" => matches!(next.tok, Tok::Ident(_)),
            _ => false,
        }
    }

    /// `using "path" [as Name]` or `using a.b.c [as Name]`.
    fn using(&mut self) -> Result<Using, Error> {
        let start = self.next().span;
        let (target, is_path) = if let Tok::Str(s) = &self.peek().tok {
            let s = s.clone();
            self.next();
            (s, true)
        } else {
            let mut parts = vec![self.name("a file path or a module name")?.0];
            // Components after the first may be keywords (`hako.using.resolve`).
            while self.eat_punct(".") {
                match &self.peek().tok {
                    Tok::Ident(s) => {
                        let s = s.clone();
                        self.next();
                        parts.push(s);
                    }
                    _ => return Err(self.error_here("a module name")),
                }
            }
            (parts.join("."), false)
        };
        let alias = if self.is_word("as") {
            self.next();
            Some(self.name("a name")?.0)
        } else {
            None
        };
        let end = self.tokens[self.pos - 1].span.end as usize;
        Ok(Using {
            target,
            is_path,
            alias,
            span: Span::new(start.start as usize, end),
        })
    }

    fn box_def(&mut self, is_static: bool) -> Result<BoxDef, Error> {
        let (name, span) = self.name("a box name")?;
        if self.is_word("from") {
            return Err(Error::new(
                self.peek().span,
                "box inheritance (`from`) is not supported",
            ));
        }
        self.expect_punct("{")?;
        let mut def = BoxDef {
            name,
            span,
            is_static,
            fields: Vec::new(),
            methods: Vec::new(),
        };
        self.members(&mut def)?;
        Ok(def)
    }

    /// Box members up to and including the closing `}`.
    fn members(&mut self, def: &mut BoxDef) -> Result<(), Error> {
        loop {
            while self.eat_punct(";") {}
            if self.eat_punct("}") {
                return Ok(());
            }
            if self.peek().tok == Tok::Eof {
                return Err(self.error_here("`}`"));
            }
            let is_call = matches!(self.peek_at(1).tok, Tok::Punct("("));
            if (self.is_word("public") || self.is_word("private")) && !is_call {
                // `public { members }`, or `public field`.
                self.next();
                if self.eat_punct("{") {
                    self.members(def)?;
                }
                continue;
            }
            if self.is_word("init") && !is_call {
                self.next();
                self.expect_punct("{")?;
                if !self.eat_punct("}") {
                    loop {
                        if self.is_word("weak") {
                            self.next();
                        }
                        def.fields.push(self.name("a field name")?);
                        if self.eat_punct("}") {
                            break;
                        }
                        self.expect_punct(",")?;
                    }
                }
                continue;
            }
            if self.is_word("static") && !is_call {
                // `static name(...)` inside a box: the same as a method.
                self.next();
            }
            if (self.is_word("weak") || self.is_word("method") || self.is_word("func")) && !is_call
            {
                // `method name(...)` and `func name(...)` are other spellings of a method.
                self.next();
            }
            if matches!(self.peek_at(1).tok, Tok::Punct("(")) {
                let mut m = self.func_def()?;
                // `init(...)` and `pack(...)` are older spellings of the constructor.
                if m.name == "init" || m.name == "pack" {
                    m.name = "birth".to_string();
                }
                def.methods.push(m);
                continue;
            }
            // A field: `name`, `name: Type`, several on a line separated by `,`.
            let (f, fspan) = self.name("a field or method declaration")?;
            if self.eat_punct(":") {
                self.skip_type()?;
            }
            if self.is_punct("=") {
                return Err(Error::new(
                    self.peek().span,
                    "field initializers are not supported: assign the field in `birth`",
                ));
            }
            def.fields.push((f, fspan));
            while self.eat_punct(",") {
                def.fields.push(self.name("a field name")?);
            }
        }
    }

    /// `name(params) [: Type] { body } [cleanup { ... }]` (after `function`, or a method).
    fn func_def(&mut self) -> Result<FuncDef, Error> {
        let (name, span) = self.name("a function name")?;
        self.expect_punct("(")?;
        let mut params = Vec::new();
        if !self.eat_punct(")") {
            loop {
                params.push(self.name("a parameter name")?);
                if self.eat_punct(":") {
                    self.skip_type()?;
                }
                if self.eat_punct(")") {
                    break;
                }
                self.expect_punct(",")?;
            }
        }
        if self.eat_punct(":") {
            self.skip_type()?;
        }
        let mut body = self.block()?;
        if self.is_word("cleanup") {
            let at = self.next().span;
            let cleanup = self.block()?;
            body = vec![Stmt::Fini(cleanup, at), Stmt::Block(body)];
        }
        Ok(FuncDef {
            name,
            span,
            params,
            body,
        })
    }

    /// `{ stmt* }`.
    fn block(&mut self) -> Result<Vec<Stmt>, Error> {
        self.expect_punct("{")?;
        self.enter()?;
        let mut stmts = Vec::new();
        loop {
            while self.eat_punct(";") {}
            if self.eat_punct("}") {
                self.leave(1);
                return Ok(stmts);
            }
            if self.peek().tok == Tok::Eof {
                return Err(self.error_here("`}`"));
            }
            stmts.push(self.stmt()?);
        }
    }

    /// `fini { ... }` after a declaration, if present.
    fn fini_tail(&mut self) -> Result<Option<Stmt>, Error> {
        if self.is_word("fini") {
            let at = self.next().span;
            return Ok(Some(Stmt::Fini(self.block()?, at)));
        }
        Ok(None)
    }

    fn stmt(&mut self) -> Result<Stmt, Error> {
        let t = self.peek().clone();
        if t.tok == Tok::Punct("{") {
            // A bare block, optionally with `cleanup { ... }`.
            let body = self.block()?;
            if self.is_word("cleanup") {
                let at = self.next().span;
                let cleanup = self.block()?;
                return Ok(Stmt::Block(vec![
                    Stmt::Fini(cleanup, at),
                    Stmt::Block(body),
                ]));
            }
            return Ok(Stmt::Block(body));
        }
        let Tok::Ident(word) = &t.tok else {
            return self.expr_stmt();
        };
        match word.as_str() {
            "local" => {
                self.next();
                let mut out = Vec::new();
                loop {
                    let (name, span) = self.name("a variable name")?;
                    if self.eat_punct(":") {
                        self.skip_type()?;
                    }
                    let init = if self.eat_punct("=") {
                        Some(self.expr()?)
                    } else {
                        None
                    };
                    out.push(Stmt::Local { name, span, init });
                    if let Some(f) = self.fini_tail()? {
                        out.push(f);
                        break;
                    }
                    if !self.eat_punct(",") {
                        break;
                    }
                }
                Ok(if out.len() == 1 {
                    out.remove(0)
                } else {
                    Stmt::Seq(out)
                })
            }
            "fini" if matches!(self.peek_at(1).tok, Tok::Punct("{")) => {
                self.next();
                Ok(Stmt::Fini(self.block()?, t.span))
            }
            "if" => self.if_stmt(),
            "loop" | "while" => {
                self.next();
                let cond = if self.is_punct("{") {
                    Expr {
                        kind: ExprKind::Bool(true),
                        span: t.span,
                    }
                } else {
                    self.expr()?
                };
                let body = self.block()?;
                Ok(Stmt::Loop { cond, body })
            }
            "break" => {
                self.next();
                Ok(Stmt::Break(t.span))
            }
            "continue" => {
                self.next();
                Ok(Stmt::Continue(t.span))
            }
            "return" => {
                self.next();
                let next = self.peek();
                let bare = next.newline
                    || matches!(next.tok, Tok::Punct("}") | Tok::Punct(";") | Tok::Eof);
                let value = if bare { None } else { Some(self.expr()?) };
                Ok(Stmt::Return(value, t.span))
            }
            _ => self.expr_stmt(),
        }
    }

    fn if_stmt(&mut self) -> Result<Stmt, Error> {
        self.next();
        let cond = self.expr()?;
        let then = self.block()?;
        let els = if self.is_word("else") {
            self.next();
            if self.is_word("if") {
                self.enter()?;
                let s = self.if_stmt();
                self.leave(1);
                Some(vec![s?])
            } else {
                Some(self.block()?)
            }
        } else {
            None
        };
        Ok(Stmt::If { cond, then, els })
    }

    /// An expression statement or an assignment (`=`, `+=`, `-=`, `*=`, `/=`).
    fn expr_stmt(&mut self) -> Result<Stmt, Error> {
        let e = self.expr()?;
        let op = match &self.peek().tok {
            Tok::Punct("=") => None,
            Tok::Punct("+=") => Some(BinOp::Add),
            Tok::Punct("-=") => Some(BinOp::Sub),
            Tok::Punct("*=") => Some(BinOp::Mul),
            Tok::Punct("/=") => Some(BinOp::Div),
            _ => return Ok(Stmt::Expr(e)),
        };
        if !matches!(
            e.kind,
            ExprKind::Var(_) | ExprKind::Field(..) | ExprKind::Index(..)
        ) {
            return Err(Error::new(
                self.peek().span,
                "only a variable, a field or an element can be assigned",
            ));
        }
        self.next();
        let mut value = self.expr()?;
        if let Some(op) = op {
            let span = Span::new(e.span.start as usize, value.span.end as usize);
            value = Expr {
                kind: ExprKind::Binary(op, Box::new(e.clone()), Box::new(value)),
                span,
            };
        }
        Ok(Stmt::Assign { target: e, value })
    }

    /// `expr := ternary`: `logic ['?' expr ':' expr]`, then precedence climbing from `&&`/`||`
    /// (lowest) to unary operators.
    pub fn expr(&mut self) -> Result<Expr, Error> {
        self.enter()?;
        let r = self.ternary();
        self.leave(1);
        r
    }

    fn ternary(&mut self) -> Result<Expr, Error> {
        let c = self.binary(0)?;
        if !self.is_punct("?") {
            return Ok(c);
        }
        self.next();
        let a = self.expr()?;
        self.expect_punct(":")?;
        let b = self.expr()?;
        let span = Span::new(c.span.start as usize, b.span.end as usize);
        Ok(Expr {
            kind: ExprKind::Ternary(Box::new(c), Box::new(a), Box::new(b)),
            span,
        })
    }

    /// Binary operators of precedence level `level` and higher.
    fn binary(&mut self, level: usize) -> Result<Expr, Error> {
        // `&&` and `||` share one level (upstream's grammar: `logic := compare (('&&' | '||')
        // compare)*`), so `a || b && c` is `(a || b) && c`.
        const LEVELS: [&[&str]; 5] = [
            &["||", "or", "&&", "and"],
            &["==", "!="],
            &["<", "<=", ">", ">="],
            &["+", "-"],
            &["*", "/", "%"],
        ];
        if level == LEVELS.len() {
            return self.unary();
        }
        let mut lhs = self.binary(level + 1)?;
        let mut chain = 0;
        let r = loop {
            let t = self.peek();
            // A line break before `+` or `-` ends the expression (`-x` may start a statement);
            // no other binary operator can start a statement, so it continues the expression.
            let breaks = t.newline && matches!(t.tok, Tok::Punct("+") | Tok::Punct("-"));
            let op: &str = match &t.tok {
                _ if breaks => break Ok(lhs),
                Tok::Punct(p) if LEVELS[level].contains(p) => p,
                Tok::Ident(w) if LEVELS[level].contains(&w.as_str()) => {
                    if w == "or" {
                        "||"
                    } else {
                        "&&"
                    }
                }
                _ => break Ok(lhs),
            };
            let op = op.to_string();
            // Each operand of a chain nests the tree one level deeper.
            chain += 1;
            if let Err(e) = self.enter() {
                break Err(e);
            }
            self.next();
            let rhs = match self.binary(level + 1) {
                Ok(r) => r,
                Err(e) => break Err(e),
            };
            let span = Span::new(lhs.span.start as usize, rhs.span.end as usize);
            let (l, r) = (Box::new(lhs), Box::new(rhs));
            let kind = match op.as_str() {
                "||" => ExprKind::Or(l, r),
                "&&" => ExprKind::And(l, r),
                _ => {
                    let op = match op.as_str() {
                        "==" => BinOp::Eq,
                        "!=" => BinOp::Ne,
                        "<" => BinOp::Lt,
                        "<=" => BinOp::Le,
                        ">" => BinOp::Gt,
                        ">=" => BinOp::Ge,
                        "+" => BinOp::Add,
                        "-" => BinOp::Sub,
                        "*" => BinOp::Mul,
                        "/" => BinOp::Div,
                        _ => BinOp::Mod,
                    };
                    ExprKind::Binary(op, l, r)
                }
            };
            lhs = Expr { kind, span };
        };
        self.leave(chain);
        r
    }

    fn unary(&mut self) -> Result<Expr, Error> {
        let op = if self.is_punct("-") {
            UnOp::Neg
        } else if self.is_punct("!") || self.is_word("not") {
            UnOp::Not
        } else {
            return self.postfix();
        };
        let start = self.next().span.start as usize;
        self.enter()?;
        let arg = self.unary();
        self.leave(1);
        let arg = arg?;
        // Fold `-<number>` so that `-9223372036854775807 - 1` style limits stay literals.
        let span = Span::new(start, arg.span.end as usize);
        let kind = match (op, &arg.kind) {
            (UnOp::Neg, ExprKind::Int(x)) => ExprKind::Int(x.wrapping_neg()),
            (UnOp::Neg, ExprKind::Float(x)) => ExprKind::Float(-x),
            _ => ExprKind::Unary(op, Box::new(arg)),
        };
        Ok(Expr { kind, span })
    }

    fn args(&mut self, close: &str) -> Result<Vec<Expr>, Error> {
        let mut args = Vec::new();
        if self.eat_punct(close) {
            return Ok(args);
        }
        loop {
            args.push(self.expr()?);
            if self.eat_punct(close) {
                return Ok(args);
            }
            self.expect_punct(",")?;
            // A trailing comma.
            if self.eat_punct(close) {
                return Ok(args);
            }
        }
    }

    fn postfix(&mut self) -> Result<Expr, Error> {
        let mut e = self.primary()?;
        let mut chain = 0;
        let r = loop {
            // Each postfix operation nests the tree one level deeper.
            if self.is_punct(".")
                || (self.is_punct("(") || self.is_punct("[")) && !self.peek().newline
            {
                chain += 1;
                if let Err(err) = self.enter() {
                    break Err(err);
                }
            }
            match self.postfix_op(e) {
                Ok((next, true)) => e = next,
                Ok((done, false)) => break Ok(done),
                Err(err) => break Err(err),
            }
        };
        self.leave(chain);
        r
    }

    /// One postfix operation on `e` (`.name`, `.name(args)`, `(args)`, `[index]`); false when
    /// there is none.
    fn postfix_op(&mut self, e: Expr) -> Result<(Expr, bool), Error> {
        let start = e.span.start as usize;
        if self.is_punct(".") {
            self.next();
            let (name, nspan) = self.name("a field or method name")?;
            if self.is_punct("(") && !self.peek().newline {
                self.next();
                let args = self.args(")")?;
                let end = self.tokens[self.pos - 1].span.end as usize;
                return Ok((
                    Expr {
                        kind: ExprKind::Method(Box::new(e), name, args),
                        span: Span::new(start, end),
                    },
                    true,
                ));
            }
            return Ok((
                Expr {
                    kind: ExprKind::Field(Box::new(e), name),
                    span: Span::new(start, nspan.end as usize),
                },
                true,
            ));
        }
        if self.is_punct("[") && !self.peek().newline {
            self.next();
            let index = self.expr()?;
            let end = self.expect_punct("]")?.end as usize;
            return Ok((
                Expr {
                    kind: ExprKind::Index(Box::new(e), Box::new(index)),
                    span: Span::new(start, end),
                },
                true,
            ));
        }
        if self.is_punct("(") && !self.peek().newline {
            self.next();
            let args = self.args(")")?;
            let end = self.tokens[self.pos - 1].span.end as usize;
            // `name(args)` calls a function, a method of the enclosing box or a local; any
            // other expression's value is called (`make()(x)`, `(f)(x)`).
            let kind = match e.kind {
                ExprKind::Var(name) => ExprKind::Call(name, args),
                _ => ExprKind::CallValue(Box::new(e), args),
            };
            return Ok((
                Expr {
                    kind,
                    span: Span::new(start, end),
                },
                true,
            ));
        }
        Ok((e, false))
    }

    fn primary(&mut self) -> Result<Expr, Error> {
        let t = self.peek().clone();
        let simple = |kind| Ok(Expr { kind, span: t.span });
        match &t.tok {
            Tok::Int(x) => {
                self.next();
                simple(ExprKind::Int(*x))
            }
            Tok::Float(x) => {
                self.next();
                simple(ExprKind::Float(*x))
            }
            Tok::Str(s) => {
                self.next();
                simple(ExprKind::Str(s.clone()))
            }
            Tok::Punct("(") => {
                self.next();
                // `(x = e)`: an assignment as an expression, whose value is `e`'s.
                if let (Tok::Ident(name), Tok::Punct("=")) =
                    (&self.peek().tok, &self.peek_at(1).tok)
                {
                    if !KEYWORDS.contains(&name.as_str()) {
                        let (name, nspan) = self.name("a variable name")?;
                        self.next();
                        let value = self.expr()?;
                        let end = self.expect_punct(")")?.end as usize;
                        return Ok(Expr {
                            kind: ExprKind::AssignVar(name, nspan, Box::new(value)),
                            span: Span::new(t.span.start as usize, end),
                        });
                    }
                }
                let e = self.expr()?;
                self.expect_punct(")")?;
                Ok(e)
            }
            Tok::Punct("[") => {
                self.next();
                let items = self.args("]")?;
                let end = self.tokens[self.pos - 1].span.end as usize;
                Ok(Expr {
                    kind: ExprKind::Array(items),
                    span: Span::new(t.span.start as usize, end),
                })
            }
            Tok::Punct("%{") => {
                // `%{k => v, ...}`.
                self.next();
                let mut kvs = Vec::new();
                loop {
                    if self.eat_punct("}") {
                        break;
                    }
                    let k = self.expr()?;
                    self.expect_punct("=>")?;
                    let v = self.expr()?;
                    kvs.push((k, v));
                    if self.eat_punct("}") {
                        break;
                    }
                    self.expect_punct(",")?;
                }
                let end = self.tokens[self.pos - 1].span.end as usize;
                Ok(Expr {
                    kind: ExprKind::Map(kvs),
                    span: Span::new(t.span.start as usize, end),
                })
            }
            Tok::Punct("{") => {
                // A block expression `{ stmt* tail }`: its value is the tail expression's.
                let mut body = self.block()?;
                let end = self.tokens[self.pos - 1].span.end as usize;
                let span = Span::new(t.span.start as usize, end);
                let Some(Stmt::Expr(tail)) = body.pop() else {
                    return Err(Error::new(
                        span,
                        "a block expression must end with an expression (its value)",
                    ));
                };
                Ok(Expr {
                    kind: ExprKind::BlockExpr(body, Box::new(tail)),
                    span,
                })
            }
            Tok::Ident(w) => match w.as_str() {
                "true" | "false" => {
                    self.next();
                    simple(ExprKind::Bool(w == "true"))
                }
                "null" | "void" => {
                    self.next();
                    simple(ExprKind::Null)
                }
                "me" | "this" => {
                    self.next();
                    simple(ExprKind::Me)
                }
                "fn" if self.peek_at(1).tok == Tok::Punct("(") => {
                    // A lambda `fn(params) { body }`; a body ending in an expression statement
                    // returns that expression's value (`fn(x) { x * 2 }`).
                    let mut def = self.func_def()?;
                    if let Some(Stmt::Expr(e)) = def.body.last() {
                        let e = e.clone();
                        let sp = e.span;
                        def.body.pop();
                        def.body.push(Stmt::Return(Some(e), sp));
                    }
                    let end = self.tokens[self.pos - 1].span.end as usize;
                    Ok(Expr {
                        kind: ExprKind::Lambda(Box::new(def)),
                        span: Span::new(t.span.start as usize, end),
                    })
                }
                "new" => {
                    self.next();
                    let (class, _) = self.name("a box name")?;
                    if self.is_punct("<") {
                        // Type arguments are read and ignored: `new ArrayBox<Integer>()`.
                        self.next();
                        loop {
                            self.skip_type()?;
                            if self.eat_punct(">") {
                                break;
                            }
                            self.expect_punct(",")?;
                        }
                    }
                    self.expect_punct("(")?;
                    let args = self.args(")")?;
                    let end = self.tokens[self.pos - 1].span.end as usize;
                    Ok(Expr {
                        kind: ExprKind::New(class, args),
                        span: Span::new(t.span.start as usize, end),
                    })
                }
                _ => {
                    if w == "cleanup" && self.peek_at(1).tok == Tok::Punct("{") {
                        return Err(Error::new(
                            t.span,
                            "`cleanup { ... }` must follow a block or a method body: `{ ... } cleanup { ... }`",
                        ));
                    }
                    if self.unsupported_form(w) {
                        return Err(Error::new(
                            t.span,
                            format!("`{w}` is not supported by this frontend (see ny/README.md)"),
                        ));
                    }
                    let (name, span) = self.name("an expression")?;
                    Ok(Expr {
                        kind: ExprKind::Var(name),
                        span,
                    })
                }
            },
            _ => Err(self.error_here("an expression")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsupported_upstream_forms_are_named() {
        for (src, word, col) in [
            ("try { x() } catch (e) { }", "try", 1),
            ("local a = 1\nthrow a", "throw", 1),
            ("print(match x { 1 => 2 })", "match", 7),
            ("enum Color { Red }", "enum", 1),
            ("local w = weak me", "weak", 11),
            ("print(1)\ncatch (e) { }", "catch", 1),
        ] {
            let e = parse(src).unwrap_err();
            assert_eq!(
                e.message,
                format!("`{word}` is not supported by this frontend (see ny/README.md)"),
                "{src}"
            );
            let line_start = src[..e.span.start as usize]
                .rfind('\n')
                .map_or(0, |i| i + 1);
            assert_eq!(e.span.start as usize - line_start + 1, col, "{src}");
        }
        let e = parse("print(1) cleanup { print(2) }").unwrap_err();
        assert_eq!(
            (e.message.as_str(), e.span.start),
            (
                "`cleanup { ... }` must follow a block or a method body: `{ ... } cleanup { ... }`",
                9
            )
        );
        // As plain names they are variables.
        assert!(parse("local try = 1\nprint(try)\nlocal match = try + 1\nprint(match)").is_ok());
    }

    fn expr_of(src: &str) -> Expr {
        let prog = parse(&format!("function main() {{ return {src} }}")).unwrap();
        match &prog.functions[0].body[0] {
            Stmt::Return(Some(e), _) => e.clone(),
            other => panic!("not a return: {other:?}"),
        }
    }

    /// A compact rendering of an expression tree, for precedence tests.
    fn show(e: &Expr) -> String {
        match &e.kind {
            ExprKind::Int(x) => x.to_string(),
            ExprKind::Var(v) => v.clone(),
            ExprKind::Binary(op, a, b) => format!("({} {op:?} {})", show(a), show(b)),
            ExprKind::And(a, b) => format!("({} && {})", show(a), show(b)),
            ExprKind::Or(a, b) => format!("({} || {})", show(a), show(b)),
            ExprKind::Unary(op, a) => format!("({op:?} {})", show(a)),
            ExprKind::Method(r, m, args) => {
                let args: Vec<String> = args.iter().map(show).collect();
                format!("{}.{m}({})", show(r), args.join(", "))
            }
            ExprKind::Field(r, f) => format!("{}.{f}", show(r)),
            ExprKind::Call(f, args) => {
                let args: Vec<String> = args.iter().map(show).collect();
                format!("{f}({})", args.join(", "))
            }
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn precedence_and_associativity() {
        assert_eq!(show(&expr_of("1 + 2 * 3 - 4")), "((1 Add (2 Mul 3)) Sub 4)");
        assert_eq!(
            show(&expr_of("a < b + 1 == c && !d || e")),
            "((((a Lt (b Add 1)) Eq c) && (Not d)) || e)"
        );
        assert_eq!(
            show(&expr_of("a || b and c or d")),
            "(((a || b) && c) || d)"
        );
        assert_eq!(show(&expr_of("-x * 2")), "((Neg x) Mul 2)");
        assert_eq!(show(&expr_of("-5 % 3")), "(-5 Mod 3)");
        assert_eq!(show(&expr_of("a.b.c(1, f(2)).d")), "a.b.c(1, f(2)).d");
        assert_eq!(show(&expr_of("(1 + 2) * 3")), "((1 Add 2) Mul 3)");
    }

    #[test]
    fn statements_boxes_and_line_breaks() {
        let src = "box P {\n init { x, y }\n birth(x) { me.x = x }\n get() { return me.x }\n}\n\
                   function main() {\n local p = new P(1)\n local a = [1, 2]; local m = %{\"k\" => a}\n\
                   if p.get() == 1 { print(1) } else if false { } else { return }\n\
                   loop(true) { break\n continue }\n return\n}";
        let prog = parse(src).unwrap();
        assert_eq!(prog.boxes[0].fields.len(), 2);
        assert_eq!(prog.boxes[0].methods[0].name, "birth");
        let body = &prog.functions[0].body;
        assert_eq!(body.len(), 6);
        assert!(matches!(&body[0], Stmt::Local { name, .. } if name == "p"));
        assert!(
            matches!(&body[3], Stmt::If { els: Some(e), .. } if matches!(e[0], Stmt::If { .. }))
        );
        assert!(matches!(&body[4], Stmt::Loop { body, .. } if body.len() == 2));
        assert!(matches!(&body[5], Stmt::Return(None, _)));
        // A binary operator or a call's `(` on the next line starts a new statement.
        let prog = parse("function main() {\n local a = 1\n -2\n f\n (3)\n}").unwrap();
        assert_eq!(prog.functions[0].body.len(), 4);
        // `return` takes a value on its own line only.
        let prog = parse("function f() {\n return\n 1 }").unwrap();
        assert!(matches!(prog.functions[0].body[0], Stmt::Return(None, _)));
    }

    #[test]
    fn syntax_errors_name_what_was_expected() {
        let err = |src: &str| {
            let e = parse(src).unwrap_err();
            (e.span.start, e.message)
        };
        assert_eq!(
            err("function main() { local = 1 }"),
            (24, "expected a variable name, found `=`".to_string())
        );
        assert_eq!(
            err("function f() { 1 = 2 }"),
            (
                17,
                "only a variable, a field or an element can be assigned".to_string()
            )
        );
        assert_eq!(
            err("static box M { x = 1 }"),
            (
                17,
                "field initializers are not supported: assign the field in `birth`".to_string()
            )
        );
        assert_eq!(
            err("local x = { local y = 1 }"),
            (
                10,
                "a block expression must end with an expression (its value)".to_string()
            )
        );
        assert_eq!(
            err("box A from B { }"),
            (6, "box inheritance (`from`) is not supported".to_string())
        );
        assert_eq!(
            err("function f() { return (1 + }"),
            (27, "expected an expression, found `}`".to_string())
        );
        assert_eq!(
            err("function f( {"),
            (12, "expected a parameter name, found `{`".to_string())
        );
        assert_eq!(
            err("function f() {"),
            (14, "expected `}`, found end of input".to_string())
        );
    }
}
