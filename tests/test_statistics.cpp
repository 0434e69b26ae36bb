// Special functions, searching and counting, statistics and index sets: values and edge cases
// as PyTorch 1.13 gives them (printed by python3-torch), and errors. Gradients and forward
// values on generic inputs are the op table's (tests/op_db.cpp).
#include <gtest/gtest.h>
#include <nabla/nabla.h>

#include <cmath>
#include <limits>
#include <vector>

#include "test_util.h"

using namespace nabla;
using nabla::test_util::contains;
using nabla::test_util::error_of;

namespace {

std::vector<double> values(const Tensor& t) {
  const Tensor flat = t.to(kFloat64).contiguous().reshape({-1});
  std::vector<double> v;
  for (int64_t i = 0; i < flat.numel(); ++i) v.push_back(flat.data_ptr<double>()[i]);
  return v;
}
std::vector<int64_t> ints(const Tensor& t) {
  const Tensor flat = t.to(kInt64).contiguous().reshape({-1});
  return std::vector<int64_t>(flat.data_ptr<int64_t>(), flat.data_ptr<int64_t>() + flat.numel());
}
Tensor f32(std::vector<float> v) { return tensor(v); }
Tensor i64(std::vector<int64_t> v) { return tensor(v); }
Tensor f64(std::vector<double> v) { return tensor(v, dtype(kFloat64)); }
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

}  // namespace

TEST(Special, GammaFamilyAtPolesAndNegatives) {
  // torch.lgamma(torch.tensor([-2.5, -2., 0., 1.5, 100.]))
  const std::vector<double> lg = values(lgamma(f64({-2.5, -2.0, 0.0, 1.5, 100.0})));
  EXPECT_NEAR(lg[0], -5.62437164976740470e-02, 1e-15);
  EXPECT_EQ(lg[1], kInf);
  EXPECT_EQ(lg[2], kInf);
  EXPECT_NEAR(lg[3], -1.20782237635245218e-01, 1e-15);
  EXPECT_NEAR(lg[4], 3.59134205369575398e+02, 1e-11);
  // digamma(+0) = -inf, digamma(-0) = +inf, NaN at negative integers.
  const std::vector<double> dg = values(digamma(f64({0.0, -0.0, -2.0, -2.5, 1.0})));
  EXPECT_EQ(dg[0], -kInf);
  EXPECT_EQ(dg[1], kInf);
  EXPECT_TRUE(std::isnan(dg[2]));
  EXPECT_NEAR(dg[3], 1.10315664064524332, 1e-14);
  EXPECT_NEAR(dg[4], -0.57721566490153275, 1e-15);
  const std::vector<double> pg = values(polygamma(3, f64({0.5, -1.5, 2.0})));
  EXPECT_NEAR(pg[0], 97.40909103400241520, 1e-11);
  EXPECT_NEAR(pg[1], 194.59427621918757723, 1e-11);
  EXPECT_NEAR(pg[2], 0.49393940226682931, 1e-14);
  EXPECT_EQ(values(polygamma(1, f64({0.0})))[0], kInf);
  // Integers compute in float32; polygamma(0) is digamma.
  EXPECT_EQ(lgamma(i64({1, 2})).scalar_type(), kFloat32);
  EXPECT_TRUE(equal(polygamma(0, f32({1, 2})), digamma(f32({1, 2}))));
  EXPECT_TRUE(equal(special::psi(f32({3})), digamma(f32({3}))));
  EXPECT_TRUE(equal(special::gammaln(f32({3})), lgamma(f32({3}))));
  EXPECT_TRUE(contains(error_of([] { polygamma(-1, f32({1})); }), "[polygamma] n must be"));
}

TEST(Special, InPlaceForms) {
  Tensor x = f32({1.5f, 2.5f});
  const Tensor expected = x.digamma();
  x.digamma_();
  EXPECT_TRUE(equal(x, expected));
  Tensor y = f32({1.5f, 2.5f});
  y.polygamma_(2);
  EXPECT_TRUE(equal(y, polygamma(2, f32({1.5f, 2.5f}))));
  Tensor ints = i64({1, 2});
  EXPECT_FALSE(error_of([&] { ints.lgamma_(); }).empty());  // float result into int64
  Tensor base = f32({2});
  EXPECT_TRUE(contains(error_of([&] { base.float_power_(2); }),
                       "the base given to float_power_ has dtype float32"));
  Tensor d = f64({2.0, 3.0});
  d.float_power_(2);
  EXPECT_EQ(values(d), (std::vector<double>{4, 9}));
}

