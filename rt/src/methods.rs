//! Builtin box methods (brief §8, spec §4) and method dispatch.

use crate::heap::{array_mut, map_mut, str_obj, str_of, user_mut};
use crate::map::MapKey;
use crate::ops::{cmp_numbers, float_to_int, values_equal};
use crate::runtime::{Host, Runtime};
use crate::trap::{Trap, TrapKind};
use crate::value::*;
use mir14_mir::{BoxId, FuncId};
use std::cmp::Ordering;

macro_rules! builtins {
    ($($v:ident = $s:literal),* $(,)?) => {
        /// A builtin method name.
        #[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
        pub enum Builtin { $(#[doc = concat!("The builtin method `", $s, "`.")] $v),* }

        impl Builtin {
            /// Every builtin method name.
            pub const ALL: &'static [Builtin] = &[$(Builtin::$v),*];

            /// The method name as written in MIR.
            pub fn name(self) -> &'static str {
                match self { $(Builtin::$v => $s),* }
            }

            /// The builtin called `name`.
            pub fn from_name(name: &str) -> Option<Builtin> {
                match name { $($s => Some(Builtin::$v),)* _ => None }
            }
        }
    };
}

builtins! {
    ToString = "toString", Equals = "equals", TypeName = "typeName",
    Length = "length", Substring = "substring", Concat = "concat", IndexOf = "indexOf",
    LastIndexOf = "lastIndexOf", Contains = "contains", StartsWith = "startsWith",
    EndsWith = "endsWith", Replace = "replace", Trim = "trim", ToUpper = "toUpper",
    ToLower = "toLower", Split = "split", CharAt = "charAt", ToInteger = "toInteger",
    ToFloat = "toFloat", Abs = "abs", Min = "min", Max = "max", Floor = "floor", Ceil = "ceil",
    Round = "round", Sqrt = "sqrt", Get = "get", Set = "set", Push = "push", Pop = "pop",
    Insert = "insert", Remove = "remove", Clear = "clear", Join = "join", Sort = "sort",
    Reverse = "reverse", Slice = "slice", Size = "size", Has = "has", Delete = "delete",
    Keys = "keys", Values = "values", Apply = "apply",
}

/// The arity of builtin `m` on a receiver with tag `tag`; `None` if that type lacks it.
pub fn builtin_arity(tag: u64, m: Builtin) -> Option<usize> {
    use Builtin::*;
    let specific = match (tag, m) {
        (STR, Length | Trim | ToUpper | ToLower | ToInteger | ToFloat) => Some(0),
        (
            STR,
            Concat | IndexOf | LastIndexOf | Contains | StartsWith | EndsWith | Split | CharAt,
        ) => Some(1),
        (STR, Substring | Replace) => Some(2),
        (INT, Abs | ToFloat) => Some(0),
        (INT, Min | Max) => Some(1),
        (FLOAT, Abs | Floor | Ceil | Round | Sqrt | ToInteger) => Some(0),
        (ARRAY, Length | Size | Pop | Clear | Sort | Reverse) => Some(0),
        (ARRAY, Get | Push | Remove | Contains | IndexOf | Join) => Some(1),
        (ARRAY, Set | Insert | Slice) => Some(2),
        (MAP, Size | Keys | Values | Clear) => Some(0),
        (MAP, Has | Get | Delete) => Some(1),
        (MAP, Set) => Some(2),
        (OP, Apply) => Some(2),
        _ => None,
    };
    specific.or(match m {
        ToString | TypeName => Some(0),
        Equals => Some(1),
        _ => None,
    })
}

/// Runs `f` on `recv` followed by `args`, in a stack buffer when there are few of them.
#[inline]
fn with_receiver<R>(recv: Val, args: &[Val], f: impl FnOnce(&[Val]) -> R) -> R {
    if args.len() < 8 {
        let mut buf = [Val::VOID; 8];
        buf[0] = recv;
        buf[1..=args.len()].copy_from_slice(args);
        return f(&buf[..=args.len()]);
    }
    let mut full = Vec::with_capacity(args.len() + 1);
    full.push(recv);
    full.extend_from_slice(args);
    f(&full)
}

/// The number of Unicode scalar values of a String value.
fn char_len(v: Val) -> usize {
    str_obj(v).char_len()
}

/// The byte offset of scalar index `i` (`i <= len`) in String value `v`.
fn byte_at(v: Val, i: usize) -> usize {
    str_obj(v).byte_at(i)
}

/// The scalar index of byte offset `b` in String value `v`.
fn char_index(v: Val, b: usize) -> usize {
    str_obj(v).char_index(b)
}

fn index_trap(i: i64, len: usize) -> Trap {
    Trap::new(
        TrapKind::IndexOutOfBounds,
        format!("index {i} out of bounds for length {len}"),
    )
}

fn range_trap(a: i64, b: i64, len: usize) -> Trap {
    Trap::new(
        TrapKind::IndexOutOfBounds,
        format!("range {a}..{b} out of bounds for length {len}"),
    )
}

/// Checks `0 <= a <= b <= len`.
fn check_range(a: i64, b: i64, len: usize) -> Result<(usize, usize), Trap> {
    if a < 0 || b < a || b as u64 > len as u64 {
        return Err(range_trap(a, b, len));
    }
    Ok((a as usize, b as usize))
}

impl Runtime {
    /// The user method `@B.m` a dynamic call `call %r.m(...)` reaches, if `recv` is a user box
    /// that has one (user methods come before builtins).
    #[inline]
    pub fn find_user_method(&self, recv: Val, mid: u32) -> Option<FuncId> {
        if recv.tag != USER {
            return None;
        }
        self.user_method(user_mut(recv).box_id, mid)
    }

    /// Checks a user method call's argument count (`Point.norm`: arity minus the receiver).
    pub fn check_method_arity(&self, f: FuncId, nargs: usize) -> Result<(), Trap> {
        self.check_arity_named(self.func_name(f), f, 1, nargs)
    }

    /// `call %r.m(args)` in full: a user method through `host`, else a builtin.
    pub fn call_method(
        &mut self,
        host: &mut dyn Host,
        recv: Val,
        mid: u32,
        args: &[Val],
    ) -> Result<Val, Trap> {
        if let Some(f) = self.find_user_method(recv, mid) {
            self.check_method_arity(f, args.len())?;
            return with_receiver(recv, args, |full| host.call_function(self, f, full));
        }
        self.call_builtin_method(host, recv, mid, args)
    }

    /// The function a static call `call %r.B::m(args)` reaches: checks that `recv` is a `B`
    /// (`TypeError`), that `@B.m` exists (`UnknownMethod`) and the argument count.
    pub fn resolve_static_method(
        &self,
        recv: Val,
        b: BoxId,
        mid: u32,
        nargs: usize,
    ) -> Result<FuncId, Trap> {
        if recv.tag != USER || user_mut(recv).box_id != b.0 {
            return Err(Trap::type_error(format!(
                "expected {} receiver for {}::{}, got {}",
                self.box_name(b.0),
                self.box_name(b.0),
                self.method_name(mid),
                self.type_name(recv)
            )));
        }
        let Some(f) = self.user_method(b.0, mid) else {
            return Err(Trap::new(
                TrapKind::UnknownMethod,
                format!(
                    "{} has no method {}",
                    self.box_name(b.0),
                    self.method_name(mid)
                ),
            ));
        };
        self.check_method_arity(f, nargs)?;
        Ok(f)
    }

    /// `call %r.B::m(args)` in full, through `host`.
    pub fn call_static_method(
        &mut self,
        host: &mut dyn Host,
        recv: Val,
        b: BoxId,
        mid: u32,
        args: &[Val],
    ) -> Result<Val, Trap> {
        let f = self.resolve_static_method(recv, b, mid, args.len())?;
        with_receiver(recv, args, |full| host.call_function(self, f, full))
    }

    fn unknown_method(&self, recv: Val, mid: u32) -> Trap {
        Trap::new(
            TrapKind::UnknownMethod,
            format!(
                "{} has no method {}",
                self.type_name(recv),
                self.method_name(mid)
            ),
        )
    }

    fn arg_type(&self, recv: Val, m: Builtin, n: usize, want: &str, got: Val) -> Trap {
        Trap::type_error(format!(
            "argument {} of {}.{} must be {}, got {}",
            n,
            self.type_name(recv),
            m.name(),
            want,
            self.type_name(got)
        ))
    }

    fn int_arg(&self, recv: Val, m: Builtin, args: &[Val], n: usize) -> Result<i64, Trap> {
        let a = args[n];
        if a.tag != INT {
            return Err(self.arg_type(recv, m, n + 1, "Integer", a));
        }
        Ok(a.as_int())
    }

    fn str_arg<'a>(&self, recv: Val, m: Builtin, args: &[Val], n: usize) -> Result<&'a str, Trap> {
        let a = args[n];
        if a.tag != STR {
            return Err(self.arg_type(recv, m, n + 1, "String", a));
        }
        Ok(str_of(a))
    }

    /// The map key of `k`, or the `TypeError` for a bad key type.
    fn map_key(&self, k: Val) -> Result<MapKey, Trap> {
        MapKey::of(k).ok_or_else(|| {
            Trap::type_error(format!(
                "MapBox key must be Integer, Bool or String, got {}",
                self.type_name(k)
            ))
        })
    }

    /// A builtin method call on `recv` (no user-method lookup): arity and argument types are
    /// checked; an unknown name traps `UnknownMethod`.
    pub fn call_builtin_method(
        &mut self,
        host: &mut dyn Host,
        recv: Val,
        mid: u32,
        args: &[Val],
    ) -> Result<Val, Trap> {
        let builtin = self.method_builtin.get(mid as usize).copied().flatten();
        let Some((m, arity)) = builtin.and_then(|m| Some((m, builtin_arity(recv.tag, m)?))) else {
            // The conversions and Float math of `frontend_methods.rs`, by name.
            let name = self.method_name(mid).to_string();
            return match self.call_frontend_method(recv, &name, args) {
                Some(r) => r,
                None => Err(self.unknown_method(recv, mid)),
            };
        };
        // `String.indexOf(s, from)`: the one builtin with an optional argument.
        let optional = recv.tag == STR && m == Builtin::IndexOf && args.len() == arity + 1;
        if args.len() != arity && !optional {
            let what = format!("{}.{}", self.type_name(recv), m.name());
            return Err(Trap::wrong_arity(&what, arity, args.len()));
        }
        use Builtin::*;
        match recv.tag {
            STR => match m {
                Length => return Ok(Val::int(char_len(recv) as i64)),
                Substring => {
                    let a = self.int_arg(recv, m, args, 0)?;
                    let b = self.int_arg(recv, m, args, 1)?;
                    let (a, b) = check_range(a, b, char_len(recv))?;
                    let (a, b) = (byte_at(recv, a), byte_at(recv, b));
                    return Ok(self.heap.substr(recv, a, b));
                }
                Concat => return self.binop(host, mir14_mir::BinOp::Add, recv, args[0]),
                IndexOf | LastIndexOf => {
                    let needle = self.str_arg(recv, m, args, 0)?;
                    let s = str_of(recv);
                    // The search starts at scalar index `from` (below 0: at 0; past the end:
                    // not found).
                    let from = match args.get(1) {
                        Some(_) => self.int_arg(recv, m, args, 1)?.max(0),
                        None => 0,
                    };
                    if from as u64 > char_len(recv) as u64 {
                        return Ok(Val::int(-1));
                    }
                    let start = byte_at(recv, from as usize);
                    let found = if m == IndexOf {
                        s[start..].find(needle).map(|b| b + start)
                    } else {
                        s.rfind(needle)
                    };
                    return Ok(Val::int(found.map_or(-1, |b| char_index(recv, b) as i64)));
                }
                Contains | StartsWith | EndsWith => {
                    let x = self.str_arg(recv, m, args, 0)?;
                    let s = str_of(recv);
                    return Ok(Val::bool(match m {
                        Contains => s.contains(x),
                        StartsWith => s.starts_with(x),
                        _ => s.ends_with(x),
                    }));
                }
                Replace => {
                    let from = self.str_arg(recv, m, args, 0)?;
                    let to = self.str_arg(recv, m, args, 1)?;
                    if from.is_empty() {
                        return Ok(recv);
                    }
                    let r = str_of(recv).replace(from, to);
                    return Ok(self.heap.alloc_string(r));
                }
                Trim => {
                    let s = str_of(recv);
                    let r = s.trim();
                    let a = r.as_ptr() as usize - s.as_ptr() as usize;
                    return Ok(self.heap.substr(recv, a, a + r.len()));
                }
                ToUpper => {
                    let r = str_of(recv).to_uppercase();
                    return Ok(self.heap.alloc_string(r));
                }
                ToLower => {
                    let r = str_of(recv).to_lowercase();
                    return Ok(self.heap.alloc_string(r));
                }
                Split => {
                    let sep = self.str_arg(recv, m, args, 0)?;
                    let s = str_of(recv);
                    let parts: Vec<&str> = if sep.is_empty() {
                        s.char_indices()
                            .map(|(i, c)| &s[i..i + c.len_utf8()])
                            .collect()
                    } else {
                        s.split(sep).collect()
                    };
                    let items = parts.into_iter().map(|p| self.heap.alloc_str(p)).collect();
                    return Ok(self.heap.alloc_array(items));
                }
                CharAt => {
                    let i = self.int_arg(recv, m, args, 0)?;
                    let c = if i < 0 {
                        None
                    } else {
                        str_obj(recv).char_at(i as usize)
                    };
                    return match c {
                        Some(c) => Ok(self.heap.char_str(c)),
                        None => Err(index_trap(i, char_len(recv))),
                    };
                }
                ToInteger => {
                    return Ok(str_of(recv).parse::<i64>().map_or(Val::VOID, Val::int));
                }
                ToFloat => {
                    return Ok(str_of(recv).parse::<f64>().map_or(Val::VOID, Val::float));
                }
                _ => {}
            },
            INT => {
                let x = recv.as_int();
                match m {
                    Abs => return Ok(Val::int(x.wrapping_abs())),
                    Min => return Ok(Val::int(x.min(self.int_arg(recv, m, args, 0)?))),
                    Max => return Ok(Val::int(x.max(self.int_arg(recv, m, args, 0)?))),
                    ToFloat => return Ok(Val::float(x as f64)),
                    _ => {}
                }
            }
            FLOAT => {
                let x = recv.as_float();
                match m {
                    Abs => return Ok(Val::float(x.abs())),
                    Floor => return Ok(Val::float(x.floor())),
                    Ceil => return Ok(Val::float(x.ceil())),
                    Round => return Ok(Val::float(x.round())),
                    Sqrt => return Ok(Val::float(x.sqrt())),
                    ToInteger => return float_to_int(x),
                    _ => {}
                }
            }
            ARRAY => {
                if let Some(r) = self.array_method(host, recv, m, args)? {
                    return Ok(r);
                }
            }
            MAP => {
                if let Some(r) = self.map_method(recv, m, args)? {
                    return Ok(r);
                }
            }
            OP if m == Apply => {
                let op =
                    op_from_index(recv.bits).ok_or_else(|| Trap::type_error("bad operator"))?;
                return self.apply_operator(host, op, args[0], args[1]);
            }
            _ => {}
        }
        // The universal methods.
        match m {
            ToString => self.to_string_val(host, recv),
            Equals => Ok(Val::bool(values_equal(recv, args[0]))),
            TypeName => Ok(self.type_of(recv)),
            _ => Err(self.unknown_method(recv, mid)),
        }
    }

    fn array_method(
        &mut self,
        host: &mut dyn Host,
        recv: Val,
        m: Builtin,
        args: &[Val],
    ) -> Result<Option<Val>, Trap> {
        use Builtin::*;
        let len = array_mut(recv).len();
        Ok(Some(match m {
            // `size()` is Nyash's name for the length of an ArrayBox.
            Length | Size => Val::int(len as i64),
            Get => {
                let i = self.int_arg(recv, m, args, 0)?;
                if i < 0 || i as u64 >= len as u64 {
                    return Err(index_trap(i, len));
                }
                array_mut(recv)[i as usize]
            }
            Set => {
                let i = self.int_arg(recv, m, args, 0)?;
                if i < 0 || i as u64 >= len as u64 {
                    return Err(index_trap(i, len));
                }
                array_mut(recv)[i as usize] = args[1];
                Val::VOID
            }
            Push => {
                let a = array_mut(recv);
                let cap = a.capacity();
                a.push(args[0]);
                let grown = a.capacity() - cap;
                self.heap.note_growth(grown * 16);
                Val::VOID
            }
            Pop => match array_mut(recv).pop() {
                Some(v) => v,
                None => {
                    return Err(Trap::new(
                        TrapKind::IndexOutOfBounds,
                        "pop from empty ArrayBox",
                    ))
                }
            },
            Insert => {
                let i = self.int_arg(recv, m, args, 0)?;
                if i < 0 || i as u64 > len as u64 {
                    return Err(index_trap(i, len));
                }
                array_mut(recv).insert(i as usize, args[1]);
                Val::VOID
            }
            Remove => {
                let i = self.int_arg(recv, m, args, 0)?;
                if i < 0 || i as u64 >= len as u64 {
                    return Err(index_trap(i, len));
                }
                array_mut(recv).remove(i as usize)
            }
            Clear => {
                array_mut(recv).clear();
                Val::VOID
            }
            Contains => Val::bool(array_mut(recv).iter().any(|e| values_equal(*e, args[0]))),
            IndexOf => Val::int(
                array_mut(recv)
                    .iter()
                    .position(|e| values_equal(*e, args[0]))
                    .map_or(-1, |i| i as i64),
            ),
            Join => {
                let sep = self.str_arg(recv, m, args, 0)?;
                // Only Strings: one buffer of the exact size, no formatting.
                if array_mut(recv).iter().all(|e| e.tag == crate::value::STR) {
                    let sep: &str = sep;
                    let items: &[Val] = array_mut(recv);
                    return Ok(Some(self.heap.join_strs(items, sep)));
                }
                let sep = sep.to_owned();
                let mut out = String::new();
                let mut i = 0;
                // A user toString may collect: keep the array alive.
                let mark = self.heap.root_mark();
                self.heap.push_root(recv);
                // Re-read each step: a user toString may mutate the array.
                let mut r = Ok(());
                while let Some(&e) = array_mut(recv).get(i) {
                    if i > 0 {
                        out.push_str(&sep);
                    }
                    r = self.fmt_into(host, e, &mut out, false);
                    if r.is_err() {
                        break;
                    }
                    i += 1;
                }
                self.heap.pop_roots(mark);
                r?;
                self.heap.alloc_string(out)
            }
            Sort => {
                self.sort_array(recv)?;
                Val::VOID
            }
            Reverse => {
                array_mut(recv).reverse();
                Val::VOID
            }
            Slice => {
                let a = self.int_arg(recv, m, args, 0)?;
                let b = self.int_arg(recv, m, args, 1)?;
                let (a, b) = check_range(a, b, len)?;
                let items = array_mut(recv)[a..b].to_vec();
                self.heap.alloc_array(items)
            }
            _ => return Ok(None),
        }))
    }

    /// `sort()`: all numbers (mixed allowed) or all Strings, stable. A mixed array traps as a
    /// stable insertion sort would: the first element incomparable with the element sorting last
    /// among those before it, `cannot compare <later> and <earlier> with lt`. NaN sorts after
    /// every other number.
    fn sort_array(&self, recv: Val) -> Result<(), Trap> {
        let items = array_mut(recv);
        let nan = |v: Val| v.tag == FLOAT && v.as_float().is_nan();
        // The total order used for sorting numbers (NaN last, equal to NaN).
        let num_cmp = |a: Val, b: Val| match (nan(a), nan(b)) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            _ => cmp_numbers(a, b).unwrap_or(Ordering::Equal),
        };
        let is_num = |v: Val| v.tag == INT || v.tag == FLOAT;
        let comparable =
            |a: Val, b: Val| (is_num(a) && is_num(b)) || (a.tag == STR && b.tag == STR);
        if let Some(&first) = items.first() {
            let mut last = first;
            for &e in &items[1..] {
                if !comparable(e, last) {
                    return Err(Trap::type_error(format!(
                        "cannot compare {} and {} with lt",
                        self.type_name(e),
                        self.type_name(last)
                    )));
                }
                let later = if is_num(e) {
                    num_cmp(e, last) != Ordering::Less
                } else {
                    str_of(e).as_bytes() >= str_of(last).as_bytes()
                };
                if later {
                    last = e;
                }
            }
            if is_num(first) {
                items.sort_by(|a, b| num_cmp(*a, *b));
            } else if first.tag == STR {
                items.sort_by(|a, b| str_of(*a).as_bytes().cmp(str_of(*b).as_bytes()));
            }
        }
        Ok(())
    }

    fn map_method(&mut self, recv: Val, m: Builtin, args: &[Val]) -> Result<Option<Val>, Trap> {
        use Builtin::*;
        Ok(Some(match m {
            Size => Val::int(map_mut(recv).len() as i64),
            Has => {
                let k = self.map_key(args[0])?;
                Val::bool(map_mut(recv).has(&k))
            }
            Get => {
                let k = self.map_key(args[0])?;
                map_mut(recv).get(&k).unwrap_or(Val::VOID)
            }
            Set => {
                let k = self.map_key(args[0])?;
                map_mut(recv).set(k, args[0], args[1]);
                Val::VOID
            }
            Delete => {
                let k = self.map_key(args[0])?;
                Val::bool(map_mut(recv).delete(&k))
            }
            Keys | Values => {
                let items = map_mut(recv)
                    .entries()
                    .into_iter()
                    .map(|(k, v)| if m == Keys { k } else { v })
                    .collect();
                self.heap.alloc_array(items)
            }
            Clear => {
                map_mut(recv).clear();
                Val::VOID
            }
            _ => return Ok(None),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::testutil::*;

    fn call(r: &mut Runtime, recv: Val, m: &str, args: &[Val]) -> Result<Val, Trap> {
        let id = r.method_id(m);
        r.call_method(&mut NoHost, recv, id, args)
    }

    fn s(r: &mut Runtime, x: &str) -> Val {
        r.heap.alloc_str(x)
    }

    #[test]
    fn string_methods_unicode() {
        let mut r = rt();
        let h = s(&mut r, "héllo wörld");
        assert_eq!(call(&mut r, h, "length", &[]), Ok(Val::int(11)));
        let sub = call(&mut r, h, "substring", &[Val::int(1), Val::int(4)]).unwrap();
        assert_eq!(str_of(sub), "éll");
        let t = call(&mut r, h, "substring", &[Val::int(2), Val::int(1)]).unwrap_err();
        assert_eq!(
            (t.kind, t.message.as_str()),
            (
                TrapKind::IndexOutOfBounds,
                "range 2..1 out of bounds for length 11"
            )
        );
        let t = call(&mut r, h, "substring", &[Val::int(0), Val::int(12)]).unwrap_err();
        assert_eq!(t.message, "range 0..12 out of bounds for length 11");
        let o = s(&mut r, "ö");
        assert_eq!(call(&mut r, h, "indexOf", &[o]), Ok(Val::int(7)));
        let l = s(&mut r, "l");
        assert_eq!(call(&mut r, h, "lastIndexOf", &[l]), Ok(Val::int(9)));
        let z = s(&mut r, "z");
        assert_eq!(call(&mut r, h, "indexOf", &[z]), Ok(Val::int(-1)));
        let c = call(&mut r, h, "charAt", &[Val::int(1)]).unwrap();
        assert_eq!(str_of(c), "é");
        let t = call(&mut r, h, "charAt", &[Val::int(11)]).unwrap_err();
        assert_eq!(t.message, "index 11 out of bounds for length 11");
        let t = call(&mut r, h, "charAt", &[h]).unwrap_err();
        assert_eq!(
            t.message,
            "argument 1 of String.charAt must be Integer, got String"
        );
        let up = call(&mut r, h, "toUpper", &[]).unwrap();
        assert_eq!(str_of(up), "HÉLLO WÖRLD");
        let e = s(&mut r, "");
        let parts = call(&mut r, o, "split", &[e]).unwrap();
        assert_eq!(r.to_string_form(&mut NoHost, parts).unwrap(), r#"["ö"]"#);
        let csv = s(&mut r, "a,b,,c");
        let comma = s(&mut r, ",");
        let parts = call(&mut r, csv, "split", &[comma]).unwrap();
        assert_eq!(
            r.to_string_form(&mut NoHost, parts).unwrap(),
            r#"["a", "b", "", "c"]"#
        );
        let dash = s(&mut r, "--");
        let rep = call(&mut r, csv, "replace", &[comma, dash]).unwrap();
        assert_eq!(str_of(rep), "a--b----c");
        assert_eq!(call(&mut r, csv, "replace", &[e, dash]), Ok(csv));
        let pad = s(&mut r, " \u{3000}x y\n");
        let tr = call(&mut r, pad, "trim", &[]).unwrap();
        assert_eq!(str_of(tr), "x y");
        let n = s(&mut r, "-42");
        assert_eq!(call(&mut r, n, "toInteger", &[]), Ok(Val::int(-42)));
        let bad = s(&mut r, " 42");
        assert_eq!(call(&mut r, bad, "toInteger", &[]), Ok(Val::VOID));
        let f = s(&mut r, "2.5e1");
        assert_eq!(call(&mut r, f, "toFloat", &[]), Ok(Val::float(25.0)));
        let cat = call(&mut r, o, "concat", &[Val::int(1)]).unwrap();
        assert_eq!(str_of(cat), "ö1");
        let t = call(&mut r, o, "length", &[Val::int(1)]).unwrap_err();
        assert_eq!(
            t.message,
            "wrong number of arguments to String.length: expected 0, got 1"
        );
        let t = call(&mut r, o, "foo", &[]).unwrap_err();
        assert_eq!(
            (t.kind, t.message.as_str()),
            (TrapKind::UnknownMethod, "String has no method foo")
        );
        let t = call(&mut r, Val::int(1), "length", &[]).unwrap_err();
        assert_eq!(t.message, "Integer has no method length");
    }

    #[test]
    fn number_methods() {
        let mut r = rt();
        assert_eq!(
            call(&mut r, Val::int(i64::MIN), "abs", &[]),
            Ok(Val::int(i64::MIN))
        );
        assert_eq!(
            call(&mut r, Val::int(3), "min", &[Val::int(-1)]),
            Ok(Val::int(-1))
        );
        let t = call(&mut r, Val::int(3), "max", &[Val::float(1.0)]).unwrap_err();
        assert_eq!(
            t.message,
            "argument 1 of Integer.max must be Integer, got Float"
        );
        assert_eq!(
            call(&mut r, Val::float(-2.5), "round", &[]),
            Ok(Val::float(-3.0))
        );
        assert_eq!(
            call(&mut r, Val::float(2.5), "round", &[]),
            Ok(Val::float(3.0))
        );
        assert_eq!(
            call(&mut r, Val::float(-2.5), "floor", &[]),
            Ok(Val::float(-3.0))
        );
        assert_eq!(
            call(&mut r, Val::float(2.7), "toInteger", &[]),
            Ok(Val::int(2))
        );
        let ts = call(&mut r, Val::float(2.0), "toString", &[]).unwrap();
        assert_eq!(str_of(ts), "2.0");
        assert_eq!(
            call(&mut r, Val::int(2), "equals", &[Val::float(2.0)]),
            Ok(Val::TRUE)
        );
        let tn = call(&mut r, Val::VOID, "typeName", &[]).unwrap();
        assert_eq!(str_of(tn), "Void");
    }

    #[test]
    fn array_methods() {
        let mut r = rt();
        let a = r
            .heap
            .alloc_array(vec![Val::int(3), Val::float(1.5), Val::int(2)]);
        assert_eq!(call(&mut r, a, "size", &[]), Ok(Val::int(3)));
        assert_eq!(call(&mut r, a, "sort", &[]), Ok(Val::VOID));
        assert_eq!(r.to_string_form(&mut NoHost, a).unwrap(), "[1.5, 2, 3]");
        call(&mut r, a, "push", &[Val::int(9)]).unwrap();
        call(&mut r, a, "insert", &[Val::int(0), Val::int(0)]).unwrap();
        assert_eq!(
            r.to_string_form(&mut NoHost, a).unwrap(),
            "[0, 1.5, 2, 3, 9]"
        );
        assert_eq!(
            call(&mut r, a, "remove", &[Val::int(1)]),
            Ok(Val::float(1.5))
        );
        assert_eq!(call(&mut r, a, "pop", &[]), Ok(Val::int(9)));
        assert_eq!(
            call(&mut r, a, "indexOf", &[Val::float(2.0)]),
            Ok(Val::int(1))
        );
        let t = call(&mut r, a, "get", &[Val::int(3)]).unwrap_err();
        assert_eq!(t.message, "index 3 out of bounds for length 3");
        let t = call(&mut r, a, "get", &[Val::int(-1)]).unwrap_err();
        assert_eq!(t.message, "index -1 out of bounds for length 3");
        let sl = call(&mut r, a, "slice", &[Val::int(1), Val::int(3)]).unwrap();
        assert_eq!(r.to_string_form(&mut NoHost, sl).unwrap(), "[2, 3]");
        let sep = r.heap.alloc_str("-");
        let j = call(&mut r, a, "join", &[sep]).unwrap();
        assert_eq!(str_of(j), "0-2-3");
        call(&mut r, a, "reverse", &[]).unwrap();
        assert_eq!(r.to_string_form(&mut NoHost, a).unwrap(), "[3, 2, 0]");
        let x = r.heap.alloc_str("x");
        call(&mut r, a, "push", &[x]).unwrap();
        let t = call(&mut r, a, "sort", &[]).unwrap_err();
        assert_eq!(t.message, "cannot compare String and Integer with lt");
        call(&mut r, a, "clear", &[]).unwrap();
        let t = call(&mut r, a, "pop", &[]).unwrap_err();
        assert_eq!(
            (t.kind, t.message.as_str()),
            (TrapKind::IndexOutOfBounds, "pop from empty ArrayBox")
        );
        let words: Vec<Val> = ["b", "B", "a"]
            .iter()
            .map(|w| r.heap.alloc_str(w))
            .collect();
        let w = r.heap.alloc_array(words);
        call(&mut r, w, "sort", &[]).unwrap();
        assert_eq!(
            r.to_string_form(&mut NoHost, w).unwrap(),
            r#"["B", "a", "b"]"#
        );
    }

    #[test]
    fn map_methods() {
        let mut r = rt();
        let m = r.heap.alloc_map();
        let one = r.heap.alloc_str("1");
        call(&mut r, m, "set", &[Val::int(1), Val::int(10)]).unwrap();
        call(&mut r, m, "set", &[one, Val::int(20)]).unwrap();
        call(&mut r, m, "set", &[Val::TRUE, Val::int(30)]).unwrap();
        assert_eq!(call(&mut r, m, "size", &[]), Ok(Val::int(3)));
        assert_eq!(call(&mut r, m, "get", &[one]), Ok(Val::int(20)));
        assert_eq!(call(&mut r, m, "get", &[Val::int(2)]), Ok(Val::VOID));
        assert_eq!(call(&mut r, m, "delete", &[Val::int(1)]), Ok(Val::TRUE));
        call(&mut r, m, "set", &[Val::int(1), Val::int(11)]).unwrap();
        call(&mut r, m, "set", &[one, Val::int(21)]).unwrap();
        assert_eq!(
            r.to_string_form(&mut NoHost, m).unwrap(),
            r#"{"1": 21, true: 30, 1: 11}"#
        );
        let k = call(&mut r, m, "keys", &[]).unwrap();
        assert_eq!(
            r.to_string_form(&mut NoHost, k).unwrap(),
            r#"["1", true, 1]"#
        );
        let t = call(&mut r, m, "has", &[Val::float(1.0)]).unwrap_err();
        assert_eq!(
            t.message,
            "MapBox key must be Integer, Bool or String, got Float"
        );
        let t = call(&mut r, m, "get", &[]).unwrap_err();
        assert_eq!(
            t.message,
            "wrong number of arguments to MapBox.get: expected 1, got 0"
        );
    }
}
