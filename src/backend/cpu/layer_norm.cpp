// Layer normalization forward and backward as one pass over the rows each (contracts in
// backend/backend.h). The composition (mean, subtract, square, mean, add, rsqrt, multiply,
// multiply, add) is nine ops and nine graph nodes forward and about twenty ops backward, five
// times per block pair of a small GPT; the front-end in src/ops/layer_norm.cpp keeps it as
// the fallback and the tests' oracle.
#include <algorithm>
#include <cmath>

#include "backend/cpu/cpu_backend.h"
#include "backend/cpu/multiversion.h"
#include "core/dispatch.h"
#include "core/parallel.h"
#include "core/tensor_impl.h"

namespace nabla::cpu {

namespace {

constexpr int kLayerNormLanes = 16;   // partial sums: one AVX-512 register of floats
constexpr int64_t kColumnBlock = 64;  // columns per task of the weight and bias gradients
constexpr int64_t kElementGrain = 16384;

/// Sum of f(i) over [0, n) in kLayerNormLanes interleaved partial sums, added in a fixed order at
/// the end: the loop vectorizes without reassociation flags and the result does not depend on the
/// thread count (one row is always one task).
template <class T, class F>
inline double lane_sum(int64_t n, F f) {
  T acc[kLayerNormLanes] = {};
  int64_t i = 0;
  for (; i + kLayerNormLanes <= n; i += kLayerNormLanes)
    for (int l = 0; l < kLayerNormLanes; ++l) acc[l] += f(i + l);
  for (int l = 0; i < n; ++i, ++l) acc[l] += f(i);
  double sum = 0;
  for (int l = 0; l < kLayerNormLanes; ++l) sum += static_cast<double>(acc[l]);
  return sum;
}

// One row of the forward: its statistics, then y. weight and bias may be null.
template <class T>
NABLA_CPU_CLONES void forward_row(const T* __restrict x, const T* __restrict w,
                                  const T* __restrict b, double eps, int64_t n, T* __restrict y,
                                  T* mean_out, T* rstd_out) {
  const T mean = static_cast<T>(lane_sum<T>(n, [&](int64_t i) { return x[i]; }) / double(n));
  const double var = lane_sum<T>(n,
                                 [&](int64_t i) {
                                   const T d = x[i] - mean;
                                   return d * d;
                                 }) /
                     double(n);
  const T rstd = static_cast<T>(1.0 / std::sqrt(var + eps));
  *mean_out = mean;
  *rstd_out = rstd;
  if (w && b) {
    for (int64_t i = 0; i < n; ++i) y[i] = (x[i] - mean) * rstd * w[i] + b[i];
  } else {
    for (int64_t i = 0; i < n; ++i)
      y[i] = (x[i] - mean) * rstd * (w ? w[i] : T(1)) + (b ? b[i] : T(0));
  }
}

// One row of dx = rstd * (g - mean(g) - xhat * mean(g * xhat)), g = dy * weight.
template <class T>
NABLA_CPU_CLONES void backward_row(const T* __restrict x, const T* __restrict w,
                                   const T* __restrict dy, T mean, T rstd, int64_t n,
                                   T* __restrict dx) {
  auto g = [&](int64_t i) { return w ? dy[i] * w[i] : dy[i]; };
  const T g_mean = static_cast<T>(lane_sum<T>(n, g) / double(n));
  const T gx_mean = static_cast<T>(
      lane_sum<T>(n, [&](int64_t i) { return g(i) * ((x[i] - mean) * rstd); }) / double(n));
  for (int64_t i = 0; i < n; ++i) dx[i] = rstd * (g(i) - g_mean - (x[i] - mean) * rstd * gx_mean);
}

// Columns [c0, c1) of dweight = sum over rows of dy * xhat and dbias = sum of dy, rows in order.
template <class T>
NABLA_CPU_CLONES void parameter_grads(const T* __restrict x, const T* __restrict dy,
                                      const T* __restrict mean, const T* __restrict rstd,
                                      int64_t rows, int64_t n, int64_t c0, int64_t c1,
                                      T* __restrict dw, T* __restrict db) {
  T acc_w[kColumnBlock] = {}, acc_b[kColumnBlock] = {};
  const int64_t width = c1 - c0;
  for (int64_t r = 0; r < rows; ++r) {
    const T* xr = x + r * n + c0;
    const T* gr = dy + r * n + c0;
    const T m = mean[r], s = rstd[r];
    for (int64_t j = 0; j < width; ++j) {
      acc_w[j] += gr[j] * ((xr[j] - m) * s);
      acc_b[j] += gr[j];
    }
  }
  for (int64_t j = 0; j < width; ++j) {
    if (dw) dw[c0 + j] = acc_w[j];
    if (db) db[c0 + j] = acc_b[j];
  }
}

template <class T>
const T* ptr_or_null(const Tensor& t) {
  return t.defined() ? t.data_ptr<T>() : nullptr;
}

}  // namespace

bool CpuBackend::layer_norm_forward(const Tensor& x, const Tensor& weight, const Tensor& bias,
                                    double eps, const Tensor& y, const Tensor& mean,
                                    const Tensor& rstd) {
  if (x.scalar_type() != kFloat && x.scalar_type() != kDouble) return false;  // composed
  const int64_t rows = x.size(0), n = x.size(1);
  detail::sync_fp_mode();
  detail::dispatch_native_floating(x.scalar_type(), "layer_norm", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T *xs = x.data_ptr<T>(), *w = ptr_or_null<T>(weight), *b = ptr_or_null<T>(bias);
    T *ys = y.data_ptr<T>(), *ms = mean.data_ptr<T>(), *rs = rstd.data_ptr<T>();
    detail::parallel_for(rows, std::max<int64_t>(1, kElementGrain / std::max<int64_t>(n, 1)),
                         [=](int64_t r0, int64_t r1) {
                           for (int64_t r = r0; r < r1; ++r)
                             forward_row(xs + r * n, w, b, eps, n, ys + r * n, ms + r, rs + r);
                         });
  });
  return true;
}

