// Losses: nn::functional forms (composed from differentiable ops) and the loss modules.
#include "nabla/nn/loss.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <ostream>
#include <vector>

#include "core/check.h"
#include "nabla/autograd.h"
#include "nabla/creation.h"
#include "nabla/ops.h"
#include "ops/autocast.h"
#include "ops/fused.h"
#include "ops/op_helpers.h"

namespace nabla {

const char* toString(Reduction r) {
  switch (r) {
    case Reduction::None:
      return "none";
    case Reduction::Mean:
      return "mean";
    case Reduction::Sum:
      return "sum";
    case Reduction::BatchMean:
      return "batchmean";
  }
  return "?";
}

namespace nn {
namespace functional {
namespace {

Tensor reduce(const Tensor& loss, Reduction reduction, const char* op) {
  switch (reduction) {
    case Reduction::None:
      return loss;
    case Reduction::Mean:
      return loss.mean();
    case Reduction::Sum:
      return loss.sum();
    case Reduction::BatchMean:
      break;
  }
  NABLA_ERROR("[{}] reduction '{}' is only supported by kl_div (use kMean, kSum or kNone)", op,
              toString(reduction));
}

void check_input(const Tensor& input, const Tensor& target, const char* op) {
  NABLA_CHECK(input.defined() && target.defined(), "[{}] input and target must be defined", op);
  NABLA_CHECK(input.is_floating_point(), "[{}] expected a floating point input, got dtype {}", op,
              input.scalar_type());
}

// For losses comparing input and target elementwise: they must broadcast together.
void check_pointwise(const Tensor& input, const Tensor& target, const char* op) {
  check_input(input, target, op);
  broadcast_shapes(input.sizes(), target.sizes(), op);
}

void check_same_shape(const Tensor& input, const Tensor& target, const char* op) {
  check_input(input, target, op);
  NABLA_CHECK(input.sizes() == target.sizes(),
              "[{}] target of shape {} must have the same shape as the input {}", op,
              target.sizes(), input.sizes());
}

// log(x) clamped at -100 as PyTorch's BCE, without a 0 * inf = nan gradient at x == 0.
Tensor clamped_log(const Tensor& x) {
  Tensor positive = x > 0;
  return where(positive, where(positive, x, 1.0).log(), -100.0).clamp_min(-100);
}

// ---- negative log-likelihood over class indices --------------------------------------------

// Class-index targets flattened: log-probabilities [M, C], targets [M] (int64), and the
// shape of the unreduced loss.
struct ClassTargets {
  Tensor logp;
  Tensor target;
  std::vector<int64_t> loss_shape;
  int64_t classes;
};

ClassTargets flatten_class_targets(const Tensor& input, const Tensor& target, int64_t ignore_index,
                                   const char* op) {
  check_input(input, target, op);
  NABLA_CHECK(input.dim() >= 1,
              "[{}] input must have a class dim: [C], [N, C] or [N, C, d1, ...], "
              "got a 0-d tensor",
              op);
  // Only int64, as LibTorch ("expected scalar type Long"): an int32 or uint8 target is
  // refused, not converted, so that code behaves the same in both libraries.
  NABLA_CHECK(target.scalar_type() == kLong,
              "[{}] expected target of dtype int64 (class indices), got {}; convert it with "
              ".to(kLong)",
              op, target.scalar_type());
  ClassTargets r;
  const int64_t d = input.dim();
  r.classes = input.size(d == 1 ? 0 : 1);
  if (d == 1) {
    NABLA_CHECK(target.dim() == 0,
                "[{}] for input of shape {} ([C]) the target must be 0-d, got {}", op,
                input.sizes(), target.sizes());
    r.logp = input.unsqueeze(0);
    r.target = target.unsqueeze(0);
  } else {
    std::vector<int64_t> expected = input.sizes().vec();
    expected.erase(expected.begin() + 1);
    NABLA_CHECK(target.sizes() == IntArrayRef(expected),
                "[{}] expected target of shape {} for input of shape {}, got {}", op,
                IntArrayRef(expected), input.sizes(), target.sizes());
    r.loss_shape = expected;
    if (d == 2) {
      r.logp = input;
    } else {
      // [N, C, d1, ...] -> [N, d1, ..., C] -> [M, C]
      std::vector<int64_t> perm{0};
      for (int64_t i = 2; i < d; ++i) perm.push_back(i);
      perm.push_back(1);
      r.logp = input.permute(perm).reshape({-1, r.classes});
    }
    r.target = target.reshape({-1});
  }
  r.target = r.target.to(kLong).contiguous();
  const int64_t* t = r.target.data_ptr<int64_t>();
  for (int64_t i = 0; i < r.target.numel(); ++i) {
    NABLA_CHECK(t[i] == ignore_index || (t[i] >= 0 && t[i] < r.classes),
                "[{}] target {} is out of bounds for {} classes (valid targets are 0..{}, or "
                "ignore_index {})",
                op, t[i], r.classes, r.classes - 1, ignore_index);
  }
  return r;
}

void check_class_weight(const Tensor& weight, int64_t classes, const char* op) {
  if (!weight.defined()) return;
  NABLA_CHECK(weight.dim() == 1 && weight.size(0) == classes,
              "[{}] weight must be a 1-D tensor with one entry per class ({}), got shape {}", op,
              classes, weight.sizes());
  NABLA_CHECK(weight.is_floating_point(), "[{}] weight must be floating point, got {}", op,
              weight.scalar_type());
}

// The per-target weights ([M], zero where ignored) and the picked -w * logp ([M]).
struct NllTerms {
  Tensor loss;
  Tensor target_weight;
  Tensor valid;
};

NllTerms nll_terms(const ClassTargets& ct, const Tensor& weight, int64_t ignore_index) {
  NllTerms r;
  r.valid = ct.target != ignore_index;
  Tensor safe = where(r.valid, ct.target, int64_t(0));
  Tensor picked = ct.logp.gather(1, safe.unsqueeze(1)).squeeze(1);
  r.target_weight = r.valid.to(ct.logp.scalar_type());
  if (weight.defined()) {
    r.target_weight = weight.to(ct.logp.scalar_type()).index_select(0, safe) * r.target_weight;
  }
  r.loss = -(picked * r.target_weight);
  return r;
}

// PyTorch's reduction for class-index losses: the weighted mean divides by the total weight of
// the targets that are not ignored.
Tensor reduce_nll(const Tensor& loss, const Tensor& target_weight, const ClassTargets& ct,
                  Reduction reduction, const char* op) {
  switch (reduction) {
    case Reduction::None:
      return loss.view(ct.loss_shape);
    case Reduction::Sum:
      return loss.sum();
    case Reduction::Mean:
      return loss.sum() / target_weight.sum();
    case Reduction::BatchMean:
      break;
  }
  return reduce(loss, reduction, op);
}

Tensor cross_entropy_probabilities(const Tensor& logp, const Tensor& target,
                                   const CrossEntropyFuncOptions& options, int64_t class_dim) {
  const char* op = "cross_entropy";
  NABLA_CHECK(target.sizes() == logp.sizes(),
              "[{}] class-probability targets must have the input's shape {}, got {}", op,
              logp.sizes(), target.sizes());
  NABLA_CHECK(options.ignore_index() < 0,
              "[{}] ignore_index is not supported for class-probability (floating point) targets",
              op);
  const int64_t classes = logp.size(class_dim);
  check_class_weight(options.weight(), classes, op);
  const double ls = options.label_smoothing();
  Tensor t = ls > 0 ? target * (1 - ls) + ls / double(classes) : target;
  Tensor prod = logp * t;
  if (options.weight().defined()) {
    std::vector<int64_t> wshape(static_cast<size_t>(logp.dim()), 1);
    wshape[static_cast<size_t>(class_dim)] = classes;
    prod = prod * options.weight().view(wshape);
  }
  switch (options.reduction()) {
    case Reduction::None:
      return -prod.sum({class_dim});
    case Reduction::Sum:
      return -prod.sum();
    case Reduction::Mean:
      return -prod.sum() / double(logp.numel() / std::max<int64_t>(classes, 1));
    case Reduction::BatchMean:
      break;
  }
  return reduce(prod, options.reduction(), op);
}

// ---- cross-entropy fused: log-softmax + NLL in one forward kernel and one backward node ----

// The common case: [N, C] float logits, [N] class indices, no class weights or smoothing
// (ops/fused.cpp; its composition runs where the backend has no fused cross-entropy).
bool fused_cross_entropy_applies(const Tensor& input, const Tensor& target,
                                 const CrossEntropyFuncOptions& options) {
  return input.dim() == 2 && input.is_floating_point() && target.scalar_type() == kLong &&
         target.dim() == 1 && target.size(0) == input.size(0) && !options.weight().defined() &&
         options.label_smoothing() == 0 && options.reduction() != Reduction::BatchMean;
}

nabla::detail::LossReduction loss_reduction(Reduction r) {
  using nabla::detail::LossReduction;
  return r == Reduction::None  ? LossReduction::None
         : r == Reduction::Sum ? LossReduction::Sum
                               : LossReduction::Mean;
}

}  // namespace

// ---- regression losses -------------------------------------------------------------------

Tensor mse_loss(const Tensor& input, const Tensor& target, const MSEFuncOptions& options) {
  if (nabla::detail::autocast_enabled()) {
    const Tensor x = nabla::detail::autocast_to_float(input),
                 t = nabla::detail::autocast_to_float(target);
    if (!x.is_same(input) || !t.is_same(target)) return mse_loss(x, t, options);
  }
  check_pointwise(input, target, "mse_loss");
  return reduce((input - target).square(), options.reduction(), "mse_loss");
}

Tensor l1_loss(const Tensor& input, const Tensor& target, const L1LossFuncOptions& options) {
  check_pointwise(input, target, "l1_loss");
  return reduce((input - target).abs(), options.reduction(), "l1_loss");
}

Tensor smooth_l1_loss(const Tensor& input, const Tensor& target,
                      const SmoothL1LossFuncOptions& options) {
  check_pointwise(input, target, "smooth_l1_loss");
  const double beta = options.beta();
  NABLA_CHECK(beta >= 0, "[smooth_l1_loss] beta must be non-negative, got {}", beta);
  Tensor diff = input - target;
  Tensor ad = diff.abs();
  if (beta == 0) return reduce(ad, options.reduction(), "smooth_l1_loss");
  Tensor loss = where(ad < beta, diff.square() * (0.5 / beta), ad - 0.5 * beta);
  return reduce(loss, options.reduction(), "smooth_l1_loss");
}

Tensor huber_loss(const Tensor& input, const Tensor& target, const HuberLossFuncOptions& options) {
  check_pointwise(input, target, "huber_loss");
  const double delta = options.delta();
  NABLA_CHECK(delta > 0, "[huber_loss] delta must be positive, got {}", delta);
  Tensor diff = input - target;
  Tensor ad = diff.abs();
  Tensor loss = where(ad <= delta, diff.square() * 0.5, (ad - 0.5 * delta) * delta);
  return reduce(loss, options.reduction(), "huber_loss");
}

// ---- classification losses ---------------------------------------------------------------

Tensor nll_loss(const Tensor& input, const Tensor& target, const NLLLossFuncOptions& options) {
  if (nabla::detail::autocast_enabled()) {
    const Tensor x = nabla::detail::autocast_to_float(input);
    if (!x.is_same(input)) return nll_loss(x, target, options);
  }
  const char* op = "nll_loss";
  ClassTargets ct = flatten_class_targets(input, target, options.ignore_index(), op);
  check_class_weight(options.weight(), ct.classes, op);
  NllTerms terms = nll_terms(ct, options.weight(), options.ignore_index());
  return reduce_nll(terms.loss, terms.target_weight, ct, options.reduction(), op);
}

Tensor cross_entropy(const Tensor& input, const Tensor& target,
                     const CrossEntropyFuncOptions& options) {
  if (nabla::detail::autocast_enabled()) {
    const Tensor x = nabla::detail::autocast_to_float(input),
                 t = nabla::detail::autocast_to_float(target);
    if (!x.is_same(input) || !t.is_same(target)) return cross_entropy(x, t, options);
  }
  const char* op = "cross_entropy";
  check_input(input, target, op);
  NABLA_CHECK(input.dim() >= 1,
              "[{}] input must have a class dim: [C], [N, C] or [N, C, d1, ...], "
              "got a 0-d tensor",
              op);
  const double ls = options.label_smoothing();
  NABLA_CHECK(ls >= 0 && ls <= 1, "[{}] label_smoothing must be between 0.0 and 1.0, got {}", op,
              ls);
  const int64_t class_dim = input.dim() == 1 ? 0 : 1;
  if (fused_cross_entropy_applies(input, target, options))
    return nabla::detail::fused_cross_entropy(input, target, options.ignore_index(),
                                              loss_reduction(options.reduction()));
  Tensor logp = input.log_softmax(class_dim);
  if (target.is_floating_point())
    return cross_entropy_probabilities(logp, target, options, class_dim);

  ClassTargets ct = flatten_class_targets(logp, target, options.ignore_index(), op);
  check_class_weight(options.weight(), ct.classes, op);
  NllTerms terms = nll_terms(ct, options.weight(), options.ignore_index());
  Tensor nll = reduce_nll(terms.loss, terms.target_weight, ct, options.reduction(), op);
  if (ls == 0) return nll;
  // Label smoothing adds the (weighted) mean of -logp over classes, with the nll's
  // denominator, as PyTorch.
  Tensor per_class =
      options.weight().defined() ? ct.logp * options.weight().to(ct.logp.scalar_type()) : ct.logp;
  Tensor smooth = where(terms.valid, -per_class.sum({1}), 0.0);
  Tensor smooth_reduced = reduce_nll(smooth, terms.target_weight, ct, options.reduction(), op);
  return nll * (1 - ls) + smooth_reduced * (ls / double(ct.classes));
}

Tensor binary_cross_entropy(const Tensor& input, const Tensor& target,
                            const BinaryCrossEntropyFuncOptions& options) {
  const char* op = "binary_cross_entropy";
  check_same_shape(input, target, op);
  {
    Tensor x = input.detach();
    NABLA_CHECK(!((x < 0) | (x > 1)).any().item<bool>(),
                "[{}] all elements of input should be between 0 and 1", op);
  }
  Tensor loss = -(target * clamped_log(input) + (1 - target) * clamped_log(1 - input));
  if (options.weight().defined()) {
    broadcast_shapes(options.weight().sizes(), input.sizes(), op);
    loss = loss * options.weight();
  }
  return reduce(loss, options.reduction(), op);
}

Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        const BinaryCrossEntropyWithLogitsFuncOptions& options) {
  const char* op = "binary_cross_entropy_with_logits";
  check_same_shape(input, target, op);
  Tensor log_sig = functional::logsigmoid(input);  // src/nn/activation.cpp
  if (options.pos_weight().defined()) {
    broadcast_shapes(options.pos_weight().sizes(), input.sizes(), op);
    log_sig = log_sig * ((options.pos_weight() - 1) * target + 1);
  }
  Tensor loss = (1 - target) * input - log_sig;
  if (options.weight().defined()) {
    broadcast_shapes(options.weight().sizes(), input.sizes(), op);
    loss = loss * options.weight();
  }
  return reduce(loss, options.reduction(), op);
}

Tensor kl_div(const Tensor& input, const Tensor& target, const KLDivFuncOptions& options) {
  const char* op = "kl_div";
  check_pointwise(input, target, op);
  Tensor loss;
  if (options.log_target()) {
    loss = target.exp() * (target - input);
  } else {
    // xlogy(t, t) - t * input, with 0 * log(0) = 0.
    Tensor zero = target == 0;
    Tensor xlogy = where(zero, 0.0, target * where(zero, 1.0, target).log());
    loss = xlogy - target * input;
  }
  if (options.reduction() == Reduction::BatchMean) {
    return input.dim() == 0 ? loss.sum() : loss.sum() / double(input.size(0));
  }
  return reduce(loss, options.reduction(), op);
}

// ---- losses of pairs and triplets ------------------------------------------------------------

Tensor margin_ranking_loss(const Tensor& input1, const Tensor& input2, const Tensor& target,
                           const MarginRankingLossFuncOptions& options) {
  const char* op = "margin_ranking_loss";
  check_pointwise(input1, target, op);
  check_pointwise(input2, target, op);
  broadcast_shapes(input1.sizes(), input2.sizes(), op);
  return reduce((-target * (input1 - input2) + options.margin()).clamp_min(0), options.reduction(),
                op);
}

Tensor cosine_embedding_loss(const Tensor& input1, const Tensor& input2, const Tensor& target,
                             const CosineEmbeddingLossFuncOptions& options) {
  const char* op = "cosine_embedding_loss";
  check_input(input1, target, op);
  check_input(input2, target, op);
  NABLA_CHECK(input1.sizes() == input2.sizes() && (input1.dim() == 1 || input1.dim() == 2),
              "[{}] expected inputs of one shape, [N, D] or [D], got {} and {}", op, input1.sizes(),
              input2.sizes());
  const int64_t rows = input1.dim() == 2 ? input1.size(0) : 0;
  NABLA_CHECK((input1.dim() == 2 && target.dim() == 1 && target.size(0) == rows) ||
                  (input1.dim() == 1 && target.dim() == 0),
              "[{}] expected a target of shape [{}] for inputs of shape {}, got {}", op,
              input1.dim() == 2 ? std::to_string(rows) : std::string(), input1.sizes(),
              target.sizes());
  const int64_t d = input1.dim() - 1;
  constexpr double kEps = 1e-12;  // PyTorch's EPSILON
  const Tensor dot = (input1 * input2).sum({d});
  const Tensor square1 = (input1 * input1).sum({d}) + kEps;
  const Tensor square2 = (input2 * input2).sum({d}) + kEps;
  const Tensor cos = dot / (square1 * square2).sqrt();
  const Tensor zero = zeros_like(cos);
  const Tensor loss = where(target == 1, 1 - cos, zero) +
                      where(target == -1, (cos - options.margin()).clamp_min(0), zero);
  return reduce(loss, options.reduction(), op);
}

Tensor triplet_margin_loss(const Tensor& anchor, const Tensor& positive, const Tensor& negative,
                           const TripletMarginLossFuncOptions& options) {
  const char* op = "triplet_margin_loss";
  check_input(anchor, positive, op);
  check_input(anchor, negative, op);
  NABLA_CHECK(anchor.dim() == positive.dim() && anchor.dim() == negative.dim(),
              "[{}] expected anchor, positive and negative with one number of dims, got shapes "
              "{}, {} and {}",
              op, anchor.sizes(), positive.sizes(), negative.sizes());
  const double p = options.p(), eps = options.eps();
  const Tensor to_positive = nabla::pairwise_distance(anchor, positive, p, eps);
  Tensor to_negative = nabla::pairwise_distance(anchor, negative, p, eps);
  if (options.swap())
    to_negative = minimum(to_negative, nabla::pairwise_distance(positive, negative, p, eps));
  return reduce((options.margin() + to_positive - to_negative).clamp_min(0), options.reduction(),
                op);
}

Tensor triplet_margin_with_distance_loss(const Tensor& anchor, const Tensor& positive,
                                         const Tensor& negative,
                                         const TripletMarginWithDistanceLossFuncOptions& options) {
  const char* op = "triplet_margin_with_distance_loss";
  NABLA_CHECK(anchor.defined() && positive.defined() && negative.defined(),
              "[{}] anchor, positive and negative must be defined", op);
  NABLA_CHECK(anchor.dim() == positive.dim() && anchor.dim() == negative.dim(),
              "[{}] expected anchor, positive and negative with one number of dims, got shapes "
              "{}, {} and {}",
              op, anchor.sizes(), positive.sizes(), negative.sizes());
  const auto distance = [&](const Tensor& x1, const Tensor& x2) {
    Tensor d = options.distance_function() ? (*options.distance_function())(x1, x2)
                                           : functional::pairwise_distance(x1, x2);
    NABLA_CHECK(d.defined(), "[{}] the distance function returned an undefined tensor", op);
    return d;
  };
  const Tensor to_positive = distance(anchor, positive);
  Tensor to_negative = distance(anchor, negative);
  if (options.swap()) to_negative = minimum(to_negative, distance(positive, negative));
  broadcast_shapes(to_positive.sizes(), to_negative.sizes(), op);
  return reduce((to_positive - to_negative + options.margin()).clamp_min(0), options.reduction(),
                op);
}

// ---- margin losses of labels ---------------------------------------------------------------

Tensor soft_margin_loss(const Tensor& input, const Tensor& target,
                        const SoftMarginLossFuncOptions& options) {
  const char* op = "soft_margin_loss";
  check_pointwise(input, target, op);
  // log(1 + exp(-y x)) = -log(sigmoid(y x)), which logsigmoid keeps finite for large |y x|.
  return reduce(-functional::logsigmoid(input * target), options.reduction(), op);
}

Tensor multilabel_soft_margin_loss(const Tensor& input, const Tensor& target,
                                   const MultilabelSoftMarginLossFuncOptions& options) {
  const char* op = "multilabel_soft_margin_loss";
  check_pointwise(input, target, op);
  NABLA_CHECK(input.dim() >= 1, "[{}] expected an input with a class dim ([C] or [N, C]), got {}",
              op, input.sizes());
  Tensor loss =
      -(target * functional::logsigmoid(input) + (1 - target) * functional::logsigmoid(-input));
  if (options.weight().defined()) {
    broadcast_shapes(options.weight().sizes(), input.sizes(), op);
    loss = loss * options.weight();
  }
  // The mean over the classes, the input's last dim (as PyTorch, also when the target
  // broadcasts the loss to more dims).
  const int64_t class_dim = input.dim() - 1;
  return reduce(loss.sum({class_dim}) / double(input.size(class_dim)), options.reduction(), op);
}

namespace {

// The [N, C] view of a multi-class input ([C] is one sample, a 0-d input one class), as
// PyTorch's multi_margin_loss and multilabel_margin_loss take them.
Tensor samples_by_classes(const Tensor& input, const char* op) {
  const int64_t d = input.dim();
  NABLA_CHECK((d == 2 && input.size(1) != 0) || (d == 1 && input.size(0) != 0) || d == 0,
              "[{}] expected a non-empty [C] or [N, C] input (N may be 0), got shape {}", op,
              input.sizes());
  if (d == 2) return input;
  return input.reshape({1, d == 0 ? 1 : input.size(0)});
}

void check_index_target(const Tensor& target, const char* op) {
  NABLA_CHECK(target.scalar_type() == kLong,
              "[{}] expected target of dtype int64 (class indices), got {}; convert it with "
              ".to(kLong)",
              op, target.scalar_type());
}

// Per sample of x [N, C], the sum over its targets j (the leading entries of its row of `target`
// up to the first -1) and its other classes i of max(0, 1 - (x[j] - x[i])). One [N, C] step per
// target slot (up to the largest number of targets), not an [N, C, C] tensor.
Tensor multilabel_hinge_sums(const Tensor& x, const Tensor& target, const char* op) {
  const int64_t n = x.size(0), classes = x.size(1);
  // An empty sum keeps the loss in the graph (with zero gradient) when no sample has a target.
  Tensor sums = x.narrow(1, 0, 0).sum({1});
  // Meta tensors have no targets to read; the loss's shape does not depend on them.
  if (!nabla::detail::holds_values(target)) return sums;
  // Read on the host: the slots to loop over and the masks depend on the targets.
  const Tensor t = target.cpu().contiguous();
  const int64_t* tp = t.data_ptr<int64_t>();
  for (int64_t i = 0; i < t.numel(); ++i) {
    NABLA_CHECK(tp[i] >= -1 && tp[i] < classes,
                "[{}] target {} is out of range for {} classes (valid targets are 0..{}, and -1 "
                "after the last one)",
                op, tp[i], classes, classes - 1);
  }
  std::vector<int64_t> counts(static_cast<size_t>(n), 0);
  std::vector<double> non_target(static_cast<size_t>(n * classes), 1.0);
  int64_t slots = 0;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t* row = tp + i * classes;
    int64_t k = 0;
    while (k < classes && row[k] >= 0) non_target[static_cast<size_t>(i * classes + row[k++])] = 0;
    counts[static_cast<size_t>(i)] = k;
    slots = std::max(slots, k);
  }
  // Slot j of every sample: its j-th target (0 where it has fewer) and whether it has one.
  std::vector<int64_t> slot_index(static_cast<size_t>(n * slots), 0);
  std::vector<double> slot_valid(static_cast<size_t>(n * slots), 0.0);
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < counts[static_cast<size_t>(i)]; ++j) {
      slot_index[static_cast<size_t>(j * n + i)] = tp[i * classes + j];
      slot_valid[static_cast<size_t>(j * n + i)] = 1.0;
    }
  }
  const auto on_x = TensorOptions().dtype(x.scalar_type()).device(x.device());
  const Tensor non_target_mask = tensor(non_target, on_x).view({n, classes});
  const Tensor indices =
      tensor(slot_index, TensorOptions().dtype(kLong).device(x.device())).view({slots, n, 1});
  const Tensor valid = tensor(slot_valid, on_x).view({slots, n});
  for (int64_t j = 0; j < slots; ++j) {
    const Tensor violation = (x - x.gather(1, indices.select(0, j)) + 1).clamp_min(0);
    sums = sums + (violation * non_target_mask).sum({1}) * valid.select(0, j);
  }
  return sums;
}

}  // namespace