TEST(Special, LogitSincCopysignAsPyTorch) {
  // A negative eps is no eps.
  const std::vector<double> lo = values(logit(f32({0, 0.3f, 1}), -1.0));
  EXPECT_EQ(lo[0], -kInf);
  EXPECT_NEAR(lo[1], -0.8472979, 1e-6);
  EXPECT_EQ(lo[2], kInf);
  EXPECT_EQ(values(logit(f32({0, 1}), 0.25)), values(logit(f32({0.25f, 0.75f}))));
  EXPECT_EQ(logit(i64({0, 1})).scalar_type(), kFloat32);
  EXPECT_EQ(values(sinc(i64({0}))), std::vector<double>{1.0});
  // The gradient at 0 is 0 (no NaN from the discarded 0 / 0).
  Tensor z = f64({0.0}).requires_grad_();
  sinc(z).sum().backward();
  EXPECT_EQ(values(z.grad()), std::vector<double>{0.0});
  // copysign reads the sign bit: -0.0 is negative; integers give float32.
  const Tensor c = copysign(i64({1, 2}), f64({-0.0, 0.0}));
  EXPECT_EQ(c.scalar_type(), kFloat64);
  EXPECT_EQ(values(c), (std::vector<double>{-1, 2}));
  EXPECT_EQ(values(f32({1, 2}).copysign(-0.0)), (std::vector<double>{-1, -2}));
  EXPECT_EQ(values(signbit(f64({-0.0, 0.0, -1.0}))), (std::vector<double>{1, 0, 1}));
  EXPECT_EQ(values(signbit(i64({-1, 2}))), (std::vector<double>{1, 0}));
  EXPECT_EQ(signbit(i64({-1})).scalar_type(), kBool);
  // copysign's gradient to self: sign(self) times the chosen sign, 0 at 0.
  Tensor a = f64({2.0, -3.0, 0.0}).requires_grad_();
  copysign(a, f64({-1.0, -1.0, -1.0})).sum().backward();
  EXPECT_EQ(values(a.grad()), (std::vector<double>{-1, 1, 0}));
}

TEST(Special, FloatPowerAndLdexpDtypes) {
  const Tensor p = float_power(i64({2, 3}), 2);
  EXPECT_EQ(p.scalar_type(), kFloat64);
  EXPECT_EQ(values(p), (std::vector<double>{4, 9}));
  EXPECT_EQ(float_power(2, i64({1, 2})).scalar_type(), kFloat64);
  EXPECT_EQ(f32({2}).float_power(f32({0.5f})).scalar_type(), kFloat64);
  const Tensor l = ldexp(i64({1, 2}), i64({1, 2}));
  EXPECT_EQ(l.scalar_type(), kFloat32);
  EXPECT_EQ(values(l), (std::vector<double>{2, 8}));
  EXPECT_EQ(ldexp(f64({1.0}), i64({3})).scalar_type(), kFloat64);
}

