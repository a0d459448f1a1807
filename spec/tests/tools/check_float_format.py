#!/usr/bin/env python3
"""Cross-checks mirpy.fmt_float (the model's Rust `{:?}` f64 formatter) against Rust's own
standard library formatter, on every Float literal used by the core tests plus a deterministic
pseudo-random sample. Needs `rustc` on PATH; it compiles a 3-line std-only program into a
temporary directory. Uses no project code.

Usage: check_float_format.py [N]   (N random samples, default 100000)
"""

import os
import random
import struct
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mirpy import fmt_float  # noqa: E402

RUST = """use std::io::BufRead;
fn main() { for l in std::io::stdin().lock().lines() {
  let b = u64::from_str_radix(l.unwrap().trim(), 16).unwrap(); println!("{:?}", f64::from_bits(b)); } }
"""


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
    rng = random.Random(14)
    xs = [1.0, -0.0, 1e100, 1e16, 1e15, 1e-4, 1e-5, 5e-324, 1.7976931348623157e308,
          9007199254740992.0, 9.223372036854776e18, 0.30000000000000004, 123456789.125]
    for _ in range(n):
        k = rng.random()
        if k < 0.3:
            xs.append(struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0])
        elif k < 0.6:
            xs.append(rng.uniform(-1, 1) * 10 ** rng.randint(-8, 20))
        else:
            xs.append(rng.randint(-10**17, 10**17) / rng.choice([1, 2, 3, 4, 8, 10, 16, 100, 1024]))
    with tempfile.TemporaryDirectory() as d:
        src = os.path.join(d, "f.rs")
        exe = os.path.join(d, "f")
        with open(src, "w") as fh:
            fh.write(RUST)
        subprocess.run(["rustc", "-O", "-o", exe, src], check=True)
        inp = "".join("%016x\n" % struct.unpack("<Q", struct.pack("<d", x))[0] for x in xs)
        out = subprocess.run([exe], input=inp, capture_output=True, text=True,
                             check=True).stdout.split("\n")
    bad = [(x, fmt_float(x), o) for x, o in zip(xs, out) if fmt_float(x) != o]
    for x, mine, rust in bad[:20]:
        print(f"{x!r}: model {mine} rust {rust}")
    print(f"{len(bad)} mismatches in {len(xs)} floats")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
