// Adaptive pooling (the output size is given, the windows follow) and max unpooling, as
// LibTorch's: AdaptiveAvgPool1d/2d/3d, AdaptiveMaxPool1d/2d/3d, MaxUnpool1d/2d/3d.
//   nabla::nn::AdaptiveAvgPool2d gap(1);                  // [N, C, H, W] -> [N, C, 1, 1]
//   auto [y, idx] = nabla::nn::AdaptiveMaxPool2d(3)->forward_with_indices(x);
//   auto x2 = nabla::nn::MaxUnpool2d(2)(y, idx);          // idx as max_pool2d returns them
// Output element i along a dim of size in -> out pools rows floor(i in / out) ..
// ceil((i + 1) in / out) - 1. Input is [N, C, *] or, unbatched, [C, *]; indices are flat
// positions within each (sample, channel) plane, as PyTorch's.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <tuple>
#include <vector>

#include "nabla/expanding_array.h"
#include "nabla/nn/module.h"
#include "nabla/tensor.h"

namespace nabla {
namespace nn {

template <typename output_size_t>
struct AdaptiveAvgPoolOptions {
  AdaptiveAvgPoolOptions(output_size_t output_size)  // NOLINT: implicit, as in LibTorch
      : output_size_(output_size) {}
  NABLA_ARG(output_size_t, output_size);
};
using AdaptiveAvgPool1dOptions = AdaptiveAvgPoolOptions<ExpandingArray<1>>;
using AdaptiveAvgPool2dOptions = AdaptiveAvgPoolOptions<ExpandingArrayWithOptionalElem<2>>;
using AdaptiveAvgPool3dOptions = AdaptiveAvgPoolOptions<ExpandingArrayWithOptionalElem<3>>;

template <typename output_size_t>
struct AdaptiveMaxPoolOptions {
  AdaptiveMaxPoolOptions(output_size_t output_size)  // NOLINT: implicit, as in LibTorch
      : output_size_(output_size) {}
  NABLA_ARG(output_size_t, output_size);
};
using AdaptiveMaxPool1dOptions = AdaptiveMaxPoolOptions<ExpandingArray<1>>;
using AdaptiveMaxPool2dOptions = AdaptiveMaxPoolOptions<ExpandingArrayWithOptionalElem<2>>;
using AdaptiveMaxPool3dOptions = AdaptiveMaxPoolOptions<ExpandingArrayWithOptionalElem<3>>;

template <size_t D>
struct MaxUnpoolOptions {
  MaxUnpoolOptions(ExpandingArray<D> kernel_size)  // NOLINT: implicit, as in LibTorch
      : kernel_size_(kernel_size), stride_(kernel_size) {}
  NABLA_ARG(ExpandingArray<D>, kernel_size);
  /// Defaults to kernel_size.
  NABLA_ARG(ExpandingArray<D>, stride);
  NABLA_ARG(ExpandingArray<D>, padding) = 0;
};
using MaxUnpool1dOptions = MaxUnpoolOptions<1>;
using MaxUnpool2dOptions = MaxUnpoolOptions<2>;
using MaxUnpool3dOptions = MaxUnpoolOptions<3>;

namespace functional {

using AdaptiveAvgPool1dFuncOptions = AdaptiveAvgPool1dOptions;
using AdaptiveAvgPool2dFuncOptions = AdaptiveAvgPool2dOptions;
using AdaptiveAvgPool3dFuncOptions = AdaptiveAvgPool3dOptions;
using AdaptiveMaxPool1dFuncOptions = AdaptiveMaxPool1dOptions;
using AdaptiveMaxPool2dFuncOptions = AdaptiveMaxPool2dOptions;
using AdaptiveMaxPool3dFuncOptions = AdaptiveMaxPool3dOptions;

template <size_t D>
struct MaxUnpoolFuncOptions {
  MaxUnpoolFuncOptions(ExpandingArray<D> kernel_size)  // NOLINT: implicit, as in LibTorch
      : kernel_size_(kernel_size), stride_(kernel_size) {}
  NABLA_ARG(ExpandingArray<D>, kernel_size);
  NABLA_ARG(ExpandingArray<D>, stride);
  NABLA_ARG(ExpandingArray<D>, padding) = 0;
  /// The output's spatial size ([*, H, W]: the last D values count); by default
  /// (in - 1) * stride - 2 * padding + kernel_size.
  NABLA_ARG(std::optional<std::vector<int64_t>>, output_size) = std::nullopt;
};
using MaxUnpool1dFuncOptions = MaxUnpoolFuncOptions<1>;
using MaxUnpool2dFuncOptions = MaxUnpoolFuncOptions<2>;
using MaxUnpool3dFuncOptions = MaxUnpoolFuncOptions<3>;

namespace detail {
/// The D-dim implementations behind the 1d/2d/3d forms; `op` names them in errors.
/// output_size: one entry per spatial dim, nullopt keeping the input's size.
Tensor adaptive_avg_pool(const Tensor& input,
                         const std::vector<std::optional<int64_t>>& output_size, const char* op);
std::tuple<Tensor, Tensor> adaptive_max_pool(const Tensor& input,
                                             const std::vector<std::optional<int64_t>>& output_size,
                                             const char* op);
Tensor max_unpool(const Tensor& input, const Tensor& indices, IntArrayRef kernel_size,
                  IntArrayRef stride, IntArrayRef padding,
                  const std::optional<std::vector<int64_t>>& output_size, const char* op);

template <size_t D, typename T>
std::vector<std::optional<int64_t>> sizes_of(const ExpandingArray<D, T>& a) {
  return std::vector<std::optional<int64_t>>(a->begin(), a->end());
}
}  // namespace detail

inline Tensor adaptive_avg_pool1d(const Tensor& input,
                                  const AdaptiveAvgPool1dFuncOptions& options) {
  return detail::adaptive_avg_pool(input, detail::sizes_of(options.output_size()),
                                   "adaptive_avg_pool1d");
}
inline Tensor adaptive_avg_pool2d(const Tensor& input,
                                  const AdaptiveAvgPool2dFuncOptions& options) {
  return detail::adaptive_avg_pool(input, detail::sizes_of(options.output_size()),
                                   "adaptive_avg_pool2d");
}
inline Tensor adaptive_avg_pool3d(const Tensor& input,
                                  const AdaptiveAvgPool3dFuncOptions& options) {
  return detail::adaptive_avg_pool(input, detail::sizes_of(options.output_size()),
                                   "adaptive_avg_pool3d");
}

/// Values and int64 indices (flat positions in each input plane, as max_pool2d's).
inline std::tuple<Tensor, Tensor> adaptive_max_pool1d_with_indices(
    const Tensor& input, const AdaptiveMaxPool1dFuncOptions& options) {
  return detail::adaptive_max_pool(input, detail::sizes_of(options.output_size()),
                                   "adaptive_max_pool1d");
}
inline std::tuple<Tensor, Tensor> adaptive_max_pool2d_with_indices(
    const Tensor& input, const AdaptiveMaxPool2dFuncOptions& options) {
  return detail::adaptive_max_pool(input, detail::sizes_of(options.output_size()),
                                   "adaptive_max_pool2d");
}
inline std::tuple<Tensor, Tensor> adaptive_max_pool3d_with_indices(
    const Tensor& input, const AdaptiveMaxPool3dFuncOptions& options) {
  return detail::adaptive_max_pool(input, detail::sizes_of(options.output_size()),
                                   "adaptive_max_pool3d");
}
inline Tensor adaptive_max_pool1d(const Tensor& input,
                                  const AdaptiveMaxPool1dFuncOptions& options) {
  return std::get<0>(adaptive_max_pool1d_with_indices(input, options));
}
inline Tensor adaptive_max_pool2d(const Tensor& input,
                                  const AdaptiveMaxPool2dFuncOptions& options) {
  return std::get<0>(adaptive_max_pool2d_with_indices(input, options));
}
inline Tensor adaptive_max_pool3d(const Tensor& input,
                                  const AdaptiveMaxPool3dFuncOptions& options) {
  return std::get<0>(adaptive_max_pool3d_with_indices(input, options));
}

/// Puts each input value at its index in a zero output (the inverse of max_pool with indices;
/// of repeated indices in a plane the last one wins, as in PyTorch).
template <size_t D>
Tensor max_unpool(const Tensor& input, const Tensor& indices,
                  const MaxUnpoolFuncOptions<D>& options, const char* op) {
  return detail::max_unpool(input, indices, options.kernel_size(), options.stride(),
                            options.padding(), options.output_size(), op);
}
inline Tensor max_unpool1d(const Tensor& input, const Tensor& indices,
                           const MaxUnpool1dFuncOptions& options) {
  return max_unpool<1>(input, indices, options, "max_unpool1d");
}
inline Tensor max_unpool2d(const Tensor& input, const Tensor& indices,
                           const MaxUnpool2dFuncOptions& options) {
  return max_unpool<2>(input, indices, options, "max_unpool2d");
}
inline Tensor max_unpool3d(const Tensor& input, const Tensor& indices,
                           const MaxUnpool3dFuncOptions& options) {
  return max_unpool<3>(input, indices, options, "max_unpool3d");
}

}  // namespace functional

// ---- modules -----------------------------------------------------------------------------

namespace detail {
/// "nabla::nn::<name>(output_size=[a, b])" with None for kept sizes.
void print_adaptive(std::ostream& stream, const char* name,
                    const std::vector<std::optional<int64_t>>& sizes);
/// "nabla::nn::<name>(kernel_size=[..], stride=[..], padding=[..])".
void print_unpool(std::ostream& stream, const char* name, IntArrayRef kernel, IntArrayRef stride,
                  IntArrayRef padding);
}  // namespace detail

template <size_t D, typename output_size_t, typename Derived>
class AdaptiveAvgPoolImpl : public Cloneable<Derived> {
 public:
  AdaptiveAvgPoolImpl(output_size_t output_size)  // NOLINT: implicit, as in LibTorch
      : AdaptiveAvgPoolImpl(AdaptiveAvgPoolOptions<output_size_t>(output_size)) {}
  explicit AdaptiveAvgPoolImpl(const AdaptiveAvgPoolOptions<output_size_t>& options_)
      : options(options_) {}
  void reset() override {}
  void pretty_print(std::ostream& stream) const override {
    detail::print_adaptive(stream, Derived::kName,
                           functional::detail::sizes_of(options.output_size()));
  }
  Tensor forward(const Tensor& input) {
    return functional::detail::adaptive_avg_pool(
        input, functional::detail::sizes_of(options.output_size()), Derived::kName);
  }

