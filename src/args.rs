//! Hand-written command-line parsing for `mir14`.
//!
//! Grammar: `mir14 COMMAND [flags] FILE [-- program args]`. Flags may come before or after the
//! file and take their value as the next argument or after `=` (`--fuel 10`, `--fuel=10`).
//! A flag given twice keeps its last value. Everything after `--` belongs to the program (`run`
//! only). Errors are one-line messages; the caller prints them as `error: ...` and exits 2.

use crate::run::{Backend, RunOptions, DEFAULT_MAX_DEPTH};
use std::ffi::OsString;
use std::path::PathBuf;

/// The overview printed by `mir14 --help`.
pub const USAGE: &str = "\
mir14: tools for the MIR14 intermediate representation

usage:
  mir14 check FILE                  parse and verify; report errors and loop warnings
  mir14 fmt FILE                    print the canonical text form
  mir14 json FILE                   print the JSON form
  mir14 cfg FILE [--function F]     print the control-flow graph as Graphviz dot
  mir14 run FILE [--backend vm|jit|aot] [--fuel N] [--max-depth N] [-- ARGS...]
                                    run @main
  mir14 build FILE -o OUT [--fuel N] [--max-depth N]
                                    compile to a standalone native executable
  mir14 parity FILE [--fuel N] [--max-depth N] [-- ARGS...]
                                    run @main on every backend and compare the results
  mir14 fuzz [--seconds N] [--seed S] [--backends vm,jit,aot]
                                    differential fuzzing of generated programs
                                    (`mir14 fuzz --help` lists every flag)
  mir14 help [COMMAND]              show this help, or a command's help

FILE is MIR14 text, or the JSON form if its name ends in `.json`, or an ny program if its
name ends in `.ny` (compiled to MIR14 first; `mir14 run prog.ny --emit-mir` prints the MIR14).
Bad input of any kind prints `error: ...` and exits with status 2.
";

const CHECK_USAGE: &str = "\
usage: mir14 check FILE

Parses and verifies FILE. Each error prints as `FILE:LINE:COL: error: MESSAGE` followed by the
source line and a caret line under the offending text; the exit status is then 2. Loops that can
not be put in canonical LoopForm shape print the same way as `warning:` and leave the exit
status 0. For a `.json` FILE, positions are in the JSON text and each message names its entity
(`in @f, block bb1, instruction 3: ...`).
";

const FMT_USAGE: &str = "\
usage: mir14 fmt FILE

Prints the canonical text form of FILE (which must parse and verify) to standard output.
A `.json` FILE is converted to text.
";

const JSON_USAGE: &str = "\
usage: mir14 json FILE

Prints the JSON form of FILE (which must parse and verify) to standard output.
";

const CFG_USAGE: &str = "\
usage: mir14 cfg FILE [--function NAME]

Prints the control-flow graph of every function of FILE (or only of NAME, written with or
without `@`) as one Graphviz dot digraph: one cluster per function, one node per block labelled
with its instructions, and each loop (declared LoopForms, and the ones inferred for undeclared
loops, drawn dashed) as a cluster around its blocks. Render with `dot -Tsvg`.
";

const RUN_USAGE: &str = "\
usage: mir14 run FILE [--backend vm|jit|aot] [--fuel N] [--max-depth N] [-- ARGS...]

Verifies FILE and runs its @main. ARGS become the program's `env.args()`.
  --backend B     vm (the reference interpreter), jit or aot
  --fuel N        allow N units of fuel (function entries and taken back edges)
  --max-depth N   trap StackOverflow when the call depth would exceed N (default 100000)
  --emit-mir      print the MIR14 text of FILE instead of running it (as `mir14 fmt FILE`;
                  useful for an ny program, FILE.ny)
The exit status is @main's Integer result & 255 (0 for any other result), 101 after a trap,
2 for bad input.
";

const BUILD_USAGE: &str = "\
usage: mir14 build FILE -o OUT [--fuel N] [--max-depth N]

Verifies FILE and compiles it ahead of time (Cranelift) into the standalone native executable
OUT, linked with the MIR14 runtime by the system C compiler (`$CC`, else cc, gcc or clang).
Running `OUT ARGS...` behaves like `mir14 run FILE -- ARGS...`: ARGS become `env.args()`.
  -o, --output OUT  the executable to write (required)
  --fuel N          bake in N units of fuel
  --max-depth N     bake in the call depth limit (default 100000)
The limits are fixed when building; the executable takes no flags of its own. The exit status
is 0 on success, 2 for bad input, 1 if compiling or linking fails (e.g. no C compiler).
";

