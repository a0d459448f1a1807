//! Lazy translation for tiered execution: functions are declared up front and defined one at
//! a time, when an engine finds them hot; calls between MIR functions go through the engine's
//! table of direct entries ([`TierLinks`]), and a loop header can get an on-stack-replacement
//! entry that continues an interpreted activation in compiled code.

use crate::function::FnTranslator;
use crate::imports::RuntimeImports;
use crate::module::{array_signature, build_array_entry, direct_signature, tagless_params};
use crate::{TierLinks, TranslateOptions};
use cranelift_codegen::ir::{types, AbiParam, Signature, UserFuncName};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_module::{FuncId as ClFuncId, Linkage, Module, ModuleResult};
use mir14_mir::infer::{self, ModuleTypes};
use mir14_mir::{Block, FuncId, Module as MirModule};
use mir14_rt::abi::Symbols;
use std::collections::HashMap;
use std::sync::Arc;

/// A module being translated one function at a time (see the module docs).
pub struct LazyModule {
    mir: Arc<MirModule>,
    opts: TranslateOptions,
    links: TierLinks,
    types: Option<ModuleTypes>,
    tagless: Vec<Vec<bool>>,
    imports: RuntimeImports,
    direct: Vec<ClFuncId>,
    array: Vec<ClFuncId>,
    /// The symbol tables shared with the runtime (string constants, field and method names).
    pub symbols: Symbols,
    fctx: FunctionBuilderContext,
    /// The ISAs for big functions, made on first use (see `compile::define_function_sized`).
    cheap: crate::compile::CheapIsas,
}

/// `(ctx, vals: *const Val) -> (tag, bits)`: the signature of an OSR entry.
pub fn osr_signature<M: Module>(module: &M) -> Signature {
    let ptr = module.target_config().pointer_type();
    let mut sig = module.make_signature();
    sig.params.push(AbiParam::new(ptr));
    sig.params.push(AbiParam::new(ptr));
    sig.returns.push(AbiParam::new(types::I64));
    sig.returns.push(AbiParam::new(types::I64));
    sig
}

impl LazyModule {
    /// Imports the runtime and declares every function's direct and array entries in `module`
    /// (nothing is defined yet). Inference runs once, for the whole module.
    pub fn new<M: Module>(
        module: &mut M,
        mir: Arc<MirModule>,
        opts: TranslateOptions,
        links: TierLinks,
    ) -> ModuleResult<LazyModule> {
        let types: Option<ModuleTypes> = opts.typed.then(|| infer::infer(&mir));
        let tagless = tagless_params(&mir, types.as_ref());
        let mut imports = RuntimeImports::declare_all(module)?;
        imports.declare_c_imports(module, &mir)?;
        let symbols = Symbols::collect(&mir);
        let mut direct = Vec::new();
        let mut array = Vec::new();
        for id in mir.functions.keys() {
            let sig = direct_signature(module, &tagless[id.index()]);
            let name = format!("mir14_t{}", id.index());
            direct.push(module.declare_function(&name, Linkage::Local, &sig)?);
            let asig = array_signature(module);
            let name = format!("mir14_ta{}", id.index());
            array.push(module.declare_function(&name, Linkage::Local, &asig)?);
        }
        Ok(LazyModule {
            mir,
            opts,
            links,
            types,
            tagless,
            imports,
            direct,
            array,
            symbols,
            fctx: FunctionBuilderContext::new(),
            cheap: crate::compile::CheapIsas::default(),
        })
    }

    /// Whether `f` can run as tiered code: it makes no tail call (spec §9: a function with a
    /// `tail call` stays in the interpreter, whose tail calls run in constant space), and its
    /// entry and blocks fit Cranelift's limit on block parameters (a bigger one stays in the
    /// interpreter rather than fail to compile).
    pub fn can_compile(&self, f: FuncId) -> bool {
        !self.mir.functions[f]
            .blocks
            .values()
            .flat_map(|b| b.insts.iter())
            .any(|i| i.is_tail_call())
            && crate::module::check_function_param_limits(
                &self.mir,
                f,
                &self.tagless,
                self.types.as_ref(),
            )
            .is_ok()
    }

