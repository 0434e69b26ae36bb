// Convolution and pooling layers: options -> nabla ops, LibTorch's initialization and printing.
#include "nabla/nn/conv.h"

#include <fmt/ranges.h>

#include <cmath>
#include <ostream>
#include <string>
#include <variant>

#include "core/check.h"
#include "nabla/nn/functional.h"
#include "nabla/nn/init.h"
#include "nabla/nn/pooling.h"
#include "nabla/ops.h"

namespace nabla {

// ---- namespace-level forms of functional ops (LibTorch's MNIST example calls them) --------

namespace nn {

namespace {

struct ModeName {
  const char* operator()(enumtype::kZeros) const { return "zeros"; }
  const char* operator()(enumtype::kConstant) const { return "constant"; }
  const char* operator()(enumtype::kReflect) const { return "reflect"; }
  const char* operator()(enumtype::kReplicate) const { return "replicate"; }
  const char* operator()(enumtype::kCircular) const { return "circular"; }
};

template <size_t D>
std::string str(const ExpandingArray<D>& a) {
  return fmt::format("{}", *a);
}

// Padding (before, after) per spatial dim for a conv's padding option.
template <size_t D>
std::vector<std::pair<int64_t, int64_t>> padding_pairs(const detail::conv_padding_t<D>& padding,
                                                       const ExpandingArray<D>& kernel,
                                                       const ExpandingArray<D>& dilation) {
  std::vector<std::pair<int64_t, int64_t>> r(D, {0, 0});
  if (const auto* p = std::get_if<ExpandingArray<D>>(&padding)) {
    for (size_t i = 0; i < D; ++i) r[i] = {(*p)[i], (*p)[i]};
  } else if (std::holds_alternative<enumtype::kSame>(padding)) {
    for (size_t i = 0; i < D; ++i) {
      const int64_t total = dilation[i] * (kernel[i] - 1);
      r[i] = {total / 2, total - total / 2};
    }
  }
  return r;
}

template <size_t D>
Tensor conv_any(const Tensor& input, const Tensor& weight, const Tensor& bias, IntArrayRef stride,
                const detail::conv_padding_t<D>& padding, IntArrayRef dilation, int64_t groups) {
  auto run = [&](auto&&... pad_arg) {
    if constexpr (D == 1) {
      return nabla::conv1d(input, weight, bias, stride, pad_arg..., dilation, groups);
    } else if constexpr (D == 2) {
      return nabla::conv2d(input, weight, bias, stride, pad_arg..., dilation, groups);
    } else {
      return nabla::conv3d(input, weight, bias, stride, pad_arg..., dilation, groups);
    }
  };
  if (const auto* p = std::get_if<ExpandingArray<D>>(&padding)) return run(p->ref());
  return run(std::holds_alternative<enumtype::kSame>(padding) ? "same" : "valid");
}

}  // namespace

// ---- functional ----------------------------------------------------------------------------

namespace functional {

Tensor conv1d(const Tensor& input, const Tensor& weight, const Conv1dFuncOptions& o) {
  return conv_any<1>(input, weight, o.bias(), o.stride(), o.padding(), o.dilation(), o.groups());
}
Tensor conv2d(const Tensor& input, const Tensor& weight, const Conv2dFuncOptions& o) {
  return conv_any<2>(input, weight, o.bias(), o.stride(), o.padding(), o.dilation(), o.groups());
}
Tensor conv3d(const Tensor& input, const Tensor& weight, const Conv3dFuncOptions& o) {
  return conv_any<3>(input, weight, o.bias(), o.stride(), o.padding(), o.dilation(), o.groups());
}
Tensor conv_transpose1d(const Tensor& input, const Tensor& weight,
                        const ConvTranspose1dFuncOptions& o) {
  return nabla::conv_transpose1d(input, weight, o.bias(), o.stride(), o.padding(),
                                 o.output_padding(), o.groups(), o.dilation());
}
Tensor conv_transpose2d(const Tensor& input, const Tensor& weight,
                        const ConvTranspose2dFuncOptions& o) {
  return nabla::conv_transpose2d(input, weight, o.bias(), o.stride(), o.padding(),
                                 o.output_padding(), o.groups(), o.dilation());
}
Tensor conv_transpose3d(const Tensor& input, const Tensor& weight,
                        const ConvTranspose3dFuncOptions& o) {
  return nabla::conv_transpose3d(input, weight, o.bias(), o.stride(), o.padding(),
                                 o.output_padding(), o.groups(), o.dilation());
}

Tensor pad(const Tensor& input, const PadFuncOptions& o) {
  const char* mode = std::visit(ModeName{}, o.mode());
  const bool constant = std::holds_alternative<enumtype::kConstant>(o.mode());
  return nabla::pad(input, o.pad(), mode,
                    constant ? std::optional<double>(o.value()) : std::nullopt);
}

Tensor max_pool1d(const Tensor& input, const MaxPool1dFuncOptions& o) {
  return nabla::max_pool1d(input, o.kernel_size(), o.stride(), o.padding(), o.dilation(),
                           o.ceil_mode());
}
Tensor max_pool2d(const Tensor& input, const MaxPool2dFuncOptions& o) {
  return nabla::max_pool2d(input, o.kernel_size(), o.stride(), o.padding(), o.dilation(),
                           o.ceil_mode());
}
std::tuple<Tensor, Tensor> max_pool1d_with_indices(const Tensor& input,
                                                   const MaxPool1dFuncOptions& o) {
  return nabla::max_pool1d_with_indices(input, o.kernel_size(), o.stride(), o.padding(),
                                        o.dilation(), o.ceil_mode());
}
std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input,
                                                   const MaxPool2dFuncOptions& o) {
  return nabla::max_pool2d_with_indices(input, o.kernel_size(), o.stride(), o.padding(),
                                        o.dilation(), o.ceil_mode());
}
Tensor avg_pool1d(const Tensor& input, const AvgPool1dFuncOptions& o) {
  NABLA_CHECK(!o.divisor_override().has_value(),
              "[avg_pool1d] divisor_override is not an argument of avg_pool1d (as PyTorch)");
  return nabla::avg_pool1d(input, o.kernel_size(), o.stride(), o.padding(), o.ceil_mode(),
                           o.count_include_pad());
}
Tensor avg_pool2d(const Tensor& input, const AvgPool2dFuncOptions& o) {
  return nabla::avg_pool2d(input, o.kernel_size(), o.stride(), o.padding(), o.ceil_mode(),
                           o.count_include_pad(), o.divisor_override());
}

}  // namespace functional

namespace F = functional;

// ---- ConvNd --------------------------------------------------------------------------------

// Weight and bias as PyTorch's _ConvNd.reset_parameters.
void init_conv_parameters(Tensor& weight, Tensor& bias) {
  init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (!bias.defined()) return;
  auto [fan_in, fan_out] = init::_calculate_fan_in_and_fan_out(weight);
  (void)fan_out;
  const double bound = fan_in > 0 ? 1.0 / std::sqrt(static_cast<double>(fan_in)) : 0.0;
  init::uniform_(bias, -bound, bound);
}

// Registers weight [a, b / groups, *k] and bias [bias_size] (or an undefined bias).
template <size_t D>
void register_conv_parameters(Module& m, Tensor& weight, Tensor& bias, int64_t a, int64_t b,
                              int64_t groups, const ExpandingArray<D>& k, bool with_bias,
                              int64_t bias_size) {
  std::vector<int64_t> shape{a, b / groups};
  shape.insert(shape.end(), k->begin(), k->end());
  weight = m.register_parameter("weight", nabla::empty(shape));
  bias = with_bias ? m.register_parameter("bias", nabla::empty({bias_size}))
                   : m.register_parameter("bias", Tensor(), /*requires_grad=*/false);
}

template <size_t D>
void check_conv_options(const char* name, int64_t in, int64_t out, int64_t groups,
                        const ExpandingArray<D>& kernel, const ExpandingArray<D>& stride) {
  NABLA_CHECK(in > 0 && out > 0,
              "[{}] in_channels and out_channels must be positive, got {} and {}", name, in, out);
  NABLA_CHECK(groups > 0, "[{}] groups must be a positive integer, got {}", name, groups);
  NABLA_CHECK(in % groups == 0, "[{}] in_channels ({}) must be divisible by groups ({})", name, in,
              groups);
  NABLA_CHECK(out % groups == 0, "[{}] out_channels ({}) must be divisible by groups ({})", name,
              out, groups);
  for (size_t i = 0; i < D; ++i) {
    NABLA_CHECK(kernel[i] > 0 && stride[i] > 0,
                "[{}] kernel_size and stride must be positive, got kernel_size={}, stride={}", name,
                str(kernel), str(stride));
  }
}

template <size_t D, class Derived>
ConvNdImpl<D, Derived>::ConvNdImpl(ConvOptions<D> options) : options(std::move(options)) {
  reset();
}

template <size_t D, class Derived>
void ConvNdImpl<D, Derived>::reset() {
  const std::string name = fmt::format("Conv{}d", D);
  check_conv_options<D>(name.c_str(), options.in_channels(), options.out_channels(),
                        options.groups(), options.kernel_size(), options.stride());
  if (std::holds_alternative<enumtype::kSame>(options.padding())) {
    for (size_t i = 0; i < D; ++i)
      NABLA_CHECK(options.stride()[i] == 1,
                  "[{}] padding='same' is not supported for strided convolutions", name);
  }
  register_conv_parameters<D>(*this, weight, bias, options.out_channels(), options.in_channels(),
                              options.groups(), options.kernel_size(), options.bias(),
                              options.out_channels());
  reset_parameters();
}

template <size_t D, class Derived>
void ConvNdImpl<D, Derived>::reset_parameters() {
  init_conv_parameters(weight, bias);
}

template <size_t D, class Derived>
void ConvNdImpl<D, Derived>::pretty_print(std::ostream& stream) const {
  stream << "nabla::nn::Conv" << D << "d(" << options.in_channels() << ", "
         << options.out_channels() << ", kernel_size=" << str(options.kernel_size())
         << ", stride=" << str(options.stride());
  if (std::holds_alternative<enumtype::kValid>(options.padding())) {
    stream << ", padding='valid'";
  } else if (std::holds_alternative<enumtype::kSame>(options.padding())) {
    stream << ", padding='same'";
  } else {
    const auto& p = std::get<ExpandingArray<D>>(options.padding());
    if (*p != *ExpandingArray<D>(0)) stream << ", padding=" << str(p);
  }
  if (*options.dilation() != *ExpandingArray<D>(1))
    stream << ", dilation=" << str(options.dilation());
  if (options.groups() != 1) stream << ", groups=" << options.groups();
  if (!options.bias()) stream << ", bias=false";
  if (!std::holds_alternative<enumtype::kZeros>(options.padding_mode()))
    stream << ", padding_mode=" << std::visit(ModeName{}, options.padding_mode());
  stream << ")";
}

template <size_t D, class Derived>
Tensor ConvNdImpl<D, Derived>::forward(const Tensor& input) {
  if (std::holds_alternative<enumtype::kZeros>(options.padding_mode())) {
    return conv_any<D>(input, weight, bias, options.stride(), options.padding(), options.dilation(),
                       options.groups());
  }
  // Pad with the mode first (pairs from the last dim backwards), then convolve without padding.
  const auto pairs = padding_pairs<D>(options.padding(), options.kernel_size(), options.dilation());
  std::vector<int64_t> pad;
  for (size_t i = D; i-- > 0;) {
    pad.push_back(pairs[i].first);
    pad.push_back(pairs[i].second);
  }
  const Tensor padded =
      nabla::pad(input, pad, std::visit(ModeName{}, options.padding_mode()), std::nullopt);
  return conv_any<D>(padded, weight, bias, options.stride(), ExpandingArray<D>(0),
                     options.dilation(), options.groups());
}

template class ConvNdImpl<1, Conv1dImpl>;
template class ConvNdImpl<2, Conv2dImpl>;
template class ConvNdImpl<3, Conv3dImpl>;

// ---- ConvTransposeNd -----------------------------------------------------------------------

template <size_t D, class Derived>
ConvTransposeNdImpl<D, Derived>::ConvTransposeNdImpl(ConvTransposeOptions<D> options)
    : options(std::move(options)) {
  reset();
}

template <size_t D, class Derived>
void ConvTransposeNdImpl<D, Derived>::reset() {
  const std::string name = fmt::format("ConvTranspose{}d", D);
  check_conv_options<D>(name.c_str(), options.in_channels(), options.out_channels(),
                        options.groups(), options.kernel_size(), options.stride());
  NABLA_CHECK(std::holds_alternative<enumtype::kZeros>(options.padding_mode()),
              "[{}] only \"zeros\" padding mode is supported", name);
  register_conv_parameters<D>(*this, weight, bias, options.in_channels(), options.out_channels(),
                              options.groups(), options.kernel_size(), options.bias(),
                              options.out_channels());
  reset_parameters();
}

template <size_t D, class Derived>
void ConvTransposeNdImpl<D, Derived>::reset_parameters() {
  init_conv_parameters(weight, bias);
}

template <size_t D, class Derived>
void ConvTransposeNdImpl<D, Derived>::pretty_print(std::ostream& stream) const {
  stream << "nabla::nn::ConvTranspose" << D << "d(" << options.in_channels() << ", "
         << options.out_channels() << ", kernel_size=" << str(options.kernel_size())
         << ", stride=" << str(options.stride());
  if (*options.padding() != *ExpandingArray<D>(0)) stream << ", padding=" << str(options.padding());
  if (*options.dilation() != *ExpandingArray<D>(1))
    stream << ", dilation=" << str(options.dilation());
  if (*options.output_padding() != *ExpandingArray<D>(0))
    stream << ", output_padding=" << str(options.output_padding());
  if (options.groups() != 1) stream << ", groups=" << options.groups();
  if (!options.bias()) stream << ", bias=false";
  stream << ")";
}

template <size_t D, class Derived>
Tensor ConvTransposeNdImpl<D, Derived>::forward(const Tensor& input,
                                                const std::vector<int64_t>& output_size) {
  ExpandingArray<D> output_padding = options.output_padding();
  if (!output_size.empty()) {
    const std::string name = fmt::format("ConvTranspose{}d", D);
    const auto k = static_cast<int64_t>(output_size.size());
    NABLA_CHECK(k == static_cast<int64_t>(D) || k == static_cast<int64_t>(D) + 1 ||
                    k == static_cast<int64_t>(D) + 2,
                "[{}] output_size must have {} or {} elements (got {})", name, D, D + 2, k);
    const int64_t spatial0 = input.dim() - static_cast<int64_t>(D);
    for (size_t i = 0; i < D; ++i) {
      const int64_t in = input.size(spatial0 + static_cast<int64_t>(i));
      const int64_t s = options.stride()[i];
      const int64_t min_size = (in - 1) * s - 2 * options.padding()[i] +
                               options.dilation()[i] * (options.kernel_size()[i] - 1) + 1;
      const int64_t want = output_size[static_cast<size_t>(k - static_cast<int64_t>(D)) + i];
      NABLA_CHECK(want >= min_size && want < min_size + s,
                  "[{}] requested an output size of {}, but valid sizes range from {} to {} (for "
                  "an input of {})",
                  name, fmt::format("{}", output_size), min_size, min_size + s - 1, input.sizes());
      (*output_padding)[i] = want - min_size;
    }
  }
  auto run = [&](auto fn) {
    return fn(input, weight, bias, options.stride(), options.padding(), output_padding,
              options.groups(), options.dilation());
  };
  if constexpr (D == 1) {
    return run([](auto&&... a) { return nabla::conv_transpose1d(a...); });
  } else {
    return run([](auto&&... a) { return nabla::conv_transpose2d(a...); });
  }
}

template class ConvTransposeNdImpl<1, ConvTranspose1dImpl>;
template class ConvTransposeNdImpl<2, ConvTranspose2dImpl>;

// ---- pooling -------------------------------------------------------------------------------

template <size_t D, class Derived>
void MaxPoolNdImpl<D, Derived>::pretty_print(std::ostream& stream) const {
  stream << std::boolalpha << "nabla::nn::MaxPool" << D
         << "d(kernel_size=" << str(options.kernel_size()) << ", stride=" << str(options.stride())
         << ", padding=" << str(options.padding()) << ", dilation=" << str(options.dilation())
         << ", ceil_mode=" << options.ceil_mode() << ")";
}

template <size_t D, class Derived>
std::tuple<Tensor, Tensor> MaxPoolNdImpl<D, Derived>::forward_with_indices(const Tensor& input) {
  if constexpr (D == 1) {
    return F::max_pool1d_with_indices(input, options);
  } else {
    return F::max_pool2d_with_indices(input, options);
  }
}

template <size_t D, class Derived>
Tensor MaxPoolNdImpl<D, Derived>::forward(const Tensor& input) {
  if constexpr (D == 1) {
    return F::max_pool1d(input, options);
  } else {
    return F::max_pool2d(input, options);
  }
}

template class MaxPoolNdImpl<1, MaxPool1dImpl>;
template class MaxPoolNdImpl<2, MaxPool2dImpl>;

template <size_t D, class Derived>
void AvgPoolNdImpl<D, Derived>::pretty_print(std::ostream& stream) const {
  stream << "nabla::nn::AvgPool" << D << "d(kernel_size=" << str(options.kernel_size())
         << ", stride=" << str(options.stride()) << ", padding=" << str(options.padding()) << ")";
}

template <size_t D, class Derived>
Tensor AvgPoolNdImpl<D, Derived>::forward(const Tensor& input) {
  if constexpr (D == 1) {
    return F::avg_pool1d(input, options);
  } else {
    return F::avg_pool2d(input, options);
  }
}

template class AvgPoolNdImpl<1, AvgPool1dImpl>;
template class AvgPoolNdImpl<2, AvgPool2dImpl>;

}  // namespace nn
}  // namespace nabla
