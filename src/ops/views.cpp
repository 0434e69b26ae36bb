// View ops: results share storage with the input, only sizes, strides and offset change.
// Each backward maps the gradient back to the input's geometry.
#include <algorithm>
#include <numeric>

#include "core/checked.h"
#include "core/dispatch.h"
#include "ops/op_helpers.h"

namespace nabla {

using namespace detail;  // NOLINT

namespace {

// Records a view op whose backward is `bw(grad)`.
Tensor record_view(const char* name, const Tensor& self, Tensor result,
                   std::function<Tensor(const Tensor&)> bw) {
  if (needs_grad(self)) {
    record(name, {result}, {self},
           [bw = std::move(bw)](const variable_list& grads, const Node&) -> variable_list {
             const Tensor& grad = grads[0];
             return {bw(grad)};
           });
  }
  return result;
}

// The shape `view`/`reshape` ask for, with one -1 inferred.
std::vector<int64_t> infer_size(IntArrayRef shape, int64_t numel, const char* op) {
  std::vector<int64_t> out = shape.vec();
  int64_t known = 1, infer = -1;
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] == -1) {
      NABLA_CHECK(infer < 0, "[{}] only one dimension can be inferred in shape {}", op, shape);
      infer = static_cast<int64_t>(i);
    } else {
      NABLA_CHECK(out[i] >= 0, "[{}] invalid shape dimension {} in {}", op, out[i], shape);
      known = checked_mul(known, out[i], op);
    }
  }
  if (infer >= 0) {
    NABLA_CHECK(known != 0 && numel % known == 0, "[{}] shape {} is invalid for input of size {}",
                op, shape, numel);
    out[infer] = numel / known;
  }
  NABLA_CHECK(checked_numel(out, op) == numel, "[{}] shape {} is invalid for input of size {}", op,
              shape, numel);
  return out;
}

