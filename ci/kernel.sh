#!/usr/bin/env bash
# ci/kernel.sh: the model's scenarios as KUnit tests of Debian's Linux 6.12, run under UML.
#
# usage: ci/kernel.sh [--out DIR] [--tree DIR] [--corpus DIR]... [--sample N]
#   --out DIR     the report's directory (default out/kernel): kernel-report.md and .json,
#                 the exported tests (inflight_kunit.c), kunit's KTAP log
#   --tree DIR    where the kernel source and its UML build live (default build/kernel);
#                 kept and reused, unpacked again only when the package version changes
#                 (a first build takes 6-10 minutes on 2 cores, later ones about 20 s)
#   --corpus DIR  also export a fixed sample of DIR's binary inputs (a campaign corpus such
#                 as out/nightly/page_pool/corpus: they decode as the target DIR's path
#                 names, else as 'all'); may be given more than once
#   --sample N    inputs per --corpus: the first N by name (default 50)
#
# Installs linux-source-6.12 and the kernel's build dependencies from Debian when they
# are missing (as root), unpacks the source under the tree, adds our test to net/ (a
# CONFIG_INFLIGHT_KUNIT_TEST entry that selects PAGE_POOL, which has no prompt, and its
# Makefile line), writes the scenarios into net/core/inflight_kunit.c with
# `inflight export --kunit`, builds and runs them with the kernel's kunit.py, and reports
# for every scenario: agree, disagree (the first expectation that failed: the step, its
# event, the kernel's value and the model's), or refused (why the exporter could not
# reproduce it in the kernel).
# Scenarios: corpus/regressions/*.trace, corpus/kernel/*.trace, the binary seeds of
# corpus/page_pool, corpus/xdp and corpus/world, and the --corpus samples.
# Exit: 0 every exported scenario agrees; 1 a disagreement, or the test did not build or
# run; 2 usage or environment.
set -uo pipefail
usage() { sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"; }
die() { echo "ci/kernel.sh: $*" >&2; exit 2; }
cd "$(dirname "$0")/.." || exit 2
root=$PWD

out=out/kernel tree=build/kernel sample=50 corpora=()
while (($#)); do
  case $1 in
    -h|--help) usage; exit 0 ;;
    --out|--tree|--corpus|--sample)
      [[ $# -ge 2 && -n $2 ]] || { usage >&2; die "$1 takes a value"; }
      case $1 in
        --out) out=$2 ;; --tree) tree=$2 ;; --corpus) corpora+=("$2") ;;
        --sample) [[ $2 =~ ^[0-9]+$ && $2 -ge 1 && $2 -le 100000 ]] || die "--sample takes a number in 1..100000"
                  sample=$2 ;;
      esac
      shift 2 ;;
    *) usage >&2; die "unknown argument '$1'" ;;
  esac
done
for c in "${corpora[@]}"; do [[ -d $c ]] || die "--corpus '$c' is not a directory"; done
mkdir -p "$out" "$tree" 2>/dev/null && [[ -w $out && -w $tree ]] || die "cannot write to '$out' or '$tree'"
out=$(realpath "$out") tree=$(realpath "$tree")

package=linux-source-6.12
kernel_packages=("$package" build-essential bc bison flex libelf-dev libssl-dev python3 xz-utils)
missing=()
for p in "${kernel_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  [[ $(id -u) -eq 0 ]] || die "need root to install ${missing[*]}"
  echo "ci/kernel.sh: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update -q && apt-get install -y -q "${missing[@]}"; } || die "apt-get failed"
fi
bash ci/test.sh --install-only || die "ci/test.sh --install-only failed"
version=$(dpkg-query -W -f='${Version}' "$package")

# The exporter: the debug build's CLI.
if [[ ! -x build/debug/cli/inflight ]]; then
  echo "ci/kernel.sh: building inflight (debug preset)"
  { cmake --preset debug >/dev/null && cmake --build --preset debug --target inflight; } \
    || die "cannot build inflight"