  AdaptiveAvgPoolOptions<output_size_t> options;
};

class AdaptiveAvgPool1dImpl
    : public AdaptiveAvgPoolImpl<1, ExpandingArray<1>, AdaptiveAvgPool1dImpl> {
 public:
  using AdaptiveAvgPoolImpl::AdaptiveAvgPoolImpl;
  static constexpr const char* kName = "AdaptiveAvgPool1d";
};
NABLA_MODULE(AdaptiveAvgPool1d);

class AdaptiveAvgPool2dImpl
    : public AdaptiveAvgPoolImpl<2, ExpandingArrayWithOptionalElem<2>, AdaptiveAvgPool2dImpl> {
 public:
  using AdaptiveAvgPoolImpl::AdaptiveAvgPoolImpl;
  static constexpr const char* kName = "AdaptiveAvgPool2d";
};
NABLA_MODULE(AdaptiveAvgPool2d);

class AdaptiveAvgPool3dImpl
    : public AdaptiveAvgPoolImpl<3, ExpandingArrayWithOptionalElem<3>, AdaptiveAvgPool3dImpl> {
 public:
  using AdaptiveAvgPoolImpl::AdaptiveAvgPoolImpl;
  static constexpr const char* kName = "AdaptiveAvgPool3d";
};
NABLA_MODULE(AdaptiveAvgPool3d);

template <size_t D, typename output_size_t, typename Derived>
class AdaptiveMaxPoolImpl : public Cloneable<Derived> {
 public:
  AdaptiveMaxPoolImpl(output_size_t output_size)  // NOLINT: implicit, as in LibTorch
      : AdaptiveMaxPoolImpl(AdaptiveMaxPoolOptions<output_size_t>(output_size)) {}
  explicit AdaptiveMaxPoolImpl(const AdaptiveMaxPoolOptions<output_size_t>& options_)
      : options(options_) {}
  void reset() override {}
  void pretty_print(std::ostream& stream) const override {
    detail::print_adaptive(stream, Derived::kName,
                           functional::detail::sizes_of(options.output_size()));
  }
  Tensor forward(const Tensor& input) { return std::get<0>(forward_with_indices(input)); }
  /// Values and int64 indices (flat positions in each input plane).
  std::tuple<Tensor, Tensor> forward_with_indices(const Tensor& input) {
    return functional::detail::adaptive_max_pool(
        input, functional::detail::sizes_of(options.output_size()), Derived::kName);
  }

