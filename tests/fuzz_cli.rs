//! End-to-end tests of `mir14 fuzz` with the real executable: a clean campaign on vm and jit,
//! and a planted divergence (a wrapper backend that adds a line of output to programs holding a
//! `binop`) that must be reported, saved and shrunk.

use std::path::PathBuf;
use std::process::Command;

fn mir14() -> &'static str {
    env!("CARGO_BIN_EXE_mir14")
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("mir14-fuzz-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn vm_and_jit_agree_on_a_few_programs() {
    let out = scratch("clean");
    let r = Command::new(mir14())
        .args([
            "fuzz",
            "--programs",
            "4",
            "--seed",
            "11",
            "--backends",
            "vm,jit",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&r.stdout);
    assert_eq!(r.status.code(), Some(0), "{stdout}");
    assert_eq!(
        stdout.lines().last(),
        Some("fuzz: 4 programs, 0 divergences")
    );
    assert!(stdout.starts_with("fuzz: seed 11 "), "{stdout}");
    let _ = std::fs::remove_dir_all(&out);
}

#[cfg(unix)]
#[test]
fn a_planted_divergence_is_saved_and_shrunk() {
    use std::os::unix::fs::PermissionsExt;
    let out = scratch("planted");
    let script = out.join("odd.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\n\"{}\" run --backend vm \"$@\"\ns=$?\ngrep -q 'binop sub' \"$1\" && echo extra\nexit $s\n",
            mir14()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let r = Command::new(mir14())
        .args(["fuzz", "--programs", "1", "--seed", "3", "--out"])
        .arg(&out)
        .arg("--backends")
        .arg(format!("vm,odd={}", script.display()))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&r.stdout);
    assert_eq!(r.status.code(), Some(1), "{stdout}");
    assert_eq!(
        stdout.lines().last(),
        Some("fuzz: 1 programs, 1 divergences")
    );
    assert!(stdout.contains("divergence in program seed 3"), "{stdout}");
    let dir = out.join("3");
    for f in [
        "program.mir",
        "program.flags",
        "program.vm.out",
        "program.odd.out",
        "shrunk.mir",
    ] {
        assert!(dir.join(f).exists(), "{f} missing: {stdout}");
    }
    let shrunk = std::fs::read_to_string(dir.join("shrunk.mir")).unwrap();
    assert!(shrunk.contains("binop sub"), "{shrunk}");
    // Everything but one `sub` with its operands (and the function holding it) is gone.
    assert!(shrunk.lines().count() <= 12, "{shrunk}");
    assert_eq!(shrunk.matches("binop").count(), 1, "{shrunk}");
    let odd = std::fs::read_to_string(dir.join("shrunk.odd.out")).unwrap();
    assert!(odd.ends_with("extra\n"), "{odd}");
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn batched_aot_agrees_with_vm_and_jit() {
    // Two batches of three programs: aot builds two executables and runs each program from its
    // batch; vm and jit run the programs' single texts.
    let out = scratch("batched");
    let r = Command::new(mir14())
        .args([
            "fuzz",
            "--programs",
            "6",
            "--batch",
            "3",
            "--seed",
            "21",
            "--backends",
            "vm,jit,aot",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&r.stdout);
    assert_eq!(r.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("(2 aot batch builds, "), "{stdout}");
    assert_eq!(
        stdout.lines().last(),
        Some("fuzz: 6 programs, 0 divergences")
    );
    let _ = std::fs::remove_dir_all(&out);
}

#[cfg(unix)]
#[test]
fn the_shrinker_never_keeps_a_timeout() {
    // A backend that adds a line to programs holding `binop sub` (the divergence) and hangs on
    // those without `binop mul`: a candidate without `mul` "diverges" only by timing out,
    // and must never be kept (issue 21 item 12: a bogus infinite loop was kept as the
    // reproducer).
    use std::os::unix::fs::PermissionsExt;
    let out = scratch("timeout");
    let script = out.join("hang.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\ngrep -q 'binop sub' \"$1\" && ! grep -q 'binop mul' \"$1\" && exec sleep 30\n\"{}\" run --backend vm \"$@\"\ns=$?\ngrep -q 'binop sub' \"$1\" && echo extra\nexit $s\n",
            mir14()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let r = Command::new(mir14())
        .args([
            "fuzz",
            "--programs",
            "1",
            "--seed",
            "3",
            "--shrink-seconds",
            "20",
            "--out",
        ])
        .arg(&out)
        .arg("--backends")
        .arg(format!("vm,hang={}", script.display()))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&r.stdout);
    assert_eq!(r.status.code(), Some(1), "{stdout}");
    let dir = out.join("3");
    let program = std::fs::read_to_string(dir.join("program.mir")).unwrap();
    assert!(program.contains("binop mul") && program.contains("binop sub"));
    let shrunk = std::fs::read_to_string(dir.join("shrunk.mir")).unwrap();
    assert!(shrunk.contains("binop mul"), "kept a timeout:\n{shrunk}");
    assert!(shrunk.contains("binop sub"), "{shrunk}");
    assert!(shrunk.len() < program.len(), "{shrunk}");
    let status = std::fs::read_to_string(dir.join("shrunk.hang.status")).unwrap();
    assert_eq!(status, "exit 0\n", "{status}");
    let _ = std::fs::remove_dir_all(&out);
}
