// LibTorch's MNIST example (pytorch/examples cpp/mnist) in its own shape: a Net module with
// register_module, torch::dropout / torch::log_softmax / torch::nll_loss, the data pipeline
// MNIST(root).map(Normalize<>).map(Stack<>) fed to make_data_loader, templated train/test
// loops, SGD with momentum. Its convolutions are replaced by linear layers. Without an
// argument it writes a synthetic MNIST in IDX files (a class-dependent blob per image)
// and trains on it; with a directory of MNIST or Fashion-MNIST files it uses those.
#ifdef NABLA_PROGRAM_LIBTORCH
#include <torch/torch.h>
#else
#include <nabla/torch.h>
#endif

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <string>
#include <vector>

// Where to find the MNIST dataset (the synthetic one by default).
std::string kDataRoot = "synthetic_mnist";
const int64_t kTrainBatchSize = 64;
const int64_t kTestBatchSize = 1000;
const int64_t kNumberOfEpochs = 1;
const int64_t kLogInterval = 100;

struct Net : torch::nn::Module {
  Net() : fc1(784, 128), fc2(128, 64), fc3(64, 10) {
    register_module("fc1", fc1);
    register_module("fc2", fc2);
    register_module("fc3", fc3);
  }

  torch::Tensor forward(torch::Tensor x) {
    x = x.view({-1, 784});
    x = torch::relu(fc1->forward(x));
    x = torch::dropout(x, /*p=*/0.2, /*train=*/is_training());
    x = torch::relu(fc2->forward(x));
    x = fc3->forward(x);
    return torch::log_softmax(x, /*dim=*/1);
  }

  torch::nn::Linear fc1;
  torch::nn::Linear fc2;
  torch::nn::Linear fc3;
};

// The same starting weights in every library: a fixed pattern instead of random numbers.
void deterministic_init(torch::nn::Module& model) {
  torch::NoGradGuard no_grad;
  int64_t k = 0;
  for (auto& p : model.parameters()) {
    auto pattern = torch::sin(torch::arange(p.numel()).to(torch::kFloat) * 0.7 + k++);
    p.copy_(pattern.reshape(p.sizes()) * (1.0 / std::sqrt(static_cast<double>(p.size(-1)))));
  }
}

template <typename DataLoader>
void train(size_t epoch, Net& model, torch::Device device, DataLoader& data_loader,
           torch::optim::Optimizer& optimizer, size_t dataset_size) {
  model.train();
  size_t batch_idx = 0;
  for (auto& batch : data_loader) {
    auto data = batch.data.to(device), targets = batch.target.to(device);
    optimizer.zero_grad();
    auto output = model.forward(data);
    auto loss = torch::nll_loss(output, targets);
    AT_ASSERT(!std::isnan(loss.template item<float>()));
    loss.backward();
    optimizer.step();

    if (batch_idx++ % kLogInterval == 0) {
      std::fprintf(stderr, "\rTrain Epoch: %zu [%5zu/%5zu] Loss: %.4f", epoch,
                   batch_idx * static_cast<size_t>(batch.data.size(0)), dataset_size,
                   loss.template item<float>());
    }
  }
  std::fprintf(stderr, "\n");
}

template <typename DataLoader>
double test(Net& model, torch::Device device, DataLoader& data_loader, size_t dataset_size,
            double* loss_out) {
  torch::NoGradGuard no_grad;
  model.eval();
  double test_loss = 0;
  int32_t correct = 0;
  for (const auto& batch : data_loader) {
    auto data = batch.data.to(device), targets = batch.target.to(device);
    auto output = model.forward(data);
    test_loss += torch::nll_loss(output, targets,
                                 /*weight=*/{}, torch::Reduction::Sum)
                     .template item<float>();
    auto pred = output.argmax(1);
    correct += pred.eq(targets).sum().template item<int64_t>();
  }

  test_loss /= static_cast<double>(dataset_size);
  const double accuracy = static_cast<double>(correct) / static_cast<double>(dataset_size);
  std::fprintf(stderr, "Test set: Average loss: %.4f | Accuracy: %.3f\n", test_loss, accuracy);
  *loss_out = test_loss;
  return accuracy;
}

// ---- the synthetic dataset: IDX files as MNIST's ----------------------------------------

