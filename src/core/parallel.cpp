// The library's thread pool. Workers sleep on a condition variable between jobs (no spinning,
// so they never steal the cores from BLAS, data-loading threads or other processes); the
// calling thread takes a share of every job. One job runs at a time: a second thread that calls
// parallel_for meanwhile (a data-loading worker, say) runs its loop inline instead of waiting.
#include "core/parallel.h"

#include <cblas.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "core/check.h"
#include "nabla/ops.h"

namespace nabla {
namespace detail {
namespace {

thread_local bool t_in_parallel = false;

int default_threads() { return std::max(1, static_cast<int>(std::thread::hardware_concurrency())); }

class ThreadPool {
 public:
  explicit ThreadPool(int threads) { resize(threads); }
  ~ThreadPool() { stop_workers(); }

  int size() const { return static_cast<int>(workers_.size()) + 1; }

  void resize(int threads) {
    std::lock_guard<std::mutex> job_lock(job_mutex_);
    stop_workers();
    stopping_ = false;
    // New workers start at the current generation: jobs already finished are not theirs.
    for (int i = 1; i < threads; ++i)
      workers_.emplace_back([this, i, g = generation_] { worker_loop(i, g); });
  }

  // Runs fn(t) for t in [0, parts) with the caller taking part 0; false if the pool is busy.
  bool run(int parts, const std::function<void(int)>& fn) {
    std::unique_lock<std::mutex> job_lock(job_mutex_, std::try_to_lock);
    if (!job_lock.owns_lock()) return false;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      job_ = &fn;
      parts_ = parts;
      pending_ = parts - 1;
      ++generation_;
    }
    wake_.notify_all();
    t_in_parallel = true;
    std::exception_ptr error;
    try {
      fn(0);
    } catch (...) {
      error = std::current_exception();  // rethrown once the workers are done with `fn`
    }
    t_in_parallel = false;
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [this] { return pending_ == 0; });
    job_ = nullptr;
    if (error) std::rethrow_exception(error);
    return true;
  }

 private:
  void worker_loop(int index, uint64_t seen) {
    t_in_parallel = true;
    for (;;) {
      const std::function<void(int)>* job;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return stopping_ || generation_ != seen; });
        if (stopping_) return;
        seen = generation_;
        if (index >= parts_) continue;  // this job needs fewer threads
        job = job_;
      }
      (*job)(index);
      std::lock_guard<std::mutex> lock(mutex_);
      if (--pending_ == 0) done_.notify_one();
    }
  }

  void stop_workers() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    for (auto& w : workers_) w.join();
    workers_.clear();
  }

  std::mutex job_mutex_;  // one job at a time
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  std::vector<std::thread> workers_;
  const std::function<void(int)>* job_ = nullptr;
  int parts_ = 0, pending_ = 0;
  uint64_t generation_ = 0;
  bool stopping_ = false;
};

std::atomic<int> g_num_threads{0};  // 0: not set yet, use the machine's cores

ThreadPool& pool() {
  // Never destroyed: joining threads during static destruction is fragile.
  static ThreadPool* p = new ThreadPool(get_num_threads());
  return *p;
}

}  // namespace

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
  // Static split of whole chunks: part t takes chunks [t*chunks/threads, (t+1)*chunks/threads).
  const std::function<void(int)> part = [&](int t) {
    const int64_t c0 = chunks * t / threads, c1 = chunks * (t + 1) / threads;
    const int64_t begin = c0 * grain, end = std::min(n, c1 * grain);
    if (begin < end) fn(begin, end);
  };
  if (!pool().run(threads, part)) fn(0, n);  // pool busy with another thread's job
}

}  // namespace detail

void set_num_threads(int n) {
  NABLA_CHECK(n > 0, "[set_num_threads] expected a positive thread count, got {}", n);
  if (detail::g_num_threads.exchange(n) == n) return;
  detail::pool().resize(n);
  // nabla decides per call whether a BLAS call gets threads; OpenBLAS's pool gets the same cap.
  openblas_set_num_threads(n);
}

int get_num_threads() {
  const int n = detail::g_num_threads.load();
  return n > 0 ? n : detail::default_threads();
}

}  // namespace nabla
