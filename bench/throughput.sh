#!/usr/bin/env bash
# bench/throughput.sh: exec/s of every fuzz target next to an empty libFuzzer target, on
# the same inputs and in the same run, and the model's cost per event.
#
# usage: bench/throughput.sh [--preset bench|fuzz] [--runs N] [--seconds S]
#   --preset   bench (default): clang + libFuzzer coverage, no sanitizers;
#              fuzz: the nightly's ASan + UBSan build
#   --runs     how often each input is executed in file mode (default 200)
#   --seconds  length of each fuzzing-mode measurement (default 5)
# Inputs per target: its seed corpus plus what a fixed 3000-run fuzzing session (-seed=1)
# adds, made once and kept in out/bench/inputs/<target>. Both binaries get exactly these
# files (libFuzzer's file mode, -runs=N: every file N times), timed by the wall clock, so
# the input sizes are the same. Fuzzing mode (libFuzzer's own exec/s, mutations included)
# is measured too, the empty target with the same -max_len. Cost per event: the target's
# time per execution minus the empty target's, over the mean events per input.
# Prints a Markdown table (also out/bench/throughput.md).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
preset=bench runs=200 seconds=5
while (($#)); do
  case $1 in
    --preset)
      [[ ${2:-} == bench || ${2:-} == fuzz ]] || { echo "bench/throughput.sh: --preset takes bench or fuzz" >&2; exit 2; }
      preset=$2; shift 2 ;;
    --runs|--seconds)
      [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || { echo "bench/throughput.sh: $1 takes a whole number > 0" >&2; exit 2; }
      declare "${1#--}=$2"; shift 2 ;;
    --help|-h) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/throughput.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
bench_build "$preset"
bin=build/$preset
empty=$bin/bench/empty_fuzzer
out=out/bench
now() { date +%s.%N; }
{
  echo "| target | inputs | events/input | file mode: target exec/s | empty exec/s | ratio | fuzzing mode: target exec/s | empty exec/s | ratio | model µs/event |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  for f in "$bin"/fuzzers/*_fuzzer; do
    t=$(basename "$f" _fuzzer)
    inputs=$out/inputs/$t
    if [[ ! -d $inputs ]]; then
      mkdir -p "$inputs"
      cp corpus/"$t"/*.bin "$inputs"/ 2>/dev/null || true
      "$f" "$inputs" -seed=1 -runs=3000 -max_len=1200 >/dev/null 2>&1 || true
    fi
    files=("$inputs"/*)
    n=${#files[@]}
    bytes=$(cat "${files[@]}" | wc -c)
    events=$(awk -v b="$bytes" -v n="$n" 'BEGIN { printf "%.1f", (b - 8 * n) / 12 / n }')
    s=$(now); "$f" -runs="$runs" "${files[@]}" >/dev/null 2>&1; e=$(now)
    target_t=$(awk -v s="$s" -v e="$e" 'BEGIN { print e - s }')
    s=$(now); "$empty" -runs="$runs" "${files[@]}" >/dev/null 2>&1; e=$(now)
    empty_t=$(awk -v s="$s" -v e="$e" 'BEGIN { print e - s }')
    execs=$((n * runs))
    "$f" -seed=1 -max_total_time="$seconds" -max_len=1200 -print_final_stats=1 "$(mktemp -d)" "$inputs" \
      >"$out/$t.fuzz.log" 2>&1 || true
    "$empty" -seed=1 -max_total_time="$seconds" -max_len=1200 -print_final_stats=1 "$(mktemp -d)" "$inputs" \
      >"$out/empty.fuzz.log" 2>&1 || true
    fr=$(grep -o 'average_exec_per_sec: *[0-9]*' "$out/$t.fuzz.log" | grep -o '[0-9]*$' || echo 0)
    er=$(grep -o 'average_exec_per_sec: *[0-9]*' "$out/empty.fuzz.log" | grep -o '[0-9]*$' || echo 0)
    awk -v t="$t" -v n="$n" -v ev="$events" -v x="$execs" -v tt="$target_t" -v et="$empty_t" \
        -v fr="$fr" -v er="$er" 'BEGIN {
      tr = x / tt; emr = x / et
      cost = (tt - et) / x * 1e6 / ev
      printf "| %s | %d | %s | %.0f | %.0f | %.3f | %d | %d | %.4f | %.2f |\n", t, n, ev, tr, emr, tr / emr, fr, er, (er > 0 ? fr / er : 0), cost
    }'
  done
} | tee "$out/throughput.md"
