#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ (clang, ASan + UBSan) into build-fuzz/ and runs each.
#   scripts/fuzz.sh              # a short run per target (15 s each)
#   scripts/fuzz.sh --runs N     # N executions per target (issue 16 asks for >= 10^6)
#   scripts/fuzz.sh --time S     # S seconds per target
# Needs clang and libFuzzer (Debian: clang-14, libclang-rt-14-dev), installed here if missing.
# New inputs go to build-fuzz/corpus/<target>; the seeds in fuzz/corpus/ are only read.
# Exits non-zero on the first crash, leak or timeout; libFuzzer leaves the input as crash-*.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
build="${NABLA_FUZZ_BUILD:-$root/build-fuzz}"
limit=(-max_total_time=15)
jobs="$(nproc)"
while (($#)); do
  case "$1" in
    --runs) limit=(-runs="$2"); shift 2 ;;
    --time) limit=(-max_total_time="$2"); shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    *) echo "usage: $0 [--runs N | --time S] [--jobs J]" >&2; exit 2 ;;
  esac
done
bash scripts/install-deps.sh clang-14 libclang-rt-14-dev  # libclang-rt: libFuzzer itself
cxx="${CXX_FUZZ:-$(command -v clang++ || command -v clang++-14)}"
launcher=()
if command -v ccache > /dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
cmake -S fuzz -B "$build" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_CXX_FLAGS_DEBUG=-O1 "${launcher[@]}" > /dev/null
cmake --build "$build" --parallel "$jobs" --target fuzz_safetensors fuzz_idx fuzz_checkpoint fuzz_pytorch

export ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
for target in safetensors idx checkpoint pytorch; do
  dict=fuzz/safetensors.dict
  [[ $target == idx ]] && dict=fuzz/idx.dict
  [[ $target == pytorch ]] && dict=fuzz/pickle.dict
  mkdir -p "$build/corpus/$target" "$build/artifacts"
  echo "==== fuzz_$target (${limit[*]})"
  # -rss_limit_mb: a loader must refuse a file before allocating what it merely declares.
  "$build/fuzz_$target" "${limit[@]}" -dict="$dict" -max_len=65536 -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$build/artifacts/$target-" \
    "$build/corpus/$target" "fuzz/corpus/$target" 2>&1 | tail -n 25
  # tail hides libFuzzer's exit status: PIPESTATUS keeps it.
  status=${PIPESTATUS[0]}
  ((status == 0)) || { echo "fuzz_$target failed (exit $status)" >&2; exit "$status"; }
done
