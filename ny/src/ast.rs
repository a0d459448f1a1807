//! The syntax tree of ny programs, as the parser builds it and the compiler reads it.

use mir14_mir::Span;

/// A whole source file: box declarations and functions, in source order.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Program {
    /// The `box` declarations.
    pub boxes: Vec<BoxDef>,
    /// The top-level `function`s.
    pub functions: Vec<FuncDef>,
}

/// `box Name { init { f, g } method(params) { ... } ... }`.
#[derive(Clone, Debug, PartialEq)]
pub struct BoxDef {
    /// The box's name.
    pub name: String,
    /// Where the name is written.
    pub span: Span,
    /// The fields declared by `init { ... }`, with their positions.
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
    /// `target = value`; the target is a variable or a field access.
    Assign {
        /// A [`ExprKind::Var`] or [`ExprKind::Field`].
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
    /// `new Class(args)`.
    New(String, Vec<Expr>),
    /// `[a, b, ...]`: a new ArrayBox.
    Array(Vec<Expr>),
    /// `{k: v, ...}`: a new MapBox.
    Map(Vec<(Expr, Expr)>),
}

impl Expr {
    /// True if evaluating the expression needs control flow (`&&` / `||` anywhere inside).
    pub fn has_control_flow(&self) -> bool {
        let any = |es: &[Expr]| es.iter().any(Expr::has_control_flow);
        match &self.kind {
            ExprKind::And(..) | ExprKind::Or(..) => true,
            ExprKind::Int(_)
            | ExprKind::Float(_)
            | ExprKind::Str(_)
            | ExprKind::Bool(_)
            | ExprKind::Null
            | ExprKind::Me
            | ExprKind::Var(_) => false,
            ExprKind::Unary(_, a) | ExprKind::Field(a, _) => a.has_control_flow(),
            ExprKind::Binary(_, a, b) => a.has_control_flow() || b.has_control_flow(),
            ExprKind::Call(_, args) | ExprKind::New(_, args) | ExprKind::Array(args) => any(args),
            ExprKind::Method(r, _, args) => r.has_control_flow() || any(args),
            ExprKind::Map(kvs) => kvs
                .iter()
                .any(|(k, v)| k.has_control_flow() || v.has_control_flow()),
        }
    }
}
