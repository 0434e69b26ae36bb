// Indexing and joining: cat, stack, index_select, gather, scatter_add, index_add, nonzero,
// Tensor::index (Python-style indexing) and the in-place writers index_put_ and masked_fill_.
//
// Tensor::index applies integers, slices, None and Ellipsis as views (select/slice/unsqueeze),
// then turns the index tensors into one index_select over the flattened indexed dims. Its
// gradient therefore comes from the views' and index_select's backward (index_add into zeros).
#include "nabla/indexing.h"

#include <algorithm>
#include <limits>
#include <numeric>
#include <string>
#include <string_view>
#include <utility>

#include "ops/op_helpers.h"

namespace nabla {

using namespace detail;  // NOLINT: op helpers
using indexing::TensorIndex;

namespace indexing {
TensorIndex::TensorIndex(const char* s) : kind_(Kind::Ellipsis) {
  NABLA_CHECK(s != nullptr && std::string(s) == "...",
              "[index] expected \"...\" to represent an ellipsis, got \"{}\"", s ? s : "");
}
}  // namespace indexing

namespace {

void check_index_dtype(const Tensor& index, const char* op, bool allow_int32) {
  const ScalarType t = index.scalar_type();
  NABLA_CHECK(t == kLong || (allow_int32 && t == kInt),
              "[{}] expected an index of dtype int64{}, got {}", op, allow_int32 ? " or int32" : "",
              t);
}

// A contiguous int64 copy of an integer index tensor with negative entries wrapped, checked
// against [-size, size) before anything is written. Reads the values on the host and returns
// them on `device` (the indexed tensor's: CPU indices index any device, as in LibTorch).
Tensor normalized_index(const Tensor& index, int64_t size, int64_t dim, const char* op,
                        Device device) {
  const Tensor host = host_readable(index);
  Tensor out = make_tensor(index.sizes(), kLong, host.device());
  backend_for(host).copy(host, out);
  int64_t* p = out.data_ptr<int64_t>();
  for (int64_t i = 0, n = out.numel(); i < n; ++i) {
    NABLA_CHECK(p[i] >= -size && p[i] < size,
                "[{}] index {} is out of bounds for dimension {} with size {}", op, p[i], dim,
                size);
    if (p[i] < 0) p[i] += size;
  }
  return from_host(out, device);
}

// The autograd node of an op with one output whose backward is `bw(grad)` for each input.
using GradFn = std::function<Tensor(const Tensor& grad, size_t input)>;
void record_multi(const char* name, const Tensor& result, const std::vector<Tensor>& inputs,
                  GradFn bw) {
  record(name, {result}, inputs,
         [bw = std::move(bw)](const variable_list& grads, const Node& node) -> variable_list {
           const Tensor& grad = grads[0];
           variable_list out(node.num_inputs());
           for (size_t i = 0; i < out.size(); ++i)
             if (node.needs_input_grad(i)) out[i] = bw(grad, i);
           return out;
         });
}

}  // namespace

// ---- cat and stack --------------------------------------------------------------------------

// Joins `parts` into `result` along dim 0 with one backend call, when every part is contiguous,
// of result's dtype and device (a DataLoader's Stack<> of single examples: one call instead of
// a view and a copy per example); false otherwise. Legacy empty parts ([0] in a cat) hold no
// elements and take no room.
namespace {
bool copy_parts(TensorList parts, const Tensor& result) {
  for (const Tensor& p : parts) {
    if (!p.is_contiguous() || p.scalar_type() != result.scalar_type() ||
        p.device() != result.device())
      return false;
  }
  return backend_for(result).copy_parts(parts, result);
}
}  // namespace

namespace {
// What cat and stack wrote: the result, and where along `dim` each input's part starts.
struct Joined {
  Tensor result;
  int64_t dim;
  std::vector<int64_t> offsets;
};

// The result of `shape` and `dtype` on `device` for cat/stack: `out` itself where out_takes()
// allows (the out= forms), else a new tensor.
Tensor join_target(Tensor* out, IntArrayRef shape, ScalarType dtype, Device device,
                   TensorList tensors) {
  if (out != nullptr) {
    std::vector<const Tensor*> inputs;
    for (const Tensor& t : tensors) inputs.push_back(&t);
    if (out_takes(*out, shape, dtype, device, inputs)) return *out;
  }
  return make_tensor(shape, dtype, device);
}

// cat's shape rule and copies: inputs promoted to a common dtype and copied side by side into
// join_target(out, ...). 1-D empty tensors are skipped (as PyTorch).
Joined cat_forward(TensorList tensors, int64_t dim, Tensor* out, const char* op) {
  NABLA_CHECK(!tensors.empty(), "[{}] expected a non-empty list of tensors", op);
  std::vector<const Tensor*> ops;
  const Tensor* ref = nullptr;
  for (size_t i = 0; i < tensors.size(); ++i) {
    NABLA_CHECK(tensors[i].defined(), "[{}] tensor at position {} is undefined", op, i);
    NABLA_CHECK(tensors[i].dim() > 0,
                "[{}] zero-dimensional tensor (at position {}) cannot be concatenated", op, i);
    check_same_device(tensors[0], tensors[i], op);
    ops.push_back(&tensors[i]);
    const bool legacy_empty = tensors[i].dim() == 1 && tensors[i].size(0) == 0;
    if (!ref && !legacy_empty) ref = &tensors[i];
  }
  const ScalarType dtype = result_type(ops);
  if (!ref) return {join_target(out, {0}, dtype, tensors[0].device(), tensors), 0, {}};
  const int64_t d = wrap_dim(dim, ref->dim(), op);
  std::vector<int64_t> shape = ref->sizes().vec();
  shape[d] = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    if (t.dim() == 1 && t.size(0) == 0) continue;
    NABLA_CHECK(t.dim() == ref->dim(),
                "[{}] tensors must have the same number of dimensions: got {} and {} (tensor "
                "number {} in the list has shape {})",
                op, ref->dim(), t.dim(), i, t.sizes());
    for (int64_t k = 0; k < t.dim(); ++k) {
      NABLA_CHECK(k == d || t.size(k) == ref->size(k),
                  "[{}] sizes of tensors must match except in dimension {}. Expected size {} "
                  "but got size {} for tensor number {} in the list",
                  op, d, ref->size(k), t.size(k), i);
    }
    shape[d] += t.size(d);
  }
  Joined joined{join_target(out, shape, dtype, ref->device(), tensors), d, {}};
  const Tensor& result = joined.result;
  int64_t off = 0;
  const bool in_one_call = d == 0 && copy_parts(tensors, result);
  for (const Tensor& t : tensors) {
    joined.offsets.push_back(off);
    if (t.dim() == 1 && t.size(0) == 0) continue;
    if (!in_one_call) {
      std::vector<int64_t> part = shape;
      part[d] = t.size(d);
      const Tensor dst = make_view(result, part, result.strides().vec(), off * result.stride(d));
      backend_for(t).copy(t, dst);
    }
    off += t.size(d);
  }
  return joined;
}

// stack's shape rule and copies: all inputs of one shape, joined along a new dim.
Joined stack_forward(TensorList tensors, int64_t dim, Tensor* out, const char* op) {
  NABLA_CHECK(!tensors.empty(), "[{}] expected a non-empty list of tensors", op);
  std::vector<const Tensor*> ops;
  for (size_t i = 0; i < tensors.size(); ++i) {
    NABLA_CHECK(tensors[i].defined(), "[{}] tensor at position {} is undefined", op, i);
    NABLA_CHECK(tensors[i].sizes() == tensors[0].sizes(),
                "[{}] expects each tensor to be equal size, but got {} at entry 0 and {} at "
                "entry {}",
                op, tensors[0].sizes(), tensors[i].sizes(), i);
    check_same_device(tensors[0], tensors[i], op);
    ops.push_back(&tensors[i]);
  }
  const int64_t d = wrap_dim(dim, tensors[0].dim() + 1, op);
  std::vector<int64_t> shape = tensors[0].sizes().vec();
  shape.insert(shape.begin() + d, static_cast<int64_t>(tensors.size()));
  Joined joined{join_target(out, shape, result_type(ops), tensors[0].device(), tensors), d, {}};
  const Tensor& result = joined.result;
  if (d != 0 || !copy_parts(tensors, result)) {
    std::vector<int64_t> part_strides = result.strides().vec();
    part_strides.erase(part_strides.begin() + d);
    for (size_t i = 0; i < tensors.size(); ++i) {
      const Tensor dst = make_view(result, tensors[i].sizes().vec(), part_strides,
                                   static_cast<int64_t>(i) * result.stride(d));
      backend_for(result).copy(tensors[i], dst);
    }
  }
  return joined;
}

// The out= forms: written into out where join_target() could, else copied.
Tensor& join_out(Tensor& out, const Joined& joined, const char* op) {
  return joined.result.is_same(out) ? written_out(out) : write_out(out, joined.result, op);
}
void check_out(const Tensor& out, TensorList tensors, const char* op) {
  std::vector<const Tensor*> inputs;
  for (const Tensor& t : tensors) inputs.push_back(&t);
  detail::check_out(out, inputs, op);
}
}  // namespace