fi
inflight=$root/build/debug/cli/inflight

# The kernel tree, unpacked once per package version.
src=$tree/linux-source-6.12
if [[ $(cat "$tree/version" 2>/dev/null) != "$version" ]]; then
  echo "ci/kernel.sh: unpacking $package $version into $tree"
  rm -rf "$src" "$tree/uml" "$tree/version"
  tar -C "$tree" -xf /usr/src/linux-source-6.12.tar.xz || die "cannot unpack /usr/src/linux-source-6.12.tar.xz"
  echo "$version" > "$tree/version"
fi
grep -q '^config INFLIGHT_KUNIT_TEST' "$src/net/Kconfig.debug" || cat >> "$src/net/Kconfig.debug" <<'EOF'

config INFLIGHT_KUNIT_TEST
	tristate "KUnit tests exported from the inflight model" if !KUNIT_ALL_TESTS
	depends on KUNIT && NET
	select PAGE_POOL
	default KUNIT_ALL_TESTS
EOF
grep -q 'inflight_kunit.o' "$src/net/core/Makefile" \
  || echo 'obj-$(CONFIG_INFLIGHT_KUNIT_TEST) += inflight_kunit.o' >> "$src/net/core/Makefile"
mkdir -p "$tree/kunitconfig"
printf '%s\n' CONFIG_KUNIT=y CONFIG_NET=y CONFIG_INFLIGHT_KUNIT_TEST=y CONFIG_PAGE_POOL_STATS=y \
  > "$tree/kunitconfig/.kunitconfig"

# Export, in one file. Binary inputs decode as the target their directory is named after.
inputs=()
for f in corpus/regressions/*.trace corpus/kernel/*.trace; do [[ -e $f ]] && inputs+=("$f"); done
for target in page_pool xdp world; do
  mapfile -t -O "${#inputs[@]}" inputs < <(find "corpus/$target" -maxdepth 1 -type f ! -name '*.txt' ! -name '*.trace' | sort)
done
for c in "${corpora[@]}"; do
  mapfile -t -O "${#inputs[@]}" inputs < <(find "$c" -maxdepth 1 -type f ! -name '*.txt' ! -name '*.trace' | sort | head -n "$sample")
done
"$inflight" export --json --kunit "$out/inflight_kunit.c" "${inputs[@]}" > "$out/export.jsonl" \
  || die "inflight export failed (see above)"
cp "$out/inflight_kunit.c" "$src/net/core/inflight_kunit.c"
exported=$(jq -s 'map(select(.exported)) | length' "$out/export.jsonl")
refused=$(jq -s 'map(select(.exported | not)) | length' "$out/export.jsonl")
echo "ci/kernel.sh: $exported scenarios exported, $refused refused"

# Build and run under UML.
echo "ci/kernel.sh: building and running the tests (kunit.py, UML; log in $out/kunit.log)"
rm -f "$out/kunit.json"
# A hung test cannot hold CI: the tests get 120 s (they take well under 1), the whole run
# (a cold build takes 6-10 minutes) 50 minutes.
(cd "$src" && timeout --kill-after=60 3000 ./tools/testing/kunit/kunit.py run \
   --kunitconfig="$tree/kunitconfig" --build_dir="$tree/uml" --jobs="$(nproc)" --timeout=120 \
   --raw_output=kunit --json="$out/kunit.json") > "$out/kunit.log" 2>&1
kunit_status=$?
elapsed=$(grep -o 'Elapsed time: .*' "$out/kunit.log" | tail -1)
build_s=$(sed -n 's/.* \([0-9.]*\)s building.*/\1/p' <<< "$elapsed")
run_s=$(sed -n 's/.* \([0-9.]*\)s running.*/\1/p' <<< "$elapsed")

