//! Source positions for backtraces: [`DebugInfo`] maps each [`Site`] (function, block,
//! instruction) to the `LINE:COL` where it was written, and its compact text encoding, which AOT
//! executables carry instead of the source.

use crate::trap::Site;
use mir14_mir::{Module, SourceMap, Span};

/// A 1-based line and column (in characters), in one of the program's source files.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Pos {
    /// The line.
    pub line: u32,
    /// The column.
    pub col: u32,
    /// The file: 0 is [`DebugInfo::file`], k ≥ 1 is `DebugInfo::imported[k - 1]`.
    pub file: u32,
}

/// One source file of a program whose spans share one offset space (a frontend's main file and
/// the files it imports, each starting at its `base` offset).
#[derive(Copy, Clone, Debug)]
pub struct SourceFile<'a> {
    /// The file name as it is printed.
    pub name: &'a str,
    /// The file's text.
    pub text: &'a str,
    /// The offset of the file's first byte in the shared span space.
    pub base: usize,
}

/// The positions of one block: its label and each instruction (by index in the block).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct BlockPos {
    /// The block's label (a site arriving at the block).
    pub label: Option<Pos>,
    /// Each instruction.
    pub insts: Vec<Option<Pos>>,
}

/// The positions of one function: its declaration (entry sites) and its blocks.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct FuncPos {
    /// The function's declaration (a site at the function's entry).
    pub entry: Option<Pos>,
    /// Each block, by block index.
    pub blocks: Vec<BlockPos>,
}

/// Where each instruction of a module was written: in the MIR text (or JSON) the module was read
/// from, or in a frontend's sources (positions a frontend attached through the builder: its main
/// file and the files that one imports).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct DebugInfo {
    /// The file name as the user gave it.
    pub file: String,
    /// The files a frontend program imported, in the order of their span offsets (positions
    /// with `file` k ≥ 1 are in `imported[k - 1]`).
    pub imported: Vec<String>,
    /// Each function, by function index.
    pub funcs: Vec<FuncPos>,
}

/// The first line of the encoded form.
const MAGIC: &str = "mir14-debug 2";

impl DebugInfo {
    /// The positions of `module`'s entities recorded in `map` (spans of the text `src`).
    pub fn from_source_map(file: &str, src: &str, module: &Module, map: &SourceMap) -> DebugInfo {
        let main = SourceFile {
            name: file,
            text: src,
            base: 0,
        };
        DebugInfo::from_sources(&[main], module, map)
    }

    /// The positions of `module`'s entities recorded in `map`, whose spans are offsets in the
    /// shared span space of `files` (the first is the main file; the others follow in the order
    /// of their `base`). A span belongs to the last file whose `base` is not past its start.
    pub fn from_sources(files: &[SourceFile], module: &Module, map: &SourceMap) -> DebugInfo {
        // Offsets are converted in one pass over each text instead of one scan per span.
        let starts: Vec<Vec<usize>> = files.iter().map(|f| line_starts(f.text)).collect();
        let pos = |s: Option<Span>| {
            let s = s.filter(|s| s.start != 0 || s.end != 0)?;
            let at = s.start as usize;
            let k = files.iter().rposition(|f| f.base <= at)?;
            let mut p = pos_at(files[k].text, &starts[k], at - files[k].base);
            p.file = k as u32;
            Some(p)
        };
        let funcs = module
            .functions
            .iter()
            .map(|(fid, f)| {
                let fs = map.functions.get(fid.index());
                FuncPos {
                    entry: pos(fs.map(|s| s.decl)),
                    blocks: f
                        .blocks
                        .iter()
                        .map(|(b, bd)| BlockPos {
                            label: pos(fs.and_then(|s| s.blocks.get(b.index()).copied())),
                            insts: (0..bd.insts.len())
                                .map(|i| {
                                    pos(fs.and_then(|s| s.insts.get(b.index())?.get(i).copied()))
                                })
                                .collect(),
                        })
                        .collect(),
                }
            })
            .collect();
        DebugInfo {
            file: files.first().map_or(String::new(), |f| f.name.to_string()),
            imported: files.iter().skip(1).map(|f| f.name.to_string()).collect(),
            funcs,
        }
    }

    /// The name of the file a position is in.
    pub fn file_of(&self, p: Pos) -> &str {
        match p.file {
            0 => &self.file,
            k => self
                .imported
                .get(k as usize - 1)
                .map_or("?", |s| s.as_str()),
        }
    }

    /// The position of `site`, if recorded.
    pub fn position(&self, site: Site) -> Option<Pos> {
        let f = self.funcs.get(site.func.index())?;
        match site.inst {
            Site::ENTRY => f.entry,
            Site::ARRIVE => f.blocks.get(site.block.index())?.label,
            i => *f.blocks.get(site.block.index())?.insts.get(i as usize)?,
        }
    }

    /// The compact text form (what AOT executables embed): a header line, the file name, a line
    /// `i NAME` per imported file, then per function a line `f POS` and per block a line
    /// `b POS POS...` (the label, then each instruction), where POS is `LINE:COL` (in the main
    /// file), `LINE:COL:K` (in imported file K ≥ 1) or `-`.
    pub fn encode(&self) -> String {
        let mut s = format!("{MAGIC}\n{}\n", self.file.replace('\n', " "));
        for name in &self.imported {
            s.push_str(&format!("i {}\n", name.replace('\n', " ")));
        }
        let p = |s: &mut String, p: Option<Pos>| match p {
            Some(p) if p.file == 0 => s.push_str(&format!(" {}:{}", p.line, p.col)),
            Some(p) => s.push_str(&format!(" {}:{}:{}", p.line, p.col, p.file)),
            None => s.push_str(" -"),
        };
        for f in &self.funcs {
            s.push('f');
            p(&mut s, f.entry);
            s.push('\n');
            for b in &f.blocks {
                s.push('b');
                p(&mut s, b.label);
                for i in &b.insts {
                    p(&mut s, *i);
                }
                s.push('\n');
            }
        }
        s
    }

