#!/usr/bin/env bash
# bench/explore.sh: the explorer next to the random searches, per bug variant.
#
# usage: bench/explore.sh [--seconds S]
# For every variant in model/core/bugs.def, on its regression trace's topology:
# - the explorer with the variant on, from the family alphabet of its fuzz target with
#   every field varied alone (--wide; the trace's own events are NOT added): time, states
#   and length of the shortest counterexample (within S seconds, default 60);
# - the explorer with the variant off (--clean-of): the depth it clears in S seconds;
# - for comparison: RapidCheck's shrunk length (Hunt.<variant>, seed 1) and libFuzzer's
#   minimized length (fuzzers/hunt.sh's crash, seed 1, -minimize_crash=1).
# Uses the release preset for the explorer (MODEL_ASSERT on), debug for RapidCheck and
# fuzz for libFuzzer. Prints a Markdown table (also out/bench/explore.md).
set -uo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
seconds=60
while (($#)); do
  case $1 in
    --seconds)
      [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || { echo "bench/explore.sh: --seconds takes whole seconds > 0" >&2; exit 2; }
      seconds=$2; shift 2 ;;
    --help|-h) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/explore.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
bench_build release debug fuzz
inflight=build/release/cli/inflight
variants=$(bench_variants)
{
  echo "| variant | explorer: shortest (events) | time | states | depth cleared with the fix in ${seconds} s (states) | RapidCheck shrunk | libFuzzer minimized | regression trace |"
  echo "|---|---|---|---|---|---|---|---|"
  while read -r r v; do
    trace=corpus/regressions/$v.trace
    topo=$(grep -m1 '^topology' "$trace" | sed 's/^topology //')
    found=$($inflight explore --bugs "$v" --topology "$topo" --wide --depth 12 --seconds "$seconds" 2>/dev/null)
    if [[ $found =~ shortest\ counterexample:\ ([0-9]+)\ events.*:\ ([0-9]+)\ states,\ ([0-9]+)\ transitions,\ ([0-9.]+)\ seconds ]]; then
      len=${BASH_REMATCH[1]} states=${BASH_REMATCH[2]} secs=${BASH_REMATCH[4]}
    else
      cleared=$(sed -nE 's/^no violation up to depth ([0-9]+): ([0-9]+) states.*/\1 (\2 states)/p' <<<"$found")
      len="not within ${seconds} s (cleared depth ${cleared:-?})" states=- secs=-
    fi
    clean=$($inflight explore --clean-of "$v" --topology "$topo" --wide --depth 100 --seconds "$seconds" 2>/dev/null |
      sed -nE 's/^no violation up to depth ([0-9]+): ([0-9]+) states.*/\1 (\2)/p')
    rc=$(RC_PARAMS="seed=1 max_success=5000 verbose_progress=0" build/debug/properties/inflight_props \
      --gtest_filter="Hunt.$v" 2>&1 | sed -nE "s/^hunt $v: .*shrunk to ([0-9]+) events/\\1/p")
    work=$(mktemp -d)
    row=$(build/fuzz/cli/inflight list bug "$v")
    pattern=$(cut -f3 <<<"$row") target=$(cut -f5 <<<"$row") faults=$(cut -f4 <<<"$row")
    df=0; [[ $faults == driver-faults ]] && df=1
    (cd "$work" && INFLIGHT_DRIVER_FAULTS=$df INFLIGHT_BUGS=$v INFLIGHT_EXPECT=$pattern \
      "$OLDPWD/build/fuzz/fuzzers/${target}_fuzzer" -seed=1 -runs=300000 -max_len=1200 >log 2>&1
      crash=$(ls crash-* 2>/dev/null | head -1)
      [[ -n $crash ]] && INFLIGHT_DRIVER_FAULTS=$df INFLIGHT_BUGS=$v INFLIGHT_EXPECT=$pattern \
        "$OLDPWD/build/fuzz/fuzzers/${target}_fuzzer" -minimize_crash=1 -runs=30000 \
        -exact_artifact_path=min.bin "$crash" >min.log 2>&1)
    fz=-
    if [[ -s $work/min.bin ]]; then
      $inflight convert "$work/min.bin" "$work/min.trace" --target "$target" >/dev/null 2>&1 &&
        fz=$(trace_events "$work/min.trace")
    fi
    rm -rf "$work"
    reg=$(trace_events "$trace")
    echo "| R$r \`$v\` | $len | ${secs} s | $states | ${clean:--} | ${rc:--} | $fz | $reg |"
  done <<<"$variants"
} | tee out/bench/explore.md