# Each test's result and its diagnostics (KTAP: '# ...' and other lines before 'ok'/'not ok').
awk '
  { sub(/^[ \t]+/, "") }
  /^(not )?ok [0-9]+ inflight_/ {
    name = $0; sub(/^(not )?ok [0-9]+ /, "", name); sub(/ .*/, "", name)
    status = ($0 ~ /^not ok/) ? "disagree" : "agree"
    gsub(/\\/, "\\\\", diag); gsub(/"/, "\\\"", diag); gsub(/\t/, " ", diag)
    gsub(/\\/, "\\\\", first); gsub(/"/, "\\\"", first)
    printf "{\"test\": \"%s\", \"status\": \"%s\", \"first\": \"%s\", \"log\": \"%s\"}\n", name, status, first, diag
    diag = ""; first = ""; next
  }
  /^# Subtest:|^KTAP|^TAP|^[0-9]+\.\.[0-9]+/ { diag = ""; first = ""; next }
  { if (first == "" && $0 ~ /^step [0-9]+ /) first = $0
    if (length(diag) < 4000) diag = diag $0 "\\n" }
' "$out/kunit.log" > "$out/results.jsonl"

jq -n --arg version "$version" --arg build "${build_s:-}" --arg run "${run_s:-}" \
   --argjson kunit_status "$kunit_status" \
   --slurpfile exports "$out/export.jsonl" --slurpfile results "$out/results.jsonl" '
  ($results | map({(.test): .}) | add // {}) as $r
  | ($exports | map(. + (if .exported then
        ($r[.test] // {status: "missing", first: "no result from the kernel (see kunit.log)", log: ""})
      else {status: "refused"} end))) as $s
  | {kernel: "Debian linux-source-6.12 \($version)", arch: "um",
     build_seconds: ($build | tonumber? // null), run_seconds: ($run | tonumber? // null),
     kunit_exit: $kunit_status,
     exported: ($s | map(select(.exported)) | length),
     agree: ($s | map(select(.status == "agree")) | length),
     disagree: ($s | map(select(.status == "disagree" or .status == "missing")) | length),
     refused: ($s | map(select(.status == "refused")) | length),
     scenarios: $s}' > "$out/kernel-report.json"

{
  jq -r '"# The model against the kernel\n\n\(.kernel), \(.arch): \(.exported) scenarios exported, \(.agree) agree, \(.disagree) disagree, \(.refused) refused.",
         "Build \(.build_seconds // "?") s, run \(.run_seconds // "?") s (kunit.py).\n",
         "| scenario | test | result | steps | expectations | first disagreement, or why refused |",
         "|---|---|---|---|---|---|",
         (.scenarios[] | "| `\(.file)` | \(if .exported then .test else "-" end) | \(.status) | \(.steps) | \(.expectations) | \((if .status == "refused" then .refusal else (.first // "") end) | gsub("\\|"; "\\\\|")) |")' \
     "$out/kernel-report.json"
  echo
  echo "Refusals by reason:"
  echo
  jq -r '.scenarios | map(select(.status == "refused") | .refusal | sub(" at step [0-9]+"; "") | gsub("page_pool [0-9]+"; "page_pool N")) | group_by(.) | map("- \(length) x \(.[0])") | .[]' \
     "$out/kernel-report.json"
} > "$out/kernel-report.md"

agree=$(jq .agree "$out/kernel-report.json")
disagree=$(jq .disagree "$out/kernel-report.json")
echo "ci/kernel.sh: report in $out/kernel-report.md"
jq -r '.scenarios[] | select(.status == "disagree" or .status == "missing") | "  disagree \(.file): \(.first)"' \
  "$out/kernel-report.json"
echo "$agree passed, $disagree failed"
if ((disagree > 0)); then exit 1; fi
if ((kunit_status != 0)); then
  echo "ci/kernel.sh: kunit.py exited $kunit_status (see $out/kunit.log)" >&2
  exit 1
fi
exit 0
