#!/usr/bin/env bash
# bench/explore_complete.sh: which small page_pool and XDP configurations the explorer
# searches to the end ("complete"), and what that costs.
#
# usage: bench/explore_complete.sh [--seconds S] | --help
# Per configuration (one CPU, the full alphabet of the xdp or page_pool family, pages=N
# pages alive at most, and --at-most bounds on how often the device is brought up, a
# cpumap entry created, the driver reconfigured or an skb cloned), one run at a time of
# the release preset's explorer, for at most S seconds (default 120), twice side by side:
# with symmetry reduction (pages, DMA mappings and skb shared infos interchangeable, the
# default) and with --no-symmetry. Each row: the verdict (complete, or the depth cleared),
# states, transitions, CPU seconds (user + system), states per CPU-second and peak
# resident memory. Prints a Markdown table (also out/bench/explore_complete.md).
set -uo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
seconds=120
while (($#)); do
  case $1 in
    --seconds)
      [[ ${2:-} =~ ^[0-9]+$ ]] || { echo "bench/explore_complete.sh: --seconds takes a whole number" >&2; exit 2; }
      seconds=$2; shift 2 ;;
    --help|-h) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/explore_complete.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
bench_build release:inflight
inflight=build/release/cli/inflight
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
  echo "| family | pages | at most | symmetry | verdict | states | transitions | CPU s | states / CPU-s | peak MiB |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  for c in "${configs[@]}"; do
    read -r family pages budgets <<<"$c"
    for symmetry in on off; do
      flag=()
      [[ $symmetry == off ]] && flag=(--no-symmetry)
      log=$(mktemp)
      /usr/bin/time -f '%U %S %M' -o "$log.time" "$inflight" explore --target "$family" --full \
        --topology "cpus=1 pages=$pages" --at-most "$budgets" --depth 1000 --max-states 100000000 \
        --seconds "$seconds" "${flag[@]}" >"$log" 2>/dev/null
      read -r user sys kib <"$log.time"
      cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.1f", u + s }')
      if [[ $(cat "$log") =~ complete:\ no\ violation\ in\ ([0-9]+)\ states\ \(([0-9]+)\ transitions ]]; then
        verdict=complete states=${BASH_REMATCH[1]} transitions=${BASH_REMATCH[2]}
      elif [[ $(cat "$log") =~ no\ violation\ up\ to\ depth\ ([0-9]+):\ ([0-9]+)\ states,\ ([0-9]+)\ transitions ]]; then
        verdict="depth ${BASH_REMATCH[1]} in ${seconds} s" states=${BASH_REMATCH[2]} transitions=${BASH_REMATCH[3]}
      else
        verdict="$(tail -1 "$log")" states=- transitions=-
      fi
      rate=$(awk -v n="$states" -v c="$cpu" 'BEGIN { if (c > 0 && n + 0 > 0) printf "%.0fk", n / c / 1000; else print "-" }')
      echo "| $family | $pages | ${budgets//,/, } | $symmetry | $verdict | $states | $transitions | $cpu | $rate | $((kib / 1024)) |"
      rm -f "$log" "$log.time"
    done
  done
} | tee out/bench/explore_complete.md
