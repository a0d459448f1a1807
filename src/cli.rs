//! The command line of `mir14`, declared with clap (derive): one [`Cli`] with a subcommand per
//! command, the help text of every command and flag, and the translation of clap's errors into
//! the tool's one-line `error: ...` messages.
//!
//! Grammar: `mir14 COMMAND [flags] [FILE] [-- program args]`. Flags may come before or after the
//! file and take their value as the next argument or after `=` (`--fuel 10`, `--fuel=10`); a
//! flag given twice keeps its last value. Everything after `--` belongs to the program (`run`
//! and `parity` only). [`parse`] never exits the process: help and version text come back as
//! [`Parsed::Help`] (status 0), usage errors as [`Parsed::Error`] (status 2).

use crate::fuzz;
use crate::run::{Backend, RunOptions, DEFAULT_MAX_DEPTH};
use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

/// The layout of every help page: clap's default with a lower-case `usage:` heading, matching
/// the tool's lower-case `error:` and `warning:`.
const HELP_TEMPLATE: &str = "\
{before-help}{about-with-newline}
usage: {usage}

{all-args}{after-help}";

/// `mir14`: tools for the MIR14 intermediate representation.
#[derive(Parser, Debug)]
#[command(
    name = "mir14",
    version,
    about = "mir14: tools for the MIR14 intermediate representation",
    subcommand_required = true,
    arg_required_else_help = false,
    after_help = "\
FILE is MIR14 text, or the JSON form if its name ends in `.json`, or an ny program if its name \
ends in `.ny` (compiled to MIR14 first; `mir14 run prog.ny --emit-mir` prints the MIR14). Bad \
input of any kind prints `error: ...` and exits with status 2. `mir14 help COMMAND` (or `mir14 \
COMMAND --help`) shows the help of one command."
)]
pub struct Cli {
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
    /// When to colour diagnostics: auto (on a terminal, unless NO_COLOR is set), always, never
    #[arg(long, global = true, value_enum, default_value_t = ColorWhen::Auto, value_name = "WHEN")]
    pub color: ColorWhen,
}

/// `--color auto|always|never`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorWhen {
    /// Colour when stderr is a terminal and `NO_COLOR` is not set.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

impl From<ColorWhen> for mir14_diag::ColorChoice {
    fn from(c: ColorWhen) -> mir14_diag::ColorChoice {
        match c {
            ColorWhen::Auto => mir14_diag::ColorChoice::Auto,
            ColorWhen::Always => mir14_diag::ColorChoice::Always,
            ColorWhen::Never => mir14_diag::ColorChoice::Never,
        }
    }
}

