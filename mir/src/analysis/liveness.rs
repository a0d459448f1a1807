//! The roots of the collector at each safepoint: SSA liveness (spec §5, "Memory").
//!
//! A *safepoint* is an instruction that may allocate or call ([`is_safepoint`]): every
//! backend may collect garbage there (the interpreter before the operation, compiled code in
//! the runtime function it calls, and any frame below a call while the callee runs). The
//! *roots* of an active frame stopped at safepoint `i` are:
//! - the values *live after* `i`: used by a later instruction of the frame, or by a phi on an
//!   edge that may still be taken (SSA liveness), except `i`'s own result, which does not
//!   exist yet;
//! - the operands of `i` (a value used only by the instruction being performed counts while it
//!   runs);
//! - for `new` of a user box, its result when it is live after `i`: the object exists while
//!   its `birth` runs.
//!
//! A value that no later instruction uses is garbage even though its frame is still active.
//! Every backend takes its roots from [`SafepointRoots`], so they agree on which objects are
//! live at every collection.
//!
//! Only values that may be heap objects are listed: constants are left out (their Strings are
//! pinned by every backend, other constants are not objects), and so are values a small local
//! inference proves to be scalars (Integer, Float or Bool: constants of those types,
//! comparisons, `typeop check`, and unary and binary operators and phis whose operands are all
//! scalars, as a greatest fixpoint), which are never objects. This changes no root set, and it
//! keeps the lists (and the work) small on functions with many numeric values live at once.
//!
//! # Algorithm
//!
//! Block liveness is found value by value, walking backwards from each use to the definition
//! (a block where the value is live-in makes it live-out of every predecessor; phi inputs are
//! live-out of their predecessor only), with a per-block stamp so each block is visited once
//! per value: the cost is the total size of the live ranges in blocks, plus the instructions,
//! with no values × blocks bit matrix. Then each block is scanned backwards once from its
//! live-out values, keeping the live set in a sparse set (constant-time insert, remove and
//! enumeration in its size), and the set is copied out at each safepoint. The result is the
//! sum of the root lists, which is what any precise collector needs (one list per safepoint).
//! Unreachable blocks are skipped: they never run, and walking from their uses could make a
//! value look live where it is not defined.

use super::Cfg;
use crate::ir::{BoxClass, Function, Inst, Value};
use crate::Block;

/// True for the instructions at which a collection may happen: binary operators (the
/// non-Integer paths), type operations, `new`, and calls of every kind (`call`, `extern`).
/// Constants, phis, comparisons, unary operators, field loads and stores and terminators never
/// allocate and never call.
pub fn is_safepoint(inst: &Inst) -> bool {
    matches!(
        inst,
        Inst::Binary { .. }
            | Inst::TypeOp { .. }
            | Inst::NewBox { .. }
            | Inst::Call { .. }
            | Inst::ExternCall { .. }
    )
}

/// One safepoint: its instruction's index in its block and its roots (a range of
/// [`SafepointRoots::values`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Point {
    inst: u32,
    start: u32,
    len: u32,
}

/// The roots of every safepoint of a function (see the module docs): for each reachable
/// instruction with [`is_safepoint`], the values that are roots while a frame is stopped there,
/// in increasing value order.
#[derive(Clone, Debug, Default)]
pub struct SafepointRoots {
    /// Per block, the first entry of `points` (one more entry at the end).
    block_start: Vec<u32>,
    /// The safepoints, by block then instruction index.
    points: Vec<Point>,
    /// The root lists.
    values: Vec<Value>,
}

impl SafepointRoots {
    /// Computes the roots of every safepoint of `f`.
    pub fn of(f: &Function) -> SafepointRoots {
        Self::with_cfg(f, &Cfg::new(f))
    }

