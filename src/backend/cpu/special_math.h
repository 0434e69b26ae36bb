// Scalar special functions in double precision, for the elementwise functors (functors.h):
// digamma, trigamma, the Hurwitz zeta function and polygamma. The algorithms are the Cephes
// library's, as PyTorch uses them (aten/src/ATen/native/Math.h), so that the results agree
// with PyTorch's to the last bits of float64; float inputs are computed in double and rounded.
#pragma once

#include <cmath>
#include <limits>

namespace nabla::special_math {

constexpr double kPi = 3.14159265358979323846;

/// c[0] x^n + c[1] x^(n-1) + ... + c[n].
inline double polevl(double x, const double* c, int n) {
  double r = c[0];
  for (int i = 1; i <= n; ++i) r = r * x + c[i];
  return r;
}

/// log|Gamma(x)|, thread-safe (glibc's lgamma writes the global signgam).
inline double lgamma(double x) {
  int sign = 0;
  return ::lgamma_r(x, &sign);
}

/// psi(x): -inf at +0 (+inf at -0), NaN at the negative integers. Reflection below 0, the
/// recurrence psi(x) = psi(x + 1) - 1/x up to 10, then the asymptotic series.
inline double digamma(double x) {
  if (x == 0) return std::copysign(std::numeric_limits<double>::infinity(), -x);
  if (x < 0) {
    if (x == std::trunc(x)) return std::numeric_limits<double>::quiet_NaN();
    // tan(pi r) of the fractional part r is more accurate than tan(pi x).
    double whole = 0;
    const double r = std::modf(x, &whole);
    return digamma(1 - x) - kPi / std::tan(kPi * r);
  }
  double result = 0;
  while (x < 10) {
    result -= 1 / x;
    x += 1;
  }
  if (x == 10) return result + 2.25175258906672110764;  // psi(10)
  static const double kA[] = {8.33333333333333333333E-2, -2.10927960927960927961E-2,
                              7.57575757575757575758E-3, -4.16666666666666666667E-3,
                              3.96825396825396825397E-3, -8.33333333333333333333E-3,
                              8.33333333333333333333E-2};
  double y = 0;
  if (x < 1.0e17) {
    const double z = 1 / (x * x);
    y = z * polevl(z, kA, 6);
  }
  return result + std::log(x) - 0.5 / x - y;
}

/// psi'(x): reflection below 1/2, six steps of the recurrence, then the asymptotic series.
inline double trigamma(double x) {
  double sign = 1, result = 0;
  if (x < 0.5) {
    sign = -1;
    const double s = std::sin(kPi * x);
    result -= kPi * kPi / (s * s);
    x = 1 - x;
  }
  for (int i = 0; i < 6; ++i) {
    result += 1 / (x * x);
    x += 1;
  }
  const double ixx = 1 / (x * x);
  result += (1 + 1 / (2 * x) + ixx * (1. / 6 - ixx * (1. / 30 - ixx * (1. / 42)))) / x;
  return sign * result;
}

/// The Hurwitz zeta function sum_k (k + q)^-x, for x > 1 (Euler-Maclaurin summation).
inline double zeta(double x, double q) {
  constexpr double kMachEp = 1.11022302462515654042E-16;
  static const double kA[] = {12.0,
                              -720.0,
                              30240.0,
                              -1209600.0,
                              47900160.0,
                              -1.8924375803183791606e9,
                              7.47242496e10,
                              -2.950130727918164224e12,
                              1.1646782814350067249e14,
                              -4.5979787224074726105e15,
                              1.8152105401943546773e17,
                              -7.1661652561756670113e18};
  if (x == 1) return std::numeric_limits<double>::infinity();
  if (x < 1) return std::numeric_limits<double>::quiet_NaN();
  if (q <= 0) {
    if (q == std::trunc(q)) return std::numeric_limits<double>::infinity();
    if (x != std::trunc(x)) return std::numeric_limits<double>::quiet_NaN();
  }
  double s = std::pow(q, -x), a = q, b = 0;
  int i = 0;
  while (i < 9 || a <= 9.0) {
    i += 1;
    a += 1;
    b = std::pow(a, -x);
    s += b;
    if (-kMachEp * s < b && b < kMachEp * s) return s;
  }
  const double w = a;
  s += b * w / (x - 1);
  s -= 0.5 * b;
  a = 1;
  double k = 0;
  for (int j = 0; j < 12; ++j) {
    a *= x + k;
    b /= w;
    double t = a * b / kA[j];
    s += t;
    t = std::fabs(t / s);
    if (t < kMachEp) return s;
    k += 1;
    a *= x + k;
    b /= w;
    k += 1;
  }
  return s;
}

/// The n-th derivative of digamma: (-1)^(n+1) n! zeta(n + 1, x) for n >= 2.
inline double polygamma(int n, double x) {
  if (n == 0) return digamma(x);
  if (n == 1) return trigamma(x);
  return ((n % 2) ? 1.0 : -1.0) * std::exp(lgamma(n + 1.0)) * zeta(n + 1.0, x);
}

}  // namespace nabla::special_math
