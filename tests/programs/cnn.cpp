// LibTorch's MNIST example (pytorch/examples cpp/mnist) with its convolutional Net: Conv2d,
// torch::max_pool2d, Dropout2d and torch::dropout, Linear, log_softmax + nll_loss, SGD with
// momentum. The data are synthetic digits made by a user's own Dataset (no download): class c
// is a bright bar whose position and direction depend on c, on a faint deterministic texture.
// Dropout draws different masks in each library, so the figures compared with LibTorch come
// from an evaluation-mode pass and one evaluation-mode step; training then runs as the example
// does, and only its coarse results are compared.
#ifdef NABLA_PROGRAM_LIBTORCH
#include <torch/torch.h>
#else
#include <nabla/torch.h>
#endif

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <vector>

const int64_t kTrainSize = 1280;
const int64_t kTestSize = 500;
const int64_t kTrainBatchSize = 64;
const int64_t kTestBatchSize = 250;
const int64_t kNumberOfEpochs = 10;

struct Net : torch::nn::Module {
  Net()
      : conv1(torch::nn::Conv2dOptions(1, 10, /*kernel_size=*/5)),
        conv2(torch::nn::Conv2dOptions(10, 20, /*kernel_size=*/5)),
        fc1(320, 50),
        fc2(50, 10) {
    register_module("conv1", conv1);
    register_module("conv2", conv2);
    register_module("conv2_drop", conv2_drop);
    register_module("fc1", fc1);
    register_module("fc2", fc2);
  }

  torch::Tensor forward(torch::Tensor x) {
    x = torch::relu(torch::max_pool2d(conv1->forward(x), 2));
    x = torch::relu(torch::max_pool2d(conv2_drop->forward(conv2->forward(x)), 2));
    x = x.view({-1, 320});
    x = torch::relu(fc1->forward(x));
    x = torch::dropout(x, /*p=*/0.5, /*train=*/is_training());
    x = fc2->forward(x);
    return torch::log_softmax(x, /*dim=*/1);
  }

  torch::nn::Conv2d conv1;
  torch::nn::Conv2d conv2;
  torch::nn::Dropout2d conv2_drop;
  torch::nn::Linear fc1;
  torch::nn::Linear fc2;
};

// Image i of class i % 10, [1, 28, 28] in [0, 1]: classes 0-4 a horizontal bar at row
// 4 + 5c, classes 5-9 a vertical one at column 4 + 5(c - 5), shifted by one pixel with i.
class SyntheticDigits : public torch::data::datasets::Dataset<SyntheticDigits> {
 public:
  SyntheticDigits(int64_t size, int64_t offset) : size_(size), offset_(offset) {}

  torch::data::Example<> get(size_t index) override {
    const int64_t i = static_cast<int64_t>(index) + offset_, c = i % 10;
    std::vector<float> pixels(28 * 28);
    for (int64_t p = 0; p < 28 * 28; ++p) pixels[p] = 0.15f * static_cast<float>((p * 7 + i) % 5);
    const int64_t at = 4 + 5 * (c % 5) + (i / 10) % 2;
    for (int64_t a = at; a < at + 3; ++a)
      for (int64_t b = 3; b < 25; ++b) pixels[c < 5 ? a * 28 + b : b * 28 + a] = 1.0f;
    auto image = torch::from_blob(pixels.data(), {1, 28, 28}, torch::kFloat).clone();
    return {image, torch::tensor(c, torch::kLong)};
  }
  torch::optional<size_t> size() const override { return static_cast<size_t>(size_); }

 private:
  int64_t size_, offset_;
};

// The same starting weights in every library: a fixed pattern instead of random numbers.
void deterministic_init(torch::nn::Module& model) {
  torch::NoGradGuard no_grad;
  int64_t k = 0;
  for (auto& p : model.parameters()) {
    auto pattern = torch::sin(torch::arange(p.numel()).to(torch::kFloat) * 0.7 + k++);
    p.copy_(pattern.reshape(p.sizes()) * (1.0 / std::sqrt(static_cast<double>(p[0].numel()))));
  }
}

