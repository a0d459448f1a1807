//! Mutation: small random edits that make a module almost valid, for fuzzing the verifier.

use crate::Source;
use mir14_mir::{Block, FuncId, Inst, Module, Value};

/// Applies a few random small edits to `m` (retargets a branch, drops or duplicates an
/// instruction, swaps two operands, drops a loop declaration, renames a value to an existing
/// name). The result is usually invalid: it is meant for fuzzing the verifier, which must report
/// errors and never panic.
pub fn mutate(m: &mut Module, src: &mut dyn Source) {
    let nf = m.functions.len();
    if nf == 0 {
        return;
    }
    let edits = 1 + src.below(3);
    for _ in 0..edits {
        let f = &mut m.functions[FuncId(src.below(nf as u64) as u32)];
        let nb = f.blocks.len();
        if nb == 0 {
            continue;
        }
        let b = Block(src.below(nb as u64) as u32);
        let ni = f.blocks[b].insts.len();
        let nv = f.values.len().max(1);
        match src.below(7) {
            0 if ni > 0 => {
                f.blocks[b].insts.remove(src.below(ni as u64) as usize);
            }
            1 if ni > 0 => {
                let i = src.below(ni as u64) as usize;
                let inst = f.blocks[b].insts[i].clone();
                f.blocks[b].insts.insert(i, inst);
            }
            2 => {
                if let Some(Inst::Branch { then_block, .. } | Inst::Jump { target: then_block }) =
                    f.blocks[b].insts.last_mut()
                {
                    *then_block = Block(src.below(nb as u64 + 1) as u32);
                }
            }
            3 if ni > 0 => {
                let i = src.below(ni as u64) as usize;
                let w = Value(src.below(nv as u64 + 1) as u32);
                f.blocks[b].insts[i].map_uses(|u| *u = w);
            }
            4 if !f.loops.is_empty() => {
                let i = src.below(f.loops.len() as u64) as usize;
                f.loops.remove(i);
            }
            5 if nv > 1 => {
                let a = src.below(nv as u64) as usize;
                let c = src.below(nv as u64) as usize;
                let name = f.values[Value(c as u32)].name.clone();
                f.values[Value(a as u32)].name = name;
            }
            _ => {
                let i = src.below(ni as u64 + 1) as usize;
                let v = Value(src.below(nv as u64) as u32);
                let inst = Inst::Return { value: Some(v) };
                let at = i.min(f.blocks[b].insts.len());
                f.blocks[b].insts.insert(at, inst);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{generate, Rng};

    #[test]
    fn mutations_never_panic_the_verifier() {
        for seed in 0..500u64 {
            let mut m = generate(seed);
            mutate(&mut m, &mut Rng::new(seed ^ 0xABCD));
            let _ = mir14_mir::verify(&m);
        }
    }
}
