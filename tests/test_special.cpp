// torch.special's functions without a gradient: the Bessel functions J0, J1, Y0, Y1, K0, K1
// (and exp(x) K0, exp(x) K1), the spherical j0, and the orthogonal polynomials; and the
// incomplete gamma functions' values (their gradient in x is a row of the op table). Values against
// mpmath at 50 digits and against PyTorch (tests/data/special_fixtures.json, written by
// scripts/make_special_fixtures.py), then the edges, dtypes and errors. (The differentiable
// special functions are rows of the op table, tests/op_db.cpp.)
#include <gtest/gtest.h>
#include <nabla/nabla.h>
#include <nabla/special.h>

#include <cmath>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "test_util.h"

namespace {

using nabla::Tensor;
using nabla::test_util::contains;
using nabla::test_util::error_of;
namespace special = nabla::special;

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

const nlohmann::json& fixtures() {
  static const nlohmann::json j = [] {
    std::ifstream in(NABLA_TEST_DATA_DIR "/special_fixtures.json");
    return nlohmann::json::parse(in);
  }();
  return j;
}

Tensor f64(const std::vector<double>& v) {
  return nabla::tensor(v, nabla::TensorOptions().dtype(nabla::kFloat64));
}
std::vector<double> values(const Tensor& t) {
  const Tensor c = t.to(nabla::kFloat64).contiguous();
  const double* p = c.data_ptr<double>();
  return std::vector<double>(p, p + c.numel());
}

using Unary = std::function<Tensor(const Tensor&)>;
using Binary = std::function<Tensor(const Tensor&, const Tensor&)>;

const std::map<std::string, Unary>& unary_functions() {
  static const std::map<std::string, Unary> m = {
      {"bessel_j0", [](const Tensor& x) { return special::bessel_j0(x); }},
      {"bessel_j1", [](const Tensor& x) { return special::bessel_j1(x); }},
      {"bessel_y0", [](const Tensor& x) { return special::bessel_y0(x); }},
      {"bessel_y1", [](const Tensor& x) { return special::bessel_y1(x); }},
      {"modified_bessel_k0", [](const Tensor& x) { return special::modified_bessel_k0(x); }},
      {"modified_bessel_k1", [](const Tensor& x) { return special::modified_bessel_k1(x); }},
      {"scaled_modified_bessel_k0",
       [](const Tensor& x) { return special::scaled_modified_bessel_k0(x); }},
      {"scaled_modified_bessel_k1",
       [](const Tensor& x) { return special::scaled_modified_bessel_k1(x); }},
      {"spherical_bessel_j0", [](const Tensor& x) { return special::spherical_bessel_j0(x); }},
      {"airy_ai", [](const Tensor& x) { return special::airy_ai(x); }},
  };
  return m;
}

const std::map<std::string, Binary>& polynomials() {
  static const std::map<std::string, Binary> m = {
#define NABLA_ROW(fn)                                                       \
  {                                                                         \
#fn, [](const Tensor& x, const Tensor& n) { return special::fn(x, n); } \
  }
      NABLA_ROW(chebyshev_polynomial_t),         NABLA_ROW(chebyshev_polynomial_u),
      NABLA_ROW(chebyshev_polynomial_v),         NABLA_ROW(chebyshev_polynomial_w),
      NABLA_ROW(shifted_chebyshev_polynomial_t), NABLA_ROW(shifted_chebyshev_polynomial_u),
      NABLA_ROW(shifted_chebyshev_polynomial_v), NABLA_ROW(shifted_chebyshev_polynomial_w),
      NABLA_ROW(hermite_polynomial_h),           NABLA_ROW(hermite_polynomial_he),
      NABLA_ROW(laguerre_polynomial_l),          NABLA_ROW(legendre_polynomial_p),
#undef NABLA_ROW
  };
  return m;
}

std::vector<double> numbers(const nlohmann::json& j) { return j.get<std::vector<double>>(); }

TEST(Special, BesselFunctionsAgainstMpmathAndPyTorch) {
  ASSERT_EQ(fixtures()["unary"].size(), unary_functions().size());
  for (const auto& [name, f] : unary_functions()) {
    const nlohmann::json& row = fixtures()["unary"][name];
    const std::vector<double> x = numbers(row["x"]), exact = numbers(row["mpmath"]),
                              torch = numbers(row["torch"]);
    const std::vector<double> got = values(f(f64(x)));
    ASSERT_EQ(got.size(), x.size()) << name;
    // PyTorch 1.13's J and Y (Cephes' rational approximations, cos(x - pi/4) taken as written)
    // keep only 6-7 digits between 3 and 10 and from 1e10 on; its K and j0 are exact.
    const bool j_or_y = name.rfind("bessel_", 0) == 0, airy = name == "airy_ai";
    for (size_t i = 0; i < x.size(); ++i) {
      // Near the zeros of J, Y and Ai the error is absolute (the C library's J: below 1.4e-16);
      // Ai's, below 0, relative to its envelope 1 / (sqrt(pi) |x|^(1/4)).
      const double envelope = x[i] < -1 ? 0.5642 / std::sqrt(std::sqrt(-x[i])) : 0.5642;
      EXPECT_NEAR(got[i], exact[i],
                  2e-14 * std::fabs(exact[i]) + (j_or_y ? 3e-16
                                                 : airy ? 2e-15 * envelope
                                                        : 0))
          << name << "(" << x[i] << ")";
      // PyTorch's Ai (Cephes) is 6.6e-7 off at -2.3381 and carries zeta = 2/3 |x|^(3/2) in one
      // double: at -1e6 its phase is 1e-6 off, at -1e10 it has no digit left.
      if (airy && x[i] < -1e5) continue;
      EXPECT_NEAR(got[i], torch[i],
                  (j_or_y ? 4e-6
                   : airy ? 1e-12
                          : 2e-14) *
                          std::fabs(torch[i]) +
                      (airy ? 1e-6 : 1e-15))
          << name << "(" << x[i] << ") against PyTorch";
    }
  }
}

TEST(Special, OrthogonalPolynomialsAgainstMpmathAndPyTorch) {
  ASSERT_EQ(fixtures()["polynomial"].size(), polynomials().size());
  for (const auto& [name, f] : polynomials()) {
    const nlohmann::json& row = fixtures()["polynomial"][name];
    const std::vector<double> x = numbers(row["x"]), n = numbers(row["n"]),
                              exact = numbers(row["mpmath"]), torch = numbers(row["torch"]);
    const std::vector<double> got = values(f(f64(x), f64(n)));
    ASSERT_EQ(got.size(), x.size()) << name;
    for (size_t i = 0; i < x.size(); ++i) {
      // p_n is evaluated to within ten ulps of max(1, |p_n|) per degree: the recurrences'
      // rounding grows with n, and so does the closed forms' (n acos x carries n times acos
      // x's rounding: V_17(-1/2), exactly 1, is 1 + 1.2e-14 in PyTorch and here).
      const double scale = std::max(1.0, std::fabs(exact[i])) * std::max(1.0, n[i]);
      EXPECT_NEAR(got[i], exact[i], 2e-15 * scale) << name << "(" << x[i] << ", " << n[i] << ")";
      EXPECT_NEAR(got[i], torch[i], 1e-14 * scale)
          << name << "(" << x[i] << ", " << n[i] << ") against PyTorch";
    }
  }
}

TEST(Special, BesselEdges) {
  const auto all_nan = [](const std::vector<double>& v) {
    for (double d : v)
      if (!std::isnan(d)) return false;
    return true;
  };
  // J at 0 and at +-inf (their limit, 0; PyTorch 1.13 gives NaN there), NaN through.
  EXPECT_EQ(values(special::bessel_j0(f64({0.0, kInf, -kInf}))), (std::vector<double>{1, 0, 0}));
  EXPECT_EQ(values(special::bessel_j1(f64({0.0, kInf}))), (std::vector<double>{0, 0}));
  EXPECT_TRUE(all_nan(values(special::bessel_j0(f64({kNaN})))));
  // Y: -inf at +-0, NaN below 0, 0 at +inf.
  EXPECT_EQ(values(special::bessel_y0(f64({0.0, -0.0, kInf}))),
            (std::vector<double>{-kInf, -kInf, 0}));
  EXPECT_EQ(values(special::bessel_y1(f64({0.0}))), (std::vector<double>{-kInf}));
  EXPECT_TRUE(all_nan(values(special::bessel_y0(f64({-1.0, -kInf, kNaN})))));
  EXPECT_TRUE(all_nan(values(special::bessel_y1(f64({-1e-300})))));
  // K: +inf at +-0, NaN below, 0 where exp(-x) underflows; the scaled forms stay finite.
  EXPECT_EQ(values(special::modified_bessel_k0(f64({0.0, -0.0, 800, kInf}))),
            (std::vector<double>{kInf, kInf, 0, 0}));
  EXPECT_EQ(values(special::modified_bessel_k1(f64({0.0, 800}))), (std::vector<double>{kInf, 0}));
  EXPECT_TRUE(all_nan(values(special::modified_bessel_k0(f64({-1.0, kNaN})))));
  EXPECT_TRUE(all_nan(values(special::scaled_modified_bessel_k1(f64({-2.0})))));
  const std::vector<double> k0e = values(special::scaled_modified_bessel_k0(f64({800, kInf})));
  EXPECT_NEAR(k0e[0], 4.43044274866460124e-2, 1e-17);  // mpmath
  EXPECT_EQ(k0e[1], 0.0);
  // sin(x) / x: 1 at 0, 0 at +-inf.
  EXPECT_EQ(values(special::spherical_bessel_j0(f64({0.0, kInf, -kInf}))),
            (std::vector<double>{1, 0, 0}));
  // Ai: 0 at +-inf (PyTorch 1.13: NaN), NaN through, both sides of its joints at -8 and 1 meet.
  const std::vector<double> ai = values(special::airy_ai(f64({kInf, -kInf, kNaN, 200})));
  EXPECT_EQ(ai[0], 0.0);
  EXPECT_EQ(ai[1], 0.0);
  EXPECT_TRUE(std::isnan(ai[2]));
  EXPECT_EQ(ai[3], 0.0);
  for (double joint : {-8.0, 1.0}) {
    const std::vector<double> near = values(
        special::airy_ai(f64({std::nextafter(joint, -kInf), joint, std::nextafter(joint, kInf)})));
    // One ulp of x moves Ai by |Ai'| ulp: 1.7e-15 at -8, 3.5e-17 at 1.
    EXPECT_NEAR(near[0], near[1], 2.5e-15) << joint;
    EXPECT_NEAR(near[2], near[1], 2.5e-15) << joint;
  }
  // Both sides of the series' joint at 2 meet (K0 and K1 are smooth there).
  const std::vector<double> k = values(special::modified_bessel_k0(f64({2 - 1e-15, 2, 2 + 1e-15})));
  EXPECT_NEAR(k[0], k[1], 1e-15);
  EXPECT_NEAR(k[2], k[1], 1e-15);
}

TEST(Special, PolynomialEdgesAndLargeDegrees) {
  using special::chebyshev_polynomial_t, special::hermite_polynomial_h;
  // Negative degrees give 0, fractional ones are truncated, NaN goes through.
  EXPECT_EQ(values(chebyshev_polynomial_t(f64({0.3, 0.3, 0.5}), f64({-1, -7.5, 2.9}))),
            (std::vector<double>{0, 0, -0.5}));
  const std::vector<double> nan_in =
      values(special::legendre_polynomial_p(f64({kNaN, 0.5}), f64({3, kNaN})));
  EXPECT_TRUE(std::isnan(nan_in[0]) && std::isnan(nan_in[1]));
  // At +-inf, the leading term's limit: T_3(-inf) = -inf, T_4(-inf) = +inf, L_3(+inf) = -inf.
  EXPECT_EQ(values(chebyshev_polynomial_t(f64({-kInf, -kInf, kInf}), f64({3, 4, 0}))),
            (std::vector<double>{-kInf, kInf, 1}));
  EXPECT_EQ(values(special::laguerre_polynomial_l(f64({kInf, -kInf}), f64({3, 3}))),
            (std::vector<double>{-kInf, kInf}));
  // Chebyshev's closed forms beyond the recurrence: T_n(cos t) = cos(n t) for any n, at once.
  const double t = 0.3;
  const std::vector<double> big =
      values(chebyshev_polynomial_t(f64({std::cos(t), std::cos(t)}), f64({1000, 1e6})));
  EXPECT_NEAR(big[0], std::cos(1000 * t), 1e-11);
  EXPECT_NEAR(big[1], std::cos(1e6 * t), 1e-8);
  // U_n(x) at |x| > 1 grows as sinh((n + 1) a) / sinh(a), a = acosh x: overflow, not a loop.
  const std::vector<double> u = values(special::chebyshev_polynomial_u(f64({1.5, -1.5}), 1e12));
  EXPECT_EQ(u[0], kInf);
  EXPECT_EQ(u[1], kInf);  // (-1)^n with n even
  // Hermite's recurrence stops once it overflows, however large n is.
  const std::vector<double> h = values(hermite_polynomial_h(f64({0.5, 0.0}), 1e18));
  EXPECT_FALSE(std::isfinite(h[0]));
  EXPECT_FALSE(std::isfinite(h[1]));
  // Laguerre's and Legendre's recurrences take n steps: n is bounded.
  EXPECT_TRUE(contains(error_of([] { special::laguerre_polynomial_l(f64({0.5}), 1e8); }),
                       "[special_laguerre_polynomial_l] the degree n is at most 1e+07"));
  EXPECT_TRUE(contains(error_of([] {
                         special::legendre_polynomial_p(f64({0.5, 0.5}), f64({3, 2e7}));
                       }),
                       "[special_legendre_polynomial_p]"));
  EXPECT_EQ(values(special::legendre_polynomial_p(f64({0.5}), 1e5))[0],
            values(special::legendre_polynomial_p(f64({0.5}), 1e5 + 0.5))[0]);
}

TEST(Special, IncompleteGammaAgainstMpmath) {
  // {a, x, P(a, x), Q(a, x)} from mpmath at 45 digits: the series (x < a + 1), the continued
  // fraction, tails, a small, and a above 1e7 (Temme's expansion), where PyTorch 1.13 is off
  // by up to 1e-10 (P(1e4, 9800): 0.022207543811520 there).
  struct Case {
    double a, x, p, q;
  };
  const Case cases[] = {
      {0.5, 0.2, 0.472910743134461926, 0.527089256865538074},
      {2.5, 1.0, 0.150854963915390364, 0.849145036084609636},
      {2.5, 7.0, 0.984390583899733085, 0.0156094161002669147},
      {10, 3, 0.00110248813011547974, 0.99889751186988452},
      {30, 45, 0.992662800702203496, 0.00733719929779650363},
      {1e3, 1020, 0.738527184480110908, 0.261472815519889092},
      {1e4, 9800, 0.0222075438139696939, 0.977792456186030306},
      {0.01, 0.5, 0.994373243806032816, 0.00562675619396718415},
      {100, 1, 3.98128081895685441e-159, 1.0},
      {1e8, 1e8 + 2e4, 0.977244469225144797, 0.0227555307748552026},
      {1e10, 1e10, 0.500001329807601339, 0.499998670192398661},
      {1e10, 1e10 + 1e5, 0.841344746072575765, 0.158655253927424235},
  };
  for (const Case& c : cases) {
    const double p = values(special::gammainc(f64({c.a}), f64({c.x})))[0];
    const double q = values(special::gammaincc(f64({c.a}), f64({c.x})))[0];
    // Relative error 2e-14, more in the far tails: a value of e^-360 carries the rounding of
    // its exponent, 360 times the rounding of a log (as in PyTorch: 5e-14 at P(100, 1)).
    const auto tolerance = [](double v) { return (2e-14 + 1e-15 * std::fabs(std::log(v))) * v; };
    EXPECT_NEAR(p, c.p, tolerance(c.p)) << "P(" << c.a << ", " << c.x << ")";
    EXPECT_NEAR(q, c.q, tolerance(c.q)) << "Q(" << c.a << ", " << c.x << ")";
  }
  // Edges as PyTorch: a = 0 is P = 1 for x > 0 and NaN at x = 0; x = 0 is P = 0; infinite a
  // or x; negative or NaN arguments give NaN.
  const Tensor a = f64({0, 0, 0, 1, 1, -1, 1, kInf, kInf, 2, kNaN});
  const Tensor x = f64({0, 1, kInf, 0, kInf, 1, -1, 1, kInf, kNaN, 1});
  const std::vector<double> p = values(nabla::igamma(a, x)), q = values(a.igammac(x));
  const std::vector<double> want_p = {kNaN, 1, 1, 0, 1, kNaN, kNaN, 0, kNaN, kNaN, kNaN};
  for (size_t i = 0; i < want_p.size(); ++i) {
    if (std::isnan(want_p[i])) {
      EXPECT_TRUE(std::isnan(p[i]) && std::isnan(q[i])) << i;
    } else {
      EXPECT_EQ(p[i], want_p[i]) << i;
      EXPECT_EQ(q[i], 1 - want_p[i]) << i;
    }
  }
  // x so large that the continued fraction's b + 2 rounds to b: it stops at once (it ran a
  // hundred million steps per element when it asked for one ulp).
  EXPECT_EQ(values(special::gammaincc(f64({7.8e-38, 1e-3}), f64({1.9e27, 4.5e18}))),
            (std::vector<double>{0, 0}));
  // d/dx is the gamma density; d/da is an error, as in PyTorch. The in-place methods.
  const Tensor xs = f64({0.5, 3.0}).requires_grad_(), as = f64({2.5, 2.5});
  const std::vector<Tensor> g = nabla::autograd::grad({special::gammainc(as, xs).sum()}, {xs});
  EXPECT_NEAR(values(g[0])[0], std::exp(1.5 * std::log(0.5) - 0.5 - std::lgamma(2.5)), 1e-15);
  const Tensor ag = f64({2.5}).requires_grad_();
  EXPECT_TRUE(contains(error_of([&] { special::gammaincc(ag, f64({1.0})).backward(); }),
                       "[special_gammaincc] the derivative for 'self' (a) is not implemented"));
  Tensor t = f64({2.5});
  t.igamma_(f64({1.0}));
  EXPECT_NEAR(values(t)[0], 0.150854963915390364, 1e-15);
  EXPECT_EQ(special::gammainc(nabla::tensor({1.0f}), nabla::tensor({1.0f})).scalar_type(),
            nabla::kFloat32);
}

TEST(Special, NoGradientDtypesAndBroadcasting) {
  // Not differentiable, as in PyTorch: the result does not require grad.
  const Tensor x = f64({0.5, 1.5}).requires_grad_();
  EXPECT_FALSE(special::bessel_j0(x).requires_grad());
  EXPECT_FALSE(special::hermite_polynomial_he(x, 3).requires_grad());
  // float32 stays float32 (computed in double, rounded once); integers compute in float32.
  const Tensor xf = nabla::tensor({0.25f, 3.5f, 9.0f});
  const Tensor j = special::bessel_y1(xf);
  EXPECT_EQ(j.scalar_type(), nabla::kFloat32);
  EXPECT_TRUE(nabla::equal(j, special::bessel_y1(xf.to(nabla::kFloat64)).to(nabla::kFloat32)));
  const Tensor xa = nabla::tensor({-20.5f, -3.25f, 0.5f, 7.0f});
  EXPECT_TRUE(nabla::equal(special::airy_ai(xa),
                           special::airy_ai(xa.to(nabla::kFloat64)).to(nabla::kFloat32)));
  EXPECT_EQ(special::modified_bessel_k1(nabla::tensor({1, 2})).scalar_type(), nabla::kFloat32);
  EXPECT_EQ(
      special::legendre_polynomial_p(nabla::tensor({1, 2}), nabla::tensor({3, 4})).scalar_type(),
      nabla::kFloat32);
  EXPECT_EQ(special::legendre_polynomial_p(xf, 3).scalar_type(), nabla::kFloat32);
  EXPECT_EQ(special::legendre_polynomial_p(f64({0.5}), nabla::tensor({3})).scalar_type(),
            nabla::kFloat64);
  // x [3, 1] and n [4] broadcast to [3, 4]; the Scalar overloads.
  const Tensor grid =
      special::chebyshev_polynomial_u(f64({-0.5, 0.0, 2.0}).reshape({3, 1}), f64({0, 1, 2, 3}));
  EXPECT_EQ(grid.sizes(), (std::vector<int64_t>{3, 4}));
  EXPECT_EQ(values(grid), (std::vector<double>{1, -1, 0, 1, 1, 0, -1, 0, 1, 4, 15, 56}));
  EXPECT_EQ(values(special::hermite_polynomial_h(2.0, f64({0, 1, 2, 3}))),
            (std::vector<double>{1, 4, 14, 40}));
  // The meta device: shapes and dtypes, no values (Legendre's degree bound reads none there).
  const Tensor meta_x = nabla::empty({3, 1}, nabla::TensorOptions().device(nabla::Device("meta")));
  const Tensor meta_n = nabla::empty({4}, nabla::TensorOptions().device(nabla::Device("meta")));
  EXPECT_EQ(special::legendre_polynomial_p(meta_x, meta_n).sizes(), (std::vector<int64_t>{3, 4}));
  EXPECT_EQ(special::laguerre_polynomial_l(meta_x, 2).sizes(), (std::vector<int64_t>{3, 1}));
  EXPECT_EQ(special::gammainc(meta_x, meta_n).sizes(), (std::vector<int64_t>{3, 4}));
  EXPECT_EQ(special::bessel_y1(meta_n).sizes(), (std::vector<int64_t>{4}));
  // An undefined tensor is an error naming the op.
  EXPECT_TRUE(contains(error_of([] { special::modified_bessel_k0(Tensor()); }),
                       "[special_modified_bessel_k0] argument 'self' is an undefined tensor"));
  EXPECT_TRUE(contains(error_of([] { special::laguerre_polynomial_l(Tensor(), 2); }),
                       "[special_laguerre_polynomial_l]"));
}

}  // namespace
