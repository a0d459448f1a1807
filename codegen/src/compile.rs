//! Compiling one Cranelift function outside [`Module::define_function`]: with an ISA of the
//! caller's choice (the cheap settings for huge functions, see [`define_function_sized`]) or on
//! another thread (background compilation), then defining the bytes in the module.
//!
//! [`compile_to_bytes`] needs no module (only the ISA and the function in a `Context`), so it
//! can run anywhere; [`define_compiled`] hands its result to `Module::define_function_bytes`,
//! which applies the relocations as `define_function` would have.

use cranelift_codegen::control::ControlPlane;
use cranelift_codegen::ir::Function;
use cranelift_codegen::isa::{OwnedTargetIsa, TargetIsa};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_codegen::{CodegenError, Context};
use cranelift_module::{FuncId as ClFuncId, Module, ModuleError, ModuleReloc, ModuleResult};

/// A translated function (Cranelift IR, not yet compiled) and the module function it defines.
/// `Send`: it can be compiled on another thread ([`compile_function`]).
pub struct FunctionIr {
    /// The module function this IR defines.
    pub id: ClFuncId,
    /// The IR.
    pub func: Function,
    /// The settings to compile it with ([`settings_of`]).
    pub settings: Settings,
}

/// Machine code of one function, compiled but not yet defined in a module.
#[derive(Clone)]
pub struct CompiledFunction {
    /// The module function it defines.
    pub id: ClFuncId,
    /// The alignment the code needs, in bytes.
    pub align: u64,
    /// The machine code and its constants.
    pub bytes: Vec<u8>,
    /// Its relocations, in the module's terms (functions by their Cranelift `FuncId`).
    pub relocs: Vec<ModuleReloc>,
    /// The native stack one activation takes ([`frame_size`]).
    pub frame: u64,
}

/// The native stack one activation of the function compiled in `ctx` takes: its frame, the
/// saved frame pointer and the return address.
pub fn frame_size(ctx: &Context) -> u64 {
    ctx.compiled_code()
        .and_then(|c| c.buffer.frame_layout())
        .map_or(FRAME_FALLBACK, |l| u64::from(l.frame_to_fp_offset) + 16)
}

/// The frame size assumed when Cranelift does not report one (never, in practice).
const FRAME_FALLBACK: u64 = 64 << 10;

/// Compiles the function in `ctx` (its name must be `UserFuncName::user(_, id)` and every
/// function it calls declared in the module it will be defined in) with `isa`, and returns its
/// bytes and relocations for [`define_compiled`]. `id` is the function being compiled: Cranelift
/// expresses references to the function's own code (e.g. jump tables in constant pools) relative
/// to it. `ctx` keeps the compiled code (frame layout, sizes, disassembly) afterwards.
pub fn compile_to_bytes(
    isa: &dyn TargetIsa,
    ctx: &mut Context,
    id: ClFuncId,
) -> ModuleResult<CompiledFunction> {
    let align = ctx
        .compile(isa, &mut ControlPlane::default())
        .map_err(ModuleError::from)?
        .buffer
        .alignment as u64;
    let code = ctx
        .compiled_code()
        .expect("a compiled context has compiled code");
    // `from_mach_reloc` maps the function's imported names (`UserExternalName`s, which hold
    // the module's function and data ids) and its own offsets to module relocations, as
    // `define_function` does.
    let relocs = code
        .buffer
        .relocs()
        .iter()
        .map(|r| ModuleReloc::from_mach_reloc(r, &ctx.func, id))
        .collect();
    let bytes = code.buffer.data().to_vec();
    Ok(CompiledFunction {
        id,
        align,
        bytes,
        relocs,
        frame: frame_size(ctx),
    })
}

/// Compiles `ir` with `isa`, the module's own ISA, or with a cheaper one of the same target
/// flags ([`cheap_isa`]) when `ir.settings` asks for it: [`compile_to_bytes`] on a fresh
/// context. Touches nothing but its arguments, so it can run on another thread (background
/// compilation); the error is Cranelift's message.
pub fn compile_function(isa: &dyn TargetIsa, ir: FunctionIr) -> Result<CompiledFunction, String> {
    let cheap;
    let isa = match ir.settings {
        Settings::Default => isa,
        s => {
            cheap = cheap_isa(isa, s == Settings::NoOptSinglePass).map_err(|e| e.to_string())?;
            &*cheap
        }
    };
    let mut ctx = Context::for_function(ir.func);
    compile_to_bytes(isa, &mut ctx, ir.id).map_err(|e| e.to_string())
}

/// Defines `code` in `module` (the module it was translated for); the caller finalizes.
pub fn define_compiled<M: Module>(module: &mut M, code: &CompiledFunction) -> ModuleResult<()> {
    module.define_function_bytes(code.id, code.align, &code.bytes, &code.relocs)
}

