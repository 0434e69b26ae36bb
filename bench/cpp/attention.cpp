// scaled_dot_product_attention, forward + backward: the fused (tiled, online-softmax) kernel
// against the unfused composition, at T = 128, 512, 2048 (float32, batch 2, 4 heads, head dim
// 32, causal), and the peak memory of one forward + backward at T = 2048 (each variant in its
// own process, as the growth of the peak RSS). bench/pytorch/attention.py times PyTorch's
// composition on the same shapes.
//   nabla_bench_attention [--threads N] [--reps N] [--quick]   # timings
//   nabla_bench_attention --only fused_memory|composite_memory  # peak RSS growth, one variant
// nabla only (the composite is nabla's _scaled_dot_product_attention_math); JSON lines as
// every bench program (bench/cpp/util.h).
#include <chrono>
#include <string>
#include <vector>

#include "common.h"

using namespace nabla;  // NOLINT

namespace {

constexpr int64_t kBatch = 2, kHeads = 4, kHeadDim = 32;

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

int main(int argc, char** argv) try {
  // --only fused_memory|composite_memory: the peak RSS growth of one variant (one process
  // each); otherwise the timings.
  bench::Args args = bench::parse_args(argc, argv);
  bench::configure(args);
  manual_seed(0);
  if (args.only == "fused_memory" || args.only == "composite_memory") {
    const bool fused = args.only == "fused_memory";
    std::vector<Tensor> x = inputs(2048);
    const double before = bench::peak_rss_mb();
    const double seconds = step(fused, x[0], x[1], x[2]);
    const double growth = bench::peak_rss_mb() - before;
    bench::emit("attention", std::string("peak memory T=2048 ") + (fused ? "fused" : "composite"),
                args, {seconds}, "", 0, {{"growth_mb", std::to_string(growth)}});
    return 0;
  }
  std::vector<int64_t> lengths = {128, 512, 2048};
  for (int64_t T : lengths) {
    std::vector<Tensor> x = inputs(T);
    for (bool fused : {true, false}) {
      auto once = [&] { step(fused, x[0], x[1], x[2]); };
      once();  // warm-up
      const double seconds = bench::time_reps(1, 1, once)[0];
      const int inner = bench::calls_for(seconds, args.quick ? 0.1 : 0.5);
      bench::emit("attention",
                  std::string(fused ? "fused" : "composite") + " T=" + std::to_string(T), args,
                  bench::time_reps(args.reps, inner, once));
    }
  }
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "attention: %s\n", e.what());
  return 1;
}
