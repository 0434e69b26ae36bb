// Convolution and max-pool kernels. Convolutions lower to im2col + GEMM over tiles of images:
// per tile of T images and group, col [Cg * K, T * P] (K kernel taps, P output positions;
// T * P about 1024, T = 1 for large images) is built in a per-thread workspace that only ever
// grows (never the whole batch's), and multiplied with the weight [Cog, Cg * K] by the
// backend's GEMM (OpenBLAS). Tiles run in parallel; the weight gradient sums per-chunk partial
// products in a fixed order (chunks cut from the batch size alone), so results do not depend
// on the thread count. A 1x1 convolution with stride 1 and no padding of one image skips
// im2col (the input is its own col matrix).
// 1-D and 2-D problems run as 3-D ones with leading spatial dims of size 1.
// float32 convolutions run on oneDNN where it is built in and applies (conv_dnnl.cpp); these
// kernels run the rest (float64, NABLA_DISABLE_DNNL=1) and are its oracle in tests.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include "backend/cpu/conv_direct.h"
#include "backend/cpu/conv_dnnl.h"
#include "backend/cpu/cpu_backend.h"
#include "backend/cpu/fast_math.h"
#include "backend/cpu/functors.h"
#include "backend/cpu/gemm.h"
#include "backend/cpu/multiversion.h"
#include "core/dispatch.h"
#include "core/parallel.h"
#include "core/tensor_impl.h"

namespace nabla::cpu {

namespace {

// The problem as 3-D: sizes of x [N, C, in], w [Co, C / G, k], y [N, Co, out].
struct Geo3 {
  int64_t n = 0, c = 0, co = 0, groups = 1;
  int64_t in[3] = {1, 1, 1}, out[3] = {1, 1, 1}, k[3] = {1, 1, 1};
  int64_t s[3] = {1, 1, 1}, p[3] = {0, 0, 0}, d[3] = {1, 1, 1};
  int64_t in_plane() const { return in[0] * in[1] * in[2]; }
  int64_t positions() const { return out[0] * out[1] * out[2]; }
  int64_t taps() const { return k[0] * k[1] * k[2]; }
  int64_t cg() const { return c / groups; }
  int64_t cog() const { return co / groups; }
  // Rows of one group's col matrix: Cg * K.
  int64_t col_rows() const { return cg() * taps(); }
  bool pointwise() const {
    for (int i = 0; i < 3; ++i)
      if (k[i] != 1 || s[i] != 1 || p[i] != 0) return false;
    return true;
  }
};

Geo3 geo3(IntArrayRef x, IntArrayRef w, IntArrayRef y, const ConvGeometry& g) {
  const int64_t sd = static_cast<int64_t>(x.size()) - 2;
  NABLA_CHECK(sd >= 1 && sd <= 3 && static_cast<int64_t>(w.size()) == sd + 2 &&
                  static_cast<int64_t>(y.size()) == sd + 2,
              "[conv] the backend expects inputs with 1 to 3 spatial dims, got {}, {} and {}", x, w,
              y);
  Geo3 r;
  r.n = x[0];
  r.c = x[1];
  r.co = y[1];
  r.groups = g.groups;
  for (int64_t i = 0; i < sd; ++i) {
    const int64_t j = 3 - sd + i;
    r.in[j] = x[2 + i];
    r.out[j] = y[2 + i];
    r.k[j] = w[2 + i];
    r.s[j] = g.stride[i];
    r.p[j] = g.padding[i];
    r.d[j] = g.dilation[i];
  }
  return r;
}

// The problem for the direct forward kernel (conv_direct.h), if it is a 2-D convolution of its
// kind: one group, stride 1, no dilation, a square kernel, the same padding on both sides.
bool direct_problem(const Geo3& g, DirectConv& s) {
  if (g.groups != 1 || g.in[0] != 1 || g.k[0] != 1 || g.out[0] != 1 || g.p[0] != 0) return false;
  for (int i = 1; i < 3; ++i)
    if (g.s[i] != 1 || g.d[i] != 1) return false;
  if (g.k[1] != g.k[2]) return false;
  s = {g.n, g.c, g.co, g.in[1], g.in[2], g.out[1], g.out[2], g.k[1], g.p[1], g.p[2]};
  return direct_conv_applies(s);
}

// ceil(a / b) for b > 0 and any a.
int64_t ceil_div(int64_t a, int64_t b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }

// The output positions [lo, hi) along a dim of `out` whose input index o * s - p + t * d
// (tap t) falls inside [0, in).
void valid_range(int64_t in, int64_t out, int64_t s, int64_t p, int64_t t, int64_t d, int64_t& lo,
                 int64_t& hi) {
  const int64_t off = t * d - p;  // input index of output 0
  lo = std::clamp<int64_t>(ceil_div(-off, s), 0, out);
  hi = std::clamp<int64_t>(ceil_div(in - off, s), lo, out);
}

// Calls f(row, input_row_offset, lo, hi) for every output row (d, h) of every tap of channel
// plane x, where row indexes col's [P] columns: row * OW. Rows whose input row is padding get
// lo == hi == 0. Shared by im2col and col2im so both walk the same geometry.
template <class F>
void for_each_tap_row(const Geo3& g, F&& f) {
  const int64_t ow = g.out[2];
  for (int64_t kd = 0; kd < g.k[0]; ++kd)
    for (int64_t kh = 0; kh < g.k[1]; ++kh)
      for (int64_t kw = 0; kw < g.k[2]; ++kw) {
        const int64_t tap = (kd * g.k[1] + kh) * g.k[2] + kw;
        int64_t wlo, whi;
        valid_range(g.in[2], ow, g.s[2], g.p[2], kw, g.d[2], wlo, whi);
        const int64_t w_off = kw * g.d[2] - g.p[2];
        for (int64_t od = 0; od < g.out[0]; ++od) {
          const int64_t id = od * g.s[0] - g.p[0] + kd * g.d[0];
          for (int64_t oh = 0; oh < g.out[1]; ++oh) {
            const int64_t ih = oh * g.s[1] - g.p[1] + kh * g.d[1];
            const int64_t row = od * g.out[1] + oh;
            const bool inside = id >= 0 && id < g.in[0] && ih >= 0 && ih < g.in[1];
            if (inside) {
              f(tap, row, (id * g.in[1] + ih) * g.in[2] + w_off, wlo, whi);
            } else {
              f(tap, row, int64_t{0}, int64_t{0}, int64_t{0});
            }
          }
        }
      }
}

// col [Cg * K, P] (rows ld apart) from the Cg input planes at x.
template <class T>
void im2col(const Geo3& g, const T* x, T* col, int64_t ld) {
  const int64_t plane = g.in_plane(), ow = g.out[2], sw = g.s[2];
  for (int64_t c = 0; c < g.cg(); ++c) {
    const T* xc = x + c * plane;
    T* colc = col + c * g.taps() * ld;
    for_each_tap_row(g, [&](int64_t tap, int64_t row, int64_t off, int64_t lo, int64_t hi) {
      T* dst = colc + tap * ld + row * ow;
      const T* src = xc + off;
      std::fill(dst, dst + lo, T(0));
      if (sw == 1) {
        std::copy(src + lo, src + hi, dst + lo);
      } else {
        for (int64_t o = lo; o < hi; ++o) dst[o] = src[o * sw];
      }
      std::fill(dst + hi, dst + ow, T(0));
    });
  }
}

// dx (Cg planes, already zeroed) += the col [Cg * K, P] (rows ld apart) scattered back onto
// the input.
template <class T>
void col2im(const Geo3& g, const T* col, int64_t ld, T* dx) {
  const int64_t plane = g.in_plane(), ow = g.out[2], sw = g.s[2];
  for (int64_t c = 0; c < g.cg(); ++c) {
    T* dxc = dx + c * plane;
    const T* colc = col + c * g.taps() * ld;
    for_each_tap_row(g, [&](int64_t tap, int64_t row, int64_t off, int64_t lo, int64_t hi) {
      const T* src = colc + tap * ld + row * ow;
      T* dst = dxc + off;
      for (int64_t o = lo; o < hi; ++o) dst[o * sw] += src[o];
    });
  }
}

// Per-thread workspaces, reused across calls (they only grow): one for col, one for the
// gathered/product matrix [Cog, T * P] of a tile.
template <class T, int Slot>
T* workspace(int64_t n) {
  thread_local std::vector<T> buffer;
  if (static_cast<int64_t>(buffer.size()) < n) buffer.resize(static_cast<size_t>(n));
  return buffer.data();
}

// `t` itself when contiguous, else a contiguous copy kept in `holder`.
const Tensor& contiguous_in(const Tensor& t, Tensor& holder) {
  if (t.is_contiguous()) return t;
  holder = detail::make_tensor(t.sizes(), t.scalar_type(), t.device());
  cpu_backend().copy(t, holder);
  return holder;
}

// Runs body(out') on a contiguous tensor shaped like `out` and copies it back if needed.
template <class F>
void with_contiguous_out(const Tensor& out, F&& body) {
  if (out.is_contiguous()) return body(out);
  Tensor tmp = detail::make_tensor(out.sizes(), out.scalar_type(), out.device());
  body(tmp);
  cpu_backend().copy(tmp, out);
}

// Images per GEMM: small outputs (P positions) are batched so that one product has about
// kTileColumns columns ([Cog, R] x [R, T * P]); large ones run one image at a time. Cut from
// the shapes alone, never from the thread count.
constexpr int64_t kTileColumns = 1024;
int64_t tile_images(const Geo3& g) {
  const int64_t P = std::max<int64_t>(g.positions(), 1);
  return std::clamp<int64_t>(kTileColumns / P, 1, std::max<int64_t>(g.n, 1));
}

// dst [rows, T * P] <- the rows of images n0.. n0 + T of src (each [rows, P], `image` apart).
template <class T>
void gather_tile(const T* src, int64_t image, int64_t rows, int64_t P, int64_t t_count, T* dst) {
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t t = 0; t < t_count; ++t)
      std::copy_n(src + t * image + r * P, P, dst + (r * t_count + t) * P);
}

// The reverse of gather_tile.
template <class T>
void scatter_tile(const T* src, int64_t image, int64_t rows, int64_t P, int64_t t_count, T* dst) {
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t t = 0; t < t_count; ++t)
      std::copy_n(src + (r * t_count + t) * P, P, dst + t * image + r * P);
}

