// The geometry of a tensor (sizes, strides, offset, element count, dtype, and where its data
// is): the part of its TensorImpl that Tensor's accessors read. It is public so that those
// accessors are inline: an op calls them tens of times, and a call each was a fifth of the time of
// a 4 x 4 mm. The rest of TensorImpl (storage, autograd state) stays private to the library
// (src/core/tensor_impl.h).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "nabla/core.h"

namespace nabla {
namespace detail {

/// Sizes or strides: up to kInline dims stored in place, so that making a tensor does not
/// allocate for them (two of the four allocations a small op used to make); more on the heap.
class DimVector {
 public:
  static constexpr size_t kInline = 6;
  DimVector() = default;
  DimVector(IntArrayRef v) { assign(v); }  // NOLINT: as std::vector<int64_t> converts
  DimVector(const std::vector<int64_t>& v) { assign(v); }  // NOLINT
  DimVector(const DimVector& other) { assign(other); }
  DimVector& operator=(const DimVector& other) {
    if (this != &other) assign(other);
    return *this;
  }
  DimVector& operator=(IntArrayRef v) {
    assign(v);
    return *this;
  }
  DimVector& operator=(const std::vector<int64_t>& v) {
    assign(v);
    return *this;
  }
  operator IntArrayRef() const { return IntArrayRef(data(), size_); }  // NOLINT
  const int64_t* data() const { return size_ <= kInline ? inline_ : heap_.data(); }
  int64_t* data() { return size_ <= kInline ? inline_ : heap_.data(); }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  int64_t operator[](size_t i) const { return data()[i]; }
  int64_t& operator[](size_t i) { return data()[i]; }
  const int64_t* begin() const { return data(); }
  const int64_t* end() const { return data() + size_; }
  std::vector<int64_t> vec() const { return std::vector<int64_t>(begin(), end()); }
  /// `n` dims with unspecified values (to be written through data()).
  void resize_uninitialized(size_t n) {
    if (n > kInline) heap_.resize(n);
    size_ = n;
  }

 private:
  void assign(IntArrayRef v) {
    const size_t n = v.size();
    resize_uninitialized(n);
    std::copy(v.begin(), v.end(), data());
  }
  int64_t inline_[kInline] = {};
  std::vector<int64_t> heap_;
  size_t size_ = 0;
};

/// TensorImpl's first base: what a Tensor handle reads without a call.
struct TensorGeometry {
  DimVector sizes;
  DimVector strides;
  int64_t offset = 0;  // in elements
  int64_t numel = 1;
  ScalarType dtype = ScalarType::Float;
  // Where the storage is and where element 0 lies in it (its data plus `offset` elements; null
  // where the storage holds no memory, as on the meta device). Copies of the storage's, set
  // with it (TensorImpl::set_storage), so that data_ptr() and device() need no call either.
  Device device = Device(DeviceType::CPU);
  char* data = nullptr;
};

/// Raise nabla::Error: an accessor `what` called on an undefined tensor.
[[noreturn]] void undefined_tensor_error(const char* what);
/// Raise nabla::Error: dim `d` of `n` dims is out of range for accessor `what`.
[[noreturn]] void dim_out_of_range_error(int64_t d, int64_t n, const char* what);

/// values[d] for a dim d in [-n, n) (n = values.size()); nabla::Error otherwise, and always for
/// a 0-d tensor, which has no dims to ask about (as LibTorch: wrap_scalar is false there).
inline int64_t at_dim(const DimVector& values, int64_t d, const char* what) {
  const auto n = static_cast<int64_t>(values.size());
  if (d < 0) d += n;
  if (__builtin_expect(d < 0 || d >= n, 0)) dim_out_of_range_error(d < 0 ? d - n : d, n, what);
  return values[static_cast<size_t>(d)];
}

}  // namespace detail
}  // namespace nabla
