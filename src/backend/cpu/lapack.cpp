// Factorizations on the CPU through LAPACK, from OpenBLAS (which ships LAPACK): LU (getrf,
// getrs), Cholesky (potrf), triangular solves (BLAS's trsm), symmetric eigendecomposition
// (syevd) and SVD (gesdd). Each matrix of a batch is factored in turn on the caller's thread,
// with OpenBLAS kept to one thread: every run then follows the same order of operations.
//
// LU takes its matrices column by column, as LAPACK does (the op layer transposes). The others
// take row-major matrices and call LAPACK on them as stored, which LAPACK reads as the
// transposes: for a symmetric matrix that swaps the triangles (the row-major lower triangle is
// the column-major upper one), and the SVD of A^T = (U S Vh)^T = Vh^T S U^T hands back LAPACK's
// U as our Vh and its VT as our U, with no copy.
#include <cblas.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <vector>

#include "backend/cpu/cpu_backend.h"
#include "core/check.h"
#include "core/dispatch.h"

// LAPACK's Fortran entry points (OpenBLAS's 32-bit integer build). The trailing size_t is the
// hidden length of the character argument that gfortran passes.
extern "C" {
void sgetrf_(const int* m, const int* n, float* a, const int* lda, int* ipiv, int* info);
void dgetrf_(const int* m, const int* n, double* a, const int* lda, int* ipiv, int* info);
void sgetrs_(const char* trans, const int* n, const int* nrhs, const float* a, const int* lda,
             const int* ipiv, float* b, const int* ldb, int* info, size_t trans_len);
void dgetrs_(const char* trans, const int* n, const int* nrhs, const double* a, const int* lda,
             const int* ipiv, double* b, const int* ldb, int* info, size_t trans_len);
void spotrf_(const char* uplo, const int* n, float* a, const int* lda, int* info, size_t uplo_len);
void dpotrf_(const char* uplo, const int* n, double* a, const int* lda, int* info, size_t uplo_len);
void ssyevd_(const char* jobz, const char* uplo, const int* n, float* a, const int* lda, float* w,
             float* work, const int* lwork, int* iwork, const int* liwork, int* info,
             size_t jobz_len, size_t uplo_len);
void dsyevd_(const char* jobz, const char* uplo, const int* n, double* a, const int* lda, double* w,
             double* work, const int* lwork, int* iwork, const int* liwork, int* info,
             size_t jobz_len, size_t uplo_len);
void sgesdd_(const char* jobz, const int* m, const int* n, float* a, const int* lda, float* s,
             float* u, const int* ldu, float* vt, const int* ldvt, float* work, const int* lwork,
             int* iwork, int* info, size_t jobz_len);
void sgeqrf_(const int* m, const int* n, float* a, const int* lda, float* tau, float* work,
             const int* lwork, int* info);
void dgeqrf_(const int* m, const int* n, double* a, const int* lda, double* tau, double* work,
             const int* lwork, int* info);
void sorgqr_(const int* m, const int* n, const int* k, float* a, const int* lda, const float* tau,
             float* work, const int* lwork, int* info);
void dorgqr_(const int* m, const int* n, const int* k, double* a, const int* lda, const double* tau,
             double* work, const int* lwork, int* info);
void dgesdd_(const char* jobz, const int* m, const int* n, double* a, const int* lda, double* s,
             double* u, const int* ldu, double* vt, const int* ldvt, double* work, const int* lwork,
             int* iwork, int* info, size_t jobz_len);
}