// col [R, T * P] for images n0 .. n0 + T of group gi (or the input itself when pointwise and
// T == 1).
template <class T>
const T* tile_col(const Geo3& g, const T* x, int64_t n0, int64_t t_count, int64_t gi) {
  const int64_t P = g.positions(), plane = g.in_plane();
  const T* x0 = x + (n0 * g.c + gi * g.cg()) * plane;
  if (g.pointwise() && t_count == 1) return x0;
  T* col = workspace<T, 0>(g.col_rows() * t_count * P);
  for (int64_t t = 0; t < t_count; ++t) {
    const T* xt = x0 + t * g.c * plane;
    if (g.pointwise()) {
      for (int64_t c = 0; c < g.cg(); ++c)
        std::copy_n(xt + c * plane, P, col + (c * t_count + t) * P);
    } else {
      im2col(g, xt, col + t * P, t_count * P);
    }
  }
  return col;
}

template <class T>
void conv_forward_impl(const Geo3& g, const T* x, const T* w, T* y) {
  const int64_t P = g.positions(), R = g.col_rows(), Cog = g.cog(), tile = tile_images(g);
  const int64_t tiles = (g.n + tile - 1) / tile;
  detail::parallel_for(tiles, 1, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) {
      const int64_t n0 = b * tile, tc = std::min(tile, g.n - n0);
      for (int64_t gi = 0; gi < g.groups; ++gi) {
        const T* col = tile_col(g, x, n0, tc, gi);
        T* y0 = y + (n0 * g.co + gi * Cog) * P;
        // y_g [Cog, T * P] = w_g [Cog, R] @ col [R, T * P]
        T* prod = tc == 1 ? y0 : workspace<T, 1>(Cog * tc * P);
        gemm_rowmajor<T>(false, false, Cog, tc * P, R, T(1), w + gi * Cog * R, R, col, tc * P, T(0),
                         prod, tc * P);
        if (tc > 1) scatter_tile(prod, g.co * P, Cog, P, tc, y0);
      }
    }
  });
}

template <class T>
void conv_backward_input_impl(const Geo3& g, const T* dy, const T* w, T* dx) {
  const int64_t P = g.positions(), R = g.col_rows(), plane = g.in_plane(), Cog = g.cog();
  const int64_t tile = tile_images(g), tiles = (g.n + tile - 1) / tile;
  detail::parallel_for(tiles, 1, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) {
      const int64_t n0 = b * tile, tc = std::min(tile, g.n - n0);
      for (int64_t gi = 0; gi < g.groups; ++gi) {
        T* dx0 = dx + (n0 * g.c + gi * g.cg()) * plane;
        const T* dy0 = dy + (n0 * g.co + gi * Cog) * P;
        const T* dyt = dy0;
        if (tc > 1) {
          T* buf = workspace<T, 1>(Cog * tc * P);
          gather_tile(dy0, g.co * P, Cog, P, tc, buf);
          dyt = buf;
        }
        // col [R, T * P] = w_g^T [R, Cog] @ dy_g [Cog, T * P]
        const bool direct = g.pointwise() && tc == 1;
        T* col = direct ? dx0 : workspace<T, 0>(R * tc * P);
        gemm_rowmajor<T>(true, false, R, tc * P, Cog, T(1), w + gi * Cog * R, R, dyt, tc * P, T(0),
                         col, tc * P);
        if (direct) continue;
        for (int64_t t = 0; t < tc; ++t) {
          T* dxt = dx0 + t * g.c * plane;
          if (g.pointwise()) {
            for (int64_t c = 0; c < g.cg(); ++c)
              std::copy_n(col + (c * tc + t) * P, P, dxt + c * plane);
          } else {
            std::fill(dxt, dxt + g.cg() * plane, T(0));
            col2im(g, col + t * P, tc * P, dxt);
          }
        }
      }
    }
  });
}

