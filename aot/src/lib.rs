//! `mir14-aot`: the MIR14 Cranelift AOT backend. It turns a verified module into a standalone
//! native executable that needs nothing at run time but the C library.
//!
//! # How an executable is made
//!
//! 1. **Object file** ([`compile_object`]): the module is printed in canonical text
//!    ([`mir14_mir::print`]) and re-parsed; the re-parsed module is what gets translated, by the
//!    one translator shared with the JIT ([`mir14_codegen::translate_module`], over a
//!    [`cranelift_object::ObjectModule`], `is_pic=true`, baseline CPU features of the host
//!    architecture so the executable runs on any CPU of that architecture). The object also holds
//!    * `mir14_text`: the canonical text, from which the runtime rebuilds its metadata and the
//!      symbol tables at start-up (parsing the same text gives the same module, so compile time
//!      and run time agree on every index);
//!    * `mir14_entries`: the array entry of every function, by function index (function-address
//!      relocations);
//!    * `mir14_debug`: the source positions of backtraces ([`mir14_rt::DebugInfo::encode`]),
//!      if the caller gave them; the executable carries these, never the source;
//!    * a C `main(argc, argv)` that calls `mir14_rt_main(argc, argv, text, len, entries, n,
//!      main_index, max_depth, fuel_enabled, fuel, stack_per_call, max_heap, debug, debug_len,
//!      profile)` (in `mir14_rt::abi`, imported with the signature
//!      of its table entry `mir14_rt::abi::main::MAIN`) and returns its status.
//!      The limits (`--max-depth`, `--fuel`) and the stack bound per MIR call measured by the
//!      translator are baked in here.
//! 2. **Runtime library**: `libmir14rt.a` (a staticlib wrapper of `mir14-rt` generated in
//!    `OUT_DIR`), built in release mode by this crate's build script and embedded with
//!    `include_bytes!` ([`runtime_library`]).
//! 3. **Link**: `cc prog.o libmir14rt.a -o prog` plus the native libraries that rustc reported for
//!    the static library ([`native_libs`]), in a temporary directory that is removed afterwards.
//!    The C compiler driver is `$CC` if set (a program and leading arguments), else the first of
//!    `cc`, `gcc`, `clang` on `PATH`. On Linux the link adds `-static-libgcc` (dropping
//!    `-lgcc_s`, so the executable needs only libc), `-Wl,--gc-sections` and `-Wl,-S`.
//!
//! A [`Linker`] keeps the runtime archive written once in its temporary directory, so building
//! many executables in one process does not rewrite it each time.
//!
//! # Behaviour of the executables (decisions beyond the spec)
//!
//! * `argv[1..]` are the program arguments (`env.args()`), converted to UTF-8 lossily; the
//!   executable takes no flags of its own.
//! * Output, traps and exit statuses are exactly those of `mir14 run` on the same module
//!   (the same runtime, [`mir14_rt::abi::run_compiled`]); stdout is flushed before returning
//!   from `main`, since a C `main` does not run Rust's exit-time cleanup.
//! * SIGPIPE is ignored, as the Rust runtime does in `mir14` itself, so a closed stdout behaves
//!   the same in every backend.
//! * A corrupt embedded module or a panic in the runtime (neither can happen for modules this
//!   crate built) prints one `error:` line and exits with status 101.

use cranelift_codegen::ir::{types, AbiParam, InstBuilder, UserFuncName};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_module::{default_libcall_names, DataDescription, Linkage, Module};
use cranelift_object::{ObjectBuilder, ObjectModule};
mod signals;

use mir14_codegen::{define_bytes, imports, translate_module, TranslateOptions};
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
    /// The source positions backtraces print, embedded in the executable (not the source).
    pub debug: Option<std::sync::Arc<mir14_rt::DebugInfo>>,
    /// `--profile`: the code carries profiling calls and the executable prints the profile
    /// table after its run.
    pub profile: bool,
    /// The libraries linked into the executable for its `import c.NAME` functions (`--lib`):
    /// `PATH.a` (linked in), `PATH.so` (linked, found at run time through an rpath to its
    /// directory) or `NAME` (`-lNAME`).
    pub libs: Vec<String>,
    /// The memory limit (`--max-heap BYTES`); `None` means the default of the machine the
    /// executable runs on ([`mir14_rt::default_max_heap`]).
    pub max_heap: Option<u64>,
}

