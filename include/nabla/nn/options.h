// Options of the nn layers and losses, with fluent setters as LibTorch's (TORCH_ARG):
//   nabla::nn::LinearOptions(784, 256).bias(false)
//   nabla::nn::CrossEntropyLossOptions().ignore_index(0).label_smoothing(0.1)
// nn::functional takes the same classes under LibTorch's *FuncOptions names.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "nabla/nn/module.h"
#include "nabla/nn/options/conv.h"
#include "nabla/tensor.h"

namespace nabla {

/// How a loss reduces its per-element values: LibTorch's torch::kNone / kMean / kSum
/// (kBatchMean only for kl_div: the sum divided by the batch size).
enum class Reduction : int8_t { None, Mean, Sum, BatchMean };
constexpr Reduction kNone = Reduction::None;
constexpr Reduction kMean = Reduction::Mean;
constexpr Reduction kSum = Reduction::Sum;
constexpr Reduction kBatchMean = Reduction::BatchMean;
/// "none", "mean", "sum", "batchmean".
const char* toString(Reduction r);

namespace nn {

// ---- layers ------------------------------------------------------------------------------

struct LinearOptions {
  LinearOptions(int64_t in_features, int64_t out_features)
      : in_features_(in_features), out_features_(out_features) {}
  NABLA_ARG(int64_t, in_features);
  NABLA_ARG(int64_t, out_features);
  NABLA_ARG(bool, bias) = true;
};

struct FlattenOptions {
  NABLA_ARG(int64_t, start_dim) = 1;
  NABLA_ARG(int64_t, end_dim) = -1;
};

struct UnflattenOptions {
  UnflattenOptions(int64_t dim, std::vector<int64_t> sizes) : dim_(dim), sizes_(std::move(sizes)) {}
  NABLA_ARG(int64_t, dim);
  NABLA_ARG(std::vector<int64_t>, sizes);
};

struct DropoutOptions {
  DropoutOptions(double p = 0.5) : p_(p) {}  // NOLINT: implicit, as in LibTorch
  NABLA_ARG(double, p);
  NABLA_ARG(bool, inplace) = false;
};

struct EmbeddingOptions {
  EmbeddingOptions(int64_t num_embeddings, int64_t embedding_dim)
      : num_embeddings_(num_embeddings), embedding_dim_(embedding_dim) {}
  NABLA_ARG(int64_t, num_embeddings);
  NABLA_ARG(int64_t, embedding_dim);
  /// Entries at this index get no gradient (and the row starts as zeros).
  NABLA_ARG(std::optional<int64_t>, padding_idx) = std::nullopt;
  /// Not supported yet (raises nabla::Error when set).
  NABLA_ARG(std::optional<double>, max_norm) = std::nullopt;
  NABLA_ARG(double, norm_type) = 2.;
  /// Not supported yet (raises nabla::Error when true).
  NABLA_ARG(bool, scale_grad_by_freq) = false;
  /// Not supported (nabla has no sparse tensors; raises nabla::Error when true).
  NABLA_ARG(bool, sparse) = false;
  /// Use this tensor as the weight instead of a random one.
  NABLA_ARG(Tensor, _weight) = Tensor();
};

struct EmbeddingFromPretrainedOptions {
  /// Whether the weight stays fixed (requires_grad false).
  NABLA_ARG(bool, freeze) = true;
  NABLA_ARG(std::optional<int64_t>, padding_idx) = std::nullopt;
  NABLA_ARG(std::optional<double>, max_norm) = std::nullopt;
  NABLA_ARG(double, norm_type) = 2.;
  NABLA_ARG(bool, scale_grad_by_freq) = false;
  NABLA_ARG(bool, sparse) = false;
};

/// How EmbeddingBag reduces each bag: LibTorch's torch::kSum, torch::kMean, torch::kMax.
/// nabla spells the first two as its Reduction constants, so this class takes those (kNone
/// and kBatchMean raise nabla::Error) and the enumtype::kMax tag.
class EmbeddingBagMode {
 public:
  enum class Kind : int8_t { Sum, Mean, Max };
  EmbeddingBagMode(Reduction reduction);                            // NOLINT: implicit
  constexpr EmbeddingBagMode(enumtype::kMax) : kind_(Kind::Max) {}  // NOLINT: implicit
  constexpr Kind kind() const { return kind_; }
  /// "sum", "mean" or "max".
  const char* name() const;

