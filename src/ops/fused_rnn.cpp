// Fused LSTM and GRU cell ops: per time step, the gate nonlinearities and the state update are
// one kernel (Backend::lstm_cell_forward, ...) and one graph node (instead of a dozen small ops,
// each with its node and temporaries), and their backward is one kernel too. The matmuls stay
// ordinary ops. Under create_graph the backward runs as differentiable ops (double backward);
// on a backend without the fused cells the forward is the same composition of ordinary ops.
#include <cmath>

#include "ops/fused.h"
#include "ops/op_helpers.h"

namespace nabla::detail {

namespace {

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
  check_same_device(gates, state, op);
}

/// The cells as compositions of ordinary differentiable ops: the fallback and the oracle.
std::tuple<Tensor, Tensor> lstm_cell_composite(const Tensor& gates, const Tensor& cx) {
  auto ch = gates.chunk(4, 1);
  Tensor cy = ch[1].sigmoid() * cx + ch[0].sigmoid() * ch[2].tanh();
  Tensor hy = ch[3].sigmoid() * cy.tanh();
  return {hy, cy};
}

Tensor gru_cell_composite(const Tensor& gi, const Tensor& gh, const Tensor& hx) {
  auto a = gi.chunk(3, 1);
  auto b = gh.chunk(3, 1);
  Tensor r = (a[0] + b[0]).sigmoid(), z = (a[1] + b[1]).sigmoid();
  Tensor n = (a[2] + r * b[2]).tanh();
  return n + z * (hx - n);
}

// ---- backward formulas as differentiable ops (create_graph) -------------------------------

/// The same backward with differentiable ops, for create_graph.
variable_list lstm_backward_graph(const Tensor& gates, const Tensor& cx, const Tensor& dhy,
                                  const Tensor& dcy) {
  auto ch = gates.chunk(4, 1);
  Tensor i = ch[0].sigmoid(), f = ch[1].sigmoid(), c = ch[2].tanh(), o = ch[3].sigmoid();
  Tensor tc = (f * cx + i * c).tanh();
  Tensor dcell = dhy * o * (1 - tc * tc) + dcy;
  Tensor dgates = cat({dcell * c * i * (1 - i), dcell * cx * f * (1 - f), dcell * i * (1 - c * c),
                       dhy * tc * o * (1 - o)},
                      1);
  return {dgates, dcell * f};
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
  return {cat({dr, dz, dn}, 1), cat({dr, dz, dn * r}, 1), dhy * z};
}

}  // namespace

// ---- the ops -----------------------------------------------------------------------------

std::tuple<Tensor, Tensor> fused_lstm_cell(const Tensor& gates, const Tensor& cx) {
  check_cell_args("fused_lstm_cell", gates, 4, cx, "cx");
  Backend& be = backend_for(cx);
  if (isReducedFloatingType(cx.scalar_type()) && gates.scalar_type() == cx.scalar_type() &&
      use_fused(be, FusedOp::LstmCell, kFloat)) {
    auto [hy, cy] = fused_lstm_cell(gates.to(kFloat), cx.to(kFloat));
    return {hy.to(cx.scalar_type()), cy.to(cx.scalar_type())};
  }
  if (!use_fused(be, FusedOp::LstmCell, cx.scalar_type())) return lstm_cell_composite(gates, cx);
  Tensor g = contiguous_nograd(gates), c = contiguous_nograd(cx);
  Tensor hy = make_tensor(cx.sizes(), cx.scalar_type(), cx.device());
  Tensor cy = make_tensor(cx.sizes(), cx.scalar_type(), cx.device());
  be.lstm_cell_forward(g, c, hy, cy);
  if (needs_grad(gates, cx)) {
    record("FusedLstmCellBackward0", {hy, cy}, {gates, cx},
           [gates = SavedTensor(gates, false), cx = SavedTensor(cx, false),
            cy = SavedTensor::output(cy, 1)](const variable_list& grads,
                                             const Node& node) -> variable_list {
             Tensor gates_v = gates.unpack(node), cx_v = cx.unpack(node);
             if (GradMode::is_enabled())
               return lstm_backward_graph(gates_v, cx_v, grads[0], grads[1]);
             Tensor dgates = make_tensor(gates_v.sizes(), gates_v.scalar_type(), gates_v.device());
             Tensor dcx = make_tensor(cx_v.sizes(), cx_v.scalar_type(), cx_v.device());
             backend_for(cx_v).lstm_cell_backward(
                 contiguous_nograd(gates_v), contiguous_nograd(cx_v),
                 contiguous_nograd(cy.unpack(node)), contiguous_nograd(grads[0]),
                 contiguous_nograd(grads[1]), dgates, dcx);
             return {dgates, dcx};
           });
  }
  return {hy, cy};
}

