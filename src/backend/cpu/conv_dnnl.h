// float32 convolutions on oneDNN (src/backend/cpu/conv_dnnl.cpp), for CpuBackend's conv_*:
// each returns false, having touched nothing, where it does not apply (built without oneDNN,
// NABLA_DISABLE_DNNL=1, a geometry oneDNN rejects), and the caller runs the im2col kernels.
// Tensors: contiguous float32 x [N, C, *in], w [Co, C / G, *k], y [N, Co, *out].
//
// The float32 passes cut the batch into chunks over nabla's threads; `whole` runs it as one
// oneDNN call on the calling thread instead, for a caller that chunks the batch itself (the
// fused conv -> relu -> max_pool block in conv.cpp).
#pragma once

#include "backend/backend.h"

namespace nabla::cpu {

/// Whether convolutions may use oneDNN: built with it and NABLA_DISABLE_DNNL is not 1 (read once).
bool dnnl_conv_enabled();
/// y = conv(x, w).
bool dnnl_conv_forward(IntArrayRef xs, IntArrayRef ws, IntArrayRef ys, const ConvGeometry& g,
                       const float* x, const float* w, float* y, bool whole = false);
/// dx = the input gradient for dy.
/// dnnl_conv_forward with y += bias[c] inside the convolution (bias [Co]).
bool dnnl_conv_forward_bias(IntArrayRef xs, IntArrayRef ws, IntArrayRef ys, const ConvGeometry& g,
                            const float* x, const float* w, const float* bias, float* y,
                            bool whole = false);
/// dnnl_conv_backward_weight that also writes db [Co], dy summed over batch and positions.
bool dnnl_conv_backward_weight_bias(IntArrayRef xs, IntArrayRef ws, IntArrayRef ys,
                                    const ConvGeometry& g, const float* x, const float* dy,
                                    float* dw, float* db, bool whole = false);
bool dnnl_conv_backward_input(IntArrayRef xs, IntArrayRef ws, IntArrayRef ys, const ConvGeometry& g,
                              const float* dy, const float* w, float* dx, bool whole = false);
/// dw = the weight gradient for x and dy.
bool dnnl_conv_backward_weight(IntArrayRef xs, IntArrayRef ws, IntArrayRef ys,
                               const ConvGeometry& g, const float* x, const float* dy, float* dw,
                               bool whole = false);

// The same passes in bfloat16 (float32 accumulation), only where the CPU has AVX512-BF16: x, w,
// y, dy and dx bfloat16; the weight gradient dw float32 (the caller rounds it).
bool dnnl_conv_forward_bf16(IntArrayRef xs, IntArrayRef ws, IntArrayRef ys, const ConvGeometry& g,
                            const void* x, const void* w, void* y);
bool dnnl_conv_backward_input_bf16(IntArrayRef xs, IntArrayRef ws, IntArrayRef ys,
                                   const ConvGeometry& g, const void* dy, const void* w, void* dx);
bool dnnl_conv_backward_weight_bf16(IntArrayRef xs, IntArrayRef ws, IntArrayRef ys,
                                    const ConvGeometry& g, const void* x, const void* dy,
                                    float* dw);

}  // namespace nabla::cpu
