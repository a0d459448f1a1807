//! Translating a whole module: every MIR function gets a direct entry (local) and an array
//! entry (exported), declared first so that calls between functions resolve, then defined.

use crate::function::{tag_of, FnTranslator};
use crate::imports::RuntimeImports;
use crate::TranslateOptions;
use cranelift_codegen::ir::{types, AbiParam, InstBuilder, MemFlagsData, Signature, UserFuncName};
use cranelift_codegen::isa::CallConv;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_module::{
    DataDescription, DataId, FuncId as ClFuncId, Linkage, Module, ModuleResult,
};
use mir14_mir::infer::{self, ModuleTypes};
use mir14_mir::{Callee, Inst, Module as MirModule};
use mir14_rt::abi::Symbols;
use std::collections::HashMap;

/// What translating a module declared: the Cranelift ids of every function's entries.
pub struct Translated {
    /// The direct entry of each MIR function, by `FuncId` index.
    pub direct: Vec<ClFuncId>,
    /// The array entry of each MIR function, by `FuncId` index.
    pub array: Vec<ClFuncId>,
    /// The symbol tables shared with the runtime (string constants, field and method names).
    pub symbols: Symbols,
    /// The machine code size in bytes of each function's (direct, array) entry, by `FuncId`
    /// index (for perf maps).
    pub sizes: Vec<(u32, u32)>,
    /// The most native stack one unit of call depth can take in a function that can be active
    /// more than once at a time (see [`Translated::stack_once`]), in bytes, measured from the
    /// real frame sizes of the compiled code: the largest such frame (plus the runtime's
    /// re-entry allowance for functions the runtime can call) divided by its function's depth
    /// units ([`mir14_mir::Function::depth_units`]), since the limit counts units.
    pub stack_per_call: u64,
    /// The native stack of the functions that are active at most once at a time (not on a
    /// cycle of the call graph, where the runtime may call every method and every function
    /// whose address is taken): the sum of their frames. A run needs at most
    /// `stack_once + max_depth * stack_per_call` bytes of native stack besides the runtime's,
    /// so one huge non-recursive function (a `main` of 30,000 values) does not multiply its
    /// frame by the depth limit.
    pub stack_once: u64,
    /// How many functions were big enough to be compiled with the cheap settings
    /// ([`crate::compile::BIG_FUNCTION_BLOCKS`]).
    pub cheap_functions: usize,
}

/// The native stack one MIR call into `f` can take: the real size of its direct entry's frame
/// (plus the saved frame pointer and return address), and, when the runtime can call `f` (a
/// method, or a function whose address is taken), its array entry's frame and the runtime's own
/// frames between two compiled frames ([`mir14_rt::abi::RUNTIME_REENTRY_STACK`]).
fn stack_per_call(direct: u64, array: u64, runtime_callable: bool) -> u64 {
    if runtime_callable {
        direct + array + mir14_rt::abi::RUNTIME_REENTRY_STACK
    } else {
        direct
    }
}

/// Functions of more MIR parameters than this take them by pointer: their direct entry is
/// `(ctx, args: *const Val) -> (tag, bits)`, the caller stores the arguments in the runtime's
/// argument buffer (`mir14_rt_arg_buffer`) and the callee loads them before anything else runs.
/// So no native frame holds a long argument list (the `tail` convention puts arguments past
/// the registers in the caller's frame), and there is no limit on the number of parameters
/// (x86-64's `ret imm16` pops at most 8,191 stack arguments). Such functions take every
/// parameter with its tag.
pub const BY_POINTER_PARAMS: usize = 64;

/// Whether a function of `n` parameters takes them by pointer ([`BY_POINTER_PARAMS`]).
pub(crate) fn by_pointer(n: usize) -> bool {
    n > BY_POINTER_PARAMS
}

/// The most parameters a Cranelift block can have (a parameter's index is 16 bits).
const MAX_BLOCK_PARAMS: usize = 1 << 16;

