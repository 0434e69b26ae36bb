// Losses: values for each reduction, PyTorch's weighted / ignore_index / label smoothing
// semantics, float64 numerical gradient checks and error messages.
#include <gtest/gtest.h>
#include <nabla/nabla.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <sstream>
#include <string>
#include <vector>
#include "test_util.h"

using namespace nabla;
namespace F = nabla::nn::functional;

namespace {

using nabla::test_util::contains;
using nabla::test_util::error_of;

// Central differences of the scalar `fn` with respect to each float64 leaf in `inputs`,
// compared with backward().
void expect_grads_match(const std::function<Tensor()>& fn, const std::vector<Tensor>& inputs,
                        double eps = 1e-6, double tol = 1e-6) {
  for (const Tensor& x : inputs) {
    ASSERT_EQ(x.scalar_type(), kDouble);
    ASSERT_TRUE(x.is_leaf() && x.requires_grad() && x.is_contiguous());
    x.mutable_grad() = Tensor();
  }
  fn().backward();
  for (size_t k = 0; k < inputs.size(); ++k) {
    const Tensor& x = inputs[k];
    ASSERT_TRUE(x.grad().defined()) << "input " << k << " got no gradient";
    Tensor analytic = x.grad().contiguous();
    double* data = x.data_ptr<double>();
    for (int64_t i = 0; i < x.numel(); ++i) {
      NoGradGuard no_grad;
      const double orig = data[i];
      data[i] = orig + eps;
      const double plus = fn().item<double>();
      data[i] = orig - eps;
      const double minus = fn().item<double>();
      data[i] = orig;
      const double numeric = (plus - minus) / (2 * eps);
      EXPECT_NEAR(analytic.data_ptr<double>()[i], numeric, tol * (1 + std::abs(numeric)))
          << "input " << k << " element " << i;
    }
  }
}

// A fixed, uneven projection of a tensor to a scalar (for kNone outputs).
Tensor project(const Tensor& out) {
  if (out.dim() == 0) return out;
  Tensor w = arange(out.numel(), dtype(kDouble)).mul(0.37).sin().add(1.3).view(out.sizes());
  return (out * w).sum();
}

// Checks the gradient of `loss(input, target)` with respect to the input, for each reduction.
void expect_loss_grads(const std::function<Tensor(const Tensor&, Reduction)>& loss,
                       const Tensor& input_values) {
  for (Reduction r : {kMean, kSum, kNone}) {
    Tensor x = input_values.to(kDouble).detach().clone().requires_grad_(true);
    expect_grads_match([&] { return project(loss(x, r)); }, {x});
  }
}

std::vector<double> values(const Tensor& t) {
  Tensor c = t.to(kDouble).contiguous();
  return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}

void expect_values(const Tensor& t, const std::vector<double>& expected, double tol = 1e-6) {
  std::vector<double> got = values(t);
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], expected[i], tol) << "at " << i;
}

double item(const Tensor& t) {
  EXPECT_EQ(t.dim(), 0);
  return t.item<double>();
}

// log(sum(exp(row))) computed directly, for expected values.
double lse(const std::vector<double>& row) {
  double s = 0;
  for (double v : row) s += std::exp(v);
  return std::log(s);
}

}  // namespace

// ---- regression losses -------------------------------------------------------------------

TEST(Loss, MSE) {
  Tensor x = tensor({1.0, 2.0, 3.0}), t = tensor({1.0, 1.0, 1.0});
  EXPECT_NEAR(item(F::mse_loss(x, t)), 5.0 / 3.0, 1e-6);
  EXPECT_NEAR(item(F::mse_loss(x, t, F::MSEFuncOptions(kSum))), 5.0, 1e-6);
  expect_values(F::mse_loss(x, t, kNone), {0, 1, 4});
  EXPECT_NEAR(item(nn::MSELoss()(x, t)), 5.0 / 3.0, 1e-6);
  EXPECT_NEAR(item(nn::MSELoss(nn::MSELossOptions().reduction(kSum))(x, t)), 5.0, 1e-6);
  expect_loss_grads(
      [&](const Tensor& in, Reduction r) {
        return F::mse_loss(in, tensor({0.5, -1.0, 2.0}, kDouble), r);
      },
      tensor({1.0, 2.0, 3.0}));
}

TEST(Loss, L1) {
  Tensor x = tensor({1.0, 2.0, -3.0}), t = tensor({1.0, 1.0, 1.0});
  EXPECT_NEAR(item(F::l1_loss(x, t)), 5.0 / 3.0, 1e-6);
  EXPECT_NEAR(item(F::l1_loss(x, t, kSum)), 5.0, 1e-6);
  expect_values(nn::L1Loss(kNone)(x, t), {0, 1, 4});
  expect_loss_grads(
      [&](const Tensor& in, Reduction r) {
        return F::l1_loss(in, tensor({0.5, -1.0, 2.0}, kDouble), r);
      },
      tensor({1.0, 2.0, 3.0}));
}

TEST(Loss, SmoothL1AndHuber) {
  Tensor x = tensor({0.0, 0.5, 2.0, -3.0}), t = zeros({4});
  expect_values(F::smooth_l1_loss(x, t, kNone), {0, 0.125, 1.5, 2.5});
  EXPECT_NEAR(item(F::smooth_l1_loss(x, t)), (0.125 + 1.5 + 2.5) / 4, 1e-6);
  expect_values(F::smooth_l1_loss(x, t, F::SmoothL1LossFuncOptions(kNone).beta(4.0)),
                {0, 0.5 * 0.25 / 4, 0.5 * 4 / 4, 0.5 * 9 / 4});
  expect_values(F::smooth_l1_loss(x, t, F::SmoothL1LossFuncOptions(kNone).beta(0.0)),
                {0, 0.5, 2, 3});
  expect_values(F::huber_loss(x, t, kNone), {0, 0.125, 1.5, 2.5});
  expect_values(F::huber_loss(x, t, F::HuberLossFuncOptions(kNone).delta(2.0)),
                {0, 0.125, 2.0, 2 * (3 - 1)});
  EXPECT_NEAR(item(nn::HuberLoss(nn::HuberLossOptions(kSum).delta(2.0))(x, t)), 6.125, 1e-6);
  EXPECT_NEAR(item(nn::SmoothL1Loss()(x, t)), (0.125 + 1.5 + 2.5) / 4, 1e-6);
  EXPECT_THROW(F::huber_loss(x, t, F::HuberLossFuncOptions().delta(0.0)), Error);
  EXPECT_THROW(F::smooth_l1_loss(x, t, F::SmoothL1LossFuncOptions().beta(-1.0)), Error);
  Tensor target = tensor({0.2, -1.0, 2.0, 0.0}, kDouble);
  expect_loss_grads(
      [&](const Tensor& in, Reduction r) {
        return F::smooth_l1_loss(in, target, F::SmoothL1LossFuncOptions(r).beta(0.8));
      },
      tensor({0.5, 2.0, 1.9, -3.0}));
  expect_loss_grads(
      [&](const Tensor& in, Reduction r) {
        return F::huber_loss(in, target, F::HuberLossFuncOptions(r).delta(1.5));
      },
      tensor({0.5, 2.0, 1.9, -3.0}));
}

TEST(Loss, PointwiseErrors) {
  EXPECT_TRUE(contains(error_of([] { F::mse_loss(ones({3}), ones({4})); }), "[mse_loss]"));
  EXPECT_TRUE(
      contains(error_of([] { F::l1_loss(ones({3}, kLong), ones({3}, kLong)); }), "floating point"));
  EXPECT_TRUE(contains(error_of([] { F::mse_loss(ones({3}), ones({3}), kBatchMean); }),
                       "only supported by kl_div"));
}

// ---- nll_loss / cross_entropy ------------------------------------------------------------

TEST(Loss, CrossEntropyClassIndices) {
  Tensor x = tensor({{1.0, 2.0, 3.0}, {1.0, 0.0, -1.0}});
  Tensor t = tensor({2, 0});
  const double l0 = lse({1, 2, 3}) - 3, l1 = lse({1, 0, -1}) - 1;
  EXPECT_NEAR(item(F::cross_entropy(x, t)), (l0 + l1) / 2, 1e-6);
  EXPECT_NEAR(item(F::cross_entropy(x, t, F::CrossEntropyFuncOptions().reduction(kSum))), l0 + l1,
              1e-6);
  expect_values(F::cross_entropy(x, t, F::CrossEntropyFuncOptions().reduction(kNone)), {l0, l1});
  EXPECT_NEAR(item(nn::CrossEntropyLoss()(x, t)), (l0 + l1) / 2, 1e-6);
  // nll_loss of log_softmax is the same.
  EXPECT_NEAR(item(F::nll_loss(x.log_softmax(1), t)), (l0 + l1) / 2, 1e-6);
  EXPECT_NEAR(item(nn::NLLLoss()(x.log_softmax(1), t)), (l0 + l1) / 2, 1e-6);
  // A single sample [C] with a 0-d target.
  EXPECT_NEAR(item(F::cross_entropy(tensor({1.0, 2.0, 3.0}), tensor(int64_t(2)))), l0, 1e-6);
  // Very large logits stay finite.
  EXPECT_NEAR(item(F::cross_entropy(tensor({{1000.0, 0.0}}), tensor({1}))), 1000.0, 1e-3);
}