const PARITY_USAGE: &str = "\
usage: mir14 parity FILE [--fuel N] [--max-depth N] [-- ARGS...]

Runs @main of FILE on every backend (each as `mir14 run --backend B` with the same flags,
arguments and standard input) and compares stdout, stderr and exit status byte for byte.
Prints one summary line per backend, then either `parity: all backends agree` (exit status 0)
or the first difference (exit status 1). Exit status 2 for bad input.
";

/// The help text of a command, or the overview for anything else.
pub fn usage_of(command: Option<&str>) -> &'static str {
    match command {
        Some("check") => CHECK_USAGE,
        Some("fmt") => FMT_USAGE,
        Some("json") => JSON_USAGE,
        Some("cfg") => CFG_USAGE,
        Some("run") => RUN_USAGE,
        Some("build") => BUILD_USAGE,
        Some("parity") => PARITY_USAGE,
        _ => USAGE,
    }
}

/// What the user asked for.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Print help text (the overview, or one command's) to stdout.
    Help(&'static str),
    /// Print the version.
    Version,
    /// `mir14 check FILE`.
    Check(PathBuf),
    /// `mir14 fmt FILE`.
    Fmt(PathBuf),
    /// `mir14 json FILE`.
    Json(PathBuf),
    /// `mir14 cfg FILE [--function F]` (the name without `@`).
    Cfg(PathBuf, Option<String>),
    /// `mir14 run FILE [flags] [-- args]`.
    Run(PathBuf, RunOptions),
    /// `mir14 parity FILE [flags] [-- args]` (`backend` is unused).
    Parity(PathBuf, RunOptions),
    /// `mir14 build FILE -o OUT [--fuel N] [--max-depth N]`.
    Build(PathBuf, BuildOptions),
}

/// What `mir14 build` writes, and the limits it bakes in.
#[derive(Debug, Clone, PartialEq)]
pub struct BuildOptions {
    /// `-o OUT`: the executable to write.
    pub output: PathBuf,
    /// `--fuel N`, if given.
    pub fuel: Option<u64>,
    /// `--max-depth N` (default 100000).
    pub max_depth: u64,
}

/// Parses the arguments after the program name.
pub fn parse_args(args: &[OsString]) -> Result<Command, String> {
    let Some(first) = args.first() else {
        return Err("missing command (try `mir14 --help`)".to_string());
    };
    let command = utf8(first)?;
    let rest = &args[1..];
    match command {
        "-h" | "--help" => Ok(Command::Help(USAGE)),
        "help" => match rest.first() {
            None => Ok(Command::Help(USAGE)),
            Some(c) => {
                let c = utf8(c)?;
                if KNOWN.contains(&c) {
                    Ok(Command::Help(usage_of(Some(c))))
                } else {
                    Err(format!("unknown command `{c}` (try `mir14 --help`)"))
                }
            }
        },
        "-V" | "--version" => Ok(Command::Version),
        "check" | "fmt" | "json" | "cfg" | "run" | "build" | "parity" => {
            parse_command(command, rest)
        }
        other if other.starts_with('-') => Err(format!(
            "expected a command before `{other}` (try `mir14 --help`)"
        )),
        other => Err(format!("unknown command `{other}` (try `mir14 --help`)")),
    }
}

/// The commands this tool implements.
const KNOWN: [&str; 7] = ["check", "fmt", "json", "cfg", "run", "build", "parity"];

/// Converts an argument to UTF-8 text or explains why not.
fn utf8(arg: &OsString) -> Result<&str, String> {
    arg.to_str()
        .ok_or_else(|| format!("argument `{}` is not valid UTF-8", arg.to_string_lossy()))
}

/// The flags that take a value, per command.
fn value_flags(command: &str) -> &'static [&'static str] {
    match command {
        "cfg" => &["--function"],
        "run" => &["--backend", "--fuel", "--max-depth"],
        "build" => &["-o", "--output", "--fuel", "--max-depth"],
        "parity" => &["--fuel", "--max-depth"],
        _ => &[],
    }
}