/// The commands of `mir14`.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Parse and verify FILE; report errors and loop warnings
    ///
    /// Parses and verifies FILE. Each error prints as `FILE:LINE:COL: error: MESSAGE` followed
    /// by the source line and a caret line under the offending text; the exit status is then 2.
    /// Loops that can not be put in canonical LoopForm shape print the same way as `warning:`
    /// and leave the exit status 0. For a `.json` FILE, positions are in the JSON text and each
    /// message names its entity (`in @f, block bb1, instruction 3: ...`).
    Check(Input),
    /// Print the canonical text form
    ///
    /// Prints the canonical text form of FILE (which must parse and verify) to standard output.
    /// A `.json` FILE is converted to text, a `.ny` FILE compiled to MIR14.
    Fmt(Input),
    /// Print the JSON form
    ///
    /// Prints the JSON form of FILE (which must parse and verify) to standard output.
    Json(Input),
    /// Print the control-flow graph as Graphviz dot
    ///
    /// Prints the control-flow graph of every function of FILE (or only of `--function NAME`) as
    /// one Graphviz dot digraph: one cluster per function, one node per block labelled with its
    /// instructions, and each loop (declared LoopForms, and the ones inferred for undeclared
    /// loops, drawn dashed) as a cluster around its blocks. Render with `dot -Tsvg`. A NAME that
    /// is not a function of FILE is an error (status 2).
    Cfg(CfgArgs),
    /// Run @main
    ///
    /// Verifies FILE and runs its @main on one backend. The default, tiered, starts in the
    /// interpreter and compiles each function with Cranelift once it is hot (its calls plus
    /// taken loop back edges exceed --tier-threshold; a hot loop moves to compiled code at its
    /// header), so short runs skip compilation and long ones run native code. A background
    /// thread generates the code while the interpreter keeps running the function, which
    /// switches to it at a call or loop back edge once it is ready (--tier-sync: the running
    /// thread compiles and waits; threshold 0 always does). --backend vm|jit|aot forces one
    /// engine. All give the same output, whenever code arrives. ARGS become the program's
    /// `env.args()`; standard input is the program's. The exit status is @main's Integer result & 255 (0 for
    /// any other result), 101 after a trap (which prints `error: KIND: MESSAGE (in @f, bbN)`),
    /// 2 for bad input.
    ///
    /// C functions that FILE declares with `import c.NAME(T, ...) -> T` are looked up, before
    /// anything runs, in each `--lib` library in order and then in the C library; a missing one
    /// prints `error: undefined C function c.NAME: ...` and exits with status 2. `--lib m` loads
    /// libm by name; `--lib ./libfoo.so` loads a file.
    Run(RunArgs),
    /// Compile to a standalone native executable
    ///
    /// Verifies FILE and compiles it ahead of time (Cranelift) into the standalone native
    /// executable OUT, linked with the MIR14 runtime by the system C compiler (`$CC`, else cc,
    /// gcc or clang). Running `OUT ARGS...` behaves like `mir14 run --backend aot FILE -- ARGS...`:
    /// ARGS become `env.args()`. The limits are fixed when building; the executable takes no
    /// flags of its own. The exit status is 0 on success, 2 for bad input, 1 if compiling or
    /// linking fails (e.g. no C compiler).
    ///
    /// C functions that FILE imports (`import c.NAME(...) -> T`) are linked from the `--lib`
    /// libraries (a static archive `PATH.a` is linked in; a shared library `PATH.so` is found at
    /// run time through its directory; `NAME` is `-lNAME`) and the C library. An import that
    /// none of them defines is an error (status 2) naming it; host functions (`import host.*`)
    /// cannot be built into an executable.
    Build(BuildArgs),
    /// Run @main on every backend and compare the results
    ///
    /// Runs @main of FILE on every backend (vm, jit, tiered, aot; each as `mir14 run --backend B` in its
    /// own process, with the same flags, arguments and standard input) and compares stdout,
    /// stderr and exit status byte for byte. Prints one line per backend (`vm: exit 3, stdout 17
    /// bytes, stderr 0 bytes`), then either `parity: all backends agree` (exit status 0) or
    /// `parity: B differs from vm: ...` with the first difference (exit status 1). Exit status 2
    /// for bad input.
    Parity(ParityArgs),
    /// Differential fuzzing of generated programs
    ///
    /// Generates random verified programs (program k of a campaign with seed S is generated
    /// from seed S + k, so `--seed P --programs 1` regenerates the program a report names), runs
    /// each on every backend as a subprocess with empty stdin, the same limits and a timeout,
    /// and compares stdout, stderr and exit status byte for byte. Programs run in batches of
    /// `--batch N`: `aot` builds one executable per batch, which runs each program selected by
    /// its key (the program's only argument, also given to the other backends). Unless
    /// `--fixed-limits`, the programs of one batch in four run with a fuel of 1 to 400, one in
    /// four with a call depth limit of 2 to 31, one in four without `--fuel`, one in eight with
    /// the depth limit 100000 and one in eight with a `--max-heap` of 256 KiB to 8 MiB (unless
    /// `--no-heap-limits`). A
    /// divergent program is saved under `--out` in a
    /// directory named after its seed with every backend's outputs and, unless `--no-shrink`,
    /// shrunk to `shrunk.mir`. The last line printed is `fuzz: N programs, D divergences`; the
    /// exit status is 1 if D > 0, else 0 (2 for bad flags or a backend that cannot run
    /// programs).
    Fuzz(FuzzArgs),
    /// Print a shell completion script
    ///
    /// Prints the completion script of `mir14` for SHELL to standard output. For bash:
    /// `mir14 completions bash > ~/.local/share/bash-completion/completions/mir14`.
    Completions(CompletionsArgs),
}

/// The input file of `check`, `fmt` and `json`.
#[derive(Args, Debug)]
pub struct Input {
    /// The program: MIR14 text, the JSON form (`.json`) or ny (`.ny`)
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

/// `mir14 cfg FILE [--function NAME]`.
#[derive(Args, Debug)]
pub struct CfgArgs {
    /// The program: MIR14 text, the JSON form (`.json`) or ny (`.ny`)
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Draw only this function (written with or without `@`)
    #[arg(long, value_name = "NAME", value_parser = function_name, allow_hyphen_values = true)]
    pub function: Option<String>,
}

/// The limits `run`, `build` and `parity` take.
#[derive(Args, Debug, Clone, PartialEq)]
pub struct Limits {
    /// Allow N units of fuel (function entries and taken back edges); without it, no limit
    #[arg(long, value_name = "N", value_parser = non_negative, allow_hyphen_values = true)]
    pub fuel: Option<u64>,
    /// Trap StackOverflow when the call depth would exceed N (a `tail call` does not add to it)
    #[arg(
        long,
        value_name = "N",
        default_value_t = DEFAULT_MAX_DEPTH,
        value_parser = positive,
        allow_hyphen_values = true
    )]
    pub max_depth: u64,
    /// Trap OutOfMemory when more than BYTES of heap objects are live [default: half of the
    /// machine's memory]
    #[arg(long, value_name = "BYTES", value_parser = positive, allow_hyphen_values = true)]
    pub max_heap: Option<u64>,
}

