#!/usr/bin/env bash
# ci/nightly.sh: a bounded fuzzing campaign over every fuzz target, with a report.
#
# usage: ci/nightly.sh [--budget SECONDS] [--bugs LIST] [--out DIR] [--merge] [--help]
#   --budget   total seconds of fuzzing, shared by the targets (default 300)
#   --bugs     run against bug variants (INFLIGHT_BUGS); findings are then expected
#   --out      where report.md, report.json, logs, new inputs and crashes go (out/nightly)
#   --merge    merge the new inputs that add coverage into corpus/<target>/ (-merge=1)
# Each target starts from corpus/<target>/ (read only) plus DIR/<target>/corpus from the
# last run; new inputs go to DIR/<target>/corpus. Findings listed
# in corpus/<target>/known_findings.txt (documented in docs/findings.md) do not count.
# Exit: 0 nothing new, 1 a new finding, 2 setup error.
set -uo pipefail
cd "$(dirname "$0")/.."
budget=300 bugs=none out=out/nightly merge=0
while (($#)); do
  case $1 in
    --merge) merge=1; shift ;;
    --budget) budget=${2:?--budget needs seconds}; shift 2 ;;
    --bugs) bugs=${2:?--bugs needs a list}; shift 2 ;;
    --out) out=${2:?--out needs a directory}; shift 2 ;;
    --help|-h) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "ci/nightly.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[[ $budget =~ ^[0-9]+$ ]] || { echo "ci/nightly.sh: --budget takes whole seconds" >&2; exit 2; }

# Build what the campaign needs (ci/test.sh's install step, without running the tests).
if ! command -v clang++ >/dev/null && ! command -v clang++-14 >/dev/null; then
  echo "ci/nightly.sh: installing the toolchain" >&2
  bash ci/test.sh --install-only || exit 2
fi
command -v clang++ >/dev/null || export PATH="$PWD/build/bin:$PATH"
cmake --preset fuzz >/dev/null && cmake --build build/fuzz >/dev/null || { echo "ci/nightly.sh: build failed" >&2; exit 2; }
build/fuzz/cli/inflight replay corpus/regressions/dma_debug_eexist_unlimited_report.trace \
  --bugs "$bugs" --quiet >/dev/null 2>&1
[[ $? -eq 2 ]] && { build/fuzz/cli/inflight replay /dev/null --bugs "$bugs"; exit 2; }

mkdir -p "$out"
targets=()
for f in build/fuzz/fuzzers/*_fuzzer; do [[ -x $f ]] && targets+=("$(basename "$f" _fuzzer)"); done
per=$((budget / ${#targets[@]}))
((per < 1)) && per=1
echo "ci/nightly.sh: budget=${budget}s targets=${targets[*]} (${per}s each) bugs=$bugs out=$out"
new=0
json="["
md="# inflight nightly report\n\nbudget ${budget}s, bugs \`$bugs\`, $(date -u +%Y-%m-%dT%H:%M:%SZ)\n\n| target | executions | exec/s | corpus | findings |\n|---|---|---|---|---|\n"
for t in "${targets[@]}"; do
  corpus=corpus/$t
  mkdir -p "$corpus" "$out/$t/corpus"
  known=$corpus/known_findings.txt
  [[ -f $known ]] || known=/dev/null
  echo "ci/nightly.sh: $t: fuzzing for ${per}s"
  start=$(date +%s)
  INFLIGHT_BUGS=$bugs INFLIGHT_KNOWN=$known build/fuzz/fuzzers/${t}_fuzzer "$out/$t/corpus" "$corpus" \
    -max_total_time="$per" -print_final_stats=1 -artifact_prefix="$out/$t/" -max_len=1200 \
    -ignore_crashes=0 >"$out/$t/log.txt" 2>&1
  elapsed=$(($(date +%s) - start))
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$out/$t/log.txt" | grep -o '[0-9]*$' | tail -1)
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$out/$t/log.txt" | grep -o '[0-9]*$' | tail -1)
  if ((merge)); then
    INFLIGHT_KNOWN=$known build/fuzz/fuzzers/${t}_fuzzer -merge=1 "$corpus" "$out/$t/corpus" \
      >"$out/$t/merge.txt" 2>&1
  fi
  size=$(find "$corpus" "$out/$t/corpus" -type f ! -name '*.txt' | wc -l)
  title=$(grep -m1 "INFLIGHT FINDING" "$out/$t/log.txt" | sed 's/^INFLIGHT FINDING //')
  findings=none
  if [[ -n $title ]]; then
    new=1
    crash=$(ls "$out/$t"/crash-* 2>/dev/null | head -1)
    build/fuzz/cli/inflight convert "$crash" "$crash.trace" >/dev/null 2>&1
    findings="$title (after ${elapsed}s; replay: INFLIGHT_BUGS=$bugs build/debug/cli/inflight replay $crash.trace)"
    echo "ci/nightly.sh: $t: NEW FINDING $title"
  fi
  echo "ci/nightly.sh: $t: ${execs:-0} executions, ${rate:-0} exec/s, corpus $size"
  md+="| $t | ${execs:-0} | ${rate:-0} | $size | $findings |\n"
  json+="{\"target\":\"$t\",\"executions\":${execs:-0},\"exec_per_sec\":${rate:-0},\"corpus\":$size,\"finding\":\"${title//\"/\\\"}\"},"
done
json="${json%,}]"
printf "%b" "$md" >"$out/report.md"
echo "$json" >"$out/report.json"
echo "ci/nightly.sh: report in $out/report.md and $out/report.json"
exit $new
