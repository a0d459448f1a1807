#!/usr/bin/env bash
# Rebuilds the seed corpora of the cargo-fuzz targets, fuzz/seeds/TARGET/, from the
# conformance programs (spec/tests) and from fixed pseudo-random bytes:
#   parse      every spec/tests/**/*.mir under 8 KB (valid, invalid, run and fmt programs)
#   json       the JSON form (`mir14 json`) of every valid and run program under 3 KB
#   roundtrip, verify, differential
#              64 byte strings of 16 B to 4 KB from a fixed seed (the generator reads its
#              choices from them; each gives a different module)
# Seeds are named by the SHA-1 of their content, as libFuzzer names corpus entries.
# Environment: MIR14_BIN (a mir14 executable; default: target/release/mir14, else target/debug/mir14).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${MIR14_BIN:-}
if [[ -z "$bin" ]]; then
  for b in target/release/mir14 target/debug/mir14; do
    if [[ -x $b ]]; then bin=$b; break; fi
  done
fi
if [[ -z "$bin" ]]; then
  echo "refresh-seeds: no mir14 executable (build one or set MIR14_BIN)" >&2
  exit 2
fi
seeds=fuzz/seeds
rm -rf "$seeds"
mkdir -p "$seeds"/{parse,json,roundtrip,verify,differential}

put() { # put TARGET FILE: copy FILE into the seeds of TARGET under its hash
  local h
  h=$(sha1sum "$2" | cut -c1-40)
  cp "$2" "$seeds/$1/$h"
}

find spec/tests -name '*.mir' -size -8k | sort | while read -r f; do
  put parse "$f"
done
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
find spec/tests/valid spec/tests/run -name '*.mir' -size -3k | sort | while read -r f; do
  if "$bin" json "$f" > "$tmp" 2> /dev/null; then
    put json "$tmp"
  fi
done
python3 - "$seeds" <<'PY'
import hashlib, os, random, sys
r = random.Random(20261206)
for i in range(64):
    n = 16 << (i % 9)
    data = bytes(r.randrange(256) for _ in range(min(n, 4096)))
    h = hashlib.sha1(data).hexdigest()
    for t in ("roundtrip", "verify", "differential"):
        with open(os.path.join(sys.argv[1], t, h), "wb") as f:
            f.write(data)
PY
for t in parse json roundtrip verify differential; do
  echo "refresh-seeds: $t: $(ls "$seeds/$t" | wc -l) seeds"
done
