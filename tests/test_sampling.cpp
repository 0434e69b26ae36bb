// topk / sort (forward values, indices, errors, gradients) and next-token sampling
// (nabla/nn/utils/sampling.h): greedy, top-k, temperature and seeding.
#include <gtest/gtest.h>
#include <nabla/nabla.h>
#include <nabla/nn/utils/sampling.h>

#include <cmath>
#include <limits>
#include <set>
#include <vector>

using nabla::Tensor;
namespace U = nabla::nn::utils;

namespace {

std::vector<double> values_of(const Tensor& t) {
  Tensor c = t.to(nabla::kDouble).contiguous().flatten();
  return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}

std::vector<int64_t> indices_of(const Tensor& t) {
  Tensor c = t.contiguous().flatten();
  return std::vector<int64_t>(c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel());
}

double entropy(const Tensor& probs) {
  double h = 0;
  for (double p : values_of(probs))
    if (p > 0) h -= p * std::log(p);
  return h;
}

const double kNaN = std::numeric_limits<double>::quiet_NaN();

}  // namespace

// ---- topk and sort -------------------------------------------------------------------------

TEST(Sort, AscendingAndDescendingWithStableTies) {
  Tensor x = nabla::tensor(std::vector<double>{3, 1, 2, 1});
  auto [v, i] = x.sort();
  EXPECT_EQ(values_of(v), (std::vector<double>{1, 1, 2, 3}));
  EXPECT_EQ(indices_of(i), (std::vector<int64_t>{1, 3, 2, 0}));
  auto [vd, id] = nabla::sort(x, 0, true);
  EXPECT_EQ(values_of(vd), (std::vector<double>{3, 2, 1, 1}));
  EXPECT_EQ(indices_of(id), (std::vector<int64_t>{0, 2, 1, 3}));
  EXPECT_EQ(i.scalar_type(), nabla::kLong);
}

TEST(Sort, NaNIsLargestAsInPyTorch) {
  Tensor x = nabla::tensor(std::vector<double>{1, kNaN, 3, 1});
  EXPECT_EQ(indices_of(std::get<1>(x.sort())), (std::vector<int64_t>{0, 3, 2, 1}));
  EXPECT_EQ(indices_of(std::get<1>(x.sort(0, true))), (std::vector<int64_t>{1, 2, 0, 3}));
  EXPECT_EQ(indices_of(std::get<1>(x.topk(2))), (std::vector<int64_t>{1, 2}));
}

TEST(Sort, AlongAnyDimAndDtype) {
  Tensor x = nabla::tensor(std::vector<int64_t>{5, 0, 7, 2, 9, 1}).view({2, 3});
  auto [v0, i0] = x.sort(0);
  EXPECT_EQ(values_of(v0), (std::vector<double>{2, 0, 1, 5, 9, 7}));
  EXPECT_EQ(indices_of(i0), (std::vector<int64_t>{1, 0, 1, 0, 1, 0}));
  EXPECT_EQ(v0.scalar_type(), nabla::kLong);
  // A non-contiguous input sorts the same as its contiguous copy.
  auto [vt, it] = x.t().sort(-1, true);
  EXPECT_EQ(values_of(vt), (std::vector<double>{5, 2, 9, 0, 7, 1}));
  EXPECT_EQ(indices_of(it), (std::vector<int64_t>{0, 1, 1, 0, 0, 1}));
}

