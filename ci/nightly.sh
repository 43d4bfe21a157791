#!/usr/bin/env bash
# ci/nightly.sh: the main job. A bounded fuzzing campaign over every fuzz target, with a
# report. A CI job runs it every night; a developer runs it on a laptop.
#
# usage: ci/nightly.sh [--budget SECONDS] [--bugs LIST] [--targets LIST] [--out DIR]
#                      [--prop-cases N] [--prop-seed S] [--kernel-sample N] [--merge] [--help]
#   --budget   wall-clock seconds of fuzzing (default 180). Targets run one libFuzzer
#              process each, as many at a time as there are cores; each target gets
#              budget / ceil(targets / cores) seconds (at least 5) of one core
#   --bugs     run against bug variants (INFLIGHT_BUGS; names from model/core/bugs.def or
#              mutants.def): the report then gives the time to each first finding
#   --targets  only these fuzz targets (comma-separated; default all of them)
#   --out      where the report, logs, corpora and findings go (default out/nightly)
#   --merge    also merge what is new into the checked-in seeds, corpus/<target>/
#   --prop-cases  cases per RapidCheck property after the fuzzing (default 20000, about
#              15 s on the campaign build; 0: none). CI runs them with 300
#   --prop-seed   their seed (default: today's date as YYYYMMDD, so each night draws new
#              cases; the report names it, and RC_PARAMS="seed=S" reproduces a failure)
#   --kernel-sample N  then the model against the real kernel (ci/kernel.sh, KUnit on
#              Debian's 6.12 under UML): the regression traces, corpus/kernel and the
#              first N inputs of the page_pool, xdp and world campaign corpora (default
#              50; 0: no kernel check; only with --bugs none). Its first build takes 6-10
#              minutes, outside the budget; a disagreement is a new finding (kind kernel)
# Fuzzing runs on the sanitizer-free `campaign` build, one long-lived process per target
# (no -fork restarts; after a crash it restarts for the rest of its time, with the crash's
# finding counted as known). Seeds: the binary inputs of corpus/<target>/ (*.bin and
# libFuzzer's 40-hex names, never .txt/.trace/.dict) and DIR/<target>/corpus from earlier
# runs, with the target's dictionary (fuzzers/dict/). New inputs go to a scratch directory,
# then -merge=1 writes DIR/<target>/corpus.new. Every merged input and every crash is rerun
# on the ASan+UBSan `fuzz` build: a sanitizer report is a finding of its own kind and its
# input is not kept. The corpus is replaced, by rename, only after a merge that exited 0
# and wrote every file it announced; otherwise the old corpus stays and the run exits 2.
# Crashes are deduplicated by finding key (kind@site (detail), from `inflight replay
# --json`); each new one is minimized keeping its key and converted (as binary) to a .trace. Findings in corpus/<target>/known_findings.txt do not count.
# DIR/report.md and DIR/report.json give per target executions, executions per
# CPU-second, events per second, corpus size, model coverage (DIR/<target>/coverage.svg)
# and findings with their first-seen time and replay command; the campaign's total
# executions, executions per CPU-second (executions / (wall seconds x cores)) and events;
# and the line coverage of model/ by the campaign corpus (llvm-cov HTML in DIR/linecov/,
# from the `linecov` preset's coverage-instrumented CLI).
# Then every RapidCheck property that must hold on the fixed model (properties/, not the
# hunts) runs with many more cases than in CI: a failing one is a new finding (kind
# property, its counterexample in DIR/properties.txt).
# SIGINT or SIGTERM stops every child (its process group), keeps the corpus and writes
# the report marked "interrupted".
# Exit: 0 nothing new, 1 a new finding, 2 usage or setup error or a failed merge,
# 130/143 interrupted by SIGINT/SIGTERM.
# Test hook: INFLIGHT_NIGHTLY_SKIP_BUILD=1 skips install and build and takes the binaries
# from INFLIGHT_NIGHTLY_FUZZERS (default build/campaign/fuzzers), INFLIGHT_NIGHTLY_CHECK
# (the sanitizer build's fuzzers, default build/fuzz/fuzzers) and INFLIGHT_NIGHTLY_CLI
# (default build/campaign/cli/inflight); INFLIGHT_NIGHTLY_PROPS and INFLIGHT_NIGHTLY_LINECOV_CLI
# name the properties binary and the coverage-instrumented CLI.
set -uo pipefail
shopt -s nullglob
cd "$(dirname "$0")/.."
usage_error() { echo "ci/nightly.sh: $*" >&2; exit 2; }
budget=180 bugs=none targets_arg= out=out/nightly merge=0 prop_cases=20000 prop_seed=$(date -u +%Y%m%d)
kernel_sample=50
while (($#)); do
  case $1 in
    --merge) merge=1; shift; continue ;;
    --help|-h) sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;;
    --budget|--bugs|--targets|--out|--prop-cases|--prop-seed|--kernel-sample) [[ $# -ge 2 && -n $2 && $2 != --* ]] || usage_error "$1 needs a value (see --help)" ;;
    *) usage_error "unknown argument '$1' (see --help)" ;;
  esac
  case $1 in
    --budget) budget=$2 ;;
    --bugs) bugs=$2 ;;
    --targets) targets_arg=$2 ;;
    --out) out=$2 ;;
    --prop-cases) prop_cases=$2 ;;
    --prop-seed) prop_seed=$2 ;;
    --kernel-sample) kernel_sample=$2 ;;
  esac
  shift 2
