//! `mir14-diag`: diagnostics for MIR14 tools, as a library.
//!
//! A [`Report`] is one problem: a severity, a message, the primary span, optional secondary
//! [`Label`]s (the definition that does not dominate a use, say), notes and a "did you mean"
//! help. [`render`] turns it into text for a terminal or a file:
//!
//! - **Plain** (no colour): the layout of spec §7 that the conformance tests pin:
//!   `file:line:col: error: message`, the source line as written, and a caret line with `^` under
//!   the span (tabs copied so carets align); then each secondary label in the same three-line
//!   shape with `note:`, and `  = note: ...` / `  = help: ...` lines.
//! - **Colour** (a terminal, or `--color always`): the same first line, in colour, then the
//!   source snippet drawn by [codespan-reporting] with the primary and secondary labels, notes
//!   and help. codespan-reporting was chosen over ariadne because it renders to any
//!   `termcolor::WriteColor` or string without global state, supports secondary labels and notes
//!   in the same model, and its plain layout is close to rustc's, which MIR14's users know.
//!
//! Whether to colour is [`ColorChoice::resolve`]: `always`, `never`, or `auto` = a terminal and
//! no `NO_COLOR` in the environment (any non-empty value, see no-color.org).
//!
//! The first line is the same in both styles, so tools and tests can match
//! `file:line:col: error: message` whatever the output goes to.
//!
//! [codespan-reporting]: https://docs.rs/codespan-reporting

use codespan_reporting::diagnostic as cs;
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term::termcolor::{Ansi, Color, ColorSpec, WriteColor};
use codespan_reporting::term::{self, Config, Styles, StylesWriter};
use mir14_mir::{line_col, Span};
use std::fmt::Write as _;
use std::io::Write as _;

/// How serious a diagnostic is.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
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

/// `--color auto|always|never`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Default)]
pub enum ColorChoice {
    /// Colour on a terminal, unless `NO_COLOR` is set to a non-empty value.
    #[default]
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

impl ColorChoice {
    /// Whether to colour output that goes to a terminal (`is_terminal`) or not.
    pub fn resolve(self, is_terminal: bool) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        }
    }
}

/// A secondary place in the source with what it has to do with the problem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    /// Where.
    pub span: Span,
    /// What is there (`%x is defined here`).
    pub message: String,
}

/// One problem to show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// Error or warning.
    pub severity: Severity,
    /// The message of the first line.
    pub message: String,
    /// The primary span; `None` renders `file: error: message` without a source line.
    pub span: Option<Span>,
    /// Further places worth showing.
    pub secondary: Vec<Label>,
    /// Extra explanations, one line each.
    pub notes: Vec<String>,
    /// A suggestion (``did you mean `@fib`?``).
    pub help: Option<String>,
}

impl Report {
    /// An error at `span` (or without position).
    pub fn error(message: impl Into<String>, span: Option<Span>) -> Report {
        Report {
            severity: Severity::Error,
            message: message.into(),
            span,
            secondary: Vec::new(),
            notes: Vec::new(),
            help: None,
        }
    }

    /// The same report with `severity`.
    pub fn with_severity(mut self, severity: Severity) -> Report {
        self.severity = severity;
        self
    }