    /// [`SafepointRoots::of`] with the function's CFG already built.
    pub fn with_cfg(f: &Function, cfg: &Cfg) -> SafepointRoots {
        let nb = f.blocks.len();
        let nv = f.values.len();
        let tracked = objects(f);
        let live_out = live_out(f, cfg, &tracked);
        let tracked = |v: Value| tracked.get(v.index()).copied().unwrap_or(false);
        let mut out = SafepointRoots {
            block_start: Vec::with_capacity(nb + 1),
            points: Vec::new(),
            values: Vec::new(),
        };
        let mut set = SparseSet::new(nv);
        let mut block_points: Vec<Point> = Vec::new();
        for (b, bd) in f.blocks.iter() {
            out.block_start.push(out.points.len() as u32);
            if !cfg.is_reachable(b) {
                continue;
            }
            set.clear();
            for &v in &live_out[b.index()] {
                set.insert(v.index());
            }
            // Backwards over the block; phis end the scan (their inputs are uses on the edges).
            block_points.clear();
            for (i, inst) in bd.insts.iter().enumerate().rev() {
                if matches!(inst, Inst::Phi { .. }) {
                    break;
                }
                let dest = inst.dest();
                if is_safepoint(inst) {
                    let start = out.values.len();
                    let keep_dest = matches!(
                        inst,
                        Inst::NewBox {
                            class: BoxClass::User(_),
                            ..
                        }
                    );
                    for &x in set.items() {
                        if keep_dest || Some(Value(x as u32)) != dest {
                            out.values.push(Value(x as u32));
                        }
                    }
                    inst.for_each_use(|u| {
                        if tracked(u) && !set.contains(u.index()) {
                            out.values.push(u);
                        }
                    });
                    let mut list = out.values.split_off(start);
                    list.sort_unstable_by_key(|v| v.0);
                    list.dedup_by_key(|v| v.0);
                    let len = list.len();
                    out.values.append(&mut list);
                    block_points.push(Point {
                        inst: i as u32,
                        start: start as u32,
                        len: len as u32,
                    });
                }
                if let Some(d) = dest {
                    if d.index() < nv {
                        set.remove(d.index());
                    }
                }
                inst.for_each_use(|u| {
                    if tracked(u) {
                        set.insert(u.index());
                    }
                });
            }
            out.points.extend(block_points.iter().rev());
        }
        out.block_start.push(out.points.len() as u32);
        out
    }

    /// The roots at instruction `inst` (its index in block `b`), if it is a reachable safepoint,
    /// sorted by value.
    pub fn at(&self, b: Block, inst: usize) -> Option<&[Value]> {
        let lo = *self.block_start.get(b.index())? as usize;
        let hi = *self.block_start.get(b.index() + 1)? as usize;
        let ps = &self.points[lo..hi];
        let k = ps.binary_search_by_key(&(inst as u32), |p| p.inst).ok()?;
        Some(self.list(ps[k]))
    }

    /// Every safepoint: its block, its instruction index and its roots, in block order.
    pub fn iter(&self) -> impl Iterator<Item = (Block, usize, &[Value])> + '_ {
        self.block_start
            .windows(2)
            .enumerate()
            .flat_map(move |(b, w)| {
                self.points[w[0] as usize..w[1] as usize]
                    .iter()
                    .map(move |p| (Block(b as u32), p.inst as usize, self.list(*p)))
            })
    }

    /// The number of safepoints.
    pub fn len(&self) -> usize {
        self.points.len()
    }

    /// True when the function has no reachable safepoint.
    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    fn list(&self, p: Point) -> &[Value] {
        &self.values[p.start as usize..(p.start + p.len) as usize]
    }
}