Tensor multi_margin_loss(const Tensor& input, const Tensor& target,
                         const MultiMarginLossFuncOptions& options) {
  const char* op = "multi_margin_loss";
  check_input(input, target, op);
  const int64_t p = options.p();
  NABLA_CHECK(p == 1 || p == 2, "[{}] only p == 1 and p == 2 are supported, got p = {}", op, p);
  const Tensor x = samples_by_classes(input, op);
  const int64_t n = x.size(0), classes = x.size(1);
  check_index_target(target, op);
  NABLA_CHECK(target.dim() <= 1 && target.numel() == n,
              "[{}] expected a target of {} class index(es) ([{}], or [] for a single sample) for "
              "input of shape {}, got shape {}",
              op, n, n, input.sizes(), target.sizes());
  const Tensor& weight = options.weight();
  if (weight.defined()) {
    NABLA_CHECK(weight.dim() == 1 && weight.size(0) == classes,
                "[{}] weight must be one-dimensional with one entry per class ({}), got shape {}",
                op, classes, weight.sizes());
    NABLA_CHECK(weight.is_floating_point(), "[{}] weight must be floating point, got {}", op,
                weight.scalar_type());
  }
  if (nabla::detail::holds_values(target)) {
    const Tensor t = target.cpu().contiguous();
    const int64_t* y = t.data_ptr<int64_t>();
    for (int64_t i = 0; i < t.numel(); ++i) {
      NABLA_CHECK(y[i] >= 0 && y[i] < classes,
                  "[{}] target {} is out of range for {} classes (valid targets are 0..{})", op,
                  y[i], classes, classes - 1);
    }
  }
  const Tensor y = target.reshape({n, 1});
  Tensor h = (x - x.gather(1, y) + options.margin()).clamp_min(0);
  if (p == 2) h = h.square();
  // The target's own class is no margin violation.
  const Tensor is_target = arange(classes, TensorOptions().dtype(kLong).device(x.device())) == y;
  h = where(is_target, 0.0, h);
  if (weight.defined())
    h = h * weight.to(x.scalar_type()).index_select(0, y.reshape({n})).view({n, 1});
  Tensor loss = h.sum({1}) / double(classes);
  // PyTorch's unreduced loss of a 0-d target is 0-d.
  if (options.reduction() == Reduction::None && target.dim() == 0) return loss.view({});
  return reduce(loss, options.reduction(), op);
}

