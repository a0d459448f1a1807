#!/usr/bin/env python3
"""The mir14 benchmark suite.

Runs each workload on the mir14 backends (vm, jit, aot) and on the same algorithm in C
(gcc -O2), CPython, Lua 5.4 and LuaJIT, checks that every implementation prints the same
output, prints the median wall time of each and the ratios the speed goals are stated in, and
draws a bar chart (an SVG written by this script, no plotting library). It also reports JIT
compile time per 100 MIR instructions.

usage:
  python3 bench/bench.py                      # full sizes, 5 runs, release build
  python3 bench/bench.py --ci                 # tiny sizes, one run: only checks that every
                                              # workload runs and all implementations agree
  python3 bench/bench.py --runs 3 fib tarai   # some workloads
  python3 bench/bench.py json                 # only the JSON workload
  options: --profile release|debug  --no-build  --svg PATH  --impls vm,jit,aot,c,python3,lua5.4,luajit
  python3 bench/bench.py --baseline OLD_MIR14 [--exe NEW_MIR14] [--runs N] [WORKLOAD...]
                                              # regression check against an older binary
                                              # (tarai, fib, intloop, arrays on vm, jit, aot)

By default the script first builds mir14 and the compile-time example with cargo (use
--no-build to skip). Times are whole-process wall times (start-up and, for jit, compilation
included; for aot the executable is built beforehand and only its run is timed). The machines
are shared and noisy: compare the columns of one run, not runs on different days.

The `json` workload parses and pretty-prints JSON documents made by bench/gen_json.py (100 KB,
and 1 MB and 5 MB: copies of the 100 KB document in one array; in --ci mode 1 KB) with
ny/examples/json.ny on vm, jit and aot and with the same algorithm in Lua (bench/json.lua) on
Lua 5.4 and LuaJIT; first json.ny alone runs gen_json.py's edge-case document (escapes above
U+00FF, surrogate pairs, integers over 64 bits, 17-digit floats) on vm, jit and aot. Every output is checked byte for byte against Python's
`json.dumps(json.loads(doc), indent=2, ensure_ascii=False)`; peak RSS (measured with GNU time,
/usr/bin/time; without it, `-`) is printed beside the times,
and the ratios the JSON goals of issue 14 are stated in follow the table. Its times are CPU times
(user+sys) of the whole process, which a busy shared machine disturbs less than wall times.

Reference implementations are optional; a missing one is skipped with a message. On a fresh
Debian or Ubuntu machine: sudo apt-get install -y gcc python3 lua5.4 luajit
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

# name: (full-size arguments, CI arguments)
WORKLOADS = {
    "tarai": (["12", "6", "0"], ["6", "3", "0"]),
    "fib": (["32"], ["15"]),
    "intloop": (["100000000"], ["1000"]),
    "strbuild": (["1000000"], ["100"]),
    "arrays": (["1000000"], ["100"]),
}
MIR14 = ["vm", "jit", "aot"]
# The JSON workload: documents (name written by gen_json.py, label), full size and CI size.
JSON_DOCS = ([("json_trivial", "trivial"), ("json_large", "100 KB"), ("json_1mb", "1 MB"),
              ("json_5mb", "5 MB")], [("json_trivial", "trivial"), ("json_small", "1 KB")])
JSON_IMPLS = ["vm", "jit", "aot", "lua5.4", "luajit"]
# Seconds one run of the JSON workload may take.
JSON_TIMEOUT = 300
# Seconds one run may take before it counts as a failure.
TIMEOUT = 30
OTHERS = ["c", "python3", "lua5.4", "luajit"]
INSTALL = {
    "c": "sudo apt-get install -y gcc",
    "python3": "sudo apt-get install -y python3",
    "lua5.4": "sudo apt-get install -y lua5.4",
    "luajit": "sudo apt-get install -y luajit",
}
# The ratios printed after the table: (numerator, denominator, goal text).
RATIOS = [
    ("jit", "c", "jit/C (goal: tarai, fib, intloop <= 2.0)"),
    ("jit", "luajit", "jit/LuaJIT (goal: tarai, fib < 1.0)"),
    ("vm", "python3", "vm/CPython (goal: tarai, fib <= 0.5)"),
    ("vm", "lua5.4", "vm/Lua 5.4 (goal: tarai, fib <= 1.0)"),
    ("jit", "vm", "jit/vm"),
    ("aot", "c", "aot/C"),
]
COLORS = {
    "vm": "#8c564b", "jit": "#1f77b4", "aot": "#17becf", "c": "#2ca02c",
    "python3": "#ff7f0e", "lua5.4": "#9467bd", "luajit": "#d62728",
}


class Failure(Exception):
    """An implementation failed on a workload."""


def run_once(cmd):
    """Runs `cmd`; returns (wall seconds, stdout bytes); raises Failure on a failure."""
    t0 = time.perf_counter()
    try:
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False,
                           timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        raise Failure(f"{' '.join(cmd)} took over {TIMEOUT} s and was stopped") from None
    dt = time.perf_counter() - t0
    if r.returncode != 0:
        err = r.stderr.decode(errors="replace").strip().splitlines()
        raise Failure(f"{' '.join(cmd)} exited with status {r.returncode}: "
                      f"{err[0] if err else ''}")
    return dt, r.stdout


def timed(cmd, runs):
    """Median wall time of `cmd` over `runs` runs (one run when the first takes over 10 s),
    and its stdout (which must not vary)."""
    times, outs = [], set()
    for k in range(runs):
        dt, out = run_once(cmd)
        times.append(dt)
        outs.add(out)
        if k == 0 and dt > 10:
            break
    if len(outs) != 1:
        raise Failure(f"{' '.join(cmd)}: output varies between runs")
    return statistics.median(times), outs.pop()


def run_rss(cmd, stdin_path, timeout):
    """Runs `cmd` with stdin from `stdin_path`; returns (CPU seconds (user+sys), peak RSS in KB
    or None, stdout bytes); raises Failure on a failure. The peak RSS comes from GNU time
    (`/usr/bin/time`; a process forked from this Python script would report this script's size
    as its peak), None without it."""
    gnu_time = "/usr/bin/time"
    with open(stdin_path, "rb") as fin, tempfile.TemporaryFile() as fout, \
            tempfile.TemporaryFile() as ferr, tempfile.NamedTemporaryFile("r") as ftime:
        full = cmd
        if os.path.exists(gnu_time):
            full = [gnu_time, "-q", "-f", "%M", "-o", ftime.name] + cmd
        # CPU time from this process's children's usage (microseconds; GNU time prints
        # hundredths).
        ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        try:
            r = subprocess.run(full, stdin=fin, stdout=fout, stderr=ferr, timeout=timeout,
                               check=False)
        except subprocess.TimeoutExpired:
            raise Failure(f"{' '.join(cmd)} took over {timeout} s and was stopped") from None
        ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = ru1.ru_utime - ru0.ru_utime + ru1.ru_stime - ru0.ru_stime
        fout.seek(0)
        out = fout.read()
        if r.returncode != 0:
            ferr.seek(0)
            err = ferr.read().decode(errors="replace").strip().splitlines()
            raise Failure(f"{' '.join(cmd)} exited with status {r.returncode}: "
                          f"{err[0] if err else ''}")
        words = ftime.read().split()
    return cpu, int(words[-1]) if words else None, out


def json_workload(impls, mir14, tmp, ci, runs):
    """The JSON workload: median time and peak RSS of each implementation on each document,
    every output checked against Python's json module; then the goal ratios."""
    impls = [i for i in JSON_IMPLS if i in impls]
    python = shutil.which("python3") or sys.executable
    subprocess.run([python, os.path.join(HERE, "gen_json.py"), tmp], check=True)
    with open(os.path.join(tmp, "json_trivial.json"), "w") as f:
        f.write("0\n")
    program = os.path.join(ROOT, "ny", "examples", "json.ny")
    cmds = {}
    for impl in impls:
        if impl in ("vm", "jit"):
            cmds[impl] = [mir14, "run", "--backend", impl, program]
        elif impl == "aot":
            exe = os.path.join(tmp, "json.aot")
            r = subprocess.run([mir14, "build", program, "-o", exe], capture_output=True,
                               check=False)
            if r.returncode != 0:
                sys.exit(f"FAILED: mir14 build {program}:\n{r.stderr.decode(errors='replace')}")
            cmds[impl] = [exe]
        else:
            cmds[impl] = [shutil.which(impl), os.path.join(HERE, "json.lua")]
    # The edge-case document: a correctness check of json.ny on every mir14 backend (not timed;
    # the Lua program does not handle these cases).
    path = os.path.join(tmp, "json_edge.json")
    with open(path, "rb") as f:
        expected = (json.dumps(json.loads(f.read().decode("utf-8")), indent=2,
                               ensure_ascii=False) + "\n").encode("utf-8")
    for impl in (i for i in impls if i in MIR14):
        try:
            if run_rss(cmds[impl], path, JSON_TIMEOUT)[2] != expected:
                raise Failure(f"json edge cases: {impl}'s output differs from Python's "
                              f"json.dumps(indent=2, ensure_ascii=False)")
        except Failure as e:
            sys.exit(f"FAILED: {e}")
    print("json edge cases (backslash-u escapes above U+00FF and surrogate pairs, integers over "
          "64 bits, 17-digit floats): output identical to Python's on "
          + ", ".join(i for i in impls if i in MIR14))
    docs = JSON_DOCS[1 if ci else 0]
    mode = "CI mode (tiny document, not a measurement)" if ci else f"median of {runs} runs"
    print(f"json: parse + pretty-print, CPU time (user+sys, whole process) in seconds / peak RSS "
          f"in MB, {mode}; every output checked against Python's json.dumps(indent=2, "
          f"ensure_ascii=False)")
    print(f"{'document':10}" + "".join(f"{c:>16}" for c in impls))
    res, failures = {}, []
    for name, label in docs:
        path = os.path.join(tmp, name + ".json")
        with open(path, "rb") as f:
            doc = f.read()
        expected = (json.dumps(json.loads(doc.decode("utf-8")), indent=2, ensure_ascii=False)
                    + "\n").encode("utf-8")
        row = {}
        for impl in impls:
            times, rss = [], []
            try:
                for k in range(runs):
                    dt, kb, out = run_rss(cmds[impl], path, JSON_TIMEOUT)
                    if out != expected:
                        raise Failure(f"json {label}: {impl}'s output differs from Python's "
                                      f"json.dumps(indent=2, ensure_ascii=False)")
                    times.append(dt)
                    rss.append(kb)
                    if k == 0 and dt > 20:
                        break
            except Failure as e:
                if ci:
                    sys.exit(f"FAILED: {e}")
                failures.append(str(e))
                continue
            row[impl] = (statistics.median(times),
                         None if None in rss else statistics.median(rss) / 1024)
        res[label] = row
        print(f"{label:10}" + "".join(
            (f"{row[c][0]:9.3f} /{row[c][1]:5.0f}" if row[c][1] is not None
             else f"{row[c][0]:9.3f} /    -") if c in row else f"{'FAILED':>16}"
            for c in impls), flush=True)
    for f in failures:
        print(f"FAILED: {f}")
    if ci:
        return
    print()

    def ratio(text, f):
        try:
            print(f"{text:52}{f():9.2f}")
        except (KeyError, TypeError, ZeroDivisionError):
            print(f"{text:52}{'-':>9}")

    t = {d: {c: v[0] for c, v in row.items()} for d, row in res.items()}
    m = {d: {c: v[1] for c, v in row.items()} for d, row in res.items()}
    for b, goal in [("aot", "1.0"), ("jit", "1.1"), ("vm", "1.5")]:
        ratio(f"json 5 MB {b}/Lua 5.4 (goal <= {goal})", lambda b=b: t["5 MB"][b] / t["5 MB"]["lua5.4"])
    for b in ("aot", "jit"):
        ratio(f"json 5 MB {b}/LuaJIT (moonshot <= 1.0)", lambda b=b: t["5 MB"][b] / t["5 MB"]["luajit"])
    for b in impls:
        ratio(f"json time 5 MB / 1 MB, {b} (goal <= 5.5)", lambda b=b: t["5 MB"][b] / t["1 MB"][b])
    for b in ("vm", "jit", "aot"):
        ratio(f"json 5 MB peak RSS {b}/Lua 5.4 (goal <= 1.5)",
              lambda b=b: m["5 MB"][b] / m["5 MB"]["lua5.4"])
    ratio("json 100 KB vm/aot, trivial subtracted (goal >= 3.5)",
          lambda: (t["100 KB"]["vm"] - t["trivial"]["vm"])
          / (t["100 KB"]["aot"] - t["trivial"]["aot"]))


