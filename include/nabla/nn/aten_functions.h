// The loss, dropout and activation functions LibTorch declares at namespace level (at::, so
// torch::nll_loss(...)), with its argument order and defaults. They call nn::functional.
//   auto loss = nabla::nll_loss(output.log_softmax(1), target);
//   auto sum = nabla::nll_loss(output, target, /*weight=*/{}, nabla::Reduction::Sum);
#pragma once

#include <cstdint>

#include "nabla/nn/options.h"
#include "nabla/tensor.h"

namespace nabla {

Tensor nll_loss(const Tensor& self, const Tensor& target, const Tensor& weight = {},
                Reduction reduction = kMean, int64_t ignore_index = -100);
Tensor cross_entropy_loss(const Tensor& self, const Tensor& target, const Tensor& weight = {},
                          Reduction reduction = kMean, int64_t ignore_index = -100,
                          double label_smoothing = 0.0);
Tensor binary_cross_entropy(const Tensor& self, const Tensor& target, const Tensor& weight = {},
                            Reduction reduction = kMean);
Tensor binary_cross_entropy_with_logits(const Tensor& self, const Tensor& target,
                                        const Tensor& weight = {}, const Tensor& pos_weight = {},
                                        Reduction reduction = kMean);
Tensor mse_loss(const Tensor& self, const Tensor& target, Reduction reduction = kMean);
Tensor l1_loss(const Tensor& self, const Tensor& target, Reduction reduction = kMean);
Tensor smooth_l1_loss(const Tensor& self, const Tensor& target, Reduction reduction = kMean,
                      double beta = 1.0);
Tensor huber_loss(const Tensor& self, const Tensor& target, Reduction reduction = kMean,
                  double delta = 1.0);
Tensor kl_div(const Tensor& self, const Tensor& target, Reduction reduction = kMean,
              bool log_target = false);
Tensor ctc_loss(const Tensor& log_probs, const Tensor& targets, IntArrayRef input_lengths,
                IntArrayRef target_lengths, int64_t blank = 0, Reduction reduction = kMean,
                bool zero_infinity = false);
Tensor ctc_loss(const Tensor& log_probs, const Tensor& targets, const Tensor& input_lengths,
                const Tensor& target_lengths, int64_t blank = 0, Reduction reduction = kMean,
                bool zero_infinity = false);
// Activations, as at::'s (torch::hardtanh(x, 0, 6), torch::selu_(x)); the in-place forms
// write into self and return it.
Tensor elu(const Tensor& self, const Scalar& alpha = 1, const Scalar& scale = 1,
           const Scalar& input_scale = 1);
Tensor& elu_(Tensor& self, const Scalar& alpha = 1, const Scalar& scale = 1,
             const Scalar& input_scale = 1);
Tensor selu(const Tensor& self);
Tensor& selu_(Tensor& self);
Tensor celu(const Tensor& self, const Scalar& alpha = 1.0);
Tensor& celu_(Tensor& self, const Scalar& alpha = 1.0);
Tensor leaky_relu(const Tensor& self, const Scalar& negative_slope = 0.01);
Tensor& leaky_relu_(Tensor& self, const Scalar& negative_slope = 0.01);
Tensor hardtanh(const Tensor& self, const Scalar& min_val = -1, const Scalar& max_val = 1);
Tensor& hardtanh_(Tensor& self, const Scalar& min_val = -1, const Scalar& max_val = 1);
Tensor relu6(const Tensor& self);
Tensor& relu6_(Tensor& self);
/// relu6(x + 3) / 6.
Tensor hardsigmoid(const Tensor& self);
Tensor& hardsigmoid_(Tensor& self);
/// x * relu6(x + 3) / 6.
Tensor hardswish(const Tensor& self);
Tensor& hardswish_(Tensor& self);
Tensor hardshrink(const Tensor& self, const Scalar& lambd = 0.5);
Tensor softshrink(const Tensor& self, const Scalar& lambd = 0.5);
Tensor softplus(const Tensor& self, const Scalar& beta = 1, const Scalar& threshold = 20);
Tensor log_sigmoid(const Tensor& self);
Tensor silu(const Tensor& self);
Tensor& silu_(Tensor& self);
Tensor mish(const Tensor& self);
Tensor& mish_(Tensor& self);
Tensor prelu(const Tensor& self, const Tensor& weight);
Tensor rrelu(const Tensor& self, const Scalar& lower = 0.125,
             const Scalar& upper = 0.3333333333333333, bool training = false);
Tensor& rrelu_(Tensor& self, const Scalar& lower = 0.125, const Scalar& upper = 0.3333333333333333,
               bool training = false);
Tensor glu(const Tensor& self, int64_t dim = -1);
Tensor threshold(const Tensor& self, const Scalar& threshold, const Scalar& value);
Tensor& threshold_(Tensor& self, const Scalar& threshold, const Scalar& value);

/// Zeroes each element with probability p and scales the rest by 1 / (1 - p) when `train`.
Tensor dropout(const Tensor& input, double p, bool train);
Tensor& dropout_(Tensor& input, double p, bool train);

}  // namespace nabla
