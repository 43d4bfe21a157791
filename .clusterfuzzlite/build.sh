#!/bin/bash -eu
# .clusterfuzzlite/build.sh: builds every inflight fuzz target the OSS-Fuzz way and puts
# them in $OUT with their seed corpora (corpus/<target>/*.bin) and dictionaries
# (fuzzers/dict/<target>.dict). Reads CC, CXX, CFLAGS, CXXFLAGS, LIB_FUZZING_ENGINE, OUT,
# SRC as ClusterFuzzLite and OSS-Fuzz set them; the sanitizers come from CXXFLAGS.
# Known, documented findings (corpus/<target>/known_findings.txt) are built into each
# target, so no environment is needed at run time.
# Nothing is linked dynamically that the runner image lacks: fmt is header-only (from
# $SRC/fmt when the Dockerfile put its source there, else the installed headers), and the
# C++ library is linked statically (-static-libstdc++, which with -stdlib=libc++ means
# libc++ and libc++abi); ci/cflite_check.sh checks each fuzzer with ldd.
src=$SRC/inflight
build=${WORK:-$SRC}/inflight-build
fmt_source=()
[[ -f $SRC/fmt/CMakeLists.txt ]] && fmt_source=(-DINFLIGHT_FMT_SOURCE="$SRC/fmt")
cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER="$CC" -DCMAKE_CXX_COMPILER="$CXX" \
  -DCMAKE_C_FLAGS="$CFLAGS" -DCMAKE_CXX_FLAGS="$CXXFLAGS" \
  -DCMAKE_EXE_LINKER_FLAGS="-static-libstdc++" \
  -DINFLIGHT_FUZZ=ON -DINFLIGHT_FUZZ_ONLY=ON -DINFLIGHT_WERROR=OFF -DINFLIGHT_FMT_HEADER_ONLY=ON \
  "${fmt_source[@]}" -DINFLIGHT_FUZZING_ENGINE="$LIB_FUZZING_ENGINE"
cmake --build "$build" --target all_fuzzers
for fuzzer in "$build"/fuzzers/*_fuzzer; do
  name=$(basename "$fuzzer")
  target=${name%_fuzzer}
  cp "$fuzzer" "$OUT/"
  seeds=("$src/corpus/$target"/*.bin)
  if [[ -e ${seeds[0]} ]]; then
    rm -f "$OUT/${name}_seed_corpus.zip"
    zip -q -j "$OUT/${name}_seed_corpus.zip" "${seeds[@]}"
  fi
  if [[ -f $src/fuzzers/dict/$target.dict ]]; then
    cp "$src/fuzzers/dict/$target.dict" "$OUT/$name.dict"
  fi
  printf '[libfuzzer]\nmax_len = 1200\n' >"$OUT/$name.options"
done
