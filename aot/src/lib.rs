//! `mir14-aot`: the MIR14 Cranelift AOT backend. It turns a verified module into a standalone
//! native executable that needs nothing at run time but the C library.
//!
//! # How an executable is made
//!
//! 1. **Object file** ([`compile_object`]): the module is printed in canonical text
//!    ([`mir14_mir::print`]) and re-parsed; the re-parsed module is what gets translated, by the
//!    one translator shared with the JIT ([`mir14_jit::translate_module`], over a
//!    [`cranelift_object::ObjectModule`], `is_pic=true`, baseline CPU features of the host
//!    architecture so the executable runs on any CPU of that architecture). The object also holds
//!    * `mir14_text`: the canonical text, from which the runtime rebuilds its metadata and the
//!      symbol tables at start-up (parsing the same text gives the same module, so compile time
//!      and run time agree on every index);
//!    * `mir14_entries`: the array entry of every function, by function index (function-address
//!      relocations);
//!    * a C `main(argc, argv)` that calls `mir14_rt_main(argc, argv, text, len, entries, n,
//!      main_index, max_depth, fuel_enabled, fuel)` (in `mir14_rt::abi`) and returns its status.
//!      The limits (`--max-depth`, `--fuel`) are baked in here.
//! 2. **Runtime library**: `libmir14rt.a` (crate `mir14-rt-static`), built in release mode by this
//!    crate's build script and embedded with `include_bytes!` ([`runtime_library`]).
//! 3. **Link**: `cc prog.o libmir14rt.a -o prog` plus the native libraries that rustc reported for
//!    the static library ([`native_libs`]), in a temporary directory that is removed afterwards.
//!    The C compiler driver is `$CC` if set, else the first of `cc`, `gcc`, `clang` on `PATH`.
//!
//! A [`Linker`] keeps the runtime archive written once in its temporary directory, so building
//! many executables (the test harness) does not rewrite it each time.

use cranelift_codegen::ir::{types, AbiParam, InstBuilder, UserFuncName};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_module::{default_libcall_names, DataDescription, Linkage, Module};
use cranelift_object::{ObjectBuilder, ObjectModule};
use mir14_jit::translate::{translate_module, TranslateOptions};
use mir14_mir::Module as MirModule;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The runtime static library (`libmir14rt.a`), built by the build script.
static RUNTIME_LIB: &[u8] = include_bytes!(env!("MIR14_RT_LIB"));

/// The native libraries the runtime library needs, as rustc reported them.
const NATIVE_LIBS: &str = env!("MIR14_RT_NATIVE_LIBS");

/// The limits baked into an executable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AotOptions {
    /// The maximum call depth (`--max-depth`; default 100000).
    pub max_depth: u64,
    /// The fuel (`--fuel N`); `None` means unlimited, and the code carries no fuel checks.
    pub fuel: Option<u64>,
}

impl Default for AotOptions {
    fn default() -> AotOptions {
        AotOptions {
            max_depth: 100_000,
            fuel: None,
        }
    }
}

/// The embedded runtime static library (`libmir14rt.a`).
pub fn runtime_library() -> &'static [u8] {
    RUNTIME_LIB
}

/// The linker arguments for the native libraries the runtime needs (e.g. `-lpthread -lc`).
pub fn native_libs() -> Vec<&'static str> {
    NATIVE_LIBS.split_whitespace().collect()
}

/// The ISA for object code: the host architecture with its baseline features only.
fn isa() -> Result<cranelift_codegen::isa::OwnedTargetIsa, String> {
    let mut fb = settings::builder();
    for (k, v) in [
        ("opt_level", "speed"),
        ("is_pic", "true"),
        ("preserve_frame_pointers", "true"),
        ("use_colocated_libcalls", "false"),
    ] {
        fb.set(k, v)
            .map_err(|e| format!("cranelift setting {k}={v}: {e}"))?;
    }
    let builder =
        cranelift_native::builder_with_options(false).map_err(|e| format!("host ISA: {e}"))?;
    builder
        .finish(settings::Flags::new(fb))
        .map_err(|e| format!("host ISA: {e}"))
}

