//! Runtime functions as Cranelift imports: the runtime's Cranelift-free [`RtFunction`] entries
//! (`mir14_rt::abi`) become Cranelift signatures and imported functions here.

use cranelift_codegen::ir::{types, AbiParam, Signature, Type};
use cranelift_module::{FuncId as ClFuncId, Linkage, Module, ModuleResult};
use mir14_rt::abi::{AbiType, RtFunction};
use std::collections::HashMap;

/// The Cranelift type of an [`AbiType`] on a target whose pointers are `ptr`.
pub fn abi_type(t: AbiType, ptr: Type) -> Type {
    match t {
        AbiType::Ctx | AbiType::Ptr => ptr,
        AbiType::I64 => types::I64,
        AbiType::I32 => types::I32,
    }
}

/// The Cranelift signature of runtime function `f` in `module` (the module's calling
/// convention and pointer type).
pub fn signature<M: Module>(module: &M, f: &RtFunction) -> Signature {
    let ptr = module.target_config().pointer_type();
    let mut sig = module.make_signature();
    for t in f.params {
        sig.params.push(AbiParam::new(abi_type(*t, ptr)));
    }
    for t in f.returns {
        sig.returns.push(AbiParam::new(abi_type(*t, ptr)));
    }
    sig
}

/// Declares runtime function `f` as an import of `module`.
pub fn declare<M: Module>(module: &mut M, f: &RtFunction) -> ModuleResult<ClFuncId> {
    let sig = signature(module, f);
    module.declare_function(f.name, Linkage::Import, &sig)
}

/// The runtime functions a module imports: every entry of [`mir14_rt::abi::imports`],
/// declared once per module.
pub struct RuntimeImports {
    ids: HashMap<&'static str, ClFuncId>,
    /// The C functions of the MIR module's `import c.NAME` declarations, by import index.
    c: Vec<Option<ClFuncId>>,
}

impl RuntimeImports {
    /// Declares every runtime function compiled code may import in `module`.
    pub fn declare_all<M: Module>(module: &mut M) -> ModuleResult<RuntimeImports> {
        let mut ids = HashMap::new();
        for f in mir14_rt::abi::imports() {
            ids.insert(f.name, declare(module, f)?);
        }
        Ok(RuntimeImports { ids, c: Vec::new() })
    }

    /// Declares the C function of every `import c.NAME` of `mir` as an import of `module`
    /// under its own symbol, with its C signature: compiled code calls it directly (the JIT
    /// binds the symbol to the resolved address, the AOT linker resolves it).
    pub fn declare_c_imports<M: Module>(
        &mut self,
        module: &mut M,
        mir: &mir14_mir::Module,
    ) -> ModuleResult<()> {
        self.c.clear();
        for d in mir.imports.values() {
            let id = if d.kind == mir14_mir::ImportKind::C {
                let sig = crate::function::c_signature(module, &d.params, d.ret);
                Some(module.declare_function(&d.name, Linkage::Import, &sig)?)
            } else {
                None
            };
            self.c.push(id);
        }
        Ok(())
    }

    /// The declared C function of import `i`, if it is a C import.
    pub fn c_import(&self, i: mir14_mir::ImportId) -> Option<ClFuncId> {
        self.c.get(i.index()).copied().flatten()
    }

    /// The id of runtime function `f`, which must be one of [`mir14_rt::abi::imports`] (the
    /// translator only calls those).
    pub fn id(&self, f: &RtFunction) -> ClFuncId {
        self.ids[f.name]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mir14_rt::abi::{self, control, main, values};

    #[test]
    fn signatures_follow_the_runtime_table() {
        let ptr = types::I64;
        assert_eq!(abi_type(AbiType::Ctx, ptr), ptr);
        assert_eq!(abi_type(AbiType::I32, ptr), types::I32);
        let p: Vec<Type> = values::NEW
            .params
            .iter()
            .map(|t| abi_type(*t, types::I32))
            .collect();
        assert_eq!(p, [types::I32, types::I64, types::I32, types::I64]);
        assert_eq!(control::TRAP_AT.returns.len(), 0);
        assert_eq!(main::MAIN.returns, &[AbiType::I32]);
        assert!(abi::imports().count() > 20);
        // Every module of functions the translator calls is imported.
        let names: Vec<&str> = abi::imports().map(|f| f.name).collect();
        for list in [
            control::FUNCTIONS,
            values::FUNCTIONS,
            abi::calls::FUNCTIONS,
            abi::array::FUNCTIONS,
        ] {
            assert!(list.iter().all(|f| names.contains(&f.name)));
        }
    }
}