// Strides for viewing `t` as `shape` without a copy, or nullopt when impossible
// (PyTorch's computeStride: chunks of dims that are contiguous among themselves).
std::optional<std::vector<int64_t>> view_strides(const Tensor& t, IntArrayRef shape) {
  IntArrayRef old_sizes = t.sizes(), old_strides = t.strides();
  std::vector<int64_t> new_strides(shape.size(), 0);
  if (t.numel() == 0 || t.dim() == 0) return contiguous_strides(shape);  // 0 or 1 element
  int64_t view_d = static_cast<int64_t>(shape.size()) - 1;
  int64_t chunk_base_stride = old_strides.empty() ? 1 : old_strides.back();
  int64_t tensor_numel = 1, view_numel = 1;
  for (int64_t d = static_cast<int64_t>(old_sizes.size()) - 1; d >= 0; --d) {
    tensor_numel *= old_sizes[d];
    if (d == 0 ||
        (old_sizes[d - 1] != 1 && old_strides[d - 1] != tensor_numel * chunk_base_stride)) {
      while (view_d >= 0 && (view_numel < tensor_numel || shape[view_d] == 1)) {
        new_strides[view_d] = view_numel * chunk_base_stride;
        view_numel *= shape[view_d];
        --view_d;
      }
      if (view_numel != tensor_numel) return std::nullopt;
      if (d > 0) {
        chunk_base_stride = old_strides[d - 1];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  if (view_d != -1) return std::nullopt;
  return new_strides;
}

}  // namespace

Tensor Tensor::view(IntArrayRef size) const {
  check_defined(*this, "view");
  std::vector<int64_t> shape = infer_size(size, numel(), "view");
  auto strides = view_strides(*this, shape);
  NABLA_CHECK(strides.has_value(),
              "[view] size {} is not compatible with input tensor's size {} and stride {} (at "
              "least one dimension spans across two contiguous subspaces); use .reshape(...) "
              "instead",
              IntArrayRef(shape), sizes(), this->strides());
  Tensor result = make_view(*this, shape, std::move(*strides), storage_offset());
  return record_view(
      "ViewBackward0", *this, result,
      [self_sizes = sizes().vec()](const Tensor& grad) { return grad.reshape(self_sizes); });
}

Tensor Tensor::reshape(IntArrayRef shape) const {
  check_defined(*this, "reshape");
  std::vector<int64_t> s = infer_size(shape, numel(), "reshape");
  if (view_strides(*this, s)) return view(s);
  return contiguous().view(s);
}
Tensor reshape(const Tensor& self, IntArrayRef shape) { return self.reshape(shape); }

Tensor Tensor::as_strided(IntArrayRef size, IntArrayRef stride,
                          std::optional<int64_t> offset) const {
  check_defined(*this, "as_strided");
  NABLA_CHECK(size.size() == stride.size(),
              "[as_strided] size {} and stride {} have different lengths", size, stride);
  NABLA_CHECK(!(GradMode::is_enabled() && requires_grad()),
              "[as_strided] is not differentiable in nabla; use view ops instead");
  const int64_t off = offset.value_or(storage_offset());
  NABLA_CHECK(off >= 0, "[as_strided] negative storage offset {}", off);
  for (size_t i = 0; i < size.size(); ++i)
    NABLA_CHECK(size[i] >= 0 && stride[i] >= 0, "[as_strided] negative size or stride");
  check_view_bounds(size, stride, off,
                    static_cast<int64_t>(impl()->storage->nbytes / elementSize(scalar_type())),
                    "as_strided");
  return make_view(*this, size.vec(), stride.vec(), off);
}

Tensor Tensor::transpose(int64_t dim0, int64_t dim1) const {
  check_defined(*this, "transpose");
  const int64_t d0 = wrap_dim(dim0, dim(), "transpose"), d1 = wrap_dim(dim1, dim(), "transpose");
  std::vector<int64_t> s = sizes().vec(), st = strides().vec();
  if (dim() > 0) {
    std::swap(s[d0], s[d1]);
    std::swap(st[d0], st[d1]);
  }
  Tensor result = make_view(*this, s, st, storage_offset());
  return record_view(
      "TransposeBackward0", *this, result,
      [dim0 = d0, dim1 = d1](const Tensor& grad) { return grad.transpose(dim0, dim1); });
}
Tensor transpose(const Tensor& self, int64_t d0, int64_t d1) { return self.transpose(d0, d1); }

Tensor Tensor::t() const {
  check_defined(*this, "t");
  NABLA_CHECK(dim() <= 2, "[t] expects a tensor with <= 2 dimensions, but self is {}D", dim());
  if (dim() < 2) return view(sizes());
  return transpose(0, 1);
}

Tensor Tensor::permute(IntArrayRef dims) const {
  check_defined(*this, "permute");
  NABLA_CHECK(static_cast<int64_t>(dims.size()) == dim(),
              "[permute] number of dims {} doesn't match the tensor's {} dims (shape {})",
              dims.size(), dim(), sizes());
  std::vector<int64_t> s(dims.size()), st(dims.size()), inverse(dims.size());
  std::vector<bool> seen(dims.size(), false);
  for (size_t i = 0; i < dims.size(); ++i) {
    const int64_t d = wrap_dim(dims[i], dim(), "permute");
    NABLA_CHECK(!seen[d], "[permute] repeated dim {} in {}", d, dims);
    seen[d] = true;
    s[i] = sizes()[d];
    st[i] = strides()[d];
    inverse[d] = static_cast<int64_t>(i);
  }
  Tensor result = make_view(*this, s, st, storage_offset());
  return record_view("PermuteBackward0", *this, result,
                     [inverse](const Tensor& grad) { return grad.permute(inverse); });
}
Tensor permute(const Tensor& self, IntArrayRef dims) { return self.permute(dims); }

Tensor Tensor::expand(IntArrayRef size, bool /*implicit*/) const {
  check_defined(*this, "expand");
  NABLA_CHECK(static_cast<int64_t>(size.size()) >= dim(),
              "[expand] the number of sizes provided ({}) must be greater or equal to the "
              "number of dimensions in the tensor ({})",
              size.size(), dim());
  std::vector<int64_t> shape = size.vec();
  const int64_t lead = static_cast<int64_t>(size.size()) - dim();
  for (int64_t i = 0; i < static_cast<int64_t>(size.size()); ++i) {
    if (shape[i] == -1) {
      NABLA_CHECK(i >= lead, "[expand] -1 is not allowed in a leading, non-existing dimension");
      shape[i] = sizes()[i - lead];
    }
    if (i >= lead) {
      const int64_t have = sizes()[i - lead];
      NABLA_CHECK(have == shape[i] || have == 1,
                  "[expand] the expanded size of the tensor ({}) must match the existing size "
                  "({}) at non-singleton dimension {}; target sizes {}, tensor sizes {}",
                  shape[i], have, i, size, sizes());
    }
  }
  Tensor result = expand_to(*this, shape, "expand");
  if (result.is_same(*this))
    result = make_view(*this, sizes().vec(), strides().vec(), storage_offset());
  return record_view(
      "ExpandBackward0", *this, result,
      [self_sizes = sizes().vec()](const Tensor& grad) { return sum_to(grad, self_sizes); });
}

Tensor Tensor::squeeze() const {
  check_defined(*this, "squeeze");
  std::vector<int64_t> s, st;
  for (int64_t d = 0; d < dim(); ++d) {
    if (sizes()[d] == 1) continue;
    s.push_back(sizes()[d]);
    st.push_back(strides()[d]);
  }
  Tensor result = make_view(*this, s, st, storage_offset());
  return record_view(
      "SqueezeBackward0", *this, result,
      [self_sizes = sizes().vec()](const Tensor& grad) { return grad.reshape(self_sizes); });
}

Tensor Tensor::squeeze(int64_t d) const {
  check_defined(*this, "squeeze");
  d = wrap_dim(d, dim(), "squeeze");
  if (dim() == 0 || sizes()[d] != 1) return view(sizes());
  std::vector<int64_t> s = sizes().vec(), st = strides().vec();
  s.erase(s.begin() + d);
  st.erase(st.begin() + d);
  Tensor result = make_view(*this, s, st, storage_offset());
  return record_view("SqueezeBackward1", *this, result,
                     [dim = d](const Tensor& grad) { return grad.unsqueeze(dim); });
}
Tensor squeeze(const Tensor& self) { return self.squeeze(); }
Tensor squeeze(const Tensor& self, int64_t dim) { return self.squeeze(dim); }

Tensor Tensor::unsqueeze(int64_t d) const {
  check_defined(*this, "unsqueeze");
  d = wrap_dim(d, dim() + 1, "unsqueeze");
  std::vector<int64_t> s = sizes().vec(), st = strides().vec();
  const int64_t new_stride = d < dim() ? checked_mul(st[d], s[d], "unsqueeze", "stride") : 1;
  s.insert(s.begin() + d, 1);
  st.insert(st.begin() + d, new_stride);
  Tensor result = make_view(*this, s, st, storage_offset());
  return record_view("UnsqueezeBackward0", *this, result,
                     [dim = d](const Tensor& grad) { return grad.squeeze(dim); });
}
Tensor unsqueeze(const Tensor& self, int64_t dim) { return self.unsqueeze(dim); }

Tensor Tensor::unfold(int64_t dimension, int64_t size, int64_t step) const {
  check_defined(*this, "unfold");
  const int64_t d = wrap_dim(dimension, std::max<int64_t>(dim(), 1), "unfold");
  const int64_t n = dim() == 0 ? 1 : sizes()[d];
  NABLA_CHECK(size >= 0 && size <= n,
              "[unfold] maximum size for tensor at dimension {} is {} but size is {} (shape {})", d,
              n, size, sizes());
  NABLA_CHECK(step > 0, "[unfold] step is {} but must be > 0", step);
  // A 0-d tensor unfolds as if it were [1] with its window dim dropped: [size].
  std::vector<int64_t> s = dim() == 0 ? std::vector<int64_t>{1} : sizes().vec();
  std::vector<int64_t> st = dim() == 0 ? std::vector<int64_t>{1} : strides().vec();
  const int64_t windows = (n - size) / step + 1;
  s.push_back(size);
  st.push_back(st[d]);
  s[d] = windows;
  st[d] = checked_mul(st[d], step, "unfold", "stride");
  if (dim() == 0) {
    s.erase(s.begin());
    st.erase(st.begin());
  }
  Tensor result = make_view(*this, s, st, storage_offset());
  // Backward: window w's element k came from position w * step + k along d, so the gradient,
  // with its window and element dims side by side and merged, is index_add-ed at those
  // positions (overlapping windows add up).
  return record_view(
      "UnfoldBackward0", *this, result,
      [self_sizes = sizes().vec(), d, size, step, windows](const Tensor& grad) {
        const bool scalar = self_sizes.empty();
        const Tensor g = scalar ? grad.unsqueeze(0) : grad;
        const TensorOptions longs = TensorOptions().dtype(kLong).device(grad.device());
        const Tensor positions =
            (arange(windows, longs).mul(step).unsqueeze(1) + arange(size, longs).unsqueeze(0))
                .reshape({-1});
        const Tensor source = g.movedim(-1, d + 1).flatten(d, d + 1);
        const Tensor input_grad =
            zeros(scalar ? IntArrayRef{1} : IntArrayRef(self_sizes), grad.options())
                .index_add(d, positions, source);
        return scalar ? input_grad.reshape({}) : input_grad;
      });
}

namespace {
// An in-place view op: `self` takes the geometry of `view` (a view of self just made by the
// out-of-place op) and, when autograd recorded that view, its history, as LibTorch rebases a
// tensor on x.unsqueeze_(0). The version is bumped: a tensor saved for backward before the
// change no longer has the shape it was saved with.
Tensor& become_view(const Tensor& self, const Tensor& view) {
  TensorImpl& impl = *self.impl();
  impl.share_storage_and_geometry(*view.impl());
  if (view.impl()->grad_fn) {
    impl.grad_fn = view.impl()->grad_fn;
    impl.output_nr = view.impl()->output_nr;
  }
  bump_version(self);
  return const_cast<Tensor&>(self);
}
void check_inplace_view(const Tensor& self, const char* op) {
  check_defined(self, op);
  NABLA_CHECK(!(GradMode::is_enabled() && self.is_leaf() && self.requires_grad()),
              "[{}] a leaf tensor that requires grad is being used in an in-place operation; "
              "wrap it in a NoGradGuard or use the out-of-place op",
              op);
}
}  // namespace

Tensor& Tensor::t_() const {
  check_inplace_view(*this, "t_");
  return become_view(*this, t());
}
Tensor& Tensor::transpose_(int64_t dim0, int64_t dim1) const {
  check_inplace_view(*this, "transpose_");
  return become_view(*this, transpose(dim0, dim1));
}
Tensor& Tensor::swapdims_(int64_t dim0, int64_t dim1) const {
  check_inplace_view(*this, "swapdims_");
  return become_view(*this, transpose(dim0, dim1));
}
Tensor& Tensor::swapaxes_(int64_t axis0, int64_t axis1) const {
  check_inplace_view(*this, "swapaxes_");
  return become_view(*this, transpose(axis0, axis1));
}
Tensor& Tensor::squeeze_() const {
  check_inplace_view(*this, "squeeze_");
  return become_view(*this, squeeze());
}
Tensor& Tensor::squeeze_(int64_t dim) const {
  check_inplace_view(*this, "squeeze_");
  return become_view(*this, squeeze(dim));
}
Tensor& Tensor::unsqueeze_(int64_t dim) const {
  check_inplace_view(*this, "unsqueeze_");
  return become_view(*this, unsqueeze(dim));
}

// resize_: the elements that fit stay where they are in the storage. Growing gives this tensor
// a new, larger storage holding a copy of the old one; other tensors viewing the old storage
// keep it (LibTorch reallocates the shared storage itself, which nabla's views, caching their
// data pointer, cannot follow safely).
const Tensor& Tensor::resize_(IntArrayRef size) const {
  check_defined(*this, "resize_");
  NABLA_CHECK(!requires_grad(), "[resize_] cannot resize a tensor that requires grad (shape {})",
              sizes());
  for (int64_t s : size) NABLA_CHECK(s >= 0, "[resize_] negative size {} in {}", s, size);
  const int64_t n = checked_numel(size, "resize_");
  TensorImpl& self = *impl();
  const int64_t element_size = static_cast<int64_t>(elementSize(scalar_type()));
  const int64_t have = static_cast<int64_t>(self.storage->nbytes) / element_size;
  const int64_t need = checked_add(storage_offset(), n, "resize_");
  checked_mul(need, element_size, "resize_", "bytes");
  if (need > have) {
    const Tensor grown = make_tensor({need}, scalar_type(), device());
    if (have > 0) {
      NoGradGuard no_grad;
      const Tensor old_elements = make_view(*this, {have}, {1}, 0);
      make_view(grown, {have}, {1}, 0).copy_(old_elements);
    }
    self.set_storage(grown.impl()->storage, storage_offset());
  }
  self.set_sizes_contiguous(size);
  bump_version(*this);
  return *this;
}

Tensor Tensor::flatten(int64_t start_dim, int64_t end_dim) const {
  check_defined(*this, "flatten");
  if (dim() == 0) return reshape({1});
  const int64_t s = wrap_dim(start_dim, dim(), "flatten"), e = wrap_dim(end_dim, dim(), "flatten");
  NABLA_CHECK(s <= e, "[flatten] start_dim {} cannot come after end_dim {}", start_dim, end_dim);
  std::vector<int64_t> shape(sizes().begin(), sizes().begin() + s);
  int64_t n = 1;
  for (int64_t d = s; d <= e; ++d) n = checked_mul(n, sizes()[d], "flatten");
  shape.push_back(n);
  shape.insert(shape.end(), sizes().begin() + e + 1, sizes().end());
  return reshape(shape);
}
Tensor flatten(const Tensor& self, int64_t s, int64_t e) { return self.flatten(s, e); }

Tensor Tensor::unflatten(int64_t d, IntArrayRef new_sizes) const {
  check_defined(*this, "unflatten");
  d = wrap_dim(d, dim(), "unflatten");
  std::vector<int64_t> inner = infer_size(new_sizes, sizes()[d], "unflatten");
  std::vector<int64_t> shape(sizes().begin(), sizes().begin() + d);
  shape.insert(shape.end(), inner.begin(), inner.end());
  shape.insert(shape.end(), sizes().begin() + d + 1, sizes().end());
  return view(shape);
}

// ---- slicing ---------------------------------------------------------------------------

namespace {
// grad of a slice: zeros of the input's shape with the gradient written into the slice.
// Recorded as an op so that double backward works (its own backward takes the slice again).
Tensor slice_backward(const Tensor& grad, const std::vector<int64_t>& in_sizes, int64_t dim,
                      int64_t start, int64_t end, int64_t step) {
  Tensor result = zeros(in_sizes, grad.options());
  {
    NoGradGuard no_grad;
    Tensor dst = result.slice(dim, start, end, step);
    backend_for(grad).copy(grad, dst);
  }
  if (needs_grad(grad)) {
    record("SliceBackwardBackward0", {result}, {grad},
           [dim, start, end, step](const variable_list& grads, const Node&) -> variable_list {
             const Tensor& grad = grads[0];
             return {grad.slice(dim, start, end, step)};
           });
  }
  return result;
}

Tensor select_backward(const Tensor& grad, IntArrayRef in_sizes, int64_t dim, int64_t index) {
  return slice_backward(grad.unsqueeze(dim), in_sizes, dim, index, index + 1, 1);
}
}  // namespace

Tensor Tensor::slice(int64_t d, std::optional<int64_t> start, std::optional<int64_t> end,
                     int64_t step) const {
  check_defined(*this, "slice");
  NABLA_CHECK(dim() > 0, "[slice] cannot be applied to a 0-dim tensor");
  d = wrap_dim(d, dim(), "slice");
  NABLA_CHECK(step > 0, "[slice] step must be positive, got {}", step);
  const int64_t n = sizes()[d];
  int64_t s = start.value_or(0), e = end.value_or(n);
  // Python semantics: negative counts from the end, out of range clamps.
  if (s < 0) s += n;
  if (e < 0) e += n;
  s = std::clamp<int64_t>(s, 0, n);
  e = std::clamp<int64_t>(e, s, n);
  std::vector<int64_t> sz = sizes().vec(), st = strides().vec();
  sz[d] = e == s ? 0 : (e - s - 1) / step + 1;  // ceil((e - s) / step) without overflow
  if (sz[d] > 1) st[d] = checked_mul(st[d], step, "slice", "stride");  // unused for 1 element
  Tensor result = make_view(*this, sz, st, storage_offset() + s * strides()[d]);
  return record_view(
      "SliceBackward0", *this, result,
      [self_sizes = sizes().vec(), dim = d, start = s, end = e, step](const Tensor& grad) {
        return slice_backward(grad, self_sizes, dim, start, end, step);
      });
}

Tensor Tensor::narrow(int64_t d, int64_t start, int64_t length) const {
  check_defined(*this, "narrow");
  NABLA_CHECK(dim() > 0, "[narrow] cannot be applied to a 0-dim tensor");
  d = wrap_dim(d, dim(), "narrow");
  const int64_t n = sizes()[d];
  if (start < 0) start += n;
  NABLA_CHECK(start >= 0 && start <= n && length >= 0 && length <= n - start,
              "[narrow] start ({}) + length ({}) exceeds dimension size ({}) of dim {}", start,
              length, n, d);
  return slice(d, start, start + length, 1);
}
Tensor narrow(const Tensor& self, int64_t d, int64_t s, int64_t l) { return self.narrow(d, s, l); }

Tensor Tensor::select(int64_t d, int64_t index) const {
  check_defined(*this, "select");
  NABLA_CHECK(dim() > 0, "[select] cannot be applied to a 0-dim tensor");
  d = wrap_dim(d, dim(), "select");
  const int64_t n = sizes()[d];
  NABLA_CHECK(index >= -n && index < n,
              "[select] index {} is out of bounds for dimension {} with size {}", index, d, n);
  if (index < 0) index += n;
  // Sizes and strides without dim d, in place (no allocation: select is per example in a
  // LibTorch-style dataset's get()).
  const IntArrayRef in_sizes = sizes(), in_strides = strides();
  const auto nd = static_cast<int64_t>(in_sizes.size());
  DimVector sz, st;
  sz.resize_uninitialized(static_cast<size_t>(nd - 1));
  st.resize_uninitialized(static_cast<size_t>(nd - 1));
  for (int64_t k = 0, j = 0; k < nd; ++k) {
    if (k == d) continue;
    sz[static_cast<size_t>(j)] = in_sizes[k];
    st[static_cast<size_t>(j++)] = in_strides[k];
  }
  Tensor result = make_view(*this, sz, st, storage_offset() + index * in_strides[d]);
  return record_view("SelectBackward0", *this, result,
                     [self_sizes = DimVector(sizes()), dim = d, index](const Tensor& grad) {
                       return select_backward(grad, self_sizes, dim, index);
                     });
}
Tensor select(const Tensor& self, int64_t d, int64_t i) { return self.select(d, i); }

std::vector<Tensor> Tensor::split(int64_t split_size, int64_t d) const {
  check_defined(*this, "split");
  NABLA_CHECK(dim() > 0, "[split] cannot be applied to a 0-dim tensor");
  d = wrap_dim(d, dim(), "split");
  const int64_t n = sizes()[d];
  NABLA_CHECK(split_size > 0 || (split_size == 0 && n == 0),
              "[split] split_size must be positive, got {}", split_size);
  if (n == 0) return {*this};
  std::vector<int64_t> sizes;
  for (int64_t s = 0; s < n; s += split_size) sizes.push_back(std::min(split_size, n - s));
  return split_with_sizes(sizes, d);
}

std::vector<Tensor> Tensor::split_with_sizes(IntArrayRef split_sizes, int64_t d) const {
  check_defined(*this, "split_with_sizes");
  d = wrap_dim(d, dim(), "split_with_sizes");
  int64_t total = 0;
  for (int64_t s : split_sizes) {
    NABLA_CHECK(s >= 0, "[split_with_sizes] negative split size {}", s);
    total = checked_add(total, s, "split_with_sizes");
  }
  NABLA_CHECK(total == sizes()[d],
              "[split_with_sizes] split sizes {} sum to {}, but dimension {} has size {}",
              split_sizes, total, d, sizes()[d]);
  std::vector<Tensor> parts;
  {
    NoGradGuard no_grad;  // one node for all the parts (below), not one per part
    int64_t start = 0;
    for (int64_t s : split_sizes) {
      parts.push_back(narrow(d, start, s));
      start += s;
    }
  }
  // One backward that concatenates the parts' gradients: as many narrows, each scattering into
  // a zero tensor of the full size, would cost O(parts x size), which is what made an RNN's
  // time loop quadratic in the sequence length.
  if (needs_grad(*this)) {
    record("SplitWithSizesBackward0", parts, {*this},
           [dim = d](const variable_list& grads, const Node&) -> variable_list {
             return {cat(grads, dim)};
           });
  }
  return parts;
}
std::vector<Tensor> Tensor::split(IntArrayRef split_sizes, int64_t d) const {
  return split_with_sizes(split_sizes, d);
}
std::vector<Tensor> split(const Tensor& self, int64_t s, int64_t d) { return self.split(s, d); }

std::vector<Tensor> Tensor::chunk(int64_t chunks, int64_t d) const {
  check_defined(*this, "chunk");
  NABLA_CHECK(chunks > 0, "[chunk] number of chunks must be positive, got {}", chunks);
  NABLA_CHECK(dim() > 0, "[chunk] cannot be applied to a 0-dim tensor");
  d = wrap_dim(d, dim(), "chunk");
  const int64_t n = sizes()[d];
  const int64_t size = std::max<int64_t>((n + chunks - 1) / chunks, 1);
  return split(size, d);
}
std::vector<Tensor> chunk(const Tensor& self, int64_t c, int64_t d) { return self.chunk(c, d); }

std::vector<Tensor> Tensor::unbind(int64_t d) const {
  check_defined(*this, "unbind");
  d = wrap_dim(d, dim(), "unbind");
  std::vector<Tensor> parts;
  {
    NoGradGuard no_grad;  // one node for all the parts, as split_with_sizes
    for (int64_t i = 0; i < sizes()[d]; ++i) parts.push_back(select(d, i));
  }
  if (needs_grad(*this) && !parts.empty()) {
    record("UnbindBackward0", parts, {*this},
           [dim = d](const variable_list& grads, const Node&) -> variable_list {
             return {stack(grads, dim)};
           });
  }
  return parts;
}

// ---- copies and conversion -------------------------------------------------------------

Tensor Tensor::clone() const {
  check_defined(*this, "clone");
  Tensor result = make_tensor(sizes(), scalar_type(), device());
  backend_for(*this).copy(*this, result);
  return record_view("CloneBackward0", *this, result, [](const Tensor& grad) { return grad; });
}

Tensor Tensor::contiguous() const {
  check_defined(*this, "contiguous");
  return is_contiguous() ? *this : clone();
}

// One element, read on the host through the device-to-host copy for other devices.
Scalar Tensor::item() const {
  NABLA_CHECK(numel() == 1,
              "[item] a tensor with {} elements cannot be converted to a Scalar (shape {})",
              numel(), sizes());
  const Tensor c = detail::host_readable(*this);  // through the device-to-host copy
  const char* p = static_cast<const char*>(c.data_ptr());
  return detail::dispatch_all(scalar_type(), "item", [p](auto tag) {
    return Scalar(*reinterpret_cast<const typename decltype(tag)::type*>(p));
  });
}

Tensor Tensor::to(ScalarType dtype, bool, bool copy) const {
  check_defined(*this, "to");
  if (dtype == scalar_type() && !copy) return *this;
  Tensor result = make_tensor(sizes(), dtype, device());
  backend_for(*this).copy(*this, result);
  if (isFloatingType(dtype) && is_floating_point()) {
    return record_view("ToCopyBackward0", *this, result,
                       [from = scalar_type()](const Tensor& grad) { return grad.to(from); });
  }
  return result;
}

namespace {
// Whether a copy to `to` has nothing to move; an index of -1 means "the current one".
bool same_device(Device from, Device to) {
  return from.type() == to.type() &&
         (from.index() == to.index() || !from.has_index() || !to.has_index());
}

// `self` on `device`, same dtype: the device-to-host copy of its source backend, then the
// host-to-device copy of the target's (backend/backend.h's device contract).
Tensor to_device(const Tensor& self, Device device) {
  const Tensor result = from_host(host_readable(self), device);
  return record_view("ToCopyBackward0", self, result,
                     [from = self.device()](const Tensor& grad) { return grad.to(from); });
}
}  // namespace

Tensor Tensor::to(const TensorOptions& o, bool non_blocking, bool copy) const {
  check_defined(*this, "to");
  Tensor r = *this;
  bool copied = false;
  if (o.has_device()) {
    backend_for(o.device());  // raises for a device nabla was built without
    if (!same_device(device(), o.device())) r = to_device(r, o.device()), copied = true;
  }
  if (o.has_dtype() && o.dtype() != r.scalar_type()) {
    r = r.to(o.dtype(), non_blocking, false);
    copied = true;
  }
  if (copy && !copied) r = r.clone();
  if (o.has_requires_grad() && o.requires_grad() && r.is_leaf()) r.requires_grad_(true);
  return r;
}
Tensor Tensor::to(Device device, ScalarType dtype, bool non_blocking, bool copy) const {
  return to(TensorOptions().device(device).dtype(dtype), non_blocking, copy);
}
Tensor Tensor::to(const Tensor& other, bool non_blocking, bool copy) const {
  return to(other.device(), other.scalar_type(), non_blocking, copy);
}

Tensor& Tensor::copy_(const Tensor& src, bool) const {
  check_defined(src, "copy_", "src");
  const std::vector<int64_t> shape = broadcast_shapes(sizes(), src.sizes(), "copy_");
  NABLA_CHECK(IntArrayRef(shape) == sizes(),
              "[copy_] source of shape {} cannot be broadcast to the destination's shape {}",
              src.sizes(), sizes());
  return apply_inplace(const_cast<Tensor&>(*this), "copy_", src, [&](const Tensor& v) {
    if (!GradMode::is_enabled() || !src.requires_grad()) {
      backend_for(v).copy(expand_to(src, v.sizes(), "copy_"), v);
      return v;
    }
    return src.to(v.scalar_type()).expand(v.sizes()).clone();
  });
}

// ---- diagonals ------------------------------------------------------------------------

namespace {
// The length of the diagonal `offset` (> 0 above the main one) of an n1 x n2 matrix.
int64_t diagonal_length(int64_t n1, int64_t n2, int64_t offset) {
  return std::max<int64_t>(
      0, std::min(n1 - std::max<int64_t>(0, -offset), n2 - std::max<int64_t>(0, offset)));
}

// values [..., L] placed on the diagonal `offset` of new last dims [n1, n2], zeros elsewhere,
// as differentiable ops (the backward of diagonal, and diag_embed). Above the main diagonal
// element i of the diagonal sits in row i, below it in column i: the values, padded with
// zeros to the length of that dim, are broadcast along the other dim and kept on the diagonal.
Tensor place_on_diagonal(const Tensor& values, int64_t n1, int64_t n2, int64_t offset) {
  const bool by_row = offset >= 0;
  const int64_t length = values.size(-1), padded = by_row ? n1 : n2;
  Tensor line = values;
  if (padded > length) {
    std::vector<int64_t> pad_shape = values.sizes().vec();
    pad_shape.back() = padded - length;
    line = cat({values, zeros(pad_shape, values.options())}, -1);
  }
  std::vector<int64_t> shape = values.sizes().vec();
  shape.back() = n1;
  shape.push_back(n2);
  const Tensor spread = (by_row ? line.unsqueeze(-1) : line.unsqueeze(-2)).expand(shape);
  const TensorOptions index_options = TensorOptions().dtype(kLong).device(values.device());
  const Tensor on_diagonal =
      (arange(n2, index_options).unsqueeze(0) - arange(n1, index_options).unsqueeze(1)).eq(offset);
  return where(on_diagonal, spread, 0);
}
}  // namespace

// diagonal: a view of the elements [i, i + offset] of dims dim1 and dim2, which go away and
// leave a last dim of the diagonal's length (stride: the sum of theirs).
Tensor diagonal(const Tensor& self, int64_t offset, int64_t dim1, int64_t dim2) {
  check_defined(self, "diagonal");
  NABLA_CHECK(self.dim() >= 2, "[diagonal] expected a tensor of at least 2 dims, got shape {}",
              self.sizes());
  const int64_t d1 = wrap_dim(dim1, self.dim(), "diagonal"),
                d2 = wrap_dim(dim2, self.dim(), "diagonal");
  NABLA_CHECK(d1 != d2, "[diagonal] dim1 and dim2 cannot be the same dim ({})", d1);
  const int64_t n1 = self.size(d1), n2 = self.size(d2);
  const int64_t length = diagonal_length(n1, n2, offset);
  std::vector<int64_t> sizes, strides;
  for (int64_t d = 0; d < self.dim(); ++d) {
    if (d == d1 || d == d2) continue;
    sizes.push_back(self.size(d));
    strides.push_back(self.stride(d));
  }
  sizes.push_back(length);
  strides.push_back(self.stride(d1) + self.stride(d2));
  int64_t start = self.storage_offset();
  if (length > 0) start += offset >= 0 ? offset * self.stride(d2) : -offset * self.stride(d1);
  Tensor result = make_view(self, sizes, strides, start);
  return record_view("DiagonalBackward0", self, result,
                     [n1, n2, offset, d1, d2](const Tensor& grad) {
                       return place_on_diagonal(grad, n1, n2, offset).movedim({-2, -1}, {d1, d2});
                     });
}
Tensor Tensor::diagonal(int64_t offset, int64_t dim1, int64_t dim2) const {
  return nabla::diagonal(*this, offset, dim1, dim2);
}

// diag_embed: the last dim of self on the diagonal `offset` of two new dims (dim1, dim2 of the
// result), each of the diagonal's length plus |offset|.
Tensor diag_embed(const Tensor& self, int64_t offset, int64_t dim1, int64_t dim2) {
  check_defined(self, "diag_embed");
  NABLA_CHECK(self.dim() >= 1, "[diag_embed] expected a tensor of at least 1 dim, got a 0-D one");
  const int64_t d1 = wrap_dim(dim1, self.dim() + 1, "diag_embed"),
                d2 = wrap_dim(dim2, self.dim() + 1, "diag_embed");
  NABLA_CHECK(d1 != d2, "[diag_embed] dim1 and dim2 cannot be the same dim ({})", d1);
  const int64_t n = self.size(-1) + std::abs(offset);
  return place_on_diagonal(self, n, n, offset).movedim({-2, -1}, {d1, d2});
}
Tensor Tensor::diag_embed(int64_t offset, int64_t dim1, int64_t dim2) const {
  return nabla::diag_embed(*this, offset, dim1, dim2);
}

// diag: a vector onto the diagonal `diagonal` of a square matrix, or a matrix's diagonal (a
// copy).
Tensor diag(const Tensor& self, int64_t diagonal) {
  check_defined(self, "diag");
  NABLA_CHECK(self.dim() == 1 || self.dim() == 2,
              "[diag] expected a 1-D or 2-D tensor, got shape {}", self.sizes());
  if (self.dim() == 1) return diag_embed(self, diagonal);
  return nabla::diagonal(self, diagonal).clone();
}
Tensor Tensor::diag(int64_t diagonal) const { return nabla::diag(*this, diagonal); }

Tensor trace(const Tensor& self) {
  check_defined(self, "trace");
  NABLA_CHECK(self.dim() == 2, "[trace] expected a matrix, got shape {}", self.sizes());
  return nabla::diagonal(self).sum();
}
Tensor Tensor::trace() const { return nabla::trace(*this); }

Tensor detail::unsafe_view(const Tensor& fresh, IntArrayRef shape) {
  Tensor out = make_view(fresh, shape.vec(), contiguous_strides(shape), fresh.storage_offset());
  out.unsafeGetTensorImpl()->is_view = false;
  if (needs_grad(fresh)) {
    record(
        "UnsafeViewBackward0", {out}, {fresh},
        [in_sizes = fresh.sizes().vec()](const variable_list& grads, const Node&) -> variable_list {
          const Tensor& grad = grads[0];
          return {grad.reshape(in_sizes)};
        });
  }
  return out;
}

}  // namespace nabla
