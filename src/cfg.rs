//! `mir14 cfg`: the control-flow graph of a verified module as one Graphviz dot digraph.
//!
//! Each function is a cluster labelled `@name`; each block a box node labelled with its label and
//! its instructions in canonical text (left-justified); each edge a successor edge (`true`/`false`
//! on a Branch's two edges). Each loop is a cluster around its blocks: declared LoopForms drawn
//! solid and labelled with their declaration, inferred LoopForms (loops the frontend did not
//! declare) drawn dashed and labelled `inferred loop ...`. Nested loops nest as clusters.

use mir14_mir::analysis::{loop_region, DomTree, LoopForest};
use mir14_mir::text::printer::print_inst;
use mir14_mir::{Block, Function, Inst, LoopForm, Module};
use std::collections::{BTreeSet, HashSet};
use std::fmt::Write as _;

/// Whether a loop cluster was declared in the source or inferred by the analysis.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum LoopKind {
    /// A `loop header=...` declaration of the function.
    Declared,
    /// Inferred for a loop the function does not declare.
    Inferred,
}

/// One loop to draw: its LoopForm and where it came from.
struct LoopCluster {
    form: LoopForm,
    kind: LoopKind,
}

/// The loops of a function and their nesting.
struct Loops {
    /// Outermost first (sorted by decreasing region size).
    clusters: Vec<LoopCluster>,
    /// For each block, the innermost loop containing it: the cluster that draws it.
    owner: Vec<Option<usize>>,
    /// For each loop, the smallest larger loop containing its header: the cluster it nests in.
    parent: Vec<Option<usize>>,
}

/// Escapes text for a double-quoted dot string.
fn escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

/// The loops of a function: its declarations, plus inferred LoopForms whose header no
/// declaration uses, with their nesting. Valid loops' regions (spec §7.3: break and return
/// blocks are inside the cluster) are nested or disjoint, and [`LoopForest`] finds the nesting
/// in near-linear time; loops it does not prove valid fall back to explicit regions.
fn loop_clusters(func: &Function, inferred: &[LoopForm]) -> Loops {
    let (cfg, dom) = DomTree::of(func);
    let declared: HashSet<Block> = func.loops.iter().map(|l| l.header).collect();
    let forms: Vec<(LoopForm, LoopKind)> = func
        .loops
        .iter()
        .map(|l| (*l, LoopKind::Declared))
        .chain(
            inferred
                .iter()
                .filter(|i| !declared.contains(&i.header))
                .map(|l| (*l, LoopKind::Inferred)),
        )
        .collect();
    let just_forms: Vec<LoopForm> = forms.iter().map(|(f, _)| *f).collect();
    let nb = func.blocks.len();
    let (owner, parent, size) = match LoopForest::new(func, &cfg, &dom, &just_forms) {
        Some(forest) => {
            // Region sizes: own blocks plus the children's sizes, children first (a child's
            // header is strictly dominated by its parent's: it comes later in preorder).
            let mut size = vec![0usize; forms.len()];
            for l in forest.innermost.iter().flatten() {
                size[*l] += 1;
            }
            let mut order: Vec<usize> = (0..forms.len()).collect();
            order.sort_by_key(|&l| std::cmp::Reverse(dom.preorder(just_forms[l].header)));
            for &l in &order {
                if let Some(p) = forest.parent[l] {
                    size[p] += size[l];
                }
            }
            (forest.innermost, forest.parent, size)
        }
        None => {
            let regions: Vec<BTreeSet<Block>> = just_forms
                .iter()
                .map(|form| loop_region(func, &cfg, form))
                .collect();
            let size: Vec<usize> = regions.iter().map(BTreeSet::len).collect();
            // The smallest region containing a block (the latest on ties, as sorted below).
            let smallest = |b: Block| {
                (0..regions.len())
                    .filter(|&l| regions[l].contains(&b))
                    .min_by_key(|&l| (size[l], std::cmp::Reverse(l)))
            };
            let owner = (0..nb).map(|b| smallest(Block(b as u32))).collect();
            // The latest loop before `l` in the sorted order below that contains its header.
            let parent = (0..regions.len())
                .map(|l| {
                    (0..regions.len())
                        .filter(|&p| {
                            (size[p] > size[l] || (size[p] == size[l] && p < l))
                                && regions[p].contains(&just_forms[l].header)
                        })
                        .min_by_key(|&p| (size[p], std::cmp::Reverse(p)))
                })
                .collect();
            (owner, parent, size)
        }
    };
    // Outer loops first, so parents precede children (a stable sort: declared loops first).
    let mut order: Vec<usize> = (0..forms.len()).collect();
    order.sort_by_key(|&l| std::cmp::Reverse(size[l]));
    let mut rank = vec![0usize; forms.len()];
    for (i, &l) in order.iter().enumerate() {
        rank[l] = i;
    }
    Loops {
        clusters: order
            .iter()
            .map(|&l| LoopCluster {
                form: forms[l].0,
                kind: forms[l].1,
            })
            .collect(),
        owner: owner.into_iter().map(|o| o.map(|l| rank[l])).collect(),
        parent: order.iter().map(|&l| parent[l].map(|p| rank[p])).collect(),
    }
}