def build(profile):
    """Builds the mir14 tool and the compile-time example."""
    flag = ["--release"] if profile == "release" else []
    for cmd in (["cargo", "build", "-p", "mir14"] + flag,
                ["cargo", "build", "-p", "mir14-jit", "--example", "compile_time"] + flag):
        print("+", " ".join(cmd), flush=True)
        if subprocess.run(cmd, cwd=ROOT, check=False).returncode != 0:
            sys.exit("FAILED: cargo build")


def commands(impls, tmp, mir14, ci):
    """The command prefix of each available implementation for each workload (arguments are
    appended), building what must be built (C programs, aot executables) first."""
    cmds = {}
    for impl in impls:
        per = {}
        for w in WORKLOADS:
            mir = os.path.join(HERE, w + ".mir")
            if impl in ("vm", "jit"):
                per[w] = [mir14, "run", "--backend", impl, mir, "--"]
            elif impl == "aot":
                exe = os.path.join(tmp, w + ".aot")
                r = subprocess.run([mir14, "build", mir, "-o", exe], capture_output=True,
                                   check=False)
                if r.returncode != 0:
                    sys.exit(f"FAILED: mir14 build {mir}:\n{r.stderr.decode(errors='replace')}")
                per[w] = [exe]
            elif impl == "c":
                exe = os.path.join(tmp, w + ".c.exe")
                src = os.path.join(HERE, w + ".c")
                r = subprocess.run(["gcc", "-O2", "-o", exe, src], capture_output=True,
                                   check=False)
                if r.returncode != 0:
                    sys.exit(f"FAILED: gcc -O2 {src}:\n{r.stderr.decode(errors='replace')}")
                per[w] = [exe]
            elif impl == "python3":
                per[w] = [shutil.which("python3") or sys.executable, os.path.join(HERE, w + ".py")]
            else:
                per[w] = [shutil.which(impl), os.path.join(HERE, w + ".lua")]
        cmds[impl] = per
    del ci
    return cmds


