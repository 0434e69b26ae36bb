// TensorImpl: what a Tensor handle points to. Storage is shared between views; sizes, strides
// and offset (in elements) say where this tensor's elements are in it.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "core/allocator.h"
#include "core/block_pool.h"
#include "nabla/autograd.h"
#include "nabla/tensor.h"

namespace nabla {

/// A block of device memory. The version counter is shared by every view of the storage:
/// autograd compares it with the value saved at forward time to catch in-place changes.
struct Storage {
  void* data = nullptr;
  size_t nbytes = 0;
  Device device = Device(DeviceType::CPU);
  // The allocator `data` came from, which gets it back; null for memory nabla does not own
  // (from_blob). A pointer, not a std::function: setting one up cost 5% of a 4 x 4 mm.
  Allocator* allocator = nullptr;
  uint32_t version = 0;

  Storage() {}  // NOLINT(modernize-use-equals-default): no zero-fill first (see TensorImpl)
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  ~Storage() {
    if (allocator != nullptr) allocator->deallocate(data, nbytes);
  }
};

/// A hook on a tensor's gradient; returns an undefined tensor to leave the gradient as is.
struct TensorHook {
  unsigned handle;
  std::function<Tensor(const Tensor&)> fn;
};

using detail::DimVector;

class TensorImpl : public detail::TensorGeometry {
 public:
  // User-provided, so that std::allocate_shared<TensorImpl>() runs the member initializers only:
  // with an implicit constructor, value-initialization first zero-fills the whole object (a
  // `rep stos` of some 300 bytes, 12% of the time of empty({16, 16})).
  // Tensor's inline accessors read the TensorGeometry base at the object's own address
  // (tensor_geometry.h): true of a first, only, non-virtual base on the Itanium C++ ABI (every
  // compiler and platform nabla builds for); were it not, every test of a tensor would fail.
  TensorImpl() {}  // NOLINT(modernize-use-equals-default)

  std::shared_ptr<Storage> storage;
  // sizes, strides, offset (in elements), numel and dtype: in the base, which Tensor's inline
  // accessors read (nabla/tensor_geometry.h).
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

  /// Element 0 (storage's data plus `offset` elements); its device.
  char* data() const { return TensorGeometry::data; }
  Device device() const { return TensorGeometry::device; }
  /// Points this tensor at `s` from element `element_offset` on (in elements of `dtype`, which
  /// must be set first), keeping the geometry's copies of the data pointer and device in step.
  void set_storage(std::shared_ptr<Storage> s, int64_t element_offset) {
    storage = std::move(s);
    offset = element_offset;
    TensorGeometry::device = storage->device;
    char* base = static_cast<char*>(storage->data);
    TensorGeometry::data = base == nullptr || element_offset == 0
                               ? base
                               : base + element_offset * static_cast<int64_t>(elementSize(dtype));
  }
  /// Takes `other`'s storage and geometry (sizes, strides, offset, dtype, data pointer).
  void share_storage_and_geometry(const TensorImpl& other) {
    storage = other.storage;
    static_cast<TensorGeometry&>(*this) = other;
  }
  bool is_contiguous() const;
  void set_sizes_contiguous(IntArrayRef new_sizes);
  /// set_sizes_contiguous for sizes already checked, whose element count is `count`.
  void set_checked_sizes_contiguous(IntArrayRef new_sizes, int64_t count);
  void recompute_numel();
};

namespace detail {

/// A new TensorImpl or Storage, in a block from the thread's free list (block_pool.h).
inline std::shared_ptr<TensorImpl> new_tensor_impl() {
  return std::allocate_shared<TensorImpl>(PooledAllocator<TensorImpl>());
}
inline std::shared_ptr<Storage> new_storage() {
  return std::allocate_shared<Storage>(PooledAllocator<Storage>());
}

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
