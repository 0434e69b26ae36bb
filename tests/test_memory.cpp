// Memory: nabla::tensor(std::vector) costs the data plus one copy; the CPU caching allocator is
// bounded, gives memory back (empty_cache) and keeps a training loop's RSS flat.
#include <gtest/gtest.h>
#include <nabla/nabla.h>
#include <sys/wait.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <functional>
#include <mutex>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

using namespace nabla;  // NOLINT

namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kAddressSanitizer = true;  // its shadow memory and quarantine move the RSS
#else
constexpr bool kAddressSanitizer = false;
#endif

constexpr int64_t kMiB = int64_t{1} << 20;

// A field of /proc/self/status ("VmRSS", "VmHWM") in bytes; -1 when it cannot be read.
int64_t status_bytes(const std::string& field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(field + ":", 0) == 0) return std::stoll(line.substr(field.size() + 1)) * 1024;
  return -1;
}

// Runs `body` in a forked child whose peak RSS starts at its current RSS (clear_refs 5) and
// returns how far above that the peak went while `body` ran; -1 when the kernel cannot reset
// the peak. The parent's own history cannot leak into the figure.
int64_t child_peak_growth(const std::function<void()>& body) {
  int fds[2];
  if (pipe(fds) != 0) return -1;
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    int64_t growth = -1;
    if (FILE* f = std::fopen("/proc/self/clear_refs", "w")) {
      const bool reset = std::fputs("5", f) >= 0;
      if (std::fclose(f) == 0 && reset) {
        const int64_t before = status_bytes("VmRSS");
        body();
        const int64_t peak = status_bytes("VmHWM");
        if (before >= 0 && peak >= 0) growth = peak - before;
      }
    }
    const ssize_t written = write(fds[1], &growth, sizeof growth);
    _exit(written == sizeof growth ? 0 : 1);
  }
  close(fds[1]);
  int64_t growth = -1;
  const ssize_t got = read(fds[0], &growth, sizeof growth);
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return got == sizeof growth && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? growth : -1;
}

// 8M int64 values: 64 MiB of data. Before, tensor(vector) peaked at 8.6x the data.
constexpr int64_t kValues = int64_t{1} << 23;
constexpr int64_t kDataBytes = kValues * 8;
// Allowed above data + one copy: the allocator, page tables, and ASan's shadow (1/8 of both).
constexpr int64_t kSlack = 32 * kMiB;

TEST(TensorFromVector, PeakIsTheDataPlusOneCopy) {
  if (kAddressSanitizer) GTEST_SKIP() << "RSS under AddressSanitizer is not the program's";
  const int64_t growth = child_peak_growth([] {
    std::vector<int64_t> values(kValues);
    std::iota(values.begin(), values.end(), int64_t{0});
    Tensor t = nabla::tensor(values);
    if (t.scalar_type() != kLong || t[kValues - 1].item<int64_t>() != kValues - 1) _exit(2);
  });
  if (growth < 0) GTEST_SKIP() << "this kernel cannot reset the peak RSS (/proc/self/clear_refs)";
  EXPECT_LE(growth, 2 * kDataBytes + kSlack)
      << "peak " << growth / kMiB << " MiB for " << kDataBytes / kMiB << " MiB of data";
  std::printf("tensor(vector<int64_t>) of %lld MiB: peak %lld MiB above the start\n",
              static_cast<long long>(kDataBytes / kMiB), static_cast<long long>(growth / kMiB));
}

TEST(TensorFromVector, NestedVectorsAndConversionAlsoCopyOnce) {
  if (kAddressSanitizer) GTEST_SKIP() << "RSS under AddressSanitizer is not the program's";
  // Two rows of 4M int64 (64 MiB of data), given as a braced list of vectors.
  const int64_t growth = child_peak_growth([] {
    std::vector<int64_t> a(kValues / 2, 1), b(kValues / 2, 2);
    Tensor t = nabla::tensor({a, b});
    if (t.size(0) != 2 || t[1][0].item<int64_t>() != 2) _exit(2);
  });
  if (growth < 0) GTEST_SKIP() << "this kernel cannot reset the peak RSS (/proc/self/clear_refs)";
  EXPECT_LE(growth, 2 * kDataBytes + kSlack) << "peak " << growth / kMiB << " MiB";
  // 8M doubles (64 MiB) into float32: the data plus half of it.
  const int64_t converted = child_peak_growth([] {
    std::vector<double> values(kValues, 0.5);
    Tensor t = nabla::tensor(values);
    if (t.scalar_type() != kFloat || t[0].item<float>() != 0.5f) _exit(2);
  });
  EXPECT_LE(converted, kDataBytes + kDataBytes / 2 + kSlack) << "peak " << converted / kMiB;
}

