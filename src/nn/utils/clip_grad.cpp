// clip_grad_norm_ and clip_grad_value_ (torch.nn.utils.clip_grad).
#include "nabla/nn/utils/clip_grad.h"

#include <cmath>
#include <limits>

#include "core/check.h"
#include "nabla/autograd.h"
#include "nabla/ops.h"

namespace nabla::nn::utils {

namespace {
// The norm of one gradient, as torch.linalg.vector_norm(g, p).
double grad_norm(const Tensor& g, double p) {
  if (g.numel() == 0) return 0.0;
  if (std::isinf(p)) return g.abs().max().item<double>();
  if (p == 0) return g.ne(0).sum().item<double>();
  return g.norm(p).item<double>();
}
}  // namespace

double clip_grad_norm_(const std::vector<Tensor>& parameters, double max_norm, double norm_type,
                       bool error_if_nonfinite) {
  NABLA_CHECK(norm_type >= 0, "[clip_grad_norm_] norm_type must be >= 0 or infinity, got {}",
              norm_type);
  NoGradGuard no_grad;
  std::vector<Tensor> grads;
  for (const auto& p : parameters)
    if (p.defined() && p.grad().defined()) grads.push_back(p.grad());
  if (grads.empty()) return 0.0;

  // The norm of the vector of per-gradient norms is the norm of all entries together.
  double total = 0.0;
  for (const auto& g : grads) {
    const double n = grad_norm(g, norm_type);
    if (std::isinf(norm_type)) {
      total = std::isnan(n) ? n : std::max(total, n);
    } else if (norm_type == 0) {
      total += n;
    } else {
      total += std::pow(n, norm_type);
    }
  }
  if (!std::isinf(norm_type) && norm_type != 0) total = std::pow(total, 1.0 / norm_type);

  NABLA_CHECK(!error_if_nonfinite || std::isfinite(total),
              "[clip_grad_norm_] the total norm of order {} of the gradients is non-finite, so "
              "it cannot be clipped; pass error_if_nonfinite=false to clip anyway",
              norm_type);
  const double clip_coef = max_norm / (total + 1e-6);
  // PyTorch multiplies by min(coef, 1); multiplying by 1 changes nothing, so skip it.
  if (clip_coef < 1 || std::isnan(clip_coef)) {
    for (auto& g : grads) g.mul_(clip_coef);
  }
  return total;
}

double clip_grad_norm_(std::initializer_list<Tensor> parameters, double max_norm, double norm_type,
                       bool error_if_nonfinite) {
  return clip_grad_norm_(std::vector<Tensor>(parameters), max_norm, norm_type, error_if_nonfinite);
}

double clip_grad_norm_(Tensor parameter, double max_norm, double norm_type,
                       bool error_if_nonfinite) {
  return clip_grad_norm_(std::vector<Tensor>{std::move(parameter)}, max_norm, norm_type,
                         error_if_nonfinite);
}

void clip_grad_value_(const std::vector<Tensor>& parameters, double clip_value) {
  NABLA_CHECK(clip_value >= 0, "[clip_grad_value_] clip_value must be >= 0, got {}", clip_value);
  NoGradGuard no_grad;
  for (const auto& p : parameters) {
    if (!p.defined() || !p.grad().defined()) continue;
    p.mutable_grad().clamp_(-clip_value, clip_value);
  }
}

void clip_grad_value_(std::initializer_list<Tensor> parameters, double clip_value) {
  clip_grad_value_(std::vector<Tensor>(parameters), clip_value);
}

void clip_grad_value_(Tensor parameter, double clip_value) {
  clip_grad_value_(std::vector<Tensor>{std::move(parameter)}, clip_value);
}

}  // namespace nabla::nn::utils
