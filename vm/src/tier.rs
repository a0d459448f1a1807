//! The interpreter's side of tiered execution (`mir14-tier`): the [`Tier`] hooks an engine
//! installs with [`Interp::set_tier`], and the decoded [`Program`] it runs.
//!
//! Under a tier the interpreter counts, per function, its calls plus its taken back edges
//! (the loop headers of the shared [`mir14_mir::analysis::BackEdges`]). Once the count
//! exceeds the threshold, each call of the function is offered to [`Tier::call`] (which
//! compiles it if needed and runs it compiled: no interpreter frame is pushed) and each taken
//! back edge to [`Tier::back_edge`] (on-stack replacement: the rest of the activation runs in
//! compiled code entered at the loop header, with the frame's registers as its values).
//! Depth, fuel and annotation checks happen exactly once per activation whichever side runs it.

use crate::interp::Interp;
use mir14_mir::{Block, FuncId, Module};
use mir14_rt::{Runtime, Trap, Val};

/// What a tiered engine provides to the interpreter. Every hook receives the interpreter
/// itself and the runtime, so that calls the engine makes back into the interpreter go through
/// these references.
pub trait Tier {
    /// Called before an activation of hot function `f` with the `n` arguments at `args`
    /// (valid until the callee starts: it must copy them first). `Some(result)` when the
    /// engine ran the whole call (depth, fuel and annotations included); `None` to interpret it.
    fn call(
        &mut self,
        interp: &mut Interp<'_>,
        rt: &mut Runtime,
        f: FuncId,
        args: *const Val,
        n: usize,
    ) -> Option<Result<Val, Trap>>;

    /// Called on a taken back edge to `header` of hot function `f`, after its phi copies and
    /// fuel, with the activation's registers at `vals` (value `v` at `vals[v]`, valid until
    /// the compiled code has read them). `Some(result)` when the engine ran the rest of the
    /// activation: its result, the activation's depth already released.
    fn back_edge(
        &mut self,
        interp: &mut Interp<'_>,
        rt: &mut Runtime,
        f: FuncId,
        header: Block,
        vals: *const Val,
    ) -> Option<Result<Val, Trap>>;

    /// Called on a taken back edge to `header` of hot function `f` before [`Tier::back_edge`]
    /// (and before the registers are gathered for it): false declines the edge at once, and
    /// the activation stays interpreted. The default accepts every edge.
    fn wants_back_edge(&mut self, f: FuncId, header: Block) -> bool {
        let _ = (f, header);
        true
    }

    /// A collection is due at an interpreter safepoint: collect with [`Interp::roots`] and
    /// whatever else the engine knows to be live.
    fn collect(&mut self, interp: &mut Interp<'_>, rt: &mut Runtime);
}

pub use crate::decode::Program;

impl Program {
    /// Decodes a verified module for the interpreter (interning names and string constants in
    /// `rt`); the error is a module the interpreter cannot run.
    pub fn decode(module: &Module, rt: &mut Runtime) -> Result<Program, String> {
        crate::decode::decode(module, rt)
    }

    /// `@main`, if the module has one.
    pub fn main(&self) -> Option<FuncId> {
        self.main
    }
}
