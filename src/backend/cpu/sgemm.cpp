// nabla's float32 GEMM (see sgemm.h for why). The layout is Goto's algorithm as BLIS teaches it:
//
//   for each column block of C (nc wide)        B block [kc, nc] packed into nr-wide panels
//     for each k block (kc deep, k ascending)     (stays in L2)
//       for each row block of C (mc high)       A block [mc, kc] packed into mr-high panels
//         for each mr-high panel of the A block   (stays in L1: its values are broadcast)
//           for each nr-wide panel of the B block (streams from L2: its vectors are loaded)
//             micro-kernel: an mr x nr tile of C held in registers, kc rank-1 updates
//
// Every element of C is computed as: acc_0 = sum over the first k block (p ascending, one FMA
// each), c = alpha * acc_0 + beta * c; then for each further block c = alpha * acc_j + c. The
// blocks of k depend on k alone, and a tile at the edge of C runs the same instructions per
// element as a full one (the rows by a kernel instantiated for fewer rows, the columns through a
// full-width tile buffer), so the result does not depend on how C is split.
#include "backend/cpu/sgemm.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <utility>

#include "backend/cpu/x86_kernels.h"

namespace nabla::cpu::sgemm {

namespace {

// A read-only matrix with element (i, j) at p[i * rs + j * cs].
struct View {
  const float* p;
  int64_t rs, cs;
  View block(int64_t i, int64_t j) const { return {p + i * rs + j * cs, rs, cs}; }
};

// Row tiles of n > 0 rows, at most mr high, as few as mr allows, whose heights differ by at most
// one (64 rows, mr 12: 11, 11, 11, 11, 10, 10; 256 rows: 12 x 14 and 11 x 8), for the paths
// that read A in place.
struct RowTiles {
  int64_t count, base, taller;
  RowTiles(int64_t n, int mr) : count((n + mr - 1) / mr), base(n / count), taller(n % count) {}
  int height(int64_t t) const { return static_cast<int>(base + (t < taller ? 1 : 0)); }
  int64_t start(int64_t t) const { return t * base + std::min(t, taller); }
};

// The order in which the direct path walks the tiles of a block of C [n, m], A [n, kc] read in
// place, B's columns in nr-wide strips. Row tiles outside, so that a tile's A values stay in L1
// while B's strips stream from L2; but where all of the block's A fits in L1 (kStripsOutsideMaxA),
// strips outside: each strip of B is fetched once and serves every row tile, A coming from L1
// again for each strip. Each tile gets the same FMAs either way: the order changes no bits.
// On an AMD EPYC (Zen 5), one thread: alternated with row tiles outside in one process (the same
// loop, the order switched at run time), 64^3 1.002-1.007x; in separate processes, 64^3
// 1.01-1.02x, 96^3 1.00-1.02x, 32^3 1.00x. This loop (one tile per step, its place computed from
// its index) against the one before it (a column loop inside each row tile, the row
// accumulated): 32^3 1.05-1.07x, 64^3 1.01-1.03x (1.05x in a slow minute), 256^3 and (64x256)^T
// @ 64x784 1.00x, the AVX2 kernels 0.98-1.03x. What in the old loop's code cost 5% at 32^3
// (three tiles of 32 k steps) we did not find; not the loops' alignment (-falign-loops=64 left
// both as they were).
constexpr int64_t kStripsOutsideMaxA = 12288;  // floats: 48 KiB, the L1 data cache of recent cores
struct TileOrder {
  struct Tile {
    int64_t row, column;  // of the tile's first element in the block
    int rows;
    int64_t columns;
  };
  TileOrder(RowTiles row_tiles, int64_t m, int nr, int64_t kc)
      : tiles(row_tiles),
        m(m),
        nr(nr),
        strips_outside(tiles.start(tiles.count) * kc <= kStripsOutsideMaxA),
        outer(strips_outside ? (m + nr - 1) / nr : tiles.count),
        inner(strips_outside ? tiles.count : (m + nr - 1) / nr) {}
  Tile tile(int64_t o, int64_t q) const {
    const int64_t t = strips_outside ? q : o, j = (strips_outside ? o : q) * nr;
    return {tiles.start(t), j, tiles.height(t), std::min<int64_t>(nr, m - j)};
  }
  RowTiles tiles;
  int64_t m;
  int nr;
  bool strips_outside;
  int64_t outer, inner;
};

// One micro-kernel: c[0..rows, 0..nr) = alpha * (a_panel @ b_panel) + beta * c (beta == 0:
// c is not read). a_panel is [kc][rows] (rows = the kernel's row count), b_panel [kc][nr], both
// packed; b_panel is 64-byte aligned.
using Kernel = void (*)(int64_t kc, const float* a_panel, const float* b_panel, float* c,
                        int64_t ldc, float alpha, float beta);
// Whether a kernel also fetches the A panel after its own (the next row tile's: a_panel +
// rows * kc) into L2, one line per k step, for a tile whose A panels come from memory or L3
// (see reused_a_blocks).
enum class NextA { kLeave, kFetch };

constexpr int kMaxMr = 16, kMaxNr = 64;

// Packing (see pack_a and pack_b below for the layouts).
using PackA = void (*)(View a, int64_t mc, int64_t kc, int mr, float* out);
using PackB = void (*)(View b, int64_t kc, int64_t nc, int nr, float* out);
// The direct path over a block of C [n, m] (n > 0): C = alpha * A [n, kc] @ B [kc, m] + beta * C,
// A read in place, B's rows contiguous (ldb apart), the strip of B for columns [j, j + nr) at
// b + j * strip_stride (1: B as it is; kc: B packed into nr-wide panels), tiles in TileOrder.
// A by reference: passed by value, a View (three words, so on the stack) was written field by
// field and read back as one 16-byte load, which store forwarding cannot serve (~8% of a 4 x 4
// mm).
using DirectTiles = void (*)(int64_t n, int64_t m, int64_t kc, const View& a, const float* b,
                             int64_t ldb, int64_t strip_stride, float* c, int64_t ldc, float alpha,
                             float beta);
// dst[j * ldd + i] = src[i * lds + j] for i < rows, j < cols.
using Transpose = void (*)(const float* src, int64_t lds, int64_t rows, int64_t cols, float* dst,
                           int64_t ldd);
// Unused where no kernel is compiled (other architectures, clang): [[maybe_unused]].
[[maybe_unused]] void pack_a(View a, int64_t mc, int64_t kc, int mr, float* out);
[[maybe_unused]] void pack_b(View b, int64_t kc, int64_t nc, int nr, float* out);
// Floats past the end of a packed A block that a pack_a may write (pack_a_avx2 stores whole
// vectors); the buffer has them to spare.
constexpr int64_t kPackSlack = 8;

// One instruction set's kernels (kernels[r] computes r rows, 1 <= r <= mr; fetching[r] the same,
// fetching the next A panel as it goes), packing and block sizes.
struct Isa {
  const char* name = "none";
  int mr = 0, nr = 0;
  int64_t kc = 0, mc = 0, nc = 0;
  Kernel kernels[kMaxMr + 1] = {};
  Kernel fetching[kMaxMr + 1] = {};
  PackA pack_a = nullptr;
  PackB pack_b = nullptr;
  DirectTiles direct_tiles = nullptr;  // where the ISA has them (AVX-512, AVX2)
  Transpose transpose = nullptr;       // with the direct kernels
};

// The mask of a vector of `lanes` floats that holds the first w columns from its start (w may
// be negative or past the vector: no lanes or all of them).
[[maybe_unused]] inline uint16_t lane_mask(int lanes, int64_t w) {
  return static_cast<uint16_t>(w >= lanes ? (1u << lanes) - 1u : w <= 0 ? 0u : (1u << w) - 1u);
}

#ifdef NABLA_X86_INTRINSICS

// AVX-512: a Rows x (16 * Vecs) tile in Rows * Vecs zmm accumulators; each k step loads Vecs
// vectors of B and broadcasts Rows values of A from memory.
template <int Rows, int Vecs, NextA Next>
NABLA_TARGET_AVX512 void kernel_avx512(int64_t kc, const float* a, const float* b, float* c,
                                       int64_t ldc, float alpha, float beta) {
  __m512 acc[Rows][Vecs];
#pragma GCC unroll 16
  for (int r = 0; r < Rows; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < Vecs; ++v) acc[r][v] = _mm512_setzero_ps();
      // The tile of C is read (or written) only after the loop: fetch it meanwhile.
#pragma GCC unroll 16
  for (int r = 0; r < Rows; ++r) {
    _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc + 16 * Vecs - 1), _MM_HINT_T0);
  }
  // Unrolled, as the direct kernel's loop (below): 256^3 1.03-1.11x, 1024^3 0.99-1.02x
  // (Intel Xeon, family 6, model 207; one thread, interleaved with the loop not unrolled).
#pragma GCC unroll 4
  for (int64_t p = 0; p < kc; ++p) {
    __m512 bv[Vecs];
#pragma GCC unroll 4
    for (int v = 0; v < Vecs; ++v) bv[v] = _mm512_load_ps(b + 16 * v);
    if constexpr (Next == NextA::kFetch)
      _mm_prefetch(reinterpret_cast<const char*>(a + Rows * kc), _MM_HINT_T1);
#pragma GCC unroll 16
    for (int r = 0; r < Rows; ++r) {
      const __m512 av = _mm512_set1_ps(a[r]);
#pragma GCC unroll 4
      for (int v = 0; v < Vecs; ++v) acc[r][v] = _mm512_fmadd_ps(av, bv[v], acc[r][v]);
    }
    a += Rows;
    b += 16 * Vecs;
  }
  const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
#pragma GCC unroll 16
  for (int r = 0; r < Rows; ++r) {
    float* row = c + r * ldc;
#pragma GCC unroll 4
    for (int v = 0; v < Vecs; ++v) {
      const __m512 ab = _mm512_mul_ps(va, acc[r][v]);
      _mm512_storeu_ps(
          row + 16 * v,
          beta == 0.0f
              ? ab
              : _mm512_fmadd_ps(va, acc[r][v], _mm512_mul_ps(vb, _mm512_loadu_ps(row + 16 * v))));
    }
  }
}

