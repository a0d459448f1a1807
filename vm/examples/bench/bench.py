import resource, subprocess, sys
def cpu(cmd):
    best = 1e9
    for _ in range(5):
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        best = min(best, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime))
    return best
# Usage: cargo build --release -p mir14-vm --example runmir; cd vm/examples/bench; python3 bench.py [runmir]
vm = sys.argv[1] if len(sys.argv) > 1 else "../../../target/release/examples/runmir"
for p in ["fib", "tarai", "loop", "meth", "coll"]:
    v = cpu([vm, p + ".mir"]); y = cpu(["python3", p + ".py"])
    print(f"{p}: vm {v:.3f}s  python3 {y:.3f}s  ratio {y/v:.2f}x")