    /// Adds a secondary label.
    pub fn with_label(mut self, span: Span, message: impl Into<String>) -> Report {
        self.secondary.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    /// Adds a note.
    pub fn with_note(mut self, note: impl Into<String>) -> Report {
        self.notes.push(note.into());
        self
    }

    /// Sets the help line.
    pub fn with_help(mut self, help: Option<String>) -> Report {
        self.help = help;
        self
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

/// `span` clamped into `src` on char boundaries, `end >= start`.
fn clamp(src: &str, span: Span) -> (usize, usize) {
    let start = floor_boundary(src, span.start as usize);
    let end = floor_boundary(src, (span.end as usize).max(start));
    (start, end)
}

/// `file:line:col: severity: message` for the start of `span`, then (if `caret`) the source line
/// and a caret line under the span. Every line ends with `\n`. Lines and columns are 1-based;
/// columns count Unicode scalar values. A span that runs past its first line is underlined to
/// the end of that line; an empty span gets one caret.
pub fn render_at(
    file: &str,
    src: &str,
    span: Span,
    severity: Severity,
    message: &str,
    caret: bool,
) -> String {
    let (start, end) = clamp(src, span);
    let (line, col) = line_col(src, start);
    let mut out = String::new();
    let _ = writeln!(out, "{file}:{line}:{col}: {}: {message}", severity.word());
    if caret {
        out.push_str(&snippet(src, start, end));
    }
    out
}

/// The source line of `start` and a caret line under `start..end` (spec §7).
fn snippet(src: &str, start: usize, end: usize) -> String {
    let line_start = src[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = src[start..].find('\n').map_or(src.len(), |i| start + i);
    let text = src[line_start..line_end].trim_end_matches('\r');
    let mut out = String::new();
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
    out
}

/// `file: severity: message` for a diagnostic without a position.
pub fn render_plain(file: &str, severity: Severity, message: &str) -> String {
    format!("{file}: {}: {message}\n", severity.word())
}

/// Renders `report` about `src` (named `file`), coloured or not (see the crate docs).
pub fn render(file: &str, src: &str, report: &Report, color: bool) -> String {
    if color {
        render_color(file, src, report)
    } else {
        render_uncoloured(file, src, report)
    }
}

/// The plain style: spec §7's three lines, then secondary labels, notes and help.
fn render_uncoloured(file: &str, src: &str, report: &Report) -> String {
    let Some(span) = report.span else {
        let mut out = render_plain(file, report.severity, &report.message);
        tail(&mut out, report);
        return out;
    };
    let mut out = render_at(file, src, span, report.severity, &report.message, true);
    for l in &report.secondary {
        let (start, end) = clamp(src, l.span);
        let (line, col) = line_col(src, start);
        let _ = writeln!(out, "{file}:{line}:{col}: note: {}", l.message);
        out.push_str(&snippet(src, start, end));
    }
    tail(&mut out, report);
    out
}

/// The `= note:` and `= help:` lines.
fn tail(out: &mut String, report: &Report) {
    for n in &report.notes {
        let _ = writeln!(out, "  = note: {n}");
    }
    if let Some(h) = &report.help {
        let _ = writeln!(out, "  = help: {h}");
    }
}

/// The colour style: the first line in colour, then codespan-reporting's snippet.
fn render_color(file: &str, src: &str, report: &Report) -> String {
    let mut w = Ansi::new(Vec::new());
    let sev_color = match report.severity {
        Severity::Error => Color::Red,
        Severity::Warning => Color::Yellow,
    };
    let place = match report.span {
        Some(span) => {
            let (line, col) = line_col(src, clamp(src, span).0);
            format!("{file}:{line}:{col}: ")
        }
        None => format!("{file}: "),
    };
    let _ = w.set_color(ColorSpec::new().set_bold(true));
    let _ = write!(w, "{place}");
    let _ = w.set_color(ColorSpec::new().set_bold(true).set_fg(Some(sev_color)));
    let _ = write!(w, "{}", report.severity.word());
    let _ = w.set_color(ColorSpec::new().set_bold(true));
    let _ = write!(w, ": {}", report.message);
    let _ = w.reset();
    let _ = writeln!(w);
    let files = SimpleFile::new(file, src);
    let mut labels = Vec::new();
    if let Some(span) = report.span {
        let (s, e) = clamp(src, span);
        labels.push(cs::Label::primary((), s..e));
    }
    for l in &report.secondary {
        let (s, e) = clamp(src, l.span);
        labels.push(cs::Label::secondary((), s..e).with_message(&l.message));
    }
    let mut notes = report.notes.clone();
    if let Some(h) = &report.help {
        notes.push(format!("help: {h}"));
    }
    let severity = match report.severity {
        Severity::Error => cs::Severity::Error,
        Severity::Warning => cs::Severity::Warning,
    };
    let diagnostic = cs::Diagnostic::new(severity)
        .with_message(&report.message)
        .with_labels(labels)
        .with_notes(notes);
    let styles = Styles::default();
    let mut body = Ansi::new(Vec::new());
    let rendered = term::emit_to_write_style(
        &mut StylesWriter::new(&mut body, &styles),
        &Config::default(),
        &files,
        &diagnostic,
    );
    let body = String::from_utf8_lossy(&body.into_inner()).into_owned();
    let mut out = String::from_utf8_lossy(&w.into_inner()).into_owned();
    if rendered.is_ok() {
        // codespan's own header repeats the message: the first line above replaces it.
        if let Some(i) = body.find('\n') {
            out.push_str(&body[i + 1..]);
        }
    }
    out
}

/// The candidate closest to `name` by edit distance, if it is close enough to be a likely typo
/// (at most a third of the name's length, and at least 1; ties go to the first candidate).
pub fn suggest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .filter(|c| *c != name)
        .map(|c| (edit_distance(name, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c.to_owned())
}

/// The edit distance between two strings, in characters: insertions, deletions, substitutions
/// and transpositions of two neighbours (`mian` → `main`) each count 1 (optimal string
/// alignment).
pub fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    // d[i][j]: the distance between a[..i] and b[..j].
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[a.len()][b.len()]
}

/// A "did you mean" help for a parser message ``unknown <what> `<name>` `` about the text
/// `src`: the closest function (`fn @f`), box (`box B`), block label of the text, or extern
/// name, quoted like the message quotes names (``did you mean `@fib`?``).
pub fn did_you_mean(message: &str, src: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown ")?;
    let (what, name) = rest.split_once(' ')?;
    let name = name.strip_prefix('`')?.strip_suffix('`')?;
    let words = || src.split(|c: char| c.is_whitespace() || "(){}[],:=".contains(c));
    let candidates: Vec<String> = match what {
        "function" => {
            let name = name.strip_prefix('@')?;
            let found = words()
                .filter_map(|w| w.strip_prefix('@'))
                .map(|w| w.split(['(', ')']).next().unwrap_or(w).to_owned());
            return suggest(name, found.collect::<Vec<_>>().iter().map(|s| s.as_str()))
                .map(|s| format!("did you mean `@{s}`?"));
        }
        "box" => {
            let toks: Vec<&str> = words().filter(|w| !w.is_empty()).collect();
            toks.windows(2)
                .filter(|w| w[0] == "box")
                .map(|w| w[1].to_owned())
                .collect()
        }
        "block" => src
            .lines()
            .filter_map(|l| l.trim().strip_suffix(':'))
            .filter(|l| !l.contains(' '))
            .map(str::to_owned)
            .collect(),
        "extern" => mir14_mir::ExternFn::ALL
            .iter()
            .map(|e| e.name().to_owned())
            .collect(),
        _ => return None,
    };
    suggest(name, candidates.iter().map(|s| s.as_str())).map(|s| format!("did you mean `{s}`?"))
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn reports_with_labels_notes_and_help() {
        let src = "a\n  use %x\n  %x = 1\n";
        let use_at = src.find("%x").unwrap();
        let def_at = src.rfind("%x").unwrap();
        let r = Report::error(
            "use of %x is not dominated",
            Some(Span::new(use_at, use_at + 2)),
        )
        .with_label(Span::new(def_at, def_at + 2), "%x is defined here")
        .with_note("a definition must dominate its uses")
        .with_help(Some("move the definition".into()));
        let plain = render("f.mir", src, &r, false);
        assert_eq!(
            plain,
            "f.mir:2:7: error: use of %x is not dominated\n  use %x\n      ^^\n\
             f.mir:3:3: note: %x is defined here\n  %x = 1\n  ^^\n\
             \x20 = note: a definition must dominate its uses\n  = help: move the definition\n"
        );
        let coloured = render("f.mir", src, &r, true);
        assert!(coloured.contains("\x1b["), "{coloured}");
        // The first line carries the same text, only coloured.
        let first = coloured.lines().next().unwrap();
        let stripped: String = strip_ansi(first);
        assert_eq!(stripped, "f.mir:2:7: error: use of %x is not dominated");
        assert!(coloured.contains("%x is defined here"), "{coloured}");
        assert!(coloured.contains("help: move the definition"), "{coloured}");
        let none = Report::error("no position", None);
        assert_eq!(render("f", "", &none, false), "f: error: no position\n");
    }

    fn strip_ansi(s: &str) -> String {
        let mut out = String::new();
        let mut it = s.chars();
        while let Some(c) = it.next() {
            if c == '\x1b' {
                for d in it.by_ref() {
                    if d == 'm' {
                        break;
                    }
                }
            } else {
                out.push(c);
            }
        }
        out
    }

    #[test]
    fn color_choice() {
        assert!(ColorChoice::Always.resolve(false));
        assert!(!ColorChoice::Never.resolve(true));
        assert!(!ColorChoice::Auto.resolve(false));
    }

    #[test]
    fn suggestions() {
        let src =
            "box Point {}\nfn @fib(%n) {\nentry:\n  ret %n\n}\nfn @main() {\nbb0:\n  ret\n}\n";
        assert_eq!(
            did_you_mean("unknown function `@fob`", src).as_deref(),
            Some("did you mean `@fib`?")
        );
        assert_eq!(
            did_you_mean("unknown box `Pont`", src).as_deref(),
            Some("did you mean `Point`?")
        );
        assert_eq!(
            did_you_mean("unknown block `entri`", src).as_deref(),
            Some("did you mean `entry`?")
        );
        assert_eq!(
            did_you_mean("unknown extern `env.console.lg`", src).as_deref(),
            Some("did you mean `env.console.log`?")
        );
        assert_eq!(did_you_mean("unknown function `@zzzzzz`", src), None);
        // Unquoted names are not this message.
        assert_eq!(did_you_mean("unknown function @fob", src), None);
        assert_eq!(did_you_mean("expected `=`", src), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("mian", "main"), 1);
        assert_eq!(edit_distance("", "ab"), 2);
    }
}