// cat: the gradient of input i is the matching narrow of the output's gradient.
Tensor cat(TensorList tensors, int64_t dim) {
  Joined joined = cat_forward(tensors, dim, nullptr, "cat");
  if (needs_grad(tensors.vec())) {
    std::vector<std::vector<int64_t>> in_sizes;
    std::vector<ScalarType> in_types;
    for (const Tensor& t : tensors) {
      in_sizes.push_back(t.sizes().vec());
      in_types.push_back(t.scalar_type());
    }
    record_multi("CatBackward0", joined.result, tensors.vec(),
                 [dim = joined.dim, offsets = joined.offsets, in_sizes, in_types](
                     const Tensor& grad, size_t i) {
                   const auto& sizes = in_sizes[i];
                   if (sizes.size() == 1 && sizes[0] == 0)
                     return zeros(sizes, grad.options().dtype(in_types[i]));
                   Tensor part = grad.narrow(dim, offsets[i], sizes[dim]);
                   return part.scalar_type() == in_types[i] ? part : part.to(in_types[i]);
                 });
  }
  return joined.result;
}
Tensor& cat_out(Tensor& out, TensorList tensors, int64_t dim) {
  check_out(out, tensors, "cat_out");
  return join_out(out, cat_forward(tensors, dim, &out, "cat_out"), "cat_out");
}

// stack: input i's gradient is grad.select(dim, i).
Tensor stack(TensorList tensors, int64_t dim) {
  Joined joined = stack_forward(tensors, dim, nullptr, "stack");
  if (needs_grad(tensors.vec())) {
    std::vector<ScalarType> in_types;
    for (const Tensor& t : tensors) in_types.push_back(t.scalar_type());
    record_multi("StackBackward0", joined.result, tensors.vec(),
                 [dim = joined.dim, in_types](const Tensor& grad, size_t i) {
                   Tensor part = grad.select(dim, static_cast<int64_t>(i));
                   return part.scalar_type() == in_types[i] ? part : part.to(in_types[i]);
                 });
  }
  return joined.result;
}
Tensor& stack_out(Tensor& out, TensorList tensors, int64_t dim) {
  check_out(out, tensors, "stack_out");
  return join_out(out, stack_forward(tensors, dim, &out, "stack_out"), "stack_out");
}

// ---- index_select, gather, scatter_add, index_add -------------------------------------------

// index_select: rows `index` of dim; backward adds the gradient back into those rows.
Tensor index_select(const Tensor& self, int64_t dim, const Tensor& index) {
  check_defined(self, "index_select", "self");
  check_defined(index, "index_select", "index");
  check_same_device(self, index, "index_select");
  check_index_dtype(index, "index_select", true);
  NABLA_CHECK(index.dim() <= 1, "[index_select] index is supposed to be a vector, got shape {}",
              index.sizes());
  const int64_t d = wrap_dim(dim, std::max<int64_t>(self.dim(), 1), "index_select");
  std::vector<int64_t> shape = self.sizes().vec();
  if (shape.empty()) {
    shape = index.sizes().vec();
  } else {
    shape[d] = index.numel();
  }
  Tensor result = make_tensor(shape, self.scalar_type(), self.device());
  backend_for(self).index_select(self, d, index, result);
  if (needs_grad(self)) {
    record("IndexSelectBackward0", {result}, {self},
           [dim = d, index, self_sizes = self.sizes().vec()](const variable_list& grads,
                                                             const Node&) -> variable_list {
             const Tensor& grad = grads[0];
             return {index_add(zeros(self_sizes, grad.options()), dim, index, grad)};
           });
  }
  return result;
}

