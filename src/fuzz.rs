//! `mir14 fuzz`: differential fuzzing of the backends with generated programs.
//!
//! ```text
//! mir14 fuzz [--seconds N] [--seed S] [--programs N] [--backends vm,jit,aot]
//!            [--fuel N] [--max-depth N] [--timeout-ms N] [--out DIR] [--no-shrink]
//!            [--shrink-seconds N] [--stop-on-divergence] [--fixed-limits]
//! ```
//!
//! Program `k` of a campaign with seed `S` is `mir14_gen::generate(S + k)` (wrapping), so
//! `--seed P --programs 1` regenerates the program whose seed `P` a report names. Each program is
//! written to a temporary file and run by every backend as a subprocess with empty stdin, the
//! same `--fuel` and `--max-depth`, and a timeout; stdout, stderr and the exit status are compared
//! byte for byte. Unless `--fixed-limits`, one program in four runs with a small fuel (1 to 400)
//! one in four with a small call depth limit (2 to 31), so that `OutOfFuel` and
//! `StackOverflow` are compared too, and one in four without `--fuel` at all, so that the compiled
//! code users get by default (no fuel checks) is fuzzed too (see [`program_options`]). A crash, a signal or a timeout of one backend is an outcome like any other, so
//! it shows up as a divergence. A backend is either a name `vm`, `jit` or `aot` (run as
//! `mir14 run --backend NAME FILE --fuel F --max-depth D` with this executable), or
//! `NAME=COMMAND ARGS...` (run as `COMMAND ARGS... FILE --fuel F --max-depth D`, then any
//! `--lib L`), which lets the fuzzer compare any two runners (e.g. two builds of the JIT).
//!
//! On a divergence the program and every backend's outputs are saved under `--out` (default
//! `fuzz-out/`) in a directory named after the program's seed; unless `--no-shrink`, the program
//! is then shrunk ([`mir14_gen::shrink()`]) to a small module that still verifies and still
//! diverges, saved there as `shrunk.mir` with its outputs. Candidates always run with fuel checks
//! and a timeout ([`shrink_options`]), and a candidate on which any backend timed out is never
//! kept ([`reproduces`]). The last line printed is exactly
//! `fuzz: N programs, D divergences`; the exit status is 1 if D > 0, 0 otherwise, and 2 for bad
//! flags.

use mir14_gen::shrink;
use mir14_harness::first_divergence;
pub use mir14_harness::{Outcome, Status};
use mir14_mir::{Function, Module};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// How one backend is started.
#[derive(Clone, Debug, PartialEq)]
pub struct Backend {
    /// The name used in reports and file names.
    pub name: String,
    /// The program and its leading arguments; `FILE --fuel F --max-depth D` follow.
    pub command: Vec<String>,
}

/// Options of a campaign.
#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    /// Stop starting new programs after this long.
    pub seconds: u64,
    /// The campaign seed.
    pub seed: u64,
    /// Stop after this many programs, if given.
    pub programs: Option<u64>,
    /// The backends to compare (at least two).
    pub backends: Vec<Backend>,
    /// `--fuel` passed to every run (when `fuel_checks`).
    pub fuel: u64,
    /// Whether runs get `--fuel` at all. Without it the JIT and AOT code carry no fuel checks:
    /// the code users get by default, so it must be fuzzed too.
    pub fuel_checks: bool,
    /// `--max-depth` passed to every run.
    pub max_depth: u64,
    /// The wall-clock limit of one run.
    pub timeout: Duration,
    /// Where divergences are saved.
    pub out: PathBuf,
    /// Whether divergent programs are shrunk.
    pub shrink: bool,
    /// Stop after the first divergence.
    pub stop_on_divergence: bool,
    /// Give some programs small limits (see [`program_options`]).
    pub vary_limits: bool,
    /// `--tier-threshold` of the `tiered` backend's runs (chosen per program, see
    /// [`program_options`]).
    pub tier_threshold: u64,
    /// The time budget for shrinking one divergent program.
    pub shrink_seconds: u64,
    /// `--lib LIB` passed to every run (libraries of imported C functions).
    pub libs: Vec<String>,
}

