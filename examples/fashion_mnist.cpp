// Trains a classifier on Fashion-MNIST (Debian's dataset-fashion-mnist package by default).
//   nabla_example_fashion_mnist                      # MLP 784-256-128-10, Adam 1e-3, 5 epochs
//   nabla_example_fashion_mnist --model cnn          # 4 convs with BatchNorm, 2 max-pools, 2
//   Linear nabla_example_fashion_mnist --model cnn --augment --schedule cosine   # flips and shifts
//   nabla_example_fashion_mnist --epochs 1 --checkpoint run.ckpt    # stop after epoch 1,
//   nabla_example_fashion_mnist --epochs 3 --checkpoint run.ckpt --resume  # then go on
//   nabla_example_fashion_mnist --evaluate --checkpoint run.ckpt
//   mpirun -np 2 nabla_example_fashion_mnist --distributed --threads 1   # data-parallel
#include <nabla/checkpoint.h>
#include <nabla/distributed.h>
#include <nabla/nabla.h>
#include <nabla/train.h>
#include <CLI/CLI.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>

namespace nn = nabla::nn;
namespace F = nabla::nn::functional;

struct Config {
  std::string model = "mlp", optimizer = "adam", schedule = "constant",
              data_dir = "/usr/share/datasets/fashion-mnist";
  std::string checkpoint = "fashion_mnist.ckpt", curves = "fashion_mnist", autocast = "none";
  int epochs = 5, threads = 0, workers = 1;
  int64_t batch_size = 64, limit_train = 0, limit_test = 0;
  double lr = 1e-3, momentum = 0.9;
  uint64_t seed = 0;
  bool resume = false, evaluate = false, distributed = false, batch_norm = true, augment = false;
};

// --distributed: one process per rank under mpirun. Each rank trains on its shard of every
// epoch (batch-size examples per rank and step) with DistributedDataParallel; rank 0 alone
// prints, shows the progress bar and writes the checkpoint and curves. A rank that fails
// aborts the whole job (MPI_Abort), so that the others do not wait for it.
std::shared_ptr<nabla::distributed::ProcessGroupMPI> g_group;
int rank_of() { return g_group ? g_group->getRank() : 0; }
int world_of() { return g_group ? g_group->getSize() : 1; }

// Sums `values` over the ranks (loss sums, counts, correct predictions).
std::vector<double> sum_over_ranks(std::vector<double> values) {
  if (!g_group) return values;
  std::vector<nabla::Tensor> t{nabla::tensor(values, nabla::dtype(nabla::kFloat64))};
  g_group->allreduce(t)->wait();
  for (size_t i = 0; i < values.size(); ++i)
    values[i] = t[0][static_cast<int64_t>(i)].item<double>();
  return values;
}

// A 3x3 convolution, then BatchNorm2d when asked (the convolution's bias is then dropped:
// BatchNorm's shift replaces it), then ReLU.
void add_conv(nn::Sequential& seq, int64_t in, int64_t out, int64_t padding, bool batch_norm) {
  seq->push_back(nn::Conv2d(nn::Conv2dOptions(in, out, 3).padding(padding).bias(!batch_norm)));
  if (batch_norm) seq->push_back(nn::BatchNorm2d(out));
  seq->push_back(nn::ReLU());
}

nn::Sequential make_model(const std::string& name, bool batch_norm) {
  if (name == "mlp")
    return nn::Sequential(nn::Flatten(), nn::Linear(784, 256), nn::ReLU(), nn::Linear(256, 128),
                          nn::ReLU(), nn::Linear(128, 10));
  nn::Sequential seq;
  int64_t features = 0;
  if (name == "cnn") {
    // Two blocks of two 3x3 convolutions (padding 1) and a 2x2 max-pooling:
    // [N, 1, 28, 28] -> 32 x 28 x 28 (x2) -> 32 x 14 x 14 -> 64 x 14 x 14 (x2) -> 64 x 7 x 7.
    for (auto [in, out] : {std::pair<int64_t, int64_t>{1, 32}, {32, 64}}) {
      add_conv(seq, in, out, 1, batch_norm);
      add_conv(seq, out, out, 1, batch_norm);
      seq->push_back(nn::MaxPool2d(2));
    }
    features = 64 * 7 * 7;
  } else if (name == "cnn_small" || name == "cnn_same") {
    // One 3x3 convolution per block. cnn_small: [N, 1, 28, 28] -> 32 x 13 x 13 -> 64 x 5 x 5;
    // cnn_same pads by 1: 32 x 14 x 14 -> 64 x 7 x 7.
    const int64_t padding = name == "cnn_same" ? 1 : 0;
    add_conv(seq, 1, 32, padding, batch_norm);
    seq->push_back(nn::MaxPool2d(2));
    add_conv(seq, 32, 64, padding, batch_norm);
    seq->push_back(nn::MaxPool2d(2));
    features = padding ? 64 * 7 * 7 : 64 * 5 * 5;
  } else {
    throw nabla::Error("unknown model '" + name + "' (available: mlp, cnn, cnn_small, cnn_same)");
  }
  seq->push_back(nn::Flatten());
  seq->push_back(nn::Dropout(0.25));
  seq->push_back(nn::Linear(features, 128));
  seq->push_back(nn::ReLU());
  seq->push_back(nn::Linear(128, 10));
  return seq;
}

