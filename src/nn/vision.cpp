// affine_grid, grid_sample and channel_shuffle, composed of differentiable ops. grid_sample
// follows PyTorch's grid sampler (aten/src/ATen/native/GridSampler.h) step by step: grid
// coordinates to pixel coordinates, the padding mode's clipping or reflection, then each
// corner of the cell around the point read with gather and weighted. The gathers' backward
// (scatter-adds) gives input's gradient; the weights give grid's.
#include "nabla/nn/vision.h"

#include <cmath>
#include <string>
#include <vector>

#include "core/check.h"
#include "nabla/creation.h"
#include "nabla/nn/aten_functions.h"
#include "nabla/ops.h"

namespace nabla {
namespace {

enum class Padding { Zeros, Border, Reflection };

// PyTorch's reflect_coordinates: c reflected into [twice_low / 2, twice_high / 2].
Tensor reflect(const Tensor& c, int64_t twice_low, int64_t twice_high) {
  if (twice_low == twice_high) return zeros_like(c);
  const double low = static_cast<double>(twice_low) / 2;
  const double span = static_cast<double>(twice_high - twice_low) / 2;
  const Tensor in = (c - low).abs();
  const Tensor extra = in.fmod(span);
  const Tensor even_flips = (in.detach() / span).floor().fmod(2).eq(0);
  return where(even_flips, extra + low, (span + low) - extra);
}

// A grid coordinate in [-1, 1] as a pixel coordinate along a dim of `size` pixels, clipped or
// reflected as the padding mode says. hardtanh clips with PyTorch's gradient (0 on and beyond
// the borders).
Tensor source_index(const Tensor& coord, int64_t size, Padding padding, bool align_corners) {
  const double n = static_cast<double>(size);
  Tensor c = align_corners ? (coord + 1) * ((n - 1) / 2) : ((coord + 1) * n - 1) / 2;
  if (padding == Padding::Reflection)
    c = align_corners ? reflect(c, 0, 2 * (size - 1)) : reflect(c, -1, 2 * size - 1);
  if (padding != Padding::Zeros) c = hardtanh(c, 0, n - 1);
  return c;
}

struct Sampler {
  Tensor flat_input;             // [N, C, prod(spatial)]
  std::vector<int64_t> spatial;  // input's spatial sizes, outermost first
  std::vector<Tensor> coords;    // pixel coordinates per spatial dim (outermost first), [N, P]
  int64_t n = 0, channels = 0, points = 0;

