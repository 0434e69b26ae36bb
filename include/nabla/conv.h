// Convolution, pooling and padding ops at namespace level, as LibTorch's torch::conv2d,
// torch::max_pool2d, torch::constant_pad_nd, ... Layout NC + spatial dims (NCHW); an input
// without the batch dim (CHW) is treated as a batch of one and the result has no batch dim.
//   auto y = nabla::conv2d(x, w, b, /*stride=*/1, /*padding=*/1);   // x [N, C, H, W]
//   auto z = nabla::conv2d(x, w, b, 1, "same");
//   auto p = nabla::max_pool2d(y, 2);                                 // stride = kernel
// A single number for a size/stride/padding/dilation applies to every spatial dim.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>

#include "nabla/nn/options.h"
#include "nabla/tensor.h"

namespace nabla {

// ---- convolution -------------------------------------------------------------------------
/// input [N, Cin, *in], weight [Cout, Cin / groups, *k], bias [Cout] or undefined.
Tensor conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias = {},
              IntArrayRef stride = 1, IntArrayRef padding = 0, IntArrayRef dilation = 1,
              int64_t groups = 1);
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias = {},
              IntArrayRef stride = 1, IntArrayRef padding = 0, IntArrayRef dilation = 1,
              int64_t groups = 1);
Tensor conv3d(const Tensor& input, const Tensor& weight, const Tensor& bias = {},
              IntArrayRef stride = 1, IntArrayRef padding = 0, IntArrayRef dilation = 1,
              int64_t groups = 1);

namespace detail {
/// Convolution over `dims` spatial dims with padding "same" or "valid".
Tensor conv_padding_string(int64_t dims, const Tensor& input, const Tensor& weight,
                           const Tensor& bias, IntArrayRef stride, std::string_view padding,
                           IntArrayRef dilation, int64_t groups);
template <class S>
constexpr bool is_padding_string =
    std::is_convertible_v<const S&, std::string_view> && !std::is_arithmetic_v<S>;
}  // namespace detail

/// padding "valid" (none) or "same" (output size = input size; stride 1 only; an even
/// effective kernel pads one more after than before, as PyTorch).
template <class S, std::enable_if_t<detail::is_padding_string<S>, int> = 0>
Tensor conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias, IntArrayRef stride,
              const S& padding, IntArrayRef dilation = 1, int64_t groups = 1) {
  return detail::conv_padding_string(1, input, weight, bias, stride, padding, dilation, groups);
}
template <class S, std::enable_if_t<detail::is_padding_string<S>, int> = 0>
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, IntArrayRef stride,
              const S& padding, IntArrayRef dilation = 1, int64_t groups = 1) {
  return detail::conv_padding_string(2, input, weight, bias, stride, padding, dilation, groups);
}
template <class S, std::enable_if_t<detail::is_padding_string<S>, int> = 0>
Tensor conv3d(const Tensor& input, const Tensor& weight, const Tensor& bias, IntArrayRef stride,
              const S& padding, IntArrayRef dilation = 1, int64_t groups = 1) {
  return detail::conv_padding_string(3, input, weight, bias, stride, padding, dilation, groups);
}

/// The gradient of conv with respect to its input, as a layer: input [N, Cin, *in], weight
/// [Cin, Cout / groups, *k], output size (in - 1) * stride - 2 * padding +
/// dilation * (k - 1) + output_padding + 1.
Tensor conv_transpose1d(const Tensor& input, const Tensor& weight, const Tensor& bias = {},
                        IntArrayRef stride = 1, IntArrayRef padding = 0,
                        IntArrayRef output_padding = 0, int64_t groups = 1,
                        IntArrayRef dilation = 1);
Tensor conv_transpose2d(const Tensor& input, const Tensor& weight, const Tensor& bias = {},
                        IntArrayRef stride = 1, IntArrayRef padding = 0,
                        IntArrayRef output_padding = 0, int64_t groups = 1,
                        IntArrayRef dilation = 1);
