// Workload 1: Fashion-MNIST MLP 784-256-128-10 (ReLU), cross-entropy, SGD lr 0.1 momentum
// 0.9, batch 64. Prints seconds per epoch (one sample per epoch), peak RSS and the final test
// accuracy. The images stay uint8 in memory and each batch is converted to float32 in [0, 1]
// inside the timed loop, identically in every framework. --only autocast runs the forward and
// the loss under autocast to bfloat16 (float32 master weights, backward outside the scope, as
// PyTorch's recipe), reported as the case "epoch, autocast bf16".
#include "common.h"

namespace {

const char* const kData = "/usr/share/datasets/fashion-mnist";

struct Split {
  fw::Tensor images;  // uint8 [N, 784]
  fw::Tensor labels;  // int64 [N]
};

Split load(const std::string& prefix, int64_t limit) {
  std::vector<uint8_t> px =
      bench::read_idx_gz(std::string(kData) + "/" + prefix + "-images-idx3-ubyte.gz", 16);
  std::vector<uint8_t> lb =
      bench::read_idx_gz(std::string(kData) + "/" + prefix + "-labels-idx1-ubyte.gz", 8);
  int64_t n = static_cast<int64_t>(lb.size());
  if (limit > 0) n = std::min(n, limit);
  fw::Tensor images = fw::empty({n, 784}, fw::dtype(fw::kUInt8));
  std::memcpy(images.data_ptr<uint8_t>(), px.data(), static_cast<size_t>(n) * 784);
  fw::Tensor labels = fw::empty({n}, fw::dtype(fw::kInt64));
  for (int64_t i = 0; i < n; ++i) labels.data_ptr<int64_t>()[i] = lb[i];
  return {images, labels};
}

// The same initial weights in all three frameworks (their generators differ): every Linear's
// weight and bias uniform in +-1/sqrt(fan_in), the bound of their default initialisation.
void init_parameters(fw::nn::Sequential& model) {
  fw::NoGradGuard no_grad;
  uint64_t state = 42;
  double bound = 1;
  for (fw::Tensor& p : model->parameters()) {
    if (p.dim() == 2) bound = 1 / std::sqrt(static_cast<double>(p.size(1)));
    float* data = p.data_ptr<float>();
    for (int64_t i = 0; i < p.numel(); ++i) data[i] = bench::uniform(state, bound);
  }
}

fw::Tensor to_input(const fw::Tensor& u8) { return u8.to(fw::kFloat32).div(255); }

struct TestScore {
  double accuracy, loss;  // fraction correct; mean cross-entropy in nats
};

// Evaluated in float32 (outside autocast) in every mode, so that the modes differ only in
// how the weights were trained.
TestScore evaluate(fw::nn::Sequential& model, const Split& test) {
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
  Split train = load("train", args.quick ? 12800 : 0);
  Split test = load("t10k", 0);
  const int64_t n = train.labels.size(0);

  fw::manual_seed(0);
  fw::nn::Sequential model(fw::nn::Linear(784, 256), fw::nn::ReLU(), fw::nn::Linear(256, 128),
                           fw::nn::ReLU(), fw::nn::Linear(128, 10));
  init_parameters(model);
  fw::optim::SGD opt(model->parameters(), fw::optim::SGDOptions(0.1).momentum(0.9));

  const bool mixed = args.only == "autocast";
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