def available(impl):
    """Whether a reference implementation can run here."""
    tool = {"c": "gcc"}.get(impl, impl)
    return shutil.which(tool) is not None


def compile_time(profile, tmp, runs):
    """JIT compile time per 100 MIR instructions: the example's report for the workloads and
    for a generated module large enough that the per-instruction cost shows."""
    exe = os.path.join(ROOT, "target", profile, "examples", "compile_time")
    if not os.path.exists(exe):
        print(f"compile time: skipped, {exe} is missing "
              f"(cargo build -p mir14-jit --example compile_time"
              f"{' --release' if profile == 'release' else ''})")
        return []
    big = os.path.join(tmp, "compile_big.mir")
    with open(big, "w") as f:
        f.write(generated_module(100))
    files = [os.path.join(HERE, w + ".mir") for w in WORKLOADS] + [big]
    r = subprocess.run([exe, "--runs", str(max(runs, 3))] + files, capture_output=True,
                       check=False)
    if r.returncode != 0:
        sys.exit(f"FAILED: compile_time:\n{r.stderr.decode(errors='replace')}")
    return r.stdout.decode().splitlines()


def generated_module(nfuncs):
    """A module of `nfuncs` functions of straight-line arithmetic, a loop and calls."""
    out = []
    for k in range(nfuncs):
        out.append(f"fn @g{k}(%a, %b) {{\n  loop header=head body=body latch=body exit=done\n"
                   "entry:\n  %zero = const 0\n  %one = const 1\n  %k = const 3\n  jump head\n"
                   "head:\n  %i = phi [entry: %zero], [body: %i1]\n"
                   "  %s = phi [entry: %a], [body: %s5]\n"
                   "  %c = compare lt %i, %b\n  branch %c, body, done\nbody:\n"
                   "  %s1 = binop add %s, %i\n  %s2 = binop mul %s1, %k\n"
                   "  %s3 = binop bxor %s2, %i\n  %s4 = binop sub %s3, %one\n"
                   "  %s5 = binop mod %s4, %k\n  %i1 = binop add %i, %one\n  jump head\n"
                   "done:\n")
        if k + 1 < nfuncs:
            out.append(f"  %r = call @g{k + 1}(%s, %b)\n  ret %r\n}}\n\n")
        else:
            out.append("  ret %s\n}\n\n")
    out.append("fn @main() {\nbb0:\n  %a = const 1\n  %b = const 10\n"
               "  %r = call @g0(%a, %b)\n  extern env.console.log(%r)\n  ret\n}\n")
    return "".join(out)


