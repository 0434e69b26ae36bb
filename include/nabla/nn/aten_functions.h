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
/// Zeroes each element with probability p and scales the rest by 1 / (1 - p) when `train`.
Tensor dropout(const Tensor& input, double p, bool train);
Tensor& dropout_(Tensor& input, double p, bool train);

}  // namespace nabla
