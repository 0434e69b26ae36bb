// Gradient clipping, as LibTorch's torch::nn::utils::clip_grad_norm_ / clip_grad_value_.
//   loss.backward();
//   double norm = nabla::nn::utils::clip_grad_norm_(params, /*max_norm=*/1.0);
//   opt.step();
#pragma once

#include <initializer_list>
#include <vector>

#include "nabla/tensor.h"

namespace nabla {
namespace nn {
namespace utils {

/// Scales the gradients of `parameters` (those that have one) in place so that their total
/// norm, as if all were concatenated into one vector, is at most `max_norm`. norm_type may be
/// any p > 0, 0 (count of non-zero entries) or infinity (largest magnitude). Returns the total
/// norm before clipping. With error_if_nonfinite, a NaN or infinite total norm raises
/// nabla::Error (the gradients are left as they are).
double clip_grad_norm_(const std::vector<Tensor>& parameters, double max_norm,
                       double norm_type = 2.0, bool error_if_nonfinite = false);
double clip_grad_norm_(std::initializer_list<Tensor> parameters, double max_norm,
                       double norm_type = 2.0, bool error_if_nonfinite = false);
double clip_grad_norm_(Tensor parameter, double max_norm, double norm_type = 2.0,
                       bool error_if_nonfinite = false);

/// Clamps every gradient entry of `parameters` to [-clip_value, clip_value], in place.
void clip_grad_value_(const std::vector<Tensor>& parameters, double clip_value);
void clip_grad_value_(std::initializer_list<Tensor> parameters, double clip_value);
void clip_grad_value_(Tensor parameter, double clip_value);

}  // namespace utils
}  // namespace nn
}  // namespace nabla