Tensor multilabel_margin_loss(const Tensor& input, const Tensor& target,
                              const MultilabelMarginLossFuncOptions& options) {
  const char* op = "multilabel_margin_loss";
  check_input(input, target, op);
  const Tensor x = samples_by_classes(input, op);
  check_index_target(target, op);
  NABLA_CHECK(input.dim() == 2 ? target.sizes() == input.sizes()
                               : target.dim() <= 1 && target.numel() == x.size(1),
              "[{}] expected a target of the input's shape {} (class indices, -1 after the last "
              "one), got {}",
              op, input.sizes(), target.sizes());
  const Tensor loss = multilabel_hinge_sums(x, target, op) / double(x.size(1));
  // PyTorch's unreduced loss of a [C] (or 0-d) input is 0-d.
  if (options.reduction() == Reduction::None && input.dim() <= 1) return loss.view({});
  return reduce(loss, options.reduction(), op);
}

Tensor hinge_embedding_loss(const Tensor& input, const Tensor& target,
                            const HingeEmbeddingLossFuncOptions& options) {
  const char* op = "hinge_embedding_loss";
  check_pointwise(input, target, op);
  // As PyTorch: a target that is neither 1 nor -1 gets both terms.
  const Tensor below_margin = (options.margin() - input).clamp_min(0);
  const Tensor loss = where(target != 1, below_margin, 0.0) + where(target != -1, input, 0.0);
  return reduce(loss, options.reduction(), op);
}