TEST(Special, SpecialNamespace) {
  EXPECT_NEAR(values(special::ndtr(f64({0.0, 1.0})))[1], 0.84134474606854304, 1e-15);
  // The left tail keeps its digits (mpmath's ncdf(-9), ncdf(-30)), up to the rounding of x /
  // sqrt 2, which the tail magnifies x^2 times (as in PyTorch's ndtr).
  const std::vector<double> tail = values(special::ndtr(f64({-9.0, -30.0})));
  EXPECT_NEAR(tail[0], 1.1285884059538405e-19, 1e-13 * 1.1285884059538405e-19);
  EXPECT_NEAR(tail[1], 4.9067139271481872e-198, 2e-13 * 4.9067139271481872e-198);
  const std::vector<double> e = values(special::entr(f64({0.0, -1.0, 0.5, kNaN})));
  EXPECT_EQ(e[0], 0.0);
  EXPECT_EQ(e[1], -kInf);
  EXPECT_NEAR(e[2], 0.34657359027997264, 1e-15);
  EXPECT_TRUE(std::isnan(e[3]));
  // multigammaln(2.5, 3) = lgamma(2.5) + lgamma(2) + lgamma(1.5) + 3/2 log(pi)
  const double expect =
      std::lgamma(2.5) + std::lgamma(2.0) + std::lgamma(1.5) + 1.5 * std::log(M_PI);
  EXPECT_NEAR(values(special::multigammaln(f64({2.5}), 3))[0], expect, 1e-12);
  EXPECT_TRUE(contains(error_of([] { special::multigammaln(f64({0.9}), 3); }),
                       "[multigammaln] all elements must be greater than (p-1)/2"));
  EXPECT_TRUE(equal(special::expit(f32({0.5f})), f32({0.5f}).sigmoid()));
  // xlog1py: 0 where x is 0, even at y = -1 (log1p's -inf); NaN in y stays; gradients 0 there.
  const Tensor x = f64({0.0, 0.0, 3.0, 2.0}).requires_grad_();
  const Tensor y = f64({-1.0, kNaN, 1.0, -1.0}).requires_grad_();
  const Tensor r = special::xlog1py(x, y);
  const std::vector<double> rv = values(r);
  EXPECT_EQ(rv[0], 0.0);
  EXPECT_TRUE(std::isnan(rv[1]));
  EXPECT_DOUBLE_EQ(rv[2], 3 * std::log(2.0));
  EXPECT_EQ(rv[3], -kInf);
  const std::vector<Tensor> d = autograd::grad({r.narrow(0, 0, 1).sum()}, {x, y});
  EXPECT_EQ(values(d[0])[0], 0.0);
  EXPECT_EQ(values(d[1])[0], 0.0);
  EXPECT_DOUBLE_EQ(values(special::xlog1py(f64({2.0}), 3.0))[0], 2 * std::log(4.0));
  EXPECT_DOUBLE_EQ(values(special::xlog1py(2.0, f64({3.0})))[0], 2 * std::log(4.0));
  EXPECT_EQ(special::xlog1py(i64({1}), i64({1})).scalar_type(), kFloat32);
  EXPECT_TRUE(contains(error_of([] { special::xlog1py(Tensor(), f64({1.0})); }),
                       "[xlog1py] got an undefined tensor"));
}

