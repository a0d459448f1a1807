//! Builds the runtime static library (`mir14-rt-static`, `libmir14rt.a`) in release mode with a
//! nested `cargo build` whose target directory lives inside `OUT_DIR` (so it never waits for the
//! outer build's directory lock), and tells the crate where the archive is and which native
//! libraries it needs (`MIR14_RT_LIB`, `MIR14_RT_NATIVE_LIBS`). The archive is embedded into the
//! `mir14-aot` library with `include_bytes!`, so nothing of `target/` is needed at run time.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Native libraries Rust's standard library needs on Linux, used only if the nested build did
/// not report them (it always does when it compiles the staticlib).
const FALLBACK_LIBS: &str = "-lgcc_s -lutil -lrt -lpthread -lm -ldl -lc";

fn main() {
    let manifest_dir =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let root = manifest_dir.parent().expect("workspace root").to_path_buf();
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    let target = std::env::var("TARGET").expect("TARGET");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    for dir in [
        "rt-static",
        "rt/src",
        "rt/Cargo.toml",
        "mir/src",
        "mir/Cargo.toml",
        "Cargo.lock",
        "Cargo.toml",
    ] {
        println!("cargo:rerun-if-changed={}", root.join(dir).display());
    }
    let target_dir = out.join("rt-target");
    let mut cmd = Command::new(&cargo);
    cmd.arg("rustc")
        .arg("--release")
        .arg("--manifest-path")
        .arg(root.join("rt-static").join("Cargo.toml"))
        .arg("--target")
        .arg(&target)
        .arg("--")
        .arg("--print")
        .arg("native-static-libs")
        .env("CARGO_TARGET_DIR", &target_dir)
        // The outer build's per-package settings must not leak into the nested build; the
        // toolchain settings (RUSTC, RUSTC_WRAPPER, CARGO_ENCODED_RUSTFLAGS, CARGO_HOME, the
        // jobserver in CARGO_MAKEFLAGS) pass through unchanged.
        .env_remove("RUSTC_WORKSPACE_WRAPPER")
        .env_remove("CARGO_BUILD_TARGET")
        .env_remove("CARGO_PRIMARY_PACKAGE")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    // Keep the embedded archive lean: no debug info of our own crates.
    cmd.env("CARGO_PROFILE_RELEASE_DEBUG", "false");
    let output = match cmd.output() {
        Ok(o) => o,
        Err(e) => panic!("cannot run `{cargo}` to build the mir14 runtime library: {e}"),
    };
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        eprintln!("{stderr}");
        panic!("building the mir14 runtime library (mir14-rt-static) failed");
    }
    let lib = target_dir
        .join(&target)
        .join("release")
        .join("libmir14rt.a");
    if !lib.is_file() {
        panic!("the runtime library was not found at {}", lib.display());
    }
    let libs = native_libs(&stderr, &out);
    let lib = strip_debug(&lib, &out, &target);
    println!("cargo:rustc-env=MIR14_RT_LIB={}", lib.display());
    println!("cargo:rustc-env=MIR14_RT_NATIVE_LIBS={libs}");
}

/// A copy of the archive without debug info (the standard library's), a third smaller to embed
/// and to write at each link, made with `strip --strip-debug` for native Linux builds when
/// `strip` is available; otherwise the archive itself.
fn strip_debug(lib: &Path, out: &Path, target: &str) -> PathBuf {
    let host = std::env::var("HOST").unwrap_or_default();
    if host != target || !target.contains("linux") {
        return lib.to_path_buf();
    }
    let stripped = out.join("libmir14rt.a");
    if std::fs::copy(lib, &stripped).is_err() {
        return lib.to_path_buf();
    }
    let ok = Command::new("strip")
        .arg("--strip-debug")
        .arg(&stripped)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if ok {
        stripped
    } else {
        lib.to_path_buf()
    }
}

/// The `native-static-libs` note of the nested build, or the one it printed last time (the note
/// only appears when the staticlib is compiled), or [`FALLBACK_LIBS`].
fn native_libs(stderr: &str, out: &Path) -> String {
    let cache = out.join("native-static-libs.txt");
    let key = "native-static-libs:";
    if let Some(line) = stderr.lines().find(|l| l.contains(key)) {
        let libs = line[line.find(key).unwrap_or(0) + key.len()..]
            .trim()
            .to_string();
        let _ = std::fs::write(&cache, &libs);
        return libs;
    }
    std::fs::read_to_string(&cache)
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| FALLBACK_LIBS.to_string())
}