Tensor fused_gru_cell(const Tensor& gi, const Tensor& gh, const Tensor& hx) {
  check_cell_args("fused_gru_cell", gi, 3, hx, "hx");
  check_cell_args("fused_gru_cell", gh, 3, hx, "hx");
  Backend& be = backend_for(hx);
  if (isReducedFloatingType(hx.scalar_type()) && gi.scalar_type() == hx.scalar_type() &&
      gh.scalar_type() == hx.scalar_type() && use_fused(be, FusedOp::GruCell, kFloat)) {
    return fused_gru_cell(gi.to(kFloat), gh.to(kFloat), hx.to(kFloat)).to(hx.scalar_type());
  }
  if (!use_fused(be, FusedOp::GruCell, hx.scalar_type())) return gru_cell_composite(gi, gh, hx);
  Tensor a = contiguous_nograd(gi), b = contiguous_nograd(gh), h = contiguous_nograd(hx);
  Tensor hy = make_tensor(hx.sizes(), hx.scalar_type(), hx.device());
  be.gru_cell_forward(a, b, h, hy);
  if (needs_grad(gi, gh, hx)) {
    record("FusedGruCellBackward0", {hy}, {gi, gh, hx},
           [gi = SavedTensor(gi, false), gh = SavedTensor(gh, false), hx = SavedTensor(hx, false)](
               const variable_list& grads, const Node& node) -> variable_list {
             Tensor gi_v = gi.unpack(node), gh_v = gh.unpack(node), hx_v = hx.unpack(node);
             if (GradMode::is_enabled()) return gru_backward_graph(gi_v, gh_v, hx_v, grads[0]);
             Tensor dgi = make_tensor(gi_v.sizes(), gi_v.scalar_type(), gi_v.device());
             Tensor dgh = make_tensor(gh_v.sizes(), gh_v.scalar_type(), gh_v.device());
             Tensor dhx = make_tensor(hx_v.sizes(), hx_v.scalar_type(), hx_v.device());
             backend_for(hx_v).gru_cell_backward(contiguous_nograd(gi_v), contiguous_nograd(gh_v),
                                                 contiguous_nograd(hx_v),
                                                 contiguous_nograd(grads[0]), dgi, dgh, dhx);
             return {dgi, dgh, dhx};
           });
  }
  return hy;
}

// ---- a whole LSTM layer ------------------------------------------------------------------

