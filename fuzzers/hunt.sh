#!/usr/bin/env bash
# fuzzers/hunt.sh: a bug variant must be found from scratch by a fuzz target.
#
# usage: hunt.sh FUZZER_DIR INFLIGHT VARIANT [RUNS] [SEED]
# Runs the variant's fuzz target (FUZZER_DIR/<target>_fuzzer, from `inflight list bug`)
# from an empty corpus with INFLIGHT_BUGS=VARIANT and INFLIGHT_EXPECT=PATTERN, the
# variant's finding key pattern from bugs.def (it crashes only on a finding whose key
# matches), for at most RUNS executions,
# then checks that the crash input shows the finding with the variant on and does not
# with it off (`INFLIGHT replay`). Prints executions and seconds to the finding.
# Exit 0 when found and honest, 1 otherwise.
set -uo pipefail
fuzzers=$(realpath "$1") inflight=$(realpath "$2") variant=$3 runs=${4:-200000} seed=${5:-1}
row=$("$inflight" list bug "$variant") || exit 1
pattern=$(cut -f3 <<<"$row")
faults=$(cut -f4 <<<"$row")
target=$(cut -f5 <<<"$row")
fuzzer=$fuzzers/${target}_fuzzer
export INFLIGHT_DRIVER_FAULTS=0
[[ $faults == driver-faults ]] && INFLIGHT_DRIVER_FAULTS=1
[[ -n $pattern ]] || { echo "hunt $variant: no finding pattern in bugs.def"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
start=$(date +%s.%N)
INFLIGHT_BUGS=$variant INFLIGHT_EXPECT=$pattern "$fuzzer" -seed="$seed" -runs="$runs" \
  -max_len=1200 -print_final_stats=1 >log 2>&1
end=$(date +%s.%N)
crash=$(ls crash-* 2>/dev/null | head -1)
if [[ -z "$crash" ]] || ! grep -q "INFLIGHT FINDING" log; then
  echo "hunt $variant: NOT found in $runs runs (seed $seed)"
  tail -5 log
  exit 1
fi
execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' log | grep -o '[0-9]*$' || echo "?")
echo "hunt $variant: found after $execs executions, $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }') s (seed $seed)"
grep -m1 "INFLIGHT FINDING" log
# The crash must show the variant's finding (its key pattern) with it on, and not with it
# off: the same scenario on the fixed model.
if ! "$inflight" replay "$crash" --target "$target" --bugs "$variant" --quiet --expect-bugs >on.txt; then
  echo "hunt $variant: the crash does not replay with the variant's finding"; tail -3 on.txt; exit 1
fi
if ! "$inflight" replay "$crash" --target "$target" --bugs none --quiet \
    --expect-clean-of "$variant" >off.txt; then
  echo "hunt $variant: also found with the variant off"; tail -3 off.txt; exit 1
fi
"$inflight" convert --target "$target" "$crash" minimal.trace >/dev/null
echo "---- crash as .trace ($(grep -vc '^#' minimal.trace) lines) ----"
cat minimal.trace