namespace nabla::cpu {

namespace {

void getrf(int n, float* a, int* ipiv, int* info) { sgetrf_(&n, &n, a, &n, ipiv, info); }
void getrf(int n, double* a, int* ipiv, int* info) { dgetrf_(&n, &n, a, &n, ipiv, info); }
void getrs(int n, int k, const float* a, const int* ipiv, float* b, int* info) {
  sgetrs_("N", &n, &k, a, &n, ipiv, b, &n, info, 1);
}
void getrs(int n, int k, const double* a, const int* ipiv, double* b, int* info) {
  dgetrs_("N", &n, &k, a, &n, ipiv, b, &n, info, 1);
}

void potrf(int n, float* a, int* info) { spotrf_("U", &n, a, &n, info, 1); }
void potrf(int n, double* a, int* info) { dpotrf_("U", &n, a, &n, info, 1); }

void trsm(CBLAS_SIDE side, CBLAS_UPLO uplo, CBLAS_DIAG diag, int rows, int cols, const float* t,
          int ldt, float* b) {
  cblas_strsm(CblasRowMajor, side, uplo, CblasNoTrans, diag, rows, cols, 1.0f, t, ldt, b, cols);
}
void trsm(CBLAS_SIDE side, CBLAS_UPLO uplo, CBLAS_DIAG diag, int rows, int cols, const double* t,
          int ldt, double* b) {
  cblas_dtrsm(CblasRowMajor, side, uplo, CblasNoTrans, diag, rows, cols, 1.0, t, ldt, b, cols);
}

// LAPACK's workspace-query convention: lwork = -1 writes the optimal size into work[0].
void syevd(const char* jobz, const char* uplo, int n, float* a, float* w, float* work, int lwork,
           int* iwork, int liwork, int* info) {
  ssyevd_(jobz, uplo, &n, a, &n, w, work, &lwork, iwork, &liwork, info, 1, 1);
}
void syevd(const char* jobz, const char* uplo, int n, double* a, double* w, double* work, int lwork,
           int* iwork, int liwork, int* info) {
  dsyevd_(jobz, uplo, &n, a, &n, w, work, &lwork, iwork, &liwork, info, 1, 1);
}
void gesdd(const char* jobz, int m, int n, float* a, float* s, float* u, int ldu, float* vt,
           int ldvt, float* work, int lwork, int* iwork, int* info) {
  sgesdd_(jobz, &m, &n, a, &m, s, u, &ldu, vt, &ldvt, work, &lwork, iwork, info, 1);
}
void gesdd(const char* jobz, int m, int n, double* a, double* s, double* u, int ldu, double* vt,
           int ldvt, double* work, int lwork, int* iwork, int* info) {
  dgesdd_(jobz, &m, &n, a, &m, s, u, &ldu, vt, &ldvt, work, &lwork, iwork, info, 1);
}

void geqrf(int m, int n, float* a, float* tau, float* work, int lwork, int* info) {
  sgeqrf_(&m, &n, a, &m, tau, work, &lwork, info);
}
void geqrf(int m, int n, double* a, double* tau, double* work, int lwork, int* info) {
  dgeqrf_(&m, &n, a, &m, tau, work, &lwork, info);
}
void orgqr(int m, int n, int k, float* a, const float* tau, float* work, int lwork, int* info) {
  sorgqr_(&m, &n, &k, a, &m, tau, work, &lwork, info);
}
void orgqr(int m, int n, int k, double* a, const double* tau, double* work, int lwork, int* info) {
  dorgqr_(&m, &n, &k, a, &m, tau, work, &lwork, info);
}

// The workspace size LAPACK asked for in a query (returned as a floating-point number).
template <class T>
int workspace_size(T query) {
  return std::max(1, static_cast<int>(query) + 1);
}

// Whether every element of matrix [rows, cols] (row-major) in the part `keep(i, j)` is finite.
template <class T, class Keep>
bool all_finite(const T* a, int64_t rows, int64_t cols, Keep keep) {
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j)
      if (keep(i, j) && !std::isfinite(a[i * cols + j])) return false;
  return true;
}

int lapack_size(int64_t v, const char* what) {
  NABLA_CHECK(v <= INT_MAX, "[linalg] {} {} exceeds LAPACK's 32-bit sizes", what, v);
  return static_cast<int>(v);
}

void one_blas_thread() {
  if (openblas_get_num_threads() != 1) openblas_set_num_threads(1);
}

}  // namespace

void CpuBackend::lu_factor(const Tensor& lu, const Tensor& pivots) {
  NABLA_CHECK(lu.dim() == 3 && lu.size(1) == lu.size(2) && lu.is_contiguous() &&
                  pivots.scalar_type() == kInt && pivots.is_contiguous() &&
                  pivots.numel() == lu.size(0) * lu.size(1),
              "[lu_factor] expected contiguous matrices [B, n, n] and int32 pivots [B, n], got {} "
              "and {}",
              lu.sizes(), pivots.sizes());
  const int64_t batch = lu.size(0);
  const int n = lapack_size(lu.size(1), "matrix size");
  if (n == 0) return;
  one_blas_thread();
  detail::dispatch_native_floating(lu.scalar_type(), "lu_factor", [&](auto tag) {
    using T = typename decltype(tag)::type;
    for (int64_t i = 0; i < batch; ++i) {
      int info = 0;  // > 0: a zero pivot, which U keeps (det 0; solves refuse it)
      getrf(n, lu.data_ptr<T>() + i * n * n, pivots.data_ptr<int>() + i * n, &info);
      NABLA_CHECK(info >= 0, "[lu_factor] LAPACK getrf rejected argument {}", -info);
    }
  });
}

