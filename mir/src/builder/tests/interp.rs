//! A tiny interpreter for the Integer/Bool subset of built functions.

use crate::ir::*;
use std::collections::HashMap;

/// A tiny interpreter for the Integer/Bool subset, to check that the SSA built computes what
/// the source program computes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum V {
    I(i64),
    B(bool),
    Void,
}

pub(super) fn run(f: &Function, args: &[i64]) -> V {
    let mut env: HashMap<Value, V> = HashMap::new();
    for (p, a) in f.params.iter().zip(args) {
        env.insert(p.value, V::I(*a));
    }
    let get = |env: &HashMap<Value, V>, v: &Value| *env.get(v).expect("value defined");
    let mut block = Block(0);
    let mut prev: Option<Block> = None;
    for _ in 0..100_000 {
        let insts = &f.blocks[block].insts;
        // Phis read their inputs in parallel.
        let mut phi_vals = Vec::new();
        for inst in insts {
            if let Inst::Phi { dest, inputs } = inst {
                let p = prev.expect("no phi in the entry");
                let (_, v) = inputs.iter().find(|(b, _)| *b == p).expect("phi input");
                phi_vals.push((*dest, get(&env, v)));
            }
        }
        env.extend(phi_vals);
        let mut next = None;
        for inst in insts {
            match inst {
                Inst::Phi { .. } => {}
                Inst::Const { dest, value } => {
                    let v = match value {
                        Constant::Int(i) => V::I(*i),
                        Constant::Bool(b) => V::B(*b),
                        Constant::Void => V::Void,
                        other => panic!("unsupported constant {other:?}"),
                    };
                    env.insert(*dest, v);
                }
                Inst::Binary { dest, op, lhs, rhs } => {
                    let (V::I(a), V::I(b)) = (get(&env, lhs), get(&env, rhs)) else {
                        panic!("binop on non-integers")
                    };
                    let r = match op {
                        BinOp::Add => a.wrapping_add(b),
                        BinOp::Sub => a.wrapping_sub(b),
                        BinOp::Mul => a.wrapping_mul(b),
                        BinOp::Mod => a % b,
                        other => panic!("unsupported binop {other:?}"),
                    };
                    env.insert(*dest, V::I(r));
                }
                Inst::Compare { dest, op, lhs, rhs } => {
                    let (a, b) = (get(&env, lhs), get(&env, rhs));
                    let r = match (op, a, b) {
                        (CmpOp::Eq, a, b) => a == b,
                        (CmpOp::Ne, a, b) => a != b,
                        (CmpOp::Lt, V::I(a), V::I(b)) => a < b,
                        (CmpOp::Le, V::I(a), V::I(b)) => a <= b,
                        (CmpOp::Gt, V::I(a), V::I(b)) => a > b,
                        (CmpOp::Ge, V::I(a), V::I(b)) => a >= b,
                        other => panic!("unsupported compare {other:?}"),
                    };
                    env.insert(*dest, V::B(r));
                }
                Inst::Branch {
                    cond,
                    then_block,
                    else_block,
                } => {
                    let V::B(c) = get(&env, cond) else {
                        panic!("branch on non-Bool")
                    };
                    next = Some(if c { *then_block } else { *else_block });
                }
                Inst::Jump { target } => next = Some(*target),
                Inst::Return { value } => {
                    return value.map(|v| get(&env, &v)).unwrap_or(V::Void);
                }
                other => panic!("unsupported instruction {other:?}"),
            }
        }
        prev = Some(block);
        block = next.expect("block ends with a terminator");
    }
    panic!("step limit")
}
