// F::interpolate as separable resampling, one spatial dim at a time: nearest picks source
// rows with index_select; linear blends two index_selects with per-row weights. Index and
// weight formulas follow PyTorch's CPU kernels (aten/src/ATen/native/UpSample.h), including
// its float arithmetic for nearest, so that the same rows are picked. Pixel (un)shuffle is a
// view, a permute and a reshape.
#include "nabla/nn/upsampling.h"

#include <algorithm>
#include <cmath>
#include <ostream>
#include <vector>

#include <fmt/ranges.h>

#include "core/check.h"
#include "nabla/creation.h"
#include "nabla/nn/adaptive_pooling.h"
#include "nabla/ops.h"

namespace nabla {

const char* toString(InterpolateMode mode) {
  switch (mode) {
    case InterpolateMode::Nearest:
      return "nearest";
    case InterpolateMode::NearestExact:
      return "nearest-exact";
    case InterpolateMode::Linear:
      return "linear";
    case InterpolateMode::Bilinear:
      return "bilinear";
    case InterpolateMode::Bicubic:
      return "bicubic";
    case InterpolateMode::Trilinear:
      return "trilinear";
    case InterpolateMode::Area:
      return "area";
  }
  return "?";
}

namespace nn::functional {
namespace {

int64_t product(const std::vector<int64_t>& v) {
  int64_t p = 1;
  for (int64_t x : v) p *= x;
  return p;
}

bool is_linear(InterpolateMode m) {
  return m == kLinear || m == kBilinear || m == kTrilinear || m == kBicubic;
}

// PyTorch's compute_scales_value: 1 / scale_factor when one was given, else in / out.
template <typename T>
T scale_value(std::optional<double> scale, int64_t in, int64_t out) {
  return scale && *scale > 0 ? static_cast<T>(1.0 / *scale) : static_cast<T>(in) / out;
}

// Source row of each output row for nearest (float arithmetic, as PyTorch's nearest_idx).
std::vector<int64_t> nearest_rows(int64_t in, int64_t out, std::optional<double> scale,
                                  bool exact) {
  std::vector<int64_t> rows(static_cast<size_t>(out));
  const float s = scale_value<float>(scale, in, out);
  for (int64_t i = 0; i < out; ++i) {
    int64_t r;
    if (exact) {
      r = static_cast<int64_t>(std::floor(static_cast<float>((i + 0.5) * s)));
    } else if (out == in) {
      r = i;
    } else if (out == 2 * in) {
      r = i >> 1;
    } else {
      r = static_cast<int64_t>(std::floor(static_cast<float>(i) * s));
    }
    rows[static_cast<size_t>(i)] = std::min(r, in - 1);
  }
  return rows;
}

// Shape [1, .., out, .., 1] with `out` at `dim` of a `ndim`-dim tensor.
std::vector<int64_t> along(int64_t ndim, int64_t dim, int64_t out) {
  std::vector<int64_t> shape(static_cast<size_t>(ndim), 1);
  shape[static_cast<size_t>(dim)] = out;
  return shape;
}

// Resizes dim `dim` of x to `out` rows.
Tensor resize_dim(const Tensor& x, int64_t dim, int64_t out, std::optional<double> scale,
                  InterpolateMode mode, bool align_corners) {
  const int64_t in = x.size(dim);
  if (!is_linear(mode)) {
    return x.index_select(
        dim, tensor(nearest_rows(in, out, scale, mode == kNearestExact), device(x.device())));
  }
  // area_pixel_compute_scale / _source_index, then two neighbours and their weights.
  const double s = align_corners ? (out > 1 ? double(in - 1) / double(out - 1) : 0.0)
                                 : scale_value<double>(scale, in, out);
  std::vector<int64_t> lo(static_cast<size_t>(out)), hi(lo.size());
  std::vector<double> w_hi(lo.size()), w_lo(lo.size());
  for (int64_t i = 0; i < out; ++i) {
    const double src = align_corners ? s * double(i) : std::max(s * (double(i) + 0.5) - 0.5, 0.0);
    const auto k = static_cast<size_t>(i);
    lo[k] = static_cast<int64_t>(src);
    hi[k] = lo[k] + (lo[k] < in - 1 ? 1 : 0);
    w_hi[k] = std::clamp(src - double(lo[k]), 0.0, 1.0);
    w_lo[k] = 1.0 - w_hi[k];
  }
  const TensorOptions wopt = TensorOptions().dtype(x.scalar_type()).device(x.device());
  const TensorOptions iopt = TensorOptions().dtype(kLong).device(x.device());
  const std::vector<int64_t> wshape = along(x.dim(), dim, out);
  return x.index_select(dim, tensor(lo, iopt)) * tensor(w_lo, wopt).view(wshape) +
         x.index_select(dim, tensor(hi, iopt)) * tensor(w_hi, wopt).view(wshape);
}

// The output sizes, and the scale factors the kernels use (none when recomputed).
std::pair<std::vector<int64_t>, std::vector<std::optional<double>>> output_sizes(
    const Tensor& input, const InterpolateFuncOptions& o) {
  const int64_t sd = input.dim() - 2;
  NABLA_CHECK(o.size().has_value() != o.scale_factor().has_value(),
              "[interpolate] exactly one of size and scale_factor must be given");
  std::vector<int64_t> sizes;
  std::vector<std::optional<double>> scales(static_cast<size_t>(sd));
  if (o.size()) {
    const std::vector<int64_t>& s = *o.size();
    NABLA_CHECK(s.size() == 1 || static_cast<int64_t>(s.size()) == sd,
                "[interpolate] size {} must have 1 or {} values for input {}", IntArrayRef(s), sd,
                input.sizes());
    for (int64_t d = 0; d < sd; ++d) sizes.push_back(s.size() == 1 ? s[0] : s[d]);
  } else {
    const std::vector<double>& f = *o.scale_factor();
    NABLA_CHECK(f.size() == 1 || static_cast<int64_t>(f.size()) == sd,
                "[interpolate] scale_factor [{}] must have 1 or {} values for input {}",
                fmt::join(f, ", "), sd, input.sizes());
    for (int64_t d = 0; d < sd; ++d) {
      const double factor = f.size() == 1 ? f[0] : f[d];
      NABLA_CHECK(factor > 0, "[interpolate] scale_factor must be positive, got {}", factor);
      sizes.push_back(static_cast<int64_t>(std::floor(double(input.size(d + 2)) * factor)));
      if (!o.recompute_scale_factor().value_or(false)) scales[d] = factor;
    }
  }
  for (int64_t s : sizes) {
    NABLA_CHECK(s > 0, "[interpolate] output size {} of input {} must be positive",
                IntArrayRef(sizes), input.sizes());
  }
  return {sizes, scales};
}

void check_mode(const Tensor& input, const InterpolateFuncOptions& o) {
  const InterpolateMode m = o.mode();
  NABLA_CHECK(m != kBicubic, "[interpolate] mode 'bicubic' is not supported");
  NABLA_CHECK(!o.antialias(), "[interpolate] antialias is not supported");
  NABLA_CHECK(!o.align_corners() || is_linear(m),
              "[interpolate] align_corners can only be set with the interpolating modes linear, "
              "bilinear and trilinear, got mode '{}'",
              toString(m));
  const int64_t want = m == kLinear ? 3 : m == kBilinear ? 4 : m == kTrilinear ? 5 : 0;
  NABLA_CHECK(want == 0 || input.dim() == want,
              "[interpolate] mode '{}' expects {}-D input, got {}", toString(m), want,
              input.sizes());
}

}  // namespace

Tensor interpolate(const Tensor& input, const InterpolateFuncOptions& options) {
  NABLA_CHECK(input.defined() && input.dim() >= 3 && input.dim() <= 5,
              "[interpolate] expected 3-D, 4-D or 5-D input [N, C, *], got {}",
              input.defined() ? input.sizes() : IntArrayRef());
  NABLA_CHECK(input.is_floating_point(), "[interpolate] expected a floating point input, got {}",
              input.scalar_type());
  check_mode(input, options);
  auto [sizes, scales] = output_sizes(input, options);
  if (options.mode() == kArea) {
    return detail::adaptive_avg_pool(
        input, std::vector<std::optional<int64_t>>(sizes.begin(), sizes.end()), "interpolate");
  }
  Tensor x = input;
  for (int64_t d = 0; d < input.dim() - 2; ++d) {
    x = resize_dim(x, d + 2, sizes[d], scales[d], options.mode(),
                   options.align_corners().value_or(false));
  }
  return x;
}

Tensor pixel_shuffle(const Tensor& input, const PixelShuffleFuncOptions& options) {
  const int64_t r = options.upscale_factor();
  NABLA_CHECK(input.defined() && input.dim() >= 3,
              "[pixel_shuffle] expected input [*, C, H, W] of at least 3 dims, got {}",
              input.defined() ? input.sizes() : IntArrayRef());
  NABLA_CHECK(r > 0 && input.size(-3) % (r * r) == 0,
              "[pixel_shuffle] the {} channels of input {} must be divisible by the square of "
              "upscale_factor {}",
              input.size(-3), input.sizes(), r);
  std::vector<int64_t> lead(input.sizes().begin(), input.sizes().end() - 3);
  const int64_t b = product(lead), c = input.size(-3) / (r * r), h = input.size(-2),
                w = input.size(-1);
  std::vector<int64_t> shape = lead;
  for (int64_t s : {c, h * r, w * r}) shape.push_back(s);
  // [B, C, r, r, H, W] -> [B, C, H, r, W, r]
  return input.reshape({b, c, r, r, h, w}).permute({0, 1, 4, 2, 5, 3}).reshape(shape);
}

Tensor pixel_unshuffle(const Tensor& input, const PixelUnshuffleFuncOptions& options) {
  const int64_t r = options.downscale_factor();
  NABLA_CHECK(input.defined() && input.dim() >= 3,
              "[pixel_unshuffle] expected input [*, C, H, W] of at least 3 dims, got {}",
              input.defined() ? input.sizes() : IntArrayRef());
  NABLA_CHECK(r > 0 && input.size(-2) % r == 0 && input.size(-1) % r == 0,
              "[pixel_unshuffle] the height and width of input {} must be divisible by "
              "downscale_factor {}",
              input.sizes(), r);
  std::vector<int64_t> lead(input.sizes().begin(), input.sizes().end() - 3);
  const int64_t b = product(lead), c = input.size(-3), h = input.size(-2) / r,
                w = input.size(-1) / r;
  std::vector<int64_t> shape = lead;
  for (int64_t s : {c * r * r, h, w}) shape.push_back(s);
  // [B, C, H, r, W, r] -> [B, C, r, r, H, W]
  return input.reshape({b, c, h, r, w, r}).permute({0, 1, 3, 5, 2, 4}).reshape(shape);
}

}  // namespace nn::functional

namespace nn {
namespace F = functional;

void UpsampleImpl::pretty_print(std::ostream& stream) const {
  stream << "nabla::nn::Upsample(";
  if (options.scale_factor()) {
    stream << "scale_factor=[" << fmt::format("{}", fmt::join(*options.scale_factor(), ", "))
           << "]";
  } else if (options.size()) {
    stream << "size=" << IntArrayRef(*options.size());
  }
  stream << ", mode=" << toString(options.mode()) << ")";
}

Tensor UpsampleImpl::forward(const Tensor& input) {
  return F::interpolate(input, F::InterpolateFuncOptions()
                                   .size(options.size())
                                   .scale_factor(options.scale_factor())
                                   .mode(options.mode())
                                   .align_corners(options.align_corners()));
}

void PixelShuffleImpl::pretty_print(std::ostream& stream) const {
  stream << "nabla::nn::PixelShuffle(upscale_factor=" << options.upscale_factor() << ")";
}
Tensor PixelShuffleImpl::forward(const Tensor& input) { return F::pixel_shuffle(input, options); }

void PixelUnshuffleImpl::pretty_print(std::ostream& stream) const {
  stream << "nabla::nn::PixelUnshuffle(downscale_factor=" << options.downscale_factor() << ")";
}
Tensor PixelUnshuffleImpl::forward(const Tensor& input) {
  return F::pixel_unshuffle(input, options);
}

}  // namespace nn

Tensor pixel_shuffle(const Tensor& self, int64_t upscale_factor) {
  return nn::functional::pixel_shuffle(self, upscale_factor);
}

Tensor pixel_unshuffle(const Tensor& self, int64_t downscale_factor) {
  return nn::functional::pixel_unshuffle(self, downscale_factor);
}

}  // namespace nabla
