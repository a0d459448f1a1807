//! Translating a whole module: every MIR function gets a direct entry (local) and an array
//! entry (exported), declared first so that calls between functions resolve, then defined.

use crate::function::{tag_of, FnTranslator};
use crate::imports::RuntimeImports;
use crate::TranslateOptions;
use cranelift_codegen::ir::{types, AbiParam, InstBuilder, MemFlagsData, Signature, UserFuncName};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_module::{
    DataDescription, DataId, FuncId as ClFuncId, Linkage, Module, ModuleResult,
};
use mir14_mir::infer::{self, ModuleTypes};
use mir14_mir::Module as MirModule;
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
}

/// The symbol name of a function's direct entry.
fn direct_name(i: usize) -> String {
    format!("mir14_f{i}")
}

/// The symbol name of a function's array entry.
fn array_name(i: usize) -> String {
    format!("mir14_a{i}")
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
    let tagless: Vec<Vec<bool>> = mir
        .functions
        .iter()
        .map(|(id, f)| {
            f.params
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    p.ty.is_none()
                        && types.as_ref().is_some_and(|t| {
                            !t.open[id.index()]
                                && t.func(id).params.get(i).copied().and_then(tag_of).is_some()
                        })
                })
                .collect()
        })
        .collect();
    // Declare every MIR function's two entries.
    let mut direct = Vec::new();
    let mut array = Vec::new();
    for id in mir.functions.keys() {
        let sig = direct_signature(module, &tagless[id.index()]);
        direct.push(module.declare_function(&direct_name(id.index()), Linkage::Local, &sig)?);
        let asig = array_signature(module);
        array.push(module.declare_function(&array_name(id.index()), Linkage::Export, &asig)?);
    }
    let mut fctx = FunctionBuilderContext::new();
    let mut ctx = module.make_context();
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
                ctx_val: None,
                arg_slot: None,
                trap_block: None,
                trap_landings: HashMap::new(),
                opts,
                ptr,
            };
            t.translate()?;
            t.b.finalize(module.target_config());
        }
        let dump = opts.dump;
        ctx.set_disasm(dump);
        module.define_function(direct[id.index()], &mut ctx)?;
        if dump {
            if let Some(c) = ctx.compiled_code() {
                eprintln!("{}", c.vcode.clone().unwrap_or_default());
            }
        }
        module.clear_context(&mut ctx);

        // The array entry: load the arguments and call the direct entry.
        ctx.func.signature = array_signature(module);
        ctx.func.name = UserFuncName::user(1, array[id.index()].as_u32());
        {
            let mut b = FunctionBuilder::new(&mut ctx.func, &mut fctx);
            let entry = b.create_block();
            b.append_block_params_for_function_params(entry);
            b.switch_to_block(entry);
            b.seal_block(entry);
            let params = b.block_params(entry).to_vec();
            let (cx, args) = (params[0], params[1]);
            let mut call_args = vec![cx];
            for (i, no_tag) in tagless[id.index()].iter().enumerate() {
                let off = (i * 16) as i32;
                if !no_tag {
                    call_args.push(b.ins().load(types::I64, MemFlagsData::trusted(), args, off));
                }
                call_args.push(
                    b.ins()
                        .load(types::I64, MemFlagsData::trusted(), args, off + 8),
                );
            }
            let fref = module.declare_func_in_func(direct[id.index()], b.func);
            let call = b.ins().call(fref, &call_args);
            let res = b.inst_results(call).to_vec();
            b.ins().return_(&res);
            b.finalize(module.target_config());
        }
        module.define_function(array[id.index()], &mut ctx)?;
        module.clear_context(&mut ctx);
    }
    Ok(Translated {
        direct,
        array,
        symbols,
    })
}

/// Defines a read-only data object holding `bytes` and returns its id.
pub fn define_bytes<M: Module>(module: &mut M, name: &str, bytes: Vec<u8>) -> ModuleResult<DataId> {
    let id = module.declare_data(name, Linkage::Local, false, false)?;
    let mut desc = DataDescription::new();
    desc.define(bytes.into_boxed_slice());
    module.define_data(id, &desc)?;
    Ok(id)
}

/// `(ctx, [tag,] bits, ...) -> (tag, bits)`: a tag per parameter unless it is `tagless`.
fn direct_signature<M: Module>(module: &M, tagless: &[bool]) -> Signature {
    let mut sig = module.make_signature();
    sig.params
        .push(AbiParam::new(module.target_config().pointer_type()));
    for t in tagless {
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
    let ptr = module.target_config().pointer_type();
    let mut sig = module.make_signature();
    sig.params.push(AbiParam::new(ptr));
    sig.params.push(AbiParam::new(ptr));
    sig.params.push(AbiParam::new(types::I64));
    sig.returns.push(AbiParam::new(types::I64));
    sig.returns.push(AbiParam::new(types::I64));
    sig
}

#[cfg(test)]
mod tests {
    use super::*;
    use cranelift_codegen::settings::{self, Configurable};
    use cranelift_object::{ObjectBuilder, ObjectModule};

    fn object_module() -> ObjectModule {
        let mut fb = settings::builder();
        fb.set("is_pic", "true").unwrap();
        let isa = cranelift_native::builder()
            .unwrap()
            .finish(settings::Flags::new(fb))
            .unwrap();
        let ob = ObjectBuilder::new(isa, "t", cranelift_module::default_libcall_names()).unwrap();
        ObjectModule::new(ob)
    }

    const SRC: &str = "fn @add(%a, %b) {\nbb0:\n  %c = binop add %a, %b\n  ret %c\n}\n\n\
                       fn @main() {\nbb0:\n  %x = const 1\n  %s = const \"hi\"\n  \
                       %y = call @add(%x, %x)\n  ret %y\n}\n";

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
            };
            let t = translate_module(&mut obj, &mir, opts).unwrap();
            assert_eq!(t.direct.len(), 2);
            assert_eq!(t.array.len(), 2);
            assert_eq!(t.symbols.strings, ["hi"]);
            let bytes = obj.finish().emit().unwrap();
            assert!(!bytes.is_empty());
        }
    }
}
