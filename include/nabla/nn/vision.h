// Spatial transformers and channel rearrangement, as LibTorch's: F::affine_grid builds the
// sampling grid of an affine map, F::grid_sample reads the input at the grid's points (bilinear
// or nearest, 4-D and 5-D input), torch::channel_shuffle interleaves channel groups.
//   auto grid = F::affine_grid(theta, {N, C, H, W}, /*align_corners=*/false);
//   auto y = F::grid_sample(x, grid, F::GridSampleFuncOptions().mode(nabla::kBilinear)
//                                        .padding_mode(nabla::kZeros).align_corners(false));
#pragma once

#include <cstdint>
#include <optional>
#include <variant>

#include "nabla/nn/options/conv.h"
#include "nabla/nn/upsampling.h"
#include "nabla/tensor.h"

namespace nabla {
namespace nn {
namespace functional {

struct GridSampleFuncOptions {
  using padding_mode_t = std::variant<enumtype::kZeros, enumtype::kBorder, enumtype::kReflection>;
  /// kBilinear (trilinear for 5-D input) or kNearest.
  NABLA_ARG(InterpolateMode, mode) = kBilinear;
  /// Points outside the input read zeros, the nearest border value, or the input reflected at
  /// its borders.
  NABLA_ARG(padding_mode_t, padding_mode) = kZeros;
  /// Whether -1 and 1 are the centers of the corner pixels (true) or their outer edges (false,
  /// the default).
  NABLA_ARG(std::optional<bool>, align_corners) = std::nullopt;
};

/// The [N, H, W, 2] (or [N, D, H, W, 3]) grid of the affine maps theta [N, 2, 3] ([N, 3, 4])
/// for an output of size {N, C, H, W} ({N, C, D, H, W}); differentiable in theta.
Tensor affine_grid(const Tensor& theta, const IntArrayRef& size, bool align_corners = false);
/// input [N, C, H_in, W_in] read at grid [N, H, W, 2] (x, y in [-1, 1]) -> [N, C, H, W]; 5-D
/// input with a [N, D, H, W, 3] grid likewise. Differentiable in input, and in grid for
/// kBilinear.
Tensor grid_sample(const Tensor& input, const Tensor& grid,
                   const GridSampleFuncOptions& options = {});

}  // namespace functional
}  // namespace nn

/// torch::affine_grid_generator (F::affine_grid without its checks' messages).
Tensor affine_grid_generator(const Tensor& theta, IntArrayRef size, bool align_corners);
/// torch::grid_sampler: interpolation_mode 0 bilinear, 1 nearest; padding_mode 0 zeros,
/// 1 border, 2 reflection.
Tensor grid_sampler(const Tensor& input, const Tensor& grid, int64_t interpolation_mode,
                    int64_t padding_mode, bool align_corners);
/// [N, C, *] with its C channels seen as [groups, C / groups] and transposed, so that each
/// group's channels are spread over all groups (ShuffleNet).
Tensor channel_shuffle(const Tensor& self, int64_t groups);

}  // namespace nabla
