//! The lexer: source text to tokens with byte spans (spec/MIR14.md §1).
//!
//! [`lex`] never fails: a lexical error becomes a [`TokenKind::Error`] token carrying its message,
//! and lexing stops there (the parser reports it when it reaches it, so that errors are reported
//! in source order). The token list always ends with [`TokenKind::Eof`].
//!
//! Decisions beyond the spec: a character that can start no token is reported as
//! ``unexpected character `#` ``; a raw newline inside a string is reported as
//! `unterminated string`; `%` must be followed by digits only or by an identifier
//! (``invalid value name `%1a` ``).

use crate::span::Span;

pub use crate::named::syntax::{is_func_name, is_ident, is_value_name, parse_float_text};
use crate::named::syntax::{is_ident_char, is_ident_start};

/// What a token is. Names carry no text: take it from the source with the token's span
/// (see [`Token::text`]).
#[derive(Clone, Debug, PartialEq)]
pub enum TokenKind {
    /// An identifier: `[A-Za-z_][A-Za-z0-9_]*`.
    Ident,
    /// A value name: `%` followed by digits or an identifier.
    Value,
    /// A function name: `@f` or `@Box.method`.
    Func,
    /// An integer literal that fits in i64.
    Int(i64),
    /// A float literal (finite), or `-inf`. (`inf` and `NaN` lex as identifiers.)
    Float(f64),
    /// A string literal, unescaped.
    Str(String),
    /// `{`
    LBrace,
    /// `}`
    RBrace,
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `[`
    LBracket,
    /// `]`
    RBracket,
    /// `,`
    Comma,
    /// `:`
    Colon,
    /// `::`
    ColonColon,
    /// `=`
    Eq,
    /// `.`
    Dot,
    /// `->`
    Arrow,
    /// The end of the input.
    Eof,
    /// A lexical error, with its message. Lexing stops after it.
    Error(String),
}

/// A token and where it was written.
#[derive(Clone, Debug, PartialEq)]
pub struct Token {
    /// What it is.
    pub kind: TokenKind,
    /// Its bytes in the source.
    pub span: Span,
}

impl Token {
    /// The token's name without its sigil: an identifier, a value name without `%`, a function
    /// name without `@`. For other tokens, the source text of the token.
    pub fn text<'a>(&self, src: &'a str) -> &'a str {
        let s = src
            .get(self.span.start as usize..self.span.end as usize)
            .unwrap_or("");
        match self.kind {
            TokenKind::Value | TokenKind::Func => s.get(1..).unwrap_or(""),
            _ => s,
        }
    }
}

/// Splits `src` into tokens. Never panics; stops after the first lexical error.
pub fn lex(src: &str) -> Vec<Token> {
    let mut lx = Lexer {
        src,
        b: src.as_bytes(),
        i: 0,
        out: Vec::new(),
    };
    lx.run();
    lx.out
}

struct Lexer<'a> {
    src: &'a str,
    b: &'a [u8],
    i: usize,
    out: Vec<Token>,
}

