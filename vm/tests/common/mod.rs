//! Test helpers: reading MIR14 text with the real parser.

#![allow(dead_code)]

use mir14_mir::Module;

/// Parses and verifies MIR14 text (backends only receive verified modules), with the
/// diagnostics as one string.
pub fn parse(src: &str) -> Result<Module, String> {
    let m = mir14_mir::parse(src).map(|(m, _)| m).map_err(|ds| {
        ds.iter()
            .map(|d| format!("{}..{}: {}", d.span.start, d.span.end, d.message))
            .collect::<Vec<_>>()
            .join("; ")
    })?;
    mir14_mir::verify(&m).map_err(|es| {
        es.iter()
            .map(|e| format!("{:?}: {}", e.location, e.message))
            .collect::<Vec<_>>()
            .join("; ")
    })?;
    Ok(m)
}
