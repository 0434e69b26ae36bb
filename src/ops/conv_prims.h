// The convolution primitive for other op families (avg_pool): y = conv(x, w) + bias with the
// output's spatial sizes given (zeros implied past the input where they need them); and the
// fused block conv -> relu -> max_pool for nn::Sequential.
#pragma once

#include <vector>

#include "backend/backend.h"

namespace nabla::detail {

Tensor conv_with_geometry(const Tensor& x, const Tensor& w, const Tensor& bias,
                          const std::vector<int64_t>& out_spatial, const ConvGeometry& g);

/// max_pool2d(relu(conv2d(input, weight, bias, stride, padding, dilation, groups)),
/// pool_kernel, pool_stride) (no pooling padding or dilation, floor mode), as one op where the
/// backend has the fused block (Backend::conv_relu_max_pool_forward), else composed: the same
/// values, the same errors. Sequential runs Conv2d, ReLU, MaxPool2d through it.
Tensor conv2d_relu_max_pool2d(const Tensor& input, const Tensor& weight, const Tensor& bias,
                              IntArrayRef stride, IntArrayRef padding, IntArrayRef dilation,
                              int64_t groups, IntArrayRef pool_kernel, IntArrayRef pool_stride);

}  // namespace nabla::detail