std::unique_ptr<nabla::optim::Optimizer> make_optimizer(const Config& c,
                                                        std::vector<nabla::Tensor> params) {
  using namespace nabla::optim;
  if (c.optimizer == "adam") return std::make_unique<Adam>(params, AdamOptions(c.lr));
  if (c.optimizer == "adamw") return std::make_unique<AdamW>(params, AdamWOptions(c.lr));
  if (c.optimizer == "sgd")
    return std::make_unique<SGD>(params, SGDOptions(c.lr).momentum(c.momentum));
  if (c.optimizer == "rmsprop") return std::make_unique<RMSprop>(params, RMSpropOptions(c.lr));
  throw nabla::Error("unknown optimizer '" + c.optimizer + "' (adam, adamw, sgd, rmsprop)");
}

// --schedule cosine: the rate of step t of T falls from lr to 0 along half a cosine wave,
// computed from the step alone so that a resumed run continues the same curve.
double cosine_lr(double lr, int64_t t, int64_t total) {
  return 0.5 * lr * (1 + std::cos(M_PI * static_cast<double>(t) / static_cast<double>(total)));
}

void set_lr(nabla::optim::Optimizer& opt, double lr) {
  for (auto& group : opt.param_groups()) group.options().set_lr(lr);
}

// The first `limit` examples of a dataset (all when limit is 0).
nabla::data::TensorDataset take(const nabla::data::datasets::FashionMNIST& d, int64_t limit) {
  const int64_t n = limit > 0 ? std::min<int64_t>(limit, d.size()) : d.size();
  return nabla::data::TensorDataset(d.images().narrow(0, 0, n), d.targets().narrow(0, 0, n));
}

// Mean loss and accuracy of `model` over `loader`, without recording the graph.
std::pair<double, double> evaluate(nn::Sequential& model, nabla::data::DataLoader& loader) {
  nabla::NoGradGuard no_grad;
  model->eval();
  double loss_sum = 0;
  int64_t correct = 0, seen = 0;
  for (auto& batch : loader) {
    nabla::Tensor logits = model->forward(batch.data);
    loss_sum += F::cross_entropy(logits, batch.target).item<double>() * batch.target.size(0);
    correct += nabla::train::count_correct(logits, batch.target);
    seen += batch.target.size(0);
  }
  auto total = sum_over_ranks({loss_sum, double(correct), double(seen)});
  return {total[2] ? total[0] / total[2] : 0.0, total[2] ? total[1] / total[2] : 0.0};
}

// This rank's contiguous block of the test set (all of it without --distributed).
nabla::data::TensorDataset test_shard(const nabla::data::TensorDataset& d) {
  const int64_t n = d.data().size(0), from = n * rank_of() / world_of(),
                to = n * (rank_of() + 1) / world_of();
  return nabla::data::TensorDataset(d.data().narrow(0, from, to - from),
                                    d.target().narrow(0, from, to - from));
}

// The architecture a checkpoint holds: the model's name, "+batch_norm" when it has BatchNorm
// layers (the convolutional models, unless --batch-norm false).
std::string model_id(const Config& c) {
  return c.model + (c.batch_norm && c.model != "mlp" ? "+batch_norm" : "");
}

