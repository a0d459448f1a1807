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
//! `NAME=COMMAND ARGS...` (run as `COMMAND ARGS... FILE --fuel F --max-depth D`), which lets the
//! fuzzer compare any two runners (e.g. two builds of the JIT).
//!
//! On a divergence the program and every backend's outputs are saved under `--out` (default
//! `fuzz-out/`) in a directory named after the program's seed; unless `--no-shrink`, the program
//! is then shrunk ([`shrink`]) to a small module that still verifies and still diverges, saved
//! there as `shrunk.mir` with its outputs. The last line printed is exactly
//! `fuzz: N programs, D divergences`; the exit status is 1 if D > 0, 0 otherwise, and 2 for bad
//! flags.

use mir14_mir::{Block, Callee, Constant, FuncId, Function, Inst, Module};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
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
    /// The time budget for shrinking one divergent program.
    pub shrink_seconds: u64,
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
            None if matches!(part, "vm" | "jit" | "aot") => Backend {
                name: part.into(),
                command: vec![exe.clone(), "run".into(), "--backend".into(), part.into()],
            },
            None => {
                return Err(format!(
                    "unknown backend `{part}`, expected vm, jit, aot or NAME=COMMAND"
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
/// always runs with the same limits.
pub fn program_options(opts: &Options, seed: u64) -> Options {
    let mut o = opts.clone();
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

/// The limit flags a program runs with, as `mir14 run` takes them.
fn limit_flags(opts: &Options) -> String {
    if opts.fuel_checks {
        format!("--fuel {} --max-depth {}", opts.fuel, opts.max_depth)
    } else {
        format!("--max-depth {}", opts.max_depth)
    }
}

/// A seed from the clock (the default of `--seed`).
pub fn clock_seed() -> u64 {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    (t.as_nanos() as u64) ^ (u64::from(std::process::id()) << 32)
}

/// How a run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    /// Exited with this status.
    Exit(i32),
    /// Killed by a signal (or ended without a status).
    Signal(i32),
    /// Did not finish within the timeout (and was killed).
    Timeout,
    /// Could not be started.
    SpawnError(String),
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Status::Exit(c) => write!(f, "exit {c}"),
            Status::Signal(s) => write!(f, "signal {s}"),
            Status::Timeout => write!(f, "timeout"),
            Status::SpawnError(e) => write!(f, "cannot start: {e}"),
        }
    }
}

/// What a backend did with a program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// Everything written to stdout.
    pub stdout: Vec<u8>,
    /// Everything written to stderr.
    pub stderr: Vec<u8>,
    /// How it ended.
    pub status: Status,
    /// How long it ran (wall clock).
    pub time: Duration,
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
        if let Some(diff) = first_difference(&opts.backends, &outcomes) {
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
                let sopts = Options {
                    timeout: (slowest * 10).clamp(Duration::from_millis(500), opts.timeout),
                    ..opts.clone()
                };
                let budget = Instant::now() + Duration::from_secs(opts.shrink_seconds);
                let mut tests = 0u32;
                let small = shrink(&module, 2000, &mut |m| {
                    if Instant::now() >= budget {
                        return false;
                    }
                    tests += 1;
                    let o = run_all(&sopts, m, &tmp.join(format!("{seed}-shrink.mir")));
                    first_difference(&sopts.backends, &o).is_some()
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

/// Writes `module` to `file` and runs it on every backend (all at once); the file is kept.
pub fn run_all(opts: &Options, module: &Module, file: &Path) -> Vec<Outcome> {
    if let Err(e) = std::fs::write(file, mir14_mir::print(module)) {
        let o = Outcome {
            stdout: Vec::new(),
            stderr: Vec::new(),
            status: Status::SpawnError(format!("cannot write {}: {e}", file.display())),
            time: Duration::ZERO,
        };
        return vec![o; opts.backends.len()];
    }
    let running: Vec<_> = opts.backends.iter().map(|b| start(b, opts, file)).collect();
    running
        .into_iter()
        .map(|r| finish(r, opts.timeout))
        .collect()
}

/// A started backend process with its output readers.
type Running = Result<
    (
        std::process::Child,
        std::sync::mpsc::Receiver<Vec<u8>>,
        std::sync::mpsc::Receiver<Vec<u8>>,
        Instant,
    ),
    String,
>;

fn start(b: &Backend, opts: &Options, file: &Path) -> Running {
    let mut cmd = Command::new(&b.command[0]);
    cmd.args(&b.command[1..]).arg(file);
    if opts.fuel_checks {
        cmd.arg("--fuel").arg(opts.fuel.to_string());
    }
    cmd.arg("--max-depth")
        .arg(opts.max_depth.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // Its own process group, so that a timeout kills whatever it started too.
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let started = Instant::now();
    let mut child = cmd.spawn().map_err(|e| e.to_string())?;
    let reader = |r: Option<Box<dyn Read + Send>>| {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut r) = r {
                let _ = r.read_to_end(&mut buf);
            }
            let _ = tx.send(buf);
        });
        rx
    };
    let out = reader(
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    );
    let err = reader(
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    );
    Ok((child, out, err, started))
}

fn finish(r: Running, timeout: Duration) -> Outcome {
    let (mut child, out, err, started) = match r {
        Ok(x) => x,
        Err(e) => {
            return Outcome {
                stdout: Vec::new(),
                stderr: Vec::new(),
                status: Status::SpawnError(e),
                time: Duration::ZERO,
            }
        }
    };
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break exit_status(s),
            Ok(None) if started.elapsed() >= timeout => {
                kill_group(&child);
                let _ = child.kill();
                let _ = child.wait();
                break Status::Timeout;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(2)),
            Err(e) => break Status::SpawnError(e.to_string()),
        }
    };
    // A grandchild may still hold the pipes open: wait for the output only briefly then.
    let grace = if status == Status::Timeout {
        Duration::from_millis(500)
    } else {
        timeout
    };
    Outcome {
        stdout: out.recv_timeout(grace).unwrap_or_default(),
        stderr: err.recv_timeout(grace).unwrap_or_default(),
        status,
        time: started.elapsed(),
    }
}

