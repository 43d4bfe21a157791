#!/usr/bin/env bash
# bench/explore_speed.sh: the explorer's speed against a baseline build, side by side.
#
# usage: bench/explore_speed.sh [--seconds S] [--long L] [--baseline REV] | --help
# Builds `inflight` (release preset) at the baseline revision REV (default 0108e2c, the
# explorer that rebuilt every state from scratch and hashed raw state) in a scratch
# worktree, and the current tree. Then, per configuration, runs both for S seconds
# (default 60; 0 skips the table) and the current one again for L seconds (default 300; 0
# skips), one run at a time, and prints a Markdown table (also out/bench/explore_speed.md):
# depth cleared, states, transitions, CPU seconds (user + system), states and transitions
# per CPU-second, peak resident memory, and the verdict ("complete" when the space was
# exhausted).
# The two builds count states differently: the current one merges states that differ only
# in history (time, generations, message-only counters), so transitions per CPU-second is
# the like-for-like work rate and states per CPU-second what the search gains.
# A second table times fixed searches that CI runs (a mutant's shortest counterexample, a
# clean configuration to a depth) with both builds: the same answer, and the CPU seconds
# and peak memory each needs for it.
set -uo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
seconds=60 long=300 baseline=0108e2c
while (($#)); do
  case $1 in
    --help|-h) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    --seconds|--long|--baseline)
      [[ $# -ge 2 && -n $2 && $2 != --* ]] || { echo "bench/explore_speed.sh: $1 needs a value" >&2; exit 2; } ;;
    *) echo "bench/explore_speed.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
  case $1 in
    --seconds) seconds=$2 ;;
    --long) long=$2 ;;
    --baseline) baseline=$2 ;;
  esac
  shift 2
done
[[ $seconds =~ ^[0-9]+$ && $long =~ ^[0-9]+$ ]] ||
  { echo "bench/explore_speed.sh: --seconds and --long take whole seconds" >&2; exit 2; }
bench_check_rev "$baseline"
bench_build release:inflight
baseline_cli=$(bench_build_rev "$baseline" out/bench/explore-baseline) || exit 2
new=build/release/cli/inflight

# name | arguments (both builds understand them)
configs=(
  "page_pool, 1 CPU|--target page_pool --wide --topology cpus=1"
  "page_pool, 2 CPUs|--target page_pool --wide --topology cpus=2"
  "world, 2 CPUs, 2 queues|--target world --wide --topology cpus=2 queues=2"
  "xdp, 1 CPU|--target xdp --wide --topology cpus=1"
)
# Arguments as words, but a --topology value (the rest of the line, last) as one: in `words`.
split_args() {
  if [[ $1 == *" --topology "* ]]; then
    read -ra words <<<"${1%% --topology *}"
    words+=(--topology "${1#* --topology }")
  else
    read -ra words <<<"$1"
  fi
}
# One run: prints "depth|states|transitions|cpu_s|peak_mib|verdict".
run() {
  local bin=$1 secs=$2 out times depth states trans verdict=bounded words
  split_args "$3"
  times=$(mktemp)
  out=$(/usr/bin/time -o "$times" -f '%U %S %M' "$bin" explore "${words[@]}" --depth 1000 \
    --max-states 400000000 --seconds "$secs" 2>/dev/null)
  read -r user sys rss < <(tail -1 "$times")  # after "Command exited with ..." if any
  rm -f "$times"
  if [[ $out =~ complete:\ no\ violation\ in\ ([0-9]+)\ states\ \(([0-9]+)\ transitions,\ deepest\ ([0-9]+) ]]; then
    states=${BASH_REMATCH[1]} trans=${BASH_REMATCH[2]} depth=${BASH_REMATCH[3]} verdict=complete
  elif [[ $out =~ no\ violation\ up\ to\ depth\ ([0-9]+):\ ([0-9]+)\ states,\ ([0-9]+)\ transitions ]]; then
    depth=${BASH_REMATCH[1]} states=${BASH_REMATCH[2]} trans=${BASH_REMATCH[3]}
    [[ $out == *"whole space"* ]] && verdict=complete
  else
    echo "-|-|-|-|-|failed"
    return
  fi
  echo "$depth|$states|$trans|$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.1f", u + s }')|$((rss / 1024))|$verdict"
}
rate() { awk -v n="$1" -v t="$2" 'BEGIN { if (t > 0) printf "%.0f", n / t; else print "-" }'; }
((seconds > 0)) && {
  echo "| configuration | build | seconds | depth cleared | states | transitions | CPU s | states / CPU s | transitions / CPU s | peak MiB | verdict |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
  for c in "${configs[@]}"; do
    name=${c%%|*} args=${c#*|}
    for which in "baseline $baseline|$baseline_cli|$seconds" "current|$new|$seconds" \
                 "current|$new|$long"; do
      IFS='|' read -r label bin secs <<<"$which"
      [[ $secs == 0 ]] && continue
      IFS='|' read -r depth states trans cpu rss verdict <<<"$(run "$bin" "$secs" "$args")"
      echo "| $name | $label | $secs | $depth | $states | $trans | $cpu | $(rate "$states" "$cpu") | $(rate "$trans" "$cpu") | $rss | $verdict |"
    done
  done
} | tee out/bench/explore_speed.md
# name | arguments (the same verdict is expected from both)
checks=(
  "mutant.mutant_release_touches_pool_after_count.explore|--wide --bugs mutant_release_touches_pool_after_count --depth 7"
  "explore.clean.page_pool_ring4|--target page_pool --wide --depth 7 --topology cpus=1 pp_ring=4"
  "explore.clean.page_pool|--target page_pool --wide --depth 7 --topology cpus=2"
)
verdict() { grep -m1 -oE '^(shortest counterexample: [0-9]+ events|no violation up to depth [0-9]+|complete)'; }
{
  echo
  echo "| check | baseline answer | baseline CPU s | baseline MiB | current answer | current CPU s | current MiB | CPU ratio |"
  echo "|---|---|---|---|---|---|---|---|"
  for c in "${checks[@]}"; do
    name=${c%%|*} args=${c#*|}
    row="| $name"
    cpus=()
    split_args "$args"
    for bin in "$baseline_cli" "$new"; do
      times=$(mktemp)
      answer=$(/usr/bin/time -o "$times" -f '%U %S %M' "$bin" explore "${words[@]}" --seconds 1200 \
        2>/dev/null | verdict)
      read -r user sys rss < <(tail -1 "$times")
      rm -f "$times"
      cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
      cpus+=("$cpu")
      row+=" | $answer | $cpu | $((rss / 1024))"
    done
    echo "$row | $(awk -v a="${cpus[0]}" -v b="${cpus[1]}" 'BEGIN { if (b > 0) printf "%.1fx", a / b; else print "-" }') |"
  done
} | tee -a out/bench/explore_speed.md
exit 0
