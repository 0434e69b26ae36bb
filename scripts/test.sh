#!/usr/bin/env bash
# Everything CI checks, in one command (on a fresh Debian machine too):
#   1. installs the build dependencies (scripts/install-deps.sh),
#   2. checks formatting (clang-format; reported at the end, does not stop the run),
#   3. Release build with -Werror (library, tests, examples, benchmarks; the tests at -O0), then
#      ctest (without the `long` label unless NABLA_LONG_TESTS=1),
#   4. ASan + UBSan build, then ctest again (leak checking on),
#   5. a short run of each libFuzzer target (scripts/fuzz.sh: clang, ASan + UBSan),
#   6. ThreadSanitizer over what uses threads (scripts/tsan.sh),
#   7. the library's sources through the aarch64 cross compiler (scripts/cross-check.sh).
# Build directories: $NABLA_BUILD_ROOT (default build-test/) /release and /sanitize.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
build_root="${NABLA_BUILD_ROOT:-$root/build-test}"
jobs="$(nproc)"
started=$SECONDS

section() { printf '\n==== %s (%ds)\n' "$*" $((SECONDS - started)); }

section "dependencies"
bash scripts/install-deps.sh

section "clang-format"
format_ok=1
bash scripts/format.sh --check || format_ok=0

section "release build"
# The test programs at -O0 (the library stays -O3): their run time is the library's, and -O0
# compiles them about 18% faster (op_db.cpp 11.7 -> 9.4 s, test_nn.cpp 10.8 -> 9.0 s), which
# keeps the whole run under 45 minutes.
# NABLA_UNITY_BUILD: the library's sources eight to a translation unit, which parses the headers
# once per eight: the library's compile took 520 s of CPU, 300 with it (AMD EPYC, -O3).
cmake -S . -B "$build_root/release" -G Ninja -DCMAKE_BUILD_TYPE=Release -DNABLA_UNITY_BUILD=ON \
  -DNABLA_WERROR=ON -DNABLA_BUILD_TESTS=ON -DNABLA_BUILD_EXAMPLES=ON -DNABLA_BUILD_BENCH=ON \
  -DNABLA_TEST_COMPILE_OPTIONS=-O0
cmake --build "$build_root/release" --parallel "$jobs"
bash scripts/include-time.sh c++ include || true  # reported here; enforced by ctest

section "release tests"
# The `long` tests (the example trainers' default runs: minutes each, 28 on a loaded machine) run
# only with NABLA_LONG_TESTS=1; they are quality checks of the defaults, not of the code paths,
# which the short example tests cover.
long_filter=(-LE long)
if [[ ${NABLA_LONG_TESTS:-0} == 1 ]]; then long_filter=(); fi
(cd "$build_root/release" &&
  ctest --output-on-failure --parallel "$jobs" --timeout 1800 "${long_filter[@]}")

section "sanitizer build (ASan + UBSan)"
# -O1 keeps the instrumented library quick; -g1 gives line numbers in reports. The test
# programs themselves are compiled at -O0: instrumented GoogleTest code took twice as long to
# compile at -O1 (36 against 16 s for test_nn.cpp) and their run time is the library's. No
# -Werror here: GCC warns spuriously under -fsanitize=address, and the release build enforces
# warnings. A shared libnabla: linking each of some 50 programs against the instrumented static
# library took 3.7 s (a 150 MB executable each), 190 s of CPU in all; the release build keeps
# the static library, the default. A ctest test per test program, not per GoogleTest test: an
# instrumented process takes about 0.5 s to start (635 tests: 289 s, 45 programs: 145 s).
cmake -S . -B "$build_root/sanitize" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DNABLA_UNITY_BUILD=ON \
  "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -g1" -DNABLA_SANITIZE=ON -DNABLA_TEST_COMPILE_OPTIONS=-O0 \
  -DBUILD_SHARED_LIBS=ON -DNABLA_TEST_PER_PROGRAM=ON -DNABLA_BUILD_TESTS=ON \
  -DNABLA_BUILD_EXAMPLES=ON -DNABLA_BUILD_BENCH=OFF
cmake --build "$build_root/sanitize" --parallel "$jobs"

section "sanitizer tests"
lsan_supp="$root/scripts/lsan.supp"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:strict_string_checks=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
if [[ -f $lsan_supp ]]; then export LSAN_OPTIONS="suppressions=$lsan_supp:print_suppressions=0"; fi
(cd "$build_root/sanitize" && ctest --output-on-failure --parallel "$jobs" --timeout 1800)
unset ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS

section "fuzzing (a short run per target)"
NABLA_FUZZ_BUILD="$build_root/fuzz" bash scripts/fuzz.sh --time "${NABLA_FUZZ_SECONDS:-10}"

section "thread sanitizer"
NABLA_TSAN_BUILD="$build_root/tsan" bash scripts/tsan.sh

section "aarch64 compile check"
bash scripts/cross-check.sh

section "done"
if ((!format_ok)); then
  echo "FAILED: clang-format (see above)" >&2
  exit 1
fi
echo "all checks passed in $((SECONDS - started)) s"