/// The `--lib` flags of `run` and `parity`: libraries searched for `import c.NAME` functions.
#[derive(Args, Debug, Clone, PartialEq)]
pub struct RunLibs {
    /// Search the shared library LIB for imported C functions: a path (`./libfoo.so`) or a name
    /// (`m` for libm.so on the system search path); repeatable, searched in order, the C
    /// library last
    #[arg(long = "lib", value_name = "LIB", allow_hyphen_values = true)]
    pub libs: Vec<String>,
}

/// `mir14 run FILE [flags] [-- ARGS...]`.
#[derive(Args, Debug)]
pub struct RunArgs {
    /// The program: MIR14 text, the JSON form (`.json`) or ny (`.ny`)
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// The backend [default: tiered where Cranelift supports the host, else vm]
    #[arg(long, value_enum, value_name = "BACKEND")]
    pub backend: Option<Backend>,
    /// Tiered backend: compile a function with Cranelift once its calls plus taken loop back
    /// edges in the interpreter exceed N (0 compiles every function at its first call; a value
    /// never reached keeps everything interpreted)
    #[arg(
        long,
        value_name = "N",
        default_value_t = mir14_tier::DEFAULT_THRESHOLD,
        value_parser = non_negative,
        allow_hyphen_values = true
    )]
    pub tier_threshold: u64,
    /// Tiered backend: compile each hot function on the running thread, which waits for it
    /// (by default a background thread compiles while the interpreter keeps running the
    /// function, and the function switches to compiled code at a call or loop back edge after
    /// its code is ready; the output is the same either way; threshold 0 always compiles on the
    /// running thread)
    #[arg(long)]
    pub tier_sync: bool,
    /// The limits.
    #[command(flatten)]
    pub limits: Limits,
    /// The libraries of imported C functions.
    #[command(flatten)]
    pub libs: RunLibs,
    /// Print the MIR14 text of FILE instead of running it (as `mir14 fmt FILE`; for an ny
    /// program, FILE.ny)
    #[arg(long)]
    pub emit_mir: bool,
    /// Print each executed instruction with its operands' values to stderr (runs on the
    /// interpreter: implies --backend vm)
    #[arg(long)]
    pub trace: bool,
    /// Print each call with its arguments and each return with its result to stderr (runs on
    /// the interpreter: implies --backend vm)
    #[arg(long)]
    pub trace_calls: bool,
    /// After the run, print a table of functions with call counts and self time (on vm also
    /// instruction counts) to stderr, longest self time first
    #[arg(long)]
    pub profile: bool,
    /// Write the JIT code's symbols to /tmp/perf-PID.map for `perf report` (jit backend)
    #[arg(long)]
    pub perf_map: bool,
    /// The program's arguments, for `env.args()` (bytes that are not UTF-8 are decoded lossily,
    /// as built executables do)
    #[arg(last = true, value_name = "ARGS", value_parser = lossy())]
    pub args: Vec<String>,
}

impl RunArgs {
    /// The options `mir14 run` passes to a backend.
    pub fn options(&self) -> RunOptions {
        RunOptions {
            backend: self.backend,
            fuel: self.limits.fuel,
            max_depth: self.limits.max_depth,
            max_heap: self.limits.max_heap,
            args: self.args.clone(),
            tier_threshold: self.tier_threshold,
            tier_background: !self.tier_sync,
            debug: None,
            trace: self.trace,
            trace_calls: self.trace_calls,
            profile: self.profile,
            perf_map: self.perf_map,
            libs: self.libs.libs.clone(),
        }
    }
}

/// `mir14 build FILE -o OUT [--fuel N] [--max-depth N]`.
#[derive(Args, Debug)]
pub struct BuildArgs {
    /// The program: MIR14 text, the JSON form (`.json`) or ny (`.ny`)
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// The executable to write
    #[arg(
        short = 'o',
        long = "output",
        value_name = "OUT",
        required = true,
        value_parser = file_name,
        allow_hyphen_values = true
    )]
    pub output: PathBuf,
    /// The limits baked into the executable.
    #[command(flatten)]
    pub limits: Limits,
    /// Compile profiling in: the executable prints the profile table of `run --profile` after
    /// each run
    #[arg(long)]
    pub profile: bool,
    /// Link LIB into the executable for imported C functions: a static archive (`PATH.a`), a
    /// shared library (`PATH.so`, found at run time through its directory) or a name (`m` for
    /// `-lm`); repeatable
    #[arg(long = "lib", value_name = "LIB", allow_hyphen_values = true)]
    pub libs: Vec<String>,
}

