#!/usr/bin/env python3
"""Writes the JSON benchmark documents deterministically (fixed seeds, no clock).

usage: python3 bench/gen_json.py [OUTDIR]   (default: bench/)

Writes OUTDIR/json_small.json (~1 KB) and OUTDIR/json_large.json (~100 KB), each the compact
`json.dumps(doc, ensure_ascii=False)` of a generated document, and OUTDIR/json_1mb.json and
OUTDIR/json_5mb.json: 10 and 50 copies of the 100 KB document wrapped in one array. The
documents hold nested objects and arrays,
integers, floats (plain and exponent forms, at most 15 significant digits), strings with escapes (quotes, backslashes, control
characters) and non-ASCII text, booleans and nulls. Running it twice gives the same bytes.
"""
import json
import os
import random
import sys

WORDS = ["alpha", "beta", "gamma", "delta", "naïve", "café", "日本語", "emoji😀", "tab\there",
         "quote\"d", "back\\slash", "line\nbreak", "ctl\x01\x1f", "slash/", "", "Ωmega", "x" * 20]
KEYS = ["id", "name", "tags", "score", "active", "parent", "children", "meta", "ratio", "note",
        "größe", "κλειδί", "items", "count", "flag"]


def scalar(rng):
    k = rng.randrange(9)
    if k == 0:
        return rng.randrange(-10**6, 10**6)
    if k == 1:
        return rng.randrange(-2**62, 2**62)
    if k == 2:
        # Floats across magnitudes, so that both plain and exponent forms occur. At most 15
        # significant digits: then exactly one shortest decimal round-trips, and Rust's `{:?}`
        # (what MIR14 prints) and Python's repr agree on the digits. (With 17 digits two
        # candidates can be equally close, and the two languages break that tie differently:
        # 2194267668493732.25 is `...732.3` in Rust, `...732.2` in Python.)
        x = rng.uniform(-1, 1) * 10 ** rng.randrange(-9, 22)
        return float("%.*g" % (rng.randrange(1, 16), x))
    if k == 3:
        return round(rng.uniform(0, 1000), rng.randrange(0, 4))
    if k == 4:
        return rng.choice([True, False])
    if k == 5:
        return None
    return " ".join(rng.choice(WORDS) for _ in range(rng.randrange(0, 4)))


def value(rng, depth):
    k = rng.randrange(10)
    if depth < 4 and k < 2:
        return [value(rng, depth + 1) for _ in range(rng.randrange(0, 6))]
    if depth < 4 and k < 4:
        return obj(rng, depth + 1)
    return scalar(rng)


def obj(rng, depth):
    return {rng.choice(KEYS) + str(rng.randrange(100)): value(rng, depth)
            for _ in range(rng.randrange(0, 6))}


def document(seed, size):
    """A list of generated records whose compact JSON is at least `size` bytes."""
    rng = random.Random(seed)
    doc = {"version": 1, "records": [], "empty": {}, "nothing": [], "float": 1.0}
    while len(json.dumps(doc, ensure_ascii=False).encode()) < size:
        doc["records"].append(obj(rng, 0))
    return doc


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    large = None
    for name, seed, size in [("json_small", 1, 1000), ("json_large", 2, 100_000)]:
        text = json.dumps(document(seed, size), ensure_ascii=False)
        large = text
        with open(os.path.join(out, name + ".json"), "w", encoding="utf-8") as f:
            f.write(text + "\n")
    for name, copies in [("json_1mb", 10), ("json_5mb", 50)]:
        with open(os.path.join(out, name + ".json"), "w", encoding="utf-8") as f:
            f.write("[" + ", ".join([large] * copies) + "]\n")


if __name__ == "__main__":
    main()