/// Fails with a clear message when one of a function's blocks (a tag unless the type fixes it,
/// and bits, per phi) would need more Cranelift block parameters than Cranelift supports.
/// (A function's entry has at most `2 * BY_POINTER_PARAMS + 1` native parameters: more are
/// passed by pointer.)
fn check_param_limits(
    mir: &MirModule,
    tagless: &[Vec<bool>],
    types: Option<&ModuleTypes>,
) -> ModuleResult<()> {
    for (id, _) in mir.functions.iter() {
        check_function_param_limits(mir, id, tagless, types)?;
    }
    Ok(())
}

/// [`check_param_limits`] for one function `id` (the lazy translator checks each function it
/// is asked to compile).
pub(crate) fn check_function_param_limits(
    mir: &MirModule,
    id: mir14_mir::FuncId,
    _tagless: &[Vec<bool>],
    types: Option<&ModuleTypes>,
) -> ModuleResult<()> {
    let limit = |what: String, max: usize, per: &str, n: usize| {
        cranelift_module::ModuleError::Compilation(cranelift_codegen::CodegenError::Unsupported(
            format!(
                "{what}: the jit and aot backends support at most {max} native parameters per \
                 {per} (a MIR parameter or phi takes one or two), this needs {n}"
            ),
        ))
    };
    let f = &mir.functions[id];
    for bd in f.blocks.values() {
        let mut n = 0;
        for inst in &bd.insts {
            let mir14_mir::Inst::Phi { dest, .. } = inst else {
                break;
            };
            let known = types.is_some_and(|t| tag_of(t.func(id).ty(*dest)).is_some());
            n += if known { 1 } else { 2 };
        }
        if n > MAX_BLOCK_PARAMS {
            let what = format!("block {} of @{} has too many phis", bd.label, f.name);
            return Err(limit(what, MAX_BLOCK_PARAMS, "block", n));
        }
    }
    Ok(())
}

/// Which functions the runtime can call (through their array entries): methods, whose name
/// contains `.`, and functions whose address is taken (`const @f`).
fn runtime_callable(mir: &MirModule) -> Vec<bool> {
    use mir14_mir::{Constant, Inst};
    let n = mir.functions.len();
    let mut open: Vec<bool> = mir
        .functions
        .values()
        .map(|f| f.name.contains('.'))
        .collect();
    for f in mir.functions.values() {
        for b in f.blocks.values() {
            for inst in &b.insts {
                if let Inst::Const {
                    value: Constant::Func(g),
                    ..
                } = inst
                {
                    if g.index() < n {
                        open[g.index()] = true;
                    }
                }
            }
        }
    }
    open
}

/// Which functions can be active more than once at a time: those on a cycle of the may-call
/// graph, whose edges are the calls of known functions (`call @g`, `tail call @g`) plus, from
/// every function (any runtime function may call back), an edge to every function the runtime
/// can call (`callable`: methods, functions whose address is taken). So: the callable ones,
/// those reached from them by known calls, and those on a cycle of known calls.
fn repeatable(mir: &MirModule, callable: &[bool]) -> Vec<bool> {
    let n = mir.functions.len();
    let succ: Vec<Vec<usize>> = mir
        .functions
        .values()
        .map(|f| {
            f.blocks
                .values()
                .flat_map(|b| b.insts.iter())
                .filter_map(|i| match i {
                    Inst::Call {
                        callee: Callee::Global(g),
                        ..
                    } if g.index() < n => Some(g.index()),
                    _ => None,
                })
                .collect()
        })
        .collect();
    // Everything reached from a callable function by known calls.
    let mut rep = callable.to_vec();
    let mut work: Vec<usize> = (0..n).filter(|&i| rep[i]).collect();
    while let Some(f) = work.pop() {
        for &g in &succ[f] {
            if !rep[g] {
                rep[g] = true;
                work.push(g);
            }
        }
    }
    // Cycles of known calls: the strongly connected components (iterative Tarjan) with more
    // than one function, or a function calling itself.
    let (mut index, mut low) = (vec![usize::MAX; n], vec![0; n]);
    let (mut on_stack, mut stack, mut next) = (vec![false; n], Vec::new(), 0);
    for root in 0..n {
        if index[root] != usize::MAX {
            continue;
        }
        let mut frames = vec![(root, 0usize)];
        index[root] = next;
        low[root] = next;
        next += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&mut (f, ref mut k)) = frames.last_mut() {
            if let Some(&g) = succ[f].get(*k) {
                *k += 1;
                if index[g] == usize::MAX {
                    index[g] = next;
                    low[g] = next;
                    next += 1;
                    stack.push(g);
                    on_stack[g] = true;
                    frames.push((g, 0));
                } else if on_stack[g] {
                    low[f] = low[f].min(index[g]);
                }
                continue;
            }
            frames.pop();
            if let Some(&(parent, _)) = frames.last() {
                low[parent] = low[parent].min(low[f]);
            }
            if low[f] == index[f] {
                let mut scc = Vec::new();
                while let Some(g) = stack.pop() {
                    on_stack[g] = false;
                    scc.push(g);
                    if g == f {
                        break;
                    }
                }
                if scc.len() > 1 || succ[f].contains(&f) {
                    for g in scc {
                        rep[g] = true;
                    }
                }
            }
        }
    }
    rep
}

