//! Tells crates that depend on `mir14-rt` where its sources are (`DEP_MIR14RT_ROOT`), so that
//! `mir14-aot` can build the runtime as a static library from exactly this crate, in the
//! repository and from a registry alike.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    println!("cargo:root={dir}");
}
