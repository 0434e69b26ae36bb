// Convolution layers and their functional forms, as LibTorch's:
//   nabla::nn::Conv2d conv(nabla::nn::Conv2dOptions(1, 32, 3).padding(1));
//   auto y = conv(x);                                   // x [N, 1, H, W] -> [N, 32, H, W]
//   namespace F = nabla::nn::functional;
//   F::conv2d(x, w, F::Conv2dFuncOptions().stride(2).padding(nabla::kSame));
//   F::pad(x, F::PadFuncOptions({1, 1}).mode(nabla::kReflect));
// Weights [out, in / groups, *k] (transposed: [in, out / groups, *k]) and biases [out] are
// initialized as PyTorch: kaiming_uniform_(a = sqrt(5)), bias U(-1/sqrt(fan_in), +).
#pragma once

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <vector>

#include "nabla/conv.h"
#include "nabla/nn/module.h"
#include "nabla/nn/options/conv.h"

namespace nabla::nn {

namespace functional {
Tensor conv1d(const Tensor& input, const Tensor& weight, const Conv1dFuncOptions& options = {});
Tensor conv2d(const Tensor& input, const Tensor& weight, const Conv2dFuncOptions& options = {});
Tensor conv3d(const Tensor& input, const Tensor& weight, const Conv3dFuncOptions& options = {});
Tensor conv_transpose1d(const Tensor& input, const Tensor& weight,
                        const ConvTranspose1dFuncOptions& options = {});
Tensor conv_transpose2d(const Tensor& input, const Tensor& weight,
                        const ConvTranspose2dFuncOptions& options = {});
Tensor conv_transpose3d(const Tensor& input, const Tensor& weight,
                        const ConvTranspose3dFuncOptions& options = {});
/// Constant, reflect, replicate or circular padding (see nabla::pad).
Tensor pad(const Tensor& input, const PadFuncOptions& options);
}  // namespace functional

/// Conv{1,2,3}d: weight [out_channels, in_channels / groups, *kernel_size], bias
/// [out_channels]. A padding_mode other than kZeros pads with F::pad first.
template <size_t D, class Derived>
class ConvNdImpl : public Cloneable<Derived> {
 public:
  explicit ConvNdImpl(ConvOptions<D> options);
  void reset() override;
  void reset_parameters();
  void pretty_print(std::ostream& stream) const override;
  Tensor forward(const Tensor& input);

  ConvOptions<D> options;
  Tensor weight;
  Tensor bias;
};

class Conv1dImpl : public ConvNdImpl<1, Conv1dImpl> {
 public:
  Conv1dImpl(int64_t in_channels, int64_t out_channels, ExpandingArray<1> kernel_size)
      : Conv1dImpl(Conv1dOptions(in_channels, out_channels, kernel_size)) {}
  explicit Conv1dImpl(Conv1dOptions options) : ConvNdImpl(options) {}
};
NABLA_MODULE(Conv1d);

class Conv2dImpl : public ConvNdImpl<2, Conv2dImpl> {
 public:
  Conv2dImpl(int64_t in_channels, int64_t out_channels, ExpandingArray<2> kernel_size)
      : Conv2dImpl(Conv2dOptions(in_channels, out_channels, kernel_size)) {}
  explicit Conv2dImpl(Conv2dOptions options) : ConvNdImpl(options) {}
};
NABLA_MODULE(Conv2d);

class Conv3dImpl : public ConvNdImpl<3, Conv3dImpl> {
 public:
  Conv3dImpl(int64_t in_channels, int64_t out_channels, ExpandingArray<3> kernel_size)
      : Conv3dImpl(Conv3dOptions(in_channels, out_channels, kernel_size)) {}
  explicit Conv3dImpl(Conv3dOptions options) : ConvNdImpl(options) {}
};
NABLA_MODULE(Conv3d);

/// ConvTranspose{1,2}d: weight [in_channels, out_channels / groups, *kernel_size].
/// forward(input, output_size) picks the output_padding that gives output_size.
template <size_t D, class Derived>
class ConvTransposeNdImpl : public Cloneable<Derived> {
 public:
  explicit ConvTransposeNdImpl(ConvTransposeOptions<D> options);
  void reset() override;
  void reset_parameters();
  void pretty_print(std::ostream& stream) const override;
  Tensor forward(const Tensor& input, const std::vector<int64_t>& output_size = {});

  ConvTransposeOptions<D> options;
  Tensor weight;
  Tensor bias;
};

class ConvTranspose1dImpl : public ConvTransposeNdImpl<1, ConvTranspose1dImpl> {
 public:
  ConvTranspose1dImpl(int64_t in_channels, int64_t out_channels, ExpandingArray<1> kernel_size)
      : ConvTranspose1dImpl(ConvTranspose1dOptions(in_channels, out_channels, kernel_size)) {}
  explicit ConvTranspose1dImpl(ConvTranspose1dOptions options) : ConvTransposeNdImpl(options) {}
};
NABLA_MODULE(ConvTranspose1d);

class ConvTranspose2dImpl : public ConvTransposeNdImpl<2, ConvTranspose2dImpl> {
 public:
  ConvTranspose2dImpl(int64_t in_channels, int64_t out_channels, ExpandingArray<2> kernel_size)
      : ConvTranspose2dImpl(ConvTranspose2dOptions(in_channels, out_channels, kernel_size)) {}
  explicit ConvTranspose2dImpl(ConvTranspose2dOptions options) : ConvTransposeNdImpl(options) {}
};
NABLA_MODULE(ConvTranspose2d);

}  // namespace nabla::nn
