//! Imported functions (spec §Imports): C functions found in shared libraries, and host
//! functions that an embedding program registers from Rust.
//!
//! A module declares what it calls with `import c.NAME(T...) -> T` or `import host.NAME(...)`.
//! Before anything runs, [`resolve_imports`] finds every C symbol (in the `--lib` libraries, in
//! order, then in the process, which includes the C library) and every host function (in
//! [`Config::host`]); a missing one is an error naming it. At each call the runtime checks the
//! arguments' dynamic types against the declaration ([`Runtime::ffi_args`]), so a wrong type
//! traps `TypeError` with the same message on every backend before the function runs; the
//! backend then makes the call itself (the interpreter through libffi, compiled code directly),
//! and [`Runtime::ffi_result`] turns the raw C result into a value.
//!
//! Raw C values travel as one `u64` word each: an `int64_t`, the bits of a `double`, a `bool`
//! as 0 or 1, or a `const char *`.

use crate::heap::str_of;
use crate::runtime::{Config, Runtime};
use crate::trap::Trap;
use crate::value::{Val, BOOL, FLOAT, INT, STR, VOID};
use mir14_mir::{FfiType, ImportKind, Module};
use std::collections::BTreeMap;
use std::ffi::{c_char, c_int, c_void, CStr, CString};
use std::fmt;
use std::sync::Arc;

/// A value passed to or returned by a host function.
#[derive(Clone, Debug, PartialEq)]
pub enum HostValue {
    /// An Integer.
    Integer(i64),
    /// A Float.
    Float(f64),
    /// A Bool.
    Bool(bool),
    /// A String.
    String(String),
    /// `void` (the result of a function declared `-> Void`).
    Void,
}

impl HostValue {
    /// The boundary type of this value.
    pub fn ty(&self) -> FfiType {
        match self {
            HostValue::Integer(_) => FfiType::Integer,
            HostValue::Float(_) => FfiType::Float,
            HostValue::Bool(_) => FfiType::Bool,
            HostValue::String(_) => FfiType::String,
            HostValue::Void => FfiType::Void,
        }
    }
}

/// The Rust side of a host function: the arguments (already checked against the declared
/// parameter types) to the result, or a trap (e.g. `Trap::type_error("...")`) that ends the
/// program like any other.
pub type HostFn = dyn Fn(&[HostValue]) -> Result<HostValue, Trap> + Send + Sync;

/// A registered host function: its signature and its Rust implementation.
#[derive(Clone)]
pub struct HostFunction {
    /// The parameter types.
    pub params: Vec<FfiType>,
    /// The result type. A `String` result may also be [`HostValue::Void`] (like a NULL C
    /// string).
    pub ret: FfiType,
    /// The implementation.
    pub func: Arc<HostFn>,
}

impl fmt::Debug for HostFunction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HostFunction{}", signature(&self.params, self.ret))
    }
}

/// The host functions an embedding program offers to modules, by name: a module calls host
/// function `NAME` after declaring `import host.NAME(T...) -> T` with the same types.
///
/// Set [`Config::host`] before running a module; the interpreter (`mir14_vm::run`) and the JIT
/// (`mir14_jit::run`) both call them. An AOT executable has no host to register them, so a
/// module importing one does not start there.
///
/// ```
/// use mir14_rt::{Config, FfiType, HostFunctions, HostValue};
/// let mut host = HostFunctions::new();
/// host.register("twice", &[FfiType::Integer], FfiType::Integer, |args| match args {
///     [HostValue::Integer(n)] => Ok(HostValue::Integer(n * 2)),
///     _ => unreachable!("the runtime checks the argument types"),
/// });
/// let config = Config { host, ..Config::default() };
/// assert!(config.host.get("twice").is_some());
/// ```
#[derive(Clone, Default)]
pub struct HostFunctions {
    map: BTreeMap<String, HostFunction>,
}

impl HostFunctions {
    /// No host functions.
    pub fn new() -> HostFunctions {
        HostFunctions::default()
    }

    /// Registers (or replaces) host function `name` with its parameter and result types.
    pub fn register<F>(&mut self, name: &str, params: &[FfiType], ret: FfiType, f: F) -> &mut Self
    where
        F: Fn(&[HostValue]) -> Result<HostValue, Trap> + Send + Sync + 'static,
    {
        self.map.insert(
            name.to_string(),
            HostFunction {
                params: params.to_vec(),
                ret,
                func: Arc::new(f),
            },
        );
        self
    }