void save_checkpoint(const std::string& path, nn::Sequential& model,
                     const nabla::optim::Optimizer& opt, int epoch, const Config& c) {
  nabla::NamedTensors all;
  for (auto& [k, v] : nn::state_dict(*model)) all.emplace_back("model." + k, v);
  for (auto& [k, v] : opt.state_dict()) all.emplace_back("optimizer." + k, v);
  nabla::save(
      all, path,
      {{"epoch", std::to_string(epoch)}, {"model", model_id(c)}, {"optimizer", c.optimizer}});
}

// Restores model and optimizer; returns the number of epochs the checkpoint had completed.
int load_checkpoint(const std::string& path, nn::Sequential& model, nabla::optim::Optimizer* opt,
                    const Config& c) {
  if (std::filesystem::is_directory(path))
    throw nabla::Error("checkpoint '" + path + "' is a directory, not a checkpoint file");
  std::map<std::string, std::string> meta;
  nabla::NamedTensors all = nabla::load_safetensors(path, &meta);
  if (meta["model"] != model_id(c))
    throw nabla::Error("checkpoint '" + path + "' is of model '" + meta["model"] + "', not '" +
                       model_id(c) + "'");
  nabla::NamedTensors model_state, opt_state;
  for (auto& [k, v] : all) {
    if (k.rfind("model.", 0) == 0) model_state.emplace_back(k.substr(6), v);
    if (k.rfind("optimizer.", 0) == 0) opt_state.emplace_back(k.substr(10), v);
  }
  nn::load_state_dict(*model, model_state);
  if (opt) {
    if (meta["optimizer"] != c.optimizer)
      throw nabla::Error("checkpoint '" + path + "' was trained with '" + meta["optimizer"] +
                         "', not '" + c.optimizer + "'");
    opt->load_state_dict(opt_state);
  }
  return std::stoi(meta.count("epoch") ? meta["epoch"] : "0");
}

// Fails now, not after an epoch, when the checkpoint cannot be written: a directory, or a
// folder that does not exist or is not writable (probed with a file removed at once).
void check_writable(const std::string& path) {
  namespace fs = std::filesystem;
  if (fs::is_directory(path))
    throw nabla::Error("--checkpoint '" + path + "' is a directory; give a file name");
  const fs::path probe = fs::path(path).string() + ".write-test";
  if (!std::ofstream(probe).good())
    throw nabla::Error("cannot write the checkpoint '" + path + "': its folder '" +
                       fs::absolute(path).parent_path().string() +
                       "' does not exist or is not writable");
  fs::remove(probe);
}

