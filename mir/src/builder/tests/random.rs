//! Random structured programs, evaluated directly and lowered through the builder.

use super::*;

/// A tiny structured language, evaluated directly and lowered through the builder.
#[derive(Clone, Debug)]
enum Expr {
    Const(i64),
    Var(usize),
    Bin(BinOp, Box<Expr>, Box<Expr>),
}

#[derive(Clone, Debug)]
enum Stmt {
    Assign(usize, Expr),
    If(CmpOp, Expr, Expr, Vec<Stmt>, Vec<Stmt>),
    /// `repeat n { body }`: a counted loop.
    Repeat(i64, Vec<Stmt>),
    /// Break / continue the loop `d` levels out (0 = innermost).
    Break(usize),
    Continue(usize),
    BreakIf(usize, CmpOp, Expr, Expr),
    Return(Expr),
}

const VARS: usize = 3;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn gen_expr(r: &mut Rng, depth: u32) -> Expr {
    match r.below(if depth == 0 { 2 } else { 4 }) {
        0 => Expr::Const(r.below(7) as i64 - 2),
        1 => Expr::Var(r.below(VARS as u64) as usize),
        _ => {
            let op = [BinOp::Add, BinOp::Sub, BinOp::Mul][r.below(3) as usize];
            Expr::Bin(
                op,
                Box::new(gen_expr(r, depth - 1)),
                Box::new(gen_expr(r, depth - 1)),
            )
        }
    }
}

fn gen_block(r: &mut Rng, depth: u32, loops: usize) -> Vec<Stmt> {
    let n = r.below(4);
    let cmp = |r: &mut Rng| [CmpOp::Lt, CmpOp::Eq, CmpOp::Gt, CmpOp::Ne][r.below(4) as usize];
    (0..n)
        .map(|_| match r.below(if depth == 0 { 3 } else { 10 }) {
            0 | 1 => Stmt::Assign(r.below(VARS as u64) as usize, gen_expr(r, 2)),
            2 if loops > 0 => match r.below(3) {
                0 => Stmt::Break(r.below(loops as u64) as usize),
                1 => Stmt::Continue(r.below(loops as u64) as usize),
                _ => Stmt::BreakIf(
                    r.below(loops as u64) as usize,
                    cmp(r),
                    gen_expr(r, 1),
                    gen_expr(r, 1),
                ),
            },
            2 => Stmt::Assign(0, gen_expr(r, 1)),
            3..=5 => Stmt::If(
                cmp(r),
                gen_expr(r, 1),
                gen_expr(r, 1),
                gen_block(r, depth - 1, loops),
                gen_block(r, depth - 1, loops),
            ),
            6..=8 => Stmt::Repeat(r.below(4) as i64, gen_block(r, depth - 1, loops + 1)),
            _ => Stmt::Return(gen_expr(r, 1)),
        })
        .collect()
}

enum Flow {
    Normal,
    Break(usize),
    Continue(usize),
    Return(i64),
}

fn eval_expr(e: &Expr, env: &[i64; VARS]) -> i64 {
    match e {
        Expr::Const(c) => *c,
        Expr::Var(v) => env[*v],
        Expr::Bin(op, a, b) => {
            let (a, b) = (eval_expr(a, env), eval_expr(b, env));
            match op {
                BinOp::Add => a.wrapping_add(b),
                BinOp::Sub => a.wrapping_sub(b),
                _ => a.wrapping_mul(b),
            }
        }
    }
}

fn eval_cmp(op: CmpOp, a: i64, b: i64) -> bool {
    match op {
        CmpOp::Lt => a < b,
        CmpOp::Eq => a == b,
        CmpOp::Gt => a > b,
        _ => a != b,
    }
}

