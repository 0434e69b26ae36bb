// Workloads 6-7, selected with --only conv|cnn (both by default):
//   conv: conv2d forward + backward (input, weight and bias gradients) on ResNet-like shapes;
//         FLOPs per call = 3 x the forward's 2 * N * Cout * Hout * Wout * Cin * Kh * Kw.
//   cnn:  training epochs of the Fashion-MNIST CNN of examples/fashion_mnist.cpp
//         (Conv 1->32 3x3, ReLU, MaxPool 2, Conv 32->64 3x3, ReLU, MaxPool 2, Linear 1600->128,
//         ReLU, Linear 128->10; no dropout, so the frameworks' generators do not matter), Adam
//         1e-3, batch 64; seconds per epoch (3 epochs, their median reported; 1 with --quick)
//         and the final test accuracy.
#include "common.h"
#include "conv_shapes.h"

namespace {

template <class Fn>
std::vector<double> measure(const bench::Args& a, double target, Fn&& fn) {
  fn();
  const double once = bench::time_reps(1, 1, fn)[0];
  return bench::time_reps(a.reps, bench::calls_for(once, target), fn);
}

void conv(const bench::Args& a) {
  const double target = a.quick ? 0.1 : 0.4;
  for (const bench::ConvShape& s : bench::kConvShapes) {
    fw::manual_seed(0);
    fw::Tensor x = fw::randn({s.n, s.cin, s.hw, s.hw}).requires_grad_(true);
    fw::Tensor w = fw::randn({s.cout, s.cin / s.groups, s.k, s.k}).mul_(0.1).requires_grad_(true);
    fw::Tensor b = fw::zeros({s.cout}).requires_grad_(true);
    fw::Tensor g = fw::randn({s.n, s.cout, s.out(), s.out()});
    auto step = [&] {
      x.mutable_grad() = fw::Tensor();
      w.mutable_grad() = fw::Tensor();
      b.mutable_grad() = fw::Tensor();
      fw::conv2d(x, w, b, s.stride, s.pad, 1, s.groups).backward(g);
    };
    bench::emit("conv", s.name, a, measure(a, target, step), "flops", s.flops());
  }
}

fw::Tensor to_input(const fw::Tensor& u8) { return u8.to(fw::kFloat32).div(255); }

void cnn(const bench::Args& a) {
  // Three epochs by default: the median of three is what the report compares, so that one
  // epoch caught by a busy minute of the machine does not decide the ratio on either side.
  const int epochs = a.epochs > 0 ? a.epochs : (a.quick ? 1 : 3);
  const int64_t batch = 64;
  bench::Split train = bench::load_fashion_mnist("train", a.quick ? 6400 : 0, {1, 28, 28});
  bench::Split test = bench::load_fashion_mnist("t10k", 0, {1, 28, 28});
  const int64_t n = train.labels.size(0);
  fw::manual_seed(0);
  fw::nn::Sequential model(fw::nn::Conv2d(fw::nn::Conv2dOptions(1, 32, 3)), fw::nn::ReLU(),
                           fw::nn::MaxPool2d(fw::nn::MaxPool2dOptions(2)),
                           fw::nn::Conv2d(fw::nn::Conv2dOptions(32, 64, 3)), fw::nn::ReLU(),
                           fw::nn::MaxPool2d(fw::nn::MaxPool2dOptions(2)), fw::nn::Flatten(),
                           fw::nn::Linear(1600, 128), fw::nn::ReLU(), fw::nn::Linear(128, 10));
  bench::init_parameters(model);
  fw::optim::Adam opt(model->parameters(), fw::optim::AdamOptions(1e-3));
  std::vector<double> seconds;
  for (int epoch = 0; epoch < epochs; ++epoch) {
    std::vector<int64_t> order = bench::permutation(n, 1000 + epoch);
    fw::Tensor perm = fw::empty({n}, fw::dtype(fw::kInt64));
    std::memcpy(perm.data_ptr<int64_t>(), order.data(), order.size() * sizeof(int64_t));
    const double t0 = bench::now();
    for (int64_t start = 0; start < n; start += batch) {
      fw::Tensor idx = perm.narrow(0, start, std::min(batch, n - start));
      fw::Tensor x = to_input(train.images.index_select(0, idx));
      fw::Tensor y = train.labels.index_select(0, idx);
      opt.zero_grad();
      fw::Tensor loss = fw::nn::functional::cross_entropy(model->forward(x), y);
      loss.backward();
      opt.step();
    }
    seconds.push_back(bench::now() - t0);
  }
  fw::NoGradGuard no_grad;
  model->eval();
  int64_t correct = 0;
  for (int64_t s = 0; s < test.labels.size(0); s += 1000) {
    const int64_t m = std::min<int64_t>(1000, test.labels.size(0) - s);
    fw::Tensor logits = model->forward(to_input(test.images.narrow(0, s, m)));
    correct += logits.argmax(1).eq(test.labels.narrow(0, s, m)).sum().item<int64_t>();
  }
  char acc_s[32], rss_s[32];
  std::snprintf(acc_s, sizeof acc_s, "%.4f",
                static_cast<double>(correct) / static_cast<double>(test.labels.size(0)));
  std::snprintf(rss_s, sizeof rss_s, "%.1f", bench::peak_rss_mb());
  bench::emit("cnn", "epoch", a, seconds, "examples", static_cast<double>(n),
              {{"accuracy", acc_s}, {"rss_mb", rss_s}, {"epochs", std::to_string(epochs)}});
}

}  // namespace

int main(int argc, char** argv) try {
  bench::Args args = bench::parse_args(argc, argv);
  bench::configure(args);
  if (args.only.empty() || args.only == "conv") conv(args);
  if (args.only.empty() || args.only == "cnn") cnn(args);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "conv: %s\n", e.what());
  return 1;
}