/// `mir14 parity FILE [--fuel N] [--max-depth N] [-- ARGS...]`.
#[derive(Args, Debug)]
pub struct ParityArgs {
    /// The program: MIR14 text, the JSON form (`.json`) or ny (`.ny`)
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// The limits every backend runs with.
    #[command(flatten)]
    pub limits: Limits,
    /// The libraries of imported C functions, the same for every backend.
    #[command(flatten)]
    pub libs: RunLibs,
    /// The program's arguments, for `env.args()` (bytes that are not UTF-8 are decoded lossily,
    /// as built executables do)
    #[arg(last = true, value_name = "ARGS", value_parser = lossy())]
    pub args: Vec<String>,
}

impl ParityArgs {
    /// The options every backend's `mir14 run` gets (the backend is chosen per run).
    pub fn options(&self) -> RunOptions {
        RunOptions {
            backend: None,
            fuel: self.limits.fuel,
            max_depth: self.limits.max_depth,
            max_heap: self.limits.max_heap,
            args: self.args.clone(),
            tier_threshold: mir14_tier::DEFAULT_THRESHOLD,
            tier_background: true,
            debug: None,
            trace: false,
            trace_calls: false,
            profile: false,
            perf_map: false,
            libs: self.libs.libs.clone(),
        }
    }
}

/// The backends a campaign compares. A type alias, so that clap takes the list as one value
/// (parsed by [`fuzz::parse_backends`]) rather than as repeated values.
type FuzzBackends = Vec<fuzz::Backend>;

/// `mir14 fuzz [flags]`.
#[derive(Args, Debug)]
pub struct FuzzArgs {
    /// Stop starting new programs after N seconds
    #[arg(long, value_name = "N", default_value_t = 60, value_parser = non_negative, allow_hyphen_values = true)]
    pub seconds: u64,
    /// The campaign seed [default: from the clock, printed]
    #[arg(long, value_name = "S", value_parser = non_negative, allow_hyphen_values = true)]
    pub seed: Option<u64>,
    /// Stop after N programs
    #[arg(long, value_name = "N", value_parser = non_negative, allow_hyphen_values = true)]
    pub programs: Option<u64>,
    /// The backends to compare, at least two: `vm`, `jit`, `aot`, `tiered` (its threshold is
    /// chosen per program: 0, 1 to 20, or never reached), or `NAME=COMMAND ARGS` (run as
    /// `COMMAND ARGS FILE --fuel F --max-depth D`)
    #[arg(
        long,
        value_name = "LIST",
        default_value = "vm,jit,tiered,aot",
        value_parser = fuzz::parse_backends,
        allow_hyphen_values = true
    )]
    pub backends: FuzzBackends,
    /// The fuel of every run (unless varied, see above)
    #[arg(long, value_name = "N", default_value_t = 100_000, value_parser = non_negative, allow_hyphen_values = true)]
    pub fuel: u64,
    /// The call depth limit of every run (unless varied)
    #[arg(long, value_name = "N", default_value_t = 200, value_parser = positive, allow_hyphen_values = true)]
    pub max_depth: u64,
    /// Kill a run after N milliseconds (it then counts as the outcome `timeout`)
    #[arg(long, value_name = "N", default_value_t = 10_000, value_parser = non_negative, allow_hyphen_values = true)]
    pub timeout_ms: u64,
    /// Where divergent programs and their outputs are saved
    #[arg(
        long,
        value_name = "DIR",
        default_value = "fuzz-out",
        allow_hyphen_values = true
    )]
    pub out: PathBuf,
    /// Save divergent programs without shrinking them
    #[arg(long)]
    pub no_shrink: bool,
    /// The time budget for shrinking one divergent program
    #[arg(long, value_name = "N", default_value_t = 60, value_parser = non_negative, allow_hyphen_values = true)]
    pub shrink_seconds: u64,
    /// Stop after the first divergence
    #[arg(long)]
    pub stop_on_divergence: bool,
    /// Run every program with `--fuel` and `--max-depth` exactly as given
    #[arg(long)]
    pub fixed_limits: bool,
    /// Never draw the small `--max-heap` limit class (near the heap limit the point where
    /// `OutOfMemory` traps depends on which dead values a backend still holds: an open
    /// divergence, see fuzz/open/README.md)
    #[arg(long)]
    pub no_heap_limits: bool,
    /// Pass `--lib LIB` to every run (libraries of imported C functions; see `mir14 help run`);
    /// repeatable
    #[arg(long = "lib", value_name = "LIB", allow_hyphen_values = true)]
    pub libs: Vec<String>,
    /// Programs per batch (`aot` builds one executable per batch, and the programs of a batch
    /// share their limits)
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = positive, allow_hyphen_values = true)]
    pub batch: u64,
    /// Pass `--max-heap BYTES` to every run (unless varied)
    #[arg(long, value_name = "BYTES", value_parser = positive, allow_hyphen_values = true)]
    pub max_heap: Option<u64>,
}