  AdaptiveMaxPoolOptions<output_size_t> options;
};

class AdaptiveMaxPool1dImpl
    : public AdaptiveMaxPoolImpl<1, ExpandingArray<1>, AdaptiveMaxPool1dImpl> {
 public:
  using AdaptiveMaxPoolImpl::AdaptiveMaxPoolImpl;
  static constexpr const char* kName = "AdaptiveMaxPool1d";
};
NABLA_MODULE(AdaptiveMaxPool1d);

class AdaptiveMaxPool2dImpl
    : public AdaptiveMaxPoolImpl<2, ExpandingArrayWithOptionalElem<2>, AdaptiveMaxPool2dImpl> {
 public:
  using AdaptiveMaxPoolImpl::AdaptiveMaxPoolImpl;
  static constexpr const char* kName = "AdaptiveMaxPool2d";
};
NABLA_MODULE(AdaptiveMaxPool2d);

class AdaptiveMaxPool3dImpl
    : public AdaptiveMaxPoolImpl<3, ExpandingArrayWithOptionalElem<3>, AdaptiveMaxPool3dImpl> {
 public:
  using AdaptiveMaxPoolImpl::AdaptiveMaxPoolImpl;
  static constexpr const char* kName = "AdaptiveMaxPool3d";
};
NABLA_MODULE(AdaptiveMaxPool3d);

template <size_t D, typename Derived>
class MaxUnpoolImpl : public Cloneable<Derived> {
 public:
  MaxUnpoolImpl(ExpandingArray<D> kernel_size)  // NOLINT: implicit, as in LibTorch
      : MaxUnpoolImpl(MaxUnpoolOptions<D>(kernel_size)) {}
  explicit MaxUnpoolImpl(const MaxUnpoolOptions<D>& options_) : options(options_) {}
  void reset() override {}
  void pretty_print(std::ostream& stream) const override {
    detail::print_unpool(stream, Derived::kName, options.kernel_size(), options.stride(),
                         options.padding());
  }
  Tensor forward(const Tensor& input, const Tensor& indices,
                 const std::optional<std::vector<int64_t>>& output_size = std::nullopt) {
    return functional::detail::max_unpool(input, indices, options.kernel_size(), options.stride(),
                                          options.padding(), output_size, Derived::kName);
  }