// Transposes a 16 x 16 block held in 16 registers, row t into column t: unpack pairs of rows,
// then pairs of pairs, then exchange 128-bit lanes (3 x 16 shuffles for 256 floats).
NABLA_TARGET_AVX512 inline void transpose16(__m512 (&r)[16]) {
  __m512 t[16];
#pragma GCC unroll 8
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
  }
  // r[4i + c], 128-bit lane L: column 4L + c of rows 4i..4i+3.
#pragma GCC unroll 4
  for (int i = 0; i < 16; i += 4) {
    const __m512d t0 = _mm512_castps_pd(t[i]), t1 = _mm512_castps_pd(t[i + 1]);
    const __m512d t2 = _mm512_castps_pd(t[i + 2]), t3 = _mm512_castps_pd(t[i + 3]);
    r[i] = _mm512_castpd_ps(_mm512_unpacklo_pd(t0, t2));
    r[i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(t0, t2));
    r[i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(t1, t3));
    r[i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(t1, t3));
  }
#pragma GCC unroll 4
  for (int c = 0; c < 4; ++c) {
    const __m512 u0 = _mm512_shuffle_f32x4(r[c], r[4 + c], 0x88);  // lanes 0, 2
    const __m512 u1 = _mm512_shuffle_f32x4(r[c], r[4 + c], 0xDD);  // lanes 1, 3
    const __m512 u2 = _mm512_shuffle_f32x4(r[8 + c], r[12 + c], 0x88);
    const __m512 u3 = _mm512_shuffle_f32x4(r[8 + c], r[12 + c], 0xDD);
    t[c] = _mm512_shuffle_f32x4(u0, u2, 0x88);
    t[c + 4] = _mm512_shuffle_f32x4(u1, u3, 0x88);
    t[c + 8] = _mm512_shuffle_f32x4(u0, u2, 0xDD);
    t[c + 12] = _mm512_shuffle_f32x4(u1, u3, 0xDD);
  }
#pragma GCC unroll 16
  for (int i = 0; i < 16; ++i) r[i] = t[i];
}

// pack_a for rows of A that are contiguous (the usual x of x @ w): 16 columns of a panel's rows
// at a time, transposed in registers. Other layouts and the last columns go to pack_a.
// pack_a for A stored transposed (columns contiguous, the g of g^T @ x): each k step copies
// one panel row with a masked load and store.
NABLA_TARGET_AVX512 void pack_a_columns_avx512(View a, int64_t mc, int64_t kc, int mr, float* out) {
  for (int64_t i0 = 0; i0 < mc; i0 += mr) {
    const int h = static_cast<int>(std::min<int64_t>(mr, mc - i0));
    float* panel = out + i0 * kc;
    const __mmask16 mask = static_cast<__mmask16>((1u << h) - 1u);
    for (int64_t p = 0; p < kc; ++p)
      _mm512_mask_storeu_ps(panel + p * h, mask, _mm512_maskz_loadu_ps(mask, a.p + p * a.cs + i0));
  }
}

NABLA_TARGET_AVX512 void pack_a_avx512(View a, int64_t mc, int64_t kc, int mr, float* out) {
  if (a.rs == 1 && mr <= 16) return pack_a_columns_avx512(a, mc, kc, mr, out);
  if (a.cs != 1) return pack_a(a, mc, kc, mr, out);
  const int64_t kc16 = kc / 16 * 16;
  for (int64_t i0 = 0; i0 < mc; i0 += mr) {
    const int h = static_cast<int>(std::min<int64_t>(mr, mc - i0));
    float* panel = out + i0 * kc;
    const __mmask16 mask = static_cast<__mmask16>((1u << h) - 1u);
    for (int64_t p0 = 0; p0 < kc16; p0 += 16) {
      __m512 r[16];
#pragma GCC unroll 16
      for (int i = 0; i < 16; ++i)
        r[i] = i < h ? _mm512_loadu_ps(a.p + (i0 + i) * a.rs + p0) : _mm512_setzero_ps();
      // Each row is a short stream (kc floats); fetching 4 lines ahead hides some of the
      // latency from memory: 2048^3 1.01x, one thread (AMD EPYC, Zen 5, alternated in one
      // process).
      for (int i = 0; i < h; ++i)
        _mm_prefetch(reinterpret_cast<const char*>(a.p + (i0 + i) * a.rs + p0 + 64), _MM_HINT_T0);
      transpose16(r);
#pragma GCC unroll 16
      for (int t = 0; t < 16; ++t) _mm512_mask_storeu_ps(panel + (p0 + t) * h, mask, r[t]);
    }
    for (int64_t r = 0; r < h; ++r)
      for (int64_t p = kc16; p < kc; ++p) panel[p * h + r] = a.p[(i0 + r) * a.rs + p];
  }
}

// pack_b for B stored transposed (the w of x @ w^T): 16 x 16 blocks transposed in registers.
// pack_b for B with contiguous rows (the w of g @ w): each k step copies nr floats of a row
// (two masked vectors for nr = 32; zeros past the edge).
NABLA_TARGET_AVX512 void pack_b_rows_avx512(View b, int64_t kc, int64_t nc, float* out) {
  for (int64_t j0 = 0; j0 < nc; j0 += 32) {
    const __mmask16 m0 = lane_mask(16, nc - j0), m1 = lane_mask(16, nc - j0 - 16);
    float* panel = out + j0 * kc;
    for (int64_t p = 0; p < kc; ++p) {
      const float* src = b.p + p * b.rs + j0;
      _mm512_store_ps(panel + p * 32, _mm512_maskz_loadu_ps(m0, src));
      _mm512_store_ps(panel + p * 32 + 16, _mm512_maskz_loadu_ps(m1, src + 16));
    }
  }
}

