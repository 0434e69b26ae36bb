// exp, sigmoid and tanh for float32 kernels that the compiler can vectorize: branch-free,
// inlined, no calls into libm (glibc's expf/tanhf are scalar calls, about a fifth of an LSTM
// step). Cephes' polynomials, accurate to a few float ulps (tests/test_rnn.cpp compares the
// fused cells against the libm composition). float64 keeps libm.
#pragma once

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "backend/cpu/multiversion.h"

namespace nabla::detail::fast {

/// The shared core of exp and exp_full: x = n ln2 + r with |r| <= ln2/2 (x already clamped to
/// where n fits), e^r by a degree-6 polynomial. Returns e^r and sets n.
inline float exp_reduce(float x, float& n) {
  // Round x / ln2 to the nearest integer by adding 1.5 * 2^23 (no call, vectorizes on SSE2).
  const float shifted = x * 1.44269504088896341f + 12582912.0f;
  n = shifted - 12582912.0f;
  // Cody-Waite: ln2 in two parts, so that r keeps its low bits.
  const float r = (x - n * 0.693359375f) - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  return p * r * r + r + 1.0f;
}

/// e^x for float, 2^n by building the exponent bits. x is clamped to [-87.3, 88.3] (n in
/// [-126, 127]): results saturate at the smallest normal and at 2.2e38, which is all that
/// sigmoid and tanh need. std::max/min (not ternaries with other operations in them) keep the
/// loop branch-free.
inline float exp(float x) {
  x = std::min(std::max(x, -87.33654f), 88.3762626647949f);
  float n;
  const float er = exp_reduce(x, n);
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

/// e^x for float over the whole range, as the exp op needs it: inf above 88.72, denormals
/// (a single rounding) down to -103.97 and 0 below, NaN for NaN. 2^n (n in [-151, 128]) is
/// applied as two normal powers of two, so that only the last multiplication rounds. Selects, not
/// branches, so that it vectorizes.
inline float exp_full(float x) {
  float xc = x > -104.0f ? x : -104.0f;  // also NaN -> -104: the integer conversion stays defined
  xc = xc < 88.8f ? xc : 88.8f;
  float n;
  const float er = exp_reduce(xc, n);
  const int32_t ni = static_cast<int32_t>(n);
  const int32_t n1 = ni >> 1, n2 = ni - n1;
  const float scaled = er * std::bit_cast<float>((n1 + 127) << 23);
  const float e = scaled * std::bit_cast<float>((n2 + 127) << 23);
  return x == x ? e : x;
}

/// 1 / (1 + e^-x) for float over the whole range: e = e^-|x| never overflows, and for x < 0
/// the result is e / (1 + e), which keeps its precision down to the denormals.
inline float sigmoid_full(float x) {
  const float e = exp_full(-std::fabs(x));
  const float r = 1.0f / (1.0f + e);
  return x >= 0.0f ? r : (x == x ? e * r : x);
}

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

/// erf for float, within 3 ulps (2.4 measured over a sweep of the floats):
/// - |x| < 1: x P(x^2), P a degree-6 least-squares fit of erf(x) / x (relative error 1.4e-9);
/// - |x| >= 1: 1 - e^(-x^2) R, where R = erfc(x) e^(x^2) is a degree-10 fit in
///   s = (1/|x| - 0.625) / 0.375 over 1 <= |x| <= 4 (2.3e-9); beyond 4, erf is 1 in float.
/// Both are computed and one selected, so that it vectorizes. Fits: scripts/fit_erf.py.
inline float erf(float x) {
  const float ax = std::fabs(x);
  const float x2 = x * x;
  float p = 7.898210209981993e-05f;
  p = p * x2 - 8.02435412951108e-04f;
  p = p * x2 + 5.190053577924902e-03f;
  p = p * x2 - 2.6854808537267766e-02f;
  p = p * x2 + 1.128361242824596e-01f;
  p = p * x2 - 3.7612628843325224e-01f;
  p = p * x2 + 1.1283791665100524f;
  const float small = x * p;
  float b = ax > 1.0f ? ax : 1.0f;  // also NaN -> 1
  b = b < 4.0f ? b : 4.0f;
  const float s = (1.0f / b) * 2.66666667f - 1.66666667f;
  float r = -1.997960519e-06f;
  r = r * s + 3.811999715e-06f;
  r = r * s + 2.216526350e-06f;
  r = r * s - 2.806786234e-05f;
  r = r * s + 1.198373220e-04f;
  r = r * s - 3.481230779e-04f;
  r = r * s + 4.614983006e-04f;
  r = r * s + 2.308023319e-03f;
  r = r * s - 2.424303022e-02f;
  r = r * s + 1.433564143e-01f;
  r = r * s + 3.059529926e-01f;
  const float big = 1.0f - exp_full(-b * b) * r;
  const float v = ax < 1.0f ? small : std::copysign(big, x);
  return x == x ? v : x;
}

/// The natural logarithm for float, within 1 ulp (Cephes' logf): x = m 2^e with m in
/// [sqrt(1/2), sqrt(2)), log(m) by a degree-9 polynomial in m - 1, then e ln2 added in two
/// parts. Denormals are scaled up by 2^23 first; log(0) is -inf, log(inf) inf, and negative
/// inputs and NaN give NaN. Selects, not branches, so that it vectorizes.
inline float log(float x) {
  const bool denormal = x < 1.17549435e-38f;  // also 0 and negatives, handled at the end
  const float scaled = denormal ? x * 8388608.0f : x;
  const int32_t bits = std::bit_cast<int32_t>(scaled);
  float e = static_cast<float>(((bits >> 23) & 0xff) - 126) - (denormal ? 23.0f : 0.0f);
  float m = std::bit_cast<float>((bits & 0x007fffff) | 0x3f000000);  // in [0.5, 1)
  const bool low = m < 0.707106781186547524f;
  e = low ? e - 1.0f : e;
  m = low ? m + m - 1.0f : m - 1.0f;
  const float z = m * m;
  float y = 7.0376836292e-2f;
  y = y * m - 1.1514610310e-1f;
  y = y * m + 1.1676998740e-1f;
  y = y * m - 1.2420140846e-1f;
  y = y * m + 1.4249322787e-1f;
  y = y * m - 1.6668057665e-1f;
  y = y * m + 2.0000714765e-1f;
  y = y * m - 2.4999993993e-1f;
  y = y * m + 3.3333331174e-1f;
  y = y * m * z;
  y += e * -2.12194440e-4f;
  y += -0.5f * z;
  const float result = (m + y) + e * 0.693359375f;
  const float special = x == 0.0f  ? -std::numeric_limits<float>::infinity()
                        : x > 0.0f ? x                                         // +inf
                                   : std::numeric_limits<float>::quiet_NaN();  // < 0, NaN
  return x > 0.0f && x < std::numeric_limits<float>::infinity() ? result : special;
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
inline double exp_full(double x) { return std::exp(x); }
inline double erf(double x) { return std::erf(x); }
inline double log(double x) { return std::log(x); }
inline double exp_or_zero(double x) { return std::exp(x); }
inline double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }
inline double tanh(double x) { return std::tanh(x); }

}  // namespace nabla::detail::fast
