#!/usr/bin/env python3
"""Authoring aid for spec/tests/run/lib: writes each conformance program and its expected files.

Every expected output below was worked out by hand from spec/MIR14.md and the brief (the
interpreter did not exist when they were written); `mirnum.py` computes the few results that
need arithmetic (fib, tarai). A case body without `fn @main` is wrapped in
`fn @main() {\nbb0:\n ... }`. The shorthand line `log %x` expands to
`extern env.console.log(%x)`. Run from anywhere: `python3 tools/gen.py` rewrites the files of
every case listed here (it never deletes files).
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.dirname(HERE)
CASES = []


def trap(kind, msg, fn="main", block="bb0"):
    """The stderr line of a trap."""
    return f"error: {kind}: {msg} (in @{fn}, {block})\n"


def case(name, comment, src, out="", err="", exit=None, stdin=None, args=None, flags=None,
         raw=False):
    """Registers one program. `err` non-empty with `exit` unset means a trap (exit 101)."""
    if exit is None:
        exit = 101 if any(l.startswith("error: ") for l in err.splitlines()) else 0
    CASES.append(dict(name=name, comment=comment, src=src, out=out, err=err, exit=exit,
                      stdin=stdin, args=args, flags=flags, raw=raw))


def expand(src):
    lines = []
    for raw in src.strip("\n").split("\n"):
        s = raw.strip()
        if s.startswith("log "):
            s = f"extern env.console.log({s[4:].strip()})"
        if not s:
            lines.append("")
            continue
        if s.endswith(":") or s.startswith(("fn ", "box ", "}")) or s.startswith("loop "):
            if s.startswith("loop "):
                lines.append("  " + s)
            else:
                lines.append(s)
        else:
            lines.append("  " + s)
    if "fn @main" not in "\n".join(lines):
        # A bare main body: add the final `ret` if the body does not end with a terminator.
        if not lines[-1].strip().startswith(("ret", "jump ", "branch ")):
            lines.append("  ret")
        lines = ["fn @main() {", "bb0:"] + lines + ["}"]
    text = "\n".join(lines)
    return text + "\n"


def write(c):
    if c.get("raw"):
        # An example file: written as is (it carries its own header comment).
        header, src = "", c["src"]
    else:
        header = "".join(f"; {l}\n" if l else ";\n" for l in c["comment"].strip().split("\n"))
        src = expand(c["src"])
    files = {".mir": header + src, ".out": c["out"]}
    if c["err"]:
        files[".err"] = c["err"]
    if c["exit"]:
        files[".exit"] = f"{c['exit']}\n"
    if c["stdin"] is not None:
        files[".in"] = c["stdin"]
    if c["args"] is not None:
        files[".args"] = "".join(a + "\n" for a in c["args"])
    if c["flags"] is not None:
        files[".flags"] = c["flags"] + "\n"
    for ext, body in files.items():
        with open(os.path.join(OUT, c["name"] + ext), "w", newline="") as f:
            f.write(body)


def main():
    sys.path.insert(0, HERE)
    sys.modules.setdefault("gen", sys.modules[__name__])
    import cases_string, cases_num, cases_array, cases_map, cases_box, cases_call, cases_extern, cases_examples  # noqa
    names = set()
    for c in CASES:
        assert c["name"] not in names, c["name"]
        names.add(c["name"])
        write(c)
    print(f"{len(CASES)} cases written")


if __name__ == "__main__":
    main()
