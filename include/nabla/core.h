// nabla core value types: Error, ScalarType (dtype), Device, Scalar, ArrayRef.
// Public header: compiles as C++17 and includes only light standard headers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

namespace nabla {

/// Every misuse of the library raises nabla::Error; its message names the op and the
/// offending shapes, dtypes or indices, e.g. "[matmul] shapes [3, 4] and [5, 2] ...".
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

// ---- dtypes ----------------------------------------------------------------------------

/// Element types, named as in LibTorch (kFloat == kFloat32, kLong == kInt64, ...).
enum class ScalarType : int8_t { Byte = 0, Int, Long, Float, Double, Bool };
constexpr int kNumScalarTypes = 6;

constexpr ScalarType kUInt8 = ScalarType::Byte;
constexpr ScalarType kByte = ScalarType::Byte;
constexpr ScalarType kInt32 = ScalarType::Int;
constexpr ScalarType kInt = ScalarType::Int;
constexpr ScalarType kInt64 = ScalarType::Long;
constexpr ScalarType kLong = ScalarType::Long;
constexpr ScalarType kFloat32 = ScalarType::Float;
constexpr ScalarType kFloat = ScalarType::Float;
constexpr ScalarType kFloat64 = ScalarType::Double;
constexpr ScalarType kDouble = ScalarType::Double;
constexpr ScalarType kBool = ScalarType::Bool;

/// Size of one element in bytes.
size_t elementSize(ScalarType t);
/// "float32", "int64", ... (PyTorch's names without the "torch." prefix).
const char* toString(ScalarType t);
std::ostream& operator<<(std::ostream& os, ScalarType t);
inline bool isFloatingType(ScalarType t) {
  return t == ScalarType::Float || t == ScalarType::Double;
}
inline bool isIntegralType(ScalarType t, bool include_bool) {
  return t == ScalarType::Byte || t == ScalarType::Int || t == ScalarType::Long ||
         (include_bool && t == ScalarType::Bool);
}
/// PyTorch's type promotion for two tensors of the same priority.
ScalarType promoteTypes(ScalarType a, ScalarType b);

/// Maps a C++ element type to its ScalarType: CppTypeToScalarType<float>::value == kFloat.
template <class T>
struct CppTypeToScalarType;
template <>
struct CppTypeToScalarType<uint8_t> {
  static constexpr ScalarType value = ScalarType::Byte;
};
template <>
struct CppTypeToScalarType<int32_t> {
  static constexpr ScalarType value = ScalarType::Int;
};
template <>
struct CppTypeToScalarType<int64_t> {
  static constexpr ScalarType value = ScalarType::Long;
};
template <>
struct CppTypeToScalarType<float> {
  static constexpr ScalarType value = ScalarType::Float;
};
template <>
struct CppTypeToScalarType<double> {
  static constexpr ScalarType value = ScalarType::Double;
};
template <>
struct CppTypeToScalarType<bool> {
  static constexpr ScalarType value = ScalarType::Bool;
};

// ---- devices ---------------------------------------------------------------------------

enum class DeviceType : int8_t { CPU = 0, CUDA = 1 };
constexpr DeviceType kCPU = DeviceType::CPU;
constexpr DeviceType kCUDA = DeviceType::CUDA;

/// A device: its type and, for accelerators, its index. nabla is built with the CPU backend;
/// asking for another device raises nabla::Error until its backend is compiled in.
class Device {
 public:
  Device(DeviceType type, int index = -1) : type_(type), index_(index) {}  // NOLINT
  /// Parses "cpu", "cuda", "cuda:1".
  explicit Device(const std::string& spec);
  DeviceType type() const { return type_; }
  int index() const { return index_; }
  bool is_cpu() const { return type_ == DeviceType::CPU; }
  bool is_cuda() const { return type_ == DeviceType::CUDA; }
  bool operator==(const Device& o) const { return type_ == o.type_ && index_ == o.index_; }
  bool operator!=(const Device& o) const { return !(*this == o); }
  std::string str() const;