impl Lexer<'_> {
    fn at(&self, i: usize) -> u8 {
        self.b.get(i).copied().unwrap_or(0)
    }

    fn push(&mut self, kind: TokenKind, start: usize) {
        self.out.push(Token {
            kind,
            span: Span::new(start, self.i),
        });
    }

    /// Pushes an error token spanning `start..end` and stops lexing.
    fn error(&mut self, msg: String, start: usize, end: usize) {
        self.out.push(Token {
            kind: TokenKind::Error(msg),
            span: Span::new(start, end),
        });
    }

    fn run(&mut self) {
        loop {
            // Skip whitespace and comments.
            while self.i < self.b.len() {
                match self.b[self.i] {
                    b' ' | b'\t' | b'\r' | b'\n' => self.i += 1,
                    b';' => {
                        while self.i < self.b.len() && self.b[self.i] != b'\n' {
                            self.i += 1;
                        }
                    }
                    _ => break,
                }
            }
            let start = self.i;
            if start >= self.b.len() {
                self.push(TokenKind::Eof, start);
                return;
            }
            let c = self.b[start];
            let ok = match c {
                b'{' => self.punct(TokenKind::LBrace, 1),
                b'}' => self.punct(TokenKind::RBrace, 1),
                b'(' => self.punct(TokenKind::LParen, 1),
                b')' => self.punct(TokenKind::RParen, 1),
                b'[' => self.punct(TokenKind::LBracket, 1),
                b']' => self.punct(TokenKind::RBracket, 1),
                b',' => self.punct(TokenKind::Comma, 1),
                b'=' => self.punct(TokenKind::Eq, 1),
                b'.' => self.punct(TokenKind::Dot, 1),
                b':' if self.at(start + 1) == b':' => self.punct(TokenKind::ColonColon, 2),
                b':' => self.punct(TokenKind::Colon, 1),
                b'-' if self.at(start + 1) == b'>' => self.punct(TokenKind::Arrow, 2),
                b'-' if self.b[start + 1..].starts_with(b"inf")
                    && !is_ident_char(self.at(start + 4)) =>
                {
                    self.punct(TokenKind::Float(f64::NEG_INFINITY), 4)
                }
                b'-' | b'0'..=b'9' => self.number(),
                b'%' => self.value_name(),
                b'@' => self.func_name(),
                b'"' => self.string(),
                _ if is_ident_start(c) => {
                    self.ident_run();
                    self.push(TokenKind::Ident, start);
                    true
                }
                _ => {
                    let ch = self.src[start..].chars().next().unwrap_or('\u{fffd}');
                    let end = start + ch.len_utf8();
                    self.error(
                        format!("unexpected character `{}`", ch.escape_debug()),
                        start,
                        end,
                    );
                    false
                }
            };
            if !ok {
                // Lexing stops at the first error; the parser reports it.
                self.out.push(Token {
                    kind: TokenKind::Eof,
                    span: Span::new(self.b.len(), self.b.len()),
                });
                return;
            }
        }
    }

    fn punct(&mut self, kind: TokenKind, len: usize) -> bool {
        let start = self.i;
        self.i += len;
        self.push(kind, start);
        true
    }

    fn ident_run(&mut self) {
        while self.i < self.b.len() && is_ident_char(self.b[self.i]) {
            self.i += 1;
        }
    }

    fn value_name(&mut self) -> bool {
        let start = self.i;
        self.i += 1;
        self.ident_run();
        let name = &self.src[start + 1..self.i];
        if name.is_empty() {
            self.error(
                "expected a value name after `%`".to_string(),
                start,
                start + 1,
            );
            return false;
        }
        if !is_value_name(name) {
            self.error(format!("invalid value name `%{name}`"), start, self.i);
            return false;
        }
        self.push(TokenKind::Value, start);
        true
    }

    fn func_name(&mut self) -> bool {
        let start = self.i;
        self.i += 1;
        if !is_ident_start(self.at(self.i)) {
            self.error(
                "expected a function name after `@`".to_string(),
                start,
                start + 1,
            );
            return false;
        }
        self.ident_run();
        // `@Box.method`: a dot directly followed by an identifier belongs to the name.
        if self.at(self.i) == b'.' && is_ident_start(self.at(self.i + 1)) {
            self.i += 1;
            self.ident_run();
        }
        self.push(TokenKind::Func, start);
        true
    }

    fn number(&mut self) -> bool {
        let start = self.i;
        if self.at(self.i) == b'-' {
            self.i += 1;
        }
        if !self.at(self.i).is_ascii_digit() {
            self.error("unexpected character `-`".to_string(), start, start + 1);
            return false;
        }
        let digits = |lx: &mut Self| {
            while lx.at(lx.i).is_ascii_digit() {
                lx.i += 1;
            }
        };
        digits(self);
        let mut is_float = false;
        if self.at(self.i) == b'.' && self.at(self.i + 1).is_ascii_digit() {
            is_float = true;
            self.i += 1;
            digits(self);
        }
        if matches!(self.at(self.i), b'e' | b'E') {
            let sign = usize::from(matches!(self.at(self.i + 1), b'+' | b'-'));
            if self.at(self.i + 1 + sign).is_ascii_digit() {
                is_float = true;
                self.i += 1 + sign;
                digits(self);
            }
        }
        let text = &self.src[start..self.i];
        if is_float {
            match parse_float_text(text) {
                Ok(x) => self.push(TokenKind::Float(x), start),
                Err(msg) => {
                    self.error(msg, start, self.i);
                    return false;
                }
            }
        } else {
            match text.parse::<i64>() {
                Ok(n) => self.push(TokenKind::Int(n), start),
                Err(_) => {
                    self.error("integer literal out of range".to_string(), start, self.i);
                    return false;
                }
            }
        }
        true
    }

    fn string(&mut self) -> bool {
        let start = self.i;
        self.i += 1;
        let mut out = String::new();
        loop {
            let Some(ch) = self.src[self.i..].chars().next() else {
                self.error("unterminated string".to_string(), start, self.i);
                return false;
            };
            match ch {
                '"' => {
                    self.i += 1;
                    self.push(TokenKind::Str(out), start);
                    return true;
                }
                '\n' => {
                    self.error("unterminated string".to_string(), start, self.i);
                    return false;
                }
                '\\' => {
                    let esc_start = self.i;
                    match self.escape() {
                        Some(c) => out.push(c),
                        None => {
                            let end = self.i.max(esc_start + 1).min(self.b.len());
                            self.error("invalid escape".to_string(), esc_start, end);
                            return false;
                        }
                    }
                }
                _ => {
                    out.push(ch);
                    self.i += ch.len_utf8();
                }
            }
        }
    }

    /// Reads one escape starting at the backslash; `None` if it is invalid.
    fn escape(&mut self) -> Option<char> {
        self.i += 1;
        let c = self.at(self.i);
        self.i += 1;
        match c {
            b'n' => Some('\n'),
            b't' => Some('\t'),
            b'r' => Some('\r'),
            b'\\' => Some('\\'),
            b'"' => Some('"'),
            b'u' => {
                if self.at(self.i) != b'{' {
                    return None;
                }
                self.i += 1;
                let hex_start = self.i;
                while self.at(self.i).is_ascii_hexdigit() {
                    self.i += 1;
                }
                let hex = &self.src[hex_start..self.i];
                if hex.is_empty() || hex.len() > 6 || self.at(self.i) != b'}' {
                    return None;
                }
                self.i += 1;
                u32::from_str_radix(hex, 16).ok().and_then(char::from_u32)
            }
            _ => {
                // Do not split a multi-byte character: back up to its start.
                if c >= 0x80 {
                    self.i -= 1;
                }
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<TokenKind> {
        lex(src).into_iter().map(|t| t.kind).collect()
    }

    fn err(src: &str) -> String {
        for t in lex(src) {
            if let TokenKind::Error(m) = t.kind {
                return m;
            }
        }
        panic!("no error in {src:?}")
    }

    #[test]
    fn punctuation_and_names() {
        let src = "fn @Point.norm(%me, %0: Integer) -> X { bb0: %a.B::m } ; c\n[ ] = ,";
        use TokenKind::*;
        assert_eq!(
            kinds(src),
            vec![
                Ident, Func, LParen, Value, Comma, Value, Colon, Ident, RParen, Arrow, Ident,
                LBrace, Ident, Colon, Value, Dot, Ident, ColonColon, Ident, RBrace, LBracket,
                RBracket, Eq, Comma, Eof
            ]
        );
        let toks = lex(src);
        assert_eq!(toks[1].text(src), "Point.norm");
        assert_eq!(toks[3].text(src), "me");
        assert_eq!(toks[5].text(src), "0");
        assert_eq!(toks[1].span, Span::new(3, 14));
    }

    #[test]
    fn numbers() {
        use TokenKind::*;
        assert_eq!(kinds("42 -7"), vec![Int(42), Int(-7), Eof]);
        assert_eq!(kinds("-9223372036854775808"), vec![Int(i64::MIN), Eof]);
        assert_eq!(
            kinds("3.5 -0.0 1e100 2.5e-3 1E+2"),
            vec![
                Float(3.5),
                Float(-0.0),
                Float(1e100),
                Float(2.5e-3),
                Float(100.0),
                Eof
            ]
        );
        assert!(matches!(kinds("-0.0")[0], Float(x) if x.is_sign_negative()));
        assert_eq!(
            kinds("-inf inf"),
            vec![Float(f64::NEG_INFINITY), Ident, Eof]
        );
        assert_eq!(err("9223372036854775808"), "integer literal out of range");
        assert_eq!(
            err("99999999999999999999999999999"),
            "integer literal out of range"
        );
        assert_eq!(err("1e400"), "float literal out of range");
        assert_eq!(
            err("-1e99999999999999999999999"),
            "float literal out of range"
        );
        // A dot not followed by digits is not part of the number.
        assert_eq!(kinds("1.x"), vec![Int(1), Dot, Ident, Eof]);
    }

    #[test]
    fn strings() {
        use TokenKind::*;
        assert_eq!(
            kinds(r#""a\n\t\r\\\"\u{1F600}\u{0}é""#),
            vec![Str("a\n\t\r\\\"\u{1F600}\u{0}é".to_string()), Eof]
        );
        assert_eq!(err(r#""\q""#), "invalid escape");
        assert_eq!(err(r#""\u{}""#), "invalid escape");
        assert_eq!(err(r#""\u{1234567}""#), "invalid escape");
        assert_eq!(err(r#""\u{d800}""#), "invalid escape");
        assert_eq!(err(r#""\u{41""#), "invalid escape");
        assert_eq!(err("\"\\é\""), "invalid escape");
        assert_eq!(err("\"abc"), "unterminated string");
        assert_eq!(err("\"ab\ncd\""), "unterminated string");
        assert_eq!(err("\"ab\\"), "invalid escape");
    }

    #[test]
    fn bad_characters() {
        assert_eq!(err("#"), "unexpected character `#`");
        assert_eq!(err("é"), "unexpected character `é`");
        assert_eq!(err("- 1"), "unexpected character `-`");
        assert_eq!(err("%"), "expected a value name after `%`");
        assert_eq!(err("%1a"), "invalid value name `%1a`");
        assert_eq!(err("@1"), "expected a function name after `@`");
        let t = lex("ok #");
        assert_eq!(t[1].span, Span::new(3, 4));
        assert_eq!(t.last().map(|t| &t.kind), Some(&TokenKind::Eof));
    }
}
