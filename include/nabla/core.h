// nabla core value types: Error, ScalarType (dtype), Device, Scalar, ArrayRef.
// Public header: compiles as C++17 and includes only light standard headers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "nabla/half.h"

namespace nabla {

/// Every misuse of the library raises nabla::Error; its message names the op and the
/// offending shapes, dtypes or indices, e.g. "[matmul] shapes [3, 4] and [5, 2] ...".
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

// ---- dtypes ----------------------------------------------------------------------------

/// The one list of element types: X(C++ type, ScalarType name, PyTorch name, kind, promotion
/// rank, safetensors name). It generates the enum (its order is the enum's values), the C++
/// type <-> ScalarType traits, sizes, names, kinds, promotion, nabla's dtype dispatch
/// (src/core/dispatch.h) and the safetensors names. The rank orders dtypes as PyTorch's
/// promotion does: bool < integers < floating, wider after narrower; the two 16-bit floats
/// share a rank, and together promote to float32. New dtypes go at the end, so that the enum's
/// values stay as they were.
#define NABLA_FORALL_SCALAR_TYPES(X)                    \
  X(uint8_t, Byte, "uint8", Integral, 1, "U8")          \
  X(int32_t, Int, "int32", Integral, 2, "I32")          \
  X(int64_t, Long, "int64", Integral, 3, "I64")         \
  X(float, Float, "float32", Floating, 5, "F32")        \
  X(double, Double, "float64", Floating, 6, "F64")      \
  X(bool, Bool, "bool", Boolean, 0, "BOOL")             \
  X(::nabla::Half, Half, "float16", Floating, 4, "F16") \
  X(::nabla::BFloat16, BFloat16, "bfloat16", Floating, 4, "BF16")

namespace detail {
/// The kind column of NABLA_FORALL_SCALAR_TYPES.
enum class ScalarKind : int8_t { Boolean, Integral, Floating };
}  // namespace detail

/// Element types, named as in LibTorch (kFloat == kFloat32, kLong == kInt64, ...).
enum class ScalarType : int8_t {
#define NABLA_SCALAR_TYPE_ENUM(T, name, ...) name,
  NABLA_FORALL_SCALAR_TYPES(NABLA_SCALAR_TYPE_ENUM)
#undef NABLA_SCALAR_TYPE_ENUM
};
#define NABLA_SCALAR_TYPE_COUNT(T, ...) +1
constexpr int kNumScalarTypes = 0 NABLA_FORALL_SCALAR_TYPES(NABLA_SCALAR_TYPE_COUNT);
#undef NABLA_SCALAR_TYPE_COUNT

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
constexpr ScalarType kHalf = ScalarType::Half;
constexpr ScalarType kFloat16 = ScalarType::Half;
constexpr ScalarType kBFloat16 = ScalarType::BFloat16;

/// Size of one element in bytes.
size_t elementSize(ScalarType t);
/// "float32", "int64", ... (PyTorch's names without the "torch." prefix).
const char* toString(ScalarType t);
std::ostream& operator<<(std::ostream& os, ScalarType t);
/// The dtype's kind (bool, integral or floating).
inline detail::ScalarKind scalarKind(ScalarType t) {
  switch (t) {
#define NABLA_SCALAR_TYPE_KIND(T, name, str, kind, ...) \
  case ScalarType::name:                                \
    return detail::ScalarKind::kind;
    NABLA_FORALL_SCALAR_TYPES(NABLA_SCALAR_TYPE_KIND)
#undef NABLA_SCALAR_TYPE_KIND
  }
  return detail::ScalarKind::Integral;
}
inline bool isFloatingType(ScalarType t) { return scalarKind(t) == detail::ScalarKind::Floating; }
inline bool isIntegralType(ScalarType t, bool include_bool) {
  const detail::ScalarKind k = scalarKind(t);
  return k == detail::ScalarKind::Integral || (include_bool && k == detail::ScalarKind::Boolean);
}
/// Whether `t` is one of the 16-bit floats (float16, bfloat16), as c10's.
inline bool isReducedFloatingType(ScalarType t) {
  return t == ScalarType::Half || t == ScalarType::BFloat16;
}
/// PyTorch's type promotion for two tensors of the same priority.
ScalarType promoteTypes(ScalarType a, ScalarType b);

/// Maps a C++ element type to its ScalarType: CppTypeToScalarType<float>::value == kFloat,
/// and back: ScalarTypeToCppType<kFloat>::type is float.
template <class T>
struct CppTypeToScalarType;
template <ScalarType S>
struct ScalarTypeToCppType;
#define NABLA_SCALAR_TYPE_TRAITS(T, name, ...)            \
  template <>                                             \
  struct CppTypeToScalarType<T> {                         \
    static constexpr ScalarType value = ScalarType::name; \
  };                                                      \
  template <>                                             \
  struct ScalarTypeToCppType<ScalarType::name> {          \
    using type = T;                                       \
  };
NABLA_FORALL_SCALAR_TYPES(NABLA_SCALAR_TYPE_TRAITS)
#undef NABLA_SCALAR_TYPE_TRAITS

// ---- devices ---------------------------------------------------------------------------

/// Device kinds, as c10::DeviceType: Meta holds shapes and dtypes without storage;
/// PrivateUse1 is the slot for an out-of-tree backend (nabla's tests register one there).
enum class DeviceType : int8_t { CPU = 0, CUDA = 1, Meta = 2, PrivateUse1 = 3 };
constexpr DeviceType kCPU = DeviceType::CPU;
constexpr DeviceType kCUDA = DeviceType::CUDA;
constexpr DeviceType kMeta = DeviceType::Meta;
constexpr DeviceType kPrivateUse1 = DeviceType::PrivateUse1;
/// LibTorch's c10::Backend (a device type with a layout), for the old Tensor::toBackend: the
/// dense backends of nabla's device types. Its numbers are not LibTorch's.
enum class DenseBackend : int8_t { CPU = 0, CUDA = 1, Meta = 2, PrivateUse1 = 3 };  // as DeviceType

/// A device: its type and, for accelerators, its index. nabla is built with the CPU backend;
/// asking for another device raises nabla::Error until its backend is compiled in.
class Device {
 public:
  Device(DeviceType type, int index = -1) : type_(type), index_(index) {}  // NOLINT
  /// Parses "cpu", "cuda", "cuda:1", "meta", "privateuseone".
  explicit Device(const std::string& spec);
  DeviceType type() const { return type_; }
  int index() const { return index_; }
  bool is_cpu() const { return type_ == DeviceType::CPU; }
  bool is_cuda() const { return type_ == DeviceType::CUDA; }
  bool is_meta() const { return type_ == DeviceType::Meta; }
  bool has_index() const { return index_ >= 0; }
  bool operator==(const Device& o) const { return type_ == o.type_ && index_ == o.index_; }
  bool operator!=(const Device& o) const { return !(*this == o); }
  std::string str() const;