/// Runs the campaign `opts` (from `mir14 fuzz`'s flags, src/cli.rs); returns the exit status.
pub fn main(opts: &Options) -> i32 {
    let mut out = std::io::stdout();
    let (n, d, status) = match campaign(opts, &mut out) {
        Ok((n, d)) => (n, d, i32::from(d > 0)),
        Err((n, d, e)) => {
            let _ = out.flush();
            let _ = writeln!(std::io::stderr(), "error: {e}");
            (n, d, 2)
        }
    };
    let _ = writeln!(out, "fuzz: {n} programs, {d} divergences");
    let _ = out.flush();
    status
}

/// A program every backend must run to exit status 7 with no output, before the campaign.
const PROBE: &str = "fn @main() {\nbb0:\n  %x = const 7\n  ret %x\n}\n";

/// Parses the value of `--backends`: `vm,jit,aot` or `NAME=COMMAND ARGS,...`. An error is the
/// reason the list is not valid (the caller names the flag and the value).
pub fn parse_backends(spec: &str) -> Result<Vec<Backend>, String> {
    let exe = std::env::current_exe()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|_| "mir14".into());
    let mut out = Vec::new();
    for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let b = match part.split_once('=') {
            Some((name, cmd)) => {
                let command: Vec<String> = cmd.split_whitespace().map(String::from).collect();
                if name.is_empty() || command.is_empty() {
                    return Err(format!("bad backend `{part}`, expected NAME=COMMAND"));
                }
                Backend {
                    name: name.into(),
                    command,
                }
            }
            None if matches!(part, "vm" | "jit" | "aot" | "tiered") => Backend {
                name: part.into(),
                command: vec![exe.clone(), "run".into(), "--backend".into(), part.into()],
            },
            None => {
                return Err(format!(
                    "unknown backend `{part}`, expected vm, jit, aot, tiered or NAME=COMMAND"
                ))
            }
        };
        if out.iter().any(|o: &Backend| o.name == b.name) {
            return Err(format!("backend `{}` given twice", b.name));
        }
        out.push(b);
    }
    if out.len() < 2 {
        return Err("at least two backends are needed".into());
    }
    Ok(out)
}

/// The options program `seed` runs with: `opts`, except that with `vary_limits` one program in
/// four gets a fuel of 1..=400, one in four a call depth limit of 2..=31, and one in four runs
/// without `--fuel` (generated programs terminate by construction; this fuzzes the compiled code
/// users get by default, which has no fuel checks). The choice comes from the seed, so a program
/// always runs with the same limits. The `tiered` backend's threshold is always chosen from the
/// seed: 0 (everything compiled), 1 to 20 (mixed frames, OSR), or never reached.
pub fn program_options(opts: &Options, seed: u64) -> Options {
    let mut o = opts.clone();
    let t = mir14_gen::Rng::new(seed ^ 0x7135_ED00).next_u64();
    o.tier_threshold = match t % 8 {
        0 => 0,
        1 => u64::MAX,
        _ => 1 + (t >> 8) % 20,
    };
    if opts.vary_limits {
        let h = mir14_gen::Rng::new(seed ^ 0x5EED_F0E1).next_u64();
        match h % 4 {
            0 => o.fuel = 1 + (h >> 8) % 400,
            1 => o.max_depth = 2 + (h >> 8) % 30,
            2 => o.fuel_checks = false,
            _ => {}
        }
    }
    o
}

