// LibTorch's small compositions (src/ops/compositions.cpp): the edges the op table's rows do not
// reach (NaN, infinities, empty parts, views, errors), the non-differentiable ones and the
// factories. Forward values and gradients of the differentiable ones are rows of the op table
// (tests/op_db.cpp); the same calls against LibTorch are parity snippets.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "nabla/nabla.h"
#include "test_util.h"

namespace {

using nabla::Tensor;
using nabla::test_util::contains;
using nabla::test_util::error_of;
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

Tensor f64(const std::vector<double>& v) {
  return nabla::tensor(v, nabla::TensorOptions().dtype(nabla::kFloat64));
}
std::vector<double> values(const Tensor& t) {
  const Tensor c = t.to(nabla::kFloat64).contiguous();
  const double* p = c.data_ptr<double>();
  return std::vector<double>(p, p + c.numel());
}
std::vector<int64_t> sizes(const Tensor& t) { return t.sizes(); }
using Shape = std::vector<int64_t>;

TEST(Compositions, PointwiseEdges) {
  // fmax / fmin ignore NaN unless both are NaN.
  const std::vector<double> mx =
      values(nabla::fmax(f64({kNaN, 1, kNaN, -2}), f64({2, kNaN, kNaN, 3})));
  EXPECT_EQ(mx[0], 2);
  EXPECT_EQ(mx[1], 1);
  EXPECT_TRUE(std::isnan(mx[2]));
  EXPECT_EQ(mx[3], 3);
  EXPECT_EQ(values(nabla::fmin(f64({kNaN, 1, -2}), f64({2, kNaN, 3}))),
            (std::vector<double>{2, 1, -2}));
  // Where they tie, the gradient goes to self (PyTorch's choice; maximum splits it).
  const Tensor a = f64({1, 5}).requires_grad_(), b = f64({1, 2}).requires_grad_();
  nabla::fmax(a, b).sum().backward();
  EXPECT_EQ(values(a.grad()), (std::vector<double>{1, 1}));
  EXPECT_EQ(values(b.grad()), (std::vector<double>{0, 0}));
  // heaviside: values at 0, 0 for NaN; one dtype for both.
  EXPECT_EQ(values(nabla::heaviside(f64({-1, 0, 2, kNaN}), f64({0.5}))),
            (std::vector<double>{0, 0.5, 1, 0}));
  EXPECT_TRUE(contains(error_of([] { nabla::heaviside(f64({1}), nabla::tensor({1.0f})); }),
                       "[heaviside] self (float64) and values (float32) must have the same dtype"));
  // logaddexp2 keeps its digits at large arguments and gives the infinity both share.
  EXPECT_EQ(values(nabla::logaddexp2(f64({1000, kInf, -kInf, -kInf}), f64({1000, kInf, -kInf, 3}))),
            (std::vector<double>{1001, kInf, -kInf, 3}));
  EXPECT_EQ(values(nabla::isposinf(f64({kInf, -kInf, kNaN, 1}))),
            (std::vector<double>{1, 0, 0, 0}));
  EXPECT_EQ(values(nabla::isneginf(f64({kInf, -kInf, kNaN, 1}))),
            (std::vector<double>{0, 1, 0, 0}));
  EXPECT_EQ(nabla::isposinf(nabla::tensor({1, 2})).scalar_type(), nabla::kBool);
  // deg2rad of integers is float32; the in-place forms.
  const Tensor degrees = nabla::deg2rad(nabla::tensor({180}));
  EXPECT_EQ(degrees.scalar_type(), nabla::kFloat32);
  EXPECT_FLOAT_EQ(degrees.item<float>(), 3.14159265f);
  Tensor r = f64({M_PI});
  r.rad2deg_();
  EXPECT_DOUBLE_EQ(values(r)[0], 180);
  r.deg2rad_();
  EXPECT_DOUBLE_EQ(values(r)[0], M_PI);
  // addcmul and addcdiv agree with their in-place forms; integer division is an error.
  const Tensor s = f64({1, 2}), t1 = f64({3, 0.1}), t2 = f64({7, 0.3});
  EXPECT_TRUE(nabla::equal(s.addcmul(t1, t2, 0.7), s.clone().addcmul_(t1, t2, 0.7)));
  EXPECT_TRUE(nabla::equal(s.addcdiv(t1, t2, 0.7), s.clone().addcdiv_(t1, t2, 0.7)));
  EXPECT_TRUE(contains(
      error_of([] { nabla::addcdiv(nabla::tensor({1}), nabla::tensor({3}), nabla::tensor({2})); }),
      "[addcdiv] integer division is not supported"));
  // The aliases, rsub and sgn.
  const Tensor x = f64({-1, 0, 2});
  EXPECT_TRUE(nabla::equal(x.greater(0), x.gt(0)));
  EXPECT_TRUE(nabla::equal(nabla::greater_equal(x, f64({0, 0, 3})), x.ge(f64({0, 0, 3}))));
  EXPECT_TRUE(nabla::equal(x.less_equal(0), x.le(0)));
  EXPECT_TRUE(nabla::equal(nabla::not_equal(x, 0), x.ne(0)));
  EXPECT_TRUE(nabla::equal(x.multiply(3), x * 3));
  EXPECT_TRUE(nabla::equal(nabla::true_divide(nabla::tensor({1, 2}), 4),
                           f64({0.25, 0.5}).to(nabla::kFloat32)));
  EXPECT_EQ(values(nabla::rsub(x, f64({1, 1, 1}), 2)), (std::vector<double>{3, 1, -3}));
  EXPECT_EQ(values(nabla::rsub(x, 5)), (std::vector<double>{6, 5, 3}));
  EXPECT_EQ(values(x.sgn()), (std::vector<double>{-1, 0, 1}));
}

TEST(Compositions, BroadcastingAndAtLeast) {
  const std::vector<Tensor> b =
      nabla::broadcast_tensors({nabla::zeros({3, 1}), nabla::zeros({4}), nabla::zeros({})});
  for (const Tensor& t : b) EXPECT_EQ(sizes(t), (Shape{3, 4}));
  EXPECT_TRUE(contains(error_of([] {
                         nabla::broadcast_tensors({nabla::zeros({3}), nabla::zeros({4})});
                       }),
                       "broadcast_tensors"));
  EXPECT_EQ(sizes(nabla::zeros({3, 1}).broadcast_to({2, 3, 5})), (Shape{2, 3, 5}));
  EXPECT_EQ(sizes(nabla::atleast_1d(nabla::zeros({}))), (Shape{1}));
  EXPECT_EQ(sizes(nabla::atleast_2d(nabla::zeros({4}))), (Shape{1, 4}));
  EXPECT_EQ(sizes(nabla::atleast_3d(nabla::zeros({4}))), (Shape{1, 4, 1}));
  EXPECT_EQ(sizes(nabla::atleast_3d(nabla::zeros({2, 4}))), (Shape{2, 4, 1}));
  EXPECT_EQ(sizes(nabla::atleast_3d(nabla::zeros({2, 4, 5, 6}))), (Shape{2, 4, 5, 6}));
  const std::vector<Tensor> many = nabla::atleast_2d({nabla::zeros({}), nabla::zeros({2, 3, 4})});
  EXPECT_EQ(sizes(many[0]), (Shape{1, 1}));
  EXPECT_EQ(sizes(many[1]), (Shape{2, 3, 4}));
}

TEST(Compositions, StackingAndSplitting) {
  EXPECT_EQ(values(nabla::hstack({f64({1, 2}), f64({3})})), (std::vector<double>{1, 2, 3}));
  EXPECT_EQ(sizes(nabla::vstack({f64({1, 2}), f64({3, 4})})), (Shape{2, 2}));
  EXPECT_EQ(sizes(nabla::row_stack({nabla::zeros({2, 3}), nabla::zeros({3})})), (Shape{3, 3}));
  EXPECT_EQ(sizes(nabla::dstack({nabla::zeros({2, 3}), nabla::zeros({2, 3})})), (Shape{2, 3, 2}));
  const Tensor columns = nabla::column_stack({f64({1, 2}), f64({3, 4})});
  EXPECT_EQ(sizes(columns), (Shape{2, 2}));
  EXPECT_EQ(values(columns), (std::vector<double>{1, 3, 2, 4}));
  EXPECT_EQ(sizes(nabla::column_stack({f64({7})[0], f64({8})})), (Shape{1, 2}));
  EXPECT_TRUE(contains(error_of([] { nabla::vstack({}); }), "[vstack] expects a non-empty list"));

  // Sections: sizes differing by at most one, the first ones longer; views of self.
  const Tensor x = nabla::arange(7, nabla::kFloat64);
  const std::vector<Tensor> parts = x.tensor_split(3);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(values(parts[0]), (std::vector<double>{0, 1, 2}));
  EXPECT_EQ(values(parts[2]), (std::vector<double>{5, 6}));
  EXPECT_EQ(parts[1].data_ptr<double>(), x.data_ptr<double>() + 3);
  EXPECT_EQ(nabla::tensor_split(nabla::zeros({2}), 4).back().numel(), 0);
  // Indices: Python's slice rules (negative from the end, clamped, empty where they go back).
  const std::vector<Tensor> cut = x.tensor_split({2, -2, 1, 100});
  ASSERT_EQ(cut.size(), 5u);
  EXPECT_EQ(values(cut[0]), (std::vector<double>{0, 1}));
  EXPECT_EQ(values(cut[1]), (std::vector<double>{2, 3, 4}));
  EXPECT_EQ(cut[2].numel(), 0);
  EXPECT_EQ(values(cut[3]), (std::vector<double>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(cut[4].numel(), 0);
  // A tensor of indices (1-d) or of sections (0-d).
  EXPECT_EQ(x.tensor_split(nabla::tensor({int64_t{3}})).size(), 2u);
  EXPECT_EQ(x.tensor_split(nabla::tensor({int64_t{3}})[0]).size(), 3u);
  EXPECT_TRUE(contains(error_of([&] { x.tensor_split(0); }),
                       "[tensor_split] number of sections must be greater than 0, got 0"));
  EXPECT_TRUE(contains(error_of([] { nabla::zeros({}).tensor_split(2); }), "[tensor_split]"));
  EXPECT_TRUE(contains(error_of([&] { x.tensor_split(f64({2})); }), "int64"));
  // hsplit (dim 1, or 0 for 1-d), vsplit (0), dsplit (2); sections must divide the dim.
  const Tensor m = nabla::zeros({4, 6, 2});
  EXPECT_EQ(sizes(m.hsplit(3)[0]), (Shape{4, 2, 2}));
  EXPECT_EQ(sizes(m.vsplit(std::vector<int64_t>{1})[1]), (Shape{3, 6, 2}));
  EXPECT_EQ(sizes(m.dsplit(2)[1]), (Shape{4, 6, 1}));
  EXPECT_EQ(x.hsplit(7).size(), 7u);
  EXPECT_TRUE(contains(
      error_of([&] { m.hsplit(4); }),
      "[hsplit] the size of dimension 1 (6) is not divisible by the number of sections 4"));
  EXPECT_TRUE(contains(error_of([&] { x.vsplit(7); }),
                       "[vsplit] requires a tensor with at least 2 dimension(s)"));
}

TEST(Compositions, TakeAlongDim) {
  // The classic use: values in the order argsort gives, along a dim.
  const Tensor x = f64({3, 1, 2, 9, 7, 8}).reshape({2, 3});
  const Tensor order = x.argsort(1);
  EXPECT_TRUE(nabla::equal(x.take_along_dim(order, 1), std::get<0>(x.sort(1))));
  // Broadcasting in the other dims, and over the flattened tensor.
  EXPECT_EQ(values(nabla::take_along_dim(x, nabla::tensor({int64_t{2}}).reshape({1, 1}), 1)),
            (std::vector<double>{2, 8}));
  EXPECT_EQ(values(x.take_along_dim(nabla::tensor({int64_t{5}, int64_t{0}}))),
            (std::vector<double>{8, 3}));
  EXPECT_TRUE(contains(error_of([&] { x.take_along_dim(nabla::tensor({int64_t{0}}), 1); }),
                       "[take_along_dim] self and indices must have the same number of dims"));
  EXPECT_TRUE(contains(error_of([&] { x.take_along_dim(f64({0})); }),
                       "[take_along_dim] indices must be int64"));
}

TEST(Compositions, ProductsAndDistances) {
  // inner with a 0-d operand is a product; ger is outer.
  EXPECT_EQ(values(nabla::inner(f64({1, 2}), f64({3})[0])), (std::vector<double>{3, 6}));
  EXPECT_EQ(values(nabla::inner(f64({1, 2}), f64({3, 4}))), (std::vector<double>{11}));
  EXPECT_TRUE(contains(error_of([] {
                         nabla::inner(nabla::zeros({2, 3}), nabla::zeros({2}));
                       }),
                       "[inner] the last dimensions must match"));
  EXPECT_TRUE(nabla::equal(nabla::ger(f64({1, 2}), f64({3, 4, 5})),
                           nabla::outer(f64({1, 2}), f64({3, 4, 5}))));
  EXPECT_DOUBLE_EQ(values(nabla::dist(f64({1, 1}), f64({4, 5})))[0], 5);
  EXPECT_DOUBLE_EQ(values(f64({1, 1}).dist(f64({4, 5}), 1))[0], 7);
  // addmv / addr: beta = 0 ignores self's NaN; self broadcasts.
  const Tensor mat = f64({1, 2, 3, 4}).reshape({2, 2}), vec = f64({1, 1});
  EXPECT_EQ(values(nabla::addmv(f64({kNaN, kNaN}), mat, vec, 0, 2)), (std::vector<double>{6, 14}));
  EXPECT_EQ(values(nabla::addmv(f64({1})[0], mat, vec)), (std::vector<double>{4, 8}));
  EXPECT_EQ(values(nabla::addr(f64({10}), f64({1, 2}), f64({3, 4}), 0.5, 1)),
            (std::vector<double>{8, 9, 11, 13}));
  Tensor y = f64({1, 1});
  y.addmv_(mat, vec, 2, 1);
  EXPECT_EQ(values(y), (std::vector<double>{5, 9}));
  EXPECT_EQ(values(nabla::diagflat(f64({1, 2}).reshape({1, 2}))),
            (std::vector<double>{1, 0, 0, 2}));
}

TEST(Compositions, UniqueConsecutive) {
  const Tensor x = f64({1, 1, 2, 2, 3, 1, 1, 2});
  const auto [values_, inverse, counts] = nabla::unique_consecutive(x, true, true);
  EXPECT_EQ(values(values_), (std::vector<double>{1, 2, 3, 1, 2}));
  EXPECT_EQ(values(inverse), (std::vector<double>{0, 0, 1, 1, 2, 3, 3, 4}));
  EXPECT_EQ(values(counts), (std::vector<double>{2, 2, 1, 2, 1}));
  EXPECT_EQ(inverse.scalar_type(), nabla::kLong);
  // Not asked for: empty. The inverse has self's shape; NaN differs from NaN.
  EXPECT_EQ(std::get<1>(nabla::unique_consecutive(x)).numel(), 0);
  EXPECT_EQ(sizes(std::get<1>(nabla::unique_consecutive(x.reshape({2, 4}), true))), (Shape{2, 4}));
  EXPECT_EQ(std::get<0>(nabla::unique_consecutive(f64({kNaN, kNaN}))).numel(), 2);
  EXPECT_EQ(std::get<0>(nabla::unique_consecutive(f64({}))).numel(), 0);
  // Along a dim: whole slices compared.
  const Tensor rows = f64({1, 2, 1, 2, 3, 4, 1, 2}).reshape({4, 2});
  const auto [unique_rows, row_inverse, row_counts] =
      nabla::unique_consecutive(rows, true, true, 0);
  EXPECT_EQ(values(unique_rows), (std::vector<double>{1, 2, 3, 4, 1, 2}));
  EXPECT_EQ(values(row_inverse), (std::vector<double>{0, 0, 1, 2}));
  EXPECT_EQ(values(row_counts), (std::vector<double>{2, 1, 1}));
  EXPECT_EQ(sizes(std::get<0>(nabla::unique_consecutive(rows.t(), false, false, 1))),
            (Shape{2, 3}));
}

TEST(Compositions, ScatterFillRenormAndFactories) {
  // masked_scatter: source's elements in order where mask (broadcast) is true.
  const Tensor self = nabla::zeros({2, 3}, nabla::kFloat64);
  const Tensor mask = nabla::tensor({true, false, true});
  EXPECT_EQ(values(self.masked_scatter(mask, f64({1, 2, 3, 4, 5}))),
            (std::vector<double>{1, 0, 2, 3, 0, 4}));
  EXPECT_TRUE(contains(error_of([&] {
                         self.masked_scatter(mask, f64({1, 2, 3}));
                       }),
                       "[masked_scatter] mask has 4 true elements, source only 3 elements"));
  EXPECT_TRUE(contains(error_of([&] {
                         self.masked_scatter(nabla::tensor({1, 0, 1}), f64({1}));
                       }),
                       "[masked_scatter] mask must be bool"));
  Tensor target = nabla::zeros({3}, nabla::kFloat64);
  target.masked_scatter_(mask, f64({7, 8}));
  EXPECT_EQ(values(target), (std::vector<double>{7, 0, 8}));
  // fill_diagonal_: square, tall with and without wrap, 3-d, and under autograd (a mask).
  Tensor square = nabla::zeros({3, 3});
  square.fill_diagonal_(5);
  EXPECT_EQ(values(square), (std::vector<double>{5, 0, 0, 0, 5, 0, 0, 0, 5}));
  Tensor tall = nabla::zeros({7, 2});
  tall.fill_diagonal_(1, true);
  EXPECT_EQ(values(tall), (std::vector<double>{1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0}));
  Tensor tall_no_wrap = nabla::zeros({4, 2});
  tall_no_wrap.fill_diagonal_(1);
  EXPECT_EQ(values(tall_no_wrap), (std::vector<double>{1, 0, 0, 1, 0, 0, 0, 0}));
  Tensor cube = nabla::zeros({2, 2, 2});
  cube.fill_diagonal_(3);
  EXPECT_EQ(values(cube), (std::vector<double>{3, 0, 0, 0, 0, 0, 0, 3}));
  const Tensor w = nabla::ones({7, 2}, nabla::kFloat64).requires_grad_();
  const Tensor y = w * 2;
  y.fill_diagonal_(0, true);
  EXPECT_EQ(values(y), (std::vector<double>{0, 2, 2, 0, 2, 2, 0, 2, 2, 0, 2, 2, 0, 2}));
  y.sum().backward();
  EXPECT_EQ(values(w.grad()), (std::vector<double>{0, 2, 2, 0, 2, 2, 0, 2, 2, 0, 2, 2, 0, 2}));
  EXPECT_TRUE(contains(error_of([] {
                         nabla::zeros({2, 3, 2}).fill_diagonal_(1);
                       }),
                       "[fill_diagonal_] all dims must have the same length"));
  // renorm: rows with norm above maxnorm scaled to it (within 1e-7), the others kept.
  const Tensor r = f64({3, 4, 0.3, 0.4}).reshape({2, 2}).renorm(2, 0, 1);
  EXPECT_NEAR(values(r)[0], 0.6, 1e-7);
  EXPECT_NEAR(values(r)[1], 0.8, 1e-7);
  EXPECT_EQ(values(r)[2], 0.3);
  EXPECT_TRUE(contains(error_of([] { f64({1}).renorm(0, 0, 1); }),
                       "[renorm] the norm's order p must be positive"));
  // pdist: pairs (0, 1), (0, 2), (1, 2); vander; logspace.
  EXPECT_EQ(values(nabla::pdist(f64({0, 0, 3, 4, 6, 8}).reshape({3, 2}))),
            (std::vector<double>{5, 10, 5}));
  EXPECT_TRUE(contains(error_of([] {
                         nabla::pdist(f64({1, 2}));
                       }),
                       "[pdist] expects a 2-d tensor"));
  EXPECT_EQ(values(nabla::vander(f64({2, 3}))), (std::vector<double>{2, 1, 3, 1}));
  EXPECT_EQ(values(nabla::vander(nabla::tensor({2, 3}), 3, true)),
            (std::vector<double>{1, 2, 4, 1, 3, 9}));
  EXPECT_EQ(nabla::vander(nabla::tensor({2, 3})).scalar_type(), nabla::kLong);
  EXPECT_EQ(sizes(nabla::vander(f64({2, 3}), 0)), (Shape{2, 0}));
  EXPECT_EQ(values(nabla::logspace(0, 3, 4, 10.0, nabla::kFloat64)),
            (std::vector<double>{1, 10, 100, 1000}));
  EXPECT_EQ(values(nabla::logspace(1, 3, 3, 2.0)), (std::vector<double>{2, 4, 8}));
  EXPECT_EQ(nabla::logspace(1, 3, 3).scalar_type(), nabla::kFloat32);
}

TEST(Compositions, DtypesFactoriesAndOtherNames) {
  // result_type: a Scalar is a wrapped number (an integer int64, a double float32).
  EXPECT_EQ(nabla::result_type(nabla::tensor({1}), 1.5), nabla::kFloat32);
  EXPECT_EQ(nabla::result_type(nabla::tensor({1}), nabla::tensor({1.0}).to(nabla::kFloat64)),
            nabla::kFloat64);
  EXPECT_EQ(nabla::result_type(2, nabla::tensor({1}, nabla::kInt32)), nabla::kInt32);
  EXPECT_EQ(nabla::result_type(2, 3.0), nabla::kFloat32);
  EXPECT_EQ(nabla::promote_types(nabla::kInt32, nabla::kFloat16), nabla::kFloat16);
  EXPECT_FALSE(nabla::can_cast(nabla::kFloat32, nabla::kInt32));
  EXPECT_FALSE(nabla::can_cast(nabla::kInt32, nabla::kBool));
  EXPECT_TRUE(nabla::can_cast(nabla::kBool, nabla::kBool));
  EXPECT_TRUE(nabla::can_cast(nabla::kInt64, nabla::kFloat16));
  EXPECT_TRUE(nabla::can_cast(nabla::kFloat64, nabla::kFloat32));
  // Factories.
  const Tensor s = nabla::scalar_tensor(2.5, nabla::kFloat64);
  EXPECT_EQ(s.dim(), 0);
  EXPECT_EQ(s.item<double>(), 2.5);
  const Tensor strided = nabla::empty_strided({2, 3}, {1, 2});
  EXPECT_EQ(strided.strides(), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(nabla::empty_strided({2, 0}, {1, 2}).numel(), 0);
  EXPECT_TRUE(contains(error_of([] { nabla::empty_strided({2}, {1, 1}); }), "[empty_strided]"));
  const Tensor r = nabla::randint_like(nabla::zeros({50}, nabla::kInt32), 3, 7);
  EXPECT_EQ(r.scalar_type(), nabla::kInt32);
  EXPECT_GE(r.min().item<int64_t>(), 3);
  EXPECT_LT(r.max().item<int64_t>(), 7);
  // Other names.
  const Tensor a = f64({1, 2, 3, 4}).reshape({2, 2});
  EXPECT_TRUE(nabla::equal(nabla::concat({a, a}, 1), nabla::cat({a, a}, 1)));
  EXPECT_TRUE(nabla::equal(nabla::concatenate({a, a}), nabla::cat({a, a})));
  EXPECT_TRUE(nabla::equal(nabla::chain_matmul({a}), a));
  EXPECT_TRUE(nabla::allclose(nabla::chain_matmul({a, a, a}), a.matmul(a).matmul(a)));
  EXPECT_DOUBLE_EQ(nabla::frobenius_norm(a).item<double>(), std::sqrt(30.0));
  EXPECT_TRUE(contains(error_of([] {
                         nabla::nuclear_norm(nabla::zeros({2, 2, 2}));
                       }),
                       "[nuclear_norm] expects a 2-d tensor"));
  EXPECT_TRUE(nabla::equal(a.mvlgamma(2), nabla::special::multigammaln(a, 2)));
  Tensor m = f64({2.5, 3.5});
  m.mvlgamma_(1);
  EXPECT_NEAR(values(m)[0], std::lgamma(2.5), 1e-15);
  EXPECT_EQ(values(nabla::linalg::vecdot(a, f64({1, 10}))), (std::vector<double>{21, 43}));
  // triangular_solve: (X, A); op(A) X = B with A upper (or its transpose, lower).
  const Tensor upper = f64({2, 1, 0, 4}).reshape({2, 2}), b = f64({4, 8}).reshape({2, 1});
  const auto [x, copy] = nabla::triangular_solve(b, upper);
  EXPECT_EQ(values(x), (std::vector<double>{1, 2}));
  EXPECT_TRUE(nabla::equal(copy, upper));
  EXPECT_EQ(values(std::get<0>(nabla::triangular_solve(b, upper, true, true))),
            (std::vector<double>{2, 1.5}));
}

TEST(Compositions, RandomDistributions) {
  nabla::manual_seed(7);
  const Tensor e = nabla::empty({20000}, nabla::kFloat64).exponential_(2);
  EXPECT_GE(e.min().item<double>(), 0);
  EXPECT_NEAR(e.mean().item<double>(), 0.5, 0.02);
  const Tensor g = nabla::empty({20000}, nabla::kFloat64).geometric_(0.25);
  EXPECT_GE(g.min().item<double>(), 1);
  EXPECT_TRUE(nabla::equal(g, g.round()));
  EXPECT_NEAR(g.mean().item<double>(), 4.0, 0.15);
  const Tensor ln = nabla::empty({20000}, nabla::kFloat64).log_normal_(0, 0.5);
  EXPECT_GT(ln.min().item<double>(), 0);
  EXPECT_NEAR(ln.log().mean().item<double>(), 0, 0.02);
  const Tensor c = nabla::empty({20001}, nabla::kFloat64).cauchy_(3, 2);
  EXPECT_NEAR(c.median().item<double>(), 3, 0.1);  // the mean does not exist
  // The same seed gives the same values.
  nabla::manual_seed(11);
  const Tensor first = nabla::empty({100}).exponential_();
  nabla::manual_seed(11);
  EXPECT_TRUE(nabla::equal(first, nabla::empty({100}).exponential_()));
  EXPECT_TRUE(contains(error_of([] { nabla::empty({2}).geometric_(1.5); }),
                       "[geometric_] expects p in (0, 1), got p=1.5"));
  EXPECT_TRUE(contains(error_of([] { nabla::empty({2}).exponential_(0); }), "[exponential_]"));
  EXPECT_TRUE(contains(error_of([] { nabla::empty({2}).log_normal_(0, -1); }), "[log_normal_]"));
}

TEST(Compositions, NewFactoriesTakeTheTensorsDtype) {
  const Tensor x = nabla::ones({2}, nabla::kFloat64).requires_grad_();
  const Tensor z = x.new_zeros({2, 3});
  EXPECT_EQ(z.scalar_type(), nabla::kFloat64);
  EXPECT_EQ(z.device(), x.device());
  EXPECT_FALSE(z.requires_grad());
  EXPECT_EQ(values(z), std::vector<double>(6, 0.0));
  EXPECT_EQ(values(x.new_ones({2})), (std::vector<double>{1, 1}));
  EXPECT_EQ(values(x.new_full({3}, 2.5)), (std::vector<double>{2.5, 2.5, 2.5}));
  EXPECT_EQ(x.new_empty({4}).numel(), 4);
  EXPECT_EQ(x.new_zeros({1}, nabla::kInt32).scalar_type(), nabla::kInt32);
  EXPECT_TRUE(x.new_ones({1}, nabla::TensorOptions().requires_grad(true)).requires_grad());
  const Tensor meta = nabla::empty({2}, nabla::TensorOptions().device(nabla::Device("meta")));
  EXPECT_EQ(meta.new_zeros({5}).device(), meta.device());
}

TEST(Compositions, WindowFunctions) {
  // Symmetric windows of 5 points, by their definitions; periodic ones drop the last point of
  // the symmetric window one longer.
  const auto f64_window = nabla::TensorOptions().dtype(nabla::kFloat64);
  const std::vector<double> hann = values(nabla::hann_window(5, false, f64_window));
  const std::vector<double> expected_hann = {0, 0.5, 1, 0.5, 0};
  for (size_t i = 0; i < hann.size(); ++i) EXPECT_NEAR(hann[i], expected_hann[i], 1e-15);
  const std::vector<double> periodic = values(nabla::hann_window(4, f64_window));
  const std::vector<double> expected_periodic = {0, 0.5, 1, 0.5};
  for (size_t i = 0; i < periodic.size(); ++i)
    EXPECT_NEAR(periodic[i], expected_periodic[i], 1e-15);
  EXPECT_EQ(values(nabla::bartlett_window(5, false, f64_window)),
            (std::vector<double>{0, 0.5, 1, 0.5, 0}));
  const std::vector<double> hamming = values(nabla::hamming_window(3, false, f64_window));
  EXPECT_NEAR(hamming[0], 0.08, 1e-15);
  EXPECT_NEAR(hamming[1], 1.0, 1e-15);
  const std::vector<double> blackman = values(nabla::blackman_window(3, false, f64_window));
  EXPECT_NEAR(blackman[0], 0.0, 1e-15);
  EXPECT_NEAR(blackman[1], 1.0, 1e-15);
  // Kaiser: I0(beta sqrt(1 - r^2)) / I0(beta), r from -1 to 1.
  const std::vector<double> kaiser = values(nabla::kaiser_window(3, false, 4.0, f64_window));
  EXPECT_NEAR(kaiser[0], 1 / std::cyl_bessel_i(0.0, 4.0), 1e-15);
  EXPECT_NEAR(kaiser[1], 1.0, 1e-15);
  // float32 by default, 0 and 1 points, errors.
  EXPECT_EQ(nabla::hann_window(8).scalar_type(), nabla::kFloat32);
  EXPECT_EQ(nabla::hann_window(8).numel(), 8);
  EXPECT_EQ(nabla::blackman_window(0).numel(), 0);
  EXPECT_EQ(values(nabla::kaiser_window(1)), (std::vector<double>{1}));
  EXPECT_TRUE(contains(error_of([] { nabla::hann_window(-1); }),
                       "[hann_window] window_length must be non-negative, got -1"));
  EXPECT_TRUE(contains(error_of([] { nabla::bartlett_window(4, nabla::kInt64); }),
                       "[bartlett_window] expects a floating dtype, got int64"));
}

}  // namespace

namespace {

// ---- what ported LibTorch programs call: ArrayRef slicing, .data(), InferenceMode, in-place
// views, resize_ and the out= forms, unique, unfold, the pads' names, two-tensor max/min, the
// samplers' methods, forward<>() (prabhuomkar/pytorch-cpp's tutorials needed each of them) ----

TEST(Porting, ArrayRefSlicing) {
  const std::vector<int64_t> v{1, 2, 3, 4};
  const nabla::IntArrayRef a = v;
  EXPECT_EQ(a.slice(1).vec(), Shape({2, 3, 4}));
  EXPECT_EQ(a.slice(1, 2).vec(), Shape({2, 3}));
  EXPECT_EQ(a.slice(4).vec(), Shape({}));
  EXPECT_EQ(a.drop_front().vec(), Shape({2, 3, 4}));
  EXPECT_EQ(a.drop_back(2).vec(), Shape({1, 2}));
  EXPECT_EQ(a.take_front(3).vec(), Shape({1, 2, 3}));
  EXPECT_EQ(a.take_back().vec(), Shape({4}));
  EXPECT_EQ(a.at(3), 4);
  EXPECT_TRUE(contains(error_of([&] { (void)a.at(4); }), "[ArrayRef::at] elements [4, 5)"));
  EXPECT_TRUE(contains(error_of([&] { (void)a.slice(3, 2); }), "of an ArrayRef of size 4"));
  EXPECT_TRUE(contains(error_of([&] { (void)a.slice(5); }), "[ArrayRef::slice]"));
  EXPECT_TRUE(contains(error_of([&] { (void)a.drop_back(5); }), "[ArrayRef::drop_back]"));
}

TEST(Porting, DataAndInferenceMode) {
  const Tensor x = f64({1, 2}).requires_grad_();
  const Tensor d = x.data();
  EXPECT_FALSE(d.requires_grad());
  EXPECT_EQ(d.data_ptr(), x.data_ptr());
  EXPECT_EQ(x.data<double>(), x.data_ptr<double>());
  EXPECT_TRUE(contains(error_of([] { (void)Tensor().data(); }), "data"));
  {
    nabla::InferenceMode guard;
    EXPECT_TRUE(nabla::InferenceMode::is_enabled());
    EXPECT_FALSE(nabla::GradMode::is_enabled());
    EXPECT_FALSE((x * 2).requires_grad());
    {
      nabla::InferenceMode off(false);
      EXPECT_FALSE(nabla::InferenceMode::is_enabled());
      EXPECT_TRUE((x * 2).requires_grad());
    }
    EXPECT_TRUE(nabla::InferenceMode::is_enabled());
  }
  EXPECT_FALSE(nabla::InferenceMode::is_enabled());
  EXPECT_TRUE(nabla::GradMode::is_enabled());
}

TEST(Porting, InPlaceViews) {
  Tensor a = nabla::arange(6, nabla::kFloat64).reshape({2, 3});
  const Tensor same = a;  // another handle to the same tensor sees the change
  a.unsqueeze_(0);
  EXPECT_EQ(sizes(same), Shape({1, 2, 3}));
  a.squeeze_();
  EXPECT_EQ(sizes(a), Shape({2, 3}));
  a.t_();
  EXPECT_EQ(sizes(a), Shape({3, 2}));
  EXPECT_EQ(a.strides().vec(), Shape({1, 3}));
  EXPECT_EQ(values(a), (std::vector<double>{0, 3, 1, 4, 2, 5}));
  a.transpose_(0, 1).squeeze_(0).swapdims_(0, 1).swapaxes_(1, 0);
  EXPECT_EQ(sizes(a), Shape({2, 3}));
  EXPECT_EQ(values(a), (std::vector<double>{0, 1, 2, 3, 4, 5}));

  // A leaf that requires grad: an error under grad mode, a plain change under NoGradGuard.
  const Tensor w = f64({1, 2, 3}).requires_grad_();
  const std::string leaf = error_of([&] { w.unsqueeze_(0); });
  EXPECT_TRUE(contains(leaf, "[unsqueeze_]") && contains(leaf, "leaf")) << leaf;
  {
    nabla::NoGradGuard no_grad;
    w.unsqueeze_(0);
  }
  EXPECT_EQ(sizes(w), Shape({1, 3}));

  // A non-leaf takes the view's history: the gradient goes back through the transpose.
  const Tensor x = nabla::arange(6, nabla::kFloat64).reshape({2, 3}).requires_grad_();
  Tensor y = x * 2;
  y.t_();
  const Tensor weights = nabla::arange(6, nabla::kFloat64).reshape({3, 2}) + 1;
  (y * weights).sum().backward();
  EXPECT_EQ(values(x.grad()), values(weights.t() * 2));

  // A tensor saved for backward and then reshaped in place: backward says so.
  Tensor s = x * 1;
  const Tensor product = s * s;
  s.unsqueeze_(0);
  const std::string saved = error_of([&] { product.sum().backward(); });
  EXPECT_TRUE(contains(saved, "modified by an in-place operation")) << saved;
}

TEST(Porting, ResizeAndOutForms) {
  const Tensor t = nabla::arange(6, nabla::kFloat64);
  t.resize_({2, 2});
  EXPECT_EQ(values(t), (std::vector<double>{0, 1, 2, 3}));
  t.resize_({3, 3});  // grows: the first six elements kept
  EXPECT_EQ(sizes(t), Shape({3, 3}));
  const std::vector<double> grown = values(t);
  EXPECT_EQ(std::vector<double>(grown.begin(), grown.begin() + 6),
            (std::vector<double>{0, 1, 2, 3, 4, 5}));
  t.resize_({0});
  EXPECT_EQ(t.numel(), 0);
  const std::string negative = error_of([&] { t.resize_({2, -1}); });
  EXPECT_TRUE(contains(negative, "[resize_] negative size -1")) << negative;
  const Tensor leaf = f64({1}).requires_grad_();
  EXPECT_TRUE(contains(error_of([&] { leaf.resize_({2}); }), "requires grad"));

  const Tensor a = f64({1, 2, 3}), b = f64({4, 5, 6});
  Tensor out = nabla::empty({0}, nabla::kFloat64);
  nabla::add_out(out, a, b, 2);
  EXPECT_EQ(values(out), (std::vector<double>{9, 12, 15}));
  EXPECT_EQ(values(nabla::sub_out(out, a, b)), (std::vector<double>{-3, -3, -3}));
  EXPECT_EQ(values(nabla::mul_out(out, a, b)), (std::vector<double>{4, 10, 18}));
  EXPECT_EQ(values(nabla::div_out(out, b, a)), (std::vector<double>{4, 2.5, 2}));
  EXPECT_EQ(sizes(nabla::stack_out(out, {a, b}, 1)), Shape({3, 2}));
  EXPECT_EQ(sizes(nabla::cat_out(out, {a, b})), Shape({6}));
  const Tensor m = nabla::arange(6, nabla::kFloat64).reshape({2, 3});
  EXPECT_EQ(values(nabla::mm_out(out, m, m.t())), values(m.mm(m.t())));
  EXPECT_EQ(values(nabla::matmul_out(out, m, a)), values(m.matmul(a)));
  EXPECT_EQ(values(nabla::bmm_out(out, m.unsqueeze(0), m.t().unsqueeze(0))), values(m.mm(m.t())));
  // The result is cast to out's dtype where allowed; out = a + ... works with out aliasing a.
  Tensor wide = nabla::zeros({3}, nabla::kFloat64);
  nabla::add_out(wide, a.to(nabla::kFloat32), b.to(nabla::kFloat32));
  EXPECT_EQ(wide.scalar_type(), nabla::kFloat64);
  Tensor alias = a.clone();
  nabla::add_out(alias, alias, alias);
  EXPECT_EQ(values(alias), (std::vector<double>{2, 4, 6}));
  Tensor integers = nabla::zeros({3}, nabla::kLong);
  const std::string cast = error_of([&] { nabla::add_out(integers, a, b); });
  EXPECT_TRUE(contains(cast, "[add_out] result type float64 can't be cast")) << cast;
  const std::string grad = error_of([&] { nabla::mul_out(out, a.clone().requires_grad_(), b); });
  EXPECT_TRUE(contains(grad, "[mul_out] functions with out=... arguments")) << grad;
}

// The out= forms write into out itself where it can hold the result (no temporary, no copy),
// and fall back to computing and copying where it cannot: another dtype, a strided out, out
// sharing storage with an input.
TEST(Porting, OutFormsWriteIntoOut) {
  const Tensor a = nabla::randn({5, 7}), b = nabla::randn({7, 3});
  Tensor out = nabla::empty({5, 3});
  const void* buffer = out.data_ptr();
  const uint32_t version = out._version();
  EXPECT_TRUE(nabla::mm_out(out, a, b).is_same(out));
  EXPECT_EQ(out.data_ptr(), buffer);  // written in place
  EXPECT_GT(out._version(), version);
  EXPECT_TRUE(nabla::equal(out, a.mm(b)));
  nabla::matmul_out(out, a, b);
  EXPECT_EQ(out.data_ptr(), buffer);
  EXPECT_TRUE(nabla::equal(out, a.matmul(b)));
  const Tensor x = nabla::randn({5, 3}), y = nabla::randn({3});
  for (int op = 0; op < 4; ++op) {
    const Tensor expected = op == 0 ? x + 2 * y : op == 1 ? x - y : op == 2 ? x * y : x / y;
    if (op == 0) nabla::add_out(out, x, y, 2);
    if (op == 1) nabla::sub_out(out, x, y);
    if (op == 2) nabla::mul_out(out, x, y);
    if (op == 3) nabla::div_out(out, x, y);
    EXPECT_EQ(out.data_ptr(), buffer) << op;
    EXPECT_TRUE(nabla::allclose(out, expected)) << op;
  }
  Tensor batched = nabla::empty({2, 5, 3});
  const void* batched_buffer = batched.data_ptr();
  const Tensor ab = nabla::randn({2, 5, 7}), bb = nabla::randn({2, 7, 3});
  nabla::bmm_out(batched, ab, bb);
  EXPECT_EQ(batched.data_ptr(), batched_buffer);
  EXPECT_TRUE(nabla::equal(batched, ab.bmm(bb)));
  nabla::matmul_out(batched, ab, bb);
  EXPECT_EQ(batched.data_ptr(), batched_buffer);
  Tensor joined = nabla::empty({10, 3});
  const void* joined_buffer = joined.data_ptr();
  nabla::cat_out(joined, {x, x * 2});
  EXPECT_EQ(joined.data_ptr(), joined_buffer);
  EXPECT_TRUE(nabla::equal(joined, nabla::cat({x, x * 2})));
  nabla::stack_out(joined, {x, x}, 0);  // resized to [2, 5, 3]: fits the old storage
  EXPECT_EQ(sizes(joined), Shape({2, 5, 3}));
  EXPECT_EQ(joined.data_ptr(), joined_buffer);
  EXPECT_TRUE(nabla::equal(joined, nabla::stack({x, x})));

  // out sharing storage with an input: computed first, then written (the right values).
  Tensor square = nabla::randn({4, 4});
  const Tensor expected_square = square.mm(square);
  nabla::mm_out(square, square, square);
  EXPECT_TRUE(nabla::equal(square, expected_square));
  Tensor parts = nabla::arange(6, nabla::kFloat32);
  nabla::cat_out(parts, {parts.narrow(0, 3, 3), parts.narrow(0, 0, 3)});
  EXPECT_EQ(values(parts), (std::vector<double>{3, 4, 5, 0, 1, 2}));
  // A strided out keeps its layout; another dtype gets the result cast.
  Tensor wide = nabla::empty({3, 5}).t();
  nabla::mm_out(wide, a, b);
  EXPECT_EQ(wide.strides(), nabla::IntArrayRef({1, 5}));
  EXPECT_TRUE(nabla::equal(wide, a.mm(b)));
  Tensor doubles = nabla::empty({5, 3}, nabla::kFloat64);
  nabla::mm_out(doubles, a, b);
  EXPECT_TRUE(nabla::equal(doubles, a.mm(b).to(nabla::kFloat64)));
  // Not autocast (as LibTorch): the product stays float32 in an autocast region.
  {
    nabla::autocast guard;
    nabla::mm_out(out, a, b);
  }
  EXPECT_TRUE(nabla::equal(out, a.mm(b)));
  // Errors come before anything is written, and name the out= form.
  const Tensor before = out.clone();
  const std::string shapes = error_of([&] { nabla::mm_out(out, a, a); });
  EXPECT_TRUE(contains(shapes, "[mm_out] shapes [5, 7] and [5, 7] cannot be multiplied")) << shapes;
  const std::string batch = error_of([&] { nabla::bmm_out(batched, ab, ab); });
  EXPECT_TRUE(contains(batch, "[bmm_out]")) << batch;
  const std::string joins = error_of([&] { nabla::cat_out(out, {x, a}); });
  EXPECT_TRUE(contains(joins, "[cat_out] sizes of tensors must match")) << joins;
  const std::string grad = error_of([&] { nabla::mm_out(out, a.clone().requires_grad_(), b); });
  EXPECT_TRUE(contains(grad, "[mm_out] functions with out=... arguments")) << grad;
  const std::string sub_grad =
      error_of([&] { nabla::sub_out(out, x.clone().requires_grad_(), y); });
  EXPECT_TRUE(contains(sub_grad, "[sub_out] functions with out=... arguments")) << sub_grad;
  EXPECT_TRUE(nabla::equal(out, before));
  // No grad mode: inputs that require grad are fine.
  nabla::NoGradGuard no_grad;
  nabla::mm_out(out, a.clone().requires_grad_(), b);
  EXPECT_EQ(out.data_ptr(), buffer);
}

TEST(Porting, UniqueAndUnfold) {
  auto [values1, inverse1, counts1] = nabla::_unique2(f64({3, 1, 2, 3, 1}), true, true, true);
  EXPECT_EQ(values(values1), (std::vector<double>{1, 2, 3}));
  EXPECT_EQ(values(inverse1), (std::vector<double>{2, 0, 1, 2, 0}));
  EXPECT_EQ(values(counts1), (std::vector<double>{2, 1, 2}));
  auto [values2, inverse2] = nabla::_unique(f64({2, 1, 1, 2}).reshape({2, 2}), true, true);
  EXPECT_EQ(values(values2), (std::vector<double>{1, 2}));
  EXPECT_EQ(sizes(inverse2), Shape({2, 2}));
  const std::vector<double> with_nan = values(std::get<0>(nabla::_unique2(f64({kNaN, 1, kNaN}))));
  EXPECT_EQ(with_nan.size(), 3u);  // NaN differs from NaN, as in PyTorch
  EXPECT_EQ(with_nan[0], 1);

  const Tensor rows = f64({1, 2, 0, 5, 1, 2, 0, 3}).reshape({4, 2});
  auto [unique_rows, row_inverse, row_counts] = nabla::unique_dim(rows, 0, true, true, true);
  EXPECT_EQ(values(unique_rows), (std::vector<double>{0, 3, 0, 5, 1, 2}));
  EXPECT_EQ(values(row_inverse), (std::vector<double>{2, 1, 2, 0}));
  EXPECT_EQ(values(row_counts), (std::vector<double>{1, 1, 2}));
  auto [unique_columns, column_inverse, column_counts] = nabla::unique_dim(rows.t(), 1);
  EXPECT_EQ(values(unique_columns), values(unique_rows.t()));
  EXPECT_EQ(column_inverse.numel(), 0);  // not asked for
  EXPECT_TRUE(contains(error_of([&] { nabla::unique_dim(rows, 2); }), "unique_dim"));

  const Tensor seven = nabla::arange(7, nabla::kFloat64);
  const Tensor windows = seven.unfold(0, 3, 2);
  EXPECT_EQ(sizes(windows), Shape({3, 3}));
  EXPECT_EQ(values(windows), (std::vector<double>{0, 1, 2, 2, 3, 4, 4, 5, 6}));
  EXPECT_EQ(windows.data_ptr(), seven.data_ptr());  // a view
  EXPECT_EQ(sizes(nabla::scalar_tensor(5.0).unfold(0, 1, 1)), Shape({1}));
  EXPECT_EQ(sizes(seven.unfold(0, 0, 1)), Shape({8, 0}));
  const std::string too_big = error_of([&] { seven.unfold(0, 8, 1); });
  EXPECT_TRUE(contains(too_big, "[unfold] maximum size for tensor at dimension 0 is 7")) << too_big;
  EXPECT_TRUE(contains(error_of([&] { seven.unfold(0, 2, 0); }), "[unfold] step is 0"));
}

TEST(Porting, PadsMaxMinAndSamplerMethods) {
  const Tensor row = f64({1, 2, 3}).reshape({1, 3});
  EXPECT_EQ(values(nabla::reflection_pad1d(row, {2, 1})), (std::vector<double>{3, 2, 1, 2, 3, 2}));
  EXPECT_EQ(values(nabla::replication_pad1d(row, {1, 2})), (std::vector<double>{1, 1, 2, 3, 3, 3}));
  EXPECT_EQ(sizes(nabla::replication_pad3d(nabla::zeros({1, 2, 2, 2}), {1, 1, 0, 0, 2, 0})),
            Shape({1, 4, 2, 4}));
  const std::string entries = error_of([&] { nabla::reflection_pad2d(row, {1, 1}); });
  EXPECT_TRUE(contains(entries, "[reflection_pad2d] padding must have 4 entries")) << entries;
  const std::string rank = error_of([&] { nabla::replication_pad2d(row, {1, 1, 1, 1}); });
  EXPECT_TRUE(contains(rank, "[replication_pad2d] expects a 3D or 4D input")) << rank;

  const Tensor a = f64({1, 5, kNaN}), b = f64({2, 3, 0});
  EXPECT_EQ(values(nabla::max(a, b))[1], 5);
  EXPECT_TRUE(std::isnan(values(a.min(b))[2]));
  EXPECT_EQ(values(a.max(b))[0], 2);

  nabla::manual_seed(7);
  const Tensor mask = nabla::empty({10000}, nabla::kBool).bernoulli_(0.25);
  EXPECT_EQ(mask.scalar_type(), nabla::kBool);
  EXPECT_NEAR(mask.to(nabla::kFloat64).mean().item<double>(), 0.25, 0.02);
  EXPECT_EQ(nabla::ones({5}).bernoulli_(0.0).sum().item<double>(), 0);
  EXPECT_EQ(nabla::zeros({5}, nabla::kLong).bernoulli_(1.0).sum().item<int64_t>(), 5);
  EXPECT_TRUE(contains(error_of([] { nabla::zeros({2}).bernoulli_(1.5); }), "[bernoulli_]"));
  EXPECT_EQ(values(nabla::zeros({3, 2}).bernoulli(1.0)), std::vector<double>(6, 1.0));
  // normal: each overload's mean and spread, seeding, std = 0, broadcasting, errors.
  nabla::manual_seed(11);
  const Tensor samples = nabla::normal(2.0, 0.5, {20000}, nabla::kFloat64);
  EXPECT_EQ(samples.scalar_type(), nabla::kFloat64);
  EXPECT_NEAR(samples.mean().item<double>(), 2.0, 0.02);
  EXPECT_NEAR(samples.std().item<double>(), 0.5, 0.02);
  nabla::manual_seed(11);
  EXPECT_TRUE(samples.equal(nabla::normal(2.0, 0.5, {20000}, nabla::kFloat64)));
  EXPECT_EQ(nabla::normal(0, 1, {3, 1}).scalar_type(), nabla::kFloat32);
  const Tensor means = f64({-1, 0, 4});
  EXPECT_TRUE(nabla::normal(means, 0.0).equal(means));
  EXPECT_EQ(values(nabla::normal(3.0, nabla::zeros({2}, nabla::kFloat64))),
            (std::vector<double>{3, 3}));
  EXPECT_EQ(sizes(nabla::normal(means.unsqueeze(1), nabla::ones({2}, nabla::kFloat64))),
            Shape({3, 2}));
  EXPECT_NEAR(nabla::normal(nabla::full({20000}, 5.0), 2.0).std().item<double>(), 2.0, 0.05);
  EXPECT_FALSE(nabla::normal(means.clone().requires_grad_(), 1.0).requires_grad());
  EXPECT_TRUE(contains(error_of([] { nabla::normal(0, -1, {2}); }), "[normal] expects std >= 0.0"));
  EXPECT_TRUE(contains(error_of([&] {
                         nabla::normal(0.0, f64({1, -1}));
                       }),
                       "[normal] expects all elements of std >= 0.0"));
  EXPECT_TRUE(contains(error_of([&] { nabla::normal(means, f64({1, 1})); }), "normal"));
  nabla::manual_seed(3);
  const Tensor drawn = f64({0.1, 0.6, 0.3}).multinomial(2);
  nabla::manual_seed(3);
  EXPECT_TRUE(drawn.equal(nabla::multinomial(f64({0.1, 0.6, 0.3}), 2)));
}

// ---- scatter_reduce, index_reduce, scatter's reduce, rounded division (GNN and index
// arithmetic code calls them) ----

Tensor i64(const std::vector<int64_t>& v) { return nabla::tensor(v); }
std::vector<int64_t> ints(const Tensor& t) {
  const Tensor c = t.to(nabla::kLong).contiguous();
  const int64_t* p = c.data_ptr<int64_t>();
  return std::vector<int64_t>(p, p + c.numel());
}
using Ints = std::vector<int64_t>;

TEST(Porting, ScatterReduceOnIntegersAndNaN) {
  // PyTorch 1.13's results for these inputs.
  const Tensor self = i64({10, 20, 30}), index = i64({0, 0, 2}), src = i64({1, -8, 5});
  const auto reduce = [&](const char* how, bool include_self) {
    return ints(self.scatter_reduce(0, index, src, how, include_self));
  };
  EXPECT_EQ(reduce("sum", true), Ints({3, 20, 35}));
  EXPECT_EQ(reduce("sum", false), Ints({-7, 20, 5}));
  EXPECT_EQ(reduce("prod", true), Ints({-80, 20, 150}));
  EXPECT_EQ(reduce("prod", false), Ints({-8, 20, 5}));
  EXPECT_EQ(reduce("mean", true), Ints({1, 20, 17}));  // integers round down
  EXPECT_EQ(reduce("mean", false), Ints({-4, 20, 5}));
  EXPECT_EQ(reduce("amax", true), Ints({10, 20, 30}));
  EXPECT_EQ(reduce("amax", false), Ints({1, 20, 5}));
  EXPECT_EQ(reduce("amin", false), Ints({-8, 20, 5}));
  EXPECT_EQ(self.scatter_reduce(0, index, src, "sum").scalar_type(), nabla::kLong);
  EXPECT_EQ(ints(self), Ints({10, 20, 30}));  // out of place
  // uint8 and int32 start from their own extremes when self is left out.
  const Tensor bytes = nabla::full({2}, 7, nabla::kByte);
  EXPECT_EQ(
      ints(bytes.scatter_reduce(0, i64({1}), nabla::full({1}, 3, nabla::kByte), "amax", false)),
      Ints({7, 3}));
  EXPECT_EQ(ints(nabla::zeros({2}, nabla::kInt)
                     .scatter_reduce(0, i64({0}), nabla::full({1}, 5, nabla::kInt), "amin", false)),
            Ints({5, 0}));
  // NaN wins amax and amin.
  const Tensor nan_src = f64({kNaN, 5});
  EXPECT_TRUE(std::isnan(values(f64({1, 2}).scatter_reduce(0, i64({0, 0}), nan_src, "amax"))[0]));
  EXPECT_TRUE(std::isnan(values(f64({1, 2}).scatter_reduce(0, i64({0, 0}), nan_src, "amin"))[0]));
  // index_reduce and scatter's reduce, against PyTorch; in place.
  const Tensor rows = i64({1, 2, 3, 4, 5, -1}).view({3, 2});
  EXPECT_EQ(ints(nabla::zeros({3, 2}, nabla::kLong).index_reduce(0, i64({2, 0, 2}), rows, "amax")),
            Ints({3, 4, 0, 0, 5, 2}));
  EXPECT_EQ(ints(i64({5, 3}).scatter(0, i64({0, 0}), i64({2, 4}), "multiply")), Ints({40, 3}));
  EXPECT_TRUE(i64({5, 3})
                  .scatter(0, i64({1, 1}), i64({2, 4}), "add")
                  .equal(i64({5, 3}).scatter_add(0, i64({1, 1}), i64({2, 4}))));
  EXPECT_EQ(ints(i64({5, 3}).scatter(0, i64({1}), 2, "multiply")), Ints({5, 6}));
  Tensor inplace = f64({1, 2, 3});
  inplace.scatter_reduce_(0, i64({2, 2}), f64({4, -1}), "amin");
  EXPECT_EQ(values(inplace), (std::vector<double>{1, 2, -1}));
  inplace.index_reduce_(0, i64({0}), f64({6}), "mean");
  EXPECT_EQ(values(inplace), (std::vector<double>{3.5, 2, -1}));
  // Errors name the op and what is wrong.
  EXPECT_TRUE(contains(error_of([&] { self.scatter_reduce(0, index, src, "max"); }),
                       "[scatter_reduce] reduce argument must be either sum, prod, mean, amax or "
                       "amin, got 'max'"));
  EXPECT_TRUE(contains(error_of([&] {
                         self.scatter_reduce(0, i64({0, 3}), i64({1, 1}), "sum");
                       }),
                       "[scatter_reduce] index 3 is out of bounds for dimension 0 with size 3"));
  EXPECT_TRUE(contains(error_of([&] {
                         self.scatter_reduce(0, index, f64({1, 2, 3}), "sum");
                       }),
                       "[scatter_reduce] expected self.dtype to be equal to src.dtype"));
  EXPECT_TRUE(contains(error_of([&] { self.scatter(0, index, src, "mean"); }),
                       "[scatter] reduce argument must be either add or multiply, got 'mean'"));
  EXPECT_TRUE(contains(error_of([&] { self.index_reduce(0, i64({0}), i64({1}), "sum"); }),
                       "[index_reduce] reduce argument must be one of prod, mean, amax or amin"));
  EXPECT_TRUE(contains(error_of([&] {
                         rows.index_reduce(0, i64({0, 1}), rows, "amax");
                       }),
                       "[index_reduce] source of shape [3, 2] does not match: expected [2, 2]"));
  EXPECT_TRUE(contains(error_of([&] {
                         nabla::ones({2}, nabla::kBool)
                             .scatter_reduce(0, i64({0}), nabla::ones({1}, nabla::kBool), "sum");
                       }),
                       "scatter_reduce"));
}

TEST(Porting, ScatterReduceGradientsAndThreads) {
  // amax without self: the place's own value (3, equal to the result) takes no share. PyTorch
  // 1.13 gives src 0.5 here, though src[0] alone is the maximum.
  const Tensor s = f64({3, 5}).requires_grad_(), src = f64({3, 1}).requires_grad_();
  s.scatter_reduce(0, i64({0, 0}), src, "amax", false).sum().backward();
  EXPECT_EQ(values(src.grad()), (std::vector<double>{1, 0}));
  EXPECT_EQ(values(s.grad()), (std::vector<double>{0, 1}));
  // Ties with self share evenly.
  const Tensor t = f64({3, 5}).requires_grad_(), tied = f64({3, 1}).requires_grad_();
  t.scatter_reduce(0, i64({0, 0}), tied, "amax").sum().backward();
  EXPECT_EQ(values(tied.grad()), (std::vector<double>{0.5, 0}));
  EXPECT_EQ(values(t.grad()), (std::vector<double>{0.5, 1}));
  // Two zero factors at one place: no gradient to either.
  const Tensor zero_src = f64({0, 0, 2}).requires_grad_();
  f64({1, 1}).scatter_reduce(0, i64({0, 0, 1}), zero_src, "prod").sum().backward();
  EXPECT_EQ(values(zero_src.grad()), (std::vector<double>{0, 0, 1}));
  // A sum over many repeated places gives the same bits on 1 and 2 threads.
  nabla::manual_seed(5);
  const Tensor many = nabla::randn({4000, 300});
  const Tensor places = nabla::randint(0, 50, {4000, 300});
  const int threads = nabla::get_num_threads();
  nabla::set_num_threads(1);
  const Tensor one = nabla::zeros({50, 300}).scatter_reduce(0, places, many, "mean");
  nabla::set_num_threads(2);
  const Tensor two = nabla::zeros({50, 300}).scatter_reduce(0, places, many, "mean");
  nabla::set_num_threads(threads);
  EXPECT_TRUE(one.equal(two));
}

TEST(Porting, RoundedDivision) {
  const Tensor a = i64({7, -7, 7, -7, 0}), b = i64({2, 2, -2, -2, 3});
  EXPECT_EQ(ints(a.div(b, "floor")), Ints({3, -4, -4, 3, 0}));
  EXPECT_EQ(ints(nabla::floor_divide(a, b)), Ints({3, -4, -4, 3, 0}));
  EXPECT_EQ(ints(a.div(b, "trunc")), Ints({3, -3, -3, 3, 0}));
  EXPECT_EQ(a.div(b, "floor").scalar_type(), nabla::kLong);
  EXPECT_EQ(a.div(b, std::nullopt).scalar_type(), nabla::kFloat32);  // true division
  EXPECT_EQ(ints(nabla::full({1}, 200, nabla::kByte).floor_divide(7)), Ints({28}));
  // The most negative int64 over -1 wraps (PyTorch 1.13 dies of SIGFPE).
  const int64_t lowest = std::numeric_limits<int64_t>::min();
  EXPECT_EQ(ints(i64({lowest}).floor_divide(-1)), Ints({lowest}));
  // Floats as PyTorch (and Python): 1 // 0.1 is 9, not floor(1 / 0.1) = 10.
  const Tensor f = f64({1, -1, 1, 0, -0.0, 5}), g = f64({0.1, 0.1, 0, -3, 2, -0.0});
  const std::vector<double> floor = values(f.div(g, "floor")), trunc = values(f.div(g, "trunc"));
  EXPECT_EQ(floor, (std::vector<double>{9, -10, kInf, 0, 0, -kInf}));
  EXPECT_TRUE(std::signbit(floor[3]) && std::signbit(floor[4]));
  EXPECT_EQ(trunc, (std::vector<double>{10, -10, kInf, 0, 0, -kInf}));
  EXPECT_TRUE(std::signbit(trunc[3]));
  EXPECT_TRUE(nabla::divide(f, g).equal(f / g));
  // In place; integers stay integers.
  Tensor q = i64({9, -9});
  q.floor_divide_(4);
  EXPECT_EQ(ints(q), Ints({2, -3}));
  q.div_(2, "trunc");
  EXPECT_EQ(ints(q), Ints({1, -1}));
  // The gradient is zero, as PyTorch's.
  const Tensor x = f64({1.5, -2.5}).requires_grad_();
  (x.div(0.7, "floor") + x.div(0.7, "trunc") + x.floor_divide(0.3)).sum().backward();
  EXPECT_EQ(values(x.grad()), (std::vector<double>{0, 0}));
  // Errors.
  EXPECT_TRUE(contains(error_of([&] {
                         a.div(i64({1, 0, 1, 1, 1}), "floor");
                       }),
                       "[div] integer division by zero"));
  EXPECT_TRUE(contains(error_of([&] { nabla::floor_divide(a, 0); }),
                       "[floor_divide] integer division by zero"));
  EXPECT_TRUE(contains(error_of([&] { f.div(g, "round"); }),
                       "[div] expected rounding_mode to be one of None, 'trunc', or 'floor' but "
                       "found 'round'"));
}

}  // namespace

// The torch:: spellings themselves, through the drop-in header.
#include "nabla/torch.h"

namespace {

struct PairCollate : torch::data::transforms::Collation<torch::data::Example<>> {
  torch::data::Example<> apply_batch(std::vector<torch::data::Example<>> examples) override {
    std::vector<torch::Tensor> data, target;
    for (const auto& e : examples) {
      data.push_back(e.data);
      target.push_back(e.target);
    }
    return {torch::stack(data), torch::stack(target)};
  }
};

// The D2L-with-LibTorch programs' older spellings: toBackend(c10::Backend), a tensor's
// (always empty) autograd name, and the shifts by their Python names.
TEST(Porting, ToBackendNameAndShifts) {
  const torch::Tensor x = torch::arange(4);
  EXPECT_TRUE(x.toBackend(c10::Backend::CPU).is_same(x));
  EXPECT_EQ(x.toBackend(at::Backend::Meta).device(), torch::Device(torch::kMeta));
  EXPECT_EQ(x.name(), "");
  torch::nn::Linear layer(2, 3);
  EXPECT_EQ(layer->named_parameters()[0]->name(), "");
  EXPECT_TRUE(torch::__lshift__(x, 2).equal(x * 4));
  EXPECT_TRUE(torch::__rshift__(x, torch::ones_like(x)).equal(torch::floor_divide(x, 2)));
  EXPECT_TRUE(torch::gcd(x, torch::full_like(x, 2)).equal(torch::tensor({2, 1, 2, 1})));
}

// LibTorch's in-place comparisons and aliases, and its shorthands.
TEST(Porting, InPlaceComparisonsAndShorthands) {
  const torch::Tensor x = torch::tensor({1.0, 2.0, 3.0}), y = torch::tensor({2.0, 2.0, 2.0});
  torch::Tensor t = x.clone();
  t.lt_(y);
  EXPECT_TRUE(t.equal(torch::tensor({1.0, 0.0, 0.0})));
  t = x.clone();
  t.ge_(2);
  EXPECT_TRUE(t.equal(torch::tensor({0.0, 1.0, 1.0})));
  t = x.clone();
  t.not_equal_(y).logical_not_();
  EXPECT_TRUE(t.equal(torch::tensor({0.0, 1.0, 0.0})));
  torch::Tensor flags = torch::tensor({true, false, true});
  flags.logical_and_(torch::tensor({true, true, false}))
      .logical_or_(torch::tensor({false, true, false}));
  EXPECT_TRUE(flags.equal(torch::tensor({true, true, false})));
  torch::Tensor ints = torch::tensor({7, -7});
  ints.divide_(2, "floor");
  EXPECT_TRUE(ints.equal(torch::tensor({3, -4})));
  t = x.clone();
  t.multiply_(2).subtract_(y, 0.5).true_divide_(torch::full_like(x, 2));
  EXPECT_TRUE(t.allclose(torch::tensor({0.5, 1.5, 2.5})));
  t = torch::tensor({-1.5, 0.0, 2.5});
  t.fix_();
  EXPECT_TRUE(t.equal(torch::tensor({-1.0, 0.0, 2.0})));
  t.sgn_().heaviside_(torch::tensor({0.5}));
  EXPECT_TRUE(t.equal(torch::tensor({0.0, 0.5, 1.0})));
  torch::Tensor acc = torch::zeros({2, 2});
  acc.addmm_(torch::eye(2), torch::ones({2, 2}), 1, 2).addr_(torch::ones({2}), torch::ones({2}));
  EXPECT_TRUE(acc.equal(torch::full({2, 2}, 3.0)));
  // A comparison in place on a leaf that requires grad raises, as every in-place op.
  const torch::Tensor leaf = torch::ones({2}, torch::requires_grad());
  EXPECT_TRUE(contains(error_of([&] { leaf.eq_(1); }), "leaf"));

  const torch::Tensor m = torch::arange(6).reshape({2, 3});
  EXPECT_EQ(sizes(m.ravel()), Shape({6}));
  EXPECT_TRUE(m.mT().equal(m.t()));
  EXPECT_TRUE(m.mH().equal(m.t()));
  EXPECT_TRUE(contains(error_of([&] { (void)x.mT(); }), "[mT]"));
  EXPECT_EQ(x.vdot(y).item<double>(), 12);
  EXPECT_TRUE(torch::argwhere(m > 3).equal(torch::tensor({{1, 1}, {1, 2}})));
  EXPECT_TRUE(torch::tensor({0.5}).is_nonzero());
  EXPECT_FALSE(torch::tensor({0}).is_nonzero());
  EXPECT_TRUE(contains(error_of([&] { (void)x.is_nonzero(); }), "more than one value"));
  EXPECT_TRUE(m.is_same_size(m * 2));
  EXPECT_TRUE(m.sum_to_size({1, 3}).equal(torch::tensor({{3, 5, 7}})));
  EXPECT_TRUE(m.sum_to_size({3}).equal(torch::tensor({3, 5, 7})));
  const std::string not_expandable = error_of([&] { (void)m.sum_to_size({2}); });
  EXPECT_TRUE(contains(not_expandable, "[sum_to_size] size [2] is not expandable to size [2, 3]"))
      << not_expandable;
  const torch::Tensor copy = m.narrow_copy(1, 1, 2);
  EXPECT_TRUE(copy.equal(torch::tensor({{1, 2}, {4, 5}})));
  EXPECT_TRUE(copy.is_contiguous());
  const torch::Tensor strided = x.new_empty_strided({2, 2}, {1, 2});
  EXPECT_EQ(strided.strides(), torch::IntArrayRef({1, 2}));
  EXPECT_EQ(strided.scalar_type(), x.scalar_type());
  EXPECT_TRUE(x.resolve_conj().is_same(x));
  EXPECT_TRUE(x.conj_physical().equal(x));
  EXPECT_TRUE(x.isreal().all().item<bool>());
  EXPECT_EQ(m.unsafe_chunk(3, 1).size(), 3u);
  EXPECT_EQ(m.unsafe_split(1).size(), 2u);
  EXPECT_TRUE(torch::less(x, y).equal(x < y));
  EXPECT_TRUE(torch::subtract(x, y, 2).equal(x - 2 * y));
}

// random_: integers in [from, to) in the tensor's dtype, the same for a seed; a float that
// requires grad gets a zero gradient through it.
TEST(Porting, RandomFillsIntegers) {
  torch::manual_seed(3);
  torch::Tensor f = torch::empty({1000});
  f.random_(-3, 4);
  EXPECT_EQ(f.min().item<double>(), -3);
  EXPECT_EQ(f.max().item<double>(), 3);
  EXPECT_TRUE(f.eq(f.round()).all().item<bool>());
  torch::manual_seed(3);
  EXPECT_TRUE(torch::empty({1000}).random_(-3, 4).equal(f));
  torch::Tensor bytes = torch::empty({1000}, torch::kUInt8);
  bytes.random_();
  EXPECT_GT(bytes.max().item<int64_t>(), 200);
  torch::Tensor bits = torch::empty({100}, torch::kBool);
  bits.random_();
  EXPECT_TRUE(bits.any().item<bool>());
  torch::Tensor small = torch::empty({100}, torch::kLong);
  small.random_(5);
  EXPECT_LT(small.max().item<int64_t>(), 5);
  EXPECT_GE(small.min().item<int64_t>(), 0);
  EXPECT_GT(torch::empty({100}).random_().max().item<double>(), 1000);
  EXPECT_LE(torch::empty({100}).random_().max().item<double>(), 16777216);
  const std::string range = error_of([&] { bytes.random_(0, 300); });
  EXPECT_TRUE(contains(range, "[random_] range [0, 300) is out of bounds for uint8")) << range;
  EXPECT_TRUE(contains(error_of([&] { f.random_(4, 4); }), "[random_] expects 'from'"));
  const torch::Tensor w = torch::ones({3}, torch::requires_grad());
  torch::Tensor h = w * 2;
  h.random_(10);
  (h + w).sum().backward();
  EXPECT_TRUE(w.grad().equal(torch::ones({3})));
}

TEST(Porting, TorchSpellings) {
  torch::nn::Sequential net(torch::nn::Linear(2, 3), torch::nn::ReLU());
  const torch::Tensor x = torch::ones({4, 2});
  EXPECT_TRUE(net->forward<>(x).equal(net->forward(x)));
  EXPECT_TRUE(net->forward<torch::Tensor>(x).equal(net->forward(x)));
  torch::Tensor through = x;
  for (auto module : *net) through = module.forward<>(through);
  EXPECT_TRUE(through.equal(net->forward(x)));

  torch::Tensor w = torch::empty({3, 2});
  torch::nn::init::kaiming_normal_(w, 0.0, torch::kFanOut, torch::kReLU);
  EXPECT_GT(w.abs().sum().item<double>(), 0);
  EXPECT_EQ(torch::kTanh, torch::nn::init::kTanh);

  PairCollate collate;
  const torch::data::Example<> batch = collate.apply_batch(
      {{torch::zeros({2}), torch::ones({1})}, {torch::ones({2}), torch::zeros({1})}});
  EXPECT_EQ(sizes(batch.data), Shape({2, 2}));

  {
    c10::InferenceMode guard;
    EXPECT_FALSE(torch::GradMode::is_enabled());
  }
  const std::vector<int64_t> shape{8, 3, 4};
  EXPECT_EQ(torch::IntArrayRef(shape).slice(1).vec(), Shape({3, 4}));
  std::vector<int> counts(4);
  std::iota(counts.begin(), counts.end(), 1);  // <numeric>, through the drop-in header
  EXPECT_EQ(std::accumulate(counts.begin(), counts.end(), 0), 10);

  // Printing as LibTorch: options by their C++ type names, vectors separated by spaces.
  std::ostringstream options, tensors, devices;
  options << torch::TensorOptions().dtype(torch::kFloat64);
  EXPECT_EQ(options.str(),
            "TensorOptions(dtype=double, device=cpu (default), layout=Strided (default), "
            "requires_grad=false (default), pinned_memory=false (default), "
            "memory_format=(nullopt))");
  const std::vector<torch::Tensor> pair{torch::ones({1}), torch::zeros({1})};
  tensors << pair;
  std::ostringstream first, second;
  first << pair[0];
  second << pair[1];
  EXPECT_EQ(tensors.str(), first.str() + " " + second.str());
  devices << std::vector<torch::Device>{torch::kCPU, torch::Device("cpu")};
  EXPECT_EQ(devices.str(), "cpu cpu");
}

// Modules whose forward takes more than a tensor, called through AnyModule (a Sequential's
// entries), as D2L's BERT encoder does: X = blk.forward(X, valid_lens).
struct MaskedScaleImpl : torch::nn::Module {
  torch::Tensor forward(torch::Tensor x, const torch::Tensor& mask, double scale) {
    return x * mask * scale;
  }
};
TORCH_MODULE(MaskedScale);
struct PairOutImpl : torch::nn::Module {
  std::tuple<torch::Tensor, int64_t> forward(const torch::Tensor& x) { return {x * 2, x.numel()}; }
};
TORCH_MODULE(PairOut);

TEST(Porting, AnyModuleForwardWithAnyArguments) {
  torch::nn::Sequential blocks;
  blocks->push_back(MaskedScale());
  blocks->push_back(MaskedScale());
  torch::Tensor x = torch::ones({2, 2});
  const torch::Tensor mask = torch::tensor({1.0f, 0.0f});
  for (auto& block : *blocks.ptr()) x = block.forward(x, mask, 3.0);
  EXPECT_EQ(values(x), (std::vector<double>{9, 0, 9, 0}));
  torch::nn::AnyModule pair(PairOut{});
  auto [doubled, count] = pair.forward<std::tuple<torch::Tensor, int64_t>>(torch::ones({3}));
  EXPECT_EQ(values(doubled), (std::vector<double>{2, 2, 2}));
  EXPECT_EQ(count, 3);
  EXPECT_TRUE(pair.any_forward(torch::ones({1})).has_value());
  // A Tensor -> Tensor module still takes the direct path, with either spelling.
  torch::nn::AnyModule linear(torch::nn::Linear(2, 1));
  EXPECT_TRUE(linear.forward(torch::ones({1, 2})).equal(linear.forward<>(torch::ones({1, 2}))));
  // Arguments of another type than forward declares, too many, a result of another type.
  torch::nn::AnyModule scale(MaskedScale{});
  const std::string wrong = error_of([&] { scale.forward(x, mask, 3); });
  EXPECT_TRUE(contains(wrong,
                       "argument #2 of (anonymous namespace)::MaskedScaleImpl's forward must be of "
                       "type double, got a value of type int"))
      << wrong;
  EXPECT_TRUE(contains(error_of([&] { scale.forward(x, mask); }),
                       "MaskedScaleImpl's forward takes 3 argument(s), got 2"));
  EXPECT_TRUE(contains(error_of([&] { pair.forward(torch::ones({1})); }),
                       "PairOutImpl's forward returned a std::tuple<"));
  EXPECT_TRUE(contains(error_of([&] { scale.forward(x); }),
                       "MaskedScaleImpl's forward takes 3 argument(s), got 1"));
}

TEST(Porting, HeadersSumOverOptionalDimsAndPrintedContainers) {
  // What LibTorch's headers bring into a program: std::list, assert, std::map, ...
  std::list<int> order{3, 1, 2};
  order.sort();
  assert(order.front() == 1);
  EXPECT_EQ(order.front(), 1);
  // sum and mean over an OptionalIntArrayRef (std::nullopt: every dim).
  const torch::Tensor m = torch::arange(6, torch::kFloat64).view({2, 3});
  c10::OptionalArrayRef<int64_t> dim = {1};
  EXPECT_EQ(values(torch::sum(m, dim, true)), (std::vector<double>{3, 12}));
  EXPECT_EQ(sizes(torch::sum(m, dim, true)), Shape({2, 1}));
  EXPECT_EQ(torch::sum(m, c10::nullopt, false).item<double>(), 15);
  EXPECT_EQ(values(m.mean(c10::OptionalIntArrayRef(0))), (std::vector<double>{1.5, 2.5, 3.5}));
  EXPECT_EQ(sizes(m.mean(c10::nullopt, true)), Shape({1, 1}));
  // std::vector, std::map, std::set and std::pair print as LibTorch's c10 prints them.
  std::ostringstream out;
  out << std::vector<std::string>{"a", "b"} << "|" << std::map<int, double>{{1, 0.5}} << "|"
      << std::set<int>{2, 1} << "|" << std::vector<int>(101, 7).size() << "|"
      << std::make_pair(1, 2);
  EXPECT_EQ(out.str(), "a b|(1, 0.5)|1 2|101|(1, 2)");
  std::ostringstream many;
  many << std::vector<int>(101, 7);
  EXPECT_EQ(many.str().substr(many.str().size() - 7), "7 7 ...");
}

}  // namespace
