// Fused LSTM and GRU cell ops: per time step, the gate nonlinearities and the state update are
// one kernel and one graph node (instead of a dozen small ops, each with its node and
// temporaries), and their backward is one kernel too. The matmuls stay ordinary ops.
// Under create_graph the backward falls back to nabla's differentiable ops (double backward).
#include <cmath>

#include "core/dispatch.h"
#include "core/parallel.h"
#include "nabla/nn/rnn.h"
#include "ops/op_helpers.h"

namespace nabla::nn::detail {

using nabla::detail::check_defined;
using nabla::detail::contiguous_nograd;
using nabla::detail::dispatch_floating;
using nabla::detail::make_tensor;
using nabla::detail::needs_grad;
using nabla::detail::Node;
using nabla::detail::record;
using nabla::detail::SavedTensor;
using nabla::detail::variable_list;

namespace {

template <class T>
inline T sigmoid_of(T x) {
  return T(1) / (T(1) + std::exp(-x));
}

/// Rows per parallel chunk: about 16k gate values each, so small batches run inline.
int64_t row_grain(int64_t values_per_row) {
  return std::max<int64_t>(1, 16384 / std::max<int64_t>(1, values_per_row));
}

void check_cell_args(const char* op, const Tensor& gates, int64_t chunks, const Tensor& state,
                     const char* state_name) {
  check_defined(gates, op, "gates");
  check_defined(state, op, state_name);
  NABLA_CHECK(gates.dim() == 2 && state.dim() == 2 && gates.size(0) == state.size(0) &&
                  gates.size(1) == chunks * state.size(1),
              "[{}] expected gates [B, {}*H] and {} [B, H], got {} and {}", op, chunks, state_name,
              gates.sizes(), state.sizes());
  NABLA_CHECK(gates.scalar_type() == state.scalar_type(),
              "[{}] gates and {} must have the same dtype, got {} and {}", op, state_name,
              gates.scalar_type(), state.scalar_type());
  NABLA_CHECK(gates.is_cpu() && state.is_cpu(), "[{}] only CPU tensors are supported", op);
}

// ---- LSTM kernels ------------------------------------------------------------------------

void lstm_forward_kernel(const Tensor& gates, const Tensor& cx, const Tensor& hy,
                         const Tensor& cy) {
  const int64_t B = cx.size(0), H = cx.size(1);
  dispatch_floating(gates.scalar_type(), "fused_lstm_cell", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* g = gates.data_ptr<T>();
    const T* c0 = cx.data_ptr<T>();
    T* h1 = hy.data_ptr<T>();
    T* c1 = cy.data_ptr<T>();
    nabla::detail::parallel_for(B, row_grain(4 * H), [&](int64_t begin, int64_t end) {
      for (int64_t b = begin; b < end; ++b) {
        const T* gr = g + b * 4 * H;
        for (int64_t j = 0; j < H; ++j) {
          const T i = sigmoid_of(gr[j]);
          const T f = sigmoid_of(gr[H + j]);
          const T c = std::tanh(gr[2 * H + j]);
          const T o = sigmoid_of(gr[3 * H + j]);
          const T cell = f * c0[b * H + j] + i * c;
          c1[b * H + j] = cell;
          h1[b * H + j] = o * std::tanh(cell);
        }
      }
    });
  });
}

/// d(gates), d(cx) from d(hy), d(cy); the gate activations are recomputed from the saved
/// pre-activations (cheaper than keeping a [B, 4H] workspace per step alive).
void lstm_backward_kernel(const Tensor& gates, const Tensor& cx, const Tensor& cy,
                          const Tensor& dhy, const Tensor& dcy, const Tensor& dgates,
                          const Tensor& dcx) {
  const int64_t B = cx.size(0), H = cx.size(1);
  dispatch_floating(gates.scalar_type(), "fused_lstm_cell_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* g = gates.data_ptr<T>();
    const T* c0 = cx.data_ptr<T>();
    const T* c1 = cy.data_ptr<T>();
    const T* dh = dhy.data_ptr<T>();
    const T* dc = dcy.data_ptr<T>();
    T* dg = dgates.data_ptr<T>();
    T* dc0 = dcx.data_ptr<T>();
    nabla::detail::parallel_for(B, row_grain(4 * H), [&](int64_t begin, int64_t end) {
      for (int64_t b = begin; b < end; ++b) {
        const T* gr = g + b * 4 * H;
        T* dgr = dg + b * 4 * H;
        for (int64_t j = 0; j < H; ++j) {
          const int64_t k = b * H + j;
          const T i = sigmoid_of(gr[j]);
          const T f = sigmoid_of(gr[H + j]);
          const T c = std::tanh(gr[2 * H + j]);
          const T o = sigmoid_of(gr[3 * H + j]);
          const T tc = std::tanh(c1[k]);
          const T dcell = dh[k] * o * (T(1) - tc * tc) + dc[k];
          dgr[j] = dcell * c * i * (T(1) - i);
          dgr[H + j] = dcell * c0[k] * f * (T(1) - f);
          dgr[2 * H + j] = dcell * i * (T(1) - c * c);
          dgr[3 * H + j] = dh[k] * tc * o * (T(1) - o);
          dc0[k] = dcell * f;
        }
      }
    });
  });
}