// The weight gradient sums over the batch in at most 8 chunks of images, cut from the batch
// size alone; each chunk walks its images in tiles.
constexpr int64_t kWeightGradChunks = 8;

template <class T>
void conv_backward_weight_impl(const Geo3& g, const T* x, const T* dy, T* dw) {
  const int64_t P = g.positions(), R = g.col_rows(), Cog = g.cog();
  const int64_t wsize = g.co * R, tile = tile_images(g);
  const int64_t chunks = std::min(g.n, kWeightGradChunks);
  const int64_t per_chunk = (g.n + chunks - 1) / chunks;
  const int64_t used = (g.n + per_chunk - 1) / per_chunk;
  // One partial sum per chunk (the first chunk writes dw itself), added in order below.
  std::vector<T> partial(static_cast<size_t>(std::max<int64_t>(used - 1, 0) * wsize));
  detail::parallel_for(used, 1, [&](int64_t c0, int64_t c1) {
    for (int64_t chunk = c0; chunk < c1; ++chunk) {
      T* acc = chunk == 0 ? dw : partial.data() + (chunk - 1) * wsize;
      const int64_t first = chunk * per_chunk, last = std::min(g.n, first + per_chunk);
      for (int64_t n0 = first; n0 < last; n0 += tile) {
        const int64_t tc = std::min(tile, last - n0);
        for (int64_t gi = 0; gi < g.groups; ++gi) {
          const T* col = tile_col(g, x, n0, tc, gi);
          const T* dy0 = dy + (n0 * g.co + gi * Cog) * P;
          const T* dyt = dy0;
          if (tc > 1) {
            T* buf = workspace<T, 1>(Cog * tc * P);
            gather_tile(dy0, g.co * P, Cog, P, tc, buf);
            dyt = buf;
          }
          // acc_g [Cog, R] (+)= dy_g [Cog, T * P] @ col^T [T * P, R]
          gemm_rowmajor<T>(false, true, Cog, R, tc * P, T(1), dyt, tc * P, col, tc * P,
                           n0 == first ? T(0) : T(1), acc + gi * Cog * R, R);
        }
      }
    }
  });
  for (int64_t chunk = 1; chunk < used; ++chunk) {
    const T* part = partial.data() + (chunk - 1) * wsize;
    for (int64_t i = 0; i < wsize; ++i) dw[i] += part[i];
  }
}

// Whether v takes the place of `best` as a window's maximum: larger, or NaN. Both tests always
// run (a bitwise or of ints: no branch, so the loops below vectorize).
template <class T>
inline bool replaces_max(T v, T best) {
  return static_cast<bool>(static_cast<int>(v > best) | static_cast<int>(v != v));
}

// Keeps the larger of `best` and v (and the later of two NaNs, as the general loop does),
// without a branch: on real data which element wins is unpredictable.
// (The select is done on the bits: written as `take ? v : best`, g++ 12 turns it back into
// branches, and half of them mispredict on random data.)
template <class T>
inline void keep_max(T v, int64_t i, T& best, int64_t& at) {
  const bool take = replaces_max(v, best);
  best = detail::fast::select_bits(take, v, best);
  const uint64_t imask = uint64_t(0) - static_cast<uint64_t>(take);
  at = static_cast<int64_t>((static_cast<uint64_t>(i) & imask) |
                            (static_cast<uint64_t>(at) & ~imask));
}

// One output row of 2x2 windows at stride 2 from input rows r0, r1 (i0: r0's offset in the
// plane): each row's pair first, then the two winners. Same result as keep_max's scan (the
// first maximum; the last NaN), but branch-free and with no loop-carried state, so the
// compiler vectorizes it: the pooling after most convolutions of image nets.
template <class T>
NABLA_CPU_CLONES void max_pool_2x2_row(const T* __restrict r0, const T* __restrict r1,
                                       T* __restrict y, int64_t* __restrict idx, int64_t out_w,
                                       int64_t i0, int64_t W) {
  for (int64_t ow = 0; ow < out_w; ++ow) {
    const T a = r0[2 * ow], b = r0[2 * ow + 1], c = r1[2 * ow], d = r1[2 * ow + 1];
    const bool t0 = replaces_max(b, a), t1 = replaces_max(d, c);
    const T m0 = detail::fast::select_bits(t0, b, a), m1 = detail::fast::select_bits(t1, d, c);
    const bool t = replaces_max(m1, m0);
    y[ow] = detail::fast::select_bits(t, m1, m0);
    const int64_t k0 = static_cast<int64_t>(t0), k1 = W + static_cast<int64_t>(t1);
    idx[ow] = i0 + 2 * ow + k0 + ((k1 - k0) & -static_cast<int64_t>(t));
  }
}

// 2x2 stride-2 windows of small planes as one flat loop over the plane's P outputs: the rows
// a window reads are first packed, a [out_h, 2 * out_w] from the even input rows and b from
// the odd ones, so that output o reads a[2o], a[2o + 1], b[2o], b[2o + 1]; base [P] holds each
// window's flat top-left input index (the same for every plane). Same choices as the row
// kernel, but the vector loop runs over the whole plane instead of rows of 13 or 5 outputs
// whose scalar tails cost more than their vector part.
template <class T>
NABLA_CPU_CLONES void max_pool_2x2_flat(const T* __restrict a, const T* __restrict b,
                                        const int64_t* __restrict base, T* __restrict y,
                                        int64_t* __restrict idx, int64_t P, int64_t W) {
  for (int64_t o = 0; o < P; ++o) {
    const T a0 = a[2 * o], a1 = a[2 * o + 1], b0 = b[2 * o], b1 = b[2 * o + 1];
    const bool t0 = replaces_max(a1, a0), t1 = replaces_max(b1, b0);
    const T m0 = detail::fast::select_bits(t0, a1, a0), m1 = detail::fast::select_bits(t1, b1, b0);
    const bool t = replaces_max(m1, m0);
    y[o] = detail::fast::select_bits(t, m1, m0);
    const int64_t k0 = static_cast<int64_t>(t0), k1 = W + static_cast<int64_t>(t1);
    idx[o] = base[o] + k0 + ((k1 - k0) & -static_cast<int64_t>(t));
  }
}

// Planes whose packed rows fit this many elements take max_pool_2x2_flat (the packing buffers
// and the base table live on the stack).
constexpr int64_t kFlatPoolOutputs = 1024;

