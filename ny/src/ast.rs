//! The syntax tree of Nyash programs, as the parser builds it and the compiler reads it.

use mir14_mir::Span;

/// A whole source file: imports, box declarations, functions and top-level statements, in source
/// order.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Program {
    /// The `using` imports.
    pub usings: Vec<Using>,
    /// The `box` and `static box` declarations.
    pub boxes: Vec<BoxDef>,
    /// The top-level `function`s.
    pub functions: Vec<FuncDef>,
    /// Statements written outside any box or function (script mode), in order.
    pub stmts: Vec<Stmt>,
    /// Where the first top-level statement is written.
    pub stmts_span: Option<Span>,
    /// `using ... as Alias` names of static boxes whose name differs: alias to box name.
    pub aliases: std::collections::HashMap<String, String>,
    /// `using ... as Alias` names that name no static box (the file has several and none is
    /// called `Alias`): alias to the error reported where the alias is used, as upstream
    /// binds such an alias only if it is unambiguous.
    pub unbound_aliases: std::collections::HashMap<String, String>,
}

/// `using "path" [as Alias]` (a file) or `using a.b.c [as Alias]` (a module by name).
#[derive(Clone, Debug, PartialEq)]
pub struct Using {
    /// The path or the dotted module name as written.
    pub target: String,
    /// True for a quoted file path, false for a dotted module name.
    pub is_path: bool,
    /// The name given with `as`.
    pub alias: Option<String>,
    /// Where the directive is written.
    pub span: Span,
}

/// `[static] box Name { fields, methods }`.
#[derive(Clone, Debug, PartialEq)]
pub struct BoxDef {
    /// The box's name.
    pub name: String,
    /// Where the name is written.
    pub span: Span,
    /// True for a `static box` (a singleton namespace whose methods are called as `Name.m()`).
    pub is_static: bool,
    /// The fields declared by `init { ... }` or bare declarations, with their positions.
    pub fields: Vec<(String, Span)>,
    /// The methods (`birth` is the constructor).
    pub methods: Vec<FuncDef>,
}

/// A function or method: `name(params) { body }`.
#[derive(Clone, Debug, PartialEq)]
pub struct FuncDef {
    /// The name (without the box name for methods).
    pub name: String,
    /// Where the name is written.
    pub span: Span,
    /// The parameters with their positions (`me` is implicit in methods).
    pub params: Vec<(String, Span)>,
    /// The statements of the body.
    pub body: Vec<Stmt>,
}

/// A statement.
#[derive(Clone, Debug, PartialEq)]
pub enum Stmt {
    /// `local name [= init]`.
    Local {
        /// The variable.
        name: String,
        /// Where the name is written.
        span: Span,
        /// The initial value (`null` when absent).
        init: Option<Expr>,
    },
    /// `target = value`; the target is a variable, a field access or an index.
    Assign {
        /// A [`ExprKind::Var`], [`ExprKind::Field`] or [`ExprKind::Index`].
        target: Expr,
        /// The assigned value.
        value: Expr,
    },
    /// `if cond { then } [else { els }]`; `else if` nests an `If` in `els`.
    If {
        /// The condition (must be a Bool at run time).
        cond: Expr,
        /// The statements run when it holds.
        then: Vec<Stmt>,
        /// The statements run otherwise.
        els: Option<Vec<Stmt>>,
    },
    /// `loop(cond) { body }`.
    Loop {
        /// The condition, checked before every iteration.
        cond: Expr,
        /// The body.
        body: Vec<Stmt>,
    },
    /// `break` (at this position).
    Break(Span),
    /// `continue`.
    Continue(Span),
    /// `return [value]`.
    Return(Option<Expr>, Span),
    /// An expression evaluated for its effect.
    Expr(Expr),
    /// A bare block `{ ... }`: a scope of its own.
    Block(Vec<Stmt>),
    /// Several statements in the enclosing scope (`local a, b`).
    Seq(Vec<Stmt>),
    /// `fini { ... }`: statements run when the enclosing scope exits (in any way), the last
    /// registered first. `{ ... } cleanup { ... }` and `local x fini { ... }` are built from it.
    Fini(Vec<Stmt>, Span),
}

/// An expression with its source span.
#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    /// What it is.
    pub kind: ExprKind,
    /// Where it is written.
    pub span: Span,
}

/// Binary operators other than `&&` and `||`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum BinOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `%`
    Mod,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

/// Unary operators.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum UnOp {
    /// `-x`
    Neg,
    /// `!x`
    Not,
}

