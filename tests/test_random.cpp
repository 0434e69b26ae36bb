// Random numbers: Philox known answers, determinism (seeds, thread counts), distributions,
// integer draws, in-place fills and errors.
#include <gtest/gtest.h>
#include <nabla/autograd.h>
#include <nabla/creation.h>
#include <nabla/ops.h>
#include <nabla/print.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "../src/core/generator.h"

namespace {

using nabla::Tensor;

std::vector<double> values(const Tensor& t) {
  Tensor d = t.to(nabla::kDouble).contiguous();
  const double* p = d.data_ptr<double>();
  return std::vector<double>(p, p + d.numel());
}

std::vector<int64_t> longs(const Tensor& t) {
  Tensor d = t.to(nabla::kLong).contiguous();
  const int64_t* p = d.data_ptr<int64_t>();
  return std::vector<int64_t>(p, p + d.numel());
}

double mean_of(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}

double var_of(const std::vector<double>& v) {
  const double m = mean_of(v);
  double s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return s / static_cast<double>(v.size() - 1);
}

// Restores the thread count a test changed.
struct ThreadGuard {
  int saved = nabla::get_num_threads();
  ~ThreadGuard() { nabla::set_num_threads(saved); }
};

}  // namespace

// Known-answer vectors from the Random123 reference (kat_vectors, philox4x32 10 rounds).
TEST(Philox, KnownAnswers) {
  using nabla::detail::philox4x32_10;
  EXPECT_EQ(philox4x32_10({0, 0, 0, 0}, 0, 0),
            (std::array<uint32_t, 4>{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}));
  EXPECT_EQ(philox4x32_10({0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, 0xffffffff, 0xffffffff),
            (std::array<uint32_t, 4>{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}));
  EXPECT_EQ(philox4x32_10({0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, 0xa4093822, 0x299f31d0),
            (std::array<uint32_t, 4>{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}));
}

TEST(Generator, SeedAndOffset) {
  nabla::manual_seed(123);
  EXPECT_EQ(nabla::initial_seed(), 123u);
  EXPECT_EQ(nabla::detail::default_generator().offset(), 0u);
  nabla::rand({10});
  EXPECT_EQ(nabla::detail::default_generator().offset(), 10u);
  nabla::randn({2, 3});
  EXPECT_EQ(nabla::detail::default_generator().offset(), 16u);
  const uint64_t s = nabla::seed();
  EXPECT_EQ(nabla::initial_seed(), s);
  EXPECT_EQ(nabla::detail::default_generator().offset(), 0u);
}

TEST(Rand, SameSeedSameNumbers) {
  nabla::manual_seed(42);
  Tensor a = nabla::rand({100});
  Tensor b = nabla::randn({100});
  Tensor c = nabla::randint(0, 1000, {100});
  nabla::manual_seed(42);
  EXPECT_TRUE(nabla::equal(a, nabla::rand({100})));
  EXPECT_TRUE(nabla::equal(b, nabla::randn({100})));
  EXPECT_TRUE(nabla::equal(c, nabla::randint(0, 1000, {100})));
  // Consecutive calls continue the stream instead of repeating it.
  EXPECT_FALSE(nabla::equal(a, nabla::rand({100})));
}

TEST(Rand, DifferentSeedsDiffer) {
  nabla::manual_seed(1);
  Tensor a = nabla::rand({64});
  nabla::manual_seed(2);
  Tensor b = nabla::rand({64});
  EXPECT_FALSE(nabla::equal(a, b));
}

TEST(Rand, IndependentOfThreadCount) {
  ThreadGuard guard;
  auto draw = [] {
    nabla::manual_seed(7);
    return std::vector<Tensor>{nabla::rand({300001}), nabla::randn({300001}, nabla::kFloat64),
                               nabla::randint(-5, 5, {300001}), nabla::randperm(100000),
                               nabla::bernoulli(nabla::full({200001}, 0.3))};
  };
  nabla::set_num_threads(1);
  auto one = draw();
  nabla::set_num_threads(2);
  auto two = draw();
  nabla::set_num_threads(3);
  auto three = draw();
  for (size_t i = 0; i < one.size(); ++i) {
    EXPECT_TRUE(nabla::equal(one[i], two[i])) << "tensor " << i;
    EXPECT_TRUE(nabla::equal(one[i], three[i])) << "tensor " << i;
  }
}

TEST(Rand, ElementDependsOnlyOnCounter) {
  // Element i uses counter offset + i: a prefix of a larger draw equals a smaller draw.
  nabla::manual_seed(9);
  Tensor big = nabla::rand({1000});
  nabla::manual_seed(9);
  Tensor small = nabla::rand({10});
  EXPECT_TRUE(nabla::equal(big.slice(0, 0, 10), small));
}

TEST(Rand, UniformMoments) {
  nabla::manual_seed(0);
  for (auto dtype : {nabla::kFloat32, nabla::kFloat64}) {
    Tensor t = nabla::rand({1000000}, dtype);
    EXPECT_EQ(t.scalar_type(), dtype);
    auto v = values(t);
    EXPECT_NEAR(mean_of(v), 0.5, 3e-3);
    EXPECT_NEAR(var_of(v), 1.0 / 12, 1e-3);
    EXPECT_GE(*std::min_element(v.begin(), v.end()), 0.0);
    EXPECT_LT(*std::max_element(v.begin(), v.end()), 1.0);
  }
}

TEST(Rand, NormalMoments) {
  nabla::manual_seed(0);
  for (auto dtype : {nabla::kFloat32, nabla::kFloat64}) {
    auto v = values(nabla::randn({1000000}, dtype));
    EXPECT_NEAR(mean_of(v), 0.0, 5e-3);
    EXPECT_NEAR(var_of(v), 1.0, 5e-3);
    double skew = 0, kurt = 0;
    for (double x : v) {
      skew += x * x * x;
      kurt += x * x * x * x;
    }
    EXPECT_NEAR(skew / v.size(), 0.0, 2e-2);
    EXPECT_NEAR(kurt / v.size(), 3.0, 5e-2);
    for (double x : v) ASSERT_TRUE(std::isfinite(x));
  }
}

TEST(Rand, OptionsAndShapes) {
  Tensor a = nabla::rand({2, 3}, nabla::dtype(nabla::kFloat64).requires_grad(true));
  EXPECT_EQ(a.sizes().vec(), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(a.scalar_type(), nabla::kFloat64);
  EXPECT_TRUE(a.requires_grad());
  EXPECT_TRUE(a.is_leaf());
  EXPECT_EQ(nabla::randn({}).dim(), 0);
  EXPECT_EQ(nabla::rand({0, 4}).numel(), 0);
  EXPECT_EQ(nabla::randn({3}).scalar_type(), nabla::kFloat32);
  Tensor like = nabla::rand_like(nabla::zeros({4, 5}, nabla::kFloat64));
  EXPECT_EQ(like.sizes().vec(), (std::vector<int64_t>{4, 5}));
  EXPECT_EQ(like.scalar_type(), nabla::kFloat64);
  EXPECT_EQ(nabla::randn_like(nabla::zeros({7})).numel(), 7);
}

TEST(Rand, Errors) {
  EXPECT_THROW(nabla::rand({3}, nabla::kInt64), nabla::Error);
  EXPECT_THROW(nabla::randn({3}, nabla::kBool), nabla::Error);
  EXPECT_THROW(nabla::rand({-1}), nabla::Error);
  EXPECT_THROW(nabla::rand_like(nabla::zeros({2}, nabla::kInt64)), nabla::Error);
  try {
    nabla::randn({2}, nabla::kInt32);
    FAIL();
  } catch (const nabla::Error& e) {
    EXPECT_NE(std::string(e.what()).find("[randn]"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("int32"), std::string::npos) << e.what();
  }
}

TEST(InPlace, UniformAndNormal) {
  nabla::manual_seed(3);
  Tensor t = nabla::zeros({200000}, nabla::kFloat64);
  const auto v0 = t._version();
  t.uniform_(-2.0, 3.0);
  EXPECT_GT(t._version(), v0);
  auto v = values(t);
  EXPECT_GE(*std::min_element(v.begin(), v.end()), -2.0);
  EXPECT_LT(*std::max_element(v.begin(), v.end()), 3.0);
  EXPECT_NEAR(mean_of(v), 0.5, 2e-2);
  t.normal_(10.0, 2.0);
  v = values(t);
  EXPECT_NEAR(mean_of(v), 10.0, 2e-2);
  EXPECT_NEAR(std::sqrt(var_of(v)), 2.0, 2e-2);
  // uniform_ on a float32 range that rounds up to `to` still stays below it.
  Tensor f = nabla::zeros({100000});
  f.uniform_(1.0, 2.0);
  auto fv = values(f);
  EXPECT_LT(*std::max_element(fv.begin(), fv.end()), 2.0);
  EXPECT_GE(*std::min_element(fv.begin(), fv.end()), 1.0);
  // Equal bounds fill with the bound.
  f.uniform_(4.0, 4.0);
  EXPECT_TRUE(nabla::equal(f, nabla::full({100000}, 4.0)));
}

TEST(InPlace, NonContiguousMatchesRowMajorOrder) {
  // A transposed view is filled in its own row-major order: element i uses counter offset + i.
  Tensor base = nabla::zeros({4, 6});
  Tensor view = base.t();
  nabla::manual_seed(11);
  view.uniform_();
  nabla::manual_seed(11);
  Tensor expected = nabla::rand({6, 4});
  EXPECT_TRUE(nabla::equal(view, expected));
  EXPECT_TRUE(nabla::equal(base, expected.t()));
}

TEST(InPlace, AutogradRules) {
  Tensor leaf = nabla::zeros({3}, nabla::requires_grad());
  EXPECT_THROW(leaf.uniform_(), nabla::Error);
  EXPECT_THROW(leaf.normal_(), nabla::Error);
  {
    nabla::NoGradGuard g;
    leaf.normal_();  // initialization under no_grad is allowed
  }
  EXPECT_TRUE(leaf.requires_grad());
  // A non-leaf that requires grad keeps requiring it; the gradient through the fill is zero.
  Tensor x = nabla::ones({3}, nabla::requires_grad());
  Tensor y = x * 2;
  y.uniform_();
  ASSERT_TRUE(y.grad_fn() != nullptr);
  EXPECT_EQ(y.grad_fn()->name(), "UniformBackward0");
  (y * 3 + x).backward(nabla::ones({3}));
  EXPECT_TRUE(nabla::equal(x.grad(), nabla::ones({3})));
}

TEST(InPlace, Errors) {
  Tensor t = nabla::zeros({3});
  EXPECT_THROW(t.uniform_(1.0, 0.0), nabla::Error);
  EXPECT_THROW(t.normal_(0.0, -1.0), nabla::Error);
  EXPECT_THROW(t.uniform_(0.0, INFINITY), nabla::Error);
  Tensor i = nabla::zeros({3}, nabla::kInt64);
  EXPECT_THROW(i.uniform_(), nabla::Error);
  EXPECT_THROW(i.normal_(), nabla::Error);
  EXPECT_THROW(Tensor().uniform_(), nabla::Error);
}

TEST(Randint, RangeAndDtype) {
  nabla::manual_seed(5);
  Tensor t = nabla::randint(-3, 4, {100000});
  EXPECT_EQ(t.scalar_type(), nabla::kInt64);
  auto v = longs(t);
  std::vector<int64_t> counts(7, 0);
  for (int64_t x : v) {
    ASSERT_GE(x, -3);
    ASSERT_LT(x, 4);
    ++counts[x + 3];
  }
  for (int64_t c : counts) EXPECT_NEAR(c / 100000.0, 1.0 / 7, 6e-3);
  Tensor h = nabla::randint(10, {2, 5});
  EXPECT_EQ(h.sizes().vec(), (std::vector<int64_t>{2, 5}));
  for (int64_t x : longs(h)) EXPECT_TRUE(x >= 0 && x < 10);
  Tensor f = nabla::randint(0, 3, {50}, nabla::kFloat32);
  EXPECT_EQ(f.scalar_type(), nabla::kFloat32);
  for (double x : values(f)) EXPECT_TRUE(x == 0 || x == 1 || x == 2);
  EXPECT_EQ(nabla::randint(0, 2, {5}, nabla::kBool).scalar_type(), nabla::kBool);
  EXPECT_EQ(nabla::randint(0, 256, {5}, nabla::kUInt8).scalar_type(), nabla::kUInt8);
  // The full int64 range does not overflow.
  Tensor wide = nabla::randint(INT64_MIN, INT64_MAX, {1000});
  EXPECT_EQ(wide.numel(), 1000);
}

TEST(Randint, Errors) {
  EXPECT_THROW(nabla::randint(5, 5, {3}), nabla::Error);
  EXPECT_THROW(nabla::randint(0, {3}), nabla::Error);
  EXPECT_THROW(nabla::randint(0, 3, {3}, nabla::kBool), nabla::Error);
  EXPECT_THROW(nabla::randint(-1, 3, {3}, nabla::kUInt8), nabla::Error);
  EXPECT_THROW(nabla::randint(0, int64_t{1} << 40, {3}, nabla::kInt32), nabla::Error);
  EXPECT_THROW(nabla::randint(0, 10, {3}, nabla::requires_grad()), nabla::Error);
}

TEST(Randperm, IsAPermutation) {
  nabla::manual_seed(8);
  for (int64_t n : {0, 1, 2, 10, 1000}) {
    Tensor p = nabla::randperm(n);
    EXPECT_EQ(p.scalar_type(), nabla::kInt64);
    EXPECT_EQ(p.sizes().vec(), std::vector<int64_t>{n});
    auto v = longs(p);
    std::sort(v.begin(), v.end());
    for (int64_t i = 0; i < n; ++i) ASSERT_EQ(v[i], i);
  }
  nabla::manual_seed(8);
  Tensor a = nabla::randperm(50);
  nabla::manual_seed(8);
  EXPECT_TRUE(nabla::equal(a, nabla::randperm(50)));
  EXPECT_FALSE(nabla::equal(a, nabla::arange(50)));
  EXPECT_EQ(nabla::randperm(5, nabla::kFloat64).scalar_type(), nabla::kFloat64);
}

TEST(Randperm, UniformOverPositions) {
  // Each value lands in each position about equally often.
  nabla::manual_seed(1);
  std::vector<std::vector<int>> counts(4, std::vector<int>(4, 0));
  const int trials = 24000;
  for (int t = 0; t < trials; ++t) {
    auto v = longs(nabla::randperm(4));
    for (int pos = 0; pos < 4; ++pos) ++counts[pos][v[pos]];
  }
  for (auto& row : counts)
    for (int c : row) EXPECT_NEAR(c / double(trials), 0.25, 0.015);
}

TEST(Randperm, Errors) {
  EXPECT_THROW(nabla::randperm(-1), nabla::Error);
  EXPECT_THROW(nabla::randperm(300, nabla::kUInt8), nabla::Error);
}

TEST(Multinomial, WithReplacementFrequencies) {
  nabla::manual_seed(2);
  Tensor w = nabla::tensor({1.0, 0.0, 3.0, 6.0});
  const int64_t n = 200000;
  Tensor s = nabla::multinomial(w, n, /*replacement=*/true);
  EXPECT_EQ(s.scalar_type(), nabla::kInt64);
  EXPECT_EQ(s.sizes().vec(), std::vector<int64_t>{n});
  std::vector<double> freq(4, 0);
  for (int64_t x : longs(s)) freq[x] += 1.0 / n;
  EXPECT_NEAR(freq[0], 0.1, 5e-3);
  EXPECT_EQ(freq[1], 0.0);
  EXPECT_NEAR(freq[2], 0.3, 5e-3);
  EXPECT_NEAR(freq[3], 0.6, 5e-3);
}

TEST(Multinomial, WithoutReplacement) {
  nabla::manual_seed(4);
  Tensor w = nabla::tensor({{1.0, 2.0, 0.0, 4.0, 1.0}, {0.0, 0.0, 5.0, 1.0, 0.0}});
  Tensor s = nabla::multinomial(w, 2);
  EXPECT_EQ(s.sizes().vec(), (std::vector<int64_t>{2, 2}));
  // Row 1 has exactly two categories with weight: both drawn, each once.
  auto r1 = longs(s[1]);
  std::sort(r1.begin(), r1.end());
  EXPECT_EQ(r1, (std::vector<int64_t>{2, 3}));
  // Draws are distinct and never zero-weight; the first draw follows the weights.
  const int trials = 20000;
  std::vector<double> first(5, 0);
  for (int t = 0; t < trials; ++t) {
    auto v = longs(nabla::multinomial(w[0], 3));
    ASSERT_EQ(std::set<int64_t>(v.begin(), v.end()).size(), 3u);
    for (int64_t x : v) ASSERT_NE(x, 2);
    first[v[0]] += 1.0 / trials;
  }
  EXPECT_NEAR(first[0], 1.0 / 8, 0.012);
  EXPECT_NEAR(first[1], 2.0 / 8, 0.012);
  EXPECT_NEAR(first[3], 4.0 / 8, 0.012);
  // All categories: a permutation.
  auto all = longs(nabla::multinomial(nabla::ones({6}), 6));
  std::sort(all.begin(), all.end());
  EXPECT_EQ(all, (std::vector<int64_t>{0, 1, 2, 3, 4, 5}));
}

TEST(Multinomial, Errors) {
  Tensor w = nabla::tensor({1.0, 2.0});
  EXPECT_THROW(nabla::multinomial(w, 3), nabla::Error);  // more than categories, no replacement
  EXPECT_NO_THROW(nabla::multinomial(w, 3, true));
  EXPECT_THROW(nabla::multinomial(w, 0), nabla::Error);
  EXPECT_THROW(nabla::multinomial(nabla::tensor({1.0, -1.0}), 1), nabla::Error);
  EXPECT_THROW(nabla::multinomial(nabla::tensor({{1.0, 1.0}, {0.0, 0.0}}), 1), nabla::Error);
  EXPECT_THROW(nabla::multinomial(nabla::tensor({1.0, NAN}), 1), nabla::Error);
  EXPECT_THROW(nabla::multinomial(nabla::tensor({1, 2}), 1), nabla::Error);  // int64 weights
  EXPECT_THROW(nabla::multinomial(nabla::ones({2, 2, 2}), 1), nabla::Error);
  EXPECT_THROW(nabla::multinomial(nabla::tensor({0.0, 1.0, 0.0}), 2), nabla::Error);
  EXPECT_THROW(nabla::multinomial(Tensor(), 1), nabla::Error);
}

TEST(Bernoulli, Frequencies) {
  nabla::manual_seed(6);
  Tensor p = nabla::full({100000}, 0.25, nabla::kFloat64);
  Tensor b = nabla::bernoulli(p);
  EXPECT_EQ(b.scalar_type(), nabla::kFloat64);
  auto v = values(b);
  for (double x : v) ASSERT_TRUE(x == 0.0 || x == 1.0);
  EXPECT_NEAR(mean_of(v), 0.25, 5e-3);
  EXPECT_TRUE(nabla::equal(nabla::bernoulli(nabla::zeros({10})), nabla::zeros({10})));
  EXPECT_TRUE(nabla::equal(nabla::bernoulli(nabla::ones({10})), nabla::ones({10})));
  EXPECT_FALSE(nabla::bernoulli(nabla::full({4}, 0.5, nabla::requires_grad())).requires_grad());
}

TEST(Bernoulli, Errors) {
  EXPECT_THROW(nabla::bernoulli(nabla::tensor({0.5, 1.5})), nabla::Error);
  EXPECT_THROW(nabla::bernoulli(nabla::tensor({-0.1})), nabla::Error);
  EXPECT_THROW(nabla::bernoulli(nabla::tensor({1, 0})), nabla::Error);
}