def svg_chart(results, cols, path, title):
    """A grouped bar chart of time relative to C (or to the first column), log scale."""
    import math
    base = "c" if "c" in cols else cols[0]
    rows = [w for w in results if base in results[w]]
    vals = [results[w][c] / results[w][base] for w in rows for c in cols if c in results[w]]
    if not vals:
        return
    lo = math.floor(math.log10(min(vals)))
    hi = math.ceil(math.log10(max(vals)))
    hi = max(hi, lo + 1)
    bw, gap, left, top, ph = 14, 26, 70, 80, 300
    gw = bw * len(cols) + gap
    width = left + gw * len(rows) + 160
    height = top + ph + 60
    y = lambda v: top + ph - (math.log10(v) - lo) / (hi - lo) * ph
    s = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
         f'font-family="sans-serif" font-size="11">',
         f'<rect width="{width}" height="{height}" fill="white"/>',
         f'<text x="{left}" y="20" font-size="14">{title}</text>',
         f'<text x="{left}" y="36">median wall time relative to {base} (log scale, lower is '
         f'better)</text>']
    for e in range(lo, hi + 1):
        yy = y(10 ** e)
        s.append(f'<line x1="{left}" x2="{left + gw * len(rows)}" y1="{yy:.1f}" y2="{yy:.1f}" '
                 f'stroke="#ccc"/>')
        s.append(f'<text x="{left - 6}" y="{yy + 4:.1f}" text-anchor="end">{10.0 ** e:g}x</text>')
    for i, w in enumerate(rows):
        x0 = left + i * gw + gap / 2
        for j, c in enumerate(cols):
            if c not in results[w]:
                continue
            v = results[w][c] / results[w][base]
            yy = y(v)
            s.append(f'<rect x="{x0 + j * bw:.1f}" y="{min(yy, y(10 ** lo)):.1f}" '
                     f'width="{bw - 2}" height="{abs(y(10 ** lo) - yy):.1f}" '
                     f'fill="{COLORS.get(c, "#777")}"><title>{w} {c}: {v:.2f}x '
                     f'({results[w][c]:.3f} s)</title></rect>')
            # The value on the bar: rotated, just above its top.
            tx, ty = x0 + j * bw + (bw - 2) / 2 + 3, min(yy, y(10 ** lo)) - 3
            label = f"{v:.2g}x" if v < 10 else f"{v:.0f}x"
            s.append(f'<text x="{tx:.1f}" y="{ty:.1f}" font-size="9" '
                     f'transform="rotate(-90 {tx:.1f} {ty:.1f})">{label}</text>')
        s.append(f'<text x="{x0 + bw * len(cols) / 2:.1f}" y="{top + ph + 16}" '
                 f'text-anchor="middle">{w}</text>')
    lx = left + gw * len(rows) + 20
    for j, c in enumerate(cols):
        s.append(f'<rect x="{lx}" y="{top + j * 18}" width="12" height="12" '
                 f'fill="{COLORS.get(c, "#777")}"/>')
        s.append(f'<text x="{lx + 18}" y="{top + j * 18 + 10}">{c}</text>')
    s.append("</svg>\n")
    with open(path, "w") as f:
        f.write("\n".join(s))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ci", action="store_true",
                    help="tiny sizes, one run: check that the workloads run and agree")
    ap.add_argument("--runs", type=int, default=None, help="runs per measurement (default 5)")
    ap.add_argument("--profile", default=None, help="cargo profile of mir14 (release|debug)")
    ap.add_argument("--no-build", action="store_true", help="do not run cargo build first")
    ap.add_argument("--impls", default=",".join(MIR14 + OTHERS))
    ap.add_argument("--svg", default=None, help="where to write the chart (default: none "
                    "in --ci mode, else bench/results.svg)")
    ap.add_argument("workloads", nargs="*", default=[],
                    help=f"workloads (default: all): {', '.join(WORKLOADS)}, json")
    a = ap.parse_args()
    runs = a.runs or (1 if a.ci else 5)
    profile = a.profile or ("debug" if a.ci else "release")
    with_json = "json" in a.workloads or not a.workloads
    a.workloads = [w for w in (a.workloads or list(WORKLOADS)) if w != "json"]
    for w in a.workloads:
        if w not in WORKLOADS:
            sys.exit(f"unknown workload {w}; known: {', '.join(WORKLOADS)}, json")
    if not a.no_build:
        build(profile)
    mir14 = os.path.join(ROOT, "target", profile, "mir14")
    if not os.path.exists(mir14):
        sys.exit(f"{mir14} is missing: cargo build -p mir14"
                 f"{' --release' if profile == 'release' else ''}")
    impls = []
    for i in a.impls.split(","):
        if i in OTHERS and not available(i):
            print(f"skipping {i}: not installed (on Debian: {INSTALL[i]})")
            continue
        if i not in MIR14 + OTHERS:
            sys.exit(f"unknown implementation {i}")
        impls.append(i)
    with tempfile.TemporaryDirectory(prefix="mir14-bench-") as tmp:
        if a.workloads:
            cmds = commands(impls, tmp, mir14, a.ci)
            results, failures = {}, []
            mode = "CI mode (tiny sizes, not a measurement)" if a.ci else f"median of {runs} runs"
            print(f"wall time in seconds, {mode}")
            print(f"{'workload':10}" + "".join(f"{c:>9}" for c in impls))
            for w in a.workloads:
                args = WORKLOADS[w][1 if a.ci else 0]
                row, ref = {}, None
                for impl in impls:
                    try:
                        t, out = timed(cmds[impl][w] + args, runs)
                        if ref is not None and out != ref[1]:
                            raise Failure(f"{w}: {impl} printed {out!r}, {ref[0]} printed "
                                          f"{ref[1]!r}")
                    except Failure as e:
                        # A failure is fatal in CI mode; a measurement goes on without that cell.
                        if a.ci:
                            sys.exit(f"FAILED: {e}")
                        failures.append(str(e))
                        continue
                    if ref is None:
                        ref = (impl, out)
                    row[impl] = t
                results[w] = row
                print(f"{w:10}" + "".join(f"{row[c]:9.3f}" if c in row else f"{'FAILED':>9}"
                                          for c in impls), flush=True)
            print()
            print("ratios (time / time; below 1 means the first is faster)")
            header = f"{'':44}" + "".join(f"{w:>9}" for w in a.workloads)
            print(header)
            for num, den, text in RATIOS:
                if num in impls and den in impls:
                    print(f"{text:44}" + "".join(
                        f"{results[w][num] / results[w][den]:9.2f}"
                        if num in results[w] and den in results[w] else f"{'-':>9}"
                        for w in a.workloads))
            for f in failures:
                print(f"FAILED: {f}")
            print()
            for line in compile_time(profile, tmp, runs):
                print(line)
            svg = a.svg or (None if a.ci else os.path.join(HERE, "results.svg"))
            if svg:
                svg_chart(results, impls, svg,
                          f"mir14 benchmarks, {time.strftime('%Y-%m-%d')}")
                print(f"chart written to {svg}")
        if with_json:
            print()
            json_workload(impls, mir14, tmp, a.ci, runs)
    if a.ci:
        print("bench CI check: every workload ran and all implementations agree")


