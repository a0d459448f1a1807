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
}

impl Expr {
    /// True if the expression always gives a Bool (a literal, a comparison, `!`, `&&`, `||`), so
    /// a condition needs no truthiness conversion.
    pub fn is_bool(&self) -> bool {
        match &self.kind {
            ExprKind::Bool(_) | ExprKind::And(..) | ExprKind::Or(..) => true,
            ExprKind::Unary(UnOp::Not, _) => true,
            ExprKind::Binary(op, _, _) => !matches!(
                op,
                BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Mod
            ),
            ExprKind::Ternary(_, a, b) => a.is_bool() && b.is_bool(),
            ExprKind::BlockExpr(_, tail) => tail.is_bool(),
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
        }
    }
}