    /// Reads the form [`DebugInfo::encode`] writes; `None` if it is malformed.
    pub fn decode(text: &str) -> Option<DebugInfo> {
        let mut lines = text.lines();
        if lines.next()? != MAGIC {
            return None;
        }
        let file = lines.next()?.to_string();
        let mut imported = Vec::new();
        let mut funcs: Vec<FuncPos> = Vec::new();
        let parse = |w: &str| -> Option<Option<Pos>> {
            if w == "-" {
                return Some(None);
            }
            let mut parts = w.split(':');
            let line = parts.next()?.parse().ok()?;
            let col = parts.next()?.parse().ok()?;
            let file = parts.next().map_or(Some(0), |k| k.parse().ok())?;
            if parts.next().is_some() {
                return None;
            }
            Some(Some(Pos { line, col, file }))
        };
        for line in lines {
            if let Some(name) = line.strip_prefix("i ") {
                if !funcs.is_empty() {
                    return None;
                }
                imported.push(name.to_string());
                continue;
            }
            let mut words = line.split(' ');
            match words.next()? {
                "f" => funcs.push(FuncPos {
                    entry: parse(words.next()?)?,
                    blocks: Vec::new(),
                }),
                "b" => {
                    let label = parse(words.next()?)?;
                    let insts = words.map(parse).collect::<Option<Vec<_>>>()?;
                    funcs.last_mut()?.blocks.push(BlockPos { label, insts });
                }
                _ => return None,
            }
        }
        if funcs
            .iter()
            .flat_map(|f| {
                f.blocks
                    .iter()
                    .flat_map(|b| b.insts.iter().chain([&b.label]))
            })
            .chain(funcs.iter().map(|f| &f.entry))
            .flatten()
            .any(|p| p.file as usize > imported.len())
        {
            return None;
        }
        Some(DebugInfo {
            file,
            imported,
            funcs,
        })
    }
}

/// The byte offset of each line's start.
fn line_starts(src: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(src.match_indices('\n').map(|(i, _)| i + 1))
        .collect()
}

/// The position of byte `offset`, as [`mir14_mir::line_col`] computes it.
fn pos_at(src: &str, starts: &[usize], offset: usize) -> Pos {
    let offset = offset.min(src.len());
    let line = starts.partition_point(|&s| s <= offset).max(1);
    let start = starts[line - 1];
    let col = src.get(start..offset).map_or(1, |s| s.chars().count() + 1);
    Pos {
        line: line as u32,
        col: col as u32,
        file: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mir14_mir::{line_col, Block, FuncId};

    #[test]
    fn positions_agree_with_line_col_and_round_trip() {
        let src = "fn @main() {\nbb0:\n  %0 = const 1\n  ret %0\n}\n";
        let (m, map) = mir14_mir::parse(src).unwrap();
        let d = DebugInfo::from_source_map("p.mir", src, &m, &map);
        let at = |inst| d.position(Site::new(FuncId(0), Block(0), inst));
        let (l, c) = line_col(src, src.find("ret").unwrap());
        assert_eq!(
            at(1),
            Some(Pos {
                line: l as u32,
                col: c as u32,
                file: 0
            })
        );
        let p = |line, col| Some(Pos { line, col, file: 0 });
        assert_eq!(at(0), p(3, 3));
        assert_eq!(at(Site::ARRIVE), p(2, 1));
        assert_eq!(at(Site::ENTRY), p(1, 1));
        assert_eq!(at(7), None);
        assert_eq!(DebugInfo::decode(&d.encode()), Some(d.clone()));
        assert_eq!(DebugInfo::decode("nonsense"), None);
        assert_eq!(DebugInfo::decode("mir14-debug 2\nf\nb 1:x\n"), None);
    }

    #[test]
    fn positions_name_the_file_they_are_in() {
        // One span space over two files: the declaration in the first, the body in the second.
        let src = "fn @main() {\nbb0:\n  %0 = const 1\n  ret %0\n}\n";
        let (m, map) = mir14_mir::parse(src).unwrap();
        let files = [
            SourceFile {
                name: "a.hako",
                text: &src[..13],
                base: 0,
            },
            SourceFile {
                name: "lib/b.hako",
                text: &src[13..],
                base: 13,
            },
        ];
        let d = DebugInfo::from_sources(&files, &m, &map);
        let at = |inst| d.position(Site::new(FuncId(0), Block(0), inst)).unwrap();
        assert_eq!(
            at(0),
            Pos {
                line: 2,
                col: 3,
                file: 1
            }
        );
        assert_eq!(d.file_of(at(0)), "lib/b.hako");
        assert_eq!(
            at(Site::ENTRY),
            Pos {
                line: 1,
                col: 1,
                file: 0
            }
        );
        assert_eq!(d.file_of(at(Site::ENTRY)), "a.hako");
        let text = d.encode();
        assert!(
            text.contains("\ni lib/b.hako\n") && text.contains(" 2:3:1"),
            "{text}"
        );
        assert_eq!(DebugInfo::decode(&text), Some(d.clone()));
        // A position in a file the header does not name is malformed.
        assert_eq!(DebugInfo::decode("mir14-debug 2\nx.hako\nf 1:1:1\n"), None);
    }
}
