// The thread pool behind every parallel kernel (src/core/parallel.cpp): each part runs exactly
// once, errors reach the caller, and part t goes to thread t whenever that thread is awake, so
// that consecutive ops split alike find their slices in the same core's cache.
#include <gtest/gtest.h>
#include <nabla/nabla.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

#include "../src/core/parallel.h"

namespace {

// Restores the thread count a test changed.
class ThreadCount {
 public:
  explicit ThreadCount(int n) : saved_(nabla::get_num_threads()) { nabla::set_num_threads(n); }
  ~ThreadCount() { nabla::set_num_threads(saved_); }
  ThreadCount(const ThreadCount&) = delete;
  ThreadCount& operator=(const ThreadCount&) = delete;

 private:
  int saved_;
};

TEST(ThreadPool, EveryPartRunsOnceForAnyPartCount) {
  ThreadCount threads(4);
  for (int64_t chunks = 1; chunks <= 9; ++chunks) {
    for (int rep = 0; rep < 200; ++rep) {
      std::vector<std::atomic<int>> runs(static_cast<size_t>(chunks));
      nabla::detail::parallel_for(chunks, 1, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) runs[static_cast<size_t>(i)].fetch_add(1);
      });
      for (int64_t i = 0; i < chunks; ++i)
        ASSERT_EQ(runs[static_cast<size_t>(i)].load(), 1) << "chunk " << i << " of " << chunks;
    }
  }
}

TEST(ThreadPool, ErrorsReachTheCallerAndThePoolStaysUsable) {
  ThreadCount threads(2);
  for (int rep = 0; rep < 50; ++rep) {
    EXPECT_THROW(nabla::detail::parallel_for(2, 1,
                                             [](int64_t b, int64_t) {
                                               if (b == 1) throw std::runtime_error("part 1");
                                             }),
                 std::runtime_error);
  }
  std::atomic<int64_t> sum{0};
  nabla::detail::parallel_for(1000, 10, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) sum += i;
  });
  EXPECT_EQ(sum.load(), 999 * 1000 / 2);
}

// The caller claims part 0 before any other part, and an awake worker claims its own part
// before the caller's: a worker could only end up with part 0 by finishing part 1 (200 us here)
// before the caller, which published the job, got to claim part 0. When any free part went to
// whichever thread came first, the worker took part 0 in about one job in five.
TEST(ThreadPool, PartZeroRunsOnTheCaller) {
  ThreadCount threads(2);
  const std::thread::id caller = std::this_thread::get_id();
  int part0_on_caller = 0, part1_elsewhere = 0;
  const int jobs = 200;
  for (int job = 0; job < jobs; ++job) {
    std::thread::id ran[2];
    nabla::detail::parallel_for(2, 1, [&](int64_t b, int64_t) {
      ran[b] = std::this_thread::get_id();
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    });
    part0_on_caller += ran[0] == caller;
    part1_elsewhere += ran[1] != caller;
  }
  EXPECT_GE(part0_on_caller, jobs - 5);
  // The worker sleeps between jobs only after 200 us idle, so it is usually there for part 1;
  // a loaded machine may leave it unscheduled, and then the caller runs both.
  EXPECT_GE(part1_elsewhere, jobs / 4);
}

// Both sleeping paths of the hand-off: workers asleep when a job comes (idle for more than
// the pool's 200 us spin) must be woken, and a caller whose wait outlasts its own spin sleeps
// until the last part wakes it, also when that part throws.
TEST(ThreadPool, SleepingWorkersAndASleepingCallerAreWoken) {
  ThreadCount threads(2);
  const std::thread::id caller = std::this_thread::get_id();
  int part1_elsewhere = 0;
  for (int job = 0; job < 40; ++job) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));  // the worker goes to sleep
    std::atomic<int> runs[2] = {0, 0};
    std::thread::id ran1;
    const auto start = std::chrono::steady_clock::now();
    auto body = [&](int64_t b, int64_t) {
      runs[b].fetch_add(1);
      // Long enough for the woken worker to claim part 1 before the caller could take it.
      if (b == 0) std::this_thread::sleep_for(std::chrono::microseconds(300));
      if (b == 1) {
        ran1 = std::this_thread::get_id();
        // 600 us more than part 0, longer than the caller's spin: it sleeps, and this part
        // must wake it.
        std::this_thread::sleep_for(std::chrono::microseconds(900));
        if (job % 4 == 3) throw std::runtime_error("part 1");
      }
    };
    if (job % 4 == 3) {
      EXPECT_THROW(nabla::detail::parallel_for(2, 1, body), std::runtime_error);
    } else {
      nabla::detail::parallel_for(2, 1, body);
    }
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
    ASSERT_EQ(runs[0].load(), 1);
    ASSERT_EQ(runs[1].load(), 1);
    part1_elsewhere += ran1 != caller;
  }
  // A woken worker often loses part 1 to the caller, which takes it at once when the worker
  // was asleep; both must work, so only completion is required above. Jobs issued back to back
  // find the worker awake:
  for (int job = 0; job < 40; ++job) {
    std::thread::id ran1;
    nabla::detail::parallel_for(2, 1, [&](int64_t b, int64_t) {
      if (b == 1) ran1 = std::this_thread::get_id();
      std::this_thread::sleep_for(std::chrono::microseconds(300));
    });
    part1_elsewhere += ran1 != caller;
  }
  EXPECT_GE(part1_elsewhere, 10);
}

// Elementwise maps split [0, n) evenly over the threads from 32768 elements on (parallel_map in
// src/backend/cpu/loops.h): every element is computed, for sizes around the threshold and odd
// remainders, through both of its users (map_kernel's flat loop and the dense conversions'
// run_flat), out of place and in place. Each thread count computes other values, so that an
// element left out cannot pass by holding the last run's result (the allocator hands the same
// block back).
TEST(ThreadPool, ElementwiseMapsCoverEveryElementOnAnyThreadCount) {
  for (int64_t n : {32767, 32768, 32769, 50176, 65536, 100003}) {
    for (int t : {1, 2, 3}) {
      ThreadCount threads(t);
      const auto divisor = static_cast<float>(t + 2), factor = static_cast<float>(t + 1);
      const int64_t modulus = 251 - t;
      const nabla::Tensor a = nabla::arange(n, nabla::dtype(nabla::kFloat32));
      const nabla::Tensor q = a.div(divisor);
      const nabla::Tensor bytes =
          nabla::arange(n, nabla::dtype(nabla::kInt64)).remainder(modulus).to(nabla::kUInt8);
      const nabla::Tensor widened = bytes.to(nabla::kFloat32);
      const nabla::Tensor c = a.clone();
      c.mul_(factor);
      const float* qp = q.data_ptr<float>();
      const float* wp = widened.data_ptr<float>();
      const float* cp = c.data_ptr<float>();
      for (int64_t i = 0; i < n; ++i) {
        const auto x = static_cast<float>(i);
        ASSERT_EQ(qp[i], x / divisor) << "div, n " << n << ", " << t << " threads, element " << i;
        ASSERT_EQ(wp[i], static_cast<float>(i % modulus))
            << "uint8 -> float, n " << n << ", " << t << " threads, element " << i;
        ASSERT_EQ(cp[i], x * factor) << "mul_, n " << n << ", " << t << " threads, element " << i;
      }
    }
  }
}

}  // namespace
