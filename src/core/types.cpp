// dtypes, devices, scalars: names, sizes and PyTorch's type promotion.
#include <ostream>

#include "core/check.h"
#include "nabla/core.h"
#include "nabla/tensor_options.h"

namespace nabla {

size_t elementSize(ScalarType t) {
  switch (t) {
#define NABLA_CASE(T, name, str, kind, rank, ...) \
  case ScalarType::name:                          \
    return sizeof(T);
    NABLA_FORALL_SCALAR_TYPES(NABLA_CASE)
#undef NABLA_CASE
  }
  return 0;
}

const char* toString(ScalarType t) {
  switch (t) {
#define NABLA_CASE(T, name, str, kind, rank, ...) \
  case ScalarType::name:                          \
    return str;
    NABLA_FORALL_SCALAR_TYPES(NABLA_CASE)
#undef NABLA_CASE
  }
  return "unknown";
}

std::ostream& operator<<(std::ostream& os, ScalarType t) { return os << toString(t); }

ScalarType promoteTypes(ScalarType a, ScalarType b) {
  if (a == b) return a;
  // Neither 16-bit float holds the other (bfloat16 has the range, float16 the precision).
  const auto is_16bit_float = [](ScalarType t) {
    return t == ScalarType::Half || t == ScalarType::BFloat16;
  };
  if (is_16bit_float(a) && is_16bit_float(b)) return ScalarType::Float;
  // Order of "kind": bool < integers < floating. Within a kind, the wider type wins;
  // uint8 with a signed integer gives the signed one of at least 16 bits (int32 or int64 here).
  auto rank = [](ScalarType t) {
    switch (t) {
#define NABLA_CASE(T, name, str, kind, rank, ...) \
  case ScalarType::name:                          \
    return rank;
      NABLA_FORALL_SCALAR_TYPES(NABLA_CASE)
#undef NABLA_CASE
    }
    return 0;
  };
  return rank(a) >= rank(b) ? a : b;
}

namespace {
const char* device_type_name(DeviceType t) {
  switch (t) {
    case DeviceType::CPU:
      return "cpu";
    case DeviceType::CUDA:
      return "cuda";
    case DeviceType::Meta:
      return "meta";
    case DeviceType::PrivateUse1:
      return "privateuseone";
  }
  return "?";
}
}  // namespace

Device::Device(const std::string& spec) : type_(DeviceType::CPU), index_(-1) {
  std::string kind = spec;
  const auto colon = spec.find(':');
  if (colon != std::string::npos) {
    kind = spec.substr(0, colon);
    const std::string idx = spec.substr(colon + 1);
    NABLA_CHECK(!idx.empty() && idx.find_first_not_of("0123456789") == std::string::npos,
                "[Device] invalid device string '{}': expected e.g. 'cpu' or 'cuda:0'", spec);
    index_ = std::stoi(idx);
  }
  for (DeviceType t :
       {DeviceType::CPU, DeviceType::CUDA, DeviceType::Meta, DeviceType::PrivateUse1}) {
    if (kind == device_type_name(t)) {
      type_ = t;
      return;
    }
  }
  NABLA_ERROR(
      "[Device] invalid device string '{}': expected 'cpu', 'cuda', 'meta' or 'privateuseone', "
      "with an optional ':index'",
      spec);
}

std::string Device::str() const {
  std::string s = device_type_name(type_);
  if (index_ >= 0) s += ":" + std::to_string(index_);
  return s;
}

std::ostream& operator<<(std::ostream& os, const Device& d) { return os << d.str(); }
std::ostream& operator<<(std::ostream& os, const std::vector<Device>& devices) {
  for (size_t i = 0; i < devices.size(); ++i) os << (i ? " " : "") << devices[i];
  return os;
}

namespace {
// The names LibTorch's TensorOptions printing gives dtypes (their C++ types, as caffe2's
// TypeMeta spells them).
const char* cpp_type_name(ScalarType t) {
  switch (t) {
    case ScalarType::Byte:
      return "unsigned char";
    case ScalarType::Int:
      return "int";
    case ScalarType::Long:
      return "long int";
    case ScalarType::Float:
      return "float";
    case ScalarType::Double:
      return "double";
    case ScalarType::Bool:
      return "bool";
    case ScalarType::Half:
      return "c10::Half";
    case ScalarType::BFloat16:
      return "c10::BFloat16";
  }
  return "unknown";
}
const char* unless_set(bool set) { return set ? "" : " (default)"; }
}  // namespace

std::ostream& operator<<(std::ostream& os, const TensorOptions& o) {
  return os << "TensorOptions(dtype=" << cpp_type_name(o.dtype()) << unless_set(o.has_dtype())
            << ", device=" << o.device() << unless_set(o.has_device())
            << ", layout=Strided (default), requires_grad="
            << (o.requires_grad() ? "true" : "false") << unless_set(o.has_requires_grad())
            << ", pinned_memory=false (default), memory_format=(nullopt))";
}

Scalar Scalar::operator-() const {
  if (kind_ == Kind::Double) return Scalar(-d_);
  return Scalar(-i_);
}

std::ostream& operator<<(std::ostream& os, const Scalar& s) {
  if (s.isFloatingPoint()) return os << s.toDouble();
  if (s.isBoolean()) return os << (s.toBool() ? "true" : "false");
  return os << s.toLong();
}

std::ostream& operator<<(std::ostream& os, IntArrayRef a) { return os << fmt::format("{}", a); }

}  // namespace nabla
