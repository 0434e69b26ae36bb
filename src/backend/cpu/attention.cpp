// Fused scaled-dot-product attention (flash-attention style) on the CPU.
// B = batch * heads, L = queries, S = keys, E = query/key width, Ev = value width.
// Forward: for each tile of kBr query rows, keys are visited in tiles of kBc; the softmax is
// computed online (running row max m and row sum l, the output rescaled when m grows), so only
// a kBr x kBc score tile ever exists. It saves the output and lse = m + log(l) per row.
// Backward: recomputes each score tile from lse (P = exp(s - lse)) and accumulates
// dV += P^T dO, dS = P * (dO V^T - rowsum(dO * O)), dQ += scale dS K, dK += scale dS^T Q.
// Causal tiles with every key after every query are skipped. Each (batch, head) is handled by
// one thread in a fixed order, so the bits do not depend on the thread count.
// float32 exponentials are fast_math.h's (vectorized; glibc's expf was 4% of a GPT step).
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "backend/cpu/cpu_backend.h"
#include "backend/cpu/fast_math.h"
#include "backend/cpu/gemm.h"
#include "core/dispatch.h"
#include "core/parallel.h"
#include "core/tensor_impl.h"

namespace nabla::cpu {

namespace {

constexpr int64_t kBr = 64;  // query rows per tile
constexpr int64_t kBc = 64;  // keys per tile

// C[m, n] = alpha * op(A) op(B) + beta * C, row-major: the backend's GEMM (nabla's own kernels
// for float32 where the CPU has them), on the calling thread inside the parallel loop.
template <class T>
void gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, T alpha, const T* a, int64_t lda,
          const T* b, int64_t ldb, T beta, T* c, int64_t ldc) {
  gemm_rowmajor<T>(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

// Where the rows of one (batch, head) of q, k or v start, and how far apart they are: the
// inputs are [B1, B2, T, E] views with unit stride along E, so heads split from one projection
// ([B, T, H, D] transposed) are read in place.
struct RowLayout {
  int64_t s1 = 0, s2 = 0, row = 0;
};

// The problem's sizes, the inputs' layouts and the additive bias of one (batch, head).
template <class T>
struct Geometry {
  int64_t B = 0, L = 0, S = 0, E = 0, Ev = 0;
  int64_t heads = 1;  // B2 of q, k and v: batch index b is (b / heads, b % heads)
  RowLayout rq, rk, rv;
  bool causal = false;
  T scale = 1;
  const T* bias = nullptr;  // [B1, B2, L, S] strided, or null
  int64_t B2 = 1, sb1 = 0, sb2 = 0, si = 0, sj = 0;

  const T* bias_of(int64_t b) const {
    return bias ? bias + (b / B2) * sb1 + (b % B2) * sb2 : nullptr;
  }
  const T* rows_of(const T* base, const RowLayout& r, int64_t b) const {
    return base + (b / heads) * r.s1 + (b % heads) * r.s2;
  }
  // Keys [0, end) can be seen by some query of rows [i0, i1).
  int64_t key_end(int64_t i1) const { return causal ? std::min(S, i1) : S; }
};

template <class T>
Geometry<T> geometry(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& bias,
                     bool causal, double scale) {
  Geometry<T> g;
  g.heads = q.size(1);
  g.B = q.size(0) * g.heads, g.L = q.size(2), g.E = q.size(3), g.S = k.size(2), g.Ev = v.size(3);
  // A single row's stride is never used; BLAS still wants a leading dimension >= the width.
  auto layout = [](const Tensor& t) {
    return RowLayout{t.stride(0), t.stride(1), t.size(2) == 1 ? t.size(3) : t.stride(2)};
  };
  g.rq = layout(q), g.rk = layout(k), g.rv = layout(v);
  g.causal = causal;
  g.scale = T(scale);
  if (bias.defined()) {
    g.bias = bias.data_ptr<T>();
    g.B2 = bias.size(1);
    g.sb1 = bias.stride(0), g.sb2 = bias.stride(1), g.si = bias.stride(2), g.sj = bias.stride(3);
  }
  return g;
}

// Scores of query rows [i0, i0 + rows) against keys [j0, j0 + cols) into s [rows, kBc]:
// scale * q k^T + bias, with -inf where causality masks the key.
template <class T>
void score_tile(const Geometry<T>& g, const T* bias_b, const T* qb, const T* kb, int64_t i0,
                int64_t rows, int64_t j0, int64_t cols, T* s) {
  gemm(false, true, rows, cols, g.E, g.scale, qb + i0 * g.rq.row, g.rq.row, kb + j0 * g.rk.row,
       g.rk.row, T(0), s, kBc);
  const T inf = std::numeric_limits<T>::infinity();
  for (int64_t r = 0; r < rows; ++r) {
    T* row = s + r * kBc;
    const int64_t i = i0 + r;
    if (bias_b) {
      const T* brow = bias_b + i * g.si + j0 * g.sj;
      for (int64_t c = 0; c < cols; ++c) row[c] += brow[c * g.sj];
    }
    if (g.causal)
      for (int64_t c = std::max<int64_t>(0, i + 1 - j0); c < cols; ++c) row[c] = -inf;
  }
}

// One tile of query rows: out rows hold the running (unnormalized) sum until the end.
template <class T>
void forward_rows(const Geometry<T>& g, int64_t b, int64_t i0, const T* q, const T* k, const T* v,
                  T* out, T* lse, std::vector<T>& s, std::vector<T>& m, std::vector<T>& l) {
  const T inf = std::numeric_limits<T>::infinity();
  const int64_t rows = std::min(kBr, g.L - i0);
  const T* qb = g.rows_of(q, g.rq, b);
  const T* kb = g.rows_of(k, g.rk, b);
  const T* vb = g.rows_of(v, g.rv, b);
  T* ob = out + (b * g.L + i0) * g.Ev;
  std::fill(ob, ob + rows * g.Ev, T(0));
  std::fill(m.begin(), m.end(), -inf);
  std::fill(l.begin(), l.end(), T(0));
  const int64_t jend = g.key_end(i0 + rows);
  for (int64_t j0 = 0; j0 < jend; j0 += kBc) {
    const int64_t cols = std::min(kBc, jend - j0);
    score_tile(g, g.bias_of(b), qb, kb, i0, rows, j0, cols, s.data());
    for (int64_t r = 0; r < rows; ++r) {
      T* row = s.data() + r * kBc;
      T mx = -inf;
      for (int64_t c = 0; c < cols; ++c) mx = std::max(mx, row[c]);
      const T m_new = std::max(m[r], mx);
      if (m_new == -inf) {  // every key so far masked: this tile adds nothing
        std::fill(row, row + cols, T(0));
        continue;
      }
      T sum = 0;
      for (int64_t c = 0; c < cols; ++c)
        sum += (row[c] = detail::fast::exp_or_zero(row[c] - m_new));
      const T corr = std::exp(m[r] - m_new);  // 0 when m was -inf
      l[r] = l[r] * corr + sum;
      m[r] = m_new;
      if (corr != T(1)) {
        T* orow = ob + r * g.Ev;
        for (int64_t c = 0; c < g.Ev; ++c) orow[c] *= corr;
      }
    }
    gemm(false, false, rows, g.Ev, cols, T(1), s.data(), kBc, vb + j0 * g.rv.row, g.rv.row, T(1),
         ob, g.Ev);
  }
  for (int64_t r = 0; r < rows; ++r) {
    T* orow = ob + r * g.Ev;
    if (m[r] == -inf) {  // a fully masked row: output 0, as PyTorch's safe softmax
      std::fill(orow, orow + g.Ev, T(0));
      lse[b * g.L + i0 + r] = -inf;
      continue;
    }
    const T inv = T(1) / l[r];
    for (int64_t c = 0; c < g.Ev; ++c) orow[c] *= inv;
    lse[b * g.L + i0 + r] = m[r] + std::log(l[r]);
  }
}

template <class T>
void forward(const Geometry<T>& g, const T* q, const T* k, const T* v, T* out, T* lse) {
  const int64_t tiles = (g.L + kBr - 1) / kBr;
  detail::parallel_for(g.B * tiles, 1, [&](int64_t t0, int64_t t1) {
    std::vector<T> s(kBr * kBc), m(kBr), l(kBr);
    for (int64_t t = t0; t < t1; ++t)
      forward_rows(g, t / tiles, (t % tiles) * kBr, q, k, v, out, lse, s, m, l);
  });
}

// All gradients of one (batch, head): key tiles outside, query tiles inside.
template <class T>
void backward_head(const Geometry<T>& g, int64_t b, const T* q, const T* k, const T* v,
                   const T* out, const T* lse, const T* dout, T* dq, T* dk, T* dv,
                   std::vector<T>& p, std::vector<T>& dp, std::vector<T>& d) {
  const T inf = std::numeric_limits<T>::infinity();
  const T* qb = g.rows_of(q, g.rq, b);
  const T* kb = g.rows_of(k, g.rk, b);
  const T* vb = g.rows_of(v, g.rv, b);
  const T* ob = out + b * g.L * g.Ev;
  const T* gob = dout + b * g.L * g.Ev;
  const T* lb = lse + b * g.L;
  T* dqb = dq + b * g.L * g.E;
  T* dkb = dk + b * g.S * g.E;
  T* dvb = dv + b * g.S * g.Ev;
  std::fill(dqb, dqb + g.L * g.E, T(0));
  std::fill(dkb, dkb + g.S * g.E, T(0));
  std::fill(dvb, dvb + g.S * g.Ev, T(0));
  for (int64_t i = 0; i < g.L; ++i) {  // d_i = rowsum(dO * O)
    T acc = 0;
    for (int64_t c = 0; c < g.Ev; ++c) acc += gob[i * g.Ev + c] * ob[i * g.Ev + c];
    d[i] = acc;
  }
  for (int64_t j0 = 0; j0 < g.S; j0 += kBc) {
    const int64_t cols = std::min(kBc, g.S - j0);
    for (int64_t i0 = g.causal ? j0 : 0; i0 < g.L; i0 += kBr) {
      const int64_t rows = std::min(kBr, g.L - i0);
      score_tile(g, g.bias_of(b), qb, kb, i0, rows, j0, cols, p.data());
      for (int64_t r = 0; r < rows; ++r) {
        T* row = p.data() + r * kBc;
        const T lr = lb[i0 + r];
        if (lr == -inf) {
          std::fill(row, row + cols, T(0));
          continue;
        }
        for (int64_t c = 0; c < cols; ++c) row[c] = detail::fast::exp_or_zero(row[c] - lr);
      }
      const T* go = gob + i0 * g.Ev;
      gemm(true, false, cols, g.Ev, rows, T(1), p.data(), kBc, go, g.Ev, T(1), dvb + j0 * g.Ev,
           g.Ev);
      gemm(false, true, rows, cols, g.Ev, T(1), go, g.Ev, vb + j0 * g.rv.row, g.rv.row, T(0),
           dp.data(), kBc);
      for (int64_t r = 0; r < rows; ++r) {
        T* ds = dp.data() + r * kBc;
        const T* pr = p.data() + r * kBc;
        const T di = d[i0 + r];
        for (int64_t c = 0; c < cols; ++c) ds[c] = pr[c] * (ds[c] - di);
      }
      gemm(false, false, rows, g.E, cols, g.scale, dp.data(), kBc, kb + j0 * g.rk.row, g.rk.row,
           T(1), dqb + i0 * g.E, g.E);
      gemm(true, false, cols, g.E, rows, g.scale, dp.data(), kBc, qb + i0 * g.rq.row, g.rq.row,
           T(1), dkb + j0 * g.E, g.E);
    }
  }
}

// q, k, v: [B1, B2, T, E] with unit stride along E and rows that do not overlap (BLAS reads
// each row of E values at a leading dimension >= E), one batch shape.
bool takes(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& bias) {
  const ScalarType st = q.scalar_type();
  auto ok = [&](const Tensor& t) {
    return t.device().is_cpu() && t.dim() == 4 && t.scalar_type() == st && t.size(0) == q.size(0) &&
           t.size(1) == q.size(1) && (t.stride(3) == 1 || t.size(3) == 1) &&
           (t.stride(2) >= t.size(3) || t.size(2) == 1);
  };
  return (st == kFloat || st == kDouble) && ok(q) && ok(k) && ok(v) &&
         (!bias.defined() || (bias.dim() == 4 && bias.scalar_type() == st));
}

}  // namespace

bool CpuBackend::attention_forward(const Tensor& q, const Tensor& k, const Tensor& v,
                                   const Tensor& bias, bool causal, double scale, const Tensor& out,
                                   const Tensor& lse) {
  if (!takes(q, k, v, bias)) return false;
  detail::sync_fp_mode();
  detail::dispatch_native_floating(q.scalar_type(), "scaled_dot_product_attention", [&](auto tag) {
    using T = typename decltype(tag)::type;
    forward(geometry<T>(q, k, v, bias, causal, scale), q.data_ptr<T>(), k.data_ptr<T>(),
            v.data_ptr<T>(), out.data_ptr<T>(), lse.data_ptr<T>());
  });
  return true;
}

bool CpuBackend::attention_backward(const Tensor& q, const Tensor& k, const Tensor& v,
                                    const Tensor& bias, bool causal, double scale,
                                    const Tensor& out, const Tensor& lse, const Tensor& grad_out,
                                    const Tensor& grad_q, const Tensor& grad_k,
                                    const Tensor& grad_v) {
  if (!takes(q, k, v, bias) || !grad_out.is_contiguous()) return false;
  detail::sync_fp_mode();
  detail::dispatch_native_floating(q.scalar_type(), "scaled_dot_product_attention", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const Geometry<T> g = geometry<T>(q, k, v, bias, causal, scale);
    detail::parallel_for(g.B, 1, [&](int64_t b0, int64_t b1) {
      std::vector<T> p(kBr * kBc), dp(kBr * kBc), d(g.L);
      for (int64_t b = b0; b < b1; ++b)
        backward_head(g, b, q.data_ptr<T>(), k.data_ptr<T>(), v.data_ptr<T>(), out.data_ptr<T>(),
                      lse.data_ptr<T>(), grad_out.data_ptr<T>(), grad_q.data_ptr<T>(),
                      grad_k.data_ptr<T>(), grad_v.data_ptr<T>(), p, dp, d);
    });
  });
  return true;
}

}  // namespace nabla::cpu
