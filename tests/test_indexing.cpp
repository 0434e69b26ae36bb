// Indexing and joining: cat, stack, index_select, gather, scatter_add, index_add, nonzero,
// Tensor::index (basic and advanced), index_put_, masked_fill_. Forward values against
// hand-computed answers, views vs copies, errors, and float64 gradients against central
// differences.
#include <gtest/gtest.h>
#include <nabla/nabla.h>

#include <functional>
#include <limits>
#include <string>
#include <vector>

using namespace nabla;            // NOLINT
using namespace nabla::indexing;  // NOLINT

namespace {

std::vector<double> values(const Tensor& t) {
  Tensor c = t.detach().to(kDouble).contiguous();
  const double* p = c.data_ptr<double>();
  return std::vector<double>(p, p + c.numel());
}

std::vector<int64_t> shape(const Tensor& t) { return t.sizes().vec(); }

// Deterministic pseudo-random float64 values in [-1, 1), as a leaf.
Tensor rnd(std::vector<int64_t> sizes, uint64_t seed, bool grad = true) {
  int64_t n = 1;
  for (int64_t s : sizes) n *= s;
  std::vector<double> v(n);
  uint64_t x = seed * 6364136223846793005ULL + 1442695040888963407ULL;
  for (auto& e : v) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    e = static_cast<double>(x >> 11) / static_cast<double>(1ULL << 53) * 2.0 - 1.0;
  }
  Tensor t = tensor(v, kDouble).reshape(sizes).detach();
  return grad ? t.requires_grad_(true) : t;
}

// 0, 1, 2, ... as float32 of the given shape.
Tensor iota(std::vector<int64_t> sizes) {
  int64_t n = 1;
  for (int64_t s : sizes) n *= s;
  return arange(n).to(kFloat).reshape(sizes).detach();
}

void expect_values(const Tensor& t, const std::vector<double>& expected, double tol = 1e-6) {
  const auto got = values(t);
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], expected[i], tol) << "at " << i;
}

// Compares backward() with central differences of <f(x), w> for a fixed projection w.
void check_grad(const std::function<Tensor(const std::vector<Tensor>&)>& f,
                std::vector<Tensor> inputs, double tol = 1e-6) {
  Tensor out = f(inputs);
  const Tensor w = rnd(out.sizes().vec(), 99, false);
  const auto wv = values(w);
  auto project = [&](const Tensor& o) {
    const auto ov = values(o);
    double s = 0;
    for (size_t i = 0; i < ov.size(); ++i) s += ov[i] * wv[i];
    return s;
  };
  out.backward(w);
  const double eps = 1e-6;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].requires_grad()) continue;
    ASSERT_TRUE(inputs[i].grad().defined()) << "input " << i << " got no gradient";
    ASSERT_EQ(shape(inputs[i].grad()), shape(inputs[i]));
    const auto analytic = values(inputs[i].grad());
    double* p = inputs[i].data_ptr<double>();
    for (int64_t j = 0; j < inputs[i].numel(); ++j) {
      const double orig = p[j];
      double plus, minus;
      {
        NoGradGuard g;
        p[j] = orig + eps;
        plus = project(f(inputs));
        p[j] = orig - eps;
        minus = project(f(inputs));
        p[j] = orig;
      }
      EXPECT_NEAR(analytic[j], (plus - minus) / (2 * eps), tol)
          << "input " << i << " element " << j;
    }
  }
}

#define EXPECT_ERROR(stmt, text)                                                  \
  do {                                                                            \
    try {                                                                         \
      (void)(stmt);                                                               \
      ADD_FAILURE() << "expected nabla::Error containing: " << (text);            \
    } catch (const nabla::Error& e) {                                             \
      EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what(); \
    }                                                                             \
  } while (0)

}  // namespace

// ---- cat and stack ---------------------------------------------------------------------------

TEST(Cat, ValuesDimsAndPromotion) {
  auto a = tensor({{1.0, 2.0}, {3.0, 4.0}}), b = tensor({{5.0, 6.0}});
  auto c = cat({a, b});
  EXPECT_EQ(shape(c), std::vector<int64_t>({3, 2}));
  expect_values(c, {1, 2, 3, 4, 5, 6});
  auto d = cat({a, a.t()}, 1);
  expect_values(d, {1, 2, 1, 3, 3, 4, 2, 4});
  expect_values(cat({a, tensor({{7.0}, {8.0}})}, -1), {1, 2, 7, 3, 4, 8});
  auto p = cat({tensor({1, 2}), tensor({0.5})});
  EXPECT_EQ(p.scalar_type(), kFloat);
  expect_values(p, {1, 2, 0.5});
  EXPECT_EQ(cat({tensor({1, 2}), tensor({3.0}, kDouble)}).scalar_type(), kDouble);
  // Legacy: 1-D empty tensors are skipped whatever the other shapes.
  expect_values(cat({a, empty({0}), b}), {1, 2, 3, 4, 5, 6});
  EXPECT_EQ(shape(cat({ones({2, 0}), ones({2, 3})}, 1)), std::vector<int64_t>({2, 3}));
}

