// Loss modules, as LibTorch's: forward(input, target) calls the nn::functional loss with the
// module's options.
//   nabla::nn::CrossEntropyLoss criterion(nabla::nn::CrossEntropyLossOptions().ignore_index(0));
//   auto loss = criterion(logits, labels);
#pragma once

#include "nabla/nn/functional.h"
#include "nabla/nn/module.h"
#include "nabla/nn/options.h"

// One loss module: options, pretty_print and forward(input, target) -> F::fn(...).
#define NABLA_NN_SIMPLE_LOSS(Name, OptionsType)                                    \
  class Name##Impl : public Cloneable<Name##Impl> {                                \
   public:                                                                         \
    explicit Name##Impl(OptionsType options = {}) : options(std::move(options)) {} \
    void reset() override;                                                         \
    void pretty_print(std::ostream& stream) const override;                        \
    Tensor forward(const Tensor& input, const Tensor& target);                     \
    OptionsType options;                                                           \
  };                                                                               \
  NABLA_MODULE(Name)

namespace nabla::nn {

/// Mean squared error: (input - target)^2.
NABLA_NN_SIMPLE_LOSS(MSELoss, MSELossOptions);
/// Mean absolute error: |input - target|.
NABLA_NN_SIMPLE_LOSS(L1Loss, L1LossOptions);
/// 0.5 d^2 / beta where |d| < beta, |d| - 0.5 beta elsewhere.
NABLA_NN_SIMPLE_LOSS(SmoothL1Loss, SmoothL1LossOptions);
/// 0.5 d^2 where |d| <= delta, delta (|d| - 0.5 delta) elsewhere.
NABLA_NN_SIMPLE_LOSS(HuberLoss, HuberLossOptions);
/// Kullback-Leibler divergence of log-probabilities `input` from `target`.
NABLA_NN_SIMPLE_LOSS(KLDivLoss, KLDivLossOptions);
/// log(1 + exp(-target * input)) for targets of +1 / -1.
NABLA_NN_SIMPLE_LOSS(SoftMarginLoss, SoftMarginLossOptions);
/// Multi-label hinge loss for class indices ended by -1.
NABLA_NN_SIMPLE_LOSS(MultiLabelMarginLoss, MultiLabelMarginLossOptions);
/// Poisson negative log-likelihood: forward(input, target).
NABLA_NN_SIMPLE_LOSS(PoissonNLLLoss, PoissonNLLLossOptions);
/// input where target is 1, max(0, margin - input) where it is -1.
NABLA_NN_SIMPLE_LOSS(HingeEmbeddingLoss, HingeEmbeddingLossOptions);

/// F::ctc_loss as a module: forward(log_probs, targets, input_lengths, target_lengths).
class CTCLossImpl : public Cloneable<CTCLossImpl> {
 public:
  explicit CTCLossImpl(CTCLossOptions options = {}) : options(std::move(options)) {}
  void reset() override {}
  void pretty_print(std::ostream& stream) const override;
  Tensor forward(const Tensor& log_probs, const Tensor& targets, const Tensor& input_lengths,
                 const Tensor& target_lengths);
  CTCLossOptions options;
};
NABLA_MODULE(CTCLoss);

/// F::margin_ranking_loss as a module: forward(input1, input2, target).
class MarginRankingLossImpl : public Cloneable<MarginRankingLossImpl> {
 public:
  explicit MarginRankingLossImpl(MarginRankingLossOptions options = {})
      : options(std::move(options)) {}
  void reset() override {}
  void pretty_print(std::ostream& stream) const override;
  Tensor forward(const Tensor& input1, const Tensor& input2, const Tensor& target);
  MarginRankingLossOptions options;
};
NABLA_MODULE(MarginRankingLoss);

/// F::cosine_embedding_loss as a module: forward(input1, input2, target).
class CosineEmbeddingLossImpl : public Cloneable<CosineEmbeddingLossImpl> {
 public:
  explicit CosineEmbeddingLossImpl(CosineEmbeddingLossOptions options = {})
      : options(std::move(options)) {}
  void reset() override {}
  void pretty_print(std::ostream& stream) const override;
  Tensor forward(const Tensor& input1, const Tensor& input2, const Tensor& target);
  CosineEmbeddingLossOptions options;
};
NABLA_MODULE(CosineEmbeddingLoss);

/// F::triplet_margin_loss as a module: forward(anchor, positive, negative).
class TripletMarginLossImpl : public Cloneable<TripletMarginLossImpl> {
 public:
  explicit TripletMarginLossImpl(TripletMarginLossOptions options = {})
      : options(std::move(options)) {}
  void reset() override {}
  void pretty_print(std::ostream& stream) const override;
  Tensor forward(const Tensor& anchor, const Tensor& positive, const Tensor& negative);
  TripletMarginLossOptions options;
};
NABLA_MODULE(TripletMarginLoss);

/// F::triplet_margin_with_distance_loss as a module: forward(anchor, positive, negative).
class TripletMarginWithDistanceLossImpl : public Cloneable<TripletMarginWithDistanceLossImpl> {
 public:
  explicit TripletMarginWithDistanceLossImpl(TripletMarginWithDistanceLossOptions options = {})
      : options(std::move(options)) {}
  void reset() override {}
  void pretty_print(std::ostream& stream) const override;
  Tensor forward(const Tensor& anchor, const Tensor& positive, const Tensor& negative);
  TripletMarginWithDistanceLossOptions options;
};
NABLA_MODULE(TripletMarginWithDistanceLoss);

/// F::gaussian_nll_loss as a module: forward(input, target, var).
class GaussianNLLLossImpl : public Cloneable<GaussianNLLLossImpl> {
 public:
  explicit GaussianNLLLossImpl(GaussianNLLLossOptions options = {}) : options(std::move(options)) {}
  void reset() override {}
  void pretty_print(std::ostream& stream) const override;
  Tensor forward(const Tensor& input, const Tensor& target, const Tensor& var);
  GaussianNLLLossOptions options;
};
NABLA_MODULE(GaussianNLLLoss);

/// Multi-class hinge loss; the options' weight is registered as the buffer "weight". The
/// constructor checks p (1 or 2) and the weight (1-D), as LibTorch's.
class MultiMarginLossImpl : public Cloneable<MultiMarginLossImpl> {
 public:
  explicit MultiMarginLossImpl(MultiMarginLossOptions options = {});
  void reset() override;
  void pretty_print(std::ostream& stream) const override;
  Tensor forward(const Tensor& input, const Tensor& target);
  MultiMarginLossOptions options;
  Tensor weight;
};
NABLA_MODULE(MultiMarginLoss);

/// Per-class binary cross entropy of logits; the weight is the buffer "weight".
class MultiLabelSoftMarginLossImpl : public Cloneable<MultiLabelSoftMarginLossImpl> {
 public:
  explicit MultiLabelSoftMarginLossImpl(MultiLabelSoftMarginLossOptions options = {});
  void reset() override;
  void pretty_print(std::ostream& stream) const override;
  Tensor forward(const Tensor& input, const Tensor& target);
  MultiLabelSoftMarginLossOptions options;
  Tensor weight;
};
NABLA_MODULE(MultiLabelSoftMarginLoss);

/// Negative log-likelihood; the options' weight is registered as the buffer "weight".
class NLLLossImpl : public Cloneable<NLLLossImpl> {
 public:
  explicit NLLLossImpl(NLLLossOptions options = {});
  void reset() override;
  void pretty_print(std::ostream& stream) const override;
  Tensor forward(const Tensor& input, const Tensor& target);
  NLLLossOptions options;
  Tensor weight;
};
NABLA_MODULE(NLLLoss);

/// log_softmax + nll_loss; the options' weight is registered as the buffer "weight".
class CrossEntropyLossImpl : public Cloneable<CrossEntropyLossImpl> {
 public:
  explicit CrossEntropyLossImpl(CrossEntropyLossOptions options = {});
  void reset() override;
  void pretty_print(std::ostream& stream) const override;
  Tensor forward(const Tensor& input, const Tensor& target);
  CrossEntropyLossOptions options;
  Tensor weight;
};
NABLA_MODULE(CrossEntropyLoss);

/// Binary cross entropy of probabilities; the weight is the buffer "weight".
class BCELossImpl : public Cloneable<BCELossImpl> {
 public:
  explicit BCELossImpl(BCELossOptions options = {});
  void reset() override;
  void pretty_print(std::ostream& stream) const override;
  Tensor forward(const Tensor& input, const Tensor& target);
  BCELossOptions options;
  Tensor weight;
};
NABLA_MODULE(BCELoss);

/// Binary cross entropy of logits; weight and pos_weight are buffers.
class BCEWithLogitsLossImpl : public Cloneable<BCEWithLogitsLossImpl> {
 public:
  explicit BCEWithLogitsLossImpl(BCEWithLogitsLossOptions options = {});
  void reset() override;
  void pretty_print(std::ostream& stream) const override;
  Tensor forward(const Tensor& input, const Tensor& target);
  BCEWithLogitsLossOptions options;
  Tensor weight;
  Tensor pos_weight;
};
NABLA_MODULE(BCEWithLogitsLoss);

}  // namespace nabla::nn

#undef NABLA_NN_SIMPLE_LOSS
