// The conv2d shapes of workload 7, shared by cpp/conv.cpp (nabla, LibTorch) and
// cpp/conv_onednn.cpp (oneDNN alone); bench/pytorch/conv.py lists the same.
#pragma once

#include <cstdint>

namespace bench {

struct ConvShape {
  const char* name;
  int64_t n, cin, cout, hw, k, stride, pad;
  int64_t groups = 1;  // cin for a depthwise convolution
  int64_t out() const { return (hw + 2 * pad - k) / stride + 1; }
  /// Forward + input and weight gradients: 3 x the forward's 2 * N * Cout * Hout * Wout *
  /// (Cin / groups) * Kh * Kw.
  double flops() const {
    return 3.0 * 2.0 * static_cast<double>(n * cout * out() * out()) *
           static_cast<double>(cin / groups * k * k);
  }
};

inline constexpr ConvShape kConvShapes[] = {
    {"64->64 3x3 56x56 N8", 8, 64, 64, 56, 3, 1, 1},
    {"128->128 3x3 28x28 N32", 32, 128, 128, 28, 3, 1, 1},
    {"1->32 3x3 28x28 N32", 32, 1, 32, 28, 3, 1, 1},
    {"3->64 7x7/2 224x224 N8", 8, 3, 64, 224, 7, 2, 3},
    // MobileNet's kind of layer: little arithmetic per byte, so GFLOP/s are low for everyone.
    {"depthwise 64 3x3 56x56 N8", 8, 64, 64, 56, 3, 1, 1, 64},
};

}  // namespace bench
