//! Every `.mir` file under `spec/tests/` goes through the text and JSON forms: programs under
//! `run/` and `valid/` parse, format to a fixed point that parses to an equal module, and
//! round-trip through JSON; files under `invalid/` must not make the parser panic.

use mir14_harness::spec::{mir_files, spec_tests_dir};
use mir14_mir::json::{from_json, to_json};
use mir14_mir::{line_col, parse, print};

#[test]
fn spec_programs_round_trip() {
    let root = spec_tests_dir();
    let files = mir_files(&root, true);
    assert!(!files.is_empty(), "no .mir files under {}", root.display());
    let mut failures = Vec::new();
    for path in &files {
        let src = std::fs::read_to_string(path).expect("readable");
        let rel = path
            .strip_prefix(&root)
            .unwrap_or(path)
            .display()
            .to_string();
        let must_parse = !rel.starts_with("invalid");
        match parse(&src) {
            Ok((m, _)) => {
                let text = print(&m);
                match parse(&text) {
                    Ok((m2, _)) if m2 == m && print(&m2) == text => {}
                    _ => failures.push(format!("{rel}: printed text does not round-trip")),
                }
                if from_json(&to_json(&m)).as_ref() != Ok(&m) {
                    failures.push(format!("{rel}: JSON does not round-trip"));
                }
            }
            Err(errs) if must_parse => {
                for e in errs {
                    let (l, c) = line_col(&src, e.span.start as usize);
                    failures.push(format!("{rel}:{l}:{c}: {}", e.message));
                }
            }
            Err(_) => {}
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
