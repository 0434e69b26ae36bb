// Normalization layers over channels, as LibTorch's: BatchNorm1d/2d/3d, InstanceNorm1d/2d/3d,
// GroupNorm, their functional forms and the namespace-level nabla::batch_norm & co.
//   nabla::nn::BatchNorm2d bn(nabla::nn::BatchNorm2dOptions(64).momentum(0.01));
//   auto y = bn(x);  // x [N, 64, H, W]; training: batch statistics, running ones updated
// Input is [N, C, *] (channels in dim 1, NCHW). Parameters weight/bias [C] (ones/zeros) and
// buffers running_mean/running_var [C] (zeros/ones) and num_batches_tracked (int64 scalar)
// have PyTorch's names, so PyTorch state_dicts load as they are.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "nabla/nn/functional.h"
#include "nabla/nn/module.h"
#include "nabla/nn/options.h"
#include "nabla/tensor.h"

namespace nabla {
namespace nn {

// ---- options -----------------------------------------------------------------------------

using BatchNorm2dOptions = BatchNormOptions;
using BatchNorm3dOptions = BatchNormOptions;

struct InstanceNormOptions {
  InstanceNormOptions(int64_t num_features) : num_features_(num_features) {}  // NOLINT: implicit
  NABLA_ARG(int64_t, num_features);
  NABLA_ARG(double, eps) = 1e-5;
  NABLA_ARG(double, momentum) = 0.1;
  NABLA_ARG(bool, affine) = false;
  NABLA_ARG(bool, track_running_stats) = false;
};
using InstanceNorm1dOptions = InstanceNormOptions;
using InstanceNorm2dOptions = InstanceNormOptions;
using InstanceNorm3dOptions = InstanceNormOptions;

struct GroupNormOptions {
  GroupNormOptions(int64_t num_groups, int64_t num_channels)
      : num_groups_(num_groups), num_channels_(num_channels) {}
  NABLA_ARG(int64_t, num_groups);
  NABLA_ARG(int64_t, num_channels);
  NABLA_ARG(double, eps) = 1e-5;
  NABLA_ARG(bool, affine) = true;
};

namespace functional {

struct InstanceNormFuncOptions {
  NABLA_ARG(Tensor, running_mean) = Tensor();
  NABLA_ARG(Tensor, running_var) = Tensor();
  NABLA_ARG(Tensor, weight) = Tensor();
  NABLA_ARG(Tensor, bias) = Tensor();
  /// Normalize with each instance's own statistics (else with the running ones).
  NABLA_ARG(bool, use_input_stats) = true;
  NABLA_ARG(double, momentum) = 0.1;
  NABLA_ARG(double, eps) = 1e-5;
};

struct GroupNormFuncOptions {
  GroupNormFuncOptions(int64_t num_groups) : num_groups_(num_groups) {}  // NOLINT: implicit
  NABLA_ARG(int64_t, num_groups);
  NABLA_ARG(Tensor, weight) = Tensor();
  NABLA_ARG(Tensor, bias) = Tensor();
  NABLA_ARG(double, eps) = 1e-5;
};

/// Normalizes each (sample, channel) of [N, C, *] input over its spatial dims; with
/// running_mean/var and use_input_stats, updates them with the mean over the batch.
Tensor instance_norm(const Tensor& input, const InstanceNormFuncOptions& options = {});
/// Normalizes [N, C, *] input over each group of C / num_groups channels and the spatial dims,
/// then scales and shifts per channel.
Tensor group_norm(const Tensor& input, const GroupNormFuncOptions& options);

}  // namespace functional

// ---- modules -----------------------------------------------------------------------------

/// What BatchNorm and InstanceNorm share: options, weight/bias (when affine), running
/// statistics (when track_running_stats). D is the number of spatial dims of a sample.
template <size_t D, typename Derived, typename DerivedOptions>
class NormImplBase : public Cloneable<Derived> {
 public:
  explicit NormImplBase(const DerivedOptions& options_);
  void reset() override;
  /// running_mean 0, running_var 1, num_batches_tracked 0.
  void reset_running_stats();
  void reset_parameters();
  void pretty_print(std::ostream& stream) const override;

