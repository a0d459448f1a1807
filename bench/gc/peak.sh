#!/bin/sh
# usage: peak.sh MIR14 FILE... : peak RSS (MB) and wall time for vm, jit, aot
M=$1; shift
for f in "$@"; do
  for b in vm jit; do
    /usr/bin/time -f "$b $(basename $f) %M KB %e s" $M run --backend $b $f > /tmp/peak.out 2>/tmp/peak.err; tail -1 /tmp/peak.err; head -c 100 /tmp/peak.out | tr '\n' ' '; echo
  done
  $M build $f -o /tmp/peak.exe 2>/dev/null && /usr/bin/time -f "aot $(basename $f) %M KB %e s" /tmp/peak.exe > /tmp/peak.out 2>/tmp/peak.err; tail -1 /tmp/peak.err; head -c 100 /tmp/peak.out | tr '\n' ' '; echo
done
