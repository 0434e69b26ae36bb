#include "core/parallel.h"

#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <atomic>

#include "core/check.h"
#include "nabla/ops.h"

namespace nabla {
namespace {
std::atomic<int> g_num_threads{0};  // 0: not set yet, use the machine's cores
thread_local bool t_in_parallel = false;
}  // namespace

void set_num_threads(int n) {
  NABLA_CHECK(n > 0, "[set_num_threads] expected a positive thread count, got {}", n);
  g_num_threads = n;
  // nabla decides per call whether a BLAS call gets threads; OpenBLAS's pool gets the same cap.
  openblas_set_num_threads(n);
}

int get_num_threads() {
  int n = g_num_threads.load();
  return n > 0 ? n : std::max(1, omp_get_num_procs());
}

namespace detail {

int num_threads() { return get_num_threads(); }
bool in_parallel_region() { return t_in_parallel; }

void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  grain = std::max<int64_t>(grain, 1);
  const int64_t chunks = (n + grain - 1) / grain;
  const int threads = static_cast<int>(std::min<int64_t>(num_threads(), chunks));
  if (threads <= 1 || t_in_parallel) {
    fn(0, n);
    return;
  }
  // Static split of whole chunks: thread t takes chunks [t*chunks/threads, (t+1)*chunks/threads).
#pragma omp parallel num_threads(threads)
  {
    t_in_parallel = true;
    const int t = omp_get_thread_num();
    const int64_t c0 = chunks * t / threads, c1 = chunks * (t + 1) / threads;
    const int64_t begin = c0 * grain, end = std::min(n, c1 * grain);
    if (begin < end) fn(begin, end);
    t_in_parallel = false;
  }
}

}  // namespace detail
}  // namespace nabla
