//! The compiler from the Nyash syntax tree to a MIR14 [`Module`], through the public builder API
//! only ([`ModuleBuilder`], [`FunctionBuilder`], [`Variable`]s for SSA, the loop helper for
//! LoopForms).
//!
//! Mapping (see `ny/README.md`): a top-level `function f` is `@f`; a method `m` of `box B` or
//! `static box B` is `@B.m` with the receiver `me` as its first parameter (`void` for a static
//! box, whose methods are called statically: `B.m(x)` is `call @B.m(void, x)`); `birth` is the
//! constructor `new B(...)` runs; the entry `@main` is built from the top-level statements, or
//! calls `Main.main`; locals are builder [`Variable`]s; `if` is a `branch` to fresh blocks;
//! `loop(c)` is the builder's loop (condition in the header, or — when the condition itself
//! needs control flow, `a && b` — an infinite loop whose body starts with `break_if(!c)`); `&&`
//! and `||` are branches that define a result variable on both paths. A condition that is not
//! syntactically a Bool goes through `@__ny_truthy` (Integer, Float and String to Bool), built
//! into the module only when some condition needs it. `fini` blocks are emitted at every exit of
//! their scope.

use crate::ast::*;
use crate::Error;
use mir14_mir::builder::{BuildError, FunctionBuilder, Loop, ModuleBuilder, Variable};
use mir14_mir::{
    BinOp as MBin, BoxClass, BoxId, Callee, CmpOp, ExternFn, FuncId, Module, SourceMap, Span,
    TypeName, UnaryOp, Value,
};
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

/// The name of the generated truthiness helper (names starting with `__ny_` are reserved).
pub const TRUTHY: &str = "__ny_truthy";

/// What a lambda captured where it was made: the variables' names, and the box of the `me` it
/// captured (when made in a method).
type Captures = (Vec<String>, Option<BoxId>);

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
    /// Method functions by box and name.
    method_ids: HashMap<(BoxId, String), FuncId>,
    /// Box names by id.
    box_names: HashMap<BoxId, String>,
    /// The static boxes.
    statics: HashSet<BoxId>,
    /// `using ... as Alias` names of static boxes: alias to box name.
    aliases: HashMap<String, String>,
    /// `Program::unbound_aliases`.
    unbound_aliases: HashMap<String, String>,
    /// The truthiness helper, when some condition needs it.
    truthy: Option<FuncId>,
    /// Each lambda by its span's start: its box, its `apply` and the names its body uses.
    lambdas: HashMap<u32, (BoxId, FuncId, Vec<String>)>,
    /// Each lambda made so far, by its span's start: the names it captured and the box of the
    /// `me` it captured (in a method).
    captures: RefCell<HashMap<u32, Captures>>,
}

impl Globals {
    /// The static box a name (not a local variable) stands for: its own name or an alias.
    fn static_box(&self, name: &str) -> Option<BoxId> {
        let name = self.aliases.get(name).map_or(name, String::as_str);
        let &(id, _) = self.boxes.get(name)?;
        self.statics.contains(&id).then_some(id)
    }
}

/// Attaches a source position to a builder error.
fn at<T>(span: Span, r: Result<T, BuildError>) -> Result<T, Error> {
    r.map_err(|e| Error::new(span, e.to_string()))
}

/// The entry point a program has.
enum Entry<'p> {
    /// Top-level statements: the body of `@main`.
    Script(&'p [Stmt], Span),
    /// `Main.main` of a static or instance box `Main`, with its parameter count (0 or 1).
    MainBox(BoxId, FuncId, usize, bool),
    /// A top-level `function main()`.
    Function,
    /// A top-level `function main(args)`, declared as `@__ny_main`.
    MainFunction(FuncId),
}

/// Compiles a parsed program into a MIR14 module (not yet verified; see [`crate::compile()`]).
pub fn compile_program(prog: &Program) -> Result<Module, Error> {
    compile_program_with_map(prog).map(|(m, _)| m)
}