/// Compiles a verified module to a relocatable object file (the bytes of `prog.o`) that defines
/// the C `main`. Errors: the module has no `@main`, or its canonical text does not re-parse and
/// verify (a printer or verifier bug), or code generation fails.
pub fn compile_object(module: &MirModule, opts: &AotOptions) -> Result<Vec<u8>, String> {
    // Translate the module the executable will rebuild at start-up, not the caller's copy.
    let text = mir14_mir::print(module);
    let (mir, _) = mir14_mir::parse(&text).map_err(|d| {
        let first = d.first().map(|d| d.message.clone()).unwrap_or_default();
        format!("internal error: the canonical text does not parse: {first}")
    })?;
    mir14_mir::verify(&mir).map_err(|e| {
        let first = e.first().map(|e| e.message.clone()).unwrap_or_default();
        format!("the module does not verify: {first}")
    })?;
    let main_id = mir
        .function_by_name("main")
        .ok_or("the module has no @main function")?;

    let isa = isa()?;
    let ob = ObjectBuilder::new(isa, "mir14_program", default_libcall_names())
        .map_err(|e| format!("object builder: {e}"))?;
    let mut obj = ObjectModule::new(ob);
    let err = |e: cranelift_module::ModuleError| format!("AOT compilation failed: {e:?}");
    let t = translate_module(
        &mut obj,
        &mir,
        TranslateOptions {
            fuel: opts.fuel.is_some(),
        },
    )
    .map_err(err)?;
    let ptr = obj.target_config().pointer_type();
    let ptr_bytes = ptr.bytes() as usize;

    // The canonical text.
    let text_len = text.len();
    let text_id = obj
        .declare_data("mir14_text", Linkage::Local, false, false)
        .map_err(err)?;
    let mut desc = DataDescription::new();
    desc.define(text.into_bytes().into_boxed_slice());
    obj.define_data(text_id, &desc).map_err(err)?;

    // The table of array entries.
    let n = t.array.len();
    let table_id = obj
        .declare_data("mir14_entries", Linkage::Local, false, false)
        .map_err(err)?;
    let mut desc = DataDescription::new();
    // Explicit zero bytes (not `define_zeroinit`, whose .bss object would drop relocations).
    desc.define(vec![0u8; (n * ptr_bytes).max(ptr_bytes)].into_boxed_slice());
    desc.set_align(ptr_bytes as u64);
    for (i, id) in t.array.iter().enumerate() {
        let fref = obj.declare_func_in_data(*id, &mut desc);
        desc.write_function_addr((i * ptr_bytes) as u32, fref);
    }
    obj.define_data(table_id, &desc).map_err(err)?;

    // `int mir14_rt_main(int, char**, const u8*, usize, const entry*, usize, u64, u64, u64, u64)`.
    let mut rt_sig = obj.make_signature();
    rt_sig.params.push(AbiParam::new(types::I32));
    for ty in [ptr, ptr, ptr, ptr, ptr] {
        rt_sig.params.push(AbiParam::new(ty));
    }
    for _ in 0..4 {
        rt_sig.params.push(AbiParam::new(types::I64));
    }
    rt_sig.returns.push(AbiParam::new(types::I32));
    let rt_main = obj
        .declare_function("mir14_rt_main", Linkage::Import, &rt_sig)
        .map_err(err)?;

    // `int main(int argc, char **argv)`.
    let mut main_sig = obj.make_signature();
    main_sig.params.push(AbiParam::new(types::I32));
    main_sig.params.push(AbiParam::new(ptr));
    main_sig.returns.push(AbiParam::new(types::I32));
    let c_main = obj
        .declare_function("main", Linkage::Export, &main_sig)
        .map_err(err)?;
    let mut ctx = obj.make_context();
    ctx.func.signature = main_sig;
    ctx.func.name = UserFuncName::user(2, c_main.as_u32());
    let mut fctx = FunctionBuilderContext::new();
    {
        let mut b = FunctionBuilder::new(&mut ctx.func, &mut fctx);
        let entry = b.create_block();
        b.append_block_params_for_function_params(entry);
        b.switch_to_block(entry);
        b.seal_block(entry);
        let params = b.block_params(entry).to_vec();
        let text_gv = obj.declare_data_in_func(text_id, b.func);
        let table_gv = obj.declare_data_in_func(table_id, b.func);
        let text_ptr = b.ins().symbol_value(ptr, text_gv);
        let table_ptr = b.ins().symbol_value(ptr, table_gv);
        let len = b.ins().iconst(ptr, text_len as i64);
        let count = b.ins().iconst(ptr, n as i64);
        let main_index = b.ins().iconst(types::I64, main_id.index() as i64);
        let depth = b.ins().iconst(types::I64, opts.max_depth as i64);
        let fuel_on = b.ins().iconst(types::I64, opts.fuel.is_some() as i64);
        let fuel = b.ins().iconst(types::I64, opts.fuel.unwrap_or(0) as i64);
        let fref = obj.declare_func_in_func(rt_main, b.func);
        let call = b.ins().call(
            fref,
            &[
                params[0], params[1], text_ptr, len, table_ptr, count, main_index, depth, fuel_on,
                fuel,
            ],
        );
        let status = b.inst_results(call)[0];
        b.ins().return_(&[status]);
        b.finalize(obj.target_config());
    }
    obj.define_function(c_main, &mut ctx).map_err(err)?;
    obj.clear_context(&mut ctx);

    obj.finish()
        .emit()
        .map_err(|e| format!("cannot write the object file: {e}"))
}