TEST(Cat, Errors) {
  EXPECT_ERROR(cat(std::vector<Tensor>{}), "[cat] expected a non-empty list of tensors");
  EXPECT_ERROR(cat({ones({2}), ones({})}),
               "[cat] zero-dimensional tensor (at position 1) cannot be concatenated");
  EXPECT_ERROR(cat({ones({2, 3}), ones({2, 3}), ones({2, 4})}),
               "[cat] sizes of tensors must match except in dimension 0. Expected size 3 but "
               "got size 4 for tensor number 2 in the list");
  EXPECT_ERROR(cat({ones({2, 3}), ones({3})}),
               "[cat] tensors must have the same number of dimensions");
  EXPECT_ERROR(cat({ones({2, 3})}, 2), "[cat]");
}

TEST(Stack, ValuesAndErrors) {
  auto a = tensor({1.0, 2.0}), b = tensor({3.0, 4.0});
  auto s0 = stack({a, b});
  EXPECT_EQ(shape(s0), std::vector<int64_t>({2, 2}));
  expect_values(s0, {1, 2, 3, 4});
  expect_values(stack({a, b}, 1), {1, 3, 2, 4});
  expect_values(stack({a, b}, -1), {1, 3, 2, 4});
  EXPECT_EQ(stack({tensor({1}), tensor({2.5})}).scalar_type(), kFloat);
  EXPECT_EQ(shape(stack({ones({}), ones({})})), std::vector<int64_t>({2}));
  EXPECT_ERROR(stack({ones({2, 3}), ones({2, 4})}),
               "[stack] expects each tensor to be equal size, but got [2, 3] at entry 0 and "
               "[2, 4] at entry 1");
  EXPECT_ERROR(stack(std::vector<Tensor>{}), "[stack] expected a non-empty list");
  EXPECT_ERROR(stack({a, b}, 3), "[stack]");
}

// Along dim 0, contiguous parts of the result's dtype are joined by one backend call
// (copy_parts: a DataLoader's Stack<> of single examples); anything else copies part by part.
// Both must give what copying each part into its place gives: rows of a larger tensor (as a
// dataset's examples), 0-d labels, parts over the backend's size limit, a transposed part, a
// part of another dtype, an empty one.
TEST(JoinAlongDim0, OneCallForContiguousPartsEqualsPartByPart) {
  const Tensor images = rand({50, 1, 4, 5});
  const Tensor labels = arange(50, TensorOptions().dtype(kInt64));
  std::vector<Tensor> xs, ys;
  for (int64_t i : {7, 3, 49, 0, 3, 21}) {
    xs.push_back(images[i]);
    ys.push_back(labels[i]);
  }
  const Tensor batch = stack(xs), targets = stack(ys);
  ASSERT_EQ(shape(batch), std::vector<int64_t>({6, 1, 4, 5}));
  for (size_t i = 0; i < xs.size(); ++i) {
    EXPECT_TRUE(batch[static_cast<int64_t>(i)].equal(xs[i]));
    EXPECT_EQ(targets[static_cast<int64_t>(i)].item<int64_t>(), ys[i].item<int64_t>());
  }
  // cat of row blocks of different heights, one of them past 256 KiB (copied on its own path).
  const Tensor big = rand({70000, 1}), small = rand({3, 1}), none = empty({0, 1});
  const Tensor joined = cat({small, big, none, small});
  ASSERT_EQ(joined.size(0), 70006);
  EXPECT_TRUE(joined.narrow(0, 0, 3).equal(small));
  EXPECT_TRUE(joined.narrow(0, 3, 70000).equal(big));
  EXPECT_TRUE(joined.narrow(0, 70003, 3).equal(small));
  // A transposed part, a part of another dtype: part by part, same values.
  const Tensor a = rand({3, 3}), at = a.t();
  EXPECT_TRUE(stack({a, at}).select(0, 1).equal(at));
  expect_values(cat({tensor({1, 2}), tensor({0.5})}), {1, 2, 0.5});
  expect_values(cat({tensor({1.0, 2.0}), empty({0}), tensor({3.0})}), {1, 2, 3});
  // The result is a new tensor: writing to it leaves the parts alone.
  Tensor copy = stack(xs);
  copy.zero_();
  EXPECT_TRUE(batch.equal(stack(xs)));
}

