// The one list of nabla's elementwise ops, as X-macros (no declarations: include it anywhere).
#pragma once

// X(Functor, name, kind, op-table row): the functor in src/backend/cpu/functors.h, the op's name,
// how the CPU kernel dispatches it, and the row of tests/op_db.cpp that checks its forward and
// gradient (nullptr: not differentiable; tests/test_gradcheck.cpp checks that every other op has
// its row). It generates the enums and op_name() (src/backend/backend.h), the functor declarations
// (src/backend/cpu/functors.h) and the CPU switch (src/backend/cpu/elementwise.cpp). Unary kinds:
// Numeric (every dtype but bool, same dtype out), Floating (float dtypes), Logical (any dtype in,
// bool out). Binary kinds: Arith (compute dtype out), Floating (true division and the functions of
// real numbers: integer and bool operands are computed in float32, so the kernels see float dtypes
// only), Compare (bool out), Bitwise (integers and bool only, compute dtype out; the op layer
// keeps bool from the shifts, gcd and lcm).
#define NABLA_UNARY_OPS(X)                                             \
  X(Neg, neg, Numeric, "neg")                                          \
  X(Exp, exp, Floating, "exp")                                         \
  X(Log, log, Floating, "log")                                         \
  X(Sqrt, sqrt, Floating, "sqrt")                                      \
  X(Rsqrt, rsqrt, Floating, "rsqrt")                                   \
  X(Abs, abs, Numeric, "abs")                                          \
  X(Sin, sin, Floating, "sin")                                         \
  X(Cos, cos, Floating, "cos")                                         \
  X(Sigmoid, sigmoid, Floating, "sigmoid")                             \
  X(Tanh, tanh, Floating, "tanh")                                      \
  X(Relu, relu, Numeric, "relu")                                       \
  X(Sign, sign, Numeric, "sign")                                       \
  X(Reciprocal, reciprocal, Floating, "reciprocal")                    \
  X(Square, square, Numeric, "square")                                 \
  X(Erf, erf, Floating, "erf")                                         \
  X(Erfc, erfc, Floating, "erfc")                                      \
  X(Erfinv, erfinv, Floating, "erfinv")                                \
  X(Log1p, log1p, Floating, "log1p")                                   \
  X(Expm1, expm1, Floating, "expm1")                                   \
  X(Log2, log2, Floating, "log2")                                      \
  X(Log10, log10, Floating, "log10")                                   \
  X(Exp2, exp2, Floating, "exp2")                                      \
  X(Tan, tan, Floating, "tan")                                         \
  X(Asin, asin, Floating, "asin")                                      \
  X(Acos, acos, Floating, "acos")                                      \
  X(Atan, atan, Floating, "atan")                                      \
  X(Sinh, sinh, Floating, "sinh")                                      \
  X(Cosh, cosh, Floating, "cosh")                                      \
  X(Asinh, asinh, Floating, "asinh")                                   \
  X(Acosh, acosh, Floating, "acosh")                                   \
  X(Atanh, atanh, Floating, "atanh")                                   \
  X(Floor, floor, Numeric, "floor")                                    \
  X(Ceil, ceil, Numeric, "ceil")                                       \
  X(Round, round, Numeric, "round")                                    \
  X(Trunc, trunc, Numeric, "trunc")                                    \
  X(Frac, frac, Floating, "frac")                                      \
  X(Isnan, isnan, Logical, nullptr)                                    \
  X(Isinf, isinf, Logical, nullptr)                                    \
  X(Isfinite, isfinite, Logical, nullptr)                              \
  X(LogicalNot, logical_not, Logical, nullptr)                         \
  X(Signbit, signbit, Logical, nullptr)                                \
  X(Lgamma, lgamma, Floating, "lgamma")                                \
  X(Digamma, digamma, Floating, "digamma")                             \
  X(Polygamma, polygamma, Floating, "polygamma_2")                     \
  X(I0, i0, Floating, "i0")                                            \
  X(I0e, special_i0e, Floating, "special_i0e")                         \
  X(I1, special_i1, Floating, "special_i1")                            \
  X(I1e, special_i1e, Floating, "special_i1e")                         \
  X(Erfcx, special_erfcx, Floating, "special_erfcx")                   \
  X(Ndtri, special_ndtri, Floating, "special_ndtri")                   \
  X(BesselJ0, special_bessel_j0, Floating, nullptr)                    \
  X(BesselJ1, special_bessel_j1, Floating, nullptr)                    \
  X(BesselY0, special_bessel_y0, Floating, nullptr)                    \
  X(BesselY1, special_bessel_y1, Floating, nullptr)                    \
  X(BesselK0, special_modified_bessel_k0, Floating, nullptr)           \
  X(BesselK1, special_modified_bessel_k1, Floating, nullptr)           \
  X(BesselK0e, special_scaled_modified_bessel_k0, Floating, nullptr)   \
  X(BesselK1e, special_scaled_modified_bessel_k1, Floating, nullptr)   \
  X(SphericalBesselJ0, special_spherical_bessel_j0, Floating, nullptr) \
  X(AiryAi, special_airy_ai, Floating, nullptr)
