#!/usr/bin/env bash
# bench/campaign.sh: the nightly's old configuration next to the new one, on the same
# budget, in one run; then each target's in-memory baseline.
#
# usage: bench/campaign.sh [--seconds S] [--repeat N] [--targets LIST] [--start seeds|grown]
#   --seconds  wall seconds each target fuzzes in each configuration (default 20)
#   --repeat   rounds, each running every target in the old configuration, then in the
#              new (default 3); the table gives each rate's median over the rounds. Round r
#              gives libFuzzer -seed=r in both configurations, so a round can be run again.
#              A run grows its own corpus, and how costly its inputs become moves its speed
#              by up to 1.5x from one seed to the next.
#   --targets  comma-separated fuzz targets (default all of them)
#   --start    what each run starts from (default seeds): the target's binary seeds, as
#              on a first night; or grown: a corpus grown once from them before the first
#              round (the new configuration, S seconds, -seed=1), the same for every run of
#              both configurations, as on the nights after (ci/nightly.sh goes on from its
#              corpus). The first night's runs make long inputs at different rates; from
#              the same grown corpus both configurations start with the same inputs.
# old: the `fuzz` build (ASan+UBSan) under -fork=CORES -ignore_crashes=1, one target at a
#      time (executions: fork mode's last "#N" line).
# new: the `campaign` build (no sanitizers), one libFuzzer process per target, CORES
#      targets at a time, with -reload=0 as ci/nightly.sh runs them.
# Executions per CPU-second = executions / (wall seconds x cores given), as the nightly
# report counts them (old: CORES, new: 1); and, as a check on a machine shared with other
# work, executions / CPU time used (user + system, fork mode's jobs included).
# Both start (--start) in a fresh directory, with the target's dictionary and
# -max_len=1200. The in-memory baseline (<target>_inmemory, the campaign build,
# bench/inmemory.cc) then runs the first round's new corpus from memory
# through the target and through an empty function: ns per execution of each, the
# target's ns per event, and the model's share of the new configuration's CPU time
# (target ns per execution x new executions per CPU-second of CPU time used / 1e9; the
# rest is libFuzzer, its coverage callbacks outside the entry point, and the kernel). The same
# baseline built in the release preset (GCC, no coverage instrumentation) gives the
# model's own ns per event, the last column.
# Prints a Markdown table of the medians, then each round's figures (also
# out/bench/campaign.md).
set -uo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
usage_error() { echo "bench/campaign.sh: $*" >&2; exit 2; }
seconds=20 repeat=3 start=seeds
targets=$(sed -nE 's/^set\(INFLIGHT_FUZZ_TARGETS (.*)\)/\1/p' CMakeLists.txt)
while (($#)); do
  case $1 in
    --help|-h) sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;;
    --seconds|--repeat|--targets|--start) [[ $# -ge 2 && -n $2 && $2 != --* ]] || usage_error "$1 needs a value" ;;
    *) usage_error "unknown argument '$1' (see --help)" ;;
  esac
  case $1 in
    --seconds) [[ $2 =~ ^[0-9]+$ ]] && (($2 > 0)) || usage_error "--seconds takes whole seconds > 0"; seconds=$2 ;;
    --repeat) [[ $2 =~ ^[1-9][0-9]*$ ]] || usage_error "--repeat takes a count > 0"; repeat=$2 ;;
    --targets)
      for t in ${2//,/ }; do [[ " $targets " == *" $t "* ]] || usage_error "unknown target '$t'"; done
      targets=${2//,/ } ;;
    --start) [[ $2 == seeds || $2 == grown ]] || usage_error "--start is seeds or grown, not '$2'"; start=$2 ;;
  esac
  shift 2
done
fuzzers=() inmemory=()
for t in $targets; do fuzzers+=("${t}_fuzzer") inmemory+=("${t}_inmemory"); done
bench_build "fuzz:$(IFS=,; echo "${fuzzers[*]}")" "campaign:$(IFS=,; echo "${fuzzers[*]} ${inmemory[*]}" | tr ' ' ,)" \
  "release:$(IFS=,; echo "${inmemory[*]}")"
cores=$(nproc 2>/dev/null || echo 1)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# fuzz CONFIG TARGET ROUND BINARY CORES ARGS...: a fresh run from the seeds; "executions
# wall-seconds x CORES, CPU-seconds used" into $work/CONFIG-TARGET-ROUND.figures.
fuzz() {
  local t=$2 dir=$work/$1-$2-$3 dict=()
  mkdir -p "$dir/corpus"
  if [[ $start == grown ]]; then cp "$work/start-$t"/* "$dir/corpus/"; else cp corpus/"$t"/*.bin "$dir/corpus/"; fi
  [[ -f fuzzers/dict/$t.dict ]] && dict=(-dict="$PWD/fuzzers/dict/$t.dict")
  local TIMEFORMAT='%R %U %S'
  { time (cd "$dir" && "$4" corpus -max_total_time="$seconds" -max_len=1200 "${dict[@]}" "${@:6}" >log 2>&1); } 2>"$dir.time"
  echo "$(grep -aoE '^#[0-9]+' "$dir/log" | tail -1 | tr -d '#') $(awk -v c="$5" '{ print $1 * c, $2 + $3 }' "$dir.time")" >"$dir.figures"
}
# grow TARGET: the start corpus of every run with --start grown.
grow() {
  local t=$1 dict=()
  mkdir -p "$work/start-$t"
  cp corpus/"$t"/*.bin "$work/start-$t/"
  [[ -f fuzzers/dict/$t.dict ]] && dict=(-dict="$PWD/fuzzers/dict/$t.dict")
  build/campaign/fuzzers/"${t}"_fuzzer "$work/start-$t" -seed=1 -max_total_time="$seconds" \
    -max_len=1200 "${dict[@]}" >"$work/start-$t.log" 2>&1
}
if [[ $start == grown ]]; then
  echo "bench/campaign.sh: growing each target's start corpus for ${seconds} s, $cores at a time" >&2
  running=0
  for t in $targets; do
    grow "$t" &
    ((++running < cores)) || { wait -n; running=$((running - 1)); }
  done
  wait
fi
for ((r = 1; r <= repeat; r++)); do
  echo "bench/campaign.sh: round $r of $repeat: old, one target at a time on $cores cores (-fork=$cores)" >&2
  for t in $targets; do
    fuzz old "$t" "$r" "$PWD/build/fuzz/fuzzers/${t}_fuzzer" "$cores" -seed="$r" -fork="$cores" -ignore_crashes=1
  done
  echo "bench/campaign.sh: round $r of $repeat: new, $cores targets at a time, one process each" >&2
  running=0
  for t in $targets; do
    fuzz new "$t" "$r" "$PWD/build/campaign/fuzzers/${t}_fuzzer" 1 -seed="$r" -print_final_stats=1 -reload=0 &
    ((++running < cores)) || { wait -n; running=$((running - 1)); }
  done
  wait
done
# rates CONFIG TARGET: the medians over the rounds of executions per CPU-second (wall
# seconds x cores given) and of executions per CPU-second used; nothing unless every
# round ran.
rates() {
  for ((r = 1; r <= repeat; r++)); do cat "$work/$1-$2-$r.figures"; done | awk -v rounds="$repeat" '
    function median(a, n,   i, j, x) {
      for (i = 1; i < n; i++) for (j = i; j > 0 && a[j - 1] > a[j]; j--) { x = a[j]; a[j] = a[j - 1]; a[j - 1] = x }
      return n % 2 ? a[int(n / 2)] : (a[n / 2 - 1] + a[n / 2]) / 2
    }
    BEGIN { n = 0 }
    NF == 3 && $2 > 0 && $3 > 0 { w[n] = $1 / $2; c[n] = $1 / $3; n++ }
    END { if (n == rounds) print median(w, n), median(c, n) }'
}
{
  echo "| target | old: exec per CPU-second | new | new / old | by CPU time used: old | new | new / old | in-memory: target ns/exec | empty ns/exec | events/input | target ns/event | model share of new CPU time | ns/event without coverage |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
  for t in $targets; do
    read -r o co <<<"$(rates old "$t")"
    read -r n cn <<<"$(rates new "$t")"
    [[ -n $o && -n $n ]] || { echo "bench/campaign.sh: $t did not run in every round (logs in $work)" >&2; trap - EXIT; continue; }
    line=$(build/campaign/bench/${t}_inmemory --seconds 2 "$work/new-$t-1/corpus" 2>/dev/null | grep '^inmemory:')
    plain=$(build/release/bench/${t}_inmemory --seconds 2 "$work/new-$t-1/corpus" 2>/dev/null | grep '^inmemory:')
    val() { sed -nE "s/.* $1=([0-9.]+).*/\\1/p" <<<"${2:-$line}"; }
    awk -v t="$t" -v o="$o" -v co="$co" -v n="$n" -v cn="$cn" -v tn="$(val target_ns_per_exec)" \
        -v en="$(val empty_ns_per_exec)" -v ev="$(val events_per_input)" -v me="$(val model_ns_per_event)" -v pe="$(val model_ns_per_event "$plain")" 'BEGIN {
      printf "| %s | %.0f | %.0f | %.1fx | %.0f | %.0f | %.1fx | %.0f | %.1f | %.1f | %.0f | %.0f%% | %.0f |\n", t, o, n, n / o, co, cn, cn / co, tn, en, ev, me, tn * cn / 1e7, pe
    }'
  done
  echo
  echo "| target | round | old: exec per CPU-second | new | new / old |"
  echo "|---|---|---|---|---|"
  for t in $targets; do
    for ((r = 1; r <= repeat; r++)); do
      cat "$work/old-$t-$r.figures" "$work/new-$t-$r.figures" | awk -v t="$t" -v r="$r" '
        BEGIN { n = 0 }
        NF == 3 && $2 > 0 { rate[n++] = $1 / $2 }
        END { if (n == 2) printf "| %s | %d | %.0f | %.0f | %.1fx |\n", t, r, rate[0], rate[1], rate[1] / rate[0] }'
    done
  done
} | tee out/bench/campaign.md