int run(const Config& c) {
  if (c.threads > 0) nabla::set_num_threads(c.threads);
  if (c.distributed) g_group = nabla::distributed::ProcessGroupMPI::createProcessGroupMPI();
  const bool rank0 = rank_of() == 0;
  nabla::manual_seed(c.seed);
  using nabla::data::datasets::FashionMNIST;
  FashionMNIST train_full(c.data_dir, true), test_full(c.data_dir, false);
  auto options = nabla::data::DataLoaderOptions(c.batch_size).num_workers(c.workers);
  nabla::data::DataLoader train_loader(
      take(train_full, c.limit_train),
      nabla::data::DataLoaderOptions(options).shuffle(true).seed(c.seed));
  nabla::data::DataLoader test_loader(test_shard(take(test_full, c.limit_test)), options);
  // With --distributed, epoch e's order is the one the DataLoader would use (permutation with
  // seed + e), cut into one shard per rank.
  auto train_set = std::make_shared<nabla::data::TensorDataset>(take(train_full, c.limit_train));
  nabla::data::samplers::DistributedRandomSampler sampler(train_set->size(), world_of(), rank_of(),
                                                          /*allow_duplicates=*/false);

  nn::Sequential model = make_model(c.model, c.batch_norm);
  auto opt = make_optimizer(c, model->parameters());
  if (c.evaluate) {
    load_checkpoint(c.checkpoint, model, nullptr, c);
    auto [loss, acc] = evaluate(model, test_loader);
    if (rank0) std::printf("test loss %.4f  test accuracy %.2f%%\n", loss, 100 * acc);
    return 0;
  }
  if (rank0) check_writable(c.checkpoint);
  if (rank0) std::cout << nabla::train::summary(*model, nabla::zeros({1, 1, 28, 28}));
  int start = 0;
  nabla::train::Curves curves;
  if (c.resume) {
    start = load_checkpoint(c.checkpoint, model, opt.get(), c);
    try {
      curves.read_csv(c.curves + ".csv");
    } catch (const nabla::Error&) {  // no curves yet: start them here
    }
    if (rank0) std::printf("resumed from %s after epoch %d\n", c.checkpoint.c_str(), start);
    if (start >= c.epochs)
      throw nabla::Error("checkpoint '" + c.checkpoint + "' has already trained " +
                         std::to_string(start) + " epochs and --epochs is " +
                         std::to_string(c.epochs) +
                         ": nothing left to train (raise --epochs to go on)");
  }
  // Built after any resume: every rank starts from rank 0's parameters either way.
  std::optional<nn::parallel::DistributedDataParallel<nn::Sequential>> ddp;
  if (g_group) {
    ddp.emplace(model, g_group);
    if (rank0)
      std::printf("distributed: %d processes, %lld examples per process and step\n", world_of(),
                  static_cast<long long>(c.batch_size));
  }
  // --augment: every training image is mirrored with probability 1/2 and shifted by up to 2
  // pixels (a 28x28 window of the image padded by 2), drawn from generators seeded from --seed,
  // rank and epoch, so that a resumed run sees the images an uninterrupted one would.
  using nabla::data::transforms::RandomCrop;
  using nabla::data::transforms::RandomHorizontalFlip;
  // Loss scaling for --autocast f16 (a resumed run starts again from the initial scale).
  nabla::GradScaler scaler(65536.0, 2.0, 0.5, 2000, /*enabled=*/c.autocast == "f16");
  for (int epoch = start; epoch < c.epochs; ++epoch) {
    const uint64_t augment_seed =
        c.seed * 1000003 + static_cast<uint64_t>(epoch) * 1009 + static_cast<uint64_t>(rank_of());
    RandomHorizontalFlip<> flip(0.5, augment_seed);
    RandomCrop<> crop(28, 2, augment_seed + 1);
    auto t0 = std::chrono::steady_clock::now();
    model->train();
    train_loader.set_epoch(epoch);
    sampler.set_epoch(c.seed + static_cast<size_t>(epoch));
    sampler.reset();
    nabla::data::DataLoader shard_loader(nabla::data::Subset(train_set, sampler.indices()),
                                         options);
    nabla::data::DataLoader& loader = g_group ? shard_loader : train_loader;
    nabla::train::RunningMean loss;
    int64_t correct = 0;
    std::optional<nabla::train::ProgressBar> bar;
    if (rank0)
      bar.emplace(static_cast<int64_t>(loader.size()),
                  "epoch " + std::to_string(epoch + 1) + "/" + std::to_string(c.epochs));
    const int64_t steps_per_epoch = static_cast<int64_t>(loader.size());
    int64_t step = epoch * steps_per_epoch;
    for (auto& batch : loader) {
      if (c.schedule == "cosine") set_lr(*opt, cosine_lr(c.lr, step++, c.epochs * steps_per_epoch));
      if (c.augment) batch.data = crop(flip(batch.data));
      opt->zero_grad();
      nabla::Tensor logits, batch_loss;
      {
        // --autocast: the products in 16 bits, the loss in float32 (nabla/autocast.h).
        nabla::autocast guard(nabla::kCPU, c.autocast == "f16" ? nabla::kHalf : nabla::kBFloat16,
                              c.autocast != "none");
        logits = ddp ? (*ddp)(batch.data) : model->forward(batch.data);
        batch_loss = F::cross_entropy(logits, batch.target);
      }
      if (!std::isfinite(batch_loss.item<double>()))
        throw nabla::Error("the loss is " + std::to_string(batch_loss.item<double>()) +
                           " in epoch " + std::to_string(epoch + 1) +
                           ": training diverged (try a lower --lr or --momentum); the "
                           "checkpoint of the last finished epoch is kept");
      // float16 flushes small gradients to zero: the scaler multiplies the loss before backward
      // and divides the gradients before the step (disabled, it changes nothing).
      scaler.scale(batch_loss).backward();
      scaler.step(*opt);
      scaler.update();
      loss.add(batch_loss.item<double>(), batch.target.size(0));
      correct += nabla::train::count_correct(logits, batch.target);
      if (bar) bar->update(1, {{"loss", loss.mean()}});
    }
    if (bar) bar->finish();
    // Loss and accuracy over every rank's examples.
    auto sums = sum_over_ranks({loss.mean() * loss.count(), double(correct), double(loss.count())});
    const double train_loss = sums[0] / sums[2], train_acc = sums[1] / sums[2];
    auto [test_loss, test_acc] = evaluate(model, test_loader);
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!rank0) continue;  // rank 0 alone reports and writes files
    std::printf(
        "epoch %d  train loss %.6f  train acc %.2f%%  test loss %.4f  test acc %.2f%%  "
        "time %.2fs\n",
        epoch + 1, train_loss, 100 * train_acc, test_loss, 100 * test_acc, secs);
    std::fflush(stdout);
    save_checkpoint(c.checkpoint, model, *opt, epoch + 1, c);
    curves.add(epoch + 1, {{"train_loss", train_loss},
                           {"test_loss", test_loss},
                           {"train_accuracy", train_acc},
                           {"test_accuracy", test_acc}});
    curves.write_csv(c.curves + ".csv");
    curves.write_svg(c.curves + ".svg");
  }
  if (rank0)
    std::printf("saved %s, %s.csv, %s.svg\n", c.checkpoint.c_str(), c.curves.c_str(),
                c.curves.c_str());
  if (g_group) g_group->barrier()->wait();  // no rank exits while rank 0 still writes
  return 0;
}

