//! A throwaway MIR14 text reader for the interpreter's own tests, used until the real parser
//! (`mir14_mir::parse`) is merged. It reads the grammar of spec/MIR14.md §2, numbers values
//! canonically, and reports errors as strings; it does not verify.

#![allow(dead_code)]

use mir14_mir::*;
use std::collections::HashMap;

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Ident(String),
    Val(String),
    Func(String),
    Int(i64),
    Float(f64),
    Str(String),
    P(&'static str),
}

fn lex(src: &str) -> Result<Vec<Tok>, String> {
    let c: Vec<char> = src.chars().collect();
    let mut i = 0;
    let mut out = Vec::new();
    let ident = |i: &mut usize| {
        let s = *i;
        while *i < c.len() && (c[*i].is_ascii_alphanumeric() || c[*i] == '_') {
            *i += 1;
        }
        c[s..*i].iter().collect::<String>()
    };
    while i < c.len() {
        let ch = c[i];
        if ch.is_whitespace() {
            i += 1;
        } else if ch == ';' {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '%' {
            i += 1;
            out.push(Tok::Val(ident(&mut i)));
        } else if ch == '@' {
            i += 1;
            let mut n = ident(&mut i);
            if i + 1 < c.len() && c[i] == '.' && (c[i + 1].is_ascii_alphabetic() || c[i + 1] == '_')
            {
                i += 1;
                n.push('.');
                n.push_str(&ident(&mut i));
            }
            out.push(Tok::Func(n));
        } else if ch.is_ascii_alphabetic() || ch == '_' {
            let n = ident(&mut i);
            out.push(match n.as_str() {
                "inf" => Tok::Float(f64::INFINITY),
                "NaN" => Tok::Float(f64::NAN),
                _ => Tok::Ident(n),
            });
        } else if ch.is_ascii_digit()
            || (ch == '-' && i + 1 < c.len() && (c[i + 1].is_ascii_digit() || c[i + 1] == 'i'))
        {
            let s = i;
            i += 1;
            if ch == '-' && c[i] == 'i' {
                i += 3;
                out.push(Tok::Float(f64::NEG_INFINITY));
                continue;
            }
            let mut float = false;
            while i < c.len()
                && (c[i].is_ascii_digit()
                    || c[i] == '.'
                    || c[i] == 'e'
                    || c[i] == 'E'
                    || ((c[i] == '-' || c[i] == '+') && (c[i - 1] == 'e' || c[i - 1] == 'E')))
            {
                if !c[i].is_ascii_digit() {
                    float = true;
                }
                i += 1;
            }
            let t: String = c[s..i].iter().collect();
            out.push(if float {
                Tok::Float(t.parse().map_err(|_| format!("bad float {t}"))?)
            } else {
                Tok::Int(t.parse().map_err(|_| format!("bad int {t}"))?)
            });
        } else if ch == '"' {
            i += 1;
            let mut s = String::new();
            loop {
                if i >= c.len() {
                    return Err("unterminated string".into());
                }
                let d = c[i];
                i += 1;
                match d {
                    '"' => break,
                    '\\' => {
                        let e = c[i];
                        i += 1;
                        match e {
                            'n' => s.push('\n'),
                            't' => s.push('\t'),
                            'r' => s.push('\r'),
                            '\\' => s.push('\\'),
                            '"' => s.push('"'),
                            'u' => {
                                i += 1; // {
                                let st = i;
                                while c[i] != '}' {
                                    i += 1;
                                }
                                let h: String = c[st..i].iter().collect();
                                i += 1;
                                s.push(
                                    char::from_u32(u32::from_str_radix(&h, 16).unwrap()).unwrap(),
                                );
                            }
                            _ => return Err("invalid escape".into()),
                        }
                    }
                    d => s.push(d),
                }
            }
            out.push(Tok::Str(s));
        } else {
            let two: String = c[i..(i + 2).min(c.len())].iter().collect();
            let p = match two.as_str() {
                "->" => "->",
                "::" => "::",
                _ => match ch {
                    '(' => "(",
                    ')' => ")",
                    '{' => "{",
                    '}' => "}",
                    '[' => "[",
                    ']' => "]",
                    ',' => ",",
                    ':' => ":",
                    '=' => "=",
                    '.' => ".",
                    _ => return Err(format!("bad char {ch}")),
                },
            };
            i += p.len();
            out.push(Tok::P(p));
        }
    }
    Ok(out)
}

/// Raw instruction with names.
enum RInst {
    Plain(Option<String>, Vec<Tok>),
}

struct P {
    t: Vec<Tok>,
    i: usize,
}

impl P {
    fn peek(&self) -> Option<&Tok> {
        self.t.get(self.i)
    }
    fn next(&mut self) -> Result<Tok, String> {
        let t = self.t.get(self.i).cloned().ok_or("unexpected end")?;
        self.i += 1;
        Ok(t)
    }
    fn eat(&mut self, p: &str) -> bool {
        if self.peek() == Some(&Tok::P(leak(p))) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn expect(&mut self, p: &str) -> Result<(), String> {
        if self.eat(p) {
            Ok(())
        } else {
            Err(format!("expected {p}, found {:?}", self.peek()))
        }
    }
    fn ident(&mut self) -> Result<String, String> {
        match self.next()? {
            Tok::Ident(s) => Ok(s),
            t => Err(format!("expected identifier, found {t:?}")),
        }
    }
    fn val(&mut self) -> Result<String, String> {
        match self.next()? {
            Tok::Val(s) => Ok(s),
            t => Err(format!("expected value, found {t:?}")),
        }
    }
    fn is_ident(&self, s: &str) -> bool {
        matches!(self.peek(), Some(Tok::Ident(x)) if x == s)
    }
}

fn leak(p: &str) -> &'static str {
    match p {
        "->" => "->",
        "::" => "::",
        "(" => "(",
        ")" => ")",
        "{" => "{",
        "}" => "}",
        "[" => "[",
        "]" => "]",
        "," => ",",
        ":" => ":",
        "=" => "=",
        "." => ".",
        _ => "?",
    }
}

enum PCallee {
    Global(String),
    Method(String, Option<String>, String),
    Value(String),
}

enum PI {
    Const(String, Tok),
    Unary(String, String, String),
    Bin(String, String, String, String),
    Cmp(String, String, String, String),
    Check(String, String, String),
    Cast(String, String, String),
    TypeOf(String, String),
    Load(String, String, String),
    Store(String, String, String),
    Branch(String, String, String),
    Jump(String),
    Ret(Option<String>),
    Phi(String, Vec<(String, String)>),
    New(String, String, Vec<String>),
    Call(Option<String>, PCallee, Vec<String>),
    Extern(Option<String>, String, Vec<String>),
}

struct PFunc {
    name: String,
    params: Vec<(String, Option<String>)>,
    ret: Option<String>,
    loops: Vec<[String; 4]>,
    blocks: Vec<(String, Vec<PI>)>,
}

fn args(p: &mut P) -> Result<Vec<String>, String> {
    p.expect("(")?;
    let mut v = Vec::new();
    if !p.eat(")") {
        loop {
            v.push(p.val()?);
            if p.eat(")") {
                break;
            }
            p.expect(",")?;
        }
    }
    Ok(v)
}

fn inst(p: &mut P) -> Result<PI, String> {
    let dest = if let Some(Tok::Val(_)) = p.peek() {
        let d = p.val()?;
        p.expect("=")?;
        Some(d)
    } else {
        None
    };
    let kw = p.ident()?;
    let d = || {
        dest.clone()
            .ok_or_else(|| format!("{kw} needs a destination"))
    };
    Ok(match kw.as_str() {
        "const" => PI::Const(d()?, p.next()?),
        "unary" => PI::Unary(d()?, p.ident()?, p.val()?),
        "binop" | "compare" => {
            let op = p.ident()?;
            let a = p.val()?;
            p.expect(",")?;
            let b = p.val()?;
            if kw == "binop" {
                PI::Bin(d()?, op, a, b)
            } else {
                PI::Cmp(d()?, op, a, b)
            }
        }
        "typeop" => match p.ident()?.as_str() {
            "check" => PI::Check(d()?, p.val()?, p.ident()?),
            "cast" => PI::Cast(d()?, p.val()?, p.ident()?),
            _ => PI::TypeOf(d()?, p.val()?),
        },
        "load" => {
            let o = p.val()?;
            p.expect(".")?;
            PI::Load(d()?, o, p.ident()?)
        }
        "store" => {
            let o = p.val()?;
            p.expect(".")?;
            let f = p.ident()?;
            p.expect("=")?;
            PI::Store(o, f, p.val()?)
        }
        "branch" => {
            let c = p.val()?;
            p.expect(",")?;
            let t = p.ident()?;
            p.expect(",")?;
            PI::Branch(c, t, p.ident()?)
        }
        "jump" => PI::Jump(p.ident()?),
        "ret" => {
            if let Some(Tok::Val(_)) = p.peek() {
                PI::Ret(Some(p.val()?))
            } else {
                PI::Ret(None)
            }
        }
        "phi" => {
            let mut ins = Vec::new();
            while p.eat("[") {
                let b = p.ident()?;
                p.expect(":")?;
                let v = p.val()?;
                p.expect("]")?;
                ins.push((b, v));
                if !p.eat(",") {
                    break;
                }
            }
            PI::Phi(d()?, ins)
        }
        "new" => {
            let c = p.ident()?;
            PI::New(d()?, c, args(p)?)
        }
        "call" => {
            let callee = match p.next()? {
                Tok::Func(f) => PCallee::Global(f),
                Tok::Val(v) => {
                    if p.eat(".") {
                        let m = p.ident()?;
                        if p.eat("::") {
                            let m2 = p.ident()?;
                            PCallee::Method(v, Some(m), m2)
                        } else {
                            PCallee::Method(v, None, m)
                        }
                    } else {
                        PCallee::Value(v)
                    }
                }
                t => return Err(format!("bad callee {t:?}")),
            };
            PI::Call(dest, callee, args(p)?)
        }
        "extern" => {
            let mut n = p.ident()?;
            while p.eat(".") {
                n.push('.');
                n.push_str(&p.ident()?);
            }
            PI::Extern(dest, n, args(p)?)
        }
        k => return Err(format!("unknown instruction {k}")),
    })
}

/// Parses MIR14 text into a module (canonical numbering, no verification).
pub fn parse(src: &str) -> Result<Module, String> {
    let mut p = P { t: lex(src)?, i: 0 };
    let mut boxes = Vec::new();
    let mut funcs = Vec::new();
    while p.peek().is_some() {
        let kw = p.ident()?;
        if kw == "box" {
            let name = p.ident()?;
            p.expect("{")?;
            let mut fields = Vec::new();
            while !p.eat("}") {
                fields.push(p.ident()?);
                p.eat(",");
            }
            boxes.push(BoxDecl { name, fields });
        } else if kw == "fn" {
            let Tok::Func(name) = p.next()? else {
                return Err("expected function name".into());
            };
            p.expect("(")?;
            let mut params = Vec::new();
            while !p.eat(")") {
                let v = p.val()?;
                let ty = if p.eat(":") { Some(p.ident()?) } else { None };
                params.push((v, ty));
                p.eat(",");
            }
            let ret = if p.eat("->") { Some(p.ident()?) } else { None };
            p.expect("{")?;
            let mut loops = Vec::new();
            while p.is_ident("loop") {
                p.next()?;
                let mut parts: [String; 4] = Default::default();
                for part in parts.iter_mut() {
                    p.ident()?;
                    p.expect("=")?;
                    *part = p.ident()?;
                }
                loops.push(parts);
            }
            let mut blocks: Vec<(String, Vec<PI>)> = Vec::new();
            while !p.eat("}") {
                // A label is an identifier followed by `:`.
                if let (Some(Tok::Ident(l)), Some(Tok::P(":"))) =
                    (p.t.get(p.i).cloned(), p.t.get(p.i + 1))
                {
                    p.i += 2;
                    blocks.push((l, Vec::new()));
                    continue;
                }
                let i = inst(&mut p)?;
                blocks
                    .last_mut()
                    .ok_or("instruction outside a block")?
                    .1
                    .push(i);
            }
            funcs.push(PFunc {
                name,
                params,
                ret,
                loops,
                blocks,
            });
        } else {
            return Err(format!("unexpected {kw}"));
        }
    }
    // Resolve.
    let mut m = Module::new();
    for b in boxes {
        m.boxes.push(b);
    }
    let fnames: HashMap<String, FuncId> = funcs
        .iter()
        .enumerate()
        .map(|(i, f)| (f.name.clone(), FuncId(i as u32)))
        .collect();
    let ty = |m: &Module, s: &str| m.resolve_type(s).ok_or(format!("unknown type {s}"));
    for pf in &funcs {
        let mut f = Function::new(pf.name.clone());
        let mut vals: HashMap<String, Value> = HashMap::new();
        let def = |f: &mut Function, vals: &mut HashMap<String, Value>, n: &str| {
            let v = f.values.push(ValueData { name: n.to_owned() });
            vals.insert(n.to_owned(), v);
            v
        };
        for (n, t) in &pf.params {
            let v = def(&mut f, &mut vals, n);
            let t = match t {
                Some(t) => Some(ty(&m, t)?),
                None => None,
            };
            f.params.push(Param { value: v, ty: t });
        }
        f.ret_type = match &pf.ret {
            Some(t) => Some(ty(&m, t)?),
            None => None,
        };
        let labels: HashMap<String, Block> = pf
            .blocks
            .iter()
            .enumerate()
            .map(|(i, b)| (b.0.clone(), Block(i as u32)))
            .collect();
        for (_, insts) in &pf.blocks {
            for i in insts {
                let d = match i {
                    PI::Const(d, _)
                    | PI::Unary(d, ..)
                    | PI::Bin(d, ..)
                    | PI::Cmp(d, ..)
                    | PI::Check(d, ..)
                    | PI::Cast(d, ..)
                    | PI::TypeOf(d, ..)
                    | PI::Load(d, ..)
                    | PI::Phi(d, ..)
                    | PI::New(d, ..) => Some(d),
                    PI::Call(d, ..) | PI::Extern(d, ..) => d.as_ref(),
                    _ => None,
                };
                if let Some(d) = d {
                    def(&mut f, &mut vals, d);
                }
            }
        }
        let v = |n: &String| vals.get(n).copied().ok_or(format!("unknown value %{n}"));
        let vs = |ns: &Vec<String>| ns.iter().map(v).collect::<Result<Vec<_>, _>>();
        let b = |n: &String| labels.get(n).copied().ok_or(format!("unknown block {n}"));
        for (label, insts) in &pf.blocks {
            let mut out = Vec::new();
            for i in insts {
                out.push(match i {
                    PI::Const(d, t) => Inst::Const {
                        dest: v(d)?,
                        value: match t {
                            Tok::Int(i) => Constant::Int(*i),
                            Tok::Float(x) => Constant::Float(Ieee64::new(*x)),
                            Tok::Str(s) => Constant::Str(s.clone()),
                            Tok::Func(g) => Constant::Func(
                                *fnames.get(g).ok_or(format!("unknown function @{g}"))?,
                            ),
                            Tok::Ident(w) if w == "true" => Constant::Bool(true),
                            Tok::Ident(w) if w == "false" => Constant::Bool(false),
                            Tok::Ident(w) if w == "void" || w == "null" => Constant::Void,
                            t => return Err(format!("bad literal {t:?}")),
                        },
                    },
                    PI::Unary(d, o, a) => Inst::Unary {
                        dest: v(d)?,
                        op: UnaryOp::from_name(o).ok_or("bad unary")?,
                        arg: v(a)?,
                    },
                    PI::Bin(d, o, a, c) => Inst::Binary {
                        dest: v(d)?,
                        op: BinOp::from_name(o).ok_or("bad binop")?,
                        lhs: v(a)?,
                        rhs: v(c)?,
                    },
                    PI::Cmp(d, o, a, c) => Inst::Compare {
                        dest: v(d)?,
                        op: CmpOp::from_name(o).ok_or("bad cmp")?,
                        lhs: v(a)?,
                        rhs: v(c)?,
                    },
                    PI::Check(d, a, t) => Inst::TypeOp {
                        dest: v(d)?,
                        op: TypeOpKind::Check(ty(&m, t)?),
                        arg: v(a)?,
                    },
                    PI::Cast(d, a, t) => Inst::TypeOp {
                        dest: v(d)?,
                        op: TypeOpKind::Cast(ty(&m, t)?),
                        arg: v(a)?,
                    },
                    PI::TypeOf(d, a) => Inst::TypeOp {
                        dest: v(d)?,
                        op: TypeOpKind::TypeOf,
                        arg: v(a)?,
                    },
                    PI::Load(d, o, fl) => Inst::Load {
                        dest: v(d)?,
                        obj: v(o)?,
                        field: fl.clone(),
                    },
                    PI::Store(o, fl, x) => Inst::Store {
                        obj: v(o)?,
                        field: fl.clone(),
                        value: v(x)?,
                    },
                    PI::Branch(c, t, e) => Inst::Branch {
                        cond: v(c)?,
                        then_block: b(t)?,
                        else_block: b(e)?,
                    },
                    PI::Jump(t) => Inst::Jump { target: b(t)? },
                    PI::Ret(x) => Inst::Return {
                        value: x.as_ref().map(v).transpose()?,
                    },
                    PI::Phi(d, ins) => Inst::Phi {
                        dest: v(d)?,
                        inputs: ins
                            .iter()
                            .map(|(bl, x)| Ok((b(bl)?, v(x)?)))
                            .collect::<Result<_, String>>()?,
                    },
                    PI::New(d, c, a) => Inst::NewBox {
                        dest: v(d)?,
                        class: m.resolve_class(c).ok_or(format!("unknown box {c}"))?,
                        args: vs(a)?,
                    },
                    PI::Call(d, c, a) => Inst::Call {
                        dest: d.as_ref().map(v).transpose()?,
                        callee: match c {
                            PCallee::Global(g) => Callee::Global(
                                *fnames.get(g).ok_or(format!("unknown function @{g}"))?,
                            ),
                            PCallee::Method(r, bn, meth) => Callee::Method {
                                box_name: match bn {
                                    Some(bn) => {
                                        Some(m.box_by_name(bn).ok_or(format!("unknown box {bn}"))?)
                                    }
                                    None => None,
                                },
                                method: meth.clone(),
                                receiver: v(r)?,
                            },
                            PCallee::Value(x) => Callee::Value(v(x)?),
                        },
                        args: vs(a)?,
                    },
                    PI::Extern(d, n, a) => Inst::ExternCall {
                        dest: d.as_ref().map(v).transpose()?,
                        callee: Callee::Extern(
                            ExternFn::from_name(n).ok_or(format!("unknown extern {n}"))?,
                        ),
                        args: vs(a)?,
                    },
                });
            }
            f.blocks.push(BlockData {
                label: label.clone(),
                insts: out,
            });
        }
        for l in &pf.loops {
            f.loops.push(LoopForm {
                header: b(&l[0])?,
                body: b(&l[1])?,
                latch: b(&l[2])?,
                exit: b(&l[3])?,
            });
        }
        m.functions.push(f);
    }
    Ok(m)
}
