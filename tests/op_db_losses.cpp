// Op-table rows of the losses (see op_db.h), kept apart from op_db.cpp's long list. Targets are
// constants written in both the PyTorch expression and the nabla function.
#include <nabla/nn.h>

#include "op_db.h"

namespace nabla::testing {
namespace {
using V = std::vector<Tensor>;
namespace F = nabla::nn::functional;

// Floating targets of x's dtype and device.
Tensor values_like(const Tensor& x, const detail::TensorDataContainer& data) {
  return tensor(data, TensorOptions().dtype(x.scalar_type()).device(x.device()));
}

// int64 targets (class indices) on x's device.
Tensor indices_like(const Tensor& x, const detail::TensorDataContainer& data) {
  return tensor(data, TensorOptions().dtype(kLong).device(x.device()));
}

Tensor signs(const Tensor& x) {
  return values_like(x, {{1.0, -1.0, 1.0, -1.0}, {-1.0, -1.0, 1.0, 1.0}, {1.0, 1.0, -1.0, 1.0}});
}

Tensor labels(const Tensor& x) {
  return values_like(x, {{1.0, 0.0, 1.0, 0.0}, {0.0, 0.0, 1.0, 1.0}, {1.0, 1.0, 0.0, 0.0}});
}

Tensor counts(const Tensor& x) {
  return values_like(x, {{0.0, 1.0, 2.0, 3.0}, {4.0, 0.0, 1.0, 5.0}, {2.0, 2.0, 0.0, 1.0}});
}

}  // namespace

std::vector<OpInfo> loss_rows() {
  const Domain Pos = Domain::Positive, NZ = Domain::NonZero;
  // PyTorch's spellings of the constant targets above.
  const std::string signs_py =
      "T.tensor([[1., -1., 1., -1.], [-1., -1., 1., 1.], [1., 1., -1., 1.]])";
  const std::string labels_py = "T.tensor([[1., 0., 1., 0.], [0., 0., 1., 1.], [1., 1., 0., 0.]])";
  const std::string counts_py = "T.tensor([[0., 1., 2., 3.], [4., 0., 1., 5.], [2., 2., 0., 1.]])";
  return {
      {"soft_margin_loss",
       "F.soft_margin_loss(x[0], " + signs_py + ")",
       {{3, 4}},
       [](const V& x) { return V{F::soft_margin_loss(x[0], signs(x[0]))}; }},
      {"soft_margin_loss_none",
       "F.soft_margin_loss(x[0] * 3, " + signs_py + ", reduction='none')",
       {{3, 4}},
       [](const V& x) { return V{F::soft_margin_loss(x[0] * 3, signs(x[0]), kNone)}; }},
      {"multilabel_soft_margin_loss",
       "F.multilabel_soft_margin_loss(x[0], " + labels_py + ")",
       {{3, 4}},
       [](const V& x) { return V{F::multilabel_soft_margin_loss(x[0], labels(x[0]))}; }},
      {"multilabel_soft_margin_loss_weight_none",
       "F.multilabel_soft_margin_loss(x[0], " + labels_py +
           ", weight=T.tensor([1.0, 0.5, 2.0, 1.5]), reduction='none')",
       {{3, 4}},
       [](const V& x) {
         return V{
             F::multilabel_soft_margin_loss(x[0], labels(x[0]),
                                            F::MultilabelSoftMarginLossFuncOptions()
                                                .weight(values_like(x[0], {1.0, 0.5, 2.0, 1.5}))
                                                .reduction(kNone))};
       }},
      {"multi_margin_loss",
       "F.multi_margin_loss(x[0], idx([2, 0, 3]))",
       {{3, 4}},
       [](const V& x) {
         return V{F::multi_margin_loss(x[0], indices_like(x[0], {2, 0, 3}))};
       }},
      {"multi_margin_loss_p2_weight_sum",
       "F.multi_margin_loss(x[0], idx([2, 0, 3]), p=2, margin=0.7, "
       "weight=T.tensor([1.0, 0.5, 2.0, 1.5]), reduction='sum')",
       {{3, 4}},
       [](const V& x) {
         return V{F::multi_margin_loss(x[0], indices_like(x[0], {2, 0, 3}),
                                       F::MultiMarginLossFuncOptions()
                                           .p(2)
                                           .margin(0.7)
                                           .weight(values_like(x[0], {1.0, 0.5, 2.0, 1.5}))
                                           .reduction(kSum))};
       }},
      {"multi_margin_loss_1d_none",
       "F.multi_margin_loss(x[0], idx(1), margin=2.0, reduction='none')",
       {{4}},
       [](const V& x) {
         return V{
             F::multi_margin_loss(x[0], indices_like(x[0], int64_t(1)),
                                  F::MultiMarginLossFuncOptions().margin(2.0).reduction(kNone))};
       }},
      // Padding after each sample's last target (-1, then anything), a repeated target, a sample
      // with every class but one a target, and one without targets.
      {"multilabel_margin_loss_none",
       "F.multilabel_margin_loss(x[0], idx([[3, 0, -1, 1, 1], [4, -1, 0, 0, 0], [2, 2, -1, 0, 0], "
       "[1, 3, 4, 0, -1], [-1, 3, 3, 3, 3]]), reduction='none')",
       {{5, 5}},
       [](const V& x) {
         Tensor target = indices_like(x[0], {{3, 0, -1, 1, 1},
                                             {4, -1, 0, 0, 0},
                                             {2, 2, -1, 0, 0},
                                             {1, 3, 4, 0, -1},
                                             {-1, 3, 3, 3, 3}});
         return V{F::multilabel_margin_loss(x[0], target, kNone)};
       }},
      {"multilabel_margin_loss",
       "F.multilabel_margin_loss(x[0], idx([[0, 2, -1, 1], [3, -1, 1, 1]]))",
       {{2, 4}},
       [](const V& x) {
         return V{
             F::multilabel_margin_loss(x[0], indices_like(x[0], {{0, 2, -1, 1}, {3, -1, 1, 1}}))};
       }},
      {"multilabel_margin_loss_1d",
       "F.multilabel_margin_loss(x[0], idx([1, 3, -1, 0]), reduction='none')",
       {{4}},
       [](const V& x) {
         return V{F::multilabel_margin_loss(x[0], indices_like(x[0], {1, 3, -1, 0}), kNone)};
       }},
      {"poisson_nll_loss",
       "F.poisson_nll_loss(x[0], " + counts_py + ")",
       {{3, 4}},
       [](const V& x) { return V{F::poisson_nll_loss(x[0], counts(x[0]))}; }},
      {"poisson_nll_loss_full_none",
       "F.poisson_nll_loss(x[0], " + counts_py + ", full=True, reduction='none')",
       {{3, 4}},
       [](const V& x) {
         return V{F::poisson_nll_loss(x[0], counts(x[0]),
                                      F::PoissonNLLLossFuncOptions().full(true).reduction(kNone))};
       }},
      {"poisson_nll_loss_rates_full_sum",
       "F.poisson_nll_loss(x[0], " + counts_py +
           ", log_input=False, full=True, eps=0.01, "
           "reduction='sum')",
       {{3, 4}},
       [](const V& x) {
         return V{F::poisson_nll_loss(
             x[0], counts(x[0]),
             F::PoissonNLLLossFuncOptions().log_input(false).full(true).eps(0.01).reduction(kSum))};
       },
       Pos},
      // x[0] is the mean, x[1] the variance (positive: no clamping, which gradcheck would see).
      {"gaussian_nll_loss",
       "F.gaussian_nll_loss(x[0], " + counts_py + ", x[1])",
       {{3, 4}, {3, 4}},
       [](const V& x) { return V{F::gaussian_nll_loss(x[0], counts(x[0]), x[1])}; },
       Pos},
      {"gaussian_nll_loss_var_one_fewer_dim_full_sum",
       "F.gaussian_nll_loss(x[0], " + counts_py + ", x[1], full=True, reduction='sum')",
       {{3, 4}, {3}},
       [](const V& x) {
         return V{F::gaussian_nll_loss(x[0], counts(x[0]), x[1],
                                       F::GaussianNLLLossFuncOptions().full(true).reduction(kSum))};
       },
       Pos},
      {"gaussian_nll_loss_var_last_dim_1_none",
       "F.gaussian_nll_loss(x[0], " + counts_py + ", x[1], reduction='none')",
       {{3, 4}, {3, 1}},
       [](const V& x) {
         return V{F::gaussian_nll_loss(x[0], counts(x[0]), x[1],
                                       F::GaussianNLLLossFuncOptions().reduction(kNone))};
       },
       Pos},
      {"hinge_embedding_loss",
       "F.hinge_embedding_loss(x[0], " + signs_py + ", margin=1.5)",
       {{3, 4}},
       [](const V& x) {
         return V{F::hinge_embedding_loss(x[0], signs(x[0]),
                                          F::HingeEmbeddingLossFuncOptions().margin(1.5))};
       }},
      {"hinge_embedding_loss_none",
       "F.hinge_embedding_loss(x[0], " + signs_py + ", reduction='none')",
       {{3, 4}},
       [](const V& x) {
         return V{F::hinge_embedding_loss(x[0], signs(x[0]),
                                          F::HingeEmbeddingLossFuncOptions().reduction(kNone))};
       }},
      {"triplet_margin_with_distance_loss",
       "F.triplet_margin_with_distance_loss(x[0], x[1], x[2], margin=5.0, reduction='none')",
       {{3, 4}, {3, 4}, {3, 4}},
       [](const V& x) {
         return V{F::triplet_margin_with_distance_loss(
             x[0], x[1], x[2],
             F::TripletMarginWithDistanceLossFuncOptions().margin(5.0).reduction(kNone))};
       }},
      {"triplet_margin_with_distance_loss_cosine_swap",
       "F.triplet_margin_with_distance_loss(x[0], x[1], x[2], distance_function=lambda a, b: 1 - "
       "F.cosine_similarity(a, b), margin=0.5, swap=True, reduction='sum')",
       {{3, 4}, {3, 4}, {3, 4}},
       [](const V& x) {
         const auto cosine_distance = [](const Tensor& a, const Tensor& b) {
           return 1 - F::cosine_similarity(a, b);
         };
         return V{F::triplet_margin_with_distance_loss(x[0], x[1], x[2],
                                                       F::TripletMarginWithDistanceLossFuncOptions()
                                                           .distance_function(cosine_distance)
                                                           .margin(0.5)
                                                           .swap(true)
                                                           .reduction(kSum))};
       },
       NZ},
      // CTC: the log-probabilities are log_softmax of the input, as PyTorch's own tests do:
      // PyTorch's backward assumes log_probs normalized over the classes (nabla's is the exact
      // derivative; the two agree through log_softmax). A repeated label (3, 3) needs a blank
      // between its copies. PyTorch's ctc_loss and embedding_bag are not twice differentiable
      // (their backward has no derivative); nabla's compositions are, so the rows keep grad_grad.
      {"ctc_loss",
       "F.ctc_loss(x[0].log_softmax(2), idx([[1, 2], [3, 3]]), idx([5, 4]), idx([2, 2]))",
       {{5, 2, 4}},
       [](const V& x) {
         return V{F::ctc_loss(x[0].log_softmax(2), indices_like(x[0], {{1, 2}, {3, 3}}),
                              indices_like(x[0], {5, 4}), indices_like(x[0], {2, 2}))};
       }},
      {"ctc_loss_concatenated_blank_sum",
       "F.ctc_loss(x[0].log_softmax(2), idx([1, 0, 2, 2, 1]), idx([5, 4]), idx([2, 3]), blank=3, "
       "reduction='sum')",
       {{5, 2, 4}},
       [](const V& x) {
         return V{F::ctc_loss(x[0].log_softmax(2), indices_like(x[0], {1, 0, 2, 2, 1}),
                              indices_like(x[0], {5, 4}), indices_like(x[0], {2, 3}),
                              F::CTCLossFuncOptions().blank(3).reduction(kSum))};
       }},
      // The second sample cannot be aligned (1, 1 needs 3 steps, it has 2): its loss is infinite
      // and becomes 0; the third has an empty target.
      {"ctc_loss_zero_infinity_none",
       "F.ctc_loss(x[0].log_softmax(2), idx([[2, 1], [1, 1], [0, 0]]), idx([4, 2, 3]), "
       "idx([2, 2, 0]), reduction='none', zero_infinity=True)",
       {{4, 3, 3}},
       [](const V& x) {
         return V{F::ctc_loss(x[0].log_softmax(2), indices_like(x[0], {{2, 1}, {1, 1}, {0, 0}}),
                              indices_like(x[0], {4, 2, 3}), indices_like(x[0], {2, 2, 0}),
                              F::CTCLossFuncOptions().reduction(kNone).zero_infinity(true))};
       }},
      {"ctc_loss_unbatched_none",
       "F.ctc_loss(x[0].log_softmax(1), idx([2, 1, 2]), idx(6), idx(3), reduction='none')",
       {{6, 3}},
       [](const V& x) {
         return V{F::ctc_loss(x[0].log_softmax(1), indices_like(x[0], {2, 1, 2}),
                              indices_like(x[0], int64_t(6)), indices_like(x[0], int64_t(3)),
                              F::CTCLossFuncOptions().reduction(kNone))};
       }},
      // EmbeddingBag, the weight differentiable: an empty bag (zeros), fixed-size bags of a 2-D
      // input, padding_idx left out of the bag and of the mean's count, per_sample_weights.
      {"embedding_bag_mean",
       "F.embedding_bag(idx([1, 2, 4, 5, 4, 3, 2]), x[0], idx([0, 0, 3]))",
       {{6, 3}},
       [](const V& x) {
         return V{
             F::embedding_bag(indices_like(x[0], {1, 2, 4, 5, 4, 3, 2}), x[0],
                              F::EmbeddingBagFuncOptions().offsets(indices_like(x[0], {0, 0, 3})))};
       }},
      {"embedding_bag_sum_per_sample_weights",
       "F.embedding_bag(idx([1, 2, 4, 5, 4, 3, 2]), x[0], idx([0, 2, 2]), mode='sum', "
       "per_sample_weights=x[1])",
       {{6, 3}, {7}},
       [](const V& x) {
         return V{F::embedding_bag(indices_like(x[0], {1, 2, 4, 5, 4, 3, 2}), x[0],
                                   F::EmbeddingBagFuncOptions()
                                       .offsets(indices_like(x[0], {0, 2, 2}))
                                       .mode(kSum)
                                       .per_sample_weights(x[1]))};
       }},
      {"embedding_bag_max_2d",
       "F.embedding_bag(idx([[1, 2, 4], [4, 3, 0]]), x[0], mode='max')",
       {{6, 3}},
       [](const V& x) {
         return V{F::embedding_bag(indices_like(x[0], {{1, 2, 4}, {4, 3, 0}}), x[0],
                                   F::EmbeddingBagFuncOptions().mode(kMax))};
       }},
      // The last offset is the input's length: with a shorter one PyTorch 1.13's CPU kernel
      // writes out of bounds.
      {"embedding_bag_mean_padding_last_offset",
       "F.embedding_bag(idx([1, 2, 4, 5, 2, 2]), x[0], idx([0, 3, 4, 6]), "
       "include_last_offset=True, padding_idx=2)",
       {{6, 3}},
       [](const V& x) {
         return V{F::embedding_bag(indices_like(x[0], {1, 2, 4, 5, 2, 2}), x[0],
                                   F::EmbeddingBagFuncOptions()
                                       .offsets(indices_like(x[0], {0, 3, 4, 6}))
                                       .include_last_offset(true)
                                       .padding_idx(2))};
       }},
      {"embedding_bag_max_padding",
       "F.embedding_bag(idx([4, 1, 5, 4, 0, 3]), x[0], idx([0, 1, 3]), mode='max', "
       "padding_idx=4)",
       {{6, 3}},
       [](const V& x) {
         return V{F::embedding_bag(indices_like(x[0], {4, 1, 5, 4, 0, 3}), x[0],
                                   F::EmbeddingBagFuncOptions()
                                       .offsets(indices_like(x[0], {0, 1, 3}))
                                       .mode(kMax)
                                       .padding_idx(4))};
       }},
  };
}

}  // namespace nabla::testing
