// The library's thread pool. After a job, workers spin briefly (a training step issues its
// next parallel op within microseconds, and a futex wake-up costs more than a small kernel),
// then sleep on a condition variable, so an idle pool never steals the cores from data-loading
// threads or other processes. The calling thread takes a share of every job. One job runs at a
// time: a second thread that calls parallel_for meanwhile (a data-loading worker, say) runs its
// loop inline instead of waiting.
//
// Part t of a job goes to thread t (the caller is thread 0) whenever that thread is awake to
// take it, so consecutive ops that split their data alike keep each slice in the same core's
// cache: a training step's weight, gradient and optimizer state stay where they were used.
// Moving a slice costs more than computing on it on some machines: on a 2-vCPU EPYC VM,
// writing 196 KB that the other core has read takes 28 us against 2.4 us for local lines.
//
// The floating-point mode (flush-to-zero and denormals-are-zero) is process-wide state here,
// applied lazily by every thread that runs a kernel: MXCSR is per thread.
#include "core/parallel.h"

#include <cblas.h>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif
#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <new>
#include <thread>
#include <vector>

#include "core/check.h"
#include "nabla/ops.h"

namespace nabla {
namespace detail {
namespace {

thread_local bool t_in_parallel = false;

// ---- floating-point mode ----
std::atomic<bool> g_flush_denormal{true};
std::atomic<uint32_t> g_fp_generation{1};  // bumped by every set_flush_denormal
thread_local uint32_t t_fp_generation = 0;

// Whether this CPU's floating-point control register has a flush-to-zero mode we set.
#if defined(__x86_64__) || defined(__i386__) || defined(__aarch64__)
constexpr bool kHasFlushMode = true;
#else
constexpr bool kHasFlushMode = false;
#endif

void apply_fp_mode() {
  t_fp_generation = g_fp_generation.load(std::memory_order_acquire);
  const bool flush = g_flush_denormal.load(std::memory_order_relaxed);
#if defined(__x86_64__) || defined(__i386__)
  constexpr unsigned kFtzDaz = _MM_FLUSH_ZERO_MASK | _MM_DENORMALS_ZERO_MASK;
  const unsigned csr = _mm_getcsr();
  _mm_setcsr(flush ? csr | kFtzDaz : csr & ~kFtzDaz);
#elif defined(__aarch64__)
  // FPCR.FZ (bit 24) flushes denormal inputs and results to zero.
  uint64_t fpcr;
  __asm__ __volatile__("mrs %0, fpcr" : "=r"(fpcr));
  fpcr = flush ? fpcr | (uint64_t(1) << 24) : fpcr & ~(uint64_t(1) << 24);
  __asm__ __volatile__("msr fpcr, %0" : : "r"(fpcr));
#else
  (void)flush;  // no portable way: denormals stay as the platform has them
#endif
}

// A hint to the core that this thread is spinning.
inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#else
  std::this_thread::yield();
#endif
}

// The main thread gets the mode before main() runs, so even kernels that never reach
// sync_fp_mode see it.
const bool g_main_thread_fp_mode = (apply_fp_mode(), true);

// Spins until pred() holds or about `micros` have passed; true if pred() held.
template <class Pred>
bool spin_until(Pred pred, int micros) {
  using clock = std::chrono::steady_clock;
  const auto deadline = clock::now() + std::chrono::microseconds(micros);
  for (;;) {
    for (int i = 0; i < 64; ++i) {
      if (pred()) return true;
      cpu_relax();
    }
    if (clock::now() > deadline) return false;
  }
}

constexpr int kSpinMicros = 200;

// Read once: hardware_concurrency() opens a file in /sys on every call.
int default_threads() {
  static const int n = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  return n;
}

class ThreadPool {
 public:
  explicit ThreadPool(int threads) { resize(threads); }
  ~ThreadPool() { stop_workers(); }

  int size() const { return static_cast<int>(workers_.size()) + 1; }

  void resize(int threads) {
    std::lock_guard<std::mutex> job_lock(job_mutex_);
    stop_workers();
    stopping_ = false;
    stopping_flag_ = false;
    // Every part's last claim is an earlier generation than any job to come.
    const uint64_t g = generation(ticket_.load());
    part_claims_ = std::make_unique<PartClaim[]>(static_cast<size_t>(threads));
    for (int i = 0; i < threads; ++i) part_claims_[i].gen.store(g, std::memory_order_relaxed);
    // New workers start at the current generation: jobs already finished are not theirs.
    for (int i = 1; i < threads; ++i) workers_.emplace_back([this, i, g] { worker_loop(i, g); });
  }

