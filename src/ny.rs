//! The ny front end in the command-line tool: a file whose name ends in `.ny` is compiled to
//! MIR14 by `mir14-ny` before any command sees it. (`mir14 run prog.ny --emit-mir`, which prints
//! the MIR14 text instead of running it, is a flag of `run` in src/cli.rs.)

use crate::diag::{render_at, Severity};
use crate::load::{Loaded, Source};
use std::path::Path;

/// True if `path` names an ny source file (its name ends in `.ny`).
pub fn is_ny(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()) == Some("ny")
}

/// Compiles ny source `src` (read from `file`) to a module. Errors are rendered as
/// `file:line:col: error: message` with the source line and a caret line.
pub fn load_ny(file: String, src: String) -> Result<Loaded, String> {
    match mir14_ny::compile_with_map(&src) {
        // The module has no MIR text of its own: the source map holds the ny spans of the
        // instructions (backtrace positions in the ny source).
        Ok((module, map)) => Ok(Loaded {
            module,
            file,
            source: Source::Text(src, map),
        }),
        Err(e) => Err(render_at(
            &file,
            &src,
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
