//! The conformance harness: every test of `spec/tests/` as laid out in spec/MIR14.md §8, run
//! through the `mir14` binary, one trial per test file (per backend for `run` tests).
//!
//! - `invalid/NAME.mir`: `mir14 check` exits 2 and reports, for each line carrying
//!   `; error: PHRASE`, an error on that line containing PHRASE, and no error on other lines;
//!   each error line is followed by the source line and a caret line. A comment line of only
//!   `;`, spaces and `^`s right after the annotated line (a *caret line*) pins where the error
//!   points: its carets must stand in the columns the caret line of the error underlines (the
//!   `;` is column 1, so an error at column 1 cannot be pinned). With several annotations on a
//!   line, the caret lines that follow pin them in order.
//! - `valid/NAME.mir`: `check` exits 0 with stderr equal to `NAME.warn` (absent = empty); `fmt`
//!   is a fixed point and parses to a module equal to the original's; the JSON form converts back
//!   to the same text and the same JSON.
//! - `fmt/NAME.mir`: `fmt` prints exactly `NAME.fmt`, and `NAME.fmt` is a fixed point.
//! - `run/**/NAME.mir`: `mir14 run --backend B [NAME.flags] NAME.mir -- [NAME.args]` with stdin
//!   from `NAME.in`, run in the test's directory; stdout, stderr and the exit status must equal
//!   `NAME.out`, `NAME.err`, `NAME.exit` byte for byte (absent = empty, empty, 0).
//!
//!
//! On the `aot` backend a run test is `mir14 build [NAME.flags] NAME.mir -o EXE` followed by
//! `EXE [NAME.args]` (same directory, stdin and expectations). The executables are built in one
//! batch, on two threads, by the first AOT trial that runs (only for the selected tests), into
//! one directory under Cargo's target temp directory; each trial then only runs its executable.
//! A test that expects exit status 2 may have its build refused (bad input, e.g. an imported C
//! function that no library defines): what `mir14 build` printed then stands for the run.
//! `--lib X.so` in `NAME.flags` names the library built from `X.c` beside the test
//! ([`mir14_harness::spec::RunTest::load`] builds it and rewrites the flag).
//!
//! Every command runs in the test file's directory with the bare file name as its argument, so
//! expected diagnostics and `.warn` files read `NAME.mir:3:5: ...`.
//!
//! `MIR14_BLESS=1` rewrites `NAME.out/.err/.exit` of run tests from the `vm` backend only (the
//! interpreter defines behaviour); a person reviews the diff. Files are rewritten only when they
//! differ, created only when their absence would mean something else, and never deleted.

mod common;

use common::{mir14, program};
use libtest_mimic::{Arguments, Failed, Trial};
use mir14_harness::spec::{all_files, mir_files, spec_tests_dir, RunTest};
use mir14_harness::{diff, Outcome};
use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// The backends every run test runs on: the three engines, and the tiered engine (the
/// default of `mir14 run`) at three thresholds: 0 (every function compiled at its first call),
/// 2 (mixed interpreted and compiled frames, OSR in loops after two back edges) and never
/// reached (everything interpreted under the tier's counters).
const BACKENDS: &[&str] = &["vm", "jit", "aot", "tier0", "tier2", "tiernever"];

/// The `mir14 run` flags that select `backend`.
fn backend_flags(backend: &str) -> Vec<&'static str> {
    match backend {
        "tier0" => vec!["--backend", "tiered", "--tier-threshold", "0"],
        "tier2" => vec!["--backend", "tiered", "--tier-threshold", "2"],
        "tiernever" => vec![
            "--backend",
            "tiered",
            "--tier-threshold",
            "18446744073709551615",
        ],
        "vm" => vec!["--backend", "vm"],
        "jit" => vec!["--backend", "jit"],
        _ => vec!["--backend", "aot"],
    }
}

/// How many AOT executables are built at once.
const AOT_BUILD_THREADS: usize = 2;

/// The only backend whose output `MIR14_BLESS=1` may record.
const BLESS_BACKEND: &str = "vm";

