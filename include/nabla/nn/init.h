// nabla::nn::init: in-place initializers for parameters, as LibTorch's torch::nn::init. Each
// runs without recording autograd history and returns the tensor it filled.
//   nabla::nn::init::kaiming_uniform_(w, std::sqrt(5.0));
//   nabla::nn::init::zeros_(b);
#pragma once

#include <cstdint>
#include <tuple>

#include "nabla/tensor.h"

namespace nabla::nn::init {

/// Which fan the kaiming initializers keep the variance of.
enum class FanMode : int8_t { FanIn, FanOut };
constexpr FanMode kFanIn = FanMode::FanIn;
constexpr FanMode kFanOut = FanMode::FanOut;

enum class Nonlinearity : int8_t {
  Linear,
  Conv1D,
  Conv2D,
  Conv3D,
  ConvTranspose1D,
  ConvTranspose2D,
  ConvTranspose3D,
  Sigmoid,
  Tanh,
  ReLU,
  LeakyReLU,
  SELU,
};
constexpr Nonlinearity kLinear = Nonlinearity::Linear;
constexpr Nonlinearity kConv1D = Nonlinearity::Conv1D;
constexpr Nonlinearity kConv2D = Nonlinearity::Conv2D;
constexpr Nonlinearity kConv3D = Nonlinearity::Conv3D;
constexpr Nonlinearity kConvTranspose1D = Nonlinearity::ConvTranspose1D;
constexpr Nonlinearity kConvTranspose2D = Nonlinearity::ConvTranspose2D;
constexpr Nonlinearity kConvTranspose3D = Nonlinearity::ConvTranspose3D;
constexpr Nonlinearity kSigmoid = Nonlinearity::Sigmoid;
constexpr Nonlinearity kTanh = Nonlinearity::Tanh;
constexpr Nonlinearity kReLU = Nonlinearity::ReLU;
constexpr Nonlinearity kLeakyReLU = Nonlinearity::LeakyReLU;
constexpr Nonlinearity kSELU = Nonlinearity::SELU;

}  // namespace nabla::nn::init

namespace nabla {
// LibTorch spells these torch::kFanOut, torch::kReLU, ...: the same values at namespace level,
// so that both nabla::kReLU and nabla::nn::init::kReLU work everywhere. (nabla::kLinear is
// the interpolation mode; the nonlinearity is nn::init::kLinear.)
using nn::init::kConv1D;
using nn::init::kConv2D;
using nn::init::kConv3D;
using nn::init::kConvTranspose1D;
using nn::init::kConvTranspose2D;
using nn::init::kConvTranspose3D;
using nn::init::kFanIn;
using nn::init::kFanOut;
using nn::init::kLeakyReLU;
using nn::init::kReLU;
using nn::init::kSELU;
using nn::init::kSigmoid;
using nn::init::kTanh;
}  // namespace nabla

namespace nabla::nn::init {

/// The recommended gain for a nonlinearity (param: the negative slope of leaky_relu).
double calculate_gain(Nonlinearity nonlinearity, double param = 0.01);
/// (fan_in, fan_out) of a weight of at least 2 dims: [out, in, *receptive field].
std::tuple<int64_t, int64_t> _calculate_fan_in_and_fan_out(const Tensor& tensor);

Tensor constant_(Tensor tensor, Scalar value);
Tensor zeros_(Tensor tensor);
Tensor ones_(Tensor tensor);
/// Ones on the diagonal of a 2-D tensor.
Tensor eye_(Tensor matrix);
Tensor uniform_(Tensor tensor, double low = 0, double high = 1);
Tensor normal_(Tensor tensor, double mean = 0, double std = 1);
/// U(-b, b) with b = gain * sqrt(3 / fan), gain = calculate_gain(nonlinearity, a).
Tensor kaiming_uniform_(Tensor tensor, double a = 0, FanMode mode = kFanIn,
                        Nonlinearity nonlinearity = kLeakyReLU);
/// N(0, std^2) with std = gain / sqrt(fan).
Tensor kaiming_normal_(Tensor tensor, double a = 0, FanMode mode = kFanIn,
                       Nonlinearity nonlinearity = kLeakyReLU);
/// U(-b, b) with b = gain * sqrt(6 / (fan_in + fan_out)).
Tensor xavier_uniform_(Tensor tensor, double gain = 1.0);
/// N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out)).
Tensor xavier_normal_(Tensor tensor, double gain = 1.0);

}  // namespace nabla::nn::init