TEST(JoinGrad, CatStack) {
  check_grad(
      [](const std::vector<Tensor>& x) {
        return cat({x[0], x[1], x[2]}, 1);
      },
      {rnd({2, 1}, 1), rnd({2, 3}, 2), rnd({2, 2}, 3)});
  check_grad(
      [](const std::vector<Tensor>& x) {
        return cat({x[0], x[1]}, 0);
      },
      {rnd({1, 3}, 4), rnd({2, 3}, 5)});
  check_grad(
      [](const std::vector<Tensor>& x) {
        return stack({x[0], x[1]}, 1);
      },
      {rnd({2, 3}, 6), rnd({2, 3}, 7)});
  EXPECT_EQ(cat({rnd({1}, 1), rnd({1}, 2)}).grad_fn()->name(), "CatBackward0");
  EXPECT_EQ(stack({rnd({1}, 1), rnd({1}, 2)}).grad_fn()->name(), "StackBackward0");
  // Mixed dtypes: each input gets a gradient of its own dtype.
  auto f = rnd({2}, 8);
  auto g = tensor({1.0f, 2.0f}).requires_grad_(true);
  cat({f, g}).backward(ones({4}, kDouble));
  EXPECT_EQ(g.grad().scalar_type(), kFloat);
  EXPECT_EQ(f.grad().scalar_type(), kDouble);
}

// ---- index_select, gather, scatter_add, index_add ---------------------------------------------

TEST(IndexSelect, Values) {
  auto x = iota({3, 4});
  expect_values(x.index_select(0, tensor({2, 0, 2})), {8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11});
  expect_values(x.index_select(1, tensor({3, 1})), {3, 1, 7, 5, 11, 9});
  expect_values(x.index_select(-1, tensor({3, 1}).to(kInt)), {3, 1, 7, 5, 11, 9});
  // Transposed (non-contiguous) input, int64 data, empty index, 0-d index.
  expect_values(x.t().index_select(0, tensor({1})), {1, 5, 9});
  expect_values(x.to(kLong).index_select(1, tensor({0})), {0, 4, 8});
  EXPECT_EQ(shape(x.index_select(0, empty({0}, kLong))), std::vector<int64_t>({0, 4}));
  EXPECT_EQ(shape(x.index_select(0, tensor(1))), std::vector<int64_t>({1, 4}));
  // A larger case against select.
  auto big = rnd({64, 700}, 9, false);
  auto idx = tensor({63, 0, 17, 17});
  auto r = index_select(big, 0, idx);
  EXPECT_TRUE(r[2].equal(big[17]));
  auto rc = index_select(big, 1, idx);
  EXPECT_TRUE(rc.select(1, 0).equal(big.select(1, 63)));
}

TEST(IndexSelect, Errors) {
  auto x = iota({3, 4});
  EXPECT_ERROR(x.index_select(0, tensor({0, 5})),
               "[index_select] index 5 is out of bounds for dimension 0 with size 3");
  EXPECT_ERROR(x.index_select(1, tensor({-1})),
               "[index_select] index -1 is out of bounds for dimension 1 with size 4");
  EXPECT_ERROR(x.index_select(0, tensor({0.0})), "[index_select] expected an index of dtype int64");
  EXPECT_ERROR(x.index_select(0, tensor({{0}})), "[index_select] index is supposed to be a vector");
  EXPECT_ERROR(x.index_select(2, tensor({0})), "[index_select]");
}

TEST(Gather, Values) {
  auto x = tensor({{1.0, 2.0}, {3.0, 4.0}});
  expect_values(x.gather(1, tensor({{0, 0}, {1, 0}})), {1, 1, 4, 3});
  expect_values(x.gather(0, tensor({{1, 0}})), {3, 2});
  expect_values(x.t().gather(0, tensor({{1, 1}})), {2, 4});
  // Index smaller than self outside dim.
  auto y = iota({3, 4});
  expect_values(gather(y, 1, tensor({{3}, {0}})), {3, 4});
  EXPECT_ERROR(x.gather(1, tensor({{0, 2}})),
               "[gather] index 2 is out of bounds for dimension 1 with size 2");
  EXPECT_ERROR(x.gather(1, tensor({0, 1})),
               "[gather] index tensor must have the same number of dimensions");
  EXPECT_ERROR(x.gather(1, tensor({{0, 1}}).to(kInt)), "[gather] expected an index of dtype int64");
  EXPECT_ERROR(x.gather(1, tensor({{0}, {0}, {0}})), "[gather] size of index [3, 1] does not fit");
}

