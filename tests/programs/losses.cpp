// The less common LibTorch losses, each as a module with options other than the defaults:
// SoftMarginLoss, MultiLabelSoftMarginLoss, MultiMarginLoss, MultiLabelMarginLoss (targets
// padded with -1), PoissonNLLLoss, HingeEmbeddingLoss, TripletMarginWithDistanceLoss (with a
// distance function of the program's own), and their functional forms on single samples. It
// prints each module, its loss for fixed inputs and sums of the inputs' gradients, so that its
// output is compared with LibTorch's line by line. GaussianNLLLoss is PyTorch's but not
// LibTorch's: the LibTorch build computes it as PyTorch's F.gaussian_nll_loss does.
#ifdef NABLA_PROGRAM_LIBTORCH
#include <torch/torch.h>
#else
#include <nabla/torch.h>
#endif

#include <cmath>
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

namespace F = torch::nn::functional;

namespace {

// A fixed input: 2 sin(0.37 i + phase) for element i, float32, a leaf that requires grad.
torch::Tensor input(const std::vector<int64_t>& shape, double phase) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  auto values = torch::sin(torch::arange(n).to(torch::kFloat64) * 0.37 + phase) * 2;
  return values.reshape(shape).to(torch::kFloat).detach().requires_grad_(true);
}

// The module's printout without its library's namespace ("torch::" or "nabla::").
template <class Holder>
void print_module(const char* name, const Holder& module) {
  std::ostringstream text;
  text << *module;
  const std::string printed = text.str();
  std::printf("%s module %s\n", name, printed.substr(printed.find("nn::")).c_str());
}

void print_values(const char* name, const torch::Tensor& t) {
  auto flat = t.detach().to(torch::kFloat64).contiguous().reshape({-1});
  std::printf("%s dim %ld values", name, static_cast<long>(t.dim()));
  for (int64_t i = 0; i < flat.numel(); ++i) std::printf(" %.6g", flat[i].item<double>());
  std::printf("\n");
}

// Backward of the loss (weighted by a fixed pattern when unreduced), then for each input the
// sum of its gradient and the gradient's product with the input.
void print_gradients(const char* name, const torch::Tensor& loss,
                     const std::vector<torch::Tensor>& inputs) {
  auto weights =
      torch::cos(torch::arange(loss.numel()).to(torch::kFloat64) * 0.7).to(torch::kFloat);
  (loss * weights.reshape(loss.sizes())).sum().backward();
  for (size_t k = 0; k < inputs.size(); ++k) {
    const auto& g = inputs[k].grad();
    std::printf("%s grad %zu sum %.6g dot %.6g\n", name, k, g.sum().item<double>(),
                (g * inputs[k].detach()).sum().item<double>());
  }
}

#ifdef NABLA_PROGRAM_LIBTORCH
// PyTorch's F.gaussian_nll_loss (torch/nn/functional.py), which LibTorch does not have, for the
// shapes used below (var of the input's shape or one dim fewer).
torch::Tensor gaussian_nll(const torch::Tensor& input, const torch::Tensor& target,
                           torch::Tensor var, bool full, double eps) {
  if (var.sizes() != input.sizes()) var = var.unsqueeze(-1);
  var = var.clone();
  {
    torch::NoGradGuard no_grad;
    var.clamp_(eps);
  }
  auto loss = 0.5 * (torch::log(var) + (input - target).pow(2) / var);
  if (full) loss = loss + 0.5 * std::log(2 * M_PI);
  return loss.sum();
}
#endif

}  // namespace