template <typename DataLoader>
void train(size_t epoch, Net& model, DataLoader& data_loader, torch::optim::Optimizer& optimizer,
           double* last_loss) {
  model.train();
  double sum = 0;
  int64_t batches = 0;
  for (auto& batch : data_loader) {
    optimizer.zero_grad();
    auto output = model.forward(batch.data);
    auto loss = torch::nll_loss(output, batch.target);
    AT_ASSERT(std::isfinite(loss.template item<float>()));
    loss.backward();
    optimizer.step();
    sum += loss.template item<float>();
    ++batches;
  }
  *last_loss = sum / static_cast<double>(batches);
  std::fprintf(stderr, "Train Epoch: %zu mean loss %.4f\n", epoch, *last_loss);
}

template <typename DataLoader>
double test(Net& model, DataLoader& data_loader, size_t dataset_size, double* loss_out) {
  torch::NoGradGuard no_grad;
  model.eval();
  double test_loss = 0;
  int64_t correct = 0;
  for (const auto& batch : data_loader) {
    auto output = model.forward(batch.data);
    test_loss += torch::nll_loss(output, batch.target, /*weight=*/{}, torch::Reduction::Sum)
                     .template item<float>();
    correct += output.argmax(1).eq(batch.target).sum().template item<int64_t>();
  }
  *loss_out = test_loss / static_cast<double>(dataset_size);
  return static_cast<double>(correct) / static_cast<double>(dataset_size);
}

int main() {
  torch::manual_seed(1);
  Net model;
  deterministic_init(model);

  auto train_dataset = SyntheticDigits(kTrainSize, 0).map(torch::data::transforms::Stack<>());
  auto train_loader = torch::data::make_data_loader<torch::data::samplers::SequentialSampler>(
      std::move(train_dataset), kTrainBatchSize);
  auto test_dataset =
      SyntheticDigits(kTestSize, kTrainSize).map(torch::data::transforms::Stack<>());
  auto test_loader = torch::data::make_data_loader(
      std::move(test_dataset), torch::data::DataLoaderOptions().batch_size(kTestBatchSize));

  double loss = 0;
  const double before = test(model, *test_loader, kTestSize, &loss);
  const double initial_loss = loss;
  std::printf("initial_accuracy %.4f\ninitial_loss %.5f\n", before, loss);

  torch::optim::SGD optimizer(model.parameters(), torch::optim::SGDOptions(0.1).momentum(0.5));

  // One step without dropout, comparable number for number: gradients of every parameter.
  {
    model.eval();
    auto batch = *train_loader->begin();
    optimizer.zero_grad();
    auto step_loss = torch::nll_loss(model.forward(batch.data), batch.target);
    step_loss.backward();
    std::printf("eval_step_loss %.5f\n", step_loss.item<float>());
    for (const auto& p : model.named_parameters())
      std::printf("grad_norm %s %.5f\n", p.key().c_str(), p.value().grad().norm().item<float>());
    optimizer.step();
    test(model, *test_loader, kTestSize, &loss);
    std::printf("loss_after_eval_step %.5f\n", loss);
  }

  double accuracy = 0, train_loss = 0, first_train_loss = 0;
  for (size_t epoch = 1; epoch <= kNumberOfEpochs; ++epoch) {
    train(epoch, model, *train_loader, optimizer, &train_loss);
    if (epoch == 1) first_train_loss = train_loss;
    accuracy = test(model, *test_loader, kTestSize, &loss);
    std::fprintf(stderr, "Test set: Average loss: %.4f | Accuracy: %.3f\n", loss, accuracy);
  }
  const bool learned = std::isfinite(loss) && loss < 0.5 * initial_loss &&
                       train_loss < first_train_loss && accuracy > 0.9;
  std::printf("~learned %d\n", learned ? 1 : 0);
  if (!learned) {
    std::printf(
        "FAILED: test loss %.4f (initial %.4f), train loss %.4f (first epoch %.4f), "
        "accuracy %.3f\n",
        loss, initial_loss, train_loss, first_train_loss, accuracy);
    return 1;
  }
  return 0;
}