// ---- likelihoods ---------------------------------------------------------------------------

Tensor poisson_nll_loss(const Tensor& input, const Tensor& target,
                        const PoissonNLLLossFuncOptions& options) {
  const char* op = "poisson_nll_loss";
  check_pointwise(input, target, op);
  Tensor loss = options.log_input() ? input.exp() - target * input
                                    : input - target * (input + options.eps()).log();
  if (options.full()) {
    // Stirling's approximation of log(target!), only where target > 1; computed on a safe
    // stand-in elsewhere so that the gradient to the target stays finite at target 0.
    const Tensor t = target.is_floating_point() ? target : target.to(input.scalar_type());
    const Tensor above_one = t > 1;
    const Tensor safe = where(above_one, t, 2.0);
    const Tensor stirling = safe * safe.log() - safe + (safe * (2 * M_PI)).log() * 0.5;
    loss = loss + where(above_one, stirling, 0.0);
  }
  return reduce(loss, options.reduction(), op);
}

Tensor gaussian_nll_loss(const Tensor& input, const Tensor& target, const Tensor& var,
                         const GaussianNLLLossFuncOptions& options) {
  const char* op = "gaussian_nll_loss";
  check_pointwise(input, target, op);
  NABLA_CHECK(var.defined() && var.is_floating_point(),
              "[{}] expected a floating point var, got {}", op,
              var.defined() ? toString(var.scalar_type()) : "an undefined tensor");
  Tensor v = var;
  if (var.sizes() != input.sizes()) {
    // One variance for the whole last dim: var without it, or with it of size 1.
    std::vector<int64_t> lead = input.sizes().vec();
    if (!lead.empty()) lead.pop_back();
    std::vector<int64_t> var_lead = var.sizes().vec();
    if (!var_lead.empty()) var_lead.pop_back();
    if (var.sizes() == IntArrayRef(lead)) {
      v = var.unsqueeze(-1);
    } else {
      NABLA_CHECK(var.dim() >= 1 && var.size(-1) == 1 && var_lead == lead,
                  "[{}] var of shape {} does not fit the input of shape {}: expected the input's "
                  "shape, or it without the last dim ({}), or with the last dim 1",
                  op, var.sizes(), input.sizes(), IntArrayRef(lead));
    }
  }
  if (nabla::detail::holds_values(var)) {
    const Tensor smallest = var.numel() > 0 ? var.detach().min() : Tensor();
    NABLA_CHECK(!smallest.defined() || !(smallest < 0).item<bool>(),
                "[{}] var has negative entries (the smallest is {})", op,
                smallest.defined() ? smallest.item<double>() : 0.0);
  }
  // As PyTorch: the clamp to eps happens on a copy without autograd, so the gradient reaches
  // var unchanged where it was clamped.
  Tensor clamped = v.clone();
  {
    NoGradGuard no_grad;
    clamped.clamp_min_(options.eps());
  }
  Tensor loss = (clamped.log() + (input - target).square() / clamped) * 0.5;
  if (options.full()) loss = loss + 0.5 * std::log(2 * M_PI);
  return reduce(loss, options.reduction(), op);
}

