// Channel-wise (feature) dropout: one keep/drop draw per (sample, channel), broadcast over
// the spatial dims, composed from differentiable ops (the mask is a constant).
#include "nabla/nn/dropout.h"

#include <cmath>
#include <ostream>
#include <vector>

#include "core/check.h"
#include "nabla/nn/functional.h"
#include "nabla/ops.h"

namespace nabla {

Tensor feature_dropout(const Tensor& input, double p, bool train) {
  NABLA_CHECK(p >= 0 && p <= 1,
              "[feature_dropout] dropout probability has to be between 0 and 1, but got {}", p);
  NABLA_CHECK(input.defined() && input.dim() >= 2,
              "[feature_dropout] expected input [N, C, *] of at least 2 dims, got {}",
              input.defined() ? input.sizes() : IntArrayRef());
  NABLA_CHECK(input.is_floating_point(),
              "[feature_dropout] expected a floating point input, got {}", input.scalar_type());
  if (!train || p == 0) return input;
  if (p == 1) return input * zeros_like(input);
  // Mask [N, C, 1, ...]: keep with probability 1-p, scaled so that E[out] = input.
  std::vector<int64_t> shape(static_cast<size_t>(input.dim()), 1);
  shape[0] = input.size(0);
  shape[1] = input.size(1);
  const Tensor mask = (rand(shape, input.options().requires_grad(false)) < (1 - p))
                          .to(input.scalar_type())
                          .div(1 - p);
  return input * mask;
}

namespace {

// PyTorch's _dropout_impl for alpha dropout: a kept element x becomes a x + b and a dropped one
// b - a alpha', where alpha' = -SELU's negative saturation and a, b keep the mean at 0 and the
// variance at 1 for SELU-normalized input. `feature`: one draw per (sample, channel).
Tensor alpha_dropout_impl(const Tensor& input, double p, bool train, bool feature, const char* op) {
  NABLA_CHECK(p >= 0 && p <= 1, "[{}] dropout probability has to be between 0 and 1, but got {}",
              op, p);
  NABLA_CHECK(input.defined(), "[{}] got an undefined input", op);
  NABLA_CHECK(!feature || input.dim() >= 2,
              "[{}] expected input [N, C, *] of at least 2 dims, got {}", op, input.sizes());
  if (p == 0 || !train || input.numel() == 0) return input;
  if (p == 1) return input * zeros_like(input);
  constexpr double kAlpha = 1.7580993408473766;
  const double a = 1. / std::sqrt((kAlpha * kAlpha * p + 1) * (1 - p));
  std::vector<int64_t> shape = input.sizes().vec();
  if (feature)
    for (size_t d = 2; d < shape.size(); ++d) shape[d] = 1;
  const Tensor keep =
      (rand(shape, input.options().requires_grad(false)) < (1 - p)).to(input.scalar_type());
  const Tensor b = (keep - 1) * (kAlpha * a) + kAlpha * a * p;
  return input * (keep * a) + b;
}

}  // namespace

Tensor alpha_dropout(const Tensor& input, double p, bool train) {
  return alpha_dropout_impl(input, p, train, false, "alpha_dropout");
}
Tensor feature_alpha_dropout(const Tensor& input, double p, bool train) {
  return alpha_dropout_impl(input, p, train, true, "feature_alpha_dropout");
}
Tensor& alpha_dropout_(Tensor& input, double p, bool train) {
  const Tensor result = alpha_dropout(input, p, train);
  if (result.unsafeGetTensorImpl() != input.unsafeGetTensorImpl()) input.copy_(result);
  return input;
}
Tensor& feature_alpha_dropout_(Tensor& input, double p, bool train) {
  const Tensor result = feature_alpha_dropout(input, p, train);
  if (result.unsafeGetTensorImpl() != input.unsafeGetTensorImpl()) input.copy_(result);
  return input;
}

namespace nn {
namespace functional {
namespace {

// LibTorch's _dropoutNd_helper: `batched_dim`-D input is batched, one dim less is one sample.
Tensor dropout_nd(Tensor input, const DropoutFuncOptions& options, int64_t batched_dim,
                  const char* op) {
  NABLA_CHECK(options.p() >= 0 && options.p() <= 1,
              "[{}] dropout probability has to be between 0 and 1, but got {}", op, options.p());
  NABLA_CHECK(input.defined() && (input.dim() == batched_dim || input.dim() == batched_dim - 1),
              "[{}] expected {}D (batched) or {}D (unbatched) input, got {}", op, batched_dim,
              batched_dim - 1, input.defined() ? input.sizes() : IntArrayRef());
  const bool batched = input.dim() == batched_dim;
  const Tensor x = batched ? input : input.unsqueeze(0);
  Tensor result = feature_dropout(x, options.p(), options.training());
  if (!batched) result = result.squeeze(0);
  if (!options.inplace() || !options.training()) return result;
  input.copy_(result);
  return input;
}

}  // namespace

Tensor dropout2d(Tensor input, const Dropout2dFuncOptions& options) {
  return dropout_nd(std::move(input), options, 4, "dropout2d");
}

Tensor dropout3d(Tensor input, const Dropout3dFuncOptions& options) {
  return dropout_nd(std::move(input), options, 5, "dropout3d");
}

Tensor alpha_dropout(Tensor input, const AlphaDropoutFuncOptions& options) {
  return options.inplace() ? alpha_dropout_(input, options.p(), options.training())
                           : nabla::alpha_dropout(input, options.p(), options.training());
}
Tensor feature_alpha_dropout(Tensor input, const FeatureAlphaDropoutFuncOptions& options) {
  return options.inplace() ? feature_alpha_dropout_(input, options.p(), options.training())
                           : nabla::feature_alpha_dropout(input, options.p(), options.training());
}

}  // namespace functional

namespace F = functional;

Dropout2dImpl::Dropout2dImpl(const Dropout2dOptions& options) : options(options) { reset(); }

void Dropout2dImpl::reset() {
  NABLA_CHECK(options.p() >= 0 && options.p() <= 1,
              "[Dropout2d] dropout probability has to be between 0 and 1, but got {}", options.p());
}

void Dropout2dImpl::pretty_print(std::ostream& stream) const {
  stream << std::boolalpha << "nabla::nn::Dropout2d(p=" << options.p()
         << ", inplace=" << options.inplace() << ")";
}

Tensor Dropout2dImpl::forward(Tensor input) {
  return F::dropout2d(
      std::move(input),
      F::Dropout2dFuncOptions().p(options.p()).inplace(options.inplace()).training(is_training()));
}

Dropout3dImpl::Dropout3dImpl(const Dropout3dOptions& options) : options(options) { reset(); }

void Dropout3dImpl::reset() {
  NABLA_CHECK(options.p() >= 0 && options.p() <= 1,
              "[Dropout3d] dropout probability has to be between 0 and 1, but got {}", options.p());
}

void Dropout3dImpl::pretty_print(std::ostream& stream) const {
  stream << std::boolalpha << "nabla::nn::Dropout3d(p=" << options.p()
         << ", inplace=" << options.inplace() << ")";
}

Tensor Dropout3dImpl::forward(Tensor input) {
  return F::dropout3d(
      std::move(input),
      F::Dropout3dFuncOptions().p(options.p()).inplace(options.inplace()).training(is_training()));
}

AlphaDropoutImpl::AlphaDropoutImpl(const AlphaDropoutOptions& options) : options(options) {
  reset();
}
void AlphaDropoutImpl::reset() {
  NABLA_CHECK(options.p() >= 0 && options.p() <= 1,
              "[AlphaDropout] dropout probability has to be between 0 and 1, but got {}",
              options.p());
}
void AlphaDropoutImpl::pretty_print(std::ostream& stream) const {
  stream << std::boolalpha << "nabla::nn::AlphaDropout(p=" << options.p()
         << ", inplace=" << options.inplace() << ")";
}
Tensor AlphaDropoutImpl::forward(const Tensor& input) {
  return F::alpha_dropout(input, F::AlphaDropoutFuncOptions()
                                     .p(options.p())
                                     .inplace(options.inplace())
                                     .training(is_training()));
}

FeatureAlphaDropoutImpl::FeatureAlphaDropoutImpl(const FeatureAlphaDropoutOptions& options)
    : options(options) {
  reset();
}
void FeatureAlphaDropoutImpl::reset() {
  NABLA_CHECK(options.p() >= 0 && options.p() <= 1,
              "[FeatureAlphaDropout] dropout probability has to be between 0 and 1, but got {}",
              options.p());
}
void FeatureAlphaDropoutImpl::pretty_print(std::ostream& stream) const {
  stream << std::boolalpha << "nabla::nn::FeatureAlphaDropout(p=" << options.p()
         << ", inplace=" << options.inplace() << ")";
}
Tensor FeatureAlphaDropoutImpl::forward(const Tensor& input) {
  return F::feature_alpha_dropout(input, F::FeatureAlphaDropoutFuncOptions()
                                             .p(options.p())
                                             .inplace(options.inplace())
                                             .training(is_training()));
}

}  // namespace nn
}  // namespace nabla