NABLA_TARGET_AVX512 void pack_b_avx512(View b, int64_t kc, int64_t nc, int nr, float* out) {
  if (b.cs == 1 && nr == 32) return pack_b_rows_avx512(b, kc, nc, out);
  if (b.rs != 1) return pack_b(b, kc, nc, nr, out);
  const int64_t kc16 = kc / 16 * 16;
  for (int64_t j0 = 0; j0 < nc; j0 += nr) {
    const int64_t w = std::min<int64_t>(nr, nc - j0);
    float* panel = out + j0 * kc;
    int64_t j = 0;
    for (; j + 16 <= w; j += 16) {
      const float* src = b.p + (j0 + j) * b.cs;
      for (int64_t p0 = 0; p0 < kc16; p0 += 16) {
        __m512 r[16];
#pragma GCC unroll 16
        for (int i = 0; i < 16; ++i) r[i] = _mm512_loadu_ps(src + i * b.cs + p0);
        transpose16(r);
#pragma GCC unroll 16
        for (int t = 0; t < 16; ++t) _mm512_storeu_ps(panel + (p0 + t) * nr + j, r[t]);
      }
      for (int64_t jj = j; jj < j + 16; ++jj)
        for (int64_t p = kc16; p < kc; ++p) panel[p * nr + jj] = b.p[(j0 + jj) * b.cs + p];
    }
    for (; j < w; ++j)
      for (int64_t p = 0; p < kc; ++p) panel[p * nr + j] = b.p[(j0 + j) * b.cs + p];
    for (; j < nr; ++j)
      for (int64_t p = 0; p < kc; ++p) panel[p * nr + j] = 0.0f;
  }
}

// The Transpose of the AVX-512 kernels: 16 x 16 blocks through transpose16, the edges masked.
NABLA_TARGET_AVX512 void transpose_avx512(const float* src, int64_t lds, int64_t rows, int64_t cols,
                                          float* dst, int64_t ldd) {
  for (int64_t i0 = 0; i0 < rows; i0 += 16) {
    const int64_t h = std::min<int64_t>(16, rows - i0);
    const auto row_mask = static_cast<__mmask16>(h == 16 ? 0xFFFFu : (1u << h) - 1u);
    for (int64_t j0 = 0; j0 < cols; j0 += 16) {
      const int64_t w = std::min<int64_t>(16, cols - j0);
      const auto col_mask = static_cast<__mmask16>(w == 16 ? 0xFFFFu : (1u << w) - 1u);
      __m512 r[16];
#pragma GCC unroll 16
      for (int t = 0; t < 16; ++t)
        r[t] = t < h ? _mm512_maskz_loadu_ps(col_mask, src + (i0 + t) * lds + j0)
                     : _mm512_setzero_ps();
      transpose16(r);
      for (int64_t t = 0; t < w; ++t)
        _mm512_mask_storeu_ps(dst + (j0 + t) * ldd + i0, row_mask, r[t]);
    }
  }
}

// The direct kernel: the AVX-512 kernel's arithmetic on operands read where they are, for
// products too small to pay for packing (see gemm below). A is read through a View (a
// broadcast per row and k step, any layout), B row by row (its rows must be contiguous), 32
// columns as two masked vectors, so columns past C's edge are neither read nor written. Each
// element gets the same FMAs in the same order as in kernel_avx512, so a product gives the same
// bits whichever path computes it. A full-width tile (Full) loads B without masks: on an Intel
// Xeon (family 6, model 207), one thread, old and new code interleaved in one process, 5-10%
// faster on the products that take this path (64^3 1.06-1.08x, 64x784 @ (256x784)^T
// 1.07-1.17x, 32x256 @ (1024x256)^T 1.04-1.09x), the packed ones unchanged.
template <int Rows, int Vecs, bool Full>
NABLA_TARGET_AVX512 inline void direct_avx512_loop(int64_t kc, View a, const float* b, int64_t ldb,
                                                   const __mmask16 (&mask)[Vecs],
                                                   __m512 (&acc)[Rows][Vecs]) {
  const float* ap = a.p;
  // Unrolled: the loop's own instructions (counter, pointers) then take fewer issue slots
  // beside the FMAs; 2-12% on the products that take this path (Intel Xeon, family 6, model 207).
#pragma GCC unroll 4
  for (int64_t p = 0; p < kc; ++p) {
    __m512 bv[Vecs];
#pragma GCC unroll 4
    for (int v = 0; v < Vecs; ++v)
      bv[v] = Full ? _mm512_loadu_ps(b + 16 * v) : _mm512_maskz_loadu_ps(mask[v], b + 16 * v);
#pragma GCC unroll 16
    for (int r = 0; r < Rows; ++r) {
      const __m512 av = _mm512_set1_ps(ap[r * a.rs]);
#pragma GCC unroll 4
      for (int v = 0; v < Vecs; ++v) acc[r][v] = _mm512_fmadd_ps(av, bv[v], acc[r][v]);
    }
    ap += a.cs;
    b += ldb;
  }
}
template <int Rows, int Vecs>
NABLA_TARGET_AVX512 __attribute__((always_inline)) inline void kernel_direct_avx512(
    int64_t kc, View a, const float* b, int64_t ldb, int64_t cols, float* c, int64_t ldc,
    float alpha, float beta) {
  __mmask16 mask[Vecs];
#pragma GCC unroll 4
  for (int v = 0; v < Vecs; ++v) mask[v] = lane_mask(16, cols - 16 * v);
  __m512 acc[Rows][Vecs];
#pragma GCC unroll 16
  for (int r = 0; r < Rows; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < Vecs; ++v) acc[r][v] = _mm512_setzero_ps();
  if (cols >= 16 * Vecs) {
    direct_avx512_loop<Rows, Vecs, true>(kc, a, b, ldb, mask, acc);
  } else {
    direct_avx512_loop<Rows, Vecs, false>(kc, a, b, ldb, mask, acc);
  }
  // C = A @ B on a full tile (most calls): plain stores, no multiply by alpha. 64^3 1.02-1.03x
  // (AMD EPYC, Zen 5, one thread, interleaved with the general epilogue); the same bits.
  if (beta == 0.0f && alpha == 1.0f && cols >= 16 * Vecs) {
#pragma GCC unroll 16
    for (int r = 0; r < Rows; ++r)
#pragma GCC unroll 4
      for (int v = 0; v < Vecs; ++v) _mm512_storeu_ps(c + r * ldc + 16 * v, acc[r][v]);
    return;
  }
  const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
#pragma GCC unroll 16
  for (int r = 0; r < Rows; ++r) {
    float* row = c + r * ldc;
#pragma GCC unroll 4
    for (int v = 0; v < Vecs; ++v) {
      if (beta == 0.0f) {
        _mm512_mask_storeu_ps(row + 16 * v, mask[v], _mm512_mul_ps(va, acc[r][v]));
      } else {
        const __m512 cv = _mm512_maskz_loadu_ps(mask[v], row + 16 * v);
        _mm512_mask_storeu_ps(row + 16 * v, mask[v],
                              _mm512_fmadd_ps(va, acc[r][v], _mm512_mul_ps(vb, cv)));
      }
    }
  }
}

// DirectTiles for AVX-512: every tile of the block in one function, the kernel for each height
// inlined. A call per tile (through a table of kernels by height) cost 5-6% of 64^3, whose tiles
// are only 64 k steps deep (AMD EPYC, Zen 5, one thread, interleaved with the call per tile in
// one process: 64^3 1.05-1.06x, 64x784 @ (256x784)^T 1.02x); the same bits.
template <int Vecs, int... Heights>
NABLA_TARGET_AVX512 void direct_tiles_avx512(int64_t n, int64_t m, int64_t kc, const View& a,
                                             const float* b, int64_t ldb, int64_t strip_stride,
                                             float* c, int64_t ldc, float alpha, float beta) {
  constexpr int mr = sizeof...(Heights), nr = 16 * Vecs;
  const TileOrder order(RowTiles(n, mr), m, nr, kc);
  for (int64_t o = 0; o < order.outer; ++o) {
    for (int64_t q = 0; q < order.inner; ++q) {
      const TileOrder::Tile tile = order.tile(o, q);
      const int64_t i = tile.row, j = tile.column;
      // The one kernel whose height is `tile.rows` (Heights are 1..mr).
      (void)((tile.rows == Heights &&
              (kernel_direct_avx512<Heights, Vecs>(kc, a.block(i, 0), b + j * strip_stride, ldb,
                                                   tile.columns, c + i * ldc + j, ldc, alpha, beta),
               true)) ||
             ...);
    }
  }
}