fn main() {
    let args = Arguments::from_args();
    let root = spec_tests_dir();
    let mut trials = vec![{
        let root = root.clone();
        Trial::test("layout", move || layout(&root))
    }];
    trials.push(Trial::test("harness_self_test", self_test));
    for path in mir_files(&root.join("invalid"), false) {
        let name = format!("invalid::{}", stem(&path));
        trials.push(Trial::test(name, move || invalid(&path)));
    }
    for path in mir_files(&root.join("valid"), false) {
        let name = format!("valid::{}", stem(&path));
        trials.push(Trial::test(name, move || valid(&path)));
    }
    for path in mir_files(&root.join("fmt"), false) {
        let name = format!("fmt::{}", stem(&path));
        trials.push(Trial::test(name, move || fmt(&path)));
    }
    let run_root = root.join("run");
    let mut aot_tests = Vec::new();
    let mut run_trials = Vec::new();
    for path in mir_files(&run_root, true) {
        let rel = path
            .strip_prefix(&run_root)
            .unwrap_or(&path)
            .with_extension("");
        for &backend in BACKENDS {
            let name = format!("run::{backend}::{}", rel.display());
            // Only the AOT trials that will run have their executables built.
            if backend == "aot" && !args.ignored && !args.list {
                let probe = Trial::test(name.clone(), || Ok(()));
                if !args.is_filtered_out(&probe) {
                    aot_tests.push(path.clone());
                }
            }
            run_trials.push((name, path.clone(), backend));
        }
    }
    let batch = Arc::new(AotBatch {
        tests: aot_tests,
        built: OnceLock::new(),
    });
    for (name, path, backend) in run_trials {
        let batch = Arc::clone(&batch);
        trials.push(Trial::test(name, move || run(&path, backend, &batch)));
    }
    libtest_mimic::run(&args, trials).exit();
}

/// The AOT executables of the selected run tests, built together the first time one is needed.
struct AotBatch {
    /// The `.mir` files to build.
    tests: Vec<PathBuf>,
    /// Each test's executable, or why `mir14 build` failed.
    built: OnceLock<HashMap<PathBuf, Result<Built, String>>>,
}

/// What `mir14 build` made of a run test.
#[derive(Clone)]
enum Built {
    /// The executable.
    Exe(PathBuf),
    /// The outcome of a build refused as bad input (exit status 2) by a test that expects
    /// exactly that (e.g. an imported C function that no library defines): it stands for the
    /// run, since the other backends refuse to run such a program the same way.
    Refused(Outcome),
}

impl AotBatch {
    /// The executable of `path`, building the whole batch first if this is the first call.
    fn executable(&self, path: &Path) -> Result<Built, Failed> {
        let built = self.built.get_or_init(|| self.build_all());
        match built.get(path) {
            Some(Ok(exe)) => Ok(exe.clone()),
            Some(Err(e)) => Err(e.clone().into()),
            // Not selected up front (cannot happen through libtest's own filtering).
            None => build_one(path, &aot_dir(), path_key(path)).map_err(Failed::from),
        }
    }

    /// Builds every test's executable on [`AOT_BUILD_THREADS`] threads.
    fn build_all(&self) -> HashMap<PathBuf, Result<Built, String>> {
        let dir = aot_dir();
        // Executables of an earlier run must not stand in for this run's.
        let _ = fs::remove_dir_all(&dir);
        let results = Mutex::new(HashMap::new());
        if let Err(e) = fs::create_dir_all(&dir) {
            let msg = format!("cannot create {}: {e}", dir.display());
            return self
                .tests
                .iter()
                .map(|p| (p.clone(), Err(msg.clone())))
                .collect();
        }
        let next = AtomicUsize::new(0);
        std::thread::scope(|s| {
            for _ in 0..AOT_BUILD_THREADS {
                s.spawn(|| loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(path) = self.tests.get(i) else {
                        break;
                    };
                    let r = build_one(path, &dir, path_key(path));
                    if let Ok(mut map) = results.lock() {
                        map.insert(path.clone(), r);
                    }
                });
            }
        });
        results.into_inner().unwrap_or_default()
    }
}

/// The directory the AOT executables are built into.
fn aot_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("spec")
        .join("aot-bin")
}