# ----- tiered execution (issue 15): default `mir14 run` against the forced engines -----

TIER_WORKLOADS = ["json_small", "json_large", "tarai", "fib", "intloop", "strbuild", "arrays",
                  "json_1mb", "json_5mb"]
# The long runs, where tiered must beat both engines (ratio < 1.0), not only stay within 1.1.
TIER_LONG = ("json_1mb", "json_5mb")


def tiers(mir14, runs, ci, use_cpu=False):
    """Times default `mir14 run` (tiered) against `--backend vm` and `--backend jit` on the
    workloads and the JSON documents of bench/gen_json.py (1 KB and 100 KB, parsed and printed by
    ny/examples/json.ny; and 1 MB and 5 MB, where the goal is to beat both); prints the ratio
    default / min(vm, jit) per workload (goal: <= 1.1; < 1.0 on the long JSON runs).
    Each cell is the best of `runs` runs: on a shared machine the minimum is the stable
    statistic for runs of a few milliseconds. With `use_cpu` (`--cpu`) a cell is the process's
    CPU time (user + system, all threads) instead of its wall time: every engine runs the
    program on one thread, so on a quiet machine the two agree, and on a loaded one CPU time
    leaves out the time spent waiting for a core."""
    python = shutil.which("python3") or sys.executable
    program = os.path.join(ROOT, "ny", "examples", "json.ny")
    engines = [("tiered", []), ("vm", ["--backend", "vm"]), ("jit", ["--backend", "jit"])]
    with tempfile.TemporaryDirectory(prefix="mir14-tiers-") as tmp:
        subprocess.run([python, os.path.join(HERE, "gen_json.py"), tmp], check=True,
                       stdout=subprocess.DEVNULL)
        kind = "CPU" if use_cpu else "wall"
        print(f"tiered execution: {kind} seconds, best of {runs} runs")
        print(f"{'workload':12}" + "".join(f"{e:>9}" for e, _ in engines) + f"{'ratio':>9}")
        worst = 0.0
        for w in TIER_WORKLOADS:
            row = {}
            for name, flags in engines:
                if w.startswith("json_"):
                    with open(os.path.join(tmp, w + ".json"), "rb") as f:
                        doc = f.read()
                    cmd = [mir14, "run"] + flags + [program]
                else:
                    doc = b""
                    cmd = ([mir14, "run"] + flags + [os.path.join(HERE, w + ".mir"), "--"]
                           + WORKLOADS[w][1 if ci else 0])
                times = []
                for _ in range(runs):
                    t0 = time.perf_counter()
                    c0 = resource.getrusage(resource.RUSAGE_CHILDREN)
                    r = subprocess.run(cmd, input=doc, stdout=subprocess.DEVNULL,
                                       stderr=subprocess.PIPE, check=False, timeout=TIMEOUT * 4)
                    c1 = resource.getrusage(resource.RUSAGE_CHILDREN)
                    wall = time.perf_counter() - t0
                    cpu = (c1.ru_utime - c0.ru_utime) + (c1.ru_stime - c0.ru_stime)
                    times.append(cpu if use_cpu else wall)
                    if r.returncode != 0:
                        sys.exit(f"FAILED: {' '.join(cmd)}: status {r.returncode}")
                row[name] = min(times)
            ratio = row["tiered"] / min(row["vm"], row["jit"])
            misses = ratio >= 1.0 if w in TIER_LONG else ratio > 1.10
            if w not in TIER_LONG:
                worst = max(worst, ratio)
            print(f"{w:12}" + "".join(f"{row[e]:9.3f}" for e, _ in engines) + f"{ratio:9.2f}"
                  + ("  MISSES" if misses else ""), flush=True)
        print(f"ratio = tiered / min(vm, jit); worst short workload {worst:.2f} (goal: <= 1.10); "
              f"json_1mb, json_5mb goal: < 1.00")


