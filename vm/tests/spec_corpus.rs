//! Runs every program of spec/tests/run on the interpreter, in process, and compares stdout,
//! stderr and the exit status with the expected files beside it.
//!
//! A program with a `NAME.flags` file (limits written as `mir14 run` flags) is left to the
//! conformance harness (tests/spec.rs), which passes those flags to the real command line on
//! every backend: this test does not parse command-line flags.

mod common;

use mir14_vm::{run_captured, Config};
use std::path::{Path, PathBuf};

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|x| x == "mir") {
            out.push(p);
        }
    }
}

fn read(p: PathBuf) -> Vec<u8> {
    std::fs::read(p).unwrap_or_default()
}

#[test]
fn spec_run_corpus() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/tests/run");
    let mut files = Vec::new();
    collect(&root, &mut files);
    files.sort();
    let only = std::env::var("SPEC_FILTER").unwrap_or_default();
    let mut failures = Vec::new();
    let mut ran = 0;
    let mut with_flags = 0;
    for f in &files {
        if !f.to_string_lossy().contains(&only) {
            continue;
        }
        let with = |ext: &str| f.with_extension(ext);
        if with("flags").exists() {
            with_flags += 1;
            continue;
        }
        let src = std::fs::read_to_string(f).unwrap();
        let module = match common::parse(&src) {
            Ok(m) => m,
            Err(e) => {
                failures.push(format!("{}: parse error {e}", f.display()));
                continue;
            }
        };
        let mut config = Config::default();
        let args = String::from_utf8(read(with("args"))).unwrap();
        config.args = args.lines().map(str::to_owned).collect();
        let out = run_captured(&module, &config, &read(with("in")));
        ran += 1;
        let exit: i32 = String::from_utf8(read(with("exit")))
            .unwrap()
            .trim()
            .parse()
            .unwrap_or(0);
        let (eo, ee) = (read(with("out")), read(with("err")));
        if out.stdout != eo || out.stderr != ee || out.status != exit {
            failures.push(format!(
                "{}:\n  stdout {:?}\n  want   {:?}\n  stderr {:?}\n  want   {:?}\n  status {} want {}",
                f.display(),
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&eo),
                String::from_utf8_lossy(&out.stderr),
                String::from_utf8_lossy(&ee),
                out.status,
                exit
            ));
        }
    }
    eprintln!("ran {ran} spec programs ({with_flags} with flags left to tests/spec.rs)");
    assert!(ran > 0 || !only.is_empty(), "no spec programs found");
    assert!(
        failures.is_empty(),
        "{} of {} failed:\n{}",
        failures.len(),
        ran,
        failures.join("\n")
    );
}