/// The same backward with differentiable ops, for create_graph.
variable_list lstm_backward_graph(const Tensor& gates, const Tensor& cx, const Tensor& dhy,
                                  const Tensor& dcy) {
  auto ch = gates.chunk(4, 1);
  Tensor i = ch[0].sigmoid(), f = ch[1].sigmoid(), c = ch[2].tanh(), o = ch[3].sigmoid();
  Tensor tc = (f * cx + i * c).tanh();
  Tensor dcell = dhy * o * (1 - tc * tc) + dcy;
  Tensor dgates = nabla::cat({dcell * c * i * (1 - i), dcell * cx * f * (1 - f),
                              dcell * i * (1 - c * c), dhy * tc * o * (1 - o)},
                             1);
  return {dgates, dcell * f};
}

// ---- GRU kernels -------------------------------------------------------------------------

void gru_forward_kernel(const Tensor& gi, const Tensor& gh, const Tensor& hx, const Tensor& hy) {
  const int64_t B = hx.size(0), H = hx.size(1);
  dispatch_floating(gi.scalar_type(), "fused_gru_cell", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* a = gi.data_ptr<T>();
    const T* b_ = gh.data_ptr<T>();
    const T* h0 = hx.data_ptr<T>();
    T* h1 = hy.data_ptr<T>();
    nabla::detail::parallel_for(B, row_grain(3 * H), [&](int64_t begin, int64_t end) {
      for (int64_t b = begin; b < end; ++b) {
        const T* ar = a + b * 3 * H;
        const T* br = b_ + b * 3 * H;
        for (int64_t j = 0; j < H; ++j) {
          const T r = sigmoid_of(ar[j] + br[j]);
          const T z = sigmoid_of(ar[H + j] + br[H + j]);
          const T n = std::tanh(ar[2 * H + j] + r * br[2 * H + j]);
          h1[b * H + j] = n + z * (h0[b * H + j] - n);  // PyTorch's form of (1-z)n + z h
        }
      }
    });
  });
}

