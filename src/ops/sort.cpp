// Sorting: sort and topk. Both find each row's order on the host (as the integer draws of
// random.cpp do), then take the values with the backend's gather, so the values come out of
// the same kernel on every device. Backward scatters the values' gradient back to the indices
// they came from (indices are distinct within a row, so scatter_add is a plain scatter).
// Order: NaN is larger than every number (PyTorch's rule); ties keep the lower index first,
// so sort is stable and both ops are deterministic.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/dispatch.h"
#include "core/parallel.h"
#include "ops/op_helpers.h"

namespace nabla {

using namespace detail;  // NOLINT: op helpers

namespace {

constexpr int64_t kRowGrain = 16;

template <class T>
bool is_nan(T v) {
  if constexpr (detail::is_floating_v<T>) {
    return std::isnan(v);
  } else {
    (void)v;
    return false;
  }
}

/// a before b in ascending order (NaN last) or descending order (NaN first); ties by index.
template <class T>
struct RowOrder {
  const T* row;
  bool descending;
  bool operator()(int64_t a, int64_t b) const {
    const T x = row[a], y = row[b];
    const bool xn = is_nan(x), yn = is_nan(y);
    if (xn != yn) return descending ? xn : yn;
    if (!xn && x != y) return descending ? y < x : x < y;
    return a < b;
  }
};

/// Int64 indices [..., k] of the first k elements of each row of `x` (contiguous, the sorted
/// dim last) in the requested order.
Tensor row_order(const Tensor& x, int64_t k, bool descending) {
  const int64_t n = x.size(-1);
  const int64_t rows = n == 0 ? 0 : x.numel() / n;
  std::vector<int64_t> out_shape = x.sizes().vec();
  out_shape.back() = k;
  Tensor out = make_tensor(out_shape, kLong);
  if (k == 0 || rows == 0) return out;
  int64_t* dst = out.data_ptr<int64_t>();
  dispatch_all(x.scalar_type(), "sort", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* src = x.data_ptr<T>();
    parallel_for(rows, kRowGrain, [&](int64_t begin, int64_t end) {
      std::vector<int64_t> perm(static_cast<size_t>(n));
      for (int64_t r = begin; r < end; ++r) {
        std::iota(perm.begin(), perm.end(), 0);
        const RowOrder<T> before{src + r * n, descending};
        if (k == n)
          std::sort(perm.begin(), perm.end(), before);
        else
          std::partial_sort(perm.begin(), perm.begin() + k, perm.end(), before);
        std::copy(perm.begin(), perm.begin() + k, dst + r * k);
      }
    });
  });
  return out;
}

/// Values and indices of the first k elements along dim d of `self` (at least 1-D) in order.
std::tuple<Tensor, Tensor> ordered(const Tensor& self, int64_t d, int64_t k, bool descending,
                                   const char* backward_name) {
  const int64_t last = self.dim() - 1;
  // The host works on rows: the sorted dim moved last, contiguous, on the CPU.
  Tensor x = contiguous_nograd(host_readable(self).transpose(d, last));
  Tensor host_idx = row_order(x, k, descending).transpose(d, last);
  const Tensor indices = from_host(contiguous_nograd(host_idx), self.device());
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
