//! `using a.b.c`: module names resolved through the project's `hako.toml`, as upstream does.
//!
//! The manifest is the nearest `hako.toml` (else `nyash.toml`, upstream's older name) in the
//! importing file's directory or one of its parents. Two of its tables name modules:
//! `[modules]` maps a full dotted name to a file (an exact match wins), and `[module_roots]`
//! maps a dotted prefix to a directory: `a.b.c` with the root `"a" = "src/a"` is the file
//! `src/a/b/c.hako` (the longest matching prefix decides). Paths are relative to the
//! manifest's directory. Only these two tables are read, and only their `"key" = "value"`
//! lines (keys quoted or bare, values quoted strings); everything else in the file is ignored.
//!
//! `[modules.workspace]`'s `members = ["dir/hako_module.toml", ...]` adds upstream's workspace
//! modules: each member file's `[module] name = "n"` and its `[exports]` (and `[exports.x.y]`)
//! entries `a.b = "file.hako"` give the module `n.a.b` (`n.x.y.a.b`), the file relative to the
//! member's directory. An entry of `[modules]` itself wins over an export of the same name.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The module tables of one manifest.
#[derive(Debug, Default, PartialEq)]
pub struct Manifest {
    /// The manifest file.
    pub path: PathBuf,
    /// `[modules]`: full module name to file path.
    pub modules: HashMap<String, String>,
    /// `[module_roots]`: dotted prefix to directory path.
    pub roots: HashMap<String, String>,
}

/// The names a manifest may have, in order of preference within one directory.
const MANIFESTS: [&str; 2] = ["hako.toml", "nyash.toml"];

/// The nearest manifest of a file at `from`: in its directory, else the nearest parent
/// directory that has one. `None` if there is none; an error if it cannot be read.
pub fn find_manifest(from: &Path) -> Result<Option<Manifest>, String> {
    // An absolute path, so that the search reaches the parents of the working directory.
    let from = from.canonicalize().unwrap_or_else(|_| from.to_path_buf());
    let mut dir = from.parent();
    while let Some(d) = dir {
        for name in MANIFESTS {
            let p = d.join(name);
            if p.is_file() {
                let text = std::fs::read_to_string(&p)
                    .map_err(|e| format!("cannot read {}: {e}", p.display()))?;
                let mut m = parse_manifest(&text);
                for member in workspace_members(&text) {
                    let mp = d.join(&member);
                    let text = std::fs::read_to_string(&mp)
                        .map_err(|e| format!("cannot read {}: {e}", mp.display()))?;
                    let base = mp.parent().unwrap_or(d);
                    for (name, file) in parse_exports(&text) {
                        let file = base.join(file);
                        let file = file.strip_prefix(d).unwrap_or(&file);
                        let file = file.to_string_lossy().into_owned();
                        m.modules.entry(name).or_insert(file);
                    }
                }
                m.path = p;
                return Ok(Some(m));
            }
        }
        dir = d.parent();
    }
    Ok(None)
}

/// Reads the `[modules]` and `[module_roots]` tables of a manifest's text.
pub fn parse_manifest(text: &str) -> Manifest {
    let mut m = Manifest::default();
    let mut table = "";
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            table = match line {
                "[modules]" => "modules",
                "[module_roots]" => "roots",
                _ => "",
            };
            continue;
        }
        if table.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        let (Some(k), Some(v)) = (unquote(k.trim(), true), unquote(v.trim(), false)) else {
            continue;
        };
        let map = if table == "modules" {
            &mut m.modules
        } else {
            &mut m.roots
        };
        map.insert(k, v);
    }
    m
}

/// The `members` of a manifest's `[modules.workspace]` table: the quoted strings of its
/// array, which may span several lines.
pub fn workspace_members(text: &str) -> Vec<String> {
    let mut table = "";
    let mut in_members = false;
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if !in_members && line.starts_with('[') {
            table = line;
            continue;
        }
        if table != "[modules.workspace]" || line.starts_with('#') {
            continue;
        }
        let rest = if in_members {
            line
        } else if let Some(r) = line.strip_prefix("members") {
            match r.trim_start().strip_prefix('=') {
                Some(r) => {
                    in_members = true;
                    r
                }
                None => continue,
            }
        } else {
            continue;
        };
        // The quoted strings up to a comment; `]` ends the array.
        let code = rest.split('#').next().unwrap_or("");
        let mut parts = code.split('"');
        parts.next();
        while let (Some(s), after) = (parts.next(), parts.next()) {
            out.push(s.to_string());
            if after.is_none() {
                break;
            }
        }
        if code.contains(']') {
            in_members = false;
        }
    }
    out
}