// CLI11's PositiveNumber says "Value 0 not in range 0.000000 to <310 digits>": say it in words.
CLI::Validator positive_integer() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        const bool digits =
            !value.empty() && value.find_first_not_of("0123456789") == std::string::npos;
        if (digits && value.find_first_not_of('0') != std::string::npos && value.size() < 10)
          return "";
        return "must be a whole number of 1 or more, got '" + value + "'";
      },
      "INTEGER >= 1");
}

int main(int argc, char** argv) {
  Config c;
  CLI::App app{"Train a classifier on Fashion-MNIST with nabla"};
  app.add_option("--model", c.model, "Model: mlp, cnn, cnn_small or cnn_same")
      ->capture_default_str();
  app.add_option("--batch-norm", c.batch_norm,
                 "BatchNorm2d after each convolution of the cnn models (false: none)")
      ->capture_default_str();
  app.add_flag("--augment", c.augment,
               "Augment the training images: random horizontal flips and 2-pixel shifts");
  app.add_option("--epochs", c.epochs, "Epochs to train (in all, with --resume)")
      ->capture_default_str()
      ->check(positive_integer());
  app.add_option("--batch-size", c.batch_size, "Batch size")
      ->capture_default_str()
      ->check(positive_integer());
  app.add_option("--optimizer", c.optimizer, "adam, adamw, sgd or rmsprop")->capture_default_str();
  app.add_option("--lr", c.lr, "Learning rate")->capture_default_str();
  app.add_option("--schedule", c.schedule, "Learning rate schedule: constant or cosine (to 0)")
      ->capture_default_str()
      ->check(CLI::IsMember({"constant", "cosine"}));
  app.add_option("--momentum", c.momentum, "Momentum (sgd)")->capture_default_str();
  app.add_option("--threads", c.threads, "Threads (0: all cores)")->capture_default_str();
  app.add_option("--workers", c.workers, "Data loader threads")->capture_default_str();
  app.add_option("--seed", c.seed, "Random seed")->capture_default_str();
  app.add_option("--data-dir", c.data_dir, "Folder with the Fashion-MNIST IDX files")
      ->capture_default_str();
  app.add_option("--checkpoint", c.checkpoint, "Checkpoint file")->capture_default_str();
  app.add_option("--curves", c.curves, "Prefix of the curves' .csv and .svg")
      ->capture_default_str();
  app.add_option("--limit-train", c.limit_train, "Use only the first N training images");
  app.add_option("--limit-test", c.limit_test, "Use only the first N test images");
  app.add_option("--autocast", c.autocast,
                 "Mixed precision: none, bf16 or f16 (float32 weights; f16 scales the loss)")
      ->check(CLI::IsMember({"none", "bf16", "f16"}))
      ->capture_default_str();
  app.add_flag("--resume", c.resume, "Continue from --checkpoint");
  app.add_flag("--evaluate", c.evaluate, "Only evaluate --checkpoint on the test set");
  app.add_flag("--distributed", c.distributed,
               "Data-parallel over the processes of `mpirun -np N` (batch-size per process)");
  CLI11_PARSE(app, argc, argv);
  try {
    return run(c);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    if (g_group && world_of() > 1) {
      std::fprintf(stderr, "rank %d failed: aborting the job\n", rank_of());
      g_group->abort();  // the other ranks would otherwise wait for this one
    }
    return 1;
  }
}
