// nabla::nn::functional: the stateless forms of the layers and losses, as LibTorch's
// torch::nn::functional. Users usually alias it: `namespace F = nabla::nn::functional;`
//   F::linear(x, w, b);  F::cross_entropy(logits, target, F::CrossEntropyFuncOptions()
//                                              .label_smoothing(0.1));
// Everything here is built from differentiable nabla ops, so autograd flows through it.
#pragma once

#include "nabla/nn/options.h"
#include "nabla/tensor.h"

namespace nabla::nn::functional {

// ---- layers ------------------------------------------------------------------------------
/// input @ weight^T + bias; input [*, in], weight [out, in], bias [out].
Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias = {});
/// Zeroes elements with probability p while training and scales the rest by 1/(1-p).
Tensor dropout(Tensor input, const DropoutFuncOptions& options = {});
/// Rows of `weight` picked by the integer `input`: shape input.sizes() + [embedding_dim].
Tensor embedding(const Tensor& input, const Tensor& weight,
                 const EmbeddingFuncOptions& options = {});
/// Normalizes over the trailing `normalized_shape` dims (biased variance).
/// Sums, means or maxima of the embedding rows of each bag: bags are the rows of a 2-D input,
/// or the runs of a 1-D input starting at `offsets`. Shape [num_bags, embedding_dim]; empty
/// bags give zeros.
Tensor embedding_bag(const Tensor& input, const Tensor& weight,
                     const EmbeddingBagFuncOptions& options = {});
Tensor layer_norm(const Tensor& input, const LayerNormFuncOptions& options);
/// Normalizes each channel (dim 1) of [N, C] or [N, C, L] input. In training, uses batch
/// statistics and updates running_mean / running_var (unbiased variance) in place.
Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                  const BatchNormFuncOptions& options = {});

// ---- activations -------------------------------------------------------------------------
Tensor relu(Tensor input, const ReLUFuncOptions& options = {});
Tensor leaky_relu(Tensor input, const LeakyReLUFuncOptions& options = {});
Tensor elu(Tensor input, const ELUFuncOptions& options = {});
Tensor gelu(const Tensor& input, const GELUFuncOptions& options = {});
/// x * sigmoid(x).
Tensor silu(const Tensor& input);
Tensor softmax(const Tensor& input, const SoftmaxFuncOptions& options);
Tensor log_softmax(const Tensor& input, const LogSoftmaxFuncOptions& options);
/// softmax(-input).
Tensor softmin(const Tensor& input, const SoftminFuncOptions& options);
/// scale * elu(x, alpha) with SELU's constants (alpha 1.6733, scale 1.0507).
Tensor selu(Tensor input, const SELUFuncOptions& options = {});
/// x where x > 0, else alpha * (exp(x / alpha) - 1).
Tensor celu(Tensor input, const CELUFuncOptions& options = {});
/// min(max(x, min_val), max_val); the gradient is 1 strictly inside, as PyTorch's.
Tensor hardtanh(Tensor input, const HardtanhFuncOptions& options = {});
/// hardtanh(x, 0, 6).
Tensor relu6(Tensor input, const ReLU6FuncOptions& options = {});
/// x where |x| > lambda, else 0.
Tensor hardshrink(const Tensor& input, const HardshrinkFuncOptions& options = {});
/// x - lambda above lambda, x + lambda below -lambda, else 0.
Tensor softshrink(const Tensor& input, const SoftshrinkFuncOptions& options = {});
/// log(1 + exp(beta * x)) / beta; x where beta * x > threshold.
Tensor softplus(const Tensor& input, const SoftplusFuncOptions& options = {});
/// log(sigmoid(x)), stable for large |x|.
Tensor logsigmoid(const Tensor& input);
/// x * tanh(softplus(x)).
Tensor mish(const Tensor& input);
/// x / (1 + |x|).
Tensor softsign(const Tensor& input);
/// x - tanh(x).
Tensor tanhshrink(const Tensor& input);
/// x where x > threshold, else value.
Tensor threshold(Tensor input, const ThresholdFuncOptions& options);
/// a * sigmoid(b) for the halves a, b of input along dim.
Tensor glu(const Tensor& input, const GLUFuncOptions& options = {});
/// A sample of the Gumbel-softmax distribution over dim: softmax((logits + g) / tau), g drawn
/// from Gumbel(0, 1); with hard, the one-hot of its largest entry, differentiated as the soft
/// sample (straight-through).
struct GumbelSoftmaxFuncOptions {
  NABLA_ARG(double, tau) = 1.0;
  NABLA_ARG(bool, hard) = false;
  NABLA_ARG(int, dim) = -1;
};
Tensor gumbel_softmax(const Tensor& logits, const GumbelSoftmaxFuncOptions& options = {});
/// x where x > 0, else weight * x; weight has one element or one per channel (dim 1).
Tensor prelu(const Tensor& input, const Tensor& weight);
/// Leaky ReLU whose negative slope is drawn from U(lower, upper) per element when training
/// (nabla's generator: not PyTorch's stream), (lower + upper) / 2 otherwise.
Tensor rrelu(Tensor input, const RReLUFuncOptions& options = {});

