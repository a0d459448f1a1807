//! Checking every declared LoopForm of a function at once in near-linear time.
//!
//! [`check_loopform`] walks one loop's region and the blocks behind its exit, so checking `k`
//! nested loops that way costs `O(k · n)`. [`check_loopforms`] first tries a fast path that
//! proves every loop valid in `O((n + e) α(n))`, and runs the per-loop check (for its exact
//! messages) only when that proof fails, i.e. for modules with LoopForm errors or unusual
//! shapes.
//!
//! The fast path processes the loops innermost first (by decreasing preorder number of the
//! header in the dominator tree: a header dominated by another one comes first) and collapses
//! each loop's region into its header with a union-find, so an outer loop's region walk steps
//! over an inner region in one move, from its header straight to its exit (every edge leaving a
//! region goes to its exit). The walks record each block's innermost loop and each loop's
//! parent; a final pass over the edges checks that no edge enters a region anywhere but at its
//! header, which makes the collapsed walks exact and implies rule L5.

use super::*;
use crate::ir::{Block, Function, Inst, LoopForm};

/// The messages of [`check_loopform`] for each of `loops` (all of `f.loops`, say), computed in
/// near-linear time when every loop is valid (see the module documentation).
pub fn check_loopforms(
    f: &Function,
    cfg: &Cfg,
    dom: &DomTree,
    loops: &[LoopForm],
) -> Vec<Vec<String>> {
    if all_valid(f, cfg, dom, loops) {
        return vec![Vec::new(); loops.len()];
    }
    loops
        .iter()
        .map(|lf| check_loopform(f, cfg, dom, lf))
        .collect()
}

/// The messages of [`check_loopform_sites`], with their places, for each of `loops`,
/// computed in near-linear time when every loop is valid (see the module documentation).
pub fn check_loopforms_sites(
    f: &Function,
    cfg: &Cfg,
    dom: &DomTree,
    loops: &[LoopForm],
) -> Vec<Vec<(LoopSite, String)>> {
    if all_valid(f, cfg, dom, loops) {
        return vec![Vec::new(); loops.len()];
    }
    loops
        .iter()
        .map(|lf| check_loopform_sites(f, cfg, dom, lf))
        .collect()
}

const NONE: u32 = u32::MAX;

/// A union-find over blocks whose representative is the header of the outermost collapsed
/// region containing the block (or the block itself).
struct Collapsed {
    parent: Vec<u32>,
}

impl Collapsed {
    fn find(&mut self, b: Block) -> Block {
        let mut x = b.index();
        while self.parent[x] as usize != x {
            // Path halving.
            let p = self.parent[x] as usize;
            self.parent[x] = self.parent[p];
            x = self.parent[x] as usize;
        }
        Block(x as u32)
    }
}

/// The nesting of valid LoopForms' regions (valid regions are nested or disjoint).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoopForest {
    /// For each block, the index (in the loops given) of the innermost loop whose region
    /// contains it.
    pub innermost: Vec<Option<usize>>,
    /// For each loop, the innermost other loop whose region contains its header.
    pub parent: Vec<Option<usize>>,
}

impl LoopForest {
    /// Computes the nesting of `loops` in near-linear time (module documentation); `None` when
    /// some loop is not valid (L1–L5, a header shared) or the fast proof does not apply.
    pub fn new(f: &Function, cfg: &Cfg, dom: &DomTree, loops: &[LoopForm]) -> Option<LoopForest> {
        let (innermost, parent) = forest(f, cfg, dom, loops)?;
        let opt = |v: Vec<u32>| -> Vec<Option<usize>> {
            v.into_iter()
                .map(|x| (x != NONE).then_some(x as usize))
                .collect()
        };
        Some(LoopForest {
            innermost: opt(innermost),
            parent: opt(parent),
        })
    }
}

/// True when every loop of `loops` passes L1–L5 and no two share a header; false when some
/// loop fails or the fast proof does not apply (then the caller checks each loop exactly).
pub(crate) fn all_valid(f: &Function, cfg: &Cfg, dom: &DomTree, loops: &[LoopForm]) -> bool {
    forest(f, cfg, dom, loops).is_some()
}

