//! Lazy translation for tiered execution: functions are declared up front and defined one at
//! a time, when an engine finds them hot; calls between MIR functions go through the engine's
//! table of direct entries ([`TierLinks`]), and a loop header can get an on-stack-replacement
//! entry that continues an interpreted activation in compiled code.

use crate::compile::{settings_of, FunctionIr, Settings};
use crate::function::FnTranslator;
use crate::imports::RuntimeImports;
use crate::module::{array_signature, build_array_entry, direct_signature, tagless_params};
use crate::{TierLinks, TranslateOptions};
use cranelift_codegen::ir::{Function, Signature, UserFuncName};
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
}

/// `(ctx, vals: *const Val) -> (tag, bits)`: the signature of an OSR entry.
pub fn osr_signature<M: Module>(module: &M) -> Signature {
    crate::module::in_memory_signature(module, false)
}

impl LazyModule {
    /// Imports the runtime and declares every function's direct and array entries in `module`
    /// (nothing is defined yet). Inference runs once, for the whole module. The declarations
    /// are made in a fixed order, so two `LazyModule`s made from the same MIR in fresh modules
    /// give every import and entry the same id: IR translated with one can be compiled and
    /// defined in the other's module (a compile thread translates with its own copy).
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

    /// The direct entry of `f` (defined once [`LazyModule::build`]'s code is).
    pub fn direct(&self, f: FuncId) -> ClFuncId {
        self.direct[f.index()]
    }

    /// The array entry of `f` (defined once [`LazyModule::build`]'s code is).
    pub fn array(&self, f: FuncId) -> ClFuncId {
        self.array[f.index()]
    }

    /// Translates the direct and array entries of `f` (in that order) into Cranelift IR, to
    /// be compiled with [`crate::compile_function`] (on any thread) and defined with
    /// [`crate::define_compiled`]; the caller finalizes the module.
    pub fn build<M: Module>(&mut self, module: &mut M, f: FuncId) -> ModuleResult<[FunctionIr; 2]> {
        let mut ctx = module.make_context();
        ctx.func.signature = direct_signature(module, &self.tagless[f.index()]);
        ctx.func.name = UserFuncName::user(0, self.direct[f.index()].as_u32());
        self.translate(module, &mut ctx, f, None)?;
        let direct = FunctionIr {
            id: self.direct[f.index()],
            settings: settings_of(&ctx, &self.mir.functions[f]),
            func: std::mem::replace(&mut ctx.func, Function::new()),
        };
        module.clear_context(&mut ctx);
        build_array_entry(
            module,
            &mut ctx,
            &mut self.fctx,
            self.array[f.index()],
            self.direct[f.index()],
            &self.tagless[f.index()],
        );
        let array = FunctionIr {
            id: self.array[f.index()],
            func: ctx.func,
            settings: Settings::Default,
        };
        Ok([direct, array])
    }

    /// Declares an OSR entry of `f` at loop header `header` ([`osr_signature`]); an error if
    /// the header cannot have one.
    pub fn declare_osr<M: Module>(
        &self,
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
        module.declare_function(&name, Linkage::Local, &sig)
    }

    /// Declares an OSR entry of `f` at loop header `header` ([`LazyModule::declare_osr`]) and
    /// translates it ([`LazyModule::build_osr_as`]).
    pub fn build_osr<M: Module>(
        &mut self,
        module: &mut M,
        f: FuncId,
        header: Block,
    ) -> ModuleResult<FunctionIr> {
        let id = self.declare_osr(module, f, header)?;
        self.build_osr_as(module, f, header, id)
    }

    /// Translates the OSR entry of `f` at loop header `header`, declared as `id` (in `module`,
    /// or in the module the code will be defined in), into Cranelift IR (compiled and defined
    /// as for [`LazyModule::build`]): it reads every value of `f` from `vals[value index]` (an
    /// interpreter's register window) and runs from the header to `f`'s return. The activation
    /// is already counted (depth, fuel): the entry has no prologue.
    pub fn build_osr_as<M: Module>(
        &mut self,
        module: &mut M,
        f: FuncId,
        header: Block,
        id: ClFuncId,
    ) -> ModuleResult<FunctionIr> {
        let mut ctx = module.make_context();
        ctx.func.signature = osr_signature(module);
        ctx.func.name = UserFuncName::user(2, id.as_u32());
        self.translate(module, &mut ctx, f, Some(header))?;
        Ok(FunctionIr {
            id,
            settings: settings_of(&ctx, &self.mir.functions[f]),
            func: ctx.func,
        })
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
            roots: Default::default(),
            wide: Default::default(),
        };
        t.translate()?;
        t.b.finalize(module.target_config());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::object_module;
    use crate::{compile_function, define_compiled};

