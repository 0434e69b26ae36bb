// GELU forward and backward as one pass each (contracts in backend/backend.h). The composite
// of the tanh approximation is eight elementwise ops forward (and their graph nodes and
// temporaries) and about twenty backward: 13% of a GPT training step. The front-end in
// src/ops/elementwise.cpp keeps that composite as the fallback and the tests' oracle.
// float32 uses fast_math.h's vectorizable tanh; the exact form ("none") calls erf.
#include <cmath>

#include "backend/cpu/cpu_backend.h"
#include "backend/cpu/fast_math.h"
#include "core/dispatch.h"
#include "core/parallel.h"
#include "core/tensor_impl.h"

namespace nabla::cpu {

namespace {

constexpr int64_t kGeluGrain = 16384;  // elements per parallel chunk

// The tanh approximation's constants: u = kAlpha (x + kBeta x^3).
template <class T>
constexpr T kAlpha = T(0.7978845608028654);  // sqrt(2 / pi)
template <class T>
constexpr T kBeta = T(0.044715);
template <class T>
constexpr T kInvSqrt2 = T(0.7071067811865476);
template <class T>
constexpr T kInvSqrt2Pi = T(0.3989422804014327);  // the normal density's 1 / sqrt(2 pi)

template <class T>
NABLA_CPU_CLONES void gelu_tanh_forward(const T* __restrict x, T* __restrict y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const T v = x[i];
    const T t = detail::fast::tanh(kAlpha<T> * (v + kBeta<T> * v * v * v));
    y[i] = T(0.5) * v * (T(1) + t);
  }
}

// d/dx 0.5 x (1 + t) = 0.5 (1 + t) + 0.5 x (1 - t^2) u'(x), with u' = kAlpha (1 + 3 kBeta x^2).
template <class T>
NABLA_CPU_CLONES void gelu_tanh_backward(const T* __restrict x, const T* __restrict dy,
                                         T* __restrict dx, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const T v = x[i], v2 = v * v;
    const T t = detail::fast::tanh(kAlpha<T> * (v + kBeta<T> * v2 * v));
    const T du = kAlpha<T> * (T(1) + T(3) * kBeta<T> * v2);
    dx[i] = dy[i] * (T(0.5) * (T(1) + t) + T(0.5) * v * (T(1) - t * t) * du);
  }
}

// float32's erf and exp are fast_math.h's, in loops compiled for AVX-512 and AVX2 too (glibc's
// erff is a scalar call): the exact GELU on [64, 32, 26, 26], 1 thread, 10.6 -> 0.91 ms
// (PyTorch 0.81 ms).
template <class T>
NABLA_CPU_CLONES void gelu_erf_forward(const T* __restrict x, T* __restrict y, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    y[i] = T(0.5) * x[i] * (T(1) + detail::fast::erf(x[i] * kInvSqrt2<T>));
}

// d/dx x Phi(x) = Phi(x) + x phi(x).
template <class T>
NABLA_CPU_CLONES void gelu_erf_backward(const T* __restrict x, const T* __restrict dy,
                                        T* __restrict dx, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const T v = x[i];
    const T cdf = T(0.5) * (T(1) + detail::fast::erf(v * kInvSqrt2<T>));
    const T pdf = kInvSqrt2Pi<T> * detail::fast::exp_full(T(-0.5) * v * v);
    dx[i] = dy[i] * (cdf + v * pdf);
  }
}

}  // namespace

void CpuBackend::gelu_forward(const Tensor& x, bool tanh_approx, const Tensor& y) {
  detail::sync_fp_mode();
  detail::dispatch_native_floating(x.scalar_type(), "gelu", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* xs = x.data_ptr<T>();
    T* ys = y.data_ptr<T>();
    detail::parallel_for(x.numel(), kGeluGrain, [=](int64_t begin, int64_t end) {
      if (tanh_approx)
        gelu_tanh_forward(xs + begin, ys + begin, end - begin);
      else
        gelu_erf_forward(xs + begin, ys + begin, end - begin);
    });
  });
}

void CpuBackend::gelu_backward(const Tensor& x, const Tensor& dy, bool tanh_approx,
                               const Tensor& dx) {
  detail::sync_fp_mode();
  detail::dispatch_native_floating(x.scalar_type(), "gelu_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* xs = x.data_ptr<T>();
    const T* g = dy.data_ptr<T>();
    T* out = dx.data_ptr<T>();
    detail::parallel_for(x.numel(), kGeluGrain, [=](int64_t begin, int64_t end) {
      if (tanh_approx)
        gelu_tanh_backward(xs + begin, g + begin, out + begin, end - begin);
      else
        gelu_erf_backward(xs + begin, g + begin, out + begin, end - begin);
    });
  });
}

}  // namespace nabla::cpu
