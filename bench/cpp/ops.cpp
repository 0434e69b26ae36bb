// Workloads 3-5, selected with --only matmul|elementwise|overhead (all three by default):
//   matmul:      float32 mm, square 64..2048 and the MLP's layer shapes; FLOPs per call. Then
//                (workload "matmul16") bfloat16 against float32 at the MLP's, the LSTM's and
//                the GPT's product shapes (x W^T as their layers compute it).
//   elementwise: a + b, a * b + c, relu, sum(dim), softmax over 2^24 floats, allocating and
//                in place; exp, sigmoid, tanh, log, erf and the exact gelu over 2^20; bytes
//                moved per call (the minimum: each input read once, output written once).
//   overhead:    a 1-element a + b without grad; forward and backward of (a * b + a).sum() on
//                1-element tensors.
#include "common.h"

namespace {

// Runs `fn` once to warm up, then sizes each repetition to about `target` seconds.
template <class Fn>
std::vector<double> measure(const bench::Args& a, double target, Fn&& fn) {
  fn();
  const double once = bench::time_reps(1, 1, fn)[0];
  return bench::time_reps(a.reps, bench::calls_for(once, target), fn);
}

void matmul(const bench::Args& a) {
  const double target = a.quick ? 0.05 : 0.2;
  std::vector<int64_t> sizes = {64, 256, 1024, 2048};
  if (a.quick) sizes.pop_back();  // about a second a call on this class of machine
  for (int64_t n : sizes) {
    fw::Tensor x = fw::randn({n, n}), y = fw::randn({n, n});
    fw::NoGradGuard no_grad;
    std::map<std::string, std::string> extra;
#ifndef BENCH_TORCH
    extra["gemm_kernel"] = std::string("\"") + nabla::cpu_matmul_kernel() + "\"";
#endif
    bench::emit("matmul", std::to_string(n), a, measure(a, target, [&] { (void)fw::mm(x, y); }),
                "flops", 2.0 * n * n * n, extra);
  }
  // The MLP's first layer: forward x W^T, the input gradient g W, the weight gradient g^T x.
  fw::Tensor x = fw::randn({64, 784}), w = fw::randn({256, 784}), g = fw::randn({64, 256});
  const double flops = 2.0 * 64 * 784 * 256;
  fw::NoGradGuard no_grad;
  bench::emit("matmul", "64x784 @ (256x784)^T", a,
              measure(a, target, [&] { (void)fw::mm(x, w.t()); }), "flops", flops);
  bench::emit("matmul", "64x256 @ 256x784", a, measure(a, target, [&] { (void)fw::mm(g, w); }),
              "flops", flops);
  bench::emit("matmul", "(64x256)^T @ 64x784", a,
              measure(a, target, [&] { (void)fw::mm(g.t(), x); }), "flops", flops);
}

// bfloat16 against float32 on the models' shapes: rows x in @ (out x in)^T.
void matmul16(const bench::Args& a) {
  const double target = a.quick ? 0.05 : 0.2;
  struct Shape {
    const char* model;
    int64_t rows, in, out;
  };
  const Shape shapes[] = {{"MLP layer 1", 64, 784, 256},    {"MLP layer 2", 64, 256, 128},
                          {"LSTM h W_hh^T", 32, 256, 1024}, {"LSTM x W_ih^T", 2048, 64, 1024},
                          {"GPT qkv", 2048, 128, 384},      {"GPT mlp", 2048, 128, 512}};
  fw::NoGradGuard no_grad;
  for (const Shape& s : shapes) {
    const double flops = 2.0 * s.rows * s.in * s.out;
    const std::string name = std::string(s.model) + " " + std::to_string(s.rows) + "x" +
                             std::to_string(s.in) + " @ (" + std::to_string(s.out) + "x" +
                             std::to_string(s.in) + ")^T";
    for (auto dtype : {fw::kFloat32, fw::kBFloat16}) {
      fw::Tensor x = fw::randn({s.rows, s.in}).to(dtype), w = fw::randn({s.out, s.in}).to(dtype);
      const char* dt = dtype == fw::kFloat32 ? "float32" : "bfloat16";
      bench::emit("matmul16", name + " " + dt, a,
                  measure(a, target, [&] { (void)fw::mm(x, w.t()); }), "flops", flops);
    }
  }
}

void elementwise(const bench::Args& a) {
  const int64_t n = int64_t{1} << 24;
  const double f = sizeof(float) * static_cast<double>(n);
  const double target = a.quick ? 0.1 : 0.3;
  fw::NoGradGuard no_grad;
  fw::Tensor x = fw::randn({n}), y = fw::randn({n}), z = fw::randn({n});
  fw::Tensor w = fw::randn({n});  // overwritten by the in-place ops
  // Multiplying by ones keeps w away from denormals however often the loop runs.
  fw::Tensor one = fw::ones({n});
  auto run = [&](const char* name, double bytes, auto&& fn) {
    bench::emit("elementwise", name, a, measure(a, target, fn), "bytes", bytes);
  };
  run("a + b", 3 * f, [&] { (void)(x + y); });
  run("a.add_(b)", 3 * f, [&] { w.add_(y); });
  run("a * b + c", 4 * f, [&] { (void)(x * y + z); });
  run("a.mul_(b).add_(c)", 4 * f, [&] { w.mul_(one).add_(z); });
  run("relu(a)", 2 * f, [&] { (void)x.relu(); });
  run("a.relu_()", 2 * f, [&] { w.relu_(); });
  fw::Tensor m = x.view({4096, 4096});
  run("sum(a, 1) [4096x4096]", f, [&] { (void)m.sum(1); });
  run("sum(a, 0) [4096x4096]", f, [&] { (void)m.sum(0); });
  run("softmax(a, 1) [4096x4096]", 2 * f, [&] { (void)m.softmax(1); });
  // Transcendental functions, compute-bound, over 2^20 floats: a 4 MB result stays in glibc's
  // heap between calls, where PyTorch's 64 MB ones are mmap'ed afresh each call, so that the
  // page faults (slow on some VMs) would hide the kernels' speed.
  const int64_t n20 = int64_t{1} << 20;
  const double f20 = sizeof(float) * static_cast<double>(n20);
  fw::Tensor s = x.narrow(0, 0, n20), positive = s.abs() + 0.1;
  run("exp(a) [2^20]", 2 * f20, [&] { (void)s.exp(); });
  run("sigmoid(a) [2^20]", 2 * f20, [&] { (void)s.sigmoid(); });
  run("tanh(a) [2^20]", 2 * f20, [&] { (void)s.tanh(); });
  run("log(a) [2^20, a > 0]", 2 * f20, [&] { (void)positive.log(); });
  run("erf(a) [2^20]", 2 * f20, [&] { (void)fw::erf(s); });
  run("gelu(a) exact [2^20]", 2 * f20, [&] { (void)fw::gelu(s); });
}

void overhead(const bench::Args& a) {
  const double target = a.quick ? 0.05 : 0.2;
  fw::Tensor x = fw::ones({1}), y = fw::ones({1});
  bench::emit("overhead", "a + b (1 element, no grad)", a,
              measure(a, target, [&] { (void)(x + y); }));
  fw::Tensor p = fw::ones({1}, fw::requires_grad()), q = fw::ones({1}, fw::requires_grad());
  bench::emit("overhead", "(a * b + a).sum() fwd+bwd", a,
              measure(a, target, [&] { (p * q + p).sum().backward(); }));
}

}  // namespace

int main(int argc, char** argv) try {
  bench::Args args = bench::parse_args(argc, argv);
  bench::configure(args);
  fw::manual_seed(0);
  if (args.only.empty() || args.only == "matmul") matmul(args);
  if (args.only.empty() || args.only == "matmul16") matmul16(args);
  if (args.only.empty() || args.only == "elementwise") elementwise(args);
  if (args.only.empty() || args.only == "overhead") overhead(args);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "ops: %s\n", e.what());
  return 1;
}
