// Tensors: creation, dtypes and promotion, views and their storage sharing, elementwise ops,
// conversion, element access and the errors of each.
#include <gtest/gtest.h>
#include <nabla/autograd.h>
#include <nabla/creation.h>
#include <nabla/indexing.h>
#include <nabla/ops.h>
#include <nabla/print.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include "test_util.h"

using namespace nabla;  // NOLINT

namespace {

using nabla::test_util::contains;
using nabla::test_util::error_of;

TEST(Creation, TensorFromNestedLists) {
  Tensor t = tensor({{1, 2, 3}, {4, 5, 6}});
  EXPECT_EQ(t.sizes().vec(), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(t.scalar_type(), kInt64);
  EXPECT_EQ(t[1][2].item<int64_t>(), 6);
  EXPECT_EQ(tensor({1.5, 2.0}).scalar_type(), kFloat32);
  EXPECT_EQ(tensor({true, false}).scalar_type(), kBool);
  EXPECT_EQ(tensor(3.5).dim(), 0);
  EXPECT_EQ(tensor({1, 2}, dtype(kFloat64)).scalar_type(), kFloat64);
  EXPECT_EQ(tensor(std::vector<float>{1, 2, 3}).numel(), 3);
  EXPECT_TRUE(contains(error_of([] { tensor({{1, 2}, {3}}); }), "rectangular"));
}

TEST(Creation, Factories) {
  EXPECT_EQ(zeros({2, 3}).scalar_type(), kFloat32);
  EXPECT_EQ(ones({2}, dtype(kInt32))[1].item<int>(), 1);
  EXPECT_EQ(full({2}, 7).scalar_type(), kInt64);
  EXPECT_EQ(full({2}, 7.5)[0].item<float>(), 7.5f);
  EXPECT_EQ(full({2}, true).scalar_type(), kBool);
  Tensor a = arange(5);
  EXPECT_EQ(a.scalar_type(), kInt64);
  EXPECT_EQ(a[4].item<int64_t>(), 4);
  Tensor b = arange(0.0, 1.0, 0.25);
  EXPECT_EQ(b.numel(), 4);
  EXPECT_EQ(b.scalar_type(), kFloat32);
  Tensor l = linspace(0, 1, 5);
  EXPECT_FLOAT_EQ(l[4].item<float>(), 1.0f);
  EXPECT_FLOAT_EQ(l[1].item<float>(), 0.25f);
  Tensor e = eye(3);
  EXPECT_EQ(e.sum().item<float>(), 3.0f);
  EXPECT_EQ(e[1][1].item<float>(), 1.0f);
  EXPECT_EQ(eye(2, 3)[1][2].item<float>(), 0.0f);
  EXPECT_EQ(zeros_like(e, dtype(kInt64)).scalar_type(), kInt64);
  EXPECT_TRUE(ones({2}, requires_grad(true)).requires_grad());
  EXPECT_THROW(arange(0, 5, 0), Error);
  EXPECT_THROW(zeros({2, -1}), Error);
}

TEST(Creation, FromBlobSharesMemory) {
  float data[6] = {1, 2, 3, 4, 5, 6};
  Tensor t = from_blob(data, {2, 3});
  EXPECT_EQ(t[1][0].item<float>(), 4.0f);
  t.mul_(2);
  EXPECT_EQ(data[5], 12.0f);
}

TEST(Dtype, PromotionFollowsPyTorch) {
  Tensor i = tensor({1, 2});
  Tensor f = tensor({1.0f, 2.0f});
  Tensor d = tensor({1.0, 2.0}, dtype(kFloat64));
  Tensor u = tensor({1, 2}, dtype(kUInt8));
  EXPECT_EQ((i + f).scalar_type(), kFloat32);
  EXPECT_EQ((f + d).scalar_type(), kFloat64);
  EXPECT_EQ((i + 1).scalar_type(), kInt64);
  EXPECT_EQ((i * 1.5).scalar_type(), kFloat32);  // a C++ double counts as float32
  EXPECT_EQ((u + 1).scalar_type(), kUInt8);      // a number does not widen a tensor
  EXPECT_EQ((u + i).scalar_type(), kInt64);
  EXPECT_EQ((f + tensor(1.0, dtype(kFloat64))).scalar_type(), kFloat32);  // 0-d: same kind
  EXPECT_EQ((i + tensor(1.0, dtype(kFloat64))).scalar_type(), kFloat64);  // 0-d: higher kind
  EXPECT_EQ((i / tensor({2, 2})).scalar_type(), kFloat32);                // true division
  EXPECT_EQ((i / 2)[0].item<float>(), 0.5f);
  EXPECT_EQ((tensor({true}) + tensor({true})).scalar_type(), kBool);
  EXPECT_EQ(promoteTypes(kUInt8, kInt32), kInt32);
}

TEST(Dtype, ConversionAndAccess) {
  Tensor f = tensor({1.7f, -2.2f});
  EXPECT_EQ(f.to(kInt64)[1].item<int64_t>(), -2);
  EXPECT_EQ(f.to(kBool)[0].item<bool>(), true);
  EXPECT_TRUE(f.is_floating_point());
  EXPECT_FALSE(f.to(kInt32).is_floating_point());
  EXPECT_EQ(f.data_ptr<float>()[0], 1.7f);
  EXPECT_TRUE(contains(error_of([&] { f.data_ptr<double>(); }), "float32"));
  EXPECT_TRUE(contains(error_of([&] { f.item<float>(); }), "2 elements"));
  Tensor m = arange(6, dtype(kFloat32)).view({2, 3});
  auto acc = m.accessor<float, 2>();
  EXPECT_EQ(acc[1][2], 5.0f);
  Tensor mt = m.t();
  auto acc_t = mt.accessor<float, 2>();
  EXPECT_EQ(acc_t[2][1], 5.0f);
  EXPECT_THROW((m.accessor<float, 3>()), Error);
}

TEST(Views, ShareStorage) {
  Tensor x = arange(12, dtype(kFloat32));
  Tensor v = x.view({3, 4});
  Tensor t = v.t();
  Tensor s = v.select(1, 2);
  Tensor n = v.narrow(0, 1, 2);
  Tensor p = x.view({2, 3, 2}).permute({2, 0, 1});
  for (const Tensor& view : {v, t, s, n, p})
    EXPECT_EQ(view.data_ptr<float>() - view.storage_offset(), x.data_ptr<float>());
  s.fill_(-1);
  EXPECT_EQ(x[6].item<float>(), -1.0f);
  EXPECT_FALSE(t.is_contiguous());
  EXPECT_EQ(t[2][1].item<float>(), -1.0f);  // x[6], set through `s`
}

TEST(Views, SizeAndStrideOfADim) {
  Tensor x = zeros({2, 3, 4});
  EXPECT_EQ(x.size(0), 2);
  EXPECT_EQ(x.size(-1), 4);
  EXPECT_EQ(x.stride(-3), 12);
  EXPECT_TRUE(contains(error_of([&] { (void)x.size(3); }), "[size] dimension out of range"));
  EXPECT_TRUE(contains(error_of([&] { (void)x.stride(-4); }), "[stride] dimension out of range"));
  // A 0-d tensor has no dim to ask about (LibTorch: "dimension specified as 0 but tensor has no
  // dimensions"); before, size(0) read past the end of its empty sizes.
  const Tensor scalar = tensor(1.5);
  EXPECT_TRUE(contains(error_of([&] { (void)scalar.size(0); }), "tensor has no dimensions"));
  EXPECT_TRUE(contains(error_of([&] { (void)scalar.stride(-1); }), "tensor has no dimensions"));
  EXPECT_TRUE(contains(error_of([&] { (void)Tensor().size(0); }), "undefined tensor"));
}

TEST(Views, EmptyTensorsAreContiguous) {  // as in PyTorch: no element is out of place
  EXPECT_TRUE(zeros({3, 0}).is_contiguous());
  EXPECT_TRUE(zeros({2, 0, 3}).transpose(0, 2).is_contiguous());
  EXPECT_TRUE(zeros({3, 0}).to(kDouble).reshape({1, 3, 0}).is_contiguous());
  EXPECT_FALSE(zeros({3, 2}).t().is_contiguous());
}

TEST(Views, ReshapeCopiesOnlyWhenItMust) {
  Tensor x = arange(12).view({3, 4});
  EXPECT_EQ(x.reshape({4, 3}).data_ptr(), x.data_ptr());
  Tensor t = x.t();
  Tensor r = t.reshape({12});
  EXPECT_NE(r.data_ptr(), x.data_ptr());
  EXPECT_EQ(r[1].item<int64_t>(), 4);
  EXPECT_TRUE(contains(error_of([&] { t.view({12}); }), "reshape"));
  EXPECT_TRUE(contains(error_of([&] { x.view({5, -1}); }), "[view] shape [5, -1] is invalid"));
}

TEST(Views, SplitChunkUnbindExpandSqueeze) {
  Tensor x = arange(10);
  auto parts = x.split(4);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[2].numel(), 2);
  auto parts2 = x.split({3, 7});
  EXPECT_EQ(parts2[1][0].item<int64_t>(), 3);
  EXPECT_EQ(x.chunk(3).size(), 3u);
  EXPECT_EQ(x.view({2, 5}).unbind(1).size(), 5u);
  Tensor e = tensor({1, 2}).view({2, 1}).expand({2, 3});
  EXPECT_EQ(e.strides()[1], 0);
  EXPECT_EQ(e[1][2].item<int64_t>(), 2);
  EXPECT_EQ(zeros({1, 3, 1}).squeeze().sizes().vec(), std::vector<int64_t>{3});
  EXPECT_EQ(zeros({3}).unsqueeze(-1).sizes().vec(), (std::vector<int64_t>{3, 1}));
  EXPECT_EQ(zeros({2, 3, 4}).flatten(1).sizes().vec(), (std::vector<int64_t>{2, 12}));
  EXPECT_EQ(x.slice(0, -3).numel(), 3);
  EXPECT_EQ(x.slice(0, 2, 100).numel(), 8);
  EXPECT_TRUE(contains(error_of([&] { x.select(0, 10); }), "index 10 is out of bounds"));
  EXPECT_TRUE(contains(error_of([&] { x.transpose(0, 2); }), "dimension out of range"));
  EXPECT_TRUE(contains(error_of([&] { e.expand({3, 3}); }), "[expand]"));
  EXPECT_TRUE(contains(error_of([&] { x.split({3, 3}); }), "sum to 6"));
  EXPECT_TRUE(contains(error_of([&] { x.narrow(0, 8, 5); }), "exceeds dimension size"));
  EXPECT_THROW(x.view({3, 4}).permute({0, 0}), Error);
}

TEST(Elementwise, ValuesAndBroadcasting) {
  Tensor a = tensor({{1.0f, 2.0f, 3.0f}, {4.0f, 5.0f, 6.0f}});
  Tensor b = tensor({10.0f, 20.0f, 30.0f});
  Tensor c = a + b;
  EXPECT_EQ(c[1][2].item<float>(), 36.0f);
  EXPECT_EQ((a * 2 - 1)[0][1].item<float>(), 3.0f);
  EXPECT_EQ((1 - a)[0][0].item<float>(), 0.0f);
  EXPECT_EQ((a / b)[1][0].item<float>(), 0.4f);
  EXPECT_FLOAT_EQ(a.exp()[0][0].item<float>(), std::exp(1.0f));
  EXPECT_EQ((a > 2.5).scalar_type(), kBool);
  EXPECT_EQ((a > 2.5).sum().item<int64_t>(), 4);
  EXPECT_EQ(a.clamp(2, 4)[1][2].item<float>(), 4.0f);
  EXPECT_EQ(where(a > 3, a, zeros_like(a))[0][2].item<float>(), 0.0f);
  EXPECT_EQ(a.masked_fill(a < 2, -1)[0][0].item<float>(), -1.0f);
  EXPECT_EQ(tensor({2, 3}).pow(3)[1].item<int64_t>(), 27);
  EXPECT_TRUE(std::isnan(tensor({std::nanf("")}).relu()[0].item<float>()));
  EXPECT_EQ(maximum(a, b)[1][0].item<float>(), 10.0f);
  EXPECT_EQ(tensor({-1.5f}).abs()[0].item<float>(), 1.5f);
}

TEST(Elementwise, ErrorsNameTheOpAndShapes) {
  Tensor a = zeros({2, 3}), b = zeros({4});
  std::string msg = error_of([&] { a + b; });
  EXPECT_TRUE(contains(msg, "[add]")) << msg;
  EXPECT_TRUE(contains(msg, "[2, 3]")) << msg;
  EXPECT_TRUE(contains(msg, "[4]")) << msg;
  EXPECT_TRUE(contains(error_of([&] { where(a, a, a); }), "bool"));
  EXPECT_TRUE(contains(error_of([&] {
                         a.masked_fill(ones({3, 3}, dtype(kBool)), 1);
                       }),
                       "[masked_fill]"));
  EXPECT_TRUE(contains(error_of([&] { tensor({2}).pow(-1); }), "negative"));
  EXPECT_TRUE(contains(error_of([] {
                         Tensor u;
                         u + u;
                       }),
                       "undefined"));
  EXPECT_TRUE(contains(error_of([&] { tensor({1, 2}).exp(); }), "(no error)"));
}

// The op table (tests/op_db.cpp) checks values and gradients of the math functions against
// PyTorch on ordinary inputs; these are their edges and dtypes.
TEST(Elementwise, RoundingFollowsPyTorch) {
  // round: half to even; floor, ceil and trunc at negative halves; -0 stays -0.
  Tensor x = tensor({0.5, 1.5, 2.5, -0.5, -1.5, -2.7, 2.7, -0.0}, dtype(kDouble));
  EXPECT_TRUE(x.round().equal(tensor({0.0, 2.0, 2.0, -0.0, -2.0, -3.0, 3.0, -0.0}, kDouble)));
  EXPECT_TRUE(x.floor().equal(tensor({0.0, 1.0, 2.0, -1.0, -2.0, -3.0, 2.0, -0.0}, kDouble)));
  EXPECT_TRUE(x.ceil().equal(tensor({1.0, 2.0, 3.0, -0.0, -1.0, -2.0, 3.0, -0.0}, kDouble)));
  EXPECT_TRUE(x.trunc().equal(x.fix()));
  EXPECT_TRUE(std::signbit(x.round()[3].item<double>()));
  EXPECT_TRUE(x.frac().allclose(x - x.trunc()));
  // Integers are whole already: the same values and dtype, in a new tensor.
  Tensor ints = tensor({-3, 0, 7});
  for (Tensor r : {ints.floor(), ints.ceil(), ints.round(), ints.trunc()}) {
    EXPECT_EQ(r.scalar_type(), kLong);
    EXPECT_TRUE(r.equal(ints));
    EXPECT_NE(r.data_ptr(), ints.data_ptr());
  }
  EXPECT_TRUE(contains(error_of([&] { ints.frac(); }), "[frac]"));
  // 16-bit floats round in their own dtype.
  EXPECT_TRUE(tensor({2.5, -1.25}).to(kHalf).round().equal(tensor({2.0, -1.0}).to(kHalf)));
}

// t - 0.6 is t + (-1) * 0.6: the product of the two C++ numbers kept float64 (it used to be
// rounded to float32, so that 0.9 - 0.6 gave 0.29999997615814211 on float64).
TEST(Elementwise, SubtractingANumberKeepsItsPrecision) {
  const Tensor x = tensor({0.9, -0.6261}, dtype(kDouble));
  const double want0 = 0.9 - 0.6, want1 = -0.6261 - 0.6;
  for (const Tensor& r : {x - 0.6, x.sub(0.6), x.add(0.6, -1), sub(x, 0.6), x.clone().sub_(0.6),
                          x.clone().add_(0.3, -2)}) {
    EXPECT_EQ(r[0].item<double>(), want0);
    EXPECT_EQ(r[1].item<double>(), want1);
  }
  Tensor y = x.clone();
  y -= 0.6;
  EXPECT_EQ(y[0].item<double>(), want0);
  // Integral alpha on an integer number stays integral; a float alpha on one goes to float64.
  EXPECT_EQ((tensor({5}) - 2).item<int64_t>(), 3);
  EXPECT_EQ(tensor({5}, dtype(kDouble)).add(1, 0.1).item<double>(), 5 + 1 * 0.1);
}

TEST(Elementwise, ClassificationGivesBool) {
  const double inf = std::numeric_limits<double>::infinity(), nan = std::nan("");
  for (ScalarType t : {kDouble, kFloat, kHalf, kBFloat16}) {
    Tensor x = tensor({1.0, nan, inf, -inf, 0.0}, dtype(kDouble)).to(t);
    EXPECT_TRUE(x.isnan().equal(tensor({false, true, false, false, false}))) << t;
    EXPECT_TRUE(x.isinf().equal(tensor({false, false, true, true, false}))) << t;
    EXPECT_TRUE(x.isfinite().equal(tensor({true, false, false, false, true}))) << t;
  }
  Tensor ints = tensor({1, 2});
  EXPECT_FALSE(isnan(ints).any().item<bool>());
  EXPECT_FALSE(isinf(ints).any().item<bool>());
  EXPECT_TRUE(isfinite(tensor({true, false})).all().item<bool>());
  // A strided view is classified through its strides.
  Tensor m = tensor({{nan, 1.0}, {2.0, nan}}, dtype(kDouble)).t();
  EXPECT_TRUE(m.isnan().equal(tensor({{true, false}, {false, true}})));
}

TEST(Elementwise, FmodAndRemainderSigns) {
  // fmod takes the dividend's sign (C), remainder the divisor's (Python), in floats ...
  Tensor a = tensor({5.5, -5.5, 5.5, -5.5}, dtype(kDouble));
  Tensor b = tensor({2.0, 2.0, -2.0, -2.0}, dtype(kDouble));
  EXPECT_TRUE(fmod(a, b).equal(tensor({1.5, -1.5, 1.5, -1.5}, kDouble)));
  EXPECT_TRUE(remainder(a, b).equal(tensor({1.5, 0.5, -0.5, -1.5}, kDouble)));
  EXPECT_TRUE(std::isnan(fmod(a, zeros_like(a))[0].item<double>()));
  // ... and in integers, where x % -1 is 0 also for the most negative x.
  Tensor i = tensor({7, -7, 7, -7, std::numeric_limits<int64_t>::min()});
  Tensor j = tensor({3, 3, -3, -3, -1});
  EXPECT_TRUE(i.fmod(j).equal(tensor({1, -1, 1, -1, 0})));
  EXPECT_TRUE(i.remainder(j).equal(tensor({1, 2, -2, -1, 0})));
  EXPECT_EQ(i.fmod(j).scalar_type(), kLong);
  EXPECT_TRUE(tensor({-7, 7}).remainder(3).equal(tensor({2, 1})));
  EXPECT_TRUE(tensor({-7, 7}).to(kInt).remainder(-3).equal(tensor({-1, -2}).to(kInt)));
  // Integer division by zero is an error naming the op (a float divisor gives NaN instead).
  std::string msg = error_of([&] { tensor({1, 2}).fmod(tensor({1, 0})); });
  EXPECT_TRUE(contains(msg, "[fmod]") && contains(msg, "zero")) << msg;
  EXPECT_TRUE(contains(error_of([&] { tensor({1, 2}).remainder(0); }), "[remainder]"));
  EXPECT_TRUE(std::isnan(tensor({1, 2}).fmod(0.0)[0].item<float>()));
  // In place, with a tensor or a number.
  Tensor c = tensor({5.5, -5.5}, dtype(kDouble));
  c.remainder_(2).fmod_(tensor({1.0, 0.3}, kDouble));
  EXPECT_TRUE(c.allclose(tensor({0.5, 0.2}, kDouble)));
}

TEST(Elementwise, InverseAndAngleFunctions) {
  // erfinv inverts erf to double precision, with its limits at +-1 and NaN outside.
  Tensor y = linspace(-0.999999, 0.999999, 2001, dtype(kDouble));
  EXPECT_TRUE(y.erfinv().erf().allclose(y, 0, 1e-15));
  Tensor yf = y.to(kFloat);
  EXPECT_TRUE(yf.erfinv().to(kDouble).allclose(yf.to(kDouble).erfinv(), 1e-6, 1e-7));
  const double inf = std::numeric_limits<double>::infinity();
  Tensor edges = tensor({1.0, -1.0, 1.5, 0.0}, dtype(kDouble)).erfinv();
  EXPECT_EQ(edges[0].item<double>(), inf);
  EXPECT_EQ(edges[1].item<double>(), -inf);
  EXPECT_TRUE(std::isnan(edges[2].item<double>()));
  EXPECT_EQ(edges[3].item<double>(), 0.0);
  // atan2's quadrants; integers compute in float32, as true division.
  Tensor s = tensor({1.0, 1.0, -1.0, -1.0}, dtype(kDouble)),
         c = tensor({1.0, -1.0, -1.0, 1.0}, dtype(kDouble));
  EXPECT_TRUE(
      atan2(s, c).allclose(tensor({M_PI / 4, 3 * M_PI / 4, -3 * M_PI / 4, -M_PI / 4}, kDouble)));
  EXPECT_EQ(tensor({1, 2}).atan2(tensor({1, 0})).scalar_type(), kFloat);
  EXPECT_EQ(tensor({3}).hypot(tensor({4})).item<float>(), 5.0f);
  // The NumPy names are the same functions.
  Tensor u = tensor({0.25, -0.5}, dtype(kDouble));
  EXPECT_TRUE(u.arcsin().equal(u.asin()) && u.arccos().equal(u.acos()) &&
              u.arctan().equal(u.atan()));
  EXPECT_TRUE(u.arctanh().equal(u.atanh()) &&
              arctan2(u, s.narrow(0, 0, 2)).equal(atan2(u, s.narrow(0, 0, 2))));
  // Functions of reals take integers as float32.
  EXPECT_EQ(tensor({1, 2}).log1p().scalar_type(), kFloat);
}

// The manipulation ops (src/ops/manipulation.cpp): the op table checks their values and
// gradients against PyTorch; these are their other overloads, dtypes and errors.
TEST(Manipulation, MasksTilesAndOrders) {
  Tensor m = arange(12, dtype(kDouble)).view({3, 4});
  // A causal mask as a transformer builds it, and in place.
  Tensor causal = ones({3, 3}, dtype(kBool)).tril();
  EXPECT_TRUE(
      causal.equal(tensor({{true, false, false}, {true, true, false}, {true, true, true}})));
  Tensor u = m.clone();
  u.triu_(1);
  EXPECT_TRUE(u.equal(m.triu(1)));
  EXPECT_EQ(m.triu(1).sum().item<double>(), 1 + 2 + 3 + 6 + 7 + 11);
  // repeat_interleave's indices, and with one count for all slices.
  EXPECT_TRUE(repeat_interleave(tensor({2, 0, 1})).equal(tensor({0, 0, 2})));
  EXPECT_TRUE(tensor({1, 2}).repeat_interleave(tensor({3})).equal(tensor({1, 1, 1, 2, 2, 2})));
  EXPECT_TRUE(m.repeat_interleave(2).equal(m.reshape({-1}).repeat_interleave(2, 0)));
  EXPECT_TRUE(m.repeat({1, 1}).equal(m));
  EXPECT_EQ(m.repeat({2, 1, 2}).sizes().vec(), (std::vector<int64_t>{2, 3, 8}));
  EXPECT_EQ(tile(m, {2, 1, 1}).sizes().vec(), (std::vector<int64_t>{2, 3, 4}));
  // flip and roll copy even when nothing moves; fliplr / flipud.
  EXPECT_NE(m.flip({}).data_ptr(), m.data_ptr());
  EXPECT_TRUE(fliplr(m).equal(m.flip({1})) && flipud(m).equal(m.flip({0})));
  EXPECT_TRUE(m.roll({4}, {1}).equal(m));
  EXPECT_TRUE(m.roll({-1}, {0}).equal(cat({m.narrow(0, 1, 2), m.narrow(0, 0, 1)})));
  // movedim is a view; the other names are transposes.
  Tensor t = zeros({2, 3, 4, 5});
  EXPECT_EQ(t.movedim({0, 1}, {3, 2}).sizes().vec(), (std::vector<int64_t>{4, 5, 3, 2}));
  EXPECT_EQ(moveaxis(t, -1, 0).data_ptr(), t.data_ptr());
  EXPECT_EQ(t.swapaxes(0, 3).sizes().vec(), (std::vector<int64_t>{5, 3, 4, 2}));
  EXPECT_TRUE(swapdims(m, 0, 1).equal(m.t()));
  // meshgrid "ij": the first tensor down the rows.
  auto grid = meshgrid({tensor({1, 2}), tensor({3, 4, 5})});
  EXPECT_EQ(grid[0].sizes().vec(), (std::vector<int64_t>{2, 3}));
  EXPECT_TRUE(grid[1][1].equal(tensor({3, 4, 5})));
  // argsort, count_nonzero, logical_xor, masked_select.
  Tensor v = tensor({3.0, -1.0, 2.0, 0.0});
  EXPECT_TRUE(v.argsort().equal(tensor({1, 3, 2, 0})));
  EXPECT_TRUE(argsort(v, 0, true).equal(tensor({0, 2, 3, 1})));
  EXPECT_EQ(v.count_nonzero().item<int64_t>(), 3);
  EXPECT_TRUE(count_nonzero(m, 0).equal(tensor({2, 3, 3, 3})));
  EXPECT_TRUE(m.count_nonzero(IntArrayRef{0, 1}).equal(tensor(11)));
  EXPECT_TRUE(logical_xor(tensor({1, 0, 2}), tensor({true, false, false}))
                  .equal(tensor({false, false, true})));
  EXPECT_TRUE(m.masked_select(m.gt(8)).equal(tensor({9.0, 10.0, 11.0}, kDouble)));
  EXPECT_TRUE(m.masked_select(tensor({true, false, false, true}))
                  .equal(tensor({0.0, 3.0, 4.0, 7.0, 8.0, 11.0}, kDouble)));
  Tensor x = m.clone().requires_grad_();
  x.masked_select(m.gt(8)).sum().backward();
  EXPECT_TRUE(x.grad().equal(m.gt(8).to(kDouble)));
  // Errors name the op and the shapes or dims.
  EXPECT_TRUE(contains(error_of([&] { tensor({1.0, 2.0}).tril(); }), "[tril]"));
  EXPECT_TRUE(contains(error_of([&] { m.repeat({2}); }), "[repeat]"));
  EXPECT_TRUE(contains(error_of([&] { m.roll({1, 2}, {0}); }), "[roll]"));
  EXPECT_TRUE(contains(error_of([&] { m.roll({1, 2}); }), "[roll]"));
  EXPECT_TRUE(contains(error_of([&] { m.flip({0, -2}); }), "more than once"));
  EXPECT_TRUE(contains(error_of([&] { t.movedim({0, 1}, {2, 2}); }), "[movedim]"));
  EXPECT_TRUE(contains(error_of([&] { m.mv(m); }), "[mv]"));
  EXPECT_TRUE(contains(error_of([&] { m.masked_select(m); }), "bool"));
  EXPECT_TRUE(contains(error_of([&] {
                         m.repeat_interleave(tensor({1, 2}));
                       }),
                       "[repeat_interleave]"));
  EXPECT_TRUE(contains(error_of([&] { meshgrid({m}); }), "[meshgrid]"));
}

TEST(Manipulation, DiagonalsAreViewsOrCopies) {
  Tensor m = arange(12, dtype(kDouble)).view({3, 4});
  // diagonal is a view: a write through it reaches the matrix.
  Tensor d = m.diagonal();
  EXPECT_EQ(d.data_ptr(), m.data_ptr());
  EXPECT_TRUE(d.equal(tensor({0.0, 5.0, 10.0}, kDouble)));
  EXPECT_TRUE(m.diagonal(2).equal(tensor({2.0, 7.0}, kDouble)));
  EXPECT_TRUE(m.diagonal(-2).equal(tensor({8.0}, kDouble)));
  EXPECT_EQ(m.diagonal(4).numel(), 0);
  EXPECT_EQ(m.diagonal(-3).numel(), 0);
  Tensor w = m.clone();
  w.diagonal(1).fill_(-1);
  EXPECT_EQ(w[0][1].item<double>(), -1);
  EXPECT_EQ(w[2][3].item<double>(), -1);
  EXPECT_EQ(w.eq(-1).sum().item<int64_t>(), 3);
  // Batched: dims other than the two keep their order; the diagonal goes last.
  Tensor b = arange(24).view({2, 3, 4});
  EXPECT_EQ(b.diagonal(0, 1, 2).sizes().vec(), (std::vector<int64_t>{2, 3}));
  EXPECT_TRUE(b.diagonal(0, 1, 2)[1].equal(tensor({12, 17, 22})));
  EXPECT_TRUE(b.diagonal(0, -1, 1).equal(b.diagonal(0, 2, 1)));
  // diag: a vector onto a square matrix (offset grows it), a matrix's diagonal as a copy.
  Tensor v = tensor({1, 2});
  EXPECT_TRUE(v.diag(-1).equal(tensor({{0, 0, 0}, {1, 0, 0}, {0, 2, 0}})));
  Tensor copy = m.diag();
  EXPECT_NE(copy.data_ptr(), m.data_ptr());
  EXPECT_EQ(m.trace().item<double>(), 15);
  EXPECT_TRUE(
      diag_embed(tensor({{1, 2}, {3, 4}})).equal(tensor({{{1, 0}, {0, 2}}, {{3, 0}, {0, 4}}})));
  // The gradient of a view's elements goes back to the diagonal only.
  Tensor x = m.clone().requires_grad_();
  (x.diagonal(1) * 2).sum().backward();
  EXPECT_EQ(x.grad().sum().item<double>(), 6);
  EXPECT_EQ(x.grad()[1][2].item<double>(), 2);
  EXPECT_TRUE(contains(error_of([&] { m.diagonal(0, 1, -1); }), "[diagonal]"));
  EXPECT_TRUE(contains(error_of([&] { b.diag(); }), "[diag]"));
  EXPECT_TRUE(contains(error_of([&] { v.trace(); }), "[trace]"));
  EXPECT_TRUE(contains(error_of([&] { tensor(1.0).diag_embed(); }), "[diag_embed]"));
}

// einsum's paths: a label repeated within an operand (a diagonal), broadcast dims of size 1,
// an ellipsis that only some operands have, labels summed before the product, three operands;
// each against the same contraction written with matmul, sum and diagonal.
TEST(Contractions, EinsumAgreesWithExplicitProducts) {
  manual_seed(3);
  Tensor a = randn({2, 3, 4}, dtype(kDouble)), b = randn({4, 5}, dtype(kDouble));
  Tensor m = randn({3, 3}, dtype(kDouble)), v = randn({3}, dtype(kDouble));
  EXPECT_TRUE(einsum("bij,jk->bik", {a, b}).allclose(a.matmul(b)));
  EXPECT_TRUE(einsum("...ij,jk", {a, b}).allclose(a.matmul(b)));
  EXPECT_TRUE(einsum(" b i j , j k -> k i b ", {a, b}).allclose(a.matmul(b).permute({2, 1, 0})));
  EXPECT_TRUE(einsum("ii->i", {m}).allclose(m.diagonal()));
  EXPECT_TRUE(einsum("ii", {m}).allclose(m.trace()));
  EXPECT_TRUE(einsum("ij,j->i", {m, v}).allclose(m.mv(v)));
  EXPECT_TRUE(einsum("ij->", {m}).allclose(m.sum()));
  EXPECT_TRUE(einsum("bij->j", {a}).allclose(a.sum({0, 1})));
  EXPECT_TRUE(einsum("ij,ij->ij", {m.narrow(0, 0, 1), m}).allclose(m.narrow(0, 0, 1) * m));
  EXPECT_TRUE(einsum("ab,bc,cd->ad", {m, m, m}).allclose(m.mm(m).mm(m)));
  EXPECT_TRUE(einsum("i,j,k->ijk", {v, v, v})
                  .allclose(v.view({3, 1, 1}) * v.view({1, 3, 1}) * v.view({1, 1, 3})));
  // An output view when nothing is contracted, as PyTorch's.
  EXPECT_EQ(einsum("ij->ji", {m}).data_ptr(), m.data_ptr());
  // Gradients through the pairwise contraction match those of the explicit product.
  Tensor x = randn({2, 3}, dtype(kDouble)).requires_grad_(true);
  Tensor y = randn({3, 4}, dtype(kDouble)).requires_grad_(true);
  Tensor gx = autograd::grad({einsum("ij,jk->ik", {x, y}).pow(2).sum()}, {x})[0];
  Tensor gx2 = autograd::grad({x.mm(y).pow(2).sum()}, {x})[0];
  EXPECT_TRUE(gx.allclose(gx2));
  auto err = [](const std::function<void()>& f) { return error_of(f); };
  EXPECT_TRUE(contains(err([&] { einsum("ij,jk->ik", {m}); }), "2 operands but 1 tensors"));
  EXPECT_TRUE(contains(err([&] { einsum("i1->i", {v}); }), "invalid character '1'"));
  EXPECT_TRUE(contains(err([&] { einsum("ijk->i", {m}); }), "shape [3, 3]"));
  EXPECT_TRUE(contains(err([&] { einsum("ij,jk->ik", {m, b}); }), "do not broadcast"));
  EXPECT_TRUE(contains(err([&] { einsum("ij->iz", {m}); }), "output subscript z"));
  EXPECT_TRUE(contains(err([&] { einsum("ij->ii", {m}); }), "more than once"));
  EXPECT_TRUE(contains(err([&] { einsum("ij", {a.narrow(1, 0, 2)}); }), "[einsum]"));
  EXPECT_TRUE(contains(err([&] { einsum("ii", {b}); }), "sizes don't match, 4 != 5"));
}

TEST(Contractions, TensordotKronCrossAndBatchedProducts) {
  manual_seed(4);
  Tensor a = randn({2, 3, 4}, dtype(kDouble)), b = randn({4, 3, 5}, dtype(kDouble));
  Tensor expect = a.reshape({2, 12}).mm(b.permute({1, 0, 2}).reshape({12, 5}));
  EXPECT_TRUE(tensordot(a, b, {1, 2}, {1, 0}).allclose(expect));
  EXPECT_TRUE(contains(error_of([&] { tensordot(a, b, {1}, {0}); }), "need to match"));
  EXPECT_TRUE(contains(error_of([&] { tensordot(a, b, {1, 2}, {1}); }), "same length"));
  // kron: each element of the first times a copy of the second, in blocks.
  Tensor k = kron(tensor({{1, 2}, {3, 4}}), tensor({{0, 1}, {1, 0}}));
  EXPECT_TRUE(k.equal(tensor({{0, 1, 0, 2}, {1, 0, 2, 0}, {0, 3, 0, 4}, {3, 0, 4, 0}})));
  EXPECT_EQ(kron(ones({2}), ones({3, 4})).sizes(), IntArrayRef({3, 8}));
  // cross: the right-handed basis; without dim, the first dim of size 3.
  Tensor e = eye(3);
  EXPECT_TRUE(cross(e[0], e[1]).equal(e[2]));
  EXPECT_TRUE(cross(e, e.roll({1}, {0})).equal(e.roll({-1}, {0})));
  EXPECT_TRUE(cross(randn({3, 5}), randn({3, 5})).sizes() == IntArrayRef({3, 5}));
  EXPECT_TRUE(contains(error_of([&] {
                         cross(ones({2, 4}), ones({2, 4}));
                       }),
                       "no dimension of size 3"));
  EXPECT_TRUE(contains(error_of([&] { linalg_cross(ones({2, 4}), ones({2, 4})); }), "length 3"));
  // baddbmm with beta = 0 ignores self: its NaN does not reach the result.
  Tensor nan_self = full({2, 3, 5}, std::nan(""), dtype(kDouble));
  Tensor p = randn({2, 3, 4}, dtype(kDouble)), q = randn({2, 4, 5}, dtype(kDouble));
  EXPECT_TRUE(baddbmm(nan_self, p, q, 0, 3).allclose(p.bmm(q) * 3));
  EXPECT_TRUE(addbmm(zeros({3, 5}, dtype(kDouble)), p, q).allclose(p.bmm(q).sum(0)));
  Tensor acc = ones({2, 3, 5}, dtype(kDouble));
  acc.baddbmm_(p, q, 2);
  EXPECT_TRUE(acc.allclose(p.bmm(q) + 2));
  EXPECT_TRUE(contains(error_of([&] { baddbmm(ones({4, 4}), p, q); }), "[baddbmm]"));
}

// cumprod (zeros: the gradient never divides by one), cummax/cummin (ties take the later
// index, NaN wins and stays, as PyTorch), logcumsumexp (no overflow or underflow at +-1000,
// -inf), matrix_power (identity, inverse powers) and their errors.
TEST(Reductions, CumulativeProductsExtremesAndLogSumExp) {
  Tensor x = tensor({2.0, 0.0, 3.0, 0.0, 5.0}).requires_grad_();
  Tensor p = x.cumprod(0);
  EXPECT_TRUE(p.equal(tensor({2.0, 0.0, 0.0, 0.0, 0.0})));
  p.sum().backward();
  // d/dx1 = x0 + x0 x2 (+ x0 x2 x3 = 0 ...); after the first zero everything is 0.
  EXPECT_TRUE(x.grad().equal(tensor({1.0, 8.0, 0.0, 0.0, 0.0})));
  Tensor y = tensor({2.0, -1.5, 3.0}).requires_grad_();
  y.cumprod(0).sum().backward();
  EXPECT_TRUE(y.grad().allclose(tensor({1.0 - 1.5 - 4.5, 2.0 + 6.0, -3.0})));
  Tensor ints = cumprod(tensor({1, 2, 3, -2}), 0);
  EXPECT_EQ(ints.scalar_type(), kLong);
  EXPECT_TRUE(ints.equal(tensor({1, 2, 6, -12})));
  Tensor in_place = tensor({{1.0, 2.0}, {3.0, 4.0}});
  in_place.cumprod_(0);
  EXPECT_TRUE(in_place.equal(tensor({{1.0, 2.0}, {3.0, 8.0}})));

  auto [mv, mi] = tensor({1.0, 3.0, 3.0, 2.0, std::nan(""), 5.0}).cummax(0);
  EXPECT_TRUE(mv.narrow(0, 0, 4).equal(tensor({1.0, 3.0, 3.0, 3.0})));
  EXPECT_TRUE(mv.narrow(0, 4, 2).isnan().all().item<bool>());
  EXPECT_TRUE(mi.equal(tensor({0, 1, 2, 2, 4, 4})));
  Tensor z = tensor({3.0, 1.0, 1.0, 2.0}).requires_grad_();
  auto [nv, ni] = cummin(z, 0);
  EXPECT_TRUE(nv.equal(tensor({3.0, 1.0, 1.0, 1.0})));
  EXPECT_TRUE(ni.equal(tensor({0, 1, 2, 2})));
  nv.sum().backward();
  EXPECT_TRUE(z.grad().equal(tensor({1.0, 1.0, 2.0, 0.0})));
  EXPECT_TRUE(std::get<1>(tensor({{4, 9}, {7, 2}}).cummax(1)).equal(tensor({{0, 1}, {0, 0}})));

  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_TRUE(tensor({-1000.0, 0.0}).logcumsumexp(0).equal(tensor({-1000.0, 0.0})));
  EXPECT_TRUE(tensor({1000.0, 1000.0})
                  .logcumsumexp(0)
                  .allclose(tensor({1000.0, 1000.0 + std::log(2.0)}), 0, 1e-9));
  EXPECT_TRUE(tensor({-inf, -inf, 1.0}).logcumsumexp(0).equal(tensor({-inf, -inf, 1.0})));
  Tensor w = tensor({0.5, -1.0, 2.0}).requires_grad_();
  w.logcumsumexp(0).sum().backward();
  // d/dx_k = sum over j >= k of exp(x_k - out_j).
  const Tensor out = w.detach().logcumsumexp(0);
  EXPECT_TRUE(w.grad().allclose(w.detach().exp() * (-out).exp().flip({0}).cumsum(0).flip({0})));

  Tensor a = tensor({{2.0, 1.0}, {0.5, 3.0}});
  EXPECT_TRUE(matrix_power(a, 3).allclose(a.mm(a).mm(a)));
  EXPECT_TRUE(a.matrix_power(0).equal(eye(2, dtype(kFloat64))));
  EXPECT_TRUE(linalg::matrix_power(a, -2).allclose(a.inverse().mm(a.inverse())));
  EXPECT_FALSE(matrix_power(a, 1).is_same(a));
  EXPECT_TRUE(contains(error_of([&] { matrix_power(ones({2, 3}), 2); }), "[matrix_power]"));
  EXPECT_TRUE(contains(error_of([&] { matrix_power(ones({2, 3}), 2); }), "[2, 3]"));
  EXPECT_TRUE(contains(error_of([] { tensor({1, 2}).logcumsumexp(0); }), "[logcumsumexp]"));
  EXPECT_TRUE(contains(error_of([] { tensor({1.0, 2.0}).cumprod(1); }), "[cumprod]"));
}

TEST(Reductions, OrderStatisticsAndNanAwareSums) {
  Tensor x = tensor({{3.0, std::nan(""), 1.0, std::nan(""), 2.0}, {4.0, 1.0, 2.5, 2.0, 9.0}});
  auto [mv, mi] = x.median(1);
  EXPECT_TRUE(std::isnan(mv[0].item<double>()));
  EXPECT_EQ(mi[0].item<int64_t>(), 1);  // the first NaN
  EXPECT_EQ(mv[1].item<double>(), 2.5);
  EXPECT_EQ(mi[1].item<int64_t>(), 2);
  auto [nv, ni] = x.nanmedian(1);
  EXPECT_TRUE(nv.equal(tensor({2.0, 2.5})));
  EXPECT_TRUE(ni.equal(tensor({4, 2})));
  EXPECT_TRUE(std::isnan(x.median().item<double>()));
  EXPECT_EQ(x.nanmedian().item<double>(), 2.0);
  EXPECT_TRUE(std::isnan(full({3}, std::nan("")).nanmedian().item<float>()));
  // Even counts: the lower of the two middle elements; integers work too.
  EXPECT_EQ(tensor({4, 1, 3, 2}).median().item<int64_t>(), 2);
  auto [kv, ki] = x.kthvalue(4, 1, true);
  EXPECT_EQ(kv.sizes(), IntArrayRef({2, 1}));
  EXPECT_TRUE(std::isnan(kv[0][0].item<double>()));  // NaN counts as the largest
  EXPECT_EQ(kv[1][0].item<double>(), 4.0);
  EXPECT_EQ(ki[1][0].item<int64_t>(), 0);
  EXPECT_EQ(std::get<0>(tensor(5.0).kthvalue(1)).dim(), 0);
  EXPECT_TRUE(contains(error_of([&] { x.kthvalue(6, 1); }), "k (6) is out of range"));
  EXPECT_TRUE(contains(error_of([&] { x.kthvalue(0); }), "[kthvalue]"));
  EXPECT_TRUE(contains(error_of([&] { zeros({2, 0}).median(1); }), "non-zero size"));
  // The gradient reaches the chosen element only.
  Tensor w = tensor({3.0, 1.0, 2.0}, dtype(kDouble)).requires_grad_(true);
  w.median().backward();
  EXPECT_TRUE(w.grad().equal(tensor({0.0, 0.0, 1.0}, dtype(kDouble))));
  // nansum / nanmean skip NaN (and give NaN positions no gradient).
  EXPECT_EQ(x.nansum().item<double>(), 24.5);
  EXPECT_TRUE(x.nanmean({1}).allclose(tensor({2.0, 3.7})));
  EXPECT_TRUE(std::isnan(full({2}, std::nan("")).nanmean().item<float>()));
  EXPECT_EQ(tensor({1, 2}).nansum().item<int64_t>(), 3);
  EXPECT_TRUE(contains(error_of([&] { tensor({1, 2}).nanmean(); }), "floating point"));
  Tensor xg = x.clone().requires_grad_(true);
  xg.nansum().backward();
  EXPECT_EQ(xg.grad().sum().item<double>(), 8.0);
  auto [var, mean] = var_mean(tensor({{1.0, 2.0, 3.0}, {4.0, 6.0, 8.0}}), {1});
  EXPECT_TRUE(var.allclose(tensor({1.0, 4.0})));
  EXPECT_TRUE(mean.allclose(tensor({2.0, 6.0})));
  auto [sd, all_mean] = std_mean(tensor({1.0, 3.0}), false);
  EXPECT_EQ(sd.item<double>(), 1.0);
  EXPECT_EQ(all_mean.item<double>(), 2.0);
}

TEST(Manipulation, DiffRot90AndIndexFills) {
  Tensor v = tensor({1, 4, 9, 16});
  EXPECT_TRUE(diff(v).equal(tensor({3, 5, 7})));
  EXPECT_TRUE(diff(v, 2).equal(tensor({2, 2})));
  EXPECT_TRUE(diff(v, 0).equal(v));
  EXPECT_EQ(diff(v, 7).numel(), 0);
  EXPECT_TRUE(diff(tensor({true, false, false, true})).equal(tensor({true, false, true})));
  EXPECT_TRUE(diff(v, 1, 0, tensor({0}), tensor({25})).equal(tensor({1, 3, 5, 7, 9})));
  EXPECT_TRUE(contains(error_of([&] { diff(tensor(1.0)); }), "at least one-dimensional"));
  EXPECT_TRUE(contains(error_of([&] { diff(v, -1); }), "non-negative"));
  Tensor m = arange(6).view({2, 3});
  EXPECT_TRUE(rot90(m).equal(tensor({{2, 5}, {1, 4}, {0, 3}})));
  EXPECT_TRUE(rot90(m, 4).equal(m));
  EXPECT_TRUE(rot90(m, -1).equal(rot90(m, 3)));
  EXPECT_TRUE(rot90(rot90(m, 1), 1).equal(m.flip({0, 1})));
  EXPECT_TRUE(contains(error_of([&] { rot90(m, 1, {0, 0}); }), "different"));
  EXPECT_TRUE(contains(error_of([&] { rot90(v); }), "total dims >= 2"));
  Tensor z = zeros({3, 4});
  EXPECT_TRUE(z.index_fill(1, tensor({0, -1}), 2.0).sum(0).equal(tensor({6.0f, 0.0f, 0.0f, 6.0f})));
  EXPECT_EQ(tensor({1, 2, 3}).index_fill(0, tensor({1}), 7.9).scalar_type(), kLong);
  Tensor copied = z.index_copy(0, tensor({2, 0}), arange(8.0f).view({2, 4}));
  EXPECT_TRUE(copied[2].equal(arange(4.0f)));
  EXPECT_TRUE(copied[1].equal(zeros({4})));
  Tensor filled = ones({2, 2});
  filled.index_fill_(0, tensor({1}), tensor(5.0f));
  filled.index_copy_(1, tensor({0}), full({2, 1}, -1.0f));
  EXPECT_TRUE(filled.equal(tensor({{-1.0f, 1.0f}, {-1.0f, 5.0f}})));
  EXPECT_TRUE(contains(error_of([&] { z.index_fill(1, tensor({4}), 1.0); }),
                       "[index_fill] an index is out of bounds for dimension 1 with size 4"));
  EXPECT_TRUE(contains(error_of([&] { z.index_fill(1, tensor({-5}), 1.0); }), "out of bounds"));
  EXPECT_TRUE(contains(error_of([&] {
                         z.index_copy(1, tensor({4}), ones({3, 1}));
                       }),
                       "[index_copy] an index is out of bounds for dimension 1 with size 4"));
  EXPECT_TRUE(contains(error_of([&] { z.index_fill(1, tensor({0.5}), 1.0); }), "int64 index"));
  EXPECT_TRUE(contains(error_of([&] {
                         z.index_copy(0, tensor({0}), ones({2, 4}));
                       }),
                       "should be of shape [1, 4]"));
  EXPECT_TRUE(
      contains(error_of([&] { z.index_fill(0, tensor({0}), ones({2})); }), "0-dimensional value"));
}

TEST(Elementwise, BitwiseOpsOnIntegersAndBool) {
  Tensor a = tensor({12, 10, 7, -3}), b = tensor({6, 3, 5, 1});
  EXPECT_TRUE((a & b).equal(tensor({4, 2, 5, 1})));
  EXPECT_TRUE((a | b).equal(tensor({14, 11, 7, -3})));
  EXPECT_TRUE((a ^ b).equal(tensor({10, 9, 2, -4})));
  EXPECT_TRUE((~a).equal(tensor({-13, -11, -8, 2})));
  EXPECT_TRUE((a & 3).equal(tensor({0, 2, 3, 1})));
  EXPECT_TRUE((1 | a).equal(tensor({13, 11, 7, -3})));
  EXPECT_TRUE((~tensor({0, 5}).to(kByte)).equal(tensor({255, 250}).to(kByte)));
  // A scalar wraps to the tensor's dtype, as in LibTorch: 300 as uint8 is 44.
  EXPECT_TRUE((tensor({6}).to(kByte) & 300).equal(tensor({4}).to(kByte)));
  Tensor p = tensor({true, true, false}), q = tensor({true, false, false});
  EXPECT_TRUE((p & q).equal(logical_and(p, q)));
  EXPECT_TRUE((p | q).equal(logical_or(p, q)));
  EXPECT_TRUE((p ^ true).equal(logical_not(p)));
  EXPECT_TRUE((~p).equal(logical_not(p)));
  EXPECT_EQ((p & tensor({1, 1, 1})).scalar_type(), kLong);
  Tensor c = a.clone();
  c &= b;
  c |= 16;
  c ^= tensor({1, 1, 1, 1});
  EXPECT_TRUE(c.equal(tensor({21, 19, 20, 16})));
  c.bitwise_not_();
  EXPECT_TRUE(c.equal(tensor({-22, -20, -21, -17})));
  EXPECT_TRUE((a % 5).equal(tensor({2, 0, 2, 2})));
  EXPECT_TRUE(contains(error_of([&] { (void)(ones({2}) & ones({2})); }),
                       "[bitwise_and] expected integer or bool tensors, got float32 and float32"));
  EXPECT_TRUE(contains(error_of([&] { (void)~ones({2}); }), "[bitwise_not]"));
}

// Values from PyTorch 1.13 (Debian's python3-torch) where the shift count is in range; out of
// range (negative, or the width or more) as PyTorch 2 defines it, where 1.13 on x86 shifted by
// the count's low bits (3 << 64 was 3).
TEST(Elementwise, ShiftsGcdAndLcmOnIntegers) {
  const int64_t min64 = std::numeric_limits<int64_t>::min();
  const Tensor a = tensor({int64_t{5}, -7, 0, min64, 12}), b = tensor({3, -21, 0, 0, 18});
  EXPECT_TRUE(gcd(a, b).equal(tensor({int64_t{1}, 7, 0, min64, 6})));
  EXPECT_TRUE(a.lcm(b).equal(tensor({15, 21, 0, 0, 36})));
  const Tensor x = tensor({1, -8, 3, -1}), counts = tensor({1, 2, 64, -1});
  EXPECT_TRUE(bitwise_left_shift(x, counts).equal(tensor({2, -32, 0, 0})));
  EXPECT_TRUE(x.__rshift__(counts).equal(tensor({0, -2, 0, -1})));
  const Tensor u = tensor({200, 1, 255}).to(kByte), u_counts = tensor({1, 8, 3}).to(kByte);
  EXPECT_TRUE(u.__lshift__(u_counts).equal(tensor({144, 0, 248}).to(kByte)));
  EXPECT_TRUE(u.bitwise_right_shift(u_counts).equal(tensor({100, 0, 31}).to(kByte)));
  const Tensor i = tensor({1, -8}).to(kInt);
  EXPECT_TRUE((i.__lshift__(31)).equal(tensor({std::numeric_limits<int32_t>::min(), 0}).to(kInt)));
  EXPECT_TRUE((i.__rshift__(40)).equal(tensor({0, -1}).to(kInt)));
  // Promotion as the other binary ops: a number or 0-d tensor keeps the tensor's dtype, a bool
  // tensor shifted by a number becomes int64; a number shifted by a tensor.
  EXPECT_EQ(i.__lshift__(tensor(int64_t{2})).scalar_type(), kInt);
  EXPECT_TRUE(tensor({3}).to(kByte).__lshift__(2).equal(tensor({12}).to(kByte)));
  EXPECT_TRUE(tensor({true}).__lshift__(1).equal(tensor({2})));
  EXPECT_TRUE(bitwise_left_shift(3, tensor({1, 2})).equal(tensor({6, 12})));
  EXPECT_TRUE(bitwise_right_shift(-16, tensor({1, 2})).equal(tensor({-8, -4})));
  // In place.
  Tensor c = tensor({12, 18});
  c.gcd_(tensor({8, 12}));
  EXPECT_TRUE(c.equal(tensor({4, 6})));
  c.lcm_(tensor({6, 4}));
  EXPECT_TRUE(c.equal(tensor({12, 12})));
  c.__ilshift__(2);
  c.bitwise_right_shift_(tensor({1, 3}));
  EXPECT_TRUE(c.equal(tensor({24, 6})));
  // Floats and bools raise, naming the op and the dtypes.
  const std::string floats = error_of([&] { (void)bitwise_left_shift(ones({2}), 1); });
  EXPECT_TRUE(contains(floats, "[bitwise_left_shift] expected integer tensors, got float32"))
      << floats;
  const std::string bools = error_of([&] { (void)gcd(tensor({true}), tensor({false})); });
  EXPECT_TRUE(contains(bools, "[gcd] expected integer tensors, got bool and bool")) << bools;
  EXPECT_TRUE(contains(error_of([&] { (void)lcm(ones({2}), tensor({1, 2})); }), "[lcm]"));
}

// det, inverse and solve against what they mean: A A^-1 = I, A X = B, det of a triangular
// matrix is its diagonal's product and of a row swap its negative; singular input raises.
TEST(Linalg, DeterminantsInversesAndSolves) {
  manual_seed(8);
  Tensor a = randn({4, 5, 5}, dtype(kDouble)) + 4 * eye(5, dtype(kDouble));
  Tensor identity = eye(5, dtype(kDouble)).expand({4, 5, 5});
  EXPECT_TRUE(a.matmul(inverse(a)).allclose(identity, 1e-10, 1e-10));
  Tensor b = randn({4, 5, 2}, dtype(kDouble));
  EXPECT_TRUE(a.matmul(linalg::solve(a, b)).allclose(b, 1e-10, 1e-10));
  EXPECT_TRUE(linalg::solve(a, b.select(2, 0)).allclose(linalg::solve(a, b).select(2, 0)));
  // B broadcast against one A; X A = B.
  EXPECT_TRUE(a[0].matmul(linalg::solve(a[0], b)).allclose(b, 1e-10, 1e-10));
  Tensor right = randn({3, 5}, dtype(kDouble));
  EXPECT_TRUE(linalg::solve(a[1], right, false).matmul(a[1]).allclose(right, 1e-10, 1e-10));
  Tensor upper = tensor({{2.0, 7.0, 1.0}, {0.0, -3.0, 5.0}, {0.0, 0.0, 0.5}});
  EXPECT_NEAR(upper.det().item<double>(), -3.0, 1e-6);
  EXPECT_NEAR(upper.index_select(0, tensor({1, 0, 2})).det().item<double>(), 3.0, 1e-6);
  auto [sign, logabs] = upper.slogdet();
  EXPECT_EQ(sign.item<float>(), -1.0f);
  EXPECT_NEAR(logabs.item<double>(), std::log(3.0), 1e-6);
  EXPECT_TRUE(std::isnan(upper.logdet().item<float>()));
  // det of a batch; the 16-bit floats compute in float32.
  EXPECT_TRUE(a.det().allclose(std::get<0>(a.slogdet()) * std::get<1>(a.slogdet()).exp()));
  EXPECT_EQ(upper.to(kBFloat16).det().scalar_type(), kBFloat16);
  // The caller's matrix is not overwritten by the factorization (also when a transposed
  // view of it is already contiguous).
  Tensor one = tensor({{2.0}});
  EXPECT_EQ(one.inverse().item<double>(), 0.5);
  EXPECT_EQ(one.item<double>(), 2.0);
  Tensor singular = tensor({{1.0, 2.0}, {2.0, 4.0}});
  EXPECT_EQ(singular.det().item<float>(), 0.0f);
  EXPECT_TRUE(std::isinf(singular.logdet().item<float>()));
  EXPECT_TRUE(
      contains(error_of([&] { singular.inverse(); }), "[linalg.inv] the input matrix is singular"));
  EXPECT_TRUE(contains(error_of([&] { linalg::solve(singular, ones({2})); }), "[linalg.solve]"));
  EXPECT_TRUE(contains(error_of([&] { ones({2, 3}).det(); }), "2 by 3 matrices"));
  EXPECT_TRUE(contains(error_of([&] { ones({3}).inverse(); }), "at least 2 dimensions"));
  EXPECT_TRUE(contains(error_of([&] { tensor({{1, 2}, {3, 4}}).det(); }), "floating point"));
  EXPECT_TRUE(contains(error_of([&] {
                         linalg::solve(eye(3), ones({2, 1}));
                       }),
                       "incompatible shapes"));
  // Gradients: d det / dA = det A^-T; d inverse is -A^-T g A^-T.
  Tensor m = (randn({3, 3}, dtype(kDouble)) + 3 * eye(3, dtype(kDouble))).requires_grad_(true);
  Tensor grad = autograd::grad({m.det()}, {m})[0];
  EXPECT_TRUE(grad.allclose(m.det().detach() * m.detach().inverse().t()));
}

TEST(Manipulation, CumsumDtypesAndLayouts) {
  // Integers and bool sum in int64; floats keep their dtype unless one is asked for.
  EXPECT_TRUE(tensor({true, true, false}).cumsum(0).equal(tensor({1, 2, 2})));
  EXPECT_EQ(tensor({1, 2}).to(kInt).cumsum(0).scalar_type(), kLong);
  EXPECT_EQ(tensor({1, 2}).cumsum(0, kDouble).scalar_type(), kDouble);
  EXPECT_EQ(tensor({1.0f}).cumsum(0).scalar_type(), kFloat);
  EXPECT_EQ(tensor(2.5).cumsum(0).item<float>(), 2.5f);
  // float32 accumulates in double, as PyTorch's CPU kernel: 1 + 2^-24 repeated keeps growing.
  Tensor small = full({3}, 1.0f / (1 << 24));
  Tensor values = cat({ones({1}), small});
  EXPECT_EQ(values.cumsum(0)[3].item<float>(), 1.0f + 3.0f / (1 << 24));
  // Through strides, along any dim, the same values as the contiguous copy.
  manual_seed(5);
  Tensor a = randn({5, 6, 7}, dtype(kDouble)).permute({2, 0, 1});
  for (int64_t d = 0; d < 3; ++d) EXPECT_TRUE(a.cumsum(d).equal(a.contiguous().cumsum(d))) << d;
  EXPECT_TRUE(a.cumsum(-1).select(2, 5).allclose(a.sum(2)));
  Tensor c = a.contiguous();
  c.cumsum_(1);
  EXPECT_TRUE(c.equal(a.cumsum(1)));
  // The same bits on one thread as on two.
  Tensor big = randn({64, 1000});
  set_num_threads(1);
  Tensor one = big.cumsum(1);
  set_num_threads(2);
  EXPECT_TRUE(big.cumsum(1).equal(one));
  EXPECT_TRUE(contains(error_of([&] { big.cumsum(2); }), "[cumsum]"));
}

TEST(Manipulation, EdgesOfTheElementwiseCompositions) {
  const double inf = std::numeric_limits<double>::infinity();
  // logaddexp of two equal infinities is that infinity, not NaN.
  Tensor a = tensor({-inf, inf, 0.0, 1000.0}, dtype(kDouble));
  Tensor b = tensor({-inf, inf, -inf, 1000.0}, dtype(kDouble));
  EXPECT_TRUE(logaddexp(a, b).equal(tensor({-inf, inf, 0.0, 1000.0 + std::log(2.0)}, kDouble)));
  // xlogy: 0 where x is 0, even at y = 0; NaN in y stays.
  Tensor y = tensor({0.0, std::nan(""), 2.0}, dtype(kDouble));
  Tensor r = xlogy(tensor({0.0, 0.0, 3.0}, dtype(kDouble)), y);
  EXPECT_EQ(r[0].item<double>(), 0.0);
  EXPECT_TRUE(std::isnan(r[1].item<double>()));
  EXPECT_DOUBLE_EQ(r[2].item<double>(), 3 * std::log(2.0));
  EXPECT_DOUBLE_EQ(xlogy(tensor({2.0}, kDouble), 4.0).item<double>(), 2 * std::log(4.0));
  // nan_to_num: the dtype's largest finite values by default.
  for (ScalarType t : {kFloat, kDouble, kHalf, kBFloat16}) {
    Tensor odd = tensor({std::nan(""), inf, -inf, 1.5}, dtype(kDouble)).to(t);
    Tensor fixed = odd.nan_to_num();
    EXPECT_TRUE(fixed.isfinite().all().item<bool>()) << t;
    EXPECT_EQ(fixed[0].item<double>(), 0.0) << t;
    EXPECT_EQ(fixed[1].item<double>(), -fixed[2].item<double>()) << t;
    EXPECT_GT(fixed[1].item<double>(), 6e4) << t;
    EXPECT_TRUE(
        odd.nan_to_num(1, 2, -3).equal(tensor({1.0, 2.0, -3.0, 1.5}, dtype(kDouble)).to(t)));
  }
  Tensor in_place = tensor({inf, 2.0});
  in_place.nan_to_num_(0, 9);
  EXPECT_TRUE(in_place.equal(tensor({9.0f, 2.0f})));
  EXPECT_TRUE(tensor({1, 2}).nan_to_num().equal(tensor({1, 2})));
  // lerp with a number, in place.
  Tensor start = tensor({0.0, 10.0}, dtype(kDouble));
  start.lerp_(tensor({10.0, 0.0}, kDouble), 0.25);
  EXPECT_TRUE(start.equal(tensor({2.5, 7.5}, kDouble)));
}

// In place, every unary function writes into its tensor and gives the out-of-place values;
// in the graph, those whose gradient reads their input differentiate through a copy of it.
TEST(InPlace, UnaryFunctionsMatchTheirOutOfPlaceForms) {
  struct Case {
    const char* name;
    Tensor& (Tensor::*inplace)() const;
    Tensor (Tensor::*out_of_place)() const;
    double lo, hi;  // the inputs' range
  };
  const Case cases[] = {
      {"abs_", &Tensor::abs_, &Tensor::abs, -2, 2},
      {"log_", &Tensor::log_, &Tensor::log, 0.5, 3},
      {"sin_", &Tensor::sin_, &Tensor::sin, -2, 2},
      {"cos_", &Tensor::cos_, &Tensor::cos, -2, 2},
      {"square_", &Tensor::square_, &Tensor::square, -2, 2},
      {"erf_", &Tensor::erf_, &Tensor::erf, -2, 2},
      {"erfc_", &Tensor::erfc_, &Tensor::erfc, -2, 2},
      {"erfinv_", &Tensor::erfinv_, &Tensor::erfinv, -0.9, 0.9},
      {"log1p_", &Tensor::log1p_, &Tensor::log1p, 0, 3},
      {"expm1_", &Tensor::expm1_, &Tensor::expm1, -2, 2},
      {"log2_", &Tensor::log2_, &Tensor::log2, 0.5, 3},
      {"log10_", &Tensor::log10_, &Tensor::log10, 0.5, 3},
      {"exp2_", &Tensor::exp2_, &Tensor::exp2, -2, 2},
      {"tan_", &Tensor::tan_, &Tensor::tan, -1, 1},
      {"asin_", &Tensor::asin_, &Tensor::asin, -0.9, 0.9},
      {"acos_", &Tensor::acos_, &Tensor::acos, -0.9, 0.9},
      {"atan_", &Tensor::atan_, &Tensor::atan, -2, 2},
      {"sinh_", &Tensor::sinh_, &Tensor::sinh, -2, 2},
      {"cosh_", &Tensor::cosh_, &Tensor::cosh, -2, 2},
      {"asinh_", &Tensor::asinh_, &Tensor::asinh, -2, 2},
      {"acosh_", &Tensor::acosh_, &Tensor::acosh, 1.5, 3},
      {"atanh_", &Tensor::atanh_, &Tensor::atanh, -0.9, 0.9},
      {"floor_", &Tensor::floor_, &Tensor::floor, -2, 2},
      {"ceil_", &Tensor::ceil_, &Tensor::ceil, -2, 2},
      {"round_", &Tensor::round_, &Tensor::round, -2, 2},
      {"trunc_", &Tensor::trunc_, &Tensor::trunc, -2, 2},
      {"frac_", &Tensor::frac_, &Tensor::frac, -2, 2},
      {"sign_", &Tensor::sign_, &Tensor::sign, -2, 2},
  };
  for (const Case& op : cases) {
    SCOPED_TRACE(op.name);
    manual_seed(3);
    Tensor x = (rand({4, 5}, dtype(kDouble)) * (op.hi - op.lo) + op.lo);
    // No graph: into the same storage, also through strides.
    Tensor y = x.clone();
    const void* data = y.data_ptr();
    Tensor& r = (y.*op.inplace)();
    EXPECT_EQ(&r, &y);
    EXPECT_EQ(y.data_ptr(), data);
    EXPECT_TRUE(y.equal((x.*op.out_of_place)()));
    Tensor column = x.t().clone().t();
    (column.*op.inplace)();
    EXPECT_TRUE(column.equal((x.*op.out_of_place)()));
    // In the graph: values and gradients of sum(f(2x)^2) as the out-of-place op's.
    Tensor leaf = x.clone().requires_grad_();
    Tensor h = leaf * 0.5 + leaf * 0.5;  // x, in the graph
    (h.*op.inplace)();
    Tensor expected = (leaf.*op.out_of_place)();
    EXPECT_TRUE(h.allclose(expected, 1e-14, 1e-15));
    Tensor g = autograd::grad({(h * h).sum()}, {leaf})[0];
    Tensor want = autograd::grad({(expected * expected).sum()}, {leaf})[0];
    EXPECT_TRUE(g.allclose(want, 1e-12, 1e-14));
    // A leaf that requires grad is rejected, as in PyTorch.
    EXPECT_THROW((leaf.*op.inplace)(), Error);
  }
  // The free forms, LibTorch's torch::sin_(x), ...
  Tensor a = tensor({0.5, 1.0}, dtype(kDouble));
  Tensor b = a.clone();
  EXPECT_TRUE(nabla::sin_(b).equal(a.sin()));
  b = a.clone();
  EXPECT_TRUE(nabla::log1p_(b).equal(a.log1p()));
  b = a.clone();
  EXPECT_TRUE(nabla::clamp_max_(b, 0.7).equal(a.clamp_max(0.7)));
  EXPECT_TRUE(a.clone().clamp_min_(0.7).equal(a.clamp_min(0.7)));
  EXPECT_TRUE(a.clone().clip_(0.6, 0.8).equal(clip(a, 0.6, 0.8)));
  // A float result does not fit an integer tensor; a whole one does.
  Tensor ints = tensor({-2, 3});
  EXPECT_THROW(ints.sin_(), Error);
  EXPECT_TRUE(ints.abs_().equal(tensor({2, 3})));
  EXPECT_TRUE(ints.floor_().equal(tensor({2, 3})));
}

TEST(InPlace, OpsWriteIntoStorage) {
  Tensor a = ones({2, 2});
  float* p = a.data_ptr<float>();
  a.add_(1).mul_(3).sub_(tensor({1.0f, 2.0f})).div_(2);
  EXPECT_EQ(a.data_ptr<float>(), p);
  EXPECT_EQ(a[0][1].item<float>(), 2.0f);  // ((1 + 1) * 3 - 2) / 2
  a.zero_();
  EXPECT_EQ(a.sum().item<float>(), 0.0f);
  a.fill_(2).clamp_(0, 1);
  EXPECT_EQ(a[1][1].item<float>(), 1.0f);
  a.copy_(tensor({5.0, 6.0}, dtype(kFloat64)));
  EXPECT_EQ(a[1][1].item<float>(), 6.0f);
  EXPECT_EQ(a._version(), 8u);
  Tensor i = tensor({1, 2});
  EXPECT_TRUE(contains(error_of([&] { i.add_(1.5); }), "can't be cast"));
  EXPECT_TRUE(contains(error_of([&] { a.add_(ones({3, 2, 2})); }), "doesn't match"));
}

TEST(Devices, CpuOnlyBuildSaysSo) {
  EXPECT_EQ(zeros({1}).device(), Device(kCPU));
  EXPECT_EQ(Device("cuda:1").index(), 1);
  EXPECT_TRUE(contains(error_of([] { zeros({1}).to(Device(kCUDA)); }), "without a backend"));
  EXPECT_THROW(Device("tpu"), Error);
  EXPECT_EQ(zeros({1}).cpu().device().str(), "cpu");
}

TEST(Threads, SetAndGet) {
  const int before = get_num_threads();
  set_num_threads(1);
  EXPECT_EQ(get_num_threads(), 1);
  set_num_threads(before);
  EXPECT_THROW(set_num_threads(0), Error);
}

}  // namespace

