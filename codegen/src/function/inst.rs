//! Translating one MIR instruction.

use super::{Cond, FnTranslator, Pair};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{self, InstBuilder};
use cranelift_codegen::ir::{types, BlockArg, MemFlagsData};
use cranelift_module::{Module, ModuleResult};
use mir14_mir::analysis::BackEdges;
use mir14_mir::infer::Ty;
use mir14_mir::{BinOp, Block, BoxClass, BoxId, Callee, Constant, FuncId, Inst, TypeOpKind, Value};
use mir14_rt as tags;
use mir14_rt::abi::{self as rtabi, array, calls, control, fast, values};

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
                let in_place = match op {
                    BinOp::Add => self.append_in_place(*dest, *lhs, *rhs, bid),
                    _ => None,
                };
                let p = match in_place {
                    Some(init) => {
                        let k = self.constant(&Constant::Str(init), bid);
                        self.call_rt_val(fast::STR_APPEND_IN_PLACE, &[a.bits, c.bits, k.bits], bid)
                    }
                    None => self.binop(*op, a, c, bid),
                };
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
                let site = self.field_site(*obj, field);
                let p = match site {
                    // The box's layout is static: the field is at a slot fixed now.
                    Some((bx, slot)) => {
                        let cond = self.user_box_is(o, bx, *obj);
                        self.fast_or_slow(
                            cond,
                            |s| s.field_load(o, slot),
                            |s| s.load_slow(o, field, bid),
                        )
                    }
                    None => self.load_slow(o, field, bid),
                };
                self.def(*dest, p);
            }
            Inst::Store { obj, field, value } => {
                let o = self.use_(*obj);
                let v = self.use_(*value);
                match self.field_site(*obj, field) {
                    Some((bx, slot)) => {
                        let cond = self.user_box_is(o, bx, *obj);
                        self.fast_or_slow(
                            cond,
                            |s| {
                                s.field_store(o, slot, v);
                                v
                            },
                            |s| s.store_slow(o, field, v, bid),
                        );
                    }
                    None => {
                        self.store_slow(o, field, v, bid);
                    }
                }
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
                        let dest = self.edge_dest(bid, to, blocks);
                        self.b.ins().jump(dest, &args);
                    }
                }
            }
            Inst::Jump { target } => {
                let args = self.edge_inline(bid, *target, dom);
                let dest = self.edge_dest(bid, *target, blocks);
                self.b.ins().jump(dest, &args);
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
                            self.publish_new_box(bid, self.cur_inst as usize, *dest, inst);
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
                    // The receiver test inline (a user box of box `b`) when the method exists
                    // with this arity; the runtime's check (which traps) otherwise.
                    Callee::Method {
                        box_name: Some(b),
                        method,
                        receiver,
                    } if self
                        .mir
                        .method(*b, method)
                        .is_some_and(|f| self.mir.functions[f].params.len() == vals.len() + 1) =>
                    {
                        let r = self.use_(*receiver);
                        let f = self.mir.method(*b, method).expect("checked");
                        let mut all = vec![r];
                        all.extend_from_slice(&vals);
                        let cond = self.user_box_is(r, *b, *receiver);
                        self.fast_or_slow(
                            cond,
                            |s| s.call_direct(f, &all, bid),
                            |s| {
                                s.static_method(*b, method, r, vals.len(), bid);
                                s.call_direct(f, &all, bid)
                            },
                        )
                    }
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
                    Callee::Method {
                        box_name: None,
                        method,
                        receiver,
                    } => self.dynamic_method(*receiver, method, &vals, bid),
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

    /// The box and slot a `load`/`store` of `field` on `obj` reaches when `obj` is a user box
    /// that has the field: the inferred box, else the only box that declares a field of that
    /// name. `None`: the runtime resolves it (and traps when it must).
    fn field_site(&self, obj: Value, field: &str) -> Option<(BoxId, usize)> {
        let slot_in = |b: BoxId| self.mir.boxes[b].fields.iter().position(|f| f == field);
        if let Some(Ty::User(b)) = self.types.map(|t| t.ty(obj)) {
            return slot_in(b).map(|s| (b, s));
        }
        if self.known_tag(obj).is_some() {
            // Known not to be a user box: the runtime traps.
            return None;
        }
        let mut found = self.mir.boxes.keys().filter_map(|b| Some((b, slot_in(b)?)));
        let first = found.next()?;
        found.next().is_none().then_some(first)
    }

    /// Whether `o` (the MIR value `v`) is an instance of user box `bx`: known from inference,
    /// or its tag and then its box index tested (the index is read only from a user box).
    fn user_box_is(&mut self, o: Pair, bx: BoxId, v: Value) -> Cond {
        if self.types.map(|t| t.ty(v)) == Some(Ty::User(bx)) {
            return Cond::True;
        }
        let is_user = match self.tag_is(o.tag, tags::USER) {
            Cond::False => return Cond::False,
            Cond::True => None,
            Cond::Dyn(c) => Some(c),
        };
        let check = self.b.create_block();
        let done = self.b.create_block();
        let r = self.b.append_block_param(done, types::I8);
        match is_user {
            Some(c) => {
                let no = self.b.ins().iconst(types::I8, 0);
                self.b
                    .ins()
                    .brif(c, check, &[], done, &[BlockArg::Value(no)]);
            }
            None => {
                self.b.ins().jump(check, &[]);
            }
        }
        self.b.switch_to_block(check);
        let id = self
            .b
            .ins()
            .uload32(MemFlagsData::trusted(), o.bits, tags::USER_BOX_OFFSET);
        let same = self.b.ins().icmp_imm_s(IntCC::Equal, id, bx.index() as i64);
        self.b.ins().jump(done, &[BlockArg::Value(same)]);
        self.b.switch_to_block(done);
        Cond::Dyn(r)
    }

    /// The address of field slot `slot` of the user box instance `o`.
    fn field_addr(&mut self, o: Pair, slot: usize) -> ir::Value {
        let data = self.b.ins().load(
            types::I64,
            MemFlagsData::trusted(),
            o.bits,
            tags::USER_FIELDS_OFFSET,
        );
        self.b.ins().iadd_imm_s(data, (slot * 16) as i64)
    }

    /// Reads field slot `slot` of the user box instance `o` inline.
    fn field_load(&mut self, o: Pair, slot: usize) -> Pair {
        let addr = self.field_addr(o, slot);
        let f = MemFlagsData::trusted();
        let tag = self.b.ins().load(types::I64, f, addr, 0);
        let bits = self.b.ins().load(types::I64, f, addr, 8);
        Pair { tag, bits }
    }

    /// Writes `v` into field slot `slot` of the user box instance `o` inline (the collector
    /// does not move objects and needs no write barrier).
    fn field_store(&mut self, o: Pair, slot: usize, v: Pair) {
        let addr = self.field_addr(o, slot);
        let f = MemFlagsData::trusted();
        self.b.ins().store(f, v.tag, addr, 0);
        self.b.ins().store(f, v.bits, addr, 8);
    }

    /// `load %o.field` through the runtime (which resolves the slot or traps).
    fn load_slow(&mut self, o: Pair, field: &str, at: Block) -> Pair {
        let sym = self.iconst(self.symbols.field(field) as i64);
        self.call_rt_val(values::LOAD, &[sym, o.tag, o.bits], at)
    }

    /// `store %o.field = v` through the runtime; returns `v`.
    fn store_slow(&mut self, o: Pair, field: &str, v: Pair, at: Block) -> Pair {
        let sym = self.iconst(self.symbols.field(field) as i64);
        self.call_rt_val(values::STORE, &[sym, o.tag, o.bits, v.tag, v.bits], at);
        v
    }

    /// A dynamic method call `call %r.method(args)`: a direct call of `@B.method` for each box
    /// `B` (the inferred one, or up to four that define the method with this arity) after an
    /// inline test of the receiver's box; the String and ArrayBox builtins the runtime has fast
    /// paths for after a tag test; else the generic runtime call.
    fn dynamic_method(&mut self, recv: Value, method: &str, vals: &[Pair], at: Block) -> Pair {
        let r = self.use_(recv);
        let nargs = vals.len();
        let arity_ok = |f: FuncId| self.mir.functions[f].params.len() == nargs + 1;
        let users: Vec<(BoxId, FuncId)> = match self.types.map(|t| t.ty(recv)) {
            Some(Ty::User(b)) => self
                .mir
                .method(b, method)
                .filter(|f| arity_ok(*f))
                .map(|f| (b, f))
                .into_iter()
                .collect(),
            _ if self.known_tag(recv).is_some() => Vec::new(),
            _ => self
                .mir
                .boxes
                .keys()
                .filter_map(|b| Some((b, self.mir.method(b, method)?)))
                .collect(),
        };
        // A user method of the wrong arity must trap: the runtime does that.
        let users = if users.len() <= 4 && users.iter().all(|(_, f)| arity_ok(*f)) {
            users
        } else {
            Vec::new()
        };
        let join = self.b.create_block();
        let jt = self.b.append_block_param(join, types::I64);
        let jb = self.b.append_block_param(join, types::I64);
        for (bx, f) in users {
            let cond = self.user_box_is(r, bx, recv);
            let mut all = vec![r];
            all.extend_from_slice(vals);
            match cond {
                Cond::True => {
                    let p = self.call_direct(f, &all, at);
                    self.b
                        .ins()
                        .jump(join, &[BlockArg::Value(p.tag), BlockArg::Value(p.bits)]);
                    self.b.switch_to_block(join);
                    return Pair { tag: jt, bits: jb };
                }
                Cond::False => {}
                Cond::Dyn(c) => {
                    let yes = self.b.create_block();
                    let no = self.b.create_block();
                    self.b.ins().brif(c, yes, &[], no, &[]);
                    self.b.switch_to_block(yes);
                    let p = self.call_direct(f, &all, at);
                    self.b
                        .ins()
                        .jump(join, &[BlockArg::Value(p.tag), BlockArg::Value(p.bits)]);
                    self.b.switch_to_block(no);
                }
            }
        }
        let p = self.builtin_method(r, method, vals, at);
        self.b
            .ins()
            .jump(join, &[BlockArg::Value(p.tag), BlockArg::Value(p.bits)]);
        self.b.switch_to_block(join);
        Pair { tag: jt, bits: jb }
    }

    /// A method call on a receiver that is not a user box with that method: the runtime's
    /// String and ArrayBox fast paths after a tag test, else the generic call.
    fn builtin_method(&mut self, r: Pair, method: &str, vals: &[Pair], at: Block) -> Pair {
        let kind = match (method, vals.len()) {
            ("charAt", 1) | ("length", 0) | ("substring", 2) | ("substringClamped", 2) => tags::STR,
            ("push", 1) | ("get", 1) => tags::ARRAY,
            _ => 0,
        };
        let generic = |s: &mut Self| {
            let sym = s.iconst(s.symbols.method(method) as i64);
            let addr = s.spill_args(vals);
            let n = s.iconst(vals.len() as i64);
            s.call_rt_val(calls::CALL_METHOD, &[sym, r.tag, r.bits, addr, n], at)
        };
        if kind == 0 {
            return generic(self);
        }
        if method == "length" {
            // `length` of a String, else of an ArrayBox, else generic. Neither traps.
            let is_str = self.tag_is(r.tag, tags::STR);
            return self.fast_or_slow(
                is_str,
                |s| {
                    let x = s.call_rt(fast::STR_LENGTH, &[r.bits]);
                    Pair {
                        tag: x[0],
                        bits: x[1],
                    }
                },
                |s| {
                    let is_array = s.tag_is(r.tag, tags::ARRAY);
                    s.fast_or_slow(
                        is_array,
                        |s| {
                            let x = s.call_rt(array::ARRAY_LENGTH, &[r.bits]);
                            Pair {
                                tag: x[0],
                                bits: x[1],
                            }
                        },
                        generic,
                    )
                },
            );
        }
        let cond = self.tag_is(r.tag, kind);
        self.fast_or_slow(
            cond,
            |s| match method {
                "charAt" => s.char_at(r, vals[0], at),
                "substring" => s.call_rt_val(
                    fast::STR_SUBSTRING,
                    &[r.bits, vals[0].tag, vals[0].bits, vals[1].tag, vals[1].bits],
                    at,
                ),
                "substringClamped" => s.call_rt_val(
                    fast::STR_SUBSTRING_CLAMPED,
                    &[r.bits, vals[0].tag, vals[0].bits, vals[1].tag, vals[1].bits],
                    at,
                ),
                // Traps only past the memory limit.
                "push" => {
                    s.call_rt_val(array::ARRAY_PUSH, &[r.bits, vals[0].tag, vals[0].bits], at)
                }
                _ => s.call_rt_val(array::ARRAY_GET, &[r.bits, vals[0].tag, vals[0].bits], at),
            },
            generic,
        )
    }

    /// `call %s.charAt(%i)` on a String `s`, with `%i` an in-range Integer: inline when `s`
    /// is ASCII, and when it is not but its scalar-value index is built and the sample
    /// interval holding `%i` is ASCII (the character is then a byte); the shared
    /// one-character String comes from the context's table. Otherwise the runtime.
    fn char_at(&mut self, s: Pair, i: Pair, at: Block) -> Pair {
        let f = MemFlagsData::trusted();
        let slow =
            move |t: &mut Self| t.call_rt_val(fast::STR_CHAR_AT, &[s.bits, i.tag, i.bits], at);
        let is_int = self.tag_is(i.tag, tags::INT);
        self.fast_or_slow(
            is_int,
            |t| {
                let ascii =
                    t.b.ins()
                        .uload8(types::I64, f, s.bits, tags::STR_ASCII_OFFSET);
                let is_ascii = t.b.ins().icmp_imm_s(IntCC::NotEqual, ascii, 0);
                t.fast_or_slow(
                    Cond::Dyn(is_ascii),
                    |t| {
                        let len = t.b.ins().load(types::I64, f, s.bits, tags::STR_LEN_OFFSET);
                        let inside = t.b.ins().icmp(IntCC::UnsignedLessThan, i.bits, len);
                        t.fast_or_slow(Cond::Dyn(inside), |t| t.ascii_char(s, i.bits), slow)
                    },
                    |t| t.indexed_char(s, i.bits, slow),
                )
            },
            slow,
        )
    }

    /// The one-character String of the ASCII byte at byte offset `b` of String `s`.
    fn ascii_char(&mut self, s: Pair, b: ir::Value) -> Pair {
        let f = MemFlagsData::trusted();
        let ptr = self
            .b
            .ins()
            .load(types::I64, f, s.bits, tags::STR_PTR_OFFSET);
        let addr = self.b.ins().iadd(ptr, b);
        let byte = self.b.ins().uload8(types::I64, f, addr, 0);
        let cx = self.ctx();
        let table = self.b.ins().load(types::I64, f, cx, rtabi::CTX_CHARS);
        let off = self.b.ins().ishl_imm_s(byte, 4);
        let entry = self.b.ins().iadd(table, off);
        let bits = self.b.ins().load(types::I64, f, entry, 8);
        Pair {
            tag: self.iconst(tags::STR as i64),
            bits,
        }
    }

    /// `charAt(i)` of a non-ASCII String `s` through its scalar-value index, when the index is
    /// built, `i` is in range and the sample interval of `i` is ASCII; else `slow`.
    fn indexed_char(
        &mut self,
        s: Pair,
        i: ir::Value,
        slow: impl Fn(&mut Self) -> Pair + Copy,
    ) -> Pair {
        let f = MemFlagsData::trusted();
        // Inline text (base 0) holds no index address.
        let base = self
            .b
            .ins()
            .load(types::I64, f, s.bits, tags::STR_BASE_OFFSET);
        let idx = self
            .b
            .ins()
            .load(types::I64, f, s.bits, tags::STR_INLINE_OFFSET);
        let has_base = self.b.ins().icmp_imm_s(IntCC::NotEqual, base, 0);
        let has_idx = self.b.ins().icmp_imm_s(IntCC::NotEqual, idx, 0);
        let built = self.b.ins().band(has_base, has_idx);
        self.fast_or_slow(
            Cond::Dyn(built),
            |t| {
                let chars =
                    t.b.ins()
                        .load(types::I64, f, idx, tags::CHAR_INDEX_CHARS_OFFSET);
                let count =
                    t.b.ins()
                        .load(types::I64, f, idx, tags::CHAR_INDEX_COUNT_OFFSET);
                let k =
                    t.b.ins()
                        .ushr_imm_s(i, tags::SAMPLE.trailing_zeros() as i64);
                let k1 = t.b.ins().iadd_imm_s(k, 1);
                let in_chars = t.b.ins().icmp(IntCC::UnsignedLessThan, i, chars);
                let in_samples = t.b.ins().icmp(IntCC::UnsignedLessThan, k1, count);
                let ok = t.b.ins().band(in_chars, in_samples);
                t.fast_or_slow(
                    Cond::Dyn(ok),
                    |t| {
                        let first =
                            t.b.ins()
                                .load(types::I64, f, idx, tags::CHAR_INDEX_FIRST_OFFSET);
                        let off = t.b.ins().ishl_imm_s(k, 3);
                        let at_k = t.b.ins().iadd(first, off);
                        let b0 = t.b.ins().load(types::I64, f, at_k, 0);
                        let b1 = t.b.ins().load(types::I64, f, at_k, 8);
                        let width = t.b.ins().isub(b1, b0);
                        let plain =
                            t.b.ins()
                                .icmp_imm_s(IntCC::Equal, width, tags::SAMPLE as i64);
                        t.fast_or_slow(
                            Cond::Dyn(plain),
                            |t| {
                                let within = t.b.ins().band_imm_s(i, tags::SAMPLE as i64 - 1);
                                let b = t.b.ins().iadd(b0, within);
                                t.ascii_char(s, b)
                            },
                            slow,
                        )
                    },
                    slow,
                )
            },
            slow,
        )
    }

    pub(super) fn constant(&mut self, c: &Constant, at: Block) -> Pair {
        let (tag, bits) = match c {
            Constant::Int(i) => (tags::INT, *i),
            Constant::Float(x) => (tags::FLOAT, x.get().to_bits() as i64),
            Constant::Bool(b) => (tags::BOOL, *b as i64),
            Constant::Void => (tags::VOID, 0),
            Constant::Func(f) => (tags::FUNC, f.index() as i64),
            Constant::Str(s) => {
                // The run's String object of constant `idx`, read from the context's table.
                let _ = at;
                let idx = self.symbols.string(s) as i64;
                let f = MemFlagsData::trusted();
                let cx = self.ctx();
                let table = self.b.ins().load(types::I64, f, cx, rtabi::CTX_STRINGS);
                let bits = self
                    .b
                    .ins()
                    .load(types::I64, f, table, (idx * 16 + 8) as i32);
                return Pair {
                    tag: self.iconst(tags::STR as i64),
                    bits,
                };
            }
        };
        Pair {
            tag: self.iconst(tag as i64),
            bits: self.iconst(bits),
        }
    }
}