  DerivedOptions options;
  Tensor weight;
  Tensor bias;
  Tensor running_mean;
  Tensor running_var;
  /// int64 scalar, counts training forward calls (as PyTorch's buffer).
  Tensor num_batches_tracked;

 protected:
  /// Raises `[<Layer>] ...` unless input has min_dim..D+2 dims and num_features channels (in
  /// dim 0 when `unbatched` allows input without the batch dim, D+1 dims, else in dim 1).
  void check_input(const Tensor& input, int64_t min_dim, bool check_channels, bool unbatched) const;
};

/// Batch normalization: statistics over every dim but the channel dim (1).
template <size_t D, typename Derived>
class BatchNormImplBase : public NormImplBase<D, Derived, BatchNormOptions> {
 public:
  using NormImplBase<D, Derived, BatchNormOptions>::NormImplBase;
  Tensor forward(const Tensor& input);
};

/// [N, C] or [N, C, L].
class BatchNorm1dImpl : public BatchNormImplBase<1, BatchNorm1dImpl> {
 public:
  using BatchNormImplBase<1, BatchNorm1dImpl>::BatchNormImplBase;
  static constexpr const char* kName = "BatchNorm1d";
  static constexpr int64_t kMinDim = 2;
};
NABLA_MODULE(BatchNorm1d);

/// [N, C, H, W].
class BatchNorm2dImpl : public BatchNormImplBase<2, BatchNorm2dImpl> {
 public:
  using BatchNormImplBase<2, BatchNorm2dImpl>::BatchNormImplBase;
  static constexpr const char* kName = "BatchNorm2d";
  static constexpr int64_t kMinDim = 4;
};
NABLA_MODULE(BatchNorm2d);

/// [N, C, D, H, W].
class BatchNorm3dImpl : public BatchNormImplBase<3, BatchNorm3dImpl> {
 public:
  using BatchNormImplBase<3, BatchNorm3dImpl>::BatchNormImplBase;
  static constexpr const char* kName = "BatchNorm3d";
  static constexpr int64_t kMinDim = 5;
};
NABLA_MODULE(BatchNorm3d);

/// Instance normalization: statistics per sample and channel over the spatial dims. Input
/// without the batch dim ([C, *]) is taken as one sample, as LibTorch does.
template <size_t D, typename Derived>
class InstanceNormImpl : public NormImplBase<D, Derived, InstanceNormOptions> {
 public:
  using NormImplBase<D, Derived, InstanceNormOptions>::NormImplBase;
  Tensor forward(const Tensor& input);
};

/// [N, C, L] or [C, L].
class InstanceNorm1dImpl : public InstanceNormImpl<1, InstanceNorm1dImpl> {
 public:
  using InstanceNormImpl<1, InstanceNorm1dImpl>::InstanceNormImpl;
  static constexpr const char* kName = "InstanceNorm1d";
  static constexpr int64_t kMinDim = 2;
};
NABLA_MODULE(InstanceNorm1d);

/// [N, C, H, W] or [C, H, W].
class InstanceNorm2dImpl : public InstanceNormImpl<2, InstanceNorm2dImpl> {
 public:
  using InstanceNormImpl<2, InstanceNorm2dImpl>::InstanceNormImpl;
  static constexpr const char* kName = "InstanceNorm2d";
  static constexpr int64_t kMinDim = 3;
};
NABLA_MODULE(InstanceNorm2d);

/// [N, C, D, H, W] or [C, D, H, W].
class InstanceNorm3dImpl : public InstanceNormImpl<3, InstanceNorm3dImpl> {
 public:
  using InstanceNormImpl<3, InstanceNorm3dImpl>::InstanceNormImpl;
  static constexpr const char* kName = "InstanceNorm3d";
  static constexpr int64_t kMinDim = 4;
};
NABLA_MODULE(InstanceNorm3d);

/// Group normalization of [N, C, *] input: weight ones and bias zeros of shape [C] (affine).
class GroupNormImpl : public Cloneable<GroupNormImpl> {
 public:
  GroupNormImpl(int64_t num_groups, int64_t num_channels)
      : GroupNormImpl(GroupNormOptions(num_groups, num_channels)) {}
  explicit GroupNormImpl(const GroupNormOptions& options);
  void reset() override;
  void reset_parameters();
  void pretty_print(std::ostream& stream) const override;
  Tensor forward(const Tensor& input);

