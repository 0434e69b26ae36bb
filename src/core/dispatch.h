// Runtime dtype -> compile-time type: dispatch(dtype, [&](auto tag) { using T =
// decltype(tag)::type; })
#pragma once

#include <cstdint>
#include <type_traits>

#include "core/check.h"

namespace nabla::detail {

template <class T>
struct TypeTag {
  using type = T;
};

/// Whether T is one of nabla's floating element types (std::is_floating_point_v, with the
/// 16-bit floats that it does not know).
template <class T>
inline constexpr bool is_floating_v =
    std::is_floating_point_v<T> || std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>;

/// Calls f(TypeTag<T>{}) for the C++ type of `dtype` (every dtype of
/// NABLA_FORALL_SCALAR_TYPES).
template <class F>
decltype(auto) dispatch_all(ScalarType dtype, const char* op, F&& f) {
  switch (dtype) {
#define NABLA_CASE(T, name, str, kind, rank, ...) \
  case ScalarType::name:                          \
    return f(TypeTag<T>{});
    NABLA_FORALL_SCALAR_TYPES(NABLA_CASE)
#undef NABLA_CASE
  }
  NABLA_ERROR("[{}] unsupported dtype", op);
}

/// As dispatch_all, for the floating dtypes only.
template <class F>
decltype(auto) dispatch_floating(ScalarType dtype, const char* op, F&& f) {
  switch (dtype) {
#define NABLA_CASE(T, name, str, kind, ...)                   \
  case ScalarType::name:                                      \
    if constexpr (ScalarKind::kind == ScalarKind::Floating) { \
      return f(TypeTag<T>{});                                 \
    }                                                         \
    break;
    NABLA_FORALL_SCALAR_TYPES(NABLA_CASE)
#undef NABLA_CASE
  }
  NABLA_ERROR(
      "[{}] expected a floating point tensor (float16, bfloat16, float32 or float64), got {}", op,
      dtype);
}

/// As dispatch_floating, for float32 and float64 only: kernels written for native floats (the
/// fused families, whose supports() or guards turn the 16-bit floats away to the composition).
template <class F>
decltype(auto) dispatch_native_floating(ScalarType dtype, const char* op, F&& f) {
  switch (dtype) {
    case ScalarType::Float:
      return f(TypeTag<float>{});
    case ScalarType::Double:
      return f(TypeTag<double>{});
    default:
      break;
  }
  NABLA_ERROR("[{}] expected a float32 or float64 tensor, got {}", op, dtype);
}

/// As dispatch_all, without bool (arithmetic that bool does not support).
template <class F>
decltype(auto) dispatch_numeric(ScalarType dtype, const char* op, F&& f) {
  switch (dtype) {
#define NABLA_CASE(T, name, str, kind, ...)                  \
  case ScalarType::name:                                     \
    if constexpr (ScalarKind::kind != ScalarKind::Boolean) { \
      return f(TypeTag<T>{});                                \
    }                                                        \
    break;
    NABLA_FORALL_SCALAR_TYPES(NABLA_CASE)
#undef NABLA_CASE
  }
  NABLA_ERROR("[{}] not supported for dtype {}", op, dtype);
}

}  // namespace nabla::detail