TEST(Loss, CrossEntropyWeightsAndIgnoreIndex) {
  Tensor x = tensor({{1.0, 2.0, 3.0}, {1.0, 0.0, -1.0}, {0.5, 0.5, 2.0}});
  Tensor t = tensor({2, 0, 1});
  Tensor w = tensor({2.0, 1.0, 0.5});
  const double l0 = lse({1, 2, 3}) - 3, l1 = lse({1, 0, -1}) - 1, l2 = lse({0.5, 0.5, 2}) - 0.5;
  // Weighted mean divides by the sum of the targets' weights (0.5 + 2 + 1).
  EXPECT_NEAR(item(F::cross_entropy(x, t, F::CrossEntropyFuncOptions().weight(w))),
              (0.5 * l0 + 2 * l1 + 1 * l2) / 3.5, 1e-6);
  EXPECT_NEAR(item(F::cross_entropy(x, t, F::CrossEntropyFuncOptions().weight(w).reduction(kSum))),
              0.5 * l0 + 2 * l1 + 1 * l2, 1e-6);
  expect_values(F::cross_entropy(x, t, F::CrossEntropyFuncOptions().weight(w).reduction(kNone)),
                {0.5 * l0, 2 * l1, 1 * l2});
  // Ignored targets contribute nothing, not even to the denominator.
  Tensor ti = tensor({2, -100, 1});
  EXPECT_NEAR(item(F::cross_entropy(x, ti)), (l0 + l2) / 2, 1e-6);
  EXPECT_NEAR(item(F::cross_entropy(x, ti, F::CrossEntropyFuncOptions().weight(w))),
              (0.5 * l0 + l2) / 1.5, 1e-6);
  expect_values(F::cross_entropy(x, ti, F::CrossEntropyFuncOptions().reduction(kNone)),
                {l0, 0, l2});
  Tensor t0 = tensor({2, 0, 0});
  EXPECT_NEAR(item(nn::CrossEntropyLoss(nn::CrossEntropyLossOptions().ignore_index(0))(x, t0)), l0,
              1e-6);
  // All targets ignored: the mean is 0 / 0, as in PyTorch.
  EXPECT_TRUE(std::isnan(item(F::cross_entropy(x, tensor({-100, -100, -100})))));
  // The module keeps its weight as a buffer (converted by to()).
  nn::CrossEntropyLoss weighted(nn::CrossEntropyLossOptions().weight(w));
  EXPECT_EQ(weighted->named_buffers().keys(), std::vector<std::string>{"weight"});
  EXPECT_NEAR(item(weighted(x, t)), (0.5 * l0 + 2 * l1 + 1 * l2) / 3.5, 1e-6);
}

TEST(Loss, CrossEntropyLabelSmoothing) {
  Tensor x = tensor({{1.0, 2.0, 3.0}, {1.0, 0.0, -1.0}});
  Tensor t = tensor({2, 0});
  const double s = 0.2;
  const std::vector<std::vector<double>> rows{{1, 2, 3}, {1, 0, -1}};
  const std::vector<int> tg{2, 0};
  const std::vector<double> w{2.0, 1.0, 0.5};
  // Per sample: (1 - s) * nll + s / C * sum_c -w_c logp_c; weighted mean over target weights.
  double num = 0, den = 0, num_unweighted = 0;
  std::vector<double> per_sample;
  for (int i = 0; i < 2; ++i) {
    double smooth = 0, smooth_w = 0;
    for (int c = 0; c < 3; ++c) {
      const double logp = rows[i][c] - lse(rows[i]);
      smooth -= logp;
      smooth_w -= w[c] * logp;
    }
    const double nll = -(rows[i][tg[i]] - lse(rows[i]));
    per_sample.push_back((1 - s) * nll + s / 3 * smooth);
    num_unweighted += per_sample.back();
    num += (1 - s) * w[tg[i]] * nll + s / 3 * smooth_w;
    den += w[tg[i]];
  }
  auto opts = F::CrossEntropyFuncOptions().label_smoothing(s);
  EXPECT_NEAR(item(F::cross_entropy(x, t, opts)), num_unweighted / 2, 1e-6);
  expect_values(F::cross_entropy(x, t, opts.reduction(kNone)), per_sample);
  EXPECT_NEAR(
      item(F::cross_entropy(
          x, t, F::CrossEntropyFuncOptions().label_smoothing(s).weight(tensor({2.0, 1.0, 0.5})))),
      num / den, 1e-6);
  EXPECT_THROW(F::cross_entropy(x, t, F::CrossEntropyFuncOptions().label_smoothing(1.5)), Error);
}

TEST(Loss, CrossEntropySpatialAndProbabilities) {
  manual_seed(2);
  // [N, C, d] input with [N, d] targets equals the flattened [N*d, C] problem.
  Tensor x = randn({2, 3, 4}, kDouble);
  Tensor t = tensor({{0, 1, 2, 1}, {2, 2, 0, -100}});
  Tensor flat_x = x.permute({0, 2, 1}).reshape({8, 3});
  Tensor flat_t = t.reshape({8});
  EXPECT_NEAR(item(F::cross_entropy(x, t)), item(F::cross_entropy(flat_x, flat_t)), 1e-12);
  Tensor none = F::cross_entropy(x, t, F::CrossEntropyFuncOptions().reduction(kNone));
  EXPECT_EQ(none.sizes(), IntArrayRef({2, 4}));
  EXPECT_TRUE(none.reshape({8}).allclose(
      F::cross_entropy(flat_x, flat_t, F::CrossEntropyFuncOptions().reduction(kNone))));
  // Class probabilities: one-hot targets give the class-index loss.
  Tensor logits = tensor({{1.0, 2.0, 3.0}, {1.0, 0.0, -1.0}});
  Tensor onehot = tensor({{0.0, 0.0, 1.0}, {1.0, 0.0, 0.0}});
  EXPECT_NEAR(item(F::cross_entropy(logits, onehot)),
              item(F::cross_entropy(logits, tensor({2, 0}))), 1e-6);
  Tensor soft = tensor({{0.2, 0.3, 0.5}, {0.6, 0.4, 0.0}});
  const double l0 =
      0.2 * (lse({1, 2, 3}) - 1) + 0.3 * (lse({1, 2, 3}) - 2) + 0.5 * (lse({1, 2, 3}) - 3);
  const double l1 = 0.6 * (lse({1, 0, -1}) - 1) + 0.4 * (lse({1, 0, -1}) - 0);
  expect_values(F::cross_entropy(logits, soft, F::CrossEntropyFuncOptions().reduction(kNone)),
                {l0, l1});
  EXPECT_NEAR(item(F::cross_entropy(logits, soft)), (l0 + l1) / 2, 1e-6);
  EXPECT_NEAR(item(F::cross_entropy(logits, soft,
                                    F::CrossEntropyFuncOptions().weight(tensor({1.0, 1.0, 2.0})))),
              (l0 + 0.5 * (lse({1, 2, 3}) - 3) + l1) / 2, 1e-6);
}

TEST(Loss, NLLLoss) {
  Tensor logp = tensor({{-0.5, -1.0, -2.0}, {-3.0, -0.1, -0.2}});
  Tensor t = tensor({1, 2});
  EXPECT_NEAR(item(F::nll_loss(logp, t)), 0.6, 1e-6);
  EXPECT_NEAR(item(F::nll_loss(logp, t, F::NLLLossFuncOptions().reduction(kSum))), 1.2, 1e-6);
  expect_values(F::nll_loss(logp, t, F::NLLLossFuncOptions().reduction(kNone)), {1.0, 0.2});
  auto weighted = F::NLLLossFuncOptions().weight(tensor({1.0, 3.0, 1.0}));
  EXPECT_NEAR(item(F::nll_loss(logp, t, weighted)), (3 * 1.0 + 0.2) / 4, 1e-6);
  nn::NLLLoss module(nn::NLLLossOptions().ignore_index(2));
  EXPECT_NEAR(item(module(logp, t)), 1.0, 1e-6);
}