TEST(ScatterAdd, Values) {
  auto self = zeros({2, 3});
  auto src = tensor({{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}});
  auto idx = tensor({{0, 1, 0}, {1, 0, 0}});
  auto r = self.scatter_add(0, idx, src);
  expect_values(r, {1, 5, 9, 4, 2, 0});
  expect_values(self, {0, 0, 0, 0, 0, 0});  // out of place
  // Duplicates along dim 1 add up; index smaller than src uses only the covered part.
  expect_values(scatter_add(zeros({2, 2}), 1, tensor({{1, 1}, {0, 1}}), src), {0, 3, 4, 5});
  expect_values(scatter_add(ones({2, 2}, kLong), 1, tensor({{1}}), tensor({{7, 8}})), {1, 8, 1, 1});
  EXPECT_ERROR(scatter_add(zeros({2, 2}), 1, tensor({{2}}), zeros({1, 1})),
               "[scatter_add] index 2 is out of bounds for dimension 1 with size 2");
  EXPECT_ERROR(scatter_add(zeros({2, 2}), 1, tensor({{0}}), zeros({1, 1}, kDouble)),
               "[scatter_add] expected self.dtype to be equal to src.dtype");
  EXPECT_ERROR(scatter_add(zeros({2, 2}), 1, tensor({{0, 1}}), zeros({1, 1})),
               "[scatter_add] size of index [1, 2] does not fit src [1, 1]");
}

TEST(Scatter, ValuesOneHotAndDuplicates) {
  // A one-hot as LibTorch programs make it, in place.
  Tensor labels = tensor({2, 0, 1}).view({3, 1});
  Tensor onehot = zeros({3, 4});
  Tensor& same = onehot.scatter_(1, labels, 1.0);
  EXPECT_EQ(&same, &onehot);
  expect_values(onehot, {0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0});
  // With a src, out of place; where an index repeats along dim, the last write wins.
  Tensor src = tensor({{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}});
  expect_values(zeros({2, 3}).scatter(0, tensor({{1, 0, 1}}), src), {0, 2, 0, 1, 0, 3});
  expect_values(scatter(zeros({2, 2}), 1, tensor({{1, 1, 0}, {0, 0, 0}}), src), {3, 2, 6, 0});
  expect_values(ones({2, 2}, kLong).scatter(0, tensor({{1}}), 7), {1, 1, 7, 1});
  expect_values(tensor({true, false}).scatter(0, tensor({1}), true), {1, 1});
  // The gradient reaches the writes that survive, and self where nothing was written.
  Tensor base = zeros({2, 2}, kDouble).requires_grad_();
  Tensor values = tensor({{1.0, 2.0, 3.0}}, kDouble).requires_grad_();
  // Places: 1 gets values 1 then 2 (2 survives), 0 gets 3; row 1 is not written.
  Tensor out = base.scatter(1, tensor({{1, 1, 0}}), values);
  (out * tensor({{10.0, 20.0}, {30.0, 40.0}}, kDouble)).sum().backward();
  expect_values(values.grad(), {0, 20, 10});  // the first write to place 1 is overwritten
  expect_values(base.grad(), {0, 0, 30, 40});
  // In place scatter_add_, and the errors.
  Tensor acc = zeros({3});
  acc.scatter_add_(0, tensor({0, 0, 2}), tensor({1.0f, 2.0f, 5.0f}));
  expect_values(acc, {3, 0, 5});
  EXPECT_ERROR(zeros({2, 2}).scatter(1, tensor({{2}}), zeros({1, 1})),
               "[scatter] index 2 is out of bounds for dimension 1 with size 2");
  EXPECT_ERROR(zeros({2, 2}).scatter(1, tensor({{0}}), zeros({1, 1}, kDouble)),
               "[scatter] expected self.dtype to be equal to src.dtype");
  EXPECT_ERROR(zeros({2, 2}).scatter(1, tensor({0}), 1.0), "[scatter] index tensor must have");
  EXPECT_ERROR(zeros({2, 2}).scatter(1, tensor({{0.5}}), 1.0), "[scatter]");
}

TEST(IndexAdd, Values) {
  auto x = ones({3, 2});
  auto r = index_add(x, 0, tensor({2, 0, 2}), tensor({{1.0, 2.0}, {3.0, 4.0}, {5.0, 6.0}}));
  expect_values(r, {4, 5, 1, 1, 7, 9});
  auto r2 = index_add(x, 1, tensor({1}), tensor({{1.0}, {2.0}, {3.0}}), 2.0);
  expect_values(r2, {1, 3, 1, 5, 1, 7});
  EXPECT_ERROR(index_add(x, 0, tensor({3}), ones({1, 2})),
               "[index_add] index 3 is out of bounds for dimension 0 with size 3");
  EXPECT_ERROR(index_add(x, 0, tensor({0}), ones({2, 2})), "[index_add] source of shape [2, 2]");
}