 private:
  DeviceType type_;
  int index_;
};
std::ostream& operator<<(std::ostream& os, const Device& d);
/// The devices separated by spaces, as LibTorch prints a vector.
std::ostream& operator<<(std::ostream& os, const std::vector<Device>& devices);

/// Waits until the work queued on `device` has finished (a no-op on the CPU, which runs every
/// op synchronously); raises for a device nabla was built without.
void synchronize(Device device);

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
  Scalar(Half v) : Scalar(static_cast<double>(static_cast<float>(v))) {}      // NOLINT
  Scalar(BFloat16 v) : Scalar(static_cast<double>(static_cast<float>(v))) {}  // NOLINT
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
    if constexpr (std::is_floating_point_v<T> || std::is_same_v<T, Half> ||
                  std::is_same_v<T, BFloat16>)
      return static_cast<T>(toDouble());
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
  // Points into the braced list, which lives until the end of the full expression. (Through
  // a function: GCC warns (-Winit-list-lifetime) about a member initialized from l.begin()
  // itself, and a diagnostic pragma around it is lost when the header is precompiled.)
  constexpr ArrayRef(const std::initializer_list<T>& l)  // NOLINT
      : data_(first_of(l)), size_(l.size()) {}
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
  const T& at(size_t i) const {
    if (i >= size_) out_of_range("at", i, 1);
    return data_[i];
  }
  /// Elements [start, start + n); slice(start) drops the first `start`. As in LibTorch, a range
  /// past the end raises (nabla::Error).
  ArrayRef slice(size_t start, size_t n) const {
    if (start > size_ || n > size_ - start) out_of_range("slice", start, n);
    return ArrayRef(data_ + start, n);
  }
  ArrayRef slice(size_t start) const {
    if (start > size_) out_of_range("slice", start, 0);
    return ArrayRef(data_ + start, size_ - start);
  }
  ArrayRef drop_front(size_t n = 1) const { return slice(n); }
  ArrayRef drop_back(size_t n = 1) const {
    if (n > size_) out_of_range("drop_back", 0, n);
    return ArrayRef(data_, size_ - n);
  }
  ArrayRef take_front(size_t n = 1) const { return slice(0, n); }
  ArrayRef take_back(size_t n = 1) const {
    if (n > size_) out_of_range("take_back", 0, n);
    return ArrayRef(data_ + size_ - n, n);
  }
  operator std::vector<T>() const { return vec(); }  // NOLINT

