//! `mir14 fuzz`: differential fuzzing of the backends with generated programs.
//!
//! ```text
//! mir14 fuzz [--seconds N] [--seed S] [--programs N] [--backends vm,jit,aot] [--batch N]
//!            [--fuel N] [--max-depth N] [--max-heap BYTES] [--timeout-ms N] [--out DIR]
//!            [--no-shrink] [--shrink-seconds N] [--stop-on-divergence] [--fixed-limits]
//! ```
//!
//! Program `k` of a campaign with seed `S` is `mir14_gen::generate(S + k)` (wrapping), its
//! function and box names prefixed by `pSEED_`. Programs run in batches of `--batch N`
//! ([`batch`]): the batch module holds every program of the batch and a dispatcher `@main` that
//! tail-calls the program whose key (`pSEED`) is its first argument. The standard `aot`
//! backend builds the batch once (`mir14 build`) and runs `EXE pSEED` per program; every other
//! backend runs the program's *single* text (the batch text with the other programs blanked
//! out, so lines, columns, file name, arguments, fuel and depth are the same) as a subprocess:
//! `mir14 run --backend NAME program.mir LIMITS -- pSEED`. Every run gets empty stdin, the same
//! limits and a timeout; stdout, stderr and the exit status are compared byte for byte. Unless
//! `--fixed-limits`, the limits of a batch come from its first seed (see [`program_options`]):
//! small fuel, small depth limits, no fuel at all (the compiled code users get by default),
//! the default depth limit and small heap limits, so that `OutOfFuel`, `StackOverflow` and
//! `OutOfMemory` are compared too. A crash, a signal or a timeout of one backend is an outcome
//! like any other, so it shows up as a divergence. A backend is either a name `vm`, `jit` or
//! `aot` (run with this executable), or `NAME=COMMAND ARGS...` (run as `COMMAND ARGS... FILE
//! LIMITS -- pSEED`), which lets the fuzzer compare any two runners (e.g. two builds of the
//! JIT). A new kind of backend (say, a tiered runner) is one more arm of [`parse_backends`]:
//! it runs single texts like every backend but the standard `aot`.
//!
//! On a divergence the program (its single text), its flags, its arguments and every backend's
//! outputs are saved under `--out` (default `fuzz-out/`) in a directory named after the
//! program's seed; unless `--no-shrink`, the program is then shrunk ([`mir14_gen::shrink()`])
//! to a small module that still verifies and still diverges, saved there as `shrunk.mir` with
//! its outputs. Candidates always run with fuel checks and a timeout ([`shrink_options`]), and a
//! candidate on which any backend timed out is never kept ([`reproduces`]). Every divergence
//! found becomes a conformance test under `spec/tests/run/regress/` (see its README). The last
//! line printed is exactly `fuzz: N programs, D divergences`; the exit status is 1 if D > 0, 0
//! otherwise, and 2 for bad flags.

pub mod batch;

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
    /// With `vary_limits`, include the small-`--max-heap` class (see [`program_options`]).
    pub vary_heap: bool,
    /// `--tier-threshold` of the `tiered` backend's runs (chosen per program, see
    /// [`program_options`]).
    pub tier_threshold: u64,
    /// The time budget for shrinking one divergent program.
    pub shrink_seconds: u64,
    /// `--lib LIB` passed to every run (libraries of imported C functions).
    pub libs: Vec<String>,
    /// How many programs one batch holds (at least 1; see [`batch`]): the standard aot backend
    /// builds one executable per batch.
    pub batch: usize,
    /// `--max-heap BYTES` passed to every run, if given.
    pub max_heap: Option<u64>,
}

