// Matrix products: mm, bmm, addmm, dot, outer and NumPy-style matmul. mm/bmm/addmm/dot run
// the backend's batched product on 3-D views (no copies); matmul is composed of them and of
// view ops, so its gradient (including the sum over broadcast batch dims) comes for free.
#include "ops/autocast.h"
#include "ops/op_helpers.h"

namespace nabla {

using namespace detail;  // NOLINT: op helpers

namespace {

void check_matmul_dtypes(const Tensor& a, const Tensor& b, const char* op) {
  check_same_device(a, b, op);
  NABLA_CHECK(a.scalar_type() == b.scalar_type(),
              "[{}] expected m1 and m2 to have the same dtype, but got: {} != {}", op,
              a.scalar_type(), b.scalar_type());
  NABLA_CHECK(a.scalar_type() != kBool, "[{}] not implemented for dtype bool", op);
}

// A new tensor of `shape` holding a @ b, computed by the backend on a and b (both 2-D or both
// 3-D); the result is a fresh tensor, not a view, so in-place ops on it are allowed.
Tensor product(const Tensor& a, const Tensor& b, IntArrayRef shape) {
  Tensor out = make_tensor(shape, a.scalar_type(), a.device());
  if (out.dim() == a.dim()) {
    backend_for(a).matmul(a, b, out, 0.0, 1.0);
  } else {  // dot: [1, 1, k] x [1, k, 1] into a 0-d result
    const std::vector<int64_t> batched{a.size(0), a.size(1), b.size(2)};
    backend_for(a).matmul(a, b, make_view(out, batched, contiguous_strides(batched), 0), 0.0, 1.0);
  }
  return out;
}

void check_integral_scalar(const Tensor& t, const Scalar& s, const char* name) {
  NABLA_CHECK(t.is_floating_point() || !s.isFloatingPoint(),
              "[addmm] for integral input tensors, argument {} must not be a floating point "
              "number",
              name);
}

}  // namespace

// ---- mm: [n, k] x [k, m] -> [n, m]; d self = grad @ mat2^T, d mat2 = self^T @ grad ------

namespace {
void check_mm(const Tensor& self, const Tensor& mat2, const char* op) {
  check_defined(self, op, "self");
  check_defined(mat2, op, "mat2");
  NABLA_CHECK(self.dim() == 2, "[{}] self must be a matrix, got a {}-D tensor of shape {}", op,
              self.dim(), self.sizes());
  NABLA_CHECK(mat2.dim() == 2, "[{}] mat2 must be a matrix, got a {}-D tensor of shape {}", op,
              mat2.dim(), mat2.sizes());
  NABLA_CHECK(self.size(1) == mat2.size(0), "[{}] shapes {} and {} cannot be multiplied ({} != {})",
              op, self.sizes(), mat2.sizes(), self.size(1), mat2.size(0));
  check_matmul_dtypes(self, mat2, op);
}
}  // namespace

Tensor mm(const Tensor& self, const Tensor& mat2) {
  if (autocast_enabled()) {  // in the 16-bit dtype (PyTorch's lower-precision list)
    const Tensor a = autocast_to_lower(self), b = autocast_to_lower(mat2);
    if (!a.is_same(self) || !b.is_same(mat2)) return mm(a, b);
  }
  check_mm(self, mat2, "mm");
  Tensor result = product(self, mat2, {self.size(0), mat2.size(1)});
  if (needs_grad(self, mat2)) {
    record("MmBackward0", {result}, {self, mat2},
           [self = SavedTensor(self, false), mat2 = SavedTensor(mat2, false)](
               const variable_list& grads, const Node& node) -> variable_list {
             const Tensor& grad = grads[0];
             variable_list out(2);
             if (node.needs_input_grad(0)) out[0] = grad.mm(mat2.unpack(node).t());
             if (node.needs_input_grad(1)) out[1] = self.unpack(node).t().mm(grad);
             return out;
           });
  }
  return result;
}

// ---- bmm: [B, n, k] x [B, k, m] -> [B, n, m] ----------------------------------------------

namespace {
void check_bmm(const Tensor& self, const Tensor& mat2, const char* op) {
  check_defined(self, op, "self");
  check_defined(mat2, op, "mat2");
  NABLA_CHECK(self.dim() == 3, "[{}] batch1 must be a 3-D tensor, got shape {}", op, self.sizes());
  NABLA_CHECK(mat2.dim() == 3, "[{}] batch2 must be a 3-D tensor, got shape {}", op, mat2.sizes());
  NABLA_CHECK(self.size(0) == mat2.size(0), "[{}] batch sizes of {} and {} differ ({} != {})", op,
              self.sizes(), mat2.sizes(), self.size(0), mat2.size(0));
  NABLA_CHECK(self.size(2) == mat2.size(1), "[{}] shapes {} and {} cannot be multiplied ({} != {})",
              op, self.sizes(), mat2.sizes(), self.size(2), mat2.size(1));
  check_matmul_dtypes(self, mat2, op);
}
}  // namespace

Tensor bmm(const Tensor& self, const Tensor& mat2) {
  if (autocast_enabled()) {
    const Tensor a = autocast_to_lower(self), b = autocast_to_lower(mat2);
    if (!a.is_same(self) || !b.is_same(mat2)) return bmm(a, b);
  }
  check_bmm(self, mat2, "bmm");
  Tensor result = product(self, mat2, {self.size(0), self.size(1), mat2.size(2)});
  if (needs_grad(self, mat2)) {
    record("BmmBackward0", {result}, {self, mat2},
           [self = SavedTensor(self, false), mat2 = SavedTensor(mat2, false)](
               const variable_list& grads, const Node& node) -> variable_list {
             const Tensor& grad = grads[0];
             variable_list out(2);
             if (node.needs_input_grad(0)) out[0] = grad.bmm(mat2.unpack(node).transpose(1, 2));
             if (node.needs_input_grad(1)) out[1] = self.unpack(node).transpose(1, 2).bmm(grad);
             return out;
           });
  }
  return result;
}

// ---- the out= forms (op_helpers.h): the product written into out where it can be --------
// Not autocast, as LibTorch's: the product is computed in the operands' dtype.

namespace {
// out = a @ b for checked operands, 2-D or 3-D alike, of the product's `shape`.
Tensor& product_out(Tensor& out, const Tensor& a, const Tensor& b, IntArrayRef shape,
                    const char* op) {
  if (out_takes(out, shape, a.scalar_type(), a.device(), {&a, &b})) {
    backend_for(a).matmul(a, b, out, 0.0, 1.0);
    return written_out(out);
  }
  return write_out(out, product(a, b, shape), op);
}
}  // namespace

Tensor& mm_out(Tensor& out, const Tensor& self, const Tensor& mat2) {
  check_out(out, {&self, &mat2}, "mm_out");
  check_mm(self, mat2, "mm_out");
  return product_out(out, self, mat2, {self.size(0), mat2.size(1)}, "mm_out");
}

Tensor& bmm_out(Tensor& out, const Tensor& self, const Tensor& mat2) {
  check_out(out, {&self, &mat2}, "bmm_out");
  check_bmm(self, mat2, "bmm_out");
  return product_out(out, self, mat2, {self.size(0), self.size(1), mat2.size(2)}, "bmm_out");
}

// ---- addmm: beta * self + alpha * mat1 @ mat2 (self broadcast to [n, m]) ------------------

Tensor addmm(const Tensor& self, const Tensor& mat1, const Tensor& mat2, const Scalar& beta,
             const Scalar& alpha) {
  if (autocast_enabled()) {
    const Tensor s = autocast_to_lower(self), a = autocast_to_lower(mat1),
                 b = autocast_to_lower(mat2);
    if (!s.is_same(self) || !a.is_same(mat1) || !b.is_same(mat2))
      return addmm(s, a, b, beta, alpha);
  }
  check_defined(self, "addmm", "self");
  check_defined(mat1, "addmm", "mat1");
  check_defined(mat2, "addmm", "mat2");
  NABLA_CHECK(mat1.dim() == 2, "[addmm] mat1 must be a matrix, got a {}-D tensor of shape {}",
              mat1.dim(), mat1.sizes());
  NABLA_CHECK(mat2.dim() == 2, "[addmm] mat2 must be a matrix, got a {}-D tensor of shape {}",
              mat2.dim(), mat2.sizes());
  NABLA_CHECK(mat1.size(1) == mat2.size(0),
              "[addmm] shapes {} and {} cannot be multiplied ({} != {})", mat1.sizes(),
              mat2.sizes(), mat1.size(1), mat2.size(0));
  check_matmul_dtypes(mat1, mat2, "addmm");
  check_same_device(self, mat1, "addmm");
  NABLA_CHECK(self.scalar_type() == mat1.scalar_type(),
              "[addmm] expected self and mat1 to have the same dtype, but got: {} != {}",
              self.scalar_type(), mat1.scalar_type());
  check_integral_scalar(self, beta, "beta");
  check_integral_scalar(self, alpha, "alpha");
  const std::vector<int64_t> shape{mat1.size(0), mat2.size(1)};
  const bool fits = self.dim() <= 2 &&
                    (self.dim() < 1 || self.size(-1) == 1 || self.size(-1) == shape[1]) &&
                    (self.dim() < 2 || self.size(0) == 1 || self.size(0) == shape[0]);
  NABLA_CHECK(fits, "[addmm] self of shape {} cannot be broadcast to the product's shape {}",
              self.sizes(), IntArrayRef(shape));
  Tensor result = make_tensor(shape, self.scalar_type(), self.device());
  const double b = beta.toDouble();
  // beta == 0 ignores self entirely (NaN in self does not propagate), as PyTorch.
  if (b != 0.0) backend_for(self).copy(expand_to(self, shape, "addmm"), result);
  backend_for(self).matmul(mat1, mat2, result, b, alpha.toDouble());
  if (needs_grad(self, mat1, mat2)) {
    record("AddmmBackward0", {result}, {self, mat1, mat2},
           [mat1 = SavedTensor(mat1, false), mat2 = SavedTensor(mat2, false),
            self_sizes = self.sizes().vec(), self_dtype = self.scalar_type(), beta,
            alpha](const variable_list& grads, const Node& node) -> variable_list {
             const Tensor& grad = grads[0];
             // Scaling by 1 is skipped: it would cost a full-size temporary per gradient.
             auto scaled = [](const Tensor& t, const Scalar& s) {
               return s.toDouble() == 1.0 ? t : t * s;
             };
             variable_list out(3);
             if (node.needs_input_grad(0))
               out[0] = grad_for(scaled(grad, beta), self_sizes, self_dtype);
             if (node.needs_input_grad(1)) out[1] = scaled(grad.mm(mat2.unpack(node).t()), alpha);
             if (node.needs_input_grad(2)) out[2] = scaled(mat1.unpack(node).t().mm(grad), alpha);
             return out;
           });
  }
  return result;
}

// ---- dot and outer ------------------------------------------------------------------------

Tensor dot(const Tensor& self, const Tensor& other) {
  check_defined(self, "dot", "self");
  check_defined(other, "dot", "other");
  NABLA_CHECK(self.dim() == 1 && other.dim() == 1,
              "[dot] 1D tensors expected, but got {}D and {}D tensors", self.dim(), other.dim());
  NABLA_CHECK(self.size(0) == other.size(0),
              "[dot] inconsistent tensor size, expected tensor [{}] and src [{}] to have the "
              "same number of elements, but got {} and {} elements respectively",
              self.size(0), other.size(0), self.size(0), other.size(0));
  check_same_device(self, other, "dot");
  NABLA_CHECK(self.scalar_type() == other.scalar_type(),
              "[dot] expected both vectors to have same dtype, but found {} and {}",
              self.scalar_type(), other.scalar_type());
  NABLA_CHECK(self.scalar_type() != kBool, "[dot] not implemented for dtype bool");
  const int64_t k = self.size(0);
  // [1, 1, k] x [1, k, 1]: one row times one column.
  Tensor a = make_view(self, {1, 1, k}, {0, 0, self.stride(0)}, self.storage_offset());
  Tensor b = make_view(other, {1, k, 1}, {0, other.stride(0), 0}, other.storage_offset());
  Tensor result = product(a, b, {});
  if (needs_grad(self, other)) {
    record("DotBackward0", {result}, {self, other},
           [self = SavedTensor(self, false), other = SavedTensor(other, false)](
               const variable_list& grads, const Node& node) -> variable_list {
             const Tensor& grad = grads[0];
             variable_list out(2);
             if (node.needs_input_grad(0)) out[0] = grad * other.unpack(node);
             if (node.needs_input_grad(1)) out[1] = grad * self.unpack(node);
             return out;
           });
  }
  return result;
}

// outer is a broadcast product, as in PyTorch (its gradient is MulBackward0's).
Tensor outer(const Tensor& self, const Tensor& vec2) {
  check_defined(self, "outer", "self");
  check_defined(vec2, "outer", "vec2");
  NABLA_CHECK(self.dim() == 1, "[outer] expected 1-D argument self, but got {}-D", self.dim());
  NABLA_CHECK(vec2.dim() == 1, "[outer] expected 1-D argument vec2, but got {}-D", vec2.dim());
  return self.reshape({self.size(0), 1}) * vec2;
}

// ---- matmul (NumPy rules) -----------------------------------------------------------------

Tensor matmul(const Tensor& self, const Tensor& other) {
  if (autocast_enabled()) {
    const Tensor a = autocast_to_lower(self), b = autocast_to_lower(other);
    if (!a.is_same(self) || !b.is_same(other)) return matmul(a, b);
  }
  check_defined(self, "matmul", "self");
  check_defined(other, "matmul", "other");
  const int64_t da = self.dim(), db = other.dim();
  NABLA_CHECK(da > 0 && db > 0,
              "[matmul] both arguments need at least 1 dimension, but they are {}D and {}D", da,
              db);
  const int64_t k = self.size(-1);
  const int64_t k2 = db == 1 ? other.size(0) : other.size(-2);
  NABLA_CHECK(k == k2, "[matmul] shapes {} and {} cannot be multiplied ({} != {})", self.sizes(),
              other.sizes(), k, k2);
  check_matmul_dtypes(self, other, "matmul");
  if (da == 1 && db == 1) return dot(self, other);
  if (da == 2 && db == 1) return detail::unsafe_view(self.mm(other.unsqueeze(1)), {self.size(0)});
  if (da == 1 && db == 2) return detail::unsafe_view(self.unsqueeze(0).mm(other), {other.size(1)});
  if (da == 2 && db == 2) return self.mm(other);
  if (da >= 3 && db <= 2) {
    // Fold the batch dims of self into the rows: one mm (no copy when self allows a view).
    std::vector<int64_t> out_shape(self.sizes().begin(), self.sizes().end() - 1);
    const int64_t rows = compute_numel(out_shape);
    const Tensor rhs = db == 1 ? other.unsqueeze(1) : other;
    if (db == 2) out_shape.push_back(other.size(1));
    return detail::unsafe_view(self.reshape({rows, k}).mm(rhs), out_shape);
  }
  // General case: broadcast the batch dims, flatten them into one, and bmm.
  const Tensor a = da == 1 ? self.unsqueeze(0) : self;
  const Tensor b = db == 1 ? other.unsqueeze(1) : other;
  const int64_t n = a.size(-2), m = b.size(-1);
  const IntArrayRef ba = a.sizes().slice(0, a.dim() - 2), bb = b.sizes().slice(0, b.dim() - 2);
  std::vector<int64_t> batch = broadcast_shapes(ba, bb, "matmul");
  const int64_t nb = compute_numel(batch);
  std::vector<int64_t> ea = batch, eb = batch;
  ea.insert(ea.end(), {n, k});
  eb.insert(eb.end(), {k, m});
  Tensor r = a.expand(ea).reshape({nb, n, k}).bmm(b.expand(eb).reshape({nb, k, m}));
  std::vector<int64_t> out_shape = batch;
  if (da > 1) out_shape.push_back(n);
  if (db > 1) out_shape.push_back(m);
  return detail::unsafe_view(r, out_shape);
}

// 2-D @ 2-D and 3-D @ 3-D of one batch size write into out as mm_out and bmm_out; the other
// cases compute matmul (not autocast) and copy.
Tensor& matmul_out(Tensor& out, const Tensor& self, const Tensor& other) {
  check_out(out, {&self, &other}, "matmul_out");
  check_defined(self, "matmul_out", "self");
  check_defined(other, "matmul_out", "other");
  if (self.dim() == 2 && other.dim() == 2) return mm_out(out, self, other);
  if (self.dim() == 3 && other.dim() == 3 && self.size(0) == other.size(0))
    return bmm_out(out, self, other);
  const autocast no_autocast(kCPU, kBFloat16, false);
  return write_out(out, matmul(self, other), "matmul_out");
}

// ---- Tensor methods -------------------------------------------------------------------------

Tensor Tensor::mm(const Tensor& mat2) const { return nabla::mm(*this, mat2); }
Tensor Tensor::bmm(const Tensor& mat2) const { return nabla::bmm(*this, mat2); }
Tensor Tensor::matmul(const Tensor& other) const { return nabla::matmul(*this, other); }
Tensor Tensor::addmm(const Tensor& mat1, const Tensor& mat2, const Scalar& beta,
                     const Scalar& alpha) const {
  return nabla::addmm(*this, mat1, mat2, beta, alpha);
}
Tensor Tensor::dot(const Tensor& other) const { return nabla::dot(*this, other); }
Tensor Tensor::outer(const Tensor& vec2) const { return nabla::outer(*this, vec2); }

}  // namespace nabla