/// A file name unique to one test: its path below `spec/tests/run` with `/` as `__`.
fn path_key(path: &Path) -> String {
    let root = spec_tests_dir().join("run");
    let rel = path.strip_prefix(&root).unwrap_or(path).with_extension("");
    rel.to_string_lossy().replace(['/', '\\'], "__")
}

/// `mir14 build [NAME.flags] NAME.mir -o DIR/KEY` in the test's directory.
fn build_one(path: &Path, dir: &Path, key: String) -> Result<Built, String> {
    let exe = dir.join(key);
    let test = RunTest::load(path)?;
    let file = file_name(path);
    let exe_text = exe.to_string_lossy().into_owned();
    let mut argv: Vec<&str> = vec!["build"];
    argv.extend(test.flags.iter().map(String::as_str));
    argv.extend([file.as_str(), "-o", exe_text.as_str()]);
    let o = run_in(path, &argv, b"");
    if o.code() == Some(2) && test.want_exit() == 2 && test.want_out().is_empty() {
        return Ok(Built::Refused(o));
    }
    if o.code() != Some(0) || o.timed_out() {
        return Err(format!(
            "`mir14 {}` in {}: {}; stderr:\n{}",
            argv.join(" "),
            dir_of(path).display(),
            o.status,
            o.err()
        ));
    }
    Ok(Built::Exe(exe))
}

/// The file name without its extension.
fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The file name, as passed to `mir14` (which runs in the file's directory).
fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The directory a test runs in.
fn dir_of(path: &Path) -> &Path {
    path.parent().unwrap_or(Path::new("."))
}

/// A sibling file of the test: `NAME.<ext>`.
fn sibling(path: &Path, ext: &str) -> PathBuf {
    path.with_extension(ext)
}

/// Reads an optional expectation file.
fn read_opt(path: &Path) -> Result<Option<Vec<u8>>, Failed> {
    mir14_harness::spec::read_opt(path).map_err(Failed::from)
}

/// Reads a file that must exist.
fn read(path: &Path) -> Result<Vec<u8>, Failed> {
    fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()).into())
}

/// Runs `mir14 ARGS` in the test's directory.
fn run_in(path: &Path, args: &[&str], stdin: &[u8]) -> Outcome {
    mir14(args, dir_of(path), stdin)
}

/// Fails unless the invocation exited 0 with empty stderr; returns its stdout.
fn expect_success(what: &str, o: &Outcome) -> Result<Vec<u8>, Failed> {
    if o.code() != Some(0) || !o.stderr.is_empty() {
        return Err(format!(
            "`{what}`: expected exit status 0 and no stderr, got {}; stderr:\n{}",
            o.status,
            o.err()
        )
        .into());
    }
    Ok(o.stdout.clone())
}

/// A scratch directory for one trial, under Cargo's target directory.
fn scratch(kind: &str, path: &Path) -> Result<PathBuf, Failed> {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("spec")
        .join(kind)
        .join(stem(path));
    fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    Ok(dir)
}