// index_add: self + source added into rows `index` of dim. d/dself = grad,
// d/dsource = alpha * grad.index_select(dim, index).
Tensor index_add(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& source,
                 const Scalar& alpha) {
  check_defined(self, "index_add", "self");
  check_defined(index, "index_add", "index");
  check_defined(source, "index_add", "source");
  check_same_device(self, index, "index_add");
  check_same_device(self, source, "index_add");
  check_index_dtype(index, "index_add", true);
  NABLA_CHECK(index.dim() <= 1, "[index_add] index is supposed to be a vector, got shape {}",
              index.sizes());
  NABLA_CHECK(self.scalar_type() == source.scalar_type(),
              "[index_add] self ({}) and source ({}) must have the same scalar type",
              self.scalar_type(), source.scalar_type());
  const int64_t nd = std::max<int64_t>(self.dim(), 1);
  const int64_t d = wrap_dim(dim, nd, "index_add");
  std::vector<int64_t> expect = self.dim() == 0 ? std::vector<int64_t>{1} : self.sizes().vec();
  expect[d] = index.numel();
  std::vector<int64_t> got = source.dim() == 0 ? std::vector<int64_t>{1} : source.sizes().vec();
  NABLA_CHECK(got == expect,
              "[index_add] source of shape {} does not match: expected {} (self {} with dim "
              "{} of the index's length {})",
              source.sizes(), IntArrayRef(expect), self.sizes(), d, index.numel());
  const bool scaled = !(alpha.toDouble() == 1.0);
  Tensor src = scaled ? source * alpha : source;
  Tensor result = make_tensor(self.sizes(), self.scalar_type(), self.device());
  backend_for(self).copy(self, result);
  backend_for(self).index_add(result, d, index, src);
  if (needs_grad(self, src)) {
    record("IndexAddBackward0", {result}, {self, src},
           [dim = d, index, got, src_sizes = src.sizes().vec()](const variable_list& grads,
                                                                const Node& node) -> variable_list {
             const Tensor& grad = grads[0];
             variable_list out(2);
             if (node.needs_input_grad(0)) out[0] = grad;
             if (node.needs_input_grad(1)) {
               Tensor grad_1d = grad.dim() == 0 ? grad.reshape({1}) : grad;  // at least 1-D
               out[1] = grad_1d.index_select(dim, index).reshape(src_sizes);
             }
             return out;
           });
  }
  return result;
}

namespace {
// gather/scatter_add shape rules: same number of dims, index no larger than `other` anywhere
// and no larger than self outside dim.
void check_scatter_shapes(const Tensor& self, int64_t d, const Tensor& index, const Tensor* src,
                          const char* op) {
  NABLA_CHECK(index.dim() == self.dim(),
              "[{}] index tensor must have the same number of dimensions as self ({} vs {})", op,
              index.dim(), self.dim());
  for (int64_t k = 0; k < self.dim(); ++k) {
    NABLA_CHECK(k == d || index.size(k) <= self.size(k),
                "[{}] size of index {} does not fit self {} at dimension {}", op, index.sizes(),
                self.sizes(), k);
    if (src) {
      NABLA_CHECK(src->dim() == self.dim() && index.size(k) <= src->size(k),
                  "[{}] size of index {} does not fit src {} at dimension {}", op, index.sizes(),
                  src->sizes(), k);
    }
  }
}

// The part of `t` that `index` covers: t narrowed to index's size in every dim (a view).
Tensor covered_part(const Tensor& t, const Tensor& index) {
  Tensor r = t;
  for (int64_t k = 0; k < t.dim(); ++k)
    if (r.size(k) != index.size(k)) r = r.narrow(k, 0, index.size(k));
  return r;
}

// scatter's and scatter_add's arguments checked: the wrapped dim, and the part of src that
// index covers (a differentiable view).
struct ScatterArgs {
  int64_t dim;
  Tensor part;
};
ScatterArgs scatter_args(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src,
                         const char* op) {
  check_defined(self, op, "self");
  check_defined(index, op, "index");
  check_defined(src, op, "src");
  check_same_device(self, index, op);
  check_same_device(self, src, op);
  check_index_dtype(index, op, false);
  NABLA_CHECK(self.scalar_type() == src.scalar_type(),
              "[{}] expected self.dtype to be equal to src.dtype, got {} and {}", op,
              self.scalar_type(), src.scalar_type());
  const int64_t d = wrap_dim(dim, std::max<int64_t>(self.dim(), 1), op);
  check_scatter_shapes(self, d, index, &src, op);
  return {d, covered_part(src, index)};
}
}  // namespace

// gather: out[i][j] = self[index[i][j]][j] (dim 0); backward scatters the gradient back.
Tensor gather(const Tensor& self, int64_t dim, const Tensor& index) {
  check_defined(self, "gather", "self");
  check_defined(index, "gather", "index");
  check_same_device(self, index, "gather");
  check_index_dtype(index, "gather", false);
  const int64_t d = wrap_dim(dim, std::max<int64_t>(self.dim(), 1), "gather");
  check_scatter_shapes(self, d, index, nullptr, "gather");
  Tensor result = make_tensor(index.sizes(), self.scalar_type(), self.device());
  backend_for(self).gather(self, d, index, result);
  if (needs_grad(self)) {
    record("GatherBackward0", {result}, {self},
           [dim = d, index, self_sizes = self.sizes().vec()](const variable_list& grads,
                                                             const Node&) -> variable_list {
             const Tensor& grad = grads[0];
             return {scatter_add(zeros(self_sizes, grad.options()), dim, index, grad)};
           });
  }
  return result;
}

// scatter_add: self with src[i][j] added at [index[i][j]][j] (dim 0). d/dself = grad,
// d/dsrc = grad.gather(dim, index) on the part of src that index covers (zero elsewhere).
Tensor scatter_add(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src) {
  const ScatterArgs args = scatter_args(self, dim, index, src, "scatter_add");
  const int64_t d = args.dim;
  const Tensor& part = args.part;
  Tensor result = make_tensor(self.sizes(), self.scalar_type(), self.device());
  backend_for(self).copy(self, result);
  backend_for(self).scatter_add(result, d, index, part);
  if (needs_grad(self, part)) {
    record("ScatterAddBackward0", {result}, {self, part},
           [dim = d, index](const variable_list& grads, const Node& node) -> variable_list {
             const Tensor& grad = grads[0];
             variable_list out(2);
             if (node.needs_input_grad(0)) out[0] = grad;
             if (node.needs_input_grad(1)) out[1] = grad.gather(dim, index);
             return out;
           });
  }
  return result;
}

