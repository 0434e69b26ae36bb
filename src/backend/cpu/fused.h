// Fused CPU kernels for the training hot path: cross-entropy (log-softmax + NLL) forward and
// backward, and the SGD and Adam parameter updates. Each replaces a chain of elementwise ops
// (and their temporaries) with one pass over the data; the callers keep the unfused
// composition for what these do not cover (other dtypes, layouts, devices) and as test oracle.
// Every tensor here is a contiguous float32 or float64 CPU tensor of one dtype.
#pragma once

#include <cstdint>

#include "nabla/tensor.h"

namespace nabla::cpu {

/// Whether the fused kernels take `t`: a contiguous float/double tensor on the CPU.
bool fusable(const Tensor& t);

/// logits [N, C], target int64 [N]: writes logp [N, C] = log_softmax(logits, 1) and
/// row_loss [N] = -logp[i, target[i]] (0 where target[i] == ignore_index). Returns the number
/// of rows not ignored. Targets out of range raise nabla::Error.
int64_t cross_entropy_forward(const Tensor& logits, const Tensor& target, int64_t ignore_index,
                              const Tensor& logp, const Tensor& row_loss);
/// grad_logits[i, c] = (exp(logp[i, c]) - [c == target[i]]) * row_scale[i] (0 for ignored
/// rows). row_scale is [N], or [1] for one scale shared by all rows.
void cross_entropy_backward(const Tensor& logp, const Tensor& target, int64_t ignore_index,
                            const Tensor& row_scale, const Tensor& grad_logits);

/// torch.optim.SGD's update of one parameter, in place: d = grad + weight_decay * p;
/// buf = d on the first step (init_buf), else momentum * buf + (1 - dampening) * d;
/// p -= lr * (nesterov ? d + momentum * buf : buf). With momentum 0, buf is unused.
void sgd_update(const Tensor& param, const Tensor& grad, const Tensor& buf, bool init_buf,
                double lr, double momentum, double dampening, double weight_decay, bool nesterov);

/// torch.optim.Adam's update of one parameter, in place (grad already includes any L2 weight
/// decay only if l2 == 0; otherwise d = grad + l2 * p is formed on the fly):
///   m = beta1 * m + (1 - beta1) * d;  v = beta2 * v + (1 - beta2) * d * d;
///   vmax = max(vmax, v) when amsgrad (vmax defined);
///   p -= step_size * m / (sqrt(vmax or v) / bias_correction2_sqrt + eps).
void adam_update(const Tensor& param, const Tensor& grad, const Tensor& m, const Tensor& v,
                 const Tensor& vmax, double step_size, double beta1, double beta2,
                 double bias_correction2_sqrt, double eps, double l2);

}  // namespace nabla::cpu