bool CpuBackend::lu_solve(const Tensor& lu, const Tensor& pivots, const Tensor& b) {
  NABLA_CHECK(lu.dim() == 3 && b.dim() == 3 && b.size(0) == lu.size(0) && b.size(2) == lu.size(1) &&
                  b.is_contiguous() && lu.is_contiguous() && b.scalar_type() == lu.scalar_type(),
              "[lu_solve] expected LU [B, n, n] and right-hand sides stored as [B, k, n], got {} "
              "and {}",
              lu.sizes(), b.sizes());
  const int64_t batch = lu.size(0);
  const int n = lapack_size(lu.size(1), "matrix size"), k = lapack_size(b.size(1), "columns");
  if (n == 0) return true;
  one_blas_thread();
  bool regular = true;
  detail::dispatch_native_floating(lu.scalar_type(), "lu_solve", [&](auto tag) {
    using T = typename decltype(tag)::type;
    for (int64_t i = 0; i < batch && regular; ++i) {
      const T* a = lu.data_ptr<T>() + i * n * n;
      for (int j = 0; j < n; ++j) regular = regular && a[j * (n + 1)] != T(0);
      if (!regular || k == 0) continue;
      int info = 0;
      getrs(n, k, a, pivots.data_ptr<int>() + i * n, b.data_ptr<T>() + i * n * k, &info);
      NABLA_CHECK(info == 0, "[lu_solve] LAPACK getrs rejected argument {}", -info);
    }
  });
  return regular;
}

namespace {

void check_batch(const Tensor& a, const char* op) {
  NABLA_CHECK(a.dim() == 3 && a.is_contiguous(),
              "[{}] expected a contiguous batch of matrices [B, m, n], got shape {}", op,
              a.sizes());
}

}  // namespace

void CpuBackend::cholesky(const Tensor& a) {
  check_batch(a, "linalg.cholesky");
  NABLA_CHECK(a.size(1) == a.size(2), "[linalg.cholesky] expected square matrices, got {}",
              a.sizes());
  const int64_t batch = a.size(0);
  const int n = lapack_size(a.size(1), "matrix size");
  if (n == 0) return;
  one_blas_thread();
  detail::dispatch_native_floating(a.scalar_type(), "linalg.cholesky", [&](auto tag) {
    using T = typename decltype(tag)::type;
    for (int64_t i = 0; i < batch; ++i) {
      int info = 0;
      potrf(n, a.data_ptr<T>() + i * n * n, &info);
      NABLA_CHECK(info >= 0, "[linalg.cholesky] LAPACK potrf rejected argument {}", -info);
      NABLA_CHECK(info == 0,
                  "[linalg.cholesky] the factorization could not be completed because the input "
                  "is not positive-definite (the leading minor of order {} of matrix {} of the "
                  "batch is not positive-definite)",
                  info, i);
    }
  });
}

void CpuBackend::triangular_solve(const Tensor& t, const Tensor& b, bool upper, bool left,
                                  bool unit) {
  check_batch(t, "linalg.solve_triangular");
  check_batch(b, "linalg.solve_triangular");
  const int64_t batch = t.size(0), n = t.size(1);
  const int64_t rows = b.size(1), cols = b.size(2);
  NABLA_CHECK(t.size(2) == n && b.size(0) == batch && (left ? rows : cols) == n &&
                  b.scalar_type() == t.scalar_type(),
              "[linalg.solve_triangular] expected T [B, n, n] and b [B, n, k] (left) or [B, k, n] "
              "of one dtype, got {} and {}",
              t.sizes(), b.sizes());
  if (rows == 0 || cols == 0) return;
  const int r = lapack_size(rows, "rows"), c = lapack_size(cols, "columns");
  const int ldt = lapack_size(n, "matrix size");
  one_blas_thread();
  detail::dispatch_native_floating(t.scalar_type(), "linalg.solve_triangular", [&](auto tag) {
    using T = typename decltype(tag)::type;
    for (int64_t i = 0; i < batch; ++i) {
      trsm(left ? CblasLeft : CblasRight, upper ? CblasUpper : CblasLower,
           unit ? CblasUnit : CblasNonUnit, r, c, t.data_ptr<T>() + i * n * n, ldt,
           b.data_ptr<T>() + i * rows * cols);
    }
  });
}