// Sizes and strides are stored inline up to 6 dims and on the heap beyond: shapes that cross
// that line in both directions keep their values.
TEST(TensorShape, ManyDimsCrossTheInlineLimit) {
  Tensor x = arange(2 * 3 * 1 * 2 * 2 * 1 * 3 * 2, kFloat).reshape({2, 3, 1, 2, 2, 1, 3, 2});
  EXPECT_EQ(x.dim(), 8);
  EXPECT_EQ(x.sizes(), IntArrayRef({2, 3, 1, 2, 2, 1, 3, 2}));
  EXPECT_EQ(x.strides(), IntArrayRef({72, 24, 24, 12, 6, 6, 2, 1}));
  Tensor p = x.permute({7, 6, 5, 4, 3, 2, 1, 0});
  EXPECT_EQ(p.sizes(), IntArrayRef({2, 3, 1, 2, 2, 1, 3, 2}));
  EXPECT_FALSE(p.is_contiguous());
  Tensor c = p.contiguous();
  EXPECT_TRUE(c.is_contiguous());
  EXPECT_TRUE(c.equal(p));
  Tensor s = x.squeeze();  // 8 -> 6 dims: back to inline storage
  EXPECT_EQ(s.sizes(), IntArrayRef({2, 3, 2, 2, 3, 2}));
  EXPECT_EQ(s.strides(), IntArrayRef({72, 24, 12, 6, 2, 1}));
  EXPECT_EQ(s.sum().item<float>(), 143.0f * 144.0f / 2.0f);
  Tensor y = s.reshape({2, 3, 2, 2, 3, 1, 2});  // 6 -> 7 dims
  EXPECT_EQ(y.strides(), IntArrayRef({72, 24, 12, 6, 2, 2, 1}));
  EXPECT_TRUE(y.flatten().equal(x.flatten()));
}

