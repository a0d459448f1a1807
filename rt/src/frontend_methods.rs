//! Builtin methods that frontends need beyond the original set (spec §4.7, "Conversions and
//! Float math"): code points and one-character Strings, Integers and Strings in a radix, and
//! Float math.
//!
//! They are looked up by name after the builtins of `methods.rs` (and after user methods), so
//! they add methods without changing that table: [`Runtime::call_frontend_method`] answers
//! `None` for a name or receiver type it does not know, and the caller reports the unknown
//! method as before.

use crate::heap::{str_obj, str_of};
use crate::runtime::Runtime;
use crate::trap::{Trap, TrapKind};
use crate::value::{Val, FLOAT, INT, STR};

/// The methods of this file: (receiver tag, name, arity).
const METHODS: &[(u64, &str, usize)] = &[
    (INT, "toChar", 0),
    (INT, "toStringRadix", 1),
    (STR, "codePointAt", 1),
    (STR, "toIntegerRadix", 1),
    (STR, "substringClamped", 2),
    (FLOAT, "pow", 1),
    (FLOAT, "exp", 0),
    (FLOAT, "log", 0),
    (FLOAT, "log10", 0),
    (FLOAT, "sin", 0),
    (FLOAT, "cos", 0),
    (FLOAT, "tan", 0),
    (FLOAT, "atan", 0),
    (FLOAT, "atan2", 1),
    (FLOAT, "trunc", 0),
    (FLOAT, "isNaN", 0),
];

/// The digits of radix 36, lowercase.
const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";

/// `n` in radix `radix` (2..=36): lowercase digits, a `-` for negatives (i64::MIN included).
fn to_radix(n: i64, radix: u32) -> String {
    let mut m = n.unsigned_abs();
    let mut digits = Vec::new();
    loop {
        digits.push(DIGITS[(m % radix as u64) as usize]);
        m /= radix as u64;
        if m == 0 {
            break;
        }
    }
    if n < 0 {
        digits.push(b'-');
    }
    digits.reverse();
    String::from_utf8(digits).unwrap_or_default()
}

impl Runtime {
    /// `recv.name(args)` for a method of this file; `None` if `recv`'s type has no such method.
    pub fn call_frontend_method(
        &mut self,
        recv: Val,
        name: &str,
        args: &[Val],
    ) -> Option<Result<Val, Trap>> {
        let &(_, _, arity) = METHODS
            .iter()
            .find(|(t, n, _)| *t == recv.tag && *n == name)?;
        Some(self.frontend_method(recv, name, arity, args))
    }