void write_be32(std::ofstream& f, uint32_t v) {
  const unsigned char b[4] = {static_cast<unsigned char>(v >> 24),
                              static_cast<unsigned char>(v >> 16),
                              static_cast<unsigned char>(v >> 8), static_cast<unsigned char>(v)};
  f.write(reinterpret_cast<const char*>(b), 4);
}

// Image i of class c = i % 10: a bright 6x6 blob whose position depends on c, plus noise.
void write_split(const std::string& prefix, uint32_t count, uint32_t seed) {
  std::mt19937 gen(seed);
  std::ofstream images(kDataRoot + "/" + prefix + "-images-idx3-ubyte", std::ios::binary);
  std::ofstream labels(kDataRoot + "/" + prefix + "-labels-idx1-ubyte", std::ios::binary);
  write_be32(images, 2051);
  write_be32(images, count);
  write_be32(images, 28);
  write_be32(images, 28);
  write_be32(labels, 2049);
  write_be32(labels, count);
  for (uint32_t i = 0; i < count; ++i) {
    const int c = static_cast<int>(i % 10);
    const int row = 3 + (c / 5) * 12 + static_cast<int>(gen() % 4);
    const int col = 2 + (c % 5) * 5 + static_cast<int>(gen() % 2);
    std::vector<unsigned char> pixels(784);
    for (int p = 0; p < 784; ++p) pixels[p] = static_cast<unsigned char>(gen() % 60);
    for (int r = row; r < row + 6 && r < 28; ++r)
      for (int q = col; q < col + 6 && q < 28; ++q) pixels[r * 28 + q] = 200;
    images.write(reinterpret_cast<const char*>(pixels.data()), 784);
    const unsigned char label = static_cast<unsigned char>(c);
    labels.write(reinterpret_cast<const char*>(&label), 1);
  }
}

int main(int argc, char** argv) {
  if (argc > 1) {
    kDataRoot = argv[1];
  } else {
    std::filesystem::create_directories(kDataRoot);
    write_split("train", 60000, 1);  // LibTorch's reader insists on MNIST's sizes
    write_split("t10k", 10000, 2);
  }
  torch::manual_seed(1);

  torch::DeviceType device_type;
  if (torch::cuda::is_available()) {
    std::cout << "CUDA available! Training on GPU." << std::endl;
    device_type = torch::kCUDA;
  } else {
    device_type = torch::kCPU;
  }
  torch::Device device(device_type);

  Net model;
  deterministic_init(model);
  model.to(device);

  auto train_dataset = torch::data::datasets::MNIST(kDataRoot)
                           .map(torch::data::transforms::Normalize<>(0.1307, 0.3081))
                           .map(torch::data::transforms::Stack<>());
  const size_t train_dataset_size = train_dataset.size().value();
  auto train_loader = torch::data::make_data_loader<torch::data::samplers::SequentialSampler>(
      std::move(train_dataset), kTrainBatchSize);

  auto test_dataset =
      torch::data::datasets::MNIST(kDataRoot, torch::data::datasets::MNIST::Mode::kTest)
          .map(torch::data::transforms::Normalize<>(0.1307, 0.3081))
          .map(torch::data::transforms::Stack<>());
  const size_t test_dataset_size = test_dataset.size().value();
  auto test_loader = torch::data::make_data_loader(
      std::move(test_dataset),
      torch::data::DataLoaderOptions().batch_size(kTestBatchSize).workers(2));

  std::printf("train_size %zu\ntest_size %zu\n", train_dataset_size, test_dataset_size);
  double loss = 0;
  const double before = test(model, device, *test_loader, test_dataset_size, &loss);
  std::printf("initial_accuracy %.4f\ninitial_loss %.5f\n", before, loss);

  torch::optim::SGD optimizer(model.parameters(), torch::optim::SGDOptions(0.01).momentum(0.5));

  double accuracy = 0;
  for (size_t epoch = 1; epoch <= kNumberOfEpochs; ++epoch) {
    train(epoch, model, device, *train_loader, optimizer, train_dataset_size);
    accuracy = test(model, device, *test_loader, test_dataset_size, &loss);
  }
  // Dropout draws different masks in each library: only a coarse figure is compared.
  std::printf("~final_accuracy_above_0.9 %d\n", accuracy > 0.9 ? 1 : 0);
  if (argc == 1 && accuracy < 0.9) {
    std::printf("FAILED: accuracy %.3f after %ld epochs\n", accuracy,
                static_cast<long>(kNumberOfEpochs));
    return 1;
  }
  return 0;
}
