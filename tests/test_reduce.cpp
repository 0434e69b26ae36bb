// Reductions and softmax: forward values against known answers (several dtypes, keepdim,
// negative dims, non-contiguous inputs), gradients against central differences in float64
// (first and second order), and every error case.
#include <gtest/gtest.h>
#include <nabla/nabla.h>

#include <cmath>
#include <functional>
#include <limits>
#include <vector>

using namespace nabla;  // NOLINT

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::vector<double> values(const Tensor& t) {
  Tensor c = t.detach().to(kDouble).contiguous();
  const double* p = c.data_ptr<double>();
  return std::vector<double>(p, p + c.numel());
}

std::vector<int64_t> shape(const Tensor& t) { return t.sizes().vec(); }

// Expects `t` to have the given shape and values (NaN matches NaN, infinities must be equal).
void expect_tensor(const Tensor& t, std::vector<int64_t> sizes, std::vector<double> expected,
                   double tol = 1e-6) {
  ASSERT_EQ(shape(t), sizes);
  std::vector<double> got = values(t);
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    if (std::isnan(expected[i])) {
      EXPECT_TRUE(std::isnan(got[i])) << "element " << i << " is " << got[i];
    } else if (std::isinf(expected[i])) {
      EXPECT_EQ(got[i], expected[i]) << "element " << i;
    } else {
      EXPECT_NEAR(got[i], expected[i], tol * std::max(1.0, std::abs(expected[i])))
          << "element " << i;
    }
  }
}

// [2, 3] float32: 1 2 3 / 4 5 6.
Tensor m23(ScalarType dt = kFloat) { return tensor({{1, 2, 3}, {4, 5, 6}}, dtype(dt)); }
// [2, 3, 4] holding 0..23.
Tensor cube(ScalarType dt = kFloat) { return arange(24, dtype(dt)).view({2, 3, 4}); }

// ---- numerical gradients ---------------------------------------------------------------

using Fn = std::function<Tensor(const Tensor&)>;

// A fixed, non-trivial weight per output element, so every output's gradient matters.
Tensor weights_like(const Tensor& y) {
  return (arange(y.numel(), dtype(kDouble)) * 0.37 + 0.5).sin().view(y.sizes());
}

// Compares d/dx sum(fn(x) * w) by backward with central differences. With `second`, also
// checks the gradient of that gradient (double backward) the same way.
void check_grad(const Fn& fn, const Tensor& x0, bool second = false, double eps = 1e-6,
                double tol = 1e-5) {
  Tensor x = x0.detach().clone().set_requires_grad(true);
  Tensor y = fn(x);
  Tensor w = weights_like(y);
  Tensor analytic = autograd::grad({(y * w).sum()}, {x}, {}, std::nullopt, second)[0];
  ASSERT_TRUE(analytic.defined());
  ASSERT_EQ(shape(analytic), shape(x));
  std::vector<double> a = values(analytic);
  for (int64_t i = 0; i < x.numel(); ++i) {
    auto eval = [&](double delta) {
      NoGradGuard no_grad;
      Tensor xp = x0.detach().to(kDouble).contiguous().clone();
      xp.data_ptr<double>()[i] += delta;
      return (fn(xp) * w).sum().item<double>();
    };
    const double numeric = (eval(eps) - eval(-eps)) / (2 * eps);
    EXPECT_NEAR(a[i], numeric, tol * std::max(1.0, std::abs(numeric))) << "element " << i;
  }
  if (second) {
    // The gradient as a function of x must itself have the right gradient.
    Fn grad_fn = [&fn](const Tensor& xi) {
      Tensor yi = fn(xi);
      return autograd::grad({(yi * weights_like(yi)).sum()}, {xi}, {}, std::nullopt, true)[0];
    };
    Fn wrapped = [grad_fn](const Tensor& xi) {
      if (xi.requires_grad()) return grad_fn(xi);
      Tensor leaf = xi.detach().clone().set_requires_grad(true);
      return grad_fn(leaf).detach();
    };
    Tensor x2 = x0.detach().clone().set_requires_grad(true);
    Tensor g = wrapped(x2);
    Tensor v = weights_like(g) + 0.25;
    // A gradient that does not depend on x (sum, max) has a zero second derivative.
    Tensor gg = g.requires_grad()
                    ? autograd::grad({(g * v).sum()}, {x2}, {}, std::nullopt, false, true)[0]
                    : Tensor();
    std::vector<double> ga = gg.defined() ? values(gg) : std::vector<double>(x0.numel(), 0.0);
    for (int64_t i = 0; i < x0.numel(); ++i) {
      auto eval = [&](double delta) {
        Tensor xp = x0.detach().to(kDouble).contiguous().clone();
        xp.data_ptr<double>()[i] += delta;
        return (wrapped(xp) * v).sum().item<double>();
      };
      const double numeric = (eval(eps) - eval(-eps)) / (2 * eps);
      EXPECT_NEAR(ga[i], numeric, 1e-4 * std::max(1.0, std::abs(numeric)))
          << "second order, element " << i;
    }
  }
}

Tensor randd(std::vector<int64_t> sizes, double offset = 0.0) {
  // Deterministic, distinct, well separated values (no ties), without depending on rand().
  const int64_t n = std::max<int64_t>(1, [&] {
    int64_t k = 1;
    for (int64_t s : sizes) k *= s;
    return k;
  }());
  return ((arange(n, dtype(kDouble)) * 1.7 + 0.3).sin() * 2 + offset).view(sizes);
}

