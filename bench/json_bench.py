#!/usr/bin/env python3
"""The JSON benchmark of the MIR14 paper, reproduced: parse and pretty-print a ~1 KB and a
~100 KB JSON document with the ny program ny/examples/json.ny on each mir14 backend, beside
Python's json module (bench/json_py.py) on the same documents.

usage: python3 bench/json_bench.py [--mir14 PATH] [--runs N] [--backends vm,jit,aot]

Build first: cargo build --release (the default PATH is target/release/mir14). The documents
are written by bench/gen_json.py (deterministic) into a temporary directory. Every backend's
output must be byte-identical to `json.dumps(json.loads(doc), indent=2, ensure_ascii=False)`
plus a newline, or the harness stops with an error; gen_json.py's edge-case document (escapes
above U+00FF, surrogate pairs, integers over 64 bits, 17-digit floats) is checked that way too
(not listed in the table).

Columns: median wall and CPU (user+sys) time of N runs of the whole process (start-up and,
for jit, compiling the program included); the `trivial` document `0` shows that fixed cost. `aot` runs the executable made once by `mir14 build` (its build time
is printed separately); `vm/jit` and `vm/aot` are the speed-ups over the interpreter.
"""
import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PROGRAM = os.path.join(ROOT, "ny", "examples", "json.ny")


def cpu_of_children():
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def timed(cmd, stdin, runs, expected, label):
    """Median (wall, CPU) time of `cmd` fed `stdin`; its stdout must be exactly `expected`."""
    times, cpus = [], []
    for _ in range(runs):
        c0 = cpu_of_children()
        t0 = time.perf_counter()
        r = subprocess.run(cmd, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           check=False)
        times.append(time.perf_counter() - t0)
        cpus.append(cpu_of_children() - c0)
        if r.returncode != 0:
            sys.exit(f"{label}: status {r.returncode}:\n{r.stderr.decode(errors='replace')}")
        if r.stdout != expected:
            sys.exit(f"{label}: output differs from Python's json.dumps(indent=2, "
                     f"ensure_ascii=False)")
    return statistics.median(times), statistics.median(cpus)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mir14", default=os.path.join(ROOT, "target", "release", "mir14"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--backends", default="vm,jit,aot")
    a = ap.parse_args()
    backends = a.backends.split(",")
    python = shutil.which("python3") or sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([python, os.path.join(HERE, "gen_json.py"), tmp], check=True)
        if "aot" in backends:
            exe = os.path.join(tmp, "json_aot")
            t0 = time.perf_counter()
            subprocess.run([a.mir14, "build", PROGRAM, "-o", exe], check=True)
            print(f"aot: mir14 build json.ny took {time.perf_counter() - t0:.3f} s")
        with open(os.path.join(tmp, "json_trivial.json"), "w") as f:
            f.write("0\n")
        cols = backends + ["python3"]
        header = (f"{'document':19}" + "".join(f"{c:>9}" for c in cols)
                  + "".join(f"{'vm/' + b:>9}" for b in backends if b != "vm")
                  + "".join(f"{'py/' + b:>9}" for b in backends))
        results = []
        for name in ["json_trivial", "json_small", "json_large", "json_edge"]:
            path = os.path.join(tmp, name + ".json")
            with open(path, "rb") as f:
                doc = f.read()
            expected = (json.dumps(json.loads(doc.decode("utf-8")), indent=2,
                                   ensure_ascii=False) + "\n").encode("utf-8")
            row = {}
            for b in backends:
                cmd = [exe] if b == "aot" else [a.mir14, "run", "--backend", b, PROGRAM]
                row[b] = timed(cmd, doc, a.runs, expected, f"{name} on {b}")
            row["python3"] = timed([python, os.path.join(HERE, "json_py.py")], doc, a.runs,
                                   expected, f"{name} on python3")
            size = f"{len(doc) // 1024} KB" if len(doc) >= 1024 else f"{len(doc)} B"
            if name != "json_edge":
                results.append((f"{name[5:]} ({size})", row))
        for kind, i in [("wall", 0), ("CPU (user+sys)", 1)]:
            print(f"median {kind} time of {a.runs} runs (seconds); every output checked "
                  f"byte for byte")
            print(header)
            for label, row in results:
                t = {c: max(row[c][i], 1e-9) for c in cols}
                line = f"{label:19}" + "".join(f"{t[c]:9.3f}" for c in cols)
                line += "".join(f"{t['vm'] / t[b]:8.2f}x" for b in backends
                                if b != "vm" and "vm" in t)
                line += "".join(f"{t['python3'] / t[b]:8.2f}x" for b in backends)
                print(line)


if __name__ == "__main__":
    main()