    /// The host function registered as `name`.
    pub fn get(&self, name: &str) -> Option<&HostFunction> {
        self.map.get(name)
    }

    /// The registered names, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.map.keys().map(String::as_str)
    }

    /// True if nothing is registered.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

impl fmt::Debug for HostFunctions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.map.iter()).finish()
    }
}

/// Two registries are equal when they register the same names with the same signatures and
/// the same implementations (the same `Arc`).
impl PartialEq for HostFunctions {
    fn eq(&self, other: &Self) -> bool {
        self.map.len() == other.map.len()
            && self.map.iter().zip(other.map.iter()).all(|(a, b)| {
                a.0 == b.0
                    && a.1.params == b.1.params
                    && a.1.ret == b.1.ret
                    && Arc::ptr_eq(&a.1.func, &b.1.func)
            })
    }
}

impl Eq for HostFunctions {}

/// `(Integer, String) -> Bool`.
pub fn signature(params: &[FfiType], ret: FfiType) -> String {
    let ps: Vec<&str> = params.iter().map(|t| t.name()).collect();
    format!("({}) -> {}", ps.join(", "), ret.name())
}

/// What one import of a module resolved to.
#[derive(Clone, Debug)]
pub enum ImportTarget {
    /// The address of a C function.
    C(usize),
    /// A registered host function.
    Host(HostFunction),
}

/// Run-time facts about one import of the module.
#[derive(Clone, Debug)]
pub struct ImportMeta {
    /// The dotted name, `c.strlen`.
    pub name: String,
    /// The symbol or registered name, `strlen`.
    pub symbol: String,
    /// C or host.
    pub kind: ImportKind,
    /// The parameter types.
    pub params: Vec<FfiType>,
    /// The result type.
    pub ret: FfiType,
    /// The host function, if this is a host import registered in [`Config::host`].
    pub host: Option<HostFunction>,
    /// The C function's address once resolved ([`Runtime::link_imports`]); 0 before.
    pub addr: usize,
}

impl ImportMeta {
    /// The import metadata of every import of `module`, host functions taken from `config`.
    pub fn of_module(module: &Module, config: &Config) -> Vec<ImportMeta> {
        module
            .imports
            .values()
            .map(|d| ImportMeta {
                name: d.full_name(),
                symbol: d.name.clone(),
                kind: d.kind,
                params: d.params.clone(),
                ret: d.ret,
                host: match d.kind {
                    ImportKind::Host => config.host.get(&d.name).cloned(),
                    ImportKind::C => None,
                },
                addr: 0,
            })
            .collect()
    }
}

extern "C" {
    fn dlopen(filename: *const c_char, flag: c_int) -> *mut c_void;
    fn dlsym(handle: *mut c_void, symbol: *const c_char) -> *mut c_void;
    fn dlerror() -> *mut c_char;
}

const RTLD_NOW: c_int = 2;
const RTLD_GLOBAL: c_int = 0x100;

/// The last `dlerror()` message.
fn dl_error() -> String {
    // SAFETY: dlerror returns NULL or a NUL-terminated string valid until the next dl call.
    let p = unsafe { dlerror() };
    if p.is_null() {
        "unknown error".to_string()
    } else {
        // SAFETY: as above.
        unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
    }
}

/// `dlopen(path)`; the error is `dlerror()`.
fn dl_open(path: &str) -> Result<*mut c_void, String> {
    let c = CString::new(path).map_err(|_| "the name contains a NUL byte".to_string())?;
    // SAFETY: `c` is a valid C string; RTLD_NOW|RTLD_GLOBAL are valid flags.
    let h = unsafe { dlopen(c.as_ptr(), RTLD_NOW | RTLD_GLOBAL) };
    if h.is_null() {
        Err(dl_error())
    } else {
        Ok(h)
    }
}

/// The directories searched for `libNAME.so.*` when `libNAME.so` itself cannot be loaded (on
/// Debian, `libm.so` is a linker script and only `libm.so.6` loads).
fn library_dirs() -> Vec<String> {
    let mut dirs: Vec<String> = std::env::var("LD_LIBRARY_PATH")
        .unwrap_or_default()
        .split(':')
        .filter(|d| !d.is_empty())
        .map(str::to_string)
        .collect();
    let arch = format!("{}-linux-gnu", std::env::consts::ARCH);
    for d in ["/lib", "/usr/lib", "/usr/local/lib"] {
        dirs.push(format!("{d}/{arch}"));
        dirs.push(d.to_string());
    }
    dirs.push("/lib64".into());
    dirs.push("/usr/lib64".into());
    dirs
}

