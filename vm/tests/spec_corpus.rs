//! Runs every program of spec/tests/run on the interpreter, in process, and compares stdout,
//! stderr and the exit status with the expected files beside it.
//!
//! A program with a `NAME.flags` file (limits written as `mir14 run` flags) is left to the
//! conformance harness (tests/spec.rs), which passes those flags to the real command line on
//! every backend: this test does not parse command-line flags.

mod common;

use mir14_harness::spec::{mir_files, spec_tests_dir, RunTest};
use mir14_rt::DebugInfo;
use mir14_vm::{run_captured, Config};

#[test]
fn spec_run_corpus() {
    let files = mir_files(&spec_tests_dir().join("run"), true);
    let only = std::env::var("SPEC_FILTER").unwrap_or_default();
    let mut failures = Vec::new();
    let mut ran = 0;
    let mut with_flags = 0;
    for f in &files {
        if !f.to_string_lossy().contains(&only) {
            continue;
        }
        let test = RunTest::load(f).unwrap_or_else(|e| panic!("{e}"));
        if !test.flags.is_empty() {
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
        // Backtraces name the file as the conformance harness runs it: its bare name.
        let Ok((_, map)) = mir14_mir::parse(&src) else {
            continue;
        };
        let name = f.file_name().unwrap_or_default().to_string_lossy();
        let debug = DebugInfo::from_source_map(&name, &src, &module, &map);
        let config = Config {
            args: test.args.clone(),
            debug: Some(std::sync::Arc::new(debug)),
            ..Config::default()
        };
        let out = run_captured(&module, &config, &test.stdin);
        ran += 1;
        let (eo, ee, exit) = (test.want_out(), test.want_err(), test.want_exit());
        if out.stdout != eo || out.stderr != ee || out.status != exit {
            failures.push(format!(
                "{}:\n  stdout {:?}\n  want   {:?}\n  stderr {:?}\n  want   {:?}\n  status {} want {}",
                f.display(),
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(eo),
                String::from_utf8_lossy(&out.stderr),
                String::from_utf8_lossy(ee),
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
