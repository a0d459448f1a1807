//! String building in place: `%d = binop add %x, %y` in a loop whose String accumulator
//! `%x = phi [outside: const "..."], [latch: %d]` is used by nothing else in the loop, and whose
//! result `%d` is used by nothing but that phi. Then no other reference to the accumulator's
//! object exists while the loop runs, so the runtime may extend that object in place instead of
//! making a new String per append (`mir14_rt_str_append_in_place`): the first append of each run
//! of the loop (the accumulator is still the constant) makes a fresh growable String, later ones
//! write into it. Every value the program can observe is the same as with a new String each
//! time.

use super::FnTranslator;
use cranelift_module::Module;
use mir14_mir::infer::Ty;
use mir14_mir::{Block, Constant, Function, Inst, Value};
use std::collections::HashSet;

/// The value defined by `v`'s instruction and the block holding it.
fn def_of(f: &Function, v: Value) -> Option<(Block, &Inst)> {
    f.blocks
        .iter()
        .flat_map(|(b, data)| data.insts.iter().map(move |i| (b, i)))
        .find(|(_, i)| i.dest() == Some(v))
}

/// The blocks of the loop of back edge `latch → header`: those that reach `latch` without
/// passing through `header`, and `header`.
fn loop_blocks(f: &Function, header: Block, latch: Block) -> HashSet<Block> {
    let mut preds: Vec<Vec<Block>> = vec![Vec::new(); f.blocks.len()];
    for b in f.blocks.keys() {
        for s in f.successors(b) {
            preds[s.index()].push(b);
        }
    }
    let mut set = HashSet::from([header]);
    let mut work = vec![latch];
    while let Some(b) = work.pop() {
        if set.insert(b) {
            work.extend(preds[b.index()].iter().copied());
        }
    }
    set
}

/// Whether `from` can reach itself inside `body` without passing through `header`.
fn on_inner_cycle(f: &Function, body: &HashSet<Block>, header: Block, from: Block) -> bool {
    let mut seen = HashSet::new();
    let mut work: Vec<Block> = f.successors(from);
    while let Some(b) = work.pop() {
        if b == from {
            return true;
        }
        if b == header || !body.contains(&b) || !seen.insert(b) {
            continue;
        }
        work.extend(f.successors(b));
    }
    false
}

impl<M: Module> FnTranslator<'_, '_, M> {
    /// The String constant the accumulator starts from when `dest = binop add lhs, rhs` in
    /// block `at` may append in place (see the module docs), else `None`.
    pub(super) fn append_in_place(
        &self,
        dest: Value,
        lhs: Value,
        rhs: Value,
        at: Block,
    ) -> Option<String> {
        let types = self.types?;
        if types.ty(lhs) != Ty::String || types.ty(rhs) != Ty::String || lhs == rhs {
            return None;
        }
        let f = self.func;
        let (header, Inst::Phi { inputs, .. }) = def_of(f, lhs)? else {
            return None;
        };
        let [(b0, v0), (b1, v1)] = inputs.as_slice() else {
            return None;
        };
        let ((entry, init), latch) = if *v1 == dest {
            ((*b0, *v0), *b1)
        } else if *v0 == dest {
            ((*b1, *v1), *b0)
        } else {
            return None;
        };
        let Some((
            _,
            Inst::Const {
                value: Constant::Str(text),
                ..
            },
        )) = def_of(f, init)
        else {
            return None;
        };
        let body = loop_blocks(f, header, latch);
        if !body.contains(&at) || body.contains(&entry) || on_inner_cycle(f, &body, header, at) {
            return None;
        }
        // `lhs` is read in the loop only by this add; `dest` only by the phi.
        for (b, data) in f.blocks.iter() {
            for inst in &data.insts {
                let this = inst.dest() == Some(dest);
                let the_phi = inst.dest() == Some(lhs);
                let mut ok = true;
                inst.for_each_use(|u| {
                    if u == lhs && body.contains(&b) && !this {
                        ok = false;
                    }
                    if u == dest && !the_phi {
                        ok = false;
                    }
                });
                if !ok {
                    return None;
                }
            }
        }
        Some(text.clone())
    }
}
