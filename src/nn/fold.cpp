// Unfold as one index_select over each flattened (sample, channel) plane with a zero
// appended (padding positions read it), Fold as the matching index_add; each is the other's
// backward, so gradients of any order come from index_select / index_add.
#include "nabla/nn/fold.h"

#include <ostream>
#include <vector>

#include "core/check.h"
#include "nabla/creation.h"
#include "nabla/ops.h"

namespace nabla::nn {
namespace functional {
namespace {

struct Geometry {
  int64_t h, w, kh, kw, oh, ow;
  // Flat position in the [H*W + 1] plane (H*W: the appended zero) of kernel element
  // (i, j) at block l, as [kh*kw * L] row-major.
  Tensor index;
};

Geometry geometry(int64_t h, int64_t w, const ExpandingArray<2>& kernel,
                  const ExpandingArray<2>& dilation, const ExpandingArray<2>& padding,
                  const ExpandingArray<2>& stride, Device device, const char* op) {
  for (int k = 0; k < 2; ++k) {
    NABLA_CHECK(kernel[k] > 0 && dilation[k] > 0 && stride[k] > 0 && padding[k] >= 0,
                "[{}] kernel_size, dilation and stride must be positive and padding "
                "non-negative, got kernel_size {}, dilation {}, stride {}, padding {}",
                op, IntArrayRef(kernel), IntArrayRef(dilation), IntArrayRef(stride),
                IntArrayRef(padding));
  }
  Geometry g{h, w, kernel[0], kernel[1], 0, 0, Tensor()};
  g.oh = (h + 2 * padding[0] - dilation[0] * (kernel[0] - 1) - 1) / stride[0] + 1;
  g.ow = (w + 2 * padding[1] - dilation[1] * (kernel[1] - 1) - 1) / stride[1] + 1;
  NABLA_CHECK(h + 2 * padding[0] >= dilation[0] * (kernel[0] - 1) + 1 &&
                  w + 2 * padding[1] >= dilation[1] * (kernel[1] - 1) + 1 && g.oh > 0 && g.ow > 0,
              "[{}] the (dilated) kernel {} is larger than the padded input {}x{} (padding {})", op,
              IntArrayRef(kernel), h, w, IntArrayRef(padding));
  std::vector<int64_t> idx;
  idx.reserve(static_cast<size_t>(g.kh * g.kw * g.oh * g.ow));
  for (int64_t i = 0; i < g.kh; ++i) {
    for (int64_t j = 0; j < g.kw; ++j) {
      for (int64_t y = 0; y < g.oh; ++y) {
        for (int64_t x = 0; x < g.ow; ++x) {
          const int64_t r = y * stride[0] - padding[0] + i * dilation[0];
          const int64_t c = x * stride[1] - padding[1] + j * dilation[1];
          idx.push_back(r >= 0 && r < h && c >= 0 && c < w ? r * w + c : h * w);
        }
      }
    }
  }
  g.index = tensor(idx, nabla::device(device));
  return g;
}

}  // namespace

Tensor unfold(const Tensor& input, const UnfoldFuncOptions& options) {
  NABLA_CHECK(input.defined() && (input.dim() == 3 || input.dim() == 4),
              "[unfold] expected 3-D (unbatched) or 4-D input [N, C, H, W], got {}",
              input.defined() ? input.sizes() : IntArrayRef());
  NABLA_CHECK(input.is_floating_point(), "[unfold] expected a floating point input, got {}",
              input.scalar_type());
  const bool batched = input.dim() == 4;
  const Tensor x = batched ? input : input.unsqueeze(0);
  const int64_t n = x.size(0), c = x.size(1);
  const Geometry g = geometry(x.size(2), x.size(3), options.kernel_size(), options.dilation(),
                              options.padding(), options.stride(), x.device(), "unfold");
  // [N, C, H*W + 1] with a zero last column that padding positions read.
  const Tensor planes =
      cat({x.reshape({n, c, g.h * g.w}), zeros({n, c, 1}, x.options().requires_grad(false))}, 2);
  const Tensor cols = planes.index_select(2, g.index).view({n, c * g.kh * g.kw, g.oh * g.ow});
  return batched ? cols : cols.squeeze(0);
}

Tensor fold(const Tensor& input, const FoldFuncOptions& options) {
  NABLA_CHECK(input.defined() && (input.dim() == 2 || input.dim() == 3),
              "[fold] expected 2-D (unbatched) or 3-D input [N, C*kh*kw, L], got {}",
              input.defined() ? input.sizes() : IntArrayRef());
  NABLA_CHECK(input.is_floating_point(), "[fold] expected a floating point input, got {}",
              input.scalar_type());
  const bool batched = input.dim() == 3;
  const Tensor cols = batched ? input : input.unsqueeze(0);
  const ExpandingArray<2>& out = options.output_size();
  NABLA_CHECK(out[0] > 0 && out[1] > 0, "[fold] output_size must be positive, got {}",
              IntArrayRef(out));
  const Geometry g = geometry(out[0], out[1], options.kernel_size(), options.dilation(),
                              options.padding(), options.stride(), cols.device(), "fold");
  const int64_t n = cols.size(0), k = g.kh * g.kw, l = g.oh * g.ow;
  NABLA_CHECK(cols.size(1) % k == 0,
              "[fold] expected the {} rows of input {} to be divisible by the product of "
              "kernel_size {}",
              cols.size(1), input.sizes(), k);
  NABLA_CHECK(cols.size(2) == l,
              "[fold] input {} has {} blocks, but output_size {} with kernel_size {} gives {}",
              input.sizes(), cols.size(2), IntArrayRef(out), IntArrayRef(options.kernel_size()), l);
  const int64_t c = cols.size(1) / k;
  const Tensor planes = index_add(zeros({n, c, g.h * g.w + 1}, cols.options().requires_grad(false)),
                                  2, g.index, cols.reshape({n, c, k * l}));
  const Tensor result = planes.narrow(2, 0, g.h * g.w).view({n, c, g.h, g.w});
  return batched ? result : result.squeeze(0);
}

}  // namespace functional

namespace F = functional;

void FoldImpl::pretty_print(std::ostream& stream) const {
  stream << "nabla::nn::Fold(output_size=" << IntArrayRef(options.output_size())
         << ", kernel_size=" << IntArrayRef(options.kernel_size())
         << ", dilation=" << IntArrayRef(options.dilation())
         << ", padding=" << IntArrayRef(options.padding())
         << ", stride=" << IntArrayRef(options.stride()) << ")";
}
Tensor FoldImpl::forward(const Tensor& input) { return F::fold(input, options); }

void UnfoldImpl::pretty_print(std::ostream& stream) const {
  stream << "nabla::nn::Unfold(kernel_size=" << IntArrayRef(options.kernel_size())
         << ", dilation=" << IntArrayRef(options.dilation())
         << ", padding=" << IntArrayRef(options.padding())
         << ", stride=" << IntArrayRef(options.stride()) << ")";
}
Tensor UnfoldImpl::forward(const Tensor& input) { return F::unfold(input, options); }

}  // namespace nabla::nn