/// Per value: whether it may be a heap object that is not a constant (see the module docs).
fn objects(f: &Function) -> Vec<bool> {
    let nv = f.values.len();
    // `scalar`: proven Integer, Float or Bool (optimistic for operators and phis, refuted by
    // a work list); `constant`: defined by `const`.
    let mut scalar = vec![false; nv];
    let mut constant = vec![false; nv];
    // Users of each value among operators and phis (the instructions whose scalarity depends
    // on their operands), as (operand, user) pairs sorted by operand.
    let mut deps: Vec<(u32, u32)> = Vec::new();
    for bd in f.blocks.values() {
        for inst in &bd.insts {
            let Some(d) = inst.dest().filter(|d| d.index() < nv) else {
                continue;
            };
            match inst {
                Inst::Const { value, .. } => {
                    constant[d.index()] = true;
                    scalar[d.index()] = matches!(
                        value,
                        crate::ir::Constant::Int(_)
                            | crate::ir::Constant::Float(_)
                            | crate::ir::Constant::Bool(_)
                    );
                }
                Inst::Compare { .. }
                | Inst::TypeOp {
                    op: crate::ir::TypeOpKind::Check(_),
                    ..
                } => scalar[d.index()] = true,
                Inst::Unary { .. } | Inst::Binary { .. } | Inst::Phi { .. } => {
                    scalar[d.index()] = true;
                    inst.for_each_use(|u| deps.push((u.0, d.0)));
                }
                _ => {}
            }
        }
    }
    deps.sort_unstable();
    // Refute: a non-scalar operand makes its users non-scalar (each value refuted once).
    let mut work: Vec<u32> = (0..nv as u32).filter(|&v| !scalar[v as usize]).collect();
    while let Some(v) = work.pop() {
        let from = deps.partition_point(|&(o, _)| o < v);
        for &(_, user) in deps[from..].iter().take_while(|&&(o, _)| o == v) {
            if scalar[user as usize] {
                scalar[user as usize] = false;
                work.push(user);
            }
        }
    }
    // Operands out of range are not scalars; they are simply never tracked.
    (0..nv).map(|v| !scalar[v] && !constant[v]).collect()
}

/// The tracked values live out of each block (by block index), for reachable blocks.
fn live_out(f: &Function, cfg: &Cfg, tracked: &[bool]) -> Vec<Vec<Value>> {
    let nb = f.blocks.len();
    let nv = f.values.len();
    // Where each value is defined: its block (parameters: the entry); u32::MAX when nowhere.
    let mut def_block = vec![u32::MAX; nv];
    for p in &f.params {
        if p.value.index() < nv {
            def_block[p.value.index()] = 0;
        }
    }
    // Uses: (value, block where it is live-in) for ordinary uses in another block than the
    // definition, (value, predecessor) for phi inputs (live-out of the predecessor).
    let mut uses_in: Vec<(Value, Block)> = Vec::new();
    let mut uses_out: Vec<(Value, Block)> = Vec::new();
    for (b, bd) in f.blocks.iter() {
        if !cfg.is_reachable(b) {
            continue;
        }
        for inst in &bd.insts {
            if let Some(d) = inst.dest() {
                if d.index() < nv {
                    def_block[d.index()] = b.0;
                }
            }
        }
    }
    for (b, bd) in f.blocks.iter() {
        if !cfg.is_reachable(b) {
            continue;
        }
        for inst in &bd.insts {
            match inst {
                Inst::Phi { inputs, .. } => {
                    for &(p, v) in inputs {
                        if v.index() < nv
                            && tracked[v.index()]
                            && p.index() < nb
                            && cfg.is_reachable(p)
                        {
                            uses_out.push((v, p));
                        }
                    }
                }
                _ => inst.for_each_use(|v| {
                    if v.index() < nv && tracked[v.index()] && def_block[v.index()] != b.0 {
                        uses_in.push((v, b));
                    }
                }),
            }
        }
    }
    // Group the uses by value, so each value's walk uses one stamp.
    uses_in.sort_unstable_by_key(|(v, b)| (v.0, b.0));
    uses_out.sort_unstable_by_key(|(v, b)| (v.0, b.0));
    let mut out: Vec<Vec<Value>> = vec![Vec::new(); nb];
    // Stamps: the last value (plus one) found live-in / live-out of each block.
    let mut in_stamp = vec![0u32; nb];
    let mut out_stamp = vec![0u32; nb];
    let mut work: Vec<Block> = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < uses_in.len() || j < uses_out.len() {
        let v = match (uses_in.get(i), uses_out.get(j)) {
            (Some(a), Some(b)) => a.0 .0.min(b.0 .0),
            (Some(a), None) => a.0 .0,
            (None, Some(b)) => b.0 .0,
            (None, None) => break,
        };
        let stamp = v + 1;
        let def = def_block[v as usize];
        if def == u32::MAX {
            // Never defined in reachable code (not a verified module): not a root anywhere.
            while uses_in.get(i).is_some_and(|u| u.0 .0 == v) {
                i += 1;
            }
            while uses_out.get(j).is_some_and(|u| u.0 .0 == v) {
                j += 1;
            }
            continue;
        }
        // Live-out of a block: record it, and walk on unless it is the definition's block.
        let mut mark_out = |p: Block, work: &mut Vec<Block>, out: &mut Vec<Vec<Value>>| {
            if out_stamp[p.index()] != stamp {
                out_stamp[p.index()] = stamp;
                out[p.index()].push(Value(v));
                if p.0 != def {
                    work.push(p);
                }
            }
        };
        while let Some(&(_, b)) = uses_in.get(i).filter(|u| u.0 .0 == v) {
            i += 1;
            work.push(b);
        }
        while let Some(&(_, p)) = uses_out.get(j).filter(|u| u.0 .0 == v) {
            j += 1;
            mark_out(p, &mut work, &mut out);
        }
        // `work` holds blocks where `v` is live-in (never the definition's block).
        while let Some(b) = work.pop() {
            if in_stamp[b.index()] == stamp {
                continue;
            }
            in_stamp[b.index()] = stamp;
            for &p in cfg.predecessors(b) {
                if cfg.is_reachable(p) {
                    mark_out(p, &mut work, &mut out);
                }
            }
        }
    }
    out
}

