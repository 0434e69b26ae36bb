// Options of the convolution, pooling and padding layers, as LibTorch's:
//   nabla::nn::Conv2dOptions(1, 32, 3).stride(1).padding(1).bias(false)
//   nabla::nn::Conv2dOptions(3, 8, 3).padding(nabla::kSame).padding_mode(nabla::kReflect)
//   nabla::nn::MaxPool2dOptions(2).stride(2).ceil_mode(true)
//   F::pad(x, F::PadFuncOptions({1, 1, 2, 0}).mode(nabla::kReflect))
// Sizes are ExpandingArray<D>: one number for every spatial dim, or one per dim.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "nabla/arg.h"
#include "nabla/core.h"
#include "nabla/expanding_array.h"
#include "nabla/tensor.h"

namespace nabla {

// Tag types of LibTorch's torch::kSame, torch::kReflect, ... (torch::enumtype).
namespace enumtype {
struct kZeros {};
struct kConstant {};
struct kReflect {};
struct kReplicate {};
struct kCircular {};
struct kSame {};
struct kValid {};
struct kBorder {};
struct kReflection {};
// EmbeddingBag's max mode; its sum and mean modes take nabla::kSum / nabla::kMean (Reduction).
struct kMax {};
}  // namespace enumtype
constexpr enumtype::kZeros kZeros{};
constexpr enumtype::kConstant kConstant{};
constexpr enumtype::kReflect kReflect{};
constexpr enumtype::kReplicate kReplicate{};
constexpr enumtype::kCircular kCircular{};
constexpr enumtype::kSame kSame{};
constexpr enumtype::kValid kValid{};
constexpr enumtype::kBorder kBorder{};
constexpr enumtype::kReflection kReflection{};
constexpr enumtype::kMax kMax{};

namespace nn {

namespace detail {
template <size_t D>
using conv_padding_t = std::variant<ExpandingArray<D>, enumtype::kValid, enumtype::kSame>;
using conv_padding_mode_t =
    std::variant<enumtype::kZeros, enumtype::kReflect, enumtype::kReplicate, enumtype::kCircular>;
}  // namespace detail

/// Options of Conv{1,2,3}d (transposed false) and their base.
template <size_t D>
struct ConvOptions {
  using padding_t = nn::detail::conv_padding_t<D>;
  ConvOptions(int64_t in_channels, int64_t out_channels, ExpandingArray<D> kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size) {}
  NABLA_ARG(int64_t, in_channels);
  NABLA_ARG(int64_t, out_channels);
  NABLA_ARG(ExpandingArray<D>, kernel_size);
  NABLA_ARG(ExpandingArray<D>, stride) = 1;
  /// Zeros on both sides of every spatial dim, or kValid (none) or kSame (output size =
  /// input size; stride 1 only).
  NABLA_ARG(padding_t, padding) = ExpandingArray<D>(0);
  NABLA_ARG(ExpandingArray<D>, dilation) = 1;
  NABLA_ARG(bool, transposed) = false;
  NABLA_ARG(ExpandingArray<D>, output_padding) = 0;
  NABLA_ARG(int64_t, groups) = 1;
  NABLA_ARG(bool, bias) = true;
  /// What the padding holds: kZeros, or the input reflected, replicated or wrapped around.
  NABLA_ARG(nn::detail::conv_padding_mode_t, padding_mode) = enumtype::kZeros{};