// planes [q0, q1) of 2x2 stride-2 pooling through max_pool_2x2_flat; P <= kFlatPoolOutputs.
template <class T>
void max_pool_2x2_planes(const T* x, T* y, int64_t* idx, int64_t q0, int64_t q1, int64_t out_h,
                         int64_t out_w, int64_t H, int64_t W) {
  const int64_t P = out_h * out_w, row = 2 * out_w;
  alignas(64) T a[2 * kFlatPoolOutputs], b[2 * kFlatPoolOutputs];
  alignas(64) int64_t base[kFlatPoolOutputs];
  for (int64_t oh = 0; oh < out_h; ++oh)
    for (int64_t ow = 0; ow < out_w; ++ow) base[oh * out_w + ow] = 2 * oh * W + 2 * ow;
  for (int64_t q = q0; q < q1; ++q) {
    const T* xq = x + q * H * W;
    for (int64_t oh = 0; oh < out_h; ++oh) {
      std::memcpy(a + oh * row, xq + 2 * oh * W, static_cast<size_t>(row) * sizeof(T));
      std::memcpy(b + oh * row, xq + (2 * oh + 1) * W, static_cast<size_t>(row) * sizeof(T));
    }
    max_pool_2x2_flat(a, b, base, y + q * P, idx + q * P, P, W);
  }
}

// NABLA_FLAT_POOL=0 keeps small planes on the row kernel (an A/B switch for measurements).
bool flat_pool_disabled() {
  static const bool off = [] {
    const char* v = std::getenv("NABLA_FLAT_POOL");
    return v && std::strcmp(v, "0") == 0;
  }();
  return off;
}

// One plane of the common pooling of image nets (no padding, no dilation, every window inside
// the input): the scan of max_pool_impl without its bounds checks, 2x2 windows unrolled.
template <class T>
void max_pool_plane(const T* x, T* y, int64_t* idx, int64_t out_h, int64_t out_w, int64_t W,
                    int64_t kh, int64_t kw, int64_t sh, int64_t sw) {
  if (kh == 2 && kw == 2 && sh == 2 && sw == 2) {
    for (int64_t oh = 0; oh < out_h; ++oh) {
      const int64_t row = 2 * oh * W;
      max_pool_2x2_row(x + row, x + row + W, y + oh * out_w, idx + oh * out_w, out_w, row, W);
    }
    return;
  }
  for (int64_t oh = 0; oh < out_h; ++oh) {
    const int64_t row = oh * sh * W;
    for (int64_t ow = 0; ow < out_w; ++ow) {
      const int64_t i0 = row + ow * sw;
      T best = x[i0];
      int64_t at = i0;
      if (kh == 2 && kw == 2) {
        keep_max(x[i0 + 1], i0 + 1, best, at);
        keep_max(x[i0 + W], i0 + W, best, at);
        keep_max(x[i0 + W + 1], i0 + W + 1, best, at);
      } else {
        for (int64_t a = 0; a < kh; ++a)
          for (int64_t b = a == 0 ? 1 : 0; b < kw; ++b)
            keep_max(x[i0 + a * W + b], i0 + a * W + b, best, at);
      }
      y[oh * out_w + ow] = best;
      idx[oh * out_w + ow] = at;
    }
  }
}

// 2-D (or 1-D) pooling without padding or dilation and no ceil_mode overhang goes through
// max_pool_plane (measured on [64, 32, 26, 26] 2x2, 1 thread: 3.2 ms; forward 4.5 GB/s on 2
// threads, 2.0x PyTorch's).
bool plain_pool(const Geo3& g) {
  return g.k[0] == 1 && g.in[0] == 1 && g.p[1] == 0 && g.p[2] == 0 && g.d[1] == 1 && g.d[2] == 1 &&
         (g.out[1] - 1) * g.s[1] + g.k[1] <= g.in[1] && (g.out[2] - 1) * g.s[2] + g.k[2] <= g.in[2];
}

template <class T>
bool max_pool_plain_2d(const Geo3& g, const T* x, T* y, int64_t* idx) {
  if (!plain_pool(g)) return false;
  const int64_t P = g.positions(), plane = g.in_plane();
  const bool flat = g.k[1] == 2 && g.k[2] == 2 && g.s[1] == 2 && g.s[2] == 2 &&
                    P <= kFlatPoolOutputs && !flat_pool_disabled();
  detail::parallel_for(
      g.n * g.c, std::max<int64_t>(1, 4096 / std::max<int64_t>(P, 1)), [&](int64_t q0, int64_t q1) {
        if (flat)
          return max_pool_2x2_planes(x, y, idx, q0, q1, g.out[1], g.out[2], g.in[1], g.in[2]);
        for (int64_t q = q0; q < q1; ++q)
          max_pool_plane(x + q * plane, y + q * P, idx + q * P, g.out[1], g.out[2], g.in[2], g.k[1],
                         g.k[2], g.s[1], g.s[2]);
      });
  return true;
}

template <class T>
void max_pool_impl(const Geo3& g, const T* x, T* y, int64_t* idx) {
  if (max_pool_plain_2d(g, x, y, idx)) return;
  const int64_t planes = g.n * g.c, P = g.positions(), plane = g.in_plane();
  detail::parallel_for(planes, std::max<int64_t>(1, 4096 / std::max<int64_t>(P, 1)),
                       [&](int64_t q0, int64_t q1) {
                         for (int64_t q = q0; q < q1; ++q) {
                           const T* xp = x + q * plane;
                           for (int64_t od = 0; od < g.out[0]; ++od)
                             for (int64_t oh = 0; oh < g.out[1]; ++oh)
                               for (int64_t ow = 0; ow < g.out[2]; ++ow) {
                                 T best = -std::numeric_limits<T>::infinity();
                                 int64_t at = -1;
                                 for (int64_t kd = 0; kd < g.k[0]; ++kd) {
                                   const int64_t id = od * g.s[0] - g.p[0] + kd * g.d[0];
                                   if (id < 0 || id >= g.in[0]) continue;
                                   for (int64_t kh = 0; kh < g.k[1]; ++kh) {
                                     const int64_t ih = oh * g.s[1] - g.p[1] + kh * g.d[1];
                                     if (ih < 0 || ih >= g.in[1]) continue;
                                     for (int64_t kw = 0; kw < g.k[2]; ++kw) {
                                       const int64_t iw = ow * g.s[2] - g.p[2] + kw * g.d[2];
                                       if (iw < 0 || iw >= g.in[2]) continue;
                                       const int64_t i = (id * g.in[1] + ih) * g.in[2] + iw;
                                       const T v = xp[i];
                                       if (at < 0 || v > best || std::isnan(v)) {
                                         best = v;
                                         at = i;
                                       }
                                     }
                                   }
                                 }
                                 const int64_t o = q * P + (od * g.out[1] + oh) * g.out[2] + ow;
                                 y[o] = best;
                                 idx[o] = at;
                               }
                         }
                       });
}

}  // namespace

