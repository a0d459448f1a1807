//! Reading an input file (text or JSON form) into a module, and verifying it, with every problem
//! rendered as the diagnostics `mir14` prints.

use crate::diag::{self, located_message, render_at, render_plain, Severity};
use mir14_mir::json::from_json_with_map;
use mir14_mir::{parse, verify, Location, Module, SourceMap, Span};
use std::path::Path;

/// A module and what it was read from.
pub struct Loaded {
    /// The module.
    pub module: Module,
    /// The file name as the user wrote it, used in diagnostics.
    pub file: String,
    /// The source text, and where each entity was written when it was the text form.
    pub source: Source,
    /// For a frontend program, the files it imported (their spans follow the main file's in
    /// one span space, see [`mir14_ny::compile_file_with_map`]); empty otherwise.
    pub imported: Vec<mir14_ny::SourceFile>,
}

/// The form an input file was written in, with where each entity was written.
pub enum Source {
    /// The text form: the text and the parser's source map.
    Text(String, SourceMap),
    /// The JSON form: the JSON text and the spans of its entities' objects.
    Json(String, SourceMap),
}

/// True if `path` names a JSON-form file (its name ends in `.json`, in any case).
pub fn is_json(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
}

/// An I/O error's text without Rust's ` (os error N)` suffix.
fn os_error_text(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.rfind(" (os error ") {
        Some(i) if text.ends_with(')') => text[..i].to_string(),
        _ => text,
    }
}

/// Reads and parses `path`. On failure returns the complete diagnostics text for stderr.
pub fn load(path: &Path) -> Result<Loaded, String> {
    let file = path.display().to_string();
    let bytes = std::fs::read(path)
        .map_err(|e| format!("error: cannot read {file}: {}\n", os_error_text(&e)))?;
    let src = match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => {
            // Point at the first byte that is not UTF-8, in the text up to there.
            let valid = e.utf8_error().valid_up_to();
            let lossy = String::from_utf8_lossy(e.as_bytes()).into_owned();
            let prefix_len = String::from_utf8_lossy(&e.as_bytes()[..valid]).len();
            return Err(render_at(
                &file,
                &lossy,
                Span::new(prefix_len, prefix_len + 1),
                Severity::Error,
                "the file is not valid UTF-8",
                true,
            ));
        }
    };
    if crate::ny::is_ny(path) {
        return crate::ny::load_ny(file, src);
    }
    if is_json(path) {
        match from_json_with_map(&src) {
            Ok((module, map)) => Ok(Loaded {
                module,
                file,
                source: Source::Json(src, map),
                imported: Vec::new(),
            }),
            Err(e) => {
                let offset = offset_of(&src, e.line, e.column);
                Err(render_at(
                    &file,
                    &src,
                    Span::new(offset, offset + 1),
                    Severity::Error,
                    &e.message,
                    true,
                ))
            }
        }
    } else {
        match parse(&src) {
            Ok((module, map)) => Ok(Loaded {
                module,
                file,
                source: Source::Text(src, map),
                imported: Vec::new(),
            }),
            Err(mut diags) => {
                // Source order (spec §7.4); the sort is stable for errors at one position.
                diags.sort_by_key(|d| d.span.start);
                let mut out = String::new();
                for d in &diags {
                    out +=
                        &diag::render(&file, &src, &diag::parse_report(&src, d.span, &d.message));
                }
                if diags.is_empty() {
                    // The parser promises at least one diagnostic; never fail silently.
                    out += &render_plain(&file, Severity::Error, "the file does not parse");
                }
                Err(out)
            }
        }
    }
}

/// The byte offset of 1-based `line` and `column` (in characters) in `src`, clamped to the text.
fn offset_of(src: &str, line: usize, column: usize) -> usize {
    let mut line_start = 0;
    for _ in 1..line.max(1) {
        match src[line_start..].find('\n') {
            Some(i) => line_start += i + 1,
            None => return src.len(),
        }
    }
    let line_end = src[line_start..]
        .find('\n')
        .map_or(src.len(), |i| line_start + i);
    src[line_start..line_end]
        .char_indices()
        .nth(column.saturating_sub(1))
        .map_or(line_end, |(i, _)| line_start + i)
}

