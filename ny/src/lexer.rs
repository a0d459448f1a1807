//! The hand-written lexer of ny: source text to [`Token`]s.
//!
//! Tokens carry their byte span and whether a line break precedes them (`newline`), which the
//! parser uses to end statements and to keep `f\n(x)` from being read as a call.

use crate::Error;
use mir14_mir::Span;

/// What a token is.
#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    /// An identifier or keyword: `[A-Za-z_][A-Za-z0-9_]*`.
    Ident(String),
    /// An integer literal (fits in i64).
    Int(i64),
    /// A float literal.
    Float(f64),
    /// A string literal, escapes decoded.
    Str(String),
    /// Punctuation or an operator: `( ) { } [ ] , . : ; = + - * / % == != < <= > >= && || ! ?
    /// => += -= *= /= %{`.
    Punct(&'static str),
    /// The end of the input.
    Eof,
}

impl Tok {
    /// How the token is named in `expected X, found Y` messages.
    pub fn describe(&self) -> String {
        match self {
            Tok::Ident(s) => format!("`{s}`"),
            Tok::Int(_) | Tok::Float(_) => "a number".to_string(),
            Tok::Str(_) => "a string".to_string(),
            Tok::Punct(p) => format!("`{p}`"),
            Tok::Eof => "end of input".to_string(),
        }
    }
}

/// A token with its position.
#[derive(Clone, Debug, PartialEq)]
pub struct Token {
    /// What it is.
    pub tok: Tok,
    /// Where it is (bytes).
    pub span: Span,
    /// True if a line break comes between the previous token and this one.
    pub newline: bool,
}

/// Punctuation, longest first so that `==` wins over `=`.
const PUNCT: [&str; 32] = [
    "==", "!=", "<=", ">=", "&&", "||", "=>", "+=", "-=", "*=", "/=", "%{", "(", ")", "{", "}",
    "[", "]", ",", ".", ":", ";", "=", "+", "-", "*", "/", "%", "<", ">", "?", "!",
];

/// Like [`lex`], with every span (of tokens and errors) moved `base` bytes on: the spans of
/// several files then live in one space (see [`crate::compile_file`]).
pub fn lex_at(src: &str, base: usize) -> Result<Vec<Token>, Error> {
    let shift = |s: Span| Span::new(s.start as usize + base, s.end as usize + base);
    match lex(src) {
        Ok(mut toks) => {
            for t in &mut toks {
                t.span = shift(t.span);
            }
            Ok(toks)
        }
        Err(mut e) => {
            e.span = shift(e.span);
            Err(e)
        }
    }
}

