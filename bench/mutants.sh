#!/usr/bin/env bash
# bench/mutants.sh: the mutation score of every front end.
#
# usage: bench/mutants.sh [--seeds N] [--runs R] [--cases C] [--depth D]
# For every rule mutant in model/core/mutants.def (each breaks exactly one rule of
# model/core/rules.def), from scratch, with seeds 1..N (default 3):
# - libFuzzer (fuzzers/hunt.sh: the mutant's target, an empty corpus, at most R
#   executions, default 300000): caught or not, median seconds and executions;
# - RapidCheck (properties Hunt.<mutant>, RC_PARAMS seed=S max_success=C, default 40000):
#   median cases to the first failure and the shrunk length;
# - the explorer (deterministic, once; the mutant's configuration, --wide, depth D,
#   default 7): the shortest counterexample's length, states and seconds.
# Then the score per front end: mutants caught by every seed / mutants.
# Builds the release and fuzz presets first. Prints a Markdown table (also
# out/bench/mutants.md).
set -uo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
seeds=3 runs=300000 cases=40000 depth=7
while (($#)); do
  case $1 in
    --seeds|--runs|--cases|--depth)
      [[ ${2:-} =~ ^[0-9]+$ ]] || { echo "bench/mutants.sh: $1 takes a number" >&2; exit 2; }
      declare "${1#--}=$2"; shift 2 ;;
    --help|-h) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/mutants.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
bench_build release fuzz
mutants=$(sed -nE 's/^INFLIGHT_MUTANT\(([a-z0-9_]+),.*/\1/p' model/core/mutants.def)
total=0 fuzz_caught=0 prop_caught=0 explore_caught=0
{
  echo "| mutant | rule | fuzzer caught | fuzzer median s (executions) | RapidCheck caught | cases median (shrunk) | explorer | shortest events (states, s) |"
  echo "|---|---|---|---|---|---|---|---|"
  for m in $mutants; do
    rule=$(build/release/cli/inflight list rules --json | grep -F "\"proof\": \"$m\"" | sed -E 's/.*"id": "([^"]*)".*/\1/')
    secs=() execs=() cs=() shrunk=() f=0 p=0
    for s in $(seq 1 "$seeds"); do
      line=$(fuzzers/hunt.sh build/fuzz/fuzzers build/fuzz/cli/inflight "$m" "$runs" "$s" 2>&1 | grep -m1 "^hunt $m:")
      if [[ $line =~ found\ after\ ([0-9]+)\ executions,\ ([0-9.]+)\ s ]]; then
        execs+=("${BASH_REMATCH[1]}") secs+=("${BASH_REMATCH[2]}") f=$((f + 1))
      fi
      line=$(RC_PARAMS="seed=$s max_success=$cases verbose_progress=0" \
        build/release/properties/inflight_props --gtest_filter="Hunt.$m" 2>&1 | grep -m1 "^hunt $m:")
      if [[ $line =~ found\ after\ ([0-9]+)\ cases\;\ shrunk\ to\ ([0-9]+)\ events ]]; then
        cs+=("${BASH_REMATCH[1]}") shrunk+=("${BASH_REMATCH[2]}") p=$((p + 1))
      fi
    done
    ex=$(build/release/cli/inflight explore --wide --bugs "$m" --depth "$depth" --seconds 600 2>/dev/null |
         grep -m1 -E "shortest counterexample|no violation")
    e=no shortest=-
    if [[ $ex =~ shortest\ counterexample:\ ([0-9]+)\ events.*:\ ([0-9]+)\ states.*\ ([0-9.]+)\ seconds ]]; then
      e=yes shortest="${BASH_REMATCH[1]} (${BASH_REMATCH[2]}, ${BASH_REMATCH[3]})"
      explore_caught=$((explore_caught + 1))
    fi
    total=$((total + 1))
    ((f == seeds)) && fuzz_caught=$((fuzz_caught + 1))
    ((p == seeds)) && prop_caught=$((prop_caught + 1))
    printf '| `%s` | %s | %s/%s | %s (%s) | %s/%s | %s (%s) | %s | %s |\n' "$m" "$rule" "$f" "$seeds" \
      "$(printf '%s\n' "${secs[@]:-inf}" | median)" "$(printf '%s\n' "${execs[@]:-0}" | median)" \
      "$p" "$seeds" "$(printf '%s\n' "${cs[@]:-0}" | median)" "$(printf '%s\n' "${shrunk[@]:-0}" | median)" \
      "$e" "$shortest"
  done
  echo
  echo "mutation score: libFuzzer $fuzz_caught/$total, RapidCheck $prop_caught/$total, explorer $explore_caught/$total"
} | tee out/bench/mutants.md
