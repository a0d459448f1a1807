//! The printer: a [`Module`] to canonical text.

use crate::ir::Module;

/// Prints the canonical text form of a module.
pub fn print(module: &Module) -> String {
    let _ = module;
    todo!("printer")
}