// AVX2: a 6 x 16 tile is 12 ymm accumulators (of 16 registers).
template <int Rows, NextA Next>
NABLA_TARGET_AVX2 void kernel_avx2(int64_t kc, const float* a, const float* b, float* c,
                                   int64_t ldc, float alpha, float beta) {
  __m256 lo[Rows], hi[Rows];
#pragma GCC unroll 16
  for (int r = 0; r < Rows; ++r) lo[r] = hi[r] = _mm256_setzero_ps();
  for (int64_t p = 0; p < kc; ++p) {
    const __m256 b0 = _mm256_load_ps(b), b1 = _mm256_load_ps(b + 8);
    if constexpr (Next == NextA::kFetch)
      _mm_prefetch(reinterpret_cast<const char*>(a + Rows * kc), _MM_HINT_T1);
#pragma GCC unroll 16
    for (int r = 0; r < Rows; ++r) {
      const __m256 av = _mm256_broadcast_ss(a + r);
      lo[r] = _mm256_fmadd_ps(av, b0, lo[r]);
      hi[r] = _mm256_fmadd_ps(av, b1, hi[r]);
    }
    a += Rows;
    b += 16;
  }
  const __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
#pragma GCC unroll 16
  for (int r = 0; r < Rows; ++r) {
    float* row = c + r * ldc;
    if (beta == 0.0f) {
      _mm256_storeu_ps(row, _mm256_mul_ps(va, lo[r]));
      _mm256_storeu_ps(row + 8, _mm256_mul_ps(va, hi[r]));
    } else {
      _mm256_storeu_ps(row, _mm256_fmadd_ps(va, lo[r], _mm256_mul_ps(vb, _mm256_loadu_ps(row))));
      _mm256_storeu_ps(row + 8,
                       _mm256_fmadd_ps(va, hi[r], _mm256_mul_ps(vb, _mm256_loadu_ps(row + 8))));
    }
  }
}

// The AVX2 direct kernel: kernel_avx2's arithmetic (the same FMAs per element) on operands read
// where they are, as kernel_direct_avx512 does; bit j of a half's mask enables its column j.
NABLA_TARGET_AVX2 inline __m256i lanes_of(uint16_t mask) {
  const __m256i bit = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
  return _mm256_cmpeq_epi32(_mm256_and_si256(_mm256_set1_epi32(mask), bit), bit);
}
// Masked loads are slow on AMD cores (VMASKMOVPS), so a full-width tile (Full) loads B plainly.
template <int Rows, bool Full>
NABLA_TARGET_AVX2 inline void direct_avx2_loop(int64_t kc, View a, const float* b, int64_t ldb,
                                               __m256i k0, __m256i k1, __m256 (&lo)[Rows],
                                               __m256 (&hi)[Rows]) {
  const float* ap = a.p;
  for (int64_t p = 0; p < kc; ++p) {
    const __m256 b0 = Full ? _mm256_loadu_ps(b) : _mm256_maskload_ps(b, k0);
    const __m256 b1 = Full ? _mm256_loadu_ps(b + 8) : _mm256_maskload_ps(b + 8, k1);
#pragma GCC unroll 16
    for (int r = 0; r < Rows; ++r) {
      const __m256 av = _mm256_broadcast_ss(ap + r * a.rs);
      lo[r] = _mm256_fmadd_ps(av, b0, lo[r]);
      hi[r] = _mm256_fmadd_ps(av, b1, hi[r]);
    }
    ap += a.cs;
    b += ldb;
  }
}
template <int Rows>
NABLA_TARGET_AVX2 __attribute__((always_inline)) inline void kernel_direct_avx2(
    int64_t kc, View a, const float* b, int64_t ldb, int64_t cols, float* c, int64_t ldc,
    float alpha, float beta) {
  const uint16_t m0 = lane_mask(8, cols), m1 = lane_mask(8, cols - 8);
  const __m256i k0 = lanes_of(m0), k1 = lanes_of(m1);
  __m256 lo[Rows], hi[Rows];
#pragma GCC unroll 16
  for (int r = 0; r < Rows; ++r) lo[r] = hi[r] = _mm256_setzero_ps();
  const bool full = m0 == 0xFF && m1 == 0xFF;
  if (full) {
    direct_avx2_loop<Rows, true>(kc, a, b, ldb, k0, k1, lo, hi);
  } else {
    direct_avx2_loop<Rows, false>(kc, a, b, ldb, k0, k1, lo, hi);
  }
  const __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
#pragma GCC unroll 16
  for (int r = 0; r < Rows; ++r) {
    float* row = c + r * ldc;
    if (full && beta == 0.0f) {
      _mm256_storeu_ps(row, _mm256_mul_ps(va, lo[r]));
      _mm256_storeu_ps(row + 8, _mm256_mul_ps(va, hi[r]));
    } else if (full) {
      _mm256_storeu_ps(row, _mm256_fmadd_ps(va, lo[r], _mm256_mul_ps(vb, _mm256_loadu_ps(row))));
      _mm256_storeu_ps(row + 8,
                       _mm256_fmadd_ps(va, hi[r], _mm256_mul_ps(vb, _mm256_loadu_ps(row + 8))));
    } else if (beta == 0.0f) {
      _mm256_maskstore_ps(row, k0, _mm256_mul_ps(va, lo[r]));
      _mm256_maskstore_ps(row + 8, k1, _mm256_mul_ps(va, hi[r]));
    } else {
      const __m256 c0 = _mm256_maskload_ps(row, k0), c1 = _mm256_maskload_ps(row + 8, k1);
      _mm256_maskstore_ps(row, k0, _mm256_fmadd_ps(va, lo[r], _mm256_mul_ps(vb, c0)));
      _mm256_maskstore_ps(row + 8, k1, _mm256_fmadd_ps(va, hi[r], _mm256_mul_ps(vb, c1)));
    }
  }
}

// DirectTiles for AVX2: direct_tiles_avx512's loop, written again because a function inlines
// the kernels only under its own target attribute (a shared loop without one cannot).
template <int... Heights>
NABLA_TARGET_AVX2 void direct_tiles_avx2(int64_t n, int64_t m, int64_t kc, const View& a,
                                         const float* b, int64_t ldb, int64_t strip_stride,
                                         float* c, int64_t ldc, float alpha, float beta) {
  constexpr int mr = sizeof...(Heights), nr = 16;
  const TileOrder order(RowTiles(n, mr), m, nr, kc);
  for (int64_t o = 0; o < order.outer; ++o) {
    for (int64_t q = 0; q < order.inner; ++q) {
      const TileOrder::Tile tile = order.tile(o, q);
      const int64_t i = tile.row, j = tile.column;
      (void)((tile.rows == Heights &&
              (kernel_direct_avx2<Heights>(kc, a.block(i, 0), b + j * strip_stride, ldb,
                                           tile.columns, c + i * ldc + j, ldc, alpha, beta),
               true)) ||
             ...);
    }
  }
}

// Transposes an 8 x 8 block held in 8 registers, row q into column q: unpack pairs of rows,
// then pairs of pairs, then exchange the 128-bit halves.
NABLA_TARGET_AVX2 inline void transpose8(__m256 (&r)[8]) {
  __m256 t[8];
#pragma GCC unroll 4
  for (int q = 0; q < 8; q += 2) {
    t[q] = _mm256_unpacklo_ps(r[q], r[q + 1]);
    t[q + 1] = _mm256_unpackhi_ps(r[q], r[q + 1]);
  }
  // r[4i + c] (c < 4), per 128-bit half: element c of rows 4i..4i+3 of that half.
#pragma GCC unroll 2
  for (int q = 0; q < 8; q += 4) {
    r[q] = _mm256_shuffle_ps(t[q], t[q + 2], _MM_SHUFFLE(1, 0, 1, 0));
    r[q + 1] = _mm256_shuffle_ps(t[q], t[q + 2], _MM_SHUFFLE(3, 2, 3, 2));
    r[q + 2] = _mm256_shuffle_ps(t[q + 1], t[q + 3], _MM_SHUFFLE(1, 0, 1, 0));
    r[q + 3] = _mm256_shuffle_ps(t[q + 1], t[q + 3], _MM_SHUFFLE(3, 2, 3, 2));
  }
#pragma GCC unroll 4
  for (int q = 0; q < 4; ++q) {
    t[q] = _mm256_permute2f128_ps(r[q], r[q + 4], 0x20);
    t[q + 4] = _mm256_permute2f128_ps(r[q], r[q + 4], 0x31);
  }
#pragma GCC unroll 8
  for (int q = 0; q < 8; ++q) r[q] = t[q];
}