TEST(IndexGrad, SelectGatherScatter) {
  auto idx = tensor({2, 0, 2});
  check_grad([&](const std::vector<Tensor>& x) { return x[0].index_select(0, idx); },
             {rnd({3, 2}, 10)});
  check_grad([&](const std::vector<Tensor>& x) { return x[0].index_select(1, idx); },
             {rnd({2, 3}, 11)});
  auto gidx = tensor({{0, 0, 1}, {1, 1, 1}});
  check_grad([&](const std::vector<Tensor>& x) { return x[0].gather(1, gidx); }, {rnd({2, 2}, 12)});
  check_grad([&](const std::vector<Tensor>& x) { return x[0].scatter_add(1, gidx, x[1]); },
             {rnd({2, 2}, 13), rnd({2, 3}, 14)});
  // src larger than index: the uncovered part gets zero gradient.
  check_grad([&](const std::vector<Tensor>& x) { return x[0].scatter_add(0, tensor({{1}}), x[1]); },
             {rnd({2, 2}, 15), rnd({2, 2}, 16)});
  check_grad([&](const std::vector<Tensor>& x) { return index_add(x[0], 0, idx, x[1], 3.0); },
             {rnd({3, 2}, 17), rnd({3, 2}, 18)});
  EXPECT_EQ(rnd({3}, 1).index_select(0, idx).grad_fn()->name(), "IndexSelectBackward0");
  EXPECT_EQ(rnd({3}, 1).gather(0, idx).grad_fn()->name(), "GatherBackward0");
}

TEST(Nonzero, Values) {
  auto nz = nonzero(tensor({{0, 1, 0}, {2, 0, 3}}));
  EXPECT_EQ(shape(nz), std::vector<int64_t>({3, 2}));
  EXPECT_EQ(nz.scalar_type(), kLong);
  expect_values(nz, {0, 1, 1, 0, 1, 2});
  EXPECT_EQ(shape(nonzero(zeros({4}))), std::vector<int64_t>({0, 1}));
  EXPECT_EQ(shape(nonzero(ones({}))), std::vector<int64_t>({1, 0}));
}

// ---- Tensor::index ---------------------------------------------------------------------------

TEST(Index, BasicIndicesAreViews) {
  auto x = iota({2, 3, 4});
  auto a = x.index({1});
  EXPECT_EQ(shape(a), std::vector<int64_t>({3, 4}));
  expect_values(a.index({0}), {12, 13, 14, 15});
  auto b = x.index({Slice(), 1, Slice(1, None, 2)});
  EXPECT_EQ(shape(b), std::vector<int64_t>({2, 2}));
  expect_values(b, {5, 7, 17, 19});
  auto c = x.index({"...", -1});
  EXPECT_EQ(shape(c), std::vector<int64_t>({2, 3}));
  expect_values(c, {3, 7, 11, 15, 19, 23});
  auto d = x.index({None, Ellipsis, None});
  EXPECT_EQ(shape(d), std::vector<int64_t>({1, 2, 3, 4, 1}));
  auto e = x.index({0, None, Slice(-2)});
  EXPECT_EQ(shape(e), std::vector<int64_t>({1, 2, 4}));
  expect_values(e, {4, 5, 6, 7, 8, 9, 10, 11});
  EXPECT_EQ(shape(x.index({Slice(5, 10)})), std::vector<int64_t>({0, 3, 4}));
  EXPECT_EQ(shape(x.index({true})), std::vector<int64_t>({1, 2, 3, 4}));
  EXPECT_EQ(shape(x.index({false})), std::vector<int64_t>({0, 2, 3, 4}));
  // Views share storage: a write through the view shows in x.
  {
    NoGradGuard g;
    b.fill_(-1.0);
  }
  EXPECT_EQ(x.index({1, 1, 3}).item<float>(), -1.0f);
  EXPECT_EQ(x.index({0, 1, 2}).item<float>(), 6.0f);
}