namespace {
// Whether each write of scatter(dim, index, ...) survives, i.e. is the last one to its place
// (bool, index's shape): each place records the position along dim of its last writer, and
// each writer reads back whether that is itself.
Tensor surviving_writes(IntArrayRef self_sizes, int64_t dim, const Tensor& index) {
  std::vector<int64_t> along(static_cast<size_t>(index.dim()), 1);
  along[static_cast<size_t>(dim)] = index.size(dim);
  const Tensor position =
      arange(index.size(dim), TensorOptions().dtype(kLong).device(index.device()))
          .view(along)
          .expand(index.sizes());
  const Tensor writer = full(self_sizes, -1, TensorOptions().dtype(kLong).device(index.device()))
                            .scatter(dim, index, position);
  return writer.gather(dim, index).eq(position);
}
}  // namespace

// scatter: self with src[i][j] written at [index[i][j]][j] (dim 0); where an index repeats,
// the last write along dim wins. d/dself = grad with the written places zeroed; d/dsrc =
// grad.gather(dim, index) for the writes that survive (zero for those overwritten; PyTorch
// leaves that case undefined), on the part of src that index covers.
Tensor scatter(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src) {
  const ScatterArgs args = scatter_args(self, dim, index, src, "scatter");
  const int64_t d = args.dim;
  const Tensor& part = args.part;
  Tensor result = make_tensor(self.sizes(), self.scalar_type(), self.device());
  backend_for(self).copy(self, result);
  backend_for(self).scatter(result, d, index, part);
  if (needs_grad(self, part)) {
    record("ScatterBackward0", {result}, {self, part},
           [dim = d, index, self_sizes = self.sizes().vec()](const variable_list& grads,
                                                             const Node& node) -> variable_list {
             const Tensor& grad = grads[0];
             variable_list out(2);
             if (node.needs_input_grad(0)) out[0] = grad.scatter(dim, index, 0);
             if (node.needs_input_grad(1))
               out[1] = where(surviving_writes(self_sizes, dim, index), grad.gather(dim, index), 0);
             return out;
           });
  }
  return result;
}
// With one value for every written place (a one-hot: zeros.scatter(1, labels, 1)).
Tensor scatter(const Tensor& self, int64_t dim, const Tensor& index, const Scalar& value) {
  check_defined(self, "scatter", "self");
  check_defined(index, "scatter", "index");
  const Tensor filler = wrap_scalar(value, self.device()).to(self.scalar_type());
  return scatter(self, dim, index, filler.expand(index.sizes()));  // one element, read everywhere
}
Tensor Tensor::scatter(int64_t dim, const Tensor& index, const Tensor& src) const {
  return nabla::scatter(*this, dim, index, src);
}
Tensor Tensor::scatter(int64_t dim, const Tensor& index, const Scalar& value) const {
  return nabla::scatter(*this, dim, index, value);
}
Tensor& Tensor::scatter_(int64_t dim, const Tensor& index, const Tensor& src) const {
  return apply_inplace(const_cast<Tensor&>(*this), "scatter_", src,
                       [&](const Tensor& v) { return nabla::scatter(v, dim, index, src); });
}
Tensor& Tensor::scatter_(int64_t dim, const Tensor& index, const Scalar& value) const {
  return apply_inplace(const_cast<Tensor&>(*this), "scatter_", Tensor(),
                       [&](const Tensor& v) { return nabla::scatter(v, dim, index, value); });
}
Tensor& Tensor::scatter_add_(int64_t dim, const Tensor& index, const Tensor& src) const {
  return apply_inplace(const_cast<Tensor&>(*this), "scatter_add_", src,
                       [&](const Tensor& v) { return nabla::scatter_add(v, dim, index, src); });
}

// ---- scatter_reduce, index_reduce ---------------------------------------------------------

