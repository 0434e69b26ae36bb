// LibTorch's namespace-level losses and dropout: thin calls into nn::functional, which holds
// the checks and the differentiable compositions.
#include "nabla/nn/aten_functions.h"

#include "nabla/creation.h"
#include "nabla/nn/functional.h"

namespace nabla {

namespace F = nn::functional;

Tensor nll_loss(const Tensor& self, const Tensor& target, const Tensor& weight, Reduction reduction,
                int64_t ignore_index) {
  return F::nll_loss(
      self, target,
      F::NLLLossFuncOptions().weight(weight).reduction(reduction).ignore_index(ignore_index));
}

Tensor cross_entropy_loss(const Tensor& self, const Tensor& target, const Tensor& weight,
                          Reduction reduction, int64_t ignore_index, double label_smoothing) {
  return F::cross_entropy(self, target,
                          F::CrossEntropyFuncOptions()
                              .weight(weight)
                              .reduction(reduction)
                              .ignore_index(ignore_index)
                              .label_smoothing(label_smoothing));
}

Tensor binary_cross_entropy(const Tensor& self, const Tensor& target, const Tensor& weight,
                            Reduction reduction) {
  return F::binary_cross_entropy(
      self, target, F::BinaryCrossEntropyFuncOptions().weight(weight).reduction(reduction));
}

Tensor binary_cross_entropy_with_logits(const Tensor& self, const Tensor& target,
                                        const Tensor& weight, const Tensor& pos_weight,
                                        Reduction reduction) {
  return F::binary_cross_entropy_with_logits(self, target,
                                             F::BinaryCrossEntropyWithLogitsFuncOptions()
                                                 .weight(weight)
                                                 .pos_weight(pos_weight)
                                                 .reduction(reduction));
}

Tensor mse_loss(const Tensor& self, const Tensor& target, Reduction reduction) {
  return F::mse_loss(self, target, F::MSEFuncOptions(reduction));
}

Tensor l1_loss(const Tensor& self, const Tensor& target, Reduction reduction) {
  return F::l1_loss(self, target, F::L1LossFuncOptions(reduction));
}

Tensor smooth_l1_loss(const Tensor& self, const Tensor& target, Reduction reduction, double beta) {
  return F::smooth_l1_loss(self, target, F::SmoothL1LossFuncOptions(reduction).beta(beta));
}

Tensor huber_loss(const Tensor& self, const Tensor& target, Reduction reduction, double delta) {
  return F::huber_loss(self, target, F::HuberLossFuncOptions(reduction).delta(delta));
}

Tensor kl_div(const Tensor& self, const Tensor& target, Reduction reduction, bool log_target) {
  return F::kl_div(self, target, F::KLDivFuncOptions(reduction).log_target(log_target));
}

Tensor ctc_loss(const Tensor& log_probs, const Tensor& targets, IntArrayRef input_lengths,
                IntArrayRef target_lengths, int64_t blank, Reduction reduction,
                bool zero_infinity) {
  const auto on_host = TensorOptions().dtype(kLong);
  return ctc_loss(log_probs, targets, tensor(input_lengths.vec(), on_host),
                  tensor(target_lengths.vec(), on_host), blank, reduction, zero_infinity);
}

Tensor ctc_loss(const Tensor& log_probs, const Tensor& targets, const Tensor& input_lengths,
                const Tensor& target_lengths, int64_t blank, Reduction reduction,
                bool zero_infinity) {
  return F::ctc_loss(
      log_probs, targets, input_lengths, target_lengths,
      F::CTCLossFuncOptions().blank(blank).reduction(reduction).zero_infinity(zero_infinity));
}

Tensor dropout(const Tensor& input, double p, bool train) {
  return F::dropout(input, F::DropoutFuncOptions().p(p).training(train));
}

Tensor& dropout_(Tensor& input, double p, bool train) {
  F::dropout(input, F::DropoutFuncOptions().p(p).training(train).inplace(true));
  return input;
}

}  // namespace nabla
