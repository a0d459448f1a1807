//! Compiling a translated function apart from its module: [`compile_function`] runs
//! Cranelift's code generation (e-graph optimisation, register allocation, emission) on a
//! [`FunctionIr`] with nothing but the ISA, so it can run on another thread, and
//! [`define_compiled`] puts the resulting [`CompiledFunction`] into the module it was
//! translated for (`Module::define_function_bytes`). Together they do what
//! `Module::define_function` does, split where the module is not needed.

use cranelift_codegen::control::ControlPlane;
use cranelift_codegen::ir::Function;
use cranelift_codegen::isa::TargetIsa;
use cranelift_module::{FuncId as ClFuncId, Module, ModuleReloc, ModuleResult};

/// A translated function (Cranelift IR, not yet compiled) and the module function it defines.
/// `Send`: it can be compiled on another thread.
pub struct FunctionIr {
    /// The module function this IR defines.
    pub id: ClFuncId,
    /// The IR.
    pub func: Function,
}

/// The machine code of one function, ready for [`define_compiled`].
#[derive(Clone)]
pub struct CompiledFunction {
    /// The module function it defines.
    pub id: ClFuncId,
    /// The alignment the code needs.
    pub align: u64,
    /// The code and its constants.
    pub bytes: Vec<u8>,
    /// Where the module fills in addresses, in the module's terms.
    pub relocs: Vec<ModuleReloc>,
}

/// Compiles `ir` for `isa` (which must be the ISA of the module it is defined in); the error is
/// Cranelift's message. Touches nothing but its arguments.
pub fn compile_function(isa: &dyn TargetIsa, ir: FunctionIr) -> Result<CompiledFunction, String> {
    let mut ctx = cranelift_codegen::Context::for_function(ir.func);
    let align = match ctx.compile(isa, &mut ControlPlane::default()) {
        Ok(code) => code.buffer.alignment as u64,
        Err(e) => return Err(format!("{:?}", e.inner)),
    };
    let code = ctx.compiled_code().ok_or("no compiled code")?;
    let bytes = code.code_buffer().to_vec();
    // Relocation targets name the function's imports: resolve them against its own tables,
    // as `Module::define_function` does.
    let relocs = code
        .buffer
        .relocs()
        .iter()
        .map(|r| ModuleReloc::from_mach_reloc(r, &ctx.func, ir.id))
        .collect();
    Ok(CompiledFunction {
        id: ir.id,
        align,
        bytes,
        relocs,
    })
}

/// Defines `code` in `module` (the module it was translated for); the caller finalizes.
pub fn define_compiled<M: Module>(module: &mut M, code: &CompiledFunction) -> ModuleResult<()> {
    module.define_function_bytes(code.id, code.align, &code.bytes, &code.relocs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cranelift_codegen::ir::{types, AbiParam, InstBuilder, UserFuncName};
    use cranelift_codegen::settings::{self, Configurable};
    use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
    use cranelift_module::{Linkage, Module};
    use cranelift_object::{ObjectBuilder, ObjectModule};

    /// `g(x) = f(x) + 1`, `f` an import: one call relocation.
    fn build(module: &mut ObjectModule) -> (FunctionIr, ClFuncId) {
        let mut sig = module.make_signature();
        sig.params.push(AbiParam::new(types::I64));
        sig.returns.push(AbiParam::new(types::I64));
        let f = module
            .declare_function("f", Linkage::Import, &sig)
            .expect("declares f");
        let g = module
            .declare_function("g", Linkage::Export, &sig)
            .expect("declares g");
        let mut func = Function::with_name_signature(UserFuncName::user(0, g.as_u32()), sig);
        let mut fctx = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut func, &mut fctx);
        let entry = b.create_block();
        b.append_block_params_for_function_params(entry);
        b.switch_to_block(entry);
        b.seal_block(entry);
        let x = b.block_params(entry)[0];
        let fref = module.declare_func_in_func(f, b.func);
        let call = b.ins().call(fref, &[x]);
        let r = b.inst_results(call)[0];
        let one = b.ins().iconst(types::I64, 1);
        let s = b.ins().iadd(r, one);
        b.ins().return_(&[s]);
        b.finalize(module.target_config());
        (FunctionIr { id: g, func }, f)
    }

    #[test]
    fn compiles_on_another_thread_and_defines_with_the_relocations() {
        let mut fb = settings::builder();
        fb.set("is_pic", "true").expect("setting");
        let isa = cranelift_native::builder()
            .expect("host")
            .finish(settings::Flags::new(fb))
            .expect("isa");
        let ob = ObjectBuilder::new(isa.clone(), "t", cranelift_module::default_libcall_names())
            .expect("builder");
        let mut module = ObjectModule::new(ob);
        let (ir, f) = build(&mut module);
        let g = ir.id;
        let code = std::thread::spawn(move || compile_function(&*isa, ir))
            .join()
            .expect("thread")
            .expect("compiles");
        assert_eq!(code.id, g);
        assert!(!code.bytes.is_empty() && code.align >= 1);
        // The one relocation is the call of `f`, named as the module names it.
        assert_eq!(code.relocs.len(), 1);
        assert!(matches!(
            code.relocs[0].name,
            cranelift_module::ModuleRelocTarget::User { namespace: 0, index } if index == f.as_u32()
        ));
        define_compiled(&mut module, &code).expect("defines");
        // Defining twice is the module's error, not a panic.
        assert!(define_compiled(&mut module, &code).is_err());
        let obj = module.finish().emit().expect("emits");
        assert!(!obj.is_empty());
    }
}