void CpuBackend::symmetric_eigen(const Tensor& a, bool upper, const Tensor& w, bool vectors) {
  check_batch(a, "linalg.eigh");
  const int64_t batch = a.size(0);
  NABLA_CHECK(a.size(1) == a.size(2) && w.is_contiguous() && w.numel() == batch * a.size(1) &&
                  w.scalar_type() == a.scalar_type(),
              "[linalg.eigh] expected square matrices [B, n, n] and eigenvalues [B, n], got {} "
              "and {}",
              a.sizes(), w.sizes());
  const int n = lapack_size(a.size(1), "matrix size");
  if (n == 0) return;
  one_blas_thread();
  // Row-major lower = column-major upper (see the top of the file).
  const char* uplo = upper ? "L" : "U";
  const char* jobz = vectors ? "V" : "N";
  detail::dispatch_native_floating(a.scalar_type(), "linalg.eigh", [&](auto tag) {
    using T = typename decltype(tag)::type;
    T work_query = 0;
    int iwork_query = 0, info = 0;
    syevd(jobz, uplo, n, nullptr, nullptr, &work_query, -1, &iwork_query, -1, &info);
    std::vector<T> work(static_cast<size_t>(workspace_size(work_query)));
    std::vector<int> iwork(static_cast<size_t>(std::max(1, iwork_query)));
    for (int64_t i = 0; i < batch; ++i) {
      T* m = a.data_ptr<T>() + i * n * n;
      NABLA_CHECK(
          all_finite(m, n, n, [&](int64_t r, int64_t c) { return upper ? c >= r : c <= r; }),
          "[linalg.eigh] matrix {} of the batch contains NaN or infinity", i);
      syevd(jobz, uplo, n, m, w.data_ptr<T>() + i * n, work.data(), static_cast<int>(work.size()),
            iwork.data(), static_cast<int>(iwork.size()), &info);
      NABLA_CHECK(info >= 0, "[linalg.eigh] LAPACK syevd rejected argument {}", -info);
      NABLA_CHECK(info == 0,
                  "[linalg.eigh] the algorithm failed to converge for matrix {} of the batch "
                  "(LAPACK syevd error code {})",
                  i, info);
    }
  });
}

void CpuBackend::svd(const Tensor& a, const Tensor& s, const Tensor& u, const Tensor& vh) {
  check_batch(a, "linalg.svd");
  const int64_t batch = a.size(0), m = a.size(1), n = a.size(2), k = std::min(m, n);
  const bool vectors = u.defined();
  const bool full = vectors && (u.size(2) != k || vh.size(1) != k);
  NABLA_CHECK(s.is_contiguous() && s.numel() == batch * k && s.scalar_type() == a.scalar_type() &&
                  vectors == vh.defined() &&
                  (!vectors ||
                   (u.is_contiguous() && vh.is_contiguous() && u.size(1) == m && vh.size(2) == n &&
                    u.size(2) == (full ? m : k) && vh.size(1) == (full ? n : k))),
              "[linalg.svd] expected A [B, m, n], S [B, min(m, n)] and U, Vh of the full or the "
              "reduced SVD, got A {}",
              a.sizes());
  if (batch == 0) return;
  if (k == 0) {  // nothing to factor: the full SVD's square factors are identities
    if (!vectors) return;
    detail::dispatch_native_floating(a.scalar_type(), "linalg.svd", [&](auto tag) {
      using T = typename decltype(tag)::type;
      for (const Tensor* q : {&u, &vh}) {
        const int64_t side = q->size(1), cols = q->size(2);
        T* p = q->data_ptr<T>();
        std::fill(p, p + q->numel(), T(0));
        if (side == cols)
          for (int64_t i = 0; i < batch; ++i)
            for (int64_t j = 0; j < side; ++j) p[(i * side + j) * cols + j] = T(1);
      }
    });
    return;
  }
  // LAPACK factors X = A^T, column-major [n, m]: its U [n, cols] is our Vh, its VT our U.
  const int rows_x = lapack_size(n, "columns"), cols_x = lapack_size(m, "rows");
  const int vh_rows = vectors ? static_cast<int>(vh.size(1)) : 1;
  const int u_cols = vectors ? static_cast<int>(u.size(2)) : 1;
  const char* jobz = !vectors ? "N" : full ? "A" : "S";
  one_blas_thread();
  detail::dispatch_native_floating(a.scalar_type(), "linalg.svd", [&](auto tag) {
    using T = typename decltype(tag)::type;
    std::vector<int> iwork(static_cast<size_t>(8 * k));
    T work_query = 0, unused = 0;
    int info = 0;
    gesdd(jobz, rows_x, cols_x, nullptr, nullptr, &unused, rows_x, &unused, u_cols, &work_query, -1,
          iwork.data(), &info);
    std::vector<T> work(static_cast<size_t>(workspace_size(work_query)));
    for (int64_t i = 0; i < batch; ++i) {
      T* x = a.data_ptr<T>() + i * m * n;
      NABLA_CHECK(all_finite(x, m, n, [](int64_t, int64_t) { return true; }),
                  "[linalg.svd] matrix {} of the batch contains NaN or infinity", i);
      T* lapack_u = vectors ? vh.data_ptr<T>() + i * vh_rows * n : &unused;
      T* lapack_vt = vectors ? u.data_ptr<T>() + i * m * u_cols : &unused;
      gesdd(jobz, rows_x, cols_x, x, s.data_ptr<T>() + i * k, lapack_u, rows_x, lapack_vt, u_cols,
            work.data(), static_cast<int>(work.size()), iwork.data(), &info);
      NABLA_CHECK(info >= 0, "[linalg.svd] LAPACK gesdd rejected argument {}", -info);
      NABLA_CHECK(info == 0,
                  "[linalg.svd] the algorithm failed to converge for matrix {} of the batch "
                  "(LAPACK gesdd error code {})",
                  i, info);
    }
  });
}

