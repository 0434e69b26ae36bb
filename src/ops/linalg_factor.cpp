// Factorizations through LAPACK (Backend::cholesky, triangular_solve, symmetric_eigen, svd, qr) and
// what is built on them: cholesky, solve_triangular, cholesky_solve and cholesky_inverse, eigh,
// svd, qr, lstsq, pinv and matrix_rank, batched over leading dims. Gradients are PyTorch's formulas
// for real matrices, written with differentiable ops so that second derivatives work:
//   cholesky:          gA = L^-T Phi(L^T gL) L^-1, Phi = the lower triangle, diagonal halved,
//                      made symmetric
//   solve_triangular:  gB = A^-T gX (left), gA = -gB X^T, kept to A's triangle
//   eigh:              gA = V (diag(gL) + skew(V^T gV) / E) V^T, E_ij = L_j - L_i
//   svd:               svd_backward below
//   qr:                gA = (gQ + Q copyltu(R gR^T - gQ^T Q)) R^-T (qr_backward below)
// cholesky_solve, cholesky_inverse, lstsq, pinv and the matrix norms are compositions of these.
#include <cmath>
#include <limits>

#include "nabla/creation.h"
#include "ops/linalg_common.h"

namespace nabla {

using namespace detail;  // NOLINT: op helpers

namespace {

// a's matrices as a contiguous [B, r, c] batch in LAPACK's dtype: a view of a where it is one.
Tensor batch_view(const Tensor& a) {
  NoGradGuard no_grad;
  int64_t batch = 1;
  for (int64_t d = 0; d + 2 < a.dim(); ++d) batch *= a.size(d);
  return a.detach().to(lapack_type(a)).reshape({batch, a.size(-2), a.size(-1)}).contiguous();
}

// The same as a copy, never a's own storage, for LAPACK to overwrite.
Tensor batch_copy(const Tensor& a) {
  const Tensor t = batch_view(a);
  if (t.numel() > 0 && t.data_ptr() == a.data_ptr()) return t.clone();
  return t;
}

void check_matrix(const Tensor& a, const char* op) {
  check_defined(a, op, "A");
  NABLA_CHECK(a.dim() >= 2, "[{}] the input tensor A must have at least 2 dimensions, got shape {}",
              op, a.sizes());
  NABLA_CHECK(a.is_floating_point(), "[{}] expected a floating point matrix, got {}", op,
              a.scalar_type());
}

// ---- Cholesky ----

// L with A = L L^T, with its graph.
Tensor cholesky_lower(const Tensor& A) {
  check_square(A, "linalg.cholesky");
  Tensor L;
  {
    NoGradGuard no_grad;
    const Tensor f = batch_copy(A);
    backend_for(A).cholesky(f);
    L = f.tril_().reshape(A.sizes()).to(A.scalar_type());
  }
  if (needs_grad(A)) {
    record(
        "LinalgCholeskyExBackward0", {L}, {A},
        [l = SavedTensor(L, true)](const variable_list& grads, const Node& node) -> variable_list {
          const Tensor L = l.unpack(node);
          Tensor phi = mT(L).matmul(grads[0]).tril();
          phi = 0.5 * (phi + mT(phi.tril(-1)));
          const Tensor left = linalg_solve_triangular(mT(L), phi, true, true);
          return {linalg_solve_triangular(L, left, false, false)};
        });
  }
  return L;
}

// ---- symmetric eigendecomposition ----

bool parse_uplo(std::string_view uplo, const char* op) {
  NABLA_CHECK(uplo == "L" || uplo == "U" || uplo == "l" || uplo == "u",
              "[{}] expected UPLO argument to be 'L' or 'U', but got {}", op, std::string(uplo));
  return uplo == "U" || uplo == "u";
}

// (eigenvalues, eigenvectors as columns or undefined), without a graph.
std::pair<Tensor, Tensor> eigen_plain(const Tensor& A, bool upper, bool vectors) {
  NoGradGuard no_grad;
  const int64_t n = A.size(-1);
  const Tensor f = batch_copy(A);
  const Tensor w = make_tensor({f.size(0), n}, f.scalar_type(), A.device());
  backend_for(A).symmetric_eigen(f, upper, w, vectors);
  const Tensor values = w.reshape(batch_shape(A, {n})).to(A.scalar_type());
  if (!vectors) return {values, Tensor()};
  return {values, mT(f).contiguous().reshape(A.sizes()).to(A.scalar_type())};
}

// ---- singular value decomposition ----

void check_driver(const std::optional<std::string_view>& driver, const char* op) {
  NABLA_CHECK(!driver || *driver == "gesdd",
              "[{}] driver '{}' is not available: nabla computes the SVD with LAPACK's gesdd "
              "(pass no driver, or \"gesdd\")",
              op, std::string(driver.value_or("")));
}

// (U, S, Vh) without a graph; U and Vh undefined without `vectors`.
std::tuple<Tensor, Tensor, Tensor> svd_plain(const Tensor& A, bool vectors, bool full) {
  NoGradGuard no_grad;
  const int64_t m = A.size(-2), n = A.size(-1), k = std::min(m, n);
  const Tensor f = batch_copy(A);
  const int64_t batch = f.size(0);
  const ScalarType t = f.scalar_type();
  const Tensor s = make_tensor({batch, k}, t, A.device());
  Tensor u, vh;
  if (vectors) {
    u = make_tensor({batch, m, full ? m : k}, t, A.device());
    vh = make_tensor({batch, full ? n : k, n}, t, A.device());
  }
  backend_for(A).svd(f, s, u, vh);
  const ScalarType out = A.scalar_type();
  const Tensor S = s.reshape(batch_shape(A, {k})).to(out);
  if (!vectors) return {Tensor(), S, Tensor()};
  return {u.reshape(batch_shape(A, {m, u.size(2)})).to(out), S,
          vh.reshape(batch_shape(A, {vh.size(1), n})).to(out)};
}

// gA for the reduced SVD A = U diag(S) Vh (PyTorch's svd_backward, real case): the gradients of
// U and Vh enter through the skew-symmetric parts of U^T gU and Vh gVh^T divided by
// E_ij = S_j^2 - S_i^2, and, for a non-square A, through the parts of gU and gVh outside the
// spans of U and V. An undefined gradient is an unused output, whose terms are skipped.
Tensor svd_backward(const Tensor& gU, const Tensor& gS, const Tensor& gVh, const Tensor& U,
                    const Tensor& S, const Tensor& Vh) {
  const int64_t m = U.size(-2), n = Vh.size(-1), k = S.size(-1);
  if (!gU.defined() && !gVh.defined()) {  // svdvals: gA = U diag(gS) Vh
    return m >= n ? U.matmul(gS.unsqueeze(-1) * Vh) : (U * gS.unsqueeze(-2)).matmul(Vh);
  }
  const auto skew = [](const Tensor& x) { return x - mT(x); };
  const Tensor S2 = S * S;
  // E_ij = S_j^2 - S_i^2 off the diagonal, 1 on it (where the skew parts are 0).
  const Tensor E = S2.unsqueeze(-2) - S2.unsqueeze(-1) + eye(k, S.options());
  Tensor gA;
  if (gU.defined() && gVh.defined()) {
    gA =
        (skew(mT(U).matmul(gU)) * S.unsqueeze(-2) + S.unsqueeze(-1) * skew(Vh.matmul(mT(gVh)))) / E;
  } else if (gU.defined()) {
    gA = skew(mT(U).matmul(gU)) * S.unsqueeze(-2) / E;
  } else {
    gA = S.unsqueeze(-1) * skew(Vh.matmul(mT(gVh))) / E;
  }
  if (gS.defined()) gA = gA + gS.diag_embed();
  if (m > k && gU.defined()) {  // gA = [U gA + (I - U U^T) gU S^-1] Vh
    const Tensor gU_over_S = gU / S.unsqueeze(-2);
    gA = U.matmul(gA) + gU_over_S - U.matmul(mT(U).matmul(gU_over_S));
    return gA.matmul(Vh);
  }
  if (n > k && gVh.defined()) {  // gA = U [gA Vh + S^-1 gVh (I - V Vh)]
    const Tensor gVh_over_S = gVh / S.unsqueeze(-1);
    gA = gA.matmul(Vh) + gVh_over_S - gVh_over_S.matmul(mT(Vh)).matmul(Vh);
    return U.matmul(gA);
  }
  return m >= n ? U.matmul(gA.matmul(Vh)) : U.matmul(gA).matmul(Vh);
}

// ---- QR ----

// gA for A = Q R with Q [*, m, n] and R [*, n, n] (m >= n): gA = (gQ + Q copyltu(M)) R^-T with
// M = R gR^T - gQ^T Q and copyltu(M) = tril(M) + tril(M, -1)^T (arXiv 2009.10071, sec. 4.3).
Tensor qr_backward_tall(const Tensor& gQ, const Tensor& gR, const Tensor& Q, const Tensor& R) {
  Tensor M;
  if (gR.defined()) M = R.matmul(mT(gR));
  if (gQ.defined()) M = M.defined() ? M - mT(gQ).matmul(Q) : -mT(gQ).matmul(Q);
  Tensor b = Q.matmul(M.tril() + mT(M.tril(-1)));
  if (gQ.defined()) b = b + gQ;
  return linalg_solve_triangular(mT(R), b, false, false);
}

// gA for A = Q R, also for a wide A (m < n): there A = [X | Y] with X = Q R1 square and
// Y = Q R2, so gY = Q gR2, and R2 = Q^T Y adds Y gR2^T to Q's gradient.
Tensor qr_backward(const Tensor& gQ, const Tensor& gR, const Tensor& Q, const Tensor& R) {
  const int64_t m = Q.size(-2), n = R.size(-1);
  if (m >= n) return qr_backward_tall(gQ, gR, Q, R);
  const Tensor R1 = R.narrow(-1, 0, m), R2 = R.narrow(-1, m, n - m);
  if (!gR.defined()) {
    return cat({qr_backward_tall(gQ, gR, Q, R1), zeros(batch_shape(R2, {m, n - m}), R.options())},
               -1);
  }
  const Tensor gR2 = gR.narrow(-1, m, n - m);
  const Tensor gQ_of_Y = Q.matmul(R2).matmul(mT(gR2));
  const Tensor gX =
      qr_backward_tall(gQ.defined() ? gQ + gQ_of_Y : gQ_of_Y, gR.narrow(-1, 0, m), Q, R1);
  return cat({gX, Q.matmul(gR2)}, -1);
}

// ---- tolerances of pinv and matrix_rank ----

double epsilon_of(ScalarType t) {
  switch (t) {
    case kDouble:
      return std::numeric_limits<double>::epsilon();
    case kHalf:
      return 0.0009765625;  // 2^-10
    case kBFloat16:
      return 0.0078125;  // 2^-7
    default:
      return std::numeric_limits<float>::epsilon();
  }
}

// max(atol, rtol * the largest value) per matrix, [*, 1], for values [*, k] (k > 0), with
// PyTorch's defaults: rtol = eps * max(m, n) unless given, or 0 when only a positive atol is.
Tensor tolerance(const Tensor& values, const Tensor& A, std::optional<double> atol,
                 std::optional<double> rtol) {
  const double default_rtol = epsilon_of(A.scalar_type()) * std::max(A.size(-2), A.size(-1));
  const double r = rtol ? *rtol : (atol && *atol > 0 ? 0.0 : default_rtol);
  return (values.amax({-1}, true) * r).clamp_min(atol.value_or(0.0));
}

}  // namespace

Tensor linalg_cholesky(const Tensor& A, bool upper) {
  const Tensor L = cholesky_lower(A);
  return upper ? mT(L) : L;
}

Tensor cholesky(const Tensor& self, bool upper) { return linalg_cholesky(self, upper); }

Tensor linalg_solve_triangular(const Tensor& A, const Tensor& B, bool upper, bool left,
                               bool unitriangular) {
  const char* op = "linalg.solve_triangular";
  check_square(A, op);
  check_right_hand_side(A, B, op);
  NABLA_CHECK(B.dim() >= 2 && (left ? B.size(-2) : B.size(-1)) == A.size(-1),
              "[{}] incompatible shapes of A and B for the equation {} ({} and {})", op,
              left ? "AX = B" : "XA = B", A.sizes(), B.sizes());
  auto [a, b] = broadcast_batch(A, B, op);
  Tensor x;
  {
    NoGradGuard no_grad;
    const Tensor t = batch_view(a), solution = batch_copy(b);  // trsm only reads t
    backend_for(a).triangular_solve(t, solution, upper, left, unitriangular);
    x = solution.reshape(b.sizes()).to(b.scalar_type());
  }
  if (needs_grad(a, b)) {
    record("LinalgSolveTriangularBackward0", {x}, {a, b},
           [a_saved = SavedTensor(a, false), x_saved = SavedTensor(x, true), upper, left,
            unitriangular](const variable_list& grads, const Node& node) -> variable_list {
             const Tensor A = a_saved.unpack(node), X = x_saved.unpack(node);
             const Tensor gB =
                 linalg_solve_triangular(mT(A), grads[0], !upper, left, unitriangular);
             variable_list out(2);
             if (node.needs_input_grad(0)) {
               const Tensor gA = left ? -gB.matmul(mT(X)) : -mT(X).matmul(gB);
               const int64_t diagonal = unitriangular ? 1 : 0;
               out[0] = upper ? gA.triu(diagonal) : gA.tril(-diagonal);
             }
             if (node.needs_input_grad(1)) out[1] = gB;
             return out;
           });
  }
  return x;
}

Tensor cholesky_solve(const Tensor& self, const Tensor& input2, bool upper) {
  check_square(input2, "cholesky_solve");
  check_defined(self, "cholesky_solve", "B");
  NABLA_CHECK(self.dim() >= 2 && self.size(-2) == input2.size(-1),
              "[cholesky_solve] incompatible shapes of B and the factor ({} and {})", self.sizes(),
              input2.sizes());
  // A = L L^T (or U^T U): X = L^-T L^-1 B.
  const Tensor lower = upper ? mT(input2) : input2;
  const Tensor y = linalg_solve_triangular(lower, self, false, true);
  return linalg_solve_triangular(mT(lower), y, true, true);
}

Tensor cholesky_inverse(const Tensor& self, bool upper) {
  check_square(self, "cholesky_inverse");
  const int64_t n = self.size(-1);
  return cholesky_solve(eye(n, self.options()).expand(self.sizes()), self, upper);
}

std::tuple<Tensor, Tensor> linalg_eigh(const Tensor& A, std::string_view UPLO) {
  check_square(A, "linalg.eigh");
  auto [L, V] = eigen_plain(A, parse_uplo(UPLO, "linalg.eigh"), true);
  if (needs_grad(A)) {
    const int64_t n = A.size(-1);
    record("LinalgEighBackward0", {L, V}, {A},
           [l = SavedTensor::output(L, 0), v = SavedTensor::output(V, 1), n](
               const variable_list& grads, const Node& node) -> variable_list {
             const Tensor &gL = grads[0], &gV = grads[1];
             const Tensor L = l.unpack(node), V = v.unpack(node);
             Tensor inner;
             if (gV.defined()) {
               const Tensor VtgV = mT(V).matmul(gV);
               // E_ij = L_j - L_i off the diagonal, 1 on it (where the skew part is 0).
               const Tensor E = L.unsqueeze(-2) - L.unsqueeze(-1) + eye(n, L.options());
               inner = 0.5 * (VtgV - mT(VtgV)) / E;
               if (gL.defined()) inner = inner + gL.diag_embed();
             } else {
               inner = gL.diag_embed();
             }
             return {V.matmul(inner).matmul(mT(V))};
           })
        ->pass_missing_grads_undefined();
  }
  return {L, V};
}

Tensor linalg_eigvalsh(const Tensor& A, std::string_view UPLO) {
  check_square(A, "linalg.eigvalsh");
  if (needs_grad(A)) return std::get<0>(linalg_eigh(A, UPLO));  // the gradient needs V
  return eigen_plain(A, parse_uplo(UPLO, "linalg.eigvalsh"), false).first;
}

std::tuple<Tensor, Tensor, Tensor> linalg_svd(const Tensor& A, bool full_matrices,
                                              std::optional<std::string_view> driver) {
  check_matrix(A, "linalg.svd");
  check_driver(driver, "linalg.svd");
  auto [U, S, Vh] = svd_plain(A, true, full_matrices);
  if (needs_grad(A)) {
    record("LinalgSvdBackward0", {U, S, Vh}, {A},
           [u = SavedTensor::output(U, 0), s = SavedTensor::output(S, 1),
            vh = SavedTensor::output(Vh, 2)](const variable_list& grads,
                                             const Node& node) -> variable_list {
             // Of the full SVD's U and Vh only the first k columns and rows enter A.
             const Tensor S = s.unpack(node);
             const int64_t k = S.size(-1);
             const auto columns = [k](const Tensor& t) {
               return t.defined() ? t.narrow(-1, 0, k) : t;
             };
             const auto rows = [k](const Tensor& t) {
               return t.defined() ? t.narrow(-2, 0, k) : t;
             };
             return {svd_backward(columns(grads[0]), grads[1], rows(grads[2]),
                                  columns(u.unpack(node)), S, rows(vh.unpack(node)))};
           })
        ->pass_missing_grads_undefined();
  }
  return {U, S, Vh};
}

Tensor linalg_svdvals(const Tensor& A, std::optional<std::string_view> driver) {
  check_matrix(A, "linalg.svdvals");
  check_driver(driver, "linalg.svdvals");
  if (needs_grad(A)) return std::get<1>(linalg_svd(A, false));  // the gradient needs U and Vh
  return std::get<1>(svd_plain(A, false, false));
}

std::tuple<Tensor, Tensor, Tensor> svd(const Tensor& self, bool some, bool compute_uv) {
  check_matrix(self, "svd");
  if (compute_uv) {
    auto [U, S, Vh] = linalg_svd(self, !some);
    return {U, S, mT(Vh)};
  }
  const int64_t m = self.size(-2), n = self.size(-1);
  return {zeros(batch_shape(self, {m, m}), self.options()), linalg_svdvals(self),
          zeros(batch_shape(self, {n, n}), self.options())};
}

std::tuple<Tensor, Tensor> linalg_qr(const Tensor& A, std::string_view mode) {
  check_matrix(A, "linalg.qr");
  NABLA_CHECK(mode == "reduced" || mode == "complete" || mode == "r",
              "[linalg.qr] unrecognized mode '{}': expected 'reduced' (the default), 'complete' or "
              "'r'",
              std::string(mode));
  const int64_t m = A.size(-2), n = A.size(-1), k = std::min(m, n);
  const bool complete = mode == "complete", with_q = mode != "r";
  Tensor Q, R;
  {
    NoGradGuard no_grad;
    const Tensor f = batch_copy(A);
    const int64_t side = complete ? m : k;
    const Tensor r = make_tensor({f.size(0), side, n}, f.scalar_type(), A.device());
    const Tensor q =
        with_q ? make_tensor({f.size(0), m, side}, f.scalar_type(), A.device()) : Tensor();
    backend_for(A).qr(f, q, r);
    R = r.reshape(batch_shape(A, {side, n})).to(A.scalar_type());
    Q = with_q ? q.reshape(batch_shape(A, {m, side})).to(A.scalar_type()) : zeros({0}, A.options());
  }
  if (needs_grad(A)) {
    record("LinalgQrBackward0", {Q, R}, {A},
           [q = SavedTensor::output(Q, 0), r = SavedTensor::output(R, 1), with_q, complete, m, n](
               const variable_list& grads, const Node& node) -> variable_list {
             NABLA_CHECK(with_q,
                         "[linalg.qr] the derivative of linalg.qr depends on Q, which is not "
                         "computed when mode='r': use mode='reduced' to differentiate");
             NABLA_CHECK(!complete || m <= n,
                         "[linalg.qr] the QR decomposition is not differentiable when "
                         "mode='complete' and nrows > ncols ({} > {})",
                         m, n);
             return {qr_backward(grads[0], grads[1], q.unpack(node), r.unpack(node))};
           })
        ->pass_missing_grads_undefined();
  }
  return {Q, R};
}

std::tuple<Tensor, Tensor> qr(const Tensor& self, bool some) {
  return linalg_qr(self, some ? "reduced" : "complete");
}

std::tuple<Tensor, Tensor, Tensor, Tensor> linalg_lstsq(const Tensor& A, const Tensor& B,
                                                        std::optional<double> rcond,
                                                        std::optional<std::string_view> driver) {
  const char* op = "linalg.lstsq";
  check_matrix(A, op);
  check_right_hand_side(A, B, op);
  const std::string name(driver.value_or("gelsy"));
  NABLA_CHECK(name == "gels" || name == "gelsy" || name == "gelsd" || name == "gelss",
              "[{}] parameter `driver` should be one of (gels, gelsy, gelsd, gelss), got '{}'", op,
              name);
  const bool vector = B.dim() == A.dim() - 1;  // PyTorch's rule
  const Tensor Bm = vector ? B.unsqueeze(-1) : B;
  NABLA_CHECK(Bm.dim() >= 2 && Bm.size(-2) == A.size(-2),
              "[{}] incompatible shapes of A and B ({} and {}): B's rows must be A's {} rows", op,
              A.sizes(), B.sizes(), A.size(-2));
  auto [a, b] = broadcast_batch(A, Bm, op);
  const int64_t m = a.size(-2), n = a.size(-1), k = std::min(m, n);
  const TensorOptions long_options = a.options().dtype(kLong);
  const Tensor empty = zeros({0}, a.options());
  Tensor solution, rank = zeros(batch_shape(a, {}), long_options), values;
  if (k == 0) {
    solution = zeros(batch_shape(b, {n, b.size(-1)}), b.options());
    values = zeros(batch_shape(a, {0}), a.options());
  } else {
    // The minimum-norm solution V S^+ U^T B, S^+ leaving out the values at most the tolerance.
    const double eps = epsilon_of(a.scalar_type());
    const double tol = rcond && *rcond >= 0 ? *rcond : rcond ? eps : eps * std::max(m, n);
    auto [U, S, Vh] = linalg_svd(a, false);
    const Tensor keep = S > S.amax({-1}, true) * tol;
    const Tensor S_plus = where(keep, where(keep, S, 1.0).reciprocal(), 0.0);
    solution = mT(Vh).matmul(S_plus.unsqueeze(-1) * mT(U).matmul(b));
    rank = keep.sum({-1});
    values = S.detach();
  }
  Tensor residuals = empty;
  if (m > n && name != "gelsy" && (name == "gels" || rank.eq(n).all().item<bool>()))
    residuals = (a.matmul(solution) - b).square().sum({-2});
  if (name == "gels") rank = zeros({0}, long_options);
  if (name != "gelsd" && name != "gelss") values = empty;
  return {vector ? solution.squeeze(-1) : solution, residuals, rank, values};
}

Tensor linalg_pinv(const Tensor& A, std::optional<double> atol, std::optional<double> rtol,
                   bool hermitian) {
  check_matrix(A, "linalg.pinv");
  const int64_t m = A.size(-2), n = A.size(-1);
  if (A.numel() == 0) return zeros(batch_shape(A, {n, m}), A.options());
  // Values at most the tolerance count as zero; their reciprocal is taken of 1 instead, so that
  // no infinity reaches the gradient.
  const auto reciprocal_above = [&](const Tensor& values, const Tensor& magnitudes) {
    const Tensor keep = magnitudes > tolerance(magnitudes, A, atol, rtol);
    return where(keep, where(keep, values, 1.0).reciprocal(), 0.0);
  };
  if (hermitian) {
    NABLA_CHECK(m == n, "[linalg.pinv] hermitian needs square matrices, got shape {}", A.sizes());
    auto [L, V] = linalg_eigh(A);
    return (V * reciprocal_above(L, L.abs()).unsqueeze(-2)).matmul(mT(V));
  }
  auto [U, S, Vh] = linalg_svd(A, false);
  return (mT(Vh) * reciprocal_above(S, S).unsqueeze(-2)).matmul(mT(U));
}

Tensor linalg_pinv(const Tensor& A, double rcond, bool hermitian) {
  return linalg_pinv(A, 0.0, rcond, hermitian);
}

Tensor pinverse(const Tensor& self, double rcond) { return linalg_pinv(self, rcond); }

Tensor linalg_matrix_rank(const Tensor& A, std::optional<double> atol, std::optional<double> rtol,
                          bool hermitian) {
  check_matrix(A, "linalg.matrix_rank");
  NoGradGuard no_grad;
  if (std::min(A.size(-2), A.size(-1)) == 0)
    return zeros(batch_shape(A, {}), A.options().dtype(kLong));
  const Tensor values = hermitian ? linalg_eigvalsh(A).abs() : linalg_svdvals(A);
  return (values > tolerance(values, A, atol, rtol)).sum({-1});
}

Tensor linalg_matrix_rank(const Tensor& A, double tol, bool hermitian) {
  return linalg_matrix_rank(A, tol, 0.0, hermitian);
}

namespace linalg {
Tensor cholesky(const Tensor& A) { return linalg_cholesky(A); }
Tensor solve_triangular(const Tensor& A, const Tensor& B, bool upper, bool left,
                        bool unitriangular) {
  return linalg_solve_triangular(A, B, upper, left, unitriangular);
}
std::tuple<Tensor, Tensor> eigh(const Tensor& A, std::string_view uplo) {
  return linalg_eigh(A, uplo);
}
Tensor eigvalsh(const Tensor& A, std::string_view uplo) { return linalg_eigvalsh(A, uplo); }
std::tuple<Tensor, Tensor, Tensor> svd(const Tensor& A, bool full_matrices,
                                       std::optional<std::string_view> driver) {
  return linalg_svd(A, full_matrices, driver);
}
Tensor svdvals(const Tensor& A, std::optional<std::string_view> driver) {
  return linalg_svdvals(A, driver);
}
Tensor pinv(const Tensor& A, double rcond, bool hermitian) {
  return linalg_pinv(A, rcond, hermitian);
}
std::tuple<Tensor, Tensor> qr(const Tensor& A, std::string_view mode) { return linalg_qr(A, mode); }
std::tuple<Tensor, Tensor, Tensor, Tensor> lstsq(const Tensor& A, const Tensor& B,
                                                 std::optional<double> rcond,
                                                 std::optional<std::string_view> driver) {
  return linalg_lstsq(A, B, rcond, driver);
}
Tensor matrix_rank(const Tensor& A, double tol, bool hermitian) {
  return linalg_matrix_rank(A, tol, hermitian);
}
Tensor matrix_rank(const Tensor& A, std::optional<double> atol, std::optional<double> rtol,
                   bool hermitian) {
  return linalg_matrix_rank(A, atol, rtol, hermitian);
}
}  // namespace linalg

Tensor Tensor::cholesky(bool upper) const { return nabla::cholesky(*this, upper); }
Tensor Tensor::cholesky_solve(const Tensor& input2, bool upper) const {
  return nabla::cholesky_solve(*this, input2, upper);
}
Tensor Tensor::cholesky_inverse(bool upper) const { return nabla::cholesky_inverse(*this, upper); }
std::tuple<Tensor, Tensor, Tensor> Tensor::svd(bool some, bool compute_uv) const {
  return nabla::svd(*this, some, compute_uv);
}
Tensor Tensor::pinverse(double rcond) const { return nabla::pinverse(*this, rcond); }
std::tuple<Tensor, Tensor> Tensor::qr(bool some) const { return nabla::qr(*this, some); }

}  // namespace nabla