  MaxUnpoolOptions<D> options;
};

class MaxUnpool1dImpl : public MaxUnpoolImpl<1, MaxUnpool1dImpl> {
 public:
  using MaxUnpoolImpl::MaxUnpoolImpl;
  static constexpr const char* kName = "MaxUnpool1d";
};
NABLA_MODULE(MaxUnpool1d);

class MaxUnpool2dImpl : public MaxUnpoolImpl<2, MaxUnpool2dImpl> {
 public:
  using MaxUnpoolImpl::MaxUnpoolImpl;
  static constexpr const char* kName = "MaxUnpool2d";
};
NABLA_MODULE(MaxUnpool2d);

class MaxUnpool3dImpl : public MaxUnpoolImpl<3, MaxUnpool3dImpl> {
 public:
  using MaxUnpoolImpl::MaxUnpoolImpl;
  static constexpr const char* kName = "MaxUnpool3d";
};
NABLA_MODULE(MaxUnpool3d);

}  // namespace nn

// ---- namespace-level functions, as torch::adaptive_avg_pool2d & co. ---------------------
Tensor adaptive_avg_pool1d(const Tensor& self, IntArrayRef output_size);
Tensor adaptive_avg_pool2d(const Tensor& self, IntArrayRef output_size);
Tensor adaptive_avg_pool3d(const Tensor& self, IntArrayRef output_size);
std::tuple<Tensor, Tensor> adaptive_max_pool1d(const Tensor& self, IntArrayRef output_size);
std::tuple<Tensor, Tensor> adaptive_max_pool2d(const Tensor& self, IntArrayRef output_size);
std::tuple<Tensor, Tensor> adaptive_max_pool3d(const Tensor& self, IntArrayRef output_size);
Tensor max_unpool2d(const Tensor& self, const Tensor& indices, IntArrayRef output_size);
Tensor max_unpool3d(const Tensor& self, const Tensor& indices, IntArrayRef output_size,
                    IntArrayRef stride, IntArrayRef padding);

}  // namespace nabla
