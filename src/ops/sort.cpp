// Sorting: sort and topk. Both ask the backend for each row's order (Backend::order: NaN
// greatest, ties by position, so sort is stable and both ops deterministic), then take the
// values with the backend's gather, so the values come out of the same kernel on every
// device. Backward scatters the values' gradient back to the indices they came from (indices
// are distinct within a row, so scatter_add is a plain scatter).
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

std::tuple<Tensor, Tensor> Tensor::topk(int64_t k, int64_t dim, bool largest, bool sorted) const {
  return nabla::topk(*this, k, dim, largest, sorted);
}

std::tuple<Tensor, Tensor> Tensor::sort(int64_t dim, bool descending) const {
  return nabla::sort(*this, dim, descending);
}

}  // namespace nabla