/// A set of small integers below a bound: insert, remove and membership in constant time,
/// enumeration in the set's size.
struct SparseSet {
    items: Vec<usize>,
    /// The position of each member in `items` (garbage for non-members).
    pos: Vec<u32>,
}

impl SparseSet {
    fn new(n: usize) -> SparseSet {
        SparseSet {
            items: Vec::new(),
            pos: vec![0; n],
        }
    }

    fn contains(&self, x: usize) -> bool {
        let p = self.pos[x] as usize;
        p < self.items.len() && self.items[p] == x
    }

    fn insert(&mut self, x: usize) {
        if !self.contains(x) {
            self.pos[x] = self.items.len() as u32;
            self.items.push(x);
        }
    }

    fn remove(&mut self, x: usize) {
        if self.contains(x) {
            let p = self.pos[x] as usize;
            let last = self.items.pop().unwrap_or(x);
            if last != x {
                self.items[p] = last;
                self.pos[last] = p as u32;
            }
        }
    }

    fn clear(&mut self) {
        self.items.clear();
    }

    fn items(&self) -> &[usize] {
        &self.items
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse;

    /// The roots of every safepoint of function `name`, as `block:inst [names]`.
    fn roots(src: &str) -> Vec<String> {
        let (m, _) = parse(src).expect("parses");
        let f = m.functions.values().next().expect("a function");
        let r = SafepointRoots::of(f);
        r.iter()
            .map(|(b, i, vs)| {
                let names: Vec<&str> = vs.iter().map(|v| f.values[*v].name.as_str()).collect();
                format!("{}:{} [{}]", f.blocks[b].label, i, names.join(" "))
            })
            .collect()
    }

    #[test]
    fn dead_values_are_not_roots() {
        // %t is dead after the length call; %a is live across the push.
        let src = "fn @f(%s) {\nbb0:\n  %t = binop add %s, %s\n  \
                   %n = call %t.length()\n  %a = new ArrayBox()\n  call %a.push(%n)\n  \
                   extern env.console.log(%a)\n  ret\n}\n";
        assert_eq!(
            roots(src),
            [
                "bb0:0 [s]",
                "bb0:1 [t]",
                "bb0:2 [n]",
                "bb0:3 [n a]",
                "bb0:4 [a]"
            ]
        );
    }

    #[test]
    fn loops_and_phis() {
        // %s is live around the loop (used after it); %i through the back edge; %x only by the
        // phi on the back edge, so it is live after the call in the body.
        let src = "fn @f(%p, %s) {\nbb0:\n  %one = const 1\n  jump h\nh:\n  \
                   %i = phi [bb0: %p], [b: %x]\n  %c = compare lt %i, %one\n  \
                   branch %c, b, e\nb:\n  %x = binop add %i, %one\n  \
                   extern env.console.log(%i)\n  jump h\ne:\n  extern env.console.log(%s)\n  \
                   ret\n}\n";
        assert_eq!(roots(src), ["b:0 [s i]", "b:1 [s i x]", "e:0 [s]"]);
    }

    #[test]
    fn constants_and_scalars_are_not_roots() {
        // %i and %x are Integers (a greatest fixpoint through the phi); constants are pinned
        // or not objects.
        let src = "fn @main() {\nbb0:\n  %z = const 0\n  %one = const 1\n  \
                   %s = const \"x\"\n  jump h\nh:\n  %i = phi [bb0: %z], [b: %x]\n  \
                   %c = compare lt %i, %one\n  branch %c, b, e\nb:\n  \
                   %x = binop add %i, %one\n  %a = new ArrayBox()\n  call %a.push(%x)\n  \
                   %t = binop add %s, %x\n  jump h\ne:\n  ret\n}\n";
        assert_eq!(roots(src), ["b:0 []", "b:1 []", "b:2 [a]", "b:3 []"]);
    }

    #[test]
    fn a_value_used_on_one_branch_is_live_before_it() {
        let src = "fn @f(%p, %q) {\nbb0:\n  %a = new ArrayBox()\n  %c = compare eq %p, %q\n  \
                   branch %c, t, e\nt:\n  extern env.console.log(%a)\n  ret\ne:\n  \
                   extern env.console.log(%p)\n  ret\n}\n";
        assert_eq!(roots(src), ["bb0:0 [p q]", "t:0 [a]", "e:0 [p]"]);
    }

    #[test]
    fn new_user_box_keeps_its_result_for_birth() {
        let src = "box P { x }\nfn @main() {\nbb0:\n  %p = new P()\n  \
                   extern env.console.log(%p)\n  %q = new P()\n  ret\n}\n";
        assert_eq!(roots(src), ["bb0:0 [p]", "bb0:1 [p]", "bb0:2 []"]);
    }

    #[test]
    fn unreachable_blocks_have_no_safepoints() {
        let src = "fn @main() {\nbb0:\n  ret\ndead:\n  %a = new ArrayBox()\n  ret\n}\n";
        let (m, _) = parse(src).expect("parses");
        let f = m.functions.values().next().expect("a function");
        let r = SafepointRoots::of(f);
        assert!(r.is_empty());
        assert_eq!(r.at(Block(1), 0), None);
    }

    #[test]
    fn long_chains_stay_near_linear() {
        // A chain of 20,000 blocks, each with a safepoint, and one value live through all of
        // them: 20,000 one-element lists.
        let n = 20_000;
        let mut src = String::from("fn @main() {\nbb0:\n  %k = new ArrayBox()\n  jump b0\n");
        for i in 0..n {
            src += &format!("b{i}:\n  %x{i} = call %k.length()\n  jump b{}\n", i + 1);
        }
        src += &format!("b{n}:\n  extern env.console.log(%k)\n  ret\n}}\n");
        let (m, _) = parse(&src).expect("parses");
        let f = m.functions.values().next().expect("a function");
        let r = SafepointRoots::of(f);
        assert_eq!(r.len(), n + 2);
        let k = f.value_by_name("k").expect("k");
        assert_eq!(r.at(Block(7), 0), Some(&[k][..]));
    }
}
