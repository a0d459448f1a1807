#!/usr/bin/env python3
"""A/B timing (user+sys CPU seconds): alternates two mir14 binaries on each workload and backend; medians and ratio."""
import resource, statistics, subprocess, sys, time
before, after = sys.argv[1], sys.argv[2]
runs = int(sys.argv[3])
backends = sys.argv[4].split(",")
works = sys.argv[5:]
print(f"{'workload':24}{'backend':8}{'before':>9}{'after':>9}{'after/before':>14}")
for w in works:
    for b in backends:
        t = {before: [], after: []}
        for _ in range(runs):
            for m in (before, after):
                ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
                r = subprocess.run([m, "run", "--backend", b, w], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
                t[m].append(ru1.ru_utime - ru0.ru_utime + ru1.ru_stime - ru0.ru_stime)
                if r.returncode != 0:
                    sys.exit(f"{m} {b} {w}: status {r.returncode} {r.stderr[:200]}")
        mb, ma = statistics.median(t[before]), statistics.median(t[after])
        print(f"{w.split('/')[-1]:24}{b:8}{mb:9.3f}{ma:9.3f}{ma/mb:14.3f}", flush=True)