// ---- LibTorch's constness: in-place ops change the data, not the handle ------------------

TEST(TensorConstness, InPlaceOpsWorkThroughConstReferences) {
  auto w = nabla::ones({3}, nabla::requires_grad());
  (w * 2).sum().backward();
  {
    nabla::NoGradGuard no_grad;
    w.grad().zero_();  // grad() is a const Tensor&, as in LibTorch
  }
  EXPECT_TRUE(w.grad().equal(nabla::zeros({3})));
  const nabla::Tensor c = nabla::zeros({2});
  c.add_(1).mul_(3);
  c.fill_(c[0].item<float>() + 1);
  EXPECT_TRUE(c.equal(nabla::full({2}, 4.0)));
  // A copy, not a const&: requires_grad_ returns a reference to the temporary it was called on.
  const nabla::Tensor r = nabla::zeros({2}).requires_grad_();
  EXPECT_TRUE(r.requires_grad());
}

TEST(TensorConstness, AssigningToATemporaryWritesIntoTheData) {
  auto t = nabla::zeros({2, 3});
  t[0] = 5;                     // fill_ on the view
  t[1] = nabla::ones({3}) * 2;  // copy_ into the view
  EXPECT_TRUE(t.equal(nabla::tensor({{5.f, 5.f, 5.f}, {2.f, 2.f, 2.f}})));
  nabla::Tensor handle = t[0];
  handle = nabla::ones({3});  // a named handle is rebound, the data is untouched
  EXPECT_EQ(t[0][0].item<float>(), 5.f);
}