namespace {
struct ScatterReduction {
  ScatterReduce op;
  bool mean;  // Sum, then divided by each place's count
};
ScatterReduction parse_reduction(std::string_view reduce, const char* name) {
  if (reduce == "sum") return {ScatterReduce::Sum, false};
  if (reduce == "mean") return {ScatterReduce::Sum, true};
  if (reduce == "prod") return {ScatterReduce::Prod, false};
  if (reduce == "amax") return {ScatterReduce::Amax, false};
  if (reduce == "amin") return {ScatterReduce::Amin, false};
  NABLA_ERROR("[{}] reduce argument must be either sum, prod, mean, amax or amin, got '{}'", name,
              reduce);
}

// What a place starts from when self is left out of the reduction (include_self = false), so
// that only the values sent there count: 0, 1, the lowest or the highest value of the dtype.
Tensor reduction_identity(ScatterReduce op, ScalarType dtype, Device device) {
  const TensorOptions options = TensorOptions().dtype(dtype).device(device);
  const bool floating = isFloatingType(dtype);
  const double inf = std::numeric_limits<double>::infinity();
  auto extreme = [&](bool highest) -> Scalar {
    if (floating) return highest ? inf : -inf;
    switch (dtype) {
      case ScalarType::Byte:
        return highest ? int64_t{255} : int64_t{0};
      case ScalarType::Int:
        return int64_t{highest ? std::numeric_limits<int32_t>::max()
                               : std::numeric_limits<int32_t>::min()};
      default:
        return highest ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min();
    }
  };
  switch (op) {
    case ScatterReduce::Sum:
      return full({}, 0, options);
    case ScatterReduce::Prod:
      return full({}, 1, options);
    case ScatterReduce::Amax:
      return full({}, extreme(false), options);
    case ScatterReduce::Amin:
      return full({}, extreme(true), options);
  }
  return Tensor();
}

// How many values each place of self averages: the values sent there, and itself when
// include_self (at least 1, so that places nothing reaches keep their value).
Tensor mean_counts(IntArrayRef self_sizes, const TensorOptions& options, int64_t dim,
                   const Tensor& index, bool include_self) {
  Tensor count = include_self ? ones(self_sizes, options) : zeros(self_sizes, options);
  count = count.scatter_add(dim, index, ones(index.sizes(), options));
  return count.masked_fill(count == 0, 1);
}

// The gradients of scatter_reduce (self's, src's), as PyTorch's scatter_reduce_backward, except
// that with include_self = false a place's own value does not take a share of amax's and amin's
// gradient (PyTorch counts it among the ties when it equals the result, then zeroes its share:
// the gradient of src then sums to less than the result's).
std::pair<Tensor, Tensor> scatter_reduce_grads(const Tensor& grad, const Tensor& self, int64_t dim,
                                               const Tensor& index, const Tensor& src,
                                               std::string_view reduce, bool include_self,
                                               const Tensor& result) {
  Tensor grad_self, grad_src;
  if (reduce == "sum") {
    grad_self = grad;
    grad_src = grad.gather(dim, index);
  } else if (reduce == "mean") {
    const Tensor count = mean_counts(self.sizes(), grad.options(), dim, index, include_self);
    grad_self = grad / count;
    grad_src = grad.gather(dim, index) / count.gather(dim, index);
  } else if (reduce == "prod") {
    // Products without the zeros, so that a place with one zero factor passes a gradient to it.
    const Tensor masked_self = self.masked_fill(self == 0, 1);
    grad_self =
        grad * masked_self.scatter_reduce(dim, index, src, reduce, include_self) / masked_self;
    const Tensor src_zero = src == 0;
    const Tensor zeros_at_place = zeros_like(self)
                                      .scatter_add(dim, index, src_zero.to(self.scalar_type()))
                                      .gather(dim, index);
    const Tensor single_zero = src_zero.logical_and(zeros_at_place == 1);
    const Tensor without_zero =
        self.scatter_reduce(dim, index, src.masked_fill(single_zero, 1), reduce, include_self);
    grad_src = where(single_zero, (grad * without_zero).gather(dim, index),
                     (grad * result).gather(dim, index) / src.masked_fill(src_zero, 1));
  } else {  // amax, amin: shared evenly among the values equal to the result
    const Tensor value = result.gather(dim, index);
    Tensor self_is_result = (self == result).to(self.scalar_type());
    if (!include_self) self_is_result = self_is_result.scatter(dim, index, 0);
    const Tensor src_is_result = (src == value).to(self.scalar_type());
    const Tensor share = grad / self_is_result.scatter_add(dim, index, src_is_result);
    grad_self = self_is_result * share;
    grad_src = src_is_result * share.gather(dim, index);
  }
  if (!include_self) grad_self = grad_self.scatter(dim, index, 0);
  return {grad_self, grad_src};
}

Tensor scatter_reduce_impl(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src,
                           std::string_view reduce, bool include_self, const char* name) {
  const ScatterArgs args = scatter_args(self, dim, index, src, name);
  const ScatterReduction r = parse_reduction(reduce, name);
  const int64_t d = args.dim;
  const Tensor& part = args.part;
  Backend& backend = backend_for(self);
  Tensor result = make_tensor(self.sizes(), self.scalar_type(), self.device());
  backend.copy(self, result);
  if (!include_self) {
    const Tensor identity = reduction_identity(r.op, self.scalar_type(), self.device());
    backend.scatter(result, d, index, identity.expand(index.sizes()));
  }
  backend.scatter_reduce(result, d, index, part, r.op);
  if (r.mean) {
    NoGradGuard no_grad;
    const Tensor count = mean_counts(self.sizes(), self.options(), d, index, include_self);
    // Integers average rounding down, as PyTorch.
    result = isFloatingType(self.scalar_type()) ? result / count : floor_divide(result, count);
  }
  if (needs_grad(self, part)) {
    record("ScatterReduceBackward0", {result}, {self, part},
           [self = SavedTensor(self, false), src = SavedTensor(part, false),
            result_saved = SavedTensor(result, true), dim = d, index, reduce = std::string(reduce),
            include_self](const variable_list& grads, const Node& node) -> variable_list {
             auto [grad_self, grad_src] =
                 scatter_reduce_grads(grads[0], self.unpack(node), dim, index, src.unpack(node),
                                      reduce, include_self, result_saved.unpack(node));
             variable_list out(2);
             if (node.needs_input_grad(0)) out[0] = grad_self;
             if (node.needs_input_grad(1)) out[1] = grad_src;
             return out;
           });
  }
  return result;
}
}  // namespace

// self with the values of src that index sends to each place (along dim, as scatter_add)
// reduced with the place's own value (include_self) by sum, prod, mean, amax or amin. Places
// nothing is sent to keep their value; a mean of integers rounds down.
Tensor scatter_reduce(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src,
                      std::string_view reduce, bool include_self) {
  return scatter_reduce_impl(self, dim, index, src, reduce, include_self, "scatter_reduce");
}
Tensor Tensor::scatter_reduce(int64_t dim, const Tensor& index, const Tensor& src,
                              std::string_view reduce, bool include_self) const {
  return nabla::scatter_reduce(*this, dim, index, src, reduce, include_self);
}
Tensor& Tensor::scatter_reduce_(int64_t dim, const Tensor& index, const Tensor& src,
                                std::string_view reduce, bool include_self) const {
  return apply_inplace(const_cast<Tensor&>(*this), "scatter_reduce_", src, [&](const Tensor& v) {
    return nabla::scatter_reduce(v, dim, index, src, reduce, include_self);
  });
}