TEST(Index, AdvancedIndices) {
  auto x = iota({3, 4});
  auto r = x.index({tensor({2, 0, -1})});
  EXPECT_EQ(shape(r), std::vector<int64_t>({3, 4}));
  expect_values(r, {8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11});
  expect_values(x[tensor({1})], {4, 5, 6, 7});
  // An index tensor in the second position, a 2-D index tensor.
  expect_values(x.index({Slice(), tensor({3, 0})}), {3, 0, 7, 4, 11, 8});
  auto r2 = x.index({Slice(), tensor({{0, 1}, {2, 3}})});
  EXPECT_EQ(shape(r2), std::vector<int64_t>({3, 2, 2}));
  expect_values(r2.index({1}), {4, 5, 6, 7});
  // Two index tensors broadcast together: pairs (row, col).
  expect_values(x.index({tensor({0, 2}), tensor({1, 3})}), {1, 11});
  expect_values(x.index({tensor({{0}, {2}}), tensor({1, 3})}), {1, 3, 9, 11});
  // Adjacent index tensors keep their place; separated ones go first (PyTorch rules).
  auto y = iota({2, 3, 4, 5});
  EXPECT_EQ(shape(y.index({Slice(), tensor({0, 1}), tensor({2, 3})})),
            std::vector<int64_t>({2, 2, 5}));
  auto sep = y.index({tensor({0, 1}), Slice(), tensor({2, 3})});
  EXPECT_EQ(shape(sep), std::vector<int64_t>({2, 3, 5}));
  // sep[i, j, k] = y[idx0[i], j, idx2[i], k]
  EXPECT_EQ(sep.index({1, 2, 4}).item<float>(), y.index({1, 2, 3, 4}).item<float>());
  auto mixed = y.index({1, Slice(), tensor({0, 3}), Slice(0, 2)});
  EXPECT_EQ(shape(mixed), std::vector<int64_t>({3, 2, 2}));
  EXPECT_EQ(mixed.index({2, 1, 1}).item<float>(), y.index({1, 2, 3, 1}).item<float>());
  // Non-contiguous input.
  expect_values(x.t().index({tensor({3})}), {3, 7, 11});
  // The result is a new tensor, not a view of x.
  auto copy = x.index({tensor({0})});
  {
    NoGradGuard g;
    copy.fill_(100.0);
  }
  EXPECT_EQ(x.index({0, 0}).item<float>(), 0.0f);
}

TEST(Index, BoolMasks) {
  auto x = iota({2, 3});
  auto m = x.gt(2.0);
  auto r = x.index({m});
  EXPECT_EQ(shape(r), std::vector<int64_t>({3}));
  expect_values(r, {3, 4, 5});
  auto rows = x.index({tensor({true, false})});
  EXPECT_EQ(shape(rows), std::vector<int64_t>({1, 3}));
  expect_values(rows, {0, 1, 2});
  expect_values(x.index({Slice(), tensor({false, true, true})}), {1, 2, 4, 5});
  EXPECT_EQ(shape(x.index({zeros({2, 3}, kBool)})), std::vector<int64_t>({0}));
  EXPECT_EQ(shape(x.index({tensor(true)})), std::vector<int64_t>({1, 2, 3}));
}

TEST(Index, Errors) {
  auto x = iota({2, 3});
  EXPECT_ERROR(x.index({tensor({0, 3})}),
               "[index] index 3 is out of bounds for dimension 0 with size 2");
  EXPECT_ERROR(x.index({Slice(), tensor({-4})}),
               "[index] index -4 is out of bounds for dimension 1 with size 3");
  EXPECT_ERROR(x.index({5}), "[index] index 5 is out of bounds for dimension 0 with size 2");
  EXPECT_ERROR(x.index({0, 0, 0}), "[index] too many indices for tensor of dimension 2");
  EXPECT_ERROR(x.index({"...", "..."}), "[index] an index can only have a single ellipsis");
  EXPECT_ERROR(x.index({TensorIndex("..")}), "[index] expected \"...\"");
  EXPECT_ERROR(x.index({tensor({0.0})}),
               "[index] tensors used as indices must be long, int, byte or bool");
  EXPECT_ERROR(x.index({tensor({true, false, true})}),
               "[index] the shape of the mask [3] at index 0");
  EXPECT_ERROR(x.index({tensor({0, 1}), tensor({0, 1, 2})}), "cannot be broadcast");
  EXPECT_ERROR(x.index({Slice(0, 2, -1)}), "[index] step must be greater than zero");
}

