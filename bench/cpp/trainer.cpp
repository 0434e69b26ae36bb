// Workload 13, the main job, as one C++ program for nabla and LibTorch: the README's trainer
// (examples/fashion_mnist.cpp: MLP 784-256-128-10, Adam 1e-3, batch 64, the 10k test images
// evaluated after every epoch) written the way a LibTorch user writes it: a Dataset of the
// images and labels whose get() returns one example, .map(Stack<>()), make_data_loader with a
// RandomSampler for training and a SequentialSampler for the test set, model.train() and
// model.eval(), NoGradGuard in the evaluation. The seconds of an epoch include the evaluation.
// The first epoch is a warm-up: the others are the samples.
#include "common.h"

namespace {

#ifdef BENCH_TORCH
using OptionalSize = c10::optional<size_t>;
#else
using OptionalSize = std::optional<size_t>;
#endif

// Images [N, 1, 28, 28] as floats in [0, 1], labels int64 [N].
class FashionMNIST : public fw::data::datasets::Dataset<FashionMNIST> {
 public:
  FashionMNIST(const std::string& prefix, int64_t limit) {
    bench::Split split = bench::load_fashion_mnist(prefix, limit, {1, 28, 28});
    images_ = split.images.to(fw::kFloat32).div_(255);  // in place: 188 MB as floats
    labels_ = split.labels;
  }

  fw::data::Example<> get(size_t index) override {
    const auto i = static_cast<int64_t>(index);
    return {images_[i], labels_[i]};
  }
  OptionalSize size() const override { return static_cast<size_t>(labels_.size(0)); }

 private:
  fw::Tensor images_, labels_;
};

}  // namespace

int main(int argc, char** argv) try {
  bench::Args args = bench::parse_args(argc, argv);
  bench::configure(args);
  const int epochs = args.epochs > 0 ? args.epochs : (args.quick ? 2 : 3);
  const int64_t batch = 64;
  fw::manual_seed(0);

  auto train_set =
      FashionMNIST("train", args.quick ? 12800 : 0).map(fw::data::transforms::Stack<>());
  const auto train_size = static_cast<double>(train_set.size().value());
  auto test_set = FashionMNIST("t10k", 0).map(fw::data::transforms::Stack<>());
  const auto test_size = static_cast<double>(test_set.size().value());
  auto train_loader = fw::data::make_data_loader<fw::data::samplers::RandomSampler>(
      std::move(train_set), fw::data::DataLoaderOptions().batch_size(batch));
  auto test_loader = fw::data::make_data_loader<fw::data::samplers::SequentialSampler>(
      std::move(test_set), fw::data::DataLoaderOptions().batch_size(batch));

  fw::nn::Sequential model(fw::nn::Flatten(), fw::nn::Linear(784, 256), fw::nn::ReLU(),
                           fw::nn::Linear(256, 128), fw::nn::ReLU(), fw::nn::Linear(128, 10));
  bench::init_parameters(model);
  fw::optim::Adam opt(model->parameters(), fw::optim::AdamOptions(1e-3));

  std::vector<double> seconds;
  double accuracy = 0, test_loss = 0;
  for (int epoch = 0; epoch < epochs; ++epoch) {
    const double t0 = bench::now();
    model->train();
    for (auto& b : *train_loader) {
      opt.zero_grad();
      fw::Tensor loss = fw::nn::functional::cross_entropy(model->forward(b.data), b.target);
      loss.backward();
      opt.step();
    }
    fw::NoGradGuard no_grad;
    model->eval();
    int64_t correct = 0;
    double loss_sum = 0;
    for (auto& b : *test_loader) {
      fw::Tensor logits = model->forward(b.data);
      loss_sum +=
          fw::nn::functional::cross_entropy(
              logits, b.target, fw::nn::functional::CrossEntropyFuncOptions().reduction(fw::kSum))
              .item<double>();
      correct += logits.argmax(1).eq(b.target).sum().item<int64_t>();
    }
    accuracy = static_cast<double>(correct) / test_size;
    test_loss = loss_sum / test_size;
    const double elapsed = bench::now() - t0;
    std::fprintf(stderr, "trainer: epoch %d test acc %.2f%% loss %.4f time %.3fs\n", epoch + 1,
                 100 * accuracy, test_loss, elapsed);
    if (epoch > 0 || epochs == 1) seconds.push_back(elapsed);
  }
  char acc_s[32], loss_s[32];
  std::snprintf(acc_s, sizeof acc_s, "%.4f", accuracy);
  std::snprintf(loss_s, sizeof loss_s, "%.5f", test_loss);
  bench::emit("trainer", "epoch, one C++ program (bench/cpp/trainer.cpp)", args, seconds,
              "examples", train_size,
              {{"accuracy", acc_s}, {"test_loss", loss_s}, {"epochs", std::to_string(epochs)}});
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "trainer: %s\n", e.what());
  return 1;
}
