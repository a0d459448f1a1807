//! TEMPORARY stand-ins for mir14-mir APIs that are not merged into this branch yet
//! (`analysis::{infer_loopforms, module_loop_warnings}`).
//! Delete this file and import the real items once `git merge main` brings them in.

/// Stand-in for `mir14_mir::analysis`.
pub mod analysis {
    use mir14_mir::{Block, Function, Location, LoopForm, Module};

    /// Stand-in for `mir14_mir::analysis::LoopInference`.
    #[derive(Default)]
    pub struct LoopInference {
        /// Inferred LoopForms of undeclared canonical loops.
        pub loops: Vec<LoopForm>,
        /// Loops not in canonical form.
        pub warnings: Vec<(Block, String)>,
    }

    /// Stand-in for `mir14_mir::analysis::infer_loopforms`.
    pub fn infer_loopforms(_func: &Function) -> LoopInference {
        LoopInference::default()
    }

    /// Stand-in for `mir14_mir::analysis::module_loop_warnings`.
    pub fn module_loop_warnings(_module: &Module) -> Vec<(Location, String)> {
        Vec::new()
    }
}
