// ExpandingArray<D>: D values given as one value (repeated) or D values, as LibTorch's
// torch::ExpandingArray for kernel sizes, strides and paddings:
//   UnfoldOptions(3)  ==  UnfoldOptions({3, 3});   *options.kernel_size() is std::array<int64_t, 2>
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "nabla/core.h"

namespace nabla {

template <size_t D, typename T = int64_t>
class ExpandingArray {
 public:
  ExpandingArray(std::initializer_list<T> list)  // NOLINT: implicit, as in LibTorch
      : ExpandingArray(ArrayRef<T>(list)) {}
  ExpandingArray(std::vector<T> vec)  // NOLINT: implicit
      : ExpandingArray(ArrayRef<T>(vec)) {}
  ExpandingArray(ArrayRef<T> values) {  // NOLINT: implicit
    if (values.size() != D) {
      throw Error("[ExpandingArray] expected " + std::to_string(D) + " values, got " +
                  std::to_string(values.size()));
    }
    for (size_t i = 0; i < D; ++i) values_[i] = values[i];
  }
  ExpandingArray(T single) { values_.fill(single); }                   // NOLINT: implicit
  ExpandingArray(const std::array<T, D>& values) : values_(values) {}  // NOLINT: implicit

  std::array<T, D>& operator*() { return values_; }
  const std::array<T, D>& operator*() const { return values_; }
  std::array<T, D>* operator->() { return &values_; }
  const std::array<T, D>* operator->() const { return &values_; }
  operator ArrayRef<T>() const { return ArrayRef<T>(values_.data(), D); }  // NOLINT
  ArrayRef<T> ref() const { return ArrayRef<T>(values_.data(), D); }
  T operator[](size_t i) const { return values_[i]; }
  size_t size() const noexcept { return D; }

 private:
  std::array<T, D> values_;
};

/// D sizes, each of which may be nullopt ("keep the input's size"), as LibTorch's:
///   AdaptiveAvgPool2dOptions({std::nullopt, 7})
template <size_t D>
class ExpandingArrayWithOptionalElem : public ExpandingArray<D, std::optional<int64_t>> {
  using Base = ExpandingArray<D, std::optional<int64_t>>;

 public:
  using Base::Base;
  ExpandingArrayWithOptionalElem(int64_t single)  // NOLINT: implicit
      : Base(std::optional<int64_t>(single)) {}
  ExpandingArrayWithOptionalElem(std::initializer_list<int64_t> list)  // NOLINT: implicit
      : Base(to_optional(list)) {}

 private:
  static std::vector<std::optional<int64_t>> to_optional(std::initializer_list<int64_t> list) {
    return std::vector<std::optional<int64_t>>(list.begin(), list.end());
  }
};

}  // namespace nabla