TEST(Where, SelectsExactBitsForEveryDtypeAndBroadcast) {
  // The CPU kernel selects on the bits for floats: NaN, infinities and -0.0 pass unchanged, on
  // either side, with a broadcast scalar, and on a random mask (ReLU's backward).
  const float inf = std::numeric_limits<float>::infinity();
  Tensor c = tensor(std::vector<bool>{true, false, true, false, true});
  Tensor x = tensor(std::vector<float>{NAN, 1.0f, -0.0f, 2.0f, -inf});
  Tensor y = tensor(std::vector<float>{5.0f, NAN, 6.0f, -0.0f, 7.0f});
  Tensor r = where(c, x, y);
  EXPECT_TRUE(std::isnan(r[0].item<float>()));
  EXPECT_TRUE(std::isnan(r[1].item<float>()));
  EXPECT_TRUE(std::signbit(r[2].item<float>()) && r[2].item<float>() == 0.0f);
  EXPECT_TRUE(std::signbit(r[3].item<float>()) && r[3].item<float>() == 0.0f);
  EXPECT_EQ(r[4].item<float>(), -inf);
  for (ScalarType dt : {kFloat, kDouble, kLong, kInt, kBool}) {
    manual_seed(3);
    Tensor g = randn({7, 33}).mul(10).to(dt), m = randn({7, 33}) > 0;
    Tensor out = where(m, g, 0);
    for (int64_t i = 0; i < 7; ++i)
      for (int64_t j = 0; j < 33; ++j) {
        const bool keep = m[i][j].item<bool>();
        EXPECT_EQ(out[i][j].item<double>(), keep ? g[i][j].item<double>() : 0.0) << dt;
      }
  }
}