TEST(Special, BesselErfcxNdtrTails) {
  // Reference values from mpmath at 40 digits: besseli(0, x), exp(-|x|) besseli(0, x), ...
  const auto near = [](double got, double want) {
    EXPECT_NEAR(got, want, 4e-15 * std::fabs(want));
  };
  const std::vector<double> a = values(i0(f64({0, 1, -7.5, 8.5, 30, 800, kInf, -kInf, kNaN})));
  EXPECT_EQ(a[0], 1.0);
  near(a[1], 1.26606587775200841);
  near(a[2], 2.68161311515189368e+02);
  near(a[3], 6.83161926990115603e+02);
  near(a[4], 7.81672297823977539e+11);
  EXPECT_EQ(a[5], kInf);  // I0 overflows above ~713
  EXPECT_EQ(a[6], kInf);
  EXPECT_EQ(a[7], kInf);
  EXPECT_TRUE(std::isnan(a[8]));
  const std::vector<double> b = values(special::i1(f64({0, 1, -7.5, 8.5, 30, -kInf, kNaN})));
  EXPECT_EQ(b[0], 0.0);
  near(b[1], 5.65159103992485035e-01);
  near(b[2], -2.49584365422688137e+02);
  near(b[3], 6.41619902540066732e+02);
  near(b[4], 7.68532038938957031e+11);
  EXPECT_EQ(b[5], -kInf);
  EXPECT_TRUE(std::isnan(b[6]));
  const std::vector<double> c = values(special::i0e(f64({800, -3, kInf})));
  near(c[0], 1.41069450058691846e-02);
  near(c[1], 2.43000354161825388e-01);
  EXPECT_EQ(c[2], 0.0);
  const std::vector<double> d = values(special::i1e(f64({-800, 3, -kInf})));
  near(d[0], -1.40981254065269974e-02);
  near(d[1], 1.96826713297300865e-01);
  EXPECT_EQ(d[2], 0.0);
  // erfcx = exp(x^2) erfc(x): both sides of 25 (erfc's range, then the asymptotic series).
  const std::vector<double> e =
      values(special::erfcx(f64({0, 1, 24.99, 25, 30, 1e10, -3, -26, -27, kInf, -kInf, kNaN})));
  EXPECT_EQ(e[0], 1.0);
  near(e[1], 4.27583576155806999e-01);
  near(e[2], 2.25585814822938970e-02);
  near(e[3], 2.25495724326413606e-02);
  near(e[4], 1.87958888614167506e-02);
  near(e[5], 5.64189583547756291e-11);
  near(e[6], 1.62059888539995864e+04);
  EXPECT_NEAR(e[7], 7.65772493149056822e+293, 1e-13 * 7.65772493149056822e+293);
  EXPECT_EQ(e[8], kInf);
  EXPECT_EQ(e[9], 0.0);
  EXPECT_EQ(e[10], kInf);
  EXPECT_TRUE(std::isnan(e[11]));
  // log_ndtr: finite far into the left tail (log(ndtr(-40)) would be -inf), both sides of -1.
  const std::vector<double> l = values(special::log_ndtr(f64({-40, -1.0000001, -1, 0, 10})));
  near(l[0], -8.04608442013753802e+02);
  near(l[1], -1.84102179752279516);
  near(l[2], -1.84102164500926357);
  near(l[3], -6.93147180559945286e-01);
  EXPECT_NEAR(l[4], -7.61985302416052545e-24, 1e-13 * 7.61985302416052545e-24);
  // ndtri: exact in the tails, where sqrt(2) erfinv(2p - 1) has no digits left.
  const std::vector<double> q =
      values(special::ndtri(f64({0, 1, 0.5, 1e-300, 1e-20, 0.3, 0.975, 1 - 1e-16, -0.1, 1.5})));
  EXPECT_EQ(q[0], -kInf);
  EXPECT_EQ(q[1], kInf);
  EXPECT_EQ(q[2], 0.0);
  near(q[3], -3.70470962993612005e+01);
  near(q[4], -9.26234008979840695);
  near(q[5], -5.24400512708040778e-01);
  near(q[6], 1.95996398454005383);
  EXPECT_GT(q[7], 8.0);  // 1 - p = 1.1e-16 (the double nearest 1 - 1e-16): 8.2
  EXPECT_TRUE(std::isnan(q[8]));
  EXPECT_TRUE(std::isnan(q[9]));
  // A round trip through ndtr (in the left tail too); near 1/2 (x = 2.8e-16).
  const Tensor p = f64({1e-200, 1e-5, 0.2, 0.7, 0.99999});
  EXPECT_TRUE(allclose(special::ndtr(special::ndtri(p)), p, 1e-12, 0));
  near(values(special::ndtri(f64({0.5 + 1e-16})))[0], 2.78291642467176713e-16);
  // Gradients where the formulas divide by x: I1'(0) = 1/2, and for the scaled form too.
  const Tensor z = f64({0.0, 0.0}).requires_grad_();
  const std::vector<Tensor> g = autograd::grad(
      {special::i1(z.narrow(0, 0, 1)).sum() + special::i1e(z.narrow(0, 1, 1)).sum()}, {z});
  EXPECT_EQ(values(g[0]), (std::vector<double>{0.5, 0.5}));
  // dtypes: float32 stays float32, integers compute in float32; the aliases and methods.
  EXPECT_EQ(special::i1e(f32({1})).scalar_type(), kFloat32);
  EXPECT_EQ(special::ndtri(i64({0})).scalar_type(), kFloat32);
  EXPECT_EQ(special::log_ndtr(i64({0})).scalar_type(), kFloat32);
  EXPECT_NEAR(values(special::i0(f32({1})))[0], 1.2660658777520082, 1e-6);
  EXPECT_TRUE(equal(f32({2}).i0(), i0(f32({2}))));
  Tensor t = f32({2});
  t.i0_();
  EXPECT_TRUE(equal(t, i0(f32({2}))));
  EXPECT_TRUE(contains(error_of([] { special::log_ndtr(Tensor()); }), "[special_log_ndtr]"));
}