# ----- regression check (issue 14): this build against an older mir14 binary -----

BASELINE_WORKLOADS = ["tarai", "fib", "intloop", "arrays"]
# A row slower than the baseline by more than this factor is flagged.
BASELINE_LIMIT = 1.05


def baseline(mir14, base, workloads, runs):
    """Runs `workloads` (default: tarai, fib, intloop, arrays, full sizes) on vm, jit and aot
    with this build (`mir14`) and with an older mir14 binary (`base`, e.g. the build of the
    commit an issue was filed against), alternating the two binaries run by run so that load
    on a shared machine falls on both alike. Each cell is the median CPU time (user + system
    of the whole process, every thread: jit compilation included; for aot only the built
    executable's run). Checks that both print the same output and prints the ratios new / base;
    a ratio over 1.05 is marked REGRESSION. Returns the number of regressions."""
    bins = [("new", mir14), ("base", base)]
    with tempfile.TemporaryDirectory(prefix="mir14-baseline-") as tmp:
        cmds = {}
        for label, exe in bins:
            for w in workloads:
                mir = os.path.join(HERE, w + ".mir")
                for impl in ("vm", "jit"):
                    cmds[label, w, impl] = [exe, "run", "--backend", impl, mir, "--"]
                out = os.path.join(tmp, f"{w}.{label}.aot")
                r = subprocess.run([exe, "build", mir, "-o", out], capture_output=True,
                                   check=False)
                if r.returncode != 0:
                    sys.exit(f"FAILED: {exe} build {mir}:\n{r.stderr.decode(errors='replace')}")
                cmds[label, w, "aot"] = [out]
        print(f"regression check: CPU seconds (user+sys), median of {runs} runs, new = {mir14}, "
              f"base = {base}")
        print(f"{'workload':10}{'backend':>8}{'new':>9}{'base':>9}{'new/base':>10}")
        bad = 0
        for w in workloads:
            args = WORKLOADS[w][0]
            for impl in MIR14:
                times = {label: [] for label, _ in bins}
                outs = set()
                for _ in range(runs):
                    for label, _ in bins:
                        cmd = cmds[label, w, impl] + args
                        c0 = resource.getrusage(resource.RUSAGE_CHILDREN)
                        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                           check=False, timeout=TIMEOUT * 4)
                        c1 = resource.getrusage(resource.RUSAGE_CHILDREN)
                        if r.returncode != 0:
                            sys.exit(f"FAILED: {' '.join(cmd)}: status {r.returncode}")
                        outs.add(r.stdout)
                        times[label].append((c1.ru_utime - c0.ru_utime)
                                            + (c1.ru_stime - c0.ru_stime))
                if len(outs) != 1:
                    sys.exit(f"FAILED: {w} on {impl}: the two binaries print different output")
                new, old = (statistics.median(times[label]) for label, _ in bins)
                ratio = new / old
                flag = "  REGRESSION" if ratio > BASELINE_LIMIT else ""
                bad += bool(flag)
                print(f"{w:10}{impl:>8}{new:9.3f}{old:9.3f}{ratio:10.2f}{flag}", flush=True)
        print(f"new/base above {BASELINE_LIMIT} (more than 5% slower): {bad} row(s)")
        return bad


