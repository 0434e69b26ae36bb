// The direct forward convolution for 1-3 input channels (see conv_direct.h). With so few
// channels a convolution has little arithmetic per byte, and oneDNN's fast kernels spend much
// of their time reordering NCHW chunks to and from blocked layouts. This kernel works on NCHW
// as it is: each task takes one image and a block of 16 output channels; per output row and
// 16-column chunk it keeps the block's 16 sums in registers (started at the bias) and, per
// tap, loads 16 input values once and multiplies them by the 16 channels' weights (broadcast).
// Each output's sum runs over the taps in a fixed order and tasks never share an output, so
// the bits do not depend on the thread count. Padding is applied once, to a zero-padded copy
// of the input.
// (A weight-gradient kernel on the same plan, one register per tap and output channel, ran no
// faster than oneDNN's: 0.19-0.20 against 0.21 ms for 1->32 3x3 on [64, 1, 28, 28], 2 threads,
// and 0.87 against 0.48-0.60 ms with 3 input channels; it was not kept.)
#include "backend/cpu/conv_direct.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <type_traits>
#include <vector>

#include "core/parallel.h"

#include "backend/cpu/x86_kernels.h"

namespace nabla::cpu {

#if NABLA_X86_INTRINSICS

namespace {

constexpr int64_t kConvLanes = 16;      // floats in a 512-bit register
constexpr int64_t kMaxTaps = 27;        // C * K * K, the shapes with_shape instantiates
constexpr int64_t kBlock = kConvLanes;  // output channels per forward task

__mmask16 lanes_mask(int64_t lanes) {
  return lanes >= kConvLanes ? static_cast<__mmask16>(0xFFFF)
                             : static_cast<__mmask16>((1u << lanes) - 1);
}

// One image's input planes as the kernel reads them: x itself without padding, else a
// zero-padded copy in a per-thread buffer that only grows (one image's planes, not the batch's).
struct Padded {
  const float* data;
  int64_t rows, pitch;  // of one plane
};

Padded padded_image(const DirectConv& s, const float* x, int64_t n) {
  const float* xn = x + n * s.c * s.h * s.w;
  if (s.ph == 0 && s.pw == 0) return {xn, s.h, s.w};
  const int64_t rows = s.h + 2 * s.ph, pitch = s.w + 2 * s.pw;
  thread_local std::vector<float> buf;
  const auto floats = static_cast<size_t>(s.c * rows * pitch);
  if (buf.size() < floats) buf.resize(floats);
  std::fill_n(buf.data(), floats, 0.0f);
  for (int64_t c = 0; c < s.c; ++c)
    for (int64_t r = 0; r < s.h; ++r)
      std::memcpy(buf.data() + (c * rows + r + s.ph) * pitch + s.pw, xn + (c * s.h + r) * s.w,
                  static_cast<size_t>(s.w) * sizeof(float));
  return {buf.data(), rows, pitch};
}

// acc + v * (*w broadcast to 16 lanes), with *w read by the FMA itself (an embedded broadcast
// operand). Written with _mm512_set1_ps, GCC 12 loads all C * K * K * 16 weights ahead of the
// loops and spills them to the stack.
NABLA_TARGET_AVX512 inline __m512 fma_broadcast(__m512 acc, __m512 v, const float* w) {
  asm("vfmadd231ps %[w]%{1to16%}, %[v], %[acc]" : [acc] "+v"(acc) : [v] "v"(v), [w] "m"(*w));
  return acc;
}

// 16 floats from p; a full chunk loads all of them (the FMA can take the load as its operand),
// the last chunk of a row only the lanes in m (the others read as zeros and nothing past the
// input is touched).
template <bool Full>
NABLA_TARGET_AVX512 inline __m512 load_chunk(const float* p, __mmask16 m) {
  if constexpr (Full) return _mm512_loadu_ps(p);
  return _mm512_maskz_loadu_ps(m, p);
}

// One 16-column chunk of one output row for a block of 16 output channels. wb: the block's
// weights as [tap][16], bb: its bias [16] (zeros past the last channel and without bias).
template <int C, int K, bool Full>
NABLA_TARGET_AVX512 void forward_chunk(const float* xn, int64_t rows, int64_t pitch,
                                       const float* wb, const float* bb, float* out, int64_t plane,
                                       int64_t channels, __mmask16 m) {
  __m512 acc[kBlock];
#pragma GCC unroll 16
  for (int j = 0; j < kBlock; ++j) acc[j] = _mm512_set1_ps(bb[j]);
#pragma GCC unroll 3
  for (int c = 0; c < C; ++c)
#pragma GCC unroll 5
    for (int kh = 0; kh < K; ++kh)
#pragma GCC unroll 5
      for (int kw = 0; kw < K; ++kw) {
        const __m512 v = load_chunk<Full>(xn + (c * rows + kh) * pitch + kw, m);
        const float* wt = wb + ((c * K + kh) * K + kw) * kBlock;
#pragma GCC unroll 16
        for (int j = 0; j < kBlock; ++j) acc[j] = fma_broadcast(acc[j], v, wt + j);
      }
  for (int64_t j = 0; j < channels; ++j) {
    if constexpr (Full)
      _mm512_storeu_ps(out + j * plane, acc[j]);
    else
      _mm512_mask_storeu_ps(out + j * plane, m, acc[j]);
  }
}

// One image (its padded planes xp), one block of up to 16 output channels starting at oc0.
template <int C, int K>
NABLA_TARGET_AVX512 void forward_block(const DirectConv& s, const Padded& xp, const float* wb,
                                       const float* bb, float* y, int64_t n, int64_t oc0,
                                       int64_t channels) {
  const float* xn = xp.data;
  const int64_t plane = s.oh * s.ow, full = s.ow / kConvLanes * kConvLanes;
  const __mmask16 tail = lanes_mask(s.ow - full);
  for (int64_t oh = 0; oh < s.oh; ++oh) {
    const float* x_row = xn + oh * xp.pitch;
    float* y_row = y + (n * s.co + oc0) * plane + oh * s.ow;
    for (int64_t ow0 = 0; ow0 < full; ow0 += kConvLanes)
      forward_chunk<C, K, true>(x_row + ow0, xp.rows, xp.pitch, wb, bb, y_row + ow0, plane,
                                channels, 0xFFFF);
    if (full < s.ow)
      forward_chunk<C, K, false>(x_row + full, xp.rows, xp.pitch, wb, bb, y_row + full, plane,
                                 channels, tail);
  }
}

// Calls f(C, K) as compile-time constants for the shapes the kernels take.
template <class F>
void with_shape(int64_t c, int64_t k, F&& f) {
  using std::integral_constant;
  switch (c * 8 + k) {
#define NABLA_DIRECT_SHAPE(C, K) \
  case C * 8 + K:                \
    return f(integral_constant<int, C>{}, integral_constant<int, K>{});
    NABLA_DIRECT_SHAPE(1, 1)
    NABLA_DIRECT_SHAPE(1, 2)
    NABLA_DIRECT_SHAPE(1, 3)
    NABLA_DIRECT_SHAPE(1, 4)
    NABLA_DIRECT_SHAPE(1, 5)
    NABLA_DIRECT_SHAPE(2, 1)
    NABLA_DIRECT_SHAPE(2, 2)
    NABLA_DIRECT_SHAPE(2, 3)
    NABLA_DIRECT_SHAPE(3, 1)
    NABLA_DIRECT_SHAPE(3, 2)
    NABLA_DIRECT_SHAPE(3, 3)
#undef NABLA_DIRECT_SHAPE
  }
}

bool enabled_on_this_cpu() {
  static const bool on = [] {
    const char* v = std::getenv("NABLA_DIRECT_CONV");
    if (v && std::strcmp(v, "0") == 0) return false;
    return __builtin_cpu_supports("avx512f") != 0;
  }();
  return on;
}

}  // namespace

bool direct_conv_applies(const DirectConv& s) {
  if (!enabled_on_this_cpu()) return false;
  if (s.c < 1 || s.c > 3 || s.k < 1 || s.c * s.k * s.k > kMaxTaps) return false;
  if (s.n < 1 || s.co < 1 || s.ph < 0 || s.pw < 0 || s.oh < 1 || s.ow < 1) return false;
  return s.oh == s.h + 2 * s.ph - s.k + 1 && s.ow == s.w + 2 * s.pw - s.k + 1;
}

void direct_conv_forward(const DirectConv& s, const float* x, const float* w, const float* bias,
                         float* y) {
  const int64_t taps = s.c * s.k * s.k, blocks = (s.co + kBlock - 1) / kBlock;
  // Weights as [block][tap][16] and bias as [block][16], zeros past the last channel.
  std::vector<float> packed(static_cast<size_t>(blocks * (taps + 1) * kBlock), 0.0f);
  float* wp = packed.data();
  float* bp = wp + blocks * taps * kBlock;
  for (int64_t oc = 0; oc < s.co; ++oc) {
    const int64_t b = oc / kBlock, j = oc % kBlock;
    for (int64_t t = 0; t < taps; ++t) wp[(b * taps + t) * kBlock + j] = w[oc * taps + t];
    if (bias) bp[b * kBlock + j] = bias[oc];
  }
  with_shape(s.c, s.k, [&](auto c, auto k) {
    // A task is one image with all its channel blocks, so that each image is padded once.
    detail::parallel_for(s.n, 1, [&](int64_t n0, int64_t n1) {
      for (int64_t n = n0; n < n1; ++n) {
        const Padded xp = padded_image(s, x, n);
        for (int64_t b = 0; b < blocks; ++b)
          forward_block<c, k>(s, xp, wp + b * taps * kBlock, bp + b * kBlock, y, n, b * kBlock,
                              std::min(kBlock, s.co - b * kBlock));
      }
    });
  });
}

#else  // not x86-64 with GCC: never applies

bool direct_conv_applies(const DirectConv&) { return false; }
void direct_conv_forward(const DirectConv&, const float*, const float*, const float*, float*) {}

#endif

}  // namespace nabla::cpu
