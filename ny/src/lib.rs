//! `mir14-ny`: Nyash, the language of the hakorune project (static and instance `box`es with
//! fields and methods, `birth`, `me`/`this`, `local`, `if`/`else`, `loop`/`while` with
//! `break`/`continue`, `and`/`or`/`not`, `?:`, indexing, array and map literals, block
//! expressions, `fini`/`cleanup`, lambdas, `using` of other files and of modules named in
//! `hako.toml`, `print`), compiled to MIR14 through the public builder API only, with the
//! source position of every instruction for backtraces ([`compile_file_with_map`]).
//!
//! The language is described in `ny/README.md`. Pipeline: [`lexer`] → [`parser`] (a syntax tree,
//! [`ast`]) → [`compile`](compile::compile_program) (builder calls) → [`mir14_mir::Module`].
//! Every error is an [`Error`] with a source span; [`Error::render`] prints it as
//! `file:line:col: error: message`.
//!
//! ```
//! let src = "function main() {\n  local s = 0\n  local i = 1\n  loop(i <= 10) { s = s + i\n i = i + 1 }\n  print(s)\n}\n";
//! let module = mir14_ny::compile(src).unwrap();
//! assert!(mir14_mir::print(&module).contains("loop header="));
//! ```

pub mod ast;
pub mod compile;
pub mod lambda;
pub mod lexer;
pub mod modules;
pub mod parser;

use mir14_mir::{line_col, Module, SourceMap, Span};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// A lexical, syntax or compile error, located in the source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    /// Where (bytes of the source).
    pub span: Span,
    /// What is wrong.
    pub message: String,
    /// For an error in a file imported with `using`: that file's name (as the importing file
    /// names it, joined to the importer's directory) and its text; `span` is then in that text.
    pub file: Option<(String, String)>,
}

impl Error {
    /// An error at `span`.
    pub fn new(span: Span, message: impl Into<String>) -> Error {
        Error {
            span,
            message: message.into(),
            file: None,
        }
    }

