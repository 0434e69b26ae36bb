// Resizing and rearranging [N, C, *] feature maps, as LibTorch's: Upsample / F::interpolate
// (nearest, nearest-exact, linear, bilinear, trilinear, area), PixelShuffle / PixelUnshuffle.
//   auto y = F::interpolate(x, F::InterpolateFuncOptions()
//                                  .scale_factor(std::vector<double>{2, 2})
//                                  .mode(nabla::kBilinear).align_corners(false));
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "nabla/nn/module.h"
#include "nabla/tensor.h"

namespace nabla {

/// Interpolation modes (LibTorch's torch::kNearest, torch::kBilinear, ...).
enum class InterpolateMode : int8_t {
  Nearest,
  NearestExact,
  Linear,
  Bilinear,
  Bicubic,
  Trilinear,
  Area
};
constexpr InterpolateMode kNearest = InterpolateMode::Nearest;
constexpr InterpolateMode kNearestExact = InterpolateMode::NearestExact;
constexpr InterpolateMode kLinear = InterpolateMode::Linear;
constexpr InterpolateMode kBilinear = InterpolateMode::Bilinear;
constexpr InterpolateMode kBicubic = InterpolateMode::Bicubic;
constexpr InterpolateMode kTrilinear = InterpolateMode::Trilinear;
constexpr InterpolateMode kArea = InterpolateMode::Area;
/// "nearest", "nearest-exact", "linear", "bilinear", "bicubic", "trilinear", "area".
const char* toString(InterpolateMode mode);

namespace nn {

struct UpsampleOptions {
  /// Output spatial size (one value per spatial dim, or one for all).
  NABLA_ARG(std::optional<std::vector<int64_t>>, size) = std::nullopt;
  /// Multiplier of each spatial size (one value per spatial dim, or one for all).
  NABLA_ARG(std::optional<std::vector<double>>, scale_factor) = std::nullopt;
  NABLA_ARG(InterpolateMode, mode) = kNearest;
  /// Linear modes only: map the corner pixels' centers onto each other.
  NABLA_ARG(std::optional<bool>, align_corners) = std::nullopt;
};

struct PixelShuffleOptions {
  PixelShuffleOptions(int64_t upscale_factor) : upscale_factor_(upscale_factor) {}  // NOLINT
  NABLA_ARG(int64_t, upscale_factor);
};

struct PixelUnshuffleOptions {
  PixelUnshuffleOptions(int64_t downscale_factor)  // NOLINT: implicit, as in LibTorch
      : downscale_factor_(downscale_factor) {}
  NABLA_ARG(int64_t, downscale_factor);
};

namespace functional {

struct InterpolateFuncOptions {
  NABLA_ARG(std::optional<std::vector<int64_t>>, size) = std::nullopt;
  NABLA_ARG(std::optional<std::vector<double>>, scale_factor) = std::nullopt;
  NABLA_ARG(InterpolateMode, mode) = kNearest;
  NABLA_ARG(std::optional<bool>, align_corners) = std::nullopt;
  /// Compute the sampling scale from the output size instead of scale_factor.
  NABLA_ARG(std::optional<bool>, recompute_scale_factor) = std::nullopt;
  /// Not supported (raises nabla::Error when true).
  NABLA_ARG(bool, antialias) = false;
};
using PixelShuffleFuncOptions = PixelShuffleOptions;
using PixelUnshuffleFuncOptions = PixelUnshuffleOptions;

/// Resizes [N, C, L], [N, C, H, W] or [N, C, D, H, W] input to `size` (or the sizes times
/// `scale_factor`): nearest/nearest-exact for any of them, linear/bilinear/trilinear for 3-D/
/// 4-D/5-D input, area (adaptive average pooling). Bicubic is not supported.
Tensor interpolate(const Tensor& input, const InterpolateFuncOptions& options = {});
/// [*, C r^2, H, W] -> [*, C, H r, W r].
Tensor pixel_shuffle(const Tensor& input, const PixelShuffleFuncOptions& options);
/// [*, C, H r, W r] -> [*, C r^2, H, W].
Tensor pixel_unshuffle(const Tensor& input, const PixelUnshuffleFuncOptions& options);

}  // namespace functional

class UpsampleImpl : public Cloneable<UpsampleImpl> {
 public:
  explicit UpsampleImpl(UpsampleOptions options = {}) : options(std::move(options)) {}
  void reset() override {}
  void pretty_print(std::ostream& stream) const override;
  Tensor forward(const Tensor& input);

  UpsampleOptions options;
};
NABLA_MODULE(Upsample);

class PixelShuffleImpl : public Cloneable<PixelShuffleImpl> {
 public:
  explicit PixelShuffleImpl(const PixelShuffleOptions& options) : options(options) {}
  void reset() override {}
  void pretty_print(std::ostream& stream) const override;
  Tensor forward(const Tensor& input);

  PixelShuffleOptions options;
};
NABLA_MODULE(PixelShuffle);

class PixelUnshuffleImpl : public Cloneable<PixelUnshuffleImpl> {
 public:
  explicit PixelUnshuffleImpl(const PixelUnshuffleOptions& options) : options(options) {}
  void reset() override {}
  void pretty_print(std::ostream& stream) const override;
  Tensor forward(const Tensor& input);

  PixelUnshuffleOptions options;
};
NABLA_MODULE(PixelUnshuffle);

}  // namespace nn

/// torch::pixel_shuffle / torch::pixel_unshuffle.
Tensor pixel_shuffle(const Tensor& self, int64_t upscale_factor);
Tensor pixel_unshuffle(const Tensor& self, int64_t downscale_factor);

}  // namespace nabla