  // Runs fn(t) for every t in [0, parts); false if the pool is busy. Each thread first claims
  // its own part, then any part still unclaimed (workers leave part 0 to the caller, which
  // claims it first thing), so a worker the OS has not scheduled yet (a loaded machine) never
  // holds the job up: the caller runs its part instead.
  //
  // The hand-off touches few cache lines, each moving between cores once per job where it can:
  // on a 2-vCPU VM such a move costs 150-250 ns in some minutes, and a job used to take ten
  // of them (an empty job 1.5-3.6 us against 0.55 for a bare round trip). The job is published
  // as one word (generation and part count) plus the function, read by spinning workers without
  // a lock; the mutex and the condition variables are used only by threads that sleep.
  bool run(int parts, const std::function<void(int)>& fn) {
    std::unique_lock<std::mutex> job_lock(job_mutex_, std::try_to_lock);
    if (!job_lock.owns_lock()) return false;
    // set_num_threads raced with this job, or more parts than a ticket holds: run it inline
    if (parts > size() || parts > kMaxParts) return false;
    const uint64_t gen = generation(ticket_.load(std::memory_order_relaxed)) + 1;
    job_.store(&fn, std::memory_order_relaxed);
    done_parts_.store(0, std::memory_order_relaxed);
    failed_.store(false, std::memory_order_relaxed);
    // Publishes the stores above (a worker that reads this ticket sees them) and, sequentially
    // consistent, orders the sleepers_ load after it: a worker about to sleep either sees the
    // new ticket or is counted, and then the notify below reaches it.
    ticket_.store(gen << kPartBits | static_cast<uint64_t>(parts));
    if (sleepers_.load() > 0) {
      { std::lock_guard<std::mutex> lock(mutex_); }
      wake_.notify_all();
    }
    // Part 0 first, then any part no worker has claimed yet.
    t_in_parallel = true;
    for (int part = 0; part < parts; ++part)
      if (claim(part, gen)) run_part(part, parts, fn);
    t_in_parallel = false;
    wait_for_parts(parts);
    if (failed_.load(std::memory_order_acquire)) {
      std::exception_ptr error;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        std::swap(error, error_);
      }
      std::rethrow_exception(error);
    }
    return true;
  }

 private:
  static constexpr int kPartBits = 16;
  static constexpr int kMaxParts = (1 << kPartBits) - 1;
  static uint64_t generation(uint64_t ticket) { return ticket >> kPartBits; }
  static int part_count(uint64_t ticket) {
    return static_cast<int>(ticket & static_cast<uint64_t>(kMaxParts));
  }

  // The caller, once no part is left to claim: spins until every part is done, then sleeps.
  void wait_for_parts(int parts) {
    auto finished = [&] { return done_parts_.load() == parts; };
    if (spin_until(finished, kSpinMicros)) return;
    std::unique_lock<std::mutex> lock(mutex_);
    caller_sleeping_.store(true);  // then `finished` reads done_parts_: see run_part
    done_.wait(lock, finished);
    caller_sleeping_.store(false, std::memory_order_relaxed);
  }

  // Whether this thread won part `part` of job `gen`. A part's claim holds the generation of
  // the last job that took it; one from a later job means `gen` is over.
  bool claim(int part, uint64_t gen) {
    std::atomic<uint64_t>& slot = part_claims_[part].gen;
    uint64_t last = slot.load(std::memory_order_acquire);
    while (last < gen) {
      if (slot.compare_exchange_weak(last, gen, std::memory_order_acq_rel)) return true;
    }
    return false;
  }

  void run_part(int part, int parts, const std::function<void(int)>& fn) {
    try {
      fn(part);
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!error_) error_ = std::current_exception();  // rethrown by the caller
      failed_.store(true, std::memory_order_release);
    }
    // Sequentially consistent with the caller's caller_sleeping_ store and done_parts_ load:
    // either the caller sees the last part done, or this thread sees it asleep and wakes it.
    if (done_parts_.fetch_add(1) + 1 == parts && caller_sleeping_.load()) {
      std::lock_guard<std::mutex> lock(mutex_);
      done_.notify_one();
    }
  }

