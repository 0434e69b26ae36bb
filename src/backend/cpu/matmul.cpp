// Matrix products, one (2-D operands) or batched (3-D):
// out[b] = beta * out[b] + alpha * a[b] @ b[b].
// float32/float64 go to CBLAS (OpenBLAS); a transposed view is passed as a transposed operand
// instead of being copied. Many small matrices, and integer dtypes, use a plain loop kernel
// run in parallel over the batch.
#include <cblas.h>

#include <algorithm>
#include <string>
#include <vector>

#include "backend/cpu/cpu_backend.h"
#include "backend/cpu/functors.h"
#include "backend/cpu/gemm.h"
#include "backend/cpu/matmul_dnnl.h"
#include "backend/cpu/multiversion.h"
#include "backend/cpu/sgemm.h"
#include "core/dispatch.h"
#include "core/parallel.h"
#include "core/tensor_impl.h"

namespace nabla::cpu {

namespace {

// How BLAS can read one [rows, cols] matrix of a batch: row-major as is, or transposed.
struct MatLayout {
  bool ok = false;
  bool trans = false;  // the memory holds the matrix column by column
  int64_t ld = 1;
};

// Strides of size-1 dims do not matter, so they never force a copy.
MatLayout blas_layout(int64_t rows, int64_t cols, int64_t row_stride, int64_t col_stride) {
  MatLayout l;
  if (cols <= 1 || col_stride == 1) {
    const int64_t ld = rows <= 1 ? std::max<int64_t>(cols, 1) : row_stride;
    if (ld >= std::max<int64_t>(cols, 1)) return {true, false, ld};
  }
  if (rows <= 1 || row_stride == 1) {
    const int64_t ld = cols <= 1 ? std::max<int64_t>(rows, 1) : col_stride;
    if (ld >= std::max<int64_t>(rows, 1)) return {true, true, ld};
  }
  return l;
}

// An operand as the kernels read it: `batch` matrices of rows x cols, with strides in elements.
// Read once from a 2-D (one matrix) or 3-D tensor, so that no view has to be built per call.
struct Mats {
  void* data = nullptr;
  int64_t batch = 1, rows = 0, cols = 0;
  int64_t sb = 0, sr = 0, sc = 0;
  template <class T>
  T* ptr() const {
    return static_cast<T*>(data);
  }
};

inline Mats mats_of(const Tensor& t) {
  const IntArrayRef size = t.sizes(), stride = t.strides();
  if (size.size() == 2) return {t.data_ptr(), 1, size[0], size[1], 0, stride[0], stride[1]};
  return {t.data_ptr(), size[0], size[1], size[2], stride[0], stride[1], stride[2]};
}

MatLayout layout_of(const Mats& m) { return blas_layout(m.rows, m.cols, m.sr, m.sc); }

// A contiguous copy of `t` in `holder`, for an operand BLAS cannot read as it is.
[[gnu::noinline]] Mats contiguous_operand(const Tensor& t, Tensor& holder) {
  holder = detail::make_tensor(t.sizes(), t.scalar_type(), t.device());
  cpu_backend().copy(t, holder);
  return mats_of(holder);
}

// `t` as BLAS can read it: itself, or a contiguous copy kept alive by `holder`. Into `m`, not
// returned: a Mats returned from a call was written field by field and then copied with 16-byte
// loads, which store forwarding cannot serve (~10% of a 4 x 4 mm).
inline void blas_operand(const Tensor& t, Tensor& holder, Mats& m) {
  m = mats_of(t);
  if (!layout_of(m).ok) [[unlikely]]
    m = contiguous_operand(t, holder);
}

template <class T>
void blas_gemm(bool ta, bool tb, int64_t n, int64_t m, int64_t k, T alpha, const T* a, int64_t lda,
               const T* b, int64_t ldb, T beta, T* c, int64_t ldc) {
  const auto opa = ta ? CblasTrans : CblasNoTrans;
  const auto opb = tb ? CblasTrans : CblasNoTrans;
  if constexpr (std::is_same_v<T, float>) {
    cblas_sgemm(CblasRowMajor, opa, opb, n, m, k, alpha, a, lda, b, ldb, beta, c, ldc);
  } else {
    cblas_dgemm(CblasRowMajor, opa, opb, n, m, k, alpha, a, lda, b, ldb, beta, c, ldc);
  }
}

template <class T>
void blas_gemv(bool trans, int64_t rows, int64_t cols, T alpha, const T* a, int64_t lda, const T* x,
               int64_t incx, T beta, T* y, int64_t incy) {
  const auto op = trans ? CblasTrans : CblasNoTrans;
  if constexpr (std::is_same_v<T, float>) {
    cblas_sgemv(CblasRowMajor, op, rows, cols, alpha, a, lda, x, incx, beta, y, incy);
  } else {
    cblas_dgemv(CblasRowMajor, op, rows, cols, alpha, a, lda, x, incx, beta, y, incy);
  }
}

// A product with one row or one column of C (n == 1 or m == 1) as a matrix-vector product.
// gemm would pack the whole matrix operand into a buffer on every call, then use one row of
// its micro-kernel: that was 58% of generating a character with the GPT's KV cache, where
// every linear layer sees one position; gemv reads the matrix once. beta == 0 is done here
// (zeros, then accumulate) so that whatever `c` held, NaN included, is ignored as gemm does.
template <class T>
void gemv_product(bool ta, bool tb, int64_t n, int64_t m, int64_t k, T alpha, const T* a,
                  int64_t lda, const T* b, int64_t ldb, T beta, T* c, int64_t ldc) {
  const int64_t len = n == 1 ? m : n, inc = n == 1 ? 1 : ldc;
  if (beta == T(0)) {
    for (int64_t i = 0; i < len; ++i) c[i * inc] = T(0);
    beta = T(1);
  }
  if (n == 1) {
    // c[j] = sum_p a[p] b[p, j]: the vector is A's row (stride lda when A is transposed).
    const int64_t incx = ta ? lda : 1;
    if (tb) return blas_gemv<T>(false, m, k, alpha, b, ldb, a, incx, beta, c, 1);
    return blas_gemv<T>(true, k, m, alpha, b, ldb, a, incx, beta, c, 1);
  }
  // c[i] = sum_p a[i, p] b[p]: the vector is B's column (stride ldb unless B is transposed).
  const int64_t incx = tb ? 1 : ldb;
  if (ta) return blas_gemv<T>(true, k, n, alpha, a, lda, b, incx, beta, c, ldc);
  blas_gemv<T>(false, n, k, alpha, a, lda, b, incx, beta, c, ldc);
}

// OpenBLAS's SkylakeX, Cooperlake and SapphireRapids kernels compute an sgemm of at most 100^3
// multiply-adds with a "small matrix" kernel that reads A and B in place; a larger one first
// packs B into a buffer. A thin product, such as an RNN step's (32 rows against a 1 MiB
// weight), would pack all of B on every call, so it is cut into column blocks that stay under
// the limit: a 32 x 256 x 1024 product takes 153 us in blocks instead of 210 us in one call.
bool has_small_sgemm_kernel() {
  static const bool has = [] {
    const std::string core = openblas_get_corename();
    return core == "SkylakeX" || core == "Cooperlake" || core == "SapphireRapids";
  }();
  return has;
}

// Whether OpenBLAS computes this sgemm with its small kernel. Its rule, in row-major terms: at
// most 100^3 multiply-adds, never with both operands transposed, and with only B transposed
// C must have at most 1200 elements and k >= 32.
bool small_kernel_permits(bool ta, bool tb, int64_t n, int64_t m, int64_t k) {
  if (!has_small_sgemm_kernel() || (ta && tb) ||
      static_cast<double>(n) * static_cast<double>(m) * static_cast<double>(k) > 1e6)
    return false;
  return !tb || (n * m <= 1200 && k >= 32);
}

// The width of the column blocks that OpenBLAS computes with its small kernel, or 0 when the
// product runs it already or cannot be cut that way. Widths are multiples of 16 (one AVX-512
// register of floats).
int64_t small_kernel_block(bool ta, bool tb, int64_t n, int64_t m, int64_t k) {
  if (small_kernel_permits(ta, tb, n, m, k) || n <= 0 || k <= 0) return 0;
  int64_t width = static_cast<int64_t>(1e6 / (static_cast<double>(n) * static_cast<double>(k)));
  if (tb) width = std::min<int64_t>(width, 1200 / n);
  width -= width % 16;
  return width >= 16 && small_kernel_permits(ta, tb, n, width, k) ? width : 0;
}

// Whether OpenBLAS computes this product (or every block of it) with its small kernel.
bool runs_small_kernel(bool ta, bool tb, int64_t n, int64_t m, int64_t k) {
  return small_kernel_permits(ta, tb, n, m, k) || small_kernel_block(ta, tb, n, m, k) > 0;
}

// A linear layer's epilogue: c[i, j] += bias[j] in every row (bias may be null), then with
// `relu` c[i, j] = max(c[i, j], 0) (NaN stays, as relu). Run on the finished product (as
// x.matmul(w.t()) + b rounds it) by the thread that computed those columns, while they are in
// its cache. Before, the bias was first copied into all of C (on the caller's thread) for a
// product with beta = 1, and relu was an op of its own on one thread: passes more, and on two
// threads, C's lines going back and forth between the cores.
template <class T>
NABLA_CPU_CLONES void finish_rows(int64_t n, int64_t m, const T* bias, bool relu, T* c,
                                  int64_t ldc) {
  const functors::Relu relu_of{};
  for (int64_t i = 0; i < n; ++i) {
    T* row = c + i * ldc;
    if (bias != nullptr)
      for (int64_t j = 0; j < m; ++j) row[j] += bias[j];
    if (relu)
      for (int64_t j = 0; j < m; ++j) row[j] = relu_of(row[j]);
  }
}

// One single-threaded product, plus `bias` (per column of C) when it is not null.
template <class T>
void gemm1(bool ta, bool tb, int64_t n, int64_t m, int64_t k, T alpha, const T* a, int64_t lda,
           const T* b, int64_t ldb, T beta, T* c, int64_t ldc, const T* bias, bool relu) {
  if constexpr (std::is_same_v<T, float>) {
    if (sgemm::available()) {
      sgemm::gemm(ta, tb, n, m, k, alpha, a, lda, b, ldb, beta, c, ldc);
      if (bias != nullptr || relu) finish_rows(n, m, bias, relu, c, ldc);
      return;
    }
  }
  const int64_t width = std::is_same_v<T, float> ? small_kernel_block(ta, tb, n, m, k) : 0;
  if (width == 0) {
    blas_gemm<T>(ta, tb, n, m, k, alpha, a, lda, b, ldb, beta, c, ldc);
  } else {
    for (int64_t j = 0; j < m; j += width) {
      blas_gemm<T>(ta, tb, n, std::min(width, m - j), k, alpha, a, lda, tb ? b + j * ldb : b + j,
                   ldb, beta, c + j, ldc);
    }
  }
  if (bias != nullptr || relu) finish_rows(n, m, bias, relu, c, ldc);
}

// OpenBLAS runs single-threaded: its own threads would spin against nabla's pool. Checked on
// every product (a load of a global) since a program may have changed it.
void keep_blas_single_threaded() {
  if (openblas_get_num_threads() != 1) openblas_set_num_threads(1);
}
// Products too small to pay for a second thread stay on the caller.
constexpr int64_t kParallelGemmWork = int64_t{1} << 18;  // n*m*k, as OpenBLAS's own threshold

// Whether the parts gemm() would give each thread run the same OpenBLAS kernel as the whole:
// a part small enough for a small-matrix kernel, of a product that is not, would round
// differently and make the result depend on the thread count. The smallest part is the last
// one. Where the rule is not known (double, other cores), every part must stay above 100^3
// multiply-adds, the limit of all of OpenBLAS's small-matrix kernels.
// OpenBLAS 0.3.21's Haswell sgemm kernel (also used for the Zen cores and whenever
// OPENBLAS_CORETYPE=Haswell is forced, as some machines do) rounds a product differently when it
// is computed in column or row blocks: 32 x 1024 x 256 split in two halves differs from the
// whole in 3408 of 32768 elements. Its dgemm kernel, and the sgemm kernels of Prescott,
// Sandybridge, SkylakeX and Cooperlake, give the same bits whole or in blocks (measured), but
// for SkylakeX not with both operands transposed (below).
bool sgemm_rounds_by_block_shape() {
  static const bool rounds = [] {
    const std::string core = openblas_get_corename();
    return core == "Haswell" || core == "Zen";
  }();
  return rounds;
}

// Whether float32 products run nabla's own kernels (sgemm.h) rather than OpenBLAS's.
template <class T>
bool own_kernel() {
  return std::is_same_v<T, float> && sgemm::available();
}

template <class T>
bool same_kernel_when_split(bool ta, bool tb, int64_t n, int64_t m, int64_t k, int threads) {
  if (own_kernel<T>()) return true;  // the same bits however C is split, by construction
  if (std::is_same_v<T, float> && sgemm_rounds_by_block_shape()) return false;
  // Both operands stored transposed: OpenBLAS 0.3.21's SkylakeX sgemm rounds by block shape
  // there (50x784 @ 784x40 in 28 and 22 rows: 1862 of 2000 elements differ from the whole).
  if (std::is_same_v<T, float> && ta && tb) return false;
  const bool known_rule = std::is_same_v<T, float> && has_small_sgemm_kernel();
  if (known_rule && runs_small_kernel(ta, tb, n, m, k)) return true;
  const bool by_columns = m >= n;
  const int64_t size = by_columns ? m : n, unit = by_columns ? 16 : 4;
  const int64_t units = (size + unit - 1) / unit, grain = (units + threads - 1) / threads;
  const int64_t last = size - ((units + grain - 1) / grain - 1) * grain * unit;
  const int64_t part_n = by_columns ? n : last, part_m = by_columns ? last : m;
  if (!known_rule)
    return static_cast<double>(part_n) * static_cast<double>(part_m) * static_cast<double>(k) > 1e6;
  return !runs_small_kernel(ta, tb, part_n, part_m, k);
}

// One product, split over the pool along the larger side of C: column blocks are multiples of
// the kernel's 16-float vector width, row blocks of its 4-row unroll. Each block is one
// single-threaded BLAS call; the k loop is never split, so every element's sum runs in the same
// order whatever the thread count.
// `bias`, when not null: c[i, j] += bias[j] after the product, then relu when `relu` (see
// finish_rows).
template <class T>
void gemm(bool ta, bool tb, int64_t n, int64_t m, int64_t k, T alpha, const T* a, int64_t lda,
          const T* b, int64_t ldb, T beta, T* c, int64_t ldc, const T* bias = nullptr,
          bool relu = false) {
  // alpha == 0: BLAS reads neither operand, so inf or NaN in them must not reach C. OpenBLAS
  // 0.3.21's SkylakeX small-matrix sgemm kernel multiplies anyway (inf * 0: C all NaN), so C =
  // beta * C is done here for every path.
  if (alpha == T(0)) {
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < m; ++j) c[i * ldc + j] = beta == T(0) ? T(0) : beta * c[i * ldc + j];
    if (bias != nullptr || relu) finish_rows(n, m, bias, relu, c, ldc);
    return;
  }
  // Only where OpenBLAS computes (otherwise a call into it on every product, for nothing).
  if (!own_kernel<T>() || n == 1 || m == 1) keep_blas_single_threaded();
  // On the caller's thread, whatever the thread count: a split would give gemv's remainder
  // loops other rows, and other rounding. Memory-bound anyway: the matrix is read once.
  if (n == 1 || m == 1) {
    gemv_product<T>(ta, tb, n, m, k, alpha, a, lda, b, ldb, beta, c, ldc);
    if (bias != nullptr || relu) finish_rows(n, m, bias, relu, c, ldc);
    return;
  }
  const int threads = detail::num_threads();
  if (threads <= 1 || n * m * k <= kParallelGemmWork || detail::in_parallel_region() ||
      !same_kernel_when_split<T>(ta, tb, n, m, k, threads))
    return gemm1<T>(ta, tb, n, m, k, alpha, a, lda, b, ldb, beta, c, ldc, bias, relu);
  // A weight's gradient g^T @ x (A stored transposed) wider than high, as the MLP's first
  // layer's (64x256)^T @ 64x784, is split by rows where each thread gets 64 or more, in 8-row
  // units: two halves of 128 rows, each one row block of the packed path, where a column split
  // gives 13 and 12 tiles of 32 columns and two row blocks each (240 and 16 rows). On an AMD EPYC
  // (Zen 5), 2 threads, in rotation with oneDNN's sgemm: 0.96-1.10x of oneDNN against
  // 0.80-0.99x (median 0.85x); the MLP's epoch unchanged. (By rows in 12-row units, 132 and 124
  // rows: 0.97-0.99x.)
  const bool gradient_rows = own_kernel<T>() && ta && m >= n && n >= 64 * threads;
  if (m >= n && !gradient_rows) {
    const int64_t unit = own_kernel<T>() ? sgemm::col_unit() : 16, units = (m + unit - 1) / unit;
    detail::parallel_for(units, (units + threads - 1) / threads, [&](int64_t u0, int64_t u1) {
      const int64_t j0 = u0 * unit, j1 = std::min(m, u1 * unit);
      gemm1<T>(ta, tb, n, j1 - j0, k, alpha, a, lda, tb ? b + j0 * ldb : b + j0, ldb, beta, c + j0,
               ldc, bias != nullptr ? bias + j0 : nullptr, relu);
    });
    return;
  }
  const int64_t unit = gradient_rows ? 8 : own_kernel<T>() ? sgemm::row_unit() : 4;
  const int64_t units = (n + unit - 1) / unit;
  detail::parallel_for(units, (units + threads - 1) / threads, [&](int64_t u0, int64_t u1) {
    const int64_t i0 = u0 * unit, i1 = std::min(n, u1 * unit);
    gemm1<T>(ta, tb, i1 - i0, m, k, alpha, ta ? a + i0 : a + i0 * lda, lda, b, ldb, beta,
             c + i0 * ldc, ldc, bias, relu);
  });
}

// One matrix product with any strides: c = beta * c + alpha * a @ b, accumulated in T
// (integers) or in T (floats, for small sizes where BLAS call overhead dominates).
template <class T>
void loop_matmul(const T* a, int64_t as0, int64_t as1, const T* b, int64_t bs0, int64_t bs1, T* c,
                 int64_t cs0, int64_t cs1, int64_t n, int64_t m, int64_t k, T beta, T alpha,
                 std::vector<T>& acc) {
  acc.assign(static_cast<size_t>(m), T(0));
  for (int64_t i = 0; i < n; ++i) {
    std::fill(acc.begin(), acc.end(), T(0));
    for (int64_t p = 0; p < k; ++p) {
      const T av = a[i * as0 + p * as1];
      const T* brow = b + p * bs0;
      if (bs1 == 1) {
        for (int64_t j = 0; j < m; ++j) acc[j] += av * brow[j];
      } else {
        for (int64_t j = 0; j < m; ++j) acc[j] += av * brow[j * bs1];
      }
    }
    T* crow = c + i * cs0;
    // beta == 0 ignores what out held (it may be uninitialized), as BLAS does.
    if (beta == T(0)) {
      for (int64_t j = 0; j < m; ++j) crow[j * cs1] = alpha * acc[j];
    } else {
      for (int64_t j = 0; j < m; ++j) crow[j * cs1] = beta * crow[j * cs1] + alpha * acc[j];
    }
  }
}

template <class T>
void loop_batched(const Mats& a, const Mats& b, const Mats& c, T beta, T alpha) {
  const int64_t n = c.rows, m = c.cols, k = a.cols;
  const int64_t work = std::max<int64_t>(n * m * std::max<int64_t>(k, 1), 1);
  detail::parallel_for(c.batch, std::max<int64_t>(1, 32768 / work), [&](int64_t b0, int64_t b1) {
    std::vector<T> acc;
    for (int64_t i = b0; i < b1; ++i) {
      loop_matmul<T>(a.ptr<T>() + i * a.sb, a.sr, a.sc, b.ptr<T>() + i * b.sb, b.sr, b.sc,
                     c.ptr<T>() + i * c.sb, c.sr, c.sc, n, m, k, beta, alpha, acc);
    }
  });
}

template <class T>
void blas_batched(const Tensor& a_in, const Tensor& b_in, const Tensor& out, T beta, T alpha) {
  // BLAS writes row-major C; any other output layout goes through a contiguous buffer.
  Mats c = mats_of(out);
  const MatLayout lc = layout_of(c);
  const bool direct = lc.ok && !lc.trans;
  Tensor c_buffer, a_copy, b_copy;
  if (!direct) {
    c_buffer = detail::make_tensor(out.sizes(), out.scalar_type(), out.device());
    if (beta != T(0)) cpu_backend().copy(out, c_buffer);
    c = mats_of(c_buffer);
  }
  Mats a, b;
  blas_operand(a_in, a_copy, a);
  blas_operand(b_in, b_copy, b);
  const MatLayout la = layout_of(a), lb = layout_of(b);
  const int64_t ldc = direct ? lc.ld : std::max<int64_t>(c.cols, 1);
  for (int64_t i = 0; i < c.batch; ++i) {
    gemm<T>(la.trans, lb.trans, c.rows, c.cols, a.cols, alpha, a.ptr<T>() + i * a.sb, la.ld,
            b.ptr<T>() + i * b.sb, lb.ld, beta, c.ptr<T>() + i * c.sb, ldc);
  }
  if (!direct) cpu_backend().copy(c_buffer, out);
}

// k == 0: the product is empty, so out = beta * out (beta == 0 gives zeros, even over NaN).
template <class T>
void scale_only(const Mats& c, T beta) {
  for (int64_t b = 0; b < c.batch; ++b)
    for (int64_t i = 0; i < c.rows; ++i)
      for (int64_t j = 0; j < c.cols; ++j) {
        T& v = c.ptr<T>()[b * c.sb + i * c.sr + j * c.sc];
        v = beta == T(0) ? T(0) : T(beta * v);
      }
}

}  // namespace

