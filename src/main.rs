//! The `mir14` command-line tool: `check`, `fmt`, `json`, `cfg`, `run`, `build`, `parity`,
//! `fuzz` and `completions` (see `mir14 --help`; the flags are declared in src/cli.rs).
//!
//! Exit status: 0 on success (and for `--help` and `--version`), 2 for bad input of any kind
//! (unreadable file, syntax error, invalid IR, bad flag, unknown command), and for `run` the
//! program's own status. The tool never panics on any
//! input; a closed stdout (`mir14 fmt big.mir | head`) ends it quietly with status 0.

mod cfg;
mod cli;
mod diag;
mod fuzz;
mod load;
mod ny;
mod parity;
mod run;

use cli::{Command, Parsed};
use load::Loaded;
use mir14_mir::{analysis, json};
use std::ffi::OsString;
use std::io::{self, Write};
use std::path::Path;

fn main() {
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    // Unlocked handles: a backend may write to stdout from another thread while `cli` waits
    // for it, so no lock may be held across `run::execute`.
    let code = cli(&args, &mut io::stdout(), &mut io::stderr());
    std::process::exit(code);
}

/// Runs one invocation, writing to `out` and `err`, and returns the exit status.
fn cli(args: &[OsString], out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let command = match cli::parse(args) {
        Parsed::Run(c) => c,
        Parsed::Help(text) => return emit(out, err, &text),
        Parsed::Error(message) => return fail(err, &format!("error: {message}\n")),
    };
    match command {
        Command::Check(input) => check(&input.file, err),
        // `mir14 run FILE --emit-mir` is `mir14 fmt FILE`.
        Command::Fmt(cli::Input { file })
        | Command::Run(cli::RunArgs {
            file,
            emit_mir: true,
            ..
        }) => with_verified(&file, err, |l, err| {
            emit(out, err, &mir14_mir::print(&l.module))
        }),
        Command::Json(input) => with_verified(&input.file, err, |l, err| {
            let mut json = json::to_json(&l.module);
            if !json.ends_with('\n') {
                json.push('\n');
            }
            emit(out, err, &json)
        }),
        Command::Cfg(cli::CfgArgs { file, function }) => with_verified(&file, err, |l, err| {
            match cfg::render(&l.module, function.as_deref(), |f| {
                analysis::infer_loopforms(f).loops
            }) {
                Some(dot) => emit(out, err, &dot),
                None => fail(
                    err,
                    &format!(
                        "error: {} has no function @{}\n",
                        l.file,
                        function.as_deref().unwrap_or_default()
                    ),
                ),
            }
        }),
        Command::Run(run) => with_verified(&run.file, err, |l, err| {
            let main = l.module.function_by_name("main");
            if main.is_none() {
                return fail(err, &format!("error: no function @main in {}\n", l.file));
            }
            // Anything this tool wrote must precede the program's own output.
            let _ = out.flush();
            let _ = err.flush();
            let mut opts = run.options();
            opts.debug = Some(std::sync::Arc::new(l.debug_info()));
            run::execute(&l.module, &opts)
        }),
        Command::Build(build) => with_verified(&build.file, err, |l, err| {
            if l.module.function_by_name("main").is_none() {
                return fail(err, &format!("error: no function @main in {}\n", l.file));
            }
            if same_file(&build.file, &build.output) {
                return fail(
                    err,
                    &format!(
                        "error: the output {} is the program itself; choose another -o\n",
                        build.output.display()
                    ),
                );
            }
            let aot = mir14_aot::AotOptions {
                max_depth: build.limits.max_depth,
                fuel: build.limits.fuel,
                debug: Some(std::sync::Arc::new(l.debug_info())),
                profile: build.profile,
                libs: build.libs.clone(),
                max_heap: build.limits.max_heap,
            };
            // Every import must resolve (bad input: status 2, before anything is built).
            if let Err(e) = mir14_aot::check_imports(&l.module, &build.libs) {
                return fail(err, &format!("error: {e}\n"));
            }
            match mir14_aot::build_executable(&l.module, &build.output, &aot) {
                Ok(()) => 0,
                // A C import that a static library given with --lib lacks: bad input.
                Err(e) if e.starts_with("undefined C function") => {
                    fail(err, &format!("error: {e}\n"))
                }
                Err(e) => {
                    // Not bad input: the toolchain failed (no C compiler, a link error).
                    fail(err, &format!("error: {e}\n"));
                    1
                }
            }
        }),
        Command::Parity(p) => with_verified(&p.file, err, |l, err| {
            if l.module.function_by_name("main").is_none() {
                return fail(err, &format!("error: no function @main in {}\n", l.file));
            }
            parity::parity(&p.file, &p.options(), out, err)
        }),
        Command::Fuzz(f) => fuzz::main(&f.options()),
        Command::Completions(c) => emit_bytes(out, err, &cli::completions(c.shell)),
    }
}

