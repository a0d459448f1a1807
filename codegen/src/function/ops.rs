//! Operators: inline fast paths on known or tested tags (Integer, Float, Bool), the runtime
//! otherwise.

use super::{Cond, FnTranslator, Pair};
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{self, types, BlockArg, InstBuilder, MemFlagsData};
use cranelift_frontend::FunctionBuilder;
use cranelift_module::Module;
use mir14_mir::{BinOp, Block, CmpOp, UnaryOp};
use mir14_rt as tags;
use mir14_rt::abi::{self as rtabi, fast, values};

impl<M: Module> FnTranslator<'_, '_, M> {
    /// Emits `if cond { fast } else { rt slow path }`, joining into one result.
    /// A condition known at compile time emits only the path taken.
    pub(super) fn fast_or_slow(
        &mut self,
        cond: Cond,
        fast: impl FnOnce(&mut Self) -> Pair,
        slow: impl FnOnce(&mut Self) -> Pair,
    ) -> Pair {
        let cond = match cond {
            Cond::True => return fast(self),
            Cond::False => return slow(self),
            Cond::Dyn(c) => c,
        };
        let fast_b = self.b.create_block();
        let slow_b = self.b.create_block();
        let join = self.b.create_block();
        let jt = self.b.append_block_param(join, types::I64);
        let jb = self.b.append_block_param(join, types::I64);
        self.b.ins().brif(cond, fast_b, &[], slow_b, &[]);
        self.b.switch_to_block(fast_b);
        let p = fast(self);
        self.b
            .ins()
            .jump(join, &[BlockArg::Value(p.tag), BlockArg::Value(p.bits)]);
        self.b.switch_to_block(slow_b);
        let p = slow(self);
        self.b
            .ins()
            .jump(join, &[BlockArg::Value(p.tag), BlockArg::Value(p.bits)]);
        self.b.switch_to_block(join);
        Pair { tag: jt, bits: jb }
    }

    fn both_tag(&mut self, a: Pair, c: Pair, tag: u64) -> Cond {
        let x = self.tag_is(a.tag, tag);
        let y = self.tag_is(c.tag, tag);
        self.and(x, y)
    }

    pub(super) fn unary(&mut self, op: UnaryOp, a: Pair, at: Block) -> Pair {
        let (tag, f): (u64, fn(&mut FunctionBuilder, ir::Value) -> ir::Value) = match op {
            UnaryOp::Neg => (tags::INT, |b, x| b.ins().ineg(x)),
            UnaryOp::BitNot => (tags::INT, |b, x| b.ins().bnot(x)),
            UnaryOp::Not => (tags::BOOL, |b, x| b.ins().bxor_imm_s(x, 1)),
        };
        let cond = self.tag_is(a.tag, tag);
        self.fast_or_slow(
            cond,
            |s| Pair {
                tag: a.tag,
                bits: f(&mut s.b, a.bits),
            },
            |s| {
                let o = s.iconst(rtabi::encode_unary(op));
                s.call_rt_val(values::UNARY, &[o, a.tag, a.bits], at)
            },
        )
    }

