"""Fits the two polynomials of fast::erf (src/backend/cpu/fast_math.h) and prints their
coefficients, lowest degree first, with each fit's largest relative error.

- |x| < 1: erf(x) / x as a polynomial of degree 6 in x^2;
- 1 <= |x| <= 4: R(x) = erfc(x) exp(x^2) as a polynomial of degree 10 in
  s = (1/|x| - 0.625) / 0.375, which maps 1/|x| in [0.25, 1] onto [-1, 1].

Weighted least squares (relative error) on 400 Chebyshev nodes, reference values from mpmath
at 40 digits. Needs Debian's python3-numpy and python3-mpmath; not run by the tests.

usage: python3 scripts/fit_erf.py
"""
import mpmath
import numpy as np

mpmath.mp.dps = 40
NODES = 400


def fit(variable, target, degree):
    """Least squares of target(v) = sum c_i variable(v)^i, relative to target, on nodes u."""
    u = np.cos(np.pi * (np.arange(NODES) + 0.5) / NODES)  # Chebyshev nodes in (-1, 1)
    v, f = variable(u), np.array([target(w) for w in u])
    basis = np.vstack([v**i for i in range(degree + 1)]).T
    coefficients, *_ = np.linalg.lstsq(basis / f[:, None], np.ones_like(f), rcond=None)
    check = np.linspace(-0.9999, 0.9999, 2001)
    exact = np.array([target(w) for w in check])
    error = np.max(np.abs(np.polyval(coefficients[::-1], variable(check)) - exact) / exact)
    return coefficients, error


def small_target(u):
    x = mpmath.mpf(0.5 + 0.5 * u)  # x in (0, 1)
    return float(mpmath.erf(x) / x)


def big_target(u):
    x = 1 / (mpmath.mpf(0.625) + mpmath.mpf(0.375) * u)  # 1/x in (0.25, 1)
    return float(mpmath.erfc(x) * mpmath.exp(x * x))


small, small_error = fit(lambda u: (0.5 + 0.5 * u) ** 2, small_target, 6)
big, big_error = fit(lambda u: u, big_target, 10)
print(f"|x| < 1, in x^2 (relative error {small_error:.2g}):")
print(", ".join(f"{c:.17g}" for c in small))
print(f"1 <= |x| <= 4, in s (relative error {big_error:.2g}):")
print(", ".join(f"{c:.10g}" for c in big))