/// The symbol name of a function's direct entry: `mir14.` and the MIR name (`mir14.main`,
/// `mir14.Point.toString`), so native tools (nm, gdb, perf) show MIR names. MIR names are
/// unique in a module, so symbols are too.
pub fn direct_name(name: &str) -> String {
    format!("mir14.{name}")
}

/// The symbol name of a function's array entry (`mir14_array.main`); the prefix differs from
/// [`direct_name`]'s, so the two never clash.
pub fn array_name(name: &str) -> String {
    format!("mir14_array.{name}")
}

/// Declares and defines every function of `mir` in `module`.
pub fn translate_module<M: Module>(
    module: &mut M,
    mir: &MirModule,
    opts: TranslateOptions,
) -> ModuleResult<Translated> {
    let ptr = module.target_config().pointer_type();
    let symbols = Symbols::collect(mir);
    // Whole-module type inference; untyped translation (`MIR14_UNTYPED=1`) sends every value
    // down the generic path, which the differential test uses to check that types change nothing.
    let types: Option<ModuleTypes> = opts.typed.then(|| infer::infer(mir));
    // Import the runtime.
    let mut imports = RuntimeImports::declare_all(module)?;
    imports.declare_c_imports(module, mir)?;
    // Parameters whose type is known and unannotated travel without their tag: every caller is
    // a visible direct call (open functions have Unknown parameters), so the tag is a constant.
    let tagless = tagless_params(mir, types.as_ref());
    check_param_limits(mir, &tagless, types.as_ref())?;
    // Declare every MIR function's two entries.
    let mut direct = Vec::new();
    let mut array = Vec::new();
    for (id, f) in mir.functions.iter() {
        let sig = direct_signature(module, &tagless[id.index()]);
        direct.push(module.declare_function(&direct_name(&f.name), Linkage::Local, &sig)?);
        let asig = array_signature(module);
        array.push(module.declare_function(&array_name(&f.name), Linkage::Export, &asig)?);
    }
    let callable = runtime_callable(mir);
    let repeatable = repeatable(mir, &callable);
    let mut per_call = 0u64;
    let mut once = 0u64;
    // Dynamic tail calls jump through a table of the direct entries (spec §5).
    let tail_table = if has_dynamic_tail_call(mir) {
        Some(define_tail_table(module, &direct)?)
    } else {
        None
    };
    let mut fctx = FunctionBuilderContext::new();
    let mut ctx = module.make_context();
    let mut sizes = Vec::new();
    // The ISAs for big functions (made on first use, see `compile::define_function_sized`).
    let mut cheap = crate::compile::CheapIsas::default();
    let mut cheap_functions = 0;
    let code_size = |ctx: &cranelift_codegen::Context| {
        ctx.compiled_code().map_or(0, |c| c.code_info().total_size)
    };
    for (id, f) in mir.functions.iter() {
        ctx.func.signature = direct_signature(module, &tagless[id.index()]);
        ctx.func.name = UserFuncName::user(0, direct[id.index()].as_u32());
        {
            let mut t = FnTranslator {
                b: FunctionBuilder::new(&mut ctx.func, &mut fctx),
                module: &mut *module,
                mir,
                func: f,
                func_id: id,
                types: types.as_ref().map(|t| t.func(id)),
                imports: &imports,
                rt_refs: HashMap::new(),
                direct: &direct,
                tagless: &tagless,
                symbols: &symbols,
                vars: HashMap::new(),
                phi_args: HashMap::new(),
                ctx_val: None,
                arg_slot: None,
                trap_block: None,
                trap_landings: HashMap::new(),
                cur_inst: mir14_rt::Site::ENTRY,
                tail_table,
                opts,
                ptr,
                tier: None,
                osr: None,
                roots: Default::default(),
                wide: Default::default(),
            };
            t.translate()?;
            t.b.finalize(module.target_config());
        }
        let dump = opts.dump;
        ctx.set_disasm(dump);
        if crate::compile::define_function_sized(
            module,
            direct[id.index()],
            &mut ctx,
            &mut cheap,
            f,
        )? != crate::compile::Settings::Default
        {
            cheap_functions += 1;
        }
        let direct_size = code_size(&ctx);
        if dump {
            if let Some(c) = ctx.compiled_code() {
                eprintln!("{}", c.vcode.clone().unwrap_or_default());
            }
        }
        let direct_frame = crate::compile::frame_size(&ctx);
        module.clear_context(&mut ctx);

        // The array entry: load the arguments and call the direct entry.
        build_array_entry(
            module,
            &mut ctx,
            &mut fctx,
            array[id.index()],
            direct[id.index()],
            &tagless[id.index()],
        );
        module.define_function(array[id.index()], &mut ctx)?;
        sizes.push((direct_size, code_size(&ctx)));
        let array_frame = crate::compile::frame_size(&ctx);
        module.clear_context(&mut ctx);
        if repeatable[id.index()] {
            // Per unit of depth: an activation of `f` counts `depth_units` of the limit.
            per_call = per_call.max(
                stack_per_call(direct_frame, array_frame, callable[id.index()])
                    .div_ceil(f.depth_units()),
            );
        } else {
            // Entered once at most: directly, or (`main`) by the runtime through its array entry.
            once = once.saturating_add(direct_frame + array_frame);
        }
    }
    Ok(Translated {
        direct,
        array,
        symbols,
        sizes,
        stack_per_call: per_call,
        stack_once: once,
        cheap_functions,
    })
}

