// LSTM and GRU cell kernels (contracts in backend/backend.h): per time step, the gate
// nonlinearities and the state update are one pass over [B, G*H], and so is their backward.
// float32 uses the vectorizable exp/tanh of fast_math.h. The front-ends, the layer loop and the
// composite fallback are in src/ops/fused_rnn.cpp.
#include <algorithm>
#include <cmath>

#include "backend/cpu/cpu_backend.h"
#include "backend/cpu/fast_math.h"
#include "core/dispatch.h"
#include "core/parallel.h"
#include "core/tensor_impl.h"

namespace nabla::cpu {

namespace {

using detail::fast::sigmoid;
using detail::fast::tanh;

/// Rows per parallel chunk: about 16k gate values each, so small batches run inline.
int64_t row_grain(int64_t values_per_row) {
  return std::max<int64_t>(1, 16384 / std::max<int64_t>(1, values_per_row));
}

// ---- LSTM kernels ------------------------------------------------------------------------

// One batch row of the cell. Gates are [i | f | g | o], each H wide (PyTorch's order). The
// __restrict parameters tell the compiler that outputs and inputs do not overlap: with seven
// streams it would otherwise need more run-time overlap checks than it allows, and not vectorize.
template <class T>
NABLA_CPU_CLONES void lstm_forward_row(const T* __restrict gates, const T* __restrict c0,
                                       T* __restrict c1, T* __restrict h1, int64_t H) {
  const T *gi = gates, *gf = gates + H, *gg = gates + 2 * H, *go = gates + 3 * H;
  for (int64_t j = 0; j < H; ++j) {
    const T cell = sigmoid(gf[j]) * c0[j] + sigmoid(gi[j]) * tanh(gg[j]);
    c1[j] = cell;
    h1[j] = sigmoid(go[j]) * tanh(cell);
  }
}

template <class T>
NABLA_CPU_CLONES void lstm_backward_row(const T* __restrict gates, const T* __restrict c0,
                                        const T* __restrict c1, const T* __restrict dh,
                                        const T* __restrict dc, T* __restrict dgates,
                                        T* __restrict dc0, int64_t H) {
  const T *gi = gates, *gf = gates + H, *gg = gates + 2 * H, *go = gates + 3 * H;
  T *dgi = dgates, *dgf = dgates + H, *dgg = dgates + 2 * H, *dgo = dgates + 3 * H;
  for (int64_t j = 0; j < H; ++j) {
    const T i = sigmoid(gi[j]), f = sigmoid(gf[j]), g = tanh(gg[j]), o = sigmoid(go[j]);
    const T tc = tanh(c1[j]);
    const T dcell = dh[j] * o * (T(1) - tc * tc) + dc[j];
    dgi[j] = dcell * g * i * (T(1) - i);
    dgf[j] = dcell * c0[j] * f * (T(1) - f);
    dgg[j] = dcell * i * (T(1) - g * g);
    dgo[j] = dh[j] * tc * o * (T(1) - o);
    dc0[j] = dcell * f;
  }
}

}  // namespace

void CpuBackend::lstm_cell_forward(const Tensor& gates, const Tensor& cx, const Tensor& hy,
                                   const Tensor& cy) {
  const int64_t B = cx.size(0), H = cx.size(1);
  detail::dispatch_native_floating(gates.scalar_type(), "fused_lstm_cell", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* g = gates.data_ptr<T>();
    const T* c0 = cx.data_ptr<T>();
    T* h1 = hy.data_ptr<T>();
    T* c1 = cy.data_ptr<T>();
    detail::parallel_for(B, row_grain(4 * H), [=](int64_t begin, int64_t end) {
      for (int64_t b = begin; b < end; ++b)
        lstm_forward_row(g + b * 4 * H, c0 + b * H, c1 + b * H, h1 + b * H, H);
    });
  });
}