void CpuBackend::conv_forward(const Tensor& x, const Tensor& w, const Tensor& y,
                              const ConvGeometry& g) {
  const Geo3 geo = geo3(x.sizes(), w.sizes(), y.sizes(), g);
  if (y.numel() == 0) return;
  if (isReducedFloatingType(y.scalar_type())) {
    // bfloat16 on oneDNN's bf16 kernels where the CPU has them; else float32 copies.
    if (y.scalar_type() == kBFloat16 && y.is_contiguous() && geo.col_rows() != 0) {
      Tensor xh, wh;
      const Tensor &xc = contiguous_in(x, xh), &wc = contiguous_in(w, wh);
      if (dnnl_conv_forward_bf16(xc.sizes(), wc.sizes(), y.sizes(), g, xc.data_ptr(), wc.data_ptr(),
                                 y.data_ptr()))
        return;
    }
    const Tensor y32 = float32_like(y);
    conv_forward(float32_copy(x), float32_copy(w), y32, g);
    return copy(y32, y);
  }
  Tensor xh, wh;
  const Tensor &xc = contiguous_in(x, xh), &wc = contiguous_in(w, wh);
  detail::sync_fp_mode();
  with_contiguous_out(y, [&](const Tensor& yc) {
    detail::dispatch_native_floating(y.scalar_type(), "conv", [&](auto tag) {
      using T = typename decltype(tag)::type;
      if (geo.col_rows() == 0) {
        std::fill_n(yc.data_ptr<T>(), yc.numel(), T(0));
        return;
      }
      if constexpr (std::is_same_v<T, float>) {
        if (DirectConv d; direct_problem(geo, d))
          return direct_conv_forward(d, xc.data_ptr<float>(), wc.data_ptr<float>(), nullptr,
                                     yc.data_ptr<float>());
        if (dnnl_conv_forward(xc.sizes(), wc.sizes(), yc.sizes(), g, xc.data_ptr<float>(),
                              wc.data_ptr<float>(), yc.data_ptr<float>()))
          return;
      }
      conv_forward_impl<T>(geo, xc.data_ptr<T>(), wc.data_ptr<T>(), yc.data_ptr<T>());
    });
  });
}

// float32 on the direct kernel or oneDNN only (their convolutions add the bias as they write
// y); the im2col kernels leave the bias to the caller's separate pass.
bool CpuBackend::conv_forward_bias(const Tensor& x, const Tensor& w, const Tensor& bias,
                                   const Tensor& y, const ConvGeometry& g) {
  if (y.scalar_type() != kFloat || x.scalar_type() != kFloat || w.scalar_type() != kFloat ||
      bias.scalar_type() != kFloat || bias.dim() != 1 || bias.size(0) != y.size(1) ||
      !bias.is_contiguous() || !y.is_contiguous() || y.numel() == 0)
    return false;
  const Geo3 geo = geo3(x.sizes(), w.sizes(), y.sizes(), g);
  DirectConv direct;
  const bool is_direct = direct_problem(geo, direct);
  if (geo.col_rows() == 0 || (!is_direct && !dnnl_conv_enabled())) return false;
  Tensor xh, wh;
  const Tensor &xc = contiguous_in(x, xh), &wc = contiguous_in(w, wh);
  detail::sync_fp_mode();
  if (is_direct) {
    direct_conv_forward(direct, xc.data_ptr<float>(), wc.data_ptr<float>(), bias.data_ptr<float>(),
                        y.data_ptr<float>());
    return true;
  }
  return dnnl_conv_forward_bias(xc.sizes(), wc.sizes(), y.sizes(), g, xc.data_ptr<float>(),
                                wc.data_ptr<float>(), bias.data_ptr<float>(), y.data_ptr<float>());
}

// float32 on oneDNN only: its weight-gradient pass over dy also sums db.
bool CpuBackend::conv_backward_weight_bias(const Tensor& x, const Tensor& dy, const Tensor& dw,
                                           const Tensor& db, const ConvGeometry& g) {
  if (x.scalar_type() != kFloat || dy.scalar_type() != kFloat || dw.scalar_type() != kFloat ||
      db.scalar_type() != kFloat || db.dim() != 1 || db.size(0) != dw.size(0) ||
      !db.is_contiguous() || !dw.is_contiguous() || dw.numel() == 0 || !dnnl_conv_enabled())
    return false;
  const Geo3 geo = geo3(x.sizes(), dw.sizes(), dy.sizes(), g);
  if (geo.n == 0 || geo.positions() == 0) return false;
  Tensor xh, dyh;
  const Tensor &xc = contiguous_in(x, xh), &dyc = contiguous_in(dy, dyh);
  detail::sync_fp_mode();
  return dnnl_conv_backward_weight_bias(xc.sizes(), dw.sizes(), dyc.sizes(), g,
                                        xc.data_ptr<float>(), dyc.data_ptr<float>(),
                                        dw.data_ptr<float>(), db.data_ptr<float>());
}

void CpuBackend::conv_backward_input(const Tensor& dy, const Tensor& w, const Tensor& dx,
                                     const ConvGeometry& g) {
  const Geo3 geo = geo3(dx.sizes(), w.sizes(), dy.sizes(), g);
  if (dx.numel() == 0) return;
  if (isReducedFloatingType(dx.scalar_type())) {
    if (dx.scalar_type() == kBFloat16 && dx.is_contiguous() && geo.cog() != 0 &&
        geo.positions() != 0) {
      Tensor dyh, wh;
      const Tensor &dyc = contiguous_in(dy, dyh), &wc = contiguous_in(w, wh);
      if (dnnl_conv_backward_input_bf16(dx.sizes(), wc.sizes(), dyc.sizes(), g, dyc.data_ptr(),
                                        wc.data_ptr(), dx.data_ptr()))
        return;
    }
    const Tensor dx32 = float32_like(dx);
    conv_backward_input(float32_copy(dy), float32_copy(w), dx32, g);
    return copy(dx32, dx);
  }
  Tensor dyh, wh;
  const Tensor &dyc = contiguous_in(dy, dyh), &wc = contiguous_in(w, wh);
  detail::sync_fp_mode();
  with_contiguous_out(dx, [&](const Tensor& dxc) {
    detail::dispatch_native_floating(dx.scalar_type(), "conv", [&](auto tag) {
      using T = typename decltype(tag)::type;
      if (geo.cog() == 0 || geo.positions() == 0) {
        std::fill_n(dxc.data_ptr<T>(), dxc.numel(), T(0));
        return;
      }
      if constexpr (std::is_same_v<T, float>) {
        if (dnnl_conv_backward_input(dxc.sizes(), wc.sizes(), dyc.sizes(), g, dyc.data_ptr<float>(),
                                     wc.data_ptr<float>(), dxc.data_ptr<float>()))
          return;
      }
      conv_backward_input_impl<T>(geo, dyc.data_ptr<T>(), wc.data_ptr<T>(), dxc.data_ptr<T>());
    });
  });
}

