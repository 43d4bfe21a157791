# bench/common.sh: what the benchmark scripts share (sourced, from the project root).

# Installs what is missing, builds the given CMake presets (PRESET, or PRESET:T1,T2 for
# only those targets), makes out/bench.
bench_build() {
  bash ci/test.sh --install-only >/dev/null || exit 2
  command -v clang++ >/dev/null || export PATH="$PWD/build/bin:$PATH"
  local p preset only
  for p in "$@"; do
    preset=${p%%:*} only=()
    [[ $p == *:* ]] && only=(--target ${p#*:})
    only=("${only[@]//,/ }")
    { cmake --preset "$preset" >/dev/null && cmake --build "build/$preset" ${only[@]} >/dev/null; } ||
      { echo "bench: cannot build the $preset preset" >&2; exit 2; }
  done
  mkdir -p out/bench
}

# Exits 2 unless REV names a commit (before anything is built).
bench_check_rev() {
  git rev-parse --verify -q "$1^{commit}" >/dev/null ||
    { echo "bench: unknown revision '$1'" >&2; exit 2; }
}

# Builds the explorer CLI (release settings) at git revision REV in a scratch worktree under
# DIR (kept while REV is the same) and prints its path; exits 2 on an unknown revision or a
# failed build.
bench_build_rev() {
  local rev=$1 dir=$2
  bench_check_rev "$rev"
  if [[ ! -x $dir/build/cli/inflight || $(cat "$dir/rev" 2>/dev/null) != "$rev" ]]; then
    rm -rf "$dir" && git worktree prune
    git worktree add -f -q --detach "$dir/src" "$rev" >&2 || exit 2
    { cmake -S "$dir/src" -B "$dir/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
        -DCMAKE_CXX_COMPILER=g++ >/dev/null && cmake --build "$dir/build" --target inflight >/dev/null; } ||
      { echo "bench: cannot build $rev" >&2; exit 2; }
    echo "$rev" >"$dir/rev"
  fi
  echo "$dir/build/cli/inflight"
}

# The bug variants as "R name" lines, in R order.
bench_variants() {
  sed -nE 's/^INFLIGHT_BUG\(([a-z0-9_]+), ([0-9]+),.*/\2 \1/p' model/core/bugs.def | sort -n
}

# Events in a .trace (not comments, blank lines or the topology).
trace_events() { grep -vcE '^\s*(#|$|topology)' "$1"; }

# The median of the numbers on standard input, one per line.
median() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