/// Parses one command's arguments.
fn parse_command(command: &str, args: &[OsString]) -> Result<Command, String> {
    let mut file: Option<PathBuf> = None;
    let mut function: Option<String> = None;
    let mut output: Option<PathBuf> = None;
    let mut opts = RunOptions {
        backend: None,
        fuel: None,
        max_depth: DEFAULT_MAX_DEPTH,
        args: Vec::new(),
    };
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        i += 1;
        // The file may have any name, even one that is not UTF-8.
        let Some(text) = arg.to_str() else {
            if file.is_none() {
                file = Some(PathBuf::from(arg));
                continue;
            }
            return Err(format!(
                "unexpected argument `{}` for `mir14 {command}`",
                arg.to_string_lossy()
            ));
        };
        if text == "--" {
            if command != "run" && command != "parity" {
                return Err(format!(
                    "`--` is only allowed with `mir14 run` and `mir14 parity` (to pass program arguments), not `mir14 {command}`"
                ));
            }
            for a in &args[i..] {
                opts.args.push(
                    a.to_str()
                        .ok_or_else(|| {
                            format!(
                                "program argument `{}` is not valid UTF-8",
                                a.to_string_lossy()
                            )
                        })?
                        .to_string(),
                );
            }
            break;
        }
        if text == "-h" || text == "--help" {
            return Ok(Command::Help(usage_of(Some(command))));
        }
        if text.starts_with('-') && text != "-" {
            // A flag: `--name value` or `--name=value`.
            let (name, inline) = match text.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (text, None),
            };
            if !value_flags(command).contains(&name) {
                return Err(format!("unknown flag `{name}` for `mir14 {command}`"));
            }
            let value = match inline {
                Some(v) => v,
                None => {
                    let v = args
                        .get(i)
                        .ok_or_else(|| format!("flag `{name}` needs a value"))?;
                    i += 1;
                    utf8(v)?.to_string()
                }
            };
            match name {
                "--function" => {
                    let f = value.strip_prefix('@').unwrap_or(&value);
                    if f.is_empty() {
                        return Err("flag `--function` needs a function name".to_string());
                    }
                    function = Some(f.to_string());
                }
                "--backend" => {
                    opts.backend = Some(Backend::from_name(&value).ok_or_else(|| {
                        format!("unknown backend `{value}` (expected vm, jit or aot)")
                    })?)
                }
                "-o" | "--output" => {
                    if value.is_empty() {
                        return Err(format!("flag `{name}` needs a file name"));
                    }
                    output = Some(PathBuf::from(value));
                }
                "--fuel" => opts.fuel = Some(number(name, &value)?),
                "--max-depth" => opts.max_depth = number(name, &value)?,
                _ => unreachable_flag(name)?,
            }
            continue;
        }
        if file.is_some() {
            let hint = if command == "run" || command == "parity" {
                " (program arguments go after `--`)"
            } else {
                ""
            };
            return Err(format!(
                "unexpected argument `{text}` for `mir14 {command}`{hint}"
            ));
        }
        file = Some(PathBuf::from(text));
    }
    let Some(file) = file else {
        return Err(format!(
            "missing input file (usage: mir14 {command} FILE, see `mir14 help {command}`)"
        ));
    };
    Ok(match command {
        "check" => Command::Check(file),
        "fmt" => Command::Fmt(file),
        "json" => Command::Json(file),
        "cfg" => Command::Cfg(file, function),
        "build" => {
            let Some(output) = output else {
                return Err(
                    "missing output file: `mir14 build FILE -o OUT` (see `mir14 help build`)"
                        .to_string(),
                );
            };
            Command::Build(
                file,
                BuildOptions {
                    output,
                    fuel: opts.fuel,
                    max_depth: opts.max_depth,
                },
            )
        }
        "parity" => Command::Parity(file, opts),
        _ => Command::Run(file, opts),
    })
}

/// `value_flags` lists exactly the flags handled above; this keeps the match total without a
/// panic path.
fn unreachable_flag(name: &str) -> Result<(), String> {
    Err(format!("unknown flag `{name}`"))
}