/// True if a `--lib` argument names a file (`PATH.so`, `PATH.a`, anything with a `/`) rather
/// than a library `NAME`.
pub fn lib_is_path(spec: &str) -> bool {
    spec.contains('/') || spec.ends_with(".so") || spec.contains(".so.") || spec.ends_with(".a")
}

/// Opens the library of one `--lib` argument: a path (`./libfoo.so`) or a name (`m` for
/// `libm.so` on the system search path, falling back to the newest-looking `libm.so.N`).
pub fn open_library(spec: &str) -> Result<*mut c_void, String> {
    let fail = |why: String| format!("cannot load library {spec}: {why}");
    if spec.ends_with(".a") {
        return Err(fail(
            "a static library can only be linked into an executable (mir14 build)".into(),
        ));
    }
    if lib_is_path(spec) {
        // A relative path is relative to the current directory (dlopen would search the
        // system path for a bare file name).
        let p = std::path::Path::new(spec);
        let abs = if p.is_absolute() {
            p.to_path_buf()
        } else {
            std::env::current_dir()
                .map_err(|e| fail(e.to_string()))?
                .join(p)
        };
        return dl_open(&abs.to_string_lossy()).map_err(fail);
    }
    let first = match dl_open(&format!("lib{spec}.so")) {
        Ok(h) => return Ok(h),
        Err(e) => e,
    };
    let prefix = format!("lib{spec}.so.");
    for dir in library_dirs() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(&prefix))
            .collect();
        names.sort();
        for n in names {
            if let Ok(h) = dl_open(&format!("{dir}/{n}")) {
                return Ok(h);
            }
        }
    }
    Err(fail(first))
}

/// Looks `name` up in `handle` (NULL for the whole process).
fn dl_sym(handle: *mut c_void, name: &str) -> Option<usize> {
    let c = CString::new(name).ok()?;
    // SAFETY: `handle` is NULL (RTLD_DEFAULT) or came from dlopen; `c` is a valid C string.
    let p = unsafe { dlsym(handle, c.as_ptr()) };
    (!p.is_null()).then_some(p as usize)
}

/// The address of C function `symbol`: in the libraries of `config.libs` (in order), then in the
/// process (the C library and everything already loaded).
fn find_symbol(handles: &[*mut c_void], symbol: &str) -> Option<usize> {
    handles
        .iter()
        .find_map(|h| dl_sym(*h, symbol))
        .or_else(|| dl_sym(std::ptr::null_mut(), symbol))
}

/// The message for a C import that no library defines.
pub fn undefined_c_function(full_name: &str) -> String {
    format!("undefined C function {full_name}: no library given with --lib defines it")
}

/// Resolves every import of `module` before anything runs: C functions in the libraries of
/// `config.libs` (opened here, in order) and then in the process (the C library), host
/// functions in `config.host` with exactly the declared signature. The error names the first
/// import that does not resolve (or the library that does not load).
pub fn resolve_imports(module: &Module, config: &Config) -> Result<Vec<ImportTarget>, String> {
    let needs_c = module.imports.values().any(|d| d.kind == ImportKind::C);
    let handles: Vec<*mut c_void> = if needs_c {
        config
            .libs
            .iter()
            .map(|l| open_library(l))
            .collect::<Result<_, _>>()?
    } else {
        Vec::new()
    };
    let mut out = Vec::new();
    for d in module.imports.values() {
        match d.kind {
            ImportKind::C => match find_symbol(&handles, &d.name) {
                Some(a) => out.push(ImportTarget::C(a)),
                None => return Err(undefined_c_function(&d.full_name())),
            },
            ImportKind::Host => out.push(ImportTarget::Host(resolve_host(d, config)?)),
        }
    }
    Ok(out)
}

/// The registered host function of import `d`, if its signature matches.
fn resolve_host(d: &mir14_mir::Import, config: &Config) -> Result<HostFunction, String> {
    let h = config
        .host
        .get(&d.name)
        .ok_or_else(|| format!("undefined host function {}", d.full_name()))?;
    if h.params != d.params || h.ret != d.ret {
        return Err(format!(
            "host function {} is registered as {} but imported as {}",
            d.full_name(),
            signature(&h.params, h.ret),
            signature(&d.params, d.ret)
        ));
    }
    Ok(h.clone())
}