/// Splits `src` into tokens, ending with [`Tok::Eof`]. Stops at the first lexical error.
pub fn lex(src: &str) -> Result<Vec<Token>, Error> {
    let bytes = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let mut newline = true;
    while i < bytes.len() {
        let c = bytes[i];
        // Whitespace and comments.
        if c == b'\n' {
            newline = true;
            i += 1;
            continue;
        }
        if c == b' ' || c == b'\t' || c == b'\r' {
            i += 1;
            continue;
        }
        if c == b'/' && bytes.get(i + 1) == Some(&b'/') {
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        // A block comment `/* ... */` (not nested); a line break inside it counts.
        if c == b'/' && bytes.get(i + 1) == Some(&b'*') {
            let Some(len) = src[i + 2..].find("*/") else {
                return Err(Error::new(Span::new(i, i + 2), "unterminated comment"));
            };
            if src[i + 2..i + 2 + len].contains('\n') {
                newline = true;
            }
            i += len + 4;
            continue;
        }
        let start = i;
        let tok = if c.is_ascii_alphabetic() || c == b'_' {
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            Tok::Ident(src[start..i].to_string())
        } else if c.is_ascii_digit() {
            let (tok, end) = number(src, start)?;
            i = end;
            tok
        } else if c == b'"' {
            let (s, end) = string(src, start)?;
            i = end;
            Tok::Str(s)
        } else if let Some(p) = PUNCT.iter().find(|p| src[i..].starts_with(**p)) {
            i += p.len();
            Tok::Punct(p)
        } else {
            let ch = src[i..].chars().next().unwrap_or('?');
            return Err(Error::new(
                Span::new(i, i + ch.len_utf8()),
                format!("unexpected character `{ch}`"),
            ));
        };
        out.push(Token {
            tok,
            span: Span::new(start, i),
            newline,
        });
        newline = false;
    }
    out.push(Token {
        tok: Tok::Eof,
        span: Span::new(src.len(), src.len()),
        newline: true,
    });
    Ok(out)
}

/// A number starting at `start`: digits, then optionally a fraction `.digits` and/or an
/// exponent `e[+-]digits` (then it is a Float). Returns the token and the end offset.
fn number(src: &str, start: usize) -> Result<(Tok, usize), Error> {
    let b = src.as_bytes();
    let digits = |mut i: usize| {
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        i
    };
    let mut i = digits(start);
    let mut float = false;
    // A fraction needs a digit after the dot (so `1.foo()` stays a method call on 1).
    if i + 1 < b.len() && b[i] == b'.' && b[i + 1].is_ascii_digit() {
        i = digits(i + 1);
        float = true;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        let mut j = i + 1;
        if j < b.len() && (b[j] == b'+' || b[j] == b'-') {
            j += 1;
        }
        if j < b.len() && b[j].is_ascii_digit() {
            i = digits(j);
            float = true;
        }
    }
    let text = &src[start..i];
    let span = Span::new(start, i);
    if float {
        match text.parse::<f64>() {
            Ok(x) if x.is_finite() => Ok((Tok::Float(x), i)),
            _ => Err(Error::new(span, "float literal out of range")),
        }
    } else {
        match text.parse::<i64>() {
            Ok(x) => Ok((Tok::Int(x), i)),
            Err(_) => Err(Error::new(span, "integer literal out of range")),
        }
    }
}

/// A string literal starting at the `"` at `start`. Returns the decoded text and the end offset.
fn string(src: &str, start: usize) -> Result<(String, usize), Error> {
    let unterminated = || Error::new(Span::new(start, start + 1), "unterminated string");
    let mut out = String::new();
    let mut chars = src[start + 1..].char_indices();
    while let Some((k, c)) = chars.next() {
        let at = start + 1 + k;
        match c {
            '"' => return Ok((out, at + 1)),
            '\n' => return Err(unterminated()),
            '\\' => {
                let Some((_, e)) = chars.next() else {
                    return Err(unterminated());
                };
                let bad = |len: usize| Error::new(Span::new(at, at + 1 + len), "invalid escape");
                match e {
                    'n' => out.push('\n'),
                    't' => out.push('\t'),
                    'r' => out.push('\r'),
                    'b' => out.push('\u{8}'),
                    'f' => out.push('\u{c}'),
                    '0' => out.push('\0'),
                    '\\' => out.push('\\'),
                    '"' => out.push('"'),
                    'u' => {
                        // `\u{H..H}`: 1 to 6 hex digits naming a Unicode scalar value.
                        let rest = &src[at + 2..];
                        let close = rest.find('}').filter(|_| rest.starts_with('{'));
                        let Some(close) = close else {
                            return Err(bad(1));
                        };
                        let hex = &rest[1..close];
                        let ch = (1..=6)
                            .contains(&hex.len())
                            .then(|| u32::from_str_radix(hex, 16).ok())
                            .flatten()
                            .and_then(char::from_u32);
                        let Some(ch) = ch else {
                            return Err(bad(close + 2));
                        };
                        out.push(ch);
                        // Skip `{hex}`.
                        for _ in 0..close + 1 {
                            chars.next();
                        }
                    }
                    other => return Err(bad(other.len_utf8())),
                }
            }
            c => out.push(c),
        }
    }
    Err(unterminated())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(src: &str) -> Vec<Tok> {
        lex(src).unwrap().into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn tokens_of_each_kind() {
        assert_eq!(
            toks("local x = 12 + 3.5e1 // c\n\"a\\n\\u{e9}\" <= != ! &&"),
            vec![
                Tok::Ident("local".into()),
                Tok::Ident("x".into()),
                Tok::Punct("="),
                Tok::Int(12),
                Tok::Punct("+"),
                Tok::Float(35.0),
                Tok::Str("a\né".into()),
                Tok::Punct("<="),
                Tok::Punct("!="),
                Tok::Punct("!"),
                Tok::Punct("&&"),
                Tok::Eof,
            ]
        );
    }

    #[test]
    fn newlines_and_spans() {
        let t = lex("a\n  bc").unwrap();
        assert!(t[0].newline && t[1].newline);
        assert_eq!(t[1].span, Span::new(4, 6));
        let t = lex("a b").unwrap();
        assert!(!t[1].newline);
        // `1.x` is the integer 1, a dot and a name.
        assert_eq!(
            toks("1.x"),
            vec![
                Tok::Int(1),
                Tok::Punct("."),
                Tok::Ident("x".into()),
                Tok::Eof
            ]
        );
    }

    #[test]
    fn lexical_errors() {
        let e = lex("x = #").unwrap_err();
        assert_eq!(
            (e.span, e.message.as_str()),
            (Span::new(4, 5), "unexpected character `#`")
        );
        let e = lex("\"abc\ndef\"").unwrap_err();
        assert_eq!(
            (e.span.start, e.message.as_str()),
            (0, "unterminated string")
        );
        assert_eq!(lex("\"\\q\"").unwrap_err().message, "invalid escape");
        assert_eq!(
            lex("\"\\u{110000}\"").unwrap_err().message,
            "invalid escape"
        );
        assert_eq!(
            lex("99999999999999999999").unwrap_err().message,
            "integer literal out of range"
        );
        assert_eq!(
            lex("1e999").unwrap_err().message,
            "float literal out of range"
        );
        assert_eq!(lex("& x").unwrap_err().message, "unexpected character `&`");
    }
}
