// The direct float32 forward convolution for the first layer of an image net: 1-3 input
// channels, stride 1, no dilation, one group, a square kernel of at most 27 taps (C * K * K),
// on CPUs with AVX-512 (src/backend/cpu/conv_direct.cpp). It reads and writes NCHW in place,
// where oneDNN's fast kernels reorder every chunk to and from blocked layouts, and adds the bias
// in the same pass: 1.6-1.9x oneDNN's forward on the first layers measured. The
// gradients stay on oneDNN and the im2col kernels, which are also its oracle in tests.
#pragma once

#include <cstdint>

namespace nabla::cpu {

/// A 2-D convolution of x [n, c, h, w] with w [co, c, k, k] into y [n, co, oh, ow], padded by
/// ph rows and pw columns of zeros on each side (oh = h + 2 ph - k + 1, ow likewise).
struct DirectConv {
  int64_t n = 0, c = 0, co = 0, h = 0, w = 0, oh = 0, ow = 0, k = 0, ph = 0, pw = 0;
};

/// Whether the direct kernels take this problem on this CPU (and NABLA_DIRECT_CONV is not 0).
bool direct_conv_applies(const DirectConv& s);
/// y = conv(x, w) (+ bias[oc] when bias is not null). All contiguous float32.
void direct_conv_forward(const DirectConv& s, const float* x, const float* w, const float* bias,
                         float* y);

}  // namespace nabla::cpu