int main() {
  const auto signs = torch::tensor(
      {{1.0f, -1.0f, 1.0f, -1.0f}, {-1.0f, -1.0f, 1.0f, 1.0f}, {1.0f, 1.0f, -1.0f, 1.0f}});
  const auto labels =
      torch::tensor({{1.0f, 0.0f, 1.0f, 0.0f}, {0.0f, 0.0f, 1.0f, 1.0f}, {1.0f, 1.0f, 0.0f, 0.0f}});
  const auto class_weight = torch::tensor({1.0f, 0.5f, 2.0f, 1.5f});

  {
    torch::nn::SoftMarginLoss loss(torch::nn::SoftMarginLossOptions(torch::kSum));
    print_module("soft_margin", loss);
    auto x = input({3, 4}, 0.5);
    auto out = loss(x * 2, signs);
    print_values("soft_margin", out);
    print_gradients("soft_margin", out, {x});
  }
  {
    torch::nn::MultiLabelSoftMarginLoss loss(
        torch::nn::MultiLabelSoftMarginLossOptions().weight(class_weight).reduction(torch::kNone));
    print_module("multilabel_soft_margin", loss);
    auto x = input({3, 4}, 1.0);
    auto out = loss(x, labels);
    print_values("multilabel_soft_margin", out);
    print_gradients("multilabel_soft_margin", out, {x});
  }
  {
    torch::nn::MultiMarginLoss loss(torch::nn::MultiMarginLossOptions()
                                        .p(2)
                                        .margin(0.7)
                                        .weight(class_weight)
                                        .reduction(torch::kSum));
    // Printed without the weight: the libraries print tensors differently.
    print_module("multi_margin",
                 torch::nn::MultiMarginLoss(
                     torch::nn::MultiMarginLossOptions().p(2).margin(0.7).reduction(torch::kSum)));
    auto x = input({3, 4}, 1.5);
    auto out = loss(x, torch::tensor({2, 0, 3}));
    print_values("multi_margin", out);
    print_gradients("multi_margin", out, {x});
    // One sample [C] with a 0-d target: a 0-d loss even unreduced.
    auto one = input({4}, 0.2);
    auto single = F::multi_margin_loss(one, torch::tensor(1L),
                                       F::MultiMarginLossFuncOptions().reduction(torch::kNone));
    print_values("multi_margin_single", single);
    print_gradients("multi_margin_single", single, {one});
  }
  {
    torch::nn::MultiLabelMarginLoss loss(torch::nn::MultiLabelMarginLossOptions(torch::kNone));
    print_module("multilabel_margin", loss);
    auto x = input({4, 5}, 2.0);
    // Each sample's targets end at the first -1; the rest of the row is padding. The second
    // repeats a target, the third has none, the fourth has all classes but one.
    auto target =
        torch::tensor({{3, 0, -1, 1, 1}, {2, 2, 4, -1, 0}, {-1, 0, 0, 0, 0}, {4, 1, 0, 2, -1}});
    auto out = loss(x, target);
    print_values("multilabel_margin", out);
    print_gradients("multilabel_margin", out, {x});
    auto one = input({4}, 0.9);
    auto single = F::multilabel_margin_loss(one, torch::tensor({1, 3, -1, 0}),
                                            F::MultilabelMarginLossFuncOptions(torch::kNone));
    print_values("multilabel_margin_single", single);
    print_gradients("multilabel_margin_single", single, {one});
  }
  {
    torch::nn::PoissonNLLLoss loss(
        torch::nn::PoissonNLLLossOptions().log_input(false).full(true).eps(0.01).reduction(
            torch::kSum));
    print_module("poisson_nll", loss);
    auto rates = (input({3, 4}, 0.3).detach().abs() + 0.1).requires_grad_(true);
    auto counts = torch::tensor(
        {{0.0f, 1.0f, 2.0f, 3.0f}, {4.0f, 0.0f, 1.0f, 5.0f}, {2.0f, 2.0f, 0.0f, 1.0f}});
    auto out = loss(rates, counts);
    print_values("poisson_nll", out);
    print_gradients("poisson_nll", out, {rates});
    auto log_rates = input({3, 4}, 0.8);
    auto log_out = F::poisson_nll_loss(log_rates, counts,
                                       F::PoissonNLLLossFuncOptions().reduction(torch::kNone));
    print_values("poisson_nll_log", log_out);
    print_gradients("poisson_nll_log", log_out, {log_rates});
  }
  {
    torch::nn::HingeEmbeddingLoss loss(
        torch::nn::HingeEmbeddingLossOptions().margin(1.5).reduction(torch::kNone));
    print_module("hinge_embedding", loss);
    auto x = input({3, 4}, 2.5);
    auto out = loss(x, signs);
    print_values("hinge_embedding", out);
    print_gradients("hinge_embedding", out, {x});
  }
  {
    const auto cosine_distance = [](const torch::Tensor& a, const torch::Tensor& b) {
      return 1 - F::cosine_similarity(a, b);
    };
    torch::nn::TripletMarginWithDistanceLoss loss(torch::nn::TripletMarginWithDistanceLossOptions()
                                                      .distance_function(cosine_distance)
                                                      .margin(0.5)
                                                      .swap(true)
                                                      .reduction(torch::kSum));
    print_module("triplet_with_distance", loss);
    auto anchor = input({3, 4}, 0.1), positive = input({3, 4}, 1.4), negative = input({3, 4}, 2.7);
    auto out = loss(anchor, positive, negative);
    print_values("triplet_with_distance", out);
    print_gradients("triplet_with_distance", out, {anchor, positive, negative});
    // The default distance: pairwise_distance.
    auto a = input({3, 4}, 0.1), p = input({3, 4}, 1.4), n = input({3, 4}, 2.7);
    auto plain = F::triplet_margin_with_distance_loss(
        a, p, n, F::TripletMarginWithDistanceLossFuncOptions().margin(2.0).reduction(torch::kNone));
    print_values("triplet_with_pairwise_distance", plain);
    print_gradients("triplet_with_pairwise_distance", plain, {a, p, n});
  }
  {
    auto mean = input({3, 4}, 0.6);
    auto target = torch::tensor(
        {{0.0f, 1.0f, 2.0f, 3.0f}, {4.0f, 0.0f, 1.0f, 5.0f}, {2.0f, 2.0f, 0.0f, 1.0f}});
    // One variance per row ([3], a dim fewer than the input), one of them below eps.
    auto var = torch::tensor({0.05f, 1.5f, 3.0f}).requires_grad_(true);
#ifdef NABLA_PROGRAM_LIBTORCH
    auto out = gaussian_nll(mean, target, var, true, 0.1);
#else
    torch::nn::GaussianNLLLoss loss(
        torch::nn::GaussianNLLLossOptions().full(true).eps(0.1).reduction(torch::kSum));
    auto out = loss(mean, target, var);
#endif
    print_values("gaussian_nll", out);
    print_gradients("gaussian_nll", out, {mean, var});
  }
  return 0;
}
