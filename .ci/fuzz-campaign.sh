#!/usr/bin/env bash
# Bounded differential fuzzing campaign for CI (spec §9 `mir14 fuzz`, issue 6).
#
# Runs `mir14 fuzz` twice: once with a fixed seed (reproducible: the same programs on every
# submission) and once with a random seed printed in the log (new programs each time), about
# two minutes in all, on vm, jit and tiered (with a --tier-threshold chosen per program: 0, small or
# never reached), plus aot when `mir14 run --backend aot` works on this host.
# Divergences are saved (with shrunk reproducers) under $FUZZ_OUT (default fuzz-out/); the
# script exits 1 if either campaign found one.
#
# Environment: MIR14_BIN (a prebuilt mir14 executable; default: build it in release mode),
# FUZZ_SECONDS (total budget, default 120), FUZZ_FIXED_SEED (default 20261121),
# FUZZ_SEED (the random campaign's seed; default: random), FUZZ_OUT, FUZZ_LIMITS (extra
# `mir14 fuzz` flags, e.g. --no-heap-limits).
set -euo pipefail
cd "$(dirname "$0")/.."

total=${FUZZ_SECONDS:-120}
fixed_seed=${FUZZ_FIXED_SEED:-20261121}
random_seed=${FUZZ_SEED:-$(od -An -N6 -tu8 /dev/urandom | tr -d ' ')}
out=${FUZZ_OUT:-fuzz-out}

if [[ -z "${MIR14_BIN:-}" ]]; then
  # Release code runs the generated programs many times faster than a debug build.
  cargo build --release --quiet --bin mir14
  MIR14_BIN=target/release/mir14
fi

# aot joins when it can build and run a trivial program here.
backends=vm,jit,tiered
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
printf 'fn @main() {\nbb0:\n  %%x = const 7\n  ret %%x\n}\n' > "$probe/p.mir"
set +e
"$MIR14_BIN" run --backend aot "$probe/p.mir" > /dev/null 2>&1
aot_status=$?
set -e
if [[ $aot_status -eq 7 ]]; then
  backends=vm,jit,tiered,aot
else
  echo "fuzz-campaign: aot not available on this host (status $aot_status); comparing $backends"
fi

half=$(( total / 2 ))
# Every limit class is drawn, the small-heap one included: the backends agree on the roots of
# the collector (spec §5). Set FUZZ_LIMITS=--no-heap-limits to leave that class out.
limits=${FUZZ_LIMITS:-}
status=0
echo "fuzz-campaign: fixed seed $fixed_seed, random seed $random_seed, ${half}s each, backends $backends"
"$MIR14_BIN" fuzz --seconds "$half" --seed "$fixed_seed" --backends "$backends" $limits --out "$out" || status=1
"$MIR14_BIN" fuzz --seconds "$half" --seed "$random_seed" --backends "$backends" $limits --out "$out" || status=1
if [[ $status -ne 0 ]]; then
  echo "fuzz-campaign: divergences found; programs and shrunk reproducers are in $out/"
fi
exit $status
