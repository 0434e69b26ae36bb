// LibTorch's small compositions: ops that are a line or two of other ops (aliases, stacking and
// splitting helpers, fused-looking arithmetic such as addcmul, window functions). Each is
// written with nabla's primitives, so its gradient, double backward and every device come from
// theirs; none has a kernel of its own.
#include <algorithm>
#include <cmath>

#include "nabla/creation.h"
#include "nabla/special.h"
#include "ops/op_helpers.h"

namespace nabla {

using namespace detail;  // NOLINT: op helpers

namespace {
bool is_one(const Scalar& s) { return s.to<double>() == 1.0; }
bool is_zero(const Scalar& s) { return s.to<double>() == 0.0; }
// The operand apply_inplace asks about: whether the in-place op joins the graph.
const Tensor& either_requiring_grad(const Tensor& a, const Tensor& b) {
  return a.defined() && a.requires_grad() ? a : b;
}
}  // namespace

// ---- pointwise ---------------------------------------------------------------------------

// self + value * (tensor1 * tensor2), as the in-place addcmul_ (elementwise.cpp) computes it.
Tensor addcmul(const Tensor& self, const Tensor& tensor1, const Tensor& tensor2,
               const Scalar& value) {
  check_defined(self, "addcmul");
  return add(self, tensor1 * tensor2, value);
}
// self + value * (tensor1 / tensor2); integer division is an error, as in PyTorch.
Tensor addcdiv(const Tensor& self, const Tensor& tensor1, const Tensor& tensor2,
               const Scalar& value) {
  check_defined(self, "addcdiv");
  check_defined(tensor1, "addcdiv", "tensor1");
  check_defined(tensor2, "addcdiv", "tensor2");
  NABLA_CHECK(isFloatingType(tensor1.scalar_type()) || isFloatingType(tensor2.scalar_type()),
              "[addcdiv] integer division is not supported (tensor1 {}, tensor2 {}): convert one "
              "to a floating dtype",
              tensor1.scalar_type(), tensor2.scalar_type());
  return add(self, tensor1 / tensor2, value);
}
Tensor Tensor::addcmul(const Tensor& tensor1, const Tensor& tensor2, const Scalar& value) const {
  return nabla::addcmul(*this, tensor1, tensor2, value);
}
Tensor Tensor::addcdiv(const Tensor& tensor1, const Tensor& tensor2, const Scalar& value) const {
  return nabla::addcdiv(*this, tensor1, tensor2, value);
}

// fmax / fmin: the larger / smaller, ignoring NaN (NaN only where both are). Where they are
// equal, the gradient goes to self, as in PyTorch.
Tensor fmax(const Tensor& self, const Tensor& other) {
  check_defined(self, "fmax");
  check_defined(other, "fmax", "other");
  return where(self.ge(other).logical_or(other.isnan()), self, other);
}
Tensor fmin(const Tensor& self, const Tensor& other) {
  check_defined(self, "fmin");
  check_defined(other, "fmin", "other");
  return where(self.le(other).logical_or(other.isnan()), self, other);
}
Tensor Tensor::fmax(const Tensor& other) const { return nabla::fmax(*this, other); }
Tensor Tensor::fmin(const Tensor& other) const { return nabla::fmin(*this, other); }

// heaviside: 0 below 0, values at 0, 1 above (0 for NaN, as in PyTorch); one dtype for both.
Tensor heaviside(const Tensor& self, const Tensor& values) {
  check_defined(self, "heaviside");
  check_defined(values, "heaviside", "values");
  NABLA_CHECK(self.scalar_type() == values.scalar_type(),
              "[heaviside] self ({}) and values ({}) must have the same dtype", self.scalar_type(),
              values.scalar_type());
  return where(self.eq(0), values, self.gt(0).to(self.scalar_type()));
}
Tensor Tensor::heaviside(const Tensor& values) const { return nabla::heaviside(*this, values); }

// Degrees and radians (integers become the default floating dtype, as in PyTorch).
constexpr double kRadiansPerDegree = 0.017453292519943295769236907684886127134428718885417;
constexpr double kDegreesPerRadian = 57.295779513082320876798154814105170332405472466564;
Tensor deg2rad(const Tensor& self) {
  check_defined(self, "deg2rad");
  return self * kRadiansPerDegree;
}
Tensor rad2deg(const Tensor& self) {
  check_defined(self, "rad2deg");
  return self * kDegreesPerRadian;
}
Tensor Tensor::deg2rad() const { return nabla::deg2rad(*this); }
Tensor Tensor::rad2deg() const { return nabla::rad2deg(*this); }
Tensor& Tensor::deg2rad_() const { return mul_(kRadiansPerDegree); }
Tensor& Tensor::rad2deg_() const { return mul_(kDegreesPerRadian); }

// logaddexp2: log2(2^a + 2^b) = max + log2(1 + 2^-|a - b|); the same infinity where both are.
Tensor logaddexp2(const Tensor& self, const Tensor& other) {
  check_defined(self, "logaddexp2");
  check_defined(other, "logaddexp2", "other");
  const Tensor larger = maximum(self, other);
  const Tensor sum = larger + (-(self - other).abs()).exp2().log1p() * (1 / std::log(2.0));
  return where(self.eq(other).logical_and(self.isinf()), larger, sum);
}
Tensor Tensor::logaddexp2(const Tensor& other) const { return nabla::logaddexp2(*this, other); }

Tensor isposinf(const Tensor& self) {
  check_defined(self, "isposinf");
  return self.isinf().logical_and(self.gt(0));
}
Tensor isneginf(const Tensor& self) {
  check_defined(self, "isneginf");
  return self.isinf().logical_and(self.lt(0));
}
Tensor Tensor::isposinf() const { return nabla::isposinf(*this); }
Tensor Tensor::isneginf() const { return nabla::isneginf(*this); }

// sgn: the sign, x / |x| for complex numbers; nabla's tensors are real, so sign.
Tensor sgn(const Tensor& self) { return sign(self); }
Tensor Tensor::sgn() const { return sign(); }

// LibTorch's aliases of the comparisons and of mul, div and sub.
Tensor greater(const Tensor& self, const Tensor& other) { return self.gt(other); }
Tensor greater(const Tensor& self, const Scalar& other) { return self.gt(other); }
Tensor greater_equal(const Tensor& self, const Tensor& other) { return self.ge(other); }
Tensor greater_equal(const Tensor& self, const Scalar& other) { return self.ge(other); }
Tensor less_equal(const Tensor& self, const Tensor& other) { return self.le(other); }
Tensor less_equal(const Tensor& self, const Scalar& other) { return self.le(other); }
Tensor not_equal(const Tensor& self, const Tensor& other) { return self.ne(other); }
Tensor not_equal(const Tensor& self, const Scalar& other) { return self.ne(other); }
Tensor multiply(const Tensor& self, const Tensor& other) { return self.mul(other); }
Tensor multiply(const Tensor& self, const Scalar& other) { return self.mul(other); }
Tensor true_divide(const Tensor& self, const Tensor& other) { return self.div(other); }
Tensor true_divide(const Tensor& self, const Scalar& other) { return self.div(other); }
Tensor Tensor::greater(const Tensor& other) const { return gt(other); }
Tensor Tensor::greater(const Scalar& other) const { return gt(other); }
Tensor Tensor::greater_equal(const Tensor& other) const { return ge(other); }
Tensor Tensor::greater_equal(const Scalar& other) const { return ge(other); }
Tensor Tensor::less_equal(const Tensor& other) const { return le(other); }
Tensor Tensor::less_equal(const Scalar& other) const { return le(other); }
Tensor Tensor::not_equal(const Tensor& other) const { return ne(other); }
Tensor Tensor::not_equal(const Scalar& other) const { return ne(other); }
Tensor Tensor::multiply(const Tensor& other) const { return mul(other); }
Tensor Tensor::multiply(const Scalar& other) const { return mul(other); }
Tensor Tensor::true_divide(const Tensor& other) const { return div(other); }
Tensor Tensor::true_divide(const Scalar& other) const { return div(other); }
Tensor less(const Tensor& self, const Tensor& other) { return self.lt(other); }
Tensor less(const Tensor& self, const Scalar& other) { return self.lt(other); }
Tensor subtract(const Tensor& self, const Tensor& other, const Scalar& alpha) {
  return self.sub(other, alpha);
}
Tensor subtract(const Tensor& self, const Scalar& other, const Scalar& alpha) {
  return self.sub(other, alpha);
}
Tensor Tensor::less(const Tensor& other) const { return lt(other); }
Tensor Tensor::less(const Scalar& other) const { return lt(other); }
Tensor Tensor::subtract(const Tensor& other, const Scalar& alpha) const {
  return sub(other, alpha);
}
Tensor Tensor::subtract(const Scalar& other, const Scalar& alpha) const {
  return sub(other, alpha);
}

// ---- LibTorch's in-place forms of the ops above: the out-of-place result written into self
// (apply_inplace: leaf rules, version, history; a comparison's bools become 1 and 0 in self's
// dtype). ----

#define NABLA_INPLACE_BINARY(name, op)                                                           \
  Tensor& Tensor::name(const Tensor& other) const {                                              \
    return apply_inplace(const_cast<Tensor&>(*this), #name, other,                               \
                         [&](const Tensor& v) { return v.op(other); });                          \
  }                                                                                              \
  Tensor& Tensor::name(const Scalar& other) const {                                              \
    return apply_inplace(const_cast<Tensor&>(*this), #name, Tensor(),                            \
                         [&](const Tensor& v) { return v.op(wrap_scalar(other, v.device())); }); \
  }
NABLA_INPLACE_BINARY(eq_, eq)
NABLA_INPLACE_BINARY(ne_, ne)
NABLA_INPLACE_BINARY(lt_, lt)
NABLA_INPLACE_BINARY(le_, le)
NABLA_INPLACE_BINARY(gt_, gt)
NABLA_INPLACE_BINARY(ge_, ge)
NABLA_INPLACE_BINARY(greater_, gt)
NABLA_INPLACE_BINARY(greater_equal_, ge)
NABLA_INPLACE_BINARY(less_, lt)
NABLA_INPLACE_BINARY(less_equal_, le)
NABLA_INPLACE_BINARY(not_equal_, ne)
NABLA_INPLACE_BINARY(xlogy_, xlogy)
#undef NABLA_INPLACE_BINARY

Tensor& Tensor::logical_and_(const Tensor& other) const {
  return apply_inplace(const_cast<Tensor&>(*this), "logical_and_", other,
                       [&](const Tensor& v) { return v.logical_and(other); });
}
Tensor& Tensor::logical_or_(const Tensor& other) const {
  return apply_inplace(const_cast<Tensor&>(*this), "logical_or_", other,
                       [&](const Tensor& v) { return v.logical_or(other); });
}
Tensor& Tensor::logical_xor_(const Tensor& other) const {
  return apply_inplace(const_cast<Tensor&>(*this), "logical_xor_", other,
                       [&](const Tensor& v) { return v.logical_xor(other); });
}
Tensor& Tensor::logical_not_() const {
  return apply_inplace(const_cast<Tensor&>(*this), "logical_not_", Tensor(),
                       [&](const Tensor& v) { return v.logical_not(); });
}
Tensor& Tensor::multiply_(const Tensor& other) const { return mul_(other); }
Tensor& Tensor::multiply_(const Scalar& other) const { return mul_(other); }
Tensor& Tensor::true_divide_(const Tensor& other) const { return div_(other); }
Tensor& Tensor::true_divide_(const Scalar& other) const { return div_(other); }
Tensor& Tensor::divide_(const Tensor& other, std::optional<std::string_view> rounding_mode) const {
  return rounding_mode ? div_(other, rounding_mode) : div_(other);
}
Tensor& Tensor::divide_(const Scalar& other, std::optional<std::string_view> rounding_mode) const {
  return rounding_mode ? div_(other, rounding_mode) : div_(other);
}
Tensor& Tensor::subtract_(const Tensor& other, const Scalar& alpha) const {
  return sub_(other, alpha);
}
Tensor& Tensor::subtract_(const Scalar& other, const Scalar& alpha) const {
  return sub_(other, alpha);
}
Tensor& Tensor::sgn_() const { return sign_(); }
Tensor& Tensor::fix_() const { return trunc_(); }
Tensor& Tensor::heaviside_(const Tensor& values) const {
  return apply_inplace(const_cast<Tensor&>(*this), "heaviside_", values,
                       [&](const Tensor& v) { return v.heaviside(values); });
}
Tensor& Tensor::addmm_(const Tensor& mat1, const Tensor& mat2, const Scalar& beta,
                       const Scalar& alpha) const {
  return apply_inplace(const_cast<Tensor&>(*this), "addmm_", either_requiring_grad(mat1, mat2),
                       [&](const Tensor& v) { return nabla::addmm(v, mat1, mat2, beta, alpha); });
}
Tensor& Tensor::addr_(const Tensor& vec1, const Tensor& vec2, const Scalar& beta,
                      const Scalar& alpha) const {
  return apply_inplace(const_cast<Tensor&>(*this), "addr_", either_requiring_grad(vec1, vec2),
                       [&](const Tensor& v) { return v.addr(vec1, vec2, beta, alpha); });
}

// ---- LibTorch's shorthands ----

Tensor ravel(const Tensor& self) { return self.reshape({-1}); }
Tensor Tensor::ravel() const { return nabla::ravel(*this); }
// vdot conjugates its first argument: the same as dot for real tensors.
Tensor vdot(const Tensor& self, const Tensor& other) { return dot(self, other); }
Tensor Tensor::vdot(const Tensor& other) const { return nabla::vdot(*this, other); }
Tensor Tensor::mT() const {
  NABLA_CHECK(dim() >= 2,
              "[mT] tensor.mT is only supported on matrices or batches of matrices. "
              "Got {}-D tensor.",
              dim());
  return transpose(-2, -1);
}
Tensor Tensor::mH() const {
  NABLA_CHECK(dim() >= 2,
              "[mH] tensor.mH is only supported on matrices or batches of matrices. "
              "Got {}-D tensor.",
              dim());
  return transpose(-2, -1);
}
Tensor argwhere(const Tensor& self) { return nonzero(self); }
Tensor Tensor::argwhere() const { return nabla::argwhere(*this); }
bool Tensor::is_nonzero() const {
  check_defined(*this, "is_nonzero");
  NABLA_CHECK(numel() != 0, "[is_nonzero] Boolean value of Tensor with no values is ambiguous");
  NABLA_CHECK(numel() == 1,
              "[is_nonzero] Boolean value of Tensor with more than one value is ambiguous (shape "
              "{})",
              sizes());
  return item<double>() != 0.0;  // NaN too, as Python's bool(nan)
}
bool Tensor::is_same_size(const Tensor& other) const { return sizes() == other.sizes(); }
Tensor Tensor::sum_to_size(IntArrayRef size) const {
  check_defined(*this, "sum_to_size");
  const bool expandable = size.size() <= static_cast<size_t>(dim()) && [&] {
    for (size_t i = 0; i < size.size(); ++i) {
      const int64_t have =
          this->size(dim() - static_cast<int64_t>(size.size()) + static_cast<int64_t>(i));
      if (size[i] != 1 && size[i] != have) return false;
    }
    return true;
  }();
  NABLA_CHECK(expandable, "[sum_to_size] size {} is not expandable to size {}", size, sizes());
  return sum_to(*this, size);
}
Tensor Tensor::narrow_copy(int64_t dim, int64_t start, int64_t length) const {
  return narrow(dim, start, length).clone();
}
Tensor Tensor::resolve_conj() const { return *this; }
Tensor Tensor::resolve_neg() const { return *this; }
Tensor Tensor::conj_physical() const { return clone(); }
Tensor Tensor::isreal() const { return ones_like(*this, TensorOptions().dtype(kBool)); }
std::vector<Tensor> Tensor::unsafe_chunk(int64_t chunks, int64_t dim) const {
  return chunk(chunks, dim);
}
std::vector<Tensor> Tensor::unsafe_split(int64_t split_size, int64_t dim) const {
  return split(split_size, dim);
}

// rsub: other - alpha * self.
Tensor rsub(const Tensor& self, const Tensor& other, const Scalar& alpha) {
  return sub(other, self, alpha);
}
Tensor rsub(const Tensor& self, const Scalar& other, const Scalar& alpha) {
  check_defined(self, "rsub");
  return (is_one(alpha) ? self : self * alpha).neg() + other;
}

// ---- shapes: broadcasting, at least n dims, stacking and splitting ------------------------

Tensor broadcast_to(const Tensor& self, IntArrayRef size) {
  check_defined(self, "broadcast_to");
  return self.expand(size);
}
Tensor Tensor::broadcast_to(IntArrayRef size) const { return nabla::broadcast_to(*this, size); }

std::vector<Tensor> broadcast_tensors(TensorList tensors) {
  std::vector<int64_t> shape;
  for (const Tensor& t : tensors) {
    check_defined(t, "broadcast_tensors", "tensors");
    shape = broadcast_shapes(shape, t.sizes(), "broadcast_tensors");
  }
  std::vector<Tensor> out;
  for (const Tensor& t : tensors) out.push_back(t.expand(shape));
  return out;
}

// 0-d -> [1]; 1-d [n] -> [1, n]; for 3 dims, [n] -> [1, n, 1] and [m, n] -> [m, n, 1].
Tensor atleast_1d(const Tensor& self) {
  check_defined(self, "atleast_1d");
  return self.dim() == 0 ? self.reshape({1}) : self;
}
Tensor atleast_2d(const Tensor& self) {
  check_defined(self, "atleast_2d");
  if (self.dim() == 0) return self.reshape({1, 1});
  return self.dim() == 1 ? self.unsqueeze(0) : self;
}
Tensor atleast_3d(const Tensor& self) {
  check_defined(self, "atleast_3d");
  if (self.dim() == 0) return self.reshape({1, 1, 1});
  if (self.dim() == 1) return self.unsqueeze(0).unsqueeze(-1);
  return self.dim() == 2 ? self.unsqueeze(-1) : self;
}
namespace {
std::vector<Tensor> each(TensorList tensors, Tensor (*f)(const Tensor&)) {
  std::vector<Tensor> out;
  for (const Tensor& t : tensors) out.push_back(f(t));
  return out;
}
void check_nonempty(TensorList tensors, const char* op) {
  NABLA_CHECK(!tensors.empty(), "[{}] expects a non-empty list of tensors", op);
}
}  // namespace
std::vector<Tensor> atleast_1d(TensorList tensors) { return each(tensors, atleast_1d); }
std::vector<Tensor> atleast_2d(TensorList tensors) { return each(tensors, atleast_2d); }
std::vector<Tensor> atleast_3d(TensorList tensors) { return each(tensors, atleast_3d); }

// hstack: along dim 1, or dim 0 for 1-d tensors; vstack (row_stack): dim 0 of the tensors made
// at least 2-d; dstack: dim 2 of them made at least 3-d; column_stack: 0-d and 1-d tensors
// become columns [n, 1], then dim 1.
Tensor hstack(TensorList tensors) {
  check_nonempty(tensors, "hstack");
  const std::vector<Tensor> parts = atleast_1d(tensors);
  return cat(parts, parts[0].dim() == 1 ? 0 : 1);
}
Tensor vstack(TensorList tensors) {
  check_nonempty(tensors, "vstack");
  return cat(atleast_2d(tensors), 0);
}
Tensor row_stack(TensorList tensors) { return vstack(tensors); }
Tensor dstack(TensorList tensors) {
  check_nonempty(tensors, "dstack");
  return cat(atleast_3d(tensors), 2);
}
Tensor column_stack(TensorList tensors) {
  check_nonempty(tensors, "column_stack");
  std::vector<Tensor> columns;
  for (const Tensor& t : tensors) {
    check_defined(t, "column_stack", "tensors");
    columns.push_back(t.dim() <= 1 ? t.reshape({t.numel(), 1}) : t);
  }
  return cat(columns, 1);
}

// tensor_split: `sections` parts of sizes differing by at most one (the first n % sections one
// longer), or the parts between `indices` (Python slice rules: negative ones count from the
// end, all clamped to [0, n], a part is empty where an index is below the one before). Views.
std::vector<Tensor> tensor_split(const Tensor& self, int64_t sections, int64_t dim) {
  check_defined(self, "tensor_split");
  NABLA_CHECK(self.dim() > 0,
              "[tensor_split] expected at least a 1-dimensional tensor, got a 0-d one");
  NABLA_CHECK(sections > 0, "[tensor_split] number of sections must be greater than 0, got {}",
              sections);
  dim = wrap_dim(dim, self.dim(), "tensor_split");
  const int64_t n = self.size(dim), base = n / sections, longer = n % sections;
  std::vector<Tensor> parts;
  int64_t start = 0;
  for (int64_t i = 0; i < sections; ++i) {
    const int64_t length = base + (i < longer ? 1 : 0);
    parts.push_back(self.narrow(dim, start, length));
    start += length;
  }
  return parts;
}
std::vector<Tensor> tensor_split(const Tensor& self, IntArrayRef indices, int64_t dim) {
  check_defined(self, "tensor_split");
  NABLA_CHECK(self.dim() > 0,
              "[tensor_split] expected at least a 1-dimensional tensor, got a 0-d one");
  dim = wrap_dim(dim, self.dim(), "tensor_split");
  const int64_t n = self.size(dim);
  const auto clamp_index = [n](int64_t i) { return std::clamp<int64_t>(i < 0 ? i + n : i, 0, n); };
  std::vector<Tensor> parts;
  int64_t start = 0;
  for (int64_t index : indices) {
    const int64_t end = std::max(clamp_index(index), start);
    parts.push_back(self.narrow(dim, start, end - start));
    start = clamp_index(index);
  }
  parts.push_back(self.narrow(dim, start, n - start));
  return parts;
}
std::vector<Tensor> tensor_split(const Tensor& self, const Tensor& tensor_indices_or_sections,
                                 int64_t dim) {
  const Tensor& t = tensor_indices_or_sections;
  check_defined(t, "tensor_split", "tensor_indices_or_sections");
  NABLA_CHECK(t.scalar_type() == kLong && t.dim() <= 1,
              "[tensor_split] tensor_indices_or_sections must be a 0-d or 1-d int64 tensor, got "
              "{} of shape {}",
              t.scalar_type(), t.sizes());
  const Tensor host = t.to(Device(DeviceType::CPU)).contiguous();
  const int64_t* values = host.data_ptr<int64_t>();
  if (t.dim() == 0) return tensor_split(self, values[0], dim);
  return tensor_split(self, IntArrayRef(values, static_cast<size_t>(host.numel())), dim);
}
std::vector<Tensor> Tensor::tensor_split(int64_t sections, int64_t dim) const {
  return nabla::tensor_split(*this, sections, dim);
}
std::vector<Tensor> Tensor::tensor_split(IntArrayRef indices, int64_t dim) const {
  return nabla::tensor_split(*this, indices, dim);
}
std::vector<Tensor> Tensor::tensor_split(const Tensor& indices_or_sections, int64_t dim) const {
  return nabla::tensor_split(*this, indices_or_sections, dim);
}

// hsplit, vsplit, dsplit: tensor_split along dim 1 (0 for 1-d tensors), 0 and 2; an integer
// number of sections must divide the dim.
namespace {
int64_t directional_dim(const Tensor& self, const char* op, int64_t min_dims, int64_t dim) {
  check_defined(self, op);
  NABLA_CHECK(self.dim() >= min_dims,
              "[{}] requires a tensor with at least {} dimension(s), got shape {}", op, min_dims,
              self.sizes());
  return dim;
}
std::vector<Tensor> split_evenly(const Tensor& self, int64_t sections, int64_t dim,
                                 const char* op) {
  NABLA_CHECK(sections > 0 && self.size(dim) % sections == 0,
              "[{}] the size of dimension {} ({}) is not divisible by the number of sections {}",
              op, dim, self.size(dim), sections);
  return tensor_split(self, sections, dim);
}
}  // namespace
std::vector<Tensor> hsplit(const Tensor& self, int64_t sections) {
  const int64_t dim = directional_dim(self, "hsplit", 1, self.dim() == 1 ? 0 : 1);
  return split_evenly(self, sections, dim, "hsplit");
}
std::vector<Tensor> hsplit(const Tensor& self, IntArrayRef indices) {
  return tensor_split(self, indices, directional_dim(self, "hsplit", 1, self.dim() == 1 ? 0 : 1));
}
std::vector<Tensor> vsplit(const Tensor& self, int64_t sections) {
  return split_evenly(self, sections, directional_dim(self, "vsplit", 2, 0), "vsplit");
}
std::vector<Tensor> vsplit(const Tensor& self, IntArrayRef indices) {
  return tensor_split(self, indices, directional_dim(self, "vsplit", 2, 0));
}
std::vector<Tensor> dsplit(const Tensor& self, int64_t sections) {
  return split_evenly(self, sections, directional_dim(self, "dsplit", 3, 2), "dsplit");
}
std::vector<Tensor> dsplit(const Tensor& self, IntArrayRef indices) {
  return tensor_split(self, indices, directional_dim(self, "dsplit", 3, 2));
}
std::vector<Tensor> Tensor::hsplit(int64_t sections) const {
  return nabla::hsplit(*this, sections);
}
std::vector<Tensor> Tensor::hsplit(IntArrayRef indices) const {
  return nabla::hsplit(*this, indices);
}
std::vector<Tensor> Tensor::vsplit(int64_t sections) const {
  return nabla::vsplit(*this, sections);
}
std::vector<Tensor> Tensor::vsplit(IntArrayRef indices) const {
  return nabla::vsplit(*this, indices);
}
std::vector<Tensor> Tensor::dsplit(int64_t sections) const {
  return nabla::dsplit(*this, sections);
}
std::vector<Tensor> Tensor::dsplit(IntArrayRef indices) const {
  return nabla::dsplit(*this, indices);
}

// take_along_dim: gather after broadcasting self and indices against each other in every dim
// but `dim`; without a dim, over the flattened self.
Tensor take_along_dim(const Tensor& self, const Tensor& indices, std::optional<int64_t> dim) {
  check_defined(self, "take_along_dim");
  check_defined(indices, "take_along_dim", "indices");
  NABLA_CHECK(indices.scalar_type() == kLong, "[take_along_dim] indices must be int64, got {}",
              indices.scalar_type());
  if (!dim) return self.reshape({-1}).gather(0, indices.reshape({-1}));
  NABLA_CHECK(self.dim() == indices.dim(),
              "[take_along_dim] self and indices must have the same number of dims, got shapes {} "
              "and {}",
              self.sizes(), indices.sizes());
  const int64_t d = wrap_dim(*dim, self.dim(), "take_along_dim");
  std::vector<int64_t> self_shape = self.sizes(), index_shape = indices.sizes();
  self_shape[d] = indices.size(d);
  index_shape[d] = self.size(d);
  const std::vector<int64_t> index_target =
      broadcast_shapes(self_shape, indices.sizes(), "take_along_dim");
  const std::vector<int64_t> self_target =
      broadcast_shapes(index_shape, self.sizes(), "take_along_dim");
  return self.expand(self_target).gather(d, indices.expand(index_target));
}
Tensor Tensor::take_along_dim(const Tensor& indices, std::optional<int64_t> dim) const {
  return nabla::take_along_dim(*this, indices, dim);
}

// diagflat: the flattened self on a diagonal of a square matrix.
Tensor diagflat(const Tensor& self, int64_t offset) {
  check_defined(self, "diagflat");
  return self.reshape({-1}).diag(offset);
}
Tensor Tensor::diagflat(int64_t offset) const { return nabla::diagflat(*this, offset); }

// unique_consecutive: a run starts where an element (or, along `dim`, a slice) differs from the
// one before it; the runs' first elements, each element's run (inverse) and the runs' lengths
// (counts). NaN differs from NaN, as in PyTorch. Only what is asked for is computed (empty
// tensors for the rest).
std::tuple<Tensor, Tensor, Tensor> unique_consecutive(const Tensor& self, bool return_inverse,
                                                      bool return_counts,
                                                      std::optional<int64_t> dim) {
  check_defined(self, "unique_consecutive");
  const int64_t d =
      dim ? wrap_dim(*dim, std::max<int64_t>(self.dim(), 1), "unique_consecutive") : 0;
  const Tensor rows = dim ? self.movedim(d, 0).reshape({self.dim() == 0 ? 1 : self.size(d), -1})
                          : self.reshape({-1, 1});
  const int64_t n = rows.size(0);
  const TensorOptions index_options = TensorOptions().dtype(kLong).device(self.device());
  Tensor starts = ones({n}, index_options.dtype(kBool));
  if (n > 1) {
    const Tensor changed = rows.narrow(0, 1, n - 1).ne(rows.narrow(0, 0, n - 1)).any(1);
    starts = cat({starts.narrow(0, 0, 1), changed}, 0);
  }
  const Tensor first = nonzero(starts).reshape({-1});  // where each run starts
  const Tensor values =
      dim ? self.index_select(d, first) : self.reshape({-1}).index_select(0, first);
  Tensor inverse = empty({0}, index_options), counts = empty({0}, index_options);
  if (return_inverse) {
    inverse = starts.to(kLong).cumsum(0) - 1;
    if (!dim) inverse = inverse.reshape(self.sizes());
  }
  if (return_counts) counts = diff(cat({first, full({1}, n, index_options)}, 0));
  return {values, inverse, counts};
}

std::tuple<Tensor, Tensor, Tensor> unique_dim_consecutive(const Tensor& self, int64_t dim,
                                                          bool return_inverse, bool return_counts) {
  return unique_consecutive(self, return_inverse, return_counts, dim);
}

// unique: the slices sorted (lexicographically, by stable sorts on each column from the last
// to the first), then unique_consecutive's runs; the inverse is mapped back through the sort.
namespace {
Tensor lexicographic_order(const Tensor& rows) {
  Tensor order = arange(rows.size(0), TensorOptions().dtype(kLong).device(rows.device()));
  for (int64_t column = rows.size(1) - 1; column >= 0; --column) {
    const Tensor key = rows.select(1, column).index_select(0, order);
    order = order.index_select(0, argsort(key, 0));
  }
  return order;
}
std::tuple<Tensor, Tensor, Tensor> unique_sorted(const Tensor& self, std::optional<int64_t> dim,
                                                 bool return_inverse, bool return_counts,
                                                 const char* op) {
  check_defined(self, op);
  NoGradGuard no_grad;  // not differentiable, as in LibTorch
  const Tensor flat = self.reshape({-1});
  const std::optional<int64_t> d =
      dim ? std::optional<int64_t>(wrap_dim(*dim, self.dim(), op)) : std::nullopt;
  const Tensor rows = d ? self.movedim(*d, 0).reshape({self.size(*d), -1}) : flat.unsqueeze(1);
  const Tensor order = lexicographic_order(rows);
  const Tensor sorted = d ? self.index_select(*d, order) : flat.index_select(0, order);
  auto [values, sorted_inverse, counts] =
      unique_consecutive(sorted, return_inverse, return_counts, d);
  Tensor inverse = sorted_inverse;
  if (return_inverse) {
    inverse = zeros_like(sorted_inverse).index_copy(0, order, sorted_inverse);
    if (!d) inverse = inverse.reshape(self.sizes());
  }
  return {values, inverse, counts};
}
}  // namespace

std::tuple<Tensor, Tensor, Tensor> unique_dim(const Tensor& self, int64_t dim, bool /*sorted*/,
                                              bool return_inverse, bool return_counts) {
  return unique_sorted(self, dim, return_inverse, return_counts, "unique_dim");
}
std::tuple<Tensor, Tensor, Tensor> _unique2(const Tensor& self, bool /*sorted*/,
                                            bool return_inverse, bool return_counts) {
  return unique_sorted(self, std::nullopt, return_inverse, return_counts, "unique");
}
std::tuple<Tensor, Tensor> _unique(const Tensor& self, bool /*sorted*/, bool return_inverse) {
  auto [values, inverse, counts] =
      unique_sorted(self, std::nullopt, return_inverse, false, "unique");
  return {values, inverse};
}

// ---- products and distances --------------------------------------------------------------

// inner: the sum over the last dims of both (self * other where either is 0-d).
Tensor inner(const Tensor& self, const Tensor& other) {
  check_defined(self, "inner");
  check_defined(other, "inner", "other");
  if (self.dim() == 0 || other.dim() == 0) return self * other;
  NABLA_CHECK(self.size(-1) == other.size(-1),
              "[inner] the last dimensions must match, got shapes {} and {}", self.sizes(),
              other.sizes());
  return tensordot(self, other, {-1}, {-1});
}
Tensor Tensor::inner(const Tensor& other) const { return nabla::inner(*this, other); }
Tensor ger(const Tensor& self, const Tensor& vec2) { return outer(self, vec2); }
Tensor Tensor::ger(const Tensor& vec2) const { return nabla::outer(*this, vec2); }

// dist: the p-norm of self - other.
Tensor dist(const Tensor& self, const Tensor& other, const Scalar& p) {
  check_defined(self, "dist");
  check_defined(other, "dist", "other");
  return (self - other).norm(p);
}
Tensor Tensor::dist(const Tensor& other, const Scalar& p) const {
  return nabla::dist(*this, other, p);
}

// beta self + alpha product, self broadcast to the product's shape; where beta is 0 self is
// not read (its NaN does not reach the result), as in PyTorch.
namespace {
Tensor scaled_sum(const Tensor& self, const Tensor& product, const Scalar& beta,
                  const Scalar& alpha) {
  const Tensor scaled = is_one(alpha) ? product : product * alpha;
  const Tensor base = self.expand(product.sizes());
  if (is_zero(beta))  // self's dtype takes part in the result's, its values do not
    return scaled.to(promote_types(base.scalar_type(), scaled.scalar_type()));
  return (is_one(beta) ? base : base * beta) + scaled;
}
}  // namespace
Tensor addmv(const Tensor& self, const Tensor& mat, const Tensor& vec, const Scalar& beta,
             const Scalar& alpha) {
  check_defined(self, "addmv");
  return scaled_sum(self, mv(mat, vec), beta, alpha);
}
Tensor addr(const Tensor& self, const Tensor& vec1, const Tensor& vec2, const Scalar& beta,
            const Scalar& alpha) {
  check_defined(self, "addr");
  return scaled_sum(self, outer(vec1, vec2), beta, alpha);
}
Tensor Tensor::addmv(const Tensor& mat, const Tensor& vec, const Scalar& beta,
                     const Scalar& alpha) const {
  return nabla::addmv(*this, mat, vec, beta, alpha);
}
Tensor Tensor::addr(const Tensor& vec1, const Tensor& vec2, const Scalar& beta,
                    const Scalar& alpha) const {
  return nabla::addr(*this, vec1, vec2, beta, alpha);
}
Tensor& Tensor::addmv_(const Tensor& mat, const Tensor& vec, const Scalar& beta,
                       const Scalar& alpha) const {
  return apply_inplace(const_cast<Tensor&>(*this), "addmv_", either_requiring_grad(mat, vec),
                       [&](const Tensor& v) { return nabla::addmv(v, mat, vec, beta, alpha); });
}

// pdist: the distances of every pair of rows i < j, in that order. The pairs' differences are
// formed (n (n - 1) / 2 rows): exact where a |x|^2 + |y|^2 - 2 x.y product would cancel, and
// its gradient is defined (no zero distances among the pairs' own).
Tensor pdist(const Tensor& self, double p) {
  check_defined(self, "pdist");
  NABLA_CHECK(self.dim() == 2, "[pdist] expects a 2-d tensor, got shape {}", self.sizes());
  NABLA_CHECK(p >= 0, "[pdist] p must be non-negative, got {}", p);
  const int64_t n = self.size(0);
  const Tensor pairs = triu_indices(n, n, 1, TensorOptions().dtype(kLong).device(self.device()));
  const Tensor difference = self.index_select(0, pairs[0]) - self.index_select(0, pairs[1]);
  return linalg_vector_norm(difference, p, IntArrayRef{1});
}

// renorm: each slice along `dim` whose p-norm is above maxnorm scaled to maxnorm (1e-7 keeps
// the division finite, as in PyTorch).
Tensor renorm(const Tensor& self, const Scalar& p, int64_t dim, const Scalar& maxnorm) {
  check_defined(self, "renorm");
  NABLA_CHECK(p.to<double>() > 0, "[renorm] the norm's order p must be positive, got {}",
              p.to<double>());
  NABLA_CHECK(maxnorm.to<double>() >= 0, "[renorm] maxnorm must be non-negative, got {}",
              maxnorm.to<double>());
  NABLA_CHECK(self.dim() > 0, "[renorm] expects a tensor of at least 1 dim, got a 0-d one");
  dim = wrap_dim(dim, self.dim(), "renorm");
  std::vector<int64_t> other_dims;
  for (int64_t d = 0; d < self.dim(); ++d)
    if (d != dim) other_dims.push_back(d);
  const Tensor norm = linalg_vector_norm(self, p, other_dims, true);
  const double limit = maxnorm.to<double>();
  return self * where(norm.gt(limit), limit / (norm + 1e-7), 1.0);
}
Tensor Tensor::renorm(const Scalar& p, int64_t dim, const Scalar& maxnorm) const {
  return nabla::renorm(*this, p, dim, maxnorm);
}
Tensor& Tensor::renorm_(const Scalar& p, int64_t dim, const Scalar& maxnorm) const {
  return apply_inplace(const_cast<Tensor&>(*this), "renorm_", Tensor(),
                       [&](const Tensor& v) { return nabla::renorm(v, p, dim, maxnorm); });
}

// vander: columns x^(N-1), ..., x, 1 (or increasing), as cumulative products; integer x
// computes in int64.
Tensor vander(const Tensor& x, std::optional<int64_t> N, bool increasing) {
  check_defined(x, "vander", "x");
  NABLA_CHECK(x.dim() == 1, "[vander] x must be a 1-d tensor, got shape {}", x.sizes());
  const int64_t columns = N.value_or(x.size(0));
  NABLA_CHECK(columns >= 0, "[vander] N must be non-negative, got {}", columns);
  const Tensor base = x.to(promoteTypes(x.scalar_type(), kLong));
  const int64_t n = x.size(0);
  Tensor powers = ones({n, std::min<int64_t>(columns, 1)}, base.options());
  if (columns > 1) powers = cat({powers, base.unsqueeze(1).expand({n, columns - 1}).cumprod(1)}, 1);
  return increasing ? powers : powers.flip({1});
}

// logspace: base^linspace(start, end, steps), the exponents in float64.
Tensor logspace(const Scalar& start, const Scalar& end, int64_t steps, double base,
                const TensorOptions& options) {
  const TensorOptions exponent_options = options.dtype(kFloat64).requires_grad(false);
  const Tensor exponents = linspace(start, end, steps, exponent_options);
  const Tensor result = pow(base, exponents).to(options.dtype());
  return options.requires_grad() ? result.requires_grad_() : result;
}

// masked_scatter: where mask (broadcast to self) is true, the next element of source in
// row-major order; each true element's place in source is the running count of trues.
Tensor masked_scatter(const Tensor& self, const Tensor& mask, const Tensor& source) {
  check_defined(self, "masked_scatter");
  check_defined(mask, "masked_scatter", "mask");
  check_defined(source, "masked_scatter", "source");
  NABLA_CHECK(mask.scalar_type() == kBool, "[masked_scatter] mask must be bool, got {}",
              mask.scalar_type());
  NABLA_CHECK(self.scalar_type() == source.scalar_type(),
              "[masked_scatter] self ({}) and source ({}) must have the same dtype",
              self.scalar_type(), source.scalar_type());
  const std::vector<int64_t> shape = broadcast_shapes(self.sizes(), mask.sizes(), "masked_scatter");
  const Tensor where_true = mask.expand(shape);
  const Tensor place = where_true.reshape({-1}).cumsum(0) - 1;  // int64
  // The count reads the mask's values: where the host cannot (the meta device), only shapes.
  if (backend_for(place).host_accessible()) {
    const int64_t needed = where_true.numel() == 0 ? 0 : place[-1].item<int64_t>() + 1;
    NABLA_CHECK(needed <= source.numel(),
                "[masked_scatter] mask has {} true elements, source only {} elements", needed,
                source.numel());
    if (needed == 0) return self.expand(shape).clone();
  }
  const Tensor taken = source.reshape({-1}).index_select(0, place.clamp_min(0)).reshape(shape);
  return where(where_true, taken, self);
}
Tensor Tensor::masked_scatter(const Tensor& mask, const Tensor& source) const {
  return nabla::masked_scatter(*this, mask, source);
}
Tensor& Tensor::masked_scatter_(const Tensor& mask, const Tensor& source) const {
  return apply_inplace(const_cast<Tensor&>(*this), "masked_scatter_", source,
                       [&](const Tensor& v) { return nabla::masked_scatter(v, mask, source); });
}

// fill_diagonal_: the elements whose indices are all equal; with `wrap`, a matrix taller than
// wide continues its diagonal below every width + 1 rows, as NumPy's and PyTorch's do. Written
// through a strided view of the diagonal; where autograd records the op, through a mask.
Tensor& Tensor::fill_diagonal_(const Scalar& fill_value, bool wrap) const {
  check_defined(*this, "fill_diagonal_");
  NABLA_CHECK(dim() >= 2, "[fill_diagonal_] expects a tensor of at least 2 dims, got shape {}",
              sizes());
  if (dim() > 2) {
    for (int64_t d = 1; d < dim(); ++d)
      NABLA_CHECK(size(d) == size(0),
                  "[fill_diagonal_] all dims must have the same length, got shape {}", sizes());
  }
  const int64_t height = size(0), width = size(1), length = std::min(height, width);
  const bool wraps = wrap && dim() == 2 && height > width + 1;
  if (GradMode::is_enabled() && requires_grad()) {
    // The diagonal's elements in row-major order are every (sum of contiguous strides)-th.
    int64_t step = 0, contiguous_stride = 1;
    for (int64_t d = dim() - 1; d >= 0; --d) {
      step += contiguous_stride;
      contiguous_stride *= size(d);
    }
    const Tensor flat =
        arange(numel(), TensorOptions().dtype(kLong).device(device())).reshape(sizes());
    Tensor on_diagonal = flat.remainder(step).eq(0);
    if (!wraps) on_diagonal = on_diagonal.logical_and(flat.lt(length * step));
    return masked_fill_(on_diagonal, fill_value);
  }
  int64_t diagonal_stride = 0;
  for (int64_t d = 0; d < dim(); ++d) diagonal_stride += stride(d);
  as_strided({length}, {diagonal_stride}).fill_(fill_value);
  if (wraps) {
    const int64_t step = width + 1, wrapped = (numel() + step - 1) / step - length;
    as_strided({wrapped}, {diagonal_stride}, storage_offset() + stride(0) * step).fill_(fill_value);
  }
  return const_cast<Tensor&>(*this);
}

// ---- factories from a tensor: its dtype and device unless the options say otherwise -------

namespace {
TensorOptions options_like(const Tensor& self, const TensorOptions& options, const char* op) {
  check_defined(self, op);
  TensorOptions merged = options.dtype(options.has_dtype() ? options.dtype() : self.scalar_type())
                             .device(options.has_device() ? options.device() : self.device());
  return options.has_requires_grad() ? merged.requires_grad(options.requires_grad()) : merged;
}
}  // namespace
Tensor Tensor::new_empty(IntArrayRef size, const TensorOptions& options) const {
  return empty(size, options_like(*this, options, "new_empty"));
}
Tensor Tensor::new_empty_strided(IntArrayRef size, IntArrayRef stride,
                                 const TensorOptions& options) const {
  return empty_strided(size, stride, options_like(*this, options, "new_empty_strided"));
}
Tensor Tensor::new_zeros(IntArrayRef size, const TensorOptions& options) const {
  return zeros(size, options_like(*this, options, "new_zeros"));
}
Tensor Tensor::new_ones(IntArrayRef size, const TensorOptions& options) const {
  return ones(size, options_like(*this, options, "new_ones"));
}
Tensor Tensor::new_full(IntArrayRef size, const Scalar& fill_value,
                        const TensorOptions& options) const {
  return full(size, fill_value, options_like(*this, options, "new_full"));
}

// ---- other names, dtypes, factories and norms ----------------------------------------------

Tensor concat(TensorList tensors, int64_t dim) { return cat(tensors, dim); }
Tensor concatenate(TensorList tensors, int64_t dim) { return cat(tensors, dim); }

ScalarType result_type(const Tensor& tensor, const Tensor& other) {
  check_defined(tensor, "result_type", "tensor");
  check_defined(other, "result_type", "other");
  return detail::result_type({&tensor, &other});
}
ScalarType result_type(const Tensor& tensor, const Scalar& other) {
  return nabla::result_type(tensor, wrap_scalar(other, tensor.device()));
}
ScalarType result_type(const Scalar& scalar, const Tensor& tensor) {
  return nabla::result_type(wrap_scalar(scalar, tensor.device()), tensor);
}
ScalarType result_type(const Scalar& scalar1, const Scalar& scalar2) {
  const Device host(DeviceType::CPU);
  return nabla::result_type(wrap_scalar(scalar1, host), wrap_scalar(scalar2, host));
}
ScalarType promote_types(ScalarType type1, ScalarType type2) { return promoteTypes(type1, type2); }
bool can_cast(ScalarType from, ScalarType to) {
  if (isFloatingType(from) && !isFloatingType(to) && to != kBool) return false;
  return from == kBool || to != kBool;
}

Tensor scalar_tensor(const Scalar& s, const TensorOptions& options) { return full({}, s, options); }

Tensor empty_strided(IntArrayRef size, IntArrayRef stride, const TensorOptions& options) {
  NABLA_CHECK(size.size() == stride.size(),
              "[empty_strided] size {} and stride {} have different lengths", size, stride);
  int64_t storage = 1;  // the last element's offset + 1, or 0 for no elements
  for (size_t i = 0; i < size.size(); ++i) {
    NABLA_CHECK(size[i] >= 0 && stride[i] >= 0, "[empty_strided] negative size {} or stride {}",
                size, stride);
    if (size[i] == 0) storage = 0;
    if (storage > 0) storage += (size[i] - 1) * stride[i];
  }
  const Tensor base = empty({storage}, options.requires_grad(false));
  const Tensor result = base.as_strided(size, stride, 0);
  return options.requires_grad() ? result.requires_grad_() : result;
}

Tensor randint_like(const Tensor& self, int64_t high, const TensorOptions& options) {
  return randint_like(self, 0, high, options);
}
Tensor randint_like(const Tensor& self, int64_t low, int64_t high, const TensorOptions& options) {
  return randint(low, high, self.sizes(), options_like(self, options, "randint_like"));
}

Tensor chain_matmul(TensorList matrices) {
  NABLA_CHECK(!matrices.empty(), "[chain_matmul] expects at least one matrix");
  return matrices.size() == 1 ? matrices[0].clone() : linalg::multi_dot(matrices);
}

Tensor frobenius_norm(const Tensor& self) {
  check_defined(self, "frobenius_norm");
  return linalg_vector_norm(self, 2);
}
Tensor frobenius_norm(const Tensor& self, IntArrayRef dim, bool keepdim) {
  check_defined(self, "frobenius_norm");
  return linalg_vector_norm(self, 2, dim, keepdim);
}
Tensor nuclear_norm(const Tensor& self, bool keepdim) {
  check_defined(self, "nuclear_norm");
  NABLA_CHECK(self.dim() == 2, "[nuclear_norm] expects a 2-d tensor, got shape {}", self.sizes());
  return nuclear_norm(self, {0, 1}, keepdim);
}
Tensor nuclear_norm(const Tensor& self, IntArrayRef dim, bool keepdim) {
  check_defined(self, "nuclear_norm");
  return linalg::matrix_norm(self, std::string("nuc"), dim, keepdim, std::nullopt);
}

Tensor mvlgamma(const Tensor& self, int64_t p) { return special::multigammaln(self, p); }
Tensor Tensor::mvlgamma(int64_t p) const { return special::multigammaln(*this, p); }
Tensor& Tensor::mvlgamma_(int64_t p) const {
  return apply_inplace(const_cast<Tensor&>(*this), "mvlgamma_", Tensor(),
                       [&](const Tensor& v) { return special::multigammaln(v, p); });
}

Tensor linalg_vecdot(const Tensor& x, const Tensor& y, int64_t dim) {
  check_defined(x, "linalg_vecdot", "x");
  check_defined(y, "linalg_vecdot", "y");
  return (x * y).sum(dim);
}
Tensor linalg::vecdot(const Tensor& x, const Tensor& y, int64_t dim) {
  return linalg_vecdot(x, y, dim);
}

std::tuple<Tensor, Tensor> triangular_solve(const Tensor& self, const Tensor& A, bool upper,
                                            bool transpose, bool unitriangular) {
  check_defined(self, "triangular_solve");
  check_defined(A, "triangular_solve", "A");
  NABLA_CHECK(A.dim() >= 2, "[triangular_solve] A must have at least 2 dims, got shape {}",
              A.sizes());
  // op(A) = A^T is triangular on the other side.
  const Tensor op_a = transpose ? A.transpose(-2, -1) : A;
  const bool op_upper = transpose ? !upper : upper;
  return {linalg::solve_triangular(op_a, self, op_upper, true, unitriangular), A.clone()};
}

// ---- window functions (signal processing), as PyTorch computes them ----------------------

// The n in cos(2 pi k / (n - 1)) of a window of `length`: a periodic window is the symmetric
// one of length + 1 without its last point.
namespace {
struct WindowGrid {
  Tensor k;        // 0 .. n - 1
  int64_t n;       // the symmetric window's length
  int64_t length;  // the points returned
};
WindowGrid window_grid(int64_t length, bool periodic, const TensorOptions& options) {
  const int64_t n = periodic ? length + 1 : length;
  return {arange(n, options.dtype(options.dtype())), n, length};
}
Tensor window_result(const WindowGrid& grid, const Tensor& symmetric) {
  return grid.n == grid.length ? symmetric : symmetric.narrow(0, 0, grid.length).contiguous();
}
// Checks the arguments; windows of 0 and 1 points are empty and [1] (float32 unless given).
bool trivial_window(int64_t length, const TensorOptions& options, const char* op, Tensor& out) {
  NABLA_CHECK(length >= 0, "[{}] window_length must be non-negative, got {}", op, length);
  NABLA_CHECK(isFloatingType(options.dtype()), "[{}] expects a floating dtype, got {}", op,
              options.dtype());
  if (length > 1) return false;
  const TensorOptions floating = options.dtype(options.dtype());
  out = length == 0 ? empty({0}, floating) : ones({1}, floating);
  return true;
}
// alpha - beta cos(2 pi k / (n - 1)): Hamming's window, and Hann's with alpha = beta = 1/2.
Tensor cosine_window(int64_t window_length, bool periodic, double alpha, double beta,
                     const TensorOptions& options, const char* op) {
  Tensor trivial;
  if (trivial_window(window_length, options, op, trivial)) return trivial;
  const WindowGrid g = window_grid(window_length, periodic, options);
  const double step = 2 * 3.14159265358979323846 / static_cast<double>(g.n - 1);
  return window_result(g, (g.k * step).cos() * -beta + alpha);
}
}  // namespace
Tensor hamming_window(int64_t window_length, bool periodic, double alpha, double beta,
                      const TensorOptions& options) {
  return cosine_window(window_length, periodic, alpha, beta, options, "hamming_window");
}
Tensor hamming_window(int64_t window_length, const TensorOptions& options) {
  return hamming_window(window_length, true, 0.54, 0.46, options);
}
Tensor hamming_window(int64_t window_length, bool periodic, const TensorOptions& options) {
  return hamming_window(window_length, periodic, 0.54, 0.46, options);
}
Tensor hamming_window(int64_t window_length, bool periodic, double alpha,
                      const TensorOptions& options) {
  return hamming_window(window_length, periodic, alpha, 0.46, options);
}
Tensor hann_window(int64_t window_length, bool periodic, const TensorOptions& options) {
  return cosine_window(window_length, periodic, 0.5, 0.5, options, "hann_window");
}
Tensor hann_window(int64_t window_length, const TensorOptions& options) {
  return hann_window(window_length, true, options);
}
Tensor blackman_window(int64_t window_length, bool periodic, const TensorOptions& options) {
  Tensor trivial;
  if (trivial_window(window_length, options, "blackman_window", trivial)) return trivial;
  const WindowGrid g = window_grid(window_length, periodic, options);
  const Tensor angle = g.k * (3.14159265358979323846 / static_cast<double>(g.n - 1));
  return window_result(g, (angle * 4).cos() * 0.08 - (angle * 2).cos() * 0.5 + 0.42);
}
Tensor blackman_window(int64_t window_length, const TensorOptions& options) {
  return blackman_window(window_length, true, options);
}
Tensor bartlett_window(int64_t window_length, bool periodic, const TensorOptions& options) {
  Tensor trivial;
  if (trivial_window(window_length, options, "bartlett_window", trivial)) return trivial;
  const WindowGrid g = window_grid(window_length, periodic, options);
  const Tensor rising = g.k * (2.0 / static_cast<double>(g.n - 1));
  // 2k / (n - 1) up to the middle, 2 - 2k / (n - 1) after it.
  const Tensor first_half = g.k.le((g.n - 1) / 2);
  return window_result(g, where(first_half, rising, 2 - rising));
}
Tensor bartlett_window(int64_t window_length, const TensorOptions& options) {
  return bartlett_window(window_length, true, options);
}
Tensor kaiser_window(int64_t window_length, bool periodic, double beta,
                     const TensorOptions& options) {
  Tensor trivial;
  NABLA_CHECK(beta >= 0, "[kaiser_window] beta must be non-negative, got {}", beta);
  if (trivial_window(window_length, options, "kaiser_window", trivial)) return trivial;
  const WindowGrid g = window_grid(window_length, periodic, options);
  const double middle = static_cast<double>(g.n - 1) / 2;
  const Tensor ratio = (g.k - middle) / middle;
  const Tensor i0_beta = full({}, beta, g.k.options()).i0();  // the same i0: the middle is 1
  const Tensor window = ((1 - ratio * ratio).clamp_min(0).sqrt() * beta).i0() / i0_beta;
  return window_result(g, window);
}
Tensor kaiser_window(int64_t window_length, const TensorOptions& options) {
  return kaiser_window(window_length, true, 12.0, options);
}
Tensor kaiser_window(int64_t window_length, bool periodic, const TensorOptions& options) {
  return kaiser_window(window_length, periodic, 12.0, options);
}

// ---- LibTorch's two-tensor max and min, and out= forms ---------------------------------------

Tensor max(const Tensor& self, const Tensor& other) { return maximum(self, other); }
Tensor min(const Tensor& self, const Tensor& other) { return minimum(self, other); }
Tensor Tensor::max(const Tensor& other) const { return nabla::maximum(*this, other); }
Tensor Tensor::min(const Tensor& other) const { return nabla::minimum(*this, other); }

}  // namespace nabla