    const SRC: &str = "import c.strlen(String) -> Integer\n\n\
        fn @sq(%x) {\nbb0:\n  %y = binop mul %x, %x\n  ret %y\n}\n\n\
        fn @main() {\nentry:\n  %zero = const 0\n  %one = const 1\n  %n = const 5\n  %s = const \"abc\"\n  jump head\n\
        head:\n  %i = phi [entry: %zero], [body: %i1]\n  %c = compare lt %i, %n\n  branch %c, body, done\n\
        body:\n  %q = call @sq(%i)\n  %l = extern c.strlen(%s)\n  %i1 = binop add %i, %one\n  jump head\n\
        done:\n  ret %i\n}\n";

    #[test]
    fn code_translated_with_one_lazy_module_defines_in_another() {
        let (mir, _) = mir14_mir::parse(SRC).expect("parses");
        mir14_mir::verify(&mir).expect("verifies");
        let mir = Arc::new(mir);
        let links = TierLinks {
            table: 0x1000,
            enter: 0x2000,
        };
        let opts = TranslateOptions::default();
        let (mut a, mut b) = (object_module(), object_module());
        let mut la = LazyModule::new(&mut a, Arc::clone(&mir), opts, links).expect("a");
        let lb = LazyModule::new(&mut b, Arc::clone(&mir), opts, links).expect("b");
        // The same declarations, with the same ids.
        for f in mir.functions.keys() {
            assert_eq!(la.direct(f), lb.direct(f));
            assert_eq!(la.array(f), lb.array(f));
        }
        // Translated and compiled with `a`, defined in `b`; an OSR entry declared in `b` only.
        let main = mir.function_by_name("main").expect("main");
        for f in mir.functions.keys() {
            for ir in la.build(&mut a, f).expect("builds") {
                let code = compile_function(b.isa(), ir).expect("compiles");
                define_compiled(&mut b, &code).expect("defines");
            }
        }
        let header = Block(1);
        let id = lb.declare_osr(&mut b, main, header).expect("declares");
        let ir = la.build_osr_as(&mut a, main, header, id).expect("builds");
        let code = compile_function(b.isa(), ir).expect("compiles");
        assert_eq!(code.id, id);
        define_compiled(&mut b, &code).expect("defines");
        assert!(!b.finish().emit().expect("emits").is_empty());
    }

    #[test]
    fn big_functions_keep_their_cheap_settings_in_tiered_code() {
        // 400 nested loops: more than 1,024 Cranelift blocks and 64 loops, so the direct entry
        // and an OSR entry compile with the single-pass allocator (the default one took 110 s
        // on 4,000 such loops at tier threshold 0); the array entry is small.
        let (mir, _) = mir14_mir::parse(&crate::testing::nested_loops(400)).expect("parses");
        mir14_mir::verify(&mir).expect("verifies");
        let mir = Arc::new(mir);
        let links = TierLinks {
            table: 0x1000,
            enter: 0x2000,
        };
        let mut m = object_module();
        let opts = TranslateOptions::default();
        let mut lazy = LazyModule::new(&mut m, Arc::clone(&mir), opts, links).expect("lazy");
        let main = mir.function_by_name("main").expect("main");
        let [direct, array] = lazy.build(&mut m, main).expect("builds");
        assert_eq!(direct.settings, Settings::NoOptSinglePass);
        assert_eq!(array.settings, Settings::Default);
        let header = mir.functions[main]
            .block_by_label("h0")
            .expect("the outermost header");
        let osr = lazy.build_osr(&mut m, main, header).expect("builds");
        assert_eq!(osr.settings, Settings::NoOptSinglePass);
        for ir in [direct, array, osr] {
            let code = compile_function(m.isa(), ir).expect("compiles");
            define_compiled(&mut m, &code).expect("defines");
        }
        assert!(!m.finish().emit().expect("emits").is_empty());
    }
}