void CpuBackend::conv_backward_weight(const Tensor& x, const Tensor& dy, const Tensor& dw,
                                      const ConvGeometry& g) {
  const Geo3 geo = geo3(x.sizes(), dw.sizes(), dy.sizes(), g);
  if (dw.numel() == 0) return;
  if (isReducedFloatingType(dw.scalar_type())) {
    const Tensor dw32 = float32_like(dw);
    if (dw.scalar_type() == kBFloat16 && geo.n != 0 && geo.positions() != 0) {
      Tensor xh, dyh;
      const Tensor &xc = contiguous_in(x, xh), &dyc = contiguous_in(dy, dyh);
      if (dnnl_conv_backward_weight_bf16(xc.sizes(), dw.sizes(), dyc.sizes(), g, xc.data_ptr(),
                                         dyc.data_ptr(), dw32.data_ptr<float>()))
        return copy(dw32, dw);
    }
    conv_backward_weight(float32_copy(x), float32_copy(dy), dw32, g);
    return copy(dw32, dw);
  }
  Tensor xh, dyh;
  const Tensor &xc = contiguous_in(x, xh), &dyc = contiguous_in(dy, dyh);
  detail::sync_fp_mode();
  with_contiguous_out(dw, [&](const Tensor& dwc) {
    detail::dispatch_native_floating(dw.scalar_type(), "conv", [&](auto tag) {
      using T = typename decltype(tag)::type;
      if (geo.n == 0 || geo.positions() == 0) {
        std::fill_n(dwc.data_ptr<T>(), dwc.numel(), T(0));
        return;
      }
      if constexpr (std::is_same_v<T, float>) {
        if (dnnl_conv_backward_weight(xc.sizes(), dwc.sizes(), dyc.sizes(), g, xc.data_ptr<float>(),
                                      dyc.data_ptr<float>(), dwc.data_ptr<float>()))
          return;
      }
      conv_backward_weight_impl<T>(geo, xc.data_ptr<T>(), dyc.data_ptr<T>(), dwc.data_ptr<T>());
    });
  });
}

void CpuBackend::max_pool(const Tensor& x, IntArrayRef kernel, const ConvGeometry& g,
                          const Tensor& y, const Tensor& indices) {
  std::vector<int64_t> wsize{1, 1};
  wsize.insert(wsize.end(), kernel.begin(), kernel.end());
  const Geo3 geo = geo3(x.sizes(), wsize, y.sizes(), g);
  if (y.numel() == 0) return;
  Tensor xh;
  const Tensor& xc = contiguous_in(x, xh);
  detail::sync_fp_mode();
  with_contiguous_out(indices, [&](const Tensor& ic) {
    with_contiguous_out(y, [&](const Tensor& yc) {
      detail::dispatch_floating(y.scalar_type(), "max_pool", [&](auto tag) {
        using T = typename decltype(tag)::type;
        max_pool_impl<T>(geo, xc.data_ptr<T>(), yc.data_ptr<T>(), ic.data_ptr<int64_t>());
      });
    });
  });
}

}  // namespace nabla::cpu

namespace nabla::cpu {

// dx [P, In] = 0, dx[p, idx[p, j]] += dy[p, j]: one plane per task, zeroed and scattered while
// it is in cache, in the order of j (same sums for any thread count). Replaces zeros + clone +
// scatter_add (three passes over dx and a bounds check pass over the indices).
bool CpuBackend::max_pool_backward(const Tensor& dy, const Tensor& indices, const Tensor& dx) {
  if (dy.dim() != 2 || indices.dim() != 2 || dx.dim() != 2 || !dx.is_contiguous() ||
      dy.sizes() != indices.sizes() || dy.size(0) != dx.size(0) ||
      dy.scalar_type() != dx.scalar_type() || indices.scalar_type() != kLong ||
      !isFloatingType(dx.scalar_type()))
    return false;
  const int64_t planes = dx.size(0), in = dx.size(1), out = dy.size(1);
  if (dx.numel() == 0) return true;
  Tensor dyh, ih;
  const Tensor &dyc = contiguous_in(dy, dyh), &ic = contiguous_in(indices, ih);
  detail::sync_fp_mode();
  detail::dispatch_floating(dx.scalar_type(), "max_pool_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* g = dyc.data_ptr<T>();
    const int64_t* idx = ic.data_ptr<int64_t>();
    T* d = dx.data_ptr<T>();
    std::atomic<int64_t> bad{-1};  // the flat position of an index outside [0, in)
    detail::parallel_for(planes, std::max<int64_t>(1, 16384 / std::max<int64_t>(in + out, 1)),
                         [&](int64_t q0, int64_t q1) {
                           for (int64_t q = q0; q < q1; ++q) {
                             T* dq = d + q * in;
                             std::fill_n(dq, in, T(0));
                             const T* gq = g + q * out;
                             const int64_t* iq = idx + q * out;
                             for (int64_t j = 0; j < out; ++j) {
                               const int64_t i = iq[j];
                               if (static_cast<uint64_t>(i) >= static_cast<uint64_t>(in)) {
                                 bad.store(q * out + j);
                                 continue;
                               }
                               dq[i] += gq[j];
                             }
                           }
                         });
    const int64_t at = bad.load();
    NABLA_CHECK(at < 0,
                "[max_pool_backward] index {} at position [{}, {}] of indices {} is out of "
                "range for an input plane of {} elements",
                idx[std::max<int64_t>(at, 0)], at / std::max<int64_t>(out, 1),
                at % std::max<int64_t>(out, 1), indices.sizes(), in);
  });
  return true;
}

}  // namespace nabla::cpu

// ---- the block conv -> relu -> max_pool, a few images at a time ----------------------------
//
// Composed, the block of an image net writes the conv output [N, Co, H, W], reads and writes
// it again for relu, reads it for the pooling; its backward pass writes a gradient of that size
// twice (the pooling's scatter, relu's mask) and reads it for the conv's gradients. On the
// Fashion-MNIST CNN's first layer that tensor is 5.5 MB, so every pass goes to memory. Here
// each chunk of images goes through the three ops while its conv output is in the cache, and
// only the pooled values and their indices are written.

namespace nabla::cpu {

namespace {

// Images per chunk: a conv output of at most kBlockChunkBytes, and at least kBlockMinChunks
// chunks in a batch that has the images (the threads' shares). Cut from the shapes alone, so
// that the weight gradient's partial sums do not depend on the thread count.
constexpr int64_t kBlockChunkBytes = 256 * 1024, kBlockMinChunks = 8;
int64_t block_chunk_images(int64_t n, int64_t image_bytes) {
  const int64_t fit = std::max<int64_t>(1, kBlockChunkBytes / std::max<int64_t>(image_bytes, 1));
  return std::max<int64_t>(1, std::min(fit, (n + kBlockMinChunks - 1) / kBlockMinChunks));
}

// A per-thread float buffer of n elements, 64-byte aligned, reused across calls.
float* block_buffer(int64_t n) {
  float* base = workspace<float, 2>(n + 16);
  const auto addr = reinterpret_cast<uintptr_t>(base);
  return base + ((64 - addr % 64) % 64) / sizeof(float);
}

// The block's problem: the conv's geometry and sizes, and the pooling's, for chunks of images.
struct Block {
  Geo3 conv, pool;  // n: the whole batch
  ConvGeometry g;
  std::vector<int64_t> xs, ws, ys;  // x, w and conv-output sizes of a chunk (n set per chunk)
  int64_t x_image = 0, y_image = 0, pooled_image = 0, per = 1, chunks = 0;