  // A worker: spins on the ticket, then sleeps; runs its own part of each job, then any other
  // worker's part still unclaimed. Part 0 is the caller's, which claims it first thing.
  void worker_loop(int self, uint64_t seen) {
    t_in_parallel = true;
    for (;;) {
      // Spin first: the next job usually comes within microseconds.
      const bool woke = spin_until(
          [&] {
            return stopping_flag_.load(std::memory_order_relaxed) ||
                   generation(ticket_.load(std::memory_order_acquire)) != seen;
          },
          kSpinMicros);
      if (!woke) {
        std::unique_lock<std::mutex> lock(mutex_);
        sleepers_.fetch_add(1);  // before the ticket is read again: see run()
        wake_.wait(lock, [&] { return stopping_ || generation(ticket_.load()) != seen; });
        sleepers_.fetch_sub(1, std::memory_order_relaxed);
      }
      if (stopping_flag_.load()) return;
      // The ticket and then the function: a part of job `seen` that this thread wins is not
      // done, so the caller is still in run() for it and job_ still holds its function.
      const uint64_t ticket = ticket_.load(std::memory_order_acquire);
      seen = generation(ticket);
      const int parts = part_count(ticket);
      const std::function<void(int)>* job = job_.load(std::memory_order_relaxed);
      sync_fp_mode();
      if (self < parts && claim(self, seen)) run_part(self, parts, *job);
      for (int part = 1; part < parts; ++part)
        if (part != self && claim(part, seen)) run_part(part, parts, *job);
    }
  }

  void stop_workers() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
      stopping_flag_ = true;
    }
    wake_.notify_all();
    for (auto& w : workers_) w.join();
    workers_.clear();
  }

  std::mutex job_mutex_;  // one job at a time
  std::mutex mutex_;      // for sleeping threads and error_
  std::condition_variable wake_, done_;
  std::vector<std::thread> workers_;
  std::exception_ptr error_;
  bool stopping_ = false;
  std::atomic<bool> stopping_flag_{false};  // stopping_, readable while spinning
  // The job: written by the caller, read by every worker once per job (one line).
  alignas(64) std::atomic<uint64_t> ticket_{0};  // generation << kPartBits | part count
  std::atomic<const std::function<void(int)>*> job_{nullptr};
  // Written by the workers as parts finish, spun on by the caller (a line of its own).
  alignas(64) std::atomic<int> done_parts_{0};
  std::atomic<bool> failed_{false};  // some part threw: error_ holds the first exception
  // Who sleeps, so that waking costs a lock and a futex call only when someone does.
  alignas(64) std::atomic<int> sleepers_{0};
  std::atomic<bool> caller_sleeping_{false};
  // Per part: the generation of the last job whose part it was claimed (size() entries), each
  // on its own cache line, so that claiming one part does not take another's line away.
  struct alignas(64) PartClaim {
    std::atomic<uint64_t> gen{0};
  };
  std::unique_ptr<PartClaim[]> part_claims_;
};

std::atomic<int> g_num_threads{0};  // 0: not set yet, use the machine's cores

// Never destroyed: joining threads during static destruction is fragile.
std::atomic<ThreadPool*> g_pool{nullptr};
std::mutex g_pool_mutex;  // guards the creation of g_pool

// In a child of fork() only the forking thread exists: the pool's workers are gone and its
// mutexes may be held by them. The child forgets that pool (leaked: destroying std::thread
// objects of threads that are not there would terminate) and makes a new one on first use.
void forget_pool_in_child() {
  g_pool.store(nullptr, std::memory_order_relaxed);
  new (&g_pool_mutex) std::mutex();  // may have been held by another thread at the fork
}

ThreadPool& pool() {
  if (ThreadPool* p = g_pool.load(std::memory_order_acquire)) return *p;
  std::lock_guard<std::mutex> lock(g_pool_mutex);
  ThreadPool* p = g_pool.load(std::memory_order_relaxed);
  if (p == nullptr) {
    static const bool registered = (::pthread_atfork(nullptr, nullptr, forget_pool_in_child), true);
    (void)registered;
    p = new ThreadPool(get_num_threads());
    g_pool.store(p, std::memory_order_release);
  }
  return *p;
}

}  // namespace

int num_threads() { return get_num_threads(); }

void sync_fp_mode() {
  if (t_fp_generation != g_fp_generation.load(std::memory_order_relaxed)) apply_fp_mode();
}
bool in_parallel_region() { return t_in_parallel; }

void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  grain = std::max<int64_t>(grain, 1);
  const int64_t chunks = (n + grain - 1) / grain;
  const int threads = static_cast<int>(std::min<int64_t>(num_threads(), chunks));
  sync_fp_mode();
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
  // OpenBLAS stays single-threaded: nabla splits large products over its own pool (its
  // threads would otherwise spin against ours).
  openblas_set_num_threads(1);
}

bool set_flush_denormal(bool on) {
  detail::g_flush_denormal.store(on, std::memory_order_relaxed);
  detail::g_fp_generation.fetch_add(1, std::memory_order_release);
  detail::apply_fp_mode();
  return detail::kHasFlushMode;  // x86-64 (FTZ and DAZ) and aarch64 (FZ) have one
}

int get_num_threads() {
  const int n = detail::g_num_threads.load();
  return n > 0 ? n : detail::default_threads();
}

}  // namespace nabla