    pub(super) fn binop(&mut self, op: BinOp, a: Pair, c: Pair, at: Block) -> Pair {
        let slow = move |s: &mut Self| {
            let o = s.iconst(rtabi::encode_binop(op));
            s.call_rt_val(values::BINOP, &[o, a.tag, a.bits, c.tag, c.bits], at)
        };
        match op {
            BinOp::And | BinOp::Or => {
                let cond = self.both_tag(a, c, tags::BOOL);
                self.fast_or_slow(
                    cond,
                    |s| {
                        let bits = if op == BinOp::And {
                            s.b.ins().band(a.bits, c.bits)
                        } else {
                            s.b.ins().bor(a.bits, c.bits)
                        };
                        Pair { tag: a.tag, bits }
                    },
                    slow,
                )
            }
            BinOp::Div | BinOp::Mod => {
                // Fast only when both are Integers and the divisor is neither 0 nor -1
                // (the runtime handles the zero trap and MIN / -1).
                let ints = self.both_tag(a, c, tags::INT);
                let ok = match self.const_of(c.bits) {
                    Some(0 | -1) => Cond::False,
                    Some(_) => Cond::True,
                    None if matches!(ints, Cond::False) => Cond::False,
                    None => {
                        let nz = self.b.ins().icmp_imm_s(IntCC::NotEqual, c.bits, 0);
                        let nm1 = self.b.ins().icmp_imm_s(IntCC::NotEqual, c.bits, -1);
                        Cond::Dyn(self.b.ins().band(nz, nm1))
                    }
                };
                let cond = self.and(ints, ok);
                self.fast_or_slow(
                    cond,
                    |s| {
                        let bits = if op == BinOp::Div {
                            s.b.ins().sdiv(a.bits, c.bits)
                        } else {
                            s.b.ins().srem(a.bits, c.bits)
                        };
                        Pair { tag: a.tag, bits }
                    },
                    |s| {
                        if op == BinOp::Div {
                            s.float_binop(op, a, c, slow)
                        } else {
                            slow(s)
                        }
                    },
                )
            }
            BinOp::Add | BinOp::Sub | BinOp::Mul => {
                let ints = self.both_tag(a, c, tags::INT);
                self.fast_or_slow(
                    ints,
                    |s| {
                        let (x, y) = (a.bits, c.bits);
                        let bits = match op {
                            BinOp::Add => s.b.ins().iadd(x, y),
                            BinOp::Sub => s.b.ins().isub(x, y),
                            _ => s.b.ins().imul(x, y),
                        };
                        Pair { tag: a.tag, bits }
                    },
                    |s| s.float_binop(op, a, c, slow),
                )
            }
            _ => {
                let cond = self.both_tag(a, c, tags::INT);
                self.fast_or_slow(
                    cond,
                    |s| {
                        let (x, y) = (a.bits, c.bits);
                        let bits = match op {
                            BinOp::Add => s.b.ins().iadd(x, y),
                            BinOp::Sub => s.b.ins().isub(x, y),
                            BinOp::Mul => s.b.ins().imul(x, y),
                            BinOp::Band => s.b.ins().band(x, y),
                            BinOp::Bor => s.b.ins().bor(x, y),
                            BinOp::Bxor => s.b.ins().bxor(x, y),
                            BinOp::Shl => s.b.ins().ishl(x, y),
                            _ => s.b.ins().sshr(x, y),
                        };
                        Pair { tag: a.tag, bits }
                    },
                    slow,
                )
            }
        }
    }

    /// Float × Float arithmetic inline (`add sub mul div`), else `slow`.
    fn float_binop(
        &mut self,
        op: BinOp,
        a: Pair,
        c: Pair,
        slow: impl FnOnce(&mut Self) -> Pair,
    ) -> Pair {
        let floats = self.both_tag(a, c, tags::FLOAT);
        self.fast_or_slow(
            floats,
            |s| {
                let fx = s.b.ins().bitcast(types::F64, MemFlagsData::new(), a.bits);
                let fy = s.b.ins().bitcast(types::F64, MemFlagsData::new(), c.bits);
                let r = match op {
                    BinOp::Add => s.b.ins().fadd(fx, fy),
                    BinOp::Sub => s.b.ins().fsub(fx, fy),
                    BinOp::Mul => s.b.ins().fmul(fx, fy),
                    _ => s.b.ins().fdiv(fx, fy),
                };
                let bits = s.b.ins().bitcast(types::I64, MemFlagsData::new(), r);
                Pair { tag: a.tag, bits }
            },
            slow,
        )
    }

    pub(super) fn compare(&mut self, op: CmpOp, a: Pair, c: Pair, at: Block) -> Pair {
        let ints = self.both_tag(a, c, tags::INT);
        let int_cc = match op {
            CmpOp::Eq => IntCC::Equal,
            CmpOp::Ne => IntCC::NotEqual,
            CmpOp::Lt => IntCC::SignedLessThan,
            CmpOp::Le => IntCC::SignedLessThanOrEqual,
            CmpOp::Gt => IntCC::SignedGreaterThan,
            CmpOp::Ge => IntCC::SignedGreaterThanOrEqual,
        };
        let float_cc = match op {
            CmpOp::Eq => FloatCC::Equal,
            CmpOp::Ne => FloatCC::NotEqual,
            CmpOp::Lt => FloatCC::LessThan,
            CmpOp::Le => FloatCC::LessThanOrEqual,
            CmpOp::Gt => FloatCC::GreaterThan,
            CmpOp::Ge => FloatCC::GreaterThanOrEqual,
        };
        self.fast_or_slow(
            ints,
            |s| {
                let r = s.b.ins().icmp(int_cc, a.bits, c.bits);
                let bits = s.b.ins().uextend(types::I64, r);
                Pair {
                    tag: s.iconst(tags::BOOL as i64),
                    bits,
                }
            },
            |s| {
                // Float × Float inline (IEEE: NaN is unordered, so only `ne` holds), else the runtime.
                let floats = s.both_tag(a, c, tags::FLOAT);
                s.fast_or_slow(
                    floats,
                    |s| {
                        let fx = s.b.ins().bitcast(types::F64, MemFlagsData::new(), a.bits);
                        let fy = s.b.ins().bitcast(types::F64, MemFlagsData::new(), c.bits);
                        let r = s.b.ins().fcmp(float_cc, fx, fy);
                        let bits = s.b.ins().uextend(types::I64, r);
                        Pair {
                            tag: s.iconst(tags::BOOL as i64),
                            bits,
                        }
                    },
                    |s| {
                        let strs = s.both_tag(a, c, tags::STR);
                        s.fast_or_slow(
                            strs,
                            |s| s.str_compare(op, a, c),
                            |s| {
                                let o = s.iconst(rtabi::encode_cmp(op));
                                s.call_rt_val(
                                    values::COMPARE,
                                    &[o, a.tag, a.bits, c.tag, c.bits],
                                    at,
                                )
                            },
                        )
                    },
                )
            },
        )
    }