TEST(Loss, ClassTargetErrors) {
  Tensor x = zeros({2, 3});
  std::string e = error_of([&] { F::cross_entropy(x, tensor({0, 5})); });
  EXPECT_TRUE(contains(e, "[cross_entropy] target 5 is out of bounds for 3 classes")) << e;
  e = error_of([&] { F::nll_loss(x, tensor({-1, 0})); });
  EXPECT_TRUE(contains(e, "[nll_loss] target -1 is out of bounds for 3 classes")) << e;
  e = error_of([&] { F::cross_entropy(x, tensor({0, 1, 2})); });
  EXPECT_TRUE(contains(e, "expected target of shape [2]")) << e;
  e = error_of([&] { F::nll_loss(x, tensor({0.0, 1.0})); });
  EXPECT_TRUE(contains(e, "expected target of dtype int64")) << e;
  e = error_of([&] { F::cross_entropy(x, zeros({2, 4})); });
  EXPECT_TRUE(contains(e, "class-probability targets must have the input's shape")) << e;
  e = error_of([&] {
    F::cross_entropy(x, tensor({0, 1}), F::CrossEntropyFuncOptions().weight(ones({2})));
  });
  EXPECT_TRUE(contains(e, "one entry per class (3)")) << e;
  e = error_of([&] { F::cross_entropy(zeros({}), tensor(int64_t(0))); });
  EXPECT_TRUE(contains(e, "[cross_entropy] input must have a class dim")) << e;
  e = error_of([&] { F::cross_entropy(zeros({2, 3}, kLong), tensor({0, 1})); });
  EXPECT_TRUE(contains(e, "floating point")) << e;
}

TEST(Loss, ClassLossGradients) {
  manual_seed(5);
  Tensor x0 = randn({4, 3}, kDouble);
  Tensor t = tensor({2, 0, -100, 1});
  Tensor w = tensor({0.5, 2.0, 1.5}, kDouble);
  for (double ls : {0.0, 0.3}) {
    expect_loss_grads(
        [&](const Tensor& in, Reduction r) {
          return F::cross_entropy(
              in, t, F::CrossEntropyFuncOptions().weight(w).reduction(r).label_smoothing(ls));
        },
        x0);
    expect_loss_grads(
        [&](const Tensor& in, Reduction r) {
          return F::cross_entropy(in, t,
                                  F::CrossEntropyFuncOptions().reduction(r).label_smoothing(ls));
        },
        x0);
  }
  expect_loss_grads(
      [&](const Tensor& in, Reduction r) {
        return F::cross_entropy(in, tensor({{0, 1}, {2, 2}}),
                                F::CrossEntropyFuncOptions().reduction(r));
      },
      randn({2, 3, 2}, kDouble));
  Tensor probs = tensor({{0.2, 0.3, 0.5}, {0.6, 0.4, 0.0}}, kDouble);
  expect_loss_grads(
      [&](const Tensor& in, Reduction r) {
        return F::cross_entropy(in, probs,
                                F::CrossEntropyFuncOptions().reduction(r).label_smoothing(0.1));
      },
      randn({2, 3}, kDouble));
  expect_loss_grads(
      [&](const Tensor& in, Reduction r) {
        return F::nll_loss(in, t, F::NLLLossFuncOptions().weight(w).reduction(r));
      },
      x0);
}

// ---- binary cross entropy ----------------------------------------------------------------

TEST(Loss, BinaryCrossEntropy) {
  Tensor x = tensor({0.5, 0.9, 0.2}), t = tensor({1.0, 0.0, 1.0});
  const double l0 = -std::log(0.5), l1 = -std::log(0.1), l2 = -std::log(0.2);
  expect_values(F::binary_cross_entropy(x, t, F::BinaryCrossEntropyFuncOptions().reduction(kNone)),
                {l0, l1, l2}, 1e-5);
  EXPECT_NEAR(item(F::binary_cross_entropy(x, t)), (l0 + l1 + l2) / 3, 1e-5);
  EXPECT_NEAR(item(nn::BCELoss(nn::BCELossOptions().reduction(kSum))(x, t)), l0 + l1 + l2, 1e-5);
  Tensor w = tensor({1.0, 2.0, 0.0});
  EXPECT_NEAR(item(nn::BCELoss(nn::BCELossOptions().weight(w))(x, t)), (l0 + 2 * l1) / 3, 1e-5);
  // log is clamped at -100: a confident wrong answer costs 100, not inf.
  expect_values(F::binary_cross_entropy(tensor({0.0, 1.0}), tensor({1.0, 0.0}),
                                        F::BinaryCrossEntropyFuncOptions().reduction(kNone)),
                {100, 100});
  EXPECT_TRUE(contains(error_of([] { F::binary_cross_entropy(tensor({1.5}), tensor({1.0})); }),
                       "between 0 and 1"));
  EXPECT_TRUE(contains(error_of([] {
                         F::binary_cross_entropy(ones({2, 1}) * 0.5, ones({2}));
                       }),
                       "same shape"));
  Tensor target = tensor({1.0, 0.0, 0.3}, kDouble);
  expect_loss_grads(
      [&](const Tensor& in, Reduction r) {
        return F::binary_cross_entropy(in, target,
                                       F::BinaryCrossEntropyFuncOptions().reduction(r).weight(
                                           tensor({1.0, 2.0, 0.5}, kDouble)));
      },
      tensor({0.3, 0.8, 0.55}));
}

TEST(Loss, BinaryCrossEntropyWithLogits) {
  Tensor x = tensor({0.0, 2.0, -1.0}), t = tensor({1.0, 0.0, 1.0});
  Tensor expected =
      F::binary_cross_entropy(x.sigmoid(), t, F::BinaryCrossEntropyFuncOptions().reduction(kNone));
  auto opts = F::BinaryCrossEntropyWithLogitsFuncOptions();
  EXPECT_TRUE(F::binary_cross_entropy_with_logits(x, t, opts.reduction(kNone)).allclose(expected));
  EXPECT_NEAR(item(nn::BCEWithLogitsLoss()(x, t)), item(expected.mean()), 1e-6);
  // pos_weight multiplies the positive term: l = -(p t log s(x) + (1 - t) log(1 - s(x))).
  Tensor pw = tensor({3.0, 3.0, 0.5});
  const double s0 = 0.5, s2 = 1 / (1 + std::exp(1.0));
  expect_values(
      F::binary_cross_entropy_with_logits(
          x, t, F::BinaryCrossEntropyWithLogitsFuncOptions().pos_weight(pw).reduction(kNone)),
      {-3 * std::log(s0), -std::log(1 - 1 / (1 + std::exp(-2.0))), -0.5 * std::log(s2)}, 1e-5);
  // Stable for huge logits.
  expect_values(F::binary_cross_entropy_with_logits(
                    tensor({100.0, -100.0, 100.0}), tensor({0.0, 1.0, 1.0}),
                    F::BinaryCrossEntropyWithLogitsFuncOptions().reduction(kNone)),
                {100, 100, 0}, 1e-4);
  nn::BCEWithLogitsLoss module(
      nn::BCEWithLogitsLossOptions().pos_weight(pw).weight(tensor({1.0, 0.0, 1.0})));
  EXPECT_EQ(module->named_buffers().keys(), (std::vector<std::string>{"weight", "pos_weight"}));
  Tensor target = tensor({1.0, 0.0, 0.3, 1.0}, kDouble);
  Tensor pwd = tensor({2.0, 0.5, 1.0, 3.0}, kDouble);
  // Includes a logit of exactly 0, where the stable formula switches branches.
  expect_loss_grads(
      [&](const Tensor& in, Reduction r) {
        return F::binary_cross_entropy_with_logits(
            in, target, F::BinaryCrossEntropyWithLogitsFuncOptions().reduction(r).pos_weight(pwd));
      },
      tensor({0.0, 1.5, -2.0, 30.0}));
  Tensor z = tensor({0.0}, dtype(kDouble).requires_grad(true));
  F::binary_cross_entropy_with_logits(z, tensor({1.0}, kDouble)).backward();
  EXPECT_NEAR(z.grad().item<double>(), -0.5, 1e-12);  // sigmoid(0) - 1
}

// ---- KL divergence -----------------------------------------------------------------------

TEST(Loss, KLDiv) {
  Tensor p = tensor({{0.25, 0.75}, {0.5, 0.5}});
  Tensor q = tensor({{0.5, 0.5}, {0.0, 1.0}});
  Tensor input = p.log();
  // Pointwise t * (log t - input), with 0 * log 0 = 0.
  const std::vector<double> pw{0.5 * std::log(0.5 / 0.25), 0.5 * std::log(0.5 / 0.75), 0.0,
                               std::log(1.0 / 0.5)};
  expect_values(F::kl_div(input, q, F::KLDivFuncOptions(kNone)), pw, 1e-6);
  const double total = pw[0] + pw[1] + pw[2] + pw[3];
  EXPECT_NEAR(item(F::kl_div(input, q)), total / 4, 1e-6);
  EXPECT_NEAR(item(F::kl_div(input, q, kSum)), total, 1e-6);
  EXPECT_NEAR(item(nn::KLDivLoss(kBatchMean)(input, q)), total / 2, 1e-6);
  Tensor logq = tensor({{0.5, 0.5}, {0.25, 0.75}}).log();
  auto log_target = F::KLDivFuncOptions(kNone).log_target(true);
  expect_values(F::kl_div(input, logq, log_target),
                values(F::kl_div(input, logq.exp(), F::KLDivFuncOptions(kNone))), 1e-6);
  Tensor target = tensor({{0.5, 0.5}, {0.0, 1.0}}, kDouble);
  expect_loss_grads(
      [&](const Tensor& in, Reduction r) { return F::kl_div(in, target, F::KLDivFuncOptions(r)); },
      input);
  expect_loss_grads(
      [&](const Tensor& in, Reduction r) {
        return F::kl_div(in, logq.to(kDouble), F::KLDivFuncOptions(r).log_target(true));
      },
      input);
}

