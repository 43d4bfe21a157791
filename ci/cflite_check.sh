#!/usr/bin/env bash
# ci/cflite_check.sh: the ClusterFuzzLite build, checked locally (CTest cflite.build).
#
# usage: ci/cflite_check.sh REPO
# Runs .clusterfuzzlite/build.sh with the environment ClusterFuzzLite and OSS-Fuzz give it
# (CC, CXX, CFLAGS, CXXFLAGS with AddressSanitizer and -fsanitize=fuzzer-no-link,
# LIB_FUZZING_ENGINE, SRC holding the repository, an empty OUT), then checks that it
# produced one fuzzer per fuzzers/*_fuzzer.cc, each with its seed corpus and options, and
# that every fuzzer runs the inputs of its seed corpus plus a few hundred more.
# Exit: 0 passed, 1 failed.
set -uo pipefail
repo=$(realpath "${1:?usage: ci/cflite_check.sh REPO}")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src" "$work/out" "$work/work"
ln -s "$repo" "$work/src/inflight"
cc=$(command -v clang || command -v clang-14) cxx=$(command -v clang++ || command -v clang++-14)
export SRC=$work/src OUT=$work/out WORK=$work/work CC=$cc CXX=$cxx
export SANITIZER_FLAGS="-fsanitize=address -fsanitize-address-use-after-scope"
export CFLAGS="-O1 -fno-omit-frame-pointer -gline-tables-only $SANITIZER_FLAGS -fsanitize=fuzzer-no-link"
export CXXFLAGS="$CFLAGS"
export LIB_FUZZING_ENGINE=-fsanitize=fuzzer
if ! bash "$repo/.clusterfuzzlite/build.sh" >"$work/build.log" 2>&1; then
  echo "cflite: build.sh failed"; tail -30 "$work/build.log"; exit 1
fi
expected=$(ls "$repo"/fuzzers/*_fuzzer.cc | wc -l)
built=0 failed=0
for fuzzer in "$OUT"/*_fuzzer; do
  name=$(basename "$fuzzer")
  built=$((built + 1))
  seeds=$work/seeds/$name
  mkdir -p "$seeds"
  [[ -f $OUT/${name}_seed_corpus.zip ]] || { echo "cflite: $name has no seed corpus"; failed=1; continue; }
  [[ -f $OUT/$name.options ]] || { echo "cflite: $name has no options file"; failed=1; }
  unzip -q -o "$OUT/${name}_seed_corpus.zip" -d "$seeds"
  n=$(ls "$seeds" | wc -l)
  if "$fuzzer" -runs=300 -seed=1 -max_len=1200 "$seeds" >"$work/$name.log" 2>&1; then
    echo "cflite: $name ran its $n seeds and 300 more inputs"
  else
    echo "cflite: $name FAILED"; tail -20 "$work/$name.log"; failed=1
  fi
done
if ((built != expected)); then
  echo "cflite: build.sh produced $built fuzzers, expected $expected"; exit 1
fi
exit $failed
