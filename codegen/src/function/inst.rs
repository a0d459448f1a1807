//! Translating one MIR instruction.

use super::{Cond, FnTranslator, Pair};
use cranelift_codegen::ir::{self, InstBuilder};
use cranelift_module::{Module, ModuleResult};
use mir14_mir::analysis::BackEdges;
use mir14_mir::{Block, BoxClass, Callee, Constant, Inst, TypeOpKind};
use mir14_rt as tags;
use mir14_rt::abi::{self as rtabi, array, calls, control, values};

impl<M: Module> FnTranslator<'_, '_, M> {
    pub(super) fn inst(
        &mut self,
        bid: Block,
        inst: &Inst,
        blocks: &[ir::Block],
        dom: &BackEdges,
    ) -> ModuleResult<()> {
        match inst {
            Inst::Const { dest, value } => {
                let p = self.constant(value, bid);
                self.def(*dest, p);
            }
            Inst::Unary { dest, op, arg } => {
                let a = self.use_(*arg);
                let p = self.unary(*op, a, bid);
                self.def(*dest, p);
            }
            Inst::Binary { dest, op, lhs, rhs } => {
                let a = self.use_(*lhs);
                let c = self.use_(*rhs);
                let p = self.binop(*op, a, c, bid);
                self.def(*dest, p);
            }
            Inst::Compare { dest, op, lhs, rhs } => {
                let a = self.use_(*lhs);
                let c = self.use_(*rhs);
                let p = self.compare(*op, a, c, bid);
                self.def(*dest, p);
            }
            Inst::TypeOp { dest, op, arg } => {
                let a = self.use_(*arg);
                let (kind, ty) = match op {
                    TypeOpKind::Check(t) => (0, rtabi::encode_type(*t)),
                    TypeOpKind::Cast(t) => (1, rtabi::encode_type(*t)),
                    TypeOpKind::TypeOf => (2, 0),
                };
                let k = self.iconst(kind);
                let t = self.iconst(ty);
                let p = self.call_rt_val(values::TYPEOP, &[k, t, a.tag, a.bits], bid);
                self.def(*dest, p);
            }
            Inst::Load { dest, obj, field } => {
                let o = self.use_(*obj);
                let sym = self.iconst(self.symbols.field(field) as i64);
                let p = self.call_rt_val(values::LOAD, &[sym, o.tag, o.bits], bid);
                self.def(*dest, p);
            }
            Inst::Store { obj, field, value } => {
                let o = self.use_(*obj);
                let v = self.use_(*value);
                let sym = self.iconst(self.symbols.field(field) as i64);
                self.call_rt_val(values::STORE, &[sym, o.tag, o.bits, v.tag, v.bits], bid);
            }
            Inst::Branch {
                cond,
                then_block,
                else_block,
            } => {
                let c = self.use_(*cond);
                let is_bool = self.tag_is(c.tag, tags::BOOL);
                if !matches!(is_bool, Cond::True) {
                    let ok = self.b.create_block();
                    let bad = self.b.create_block();
                    match is_bool {
                        Cond::Dyn(x) => {
                            self.b.ins().brif(x, ok, &[], bad, &[]);
                        }
                        _ => {
                            self.b.ins().jump(bad, &[]);
                        }
                    }
                    self.b.switch_to_block(bad);
                    self.call_rt_val(control::BRANCH_FAIL, &[c.tag, c.bits], bid);
                    // mir14_rt_branch_fail always traps; the fall-through is unreachable.
                    self.b.ins().jump(ok, &[]);
                    self.b.switch_to_block(ok);
                }
                // Edges that need phi copies or a fuel check get a block of their own,
                // filled after the branch (the builder fills one block at a time).
                let t = self.edge_target(bid, *then_block, blocks, dom);
                let e = self.edge_target(bid, *else_block, blocks, dom);
                self.b.ins().brif(c.bits, t.0, &[], e.0, &[]);
                for (eb, needs, to) in [(t.0, t.1, *then_block), (e.0, e.1, *else_block)] {
                    if needs {
                        self.b.switch_to_block(eb);
                        let args = self.edge_inline(bid, to, dom);
                        self.b.ins().jump(blocks[to.index()], &args);
                    }
                }
            }
            Inst::Jump { target } => {
                let args = self.edge_inline(bid, *target, dom);
                self.b.ins().jump(blocks[target.index()], &args);
            }
            Inst::Return { value } => {
                let p = match value {
                    Some(v) => self.use_(*v),
                    None => Pair {
                        tag: self.iconst(tags::VOID as i64),
                        bits: self.iconst(0),
                    },
                };
                if self.func.ret_type.is_some() {
                    let fid = self.iconst(self.func_id.index() as i64);
                    self.call_rt_val(control::CHECK_RET, &[fid, p.tag, p.bits], bid);
                }
                self.leave();
                self.b.ins().return_(&[p.tag, p.bits]);
            }
            Inst::Phi { .. } => {
                // Phis are defined by the parallel copies on each incoming edge.
            }
            Inst::NewBox { dest, class, args } => {
                let vals: Vec<Pair> = args.iter().map(|a| self.use_(*a)).collect();
                let p = match class {
                    BoxClass::User(b) => {
                        let bx = self.iconst(b.index() as i64);
                        let inst = self.call_rt_val(values::NEW_USER, &[bx], bid);
                        if let Some(birth) = self.mir.method(*b, "birth") {
                            let mut all = vec![inst];
                            all.extend(vals);
                            self.call_direct(birth, &all, bid);
                        }
                        inst
                    }
                    other => {
                        let code = self.iconst(rtabi::encode_class(*other));
                        let addr = self.spill_args(&vals);
                        let n = self.iconst(vals.len() as i64);
                        self.call_rt_val(values::NEW, &[code, addr, n], bid)
                    }
                };
                self.def(*dest, p);
            }
            Inst::Call {
                callee,
                args,
                tail: true,
                ..
            } => {
                let vals: Vec<Pair> = args.iter().map(|a| self.use_(*a)).collect();
                self.tail_call(bid, callee, &vals);
            }
            Inst::Call {
                dest, callee, args, ..
            }
            | Inst::ExternCall { dest, callee, args } => {
                let vals: Vec<Pair> = args.iter().map(|a| self.use_(*a)).collect();
                let p = match callee {
                    Callee::Global(f) => self.call_direct(*f, &vals, bid),
                    Callee::Method {
                        box_name: Some(b),
                        method,
                        receiver,
                    } => {
                        let r = self.use_(*receiver);
                        match self.static_method(*b, method, r, vals.len(), bid) {
                            Some(m) => {
                                let mut all = vec![r];
                                all.extend(vals);
                                self.call_direct(m, &all, bid)
                            }
                            // The verifier guarantees the method exists.
                            None => r,
                        }
                    }
                    // Builtin ArrayBox methods on a receiver known to be an ArrayBox.
                    Callee::Method {
                        box_name: None,
                        method,
                        receiver,
                    } if self.known_tag(*receiver) == Some(tags::ARRAY)
                        && matches!(
                            (method.as_str(), vals.len()),
                            ("push", 1) | ("get", 1) | ("length", 0)
                        ) =>
                    {
                        let r = self.use_(*receiver);
                        match method.as_str() {
                            // Traps only past the memory limit.
                            "push" => self.call_rt_val(
                                array::ARRAY_PUSH,
                                &[r.bits, vals[0].tag, vals[0].bits],
                                bid,
                            ),
                            "get" => self.call_rt_val(
                                array::ARRAY_GET,
                                &[r.bits, vals[0].tag, vals[0].bits],
                                bid,
                            ),
                            _ => {
                                // Never traps.
                                let x = self.call_rt(array::ARRAY_LENGTH, &[r.bits]);
                                Pair {
                                    tag: x[0],
                                    bits: x[1],
                                }
                            }
                        }
                    }
                    Callee::Method {
                        box_name: None,
                        method,
                        receiver,
                    } => {
                        let r = self.use_(*receiver);
                        let sym = self.iconst(self.symbols.method(method) as i64);
                        let addr = self.spill_args(&vals);
                        let n = self.iconst(vals.len() as i64);
                        self.call_rt_val(calls::CALL_METHOD, &[sym, r.tag, r.bits, addr, n], bid)
                    }
                    Callee::Value(fv) => {
                        let f = self.use_(*fv);
                        let addr = self.spill_args(&vals);
                        let n = self.iconst(vals.len() as i64);
                        self.call_rt_val(calls::CALL_VALUE, &[f.tag, f.bits, addr, n], bid)
                    }
                    Callee::Extern(e) => {
                        let id = self.iconst(rtabi::encode_extern(*e));
                        let addr = self.spill_args(&vals);
                        let n = self.iconst(vals.len() as i64);
                        self.call_rt_val(calls::EXTERN, &[id, addr, n], bid)
                    }
                    Callee::Import(i) => self.import_call(*i, &vals, bid),
                };
                if let Some(d) = dest {
                    self.def(*d, p);
                }
            }
        }
        Ok(())
    }

    pub(super) fn constant(&mut self, c: &Constant, at: Block) -> Pair {
        let (tag, bits) = match c {
            Constant::Int(i) => (tags::INT, *i),
            Constant::Float(x) => (tags::FLOAT, x.get().to_bits() as i64),
            Constant::Bool(b) => (tags::BOOL, *b as i64),
            Constant::Void => (tags::VOID, 0),
            Constant::Func(f) => (tags::FUNC, f.index() as i64),
            Constant::Str(s) => {
                let idx = self.iconst(self.symbols.string(s) as i64);
                return self.call_rt_val(values::CONST_STR, &[idx], at);
            }
        };
        Pair {
            tag: self.iconst(tag as i64),
            bits: self.iconst(bits),
        }
    }
}