// The Transpose of the AVX2 kernels: 8 x 8 blocks in registers, the edges element by element.
NABLA_TARGET_AVX2 void transpose_avx2(const float* src, int64_t lds, int64_t rows, int64_t cols,
                                      float* dst, int64_t ldd) {
  for (int64_t i0 = 0; i0 < rows; i0 += 8) {
    const int64_t h = std::min<int64_t>(8, rows - i0);
    for (int64_t j0 = 0; j0 < cols; j0 += 8) {
      const int64_t w = std::min<int64_t>(8, cols - j0);
      if (h < 8 || w < 8) {
        for (int64_t j = 0; j < w; ++j)
          for (int64_t i = 0; i < h; ++i)
            dst[(j0 + j) * ldd + i0 + i] = src[(i0 + i) * lds + j0 + j];
        continue;
      }
      __m256 r[8];
#pragma GCC unroll 8
      for (int q = 0; q < 8; ++q) r[q] = _mm256_loadu_ps(src + (i0 + q) * lds + j0);
      transpose8(r);
#pragma GCC unroll 8
      for (int q = 0; q < 8; ++q) _mm256_storeu_ps(dst + (j0 + q) * ldd + i0, r[q]);
    }
  }
}

// pack_a for A with contiguous rows: 8 x 8 blocks transposed in registers (rows past the
// panel's h read as zeros), each column stored as h floats. The stores are whole vectors in
// increasing order, each overwriting the 8 - h extra floats of the one before; the last one's
// extra floats land in the columns of the tail loop, in the next panel (packed later) or in
// the buffer's slack (kPackSlack).
NABLA_TARGET_AVX2 void pack_a_avx2(View a, int64_t mc, int64_t kc, int mr, float* out) {
  if (a.cs != 1 || mr > 8) return pack_a(a, mc, kc, mr, out);
  const int64_t kc8 = kc / 8 * 8;
  for (int64_t i0 = 0; i0 < mc; i0 += mr) {
    const int h = static_cast<int>(std::min<int64_t>(mr, mc - i0));
    float* panel = out + i0 * kc;
    for (int64_t p0 = 0; p0 < kc8; p0 += 8) {
      __m256 r[8];
#pragma GCC unroll 8
      for (int i = 0; i < 8; ++i)
        r[i] = i < h ? _mm256_loadu_ps(a.p + (i0 + i) * a.rs + p0) : _mm256_setzero_ps();
      transpose8(r);
#pragma GCC unroll 8
      for (int t = 0; t < 8; ++t) _mm256_storeu_ps(panel + (p0 + t) * h, r[t]);
    }
    for (int64_t r = 0; r < h; ++r)
      for (int64_t p = kc8; p < kc; ++p) panel[p * h + r] = a.p[(i0 + r) * a.rs + p];
  }
}

// pack_b for panels 16 wide: B with contiguous rows copies two vectors per k step; B stored
// transposed (the w of x @ w^T) goes by 8 x 8 blocks transposed in registers. Edge panels and
// k tails as pack_b.
NABLA_TARGET_AVX2 void pack_b_avx2(View b, int64_t kc, int64_t nc, int nr, float* out) {
  if (nr != 16 || (b.cs != 1 && b.rs != 1)) return pack_b(b, kc, nc, nr, out);
  const int64_t kc8 = b.cs == 1 ? kc : kc / 8 * 8;
  for (int64_t j0 = 0; j0 < nc; j0 += 16) {
    float* panel = out + j0 * kc;
    const View part{b.p + j0 * b.cs, b.rs, b.cs};
    if (nc - j0 < 16) {
      pack_b(part, kc, nc - j0, nr, panel);
      continue;
    }
    if (b.cs == 1) {
      for (int64_t p = 0; p < kc; ++p) {
        const float* src = part.p + p * b.rs;
        _mm256_store_ps(panel + p * 16, _mm256_loadu_ps(src));
        _mm256_store_ps(panel + p * 16 + 8, _mm256_loadu_ps(src + 8));
      }
      continue;
    }
    for (int half = 0; half < 16; half += 8) {
      for (int64_t p0 = 0; p0 < kc8; p0 += 8) {
        __m256 r[8];
#pragma GCC unroll 8
        for (int j = 0; j < 8; ++j) r[j] = _mm256_loadu_ps(part.p + (half + j) * b.cs + p0);
        transpose8(r);
#pragma GCC unroll 8
        for (int t = 0; t < 8; ++t) _mm256_store_ps(panel + (p0 + t) * 16 + half, r[t]);
      }
    }
    for (int64_t p = kc8; p < kc; ++p)
      for (int64_t j = 0; j < 16; ++j) panel[p * 16 + j] = part.p[j * b.cs + p];
  }
}

template <template <int, NextA> class Fill, int... Rows>
void fill_kernels(Isa& isa, std::integer_sequence<int, Rows...>) {
  ((isa.kernels[Rows + 1] = Fill<Rows + 1, NextA::kLeave>::fn), ...);
  ((isa.fetching[Rows + 1] = Fill<Rows + 1, NextA::kFetch>::fn), ...);
}
// The DirectTiles of heights 1..mr, from the sequence 0..mr-1.
template <int Vecs, int... Below>
constexpr DirectTiles avx512_tiles(std::integer_sequence<int, Below...>) {
  return &direct_tiles_avx512<Vecs, (Below + 1)...>;
}
template <int... Below>
constexpr DirectTiles avx2_tiles(std::integer_sequence<int, Below...>) {
  return &direct_tiles_avx2<(Below + 1)...>;
}
// The AVX-512 tile, Rows x (16 * Vecs) of C in Rows * Vecs registers, is 12 x 32 (12
// broadcasts of A and 2 vector loads of B per 24 FMAs). On an AMD EPYC (Zen 5) it is as fast
// as 8 x 48, 6 x 64 and 14 x 32, with the least waste at the edges of the MLP's and LSTM's
// shapes (batch 32, 64; widths of 32s). On an Intel Xeon (family 6, model 207), 6 x 64 (6
// broadcasts and 4 loads per 24 FMAs) is 2-10% faster on the MLP's shapes (one thread, both
// shapes interleaved in one process: 64^3 81.6 against 74.2 GFLOP/s, 64x128 @ 128x256 79.2
// against 74.7) but loses where a side is 32 or 96 wide: an LSTM step's 32x256 @
// (1024x256)^T 33.5 against 74.8, 2048x256 @ (96x256)^T 57.9 against 77.4. Either shape gives
// an element the same FMAs in the same order (the same bits).
constexpr int kAvx512Mr = 12, kAvx512Vecs = 2;
template <int Rows, NextA Next>
struct Avx512Kernel {
  static constexpr Kernel fn = &kernel_avx512<Rows, kAvx512Vecs, Next>;
};
template <int Rows, NextA Next>
struct Avx2Kernel {
  static constexpr Kernel fn = &kernel_avx2<Rows, Next>;
};

Isa avx512_isa() {
  // kc 512: a 12 x 512 A panel (24 KiB) stays in L1 beside the B panel streaming through;
  // nc 384: a 512 x 384 B block (768 KiB) stays in the 1 MiB L2 of a Zen 4/5 or recent Xeon
  // core. Against kc 256 and nc 768 (the same B block, C read and written half as often):
  // on an AMD EPYC (Zen 5), in rotation with oneDNN's sgemm in one process, 2 threads, three
  // runs each, 1024^3 0.90x, 0.94x, 0.95x of oneDNN against 0.85x, 0.90x, 0.91x; 2048^3
  // 0.92-1.03x against 0.91-0.96x; one thread unchanged (2048^3 0.93x of oneDNN either way,
  // 64x784 @ (256x784)^T 1-2% faster). kc 256 with nc 768 had been measured against nc 512 and
  // 1024, and against the other loop order (B panel resident in L1, A panels streaming):
  // 1024^3 191 against 178 GFLOP/s.
  Isa isa{"avx512", kAvx512Mr, 16 * kAvx512Vecs, 512, 240, 384, {}};
  fill_kernels<Avx512Kernel>(isa, std::make_integer_sequence<int, kAvx512Mr>{});
  isa.direct_tiles = avx512_tiles<kAvx512Vecs>(std::make_integer_sequence<int, kAvx512Mr>{});
  isa.pack_a = &pack_a_avx512;
  isa.pack_b = &pack_b_avx512;
  isa.transpose = &transpose_avx512;
  return isa;
}
Isa avx2_isa() {
  Isa isa{"avx2", 6, 16, 256, 120, 4096, {}};
  fill_kernels<Avx2Kernel>(isa, std::make_integer_sequence<int, 6>{});
  isa.direct_tiles = avx2_tiles(std::make_integer_sequence<int, 6>{});
  isa.pack_a = &pack_a_avx2;
  isa.pack_b = &pack_b_avx2;
  isa.transpose = &transpose_avx2;
  return isa;
}

