// nabla::tensor(...): tensors from values, nested braced lists and std::vector.
//   nabla::tensor({1.0, 2.0, 3.0});                 // float32 (PyTorch's default for floats)
//   nabla::tensor({{1, 2}, {3, 4}});               // int64, shape [2, 2]
//   nabla::tensor(std::vector<double>{...}, nabla::dtype(nabla::kFloat64).requires_grad(true));
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <type_traits>
#include <vector>

#include "nabla/tensor.h"

namespace nabla {
namespace detail {

/// A scalar, or a (possibly nested) braced list of them, as LibTorch's TensorDataContainer.
/// A std::vector is not copied: the container points at its elements (one copy, into the
/// tensor, is all nabla::tensor(vector) costs), so, as an ArrayRef, keep a container only as
/// long as the full expression that made it.
class TensorDataContainer {
 public:
  /// How the elements of a std::vector are laid out (their C++ type, by size and signedness).
  enum class ArrayType : int8_t { I8, U8, I16, U16, I32, U32, I64, U64, F32, F64, Bool };

  TensorDataContainer(const Scalar& s) : kind_(Kind::Scalar), scalar_(s) {}  // NOLINT
  template <class T, std::enable_if_t<std::is_arithmetic_v<T>, int> = 0>
  TensorDataContainer(T v) : kind_(Kind::Scalar), scalar_(v) {}         // NOLINT
  TensorDataContainer(std::initializer_list<TensorDataContainer> list)  // NOLINT
      : kind_(Kind::List), children_(list.begin(), list.end()) {}
  template <class T, std::enable_if_t<std::is_arithmetic_v<T>, int> = 0>
  TensorDataContainer(const std::vector<T>& values)  // NOLINT
      : kind_(Kind::Array), array_(values.data()), array_size_(values.size()) {
    if constexpr (std::is_same_v<T, long double>) {
      // No flat layout for long double: one scalar per element.
      kind_ = Kind::List;
      children_.reserve(values.size());
      for (const T& v : values) children_.emplace_back(v);
    } else {
      array_type_ = array_type_of<T>();
    }
  }
  /// std::vector<bool> packs its bits: read through the vector itself.
  TensorDataContainer(const std::vector<bool>& values)  // NOLINT
      : kind_(Kind::Array),
        array_(&values),
        array_size_(values.size()),
        array_type_(ArrayType::Bool) {}

  bool is_scalar() const { return kind_ == Kind::Scalar; }
  /// A std::vector's elements (array_data(), array_size() elements of array_type()).
  bool is_array() const { return kind_ == Kind::Array; }
  const Scalar& scalar() const { return scalar_; }
  const std::vector<TensorDataContainer>& children() const { return children_; }
  /// The elements; for ArrayType::Bool, the `const std::vector<bool>*` itself.
  const void* array_data() const { return array_; }
  size_t array_size() const { return array_size_; }
  ArrayType array_type() const { return array_type_; }

 private:
  template <class T>
  static constexpr ArrayType array_type_of() {
    if constexpr (std::is_same_v<T, bool>) {
      return ArrayType::U8;  // not reached: std::vector<bool> has its own constructor
    } else if constexpr (std::is_floating_point_v<T>) {
      static_assert(sizeof(T) == 4 || sizeof(T) == 8);
      return sizeof(T) == 4 ? ArrayType::F32 : ArrayType::F64;
    } else if constexpr (sizeof(T) == 1) {
      return std::is_signed_v<T> ? ArrayType::I8 : ArrayType::U8;
    } else if constexpr (sizeof(T) == 2) {
      return std::is_signed_v<T> ? ArrayType::I16 : ArrayType::U16;
    } else if constexpr (sizeof(T) == 4) {
      return std::is_signed_v<T> ? ArrayType::I32 : ArrayType::U32;
    } else {
      static_assert(sizeof(T) == 8);
      return std::is_signed_v<T> ? ArrayType::I64 : ArrayType::U64;
    }
  }

  enum class Kind : int8_t { Scalar, List, Array } kind_;
  Scalar scalar_;
  std::vector<TensorDataContainer> children_;
  const void* array_ = nullptr;
  size_t array_size_ = 0;
  ArrayType array_type_ = ArrayType::U8;
};

}  // namespace detail

/// A new tensor holding the given values. Without a dtype in `options`, floats give float32,
/// integers int64 and bools bool; nested lists must be rectangular.
Tensor tensor(const detail::TensorDataContainer& data, const TensorOptions& options = {});

}  // namespace nabla
