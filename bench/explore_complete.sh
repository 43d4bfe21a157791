#!/usr/bin/env bash
# bench/explore_complete.sh: which small page_pool and XDP configurations the explorer
# searches to the end ("complete"), and what that costs.
#
# usage: bench/explore_complete.sh [--seconds S] [--repeat N] [--baseline REV] [--only K]
#                                  | --help
# Per configuration (one CPU, the full alphabet of the xdp or page_pool family, pages=N
# pages alive at most, and --at-most bounds on how often the device is brought up, a
# cpumap entry created, the driver reconfigured or an skb cloned), runs of the release
# preset's explorer, one at a time, each for at most S seconds (default 120), side by side:
# with symmetry reduction (pages, DMA mappings and skb shared infos interchangeable, the
# default) and with --no-symmetry; or, with --baseline, the explorer built at git revision
# REV (in a scratch worktree) and the current one, both with their defaults. Each is run N
# times (default 1), interleaved, and the CPU seconds quoted are the median. --only K runs
# only the configurations whose line (family pages bounds) contains K.
# Each row: the verdict (complete, or the depth cleared), states, transitions, median CPU
# seconds (user + system), the first run's CPU seconds over this one's (x), states per
# CPU-second and peak resident memory. Prints a Markdown table (also
# out/bench/explore_complete.md).
set -uo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
seconds=120 repeat=1 baseline="" only=""
usage_error() { echo "bench/explore_complete.sh: $1" >&2; exit 2; }
while (($#)); do
  case $1 in
    --seconds)
      [[ ${2:-} =~ ^[0-9]+$ ]] || usage_error "--seconds takes a whole number"
      seconds=$2; shift 2 ;;
    --repeat)
      [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || usage_error "--repeat takes a whole number from 1"
      repeat=$2; shift 2 ;;
    --baseline)
      [[ -n ${2:-} ]] || usage_error "--baseline takes a git revision"
      baseline=$2; shift 2 ;;
    --only)
      [[ -n ${2:-} ]] || usage_error "--only takes a text"
      only=$2; shift 2 ;;
    --help|-h) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) usage_error "unknown argument '$1'" ;;
  esac
done
[[ -n $baseline ]] && bench_check_rev "$baseline"
bench_build release:inflight
inflight=build/release/cli/inflight
# The runs per configuration: label|binary|extra argument.
if [[ -n $baseline ]]; then
  old_cli=$(bench_build_rev "$baseline" out/bench/explore-baseline) || exit 2
  runs=("baseline $baseline|$old_cli|" "current|$inflight|")
else
  runs=("symmetry on|$inflight|" "symmetry off|$inflight|--no-symmetry")
fi
# family, pages, --at-most
configs=(
  "xdp 1 driver_open=1,cpumap_update=1"
  "xdp 2 driver_open=1,cpumap_update=1"
  "xdp 3 driver_open=1,cpumap_update=0"
  "xdp 3 driver_open=1,cpumap_update=1"
  "xdp 5 driver_open=1,cpumap_update=0"
  "xdp 4 driver_open=1,cpumap_update=1"
  "xdp 8 driver_open=1,cpumap_update=0"
  "page_pool 2 driver_open=1,driver_reconfigure=0,skb_clone=1"
  "page_pool 3 driver_open=1,driver_reconfigure=0,skb_clone=1"
  "page_pool 2 driver_open=1"
)
{
  echo "| family | pages | at most | run | verdict | states | transitions | CPU s (median of $repeat) | x | states / CPU-s | peak MiB |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
  for c in "${configs[@]}"; do
    [[ -z $only || $c == *"$only"* ]] || continue
    read -r family pages budgets <<<"$c"
    declare -A cpus=() line=()
    for ((r = 0; r < repeat; r++)); do
      for i in "${!runs[@]}"; do
        IFS='|' read -r label bin extra <<<"${runs[$i]}"
        log=$(mktemp)
        /usr/bin/time -f '%U %S %M' -o "$log.time" "$bin" explore --target "$family" --full \
          --topology "cpus=1 pages=$pages" --at-most "$budgets" --depth 1000 --max-states 100000000 \
          --seconds "$seconds" $extra >"$log" 2>/dev/null
        read -r user sys kib <"$log.time"
        cpus[$i]+="$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }') "
        if [[ $(cat "$log") =~ complete:\ no\ violation\ in\ ([0-9]+)\ states\ \(([0-9]+)\ transitions ]]; then
          verdict=complete states=${BASH_REMATCH[1]} transitions=${BASH_REMATCH[2]}
        elif [[ $(cat "$log") =~ no\ violation\ up\ to\ depth\ ([0-9]+):\ ([0-9]+)\ states,\ ([0-9]+)\ transitions ]]; then
          verdict="depth ${BASH_REMATCH[1]} in ${seconds} s" states=${BASH_REMATCH[2]} transitions=${BASH_REMATCH[3]}
        else
          verdict="$(tail -1 "$log")" states=- transitions=-
        fi
        line[$i]="$label|$verdict|$states|$transitions|$((kib / 1024))"
        rm -f "$log" "$log.time"
      done
    done
    first=""
    for i in "${!runs[@]}"; do
      IFS='|' read -r label verdict states transitions mib <<<"${line[$i]}"
      cpu=$(tr ' ' '\n' <<<"${cpus[$i]}" | grep . | median)
      first=${first:-$cpu}
      x=$(awk -v f="$first" -v c="$cpu" 'BEGIN { if (c > 0) printf "%.2f", f / c; else print "-" }')
      rate=$(awk -v n="$states" -v c="$cpu" 'BEGIN { if (c > 0 && n + 0 > 0) printf "%.0fk", n / c / 1000; else print "-" }')
      echo "| $family | $pages | ${budgets//,/, } | $label | $verdict | $states | $transitions | $cpu | $x | $rate | $mib |"
    done
    unset cpus line
  done
} | tee out/bench/explore_complete.md
