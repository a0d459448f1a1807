//! The syntax of names and float literals, shared by the text lexer, the JSON reader and the
//! builder: one definition of what an identifier, a value name and a function name are.

/// True if `b` can start an identifier.
pub(crate) fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

/// True if `b` can continue an identifier.
pub(crate) fn is_ident_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// True if `s` is an identifier: `[A-Za-z_][A-Za-z0-9_]*`.
pub fn is_ident(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty() && is_ident_start(b[0]) && b.iter().all(|&c| is_ident_char(c))
}

/// True if `s` is a legal value name (without `%`): digits, or an identifier.
pub fn is_value_name(s: &str) -> bool {
    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())) || is_ident(s)
}

/// True if `s` is a legal function name (without `@`): `f` or `Box.method`.
pub fn is_func_name(s: &str) -> bool {
    match s.split_once('.') {
        Some((a, b)) => is_ident(a) && is_ident(b),
        None => is_ident(s),
    }
}

/// Parses the text of a Float literal: `-?[0-9]+` with a fraction and/or an exponent, or `inf`,
/// `-inf`, `NaN`. Plain integers (`1`) are accepted too, as the float they denote. Errors are
/// `float literal out of range` (overflow to infinity) or `invalid float literal`.
pub fn parse_float_text(s: &str) -> Result<f64, String> {
    match s {
        "inf" => return Ok(f64::INFINITY),
        "-inf" => return Ok(f64::NEG_INFINITY),
        "NaN" => return Ok(f64::NAN),
        _ => {}
    }
    let b = s.as_bytes();
    let mut i = usize::from(b.first() == Some(&b'-'));
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i > start
    };
    let mut ok = digits(&mut i);
    if ok && i < b.len() && b[i] == b'.' {
        i += 1;
        ok = digits(&mut i);
    }
    if ok && i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        ok = digits(&mut i);
    }
    if !ok || i != b.len() {
        return Err(format!("invalid float literal {s:?}"));
    }
    match s.parse::<f64>() {
        Ok(x) if x.is_infinite() => Err("float literal out of range".to_string()),
        Ok(x) => Ok(x),
        Err(_) => Err(format!("invalid float literal {s:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_text() {
        assert_eq!(parse_float_text("1.5"), Ok(1.5));
        assert_eq!(parse_float_text("1"), Ok(1.0));
        assert!(parse_float_text("NaN").is_ok_and(f64::is_nan));
        assert_eq!(parse_float_text("-inf"), Ok(f64::NEG_INFINITY));
        assert!(parse_float_text("1.").is_err());
        assert!(parse_float_text(" 1").is_err());
        assert!(parse_float_text("nan").is_err());
        assert_eq!(
            parse_float_text("1e999"),
            Err("float literal out of range".to_string())
        );
    }

    #[test]
    fn names() {
        assert!(is_value_name("0") && is_value_name("x_1") && !is_value_name("1x"));
        assert!(is_func_name("A.b") && !is_func_name("A.") && !is_func_name("a.b.c"));
        assert!(!is_ident("") && is_ident("_"));
    }
}
