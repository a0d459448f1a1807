#!/usr/bin/env python3
"""JIT compile cost in ms per 100 MIR instructions (issue 15's goal: <= 0.5), measured on the
JSON program of ny/examples with a release `mir14` (`cargo build --release --bin mir14`).

Runs `mir14 run --backend jit` on the program with MIR14_COMPILE_STATS=1 (the JIT then prints
its compile time on stderr) N times and prints the median; extra environment settings to
compare (e.g. MIR14_OPT_NONE=1, MIR14_CRANELIFT_VERIFY=1) are given as NAME=VALUE arguments.

    python3 bench/compile_cost.py [--runs N] [--mir14 PATH] [NAME=VALUE...]
"""
import os
import re
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    args = sys.argv[1:]
    runs, mir14, env = 11, os.path.join(ROOT, "target", "release", "mir14"), dict(os.environ)
    while args:
        a = args.pop(0)
        if a == "--runs":
            runs = int(args.pop(0))
        elif a == "--mir14":
            mir14 = args.pop(0)
        elif "=" in a:
            k, v = a.split("=", 1)
            env[k] = v
        else:
            sys.exit(f"compile_cost: unknown argument {a}")
    env["MIR14_COMPILE_STATS"] = "1"
    prog = os.path.join(ROOT, "ny", "examples", "json.ny")
    stdin = open(os.path.join(ROOT, "ny", "examples", "json.in"), "rb").read()
    per100, total, insts = [], [], None
    for _ in range(runs):
        r = subprocess.run([mir14, "run", "--backend", "jit", prog], input=stdin,
                           capture_output=True, env=env, check=False)
        m = re.search(rb"compile: (\d+) functions, (\d+) MIR instructions, ([\d.]+) ms, "
                      rb"([\d.]+) ms per 100", r.stderr)
        if not m:
            sys.exit(f"compile_cost: no compile line (status {r.returncode}):\n"
                     f"{r.stderr.decode(errors='replace')}")
        insts = int(m.group(2))
        total.append(float(m.group(3)))
        per100.append(float(m.group(4)))
    print(f"json.ny: {insts} MIR instructions; median of {runs}: "
          f"{statistics.median(total):.2f} ms, "
          f"{statistics.median(per100):.3f} ms per 100 instructions")


if __name__ == "__main__":
    main()
