//! The compiler from the ny syntax tree to a MIR14 [`Module`], through the public builder API
//! only ([`ModuleBuilder`], [`FunctionBuilder`], [`Variable`]s for SSA, the loop helper for
//! LoopForms).
//!
//! Mapping (see `ny/README.md`): a top-level `function f` is `@f`; a method `m` of `box B` is
//! `@B.m` with the receiver `me` as its first parameter; `birth` is the constructor `new B(...)`
//! runs; locals are builder [`Variable`]s; `if` is a `branch` to fresh blocks; `loop(c)` is the
//! builder's loop (condition in the header, or — when the condition itself needs control flow,
//! `a && b` — an infinite loop whose body starts with `break_if(!c)`); `&&` and `||` are branches
//! that define a result variable on both paths.

use crate::ast::*;
use crate::Error;
use mir14_mir::builder::{BuildError, FunctionBuilder, Loop, ModuleBuilder, Variable};
use mir14_mir::{
    BinOp as MBin, BoxClass, BoxId, Callee, CmpOp, ExternFn, FuncId, Module, Span, UnaryOp, Value,
};
use std::collections::{HashMap, HashSet};

/// What the compiler knows about the module while compiling bodies.
struct Globals {
    /// Top-level functions: id and parameter count.
    functions: HashMap<String, (FuncId, usize)>,
    /// Boxes: id and `birth`'s parameter count without the receiver (0 without `birth`).
    boxes: HashMap<String, (BoxId, usize)>,
    /// Every field name some box declares.
    fields: HashSet<String>,
    /// Per box: its methods and their parameter counts without the receiver.
    methods: HashMap<BoxId, HashMap<String, usize>>,
    /// Box names by id.
    box_names: HashMap<BoxId, String>,
}

/// Attaches a source position to a builder error.
fn at<T>(span: Span, r: Result<T, BuildError>) -> Result<T, Error> {
    r.map_err(|e| Error::new(span, e.to_string()))
}

/// Compiles a parsed program into a MIR14 module (not yet verified; see [`crate::compile()`]).
pub fn compile_program(prog: &Program) -> Result<Module, Error> {
    let mut mb = ModuleBuilder::new();
    let mut g = Globals {
        functions: HashMap::new(),
        boxes: HashMap::new(),
        fields: HashSet::new(),
        methods: HashMap::new(),
        box_names: HashMap::new(),
    };
    // Declare every box and function first, so bodies may refer to later ones.
    let mut methods = Vec::new();
    for b in &prog.boxes {
        let mut seen = HashSet::new();
        for (f, span) in &b.fields {
            if !seen.insert(f) {
                return Err(Error::new(
                    *span,
                    format!("duplicate field {f} in box {}", b.name),
                ));
            }
        }
        let fields: Vec<&str> = b.fields.iter().map(|(f, _)| f.as_str()).collect();
        let id = at(b.span, mb.declare_box(&b.name, &fields))?;
        g.fields.extend(b.fields.iter().map(|(f, _)| f.clone()));
        let birth = b.methods.iter().find(|m| m.name == "birth");
        g.boxes
            .insert(b.name.clone(), (id, birth.map_or(0, |m| m.params.len())));
        g.box_names.insert(id, b.name.clone());
        g.methods.insert(
            id,
            b.methods
                .iter()
                .map(|m| (m.name.clone(), m.params.len()))
                .collect(),
        );
        for m in &b.methods {
            let fid = mb.declare_method(id, &m.name).map_err(|e| match e {
                BuildError::DuplicateFunction(_) => Error::new(
                    m.span,
                    format!("duplicate method {} in box {}", m.name, b.name),
                ),
                e => Error::new(m.span, e.to_string()),
            })?;
            methods.push((fid, id, m));
        }
    }
    let mut funcs = Vec::new();
    for f in &prog.functions {
        if f.name == "print" || f.name == "typeof" {
            return Err(Error::new(
                f.span,
                format!("{} is a builtin function", f.name),
            ));
        }
        let fid = at(f.span, mb.declare_function(&f.name))?;
        g.functions.insert(f.name.clone(), (fid, f.params.len()));
        funcs.push((fid, f));
    }
    for (fid, id, m) in methods {
        let fb = compile_function(&mb, &g, fid, m, Some(id))?;
        at(m.span, mb.define_function(fb))?;
    }
    for (fid, f) in funcs {
        let fb = compile_function(&mb, &g, fid, f, None)?;
        at(f.span, mb.define_function(fb))?;
    }
    mb.finish()
        .map_err(|e| Error::new(Span::new(0, 0), e.to_string()))
}

