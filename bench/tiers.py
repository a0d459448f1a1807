#!/usr/bin/env python3
"""Tiered execution (issue 15): the default `mir14 run` against `--backend vm` and
`--backend jit`, whole process, on bench.py's workloads and on the JSON documents of
bench/gen_json.py (1 KB and 100 KB parsed and pretty-printed by ny/examples/json.ny; and 1 MB
and 5 MB, where the goal is to beat both engines).

    python3 bench/tiers.py [--runs N] [--ci] [--mir14 PATH] [--flags "F..."] [workload...]

Each cell is the best of N runs (default 5): on a shared machine the minimum is the stable
statistic for runs of a few milliseconds. Two tables: wall time, and CPU time (user + system of
every thread of the process). Tiered compiles in a background thread, so its CPU time counts the
compile thread while its wall time does not: wall time is what a user waits for; CPU time is the
steadier number on a loaded machine. The ratio is tiered / min(vm, jit) (goal: <= 1.1; < 1.0 on
json_1mb and json_5mb). `--flags` adds flags to the tiered runs (e.g. "--tier-sync").

`--threads` adds a third table from `perf record -e task-clock` (Linux perf must be installed):
the CPU time of every thread but the compile thread, for all three engines: for tiered, the
wall time of a run whose compile thread has a core of its own (a loaded machine's wall times do
not show it). Uses target/release/mir14 (build it with `cargo build --release --bin mir14`).
"""
import os
import resource
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from bench import WORKLOADS  # noqa: E402

TIER_WORKLOADS = ["json_small", "json_large", "tarai", "fib", "intloop", "strbuild", "arrays",
                  "json_1mb", "json_5mb"]
# The long runs, where tiered must beat both engines (ratio < 1.0), not only stay within 1.1.
TIER_LONG = ("json_1mb", "json_5mb")


def measure(cmd, doc, runs):
    """Best wall and best CPU seconds of `runs` runs of `cmd` with `doc` on stdin."""
    walls, cpus = [], []
    for _ in range(runs):
        c0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        r = subprocess.run(cmd, input=doc, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           check=False, timeout=120)
        wall = time.perf_counter() - t0
        c1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        if r.returncode != 0:
            sys.exit(f"FAILED: {' '.join(cmd)}: status {r.returncode}: "
                     f"{r.stderr.decode(errors='replace')[:300]}")
        walls.append(wall)
        cpus.append((c1.ru_utime - c0.ru_utime) + (c1.ru_stime - c0.ru_stime))
    return min(walls), min(cpus)


def running_thread_cpu(cmd, doc, runs):
    """Best CPU seconds, over `runs` runs, of every thread of `cmd` but the compile thread
    (`mir14-compile`), sampled by perf."""
    best = None
    with tempfile.TemporaryDirectory(prefix="mir14-perf-") as tmp:
        data = os.path.join(tmp, "perf.data")
        for _ in range(runs):
            subprocess.run(["perf", "record", "-q", "-e", "task-clock", "-F", "10000", "-o", data,
                            "--"] + cmd, input=doc, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, check=True, timeout=120)
            out = subprocess.run(["perf", "report", "-i", data, "--sort", "comm", "--stdio",
                                  "-F", "comm,sample"], capture_output=True, text=True,
                                 check=True).stdout
            samples = 0
            for line in out.splitlines():
                words = line.split()
                if line.startswith("#") or len(words) < 2 or words[0] == "mir14-compile":
                    continue
                samples += int(words[-1])
            t = samples / 10000.0
            best = t if best is None else min(best, t)
    return best


def main():
    args = sys.argv[1:]
    runs, ci, mir14, flags, only = 5, False, os.path.join(ROOT, "target", "release", "mir14"), [], []
    threads = False
    while args:
        a = args.pop(0)
        if a == "--runs":
            runs = int(args.pop(0))
        elif a == "--ci":
            ci, runs = True, 1
        elif a == "--mir14":
            mir14 = args.pop(0)
        elif a == "--threads":
            threads = True
        elif a == "--flags":
            flags = shlex.split(args.pop(0))
        elif a in TIER_WORKLOADS:
            only.append(a)
        else:
            sys.exit(f"tiers: unknown argument {a}")
    python = shutil.which("python3") or sys.executable
    program = os.path.join(ROOT, "ny", "examples", "json.ny")
    engines = [("tiered", flags), ("vm", ["--backend", "vm"]), ("jit", ["--backend", "jit"])]
    rows = {}
    with tempfile.TemporaryDirectory(prefix="mir14-tiers-") as tmp:
        subprocess.run([python, os.path.join(HERE, "gen_json.py"), tmp], check=True,
                       stdout=subprocess.DEVNULL)
        for w in only or TIER_WORKLOADS:
            row = {}
            for name, fl in engines:
                if w.startswith("json_"):
                    with open(os.path.join(tmp, w + ".json"), "rb") as f:
                        doc = f.read()
                    cmd = [mir14, "run"] + fl + [program]
                else:
                    doc = b""
                    cmd = ([mir14, "run"] + fl + [os.path.join(HERE, w + ".mir"), "--"]
                           + WORKLOADS[w][1 if ci else 0])
                row[name] = measure(cmd, doc, runs)
                if threads:
                    row["perf_" + name] = running_thread_cpu(cmd, doc, runs)
            rows[w] = row
            print(f"{w:12}" + "".join(f"{row[e][0]:9.3f}" for e, _ in engines)
                  + "".join(f"{row[e][1]:9.3f}" for e, _ in engines), file=sys.stderr, flush=True)
    for k, kind in ((0, "wall"), (1, "CPU")):
        print(f"\ntiered execution: {kind} seconds, best of {runs} runs")
        print(f"{'workload':12}" + "".join(f"{e:>9}" for e, _ in engines) + f"{'ratio':>9}")
        for w, row in rows.items():
            ratio = row["tiered"][k] / min(row["vm"][k], row["jit"][k])
            misses = ratio >= 1.0 if w in TIER_LONG else ratio > 1.10
            print(f"{w:12}" + "".join(f"{row[e][k]:9.3f}" for e, _ in engines)
                  + f"{ratio:9.2f}" + ("  MISSES" if misses else ""))
    if threads:
        print(f"\nCPU seconds without the compile thread (perf), best of {runs} runs: tiered's "
              f"running thread, i.e. its wall time given a spare core")
        print(f"{'workload':12}" + "".join(f"{e:>9}" for e, _ in engines) + f"{'ratio':>9}")
        for w, row in rows.items():
            p = {e: row["perf_" + e] for e, _ in engines}
            ratio = p["tiered"] / min(p["vm"], p["jit"])
            misses = ratio >= 1.0 if w in TIER_LONG else ratio > 1.10
            print(f"{w:12}" + "".join(f"{p[e]:9.3f}" for e, _ in engines) + f"{ratio:9.2f}"
                  + ("  MISSES" if misses else ""))
    print("\nratio = tiered / min(vm, jit); goal <= 1.10, and < 1.00 on json_1mb and json_5mb")


if __name__ == "__main__":
    main()
