// The LU factorization as LibTorch exposes it (linalg_lu_factor, linalg_lu, lu_unpack,
// linalg_lu_solve, the _ex forms with their info) and the matrix exponential. The factorization
// is Backend::lu_factor (LAPACK's getrf); everything after it is differentiable ops:
//   lu:      A = P L U; dA = P L^-H (tril(L^H gL, -1) + triu(gU U^H)) U^-H (PyTorch's
//            linalg_lu_backward for square A), itself written with triangular solves, so
//            second derivatives work;
//   lu_factor: LU = (L - I) + U of lu's factors, so its gradient is lu's;
//   lu_solve: two triangular solves and the row permutation;
//   matrix_exp: scaling and squaring with the degree-13 Pade approximant (Higham 2005), a
//            composition of products and one solve, differentiated through.
#include <cmath>
#include <vector>

#include "nabla/autocast.h"
#include "nabla/creation.h"
#include "ops/linalg_common.h"

namespace nabla {

using namespace detail;  // NOLINT: op helpers

namespace {

struct Packed {
  Tensor lu;      // [*, n, n], L below the diagonal and U on and above, A's dtype
  Tensor pivots;  // [*, n] int32, LAPACK's 1-based row swaps
  Tensor info;    // [*] int32: k where U[k-1, k-1] is the first zero, else 0
};

void check_pivot(bool pivot, const char* op) {
  NABLA_CHECK(pivot, "[{}] LU without pivoting is not implemented on the CPU", op);
}

// A's LU factorization without a graph.
Packed factor(const Tensor& A, const char* op) {
  check_square(A, op);
  NoGradGuard no_grad;
  const int64_t n = A.size(-1);
  const std::vector<int64_t> batch(A.sizes().begin(), A.sizes().end() - 2);
  // LAPACK reads column-major matrices: the transposes, contiguous.
  Tensor lu = A.detach().to(lapack_type(A)).reshape({-1, n, n}).transpose(1, 2).contiguous();
  if (lu.data_ptr() == A.data_ptr()) lu = lu.clone();  // never factor the caller's storage
  Tensor pivots = make_tensor({lu.size(0), n}, kInt, A.device());
  if (lu.numel() > 0) backend_for(A).lu_factor(lu, pivots);
  Packed p;
  p.lu = lu.transpose(1, 2).reshape(A.sizes()).to(A.scalar_type());
  std::vector<int64_t> pivot_shape = batch;
  pivot_shape.push_back(n);
  p.pivots = pivots.reshape(pivot_shape);
  const Tensor zero_on_diagonal = p.lu.diagonal(0, -2, -1).eq(0).to(kInt);
  p.info =
      n == 0
          ? zeros(batch, TensorOptions(kInt).device(A.device()))
          : where(zero_on_diagonal.amax({-1}).gt(0), zero_on_diagonal.argmax(-1) + 1, 0).to(kInt);
  return p;
}

// Raises, naming the first singular matrix of the batch and its zero pivot, when info has one.
void raise_if_singular(const Tensor& info, const char* op) {
  if (!holds_values(info) || info.numel() == 0) return;
  const Tensor flat = info.reshape({-1});
  if (flat.amax().item<int64_t>() == 0) return;
  const int64_t element = flat.ne(0).to(kInt).argmax(0).item<int64_t>();
  const int64_t k = flat[element].item<int64_t>();
  NABLA_ERROR(
      "[{}] (batch element {}): U[{}, {}] is zero: the input is not invertible, and solving "
      "with its LU factorization would divide by zero (linalg.lu and linalg.lu_factor_ex "
      "factor it without this check)",
      op, element, k, k);
}

// P [*, n, n] with A = P L U from getrf's sequential row swaps (computed on the host: n
// integers per matrix).
Tensor permutation_matrix(const Tensor& pivots, int64_t n, ScalarType dtype) {
  const std::vector<int64_t> batch(pivots.sizes().begin(), pivots.sizes().end() - 1);
  std::vector<int64_t> shape = batch;
  shape.insert(shape.end(), {n, n});
  const TensorOptions on = TensorOptions(dtype).device(pivots.device());
  if (!holds_values(pivots)) return zeros(shape, on);
  const Tensor swaps = pivots.to(kLong).reshape({-1, n}).cpu().contiguous();
  const int64_t count = swaps.size(0);
  std::vector<int64_t> columns(static_cast<size_t>(count * n));
  const int64_t* s = swaps.data_ptr<int64_t>();
  for (int64_t b = 0; b < count; ++b) {
    int64_t* perm = columns.data() + b * n;
    for (int64_t i = 0; i < n; ++i) perm[i] = i;
    for (int64_t i = 0; i < n; ++i) {
      const int64_t j = s[b * n + i] - 1;
      NABLA_CHECK(j >= i && j < n, "[lu_unpack] pivot {} of matrix {} is {}, outside [{}, {}]", i,
                  b, j + 1, i + 1, n);
      std::swap(perm[i], perm[j]);
    }
  }
  // The swaps send row perm[i] of A to row i of L U, so P[perm[i], i] = 1.
  const Tensor rows =
      tensor(columns, TensorOptions(kLong)).to(pivots.device()).reshape({count, n, 1});
  const Tensor P = zeros({count, n, n}, on).scatter(1, rows.transpose(1, 2), 1.0);
  return P.reshape(shape);
}

}  // namespace

std::tuple<Tensor, Tensor, Tensor> lu_unpack(const Tensor& LU_data, const Tensor& LU_pivots,
                                             bool unpack_data, bool unpack_pivots) {
  const char* op = "lu_unpack";
  check_square(LU_data, op);
  check_defined(LU_pivots, op, "LU_pivots");
  const int64_t n = LU_data.size(-1);
  NABLA_CHECK(LU_pivots.scalar_type() == kInt || LU_pivots.scalar_type() == kLong,
              "[{}] LU_pivots is expected to be an integer tensor, got {}", op,
              LU_pivots.scalar_type());
  NABLA_CHECK(LU_pivots.dim() == LU_data.dim() - 1 && LU_pivots.size(-1) == n,
              "[{}] LU_pivots {} must be LU_data's batch shape with {} pivots, LU_data {}", op,
              LU_pivots.sizes(), n, LU_data.sizes());
  Tensor P, L, U;
  if (unpack_data) {
    L = LU_data.tril(-1) + eye(n, LU_data.options().requires_grad(false));
    U = LU_data.triu();
  } else {
    L = empty({0}, LU_data.options().requires_grad(false));
    U = empty({0}, LU_data.options().requires_grad(false));
  }
  P = unpack_pivots ? permutation_matrix(LU_pivots, n, LU_data.scalar_type())
                    : empty({0}, LU_data.options().requires_grad(false));
  return {P, L, U};
}

namespace {

// (P, L, U) of A from its factorization f, with the graph back to A.
std::tuple<Tensor, Tensor, Tensor> unpack_with_graph(const Tensor& A, const Packed& f) {
  auto [P, L, U] = lu_unpack(f.lu, f.pivots);
  if (needs_grad(A)) {
    record(
        "LinalgLuBackward0", {L, U}, {A},
        [p = SavedTensor(P, false), l = SavedTensor::output(L, 0), u = SavedTensor::output(U, 1)](
            const variable_list& grads, const Node& node) -> variable_list {
          const Tensor &gL = grads[0], &gU = grads[1];
          const Tensor P = p.unpack(node), L = l.unpack(node), U = u.unpack(node);
          Tensor inner;
          if (gL.defined()) inner = mT(L).matmul(gL).tril(-1);
          if (gU.defined()) {
            const Tensor upper = gU.matmul(mT(U)).triu();
            inner = inner.defined() ? inner + upper : upper;
          }
          // L^-T inner U^-T: two triangular solves (L unit lower, so L^T unit upper).
          Tensor g = linalg_solve_triangular(mT(U), inner, false, false);
          g = linalg_solve_triangular(mT(L), g, true, true, true);
          return {P.matmul(g)};
        })
        ->pass_missing_grads_undefined();
  }
  return {P, L, U};
}

}  // namespace

std::tuple<Tensor, Tensor, Tensor> linalg_lu(const Tensor& A, bool pivot) {
  check_pivot(pivot, "linalg.lu");
  return unpack_with_graph(A, factor(A, "linalg.lu"));
}

std::tuple<Tensor, Tensor, Tensor> linalg_lu_factor_ex(const Tensor& A, bool pivot,
                                                       bool check_errors) {
  const char* op = "linalg.lu_factor_ex";
  check_pivot(pivot, op);
  const Packed f = factor(A, op);
  if (check_errors) raise_if_singular(f.info, op);
  if (!needs_grad(A)) return {f.lu, f.pivots, f.info};
  // Differentiable: the packed factors rebuilt from lu's (the same values: L's unit diagonal
  // cancels exactly), so the gradient is lu's.
  auto [P, L, U] = unpack_with_graph(A, f);
  const Tensor LU = (L - eye(A.size(-1), L.options().requires_grad(false))) + U;
  return {LU, f.pivots, f.info};
}

// As PyTorch's, a singular matrix raises here (its factors are there in linalg_lu_factor_ex).
std::tuple<Tensor, Tensor> linalg_lu_factor(const Tensor& A, bool pivot) {
  auto [LU, pivots, info] = linalg_lu_factor_ex(A, pivot, false);
  raise_if_singular(info, "linalg.lu_factor");
  return {LU, pivots};
}

Tensor linalg_lu_solve(const Tensor& LU, const Tensor& pivots, const Tensor& B, bool left,
                       bool adjoint) {
  const char* op = "linalg.lu_solve";
  check_square(LU, op);
  check_right_hand_side(LU, B, op);
  NABLA_CHECK(B.dim() >= 2, "[{}] B must have at least 2 dimensions, got shape {}", op, B.sizes());
  const int64_t n = LU.size(-1);
  NABLA_CHECK((left ? B.size(-2) : B.size(-1)) == n,
              "[{}] incompatible shapes of A and B for the equation {}: A is {} by {}, B {}", op,
              left ? "AX = B" : "XA = B", n, n, B.sizes());
  // The products by P only move rows: under autocast they stay in the inputs' dtype, as the
  // solves do.
  const autocast keep_dtype(kCPU, kBFloat16, false);
  auto [P, L, U] = lu_unpack(LU, pivots);
  // A = P L U. Left: X = U^-1 L^-1 P^T B, or with the adjoint X = P L^-T U^-T B.
  // Right: X A = B is A^T X^T = B^T.
  const bool transpose_system = left == adjoint;  // solve with A^T
  Tensor rhs = left ? B : mT(B);
  Tensor x;
  if (!transpose_system) {
    x = linalg_solve_triangular(L, mT(P).matmul(rhs), false, true, true);
    x = linalg_solve_triangular(U, x, true);
  } else {
    x = linalg_solve_triangular(mT(U), rhs, false);
    x = linalg_solve_triangular(mT(L), x, true, true, true);
    x = P.matmul(x);
  }
  return left ? x : mT(x);
}

Tensor lu_solve(const Tensor& self, const Tensor& LU_data, const Tensor& LU_pivots) {
  return linalg_lu_solve(LU_data, LU_pivots, self);
}
Tensor Tensor::lu_solve(const Tensor& LU_data, const Tensor& LU_pivots) const {
  return nabla::lu_solve(*this, LU_data, LU_pivots);
}

std::tuple<Tensor, Tensor> linalg_solve_ex(const Tensor& A, const Tensor& B, bool left,
                                           bool check_errors) {
  const char* op = "linalg.solve_ex";
  const Packed f = factor(A, op);
  if (check_errors) raise_if_singular(f.info, op);
  const bool singular =
      holds_values(f.info) && f.info.numel() > 0 && f.info.amax().item<int64_t>() > 0;
  // linalg_solve raises for a singular matrix; the _ex form returns what the substitutions give.
  if (!singular) return {linalg_solve(A, B, left), f.info};
  NoGradGuard no_grad;
  return {linalg_lu_solve(f.lu, f.pivots, B, left), f.info};
}

std::tuple<Tensor, Tensor> linalg_inv_ex(const Tensor& A, bool check_errors) {
  const char* op = "linalg.inv_ex";
  const Packed f = factor(A, op);
  if (check_errors) raise_if_singular(f.info, op);
  const bool singular =
      holds_values(f.info) && f.info.numel() > 0 && f.info.amax().item<int64_t>() > 0;
  if (!singular) return {inverse(A), f.info};
  NoGradGuard no_grad;
  const Tensor identity = eye(A.size(-1), A.options().requires_grad(false)).expand(A.sizes());
  return {linalg_lu_solve(f.lu, f.pivots, identity), f.info};
}

// ---- matrix exponential ----

// e^A = (e^(A / 2^s))^(2^s), with s chosen so that ||A / 2^s||_1 <= theta_13 = 5.37, where the
// [13/13] Pade approximant r(X) = (V - U)^-1 (V + U) is accurate to double precision (Higham,
// "The scaling and squaring method for the matrix exponential revisited", 2005). One s for the
// whole batch (the largest needed): a smaller s would not be more accurate.
Tensor linalg_matrix_exp(const Tensor& self) {
  const char* op = "linalg.matrix_exp";
  check_square(self, op);
  const int64_t n = self.size(-1);
  if (self.numel() == 0) return self.clone();
  const Tensor A = isReducedFloatingType(self.scalar_type()) ? self.to(kFloat) : self;
  // The products run in A's dtype under autocast too (the approximant needs its precision).
  const autocast keep_dtype(kCPU, kBFloat16, false);
  int64_t squarings = 0;
  if (holds_values(A)) {
    NoGradGuard no_grad;
    const double norm = A.abs().sum({-2}).amax().item<double>();  // the largest 1-norm
    NABLA_CHECK(std::isfinite(norm), "[{}] the input has non-finite values", op);
    constexpr double kTheta13 = 5.371920351148152;
    if (norm > kTheta13) squarings = static_cast<int64_t>(std::ceil(std::log2(norm / kTheta13)));
  }
  const Tensor X = squarings > 0 ? A / std::ldexp(1.0, static_cast<int>(squarings)) : A;
  static const double b[] = {64764752532480000.,
                             32382376266240000.,
                             7771770303897600.,
                             1187353796428800.,
                             129060195264000.,
                             10559470521600.,
                             670442572800.,
                             33522128640.,
                             1323241920.,
                             40840800.,
                             960960.,
                             16380.,
                             182.,
                             1.};
  const Tensor I = eye(n, X.options().requires_grad(false));
  const Tensor X2 = X.matmul(X), X4 = X2.matmul(X2), X6 = X4.matmul(X2);
  const Tensor U = X.matmul(X6.matmul(b[13] * X6 + b[11] * X4 + b[9] * X2) + b[7] * X6 + b[5] * X4 +
                            b[3] * X2 + b[1] * I);
  const Tensor V =
      X6.matmul(b[12] * X6 + b[10] * X4 + b[8] * X2) + b[6] * X6 + b[4] * X4 + b[2] * X2 + b[0] * I;
  Tensor R = linalg_solve(V - U, V + U);
  for (int64_t i = 0; i < squarings; ++i) R = R.matmul(R);
  return R.to(self.scalar_type()).contiguous();
}
Tensor matrix_exp(const Tensor& self) { return linalg_matrix_exp(self); }
Tensor Tensor::matrix_exp() const { return linalg_matrix_exp(*this); }

namespace linalg {
std::tuple<Tensor, Tensor> lu_factor(const Tensor& A, bool pivot) {
  return linalg_lu_factor(A, pivot);
}
std::tuple<Tensor, Tensor, Tensor> lu(const Tensor& A, bool pivot) { return linalg_lu(A, pivot); }
Tensor matrix_exp(const Tensor& A) { return linalg_matrix_exp(A); }
std::tuple<Tensor, Tensor> solve_ex(const Tensor& A, const Tensor& B, bool left,
                                    bool check_errors) {
  return linalg_solve_ex(A, B, left, check_errors);
}
}  // namespace linalg

}  // namespace nabla