impl Default for AotOptions {
    fn default() -> AotOptions {
        AotOptions {
            max_depth: 100_000,
            fuel: None,
            debug: None,
            profile: false,
            libs: Vec::new(),
            max_heap: None,
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
        (
            "enable_verifier",
            if mir14_codegen::verify_ir() {
                "true"
            } else {
                "false"
            },
        ),
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
    let topts = TranslateOptions {
        fuel: opts.fuel.is_some(),
        profile: opts.profile,
        ..TranslateOptions::from_env()
    };
    let t = translate_module(&mut obj, &mir, topts).map_err(err)?;
    let ptr = obj.target_config().pointer_type();
    let ptr_bytes = ptr.bytes() as usize;

    // The canonical text.
    let text_len = text.len();
    let text_id = define_bytes(&mut obj, "mir14_text", text.into_bytes()).map_err(err)?;
    // The source positions (the re-parsed module numbers everything as the original does).
    let debug = opts.debug.as_ref().map(|d| d.encode()).unwrap_or_default();
    let debug_len = debug.len();
    let debug_id = define_bytes(&mut obj, "mir14_debug", debug.into_bytes()).map_err(err)?;

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

    // `int mir14_rt_main(int, char**, const u8*, usize, const entry*, usize, u64 x 6,
    // const u8*, usize, u64)`,
    // with the signature of its entry in the runtime's table.
    let rt_main = imports::declare(&mut obj, &mir14_rt::abi::main::MAIN).map_err(err)?;

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
        let debug_gv = obj.declare_data_in_func(debug_id, b.func);
        let debug_ptr = b.ins().symbol_value(ptr, debug_gv);
        let debug_len = b.ins().iconst(ptr, debug_len as i64);
        let profile = b.ins().iconst(types::I64, opts.profile as i64);
        let len = b.ins().iconst(ptr, text_len as i64);
        let count = b.ins().iconst(ptr, n as i64);
        let main_index = b.ins().iconst(types::I64, main_id.index() as i64);
        let depth = b.ins().iconst(types::I64, opts.max_depth as i64);
        let fuel_on = b.ins().iconst(types::I64, opts.fuel.is_some() as i64);
        let fuel = b.ins().iconst(types::I64, opts.fuel.unwrap_or(0) as i64);
        // The depth limit is fixed when the executable is built, so the stack of the functions
        // active at most once (`stack_once`) is spread over the depth limit's calls.
        let per_call = t.stack_per_call + t.stack_once.div_ceil(opts.max_depth.max(1));
        let per_call = b.ins().iconst(types::I64, per_call as i64);
        let max_heap = b
            .ins()
            .iconst(types::I64, opts.max_heap.unwrap_or(0) as i64);
        let fref = obj.declare_func_in_func(rt_main, b.func);
        let call = b.ins().call(
            fref,
            &[
                params[0], params[1], text_ptr, len, table_ptr, count, main_index, depth, fuel_on,
                fuel, per_call, max_heap, debug_ptr, debug_len, profile,
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
    c_compiler_from(std::env::var_os("CC"), std::env::var_os("PATH"))
}

/// [`c_compiler`] with the values of `CC` and `PATH` given.
fn c_compiler_from(
    cc: Option<OsString>,
    path: Option<OsString>,
) -> Result<(PathBuf, Vec<OsString>), String> {
    if let Some(cc) = cc.filter(|s| !s.is_empty()) {
        let s = cc.to_string_lossy().into_owned();
        let mut words = s.split_whitespace();
        if let Some(prog) = words.next() {
            let found = find_program(prog, path.as_deref()).ok_or_else(|| {
                format!(
                    "the C compiler `{prog}` named by CC was not found: install it \
                     (e.g. `apt-get install gcc`) or unset CC"
                )
            })?;
            return Ok((found, words.map(OsString::from).collect()));
        }
    }
    for prog in ["cc", "gcc", "clang"] {
        if let Some(p) = find_program(prog, path.as_deref()) {
            return Ok((p, Vec::new()));
        }
    }
    Err(
        "no C compiler found to link the executable (tried cc, gcc, clang on PATH): \
         install one, e.g. `apt-get install gcc`, or set CC"
            .into(),
    )
}

/// `prog` if it is a path to an executable file, else the first executable file named `prog` in
/// the directories of `path` (a `PATH` value).
fn find_program(prog: &str, path: Option<&std::ffi::OsStr>) -> Option<PathBuf> {
    if prog.contains(std::path::MAIN_SEPARATOR) {
        let p = PathBuf::from(prog);
        return is_executable(&p).then_some(p);
    }
    std::env::split_paths(path?)
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
        self.link_with(&obj_path, out, &opts.libs)
            .map_err(|e| undefined_import(module, &e).unwrap_or(e))
    }

    /// Links the object file `obj` with the runtime into the executable `out`.
    pub fn link(&self, obj: &Path, out: &Path) -> Result<(), String> {
        self.link_with(obj, out, &[])
    }

    /// Links the object file `obj` with the libraries `libs` (see [`AotOptions::libs`]) and
    /// the runtime into the executable `out`.
    pub fn link_with(&self, obj: &Path, out: &Path, libs: &[String]) -> Result<(), String> {
        let mut cmd = Command::new(&self.cc);
        cmd.args(&self.cc_args).arg(obj);
        for l in libs {
            if mir14_rt::ffi::lib_is_path(l) {
                let p = std::path::absolute(l).map_err(|e| format!("library {l}: {e}"))?;
                if !p.is_file() {
                    return Err(format!("cannot load library {l}: no such file"));
                }
                if !l.ends_with(".a") {
                    if let Some(dir) = p.parent() {
                        let mut rpath = OsString::from("-Wl,-rpath,");
                        rpath.push(dir);
                        cmd.arg(rpath);
                    }
                }
                cmd.arg(p);
            } else {
                cmd.arg(format!("-l{l}"));
            }
        }
        cmd.arg(&self.lib).arg("-o").arg(out);
        if cfg!(target_os = "linux") {
            // Link the unwinder statically (libgcc_eh instead of libgcc_s), so that the
            // executable needs only the C library; drop the parts of the runtime the program
            // cannot reach, as rustc does; and leave out the standard library's debug info
            // (a five times smaller executable, linked faster).
            cmd.args(native_libs().into_iter().filter(|l| *l != "-lgcc_s"))
                .arg("-static-libgcc")
                .arg("-Wl,--gc-sections")
                .arg("-Wl,-S");
        } else {
            cmd.args(native_libs());
        }
        if cfg!(target_os = "macos") {
            cmd.arg("-Wl,-dead_strip").arg("-Wl,-S");
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

/// The resolution error of the first import of `module` that a linker message reports as an
/// undefined reference, spelled as the other backends spell it.
fn undefined_import(module: &MirModule, linker_message: &str) -> Option<String> {
    module.imports.values().find_map(|d| {
        let quoted = [format!("`{}'", d.name), format!("'{}'", d.name)];
        let hit = linker_message
            .lines()
            .any(|l| l.contains("undefined reference") && quoted.iter().any(|q| l.contains(q)));
        hit.then(|| mir14_rt::ffi::undefined_c_function(&d.full_name()))
    })
}

/// Checks before building that every import of `module` will resolve, with the message the
/// interpreter and the JIT give: host imports never do (an executable has no host to register
/// them); C imports are looked up with `dlopen` in the shared libraries and names of `libs`
/// and in the C library, unless a static archive (`.a`) is among `libs`, whose symbols only the
/// linker sees (a missing one is then reported from the linker's message).
pub fn check_imports(module: &MirModule, libs: &[String]) -> Result<(), String> {
    let config = mir14_rt::Config {
        libs: libs.to_vec(),
        ..mir14_rt::Config::default()
    };
    mir14_rt::ffi::check_host_imports(module, &config)?;
    if libs.iter().any(|l| l.ends_with(".a")) {
        for l in libs.iter().filter(|l| l.ends_with(".a")) {
            if !Path::new(l).is_file() {
                return Err(format!("cannot load library {l}: no such file"));
            }
        }
        return Ok(());
    }
    mir14_rt::ffi::resolve_imports(module, &config).map(|_| ())
}

/// Compiles a verified module into the standalone executable `out`.
pub fn build_executable(module: &MirModule, out: &Path, opts: &AotOptions) -> Result<(), String> {
    Linker::new()?.build(module, out, opts)
}

/// Builds `module` into a temporary directory and runs it with `args`, the executable inheriting
/// this process's stdin, stdout and stderr; returns its exit status. The executable is removed
/// afterwards. Errors: building fails, or the executable cannot start.
///
/// Signals: a termination signal (SIGTERM, SIGINT, SIGHUP) sent to this process meanwhile is
/// forwarded to the executable; when the executable dies by a signal, or this process received
/// one, the temporary directory is removed and this process dies by that signal (so a crash is
/// reported as a crash, like a JIT run, never as an error exit).
pub fn run(module: &MirModule, opts: &AotOptions, args: &[String]) -> Result<i32, String> {
    let guard = signals::Guard::new();
    // The temporary directory is gone when `build_and_run` returns.
    let result = build_and_run(module, opts, args, &guard);
    if let Some(sig) = guard.finish() {
        signals::die_by(sig);
    }
    let status = result?;
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            signals::die_by(sig);
        }
    }
    exit_code(status)
}

/// Builds the executable in a temporary directory and runs it, the child registered with
/// `guard` so that termination signals reach it.
fn build_and_run(
    module: &MirModule,
    opts: &AotOptions,
    args: &[String],
    guard: &signals::Guard,
) -> Result<std::process::ExitStatus, String> {
    let linker = Linker::new()?;
    let exe = linker.dir.path().join("prog");
    linker.build(module, &exe, opts)?;
    if guard.received().is_some() {
        return Err("interrupted".into());
    }
    let mut cmd = Command::new(&exe);
    cmd.args(args);
    signals::unblock_in_child(&mut cmd);
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", exe.display()))?;
    guard.set_child(child.id());
    child
        .wait()
        .map_err(|e| format!("cannot run {}: {e}", exe.display()))
}

/// The exit code of a finished executable; death by a signal is an error.
pub fn exit_code(status: std::process::ExitStatus) -> Result<i32, String> {
    if let Some(code) = status.code() {
        return Ok(code);
    }
    Err(format!("the executable did not exit normally ({status})"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::process::{Output, Stdio};

    fn parse(src: &str) -> MirModule {
        let (m, _) = mir14_mir::parse(src).expect("test program parses");
        mir14_mir::verify(&m).expect("test program verifies");
        m
    }

    /// Builds `src` into `dir/name`.
    fn build_in(dir: &Path, name: &str, src: &str, opts: &AotOptions) -> PathBuf {
        let exe = dir.join(name);
        build_executable(&parse(src), &exe, opts).expect("build");
        exe
    }

    /// Runs `exe` with `args` and `stdin`, capturing both output streams.
    fn run_exe(exe: &Path, args: &[&str], stdin: &[u8]) -> Output {
        let mut child = Command::new(exe)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(stdin)
            .expect("write stdin");
        child.wait_with_output().expect("wait")
    }

    const ARGS_PRINT: &str = "fn @main() {
bb0:
  %a = extern env.args()
  %s = const \"args=\"
  extern env.console.print(%s)
  extern env.console.print(%a)
  ret
}
";

    #[test]
    fn executable_runs_after_being_moved_elsewhere() {
        let build_dir = tempfile::tempdir().unwrap();
        let exe = build_in(build_dir.path(), "prog", ARGS_PRINT, &AotOptions::default());
        let other = tempfile::tempdir().unwrap();
        let moved = other.path().join("moved-prog");
        std::fs::copy(&exe, &moved).unwrap();
        // Nothing of the build remains: the executable stands alone.
        drop(build_dir);
        let out = Command::new(&moved)
            .args(["x", "y z"])
            .current_dir(other.path())
            .stdin(Stdio::null())
            .output()
            .unwrap();
        // No trailing newline: the runtime must flush stdout itself at exit.
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "args=[\"x\", \"y z\"]"
        );
        assert_eq!(out.stderr, b"");
        assert_eq!(out.status.code(), Some(0));
    }

    #[test]
    fn trap_line_follows_flushed_stdout() {
        let src = "fn @main() {
bb0:
  %s = const \"partial\"
  extern env.console.print(%s)
  %one = const 1
  %zero = const 0
  %d = binop div %one, %zero
  ret %d
}
";
        let dir = tempfile::tempdir().unwrap();
        let exe = build_in(dir.path(), "trap", src, &AotOptions::default());
        let out = run_exe(&exe, &[], b"");
        assert_eq!(out.stdout, b"partial");
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            "error: DivisionByZero: division by zero (in @main, bb0)\n  at @main, bb0\n"
        );
        assert_eq!(out.status.code(), Some(101));
        // Both streams into one file: stdout's bytes come first.
        let log = dir.path().join("both.txt");
        let f = std::fs::File::create(&log).unwrap();
        let status = Command::new(&exe)
            .stdin(Stdio::null())
            .stdout(f.try_clone().unwrap())
            .stderr(f)
            .status()
            .unwrap();
        assert_eq!(status.code(), Some(101));
        assert_eq!(
            std::fs::read_to_string(&log).unwrap(),
            "partialerror: DivisionByZero: division by zero (in @main, bb0)\n  at @main, bb0\n"
        );
    }

    #[test]
    fn exit_status_stdin_and_unflushed_output() {
        let src = "fn @main() {
bb0:
  %l = extern env.stdin.read_line()
  %p = const \"got \"
  %s = binop add %p, %l
  extern env.console.print(%s)
  %c = const 259
  extern env.process.exit(%c)
  ret
}
";
        let dir = tempfile::tempdir().unwrap();
        let exe = build_in(dir.path(), "exit", src, &AotOptions::default());
        let out = run_exe(&exe, &[], b"line one\r\nline two\n");
        assert_eq!(out.stdout, b"got line one");
        assert_eq!(out.stderr, b"");
        // 259 & 255.
        assert_eq!(out.status.code(), Some(3));
    }

    const DEEP: &str = "fn @down(%n) {
bb0:
  %zero = const 0
  %done = compare le %n, %zero
  branch %done, out, more
out:
  ret %n
more:
  %one = const 1
  %m = binop sub %n, %one
  %r = call @down(%m)
  ret %r
}

fn @main() {
bb0:
  %n = const 100
  %r = call @down(%n)
  extern env.console.log(%r)
  ret
}
";

