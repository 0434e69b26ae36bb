// Max and average pooling layers and their functional forms, as LibTorch's:
//   nabla::nn::MaxPool2d pool(nabla::nn::MaxPool2dOptions(2));
//   auto [y, indices] = pool->forward_with_indices(x);
//   F::avg_pool2d(x, F::AvgPool2dFuncOptions(3).stride(2).padding(1).count_include_pad(false));
#pragma once

#include <cstddef>
#include <ostream>
#include <tuple>

#include "nabla/conv.h"
#include "nabla/nn/module.h"
#include "nabla/nn/options/conv.h"

namespace nabla::nn {

namespace functional {
Tensor max_pool1d(const Tensor& input, const MaxPool1dFuncOptions& options);
Tensor max_pool2d(const Tensor& input, const MaxPool2dFuncOptions& options);
std::tuple<Tensor, Tensor> max_pool1d_with_indices(const Tensor& input,
                                                   const MaxPool1dFuncOptions& options);
std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input,
                                                   const MaxPool2dFuncOptions& options);
Tensor avg_pool1d(const Tensor& input, const AvgPool1dFuncOptions& options);
Tensor avg_pool2d(const Tensor& input, const AvgPool2dFuncOptions& options);
}  // namespace functional

template <size_t D, class Derived>
class MaxPoolNdImpl : public Cloneable<Derived> {
 public:
  explicit MaxPoolNdImpl(const MaxPoolOptions<D>& options) : options(options) {}
  void reset() override {}
  void pretty_print(std::ostream& stream) const override;
  Tensor forward(const Tensor& input);
  /// The maxima and their int64 indices into each flattened input plane.
  std::tuple<Tensor, Tensor> forward_with_indices(const Tensor& input);

  MaxPoolOptions<D> options;
};

class MaxPool1dImpl : public MaxPoolNdImpl<1, MaxPool1dImpl> {
 public:
  MaxPool1dImpl(ExpandingArray<1> kernel_size) : MaxPoolNdImpl(kernel_size) {}  // NOLINT
  explicit MaxPool1dImpl(const MaxPool1dOptions& options) : MaxPoolNdImpl(options) {}
};
NABLA_MODULE(MaxPool1d);

class MaxPool2dImpl : public MaxPoolNdImpl<2, MaxPool2dImpl> {
 public:
  MaxPool2dImpl(ExpandingArray<2> kernel_size) : MaxPoolNdImpl(kernel_size) {}  // NOLINT
  explicit MaxPool2dImpl(const MaxPool2dOptions& options) : MaxPoolNdImpl(options) {}
};
NABLA_MODULE(MaxPool2d);

template <size_t D, class Derived>
class AvgPoolNdImpl : public Cloneable<Derived> {
 public:
  explicit AvgPoolNdImpl(const AvgPoolOptions<D>& options) : options(options) {}
  void reset() override {}
  void pretty_print(std::ostream& stream) const override;
  Tensor forward(const Tensor& input);

  AvgPoolOptions<D> options;
};

class AvgPool1dImpl : public AvgPoolNdImpl<1, AvgPool1dImpl> {
 public:
  AvgPool1dImpl(ExpandingArray<1> kernel_size) : AvgPoolNdImpl(kernel_size) {}  // NOLINT
  explicit AvgPool1dImpl(const AvgPool1dOptions& options) : AvgPoolNdImpl(options) {}
};
NABLA_MODULE(AvgPool1d);

class AvgPool2dImpl : public AvgPoolNdImpl<2, AvgPool2dImpl> {
 public:
  AvgPool2dImpl(ExpandingArray<2> kernel_size) : AvgPoolNdImpl(kernel_size) {}  // NOLINT
  explicit AvgPool2dImpl(const AvgPool2dOptions& options) : AvgPoolNdImpl(options) {}
};
NABLA_MODULE(AvgPool2d);

}  // namespace nabla::nn
