#!/usr/bin/env bash
# ci/cflite_check.sh: the ClusterFuzzLite build, checked locally (CTest cflite.build).
#
# usage: ci/cflite_check.sh REPO
# Runs .clusterfuzzlite/build.sh with the environment ClusterFuzzLite and OSS-Fuzz give it
# (CC, CXX, CFLAGS and CXXFLAGS as OSS-Fuzz's address build sets them, CXXFLAGS with
# -stdlib=libc++: here clang 14 with Debian's libc++; LIB_FUZZING_ENGINE, SRC holding the
# repository, an empty OUT), then checks that it produced one fuzzer per
# fuzzers/*_fuzzer.cc, each with its seed corpus and options; that `ldd` finds no library
# in any fuzzer beyond what OSS-Fuzz's runner image has (the C library, libm, libgcc_s and
# the dynamic loader: no libfmt, no libc++, no libstdc++); and that every fuzzer runs the
# inputs of its seed corpus.
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
export CFLAGS="-O1 -fno-omit-frame-pointer -gline-tables-only -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION $SANITIZER_FLAGS -fsanitize=fuzzer-no-link"
export CXXFLAGS="$CFLAGS -stdlib=libc++"
# OSS-Fuzz's libFuzzer runtime is built against libc++; Debian's is built against
# libstdc++ and cannot be linked into a -stdlib=libc++ program. So the engine here is a
# standalone main that runs the seed files (OSS-Fuzz's "none" engine does the same); the
# fuzz preset's smoke.fuzz.* tests fuzz every target with libFuzzer itself.
"$cc" $CFLAGS -c "$repo/ci/fuzz_standalone_main.c" -o "$work/fuzz_standalone_main.o" || exit 1
export LIB_FUZZING_ENGINE="$work/fuzz_standalone_main.o"
# OSS-Fuzz's `compile` runs it as bash -eux: a failing command fails the build.
if ! bash -eu "$repo/.clusterfuzzlite/build.sh" >"$work/build.log" 2>&1; then
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
  # Libraries the runner image has: the C library's, libgcc_s and the loader.
  extra=$(ldd "$fuzzer" | awk '{print $1}' |
    grep -vE '^(linux-vdso\.so|libc\.so|libm\.so|libpthread\.so|libdl\.so|librt\.so|libgcc_s\.so|/lib64/ld-linux)')
  if [[ -n $extra ]]; then
    echo "cflite: $name needs libraries the runner image lacks: $(echo $extra)"; failed=1
  fi
  # libc++'s names are std::__1::..., libstdc++'s std::__cxx11::...: only the first.
  syms=$(nm -C "$fuzzer")
  if ! grep -q 'std::__1::' <<<"$syms" || grep -q 'std::__cxx11::' <<<"$syms"; then
    echo "cflite: $name was not built against libc++ (-stdlib=libc++)"; failed=1
  fi
  unzip -q -o "$OUT/${name}_seed_corpus.zip" -d "$seeds"
  n=$(ls "$seeds" | wc -l)
  if "$fuzzer" "$seeds"/* >"$work/$name.log" 2>&1; then
    echo "cflite: $name ran its $n seeds (libc++, $(ldd "$fuzzer" | wc -l) libraries, all in the runner image)"
  else
    echo "cflite: $name FAILED"; tail -20 "$work/$name.log"; failed=1
  fi
done
if ((built != expected)); then
  echo "cflite: build.sh produced $built fuzzers, expected $expected"; exit 1
fi
exit $failed
