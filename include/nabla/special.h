// LibTorch's torch::special functions that nabla has: nabla::special::digamma(x), ... Most are
// the functions of ops.h under the names SciPy gave them (gammaln is lgamma, expit is sigmoid).
#pragma once

#include <cstdint>
#include <optional>

#include "nabla/ops.h"
#include "nabla/tensor.h"

namespace nabla::special {

inline Tensor gammaln(const Tensor& self) { return nabla::lgamma(self); }
inline Tensor digamma(const Tensor& self) { return nabla::digamma(self); }
inline Tensor psi(const Tensor& self) { return nabla::digamma(self); }
inline Tensor polygamma(int64_t n, const Tensor& self) { return nabla::polygamma(n, self); }
/// log of the multivariate gamma function of dimension p: sum_j lgamma(x - j / 2) +
/// p (p - 1) / 4 log(pi); every element must be above (p - 1) / 2.
Tensor multigammaln(const Tensor& self, int64_t p);
/// -x log x (0 at 0, -inf below 0).
Tensor entr(const Tensor& self);
/// The standard normal distribution's CDF, (1 + erf(x / sqrt 2)) / 2.
Tensor ndtr(const Tensor& self);
/// x log1p(y), 0 where x is 0 (unless y is NaN), as xlogy: a cross-entropy term for
/// probabilities near 1 - y.
Tensor xlog1py(const Tensor& self, const Tensor& other);
Tensor xlog1py(const Tensor& self, const Scalar& other);
Tensor xlog1py(const Scalar& self, const Tensor& other);
inline Tensor i0(const Tensor& self) { return nabla::i0(self); }
inline Tensor i0e(const Tensor& self) { return nabla::special_i0e(self); }
inline Tensor i1(const Tensor& self) { return nabla::special_i1(self); }
inline Tensor i1e(const Tensor& self) { return nabla::special_i1e(self); }
inline Tensor modified_bessel_i0(const Tensor& self) { return nabla::i0(self); }
inline Tensor modified_bessel_i1(const Tensor& self) { return nabla::special_i1(self); }
inline Tensor zeta(const Tensor& self, const Tensor& other) {
  return nabla::special_zeta(self, other);
}
inline Tensor zeta(const Tensor& self, const Scalar& other) {
  return nabla::special_zeta(self, other);
}
inline Tensor zeta(const Scalar& self, const Tensor& other) {
  return nabla::special_zeta(self, other);
}
inline Tensor bessel_j0(const Tensor& self) { return nabla::special_bessel_j0(self); }
inline Tensor bessel_j1(const Tensor& self) { return nabla::special_bessel_j1(self); }
inline Tensor bessel_y0(const Tensor& self) { return nabla::special_bessel_y0(self); }
inline Tensor bessel_y1(const Tensor& self) { return nabla::special_bessel_y1(self); }
inline Tensor modified_bessel_k0(const Tensor& self) {
  return nabla::special_modified_bessel_k0(self);
}
inline Tensor modified_bessel_k1(const Tensor& self) {
  return nabla::special_modified_bessel_k1(self);
}
inline Tensor scaled_modified_bessel_k0(const Tensor& self) {
  return nabla::special_scaled_modified_bessel_k0(self);
}
inline Tensor scaled_modified_bessel_k1(const Tensor& self) {
  return nabla::special_scaled_modified_bessel_k1(self);
}
inline Tensor spherical_bessel_j0(const Tensor& self) {
  return nabla::special_spherical_bessel_j0(self);
}
inline Tensor airy_ai(const Tensor& self) { return nabla::special_airy_ai(self); }
// The orthogonal polynomials p_n(x), each for (Tensor, Tensor), (Tensor, Scalar) and (Scalar,
// Tensor), as LibTorch has them.
#define NABLA_SPECIAL_POLYNOMIAL(fn)                                                       \
  inline Tensor fn(const Tensor& x, const Tensor& n) { return nabla::special_##fn(x, n); } \
  inline Tensor fn(const Tensor& x, const Scalar& n) { return nabla::special_##fn(x, n); } \
  inline Tensor fn(const Scalar& x, const Tensor& n) { return nabla::special_##fn(x, n); }
NABLA_SPECIAL_POLYNOMIAL(chebyshev_polynomial_t)
NABLA_SPECIAL_POLYNOMIAL(chebyshev_polynomial_u)
NABLA_SPECIAL_POLYNOMIAL(chebyshev_polynomial_v)
NABLA_SPECIAL_POLYNOMIAL(chebyshev_polynomial_w)
NABLA_SPECIAL_POLYNOMIAL(shifted_chebyshev_polynomial_t)
NABLA_SPECIAL_POLYNOMIAL(shifted_chebyshev_polynomial_u)
NABLA_SPECIAL_POLYNOMIAL(shifted_chebyshev_polynomial_v)
NABLA_SPECIAL_POLYNOMIAL(shifted_chebyshev_polynomial_w)
NABLA_SPECIAL_POLYNOMIAL(hermite_polynomial_h)
NABLA_SPECIAL_POLYNOMIAL(hermite_polynomial_he)
NABLA_SPECIAL_POLYNOMIAL(laguerre_polynomial_l)
NABLA_SPECIAL_POLYNOMIAL(legendre_polynomial_p)
#undef NABLA_SPECIAL_POLYNOMIAL
inline Tensor gammainc(const Tensor& self, const Tensor& other) {
  return nabla::special_gammainc(self, other);
}
inline Tensor gammaincc(const Tensor& self, const Tensor& other) {
  return nabla::special_gammaincc(self, other);
}
inline Tensor erfcx(const Tensor& self) { return nabla::special_erfcx(self); }
inline Tensor log_ndtr(const Tensor& self) { return nabla::special_log_ndtr(self); }
inline Tensor ndtri(const Tensor& self) { return nabla::special_ndtri(self); }
inline Tensor erf(const Tensor& self) { return nabla::erf(self); }
inline Tensor erfc(const Tensor& self) { return nabla::erfc(self); }
inline Tensor erfinv(const Tensor& self) { return nabla::erfinv(self); }
inline Tensor logit(const Tensor& self) { return nabla::logit(self); }
inline Tensor expit(const Tensor& self) { return nabla::sigmoid(self); }
inline Tensor exp2(const Tensor& self) { return nabla::exp2(self); }
inline Tensor expm1(const Tensor& self) { return nabla::expm1(self); }
inline Tensor log1p(const Tensor& self) { return nabla::log1p(self); }
inline Tensor xlogy(const Tensor& self, const Tensor& other) { return nabla::xlogy(self, other); }
inline Tensor xlogy(const Tensor& self, const Scalar& other) { return nabla::xlogy(self, other); }
inline Tensor sinc(const Tensor& self) { return nabla::sinc(self); }
inline Tensor round(const Tensor& self) { return nabla::round(self); }
inline Tensor logsumexp(const Tensor& self, IntArrayRef dims, bool keepdim) {
  return nabla::logsumexp(self, dims, keepdim);
}
inline Tensor softmax(const Tensor& self, int64_t dim,
                      std::optional<ScalarType> dtype = std::nullopt) {
  return nabla::softmax(self, dim, dtype);
}
inline Tensor log_softmax(const Tensor& self, int64_t dim, std::optional<ScalarType> dtype) {
  return nabla::log_softmax(self, dim, dtype);
}

}  // namespace nabla::special
