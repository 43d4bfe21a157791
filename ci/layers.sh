#!/usr/bin/env bash
# ci/layers.sh: the model's layers depend only downward.
#
# usage: ci/layers.sh [ROOT] | --help
# Each directory of model/ is a layer (core < oracle < mm < dma < net, netmap < drivers <
# the world, model/world.*), built as its own library (model/CMakeLists.txt). A source of a
# layer may include headers of its own layer and of the layers below it, never above; unit
# tests (*_test.cc) run through the whole world and may include anything. Prints every
# upward include; exit 0 when there is none, 1 otherwise, 2 on bad usage.
set -uo pipefail
usage() { sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"; }
[[ ${1:-} == --help || ${1:-} == -h ]] && { usage; exit 0; }
[[ $# -le 1 ]] || { usage >&2; exit 2; }
root=${1:-$(dirname "$(realpath "$0")")/..}
[[ -d $root/model ]] || { echo "ci/layers.sh: no model/ under '$root'" >&2; exit 2; }
# What each layer may include, itself included.
declare -A allowed=(
  [core]="core"
  [oracle]="core oracle"
  [mm]="core oracle mm"
  [dma]="core oracle mm dma"
  [net]="core oracle mm dma net"
  [netmap]="core netmap"
  [drivers]="core oracle mm dma net drivers"
)
bad=0
for layer in "${!allowed[@]}"; do
  for f in "$root"/model/"$layer"/*.{h,cc,def}; do
    [[ -e $f && $f != *_test.cc ]] || continue
    while IFS= read -r inc; do
      dep=${inc#model/}
      dep=${dep%%/*}
      [[ $dep == *.h ]] && dep=world  # model/world.h, model/testing.h
      if [[ " ${allowed[$layer]} " != *" $dep "* ]]; then
        echo "${f#"$root"/}: includes $inc (layer $layer may use: ${allowed[$layer]})"
        bad=1
      fi
    done < <(sed -n 's/^#include "\(model\/[^"]*\)".*/\1/p' "$f")
  done
done
[[ $bad == 0 ]] && echo "layers: every model source includes only its own layer and those below"
exit $bad
