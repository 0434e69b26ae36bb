// Fused CPU kernels for the training hot path: cross-entropy (log-softmax + NLL) forward and
// backward, and the SGD and Adam parameter updates (contracts in backend/backend.h). Each
// replaces a chain of elementwise ops (and their temporaries) with one pass over the data; the
// front-ends in src/ops/fused_*.cpp keep the unfused composition as fallback and test oracle.
// The loops are plain arrays with no aliasing between operands, so the compiler vectorizes them.
#include "backend/cpu/cpu_backend.h"
#include "backend/cpu/multiversion.h"
#include "backend/cpu/softmax_rows.h"

#include <algorithm>
#include <cmath>

#include "core/check.h"
#include "core/dispatch.h"
#include "core/parallel.h"
#include "core/tensor_impl.h"

namespace nabla::cpu {

namespace {
constexpr int64_t kUpdateGrain = 16384;  // elements per chunk of an optimizer update

/// g = softmax * scale over `count` elements, the softmax rebuilt from the saved
/// log-probabilities (e^logp, vectorized for float).
template <class T>
NABLA_CPU_CLONES void scaled_softmax(const T* logp, T* g, int64_t count, T scale) {
  for (int64_t k = 0; k < count; ++k) g[k] = softmax_exp(logp[k]) * scale;
}

template <class T>
T* ptr(const Tensor& t) {
  return t.defined() ? t.data_ptr<T>() : nullptr;
}
}  // namespace

bool CpuBackend::supports(FusedOp, ScalarType dtype) const {
  return dtype == kFloat || dtype == kDouble;
}

// ---- cross-entropy ---------------------------------------------------------------------

int64_t CpuBackend::cross_entropy_forward(const Tensor& logits, const Tensor& target,
                                          int64_t ignore_index, const Tensor& logp,
                                          const Tensor& row_loss) {
  const int64_t n = logits.size(0), c = logits.size(1);
  const int64_t* t = target.data_ptr<int64_t>();
  int64_t valid = 0;
  for (int64_t i = 0; i < n; ++i) {
    NABLA_CHECK(t[i] == ignore_index || (t[i] >= 0 && t[i] < c),
                "[cross_entropy] target {} is out of bounds for {} classes (valid targets are "
                "0..{}, or ignore_index {})",
                t[i], c, c - 1, ignore_index);
    valid += t[i] != ignore_index;
  }
  detail::sync_fp_mode();
  detail::dispatch_native_floating(logits.scalar_type(), "cross_entropy", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* x = logits.data_ptr<T>();
    T* lp = logp.data_ptr<T>();
    T* loss = row_loss.data_ptr<T>();
    // log_softmax's own row kernel (vectorized exp, sums in double), then the targets' terms.
    detail::parallel_for(n, std::max<int64_t>(1, 16384 / std::max<int64_t>(c, 1)),
                         [&](int64_t r0, int64_t r1) {
                           softmax_row_block(x, lp, c, /*log=*/true, r0, r1);
                           for (int64_t i = r0; i < r1; ++i)
                             loss[i] = t[i] == ignore_index ? T(0) : -lp[i * c + t[i]];
                         });
  });
  return valid;
}

void CpuBackend::cross_entropy_backward(const Tensor& logp, const Tensor& target,
                                        int64_t ignore_index, const Tensor& row_scale,
                                        const Tensor& grad_logits) {
  const int64_t n = logp.size(0), c = logp.size(1);
  const int64_t* t = target.data_ptr<int64_t>();
  const bool per_row = row_scale.numel() != 1;
  detail::sync_fp_mode();
  detail::dispatch_native_floating(logp.scalar_type(), "cross_entropy_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* lp = logp.data_ptr<T>();
    const T* sc = row_scale.data_ptr<T>();
    T* g = grad_logits.data_ptr<T>();
    detail::parallel_for(n, std::max<int64_t>(1, 16384 / std::max<int64_t>(c, 1)),
                         [&](int64_t r0, int64_t r1) {
                           // One scale (a mean or a sum): the whole block in one loop.
                           if (!per_row)
                             scaled_softmax(lp + r0 * c, g + r0 * c, (r1 - r0) * c, sc[0]);
                           for (int64_t i = r0; i < r1; ++i) {
                             T* gi = g + i * c;
                             if (t[i] == ignore_index) {
                               std::fill(gi, gi + c, T(0));
                               continue;
                             }
                             if (per_row) scaled_softmax(lp + i * c, gi, c, sc[i]);
                             gi[t[i]] -= per_row ? sc[i] : sc[0];
                           }
                         });
  });
}

