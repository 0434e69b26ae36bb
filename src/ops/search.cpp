// Searching and counting: searchsorted and bucketize (the backend's binary search), isin
// (searchsorted in the sorted test elements), bincount and histc (index_add of ones or weights
// into the bins). None of them is differentiable, as in PyTorch (histc and bincount count;
// their weights' gradient is not defined there either).
#include <cmath>
#include <string>

#include "backend/backend.h"
#include "core/check.h"
#include "core/tensor_impl.h"
#include "nabla/creation.h"
#include "ops/op_helpers.h"

namespace nabla {

using detail::make_tensor;

namespace {

void check_search_args(const Tensor& seq, const Tensor& values, bool out_int32, bool right,
                       std::optional<std::string_view> side, const std::optional<Tensor>& sorter) {
  const char* op = "searchsorted";
  detail::check_defined(seq, op, "sorted_sequence");
  detail::check_defined(values, op, "self");
  detail::check_same_device(seq, values, op);
  NABLA_CHECK(seq.dim() >= 1, "[searchsorted] sorted_sequence must have at least one dimension");
  if (seq.dim() > 1) {
    const auto lead_seq = seq.sizes().slice(0, seq.dim() - 1);
    NABLA_CHECK(values.dim() == seq.dim() && lead_seq == values.sizes().slice(0, values.dim() - 1),
                "[searchsorted] sorted_sequence {} and values {} must have the same leading "
                "dimensions (all but the last), or sorted_sequence must be 1-D",
                seq.sizes(), values.sizes());
  }
  if (side) {
    NABLA_CHECK(*side == "left" || *side == "right",
                "[searchsorted] side must be \"left\" or \"right\", got \"{}\"",
                std::string(*side));
    NABLA_CHECK(!(right && *side == "left"),
                "[searchsorted] side and right can't be set to opposites, got side of left "
                "while right was true");
  }
  NABLA_CHECK(!out_int32 || seq.size(-1) < (int64_t{1} << 31),
              "[searchsorted] the size of sorted_sequence's last dimension, {}, is too large "
              "for int32 indices",
              seq.size(-1));
  if (sorter && sorter->defined()) {
    NABLA_CHECK(sorter->scalar_type() == kLong, "[searchsorted] sorter must be int64, got {}",
                sorter->scalar_type());
    NABLA_CHECK(sorter->sizes() == seq.sizes(),
                "[searchsorted] sorter {} must have the shape of sorted_sequence {}",
                sorter->sizes(), seq.sizes());
    const int64_t m = seq.size(-1);
    NABLA_CHECK(sorter->numel() == 0 ||
                    (sorter->min().item<int64_t>() >= 0 && sorter->max().item<int64_t>() < m),
                "[searchsorted] sorter indices must be in [0, {})", m);
  }
}

}  // namespace

Tensor searchsorted(const Tensor& sorted_sequence, const Tensor& self, bool out_int32, bool right,
                    std::optional<std::string_view> side, const std::optional<Tensor>& sorter) {
  check_search_args(sorted_sequence, self, out_int32, right, side, sorter);
  const bool upper = right || (side && *side == "right");
  const ScalarType type = nabla::result_type(sorted_sequence, self);
  // The kernel reads rows: [R, m] sequences against [R, k] values (or one shared sequence).
  const int64_t m = sorted_sequence.size(-1);
  const Tensor seq =
      detail::contiguous_nograd(detail::cast(sorted_sequence, type)).reshape({-1, m});
  const int64_t k = self.dim() == 0 ? 1 : self.size(-1);
  const Tensor values = detail::contiguous_nograd(detail::cast(self, type)).reshape({-1, k});
  const Tensor order =
      sorter && sorter->defined() ? detail::contiguous_nograd(*sorter).reshape({-1, m}) : Tensor();
  Tensor out = make_tensor(self.sizes(), out_int32 ? kInt : kLong, self.device());
  if (out.numel() > 0) backend_for(self).search_sorted(seq, values, order, upper, out);
  return out;
}
Tensor searchsorted(const Tensor& sorted_sequence, const Scalar& self, bool out_int32, bool right,
                    std::optional<std::string_view> side, const std::optional<Tensor>& sorter) {
  NABLA_CHECK(!sorted_sequence.defined() || sorted_sequence.dim() == 1,
              "[searchsorted] a number is searched in a 1-D sorted_sequence, got {}",
              sorted_sequence.sizes());
  return searchsorted(sorted_sequence, detail::wrap_scalar(self, sorted_sequence.device()),
                      out_int32, right, side, sorter);
}

Tensor bucketize(const Tensor& self, const Tensor& boundaries, bool out_int32, bool right) {
  detail::check_defined(boundaries, "bucketize", "boundaries");
  NABLA_CHECK(boundaries.dim() == 1, "[bucketize] boundaries must be 1-D, got {}",
              boundaries.sizes());
  return searchsorted(boundaries, self, out_int32, right);
}
Tensor bucketize(const Scalar& self, const Tensor& boundaries, bool out_int32, bool right) {
  detail::check_defined(boundaries, "bucketize", "boundaries");
  return bucketize(detail::wrap_scalar(self, boundaries.device()), boundaries, out_int32, right);
}

// Each element is looked up in the sorted test elements: found where the insertion point holds
// an equal element. O((n + m) log m), and no n x m comparison matrix.
Tensor isin(const Tensor& elements, const Tensor& test_elements, bool /*assume_unique*/,
            bool invert) {
  detail::check_defined(elements, "isin", "elements");
  detail::check_defined(test_elements, "isin", "test_elements");
  detail::check_same_device(elements, test_elements, "isin");
  const ScalarType type = nabla::result_type(elements, test_elements);
  Tensor found;
  if (test_elements.numel() == 0 ||
      (test_elements.is_floating_point() && test_elements.isnan().all().item<bool>())) {
    found = zeros(elements.sizes(), TensorOptions(kBool).device(elements.device()));
  } else {
    NoGradGuard no_grad;
    // NaN equals nothing: drop it from the pool (sorting puts it last), so that the search
    // (which treats a NaN element as smaller than every value, as PyTorch's) sees numbers only.
    const Tensor sorted = std::get<0>(detail::cast(test_elements, type).reshape({-1}).sort());
    const int64_t numbers = sorted.numel() - sorted.isnan().sum().item<int64_t>();
    const Tensor pool = sorted.narrow(0, 0, numbers);
    const Tensor x = detail::cast(elements, type);
    const Tensor at = searchsorted(pool, x).clamp_max(pool.numel() - 1);
    found = pool.index_select(0, at.reshape({-1})).reshape(x.sizes()).eq(x);
  }
  return invert ? found.logical_not() : found;
}
Tensor isin(const Tensor& elements, const Scalar& test_element, bool assume_unique, bool invert) {
  detail::check_defined(elements, "isin", "elements");
  return isin(elements, detail::wrap_scalar(test_element, elements.device()), assume_unique,
              invert);
}
Tensor isin(const Scalar& element, const Tensor& test_elements, bool assume_unique, bool invert) {
  detail::check_defined(test_elements, "isin", "test_elements");
  return isin(detail::wrap_scalar(element, test_elements.device()), test_elements, assume_unique,
              invert);
}

// Counts (int64), or sums of weights: float32 for float32 weights, float64 for any other, as
// PyTorch's CPU kernel.
Tensor bincount(const Tensor& self, const std::optional<Tensor>& weights, int64_t minlength) {
  detail::check_defined(self, "bincount");
  NABLA_CHECK(self.dim() == 1 && isIntegralType(self.scalar_type(), false),
              "[bincount] only supports 1-d non-negative integral inputs, got {} of {}",
              self.sizes(), self.scalar_type());
  NABLA_CHECK(minlength >= 0, "[bincount] minlength should be >= 0, got {}", minlength);
  const bool weighted = weights && weights->defined();
  if (weighted) {
    detail::check_same_device(self, *weights, "bincount");
    NABLA_CHECK(weights->dim() == 1 && weights->size(0) == self.size(0),
                "[bincount] weights {} should be 1-d and have the same length as input {}",
                weights->sizes(), self.sizes());
  }
  const Tensor index = self.to(kLong);
  int64_t bins = minlength;
  if (self.numel() > 0) {
    NABLA_CHECK(index.min().item<int64_t>() >= 0,
                "[bincount] only supports 1-d non-negative integral inputs, got a negative value");
    bins = std::max(bins, index.max().item<int64_t>() + 1);
  }
  NoGradGuard no_grad;
  if (!weighted) {
    const TensorOptions on = TensorOptions(kLong).device(self.device());
    return index_add(zeros({bins}, on), 0, index, ones({self.numel()}, on));
  }
  const ScalarType type = weights->scalar_type() == kFloat ? kFloat : kDouble;
  return index_add(zeros({bins}, TensorOptions(type).device(self.device())), 0, index,
                   weights->to(type));
}
Tensor Tensor::bincount(const std::optional<Tensor>& weights, int64_t minlength) const {
  return nabla::bincount(*this, weights, minlength);
}

// bins equal bins over [min, max]; the data's range when both are 0 (widened by 1 on each side
// when all values are equal). A value on max goes into the last bin; values outside, and NaN,
// are not counted. The result has the input's dtype.
Tensor histc(const Tensor& self, int64_t bins, const Scalar& min, const Scalar& max) {
  detail::check_defined(self, "histc");
  NABLA_CHECK(self.is_floating_point(), "[histc] expected a floating point tensor, got {}",
              self.scalar_type());
  NABLA_CHECK(bins > 0, "[histc] bins must be > 0, got {}", bins);
  NoGradGuard no_grad;
  // The range in the input's dtype, as PyTorch holds it (0.1 is 0.1f for float32 data).
  auto in_dtype = [&](double v) { return full({}, v, self.scalar_type()).item<double>(); };
  double lo = in_dtype(min.toDouble()), hi = in_dtype(max.toDouble());
  const Tensor x = self.reshape({-1});
  if (lo == hi && x.numel() > 0) {
    lo = x.min().item<double>();
    hi = x.max().item<double>();
  }
  if (lo == hi) {
    lo -= 1;
    hi += 1;
  }
  NABLA_CHECK(std::isfinite(lo) && std::isfinite(hi), "[histc] range of [{}, {}] is not finite", lo,
              hi);
  NABLA_CHECK(lo < hi, "[histc] max must be larger than min, got min {} and max {}", lo, hi);
  const Tensor wide = x.to(kDouble);
  const Tensor inside = wide.ge(lo).logical_and(wide.le(hi));
  const Tensor kept = wide.masked_select(inside);
  const Tensor bin = ((kept - lo) * static_cast<double>(bins) / (hi - lo))
                         .floor()
                         .clamp_max(static_cast<double>(bins - 1))
                         .to(kLong);
  const TensorOptions on = TensorOptions(self.scalar_type()).device(self.device());
  return index_add(zeros({bins}, on), 0, bin, ones({bin.numel()}, on));
}
Tensor Tensor::histc(int64_t bins, const Scalar& min, const Scalar& max) const {
  return nabla::histc(*this, bins, min, max);
}

}  // namespace nabla