#endif  // NABLA_X86_INTRINSICS

// The kernels of this CPU, chosen once from cpuid. NABLA_GEMM=blas (OpenBLAS) or =avx2 (the
// AVX2 kernels on an AVX-512 CPU) overrides the choice, for A/B runs and tests.
const Isa& isa() {
  static const Isa chosen = [] {
    const char* env = std::getenv("NABLA_GEMM");
    const std::string want = env != nullptr ? env : "";
    if (want == "blas") return Isa{};
#ifdef NABLA_X86_INTRINSICS
    __builtin_cpu_init();
    const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    if (__builtin_cpu_supports("avx512f") && want != "avx2") return avx512_isa();
    if (avx2) return avx2_isa();
#endif
    return Isa{};
  }();
  return chosen;
}

// Packing buffers, one pair per thread, 64-byte aligned, grown on demand and kept.
struct Scratch {
  struct Free {
    void operator()(float* p) const { std::free(p); }
  };
  std::unique_ptr<float[], Free> buf;
  std::size_t size = 0;
  float* get(std::size_t floats) {
    if (floats > size) {
      const std::size_t bytes = (floats * sizeof(float) + 63) / 64 * 64;
      buf.reset(static_cast<float*>(std::aligned_alloc(64, bytes)));
      if (!buf) {
        size = 0;
        throw std::bad_alloc();
      }
      size = floats;
    }
    return buf.get();
  }
};

// B block [kc, nc] into panels of nr columns: panel q holds columns [q*nr, q*nr + nr) as
// [kc][nr], zero-padded past nc, at out + q*nr*kc.
[[maybe_unused]] void pack_b(View b, int64_t kc, int64_t nc, int nr, float* out) {
  for (int64_t j0 = 0; j0 < nc; j0 += nr) {
    const int64_t w = std::min<int64_t>(nr, nc - j0);
    float* panel = out + j0 * kc;
    if (b.cs == 1) {  // rows of B are contiguous
      for (int64_t p = 0; p < kc; ++p) {
        const float* src = b.p + p * b.rs + j0;
        float* dst = panel + p * nr;
        for (int64_t j = 0; j < w; ++j) dst[j] = src[j];
        for (int64_t j = w; j < nr; ++j) dst[j] = 0.0f;
      }
    } else {  // columns of B are contiguous (B stored transposed): read each column once
      for (int64_t j = 0; j < w; ++j) {
        const float* src = b.p + (j0 + j) * b.cs;
        for (int64_t p = 0; p < kc; ++p) panel[p * nr + j] = src[p * b.rs];
      }
      for (int64_t j = w; j < nr; ++j)
        for (int64_t p = 0; p < kc; ++p) panel[p * nr + j] = 0.0f;
    }
  }
}

// A block [mc, kc] into panels of mr rows (the last may have fewer): the panel of rows
// [i0, i0 + h) is [kc][h] at out + i0*kc.
[[maybe_unused]] void pack_a(View a, int64_t mc, int64_t kc, int mr, float* out) {
  for (int64_t i0 = 0; i0 < mc; i0 += mr) {
    const int64_t h = std::min<int64_t>(mr, mc - i0);
    float* panel = out + i0 * kc;
    if (a.cs == 1) {  // rows of A are contiguous: read each row once
      for (int64_t r = 0; r < h; ++r) {
        const float* src = a.p + (i0 + r) * a.rs;
        for (int64_t p = 0; p < kc; ++p) panel[p * h + r] = src[p];
      }
    } else {
      for (int64_t p = 0; p < kc; ++p) {
        const float* src = a.p + p * a.cs + i0 * a.rs;
        for (int64_t r = 0; r < h; ++r) panel[p * h + r] = src[r * a.rs];
      }
    }
  }
}

// A tile narrower than nr: computed full-width into a buffer (which holds c's values where
// beta needs them), then its first `cols` columns copied out. The same FMAs per element as a
// full tile, so an element's bits do not depend on where C's edge falls.
void edge_tile(const Isa& s, int rows, int64_t cols, int64_t kc, const float* a_panel,
               const float* b_panel, float* c, int64_t ldc, float alpha, float beta) {
  alignas(64) float tile[kMaxMr * kMaxNr];
  if (beta != 0.0f) {
    for (int r = 0; r < rows; ++r) {
      std::memcpy(tile + r * s.nr, c + r * ldc, cols * sizeof(float));
      std::fill(tile + r * s.nr + cols, tile + (r + 1) * s.nr, 0.0f);
    }
  }
  s.kernels[rows](kc, a_panel, b_panel, tile, s.nr, alpha, beta);
  for (int r = 0; r < rows; ++r) std::memcpy(c + r * ldc, tile + r * s.nr, cols * sizeof(float));
}

// The height of the packed path's row tiles for a block of n rows: as few tiles as mr allows,
// all of one height but the last (60 rows: 12 x 5; 64 rows: 11 x 5 and 9, rather than 12 x 5
// and a 4-row tile, whose kernel does a third of the work per B vector loaded). Every kernel
// gives an element the same FMAs, so the bits do not change.
int64_t tile_height(const Isa& s, int64_t n) {
  const int64_t tiles = (n + s.mr - 1) / s.mr;
  return (n + tiles - 1) / tiles;
}

// C block [mc, nc] += the packed A block @ the packed B block, tile by tile; the A block's
// panels are `height` rows (the last may have fewer). With NextA::kFetch the last full tile of
// each row fetches the next row's A panel.
void macro_kernel(const Isa& s, int64_t height, int64_t mc, int64_t nc, int64_t kc, const float* ap,
                  const float* bp, float* c, int64_t ldc, float alpha, float beta,
                  NextA next = NextA::kLeave) {
  const int64_t last_full = nc / s.nr * s.nr - s.nr;  // the last full tile's column (or < 0)
  for (int64_t i = 0; i < mc; i += height) {
    const int rows = static_cast<int>(std::min<int64_t>(height, mc - i));
    for (int64_t j = 0; j < nc; j += s.nr) {
      const int64_t cols = std::min<int64_t>(s.nr, nc - j);
      const float* b_panel = bp + j * kc;
      float* tile = c + i * ldc + j;
      if (cols == s.nr) {
        const bool fetch = next == NextA::kFetch && j == last_full;
        (fetch ? s.fetching : s.kernels)[rows](kc, ap + i * kc, b_panel, tile, ldc, alpha, beta);
      } else {
        edge_tile(s, rows, cols, kc, ap + i * kc, b_panel, tile, ldc, alpha, beta);
      }
    }
  }
}

// C [n, nc] (block_beta as macro_kernel) += A [n, kc] @ B [kc, nc] for n <= mc, one row block:
// A packed once, then each B panel packed just before the row tiles use it, so that it is
// written to and read from L1 instead of the whole packed B block making a round trip through
// L2. Same kernels, same bits. On an AMD EPYC (Zen 5), one thread, interleaved with the code
// that packed all of B first: 64x256 @ 256x784 1.02-1.04x, the other shapes within 1%.
void panel_by_panel(const Isa& s, int64_t n, int64_t nc, int64_t kc, View a, View b, float* ap,
                    float* bp, float* c, int64_t ldc, float alpha, float beta) {
  const int64_t height = tile_height(s, n);
  s.pack_a(a, n, kc, static_cast<int>(height), ap);
  for (int64_t j = 0; j < nc; j += s.nr) {
    const int64_t width = std::min<int64_t>(s.nr, nc - j);
    s.pack_b(b.block(0, j), kc, width, s.nr, bp);
    macro_kernel(s, height, n, width, kc, ap, bp, c + j, ldc, alpha, beta);
  }
}