/// d(gates), d(cx) from d(hy), d(cy); the gate activations are recomputed from the saved
/// pre-activations (cheaper than keeping a [B, 4H] workspace per step alive).
void CpuBackend::lstm_cell_backward(const Tensor& gates, const Tensor& cx, const Tensor& cy,
                                    const Tensor& dhy, const Tensor& dcy, const Tensor& dgates,
                                    const Tensor& dcx) {
  const int64_t B = cx.size(0), H = cx.size(1);
  detail::dispatch_native_floating(gates.scalar_type(), "fused_lstm_cell_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* g = gates.data_ptr<T>();
    const T* c0 = cx.data_ptr<T>();
    const T* c1 = cy.data_ptr<T>();
    const T* dh = dhy.data_ptr<T>();
    const T* dc = dcy.data_ptr<T>();
    T* dg = dgates.data_ptr<T>();
    T* dc0 = dcx.data_ptr<T>();
    detail::parallel_for(B, row_grain(4 * H), [=](int64_t begin, int64_t end) {
      for (int64_t b = begin; b < end; ++b) {
        const int64_t k = b * H;
        lstm_backward_row(g + 4 * k, c0 + k, c1 + k, dh + k, dc + k, dg + 4 * k, dc0 + k, H);
      }
    });
  });
}

// ---- GRU kernels -------------------------------------------------------------------------

void CpuBackend::gru_cell_forward(const Tensor& gi, const Tensor& gh, const Tensor& hx,
                                  const Tensor& hy) {
  const int64_t B = hx.size(0), H = hx.size(1);
  detail::dispatch_native_floating(gi.scalar_type(), "fused_gru_cell", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* a = gi.data_ptr<T>();
    const T* b_ = gh.data_ptr<T>();
    const T* h0 = hx.data_ptr<T>();
    T* h1 = hy.data_ptr<T>();
    detail::parallel_for(B, row_grain(3 * H), [=](int64_t begin, int64_t end) {
      for (int64_t b = begin; b < end; ++b) {
        const T* ar = a + b * 3 * H;
        const T* br = b_ + b * 3 * H;
        for (int64_t j = 0; j < H; ++j) {
          const T r = sigmoid(ar[j] + br[j]);
          const T z = sigmoid(ar[H + j] + br[H + j]);
          const T n = tanh(ar[2 * H + j] + r * br[2 * H + j]);
          h1[b * H + j] = n + z * (h0[b * H + j] - n);  // PyTorch's form of (1-z)n + z h
        }
      }
    });
  });
}

void CpuBackend::gru_cell_backward(const Tensor& gi, const Tensor& gh, const Tensor& hx,
                                   const Tensor& dhy, const Tensor& dgi, const Tensor& dgh,
                                   const Tensor& dhx) {
  const int64_t B = hx.size(0), H = hx.size(1);
  detail::dispatch_native_floating(gi.scalar_type(), "fused_gru_cell_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* a = gi.data_ptr<T>();
    const T* b_ = gh.data_ptr<T>();
    const T* h0 = hx.data_ptr<T>();
    const T* dh = dhy.data_ptr<T>();
    T* da = dgi.data_ptr<T>();
    T* db = dgh.data_ptr<T>();
    T* dh0 = dhx.data_ptr<T>();
    detail::parallel_for(B, row_grain(3 * H), [=](int64_t begin, int64_t end) {
      for (int64_t b = begin; b < end; ++b) {
        const T* ar = a + b * 3 * H;
        const T* br = b_ + b * 3 * H;
        T* dar = da + b * 3 * H;
        T* dbr = db + b * 3 * H;
        for (int64_t j = 0; j < H; ++j) {
          const int64_t k = b * H + j;
          const T r = sigmoid(ar[j] + br[j]);
          const T z = sigmoid(ar[H + j] + br[H + j]);
          const T n = tanh(ar[2 * H + j] + r * br[2 * H + j]);
          const T dn = dh[k] * (T(1) - z) * (T(1) - n * n);
          const T dz = dh[k] * (h0[k] - n) * z * (T(1) - z);
          const T dr = dn * br[2 * H + j] * r * (T(1) - r);
          dar[j] = dbr[j] = dr;
          dar[H + j] = dbr[H + j] = dz;
          dar[2 * H + j] = dn;
          dbr[2 * H + j] = dn * r;
          dh0[k] = dh[k] * z;
        }
      }
    });
  });
}

}  // namespace nabla::cpu
