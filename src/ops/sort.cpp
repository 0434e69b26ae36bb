// Sorting: sort and topk. Both ask the backend for each row's order (Backend::order: NaN
// greatest, ties by position, so sort is stable and both ops deterministic), then take the
// values with the backend's gather, so the values come out of the same kernel on every
// device. Backward scatters the values' gradient back to the indices they came from (indices
// are distinct within a row, so scatter_add is a plain scatter).
#include <algorithm>

#include "nabla/creation.h"
#include "ops/op_helpers.h"

namespace nabla {

using namespace detail;  // NOLINT: op helpers

namespace {

/// Values and indices of the first k elements along dim d of `self` (at least 1-D) in order.
std::tuple<Tensor, Tensor> ordered(const Tensor& self, int64_t d, int64_t k, bool descending,
                                   const char* backward_name) {
  std::vector<int64_t> shape = self.sizes().vec();
  shape[static_cast<size_t>(d)] = k;
  const Tensor indices = make_tensor(shape, kLong, self.device());
  backend_for(self).order(self, d, k, descending, indices);
  Tensor values = make_tensor(indices.sizes(), self.scalar_type(), self.device());
  backend_for(self).gather(self, d, indices, values);
  if (needs_grad(self) && values.is_floating_point()) {
    record(backward_name, {values, indices}, {self},
           [dim = d, indices, self_sizes = self.sizes().vec()](const variable_list& grads,
                                                               const Node&) -> variable_list {
             const Tensor& grad = grads[0];
             return {zeros(self_sizes, grad.options()).scatter_add(dim, indices, grad)};
           });
  }
  return {values, indices};
}

}  // namespace

std::tuple<Tensor, Tensor> topk(const Tensor& self, int64_t k, int64_t dim, bool largest,
                                bool sorted) {
  (void)sorted;  // the k elements always come out sorted, which `sorted == false` allows
  check_defined(self, "topk");
  if (self.dim() == 0) {
    // A 0-d tensor is its own top element (PyTorch accepts k = 0 or 1 here).
    wrap_dim(dim, 1, "topk");
    NABLA_CHECK(k == 0 || k == 1, "[topk] k ({}) is out of range for a 0-d tensor (0 or 1)", k);
    auto [v, i] = topk(self.reshape({1}), 1, 0, largest, sorted);
    return {v.reshape({}), i.reshape({})};
  }
  const int64_t d = wrap_dim(dim, self.dim(), "topk");
  NABLA_CHECK(k >= 0 && k <= self.size(d),
              "[topk] k ({}) is out of range for dimension {} of size {} (input shape {})", k, d,
              self.size(d), self.sizes());
  return ordered(self, d, k, largest, "TopkBackward0");
}

std::tuple<Tensor, Tensor> sort(const Tensor& self, int64_t dim, bool descending) {
  check_defined(self, "sort");
  if (self.dim() == 0) {
    wrap_dim(dim, 1, "sort");
    auto [v, i] = sort(self.reshape({1}), 0, descending);
    return {v.reshape({}), i.reshape({})};
  }
  const int64_t d = wrap_dim(dim, self.dim(), "sort");
  return ordered(self, d, self.size(d), descending, "SortBackward0");
}

// ---- order statistics ------------------------------------------------------------------
// The element at a sorted position of each slice, with its index: sort's order (stable, NaN
// greatest), so among equal values the first one's index is returned (PyTorch's quickselect may
// name another of them: its docs leave that open). The values' gradient flows through sort's.

namespace {
// Values and indices at sorted positions `pos` (int64, self's shape with dim d of size 1).
std::tuple<Tensor, Tensor> at_sorted_position(const Tensor& self, int64_t d, const Tensor& pos,
                                              bool keepdim) {
  auto [values, indices] = nabla::sort(self, d);
  Tensor v = values.gather(d, pos), i = indices.gather(d, pos);
  if (!keepdim) return {v.squeeze(d), i.squeeze(d)};
  return {v, i};
}

// The lower median's sorted position per slice: (n - 1) / 2; a slice with NaN gives its first
// NaN (median) or the lower median of its other elements (nanmedian; all NaN: the first).
std::tuple<Tensor, Tensor> median_impl(const Tensor& self, int64_t dim, bool keepdim,
                                       bool ignore_nan, const char* op) {
  check_defined(self, op);
  if (self.dim() == 0) {
    wrap_dim(dim, 1, op);
    auto [v, i] = median_impl(self.reshape({1}), 0, keepdim, ignore_nan, op);
    return {v.reshape({}), i.reshape({})};
  }
  const int64_t d = wrap_dim(dim, self.dim(), op);
  const int64_t n = self.size(d);
  NABLA_CHECK(n > 0, "[{}] expected reduction dim {} to have non-zero size, got shape {}", op, d,
              self.sizes());
  std::vector<int64_t> shape = self.sizes().vec();
  shape[size_t(d)] = 1;
  const TensorOptions index_options = TensorOptions().dtype(kLong).device(self.device());
  Tensor pos = full(shape, (n - 1) / 2, index_options);
  if (self.is_floating_point()) {
    const Tensor nans = self.isnan().sum({d}, true);
    if (ignore_nan) {
      const Tensor valid = n - nans;
      pos = where(valid > 0, (valid - 1).to(kDouble).div(2).floor().to(kLong), 0);
    } else {
      pos = where(nans > 0, n - nans, pos);
    }
  }
  return at_sorted_position(self, d, pos, keepdim);
}
}  // namespace

std::tuple<Tensor, Tensor> kthvalue(const Tensor& self, int64_t k, int64_t dim, bool keepdim) {
  check_defined(self, "kthvalue");
  const Tensor in = self.dim() == 0 ? self.reshape({1}) : self;
  const int64_t d = wrap_dim(dim, std::max<int64_t>(self.dim(), 1), "kthvalue");
  NABLA_CHECK(k >= 1 && k <= in.size(d),
              "[kthvalue] k ({}) is out of range for dimension {} of size {} (input shape {})", k,
              d, in.size(d), self.sizes());
  std::vector<int64_t> shape = in.sizes().vec();
  shape[size_t(d)] = 1;
  auto [v, i] = at_sorted_position(
      in, d, full(shape, k - 1, TensorOptions().dtype(kLong).device(self.device())),
      keepdim || self.dim() == 0);
  if (self.dim() == 0) return {v.reshape({}), i.reshape({})};
  return {v, i};
}

std::tuple<Tensor, Tensor> median(const Tensor& self, int64_t dim, bool keepdim) {
  return median_impl(self, dim, keepdim, false, "median");
}
std::tuple<Tensor, Tensor> nanmedian(const Tensor& self, int64_t dim, bool keepdim) {
  return median_impl(self, dim, keepdim, true, "nanmedian");
}
Tensor median(const Tensor& self) {
  check_defined(self, "median");
  return std::get<0>(median_impl(self.reshape({-1}), 0, false, false, "median"));
}
Tensor nanmedian(const Tensor& self) {
  check_defined(self, "nanmedian");
  return std::get<0>(median_impl(self.reshape({-1}), 0, false, true, "nanmedian"));
}

std::tuple<Tensor, Tensor> Tensor::kthvalue(int64_t k, int64_t dim, bool keepdim) const {
  return nabla::kthvalue(*this, k, dim, keepdim);
}
Tensor Tensor::median() const { return nabla::median(*this); }
std::tuple<Tensor, Tensor> Tensor::median(int64_t dim, bool keepdim) const {
  return nabla::median(*this, dim, keepdim);
}
Tensor Tensor::nanmedian() const { return nabla::nanmedian(*this); }
std::tuple<Tensor, Tensor> Tensor::nanmedian(int64_t dim, bool keepdim) const {
  return nabla::nanmedian(*this, dim, keepdim);
}

std::tuple<Tensor, Tensor> Tensor::topk(int64_t k, int64_t dim, bool largest, bool sorted) const {
  return nabla::topk(*this, k, dim, largest, sorted);
}

std::tuple<Tensor, Tensor> Tensor::sort(int64_t dim, bool descending) const {
  return nabla::sort(*this, dim, descending);
}

}  // namespace nabla