/// The options shrink candidates run with: always with fuel checks (a shrunk loop may spin
/// forever without them; the campaign's fuel, at least 1000 units) and a timeout scaled to the
/// original program's run time `slowest`, within the campaign's.
pub fn shrink_options(opts: &Options, slowest: Duration) -> Options {
    Options {
        timeout: (slowest * 10).clamp(Duration::from_millis(500), opts.timeout),
        fuel_checks: true,
        fuel: if opts.fuel_checks {
            opts.fuel
        } else {
            opts.fuel.max(1000)
        },
        ..opts.clone()
    }
}

/// True when a shrink candidate's outcomes still show a divergence and none of them timed out:
/// a timeout is never kept as a reproducer (it says nothing about the backends but that the
/// candidate is slow).
pub fn reproduces(backends: &[Backend], outcomes: &[Outcome]) -> bool {
    !outcomes.iter().any(|o| o.status == Status::Timeout)
        && divergence(backends, outcomes).is_some()
}

/// The limit flags a program runs with, as `mir14 run` takes them (with the tiered backend's
/// threshold when it is compared).
fn limit_flags(opts: &Options) -> String {
    let mut flags = if opts.fuel_checks {
        format!("--fuel {} --max-depth {}", opts.fuel, opts.max_depth)
    } else {
        format!("--max-depth {}", opts.max_depth)
    };
    for l in &opts.libs {
        flags.push_str(&format!(" --lib {l}"));
    }
    if opts.backends.iter().any(is_tiered) {
        flags.push_str(&format!(" --tier-threshold {}", opts.tier_threshold));
    }
    flags
}

/// Whether `b` is the built-in `tiered` backend (which takes `--tier-threshold`).
fn is_tiered(b: &Backend) -> bool {
    b.command.len() >= 2 && b.command[b.command.len() - 2..] == ["--backend", "tiered"]
}

/// A seed from the clock (the default of `--seed`).
pub fn clock_seed() -> u64 {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    (t.as_nanos() as u64) ^ (u64::from(std::process::id()) << 32)
}

