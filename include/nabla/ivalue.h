// IValue: a tagged value (tensor, number, bool, string or list of numbers), as LibTorch's
// c10::IValue, for what a custom autograd Function keeps in ctx->saved_data:
//   ctx->saved_data["scale"] = 0.5;   ...   double s = ctx->saved_data["scale"].toDouble();
#pragma once

#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "nabla/core.h"
#include "nabla/tensor.h"

namespace nabla {

class IValue {
 public:
  IValue() = default;
  IValue(Tensor t) : v_(std::move(t)) {}  // NOLINT: implicit, as in LibTorch
  template <class T, std::enable_if_t<std::is_arithmetic_v<T>, int> = 0>
  IValue(T x) {  // NOLINT: bool stays bool, integers are int64, floating numbers double
    if constexpr (std::is_same_v<T, bool>) {
      v_ = x;
    } else if constexpr (std::is_integral_v<T>) {
      v_ = static_cast<int64_t>(x);
    } else {
      v_ = static_cast<double>(x);
    }
  }
  IValue(std::string s) : v_(std::move(s)) {}           // NOLINT
  IValue(const char* s) : v_(std::string(s)) {}         // NOLINT
  IValue(std::vector<int64_t> v) : v_(std::move(v)) {}  // NOLINT
  IValue(std::vector<double> v) : v_(std::move(v)) {}   // NOLINT
  IValue(std::vector<Tensor> v) : v_(std::move(v)) {}   // NOLINT

  bool isNone() const { return v_.index() == 0; }
  bool isTensor() const { return std::holds_alternative<Tensor>(v_); }
  bool isDouble() const { return std::holds_alternative<double>(v_); }
  bool isInt() const { return std::holds_alternative<int64_t>(v_); }
  bool isBool() const { return std::holds_alternative<bool>(v_); }
  bool isString() const { return std::holds_alternative<std::string>(v_); }
  bool isIntList() const { return std::holds_alternative<std::vector<int64_t>>(v_); }
  bool isDoubleList() const { return std::holds_alternative<std::vector<double>>(v_); }
  bool isTensorList() const { return std::holds_alternative<std::vector<Tensor>>(v_); }

  const Tensor& toTensor() const { return get<Tensor>("Tensor"); }
  double toDouble() const { return get<double>("Double"); }
  int64_t toInt() const { return get<int64_t>("Int"); }
  bool toBool() const { return get<bool>("Bool"); }
  const std::string& toStringRef() const { return get<std::string>("String"); }
  std::vector<int64_t> toIntVector() const { return get<std::vector<int64_t>>("IntList"); }
  std::vector<double> toDoubleVector() const { return get<std::vector<double>>("DoubleList"); }
  std::vector<Tensor> toTensorVector() const { return get<std::vector<Tensor>>("TensorList"); }
  /// "None", "Tensor", "Double", "Int", "Bool", "String", "IntList", "DoubleList", "TensorList".
  const char* tagKind() const {
    static const char* const kinds[] = {"None",   "Tensor",  "Double",     "Int",       "Bool",
                                        "String", "IntList", "DoubleList", "TensorList"};
    return kinds[v_.index()];
  }

 private:
  template <class T>
  const T& get(const char* kind) const {
    if (const T* p = std::get_if<T>(&v_)) return *p;
    throw Error(std::string("[IValue] expected ") + kind + " but got " + tagKind());
  }
  std::variant<std::monostate, Tensor, double, int64_t, bool, std::string, std::vector<int64_t>,
               std::vector<double>, std::vector<Tensor>>
      v_;
};

}  // namespace nabla