/// Builds the body of one function or method.
fn compile_function(
    mb: &ModuleBuilder,
    g: &Globals,
    fid: FuncId,
    def: &FuncDef,
    method_of: Option<BoxId>,
) -> Result<FunctionBuilder, Error> {
    let fb = at(def.span, mb.function_builder(fid))?;
    let mut c = FnCompiler {
        fb,
        g,
        scopes: vec![HashMap::new()],
        loops: Vec::new(),
        me: None,
    };
    if let Some(b) = method_of {
        let me = c.fb.add_param(None);
        at(def.span, c.fb.set_value_name(me, "me"))?;
        c.me = Some((me, b));
    }
    for (name, span) in &def.params {
        if c.scopes[0].contains_key(name) {
            return Err(Error::new(*span, format!("duplicate parameter {name}")));
        }
        let p = c.fb.add_param(None);
        at(*span, c.fb.set_value_name(p, name))?;
        let var = c.fb.declare_var();
        at(*span, c.fb.def_var(var, p))?;
        c.scopes[0].insert(name.clone(), var);
    }
    c.stmts(&def.body)?;
    // Falling off the end returns null.
    if c.fb.current_block().is_some() {
        at(def.span, c.fb.ret(None))?;
    }
    Ok(c.fb)
}

/// The state of compiling one function body.
struct FnCompiler<'g> {
    fb: FunctionBuilder,
    g: &'g Globals,
    /// Lexical scopes of local variables, innermost last.
    scopes: Vec<HashMap<String, Variable>>,
    /// The open loops, innermost last.
    loops: Vec<Loop>,
    /// The receiver and its box, in methods.
    me: Option<(Value, BoxId)>,
}