TEST(Loss, ModulesPrint) {
  auto str = [](const auto& holder) {
    std::ostringstream o;
    o << holder;
    return o.str();
  };
  EXPECT_EQ(str(nn::MSELoss()), "nabla::nn::MSELoss()");
  EXPECT_EQ(str(nn::CrossEntropyLoss()), "nabla::nn::CrossEntropyLoss()");
  EXPECT_EQ(str(nn::BCEWithLogitsLoss()), "nabla::nn::BCEWithLogitsLoss()");
  EXPECT_STREQ(toString(kBatchMean), "batchmean");
}

// LibTorch refuses class targets that are not int64 ("expected scalar type Long"); so does nabla.
TEST(ClassTargets, OnlyInt64IsAccepted) {
  auto logits = nabla::randn({4, 3});
  for (auto dtype : {nabla::kInt, nabla::kByte}) {
    auto target = nabla::tensor({0, 2, 1, 0}).to(dtype);
    for (auto loss : {+[](const nabla::Tensor&x, const nabla::Tensor&t) {
                        return nabla::nn::functional::cross_entropy(x, t);
                      },
                      +[](const nabla::Tensor&x, const nabla::Tensor&t) {
                        return nabla::nn::functional::nll_loss(x.log_softmax(1), t);
                      }}) {
      try {
        loss(logits, target);
        ADD_FAILURE() << "accepted a target of dtype " << nabla::toString(dtype);
      } catch (const nabla::Error& e) {
        EXPECT_NE(std::string(e.what()).find("expected target of dtype int64"), std::string::npos)
            << e.what();
      }
    }
  }
  EXPECT_NO_THROW(nabla::nn::functional::cross_entropy(logits, nabla::tensor({0, 2, 1, 0})));
}

TEST(PairLosses, ModulesErrorsAndSwap) {
  namespace F = nabla::nn::functional;
  nabla::manual_seed(5);
  const Tensor a = nabla::randn({4, 3}), p = nabla::randn({4, 3}), n = nabla::randn({4, 3});
  const Tensor y = nabla::tensor({1.0f, -1.0f, 1.0f, -1.0f});
  nabla::nn::TripletMarginLoss triplet(nabla::nn::TripletMarginLossOptions().margin(2).swap(true));
  const Tensor d_ap = F::pairwise_distance(a, p), d_an = F::pairwise_distance(a, n),
               d_pn = F::pairwise_distance(p, n);
  EXPECT_TRUE(
      triplet(a, p, n).allclose((2 + d_ap - nabla::minimum(d_an, d_pn)).clamp_min(0).mean()));
  nabla::nn::MarginRankingLoss ranking(
      nabla::nn::MarginRankingLossOptions().margin(0.1).reduction(nabla::kSum));
  const Tensor x1 = a.select(1, 0), x2 = p.select(1, 0);
  EXPECT_TRUE(ranking(x1, x2, y).allclose((-y * (x1 - x2) + 0.1).clamp_min(0).sum()));
  nabla::nn::CosineEmbeddingLoss embedding;
  const Tensor cos = F::cosine_similarity(a, p, F::CosineSimilarityFuncOptions().eps(0));
  EXPECT_TRUE(embedding(a, p, y).allclose(nabla::where(y == 1, 1 - cos, cos.clamp_min(0)).mean(),
                                          1e-5, 1e-6));
  std::ostringstream s;
  s << *triplet;
  EXPECT_EQ(s.str(), "nabla::nn::TripletMarginLoss(margin=2, p=2, eps=1e-06, swap=true)");
  EXPECT_THROW(F::cosine_embedding_loss(a, p, nabla::ones({3})), nabla::Error);
  EXPECT_THROW(F::cosine_embedding_loss(a, p.narrow(1, 0, 2), y), nabla::Error);
  EXPECT_THROW(F::triplet_margin_loss(a, p, n.select(1, 0)), nabla::Error);
  EXPECT_THROW(F::margin_ranking_loss(x1, x2, nabla::ones({3})), nabla::Error);
}

// ---- soft margin, multi-label and multi-class margin losses -----------------------------------

TEST(MarginLosses, SoftMargin) {
  Tensor x = tensor({0.5, -1.0, 2.0}), y = tensor({1.0, 1.0, -1.0});
  const std::vector<double> pointwise{std::log1p(std::exp(-0.5)), std::log1p(std::exp(1.0)),
                                      std::log1p(std::exp(2.0))};
  expect_values(F::soft_margin_loss(x, y, kNone), pointwise);
  const double total = pointwise[0] + pointwise[1] + pointwise[2];
  EXPECT_NEAR(item(F::soft_margin_loss(x, y)), total / 3, 1e-6);
  EXPECT_NEAR(item(F::soft_margin_loss(x, y, F::SoftMarginLossFuncOptions(kSum))), total, 1e-6);
  EXPECT_NEAR(item(nn::SoftMarginLoss()(x, y)), total / 3, 1e-6);
  EXPECT_NEAR(item(nn::SoftMarginLoss(kSum)(x, y)), total, 1e-6);
  // Confident answers stay finite: log(1 + exp(1000)) is 1000.
  expect_values(F::soft_margin_loss(tensor({1000.0, 1000.0}), tensor({-1.0, 1.0}), kNone),
                {1000, 0});
  // The target broadcasts, and may be an integer tensor, as PyTorch's.
  EXPECT_EQ(F::soft_margin_loss(ones({2, 3}), ones({3}), kNone).sizes(), IntArrayRef({2, 3}));
  EXPECT_NEAR(item(F::soft_margin_loss(zeros({3}), ones({3}, kLong))), std::log(2.0), 1e-6);
  std::string e = error_of([] { F::soft_margin_loss(ones({2, 3}), ones({3, 2})); });
  EXPECT_TRUE(contains(e, "[soft_margin_loss] shapes [2, 3] and [3, 2] cannot be broadcast")) << e;
  e = error_of([] { F::soft_margin_loss(ones({3}), ones({3}), kBatchMean); });
  EXPECT_TRUE(contains(e, "[soft_margin_loss] reduction 'batchmean' is only supported by kl_div"))
      << e;
  Tensor target = tensor({1.0, -1.0, -1.0, 1.0}, kDouble);
  expect_loss_grads(
      [&](const Tensor& in, Reduction r) { return F::soft_margin_loss(in, target, r); },
      tensor({0.3, -1.2, 2.0, 0.0}));
}

TEST(MarginLosses, MultiLabelSoftMargin) {
  Tensor x = tensor({{0.5, -1.0, 2.0}, {0.0, 3.0, -0.5}});
  Tensor t = tensor({{1.0, 0.0, 1.0}, {0.0, 1.0, 1.0}});
  Tensor w = tensor({1.0, 2.0, 0.5});
  // Binary cross entropy of the logits per class, averaged over the classes.
  Tensor per_class = F::binary_cross_entropy_with_logits(
      x, t, F::BinaryCrossEntropyWithLogitsFuncOptions().reduction(kNone));
  Tensor per_sample = per_class.mean({1});
  expect_values(F::multilabel_soft_margin_loss(
                    x, t, F::MultilabelSoftMarginLossFuncOptions().reduction(kNone)),
                values(per_sample));
  EXPECT_NEAR(item(F::multilabel_soft_margin_loss(x, t)), item(per_sample.mean()), 1e-6);
  Tensor weighted = (per_class * w).mean({1});
  nn::MultiLabelSoftMarginLoss module(
      nn::MultiLabelSoftMarginLossOptions().weight(w).reduction(kSum));
  EXPECT_EQ(module->named_buffers().keys(), std::vector<std::string>{"weight"});
  EXPECT_NEAR(item(module(x, t)), item(weighted.sum()), 1e-6);
  EXPECT_NEAR(item(nn::MultiLabelSoftMarginLoss()(x, t)), item(per_sample.mean()), 1e-6);
  // One sample [C]: a 0-d loss.
  EXPECT_EQ(F::multilabel_soft_margin_loss(
                x[0], t[0], F::MultilabelSoftMarginLossFuncOptions().reduction(kNone))
                .dim(),
            0);
  std::string e = error_of([&] { F::multilabel_soft_margin_loss(x, ones({3, 2})); });
  EXPECT_TRUE(contains(e, "[multilabel_soft_margin_loss] shapes [2, 3] and [3, 2]")) << e;
  e = error_of([&] {
    F::multilabel_soft_margin_loss(x, t,
                                   F::MultilabelSoftMarginLossFuncOptions().weight(ones({2})));
  });
  EXPECT_TRUE(contains(e, "[multilabel_soft_margin_loss] shapes [2] and [2, 3]")) << e;
  Tensor target = tensor({{1.0, 0.0, 1.0}, {0.0, 1.0, 0.3}}, kDouble);
  Tensor wd = tensor({1.0, 2.0, 0.5}, kDouble);
  expect_loss_grads(
      [&](const Tensor& in, Reduction r) {
        return F::multilabel_soft_margin_loss(
            in, target, F::MultilabelSoftMarginLossFuncOptions().weight(wd).reduction(r));
      },
      x);
}