TEST(Special, ZetaAsPyTorch) {
  // torch.special.zeta(x, q) with x [3, 1] and q [4] broadcast (float64).
  const Tensor x = f64({1.5, 2.0, 4.0}).reshape({3, 1}), q = f64({0.5, 1.0, 3.0, -1.5});
  const std::vector<double> z = values(special::zeta(x, q));
  const std::vector<double> want = {
      4.776537947554834, 2.612375348685488,  1.2588219580922144,   kNaN,
      4.93480220054468,  1.6449340668482266, 0.39493406684822646,  9.379246644989124,
      16.23484850566707, 1.0823232337111381, 0.019823233711138193, 32.4323793698646};
  ASSERT_EQ(z.size(), want.size());
  for (size_t i = 0; i < z.size(); ++i) {
    if (std::isnan(want[i])) {
      EXPECT_TRUE(std::isnan(z[i])) << i;  // q < 0 not an integer with x not an integer
    } else {
      EXPECT_NEAR(z[i], want[i], 1e-14 * std::fabs(want[i])) << i;
    }
  }
  // x = 1 and the poles of q: +inf; x < 1: NaN.
  const std::vector<double> edge = values(special::zeta(f64({1, 0.5, 2, 2}), f64({1, 1, 0, -2})));
  EXPECT_EQ(edge[0], kInf);
  EXPECT_TRUE(std::isnan(edge[1]));
  EXPECT_EQ(edge[2], kInf);
  EXPECT_EQ(edge[3], kInf);
  // Scalars on either side keep the tensor's dtype; integers compute in float32.
  EXPECT_EQ(special::zeta(f32({2, 3}), 2).scalar_type(), kFloat32);
  EXPECT_NEAR(values(special::zeta(3, f32({1})))[0], 1.2020569031595942, 1e-6);
  EXPECT_EQ(special::zeta(i64({2, 3}), i64({1, 2})).scalar_type(), kFloat32);
  // d/dq = -x zeta(x + 1, q); d/dx is not implemented (as in PyTorch): an error, not a wrong 0.
  const Tensor qg = f64({1.5}).requires_grad_();
  special::zeta(3.0, qg).sum().backward();
  EXPECT_NEAR(values(qg.grad())[0], -3 * values(special::zeta(4.0, f64({1.5})))[0], 1e-14);
  const Tensor xg = f64({3.0}).requires_grad_();
  const Tensor zx = special::zeta(xg, f64({1.5})).sum();
  EXPECT_TRUE(contains(error_of([&] { zx.backward(); }),
                       "[special_zeta] the derivative for 'self' (x) is not implemented"));
  EXPECT_TRUE(equal(special::modified_bessel_i0(f64({1.5})), i0(f64({1.5}))));
  EXPECT_TRUE(equal(special::modified_bessel_i1(f64({1.5})), special::i1(f64({1.5}))));
}

