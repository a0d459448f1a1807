//! `mir14-rt-static`: the MIR14 runtime (`mir14-rt`) packaged as a static library
//! (`libmir14rt.a`) for the executables that `mir14-aot` links.
//!
//! The library exports the C ABI of [`mir14_rt::abi`]: every `mir14_rt_*` function that
//! compiled code imports ([`mir14_rt::abi::imports`]), and [`mir14_rt::abi::mir14_rt_main`],
//! the start-up entry that the generated C `main` calls. They are `#[no_mangle]` items of
//! `mir14-rt` (defined by its `rt_functions!` table), so the archive carries them under their
//! plain names; this crate only re-exports the ABI module so that the archive
//! is built from it. The `mir14-aot` build script builds this crate in release mode and embeds
//! the archive.

pub use mir14_rt::abi;