/// Runs the campaign; prints progress and divergences to `log`. Returns (programs,
/// divergences), or, when a backend cannot run programs at all (it cannot be started, or fails
/// the probe program), the counts so far and the reason: comparing backends that do not run is
/// not a pass.
pub fn campaign(opts: &Options, log: &mut dyn Write) -> Result<(u64, u64), (u64, u64, String)> {
    let names: Vec<&str> = opts.backends.iter().map(|b| b.name.as_str()).collect();
    let _ = writeln!(
        log,
        "fuzz: seed {} (program k uses seed {}+k), backends {}, {} s",
        opts.seed,
        opts.seed,
        names.join(","),
        opts.seconds
    );
    let start = Instant::now();
    let deadline = start + Duration::from_secs(opts.seconds);
    let tmp = std::env::temp_dir().join(format!("mir14-fuzz-{}", std::process::id()));
    if let Err(e) = std::fs::create_dir_all(&tmp) {
        return Err((0, 0, format!("cannot create {}: {e}", tmp.display())));
    }
    let probe = match mir14_mir::parse(PROBE) {
        Ok((m, _)) => m,
        Err(e) => return Err((0, 0, format!("probe program: {e:?}"))),
    };
    let outcomes = run_all(opts, &probe, &tmp.join("probe.mir"));
    for (b, o) in opts.backends.iter().zip(&outcomes) {
        if o.status != Status::Exit(7) || !o.stdout.is_empty() || !o.stderr.is_empty() {
            let _ = std::fs::remove_dir_all(&tmp);
            return Err((
                0,
                0,
                format!(
                    "backend {} cannot run programs ({}): {}",
                    b.name,
                    o.status,
                    String::from_utf8_lossy(&o.stderr).trim_end()
                ),
            ));
        }
    }
    let (mut n, mut d) = (0u64, 0u64);
    let mut last_report = Instant::now();
    loop {
        if Instant::now() >= deadline || opts.programs.is_some_and(|p| n >= p) {
            break;
        }
        let seed = opts.seed.wrapping_add(n);
        let module = mir14_gen::generate(seed);
        n += 1;
        let file = tmp.join(format!("{seed}.mir"));
        let popts = program_options(opts, seed);
        let opts = &popts;
        let outcomes = run_all(opts, &module, &file);
        if let Some((
            b,
            Outcome {
                status: Status::SpawnError(e),
                ..
            },
        )) = opts
            .backends
            .iter()
            .zip(&outcomes)
            .find(|(_, o)| matches!(o.status, Status::SpawnError(_)))
        {
            let _ = std::fs::remove_dir_all(&tmp);
            return Err((n, d, format!("cannot run backend {}: {e}", b.name)));
        }
        if let Some(diff) = divergence(&opts.backends, &outcomes) {
            d += 1;
            let _ = writeln!(
                log,
                "fuzz: divergence in program seed {seed} ({}): {diff}",
                limit_flags(opts)
            );
            let dir = opts.out.join(seed.to_string());
            save(&dir, "program", &module, opts, &outcomes);
            if opts.shrink {
                // Candidates run with a timeout scaled to the original program's run time (a
                // shrunk loop may spin until its fuel runs out), within a time budget.
                let slowest = outcomes.iter().map(|o| o.time).max().unwrap_or_default();
                let sopts = shrink_options(opts, slowest);
                let budget = Instant::now() + Duration::from_secs(opts.shrink_seconds);
                let mut tests = 0u32;
                let small = shrink(&module, 2000, &mut |m| {
                    if Instant::now() >= budget {
                        return false;
                    }
                    tests += 1;
                    let o = run_all(&sopts, m, &tmp.join(format!("{seed}-shrink.mir")));
                    reproduces(&sopts.backends, &o)
                });
                let o = run_all(opts, &small, &tmp.join(format!("{seed}-shrunk.mir")));
                save(&dir, "shrunk", &small, opts, &o);
                let _ = writeln!(
                    log,
                    "fuzz: shrunk to {} instructions in {tests} runs: {}",
                    small
                        .functions
                        .values()
                        .map(Function::inst_count)
                        .sum::<usize>(),
                    dir.join("shrunk.mir").display()
                );
            }
            let _ = writeln!(
                log,
                "fuzz: saved to {} after {:.1} s",
                dir.display(),
                start.elapsed().as_secs_f64()
            );
            if opts.stop_on_divergence {
                let _ = std::fs::remove_file(&file);
                break;
            }
        }
        let _ = std::fs::remove_file(&file);
        if last_report.elapsed() >= Duration::from_secs(15) {
            last_report = Instant::now();
            let secs = start.elapsed().as_secs_f64();
            let _ = writeln!(
                log,
                "fuzz: {n} programs, {d} divergences, {:.1} programs/s",
                n as f64 / secs.max(1e-9)
            );
        }
    }
    let secs = start.elapsed().as_secs_f64();
    let _ = writeln!(
        log,
        "fuzz: {:.1} s, {:.2} programs/s",
        secs,
        n as f64 / secs.max(1e-9)
    );
    let _ = std::fs::remove_dir_all(&tmp);
    Ok((n, d))
}

/// Writes `module` to `file` and runs it on every backend (all at once, empty stdin, each
/// killed with its process group after `opts.timeout`); the file is kept.
pub fn run_all(opts: &Options, module: &Module, file: &Path) -> Vec<Outcome> {
    if let Err(e) = std::fs::write(file, mir14_mir::print(module)) {
        let o = Outcome::spawn_error(format!("cannot write {}: {e}", file.display()));
        return vec![o; opts.backends.len()];
    }
    let running: Vec<_> = opts
        .backends
        .iter()
        .map(|b| mir14_harness::spawn(&mut command(b, opts, file), None))
        .collect();
    running.into_iter().map(|r| r.wait(opts.timeout)).collect()
}