/// Per function and parameter: whether the parameter travels without its tag in the direct
/// entry (its type is known and unannotated, and the function is not open).
pub(crate) fn tagless_params(mir: &MirModule, types: Option<&ModuleTypes>) -> Vec<Vec<bool>> {
    mir.functions
        .iter()
        .map(|(id, f)| {
            f.params
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    p.ty.is_none()
                        && !by_pointer(f.params.len())
                        && types.is_some_and(|t| {
                            !t.open[id.index()]
                                && t.func(id).params.get(i).copied().and_then(tag_of).is_some()
                        })
                })
                .collect()
        })
        .collect()
}

/// Builds (into `ctx`, not yet defined) the array entry `array` of a function whose direct
/// entry is `direct`: it loads the arguments from memory and calls the direct entry.
pub(crate) fn build_array_entry<M: Module>(
    module: &mut M,
    ctx: &mut cranelift_codegen::Context,
    fctx: &mut FunctionBuilderContext,
    array: ClFuncId,
    direct: ClFuncId,
    tagless: &[bool],
) {
    ctx.func.signature = array_signature(module);
    ctx.func.name = UserFuncName::user(1, array.as_u32());
    let mut b = FunctionBuilder::new(&mut ctx.func, fctx);
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    b.seal_block(entry);
    let params = b.block_params(entry).to_vec();
    let (cx, args) = (params[0], params[1]);
    let mut call_args = vec![cx];
    if by_pointer(tagless.len()) {
        // The arguments are in the runtime's memory already, in the by-pointer layout.
        call_args.push(args);
    }
    for (i, no_tag) in tagless.iter().enumerate() {
        if by_pointer(tagless.len()) {
            break;
        }
        let off = (i * 16) as i32;
        if !no_tag {
            call_args.push(b.ins().load(types::I64, MemFlagsData::trusted(), args, off));
        }
        call_args.push(
            b.ins()
                .load(types::I64, MemFlagsData::trusted(), args, off + 8),
        );
    }
    let fref = module.declare_func_in_func(direct, b.func);
    let call = b.ins().call(fref, &call_args);
    let res = b.inst_results(call).to_vec();
    b.ins().return_(&res);
    b.finalize(module.target_config());
}