impl Backend {
    /// True for the backend `aot` as `parse_backends` makes it (`mir14 run --backend aot`):
    /// a campaign runs its programs from one executable built per batch.
    pub fn is_standard_aot(&self) -> bool {
        self.name == "aot"
            && self.command.len() == 4
            && self.command[1..] == ["run", "--backend", "aot"]
    }
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
                let mut command: Vec<String> = cmd.split_whitespace().map(String::from).collect();
                // Runs start in the program's directory: a relative program path is made
                // absolute here.
                if let Some(p) = command.first_mut().filter(|p| p.contains('/')) {
                    if let Ok(abs) = std::path::absolute(&*p) {
                        *p = abs.to_string_lossy().into_owned();
                    }
                }
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
/// four gets a fuel of 1..=400, one in four a call depth limit of 2..=31, one in four runs
/// without `--fuel` (generated programs terminate by construction; this fuzzes the compiled code
/// users get by default, which has no fuel checks), one in eight gets the default depth limit
/// 100000 (the generator's deep recursions go near it) and one in eight a small `--max-heap`
/// of 256 KiB to 8 MiB (the generator's growing strings and arrays go near it). The choice
/// comes from the seed, so a program always runs with the same limits; a campaign draws them
/// for each batch from the seed of its first program. The `tiered` backend's threshold is
/// chosen from the seed too: 0 (everything compiled), 1 to 20 (mixed frames, OSR), or never
/// reached.
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
        match h % 8 {
            0 | 1 => o.fuel = 1 + (h >> 8) % 400,
            2 | 3 => o.max_depth = 2 + (h >> 8) % 30,
            4 | 5 => o.fuel_checks = false,
            6 => o.max_depth = 100_000,
            _ if opts.vary_heap => o.max_heap = Some((256 << 10) + (h >> 8) % (8 << 20)),
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
    let mut flags = limit_list(opts).join(" ");
    if opts.backends.iter().any(is_tiered) {
        flags.push_str(&format!(" --tier-threshold {}", opts.tier_threshold));
    }
    flags
}

/// The limit flags a program runs with, one argument each.
fn limit_list(opts: &Options) -> Vec<String> {
    let mut flags = Vec::new();
    if opts.fuel_checks {
        flags.extend(["--fuel".to_string(), opts.fuel.to_string()]);
    }
    flags.extend(["--max-depth".to_string(), opts.max_depth.to_string()]);
    if let Some(h) = opts.max_heap {
        flags.extend(["--max-heap".to_string(), h.to_string()]);
    }
    for l in &opts.libs {
        flags.extend(["--lib".to_string(), l.clone()]);
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
    let outcomes = run_all(opts, &probe, &tmp.join("probe.mir"), &[]);
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
    let (mut builds, mut build_time) = (0u32, Duration::ZERO);
    let (single_dir, batch_dir) = (tmp.join("single"), tmp.join("batch"));
    for dir in [&single_dir, &batch_dir] {
        if let Err(e) = std::fs::create_dir_all(dir) {
            return Err((0, 0, format!("cannot create {}: {e}", dir.display())));
        }
    }
    'campaign: loop {
        if Instant::now() >= deadline || opts.programs.is_some_and(|p| n >= p) {
            break;
        }
        // The next batch: its programs share the limits drawn from its first seed.
        let size = opts
            .programs
            .map_or(opts.batch, |p| (p - n).min(opts.batch as u64) as usize)
            .max(1);
        let first = opts.seed.wrapping_add(n);
        let popts = program_options(opts, first);
        let opts = &popts;
        let programs: Vec<(u64, Module)> = (0..size as u64)
            .map(|i| {
                let s = first.wrapping_add(i);
                (s, mir14_gen::generate(s))
            })
            .collect();
        let b = batch::batch(&programs);
        // One executable for the batch when a backend is the standard aot (else each program
        // runs with `mir14 run --backend aot`, e.g. when the batch does not build).
        let exe = if opts.backends.iter().any(Backend::is_standard_aot) {
            let t = Instant::now();
            let built = build_batch(opts, &b.text, &batch_dir);
            builds += 1;
            build_time += t.elapsed();
            match built {
                Ok(exe) => Some(exe),
                Err(e) => {
                    let _ = writeln!(
                        log,
                        "fuzz: batch from seed {first} does not build ({e}); running its programs one by one"
                    );
                    None
                }
            }
        } else {
            None
        };
        for (k, (seed, _)) in programs.iter().enumerate() {
            if Instant::now() >= deadline {
                break 'campaign;
            }
            let seed = *seed;
            n += 1;
            let file = single_dir.join(PROGRAM_FILE);
            let args = [b.keys[k].clone()];
            let outcomes = run_text(opts, &b.singles[k], &file, &args, exe.as_deref());
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
                    "fuzz: divergence in program seed {seed} ({} -- {}): {diff}",
                    limit_flags(opts),
                    args[0]
                );
                let dir = opts.out.join(seed.to_string());
                save(&dir, "program", &b.singles[k], opts, &args, &outcomes);
                if opts.shrink {
                    shrink_divergence(opts, &b.singles[k], &args, &outcomes, &dir, &tmp, log);
                }
                let _ = writeln!(
                    log,
                    "fuzz: saved to {} after {:.1} s",
                    dir.display(),
                    start.elapsed().as_secs_f64()
                );
                if opts.stop_on_divergence {
                    break 'campaign;
                }
            }
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
    }
    let secs = start.elapsed().as_secs_f64();
    let builds = if builds > 0 {
        format!(
            " ({builds} aot batch builds, {:.1} s)",
            build_time.as_secs_f64()
        )
    } else {
        String::new()
    };
    let _ = writeln!(
        log,
        "fuzz: {:.1} s, {:.2} programs/s{builds}",
        secs,
        n as f64 / secs.max(1e-9)
    );
    let _ = std::fs::remove_dir_all(&tmp);
    Ok((n, d))
}

