// Losses: values for each reduction, PyTorch's weighted / ignore_index / label smoothing
// semantics, float64 numerical gradient checks and error messages.
#include <gtest/gtest.h>
#include <nabla/nabla.h>

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