// ---- connectionist temporal classification -------------------------------------------------

namespace {

void check_lengths(const Tensor& lengths, int64_t batch, const char* name) {
  NABLA_CHECK(lengths.defined(), "[ctc_loss] {} must be defined", name);
  NABLA_CHECK(isIntegralType(lengths.scalar_type(), /*includeBool=*/false),
              "[ctc_loss] {} must be integral, got dtype {}", name, lengths.scalar_type());
  NABLA_CHECK(lengths.dim() <= 1 && lengths.numel() == batch,
              "[ctc_loss] {} must be of size batch_size ({}), got shape {}", name, batch,
              lengths.sizes());
}

std::vector<int64_t> host_values(const Tensor& t) {
  const Tensor h = t.cpu().to(kLong).contiguous().reshape({-1});
  const int64_t* p = h.data_ptr<int64_t>();
  return std::vector<int64_t>(p, p + h.numel());
}

// log(sum(exp(x))) over dim 0 whose value and gradient stay clean where every entry is -inf:
// the value is -inf and the gradient zero, never NaN (the recursion reaches such entries for
// states no alignment can be in yet, or ever).
Tensor logsumexp_or_neg_inf(const Tensor& x) {
  const Tensor m = x.detach().amax({0});
  const Tensor m_finite = where(m.isinf(), 0.0, m);
  const Tensor s = (x - m_finite).exp().sum({0});
  const Tensor positive = s > 0;
  return where(positive, where(positive, s, 1.0).log(), -std::numeric_limits<double>::infinity()) +
         m_finite;
}

}  // namespace