TEST(MarginLosses, MultiMargin) {
  // PyTorch's documented example: (1 - 0.8 + 0.1 + 1 - 0.8 + 0.2 + 1 - 0.8 + 0.4) / 4.
  Tensor x = tensor({{0.1, 0.2, 0.4, 0.8}});
  Tensor y = tensor({3});
  EXPECT_NEAR(item(F::multi_margin_loss(x, y)), 0.325, 1e-6);
  EXPECT_NEAR(item(nn::MultiMarginLoss()(x, y)), 0.325, 1e-6);
  EXPECT_NEAR(item(F::multi_margin_loss(x, y, F::MultiMarginLossFuncOptions().p(2))),
              (0.09 + 0.16 + 0.36) / 4, 1e-6);
  // Margin 0.5: only class 2 violates it (0.5 - 0.8 + 0.4).
  EXPECT_NEAR(item(F::multi_margin_loss(x, y, F::MultiMarginLossFuncOptions().margin(0.5))),
              (0.5 - 0.8 + 0.4) / 4, 1e-6);
  Tensor x2 = tensor({{0.1, 0.2, 0.4, 0.8}, {1.0, -1.0, 0.5, 0.0}});
  Tensor y2 = tensor({3, 0});
  Tensor w = tensor({2.0, 1.0, 1.0, 0.5});
  const double l0 = 0.325, l1 = (0.0 + 0.5 + 0.0) / 4;  // 1 - 1 + 0.5 for class 2 only
  expect_values(F::multi_margin_loss(x2, y2, F::MultiMarginLossFuncOptions().reduction(kNone)),
                {l0, l1});
  nn::MultiMarginLoss weighted(nn::MultiMarginLossOptions().weight(w).reduction(kSum));
  EXPECT_EQ(weighted->named_buffers().keys(), std::vector<std::string>{"weight"});
  EXPECT_NEAR(item(weighted(x2, y2)), 0.5 * l0 + 2 * l1, 1e-6);
  // One sample [C]: a 0-d target gives a 0-d unreduced loss, a [1] target a [1] one.
  auto none = F::MultiMarginLossFuncOptions().reduction(kNone);
  EXPECT_EQ(F::multi_margin_loss(x[0], tensor(int64_t(3)), none).dim(), 0);
  EXPECT_EQ(F::multi_margin_loss(x[0], y, none).sizes(), IntArrayRef({1}));
  EXPECT_NEAR(item(F::multi_margin_loss(x[0], tensor(int64_t(3)))), 0.325, 1e-6);
  // A 0-d input is a single class: nothing to violate.
  EXPECT_NEAR(item(F::multi_margin_loss(tensor(0.3), tensor(int64_t(0)))), 0.0, 1e-12);

  std::string e =
      error_of([&] { F::multi_margin_loss(x, y, F::MultiMarginLossFuncOptions().p(3)); });
  EXPECT_TRUE(contains(e, "[multi_margin_loss] only p == 1 and p == 2 are supported, got p = 3"))
      << e;
  e = error_of([] { nn::MultiMarginLoss(nn::MultiMarginLossOptions().p(0)); });
  EXPECT_TRUE(contains(e, "[MultiMarginLoss] only p == 1 and p == 2")) << e;
  e = error_of([] { nn::MultiMarginLoss(nn::MultiMarginLossOptions().weight(ones({4, 1}))); });
  EXPECT_TRUE(contains(e, "[MultiMarginLoss] weight must be one-dimensional, got shape [4, 1]"))
      << e;
  e = error_of(
      [&] { F::multi_margin_loss(x, y, F::MultiMarginLossFuncOptions().weight(ones({3}))); });
  EXPECT_TRUE(contains(e, "one entry per class (4), got shape [3]")) << e;
  e = error_of([&] { F::multi_margin_loss(x, tensor({3.0})); });
  EXPECT_TRUE(contains(e, "[multi_margin_loss] expected target of dtype int64")) << e;
  e = error_of([&] { F::multi_margin_loss(x2, tensor({3, 0, 1})); });
  EXPECT_TRUE(contains(e, "expected a target of 2 class index(es)")) << e;
  EXPECT_TRUE(contains(e, "got shape [3]")) << e;
  e = error_of([&] { F::multi_margin_loss(x2, tensor({3, 4})); });
  EXPECT_TRUE(contains(e, "[multi_margin_loss] target 4 is out of range for 4 classes")) << e;
  e = error_of([&] { F::multi_margin_loss(x2, tensor({-1, 0})); });
  EXPECT_TRUE(contains(e, "target -1 is out of range")) << e;
  e = error_of([] { F::multi_margin_loss(zeros({2, 3, 1}), tensor({0, 1})); });
  EXPECT_TRUE(contains(e,
                       "expected a non-empty [C] or [N, C] input (N may be 0), got shape "
                       "[2, 3, 1]"))
      << e;

  manual_seed(3);
  Tensor in = randn({3, 4}, kDouble);
  Tensor target = tensor({1, 3, 0});
  Tensor wd = tensor({0.5, 2.0, 1.0, 1.5}, kDouble);
  for (int64_t p : {1, 2}) {
    expect_loss_grads(
        [&](const Tensor& input, Reduction r) {
          return F::multi_margin_loss(
              input, target,
              F::MultiMarginLossFuncOptions().p(p).margin(0.8).weight(wd).reduction(r));
        },
        in);
  }
}

namespace {

// multilabel_margin_loss as PyTorch's kernel computes it, one sample and one pair at a time.
std::vector<double> multilabel_margin_reference(const Tensor& x, const Tensor& y) {
  const int64_t n = x.size(0), c = x.size(1);
  std::vector<double> out;
  for (int64_t i = 0; i < n; ++i) {
    std::vector<int64_t> targets;
    for (int64_t j = 0; j < c && y[i][j].item<int64_t>() >= 0; ++j)
      targets.push_back(y[i][j].item<int64_t>());
    double sum = 0;
    for (int64_t t : targets) {
      for (int64_t k = 0; k < c; ++k) {
        if (std::find(targets.begin(), targets.end(), k) != targets.end()) continue;
        sum += std::max(0.0, 1 - x[i][t].item<double>() + x[i][k].item<double>());
      }
    }
    out.push_back(sum / double(c));
  }
  return out;
}

}  // namespace