 private:
  DeviceType type_;
  int index_;
};
std::ostream& operator<<(std::ostream& os, const Device& d);

// ---- Scalar ----------------------------------------------------------------------------

/// A number of any dtype: a double, an integer or a bool, as LibTorch's c10::Scalar.
class Scalar {
 public:
  Scalar() : Scalar(int64_t(0)) {}
  template <class T, std::enable_if_t<std::is_arithmetic_v<T>, int> = 0>
  Scalar(T v) {  // NOLINT: implicit, as in LibTorch
    if constexpr (std::is_same_v<T, bool>) {
      kind_ = Kind::Bool;
      i_ = v ? 1 : 0;
    } else if constexpr (std::is_floating_point_v<T>) {
      kind_ = Kind::Double;
      d_ = static_cast<double>(v);
    } else {
      kind_ = Kind::Long;
      i_ = static_cast<int64_t>(v);
    }
  }
  bool isFloatingPoint() const { return kind_ == Kind::Double; }
  bool isIntegral(bool include_bool) const {
    return kind_ == Kind::Long || (include_bool && kind_ == Kind::Bool);
  }
  bool isBoolean() const { return kind_ == Kind::Bool; }
  double toDouble() const { return kind_ == Kind::Double ? d_ : static_cast<double>(i_); }
  float toFloat() const { return static_cast<float>(toDouble()); }
  int64_t toLong() const { return kind_ == Kind::Double ? static_cast<int64_t>(d_) : i_; }
  int toInt() const { return static_cast<int>(toLong()); }
  bool toBool() const { return kind_ == Kind::Double ? d_ != 0.0 : i_ != 0; }
  template <class T>
  T to() const {
    if constexpr (std::is_same_v<T, bool>) return toBool();
    if constexpr (std::is_floating_point_v<T>) return static_cast<T>(toDouble());
    return static_cast<T>(toLong());
  }
  /// The dtype a tensor made from this number alone would have (float32, int64 or bool).
  ScalarType type() const {
    return kind_ == Kind::Double ? ScalarType::Double
                                 : (kind_ == Kind::Bool ? ScalarType::Bool : ScalarType::Long);
  }
  Scalar operator-() const;

 private:
  enum class Kind : int8_t { Double, Long, Bool } kind_;
  union {
    double d_;
    int64_t i_;
  };
};
std::ostream& operator<<(std::ostream& os, const Scalar& s);

// ---- ArrayRef --------------------------------------------------------------------------

/// A non-owning view of a contiguous array, as LibTorch's c10::ArrayRef. It may point into a
/// braced list, so keep it only as long as the full expression that made it.
template <class T>
class ArrayRef {
 public:
  using value_type = T;
  using iterator = const T*;
  using const_iterator = const T*;
  constexpr ArrayRef() : data_(nullptr), size_(0) {}
  constexpr ArrayRef(const T& one) : data_(&one), size_(1) {}  // NOLINT
  constexpr ArrayRef(const T* data, size_t size) : data_(data), size_(size) {}
  ArrayRef(const std::vector<T>& v) : data_(v.data()), size_(v.size()) {}  // NOLINT
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winit-list-lifetime"
#endif
  // Points into the braced list, which lives until the end of the full expression.
  constexpr ArrayRef(const std::initializer_list<T>& l)  // NOLINT
      : data_(l.begin() == l.end() ? nullptr : l.begin()), size_(l.size()) {}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
  template <size_t N>
  constexpr ArrayRef(const T (&arr)[N]) : data_(arr), size_(N) {}  // NOLINT

  const T* begin() const { return data_; }
  const T* end() const { return data_ + size_; }
  const T* data() const { return data_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const T& operator[](size_t i) const { return data_[i]; }
  const T& front() const { return data_[0]; }
  const T& back() const { return data_[size_ - 1]; }
  std::vector<T> vec() const { return std::vector<T>(data_, data_ + size_); }
  bool equals(ArrayRef other) const {
    if (size_ != other.size_) return false;
    for (size_t i = 0; i < size_; ++i)
      if (!(data_[i] == other.data_[i])) return false;
    return true;
  }
  ArrayRef slice(size_t start, size_t n) const { return ArrayRef(data_ + start, n); }
  operator std::vector<T>() const { return vec(); }  // NOLINT

 private:
  const T* data_;
  size_t size_;
};
template <class T>
bool operator==(ArrayRef<T> a, ArrayRef<T> b) {
  return a.equals(b);
}
template <class T>
bool operator!=(ArrayRef<T> a, ArrayRef<T> b) {
  return !a.equals(b);
}
template <class T>
bool operator==(ArrayRef<T> a, const std::vector<T>& b) {
  return a.equals(b);
}
using IntArrayRef = ArrayRef<int64_t>;
std::ostream& operator<<(std::ostream& os, IntArrayRef a);

}  // namespace nabla