/// The kinds of expressions.
#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    /// An integer literal.
    Int(i64),
    /// A float literal.
    Float(f64),
    /// A string literal.
    Str(String),
    /// `true` / `false`.
    Bool(bool),
    /// `null`.
    Null,
    /// `me`, the receiver of a method.
    Me,
    /// A variable or function name.
    Var(String),
    /// A unary operator.
    Unary(UnOp, Box<Expr>),
    /// A binary operator.
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// `a && b` (short-circuit).
    And(Box<Expr>, Box<Expr>),
    /// `a || b` (short-circuit).
    Or(Box<Expr>, Box<Expr>),
    /// `name(args)`: a function, a builtin (`print`) or a variable holding a callable.
    Call(String, Vec<Expr>),
    /// `recv.name(args)`: a method call (or an extern, `env.console.log(x)`).
    Method(Box<Expr>, String, Vec<Expr>),
    /// `obj.name`: a field read.
    Field(Box<Expr>, String),
    /// `obj[index]`: `obj.get(index)`.
    Index(Box<Expr>, Box<Expr>),
    /// `cond ? a : b`.
    Ternary(Box<Expr>, Box<Expr>, Box<Expr>),
    /// `{ stmts; tail }`: the statements in a scope of their own, then the tail's value.
    BlockExpr(Vec<Stmt>, Box<Expr>),
    /// `(x = value)`: assigns the variable `x` (written at the span) and gives the value.
    AssignVar(String, Span, Box<Expr>),
    /// `new Class(args)`.
    New(String, Vec<Expr>),
    /// `[a, b, ...]`: a new ArrayBox.
    Array(Vec<Expr>),
    /// `%{k => v, ...}`: a new MapBox.
    Map(Vec<(Expr, Expr)>),
    /// `callee(args)` where the callee is not a name: a call of the callee's value.
    CallValue(Box<Expr>, Vec<Expr>),
    /// `fn(params) { body }`: a lambda (its `name` is `fn`; a final expression statement of
    /// the body is made a `return` by the parser).
    Lambda(Box<FuncDef>),
}

impl Stmt {
    /// Where the statement is written, for the instructions made for it (not its
    /// subexpressions'): `None` for blocks, sequences and `fini`, whose statements have their own.
    pub fn span(&self) -> Option<Span> {
        match self {
            Stmt::Local { span, .. }
            | Stmt::Break(span)
            | Stmt::Continue(span)
            | Stmt::Return(_, span) => Some(*span),
            Stmt::Assign { target, .. } => Some(target.span),
            Stmt::If { cond, .. } | Stmt::Loop { cond, .. } => Some(cond.span),
            Stmt::Expr(e) => Some(e.span),
            Stmt::Block(_) | Stmt::Seq(_) | Stmt::Fini(..) => None,
        }
    }
}

impl Expr {
    /// True if the expression always gives a Bool (a literal, a comparison, `!`, `&&`, `||`), so
    /// a condition needs no truthiness conversion.
    pub fn is_bool(&self) -> bool {
        self.is_bool_with(&std::collections::HashSet::new())
    }

    /// [`Expr::is_bool`], also counting the variables named in `vars` (locals that only ever
    /// hold Bools, see [`bool_locals`]) as Bools.
    pub fn is_bool_with(&self, vars: &std::collections::HashSet<String>) -> bool {
        match &self.kind {
            ExprKind::Bool(_) | ExprKind::And(..) | ExprKind::Or(..) => true,
            ExprKind::Unary(UnOp::Not, _) => true,
            ExprKind::Var(v) => vars.contains(v),
            ExprKind::Binary(op, _, _) => !matches!(
                op,
                BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Mod
            ),
            ExprKind::Ternary(_, a, b) => a.is_bool_with(vars) && b.is_bool_with(vars),
            ExprKind::BlockExpr(_, tail) => tail.is_bool_with(vars),
            ExprKind::AssignVar(_, _, v) => v.is_bool_with(vars),
            _ => false,
        }
    }

    /// True if evaluating the expression needs control flow (`&&` / `||` anywhere inside).
    pub fn has_control_flow(&self) -> bool {
        let any = |es: &[Expr]| es.iter().any(Expr::has_control_flow);
        match &self.kind {
            ExprKind::And(..)
            | ExprKind::Or(..)
            | ExprKind::Ternary(..)
            | ExprKind::BlockExpr(..) => true,
            ExprKind::Index(a, b) => a.has_control_flow() || b.has_control_flow(),
            ExprKind::Int(_)
            | ExprKind::Float(_)
            | ExprKind::Str(_)
            | ExprKind::Bool(_)
            | ExprKind::Null
            | ExprKind::Me
            | ExprKind::Var(_) => false,
            ExprKind::Unary(_, a) | ExprKind::Field(a, _) | ExprKind::AssignVar(_, _, a) => {
                a.has_control_flow()
            }
            ExprKind::Binary(_, a, b) => a.has_control_flow() || b.has_control_flow(),
            ExprKind::Call(_, args) | ExprKind::New(_, args) | ExprKind::Array(args) => any(args),
            ExprKind::Method(r, _, args) => r.has_control_flow() || any(args),
            ExprKind::Map(kvs) => kvs
                .iter()
                .any(|(k, v)| k.has_control_flow() || v.has_control_flow()),
            ExprKind::CallValue(f, args) => f.has_control_flow() || any(args),
            // Making a lambda is straight-line code (its body is a function of its own).
            ExprKind::Lambda(_) => false,
        }
    }
}

