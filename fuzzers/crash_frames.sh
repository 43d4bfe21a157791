#!/usr/bin/env bash
# fuzzers/crash_frames.sh: findings of different kinds crash a fuzzer from different top
# stack frames, as ClusterFuzz groups crashes by their top frames.
#
# usage: crash_frames.sh FUZZER INFLIGHT TARGET DIR VARIANT VARIANT...
# For each VARIANT, converts its regression trace (DIR/VARIANT.trace) to TARGET's binary
# form, runs FUZZER on it with INFLIGHT_BUGS=VARIANT, and takes the first stack frame
# below abort(): it must be inflight::fuzz::...::finding_<kind>, <kind> the variant's
# violation kind, and no two variants of different kinds may share it.
# Exit 0 when they all hold, 1 otherwise.
set -uo pipefail
fuzzer=$1 inflight=$2 target=$3 dir=$4
shift 4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
declare -A frame_of=()
status=0
for v in "$@"; do
  kind=$("$inflight" list bug "$v" | cut -f2)
  "$inflight" convert --target "$target" "$dir/$v.trace" "$work/$v.bin" >/dev/null || exit 1
  ASAN_OPTIONS=symbolize=1 INFLIGHT_BUGS=$v "$fuzzer" "$work/$v.bin" >"$work/$v.log" 2>&1
  # The first frame below libc's abort is ours.
  frame=$(awk '/^ +#[0-9]+ .* in abort /{ hit = 1; next } hit && /^ +#[0-9]+ /{ sub(/^ +#[0-9]+ 0x[0-9a-f]+ in /, ""); sub(/ \/.*$/, ""); sub(/\([^()]*\)$/, ""); print; exit }' "$work/$v.log")
  echo "$v ($kind): top frame '$frame'"
  [[ $frame == *"::finding_$kind" ]] || { echo "  expected ...::finding_$kind"; tail -5 "$work/$v.log"; status=1; }
  for k in "${!frame_of[@]}"; do
    [[ $k != "$kind" && ${frame_of[$k]} == "$frame" ]] && { echo "  same frame as kind $k"; status=1; }
  done
  frame_of[$kind]=$frame
done
exit $status
