// nabla's own float32 matrix product: packed panels and register-blocked micro-kernels in the
// manner of BLIS (Goto's algorithm), one kernel per instruction set, chosen at run time from
// the CPU's features (cpuid), not from a BLAS library's list of core names.
//
// Why our own: Debian's OpenBLAS picks its kernels from a table of core names and runs SSE3
// code on cores it does not know; and its Haswell kernel rounds a product differently when it
// is computed in blocks, so it could not be split over threads without the result depending on
// the thread count. Here every element of C is summed in one fixed order, k ascending in
// blocks of kKc, whatever part of C a call computes: any split of C over threads gives the
// same bits.
#pragma once

#include <cstdint>

namespace nabla::cpu::sgemm {

// The kernel this CPU runs: "avx512", "avx2", or "none" (then callers use BLAS). The
// environment variable NABLA_GEMM=blas forces "none" (for A/B measurements), read once.
const char* kernel_name();
bool available();

// The granularity in which callers may split C over threads without changing any bit: row
// blocks should be multiples of row_unit(), column blocks of col_unit() (not required for
// determinism, only for speed).
int64_t row_unit();
int64_t col_unit();

// c[n, m] = beta * c + alpha * op(a) @ op(b) on the calling thread; row-major, op(a) [n, k],
// op(b) [k, m], `ta`/`tb` say the operand is stored transposed. Requires available(), k > 0 and
// alpha != 0 (the CPU backend's product does alpha == 0, for every kernel, before choosing one).
// beta == 0 ignores what c held (NaN included), as BLAS does.
void gemm(bool ta, bool tb, int64_t n, int64_t m, int64_t k, float alpha, const float* a,
          int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc);

}  // namespace nabla::cpu::sgemm