/// The name of every program file a campaign runs (the same for a batch and the single text of
/// each of its programs, since backtraces print it).
const PROGRAM_FILE: &str = "program.mir";

/// Shrinks the divergent program `text` (run with `args`; `outcomes` are the backends' results
/// on it) and saves the result as `shrunk.*` in `dir`. Candidates run under
/// [`shrink_options`] and only [`reproduces`] keeps one; the time budget is
/// `opts.shrink_seconds`.
fn shrink_divergence(
    opts: &Options,
    text: &str,
    args: &[String],
    outcomes: &[Outcome],
    dir: &Path,
    tmp: &Path,
    log: &mut dyn Write,
) {
    let Ok((module, _)) = mir14_mir::parse(text) else {
        return;
    };
    // Candidates run with a timeout scaled to the original program's run time (a shrunk loop
    // may spin until its fuel runs out), within a time budget.
    let slowest = outcomes.iter().map(|o| o.time).max().unwrap_or_default();
    let sopts = shrink_options(opts, slowest);
    let budget = Instant::now() + Duration::from_secs(opts.shrink_seconds);
    let mut tests = 0u32;
    let cand = tmp.join("shrink");
    let _ = std::fs::create_dir_all(&cand);
    let small = shrink(&module, 2000, &mut |m| {
        if Instant::now() >= budget {
            return false;
        }
        tests += 1;
        let o = run_all(&sopts, m, &cand.join(PROGRAM_FILE), args);
        reproduces(&sopts.backends, &o)
    });
    // The reproducer runs with the candidates' limits (fuel checks on), so it never hangs.
    let small_text = mir14_mir::print(&small);
    let o = run_text(&sopts, &small_text, &cand.join(PROGRAM_FILE), args, None);
    save(dir, "shrunk", &small_text, &sopts, args, &o);
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

/// Builds the batch `text` with `mir14 build` (the standard aot backend's executable) and the
/// limits of `opts` into `dir`; returns the executable.
fn build_batch(opts: &Options, text: &str, dir: &Path) -> Result<PathBuf, String> {
    let Some(aot) = opts.backends.iter().find(|b| b.is_standard_aot()) else {
        return Err("no aot backend".into());
    };
    let file = dir.join(PROGRAM_FILE);
    let exe = dir.join("program.exe");
    let _ = std::fs::remove_file(&exe);
    std::fs::write(&file, text).map_err(|e| format!("cannot write {}: {e}", file.display()))?;
    let mut cmd = Command::new(&aot.command[0]);
    in_dir_of(&mut cmd, &file);
    cmd.arg("build").arg(PROGRAM_FILE).arg("-o").arg(&exe);
    limit_args(&mut cmd, opts);
    let o = mir14_harness::run(&mut cmd, None, opts.timeout.max(Duration::from_secs(120)));
    if o.status == Status::Exit(0) && exe.exists() {
        Ok(exe)
    } else {
        // The first lines of the reason (a Cranelift verifier dump can be very long).
        let err = String::from_utf8_lossy(&o.stderr);
        let head: Vec<&str> = err.lines().take(3).collect();
        Err(format!("{}: {}", o.status, head.join(" / ")))
    }
}

/// Writes `module` to `file` and runs it on every backend with program arguments `args` (see
/// [`run_text`]); the file is kept.
pub fn run_all(opts: &Options, module: &Module, file: &Path, args: &[String]) -> Vec<Outcome> {
    run_text(opts, &mir14_mir::print(module), file, args, None)
}

/// Writes `text` to `file` and runs it on every backend with program arguments `args` (all at
/// once, empty stdin, each killed with its process group after `opts.timeout`); the file is
/// kept. With `exe` (a batch executable holding the program), the standard aot backend runs
/// `exe ARGS` instead of compiling `file`.
pub fn run_text(
    opts: &Options,
    text: &str,
    file: &Path,
    args: &[String],
    exe: Option<&Path>,
) -> Vec<Outcome> {
    if let Err(e) = std::fs::write(file, text) {
        let o = Outcome::spawn_error(format!("cannot write {}: {e}", file.display()));
        return vec![o; opts.backends.len()];
    }
    let running: Vec<_> = opts
        .backends
        .iter()
        .map(|b| {
            let mut cmd = match exe {
                Some(exe) if b.is_standard_aot() => {
                    let mut c = Command::new(exe);
                    in_dir_of(&mut c, file);
                    c.args(args);
                    c
                }
                _ => command(b, opts, file, args),
            };
            mir14_harness::spawn(&mut cmd, None)
        })
        .collect();
    running.into_iter().map(|r| r.wait(opts.timeout)).collect()
}

/// The command that runs `file` on backend `b`: its command, the file, the limit flags, then
/// `-- ARGS` if there are program arguments.
fn command(b: &Backend, opts: &Options, file: &Path, args: &[String]) -> Command {
    let mut cmd = Command::new(&b.command[0]);
    in_dir_of(&mut cmd, file);
    cmd.args(&b.command[1..])
        .arg(file.file_name().unwrap_or(file.as_os_str()));
    limit_args(&mut cmd, opts);
    if is_tiered(b) {
        cmd.arg("--tier-threshold")
            .arg(opts.tier_threshold.to_string());
    }
    if !args.is_empty() {
        cmd.arg("--").args(args);
    }
    cmd
}

/// Makes `cmd` run in the directory of `file`, so that it names the file by its base name:
/// backtraces print the name a program was run with, and a batch and the single texts of its
/// programs live in different directories under the same name.
fn in_dir_of(cmd: &mut Command, file: &Path) {
    if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
        cmd.current_dir(dir);
    }
}