/// [`compile_program`], with the source map: the span of the source construct each instruction
/// was made for (in the program's shared span space, see [`crate::compile_file_with_map`]), and
/// of each function's definition (the box method, `function`, or the entry the generated `@main`
/// calls).
pub fn compile_program_with_map(prog: &Program) -> Result<(Module, SourceMap), Error> {
    // Each function's definition span, for the positions of traps at a function's entry.
    let mut decls: Vec<(FuncId, Span)> = Vec::new();
    let mut mb = ModuleBuilder::new();
    let mut g = Globals {
        functions: HashMap::new(),
        boxes: HashMap::new(),
        fields: HashSet::new(),
        methods: HashMap::new(),
        method_ids: HashMap::new(),
        box_names: HashMap::new(),
        statics: HashSet::new(),
        aliases: prog.aliases.clone(),
        unbound_aliases: prog.unbound_aliases.clone(),
        truthy: None,
        lambdas: HashMap::new(),
        captures: RefCell::new(HashMap::new()),
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
            if b.is_static {
                return Err(Error::new(
                    *span,
                    format!(
                        "static box {} declares field {f}: fields of static boxes are not supported",
                        b.name
                    ),
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
        if b.is_static {
            g.statics.insert(id);
        }
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
            g.method_ids.insert((id, m.name.clone()), fid);
            methods.push((fid, id, m));
            // A user `substring` answers the dynamic calls too, which are named
            // `substringClamped` (see `dynamic_method_name`): the same body under that name.
            let alias = dynamic_method_name(&m.name);
            if alias != m.name {
                let fid = mb.declare_method(id, alias).map_err(|_| {
                    Error::new(
                        m.span,
                        format!(
                            "box {} defines both {} and {alias} (the name its dynamic calls use)",
                            b.name, m.name
                        ),
                    )
                })?;
                methods.push((fid, id, m));
            }
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
        if f.name.starts_with("__ny_") {
            return Err(Error::new(
                f.span,
                format!("{} is a reserved name (names starting with __ny_)", f.name),
            ));
        }
        // `function main(args)` cannot be `@main` (which has no parameters): it is
        // `@__ny_main`, called by a generated `@main` with `env.args()`.
        let mir_name = if f.name == "main" && !f.params.is_empty() {
            "__ny_main"
        } else {
            f.name.as_str()
        };
        let fid = at(f.span, mb.declare_function(mir_name))?;
        g.functions.insert(f.name.clone(), (fid, f.params.len()));
        funcs.push((fid, f));
    }
    // Each lambda is a box with the captured values as fields and `apply` as its body.
    let lambdas = crate::lambda::lambdas(prog);
    for (i, (span, def)) in lambdas.iter().enumerate() {
        let names = crate::lambda::used_names(def);
        let mut fields: Vec<&str> = names.iter().map(String::as_str).collect();
        fields.push("me");
        let id = at(*span, mb.declare_box(&format!("__ny_lambda_{i}"), &fields))?;
        let fid = at(*span, mb.declare_method(id, "apply"))?;
        g.lambdas.insert(span.start, (id, fid, names));
    }
    if prog.needs_truthy() {
        g.truthy = Some(at(Span::new(0, 0), mb.declare_function(TRUTHY))?);
    }
    for (fid, id, m) in methods {
        let fb = compile_function(&mb, &g, fid, m, Method(id))?;
        at(m.span, mb.define_function(fb))?;
        decls.push((fid, m.span));
    }
    for (fid, f) in funcs {
        let fb = compile_function(&mb, &g, fid, f, Plain)?;
        at(f.span, mb.define_function(fb))?;
        decls.push((fid, f.span));
    }
    match find_entry(prog, &g)? {
        Entry::Function => {}
        Entry::Script(stmts, span) => {
            let fid = at(span, mb.declare_function("main"))?;
            let def = FuncDef {
                name: "main".to_string(),
                span,
                params: Vec::new(),
                body: stmts.to_vec(),
            };
            let fb = compile_function(&mb, &g, fid, &def, Plain)?;
            at(span, mb.define_function(fb))?;
            decls.push((fid, span));
        }
        Entry::MainFunction(f) => {
            // The generated `@main` is written where `function main(args)` is.
            let sp = decl_span(&decls, f);
            let fid = at(sp, mb.declare_function("main"))?;
            let mut fb = at(sp, mb.function_builder(fid))?;
            fb.set_span(Some(sp));
            decls.push((fid, sp));
            let args = at(sp, fb.extern_call(ExternFn::Args, &[]))?;
            let r = at(sp, fb.call_global(f, &[args]))?;
            at(sp, fb.ret(Some(r)))?;
            at(sp, mb.define_function(fb))?;
        }
        Entry::MainBox(b, method, argc, is_static) => {
            // The generated `@main` is written where `Main.main` is.
            let sp = decl_span(&decls, method);
            let fid = at(sp, mb.declare_function("main"))?;
            let mut fb = at(sp, mb.function_builder(fid))?;
            fb.set_span(Some(sp));
            decls.push((fid, sp));
            let recv = if is_static {
                at(sp, fb.void())?
            } else {
                at(sp, fb.new_box(BoxClass::User(b), &[]))?
            };
            let mut args = vec![recv];
            if argc == 1 {
                args.push(at(
                    sp,
                    fb.extern_call(
                        ExternFn::from_name("env.args")
                            .ok_or_else(|| Error::new(sp, "env.args is missing"))?,
                        &[],
                    ),
                )?);
            }
            let r = at(sp, fb.call_global(method, &args))?;
            // A Bool result is the status 1 (true) or 0 (false), as upstream's runner gives.
            let is_bool = at(sp, fb.type_check(r, TypeName::Bool))?;
            let yes = fb.create_block();
            let no = fb.create_block();
            at(sp, fb.branch(is_bool, yes, no))?;
            at(sp, fb.switch_to_block(yes))?;
            at(sp, fb.seal_block(yes))?;
            let one = at(sp, fb.iconst(1))?;
            let zero = at(sp, fb.iconst(0))?;
            let t = at(sp, fb.bconst(true))?;
            let is_true = at(sp, fb.compare(CmpOp::Eq, r, t))?;
            let t_block = fb.create_block();
            let f_block = fb.create_block();
            at(sp, fb.branch(is_true, t_block, f_block))?;
            for (b, v) in [(t_block, one), (f_block, zero)] {
                at(sp, fb.switch_to_block(b))?;
                at(sp, fb.seal_block(b))?;
                at(sp, fb.ret(Some(v)))?;
            }
            at(sp, fb.switch_to_block(no))?;
            at(sp, fb.seal_block(no))?;
            at(sp, fb.ret(Some(r)))?;
            at(sp, mb.define_function(fb))?;
        }
    }
    // Lambda bodies, outer before inner: a lambda's captures are known once the code that
    // makes it has been compiled.
    for (span, def) in lambdas {
        let (_, fid, _) = g.lambdas[&span.start];
        let captured = g.captures.borrow().get(&span.start).cloned();
        let captured = captured.unwrap_or_default();
        let fb = compile_function(&mb, &g, fid, def, Lambda(&captured))?;
        at(def.span, mb.define_function(fb))?;
        decls.push((fid, def.span));
    }
    if let Some(t) = g.truthy {
        let fb = truthy_function(&mb, t).map_err(|e| Error::new(Span::new(0, 0), e.to_string()))?;
        at(Span::new(0, 0), mb.define_function(fb))?;
    }
    let (module, mut map) = mb
        .finish_with_source_map()
        .map_err(|e| Error::new(Span::new(0, 0), e.to_string()))?;
    for (f, span) in decls {
        if let Some(fs) = map.functions.get_mut(f.index()) {
            fs.decl = span;
        }
    }
    Ok((module, map))
}

/// The definition span recorded for function `f` (none: the empty span, which has no position).
fn decl_span(decls: &[(FuncId, Span)], f: FuncId) -> Span {
    decls
        .iter()
        .find(|(g, _)| *g == f)
        .map_or(Span::new(0, 0), |&(_, s)| s)
}

/// Decides where the program starts (see `ny/README.md`, "Program entry").
fn find_entry<'p>(prog: &'p Program, g: &Globals) -> Result<Entry<'p>, Error> {
    let with_main = |name: &str| {
        let &(id, birth) = g.boxes.get(name)?;
        let argc = *g.methods.get(&id)?.get("main")?;
        Some((name.to_string(), id, birth, argc))
    };
    // `Main`, else the one static box that has a `main` method.
    let main_box = with_main("Main").or_else(|| {
        let mut found = prog
            .boxes
            .iter()
            .filter(|b| b.is_static && b.methods.iter().any(|m| m.name == "main"));
        match (found.next(), found.next()) {
            (Some(b), None) => with_main(&b.name),
            _ => None,
        }
    });
    let main_fn = prog.functions.iter().find(|f| f.name == "main");
    if let Some(span) = prog.stmts_span {
        if main_box.is_some() {
            return Err(Error::new(
                span,
                "top-level statements and Main.main: a program has one entry point",
            ));
        }
        if let Some(f) = main_fn {
            return Err(Error::new(
                f.span,
                "top-level statements and function main: a program has one entry point",
            ));
        }
        return Ok(Entry::Script(&prog.stmts, span));
    }
    if let Some((name, id, birth, argc)) = main_box {
        let span = prog
            .boxes
            .iter()
            .find(|b| b.name == name)
            .map_or(Span::new(0, 0), |b| b.span);
        if let Some(f) = main_fn {
            return Err(Error::new(
                f.span,
                "function main and Main.main: a program has one entry point",
            ));
        }
        if argc > 1 {
            return Err(Error::new(
                span,
                "Main.main takes at most one parameter (the arguments, an ArrayBox of Strings)",
            ));
        }
        let is_static = g.statics.contains(&id);
        if !is_static && birth != 0 {
            return Err(Error::new(
                span,
                "box Main is the entry point: its birth must take no parameters",
            ));
        }
        let fid = g.method_ids[&(id, "main".to_string())];
        return Ok(Entry::MainBox(id, fid, argc, is_static));
    }
    match main_fn {
        Some(f) if f.params.len() > 1 => Err(Error::new(
            f.span,
            "function main takes at most one parameter (the arguments, an ArrayBox of Strings)",
        )),
        Some(_) if g.functions.get("main").is_some_and(|&(_, n)| n == 1) => {
            Ok(Entry::MainFunction(g.functions["main"].0))
        }
        Some(_) => Ok(Entry::Function),
        None => Err(Error::new(
            Span::new(0, 0),
            "no entry point: write `static box Main { main() { ... } }`, a `function main()` or top-level statements",
        )),
    }
}

/// Emits the "zero" a type's truthiness compares against.
type ZeroOf = fn(&mut FunctionBuilder) -> Result<Value, BuildError>;

/// The MIR14 method name of a dynamically dispatched call of Nyash method `m`. Nyash's
/// `substring(start[, end])` clamps both ends to the String (upstream's strings reference), so it
/// is the runtime's `substringClamped`, not MIR14's range-checked `substring`; a user box's
/// `substring` method is also compiled under that name. Every other name is itself.
fn dynamic_method_name(m: &str) -> &str {
    match m {
        "substring" => "substringClamped",
        _ => m,
    }
}

/// `@__ny_truthy(%x)`: Bool as is, Integer and Float `!= 0`, String `!= ""`; anything else is
/// returned unchanged, so that the `branch` using it traps with `TypeError` (Void and boxes have
/// no truth value).
fn truthy_function(mb: &ModuleBuilder, f: FuncId) -> Result<FunctionBuilder, BuildError> {
    let mut fb = mb.function_builder(f)?;
    let x = fb.add_param(None);
    fb.set_value_name(x, "x")?;
    let cases: [(TypeName, ZeroOf); 3] = [
        (TypeName::Integer, |fb| fb.iconst(0)),
        (TypeName::Float, |fb| fb.fconst(0.0)),
        (TypeName::String, |fb| fb.sconst("")),
    ];
    for (ty, zero) in cases {
        let is = fb.type_check(x, ty)?;
        let yes = fb.create_block();
        let no = fb.create_block();
        fb.branch(is, yes, no)?;
        fb.switch_to_block(yes)?;
        fb.seal_block(yes)?;
        let z = zero(&mut fb)?;
        let r = fb.compare(CmpOp::Ne, x, z)?;
        fb.ret(Some(r))?;
        fb.switch_to_block(no)?;
        fb.seal_block(no)?;
    }
    fb.ret(Some(x))?;
    Ok(fb)
}

impl Program {
    /// True if some condition is not syntactically a Bool (and so needs `@__ny_truthy`).
    pub fn needs_truthy(&self) -> bool {
        let bodies = self
            .boxes
            .iter()
            .flat_map(|b| b.methods.iter())
            .chain(self.functions.iter())
            .map(|f| (f.params.as_slice(), f.body.as_slice()))
            .chain(std::iter::once((&[][..], self.stmts.as_slice())));
        bodies.into_iter().any(|(params, body)| {
            let vars = bool_locals(params, body);
            body.iter().any(|s| stmt_needs_truthy(s, &vars))
        })
    }
}

fn stmt_needs_truthy(s: &Stmt, vars: &HashSet<String>) -> bool {
    let any = |ss: &[Stmt]| ss.iter().any(|s| stmt_needs_truthy(s, vars));
    let expr = |e: &Expr| expr_needs_truthy(e, vars);
    match s {
        Stmt::Local { init, .. } => init.as_ref().is_some_and(expr),
        Stmt::Assign { target, value } => expr(target) || expr(value),
        Stmt::If { cond, then, els } => {
            !cond.is_bool_with(vars) || expr(cond) || any(then) || els.as_deref().is_some_and(any)
        }
        Stmt::Loop { cond, body } => !cond.is_bool_with(vars) || expr(cond) || any(body),
        Stmt::Break(_) | Stmt::Continue(_) => false,
        Stmt::Return(e, _) => e.as_ref().is_some_and(expr),
        Stmt::Expr(e) => expr(e),
        Stmt::Block(b) | Stmt::Seq(b) | Stmt::Fini(b, _) => any(b),
    }
}

fn expr_needs_truthy(e: &Expr, vars: &HashSet<String>) -> bool {
    let sub = |e: &Expr| expr_needs_truthy(e, vars);
    let any = |es: &[Expr]| es.iter().any(sub);
    let cond = |c: &Expr| !c.is_bool_with(vars) || sub(c);
    match &e.kind {
        ExprKind::And(a, b) | ExprKind::Or(a, b) => cond(a) || cond(b),
        ExprKind::Unary(UnOp::Not, a) => cond(a),
        ExprKind::Ternary(c, a, b) => cond(c) || sub(a) || sub(b),
        ExprKind::Int(_)
        | ExprKind::Float(_)
        | ExprKind::Str(_)
        | ExprKind::Bool(_)
        | ExprKind::Null
        | ExprKind::Me
        | ExprKind::Var(_) => false,
        ExprKind::Unary(_, a) | ExprKind::Field(a, _) | ExprKind::AssignVar(_, _, a) => sub(a),
        ExprKind::Binary(_, a, b) | ExprKind::Index(a, b) => sub(a) || sub(b),
        ExprKind::Call(_, args) | ExprKind::New(_, args) | ExprKind::Array(args) => any(args),
        ExprKind::Method(r, _, args) => sub(r) || any(args),
        ExprKind::Map(kvs) => kvs.iter().any(|(k, v)| sub(k) || sub(v)),
        ExprKind::CallValue(f, args) => sub(f) || any(args),
        // A lambda's body is a function of its own, with its own Bool locals.
        ExprKind::Lambda(def) => {
            let vars = bool_locals(&def.params, &def.body);
            def.body.iter().any(|s| stmt_needs_truthy(s, &vars))
        }
        ExprKind::BlockExpr(body, tail) => {
            body.iter().any(|s| stmt_needs_truthy(s, vars)) || sub(tail)
        }
    }
}

/// The first `return`, `break` or `continue` in `stmts` that is not inside a loop of its own
/// (for `break`/`continue`) — block expressions cannot leave by an exit statement.
fn exit_in(stmts: &[Stmt], in_loop: bool) -> Option<Span> {
    stmts.iter().find_map(|s| match s {
        Stmt::Return(_, sp) => Some(*sp),
        Stmt::Break(sp) | Stmt::Continue(sp) if !in_loop => Some(*sp),
        Stmt::If { then, els, .. } => {
            exit_in(then, in_loop).or_else(|| els.as_deref().and_then(|e| exit_in(e, in_loop)))
        }
        Stmt::Loop { body, .. } => exit_in(body, true),
        Stmt::Block(b) | Stmt::Seq(b) => exit_in(b, in_loop),
        _ => None,
    })
}

/// What kind of function a body is compiled into.
#[derive(Copy, Clone)]
enum FnKind<'c> {
    /// A top-level function (or the script's `@main`).
    Plain,
    /// A method of a box: the receiver `me` is the first parameter.
    Method(BoxId),
    /// A lambda's `apply`: the first parameter is the lambda's box, whose fields hold the
    /// captured variables and `me` (of the given box, if captured).
    Lambda(&'c Captures),
}
use FnKind::*;

/// Builds the body of one function or method.
fn compile_function(
    mb: &ModuleBuilder,
    g: &Globals,
    fid: FuncId,
    def: &FuncDef,
    kind: FnKind,
) -> Result<FunctionBuilder, Error> {
    let fb = at(def.span, mb.function_builder(fid))?;
    let mut c = FnCompiler {
        fb,
        g,
        scopes: vec![Scope::default()],
        loops: Vec::new(),
        me: None,
        fini_floor: None,
        bool_vars: bool_locals(&def.params, &def.body),
    };
    match kind {
        Plain => {}
        Method(b) => {
            let me = c.fb.add_param(None);
            at(def.span, c.fb.set_value_name(me, "me"))?;
            c.me = Some((me, b));
        }
        Lambda((names, me_box)) => {
            // The captured values are variables of the body's outermost scope, like
            // parameters (which shadow them); `me` is the enclosing method's receiver.
            let this = c.fb.add_param(None);
            at(def.span, c.fb.set_value_name(this, "lambda"))?;
            c.fb.set_span(Some(def.span));
            for name in names {
                let v = at(def.span, c.fb.load(this, name))?;
                let var = c.fb.declare_var();
                at(def.span, c.fb.def_var(var, v))?;
                c.scopes[0].vars.insert(name.clone(), var);
            }
            if let Some(b) = me_box {
                let me = at(def.span, c.fb.load(this, "me"))?;
                c.me = Some((me, *b));
            }
            c.fb.set_span(None);
        }
    }
    for (name, span) in &def.params {
        if c.scopes[0].vars.contains_key(name) {
            return Err(Error::new(*span, format!("duplicate parameter {name}")));
        }
        let p = c.fb.add_param(None);
        at(*span, c.fb.set_value_name(p, name))?;
        let var = c.fb.declare_var();
        at(*span, c.fb.def_var(var, p))?;
        c.scopes[0].vars.insert(name.clone(), var);
    }
    c.stmts(&def.body)?;
    // Falling off the end runs the body's `fini` blocks and returns null.
    if c.fb.current_block().is_some() {
        c.run_finis(0)?;
        at(def.span, c.fb.ret(None))?;
    }
    Ok(c.fb)
}

/// A lexical scope: its variables and its `fini` blocks registered so far.
#[derive(Default)]
struct Scope {
    vars: HashMap<String, Variable>,
    /// The names declared with `local` in this block.
    locals: HashSet<String>,
    finis: Vec<Vec<Stmt>>,
}

/// The state of compiling one function body.
struct FnCompiler<'g> {
    fb: FunctionBuilder,
    g: &'g Globals,
    /// Lexical scopes, innermost last.
    scopes: Vec<Scope>,
    /// The open loops with the number of scopes outside their body, innermost last.
    loops: Vec<(Loop, usize)>,
    /// The receiver and its box, in methods.
    me: Option<(Value, BoxId)>,
    /// Inside a `fini` block: the number of loops open when it started.
    fini_floor: Option<usize>,
    /// The locals that only ever hold Bools (see [`bool_locals`]).
    bool_vars: HashSet<String>,
}