    #[test]
    fn max_depth_is_baked_in() {
        let dir = tempfile::tempdir().unwrap();
        let shallow = AotOptions {
            max_depth: 50,
            ..AotOptions::default()
        };
        let exe = build_in(dir.path(), "shallow", DEEP, &shallow);
        // Run-time flags are program arguments now, not limits.
        let out = run_exe(&exe, &["--max-depth", "1000"], b"");
        assert_eq!(out.stdout, b"");
        // Built without source positions: frames print without them. 51 frames: the entry of
        // the 50th @down, the 49 active ones, @main; the middle 31 are elided.
        let mut want = String::from(
            "error: StackOverflow: call depth exceeded 50 (in @down, bb0)\n  at @down, bb0\n",
        );
        want += &"  at @down, more\n".repeat(9);
        want += "  ... 31 more frames ...\n";
        want += &"  at @down, more\n".repeat(9);
        want += "  at @main, bb0\n";
        assert_eq!(String::from_utf8_lossy(&out.stderr), want);
        assert_eq!(out.status.code(), Some(101));
        // 102 activations fit the default limit.
        let exe = build_in(dir.path(), "deep", DEEP, &AotOptions::default());
        let out = run_exe(&exe, &[], b"");
        assert_eq!(out.stdout, b"0\n");
        assert_eq!(out.status.code(), Some(0));
    }

