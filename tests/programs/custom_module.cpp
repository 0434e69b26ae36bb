// A LibTorch training program of the kind users write: their own modules (TORCH_MODULE
// holders, nested in a Sequential), an options struct with TORCH_ARG, their own dataset
// (datasets::Dataset<Self>) through .map(Stack<>) and make_data_loader, Adam with gradient
// clipping, a hand-written SGD step on p.grad(), namespace-level losses, TORCH_CHECK, indexing,
// and torch::save / torch::load of the model and the optimizer. It is deterministic (fixed
// starting weights, sequential sampling), so its printed numbers are compared with LibTorch's.
#ifdef NABLA_PROGRAM_LIBTORCH
#include <torch/torch.h>
#else
#include <nabla/torch.h>
#endif

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

namespace {

int failures = 0;
void expect(bool ok, const std::string& what) {
  if (!ok) {
    std::printf("FAILED: %s\n", what.c_str());
    ++failures;
  }
}

struct RegressorOptions {
  RegressorOptions(int64_t in, int64_t out) : in_(in), out_(out) {}
  TORCH_ARG(int64_t, in);
  TORCH_ARG(int64_t, out);
  TORCH_ARG(int64_t, hidden) = 16;
};

struct BlockImpl : torch::nn::Module {
  BlockImpl(int64_t in, int64_t out)
      : linear(register_module("linear", torch::nn::Linear(in, out))),
        norm(register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({out})))) {}
  torch::Tensor forward(torch::Tensor x) { return torch::tanh(norm(linear(x))); }
  torch::nn::Linear linear;
  torch::nn::LayerNorm norm;
};
TORCH_MODULE(Block);

struct RegressorImpl : torch::nn::Module {
  explicit RegressorImpl(const RegressorOptions& o)
      : body(register_module("body", torch::nn::Sequential(Block(o.in(), o.hidden()),
                                                           Block(o.hidden(), o.hidden())))),
        head(register_module("head", torch::nn::Linear(o.hidden(), o.out()))) {}
  torch::Tensor forward(torch::Tensor x) { return head(body->forward(x)); }
  torch::nn::Sequential body;
  torch::nn::Linear head;
};
TORCH_MODULE(Regressor);

// Points on two interleaved curves: x = (t, sin 3t) shifted, y = (cos t, t^2 / 4).
struct CurveDataset : torch::data::datasets::Dataset<CurveDataset> {
  explicit CurveDataset(int64_t n) : n_(n) {}
  torch::data::Example<> get(size_t index) override {
    const double t = -2.0 + 4.0 * static_cast<double>(index) / static_cast<double>(n_ - 1);
    auto x = torch::tensor({t, std::sin(3 * t)}, torch::kFloat);
    auto y = torch::tensor({std::cos(t), t * t / 4}, torch::kFloat);
    return {x, y};
  }
  torch::optional<size_t> size() const override { return static_cast<size_t>(n_); }
  int64_t n_;
};

void deterministic_init(torch::nn::Module& model) {
  torch::NoGradGuard no_grad;
  int64_t k = 0;
  for (auto& p : model.parameters()) {
    auto pattern = torch::cos(torch::arange(p.numel()).to(torch::kFloat) * 1.3 + k++);
    p.copy_(pattern.reshape(p.sizes()) * 0.4);
  }
}

void print_values(const char* name, const torch::Tensor& t) {
  auto flat = t.to(torch::kFloat64).contiguous().reshape({-1});
  std::printf("%s", name);
  for (int64_t i = 0; i < flat.numel(); ++i) std::printf(" %.5g", flat[i].item<double>());
  std::printf("\n");
}

}  // namespace

