// dtypes, devices, scalars: names, sizes and PyTorch's type promotion.
#include <ostream>

#include "core/check.h"
#include "nabla/core.h"

namespace nabla {

size_t elementSize(ScalarType t) {
  switch (t) {
    case ScalarType::Byte:
      return 1;
    case ScalarType::Int:
      return 4;
    case ScalarType::Long:
      return 8;
    case ScalarType::Float:
      return 4;
    case ScalarType::Double:
      return 8;
    case ScalarType::Bool:
      return 1;
  }
  return 0;
}

const char* toString(ScalarType t) {
  switch (t) {
    case ScalarType::Byte:
      return "uint8";
    case ScalarType::Int:
      return "int32";
    case ScalarType::Long:
      return "int64";
    case ScalarType::Float:
      return "float32";
    case ScalarType::Double:
      return "float64";
    case ScalarType::Bool:
      return "bool";
  }
  return "unknown";
}

std::ostream& operator<<(std::ostream& os, ScalarType t) { return os << toString(t); }

ScalarType promoteTypes(ScalarType a, ScalarType b) {
  if (a == b) return a;
  // Order of "kind": bool < integers < floating. Within a kind, the wider type wins;
  // uint8 with a signed integer gives the signed one of at least 16 bits (int32 or int64 here).
  auto rank = [](ScalarType t) {
    switch (t) {
      case ScalarType::Bool:
        return 0;
      case ScalarType::Byte:
        return 1;
      case ScalarType::Int:
        return 2;
      case ScalarType::Long:
        return 3;
      case ScalarType::Float:
        return 4;
      case ScalarType::Double:
        return 5;
    }
    return 0;
  };
  return rank(a) >= rank(b) ? a : b;
}

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
  if (kind == "cpu") {
    type_ = DeviceType::CPU;
  } else if (kind == "cuda") {
    type_ = DeviceType::CUDA;
  } else {
    NABLA_ERROR("[Device] invalid device string '{}': expected 'cpu' or 'cuda[:index]'", spec);
  }
}

std::string Device::str() const {
  std::string s = type_ == DeviceType::CPU ? "cpu" : "cuda";
  if (index_ >= 0) s += ":" + std::to_string(index_);
  return s;
}

std::ostream& operator<<(std::ostream& os, const Device& d) { return os << d.str(); }

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
