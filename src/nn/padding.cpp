// The padding layers: F::pad with the module's padding and mode (reflect, replicate,
// constant), and LibTorch's printing. Shapes and bad paddings are checked by nabla::pad.
#include "nabla/nn/padding.h"

#include <fmt/ranges.h>

#include "nabla/nn/conv.h"

namespace nabla::nn {

namespace F = functional;

namespace {
template <size_t N>
Tensor pad_with(const Tensor& input, const ExpandingArray<N>& padding,
                F::PadFuncOptions::mode_t mode, double value = 0) {
  return F::pad(input, F::PadFuncOptions(std::vector<int64_t>(padding->begin(), padding->end()))
                           .mode(mode)
                           .value(value));
}
}  // namespace

template <size_t D, class Derived>
ReflectionPadImpl<D, Derived>::ReflectionPadImpl(const ReflectionPadOptions<D>& options)
    : options(options) {
  reset();
}
template <size_t D, class Derived>
void ReflectionPadImpl<D, Derived>::reset() {}
template <size_t D, class Derived>
void ReflectionPadImpl<D, Derived>::pretty_print(std::ostream& stream) const {
  stream << "nabla::nn::ReflectionPad" << D << "d(padding=" << fmt::format("{}", *options.padding())
         << ")";
}
template <size_t D, class Derived>
Tensor ReflectionPadImpl<D, Derived>::forward(const Tensor& input) {
  return pad_with(input, options.padding(), kReflect);
}

template <size_t D, class Derived>
ReplicationPadImpl<D, Derived>::ReplicationPadImpl(const ReplicationPadOptions<D>& options)
    : options(options) {
  reset();
}
template <size_t D, class Derived>
void ReplicationPadImpl<D, Derived>::reset() {}
template <size_t D, class Derived>
void ReplicationPadImpl<D, Derived>::pretty_print(std::ostream& stream) const {
  stream << "nabla::nn::ReplicationPad" << D
         << "d(padding=" << fmt::format("{}", *options.padding()) << ")";
}
template <size_t D, class Derived>
Tensor ReplicationPadImpl<D, Derived>::forward(const Tensor& input) {
  return pad_with(input, options.padding(), kReplicate);
}

template <size_t D, class Derived>
ConstantPadImpl<D, Derived>::ConstantPadImpl(const ConstantPadOptions<D>& options)
    : options(options) {
  reset();
}
template <size_t D, class Derived>
void ConstantPadImpl<D, Derived>::reset() {}
template <size_t D, class Derived>
void ConstantPadImpl<D, Derived>::pretty_print(std::ostream& stream) const {
  stream << "nabla::nn::ConstantPad" << D << "d(padding=" << fmt::format("{}", *options.padding())
         << ", value=" << options.value() << ")";
}
template <size_t D, class Derived>
Tensor ConstantPadImpl<D, Derived>::forward(const Tensor& input) {
  return pad_with(input, options.padding(), kConstant, options.value());
}

template class ReflectionPadImpl<1, ReflectionPad1dImpl>;
template class ReflectionPadImpl<2, ReflectionPad2dImpl>;
template class ReflectionPadImpl<3, ReflectionPad3dImpl>;
template class ReplicationPadImpl<1, ReplicationPad1dImpl>;
template class ReplicationPadImpl<2, ReplicationPad2dImpl>;
template class ReplicationPadImpl<3, ReplicationPad3dImpl>;
template class ConstantPadImpl<1, ConstantPad1dImpl>;
template class ConstantPadImpl<2, ConstantPad2dImpl>;
template class ConstantPadImpl<3, ConstantPad3dImpl>;

ZeroPad2dImpl::ZeroPad2dImpl(const ZeroPad2dOptions& options) : options(options) { reset(); }
void ZeroPad2dImpl::reset() {}
void ZeroPad2dImpl::pretty_print(std::ostream& stream) const {
  stream << "nabla::nn::ZeroPad2d(padding=" << fmt::format("{}", *options.padding()) << ")";
}
Tensor ZeroPad2dImpl::forward(const Tensor& input) {
  return pad_with(input, options.padding(), kConstant);
}

}  // namespace nabla::nn