/// Compiles the function in `ctx` with `isa` (instead of the module's own) and defines it as
/// `id` in `module`: [`compile_to_bytes`] then [`define_compiled`].
pub fn define_function_with_isa<M: Module>(
    module: &mut M,
    isa: &dyn TargetIsa,
    id: ClFuncId,
    ctx: &mut Context,
) -> ModuleResult<()> {
    let code = compile_to_bytes(isa, ctx, id)?;
    define_compiled(module, &code)
}

/// The number of Cranelift blocks from which a function is compiled with cheap settings
/// ([`Settings`]): on bigger ones two passes of Cranelift's default pipeline are quadratic
/// (Cranelift's e-graph optimizer scans the dominator-tree stack per value, ~3.3× per doubling
/// of a chain of blocks; regalloc2's backtracking allocator with n values live across n nested
/// loops took 100 s for 4,000 loops), while `opt_level=none` compiled an 80,000-block chain in
/// 0.8 s and, with the single-pass allocator, 20,000 nested loops in 1 s. Below it the cheap
/// settings save nothing measurable (a 5,000-block chain: 60 ms against 20 ms, the whole run)
/// and their code is slower, so ordinary functions keep the optimizing pipeline. (Measured
/// with `bench/scaling.py`'s shapes on a release build, see bench/README.md.)
pub const BIG_FUNCTION_BLOCKS: usize = 1024;

/// The number of loops (back edges) from which a big function also gets the single-pass
/// register allocator ([`Settings::NoOptSinglePass`]).
pub const MANY_LOOPS: usize = 64;

/// The number of phis in one block from which a function gets cheap settings and the
/// single-pass register allocator ([`Settings::NoOptSinglePass`]): regalloc2's backtracking
/// allocator is quadratic in the values a loop carries at once (a loop header with 10,000 phis
/// took 0.7 s, 20,000 took 2.8 s; single-pass: 0.04 s and 0.10 s), while below it the cost is
/// a few milliseconds (2,048 phis: 40 ms against 10 ms).
pub const MANY_PHIS: usize = 1024;

/// The number of predecessors from which a MIR block is a *wide join*: its phis travel
/// through a stack slot instead of block parameters and its incoming edges enter through a
/// tree of forwarding blocks of fan-in 16 (see `function/wide.rs`). regalloc2's dominator tree
/// and its block-parameter move insertion are quadratic on a join of n predecessors under an
/// n-deep dominator chain (a 10,000-input phi: 0.6 s, 20,000: 2.0 s, 40,000: 7.8 s); below it
/// block parameters cost nothing measurable and keep the phis in registers.
pub const WIDE_JOIN_PREDS: usize = 256;

/// Whether the function in `ctx` is big enough for cheap settings: [`BIG_FUNCTION_BLOCKS`]
/// blocks, or a block with at least [`MANY_PHIS`] parameters.
pub fn is_big(ctx: &Context) -> bool {
    let f = &ctx.func;
    f.layout.blocks().nth(BIG_FUNCTION_BLOCKS - 1).is_some()
        || f.layout
            .blocks()
            .any(|b| f.dfg.block_params(b).len() >= MANY_PHIS)
}

/// The Cranelift settings a function is compiled with.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Settings {
    /// The module's ISA (the optimizing pipeline): small functions, and big ones with
    /// irreducible control flow.
    Default,
    /// `opt_level=none` (no e-graph pass): big functions with reducible control flow and few
    /// loops.
    NoOpt,
    /// `opt_level=none` and `regalloc_algorithm=single_pass`: big functions with reducible
    /// control flow and at least [`MANY_LOOPS`] loops or a block of at least [`MANY_PHIS`]
    /// phis.
    NoOptSinglePass,
}

/// The settings for big MIR function `f` (see [`BIG_FUNCTION_BLOCKS`]), from measurements of
/// `bench/scaling.py`'s shapes:
/// - irreducible control flow: [`Settings::Default`]: both cheap settings are quadratic there
///   (10,000 irreducible two-block cycles in a row: 1.3 s by default, 6 s with `opt_level=none`
///   or with the single-pass allocator, 3.8× per doubling), the default pipeline is not;
/// - at least [`MANY_LOOPS`] loops or a block of at least [`MANY_PHIS`] phis:
///   [`Settings::NoOptSinglePass`] (the backtracking allocator is quadratic on deep loop nests
///   and on loops carrying thousands of values, with either optimization level);
/// - otherwise [`Settings::NoOpt`]: the single-pass allocator brings nothing on loop-free code
///   and is quadratic on a block with thousands of predecessors (a 10,000-input phi: 1.2 s, and
///   4.8 s at 20,000, against 0.5 s and 1.8 s without it).
pub fn settings_for(f: &mir14_mir::Function) -> Settings {
    use mir14_mir::analysis::{irreducible_entries, BackEdges, Cfg, DomTree};
    let cfg = Cfg::new(f);
    let dom = DomTree::new(&cfg);
    if !irreducible_entries(&cfg, &dom).is_empty() {
        Settings::Default
    } else if BackEdges::new(&cfg, &dom).len() >= MANY_LOOPS
        || f.blocks.values().any(|b| {
            b.insts
                .iter()
                .take_while(|i| matches!(i, mir14_mir::Inst::Phi { .. }))
                .nth(MANY_PHIS - 1)
                .is_some()
        })
    {
        Settings::NoOptSinglePass
    } else {
        Settings::NoOpt
    }
}