/// The layout itself: there are tests, and every expectation file belongs to a program.
fn layout(root: &Path) -> Result<(), Failed> {
    let mut problems = Vec::new();
    let total: usize = ["invalid", "valid", "fmt"]
        .iter()
        .map(|d| mir_files(&root.join(d), false).len())
        .sum::<usize>()
        + mir_files(&root.join("run"), true).len();
    if total == 0 {
        problems.push(format!(
            "no conformance tests found under {}",
            root.display()
        ));
    }
    let expectations: &[(&str, &[&str], bool)] = &[
        ("run", &["out", "err", "exit", "in", "args", "flags"], true),
        ("valid", &["warn"], false),
        ("fmt", &["fmt"], false),
    ];
    for (dir, exts, recursive) in expectations {
        for file in all_files(&root.join(dir), *recursive) {
            let ext = file
                .extension()
                .map(|e| e.to_string_lossy().into_owned())
                .unwrap_or_default();
            if exts.contains(&ext.as_str()) && !file.with_extension("mir").exists() {
                problems.push(format!("{} has no program beside it", file.display()));
            }
        }
    }
    for prog in mir_files(&root.join("fmt"), false) {
        if !sibling(&prog, "fmt").exists() {
            problems.push(format!("{} has no .fmt file", prog.display()));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n").into())
    }
}

/// The `; error: PHRASE` annotations of a source text: (1-based line, phrase).
fn annotations(src: &str) -> Vec<(usize, String)> {
    const MARK: &str = "; error: ";
    let mut found = Vec::new();
    for (i, line) in src.lines().enumerate() {
        let mut rest = line;
        while let Some(at) = rest.find(MARK) {
            rest = &rest[at + MARK.len()..];
            let end = rest.find(MARK).unwrap_or(rest.len());
            let phrase = rest[..end].trim();
            if !phrase.is_empty() {
                found.push((i + 1, phrase.to_string()));
            }
            rest = &rest[end..];
        }
    }
    found
}

/// The 1-based columns `first..=last` of the carets of a caret line (`;` then only spaces and
/// `^`s, the carets contiguous), or `None` for any other line.
fn caret_columns(line: &str) -> Option<(usize, usize)> {
    let rest = line.trim_end().strip_prefix(';')?;
    if !rest.contains('^') || rest.chars().any(|c| c != ' ' && c != '^') {
        return None;
    }
    let first = rest.find('^')? + 2;
    let last = rest.rfind('^')? + 2;
    rest[first - 2..last - 1]
        .chars()
        .all(|c| c == '^')
        .then_some((first, last))
}

/// The caret pins of annotated lines: for each annotation (in [`annotations`] order), the
/// columns of the caret line pinning it, if any.
fn caret_pins(src: &str, wanted: &[(usize, String)]) -> Vec<Option<(usize, usize)>> {
    let lines: Vec<&str> = src.lines().collect();
    let mut pins = Vec::new();
    // The k-th annotation of its line takes the k-th caret line after it.
    let mut nth_on_line = 0;
    for (i, (line, _)) in wanted.iter().enumerate() {
        nth_on_line = if i > 0 && wanted[i - 1].0 == *line {
            nth_on_line + 1
        } else {
            0
        };
        let pin = lines
            .get(*line + nth_on_line)
            .and_then(|l| caret_columns(l))
            .filter(|_| (*line..*line + nth_on_line).all(|j| caret_columns(lines[j]).is_some()));
        pins.push(pin);
    }
    pins
}

/// The columns `first..=last` a rendered caret line underlines (tabs count as one column).
fn underlined(caret_line: &str) -> Option<(usize, usize)> {
    let first = caret_line.chars().position(|c| c == '^')? + 1;
    let last = caret_line.chars().count() - caret_line.chars().rev().position(|c| c == '^')?;
    Some((first, last))
}

/// One reported error: its line (if it has a position) and message.
#[derive(Debug, PartialEq)]
struct Reported {
    line: Option<usize>,
    col: usize,
    message: String,
    /// The two lines after it (source line and caret line), if present.
    context: (Option<String>, Option<String>),
}

/// The errors in `check`'s stderr for `file`: `file:L:C: error: M` and `file: error: M` lines.
fn reported_errors(file: &str, stderr: &str) -> Vec<Reported> {
    let lines: Vec<&str> = stderr.lines().collect();
    let mut found = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(rest) = line.strip_prefix(file) else {
            continue;
        };
        if let Some(message) = rest.strip_prefix(": error: ") {
            found.push(Reported {
                line: None,
                col: 0,
                message: message.to_string(),
                context: (None, None),
            });
            continue;
        }
        // `:L:C: error: message`
        let mut parts = rest.splitn(4, ':');
        let (Some(""), Some(l), Some(c), Some(tail)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let (Ok(l), Ok(c), Some(message)) = (l.parse(), c.parse(), tail.strip_prefix(" error: "))
        else {
            continue;
        };
        found.push(Reported {
            line: Some(l),
            col: c,
            message: message.to_string(),
            context: (
                lines.get(i + 1).map(|s| s.to_string()),
                lines.get(i + 2).map(|s| s.to_string()),
            ),
        });
    }
    found
}

/// `spec/tests/invalid/NAME.mir`.
fn invalid(path: &Path) -> Result<(), Failed> {
    let src = String::from_utf8_lossy(&read(path)?).into_owned();
    let file = file_name(path);
    let wanted = annotations(&src);
    if wanted.is_empty() {
        return Err("the test has no `; error: PHRASE` annotation".into());
    }
    let o = run_in(path, &["check", &file], b"");
    let stderr = o.err();
    let mut problems = Vec::new();
    if o.panicked() {
        problems.push("mir14 panicked".to_string());
    }
    if o.code() != Some(2) {
        problems.push(format!("expected exit status 2, got {}", o.status));
    }
    let errors = reported_errors(&file, &stderr);
    let src_lines: Vec<&str> = src.lines().collect();
    let pins = caret_pins(&src, &wanted);
    for ((line, phrase), pin) in wanted.iter().zip(&pins) {
        let found: Vec<&Reported> = errors
            .iter()
            .filter(|e| e.line == Some(*line) && e.message.contains(phrase.as_str()))
            .collect();
        if found.is_empty() {
            problems.push(format!(
                "line {line}: expected an error containing `{phrase}`"
            ));
        } else if let Some((first, last)) = pin {
            let at = |e: &&Reported| e.context.1.as_deref().and_then(underlined);
            if !found.iter().any(|e| at(e) == Some((*first, *last))) {
                let got: Vec<_> = found.iter().map(at).collect();
                problems.push(format!(
                    "line {line}: expected `{phrase}` underlined in columns {first}..={last}, \
                     got {got:?}"
                ));
            }
        }
    }
    for e in &errors {
        match e.line {
            Some(l) if wanted.iter().any(|(w, _)| *w == l) => {
                // The error line is followed by the source line and a caret line at the column.
                let source = src_lines.get(l - 1).map(|s| s.trim_end_matches('\r'));
                let caret_ok = e.context.1.as_deref().is_some_and(|c| {
                    let prefix = c.chars().take_while(|ch| *ch == ' ' || *ch == '\t').count();
                    prefix + 1 == e.col && c[prefix..].starts_with('^')
                });
                if e.context.0.as_deref() != source || !caret_ok {
                    problems.push(format!(
                        "line {l}: the error is not followed by the source line and a caret at column {}",
                        e.col
                    ));
                }
            }
            Some(l) => problems.push(format!("unexpected error on line {l}: {}", e.message)),
            None => problems.push(format!("unexpected error without a line: {}", e.message)),
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{}\nstderr of `mir14 check {file}`:\n{stderr}",
            problems.join("\n")
        )
        .into())
    }
}

