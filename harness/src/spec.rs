//! The conformance suite's layout (spec/MIR14.md §8): where it is, which programs it holds, and
//! what a run test expects.
//!
//! A run test `run/**/NAME.mir` has optional files beside it: `NAME.flags` (run flags, split at
//! white space), `NAME.args` (program arguments, one a line), `NAME.in` (stdin), and the
//! expectations `NAME.out`, `NAME.err` (absent: empty) and `NAME.exit` (a decimal exit status;
//! absent: 0).
//!
//! A test that calls C functions (spec §Imports) may have a C source beside it: in its
//! `.flags`, `--lib X.so` where `X.c` is a file of the test's directory names the shared library
//! built from `X.c` (with `$CC`, else `cc`, into a cache under the temporary directory), and the
//! flag is rewritten to that library's absolute path.

use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

/// The conformance suite's directory, `spec/tests/` of this repository.
pub fn spec_tests_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("spec")
        .join("tests")
}

/// The `.mir` files of `dir` (and of its subdirectories if `recursive`), sorted; none if `dir`
/// cannot be read.
pub fn mir_files(dir: &Path, recursive: bool) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = all_files(dir, recursive)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "mir"))
        .collect();
    found.sort();
    found
}

/// The run-test programs of `dir` (and of its subdirectories if `recursive`), sorted: `.mir`
/// files and Nyash programs (`.hako`, compiled by the frontend; spec §8).
pub fn program_files(dir: &Path, recursive: bool) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = all_files(dir, recursive)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "mir" || e == "hako"))
        .collect();
    found.sort();
    found
}

/// Every file of `dir` (and of its subdirectories if `recursive`), sorted.
pub fn all_files(dir: &Path, recursive: bool) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = fs::read_dir(dir) else {
        return found;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if recursive {
                found.extend(all_files(&path, true));
            }
        } else {
            found.push(path);
        }
    }
    found.sort();
    found
}

/// Reads an optional file: `None` if it does not exist, an error if it cannot be read.
pub fn read_opt(path: &Path) -> Result<Option<Vec<u8>>, String> {
    match fs::read(path) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

/// A run test with its inputs and expectations, as read from the files beside it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunTest {
    /// The program, `NAME.mir`.
    pub path: PathBuf,
    /// The run flags of `NAME.flags` (e.g. `--fuel 100`), in order.
    pub flags: Vec<String>,
    /// The program arguments of `NAME.args`.
    pub args: Vec<String>,
    /// The standard input, `NAME.in`.
    pub stdin: Vec<u8>,
    /// The expected stdout, `NAME.out`, if present (absent: empty).
    pub out: Option<Vec<u8>>,
    /// The expected stderr, `NAME.err`, if present (absent: empty).
    pub err: Option<Vec<u8>>,
    /// The expected exit status, `NAME.exit`, if present (absent: 0).
    pub exit: Option<i32>,
}