    fn frontend_method(
        &mut self,
        recv: Val,
        name: &str,
        arity: usize,
        args: &[Val],
    ) -> Result<Val, Trap> {
        let ty = self.type_name(recv).to_string();
        // `substringClamped(start)`: the one method here whose last argument is optional.
        let optional = name == "substringClamped" && args.len() + 1 == arity;
        if args.len() != arity && !optional {
            let what = format!("{ty}.{name}");
            return Err(Trap::wrong_arity(&what, arity, args.len()));
        }
        let arg_err = |rt: &Runtime, want: &str, got: Val| {
            Trap::type_error(format!(
                "argument 1 of {ty}.{name} must be {want}, got {}",
                rt.type_name(got)
            ))
        };
        let int_arg = |rt: &Runtime| -> Result<i64, Trap> {
            if args[0].tag == INT {
                Ok(args[0].as_int())
            } else {
                Err(arg_err(rt, "Integer", args[0]))
            }
        };
        let radix_arg = |rt: &Runtime| -> Result<u32, Trap> {
            let r = int_arg(rt)?;
            if (2..=36).contains(&r) {
                Ok(r as u32)
            } else {
                Err(Trap::type_error(format!(
                    "radix must be between 2 and 36, got {r}"
                )))
            }
        };
        // A number argument of the Float methods: Integer or Float, as a Float.
        let num_arg = |rt: &Runtime| -> Result<f64, Trap> {
            match args[0].tag {
                INT => Ok(args[0].as_int() as f64),
                FLOAT => Ok(args[0].as_float()),
                _ => Err(arg_err(rt, "Integer or Float", args[0])),
            }
        };
        match (recv.tag, name) {
            (INT, "toChar") => {
                let n = recv.as_int();
                match u32::try_from(n).ok().and_then(char::from_u32) {
                    Some(c) => Ok(self.heap.alloc_string(c.to_string())),
                    None => Err(Trap::new(
                        TrapKind::CastError,
                        format!("{n} is not a Unicode scalar value"),
                    )),
                }
            }
            (INT, "toStringRadix") => {
                let r = radix_arg(self)?;
                Ok(self.heap.alloc_string(to_radix(recv.as_int(), r)))
            }
            (STR, "codePointAt") => {
                let i = int_arg(self)?;
                let s = str_obj(recv);
                let len = s.char_len();
                if i < 0 || i as u64 >= len as u64 {
                    return Err(Trap::new(
                        TrapKind::IndexOutOfBounds,
                        format!("index {i} out of bounds for length {len}"),
                    ));
                }
                let b = s.byte_at(i as usize);
                let c = str_of(recv)[b..].chars().next().unwrap_or('\0');
                Ok(Val::int(c as i64))
            }
            (STR, "substringClamped") => {
                // Both ends clamped to `0..=length` (the end defaults to the length); an
                // end before the start gives the empty String.
                let len = str_obj(recv).char_len() as i64;
                let mut ends = [0, len];
                for (n, a) in args.iter().enumerate() {
                    if a.tag != INT {
                        return Err(Trap::type_error(format!(
                            "argument {} of {ty}.{name} must be Integer, got {}",
                            n + 1,
                            self.type_name(*a)
                        )));
                    }
                    ends[n] = a.as_int().clamp(0, len);
                }
                let [a, b] = ends;
                let b = b.max(a);
                let s = str_obj(recv);
                let (x, y) = (s.byte_at(a as usize), s.byte_at(b as usize));
                Ok(self.heap.substr(recv, x, y))
            }
            (STR, "toIntegerRadix") => {
                let r = radix_arg(self)?;
                Ok(match i64::from_str_radix(str_of(recv), r) {
                    Ok(n) => Val::int(n),
                    Err(_) => Val::VOID,
                })
            }
            (FLOAT, _) => {
                let x = recv.as_float();
                let y = if arity == 1 { num_arg(self)? } else { 0.0 };
                Ok(match name {
                    "pow" => Val::float(x.powf(y)),
                    "exp" => Val::float(x.exp()),
                    "log" => Val::float(x.ln()),
                    "log10" => Val::float(x.log10()),
                    "sin" => Val::float(x.sin()),
                    "cos" => Val::float(x.cos()),
                    "tan" => Val::float(x.tan()),
                    "atan" => Val::float(x.atan()),
                    "atan2" => Val::float(x.atan2(y)),
                    "trunc" => Val::float(x.trunc()),
                    _ => Val::bool(x.is_nan()),
                })
            }
            _ => Err(Trap::type_error(format!("{ty} has no method {name}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::testutil::*;

    #[test]
    fn substring_clamped() {
        let mut r = rt();
        let h = r.heap.alloc_str("héllo");
        let sub = |r: &mut Runtime, args: &[Val]| {
            let v = r.call_frontend_method(h, "substringClamped", args).unwrap();
            v.map(|v| str_of(v).to_string())
        };
        let i = Val::int;
        assert_eq!(sub(&mut r, &[i(1), i(3)]).unwrap(), "él");
        assert_eq!(sub(&mut r, &[i(-4), i(2)]).unwrap(), "hé");
        assert_eq!(sub(&mut r, &[i(3), i(99)]).unwrap(), "lo");
        assert_eq!(sub(&mut r, &[i(4), i(2)]).unwrap(), "");
        assert_eq!(sub(&mut r, &[i(7), i(9)]).unwrap(), "");
        assert_eq!(sub(&mut r, &[i(2)]).unwrap(), "llo");
        let e = sub(&mut r, &[i(0), Val::VOID]).unwrap_err();
        assert_eq!(
            e.message,
            "argument 2 of String.substringClamped must be Integer, got Void"
        );
        let e = sub(&mut r, &[]).unwrap_err();
        assert_eq!(e.kind, TrapKind::TypeError);
    }

    #[test]
    fn radix_digits() {
        assert_eq!(to_radix(255, 16), "ff");
        assert_eq!(to_radix(-5, 2), "-101");
        assert_eq!(to_radix(0, 36), "0");
        assert_eq!(to_radix(i64::MIN, 16), "-8000000000000000");
        assert_eq!(to_radix(35, 36), "z");
    }
}
