#!/usr/bin/env bash
# ci/nightly_test.sh: what ci/nightly.sh promises when it is cut short, and that what it
# finds besides the fuzzers' crashes is reported.
#
# usage: ci/nightly_test.sh merge-killed|interrupted|others-reported FUZZER_DIR INFLIGHT | --help
#   merge-killed  the merge is SIGKILLed (as the OOM killer or a CI step timeout would) after
#                 writing part of its result: the campaign corpus must be unchanged and the
#                 run must exit 2
#   interrupted   SIGINT in the middle of fuzzing: exit 130, no child left, the corpus
#                 unchanged, the report marked interrupted
#   others-reported  a property fails after the fuzzing (a stand-in for the properties'
#                 binary says so): the run exits 1 and both reports name it as a new
#                 finding (as they name a kernel disagreement, by the same path)
# Runs the page_pool target from FUZZER_DIR (prebuilt: INFLIGHT_NIGHTLY_SKIP_BUILD=1) for a
# few seconds, with a campaign corpus made from its seeds. Exit 0 when the promise holds.
set -uo pipefail
usage() { sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"; }
[[ ${1:-} == --help || ${1:-} == -h ]] && { usage; exit 0; }
[[ $# -eq 3 && ( $1 == merge-killed || $1 == interrupted || $1 == others-reported ) ]] || { usage >&2; exit 2; }
mode=$1 fuzzers=$(realpath "$2") cli=$(realpath "$3")
nightly=$(dirname "$(realpath "$0")")/nightly.sh
root=$(dirname "$nightly")/..
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "unit.nightly.$mode: FAILED: $*"; cat "$work/log" 2>/dev/null | tail -20; exit 1; }
corpus=$work/out/page_pool/corpus
mkdir -p "$corpus"
cp "$root"/corpus/page_pool/*.bin "$corpus/"
sums() { (cd "$corpus" && sha1sum * | sort); }
sums >"$work/before"
export INFLIGHT_NIGHTLY_SKIP_BUILD=1 INFLIGHT_NIGHTLY_CHECK=$fuzzers INFLIGHT_NIGHTLY_CLI=$cli
export INFLIGHT_NIGHTLY_FUZZERS=$fuzzers

if [[ $mode == merge-killed ]]; then
  # A fuzzer that fuzzes as usual but dies in the merge, its output half written.
  mkdir -p "$work/fake"
  cat >"$work/fake/page_pool_fuzzer" <<FAKE
#!/usr/bin/env bash
if [[ " \$* " == *" -merge=1 "* ]]; then
  for a; do [[ \$a == -* ]] || { echo partial >"\$a/partial"; break; }; done
  kill -KILL \$\$
fi
exec "$fuzzers/page_pool_fuzzer" "\$@"
FAKE
  chmod +x "$work/fake/page_pool_fuzzer"
  INFLIGHT_NIGHTLY_FUZZERS=$work/fake bash "$nightly" --budget 5 --targets page_pool --out "$work/out" >"$work/log" 2>&1
  rc=$?
  ((rc == 2)) || fail "exit $rc, expected 2"
  grep -q 'merge failed' "$work/out/report.md" || fail "the report does not say the merge failed"
elif [[ $mode == others-reported ]]; then
  mkdir -p "$work/fake"
  printf '%s\n' '#!/usr/bin/env bash' 'echo "[  FAILED  ] Stand.In (1 ms)"' \
    'echo "[  PASSED  ] 18 tests."' >"$work/fake/inflight_props"
  chmod +x "$work/fake/inflight_props"
  INFLIGHT_NIGHTLY_PROPS=$work/fake/inflight_props bash "$nightly" --budget 5 --targets page_pool \
    --out "$work/out" >"$work/log" 2>&1
  rc=$?
  ((rc == 1)) || fail "exit $rc, expected 1 (a new finding)"
  grep -q 'Stand.In' "$work/out/report.md" || fail "report.md does not name the failed property"
  [[ $(jq '.new_findings' "$work/out/report.json") == 1 ]] || fail "report.json does not count it"
else
  set -m  # the run gets its own process group, and SIGINT is not ignored in it
  bash "$nightly" --budget 60 --targets page_pool --out "$work/out" >"$work/log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do grep -q 'fuzzing' "$work/log" && break; sleep 0.1; done
  sleep 3
  kill -INT "$pid"
  wait "$pid"
  rc=$?
  ((rc == 130)) || fail "exit $rc, expected 130"
  left=$(ps -eo pid=,args= | grep -F "$work/out" | grep -v grep)
  if [[ -n $left ]]; then
    kill -KILL $(awk '{ print $1 }' <<<"$left") 2>/dev/null
    fail "children left running: $left"
  fi
  grep -q 'Interrupted' "$work/out/report.md" || fail "report.md is not marked interrupted"
  grep -q '"status":"interrupted' "$work/out/report.json" || fail "report.json is not marked interrupted"
fi
if [[ $mode == others-reported ]]; then
  echo "unit.nightly.$mode: the failed property reported, exit $rc"
  exit 0
fi
sums | cmp -s - "$work/before" || fail "the campaign corpus changed"
[[ -e $work/out/page_pool/corpus.new ]] && fail "corpus.new left behind"
echo "unit.nightly.$mode: corpus intact ($(wc -l <"$work/before") inputs), exit $rc"