int main() {
  torch::manual_seed(0);
  Regressor model(RegressorOptions(2, 2).hidden(12));
  deterministic_init(*model);
  for (const auto& p : model->named_parameters()) {
    std::printf("param %s %ld\n", p.key().c_str(), static_cast<long>(p.value().numel()));
  }

  auto dataset = CurveDataset(96).map(torch::data::transforms::Stack<>());
  auto loader = torch::data::make_data_loader<torch::data::samplers::SequentialSampler>(
      std::move(dataset), torch::data::DataLoaderOptions().batch_size(32).drop_last(true));

  torch::optim::Adam optimizer(model->parameters(), torch::optim::AdamOptions(1e-2));
  float first_loss = 0, last_loss = 0;
  for (int epoch = 0; epoch < 30; ++epoch) {
    float epoch_loss = 0;
    int batches = 0;
    for (auto& batch : *loader) {
      TORCH_CHECK(batch.data.size(0) == 32, "batch of ", batch.data.size(0), " examples");
      optimizer.zero_grad();
      auto loss = torch::mse_loss(model->forward(batch.data), batch.target);
      loss.backward();
      torch::nn::utils::clip_grad_norm_(model->parameters(), 5.0);
      optimizer.step();
      epoch_loss += loss.item<float>();
      ++batches;
    }
    epoch_loss /= static_cast<float>(batches);
    if (epoch == 0) first_loss = epoch_loss;
    last_loss = epoch_loss;
    if (epoch % 10 == 0 || epoch == 29) std::printf("epoch %d loss %.5g\n", epoch, epoch_loss);
  }
  expect(last_loss < first_loss / 4, torch::str("loss fell from ", first_loss, " to ", last_loss));

  // Other namespace-level losses on the trained model's output.
  auto x = torch::linspace(-2, 2, 5).unsqueeze(1).expand({5, 2}).contiguous();
  auto out = model->forward(x);
  print_values("prediction", out);
  auto target = torch::zeros({5, 2});
  std::printf("smooth_l1 %.5g\n", torch::smooth_l1_loss(out, target).item<float>());
  std::printf(
      "bce %.5g\n",
      torch::binary_cross_entropy(torch::sigmoid(out), torch::full({5, 2}, 0.25)).item<float>());
  {
    using namespace torch::indexing;
    print_values("first_column", out.index({Slice(None, 3), 0}));
  }

  // A hand-written SGD step on grad(): in-place ops on the const Tensor& it returns.
  auto w = torch::ones({3}, torch::requires_grad());
  for (int step = 0; step < 3; ++step) {
    auto loss = (w * torch::tensor({1.0f, 2.0f, 3.0f})).pow(2).sum();
    loss.backward();
    torch::NoGradGuard no_grad;
    w.sub_(0.05 * w.grad());
    w.grad().zero_();
  }
  print_values("sgd_w", w);

  // Save and load the model and the optimizer; a fresh model gives the same outputs.
  torch::save(model, "custom_module_model.pt");
  torch::save(optimizer, "custom_module_optimizer.pt");
  Regressor restored(RegressorOptions(2, 2).hidden(12));
  torch::load(restored, "custom_module_model.pt");
  torch::optim::Adam restored_optimizer(restored->parameters(), torch::optim::AdamOptions(1e-2));
  torch::load(restored_optimizer, "custom_module_optimizer.pt");
  expect(torch::allclose(restored->forward(x), out), "the loaded model predicts the same");

  // Errors are c10::Error with the message pieces, in both libraries.
  try {
    TORCH_CHECK(x.size(0) == 3, "bad size ", x.size(0));
    expect(false, "TORCH_CHECK did not throw");
  } catch (const c10::Error& e) {
    std::printf("check_message_found %d\n",
                std::string(e.what()).find("bad size 5") != std::string::npos);
  }
  std::printf("cuda_available %d\n", static_cast<int>(torch::cuda::is_available()));
  try {
    auto on_gpu = torch::ones({1}).to(torch::Device(torch::kCUDA));
    (void)on_gpu;
    std::printf("cuda_error 0\n");
  } catch (const c10::Error&) {
    std::printf("cuda_error 1\n");
  }

  // RandomSampler: every index once per epoch, in batches of at most 4.
  torch::data::samplers::RandomSampler sampler(10);
  std::vector<size_t> seen;
  while (auto indices = sampler.next(4)) seen.insert(seen.end(), indices->begin(), indices->end());
  std::sort(seen.begin(), seen.end());
  bool all = seen.size() == 10;
  for (size_t i = 0; all && i < 10; ++i) all = seen[i] == i;
  std::printf("random_sampler_covers_all %d\n", static_cast<int>(all));

  std::printf("failures %d\n", failures);
  return failures == 0 ? 0 : 1;
}