Tensor ctc_loss(const Tensor& log_probs, const Tensor& targets, const Tensor& input_lengths,
                const Tensor& target_lengths, const CTCLossFuncOptions& options) {
  const char* op = "ctc_loss";
  NABLA_CHECK(log_probs.defined() && targets.defined(),
              "[{}] log_probs and targets must be defined", op);
  NABLA_CHECK(log_probs.is_floating_point(), "[{}] expected floating point log_probs, got dtype {}",
              op, log_probs.scalar_type());
  NABLA_CHECK(log_probs.dim() == 3 || log_probs.dim() == 2,
              "[{}] expected log_probs of shape [T, N, C] or [T, C], got {}", op,
              log_probs.sizes());
  NABLA_CHECK(targets.scalar_type() == kLong || targets.scalar_type() == kInt,
              "[{}] expected targets of dtype int64 or int32, got {}", op, targets.scalar_type());
  const bool unbatched = log_probs.dim() == 2;
  const Tensor lp = unbatched ? log_probs.unsqueeze(1) : log_probs;
  const int64_t steps = lp.size(0), batch = lp.size(1), classes = lp.size(2);
  const int64_t blank = options.blank();
  NABLA_CHECK(blank >= 0 && blank < classes, "[{}] blank must be in label range [0, {}), got {}",
              op, classes, blank);
  check_lengths(input_lengths, batch, "input_lengths");
  check_lengths(target_lengths, batch, "target_lengths");
  NABLA_CHECK(targets.dim() == 1 || (targets.dim() == 2 && !unbatched),
              "[{}] expected targets [N, S] (padded) or 1-D (concatenated), got shape {}", op,
              targets.sizes());
  NABLA_CHECK(targets.dim() == 1 || targets.size(0) == batch,
              "[{}] expected targets of batch size {}, got shape {}", op, batch, targets.sizes());
  const Reduction reduction = options.reduction();
  NABLA_CHECK(reduction != Reduction::BatchMean,
              "[{}] reduction 'batchmean' is only supported by kl_div", op);

  // Meta tensors hold no targets or lengths to read; the loss's shape does not depend on them.
  if (!nabla::detail::holds_values(targets) || !nabla::detail::holds_values(input_lengths) ||
      !nabla::detail::holds_values(target_lengths) || !nabla::detail::holds_values(lp)) {
    const Tensor shaped = lp.sum({0, 2}) * 0.0;
    if (reduction == Reduction::None) return unbatched ? shaped.view({}) : shaped;
    return shaped.sum();
  }

  const std::vector<int64_t> in_len = host_values(input_lengths);
  const std::vector<int64_t> tg_len = host_values(target_lengths);
  const std::vector<int64_t> tg = host_values(targets);
  const int64_t padded_length = targets.dim() == 2 ? targets.size(1) : 0;
  int64_t max_target = 0, concatenated = 0;
  for (int64_t b = 0; b < batch; ++b) {
    const int64_t t_len = in_len[static_cast<size_t>(b)];
    const int64_t s_len = tg_len[static_cast<size_t>(b)];
    NABLA_CHECK(t_len >= 0 && t_len <= steps,
                "[{}] expected input_lengths to have value at most {} (and at least 0), but got "
                "value {} (while checking arguments for ctc_loss)",
                op, steps, t_len);
    NABLA_CHECK(s_len >= 0, "[{}] target_lengths must be nonnegative, got {}", op, s_len);
    NABLA_CHECK(targets.dim() == 1 || s_len <= padded_length,
                "[{}] expected target_lengths to have value at most {} (the targets' dim 1), but "
                "got value {}",
                op, padded_length, s_len);
    max_target = std::max(max_target, s_len);
    concatenated += s_len;
  }
  NABLA_CHECK(targets.dim() == 2 || concatenated <= targets.numel(),
              "[{}] the concatenated targets have {} entries, fewer than the sum of target_lengths "
              "({})",
              op, targets.numel(), concatenated);

  // Extended targets: blank, l1, blank, l2, ..., blank; padded to the longest with blanks.
  const int64_t states = 2 * max_target + 1;
  std::vector<int64_t> extended(static_cast<size_t>(batch * states), blank);
  std::vector<uint8_t> skip_allowed(static_cast<size_t>(batch * states), 0);
  std::vector<int64_t> last_states(static_cast<size_t>(batch * 2), 0);
  std::vector<uint8_t> second_last_valid(static_cast<size_t>(batch), 0);
  int64_t start = 0;
  for (int64_t b = 0; b < batch; ++b) {
    const int64_t s_len = tg_len[static_cast<size_t>(b)];
    const int64_t first = targets.dim() == 2 ? b * padded_length : start;
    start += s_len;
    int64_t* ext = extended.data() + b * states;
    for (int64_t j = 0; j < s_len; ++j) {
      const int64_t label = tg[static_cast<size_t>(first + j)];
      NABLA_CHECK(label >= 0 && label < classes, "[{}] target {} is out of range for {} classes",
                  op, label, classes);
      ext[2 * j + 1] = label;
      // A label may follow the previous label directly (skipping the blank) unless it repeats.
      if (j > 0 && label != ext[2 * j - 1])
        skip_allowed[static_cast<size_t>(b * states + 2 * j + 1)] = 1;
    }
    last_states[static_cast<size_t>(2 * b)] = 2 * s_len;
    last_states[static_cast<size_t>(2 * b + 1)] = std::max<int64_t>(2 * s_len - 1, 0);
    second_last_valid[static_cast<size_t>(b)] = s_len > 0;
  }

  const auto on_lp = TensorOptions().dtype(lp.scalar_type()).device(lp.device());
  const auto long_on_lp = TensorOptions().dtype(kLong).device(lp.device());
  const auto bool_on_lp = TensorOptions().dtype(kBool).device(lp.device());
  const double neg_inf = -std::numeric_limits<double>::infinity();
  const Tensor ext_index = tensor(extended, long_on_lp).view({1, batch, states});
  // log_probs of each extended-target state at every step: [T, N, 2S+1].
  const Tensor lp_ext = lp.gather(2, ext_index.expand({steps, batch, states}).contiguous());
  const Tensor skip =
      tensor(std::vector<int64_t>(skip_allowed.begin(), skip_allowed.end()), long_on_lp)
          .view({batch, states})
          .to(kBool);
  const Tensor state_index = arange(states, long_on_lp).view({1, states});
  const Tensor in_len_t = tensor(in_len, long_on_lp).view({batch, 1});

  // alpha at step 0: only the leading blank and the first label can start an alignment. A
  // sample of input length 0 is at the (virtual) state before the first, so only an empty
  // target ends with probability 1.
  const Tensor before_start = where(state_index == 0, zeros({1, states}, on_lp), neg_inf);
  Tensor alpha = before_start.expand({batch, states});
  if (steps > 0) {
    alpha = where(in_len_t > 0, where(state_index < 2, lp_ext.select(0, 0), neg_inf), alpha);
  }
  const Tensor neg_inf_column = full({batch, 1}, neg_inf, on_lp);
  const Tensor neg_inf_columns = full({batch, 2}, neg_inf, on_lp);
  for (int64_t t = 1; t < steps; ++t) {
    const Tensor from_previous = cat({neg_inf_column, alpha.narrow(1, 0, states - 1)}, 1);
    Tensor from_skip = states > 2 ? cat({neg_inf_columns, alpha.narrow(1, 0, states - 2)}, 1)
                                  : full({batch, states}, neg_inf, on_lp);
    from_skip = where(skip, from_skip, neg_inf);
    const Tensor next =
        logsumexp_or_neg_inf(stack({alpha, from_previous, from_skip}, 0)) + lp_ext.select(0, t);
    // Samples whose input has ended keep their alpha.
    alpha = where(in_len_t > t, next, alpha);
  }

  // An alignment ends in the last label or the blank after it.
  const Tensor ends = alpha.gather(1, tensor(last_states, long_on_lp).view({batch, 2}));
  const Tensor end_valid = cat(
      {full({batch, 1}, true, bool_on_lp),
       tensor(std::vector<int64_t>(second_last_valid.begin(), second_last_valid.end()), long_on_lp)
           .view({batch, 1})
           .to(kBool)},
      1);
  Tensor loss = -logsumexp_or_neg_inf(where(end_valid, ends, neg_inf).t());
  if (options.zero_infinity()) loss = where(loss.isinf(), 0.0, loss);
  switch (reduction) {
    case Reduction::None:
      return unbatched ? loss.view({}) : loss;
    case Reduction::Sum:
      return loss.sum();
    case Reduction::Mean:
      return (loss / tensor(tg_len, long_on_lp).clamp_min(1).to(loss.scalar_type())).mean();
    case Reduction::BatchMean:
      break;
  }
  return reduce(loss, reduction, op);
}

}  // namespace functional

