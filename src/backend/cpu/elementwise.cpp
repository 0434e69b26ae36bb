// Elementwise kernels: copy (with dtype conversion), fill, unary, binary, where, clamp.
// Each is one map_kernel over a functor from functors.h; no per-element virtual calls. The op
// switches are generated from the op lists (NABLA_UNARY_OPS, NABLA_BINARY_OPS).
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "backend/cpu/cpu_backend.h"
#include "backend/cpu/fast_math.h"
#include "backend/cpu/functors.h"
#include "backend/cpu/loops.h"
#include "core/dispatch.h"
#include "core/parallel.h"

namespace nabla::cpu {

using detail::dispatch_all;
using detail::dispatch_floating;
using detail::dispatch_numeric;

namespace {
template <class To, class From>
inline To convert(From v) {
  if constexpr (std::is_same_v<To, bool>)
    return v != From(0);
  else
    return static_cast<To>(v);
}
// float32 <-> bfloat16 between dense tensors of one shape (autocast's casts, every step): the
// conversions as branch-free loops over the bits, which the compiler vectorizes; the same
// results as BFloat16's own (round to nearest even, NaN -> 0x7FC0).
bool dense_bfloat16_copy(const Tensor& src, const Tensor& dst) {
  const ScalarType from = src.scalar_type(), to = dst.scalar_type();
  const bool narrowing = from == ScalarType::Float && to == ScalarType::BFloat16;
  const bool widening = from == ScalarType::BFloat16 && to == ScalarType::Float;
  if (!(narrowing || widening) || !src.is_contiguous() || !dst.is_contiguous() ||
      src.sizes() != dst.sizes())
    return false;
  constexpr int64_t kGrain = 16384;
  if (narrowing) {
    const auto* in = static_cast<const uint32_t*>(src.data_ptr());
    auto* out = static_cast<uint16_t*>(dst.data_ptr());
    detail::parallel_for(dst.numel(), kGrain, [=](int64_t i0, int64_t i1) {
      for (int64_t i = i0; i < i1; ++i) {
        const uint32_t u = in[i];
        const auto rounded = static_cast<uint16_t>((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16);
        out[i] = (u & 0x7FFFFFFFu) > 0x7F800000u ? uint16_t{0x7FC0} : rounded;
      }
    });
  } else {
    const auto* in = static_cast<const uint16_t*>(src.data_ptr());
    auto* out = static_cast<uint32_t*>(dst.data_ptr());
    detail::parallel_for(dst.numel(), kGrain, [=](int64_t i0, int64_t i1) {
      for (int64_t i = i0; i < i1; ++i) out[i] = uint32_t{in[i]} << 16;
    });
  }
  return true;
}
}  // namespace

CpuBackend& cpu_backend() {
  static CpuBackend backend;
  return backend;
}

void CpuBackend::copy(const Tensor& src, const Tensor& dst) {
  if (dense_bfloat16_copy(src, dst)) return;
  dispatch_all(dst.scalar_type(), "copy", [&](auto out_tag) {
    using To = typename decltype(out_tag)::type;
    dispatch_all(src.scalar_type(), "copy", [&](auto in_tag) {
      using From = typename decltype(in_tag)::type;
      map_kernel<To, From>(dst, {&src}, [](From v) { return convert<To>(v); });
    });
  });
}

Tensor CpuBackend::float32_like(const Tensor& t) {
  return detail::make_tensor(t.sizes(), ScalarType::Float, t.device());
}

Tensor CpuBackend::float32_copy(const Tensor& t) {
  Tensor f = float32_like(t);
  copy(t, f);
  return f;
}

void CpuBackend::fill(const Tensor& dst, const Scalar& value) {
  dispatch_all(dst.scalar_type(), "fill", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T v = value.to<T>();
    // The output alone: a map with no inputs.
    map_kernel<T>(dst, {}, [v]() { return v; });
  });
}

namespace {
template <class F>
void unary_Floating(const char* name, const Tensor& x, const Tensor& out, F f) {
  dispatch_floating(x.scalar_type(), name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    map_kernel<T, T>(out, {&x}, f);
  });
}
template <class F>
void unary_Numeric(const char* name, const Tensor& x, const Tensor& out, F f) {
  dispatch_numeric(x.scalar_type(), name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    map_kernel<T, T>(out, {&x}, f);
  });
}
template <class F>
void unary_Logical(const char* name, const Tensor& x, const Tensor& out, F f) {
  dispatch_all(x.scalar_type(), name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    map_kernel<bool, T>(out, {&x}, f);
  });
}
/// The functor, given the op's parameters when it takes them.
template <class F>
F make_functor(const UnaryParams& params) {
  if constexpr (std::is_constructible_v<F, const UnaryParams&>)
    return F(params);
  else
    return F{};
}
}  // namespace

