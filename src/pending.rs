//! TEMPORARY stand-ins for mir14-mir APIs that are not merged into this branch yet
//! (`json::{to_json, from_json, JsonError}`, `analysis::{infer_loopforms, module_loop_warnings}`).
//! Delete this file and import the real items once `git merge main` brings them in.

/// Stand-in for `mir14_mir::json`.
pub mod json {
    use mir14_mir::Module;

    /// Stand-in for `mir14_mir::json::JsonError`.
    #[derive(Debug)]
    pub struct JsonError {
        /// 1-based line.
        pub line: usize,
        /// 1-based column.
        pub column: usize,
        /// What is wrong.
        pub message: String,
    }

    /// Stand-in for `mir14_mir::json::to_json`.
    pub fn to_json(_module: &Module) -> String {
        "{}".to_string()
    }

    /// Stand-in for `mir14_mir::json::from_json`.
    pub fn from_json(_src: &str) -> Result<Module, JsonError> {
        Err(JsonError {
            line: 1,
            column: 1,
            message: "the JSON reader is not merged yet".to_string(),
        })
    }
}

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