namespace {

/// t-th block of `rows` rows of a contiguous [T*rows, width] (or [T, rows, width]) tensor, as a
/// [rows, width] view without autograd.
Tensor step_rows(const Tensor& t, int64_t step, int64_t rows, int64_t width) {
  return make_view(t, {rows, width}, {width, 1}, t.storage_offset() + step * rows * width);
}

/// out = beta * out + a @ b on 2-D tensors, without autograd.
void gemm(const Tensor& a, const Tensor& b, const Tensor& out, double beta) {
  backend_for(out).matmul(a, b, out, beta, 1.0);
}

/// The layer's backward with differentiable ops (create_graph): the forward is recomputed step
/// by step from the saved inputs, so that second derivatives reach them, then differentiated
/// with the same formulas as the kernels.
variable_list lstm_layer_backward_graph(const Tensor& xproj, const Tensor& w_hh, const Tensor& h0,
                                        const Tensor& c0, bool reverse, const variable_list& g) {
  const int64_t B = h0.size(0), T = xproj.size(0) / B;
  std::vector<Tensor> gates(T), h_in(T), c_in(T);
  Tensor h = h0, c = c0;
  for (int64_t k = 0; k < T; ++k) {
    const int64_t t = reverse ? T - 1 - k : k;
    h_in[t] = h, c_in[t] = c;
    gates[t] = addmm(xproj.narrow(0, t * B, B), h, w_hh.t());
    std::tie(h, c) = fused_lstm_cell(gates[t], c);
  }
  Tensor dh = g[1], dc = g[2], dw;
  std::vector<Tensor> dgates(T);
  for (int64_t k = T - 1; k >= 0; --k) {
    const int64_t t = reverse ? T - 1 - k : k;
    auto dgc = lstm_backward_graph(gates[t], c_in[t], dh + g[0].narrow(0, t * B, B), dc);
    dgates[t] = dgc[0], dc = dgc[1];
    dh = dgates[t].mm(w_hh);
    const Tensor dw_t = dgates[t].t().mm(h_in[t]);
    dw = dw.defined() ? dw + dw_t : dw_t;
  }
  return {cat(dgates, 0), dh, dc, dw};
}

/// The same layer as one addmm and one fused_lstm_cell per step: the fallback and the oracle.
std::tuple<Tensor, Tensor, Tensor> lstm_layer_by_steps(const Tensor& xproj, const Tensor& w_hh,
                                                       const Tensor& h0, const Tensor& c0,
                                                       bool reverse) {
  const int64_t B = h0.size(0), T = xproj.size(0) / B;
  std::vector<Tensor> out(T);
  Tensor h = h0, c = c0;
  const std::vector<Tensor> x_steps = xproj.split(B, 0);
  for (int64_t k = 0; k < T; ++k) {
    const int64_t t = reverse ? T - 1 - k : k;
    std::tie(h, c) = fused_lstm_cell(addmm(x_steps[t], h, w_hh.t()), c);
    out[t] = h;
  }
  return {cat(out, 0), h, c};
}

}  // namespace