// ---- normalization and distances -----------------------------------------------------------
/// input / max(||input||_p along dim, eps) (each vector along dim scaled to norm 1).
Tensor normalize(const Tensor& input, const NormalizeFuncOptions& options = {});
/// Cosine of the angle between x1 and x2 along dim (broadcast to a common shape): each scaled
/// by max(its 2-norm, eps), then their products summed along dim.
Tensor cosine_similarity(const Tensor& x1, const Tensor& x2,
                         const CosineSimilarityFuncOptions& options = {});
/// ||x1 - x2 + eps||_p along the last dim (of the operand with more dims).
Tensor pairwise_distance(const Tensor& x1, const Tensor& x2,
                         const PairwiseDistanceFuncOptions& options = {});

// ---- losses ------------------------------------------------------------------------------
Tensor mse_loss(const Tensor& input, const Tensor& target, const MSEFuncOptions& options = {});
Tensor l1_loss(const Tensor& input, const Tensor& target, const L1LossFuncOptions& options = {});
Tensor smooth_l1_loss(const Tensor& input, const Tensor& target,
                      const SmoothL1LossFuncOptions& options = {});
Tensor huber_loss(const Tensor& input, const Tensor& target,
                  const HuberLossFuncOptions& options = {});
/// Negative log-likelihood of log-probabilities `input` ([C], [N, C] or [N, C, d1, ...]) for
/// int64 class indices `target` ([], [N] or [N, d1, ...]).
Tensor nll_loss(const Tensor& input, const Tensor& target, const NLLLossFuncOptions& options = {});
/// nll_loss(log_softmax(input, 1), target). `target` holds class indices (int64) or, with the
/// input's shape and a floating dtype, class probabilities.
Tensor cross_entropy(const Tensor& input, const Tensor& target,
                     const CrossEntropyFuncOptions& options = {});
/// -w (t log(x) + (1 - t) log(1 - x)) for probabilities x in [0, 1] (logs clamped at -100).
Tensor binary_cross_entropy(const Tensor& input, const Tensor& target,
                            const BinaryCrossEntropyFuncOptions& options = {});
/// binary_cross_entropy(sigmoid(input), target), computed stably from the logits.
Tensor binary_cross_entropy_with_logits(
    const Tensor& input, const Tensor& target,
    const BinaryCrossEntropyWithLogitsFuncOptions& options = {});
/// max(0, -target (input1 - input2) + margin), target +1 or -1 (input1 should rank higher).
Tensor margin_ranking_loss(const Tensor& input1, const Tensor& input2, const Tensor& target,
                           const MarginRankingLossFuncOptions& options = {});
