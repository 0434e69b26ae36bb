// Training-mode batch normalization as one op over the backend's fused kernels
// (Backend::batch_norm_*), for nn::functional::batch_norm. Private to the library.
#pragma once

#include "nabla/tensor.h"

namespace nabla::detail {

struct BatchNormResult {
  Tensor output;  // undefined: the backend has no kernel for these tensors (compose instead)
  Tensor mean;    // [C], the batch's mean, without autograd
  Tensor var;     // [C], the batch's biased variance, without autograd
};

/// (input - mean) / sqrt(var + eps) * weight + bias with the statistics of input [N, C, *]
/// over all dims but 1; weight and bias [C] may be undefined. One node; its backward is the
/// fused kernel, or (when the graph of backward is recorded) the formula in nabla ops, so
/// that double backward works.
BatchNormResult fused_batch_norm_training(const Tensor& input, const Tensor& weight,
                                          const Tensor& bias, double eps);

/// input * scale[c] + shift[c] for input [N, C, *] by the backend's fused kernel, without
/// autograd (for inference); undefined when the backend has no kernel for these tensors.
Tensor fused_batch_norm_apply(const Tensor& input, const Tensor& scale, const Tensor& shift);

}  // namespace nabla::detail
