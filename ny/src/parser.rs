//! The hand-written recursive-descent parser of ny (grammar in `ny/README.md`).
//!
//! Line breaks matter in three places: a statement ends at a line break (or `;`, or `}`); a
//! call's `(` and a binary operator must be on the same line as what precedes them; `return`
//! takes a value only if it is on the same line.

use crate::ast::*;
use crate::lexer::{lex, Tok, Token};
use crate::Error;
use mir14_mir::Span;

/// Words that cannot name variables, functions or boxes.
pub const KEYWORDS: [&str; 14] = [
    "box", "function", "local", "if", "else", "loop", "break", "continue", "return", "new", "me",
    "true", "false", "null",
];

/// Parses a whole program. Stops at the first error.
pub fn parse(src: &str) -> Result<Program, Error> {
    let tokens = lex(src)?;
    let mut p = Parser { tokens, pos: 0 };
    p.program()
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> &Token {
        &self.tokens[self.pos.min(self.tokens.len() - 1)]
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

    fn program(&mut self) -> Result<Program, Error> {
        let mut prog = Program::default();
        loop {
            if self.peek().tok == Tok::Eof {
                return Ok(prog);
            } else if self.is_word("box") {
                prog.boxes.push(self.box_def()?);
            } else if self.is_word("function") {
                self.next();
                prog.functions.push(self.func_def()?);
            } else {
                return Err(self.error_here("`box` or `function`"));
            }
        }
    }

    fn box_def(&mut self) -> Result<BoxDef, Error> {
        self.next();
        let (name, span) = self.name("a box name")?;
        self.expect_punct("{")?;
        let mut def = BoxDef {
            name,
            span,
            fields: Vec::new(),
            methods: Vec::new(),
        };
        while !self.eat_punct("}") {
            if self.is_word("init") {
                self.next();
                self.expect_punct("{")?;
                if !self.eat_punct("}") {
                    loop {
                        def.fields.push(self.name("a field name")?);
                        if self.eat_punct("}") {
                            break;
                        }
                        self.expect_punct(",")?;
                    }
                }
            } else {
                def.methods.push(self.func_def()?);
            }
        }
        Ok(def)
    }

    /// `name(params) { body }` (after `function`, or a method inside a box).
    fn func_def(&mut self) -> Result<FuncDef, Error> {
        let (name, span) = self.name("a function name")?;
        self.expect_punct("(")?;
        let mut params = Vec::new();
        if !self.eat_punct(")") {
            loop {
                params.push(self.name("a parameter name")?);
                if self.eat_punct(")") {
                    break;
                }
                self.expect_punct(",")?;
            }
        }
        let body = self.block()?;
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
        let mut stmts = Vec::new();
        loop {
            while self.eat_punct(";") {}
            if self.eat_punct("}") {
                return Ok(stmts);
            }
            if self.peek().tok == Tok::Eof {
                return Err(self.error_here("`}`"));
            }
            stmts.push(self.stmt()?);
            // A statement ends at `;`, `}` or a line break.
            if !(self.is_punct(";") || self.is_punct("}") || self.peek().newline) {
                return Err(self.error_here("the end of the statement"));
            }
        }
    }

    fn stmt(&mut self) -> Result<Stmt, Error> {
        let t = self.peek().clone();
        let Tok::Ident(word) = &t.tok else {
            return self.expr_stmt();
        };
        match word.as_str() {
            "local" => {
                self.next();
                let (name, span) = self.name("a variable name")?;
                let init = if self.eat_punct("=") {
                    Some(self.expr()?)
                } else {
                    None
                };
                Ok(Stmt::Local { name, span, init })
            }
            "if" => self.if_stmt(),
            "loop" => {
                self.next();
                self.expect_punct("(")?;
                let cond = self.expr()?;
                self.expect_punct(")")?;
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
                Some(vec![self.if_stmt()?])
            } else {
                Some(self.block()?)
            }
        } else {
            None
        };
        Ok(Stmt::If { cond, then, els })
    }

    /// An expression statement or an assignment.
    fn expr_stmt(&mut self) -> Result<Stmt, Error> {
        let e = self.expr()?;
        if self.is_punct("=") {
            if !matches!(e.kind, ExprKind::Var(_) | ExprKind::Field(..)) {
                return Err(Error::new(
                    self.peek().span,
                    "only a variable or a field can be assigned",
                ));
            }
            self.next();
            let value = self.expr()?;
            return Ok(Stmt::Assign { target: e, value });
        }
        Ok(Stmt::Expr(e))
    }

    /// `expr := or`, precedence climbing from `||` (lowest) to unary operators.
    pub fn expr(&mut self) -> Result<Expr, Error> {
        self.binary(0)
    }

    /// Binary operators of precedence level `level` and higher.
    fn binary(&mut self, level: usize) -> Result<Expr, Error> {
        const LEVELS: [&[&str]; 6] = [
            &["||"],
            &["&&"],
            &["==", "!="],
            &["<", "<=", ">", ">="],
            &["+", "-"],
            &["*", "/", "%"],
        ];
        if level == LEVELS.len() {
            return self.unary();
        }
        let mut lhs = self.binary(level + 1)?;
        loop {
            let t = self.peek();
            let op = match &t.tok {
                Tok::Punct(p) if !t.newline && LEVELS[level].contains(p) => *p,
                _ => return Ok(lhs),
            };
            self.next();
            let rhs = self.binary(level + 1)?;
            let span = Span::new(lhs.span.start as usize, rhs.span.end as usize);
            let (l, r) = (Box::new(lhs), Box::new(rhs));
            let kind = match op {
                "||" => ExprKind::Or(l, r),
                "&&" => ExprKind::And(l, r),
                _ => {
                    let op = match op {
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
        }
    }

    fn unary(&mut self) -> Result<Expr, Error> {
        let op = if self.is_punct("-") {
            UnOp::Neg
        } else if self.is_punct("!") {
            UnOp::Not
        } else {
            return self.postfix();
        };
        let start = self.next().span.start as usize;
        let arg = self.unary()?;
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
        }
    }

    fn postfix(&mut self) -> Result<Expr, Error> {
        let mut e = self.primary()?;
        loop {
            if self.is_punct(".") {
                self.next();
                let (name, nspan) = self.name("a field or method name")?;
                let start = e.span.start as usize;
                if self.is_punct("(") && !self.peek().newline {
                    self.next();
                    let args = self.args(")")?;
                    let end = self.tokens[self.pos - 1].span.end as usize;
                    e = Expr {
                        kind: ExprKind::Method(Box::new(e), name, args),
                        span: Span::new(start, end),
                    };
                } else {
                    e = Expr {
                        kind: ExprKind::Field(Box::new(e), name),
                        span: Span::new(start, nspan.end as usize),
                    };
                }
            } else if self.is_punct("(") && !self.peek().newline {
                let ExprKind::Var(name) = &e.kind else {
                    return Err(Error::new(
                        self.peek().span,
                        "only a name can be called: call a value held in a variable by its name",
                    ));
                };
                let name = name.clone();
                self.next();
                let args = self.args(")")?;
                let end = self.tokens[self.pos - 1].span.end as usize;
                e = Expr {
                    kind: ExprKind::Call(name, args),
                    span: Span::new(e.span.start as usize, end),
                };
            } else {
                return Ok(e);
            }
        }
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
            Tok::Punct("{") => {
                self.next();
                let mut kvs = Vec::new();
                if !self.eat_punct("}") {
                    loop {
                        let k = self.expr()?;
                        self.expect_punct(":")?;
                        let v = self.expr()?;
                        kvs.push((k, v));
                        if self.eat_punct("}") {
                            break;
                        }
                        self.expect_punct(",")?;
                    }
                }
                let end = self.tokens[self.pos - 1].span.end as usize;
                Ok(Expr {
                    kind: ExprKind::Map(kvs),
                    span: Span::new(t.span.start as usize, end),
                })
            }
            Tok::Ident(w) => match w.as_str() {
                "true" | "false" => {
                    self.next();
                    simple(ExprKind::Bool(w == "true"))
                }
                "null" => {
                    self.next();
                    simple(ExprKind::Null)
                }
                "me" => {
                    self.next();
                    simple(ExprKind::Me)
                }
                "new" => {
                    self.next();
                    let (class, _) = self.name("a box name")?;
                    self.expect_punct("(")?;
                    let args = self.args(")")?;
                    let end = self.tokens[self.pos - 1].span.end as usize;
                    Ok(Expr {
                        kind: ExprKind::New(class, args),
                        span: Span::new(t.span.start as usize, end),
                    })
                }
                _ => {
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
        assert_eq!(show(&expr_of("-x * 2")), "((Neg x) Mul 2)");
        assert_eq!(show(&expr_of("-5 % 3")), "(-5 Mod 3)");
        assert_eq!(show(&expr_of("a.b.c(1, f(2)).d")), "a.b.c(1, f(2)).d");
        assert_eq!(show(&expr_of("(1 + 2) * 3")), "((1 Add 2) Mul 3)");
    }

    #[test]
    fn statements_boxes_and_line_breaks() {
        let src = "box P {\n init { x, y }\n birth(x) { me.x = x }\n get() { return me.x }\n}\n\
                   function main() {\n local p = new P(1)\n local a = [1, 2]; local m = {\"k\": a}\n\
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
            err("function main() { print(1) print(2) }"),
            (
                27,
                "expected the end of the statement, found `print`".to_string()
            )
        );
        assert_eq!(
            err("x = 1"),
            (0, "expected `box` or `function`, found `x`".to_string())
        );
        assert_eq!(
            err("function f() { 1 = 2 }"),
            (17, "only a variable or a field can be assigned".to_string())
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
