//! Test helpers: reading MIR14 text with the real parser.

#![allow(dead_code)]

use mir14_mir::Module;

/// Parses MIR14 text into a module (no verification), with the diagnostics as one string.
pub fn parse(src: &str) -> Result<Module, String> {
    mir14_mir::parse(src).map(|(m, _)| m).map_err(|ds| {
        ds.iter()
            .map(|d| format!("{}..{}: {}", d.span.start, d.span.end, d.message))
            .collect::<Vec<_>>()
            .join("; ")
    })
}
