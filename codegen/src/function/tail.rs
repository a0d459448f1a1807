//! Guaranteed tail calls (spec §5): `tail call` ends the activation and enters the callee in its
//! place. A callee known at translation time (a global, a static method) is entered with
//! `return_call`; a dynamic callee (a method found on the receiver, a function value, a user
//! box's `apply`) is resolved by the runtime, which either runs a builtin and hands back its
//! result, or names the MIR function to enter, which is then entered with
//! `return_call_indirect` through the module's table of direct entries. Either way the native
//! stack and the call depth stay as they were.

use super::{FnTranslator, Pair};
use crate::module::tagged_signature;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{self, types, InstBuilder, MemFlagsData};
use cranelift_module::Module;
use mir14_mir::{Block, Callee, FuncId};
use mir14_rt::abi::{self as rtabi, calls, control, TAIL_CALL, TAIL_RECEIVER};

impl<M: Module> FnTranslator<'_, '_, M> {
    /// Ends the activation: the depth counter goes down by the function's depth units, and a
    /// profiled run leaves the function (before a return or a tail call).
    pub(super) fn leave(&mut self) {
        self.unlink_roots();
        let cx = self.ctx();
        let d = self
            .b
            .ins()
            .load(types::I64, MemFlagsData::trusted(), cx, rtabi::CTX_DEPTH);
        let d1 = self
            .b
            .ins()
            .iadd_imm_s(d, -(self.func.depth_units() as i64));
        self.b
            .ins()
            .store(MemFlagsData::trusted(), d1, cx, rtabi::CTX_DEPTH);
        if self.opts.profile {
            self.call_rt(control::PROF_LEAVE, &[]);
        }
    }

    /// `tail call callee(vals)` in MIR block `at`; terminates the current Cranelift block.
    pub(super) fn tail_call(&mut self, at: Block, callee: &Callee, vals: &[Pair]) {
        match callee {
            Callee::Global(f) => self.return_call_direct(*f, vals),
            Callee::Method {
                box_name: Some(b),
                method,
                receiver,
            } => {
                let r = self.use_(*receiver);
                match self.static_method(*b, method, r, vals.len(), at) {
                    Some(m) => {
                        let mut all = vec![r];
                        all.extend_from_slice(vals);
                        self.return_call_direct(m, &all);
                    }
                    // The verifier guarantees the method exists; stay well-formed anyway.
                    None => self.return_value(r),
                }
            }
            Callee::Method {
                box_name: None,
                method,
                receiver,
            } => {
                let r = self.use_(*receiver);
                let sym = self.iconst(self.symbols.method(method) as i64);
                let addr = self.spill_args(vals);
                let n = self.iconst(vals.len() as i64);
                let res = self.call_rt_val(calls::TAIL_METHOD, &[sym, r.tag, r.bits, addr, n], at);
                self.dispatch_tail(res, r, vals, false);
            }
            Callee::Value(fv) => {
                let f = self.use_(*fv);
                let addr = self.spill_args(vals);
                let n = self.iconst(vals.len() as i64);
                let res = self.call_rt_val(calls::TAIL_VALUE, &[f.tag, f.bits, addr, n], at);
                self.dispatch_tail(res, f, vals, true);
            }
            // The verifier rejects externs and imports in calls; stay well-formed anyway.
            Callee::Extern(_) | Callee::Import(_) => {
                self.unlink_roots();
                let t = self.iconst(rtabi::TRAP as i64);
                let z = self.iconst(0);
                self.b.ins().return_(&[t, z]);
            }
        }
    }

    /// Leaves and returns `p` (the result of a builtin method or operator reached by a tail
    /// call).
    fn return_value(&mut self, p: Pair) {
        self.leave();
        self.b.ins().return_(&[p.tag, p.bits]);
    }

    /// Leaves and enters MIR function `f` with `args` in place of this activation.
    fn return_call_direct(&mut self, f: FuncId, args: &[Pair]) {
        let (fref, all) = self.direct_entry_args(f, args);
        self.leave();
        self.b.ins().return_call(fref, &all);
    }

    /// After the runtime resolved a dynamic tail call into `res`: a `TAIL_CALL` result names the
    /// function to enter (with `recv` first when its receiver bit is set), any other result is
    /// the value to return. `maybe_plain` says whether the function may be entered without the
    /// receiver (value calls of FunctionBoxes; method calls always pass it).
    fn dispatch_tail(&mut self, res: Pair, recv: Pair, vals: &[Pair], maybe_plain: bool) {
        let is_call = self
            .b
            .ins()
            .icmp_imm_s(IntCC::Equal, res.tag, TAIL_CALL as i64);
        let call_blk = self.b.create_block();
        let value_blk = self.b.create_block();
        self.b.ins().brif(is_call, call_blk, &[], value_blk, &[]);
        self.b.switch_to_block(value_blk);
        self.return_value(res);

        self.b.switch_to_block(call_blk);
        let index = self.b.ins().band_imm_s(res.bits, 0xffff_ffff);
        let width = self.module.target_config().pointer_bytes() as i64;
        let off = self.b.ins().imul_imm_s(index, width);
        let table = self
            .tail_table
            .expect("a module with dynamic tail calls has a tail table");
        let gv = self.module.declare_data_in_func(table, self.b.func);
        let base = self.b.ins().symbol_value(self.ptr, gv);
        let slot = self.b.ins().iadd(base, off);
        let target = self
            .b
            .ins()
            .load(self.ptr, MemFlagsData::trusted().with_readonly(), slot, 0);
        let with_recv = self.b.create_block();
        if maybe_plain {
            let bit = self.b.ins().band_imm_s(res.bits, TAIL_RECEIVER as i64);
            let plain = self.b.create_block();
            self.b.ins().brif(bit, with_recv, &[], plain, &[]);
            self.b.switch_to_block(plain);
            self.return_call_indirect(target, None, vals);
        } else {
            self.b.ins().jump(with_recv, &[]);
        }
        self.b.switch_to_block(with_recv);
        self.return_call_indirect(target, Some(recv), vals);
    }

    /// Leaves and enters the direct entry at `target` with `pre` (if any) and `vals`, every
    /// parameter tagged.
    fn return_call_indirect(&mut self, target: ir::Value, pre: Option<Pair>, vals: &[Pair]) {
        let n = vals.len() + pre.is_some() as usize;
        let sig = tagged_signature(&*self.module, n);
        let sig_ref = self.b.import_signature(sig);
        let args: Vec<Pair> = pre.iter().chain(vals).copied().collect();
        let all = self.native_args(&[], &args);
        self.leave();
        self.b.ins().return_call_indirect(sig_ref, target, &all);
    }
}
