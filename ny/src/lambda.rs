//! Lambdas `fn(params) { body }`: finding them in a program and the names their bodies use.
//!
//! A lambda compiles to a box of its own, `__ny_lambda_N` (N counts the program's lambdas in
//! source order), whose method `apply(params)` is the body: MIR14 calls a user box with
//! `apply` like a function (`call %f(args)`). Making the lambda creates the box and copies into
//! its fields the values of the enclosing function's variables the body names (and `me`, in a
//! method); the body reads those copies (see `ny/README.md`, "Lambdas").

use crate::ast::*;
use mir14_mir::Span;

/// Calls `f` on every expression of `stmts`, parents before children, lambda bodies included.
pub fn visit_stmts<'a>(stmts: &'a [Stmt], f: &mut dyn FnMut(&'a Expr)) {
    for s in stmts {
        visit_stmt(s, f);
    }
}

fn visit_stmt<'a>(s: &'a Stmt, f: &mut dyn FnMut(&'a Expr)) {
    match s {
        Stmt::Local { init, .. } => {
            if let Some(e) = init {
                visit_expr(e, f);
            }
        }
        Stmt::Assign { target, value } => {
            visit_expr(target, f);
            visit_expr(value, f);
        }
        Stmt::If { cond, then, els } => {
            visit_expr(cond, f);
            visit_stmts(then, f);
            if let Some(els) = els {
                visit_stmts(els, f);
            }
        }
        Stmt::Loop { cond, body } => {
            visit_expr(cond, f);
            visit_stmts(body, f);
        }
        Stmt::Return(Some(e), _) | Stmt::Expr(e) => visit_expr(e, f),
        Stmt::Block(b) | Stmt::Seq(b) | Stmt::Fini(b, _) => visit_stmts(b, f),
        Stmt::Return(None, _) | Stmt::Break(_) | Stmt::Continue(_) => {}
    }
}

/// Calls `f` on `e` and then on every expression inside it.
pub fn visit_expr<'a>(e: &'a Expr, f: &mut dyn FnMut(&'a Expr)) {
    f(e);
    match &e.kind {
        ExprKind::Int(_)
        | ExprKind::Float(_)
        | ExprKind::Str(_)
        | ExprKind::Bool(_)
        | ExprKind::Null
        | ExprKind::Me
        | ExprKind::Var(_) => {}
        ExprKind::Unary(_, a) | ExprKind::Field(a, _) | ExprKind::AssignVar(_, _, a) => {
            visit_expr(a, f)
        }
        ExprKind::Binary(_, a, b)
        | ExprKind::And(a, b)
        | ExprKind::Or(a, b)
        | ExprKind::Index(a, b) => {
            visit_expr(a, f);
            visit_expr(b, f);
        }
        ExprKind::Ternary(c, a, b) => {
            visit_expr(c, f);
            visit_expr(a, f);
            visit_expr(b, f);
        }
        ExprKind::Call(_, args) | ExprKind::New(_, args) | ExprKind::Array(args) => {
            args.iter().for_each(|a| visit_expr(a, f));
        }
        ExprKind::Method(r, _, args) | ExprKind::CallValue(r, args) => {
            visit_expr(r, f);
            args.iter().for_each(|a| visit_expr(a, f));
        }
        ExprKind::Map(kvs) => kvs.iter().for_each(|(k, v)| {
            visit_expr(k, f);
            visit_expr(v, f);
        }),
        ExprKind::BlockExpr(body, tail) => {
            visit_stmts(body, f);
            visit_expr(tail, f);
        }
        ExprKind::Lambda(def) => visit_stmts(&def.body, f),
    }
}

/// Every lambda of the program, in source order of the bodies (methods, functions, then the
/// top-level statements) and outer lambdas before the ones inside them: (its span, its
/// definition).
pub fn lambdas(prog: &Program) -> Vec<(Span, &FuncDef)> {
    let mut out = Vec::new();
    let bodies = prog
        .boxes
        .iter()
        .flat_map(|b| b.methods.iter())
        .chain(prog.functions.iter())
        .map(|f| f.body.as_slice())
        .chain(std::iter::once(prog.stmts.as_slice()));
    for body in bodies {
        visit_stmts(body, &mut |e| {
            if let ExprKind::Lambda(def) = &e.kind {
                out.push((e.span, &**def));
            }
        });
    }
    out
}

/// The names a lambda's body may take from the enclosing function, sorted: every variable
/// name it (or a lambda inside it) reads, assigns or calls, except its own parameters. Only
/// those that are variables where the lambda is made are captured; a name the body declares
/// itself (or an inner lambda's parameter) may be among them, which costs one copy and
/// changes nothing, since the body's own declaration shadows the copy.
pub fn used_names(def: &FuncDef) -> Vec<String> {
    let mut names = Vec::new();
    let mut note = |e: &Expr| match &e.kind {
        ExprKind::Var(n) | ExprKind::Call(n, _) | ExprKind::AssignVar(n, _, _) => {
            names.push(n.clone())
        }
        _ => {}
    };
    visit_stmts(&def.body, &mut note);
    names.retain(|n| !def.params.iter().any(|(p, _)| p == n));
    names.sort();
    names.dedup();
    names
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parser::parse;

    #[test]
    fn lambdas_are_found_outer_first_with_their_names() {
        let src = "function main() {\n  local k = 1\n  local f = fn(x) { local g = fn(y) { y + k + z() }\n g(x) }\n  return f(2)\n}\n";
        let prog = parse(src).unwrap();
        let found = lambdas(&prog);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].1.params[0].0, "x");
        assert_eq!(found[1].1.params[0].0, "y");
        // The parameter `y` of the inner lambda counts too: a harmless extra capture at most.
        assert_eq!(used_names(found[0].1), vec!["g", "k", "y", "z"]);
        assert_eq!(used_names(found[1].1), vec!["k", "z"]);
    }
}