/// The C compiler driver used to link: `$CC` (a program and optional leading arguments), else
/// the first of `cc`, `gcc`, `clang` found on `PATH`.
fn c_compiler() -> Result<(PathBuf, Vec<OsString>), String> {
    if let Some(cc) = std::env::var_os("CC").filter(|s| !s.is_empty()) {
        let s = cc.to_string_lossy().into_owned();
        let mut words = s.split_whitespace();
        if let Some(prog) = words.next() {
            let found = find_program(prog).ok_or_else(|| {
                format!("the C compiler `{prog}` named by CC was not found; install it or unset CC")
            })?;
            return Ok((found, words.map(OsString::from).collect()));
        }
    }
    for prog in ["cc", "gcc", "clang"] {
        if let Some(p) = find_program(prog) {
            return Ok((p, Vec::new()));
        }
    }
    Err(
        "no C compiler found to link the executable (tried cc, gcc, clang): \
         install one, e.g. `apt-get install gcc`, or set CC"
            .into(),
    )
}

/// `prog` if it is a path to a file, else the first executable file named `prog` on `PATH`.
fn find_program(prog: &str) -> Option<PathBuf> {
    if prog.contains(std::path::MAIN_SEPARATOR) {
        let p = PathBuf::from(prog);
        return p.is_file().then_some(p);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(prog))
        .find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        p.metadata()
            .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
            .unwrap_or(false)
    }
    #[cfg(not(unix))]
    {
        p.is_file()
    }
}

/// Links object files with the runtime into executables. Holds a temporary directory with the
/// runtime archive written once; the directory is removed when the `Linker` is dropped.
/// `Linker` is `Sync`: several threads may build executables with one `Linker` at once.
pub struct Linker {
    dir: tempfile::TempDir,
    lib: PathBuf,
    cc: PathBuf,
    cc_args: Vec<OsString>,
}

impl Linker {
    /// Finds the C compiler and writes the runtime archive to a fresh temporary directory.
    pub fn new() -> Result<Linker, String> {
        let (cc, cc_args) = c_compiler()?;
        let dir = tempfile::Builder::new()
            .prefix("mir14-aot-")
            .tempdir()
            .map_err(|e| format!("cannot create a temporary directory: {e}"))?;
        let lib = dir.path().join("libmir14rt.a");
        std::fs::write(&lib, RUNTIME_LIB)
            .map_err(|e| format!("cannot write {}: {e}", lib.display()))?;
        Ok(Linker {
            dir,
            lib,
            cc,
            cc_args,
        })
    }

    /// Compiles `module` and links it into the executable `out`.
    pub fn build(&self, module: &MirModule, out: &Path, opts: &AotOptions) -> Result<(), String> {
        let object = compile_object(module, opts)?;
        // A private subdirectory per build, so that concurrent builds never share a file.
        let work = tempfile::Builder::new()
            .prefix("build-")
            .tempdir_in(self.dir.path())
            .map_err(|e| format!("cannot create a temporary directory: {e}"))?;
        let obj_path = work.path().join("prog.o");
        std::fs::write(&obj_path, object)
            .map_err(|e| format!("cannot write {}: {e}", obj_path.display()))?;
        self.link(&obj_path, out)
    }

    /// Links the object file `obj` with the runtime into the executable `out`.
    pub fn link(&self, obj: &Path, out: &Path) -> Result<(), String> {
        let mut cmd = Command::new(&self.cc);
        cmd.args(&self.cc_args)
            .arg(obj)
            .arg(&self.lib)
            .arg("-o")
            .arg(out)
            .args(native_libs());
        if cfg!(target_os = "linux") {
            // Drop the parts of the runtime the program cannot reach, as rustc does.
            cmd.arg("-Wl,--gc-sections");
        } else if cfg!(target_os = "macos") {
            cmd.arg("-Wl,-dead_strip");
        }
        let output = cmd
            .output()
            .map_err(|e| format!("cannot run the C compiler {}: {e}", self.cc.display()))?;
        if !output.status.success() {
            return Err(format!(
                "linking {} with {} failed ({}):\n{}",
                out.display(),
                self.cc.display(),
                output.status,
                String::from_utf8_lossy(&output.stderr).trim_end()
            ));
        }
        Ok(())
    }
}

/// Compiles a verified module into the standalone executable `out`.
pub fn build_executable(module: &MirModule, out: &Path, opts: &AotOptions) -> Result<(), String> {
    Linker::new()?.build(module, out, opts)
}

/// Builds `module` into a temporary directory and runs it with `args`, the executable inheriting
/// this process's stdin, stdout and stderr; returns its exit status. The executable is removed
/// afterwards. Errors: building fails, or the executable cannot start or dies from a signal.
pub fn run(module: &MirModule, opts: &AotOptions, args: &[String]) -> Result<i32, String> {
    let linker = Linker::new()?;
    let exe = linker.dir.path().join("prog");
    linker.build(module, &exe, opts)?;
    let status = Command::new(&exe)
        .args(args)
        .status()
        .map_err(|e| format!("cannot run {}: {e}", exe.display()))?;
    exit_code(status)
}

/// The exit code of a finished executable; death by a signal is an error.
pub fn exit_code(status: std::process::ExitStatus) -> Result<i32, String> {
    if let Some(code) = status.code() {
        return Ok(code);
    }
    Err(format!("the executable did not exit normally ({status})"))
}