TEST(MarginLosses, MultiLabelMargin) {
  // PyTorch's documented example: targets 3 and 0 (the -1 ends them; the 1 after it is padding).
  Tensor x = tensor({{0.1, 0.2, 0.4, 0.8}});
  Tensor y = tensor({{3, 0, -1, 1}});
  EXPECT_NEAR(item(F::multilabel_margin_loss(x, y)), 0.85, 1e-6);
  EXPECT_NEAR(item(nn::MultiLabelMarginLoss()(x, y)), 0.85, 1e-6);
  // A repeated target counts twice, as in PyTorch's kernel (LibTorch 1.13 gives 1.6 and 0.8).
  Tensor x4 = tensor({{0.1, 0.2, 0.4, 0.3}});
  expect_values(F::multilabel_margin_loss(x4, tensor({{1, 1, -1, 2}}), kNone), {1.6});
  expect_values(F::multilabel_margin_loss(x4, tensor({{1, -1, 1, 2}}), kNone), {0.8});
  // Every class a target: nothing to violate.
  expect_values(F::multilabel_margin_loss(x4, tensor({{1, 0, 2, 3}}), kNone), {0.0});
  // [C] input: a 0-d loss even unreduced, as PyTorch.
  Tensor one = F::multilabel_margin_loss(x[0], y[0], kNone);
  EXPECT_EQ(one.dim(), 0);
  EXPECT_NEAR(one.item<double>(), 0.85, 1e-6);
  EXPECT_NEAR(item(F::multilabel_margin_loss(tensor(0.5), tensor(int64_t(0)), kNone)), 0.0, 1e-12);

  // Random samples with every amount of padding, against the pairwise reference.
  manual_seed(4);
  Tensor xr = randn({6, 5}, kDouble);
  Tensor yr = tensor({{4, 1, -1, 2, 2},
                      {-1, 0, 0, 0, 0},
                      {0, 1, 2, 3, -1},
                      {2, -1, -1, -1, -1},
                      {3, 3, 0, -1, 4},
                      {1, 2, 3, 4, 0}});
  const std::vector<double> reference = multilabel_margin_reference(xr, yr);
  expect_values(F::multilabel_margin_loss(xr, yr, kNone), reference, 1e-12);
  double total = 0;
  for (double v : reference) total += v;
  EXPECT_NEAR(item(nn::MultiLabelMarginLoss(kSum)(xr, yr)), total, 1e-12);
  EXPECT_NEAR(item(F::multilabel_margin_loss(xr, yr)), total / 6, 1e-12);
  for (Reduction r : {kMean, kSum, kNone}) {
    Tensor in = xr.clone().requires_grad_(true);
    expect_grads_match([&] { return project(F::multilabel_margin_loss(in, yr, r)); }, {in});
  }
  // No sample has a target: a zero loss that backward reaches with zero gradients.
  Tensor xz = xr.clone().requires_grad_(true);
  Tensor none_valid = F::multilabel_margin_loss(xz, full({6, 5}, -1, TensorOptions().dtype(kLong)));
  EXPECT_EQ(none_valid.item<double>(), 0.0);
  none_valid.backward();
  EXPECT_EQ(xz.grad().abs().sum().item<double>(), 0.0);

  std::string e = error_of([&] { F::multilabel_margin_loss(x, zeros({1, 4})); });
  EXPECT_TRUE(contains(e, "[multilabel_margin_loss] expected target of dtype int64")) << e;
  e = error_of([&] { F::multilabel_margin_loss(x, tensor({{3, 0, -1}})); });
  EXPECT_TRUE(contains(e,
                       "expected a target of the input's shape [1, 4] (class indices, -1 "
                       "after the last one), got [1, 3]"))
      << e;
  e = error_of([&] { F::multilabel_margin_loss(x, tensor({{3, 4, -1, 0}})); });
  EXPECT_TRUE(contains(e, "[multilabel_margin_loss] target 4 is out of range for 4 classes")) << e;
  // Out of range also after the first -1, as PyTorch checks the whole target.
  e = error_of([&] { F::multilabel_margin_loss(x, tensor({{3, -1, -2, 0}})); });
  EXPECT_TRUE(contains(e, "target -2 is out of range")) << e;
  e = error_of([] { F::multilabel_margin_loss(zeros({2, 0}), zeros({2, 0}, kLong)); });
  EXPECT_TRUE(contains(e, "expected a non-empty [C] or [N, C] input")) << e;
}

TEST(MarginLosses, HingeEmbedding) {
  // A target that is neither 1 nor -1 gets both terms, as in PyTorch (LibTorch: 1.0 for 0.3).
  Tensor x = tensor({0.5, 2.0, 0.3, -0.5}), t = tensor({1.0, -1.0, 0.5, -1.0});
  auto none = F::HingeEmbeddingLossFuncOptions().reduction(kNone);
  expect_values(F::hinge_embedding_loss(x, t, none), {0.5, 0.0, 1.0, 1.5});
  expect_values(F::hinge_embedding_loss(x, t, none.margin(2.5)), {0.5, 0.5, 2.5, 3.0});
  EXPECT_NEAR(item(F::hinge_embedding_loss(x, t)), 3.0 / 4, 1e-6);
  EXPECT_NEAR(item(nn::HingeEmbeddingLoss(
                  nn::HingeEmbeddingLossOptions().margin(2.5).reduction(kSum))(x, t)),
              6.5, 1e-6);
  EXPECT_EQ(F::hinge_embedding_loss(ones({2, 3}), ones({3}), none).sizes(), IntArrayRef({2, 3}));
  std::string e = error_of([] { F::hinge_embedding_loss(ones({2, 3}), ones({3, 2})); });
  EXPECT_TRUE(contains(e, "[hinge_embedding_loss] shapes [2, 3] and [3, 2] cannot be broadcast"))
      << e;
  e = error_of([] { F::hinge_embedding_loss(tensor({1, 2}), tensor({1, -1})); });
  EXPECT_TRUE(contains(e, "[hinge_embedding_loss] expected a floating point input")) << e;
  Tensor target = tensor({1.0, -1.0, -1.0, 1.0}, kDouble);
  expect_loss_grads(
      [&](const Tensor& in, Reduction r) {
        return F::hinge_embedding_loss(in, target,
                                       F::HingeEmbeddingLossFuncOptions().margin(1.2).reduction(r));
      },
      tensor({0.3, -1.2, 2.0, 0.7}));
}

// ---- likelihoods ---------------------------------------------------------------------------

TEST(Likelihoods, PoissonNLL) {
  Tensor x = tensor({0.5, 2.0, 0.3, 1.0}), t = tensor({0.0, 1.0, 2.0, 3.5});
  auto none = F::PoissonNLLLossFuncOptions().reduction(kNone);
  std::vector<double> log_rates, rates, full;
  const std::vector<double> xs{0.5, 2.0, 0.3, 1.0}, ts{0.0, 1.0, 2.0, 3.5};
  for (size_t i = 0; i < 4; ++i) {
    log_rates.push_back(std::exp(xs[i]) - ts[i] * xs[i]);
    rates.push_back(xs[i] - ts[i] * std::log(xs[i] + 1e-8));
    const double stirling =
        ts[i] > 1 ? ts[i] * std::log(ts[i]) - ts[i] + 0.5 * std::log(2 * M_PI * ts[i]) : 0.0;
    full.push_back(log_rates.back() + stirling);
  }
  expect_values(F::poisson_nll_loss(x, t, none), log_rates, 1e-5);
  expect_values(F::poisson_nll_loss(x, t, none.log_input(false)), rates, 1e-5);
  // LibTorch 1.13 prints 1.6487 5.3891 1.4017 1.6483 for these.
  expect_values(
      F::poisson_nll_loss(x, t, F::PoissonNLLLossFuncOptions().full(true).reduction(kNone)),
      {1.6487, 5.3891, 1.4017, 1.6483}, 1e-4);
  expect_values(
      F::poisson_nll_loss(x, t, F::PoissonNLLLossFuncOptions().full(true).reduction(kNone)), full,
      1e-5);
  double total = 0;
  for (double v : log_rates) total += v;
  EXPECT_NEAR(item(F::poisson_nll_loss(x, t)), total / 4, 1e-5);
  EXPECT_NEAR(item(nn::PoissonNLLLoss(nn::PoissonNLLLossOptions().reduction(kSum))(x, t)), total,
              1e-5);
  // Integer counts work as targets, with the Stirling term too.
  expect_values(
      F::poisson_nll_loss(x, t.to(kLong),
                          F::PoissonNLLLossFuncOptions().full(true).reduction(kNone)),
      values(F::poisson_nll_loss(x, t.to(kLong).to(kFloat),
                                 F::PoissonNLLLossFuncOptions().full(true).reduction(kNone))),
      1e-6);
  // eps keeps a zero rate finite.
  EXPECT_TRUE(std::isfinite(item(F::poisson_nll_loss(
      zeros({2}), ones({2}), F::PoissonNLLLossFuncOptions().log_input(false)))));
  // The full loss's gradient to a target of 0 is finite (the Stirling term is not used there).
  Tensor td = tensor({0.0, 1.0, 2.5}, dtype(kDouble).requires_grad(true));
  F::poisson_nll_loss(tensor({0.1, 0.2, 0.3}, kDouble), td,
                      F::PoissonNLLLossFuncOptions().full(true).reduction(kSum))
      .backward();
  EXPECT_TRUE(td.grad().isfinite().all().item<bool>()) << td.grad();
  std::string e = error_of([] { F::poisson_nll_loss(ones({2, 3}), ones({3, 2})); });
  EXPECT_TRUE(contains(e, "[poisson_nll_loss] shapes [2, 3] and [3, 2] cannot be broadcast")) << e;
  Tensor counts = tensor({0.0, 1.0, 2.0, 4.0}, kDouble);
  for (bool log_input : {true, false}) {
    expect_loss_grads(
        [&](const Tensor& in, Reduction r) {
          return F::poisson_nll_loss(
              in, counts,
              F::PoissonNLLLossFuncOptions().log_input(log_input).full(true).eps(0.1).reduction(r));
        },
        tensor({0.5, 2.0, 0.3, 1.2}));
  }
}