void CpuBackend::unary(UnaryOp op, const Tensor& x, const Tensor& out, const UnaryParams& params) {
  if (op == UnaryOp::Tanh && x.scalar_type() == kFloat) {
    // glibc's tanhf is a scalar call (with expm1f inside): 16% of a GPT training step through
    // GELU's tanh approximation. fast::tanh vectorizes (a few ulps, as the LSTM cells use).
    map_kernel<float, float>(out, {&x}, [](float v) { return detail::fast::tanh(v); });
    return;
  }
  switch (op) {
#define NABLA_CASE(F, name, kind, row) \
  case UnaryOp::F:                     \
    return unary_##kind(#name, x, out, make_functor<functors::F>(params));
    NABLA_UNARY_OPS(NABLA_CASE)
#undef NABLA_CASE
  }
}

namespace {
// a, b share the compute dtype T; the output is T, or bool for comparisons.
template <class F>
void binary_Arith(const char* name, const Tensor& a, const Tensor& b, const Tensor& out, F f) {
  dispatch_all(a.scalar_type(), name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_same_v<T, bool>) {
      // Arithmetic on bool: compute in uint8 semantics, as PyTorch (True + True == True).
      map_kernel<bool, bool, bool>(out, {&a, &b}, [f](bool x, bool y) {
        return static_cast<bool>(f(static_cast<uint8_t>(x), static_cast<uint8_t>(y)));
      });
    } else {
      map_kernel<T, T, T>(out, {&a, &b}, f);
    }
  });
}
template <class F>
void binary_Compare(const char* name, const Tensor& a, const Tensor& b, const Tensor& out, F f) {
  dispatch_all(a.scalar_type(), name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    map_kernel<bool, T, T>(out, {&a, &b}, f);
  });
}
}  // namespace

void CpuBackend::binary(BinaryOp op, const Tensor& a, const Tensor& b, const Tensor& out) {
  switch (op) {
#define NABLA_CASE(F, name, kind, row) \
  case BinaryOp::F:                    \
    return binary_##kind(#name, a, b, out, functors::F{});
    NABLA_BINARY_OPS(NABLA_CASE)
#undef NABLA_CASE
  }
}

namespace {
/// Whether t is one element broadcast (every stride 0), as where(mask, g, 0)'s scalar.
bool is_broadcast_scalar(const Tensor& t) {
  for (int64_t st : t.strides())
    if (st != 0) return false;
  return t.numel() > 0;
}
}  // namespace

void CpuBackend::where(const Tensor& cond, const Tensor& a, const Tensor& b, const Tensor& out) {
  dispatch_all(a.scalar_type(), "where", [&](auto tag) {
    using T = typename decltype(tag)::type;
    // A scalar side is read once, so the loop has two array inputs (the vectorized path).
    if (is_broadcast_scalar(b)) {
      const T y = *b.data_ptr<T>();
      return map_kernel<T, bool, T>(
          out, {&cond, &a}, [y](bool c, T x) { return detail::fast::select_bits(c, x, y); });
    }
    if (is_broadcast_scalar(a)) {
      const T x = *a.data_ptr<T>();
      return map_kernel<T, bool, T>(
          out, {&cond, &b}, [x](bool c, T y) { return detail::fast::select_bits(c, x, y); });
    }
    map_kernel<T, bool, T, T>(out, {&cond, &a, &b},
                              [](bool c, T x, T y) { return detail::fast::select_bits(c, x, y); });
  });
}

// One pass instead of a compare into a bool tensor and a select (relu's backward).
bool CpuBackend::threshold_backward(const Tensor& dy, const Tensor& y, double threshold,
                                    const Tensor& dx) {
  if (dy.scalar_type() != y.scalar_type() || dx.scalar_type() != y.scalar_type() ||
      !isFloatingType(y.scalar_type()))
    return false;
  dispatch_floating(y.scalar_type(), "threshold_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T th = static_cast<T>(threshold);
    map_kernel<T, T, T>(dx, {&dy, &y},
                        [th](T g, T r) { return detail::fast::select_bits(r > th, g, T(0)); });
  });
  return true;
}

void CpuBackend::clamp(const Tensor& x, std::optional<double> min, std::optional<double> max,
                       const Tensor& out) {
  dispatch_numeric(x.scalar_type(), "clamp", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const bool has_lo = min.has_value(), has_hi = max.has_value();
    const T lo = has_lo ? static_cast<T>(*min) : T(0);
    const T hi = has_hi ? static_cast<T>(*max) : T(0);
    map_kernel<T, T>(out, {&x}, [=](T v) {
      // NaN propagates (comparisons with NaN are false).
      if (has_lo && v < lo) v = lo;
      if (has_hi && v > hi) v = hi;
      return v;
    });
  });
}

}  // namespace nabla::cpu
