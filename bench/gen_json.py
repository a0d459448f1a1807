#!/usr/bin/env python3
"""Writes the JSON benchmark documents deterministically (fixed seeds, no clock).

usage: python3 bench/gen_json.py [OUTDIR]   (default: bench/)

Writes OUTDIR/json_small.json (~1 KB) and OUTDIR/json_large.json (~100 KB), each the compact
`json.dumps(doc, ensure_ascii=False)` of a generated document, and OUTDIR/json_1mb.json and
OUTDIR/json_5mb.json: 10 and 50 copies of the 100 KB document wrapped in one array, and
OUTDIR/json_edge.json, the valid JSON that is hard to print like Python: `\\u` escapes above
U+00FF (upper and lower case hex) and surrogate pairs, integers wider than 64 bits, and floats
with 16 and 17 significant digits (random bit patterns, and values exactly halfway between two
shortest candidates, where Python's repr picks the even last digit). The
documents hold nested objects and arrays,
integers, floats (plain and exponent forms, at most 15 significant digits), strings with escapes (quotes, backslashes, control
characters) and non-ASCII text, booleans and nulls. Running it twice gives the same bytes.
"""
import json
import math
import os
import random
import struct
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


def halfway_floats(rng, count):
    """Floats exactly halfway between two 17-digit decimals that both read back as them: the
    tie the shortest-repr algorithms break differently."""
    found = []
    while len(found) < count:
        # m * 2^-k with k in 1..3 and m near 2^53: few fractional bits, 16 integer digits.
        k = rng.randrange(1, 4)
        m = rng.randrange(2**52, 2**53) | 1
        x = m / 2**k
        r = repr(x)
        digits = r.replace(".", "").lstrip("0")
        if len(digits.rstrip("0")) >= 16:
            found.append(x if rng.randrange(2) else -x)
    return found


def edge_document():
    """The edge cases of valid JSON (see the module doc), as JSON text with escapes kept."""
    rng = random.Random(3)
    texts = [r"caf\u00e9 \u00FF \u0100 \u20ac \u65E5\u672c\u8a9e \uffff \ud7ff \ue000",
             r"\ud83d\ude00 emoji, \uD834\uDD1E clef, \udbff\udfff last",
             r"mixed \u0041\u00e9\u0000\u001f\u007f\u0080 \"q\" \\ \/"]
    ints = [2**63 - 1, -2**63, 2**63, -2**63 - 1, 2**64, 10**30, -10**40, 2**200]
    floats = [2194267668493732.25, 0.1, 1 / 3, 2 / 3, 1e16, 1.2345678901234567e16, 5e-324,
              1.7976931348623157e308, 2.2250738585072014e-308, -0.0, 9007199254740993.0,
              123456789012345.67, 0.30000000000000004, 1e-7, 1.0000000000000002]
    floats += [struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0] for _ in range(300)]
    floats += halfway_floats(rng, 300)
    floats = [f for f in floats if math.isfinite(f)]
    parts = ['{"strings": [' + ", ".join('"' + t + '"' for t in texts) + "],",
             ' "ints": ' + json.dumps(ints) + ",",
             ' "big": [12345678901234567890123, -98765432109876543210],',
             ' "floats": ' + json.dumps(floats) + ",",
             ' "float texts": [1E400, -1e400, 1.5E+3, 2e-3, 0.50000000000000000001, -0, 0e5,'
             ' 2194267668493732.25, 1.00000000000000011102230246251565404236316680908203125]}']
    return "\n".join(parts)


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
    with open(os.path.join(out, "json_edge.json"), "w", encoding="utf-8") as f:
        f.write(edge_document() + "\n")


if __name__ == "__main__":
    main()
