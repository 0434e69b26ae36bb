// Memory-bound layers of a CNN, float32 NCHW, in GB/s of their minimum traffic:
//   --only batchnorm: BatchNorm2d in training mode, forward + backward (input, weight and bias
//     gradients): forward reads x and writes y, backward reads x and dy and writes dx (5 x the
//     tensor's bytes; per-channel vectors ignored); and eval forward (2 x).
//   --only maxpool: max_pool2d 2x2 stride 2 (the CNN's), forward + backward: reads x, writes
//     y (x / 4), reads dy (x / 4) and writes dx (2.5 x the input's bytes; the saved indices
//     are not counted); and forward without grad (1.25 x).
// Both run by default.
#include "common.h"

namespace {

template <class Fn>
std::vector<double> measure(const bench::Args& a, double target, Fn&& fn) {
  fn();
  const double once = bench::time_reps(1, 1, fn)[0];
  return bench::time_reps(a.reps, bench::calls_for(once, target), fn);
}

void batchnorm(const bench::Args& a) {
  const double target = a.quick ? 0.1 : 0.3;
  struct Shape {
    int64_t n, c, h, w;
  };
  std::vector<Shape> shapes = {
      {32, 64, 56, 56}, {32, 128, 28, 28}, {64, 32, 28, 28}, {8, 64, 112, 112}};
  if (a.quick) shapes.resize(2);
  for (const Shape& s : shapes) {
    fw::nn::BatchNorm2d bn(s.c);
    fw::Tensor x = fw::randn({s.n, s.c, s.h, s.w}).requires_grad_(true);
    fw::Tensor dy = fw::randn({s.n, s.c, s.h, s.w});
    const double bytes = 5.0 * sizeof(float) * static_cast<double>(x.numel());
    const std::string name = std::to_string(s.n) + "x" + std::to_string(s.c) + "x" +
                             std::to_string(s.h) + "x" + std::to_string(s.w);
    bench::emit("batchnorm", "fwd+bwd " + name, a,
                measure(a, target,
                        [&] {
                          fw::Tensor y = bn(x);
                          y.backward(dy);
                        }),
                "bytes", bytes);
    fw::NoGradGuard no_grad;
    bn->eval();
    bench::emit("batchnorm", "eval fwd " + name, a, measure(a, target, [&] { (void)bn(x); }),
                "bytes", 2.0 * sizeof(float) * static_cast<double>(x.numel()));
  }
}

void maxpool(const bench::Args& a) {
  const double target = a.quick ? 0.1 : 0.3;
  std::vector<std::vector<int64_t>> shapes = {
      {64, 32, 26, 26}, {32, 64, 56, 56}, {8, 64, 112, 112}};
  if (a.quick) shapes.resize(2);
  for (const auto& shape : shapes) {
    fw::Tensor x = fw::randn(shape).requires_grad_(true);
    fw::Tensor dy = fw::randn({shape[0], shape[1], shape[2] / 2, shape[3] / 2});
    const double bytes = sizeof(float) * static_cast<double>(x.numel());
    const std::string name = std::to_string(shape[0]) + "x" + std::to_string(shape[1]) + "x" +
                             std::to_string(shape[2]) + "x" + std::to_string(shape[3]);
    bench::emit("maxpool", "fwd+bwd " + name, a,
                measure(a, target, [&] { fw::max_pool2d(x, 2).backward(dy); }), "bytes",
                2.5 * bytes);
    fw::NoGradGuard no_grad;
    bench::emit("maxpool", "fwd " + name, a,
                measure(a, target, [&] { (void)fw::max_pool2d(x, 2); }), "bytes", 1.25 * bytes);
  }
}

}  // namespace

int main(int argc, char** argv) try {
  bench::Args args = bench::parse_args(argc, argv);
  bench::configure(args);
  fw::manual_seed(0);
  if (args.only.empty() || args.only == "batchnorm") batchnorm(args);
  if (args.only.empty() || args.only == "maxpool") maxpool(args);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "norm: %s\n", e.what());
  return 1;
}