// The packed path's column blocks of C: nc wide, but a last block of at most nc / 8 joins the
// one before it: on its own it would pack A once more and run mostly edge tiles (784 columns:
// one block, not 768 and 16).
struct ColumnBlocks {
  int64_t m, nc, nc_wide, max_width;
  ColumnBlocks(const Isa& s, int64_t m_)
      : m(m_),
        nc(s.nc),
        nc_wide(s.nc + s.nc / 8),
        max_width((std::min(m, nc_wide) + s.nr - 1) / s.nr * s.nr) {}
  int64_t width(int64_t jc) const { return m - jc <= nc_wide ? m - jc : nc; }
};

// Scratch buffers of the calling thread: packed A, packed B, and the transposed C of
// transposed_product.
struct Buffers {
  Scratch a, b, c;
};
Buffers& thread_buffers() {
  thread_local Buffers buffers;
  return buffers;
}

// C [n, m] = A @ B with B stored transposed and few rows of C: a Linear layer's forward,
// x @ W^T, with W [m, k] as large as the layer. The packed path would pack all of W on every
// call (transposing it into column panels): 12% of x [64, 784] @ W^T [784, 256] on one
// thread. Computed instead as C^T = W @ x^T: W's rows are read in place by the direct kernel
// (as A), x^T is packed (the small operand), and C^T goes through a buffer, transposed into C
// at the end. Every element gets the same FMAs in the same order as on the packed path (a
// product of two floats is the same either way round), so the bits do not depend on the path.
// Row blocks of C^T are nc high, so the buffer holds at most nc x kTransposedMaxRows floats.
constexpr int64_t kTransposedMaxRows = 64;
void transposed_product(const Isa& s, int64_t n, int64_t m, int64_t k, float alpha, View a, View b,
                        float beta, float* c, int64_t ldc) {
  const View w{b.p, b.cs, b.rs};   // B^T [m, k]
  const View xt{a.p, a.cs, a.rs};  // A^T [k, n]
  Buffers& buf = thread_buffers();
  const int64_t panels = (n + s.nr - 1) / s.nr;
  float* bp = buf.b.get(static_cast<std::size_t>(std::min(s.kc, k) * panels * s.nr));
  float* ct = buf.c.get(static_cast<std::size_t>(std::min(s.nc, m) * n));
  for (int64_t jc = 0; jc < m; jc += s.nc) {
    const int64_t rows = std::min(s.nc, m - jc);
    if (beta != 0.0f) s.transpose(c + jc, ldc, n, rows, ct, n);
    for (int64_t pc = 0; pc < k; pc += s.kc) {
      const int64_t kc = std::min(s.kc, k - pc);
      s.pack_b(xt.block(pc, 0), kc, n, s.nr, bp);
      // Rows of C^T += W's rows, read in place, @ the packed x^T block (panel rows nr apart).
      s.direct_tiles(rows, n, kc, w.block(jc, pc), bp, s.nr, kc, ct, n, alpha,
                     pc == 0 ? beta : 1.0f);
    }
    s.transpose(ct, n, rows, n, c + jc, ldc);
  }
}

// The packed path where C has several column blocks and more than mc rows: the column blocks
// inside the k blocks, so that a block of A's rows is packed once per k block and reused by
// every column block, instead of packed again for each (the usual order, in gemm below, packs
// all of A m / nc times: 6 times for 2048^3, 8% of its time, reading A from memory each time).
// Up to kReusedAFloats of packed A (4 MiB: all 2048 rows of a 512-deep k block); more rows are
// taken a whole number of row blocks at a time (1920 rows), B packed once for each. The panels
// come from L3, not L2, so the last tile of each row fetches the next row's panel (NextA):
// without, the kernel waits on them and this order was slower than the usual one. Each element
// gets the same FMAs in the same order (k blocks ascending), so the same bits. On an AMD EPYC
// (Zen 5), alternated with the usual order in one process: 2048^3 1.04-1.05x on one thread,
// 1.02x on two, 1024^3 1.03x, 512^3 1.01x; in rotation with oneDNN's sgemm (bench), 2048^3
// 0.95-0.96x of oneDNN on one thread against 0.90-0.92x, 0.96-0.99x on two against 0.90x. With
// one column block the usual order stays (2048 x 2048 @ 2048 x 384 was 0.96x this way).
constexpr int64_t kReusedAFloats = int64_t{1} << 20;
void reused_a_blocks(const Isa& s, int64_t n, int64_t m, int64_t k, float alpha, View a, View b,
                     float beta, float* c, int64_t ldc) {
  const ColumnBlocks blocks(s, m);
  const int64_t kc_max = std::min(s.kc, k);
  const int64_t rows_per_pack = n * kc_max <= kReusedAFloats
                                    ? n
                                    : std::max<int64_t>(1, kReusedAFloats / kc_max / s.mc) * s.mc;
  Buffers& buf = thread_buffers();
  float* bp = buf.b.get(static_cast<std::size_t>(kc_max * blocks.max_width));
  float* ap = buf.a.get(static_cast<std::size_t>(kc_max * rows_per_pack + kPackSlack));
  for (int64_t i0 = 0; i0 < n; i0 += rows_per_pack) {
    const int64_t rows = std::min(rows_per_pack, n - i0);
    for (int64_t pc = 0; pc < k; pc += s.kc) {
      const int64_t kc = std::min(s.kc, k - pc);
      for (int64_t ic = 0; ic < rows; ic += s.mc) {  // row blocks as the usual order's
        const int64_t mc = std::min(s.mc, rows - ic);
        s.pack_a(a.block(i0 + ic, pc), mc, kc, static_cast<int>(tile_height(s, mc)), ap + ic * kc);
      }
      for (int64_t jc = 0, nc = 0; jc < m; jc += nc) {
        nc = blocks.width(jc);
        s.pack_b(b.block(pc, jc), kc, nc, s.nr, bp);
        for (int64_t ic = 0; ic < rows; ic += s.mc) {
          const int64_t mc = std::min(s.mc, rows - ic);
          macro_kernel(s, tile_height(s, mc), mc, nc, kc, ap + ic * kc, bp,
                       c + (i0 + ic) * ldc + jc, ldc, alpha, pc == 0 ? beta : 1.0f, NextA::kFetch);
        }
      }
    }
  }
}

// Packing costs a pass over both operands per product. It pays when many row tiles reuse the
// packed B panels, or when B is too large to be read in place from L2; for few rows and a small
// B the direct path is faster. Measured on an AMD EPYC (Zen 5), one thread: 64^3 2.84 against
// 3.10 us, 64 x 128 @ 128 x 256 20.9 against 22.1 us, 10 x 64 @ 64 x 128 1.00 against 1.37 us.
// With its tiles inlined (direct_tiles_avx512) the direct path also wins at 128 rows (one
// thread, in rotation with the packed path: 128^3 1.10x, 100^3 1.17x, (64x128)^T @ 64x256
// 1.07x; two threads, alternated processes: 128^3 1.15x, (64x128)^T @ 64x256 1.07x). At 256
// rows the products alone gain as well (256^3 1.08x), but the MLP's epoch on two threads,
// whose g^T @ x of the first layer (256 rows) would then take this path, was 2% slower in 10
// of 11 alternated pairs of runs: 256 rows stayed packed. Since then 2 threads split that
// product into 128-row halves, and up to 256 rows take the direct path too where B's rows are
// not a multiple of 4 KiB apart (kDirectMaxRowsUnstrided). AMD EPYC (Zen 5), alternated with
// the packed path in one process, 15 pairs: one thread 200x300 @ 300x200 1.08x, 256^3
// 1.02-1.03x, 256x512 @ 512x128 1.03x, 256x256 @ 256x784 1.03x, 256x128 @ 128x784 1.04x,
// (64x256)^T @ 64x784 0.99-1.03x; two threads 1.00-1.12x; the MLP's epoch unchanged on one and
// two threads. With B's rows 4 KiB apart ((32x256)^T @ 32x1024) 0.93-0.98x: packed.
constexpr int64_t kDirectMaxRows = 128, kDirectMaxB = int64_t{1} << 16;  // B: floats per 256 k
constexpr int64_t kDirectMaxRowsUnstrided = 256;