void gru_backward_kernel(const Tensor& gi, const Tensor& gh, const Tensor& hx, const Tensor& dhy,
                         const Tensor& dgi, const Tensor& dgh, const Tensor& dhx) {
  const int64_t B = hx.size(0), H = hx.size(1);
  dispatch_floating(gi.scalar_type(), "fused_gru_cell_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* a = gi.data_ptr<T>();
    const T* b_ = gh.data_ptr<T>();
    const T* h0 = hx.data_ptr<T>();
    const T* dh = dhy.data_ptr<T>();
    T* da = dgi.data_ptr<T>();
    T* db = dgh.data_ptr<T>();
    T* dh0 = dhx.data_ptr<T>();
    nabla::detail::parallel_for(B, row_grain(3 * H), [&](int64_t begin, int64_t end) {
      for (int64_t b = begin; b < end; ++b) {
        const T* ar = a + b * 3 * H;
        const T* br = b_ + b * 3 * H;
        T* dar = da + b * 3 * H;
        T* dbr = db + b * 3 * H;
        for (int64_t j = 0; j < H; ++j) {
          const int64_t k = b * H + j;
          const T r = sigmoid_of(ar[j] + br[j]);
          const T z = sigmoid_of(ar[H + j] + br[H + j]);
          const T n = std::tanh(ar[2 * H + j] + r * br[2 * H + j]);
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

variable_list gru_backward_graph(const Tensor& gi, const Tensor& gh, const Tensor& hx,
                                 const Tensor& dhy) {
  auto a = gi.chunk(3, 1);
  auto b = gh.chunk(3, 1);
  Tensor r = (a[0] + b[0]).sigmoid(), z = (a[1] + b[1]).sigmoid();
  Tensor n = (a[2] + r * b[2]).tanh();
  Tensor dn = dhy * (1 - z) * (1 - n * n);
  Tensor dz = dhy * (hx - n) * z * (1 - z);
  Tensor dr = dn * b[2] * r * (1 - r);
  return {nabla::cat({dr, dz, dn}, 1), nabla::cat({dr, dz, dn * r}, 1), dhy * z};
}

}  // namespace

// ---- the ops -----------------------------------------------------------------------------

std::tuple<Tensor, Tensor> fused_lstm_cell(const Tensor& gates, const Tensor& cx) {
  check_cell_args("fused_lstm_cell", gates, 4, cx, "cx");
  Tensor g = contiguous_nograd(gates), c = contiguous_nograd(cx);
  Tensor hy = make_tensor(cx.sizes(), cx.scalar_type(), cx.device());
  Tensor cy = make_tensor(cx.sizes(), cx.scalar_type(), cx.device());
  lstm_forward_kernel(g, c, hy, cy);
  if (needs_grad(gates, cx)) {
    record(
        "FusedLstmCellBackward0", {hy, cy}, {gates, cx},
        [sg = SavedTensor(gates, false), sc = SavedTensor(cx, false), scy = SavedTensor(cy, true)](
            const variable_list& grads, const Node& node) -> variable_list {
          Tensor gates_v = sg.unpack(node), cx_v = sc.unpack(node);
          if (GradMode::is_enabled()) return lstm_backward_graph(gates_v, cx_v, grads[0], grads[1]);
          Tensor dgates = make_tensor(gates_v.sizes(), gates_v.scalar_type(), gates_v.device());
          Tensor dcx = make_tensor(cx_v.sizes(), cx_v.scalar_type(), cx_v.device());
          lstm_backward_kernel(contiguous_nograd(gates_v), contiguous_nograd(cx_v),
                               contiguous_nograd(scy.unpack(node)), contiguous_nograd(grads[0]),
                               contiguous_nograd(grads[1]), dgates, dcx);
          return {dgates, dcx};
        });
  }
  return {hy, cy};
}

Tensor fused_gru_cell(const Tensor& gi, const Tensor& gh, const Tensor& hx) {
  check_cell_args("fused_gru_cell", gi, 3, hx, "hx");
  check_cell_args("fused_gru_cell", gh, 3, hx, "hx");
  Tensor a = contiguous_nograd(gi), b = contiguous_nograd(gh), h = contiguous_nograd(hx);
  Tensor hy = make_tensor(hx.sizes(), hx.scalar_type(), hx.device());
  gru_forward_kernel(a, b, h, hy);
  if (needs_grad(gi, gh, hx)) {
    record("FusedGruCellBackward0", {hy}, {gi, gh, hx},
           [sa = SavedTensor(gi, false), sb = SavedTensor(gh, false), sh = SavedTensor(hx, false)](
               const variable_list& grads, const Node& node) -> variable_list {
             Tensor gi_v = sa.unpack(node), gh_v = sb.unpack(node), hx_v = sh.unpack(node);
             if (GradMode::is_enabled()) return gru_backward_graph(gi_v, gh_v, hx_v, grads[0]);
             Tensor dgi = make_tensor(gi_v.sizes(), gi_v.scalar_type(), gi_v.device());
             Tensor dgh = make_tensor(gh_v.sizes(), gh_v.scalar_type(), gh_v.device());
             Tensor dhx = make_tensor(hx_v.sizes(), hx_v.scalar_type(), hx_v.device());
             gru_backward_kernel(contiguous_nograd(gi_v), contiguous_nograd(gh_v),
                                 contiguous_nograd(hx_v), contiguous_nograd(grads[0]), dgi, dgh,
                                 dhx);
             return {dgi, dgh, dhx};
           });
  }
  return hy;
}

std::tuple<Tensor, Tensor> unfused_lstm_cell(const Tensor& gates, const Tensor& cx) {
  check_cell_args("unfused_lstm_cell", gates, 4, cx, "cx");
  auto ch = gates.chunk(4, 1);
  Tensor cy = ch[1].sigmoid() * cx + ch[0].sigmoid() * ch[2].tanh();
  Tensor hy = ch[3].sigmoid() * cy.tanh();
  return {hy, cy};
}

Tensor unfused_gru_cell(const Tensor& gi, const Tensor& gh, const Tensor& hx) {
  check_cell_args("unfused_gru_cell", gi, 3, hx, "hx");
  check_cell_args("unfused_gru_cell", gh, 3, hx, "hx");
  auto a = gi.chunk(3, 1);
  auto b = gh.chunk(3, 1);
  Tensor r = (a[0] + b[0]).sigmoid(), z = (a[1] + b[1]).sigmoid();
  Tensor n = (a[2] + r * b[2]).tanh();
  return n + z * (hx - n);
}

}  // namespace nabla::nn::detail