/// The settings for `ctx`'s function, translated from MIR function `f`: [`settings_for`] `f`
/// when it is big ([`is_big`]), otherwise [`Settings::Default`].
pub fn settings_of(ctx: &Context, f: &mir14_mir::Function) -> Settings {
    if is_big(ctx) {
        settings_for(f)
    } else {
        Settings::Default
    }
}

/// A copy of `isa` (same target, same shared and ISA-specific flags) with `opt_level=none`
/// (no e-graph pass), and with `single_pass` also `regalloc_algorithm=single_pass`: settings
/// whose compile time is linear in the function's size on the shapes [`settings_for`] picks
/// them for. The code has the same semantics, only slower.
pub fn cheap_isa(isa: &dyn TargetIsa, single_pass: bool) -> ModuleResult<OwnedTargetIsa> {
    let err = |what: String| ModuleError::Compilation(CodegenError::Unsupported(what));
    let mut shared = settings::builder();
    for v in isa.flags().iter() {
        shared
            .set(v.name, &v.value_string())
            .map_err(|e| err(format!("cranelift setting {}: {e}", v.name)))?;
    }
    let mut cheap = vec![("opt_level", "none")];
    if single_pass {
        cheap.push(("regalloc_algorithm", "single_pass"));
    }
    for (k, v) in cheap {
        shared
            .set(k, v)
            .map_err(|e| err(format!("cranelift setting {k}={v}: {e}")))?;
    }
    let mut b = cranelift_codegen::isa::lookup(isa.triple().clone())
        .map_err(|e| err(format!("the ISA of {}: {e}", isa.triple())))?;
    for v in isa.isa_flags() {
        b.set(v.name, &v.value_string())
            .map_err(|e| err(format!("cranelift setting {}: {e}", v.name)))?;
    }
    b.finish(settings::Flags::new(shared))
        .map_err(|e| err(format!("the cheap ISA: {e}")))
}

/// The cheap ISAs of a module, each made on first use ([`cheap_isa`]).
#[derive(Default)]
pub struct CheapIsas {
    no_opt: Option<OwnedTargetIsa>,
    single_pass: Option<OwnedTargetIsa>,
}