void CpuBackend::qr(const Tensor& a, const Tensor& q, const Tensor& r) {
  check_batch(a, "linalg.qr");
  const int64_t batch = a.size(0), m = a.size(1), n = a.size(2), k = std::min(m, n);
  const int64_t q_cols = q.defined() ? q.size(2) : 0, r_rows = r.size(1);
  NABLA_CHECK(r.is_contiguous() && r.size(0) == batch && r.size(2) == n &&
                  (r_rows == k || r_rows == m) && r.scalar_type() == a.scalar_type() &&
                  (!q.defined() || (q.is_contiguous() && q.size(1) == m && q_cols >= k &&
                                    q_cols <= m && q.scalar_type() == a.scalar_type())),
              "[linalg.qr] expected A [B, m, n], R [B, k or m, n] and Q [B, m, k or m], got A {}",
              a.sizes());
  if (batch == 0) return;
  const int rows = lapack_size(m, "rows"), cols = lapack_size(n, "columns");
  const int kk = static_cast<int>(k), qc = static_cast<int>(q_cols);
  // LAPACK works on a column-major copy wide enough for Q's columns.
  const int64_t width = std::max(n, q_cols);
  one_blas_thread();
  detail::dispatch_native_floating(a.scalar_type(), "linalg.qr", [&](auto tag) {
    using T = typename decltype(tag)::type;
    std::vector<T> work_a(static_cast<size_t>(std::max<int64_t>(1, m * width)));
    std::vector<T> tau(static_cast<size_t>(std::max<int64_t>(1, k)));
    T query_f = 0, query_q = 0;
    int info = 0;
    if (m > 0) {
      geqrf(rows, cols, work_a.data(), tau.data(), &query_f, -1, &info);
      if (q_cols > 0) orgqr(rows, qc, kk, work_a.data(), tau.data(), &query_q, -1, &info);
    }
    std::vector<T> work(
        static_cast<size_t>(std::max(workspace_size(query_f), workspace_size(query_q))));
    const int lwork = static_cast<int>(work.size());
    for (int64_t b = 0; b < batch; ++b) {
      const T* src = a.data_ptr<T>() + b * m * n;
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j) work_a[j * m + i] = src[i * n + j];
      if (k > 0) {
        geqrf(rows, cols, work_a.data(), tau.data(), work.data(), lwork, &info);
        NABLA_CHECK(info == 0, "[linalg.qr] LAPACK geqrf rejected argument {}", -info);
      }
      T* rp = r.data_ptr<T>() + b * r_rows * n;
      for (int64_t i = 0; i < r_rows; ++i)
        for (int64_t j = 0; j < n; ++j) rp[i * n + j] = j >= i ? work_a[j * m + i] : T(0);
      if (q_cols == 0) continue;
      if (k > 0) {
        orgqr(rows, qc, kk, work_a.data(), tau.data(), work.data(), lwork, &info);
        NABLA_CHECK(info == 0, "[linalg.qr] LAPACK orgqr rejected argument {}", -info);
      } else {  // no reflectors: Q is the identity
        std::fill(work_a.begin(), work_a.end(), T(0));
        for (int64_t i = 0; i < std::min(m, q_cols); ++i) work_a[i * m + i] = T(1);
      }
      T* qp = q.data_ptr<T>() + b * m * q_cols;
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < q_cols; ++j) qp[i * q_cols + j] = work_a[j * m + i];
    }
  });
}

}  // namespace nabla::cpu
