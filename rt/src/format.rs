//! The one formatting function for string forms (spec §3).

use crate::heap::{array_mut, map_mut, str_of, user_mut};
use crate::runtime::{Host, Runtime};
use crate::trap::Trap;
use crate::value::*;
use std::fmt::Write;

/// A Float's string form: Rust's `{:?}` (`1.0`, `0.30000000000000004`, `1e100`, `-0.0`, `inf`,
/// `NaN`).
pub fn fmt_float(f: f64) -> String {
    format!("{f:?}")
}

/// Appends `s` quoted with the escapes of the text form (spec §1); the one quoting function of
/// the project lives in `mir14_mir::display`.
pub use mir14_mir::display::quote_into;

impl Runtime {
    /// The top-level string form of `v` (what `toString` and `env.console.log` print).
    pub fn to_string_form(&mut self, host: &mut dyn Host, v: Val) -> Result<String, Trap> {
        if v.tag == STR {
            return Ok(str_of(v).to_owned());
        }
        let mut s = String::new();
        self.fmt_into(host, v, &mut s, false)?;
        Ok(s)
    }

    /// The string form of `v` as a String value (a String is returned as itself).
    pub fn to_string_val(&mut self, host: &mut dyn Host, v: Val) -> Result<Val, Trap> {
        if v.tag == STR {
            return Ok(v);
        }
        let s = self.to_string_form(host, v)?;
        Ok(self.heap.alloc_string(s))
    }

    /// Appends the string form of `v` to `out`; `nested` quotes Strings (inside containers).
    /// Runs a user `toString` through `host`; containers already being printed print as
    /// `[...]`, `{...}`, `Point {...}`. Iterative (an explicit work stack), so arbitrarily deep
    /// nesting cannot overflow the native stack; containers are re-read at each step, since a
    /// user `toString` may mutate them.
    pub fn fmt_into(
        &mut self,
        host: &mut dyn Host,
        v: Val,
        out: &mut String,
        nested: bool,
    ) -> Result<(), Trap> {
        // Scalars and top-level Strings need no work list.
        match v.tag {
            STR if !nested => {
                out.push_str(str_of(v));
                return Ok(());
            }
            INT => {
                let _ = write!(out, "{}", v.as_int());
                return Ok(());
            }
            _ => {}
        }
        let mark = self.printing.len();
        let mut work = vec![Work::Value(v, nested)];
        let r = self.fmt_work(host, &mut work, out);
        // Containers left open by a trap are no longer being printed.
        while self.printing.len() > mark {
            if let Some(p) = self.printing.pop() {
                self.printing_set.remove(&p);
            }
        }
        r
    }

    fn open(&mut self, v: Val) -> bool {
        if !self.printing_set.insert(v.bits) {
            return false;
        }
        self.printing.push(v.bits);
        true
    }

    fn close(&mut self) {
        if let Some(p) = self.printing.pop() {
            self.printing_set.remove(&p);
        }
    }