    /// The direct entry of `f` (defined once [`LazyModule::define`] ran for it).
    pub fn direct(&self, f: FuncId) -> ClFuncId {
        self.direct[f.index()]
    }

    /// The array entry of `f` (defined once [`LazyModule::define`] ran for it).
    pub fn array(&self, f: FuncId) -> ClFuncId {
        self.array[f.index()]
    }

    /// Defines the direct and array entries of `f`; the caller finalizes the module.
    pub fn define<M: Module>(&mut self, module: &mut M, f: FuncId) -> ModuleResult<()> {
        let mut ctx = module.make_context();
        ctx.func.signature = direct_signature(module, &self.tagless[f.index()]);
        ctx.func.name = UserFuncName::user(0, self.direct[f.index()].as_u32());
        self.translate(module, &mut ctx, f, None)?;
        let mir = Arc::clone(&self.mir);
        crate::compile::define_function_sized(
            module,
            self.direct[f.index()],
            &mut ctx,
            &mut self.cheap,
            || crate::compile::settings_for(&mir.functions[f]),
        )?;
        module.clear_context(&mut ctx);
        build_array_entry(
            module,
            &mut ctx,
            &mut self.fctx,
            self.array[f.index()],
            self.direct[f.index()],
            &self.tagless[f.index()],
        );
        module.define_function(self.array[f.index()], &mut ctx)?;
        Ok(())
    }

    /// Declares and defines an OSR entry of `f` at loop header `header`
    /// ([`osr_signature`]): it reads every value of `f` from `vals[value index]` (an
    /// interpreter's register window) and runs from the header to `f`'s return. The activation
    /// is already counted (depth, fuel): the entry has no prologue.
    pub fn define_osr<M: Module>(
        &mut self,
        module: &mut M,
        f: FuncId,
        header: Block,
    ) -> ModuleResult<ClFuncId> {
        if !crate::function::osr_supported(&self.mir.functions[f], header) {
            return Err(cranelift_module::ModuleError::Compilation(
                cranelift_codegen::CodegenError::Unsupported(format!(
                    "no OSR entry at {} of function {}: it reaches blocks it does not dominate",
                    header.index(),
                    f.index()
                )),
            ));
        }
        let sig = osr_signature(module);
        let name = format!("mir14_o{}_{}", f.index(), header.index());
        let id = module.declare_function(&name, Linkage::Local, &sig)?;
        let mut ctx = module.make_context();
        ctx.func.signature = sig;
        ctx.func.name = UserFuncName::user(2, id.as_u32());
        self.translate(module, &mut ctx, f, Some(header))?;
        let mir = Arc::clone(&self.mir);
        crate::compile::define_function_sized(module, id, &mut ctx, &mut self.cheap, || {
            crate::compile::settings_for(&mir.functions[f])
        })?;
        Ok(id)
    }

    fn translate<M: Module>(
        &mut self,
        module: &mut M,
        ctx: &mut cranelift_codegen::Context,
        f: FuncId,
        osr: Option<Block>,
    ) -> ModuleResult<()> {
        let ptr = module.target_config().pointer_type();
        let mir = Arc::clone(&self.mir);
        let mut t = FnTranslator {
            b: FunctionBuilder::new(&mut ctx.func, &mut self.fctx),
            module: &mut *module,
            mir: &mir,
            func: &mir.functions[f],
            func_id: f,
            types: self.types.as_ref().map(|t| t.func(f)),
            imports: &self.imports,
            rt_refs: HashMap::new(),
            direct: &self.direct,
            tagless: &self.tagless,
            symbols: &self.symbols,
            vars: HashMap::new(),
            phi_args: HashMap::new(),
            ctx_val: None,
            arg_slot: None,
            trap_block: None,
            trap_landings: HashMap::new(),
            cur_inst: mir14_rt::Site::ENTRY,
            tail_table: None,
            opts: self.opts,
            ptr,
            tier: Some(self.links),
            osr,
        };
        t.translate()?;
        t.b.finalize(module.target_config());
        Ok(())
    }
}
