// EmbeddingBag and CTCLoss as a LibTorch program uses them: EmbeddingBag::from_pretrained in each
// mode (sum with per_sample_weights, mean with padding_idx and an empty bag, max over the rows of
// a 2-D input, include_last_offset), F::embedding_bag, CTCLoss with padded and concatenated
// targets, zero_infinity and torch::ctc_loss. It prints the modules, values for fixed inputs and
// sums of the inputs' gradients, so that its output is compared with LibTorch's line by line.
// CTC's log-probabilities are log_softmax of a leaf, whose gradient is compared: LibTorch's
// gradient with respect to log_probs itself assumes they are normalized.
#ifdef NABLA_PROGRAM_LIBTORCH
#include <torch/torch.h>
#else
#include <nabla/torch.h>
#endif

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
  std::printf("%s dim %ld shape", name, static_cast<long>(t.dim()));
  for (int64_t s : t.sizes()) std::printf(" %ld", static_cast<long>(s));
  std::printf(" values");
  for (int64_t i = 0; i < flat.numel(); ++i) std::printf(" %.5g", flat[i].item<double>());
  std::printf("\n");
}

// Backward of the output weighted by a fixed pattern, then for each input the sum of its
// gradient's magnitudes and the gradient's product with the input (CTC's gradients through
// log_softmax sum to 0 up to rounding, which differs between the libraries).
void print_gradients(const char* name, const torch::Tensor& out,
                     const std::vector<torch::Tensor>& inputs) {
  for (const auto& x : inputs) {
    if (x.grad().defined()) x.grad().zero_();
  }
  auto weights = torch::cos(torch::arange(out.numel()).to(torch::kFloat64) * 0.7).to(torch::kFloat);
  (out * weights.reshape(out.sizes())).sum().backward();
  for (size_t k = 0; k < inputs.size(); ++k) {
    const auto& g = inputs[k].grad();
    std::printf("%s grad %zu abs %.5g dot %.5g\n", name, k, g.abs().sum().item<double>(),
                (g * inputs[k].detach()).sum().item<double>());
  }
}

}  // namespace

int main() {
  // ---- EmbeddingBag ----
  const auto indices = torch::tensor({1, 2, 4, 5, 4, 3, 2, 9, 7}, torch::kLong);
  const auto offsets = torch::tensor({0, 0, 4, 6}, torch::kLong);
  {
    auto table = input({10, 4}, 0.3);
    auto bag = torch::nn::EmbeddingBag::from_pretrained(
        table, torch::nn::EmbeddingBagFromPretrainedOptions().freeze(false).mode(torch::kSum));
    print_module("bag_sum", bag);
    auto weights = input({9}, 0.9);
    auto out = bag(indices, offsets, weights);
    print_values("bag_sum", out);
    print_gradients("bag_sum", out, {bag->weight, weights});
  }
  {
    auto table = input({10, 4}, 0.6);
    auto bag = torch::nn::EmbeddingBag::from_pretrained(
        table, torch::nn::EmbeddingBagFromPretrainedOptions().freeze(false).padding_idx(2));
    print_module("bag_mean_padding", bag);
    auto out = bag(indices, offsets);
    print_values("bag_mean_padding", out);
    print_gradients("bag_mean_padding", out, {bag->weight});
  }
  {
    auto table = input({10, 4}, 1.1);
    auto bag = torch::nn::EmbeddingBag::from_pretrained(
        table, torch::nn::EmbeddingBagFromPretrainedOptions().freeze(false).mode(torch::kMax));
    print_module("bag_max", bag);
    auto out = bag(torch::tensor({{1, 2, 4}, {4, 3, 9}, {0, 0, 8}}, torch::kLong));
    print_values("bag_max", out);
    print_gradients("bag_max", out, {bag->weight});
  }
  {
    auto table = input({10, 4}, 1.7);
    auto out = F::embedding_bag(indices, table,
                                F::EmbeddingBagFuncOptions()
                                    .offsets(torch::tensor({0, 3, 5, 9}, torch::kLong))
                                    .mode(torch::kMax)
                                    .include_last_offset(true)
                                    .padding_idx(4));
    print_values("bag_last_offset", out);
    print_gradients("bag_last_offset", out, {table});
  }
  {
    // A module of random weights: only its printout and shapes are compared.
    torch::nn::EmbeddingBag bag(
        torch::nn::EmbeddingBagOptions(6, 3).mode(torch::kMax).include_last_offset(true));
    print_module("bag_options", bag);
    auto out = bag(torch::tensor({1, 2, 3}, torch::kLong), torch::tensor({0, 1, 3}, torch::kLong));
    std::printf("bag_options shape %ld %ld\n", static_cast<long>(out.size(0)),
                static_cast<long>(out.size(1)));
  }

  // ---- CTCLoss ----
  const auto targets = torch::tensor({{1, 2, 2}, {3, 1, 0}}, torch::kLong);
  const auto input_lengths = torch::tensor({6, 5}, torch::kLong);
  const auto target_lengths = torch::tensor({3, 2}, torch::kLong);
  {
    torch::nn::CTCLoss loss;
    print_module("ctc_mean", loss);
    auto x = input({6, 2, 5}, 0.4);
    auto out = loss(x.log_softmax(2), targets, input_lengths, target_lengths);
    print_values("ctc_mean", out);
    print_gradients("ctc_mean", out, {x});
  }
  {
    torch::nn::CTCLoss loss(torch::nn::CTCLossOptions().blank(4).reduction(torch::kNone));
    auto x = input({6, 2, 5}, 0.8);
    auto out = loss(x.log_softmax(2), torch::tensor({1, 2, 2, 3, 1}, torch::kLong), input_lengths,
                    target_lengths);
    print_values("ctc_concatenated_none", out);
    print_gradients("ctc_concatenated_none", out, {x});
  }
  {
    // The first sample needs 4 steps for [1, 2, 2] but has 3: an infinite loss, made 0.
    auto x = input({6, 2, 5}, 1.2);
    auto out =
        F::ctc_loss(x.log_softmax(2), targets, torch::tensor({3, 5}, torch::kLong), target_lengths,
                    F::CTCLossFuncOptions().reduction(torch::kSum).zero_infinity(true));
    print_values("ctc_zero_infinity", out);
    print_gradients("ctc_zero_infinity", out, {x});
  }
  {
    auto x = input({6, 2, 5}, 1.6);
    const std::vector<int64_t> in_lengths = {6, 4}, tg_lengths = {3, 2};
    auto out = torch::ctc_loss(x.log_softmax(2), targets, in_lengths, tg_lengths, /*blank=*/0);
    print_values("ctc_aten", out);
    print_gradients("ctc_aten", out, {x});
  }
  return 0;
}