/// Defines a read-only data object holding `bytes` and returns its id.
pub fn define_bytes<M: Module>(module: &mut M, name: &str, bytes: Vec<u8>) -> ModuleResult<DataId> {
    let id = module.declare_data(name, Linkage::Local, false, false)?;
    let mut desc = DataDescription::new();
    desc.define(bytes.into_boxed_slice());
    module.define_data(id, &desc)?;
    Ok(id)
}

/// Whether some function makes a tail call whose target is found at run time (a dynamic method
/// call or a value call).
fn has_dynamic_tail_call(mir: &MirModule) -> bool {
    mir.functions
        .values()
        .flat_map(|f| f.blocks.values())
        .flat_map(|b| b.insts.iter())
        .any(|i| {
            matches!(
                i,
                Inst::Call {
                    tail: true,
                    callee: Callee::Method { box_name: None, .. } | Callee::Value(_),
                    ..
                }
            )
        })
}

/// The table of every function's direct entry address, by `FuncId` index: the targets of
/// dynamic tail calls (`return_call_indirect`). Only open functions (methods and functions
/// whose address is taken) are reached through it, and their direct entries take every
/// parameter with its tag, so the call site knows the signature from the argument count.
fn define_tail_table<M: Module>(module: &mut M, direct: &[ClFuncId]) -> ModuleResult<DataId> {
    let id = module.declare_data("mir14_tail_table", Linkage::Local, false, false)?;
    let mut desc = DataDescription::new();
    let width = module.target_config().pointer_bytes() as usize;
    // Explicit zero bytes, not `define_zeroinit`: an object file puts zero-initialised data in
    // `.bss`, where the relocations that fill in the addresses would be lost.
    desc.define(vec![0u8; direct.len().max(1) * width].into_boxed_slice());
    desc.set_align(width as u64);
    for (i, f) in direct.iter().enumerate() {
        let r = module.declare_func_in_data(*f, &mut desc);
        desc.write_function_addr((i * width) as u32, r);
    }
    module.define_data(id, &desc)?;
    Ok(id)
}

/// The signature of a direct entry taking `n` tagged parameters (what a dynamic tail call site
/// calls through the tail table).
pub(crate) fn tagged_signature<M: Module>(module: &M, n: usize) -> Signature {
    direct_signature(module, &vec![false; n])
}

/// `(ctx, [tag,] bits, ...) -> (tag, bits)`: a tag per parameter unless it is `tagless`; past
/// [`BY_POINTER_PARAMS`] parameters `(ctx, args: *const Val) -> (tag, bits)`. Direct entries
/// use Cranelift's `tail` calling convention, so that MIR tail calls become `return_call`s.
pub(crate) fn direct_signature<M: Module>(module: &M, tagless: &[bool]) -> Signature {
    let mut sig = module.make_signature();
    sig.call_conv = CallConv::Tail;
    let ptr = module.target_config().pointer_type();
    sig.params.push(AbiParam::new(ptr));
    if by_pointer(tagless.len()) {
        sig.params.push(AbiParam::new(ptr));
    }
    for t in tagless.iter().filter(|_| !by_pointer(tagless.len())) {
        let n = if *t { 1 } else { 2 };
        for _ in 0..n {
            sig.params.push(AbiParam::new(types::I64));
        }
    }
    sig.returns.push(AbiParam::new(types::I64));
    sig.returns.push(AbiParam::new(types::I64));
    sig
}

/// `(ctx, args: *const Val, nargs) -> (tag, bits)`.
pub fn array_signature<M: Module>(module: &M) -> Signature {
    in_memory_signature(module, true)
}

