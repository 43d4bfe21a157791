#!/usr/bin/env bash
# bench/hunt.sh: how fast the search finds every bug variant from scratch.
#
# usage: bench/hunt.sh [--seeds N] [--runs R] [--preset P] [--fuzzer-only]
#   --preset       the fuzzers' build (default fuzz: ASan+UBSan; campaign: the nightly's)
#   --fuzzer-only  skip RapidCheck (and the debug build)
# For every variant in model/core/bugs.def, with seeds 1..N (default 5), one core each:
# - libFuzzer from an empty corpus (fuzzers/hunt.sh: the variant's target, its finding pattern as
#   INFLIGHT_EXPECT, at most R executions, default 300000): seconds (process start
#   included) and executions to the first finding; median and max;
# - RapidCheck (properties Hunt.<variant>, RC_PARAMS seed=S max_success=5000): generated
#   cases to the first failure, and the length of the shrunk trace;
# - the length of the checked-in regression trace, for comparison.
# Builds the debug and fuzzer presets first. Prints a Markdown table (also out/bench/hunt.md).
set -uo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
seeds=5 runs=300000 preset=fuzz props=1
usage_error() { echo "bench/hunt.sh: $*" >&2; exit 2; }
while (($#)); do
  case $1 in
    --fuzzer-only) props=0; shift; continue ;;
    --help|-h) sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;;
    --seeds|--runs|--preset) [[ $# -ge 2 && -n $2 ]] || usage_error "$1 needs a value" ;;
    *) usage_error "unknown argument '$1'" ;;
  esac
  case $1 in
    --seeds) [[ $2 =~ ^[1-9][0-9]*$ ]] || usage_error "--seeds takes a count > 0"; seeds=$2 ;;
    --runs) [[ $2 =~ ^[1-9][0-9]*$ ]] || usage_error "--runs takes a count > 0"; runs=$2 ;;
    --preset) [[ $2 == fuzz || $2 == campaign || $2 == bench ]] || usage_error "--preset takes fuzz, campaign or bench"; preset=$2 ;;
  esac
  shift 2
done
if ((props)); then bench_build debug "$preset"; else bench_build "$preset:all_fuzzers,inflight"; fi
variants=$(bench_variants)
{
  echo "| variant | fuzzer median s | fuzzer max s | median executions | RapidCheck cases median (max) | shrunk trace events | regression trace events |"
  echo "|---|---|---|---|---|---|---|"
  while read -r r v; do
    secs=() execs=() cases=() shrunk=()
    for s in $(seq 1 "$seeds"); do
      line=$(fuzzers/hunt.sh "build/$preset/fuzzers" "build/$preset/cli/inflight" "$v" "$runs" "$s" 2>&1 | grep -m1 "^hunt $v:")
      if [[ $line =~ found\ after\ ([0-9]+)\ executions,\ ([0-9.]+)\ s ]]; then
        execs+=("${BASH_REMATCH[1]}") secs+=("${BASH_REMATCH[2]}")
      else
        execs+=("$runs") secs+=("inf")
      fi
      ((props)) || continue
      line=$(RC_PARAMS="seed=$s max_success=5000 verbose_progress=0" \
        build/debug/properties/inflight_props --gtest_filter="Hunt.$v" 2>&1 | grep -m1 "^hunt $v:")
      if [[ $line =~ found\ after\ ([0-9]+)\ cases\;\ shrunk\ to\ ([0-9]+)\ events ]]; then
        cases+=("${BASH_REMATCH[1]}") shrunk+=("${BASH_REMATCH[2]}")
      fi
    done
    reg=$(trace_events "corpus/regressions/$v.trace")
    rc=- shrunk_range=-
    if ((props)); then
      rc="$(printf '%s\n' "${cases[@]:-0}" | median) ($(printf '%s\n' "${cases[@]:-0}" | sort -g | tail -1))"
      shrunk_range="$(printf '%s\n' "${shrunk[@]:-0}" | sort -g | head -1)–$(printf '%s\n' "${shrunk[@]:-0}" | sort -g | tail -1)"
    fi
    printf '| R%s `%s` | %s | %s | %s | %s | %s | %s |\n' "$r" "$v" \
      "$(printf '%s\n' "${secs[@]}" | median)" "$(printf '%s\n' "${secs[@]}" | sort -g | tail -1)" \
      "$(printf '%s\n' "${execs[@]}" | median)" "$rc" "$shrunk_range" "$reg"
  done <<<"$variants"
} | tee out/bench/hunt.md