impl FnCompiler<'_> {
    fn lookup(&self, name: &str) -> Option<Variable> {
        self.scopes
            .iter()
            .rev()
            .find_map(|s| s.vars.get(name).copied())
    }

    /// Compiles statements in a new scope, then its `fini` blocks if the end is reachable.
    fn scoped(&mut self, stmts: &[Stmt]) -> Result<(), Error> {
        self.scopes.push(Scope::default());
        let r = self.stmts(stmts);
        let depth = self.scopes.len() - 1;
        let r = r.and_then(|()| {
            if self.fb.current_block().is_some() {
                self.run_finis(depth)
            } else {
                Ok(())
            }
        });
        self.scopes.pop();
        r
    }

    /// Emits the `fini` blocks of scopes `from..` (innermost scope first, each scope's blocks
    /// last registered first), each seeing only the variables of its own scope and outer ones.
    fn run_finis(&mut self, from: usize) -> Result<(), Error> {
        for k in (from..self.scopes.len()).rev() {
            let n = self.scopes[k].finis.len();
            for j in (0..n).rev() {
                let body = self.scopes[k].finis[j].clone();
                let inner = self.scopes.split_off(k + 1);
                let saved_floor = self.fini_floor.replace(self.loops.len());
                // The block's own registrations are not visible to it.
                let later = self.scopes[k].finis.split_off(j);
                let r = self.scoped(&body);
                self.scopes[k].finis.extend(later);
                self.fini_floor = saved_floor;
                self.scopes.extend(inner);
                r?;
            }
        }
        Ok(())
    }

    fn stmts(&mut self, stmts: &[Stmt]) -> Result<(), Error> {
        for s in stmts {
            self.stmt(s)?;
        }
        Ok(())
    }

    /// Compiles one statement; its instructions carry the statement's span (those of its
    /// subexpressions carry theirs), for the source positions of backtraces.
    fn stmt(&mut self, s: &Stmt) -> Result<(), Error> {
        let saved = self.fb.span();
        if let Some(sp) = s.span() {
            self.fb.set_span(Some(sp));
        }
        let r = self.stmt_here(s);
        self.fb.set_span(saved);
        r
    }

    fn stmt_here(&mut self, s: &Stmt) -> Result<(), Error> {
        match s {
            Stmt::Local { name, span, init } => {
                let v = match init {
                    Some(e) => self.expr(e)?,
                    None => at(*span, self.fb.void())?,
                };
                let var = self.fb.declare_var();
                at(*span, self.fb.def_var(var, v))?;
                if let Some(scope) = self.scopes.last_mut() {
                    // Declaring a name twice in one block is an error (upstream's rule); an
                    // inner block may shadow.
                    if !scope.locals.insert(name.clone()) {
                        return Err(Error::new(
                            *span,
                            format!("{name} is already declared in this block"),
                        ));
                    }
                    scope.vars.insert(name.clone(), var);
                }
            }
            Stmt::Seq(ss) => self.stmts(ss)?,
            Stmt::Block(ss) => self.scoped(ss)?,
            Stmt::Fini(body, _) => {
                if let Some(scope) = self.scopes.last_mut() {
                    scope.finis.push(body.clone());
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
                    self.check_field(obj, field, target.span)?;
                    let o = self.expr(obj)?;
                    let v = self.expr(value)?;
                    at(target.span, self.fb.store(o, field, v))?;
                }
                ExprKind::Index(obj, index) => {
                    let o = self.expr(obj)?;
                    let i = self.expr(index)?;
                    let v = self.expr(value)?;
                    let callee = Callee::Method {
                        box_name: None,
                        method: "set".to_string(),
                        receiver: o,
                    };
                    at(target.span, self.fb.call_discard(callee, &[i, v]))?;
                }
                _ => {
                    return Err(Error::new(
                        target.span,
                        "only a variable, a field or an element can be assigned",
                    ))
                }
            },
            Stmt::If { cond, then, els } => {
                let c = self.cond(cond)?;
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
                    let c = self.cond(cond)?;
                    let nc = at(sp, self.fb.unary(UnaryOp::Not, c))?;
                    at(sp, self.fb.break_if(&lp, nc))?;
                } else {
                    let c = self.cond(cond)?;
                    at(sp, self.fb.loop_condition(&lp, c))?;
                }
                self.loops.push((lp, self.scopes.len()));
                let r = self.scoped(body);
                let Some((lp, _)) = self.loops.pop() else {
                    return Err(Error::new(sp, "loop stack underflow"));
                };
                r?;
                at(sp, self.fb.end_loop(lp))?;
            }
            Stmt::Break(span) | Stmt::Continue(span) => {
                let word = if matches!(s, Stmt::Break(_)) {
                    "break"
                } else {
                    "continue"
                };
                let Some(&(_, depth)) = self.loops.last() else {
                    return Err(Error::new(*span, format!("{word} outside of a loop")));
                };
                if self.fini_floor.is_some_and(|f| self.loops.len() <= f) {
                    return Err(Error::new(*span, format!("{word} out of a fini block")));
                }
                self.run_finis(depth)?;
                let Some((lp, _)) = self.loops.last() else {
                    return Err(Error::new(*span, format!("{word} outside of a loop")));
                };
                if word == "break" {
                    at(*span, self.fb.break_loop(lp))?;
                } else {
                    at(*span, self.fb.continue_loop(lp))?;
                }
            }
            Stmt::Return(value, span) => {
                if self.fini_floor.is_some() {
                    return Err(Error::new(*span, "return out of a fini block"));
                }
                let v = match value {
                    Some(e) => Some(self.expr(e)?),
                    None => None,
                };
                self.run_finis(0)?;
                at(*span, self.fb.ret(v))?;
            }
            Stmt::Expr(e) => self.effect(e)?,
        }
        Ok(())
    }

    /// A condition as a Bool: the value itself when the expression is syntactically a Bool,
    /// else `call @__ny_truthy(value)`.
    fn cond(&mut self, e: &Expr) -> Result<Value, Error> {
        let v = self.expr(e)?;
        if e.is_bool_with(&self.bool_vars) {
            return Ok(v);
        }
        let Some(t) = self.g.truthy else {
            return Err(Error::new(e.span, "truthiness helper not declared"));
        };
        at(e.span, self.fb.call_global(t, &[v]))
    }

    /// `jump target` unless the insertion block already ended (return, break, continue).
    fn jump_if_open(&mut self, target: mir14_mir::Block, span: Span) -> Result<(), Error> {
        if self.fb.current_block().is_some() {
            at(span, self.fb.jump(target))?;
        }
        Ok(())
    }

    fn check_field(&self, obj: &Expr, field: &str, span: Span) -> Result<(), Error> {
        if let (ExprKind::Me, Some((_, b))) = (&obj.kind, self.me) {
            if self.g.statics.contains(&b) {
                let name = self.g.box_names.get(&b).map_or("", String::as_str);
                return Err(Error::new(
                    span,
                    format!("static box {name} has no field {field} (fields of static boxes are not supported)"),
                ));
            }
        }
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
                if self.is_debug_hook(recv, m) {
                    return self.exprs(args).map(|_| ());
                }
                if let Some(f) = self.extern_name(recv, m, e.span)? {
                    let a = self.exprs(args)?;
                    self.check_arity(f.name(), f.arity(), a.len(), e.span)?;
                    return at(e.span, self.fb.extern_call_discard(f, &a));
                }
                if let Some((f, a)) = self.static_call(recv, m, args, e.span)? {
                    return at(e.span, self.fb.call_global(f, &a).map(|_| ()));
                }
                let callee = self.method_callee(recv, m, args.len(), e.span)?;
                let a = self.exprs(args)?;
                at(e.span, self.fb.call_discard(callee, &a))
            }
            _ => self.expr(e).map(|_| ()),
        }
    }

    /// `B.m(args)` with `B` a static box (or an alias of one, and not a local variable), or
    /// `me.m(args)` inside a static box: the function `@B.m` and its arguments (`void` first).
    fn static_call(
        &mut self,
        recv: &Expr,
        m: &str,
        args: &[Expr],
        span: Span,
    ) -> Result<Option<(FuncId, Vec<Value>)>, Error> {
        let b = match &recv.kind {
            ExprKind::Var(name) if self.lookup(name).is_none() => self.g.static_box(name),
            // `me.m()` of a method the static box does not define is bound at run time, like
            // `me.m()` in an instance box (see `method_callee`).
            ExprKind::Me => self.me.map(|(_, b)| b).filter(|b| {
                self.g.statics.contains(b) && self.g.method_ids.contains_key(&(*b, m.to_string()))
            }),
            _ => None,
        };
        let Some(b) = b else {
            return Ok(None);
        };
        self.static_method(b, m, args, span).map(Some)
    }

    /// The call of method `m` of static box `b`: `@B.m` and `void` followed by the arguments.
    fn static_method(
        &mut self,
        b: BoxId,
        m: &str,
        args: &[Expr],
        span: Span,
    ) -> Result<(FuncId, Vec<Value>), Error> {
        let name = self
            .g
            .box_names
            .get(&b)
            .map_or("", String::as_str)
            .to_string();
        let Some(&f) = self.g.method_ids.get(&(b, m.to_string())) else {
            return Err(Error::new(
                span,
                format!("static box {name} has no method {m}"),
            ));
        };
        let arity = self.g.methods[&b][m];
        self.check_arity(&format!("{name}.{m}"), arity, args.len(), span)?;
        let mut a = vec![at(span, self.fb.void())?];
        a.extend(self.exprs(args)?);
        Ok((f, a))
    }

    /// The callee of `recv.m(...)` with `argc` arguments. On `me`, a method of the enclosing
    /// box is called statically (`call %me.B::m(...)`: `me` is always a `B`, and the call needs
    /// no lookup by name at run time), its arity checked here; anything else dispatches
    /// dynamically on the receiver. In a static box (whose `me` is `void`) a method it does not
    /// define dispatches on a new instance of the box, so the call traps `UnknownMethod` `S has
    /// no method m` when it runs, as upstream binds such calls at run time.
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
            if self.g.statics.contains(&b) {
                let r = at(span, self.fb.new_box(BoxClass::User(b), &[]))?;
                return Ok(Callee::Method {
                    box_name: None,
                    method: dynamic_method_name(m).to_string(),
                    receiver: r,
                });
            }
        }
        let r = self.expr(recv)?;
        Ok(Callee::Method {
            box_name: None,
            method: dynamic_method_name(m).to_string(),
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

    /// True for upstream's development logging hooks `__mir__.log(label, values...)` and
    /// `__mir__.mark(label)` (`__mir__` not a local): they do not change what a program
    /// computes, and print only under upstream's trace settings, so they compile to the
    /// evaluation of their arguments and the value `null`.
    fn is_debug_hook(&self, recv: &Expr, m: &str) -> bool {
        matches!(&recv.kind, ExprKind::Var(v) if v == "__mir__" && self.lookup(v).is_none())
            && (m == "log" || m == "mark")
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

    /// Compiles one expression; the instructions made for it carry its span (those of its
    /// operands carry theirs), for the source positions of backtraces.
    fn expr(&mut self, e: &Expr) -> Result<Value, Error> {
        let saved = self.fb.span();
        self.fb.set_span(Some(e.span));
        let r = self.expr_here(e);
        self.fb.set_span(saved);
        r
    }

    fn expr_here(&mut self, e: &Expr) -> Result<Value, Error> {
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
                } else if let Some(msg) = self.g.unbound_aliases.get(name) {
                    Err(Error::new(sp, msg.clone()))
                } else {
                    Err(Error::new(sp, format!("unknown variable {name}")))
                }
            }
            ExprKind::Unary(UnOp::Not, a) => {
                let v = self.cond(a)?;
                at(sp, self.fb.unary(UnaryOp::Not, v))
            }
            ExprKind::Unary(UnOp::Neg, a) => {
                let v = self.expr(a)?;
                at(sp, self.fb.unary(UnaryOp::Neg, v))
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
            ExprKind::Ternary(c, a, b) => {
                let result = self.fb.declare_var();
                let cv = self.cond(c)?;
                let yes = self.fb.create_block();
                let no = self.fb.create_block();
                let join = self.fb.create_block();
                at(sp, self.fb.branch(cv, yes, no))?;
                at(sp, self.fb.switch_to_block(yes))?;
                at(sp, self.fb.seal_block(yes))?;
                let va = self.expr(a)?;
                at(sp, self.fb.def_var(result, va))?;
                at(sp, self.fb.jump(join))?;
                at(sp, self.fb.switch_to_block(no))?;
                at(sp, self.fb.seal_block(no))?;
                let vb = self.expr(b)?;
                at(sp, self.fb.def_var(result, vb))?;
                at(sp, self.fb.jump(join))?;
                at(sp, self.fb.switch_to_block(join))?;
                at(sp, self.fb.seal_block(join))?;
                at(sp, self.fb.use_var(result))
            }
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
                if let Some(&(f, arity)) = self.g.functions.get(name) {
                    self.check_arity(name, arity, args.len(), sp)?;
                    let a = self.exprs(args)?;
                    return at(sp, self.fb.call_global(f, &a));
                }
                // A bare call of a method of the enclosing box: `f(x)` is `me.f(x)`.
                if let Some((_, b)) = self.me {
                    if self
                        .g
                        .methods
                        .get(&b)
                        .is_some_and(|ms| ms.contains_key(name))
                    {
                        let me = Expr {
                            kind: ExprKind::Me,
                            span: sp,
                        };
                        let call = Expr {
                            kind: ExprKind::Method(Box::new(me), name.clone(), args.clone()),
                            span: sp,
                        };
                        return self.expr(&call);
                    }
                }
                Err(Error::new(sp, format!("unknown function {name}")))
            }
            ExprKind::Method(recv, m, args) => {
                if self.is_debug_hook(recv, m) {
                    self.exprs(args)?;
                    return at(sp, self.fb.void());
                }
                if let Some(f) = self.extern_name(recv, m, sp)? {
                    let a = self.exprs(args)?;
                    self.check_arity(f.name(), f.arity(), a.len(), sp)?;
                    return at(sp, self.fb.extern_call(f, &a));
                }
                // `x.is("T")` and `x.as("T")` with a type name literal are `typeop check` and
                // `typeop cast` (as upstream lowers them).
                if let (
                    true,
                    [Expr {
                        kind: ExprKind::Str(t),
                        span: tspan,
                    }],
                ) = (m == "is" || m == "as", args.as_slice())
                {
                    let ty = TypeName::builtin(t)
                        .or_else(|| {
                            self.g
                                .boxes
                                .get(t.as_str())
                                .map(|&(id, _)| TypeName::User(id))
                        })
                        .ok_or_else(|| Error::new(*tspan, format!("unknown type {t}")))?;
                    let v = self.expr(recv)?;
                    return at(
                        sp,
                        if m == "is" {
                            self.fb.type_check(v, ty)
                        } else {
                            self.fb.type_cast(v, ty)
                        },
                    );
                }
                if let Some((f, a)) = self.static_call(recv, m, args, sp)? {
                    return at(sp, self.fb.call_global(f, &a));
                }
                let callee = self.method_callee(recv, m, args.len(), sp)?;
                let a = self.exprs(args)?;
                at(sp, self.fb.call(callee, &a))
            }
            ExprKind::Field(obj, field) => {
                self.check_field(obj, field, sp)?;
                let o = self.expr(obj)?;
                at(sp, self.fb.load(o, field))
            }
            ExprKind::Index(obj, index) => {
                let o = self.expr(obj)?;
                let i = self.expr(index)?;
                let callee = Callee::Method {
                    box_name: None,
                    method: "get".to_string(),
                    receiver: o,
                };
                at(sp, self.fb.call(callee, &[i]))
            }
            ExprKind::New(class, args) => {
                let (cls, arity) = if let Some(&(id, arity)) = self.g.boxes.get(class) {
                    if self.g.statics.contains(&id) {
                        return Err(Error::new(
                            sp,
                            format!("{class} is a static box: call its methods as {class}.m()"),
                        ));
                    }
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
            ExprKind::AssignVar(name, nspan, value) => {
                let Some(var) = self.lookup(name) else {
                    return Err(Error::new(
                        *nspan,
                        format!("undeclared variable {name} (declare it with `local`)"),
                    ));
                };
                let v = self.expr(value)?;
                at(sp, self.fb.def_var(var, v))?;
                Ok(v)
            }
            ExprKind::BlockExpr(body, tail) => {
                if let Some(x) = exit_in(body, false) {
                    return Err(Error::new(
                        x,
                        "return, break and continue cannot leave a block expression",
                    ));
                }
                self.scopes.push(Scope::default());
                let r = self.stmts(body).and_then(|()| self.expr(tail));
                let depth = self.scopes.len() - 1;
                let r = r.and_then(|v| {
                    if self.fb.current_block().is_some() {
                        self.run_finis(depth)?;
                    }
                    Ok(v)
                });
                self.scopes.pop();
                r
            }
            ExprKind::CallValue(f, args) => {
                let fv = self.expr(f)?;
                let a = self.exprs(args)?;
                at(sp, self.fb.call(Callee::Value(fv), &a))
            }
            ExprKind::Lambda(_) => {
                // The box, then a copy of each used name that is a variable here (and `me`).
                let Some((id, _, names)) = self.g.lambdas.get(&sp.start) else {
                    return Err(Error::new(sp, "lambda not declared"));
                };
                let obj = at(sp, self.fb.new_box(BoxClass::User(*id), &[]))?;
                let mut captured = Vec::new();
                for name in names {
                    if let Some(var) = self.lookup(name) {
                        let v = at(sp, self.fb.use_var(var))?;
                        at(sp, self.fb.store(obj, name, v))?;
                        captured.push(name.clone());
                    }
                }
                let me_box = match self.me {
                    Some((me, b)) => {
                        at(sp, self.fb.store(obj, "me", me))?;
                        Some(b)
                    }
                    None => None,
                };
                self.g
                    .captures
                    .borrow_mut()
                    .insert(sp.start, (captured, me_box));
                Ok(obj)
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

    /// `a && b` (`and`) or `a || b` (`or`): a Bool. `a` is a condition (truthiness applies);
    /// `b` is evaluated only when `a` does not decide the result, which is then `b` as a
    /// condition.
    fn short_circuit(&mut self, a: &Expr, b: &Expr, and: bool, sp: Span) -> Result<Value, Error> {
        let result = self.fb.declare_var();
        let va = self.cond(a)?;
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
        let vb = self.cond(b)?;
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
    fn lambdas_capture_by_value_and_values_are_called() {
        // Captured when made (k = 10, not 1000); the last expression statement is the result;
        // a lambda returned by a method and called at once; lambdas as arguments; `me` of the
        // enclosing method; nested lambdas; assigning a captured copy changes only the copy.
        let src = "box Acc {\n total\n birth() { me.total = 100 }\n adder() { return fn(n) { me.total + n } }\n}\n\
                   static box H { make() { return fn(x) { return x } } }\n\
                   local k = 10\nlocal add = fn(a, b) { a + b + k }\nk = 1000\nprint(add(1, 2))\n\
                   print(H.make()(7))\nlocal twice = fn(f, x) { f(f(x)) }\nprint(twice(fn(y) { y * 3 }, 2))\n\
                   print(new Acc().adder()(5))\nlocal mk = fn(p) { fn(q) { p - q } }\nprint(mk(10)(4))\n\
                   local bump = fn() { k = k + 1\n k }\nprint(bump())\nprint(bump())\nprint(k)\n\
                   local none = fn() { }\nprint(typeof(none()))\n";
        assert_eq!(run(src).0, "13\n7\n18\n105\n6\n1001\n1001\n1000\nVoid\n");
        // Upstream's logging hooks evaluate their arguments and do nothing else.
        assert_eq!(
            run("local n = 1\n__mir__.log(\"n\", n)\nlocal m = __mir__.mark(\"x\")\nprint(typeof(m))\n").0,
            "Void\n"
        );
        // A lambda's own conditions get truthiness like any body.
        assert_eq!(
            run("local f = fn(s) { s ? 1 : 2 }\nprint(f(\"\"))\n").0,
            "2\n"
        );
        // Errors: `me` in a lambda outside a method; a malformed parameter list.
        assert_eq!(
            error("local f = fn(x) { me }\n"),
            ("`me` outside of a method".to_string(), 18)
        );
        assert_eq!(
            error("local f = fn(x { x }\n"),
            ("expected `,`, found `{`".to_string(), 15)
        );
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

    #[test]
    fn nyash_forms_compute_what_they_say() {
        // Static boxes: `X.m()`, `me.m()`/`this.m()` and bare `m()` inside; the exit status is
        // Main.main's result.
        let src = "static box Util {\n twice(x) { return x * 2 }\n quad(x) { return me.twice(this.twice(x)) }\n\
                   oct(x) { return twice(quad(x)) }\n}\n\
                   static box Main { main() { print(Util.oct(1))\n return 4 } }";
        assert_eq!(run(src), ("8\n".into(), 4));
        // Truthiness of Integer, Float and String; `and`/`or`/`not` give Bools; ternary.
        let src = "local r = \"\"\nif 0 { r = r + \"a\" }\nif 2 { r = r + \"b\" }\nif 0.5 { r = r + \"c\" }\n\
                   if \"\" { r = r + \"d\" }\nif \"x\" { r = r + \"e\" }\n\
                   print(r + \" \" + (1 and \"s\") + \" \" + (0 or \"\") + \" \" + not 0 + \" \" + (3 > 2 ? 1 : 2))";
        assert_eq!(run(src).0, "bce true false true 1\n");
        // Indexing reads and writes arrays and maps; `local a, b`.
        let src =
            "local a, m\na = [1, 2]\nm = %{\"k\" => 5}\na[0] = a[1] + m[\"k\"]\nm[\"j\"] = 1\n\
                   print(a + \" \" + m.size() + \" \" + a.size())";
        assert_eq!(run(src).0, "[7, 2] 2 2\n");
        // `fini` runs at every exit of its scope, last registered first; `cleanup` after the
        // block; loops run the `fini`s of the scopes they leave.
        let src = "static box Main {\n f(log) {\n fini { log.push(\"f1\") }\n local x = 1 fini { log.push(\"f2\") }\n\
                   if x == 1 { return log.push(\"ret\") }\n log.push(\"never\")\n }\n\
                   main() {\n local log = []\n me.f(log)\n local i = 0\n\
                   while i < 2 { i += 1\n { fini { log.push(\"L\" + i) }\n if i == 1 { continue }\n break } }\n\
                   { log.push(\"b\") } cleanup { log.push(\"c\") }\n print(log.join(\",\"))\n }\n}";
        assert_eq!(run(src).0, "ret,f2,f1,L1,L2,b,c\n");
        // Block expressions: the statements run in their own scope, the tail is the value.
        let src = "local x = 1\nlocal y = { local x = 10\n x * 2 }\nif ({ local z = y\n z > 5 }) { print(x + y) }";
        assert_eq!(run(src).0, "21\n");
        // An instance `box Main` gets a `new Main()` as the receiver of `main`.
        let src = "box Main {\n n\n birth() { me.n = 3 }\n main() { return n() + me.n }\n n() { return 1 } }";
        assert_eq!(run(src).1, 4);
        // A Bool result of main is the status 1 or 0; the one static box with `main` is the
        // entry when there is no `Main`; `method`/`func` spell methods.
        assert_eq!(
            run("static box App { method main() { return 2 > 1 } }").1,
            1
        );
        assert_eq!(run("static box App { func main() { return false } }").1, 0);
        // `is`/`as` with a type name are typeops.
        assert_eq!(
            run("box P { }\nlocal p = new P()\nprint(1.is(\"IntegerBox\") + \" \" + p.is(\"P\") + \" \" + \"s\".is(\"Integer\") + \" \" + 2.as(\"Integer\"))").0,
            "true true false 2\n"
        );
        // `&&` and `||` share a precedence level, left to right: (true || x) && false.
        assert_eq!(run("print(true || false && false)").0, "false\n");
    }

    #[test]
    fn bool_only_locals_need_no_truthiness() {
        // `f` only ever holds Bools (also through `g = f`), so no helper is generated; `n` is
        // once an Integer, so conditions on it go through the helper.
        let m = compile_src("local f = false\nlocal g = f\nif 1 < 2 { f = true }\nif g { print(1) }\nif f { print(2) }")
            .unwrap();
        assert!(m.function_by_name(super::TRUTHY).is_none());
        let m = compile_src("local n = false\nn = 1\nif n { print(n) }").unwrap();
        assert!(m.function_by_name(super::TRUTHY).is_some());
        assert_eq!(run("local n = false\nn = 1\nif n { print(n) }").0, "1\n");
    }

    #[test]
    fn nyash_compile_errors() {
        assert_eq!(
            error("local a = 1\nif a { local a = 2 }\nlocal a = 3").0,
            "a is already declared in this block"
        );
        assert_eq!(
            error("static box S { x\n m() { } }\nprint(1)").0,
            "static box S declares field x: fields of static boxes are not supported"
        );
        assert_eq!(
            error("static box S { m() { } }\nprint(S.n())").0,
            "static box S has no method n"
        );
        assert_eq!(
            error("static box S { m() { } }\nprint(new S())").0,
            "S is a static box: call its methods as S.m()"
        );
        assert_eq!(
            error("local x = { if true { return 1 }\n 2 }").0,
            "return, break and continue cannot leave a block expression"
        );
        assert_eq!(
            error("loop(true) { fini { break }\n break }").0,
            "break out of a fini block"
        );
        assert_eq!(
            error("print(1)\nstatic box Main { main() { } }").0,
            "top-level statements and Main.main: a program has one entry point"
        );
        assert_eq!(
            error("using \"x.hako\"\nprint(1)").0,
            "`using` needs a program read from a file"
        );
        assert_eq!(
            error("function __ny_truthy(x) { }\nprint(1)").0,
            "__ny_truthy is a reserved name (names starting with __ny_)"
        );
    }
}
