#!/usr/bin/env bash
# ci/nightly.sh: the main job. A bounded fuzzing campaign over every fuzz target, with a
# report. A CI job runs it every night; a developer runs it on a laptop.
#
# usage: ci/nightly.sh [--budget SECONDS] [--bugs LIST] [--out DIR] [--merge] [--help]
#   --budget   total seconds of fuzzing, shared by the targets (default 180)
#   --bugs     run against bug variants (INFLIGHT_BUGS): the report then gives the time to
#              each first finding (hunting, benchmarks)
#   --out      where the report, logs, corpora and findings go (default out/nightly)
#   --merge    also merge what is new into the checked-in seeds, corpus/<target>/
# Each target runs under libFuzzer on every core (-fork), from corpus/<target>/ plus
# DIR/<target>/corpus kept from earlier runs, with its dictionary (fuzzers/dict/). New
# inputs are merged into DIR/<target>/corpus (-merge=1). Crashes are deduplicated by
# finding title; each new one is minimized and converted to a .trace. Findings listed in
# corpus/<target>/known_findings.txt (documented in docs/findings.md) do not count.
# DIR/report.md and DIR/report.json give per target executions, exec/s, corpus size,
# model coverage (DIR/<target>/coverage.svg) and findings with their first-seen time and
# the command that replays them.
# Exit: 0 nothing new, 1 a new finding, 2 setup error.
set -uo pipefail
cd "$(dirname "$0")/.."
budget=180 bugs=none out=out/nightly merge=0
while (($#)); do
  case $1 in
    --merge) merge=1; shift ;;
    --budget) budget=${2:?--budget needs seconds}; shift 2 ;;
    --bugs) bugs=${2:?--bugs needs a list}; shift 2 ;;
    --out) out=${2:?--out needs a directory}; shift 2 ;;
    --help|-h) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "ci/nightly.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[[ $budget =~ ^[0-9]+$ ]] && ((budget > 0)) || { echo "ci/nightly.sh: --budget takes whole seconds > 0" >&2; exit 2; }
log() { echo "[nightly $(date -u +%H:%M:%S)] $*"; }
# The finding titles of a crash input that are not known ones, one per line.
new_titles() {
  local target=$1 crash=$2 known=$3 ti k s
  while IFS= read -r ti; do
    k=0
    while IFS= read -r s; do [[ -n $s && $ti == *"$s"* ]] && k=1; done < <(grep -v '^#' "$known")
    ((k)) || echo "$ti"
  done < <($inflight replay --target "$target" --bugs "$bugs" --quiet "$crash" 2>/dev/null |
           sed -n 's/^FINDING [a-z_0-9]* at step [0-9]*: //p' | sort -u)
}

# Toolchain and build (ci/test.sh's install step, without running the tests).
bash ci/test.sh --install-only || { echo "ci/nightly.sh: cannot install the toolchain" >&2; exit 2; }
command -v clang++ >/dev/null || export PATH="$PWD/build/bin:$PATH"
log "building the fuzz preset"
{ cmake --preset fuzz >/dev/null && cmake --build build/fuzz >/dev/null; } ||
  { echo "ci/nightly.sh: build failed (cmake --build build/fuzz)" >&2; exit 2; }
inflight=build/fuzz/cli/inflight
# An unknown bug name is a usage error, before any fuzzing.
if ! err=$($inflight list bugs >/dev/null && INFLIGHT_BUGS= $inflight replay \
      corpus/regressions/dma_debug_eexist_unlimited_report.trace --bugs "$bugs" --quiet 2>&1 >/dev/null); then
  [[ $err == *"unknown bug"* ]] && { echo "ci/nightly.sh: $err" >&2; exit 2; }
fi