fn exec(stmts: &[Stmt], env: &mut [i64; VARS]) -> Flow {
    for s in stmts {
        let flow = match s {
            Stmt::Assign(v, e) => {
                env[*v] = eval_expr(e, env);
                Flow::Normal
            }
            Stmt::If(op, a, b, t, e) => {
                if eval_cmp(*op, eval_expr(a, env), eval_expr(b, env)) {
                    exec(t, env)
                } else {
                    exec(e, env)
                }
            }
            Stmt::Repeat(n, body) => {
                let mut out = Flow::Normal;
                for _ in 0..*n {
                    match exec(body, env) {
                        Flow::Normal | Flow::Continue(0) => {}
                        Flow::Break(0) => break,
                        Flow::Break(d) => {
                            out = Flow::Break(d - 1);
                            break;
                        }
                        Flow::Continue(d) => {
                            out = Flow::Continue(d - 1);
                            break;
                        }
                        Flow::Return(v) => {
                            out = Flow::Return(v);
                            break;
                        }
                    }
                }
                out
            }
            Stmt::Break(d) => Flow::Break(*d),
            Stmt::Continue(d) => Flow::Continue(*d),
            Stmt::BreakIf(d, op, a, b) => {
                if eval_cmp(*op, eval_expr(a, env), eval_expr(b, env)) {
                    Flow::Break(*d)
                } else {
                    Flow::Normal
                }
            }
            Stmt::Return(e) => Flow::Return(eval_expr(e, env)),
        };
        if !matches!(flow, Flow::Normal) {
            return flow;
        }
    }
    Flow::Normal
}

struct Lower<'a> {
    fb: &'a mut FunctionBuilder,
    vars: [Variable; VARS],
    loops: Vec<Loop>,
}

impl Lower<'_> {
    fn expr(&mut self, e: &Expr) -> Value {
        match e {
            Expr::Const(c) => self.fb.iconst(*c).unwrap(),
            Expr::Var(v) => self.fb.use_var(self.vars[*v]).unwrap(),
            Expr::Bin(op, a, b) => {
                let (a, b) = (self.expr(a), self.expr(b));
                self.fb.binop(*op, a, b).unwrap()
            }
        }
    }

    fn cond(&mut self, op: CmpOp, a: &Expr, b: &Expr) -> Value {
        let (a, b) = (self.expr(a), self.expr(b));
        self.fb.compare(op, a, b).unwrap()
    }

    fn block(&mut self, stmts: &[Stmt]) {
        for s in stmts {
            match s {
                Stmt::Assign(v, e) => {
                    let x = self.expr(e);
                    self.fb.def_var(self.vars[*v], x).unwrap();
                }
                Stmt::If(op, a, b, t, e) => {
                    let c = self.cond(*op, a, b);
                    let (tb, eb, join) = (
                        self.fb.create_block(),
                        self.fb.create_block(),
                        self.fb.create_block(),
                    );
                    self.fb.branch(c, tb, eb).unwrap();
                    self.fb.seal_block(tb).unwrap();
                    self.fb.seal_block(eb).unwrap();
                    for (blk, body) in [(tb, t), (eb, e)] {
                        self.fb.switch_to_block(blk).unwrap();
                        self.block(body);
                        if self.fb.current_block().is_some() {
                            self.fb.jump(join).unwrap();
                        }
                    }
                    self.fb.seal_block(join).unwrap();
                    self.fb.switch_to_block(join).unwrap();
                }
                Stmt::Repeat(n, body) => {
                    let counter = self.fb.declare_var();
                    let z = self.fb.iconst(0).unwrap();
                    self.fb.def_var(counter, z).unwrap();
                    let lp = self.fb.begin_loop().unwrap();
                    let cv = self.fb.use_var(counter).unwrap();
                    let nv = self.fb.iconst(*n).unwrap();
                    let c = self.fb.compare(CmpOp::Lt, cv, nv).unwrap();
                    self.fb.loop_condition(&lp, c).unwrap();
                    let one = self.fb.iconst(1).unwrap();
                    let c2 = self.fb.binop(BinOp::Add, cv, one).unwrap();
                    self.fb.def_var(counter, c2).unwrap();
                    self.loops.push(lp);
                    self.block(body);
                    let lp = self.loops.pop().unwrap();
                    self.fb.end_loop(lp).unwrap();
                }
                Stmt::Break(d) => {
                    let lp = &self.loops[self.loops.len() - 1 - d];
                    self.fb.break_loop(lp).unwrap();
                }
                Stmt::Continue(d) => {
                    let lp = &self.loops[self.loops.len() - 1 - d];
                    self.fb.continue_loop(lp).unwrap();
                }
                Stmt::BreakIf(d, op, a, b) => {
                    let c = self.cond(*op, a, b);
                    let lp = &self.loops[self.loops.len() - 1 - d];
                    self.fb.break_if(lp, c).unwrap();
                }
                Stmt::Return(e) => {
                    let v = self.expr(e);
                    self.fb.ret(Some(v)).unwrap();
                }
            }
        }
    }
}