impl Loaded {
    /// Renders a diagnostic about an entity with its line, column, source line and caret line.
    /// For JSON input the message is prefixed with the entity's description
    /// (`in @f, block bb1, instruction 3: ...`), since a JSON object names its entity less
    /// plainly than a line of text does; so is a diagnostic about an entity without a span,
    /// which prints as `file: error: ...`.
    pub fn render(&self, loc: Location, severity: Severity, message: &str) -> String {
        let (src, map, is_json) = match &self.source {
            Source::Text(src, map) => (src, map, false),
            Source::Json(src, map) => (src, map, true),
        };
        match map.span(loc) {
            Some(span) if is_json => render_at(
                &self.file,
                src,
                span,
                severity,
                &located_message(&self.module, loc, message),
                true,
            ),
            Some(span) => diag::render(
                &self.file,
                src,
                &diag::Report::error(message, Some(span)).with_severity(severity),
            ),
            None => render_plain(
                &self.file,
                severity,
                &located_message(&self.module, loc, message),
            ),
        }
    }

    /// Where each instruction was written, for the positions of backtraces (spec §6): in the
    /// file's text, JSON or (for a frontend program) the frontend's sources, the files it
    /// imported included.
    pub fn debug_info(&self) -> mir14_rt::DebugInfo {
        let (Source::Text(src, map) | Source::Json(src, map)) = &self.source;
        let main = mir14_rt::SourceFile {
            name: &self.file,
            text: src,
            base: 0,
        };
        let files: Vec<mir14_rt::SourceFile> = std::iter::once(main)
            .chain(self.imported.iter().map(|f| mir14_rt::SourceFile {
                name: &f.name,
                text: &f.text,
                base: f.base,
            }))
            .collect();
        mir14_rt::DebugInfo::from_sources(&files, &self.module, map)
    }

    /// Runs `f` with a line index of the source text ([`mir14_mir::with_line_index`]), so that
    /// rendering many diagnostics locates each in O(log n) rather than by a scan of the text.
    pub fn with_line_index<R>(&self, f: impl FnOnce() -> R) -> R {
        let (Source::Text(src, _) | Source::Json(src, _)) = &self.source;
        mir14_mir::with_line_index(src, f)
    }

    /// The source position of an entity, for sorting diagnostics (`None` sorts first).
    pub fn position(&self, loc: Location) -> Option<u32> {
        match &self.source {
            Source::Text(_, map) | Source::Json(_, map) => map.span(loc).map(|s| s.start),
        }
    }

    /// Verifies the module. On failure returns every error rendered for stderr, in source order;
    /// in the text form, with the places each error is related to.
    pub fn verify(&self) -> Result<(), String> {
        let Err(mut errors) = verify(&self.module) else {
            return Ok(());
        };
        errors.sort_by_key(|e| self.position(e.location));
        let mut out = String::new();
        self.with_line_index(|| {
            for e in &errors {
                out += &match &self.source {
                    Source::Text(src, map) => match map.span(e.location) {
                        Some(span) => {
                            diag::render(&self.file, src, &diag::verify_report(map, e, span))
                        }
                        None => self.render(e.location, Severity::Error, &e.message),
                    },
                    Source::Json(..) => self.render(e.location, Severity::Error, &e.message),
                };
            }
        });
        if errors.is_empty() {
            out += &render_plain(&self.file, Severity::Error, "the module does not verify");
        }
        Err(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_extension() {
        assert!(is_json(Path::new("a/b.json")));
        assert!(is_json(Path::new("B.JSON")));
        assert!(!is_json(Path::new("b.mir")));
        assert!(!is_json(Path::new("json")));
    }

    #[test]
    fn offsets_from_line_and_column() {
        let src = "ab\ncé\nx";
        assert_eq!(offset_of(src, 1, 1), 0);
        assert_eq!(offset_of(src, 2, 2), 4);
        assert_eq!(offset_of(src, 2, 3), 6);
        assert_eq!(offset_of(src, 2, 99), 6);
        assert_eq!(offset_of(src, 3, 1), 7);
        assert_eq!(offset_of(src, 9, 1), src.len());
        assert_eq!(offset_of(src, 0, 0), 0);
    }

    #[test]
    fn os_error_suffix_is_dropped() {
        let e = std::io::Error::from_raw_os_error(2);
        assert_eq!(os_error_text(&e), "No such file or directory");
    }

    #[test]
    fn unreadable_and_non_utf8_files() {
        let err = load(Path::new("/nonexistent/dir/x.mir")).err().unwrap();
        assert_eq!(
            err,
            "error: cannot read /nonexistent/dir/x.mir: No such file or directory\n"
        );
        let dir = std::env::temp_dir().join(format!("mir14-load-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("bad.mir");
        std::fs::write(&p, b"box A {}\nfn \xff\xfe").unwrap();
        let err = load(&p).err().unwrap();
        let file = p.display().to_string();
        assert_eq!(
            err,
            format!("{file}:2:4: error: the file is not valid UTF-8\nfn \u{fffd}\u{fffd}\n   ^\n")
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
