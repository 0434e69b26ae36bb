// nabla::tensor(...): tensors from values, nested braced lists and std::vector.
//   nabla::tensor({1.0, 2.0, 3.0});                 // float32 (PyTorch's default for floats)
//   nabla::tensor({{1, 2}, {3, 4}});               // int64, shape [2, 2]
//   nabla::tensor(std::vector<double>{...}, nabla::dtype(nabla::kFloat64).requires_grad(true));
#pragma once

#include <initializer_list>
#include <vector>

#include "nabla/tensor.h"

namespace nabla {
namespace detail {

/// A scalar, or a (possibly nested) braced list of them, as LibTorch's TensorDataContainer.
class TensorDataContainer {
 public:
  TensorDataContainer(const Scalar& s) : is_scalar_(true), scalar_(s) {}  // NOLINT
  template <class T, std::enable_if_t<std::is_arithmetic_v<T>, int> = 0>
  TensorDataContainer(T v) : is_scalar_(true), scalar_(v) {}            // NOLINT
  TensorDataContainer(std::initializer_list<TensorDataContainer> list)  // NOLINT
      : is_scalar_(false), children_(list.begin(), list.end()) {}
  template <class T, std::enable_if_t<std::is_arithmetic_v<T>, int> = 0>
  TensorDataContainer(const std::vector<T>& values) : is_scalar_(false) {  // NOLINT
    children_.reserve(values.size());
    for (const T& v : values) children_.emplace_back(v);
  }
  bool is_scalar() const { return is_scalar_; }
  const Scalar& scalar() const { return scalar_; }
  const std::vector<TensorDataContainer>& children() const { return children_; }

 private:
  bool is_scalar_;
  Scalar scalar_;
  std::vector<TensorDataContainer> children_;
};

}  // namespace detail

/// A new tensor holding the given values. Without a dtype in `options`, floats give float32,
/// integers int64 and bools bool; nested lists must be rectangular.
Tensor tensor(const detail::TensorDataContainer& data, const TensorOptions& options = {});

}  // namespace nabla