TEST(Topk, LargestSmallestAndShapes) {
  Tensor x = nabla::tensor(std::vector<float>{0.5f, -1, 4, 2, 3, 0}).view({2, 3});
  auto [v, i] = x.topk(2);
  EXPECT_EQ(v.sizes().vec(), (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(values_of(v), (std::vector<double>{4, 0.5, 3, 2}));
  EXPECT_EQ(indices_of(i), (std::vector<int64_t>{2, 0, 1, 0}));
  auto [vs, is] = nabla::topk(x, 1, 0, /*largest=*/false);
  EXPECT_EQ(values_of(vs), (std::vector<double>{0.5, -1, 0}));
  EXPECT_EQ(indices_of(is), (std::vector<int64_t>{0, 0, 1}));
  EXPECT_EQ(std::get<0>(x.topk(0)).sizes().vec(), (std::vector<int64_t>{2, 0}));
  EXPECT_EQ(std::get<0>(x.topk(3)).sizes().vec(), (std::vector<int64_t>{2, 3}));
}

TEST(Topk, ZeroDimAndEmpty) {
  auto [v, i] = nabla::tensor(3.0).topk(1);
  EXPECT_EQ(v.dim(), 0);
  EXPECT_EQ(v.item<double>(), 3.0);
  EXPECT_EQ(i.item<int64_t>(), 0);
  auto [e, ei] = nabla::ones({0, 3}).topk(2);
  EXPECT_EQ(e.sizes().vec(), (std::vector<int64_t>{0, 2}));
  auto [s, si] = nabla::tensor(2.0).sort();
  EXPECT_EQ(s.item<double>(), 2.0);
}

TEST(Topk, ErrorsNameTheProblem) {
  Tensor x = nabla::ones({2, 3});
  EXPECT_THROW(x.topk(4), nabla::Error);
  EXPECT_THROW(x.topk(-1), nabla::Error);
  EXPECT_THROW(x.topk(1, 2), nabla::Error);
  EXPECT_THROW(x.sort(-3), nabla::Error);
  EXPECT_THROW(nabla::tensor(1.0).topk(2), nabla::Error);
  EXPECT_THROW(Tensor().sort(), nabla::Error);
  try {
    x.topk(4, 1);
    FAIL() << "topk(4) of size 3 did not throw";
  } catch (const nabla::Error& e) {
    EXPECT_NE(std::string(e.what()).find("[topk] k (4) is out of range"), std::string::npos)
        << e.what();
  }
}

TEST(Topk, GradientGoesBackToTheChosenIndices) {
  Tensor x = nabla::tensor(std::vector<double>{0.5, -1, 4, 2, 3, 0}).view({2, 3});
  x.requires_grad_(true);
  auto [v, i] = x.topk(2);
  EXPECT_EQ(v.grad_fn()->name(), "TopkBackward0");
  EXPECT_FALSE(i.requires_grad());
  (v * nabla::tensor(std::vector<double>{1, 2, 3, 4}).view({2, 2})).sum().backward();
  EXPECT_EQ(values_of(x.grad()), (std::vector<double>{2, 0, 1, 4, 3, 0}));
  Tensor y = x.detach().requires_grad_(true);
  std::get<0>(y.sort(0, true)).select(0, 0).sum().backward();  // the column maxima
  EXPECT_EQ(values_of(y.grad()), (std::vector<double>{0, 0, 1, 1, 1, 0}));
}

// ---- sampling ------------------------------------------------------------------------------

TEST(Sampling, TopKOneIsArgmax) {
  nabla::manual_seed(1);
  Tensor logits = nabla::randn({16, 50});
  Tensor expected = logits.argmax(-1);
  for (int trial = 0; trial < 5; ++trial)
    EXPECT_TRUE(U::sample(logits, U::SamplingOptions().top_k(1)).equal(expected));
  EXPECT_TRUE(U::sample(logits, U::SamplingOptions().temperature(0)).equal(expected));
  EXPECT_TRUE(U::sample(logits, U::SamplingOptions().temperature(5).top_k(1)).equal(expected));
}

TEST(Sampling, ShapesAndDtype) {
  Tensor one = U::sample(nabla::zeros({7}));
  EXPECT_EQ(one.dim(), 0);
  EXPECT_EQ(one.scalar_type(), nabla::kLong);
  EXPECT_GE(one.item<int64_t>(), 0);
  EXPECT_LT(one.item<int64_t>(), 7);
  Tensor rows = U::sample(nabla::zeros({4, 7}, nabla::kDouble));
  EXPECT_EQ(rows.sizes().vec(), (std::vector<int64_t>{4}));
  EXPECT_EQ(U::sample(nabla::zeros({3}), U::SamplingOptions().temperature(0)).dim(), 0);
}

TEST(Sampling, SameSeedSameSamples) {
  Tensor logits = nabla::randn({8, 30});
  auto draw = [&](uint64_t seed) {
    nabla::manual_seed(seed);
    std::vector<int64_t> out;
    for (int i = 0; i < 10; ++i) {
      auto s = indices_of(U::sample(logits, U::SamplingOptions().temperature(1.5).top_k(10)));
      out.insert(out.end(), s.begin(), s.end());
    }
    return out;
  };
  EXPECT_EQ(draw(42), draw(42));
  EXPECT_NE(draw(42), draw(43));
}

TEST(Sampling, TopKKeepsExactlyKTokens) {
  Tensor logits = nabla::tensor(std::vector<float>{1, 5, 3, 5, 0, 4});
  Tensor f = U::top_k_filter(logits, 3);
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(values_of(f), (std::vector<double>{-inf, 5, -inf, 5, -inf, 4}));
  EXPECT_TRUE(U::top_k_filter(logits, 0).equal(logits));
  EXPECT_TRUE(U::top_k_filter(logits, 100).equal(logits));
  nabla::manual_seed(3);
  std::set<int64_t> seen;
  for (int i = 0; i < 300; ++i)
    seen.insert(U::sample(logits, U::SamplingOptions().temperature(10).top_k(3)).item<int64_t>());
  EXPECT_EQ(seen, (std::set<int64_t>{1, 3, 5}));
}

TEST(Sampling, TemperatureSharpensOrFlattens) {
  nabla::manual_seed(5);
  Tensor logits = nabla::randn({20});
  const double cold = entropy(U::sampling_probs(logits, U::SamplingOptions().temperature(0.5)));
  const double warm = entropy(U::sampling_probs(logits));
  const double hot = entropy(U::sampling_probs(logits, U::SamplingOptions().temperature(2)));
  EXPECT_LT(cold, warm);
  EXPECT_LT(warm, hot);
  EXPECT_LT(hot, std::log(20.0));
  // The draws follow the distribution: empirical frequencies within a few standard errors.
  Tensor probs = U::sampling_probs(logits, U::SamplingOptions().temperature(2));
  const int64_t n = 20000;
  Tensor draws = U::sample(logits.expand({n, 20}), U::SamplingOptions().temperature(2));
  std::vector<double> count(20, 0);
  for (int64_t t : indices_of(draws)) count[static_cast<size_t>(t)] += 1;
  const std::vector<double> p = values_of(probs);
  for (size_t j = 0; j < 20; ++j) {
    const double se = std::sqrt(p[j] * (1 - p[j]) / static_cast<double>(n));
    EXPECT_NEAR(count[j] / static_cast<double>(n), p[j], 5 * se + 1e-4) << "token " << j;
  }
}

TEST(Sampling, BadInputRaises) {
  Tensor logits = nabla::zeros({2, 5});
  EXPECT_THROW(U::sample(logits, U::SamplingOptions().temperature(-1)), nabla::Error);
  EXPECT_THROW(U::sample(logits, U::SamplingOptions().temperature(kNaN)), nabla::Error);
  EXPECT_THROW(U::sample(logits, U::SamplingOptions().top_k(-2)), nabla::Error);
  EXPECT_THROW(U::sample(nabla::zeros({2, 3, 5})), nabla::Error);
  EXPECT_THROW(U::sample(nabla::tensor(1.0)), nabla::Error);
  EXPECT_THROW(U::sample(nabla::zeros({2, 0})), nabla::Error);
  EXPECT_THROW(U::sample(nabla::zeros({5}, nabla::kLong)), nabla::Error);
  EXPECT_THROW(U::sampling_probs(logits, U::SamplingOptions().temperature(0)), nabla::Error);
  EXPECT_THROW(U::top_k_filter(logits, -1), nabla::Error);
  try {
    U::sample(logits, U::SamplingOptions().temperature(-0.5));
    FAIL() << "a negative temperature did not throw";
  } catch (const nabla::Error& e) {
    EXPECT_NE(std::string(e.what()).find("[sample] temperature"), std::string::npos) << e.what();
  }
}