TEST(Likelihoods, GaussianNLL) {
  Tensor x = tensor({{1.0, 2.0}, {0.5, -1.0}}), t = tensor({{0.0, 2.5}, {0.5, 1.0}});
  Tensor var = tensor({{0.5, 2.0}, {1.0, 4.0}});
  auto pointwise = [](double m, double y, double v) {
    return 0.5 * (std::log(v) + (m - y) * (m - y) / v);
  };
  const std::vector<double> expected{pointwise(1, 0, 0.5), pointwise(2, 2.5, 2),
                                     pointwise(0.5, 0.5, 1), pointwise(-1, 1, 4)};
  auto none = F::GaussianNLLLossFuncOptions().reduction(kNone);
  expect_values(F::gaussian_nll_loss(x, t, var, none), expected);
  const double total = expected[0] + expected[1] + expected[2] + expected[3];
  EXPECT_NEAR(item(F::gaussian_nll_loss(x, t, var)), total / 4, 1e-6);
  EXPECT_NEAR(
      item(nn::GaussianNLLLoss(nn::GaussianNLLLossOptions().full(true).reduction(kSum))(x, t, var)),
      total + 4 * 0.5 * std::log(2 * M_PI), 1e-5);
  // One variance per row: var [2] (one dim fewer) or [2, 1] (last dim 1) broadcast over the row.
  Tensor row_var = tensor({0.5, 4.0});
  Tensor expanded = row_var.unsqueeze(1).expand({2, 2});
  expect_values(F::gaussian_nll_loss(x, t, row_var, none),
                values(F::gaussian_nll_loss(x, t, expanded, none)));
  expect_values(F::gaussian_nll_loss(x, t, row_var.unsqueeze(1), none),
                values(F::gaussian_nll_loss(x, t, expanded, none)));
  // A 0-d var for a [C] input is one fewer dim too.
  EXPECT_NEAR(item(F::gaussian_nll_loss(x[0], t[0], tensor(2.0),
                                        F::GaussianNLLLossFuncOptions().reduction(kSum))),
              pointwise(1, 0, 2) + pointwise(2, 2.5, 2), 1e-6);

  // Variances below eps are clamped to eps, and the gradient passes the clamp as if it were
  // not there (PyTorch clamps a copy without autograd).
  Tensor m = tensor({1.0, 1.0}, dtype(kDouble).requires_grad(true));
  Tensor v = tensor({0.0, 2.0}, dtype(kDouble).requires_grad(true));
  Tensor loss = F::gaussian_nll_loss(m, zeros({2}, kDouble), v,
                                     F::GaussianNLLLossFuncOptions().eps(0.5).reduction(kSum));
  EXPECT_NEAR(loss.item<double>(), pointwise(1, 0, 0.5) + pointwise(1, 0, 2), 1e-12);
  loss.backward();
  expect_values(v.grad(), {0.5 * (1 / 0.5 - 1 / 0.25), 0.5 * (1 / 2.0 - 1 / 4.0)}, 1e-12);
  expect_values(m.grad(), {1 / 0.5, 1 / 2.0}, 1e-12);
  EXPECT_EQ(v.detach()[0].item<double>(), 0.0);  // the caller's var is untouched

  std::string e = error_of([&] { F::gaussian_nll_loss(x, t, ones({2, 3})); });
  EXPECT_TRUE(contains(e,
                       "[gaussian_nll_loss] var of shape [2, 3] does not fit the input of "
                       "shape [2, 2]"))
      << e;
  e = error_of([&] { F::gaussian_nll_loss(x, t, ones({3})); });
  EXPECT_TRUE(contains(e, "var of shape [3] does not fit")) << e;
  e = error_of([&] { F::gaussian_nll_loss(x, t, ones({2, 2, 1})); });
  EXPECT_TRUE(contains(e, "var of shape [2, 2, 1] does not fit")) << e;
  e = error_of([&] { F::gaussian_nll_loss(x, t, tensor({{0.5, -2.0}, {1.0, 4.0}})); });
  EXPECT_TRUE(contains(e, "[gaussian_nll_loss] var has negative entries (the smallest is -2)"))
      << e;
  e = error_of([&] { F::gaussian_nll_loss(x, ones({3}), var); });
  EXPECT_TRUE(contains(e, "[gaussian_nll_loss] shapes [2, 2] and [3] cannot be broadcast")) << e;
  e = error_of([&] { F::gaussian_nll_loss(x, t, ones({2, 2}, kLong)); });
  EXPECT_TRUE(contains(e, "[gaussian_nll_loss] expected a floating point var")) << e;

  // Gradients to the mean and the variance (kept above eps), each reduction.
  Tensor target = tensor({{0.0, 2.5, 1.0}, {0.5, 1.0, -1.0}}, kDouble);
  for (Reduction r : {kMean, kSum, kNone}) {
    Tensor mean = tensor({{1.0, 2.0, 0.0}, {0.5, -1.0, 0.3}}, dtype(kDouble).requires_grad(true));
    Tensor variance = tensor({0.5, 3.0}, dtype(kDouble).requires_grad(true));
    expect_grads_match(
        [&] {
          return project(F::gaussian_nll_loss(
              mean, target, variance, F::GaussianNLLLossFuncOptions().full(true).reduction(r)));
        },
        {mean, variance});
  }
}

// ---- triplets with any distance ------------------------------------------------------------

TEST(TripletWithDistance, DefaultIsPairwiseDistance) {
  manual_seed(6);
  const Tensor a = randn({4, 3}), p = randn({4, 3}), n = randn({4, 3});
  // The defaults (pairwise distance, margin 1, no swap) are triplet_margin_loss's.
  EXPECT_TRUE(
      F::triplet_margin_with_distance_loss(a, p, n).allclose(F::triplet_margin_loss(a, p, n)));
  auto cosine = [](const Tensor& x1, const Tensor& x2) { return 1 - F::cosine_similarity(x1, x2); };
  const Tensor d_ap = cosine(a, p), d_an = cosine(a, n), d_pn = cosine(p, n);
  nn::TripletMarginWithDistanceLoss module(nn::TripletMarginWithDistanceLossOptions()
                                               .distance_function(cosine)
                                               .margin(0.5)
                                               .swap(true)
                                               .reduction(kNone));
  EXPECT_TRUE(module(a, p, n).allclose((d_ap - minimum(d_an, d_pn) + 0.5).clamp_min(0)));
  EXPECT_TRUE(
      F::triplet_margin_with_distance_loss(
          a, p, n,
          F::TripletMarginWithDistanceLossFuncOptions().distance_function(cosine).reduction(kSum))
          .allclose((d_ap - d_an + 1).clamp_min(0).sum()));
  std::string e = error_of([&] { F::triplet_margin_with_distance_loss(a, p, n[0]); });
  EXPECT_TRUE(contains(e,
                       "[triplet_margin_with_distance_loss] expected anchor, positive and "
                       "negative with one number of dims, got shapes [4, 3], [4, 3] and [3]"))
      << e;
  e = error_of([&] {
    F::triplet_margin_with_distance_loss(
        a, p, n,
        F::TripletMarginWithDistanceLossFuncOptions().distance_function(
            [](const Tensor&, const Tensor&) { return Tensor(); }));
  });
  EXPECT_TRUE(contains(e, "the distance function returned an undefined tensor")) << e;
  e = error_of([&] {
    F::triplet_margin_with_distance_loss(
        a, p, n, F::TripletMarginWithDistanceLossFuncOptions().reduction(kBatchMean));
  });
  EXPECT_TRUE(contains(e, "only supported by kl_div")) << e;

  const Tensor pd = p.to(kDouble), nd = n.to(kDouble);
  for (bool swap : {false, true}) {
    expect_loss_grads(
        [&](const Tensor& in, Reduction r) {
          return F::triplet_margin_with_distance_loss(in, pd, nd,
                                                      F::TripletMarginWithDistanceLossFuncOptions()
                                                          .distance_function(cosine)
                                                          .margin(0.7)
                                                          .swap(swap)
                                                          .reduction(r));
        },
        a);
  }
}

// The printouts of the new loss modules, as LibTorch 1.13's with nabla's namespace.
TEST(Loss, NewModulesPrint) {
  auto str = [](const auto& holder) {
    std::ostringstream o;
    o << holder;
    return o.str();
  };
  EXPECT_EQ(str(nn::SoftMarginLoss(kSum)), "nabla::nn::SoftMarginLoss()");
  EXPECT_EQ(str(nn::MultiLabelSoftMarginLoss()), "nabla::nn::MultiLabelSoftMarginLoss()");
  EXPECT_EQ(str(nn::MultiLabelMarginLoss()), "nabla::nn::MultiLabelMarginLoss()");
  EXPECT_EQ(str(nn::PoissonNLLLoss()), "nabla::nn::PoissonNLLLoss()");
  EXPECT_EQ(str(nn::GaussianNLLLoss()), "nabla::nn::GaussianNLLLoss()");
  EXPECT_EQ(str(nn::HingeEmbeddingLoss(nn::HingeEmbeddingLossOptions().margin(2.5))),
            "nabla::nn::HingeEmbeddingLoss(margin=2.5)");
  EXPECT_EQ(str(nn::TripletMarginWithDistanceLoss(
                nn::TripletMarginWithDistanceLossOptions().margin(0.5).swap(true))),
            "nabla::nn::TripletMarginWithDistanceLoss(margin=0.5, swap=true)");
  EXPECT_EQ(str(nn::MultiMarginLoss()),
            "nabla::nn::MultiMarginLoss(p=1, margin=1, weight=[ Tensor (undefined) ], "
            "reduction=kMean)");
  // The weight prints as nabla prints tensors (LibTorch's shows its values, then
  // "[ CPUFloatType{3} ]"; see docs/api-differences.md).
  EXPECT_EQ(str(nn::MultiMarginLoss(nn::MultiMarginLossOptions()
                                        .p(2)
                                        .margin(0.5)
                                        .weight(tensor({1.0f, 2.0f, 0.5f}))
                                        .reduction(kSum))),
            "nabla::nn::MultiMarginLoss(p=2, margin=0.5, weight=tensor([1.0000, 2.0000, 0.5000], "
            "size=[3], dtype=float32), reduction=kSum)");
}