    #[test]
    fn deep_recursion_within_the_default_limit_does_not_crash() {
        let src = DEEP.replace("%n = const 100\n", "%n = const 99990\n");
        let dir = tempfile::tempdir().unwrap();
        let exe = build_in(dir.path(), "deeper", &src, &AotOptions::default());
        let out = run_exe(&exe, &[], b"");
        assert_eq!(out.stdout, b"0\n");
        assert_eq!(out.status.code(), Some(0));
    }

    /// One unit at main's entry plus one per taken back edge (9): 10 units in all.
    const LOOP: &str = "fn @main() {
bb0:
  %zero = const 0
  jump bb1
bb1:
  %i = phi [bb0: %zero], [bb1: %j]
  %one = const 1
  %j = binop add %i, %one
  %ten = const 10
  %c = compare lt %j, %ten
  branch %c, bb1, bb2
bb2:
  extern env.console.log(%j)
  ret
}
";

    #[test]
    fn fuel_is_baked_in() {
        let dir = tempfile::tempdir().unwrap();
        let enough = AotOptions {
            fuel: Some(10),
            ..AotOptions::default()
        };
        let exe = build_in(dir.path(), "enough", LOOP, &enough);
        let out = run_exe(&exe, &[], b"");
        assert_eq!(out.stdout, b"10\n");
        assert_eq!(out.stderr, b"");
        assert_eq!(out.status.code(), Some(0));
        let short = AotOptions {
            fuel: Some(9),
            ..AotOptions::default()
        };
        let exe = build_in(dir.path(), "short", LOOP, &short);
        let out = run_exe(&exe, &["--fuel", "100"], b"");
        assert_eq!(out.stdout, b"");
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            "error: OutOfFuel: fuel exhausted (in @main, bb1)\n  at @main, bb1\n"
        );
        assert_eq!(out.status.code(), Some(101));
        // Without fuel the loop is not counted at all.
        let exe = build_in(dir.path(), "free", LOOP, &AotOptions::default());
        assert_eq!(run_exe(&exe, &[], b"").stdout, b"10\n");
    }

    #[test]
    fn run_builds_and_runs_in_a_temporary_directory() {
        let src = "fn @main() {
bb0:
  %x = const 7
  ret %x
}
";
        assert_eq!(run(&parse(src), &AotOptions::default(), &[]), Ok(7));
    }

    #[test]
    fn module_without_main_is_an_error() {
        let src = "fn @helper() {
bb0:
  ret
}
";
        let dir = tempfile::tempdir().unwrap();
        let err = build_executable(&parse(src), &dir.path().join("x"), &AotOptions::default())
            .unwrap_err();
        assert!(err.contains("no @main"), "{err}");
        assert!(!dir.path().join("x").exists());
    }

    #[test]
    fn object_code_is_deterministic() {
        let m = parse(DEEP);
        let a = compile_object(&m, &AotOptions::default()).unwrap();
        let b = compile_object(&m, &AotOptions::default()).unwrap();
        assert!(a == b, "two compilations of one module differ");
        let c = compile_object(
            &m,
            &AotOptions {
                max_depth: 7,
                ..AotOptions::default()
            },
        )
        .unwrap();
        assert!(a != c, "the depth limit is not in the object");
    }

    #[test]
    #[cfg(target_arch = "x86_64")]
    fn object_code_targets_the_baseline_cpu() {
        let isa = isa().unwrap();
        for flag in isa.isa_flags() {
            if flag.name.starts_with("has_") {
                assert_eq!(flag.as_bool(), Some(false), "{} is enabled", flag.name);
            }
        }
        assert!(isa.flags().is_pic());
    }

    #[test]
    fn missing_c_compiler_names_what_to_install() {
        let empty = tempfile::tempdir().unwrap();
        let path = Some(empty.path().as_os_str().to_owned());
        let err = c_compiler_from(None, path.clone()).unwrap_err();
        assert!(err.contains("apt-get install gcc"), "{err}");
        let err = c_compiler_from(Some("no-such-cc -O2".into()), path).unwrap_err();
        assert!(err.contains("`no-such-cc` named by CC"), "{err}");
        // A file in PATH that is not executable is not a compiler.
        std::fs::write(empty.path().join("cc"), "").unwrap();
        let path = Some(empty.path().as_os_str().to_owned());
        assert!(c_compiler_from(None, path).is_err());
    }

    #[test]
    fn cc_from_the_environment_keeps_its_arguments() {
        let dir = tempfile::tempdir().unwrap();
        let fake = dir.path().join("mycc");
        std::fs::write(&fake, "#!/bin/sh\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let path = Some(dir.path().as_os_str().to_owned());
        let (cc, args) = c_compiler_from(Some("mycc -O0 -g".into()), path.clone()).unwrap();
        assert_eq!(cc, fake);
        assert_eq!(args, vec![OsString::from("-O0"), OsString::from("-g")]);
        // Without CC, only the standard names are tried.
        assert!(c_compiler_from(None, path).is_err());
    }

    #[test]
    fn runtime_library_is_embedded() {
        assert!(runtime_library().starts_with(b"!<arch>\n"));
        assert!(native_libs().iter().all(|l| l.starts_with('-')));
    }
}
