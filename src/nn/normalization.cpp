// BatchNorm, InstanceNorm and GroupNorm: modules, functional forms, namespace-level functions.
// Everything is composed from differentiable nabla ops (so double backward works); the
// statistics of a [N, C, *] input are per channel (batch norm), per sample and channel
// (instance norm) or per sample and group of channels (group norm).
#include "nabla/nn/normalization.h"

#include <ostream>
#include <vector>

#include "core/check.h"
#include "nabla/autograd.h"
#include "nabla/nn/init.h"
#include "nabla/ops.h"

namespace nabla {
namespace nn {
namespace functional {
namespace {

// [1, C, 1, ...]: how a per-channel vector broadcasts against [N, C, d...] input.
std::vector<int64_t> channel_shape(const Tensor& input) {
  std::vector<int64_t> shape(static_cast<size_t>(input.dim()), 1);
  shape[1] = input.size(1);
  return shape;
}

// out * weight + bias, each [C] broadcast over [N, C, *] (either may be undefined).
Tensor affine(Tensor out, const Tensor& weight, const Tensor& bias) {
  const std::vector<int64_t> cshape = channel_shape(out);
  if (weight.defined()) out = out * weight.view(cshape);
  if (bias.defined()) out = out + bias.view(cshape);
  return out;
}

void check_per_channel(const char* op, const Tensor& input, std::initializer_list<const Tensor*> ts,
                       std::initializer_list<const char*> names) {
  const int64_t channels = input.size(1);
  auto name = names.begin();
  for (const Tensor* t : ts) {
    NABLA_CHECK(!t->defined() || (t->dim() == 1 && t->size(0) == channels),
                "[{}] expected {} of shape [{}] (the channels of input {}), got {}", op, *name,
                channels, input.sizes(), t->sizes());
    ++name;
  }
}

}  // namespace

Tensor instance_norm(const Tensor& input, const InstanceNormFuncOptions& options) {
  NABLA_CHECK(input.defined(), "[instance_norm] input is undefined");
  NABLA_CHECK(input.is_floating_point(), "[instance_norm] expected a floating point input, got {}",
              input.scalar_type());
  NABLA_CHECK(input.dim() >= 3,
              "[instance_norm] expected input [N, C, *] with at least one spatial dim, got {}",
              input.sizes());
  const Tensor &rm = options.running_mean(), &rv = options.running_var();
  check_per_channel("instance_norm", input, {&rm, &rv, &options.weight(), &options.bias()},
                    {"running_mean", "running_var", "weight", "bias"});
  std::vector<int64_t> dims;
  for (int64_t d = 2; d < input.dim(); ++d) dims.push_back(d);
  const int64_t n = input.numel() / std::max<int64_t>(input.size(0) * input.size(1), 1);
  Tensor centered, var;
  if (options.use_input_stats()) {
    NABLA_CHECK(n > 1,
                "[instance_norm] expected more than 1 spatial element when training, got input "
                "of size {}",
                input.sizes());
    const Tensor mean = input.mean(dims, /*keepdim=*/true);
    centered = input - mean;
    var = centered.square().mean(dims, /*keepdim=*/true);  // biased: normalizes the instance
    NoGradGuard no_grad;
    // As PyTorch: every instance updates the running statistics, averaged over the batch;
    // the running variance is unbiased (n / (n - 1)).
    const double m = options.momentum();
    const std::vector<int64_t> nc{input.size(0), input.size(1)};
    if (rm.defined()) {
      Tensor r = rm;
      r.mul_(1 - m).add_(mean.detach().reshape(nc).mean({0}).to(r.scalar_type()), m);
    }
    if (rv.defined()) {
      Tensor r = rv;
      Tensor unbiased = var.detach().reshape(nc).mean({0}) * (double(n) / double(n - 1));
      r.mul_(1 - m).add_(unbiased.to(r.scalar_type()), m);
    }
  } else {
    NABLA_CHECK(rm.defined() && rv.defined(),
                "[instance_norm] running_mean and running_var must be defined when "
                "use_input_stats is false");
    centered = input - rm.view(channel_shape(input));
    var = rv.view(channel_shape(input));
  }
  return affine(centered * (var + options.eps()).rsqrt(), options.weight(), options.bias());
}

Tensor group_norm(const Tensor& input, const GroupNormFuncOptions& options) {
  NABLA_CHECK(input.defined(), "[group_norm] input is undefined");
  NABLA_CHECK(input.is_floating_point(), "[group_norm] expected a floating point input, got {}",
              input.scalar_type());
  NABLA_CHECK(input.dim() >= 2, "[group_norm] expected input [N, C, *], got {}", input.sizes());
  const int64_t groups = options.num_groups(), channels = input.size(1);
  NABLA_CHECK(groups > 0 && channels % groups == 0,
              "[group_norm] num_groups {} must divide the {} channels of input {}", groups,
              channels, input.sizes());
  check_per_channel("group_norm", input, {&options.weight(), &options.bias()}, {"weight", "bias"});
  // [N, G, C/G * spatial]: statistics per sample and group.
  const Tensor x = input.reshape({input.size(0), groups, -1});
  const Tensor centered = x - x.mean({2}, /*keepdim=*/true);
  const Tensor var = centered.square().mean({2}, /*keepdim=*/true);
  const Tensor out = (centered * (var + options.eps()).rsqrt()).view(input.sizes());
  return affine(out, options.weight(), options.bias());
}

}  // namespace functional

namespace F = functional;

// ---- NormImplBase ------------------------------------------------------------------------

template <size_t D, typename Derived, typename DerivedOptions>
NormImplBase<D, Derived, DerivedOptions>::NormImplBase(const DerivedOptions& options_)
    : options(options_) {
  NormImplBase::reset();
}

template <size_t D, typename Derived, typename DerivedOptions>
void NormImplBase<D, Derived, DerivedOptions>::reset() {
  const int64_t c = options.num_features();
  NABLA_CHECK(c > 0, "[{}] num_features must be positive, got {}", Derived::kName, c);
  if (options.affine()) {
    weight = this->register_parameter("weight", nabla::empty({c}));
    bias = this->register_parameter("bias", nabla::empty({c}));
  } else {
    weight = this->register_parameter("weight", Tensor(), /*requires_grad=*/false);
    bias = this->register_parameter("bias", Tensor(), /*requires_grad=*/false);
  }
  if (options.track_running_stats()) {
    running_mean = this->register_buffer("running_mean", zeros({c}));
    running_var = this->register_buffer("running_var", ones({c}));
    num_batches_tracked = this->register_buffer("num_batches_tracked", zeros({}, kLong));
  } else {
    running_mean = this->register_buffer("running_mean", Tensor());
    running_var = this->register_buffer("running_var", Tensor());
    num_batches_tracked = this->register_buffer("num_batches_tracked", Tensor());
  }
  reset_parameters();
}

template <size_t D, typename Derived, typename DerivedOptions>
void NormImplBase<D, Derived, DerivedOptions>::reset_running_stats() {
  if (!options.track_running_stats()) return;
  NoGradGuard no_grad;
  running_mean.zero_();
  running_var.fill_(1);
  num_batches_tracked.zero_();
}

template <size_t D, typename Derived, typename DerivedOptions>
void NormImplBase<D, Derived, DerivedOptions>::reset_parameters() {
  reset_running_stats();
  if (weight.defined()) init::ones_(weight);
  if (bias.defined()) init::zeros_(bias);
}

namespace {
void print_momentum(std::ostream& stream, const std::optional<double>& m) {
  if (m) {
    stream << *m;
  } else {
    stream << "None";
  }
}
}  // namespace

template <size_t D, typename Derived, typename DerivedOptions>
void NormImplBase<D, Derived, DerivedOptions>::pretty_print(std::ostream& stream) const {
  stream << std::boolalpha << "nabla::nn::" << Derived::kName << "(" << options.num_features()
         << ", eps=" << options.eps() << ", momentum=";
  print_momentum(stream, options.momentum());
  stream << ", affine=" << options.affine()
         << ", track_running_stats=" << options.track_running_stats() << ")";
}

template <size_t D, typename Derived, typename DerivedOptions>
void NormImplBase<D, Derived, DerivedOptions>::check_input(const Tensor& input, int64_t min_dim,
                                                           bool check_channels,
                                                           bool unbatched) const {
  const int64_t max_dim = static_cast<int64_t>(D) + 2;
  NABLA_CHECK(input.defined(), "[{}] input is undefined", Derived::kName);
  if (min_dim == max_dim) {
    NABLA_CHECK(input.dim() == max_dim, "[{}] expected {}D input (got {}D input of shape {})",
                Derived::kName, max_dim, input.dim(), input.sizes());
  } else {
    NABLA_CHECK(input.dim() >= min_dim && input.dim() <= max_dim,
                "[{}] expected {}D or {}D input (got {}D input of shape {})", Derived::kName,
                min_dim, max_dim, input.dim(), input.sizes());
  }
  // Channels are dim 1 of batched input and dim 0 of unbatched (instance norm) input.
  const int64_t cdim = unbatched && input.dim() < max_dim ? 0 : 1;
  if (check_channels) {
    NABLA_CHECK(input.size(cdim) == options.num_features(),
                "[{}] input of shape {} has {} channels (dim {}), expected num_features {}",
                Derived::kName, input.sizes(), input.size(cdim), cdim, options.num_features());
  }
}

// ---- BatchNorm ---------------------------------------------------------------------------

template <size_t D, typename Derived>
Tensor BatchNormImplBase<D, Derived>::forward(const Tensor& input) {
  this->check_input(input, Derived::kMinDim, /*check_channels=*/true, /*unbatched=*/false);
  const BatchNormOptions& o = this->options;
  double momentum = o.momentum().value_or(0.0);
  if (this->is_training() && o.track_running_stats()) {
    NoGradGuard no_grad;
    this->num_batches_tracked.add_(1);
    // Without a momentum the running statistics are a cumulative average over batches.
    if (!o.momentum()) momentum = 1.0 / double(this->num_batches_tracked.template item<int64_t>());
  }
  const bool use_batch_stats = this->is_training() || !o.track_running_stats();
  return F::batch_norm(input, this->running_mean, this->running_var,
                       F::BatchNormFuncOptions()
                           .weight(this->weight)
                           .bias(this->bias)
                           .training(use_batch_stats)
                           .momentum(momentum)
                           .eps(o.eps()));
}

// ---- InstanceNorm ------------------------------------------------------------------------

template <size_t D, typename Derived>
Tensor InstanceNormImpl<D, Derived>::forward(const Tensor& input) {
  const InstanceNormOptions& o = this->options;
  // Without affine weights or running statistics num_features is unused (PyTorch only warns).
  this->check_input(input, Derived::kMinDim, o.affine() || o.track_running_stats(),
                    /*unbatched=*/true);
  const bool batched = input.dim() == static_cast<int64_t>(D) + 2;
  const Tensor x = batched ? input : input.unsqueeze(0);
  Tensor out =
      F::instance_norm(x, F::InstanceNormFuncOptions()
                              .running_mean(this->running_mean)
                              .running_var(this->running_var)
                              .weight(this->weight)
                              .bias(this->bias)
                              .use_input_stats(this->is_training() || !o.track_running_stats())
                              .momentum(o.momentum())
                              .eps(o.eps()));
  return batched ? out : out.squeeze(0);
}

template class NormImplBase<1, BatchNorm1dImpl, BatchNormOptions>;
template class NormImplBase<2, BatchNorm2dImpl, BatchNormOptions>;
template class NormImplBase<3, BatchNorm3dImpl, BatchNormOptions>;
template class NormImplBase<1, InstanceNorm1dImpl, InstanceNormOptions>;
template class NormImplBase<2, InstanceNorm2dImpl, InstanceNormOptions>;
template class NormImplBase<3, InstanceNorm3dImpl, InstanceNormOptions>;
template class BatchNormImplBase<1, BatchNorm1dImpl>;
template class BatchNormImplBase<2, BatchNorm2dImpl>;
template class BatchNormImplBase<3, BatchNorm3dImpl>;
template class InstanceNormImpl<1, InstanceNorm1dImpl>;
template class InstanceNormImpl<2, InstanceNorm2dImpl>;
template class InstanceNormImpl<3, InstanceNorm3dImpl>;

// ---- GroupNorm ---------------------------------------------------------------------------

GroupNormImpl::GroupNormImpl(const GroupNormOptions& options) : options(options) { reset(); }

void GroupNormImpl::reset() {
  const int64_t g = options.num_groups(), c = options.num_channels();
  NABLA_CHECK(g > 0 && c >= 0 && c % g == 0,
              "[GroupNorm] num_groups {} must be positive and divide num_channels {}", g, c);
  if (options.affine()) {
    weight = register_parameter("weight", nabla::empty({c}));
    bias = register_parameter("bias", nabla::empty({c}));
  } else {
    weight = register_parameter("weight", Tensor(), /*requires_grad=*/false);
    bias = register_parameter("bias", Tensor(), /*requires_grad=*/false);
  }
  reset_parameters();
}

void GroupNormImpl::reset_parameters() {
  if (weight.defined()) init::ones_(weight);
  if (bias.defined()) init::zeros_(bias);
}

void GroupNormImpl::pretty_print(std::ostream& stream) const {
  stream << std::boolalpha << "nabla::nn::GroupNorm(" << options.num_groups() << ", "
         << options.num_channels() << ", eps=" << options.eps() << ", affine=" << options.affine()
         << ")";
}

Tensor GroupNormImpl::forward(const Tensor& input) {
  NABLA_CHECK(input.defined() && input.dim() >= 2 && input.size(1) == options.num_channels(),
              "[GroupNorm] expected input [N, {}, *], got {}", options.num_channels(),
              input.defined() ? input.sizes() : IntArrayRef());
  return F::group_norm(
      input,
      F::GroupNormFuncOptions(options.num_groups()).weight(weight).bias(bias).eps(options.eps()));
}

}  // namespace nn

// ---- namespace-level functions -----------------------------------------------------------

Tensor batch_norm(const Tensor& input, const Tensor& weight, const Tensor& bias,
                  const Tensor& running_mean, const Tensor& running_var, bool training,
                  double momentum, double eps, bool /*cudnn_enabled*/) {
  return nn::functional::batch_norm(input, running_mean, running_var,
                                    nn::functional::BatchNormFuncOptions()
                                        .weight(weight)
                                        .bias(bias)
                                        .training(training)
                                        .momentum(momentum)
                                        .eps(eps));
}

Tensor instance_norm(const Tensor& input, const Tensor& weight, const Tensor& bias,
                     const Tensor& running_mean, const Tensor& running_var, bool use_input_stats,
                     double momentum, double eps, bool /*cudnn_enabled*/) {
  return nn::functional::instance_norm(input, nn::functional::InstanceNormFuncOptions()
                                                  .running_mean(running_mean)
                                                  .running_var(running_var)
                                                  .weight(weight)
                                                  .bias(bias)
                                                  .use_input_stats(use_input_stats)
                                                  .momentum(momentum)
                                                  .eps(eps));
}

Tensor group_norm(const Tensor& input, int64_t num_groups, const Tensor& weight, const Tensor& bias,
                  double eps, bool /*cudnn_enabled*/) {
  return nn::functional::group_norm(
      input, nn::functional::GroupNormFuncOptions(num_groups).weight(weight).bias(bias).eps(eps));
}

// ---- local response normalization ----
namespace nn {
namespace functional {

// The squares summed over a window of `size` channels (size / 2 before, (size - 1) / 2 after,
// zeros beyond the ends) and averaged over `size`, as PyTorch's avg_pool of the padded squares.
Tensor local_response_norm(const Tensor& input, const LocalResponseNormFuncOptions& options) {
  NABLA_CHECK(input.defined() && input.dim() >= 3,
              "[local_response_norm] expected 3D or higher dimensionality input (got {} "
              "dimensions)",
              input.defined() ? input.dim() : 0);
  NABLA_CHECK(options.size() > 0, "[local_response_norm] size must be positive, got {}",
              options.size());
  if (input.numel() == 0) return input;
  const int64_t size = options.size(), channels = input.size(1);
  const int64_t before = size / 2, after = (size - 1) / 2;
  const Tensor squares = input * input;
  std::vector<int64_t> pad_shape = input.sizes().vec();
  Tensor padded = squares;
  if (before > 0) {
    pad_shape[1] = before;
    padded = cat({zeros(pad_shape, input.options().requires_grad(false)), padded}, 1);
  }
  if (after > 0) {
    pad_shape[1] = after;
    padded = cat({padded, zeros(pad_shape, input.options().requires_grad(false))}, 1);
  }
  Tensor window = padded.narrow(1, 0, channels);
  for (int64_t j = 1; j < size; ++j) window = window + padded.narrow(1, j, channels);
  const Tensor div =
      (window * (options.alpha() / static_cast<double>(size)) + options.k()).pow(options.beta());
  return input / div;
}

}  // namespace functional

LocalResponseNormImpl::LocalResponseNormImpl(const LocalResponseNormOptions& options)
    : options(options) {}

void LocalResponseNormImpl::pretty_print(std::ostream& stream) const {
  stream << "nabla::nn::LocalResponseNorm(" << options.size() << ", alpha=" << options.alpha()
         << ", beta=" << options.beta() << ", k=" << options.k() << ")";
}

Tensor LocalResponseNormImpl::forward(const Tensor& input) {
  return functional::local_response_norm(input, options);
}

}  // namespace nn

}  // namespace nabla
