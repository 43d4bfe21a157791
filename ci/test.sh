#!/usr/bin/env bash
# ci/test.sh: build and run every test of inflight from a fresh Debian machine.
#
# Installs the Debian packages it needs when they are missing (root, apt-get), then runs
# two CMake workflows: `ci` (GCC debug: unit tests, properties, corpus replays, bug
# variants found/fixed) and `ci-fuzz` (clang 14 + libFuzzer + ASan/UBSan: the same tests
# plus the fuzzer hunts and smoke runs), and finally checks that GCC and clang replay every
# corpus file to the same trace, byte for byte. CTest's results are also written as JUnit
# XML, build/debug/junit.xml and build/fuzz/junit.xml, for CI systems to read. Last, the
# model against the kernel: ci/kernel.sh runs the exported scenarios as KUnit tests of
# Debian's Linux 6.12 under UML (report in out/kernel/; the kernel tree in build/kernel/).
# Exit: 0 when everything passed, non-zero otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(cmake ninja-build g++ clang-14 libclang-rt-14-dev libc++-14-dev libc++abi-14-dev libfmt-dev libboost-container-dev jq
          libgtest-dev librapidcheck-dev zip unzip)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "ci/test.sh: installing ${missing[*]}"
  if [[ $(id -u) -ne 0 ]]; then
    echo "ci/test.sh: need root to install packages: ${missing[*]}" >&2
    exit 2
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q "${missing[@]}"
fi
# clang++ may only exist as clang++-14 on a fresh machine.
if ! command -v clang++ >/dev/null; then
  mkdir -p build/bin && ln -sf "$(command -v clang++-14)" build/bin/clang++ \
    && ln -sf "$(command -v clang-14)" build/bin/clang
  export PATH="$PWD/build/bin:$PATH"
fi

[[ ${1:-} == --install-only ]] && exit 0

echo "ci/test.sh: workflow ci (GCC debug)"
cmake --workflow --preset ci
echo "ci/test.sh: workflow ci-fuzz (clang + libFuzzer + ASan/UBSan)"
cmake --workflow --preset ci-fuzz
echo "ci/test.sh: JUnit XML in build/debug/junit.xml and build/fuzz/junit.xml"

echo "ci/test.sh: GCC and clang replay every corpus file to the same trace"
fail=0
count=0
while IFS= read -r -d '' f; do
  # Binary inputs decode with the event family of the target whose corpus holds them.
  target=$(basename "$(dirname "$f")")
  case $target in dma_debug|page_pool|xdp|world|tap_redirect|netmap_tx) ;; *) target=all ;; esac
  a=$(build/debug/cli/inflight replay --target "$target" "$f" 2>&1 || true)
  b=$(build/fuzz/cli/inflight replay --target "$target" "$f" 2>&1 || true)
  count=$((count + 1))
  if [[ "$a" != "$b" ]]; then
    echo "ci/test.sh: GCC and clang traces differ for $f" >&2
    diff <(echo "$a") <(echo "$b") | head -20 >&2
    fail=1
  fi
done < <(find corpus -type f ! -name '*.txt' ! -name 'CMakeLists.txt' ! -name '*.dict' -print0 | sort -z)
if ((fail)); then echo "determinism: FAILED"; exit 1; fi
echo "determinism: $count corpus files replay identically in GCC and clang builds"

echo "ci/test.sh: the model against the kernel (ci/kernel.sh: KUnit on Debian's 6.12, UML)"
bash ci/kernel.sh
