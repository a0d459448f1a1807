//! Source positions for backtraces: [`DebugInfo`] maps each [`Site`] (function, block,
//! instruction) to the `LINE:COL` where it was written, and its compact text encoding, which AOT
//! executables carry instead of the source.

use crate::trap::Site;
use mir14_mir::{Module, SourceMap, Span};

/// A 1-based line and column (in characters).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Pos {
    /// The line.
    pub line: u32,
    /// The column.
    pub col: u32,
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

/// Where each instruction of a module was written, in one source file: the MIR text (or JSON)
/// the module was read from, or a frontend's source (positions a frontend attached through the
/// builder).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct DebugInfo {
    /// The file name as the user gave it.
    pub file: String,
    /// Each function, by function index.
    pub funcs: Vec<FuncPos>,
}

/// The first line of the encoded form.
const MAGIC: &str = "mir14-debug 1";

impl DebugInfo {
    /// The positions of `module`'s entities recorded in `map` (spans of the text `src`).
    pub fn from_source_map(file: &str, src: &str, module: &Module, map: &SourceMap) -> DebugInfo {
        // Offsets are converted in one pass over the text instead of one scan per span.
        let starts = line_starts(src);
        let pos = |s: Option<Span>| {
            s.filter(|s| s.start != 0 || s.end != 0)
                .map(|s| pos_at(src, &starts, s.start as usize))
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
            file: file.to_string(),
            funcs,
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

    /// The compact text form (what AOT executables embed): a header line, the file name, then
    /// per function a line `f POS` and per block a line `b POS POS...` (the label, then each
    /// instruction), where POS is `LINE:COL` or `-`.
    pub fn encode(&self) -> String {
        let mut s = format!("{MAGIC}\n{}\n", self.file.replace('\n', " "));
        let p = |s: &mut String, p: Option<Pos>| match p {
            Some(p) => s.push_str(&format!(" {}:{}", p.line, p.col)),
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
        let mut funcs: Vec<FuncPos> = Vec::new();
        let parse = |w: &str| -> Option<Option<Pos>> {
            if w == "-" {
                return Some(None);
            }
            let (l, c) = w.split_once(':')?;
            Some(Some(Pos {
                line: l.parse().ok()?,
                col: c.parse().ok()?,
            }))
        };
        for line in lines {
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
        Some(DebugInfo { file, funcs })
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
                col: c as u32
            })
        );
        assert_eq!(at(0), Some(Pos { line: 3, col: 3 }));
        assert_eq!(at(Site::ARRIVE), Some(Pos { line: 2, col: 1 }));
        assert_eq!(at(Site::ENTRY), Some(Pos { line: 1, col: 1 }));
        assert_eq!(at(7), None);
        assert_eq!(DebugInfo::decode(&d.encode()), Some(d.clone()));
        assert_eq!(DebugInfo::decode("nonsense"), None);
        assert_eq!(DebugInfo::decode("mir14-debug 1\nf\nb 1:x\n"), None);
    }
}
