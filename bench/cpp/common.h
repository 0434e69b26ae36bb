// Shared by every C++ benchmark. Each .cpp in bench/cpp/ is compiled twice: against nabla and,
// with -DBENCH_TORCH, against LibTorch. The workload code is written once in namespace `fw`,
// which shows that the two APIs coincide for it.
//
// Every program prints one JSON line per measurement (see emit()); bench/report.py turns the
// lines of all programs into bench/RESULTS.md.
#pragma once

#ifdef BENCH_TORCH
#include <ATen/autocast_mode.h>
#include <torch/torch.h>
namespace fw = torch;
#else
#include <nabla/nabla.h>
namespace fw = nabla;
#endif

#include "util.h"

namespace bench {

// Each framework's own switch (nabla's is on by default and reaches its pool threads).
inline void set_flush_denormal(bool on) {
#ifdef BENCH_TORCH
  at::globalContext().setFlushDenormal(on);
#else
  nabla::set_flush_denormal(on);
#endif
}

// Autocast to bfloat16 on the CPU (torch.autocast("cpu", dtype=torch.bfloat16)) while in scope,
// with each framework's own switches; `on` false does nothing.
class AutocastBF16 {
 public:
  explicit AutocastBF16(bool on) : on_(on) {
    if (!on_) return;
#ifdef BENCH_TORCH
    at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
    at::autocast::set_cpu_enabled(true);
#else
    nabla::autocast::set_autocast_cpu_dtype(nabla::kBFloat16);
    nabla::autocast::set_cpu_enabled(true);
#endif
  }
  ~AutocastBF16() {
    if (!on_) return;
#ifdef BENCH_TORCH
    at::autocast::set_cpu_enabled(false);
    at::autocast::clear_cache();
#else
    nabla::autocast::set_cpu_enabled(false);
    nabla::autocast::clear_cache();
#endif
  }
  AutocastBF16(const AutocastBF16&) = delete;
  AutocastBF16& operator=(const AutocastBF16&) = delete;

 private:
  bool on_;
};

// Fashion-MNIST from Debian's dataset-fashion-mnist: the first `limit` examples (all when
// limit <= 0) of a split ("train" or "t10k"), images as uint8 of shape [N, image_dims...] and
// labels as int64 [N].
struct Split {
  fw::Tensor images, labels;
};
inline Split load_fashion_mnist(const std::string& prefix, int64_t limit,
                                const std::vector<int64_t>& image_dims) {
  const std::string dir = "/usr/share/datasets/fashion-mnist/";
  std::vector<uint8_t> px = read_idx_gz(dir + prefix + "-images-idx3-ubyte.gz", 16);
  std::vector<uint8_t> lb = read_idx_gz(dir + prefix + "-labels-idx1-ubyte.gz", 8);
  int64_t n = static_cast<int64_t>(lb.size());
  if (limit > 0) n = std::min(n, limit);
  std::vector<int64_t> shape{n};
  shape.insert(shape.end(), image_dims.begin(), image_dims.end());
  fw::Tensor images = fw::empty(shape, fw::dtype(fw::kUInt8));
  std::memcpy(images.data_ptr<uint8_t>(), px.data(), static_cast<size_t>(n) * 784);
  fw::Tensor labels = fw::empty({n}, fw::dtype(fw::kInt64));
  for (int64_t i = 0; i < n; ++i) labels.data_ptr<int64_t>()[i] = lb[static_cast<size_t>(i)];
  return {images, labels};
}

// The same initial weights in all three frameworks (bench/pytorch/common.py draws the same
// numbers): uniform in +-1/sqrt(fan_in), a bias with its weight's bound, from one splitmix64
// stream seeded 42.
inline void init_parameters(fw::nn::Sequential& model) {
  fw::NoGradGuard no_grad;
  uint64_t state = 42;
  double bound = 1;
  for (fw::Tensor& p : model->parameters()) {
    if (p.dim() >= 2) bound = 1 / std::sqrt(static_cast<double>(p.numel() / p.size(0)));
    float* data = p.data_ptr<float>();
    for (int64_t i = 0; i < p.numel(); ++i) data[i] = uniform(state, bound);
  }
}

// Flush-to-zero first, so that the framework's worker threads (created by set_num_threads)
// inherit it.
inline void configure(const Args& a) {
  set_flush_denormal(a.ftz);
  fw::set_num_threads(a.threads);
}

}  // namespace bench
