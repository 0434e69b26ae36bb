// Workload 1: Fashion-MNIST MLP 784-256-128-10 (ReLU), cross-entropy, SGD lr 0.1 momentum
// 0.9, batch 64. Prints seconds per epoch (one sample per epoch), peak RSS and the final test
// accuracy. The images stay uint8 in memory and each batch is converted to float32 in [0, 1]
// inside the timed loop, identically in every framework. --only autocast runs the forward and
// the loss under autocast to bfloat16 (float32 master weights, backward outside the scope, as
// PyTorch's recipe), reported as the case "epoch, autocast bf16".
#include "common.h"

namespace {

fw::Tensor to_input(const fw::Tensor& u8) { return u8.to(fw::kFloat32).div(255); }

struct TestScore {
  double accuracy, loss;  // fraction correct; mean cross-entropy in nats
};

// Evaluated in float32 (outside autocast) in every mode, so that the modes differ only in
// how the weights were trained.
TestScore evaluate(fw::nn::Sequential& model, const bench::Split& test) {
  fw::NoGradGuard no_grad;
  fw::Tensor logits = model->forward(to_input(test.images));
  fw::Tensor correct = logits.argmax(1).eq(test.labels).sum();
  const double loss = fw::nn::functional::cross_entropy(logits, test.labels).item<double>();
  return {correct.item<double>() / static_cast<double>(test.labels.size(0)), loss};
}

}  // namespace

int main(int argc, char** argv) try {
  bench::Args args = bench::parse_args(argc, argv);
  bench::configure(args);
  const int epochs = args.epochs > 0 ? args.epochs : (args.quick ? 1 : 3);
  const int64_t batch = 64;
  bench::Split train = bench::load_fashion_mnist("train", args.quick ? 12800 : 0, {784});
  bench::Split test = bench::load_fashion_mnist("t10k", 0, {784});
  const int64_t n = train.labels.size(0);

  fw::manual_seed(0);
  fw::nn::Sequential model(fw::nn::Linear(784, 256), fw::nn::ReLU(), fw::nn::Linear(256, 128),
                           fw::nn::ReLU(), fw::nn::Linear(128, 10));
  bench::init_parameters(model);
  fw::optim::SGD opt(model->parameters(), fw::optim::SGDOptions(0.1).momentum(0.9));

  const bool mixed = args.only == "autocast";
  std::vector<double> seconds;
  for (int epoch = 0; epoch < epochs; ++epoch) {
    std::vector<int64_t> order = bench::permutation(n, 1000 + 100 * args.order + epoch);
    fw::Tensor perm = fw::empty({n}, fw::dtype(fw::kInt64));
    std::memcpy(perm.data_ptr<int64_t>(), order.data(), order.size() * sizeof(int64_t));
    const double t0 = bench::now();
    for (int64_t start = 0; start < n; start += batch) {
      fw::Tensor idx = perm.narrow(0, start, std::min(batch, n - start));
      fw::Tensor x = to_input(train.images.index_select(0, idx));
      fw::Tensor y = train.labels.index_select(0, idx);
      opt.zero_grad();
      fw::Tensor loss;
      {
        bench::AutocastBF16 autocast(mixed);
        loss = fw::nn::functional::cross_entropy(model->forward(x), y);
      }
      loss.backward();
      opt.step();
    }
    seconds.push_back(bench::now() - t0);
  }
  const TestScore score = evaluate(model, test);
  char acc_s[32], loss_s[32], rss_s[32];
  std::snprintf(acc_s, sizeof acc_s, "%.4f", score.accuracy);
  std::snprintf(loss_s, sizeof loss_s, "%.5f", score.loss);
  std::snprintf(rss_s, sizeof rss_s, "%.1f", bench::peak_rss_mb());
  bench::emit("mlp", mixed ? "epoch, autocast bf16" : "epoch", args, seconds, "examples",
              static_cast<double>(n),
              {{"accuracy", acc_s},
               {"test_loss", loss_s},
               {"rss_mb", rss_s},
               {"epochs", std::to_string(epochs)}});
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "mlp: %s\n", e.what());
  return 1;
}
