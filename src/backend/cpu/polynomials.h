// The classical orthogonal polynomials of torch.special, p_n(x) in double precision for the
// elementwise functors (functors.h): Chebyshev's four kinds (T, U, V, W) and their shifted
// forms on [0, 1], Hermite's two (physicists' H and probabilists' He), Laguerre's L and
// Legendre's P. The degree n arrives as a float, as PyTorch takes it: truncated toward zero;
// a negative degree gives 0, a NaN degree NaN.
//
// Each family is its three-term recurrence from p_0 and p_1. The Chebyshev kinds switch to
// their closed forms in cos / cosh of n acos x / n acosh x above kChebyshevRecurrenceMax, where
// the recurrence would take n steps (and overflow first for |x| > 1) while the closed form costs
// the same for any n. Hermite's recurrences stop when the value overflows (by n of a few
// hundred for every x); Laguerre's and Legendre's run n steps (the ops bound n, see
// special_polynomial in ops/elementwise.cpp). At x = +-inf every polynomial is its leading
// term's limit (PyTorch's recurrences give NaN there from n = 3 on).
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>

namespace nabla::special_math {

// Above this degree the Chebyshev polynomials use their closed forms.
constexpr int64_t kChebyshevRecurrenceMax = 16;

enum class ChebyshevKind { T, U, V, W };

namespace polynomial_detail {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// (-1)^n for a whole, non-negative n held in a double.
inline double alternating(double n) { return std::fmod(n, 2.0) == 0 ? 1.0 : -1.0; }

// p_n at x = +-inf for n >= 1, the leading coefficient's sign `lead` (+1 or -1): its sign times
// x^n's.
inline double infinite_limit(double x, double n, double lead) {
  return lead * (x < 0 ? alternating(n) : 1.0) * kInf;
}

// p_{k+1} = 2 x p_k - p_{k-1} from p_0 = 1 and p_1, for n >= 1 (every Chebyshev kind).
inline double chebyshev_recurrence(double x, double p1, int64_t n) {
  double p = 1, q = p1;
  for (int64_t k = 2; k <= n; ++k) {
    const double r = 2 * x * q - p;
    p = q;
    q = r;
  }
  return q;
}

// The closed forms for x > 1 (a = acosh x), the kind's values at x = 1 where they divide by 0.
inline double chebyshev_hyperbolic(ChebyshevKind kind, double x, double n) {
  if (x == 1) {
    if (kind == ChebyshevKind::U) return n + 1;
    return kind == ChebyshevKind::W ? 2 * n + 1 : 1.0;
  }
  const double a = std::acosh(x);
  switch (kind) {
    case ChebyshevKind::T:
      return std::cosh(n * a);
    case ChebyshevKind::U:
      return std::sinh((n + 1) * a) / std::sinh(a);
    case ChebyshevKind::V:
      return std::cosh((n + 0.5) * a) / std::cosh(0.5 * a);
    case ChebyshevKind::W:
      break;
  }
  return std::sinh((n + 0.5) * a) / std::sinh(0.5 * a);
}

// The closed forms for |x| < 1 (theta = acos x in (0, pi)).
inline double chebyshev_trigonometric(ChebyshevKind kind, double x, double n) {
  const double theta = std::acos(x);
  switch (kind) {
    case ChebyshevKind::T:
      return std::cos(n * theta);
    case ChebyshevKind::U:
      return std::sin((n + 1) * theta) / std::sin(theta);
    case ChebyshevKind::V:
      return std::cos((n + 0.5) * theta) / std::cos(0.5 * theta);
    case ChebyshevKind::W:
      break;
  }
  return std::sin((n + 0.5) * theta) / std::sin(0.5 * theta);
}

}  // namespace polynomial_detail

/// The degree as the polynomials take it: NaN for NaN, else truncated toward zero.
inline double polynomial_degree(double n) { return std::isnan(n) ? n : std::trunc(n); }

/// Chebyshev polynomial of the given kind: T_0 = U_0 = V_0 = W_0 = 1; T_1 = x, U_1 = 2x,
/// V_1 = 2x - 1, W_1 = 2x + 1; then p_{k+1} = 2 x p_k - p_{k-1}.
inline double chebyshev_polynomial(ChebyshevKind kind, double x, double n_in) {
  using namespace polynomial_detail;
  const double n = polynomial_degree(n_in);
  if (std::isnan(n) || std::isnan(x)) return kNaN;
  if (n < 0) return 0;
  if (n == 0) return 1;
  if (std::isinf(x)) return infinite_limit(x, n, 1.0);
  if (n <= kChebyshevRecurrenceMax) {
    const double p1 = kind == ChebyshevKind::T   ? x
                      : kind == ChebyshevKind::U ? 2 * x
                      : kind == ChebyshevKind::V ? 2 * x - 1
                                                 : 2 * x + 1;
    return chebyshev_recurrence(x, p1, static_cast<int64_t>(n));
  }
  if (std::fabs(x) < 1) return chebyshev_trigonometric(kind, x, n);
  if (x >= 1) return chebyshev_hyperbolic(kind, x, n);
  // x <= -1: T and U are even or odd with n; V_n(-x) = (-1)^n W_n(x) and the reverse.
  const ChebyshevKind mirrored = kind == ChebyshevKind::V   ? ChebyshevKind::W
                                 : kind == ChebyshevKind::W ? ChebyshevKind::V
                                                            : kind;
  return alternating(n) * chebyshev_hyperbolic(mirrored, -x, n);
}

/// The shifted Chebyshev polynomials, on [0, 1]: p*_n(x) = p_n(2x - 1).
inline double shifted_chebyshev_polynomial(ChebyshevKind kind, double x, double n) {
  return chebyshev_polynomial(kind, x + x - 1, n);
}

/// Hermite's polynomials: physicists' H (H_1 = 2x, H_{k+1} = 2x H_k - 2k H_{k-1}) or, with
/// `probabilists`, He (He_1 = x, He_{k+1} = x He_k - k He_{k-1}). The recurrence stops where the
/// value stops being finite (it grows like sqrt(n!) and overflows by n of a few hundred).
inline double hermite_polynomial(bool probabilists, double x, double n_in) {
  using namespace polynomial_detail;
  const double n = polynomial_degree(n_in);
  if (std::isnan(n) || std::isnan(x)) return kNaN;
  if (n < 0) return 0;
  if (n == 0) return 1;
  if (std::isinf(x)) return infinite_limit(x, n, 1.0);
  const double scale = probabilists ? 1.0 : 2.0;  // H_k uses 2x and 2k, He_k x and k
  double p = 1, q = scale * x;
  for (double k = 1; k < n && std::isfinite(q); ++k) {
    const double r = scale * (x * q - k * p);
    p = q;
    q = r;
  }
  return q;
}

/// Laguerre's polynomials: L_1 = 1 - x, (k + 1) L_{k+1} = (2k + 1 - x) L_k - k L_{k-1}.
inline double laguerre_polynomial(double x, double n_in) {
  using namespace polynomial_detail;
  const double n = polynomial_degree(n_in);
  if (std::isnan(n) || std::isnan(x)) return kNaN;
  if (n < 0) return 0;
  if (n == 0 || x == 0) return 1;
  if (std::isinf(x)) return infinite_limit(x, n, alternating(n));  // leading term (-x)^n / n!
  double p = 1, q = 1 - x;
  for (double k = 1; k < n && std::isfinite(q); ++k) {
    const double r = ((2 * k + 1 - x) * q - k * p) / (k + 1);
    p = q;
    q = r;
  }
  return q;
}

/// Legendre's polynomials: P_1 = x, (k + 1) P_{k+1} = (2k + 1) x P_k - k P_{k-1}.
inline double legendre_polynomial(double x, double n_in) {
  using namespace polynomial_detail;
  const double n = polynomial_degree(n_in);
  if (std::isnan(n) || std::isnan(x)) return kNaN;
  if (n < 0) return 0;
  if (n == 0) return 1;
  if (std::isinf(x)) return infinite_limit(x, n, 1.0);
  if (std::fabs(x) == 1) return x > 0 ? 1.0 : alternating(n);
  double p = 1, q = x;
  for (double k = 1; k < n && std::isfinite(q); ++k) {
    const double r = ((2 * k + 1) * x * q - k * p) / (k + 1);
    p = q;
    q = r;
  }
  return q;
}

}  // namespace nabla::special_math