  GroupNormOptions options;
  Tensor weight;
  Tensor bias;
};
NABLA_MODULE(GroupNorm);

/// Normalization of each element of [N, C, *] input by the squares of its `size` neighbouring
/// channels: x / (k + alpha / size * sum of x^2 over the window)^beta (AlexNet's).
struct LocalResponseNormOptions {
  LocalResponseNormOptions(int64_t size) : size_(size) {}  // NOLINT: implicit, as in LibTorch
  NABLA_ARG(int64_t, size);
  NABLA_ARG(double, alpha) = 1e-4;
  NABLA_ARG(double, beta) = 0.75;
  NABLA_ARG(double, k) = 1.;
};
namespace functional {
using LocalResponseNormFuncOptions = LocalResponseNormOptions;
Tensor local_response_norm(const Tensor& input, const LocalResponseNormFuncOptions& options);
}  // namespace functional

class LocalResponseNormImpl : public Cloneable<LocalResponseNormImpl> {
 public:
  LocalResponseNormImpl(int64_t size) : LocalResponseNormImpl(LocalResponseNormOptions(size)) {}
  explicit LocalResponseNormImpl(const LocalResponseNormOptions& options);
  void reset() override {}
  void pretty_print(std::ostream& stream) const override;
  Tensor forward(const Tensor& input);

  LocalResponseNormOptions options;
};
NABLA_MODULE(LocalResponseNorm);

extern template class NormImplBase<1, BatchNorm1dImpl, BatchNormOptions>;
extern template class NormImplBase<2, BatchNorm2dImpl, BatchNormOptions>;
extern template class NormImplBase<3, BatchNorm3dImpl, BatchNormOptions>;
extern template class NormImplBase<1, InstanceNorm1dImpl, InstanceNormOptions>;
extern template class NormImplBase<2, InstanceNorm2dImpl, InstanceNormOptions>;
extern template class NormImplBase<3, InstanceNorm3dImpl, InstanceNormOptions>;
extern template class BatchNormImplBase<1, BatchNorm1dImpl>;
extern template class BatchNormImplBase<2, BatchNorm2dImpl>;
extern template class BatchNormImplBase<3, BatchNorm3dImpl>;
extern template class InstanceNormImpl<1, InstanceNorm1dImpl>;
extern template class InstanceNormImpl<2, InstanceNorm2dImpl>;
extern template class InstanceNormImpl<3, InstanceNorm3dImpl>;

}  // namespace nn

// ---- namespace-level functions, as torch::batch_norm & co. -------------------------------

/// torch::batch_norm: weight, bias, running_mean, running_var may be undefined tensors.
/// cudnn_enabled is accepted for source compatibility and ignored.
Tensor batch_norm(const Tensor& input, const Tensor& weight, const Tensor& bias,
                  const Tensor& running_mean, const Tensor& running_var, bool training,
                  double momentum, double eps, bool cudnn_enabled = true);
/// torch::instance_norm.
Tensor instance_norm(const Tensor& input, const Tensor& weight, const Tensor& bias,
                     const Tensor& running_mean, const Tensor& running_var, bool use_input_stats,
                     double momentum, double eps, bool cudnn_enabled = true);
/// torch::group_norm.
Tensor group_norm(const Tensor& input, int64_t num_groups, const Tensor& weight = {},
                  const Tensor& bias = {}, double eps = 1e-5, bool cudnn_enabled = true);

}  // namespace nabla
