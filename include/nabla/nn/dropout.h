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

namespace functional {
using Dropout2dFuncOptions = DropoutFuncOptions;
using Dropout3dFuncOptions = DropoutFuncOptions;
/// Zeroes whole channels of [N, C, H, W] (or unbatched [C, H, W]) input.
Tensor dropout2d(Tensor input, const Dropout2dFuncOptions& options = {});
/// Zeroes whole channels of [N, C, D, H, W] (or unbatched [C, D, H, W]) input.
Tensor dropout3d(Tensor input, const Dropout3dFuncOptions& options = {});
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

}  // namespace nn

/// torch::feature_dropout: zeroes whole channels (dim 1) of [N, C, *] input when `train`, one
/// draw per (sample, channel), and scales the rest by 1/(1-p).
Tensor feature_dropout(const Tensor& input, double p, bool train);

}  // namespace nabla