impl RunTest {
    /// Reads the files beside the program `path`; an error names a file that cannot be read or
    /// an `.exit` file that does not hold a decimal exit status.
    pub fn load(path: &Path) -> Result<RunTest, String> {
        let sibling = |ext: &str| read_opt(&path.with_extension(ext));
        let flags = sibling("flags")?
            .map(|b| {
                String::from_utf8_lossy(&b)
                    .split_whitespace()
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        let flags = with_built_libs(path, flags)?;
        let exit =
            match sibling("exit")? {
                None => None,
                Some(b) => Some(String::from_utf8_lossy(&b).trim().parse::<i32>().map_err(
                    |_| {
                        format!(
                            "{} does not hold a decimal exit status",
                            path.with_extension("exit").display()
                        )
                    },
                )?),
            };
        Ok(RunTest {
            path: path.to_path_buf(),
            flags,
            args: args_of(&sibling("args")?.unwrap_or_default()),
            stdin: sibling("in")?.unwrap_or_default(),
            out: sibling("out")?,
            err: sibling("err")?,
            exit,
        })
    }

    /// The expected stdout (empty when `NAME.out` is absent).
    pub fn want_out(&self) -> &[u8] {
        self.out.as_deref().unwrap_or_default()
    }

    /// The expected stderr (empty when `NAME.err` is absent).
    pub fn want_err(&self) -> &[u8] {
        self.err.as_deref().unwrap_or_default()
    }

    /// The expected exit status (0 when `NAME.exit` is absent).
    pub fn want_exit(&self) -> i32 {
        self.exit.unwrap_or(0)
    }
}

/// Rewrites each `--lib X.so` (or `--lib=X.so`) of `flags` whose `X.c` is beside the test
/// `path` into the absolute path of the library built from it.
fn with_built_libs(path: &Path, flags: Vec<String>) -> Result<Vec<String>, String> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let source_of = |lib: &str| -> Option<PathBuf> {
        let stem = lib.strip_suffix(".so")?;
        let c = dir.join(format!("{stem}.c"));
        (!stem.contains('/') && c.is_file()).then_some(c)
    };
    let mut out = Vec::with_capacity(flags.len());
    let mut after_lib = false;
    for f in flags {
        let rewritten = if after_lib {
            match source_of(&f) {
                Some(c) => c_library(&c)?.to_string_lossy().into_owned(),
                None => f,
            }
        } else if let Some(lib) = f.strip_prefix("--lib=") {
            match source_of(lib) {
                Some(c) => format!("--lib={}", c_library(&c)?.display()),
                None => f,
            }
        } else {
            f
        };
        after_lib = rewritten == "--lib";
        out.push(rewritten);
    }
    Ok(out)
}

/// The shared library built from the C source `c`: `cc -shared -fPIC -O1 c -lm`, cached by the
/// source's contents under `$TMPDIR/mir14-spec-clibs/` (built under a private name and renamed
/// into place, so concurrent test processes never see half a library).
pub fn c_library(c: &Path) -> Result<PathBuf, String> {
    use std::hash::{Hash, Hasher};
    let src = fs::read(c).map_err(|e| format!("cannot read {}: {e}", c.display()))?;
    let mut h = std::collections::hash_map::DefaultHasher::new();
    src.hash(&mut h);
    let stem = c.file_stem().unwrap_or_default().to_string_lossy();
    let dir = std::env::temp_dir().join("mir14-spec-clibs");
    fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let lib = dir.join(format!("{stem}-{:016x}.so", h.finish()));
    if lib.is_file() {
        return Ok(lib);
    }
    let tmp = dir.join(format!(
        "{stem}-{}-{:?}.so.tmp",
        std::process::id(),
        std::thread::current().id()
    ));
    let cc = std::env::var_os("CC").unwrap_or_else(|| "cc".into());
    let out = std::process::Command::new(&cc)
        .args(["-shared", "-fPIC", "-O1", "-o"])
        .arg(&tmp)
        .arg(c)
        .arg("-lm")
        .output()
        .map_err(|e| format!("cannot run the C compiler {}: {e}", cc.to_string_lossy()))?;
    if !out.status.success() {
        let _ = fs::remove_file(&tmp);
        return Err(format!(
            "cannot build {}: {}",
            c.display(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    fs::rename(&tmp, &lib).map_err(|e| format!("cannot create {}: {e}", lib.display()))?;
    Ok(lib)
}

/// The lines of a `.args` file: one argument per line; a final newline ends the last one.
pub fn args_of(bytes: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(bytes);
    let text = text.strip_suffix('\n').unwrap_or(&text);
    if text.is_empty() && bytes.is_empty() {
        return Vec::new();
    }
    text.split('\n').map(str::to_string).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn args_are_lines() {
        assert_eq!(args_of(b""), Vec::<String>::new());
        assert_eq!(args_of(b"\n"), vec![String::new()]);
        assert_eq!(args_of(b"a b\nc"), vec!["a b", "c"]);
        assert_eq!(args_of(b"a\n\nb\n"), vec!["a", "", "b"]);
    }

    #[test]
    fn the_suite_is_found_and_walked() {
        let root = spec_tests_dir();
        let run = mir_files(&root.join("run"), true);
        assert!(run.len() > 100, "{} run tests", run.len());
        let mut sorted = run.clone();
        sorted.sort();
        assert_eq!(run, sorted);
        let top = mir_files(&root.join("run"), false);
        assert!(top.len() < run.len());
        assert!(mir_files(&root.join("no-such-dir"), true).is_empty());
        let programs = program_files(&root.join("run"), true);
        assert!(programs.len() > run.len(), "no .hako run tests");
    }

    #[test]
    fn a_run_test_loads_with_defaults_and_flags() {
        let dir = std::env::temp_dir().join(format!("mir14-harness-spec-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let p = dir.join("t.mir");
        fs::write(&p, "").unwrap();
        let t = RunTest::load(&p).unwrap();
        assert_eq!(
            (t.want_out(), t.want_err(), t.want_exit()),
            (&b""[..], &b""[..], 0)
        );
        assert!(t.flags.is_empty() && t.args.is_empty() && t.out.is_none());
        fs::write(dir.join("t.flags"), "--fuel 10 --max-depth=3\n").unwrap();
        fs::write(dir.join("t.exit"), "7\n").unwrap();
        fs::write(dir.join("t.out"), "x\n").unwrap();
        fs::write(dir.join("t.args"), "a\nb c\n").unwrap();
        let t = RunTest::load(&p).unwrap();
        assert_eq!(t.flags, vec!["--fuel", "10", "--max-depth=3"]);
        assert_eq!((t.want_exit(), t.want_out()), (7, &b"x\n"[..]));
        assert_eq!(t.args, vec!["a", "b c"]);
        fs::write(dir.join("lib1.c"), "long one(void) { return 1; }\n").unwrap();
        fs::write(dir.join("t.flags"), "--lib lib1.so --lib=lib1.so --lib m\n").unwrap();
        let t = RunTest::load(&p).unwrap();
        assert!(t.flags[1].ends_with(".so") && Path::new(&t.flags[1]).is_absolute());
        assert!(t.flags[2].starts_with("--lib=/") && t.flags[4] == "m");
        fs::write(dir.join("t.exit"), "seven\n").unwrap();
        assert!(RunTest::load(&p)
            .unwrap_err()
            .ends_with("t.exit does not hold a decimal exit status"));
        let _ = fs::remove_dir_all(&dir);
    }
}
