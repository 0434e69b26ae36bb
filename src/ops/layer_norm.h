// Layer normalization as one op over the backend's fused kernels (Backend::layer_norm_*), for
// nn::functional::layer_norm. Private to the library.
#pragma once

#include "nabla/tensor.h"

namespace nabla::detail {

/// (input - mean) * rstd * weight + bias with each row's statistics over the last
/// `normalized_numel` values (the normalized shape, flattened); weight and bias have the
/// normalized shape or are undefined. One node; its backward is the fused kernel, or (when the
/// graph of backward is recorded) the formula in nabla ops, so that double backward works.
/// Undefined when the backend has no kernel for these tensors: the caller composes the op.
Tensor fused_layer_norm(const Tensor& input, int64_t normalized_numel, const Tensor& weight,
                        const Tensor& bias, double eps);

}  // namespace nabla::detail
