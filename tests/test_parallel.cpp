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

}  // namespace