    /// `file:line:col: error: message` and a newline (line and column 1-based, columns in
    /// characters). An error in an imported file names that file.
    pub fn render(&self, file: &str, src: &str) -> String {
        let (file, src) = match &self.file {
            Some((f, s)) => (f.as_str(), s.as_str()),
            None => (file, src),
        };
        let (line, col) = line_col(src, self.span.start as usize);
        format!("{file}:{line}:{col}: error: {}\n", self.message)
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// The stack the compiler runs on (nesting is bounded by [`parser::MAX_DEPTH`], and this is
/// enough for that depth in a debug build).
const STACK_BYTES: usize = 256 << 20;

/// Compiles Nyash source text to a verified MIR14 module. The program cannot use `using` of
/// files (there is no file to resolve paths against); see [`compile_file`].
///
/// A module the verifier rejects would be a bug of this compiler; it is reported as an error at
/// the start of the file whose message lists the verifier's findings.
pub fn compile(src: &str) -> Result<Module, Error> {
    compile_file(None, src)
}

/// Compiles the Nyash program `src`, read from `path` (if any), to a verified MIR14 module.
/// `using "p"` imports are resolved against the importing file's directory, then each of its
/// parent directories in turn; each file is read once.
pub fn compile_file(path: Option<&Path>, src: &str) -> Result<Module, Error> {
    compile_file_with_map(path, src).map(|(m, _, _)| m)
}

/// [`compile_file`], with the source map of the module: for each instruction the span of the
/// source construct it was made for, and for each function its definition, from which
/// backtraces print Nyash source positions; and the files imported with `using`. Spans are
/// offsets in one space shared by all files: the main file `src` starts at 0, each imported file
/// at its [`SourceFile::base`] (in increasing order), so a span belongs to the last file whose
/// base is not past it.
pub fn compile_file_with_map(
    path: Option<&Path>,
    src: &str,
) -> Result<(Module, SourceMap, Vec<SourceFile>), Error> {
    let path = path.map(Path::to_path_buf);
    let src = src.to_string();
    let run = move || compile_on_this_stack(path.as_deref(), &src);
    match std::thread::Builder::new()
        .stack_size(STACK_BYTES)
        .spawn(run)
    {
        Ok(h) => h
            .join()
            .unwrap_or_else(|_| Err(Error::new(Span::new(0, 0), "the compiler thread panicked"))),
        Err(e) => Err(Error::new(
            Span::new(0, 0),
            format!("cannot start the compiler thread: {e}"),
        )),
    }
}

/// One source file of a program: its name, text and where its spans start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceFile {
    /// The file's path as it is printed (the importing file's directory joined with the
    /// `using` path).
    pub name: String,
    /// The file's text.
    pub text: String,
    /// The offset of the file's first byte in the program's shared span space.
    pub base: usize,
}

fn compile_on_this_stack(
    path: Option<&Path>,
    src: &str,
) -> Result<(Module, SourceMap, Vec<SourceFile>), Error> {
    let mut files = vec![SourceFile {
        name: String::new(),
        text: src.to_string(),
        base: 0,
    }];
    let result = load_program(path, &mut files).and_then(|prog| {
        let (module, map) = compile::compile_program_with_map(&prog)?;
        if let Err(errors) = mir14_mir::verify(&module) {
            let list: Vec<String> = errors.iter().map(|e| e.message.clone()).collect();
            return Err(Error::new(
                Span::new(0, 0),
                format!(
                    "internal compiler error: the generated MIR does not verify: {}",
                    list.join("; ")
                ),
            ));
        }
        Ok((module, map))
    });
    // Map an error's span back to the file it is in.
    match result {
        Ok((module, map)) => Ok((module, map, files.split_off(1))),
        Err(mut e) => {
            let at = e.span.start as usize;
            if let Some(f) = files.iter().skip(1).rev().find(|f| f.base <= at) {
                e.span = Span::new(at - f.base, e.span.end as usize - f.base);
                e.file = Some((f.name.clone(), f.text.clone()));
            }
            Err(e)
        }
    }
}

/// Parses the main file (`files[0]`) and every file it imports, transitively, into one program.
fn load_program(path: Option<&Path>, files: &mut Vec<SourceFile>) -> Result<ast::Program, Error> {
    let mut prog = parser::parse_at(&files[0].text, 0)?;
    let mut seen: HashMap<PathBuf, Vec<String>> = HashMap::new();
    if let Some(p) = path.and_then(|p| p.canonicalize().ok()) {
        seen.insert(p, Vec::new());
    }
    // (importing file's path, its directive), in order.
    let mut todo: Vec<(Option<PathBuf>, ast::Using)> = prog
        .usings
        .drain(..)
        .rev()
        .map(|u| (path.map(Path::to_path_buf), u))
        .collect();
    while let Some((from, u)) = todo.pop() {
        let Some(from) = from else {
            return Err(Error::new(
                u.span,
                "`using` needs a program read from a file",
            ));
        };
        // A quoted dotted name that is no file is a module name too (`using "a.b.c"`).
        let found = match resolve(&from, &u.target) {
            Some(p) if u.is_path => Some(p),
            _ if !u.is_path || is_module_name(&u.target) => Some(resolve_module(&from, &u)?),
            _ => None,
        };
        let Some(found) = found else {
            let dir = dir_of(&from);
            return Err(Error::new(
                u.span,
                format!(
                    "cannot find {:?} (looked in {} and its parent directories)",
                    u.target,
                    dir.display()
                ),
            ));
        };
        let key = found.canonicalize().unwrap_or_else(|_| found.clone());
        let boxes = if let Some(b) = seen.get(&key) {
            b.clone()
        } else {
            let text = std::fs::read_to_string(&found)
                .map_err(|e| Error::new(u.span, format!("cannot read {}: {e}", found.display())))?;
            let last = files.last().map_or(0, |f| f.base + f.text.len() + 1);
            files.push(SourceFile {
                name: found.display().to_string(),
                text,
                base: last,
            });
            let f = files.last().map(|f| (f.text.clone(), f.base));
            let (text, base) = f.unwrap_or_default();
            let mut sub = parser::parse_at(&text, base)?;
            if let Some(span) = sub.stmts_span {
                return Err(Error::new(
                    span,
                    "a file imported with `using` cannot have top-level statements",
                ));
            }
            let statics: Vec<String> = sub
                .boxes
                .iter()
                .filter(|b| b.is_static)
                .map(|b| b.name.clone())
                .collect();
            for v in sub.usings.drain(..).rev() {
                todo.push((Some(found.clone()), v));
            }
            // An imported file's `Main` is its own entry point: dropped when the program
            // already has one (the importing file's own, or an earlier import's).
            if prog.boxes.iter().any(|b| b.name == "Main") {
                sub.boxes.retain(|b| b.name != "Main");
            }
            prog.boxes.append(&mut sub.boxes);
            prog.functions.append(&mut sub.functions);
            seen.insert(key, statics.clone());
            statics
        };
        // `as Alias` names the file's static box when its name differs.
        if let Some(alias) = &u.alias {
            if !boxes.contains(alias) {
                match boxes.as_slice() {
                    [only] => {
                        prog.aliases.insert(alias.clone(), only.clone());
                    }
                    _ => {
                        prog.unbound_aliases.insert(
                            alias.clone(),
                            format!(
                                "{alias}: {:?} has {} static boxes and none is named {alias}",
                                u.target,
                                boxes.len()
                            ),
                        );
                    }
                }
            }
        }
    }
    Ok(prog)
}

/// The directory of the file at `from`, `.` for a bare file name.
fn dir_of(from: &Path) -> &Path {
    match from.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// True if `s` is a dotted module name (`a.b.c`: names of letters, digits and `_`) rather
/// than a file path (which has a `/` or ends in a Nyash file extension).
fn is_module_name(s: &str) -> bool {
    let ext = [".hako", ".nyash", ".ny"].iter().any(|e| s.ends_with(e));
    !ext && s.contains('.')
        && s.split('.').all(|p| {
            p.chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
}

/// The file of `using a.b.c` in a file at `from`, through the nearest `hako.toml`
/// ([`modules`]); an error if there is no manifest, it does not name the module, or the file
/// does not exist.
fn resolve_module(from: &Path, u: &ast::Using) -> Result<PathBuf, Error> {
    let dir = dir_of(from);
    let Some(manifest) = modules::find_manifest(from).map_err(|e| Error::new(u.span, e))? else {
        return Err(Error::new(
            u.span,
            format!(
                "cannot resolve module {}: no hako.toml (or nyash.toml) in {} or its parent directories",
                u.target,
                dir.display()
            ),
        ));
    };
    let Some(path) = manifest.resolve(&u.target) else {
        return Err(Error::new(
            u.span,
            format!(
                "cannot resolve module {}: {} has no [modules] entry for it and no [module_roots] prefix of it",
                u.target,
                manifest.path.display()
            ),
        ));
    };
    if !path.is_file() {
        return Err(Error::new(
            u.span,
            format!(
                "cannot find module {}: {} does not exist (resolved through {})",
                u.target,
                path.display(),
                manifest.path.display()
            ),
        ));
    }
    Ok(path)
}

/// The file `target` names from a file at `from`: relative to `from`'s directory, else to the
/// nearest parent directory where it exists.
fn resolve(from: &Path, target: &str) -> Option<PathBuf> {
    let t = Path::new(target);
    if t.is_absolute() {
        return t.is_file().then(|| t.to_path_buf());
    }
    let mut dir = from.parent();
    while let Some(d) = dir {
        let cand = d.join(t);
        if cand.is_file() {
            return Some(cand);
        }
        dir = d.parent();
    }
    None
}