/// The modules a workspace member (`hako_module.toml`) exports: (full name, file relative to
/// the member's directory), from `[module] name` and the `[exports]` tables.
pub fn parse_exports(text: &str) -> Vec<(String, String)> {
    let mut name = String::new();
    let mut table = String::new();
    let mut exports = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if let Some(t) = line.strip_prefix('[') {
            table = t.split(']').next().unwrap_or("").trim().to_string();
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        let k = k.trim().trim_matches('"');
        let Some(v) = unquote(v.trim(), false) else {
            continue;
        };
        if table == "module" && k == "name" {
            name = v;
        } else if table == "exports" {
            exports.push((k.to_string(), v));
        } else if let Some(sub) = table.strip_prefix("exports.") {
            exports.push((format!("{sub}.{k}"), v));
        }
    }
    if name.is_empty() {
        return Vec::new();
    }
    exports
        .into_iter()
        .map(|(k, v)| (format!("{name}.{k}"), v))
        .collect()
}

/// A TOML string (`"..."`, no escapes) followed by nothing but a comment; a bare key when
/// `bare_ok`.
fn unquote(s: &str, bare_ok: bool) -> Option<String> {
    if let Some(rest) = s.strip_prefix('"') {
        let end = rest.find('"')?;
        let tail = rest[end + 1..].trim();
        return (tail.is_empty() || tail.starts_with('#')).then(|| rest[..end].to_string());
    }
    let ok = bare_ok
        && !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    ok.then(|| s.to_string())
}

impl Manifest {
    /// The file of module `name`: its `[modules]` entry, else the longest `[module_roots]`
    /// prefix of it; `None` if neither names it.
    pub fn resolve(&self, name: &str) -> Option<PathBuf> {
        let base = self.path.parent().unwrap_or(Path::new("."));
        if let Some(p) = self.modules.get(name) {
            return Some(base.join(p));
        }
        let (prefix, root) = self
            .roots
            .iter()
            .filter(|(p, _)| {
                name.strip_prefix(p.as_str())
                    .is_some_and(|rest| rest.starts_with('.'))
            })
            .max_by_key(|(p, _)| p.len())?;
        let rest = &name[prefix.len() + 1..];
        let mut path = base.join(root);
        for part in rest.split('.') {
            path.push(part);
        }
        path.set_extension("hako");
        Some(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_read_and_names_resolved() {
        let text = "# comment\n[env]\nX = \"1\"\n[module_roots]\n\"a.b\" = \"src/ab\" # root\na = \"src/a\"\n\
                    [modules]\n\"a.b.exact\" = \"other/e.hako\"\n[modules.workspace]\nmembers = \"x\"\n";
        let mut m = parse_manifest(text);
        assert_eq!(m.roots.len(), 2);
        assert_eq!(m.modules.len(), 1);
        m.path = PathBuf::from("/p/hako.toml");
        assert_eq!(
            m.resolve("a.b.exact"),
            Some(PathBuf::from("/p/other/e.hako"))
        );
        assert_eq!(
            m.resolve("a.b.c.d"),
            Some(PathBuf::from("/p/src/ab/c/d.hako"))
        );
        assert_eq!(m.resolve("a.x"), Some(PathBuf::from("/p/src/a/x.hako")));
        assert_eq!(m.resolve("a"), None);
        assert_eq!(m.resolve("ab.c"), None);
        assert_eq!(m.resolve("zz.c"), None);
    }

    #[test]
    fn workspace_members_and_exports() {
        let text = "[modules.workspace]\nmembers = [\n  \"a/hako_module.toml\", # first\n  \"b/hako_module.toml\"\n]\n[modules]\nx = \"y\"\n";
        assert_eq!(
            workspace_members(text),
            vec!["a/hako_module.toml", "b/hako_module.toml"]
        );
        assert_eq!(
            workspace_members("[modules.workspace]\nmembers = [\"m.toml\"]\n"),
            vec!["m.toml"]
        );
        assert!(workspace_members("[other]\nmembers = [\"m.toml\"]\n").is_empty());
        let member = "[module]\nname = \"lang.c\"\nversion = \"1\"\n[exports]\n# c\nparser.box = \"p/box.hako\"\n\
                      [dependencies]\nx = \"z\"\n[exports.emit.common]\nj = \"e/j.hako\"\n";
        assert_eq!(
            parse_exports(member),
            vec![
                ("lang.c.parser.box".to_string(), "p/box.hako".to_string()),
                ("lang.c.emit.common.j".to_string(), "e/j.hako".to_string())
            ]
        );
        assert!(parse_exports("[exports]\na = \"b\"\n").is_empty());
    }
}
