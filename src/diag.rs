//! Rendering diagnostics for the tool: a thin user of `mir14-diag` (the renderer as a library)
//! that remembers `--color` and adds what the tool knows about the module: "did you mean" for
//! unknown names and the places a verifier error is related to.

pub use mir14_diag::{render_at, render_plain, Report, Severity};
use mir14_mir::{SourceMap, Span, VerifyError};
use std::io::IsTerminal;
use std::sync::OnceLock;

/// Whether diagnostics are coloured, fixed once by `--color` (see [`set_color`]).
static COLOR: OnceLock<bool> = OnceLock::new();

/// Resolves `--color auto|always|never` against stderr and `NO_COLOR`, once.
pub fn set_color(choice: mir14_diag::ColorChoice) {
    let _ = COLOR.set(choice.resolve(std::io::stderr().is_terminal()));
}

/// Whether diagnostics are coloured (never, unless [`set_color`] said so).
pub fn color() -> bool {
    COLOR.get().copied().unwrap_or(false)
}

/// Renders `report` about `src` (read from `file`) in the chosen colour mode.
pub fn render(file: &str, src: &str, report: &Report) -> String {
    mir14_diag::render(file, src, report, color())
}

/// A report for a parser error: the "did you mean" help for an unknown name.
pub fn parse_report(src: &str, span: Span, message: &str) -> Report {
    Report::error(message, Some(span)).with_help(mir14_diag::did_you_mean(message, src))
}

/// A report for verifier error `e` at `span` of the text: the places it is related to (the
/// definition a use is not dominated by, the loop declaration, the first of two duplicates)
/// become secondary labels.
pub fn verify_report(map: &SourceMap, e: &VerifyError, span: Span) -> Report {
    let mut report = Report::error(&e.message, Some(span));
    for (loc, what) in &e.related {
        if let Some(at) = map.span(*loc) {
            report = report.with_label(at, what.clone());
        }
    }
    report
}

/// `message` prefixed by the description of an entity, for readers without source positions
/// (JSON input: `in @f, block bb1, instruction 3: message`); the one description of locations
/// is `mir14_mir::display::describe_location`.
pub use mir14_mir::display::located_message;

#[cfg(test)]
mod tests {
    use super::*;
    use mir14_mir::{Function, Location, Module};

    #[test]
    fn plain_and_located_messages() {
        // The description itself is tested in `mir14_mir::display`, the layout in `mir14-diag`;
        // here, the message the loader prints for JSON input.
        let mut m = Module::new();
        let fid = m.functions.push(Function::new("main"));
        assert_eq!(
            located_message(&m, Location::Function(fid), "oops"),
            "in @main: oops"
        );
        assert_eq!(
            render_plain("x.json", Severity::Error, "m"),
            "x.json: error: m\n"
        );
    }

    #[test]
    fn dominance_errors_point_at_the_use_and_the_definition() {
        let src = "fn @main() {\nbb0:\n  %c = const true\n  branch %c, a, b\na:\n  %x = const 1\n  jump b\nb:\n  ret %x\n}\n";
        let (m, map) = mir14_mir::parse(src).unwrap();
        let errors = mir14_mir::verify(&m).unwrap_err();
        let e = &errors[0];
        let span = map.span(e.location).unwrap();
        let report = verify_report(&map, e, span);
        let got = mir14_diag::render("t.mir", src, &report, false);
        assert_eq!(
            got,
            "t.mir:9:7: error: use of `%x` is not dominated by its definition\n  ret %x\n      ^^\n\
             t.mir:6:3: note: `%x` is defined here\n  %x = const 1\n  ^^\n"
        );
        let help = parse_report(src, Span::new(0, 1), "unknown function `@mian`").help;
        assert_eq!(help.as_deref(), Some("did you mean `@main`?"));
    }
}