TEST(IndexGrad, BasicAndAdvanced) {
  check_grad(
      [](const std::vector<Tensor>& x) {
        return x[0].index({Slice(), 1, Slice(None, None, 2)});
      },
      {rnd({2, 3, 4}, 20)});
  // Repeated indices accumulate.
  check_grad(
      [](const std::vector<Tensor>& x) {
        return x[0].index({tensor({1, 1, 0})});
      },
      {rnd({3, 2}, 21)});
  check_grad(
      [](const std::vector<Tensor>& x) {
        return x[0].index({tensor({0, 2, 2}), Slice(), tensor({1, 0, 1})});
      },
      {rnd({3, 2, 2}, 22)});
  check_grad([](const std::vector<Tensor>& x) { return x[0].index({x[0].detach().gt(0.0)}); },
             {rnd({3, 3}, 23)});
  check_grad(
      [](const std::vector<Tensor>& x) {
        return x[0].t().index({Slice(), tensor({{0, 1}, {1, 1}})});
      },
      {rnd({2, 3}, 24)});
}

// ---- index_put_ and masked_fill_ --------------------------------------------------------------

TEST(IndexPut, Values) {
  auto x = zeros({3, 4});
  const auto v0 = x._version();
  x.index_put_({Slice(), 1}, 5.0);
  EXPECT_GT(x._version(), v0);
  expect_values(x.index({Slice(), 1}), {5, 5, 5});
  x.index_put_({0}, tensor({1.0, 2.0, 3.0, 4.0}));
  expect_values(x.index({0}), {1, 2, 3, 4});
  x.index_put_({tensor({2, 2, 1}), tensor({0, 3, 3})}, tensor({7.0, 8.0, 9.0}));
  expect_values(x.index({Slice(1, None)}), {0, 5, 0, 9, 7, 5, 0, 8});
  // Masks: a scalar, and one value per selected element.
  auto y = iota({2, 3});
  y.index_put_({y.gt(3.0)}, 0.0);
  expect_values(y, {0, 1, 2, 3, 0, 0});
  y.index_put_({y.eq(0.0)}, tensor({-1.0, -2.0, -3.0}));
  expect_values(y, {-1, 1, 2, 3, -2, -3});
  // Rows selected by an index tensor, value broadcast over each row; repeated index: last wins.
  auto z = zeros({3, 2}, kLong);
  z.index_put_({tensor({2, 0, 2})}, tensor({{1, 2}, {3, 4}, {5, 6}}));
  expect_values(z, {3, 4, 0, 0, 5, 6});
  // Overwrites NaN and inf exactly; writes through a non-contiguous tensor.
  auto w = tensor({{1.0, 2.0}, {3.0, 4.0}}).t();
  w.index_put_({Slice(), tensor({1})}, tensor({{10.0}, {20.0}}));
  expect_values(w, {1, 10, 2, 20});
  auto n = full({3}, std::numeric_limits<double>::infinity());
  n.index_put_({tensor({1})}, 0.0);
  EXPECT_EQ(n[1].item<float>(), 0.0f);
}

TEST(IndexPut, Errors) {
  auto x = zeros({2, 2});
  EXPECT_ERROR(x.index_put_({tensor({0, 2})}, 1.0),
               "[index_put_] index 2 is out of bounds for dimension 0 with size 2");
  expect_values(x, {0, 0, 0, 0});  // nothing written
  EXPECT_ERROR(x.index_put_({tensor({0})}, ones({3})), "[index_put_] shape mismatch");
  EXPECT_ERROR(x.index_put_({Slice()}, ones({3})), "[index_put_] shape mismatch");
  auto leaf = rnd({2, 2}, 30);
  EXPECT_ERROR(leaf.index_put_({0}, 1.0), "a leaf tensor that requires grad");
}

TEST(IndexPut, Autograd) {
  auto x = rnd({3, 2}, 31), v = rnd({2}, 32);
  auto y = x * 1.0;
  y.index_put_({tensor({1})}, v);
  y.backward(rnd({3, 2}, 33, false));
  const auto gx = values(x.grad()), g = values(rnd({3, 2}, 33, false));
  EXPECT_EQ(gx[0], g[0]);
  EXPECT_EQ(gx[2], 0.0);
  EXPECT_EQ(gx[3], 0.0);
  EXPECT_EQ(gx[5], g[5]);
  expect_values(v.grad(), {g[2], g[3]});
  // Gradient check of the out-of-place form, with a broadcast value and a mask.
  check_grad(
      [](const std::vector<Tensor>& in) {
        Tensor y = in[0] * 1.0;
        y.index_put_({Slice(), tensor({0, 2})}, in[1]);
        return y;
      },
      {rnd({2, 3}, 34), rnd({2, 1}, 35)});
}