done
# Every argument is checked here, before anything is installed or built.
[[ $budget =~ ^[0-9]+$ ]] && ((budget > 0)) || usage_error "--budget takes whole seconds > 0, not '$budget'"
[[ $prop_cases =~ ^[0-9]+$ ]] || usage_error "--prop-cases takes a whole number, not '$prop_cases'"
[[ $prop_seed =~ ^[0-9]+$ ]] || usage_error "--prop-seed takes a whole number, not '$prop_seed'"
[[ $kernel_sample =~ ^[0-9]+$ ]] && ((kernel_sample <= 100000)) || usage_error "--kernel-sample takes a number in 0..100000, not '$kernel_sample'"
all_bugs=$(sed -nE 's/^INFLIGHT_(BUG|MUTANT)\(([a-z0-9_]+),.*/\2/p' model/core/bugs.def model/core/mutants.def 2>/dev/null)
if [[ $bugs != none ]]; then
  for b in ${bugs//,/ }; do
    grep -qx "$b" <<<"$all_bugs" || usage_error "--bugs: unknown bug variant '$b'; known: $(echo $all_bugs)"
  done
fi
all_targets=$(sed -nE 's/^set\(INFLIGHT_FUZZ_TARGETS (.*)\)/\1/p' CMakeLists.txt)
for t in ${targets_arg//,/ }; do
  [[ " $all_targets " == *" $t "* ]] || usage_error "--targets: unknown target '$t'; known: $all_targets"
done
mkdir -p "$out" 2>/dev/null && probe=$(mktemp -p "$out" 2>/dev/null) && rm -f "$probe" ||
  usage_error "--out: cannot write to '$out'"
out=$(cd "$out" && pwd)

log() { echo "[nightly $(date -u +%H:%M:%S)] $*"; }
now() { date +%s; }
cores=$(nproc 2>/dev/null || echo 1) per=0

# The binary inputs of a seed directory: *.bin and libFuzzer's own (40 hex digits) names.
binary_inputs() { find "$1" -maxdepth 1 -type f \( -name '*.bin' -o -regex '.*/[0-9a-f]\{40\}' \); }
count() { find "$1" -type f 2>/dev/null | wc -l; }
json_str() { local s=${1//\\/\\\\}; s=${s//\"/\\\"}; printf '"%s"' "${s//$'\t'/ }"; }
md_cell() { echo "${1//|/\\|}"; }
stat_of() { grep -aoE "$1[: =]+[0-9]+" "$2" | tail -1 | grep -oE '[0-9]+$' || echo 0; }

# Per target state; findings as tab-separated rows "target kind key title first_seen crash",
# report rows as "target kind key title first_seen events replay". A model finding's key is
# its finding key (model/core/violation.h), read from `inflight replay --json`; sanitizer
# and other crashes have none ("-").
declare -A before=() size=() seconds=() execs=() events=() runs=() left=() status=() started=()
declare -A job_target=() job_start=()  # running fuzzing processes: pid -> target, start
targets=() findings=() rows=() campaign_start=$(now) fuzz_wall=
per_s() { awk -v n="$1" -v d="$2" 'BEGIN { printf "%.0f", (d > 0 ? n / d : 0) }'; }
write_report() {
  local t total_x=0 total_e=0 wall=${fuzz_wall:-$(( $(now) - campaign_start ))} md=() js=() fj r
  local state=${interrupted:+interrupted by SIG$interrupted}
  for t in "${targets[@]}"; do
    local dir=$out/$t cov=null never taken active nf=0
    total_x=$((total_x + execs[$t])) total_e=$((total_e + events[$t]))
    [[ -s $dir/coverage.json ]] && cov=$(cat "$dir/coverage.json")
    never=$(jq -c '.never_taken' <<<"$cov")
    taken=$(jq '.taken' <<<"$cov")
    active=$(jq '.in_active_lifecycles' <<<"$cov")
    fj=()
    for r in "${rows[@]}"; do
      IFS=$'\t' read -r rt kind key title first ev replay <<<"$r"
      [[ $rt == "$t" ]] || continue
      nf=$((nf + 1))
      fj+=("{\"kind\":\"$kind\",\"key\":$(json_str "$key"),\"title\":$(json_str "$title"),\"first_seen_s\":$(json_str "$first"),\"events\":$(json_str "$ev"),\"replay\":$(json_str "$replay")}")
    done
    local covcell=-
    [[ $cov != null ]] && covcell="${taken:-?}/${active:-?} transitions ([svg]($t/coverage.svg)); never taken: ${never:-[]}"
    md+=("| $t | ${execs[$t]} | ${seconds[$t]}s | $(per_s "${execs[$t]}" "${seconds[$t]}") | $(per_s "${events[$t]}" "${seconds[$t]}") | ${before[$t]} → ${size[$t]:-$(count "$dir/corpus")} | $covcell | $(md_cell "${status[$t]}") | $nf |")
    js+=("{\"target\":\"$t\",\"seconds\":${seconds[$t]},\"runs\":${runs[$t]},\"executions\":${execs[$t]},\"events\":${events[$t]},\"exec_per_cpu_s\":$(per_s "${execs[$t]}" "${seconds[$t]}"),\"events_per_cpu_s\":$(per_s "${events[$t]}" "${seconds[$t]}"),\"corpus_before\":${before[$t]},\"corpus\":${size[$t]:-$(count "$dir/corpus")},\"status\":$(json_str "${status[$t]}"),\"coverage\":$cov,\"findings\":[$(IFS=,; echo "${fj[*]}")]}")
  done
  local xc=$(per_s "$total_x" $((wall * cores))) ec=$(per_s "$total_e" $((wall * cores)))
  {
    echo "# inflight nightly report"
    echo
    [[ -n $state ]] && echo "**Interrupted** (SIG$interrupted): partial figures; every corpus kept as it was." && echo
    echo "$(date -u +%Y-%m-%dT%H:%M:%SZ), budget ${budget}s (${per}s per target, $cores at a time, sanitizer-free build, ASan+UBSan recheck), bugs \`$bugs\`, took $(( $(now) - campaign_start ))s."
    echo
    echo "Campaign: $total_x executions and $total_e events in ${wall}s on $cores cores: **$xc executions per CPU-second**, $ec events per CPU-second."
    echo
    echo "Properties (fixed model, ${prop_cases} cases each, seed $prop_seed): $prop_result."
    echo
    echo "Line coverage: ${linecov_line:-not measured}."
    echo
    echo "The model against the kernel: ${kernel_line:-not run}."
    echo
    echo "| target | executions | seconds | exec per CPU-second | events per CPU-second | corpus | model coverage | corpus status | new findings |"
    echo "|---|---|---|---|---|---|---|---|---|"
    printf '%s\n' "${md[@]}"
    echo
    echo "## Findings"
    echo
    if ((${#rows[@]})); then
      echo "| target | kind | key | title | first seen | events | replay |"
      echo "|---|---|---|---|---|---|---|"
      for r in "${rows[@]}"; do
        IFS=$'\t' read -r t kind key title first ev replay <<<"$r"
        [[ $first == - ]] || first+=s  # merged-corpus rechecks have no time
        echo "| $t | $kind | \`$(md_cell "$key")\` | $(md_cell "$title") | $first | $ev | \`$replay\` |"
      done
    else
      echo "None new (known findings: corpus/<target>/known_findings.txt)."
    fi
  } >"$out/report.md"
  {
    echo "{\"status\":$(json_str "${state:-complete}"),\"budget_s\":$budget,\"bugs\":$(json_str "$bugs"),\"cores\":$cores,\"per_target_s\":$per,\"wall_s\":$wall,\"executions\":$total_x,\"events\":$total_e,\"exec_per_cpu_s\":$xc,\"events_per_cpu_s\":$ec,\"new_findings\":${#rows[@]},\"properties\":{\"cases\":$prop_cases,\"seed\":$prop_seed,\"result\":$(json_str "$prop_result")},\"line_coverage\":$(json_str "${linecov_line:-not measured}"),\"kernel\":$(json_str "${kernel_line:-not run}"),\"targets\":["
    (IFS=,; echo "${js[*]}")
    echo "]}"
  } >"$out/report.json"
}

# Children run in their own process group (setsid), so a signal stops each whole group.
children=()
spawn() { setsid "$@" & children+=("$!"); }
# Runs a command in the foreground, but as a child that a signal can stop.
run() { spawn "$@"; local pid=$! rc; wait "$pid"; rc=$?; forget "$pid"; return "$rc"; }
forget() { local c keep=(); for c in "${children[@]}"; do [[ $c == "$1" ]] || keep+=("$c"); done; children=("${keep[@]}"); }
stop_children() {
  local c i
  for c in "${children[@]}"; do kill -TERM -- "-$c" 2>/dev/null; done
  for i in $(seq 50); do
    for c in "${children[@]}"; do kill -0 -- "-$c" 2>/dev/null && break; c=; done
    [[ -z ${c:-} ]] && break
    sleep 0.1
  done
  for c in "${children[@]}"; do kill -KILL -- "-$c" 2>/dev/null; done
  wait 2>/dev/null
  children=()
}
interrupted=
on_signal() {
  trap '' INT TERM
  interrupted=$1
  log "SIG$1: stopping every child; the corpus stays as it was"
  stop_children
  for pid in "${!job_target[@]}"; do account "$pid"; done  # libFuzzer prints its stats on SIGTERM
  write_report
  [[ $1 == INT ]] && exit 130
  exit 143
}
trap 'on_signal INT' INT
trap 'on_signal TERM' TERM
rm -f "$out/report.md" "$out/report.json"

# Toolchain and builds: the campaign fuzzes without sanitizers; `fuzz` (ASan+UBSan) rechecks.
fuzzers=${INFLIGHT_NIGHTLY_FUZZERS:-build/campaign/fuzzers}
check=${INFLIGHT_NIGHTLY_CHECK:-build/fuzz/fuzzers}
inflight=${INFLIGHT_NIGHTLY_CLI:-build/campaign/cli/inflight}
props=${INFLIGHT_NIGHTLY_PROPS:-build/campaign/properties/inflight_props}
linecov_cli=${INFLIGHT_NIGHTLY_LINECOV_CLI:-build/linecov/cli/inflight}
prop_result="not run"
selected=${targets_arg//,/ }
selected=${selected:-$all_targets}
if [[ ${INFLIGHT_NIGHTLY_SKIP_BUILD:-0} != 1 ]]; then
  bash ci/test.sh --install-only || usage_error "cannot install the toolchain"
  command -v clang++ >/dev/null || export PATH="$PWD/build/bin:$PATH"
  names=()
  for t in $selected; do names+=("${t}_fuzzer"); done
  for preset in campaign fuzz linecov; do
    log "building the $preset preset"
    what=("${names[@]}")
    [[ $preset == campaign ]] && what+=(inflight inflight_props)
    [[ $preset == linecov ]] && what=(inflight)
    { run cmake --preset "$preset" >/dev/null && run cmake --build "build/$preset" --target "${what[@]}" >/dev/null; } ||
      usage_error "build failed (cmake --build build/$preset)"
  done
fi
for t in $selected; do
  [[ -x $fuzzers/${t}_fuzzer && -x $check/${t}_fuzzer ]] || usage_error "$t: no fuzzer in $fuzzers or $check"
  targets+=("$t")
  seconds[$t]=0 execs[$t]=0 events[$t]=0 runs[$t]=0 before[$t]=0 status[$t]="not started"
done
[[ -x $inflight ]] || usage_error "no inflight CLI at $inflight"

# Variants that show only with a misbehaving driver need its fault events (bugs.def).
export INFLIGHT_DRIVER_FAULTS=0 INFLIGHT_BUGS=$bugs
for b in ${bugs//,/ }; do
  [[ $b != none && $($inflight list bug "$b" 2>/dev/null | cut -f4) == driver-faults ]] && INFLIGHT_DRIVER_FAULTS=1
done
((cores > ${#targets[@]})) && cores=${#targets[@]}
waves=$(((${#targets[@]} + cores - 1) / cores))
per=$((budget / waves))
((per < 5)) && per=5

for t in "${targets[@]}"; do
  dir=$out/$t
  # A run stopped between the two renames of a swap left the complete corpus as corpus.old.
  [[ ! -d $dir/corpus && -d $dir/corpus.old ]] && mv "$dir/corpus.old" "$dir/corpus"
  rm -rf "$dir/seeds" "$dir/new" "$dir/crashes" "$dir/findings" "$dir/corpus.new" "$dir/corpus.old"
  mkdir -p "$dir/corpus" "$dir/seeds" "$dir/new" "$dir/crashes" "$dir/findings"
  binary_inputs "corpus/$t" | xargs -r cp -t "$dir/seeds"
  # The known findings' key patterns: the documented ones, then each new key found in this run.
  cat "corpus/$t/known_findings.txt" >"$dir/known.txt" 2>/dev/null || : >"$dir/known.txt"
  before[$t]=$(count "$dir/corpus")
  left[$t]=$per status[$t]=fuzzing
  : >"$dir/log.txt"
done

# The findings of a crash input that are not known yet, as "key<TAB>title" lines, into
# DIR/<target>/keys.txt: the replay marks each finding known or new against known.txt
# (a file, not a pipe: the replay stays a child a signal stops).
new_keys() {
  local t=$1 crash=$2
  run "$inflight" replay --format binary --target "$t" --bugs "$bugs" --quiet --json \
    --known "$out/$t/known.txt" "$crash" >"$out/$t/replay.json" 2>"$out/$t/replay.err"
  jq -r '[.findings[] | select(.known | not) | [.key, .title] | @tsv] | unique | .[]' \
    "$out/$t/replay.json" >"$out/$t/keys.txt" 2>/dev/null || : >"$out/$t/keys.txt"
}

# One fuzzing process of target t for its remaining seconds. -reload=0: it is the only
# process writing DIR/<target>/new, so libFuzzer's rereading of that directory every
# second (for inputs other processes add) would only list and stat its own files.
launch() {
  local t=$1 dir=$out/$1 dict=()
  [[ -f fuzzers/dict/$t.dict ]] && dict=(-dict="fuzzers/dict/$t.dict")
  runs[$t]=$((runs[$t] + 1))
  started[$t]=${started[$t]:-$(now)}
  log "$t: fuzzing ${left[$t]}s (run ${runs[$t]}) from ${before[$t]} inputs and $(count "$dir/seeds") seeds"
  spawn env INFLIGHT_KNOWN="$dir/known.txt" "$fuzzers/${t}_fuzzer" "$dir/new" "$dir/corpus" "$dir/seeds" \
    -max_total_time="${left[$t]}" -max_len=1200 "${dict[@]}" -artifact_prefix="$dir/crashes/" \
    -print_final_stats=1 -reload=0 >"$dir/run.txt" 2>&1
  job_target[$!]=$t job_start[$!]=$(now)
}
# A finished process: its figures, and what its crash (if any) found.
account() {
  local t=${job_target[$1]} dir=$out/${job_target[$1]}
  seconds[$t]=$((seconds[$t] + $(now) - job_start[$1]))
  unset "job_target[$1]" "job_start[$1]"
  cat "$dir/run.txt" >>"$dir/log.txt"
  execs[$t]=$((execs[$t] + $(stat_of stat::number_of_executed_units "$dir/run.txt")))
  events[$t]=$((events[$t] + $(stat_of 'inflight stats: executions=[0-9]+ events' "$dir/run.txt")))
  left[$t]=$((per - seconds[$t]))
}
finished() {
  local rc=$2 t=${job_target[$1]} dir=$out/${job_target[$1]} crash key title n=0
  account "$1"
  for crash in $(ls -tr "$dir/crashes" 2>/dev/null); do
    [[ -e $dir/crashes/.seen-$crash ]] && continue
    touch "$dir/crashes/.seen-$crash"
    crash=$dir/crashes/$crash
    new_keys "$t" "$crash"
    while IFS=$'\t' read -r key title; do
      findings+=("$t"$'\t'model$'\t'"$key"$'\t'"$title"$'\t'$(( $(stat -c %Y "$crash") - started[$t] ))$'\t'"$crash")
      echo "$key" >>"$dir/known.txt"
      n=$((n + 1))
      log "$t: FINDING: $key"
    done <"$dir/keys.txt"
    if ((n == 0)) && ! jq -e '.findings | length > 0' "$dir/replay.json" >/dev/null 2>&1; then
      # Not a protocol finding: a MODEL_ASSERT, a timeout, an out-of-memory.
      title=$(grep -aoE 'MODEL_ASSERT\(.*|ERROR: libFuzzer: [a-z-]+' "$dir/run.txt" | head -1)
      findings+=("$t"$'\t'crash$'\t'-$'\t'"${title:-crash without a finding}"$'\t'$(( $(stat -c %Y "$crash") - started[$t] ))$'\t'"$crash")
      log "$t: CRASH: ${title:-no finding title} ($crash)"
    fi
  done
  # A crash ends a libFuzzer process: the target goes on for the rest of its time.
  if ((rc != 0 && left[$t] >= 2 && runs[$t] < 20)); then queue=("$t" "${queue[@]}"); fi
}

campaign_start=$(now)
log "budget ${budget}s: ${#targets[@]} targets, $cores at a time, ${per}s each, no -fork; bugs=$bugs; out=$out"
queue=("${targets[@]}")
ticks=0
while ((${#queue[@]} || ${#job_target[@]})); do
  while ((${#queue[@]} && ${#job_target[@]} < cores)); do launch "${queue[0]}"; queue=("${queue[@]:1}"); done
  sleep 1
  for pid in "${!job_target[@]}"; do
    kill -0 "$pid" 2>/dev/null && continue
    wait "$pid"; rc=$?
    forget "$pid"
    finished "$pid" "$rc"
  done
  ((++ticks % 10)) || for pid in "${!job_target[@]}"; do
    t=${job_target[$pid]}
    log "$t: $(( $(now) - job_start[$pid] ))/${left[$t]}s $(grep -aE '^#[0-9]+' "$out/$t/run.txt" | tail -1 | cut -c1-90)"
  done
done
fuzz_wall=$(( $(now) - campaign_start ))

# Reruns files on the ASan+UBSan build; each one that fails there goes, with the first
# line of the report, into DIR/<target>/sanitizer.txt (file<TAB>summary); the rest go on.
sanitizer_check() {
  local t=$1 files=("${@:2}") res failed f keep
  : >"$out/$t/sanitizer.txt"
  while ((${#files[@]})); do
    run env INFLIGHT_KNOWN="$out/$t/known.txt" "$check/${t}_fuzzer" -runs=1 "${files[@]}" >"$out/$t/check.txt" 2>&1 && return 0
    failed=$(sed -n 's/^Running: //p' "$out/$t/check.txt" | tail -1)
    [[ -n $failed ]] || return 1
    # The SUMMARY line names the error and its site: the finding's key.
    res=$(grep -aom1 'SUMMARY: .*' "$out/$t/check.txt" ||
      grep -aoE -m1 'runtime error: .*|INFLIGHT FINDING .*|MODEL_ASSERT\(.*' "$out/$t/check.txt")
    printf '%s\t%s\n' "$failed" "${res:-crash on the ASan+UBSan build}" >>"$out/$t/sanitizer.txt"
    keep=()
    for f in "${files[@]}"; do [[ $f == "$failed" ]] || keep+=("$f"); done
    files=("${keep[@]}")
  done
}

# A sanitizer report is one finding per target and SUMMARY line (true when it is new).
declare -A sanitizer_seen=()
new_sanitizer() { [[ -z ${sanitizer_seen["$1|$2"]:-} ]] && sanitizer_seen["$1|$2"]=1; }

# Merge, recheck, swap: the campaign corpus changes only by renames of a complete result.
merge_failed=0
for t in "${targets[@]}"; do
  dir=$out/$t
  mkdir -p "$dir/corpus.new"
  run env INFLIGHT_KNOWN="$dir/known.txt" "$fuzzers/${t}_fuzzer" -merge=1 "$dir/corpus.new" \
    "$dir/corpus" "$dir/seeds" "$dir/new" >"$dir/merge.txt" 2>&1
  rc=$?
  announced=$(sed -nE 's/.*MERGE-OUTER: ([0-9]+) new files.*/\1/p' "$dir/merge.txt" | tail -1)
  if ((rc != 0)) || [[ -z $announced ]] || (($(count "$dir/corpus.new") != announced)); then
    status[$t]="merge failed (exit $rc, ${announced:-no} files announced, $(count "$dir/corpus.new") written; $dir/merge.txt): corpus kept"
    log "$t: ${status[$t]}"
    rm -rf "$dir/corpus.new"
    merge_failed=1
    continue
  fi
  sanitizer_check "$t" "$dir"/corpus.new/*
  while IFS=$'\t' read -r file summary; do
    [[ -n $file ]] || continue
    mv "$file" "$dir/findings/"
    new_sanitizer "$t" "$summary" || continue
    findings+=("$t"$'\t'sanitizer$'\t'-$'\t'"$summary"$'\t'-$'\t'"$dir/findings/$(basename "$file")")
    log "$t: SANITIZER: $summary"
  done <"$dir/sanitizer.txt"
  mv "$dir/corpus" "$dir/corpus.old" && mv "$dir/corpus.new" "$dir/corpus" && rm -rf "$dir/corpus.old"
  status[$t]=ok
  if ((merge)); then
    run env INFLIGHT_KNOWN="$dir/known.txt" "$fuzzers/${t}_fuzzer" -merge=1 "corpus/$t" "$dir/corpus" >>"$dir/merge.txt" 2>&1 ||
      log "$t: merge into corpus/$t failed ($dir/merge.txt)"
  fi
done

# Findings: each crash is rechecked on the ASan+UBSan build (a sanitizer report there is
# a finding of its own), minimized keeping its key (INFLIGHT_EXPECT) and converted, as
# binary, to a .trace.
# A finding that is no fuzzer's crash (a property's failure, a kernel disagreement): no key,
# first-seen time or event count. Every field quoted: a bare ? is a glob, and under nullglob
# a word that matches no file is dropped, finding and all.
add_other_row() { rows+=("$1"$'\t'"$2"$'\t'-$'\t'"$3"$'\t'-$'\t'"?"$'\t'"$4"); }
add_row() {
  local t=$1 kind=$2 key=$3 title=$4 first=$5 crash=$6 dir=$out/$1 n=$((${#rows[@]} + 1)) ev
  local min=$dir/findings/finding-$n.bin
  [[ $kind == model ]] && run env INFLIGHT_EXPECT="$key" "$fuzzers/${t}_fuzzer" -minimize_crash=1 -runs=20000 \
    -exact_artifact_path="$min" "$crash" >"$dir/findings/minimize-$n.txt" 2>&1
  [[ -s $min ]] || cp "$crash" "$min"
  run "$inflight" convert --format binary --target "$t" "$min" "$dir/findings/finding-$n.trace" >/dev/null 2>&1
  ev=$(grep -vcE '^\s*(#|$|topology)' "$dir/findings/finding-$n.trace" 2>/dev/null)
  rows+=("$t"$'\t'"$kind"$'\t'"$key"$'\t'"$title"$'\t'"$first"$'\t'"${ev:-?}"$'\t'"build/debug/cli/inflight replay $dir/findings/finding-$n.trace --bugs $bugs")
}
for f in "${findings[@]}"; do
  IFS=$'\t' read -r t kind key title first crash <<<"$f"
  add_row "$t" "$kind" "$key" "$title" "$first" "$crash"
  [[ $kind == sanitizer ]] && continue
  sanitizer_check "$t" "$crash"
  while IFS=$'\t' read -r _ summary; do
    [[ -n $summary && $summary != "INFLIGHT FINDING"* ]] && new_sanitizer "$t" "$summary" &&
      add_row "$t" sanitizer - "$summary" "$first" "$crash"
  done <"$out/$t/sanitizer.txt"
done

# The properties, with many more cases than CI gives them.
if ((prop_cases == 0)); then
  prop_result="not run (--prop-cases 0)"
elif [[ ! -x $props ]]; then
  prop_result="not run (no $props)"
  log "properties: $prop_result"
else
  log "properties: $prop_cases cases each, seed $prop_seed"
  run env RC_PARAMS="seed=$prop_seed max_success=$prop_cases verbose_progress=0" "$props" \
    --gtest_filter='-Hunt.*:Disagreement.*:Canary.*' >"$out/properties.txt" 2>&1
  passed=$(sed -nE 's/^\[  PASSED  \] ([0-9]+) tests?.*/\1/p' "$out/properties.txt")
  failed=$(sed -nE 's/^\[  FAILED  \] ([A-Za-z0-9_]+\.[A-Za-z0-9_]+).*/\1/p' "$out/properties.txt" | sort -u)
  prop_result="${passed:-0} passed, $(grep -c . <<<"$failed") failed"
  [[ -z $failed ]] && prop_result="${passed:-0} passed, 0 failed"
  for p in $failed; do
    add_other_row properties property "$p" "RC_PARAMS=\"seed=$prop_seed max_success=$prop_cases\" build/debug/properties/inflight_props --gtest_filter=$p"
    log "properties: FAILED $p ($out/properties.txt)"
  done
  log "properties: $prop_result"
fi

for t in "${targets[@]}"; do
  dir=$out/$t
  size[$t]=$(count "$dir/corpus")
  run "$inflight" coverage --target "$t" --format binary --bugs "$bugs" "$dir/corpus" --json "$dir/coverage.json" \
    --svg "$dir/coverage.svg" >"$dir/coverage.txt" 2>&1
done
# Line coverage of model/: every target's corpus through the coverage-instrumented CLI,
# as llvm-cov HTML in DIR/linecov/ and one line in the report.
linecov_line="not measured (no build/linecov/cli/inflight)"
if [[ -x $linecov_cli ]] && command -v llvm-profdata-14 >/dev/null && command -v llvm-cov-14 >/dev/null; then
  rm -rf "$out/linecov" && mkdir -p "$out/linecov/raw"
  for t in "${targets[@]}"; do
    run env LLVM_PROFILE_FILE="$out/linecov/raw/$t.profraw" "$linecov_cli" coverage --target "$t" \
      --format binary --bugs "$bugs" "$out/$t/corpus" >/dev/null 2>&1
  done
  profraw=("$out"/linecov/raw/*.profraw)
  if ((${#profraw[@]})) && run llvm-profdata-14 merge -sparse "${profraw[@]}" -o "$out/linecov/model.profdata" &&
    run llvm-cov-14 show "$linecov_cli" -instr-profile="$out/linecov/model.profdata" -format=html \
      -output-dir="$out/linecov" "$PWD/model" >/dev/null 2>&1; then
    total=$(llvm-cov-14 report "$linecov_cli" -instr-profile="$out/linecov/model.profdata" "$PWD/model" 2>/dev/null |
      awk '$1 == "TOTAL" { print $(NF-3) }')
    linecov_line="${total:-?} of model/'s lines run by the campaign corpus ([llvm-cov HTML](linecov/index.html))"
  else
    linecov_line="failed (see $out/linecov)"
  fi
  log "line coverage: $linecov_line"
fi
# The model against the real kernel: the exported scenarios as KUnit tests (ci/kernel.sh).
kernel_line="not run (--kernel-sample 0)"
if [[ $bugs != none ]]; then
  kernel_line="not run (it checks the fixed model: --bugs none)"
elif [[ -n ${INFLIGHT_NIGHTLY_SKIP_BUILD:-} ]]; then
  kernel_line="not run (INFLIGHT_NIGHTLY_SKIP_BUILD)"
elif ((kernel_sample > 0)); then
  kargs=(--out "$out/kernel" --sample "$kernel_sample")
  for t in page_pool xdp world; do [[ -d $out/$t/corpus ]] && kargs+=(--corpus "$out/$t/corpus"); done
  log "kernel: ci/kernel.sh ${kargs[*]}"
  run bash ci/kernel.sh "${kargs[@]}" >"$out/kernel.log" 2>&1
  krc=$?
  if [[ -s $out/kernel/kernel-report.json ]] && ((krc != 2)); then
    kernel_line=$(jq -r '"\(.exported) scenarios exported, \(.agree) agree, \(.disagree) disagree, \(.refused) refused ([report](kernel/kernel-report.md))"' "$out/kernel/kernel-report.json")
    while IFS=$'\t' read -r file first; do
      add_other_row kernel kernel "$first" "bash ci/kernel.sh (test for $file)"
    done < <(jq -r '.scenarios[] | select(.status == "disagree" or .status == "missing") | [.file, .first] | @tsv' "$out/kernel/kernel-report.json")
  else
    kernel_line="failed to run (exit $krc, see $out/kernel.log)"
  fi
  log "kernel: $kernel_line"
fi
fuzz_wall=${fuzz_wall:-0}
write_report
log "report: $out/report.md, $out/report.json (${#rows[@]} new findings)"
((merge_failed)) && { echo "ci/nightly.sh: a merge failed; those corpora were kept as they were (see the report)" >&2; exit 2; }
((${#rows[@]} == 0))