template <class F>
void expect_error(F&& f, const std::string& fragment) {
  try {
    f();
    ADD_FAILURE() << "expected nabla::Error containing '" << fragment << "'";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

}  // namespace

// ---- sum -------------------------------------------------------------------------------

TEST(Sum, AllElementsAndDtypes) {
  expect_tensor(m23().sum(), {}, {21});
  EXPECT_EQ(m23().sum().scalar_type(), kFloat);
  EXPECT_EQ(m23(kDouble).sum().scalar_type(), kDouble);
  Tensor i = m23(kInt);
  EXPECT_EQ(i.sum().scalar_type(), kLong);
  EXPECT_EQ(i.sum().item<int64_t>(), 21);
  EXPECT_EQ(m23(kLong).sum().scalar_type(), kLong);
  EXPECT_EQ(m23(kByte).sum().scalar_type(), kLong);
  Tensor b = tensor({true, false, true, true});
  EXPECT_EQ(b.sum().scalar_type(), kLong);
  EXPECT_EQ(b.sum().item<int64_t>(), 3);
  EXPECT_EQ(sum(m23(), kDouble).scalar_type(), kDouble);
  EXPECT_EQ(m23().sum({1}, false, kLong).scalar_type(), kLong);
  // uint8 sums do not wrap at 256: they are computed in int64.
  EXPECT_EQ(full({300}, 200, dtype(kByte)).sum().item<int64_t>(), 60000);
  expect_tensor(zeros({0, 3}).sum(), {}, {0});
}

TEST(Sum, Dims) {
  Tensor x = m23();
  expect_tensor(x.sum({0}), {3}, {5, 7, 9});
  expect_tensor(x.sum({1}), {2}, {6, 15});
  expect_tensor(x.sum({-1}), {2}, {6, 15});
  expect_tensor(x.sum({1}, true), {2, 1}, {6, 15});
  expect_tensor(x.sum({0}, true), {1, 3}, {5, 7, 9});
  expect_tensor(x.sum({0, 1}), {}, {21});
  expect_tensor(x.sum({1, 0}, true), {1, 1}, {21});
  expect_tensor(x.sum(IntArrayRef{}), {}, {21});  // an empty dim list means all dims
  expect_tensor(sum(x, {-2}, false), {3}, {5, 7, 9});
  expect_tensor(m23(kLong).sum({1}), {2}, {6, 15});
  EXPECT_EQ(m23(kInt).sum({1}).scalar_type(), kLong);
  expect_tensor(zeros({2, 0}).sum({1}), {2}, {0, 0});
  expect_tensor(zeros({2, 0}).sum({0}), {0}, {});
  // 0-d tensors accept dim 0 and -1.
  expect_tensor(tensor(5.0).sum({0}), {}, {5});
}

TEST(Sum, ThreeDimensionalLayouts) {
  Tensor x = cube();
  // Reference sums by brute force over the known values 0..23 at [i][j][k] = 12i + 4j + k.
  auto ref = [](bool ri, bool rj, bool rk) {
    std::vector<double> out;
    for (int i = 0; i < (ri ? 1 : 2); ++i)
      for (int j = 0; j < (rj ? 1 : 3); ++j)
        for (int k = 0; k < (rk ? 1 : 4); ++k) {
          double s = 0;
          for (int a = 0; a < 2; ++a)
            for (int b = 0; b < 3; ++b)
              for (int c = 0; c < 4; ++c)
                if ((ri || a == i) && (rj || b == j) && (rk || c == k)) s += 12 * a + 4 * b + c;
          out.push_back(s);
        }
    return out;
  };
  expect_tensor(x.sum({0}), {3, 4}, ref(true, false, false));
  expect_tensor(x.sum({1}), {2, 4}, ref(false, true, false));
  expect_tensor(x.sum({2}), {2, 3}, ref(false, false, true));
  expect_tensor(x.sum({0, 2}), {3}, ref(true, false, true));  // non-adjacent dims
  expect_tensor(x.sum({0, 1}), {4}, ref(true, true, false));
  expect_tensor(x.sum({1, 2}, true), {2, 1, 1}, ref(false, true, true));
  expect_tensor(x.sum({-3, -1}, true), {1, 3, 1}, ref(true, false, true));
  // Non-contiguous inputs: a transpose and a permutation give the permuted answers.
  expect_tensor(x.transpose(0, 2).sum({2}), {4, 3}, [&] {
    std::vector<double> v;
    Tensor r = x.sum({0});  // [3, 4] indexed [j][k]
    for (int k = 0; k < 4; ++k)
      for (int j = 0; j < 3; ++j) v.push_back(r[j][k].item<double>());
    return v;
  }());
  expect_tensor(m23().t().sum({0}), {2}, {6, 15});
  expect_tensor(m23().t().sum({1}), {3}, {5, 7, 9});
  expect_tensor(x.permute({2, 0, 1}).sum({1, 2}), {4}, {60, 66, 72, 78});
  // A broadcast (zero-stride) input.
  expect_tensor(tensor({1.0, 2.0}).expand({3, 2}).sum({0}), {2}, {3, 6});
  // A sliced input with a storage offset.
  expect_tensor(x.select(0, 1).sum({0}), {4}, {48, 51, 54, 57});
}

TEST(Sum, AccuracyAndThreadIndependence) {
  // 2^24 + 8 ones: a float32 accumulator would stop at 2^24.
  const int64_t n = (1 << 24) + 8;
  EXPECT_EQ(ones({n}).sum().item<double>(), static_cast<double>(n));
  Tensor x = full({1000003}, 0.1);
  const double exact = static_cast<double>(0.1f) * 1000003;
  EXPECT_NEAR(x.sum().item<double>(), exact, exact * 1e-7);
  // Long rows, many rows, columns: identical bits with 1 or several threads.
  Tensor big = (arange(3 * 200000, dtype(kFloat)) * 0.001f).sin().view({3, 200000});
  const int before = get_num_threads();
  set_num_threads(1);
  std::vector<Tensor> one = {big.sum(), big.sum({1}), big.sum({0}), big.t().sum({0})};
  set_num_threads(4);
  std::vector<Tensor> four = {big.sum(), big.sum({1}), big.sum({0}), big.t().sum({0})};
  set_num_threads(before);
  for (size_t i = 0; i < one.size(); ++i) EXPECT_TRUE(one[i].equal(four[i])) << i;
  // The values of those long-row and many-column kernels, against plain double loops.
  std::vector<double> v = values(big), rows(3, 0.0), cols(200000, 0.0);
  for (int64_t r = 0; r < 3; ++r)
    for (int64_t c = 0; c < 200000; ++c) rows[r] += v[r * 200000 + c], cols[c] += v[r * 200000 + c];
  expect_tensor(one[1], {3}, rows, 1e-6);
  expect_tensor(one[2], {200000}, cols, 1e-6);
  expect_tensor(one[3], {3}, rows, 1e-6);
}

TEST(Reduce, ColumnsInGroupsOfRows) {
  // The column kernel adds four rows at a time, then the rest one by one: 7 rows, both parts.
  Tensor x = (arange(7 * 1500, dtype(kFloat)) * 0.01f).sin().view({7, 1500});
  std::vector<double> v = values(x), sums(1500, 0.0), maxes(1500, -1.0);
  for (int64_t r = 0; r < 7; ++r)
    for (int64_t c = 0; c < 1500; ++c)
      sums[c] += v[r * 1500 + c], maxes[c] = std::max(maxes[c], v[r * 1500 + c]);
  expect_tensor(x.sum({0}), {1500}, sums, 1e-6);
  expect_tensor(x.amax({0}), {1500}, maxes);
  Tensor n = arange(7 * 1500, dtype(kLong)).view({7, 1500});
  std::vector<double> int_sums(1500);
  for (int64_t c = 0; c < 1500; ++c) int_sums[c] = 21.0 * 1500 + 7.0 * c;
  expect_tensor(n.sum({0}), {1500}, int_sums);
}

TEST(Reduce, WideInnerDims) {
  // More inner elements than one tile of the column kernels.
  Tensor x = arange(3 * 2500, dtype(kFloat)).view({3, 2500});
  auto [v, i] = x.min(0);
  expect_tensor(v, {2500}, values(arange(2500)));
  expect_tensor(i, {2500}, std::vector<double>(2500, 0.0));
  expect_tensor(x.amax({0}), {2500}, values(arange(5000, 7500)));
  expect_tensor(x.softmax(0).sum({0}), {2500}, std::vector<double>(2500, 1.0), 1e-5);
  expect_tensor(x.log_softmax(0).exp().sum({0}), {2500}, std::vector<double>(2500, 1.0), 1e-5);
}

TEST(Sum, Gradients) {
  check_grad([](const Tensor& x) { return x.sum(); }, randd({2, 3}), true);
  check_grad([](const Tensor& x) { return x.sum({1}); }, randd({2, 3, 2}));
  check_grad([](const Tensor& x) { return x.sum({0, 2}, true); }, randd({2, 3, 2}));
  check_grad([](const Tensor& x) { return x.t().sum({-1}); }, randd({2, 3}));
  check_grad([](const Tensor& x) { return (x * x).sum({0}); }, randd({3, 2}), true);
  Tensor x = randd({2, 2}).set_requires_grad(true);
  EXPECT_EQ(x.sum().grad_fn()->name(), "SumBackward0");
  EXPECT_EQ(x.sum({0}).grad_fn()->name(), "SumBackward1");
  // A float32 input summed in float64 gets a float32 gradient.
  Tensor f = ones({3}).set_requires_grad(true);
  f.sum(kDouble).backward();
  EXPECT_EQ(f.grad().scalar_type(), kFloat);
  expect_tensor(f.grad(), {3}, {1, 1, 1});
}

// ---- mean ------------------------------------------------------------------------------

TEST(Mean, Values) {
  expect_tensor(m23().mean(), {}, {3.5});
  expect_tensor(m23(kDouble).mean({0}), {3}, {2.5, 3.5, 4.5});
  expect_tensor(m23().mean({-1}, true), {2, 1}, {2, 5});
  expect_tensor(cube().mean({0, 2}), {3}, {7.5, 11.5, 15.5});
  expect_tensor(m23().t().mean({1}), {3}, {2.5, 3.5, 4.5});
  expect_tensor(m23(kLong).mean(kDouble), {}, {3.5});
  EXPECT_EQ(m23(kInt).mean({1}, false, kFloat).scalar_type(), kFloat);
  expect_tensor(zeros({0}).mean(), {}, {kNaN});
}

TEST(Mean, Gradients) {
  check_grad([](const Tensor& x) { return x.mean(); }, randd({2, 3}), true);
  check_grad([](const Tensor& x) { return x.mean({1}, true); }, randd({2, 3, 2}));
  check_grad([](const Tensor& x) { return x.mean({0, 2}); }, randd({2, 3, 2}));
  Tensor x = randd({2, 2}).set_requires_grad(true);
  EXPECT_EQ(x.mean().grad_fn()->name(), "MeanBackward0");
  EXPECT_EQ(x.mean({1}).grad_fn()->name(), "MeanBackward1");
}

// ---- prod ------------------------------------------------------------------------------

TEST(Prod, Values) {
  expect_tensor(m23().prod(), {}, {720});
  expect_tensor(m23().prod(0), {3}, {4, 10, 18});
  expect_tensor(m23().prod(-1, true), {2, 1}, {6, 120});
  expect_tensor(m23().t().prod(1), {3}, {4, 10, 18});
  EXPECT_EQ(m23(kInt).prod().scalar_type(), kLong);
  EXPECT_EQ(m23(kInt).prod().item<int64_t>(), 720);
  EXPECT_EQ(tensor({true, true}).prod().scalar_type(), kLong);
  EXPECT_EQ(m23(kFloat).prod(kDouble).scalar_type(), kDouble);
  expect_tensor(zeros({0}).prod(), {}, {1});
  // 2^62 * 4 wraps to 0 in int64, as in PyTorch.
  EXPECT_EQ(tensor({int64_t(1) << 62, int64_t(4)}).prod().item<int64_t>(), 0);
}

TEST(Prod, Gradients) {
  check_grad([](const Tensor& x) { return x.prod(); }, randd({2, 3}, 2.5), true);
  check_grad([](const Tensor& x) { return x.prod(1); }, randd({2, 3}, 2.5), true);
  check_grad([](const Tensor& x) { return x.prod(0, true); }, randd({3, 2}, 2.5));
  // One zero: only the zero gets a gradient, the product of the others.
  Tensor x = tensor({2.0, 0.0, 3.0}, dtype(kDouble).requires_grad(true));
  x.prod().backward();
  expect_tensor(x.grad(), {3}, {0, 6, 0});
  // Two zeros: no gradient anywhere.
  Tensor y = tensor({0.0, 0.0, 3.0}, dtype(kDouble).requires_grad(true));
  y.prod().backward();
  expect_tensor(y.grad(), {3}, {0, 0, 0});
  // Per row: a row with one zero, one with none, one with two.
  Tensor z = tensor({{1.0, 0.0, 4.0}, {1.0, 2.0, 4.0}, {0.0, 5.0, 0.0}}, dtype(kDouble))
                 .set_requires_grad(true);
  z.prod(1).sum().backward();
  expect_tensor(z.grad(), {3, 3}, {0, 4, 0, 8, 4, 2, 0, 0, 0});
  // Central differences agree with the zero handling (the product is linear in each input).
  check_grad([](const Tensor& t) { return t.prod(1); },
             tensor({{1.5, 0.0, 4.0}, {0.0, 2.0, 0.0}}, dtype(kDouble)), true);
  check_grad([](const Tensor& t) { return t.prod(); }, tensor({1.5, 0.0, -2.0}, dtype(kDouble)),
             true);
  EXPECT_EQ(randd({2}).set_requires_grad(true).prod().grad_fn()->name(), "ProdBackward0");
  EXPECT_EQ(randd({2}).set_requires_grad(true).prod(0).grad_fn()->name(), "ProdBackward1");
}

// ---- max, min, amax, amin, argmax, argmin ----------------------------------------------

TEST(MaxMin, AllElements) {
  expect_tensor(m23().max(), {}, {6});
  expect_tensor(m23().min(), {}, {1});
  EXPECT_EQ(m23(kInt).max().scalar_type(), kInt);
  EXPECT_EQ(m23(kInt).max().item<int64_t>(), 6);
  EXPECT_EQ(tensor({-5, -2, -9}).min().item<int64_t>(), -9);
  EXPECT_EQ(tensor({false, true}).max().item<bool>(), true);
  expect_tensor(tensor({-kInf, -kInf}).max(), {}, {-kInf});
  expect_tensor(tensor({1.0, kNaN, 3.0}).max(), {}, {kNaN});
  expect_tensor(tensor({1.0, kNaN, 3.0}).min(), {}, {kNaN});
  expect_tensor(m23().t().max(), {}, {6});
  expect_tensor(max(tensor(4.0)), {}, {4});
}

TEST(MaxMin, WithDim) {
  Tensor x = tensor({{1.0, 5.0, 5.0}, {7.0, 2.0, 7.0}});
  auto [v, i] = x.max(1);
  expect_tensor(v, {2}, {5, 7});
  EXPECT_EQ(i.scalar_type(), kLong);
  expect_tensor(i, {2}, {1, 0});  // first index on ties
  auto [v0, i0] = x.min(0, true);
  expect_tensor(v0, {1, 3}, {1, 2, 5});
  expect_tensor(i0, {1, 3}, {0, 1, 0});
  auto [vn, in] = x.max(-2);
  expect_tensor(vn, {3}, {7, 5, 7});
  expect_tensor(in, {3}, {1, 0, 1});
  auto [vt, it] = x.t().max(0);  // non-contiguous
  expect_tensor(vt, {2}, {5, 7});
  expect_tensor(it, {2}, {1, 0});
  auto [vc, ic] = cube().max(1);  // inner > 1
  expect_tensor(vc, {2, 4}, {8, 9, 10, 11, 20, 21, 22, 23});
  expect_tensor(ic, {2, 4}, {2, 2, 2, 2, 2, 2, 2, 2});
  auto [vi, ii] = tensor({{3, 9, 9}}, dtype(kInt)).max(1);
  EXPECT_EQ(vi.scalar_type(), kInt);
  expect_tensor(ii, {1}, {1});
  auto [vnan, inan] = tensor({1.0, kNaN, 5.0, kNaN}).max(0);
  expect_tensor(vnan, {}, {kNaN});
  expect_tensor(inan, {}, {1});
  auto [vs, is] = tensor(3.0).max(0);
  expect_tensor(vs, {}, {3});
  expect_tensor(is, {}, {0});
  auto [ve, ie] = zeros({0, 3}).max(1);  // empty but the reduced dim is not
  EXPECT_EQ(shape(ve), std::vector<int64_t>({0}));
  EXPECT_EQ(shape(ie), std::vector<int64_t>({0}));
}

TEST(MaxMin, AmaxAmin) {
  Tensor x = cube();
  expect_tensor(x.amax(), {}, {23});
  expect_tensor(x.amin(), {}, {0});
  expect_tensor(x.amax({0, 2}), {3}, {15, 19, 23});
  expect_tensor(x.amin({-1}, true), {2, 3, 1}, {0, 4, 8, 12, 16, 20});
  expect_tensor(amax(x.transpose(0, 1), {1}), {3, 4},
                {12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23});
  expect_tensor(tensor({{1.0, kNaN}, {2.0, 3.0}}).amax({1}), {2}, {kNaN, 3});
}

TEST(MaxMin, Argmax) {
  Tensor x = tensor({{1.0, 9.0, 3.0}, {9.0, 0.0, -1.0}});
  EXPECT_EQ(x.argmax().item<int64_t>(), 1);  // flattened, first of the ties
  EXPECT_EQ(x.argmin().item<int64_t>(), 5);
  EXPECT_EQ(x.argmax().dim(), 0);
  EXPECT_EQ(shape(x.argmax(std::nullopt, true)), std::vector<int64_t>({1, 1}));
  expect_tensor(x.argmax(1), {2}, {1, 0});
  expect_tensor(x.argmin(0, true), {1, 3}, {0, 1, 1});
  expect_tensor(x.argmax(-1, true), {2, 1}, {1, 0});
  // Flattened in the logical (transposed) order: 1 3 2 0.
  EXPECT_EQ(tensor({{1.0, 2.0}, {3.0, 0.0}}).t().argmax().item<int64_t>(), 1);
  EXPECT_EQ(argmax(tensor({3, 7, 7})).item<int64_t>(), 1);
  EXPECT_EQ(argmin(tensor({true, false})).item<int64_t>(), 1);
  EXPECT_EQ(x.argmax(0).scalar_type(), kLong);
}

TEST(MaxMin, Gradients) {
  check_grad([](const Tensor& x) { return x.max(); }, randd({2, 3}), true);
  check_grad([](const Tensor& x) { return x.min(); }, randd({2, 3}));
  check_grad([](const Tensor& x) { return std::get<0>(x.max(1)); }, randd({3, 4}), true);
  check_grad([](const Tensor& x) { return std::get<0>(x.min(0, true)); }, randd({3, 4}));
  check_grad([](const Tensor& x) { return std::get<0>(x.max(1)); }, randd({2, 3, 2}));
  check_grad([](const Tensor& x) { return x.amax({0, 2}); }, randd({2, 3, 2}), true);
  check_grad([](const Tensor& x) { return x.amin({1}, true); }, randd({2, 3, 2}));
  // Ties: max() and amax split the gradient evenly, max(dim) gives it to the first index.
  Tensor t = tensor({1.0, 3.0, 3.0}, dtype(kDouble).requires_grad(true));
  t.max().backward();
  expect_tensor(t.grad(), {3}, {0, 0.5, 0.5});
  Tensor a = tensor({{3.0, 3.0}, {1.0, 2.0}}, dtype(kDouble).requires_grad(true));
  a.amax({1}).sum().backward();
  expect_tensor(a.grad(), {2, 2}, {0.5, 0.5, 0, 1});
  Tensor b = tensor({{3.0, 3.0}, {1.0, 2.0}}, dtype(kDouble).requires_grad(true));
  std::get<0>(b.max(1)).sum().backward();
  expect_tensor(b.grad(), {2, 2}, {1, 0, 0, 1});
  Tensor r = randd({2, 2}).set_requires_grad(true);
  EXPECT_EQ(r.max().grad_fn()->name(), "MaxBackward1");
  EXPECT_EQ(std::get<0>(r.max(0)).grad_fn()->name(), "MaxBackward0");
  EXPECT_EQ(std::get<0>(r.min(0)).grad_fn()->name(), "MinBackward0");
  EXPECT_EQ(r.amax().grad_fn()->name(), "AmaxBackward0");
  EXPECT_FALSE(std::get<1>(r.max(0)).requires_grad());
}

// ---- var, std --------------------------------------------------------------------------

TEST(VarStd, Values) {
  Tensor x = tensor({1.0, 2.0, 3.0, 4.0});
  expect_tensor(x.var(), {}, {5.0 / 3.0});
  expect_tensor(x.var(false), {}, {1.25});
  expect_tensor(x.std(), {}, {std::sqrt(5.0 / 3.0)});
  expect_tensor(x.std(false), {}, {std::sqrt(1.25)});
  Tensor m = m23(kDouble);
  expect_tensor(m.var({0}, true), {3}, {4.5, 4.5, 4.5});
  expect_tensor(m.var({1}, false, true), {2, 1}, {2.0 / 3.0, 2.0 / 3.0});
  expect_tensor(m.std({-1}, true), {2}, {1, 1});
  expect_tensor(m.t().var({0}, true), {2}, {1, 1});
  expect_tensor(cube(kDouble).var({0, 2}, true), {3}, {298.0 / 7, 298.0 / 7, 298.0 / 7});
  expect_tensor(tensor({2.0}).var(), {}, {kNaN});  // N - 1 == 0
  expect_tensor(tensor({2.0}).var(false), {}, {0});
}

TEST(VarStd, Gradients) {
  check_grad([](const Tensor& x) { return x.var(); }, randd({2, 3}), true);
  check_grad([](const Tensor& x) { return x.var({1}, false, true); }, randd({2, 3, 2}), true);
  check_grad([](const Tensor& x) { return x.std(); }, randd({2, 3}), true);
  check_grad([](const Tensor& x) { return x.std({0, 2}, true); }, randd({2, 3, 2}), true);
  // std of a constant row: gradient 0 instead of NaN.
  Tensor c = full({2, 3}, 1.5, dtype(kDouble)).set_requires_grad(true);
  c.std({1}, true).sum().backward();
  expect_tensor(c.grad(), {2, 3}, {0, 0, 0, 0, 0, 0});
  Tensor r = randd({3}).set_requires_grad(true);
  EXPECT_EQ(r.var().grad_fn()->name(), "VarBackward0");
  EXPECT_EQ(r.std().grad_fn()->name(), "StdBackward0");
}

// ---- logsumexp -------------------------------------------------------------------------

TEST(Logsumexp, Values) {
  expect_tensor(tensor({0.0, 0.0}).logsumexp({0}), {}, {std::log(2.0)});
  expect_tensor(tensor({1000.0, 1000.0}).logsumexp({0}), {}, {1000 + std::log(2.0)});
  expect_tensor(tensor({-1000.0, -1000.0}, dtype(kDouble)).logsumexp({0}), {},
                {-1000 + std::log(2.0)}, 1e-12);
  expect_tensor(tensor({{-kInf, -kInf}, {kInf, 0.0}, {-kInf, 0.0}}).logsumexp({1}), {3},
                {-kInf, kInf, 0});
  Tensor m = m23(kDouble);
  const double r0 = std::log(std::exp(1) + std::exp(2) + std::exp(3));
  const double r1 = std::log(std::exp(4) + std::exp(5) + std::exp(6));
  expect_tensor(m.logsumexp({1}), {2}, {r0, r1}, 1e-12);
  expect_tensor(m.logsumexp({-1}, true), {2, 1}, {r0, r1}, 1e-12);
  expect_tensor(m.t().logsumexp({0}), {2}, {r0, r1}, 1e-12);
  expect_tensor(m.logsumexp({0, 1}), {}, {std::log(std::exp(r0) + std::exp(r1))}, 1e-12);
  EXPECT_EQ(m23(kLong).logsumexp({1}).scalar_type(), kFloat);
  expect_tensor(zeros({2, 0}).logsumexp({1}), {2}, {-kInf, -kInf});
}

TEST(Logsumexp, Gradients) {
  check_grad([](const Tensor& x) { return x.logsumexp({1}); }, randd({2, 3}), true);
  check_grad([](const Tensor& x) { return x.logsumexp({0, 2}, true); }, randd({2, 3, 2}), true);
  EXPECT_EQ(randd({3}).set_requires_grad(true).logsumexp({0}).grad_fn()->name(),
            "LogsumexpBackward0");
}

// ---- norm ------------------------------------------------------------------------------

TEST(Norm, Values) {
  Tensor v = tensor({3.0, -4.0});
  expect_tensor(v.norm(), {}, {5});
  expect_tensor(v.norm(1), {}, {7});
  expect_tensor(v.norm(kInf), {}, {4});
  expect_tensor(v.norm(-kInf), {}, {3});
  expect_tensor(v.norm(0), {}, {2});
  expect_tensor(v.norm(3), {}, {std::cbrt(27.0 + 64.0)});
  expect_tensor(v.norm(0.5), {}, {std::pow(std::sqrt(3.0) + 2.0, 2.0)});
  Tensor m = tensor({{3.0, 4.0}, {6.0, 8.0}}, dtype(kDouble));
  expect_tensor(m.norm(2, {1}), {2}, {5, 10});
  expect_tensor(m.norm(std::nullopt, {0}, true), {1, 2}, {std::sqrt(45.0), std::sqrt(80.0)});
  expect_tensor(m.norm(1, {-1}), {2}, {7, 14});
  expect_tensor(m.t().norm(kInf, {0}), {2}, {4, 8});
  expect_tensor(m.norm(2, {}), {}, {std::sqrt(125.0)});
  expect_tensor(zeros({3}).norm(), {}, {0});
}

TEST(Norm, Gradients) {
  for (double p : {2.0, 1.0, 3.0, 1.5, 0.5, kInf, -kInf}) {
    SCOPED_TRACE(p);
    check_grad([p](const Tensor& x) { return x.norm(p); }, randd({2, 3}), p != 1.0);
    check_grad([p](const Tensor& x) { return x.norm(p, {1}, true); }, randd({2, 3}));
  }
  // The norm of zeros: gradient 0 instead of NaN.
  Tensor z = zeros({3}, dtype(kDouble)).set_requires_grad(true);
  z.norm().backward();
  expect_tensor(z.grad(), {3}, {0, 0, 0});
  Tensor r = randd({3}).set_requires_grad(true);
  EXPECT_EQ(r.norm().grad_fn()->name(), "NormBackward0");
  EXPECT_EQ(r.norm(2, {0}).grad_fn()->name(), "NormBackward1");
}

// ---- all, any --------------------------------------------------------------------------

TEST(AllAny, Values) {
  EXPECT_EQ(tensor({true, true}).all().scalar_type(), kBool);
  EXPECT_TRUE(tensor({true, true}).all().item<bool>());
  EXPECT_FALSE(tensor({true, false}).all().item<bool>());
  EXPECT_TRUE(tensor({0, 0, 3}).any().item<bool>());
  EXPECT_FALSE(tensor({0.0, 0.0}).any().item<bool>());
  EXPECT_TRUE(tensor({kNaN}).all().item<bool>());  // NaN is nonzero
  EXPECT_TRUE(zeros({0}).all().item<bool>());
  EXPECT_FALSE(zeros({0}).any().item<bool>());
  EXPECT_EQ(all(m23(kByte)).scalar_type(), kBool);
  EXPECT_TRUE(any(m23().t()).item<bool>());
}

// ---- softmax, log_softmax --------------------------------------------------------------

TEST(Softmax, Values) {
  const double z = std::exp(1) + std::exp(2) + std::exp(3);
  const std::vector<double> s = {std::exp(1) / z, std::exp(2) / z, std::exp(3) / z};
  expect_tensor(tensor({1.0, 2.0, 3.0}).softmax(0), {3}, s);
  expect_tensor(tensor({1.0, 2.0, 3.0}).log_softmax(-1), {3},
                {std::log(s[0]), std::log(s[1]), std::log(s[2])});
  // Max subtraction: huge logits stay finite.
  expect_tensor(tensor({1001.0, 1002.0, 1003.0}).softmax(0), {3}, s);
  expect_tensor(tensor({-1e4, 0.0}).log_softmax(0), {2}, {-1e4, 0});
  // Along dim 0 of a matrix (a strided inner layout) and on a transposed input.
  Tensor m = tensor({{1.0, 1.0}, {2.0, 1.0}, {3.0, 1.0}}, dtype(kDouble));
  expect_tensor(m.softmax(0), {3, 2}, {s[0], 1.0 / 3, s[1], 1.0 / 3, s[2], 1.0 / 3}, 1e-12);
  expect_tensor(m.t().softmax(1), {2, 3}, {s[0], s[1], s[2], 1.0 / 3, 1.0 / 3, 1.0 / 3}, 1e-12);
  expect_tensor(m.log_softmax(0), {3, 2},
                {std::log(s[0]), -std::log(3.0), std::log(s[1]), -std::log(3.0), std::log(s[2]),
                 -std::log(3.0)},
                1e-12);
  // -inf entries get probability 0; a row of only -inf gives NaN (as PyTorch).
  expect_tensor(tensor({-kInf, 0.0, 0.0}).softmax(0), {3}, {0, 0.5, 0.5});
  expect_tensor(tensor({-kInf, 0.0}).log_softmax(0), {2}, {-kInf, 0});
  expect_tensor(tensor({-kInf, -kInf}).softmax(0), {2}, {kNaN, kNaN});
  // dtype converts first; 0-d input.
  EXPECT_EQ(tensor({1, 2}).softmax(0, kDouble).scalar_type(), kDouble);
  EXPECT_EQ(tensor({1.0f, 2.0f}).log_softmax(0, kDouble).scalar_type(), kDouble);
  expect_tensor(tensor(3.0).softmax(0), {}, {1});
  expect_tensor(tensor(3.0).log_softmax(-1), {}, {0});
  // Rows sum to one along the chosen dim of a 3-D tensor.
  expect_tensor(cube(kDouble).softmax(1).sum({1}), {2, 4}, std::vector<double>(8, 1.0), 1e-12);
}

TEST(Softmax, Gradients) {
  check_grad([](const Tensor& x) { return x.softmax(1); }, randd({2, 3}), true);
  check_grad([](const Tensor& x) { return x.softmax(0); }, randd({3, 2}), true);
  check_grad([](const Tensor& x) { return x.log_softmax(-1); }, randd({2, 3}), true);
  check_grad([](const Tensor& x) { return x.log_softmax(1); }, randd({2, 3, 2}), true);
  check_grad([](const Tensor& x) { return x.t().softmax(1); }, randd({3, 2}));
  Tensor f = tensor({1.0f, 2.0f}).set_requires_grad(true);
  (f.softmax(0, kDouble) * tensor({1.0, -1.0}, dtype(kDouble))).sum().backward();
  EXPECT_EQ(f.grad().scalar_type(), kFloat);
  Tensor r = randd({3}).set_requires_grad(true);
  EXPECT_EQ(r.softmax(0).grad_fn()->name(), "SoftmaxBackward0");
  EXPECT_EQ(r.log_softmax(0).grad_fn()->name(), "LogSoftmaxBackward0");
}

TEST(Softmax, FloatRowsMatchDouble) {
  // The float kernel's vectorized exp against double softmax of the same float inputs: long
  // rows with a tail (4099 is not a multiple of the kernel's lanes), logits over [-30, 30].
  Tensor xf = (arange(2 * 4099, dtype(kFloat)) * 0.37f).sin().mul(30).view({2, 4099});
  Tensor xd = xf.to(kDouble);
  // Tolerances: x - max is rounded to float (half an ulp of 60 is 1.9e-6), then a few ulps.
  Tensor rel = (xf.softmax(1).to(kDouble) / xd.softmax(1) - 1).abs().max();
  EXPECT_LT(rel.item<double>(), 4e-6) << "softmax";
  Tensor abs_err = (xf.log_softmax(1).to(kDouble) - xd.log_softmax(1)).abs().max();
  EXPECT_LT(abs_err.item<double>(), 1e-5) << "log_softmax";
  // Masked (-inf) and far-below-the-max entries are exactly 0; a NaN makes its row NaN.
  const float inf = std::numeric_limits<float>::infinity();
  Tensor p = tensor({{0.0f, -inf, -200.0f, 0.0f},
                     {1.0f, std::numeric_limits<float>::quiet_NaN(), 0.0f, 0.0f}})
                 .softmax(1);
  EXPECT_EQ(p[0][1].item<float>(), 0.0f);
  EXPECT_EQ(p[0][2].item<float>(), 0.0f);
  EXPECT_EQ(p[0][0].item<float>(), 0.5f);
  for (double e : values(p[1])) EXPECT_TRUE(std::isnan(e));
}

// ---- equal, allclose, isclose ----------------------------------------------------------

TEST(Compare, EqualAllcloseIsclose) {
  EXPECT_TRUE(m23().equal(m23()));
  EXPECT_TRUE(equal(m23(), m23().t().contiguous().t()));
  EXPECT_FALSE(m23().equal(m23().view({3, 2})));  // same values, other shape
  EXPECT_FALSE(m23().equal(m23() + 1));
  EXPECT_FALSE(tensor({kNaN}).equal(tensor({kNaN})));
  EXPECT_TRUE(tensor({1.0, 2.0}).allclose(tensor({1.0, 2.0 + 1e-6})));
  EXPECT_FALSE(tensor({1.0, 2.0}).allclose(tensor({1.0, 2.1})));
  EXPECT_TRUE(allclose(tensor({100.0}), tensor({100.5}), 0.01));
  EXPECT_TRUE(allclose(tensor({0.0}), tensor({0.5}), 0, 0.5));
  EXPECT_TRUE(allclose(tensor({1.0, 1.0}), tensor({1.0})));  // broadcasts
  Tensor c = isclose(tensor({1.0, kInf, kInf, kNaN, 1.0}), tensor({1.0, kInf, -kInf, kNaN, kInf}));
  EXPECT_EQ(c.scalar_type(), kBool);
  expect_tensor(c, {5}, {1, 1, 0, 0, 0});
  expect_tensor(isclose(tensor({1, 2}), tensor({1, 3})), {2}, {1, 0});
  expect_tensor(isclose(tensor({100, 2}), tensor({101, 3}), 0.05, 0), {2}, {1, 0});
}

// ---- errors ----------------------------------------------------------------------------

TEST(ReduceErrors, DimsAndEmpty) {
  Tensor x = m23();
  expect_error([&] { x.sum({2}); }, "[sum] dimension out of range");
  expect_error([&] { x.sum({-3}); }, "[sum] dimension out of range");
  expect_error([&] { x.sum({0, 0}); }, "[sum] dim 0 appears multiple times");
  expect_error([&] { x.sum({1, -1}); }, "[sum] dim 1 appears multiple times");
  expect_error([&] { x.mean({5}); }, "[mean] dimension out of range");
  expect_error([&] { x.prod(2); }, "[prod] dimension out of range");
  expect_error([&] { x.amax({0, -2}); }, "[amax] dim 0 appears multiple times");
  expect_error([&] { x.var({3}, true); }, "[var] dimension out of range");
  expect_error([&] { x.logsumexp({2}); }, "[logsumexp] dimension out of range");
  expect_error([&] { x.norm(2, {0, 0}); }, "[norm] dim 0 appears multiple times");
  expect_error([&] { x.max(2); }, "[max] dimension out of range");
  expect_error([&] { x.argmin(-3); }, "[argmin] dimension out of range");
  expect_error([&] { zeros({0}).max(); }, "[max] expected a non-empty tensor");
  expect_error([&] { zeros({2, 0}).min(); }, "[min] expected a non-empty tensor");
  expect_error([&] { zeros({2, 0}).max(1); }, "[max] expected reduction dim 1 to have non-zero");
  expect_error([&] { zeros({0}).argmax(); }, "[argmax] expected a non-empty tensor");
  expect_error([&] { zeros({0, 2}).argmin(0); }, "[argmin] expected reduction dim 0");
  expect_error([&] { zeros({0, 2}).amax(); }, "[amax] expected reduction dim 0");
  expect_error([&] { zeros({3, 0}).amin({1}); }, "[amin] expected reduction dim 1");
  expect_error([&] { zeros({0}).norm(kInf); }, "[norm] expected reduction dim 0");
}

TEST(ReduceErrors, Dtypes) {
  expect_error([] { m23(kLong).mean(); }, "[mean] could not infer output dtype");
  expect_error([] { m23(kInt).mean({0}); }, "got int32");
  expect_error([] { m23().mean(kLong); }, "[mean] could not infer output dtype");
  expect_error([] { m23(kLong).var(); }, "[var] std and var only support floating point");
  expect_error([] { m23(kLong).std({0}, true); }, "[std] std and var only support floating point");
  expect_error([] { m23(kLong).norm(); }, "[norm] input dtype should be floating point");
  expect_error([] { m23(kLong).softmax(0); }, "[softmax] expected a floating point input");
  expect_error([] { m23(kLong).log_softmax(0); }, "[log_softmax] expected a floating point");
  expect_error([] { isclose(m23(), m23(kDouble)); }, "[isclose] expected both tensors");
  expect_error([] { isclose(m23(), m23(), -1); }, "[isclose] rtol must be");
  expect_error([] { allclose(m23(), m23(), 0, -1); }, "[isclose] atol must be");
}

TEST(ReduceErrors, Softmax) {
  expect_error([] { m23().softmax(2); }, "[softmax] dimension out of range");
  expect_error([] { m23().log_softmax(-3); }, "[log_softmax] dimension out of range");
  expect_error([] { tensor(1.0).softmax(1); }, "[softmax] dimension out of range");
}