// ---- optimizers --------------------------------------------------------------------------

namespace {
// The gradient with L2 weight decay folded in; never p * 0 (an inf parameter would give nan).
template <bool kDecay, class T>
inline T decayed(T g, T p, T wd) {
  if constexpr (kDecay) return g + wd * p;
  return g;
}

template <bool kDecay, class T>
NABLA_CPU_CLONES void sgd_loop(T* __restrict p, const T* __restrict g, T* __restrict b, int64_t i0,
                               int64_t i1, bool init_buf, T lr, T mom, T damp, T wd,
                               bool use_momentum, bool nesterov) {
  if (!use_momentum) {
    for (int64_t i = i0; i < i1; ++i) p[i] -= lr * decayed<kDecay>(g[i], p[i], wd);
  } else if (init_buf) {
    for (int64_t i = i0; i < i1; ++i) {
      const T d = decayed<kDecay>(g[i], p[i], wd);
      b[i] = d;
      p[i] -= lr * (nesterov ? d + mom * d : d);
    }
  } else if (nesterov) {
    for (int64_t i = i0; i < i1; ++i) {
      const T d = decayed<kDecay>(g[i], p[i], wd);
      b[i] = mom * b[i] + damp * d;
      p[i] -= lr * (d + mom * b[i]);
    }
  } else {
    for (int64_t i = i0; i < i1; ++i) {
      b[i] = mom * b[i] + damp * decayed<kDecay>(g[i], p[i], wd);
      p[i] -= lr * b[i];
    }
  }
}

// One pass over the parameter, vectorized (AVX-512/AVX2 clones): memory-bound at the sizes of
// a model, compute-bound (a square root and two divisions per element) only in cache.
template <bool kDecay, bool kAmsgrad, class T>
NABLA_CPU_CLONES void adam_loop(T* __restrict p, const T* __restrict g, T* __restrict m,
                                T* __restrict v, T* __restrict vmax, int64_t i0, int64_t i1, T b1,
                                T b2, T step, T bc2, T eps, T wd) {
  const T c1 = T(1) - b1, c2 = T(1) - b2;
  for (int64_t i = i0; i < i1; ++i) {
    const T d = decayed<kDecay>(g[i], p[i], wd);
    m[i] = b1 * m[i] + c1 * d;
    v[i] = b2 * v[i] + c2 * d * d;
    T vi = v[i];
    if constexpr (kAmsgrad) vi = vmax[i] = std::max(vmax[i], vi);
    p[i] -= step * m[i] / (std::sqrt(vi) / bc2 + eps);
  }
}
}  // namespace

void CpuBackend::sgd_update(const Tensor& param, const Tensor& grad, const Tensor& buf,
                            const SgdStepArgs& a) {
  detail::sync_fp_mode();
  detail::dispatch_native_floating(param.scalar_type(), "sgd", [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* p = ptr<T>(param);
    const T* g = ptr<T>(grad);
    T* b = ptr<T>(buf);
    detail::parallel_for(param.numel(), kUpdateGrain, [&](int64_t i0, int64_t i1) {
      const auto loop = a.weight_decay != 0 ? sgd_loop<true, T> : sgd_loop<false, T>;
      loop(p, g, b, i0, i1, a.init_buf, T(a.lr), T(a.momentum), T(1 - a.dampening),
           T(a.weight_decay), a.momentum != 0, a.nesterov);
    });
  });
}

void CpuBackend::adam_update(const Tensor& param, const Tensor& grad, const Tensor& m,
                             const Tensor& v, const Tensor& vmax, const AdamStepArgs& a) {
  detail::sync_fp_mode();
  detail::dispatch_native_floating(param.scalar_type(), "adam", [&](auto tag) {
    using T = typename decltype(tag)::type;
    T *p = ptr<T>(param), *mp = ptr<T>(m), *vp = ptr<T>(v), *vm = ptr<T>(vmax);
    const T* g = ptr<T>(grad);
    const bool decay = a.l2 != 0, ams = vm != nullptr;
    const auto loop = decay ? (ams ? adam_loop<true, true, T> : adam_loop<true, false, T>)
                            : (ams ? adam_loop<false, true, T> : adam_loop<false, false, T>);
    detail::parallel_for(param.numel(), kUpdateGrain, [&](int64_t i0, int64_t i1) {
      loop(p, g, mp, vp, vm, i0, i1, T(a.beta1), T(a.beta2), T(a.step_size),
           T(a.bias_correction2_sqrt), T(a.eps), T(a.l2));
    });
  });
}

}  // namespace nabla::cpu
