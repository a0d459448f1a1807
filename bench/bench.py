#!/usr/bin/env python3
"""The mir14 benchmark harness: runs each workload on the mir14 backends and on reference
implementations, prints median wall times and ratios (never absolute claims: the machines are
shared and noisy, so compare columns of one run).

usage: python3 bench/bench.py [--mir14 PATH] [--runs N] [--backends vm,jit] [WORKLOAD...]

Build first: cargo build --release (the default PATH is target/release/mir14).
Each workload is bench/NAME.mir with a Python equivalent bench/NAME.py; outputs must agree.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
WORKLOADS = ["fib", "tarai", "intloop", "strbuild", "arrays"]


def timed(cmd, runs):
    """Median wall time of `cmd` over `runs` runs, and its stdout (which must not vary)."""
    times, outs = [], set()
    for _ in range(runs):
        t0 = time.perf_counter()
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
        times.append(time.perf_counter() - t0)
        if r.returncode != 0:
            sys.exit(f"{' '.join(cmd)} failed with status {r.returncode}:\n{r.stderr.decode()}")
        outs.add(r.stdout)
    if len(outs) != 1:
        sys.exit(f"{' '.join(cmd)}: output varies between runs")
    return statistics.median(times), outs.pop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mir14", default=os.path.join(HERE, "..", "target", "release", "mir14"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--backends", default="vm,jit")
    ap.add_argument("workloads", nargs="*", default=WORKLOADS)
    a = ap.parse_args()
    backends = a.backends.split(",")
    python = shutil.which("python3")
    cols = backends + (["python3"] if python else [])
    print(f"median wall time of {a.runs} runs (seconds); ratios in the last columns")
    print(f"{'workload':10}" + "".join(f"{c:>10}" for c in cols)
          + (f"{'vm/jit':>9}" if "vm" in backends and "jit" in backends else "")
          + (f"{'py/vm':>8}" if python and "vm" in backends else "")
          + (f"{'py/jit':>8}" if python and "jit" in backends else ""))
    for w in a.workloads:
        mir = os.path.join(HERE, w + ".mir")
        row, out = {}, None
        for b in backends:
            row[b], o = timed([a.mir14, "run", "--backend", b, mir], a.runs)
            if out is not None and o != out:
                sys.exit(f"{w}: backend {b} printed different output")
            out = o
        if python:
            row["python3"], o = timed([python, os.path.join(HERE, w + ".py")], a.runs)
            if o != out:
                sys.exit(f"{w}: python3 printed {o!r}, mir14 printed {out!r}")
        line = f"{w:10}" + "".join(f"{row[c]:10.3f}" for c in cols)
        if "vm" in row and "jit" in row:
            line += f"{row['vm'] / row['jit']:8.1f}x"
        if python and "vm" in row:
            line += f"{row['python3'] / row['vm']:7.1f}x"
        if python and "jit" in row:
            line += f"{row['python3'] / row['jit']:7.1f}x"
        print(line)


if __name__ == "__main__":
    main()
