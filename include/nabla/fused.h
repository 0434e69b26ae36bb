// Fused ops of the training hot path, for nn layers and tests: one kernel and one graph node
// where the tensor's backend has the fused family (float32/float64 on the CPU), the same
// formulas as ordinary differentiable ops elsewhere. Most users reach them through
// nn::LSTM/GRU/linear/cross_entropy and the optimizers.
#pragma once

#include <tuple>

#include "nabla/tensor.h"

namespace nabla::detail {

/// LSTM cell from its gate pre-activations: gates [B, 4H] (i, f, g, o blocks, the sum of both
/// projections and biases) and cx [B, H] -> (hy, cy). One kernel forward; the backward computes
/// d(gates) and d(cx) in one kernel (or, when the backward itself records a graph, with
/// differentiable ops, so double backward works).
std::tuple<Tensor, Tensor> fused_lstm_cell(const Tensor& gates, const Tensor& cx);
/// GRU cell from gi = x W_ih^T + b_ih [B, 3H], gh = h W_hh^T + b_hh [B, 3H] (r, z, n blocks)
/// and hx [B, H] -> hy [B, H]; one kernel and one node as fused_lstm_cell.
Tensor fused_gru_cell(const Tensor& gi, const Tensor& gh, const Tensor& hx);
/// A whole LSTM layer in one direction over a dense batch, as one node: xproj [T*B, 4H] (the
/// input projection x W_ih^T plus both biases, time-major rows), w_hh [4H, H], h0, c0 [B, H]
/// -> (output [T*B, H] in time order, h_T, c_T); `reverse` runs from the last step to the
/// first. Per step one GEMM and one cell kernel into preallocated buffers; the backward runs
/// the steps back and computes the gradient of w_hh for all steps in one GEMM. Without the
/// fused cell: one addmm and one fused_lstm_cell per step.
std::tuple<Tensor, Tensor, Tensor> fused_lstm_layer(const Tensor& xproj, const Tensor& w_hh,
                                                    const Tensor& h0, const Tensor& c0,
                                                    bool reverse = false);

/// Test hook: while a FusedKernelsGuard(false) lives, the fused ops on this thread run their
/// composition of ordinary ops, as on a backend without the fused families (the oracle that
/// tests compare the kernels with). Guards nest; the destructor restores the previous state.
class FusedKernelsGuard {
 public:
  explicit FusedKernelsGuard(bool enabled);
  ~FusedKernelsGuard();
  FusedKernelsGuard(const FusedKernelsGuard&) = delete;
  FusedKernelsGuard& operator=(const FusedKernelsGuard&) = delete;
  static bool is_enabled();

 private:
  bool previous_;
};

}  // namespace nabla::detail
