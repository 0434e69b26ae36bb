#!/usr/bin/env bash
# ThreadSanitizer run over what uses threads: the thread pool, the DataLoader's workers, backward
# on graphs sharing leaves from several threads, and concurrent inference (docs/thread-safety.md).
# Builds into $NABLA_TSAN_BUILD (default build-tsan/): the library at -O1 and four test
# programs only (without the tests' precompiled header, whose owner is another program).
# scripts/test.sh (CI) runs it after the ASan suite.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
build="${NABLA_TSAN_BUILD:-$root/build-tsan}"
launcher=()
if command -v ccache > /dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -g1" \
  "-DCMAKE_CXX_FLAGS=-fsanitize=thread" "-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=thread" \
  -DNABLA_BUILD_TESTS=ON -DNABLA_BUILD_EXAMPLES=OFF -DNABLA_BUILD_BENCH=OFF \
  -DCMAKE_DISABLE_PRECOMPILE_HEADERS=ON -DNABLA_UNITY_BUILD=ON "${launcher[@]}"
cmake --build "$build" --parallel "$(nproc)" --target nabla_test_hostile nabla_test_data \
  nabla_test_linalg nabla_test_parallel
# OpenBLAS is not instrumented; its own threads are off (nabla sets it to 1 thread).
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1"
# Not the fork test: TSan itself cannot start threads in a child forked from a threaded parent
# (it dies by design); the release and ASan suites run it.
"$build/tests/nabla_test_hostile" \
  --gtest_filter='HostileThreads.*:HostileData.*:-HostileThreads.ThreadPoolSurvivesFork'
"$build/tests/nabla_test_data" --gtest_filter='DataLoader*'
"$build/tests/nabla_test_linalg" --gtest_filter=Matmul.ThreadCountDoesNotChangeResults
"$build/tests/nabla_test_parallel"
echo "tsan: clean"
