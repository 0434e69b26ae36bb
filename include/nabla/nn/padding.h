// Padding layers, as LibTorch's: F::pad with a fixed padding and mode, as a module.
//   nabla::nn::ReflectionPad2d pad(nabla::nn::ReflectionPad2dOptions({1, 1, 2, 0}));
//   nabla::nn::ZeroPad2d zero(1);                      // [N, C, H, W] -> [N, C, H + 2, W + 2]
//   nabla::nn::ConstantPad1d constant(2, 3.5);
// The padding lists (left, right) for the last dim first, then (top, bottom), then (front,
// back): D pairs for a D-dimensional pad; one number pads every side by it.
#pragma once

#include <cstddef>
#include <ostream>

#include "nabla/expanding_array.h"
#include "nabla/nn/module.h"
#include "nabla/tensor.h"

namespace nabla::nn {

template <size_t D>
struct ReflectionPadOptions {
  ReflectionPadOptions(ExpandingArray<D * 2> padding)  // NOLINT: implicit, as in LibTorch
      : padding_(padding) {}
  NABLA_ARG(ExpandingArray<D * 2>, padding);
};
using ReflectionPad1dOptions = ReflectionPadOptions<1>;
using ReflectionPad2dOptions = ReflectionPadOptions<2>;
using ReflectionPad3dOptions = ReflectionPadOptions<3>;

template <size_t D>
struct ReplicationPadOptions {
  ReplicationPadOptions(ExpandingArray<D * 2> padding)  // NOLINT: implicit, as in LibTorch
      : padding_(padding) {}
  NABLA_ARG(ExpandingArray<D * 2>, padding);
};
using ReplicationPad1dOptions = ReplicationPadOptions<1>;
using ReplicationPad2dOptions = ReplicationPadOptions<2>;
using ReplicationPad3dOptions = ReplicationPadOptions<3>;

struct ZeroPad2dOptions {
  ZeroPad2dOptions(ExpandingArray<4> padding) : padding_(padding) {}  // NOLINT: implicit
  NABLA_ARG(ExpandingArray<4>, padding);
};

template <size_t D>
struct ConstantPadOptions {
  ConstantPadOptions(ExpandingArray<D * 2> padding, double value)
      : padding_(padding), value_(value) {}
  NABLA_ARG(ExpandingArray<D * 2>, padding);
  NABLA_ARG(double, value);
};
using ConstantPad1dOptions = ConstantPadOptions<1>;
using ConstantPad2dOptions = ConstantPadOptions<2>;
using ConstantPad3dOptions = ConstantPadOptions<3>;

/// Pads by mirroring the input at its edges (the edge itself not repeated).
template <size_t D, class Derived>
class ReflectionPadImpl : public Cloneable<Derived> {
 public:
  ReflectionPadImpl(ExpandingArray<D * 2> padding)  // NOLINT: implicit, as in LibTorch
      : ReflectionPadImpl(ReflectionPadOptions<D>(padding)) {}
  explicit ReflectionPadImpl(const ReflectionPadOptions<D>& options);
  void reset() override;
  void pretty_print(std::ostream& stream) const override;
  Tensor forward(const Tensor& input);

  ReflectionPadOptions<D> options;
};

/// Pads by repeating the input's edge values.
template <size_t D, class Derived>
class ReplicationPadImpl : public Cloneable<Derived> {
 public:
  ReplicationPadImpl(ExpandingArray<D * 2> padding)  // NOLINT: implicit, as in LibTorch
      : ReplicationPadImpl(ReplicationPadOptions<D>(padding)) {}
  explicit ReplicationPadImpl(const ReplicationPadOptions<D>& options);
  void reset() override;
  void pretty_print(std::ostream& stream) const override;
  Tensor forward(const Tensor& input);

  ReplicationPadOptions<D> options;
};

/// Pads with `value`.
template <size_t D, class Derived>
class ConstantPadImpl : public Cloneable<Derived> {
 public:
  ConstantPadImpl(ExpandingArray<D * 2> padding, double value)
      : ConstantPadImpl(ConstantPadOptions<D>(padding, value)) {}
  explicit ConstantPadImpl(const ConstantPadOptions<D>& options);
  void reset() override;
  void pretty_print(std::ostream& stream) const override;
  Tensor forward(const Tensor& input);

  ConstantPadOptions<D> options;
};

#define NABLA_PADDING_MODULE(Kind, D)                                        \
  class Kind##Pad##D##dImpl : public Kind##PadImpl<D, Kind##Pad##D##dImpl> { \
   public:                                                                   \
    using Kind##PadImpl<D, Kind##Pad##D##dImpl>::Kind##PadImpl;              \
  };                                                                         \
  NABLA_MODULE(Kind##Pad##D##d)
NABLA_PADDING_MODULE(Reflection, 1);
NABLA_PADDING_MODULE(Reflection, 2);
NABLA_PADDING_MODULE(Reflection, 3);
NABLA_PADDING_MODULE(Replication, 1);
NABLA_PADDING_MODULE(Replication, 2);
NABLA_PADDING_MODULE(Replication, 3);
NABLA_PADDING_MODULE(Constant, 1);
NABLA_PADDING_MODULE(Constant, 2);
NABLA_PADDING_MODULE(Constant, 3);
#undef NABLA_PADDING_MODULE

/// Pads the last two dims with zeros.
class ZeroPad2dImpl : public Cloneable<ZeroPad2dImpl> {
 public:
  ZeroPad2dImpl(ExpandingArray<4> padding)  // NOLINT: implicit, as in LibTorch
      : ZeroPad2dImpl(ZeroPad2dOptions(padding)) {}
  explicit ZeroPad2dImpl(const ZeroPad2dOptions& options);
  void reset() override;
  void pretty_print(std::ostream& stream) const override;
  Tensor forward(const Tensor& input);

  ZeroPad2dOptions options;
};
NABLA_MODULE(ZeroPad2d);

}  // namespace nabla::nn