/// Random programs with nested loops, ifs, labelled breaks/continues, early returns and dead
/// code: the built function verifies, has one LoopForm per loop whose latch is reachable,
/// and computes what the program computes.
#[test]
fn random_structured_programs() {
    let mut r = Rng(0x9E37_79B9_7F4A_7C15);
    // How much of the interesting ground the cases cover.
    let (mut loopforms, mut routed, mut returns_in_loops) = (0, 0, 0);
    for case in 0..400 {
        let prog = gen_block(&mut r, 4, 0);
        let mut fb = FunctionBuilder::new("p").unwrap();
        let params: Vec<Value> = (0..VARS).map(|_| fb.add_param(None)).collect();
        let vars = [fb.declare_var(), fb.declare_var(), fb.declare_var()];
        for (v, p) in vars.iter().zip(&params) {
            fb.def_var(*v, *p).unwrap();
        }
        let mut lower = Lower {
            fb: &mut fb,
            vars,
            loops: Vec::new(),
        };
        lower.block(&prog);
        if fb.current_block().is_some() {
            let v = fb.use_var(vars[0]).unwrap();
            fb.ret(Some(v)).unwrap();
        }
        let f = fb.finish().unwrap();
        check_wellformed(&f);
        loopforms += f.loops.len();
        routed += usize::from(fb_used_dispatch(&f));
        returns_in_loops += usize::from(has_return_in_loop(&prog, 0));
        for args in [[0, 1, 2], [3, -1, 5], [-2, 2, 0]] {
            let mut env = args;
            let want = match exec(&prog, &mut env) {
                Flow::Return(v) => v,
                _ => env[0],
            };
            assert_eq!(
                run(&f, &args),
                V::I(want),
                "case {case} args {args:?}: {prog:#?}"
            );
        }
    }
    assert!(loopforms > 500, "{loopforms}");
    assert!(routed > 60, "{routed}");
    assert!(returns_in_loops > 60, "{returns_in_loops}");
}

/// True if some exit block dispatches on a routing code (a `compare eq` against a constant
/// right after phis in a loop's exit).
fn fb_used_dispatch(f: &Function) -> bool {
    f.loops.iter().any(|l| {
        f.blocks[l.exit]
            .insts
            .iter()
            .any(|i| matches!(i, Inst::Compare { op: CmpOp::Eq, .. }))
    })
}

fn has_return_in_loop(stmts: &[Stmt], loops: usize) -> bool {
    stmts.iter().any(|s| match s {
        Stmt::Return(_) => loops > 0,
        Stmt::If(_, _, _, t, e) => has_return_in_loop(t, loops) || has_return_in_loop(e, loops),
        Stmt::Repeat(_, b) => has_return_in_loop(b, loops + 1),
        _ => false,
    })
}

/// A `jump` to the innermost loop's exit is a `break`.
#[test]
fn jump_to_exit_is_break() {
    let mut fb = FunctionBuilder::new("j").unwrap();
    let lp = fb.begin_loop().unwrap();
    let t = fb.bconst(true).unwrap();
    fb.loop_condition(&lp, t).unwrap();
    fb.jump(lp.exit()).unwrap();
    fb.end_loop(lp).unwrap();
    fb.ret(None).unwrap();
    let f = fb.finish().unwrap();
    check_wellformed(&f);
    // `jump exit` as it is; the latch is unreachable, so the loop gets no LoopForm.
    assert_eq!(f.successors(bl(&f, "bb2")), [bl(&f, "bb4")]);
    assert!(f.loops.is_empty());
    assert_eq!(run(&f, &[]), V::Void);
}
