//! The ny front end through the `mir14` binary: every example program under `ny/examples/` runs
//! on each backend and must print exactly its `NAME.out` (expected output written by hand; for
//! `json.ny`, `json.out` is Python's `json.dumps(json.load(f), indent=2, ensure_ascii=False)`
//! plus a newline for the document `json.in`), with stdin `NAME.in` and exit status `NAME.exit`
//! (0 when absent), and nothing on stderr. Also: error reporting and `--emit-mir`.

mod common;

use common::mir14;
use mir14_harness::diff;
use std::fs;
use std::path::{Path, PathBuf};

/// The backends every example runs on.
const BACKENDS: [&str; 3] = ["vm", "jit", "aot"];

fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("ny/examples")
}

#[test]
fn examples_run_on_every_backend() {
    let dir = examples_dir();
    let mut names: Vec<String> = fs::read_dir(&dir)
        .expect("ny/examples exists")
        .filter_map(|e| {
            let p = e.ok()?.path();
            let ext = p.extension()?.to_str()?.to_string();
            let stem = p.file_stem()?.to_str()?.to_string();
            ["ny", "hako"]
                .contains(&ext.as_str())
                .then(|| format!("{stem}.{ext}"))
        })
        .collect();
    names.sort();
    assert!(names.len() >= 6, "examples found: {names:?}");
    let mut failures = Vec::new();
    for file in &names {
        let name = file.rsplit_once('.').map_or(file.as_str(), |(n, _)| n);
        let read = |ext: &str| fs::read(dir.join(format!("{name}.{ext}"))).ok();
        let expected = read("out").unwrap_or_else(|| panic!("{name}.out is missing"));
        let stdin = read("in").unwrap_or_default();
        let status: i32 = read("exit")
            .map(|b| {
                String::from_utf8_lossy(&b)
                    .trim()
                    .parse()
                    .expect("a status")
            })
            .unwrap_or(0);
        for backend in BACKENDS {
            let o = mir14(&["run", file, "--backend", backend], &dir, &stdin);
            if o.stdout != expected || o.code() != Some(status) || !o.stderr.is_empty() {
                failures.push(format!(
                    "{name} on {backend}: status {:?} (expected {status}), stderr {:?}\n{}",
                    o.code(),
                    o.err(),
                    diff(&expected, &o.stdout)
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn json_expected_output_is_pythons() {
    // The expected file must be what Python prints, not what we print: spot-check features
    // that only a faithful json.dumps(indent=2, ensure_ascii=False) has.
    let out = fs::read_to_string(examples_dir().join("json.out")).expect("json.out");
    assert!(out.starts_with("{\n  \"version\": 1,\n  \"records\": [\n    {\n"));
    assert!(
        out.contains("\\u0001\\u001f"),
        "control characters as \\u00XX"
    );
    assert!(
        out.contains("日本語") && out.contains("😀"),
        "non-ASCII kept"
    );
    assert!(
        out.contains("e+") || out.contains("e-"),
        "a float in exponent form"
    );
    assert!(out.ends_with("}\n"));
}

#[test]
fn errors_are_located_and_exit_2() {
    let dir = std::env::temp_dir().join(format!("mir14-ny-{}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    let cases = [
        (
            "function main() {\n  local x = 1 +\n}\n",
            "bad.ny:3:1: error: expected an expression, found `}`\n}\n^\n",
        ),
        (
            "function main() {\n  print(\"a\n}\n",
            "bad.ny:2:9: error: unterminated string\n  print(\"a\n        ^\n",
        ),
        (
            "function main() {\n  y = 2\n}\n",
            "bad.ny:2:3: error: undeclared variable y (declare it with `local`)\n  y = 2\n  ^\n",
        ),
        (
            "function main() {\n  break\n}\n",
            "bad.ny:2:3: error: break outside of a loop\n  break\n  ^^^^^\n",
        ),
        (
            "function f(a) { return a }\nfunction main() { f(1, 2) }\n",
            "bad.ny:2:19: error: wrong number of arguments to f: expected 1, got 2\n\
             function main() { f(1, 2) }\n                  ^^^^^^^\n",
        ),
    ];
    for (src, expected) in cases {
        fs::write(dir.join("bad.ny"), src).unwrap();
        let o = mir14(&["run", "bad.ny"], &dir, b"");
        assert_eq!(o.code(), Some(2), "{src}");
        assert_eq!(o.err(), expected, "{src}");
        assert!(o.stdout.is_empty());
    }
    // No entry point.
    fs::write(dir.join("lib.ny"), "function f() { return 1 }\n").unwrap();
    let o = mir14(&["run", "lib.ny"], &dir, b"");
    assert_eq!(
        (o.code(), o.err()),
        (
            Some(2),
            "lib.ny:1:1: error: no entry point: write `static box Main { main() { ... } }`, \
             a `function main()` or top-level statements\nfunction f() { return 1 }\n^\n"
                .into()
        )
    );
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn emit_mir_prints_verifiable_mir14_text() {
    let dir = examples_dir();
    let o = mir14(
        &["run", "loops.ny", "--backend", "vm", "--emit-mir"],
        &dir,
        b"",
    );
    assert_eq!(o.code(), Some(0), "{}", o.err());
    let text = o.out();
    assert!(text.contains("fn @main() {\n  loop header="), "{text}");
    assert!(text.contains("fn @find(%arr, %x) {"), "{text}");
    // The text is MIR14 that the tool reads back and runs to the same output.
    let tmp = std::env::temp_dir().join(format!("mir14-ny-emit-{}.mir", std::process::id()));
    fs::write(&tmp, &text).unwrap();
    let o = mir14(
        &["run", tmp.to_str().unwrap(), "--backend", "vm"],
        &dir,
        b"",
    );
    fs::remove_file(&tmp).unwrap();
    assert_eq!(o.stdout, fs::read(dir.join("loops.out")).unwrap());
    // `mir14 fmt` on a .ny file is the same text.
    let f = mir14(&["fmt", "loops.ny"], &dir, b"");
    assert_eq!(f.out(), text);
}

/// Runs `src` written to `name` in a fresh temporary directory (with `extra` files beside it)
/// on `backend`: (status, stdout, stderr).
fn run_in_temp(
    tag: &str,
    name: &str,
    src: &str,
    extra: &[(&str, &str)],
    backend: &str,
) -> (Option<i32>, String, String) {
    let dir = std::env::temp_dir().join(format!("mir14-ny-{tag}-{}", std::process::id()));
    let main = dir.join(name);
    fs::create_dir_all(main.parent().unwrap()).unwrap();
    fs::write(main, src).unwrap();
    for (f, text) in extra {
        let p = dir.join(f);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }
    let o = mir14(&["run", name, "--backend", backend], &dir, b"");
    fs::remove_dir_all(&dir).unwrap();
    (
        o.code(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        o.err(),
    )
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    // Issue 21: these used to overflow the stack (3,440 parentheses, 7,200 ifs, 15,000 terms).
    let n = 5000;
    let parens = format!("print({}1{})\n", "(".repeat(n), ")".repeat(n));
    let ifs = format!(
        "local x = 1\n{}print(x)\n{}",
        "if x {\n".repeat(8000),
        "}\n".repeat(8000)
    );
    let plus = format!("print({})\n", vec!["1"; 20000].join(" + "));
    for (src, at) in [(&parens, "1:1005"), (&ifs, "1002:4"), (&plus, "1:3997")] {
        let (code, out, err) = run_in_temp("deep", "deep.hako", src, &[], "vm");
        assert_eq!(code, Some(2), "{err}");
        assert!(out.is_empty());
        assert!(
            err.starts_with(&format!(
                "deep.hako:{at}: error: nesting too deep (more than 1000 levels of expressions and blocks)\n"
            )),
            "{err}"
        );
    }
    // Just under the limit compiles and runs on every backend.
    let ok = format!("print({}1{})\n", "(".repeat(990), ")".repeat(990));
    let ok_ifs = format!(
        "local x = 1\n{}print(x)\n{}",
        "if x == 1 {\n".repeat(900),
        "}\n".repeat(900)
    );
    for backend in BACKENDS {
        for src in [&ok, &ok_ifs] {
            let (code, out, err) = run_in_temp("deepok", "ok.hako", src, &[], backend);
            assert_eq!((code, out.as_str(), err.as_str()), (Some(0), "1\n", ""));
        }
    }
}

#[test]
fn nyash_entry_points_and_using() {
    // Script mode: top-level statements, exit status from `return`.
    let (code, out, _) = run_in_temp("script", "s.nyash", "print(1)\nreturn 7\n", &[], "vm");
    assert_eq!((code, out.as_str()), (Some(7), "1\n"));
    // An instance `box Main`: `new Main()`, then `main()`.
    let src =
        "box Main {\n  n\n  birth() { me.n = 41 }\n  main() { print(me.n + 1)\n return me.n }\n}\n";
    let (code, out, _) = run_in_temp("inst", "m.hako", src, &[], "jit");
    assert_eq!((code, out.as_str()), (Some(41), "42\n"));
    // `using` resolves from the importing file's directory, then its parents; an import of an
    // import is relative to that file.
    let lib = "using \"util/two.hako\"\nstatic box One { get() { return Two.get() - 1 } }\n";
    let two = "static box Two { get() { return 2 } }\n";
    let src = "using \"lib/one.hako\" as Uno\nstatic box Main { main() { print(Uno.get() + One.get()) } }\n";
    let files = [("lib/one.hako", lib), ("lib/util/two.hako", two)];
    let (code, out, err) = run_in_temp("using", "p.hako", src, &files, "aot");
    assert_eq!((code, out.as_str(), err.as_str()), (Some(0), "2\n", ""));
    // Module names resolve through the nearest hako.toml: an exact [modules] entry wins over
    // the longest [module_roots] prefix; a quoted dotted name that is no file is a module too.
    let toml = "[env]\nX = \"1\"\n[module_roots]\n\"app\" = \"src\"\n\"app.deep\" = \"deep\"\n\
                [modules]\n\"app.special\" = \"other/s.hako\"\n";
    let files = [
        ("hako.toml", toml),
        (
            "src/util/num.hako",
            "static box Num { one() { return 1 } }\n",
        ),
        ("deep/x.hako", "static box DeepX { ten() { return 10 } }\n"),
        (
            "other/s.hako",
            "static box Spec { hundred() { return 100 } }\n",
        ),
        ("src/special.hako", "static box Wrong { }\n"),
    ];
    let src = "using app.util.num as N\nusing \"app.deep.x\"\nusing app.special as S\n\
               print(N.one() + DeepX.ten() + S.hundred())\n";
    let (code, out, err) = run_in_temp("modules", "tests/p.hako", src, &files, "vm");
    assert_eq!((code, out.as_str(), err.as_str()), (Some(0), "111\n", ""));
    let (code, _, err) = run_in_temp(
        "nomod",
        "p.hako",
        "using app.nothing\nprint(1)\n",
        &files,
        "vm",
    );
    assert_eq!(code, Some(2));
    assert!(
        err.starts_with("p.hako:1:1: error: cannot find module app.nothing: ")
            && err.contains("src/nothing.hako does not exist (resolved through "),
        "{err}"
    );
    let (code, _, err) = run_in_temp("noroot", "p.hako", "using zz.top\nprint(1)\n", &files, "vm");
    assert_eq!(code, Some(2));
    assert!(
        err.contains("error: cannot resolve module zz.top: ")
            && err.contains("has no [modules] entry for it and no [module_roots] prefix of it"),
        "{err}"
    );
    // Errors: a missing file; an error inside an imported file names that file.
    let (code, _, err) = run_in_temp(
        "miss",
        "p.hako",
        "using \"nope.hako\"\nprint(1)\n",
        &[],
        "vm",
    );
    assert_eq!(code, Some(2));
    assert!(
        err.starts_with("p.hako:1:1: error: cannot find \"nope.hako\""),
        "{err}"
    );
    let bad = [("bad.hako", "static box B {\n  f() { return x }\n}\n")];
    let (code, _, err) = run_in_temp(
        "bad",
        "p.hako",
        "using \"bad.hako\"\nprint(B.f())\n",
        &bad,
        "vm",
    );
    assert_eq!(code, Some(2));
    assert!(
        err.contains(
            "bad.hako:2:16: error: unknown variable x\n  f() { return x }\n               ^\n"
        ),
        "{err}"
    );
    // `function main(args)` gets the arguments (it was an internal compiler error); more
    // parameters are a clear error.
    let src = "function main(args) { print(args.length())\n return 5 }\n";
    let (code, out, _) = run_in_temp("fmain", "f.ny", src, &[], "vm");
    assert_eq!((code, out.as_str()), (Some(5), "0\n"));
    let (code, _, err) = run_in_temp("fmain2", "f.ny", "function main(a, b) { }\n", &[], "vm");
    assert_eq!(code, Some(2));
    assert!(
        err.starts_with("f.ny:1:10: error: function main takes at most one parameter"),
        "{err}"
    );
    // A condition that is neither Bool, Integer, Float nor String traps.
    let (code, _, err) = run_in_temp(
        "truthy",
        "t.hako",
        "local v = null\nif v { print(1) }\n",
        &[],
        "vm",
    );
    assert_eq!(code, Some(101));
    assert!(
        err.contains("branch condition must be Bool, got Void"),
        "{err}"
    );
}

#[test]
fn nyash_using_workspaces_and_aliases() {
    // `[modules.workspace]` members export modules named `<module name>.<export key>` (an
    // `[exports.x]` table prefixes `x.`), files relative to the member; a `[modules]` entry of
    // the same name wins. Components of a module name after the first may be keywords.
    let toml = "[modules.workspace]\nmembers = [\n  \"lib/hako_module.toml\", # the library\n]\n\
                [modules]\n\"acme.util.pick\" = \"own/pick.hako\"\n";
    let member = "[module]\nname = \"acme\"\n[exports]\nutil.pick = \"wrong.hako\"\n\
                  using.loader = \"src/loader.hako\"\n[exports.text]\nfmt = \"src/fmt.hako\"\n";
    let files = [
        ("hako.toml", toml),
        ("lib/hako_module.toml", member),
        (
            "lib/src/loader.hako",
            "static box Loader { load() { return 1 } }\n",
        ),
        (
            "lib/src/fmt.hako",
            "static box Fmt { width() { return 20 } }\n",
        ),
        ("own/pick.hako", "static box Pick { n() { return 300 } }\n"),
        ("lib/wrong.hako", "static box Wrong { }\n"),
    ];
    let src = "using acme.using.loader as L\nusing acme.text.fmt\nusing acme.util.pick as P\n\
               static box Main { main() { print(L.load() + Fmt.width() + P.n()) } }\n";
    for backend in BACKENDS {
        let (code, out, err) = run_in_temp("workspace", "app/p.hako", src, &files, backend);
        assert_eq!((code, out.as_str(), err.as_str()), (Some(0), "321\n", ""));
    }
    // An alias naming none of a file's several static boxes is not bound, and is an error only
    // where it is used. The imported file's own `Main` (its entry point) yields to the
    // program's.
    let two =
        "static box A { f() { return 1 } }\nstatic box Main { main() { print(\"lib main\") } }\n";
    let files = [("two.hako", two)];
    let unused = "using \"two.hako\" as Both\nstatic box Main { main() { print(A.f()) } }\n";
    let (code, out, err) = run_in_temp("alias", "p.hako", unused, &files, "vm");
    assert_eq!((code, out.as_str(), err.as_str()), (Some(0), "1\n", ""));
    let used = "using \"two.hako\" as Both\nstatic box Main { main() { print(Both.f()) } }\n";
    let (code, _, err) = run_in_temp("alias2", "p.hako", used, &files, "vm");
    assert_eq!(code, Some(2));
    assert!(
        err.starts_with(
            "p.hako:2:34: error: Both: \"two.hako\" has 2 static boxes and none is named Both\n"
        ),
        "{err}"
    );
}