/// Defines the function in `ctx`, translated from MIR function `f`, as `id`: with the ISA of
/// [`settings_of`] (the module's own unless it is big), the cheap ones made once per module and
/// kept in `cheap`. Returns the settings used.
pub fn define_function_sized<M: Module>(
    module: &mut M,
    id: ClFuncId,
    ctx: &mut Context,
    cheap: &mut CheapIsas,
    f: &mir14_mir::Function,
) -> ModuleResult<Settings> {
    let chosen = settings_of(ctx, f);
    let slot = match chosen {
        Settings::Default => {
            module.define_function(id, ctx)?;
            return Ok(chosen);
        }
        Settings::NoOpt => &mut cheap.no_opt,
        Settings::NoOptSinglePass => &mut cheap.single_pass,
    };
    if slot.is_none() {
        *slot = Some(cheap_isa(
            module.isa(),
            chosen == Settings::NoOptSinglePass,
        )?);
    }
    let isa = slot.as_ref().expect("made above");
    define_function_with_isa(module, &**isa, id, ctx)?;
    Ok(chosen)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::object_module;
    use cranelift_codegen::ir::{types, AbiParam, InstBuilder, UserFuncName};
    use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
    use cranelift_module::Linkage;

    /// Builds into `ctx` a function `id` of `blocks` blocks in a chain, each adding one, that
    /// calls `callee` at the end (a relocation).
    fn chain<M: Module>(m: &mut M, ctx: &mut Context, id: ClFuncId, callee: ClFuncId, n: usize) {
        ctx.func.signature = m.make_signature();
        ctx.func.signature.params.push(AbiParam::new(types::I64));
        ctx.func.signature.returns.push(AbiParam::new(types::I64));
        ctx.func.name = UserFuncName::user(0, id.as_u32());
        let mut fctx = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut ctx.func, &mut fctx);
        let first = b.create_block();
        b.append_block_params_for_function_params(first);
        b.switch_to_block(first);
        b.seal_block(first);
        let mut v = b.block_params(first)[0];
        for _ in 1..n {
            let next = b.create_block();
            v = b.ins().iadd_imm_s(v, 1);
            b.ins().jump(next, &[]);
            b.switch_to_block(next);
            b.seal_block(next);
        }
        let f = m.declare_func_in_func(callee, b.func);
        let call = b.ins().call(f, &[v]);
        let r = b.inst_results(call)[0];
        b.ins().return_(&[r]);
        b.finalize(m.target_config());
    }

    #[test]
    fn cheap_isa_keeps_the_target_and_flags_but_not_the_optimizer() {
        let m = object_module();
        let cheap = cheap_isa(m.isa(), true).unwrap();
        assert_eq!(cheap.triple(), m.isa().triple());
        assert!(cheap.flags().is_pic() && cheap.flags().preserve_frame_pointers());
        assert_eq!(cheap.flags().opt_level(), settings::OptLevel::None);
        assert_eq!(
            cheap.flags().regalloc_algorithm(),
            settings::RegallocAlgorithm::SinglePass
        );
        let flags = |isa: &dyn TargetIsa| {
            isa.isa_flags()
                .iter()
                .map(|v| v.to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(flags(&*cheap), flags(m.isa()));
        let no_opt = cheap_isa(m.isa(), false).unwrap();
        assert_eq!(no_opt.flags().opt_level(), settings::OptLevel::None);
        assert_eq!(
            no_opt.flags().regalloc_algorithm(),
            m.isa().flags().regalloc_algorithm()
        );
    }

    extern "C" fn triple(x: i64) -> i64 {
        3 * x
    }

    #[test]
    fn big_functions_take_the_cheap_isa_and_keep_their_relocations() {
        // A JIT (relocations applied at finalization), as the jit backend makes it.
        let mut fb = settings::builder();
        fb.set("opt_level", "speed").unwrap();
        fb.set("preserve_frame_pointers", "true").unwrap();
        let isa = cranelift_native::builder()
            .unwrap()
            .finish(settings::Flags::new(fb))
            .unwrap();
        let mut jb =
            cranelift_jit::JITBuilder::with_isa(isa, cranelift_module::default_libcall_names());
        jb.symbol("triple", triple as *const u8);
        let mut m = cranelift_jit::JITModule::new(jb);
        let mut sig = m.make_signature();
        sig.params.push(AbiParam::new(types::I64));
        sig.returns.push(AbiParam::new(types::I64));
        let callee = m.declare_function("triple", Linkage::Import, &sig).unwrap();
        let small = m.declare_function("small", Linkage::Local, &sig).unwrap();
        let big = m.declare_function("big", Linkage::Local, &sig).unwrap();
        let mut cheap = CheapIsas::default();
        let mut ctx = m.make_context();
        chain(&mut m, &mut ctx, small, callee, 10);
        assert!(!is_big(&ctx));
        // The MIR function the settings are chosen from: 64 loops want the single-pass
        // allocator once the Cranelift function is big.
        let (loops, _) = mir14_mir::parse(&crate::testing::nested_loops(MANY_LOOPS)).unwrap();
        let pick = loops.functions.values().next().unwrap();
        assert_eq!(settings_for(pick), Settings::NoOptSinglePass);
        let used = define_function_sized(&mut m, small, &mut ctx, &mut cheap, pick).unwrap();
        assert_eq!(used, Settings::Default);
        assert!(cheap.single_pass.is_none());
        m.clear_context(&mut ctx);
        chain(&mut m, &mut ctx, big, callee, BIG_FUNCTION_BLOCKS);
        assert!(is_big(&ctx));
        let used = define_function_sized(&mut m, big, &mut ctx, &mut cheap, pick).unwrap();
        assert_eq!(used, Settings::NoOptSinglePass);
        assert!(cheap.single_pass.is_some() && cheap.no_opt.is_none());
        m.finalize_definitions().unwrap();
        // Both call `triple` through their relocation and compute the same chain.
        for (id, n) in [(small, 10), (big, BIG_FUNCTION_BLOCKS as i64)] {
            let code = m.get_finalized_function(id);
            // SAFETY: the function was defined with the signature `fn(i64) -> i64`.
            let f: extern "C" fn(i64) -> i64 = unsafe { std::mem::transmute(code) };
            assert_eq!(f(5), 3 * (5 + n - 1));
        }
        // SAFETY: no code of the module runs any more.
        unsafe { m.free_memory() };
    }
}

#[cfg(test)]
mod thread_tests {
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
        (
            FunctionIr {
                id: g,
                func,
                settings: Settings::Default,
            },
            f,
        )
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