#define NABLA_BINARY_OPS(X)                                                       \
  X(Add, add, Arith, "add")                                                       \
  X(Sub, sub, Arith, "sub")                                                       \
  X(Mul, mul, Arith, "mul")                                                       \
  X(Div, div, Floating, "div")                                                    \
  X(Pow, pow, Arith, "pow_tensor")                                                \
  X(Maximum, maximum, Arith, "maximum")                                           \
  X(Minimum, minimum, Arith, "minimum")                                           \
  X(Atan2, atan2, Floating, "atan2")                                              \
  X(Hypot, hypot, Floating, "hypot")                                              \
  X(Zeta, special_zeta, Floating, "special_zeta")                                 \
  X(Igamma, igamma, Floating, "special_gammainc")                                 \
  X(Igammac, igammac, Floating, "special_gammaincc")                              \
  X(ChebyshevT, special_chebyshev_polynomial_t, Floating, nullptr)                \
  X(ChebyshevU, special_chebyshev_polynomial_u, Floating, nullptr)                \
  X(ChebyshevV, special_chebyshev_polynomial_v, Floating, nullptr)                \
  X(ChebyshevW, special_chebyshev_polynomial_w, Floating, nullptr)                \
  X(ShiftedChebyshevT, special_shifted_chebyshev_polynomial_t, Floating, nullptr) \
  X(ShiftedChebyshevU, special_shifted_chebyshev_polynomial_u, Floating, nullptr) \
  X(ShiftedChebyshevV, special_shifted_chebyshev_polynomial_v, Floating, nullptr) \
  X(ShiftedChebyshevW, special_shifted_chebyshev_polynomial_w, Floating, nullptr) \
  X(HermiteH, special_hermite_polynomial_h, Floating, nullptr)                    \
  X(HermiteHe, special_hermite_polynomial_he, Floating, nullptr)                  \
  X(LaguerreL, special_laguerre_polynomial_l, Floating, nullptr)                  \
  X(LegendreP, special_legendre_polynomial_p, Floating, nullptr)                  \
  X(Fmod, fmod, Arith, "fmod")                                                    \
  X(Remainder, remainder, Arith, "remainder")                                     \
  X(FloorDivide, floor_divide, Arith, nullptr)                                    \
  X(Eq, eq, Compare, nullptr)                                                     \
  X(Ne, ne, Compare, nullptr)                                                     \
  X(Lt, lt, Compare, nullptr)                                                     \
  X(Le, le, Compare, nullptr)                                                     \
  X(Gt, gt, Compare, nullptr)                                                     \
  X(Ge, ge, Compare, nullptr)                                                     \
  X(LogicalAnd, logical_and, Compare, nullptr)                                    \
  X(LogicalOr, logical_or, Compare, nullptr)                                      \
  X(BitwiseAnd, bitwise_and, Bitwise, nullptr)                                    \
  X(BitwiseOr, bitwise_or, Bitwise, nullptr)                                      \
  X(BitwiseXor, bitwise_xor, Bitwise, nullptr)                                    \
  X(LeftShift, bitwise_left_shift, Bitwise, nullptr)                              \
  X(RightShift, bitwise_right_shift, Bitwise, nullptr)                            \
  X(Gcd, gcd, Bitwise, nullptr)                                                   \
  X(Lcm, lcm, Bitwise, nullptr)