    fn fmt_work(
        &mut self,
        host: &mut dyn Host,
        work: &mut Vec<Work>,
        out: &mut String,
    ) -> Result<(), Trap> {
        while let Some(w) = work.pop() {
            match w {
                Work::Lit(s) => out.push_str(s),
                Work::Value(v, nested) => self.fmt_one(host, v, nested, work, out)?,
                Work::Array(v, i) => match array_mut(v).get(i).copied() {
                    Some(e) => {
                        if i > 0 {
                            out.push_str(", ");
                        }
                        work.push(Work::Array(v, i + 1));
                        work.push(Work::Value(e, true));
                    }
                    None => {
                        out.push(']');
                        self.close();
                    }
                },
                Work::Map(v, mut slot, first) => {
                    // The next live entry at or after `slot`.
                    let next = loop {
                        match map_mut(v).slot(slot) {
                            None => break None,
                            Some(None) => slot += 1,
                            Some(Some(kv)) => break Some(kv),
                        }
                    };
                    match next {
                        Some((k, val)) => {
                            if !first {
                                out.push_str(", ");
                            }
                            work.push(Work::Map(v, slot + 1, false));
                            work.push(Work::Value(val, true));
                            work.push(Work::Lit(": "));
                            work.push(Work::Value(k, true));
                        }
                        None => {
                            out.push('}');
                            self.close();
                        }
                    }
                }
                Work::User(v, i) => {
                    let b = user_mut(v).box_id as usize;
                    let nfields = self.boxes.get(b).map_or(0, |m| m.fields.len());
                    let field = user_mut(v).fields.get(i).copied();
                    match field {
                        Some(fv) if i < nfields => {
                            if i > 0 {
                                out.push_str(", ");
                            }
                            out.push_str(&self.boxes[b].fields[i]);
                            out.push_str(": ");
                            work.push(Work::User(v, i + 1));
                            work.push(Work::Value(fv, true));
                        }
                        _ => {
                            out.push_str(if nfields == 0 { "}" } else { " }" });
                            self.close();
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Formats one value: scalars directly; containers open and push their continuation.
    fn fmt_one(
        &mut self,
        host: &mut dyn Host,
        v: Val,
        nested: bool,
        work: &mut Vec<Work>,
        out: &mut String,
    ) -> Result<(), Trap> {
        match v.tag {
            VOID => out.push_str("void"),
            BOOL => out.push_str(if v.as_bool() { "true" } else { "false" }),
            INT => {
                let _ = write!(out, "{}", v.as_int());
            }
            FLOAT => {
                let _ = write!(out, "{:?}", v.as_float());
            }
            STR => {
                if nested {
                    quote_into(str_of(v), out)
                } else {
                    out.push_str(str_of(v))
                }
            }
            FUNC => {
                let _ = write!(
                    out,
                    "<function @{}>",
                    self.func_name(mir14_mir::FuncId(v.bits as u32))
                );
            }
            OP => {
                let _ = write!(
                    out,
                    "<{}>",
                    op_from_index(v.bits).map_or("?", |o| o.box_name())
                );
            }
            ARRAY => {
                if self.open(v) {
                    out.push('[');
                    work.push(Work::Array(v, 0));
                } else {
                    out.push_str("[...]");
                }
            }
            MAP => {
                if self.open(v) {
                    out.push('{');
                    work.push(Work::Map(v, 0, true));
                } else {
                    out.push_str("{...}");
                }
            }
            USER => {
                let b = user_mut(v).box_id as usize;
                if let Some(f) = self.boxes.get(b).and_then(|m| m.to_string) {
                    // The user code may collect: keep the pending work (and `v`) alive.
                    let mark = self.heap.root_mark();
                    self.heap.push_root(v);
                    for w in work.iter() {
                        match *w {
                            Work::Value(x, _)
                            | Work::Array(x, _)
                            | Work::Map(x, _, _)
                            | Work::User(x, _) => self.heap.push_root(x),
                            Work::Lit(_) => {}
                        }
                    }
                    let r = host.call_function(self, f, &[v]);
                    self.heap.pop_roots(mark);
                    let r = r?;
                    if r.tag != STR {
                        return Err(Trap::type_error(format!(
                            "{}.toString must return String, got {}",
                            self.boxes[b].name,
                            self.type_name(r)
                        )));
                    }
                    out.push_str(str_of(r));
                    return Ok(());
                }
                let name = self.boxes.get(b).map_or("?", |m| m.name.as_str());
                if self.printing_set.contains(&v.bits) {
                    let _ = write!(out, "{name} {{...}}");
                    return Ok(());
                }
                let nfields = self.boxes[b].fields.len();
                let _ = write!(out, "{name} {{{}", if nfields == 0 { "" } else { " " });
                self.open(v);
                work.push(Work::User(v, 0));
            }
            _ => out.push('?'),
        }
        Ok(())
    }
}

/// A step of the iterative formatter.
enum Work {
    /// Format a value (quoted if nested).
    Value(Val, bool),
    /// Literal text.
    Lit(&'static str),
    /// Continue an ArrayBox at this index.
    Array(Val, usize),
    /// Continue a MapBox at this slot; true before the first entry.
    Map(Val, usize, bool),
    /// Continue a user box at this field.
    User(Val, usize),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::testutil::*;
    use crate::runtime::{Config, Io};
    use mir14_mir::{BinOp, BoxDecl, FuncId, Module, Operator};

    #[test]
    fn deep_nesting_does_not_overflow() {
        let mut r = rt();
        let mut v = r.heap.alloc_array(vec![]);
        for _ in 0..200_000 {
            v = r.heap.alloc_array(vec![v]);
        }
        let s = show(&mut r, v);
        assert_eq!(s.len(), 2 * 200_001);
        // 200001 nested arrays: all the `[` first, the innermost `[]` in the middle.
        assert_eq!(&s[199_998..200_004], "[[[]]]");
        assert!(s.starts_with("[[[[") && s.ends_with("]]]]"));
        let m = r.heap.alloc_map();
        let mut w = m;
        for i in 0..50_000 {
            let inner = r.heap.alloc_map();
            map_mut(w).set(crate::MapKey::Int(i), Val::int(i), inner);
            w = inner;
        }
        assert!(show(&mut r, m).starts_with("{0: {1: {2: {"));
    }

    fn show(r: &mut Runtime, v: Val) -> String {
        r.to_string_form(&mut NoHost, v).unwrap()
    }

    #[test]
    fn floats() {
        let mut r = rt();
        for (f, s) in [
            (1.0, "1.0"),
            (0.1 + 0.2, "0.30000000000000004"),
            (1e100, "1e100"),
            (-0.0, "-0.0"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (f64::NAN, "NaN"),
            (2.5e-3, "0.0025"),
            (1e-7, "1e-7"),
        ] {
            assert_eq!(show(&mut r, Val::float(f)), s);
        }
    }

    #[test]
    fn nesting_and_quoting() {
        let mut r = rt();
        let s = r.heap.alloc_str("a\"b\n\u{1}é");
        let x = r.heap.alloc_str("x");
        let inner = r.heap.alloc_array(vec![Val::VOID, Val::float(2.0)]);
        let arr = r.heap.alloc_array(vec![s, Val::int(1), inner, Val::TRUE]);
        assert_eq!(
            show(&mut r, arr),
            r#"["a\"b\n\u{1}é", 1, [void, 2.0], true]"#
        );
        assert_eq!(show(&mut r, s), "a\"b\n\u{1}é");
        let m = r.heap.alloc_map();
        map_mut(m).set(crate::MapKey::of(x).unwrap(), x, Val::int(1));
        map_mut(m).set(crate::MapKey::Int(2), Val::int(2), x);
        assert_eq!(show(&mut r, m), r#"{"x": 1, 2: "x"}"#);
        let e = r.heap.alloc_map();
        assert_eq!(show(&mut r, e), "{}");
        let e = r.heap.alloc_array(vec![]);
        assert_eq!(show(&mut r, e), "[]");
        assert_eq!(
            show(&mut r, Val::op(Operator::Bin(BinOp::Add))),
            "<AddOperator>"
        );
    }

    #[test]
    fn cycles_and_user_boxes() {
        let mut m = Module::new();
        m.boxes.push(BoxDecl {
            name: "Point".into(),
            fields: vec!["x".into(), "next".into()],
        });
        m.boxes.push(BoxDecl {
            name: "Empty".into(),
            fields: vec![],
        });
        m.functions.push(mir14_mir::Function::new("main"));
        let mut r = Runtime::new(&m, Config::default(), Io::captured(vec![]));
        let a = r.heap.alloc_array(vec![Val::int(1)]);
        array_mut(a).push(a);
        assert_eq!(show(&mut r, a), "[1, [...]]");
        let mp = r.heap.alloc_map();
        map_mut(mp).set(crate::MapKey::Bool(true), Val::TRUE, mp);
        assert_eq!(show(&mut r, mp), "{true: {...}}");
        let p = r.new_user(mir14_mir::BoxId(0));
        let s = r.heap.alloc_str("s");
        user_mut(p).fields[0] = s;
        user_mut(p).fields[1] = p;
        assert_eq!(show(&mut r, p), r#"Point { x: "s", next: Point {...} }"#);
        let e = r.new_user(mir14_mir::BoxId(1));
        let both = r.heap.alloc_array(vec![e, e, Val::func(FuncId(0))]);
        // The same box twice (not nested) is not a cycle.
        assert_eq!(show(&mut r, both), "[Empty {}, Empty {}, <function @main>]");
    }
}
