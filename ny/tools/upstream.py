#!/usr/bin/env python3
"""Runs hakorune's own smoke-case fixtures through `mir14 run` on vm, jit and aot.

Usage: ny/tools/upstream.py HAKORUNE_CHECKOUT [--mir14 PATH] [--backends vm,jit,aot] [-j N] [-v]

Reads every case table `tools/smokes/v2/profiles/integration/*/*.tsv` of the checkout (columns:
fixture, expected stdout, allowed exit codes; `__EMPTY__` is an empty stdout), keeps each fixture
once, runs it from the checkout root as upstream's harness does (stdout and stderr together,
trailing line breaks dropped, compared exactly; the exit status must be one of the allowed ones),
and prints pass counts by category and backend. Nothing of the checkout is copied anywhere.

Categories: `core` is everything outside the areas below; a fixture that mentions a plugin box,
a file, the network or async (`FileBox`, `PathBox`, `Socket`, `Http`, `nowait`, `await`, `Future`,
`plugin`) goes to that area; `modules` are fixtures whose `using` names a module by dotted name
(resolved by upstream through its `hako.toml`), not a file path.
"""
import argparse
import concurrent.futures
import os
import re
import subprocess
import sys

AREAS = [
    ("plugins", re.compile(r"plugin|ConsoleBox|MathBox|TimeBox|RandomBox")),
    ("files", re.compile(r"FileBox|PathBox|DirBox|\bfs\b")),
    ("network", re.compile(r"Socket|Http|NetBox")),
    ("async", re.compile(r"\bnowait\b|\bawait\b|Future")),
]
MODULE_USING = re.compile(r"^\s*using\s+[A-Za-z_][\w.]*\s", re.M)


def cases(root):
    """(fixture, expected, allowed exit codes, table) once per fixture, in table order."""
    base = os.path.join(root, "tools/smokes/v2/profiles/integration")
    seen = {}
    for d in sorted(os.listdir(base)):
        dp = os.path.join(base, d)
        if not os.path.isdir(dp):
            continue
        for t in sorted(os.listdir(dp)):
            if not t.endswith(".tsv"):
                continue
            with open(os.path.join(dp, t), encoding="utf-8") as f:
                lines = f.read().splitlines()
            header = next((l for l in lines if l.startswith("# fixture")), None)
            if header is None:
                continue
            for line in lines:
                if not line.strip() or line.startswith("#"):
                    continue
                cols = line.split("\t")
                if len(cols) < 2 or not cols[0].endswith((".hako", ".nyash")):
                    continue
                expected = "" if cols[1] == "__EMPTY__" else cols[1]
                allowed = [int(x) for x in (cols[2] if len(cols) > 2 else "0").split() if x.lstrip("-").isdigit()] or [0]
                seen.setdefault(cols[0], (cols[0], expected, tuple(allowed), d))
    return list(seen.values())


def category(root, fixture):
    try:
        with open(os.path.join(root, fixture), encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError:
        return "missing"
    if MODULE_USING.search(text):
        return "modules"
    for name, pat in AREAS:
        if pat.search(text):
            return name
    return "core"


def run_one(mir14, root, fixture, backend, timeout):
    try:
        p = subprocess.run(
            [mir14, "run", fixture, "--backend", backend],
            cwd=root,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return None, "timeout"
    return p.returncode, p.stdout.decode("utf-8", "replace").rstrip("\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("checkout")
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--mir14", default=os.path.join(here, "../../target/debug/mir14"))
    ap.add_argument("--backends", default="vm,jit,aot")
    ap.add_argument("-j", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("-v", action="store_true", help="print every failure")
    a = ap.parse_args()
    root = os.path.abspath(a.checkout)
    mir14 = os.path.abspath(a.mir14)
    backends = a.backends.split(",")
    todo = cases(root)
    jobs = [(c, b) for c in todo for b in backends]
    results = {}
    with concurrent.futures.ThreadPoolExecutor(a.j) as ex:
        futs = {ex.submit(run_one, mir14, root, c[0], b, a.timeout): (c, b) for c, b in jobs}
        for fut in concurrent.futures.as_completed(futs):
            results[futs[fut]] = fut.result()
    counts = {}
    for c in todo:
        cat = "%s/%s" % (c[3], category(root, c[0]))
        row = counts.setdefault(cat, {"total": 0, **{b: 0 for b in backends}})
        row["total"] += 1
        for b in backends:
            rc, out = results[(c, b)]
            ok = rc in c[2] and out == c[1]
            row[b] += ok
            if not ok and a.v:
                first = out.splitlines()[0] if out else ""
                print("FAIL %-4s %s (rc=%s) want %r got %r" % (b, c[0], rc, c[1], first[:160]))
    print("%-24s %6s" % ("category", "total") + "".join("%6s" % b for b in backends))
    tot = {"total": 0, **{b: 0 for b in backends}}
    for cat in sorted(counts):
        row = counts[cat]
        print("%-24s %6d" % (cat, row["total"]) + "".join("%6d" % row[b] for b in backends))
        for k in tot:
            tot[k] += row[k]
    print("%-24s %6d" % ("all", tot["total"]) + "".join("%6d" % tot[b] for b in backends))


if __name__ == "__main__":
    sys.exit(main())