/// Renders the dot text for `module`, or for the one function `only` (a name without `@`).
/// `infer` gives the inferred LoopForms of a function. Returns `None` if `only` names no function.
/// Instructions are shown exactly as `mir14 fmt` prints them (`print_inst`).
pub fn render(
    module: &Module,
    only: Option<&str>,
    infer: impl Fn(&Function) -> Vec<LoopForm>,
) -> Option<String> {
    if let Some(name) = only {
        module.function_by_name(name)?;
    }
    let mut out = String::new();
    out.push_str("digraph mir14 {\n");
    out.push_str("  graph [fontname=\"monospace\"];\n");
    out.push_str("  node [shape=box, fontname=\"monospace\"];\n");
    out.push_str("  edge [fontname=\"monospace\"];\n");
    for (fi, (_, func)) in module.functions.iter().enumerate() {
        if only.is_some_and(|name| name != func.name) {
            continue;
        }
        let picture = Picture {
            fi,
            func,
            module,
            loops: loop_clusters(func, &infer(func)),
        };
        picture.emit(&mut out);
    }
    out.push_str("}\n");
    Some(out)
}

/// One function being drawn.
struct Picture<'a> {
    fi: usize,
    func: &'a Function,
    module: &'a Module,
    loops: Loops,
}

/// Loop clusters are indented by their depth up to this many levels (deeper ones like the
/// deepest), so the text stays linear in the size of the function.
const MAX_INDENT: usize = 32;