/// The local variables of a body (not its parameters) that only ever hold Bools: every
/// declaration has a Bool initializer and every assignment a Bool value (a fixpoint, so `a = b`
/// with `b` such a variable counts). Conditions on them need no truthiness conversion.
pub fn bool_locals(params: &[(String, Span)], body: &[Stmt]) -> std::collections::HashSet<String> {
    let mut assigned: Vec<(String, Option<&Expr>)> = Vec::new();
    for s in body {
        collect_stmt(s, &mut assigned);
    }
    let mut set: std::collections::HashSet<String> = assigned
        .iter()
        .map(|(n, _)| n.clone())
        .filter(|n| !params.iter().any(|(p, _)| p == n))
        .collect();
    loop {
        let before = set.len();
        for (n, e) in &assigned {
            if set.contains(n) && !e.is_some_and(|e| e.is_bool_with(&set)) {
                set.remove(n);
            }
        }
        if set.len() == before {
            return set;
        }
    }
}

/// Every variable definition in `s`: (name, value; `None` for a declaration without one).
fn collect_stmt<'a>(s: &'a Stmt, out: &mut Vec<(String, Option<&'a Expr>)>) {
    match s {
        Stmt::Local { name, init, .. } => {
            out.push((name.clone(), init.as_ref()));
            if let Some(e) = init {
                collect_expr(e, out);
            }
        }
        Stmt::Assign { target, value } => {
            if let ExprKind::Var(n) = &target.kind {
                out.push((n.clone(), Some(value)));
            } else {
                collect_expr(target, out);
            }
            collect_expr(value, out);
        }
        Stmt::If { cond, then, els } => {
            collect_expr(cond, out);
            then.iter().for_each(|s| collect_stmt(s, out));
            els.iter().flatten().for_each(|s| collect_stmt(s, out));
        }
        Stmt::Loop { cond, body } => {
            collect_expr(cond, out);
            body.iter().for_each(|s| collect_stmt(s, out));
        }
        Stmt::Return(Some(e), _) | Stmt::Expr(e) => collect_expr(e, out),
        Stmt::Block(b) | Stmt::Seq(b) | Stmt::Fini(b, _) => {
            b.iter().for_each(|s| collect_stmt(s, out));
        }
        Stmt::Return(None, _) | Stmt::Break(_) | Stmt::Continue(_) => {}
    }
}

/// The definitions inside an expression (`(x = e)`, block expressions).
fn collect_expr<'a>(e: &'a Expr, out: &mut Vec<(String, Option<&'a Expr>)>) {
    let each = |es: &'a [Expr], out: &mut Vec<(String, Option<&'a Expr>)>| {
        es.iter().for_each(|e| collect_expr(e, out));
    };
    match &e.kind {
        ExprKind::AssignVar(n, _, v) => {
            out.push((n.clone(), Some(v)));
            collect_expr(v, out);
        }
        ExprKind::BlockExpr(body, tail) => {
            body.iter().for_each(|s| collect_stmt(s, out));
            collect_expr(tail, out);
        }
        ExprKind::Unary(_, a) | ExprKind::Field(a, _) => collect_expr(a, out),
        ExprKind::Binary(_, a, b)
        | ExprKind::And(a, b)
        | ExprKind::Or(a, b)
        | ExprKind::Index(a, b) => {
            collect_expr(a, out);
            collect_expr(b, out);
        }
        ExprKind::Ternary(c, a, b) => {
            collect_expr(c, out);
            collect_expr(a, out);
            collect_expr(b, out);
        }
        ExprKind::Call(_, args) | ExprKind::New(_, args) | ExprKind::Array(args) => each(args, out),
        ExprKind::Method(r, _, args) => {
            collect_expr(r, out);
            each(args, out);
        }
        ExprKind::Map(kvs) => kvs.iter().for_each(|(k, v)| {
            collect_expr(k, out);
            collect_expr(v, out);
        }),
        ExprKind::CallValue(f, args) => {
            collect_expr(f, out);
            each(args, out);
        }
        // A lambda's definitions are its own (it assigns copies of what it captures).
        ExprKind::Lambda(_) => {}
        ExprKind::Int(_)
        | ExprKind::Float(_)
        | ExprKind::Str(_)
        | ExprKind::Bool(_)
        | ExprKind::Null
        | ExprKind::Me
        | ExprKind::Var(_) => {}
    }
}
