//! The Nyash front end in the command-line tool: a file whose name ends in `.hako`, `.nyash` or
//! `.ny` is compiled to MIR14 by `mir14-ny` before any command sees it, and
//! `mir14 run prog.hako --emit-mir` prints the MIR14 text instead of running (it is
//! `mir14 fmt prog.hako`).

use crate::diag::{render_at, Severity};
use crate::load::{Loaded, Source};
use std::path::Path;

/// True if `path` names a Nyash source file (its name ends in `.hako`, `.nyash` or `.ny`).
pub fn is_ny(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("hako" | "nyash" | "ny")
    )
}

/// Compiles Nyash source `src` (read from `file`; `using` paths are resolved from there) to a
/// module. Errors are rendered as `file:line:col: error: message` with the source line and a
/// caret line (in the imported file for an error there).
pub fn load_ny(file: String, src: String) -> Result<Loaded, String> {
    match mir14_ny::compile_file_with_map(Some(Path::new(&file)), &src) {
        // The source map holds the Nyash positions of the instructions (for backtraces).
        Ok((module, map, imported)) => Ok(Loaded {
            module,
            file,
            source: Source::Text(src, map),
            imported,
        }),
        Err(e) => Err(render_at(
            e.file.as_ref().map_or(&file, |f| &f.0),
            e.file.as_ref().map_or(&src, |f| &f.1),
            e.span,
            Severity::Error,
            &e.message,
            true,
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ny_files_compile_and_report_errors_with_positions() {
        assert!(is_ny(Path::new("a/b.ny")));
        assert!(!is_ny(Path::new("b.mir")));
        let ok = load_ny("p.ny".into(), "function main() { print(1) }".into()).ok();
        assert!(ok.is_some_and(|l| l.module.function_by_name("main").is_some()));
        let err = load_ny("p.ny".into(), "function main() {\n  print(x)\n}\n".into())
            .err()
            .unwrap_or_default();
        assert_eq!(
            err,
            "p.ny:2:9: error: unknown variable x\n  print(x)\n        ^\n"
        );
    }
}
