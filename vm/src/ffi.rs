//! Calls of imported C functions in the interpreter, through libffi.
//!
//! The interpreter cannot emit a call with a signature it learns only from the module, so each
//! C import gets a libffi call interface (`Cif`) prepared once, when the module is decoded; a
//! call then checks and converts its arguments in the runtime ([`Runtime::ffi_args`]), calls the
//! resolved address through the interface and converts the result
//! ([`Runtime::ffi_result`]). libffi was chosen because it is the standard, ABI-exact way to
//! make a call whose signature is known only at run time (on every platform it supports), and
//! Debian ships it (`libffi-dev`), which the `libffi` crate links with its `system` feature.
//! Host imports need no interface: the runtime calls the Rust closure itself.

use libffi::middle::{arg, Arg, Cif, CodePtr, Type};
use mir14_mir::{FfiType, ImportKind};
use mir14_rt::{Runtime, Trap, Val};

/// The libffi type of a boundary type (`bool` is one byte; strings are pointers).
fn ffi_type(t: FfiType) -> Type {
    match t {
        FfiType::Integer => Type::i64(),
        FfiType::Float => Type::f64(),
        FfiType::Bool => Type::u8(),
        FfiType::String => Type::pointer(),
        FfiType::Void => Type::void(),
    }
}

/// The prepared call interfaces of a module's imports, by import index (`None` for host
/// imports).
pub(crate) struct Interfaces {
    cifs: Vec<Option<Cif>>,
}

impl std::fmt::Debug for Interfaces {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Interfaces({})", self.cifs.len())
    }
}

impl Interfaces {
    /// Prepares an interface for every C import of the run.
    pub(crate) fn prepare(rt: &Runtime) -> Interfaces {
        let cifs = rt
            .imports
            .iter()
            .map(|m| {
                (m.kind == ImportKind::C)
                    .then(|| Cif::new(m.params.iter().map(|t| ffi_type(*t)), ffi_type(m.ret)))
            })
            .collect();
        Interfaces { cifs }
    }

    /// Calls import `idx` with `args`.
    pub(crate) fn call(&self, rt: &mut Runtime, idx: usize, args: &[Val]) -> Result<Val, Trap> {
        let Some(Some(cif)) = self.cifs.get(idx) else {
            return rt.call_host(idx, args);
        };
        let mut raw = vec![0u64; args.len()];
        rt.ffi_args(idx, args, &mut raw)?;
        let meta = &rt.imports[idx];
        if meta.addr == 0 {
            return Err(Trap::type_error(format!(
                "C function {} was not resolved",
                meta.name
            )));
        }
        // Each argument in the C representation libffi reads through a pointer.
        let bytes: Vec<u8> = meta
            .params
            .iter()
            .zip(&raw)
            .map(|(t, w)| if *t == FfiType::Bool { *w as u8 } else { 0 })
            .collect();
        let floats: Vec<f64> = raw.iter().map(|w| f64::from_bits(*w)).collect();
        let ptrs: Vec<usize> = raw.iter().map(|w| *w as usize).collect();
        let ints: Vec<i64> = raw.iter().map(|w| *w as i64).collect();
        let argv: Vec<Arg> = meta
            .params
            .iter()
            .enumerate()
            .map(|(i, t)| match t {
                FfiType::Integer | FfiType::Void => arg(&ints[i]),
                FfiType::Float => arg(&floats[i]),
                FfiType::Bool => arg(&bytes[i]),
                FfiType::String => arg(&ptrs[i]),
            })
            .collect();
        let code = CodePtr::from_ptr(meta.addr as *const std::ffi::c_void);
        // SAFETY: `addr` is the resolved C function the module declared with exactly these
        // parameter and result types (the declaration is the program's promise, as in C); the
        // arguments match the interface's types, and string arguments stay alive in the
        // runtime's scratch list until `ffi_result`.
        let word: u64 = unsafe {
            match meta.ret {
                FfiType::Integer => cif.call::<i64>(code, &argv) as u64,
                FfiType::Float => cif.call::<f64>(code, &argv).to_bits(),
                FfiType::Bool => u64::from(cif.call::<u8>(code, &argv)),
                FfiType::String => cif.call::<usize>(code, &argv) as u64,
                FfiType::Void => {
                    cif.call::<()>(code, &argv);
                    0
                }
            }
        };
        Ok(rt.ffi_result(idx, word))
    }
}
