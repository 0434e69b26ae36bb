"""Writes tests/data/special_fixtures.json: the special functions of torch.special that have no
gradient (the Bessel functions J0, J1, Y0, Y1, K0, K1 and their scaled forms, the spherical
j0, Airy's Ai; the orthogonal polynomials), on fixed inputs, as PyTorch computes them in float64 and as
mpmath does at 50 digits. tests/test_special.cpp compares nabla with both: with mpmath tightly
(nabla's own accuracy), with PyTorch as closely as PyTorch's accuracy allows (its J and Y lose
up to 8 digits between 3 and 10, and its polynomials switch methods at other degrees).

Only finite inputs and outputs are written (JSON has no NaN or infinity); the edge values are
in the test itself. Needs Debian's python3-torch and python3-mpmath; not run by the tests.

usage: /usr/bin/python3 scripts/make_special_fixtures.py
"""
import json
import math
import pathlib

import mpmath
import torch

mpmath.mp.dps = 50
OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "data" / "special_fixtures.json"

UNARY = {
    "bessel_j0": lambda x: mpmath.besselj(0, x),
    "bessel_j1": lambda x: mpmath.besselj(1, x),
    "bessel_y0": lambda x: mpmath.bessely(0, x),
    "bessel_y1": lambda x: mpmath.bessely(1, x),
    "modified_bessel_k0": lambda x: mpmath.besselk(0, x),
    "modified_bessel_k1": lambda x: mpmath.besselk(1, x),
    "scaled_modified_bessel_k0": lambda x: mpmath.exp(x) * mpmath.besselk(0, x),
    "scaled_modified_bessel_k1": lambda x: mpmath.exp(x) * mpmath.besselk(1, x),
    "spherical_bessel_j0": lambda x: mpmath.sin(x) / x,
    "airy_ai": mpmath.airyai,
}
# J and Y: both signs (J0 even, J1 odd; Y NaN below 0, left out), small, moderate and large x.
SIGNED = [-30.5, -7.25, -2.0, -0.3, 1e-8, 0.05, 0.5, 1.0, 2.0, 2.5, 3.0, 4.2, 5.0, 6.7, 7.9,
          8.0, 8.1, 9.5, 12.0, 25.0, 80.0, 1e3, 1e5, 1e10]
# Ai: the oscillating side (to where PyTorch's phase, zeta = 2/3 |x|^(3/2) in one double, is
# gone: -1e10), the series' joints at -8 and 1, the decaying side to where Ai underflows.
AIRY = [-1e10, -1e6, -1000.5, -100.25, -30.7, -8.5, -8.0, -7.9, -5.52, -2.3381, -1.0, -0.3, 0.0,
        0.5, 1.0, 1.01, 2.0, 5.0, 10.0, 50.0, 100.0, 103.5, 105.0]
POSITIVE = [1e-8, 0.05, 0.5, 1.0, 1.5, 1.99, 2.0, 2.01, 3.0, 5.0, 8.0, 15.0, 40.0, 100.0, 300.0,
            700.0]


def recurrence(p0, p1, step):
    """p_n for n >= 0 from p_0, p_1 and p_{k+1} = step(k, p_k, p_{k-1}), exact in mpmath."""
    def p(x, n):
        if n < 0:
            return mpmath.mpf(0)
        a, b = p0(x), p1(x)
        if n == 0:
            return a
        for k in range(1, n):
            a, b = b, step(x, k, b, a)
        return b
    return p


def chebyshev(p1):
    return recurrence(lambda x: mpmath.mpf(1), p1, lambda x, k, q, p: 2 * x * q - p)


def shifted(poly):
    return lambda x, n: poly(2 * x - 1, n)


T = chebyshev(lambda x: x)
U = chebyshev(lambda x: 2 * x)
V = chebyshev(lambda x: 2 * x - 1)
W = chebyshev(lambda x: 2 * x + 1)
POLYNOMIALS = {
    "chebyshev_polynomial_t": T,
    "chebyshev_polynomial_u": U,
    "chebyshev_polynomial_v": V,
    "chebyshev_polynomial_w": W,
    "shifted_chebyshev_polynomial_t": shifted(T),
    "shifted_chebyshev_polynomial_u": shifted(U),
    "shifted_chebyshev_polynomial_v": shifted(V),
    "shifted_chebyshev_polynomial_w": shifted(W),
    "hermite_polynomial_h": recurrence(lambda x: mpmath.mpf(1), lambda x: 2 * x,
                                       lambda x, k, q, p: 2 * x * q - 2 * k * p),
    "hermite_polynomial_he": recurrence(lambda x: mpmath.mpf(1), lambda x: x,
                                        lambda x, k, q, p: x * q - k * p),
    "laguerre_polynomial_l": recurrence(lambda x: mpmath.mpf(1), lambda x: 1 - x,
                                        lambda x, k, q, p: ((2 * k + 1 - x) * q - k * p) / (k + 1)),
    "legendre_polynomial_p": recurrence(lambda x: mpmath.mpf(1), lambda x: x,
                                        lambda x, k, q, p: ((2 * k + 1) * x * q - k * p) / (k + 1)),
}
POLY_X = [-3.0, -1.5, -1.0, -0.9, -0.5, -0.1, 0.0, 0.3, 0.7, 0.99, 1.0, 1.2, 2.5]
SHIFTED_X = [-1.0, -0.25, 0.0, 0.05, 0.25, 0.5, 0.6, 0.85, 0.995, 1.0, 1.1, 1.75]
POLY_N = [-2.0, 0.0, 1.0, 2.0, 2.7, 3.0, 5.0, 8.0, 12.0, 16.0, 17.0, 25.0, 40.0]


def finite(values):
    return all(math.isfinite(v) for v in values)


def main():
    fixtures = {"unary": {}, "polynomial": {}}
    for name, exact in UNARY.items():
        xs = SIGNED if name.startswith("bessel_j") or name.startswith("spherical") else POSITIVE
        if name == "airy_ai":
            xs = AIRY
        if name.startswith("bessel_y"):
            xs = [x for x in SIGNED if x > 0]
        got = getattr(torch.special, name)(torch.tensor(xs, dtype=torch.float64)).tolist()
        want = [float(exact(mpmath.mpf(x))) for x in xs]
        keep = [i for i in range(len(xs)) if finite([got[i], want[i]])]
        fixtures["unary"][name] = {"x": [xs[i] for i in keep], "torch": [got[i] for i in keep],
                                   "mpmath": [want[i] for i in keep]}
    for name, exact in POLYNOMIALS.items():
        base = SHIFTED_X if name.startswith("shifted") else POLY_X
        xs = [x for x in base for _ in POLY_N]
        ns = [n for _ in base for n in POLY_N]
        got = getattr(torch.special, name)(torch.tensor(xs, dtype=torch.float64),
                                           torch.tensor(ns, dtype=torch.float64)).tolist()
        want = [float(exact(mpmath.mpf(x), int(n))) for x, n in zip(xs, ns)]
        keep = [i for i in range(len(xs)) if finite([got[i], want[i]])]
        fixtures["polynomial"][name] = {
            "x": [xs[i] for i in keep], "n": [ns[i] for i in keep],
            "torch": [got[i] for i in keep], "mpmath": [want[i] for i in keep]}
    OUT.write_text(json.dumps(fixtures, indent=1) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
