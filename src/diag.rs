//! Rendering diagnostics: `file:line:col: error: message`, the source line, and a caret line.
//!
//! Lines and columns are 1-based; columns count Unicode scalar values (as [`line_col`] does).
//! The caret line copies the tabs of the source line so that the carets stay under the span
//! whatever the tab width. A span that runs past its first line is underlined to the end of that
//! line; an empty span (end of input, for example) gets one caret.

use mir14_mir::{line_col, Span};
use std::fmt::Write as _;

/// How serious a diagnostic is.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Severity {
    /// Makes the command fail with exit status 2.
    Error,
    /// Informational; the exit status is unchanged.
    Warning,
}

impl Severity {
    /// `error` or `warning`.
    pub fn word(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// The largest char boundary of `src` at or below `i` (clamped to the text).
fn floor_boundary(src: &str, i: usize) -> usize {
    let mut i = i.min(src.len());
    while !src.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// `file:line:col: severity: message` for the start of `span`, then (if `caret`) the source line
/// and a caret line under the span. Every line ends with `\n`.
pub fn render_at(
    file: &str,
    src: &str,
    span: Span,
    severity: Severity,
    message: &str,
    caret: bool,
) -> String {
    let start = floor_boundary(src, span.start as usize);
    let end = floor_boundary(src, (span.end as usize).max(start));
    let (line, col) = line_col(src, start);
    let mut out = String::new();
    let _ = writeln!(out, "{file}:{line}:{col}: {}: {message}", severity.word());
    if caret {
        let line_start = src[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = src[start..].find('\n').map_or(src.len(), |i| start + i);
        let text = src[line_start..line_end].trim_end_matches('\r');
        out.push_str(text);
        out.push('\n');
        // Pad with the same whitespace kind as the source so carets align under tabs.
        for c in src[line_start..start].chars() {
            out.push(if c == '\t' { '\t' } else { ' ' });
        }
        let underlined = src[start..end.min(line_end)]
            .trim_end_matches('\r')
            .chars()
            .count();
        out.push_str(&"^".repeat(underlined.max(1)));
        out.push('\n');
    }
    out
}

/// `file: severity: message` for a diagnostic without a position.
pub fn render_plain(file: &str, severity: Severity, message: &str) -> String {
    format!("{file}: {}: {message}\n", severity.word())
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
    fn caret_under_span() {
        let src = "fn @main() {\nbb0:\n  %x = const 1,\n}\n";
        let start = src.find(',').unwrap();
        let got = render_at(
            "p.mir",
            src,
            Span::new(start, start + 1),
            Severity::Error,
            "expected `}`, found `,`",
            true,
        );
        assert_eq!(
            got,
            "p.mir:3:15: error: expected `}`, found `,`\n  %x = const 1,\n              ^\n"
        );
    }

    #[test]
    fn caret_run_for_a_wide_span_with_tabs_and_unicode() {
        let src = "\t\"é\" %abc\n";
        let start = src.find('%').unwrap();
        let got = render_at(
            "f",
            src,
            Span::new(start, start + 4),
            Severity::Warning,
            "m",
            true,
        );
        assert_eq!(got, "f:1:6: warning: m\n\t\"é\" %abc\n\t    ^^^^\n");
    }

    #[test]
    fn span_at_end_of_input_and_multiline_span() {
        let src = "box P {";
        let got = render_at("f", src, Span::new(7, 7), Severity::Error, "m", true);
        assert_eq!(got, "f:1:8: error: m\nbox P {\n       ^\n");
        let src = "ab\ncd\n";
        let got = render_at("f", src, Span::new(1, 5), Severity::Error, "m", true);
        assert_eq!(got, "f:1:2: error: m\nab\n ^\n");
        // Out-of-range and mid-character spans are clamped, never a panic.
        let got = render_at("f", "é", Span::new(1, 99), Severity::Error, "m", true);
        assert_eq!(got, "f:1:1: error: m\né\n^\n");
        let got = render_at("f", "", Span::new(5, 1), Severity::Error, "m", false);
        assert_eq!(got, "f:1:1: error: m\n");
    }

    #[test]
    fn crlf_line_endings_are_not_echoed() {
        let src = "ab\r\ncd\r\n";
        let got = render_at("f", src, Span::new(0, 4), Severity::Error, "m", true);
        assert_eq!(got, "f:1:1: error: m\nab\n^^\n");
    }

    #[test]
    fn plain_and_located_messages() {
        // The description itself is tested in `mir14_mir::display`; here, the message the
        // loader prints for JSON input.
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
}
