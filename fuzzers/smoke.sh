#!/usr/bin/env bash
# fuzzers/smoke.sh: a bounded run of a fuzz target against the fixed model.
#
# usage: smoke.sh FUZZER SEEDS_DIR KNOWN_FILE [RUNS] [SEED] [--expect-finding]
# Runs FUZZER for RUNS executions from the seed corpus (read only; new inputs go to a
# temporary directory), with the documented findings in KNOWN_FILE not counting. Any
# other finding, sanitizer report or MODEL_ASSERT fails the smoke run. With
# --expect-finding (a canary run, INFLIGHT_DRIVER set) it is the other way round: the run
# passes only if an INFLIGHT FINDING stopped it.
set -uo pipefail
fuzzer=$1 seeds=$2 known=$3 runs=${4:-20000} seed=${5:-1} expect=${6:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus"
INFLIGHT_KNOWN=$known "$fuzzer" "$work/corpus" "$seeds" -seed="$seed" -runs="$runs" \
  -max_len=1200 -print_final_stats=1 -artifact_prefix="$work/" >"$work/log" 2>&1
rc=$?
execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/log" | grep -o '[0-9]*$')
rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$work/log" | grep -o '[0-9]*$')
if [[ $expect == --expect-finding ]]; then
  if grep -q "INFLIGHT FINDING" "$work/log"; then
    echo "canary $(basename "$fuzzer") driver=${INFLIGHT_DRIVER:-}: caught"
    grep -m1 "INFLIGHT FINDING" "$work/log"
    exit 0
  fi
  echo "canary $(basename "$fuzzer") driver=${INFLIGHT_DRIVER:-}: NOT caught in $runs runs (exit $rc)"
  grep -E "MODEL_ASSERT|ERROR: " "$work/log" | head -3
  exit 1
fi
if ((rc != 0)); then
  echo "smoke $(basename "$fuzzer"): FAILED (exit $rc)"
  grep -E "INFLIGHT FINDING|MODEL_ASSERT|ERROR: |runtime error" "$work/log" | head -5
  sed -n '/---- scenario/,/INFLIGHT FINDING/p' "$work/log" | head -60
  exit 1
fi
echo "smoke $(basename "$fuzzer"): ${execs} executions, ${rate} exec/s, no new finding"