/// The command that runs `file` on backend `b`: its command, the file, then the limit flags.
fn command(b: &Backend, opts: &Options, file: &Path) -> Command {
    let mut cmd = Command::new(&b.command[0]);
    cmd.args(&b.command[1..]).arg(file);
    if opts.fuel_checks {
        cmd.arg("--fuel").arg(opts.fuel.to_string());
    }
    cmd.arg("--max-depth").arg(opts.max_depth.to_string());
    for l in &opts.libs {
        cmd.arg("--lib").arg(l);
    }
    if is_tiered(b) {
        cmd.arg("--tier-threshold")
            .arg(opts.tier_threshold.to_string());
    }
    cmd
}

/// The first difference between the first backend's outcome and another's (see
/// [`mir14_harness::first_difference`]), or `None` when every backend agrees.
pub fn divergence(backends: &[Backend], outcomes: &[Outcome]) -> Option<String> {
    let names: Vec<&str> = backends.iter().map(|b| b.name.as_str()).collect();
    first_divergence(&names, outcomes)
}

/// Saves `NAME.mir`, `NAME.flags` and `NAME.BACKEND.{out,err,status}` in `dir`.
fn save(dir: &Path, name: &str, module: &Module, opts: &Options, outcomes: &[Outcome]) {
    let backends = &opts.backends;
    let _ = std::fs::create_dir_all(dir);
    let _ = std::fs::write(dir.join(format!("{name}.mir")), mir14_mir::print(module));
    // The run flags, in the form of a conformance test's `.flags` file.
    let _ = std::fs::write(
        dir.join(format!("{name}.flags")),
        format!("{}\n", limit_flags(opts)),
    );
    for (b, o) in backends.iter().zip(outcomes) {
        let base = format!("{name}.{}", b.name);
        let _ = std::fs::write(dir.join(format!("{base}.out")), &o.stdout);
        let _ = std::fs::write(dir.join(format!("{base}.err")), &o.stderr);
        let _ = std::fs::write(
            dir.join(format!("{base}.status")),
            format!("{}\n", o.status),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(backends: &str) -> Options {
        crate::cli::tests::fuzz_options(&["--backends", backends, "--seed", "5", "--programs", "3"])
            .expect("options")
    }

    #[test]
    fn parses_flags_and_backends() {
        let o = opts("a=/bin/echo x,b=/bin/echo y");
        assert_eq!(o.seed, 5);
        assert_eq!(o.programs, Some(3));
        assert_eq!(o.backends[0].command, vec!["/bin/echo", "x"]);
        assert_eq!(o.backends[1].name, "b");
        let std = parse_backends("vm,jit,aot").expect("backends");
        assert_eq!(&std[2].command[1..], ["run", "--backend", "aot"]);
        assert!(parse_backends("vm").is_err());
        assert!(parse_backends("vm,vm").is_err());
        assert!(parse_backends("vm,gpu").is_err());
    }

    #[test]
    fn a_backend_that_cannot_run_programs_is_an_error() {
        let o = opts("a=/bin/true,b=/bin/true");
        let mut log = Vec::new();
        let e = campaign(&o, &mut log).unwrap_err();
        assert_eq!((e.0, e.1), (0, 0));
        assert!(
            e.2.starts_with("backend a cannot run programs (exit 0)"),
            "{}",
            e.2
        );
        let o = opts("a=/nonexistent/mir14,b=/bin/true");
        let e = campaign(&o, &mut log).unwrap_err();
        assert!(
            e.2.starts_with("backend a cannot run programs (cannot start"),
            "{}",
            e.2
        );
    }

    #[test]
    fn some_programs_get_small_limits() {
        let o = opts("a=/bin/true,b=/bin/true");
        let all: Vec<Options> = (0..400).map(|s| program_options(&o, s)).collect();
        let small_fuel = all.iter().filter(|p| p.fuel <= 400).count();
        let small_depth = all.iter().filter(|p| p.max_depth <= 31).count();
        assert!((60..140).contains(&small_fuel), "{small_fuel}");
        assert!((60..140).contains(&small_depth), "{small_depth}");
        assert!(all.iter().all(|p| p.fuel >= 1 && p.max_depth >= 2));
        assert_eq!(program_options(&o, 9), program_options(&o, 9));
        let fixed = Options {
            vary_limits: false,
            tier_threshold: 0,
            ..o.clone()
        };
        // Fixed limits stay fixed; the tiered threshold still varies per program.
        assert!((0..50).all(|s| {
            let p = program_options(&fixed, s);
            p == Options {
                tier_threshold: p.tier_threshold,
                ..fixed.clone()
            }
        }));
        let thresholds: Vec<u64> = (0..200)
            .map(|s| program_options(&o, s).tier_threshold)
            .collect();
        assert!(thresholds.contains(&0) && thresholds.contains(&u64::MAX));
        assert!(thresholds.iter().any(|t| (1..=20).contains(t)));
    }

    #[test]
    fn identical_runners_agree_and_different_ones_diverge() {
        let o = opts("a=/bin/echo same,b=/bin/echo same");
        let m = mir14_gen::generate(1);
        let dir = std::env::temp_dir().join(format!("mir14-fuzz-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let r = run_all(&o, &m, &dir.join("p.mir"));
        assert_eq!(r[0].status, Status::Exit(0));
        assert!(r[0].stdout.starts_with(b"same /"));
        assert!(r[0]
            .stdout
            .ends_with(b"p.mir --fuel 100000 --max-depth 200\n"));
        assert_eq!(divergence(&o.backends, &r), None);
        let o = opts("a=/bin/echo one,b=/bin/echo two");
        let r = run_all(&o, &m, &dir.join("p.mir"));
        let d = divergence(&o.backends, &r).expect("differs");
        assert!(d.starts_with("stdout line 1:\n  a: \"one "), "{d}");
        let o = opts("a=/bin/true,b=/bin/false");
        let r = run_all(&o, &m, &dir.join("p.mir"));
        assert_eq!(
            divergence(&o.backends, &r).unwrap(),
            "exit status: a exit 0, b exit 1"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_timeout_is_an_outcome() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("mir14-fuzz-to-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let script = dir.join("slow.sh");
        std::fs::write(&script, "#!/bin/sh\necho started\nsleep 5\n").unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        let mut o = opts(&format!("a={},b=/bin/true", script.display()));
        o.timeout = Duration::from_millis(300);
        let t = Instant::now();
        let r = run_all(&o, &mir14_gen::generate(0), &dir.join("p.mir"));
        assert!(t.elapsed() < Duration::from_secs(4));
        assert_eq!(r[0].status, Status::Timeout);
        assert_eq!(r[1].status, Status::Exit(0));
        assert_eq!(
            divergence(&o.backends, &r).unwrap(),
            "exit status: a timed out, b exit 0"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn shrink_candidates_run_under_fuel_and_never_keep_a_timeout() {
        let mut o = opts("a=/bin/true,b=/bin/false");
        o.fuel_checks = false;
        o.fuel = 5;
        let s = shrink_options(&o, Duration::from_millis(1));
        assert!(s.fuel_checks && s.fuel >= 1000);
        assert!(s.timeout >= Duration::from_millis(500) && s.timeout <= o.timeout);
        o.fuel_checks = true;
        assert_eq!(shrink_options(&o, Duration::ZERO).fuel, 5);
        let dir = std::env::temp_dir().join(format!("mir14-fuzz-sh-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let m = mir14_gen::generate(0);
        let r = run_all(&o, &m, &dir.join("p.mir"));
        assert!(reproduces(&o.backends, &r));
        let mut timed_out = r.clone();
        timed_out[0].status = Status::Timeout;
        assert!(!reproduces(&o.backends, &timed_out));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