 private:
  [[noreturn]] void out_of_range(const char* method, size_t start, size_t n) const {
    throw Error("[ArrayRef::" + std::string(method) + "] elements [" + std::to_string(start) +
                ", " + std::to_string(start + n) + ") of an ArrayRef of size " +
                std::to_string(size_));
  }
  static constexpr const T* first_of(const std::initializer_list<T>& l) {
    return l.begin() == l.end() ? nullptr : l.begin();
  }
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
/// An ArrayRef that may be absent, as LibTorch's c10::OptionalArrayRef: std::nullopt, an
/// ArrayRef or vector, a braced list ({0, 1}) or one element (1). From an ArrayRef or a vector
/// it does not own the elements (keep them alive as long as the call); a braced list of up to
/// 8 elements, or one element, is copied inside, so that `OptionalIntArrayRef dims = {1};`
/// stays valid after the statement (in LibTorch it dangles).
template <class T>
class OptionalArrayRef {
 public:
  constexpr OptionalArrayRef() noexcept = default;
  constexpr OptionalArrayRef(std::nullopt_t) noexcept {}              // NOLINT: implicit
  OptionalArrayRef(ArrayRef<T> ref) : has_(true), ref_(ref) {}        // NOLINT: implicit
  OptionalArrayRef(const std::vector<T>& v) : has_(true), ref_(v) {}  // NOLINT: implicit
  OptionalArrayRef(std::initializer_list<T> list) : has_(true) {      // NOLINT: implicit
    keep(list.begin(), list.size());
  }
  OptionalArrayRef(const T& one) : has_(true) { keep(&one, 1); }  // NOLINT: implicit
  OptionalArrayRef(const OptionalArrayRef& other) { *this = other; }
  OptionalArrayRef& operator=(const OptionalArrayRef& other) {
    has_ = other.has_;
    kept_ = other.kept_;
    if (kept_) {
      for (size_t i = 0; i < other.ref_.size(); ++i) inline_[i] = other.ref_[i];
      ref_ = ArrayRef<T>(inline_, other.ref_.size());
    } else {
      ref_ = other.ref_;
    }
    return *this;
  }
  bool has_value() const { return has_; }
  explicit operator bool() const { return has_; }
  ArrayRef<T> value() const {
    if (!has_) throw std::logic_error("OptionalArrayRef::value() of an empty OptionalArrayRef");
    return ref_;
  }
  ArrayRef<T> operator*() const { return ref_; }
  const ArrayRef<T>* operator->() const { return &ref_; }

 private:
  static constexpr size_t kInline = 8;
  void keep(const T* data, size_t size) {
    if constexpr (std::is_trivially_copyable_v<T> && std::is_default_constructible_v<T>) {
      if (size <= kInline) {
        for (size_t i = 0; i < size; ++i) inline_[i] = data[i];
        ref_ = ArrayRef<T>(inline_, size);
        kept_ = true;
        return;
      }
    }
    ref_ = ArrayRef<T>(data, size);
  }

  bool has_ = false;
  bool kept_ = false;  // ref_ points into inline_
  ArrayRef<T> ref_;
  T inline_[kInline] = {};
};
using OptionalIntArrayRef = OptionalArrayRef<int64_t>;
std::ostream& operator<<(std::ostream& os, IntArrayRef a);

}  // namespace nabla