impl FnCompiler<'_> {
    fn lookup(&self, name: &str) -> Option<Variable> {
        self.scopes.iter().rev().find_map(|s| s.get(name).copied())
    }

    /// Compiles statements in a new scope.
    fn scoped(&mut self, stmts: &[Stmt]) -> Result<(), Error> {
        self.scopes.push(HashMap::new());
        let r = self.stmts(stmts);
        self.scopes.pop();
        r
    }

    fn stmts(&mut self, stmts: &[Stmt]) -> Result<(), Error> {
        for s in stmts {
            self.stmt(s)?;
        }
        Ok(())
    }

    fn stmt(&mut self, s: &Stmt) -> Result<(), Error> {
        match s {
            Stmt::Local { name, span, init } => {
                let v = match init {
                    Some(e) => self.expr(e)?,
                    None => at(*span, self.fb.void())?,
                };
                let var = self.fb.declare_var();
                at(*span, self.fb.def_var(var, v))?;
                if let Some(scope) = self.scopes.last_mut() {
                    scope.insert(name.clone(), var);
                }
            }
            Stmt::Assign { target, value } => match &target.kind {
                ExprKind::Var(name) => {
                    let Some(var) = self.lookup(name) else {
                        return Err(Error::new(
                            target.span,
                            format!("undeclared variable {name} (declare it with `local`)"),
                        ));
                    };
                    let v = self.expr(value)?;
                    at(target.span, self.fb.def_var(var, v))?;
                }
                ExprKind::Field(obj, field) => {
                    self.check_field(field, target.span)?;
                    let o = self.expr(obj)?;
                    let v = self.expr(value)?;
                    at(target.span, self.fb.store(o, field, v))?;
                }
                _ => {
                    return Err(Error::new(
                        target.span,
                        "only a variable or a field can be assigned",
                    ))
                }
            },
            Stmt::If { cond, then, els } => {
                let c = self.expr(cond)?;
                let sp = cond.span;
                let then_b = self.fb.create_block();
                let join = self.fb.create_block();
                let else_b = match els {
                    Some(_) => self.fb.create_block(),
                    None => join,
                };
                at(sp, self.fb.branch(c, then_b, else_b))?;
                at(sp, self.fb.switch_to_block(then_b))?;
                at(sp, self.fb.seal_block(then_b))?;
                self.scoped(then)?;
                self.jump_if_open(join, sp)?;
                if let Some(els) = els {
                    at(sp, self.fb.switch_to_block(else_b))?;
                    at(sp, self.fb.seal_block(else_b))?;
                    self.scoped(els)?;
                    self.jump_if_open(join, sp)?;
                }
                at(sp, self.fb.switch_to_block(join))?;
                at(sp, self.fb.seal_block(join))?;
            }
            Stmt::Loop { cond, body } => {
                let sp = cond.span;
                let lp = at(sp, self.fb.begin_loop())?;
                if cond.has_control_flow() {
                    // The header holds straight-line code only: test at the top of the body.
                    let t = at(sp, self.fb.bconst(true))?;
                    at(sp, self.fb.loop_condition(&lp, t))?;
                    let c = self.expr(cond)?;
                    let nc = at(sp, self.fb.unary(UnaryOp::Not, c))?;
                    at(sp, self.fb.break_if(&lp, nc))?;
                } else {
                    let c = self.expr(cond)?;
                    at(sp, self.fb.loop_condition(&lp, c))?;
                }
                self.loops.push(lp);
                let r = self.scoped(body);
                let Some(lp) = self.loops.pop() else {
                    return Err(Error::new(sp, "internal compiler error: loop stack"));
                };
                r?;
                at(sp, self.fb.end_loop(lp))?;
            }
            Stmt::Break(span) | Stmt::Continue(span) => {
                let Some(lp) = self.loops.last() else {
                    let word = if matches!(s, Stmt::Break(_)) {
                        "break"
                    } else {
                        "continue"
                    };
                    return Err(Error::new(*span, format!("{word} outside of a loop")));
                };
                if matches!(s, Stmt::Break(_)) {
                    at(*span, self.fb.break_loop(lp))?;
                } else {
                    at(*span, self.fb.continue_loop(lp))?;
                }
            }
            Stmt::Return(value, span) => {
                let v = match value {
                    Some(e) => Some(self.expr(e)?),
                    None => None,
                };
                at(*span, self.fb.ret(v))?;
            }
            Stmt::Expr(e) => self.effect(e)?,
        }
        Ok(())
    }

    /// `jump target` unless the insertion block already ended (return, break, continue).
    fn jump_if_open(&mut self, target: mir14_mir::Block, span: Span) -> Result<(), Error> {
        if self.fb.current_block().is_some() {
            at(span, self.fb.jump(target))?;
        }
        Ok(())
    }

    fn check_field(&self, field: &str, span: Span) -> Result<(), Error> {
        if self.g.fields.contains(field) {
            Ok(())
        } else {
            Err(Error::new(span, format!("no box declares field {field}")))
        }
    }

    /// An expression evaluated for its effect: calls discard their result.
    fn effect(&mut self, e: &Expr) -> Result<(), Error> {
        match &e.kind {
            ExprKind::Call(name, args) if name == "print" && self.lookup(name).is_none() => {
                let a = self.print_arg(args, e.span)?;
                at(
                    e.span,
                    self.fb.extern_call_discard(ExternFn::ConsoleLog, &[a]),
                )
            }
            ExprKind::Method(recv, m, args) => {
                if let Some(f) = self.extern_name(recv, m, e.span)? {
                    let a = self.exprs(args)?;
                    self.check_arity(f.name(), f.arity(), a.len(), e.span)?;
                    return at(e.span, self.fb.extern_call_discard(f, &a));
                }
                let callee = self.method_callee(recv, m, args.len(), e.span)?;
                let a = self.exprs(args)?;
                at(e.span, self.fb.call_discard(callee, &a))
            }
            _ => self.expr(e).map(|_| ()),
        }
    }

    /// The callee of `recv.m(...)` with `argc` arguments. On `me`, a method of the enclosing
    /// box is called statically (`call %me.B::m(...)`: `me` is always a `B`, and the call needs
    /// no lookup by name at run time), its arity checked here; anything else dispatches
    /// dynamically on the receiver.
    fn method_callee(
        &mut self,
        recv: &Expr,
        m: &str,
        argc: usize,
        span: Span,
    ) -> Result<Callee, Error> {
        if let (ExprKind::Me, Some((me, b))) = (&recv.kind, self.me) {
            if let Some(&arity) = self.g.methods.get(&b).and_then(|ms| ms.get(m)) {
                let name = self.g.box_names.get(&b).map_or("", String::as_str);
                self.check_arity(&format!("{name}.{m}"), arity, argc, span)?;
                return Ok(Callee::Method {
                    box_name: Some(b),
                    method: m.to_string(),
                    receiver: me,
                });
            }
        }
        let r = self.expr(recv)?;
        Ok(Callee::Method {
            box_name: None,
            method: m.to_string(),
            receiver: r,
        })
    }

    fn print_arg(&mut self, args: &[Expr], span: Span) -> Result<Value, Error> {
        self.check_arity("print", 1, args.len(), span)?;
        self.expr(&args[0])
    }

    fn check_arity(
        &self,
        what: &str,
        expected: usize,
        got: usize,
        span: Span,
    ) -> Result<(), Error> {
        if expected == got {
            Ok(())
        } else {
            Err(Error::new(
                span,
                format!("wrong number of arguments to {what}: expected {expected}, got {got}"),
            ))
        }
    }

    /// If `recv.m` spells an extern (`env.console.log`, with `env` not a local variable), the
    /// extern; an `env.` name that is no extern is an error.
    fn extern_name(&self, recv: &Expr, m: &str, span: Span) -> Result<Option<ExternFn>, Error> {
        let mut parts = vec![m];
        let mut e = recv;
        loop {
            match &e.kind {
                ExprKind::Field(inner, f) => {
                    parts.push(f);
                    e = inner;
                }
                ExprKind::Var(v) if v == "env" && self.lookup("env").is_none() => break,
                _ => return Ok(None),
            }
        }
        parts.push("env");
        parts.reverse();
        let name = parts.join(".");
        match ExternFn::from_name(&name) {
            Some(f) => Ok(Some(f)),
            None => Err(Error::new(span, format!("unknown extern {name}"))),
        }
    }

    fn exprs(&mut self, es: &[Expr]) -> Result<Vec<Value>, Error> {
        es.iter().map(|e| self.expr(e)).collect()
    }

    fn expr(&mut self, e: &Expr) -> Result<Value, Error> {
        let sp = e.span;
        match &e.kind {
            ExprKind::Int(x) => at(sp, self.fb.iconst(*x)),
            ExprKind::Float(x) => at(sp, self.fb.fconst(*x)),
            ExprKind::Str(s) => at(sp, self.fb.sconst(s.clone())),
            ExprKind::Bool(b) => at(sp, self.fb.bconst(*b)),
            ExprKind::Null => at(sp, self.fb.void()),
            ExprKind::Me => self
                .me
                .map(|(v, _)| v)
                .ok_or_else(|| Error::new(sp, "`me` outside of a method")),
            ExprKind::Var(name) => {
                if let Some(var) = self.lookup(name) {
                    at(sp, self.fb.use_var(var))
                } else if let Some(&(f, _)) = self.g.functions.get(name) {
                    at(sp, self.fb.func_ref(f))
                } else {
                    Err(Error::new(sp, format!("unknown variable {name}")))
                }
            }
            ExprKind::Unary(op, a) => {
                let v = self.expr(a)?;
                let op = match op {
                    UnOp::Neg => UnaryOp::Neg,
                    UnOp::Not => UnaryOp::Not,
                };
                at(sp, self.fb.unary(op, v))
            }
            ExprKind::Binary(op, a, b) => {
                let l = self.expr(a)?;
                let r = self.expr(b)?;
                let arith = match op {
                    BinOp::Add => Some(MBin::Add),
                    BinOp::Sub => Some(MBin::Sub),
                    BinOp::Mul => Some(MBin::Mul),
                    BinOp::Div => Some(MBin::Div),
                    BinOp::Mod => Some(MBin::Mod),
                    _ => None,
                };
                if let Some(m) = arith {
                    return at(sp, self.fb.binop(m, l, r));
                }
                let c = match op {
                    BinOp::Eq => CmpOp::Eq,
                    BinOp::Ne => CmpOp::Ne,
                    BinOp::Lt => CmpOp::Lt,
                    BinOp::Le => CmpOp::Le,
                    BinOp::Gt => CmpOp::Gt,
                    _ => CmpOp::Ge,
                };
                at(sp, self.fb.compare(c, l, r))
            }
            ExprKind::And(a, b) => self.short_circuit(a, b, true, sp),
            ExprKind::Or(a, b) => self.short_circuit(a, b, false, sp),
            ExprKind::Call(name, args) => {
                if let Some(var) = self.lookup(name) {
                    let f = at(sp, self.fb.use_var(var))?;
                    let a = self.exprs(args)?;
                    return at(sp, self.fb.call(Callee::Value(f), &a));
                }
                if name == "print" {
                    let a = self.print_arg(args, sp)?;
                    return at(sp, self.fb.extern_call(ExternFn::ConsoleLog, &[a]));
                }
                if name == "typeof" {
                    self.check_arity("typeof", 1, args.len(), sp)?;
                    let a = self.expr(&args[0])?;
                    return at(sp, self.fb.type_of(a));
                }
                let Some(&(f, arity)) = self.g.functions.get(name) else {
                    return Err(Error::new(sp, format!("unknown function {name}")));
                };
                self.check_arity(name, arity, args.len(), sp)?;
                let a = self.exprs(args)?;
                at(sp, self.fb.call_global(f, &a))
            }
            ExprKind::Method(recv, m, args) => {
                if let Some(f) = self.extern_name(recv, m, sp)? {
                    let a = self.exprs(args)?;
                    self.check_arity(f.name(), f.arity(), a.len(), sp)?;
                    return at(sp, self.fb.extern_call(f, &a));
                }
                let callee = self.method_callee(recv, m, args.len(), sp)?;
                let a = self.exprs(args)?;
                at(sp, self.fb.call(callee, &a))
            }
            ExprKind::Field(obj, field) => {
                self.check_field(field, sp)?;
                let o = self.expr(obj)?;
                at(sp, self.fb.load(o, field))
            }
            ExprKind::New(class, args) => {
                let (cls, arity) = if let Some(&(id, arity)) = self.g.boxes.get(class) {
                    (BoxClass::User(id), Some(arity))
                } else if let Some(cls) = BoxClass::builtin(class) {
                    (cls, cls.builtin_arity())
                } else {
                    return Err(Error::new(sp, format!("unknown box {class}")));
                };
                if let Some(n) = arity {
                    self.check_arity(&format!("new {class}"), n, args.len(), sp)?;
                }
                let a = self.exprs(args)?;
                at(sp, self.fb.new_box(cls, &a))
            }
            ExprKind::Array(items) => {
                let a = self.exprs(items)?;
                at(sp, self.fb.new_box(BoxClass::Array, &a))
            }
            ExprKind::Map(kvs) => {
                let m = at(sp, self.fb.new_box(BoxClass::Map, &[]))?;
                for (k, v) in kvs {
                    let kv = self.expr(k)?;
                    let vv = self.expr(v)?;
                    let callee = Callee::Method {
                        box_name: None,
                        method: "set".to_string(),
                        receiver: m,
                    };
                    at(sp, self.fb.call_discard(callee, &[kv, vv]))?;
                }
                Ok(m)
            }
        }
    }

    /// `a && b` (`and`) or `a || b`: `a` must be a Bool; `b` is evaluated only when `a` does not
    /// decide the result, which is then `b`'s value.
    fn short_circuit(&mut self, a: &Expr, b: &Expr, and: bool, sp: Span) -> Result<Value, Error> {
        let result = self.fb.declare_var();
        let va = self.expr(a)?;
        at(sp, self.fb.def_var(result, va))?;
        let rhs = self.fb.create_block();
        let join = self.fb.create_block();
        if and {
            at(sp, self.fb.branch(va, rhs, join))?;
        } else {
            at(sp, self.fb.branch(va, join, rhs))?;
        }
        at(sp, self.fb.switch_to_block(rhs))?;
        at(sp, self.fb.seal_block(rhs))?;
        let vb = self.expr(b)?;
        at(sp, self.fb.def_var(result, vb))?;
        at(sp, self.fb.jump(join))?;
        at(sp, self.fb.switch_to_block(join))?;
        at(sp, self.fb.seal_block(join))?;
        at(sp, self.fb.use_var(result))
    }
}