namespace {
// Values that exercise every branch of IEEE arithmetic: zeros of both signs, subnormals,
// infinities, NaN and ordinary numbers of both signs, cycled to `n` elements.
std::vector<float> awkward_floats(int64_t n, float shift) {
  const float inf = std::numeric_limits<float>::infinity();
  const float tiny = std::numeric_limits<float>::denorm_min();
  const std::vector<float> special{0.0f, -0.0f, tiny, -tiny * 3, inf,
                                   -inf, NAN,   1.0f, -1.0f,     255.0f};
  std::vector<float> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    v[i] = i % 7 == 0 ? special[(i / 7) % special.size()]
                      : std::sin(static_cast<float>(i) * 0.37f + shift) * 1000.0f;
  return v;
}

// The same values as a strided view (every other element of a wider tensor), so that kernels
// take their general strided loop rather than their dense one.
Tensor strided_copy(const Tensor& dense) {
  Tensor wide = zeros({dense.numel(), 2});
  wide.select(1, 0).copy_(dense);
  return wide.select(1, 0);
}

// Bit-for-bit equality, with any NaN equal to any NaN (which operand's NaN an instruction
// passes on is not specified across instruction sets).
void expect_same_floats(const Tensor& got, const Tensor& want, const std::string& what) {
  ASSERT_EQ(got.sizes(), want.sizes()) << what;
  const Tensor g = got.contiguous(), w = want.contiguous();
  const float *gp = g.data_ptr<float>(), *wp = w.data_ptr<float>();
  for (int64_t i = 0; i < g.numel(); ++i) {
    if (std::isnan(gp[i]) && std::isnan(wp[i])) continue;
    uint32_t gb, wb;
    std::memcpy(&gb, gp + i, 4);
    std::memcpy(&wb, wp + i, 4);
    ASSERT_EQ(gb, wb) << what << " at " << i << ": " << gp[i] << " vs " << wp[i];
  }
}
}  // namespace

