// Elementwise kernels: copy (with dtype conversion), fill, unary, binary, where, clamp.
// Each is one map_kernel over a functor from ops/functors.h; no per-element virtual calls.
#include <cmath>

#include "backend/cpu/cpu_backend.h"
#include "backend/cpu/loops.h"
#include "core/dispatch.h"
#include "ops/functors.h"

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
}  // namespace

void CpuBackend::copy(const Tensor& src, const Tensor& dst) {
  dispatch_all(dst.scalar_type(), "copy", [&](auto out_tag) {
    using To = typename decltype(out_tag)::type;
    dispatch_all(src.scalar_type(), "copy", [&](auto in_tag) {
      using From = typename decltype(in_tag)::type;
      map_kernel<To, From>(dst, {&src}, [](From v) { return convert<To>(v); });
    });
  });
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
void unary_float(const char* name, const Tensor& x, const Tensor& out, F f) {
  dispatch_floating(x.scalar_type(), name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    map_kernel<T, T>(out, {&x}, f);
  });
}
template <class F>
void unary_numeric(const char* name, const Tensor& x, const Tensor& out, F f) {
  dispatch_numeric(x.scalar_type(), name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    map_kernel<T, T>(out, {&x}, f);
  });
}
}  // namespace

void CpuBackend::unary(UnaryOp op, const Tensor& x, const Tensor& out) {
  namespace f = functors;
  switch (op) {
    case UnaryOp::Neg:
      return unary_numeric("neg", x, out, f::Neg{});
    case UnaryOp::Abs:
      return unary_numeric("abs", x, out, f::Abs{});
    case UnaryOp::Relu:
      return unary_numeric("relu", x, out, f::Relu{});
    case UnaryOp::Sign:
      return unary_numeric("sign", x, out, f::Sign{});
    case UnaryOp::Square:
      return unary_numeric("square", x, out, f::Square{});
    case UnaryOp::Exp:
      return unary_float("exp", x, out, f::Exp{});
    case UnaryOp::Log:
      return unary_float("log", x, out, f::Log{});
    case UnaryOp::Sqrt:
      return unary_float("sqrt", x, out, f::Sqrt{});
    case UnaryOp::Rsqrt:
      return unary_float("rsqrt", x, out, f::Rsqrt{});
    case UnaryOp::Sin:
      return unary_float("sin", x, out, f::Sin{});
    case UnaryOp::Cos:
      return unary_float("cos", x, out, f::Cos{});
    case UnaryOp::Sigmoid:
      return unary_float("sigmoid", x, out, f::Sigmoid{});
    case UnaryOp::Tanh:
      return unary_float("tanh", x, out, f::Tanh{});
    case UnaryOp::Reciprocal:
      return unary_float("reciprocal", x, out, f::Reciprocal{});
    case UnaryOp::Erf:
      return unary_float("erf", x, out, f::Erf{});
    case UnaryOp::LogicalNot:
      return dispatch_all(x.scalar_type(), "logical_not", [&](auto tag) {
        using T = typename decltype(tag)::type;
        map_kernel<bool, T>(out, {&x}, f::LogicalNot{});
      });
  }
}

namespace {
// a, b share the compute dtype T; the output is T, or bool for comparisons.
template <class F>
void binary_same(const char* name, const Tensor& a, const Tensor& b, const Tensor& out, F f) {
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
void binary_compare(const char* name, const Tensor& a, const Tensor& b, const Tensor& out, F f) {
  dispatch_all(a.scalar_type(), name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    map_kernel<bool, T, T>(out, {&a, &b}, f);
  });
}
}  // namespace

void CpuBackend::binary(BinaryOp op, const Tensor& a, const Tensor& b, const Tensor& out) {
  namespace f = functors;
  switch (op) {
    case BinaryOp::Add:
      return binary_same("add", a, b, out, f::Add{});
    case BinaryOp::Sub:
      return binary_same("sub", a, b, out, f::Sub{});
    case BinaryOp::Mul:
      return binary_same("mul", a, b, out, f::Mul{});
    case BinaryOp::Div:
      return binary_same("div", a, b, out, f::Div{});
    case BinaryOp::Pow:
      return binary_same("pow", a, b, out, f::Pow{});
    case BinaryOp::Maximum:
      return binary_same("maximum", a, b, out, f::Maximum{});
    case BinaryOp::Minimum:
      return binary_same("minimum", a, b, out, f::Minimum{});
    case BinaryOp::Eq:
      return binary_compare("eq", a, b, out, f::Eq{});
    case BinaryOp::Ne:
      return binary_compare("ne", a, b, out, f::Ne{});
    case BinaryOp::Lt:
      return binary_compare("lt", a, b, out, f::Lt{});
    case BinaryOp::Le:
      return binary_compare("le", a, b, out, f::Le{});
    case BinaryOp::Gt:
      return binary_compare("gt", a, b, out, f::Gt{});
    case BinaryOp::Ge:
      return binary_compare("ge", a, b, out, f::Ge{});
    case BinaryOp::LogicalAnd:
      return binary_compare("logical_and", a, b, out, f::LogicalAnd{});
    case BinaryOp::LogicalOr:
      return binary_compare("logical_or", a, b, out, f::LogicalOr{});
  }
}

void CpuBackend::where(const Tensor& cond, const Tensor& a, const Tensor& b, const Tensor& out) {
  dispatch_all(a.scalar_type(), "where", [&](auto tag) {
    using T = typename decltype(tag)::type;
    map_kernel<T, bool, T, T>(out, {&cond, &a, &b}, [](bool c, T x, T y) { return c ? x : y; });
  });
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