  Block(const Tensor& x, const Tensor& w, const ConvGeometry& geometry, IntArrayRef conv_out,
        IntArrayRef kernel, IntArrayRef stride, IntArrayRef pooled)
      : g(geometry) {
    ys = {x.size(0), w.size(0)};
    ys.insert(ys.end(), conv_out.begin(), conv_out.end());
    conv = geo3(x.sizes(), w.sizes(), ys, g);
    std::vector<int64_t> pool_w{1, 1};
    pool_w.insert(pool_w.end(), kernel.begin(), kernel.end());
    ConvGeometry pg;
    pg.stride = stride.vec();
    pg.padding.assign(kernel.size(), 0);
    pg.dilation.assign(kernel.size(), 1);
    pool = geo3(ys, pool_w, pooled, pg);
    xs = x.sizes().vec();
    ws = w.sizes().vec();
    x_image = conv.c * conv.in_plane();
    y_image = conv.co * conv.positions();
    pooled_image = pool.c * pool.positions();
    per = block_chunk_images(conv.n, y_image * static_cast<int64_t>(sizeof(float)));
    chunks = (conv.n + per - 1) / per;
  }
  // The chunk's image count, with the sizes and geometries set to it.
  int64_t begin_chunk(int64_t c, Geo3& cg, Geo3& pg) {
    const int64_t nb = std::min(per, conv.n - c * per);
    cg = conv;
    pg = pool;
    cg.n = pg.n = nb;
    xs[0] = ys[0] = nb;
    return nb;
  }
};

// y = conv(x, w) + bias for one chunk, by the kernels conv_forward_bias would pick.
void block_conv(const Block& b, const Geo3& cg, const float* x, const float* w, const float* bias,
                float* y) {
  if (DirectConv d; direct_problem(cg, d)) return direct_conv_forward(d, x, w, bias, y);
  if (bias ? dnnl_conv_forward_bias(b.xs, b.ws, b.ys, b.g, x, w, bias, y, true)
           : dnnl_conv_forward(b.xs, b.ws, b.ys, b.g, x, w, y, true))
    return;
  conv_forward_impl<float>(cg, x, w, y);
  if (!bias) return;
  const int64_t P = cg.positions();
  for (int64_t i = 0; i < cg.n * cg.co; ++i)
    for (int64_t p = 0; p < P; ++p) y[i * P + p] += bias[i % cg.co];
}

// dw (and db, when not null) for one chunk's x and conv-output gradient dy.
void block_weight_grad(const Block& b, const Geo3& cg, const float* x, const float* dy, float* dw,
                       float* db) {
  if (db && dnnl_conv_backward_weight_bias(b.xs, b.ws, b.ys, b.g, x, dy, dw, db, true)) return;
  if (!dnnl_conv_backward_weight(b.xs, b.ws, b.ys, b.g, x, dy, dw, true))
    conv_backward_weight_impl<float>(cg, x, dy, dw);
  if (!db) return;
  const int64_t P = cg.positions();
  for (int64_t o = 0; o < cg.co; ++o) db[o] = 0;
  for (int64_t i = 0; i < cg.n * cg.co; ++i) {
    float sum = 0;
    for (int64_t p = 0; p < P; ++p) sum += dy[i * P + p];
    db[i % cg.co] += sum;
  }
}

// dq[idx[j]] += dy[j] where y[j] > 0, for one plane's pooled outputs j < count: max_pool's
// scatter and relu's mask in one branch-free pass (whether relu passed a window's max is a coin
// flip on real data). False, with the plane unspecified, if an index is outside [0, plane).
bool scatter_pooled_gradient(const int64_t* __restrict idx, const float* __restrict y,
                             const float* __restrict dy, int64_t count, int64_t plane,
                             float* __restrict dq) {
  bool inside_all = true;
  for (int64_t j = 0; j < count; ++j) {
    const auto i = static_cast<uint64_t>(idx[j]);
    const bool inside = i < static_cast<uint64_t>(plane);
    inside_all &= inside;
    dq[inside ? i : 0] += detail::fast::select_bits(inside & (y[j] > 0), dy[j], 0.0f);
  }
  return inside_all;
}

// scatter_pooled_gradient for 2x2 windows at stride 2 on planes of P <= kFlatPoolOutputs
// outputs, as one vector loop over the plane (the layout of max_pool_2x2_flat: a holds the
// even conv-output rows a window covers, b the odd ones, each window's two columns side by
// side; base [P] each window's top-left index). Every covered position is written, so only a
// plane with an odd height or width needs zeros first. Each window writes only its own four
// places: an index that is not in its window (the op's own indices always are) gives zeros.
template <class T>
NABLA_CPU_CLONES void scatter_pooled_2x2_flat(const int64_t* __restrict idx, const T* __restrict y,
                                              const T* __restrict dy,
                                              const int64_t* __restrict base, int64_t P, int64_t W,
                                              T* __restrict a, T* __restrict b) {
  for (int64_t o = 0; o < P; ++o) {
    const T v = detail::fast::select_bits(y[o] > 0, dy[o], T(0));
    const int64_t k = idx[o] - base[o];
    a[2 * o] = detail::fast::select_bits(k == 0, v, T(0));
    a[2 * o + 1] = detail::fast::select_bits(k == 1, v, T(0));
    b[2 * o] = detail::fast::select_bits(k == W, v, T(0));
    b[2 * o + 1] = detail::fast::select_bits(k == W + 1, v, T(0));
  }
}

// The conv-output gradient of one chunk's planes [q0, q1) from the pooled gradient (see
// scatter_pooled_gradient); false if an index is outside its plane.
bool block_pooled_gradient(const Geo3& pool, const int64_t* idx, const float* y, const float* dy,
                           int64_t q0, int64_t q1, float* dconv) {
  const int64_t P = pool.positions(), plane = pool.in_plane(), H = pool.in[1], W = pool.in[2];
  const int64_t out_h = pool.out[1], out_w = pool.out[2];
  const bool flat = pool.k[1] == 2 && pool.k[2] == 2 && pool.s[1] == 2 && pool.s[2] == 2 &&
                    P <= kFlatPoolOutputs && !flat_pool_disabled();
  bool ok = true;
  if (!flat) {
    std::fill_n(dconv, (q1 - q0) * plane, 0.0f);
    for (int64_t q = q0; q < q1; ++q)
      ok &= scatter_pooled_gradient(idx + q * P, y + q * P, dy + q * P, P, plane,
                                    dconv + (q - q0) * plane);
    return ok;
  }
  const int64_t row = 2 * out_w;
  alignas(64) float a[2 * kFlatPoolOutputs], b[2 * kFlatPoolOutputs];
  alignas(64) int64_t base[kFlatPoolOutputs];
  for (int64_t oh = 0; oh < out_h; ++oh)
    for (int64_t ow = 0; ow < out_w; ++ow) base[oh * out_w + ow] = 2 * oh * W + 2 * ow;
  const bool covered = H == 2 * out_h && W == 2 * out_w;
  if (!covered) std::fill_n(dconv, (q1 - q0) * plane, 0.0f);
  for (int64_t q = q0; q < q1; ++q) {
    scatter_pooled_2x2_flat(idx + q * P, y + q * P, dy + q * P, base, P, W, a, b);
    float* dq = dconv + (q - q0) * plane;
    for (int64_t oh = 0; oh < out_h; ++oh) {
      std::memcpy(dq + 2 * oh * W, a + oh * row, static_cast<size_t>(row) * sizeof(float));
      std::memcpy(dq + (2 * oh + 1) * W, b + oh * row, static_cast<size_t>(row) * sizeof(float));
    }
  }
  return ok;
}

bool block_tensors_ok(const Tensor& x, const Tensor& w, const Tensor& bias) {
  auto f32 = [](const Tensor& t) {
    return t.scalar_type() == kFloat && t.is_contiguous() && t.device().is_cpu();
  };
  return x.dim() == 4 && f32(x) && f32(w) && (!bias.defined() || f32(bias)) && x.numel() > 0 &&
         w.numel() > 0;
}

}  // namespace

bool CpuBackend::conv_relu_max_pool_forward(const Tensor& x, const Tensor& w, const Tensor& bias,
                                            const ConvGeometry& g, IntArrayRef conv_out,
                                            IntArrayRef kernel, IntArrayRef stride, const Tensor& y,
                                            const Tensor& indices) {
  if (!block_tensors_ok(x, w, bias) || !y.is_contiguous() || !indices.is_contiguous() ||
      y.scalar_type() != kFloat || indices.scalar_type() != kLong || y.numel() == 0)
    return false;
  Block b(x, w, g, conv_out, kernel, stride, y.sizes());
  if (b.conv.col_rows() == 0 || !plain_pool(b.pool)) return false;
  detail::sync_fp_mode();
  const float* xd = x.data_ptr<float>();
  const float* wd = w.data_ptr<float>();
  const float* bd = bias.defined() ? bias.data_ptr<float>() : nullptr;
  float* yd = y.data_ptr<float>();
  int64_t* id = indices.data_ptr<int64_t>();
  detail::parallel_for(b.chunks, 1, [&](int64_t c0, int64_t c1) {
    Block local = b;  // the chunk sizes are per thread
    for (int64_t c = c0; c < c1; ++c) {
      Geo3 cg, pg;
      const int64_t nb = local.begin_chunk(c, cg, pg), n0 = c * b.per;
      float* conv_y = block_buffer(nb * b.y_image);
      block_conv(local, cg, xd + n0 * b.x_image, wd, bd, conv_y);
      const functors::Relu relu;
      for (int64_t i = 0; i < nb * b.y_image; ++i) conv_y[i] = relu(conv_y[i]);
      max_pool_plain_2d(pg, conv_y, yd + n0 * b.pooled_image, id + n0 * b.pooled_image);
    }
  });
  return true;
}

bool CpuBackend::conv_relu_max_pool_backward(const Tensor& x, const Tensor& w,
                                             const ConvGeometry& g, IntArrayRef conv_out,
                                             IntArrayRef kernel, IntArrayRef stride,
                                             const Tensor& y, const Tensor& indices,
                                             const Tensor& dy, const Tensor& dx, const Tensor& dw,
                                             const Tensor& db) {
  auto out_ok = [](const Tensor& t) {
    return !t.defined() || (t.scalar_type() == kFloat && t.is_contiguous());
  };
  if (!block_tensors_ok(x, w, Tensor()) || !out_ok(dx) || !out_ok(dw) || !out_ok(db) ||
      y.scalar_type() != kFloat || indices.scalar_type() != kLong || dy.scalar_type() != kFloat ||
      dy.sizes() != y.sizes() || indices.sizes() != y.sizes())
    return false;
  Block b(x, w, g, conv_out, kernel, stride, y.sizes());
  if (b.conv.col_rows() == 0 || !plain_pool(b.pool)) return false;
  Tensor yh, ih, dyh;
  const Tensor &yc = contiguous_in(y, yh), &ic = contiguous_in(indices, ih),
               &dyc = contiguous_in(dy, dyh);
  detail::sync_fp_mode();
  const int64_t wsize = w.numel(), co = b.conv.co, plane = b.conv.positions();
  // One partial dw (and db) per chunk, summed below in chunk order.
  const int64_t slot = wsize + co;
  thread_local std::vector<float> partial;
  if (dw.defined() || db.defined())
    partial.resize(static_cast<size_t>(std::max<int64_t>(partial.size(), b.chunks * slot)));
  float* parts = partial.data();
  const float* xd = x.data_ptr<float>();
  const float* wd = w.data_ptr<float>();
  const float* yd = yc.data_ptr<float>();
  const float* gd = dyc.data_ptr<float>();
  const int64_t* id = ic.data_ptr<int64_t>();
  std::atomic<int64_t> bad{-1};  // the first plane of a chunk with an index out of place
  detail::parallel_for(b.chunks, 1, [&](int64_t c0, int64_t c1) {
    Block local = b;
    for (int64_t c = c0; c < c1; ++c) {
      Geo3 cg, pg;
      const int64_t nb = local.begin_chunk(c, cg, pg), n0 = c * b.per;
      // The conv output's gradient: dy at each window's max where relu passed it (y > 0).
      float* dconv = block_buffer(nb * b.y_image);
      const int64_t q0 = n0 * co;
      if (!block_pooled_gradient(b.pool, id, yd, gd, q0, q0 + nb * co, dconv)) bad.store(q0);
      const float* xc = xd + n0 * b.x_image;
      if (dw.defined() || db.defined()) {
        float* dwc = parts + c * slot;
        block_weight_grad(local, cg, xc, dconv, dwc, db.defined() ? dwc + wsize : nullptr);
      }
      if (dx.defined()) {
        float* dxc = dx.data_ptr<float>() + n0 * b.x_image;
        if (!dnnl_conv_backward_input(local.xs, local.ws, local.ys, g, dconv, wd, dxc, true))
          conv_backward_input_impl<float>(cg, dconv, wd, dxc);
      }
    }
  });
  const int64_t at = bad.load();
  NABLA_CHECK(at < 0,
              "[conv_relu_max_pool_backward] indices {} hold an index outside its pooling "
              "window of a conv-output plane of {} elements (in the chunk of planes from {})",
              indices.sizes(), plane, at);
  // Each element sums its chunks' partials in chunk order, whichever thread takes it.
  auto sum_partials = [&](const Tensor& out, int64_t offset, int64_t size) {
    if (!out.defined()) return;
    float* o = out.data_ptr<float>();
    detail::parallel_for(size, 4096, [&](int64_t i0, int64_t i1) {
      for (int64_t i = i0; i < i1; ++i) {
        float sum = parts[offset + i];
        for (int64_t c = 1; c < b.chunks; ++c) sum += parts[c * slot + offset + i];
        o[i] = sum;
      }
    });
  };
  sum_partials(dw, 0, wsize);
  sum_partials(db, wsize, co);
  return true;
}

}  // namespace nabla::cpu