namespace F = functional;

// ---- modules -------------------------------------------------------------------------------

#define NABLA_NN_LOSS_BASICS(Name, fn)                                    \
  void Name##Impl::reset() {}                                             \
  void Name##Impl::pretty_print(std::ostream& stream) const {             \
    stream << "nabla::nn::" #Name "()";                                   \
  }                                                                       \
  Tensor Name##Impl::forward(const Tensor& input, const Tensor& target) { \
    return F::fn(input, target, options);                                 \
  }

NABLA_NN_LOSS_BASICS(MSELoss, mse_loss)
NABLA_NN_LOSS_BASICS(L1Loss, l1_loss)
NABLA_NN_LOSS_BASICS(SmoothL1Loss, smooth_l1_loss)
NABLA_NN_LOSS_BASICS(HuberLoss, huber_loss)
NABLA_NN_LOSS_BASICS(KLDivLoss, kl_div)
NABLA_NN_LOSS_BASICS(SoftMarginLoss, soft_margin_loss)
NABLA_NN_LOSS_BASICS(MultiLabelMarginLoss, multilabel_margin_loss)
NABLA_NN_LOSS_BASICS(PoissonNLLLoss, poisson_nll_loss)
#undef NABLA_NN_LOSS_BASICS

void CTCLossImpl::pretty_print(std::ostream& stream) const { stream << "nabla::nn::CTCLoss()"; }
Tensor CTCLossImpl::forward(const Tensor& log_probs, const Tensor& targets,
                            const Tensor& input_lengths, const Tensor& target_lengths) {
  return F::ctc_loss(log_probs, targets, input_lengths, target_lengths, options);
}

namespace {
// A reduction as LibTorch's printouts name it (enumtype::get_enum_name).
const char* enum_name(Reduction r) {
  switch (r) {
    case Reduction::None:
      return "kNone";
    case Reduction::Mean:
      return "kMean";
    case Reduction::Sum:
      return "kSum";
    case Reduction::BatchMean:
      return "kBatchMean";
  }
  return "?";
}
}  // namespace

void HingeEmbeddingLossImpl::reset() {}
void HingeEmbeddingLossImpl::pretty_print(std::ostream& stream) const {
  stream << "nabla::nn::HingeEmbeddingLoss(margin=" << options.margin() << ")";
}
Tensor HingeEmbeddingLossImpl::forward(const Tensor& input, const Tensor& target) {
  return F::hinge_embedding_loss(input, target, options);
}

