"""Computes the Chebyshev series of the modified Bessel functions and of Airy's function that
src/backend/cpu/special_math.h evaluates (i0e, i1e, k0e, k1e, and through them i0, i1, k0, k1;
airy_ai), and prints them as C++ arrays, lowest order first, with each series' largest relative
error on 4001 points (for Ai on [-8, 1], which has zeros, its error relative to max(|Ai|, 0.1)).

- 0 <= x <= 8:  exp(-x) I0(x) and exp(-x) I1(x) / x, in t = x / 4 - 1;
- x > 8:        exp(-x) I0(x) sqrt(x) and exp(-x) I1(x) sqrt(x), in t = 16 / x - 1;
- 0 < x <= 2:   K0(x) + log(x / 2) I0(x) and x K1(x) - x log(x / 2) I1(x), in t = x^2 / 2 - 1
                (what is left of K0 and K1 without their logarithmic singularity: series in x^2);
- x > 2:        exp(x) K0(x) sqrt(x) and exp(x) K1(x) sqrt(x), in t = 4 / x - 1;
- -8 <= x <= 1: Ai(x), in t = (2 x + 7) / 9;
- x > 1:        2 sqrt(pi) x^(1/4) exp(zeta) Ai(x), zeta = 2/3 x^(3/2), in t = 2 x^(-3/2) - 1
                (1 at x = +inf);
- x < -8:       with z = -x, zeta = 2/3 z^(3/2) and theta = zeta + pi/4, Ai(-z) sqrt(pi) z^(1/4)
                = sin(theta) f - cos(theta) g and Bi(-z) sqrt(pi) z^(1/4) = cos(theta) f +
                sin(theta) g (the modulus-phase form); f and zeta g, smooth in 1 / zeta, in
                t = 2 (8 / z)^(3/2) - 1 (1 and 5/72 at z = +inf).

Coefficients c_k = 2/M sum_j f(cos theta_j) cos(k theta_j) on M = 80 Chebyshev nodes (c_0 halved),
reference values from mpmath at 50 digits; terms are kept down to 1e-17 of the largest. Needs
Debian's python3-mpmath; not run by the tests.

usage: python3 scripts/fit_bessel.py
"""
import mpmath

mpmath.mp.dps = 50
NODES = 80


def series(f):
    theta = [mpmath.pi * (j + mpmath.mpf(0.5)) / NODES for j in range(NODES)]
    values = [f(mpmath.cos(t)) for t in theta]
    c = [2 * sum(v * mpmath.cos(k * t) for v, t in zip(values, theta)) / NODES for k in range(NODES)]
    c[0] /= 2
    top = max(abs(x) for x in c)
    while abs(c[-1]) < 1e-17 * top:
        c.pop()
    return [float(x) for x in c]


def clenshaw(c, t):
    b1 = b2 = 0.0
    for a in reversed(c[1:]):
        b1, b2 = 2 * t * b1 - b2 + a, b1
    return t * b1 - b2 + c[0]


def small(g):
    return lambda t: g(4 * (t + 1))


def large(g):
    return lambda t: g(16 / (t + 1))


def k_small(g):
    return lambda t: g(mpmath.sqrt(2 * (t + 1)))


def k_large(g):
    return lambda t: g(4 / (t + 1))


def airy_positive(t):
    s = (t + 1) / 2  # x^(-3/2)
    if s == 0:
        return mpmath.mpf(1)
    x = s**(-mpmath.mpf(2) / 3)
    zeta = 2 * x**1.5 / 3
    return 2 * mpmath.sqrt(mpmath.pi) * x**0.25 * mpmath.exp(zeta) * mpmath.airyai(x)


def airy_negative(part):
    """f (part 0) or zeta g (part 1) of the modulus-phase form below -8."""
    def h(t):
        s = (t + 1) / 2  # (8 / z)^(3/2)
        if s == 0:
            return mpmath.mpf(1) if part == 0 else mpmath.mpf(5) / 72
        z = 8 / s**(mpmath.mpf(2) / 3)
        zeta = 2 * z**1.5 / 3
        theta = zeta + mpmath.pi / 4
        scale = mpmath.sqrt(mpmath.pi) * z**0.25
        ai, bi = mpmath.airyai(-z) * scale, mpmath.airybi(-z) * scale
        if part == 0:
            return mpmath.sin(theta) * ai + mpmath.cos(theta) * bi
        return (mpmath.sin(theta) * bi - mpmath.cos(theta) * ai) * zeta
    return h


FUNCTIONS = {
    "kI0eSmall": small(lambda x: mpmath.exp(-x) * mpmath.besseli(0, x)),
    "kI0eLarge": large(lambda x: mpmath.exp(-x) * mpmath.besseli(0, x) * mpmath.sqrt(x)),
    "kI1eSmall": small(lambda x: mpmath.exp(-x) * mpmath.besseli(1, x) / x),
    "kI1eLarge": large(lambda x: mpmath.exp(-x) * mpmath.besseli(1, x) * mpmath.sqrt(x)),
    "kK0Small": k_small(lambda x: mpmath.besselk(0, x) + mpmath.log(x / 2) * mpmath.besseli(0, x)),
    "kK0eLarge": k_large(lambda x: mpmath.exp(x) * mpmath.besselk(0, x) * mpmath.sqrt(x)),
    "kK1Small": k_small(
        lambda x: x * mpmath.besselk(1, x) - x * mpmath.log(x / 2) * mpmath.besseli(1, x)),
    "kK1eLarge": k_large(lambda x: mpmath.exp(x) * mpmath.besselk(1, x) * mpmath.sqrt(x)),
    "kAiryMiddle": lambda t: mpmath.airyai((9 * t - 7) / 2),
    "kAiryPositive": airy_positive,
    "kAiryNegativeF": airy_negative(0),
    "kAiryNegativeZetaG": airy_negative(1),
}
FLOOR = {"kAiryMiddle": 0.1}  # the error's denominator: max(|f|, floor)

for name, f in FUNCTIONS.items():
    c = series(f)
    error = 0.0
    for i in range(4001):
        t = -0.9999 + 1.9998 * i / 4000
        exact = f(mpmath.mpf(t))
        error = max(error, float(abs(clenshaw(c, t) - exact) / max(abs(exact), FLOOR.get(name, 0))))
    print(f"// {len(c)} terms, largest relative error {error:.1e} (in double arithmetic)")
    print(f"constexpr double {name}[] = {{")
    for i in range(0, len(c), 3):
        print("    " + " ".join(f"{x:.17e}," for x in c[i:i + 3]))
    print("};")
