//! Calls of imported functions (spec §Imports).
//!
//! A C import is called directly, by its symbol (declared once per module in
//! [`crate::imports::RuntimeImports::declare_c_imports`]): the arguments are spilled to the
//! argument slot, `mir14_rt_ffi_args` checks their types and replaces each one's bits by its
//! raw C word in place (traps propagate), the words are loaded back with the C types (`double`
//! bit-cast, `bool` as an `i8`) and passed to the C function, and `mir14_rt_ffi_result` turns
//! its raw result into a value. A host import is one call of `mir14_rt_call_host`.

use super::{FnTranslator, Pair};
use cranelift_codegen::ir::{self, types, AbiParam, InstBuilder, MemFlagsData, Signature};
use cranelift_module::Module;
use mir14_mir::{Block, FfiType, ImportId, ImportKind};
use mir14_rt::abi::ffi;

/// The Cranelift type of a boundary type at the C level (`None` for `Void`).
fn c_type(t: FfiType, ptr: ir::Type) -> Option<ir::Type> {
    match t {
        FfiType::Integer => Some(types::I64),
        FfiType::Float => Some(types::F64),
        FfiType::Bool => Some(types::I8),
        FfiType::String => Some(ptr),
        FfiType::Void => None,
    }
}

/// The C signature of an import in `module`'s calling convention (`bool` zero-extended, as C
/// compilers expect).
pub(crate) fn c_signature<M: Module>(module: &M, params: &[FfiType], ret: FfiType) -> Signature {
    let ptr = module.target_config().pointer_type();
    let mut sig = module.make_signature();
    let param = |t: FfiType| {
        let ty = c_type(t, ptr).unwrap_or(types::I64);
        if t == FfiType::Bool {
            AbiParam::new(ty).uext()
        } else {
            AbiParam::new(ty)
        }
    };
    sig.params.extend(params.iter().map(|t| param(*t)));
    if ret != FfiType::Void {
        sig.returns.push(param(ret));
    }
    sig
}

impl<M: Module> FnTranslator<'_, '_, M> {
    /// `extern c.NAME(args)` / `extern host.NAME(args)`: the call of import `i`.
    pub(super) fn import_call(&mut self, i: ImportId, vals: &[Pair], at: Block) -> Pair {
        let idx = self.iconst(i.index() as i64);
        let addr = self.spill_args(vals);
        let n = self.iconst(vals.len() as i64);
        let Some(decl) = self.mir.imports.get(i) else {
            // The verifier rejects calls of undeclared imports.
            return self.call_rt_val(ffi::CALL_HOST, &[idx, addr, n], at);
        };
        let (params, ret) = (decl.params.clone(), decl.ret);
        let cid = match (decl.kind, self.imports.c_import(i)) {
            (ImportKind::C, Some(cid)) => cid,
            _ => return self.call_rt_val(ffi::CALL_HOST, &[idx, addr, n], at),
        };
        // Check the argument types; the slot now holds the raw C words.
        self.call_rt_val(ffi::FFI_ARGS, &[idx, addr, n], at);
        let mut words = Vec::with_capacity(params.len());
        for (k, t) in params.iter().enumerate() {
            let w = self.b.ins().load(
                types::I64,
                MemFlagsData::trusted(),
                addr,
                (k * 16 + 8) as i32,
            );
            let w = match t {
                FfiType::Float => self.b.ins().bitcast(types::F64, MemFlagsData::new(), w),
                FfiType::Bool => self.b.ins().ireduce(types::I8, w),
                FfiType::String if self.ptr != types::I64 => self.b.ins().ireduce(self.ptr, w),
                _ => w,
            };
            words.push(w);
        }
        let fref = self.module.declare_func_in_func(cid, self.b.func);
        let call = self.b.ins().call(fref, &words);
        let raw = match ret {
            FfiType::Void => self.iconst(0),
            _ => {
                let r = self.b.inst_results(call)[0];
                match ret {
                    FfiType::Float => self.b.ins().bitcast(types::I64, MemFlagsData::new(), r),
                    FfiType::Bool => self.b.ins().uextend(types::I64, r),
                    FfiType::String if self.ptr != types::I64 => {
                        self.b.ins().uextend(types::I64, r)
                    }
                    _ => r,
                }
            }
        };
        self.call_rt_val(ffi::FFI_RESULT, &[idx, raw], at)
    }
}