// scatter's older reduce argument: "add" (scatter_add) or "multiply" (the product).
namespace {
std::string_view scatter_reduction(std::string_view reduce) {
  if (reduce == "add") return "sum";
  if (reduce == "multiply") return "prod";
  NABLA_ERROR("[scatter] reduce argument must be either add or multiply, got '{}'", reduce);
}
}  // namespace
Tensor scatter(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src,
               std::string_view reduce) {
  return scatter_reduce_impl(self, dim, index, src, scatter_reduction(reduce), true, "scatter");
}
Tensor scatter(const Tensor& self, int64_t dim, const Tensor& index, const Scalar& value,
               std::string_view reduce) {
  check_defined(self, "scatter", "self");
  check_defined(index, "scatter", "index");
  const Tensor filler = wrap_scalar(value, self.device()).to(self.scalar_type());
  return scatter(self, dim, index, filler.expand(index.sizes()), reduce);
}
Tensor Tensor::scatter(int64_t dim, const Tensor& index, const Tensor& src,
                       std::string_view reduce) const {
  return nabla::scatter(*this, dim, index, src, reduce);
}
Tensor Tensor::scatter(int64_t dim, const Tensor& index, const Scalar& value,
                       std::string_view reduce) const {
  return nabla::scatter(*this, dim, index, value, reduce);
}
Tensor& Tensor::scatter_(int64_t dim, const Tensor& index, const Tensor& src,
                         std::string_view reduce) const {
  return apply_inplace(const_cast<Tensor&>(*this), "scatter_", src,
                       [&](const Tensor& v) { return nabla::scatter(v, dim, index, src, reduce); });
}
Tensor& Tensor::scatter_(int64_t dim, const Tensor& index, const Scalar& value,
                         std::string_view reduce) const {
  return apply_inplace(const_cast<Tensor&>(*this), "scatter_", Tensor(), [&](const Tensor& v) {
    return nabla::scatter(v, dim, index, value, reduce);
  });
}

// index_add's rows, reduced: source's slice j along dim goes to self's slice index[j], reduced
// by prod, mean, amax or amin (with the slice's own values when include_self). It is
// scatter_reduce with index broadcast over source's shape (a view: no index of source's size).
Tensor index_reduce(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& source,
                    std::string_view reduce, bool include_self) {
  check_defined(self, "index_reduce", "self");
  check_defined(index, "index_reduce", "index");
  check_defined(source, "index_reduce", "source");
  check_index_dtype(index, "index_reduce", true);
  NABLA_CHECK(reduce == "prod" || reduce == "mean" || reduce == "amax" || reduce == "amin",
              "[index_reduce] reduce argument must be one of prod, mean, amax or amin, got '{}'",
              reduce);
  NABLA_CHECK(self.dim() >= 1 && source.dim() == self.dim(),
              "[index_reduce] self {} and source {} must have the same number of dimensions, at "
              "least one",
              self.sizes(), source.sizes());
  NABLA_CHECK(index.dim() <= 1, "[index_reduce] index is supposed to be a vector, got shape {}",
              index.sizes());
  const int64_t d = wrap_dim(dim, self.dim(), "index_reduce");
  std::vector<int64_t> expect = self.sizes().vec();
  expect[static_cast<size_t>(d)] = index.numel();
  NABLA_CHECK(source.sizes() == IntArrayRef(expect),
              "[index_reduce] source of shape {} does not match: expected {} (self {} with dim "
              "{} of the index's length {})",
              source.sizes(), IntArrayRef(expect), self.sizes(), d, index.numel());
  std::vector<int64_t> along(static_cast<size_t>(self.dim()), 1);
  along[static_cast<size_t>(d)] = index.numel();
  const Tensor spread = index.reshape(along).expand(source.sizes());
  return scatter_reduce_impl(self, d, spread, source, reduce, include_self, "index_reduce");
}
Tensor Tensor::index_reduce(int64_t dim, const Tensor& index, const Tensor& source,
                            std::string_view reduce, bool include_self) const {
  return nabla::index_reduce(*this, dim, index, source, reduce, include_self);
}
Tensor& Tensor::index_reduce_(int64_t dim, const Tensor& index, const Tensor& source,
                              std::string_view reduce, bool include_self) const {
  return apply_inplace(const_cast<Tensor&>(*this), "index_reduce_", source, [&](const Tensor& v) {
    return nabla::index_reduce(v, dim, index, source, reduce, include_self);
  });
}

Tensor Tensor::index_select(int64_t dim, const Tensor& index) const {
  return nabla::index_select(*this, dim, index);
}
Tensor Tensor::gather(int64_t dim, const Tensor& index) const {
  return nabla::gather(*this, dim, index);
}
Tensor Tensor::scatter_add(int64_t dim, const Tensor& index, const Tensor& src) const {
  return nabla::scatter_add(*this, dim, index, src);
}

// ---- nonzero --------------------------------------------------------------------------------

// [count, ndim] int64 coordinates of the nonzero elements, in row-major order. Not
// differentiable. Reads the values on the host and returns them on self's device.
Tensor nonzero(const Tensor& self) {
  check_defined(self, "nonzero");
  const Tensor flat = contiguous_nograd(host_readable(cast(self, kBool)));
  const bool* p = flat.data_ptr<bool>();
  const int64_t n = flat.numel(), nd = self.dim();
  const int64_t count = std::count(p, p + n, true);
  Tensor out = make_tensor({count, nd}, kLong, flat.device());
  int64_t* o = out.data_ptr<int64_t>();
  std::vector<int64_t> pos(nd, 0);
  for (int64_t i = 0; i < n; ++i) {
    if (p[i]) {
      std::copy(pos.begin(), pos.end(), o);
      o += nd;
    }
    for (int64_t k = nd - 1; k >= 0; --k) {
      if (++pos[k] < self.size(k)) break;
      pos[k] = 0;
    }
  }
  return from_host(out, self.device());
}

// ---- Tensor::index --------------------------------------------------------------------------

