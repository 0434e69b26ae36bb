// TensorImpl: what a Tensor handle points to. Storage is shared between views; sizes, strides
// and offset (in elements) say where this tensor's elements are in it.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "nabla/autograd.h"
#include "nabla/tensor.h"

namespace nabla {

/// A block of device memory. The version counter is shared by every view of the storage:
/// autograd compares it with the value saved at forward time to catch in-place changes.
struct Storage {
  void* data = nullptr;
  size_t nbytes = 0;
  Device device = Device(DeviceType::CPU);
  std::function<void(void*)> deleter;  // empty for memory nabla does not own (from_blob)
  uint32_t version = 0;

  Storage() = default;
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  ~Storage() {
    if (deleter) deleter(data);
  }
};

/// A hook on a tensor's gradient; returns an undefined tensor to leave the gradient as is.
struct TensorHook {
  unsigned handle;
  std::function<Tensor(const Tensor&)> fn;
};

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

class TensorImpl {
 public:
  std::shared_ptr<Storage> storage;
  DimVector sizes;
  DimVector strides;
  int64_t offset = 0;  // in elements
  int64_t numel = 1;
  ScalarType dtype = ScalarType::Float;
  bool is_view = false;
  bool is_wrapped_number = false;  // a 0-d tensor made from a C++ number (type promotion)

  // ---- autograd state ----
  bool requires_grad = false;  // set on leaves only; non-leaves require grad via grad_fn
  bool retains_grad = false;
  uint32_t output_nr = 0;
  Tensor grad;
  std::shared_ptr<autograd::Node> grad_fn;
  std::weak_ptr<autograd::Node> grad_accumulator;  // leaves: the node that fills .grad()
  std::vector<TensorHook> hooks;                   // leaves: run before accumulation

  char* data() const {
    return static_cast<char*>(storage->data) + offset * static_cast<int64_t>(elementSize(dtype));
  }
  Device device() const { return storage->device; }
  bool is_contiguous() const;
  void set_sizes_contiguous(IntArrayRef new_sizes);
  void recompute_numel();
};

namespace detail {

/// Row-major strides for `sizes`.
std::vector<int64_t> contiguous_strides(IntArrayRef sizes);
int64_t compute_numel(IntArrayRef sizes);
/// A new, uninitialized, contiguous tensor.
Tensor make_tensor(IntArrayRef sizes, ScalarType dtype, Device device = Device(DeviceType::CPU));
/// A view of `base`'s storage with other geometry; carries no autograd history.
Tensor make_view(const Tensor& base, IntArrayRef sizes, IntArrayRef strides, int64_t offset);
/// A tensor sharing `t`'s storage and geometry but no autograd state.
Tensor alias_detached(const Tensor& t);
/// Wraps a dim index in [-ndim, ndim) to [0, ndim); raises nabla::Error naming `op` otherwise.
int64_t wrap_dim(int64_t dim, int64_t ndim, const char* op);
/// "[2, 3]"
std::string shape_str(IntArrayRef sizes);
/// Marks an in-place write to `t`'s storage.
inline void bump_version(const Tensor& t) { ++t.impl()->storage->version; }
/// `t`'s TensorImpl; nabla::Error naming the method `what` when `t` is undefined.
const TensorImpl& impl_of(const Tensor& t, const char* what);

}  // namespace detail
}  // namespace nabla