impl Picture<'_> {
    /// The node id of block `b`.
    fn node(&self, b: usize) -> String {
        format!("\"f{}_b{b}\"", self.fi)
    }

    /// The node statement of block `b`: its label and instructions, the entry drawn bold.
    fn node_decl(&self, b: usize) -> String {
        let Some(data) = self.func.blocks.get(Block(b as u32)) else {
            return String::new();
        };
        let mut label = format!("{}:\\l", escape(&data.label));
        for inst in &data.insts {
            let text = print_inst(self.module, self.func, inst);
            let _ = write!(label, "  {}\\l", escape(&text));
        }
        let style = if b == 0 { ", style=bold" } else { "" };
        format!("{} [label=\"{label}\"{style}];", self.node(b))
    }

    /// Appends the clusters of the loops in `roots` and everything nested in them: each loop's
    /// own blocks (in block order) and then its nested loops (outer first). Iterative, so deep
    /// nesting does not overflow the stack.
    fn emit_loops(&self, out: &mut String, roots: &[usize]) {
        let n = self.loops.clusters.len();
        let mut own: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (b, o) in self.loops.owner.iter().enumerate() {
            if let Some(l) = o {
                own[*l].push(b);
            }
        }
        let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (l, p) in self.loops.parent.iter().enumerate() {
            if let Some(p) = p {
                children[*p].push(l);
            }
        }
        // (loop, index of its next child); the depth is the stack height.
        let mut stack: Vec<(usize, usize)> = Vec::new();
        for &root in roots {
            self.open_loop(out, root, 0, &own[root]);
            stack.push((root, 0));
            while let Some(top) = stack.last_mut() {
                let (li, next) = *top;
                if let Some(&child) = children[li].get(next) {
                    top.1 += 1;
                    let depth = stack.len();
                    self.open_loop(out, child, depth, &own[child]);
                    stack.push((child, 0));
                } else {
                    stack.pop();
                    let pad = "  ".repeat(stack.len().min(MAX_INDENT) + 2);
                    let _ = writeln!(out, "{pad}}}");
                }
            }
        }
    }

    /// Appends the opening of loop `li`'s cluster and its own blocks.
    fn open_loop(&self, out: &mut String, li: usize, depth: usize, own: &[usize]) {
        let pad = "  ".repeat(depth.min(MAX_INDENT) + 2);
        let l = &self.loops.clusters[li];
        let label = |b: Block| self.func.blocks.get(b).map_or("?", |d| d.label.as_str());
        let desc = format!(
            "loop header={} body={} latch={} exit={}",
            label(l.form.header),
            label(l.form.body),
            label(l.form.latch),
            label(l.form.exit)
        );
        let _ = writeln!(out, "{pad}subgraph \"cluster_f{}_loop{li}\" {{", self.fi);
        let (prefix, style) = match l.kind {
            LoopKind::Declared => ("", "solid"),
            LoopKind::Inferred => ("inferred ", "dashed"),
        };
        let _ = writeln!(out, "{pad}  label=\"{prefix}{}\";", escape(&desc));
        let _ = writeln!(out, "{pad}  style={style};");
        for &b in own {
            let _ = writeln!(out, "{pad}  {}", self.node_decl(b));
        }
    }

    /// Appends the function's cluster.
    fn emit(&self, out: &mut String) {
        let _ = writeln!(out, "  subgraph \"cluster_f{}\" {{", self.fi);
        let _ = writeln!(out, "    label=\"@{}\";", escape(&self.func.name));
        // Blocks outside every loop, then the loops from the outermost.
        for b in 0..self.func.blocks.len() {
            if self.loops.owner.get(b).copied().flatten().is_none() {
                let _ = writeln!(out, "    {}", self.node_decl(b));
            }
        }
        let roots: Vec<usize> = (0..self.loops.clusters.len())
            .filter(|&li| self.loops.parent[li].is_none())
            .collect();
        self.emit_loops(out, &roots);
        // Successor edges, labelled on branches.
        for (b, data) in self.func.blocks.iter() {
            let from = self.node(b.index());
            match data.insts.last() {
                Some(Inst::Branch {
                    then_block,
                    else_block,
                    ..
                }) => {
                    let (t, e) = (self.node(then_block.index()), self.node(else_block.index()));
                    let _ = writeln!(out, "    {from} -> {t} [label=\"true\"];");
                    let _ = writeln!(out, "    {from} -> {e} [label=\"false\"];");
                }
                Some(Inst::Jump { target }) => {
                    let _ = writeln!(out, "    {from} -> {};", self.node(target.index()));
                }
                _ => {}
            }
        }
        out.push_str("  }\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mir14_mir::{BlockData, Constant, ValueData};

    /// `@main` with an outer loop (declared) around an inner loop (left to inference), and
    /// `@s` returning a string constant.
    fn module() -> Module {
        let mut m = Module::new();
        let mut f = Function::new("main");
        let c = f.values.push(ValueData { name: "c".into() });
        let b = |i: u32| Block(i);
        let blocks = vec![
            vec![
                Inst::Const {
                    dest: c,
                    value: Constant::Bool(true),
                },
                Inst::Jump { target: b(1) },
            ],
            vec![Inst::Branch {
                cond: c,
                then_block: b(2),
                else_block: b(5),
            }],
            vec![Inst::Branch {
                cond: c,
                then_block: b(3),
                else_block: b(4),
            }],
            vec![Inst::Jump { target: b(2) }],
            vec![Inst::Jump { target: b(1) }],
            vec![Inst::Return { value: None }],
        ];
        for (i, insts) in blocks.into_iter().enumerate() {
            f.blocks.push(BlockData {
                label: format!("bb{i}"),
                insts,
            });
        }
        f.loops.push(LoopForm {
            header: b(1),
            body: b(2),
            latch: b(4),
            exit: b(5),
        });
        m.functions.push(f);
        let mut s = Function::new("s");
        let v = s.values.push(ValueData { name: "0".into() });
        s.blocks.push(BlockData {
            label: "entry".into(),
            insts: vec![
                Inst::Const {
                    dest: v,
                    value: Constant::Str("a\"b".into()),
                },
                Inst::Return { value: Some(v) },
            ],
        });
        m.functions.push(s);
        m
    }

    /// The inner loop, as LoopForm inference would report it.
    fn infer(f: &Function) -> Vec<LoopForm> {
        if f.name != "main" {
            return Vec::new();
        }
        vec![
            LoopForm {
                header: Block(1),
                body: Block(2),
                latch: Block(4),
                exit: Block(5),
            },
            LoopForm {
                header: Block(2),
                body: Block(3),
                latch: Block(3),
                exit: Block(4),
            },
        ]
    }

    #[test]
    fn nested_loops_become_nested_clusters() {
        let got = render(&module(), Some("main"), infer).unwrap();
        let want = r#"digraph mir14 {
  graph [fontname="monospace"];
  node [shape=box, fontname="monospace"];
  edge [fontname="monospace"];
  subgraph "cluster_f0" {
    label="@main";
    "f0_b0" [label="bb0:\l  %c = const true\l  jump bb1\l", style=bold];
    "f0_b5" [label="bb5:\l  ret\l"];
    subgraph "cluster_f0_loop0" {
      label="loop header=bb1 body=bb2 latch=bb4 exit=bb5";
      style=solid;
      "f0_b1" [label="bb1:\l  branch %c, bb2, bb5\l"];
      "f0_b4" [label="bb4:\l  jump bb1\l"];
      subgraph "cluster_f0_loop1" {
        label="inferred loop header=bb2 body=bb3 latch=bb3 exit=bb4";
        style=dashed;
        "f0_b2" [label="bb2:\l  branch %c, bb3, bb4\l"];
        "f0_b3" [label="bb3:\l  jump bb2\l"];
      }
    }
    "f0_b0" -> "f0_b1";
    "f0_b1" -> "f0_b2" [label="true"];
    "f0_b1" -> "f0_b5" [label="false"];
    "f0_b2" -> "f0_b3" [label="true"];
    "f0_b2" -> "f0_b4" [label="false"];
    "f0_b3" -> "f0_b2";
    "f0_b4" -> "f0_b1";
  }
}
"#;
        assert_eq!(got, want);
    }

    #[test]
    fn quotes_escaped_and_function_filter() {
        let got = render(&module(), Some("s"), infer).unwrap();
        assert!(!got.contains("@main"));
        assert!(got.contains(r#"label="@s";"#));
        assert!(got.contains(
            r#""f1_b0" [label="entry:\l  %0 = const \"a\\\"b\"\l  ret %0\l", style=bold];"#
        ));
        assert!(render(&module(), Some("nope"), infer).is_none());
        // Both functions when no filter is given.
        let all = render(&module(), None, infer).unwrap();
        assert!(all.contains("cluster_f0") && all.contains("cluster_f1"));
    }

    #[test]
    fn break_and_return_blocks_inside_the_loop_cluster() {
        // The break block `brk` (jump done) and the returning block `found` are outside the
        // natural loop {head, body, latch} but inside the LoopForm's region.
        let src = "fn @main() {
  loop header=head body=body latch=latch exit=done
entry:
  %c = const true
  jump head
head:
  branch %c, body, done
body:
  branch %c, found, next
found:
  ret
next:
  branch %c, brk, latch
brk:
  jump done
latch:
  jump head
done:
  ret
}
";
        let (m, _) = mir14_mir::text::parse(src).unwrap();
        let got = render(&m, None, |_| Vec::new()).unwrap();
        let start = got.find("subgraph \"cluster_f0_loop0\"").unwrap();
        let end = start + got[start..].find("\n    }\n").unwrap();
        let cluster = &got[start..end];
        // entry = b0, head = b1, body = b2, found = b3, next = b4, brk = b5, latch = b6,
        // done = b7.
        for inside in ["f0_b1", "f0_b2", "f0_b3", "f0_b4", "f0_b5", "f0_b6"] {
            assert!(
                cluster.contains(&format!("\"{inside}\" [")),
                "{inside}: {got}"
            );
        }
        for outside in ["f0_b0", "f0_b7"] {
            assert!(
                !cluster.contains(&format!("\"{outside}\" [")),
                "{outside}: {got}"
            );
            assert!(
                got.contains(&format!("    \"{outside}\" [")),
                "{outside}: {got}"
            );
        }
    }
}
