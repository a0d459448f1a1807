#!/usr/bin/env bash
# A long differential fuzzing campaign (issue 21): `mir14 fuzz` on vm, jit and aot in rounds of
# ROUND_SECONDS (default 600) with consecutive seeds, at low priority, one process stream, until
# FUZZ_HOURS (default 8) have passed or the script is stopped. Each round's summary line is
# appended to $FUZZ_LOG (default fuzz-long.log) as it finishes, so a stopped campaign keeps its
# figures; `fuzz-long.sh --summary` adds them up. Divergences are saved under $FUZZ_OUT
# (default fuzz-out/).
#
# Environment: MIR14_BIN (default target/release/mir14, built if missing), FUZZ_SEED (the first
# round's seed; default random, printed), FUZZ_BACKENDS (default vm,jit,aot), FUZZ_HOURS,
# ROUND_SECONDS, FUZZ_LOG, FUZZ_OUT.
set -euo pipefail
cd "$(dirname "$0")/.."
log=${FUZZ_LOG:-fuzz-long.log}

if [[ "${1:-}" == "--summary" ]]; then
  # Rounds: `round SEED: N programs, D divergences, S s`.
  awk '/^round /{n+=$3; d+=$5; s+=$7; r++}
       END{printf "fuzz-long: %d rounds, %d programs, %d divergences, %.2f hours\n", r, n, d, s/3600}' "$log"
  exit 0
fi

bin=${MIR14_BIN:-target/release/mir14}
if [[ ! -x $bin ]]; then
  cargo build --release --quiet --bin mir14
fi
backends=${FUZZ_BACKENDS:-vm,jit,aot}
round=${ROUND_SECONDS:-600}
hours=${FUZZ_HOURS:-8}
seed=${FUZZ_SEED:-$(od -An -N6 -tu8 /dev/urandom | tr -d ' ')}
out=${FUZZ_OUT:-fuzz-out}
end=$(( $(date +%s) + $(awk "BEGIN{print int($hours * 3600)}") ))
echo "fuzz-long: backends $backends, first seed $seed, rounds of ${round}s, log $log" >&2
while (( $(date +%s) < end )); do
  start=$(date +%s)
  set +e
  last=$(nice -n 10 "$bin" fuzz --seconds "$round" --seed "$seed" --backends "$backends" \
    --out "$out" 2>&1 | tee -a "$log.full" | tail -n 1)
  set -e
  secs=$(( $(date +%s) - start ))
  # `fuzz: N programs, D divergences`
  n=$(echo "$last" | awk '{print $2}')
  d=$(echo "$last" | awk '{print $4}')
  if [[ ! $n =~ ^[0-9]+$ || ! $d =~ ^[0-9]+$ ]]; then
    echo "fuzz-long: round from seed $seed failed: $last" >&2
    exit 2
  fi
  echo "round $seed: $n programs, $d divergences, $secs s, backends $backends" >> "$log"
  seed=$(( seed + n ))
done
"$0" --summary