/// Parses a non-negative decimal flag value.
fn number(flag: &str, value: &str) -> Result<u64, String> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "invalid value `{value}` for `{flag}` (expected a non-negative integer)"
        ));
    }
    value
        .parse::<u64>()
        .map_err(|_| format!("value `{value}` for `{flag}` is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Command, String> {
        let v: Vec<OsString> = args.iter().map(OsString::from).collect();
        parse_args(&v)
    }

    #[test]
    fn simple_commands() {
        assert_eq!(
            parse(&["check", "a.mir"]),
            Ok(Command::Check("a.mir".into()))
        );
        assert_eq!(parse(&["fmt", "a.json"]), Ok(Command::Fmt("a.json".into())));
        assert_eq!(parse(&["json", "a.mir"]), Ok(Command::Json("a.mir".into())));
        assert_eq!(
            parse(&["cfg", "a.mir"]),
            Ok(Command::Cfg("a.mir".into(), None))
        );
        assert_eq!(
            parse(&["cfg", "--function", "@main", "a.mir"]),
            Ok(Command::Cfg("a.mir".into(), Some("main".into())))
        );
        assert_eq!(
            parse(&["cfg", "a.mir", "--function=f"]),
            Ok(Command::Cfg("a.mir".into(), Some("f".into())))
        );
    }

    #[test]
    fn run_flags_and_program_arguments() {
        let Ok(Command::Run(file, opts)) = parse(&[
            "run",
            "--backend",
            "vm",
            "--fuel=7",
            "p.mir",
            "--max-depth",
            "50",
            "--",
            "x",
            "--fuel",
            "",
        ]) else {
            panic!("run did not parse");
        };
        assert_eq!(file, PathBuf::from("p.mir"));
        assert_eq!(opts.backend, Some(Backend::Vm));
        assert_eq!(opts.fuel, Some(7));
        assert_eq!(opts.max_depth, 50);
        assert_eq!(opts.args, vec!["x", "--fuel", ""]);
    }

    #[test]
    fn run_defaults() {
        let Ok(Command::Run(_, opts)) = parse(&["run", "p.mir"]) else {
            panic!("run did not parse");
        };
        assert_eq!(opts.backend, None);
        assert_eq!(opts.fuel, None);
        assert_eq!(opts.max_depth, 100_000);
        assert!(opts.args.is_empty());
    }

    #[test]
    fn errors_are_clear() {
        assert!(parse(&[]).unwrap_err().contains("missing command"));
        assert!(parse(&["frob"])
            .unwrap_err()
            .contains("unknown command `frob`"));
        assert!(parse(&["check"])
            .unwrap_err()
            .contains("missing input file"));
        assert!(parse(&["check", "--fuel", "1", "a.mir"])
            .unwrap_err()
            .contains("unknown flag `--fuel` for `mir14 check`"));
        assert!(parse(&["run", "a.mir", "--fuel"])
            .unwrap_err()
            .contains("needs a value"));
        assert!(parse(&["run", "a.mir", "--fuel", "-3"])
            .unwrap_err()
            .contains("invalid value `-3`"));
        assert!(
            parse(&["run", "a.mir", "--fuel", "99999999999999999999999"])
                .unwrap_err()
                .contains("too large")
        );
        assert!(parse(&["run", "a.mir", "--backend", "gpu"])
            .unwrap_err()
            .contains("unknown backend `gpu`"));
        assert!(parse(&["run", "a.mir", "b.mir"])
            .unwrap_err()
            .contains("program arguments go after `--`"));
        assert!(parse(&["fmt", "a.mir", "--", "x"])
            .unwrap_err()
            .contains("only allowed with `mir14 run`"));
        assert!(parse(&["--fuel"])
            .unwrap_err()
            .contains("expected a command"));
    }

    #[test]
    fn build_output_and_limits() {
        assert_eq!(
            parse(&[
                "build",
                "p.mir",
                "-o",
                "prog",
                "--fuel=9",
                "--max-depth",
                "40"
            ]),
            Ok(Command::Build(
                "p.mir".into(),
                BuildOptions {
                    output: "prog".into(),
                    fuel: Some(9),
                    max_depth: 40,
                }
            ))
        );
        assert_eq!(
            parse(&["build", "--output=out/prog", "p.mir"]),
            Ok(Command::Build(
                "p.mir".into(),
                BuildOptions {
                    output: "out/prog".into(),
                    fuel: None,
                    max_depth: 100_000,
                }
            ))
        );
        assert!(parse(&["build", "p.mir"])
            .unwrap_err()
            .contains("missing output file"));
        assert!(parse(&["build", "p.mir", "-o", ""])
            .unwrap_err()
            .contains("needs a file name"));
        assert!(parse(&["build", "p.mir", "-o", "x", "--backend", "vm"])
            .unwrap_err()
            .contains("unknown flag `--backend` for `mir14 build`"));
        assert!(parse(&["build", "p.mir", "-o", "x", "--", "a"])
            .unwrap_err()
            .contains("only allowed with `mir14 run`"));
        assert_eq!(parse(&["help", "build"]), Ok(Command::Help(BUILD_USAGE)));
    }

    #[test]
    fn help_and_version() {
        assert_eq!(parse(&["--help"]), Ok(Command::Help(USAGE)));
        assert_eq!(parse(&["help"]), Ok(Command::Help(USAGE)));
        assert_eq!(parse(&["help", "run"]), Ok(Command::Help(RUN_USAGE)));
        assert_eq!(parse(&["run", "--help"]), Ok(Command::Help(RUN_USAGE)));
        assert_eq!(parse(&["cfg", "x.mir", "-h"]), Ok(Command::Help(CFG_USAGE)));
        assert_eq!(parse(&["--version"]), Ok(Command::Version));
        assert!(parse(&["help", "nope"]).is_err());
    }
}
