// The CPU backend's row-major GEMM for other kernels (conv's im2col products):
// c = beta * c + alpha * op(a) @ op(b), c [n, m], op(a) [n, k], op(b) [k, m]. Split over the
// pool along c's larger side when called outside a parallel region (never along k, so the
// result does not depend on the thread count); one OpenBLAS call inside one.
#pragma once

#include <cstdint>

namespace nabla::cpu {

template <class T>
void gemm_rowmajor(bool ta, bool tb, int64_t n, int64_t m, int64_t k, T alpha, const T* a,
                   int64_t lda, const T* b, int64_t ldb, T beta, T* c, int64_t ldc);

}  // namespace nabla::cpu
