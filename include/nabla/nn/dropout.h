// Channel-wise dropout, as LibTorch's Dropout2d/Dropout3d: whole feature maps of [N, C, *]
// input are zeroed with probability p while training (and the rest scaled by 1/(1-p)), drawn
// from the default generator (nabla::manual_seed makes it repeatable).
//   nabla::nn::Dropout2d drop(0.25);   auto y = drop(x);   // x [N, C, H, W] or [C, H, W]
#pragma once

#include "nabla/nn/module.h"
#include "nabla/nn/options.h"
#include "nabla/tensor.h"

namespace nabla {
namespace nn {

using Dropout2dOptions = DropoutOptions;
using Dropout3dOptions = DropoutOptions;
using AlphaDropoutOptions = DropoutOptions;
using FeatureAlphaDropoutOptions = DropoutOptions;

namespace functional {
using Dropout2dFuncOptions = DropoutFuncOptions;
using Dropout3dFuncOptions = DropoutFuncOptions;
/// Zeroes whole channels of [N, C, H, W] (or unbatched [C, H, W]) input.
Tensor dropout2d(Tensor input, const Dropout2dFuncOptions& options = {});
/// Zeroes whole channels of [N, C, D, H, W] (or unbatched [C, D, H, W]) input.
Tensor dropout3d(Tensor input, const Dropout3dFuncOptions& options = {});

/// Alpha dropout (for SELU networks): dropped elements are set to SELU's negative saturation
/// and the result is scaled and shifted so that mean and variance stay those of the input.
/// Unlike F::dropout, training is off by default, as in LibTorch.
struct AlphaDropoutFuncOptions {
  NABLA_ARG(double, p) = 0.5;
  NABLA_ARG(bool, training) = false;
  NABLA_ARG(bool, inplace) = false;
};
using FeatureAlphaDropoutFuncOptions = AlphaDropoutFuncOptions;
Tensor alpha_dropout(Tensor input, const AlphaDropoutFuncOptions& options = {});
/// Alpha dropout of whole channels of [N, C, *] input.
Tensor feature_alpha_dropout(Tensor input, const FeatureAlphaDropoutFuncOptions& options = {});
}  // namespace functional

class Dropout2dImpl : public Cloneable<Dropout2dImpl> {
 public:
  explicit Dropout2dImpl(const Dropout2dOptions& options = {});
  void reset() override;
  void pretty_print(std::ostream& stream) const override;
  Tensor forward(Tensor input);

  Dropout2dOptions options;
};
NABLA_MODULE(Dropout2d);

class Dropout3dImpl : public Cloneable<Dropout3dImpl> {
 public:
  explicit Dropout3dImpl(const Dropout3dOptions& options = {});
  void reset() override;
  void pretty_print(std::ostream& stream) const override;
  Tensor forward(Tensor input);

  Dropout3dOptions options;
};
NABLA_MODULE(Dropout3d);

class AlphaDropoutImpl : public Cloneable<AlphaDropoutImpl> {
 public:
  explicit AlphaDropoutImpl(const AlphaDropoutOptions& options = {});
  void reset() override;
  void pretty_print(std::ostream& stream) const override;
  Tensor forward(const Tensor& input);

  AlphaDropoutOptions options;
};
NABLA_MODULE(AlphaDropout);

class FeatureAlphaDropoutImpl : public Cloneable<FeatureAlphaDropoutImpl> {
 public:
  explicit FeatureAlphaDropoutImpl(const FeatureAlphaDropoutOptions& options = {});
  void reset() override;
  void pretty_print(std::ostream& stream) const override;
  Tensor forward(const Tensor& input);

  FeatureAlphaDropoutOptions options;
};
NABLA_MODULE(FeatureAlphaDropout);

}  // namespace nn

/// torch::feature_dropout: zeroes whole channels (dim 1) of [N, C, *] input when `train`, one
/// draw per (sample, channel), and scales the rest by 1/(1-p).
Tensor feature_dropout(const Tensor& input, double p, bool train);
/// torch::alpha_dropout and torch::feature_alpha_dropout (see F::alpha_dropout), with the
/// in-place forms.
Tensor alpha_dropout(const Tensor& input, double p, bool train);
Tensor feature_alpha_dropout(const Tensor& input, double p, bool train);
Tensor& alpha_dropout_(Tensor& input, double p, bool train);
Tensor& feature_alpha_dropout_(Tensor& input, double p, bool train);

}  // namespace nabla