mkdir -p "$out" || exit 2
# Variants that show only with a misbehaving driver need its fault events (bugs.def).
export INFLIGHT_DRIVER_FAULTS=0
for b in ${bugs//,/ }; do
  [[ $b == none ]] && continue
  [[ $($inflight list bug "$b" 2>/dev/null | cut -f4) == driver-faults ]] && INFLIGHT_DRIVER_FAULTS=1
done
targets=()
for f in build/fuzz/fuzzers/*_fuzzer; do [[ -x $f ]] && targets+=("$(basename "$f" _fuzzer)"); done
((${#targets[@]})) || { echo "ci/nightly.sh: no fuzz targets built" >&2; exit 2; }
cores=$(nproc 2>/dev/null || echo 1)
per=$((budget / ${#targets[@]}))
((per < 5)) && per=5
campaign_start=$(date +%s)
log "budget ${budget}s over ${#targets[@]} targets (${per}s each, -fork=$cores): ${targets[*]}; bugs=$bugs; out=$out"

new_total=0
json_targets=()
md_rows=()
md_findings=()
for t in "${targets[@]}"; do
  dir=$out/$t
  rm -rf "$dir/crashes" "$dir/findings"
  mkdir -p "$dir/corpus" "$dir/crashes" "$dir/findings" "corpus/$t"
  known=corpus/$t/known_findings.txt
  [[ -f $known ]] || known=/dev/null
  dict=()
  [[ -f fuzzers/dict/$t.dict ]] && dict=(-dict="fuzzers/dict/$t.dict")
  before=$(find "$dir/corpus" "corpus/$t" -type f ! -name '*.txt' | wc -l)
  log "$t: fuzzing ${per}s from $before inputs"
  start=$(date +%s)
  INFLIGHT_BUGS=$bugs INFLIGHT_KNOWN=$known build/fuzz/fuzzers/${t}_fuzzer "$dir/corpus" "corpus/$t" \
    -fork="$cores" -ignore_crashes=1 -max_total_time="$per" -max_len=1200 "${dict[@]}" \
    -artifact_prefix="$dir/crashes/" -print_final_stats=1 >"$dir/log.txt" 2>&1 &
  pid=$!
  ticks=0
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    ((++ticks % 10)) || log "$t: $(( $(date +%s) - start ))/${per}s $(grep -aE '^#[0-9]+' "$dir/log.txt" | tail -1 | cut -c1-100)"
  done
  wait "$pid"
  elapsed=$(( $(date +%s) - start ))
  last=$(grep -aE '^#[0-9]+' "$dir/log.txt" | tail -1)
  execs=$(sed -nE 's/^#([0-9]+).*/\1/p' <<<"$last")
  execs=${execs:-0}
  rate=$(sed -nE 's/.*exec\/s:? ([0-9]+).*/\1/p' <<<"$last")
  ((${rate:-0} > 0)) || rate=$(( elapsed > 0 ? execs / elapsed : execs ))
  # Keep what is new: merge the run's inputs into the campaign corpus (and the seeds).
  mkdir -p "$dir/merged"
  INFLIGHT_KNOWN=$known INFLIGHT_BUGS=$bugs build/fuzz/fuzzers/${t}_fuzzer -merge=1 "$dir/merged" \
    "corpus/$t" "$dir/corpus" >"$dir/merge.txt" 2>&1
  rm -rf "$dir/corpus" && mv "$dir/merged" "$dir/corpus"
  if ((merge)); then
    INFLIGHT_KNOWN=$known INFLIGHT_BUGS=$bugs build/fuzz/fuzzers/${t}_fuzzer -merge=1 "corpus/$t" \
      "$dir/corpus" >>"$dir/merge.txt" 2>&1
  fi
  size=$(find "$dir/corpus" -type f | wc -l)
  # Model coverage of the merged corpus.
  $inflight coverage --target "$t" --format binary --bugs "$bugs" "$dir/corpus" --json "$dir/coverage.json" \
    --svg "$dir/coverage.svg" >"$dir/coverage.txt" 2>&1
  never=$(grep -o '"never_taken": \[[^]]*\]' "$dir/coverage.json" 2>/dev/null | sed 's/"never_taken": //')
  taken=$(sed -nE 's/.*"taken": ([0-9]+).*/\1/p' "$dir/coverage.json" 2>/dev/null)
  active=$(sed -nE 's/.*"in_active_lifecycles": ([0-9]+).*/\1/p' "$dir/coverage.json" 2>/dev/null)
  # Findings: one per title, the first seen; minimized and converted to a .trace.
  declare -A seen=()
  findings_json=()
  while IFS= read -r crash; do
    [[ -n $crash ]] || continue
    while IFS= read -r title; do
      [[ -n $title && -z ${seen[$title]:-} ]] || continue
      seen[$title]=1
      n=${#seen[@]}
      first_seen=$(( $(stat -c %Y "$crash") - start ))
      ((first_seen < 0)) && first_seen=0
      # Minimize keeping this finding: only its title may crash (INFLIGHT_EXPECT).
      min=$dir/findings/finding-$n.bin
      INFLIGHT_BUGS=$bugs INFLIGHT_EXPECT=$title build/fuzz/fuzzers/${t}_fuzzer -minimize_crash=1 \
        -runs=20000 -exact_artifact_path="$min" "$crash" >"$dir/findings/minimize-$n.txt" 2>&1
      [[ -s $min ]] || cp "$crash" "$min"
      $inflight convert "$min" "$dir/findings/finding-$n.trace" --target "$t" >/dev/null 2>&1
      events=$(grep -vcE '^\s*(#|$|topology)' "$dir/findings/finding-$n.trace")
      replay="build/debug/cli/inflight replay $dir/findings/finding-$n.trace --bugs $bugs"
      log "$t: FINDING after ${first_seen}s: $title ($events events; $replay)"
      md_findings+=("| $t | ${title//|/\\|} | ${first_seen}s | $events | \`$replay\` |")
      findings_json+=("{\"title\":\"${title//\"/\\\"}\",\"first_seen_s\":$first_seen,\"events\":$events,\"trace\":\"$dir/findings/finding-$n.trace\",\"replay\":\"$replay\"}")
      new_total=$((new_total + 1))
    done < <(new_titles "$t" "$crash" "$known")
  done < <(ls -tr "$dir/crashes"/crash-* 2>/dev/null)
  unset seen
  nf=${#findings_json[@]}
  log "$t: $execs executions, $rate exec/s, corpus $before -> $size, $nf new findings"
  md_rows+=("| $t | $execs | $rate | $before → $size | ${taken:-?}/${active:-?} transitions ([svg]($t/coverage.svg)); never taken: ${never:-[]} | $nf |")
  fj=$(IFS=,; echo "${findings_json[*]}")
  json_targets+=("{\"target\":\"$t\",\"seconds\":$elapsed,\"executions\":$execs,\"exec_per_sec\":$rate,\"corpus_before\":$before,\"corpus\":$size,\"coverage\":$(cat "$dir/coverage.json" 2>/dev/null || echo null),\"findings\":[${fj}]}")
done

total=$(( $(date +%s) - campaign_start ))
{
  echo "# inflight nightly report"
  echo
  echo "$(date -u +%Y-%m-%dT%H:%M:%SZ), budget ${budget}s (${per}s per target, -fork=$cores), bugs \`$bugs\`, took ${total}s."
  echo
  echo "| target | executions | exec/s | corpus | model coverage | new findings |"
  echo "|---|---|---|---|---|---|"
  printf '%s\n' "${md_rows[@]}"
  echo
  echo "## Findings"
  echo
  if ((${#md_findings[@]})); then
    echo "| target | title | first seen | events | replay |"
    echo "|---|---|---|---|---|"
    printf '%s\n' "${md_findings[@]}"
  else
    echo "None new (known findings: corpus/<target>/known_findings.txt)."
  fi
} >"$out/report.md"
{
  echo "{\"budget_s\":$budget,\"bugs\":\"$bugs\",\"took_s\":$total,\"new_findings\":$new_total,\"targets\":["
  (IFS=,; echo "${json_targets[*]}")
  echo "]}"
} >"$out/report.json"
log "report: $out/report.md, $out/report.json ($new_total new findings)"
((new_total == 0))