/// [`LoopForest::new`] with `NONE` for "no loop".
#[allow(clippy::type_complexity)]
fn forest(
    f: &Function,
    cfg: &Cfg,
    dom: &DomTree,
    loops: &[LoopForm],
) -> Option<(Vec<u32>, Vec<u32>)> {
    let n = cfg.num_blocks();
    let mut loop_of_header = vec![NONE; n];
    for (i, lf) in loops.iter().enumerate() {
        let blocks = [lf.header, lf.body, lf.latch, lf.exit];
        if blocks
            .iter()
            .any(|b| b.index() >= n || !f.blocks.contains(*b))
        {
            return None;
        }
        let h = lf.header.index();
        if !cfg.is_reachable(lf.header) || loop_of_header[h] != NONE || lf.exit == lf.header {
            return None;
        }
        loop_of_header[h] = i as u32;
        // L4's shape: the header branches to the body and the exit.
        let shape_ok = match f.blocks[lf.header].insts.last() {
            Some(Inst::Branch {
                then_block,
                else_block,
                ..
            }) => {
                let t = (*then_block, *else_block);
                (t == (lf.body, lf.exit) || t == (lf.exit, lf.body)) && lf.body != lf.exit
            }
            _ => false,
        };
        if !shape_ok {
            return None;
        }
    }
    // Innermost first: a dominated header has a larger preorder number.
    let mut order: Vec<usize> = (0..loops.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(dom.preorder(loops[i].header)));
    let mut uf = Collapsed {
        parent: (0..n as u32).collect(),
    };
    let mut processed = vec![false; loops.len()];
    let mut innermost = vec![NONE; n];
    let mut parent_loop = vec![NONE; loops.len()];
    let mut mark = vec![NONE; n];
    let mut stack: Vec<Block> = Vec::new();
    let mut members: Vec<Block> = Vec::new();
    for &li in &order {
        let lf = &loops[li];
        let (h, e) = (lf.header, lf.exit);
        if uf.find(h) != h || uf.find(e) != e {
            return None;
        }
        // The region walk over collapsed regions, checking L1 on the way.
        members.clear();
        stack.push(h);
        while let Some(x) = stack.pop() {
            if mark[x.index()] == li as u32 {
                continue;
            }
            mark[x.index()] = li as u32;
            if !dom.dominates(h, x) {
                stack.clear();
                return None;
            }
            members.push(x);
            let inner = loop_of_header[x.index()];
            let collapsed = x != h && inner != NONE && processed[inner as usize];
            let step = |s: Block, uf: &mut Collapsed, stack: &mut Vec<Block>| -> bool {
                let r = uf.find(s);
                if r == e {
                    // Only the exit itself ends the walk; a block collapsed into the exit's
                    // own loop would be entered behind its header.
                    return s == e;
                }
                if mark[r.index()] != li as u32 {
                    stack.push(r);
                }
                true
            };
            let ok = if collapsed {
                parent_loop[inner as usize] = li as u32;
                step(loops[inner as usize].exit, &mut uf, &mut stack)
            } else {
                innermost[x.index()] = li as u32;
                cfg.successors(x)
                    .iter()
                    .all(|&s| step(s, &mut uf, &mut stack))
            };
            if !ok {
                stack.clear();
                return None;
            }
        }
        for &x in &members {
            uf.parent[x.index()] = h.0;
        }
        processed[li] = true;
        // L2: the latch jumps to the header from inside the region.
        let latch = lf.latch;
        if !cfg.successors(latch).contains(&h) || uf.find(latch) != h {
            return None;
        }
        // L3: no other edge into the header from the region, and no other back edge.
        for &p in cfg.predecessors(h) {
            if p != latch && (uf.find(p) == h || (cfg.is_reachable(p) && dom.dominates(h, p))) {
                return None;
            }
        }
        for &s in cfg.successors(latch) {
            if s != h && cfg.is_reachable(latch) && dom.dominates(s, latch) {
                return None;
            }
        }
        // L4: the body is in the region, the exit is not.
        if uf.find(lf.body) != h || uf.find(e) == h {
            return None;
        }
    }
    // Number the loop forest so that ancestry is an interval test.
    let mut children: Vec<Vec<u32>> = vec![Vec::new(); loops.len()];
    let mut roots = Vec::new();
    for (i, &p) in parent_loop.iter().enumerate() {
        if p == NONE {
            roots.push(i as u32);
        } else {
            children[p as usize].push(i as u32);
        }
    }
    let (mut pre, mut post) = (vec![0u32; loops.len()], vec![0u32; loops.len()]);
    let mut clock = 0u32;
    for r in roots {
        let mut st: Vec<(u32, usize)> = vec![(r, 0)];
        pre[r as usize] = clock;
        clock += 1;
        while let Some(top) = st.last_mut() {
            let (l, next) = *top;
            if let Some(&c) = children[l as usize].get(next) {
                top.1 += 1;
                pre[c as usize] = clock;
                clock += 1;
                st.push((c, 0));
            } else {
                post[l as usize] = clock;
                clock += 1;
                st.pop();
            }
        }
    }
    // `a` is `b` or one of its ancestors (`b` may be NONE: no loop).
    let encloses = |a: u32, b: u32| {
        b != NONE && pre[a as usize] <= pre[b as usize] && post[b as usize] <= post[a as usize]
    };
    // Every edge into a region enters it at its header (this makes the collapsed walks exact
    // and implies L5: nothing of a region but its header is reachable from outside it).
    for (q, b) in cfg.edges() {
        if !cfg.is_reachable(q) {
            continue;
        }
        let (lb, lq) = (innermost[b.index()], innermost[q.index()]);
        if lb == NONE || encloses(lb, lq) {
            continue;
        }
        let at_header = loops[lb as usize].header == b
            && (parent_loop[lb as usize] == NONE || encloses(parent_loop[lb as usize], lq));
        if !at_header {
            return None;
        }
    }
    Some((innermost, parent_loop))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::parse;
    use std::path::Path;

    /// Every `.mir` file under `dir`, recursively.
    fn mir_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                mir_files(&p, out);
            } else if p.extension().is_some_and(|x| x == "mir") {
                out.push(p);
            }
        }
    }

    /// The exact per-loop messages.
    fn exact(f: &Function, cfg: &Cfg, dom: &DomTree) -> Vec<Vec<String>> {
        f.loops
            .iter()
            .map(|lf| check_loopform(f, cfg, dom, lf))
            .collect()
    }

    #[test]
    fn agrees_with_the_per_loop_check_on_the_conformance_corpus() {
        let mut files = Vec::new();
        mir_files(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/tests"),
            &mut files,
        );
        assert!(files.len() > 50, "the corpus is missing");
        let (mut with_loops, mut fast) = (0, 0);
        for path in files {
            let src = std::fs::read_to_string(&path).unwrap();
            let Ok((m, _)) = parse(&src) else {
                continue;
            };
            for f in m.functions.values() {
                let (cfg, dom) = DomTree::of(f);
                let want = exact(f, &cfg, &dom);
                assert_eq!(
                    check_loopforms(f, &cfg, &dom, &f.loops),
                    want,
                    "{}",
                    path.display()
                );
                let valid = want.iter().all(Vec::is_empty);
                let proved = all_valid(f, &cfg, &dom, &f.loops);
                // The fast proof never accepts an invalid loop.
                assert!(
                    !proved || valid,
                    "{}: accepted an invalid loop",
                    path.display()
                );
                // (Invalid programs may share a header, rule L6, which the fast path rejects.)
                let in_invalid = path.components().any(|c| c.as_os_str() == "invalid");
                if valid && !f.loops.is_empty() && !in_invalid {
                    with_loops += 1;
                    fast += usize::from(proved);
                }
            }
        }
        // Valid loops take the fast path (the proof does not give up on ordinary shapes).
        assert!(with_loops > 10, "{with_loops}");
        assert_eq!(
            fast, with_loops,
            "{fast} of {with_loops} valid functions proved fast"
        );
    }

    /// Inference as the per-loop algorithm defines it (explicit natural loops, one
    /// [`check_loopform`] per candidate): the reference for [`infer_loopforms`].
    fn inferred_reference(f: &Function) -> (Vec<LoopForm>, Vec<Block>) {
        let (cfg, dom) = DomTree::of(f);
        let back = BackEdges::new(&cfg, &dom);
        let (mut loops, mut warned) = (Vec::new(), Vec::new());
        for nl in natural_loops(&cfg, &back) {
            if f.loops.iter().any(|l| l.header == nl.header) {
                continue;
            }
            let targets = match f.blocks[nl.header].insts.last() {
                Some(Inst::Branch {
                    then_block,
                    else_block,
                    ..
                }) => Some((*then_block, *else_block)),
                _ => None,
            };
            let split = targets.and_then(|(t, e)| match (nl.contains(t), nl.contains(e)) {
                (true, false) => Some((t, e)),
                (false, true) => Some((e, t)),
                _ => None,
            });
            match (nl.latches.as_slice(), split) {
                ([latch], Some((body, exit))) => {
                    let lf = LoopForm {
                        header: nl.header,
                        body,
                        latch: *latch,
                        exit,
                    };
                    if check_loopform(f, &cfg, &dom, &lf).is_empty() {
                        loops.push(lf);
                    } else {
                        warned.push(nl.header);
                    }
                }
                _ => warned.push(nl.header),
            }
        }
        (loops, warned)
    }

    #[test]
    fn inference_agrees_with_the_per_loop_reference_on_the_conformance_corpus() {
        let mut files = Vec::new();
        mir_files(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/tests"),
            &mut files,
        );
        let mut inferred = 0;
        for path in files {
            let src = std::fs::read_to_string(&path).unwrap();
            let Ok((m, _)) = parse(&src) else {
                continue;
            };
            for f in m.functions.values() {
                let got = infer_loopforms(f);
                let (loops, warned) = inferred_reference(f);
                assert_eq!(got.loops, loops, "{}", path.display());
                let (cfg, dom) = DomTree::of(f);
                let irreducible = irreducible_entries(&cfg, &dom).len();
                let got_warned: Vec<Block> = got.warnings[..got.warnings.len() - irreducible]
                    .iter()
                    .map(|w| w.0)
                    .collect();
                assert_eq!(got_warned, warned, "{}", path.display());
                inferred += loops.len();
            }
        }
        assert!(inferred > 5, "{inferred}");
    }

    /// `n` nested declared loops, loop k's exit jumping to loop k-1's latch (the scaling
    /// benchmark's `nested` shape).
    fn nested(n: usize) -> String {
        let mut s = String::from("fn @main() {\n");
        for k in 0..n {
            s += &format!("  loop header=h{k} body=b{k} latch=l{k} exit=x{k}\n");
        }
        s += "entry:\n  %zero = const 0\n  %one = const 1\n  jump h0\n";
        for k in 0..n {
            let pre = if k == 0 {
                "entry".to_string()
            } else {
                format!("b{}", k - 1)
            };
            let next = if k + 1 < n {
                format!("h{}", k + 1)
            } else {
                format!("l{k}")
            };
            s += &format!(
                "h{k}:\n  %i{k} = phi [{pre}: %zero], [l{k}: %j{k}]\n  %c{k} = compare lt %i{k}, %one\n  branch %c{k}, b{k}, x{k}\nb{k}:\n  jump {next}\nl{k}:\n  %j{k} = binop add %i{k}, %one\n  jump h{k}\n"
            );
        }
        for k in (1..n).rev() {
            s += &format!("x{k}:\n  jump l{}\n", k - 1);
        }
        s += "x0:\n  ret\n}\n";
        s
    }

    #[test]
    fn deep_nesting_takes_the_fast_path_and_nests() {
        // 2,000 nested loops: the per-loop check would walk ~6 million blocks; the fast path
        // visits each block once.
        let (m, _) = parse(&nested(2000)).unwrap();
        let f = m.functions.values().next().unwrap();
        let (cfg, dom) = DomTree::of(f);
        let forest = LoopForest::new(f, &cfg, &dom, &f.loops).expect("fast path");
        for k in 1..2000 {
            assert_eq!(forest.parent[k], Some(k - 1));
        }
        assert_eq!(forest.parent[0], None);
        // The entry and the outermost exit are in no loop; x1 (loop 1's exit) is in loop 0.
        assert_eq!(forest.innermost[0], None);
        let x1 = f
            .blocks
            .keys()
            .find(|&b| f.blocks[b].label == "x1")
            .unwrap();
        assert_eq!(forest.innermost[x1.index()], Some(0));
    }

    #[test]
    fn a_region_entered_behind_its_header_is_left_to_the_exact_check() {
        // The inner loop h1 is entered at b1 from the outer body: the region of h0 reaches b1
        // without h1 (h1 does not dominate b1: L1 of the inner loop fails).
        let src = "fn @main() {\n  loop header=h0 body=b0 latch=l0 exit=x0\n  loop header=h1 body=b1 latch=b1 exit=x1\nentry:\n  %t = const true\n  jump h0\nh0:\n  branch %t, b0, x0\nb0:\n  branch %t, h1, b1\nh1:\n  branch %t, b1, x1\nb1:\n  jump h1\nx1:\n  jump l0\nl0:\n  jump h0\nx0:\n  ret\n}\n";
        let (m, _) = parse(src).unwrap();
        let f = m.functions.values().next().unwrap();
        let (cfg, dom) = DomTree::of(f);
        assert!(!all_valid(f, &cfg, &dom, &f.loops));
        let got = check_loopforms(f, &cfg, &dom, &f.loops);
        assert_eq!(got, exact(f, &cfg, &dom));
        assert!(got.iter().any(|m| !m.is_empty()));
    }
}
