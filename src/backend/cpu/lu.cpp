// LU factorization and solves on the CPU: LAPACK's getrf and getrs, from OpenBLAS (which ships
// LAPACK). Matrices come column by column, as LAPACK takes them; the op layer transposes.
// Each matrix of a batch is factored in turn on the caller's thread, with OpenBLAS kept to one
// thread: pivoting then follows the same order of operations on every run.
#include <cblas.h>

#include <climits>

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

}  // namespace nabla::cpu
