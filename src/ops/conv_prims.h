// The convolution primitive for other op families (avg_pool): y = conv(x, w) + bias with the
// output's spatial sizes given (zeros implied past the input where they need them).
#pragma once

#include <vector>

#include "backend/backend.h"

namespace nabla::detail {

Tensor conv_with_geometry(const Tensor& x, const Tensor& w, const Tensor& bias,
                          const std::vector<int64_t>& out_spatial, const ConvGeometry& g);

}  // namespace nabla::detail
