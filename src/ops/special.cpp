// Functions of real numbers composed of elementwise ops: logit, sinc, copysign, float_power,
// ldexp. Each is differentiable (and twice) through its parts; where PyTorch defines a value or
// a gradient at a point the composition would get wrong (sinc at 0, copysign's gradient at 0)
// the composition says how it matches. The gamma family (lgamma, digamma, polygamma) and
// signbit are elementwise kernels, in elementwise.cpp.
#include <cmath>

#include "core/check.h"
#include "nabla/ops.h"
#include "nabla/special.h"
#include "ops/op_helpers.h"

namespace nabla {

using detail::apply_inplace;

namespace {
// Also used by nabla::special below.
constexpr double kPi = 3.14159265358979323846;

// Integers and bool compute in float32, as PyTorch's unary float ops.
Tensor as_floating(const Tensor& t) { return t.is_floating_point() ? t : t.to(kFloat); }
}  // namespace

// log(p / (1 - p)). With eps (>= 0, as PyTorch; a negative eps is ignored) p is clamped to
// [eps, 1 - eps] first, so the gradient is 0 outside that range and 1 / (p (1 - p)) inside,
// boundaries included, as PyTorch's logit_backward.
Tensor logit(const Tensor& self, std::optional<double> eps) {
  NABLA_CHECK(self.defined(), "[logit] got an undefined tensor");
  Tensor p = as_floating(self);
  if (eps && *eps >= 0) p = p.clamp(*eps, 1 - *eps);
  return (p / (1 - p)).log();
}
Tensor special_logit(const Tensor& self, std::optional<double> eps) { return logit(self, eps); }
Tensor Tensor::logit(std::optional<double> eps) const { return nabla::logit(*this, eps); }
Tensor& Tensor::logit_(std::optional<double> eps) const {
  return apply_inplace(const_cast<Tensor&>(*this), "logit_", Tensor(),
                       [&](const Tensor& v) { return nabla::logit(v, eps); });
}
Tensor& logit_(Tensor& self, std::optional<double> eps) { return self.logit_(eps); }

// sin(pi x) / (pi x), and 1 at x = 0. The division runs on pi x with the zeros replaced by 1,
// so that the branch where() discards has no 0 / 0 whose gradient would be NaN; the gradient
// at 0 is then 0, as PyTorch's.
Tensor sinc(const Tensor& self) {
  NABLA_CHECK(self.defined(), "[sinc] got an undefined tensor");
  const Tensor x = as_floating(self);
  const Tensor zero = x.eq(0);
  const Tensor pix = where(zero, 1.0, x * kPi);
  return where(zero, 1.0, pix.sin() / pix);
}
Tensor special_sinc(const Tensor& self) { return sinc(self); }
Tensor Tensor::sinc() const { return nabla::sinc(*this); }
Tensor& Tensor::sinc_() const {
  return apply_inplace(const_cast<Tensor&>(*this), "sinc_", Tensor(),
                       [](const Tensor& v) { return nabla::sinc(v); });
}
Tensor& sinc_(Tensor& self) { return self.sinc_(); }

// |self| with other's sign bit. The gradient to self is sign(self) times the sign chosen
// (0 where self is 0, as PyTorch's); other gets none (its sign is a step).
Tensor copysign(const Tensor& self, const Tensor& other) {
  NABLA_CHECK(self.defined() && other.defined(), "[copysign] got an undefined tensor");
  ScalarType type = nabla::result_type(self, other);
  if (!isFloatingType(type)) type = kFloat;
  const Tensor magnitude = self.to(type).abs();
  return where(signbit(other), -magnitude, magnitude);
}
Tensor copysign(const Tensor& self, const Scalar& other) {
  NABLA_CHECK(self.defined(), "[copysign] got an undefined tensor");
  const Tensor magnitude = as_floating(self).abs();
  return std::signbit(other.toDouble()) ? -magnitude : magnitude;
}
Tensor Tensor::copysign(const Tensor& other) const { return nabla::copysign(*this, other); }
Tensor Tensor::copysign(const Scalar& other) const { return nabla::copysign(*this, other); }
Tensor& Tensor::copysign_(const Tensor& other) const {
  return apply_inplace(const_cast<Tensor&>(*this), "copysign_", other,
                       [&](const Tensor& v) { return nabla::copysign(v, other); });
}
Tensor& Tensor::copysign_(const Scalar& other) const {
  return apply_inplace(const_cast<Tensor&>(*this), "copysign_", Tensor(),
                       [&](const Tensor& v) { return nabla::copysign(v, other); });
}

// pow in float64, whatever the inputs' dtypes (the result is float64).
Tensor float_power(const Tensor& self, const Tensor& exponent) {
  NABLA_CHECK(self.defined() && exponent.defined(), "[float_power] got an undefined tensor");
  return self.to(kFloat64).pow(exponent.to(kFloat64));
}
Tensor float_power(const Tensor& self, const Scalar& exponent) {
  NABLA_CHECK(self.defined(), "[float_power] got an undefined tensor");
  return self.to(kFloat64).pow(exponent.toDouble());
}
Tensor float_power(const Scalar& self, const Tensor& exponent) {
  NABLA_CHECK(exponent.defined(), "[float_power] got an undefined tensor");
  return pow(self.toDouble(), exponent.to(kFloat64));
}
Tensor Tensor::float_power(const Tensor& exponent) const {
  return nabla::float_power(*this, exponent);
}
Tensor Tensor::float_power(const Scalar& exponent) const {
  return nabla::float_power(*this, exponent);
}
namespace {
// The result is float64, so only a float64 tensor can hold it in place (as PyTorch).
void check_float_power_base(const Tensor& self) {
  NABLA_CHECK(self.scalar_type() == kFloat64,
              "[float_power_] the base given to float_power_ has dtype {} but the operation's "
              "result requires dtype Double",
              self.scalar_type());
}
}  // namespace
Tensor& Tensor::float_power_(const Tensor& exponent) const {
  check_float_power_base(*this);
  return apply_inplace(const_cast<Tensor&>(*this), "float_power_", exponent,
                       [&](const Tensor& v) { return nabla::float_power(v, exponent); });
}
Tensor& Tensor::float_power_(const Scalar& exponent) const {
  check_float_power_base(*this);
  return apply_inplace(const_cast<Tensor&>(*this), "float_power_", Tensor(),
                       [&](const Tensor& v) { return nabla::float_power(v, exponent); });
}

// self * 2^other, as PyTorch composes it (integer inputs give float32).
Tensor ldexp(const Tensor& self, const Tensor& other) {
  NABLA_CHECK(self.defined() && other.defined(), "[ldexp] got an undefined tensor");
  return self * pow(2.0, other);
}
Tensor Tensor::ldexp(const Tensor& other) const { return nabla::ldexp(*this, other); }
Tensor& Tensor::ldexp_(const Tensor& other) const {
  return apply_inplace(const_cast<Tensor&>(*this), "ldexp_", other,
                       [&](const Tensor& v) { return nabla::ldexp(v, other); });
}
Tensor& ldexp_(Tensor& self, const Tensor& other) { return self.ldexp_(other); }

// polygamma's method forms (the op is in elementwise.cpp, beside digamma).
Tensor Tensor::polygamma(int64_t n) const { return nabla::polygamma(n, *this); }
Tensor& Tensor::polygamma_(int64_t n) const {
  return apply_inplace(const_cast<Tensor&>(*this), "polygamma_", Tensor(),
                       [&](const Tensor& v) { return nabla::polygamma(n, v); });
}

// log ndtr(x). Above -1, log1p(-ndtr(-x)) (ndtr(-x) = erfc(x / sqrt 2) / 2 is at most 0.84
// there, and small for large x, where log(ndtr(x)) would lose it); below, in terms of erfcx,
// log(erfcx(-x / sqrt 2) / 2) - x^2 / 2, finite however far the tail goes (ndtr(-40) underflows
// to 0). Each branch runs on a safe value where the other is taken, so that where() never
// multiplies a discarded infinite derivative by 0.
Tensor special_log_ndtr(const Tensor& self) {
  NABLA_CHECK(self.defined(), "[special_log_ndtr] got an undefined tensor");
  const Tensor x = as_floating(self);
  const Tensor tail = x.lt(-1);
  const Tensor low = where(tail, x, -1.0), high = where(tail, 0.0, x);
  const Tensor low_value = (special_erfcx(low * -M_SQRT1_2) * 0.5).log() - low * low * 0.5;
  const Tensor high_value = ((high * M_SQRT1_2).erfc() * -0.5).log1p();
  return where(tail, low_value, high_value);
}

}  // namespace nabla