namespace {

// The result of applying an index list: `view` after the basic indices (integers, slices,
// None, Ellipsis) and, for the advanced ones, the dims of `view` they index with their
// int64 indices (wrapped, range-checked, broadcast to one shape).
struct IndexPlan {
  Tensor view;
  std::vector<int64_t> dims;
  std::vector<Tensor> indices;
  std::vector<int64_t> index_shape;
};

int64_t dims_consumed(const TensorIndex& ix) {
  if (ix.is_integer() || ix.is_slice()) return 1;
  if (ix.is_tensor()) {
    const ScalarType t = ix.tensor().scalar_type();
    return (t == kBool || t == kByte) ? ix.tensor().dim() : 1;
  }
  return 0;
}

IndexPlan plan_index(const Tensor& self, ArrayRef<TensorIndex> indices, const char* op) {
  check_defined(self, op);
  int64_t consumed = 0, ellipses = 0;
  for (const TensorIndex& ix : indices) {
    consumed += dims_consumed(ix);
    ellipses += ix.is_ellipsis();
  }
  NABLA_CHECK(ellipses <= 1, "[{}] an index can only have a single ellipsis ('...')", op);
  NABLA_CHECK(consumed <= self.dim(), "[{}] too many indices for tensor of dimension {} (got {})",
              op, self.dim(), consumed);
  IndexPlan plan;
  Tensor v = self;
  std::vector<std::pair<int64_t, Tensor>> raw;  // (dim of v, index tensor)
  int64_t d = 0;
  auto add_bool = [&](bool b) {
    v = v.unsqueeze(d);
    raw.emplace_back(d, b ? zeros({1}, kLong) : empty({0}, kLong));
    ++d;
  };
  for (const TensorIndex& ix : indices) {
    switch (ix.kind()) {
      case TensorIndex::Kind::Integer: {
        const int64_t n = v.size(d), i = ix.integer();
        NABLA_CHECK(i >= -n && i < n,
                    "[{}] index {} is out of bounds for dimension {} with size {}", op, i, d, n);
        v = v.select(d, i);
        break;
      }
      case TensorIndex::Kind::Slice: {
        const auto& s = ix.slice();
        NABLA_CHECK(s.step() > 0, "[{}] step must be greater than zero, got {}", op, s.step());
        v = v.slice(d, s.start(), s.stop(), s.step());
        ++d;
        break;
      }
      case TensorIndex::Kind::None:
        v = v.unsqueeze(d++);
        break;
      case TensorIndex::Kind::Ellipsis:
        d += self.dim() - consumed;
        break;
      case TensorIndex::Kind::Boolean:
        add_bool(ix.boolean());
        break;
      case TensorIndex::Kind::Tensor: {
        const Tensor& t = ix.tensor();
        check_defined(t, op, "index");
        // Indices the host can read (CPU ones) index a tensor on any device, as in LibTorch.
        if (!backend_for(t).host_accessible()) check_same_device(self, t, op);
        const ScalarType dt = t.scalar_type();
        if (dt == kBool || dt == kByte) {
          if (t.dim() == 0) {
            add_bool(t.item<bool>());
            break;
          }
          for (int64_t k = 0; k < t.dim(); ++k) {
            NABLA_CHECK(t.size(k) == v.size(d + k),
                        "[{}] the shape of the mask {} at index {} does not match the shape of "
                        "the indexed tensor {} at index {}",
                        op, t.sizes(), k, v.sizes(), d + k);
          }
          const Tensor nz = nonzero(t);
          for (int64_t k = 0; k < t.dim(); ++k) raw.emplace_back(d + k, nz.select(1, k));
          d += t.dim();
        } else {
          NABLA_CHECK(dt == kLong || dt == kInt,
                      "[{}] tensors used as indices must be long, int, byte or bool tensors, "
                      "got {}",
                      op, dt);
          raw.emplace_back(d++, t);
        }
        break;
      }
    }
  }
  plan.view = v;
  std::vector<int64_t> shape;
  for (size_t i = 0; i < raw.size(); ++i) {
    shape =
        i == 0 ? raw[i].second.sizes().vec() : broadcast_shapes(shape, raw[i].second.sizes(), op);
  }
  plan.index_shape = shape;
  for (auto& [dim, t] : raw) {
    plan.dims.push_back(dim);
    plan.indices.push_back(
        expand_to(normalized_index(t, v.size(dim), dim, op, v.device()), shape, op));
  }
  return plan;
}

bool adjacent(const std::vector<int64_t>& dims) {
  for (size_t i = 1; i < dims.size(); ++i)
    if (dims[i] != dims[i - 1] + 1) return false;
  return true;
}

// The view with the indexed dims moved to the front when they are not adjacent (PyTorch then
// puts the index shape first); returns the (possibly permuted) view and the first indexed dim.
std::pair<Tensor, int64_t> move_indexed_dims(const IndexPlan& plan) {
  if (adjacent(plan.dims)) return {plan.view, plan.dims[0]};
  std::vector<int64_t> perm = plan.dims;
  for (int64_t k = 0; k < plan.view.dim(); ++k)
    if (std::find(plan.dims.begin(), plan.dims.end(), k) == plan.dims.end()) perm.push_back(k);
  return {plan.view.permute(perm), 0};
}

// Row-major linear index into the block of indexed dims [first, first + k) of `v`.
Tensor linear_index(const IndexPlan& plan, const Tensor& v, int64_t first) {
  NoGradGuard no_grad;
  const int64_t k = static_cast<int64_t>(plan.indices.size());
  Tensor lin = plan.indices[k - 1];
  int64_t stride = v.size(first + k - 1);
  for (int64_t i = k - 2; i >= 0; --i) {
    lin = lin + plan.indices[i] * stride;
    stride *= v.size(first + i);
  }
  return contiguous_nograd(lin).reshape({-1});
}

// `shape` with dims [first, first + k) replaced by `mid`.
std::vector<int64_t> splice(IntArrayRef shape, int64_t first, int64_t k, IntArrayRef mid) {
  std::vector<int64_t> out(shape.begin(), shape.begin() + first);
  out.insert(out.end(), mid.begin(), mid.end());
  out.insert(out.end(), shape.begin() + first + k, shape.end());
  return out;
}

}  // namespace

Tensor Tensor::index(ArrayRef<TensorIndex> indices) const {
  IndexPlan plan = plan_index(*this, indices, "index");
  if (plan.indices.empty()) {
    // Only basic indices: a view; an empty list gives an alias, as x[...] does.
    return plan.view.is_same(*this) ? view(sizes()) : plan.view;
  }
  auto [v, first] = move_indexed_dims(plan);
  const int64_t k = static_cast<int64_t>(plan.dims.size());
  const Tensor lin = linear_index(plan, v, first);
  const Tensor flat = v.flatten(first, first + k - 1);
  const Tensor picked = flat.index_select(first, lin);
  return detail::unsafe_view(picked, splice(v.sizes(), first, k, plan.index_shape));
}
Tensor Tensor::index(std::initializer_list<TensorIndex> indices) const {
  return index(ArrayRef<TensorIndex>(indices.begin(), indices.size()));
}
Tensor Tensor::operator[](const Tensor& index) const { return this->index({TensorIndex(index)}); }

// ---- index_put_ and masked_fill_ -----------------------------------------------------------