  // input[n, :, at] for integer coordinates `at` (one [N, P] tensor per spatial dim) ->
  // [N, C, P], zero where a coordinate is outside the input.
  Tensor read(const std::vector<Tensor>& at, Tensor* inside) const {
    Tensor index = zeros({n, points}, TensorOptions(kLong).device(flat_input.device()));
    Tensor valid = ones({n, points}, TensorOptions(kBool).device(flat_input.device()));
    for (size_t d = 0; d < at.size(); ++d) {
      const int64_t size = spatial[d];
      valid = valid.logical_and(at[d].ge(0)).logical_and(at[d].lt(size));
      index = index * size + at[d].clamp(0, size - 1).to(kLong);
    }
    *inside = valid;
    const Tensor gathered = flat_input.gather(2, index.unsqueeze(1).expand({n, channels, points}));
    return gathered;
  }
};

Tensor sample(const Tensor& input, const Tensor& grid, bool nearest, Padding padding,
              bool align_corners) {
  const char* op = "grid_sample";
  NABLA_CHECK(input.defined() && grid.defined(), "[{}] got an undefined tensor", op);
  NABLA_CHECK(input.dim() == 4 || input.dim() == 5,
              "[{}] expected 4D or 5D input, got input of shape {}", op, input.sizes());
  NABLA_CHECK(grid.dim() == input.dim(),
              "[{}] expected grid to have the same number of dimensions as input ({}), got grid "
              "of shape {}",
              op, input.dim(), grid.sizes());
  const int64_t spatial_dims = input.dim() - 2;
  NABLA_CHECK(grid.size(0) == input.size(0) && grid.size(-1) == spatial_dims,
              "[{}] expected grid of shape [N, *, {}] with N = {} for input {}, got grid of "
              "shape {}",
              op, spatial_dims, input.size(0), input.sizes(), grid.sizes());
  NABLA_CHECK(input.scalar_type() == grid.scalar_type(),
              "[{}] expected input and grid to have the same dtype, got {} and {}", op,
              input.scalar_type(), grid.scalar_type());
  NABLA_CHECK(input.is_floating_point(), "[{}] expected floating point input, got {}", op,
              input.scalar_type());
  for (int64_t d = 2; d < input.dim(); ++d)
    NABLA_CHECK(input.size(d) > 0, "[{}] expected input to have non-empty spatial dims, got {}", op,
                input.sizes());
  NABLA_CHECK(input.device() == grid.device(), "[{}] input and grid must be on one device", op);

  Sampler s;
  s.n = input.size(0);
  s.channels = input.size(1);
  std::vector<int64_t> out_shape = {s.n, s.channels};
  for (int64_t d = 1; d < grid.dim() - 1; ++d) out_shape.push_back(grid.size(d));
  s.points = grid.numel() / (s.n * spatial_dims);
  s.flat_input = input.reshape({s.n, s.channels, -1});
  const Tensor g = grid.reshape({s.n, s.points, spatial_dims});
  for (int64_t d = 0; d < spatial_dims; ++d) {
    s.spatial.push_back(input.size(2 + d));
    // grid's last dim lists x (the innermost spatial dim) first.
    s.coords.push_back(
        source_index(g.select(2, spatial_dims - 1 - d), s.spatial.back(), padding, align_corners));
  }
  Tensor out;
  if (nearest) {
    std::vector<Tensor> at;
    for (const Tensor& c : s.coords) at.push_back(c.detach().round());
    Tensor inside;
    const Tensor v = s.read(at, &inside);
    out = v * inside.unsqueeze(1).to(v.scalar_type());
  } else {
    // The 2^D corners of the cell: bit d of `corner` picks the upper neighbour along dim d.
    std::vector<Tensor> below, frac;
    for (const Tensor& c : s.coords) {
      below.push_back(c.detach().floor());
      frac.push_back(c - below.back());
    }
    for (int64_t corner = 0; corner < (int64_t{1} << spatial_dims); ++corner) {
      std::vector<Tensor> at;
      Tensor weight;
      for (int64_t d = 0; d < spatial_dims; ++d) {
        const bool upper = (corner >> d) & 1;
        at.push_back(upper ? below[static_cast<size_t>(d)] + 1 : below[static_cast<size_t>(d)]);
        const Tensor w = upper ? frac[static_cast<size_t>(d)] : 1 - frac[static_cast<size_t>(d)];
        weight = weight.defined() ? weight * w : w;
      }
      Tensor inside;
      const Tensor v = s.read(at, &inside);
      const Tensor term = v * (weight * inside.to(weight.scalar_type())).unsqueeze(1);
      out = out.defined() ? out + term : term;
    }
  }
  return out.reshape(out_shape);
}

// linspace(-1, 1, steps), scaled by (steps - 1) / steps without align_corners (pixel centers).
Tensor linspace_from_neg_one(int64_t steps, bool align_corners, const TensorOptions& on) {
  if (steps <= 1) return zeros({1}, on);
  Tensor range = linspace(-1, 1, steps, on);
  if (!align_corners) range = range * (static_cast<double>(steps - 1) / static_cast<double>(steps));
  return range;
}

}  // namespace

Tensor affine_grid_generator(const Tensor& theta, IntArrayRef size, bool align_corners) {
  const char* op = "affine_grid";
  NABLA_CHECK(theta.defined(), "[{}] got an undefined theta", op);
  NABLA_CHECK(theta.is_floating_point(),
              "[{}] expected theta to have floating point type, but got {}", op,
              theta.scalar_type());
  const bool planar = size.size() == 4;
  NABLA_CHECK(planar || size.size() == 5,
              "[{}] only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
              "respectively. Got size {}",
              op, size);
  if (planar)
    NABLA_CHECK(theta.dim() == 3 && theta.size(1) == 2 && theta.size(2) == 3,
                "[{}] expected a batch of 2D affine matrices of shape Nx2x3 for size {}. Got {}.",
                op, size, theta.sizes());
  else
    NABLA_CHECK(theta.dim() == 3 && theta.size(1) == 3 && theta.size(2) == 4,
                "[{}] expected a batch of 3D affine matrices of shape Nx3x4 for size {}. Got {}.",
                op, size, theta.sizes());
  for (int64_t s : size)
    NABLA_CHECK(s > 0, "[{}] expected non-zero, positive output size. Got {}", op, size);
  NABLA_CHECK(theta.size(0) == size[0], "[{}] theta {} has a batch of {}, size {} asks for {}", op,
              theta.sizes(), theta.size(0), size, size[0]);
  const TensorOptions on = TensorOptions(theta.scalar_type()).device(theta.device());
  // The base grid [*spatial, D + 1]: (x, y[, z], 1) at every output point.
  std::vector<int64_t> spatial(size.begin() + 2, size.end());
  const int64_t dims = static_cast<int64_t>(spatial.size());
  std::vector<Tensor> columns;
  for (int64_t k = 0; k < dims; ++k) {
    const int64_t along = dims - 1 - k;  // x runs along the innermost dim
    std::vector<int64_t> shape(static_cast<size_t>(dims), 1);
    shape[static_cast<size_t>(along)] = spatial[static_cast<size_t>(along)];
    columns.push_back(linspace_from_neg_one(spatial[static_cast<size_t>(along)], align_corners, on)
                          .reshape(shape)
                          .expand(spatial));
  }
  columns.push_back(ones(spatial, on));
  const Tensor base = stack(columns, -1).reshape({-1, dims + 1});
  std::vector<int64_t> grid_shape = {size[0]};
  grid_shape.insert(grid_shape.end(), spatial.begin(), spatial.end());
  grid_shape.push_back(dims);
  return base.matmul(theta.transpose(1, 2)).reshape(grid_shape);
}

Tensor grid_sampler(const Tensor& input, const Tensor& grid, int64_t interpolation_mode,
                    int64_t padding_mode, bool align_corners) {
  NABLA_CHECK(interpolation_mode == 0 || interpolation_mode == 1,
              "[grid_sample] interpolation_mode must be 0 (bilinear) or 1 (nearest), got {}",
              interpolation_mode);
  NABLA_CHECK(padding_mode >= 0 && padding_mode <= 2,
              "[grid_sample] padding_mode must be 0 (zeros), 1 (border) or 2 (reflection), got {}",
              padding_mode);
  return sample(input, grid, interpolation_mode == 1, static_cast<Padding>(padding_mode),
                align_corners);
}

Tensor channel_shuffle(const Tensor& self, int64_t groups) {
  NABLA_CHECK(self.defined() && self.dim() > 2,
              "[channel_shuffle] expects input to have at least 3 dimensions, but got input "
              "with {} dimension(s)",
              self.defined() ? self.dim() : 0);
  NABLA_CHECK(groups > 0,
              "[channel_shuffle] number of groups to divide channels in must be positive, got {}",
              groups);
  const int64_t c = self.size(1);
  NABLA_CHECK(c % groups == 0,
              "[channel_shuffle] number of channels must be divisible by groups. Got {} channels "
              "and {} groups.",
              c, groups);
  std::vector<int64_t> grouped = {self.size(0), groups, c / groups};
  for (int64_t d = 2; d < self.dim(); ++d) grouped.push_back(self.size(d));
  return self.reshape(grouped).transpose(1, 2).reshape(self.sizes());
}

namespace nn::functional {

Tensor affine_grid(const Tensor& theta, const IntArrayRef& size, bool align_corners) {
  return affine_grid_generator(theta, size, align_corners);
}

Tensor grid_sample(const Tensor& input, const Tensor& grid, const GridSampleFuncOptions& options) {
  const InterpolateMode mode = options.mode();
  NABLA_CHECK(mode == kBilinear || mode == kNearest,
              "[grid_sample] mode must be kBilinear or kNearest, got {}", toString(mode));
  Padding padding = Padding::Zeros;
  if (std::holds_alternative<enumtype::kBorder>(options.padding_mode())) padding = Padding::Border;
  if (std::holds_alternative<enumtype::kReflection>(options.padding_mode()))
    padding = Padding::Reflection;
  return grid_sampler(input, grid, mode == kNearest ? 1 : 0, static_cast<int64_t>(padding),
                      options.align_corners().value_or(false));
}

}  // namespace nn::functional
}  // namespace nabla