 private:
  Kind kind_;
};

struct EmbeddingBagOptions {
  EmbeddingBagOptions(int64_t num_embeddings, int64_t embedding_dim)
      : num_embeddings_(num_embeddings), embedding_dim_(embedding_dim) {}
  NABLA_ARG(int64_t, num_embeddings);
  NABLA_ARG(int64_t, embedding_dim);
  /// Rows looked up are first renormalized in place to at most this norm_type-norm.
  NABLA_ARG(std::optional<double>, max_norm) = std::nullopt;
  NABLA_ARG(double, norm_type) = 2.;
  /// Not supported yet (raises nabla::Error when true).
  NABLA_ARG(bool, scale_grad_by_freq) = false;
  NABLA_ARG(EmbeddingBagMode, mode) = kMean;
  /// Not supported (nabla has no sparse tensors; raises nabla::Error when true).
  NABLA_ARG(bool, sparse) = false;
  /// Use this tensor as the weight instead of a random one.
  NABLA_ARG(Tensor, _weight) = Tensor();
  /// Whether offsets has one more entry than bags, the end of the last bag (as CSR).
  NABLA_ARG(bool, include_last_offset) = false;
  /// Entries at this index are left out of their bag (and of the mean's count).
  NABLA_ARG(std::optional<int64_t>, padding_idx) = std::nullopt;
};

struct EmbeddingBagFromPretrainedOptions {
  /// Whether the weight stays fixed (requires_grad false).
  NABLA_ARG(bool, freeze) = true;
  NABLA_ARG(std::optional<double>, max_norm) = std::nullopt;
  NABLA_ARG(double, norm_type) = 2.;
  NABLA_ARG(bool, scale_grad_by_freq) = false;
  NABLA_ARG(EmbeddingBagMode, mode) = kMean;
  NABLA_ARG(bool, sparse) = false;
  NABLA_ARG(bool, include_last_offset) = false;
  NABLA_ARG(std::optional<int64_t>, padding_idx) = std::nullopt;
};

struct LayerNormOptions {
  LayerNormOptions(std::vector<int64_t> normalized_shape)  // NOLINT: implicit, as in LibTorch
      : normalized_shape_(std::move(normalized_shape)) {}
  NABLA_ARG(std::vector<int64_t>, normalized_shape);
  NABLA_ARG(double, eps) = 1e-5;
  NABLA_ARG(bool, elementwise_affine) = true;
};

struct BatchNormOptions {
  BatchNormOptions(int64_t num_features) : num_features_(num_features) {}  // NOLINT: implicit
  NABLA_ARG(int64_t, num_features);
  NABLA_ARG(double, eps) = 1e-5;
  /// Weight of the new batch in the running averages; nullopt: a cumulative average.
  NABLA_ARG(std::optional<double>, momentum) = 0.1;
  NABLA_ARG(bool, affine) = true;
  NABLA_ARG(bool, track_running_stats) = true;
};
using BatchNorm1dOptions = BatchNormOptions;

struct ReLUOptions {
  ReLUOptions(bool inplace = false) : inplace_(inplace) {}  // NOLINT: implicit
  NABLA_ARG(bool, inplace);
};

struct LeakyReLUOptions {
  NABLA_ARG(double, negative_slope) = 1e-2;
  NABLA_ARG(bool, inplace) = false;
};

struct ELUOptions {
  NABLA_ARG(double, alpha) = 1.0;
  NABLA_ARG(bool, inplace) = false;
};

struct GELUOptions {
  /// "none" (exact, with erf) or "tanh".
  NABLA_ARG(std::string, approximate) = "none";
};

struct SoftmaxOptions {
  SoftmaxOptions(int64_t dim) : dim_(dim) {}  // NOLINT: implicit, as in LibTorch
  NABLA_ARG(int64_t, dim);
};

struct LogSoftmaxOptions {
  LogSoftmaxOptions(int64_t dim) : dim_(dim) {}  // NOLINT: implicit, as in LibTorch
  NABLA_ARG(int64_t, dim);
};

struct SELUOptions {
  SELUOptions(bool inplace = false) : inplace_(inplace) {}  // NOLINT: implicit, as in LibTorch
  NABLA_ARG(bool, inplace);
};

struct CELUOptions {
  NABLA_ARG(double, alpha) = 1.0;
  NABLA_ARG(bool, inplace) = false;
};

struct ReLU6Options {
  ReLU6Options(bool inplace = false) : inplace_(inplace) {}  // NOLINT: implicit, as in LibTorch
  NABLA_ARG(bool, inplace);
};

/// Clamps to [min_val, max_val].
struct HardtanhOptions {
  NABLA_ARG(double, min_val) = -1.0;
  NABLA_ARG(double, max_val) = 1.0;
  NABLA_ARG(bool, inplace) = false;
};

struct HardshrinkOptions {
  HardshrinkOptions(double lambda = 0.5) : lambda_(lambda) {}  // NOLINT: implicit, as LibTorch
  NABLA_ARG(double, lambda);
};

struct SoftshrinkOptions {
  SoftshrinkOptions(double lambda = 0.5) : lambda_(lambda) {}  // NOLINT: implicit, as LibTorch
  NABLA_ARG(double, lambda);
};

/// log(1 + exp(beta * x)) / beta, and x itself where beta * x > threshold.
struct SoftplusOptions {
  NABLA_ARG(double, beta) = 1.0;
  NABLA_ARG(double, threshold) = 20.0;
};

/// x where x > threshold, else value.
struct ThresholdOptions {
  ThresholdOptions(double threshold, double value) : threshold_(threshold), value_(value) {}
  NABLA_ARG(double, threshold);
  NABLA_ARG(double, value);
  NABLA_ARG(bool, inplace) = false;
};

/// Splits the input in halves a, b along dim: a * sigmoid(b).
struct GLUOptions {
  GLUOptions(int64_t dim = -1) : dim_(dim) {}  // NOLINT: implicit, as in LibTorch
  NABLA_ARG(int64_t, dim);
};

/// PReLU's learned slopes: one shared, or one per channel (dim 1), each starting at init.
struct PReLUOptions {
  NABLA_ARG(int64_t, num_parameters) = 1;
  NABLA_ARG(double, init) = 0.25;
};

/// Leaky ReLU with a random slope in [lower, upper] per element while training, their mean
/// in evaluation.
struct RReLUOptions {
  NABLA_ARG(double, lower) = 1.0 / 8.0;
  NABLA_ARG(double, upper) = 1.0 / 3.0;
  NABLA_ARG(bool, inplace) = false;
};

struct SoftminOptions {
  SoftminOptions(int64_t dim) : dim_(dim) {}  // NOLINT: implicit, as in LibTorch
  NABLA_ARG(int64_t, dim);
};

// ---- distances ---------------------------------------------------------------------------

struct CosineSimilarityOptions {
  NABLA_ARG(int64_t, dim) = 1;
  NABLA_ARG(double, eps) = 1e-8;
};

struct PairwiseDistanceOptions {
  NABLA_ARG(double, p) = 2.0;
  NABLA_ARG(double, eps) = 1e-6;
  NABLA_ARG(bool, keepdim) = false;
};

// ---- losses ------------------------------------------------------------------------------

struct MSELossOptions {
  MSELossOptions(Reduction reduction = kMean) : reduction_(reduction) {}  // NOLINT: implicit
  NABLA_ARG(Reduction, reduction);
};

struct L1LossOptions {
  L1LossOptions(Reduction reduction = kMean) : reduction_(reduction) {}  // NOLINT: implicit
  NABLA_ARG(Reduction, reduction);
};

struct SmoothL1LossOptions {
  SmoothL1LossOptions(Reduction reduction = kMean) : reduction_(reduction) {}  // NOLINT
  NABLA_ARG(Reduction, reduction);
  /// Where the loss changes from quadratic to linear.
  NABLA_ARG(double, beta) = 1.0;
};

struct HuberLossOptions {
  HuberLossOptions(Reduction reduction = kMean) : reduction_(reduction) {}  // NOLINT: implicit
  NABLA_ARG(Reduction, reduction);
  NABLA_ARG(double, delta) = 1.0;
};

/// max(0, -target (x1 - x2) + margin) for targets of +1 / -1.
struct MarginRankingLossOptions {
  NABLA_ARG(double, margin) = 0.0;
  NABLA_ARG(Reduction, reduction) = kMean;
};

/// 1 - cos(x1, x2) where target is 1, max(0, cos(x1, x2) - margin) where it is -1.
struct CosineEmbeddingLossOptions {
  NABLA_ARG(double, margin) = 0.0;
  NABLA_ARG(Reduction, reduction) = kMean;
};

/// max(0, d(anchor, positive) - d(anchor, negative) + margin), d the pairwise p-distance;
/// with swap, d(anchor, negative) is replaced by d(positive, negative) where that is smaller.
struct TripletMarginLossOptions {
  NABLA_ARG(double, margin) = 1.0;
  NABLA_ARG(double, p) = 2.0;
  NABLA_ARG(double, eps) = 1e-6;
  NABLA_ARG(bool, swap) = false;
  NABLA_ARG(Reduction, reduction) = kMean;
};

/// max(0, d(anchor, positive) - d(anchor, negative) + margin) for any distance d (by default
/// F::pairwise_distance); with swap, d(anchor, negative) is replaced by d(positive, negative)
/// where that is smaller.
struct TripletMarginWithDistanceLossOptions {
  typedef std::function<Tensor(const Tensor&, const Tensor&)> distance_function_t;
  /// A nonnegative distance of two tensors, one value per triplet; nullopt: pairwise_distance.
  NABLA_ARG(std::optional<distance_function_t>, distance_function) = std::nullopt;
  NABLA_ARG(double, margin) = 1.0;
  NABLA_ARG(bool, swap) = false;
  NABLA_ARG(Reduction, reduction) = kMean;
};

/// log(1 + exp(-target * input)) for targets of +1 / -1.
struct SoftMarginLossOptions {
  SoftMarginLossOptions(Reduction reduction = kMean) : reduction_(reduction) {}  // NOLINT
  NABLA_ARG(Reduction, reduction);
};

/// Binary cross entropy of the logits `input` against 0 / 1 `target`, per class, averaged over
/// the classes (the last dim).
struct MultiLabelSoftMarginLossOptions {
  /// Rescales each class's loss, shape [C] (broadcast to the input's shape).
  NABLA_ARG(Tensor, weight) = Tensor();
  NABLA_ARG(Reduction, reduction) = kMean;
};

/// sum over classes i != y of max(0, margin - x[y] + x[i])^p / C, for the class index y.
struct MultiMarginLossOptions {
  /// 1 or 2.
  NABLA_ARG(int64_t, p) = 1;
  NABLA_ARG(double, margin) = 1.0;
  /// Rescales the loss of a sample by the weight of its target class, shape [C].
  NABLA_ARG(Tensor, weight) = Tensor();
  NABLA_ARG(Reduction, reduction) = kMean;
};

/// sum over target classes j and non-target classes i of max(0, 1 - (x[j] - x[i])) / C; the
/// targets are class indices, ended by the first -1.
struct MultiLabelMarginLossOptions {
  MultiLabelMarginLossOptions(Reduction reduction = kMean) : reduction_(reduction) {}  // NOLINT
  NABLA_ARG(Reduction, reduction);
};

/// Negative log-likelihood of a Poisson distribution: exp(input) - target * input for
/// log-rates, input - target * log(input + eps) for rates.
struct PoissonNLLLossOptions {
  /// Whether the input holds log-rates (otherwise rates).
  NABLA_ARG(bool, log_input) = true;
  /// Adds Stirling's approximation of log(target!) where target > 1:
  /// target * log(target) - target + 0.5 * log(2 pi target).
  NABLA_ARG(bool, full) = false;
  /// Keeps log(input + eps) finite at input 0 when log_input is false.
  NABLA_ARG(double, eps) = 1e-8;
  NABLA_ARG(Reduction, reduction) = kMean;
};

/// Negative log-likelihood of a Gaussian with mean `input` and variance `var`:
/// 0.5 (log(max(var, eps)) + (input - target)^2 / max(var, eps)). PyTorch's GaussianNLLLoss
/// (LibTorch has none).
struct GaussianNLLLossOptions {
  /// Adds the constant 0.5 log(2 pi).
  NABLA_ARG(bool, full) = false;
  /// Variances are clamped to at least eps (the gradient passes the clamp unchanged).
  NABLA_ARG(double, eps) = 1e-6;
  NABLA_ARG(Reduction, reduction) = kMean;
};

/// input where target is 1, max(0, margin - input) where it is -1.
struct HingeEmbeddingLossOptions {
  NABLA_ARG(double, margin) = 1.0;
  NABLA_ARG(Reduction, reduction) = kMean;
};

struct NLLLossOptions {
  /// Per-class weights, shape [C].
  NABLA_ARG(Tensor, weight) = Tensor();
  /// Targets equal to it contribute nothing, not even to the mean's denominator.
  NABLA_ARG(int64_t, ignore_index) = -100;
  NABLA_ARG(Reduction, reduction) = kMean;
};

struct CrossEntropyLossOptions {
  NABLA_ARG(Tensor, weight) = Tensor();
  NABLA_ARG(int64_t, ignore_index) = -100;
  NABLA_ARG(Reduction, reduction) = kMean;
  /// Mixes the target with the uniform distribution: (1 - s) * target + s / C.
  NABLA_ARG(double, label_smoothing) = 0.0;
};

struct BCELossOptions {
  /// Rescales each element's loss; broadcast to the input's shape.
  NABLA_ARG(Tensor, weight) = Tensor();
  NABLA_ARG(Reduction, reduction) = kMean;
};

struct BCEWithLogitsLossOptions {
  NABLA_ARG(Tensor, weight) = Tensor();
  NABLA_ARG(Reduction, reduction) = kMean;
  /// Weight of positive examples, per class (broadcast along the last dimension).
  NABLA_ARG(Tensor, pos_weight) = Tensor();
};

struct KLDivLossOptions {
  KLDivLossOptions(Reduction reduction = kMean) : reduction_(reduction) {}  // NOLINT: implicit
  /// kBatchMean gives the mathematically correct KL divergence per sample.
  NABLA_ARG(Reduction, reduction);
  /// Whether the target is given as log-probabilities.
  NABLA_ARG(bool, log_target) = false;
};

/// Connectionist temporal classification: -log of the total probability of all alignments of
/// the input's log-probabilities [T, N, C] to each target sequence.
struct CTCLossOptions {
  /// The blank label's class index.
  NABLA_ARG(int64_t, blank) = 0;
  /// kMean divides each loss by its target length (at least 1), then averages over the batch.
  NABLA_ARG(Reduction, reduction) = kMean;
  /// Infinite losses (targets no alignment can produce) and their gradients become zero.
  NABLA_ARG(bool, zero_infinity) = false;
};

namespace functional {

struct DropoutFuncOptions {
  NABLA_ARG(double, p) = 0.5;
  NABLA_ARG(bool, training) = true;
  NABLA_ARG(bool, inplace) = false;
};

struct EmbeddingFuncOptions {
  NABLA_ARG(std::optional<int64_t>, padding_idx) = std::nullopt;
  NABLA_ARG(std::optional<double>, max_norm) = std::nullopt;
  NABLA_ARG(double, norm_type) = 2.;
  NABLA_ARG(bool, scale_grad_by_freq) = false;
  NABLA_ARG(bool, sparse) = false;
};

struct EmbeddingBagFuncOptions {
  /// Start of each bag in a 1-D input; must be undefined for a 2-D input (one bag a row).
  NABLA_ARG(Tensor, offsets) = Tensor();
  NABLA_ARG(std::optional<double>, max_norm) = std::nullopt;
  NABLA_ARG(double, norm_type) = 2.;
  NABLA_ARG(bool, scale_grad_by_freq) = false;
  NABLA_ARG(EmbeddingBagMode, mode) = kMean;
  NABLA_ARG(bool, sparse) = false;
  /// One weight per index, multiplying its row (mode kSum only).
  NABLA_ARG(Tensor, per_sample_weights) = Tensor();
  NABLA_ARG(bool, include_last_offset) = false;
  NABLA_ARG(std::optional<int64_t>, padding_idx) = std::nullopt;
};

struct LayerNormFuncOptions {
  LayerNormFuncOptions(std::vector<int64_t> normalized_shape)  // NOLINT: implicit
      : normalized_shape_(std::move(normalized_shape)) {}
  NABLA_ARG(std::vector<int64_t>, normalized_shape);
  NABLA_ARG(Tensor, weight) = Tensor();
  NABLA_ARG(Tensor, bias) = Tensor();
  NABLA_ARG(double, eps) = 1e-5;
};

struct BatchNormFuncOptions {
  NABLA_ARG(Tensor, weight) = Tensor();
  NABLA_ARG(Tensor, bias) = Tensor();
  /// Normalize with the batch's statistics (and update the running ones).
  NABLA_ARG(bool, training) = false;
  NABLA_ARG(std::optional<double>, momentum) = 0.1;
  NABLA_ARG(double, eps) = 1e-5;
};

struct SoftmaxFuncOptions {
  SoftmaxFuncOptions(int64_t dim) : dim_(dim) {}  // NOLINT: implicit, as in LibTorch
  NABLA_ARG(int64_t, dim);
  /// Convert the input to this dtype first.
  NABLA_ARG(std::optional<ScalarType>, dtype) = std::nullopt;
};

struct LogSoftmaxFuncOptions {
  LogSoftmaxFuncOptions(int64_t dim) : dim_(dim) {}  // NOLINT: implicit, as in LibTorch
  NABLA_ARG(int64_t, dim);
  NABLA_ARG(std::optional<ScalarType>, dtype) = std::nullopt;
};

struct SoftminFuncOptions {
  SoftminFuncOptions(int64_t dim) : dim_(dim) {}  // NOLINT: implicit, as in LibTorch
  NABLA_ARG(int64_t, dim);
  NABLA_ARG(std::optional<ScalarType>, dtype) = std::nullopt;
};

struct RReLUFuncOptions {
  NABLA_ARG(double, lower) = 1.0 / 8.0;
  NABLA_ARG(double, upper) = 1.0 / 3.0;
  NABLA_ARG(bool, training) = false;
  NABLA_ARG(bool, inplace) = false;
};

/// F::normalize: x / max(||x||_p over dim, eps).
struct NormalizeFuncOptions {
  NABLA_ARG(double, p) = 2.0;
  NABLA_ARG(double, eps) = 1e-12;
  NABLA_ARG(int64_t, dim) = 1;
};

using ReLUFuncOptions = ReLUOptions;
using CosineSimilarityFuncOptions = CosineSimilarityOptions;
using PairwiseDistanceFuncOptions = PairwiseDistanceOptions;
using LeakyReLUFuncOptions = LeakyReLUOptions;
using ELUFuncOptions = ELUOptions;
using GELUFuncOptions = GELUOptions;
using SELUFuncOptions = SELUOptions;
using CELUFuncOptions = CELUOptions;
using ReLU6FuncOptions = ReLU6Options;
using HardtanhFuncOptions = HardtanhOptions;
using HardshrinkFuncOptions = HardshrinkOptions;
using SoftshrinkFuncOptions = SoftshrinkOptions;
using SoftplusFuncOptions = SoftplusOptions;
using ThresholdFuncOptions = ThresholdOptions;
using GLUFuncOptions = GLUOptions;
using MSELossFuncOptions = MSELossOptions;
using MSEFuncOptions = MSELossOptions;
using L1LossFuncOptions = L1LossOptions;
using SmoothL1LossFuncOptions = SmoothL1LossOptions;
using HuberLossFuncOptions = HuberLossOptions;
using NLLLossFuncOptions = NLLLossOptions;
using CrossEntropyFuncOptions = CrossEntropyLossOptions;
using BinaryCrossEntropyFuncOptions = BCELossOptions;
using BinaryCrossEntropyWithLogitsFuncOptions = BCEWithLogitsLossOptions;
using KLDivFuncOptions = KLDivLossOptions;
using MarginRankingLossFuncOptions = MarginRankingLossOptions;
using CosineEmbeddingLossFuncOptions = CosineEmbeddingLossOptions;
using TripletMarginLossFuncOptions = TripletMarginLossOptions;
using TripletMarginWithDistanceLossFuncOptions = TripletMarginWithDistanceLossOptions;
using SoftMarginLossFuncOptions = SoftMarginLossOptions;
using MultilabelSoftMarginLossFuncOptions = MultiLabelSoftMarginLossOptions;
using MultiMarginLossFuncOptions = MultiMarginLossOptions;
using MultilabelMarginLossFuncOptions = MultiLabelMarginLossOptions;
using PoissonNLLLossFuncOptions = PoissonNLLLossOptions;
using GaussianNLLLossFuncOptions = GaussianNLLLossOptions;
using HingeEmbeddingLossFuncOptions = HingeEmbeddingLossOptions;
using CTCLossFuncOptions = CTCLossOptions;

}  // namespace functional
}  // namespace nn
}  // namespace nabla