namespace {

// Whether a tensor of shape `from` broadcasts to exactly `to`.
bool broadcasts_to(IntArrayRef from, IntArrayRef to) {
  if (from.size() > to.size()) return false;
  const size_t lead = to.size() - from.size();
  for (size_t i = 0; i < from.size(); ++i)
    if (from[i] != 1 && from[i] != to[lead + i]) return false;
  return true;
}

// Writes `value` into self[indices] with no autograd. Basic indices write through the view;
// index tensors build the new block with where() (last write wins for repeated indices).
void index_put_nograd(const Tensor& self, ArrayRef<TensorIndex> indices, const Tensor& value) {
  NoGradGuard no_grad;
  IndexPlan plan = plan_index(self, indices, "index_put_");
  const Tensor val = cast(value, self.scalar_type());
  if (plan.indices.empty()) {
    NABLA_CHECK(broadcasts_to(val.sizes(), plan.view.sizes()),
                "[index_put_] shape mismatch: value tensor of shape {} cannot be broadcast to "
                "indexing result of shape {}",
                value.sizes(), plan.view.sizes());
    backend_for(self).copy(expand_to(val, plan.view.sizes(), "index_put_"), plan.view);
    return;
  }
  auto [v, first] = move_indexed_dims(plan);
  const int64_t k = static_cast<int64_t>(plan.dims.size());
  const std::vector<int64_t> res_shape = splice(v.sizes(), first, k, plan.index_shape);
  NABLA_CHECK(broadcasts_to(val.sizes(), res_shape),
              "[index_put_] shape mismatch: value tensor of shape {} cannot be broadcast to "
              "indexing result of shape {}",
              value.sizes(), IntArrayRef(res_shape));
  const Tensor lin = linear_index(plan, v, first);
  const int64_t L = lin.numel();
  if (L == 0) return;
  // Block size N of the flattened indexed dims; source[p] = the last j with lin[j] == p.
  int64_t N = 1;
  for (int64_t i = 0; i < k; ++i) N *= v.size(first + i);
  Tensor source = full({N}, int64_t(-1), TensorOptions().dtype(kLong));
  const int64_t* l = lin.data_ptr<int64_t>();
  int64_t* s = source.data_ptr<int64_t>();
  for (int64_t j = 0; j < L; ++j) s[l[j]] = j;
  const Tensor hit = source.ge(0);
  // Values laid out as [first dims, L, rest], gathered to [first dims, N, rest].
  const Tensor vals = contiguous_nograd(expand_to(val, res_shape, "index_put_"))
                          .reshape(splice(v.sizes(), first, k, {L}));
  const Tensor block = vals.index_select(first, source.clamp_min(0));
  std::vector<int64_t> mask_shape(v.dim() - k + 1, 1);
  mask_shape[first] = N;
  // Write the new block back through the (possibly permuted) view of self.
  std::vector<int64_t> vshape = v.sizes().vec();
  const Tensor old_flat = v.reshape(splice(vshape, first, k, {N}));
  const Tensor updated = where(hit.view(mask_shape), block, old_flat);
  backend_for(self).copy(updated.reshape(vshape), v);
}

// Out of place self with self[indices] = value, recorded for autograd:
// d/dself = grad with the written positions zeroed, d/dvalue = grad[indices] summed to value's
// shape.
Tensor index_put(const Tensor& self, std::vector<TensorIndex> indices, const Tensor& value) {
  Tensor result = make_tensor(self.sizes(), self.scalar_type(), self.device());
  backend_for(self).copy(self, result);
  index_put_nograd(result, indices, value);
  if (needs_grad(self, value)) {
    record("IndexPutBackward0", {result}, {self, value},
           [indices, value_sizes = value.sizes().vec(), value_dtype = value.scalar_type()](
               const variable_list& grads, const Node& node) -> variable_list {
             const Tensor& grad = grads[0];
             variable_list out(2);
             if (node.needs_input_grad(0))
               out[0] = index_put(grad, indices, zeros({}, grad.options()));
             if (node.needs_input_grad(1))
               out[1] = grad_for(grad.index(indices), value_sizes, value_dtype);
             return out;
           });
  }
  return result;
}

}  // namespace

Tensor& Tensor::index_put_(ArrayRef<TensorIndex> indices, const Tensor& value) const {
  check_defined(*this, "index_put_");
  check_defined(value, "index_put_", "value");
  check_same_device(*this, value, "index_put_");
  const bool record_graph = GradMode::is_enabled() && (requires_grad() || value.requires_grad());
  if (!record_graph) {
    // The fast path: write in place, nothing else copied.
    index_put_nograd(const_cast<Tensor&>(*this), indices, value);
    bump_version(const_cast<Tensor&>(*this));
    return const_cast<Tensor&>(*this);
  }
  std::vector<TensorIndex> ix(indices.begin(), indices.end());
  return apply_inplace(const_cast<Tensor&>(*this), "index_put_", value,
                       [&](const Tensor& old) { return index_put(old, ix, value); });
}
Tensor& Tensor::index_put_(ArrayRef<TensorIndex> indices, const Scalar& value) const {
  check_defined(*this, "index_put_");
  Tensor v = make_tensor({}, scalar_type(), device());
  backend_for(*this).fill(v, value);
  return index_put_(indices, v);
}
Tensor& Tensor::index_put_(std::initializer_list<TensorIndex> indices, const Tensor& value) const {
  return index_put_(ArrayRef<TensorIndex>(indices.begin(), indices.size()), value);
}
Tensor& Tensor::index_put_(std::initializer_list<TensorIndex> indices, const Scalar& value) const {
  return index_put_(ArrayRef<TensorIndex>(indices.begin(), indices.size()), value);
}

Tensor& Tensor::masked_fill_(const Tensor& mask, const Scalar& value) const {
  check_defined(*this, "masked_fill_");
  check_defined(mask, "masked_fill_", "mask");
  NABLA_CHECK(mask.scalar_type() == kBool, "[masked_fill_] expected a bool mask, got {}",
              mask.scalar_type());
  const auto shape = broadcast_shapes(sizes(), mask.sizes(), "masked_fill_");
  NABLA_CHECK(IntArrayRef(shape) == sizes(),
              "[masked_fill_] mask of shape {} cannot be broadcast to the tensor's shape {}",
              mask.sizes(), sizes());
  return apply_inplace(const_cast<Tensor&>(*this), "masked_fill_", Tensor(),
                       [&](const Tensor& old) { return old.masked_fill(mask, value); });
}

}  // namespace nabla