impl FuzzArgs {
    /// The campaign these flags ask for.
    pub fn options(&self) -> fuzz::Options {
        fuzz::Options {
            seconds: self.seconds,
            seed: self.seed.unwrap_or_else(fuzz::clock_seed),
            programs: self.programs,
            backends: self.backends.clone(),
            fuel: self.fuel,
            fuel_checks: true,
            max_depth: self.max_depth,
            timeout: Duration::from_millis(self.timeout_ms),
            out: self.out.clone(),
            shrink: !self.no_shrink,
            stop_on_divergence: self.stop_on_divergence,
            vary_limits: !self.fixed_limits,
            vary_heap: !self.no_heap_limits,
            tier_threshold: mir14_tier::DEFAULT_THRESHOLD,
            shrink_seconds: self.shrink_seconds,
            // Runs start in the program's directory: relative library paths are made absolute.
            libs: self
                .libs
                .iter()
                .map(|l| match std::path::absolute(l) {
                    Ok(abs) if l.contains('/') => abs.to_string_lossy().into_owned(),
                    _ => l.clone(),
                })
                .collect(),
            batch: self.batch.min(10_000) as usize,
            max_heap: self.max_heap,
        }
    }
}

/// `mir14 completions SHELL`.
#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

/// The outcome of parsing a command line.
#[derive(Debug)]
pub enum Parsed {
    /// A command to run.
    Run(Command),
    /// Help or version text for stdout (exit status 0).
    Help(String),
    /// A usage error: one line without the `error: ` prefix (exit status 2).
    Error(String),
}

/// The complete command definition, every command with the same help layout (wrapped to the
/// terminal, at most 100 columns) and with flags that may be repeated (the last value wins).
pub fn command() -> clap::Command {
    fn finish(c: clap::Command) -> clap::Command {
        c.help_template(HELP_TEMPLATE)
            .max_term_width(100)
            .args_override_self(true)
            .mut_subcommands(finish)
    }
    let mut cli = finish(Cli::command());
    // The `help` command exists once clap has completed the definition.
    cli.build();
    cli.mut_subcommand("help", finish)
}

/// Parses the arguments after the program name.
pub fn parse(args: &[OsString]) -> Parsed {
    let argv = std::iter::once(OsString::from("mir14")).chain(args.iter().cloned());
    let result = command()
        .try_get_matches_from(argv)
        .and_then(|m| Cli::from_arg_matches(&m));
    match result {
        Ok(cli) => {
            crate::diag::set_color(cli.color.into());
            Parsed::Run(cli.command)
        }
        Err(e) if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) => {
            Parsed::Help(e.to_string())
        }
        Err(e) => Parsed::Error(message(&e, args)),
    }
}

/// The completion script for `shell`.
pub fn completions(shell: clap_complete::Shell) -> Vec<u8> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command(), "mir14", &mut script);
    script
}

/// A string-valued piece of an error's context.
fn context(e: &clap::Error, kind: ContextKind) -> Option<String> {
    match e.get(kind)? {
        ContextValue::String(s) => Some(s.clone()),
        ContextValue::Strings(v) => v.first().cloned(),
        _ => None,
    }
}

/// The flag part of clap's description of an argument: `--fuel` of `--fuel <N>`.
fn flag_of(described: &str) -> &str {
    described.split([' ', '=']).next().unwrap_or(described)
}

/// Joins `a`, `b` and `c` as `a, b or c`.
fn alternatives(values: &[String]) -> String {
    match values.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => values.join(""),
    }
}

