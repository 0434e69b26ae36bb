// Tensor handles: geometry, attributes and element access (their autograd methods are in
// src/autograd/tensor_autograd.cpp).
#include <sstream>

#include "core/allocator.h"
#include "core/check.h"
#include "core/checked.h"
#include "core/dispatch.h"
#include "core/tensor_impl.h"
#include "nabla/ops.h"

namespace nabla {

// ---- TensorImpl ------------------------------------------------------------------------

bool TensorImpl::is_contiguous() const {
  // An empty tensor has no element out of place, whatever its strides (as in PyTorch).
  for (int64_t size : sizes)
    if (size == 0) return true;
  int64_t expected = 1;
  for (int64_t d = static_cast<int64_t>(sizes.size()) - 1; d >= 0; --d) {
    if (sizes[d] == 1) continue;
    if (strides[d] != expected) return false;
    expected *= sizes[d];
  }
  return true;
}

void TensorImpl::set_sizes_contiguous(IntArrayRef new_sizes) {
  // Checked: loaders call this with sizes read from files ({0, 2^62, 2^62} would overflow the
  // strides below).
  set_checked_sizes_contiguous(new_sizes, detail::checked_numel(new_sizes, "set_sizes"));
}

void TensorImpl::set_checked_sizes_contiguous(IntArrayRef new_sizes, int64_t count) {
  sizes = new_sizes;
  strides.resize_uninitialized(new_sizes.size());
  int64_t s = 1;  // as contiguous_strides, without a vector
  for (int64_t d = static_cast<int64_t>(new_sizes.size()) - 1; d >= 0; --d) {
    strides[d] = s;
    s *= std::max<int64_t>(new_sizes[d], 1);
  }
  numel = count;
}

void TensorImpl::recompute_numel() { numel = detail::compute_numel(sizes); }

namespace detail {

std::vector<int64_t> contiguous_strides(IntArrayRef sizes) {
  std::vector<int64_t> strides(sizes.size());
  int64_t s = 1;
  for (int64_t d = static_cast<int64_t>(sizes.size()) - 1; d >= 0; --d) {
    strides[d] = s;
    s *= std::max<int64_t>(sizes[d], 1);
  }
  return strides;
}

int64_t compute_numel(IntArrayRef sizes) {
  int64_t n = 1;
  for (int64_t s : sizes) n *= s;
  return n;
}

Tensor make_tensor(IntArrayRef sizes, ScalarType dtype, Device device) {
  const int64_t n = checked_numel(sizes, "empty");
  const size_t nbytes = checked_nbytes(n, elementSize(dtype), "empty");
  Allocator& allocator = allocator_for(device);
  auto storage = new_storage();
  storage->nbytes = nbytes;
  storage->data = allocator.allocate(storage->nbytes);
  storage->device = device;
  storage->allocator = &allocator;
  auto impl = new_tensor_impl();
  impl->dtype = dtype;
  impl->set_storage(std::move(storage), 0);
  impl->set_checked_sizes_contiguous(sizes, n);
  return Tensor(std::move(impl));
}

Tensor make_view(const Tensor& base, IntArrayRef sizes, IntArrayRef strides, int64_t offset) {
  // Every view op ends here: a view reaching outside its storage (sizes whose product wraps, a
  // stride times size that overflows) is refused before it can be indexed.
  // An empty storage is exempt from the bounds check (not from the size check): kernels view
  // empty operands with stride-0 loop dims they never dereference, and a public view of an
  // empty tensor keeps numel 0 (view/reshape keep numel, expand cannot grow a size-0 dim).
  const Storage& st = *base.impl()->storage;
  if (st.nbytes == 0) {
    checked_numel(sizes, "view");
  } else {
    check_view_bounds(sizes, strides, offset,
                      static_cast<int64_t>(st.nbytes / elementSize(base.scalar_type())), "view");
  }
  auto impl = new_tensor_impl();
  impl->dtype = base.scalar_type();
  impl->set_storage(base.impl()->storage, offset);
  impl->sizes = sizes;
  impl->strides = strides;
  impl->is_view = true;
  impl->recompute_numel();
  return Tensor(std::move(impl));
}

Tensor alias_detached(const Tensor& t) {
  const TensorImpl* src = t.unsafeGetTensorImpl();
  auto impl = new_tensor_impl();
  impl->share_storage_and_geometry(*src);
  impl->is_view = src->is_view;
  return Tensor(std::move(impl));
}

int64_t wrap_dim(int64_t dim, int64_t ndim, const char* op) {
  const int64_t n = std::max<int64_t>(ndim, 1);  // a 0-d tensor accepts dims -1 and 0
  NABLA_CHECK(dim >= -n && dim < n,
              "[{}] dimension out of range (expected to be in range of [{}, {}], but got {})", op,
              -n, n - 1, dim);
  return dim < 0 ? dim + n : dim;
}

std::string shape_str(IntArrayRef sizes) { return fmt::format("{}", sizes); }

}  // namespace detail

// ---- attributes ------------------------------------------------------------------------

namespace {

// impl_of's body, inlined into the accessors below.
inline const TensorImpl& checked_impl(const Tensor& t, const char* what) {
  const TensorImpl* impl = t.unsafeGetTensorImpl();
  if (impl == nullptr) [[unlikely]]
    detail::undefined_tensor_error(what);
  return *impl;
}

}  // namespace

void detail::undefined_tensor_error(const char* what) {
  NABLA_ERROR("[{}] called on an undefined tensor", what);
}

void detail::dim_out_of_range_error(int64_t d, int64_t n, const char* what) {
  NABLA_CHECK(n > 0, "[{}] dimension specified as {} but tensor has no dimensions", what, d);
  wrap_dim(d, n, what);  // raises: d is outside [-n, n)
  NABLA_ERROR("[{}] internal error: dimension {} of {} reported out of range", what, d, n);
}

const TensorImpl& detail::impl_of(const Tensor& t, const char* what) {
  return checked_impl(t, what);
}

bool Tensor::is_contiguous() const { return checked_impl(*this, "is_contiguous").is_contiguous(); }
uint32_t Tensor::_version() const { return checked_impl(*this, "_version").storage->version; }
const std::string& Tensor::name() const {
  static const std::string none;
  checked_impl(*this, "name");
  return none;
}

TensorOptions Tensor::options() const {
  return TensorOptions().dtype(scalar_type()).device(device());
}

std::string Tensor::toString() const {
  if (!defined()) return "UndefinedTensor";
  return fmt::format("CPU{}Type{}", nabla::toString(scalar_type()), sizes());
}

// ---- element access --------------------------------------------------------------------

void Tensor::dtype_access_error(ScalarType requested, const char* what) const {
  NABLA_ERROR("[{}] expected a tensor of dtype {} for this element type, but it has dtype {}", what,
              requested, scalar_type());
}

void Tensor::check_accessor(ScalarType requested, size_t n) const {
  if (scalar_type() != requested) dtype_access_error(requested, "accessor");
  NABLA_CHECK(static_cast<size_t>(dim()) == n,
              "[accessor] expected a tensor of {} dimensions, got {} (shape {})", n, dim(),
              sizes());
  NABLA_CHECK(detail::allocator_for(device()).host_accessible(),
              "[accessor] {} tensors cannot be accessed element by element: copy them to the "
              "CPU first (.cpu())",
              device().str());
}

}  // namespace nabla