/// `spec/tests/valid/NAME.mir`.
fn valid(path: &Path) -> Result<(), Failed> {
    let file = file_name(path);
    let src = String::from_utf8_lossy(&read(path)?).into_owned();
    let mut problems = Vec::new();

    // check: exit 0; stderr exactly the expected warnings.
    let o = run_in(path, &["check", &file], b"");
    let warn = read_opt(&sibling(path, "warn"))?.unwrap_or_default();
    if o.code() != Some(0) {
        // Nothing else can work on a program that does not check.
        return Err(format!(
            "`check`: expected exit status 0, got {}; stderr:\n{}",
            o.status,
            o.err()
        )
        .into());
    }
    if o.stderr != warn {
        problems.push(format!(
            "`check`: stderr differs from {}:\n{}",
            file_name(&sibling(path, "warn")),
            diff(&warn, &o.stderr)
        ));
    }

    // fmt: a fixed point that parses to the same module.
    let text = expect_success("fmt", &run_in(path, &["fmt", &file], b""))?;
    let tmp = scratch("valid", path)?;
    let formatted = tmp.join("formatted.mir");
    fs::write(&formatted, &text).map_err(|e| e.to_string())?;
    let again = expect_success(
        "fmt (of the formatted text)",
        &mir14(&["fmt", "formatted.mir"], &tmp, b""),
    )?;
    if again != text {
        problems.push(format!(
            "`fmt` is not a fixed point (first output -, second +):\n{}",
            diff(&text, &again)
        ));
    }
    let text_str = String::from_utf8_lossy(&text).into_owned();
    match (mir14_mir::parse(&src), mir14_mir::parse(&text_str)) {
        (Ok((a, _)), Ok((b, _))) if a == b => {}
        (Ok(_), Ok(_)) => problems.push("the formatted text parses to a different module".into()),
        _ => problems.push("the program or its formatted text does not parse".into()),
    }

    // JSON: back to the same text, and the same JSON again.
    let json = expect_success("json", &run_in(path, &["json", &file], b""))?;
    // Read back by the library, the JSON gives a module equal to the parsed original.
    let json_str = String::from_utf8_lossy(&json).into_owned();
    match (
        mir14_mir::parse(&src),
        mir14_mir::json::from_json(&json_str),
    ) {
        (Ok((a, _)), Ok(b)) if a == b => {}
        (Ok(_), Ok(_)) => problems.push("the JSON form reads back as a different module".into()),
        (_, Err(e)) => problems.push(format!(
            "the JSON form does not read back: {}:{}: {}",
            e.line, e.column, e.message
        )),
        (Err(_), _) => problems.push("the program does not parse".into()),
    }
    let json_file = tmp.join("roundtrip.json");
    fs::write(&json_file, &json).map_err(|e| e.to_string())?;
    let from_json = expect_success(
        "fmt (of the JSON form)",
        &mir14(&["fmt", "roundtrip.json"], &tmp, b""),
    )?;
    if from_json != text {
        problems.push(format!(
            "the JSON form does not convert back to the same text (fmt of the program -, of its JSON +):\n{}",
            diff(&text, &from_json)
        ));
    }
    let json_again = expect_success(
        "json (of the JSON form)",
        &mir14(&["json", "roundtrip.json"], &tmp, b""),
    )?;
    if json_again != json {
        problems.push(format!(
            "JSON is not a fixed point (first -, second +):\n{}",
            diff(&json, &json_again)
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n").into())
    }
}

/// `spec/tests/fmt/NAME.mir` with `NAME.fmt`.
fn fmt(path: &Path) -> Result<(), Failed> {
    let file = file_name(path);
    let expected_path = sibling(path, "fmt");
    let expected = read(&expected_path)?;
    let got = expect_success("fmt", &run_in(path, &["fmt", &file], b""))?;
    if got != expected {
        return Err(format!(
            "`mir14 fmt {file}` differs from {} (expected -, actual +):\n{}",
            file_name(&expected_path),
            diff(&expected, &got)
        )
        .into());
    }
    let fixed = expect_success(
        "fmt of the .fmt file",
        &run_in(path, &["fmt", &file_name(&expected_path)], b""),
    )?;
    if fixed != expected {
        return Err(format!(
            "the canonical text is not a fixed point (expected -, actual +):\n{}",
            diff(&expected, &fixed)
        )
        .into());
    }
    Ok(())
}

/// Records `bytes` in `path` for bless mode, with as little churn as possible: an existing file
/// is rewritten only if it differs; a missing file is created only if `bytes` is not what its
/// absence already means (`is_default`). Nothing is ever deleted.
fn bless_file(path: &Path, bytes: &[u8], is_default: bool) -> Result<(), Failed> {
    match read_opt(path)? {
        Some(existing) if existing == bytes => Ok(()),
        None if is_default => Ok(()),
        _ => fs::write(path, bytes)
            .map_err(|e| format!("cannot write {}: {e}", path.display()).into()),
    }
}

/// `spec/tests/run/**/NAME.mir` on one backend.
fn run(path: &Path, backend: &str, aot: &AotBatch) -> Result<(), Failed> {
    let file = file_name(path);
    let test = RunTest::load(path)?;
    let (program_args, stdin) = (&test.args, &test.stdin);
    let flags = test.flags.join(" ");
    let mut argv: Vec<&str> = vec!["run"];
    argv.extend(backend_flags(backend));
    argv.extend(test.flags.iter().map(String::as_str));
    argv.push(&file);
    argv.push("--");
    argv.extend(program_args.iter().map(String::as_str));
    let (o, command) = if backend == "aot" {
        // The executable built from `mir14 build [flags] NAME.mir`, run with the program args.
        match aot.executable(path)? {
            Built::Exe(exe) => {
                let o = program(&exe, program_args, dir_of(path), stdin);
                let command = format!(
                    "{} {} (built by `mir14 build {flags} {file}`)",
                    exe.display(),
                    program_args.join(" ")
                );
                (o, command)
            }
            Built::Refused(o) => (o, format!("mir14 build {flags} {file}")),
        }
    } else {
        (
            run_in(path, &argv, stdin),
            format!("mir14 {}", argv.join(" ")),
        )
    };

    if std::env::var_os("MIR14_BLESS").is_some_and(|v| v == "1") && backend == BLESS_BACKEND {
        let Some(code) = o.code().filter(|_| !o.timed_out()) else {
            return Err(format!("cannot bless: `{command}` {}", o.status).into());
        };
        bless_file(&sibling(path, "out"), &o.stdout, o.stdout.is_empty())?;
        bless_file(&sibling(path, "err"), &o.stderr, o.stderr.is_empty())?;
        let exit_path = sibling(path, "exit");
        if test.want_exit() != code {
            bless_file(&exit_path, format!("{code}\n").as_bytes(), code == 0)?;
        }
        return Ok(());
    }

    // How to name an expectation file in messages, noting when it is absent (= empty).
    let named = |ext: &str, present: bool| {
        let name = format!("{}.{ext}", stem(path));
        if present {
            name
        } else {
            format!("{name} (absent: empty)")
        }
    };
    let (out_name, err_name) = (
        named("out", test.out.is_some()),
        named("err", test.err.is_some()),
    );
    let (want_out, want_err, want_code) = (test.want_out(), test.want_err(), test.want_exit());
    let mut problems = Vec::new();
    if o.code() != Some(want_code) || o.timed_out() {
        problems.push(format!(
            "exit status: expected {want_code}, got {}",
            o.status
        ));
    }
    if o.stdout != want_out {
        problems.push(format!(
            "stdout differs from {out_name} (expected -, actual +):\n{}",
            diff(want_out, &o.stdout)
        ));
    }
    if o.stderr != want_err {
        problems.push(format!(
            "stderr differs from {err_name} (expected -, actual +):\n{}",
            diff(want_err, &o.stderr)
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "`{command}` in {}:\n{}",
            dir_of(path).display(),
            problems.join("\n")
        )
        .into())
    }
}

/// Checks of the harness's own parsing, run as the trial `harness_self_test` (this file has no
/// libtest harness, so `#[test]` functions would not run).
fn self_test() -> Result<(), Failed> {
    let src = "fn @f() {\nbb0:\n  %x = const 1 ; error: value %x ; error: twice\n  ret %y ; error: used but never defined\n}\n";
    let got = annotations(src);
    let want = vec![
        (3, "value %x".to_string()),
        (3, "twice".to_string()),
        (4, "used but never defined".to_string()),
    ];
    if got != want {
        return Err(format!("annotations: {got:?}").into());
    }
    let stderr = "t.mir:4:7: error: value %y is used but never defined\n  ret %y\n      ^^\nt.mir: error: in @f: x\nother.mir:1:1: error: no\n";
    let errs = reported_errors("t.mir", stderr);
    let ok = errs.len() == 2
        && errs[0].line == Some(4)
        && errs[0].col == 7
        && errs[0].message == "value %y is used but never defined"
        && errs[0].context == (Some("  ret %y".into()), Some("      ^^".into()))
        && errs[1].line.is_none()
        && errs[1].message == "in @f: x";
    if !ok {
        return Err(format!("reported_errors: {errs:?}").into());
    }
    let src = "  ret %y ; error: one ; error: two\n;     ^^\n; ^^^\nx\n;  ^ x\n";
    let wanted = annotations(src);
    let pins = caret_pins(src, &wanted);
    if pins != vec![Some((7, 8)), Some((3, 5))] {
        return Err(format!("caret_pins: {pins:?}").into());
    }
    let loose = [";  ^ x", "; ^ ^", "  ^", ";"];
    if loose.iter().any(|l| caret_columns(l).is_some()) {
        return Err("caret_columns accepts a line that is not a caret line".into());
    }
    if underlined("      ^^") != Some((7, 8)) || underlined("\t^") != Some((2, 2)) {
        return Err("underlined".into());
    }
    let d = diff(b"a\nb\nc\n", b"a\nB\nc");
    if d != "  a\n- b\n- c\n+ B\n+ c  <no newline at end>\n" {
        return Err(format!("diff:\n{d}").into());
    }
    Ok(())
}