/// `(ctx, vals: *const Val[, count]) -> (tag, bits)`: the signature of an entry that reads its
/// values from memory, with their count (an array entry) or without (an OSR entry).
pub(crate) fn in_memory_signature<M: Module>(module: &M, counted: bool) -> Signature {
    let ptr = module.target_config().pointer_type();
    let mut sig = module.make_signature();
    sig.params.push(AbiParam::new(ptr));
    sig.params.push(AbiParam::new(ptr));
    if counted {
        sig.params.push(AbiParam::new(types::I64));
    }
    sig.returns.push(AbiParam::new(types::I64));
    sig.returns.push(AbiParam::new(types::I64));
    sig
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::object_module;

    #[test]
    fn long_parameter_lists_travel_by_pointer_without_a_limit() {
        // 16,000 parameters (32,001 native parameters in registers and on the stack) made
        // Cranelift panic (a `tail` callee pops its stack arguments with `ret imm16`), then a
        // clear error; by pointer the entry has two.
        let n = 16_000;
        let ps: Vec<String> = (0..n).map(|k| format!("%p{k}")).collect();
        let args: Vec<String> = (0..n).map(|_| "%z".to_string()).collect();
        let src = format!(
            "fn @f({}) {{\nbb0:\n  ret %p0\n}}\n\nfn @main() {{\nbb0:\n  %z = const 0\n  \
             %r = call @f({})\n  ret %r\n}}\n",
            ps.join(", "),
            args.join(", ")
        );
        let (mir, _) = mir14_mir::parse(&src).unwrap();
        let t = translate_module(&mut object_module(), &mir, TranslateOptions::default()).unwrap();
        // Neither frame holds the argument list (16 bytes each would be 256,000 bytes): the
        // caller's frame has only the argument slot of its own calls, the callee's its values.
        assert!(by_pointer(n) && !by_pointer(BY_POINTER_PARAMS));
        assert_eq!(
            direct_signature(&object_module(), &vec![false; n])
                .params
                .len(),
            2
        );
        assert_eq!(
            direct_signature(&object_module(), &[false; BY_POINTER_PARAMS])
                .params
                .len(),
            1 + 2 * BY_POINTER_PARAMS
        );
        assert_eq!(t.direct.len(), 2);
    }

    #[test]
    fn too_many_phis_in_a_block_is_a_clear_error() {
        // 33,000 phis of unknown type take a tag and bits each: more block parameters than
        // Cranelift's 16-bit index allows.
        let n = 33_000;
        let mut src = String::from(
            "fn @main(%a) {\nbb0:\n  branch %a, l, r\nl:\n  jump j\nr:\n  jump j\nj:\n",
        );
        for k in 0..n {
            src += &format!("  %q{k} = phi [l: %a], [r: %a]\n");
        }
        src += "  ret %q0\n}\n";
        let (mir, _) = mir14_mir::parse(&src).unwrap();
        let err = match translate_module(&mut object_module(), &mir, TranslateOptions::default()) {
            Ok(_) => panic!("translated"),
            Err(e) => format!("{e:?}"),
        };
        assert!(
            err.contains("block j of @main has too many phis")
                && err.contains("at most 65536 native parameters per block"),
            "{err}"
        );
    }

    const SRC: &str = "fn @add(%a, %b) {\nbb0:\n  %c = binop add %a, %b\n  ret %c\n}\n\n\
                       fn @main() {\nbb0:\n  %x = const 1\n  %s = const \"hi\"\n  \
                       %y = call @add(%x, %x)\n  ret %y\n}\n";

    /// Tail calls of every callee kind (the Cranelift verifier checks the `return_call`s).
    const TAIL: &str = "box W { k }\n\n\
        fn @W.m(%me, %n) {\nbb0:\n  %r = tail call %me.W::s(%n)\n  ret %r\n}\n\n\
        fn @W.s(%me, %n) {\nbb0:\n  %r = tail call %me(%n)\n  ret %r\n}\n\n\
        fn @W.apply(%me, %n) {\nbb0:\n  %f = const @g\n  %r = tail call %f(%me, %n)\n  ret %r\n}\n\n\
        fn @g(%w, %n) {\nbb0:\n  %r = tail call @h(%n, %w)\n  ret %r\n}\n\n\
        fn @h(%n, %w) {\nbb0:\n  tail call %w.m(%n)\n  ret\n}\n\n\
        fn @main() {\nbb0:\n  %w = new W()\n  %n = const 1\n  %r = call @g(%w, %n)\n  ret %r\n}\n";

    #[test]
    fn translates_tail_calls_with_every_option() {
        let (mir, _) = mir14_mir::parse(TAIL).unwrap();
        mir14_mir::verify(&mir).unwrap();
        assert!(has_dynamic_tail_call(&mir));
        for (fuel, typed, profile) in [
            (false, true, false),
            (true, true, true),
            (false, false, true),
            (true, false, false),
        ] {
            let mut obj = object_module();
            let opts = TranslateOptions {
                fuel,
                typed,
                dump: false,
                profile,
            };
            translate_module(&mut obj, &mir, opts).unwrap();
            assert!(!obj.finish().emit().unwrap().is_empty());
        }
    }

    #[test]
    fn big_functions_are_compiled_with_the_cheap_settings() {
        // 400 nested loops (n values live across n loops: quadratic in regalloc2's default
        // allocator) make more than 1,024 Cranelift blocks; the small function does not.
        let mut src = crate::testing::nested_loops(400);
        src += "\nfn @small() {\nbb0:\n  %r = const 1\n  ret %r\n}\n";
        let (mir, _) = mir14_mir::parse(&src).unwrap();
        mir14_mir::verify(&mir).unwrap();
        let t = translate_module(&mut object_module(), &mir, TranslateOptions::default()).unwrap();
        assert_eq!(t.cheap_functions, 1);
        let f = mir.functions.values().next().unwrap();
        assert_eq!(
            crate::compile::settings_for(f),
            crate::compile::Settings::NoOptSinglePass
        );
    }

    #[test]
    fn big_irreducible_functions_keep_the_default_settings() {
        // 400 irreducible two-block cycles in a row (1,200 blocks): the cheap settings are
        // quadratic on irreducible control flow, the default pipeline is not.
        let n = 400;
        let mut src = String::from(
            "fn @main() {\nentry:\n  %zero = const 0\n  %one = const 1\n  %two = const 2\n  \
             %t = const true\n  jump e0\n",
        );
        for k in 0..n {
            src += &format!(
                "e{k}:\n  branch %t, a{k}, b{k}\na{k}:\n  %a{k} = phi [e{k}: %zero], [b{k}: %b1_{k}]\n  \
                 %a1_{k} = binop add %a{k}, %one\n  %ca{k} = compare lt %a1_{k}, %two\n  \
                 branch %ca{k}, b{k}, e{n1}\nb{k}:\n  %b{k} = phi [e{k}: %zero], [a{k}: %a1_{k}]\n  \
                 %b1_{k} = binop add %b{k}, %one\n  %cb{k} = compare lt %b1_{k}, %two\n  \
                 branch %cb{k}, a{k}, e{n1}\n",
                n1 = k + 1
            );
        }
        src += &format!("e{n}:\n  ret %one\n}}\n");
        let (mir, _) = mir14_mir::parse(&src).unwrap();
        mir14_mir::verify(&mir).unwrap();
        let f = mir.functions.values().next().unwrap();
        assert_eq!(
            crate::compile::settings_for(f),
            crate::compile::Settings::Default
        );
        let t = translate_module(&mut object_module(), &mir, TranslateOptions::default()).unwrap();
        assert_eq!(t.cheap_functions, 0);
    }

    #[test]
    fn only_functions_on_call_cycles_repeat() {
        // main -> a -> b -> a (a cycle), main -> c -> d, e (callable: its address is taken)
        // -> f, g calls itself.
        let src = "fn @main() {\nbb0:\n  %x = call @a()\n  %y = call @c()\n  \
                   %e = const @e\n  %z = call @g()\n  ret %x\n}\n\n\
                   fn @a() {\nbb0:\n  %r = call @b()\n  ret %r\n}\n\n\
                   fn @b() {\nbb0:\n  %r = call @a()\n  ret %r\n}\n\n\
                   fn @c() {\nbb0:\n  %r = call @d()\n  ret %r\n}\n\n\
                   fn @d() {\nbb0:\n  %r = const 1\n  ret %r\n}\n\n\
                   fn @e() {\nbb0:\n  %r = call @f()\n  ret %r\n}\n\n\
                   fn @f() {\nbb0:\n  %r = const 1\n  ret %r\n}\n\n\
                   fn @g() {\nbb0:\n  %r = tail call @g()\n  ret %r\n}\n";
        let (mir, _) = mir14_mir::parse(src).unwrap();
        mir14_mir::verify(&mir).unwrap();
        let callable = runtime_callable(&mir);
        let got: Vec<&str> = repeatable(&mir, &callable)
            .iter()
            .zip(mir.functions.values())
            .filter(|(r, _)| **r)
            .map(|(_, f)| f.name.as_str())
            .collect();
        assert_eq!(got, ["a", "b", "e", "f", "g"]);
    }

    #[test]
    fn a_huge_function_called_once_is_counted_once() {
        // main holds 3,000 computed values live across a call (a big frame) but runs once:
        // its frame is in `stack_once`, not multiplied by the depth limit.
        let n = 3000;
        let mut src = String::from("fn @main() {\nbb0:\n  %one = const 1\n  %v0 = const 0\n");
        for k in 1..n {
            src += &format!("  %v{k} = binop add %v{}, %one\n", k - 1);
        }
        src += "  %r = call @leaf()\n";
        for k in 0..n {
            src += &format!("  extern env.console.log(%v{k})\n");
        }
        src += "  ret %r\n}\n\nfn @leaf() {\nbb0:\n  %r = const 1\n  ret %r\n}\n";
        let (mir, _) = mir14_mir::parse(&src).unwrap();
        mir14_mir::verify(&mir).unwrap();
        let t = translate_module(&mut object_module(), &mir, TranslateOptions::default()).unwrap();
        assert!(t.stack_once > 1000, "{}", t.stack_once);
        assert_eq!(t.stack_per_call, 0);
    }

    #[test]
    fn stack_per_call_grows_with_the_frame() {
        let args = vec!["%z"; 600].join(", ");
        let src = format!(
            "fn @main() {{\nbb0:\n  %z = const 0\n  %a = new ArrayBox({args})\n  \
             %b = call @main()\n  ret %a\n}}\n"
        );
        let (mir, _) = mir14_mir::parse(&src).unwrap();
        mir14_mir::verify(&mir).unwrap();
        let t = translate_module(&mut object_module(), &mir, TranslateOptions::default()).unwrap();
        // The 600-argument array occupies 16 bytes per argument of the frame of a function
        // that recurses (so its frame counts once per level of the depth limit).
        assert!(t.stack_per_call >= 600 * 16, "{}", t.stack_per_call);
        assert_eq!(t.stack_once, 0);
        assert_eq!(
            stack_per_call(100, 50, true),
            150 + mir14_rt::abi::RUNTIME_REENTRY_STACK
        );
        assert_eq!(stack_per_call(100, 50, false), 100);
    }

    #[test]
    fn translates_with_every_option() {
        let (mir, _) = mir14_mir::parse(SRC).unwrap();
        mir14_mir::verify(&mir).unwrap();
        for (fuel, typed) in [(false, true), (true, true), (false, false), (true, false)] {
            let mut obj = object_module();
            let opts = TranslateOptions {
                fuel,
                typed,
                dump: false,
                profile: fuel,
            };
            let t = translate_module(&mut obj, &mir, opts).unwrap();
            assert_eq!(t.direct.len(), 2);
            assert_eq!(t.array.len(), 2);
            assert_eq!(t.symbols.strings, ["hi"]);
            // Real frame sizes: small functions, no runtime-callable one, none recursive.
            assert_eq!(t.stack_per_call, 0);
            assert!(t.stack_once > 0 && t.stack_once < 4096, "{}", t.stack_once);
            let bytes = obj.finish().emit().unwrap();
            assert!(!bytes.is_empty());
        }
    }
}