Tensor conv_transpose3d(const Tensor& input, const Tensor& weight, const Tensor& bias = {},
                        IntArrayRef stride = 1, IntArrayRef padding = 0,
                        IntArrayRef output_padding = 0, int64_t groups = 1,
                        IntArrayRef dilation = 1);
/// torch::convolution: any of the above chosen by weight.dim() - 2 and `transposed` (the
/// arrays must then have one entry per spatial dim).
Tensor convolution(const Tensor& input, const Tensor& weight, const Tensor& bias,
                   IntArrayRef stride, IntArrayRef padding, IntArrayRef dilation, bool transposed,
                   IntArrayRef output_padding, int64_t groups);

// ---- pooling -----------------------------------------------------------------------------
/// Max over windows; stride defaults (empty) to kernel_size; padding counts as -inf and may
/// be at most half the kernel. ceil_mode rounds the output size up (a last window that starts
/// inside the input or left padding).
Tensor max_pool1d(const Tensor& self, IntArrayRef kernel_size, IntArrayRef stride = {},
                  IntArrayRef padding = 0, IntArrayRef dilation = 1, bool ceil_mode = false);
Tensor max_pool2d(const Tensor& self, IntArrayRef kernel_size, IntArrayRef stride = {},
                  IntArrayRef padding = 0, IntArrayRef dilation = 1, bool ceil_mode = false);
/// Values and int64 indices into each flattened input plane (as PyTorch; for MaxUnpool).
std::tuple<Tensor, Tensor> max_pool1d_with_indices(const Tensor& self, IntArrayRef kernel_size,
                                                   IntArrayRef stride = {}, IntArrayRef padding = 0,
                                                   IntArrayRef dilation = 1,
                                                   bool ceil_mode = false);
std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor& self, IntArrayRef kernel_size,
                                                   IntArrayRef stride = {}, IntArrayRef padding = 0,
                                                   IntArrayRef dilation = 1,
                                                   bool ceil_mode = false);
/// Mean over windows. count_include_pad: the zero padding counts in the divisor (never the
/// part of a ceil_mode window past the padding); divisor_override replaces the divisor.
Tensor avg_pool1d(const Tensor& self, IntArrayRef kernel_size, IntArrayRef stride = {},
                  IntArrayRef padding = 0, bool ceil_mode = false, bool count_include_pad = true);
Tensor avg_pool2d(const Tensor& self, IntArrayRef kernel_size, IntArrayRef stride = {},
                  IntArrayRef padding = 0, bool ceil_mode = false, bool count_include_pad = true,
                  std::optional<int64_t> divisor_override = std::nullopt);

// ---- padding -----------------------------------------------------------------------------
/// pad = (before, after) pairs starting from the last dim; negative entries crop.
Tensor constant_pad_nd(const Tensor& self, IntArrayRef pad, const Scalar& value = 0);
/// mode "constant", "reflect", "replicate" or "circular" (the last three pad the trailing
/// 1 to 3 dims of a batched or unbatched input, as PyTorch).
Tensor pad(const Tensor& self, IntArrayRef pad, std::string_view mode = "constant",
           std::optional<double> value = std::nullopt);
/// LibTorch's names for pad's modes over 1, 2 or 3 trailing dims: `padding` has 2, 4 or 6
/// entries, (left, right[, top, bottom[, front, back]]).
Tensor reflection_pad1d(const Tensor& self, IntArrayRef padding);
Tensor reflection_pad2d(const Tensor& self, IntArrayRef padding);
Tensor reflection_pad3d(const Tensor& self, IntArrayRef padding);
Tensor replication_pad1d(const Tensor& self, IntArrayRef padding);
Tensor replication_pad2d(const Tensor& self, IntArrayRef padding);
Tensor replication_pad3d(const Tensor& self, IntArrayRef padding);

}  // namespace nabla