/// The one-line message of a usage error, in the words the tool has always used. `args` are
/// the arguments after the program name; the first names the command.
fn message(e: &clap::Error, args: &[OsString]) -> String {
    // The command the error is about, if the first argument names one.
    let cmd = args
        .first()
        .and_then(|a| a.to_str())
        .filter(|a| command().find_subcommand(a).is_some() && *a != "help");
    let arg = context(e, ContextKind::InvalidArg).unwrap_or_default();
    let value = context(e, ContextKind::InvalidValue).unwrap_or_default();
    let help = |c: &str| format!("see `mir14 help {c}`");
    match (e.kind(), cmd) {
        (ErrorKind::MissingSubcommand, _) => "missing command (try `mir14 --help`)".into(),
        (ErrorKind::InvalidSubcommand, _) => {
            let bad = context(e, ContextKind::InvalidSubcommand).unwrap_or_default();
            match context(e, ContextKind::SuggestedSubcommand) {
                Some(s) => format!("unknown command `{bad}`; did you mean `{s}`?"),
                None => format!("unknown command `{bad}` (try `mir14 --help`)"),
            }
        }
        (ErrorKind::UnknownArgument, None) => {
            format!("expected a command before `{arg}` (try `mir14 --help`)")
        }
        (ErrorKind::UnknownArgument, Some(c)) if arg.starts_with('-') && arg != "-" => {
            let flag = flag_of(&arg);
            match context(e, ContextKind::SuggestedArg) {
                Some(s) => format!("unknown flag `{flag}` for `mir14 {c}`; did you mean `{s}`?"),
                None => format!("unknown flag `{flag}` for `mir14 {c}`"),
            }
        }
        (ErrorKind::UnknownArgument, Some(c)) => {
            let hint = if c == "run" || c == "parity" {
                " (program arguments go after `--`)"
            } else {
                ""
            };
            format!("unexpected argument `{arg}` for `mir14 {c}`{hint}")
        }
        (ErrorKind::MissingRequiredArgument, c) => {
            let c = c.unwrap_or_default();
            if arg == "<FILE>" {
                format!("missing input file (usage: mir14 {c} FILE, {})", help(c))
            } else if flag_of(&arg) == "--output" {
                format!("missing output file: `mir14 {c} FILE -o OUT` ({})", help(c))
            } else {
                let what = arg.trim_matches(['<', '>']).to_lowercase();
                format!("missing {what} ({})", help(c))
            }
        }
        (ErrorKind::InvalidValue, _) if value.is_empty() && arg.starts_with('<') => {
            format!("{arg} must not be empty")
        }
        (ErrorKind::InvalidValue, _) if value.is_empty() => {
            format!("flag `{}` needs a value", flag_of(&arg))
        }
        (ErrorKind::InvalidValue, _) => {
            // A value outside a fixed list (`--backend`, the shell): named after its value name.
            let what = arg
                .rsplit('<')
                .next()
                .unwrap_or_default()
                .trim_end_matches('>')
                .to_lowercase();
            let valid = match e.get(ContextKind::ValidValue) {
                Some(ContextValue::Strings(v)) => alternatives(v),
                _ => String::new(),
            };
            format!("unknown {what} `{value}` (expected {valid})")
        }
        (ErrorKind::ValueValidation, _) => {
            let reason = std::error::Error::source(e)
                .map(ToString::to_string)
                .unwrap_or_default();
            format!("invalid value `{value}` for `{}` ({reason})", flag_of(&arg))
        }
        (ErrorKind::InvalidUtf8, Some(c)) => {
            format!("an argument of `mir14 {c}` is not valid UTF-8")
        }
        // Anything else: the first line of clap's own message.
        _ => {
            let text = e.to_string();
            let first = text.lines().next().unwrap_or_default();
            first.strip_prefix("error: ").unwrap_or(first).to_string()
        }
    }
}

/// Parses a non-negative decimal integer (a limit, a count, a seed).
fn non_negative(value: &str) -> Result<u64, String> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err("expected a non-negative integer".into());
    }
    value
        .parse::<u64>()
        .map_err(|_| format!("too large; the largest is {}", u64::MAX))
}

/// A program argument: its bytes decoded as UTF-8, each invalid sequence becoming U+FFFD
/// (spec §5.3), exactly as a built executable decodes its `argv`.
fn lossy() -> impl clap::builder::TypedValueParser<Value = String> {
    use clap::builder::TypedValueParser;
    clap::builder::OsStringValueParser::new().map(|s| s.to_string_lossy().into_owned())
}

/// Parses an integer of at least 1.
fn positive(value: &str) -> Result<u64, String> {
    const AT_LEAST_1: &str = "expected an integer of at least 1";
    match non_negative(value) {
        Ok(0) => Err(AT_LEAST_1.into()),
        Err(e) if !e.starts_with("too large") => Err(AT_LEAST_1.into()),
        result => result,
    }
}

/// Parses a function name, written with or without `@`.
fn function_name(value: &str) -> Result<String, String> {
    let name = value.strip_prefix('@').unwrap_or(value);
    if name.is_empty() {
        return Err("expected a function name".into());
    }
    Ok(name.to_string())
}

