// Fused batch-normalization kernels over contiguous [N, C, S] float/double data (see
// backend.h). One channel is one task: its N blocks of S values are summed in a fixed order
// (8 double lanes, then the tail), so results do not depend on the thread count; the second
// pass over a channel (deviations, or dx) mostly hits the cache the first pass filled.
#include <initializer_list>

#include "backend/cpu/cpu_backend.h"
#include "core/dispatch.h"
#include "core/parallel.h"

namespace nabla::cpu {
namespace {

constexpr int kBatchNormLanes = 8;

bool usable(const Tensor& x, std::initializer_list<const Tensor*> others) {
  if (!x.defined() || !x.device().is_cpu() || !x.is_contiguous() || x.dim() != 3 ||
      (x.scalar_type() != kFloat && x.scalar_type() != kDouble)) {
    return false;
  }
  for (const Tensor* t : others) {
    if (t->defined() &&
        (!t->device().is_cpu() || !t->is_contiguous() || t->scalar_type() != x.scalar_type())) {
      return false;
    }
  }
  return true;
}

// sum of f(p[i]) for i < n, in a fixed order.
template <class T, class F>
double lane_sum(const T* p, int64_t n, F f) {
  double acc[kBatchNormLanes] = {};
  int64_t i = 0;
  for (; i + kBatchNormLanes <= n; i += kBatchNormLanes) {
    for (int k = 0; k < kBatchNormLanes; ++k) acc[k] += f(p[i + k]);
  }
  double s = 0;
  for (; i < n; ++i) s += f(p[i]);
  for (double a : acc) s += a;
  return s;
}

// sum of dy[i] and of dy[i] * (x[i] - m), in a fixed order.
template <class T>
void lane_sums2(const T* x, const T* dy, int64_t n, double m, double& sdy, double& sdx) {
  double a[kBatchNormLanes] = {}, b[kBatchNormLanes] = {};
  int64_t i = 0;
  for (; i + kBatchNormLanes <= n; i += kBatchNormLanes) {
    for (int k = 0; k < kBatchNormLanes; ++k) {
      a[k] += dy[i + k];
      b[k] += double(dy[i + k]) * (double(x[i + k]) - m);
    }
  }
  for (; i < n; ++i) {
    sdy += dy[i];
    sdx += double(dy[i]) * (double(x[i]) - m);
  }
  for (int k = 0; k < kBatchNormLanes; ++k) {
    sdy += a[k];
    sdx += b[k];
  }
}

}  // namespace

bool CpuBackend::batch_norm_stats(const Tensor& x, const Tensor& mean, const Tensor& var) {
  if (!usable(x, {&mean, &var})) return false;
  const int64_t n = x.size(0), c = x.size(1), s = x.size(2);
  const double count = double(n) * double(s);
  detail::sync_fp_mode();
  detail::dispatch_native_floating(x.scalar_type(), "batch_norm", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* px = x.data_ptr<T>();
    T* pm = mean.data_ptr<T>();
    T* pv = var.data_ptr<T>();
    detail::parallel_for(c, 1, [&](int64_t c0, int64_t c1) {
      for (int64_t ch = c0; ch < c1; ++ch) {
        double sum = 0;
        for (int64_t b = 0; b < n; ++b) {
          sum += lane_sum(px + (b * c + ch) * s, s, [](T v) { return double(v); });
        }
        const double m = sum / count;
        double dev = 0;
        for (int64_t b = 0; b < n; ++b) {
          dev += lane_sum(px + (b * c + ch) * s, s, [m](T v) {
            const double d = double(v) - m;
            return d * d;
          });
        }
        pm[ch] = T(m);
        pv[ch] = T(dev / count);
      }
    });
  });
  return true;
}

bool CpuBackend::batch_norm_apply(const Tensor& x, const Tensor& scale, const Tensor& shift,
                                  const Tensor& y) {
  if (!usable(x, {&scale, &shift, &y}) || !scale.defined() || !shift.defined()) return false;
  const int64_t n = x.size(0), c = x.size(1), s = x.size(2);
  detail::sync_fp_mode();
  detail::dispatch_native_floating(x.scalar_type(), "batch_norm", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* px = x.data_ptr<T>();
    const T* a = scale.data_ptr<T>();
    const T* b = shift.data_ptr<T>();
    T* py = y.data_ptr<T>();
    detail::parallel_for(n * c, std::max<int64_t>(1, 16384 / std::max<int64_t>(s, 1)),
                         [&](int64_t r0, int64_t r1) {
                           for (int64_t r = r0; r < r1; ++r) {
                             const T sc = a[r % c], sh = b[r % c];
                             const T* in = px + r * s;
                             T* out = py + r * s;
                             for (int64_t i = 0; i < s; ++i) out[i] = in[i] * sc + sh;
                           }
                         });
  });
  return true;
}

bool CpuBackend::batch_norm_backward(const Tensor& x, const Tensor& dy, const Tensor& mean,
                                     const Tensor& invstd, const Tensor& scale,
                                     const Tensor& sum_dy, const Tensor& sum_dy_xhat,
                                     const Tensor& dx) {
  if (!usable(x, {&dy, &mean, &invstd, &scale, &sum_dy, &sum_dy_xhat, &dx}) ||
      dy.sizes() != x.sizes() || (dx.defined() && (!scale.defined() || dx.sizes() != x.sizes()))) {
    return false;
  }
  const int64_t n = x.size(0), c = x.size(1), s = x.size(2);
  const double count = double(n) * double(s);
  detail::sync_fp_mode();
  detail::dispatch_native_floating(x.scalar_type(), "batch_norm_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* px = x.data_ptr<T>();
    const T* pg = dy.data_ptr<T>();
    const T* pm = mean.data_ptr<T>();
    const T* pi = invstd.data_ptr<T>();
    T* psum = sum_dy.data_ptr<T>();
    T* psumx = sum_dy_xhat.data_ptr<T>();
    detail::parallel_for(c, 1, [&](int64_t c0, int64_t c1) {
      for (int64_t ch = c0; ch < c1; ++ch) {
        const double m = pm[ch], is = pi[ch];
        double sdy = 0, sdx = 0;
        for (int64_t b = 0; b < n; ++b) {
          const int64_t off = (b * c + ch) * s;
          lane_sums2(px + off, pg + off, s, m, sdy, sdx);
        }
        sdx *= is;
        psum[ch] = T(sdy);
        psumx[ch] = T(sdx);
        if (!dx.defined()) continue;
        // dx = sc * (dy - sdy / M - (x - m) * is * sdx / M) = ga * dy + be * x + ce.
        const double sc = scale.data_ptr<T>()[ch];
        const double be = -sc * is * sdx / count;
        const T ga = T(sc), bt = T(be), ce = T(-sc * sdy / count - be * m);
        T* pd = dx.data_ptr<T>();
        for (int64_t b = 0; b < n; ++b) {
          const int64_t off = (b * c + ch) * s;
          for (int64_t i = 0; i < s; ++i) pd[off + i] = ga * pg[off + i] + bt * px[off + i] + ce;
        }
      }
    });
  });
  return true;
}

}  // namespace nabla::cpu