if __name__ == "__main__":
    if "--tiers" in sys.argv[1:]:
        # `bench.py --tiers [--ci] [--runs N] [--cpu]`: only the tiered comparison, on a release
        # build.
        argv = sys.argv[1:]
        ci = "--ci" in argv
        n = int(argv[argv.index("--runs") + 1]) if "--runs" in argv else (1 if ci else 5)
        prof = "debug" if ci else "release"
        tiers(os.path.join(ROOT, "target", prof, "mir14"), n, ci, "--cpu" in argv)
    elif "--baseline" in sys.argv[1:]:
        # `bench.py --baseline PATH [--exe NEW] [--runs N] [WORKLOAD...]`: this release build
        # (or the binary NEW) against the mir14 binary at PATH on tarai, fib, intloop and arrays
        # (or the workloads named). No cargo build: build both binaries first.
        argv = sys.argv[1:]
        i = argv.index("--baseline")
        if i + 1 >= len(argv):
            sys.exit("--baseline needs the path of the older mir14 binary")
        base_exe = os.path.abspath(argv[i + 1])
        rest = argv[:i] + argv[i + 2:]
        n, new_exe = 5, os.path.join(ROOT, "target", "release", "mir14")
        if "--runs" in rest:
            j = rest.index("--runs")
            n = int(rest[j + 1])
            rest = rest[:j] + rest[j + 2:]
        if "--exe" in rest:
            j = rest.index("--exe")
            new_exe = os.path.abspath(rest[j + 1])
            rest = rest[:j] + rest[j + 2:]
        ws = rest or BASELINE_WORKLOADS
        for w in ws:
            if w not in WORKLOADS:
                sys.exit(f"unknown workload {w}; known: {', '.join(WORKLOADS)}")
        sys.exit(1 if baseline(new_exe, base_exe, ws, n) else 0)
    else:
        main()