/// True when `a` and `b` name the same existing file (through links or different spellings).
fn same_file(a: &Path, b: &Path) -> bool {
    let (Ok(x), Ok(y)) = (std::fs::metadata(a), std::fs::metadata(b)) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        x.dev() == y.dev() && x.ino() == y.ino()
    }
    #[cfg(not(unix))]
    {
        let _ = (x, y);
        matches!(
            (std::fs::canonicalize(a), std::fs::canonicalize(b)),
            (Ok(p), Ok(q)) if p == q
        )
    }
}

/// Writes diagnostics to stderr and returns exit status 2.
fn fail(err: &mut dyn Write, text: &str) -> i32 {
    // Nothing sensible remains to be done if stderr itself is closed.
    let _ = err.write_all(text.as_bytes());
    let _ = err.flush();
    2
}

/// Writes a command's output to stdout: status 0, also when the reader has gone away (broken
/// pipe); 2 with a message on `err` for any other write error.
fn emit(out: &mut dyn Write, err: &mut dyn Write, text: &str) -> i32 {
    emit_bytes(out, err, text.as_bytes())
}

/// [`emit`] for bytes.
fn emit_bytes(out: &mut dyn Write, err: &mut dyn Write, bytes: &[u8]) -> i32 {
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => 0,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => 0,
        Err(e) => fail(
            err,
            &format!("error: cannot write to standard output: {e}\n"),
        ),
    }
}

/// Loads and verifies `path`, then runs `then`; prints diagnostics and returns 2 on failure.
fn with_verified(
    path: &Path,
    err: &mut dyn Write,
    then: impl FnOnce(&Loaded, &mut dyn Write) -> i32,
) -> i32 {
    let loaded = match load::load(path) {
        Ok(l) => l,
        Err(text) => return fail(err, &text),
    };
    if let Err(text) = loaded.verify() {
        return fail(err, &text);
    }
    then(&loaded, err)
}

/// `mir14 check`: parse, verify, and print loop warnings (which do not change the status).
fn check(path: &Path, err: &mut dyn Write) -> i32 {
    with_verified(path, err, |l, err| {
        let mut warnings = analysis::module_loop_warnings(&l.module);
        // Source order (spec §7.4).
        warnings.sort_by_key(|(loc, _)| l.position(*loc));
        let mut text = String::new();
        l.with_line_index(|| {
            for (loc, message) in warnings {
                text += &l.render(loc, diag::Severity::Warning, &message);
            }
        });
        let _ = err.write_all(text.as_bytes());
        let _ = err.flush();
        0
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer whose every write fails with `kind`.
    struct Failing(io::ErrorKind);

    impl Write for Failing {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::Error::from(self.0))
        }
        fn flush(&mut self) -> io::Result<()> {
            Err(io::Error::from(self.0))
        }
    }

    #[test]
    fn broken_pipe_ends_quietly() {
        let mut err = Vec::new();
        let broken = &mut Failing(io::ErrorKind::BrokenPipe);
        assert_eq!(emit(broken, &mut err, "text"), 0);
        assert!(err.is_empty());
        let denied = &mut Failing(io::ErrorKind::PermissionDenied);
        assert_eq!(emit(denied, &mut err, "text"), 2);
        assert_eq!(
            String::from_utf8(err).unwrap(),
            "error: cannot write to standard output: permission denied\n"
        );
        let mut out = Vec::new();
        assert_eq!(emit(&mut out, &mut Vec::new(), "text"), 0);
        assert_eq!(out, b"text");
    }

    #[test]
    fn usage_errors_and_help_through_cli() {
        let run = |args: &[&str]| {
            let args: Vec<OsString> = args.iter().map(OsString::from).collect();
            let (mut out, mut err) = (Vec::new(), Vec::new());
            let code = cli(&args, &mut out, &mut err);
            (
                code,
                String::from_utf8(out).unwrap(),
                String::from_utf8(err).unwrap(),
            )
        };
        let (code, out, err) = run(&["--help"]);
        assert_eq!((code, err.as_str()), (0, ""));
        assert!(out.starts_with("mir14: tools for the MIR14"));
        let (code, out, err) = run(&["check", "--nope"]);
        assert_eq!(code, 2);
        assert_eq!(out, "");
        assert_eq!(err, "error: unknown flag `--nope` for `mir14 check`\n");
        // A closed stderr does not matter either.
        let args = [OsString::from("bogus")];
        assert_eq!(
            cli(
                &args,
                &mut Vec::new(),
                &mut Failing(io::ErrorKind::BrokenPipe)
            ),
            2
        );
        let (code, out, _) = run(&["--version"]);
        assert_eq!((code, out.as_str()), (0, "mir14 0.1.0\n"));
    }
}