#[cfg(test)]
mod tests {
    use crate::compile as compile_src;
    use mir14_mir::{Inst, Module};

    /// Compiles and runs `src` on the reference interpreter: (stdout, status).
    fn run(src: &str) -> (String, i32) {
        let module = compile_src(src).unwrap_or_else(|e| panic!("{e:?}"));
        let o = mir14_vm::run_captured(&module, &mir14_rt::Config::default(), b"");
        (String::from_utf8(o.stdout).unwrap(), o.status)
    }

    fn error(src: &str) -> (String, u32) {
        let e = compile_src(src).unwrap_err();
        (e.message, e.span.start)
    }

    fn insts(m: &Module, f: &str) -> Vec<Inst> {
        let f = &m.functions[m.function_by_name(f).unwrap()];
        f.blocks.values().flat_map(|b| b.insts.clone()).collect()
    }

    #[test]
    fn programs_compute_what_they_say() {
        // Sum of 1..=10 (55), the first power of two above 1000 (1024), and a mutated field.
        let src = "box Acc {\n init { total }\n birth(t) { me.total = t }\n add(x) { me.total = me.total + x }\n}\n\
                   function main() {\n local a = new Acc(0)\n local i = 1\n loop(i <= 10) { a.add(i)\n i = i + 1 }\n\
                   print(a.total)\n local p = 1\n loop(true) { p = p * 2\n if p > 1000 { break } }\n print(p)\n return a.total - 50\n}";
        assert_eq!(run(src), ("55\n1024\n".to_string(), 5));
        // Scopes: an inner `local` shadows, the outer variable is unchanged after the block.
        let src =
            "function main() {\n local x = 1\n if true { local x = 2\n print(x) }\n print(x)\n}";
        assert_eq!(run(src).0, "2\n1\n");
        // Assignments inside branches reach the join (phis by the builder).
        let src =
            "function main() {\n local x = 0\n if 1 < 2 { x = 10 } else { x = 20 }\n print(x)\n}";
        assert_eq!(run(src).0, "10\n");
        // `||` does not evaluate its right side when the left is true.
        let src =
            "function boom() { return 1 / 0 }\nfunction main() { print(true || boom() == 1) }";
        assert_eq!(run(src).0, "true\n");
        // A method call as a statement, a nested function value, externs by name.
        let src = "function twice(f, x) { return f(f(x)) }\nfunction inc(x) { return x + 1 }\n\
                   function main() { env.console.log(twice(inc, 5)) }";
        assert_eq!(run(src).0, "7\n");
        // Falling off the end returns null; main's status is then 0.
        assert_eq!(
            run("function f() { }\nfunction main() { print(f()) }"),
            ("void\n".into(), 0)
        );
    }