// ---- torch::special's compositions ----
namespace nabla::special {

Tensor multigammaln(const Tensor& self, int64_t p) {
  NABLA_CHECK(self.defined(), "[multigammaln] got an undefined tensor");
  NABLA_CHECK(p >= 1, "[multigammaln] p has to be greater than or equal to 1, got {}", p);
  const double bound = 0.5 * static_cast<double>(p - 1);
  NABLA_CHECK(self.numel() == 0 || !detail::holds_values(self) || self.gt(bound).all().item<bool>(),
              "[multigammaln] all elements must be greater than (p-1)/2 = {}", bound);
  // lgamma(x - j / 2) for j = 0..p-1 along a new last dim, summed.
  const Tensor halves =
      arange(static_cast<double>(p), TensorOptions(self.scalar_type()).device(self.device())) *
      -0.5;
  const double constant = static_cast<double>(p * (p - 1)) / 4 * std::log(kPi);
  return (self.unsqueeze(-1) + halves).lgamma().sum({-1}) + constant;
}

Tensor entr(const Tensor& self) {
  NABLA_CHECK(self.defined(), "[entr] got an undefined tensor");
  const Tensor x = as_floating(self);
  // x log x with the log of a safe 1 where x <= 0, so the discarded branch has no NaN gradient.
  const Tensor positive = x.gt(0);
  const Tensor safe = where(positive, x, 1.0);
  const Tensor inner = full_like(x, -INFINITY).masked_fill(x.eq(0), 0);
  return where(positive, -safe * safe.log(), where(x.isnan(), x, inner));
}

// erfc(-x / sqrt 2) / 2 rather than (1 + erf(x / sqrt 2)) / 2, which cancels in the left tail:
// ndtr(-4.26) came out 1.0000000000010e-05 (11 digits), ndtr(-9) 0 instead of 1.1e-19.
Tensor ndtr(const Tensor& self) {
  NABLA_CHECK(self.defined(), "[ndtr] got an undefined tensor");
  return (as_floating(self) * -M_SQRT1_2).erfc() * 0.5;
}

// x log1p(y), and 0 where x is 0 and y is not NaN. log1p runs on a safe 0 there, so that the
// branch where() discards has no infinite derivative (y = -1 would give 0 / 0 = NaN in y's
// gradient; PyTorch's formula, grad * x / (1 + y), gives NaN at that one point, nabla 0).
Tensor xlog1py(const Tensor& self, const Tensor& other) {
  NABLA_CHECK(self.defined() && other.defined(), "[xlog1py] got an undefined tensor");
  const Tensor y = as_floating(other);
  const Tensor zero = self.eq(0).logical_and(y.isnan().logical_not());
  const Tensor product = self * where(zero, zeros_like(y), y).log1p();
  return where(zero, zeros_like(product), product);
}
Tensor xlog1py(const Tensor& self, const Scalar& other) {
  return xlog1py(self, detail::wrap_scalar(other, self.device()));
}
Tensor xlog1py(const Scalar& self, const Tensor& other) {
  return xlog1py(detail::wrap_scalar(self, other.device()), other);
}

}  // namespace nabla::special
