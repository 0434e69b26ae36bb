// Runtime dtype -> compile-time type: dispatch(dtype, [&](auto tag) { using T =
// decltype(tag)::type; })
#pragma once

#include <cstdint>

#include "core/check.h"

namespace nabla::detail {

template <class T>
struct TypeTag {
  using type = T;
};

/// Calls f(TypeTag<T>{}) for the C++ type of `dtype` (all six dtypes).
template <class F>
decltype(auto) dispatch_all(ScalarType dtype, const char* op, F&& f) {
  switch (dtype) {
    case ScalarType::Float:
      return f(TypeTag<float>{});
    case ScalarType::Double:
      return f(TypeTag<double>{});
    case ScalarType::Long:
      return f(TypeTag<int64_t>{});
    case ScalarType::Int:
      return f(TypeTag<int32_t>{});
    case ScalarType::Byte:
      return f(TypeTag<uint8_t>{});
    case ScalarType::Bool:
      return f(TypeTag<bool>{});
  }
  NABLA_ERROR("[{}] unsupported dtype", op);
}

/// As dispatch_all, for float32 and float64 only.
template <class F>
decltype(auto) dispatch_floating(ScalarType dtype, const char* op, F&& f) {
  switch (dtype) {
    case ScalarType::Float:
      return f(TypeTag<float>{});
    case ScalarType::Double:
      return f(TypeTag<double>{});
    default:
      break;
  }
  NABLA_ERROR("[{}] expected a floating point tensor (float32 or float64), got {}", op, dtype);
}

/// As dispatch_all, without bool (arithmetic that bool does not support).
template <class F>
decltype(auto) dispatch_numeric(ScalarType dtype, const char* op, F&& f) {
  switch (dtype) {
    case ScalarType::Float:
      return f(TypeTag<float>{});
    case ScalarType::Double:
      return f(TypeTag<double>{});
    case ScalarType::Long:
      return f(TypeTag<int64_t>{});
    case ScalarType::Int:
      return f(TypeTag<int32_t>{});
    case ScalarType::Byte:
      return f(TypeTag<uint8_t>{});
    default:
      break;
  }
  NABLA_ERROR("[{}] not supported for dtype {}", op, dtype);
}

}  // namespace nabla::detail