    /// `compare op` of two Strings (never traps): by bytes. Two one-byte Strings (the
    /// characters of scan loops) are compared inline; otherwise the same object is equal to
    /// itself, and the runtime compares the bytes.
    fn str_compare(&mut self, op: CmpOp, a: Pair, c: Pair) -> Pair {
        let f = MemFlagsData::trusted();
        let la = self
            .b
            .ins()
            .load(types::I64, f, a.bits, tags::STR_LEN_OFFSET);
        let lc = self
            .b
            .ins()
            .load(types::I64, f, c.bits, tags::STR_LEN_OFFSET);
        let a1 = self.b.ins().icmp_imm_s(IntCC::Equal, la, 1);
        let c1 = self.b.ins().icmp_imm_s(IntCC::Equal, lc, 1);
        let ones = self.b.ins().band(a1, c1);
        let r = self.fast_or_slow(
            Cond::Dyn(ones),
            |s| {
                let pa = s.b.ins().load(types::I64, f, a.bits, tags::STR_PTR_OFFSET);
                let pc = s.b.ins().load(types::I64, f, c.bits, tags::STR_PTR_OFFSET);
                let x = s.b.ins().uload8(types::I64, f, pa, 0);
                let y = s.b.ins().uload8(types::I64, f, pc, 0);
                let cc = match op {
                    CmpOp::Eq => IntCC::Equal,
                    CmpOp::Ne => IntCC::NotEqual,
                    CmpOp::Lt => IntCC::UnsignedLessThan,
                    CmpOp::Le => IntCC::UnsignedLessThanOrEqual,
                    CmpOp::Gt => IntCC::UnsignedGreaterThan,
                    CmpOp::Ge => IntCC::UnsignedGreaterThanOrEqual,
                };
                let r = s.b.ins().icmp(cc, x, y);
                Pair {
                    tag: a.tag,
                    bits: s.b.ins().uextend(types::I64, r),
                }
            },
            |s| {
                let bits = match op {
                    CmpOp::Eq | CmpOp::Ne => {
                        // Different lengths: never equal, no call.
                        let same_len = s.b.ins().icmp(IntCC::Equal, la, lc);
                        let eq = s.fast_or_slow(
                            Cond::Dyn(same_len),
                            |s| {
                                let x = s.call_rt(fast::STR_EQ, &[a.bits, c.bits]);
                                Pair {
                                    tag: a.tag,
                                    bits: x[0],
                                }
                            },
                            |s| Pair {
                                tag: a.tag,
                                bits: s.iconst(0),
                            },
                        );
                        if op == CmpOp::Eq {
                            eq.bits
                        } else {
                            s.b.ins().bxor_imm_s(eq.bits, 1)
                        }
                    }
                    _ => {
                        // 0 less, 1 equal, 2 greater.
                        let o = s.call_rt(fast::STR_CMP, &[a.bits, c.bits])[0];
                        let cc = match op {
                            CmpOp::Lt => IntCC::UnsignedLessThan,
                            CmpOp::Le => IntCC::UnsignedLessThanOrEqual,
                            CmpOp::Gt => IntCC::UnsignedGreaterThan,
                            _ => IntCC::UnsignedGreaterThanOrEqual,
                        };
                        let r = s.b.ins().icmp_imm_s(cc, o, 1);
                        s.b.ins().uextend(types::I64, r)
                    }
                };
                Pair { tag: a.tag, bits }
            },
        );
        Pair {
            tag: self.iconst(tags::BOOL as i64),
            bits: r.bits,
        }
    }
}
