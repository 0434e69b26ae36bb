// Front-ends of the fused families (kernels: Backend's optional block in backend/backend.h).
// Each checks its arguments, asks the tensor's backend whether it takes the case
// (use_fused), and otherwise runs the same formulas as ordinary differentiable ops: the
// composition is both the fallback on a backend without the family and the tests' oracle
// (nabla::detail::FusedKernelsGuard switches the kernels off).
#pragma once

#include <initializer_list>

#include "backend/backend.h"
#include "nabla/fused.h"

namespace nabla::detail {

/// Whether `be` runs `op` for `dtype` here (false inside FusedKernelsGuard(false)).
bool use_fused(const Backend& be, FusedOp op, ScalarType dtype);
/// use_fused for a set of operands: all defined ones contiguous, of `dtype`, on one device.
bool use_fused(FusedOp op, ScalarType dtype, std::initializer_list<const Tensor*> operands);

/// y = x @ W^T + b as one GEMM onto the broadcast bias and one node (nn::functional::linear);
/// with `relu`, relu(y), as one node where the backend's kernel runs (else two).
Tensor fused_linear(const Tensor& input, const Tensor& weight, const Tensor& bias,
                    bool relu = false);
/// relu(nn::functional::linear(input, weight, bias)), its arguments checked as linear's, through
/// fused_linear(..., relu = true): nn::Sequential's Linear, ReLU pairs (src/nn/functional.cpp).
Tensor linear_relu(const Tensor& input, const Tensor& weight, const Tensor& bias);

enum class LossReduction : int8_t { None, Mean, Sum };
/// cross_entropy of logits [N, C] (floating) and class indices target [N] (integer), no class
/// weights or label smoothing: one kernel forward and one node NllLossBackward0.
Tensor fused_cross_entropy(const Tensor& input, const Tensor& target, int64_t ignore_index,
                           LossReduction reduction);

/// One SGD step on `param` from its .grad(), in place. `momentum_buffer` is the state slot
/// (null without momentum; an undefined slot is created on the first step).
void sgd_step_(const Tensor& param, Tensor* momentum_buffer, const SgdStepArgs& args);
/// One Adam step on `param` in place, with state m, v (and vmax for amsgrad, else undefined);
/// `args` has the bias corrections of this step.
void adam_step_(const Tensor& param, const Tensor& grad, const Tensor& m, const Tensor& v,
                const Tensor& vmax, const AdamStepArgs& args);

}  // namespace nabla::detail
