// scaled_dot_product_attention, forward + backward: the fused (tiled, online-softmax) kernel
// against the unfused composition, at T = 128, 512, 2048 (float32, batch 2, 4 heads, head dim
// 32, causal), and the peak memory of one forward + backward at T = 2048 (each variant in its
// own process, as the growth of the peak RSS). bench/pytorch/attention.py times PyTorch's
// composition on the same shapes.
//   nabla_bench_attention [--threads N] [--reps N]     # timings
//   nabla_bench_attention --memory fused|composite     # peak RSS growth, one variant
#include <nabla/nabla.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

using namespace nabla;  // NOLINT

namespace {

constexpr int64_t kBatch = 2, kHeads = 4, kHeadDim = 32;

double peak_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;
}

// One forward + backward; returns seconds.
double step(bool fused, const Tensor& q, const Tensor& k, const Tensor& v) {
  const auto t0 = std::chrono::steady_clock::now();
  Tensor out = fused ? scaled_dot_product_attention(q, k, v, {}, 0.0, true)
                     : std::get<0>(_scaled_dot_product_attention_math(q, k, v, {}, 0.0, true));
  out.sum().backward();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::vector<Tensor> inputs(int64_t T) {
  std::vector<Tensor> x;
  for (int i = 0; i < 3; ++i)
    x.push_back(randn({kBatch, kHeads, T, kHeadDim}).requires_grad_(true));
  return x;
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 2, reps = 5;
  std::string memory;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--threads")) threads = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--reps")) reps = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--memory")) memory = argv[i + 1];
  }
  set_num_threads(threads);
  manual_seed(0);
  if (!memory.empty()) {
    std::vector<Tensor> x = inputs(2048);
    const double before = peak_rss_mb();
    step(memory == "fused", x[0], x[1], x[2]);
    std::printf("{\"bench\":\"sdpa_peak_memory\",\"variant\":\"%s\",\"T\":2048,\"mb\":%.1f}\n",
                memory.c_str(), peak_rss_mb() - before);
    return 0;
  }
  for (int64_t T : {128, 512, 2048}) {
    std::vector<Tensor> x = inputs(T);
    for (bool fused : {true, false}) {
      std::vector<double> s;
      step(fused, x[0], x[1], x[2]);  // warm-up
      for (int r = 0; r < reps; ++r) s.push_back(step(fused, x[0], x[1], x[2]));
      std::sort(s.begin(), s.end());
      std::printf("{\"bench\":\"sdpa_fwd_bwd\",\"variant\":\"%s\",\"T\":%lld,\"ms\":%.3f}\n",
                  fused ? "fused" : "composite", static_cast<long long>(T), 1000 * s[s.size() / 2]);
      std::fflush(stdout);
    }
  }
  return 0;
}