/// Checks only the host imports of `module` (an AOT executable, whose C functions the linker
/// resolved): every one is an error there, since nothing registers host functions.
pub fn check_host_imports(module: &Module, config: &Config) -> Result<(), String> {
    for d in module.imports.values() {
        if d.kind == ImportKind::Host {
            resolve_host(d, config)?;
        }
    }
    Ok(())
}

impl Runtime {
    /// Records the resolved C addresses (from [`resolve_imports`]) for the interpreter.
    pub fn link_imports(&mut self, targets: &[ImportTarget]) {
        for (meta, t) in self.imports.iter_mut().zip(targets) {
            match t {
                ImportTarget::C(a) => meta.addr = *a,
                ImportTarget::Host(h) => meta.host = Some(h.clone()),
            }
        }
    }

    /// The import with index `idx`, or a trap for an index the module does not have.
    fn import(&self, idx: usize) -> Result<&ImportMeta, Trap> {
        self.imports
            .get(idx)
            .ok_or_else(|| Trap::type_error(format!("unknown import {idx}")))
    }

    /// Checks the arguments of a call of import `idx` against its declaration and writes each
    /// one's raw C word to `out` (Strings become NUL-terminated copies that live until the next
    /// call of an import). A wrong count or type, or a String with a NUL character, traps
    /// `TypeError`.
    pub fn ffi_args(&mut self, idx: usize, args: &[Val], out: &mut [u64]) -> Result<(), Trap> {
        self.ffi_scratch.clear();
        let imp = self.import(idx)?;
        if args.len() != imp.params.len() || out.len() < args.len() {
            return Err(Trap::wrong_arity(&imp.name, imp.params.len(), args.len()));
        }
        let mut strings = Vec::new();
        for (i, (a, t)) in args.iter().zip(&imp.params).enumerate() {
            let want = match t {
                FfiType::Integer => INT,
                FfiType::Float => FLOAT,
                FfiType::Bool => BOOL,
                FfiType::String => STR,
                FfiType::Void => VOID,
            };
            if a.tag != want {
                return Err(Trap::type_error(format!(
                    "argument {} of {} must be {}, got {}",
                    i + 1,
                    imp.name,
                    t.name(),
                    self.type_name(*a)
                )));
            }
            out[i] = match t {
                FfiType::Bool => u64::from(a.bits != 0),
                FfiType::String => {
                    let Ok(c) = CString::new(str_of(*a)) else {
                        return Err(Trap::type_error(format!(
                            "argument {} of {} contains a NUL character",
                            i + 1,
                            imp.name
                        )));
                    };
                    let p = c.as_ptr() as u64;
                    strings.push(c);
                    p
                }
                _ => a.bits,
            };
        }
        self.ffi_scratch = strings;
        Ok(())
    }

    /// The value of the raw C result `raw` of import `idx`: an Integer, a Float, a Bool (the low
    /// byte), a copy of the C string (NULL is `void`; invalid UTF-8 becomes U+FFFD), or `void`.
    /// Frees the argument strings of the call.
    pub fn ffi_result(&mut self, idx: usize, raw: u64) -> Val {
        let ret = self.imports.get(idx).map_or(FfiType::Void, |m| m.ret);
        // The result may point into an argument: copy it before the arguments are freed.
        let v = self.ffi_value(ret, raw);
        self.ffi_scratch.clear();
        v
    }

    /// The value of raw C result `raw` of type `ret`.
    fn ffi_value(&mut self, ret: FfiType, raw: u64) -> Val {
        match ret {
            FfiType::Integer => Val::int(raw as i64),
            FfiType::Float => Val::float(f64::from_bits(raw)),
            FfiType::Bool => Val::bool(raw & 0xff != 0),
            FfiType::Void => Val::VOID,
            FfiType::String => {
                if raw == 0 {
                    return Val::VOID;
                }
                // SAFETY: the C function declared a `const char *` result: NULL (handled) or a
                // NUL-terminated string valid until the next call into the library.
                let s = unsafe { CStr::from_ptr(raw as usize as *const c_char) };
                let s = s.to_string_lossy().into_owned();
                self.heap.alloc_string(s)
            }
        }
    }