/// Kills the process group led by `child` (unix).
fn kill_group(child: &std::process::Child) {
    #[cfg(unix)]
    if let Ok(pid) = libc::pid_t::try_from(child.id()) {
        // SAFETY: kill(2) with a negative pid signals that process group; no memory is involved.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
    #[cfg(not(unix))]
    let _ = child;
}

#[cfg(unix)]
fn exit_status(s: std::process::ExitStatus) -> Status {
    use std::os::unix::process::ExitStatusExt;
    match (s.code(), s.signal()) {
        (Some(c), _) => Status::Exit(c),
        (None, Some(sig)) => Status::Signal(sig),
        (None, None) => Status::Signal(0),
    }
}

#[cfg(not(unix))]
fn exit_status(s: std::process::ExitStatus) -> Status {
    match s.code() {
        Some(c) => Status::Exit(c),
        None => Status::Signal(0),
    }
}

/// Describes the first difference between the first backend's outcome and another's.
pub fn first_difference(backends: &[Backend], outcomes: &[Outcome]) -> Option<String> {
    let (a, first) = (&backends.first()?.name, outcomes.first()?);
    for (b, o) in backends.iter().zip(outcomes).skip(1) {
        let b = &b.name;
        if o.status != first.status {
            return Some(format!(
                "status differs: {a} {}, {b} {}",
                first.status, o.status
            ));
        }
        for (stream, x, y) in [
            ("stdout", &first.stdout, &o.stdout),
            ("stderr", &first.stderr, &o.stderr),
        ] {
            if x != y {
                let line = first_differing_line(x, y);
                return Some(format!("{stream} differs: {a} {line:?} vs {b} {:?}", {
                    first_differing_line(y, x)
                }));
            }
        }
    }
    None
}

/// The first line of `x` that differs from the line at the same position in `y`.
fn first_differing_line(x: &[u8], y: &[u8]) -> String {
    let xs: Vec<&[u8]> = x.split(|c| *c == b'\n').collect();
    let ys: Vec<&[u8]> = y.split(|c| *c == b'\n').collect();
    for (i, l) in xs.iter().enumerate() {
        if ys.get(i) != Some(l) {
            return String::from_utf8_lossy(l).chars().take(200).collect();
        }
    }
    String::new()
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

// ---- shrinking -------------------------------------------------------------------------------

/// Shrinks `module` by delta debugging: repeatedly tries to delete functions, loop declarations
/// and chunks of instructions (halving the chunk size down to single instructions), to replace
/// instructions by constants and branches by jumps (dropping the blocks that become
/// unreachable), keeping each change after which the module still verifies and `interesting`
/// still holds. Stops at a fixed point or after `max_tests` calls of `interesting`.
pub fn shrink(
    module: &Module,
    max_tests: u32,
    interesting: &mut dyn FnMut(&Module) -> bool,
) -> Module {
    let mut best = module.clone();
    let mut tests = 0u32;
    let mut try_it = |cand: Module, best: &mut Module, tests: &mut u32| -> bool {
        if *tests >= max_tests || cand == *best || mir14_mir::verify(&cand).is_err() {
            return false;
        }
        *tests += 1;
        if interesting(&cand) {
            *best = cand;
            true
        } else {
            false
        }
    };
    loop {
        let before = best.clone();
        // Whole functions (not @main), last first so that ids of earlier ones stay put.
        for f in (0..best.functions.len()).rev() {
            if let Some(c) = remove_function(&best, FuncId(f as u32)) {
                try_it(c, &mut best, &mut tests);
            }
        }
        // Box declarations nothing refers to.
        for b in (0..best.boxes.len()).rev() {
            if let Some(c) = remove_box(&best, mir14_mir::BoxId(b as u32)) {
                try_it(c, &mut best, &mut tests);
            }
        }
        for f in 0..best.functions.len() {
            let fid = FuncId(f as u32);
            // Unused parameters.
            for p in (0..best.functions[fid].params.len()).rev() {
                if let Some(c) = remove_param(&best, fid, p) {
                    try_it(c, &mut best, &mut tests);
                }
            }
            // Loop declarations.
            for l in (0..best.functions[fid].loops.len()).rev() {
                let mut c = best.clone();
                if l < c.functions[fid].loops.len() {
                    c.functions[fid].loops.remove(l);
                    try_it(c, &mut best, &mut tests);
                }
            }
            // Terminators to a bare `ret` (cutting off everything after).
            for b in 0..best.functions[fid].blocks.len() {
                if let Some(c) = terminator_to_ret(&best, fid, Block(b as u32)) {
                    try_it(c, &mut best, &mut tests);
                }
            }
            // Branches to jumps.
            for b in 0..best.functions[fid].blocks.len() {
                for side in [true, false] {
                    if let Some(c) = branch_to_jump(&best, fid, Block(b as u32), side) {
                        if try_it(c, &mut best, &mut tests) {
                            break;
                        }
                    }
                }
            }
            // Jump chains merged into one block.
            let mut b = 0;
            while b < best.functions[fid].blocks.len() {
                let merged = match merge_jump(&best, fid, Block(b as u32)) {
                    Some(c) => try_it(c, &mut best, &mut tests),
                    None => false,
                };
                if !merged {
                    b += 1;
                }
            }
            // Chunks of instructions, halving.
            let mut chunk = best.functions[fid].inst_count().max(1);
            while chunk >= 1 {
                let mut start = 0;
                while start < best.functions[fid].inst_count() {
                    let kept = match remove_insts(&best, fid, start, chunk) {
                        Some(c) => try_it(c, &mut best, &mut tests),
                        None => false,
                    };
                    if !kept {
                        start += chunk;
                    }
                }
                if chunk == 1 {
                    break;
                }
                chunk /= 2;
            }
            // Instructions to constants.
            for b in 0..best.functions[fid].blocks.len() {
                let mut i = 0;
                let len = |m: &Module| {
                    m.functions[fid]
                        .blocks
                        .get(Block(b as u32))
                        .map_or(0, |d| d.insts.len())
                };
                while i < len(&best) {
                    for k in [Constant::Int(0), Constant::Void] {
                        if let Some(c) = to_const(&best, fid, Block(b as u32), i, k) {
                            if try_it(c, &mut best, &mut tests) {
                                break;
                            }
                        }
                    }
                    i += 1;
                }
            }
        }
        if best == before || tests >= max_tests {
            return best;
        }
    }
}

/// `m` without function `f` (not `@main`, and only if nothing refers to it), ids renumbered.
fn remove_function(m: &Module, f: FuncId) -> Option<Module> {
    if m.functions[f].name == "main" {
        return None;
    }
    let mut refers = false;
    for g in m.functions.values() {
        for b in g.blocks.values() {
            for i in &b.insts {
                match i {
                    Inst::Call {
                        callee: Callee::Global(x),
                        ..
                    }
                    | Inst::Const {
                        value: Constant::Func(x),
                        ..
                    } if *x == f => refers = true,
                    _ => {}
                }
            }
        }
    }
    // A method named by a static callee or used implicitly (birth, toString, apply) may go:
    // the verifier rejects the static case, and the others change behaviour only.
    if refers {
        return None;
    }
    let mut c = Module::new();
    c.boxes = m.boxes.clone();
    for (id, g) in m.functions.iter() {
        if id != f {
            c.functions.push(g.clone());
        }
    }
    let remap = |x: &mut FuncId| {
        if x.0 > f.0 {
            x.0 -= 1;
        }
    };
    for g in c.functions.values_mut() {
        for b in g.blocks.values_mut() {
            for i in &mut b.insts {
                match i {
                    Inst::Call {
                        callee: Callee::Global(x),
                        ..
                    }
                    | Inst::Const {
                        value: Constant::Func(x),
                        ..
                    } => remap(x),
                    _ => {}
                }
            }
        }
    }
    Some(c)
}

/// `m` without box `b`, if no instruction, annotation or method function refers to it (box ids
/// renumbered).
fn remove_box(m: &Module, b: mir14_mir::BoxId) -> Option<Module> {
    use mir14_mir::{BoxClass, BoxId, TypeName, TypeOpKind};
    let prefix = format!("{}.", m.boxes[b].name);
    let is = |t: &TypeName| *t == TypeName::User(b);
    for f in m.functions.values() {
        if f.name.starts_with(&prefix)
            || f.params.iter().any(|p| p.ty.as_ref().is_some_and(is))
            || f.ret_type.as_ref().is_some_and(is)
        {
            return None;
        }
        for data in f.blocks.values() {
            for i in &data.insts {
                let refers = match i {
                    Inst::NewBox { class, .. } => *class == BoxClass::User(b),
                    Inst::TypeOp {
                        op: TypeOpKind::Check(t) | TypeOpKind::Cast(t),
                        ..
                    } => is(t),
                    Inst::Call {
                        callee: Callee::Method { box_name, .. },
                        ..
                    } => *box_name == Some(b),
                    _ => false,
                };
                if refers {
                    return None;
                }
            }
        }
    }
    let mut c = m.clone();
    let mut boxes = mir14_mir::entity::Arena::new();
    for (id, d) in m.boxes.iter() {
        if id != b {
            boxes.push(d.clone());
        }
    }
    c.boxes = boxes;
    let remap = |x: &mut BoxId| {
        if x.0 > b.0 {
            x.0 -= 1;
        }
    };
    let remap_ty = |t: &mut TypeName| {
        if let TypeName::User(x) = t {
            remap(x);
        }
    };
    for f in c.functions.values_mut() {
        for p in &mut f.params {
            if let Some(t) = &mut p.ty {
                remap_ty(t);
            }
        }
        if let Some(t) = &mut f.ret_type {
            remap_ty(t);
        }
        for data in f.blocks.values_mut() {
            for i in &mut data.insts {
                match i {
                    Inst::NewBox {
                        class: BoxClass::User(x),
                        ..
                    } => remap(x),
                    Inst::TypeOp {
                        op: TypeOpKind::Check(t) | TypeOpKind::Cast(t),
                        ..
                    } => remap_ty(t),
                    Inst::Call {
                        callee:
                            Callee::Method {
                                box_name: Some(x), ..
                            },
                        ..
                    } => remap(x),
                    _ => {}
                }
            }
        }
    }
    Some(c)
}

/// `m` with parameter `p` of `f` removed, if `f` does not use it, and the matching argument
/// removed from every call that names `f` statically (`call @f`, `call %r.B::m`, `new B` for a
/// `birth`). Calls through values or dynamic dispatch keep their arguments.
fn remove_param(m: &Module, f: FuncId, p: usize) -> Option<Module> {
    let func = &m.functions[f];
    let v = func.params.get(p)?.value;
    let mut used = false;
    for data in func.blocks.values() {
        for i in &data.insts {
            i.for_each_use(|u| used |= u == v);
        }
    }
    if used {
        return None;
    }
    let name = func.name.clone();
    let method = name.split_once('.');
    let mut c = m.clone();
    c.functions[f].params.remove(p);
    c.functions[f].canonicalize();
    for g in c.functions.values_mut() {
        for data in g.blocks.values_mut() {
            for i in &mut data.insts {
                let drop = match i {
                    Inst::Call {
                        callee: Callee::Global(x),
                        args,
                        ..
                    } if *x == f => Some((args, p)),
                    Inst::Call {
                        callee:
                            Callee::Method {
                                box_name: Some(b),
                                method: mname,
                                ..
                            },
                        args,
                        ..
                    } if p >= 1 && method == Some((m.boxes[*b].name.as_str(), mname.as_str())) => {
                        Some((args, p - 1))
                    }
                    Inst::NewBox {
                        class: mir14_mir::BoxClass::User(b),
                        args,
                        ..
                    } if p >= 1 && method == Some((m.boxes[*b].name.as_str(), "birth")) => {
                        Some((args, p - 1))
                    }
                    _ => None,
                };
                if let Some((args, k)) = drop {
                    if k < args.len() {
                        args.remove(k);
                    }
                }
            }
        }
    }
    for g in c.functions.values_mut() {
        g.canonicalize();
    }
    Some(c)
}

/// `m` with `count` instructions of function `f` removed, starting at the `start`-th (in block
/// order). Terminators stay; an instruction whose result is still used makes the candidate
/// invalid, which the verifier then rejects.
fn remove_insts(m: &Module, f: FuncId, start: usize, count: usize) -> Option<Module> {
    let mut c = m.clone();
    let func = &mut c.functions[f];
    let mut k = 0usize;
    let mut removed = false;
    for b in func.blocks.values_mut() {
        let mut keep = Vec::with_capacity(b.insts.len());
        for inst in b.insts.drain(..) {
            let in_range = k >= start && k < start + count;
            k += 1;
            if in_range && !inst.is_terminator() {
                removed = true;
                continue;
            }
            keep.push(inst);
        }
        b.insts = keep;
    }
    if !removed {
        return None;
    }
    func.canonicalize();
    Some(c)
}

/// `m` with the `i`-th instruction of block `b` of `f`, if it defines a value, replaced by
/// `const k`.
fn to_const(m: &Module, f: FuncId, b: Block, i: usize, k: Constant) -> Option<Module> {
    let inst = m.functions[f].blocks.get(b)?.insts.get(i)?;
    let dest = inst.dest()?;
    if matches!(inst, Inst::Const { .. } | Inst::Phi { .. }) {
        return None;
    }
    let mut c = m.clone();
    c.functions[f].blocks[b].insts[i] = Inst::Const { dest, value: k };
    Some(c)
}

/// `m` with the branch ending block `b` of `f` replaced by a jump to its then (`side`) or else
/// target, the blocks that become unreachable removed and the phis adjusted.
fn branch_to_jump(m: &Module, f: FuncId, b: Block, side: bool) -> Option<Module> {
    let Some(Inst::Branch {
        then_block,
        else_block,
        ..
    }) = m.functions[f].blocks.get(b)?.insts.last()
    else {
        return None;
    };
    let (keep, drop) = if side {
        (*then_block, *else_block)
    } else {
        (*else_block, *then_block)
    };
    let mut c = m.clone();
    let func = &mut c.functions[f];
    if let Some(last) = func.blocks[b].insts.last_mut() {
        *last = Inst::Jump { target: keep };
    }
    if keep != drop {
        // `b` is no longer a predecessor of `drop`.
        for inst in &mut func.blocks[drop].insts {
            if let Inst::Phi { inputs, .. } = inst {
                inputs.retain(|(p, _)| *p != b);
            }
        }
    }
    remove_unreachable(func);
    Some(c)
}

/// `m` with the jump or branch ending block `b` of `f` replaced by a bare `ret`.
fn terminator_to_ret(m: &Module, f: FuncId, b: Block) -> Option<Module> {
    let last = m.functions[f].blocks.get(b)?.insts.last()?;
    if !matches!(last, Inst::Jump { .. } | Inst::Branch { .. }) {
        return None;
    }
    let mut c = m.clone();
    let func = &mut c.functions[f];
    let succs = func.successors(b);
    if let Some(last) = func.blocks[b].insts.last_mut() {
        *last = Inst::Return { value: None };
    }
    for s in succs {
        for inst in &mut func.blocks[s].insts {
            if let Inst::Phi { inputs, .. } = inst {
                inputs.retain(|(p, _)| *p != b);
            }
        }
    }
    remove_unreachable(func);
    Some(c)
}

/// `m` with block `a` of `f`, which ends in `jump B`, merged with `B` when `a` is `B`'s only
/// predecessor (`B`'s phis, which then have one input, are replaced by that input).
fn merge_jump(m: &Module, f: FuncId, a: Block) -> Option<Module> {
    let func = &m.functions[f];
    let Some(Inst::Jump { target }) = func.blocks.get(a)?.insts.last() else {
        return None;
    };
    let b = *target;
    if b == a || b == Block(0) {
        return None;
    }
    let preds = func
        .blocks
        .keys()
        .filter(|p| func.successors(*p).contains(&b))
        .count();
    if preds != 1 {
        return None;
    }
    let mut c = m.clone();
    let func = &mut c.functions[f];
    let moved = std::mem::take(&mut func.blocks[b].insts);
    let mut subst: Vec<(mir14_mir::Value, mir14_mir::Value)> = Vec::new();
    let mut rest = Vec::new();
    for inst in moved {
        match inst {
            Inst::Phi { dest, inputs } if inputs.len() == 1 && inputs[0].1 != dest => {
                subst.push((dest, inputs[0].1))
            }
            other => rest.push(other),
        }
    }
    let body = &mut func.blocks[a].insts;
    body.pop();
    body.extend(rest);
    // Uses of the removed phis take their input; edges from `b` now leave from `a`.
    for data in func.blocks.values_mut() {
        for inst in &mut data.insts {
            inst.map_uses(|u| {
                // Phis of one block read their inputs in parallel: one step of substitution.
                if let Some((_, v)) = subst.iter().find(|(d, _)| d == u) {
                    *u = *v;
                }
            });
            if let Inst::Phi { inputs, .. } = inst {
                for (p, _) in inputs.iter_mut() {
                    if *p == b {
                        *p = a;
                    }
                }
            }
        }
    }
    for l in &mut func.loops {
        for x in [&mut l.header, &mut l.body, &mut l.latch, &mut l.exit] {
            if *x == b {
                *x = a;
            }
        }
    }
    // `b` is now empty and unreachable; drop it.
    remove_unreachable(func);
    Some(c)
}

/// Removes blocks unreachable from the entry (renumbering blocks, dropping phi inputs from
/// removed blocks and loop declarations that name them).
fn remove_unreachable(func: &mut Function) {
    let n = func.blocks.len();
    if n == 0 {
        return;
    }
    let mut seen = vec![false; n];
    let mut stack = vec![Block(0)];
    while let Some(b) = stack.pop() {
        if b.index() >= n || seen[b.index()] {
            continue;
        }
        seen[b.index()] = true;
        stack.extend(func.successors(b));
    }
    if seen.iter().all(|s| *s) {
        return;
    }
    let mut map = vec![None; n];
    let mut blocks = mir14_mir::entity::Arena::new();
    for (id, data) in func.blocks.iter() {
        if seen[id.index()] {
            map[id.index()] = Some(blocks.push(data.clone()));
        }
    }
    let new = |b: Block| map.get(b.index()).copied().flatten();
    for data in blocks.values_mut() {
        for inst in &mut data.insts {
            match inst {
                Inst::Phi { inputs, .. } => {
                    inputs.retain(|(p, _)| new(*p).is_some());
                    for (p, _) in inputs.iter_mut() {
                        *p = new(*p).unwrap_or(*p);
                    }
                }
                Inst::Jump { target } => *target = new(*target).unwrap_or(*target),
                Inst::Branch {
                    then_block,
                    else_block,
                    ..
                } => {
                    *then_block = new(*then_block).unwrap_or(*then_block);
                    *else_block = new(*else_block).unwrap_or(*else_block);
                }
                _ => {}
            }
        }
    }
    func.blocks = blocks;
    func.loops = func
        .loops
        .iter()
        .filter_map(|l| {
            Some(mir14_mir::LoopForm {
                header: new(l.header)?,
                body: new(l.body)?,
                latch: new(l.latch)?,
                exit: new(l.exit)?,
            })
        })
        .collect();
    func.canonicalize();
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
            ..o.clone()
        };
        assert!((0..50).all(|s| program_options(&fixed, s) == fixed));
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
        assert_eq!(first_difference(&o.backends, &r), None);
        let o = opts("a=/bin/echo one,b=/bin/echo two");
        let r = run_all(&o, &m, &dir.join("p.mir"));
        let d = first_difference(&o.backends, &r).expect("differs");
        assert!(d.starts_with("stdout differs: a"), "{d}");
        let o = opts("a=/bin/true,b=/bin/false");
        let r = run_all(&o, &m, &dir.join("p.mir"));
        assert_eq!(
            first_difference(&o.backends, &r).unwrap(),
            "status differs: a exit 0, b exit 1"
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
            first_difference(&o.backends, &r).unwrap(),
            "status differs: a timeout, b exit 0"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Counts `binop div` instructions, the "bug" the shrinker keeps.
    fn has_div(m: &Module) -> bool {
        m.functions.values().any(|f| {
            f.blocks.values().any(|b| {
                b.insts.iter().any(|i| {
                    matches!(
                        i,
                        Inst::Binary {
                            op: mir14_mir::BinOp::Div,
                            ..
                        }
                    )
                })
            })
        })
    }

    #[test]
    fn shrinks_to_a_small_verified_module_that_stays_interesting() {
        let mut found = 0;
        for seed in 0..40u64 {
            let m = mir14_gen::generate(seed);
            if !has_div(&m) {
                continue;
            }
            found += 1;
            let small = shrink(&m, 3000, &mut |c| has_div(c));
            assert!(mir14_mir::verify(&small).is_ok());
            assert!(has_div(&small));
            let before: usize = m.functions.values().map(Function::inst_count).sum();
            let after: usize = small.functions.values().map(Function::inst_count).sum();
            assert!(after < before, "seed {seed}: {after} !< {before}");
            // The smallest module with a div: its operands, the div, a terminator (and the
            // operands' consts): no more than a handful of instructions, in @main alone.
            assert!(
                after <= 8,
                "seed {seed}: {after}\n{}",
                mir14_mir::print(&small)
            );
        }
        assert!(found > 5);
    }

    #[test]
    fn unused_boxes_go_and_ids_follow() {
        let src = "box A { x }\n\nbox B { y }\n\nbox C {}\n\nfn @main() {\nbb0:\n  %c = new C()\n  %k = typeop check %c C\n  ret\n}\n";
        let (m, _) = mir14_mir::parse(src).unwrap();
        let small = shrink(&m, 100, &mut |c| {
            mir14_mir::print(c).contains("typeop check")
        });
        assert_eq!(
            mir14_mir::print(&small),
            "box C {}\n\nfn @main() {\nbb0:\n  %c = const 0\n  %k = typeop check %c C\n  ret\n}\n"
        );
        assert!(remove_box(&m, mir14_mir::BoxId(2)).is_none());
    }

    #[test]
    fn unused_parameters_go_with_their_arguments() {
        let src = "box P { x }\n\nfn @P.birth(%me, %a, %b) {\nbb0:\n  store %me.x = %b\n  ret\n}\n\nfn @f(%u, %w) {\nbb0:\n  ret %w\n}\n\nfn @main() {\nbb0:\n  %1 = const 1\n  %2 = const 2\n  %p = new P(%1, %2)\n  %r = call @f(%1, %2)\n  ret %r\n}\n";
        let (m, _) = mir14_mir::parse(src).unwrap();
        let c = remove_param(&m, FuncId(1), 0).unwrap();
        assert!(mir14_mir::verify(&c).is_ok());
        assert!(mir14_mir::print(&c).contains("fn @f(%w) {"));
        assert!(mir14_mir::print(&c).contains("%r = call @f(%2)"));
        let c = remove_param(&m, FuncId(0), 1).unwrap();
        assert!(mir14_mir::verify(&c).is_ok());
        assert!(mir14_mir::print(&c).contains("%p = new P(%2)"));
        assert!(remove_param(&m, FuncId(0), 2).is_none());
        assert!(remove_param(&m, FuncId(1), 1).is_none());
    }

    #[test]
    fn branch_to_jump_drops_unreachable_blocks() {
        let src = "fn @main() {\nbb0:\n  %c = const true\n  branch %c, a, b\na:\n  jump j\nb:\n  jump j\nj:\n  %x = phi [a: %c], [b: %c]\n  ret\n}\n";
        let (m, _) = mir14_mir::parse(src).unwrap();
        let c = branch_to_jump(&m, FuncId(0), Block(0), true).unwrap();
        assert!(mir14_mir::verify(&c).is_ok());
        assert_eq!(
            mir14_mir::print(&c),
            "fn @main() {\nbb0:\n  %c = const true\n  jump a\na:\n  jump j\nj:\n  %x = phi [a: %c]\n  ret\n}\n"
        );
    }
}