TEST(MaskedFill, InPlace) {
  auto x = iota({2, 3});
  const auto v0 = x._version();
  x.masked_fill_(tensor({true, false, true}), -1.0);
  EXPECT_GT(x._version(), v0);
  expect_values(x, {-1, 1, -1, -1, 4, -1});
  EXPECT_ERROR(x.masked_fill_(tensor({1, 0, 1}), 0.0), "[masked_fill_] expected a bool mask");
  EXPECT_ERROR(x.masked_fill_(tensor({true, false}), 0.0), "[masked_fill_]");
  auto leaf = rnd({2}, 40);
  EXPECT_ERROR(leaf.masked_fill_(tensor({true, false}), 0.0), "a leaf tensor that requires grad");
  check_grad(
      [](const std::vector<Tensor>& in) {
        Tensor y = in[0] * 1.0;
        y.masked_fill_(tensor({{true, false}, {false, false}}), 3.0);
        return y;
      },
      {rnd({2, 2}, 41)});
}

// ---- kernels on sizes that take the parallel paths ----------------------------------------------

TEST(IndexKernels, LargeAgainstHostLoops) {
  const int64_t N = 300, D = 257, M = 5000;
  auto x = rnd({N, D}, 70, false);
  const auto xv = values(x);
  std::vector<int64_t> rows(N * D), cols(N * D), many(M);
  for (int64_t i = 0; i < N * D; ++i) {
    rows[i] = (i * 7919) % N;
    cols[i] = (i * 104729) % D;
  }
  for (int64_t i = 0; i < M; ++i) many[i] = (i * 31) % N;
  auto ri = tensor(rows).reshape({N, D}), ci = tensor(cols).reshape({N, D});
  auto mi = tensor(many);

  const auto g0 = values(x.gather(0, ri)), g1 = values(x.gather(1, ci));
  const auto s0 = values(zeros({N, D}, kDouble).scatter_add(0, ri, x));
  std::vector<double> s0_ref(N * D, 0.0);
  for (int64_t i = 0; i < N; ++i) {
    for (int64_t j = 0; j < D; ++j) {
      ASSERT_EQ(g0[i * D + j], xv[rows[i * D + j] * D + j]);
      ASSERT_EQ(g1[i * D + j], xv[i * D + cols[i * D + j]]);
      s0_ref[rows[i * D + j] * D + j] += xv[i * D + j];
    }
  }
  for (int64_t i = 0; i < N * D; ++i) ASSERT_NEAR(s0[i], s0_ref[i], 1e-12);

  // Many indices into a narrow tensor (split over the indices), and their index_add.
  auto narrow3 = x.narrow(1, 0, 3).contiguous();
  const auto sel = values(narrow3.index_select(0, mi));
  const auto add = values(index_add(zeros({N, 3}, kDouble), 0, mi, narrow3.index_select(0, mi)));
  std::vector<double> add_ref(N * 3, 0.0);
  for (int64_t i = 0; i < M; ++i) {
    for (int64_t j = 0; j < 3; ++j) {
      ASSERT_EQ(sel[i * 3 + j], xv[many[i] * D + j]);
      add_ref[many[i] * 3 + j] += xv[many[i] * D + j];
    }
  }
  for (int64_t i = 0; i < N * 3; ++i) ASSERT_NEAR(add[i], add_ref[i], 1e-10);
  // index_select along the last dim of a transposed tensor.
  const auto selt = values(x.t().index_select(1, mi.narrow(0, 0, 100)));
  for (int64_t j = 0; j < D; j += 17)
    for (int64_t i = 0; i < 100; ++i) ASSERT_EQ(selt[j * 100 + i], xv[many[i] * D + j]);
}

TEST(IndexKernels, RowGathersSplitOverThreadsAsOnOne) {
  // A batch of whole rows (64 images of 784 bytes, 64 rows of 784 floats, rows of a strided
  // view) is gathered on two threads once it passes 32 KiB: the same values as one thread and
  // as a host loop.
  const int before = get_num_threads();
  const int64_t N = 1000, D = 784;
  std::vector<int64_t> pick(64);
  for (int64_t i = 0; i < 64; ++i) pick[i] = (i * 7919 + 13) % N;
  const Tensor idx = tensor(pick);
  const Tensor bytes = arange(N * D, kLong).remainder(251).to(kByte).reshape({N, D});
  const Tensor floats = rnd({N, D}, 71, false).to(kFloat);
  for (const Tensor& src : {bytes, floats, floats.t().contiguous().t()}) {
    set_num_threads(1);
    const Tensor one = src.index_select(0, idx);
    set_num_threads(2);
    const Tensor two = src.index_select(0, idx);
    EXPECT_TRUE(two.equal(one)) << src.scalar_type();
    for (int64_t i = 0; i < 64; i += 9) EXPECT_TRUE(one[i].equal(src[pick[i]])) << i;
  }
  set_num_threads(before);
}