    #[test]
    fn loops_are_loopforms_and_and_or_are_branches() {
        let m = compile_src(
            "function main() {\n local i = 0\n loop(i < 3 && true) { i = i + 1\n if i == 2 { continue } }\n}",
        )
        .unwrap();
        let f = &m.functions[m.function_by_name("main").unwrap()];
        assert_eq!(f.loops.len(), 1);
        let all = insts(&m, "main");
        // `&&` is control flow, never the eager `binop and`.
        assert!(!all.iter().any(|i| matches!(
            i,
            Inst::Binary {
                op: mir14_mir::BinOp::And,
                ..
            }
        )));
        assert!(all.iter().any(|i| matches!(i, Inst::Phi { .. })));
    }

    #[test]
    fn calls_on_me_are_static_others_dynamic() {
        let src = "box B {\n init { v }\n m(x) { return x + 1 }\n n() { return me.m(1) + me.toString().length() }\n}\n\
                   function main() { local b = new B()\n print(b.m(2))\n print(b.n()) }";
        let m = compile_src(src).unwrap();
        let callees: Vec<(Option<mir14_mir::BoxId>, String)> = insts(&m, "B.n")
            .into_iter()
            .filter_map(|i| match i {
                Inst::Call {
                    callee:
                        mir14_mir::Callee::Method {
                            box_name, method, ..
                        },
                    ..
                } => Some((box_name, method)),
                _ => None,
            })
            .collect();
        let b = m.box_by_name("B");
        assert_eq!(
            callees,
            vec![
                (b, "m".to_string()),
                (None, "toString".to_string()),
                (None, "length".to_string())
            ]
        );
        // `B { v: void }` has 13 characters, and me.m(1) is 2.
        assert_eq!(run(src).0, "3\n15\n");
        assert_eq!(
            error("box B { m(x) { return x }\n n() { return me.m() } }").0,
            "wrong number of arguments to B.m: expected 1, got 0"
        );
    }