    /// Calls host import `idx` with `args`: checks them like [`Runtime::ffi_args`], runs the
    /// registered Rust function, and checks that its result has the declared type.
    pub fn call_host(&mut self, idx: usize, args: &[Val]) -> Result<Val, Trap> {
        let mut raw = vec![0u64; args.len()];
        self.ffi_args(idx, args, &mut raw)?;
        self.ffi_scratch.clear();
        let imp = self.import(idx)?;
        let name = imp.name.clone();
        let Some(h) = imp.host.clone() else {
            return Err(Trap::type_error(format!("undefined host function {name}")));
        };
        let hv: Vec<HostValue> = args
            .iter()
            .zip(&h.params)
            .map(|(a, t)| match t {
                FfiType::Integer => HostValue::Integer(a.as_int()),
                FfiType::Float => HostValue::Float(f64::from_bits(a.bits)),
                FfiType::Bool => HostValue::Bool(a.bits != 0),
                FfiType::String => HostValue::String(str_of(*a).to_string()),
                FfiType::Void => HostValue::Void,
            })
            .collect();
        let r = (h.func)(&hv)?;
        let ok = r.ty() == h.ret || (h.ret == FfiType::String && r == HostValue::Void);
        if !ok {
            return Err(Trap::type_error(format!(
                "host function {name} returned {}, declared {}",
                r.ty().name(),
                h.ret.name()
            )));
        }
        Ok(match r {
            HostValue::Integer(n) => Val::int(n),
            HostValue::Float(x) => Val::float(x),
            HostValue::Bool(b) => Val::bool(b),
            HostValue::String(s) => self.heap.alloc_string(s),
            HostValue::Void => Val::VOID,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::Io;

    fn module(src: &str) -> Module {
        let (m, _) = mir14_mir::parse(src).expect("parses");
        m
    }

    const SRC: &str = "import c.strlen(String) -> Integer\nimport host.add(Integer, Float) -> Float\nfn @main() {\nbb0:\n  ret\n}\n";

    #[test]
    fn resolves_libc_and_reports_missing_functions() {
        let m = module("import c.strlen(String) -> Integer\nfn @main() {\nbb0:\n  ret\n}\n");
        let t = resolve_imports(&m, &Config::default()).expect("strlen is in the C library");
        assert!(matches!(t[0], ImportTarget::C(a) if a != 0));
        let m = module("import c.no_such_fn_xyz() -> Void\nfn @main() {\nbb0:\n  ret\n}\n");
        let e = resolve_imports(&m, &Config::default()).unwrap_err();
        assert!(e.contains("c.no_such_fn_xyz"), "{e}");
        let cfg = Config {
            libs: vec!["./no/such/lib.so".into()],
            ..Config::default()
        };
        assert!(resolve_imports(&m, &cfg)
            .unwrap_err()
            .starts_with("cannot load library ./no/such/lib.so"));
    }

    #[test]
    fn host_signatures_must_match() {
        let m = module(SRC);
        let mut cfg = Config::default();
        let e = resolve_imports(&m, &cfg).unwrap_err();
        assert_eq!(e, "undefined host function host.add");
        cfg.host
            .register("add", &[FfiType::Integer], FfiType::Float, |_| {
                Ok(HostValue::Void)
            });
        let e = resolve_imports(&m, &cfg).unwrap_err();
        assert_eq!(
            e,
            "host function host.add is registered as (Integer) -> Float but imported as (Integer, Float) -> Float"
        );
    }

    #[test]
    fn arguments_are_checked_and_converted() {
        let m = module(SRC);
        let mut cfg = Config::default();
        cfg.host.register(
            "add",
            &[FfiType::Integer, FfiType::Float],
            FfiType::Float,
            |a| match a {
                [HostValue::Integer(i), HostValue::Float(x)] => Ok(HostValue::Float(*i as f64 + x)),
                _ => Err(Trap::type_error("bad")),
            },
        );
        let mut rt = Runtime::new(&m, cfg, Io::captured(vec![]));
        let s = rt.heap.alloc_str("a\0b");
        let mut out = [0u64; 1];
        let e = rt.ffi_args(0, &[s], &mut out).unwrap_err();
        assert_eq!(e.message, "argument 1 of c.strlen contains a NUL character");
        let e = rt.ffi_args(0, &[Val::int(1)], &mut out).unwrap_err();
        assert_eq!(
            e.message,
            "argument 1 of c.strlen must be String, got Integer"
        );
        let r = rt.call_host(1, &[Val::int(2), Val::float(0.5)]).unwrap();
        assert_eq!(r, Val::float(2.5));
        assert_eq!(rt.ffi_result(0, 7), Val::int(7));
        assert_eq!(rt.ffi_result(0, 0), Val::int(0));
    }
}