TEST(Elementwise, DenseFloatLoopsGiveTheStridedLoopsBits) {
  // float32 +, -, *, /, relu, relu's backward and the uint8 cast have dense loops compiled for
  // AVX-512 and AVX2 where the CPU has them; everything else (and any strided operand) goes
  // through the general loop. Both must agree bit for bit, at lengths around the vector widths,
  // and past 32768, from where the dense loop is split evenly over the threads.
  const int saved_threads = get_num_threads();
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    for (int64_t n : {1, 7, 15, 16, 17, 33, 100, 40003, 65536 + 17}) {
      const std::string at = " n=" + std::to_string(n) + " threads=" + std::to_string(threads);
      Tensor a = tensor(awkward_floats(n, 0.0f)), b = tensor(awkward_floats(n, 1.3f));
      Tensor as = strided_copy(a), bs = strided_copy(b);
      const Tensor scalar = tensor(2.5f);
      const std::vector<std::pair<const char*, std::function<Tensor(Tensor, Tensor)>>> ops{
          {"add", [](Tensor x, Tensor y) { return x.add(y); }},
          {"sub", [](Tensor x, Tensor y) { return x.sub(y); }},
          {"mul", [](Tensor x, Tensor y) { return x.mul(y); }},
          {"div", [](Tensor x, Tensor y) { return x.div(y); }}};
      for (const auto& [name, op] : ops) {
        const std::string what = std::string(name) + at;
        expect_same_floats(op(a, b), op(as, bs), what + " tensor, tensor");
        expect_same_floats(op(a, scalar), op(as, scalar), what + " tensor, scalar");
        expect_same_floats(op(scalar, b), op(scalar, bs), what + " scalar, tensor");
        // In place: the output is the first input.
        Tensor inplace = a.clone();
        if (std::string(name) == "add") inplace.add_(b);
        if (std::string(name) == "sub") inplace.sub_(b);
        if (std::string(name) == "mul") inplace.mul_(b);
        if (std::string(name) == "div") inplace.div_(b);
        expect_same_floats(inplace, op(as, bs), what + " in place");
      }
      // where: the dense select (a mask from the bytes of the condition) copies the same bits,
      // NaN payloads and -0 included, with a tensor or one element on either side.
      const Tensor cond = a > b, conds = strided_copy(cond.to(kFloat)).to(kBool);
      expect_same_floats(where(cond, a, b), where(conds, as, bs), "where" + at);
      expect_same_floats(where(cond, a, scalar), where(conds, as, scalar), "where, scalar" + at);
      expect_same_floats(where(cond, scalar, b), where(conds, scalar, bs), "where scalar" + at);
      expect_same_floats(where(cond, a, -0.0), where(conds, as, -0.0), "where -0" + at);
      // The exact results: one rounding of the exact value (float -> double is exact, and
      // double's 53 bits make a second rounding harmless for +, -, * and /).
      Tensor q = a.div(b);
      for (int64_t i = 0; i < n; i += 1 + n / 64) {
        const double want = static_cast<double>(a[i].item<float>()) / b[i].item<float>();
        const float got = q[i].item<float>();
        if (!std::isnan(want)) {
          EXPECT_EQ(got, static_cast<float>(want)) << "div at " << i << at;
        }
      }
      expect_same_floats(a.relu(), as.relu(), "relu" + at);

      Tensor x = a.clone().requires_grad_(true), xs = a.clone().requires_grad_(true);
      x.relu().backward(b);
      xs.relu().backward(bs);
      expect_same_floats(x.grad(), xs.grad(), "relu backward" + at);

      std::vector<uint8_t> bytes(static_cast<size_t>(n));
      for (int64_t i = 0; i < n; ++i) bytes[i] = static_cast<uint8_t>(i * 37 + 11);
      Tensor u = tensor(bytes).to(kUInt8);
      Tensor f = u.to(kFloat);
      expect_same_floats(f, strided_copy(u.to(kInt32)).to(kFloat), "uint8 -> float32" + at);
      for (int64_t i = 0; i < n; i += 1 + n / 64)
        EXPECT_EQ(f[i].item<float>(), static_cast<float>(bytes[i])) << at;
    }
  }
  set_num_threads(saved_threads);
}