bool CpuBackend::layer_norm_backward(const Tensor& x, const Tensor& weight, const Tensor& mean,
                                     const Tensor& rstd, const Tensor& dy, const Tensor& dx,
                                     const Tensor& dweight, const Tensor& dbias) {
  if (x.scalar_type() != kFloat && x.scalar_type() != kDouble) return false;  // composed
  const int64_t rows = x.size(0), n = x.size(1);
  detail::sync_fp_mode();
  detail::dispatch_native_floating(x.scalar_type(), "layer_norm_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T *xs = x.data_ptr<T>(), *w = ptr_or_null<T>(weight), *g = dy.data_ptr<T>();
    const T *ms = mean.data_ptr<T>(), *rs = rstd.data_ptr<T>();
    if (dx.defined()) {
      T* out = dx.data_ptr<T>();
      detail::parallel_for(rows, std::max<int64_t>(1, kElementGrain / std::max<int64_t>(n, 1)),
                           [=](int64_t r0, int64_t r1) {
                             for (int64_t r = r0; r < r1; ++r)
                               backward_row(xs + r * n, w, g + r * n, ms[r], rs[r], n, out + r * n);
                           });
    }
    if (dweight.defined() || dbias.defined()) {
      T* dw = dweight.defined() ? dweight.data_ptr<T>() : nullptr;
      T* db = dbias.defined() ? dbias.data_ptr<T>() : nullptr;
      const int64_t blocks = (n + kColumnBlock - 1) / kColumnBlock;
      detail::parallel_for(blocks, 1, [=](int64_t b0, int64_t b1) {
        for (int64_t blk = b0; blk < b1; ++blk) {
          const int64_t c0 = blk * kColumnBlock, c1 = std::min(n, c0 + kColumnBlock);
          parameter_grads(xs, g, ms, rs, rows, n, c0, c1, dw, db);
        }
      });
    }
  });
  return true;
}

}  // namespace nabla::cpu
