// The scalar math of every elementwise op, defined once. The generic CPU kernel (and later the
// CUDA one, hence NABLA_HOST_DEVICE) applies these functors; a new elementwise op is a row of
// NABLA_UNARY_OPS / NABLA_BINARY_OPS (backend/backend.h) and one functor here.
#pragma once

#include <cmath>
#include <cstdint>
#include <type_traits>

#include "backend/backend.h"
#include "backend/cpu/polynomials.h"
#include "backend/cpu/special_math.h"
#include "core/dispatch.h"

#if defined(__CUDACC__) || defined(__HIPCC__)
#define NABLA_HOST_DEVICE __host__ __device__
#else
#define NABLA_HOST_DEVICE
#endif

namespace nabla::functors {

// One functor per row of the op lists.
#define NABLA_DECLARE_FUNCTOR(F, ...) struct F;
NABLA_UNARY_OPS(NABLA_DECLARE_FUNCTOR)
NABLA_BINARY_OPS(NABLA_DECLARE_FUNCTOR)
#undef NABLA_DECLARE_FUNCTOR

// ---- unary ----
struct Neg {
  template <class T>
  NABLA_HOST_DEVICE T operator()(T x) const {
    return static_cast<T>(-x);
  }
};
struct Exp {
  template <class T>
  NABLA_HOST_DEVICE T operator()(T x) const {
    return std::exp(x);
  }
};
struct Log {
  template <class T>
  NABLA_HOST_DEVICE T operator()(T x) const {
    return std::log(x);
  }
};
struct Sqrt {
  template <class T>
  NABLA_HOST_DEVICE T operator()(T x) const {
    return std::sqrt(x);
  }
};
struct Rsqrt {
  template <class T>
  NABLA_HOST_DEVICE T operator()(T x) const {
    return T(1) / std::sqrt(x);
  }
};
struct Abs {
  template <class T>
  NABLA_HOST_DEVICE T operator()(T x) const {
    if constexpr (std::is_unsigned_v<T>)
      return x;
    else
      return x < T(0) ? static_cast<T>(-x) : x;
  }
};
struct Sin {
  template <class T>
  NABLA_HOST_DEVICE T operator()(T x) const {
    return std::sin(x);
  }
};
struct Cos {
  template <class T>
  NABLA_HOST_DEVICE T operator()(T x) const {
    return std::cos(x);
  }
};
struct Sigmoid {
  template <class T>
  NABLA_HOST_DEVICE T operator()(T x) const {
    return T(1) / (T(1) + std::exp(-x));
  }
};
struct Tanh {
  template <class T>
  NABLA_HOST_DEVICE T operator()(T x) const {
    return std::tanh(x);
  }
};
struct Relu {
  // NaN propagates, as in PyTorch: (x > 0) is false for NaN, so write x < 0 ? 0 : x.
  template <class T>
  NABLA_HOST_DEVICE T operator()(T x) const {
    return x < T(0) ? T(0) : x;
  }
};
struct Sign {
  template <class T>
  NABLA_HOST_DEVICE T operator()(T x) const {
    return static_cast<T>((T(0) < x) - (x < T(0)));
  }
};
struct Reciprocal {
  template <class T>
  NABLA_HOST_DEVICE T operator()(T x) const {
    return T(1) / x;
  }
};
struct Square {
  template <class T>
  NABLA_HOST_DEVICE T operator()(T x) const {
    return static_cast<T>(x * x);
  }
};
struct Erf {
  template <class T>
  NABLA_HOST_DEVICE T operator()(T x) const {
    return std::erf(x);
  }
};
// log1p, expm1, ... through the C library's float and double functions (16-bit floats in float).
#define NABLA_LIBM_FUNCTOR(F, fn)               \
  struct F {                                    \
    template <class T>                          \
    NABLA_HOST_DEVICE T operator()(T x) const { \
      return static_cast<T>(std::fn(x));        \
    }                                           \
  };
NABLA_LIBM_FUNCTOR(Log1p, log1p)
NABLA_LIBM_FUNCTOR(Expm1, expm1)
NABLA_LIBM_FUNCTOR(Log2, log2)
NABLA_LIBM_FUNCTOR(Log10, log10)
NABLA_LIBM_FUNCTOR(Exp2, exp2)
NABLA_LIBM_FUNCTOR(Tan, tan)
NABLA_LIBM_FUNCTOR(Asin, asin)
NABLA_LIBM_FUNCTOR(Acos, acos)
NABLA_LIBM_FUNCTOR(Atan, atan)
NABLA_LIBM_FUNCTOR(Sinh, sinh)
NABLA_LIBM_FUNCTOR(Cosh, cosh)
NABLA_LIBM_FUNCTOR(Asinh, asinh)
NABLA_LIBM_FUNCTOR(Acosh, acosh)
NABLA_LIBM_FUNCTOR(Atanh, atanh)
NABLA_LIBM_FUNCTOR(Erfc, erfc)
#undef NABLA_LIBM_FUNCTOR

// The inverse error function, which the C library lacks: Giles' single-precision
// approximation ("Approximating the erfinv function", GPU Computing Gems, 2011) as the start,
// then two Newton steps on erf(x) = y in double, which give double precision (each step
// squares the relative error). erfinv(+-1) = +-inf, NaN outside [-1, 1].
struct Erfinv {
  template <class T>
  NABLA_HOST_DEVICE T operator()(T x) const {
    const double y = static_cast<double>(x);
    if (!(y >= -1 && y <= 1)) return static_cast<T>(NAN);
    if (y == 1 || y == -1) return static_cast<T>(y * INFINITY);
    double w = -std::log((1 - y) * (1 + y)), p;
    if (w < 5) {
      w -= 2.5;
      p = 2.81022636e-08;
      p = 3.43273939e-07 + p * w;
      p = -3.5233877e-06 + p * w;
      p = -4.39150654e-06 + p * w;
      p = 0.00021858087 + p * w;
      p = -0.00125372503 + p * w;
      p = -0.00417768164 + p * w;
      p = 0.246640727 + p * w;
      p = 1.50140941 + p * w;
    } else {
      w = std::sqrt(w) - 3;
      p = -0.000200214257;
      p = 0.000100950558 + p * w;
      p = 0.00134934322 + p * w;
      p = -0.00367342844 + p * w;
      p = 0.00573950773 + p * w;
      p = -0.0076224613 + p * w;
      p = 0.00943887047 + p * w;
      p = 1.00167406 + p * w;
      p = 2.83297682 + p * w;
    }
    double r = p * y;
    constexpr double kHalfSqrtPi = 0.88622692545275801365;  // 1 / erf'(0)
    for (int step = 0; step < 2; ++step) r -= (std::erf(r) - y) * kHalfSqrtPi * std::exp(r * r);
    return static_cast<T>(r);
  }
};

// Rounding: integers are already whole (returned as they are). round: half to even, as
// PyTorch (nearbyint in the default rounding mode).
#define NABLA_ROUNDING_FUNCTOR(F, fn)           \
  struct F {                                    \
    template <class T>                          \
    NABLA_HOST_DEVICE T operator()(T x) const { \
      if constexpr (detail::is_floating_v<T>)   \
        return static_cast<T>(std::fn(x));      \
      else                                      \
        return x;                               \
    }                                           \
  };
NABLA_ROUNDING_FUNCTOR(Floor, floor)
NABLA_ROUNDING_FUNCTOR(Ceil, ceil)
NABLA_ROUNDING_FUNCTOR(Round, nearbyint)
NABLA_ROUNDING_FUNCTOR(Trunc, trunc)
#undef NABLA_ROUNDING_FUNCTOR
struct Frac {
  template <class T>
  NABLA_HOST_DEVICE T operator()(T x) const {
    return static_cast<T>(x - std::trunc(x));
  }
};

// Classification, to bool: integers are never NaN or infinite.
// Special functions, computed in double (special_math.h) and rounded to T.
struct Lgamma {
  template <class T>
  NABLA_HOST_DEVICE T operator()(T x) const {
    return static_cast<T>(special_math::lgamma(static_cast<double>(x)));
  }
};
struct Digamma {
  template <class T>
  NABLA_HOST_DEVICE T operator()(T x) const {
    return static_cast<T>(special_math::digamma(static_cast<double>(x)));
  }
};
#define NABLA_SPECIAL_FUNCTOR(Name, fn)                                \
  struct Name {                                                        \
    template <class T>                                                 \
    NABLA_HOST_DEVICE T operator()(T x) const {                        \
      return static_cast<T>(special_math::fn(static_cast<double>(x))); \
    }                                                                  \
  };
NABLA_SPECIAL_FUNCTOR(I0, i0)
NABLA_SPECIAL_FUNCTOR(I0e, i0e)
NABLA_SPECIAL_FUNCTOR(I1, i1)
NABLA_SPECIAL_FUNCTOR(I1e, i1e)
NABLA_SPECIAL_FUNCTOR(Erfcx, erfcx)
NABLA_SPECIAL_FUNCTOR(Ndtri, ndtri)
NABLA_SPECIAL_FUNCTOR(BesselJ0, bessel_j0)
NABLA_SPECIAL_FUNCTOR(BesselJ1, bessel_j1)
NABLA_SPECIAL_FUNCTOR(BesselY0, bessel_y0)
NABLA_SPECIAL_FUNCTOR(BesselY1, bessel_y1)
NABLA_SPECIAL_FUNCTOR(BesselK0, k0)
NABLA_SPECIAL_FUNCTOR(BesselK1, k1)
NABLA_SPECIAL_FUNCTOR(BesselK0e, k0e)
NABLA_SPECIAL_FUNCTOR(BesselK1e, k1e)
NABLA_SPECIAL_FUNCTOR(SphericalBesselJ0, spherical_bessel_j0)
NABLA_SPECIAL_FUNCTOR(AiryAi, airy_ai)
#undef NABLA_SPECIAL_FUNCTOR
// polygamma's order n arrives as UnaryParams::alpha.
struct Polygamma {
  Polygamma() = default;
  explicit Polygamma(const UnaryParams& params) : n(static_cast<int>(params.alpha)) {}
  template <class T>
  NABLA_HOST_DEVICE T operator()(T x) const {
    return static_cast<T>(special_math::polygamma(n, static_cast<double>(x)));
  }
  int n = 0;
};
struct Signbit {
  template <class T>
  NABLA_HOST_DEVICE bool operator()(T x) const {
    if constexpr (detail::is_floating_v<T>)
      return std::signbit(static_cast<double>(x));
    else if constexpr (std::is_signed_v<T>)
      return x < 0;
    else
      return false;
  }
};
struct Isnan {
  template <class T>
  NABLA_HOST_DEVICE bool operator()(T x) const {
    if constexpr (detail::is_floating_v<T>)
      return std::isnan(static_cast<double>(x));
    else
      return false;
  }
};
struct Isinf {
  template <class T>
  NABLA_HOST_DEVICE bool operator()(T x) const {
    if constexpr (detail::is_floating_v<T>)
      return std::isinf(static_cast<double>(x));
    else
      return false;
  }
};
struct Isfinite {
  template <class T>
  NABLA_HOST_DEVICE bool operator()(T x) const {
    if constexpr (detail::is_floating_v<T>)
      return std::isfinite(static_cast<double>(x));
    else
      return true;
  }
};

struct LogicalNot {
  template <class T>
  NABLA_HOST_DEVICE bool operator()(T x) const {
    return !x;
  }
};

// ---- binary ----
struct Add {
  template <class T>
  NABLA_HOST_DEVICE T operator()(T a, T b) const {
    return static_cast<T>(a + b);
  }
};
struct Sub {
  template <class T>
  NABLA_HOST_DEVICE T operator()(T a, T b) const {
    return static_cast<T>(a - b);
  }
};
struct Mul {
  template <class T>
  NABLA_HOST_DEVICE T operator()(T a, T b) const {
    return static_cast<T>(a * b);
  }
};
struct Div {
  template <class T>
  NABLA_HOST_DEVICE T operator()(T a, T b) const {
    return static_cast<T>(a / b);
  }
};
struct Pow {
  template <class T>
  NABLA_HOST_DEVICE T operator()(T a, T b) const {
    if constexpr (detail::is_floating_v<T>) {
      return std::pow(a, b);
    } else {
      // Integer power by squaring; negative exponents are rejected before the kernel.
      T result = 1;
      while (b > 0) {
        if (b & 1) result = static_cast<T>(result * a);
        a = static_cast<T>(a * a);
        b = static_cast<T>(b >> 1);
      }
      return result;
    }
  }
};
struct Maximum {
  // NaN propagates, as in torch.maximum.
  template <class T>
  NABLA_HOST_DEVICE T operator()(T a, T b) const {
    if constexpr (detail::is_floating_v<T>)
      if (std::isnan(a) || std::isnan(b)) return a + b;
    return a > b ? a : b;
  }
};
struct Minimum {
  template <class T>
  NABLA_HOST_DEVICE T operator()(T a, T b) const {
    if constexpr (detail::is_floating_v<T>)
      if (std::isnan(a) || std::isnan(b)) return a + b;
    return a < b ? a : b;
  }
};
struct Atan2 {
  template <class T>
  NABLA_HOST_DEVICE T operator()(T a, T b) const {
    return static_cast<T>(std::atan2(a, b));
  }
};
struct Hypot {
  template <class T>
  NABLA_HOST_DEVICE T operator()(T a, T b) const {
    return static_cast<T>(std::hypot(a, b));
  }
};
// The regularized incomplete gamma functions P(a, x) and Q(a, x) in double, rounded to T.
struct Igamma {
  template <class T>
  NABLA_HOST_DEVICE T operator()(T a, T x) const {
    return static_cast<T>(special_math::gammainc(static_cast<double>(a), static_cast<double>(x)));
  }
};
struct Igammac {
  template <class T>
  NABLA_HOST_DEVICE T operator()(T a, T x) const {
    return static_cast<T>(special_math::gammaincc(static_cast<double>(a), static_cast<double>(x)));
  }
};
// The orthogonal polynomials p_n(x) of polynomials.h, in double, rounded to T (x, then n).
#define NABLA_POLYNOMIAL_FUNCTOR(Name, call)                                     \
  struct Name {                                                                  \
    template <class T>                                                           \
    NABLA_HOST_DEVICE T operator()(T x_in, T n_in) const {                       \
      const double x = static_cast<double>(x_in), n = static_cast<double>(n_in); \
      return static_cast<T>(special_math::call);                                 \
    }                                                                            \
  };
NABLA_POLYNOMIAL_FUNCTOR(ChebyshevT, chebyshev_polynomial(special_math::ChebyshevKind::T, x, n))
NABLA_POLYNOMIAL_FUNCTOR(ChebyshevU, chebyshev_polynomial(special_math::ChebyshevKind::U, x, n))
NABLA_POLYNOMIAL_FUNCTOR(ChebyshevV, chebyshev_polynomial(special_math::ChebyshevKind::V, x, n))
NABLA_POLYNOMIAL_FUNCTOR(ChebyshevW, chebyshev_polynomial(special_math::ChebyshevKind::W, x, n))
NABLA_POLYNOMIAL_FUNCTOR(ShiftedChebyshevT,
                         shifted_chebyshev_polynomial(special_math::ChebyshevKind::T, x, n))
NABLA_POLYNOMIAL_FUNCTOR(ShiftedChebyshevU,
                         shifted_chebyshev_polynomial(special_math::ChebyshevKind::U, x, n))
NABLA_POLYNOMIAL_FUNCTOR(ShiftedChebyshevV,
                         shifted_chebyshev_polynomial(special_math::ChebyshevKind::V, x, n))
NABLA_POLYNOMIAL_FUNCTOR(ShiftedChebyshevW,
                         shifted_chebyshev_polynomial(special_math::ChebyshevKind::W, x, n))
NABLA_POLYNOMIAL_FUNCTOR(HermiteH, hermite_polynomial(false, x, n))
NABLA_POLYNOMIAL_FUNCTOR(HermiteHe, hermite_polynomial(true, x, n))
NABLA_POLYNOMIAL_FUNCTOR(LaguerreL, laguerre_polynomial(x, n))
NABLA_POLYNOMIAL_FUNCTOR(LegendreP, legendre_polynomial(x, n))
#undef NABLA_POLYNOMIAL_FUNCTOR
// The Hurwitz zeta function in double (special_math.h), rounded to T.
struct Zeta {
  template <class T>
  NABLA_HOST_DEVICE T operator()(T x, T q) const {
    return static_cast<T>(special_math::zeta(static_cast<double>(x), static_cast<double>(q)));
  }
};
// fmod: the remainder of a / b truncated toward zero, with a's sign (C's fmod and %).
// remainder: of a / b rounded toward minus infinity, with b's sign (Python's %).
// Integer division by zero is rejected before the kernel (ops/elementwise.cpp); the guards
// here keep the kernel defined anyway, and x % -1 is 0 also for the most negative x (where
// the hardware's division traps).
struct Fmod {
  template <class T>
  NABLA_HOST_DEVICE T operator()(T a, T b) const {
    if constexpr (detail::is_floating_v<T>) {
      return static_cast<T>(std::fmod(a, b));
    } else {
      if (b == T(0)) return T(0);
      if constexpr (std::is_signed_v<T>)
        if (b == T(-1)) return T(0);
      return static_cast<T>(a % b);
    }
  }
};
struct Remainder {
  template <class T>
  NABLA_HOST_DEVICE T operator()(T a, T b) const {
    if constexpr (detail::is_floating_v<T>) {
      using C = decltype(std::fmod(a, b));
      C r = std::fmod(static_cast<C>(a), static_cast<C>(b));
      if (r != 0 && ((r < 0) != (static_cast<C>(b) < 0))) r += static_cast<C>(b);
      return static_cast<T>(r);
    } else {
      if (b == T(0)) return T(0);
      if constexpr (std::is_signed_v<T>) {
        if (b == T(-1)) return T(0);
        T r = static_cast<T>(a % b);
        if (r != 0 && ((r < 0) != (b < 0))) r = static_cast<T>(r + b);
        return r;
      } else {
        return static_cast<T>(a % b);
      }
    }
  }
};
// Python's a // b: the quotient rounded toward -infinity, as PyTorch computes it. Floats: the
// exact quotient of a - fmod(a, b), moved down when the remainder's sign differs from b's, then
// rounded to the nearest integer (CPython's float_floor_div), so that a // b is right where
// floor(a / b) would round the quotient up first (1 // 0.1 is 9, floor(1 / 0.1) 10). Integers:
// C's truncating quotient, one less when the signs differ and the division is inexact (the op
// layer refuses a zero divisor).
struct FloorDivide {
  template <class T>
  NABLA_HOST_DEVICE T operator()(T a, T b) const {
    if constexpr (detail::is_floating_v<T>) {
      using C = decltype(std::fmod(a, b));
      const C x = static_cast<C>(a), y = static_cast<C>(b);
      if (y == 0) return static_cast<T>(x / y);
      const C mod = std::fmod(x, y);
      C div = (x - mod) / y;
      if (mod != 0 && ((y < 0) != (mod < 0))) div -= 1;
      if (div == 0) return static_cast<T>(std::copysign(C(0), x / y));
      C quotient = std::floor(div);
      if (div - quotient > C(0.5)) quotient += 1;
      return static_cast<T>(quotient);
    } else {
      if (b == T(0)) return T(0);
      if constexpr (std::is_signed_v<T>) {
        // -a without overflow for the most negative a (it wraps, as PyTorch's).
        if (b == T(-1)) return static_cast<T>(-static_cast<std::make_unsigned_t<T>>(a));
        T q = static_cast<T>(a / b);
        if (a % b != 0 && ((a < 0) != (b < 0))) --q;
        return q;
      } else {
        return static_cast<T>(a / b);
      }
    }
  }
};
struct Eq {
  template <class T>
  NABLA_HOST_DEVICE bool operator()(T a, T b) const {
    return a == b;
  }
};
struct Ne {
  template <class T>
  NABLA_HOST_DEVICE bool operator()(T a, T b) const {
    return a != b;
  }
};
struct Lt {
  template <class T>
  NABLA_HOST_DEVICE bool operator()(T a, T b) const {
    return a < b;
  }
};
struct Le {
  template <class T>
  NABLA_HOST_DEVICE bool operator()(T a, T b) const {
    return a <= b;
  }
};
struct Gt {
  template <class T>
  NABLA_HOST_DEVICE bool operator()(T a, T b) const {
    return a > b;
  }
};
struct Ge {
  template <class T>
  NABLA_HOST_DEVICE bool operator()(T a, T b) const {
    return a >= b;
  }
};
struct LogicalAnd {
  template <class T>
  NABLA_HOST_DEVICE bool operator()(T a, T b) const {
    return a && b;
  }
};
struct LogicalOr {
  template <class T>
  NABLA_HOST_DEVICE bool operator()(T a, T b) const {
    return a || b;
  }
};
// Bitwise ops: integers and bool only (the op checks; a float never reaches them).
struct BitwiseAnd {
  template <class T>
  NABLA_HOST_DEVICE T operator()(T a, T b) const {
    return static_cast<T>(a & b);
  }
};
struct BitwiseOr {
  template <class T>
  NABLA_HOST_DEVICE T operator()(T a, T b) const {
    return static_cast<T>(a | b);
  }
};
struct BitwiseXor {
  template <class T>
  NABLA_HOST_DEVICE T operator()(T a, T b) const {
    return static_cast<T>(a ^ b);
  }
};
// a < 0, false for unsigned types without a comparison the compiler warns is always false.
template <class T>
NABLA_HOST_DEVICE bool is_negative(T a) {
  if constexpr (std::is_signed_v<T>) {
    return a < 0;
  } else {
    return false;
  }
}
// Shifts, gcd and lcm: integers only (bool never reaches them; its instantiation returns a).
// A shift by a negative count or by the width or more is defined as PyTorch 2 defines it: a
// left shift gives 0, a right shift the sign (C++ leaves both undefined; PyTorch 1.13 on x86
// shifts by the count's low bits). Left shifts wrap: computed on the unsigned type.
struct LeftShift {
  template <class T>
  NABLA_HOST_DEVICE T operator()(T a, T b) const {
    if constexpr (std::is_same_v<T, bool>) {
      return a;
    } else {
      using U = std::make_unsigned_t<T>;
      constexpr T bits = static_cast<T>(sizeof(T) * 8);
      if (is_negative(b) || b >= bits) return 0;
      return static_cast<T>(static_cast<U>(static_cast<U>(a) << b));
    }
  }
};
struct RightShift {
  template <class T>
  NABLA_HOST_DEVICE T operator()(T a, T b) const {
    if constexpr (std::is_same_v<T, bool>) {
      return a;
    } else {
      constexpr T bits = static_cast<T>(sizeof(T) * 8);
      if (is_negative(b) || b >= bits) return static_cast<T>(is_negative(a) ? -1 : 0);
      return static_cast<T>(a >> b);
    }
  }
};
// Euclid's algorithm on the magnitudes, in the unsigned type: gcd(INT64_MIN, 0) is 2^63, which
// reads back as INT64_MIN (as PyTorch's, whose abs wraps); gcd(0, 0) = 0.
template <class T>
NABLA_HOST_DEVICE std::make_unsigned_t<T> magnitude(T a) {
  using U = std::make_unsigned_t<T>;
  return is_negative(a) ? static_cast<U>(U{0} - static_cast<U>(a)) : static_cast<U>(a);
}
template <class U>
NABLA_HOST_DEVICE U unsigned_gcd(U a, U b) {
  while (a != 0) {
    const U c = a;
    a = static_cast<U>(b % a);
    b = c;
  }
  return b;
}
struct Gcd {
  template <class T>
  NABLA_HOST_DEVICE T operator()(T a, T b) const {
    if constexpr (std::is_same_v<T, bool>) {
      return a;
    } else {
      return static_cast<T>(unsigned_gcd(magnitude(a), magnitude(b)));
    }
  }
};
// lcm = |a| / gcd * |b| (0 where either is 0), wrapping where it does not fit, as PyTorch's.
struct Lcm {
  template <class T>
  NABLA_HOST_DEVICE T operator()(T a, T b) const {
    if constexpr (std::is_same_v<T, bool>) {
      return a;
    } else {
      using U = std::make_unsigned_t<T>;
      const U g = unsigned_gcd(magnitude(a), magnitude(b));
      return g == 0 ? T{0} : static_cast<T>(static_cast<U>(magnitude(a) / g * magnitude(b)));
    }
  }
};

}  // namespace nabla::functors