TEST(TensorFromVector, ValuesDtypesAndShapes) {
  EXPECT_TRUE(nabla::tensor(std::vector<int>{1, -2, 3}).equal(nabla::tensor({1, -2, 3})));
  EXPECT_EQ(nabla::tensor(std::vector<int>{1, 2}).scalar_type(), kLong);
  EXPECT_EQ(nabla::tensor(std::vector<uint8_t>{200}).item<int64_t>(), 200);
  EXPECT_EQ(nabla::tensor(std::vector<double>{0.25}).scalar_type(), kFloat);
  EXPECT_EQ(nabla::tensor(std::vector<bool>{true, false, true}).scalar_type(), kBool);
  EXPECT_TRUE(nabla::tensor(std::vector<bool>{true, false}).equal(nabla::tensor({true, false})));
  EXPECT_EQ(nabla::tensor(std::vector<float>{}).sizes(), (std::vector<int64_t>{0}));
  // Mixed: an int vector and a float vector promote to float32; dtype= converts.
  Tensor m = nabla::tensor({std::vector<int64_t>{1, 2}, std::vector<float>{0.5f, 1.5f}});
  EXPECT_EQ(m.scalar_type(), kFloat);
  EXPECT_EQ(m.sizes(), (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(m[1][1].item<float>(), 1.5f);
  Tensor d = nabla::tensor(std::vector<float>{1.5f, -2.5f}, dtype(kFloat64));
  EXPECT_EQ(d.scalar_type(), kFloat64);
  EXPECT_EQ(d[1].item<double>(), -2.5);
  EXPECT_EQ(nabla::tensor(std::vector<float>{2.75f}, dtype(kInt32)).item<int64_t>(), 2);
  EXPECT_THROW(nabla::tensor({std::vector<int>{1, 2}, std::vector<int>{3}}), Error);
  EXPECT_THROW(nabla::tensor({std::vector<int>{1}, 2}), Error);
}

// ---- The caching allocator ---------------------------------------------------------------

// Restores the cache limit a test changed.
struct CacheLimitGuard {
  size_t saved = cache_limit();
  ~CacheLimitGuard() { set_cache_limit(saved); }
};

TEST(CachingAllocator, ReusesFreedBlocksAndEmptiesOnRequest) {
  CacheLimitGuard guard;
  set_cache_limit(size_t{1} << 30);
  empty_cache();
  ASSERT_EQ(cached_bytes(), 0u);
  { Tensor t = empty({1 << 18}); }  // 1 MiB, freed into the cache
  EXPECT_EQ(cached_bytes(), size_t{1} << 20);
  Tensor again = empty({1 << 18});  // the same block, taken back
  EXPECT_EQ(cached_bytes(), 0u);
  again = Tensor();
  empty_cache();
  EXPECT_EQ(cached_bytes(), 0u);
}

TEST(CachingAllocator, EmptyCacheReturnsMemoryToTheSystem) {
  if (kAddressSanitizer) GTEST_SKIP() << "RSS under AddressSanitizer is not the program's";
  CacheLimitGuard guard;
  set_cache_limit(size_t{1} << 30);
  empty_cache();
  // 16 blocks of 8 MiB (128 MiB), touched, then freed into the cache.
  std::vector<Tensor> blocks;
  for (int i = 0; i < 16; ++i) blocks.push_back(ones({2 * kMiB}));
  blocks.clear();
  EXPECT_GE(cached_bytes(), size_t{128} << 20);
  const int64_t held = status_bytes("VmRSS");
  empty_cache();
  const int64_t after = status_bytes("VmRSS");
  EXPECT_EQ(cached_bytes(), 0u);
  EXPECT_GE(held - after, 96 * kMiB) << "RSS " << held / kMiB << " -> " << after / kMiB << " MiB";
}

TEST(CachingAllocator, LimitBoundsTheCacheAndLargeBlocksAreNotKept) {
  CacheLimitGuard guard;
  empty_cache();
  set_cache_limit(8 * kMiB);
  {
    std::vector<Tensor> blocks;
    for (int i = 0; i < 8; ++i) blocks.push_back(empty({kMiB / 4}));  // 1 MiB each
    Tensor big = empty({kMiB});  // 4 MiB: more than a quarter of the limit
  }
  // Six 1 MiB blocks fill the limit; the big one was not kept.
  EXPECT_LE(cached_bytes(), size_t{8} << 20);
  EXPECT_GE(cached_bytes(), size_t{6} << 20);
  set_cache_limit(2 * kMiB);  // lowering the limit frees the excess now
  EXPECT_LE(cached_bytes(), size_t{2} << 20);
  set_cache_limit(0);  // no caching at all
  EXPECT_EQ(cached_bytes(), 0u);
  { Tensor t = empty({kMiB}); }
  EXPECT_EQ(cached_bytes(), 0u);
}

// Blocks of 4 MiB and more start on a 2 MiB boundary, where the kernel can map them in huge
// pages (asked for with madvise), and a block still costs only the pages it spans: its tail,
// short of a whole huge page, stays in small pages.
TEST(CachingAllocator, LargeBlocksStartOnHugePageBoundariesAndCostWhatTheyHold) {
  if (kAddressSanitizer) GTEST_SKIP() << "under AddressSanitizer every block comes from malloc";
  CacheLimitGuard guard;
  empty_cache();
  constexpr int64_t kHugePage = 2 * kMiB;
  const Tensor large = empty({kMiB + 1});  // 4 MiB + 4 bytes
  EXPECT_EQ(reinterpret_cast<uintptr_t>(large.data_ptr()) % kHugePage, 0u);
  const Tensor small = empty({kMiB / 4});  // 1 MiB: no such alignment asked
  EXPECT_EQ(reinterpret_cast<uintptr_t>(small.data_ptr()) % 64, 0u);
  // 6 MiB + 64 KiB written: the RSS grows by that, not by the 8 MiB of whole huge pages.
  const int64_t bytes = 3 * kHugePage + 64 * 1024;
  ones({1024});  // whatever ones() sets up on first use is not counted
  const int64_t before = status_bytes("VmRSS");
  const Tensor block = ones({bytes / 4});
  const int64_t growth = status_bytes("VmRSS") - before;
  if (before < 0) GTEST_SKIP() << "no VmRSS in /proc/self/status";
  EXPECT_GE(growth, bytes - kMiB) << growth / 1024 << " KiB";
  EXPECT_LT(growth, bytes + kMiB) << growth / 1024 << " KiB";
}

// A small MLP trained for 10,000 steps: whatever it allocates per step must be reused, so the
// RSS after step 10,000 is that after step 1,000.
TEST(CachingAllocator, TrainingKeepsRssFlat) {
  if (kAddressSanitizer) GTEST_SKIP() << "ASan's quarantine grows the RSS by design";
  manual_seed(0);
  nn::Sequential model(nn::Linear(32, 64), nn::ReLU(), nn::Linear(64, 10));
  optim::Adam opt(model->parameters(), optim::AdamOptions(1e-3));
  const Tensor x = randn({16, 32});
  const Tensor y = randint(0, 10, {16});
  int64_t rss_1000 = 0;
  for (int step = 1; step <= 10000; ++step) {
    opt.zero_grad();
    Tensor loss = nn::functional::cross_entropy(model->forward(x), y);
    loss.backward();
    opt.step();
    if (step == 1000) rss_1000 = status_bytes("VmRSS");
  }
  const int64_t rss_10000 = status_bytes("VmRSS");
  ASSERT_GT(rss_1000, 0);
  EXPECT_LE(rss_10000 - rss_1000, 2 * kMiB) << "RSS " << rss_1000 / 1024 << " kB after step 1000, "
                                            << rss_10000 / 1024 << " kB after step 10000";
  std::printf("RSS after step 1000: %lld kB, after step 10000: %lld kB\n",
              static_cast<long long>(rss_1000 / 1024), static_cast<long long>(rss_10000 / 1024));
}

// A tensor's objects (TensorImpl, Storage) come from per-thread free lists. A thread that exits
// gives its lists back: 500 threads, each leaving 256 tensors' worth of blocks on its lists,
// would otherwise keep some 50 MB.
TEST(TensorObjects, ThreadsThatExitGiveTheirFreeBlocksBack) {
  if (kAddressSanitizer) GTEST_SKIP() << "ASan's quarantine grows the RSS by design";
  const auto make_and_free = [] {
    std::vector<Tensor> tensors;
    for (int i = 0; i < 256; ++i) tensors.push_back(empty({4}));
  };
  for (int warm = 0; warm < 8; ++warm) std::thread(make_and_free).join();
  const int64_t before = status_bytes("VmRSS");
  for (int t = 0; t < 500; ++t) std::thread(make_and_free).join();
  const int64_t growth = status_bytes("VmRSS") - before;
  ASSERT_GT(before, 0);
  EXPECT_LT(growth, 8 * kMiB) << growth / 1024 << " KiB";
}

// Tensors made on one thread and freed on another (a data loader's batches): the freeing
// thread's lists are capped, so what it cannot keep goes back to the heap for the making thread
// to reuse, round after round, instead of piling up (50,000 tensors a round, ~20 MB each).
TEST(TensorObjects, FreedOnAnotherThreadDoNotPileUp) {
  if (kAddressSanitizer) GTEST_SKIP() << "ASan's quarantine grows the RSS by design";
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<Tensor> handed_over;
  bool done = false;
  std::thread consumer([&] {  // one thread for the whole test: its lists persist
    std::unique_lock<std::mutex> lock(mutex);
    while (true) {
      changed.wait(lock, [&] { return !handed_over.empty() || done; });
      if (handed_over.empty()) return;
      handed_over.clear();
      changed.notify_all();
    }
  });
  const auto round = [&] {
    std::vector<Tensor> batch;
    for (int i = 0; i < 50000; ++i) batch.push_back(empty({4}));
    std::unique_lock<std::mutex> lock(mutex);
    handed_over = std::move(batch);
    changed.notify_all();
    changed.wait(lock, [&] { return handed_over.empty(); });
  };
  round();
  round();
  const int64_t before = status_bytes("VmRSS");
  for (int r = 0; r < 10; ++r) round();
  const int64_t growth = status_bytes("VmRSS") - before;
  {
    std::lock_guard<std::mutex> lock(mutex);
    done = true;
  }
  changed.notify_all();
  consumer.join();
  ASSERT_GT(before, 0);
  EXPECT_LT(growth, 8 * kMiB) << growth / 1024 << " KiB";
}

}  // namespace