std::tuple<Tensor, Tensor, Tensor> fused_lstm_layer(const Tensor& xproj, const Tensor& w_hh,
                                                    const Tensor& h0, const Tensor& c0,
                                                    bool reverse) {
  const char* op = "fused_lstm_layer";
  for (auto [t, name] : {std::pair{&xproj, "xproj"}, {&w_hh, "w_hh"}, {&h0, "h0"}, {&c0, "c0"}}) {
    check_defined(*t, op, name);
    NABLA_CHECK(t->dim() == 2 && t->scalar_type() == h0.scalar_type(),
                "[{}] {} must be a 2-D tensor of h0's dtype {}, got {} of shape {}", op, name,
                h0.scalar_type(), t->scalar_type(), t->sizes());
    check_same_device(*t, h0, op);
  }
  const int64_t B = h0.size(0), H = h0.size(1);
  NABLA_CHECK(
      B > 0 && c0.sizes() == h0.sizes() && xproj.size(1) == 4 * H && xproj.size(0) % B == 0 &&
          xproj.size(0) > 0 && w_hh.size(0) == 4 * H && w_hh.size(1) == H,
      "[{}] expected xproj [T*B, 4H], w_hh [4H, H], h0 and c0 [B, H], got {}, {}, {} and {}", op,
      xproj.sizes(), w_hh.sizes(), h0.sizes(), c0.sizes());
  const ScalarType dtype = h0.scalar_type();
  Backend& be = backend_for(h0);
  if (!use_fused(be, FusedOp::LstmCell, dtype))
    return lstm_layer_by_steps(xproj, w_hh, h0, c0, reverse);
  const int64_t T = xproj.size(0) / B;
  const Device device = h0.device();
  // Everything indexed by time step t (not by processing order): pre-activations, the states
  // each step started from, the cell state it ended with, and the output.
  Tensor gates = make_tensor({T * B, 4 * H}, dtype, device);
  Tensor h_in = make_tensor({T * B, H}, dtype, device),
         c_in = make_tensor({T * B, H}, dtype, device);
  Tensor c_out = make_tensor({T * B, H}, dtype, device),
         out = make_tensor({T * B, H}, dtype, device);
  be.copy(contiguous_nograd(xproj), gates);
  const Tensor w_t = w_hh.t();  // [H, 4H] view: gates += h @ W_hh^T
  Tensor h_prev = h0, c_prev = c0;
  for (int64_t k = 0; k < T; ++k) {
    const int64_t t = reverse ? T - 1 - k : k;
    const Tensor g_t = step_rows(gates, t, B, 4 * H), h_t = step_rows(h_in, t, B, H),
                 c_t = step_rows(c_in, t, B, H);
    be.copy(h_prev, h_t);
    be.copy(c_prev, c_t);
    gemm(h_t, w_t, g_t, 1.0);
    h_prev = step_rows(out, t, B, H), c_prev = step_rows(c_out, t, B, H);
    be.lstm_cell_forward(g_t, c_t, h_prev, c_prev);
  }
  Tensor hT = make_tensor({B, H}, dtype, device), cT = make_tensor({B, H}, dtype, device);
  be.copy(h_prev, hT);
  be.copy(c_prev, cT);
  if (needs_grad({&xproj, &w_hh, &h0, &c0})) {
    record("FusedLstmLayerBackward0", {out, hT, cT}, {xproj, h0, c0, w_hh},
           [xproj = SavedTensor(xproj, false), w_hh = SavedTensor(w_hh, false),
            h0 = SavedTensor(h0, false), c0 = SavedTensor(c0, false), gates, h_in, c_in, c_out, B,
            H, T, reverse](const variable_list& grads, const Node& node) -> variable_list {
             const Tensor w_hh_v = w_hh.unpack(node);
             if (GradMode::is_enabled()) {
               variable_list graph_grads = lstm_layer_backward_graph(
                   xproj.unpack(node), w_hh_v, h0.unpack(node), c0.unpack(node), reverse, grads);
               return {graph_grads[0], graph_grads[1], graph_grads[2], graph_grads[3]};
             }
             Backend& be = backend_for(w_hh_v);
             const ScalarType dtype = w_hh_v.scalar_type();
             const Tensor dout = contiguous_nograd(grads[0]);
             Tensor dgates = make_tensor({T * B, 4 * H}, dtype, w_hh_v.device());
             Tensor dh = contiguous_nograd(grads[1]), dc = contiguous_nograd(grads[2]);
             Tensor dh_t = make_tensor({B, H}, dtype, w_hh_v.device());
             for (int64_t k = T - 1; k >= 0; --k) {
               const int64_t t = reverse ? T - 1 - k : k;
               const Tensor dg_t = step_rows(dgates, t, B, 4 * H);
               be.binary(BinaryOp::Add, dh, step_rows(dout, t, B, H), dh_t);
               Tensor dc_prev = make_tensor({B, H}, dtype, w_hh_v.device());
               be.lstm_cell_backward(step_rows(gates, t, B, 4 * H), step_rows(c_in, t, B, H),
                                     step_rows(c_out, t, B, H), dh_t, dc, dg_t, dc_prev);
               dc = dc_prev;
               dh = make_tensor({B, H}, dtype, w_hh_v.device());
               gemm(dg_t, w_hh_v, dh, 0.0);
             }
             // The recurrent weight's gradient over all steps at once: one [4H, T*B] x [T*B, H]
             // product instead of T thin ones and T additions.
             Tensor dw;
             if (node.needs_input_grad(3)) {
               dw = make_tensor({4 * H, H}, dtype, w_hh_v.device());
               gemm(dgates.t(), h_in, dw, 0.0);
             }
             return {dgates, dh, dc, dw};
           });
  }
  return {out, hT, cT};
}

}  // namespace nabla::detail
