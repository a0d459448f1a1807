#!/usr/bin/env python3
"""Generates the core-semantics conformance programs in spec/tests/run/core/.

Every program's expected stdout, stderr and exit status is computed by `mirpy.py`, an
independent Python model of MIR14 (it shares no code with the Rust implementation). Programs
written by hand also carry hand-computed expectations here (`out=`, `err=`, `code=`); the
generator refuses to write anything if the model disagrees with them, so each such file has been
checked twice.

Usage:
    gen_core.py           rewrite spec/tests/run/core/ (the directory is owned by this script)
    gen_core.py --check   exit 1 if the committed files differ from what would be generated

Deterministic: no randomness, no time, no environment.
"""

import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mirpy  # noqa: E402
from core_hand import HAND_TESTS  # noqa: E402
from core_tables import HAND_SPOT_CHECKS, TABLE_TESTS  # noqa: E402

OUT_DIR = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                        "..", "run", "core"))


def files_for(t):
    """The files of one test: name -> text. Checks hand expectations against the model."""
    name = t["name"]
    src = t["src"]
    if not src.startswith(";"):
        raise SystemExit(f"{name}: a program must start with a header comment")
    out, err, code = mirpy.run_program(src, t.get("fuel"), t.get("max_depth", 100000))
    for key, got in (("out", out), ("err", err), ("code", code)):
        if key in t and t[key] != got:
            raise SystemExit(f"{name}: hand-computed {key} {t[key]!r} but the model gives {got!r}")
    if "table" in t and (err or code):
        raise SystemExit(f"{name}: table program ended with status {code}: {err}")
    if "out" not in t and "table" not in t:
        raise SystemExit(f"{name}: hand-written test without a hand-computed stdout")
    files = {name + ".mir": src}
    if out:
        files[name + ".out"] = out
    if err:
        files[name + ".err"] = err
    if code:
        files[name + ".exit"] = f"{code}\n"
    flags = []
    if t.get("fuel") is not None:
        flags.append(f"--fuel {t['fuel']}")
    if t.get("max_depth", 100000) != 100000:
        flags.append(f"--max-depth {t['max_depth']}")
    if flags:
        files[name + ".flags"] = " ".join(flags) + "\n"
    return files


def main():
    check = "--check" in sys.argv[1:]
    tests = TABLE_TESTS + HAND_TESTS
    names = [t["name"] for t in tests]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise SystemExit(f"duplicate test names: {sorted(dup)}")
    want = {}
    for t in tests:
        want.update(files_for(t))
    for name, line in HAND_SPOT_CHECKS:
        if ("\n" + line + "\n") not in ("\n" + want.get(name + ".out", "")):
            raise SystemExit(f"{name}: hand spot check {line!r} not in the model's output")
    os.makedirs(OUT_DIR, exist_ok=True)
    have = set(os.listdir(OUT_DIR))
    diffs = []
    for fname in sorted(have - set(want)):
        diffs.append(f"stale {fname}")
        if not check:
            os.remove(os.path.join(OUT_DIR, fname))
    for fname, text in sorted(want.items()):
        path = os.path.join(OUT_DIR, fname)
        data = text.encode("utf-8")
        old = None
        if fname in have:
            with open(path, "rb") as fh:
                old = fh.read()
        if old != data:
            diffs.append(f"changed {fname}")
            if not check:
                with open(path, "wb") as fh:
                    fh.write(data)
    print(f"{len(tests)} programs, {len(want)} files, {len(diffs)} differences")
    if check and diffs:
        print("\n".join(diffs))
        sys.exit(1)


if __name__ == "__main__":
    main()