 public:
  /// `.padding({1, 2})`: one value per spatial dim.
  ConvOptions& padding(std::initializer_list<int64_t> p) {
    padding_ = ExpandingArray<D>(p);
    return *this;
  }
  ConvOptions& padding(int64_t p) {
    padding_ = ExpandingArray<D>(p);
    return *this;
  }
};
using Conv1dOptions = ConvOptions<1>;
using Conv2dOptions = ConvOptions<2>;
using Conv3dOptions = ConvOptions<3>;

template <size_t D>
struct ConvTransposeOptions {
  ConvTransposeOptions(int64_t in_channels, int64_t out_channels, ExpandingArray<D> kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size) {}
  NABLA_ARG(int64_t, in_channels);
  NABLA_ARG(int64_t, out_channels);
  NABLA_ARG(ExpandingArray<D>, kernel_size);
  NABLA_ARG(ExpandingArray<D>, stride) = 1;
  NABLA_ARG(ExpandingArray<D>, padding) = 0;
  /// Extra size added after the output (smaller than stride or dilation).
  NABLA_ARG(ExpandingArray<D>, output_padding) = 0;
  NABLA_ARG(int64_t, groups) = 1;
  NABLA_ARG(bool, bias) = true;
  NABLA_ARG(ExpandingArray<D>, dilation) = 1;
  /// Only kZeros is supported by transposed convolutions (as PyTorch).
  NABLA_ARG(nn::detail::conv_padding_mode_t, padding_mode) = enumtype::kZeros{};
};
using ConvTranspose1dOptions = ConvTransposeOptions<1>;
using ConvTranspose2dOptions = ConvTransposeOptions<2>;
using ConvTranspose3dOptions = ConvTransposeOptions<3>;

/// Max pooling: stride defaults to kernel_size.
template <size_t D>
struct MaxPoolOptions {
  MaxPoolOptions(ExpandingArray<D> kernel_size)  // NOLINT: implicit, as in LibTorch
      : kernel_size_(kernel_size), stride_(kernel_size) {}
  NABLA_ARG(ExpandingArray<D>, kernel_size);
  NABLA_ARG(ExpandingArray<D>, stride);
  NABLA_ARG(ExpandingArray<D>, padding) = 0;
  NABLA_ARG(ExpandingArray<D>, dilation) = 1;
  NABLA_ARG(bool, ceil_mode) = false;
};
using MaxPool1dOptions = MaxPoolOptions<1>;
using MaxPool2dOptions = MaxPoolOptions<2>;

/// Average pooling: stride defaults to kernel_size.
template <size_t D>
struct AvgPoolOptions {
  AvgPoolOptions(ExpandingArray<D> kernel_size)  // NOLINT: implicit, as in LibTorch
      : kernel_size_(kernel_size), stride_(kernel_size) {}
  NABLA_ARG(ExpandingArray<D>, kernel_size);
  NABLA_ARG(ExpandingArray<D>, stride);
  NABLA_ARG(ExpandingArray<D>, padding) = 0;
  NABLA_ARG(bool, ceil_mode) = false;
  NABLA_ARG(bool, count_include_pad) = true;
  NABLA_ARG(std::optional<int64_t>, divisor_override) = std::nullopt;
};
using AvgPool1dOptions = AvgPoolOptions<1>;
using AvgPool2dOptions = AvgPoolOptions<2>;

namespace functional {

template <size_t D>
struct ConvFuncOptions {
  using padding_t = nn::detail::conv_padding_t<D>;
  NABLA_ARG(Tensor, bias) = Tensor();
  NABLA_ARG(ExpandingArray<D>, stride) = 1;
  NABLA_ARG(padding_t, padding) = ExpandingArray<D>(0);
  NABLA_ARG(ExpandingArray<D>, dilation) = 1;
  NABLA_ARG(int64_t, groups) = 1;

 public:
  ConvFuncOptions& padding(std::initializer_list<int64_t> p) {
    padding_ = ExpandingArray<D>(p);
    return *this;
  }
  ConvFuncOptions& padding(int64_t p) {
    padding_ = ExpandingArray<D>(p);
    return *this;
  }
};
using Conv1dFuncOptions = ConvFuncOptions<1>;
using Conv2dFuncOptions = ConvFuncOptions<2>;
using Conv3dFuncOptions = ConvFuncOptions<3>;

template <size_t D>
struct ConvTransposeFuncOptions {
  NABLA_ARG(Tensor, bias) = Tensor();
  NABLA_ARG(ExpandingArray<D>, stride) = 1;
  NABLA_ARG(ExpandingArray<D>, padding) = 0;
  NABLA_ARG(ExpandingArray<D>, output_padding) = 0;
  NABLA_ARG(int64_t, groups) = 1;
  NABLA_ARG(ExpandingArray<D>, dilation) = 1;
};
using ConvTranspose1dFuncOptions = ConvTransposeFuncOptions<1>;
using ConvTranspose2dFuncOptions = ConvTransposeFuncOptions<2>;
using ConvTranspose3dFuncOptions = ConvTransposeFuncOptions<3>;

using MaxPool1dFuncOptions = MaxPoolOptions<1>;
using MaxPool2dFuncOptions = MaxPoolOptions<2>;
using AvgPool1dFuncOptions = AvgPoolOptions<1>;
using AvgPool2dFuncOptions = AvgPoolOptions<2>;

/// pad: (before, after) pairs from the last dim backwards.
struct PadFuncOptions {
  using mode_t = std::variant<enumtype::kConstant, enumtype::kReflect, enumtype::kReplicate,
                              enumtype::kCircular>;
  PadFuncOptions(std::vector<int64_t> pad) : pad_(std::move(pad)) {}  // NOLINT: implicit
  NABLA_ARG(std::vector<int64_t>, pad);
  NABLA_ARG(mode_t, mode) = enumtype::kConstant{};
  /// Fill value of kConstant.
  NABLA_ARG(double, value) = 0;
};

}  // namespace functional
}  // namespace nn
}  // namespace nabla