/// Adds the limit flags of `opts` to `cmd` (as [`limit_flags`] prints them).
fn limit_args(cmd: &mut Command, opts: &Options) {
    cmd.args(limit_list(opts));
}

/// The first difference between the first backend's outcome and another's (see
/// [`mir14_harness::first_difference`]), or `None` when every backend agrees.
pub fn divergence(backends: &[Backend], outcomes: &[Outcome]) -> Option<String> {
    let names: Vec<&str> = backends.iter().map(|b| b.name.as_str()).collect();
    first_divergence(&names, outcomes)
}

/// Saves `NAME.mir` (`text`), `NAME.flags`, `NAME.args` and `NAME.BACKEND.{out,err,status}`
/// in `dir`: the files of a conformance test (spec §8) but the expectations.
fn save(dir: &Path, name: &str, text: &str, opts: &Options, args: &[String], outcomes: &[Outcome]) {
    let backends = &opts.backends;
    let _ = std::fs::create_dir_all(dir);
    let _ = std::fs::write(dir.join(format!("{name}.mir")), text);
    // The run flags, in the form of a conformance test's `.flags` file.
    let _ = std::fs::write(
        dir.join(format!("{name}.flags")),
        format!("{}\n", limit_flags(opts)),
    );
    let _ = std::fs::write(
        dir.join(format!("{name}.args")),
        args.iter().map(|a| format!("{a}\n")).collect::<String>(),
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
        assert!(o.vary_heap && all.iter().any(|p| p.max_heap.is_some()));
        let no_heap = Options {
            vary_heap: false,
            ..o.clone()
        };
        assert!((0..400).all(|s| program_options(&no_heap, s).max_heap.is_none()));
        assert_eq!(program_options(&o, 9), program_options(&o, 9));
        let fixed = Options {
            vary_limits: false,
            vary_heap: false,
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
        let r = run_all(&o, &m, &dir.join("p.mir"), &[]);
        assert_eq!(r[0].status, Status::Exit(0));
        assert!(r[0].stdout.starts_with(b"same p.mir"));
        assert!(r[0]
            .stdout
            .ends_with(b"p.mir --fuel 100000 --max-depth 200\n"));
        assert_eq!(divergence(&o.backends, &r), None);
        let o = opts("a=/bin/echo one,b=/bin/echo two");
        let r = run_all(&o, &m, &dir.join("p.mir"), &[]);
        let d = divergence(&o.backends, &r).expect("differs");
        assert!(d.starts_with("stdout line 1:\n  a: \"one "), "{d}");
        let o = opts("a=/bin/true,b=/bin/false");
        let r = run_all(&o, &m, &dir.join("p.mir"), &[]);
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
        let r = run_all(&o, &mir14_gen::generate(0), &dir.join("p.mir"), &[]);
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
        let r = run_all(&o, &m, &dir.join("p.mir"), &[]);
        assert!(reproduces(&o.backends, &r));
        let mut timed_out = r.clone();
        timed_out[0].status = Status::Timeout;
        assert!(!reproduces(&o.backends, &timed_out));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
