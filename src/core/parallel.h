// The library's one way to run loops on several threads. Chunks are cut from `grain` alone,
// never from the thread count, so results do not depend on how many threads ran.
#pragma once

#include <cstdint>
#include <functional>

namespace nabla::detail {

int num_threads();
/// Calls fn(begin, end) over [0, n) in chunks of at least `grain` items, on up to
/// num_threads() threads. Runs inline when the work is one chunk or already in a parallel region.
void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);
bool in_parallel_region();
/// Applies the process-wide floating-point mode (set_flush_denormal) to the calling thread if it
/// changed since this thread last applied it: MXCSR is per thread. Kernels call it on entry.
void sync_fp_mode();

}  // namespace nabla::detail