void MarginRankingLossImpl::pretty_print(std::ostream& stream) const {
  stream << "nabla::nn::MarginRankingLoss()";
}
Tensor MarginRankingLossImpl::forward(const Tensor& input1, const Tensor& input2,
                                      const Tensor& target) {
  return F::margin_ranking_loss(input1, input2, target, options);
}
void CosineEmbeddingLossImpl::pretty_print(std::ostream& stream) const {
  stream << "nabla::nn::CosineEmbeddingLoss()";
}
Tensor CosineEmbeddingLossImpl::forward(const Tensor& input1, const Tensor& input2,
                                        const Tensor& target) {
  return F::cosine_embedding_loss(input1, input2, target, options);
}
void TripletMarginLossImpl::pretty_print(std::ostream& stream) const {
  stream << "nabla::nn::TripletMarginLoss(margin=" << options.margin() << ", p=" << options.p()
         << ", eps=" << options.eps() << std::boolalpha << ", swap=" << options.swap() << ")";
}
Tensor TripletMarginLossImpl::forward(const Tensor& anchor, const Tensor& positive,
                                      const Tensor& negative) {
  return F::triplet_margin_loss(anchor, positive, negative, options);
}
void TripletMarginWithDistanceLossImpl::pretty_print(std::ostream& stream) const {
  stream << "nabla::nn::TripletMarginWithDistanceLoss(margin=" << options.margin() << std::boolalpha
         << ", swap=" << options.swap() << ")";
}
Tensor TripletMarginWithDistanceLossImpl::forward(const Tensor& anchor, const Tensor& positive,
                                                  const Tensor& negative) {
  return F::triplet_margin_with_distance_loss(anchor, positive, negative, options);
}
void GaussianNLLLossImpl::pretty_print(std::ostream& stream) const {
  stream << "nabla::nn::GaussianNLLLoss()";
}
Tensor GaussianNLLLossImpl::forward(const Tensor& input, const Tensor& target, const Tensor& var) {
  return F::gaussian_nll_loss(input, target, var, options);
}

MultiMarginLossImpl::MultiMarginLossImpl(MultiMarginLossOptions options)
    : options(std::move(options)) {
  reset();
}
void MultiMarginLossImpl::reset() {
  // Checked when the module is made, as LibTorch's.
  NABLA_CHECK(options.p() == 1 || options.p() == 2,
              "[MultiMarginLoss] only p == 1 and p == 2 are supported, got p = {}", options.p());
  NABLA_CHECK(!options.weight().defined() || options.weight().dim() == 1,
              "[MultiMarginLoss] weight must be one-dimensional, got shape {}",
              options.weight().sizes());
  weight = register_buffer("weight", options.weight());
}
void MultiMarginLossImpl::pretty_print(std::ostream& stream) const {
  stream << "nabla::nn::MultiMarginLoss(p=" << options.p() << ", margin=" << options.margin()
         << ", weight=" << options.weight() << ", reduction=" << enum_name(options.reduction())
         << ")";
}
Tensor MultiMarginLossImpl::forward(const Tensor& input, const Tensor& target) {
  return F::multi_margin_loss(input, target,
                              F::MultiMarginLossFuncOptions()
                                  .p(options.p())
                                  .margin(options.margin())
                                  .weight(weight)
                                  .reduction(options.reduction()));
}

MultiLabelSoftMarginLossImpl::MultiLabelSoftMarginLossImpl(MultiLabelSoftMarginLossOptions options)
    : options(std::move(options)) {
  reset();
}
void MultiLabelSoftMarginLossImpl::reset() { weight = register_buffer("weight", options.weight()); }
void MultiLabelSoftMarginLossImpl::pretty_print(std::ostream& stream) const {
  stream << "nabla::nn::MultiLabelSoftMarginLoss()";
}
Tensor MultiLabelSoftMarginLossImpl::forward(const Tensor& input, const Tensor& target) {
  return F::multilabel_soft_margin_loss(
      input, target,
      F::MultilabelSoftMarginLossFuncOptions().weight(weight).reduction(options.reduction()));
}

NLLLossImpl::NLLLossImpl(NLLLossOptions options) : options(std::move(options)) { reset(); }
void NLLLossImpl::reset() { weight = register_buffer("weight", options.weight()); }
void NLLLossImpl::pretty_print(std::ostream& stream) const { stream << "nabla::nn::NLLLoss()"; }
Tensor NLLLossImpl::forward(const Tensor& input, const Tensor& target) {
  return F::nll_loss(input, target,
                     F::NLLLossFuncOptions()
                         .weight(weight)
                         .ignore_index(options.ignore_index())
                         .reduction(options.reduction()));
}

CrossEntropyLossImpl::CrossEntropyLossImpl(CrossEntropyLossOptions options)
    : options(std::move(options)) {
  reset();
}
void CrossEntropyLossImpl::reset() { weight = register_buffer("weight", options.weight()); }
void CrossEntropyLossImpl::pretty_print(std::ostream& stream) const {
  stream << "nabla::nn::CrossEntropyLoss()";
}
Tensor CrossEntropyLossImpl::forward(const Tensor& input, const Tensor& target) {
  return F::cross_entropy(input, target,
                          F::CrossEntropyFuncOptions()
                              .weight(weight)
                              .ignore_index(options.ignore_index())
                              .reduction(options.reduction())
                              .label_smoothing(options.label_smoothing()));
}

BCELossImpl::BCELossImpl(BCELossOptions options) : options(std::move(options)) { reset(); }
void BCELossImpl::reset() { weight = register_buffer("weight", options.weight()); }
void BCELossImpl::pretty_print(std::ostream& stream) const { stream << "nabla::nn::BCELoss()"; }
Tensor BCELossImpl::forward(const Tensor& input, const Tensor& target) {
  return F::binary_cross_entropy(
      input, target,
      F::BinaryCrossEntropyFuncOptions().weight(weight).reduction(options.reduction()));
}

BCEWithLogitsLossImpl::BCEWithLogitsLossImpl(BCEWithLogitsLossOptions options)
    : options(std::move(options)) {
  reset();
}
void BCEWithLogitsLossImpl::reset() {
  weight = register_buffer("weight", options.weight());
  pos_weight = register_buffer("pos_weight", options.pos_weight());
}
void BCEWithLogitsLossImpl::pretty_print(std::ostream& stream) const {
  stream << "nabla::nn::BCEWithLogitsLoss()";
}
Tensor BCEWithLogitsLossImpl::forward(const Tensor& input, const Tensor& target) {
  return F::binary_cross_entropy_with_logits(input, target,
                                             F::BinaryCrossEntropyWithLogitsFuncOptions()
                                                 .weight(weight)
                                                 .pos_weight(pos_weight)
                                                 .reduction(options.reduction()));
}

}  // namespace nn
}  // namespace nabla