/// Parses the name of a file to write (not empty).
fn file_name(value: &str) -> Result<PathBuf, String> {
    if value.is_empty() {
        return Err("expected a file name".into());
    }
    Ok(PathBuf::from(value))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Parses `mir14 ARGS`.
    fn parse_strs(args: &[&str]) -> Parsed {
        let args: Vec<OsString> = args.iter().map(OsString::from).collect();
        parse(&args)
    }

    /// The usage error of `mir14 ARGS`.
    fn error(args: &[&str]) -> String {
        match parse_strs(args) {
            Parsed::Error(e) => e,
            other => panic!("{args:?} parsed: {other:?}"),
        }
    }

    /// The campaign options of `mir14 fuzz ARGS` (used by the fuzz tests too).
    pub(crate) fn fuzz_options(args: &[&str]) -> Result<fuzz::Options, String> {
        let mut all = vec!["fuzz"];
        all.extend_from_slice(args);
        match parse_strs(&all) {
            Parsed::Run(Command::Fuzz(f)) => Ok(f.options()),
            Parsed::Error(e) => Err(e),
            other => Err(format!("{other:?}")),
        }
    }

    #[test]
    fn the_definition_is_consistent() {
        command().debug_assert();
    }

    #[test]
    fn simple_commands() {
        let Parsed::Run(Command::Check(i)) = parse_strs(&["check", "a.mir"]) else {
            panic!("check did not parse");
        };
        assert_eq!(i.file, PathBuf::from("a.mir"));
        let Parsed::Run(Command::Cfg(c)) = parse_strs(&["cfg", "--function", "@main", "a.mir"])
        else {
            panic!("cfg did not parse");
        };
        assert_eq!((c.file, c.function), ("a.mir".into(), Some("main".into())));
        let Parsed::Run(Command::Cfg(c)) = parse_strs(&["cfg", "a.mir", "--function=f"]) else {
            panic!("cfg did not parse");
        };
        assert_eq!(c.function.as_deref(), Some("f"));
    }

    #[test]
    fn run_flags_and_program_arguments() {
        let Parsed::Run(Command::Run(r)) = parse_strs(&[
            "run",
            "--backend",
            "vm",
            "--fuel=7",
            "p.mir",
            "--max-depth",
            "50",
            "--fuel",
            "8",
            "--",
            "x",
            "--fuel",
            "",
        ]) else {
            panic!("run did not parse");
        };
        assert_eq!(r.file, PathBuf::from("p.mir"));
        assert!(!r.emit_mir);
        let o = r.options();
        assert_eq!(o.backend, Some(Backend::Vm));
        // The last value of a repeated flag wins.
        assert_eq!(o.fuel, Some(8));
        assert_eq!(o.max_depth, 50);
        assert_eq!(o.args, vec!["x", "--fuel", ""]);
        let Parsed::Run(Command::Run(r)) = parse_strs(&["run", "p.ny", "--emit-mir"]) else {
            panic!("run did not parse");
        };
        assert!(r.emit_mir);
        let o = r.options();
        assert_eq!((o.backend, o.fuel, o.max_depth), (None, None, 100_000));
        assert!(o.args.is_empty());
    }

    #[test]
    fn build_output_and_limits() {
        let Parsed::Run(Command::Build(b)) = parse_strs(&[
            "build",
            "p.mir",
            "-o",
            "prog",
            "--fuel=9",
            "--max-depth",
            "40",
        ]) else {
            panic!("build did not parse");
        };
        assert_eq!(
            (b.output, b.limits.fuel, b.limits.max_depth),
            ("prog".into(), Some(9), 40)
        );
        let Parsed::Run(Command::Build(b)) = parse_strs(&["build", "--output=out/p", "p.mir"])
        else {
            panic!("build did not parse");
        };
        assert_eq!((b.output, b.limits.max_depth), ("out/p".into(), 100_000));
        assert_eq!(
            error(&["build", "p.mir"]),
            "missing output file: `mir14 build FILE -o OUT` (see `mir14 help build`)"
        );
        assert_eq!(
            error(&["build", "p.mir", "-o", ""]),
            "invalid value `` for `--output` (expected a file name)"
        );
        assert_eq!(
            error(&["build", "p.mir", "-o", "x", "--backend", "vm"]),
            "unknown flag `--backend` for `mir14 build`"
        );
        assert_eq!(
            error(&["build", "p.mir", "-o", "x", "--", "a"]),
            "unexpected argument `a` for `mir14 build`"
        );
    }

    #[test]
    fn usage_errors_are_one_clear_line() {
        for (args, expected) in [
            (&[][..], "missing command (try `mir14 --help`)"),
            (&["frob"], "unknown command `frob` (try `mir14 --help`)"),
            (
                &["chek", "a.mir"],
                "unknown command `chek`; did you mean `check`?",
            ),
            (
                &["help", "nope"],
                "unknown command `nope` (try `mir14 --help`)",
            ),
            (
                &["check"],
                "missing input file (usage: mir14 check FILE, see `mir14 help check`)",
            ),
            (
                &["check", "--fuel", "1", "a.mir"],
                "unknown flag `--fuel` for `mir14 check`",
            ),
            (
                &["run", "a.mir", "--feul=3"],
                "unknown flag `--feul` for `mir14 run`; did you mean `--fuel`?",
            ),
            (&["run", "a.mir", "--fuel"], "flag `--fuel` needs a value"),
            (
                &["run", "a.mir", "--fuel", "-3"],
                "invalid value `-3` for `--fuel` (expected a non-negative integer)",
            ),
            (
                &["run", "a.mir", "--max-depth", "99999999999999999999999"],
                "invalid value `99999999999999999999999` for `--max-depth` (too large; the \
                 largest is 18446744073709551615)",
            ),
            (
                &["run", "a.mir", "--backend", "gpu"],
                "unknown backend `gpu` (expected tiered, vm, jit or aot)",
            ),
            (
                &["run", "a.mir", "b.mir"],
                "unexpected argument `b.mir` for `mir14 run` (program arguments go after `--`)",
            ),
            (
                &["fmt", "a.mir", "b.mir"],
                "unexpected argument `b.mir` for `mir14 fmt`",
            ),
            (
                &["cfg", "a.mir", "--function", "@"],
                "invalid value `@` for `--function` (expected a function name)",
            ),
            (
                &["--fuel"],
                "expected a command before `--fuel` (try `mir14 --help`)",
            ),
            (
                &["completions", "tcsh"],
                "unknown shell `tcsh` (expected bash, elvish, fish, powershell or zsh)",
            ),
            (
                &["completions"],
                "missing shell (see `mir14 help completions`)",
            ),
            (
                &["fuzz", "--max-depth", "0"],
                "invalid value `0` for `--max-depth` (expected an integer of at least 1)",
            ),
            (
                &["fuzz", "--backends", "vm"],
                "invalid value `vm` for `--backends` (at least two backends are needed)",
            ),
            (
                &["fuzz", "--bogus"],
                "unknown flag `--bogus` for `mir14 fuzz`",
            ),
        ] {
            assert_eq!(error(args), expected, "{args:?}");
        }
    }

    #[test]
    fn help_and_version() {
        for args in [
            &["--help"][..],
            &["help"],
            &["help", "run"],
            &["run", "--help"],
            &["cfg", "x.mir", "-h"],
            &["help", "fuzz"],
            &["fuzz", "--help"],
            &["help", "completions"],
        ] {
            let Parsed::Help(text) = parse_strs(args) else {
                panic!("{args:?} is not help");
            };
            assert!(text.contains("usage: mir14"), "{args:?}: {text}");
        }
        let Parsed::Help(run) = parse_strs(&["help", "run"]) else {
            panic!("no help");
        };
        assert!(
            run.contains("--max-depth <N>") && run.contains("--emit-mir"),
            "{run}"
        );
        let Parsed::Help(fuzz) = parse_strs(&["help", "fuzz"]) else {
            panic!("no help");
        };
        for flag in [
            "--seconds",
            "--shrink-seconds",
            "--fixed-limits",
            "--timeout-ms",
        ] {
            assert!(fuzz.contains(flag), "{flag}: {fuzz}");
        }
        let Parsed::Help(version) = parse_strs(&["--version"]) else {
            panic!("no version");
        };
        assert_eq!(version, format!("mir14 {}\n", env!("CARGO_PKG_VERSION")));
    }

    #[test]
    fn fuzz_flags() {
        let o = fuzz_options(&["--seconds=7", "--no-shrink", "--seed", "5"]).unwrap();
        assert_eq!((o.seconds, o.shrink, o.seed), (7, false, 5));
        assert_eq!(o.backends.len(), 4);
        assert_eq!(o.backends[2].name, "tiered");
        assert!(o.backends[3].is_standard_aot() && !o.backends[1].is_standard_aot());
        assert_eq!((o.fuel, o.max_depth, o.programs), (100_000, 200, None));
        assert_eq!((o.batch, o.max_heap), (10, None));
        assert_eq!(o.timeout, Duration::from_secs(10));
        assert!(o.vary_limits && o.vary_heap && !o.stop_on_divergence && o.fuel_checks);
        let o = fuzz_options(&["--no-heap-limits"]).unwrap();
        assert!(o.vary_limits && !o.vary_heap);
        let o = fuzz_options(&[
            "--fixed-limits",
            "--stop-on-divergence",
            "--timeout-ms",
            "250",
            "--out",
            "d",
            "--backends",
            "a=/bin/echo x,jit",
        ])
        .unwrap();
        assert!(!o.vary_limits && o.stop_on_divergence);
        assert_eq!((o.timeout, o.out), (Duration::from_millis(250), "d".into()));
        assert_eq!(o.backends[0].command, vec!["/bin/echo", "x"]);
        assert!(fuzz_options(&["--seconds"]).is_err());
    }

    #[test]
    fn completions_name_every_command() {
        let script = String::from_utf8(completions(clap_complete::Shell::Bash)).unwrap();
        for word in [
            "check",
            "parity",
            "fuzz",
            "completions",
            "--max-depth",
            "--emit-mir",
        ] {
            assert!(script.contains(word), "{word}");
        }
    }
}
