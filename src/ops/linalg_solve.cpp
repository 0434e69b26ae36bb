// Linear algebra on square matrices through their LU factorization (Backend::lu_factor, LAPACK's
// getrf on the CPU): det, slogdet, logdet, inverse and solve, batched over leading dims. Their
// gradients are written with these same ops and matmul, so second derivatives work:
//   inverse:  dA = -Y^T g Y^T (Y = A^-1)
//   solve:    dB = A^-T g,  dA = -dB X^T (X = A^-1 B)
//   slogdet:  dA = g A^-T (for log|det|);  det: dA = g det A^-T, or at a singular A the
//             adjugate through the SVD (PyTorch's formula)
// A singular matrix raises in inverse and solve, and in the gradient of slogdet (which needs
// A^-1), rather than returning infinities.
#include <algorithm>
#include <limits>

#include "nabla/creation.h"
#include "ops/linalg_common.h"

namespace nabla {

using namespace detail;  // NOLINT: op helpers

namespace {

// The LU factorization of each matrix of a [*, n, n] (no graph): lu [B, n, n] in LAPACK's
// column-major order (a's matrices transposed, then contiguous), pivots [B, n].
struct Lu {
  Tensor lu, pivots;
};

Lu factor(const Tensor& a) {
  NoGradGuard no_grad;
  const int64_t n = a.size(-1);
  Tensor lu = a.detach().to(lapack_type(a)).reshape({-1, n, n}).transpose(1, 2).contiguous();
  if (lu.data_ptr() == a.data_ptr()) lu = lu.clone();  // never factor the caller's storage
  Tensor pivots = make_tensor({lu.size(0), n}, kInt, a.device());
  backend_for(a).lu_factor(lu, pivots);
  return {lu, pivots};
}

// sign(det) and log|det| of each matrix from its factorization, shaped as a's batch dims.
std::tuple<Tensor, Tensor> sign_and_logabs(const Tensor& a, const Lu& f) {
  NoGradGuard no_grad;
  const int64_t n = a.size(-1);
  const std::vector<int64_t> batch(a.sizes().begin(), a.sizes().end() - 2);
  const Tensor u = f.lu.diagonal(0, 1, 2);  // U's diagonal [B, n]
  // Each pivot that is not its own row is a row swap: the sign flips once per swap.
  const Tensor rows = arange(1, n + 1, TensorOptions().dtype(kInt).device(a.device())).view({1, n});
  const Tensor swap_sign = (1 - 2 * f.pivots.ne(rows).to(u.scalar_type())).prod(1);
  const Tensor sign = u.sign().prod(1) * swap_sign;
  const Tensor logabs = u.abs().log().sum({1});
  return {sign.reshape(batch).to(a.scalar_type()), logabs.reshape(batch).to(a.scalar_type())};
}

// X with A X = B for a [*, n, n] and b [*, n, k] of the same batch dims (no graph).
Tensor solve_plain(const Tensor& a, const Tensor& b, const char* op) {
  NoGradGuard no_grad;
  const int64_t n = a.size(-1), k = b.size(-1);
  const Lu f = factor(a);
  Tensor x = b.detach().to(lapack_type(a)).reshape({-1, n, k}).transpose(1, 2).contiguous();
  if (x.data_ptr() == b.data_ptr()) x = x.clone();
  NABLA_CHECK(backend_for(a).lu_solve(f.lu, f.pivots, x),
              "[{}] the input matrix is singular (its LU factorization has a zero on the "
              "diagonal), so the system cannot be solved",
              op);
  return x.transpose(1, 2).reshape(b.sizes()).to(b.scalar_type());  // x: [B, k, n]
}

// The products of all values but one along the last dim (zeros allowed, no division): the
// exclusive running products from the left times those from the right.
Tensor products_of_the_others(const Tensor& s) {
  const int64_t k = s.size(-1);
  const Tensor one = ones_like(s.narrow(-1, 0, 1));
  const Tensor left = cat({one, s.narrow(-1, 0, k - 1).cumprod(-1)}, -1);
  const Tensor reversed = s.flip({-1});
  const Tensor right = cat({one, reversed.narrow(-1, 0, k - 1).cumprod(-1)}, -1).flip({-1});
  return left * right;
}

// g * the transposed adjugate of A, for A singular (where det A^-T does not exist): with A = U S
// Vh, adj(A)^T = det(U) det(Vh) U diag(prod of the other singular values) Vh (PyTorch's
// linalg_det_backward). det(U) det(Vh) is +-1 and locally constant.
Tensor det_gradient_of_singular(const Tensor& g, const Tensor& A) {
  auto [U, S, Vh] = linalg_svd(A);
  Tensor sign;
  {
    NoGradGuard no_grad;
    sign = nabla::det(U) * nabla::det(Vh);
  }
  const Tensor scale = (g * sign).unsqueeze(-1);
  return (U * (scale * products_of_the_others(S)).unsqueeze(-2)).matmul(Vh);
}

}  // namespace

std::tuple<Tensor, Tensor> slogdet(const Tensor& self) {
  check_square(self, "linalg.slogdet");
  auto [sign, logabs] = sign_and_logabs(self, factor(self));
  if (needs_grad(self)) {
    record("LinalgSlogdetBackward0", {logabs}, {self},
           [a = SavedTensor(self, false)](const variable_list& grads,
                                          const Node& node) -> variable_list {
             const Tensor& g = grads[0];
             return {g.unsqueeze(-1).unsqueeze(-1) * mT(nabla::inverse(a.unpack(node)))};
           });
  }
  return {sign, logabs};
}

Tensor det(const Tensor& self) {
  check_square(self, "linalg.det");
  auto [sign, logabs] = sign_and_logabs(self, factor(self));
  Tensor result;
  {
    NoGradGuard no_grad;
    result = sign * logabs.exp();
  }
  if (needs_grad(self)) {
    record("LinalgDetBackward0", {result}, {self},
           [a = SavedTensor(self, false), d = SavedTensor(result, true)](
               const variable_list& grads, const Node& node) -> variable_list {
             const Tensor A = a.unpack(node);
             Tensor inv;
             try {
               inv = nabla::inverse(A);
             } catch (const Error&) {  // singular: the adjugate through the SVD, as PyTorch
               return {det_gradient_of_singular(grads[0], A)};
             }
             const Tensor scale = (grads[0] * d.unpack(node)).unsqueeze(-1).unsqueeze(-1);
             return {scale * mT(inv)};
           });
  }
  return result;
}

// log(det): NaN for a negative determinant, -inf for a zero one (as PyTorch's logdet).
Tensor logdet(const Tensor& self) {
  auto [sign, logabs] = slogdet(self);
  return where(sign.lt(0), std::numeric_limits<double>::quiet_NaN(),
               where(sign.eq(0), -std::numeric_limits<double>::infinity(), logabs));
}

Tensor inverse(const Tensor& self) {
  check_square(self, "linalg.inv");
  const int64_t n = self.size(-1);
  const Tensor eye_batch =
      eye(n, TensorOptions().dtype(self.scalar_type()).device(self.device())).expand(self.sizes());
  Tensor result = solve_plain(self, eye_batch, "linalg.inv");
  if (needs_grad(self)) {
    record("LinalgInvExBackward0", {result}, {self},
           [y = SavedTensor(result, true)](const variable_list& grads,
                                           const Node& node) -> variable_list {
             const Tensor yt = mT(y.unpack(node));
             return {-yt.matmul(grads[0]).matmul(yt)};
           });
  }
  return result;
}

// A X = B (left) or X A = B; B a matrix batch [*, n, k] or a vector batch [*, n].
Tensor linalg_solve(const Tensor& A, const Tensor& B, bool left) {
  check_square(A, "linalg.solve");
  check_right_hand_side(A, B, "linalg.solve");
  if (!left) return mT(linalg_solve(mT(A), mT(B), true));
  // PyTorch's rule: B is a batch of vectors when it is 1-D, or has A's batch dims and one less.
  const bool vector = B.dim() == 1 || (B.dim() == A.dim() - 1 &&
                                       B.sizes() == A.sizes().slice(0, size_t(A.dim() - 1)));
  const Tensor Bm = vector ? B.unsqueeze(-1) : B;
  NABLA_CHECK(Bm.dim() >= 2 && Bm.size(-2) == A.size(-1),
              "[linalg.solve] incompatible shapes of A and B for the equation AX = B ({} and {})",
              A.sizes(), B.sizes());
  auto [a, b] = broadcast_batch(A, Bm, "linalg.solve");
  Tensor x = solve_plain(a, b, "linalg.solve");
  if (needs_grad(a, b)) {
    record("LinalgSolveExBackward0", {x}, {a, b},
           [a_saved = SavedTensor(a, false), x_saved = SavedTensor(x, true)](
               const variable_list& grads, const Node& node) -> variable_list {
             const Tensor gb = linalg_solve(mT(a_saved.unpack(node)), grads[0], true);
             variable_list out(2);
             if (node.needs_input_grad(0)) out[0] = -gb.matmul(mT(x_saved.unpack(node)));
             if (node.needs_input_grad(1)) out[1] = gb;
             return out;
           });
  }
  return vector ? x.squeeze(-1) : x;
}

Tensor linalg_tensorinv(const Tensor& self, int64_t ind) {
  check_defined(self, "linalg.tensorinv");
  NABLA_CHECK(ind > 0 && ind <= self.dim(),
              "[linalg.tensorinv] expected 'ind' in [1, {}] (self's dims), but got {}", self.dim(),
              ind);
  int64_t rows = 1, cols = 1;
  for (int64_t d = 0; d < self.dim(); ++d) (d < ind ? rows : cols) *= self.size(d);
  NABLA_CHECK(rows == cols,
              "[linalg.tensorinv] expected self to satisfy prod(self.shape[ind:]) == "
              "prod(self.shape[:ind]), but got {} != {} (shape {}, ind {})",
              cols, rows, self.sizes(), ind);
  std::vector<int64_t> shape(self.sizes().begin() + ind, self.sizes().end());
  shape.insert(shape.end(), self.sizes().begin(), self.sizes().begin() + ind);
  return inverse(self.reshape({rows, cols})).reshape(shape);
}

Tensor linalg_tensorsolve(const Tensor& self, const Tensor& other, OptionalIntArrayRef dims) {
  check_defined(self, "linalg.tensorsolve");
  check_defined(other, "linalg.tensorsolve", "other");
  Tensor a = self;
  if (dims && !dims->empty()) {  // those dims of self go to the end, in order
    std::vector<int64_t> to(dims->size());
    for (size_t i = 0; i < to.size(); ++i) to[i] = self.dim() - static_cast<int64_t>(to.size() - i);
    a = self.movedim(*dims, to);
  }
  NABLA_CHECK(a.dim() >= other.dim(),
              "[linalg.tensorsolve] self ({}) must have at least the dims of other ({})", a.sizes(),
              other.sizes());
  const std::vector<int64_t> shape(a.sizes().begin() + other.dim(), a.sizes().end());
  int64_t cols = 1;
  for (int64_t s : shape) cols *= s;
  NABLA_CHECK(cols == other.numel(),
              "[linalg.tensorsolve] expected self to satisfy prod(self.shape[other.ndim:]) == "
              "prod(self.shape[:other.ndim]), but got {} != {} (self {}, other {})",
              cols, other.numel(), a.sizes(), other.sizes());
  return linalg_solve(a.reshape({other.numel(), cols}), other.reshape({other.numel()}))
      .reshape(shape);
}

Tensor linalg_det(const Tensor& A) { return det(A); }
std::tuple<Tensor, Tensor> linalg_slogdet(const Tensor& A) { return slogdet(A); }
Tensor linalg_inv(const Tensor& A) { return inverse(A); }

namespace linalg {
Tensor det(const Tensor& A) { return nabla::det(A); }
std::tuple<Tensor, Tensor> slogdet(const Tensor& A) { return nabla::slogdet(A); }
Tensor inv(const Tensor& A) { return nabla::inverse(A); }
Tensor solve(const Tensor& A, const Tensor& B, bool left) { return linalg_solve(A, B, left); }
Tensor tensorinv(const Tensor& self, int64_t ind) { return linalg_tensorinv(self, ind); }
Tensor tensorsolve(const Tensor& self, const Tensor& other, OptionalIntArrayRef dims) {
  return linalg_tensorsolve(self, other, dims);
}
Tensor linalg_det(const Tensor& A) { return nabla::det(A); }
}  // namespace linalg

Tensor Tensor::det() const { return nabla::det(*this); }
Tensor Tensor::logdet() const { return nabla::logdet(*this); }
std::tuple<Tensor, Tensor> Tensor::slogdet() const { return nabla::slogdet(*this); }
Tensor Tensor::inverse() const { return nabla::inverse(*this); }

}  // namespace nabla
