// Statistics composed of differentiable ops, as PyTorch composes them (its
// aten/src/ATen/native/{Sorting,Correlation,Integration}.cpp): aminmax, quantile and
// nanquantile (sort, gather, lerp), cov and corrcoef (one product of the centred data),
// trapezoid and cumulative_trapezoid, msort.
#include <cmath>
#include <string>

#include "core/check.h"
#include "core/tensor_impl.h"
#include "nabla/creation.h"
#include "ops/op_helpers.h"

namespace nabla {

std::tuple<Tensor, Tensor> aminmax(const Tensor& self, std::optional<int64_t> dim, bool keepdim) {
  detail::check_defined(self, "aminmax");
  if (dim) {
    const int64_t d = detail::wrap_dim(*dim, std::max<int64_t>(self.dim(), 1), "aminmax");
    NABLA_CHECK(self.dim() == 0 || self.size(d) > 0,
                "[aminmax] cannot compute aminmax over an empty dimension as the operation has "
                "no identity (input {}, dim {})",
                self.sizes(), *dim);
    if (self.dim() == 0) return {self.clone(), self.clone()};
    return {self.amin({d}, keepdim), self.amax({d}, keepdim)};
  }
  NABLA_CHECK(self.numel() > 0,
              "[aminmax] cannot compute aminmax over an empty tensor as the operation has no "
              "identity (input {})",
              self.sizes());
  Tensor lo = self.amin(), hi = self.amax();
  if (keepdim) {
    const std::vector<int64_t> ones_shape(static_cast<size_t>(self.dim()), 1);
    lo = lo.reshape(ones_shape);
    hi = hi.reshape(ones_shape);
  }
  return {lo, hi};
}
std::tuple<Tensor, Tensor> Tensor::aminmax(std::optional<int64_t> dim, bool keepdim) const {
  return nabla::aminmax(*this, dim, keepdim);
}

Tensor msort(const Tensor& self) { return std::get<0>(self.sort(0)); }
Tensor Tensor::msort() const { return nabla::msort(*this); }

// ---- quantile ----
namespace {

enum class Interpolation { Linear, Lower, Higher, Midpoint, Nearest };

Interpolation parse_interpolation(std::string_view name, const char* op) {
  if (name == "linear") return Interpolation::Linear;
  if (name == "lower") return Interpolation::Lower;
  if (name == "higher") return Interpolation::Higher;
  if (name == "midpoint") return Interpolation::Midpoint;
  if (name == "nearest") return Interpolation::Nearest;
  NABLA_ERROR(
      "[{}] interpolation must be one of linear, lower, higher, midpoint or nearest, got "
      "\"{}\"",
      op, std::string(name));
}

// The quantiles q (0-d or 1-d) of self's rows along dim (all elements when dim is empty):
// each row sorted (NaN last), the q-th rank q (n - 1) (n counting only numbers, for
// nanquantile) rounded or split between the two neighbours as `interpolation` says. A row with a
// NaN gives NaN in quantile (its rank points at the last, NaN, element).
Tensor quantile_impl(const Tensor& self, const Tensor& q, std::optional<int64_t> dim, bool keepdim,
                     std::string_view interpolation, bool ignore_nan, const char* op) {
  detail::check_defined(self, op);
  detail::check_defined(q, op, "q");
  detail::check_same_device(self, q, op);
  NABLA_CHECK(self.numel() > 0, "[{}] input tensor must be non-empty", op);
  NABLA_CHECK(q.dim() <= 1, "[{}] q must be a scalar or 1D tensor, got {}", op, q.sizes());
  // PyTorch takes float and double only; the 16-bit floats sort and interpolate as well.
  NABLA_CHECK(self.is_floating_point(), "[{}] input tensor must be a floating point dtype, got {}",
              op, self.scalar_type());
  NABLA_CHECK(q.scalar_type() == self.scalar_type(),
              "[{}] q tensor must be same dtype as the input tensor, got {} and {}", op,
              q.scalar_type(), self.scalar_type());
  const Interpolation mode = parse_interpolation(interpolation, op);
  NABLA_CHECK(
      q.numel() == 0 || !detail::holds_values(q) || q.ge(0).logical_and(q.le(1)).all().item<bool>(),
      "[{}] q values must be in the range [0, 1]", op);

  // Rows to sort, and the result's shape without q's dim.
  std::vector<int64_t> out_shape;
  Tensor rows;
  if (dim) {
    const int64_t d = detail::wrap_dim(*dim, std::max<int64_t>(self.dim(), 1), op);
    const Tensor x = self.dim() == 0 ? self.reshape({1}) : self;
    rows = x.movedim(d, -1);
    out_shape = x.sizes().vec();
    if (keepdim)
      out_shape[static_cast<size_t>(d)] = 1;
    else
      out_shape.erase(out_shape.begin() + d);
    if (self.dim() == 0 && !keepdim) out_shape.clear();
  } else {
    rows = self.reshape({-1});
    if (keepdim) out_shape.assign(static_cast<size_t>(self.dim()), 1);
  }
  const Tensor sorted = std::get<0>(rows.sort(-1));
  const int64_t n = sorted.size(-1);
  const Tensor qs = q.reshape({-1}).detach();

  // Ranks [..., Q] along each row.
  Tensor ranks;
  {
    NoGradGuard no_grad;
    const Tensor nan_in_row = sorted.isnan();
    if (ignore_nan) {
      const Tensor numbers = nan_in_row.logical_not().sum({-1}, true).to(sorted.scalar_type());
      ranks = qs * (numbers - 1);
      ranks = ranks.masked_fill(ranks.lt(0), 0);
    } else {
      const Tensor any_nan = nan_in_row.sum({-1}, true).gt(0);
      std::vector<int64_t> shape = sorted.sizes().vec();
      shape.back() = qs.numel();
      ranks = (qs * static_cast<double>(n - 1)).expand(shape).masked_fill(any_nan, n - 1);
    }
    if (mode == Interpolation::Lower) ranks = ranks.floor();
    if (mode == Interpolation::Higher) ranks = ranks.ceil();
    if (mode == Interpolation::Nearest) ranks = ranks.round();
  }
  const Tensor below = ranks.to(kLong);
  Tensor values = sorted.gather(-1, below);
  if (mode == Interpolation::Linear || mode == Interpolation::Midpoint) {
    const Tensor weights = mode == Interpolation::Midpoint ? full_like(ranks, 0.5) : ranks - below;
    const Tensor above = sorted.gather(-1, ranks.ceil().to(kLong));
    values = values.lerp(above, weights);
  }
  // [..., Q] -> [Q, out_shape...], and no Q dim for a 0-d q.
  std::vector<int64_t> shape = out_shape;
  if (q.dim() == 1) shape.insert(shape.begin(), q.numel());
  return values.movedim(-1, 0).reshape(shape);
}

Tensor scalar_q(const Tensor& self, double q) {
  return full({}, q,
              TensorOptions(self.defined() ? self.scalar_type() : kFloat)
                  .device(self.defined() ? self.device() : Device(DeviceType::CPU)));
}

}  // namespace

Tensor quantile(const Tensor& self, const Tensor& q, std::optional<int64_t> dim, bool keepdim,
                std::string_view interpolation) {
  return quantile_impl(self, q, dim, keepdim, interpolation, false, "quantile");
}
Tensor quantile(const Tensor& self, double q, std::optional<int64_t> dim, bool keepdim,
                std::string_view interpolation) {
  NABLA_CHECK(q >= 0 && q <= 1, "[quantile] q must be in the range [0, 1] but got {}", q);
  return quantile(self, scalar_q(self, q), dim, keepdim, interpolation);
}
Tensor nanquantile(const Tensor& self, const Tensor& q, std::optional<int64_t> dim, bool keepdim,
                   std::string_view interpolation) {
  return quantile_impl(self, q, dim, keepdim, interpolation, true, "nanquantile");
}
Tensor nanquantile(const Tensor& self, double q, std::optional<int64_t> dim, bool keepdim,
                   std::string_view interpolation) {
  NABLA_CHECK(q >= 0 && q <= 1, "[nanquantile] q must be in the range [0, 1] but got {}", q);
  return nanquantile(self, scalar_q(self, q), dim, keepdim, interpolation);
}
Tensor Tensor::quantile(const Tensor& q, std::optional<int64_t> dim, bool keepdim,
                        std::string_view interpolation) const {
  return nabla::quantile(*this, q, dim, keepdim, interpolation);
}
Tensor Tensor::quantile(double q, std::optional<int64_t> dim, bool keepdim,
                        std::string_view interpolation) const {
  return nabla::quantile(*this, q, dim, keepdim, interpolation);
}
Tensor Tensor::nanquantile(const Tensor& q, std::optional<int64_t> dim, bool keepdim,
                           std::string_view interpolation) const {
  return nabla::nanquantile(*this, q, dim, keepdim, interpolation);
}
Tensor Tensor::nanquantile(double q, std::optional<int64_t> dim, bool keepdim,
                           std::string_view interpolation) const {
  return nabla::nanquantile(*this, q, dim, keepdim, interpolation);
}

// ---- covariance ----
namespace {
// A weight vector's checks, as PyTorch's cov (which: "fweights" or "aweights").
void check_weights(const Tensor& w, int64_t observations, const char* which, bool integral) {
  NABLA_CHECK(w.dim() <= 1,
              "[cov] expected {} to have one or fewer dimensions but got {} with {} dimensions",
              which, which, w.dim());
  if (integral)
    NABLA_CHECK(isIntegralType(w.scalar_type(), false),
                "[cov] expected fweights to have integral dtype but got fweights with {} dtype",
                w.scalar_type());
  else
    NABLA_CHECK(isFloatingType(w.scalar_type()),
                "[cov] expected aweights to have floating point dtype but got aweights with {} "
                "dtype",
                w.scalar_type());
  NABLA_CHECK(w.numel() == observations,
              "[cov] expected {} to have the same numel as there are observations in the input "
              "but got {} != {}",
              which, w.numel(), observations);
  NABLA_CHECK(observations == 0 || !detail::holds_values(w) || w.min().ge(0).item<bool>(),
              "[cov] {} cannot be negative", which);
}
}  // namespace

// Rows are variables, columns observations. With weights w = fweights * aweights the mean is
// sum(w x) / sum(w) and the normalizer sum(w) - correction * sum(w aweights) / sum(w) (numpy's).
Tensor cov(const Tensor& self, int64_t correction, const std::optional<Tensor>& fweights,
           const std::optional<Tensor>& aweights) {
  detail::check_defined(self, "cov");
  NABLA_CHECK(self.dim() <= 2,
              "[cov] expected input to have two or fewer dimensions but got an input with {} "
              "dimensions",
              self.dim());
  NABLA_CHECK(self.scalar_type() != kBool, "[cov] bool dtype is not supported for input");
  const Tensor in = self.dim() < 2 ? self.reshape({1, -1}) : self;
  const int64_t observations = in.size(1);
  Tensor w;
  if (fweights && fweights->defined()) {
    check_weights(*fweights, observations, "fweights", true);
    w = *fweights;
  }
  const bool has_aweights = aweights && aweights->defined();
  if (has_aweights) {
    check_weights(*aweights, observations, "aweights", false);
    w = w.defined() ? w * *aweights : *aweights;
  }
  const Tensor w_sum =
      w.defined() ? w.sum() : full({}, observations, TensorOptions(kLong).device(self.device()));
  const bool readable = detail::holds_values(in);
  NABLA_CHECK(!w.defined() || !readable || w_sum.ne(0).item<bool>(),
              "[cov] weights sum to zero, can't be normalized");
  const Tensor avg = (w.defined() ? in * w : in).sum({1}) / w_sum;
  Tensor norm_factor = has_aweights && correction != 0
                           ? w_sum - correction * (w * *aweights).sum() / w_sum
                           : w_sum - correction;
  // No degrees of freedom left: PyTorch warns and divides by 0 (inf and NaN).
  if (readable && norm_factor.le(0).item<bool>()) norm_factor = zeros_like(norm_factor);
  const Tensor centred = in - avg.unsqueeze(1);
  const Tensor c = centred.mm((w.defined() ? centred * w : centred).t());
  return (c / norm_factor).squeeze();
}
Tensor Tensor::cov(int64_t correction, const std::optional<Tensor>& fweights,
                   const std::optional<Tensor>& aweights) const {
  return nabla::cov(*this, correction, fweights, aweights);
}

Tensor corrcoef(const Tensor& self) {
  detail::check_defined(self, "corrcoef");
  NABLA_CHECK(self.dim() <= 2,
              "[corrcoef] expected input to have two or fewer dimensions but got an input with "
              "{} dimensions",
              self.dim());
  Tensor c = cov(self);
  if (c.dim() == 0) return c / c;  // one variable: 1, or NaN for a constant one
  const Tensor stddev = c.diagonal().sqrt();
  c = c / stddev.reshape({-1, 1});
  c = c / stddev.reshape({1, -1});
  return c.clamp(-1, 1);
}
Tensor Tensor::corrcoef() const { return nabla::corrcoef(*this); }

// ---- integration ----
namespace {

// y's shape without dim, for an integral over no samples (0, as numpy).
Tensor zeros_without(const Tensor& y, int64_t dim) {
  std::vector<int64_t> shape = y.sizes().vec();
  shape.erase(shape.begin() + dim);
  return zeros(shape, TensorOptions(y.scalar_type()).device(y.device()));
}

// The spacings x[i + 1] - x[i] along dim, shaped to broadcast against y's differences: a 1-D x
// lies along dim; a lower-dimensional x gets leading ones.
Tensor spacings(const Tensor& y, const Tensor& x, int64_t dim, const char* op) {
  Tensor viewed = x;
  if (x.dim() == 1) {
    NABLA_CHECK(x.size(0) == y.size(dim),
                "[{}] there must be one `x` value for each sample point: x {} for y {} along dim "
                "{}",
                op, x.sizes(), y.sizes(), dim);
    std::vector<int64_t> shape(static_cast<size_t>(y.dim()), 1);
    shape[static_cast<size_t>(dim)] = x.size(0);
    viewed = x.reshape(shape);
  } else if (x.dim() < y.dim()) {
    std::vector<int64_t> shape(static_cast<size_t>(y.dim() - x.dim()), 1);
    for (int64_t s : x.sizes()) shape.push_back(s);
    viewed = x.reshape(shape);
  }
  const int64_t n = viewed.size(dim);
  NABLA_CHECK(n >= 1, "[{}] x {} has no sample points along dim {}", op, x.sizes(), dim);
  return viewed.narrow(dim, 1, n - 1) - viewed.narrow(dim, 0, n - 1);
}

void check_not_bool(const Tensor& t, const char* op, const char* arg) {
  NABLA_CHECK(t.scalar_type() != kBool,
              "[{}] received a bool input for `{}`, but bool is not "
              "supported",
              op, arg);
}

// The pairwise sums y[i] + y[i + 1] along dim.
Tensor pair_sums(const Tensor& y, int64_t dim) {
  const int64_t n = y.size(dim);
  return y.narrow(dim, 0, n - 1) + y.narrow(dim, 1, n - 1);
}

}  // namespace

Tensor trapezoid(const Tensor& y, const Tensor& x, int64_t dim) {
  detail::check_defined(y, "trapezoid", "y");
  detail::check_defined(x, "trapezoid", "x");
  const int64_t d = detail::wrap_dim(dim, y.dim(), "trapezoid");
  if (y.size(d) == 0) return zeros_without(y, d);
  check_not_bool(y, "trapezoid", "y");
  check_not_bool(x, "trapezoid", "x");
  return (pair_sums(y, d) * spacings(y, x, d, "trapezoid")).sum({d}) / 2.;
}
// With a constant spacing the sum simplifies to (sum(y) - (y[0] + y[-1]) / 2) dx.
Tensor trapezoid(const Tensor& y, const Scalar& dx, int64_t dim) {
  detail::check_defined(y, "trapezoid", "y");
  const int64_t d = detail::wrap_dim(dim, y.dim(), "trapezoid");
  if (y.size(d) == 0) return zeros_without(y, d);
  check_not_bool(y, "trapezoid", "y");
  NABLA_CHECK(!dx.isBoolean(), "[trapezoid] dx must be a real number, got a bool");
  return (y.sum({d}) - (y.select(d, 0) + y.select(d, -1)) * 0.5) * dx.toDouble();
}
Tensor trapz(const Tensor& y, const Tensor& x, int64_t dim) { return trapezoid(y, x, dim); }
Tensor trapz(const Tensor& y, double dx, int64_t dim) { return trapezoid(y, dx, dim); }

Tensor cumulative_trapezoid(const Tensor& y, const Tensor& x, int64_t dim) {
  detail::check_defined(y, "cumulative_trapezoid", "y");
  detail::check_defined(x, "cumulative_trapezoid", "x");
  const int64_t d = detail::wrap_dim(dim, y.dim(), "cumulative_trapezoid");
  check_not_bool(y, "cumulative_trapezoid", "y");
  check_not_bool(x, "cumulative_trapezoid", "x");
  if (y.size(d) == 0) return y.narrow(d, 0, 0) * 1.0;
  return (pair_sums(y, d) * spacings(y, x, d, "cumulative_trapezoid")).cumsum(d) / 2.;
}
Tensor cumulative_trapezoid(const Tensor& y, const Scalar& dx, int64_t dim) {
  detail::check_defined(y, "cumulative_trapezoid", "y");
  const int64_t d = detail::wrap_dim(dim, y.dim(), "cumulative_trapezoid");
  check_not_bool(y, "cumulative_trapezoid", "y");
  NABLA_CHECK(!dx.isBoolean(), "[cumulative_trapezoid] dx must be a real number, got a bool");
  if (y.size(d) == 0) return y.narrow(d, 0, 0) * 1.0;
  return (pair_sums(y, d) * (dx.toDouble() / 2.)).cumsum(d);
}

}  // namespace nabla
