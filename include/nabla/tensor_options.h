// TensorOptions: dtype, device and requires_grad for factory functions, as in LibTorch.
#pragma once

#include <optional>

#include "nabla/core.h"

namespace nabla {

/// Builder of the options a factory function takes:
///   nabla::zeros({2, 3}, nabla::TensorOptions().dtype(nabla::kFloat64).requires_grad(true));
///   nabla::ones({4}, nabla::dtype(nabla::kInt64));
class TensorOptions {
 public:
  TensorOptions() = default;
  TensorOptions(ScalarType dtype) : dtype_(dtype) {}             // NOLINT: implicit, as in LibTorch
  TensorOptions(Device device) : device_(device) {}              // NOLINT
  TensorOptions(DeviceType device) : device_(Device(device)) {}  // NOLINT

  TensorOptions dtype(ScalarType d) const {
    TensorOptions o = *this;
    o.dtype_ = d;
    return o;
  }
  TensorOptions dtype(std::optional<ScalarType> d) const {
    TensorOptions o = *this;
    o.dtype_ = d;
    return o;
  }
  TensorOptions device(Device d) const {
    TensorOptions o = *this;
    o.device_ = d;
    return o;
  }
  TensorOptions requires_grad(bool r) const {
    TensorOptions o = *this;
    o.requires_grad_ = r;
    return o;
  }
  /// Ignored: nabla tensors are strided, as LibTorch's default layout.
  TensorOptions layout(int) const { return *this; }

  ScalarType dtype() const { return dtype_.value_or(ScalarType::Float); }
  bool has_dtype() const { return dtype_.has_value(); }
  std::optional<ScalarType> dtype_opt() const { return dtype_; }
  Device device() const { return device_.value_or(Device(DeviceType::CPU)); }
  bool has_device() const { return device_.has_value(); }
  bool requires_grad() const { return requires_grad_.value_or(false); }
  bool has_requires_grad() const { return requires_grad_.has_value(); }

 private:
  std::optional<ScalarType> dtype_;
  std::optional<Device> device_;
  std::optional<bool> requires_grad_;
};

/// LibTorch's form: TensorOptions(dtype=float (default), device=cpu (default), ...), dtypes by
/// their C++ type names.
std::ostream& operator<<(std::ostream& os, const TensorOptions& options);

inline TensorOptions dtype(ScalarType d) { return TensorOptions().dtype(d); }
inline TensorOptions device(Device d) { return TensorOptions().device(d); }
inline TensorOptions requires_grad(bool r = true) { return TensorOptions().requires_grad(r); }

}  // namespace nabla