    #[test]
    fn compile_errors_are_located() {
        let f = |body: &str| format!("function main() {{ {body} }}");
        assert_eq!(error(&f("print(y)")), ("unknown variable y".into(), 24));
        assert_eq!(error(&f("g()")), ("unknown function g".into(), 18));
        assert_eq!(
            error(&f("print(me)")),
            ("`me` outside of a method".into(), 24)
        );
        assert_eq!(
            error(&f("continue")),
            ("continue outside of a loop".into(), 18)
        );
        assert_eq!(error(&f("print(1).x")).0, "no box declares field x");
        assert_eq!(error(&f("new Nope()")).0, "unknown box Nope");
        assert_eq!(
            error(&f("new MapBox(1)")).0,
            "wrong number of arguments to new MapBox: expected 0, got 1"
        );
        assert_eq!(error(&f("env.nope.x()")).0, "unknown extern env.nope.x");
        assert_eq!(
            error(&f("env.console.log(1, 2)")).0,
            "wrong number of arguments to env.console.log: expected 1, got 2"
        );
        assert_eq!(
            error("box P { birth(a) { } }\nfunction main() { new P() }").0,
            "wrong number of arguments to new P: expected 1, got 0"
        );
        assert_eq!(
            error("function print(x) { }").0,
            "print is a builtin function"
        );
        assert_eq!(
            error("function f(a, a) { }"),
            ("duplicate parameter a".into(), 14)
        );
        assert_eq!(
            error("box P { m() {} m() {} }").0,
            "duplicate method m in box P"
        );
        assert_eq!(
            error("box P { init { a, a } }").0,
            "duplicate field a in box P"
        );
        assert_eq!(
            error("box ArrayBox { }").0,
            "box name ArrayBox is a builtin type"
        );
        assert_eq!(
            error("function f() { }\nfunction f() { }"),
            ("duplicate function @f".into(), 26)
        );
    }
}
