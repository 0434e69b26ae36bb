// Running reductions along a dim beside cumsum (ops/manipulation.cpp): cumprod, cummax,
// cummin and logcumsumexp, on Backend::scan; and matrix_power, by repeated squaring.
// Each gradient is written in nabla's ops (cumprod's and logcumsumexp's in these same ops), so
// every order of derivative works.
#include <cmath>
#include <limits>
#include <tuple>

#include "nabla/creation.h"
#include "ops/op_helpers.h"

namespace nabla {

using namespace detail;  // NOLINT: op helpers

namespace {

// t summed from each position to the end of dim.
Tensor reverse_cumsum(const Tensor& t, int64_t d) { return t.flip({d}).cumsum(d).flip({d}); }

// d out_j / d x_k = prod_{i <= j, i != k} x_i for k <= j. Before a slice's first zero that is
// out_j / x_k; at the first zero it is the running product with that zero taken as 1; after
// it, 0 (the first zero is a factor). So a zero never divides.
Tensor cumprod_backward(const Tensor& grad, const Tensor& x, const Tensor& out, int64_t d) {
  const Tensor zero = x.eq(0);
  const Tensor zeros_so_far = zero.cumsum(d);
  const Tensor before = zeros_so_far.eq(0);
  const Tensor first = zero.logical_and(zeros_so_far.eq(1));
  const Tensor grad_before = reverse_cumsum(grad * out, d) / where(before, x, 1);
  const Tensor grad_first = reverse_cumsum(grad * where(first, 1, x).cumprod(d), d);
  return where(before, grad_before, where(first, grad_first, 0));
}

// The most negative finite value of a floating dtype.
double lowest_of(ScalarType t) {
  switch (t) {
    case kDouble:
      return std::numeric_limits<double>::lowest();
    case kHalf:
      return -65504.0;
    case kBFloat16:
      return -3.3895313892515355e38;
    default:
      return std::numeric_limits<float>::lowest();
  }
}

// d out_j / d x_k = exp(x_k - out_j) for k <= j, summed against the gradient in log space,
// its positive and negative parts apart (PyTorch's formula): no exp overflows.
Tensor logcumsumexp_backward(const Tensor& grad, const Tensor& x, const Tensor& out, int64_t d) {
  const double lowest = lowest_of(grad.scalar_type());
  auto part = [&](const Tensor& g) {
    const Tensor positive = g > 0;
    // log(g) where g > 0, else the lowest finite value: -inf would make -inf - -inf = NaN in
    // this formula's own gradient. log's argument is kept positive, so no gradient is 0 / 0.
    const Tensor log_g = where(positive, where(positive, g, 1).log(), lowest);
    return ((log_g - out).flip({d}).logcumsumexp(d).flip({d}) + x).exp();
  };
  return part(grad) - part(-grad);
}

// The dim of a scan over self (a 0-D tensor scans as one element along dim 0 or -1).
int64_t scan_dim(const Tensor& self, int64_t dim, const char* op) {
  check_defined(self, op);
  return wrap_dim(dim, std::max<int64_t>(self.dim(), 1), op);
}

// out = the scan of self (already in out's dtype), indices when Max or Min.
std::tuple<Tensor, Tensor> run_scan(ScanOp op, const Tensor& self, int64_t d) {
  Tensor out = make_tensor(self.sizes(), self.scalar_type(), self.device());
  Tensor indices;
  if (op == ScanOp::Max || op == ScanOp::Min)
    indices = make_tensor(self.sizes(), kLong, self.device());
  backend_for(self).scan(op, self, self.dim() == 0 ? 0 : d, out, indices);
  return {out, indices};
}

std::tuple<Tensor, Tensor> cum_extreme(const Tensor& self, int64_t dim, ScanOp op, const char* name,
                                       const char* node) {
  const int64_t d = scan_dim(self, dim, name);
  // Not a structured binding: clang 14 cannot capture one in the lambda below.
  const std::tuple<Tensor, Tensor> scanned = run_scan(op, self, d);
  const Tensor& values = std::get<0>(scanned);
  const Tensor& indices = std::get<1>(scanned);
  if (needs_grad(self)) {
    // Each position's gradient goes to the element that was the running extreme there.
    record(node, {values}, {self},
           [d, indices, sizes = self.sizes().vec(), zero_dim = self.dim() == 0](
               const variable_list& grads, const Node&) -> variable_list {
             const Tensor& grad = grads[0];
             if (zero_dim) return {grad};
             return {zeros_like(grad).scatter_add(d, indices, grad)};
           });
  }
  return {values, indices};
}

}  // namespace

Tensor cumprod(const Tensor& self, int64_t dim, std::optional<ScalarType> dtype) {
  const int64_t d = scan_dim(self, dim, "cumprod");
  const ScalarType out_dtype =
      dtype.value_or(isFloatingType(self.scalar_type()) ? self.scalar_type() : kLong);
  const Tensor input = cast(self, out_dtype);
  Tensor out = std::get<0>(run_scan(ScanOp::Prod, input, d));
  if (needs_grad(self) && isFloatingType(out_dtype)) {
    record("CumprodBackward0", {out}, {self},
           [d, input = SavedTensor(input, false), result = SavedTensor(out, true),
            self_dtype = self.scalar_type(), zero_dim = self.dim() == 0](
               const variable_list& grads, const Node& node) -> variable_list {
             const Tensor& grad = grads[0];
             if (zero_dim) return {grad.to(self_dtype)};
             return {
                 cumprod_backward(grad, input.unpack(node), result.unpack(node), d).to(self_dtype)};
           });
  }
  return out;
}

std::tuple<Tensor, Tensor> cummax(const Tensor& self, int64_t dim) {
  return cum_extreme(self, dim, ScanOp::Max, "cummax", "CummaxBackward0");
}

std::tuple<Tensor, Tensor> cummin(const Tensor& self, int64_t dim) {
  return cum_extreme(self, dim, ScanOp::Min, "cummin", "CumminBackward0");
}

Tensor logcumsumexp(const Tensor& self, int64_t dim) {
  const int64_t d = scan_dim(self, dim, "logcumsumexp");
  NABLA_CHECK(self.is_floating_point(),
              "[logcumsumexp] expected a floating point tensor, got {} of dtype {}", self.sizes(),
              self.scalar_type());
  Tensor out = std::get<0>(run_scan(ScanOp::LogSumExp, self, d));
  if (needs_grad(self)) {
    record("LogcumsumexpBackward0", {out}, {self},
           [d, input = SavedTensor(self, false), result = SavedTensor(out, true),
            zero_dim = self.dim() == 0](const variable_list& grads,
                                        const Node& node) -> variable_list {
             const Tensor& grad = grads[0];
             if (zero_dim) return {grad};
             return {logcumsumexp_backward(grad, input.unpack(node), result.unpack(node), d)};
           });
  }
  return out;
}

// A^n by repeated squaring (a product of log2(n) squares); n = 0 gives identities, n < 0 powers
// the inverse. The gradient is the products'.
Tensor matrix_power(const Tensor& self, int64_t n) {
  check_defined(self, "matrix_power");
  NABLA_CHECK(self.dim() >= 2 && self.size(-1) == self.size(-2),
              "[matrix_power] expected a tensor of square matrices [..., n, n], got {}",
              self.sizes());
  if (n == 1) return self.clone();
  if (n == 0) {
    const Tensor identity =
        eye(self.size(-1), TensorOptions().dtype(self.scalar_type()).device(self.device()));
    return identity.expand(self.sizes()).clone();
  }
  Tensor base = n < 0 ? inverse(self) : self;
  uint64_t e = n < 0 ? static_cast<uint64_t>(-(n + 1)) + 1 : static_cast<uint64_t>(n);
  Tensor result;
  for (;;) {
    if (e & 1) result = result.defined() ? matmul(result, base) : base;
    e >>= 1;
    if (e == 0) break;
    base = matmul(base, base);
  }
  return result;
}

namespace linalg {
Tensor matrix_power(const Tensor& A, int64_t n) { return nabla::matrix_power(A, n); }
}  // namespace linalg

Tensor Tensor::cumprod(int64_t dim, std::optional<ScalarType> dtype) const {
  return nabla::cumprod(*this, dim, dtype);
}
Tensor& Tensor::cumprod_(int64_t dim) const {
  return apply_inplace(const_cast<Tensor&>(*this), "cumprod_", Tensor(),
                       [&](const Tensor& v) { return nabla::cumprod(v, dim, v.scalar_type()); });
}
std::tuple<Tensor, Tensor> Tensor::cummax(int64_t dim) const { return nabla::cummax(*this, dim); }
std::tuple<Tensor, Tensor> Tensor::cummin(int64_t dim) const { return nabla::cummin(*this, dim); }
Tensor Tensor::logcumsumexp(int64_t dim) const { return nabla::logcumsumexp(*this, dim); }
Tensor Tensor::matrix_power(int64_t n) const { return nabla::matrix_power(*this, n); }

}  // namespace nabla