/// 1 - cos where target is 1, max(0, cos - margin) where it is -1; cos along dim 1 of [N, D]
/// inputs (dim 0 of [D] ones), as PyTorch: x1 . x2 / sqrt((|x1|^2 + 1e-12) (|x2|^2 + 1e-12)).
Tensor cosine_embedding_loss(const Tensor& input1, const Tensor& input2, const Tensor& target,
                             const CosineEmbeddingLossFuncOptions& options = {});
/// max(0, margin + ||a - p + eps||_p - ||a - n + eps||_p) along the last dim.
Tensor triplet_margin_loss(const Tensor& anchor, const Tensor& positive, const Tensor& negative,
                           const TripletMarginLossFuncOptions& options = {});
/// max(0, d(anchor, positive) - d(anchor, negative) + margin) with the options' distance
/// function d (pairwise_distance by default); anchor, positive and negative have one number of
/// dims.
Tensor triplet_margin_with_distance_loss(
    const Tensor& anchor, const Tensor& positive, const Tensor& negative,
    const TripletMarginWithDistanceLossFuncOptions& options = {});
/// log(1 + exp(-target * input)), target +1 or -1: a smooth hinge max(0, 1 - target * input).
Tensor soft_margin_loss(const Tensor& input, const Tensor& target,
                        const SoftMarginLossFuncOptions& options = {});
/// -(t log(sigmoid(x)) + (1 - t) log(sigmoid(-x))) times the class weight, averaged over the
/// last dim (the classes): one value per sample before the reduction.
Tensor multilabel_soft_margin_loss(const Tensor& input, const Tensor& target,
                                   const MultilabelSoftMarginLossFuncOptions& options = {});
/// Multi-class hinge loss of `input` ([C], or [N, C]; a 0-d input is one class) for int64
/// class indices `target` ([] or [1], or [N]): sum over i != y of
/// w[y] max(0, margin - x[y] + x[i])^p / C.
Tensor multi_margin_loss(const Tensor& input, const Tensor& target,
                         const MultiMarginLossFuncOptions& options = {});
/// Multi-label hinge loss of `input` ([C] or [N, C]) for int64 `target` of the input's shape
/// holding each sample's class indices up to the first -1: sum over those classes j and the
/// other classes i of max(0, 1 - (x[j] - x[i])) / C. A 1-D input gives a 0-d loss even with
/// kNone, as PyTorch.
Tensor multilabel_margin_loss(const Tensor& input, const Tensor& target,
                              const MultilabelMarginLossFuncOptions& options = {});
/// Poisson negative log-likelihood of `target` counts: exp(input) - target * input when the
/// input holds log-rates, input - target * log(input + eps) when it holds rates.
Tensor poisson_nll_loss(const Tensor& input, const Tensor& target,
                        const PoissonNLLLossFuncOptions& options = {});
/// Gaussian negative log-likelihood of `target` for means `input` and variances `var`:
/// 0.5 (log(v) + (input - target)^2 / v), v = var clamped to at least eps. `var` has the input's
/// shape, or its shape without the last dim, or with the last dim 1 (one variance shared by the
/// last dim). As PyTorch's F.gaussian_nll_loss; LibTorch has none.
Tensor gaussian_nll_loss(const Tensor& input, const Tensor& target, const Tensor& var,
                         const GaussianNLLLossFuncOptions& options = {});
/// input where target is 1, max(0, margin - input) where it is -1 (both where it is neither).
Tensor hinge_embedding_loss(const Tensor& input, const Tensor& target,
                            const HingeEmbeddingLossFuncOptions& options = {});
/// target * (log(target) - input), with `input` holding log-probabilities.
Tensor kl_div(const Tensor& input, const Tensor& target, const KLDivFuncOptions& options = {});
/// CTC loss of log_probs [T, N, C] (or [T, C]) against targets [N, S] (padded) or the
/// concatenated 1-D targets; input_lengths and target_lengths are integer tensors [N].
Tensor ctc_loss(const Tensor& log_probs, const Tensor& targets, const Tensor& input_lengths,
                const Tensor& target_lengths, const CTCLossFuncOptions& options = {});

}  // namespace nabla::nn::functional