TEST(Search, SearchsortedAsPyTorch) {
  const Tensor seq = f32({1, 2, 2, 3, NAN});
  const Tensor v = f64({2.f, NAN, 0.f, 5.f}).reshape({1, 4});
  // torch.searchsorted(s, v) and right=True
  EXPECT_EQ(ints(searchsorted(seq, v)), (std::vector<int64_t>{1, 5, 0, 5}));
  EXPECT_EQ(ints(searchsorted(seq, v, false, true)), (std::vector<int64_t>{5, 5, 0, 5}));
  EXPECT_EQ(ints(searchsorted(seq, v, false, false, "right")), (std::vector<int64_t>{5, 5, 0, 5}));
  // Integers searched in floats promote.
  // 3 is past the NaN: PyTorch's search treats the NaN at the end as smaller than 3.
  EXPECT_EQ(ints(searchsorted(seq, i64({2, 3}))), (std::vector<int64_t>{1, 5}));
  const Tensor one = searchsorted(i64({1, 3, 5}), 3);
  EXPECT_EQ(one.dim(), 0);
  EXPECT_EQ(one.item<int64_t>(), 1);
  EXPECT_EQ(searchsorted(seq, v, true).scalar_type(), kInt32);
  // Batched rows, and a sorter for an unsorted sequence.
  const Tensor rows = f64({1.f, 3.f, 5.f, 2.f, 4.f, 6.f}).reshape({2, 3});
  EXPECT_EQ(ints(searchsorted(rows, f64({3.f, 3.f}).reshape({2, 1}))),
            (std::vector<int64_t>{1, 1}));
  const Tensor unsorted = f32({5, 1, 3});
  EXPECT_EQ(
      ints(searchsorted(unsorted, f32({2, 4, 6}), false, false, std::nullopt, i64({1, 2, 0}))),
      (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(ints(bucketize(f32({0.5f, 1, 2.5f}), f32({1, 2}))), (std::vector<int64_t>{0, 0, 2}));
  EXPECT_EQ(ints(bucketize(f32({0.5f, 1, 2.5f}), f32({1, 2}), false, true)),
            (std::vector<int64_t>{0, 1, 2}));
}

TEST(Search, SearchsortedErrors) {
  EXPECT_TRUE(contains(error_of([] {
                         searchsorted(f32({1, 2}).reshape({1, 2}), f32({1, 2}));
                       }),
                       "must have the same leading dimensions"));
  EXPECT_TRUE(contains(error_of([] {
                         searchsorted(f32({1, 2}), f32({1}), false, true, "left");
                       }),
                       "side and right can't be set to opposites"));
  EXPECT_TRUE(contains(error_of([] {
                         searchsorted(f32({1, 2}), f32({1}), false, false, "up");
                       }),
                       "side must be"));
  EXPECT_TRUE(
      contains(error_of([] {
                 searchsorted(f32({1, 2}), f32({1}), false, false, std::nullopt, i64({0, 2}));
               }),
               "sorter indices must be in [0, 2)"));
  EXPECT_TRUE(contains(error_of([] {
                         bucketize(f32({1}), f32({1, 2}).reshape({1, 2}));
                       }),
                       "[bucketize] boundaries must be 1-D"));
}

TEST(Search, IsinBincountHistc) {
  EXPECT_EQ(values(isin(i64({1, 2, 3}), f32({2, 5}))), (std::vector<double>{0, 1, 0}));
  EXPECT_EQ(values(isin(f32({1, NAN}), f32({NAN, 1}))), (std::vector<double>{1, 0}));
  EXPECT_EQ(values(isin(i64({1, 2}), i64({2}), false, true)), (std::vector<double>{1, 0}));
  EXPECT_EQ(values(isin(i64({1, 2}), i64({}))), (std::vector<double>{0, 0}));
  EXPECT_EQ(values(isin(i64({1, 2}), 2)), (std::vector<double>{0, 1}));
  EXPECT_EQ(ints(bincount(i64({0, 1, 1, 3}))), (std::vector<int64_t>{1, 2, 0, 1}));
  EXPECT_EQ(bincount(i64({0, 1}), f32({0.5f, 1})).scalar_type(), kFloat32);
  EXPECT_EQ(bincount(i64({0, 1}), f64({0.5, 1.0})).scalar_type(), kFloat64);
  EXPECT_EQ(bincount(i64({0, 1}), i64({1, 2})).scalar_type(), kFloat64);
  EXPECT_EQ(values(bincount(i64({0, 1, 1, 3}), f32({0.5f, 1, 1, 2}))),
            (std::vector<double>{0.5, 2, 0, 2}));
  EXPECT_EQ(ints(bincount(i64({}), std::nullopt, 3)), (std::vector<int64_t>{0, 0, 0}));
  EXPECT_TRUE(contains(error_of([] { bincount(i64({0, -1})); }), "non-negative"));
  EXPECT_TRUE(contains(error_of([] { bincount(f32({0, 1})); }), "integral inputs"));
  // torch.histc(torch.tensor([1., 2, 1, 4, 5]), bins=4, min=0, max=3), then the data's range.
  EXPECT_EQ(values(histc(f32({1, 2, 1, 4, 5}), 4, 0, 3)), (std::vector<double>{0, 2, 1, 0}));
  EXPECT_EQ(values(histc(f32({1, 2, 1, 4, 5}), 4)), (std::vector<double>{2, 1, 0, 2}));
  EXPECT_EQ(values(f32({1, 1, 1}).histc(4)), (std::vector<double>{0, 0, 3, 0}));
  EXPECT_TRUE(contains(error_of([] { histc(i64({1, 2}), 4); }), "[histc]"));
  EXPECT_TRUE(contains(error_of([] { histc(f32({1, 2}), 4, 3, 1); }), "max must be larger"));
  EXPECT_TRUE(contains(error_of([] { histc(f32({1, NAN}), 4); }), "is not finite"));
}

TEST(Statistics, AminmaxAndAnyAllAlongDims) {
  auto [lo, hi] = aminmax(f64({1.f, 5.f, 3.f, 2.f}).reshape({2, 2}), 1);
  EXPECT_EQ(values(lo), (std::vector<double>{1, 2}));
  EXPECT_EQ(values(hi), (std::vector<double>{5, 3}));
  auto [all_lo, all_hi] = f32({4, -1, 7}).aminmax(std::nullopt, true);
  EXPECT_EQ(all_lo.sizes().vec(), std::vector<int64_t>{1});
  EXPECT_EQ(all_hi.item<float>(), 7);
  EXPECT_TRUE(contains(error_of([] { aminmax(f32({})); }), "cannot compute aminmax"));
  const Tensor m = i64({1, 0, 1, 1}).to(kBool).reshape({2, 2});
  EXPECT_EQ(values(m.all(1)), (std::vector<double>{0, 1}));
  EXPECT_EQ(values(m.any(0, true)), (std::vector<double>{1, 1}));
  EXPECT_EQ(m.any(0, true).sizes().vec(), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(tensor(std::vector<int64_t>{0, 2}).to(kUInt8).any(0).scalar_type(), kUInt8);
  Tensor acc = zeros({3});
  acc.index_add_(0, i64({0, 2, 0}), f32({1, 2, 3}));
  EXPECT_EQ(values(acc), (std::vector<double>{4, 0, 2}));
  EXPECT_EQ(values(zeros({2}).index_add(0, i64({1}), f32({1}), 3)), (std::vector<double>{0, 3}));
}

TEST(Statistics, QuantileAsPyTorch) {
  const Tensor x = f32({3, 1, 2, 4, NAN, 1, 0, 2}).reshape({2, 4});
  EXPECT_NEAR(x[0].quantile(0.3).item<float>(), 1.9f, 1e-6);
  const std::vector<double> q = values(quantile(x, 0.5, 1));
  EXPECT_EQ(q[0], 2.5);
  EXPECT_TRUE(std::isnan(q[1]));
  EXPECT_EQ(values(nanquantile(x, 0.5, 1)), (std::vector<double>{2.5, 1}));
  const Tensor qs = f32({0.3f, 0.5f, 0.9f});
  EXPECT_EQ(values(quantile(x[0], qs, std::nullopt, false, "lower")),
            (std::vector<double>{1, 2, 3}));
  EXPECT_EQ(values(quantile(x[0], qs, std::nullopt, false, "higher")),
            (std::vector<double>{2, 3, 4}));
  EXPECT_EQ(values(quantile(x[0], qs, std::nullopt, false, "midpoint")),
            (std::vector<double>{1.5, 2.5, 3.5}));
  EXPECT_EQ(values(quantile(x[0], qs, std::nullopt, false, "nearest")),
            (std::vector<double>{2, 3, 4}));
  EXPECT_EQ(quantile(x, f32({0.25f, 0.5f}), 1, true).sizes().vec(),
            (std::vector<int64_t>{2, 2, 1}));
  EXPECT_EQ(quantile(x[0], f32({0.3f}).reshape({})).dim(), 0);
  EXPECT_EQ(quantile(x, 0.5, std::nullopt, true).sizes().vec(), (std::vector<int64_t>{1, 1}));
  EXPECT_TRUE(contains(error_of([&] { quantile(x, 1.5); }), "q must be in the range [0, 1]"));
  EXPECT_TRUE(contains(error_of([&] { quantile(x, f32({0.5f, 2})); }), "in the range [0, 1]"));
  EXPECT_TRUE(contains(error_of([] { quantile(i64({1, 2}), 0.5); }), "floating point dtype"));
  EXPECT_TRUE(contains(error_of([&] { quantile(x, f64({0.5})); }), "same dtype"));
  EXPECT_TRUE(contains(error_of([&] { quantile(x, 0.5, 1, false, "cubic"); }), "interpolation"));
  EXPECT_TRUE(contains(error_of([] { quantile(f32({}), 0.5); }), "non-empty"));
}

TEST(Statistics, CovCorrcoefTrapezoid) {
  const Tensor a = f64({1.0, 2.0, 4.0, 2.0, 1.0, 0.5}).reshape({2, 3});
  const std::vector<double> c = values(cov(a));
  EXPECT_NEAR(c[0], 2.3333333333333335, 1e-15);
  EXPECT_NEAR(c[1], -1.0833333333333333, 1e-15);
  EXPECT_NEAR(c[3], 0.58333333333333337, 1e-15);
  // torch.cov(a, correction=0, fweights=[1, 2, 1], aweights=[.5, 1, 2])
  const std::vector<double> w = values(cov(a, 0, i64({1, 2, 1}), f64({0.5, 1.0, 2.0})));
  EXPECT_NEAR(w[0], 1.2840, 1e-4);
  EXPECT_NEAR(w[1], -0.4691, 1e-4);
  EXPECT_NEAR(w[3], 0.2099, 1e-4);
  EXPECT_EQ(cov(i64({1, 2, 4})).scalar_type(), kFloat32);
  EXPECT_NEAR(cov(i64({1, 2, 4})).item<float>(), 2.3333333f, 1e-6);
  EXPECT_NEAR(values(corrcoef(a))[1], -0.9285714, 1e-6);
  EXPECT_TRUE(contains(error_of([&] { cov(a, 1, f32({1, 2, 1})); }), "integral dtype"));
  EXPECT_TRUE(contains(error_of([&] { cov(a, 1, i64({1, -2, 1})); }), "cannot be negative"));
  EXPECT_TRUE(contains(error_of([&] { cov(a, 1, i64({1, 2})); }), "same numel"));
  EXPECT_TRUE(contains(error_of([] { cov(zeros({1, 2, 3})); }), "two or fewer dimensions"));
  // trapezoid: integers give float, x spacing, constant spacing.
  EXPECT_EQ(values(trapezoid(i64({1, 2, 3, 4}).reshape({2, 2}))), (std::vector<double>{1.5, 3.5}));
  EXPECT_EQ(values(trapezoid(f32({1, 2, 4}), f32({0, 1, 3}))), (std::vector<double>{7.5}));
  EXPECT_EQ(values(trapezoid(f32({1, 2, 4}), 2)), (std::vector<double>{9}));
  EXPECT_EQ(values(cumulative_trapezoid(f32({1, 2, 4}))), (std::vector<double>{1.5, 4.5}));
  EXPECT_EQ(values(trapz(f32({1, 2, 4}), 2.0)), (std::vector<double>{9}));
  EXPECT_EQ(trapezoid(zeros({2, 0}), 1).sizes().vec(), std::vector<int64_t>{2});
  EXPECT_TRUE(contains(error_of([] {
                         trapezoid(f32({1, 2}), f32({1, 2, 3}));
                       }),
                       "one `x` value for each sample point"));
  EXPECT_EQ(values(msort(f32({3, 1, 2}))), (std::vector<double>{1, 2, 3}));
}

TEST(Combinatorics, IndicesAndCombinations) {
  EXPECT_EQ(ints(tril_indices(3, 4, 1)),
            (std::vector<int64_t>{0, 0, 1, 1, 1, 2, 2, 2, 2, 0, 1, 0, 1, 2, 0, 1, 2, 3}));
  EXPECT_EQ(ints(triu_indices(3, 3, -1)),
            (std::vector<int64_t>{0, 0, 0, 1, 1, 1, 2, 2, 0, 1, 2, 0, 1, 2, 1, 2}));
  EXPECT_EQ(tril_indices(0, 3).sizes().vec(), (std::vector<int64_t>{2, 0}));
  EXPECT_EQ(tril_indices(3, 3, -5).sizes().vec(), (std::vector<int64_t>{2, 0}));
  EXPECT_EQ(tril_indices(2, 2, 0, kInt).scalar_type(), kInt32);
  EXPECT_TRUE(contains(error_of([] { tril_indices(-1, 2); }), "row must be non-negative"));
  EXPECT_EQ(ints(combinations(i64({1, 2, 3}))), (std::vector<int64_t>{1, 2, 1, 3, 2, 3}));
  EXPECT_EQ(ints(combinations(i64({1, 2, 3}), 2, true)),
            (std::vector<int64_t>{1, 1, 1, 2, 1, 3, 2, 2, 2, 3, 3, 3}));
  EXPECT_EQ(combinations(i64({1, 2}), 3).sizes().vec(), (std::vector<int64_t>{0, 3}));
  EXPECT_EQ(combinations(i64({1, 2}), 0).sizes().vec(), (std::vector<int64_t>{0}));
  EXPECT_EQ(ints(cartesian_prod({i64({1, 2}), i64({3, 4, 5})})),
            (std::vector<int64_t>{1, 3, 1, 4, 1, 5, 2, 3, 2, 4, 2, 5}));
  EXPECT_EQ(ints(cartesian_prod({i64({1, 2})})), (std::vector<int64_t>{1, 2}));
  EXPECT_TRUE(contains(error_of([] { combinations(zeros({2, 2})); }), "expect a 1D vector"));
  const Tensor b = block_diag({i64({1, 2}).reshape({1, 2}), tensor(3.0), i64({4, 5})});
  EXPECT_EQ(b.scalar_type(), kFloat32);
  EXPECT_EQ(b.sizes().vec(), (std::vector<int64_t>{3, 5}));
  EXPECT_EQ(values(b), (std::vector<double>{1, 2, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 4, 5}));
  EXPECT_TRUE(contains(error_of([] {
                         block_diag({zeros({1, 1, 1})});
                       }),
                       "must have 2 or fewer dimensions"));
}