template <class T>
void gemm_rowmajor(bool ta, bool tb, int64_t n, int64_t m, int64_t k, T alpha, const T* a,
                   int64_t lda, const T* b, int64_t ldb, T beta, T* c, int64_t ldc) {
  gemm<T>(ta, tb, n, m, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
template void gemm_rowmajor<float>(bool, bool, int64_t, int64_t, int64_t, float, const float*,
                                   int64_t, const float*, int64_t, float, float*, int64_t);
template void gemm_rowmajor<double>(bool, bool, int64_t, int64_t, int64_t, double, const double*,
                                    int64_t, const double*, int64_t, double, double*, int64_t);

namespace {
// The bf16 product on oneDNN's hardware-bf16 kernels, matrix by matrix; false (nothing
// written) where they do not apply.
bool bf16_on_dnnl(const Mats& a, const Mats& b, const Mats& c, int64_t k, double beta,
                  double alpha) {
  const bool strided = a.sr > 0 && a.sc > 0 && b.sr > 0 && b.sc > 0 && c.sc == 1;
  if (alpha != 1.0 || k == 0 || !strided) return false;
  auto matrix = [](const Mats& t, int64_t i) {
    return MatOperand{static_cast<uint16_t*>(t.data) + i * t.sb, t.rows, t.cols, t.sr, t.sc};
  };
  for (int64_t i = 0; i < c.batch; ++i) {
    // Every matrix has the same shapes: the first tells whether all are taken.
    if (!dnnl_matmul_bf16(matrix(a, i), matrix(b, i), matrix(c, i), k, static_cast<float>(beta))) {
      NABLA_CHECK(i == 0, "[matmul] internal error: oneDNN took one bf16 matrix but not the next");
      return false;
    }
  }
  return true;
}

// One float32 matrix product that BLAS can read as it is, into a row-major C (every Linear
// layer's, both ways): straight to gemm, without the general path's dtype dispatch, copies
// and batch loop; false (nothing done) for any other.
bool float_matrix_product(const Tensor& a, const Tensor& b, const Tensor& out, double beta,
                          double alpha) {
  if (out.dim() != 2 || out.scalar_type() != ScalarType::Float) return false;
  const Mats c = mats_of(out), ma = mats_of(a), mb = mats_of(b);
  const MatLayout lc = layout_of(c), la = layout_of(ma), lb = layout_of(mb);
  if (!lc.ok || lc.trans || !la.ok || !lb.ok || ma.cols == 0 || c.rows == 0 || c.cols == 0)
    return false;
  detail::sync_fp_mode();
  gemm<float>(la.trans, lb.trans, c.rows, c.cols, ma.cols, static_cast<float>(alpha),
              ma.ptr<float>(), la.ld, mb.ptr<float>(), lb.ld, static_cast<float>(beta),
              c.ptr<float>(), lc.ld);
  return true;
}
}  // namespace

void CpuBackend::matmul(const Tensor& a, const Tensor& b, const Tensor& out, double beta,
                        double alpha) {
  const int64_t dims = out.dim();
  NABLA_CHECK((dims == 2 || dims == 3) && a.dim() == dims && b.dim() == dims,
              "[matmul] the backend expects 2-D or 3-D operands, got {}, {} and {}", a.sizes(),
              b.sizes(), out.sizes());
  if (float_matrix_product(a, b, out, beta, alpha)) return;
  const Mats c = mats_of(out);
  const int64_t n = c.rows, m = c.cols, k = a.sizes()[dims - 1];
  if (c.batch == 0 || n == 0 || m == 0) return;
  if (out.scalar_type() == ScalarType::BFloat16 &&
      bf16_on_dnnl(mats_of(a), mats_of(b), c, k, beta, alpha))
    return;
  if (isReducedFloatingType(out.scalar_type())) {
    // float32 operands and accumulation, one rounding of the result, as PyTorch on CPUs
    // without 16-bit matrix units.
    const Tensor out32 = beta != 0 ? float32_copy(out) : float32_like(out);
    matmul(float32_copy(a), float32_copy(b), out32, beta, alpha);
    return copy(out32, out);
  }
  detail::sync_fp_mode();
  detail::dispatch_numeric(out.scalar_type(), "matmul", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T tb = static_cast<T>(beta), ta = static_cast<T>(alpha);
    if (k == 0) return scale_only<T>(c, tb);
    if constexpr (std::is_floating_point_v<T>) {
      // Many small products: one thread per matrix beats BLAS's per-call overhead.
      const bool small = n * m * k <= 16 * 16 * 16 && c.batch > 1;
      if (!small) return blas_batched<T>(a, b, out, tb, ta);
    }
    loop_batched<T>(mats_of(a), mats_of(b), c, tb, ta);
  });
}

void CpuBackend::linear_forward(const Tensor& x, const Tensor& weight, const Tensor& bias,
                                bool relu, const Tensor& out) {
  const int64_t m = weight.size(0), k = weight.size(1);
  if (out.numel() == 0) return;
  const int64_t n = out.numel() / m;
  detail::sync_fp_mode();
  detail::dispatch_native_floating(out.scalar_type(), "linear", [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* c = out.data_ptr<T>();
    const T* b = bias.defined() ? bias.data_ptr<T>() : nullptr;
    if (k == 0) {  // an empty product: every row is the bias (or 0)
      std::fill(c, c + n * m, T(0));
      finish_rows(n, m, b, relu, c, m);
      return;
    }
    gemm<T>(false, true, n, m, k, T(1), x.data_ptr<T>(), k, weight.data_ptr<T>(), k, T(0), c, m, b,
            relu);
  });
}

}  // namespace nabla::cpu