// A B of up to 1 MiB in one k block is read in place too, while its rows are not a multiple of
// 4 KiB apart: with the tiles inlined (direct_tiles_avx512), 64x256 @ 256x784 runs 1.09-1.12x
// faster than on the packed path (AMD EPYC, Zen 5, one thread, in rotation with the packed
// path, OpenBLAS and oneDNN; 64x256 @ 256x1536 1.05x, 32x256 @ 256x3000 1.26x). Rows 4 KiB
// apart fall into few cache sets, and a column strip of B then does not stay cached from one
// row tile to the next: 64x256 @ 256x1024 0.78-0.86x, @ 256x2048 0.88x. With several k
// blocks B does not stay in L2 either (64x1024 @ 1024x784 0.95x).
constexpr int64_t kDirectMaxWideB = int64_t{1} << 18;  // floats

// The limits above were measured with k blocks of 256 and are kept in those terms (B's floats
// in 256 rows, one k block of at most 256) where the blocks are deeper.
constexpr int64_t kDirectMeasuredK = 256;

// Whether rows `ld` floats apart fall into the same few cache sets (a multiple of 4 KiB apart).
bool page_strided(int64_t ld) { return (ld * static_cast<int64_t>(sizeof(float))) % 4096 == 0; }

// Whether C [n, m] = A @ B, B's rows contiguous (ldb apart), takes the direct path.
bool direct_pays(int64_t n, int64_t m, int64_t k, int64_t ldb) {
  if (n > kDirectMaxRowsUnstrided || (n > kDirectMaxRows && page_strided(ldb))) return false;
  const int64_t block = std::min(kDirectMeasuredK, k) * m;
  if (block <= kDirectMaxB) return true;
  return k <= kDirectMeasuredK && block <= kDirectMaxWideB && !page_strided(ldb);
}

// The direct path: C = alpha * A @ B + beta * C, A read in place, B's rows contiguous (ldb
// apart), k blocks as on the packed path (same bits). A stored transposed (a weight's gradient
// g^T @ x) is first copied into rows, one k block at a time, when C is wide enough for the copy
// to pay: its kernels then broadcast from 12 rows each read along (a line serves 16 k steps)
// instead of from one or two new lines per k step. Same values, same FMAs: the same bits. Intel
// Xeon (family 6, model 167 as its VM reports it; AVX-512, AMX), one thread, alternated in one
// process: (64x256)^T @ 64x784 1.06-1.12x, (128x256)^T @ 128x784 1.08-1.10x, (64x256)^T @
// 64x384 1.03-1.09x, @ 64x1500 1.05-1.08x; the AVX2 kernels (NABLA_GEMM=avx2) 1.03-1.19x on
// those, 0.97-0.99x on (64x128)^T @ 64x784 and (32x256)^T @ 32x784. Narrower C loses: 64x64
// 0.87x, 64x32 0.77x (the copy is not repaid).
constexpr int64_t kCopyTransposedAMinColumns = 384;
void direct_product(const Isa& s, int64_t n, int64_t m, int64_t k, float alpha, View a,
                    const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  const bool copy_a = a.rs == 1 && a.cs != 1 && m >= kCopyTransposedAMinColumns;
  float* rows =
      copy_a ? thread_buffers().a.get(static_cast<std::size_t>(n * std::min(s.kc, k))) : nullptr;
  for (int64_t pc = 0; pc < k; pc += s.kc) {
    const int64_t kc = std::min(s.kc, k - pc);
    View block = a.block(0, pc);
    if (copy_a) {  // A's block [n, kc], stored as [kc, n], into rows kc apart
      s.transpose(block.p, block.cs, kc, n, rows, kc);
      block = View{rows, kc, 1};
    }
    s.direct_tiles(n, m, kc, block, b + pc * ldb, ldb, 1, c, ldc, alpha, pc == 0 ? beta : 1.0f);
  }
}

}  // namespace

const char* kernel_name() { return isa().name; }
bool available() { return isa().mr > 0; }
int64_t row_unit() { return std::max(isa().mr, 1); }
int64_t col_unit() { return std::max(isa().nr, 1); }

void gemm(bool ta, bool tb, int64_t n, int64_t m, int64_t k, float alpha, const float* a,
          int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  const Isa& s = isa();
  if (n <= 0 || m <= 0) return;  // an empty C (the tile loops assume rows to tile)
  const View av = ta ? View{a, 1, lda} : View{a, lda, 1};
  const View bv = tb ? View{b, 1, ldb} : View{b, ldb, 1};
  if (s.direct_tiles != nullptr && !tb && direct_pays(n, m, k, ldb))
    return direct_product(s, n, m, k, alpha, av, b, ldb, beta, c, ldc);
  if (s.transpose != nullptr && tb && n <= kTransposedMaxRows)
    return transposed_product(s, n, m, k, alpha, av, bv, beta, c, ldc);
  const ColumnBlocks blocks(s, m);
  if (n > s.mc && blocks.width(0) < m)
    return reused_a_blocks(s, n, m, k, alpha, av, bv, beta, c, ldc);
  // One column block of more than mc rows: only B is packed, and the direct kernels read A's
  // rows in place (each row tile's from memory once, then from L1 across the column tiles),
  // unless those rows are a multiple of 4 KiB apart (see kDirectMaxWideB). On an AMD EPYC
  // (Zen 5), one thread, alternated in one process with A packed: 256^3 1.06x, 300^3 1.05x,
  // 512 x 512 @ 512 x 256 1.05x, 1024 x 1024 @ 1024 x 256 1.02x, but 2048 x 2048 @ 2048 x 384
  // 0.96x (rows 8 KiB apart); in rotation with oneDNN's sgemm, 256^3 0.98x of oneDNN against
  // 0.93x on one thread, 1.02-1.04x against 0.92-0.95x on two. With several column blocks A is
  // read once per block this way, slower than packing it once (1000^3 0.97x, 1500^3 0.96x).
  // The AVX2 kernels (NABLA_GEMM=avx2, same machine): 256^3 1.01-1.02x, 300x512 @ 512x200
  // 1.00-1.07x. (Up to 256 rows the direct path above now reads B in place as well, where its
  // rows are not 4 KiB apart: 256^3 goes there, 1.02-1.03x faster again.)
  const bool a_in_place = s.direct_tiles != nullptr && n > s.mc && av.cs == 1 && !page_strided(lda);
  Buffers& buf = thread_buffers();
  float* bp = buf.b.get(static_cast<std::size_t>(std::min(s.kc, k) * blocks.max_width));
  float* ap =
      a_in_place
          ? nullptr
          : buf.a.get(static_cast<std::size_t>(std::min(s.kc, k) * std::min(s.mc, n) + kPackSlack));
  for (int64_t jc = 0, nc = 0; jc < m; jc += nc) {
    nc = blocks.width(jc);
    for (int64_t pc = 0; pc < k; pc += s.kc) {
      const int64_t kc = std::min(s.kc, k - pc);
      const float block_beta = pc == 0 ? beta : 1.0f;
      if (n <= s.mc) {
        panel_by_panel(s, n, nc, kc, av.block(0, pc), bv.block(pc, jc), ap, bp, c + jc, ldc, alpha,
                       block_beta);
        continue;
      }
      s.pack_b(bv.block(pc, jc), kc, nc, s.nr, bp);
      if (a_in_place) {
        s.direct_tiles(n, nc, kc, av.block(0, pc), bp, s.nr, kc, c + jc, ldc, alpha, block_beta);
        continue;
      }
      for (int64_t ic = 0; ic < n; ic += s.mc) {
        const int64_t mc = std::min(s.mc, n - ic);
        const int64_t height = tile_height(s, mc);
        s.pack_a(av.block(ic, pc), mc, kc, static_cast<int>(height), ap);
        macro_kernel(s, height, mc, nc, kc, ap, bp, c + ic * ldc + jc, ldc, alpha, block_beta);
      }
    }
  }
}

}  // namespace nabla::cpu::sgemm

namespace nabla {

const char* cpu_matmul_kernel() {
  return cpu::sgemm::available() ? cpu::sgemm::kernel_name() : "openblas";
}

}  // namespace nabla