// ---- CTC -----------------------------------------------------------------------------------

namespace {

// x = torch.sin(torch.arange(90, dtype=torch.float64) * 0.37).reshape(6, 3, 5).log_softmax(2)
Tensor ctc_log_probs() {
  return arange(90, dtype(kDouble)).mul(0.37).sin().view({6, 3, 5}).log_softmax(2);
}
Tensor ctc_targets() { return tensor({{1, 2, 2}, {3, 4, 0}, {1, 0, 0}}); }
Tensor ctc_input_lengths() { return tensor({6, 5, 4}); }
Tensor ctc_target_lengths() { return tensor({3, 2, 1}); }

}  // namespace

TEST(Loss, CTCMatchesPyTorch) {
  const Tensor x = ctc_log_probs();
  // F.ctc_loss(x, targets, input_lengths, target_lengths, reduction='none')
  const std::vector<double> none = {7.110428086419342, 4.012099632025215, 2.9581868424924673};
  expect_values(F::ctc_loss(x, ctc_targets(), ctc_input_lengths(), ctc_target_lengths(),
                            F::CTCLossFuncOptions().reduction(kNone)),
                none, 1e-10);
  EXPECT_NEAR(item(F::ctc_loss(x, ctc_targets(), ctc_input_lengths(), ctc_target_lengths(),
                               F::CTCLossFuncOptions().reduction(kSum))),
              14.080714560937025, 1e-10);
  EXPECT_NEAR(item(F::ctc_loss(x, ctc_targets(), ctc_input_lengths(), ctc_target_lengths())),
              2.4447931179927296, 1e-10);
  // The same targets concatenated: torch.tensor([1, 2, 2, 3, 4, 1]).
  expect_values(F::ctc_loss(x, tensor({1, 2, 2, 3, 4, 1}), ctc_input_lengths(),
                            ctc_target_lengths(), F::CTCLossFuncOptions().reduction(kNone)),
                none, 1e-10);
  // blank=4
  expect_values(F::ctc_loss(x, ctc_targets(), ctc_input_lengths(), ctc_target_lengths(),
                            F::CTCLossFuncOptions().blank(4).reduction(kNone)),
                {6.918474963499485, 3.961307219188227, 4.382874629392295}, 1e-10);
  // Unbatched: F.ctc_loss(x[:, 0], targets[0], input_lengths[0], target_lengths[0], 'none') is
  // 0-d.
  const Tensor unbatched =
      F::ctc_loss(x.select(1, 0), ctc_targets()[0], ctc_input_lengths()[0], ctc_target_lengths()[0],
                  F::CTCLossFuncOptions().reduction(kNone));
  EXPECT_NEAR(item(unbatched), 7.110428086419342, 1e-10);
  // Zero input and target lengths: loss 0.
  expect_values(F::ctc_loss(x, ctc_targets(), tensor({0, 5, 4}), tensor({0, 2, 1}),
                            F::CTCLossFuncOptions().reduction(kNone)),
                {0.0, 4.012099632025215, 2.9581868424924673}, 1e-10);
  // The module and LibTorch's namespace-level forms, with int32 lengths.
  nn::CTCLoss criterion(nn::CTCLossOptions().reduction(kSum));
  EXPECT_NEAR(item(criterion(x, ctc_targets(), ctc_input_lengths().to(kInt),
                             ctc_target_lengths().to(kInt))),
              14.080714560937025, 1e-10);
  EXPECT_NEAR(item(nabla::ctc_loss(x, ctc_targets(), std::vector<int64_t>{6, 5, 4},
                                   std::vector<int64_t>{3, 2, 1})),
              2.4447931179927296, 1e-10);
  EXPECT_NEAR(item(nabla::ctc_loss(x, ctc_targets(), ctc_input_lengths(), ctc_target_lengths(),
                                   /*blank=*/0, kSum)),
              14.080714560937025, 1e-10);
}

TEST(Loss, CTCGradients) {
  // Through log_softmax the gradient is PyTorch's: the sum of |grad| of
  // F.ctc_loss(z.log_softmax(2), ...) w.r.t. z, reduction 'sum' (PyTorch's gradient w.r.t.
  // log_probs itself assumes they are normalized; nabla's is the exact derivative).
  Tensor z = arange(90, dtype(kDouble)).mul(0.37).sin().view({6, 3, 5}).requires_grad_(true);
  F::ctc_loss(z.log_softmax(2), ctc_targets(), ctc_input_lengths(), ctc_target_lengths(),
              F::CTCLossFuncOptions().reduction(kSum))
      .backward();
  EXPECT_NEAR(z.grad().abs().sum().item<double>(), 15.664605801421903, 1e-9);
  EXPECT_NEAR(z.grad().sum().item<double>(), 0.0, 1e-12);
  for (Reduction r : {kMean, kSum, kNone}) {
    const Tensor lp = ctc_log_probs().detach().requires_grad_(true);
    EXPECT_TRUE(autograd::gradcheck(
        [&](const autograd::variable_list& x) {
          return F::ctc_loss(x[0], ctc_targets(), ctc_input_lengths(), ctc_target_lengths(),
                             F::CTCLossFuncOptions().reduction(r));
        },
        {lp}))
        << toString(r);
  }
}

TEST(Loss, CTCZeroInfinity) {
  // Two steps cannot align [1, 2, 2] (3 and 2 labels need 4 and 2 steps with the repeat's
  // blank): PyTorch's loss is inf, with zero_infinity 0 and no gradient.
  const Tensor lengths = tensor({2, 2, 2});
  const Tensor x = ctc_log_probs().narrow(0, 0, 2).contiguous();
  const Tensor plain = F::ctc_loss(x, ctc_targets(), lengths, ctc_target_lengths(),
                                   F::CTCLossFuncOptions().reduction(kNone));
  EXPECT_TRUE(std::isinf(plain[0].item<double>()));
  expect_values(plain.narrow(0, 1, 2), {3.9034022251526883, 1.690929743602285}, 1e-10);
  Tensor lp = x.clone().requires_grad_(true);
  const Tensor zeroed = F::ctc_loss(lp, ctc_targets(), lengths, ctc_target_lengths(),
                                    F::CTCLossFuncOptions().reduction(kNone).zero_infinity(true));
  expect_values(zeroed, {0.0, 3.9034022251526883, 1.690929743602285}, 1e-10);
  zeroed.sum().backward();
  EXPECT_EQ(lp.grad().select(1, 0).abs().sum().item<double>(), 0.0);
  EXPECT_FALSE(lp.grad().isnan().any().item<bool>());
}

TEST(Loss, CTCErrors) {
  const Tensor x = ctc_log_probs();
  const auto message = [&](const Tensor& lp, const Tensor& targets, const Tensor& in_len,
                           const Tensor& tg_len, int64_t blank = 0) {
    return error_of(
        [&] { F::ctc_loss(lp, targets, in_len, tg_len, F::CTCLossFuncOptions().blank(blank)); });
  };
  EXPECT_TRUE(contains(message(x, ctc_targets(), tensor({7, 5, 4}), ctc_target_lengths()),
                       "input_lengths to have value at most 6"));
  EXPECT_TRUE(contains(message(x, ctc_targets(), ctc_input_lengths(), tensor({4, 2, 1})),
                       "target_lengths to have value at most 3"));
  EXPECT_TRUE(
      contains(message(x, ctc_targets(), ctc_input_lengths(), ctc_target_lengths(), /*blank=*/5),
               "blank must be in label range"));
  EXPECT_TRUE(contains(message(x, ctc_targets(), tensor({6.0, 5.0, 4.0}), ctc_target_lengths()),
                       "input_lengths must be integral"));
  EXPECT_TRUE(contains(message(x, ctc_targets(), tensor({6, 5}), ctc_target_lengths()),
                       "must be of size batch_size"));
  EXPECT_TRUE(
      contains(message(x, ctc_targets().to(kDouble), ctc_input_lengths(), ctc_target_lengths()),
               "targets of dtype int64 or int32"));
  EXPECT_TRUE(
      contains(message(x.to(kLong), ctc_targets(), ctc_input_lengths(), ctc_target_lengths()),
               "floating point log_probs"));
  EXPECT_TRUE(contains(message(x, tensor({{1, 7, 2}, {3, 4, 0}, {1, 0, 0}}), ctc_input_lengths(),
                               ctc_target_lengths()),
                       "target 7 is out of range"));
  EXPECT_TRUE(contains(message(x, tensor({1, 2, 2}), ctc_input_lengths(), ctc_target_lengths()),
                       "fewer than the sum of target_lengths"));
}
