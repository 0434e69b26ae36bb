// exp, sigmoid and tanh for float32 kernels that the compiler can vectorize: branch-free,
// inlined, no calls into libm (glibc's expf/tanhf are scalar calls, about a fifth of an LSTM
// step). Cephes' polynomials, accurate to a few float ulps (tests/test_rnn.cpp compares the
// fused cells against the libm composition). float64 keeps libm.
#pragma once

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "backend/cpu/multiversion.h"

namespace nabla::detail::fast {

/// e^x for float: x = n ln2 + r with |r| <= ln2/2, e^r by a degree-6 polynomial, 2^n by
/// building the exponent bits. x is clamped to [-87.3, 88.3] (n in [-126, 127]): results
/// saturate at the smallest normal and at 2.2e38, which is all that sigmoid and tanh need.
/// std::max/min (not ternaries with other operations in them) keep the loop branch-free.
inline float exp(float x) {
  x = std::min(std::max(x, -87.33654f), 88.3762626647949f);
  // Round x / ln2 to the nearest integer by adding 1.5 * 2^23 (no call, vectorizes on SSE2).
  const float shifted = x * 1.44269504088896341f + 12582912.0f;
  const float n = shifted - 12582912.0f;
  // Cody-Waite: ln2 in two parts, so that r keeps its low bits.
  const float r = (x - n * 0.693359375f) - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const float er = p * r * r + r + 1.0f;
  const int32_t bits = (static_cast<int32_t>(n) + 127) << 23;
  return er * std::bit_cast<float>(bits);
}

/// e^x, or exactly 0 where it would be below the smallest normal float (x < -87.33, -inf
/// included): softmax weights of masked scores stay 0, as flush-to-zero would make them.
inline float exp_or_zero(float x) {
  const float e = fast::exp(x);
  return x < -87.33654f ? 0.0f : e;
}

inline float sigmoid(float x) { return 1.0f / (1.0f + fast::exp(-x)); }

/// tanh for float: Cephes' odd polynomial near 0 (where 1 - 2 / (e^2x + 1) would cancel), the
/// exponential form elsewhere; both are computed and one is selected, so that it vectorizes.
inline float tanh(float x) {
  const float ax = std::fabs(x);
  const float s = x * x;
  float p = -5.70498872745e-3f;
  p = p * s + 2.06390887954e-2f;
  p = p * s - 5.37397155531e-2f;
  p = p * s + 1.33314422036e-1f;
  p = p * s - 3.33332819422e-1f;
  const float small = p * s * x + x;
  const float big = 1.0f - 2.0f / (fast::exp(2.0f * ax) + 1.0f);
  // copysign on both: tanh(-0) is -0, which the polynomial alone would round to +0.
  return std::copysign(ax < 0.625f ? small : big, x);
}

/// take ? x : y for float or double, selected on the bits. Written as a ternary, g++ 12 emits a
/// branch, which mispredicts on data such as a ReLU mask or the winner of a max-pool window;
/// the mask form has none and vectorizes. Other types keep the ternary.
template <class T>
inline T select_bits(bool take, T x, T y) {
  if constexpr (std::is_floating_point_v<T> && (sizeof(T) == 4 || sizeof(T) == 8)) {
    using Bits = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;
    const Bits mask = Bits(0) - static_cast<Bits>(take);
    const Bits bits = (std::bit_cast<Bits>(x) & mask) | (std::bit_cast<Bits>(y) & ~mask);
    return std::bit_cast<T>(bits);
  } else {
    return take ? x : y;
  }
}

inline double exp(double x) { return std::exp(x); }
inline double exp_or_zero(double x) { return std::exp(x); }
inline double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }
inline double tanh(double x) { return std::tanh(x); }

}  // namespace nabla::detail::fast
