// The CPU's ordering kernel for sort and topk (Backend::order): each row's order by
// std::sort / std::partial_sort on an index permutation, rows split over the pool.
// Order: NaN is larger than every number (PyTorch's rule); ties keep the lower index first,
// so sort is stable and the result deterministic.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "backend/cpu/cpu_backend.h"
#include "core/dispatch.h"
#include "core/parallel.h"
#include "core/tensor_impl.h"

namespace nabla::cpu {
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
  Tensor out = detail::make_tensor(out_shape, kLong);
  if (k == 0 || rows == 0) return out;
  int64_t* dst = out.data_ptr<int64_t>();
  detail::dispatch_all(x.scalar_type(), "sort", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* src = x.data_ptr<T>();
    detail::parallel_for(rows, kRowGrain, [&](int64_t begin, int64_t end) {
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

/// `t` with dims a and b swapped (a view).
Tensor swapped(const Tensor& t, int64_t a, int64_t b) {
  std::vector<int64_t> sizes = t.sizes().vec(), strides = t.strides().vec();
  std::swap(sizes[static_cast<size_t>(a)], sizes[static_cast<size_t>(b)]);
  std::swap(strides[static_cast<size_t>(a)], strides[static_cast<size_t>(b)]);
  return detail::make_view(t, std::move(sizes), std::move(strides), t.storage_offset());
}

}  // namespace

void CpuBackend::order(const Tensor& x, int64_t dim, int64_t k, bool descending,
                       const Tensor& indices) {
  // Rows: the ordered dim moved last, contiguous.
  const int64_t last = x.dim() - 1;
  const Tensor moved = swapped(x, dim, last);
  Tensor rows = detail::make_tensor(moved.sizes(), moved.scalar_type());
  copy(moved, rows);
  copy(swapped(row_order(rows, k, descending), dim, last), indices);
}

namespace {
// PyTorch's binary searches (aten/src/ATen/native/Bucketization.cpp), comparisons written as
// there so that NaN goes where PyTorch puts it: the first position in [0, m) whose element is
// not below the value (lower) or above it (upper). order: the row's sorter, or null.
template <class T>
int64_t insertion_point(const T* row, const int64_t* order, int64_t m, T value, bool right) {
  int64_t start = 0, end = m;
  while (start < end) {
    const int64_t mid = start + ((end - start) >> 1);
    const T element = order ? row[order[mid]] : row[mid];
    const bool go_right = right ? !(element > value) : !(element >= value);
    if (go_right)
      start = mid + 1;
    else
      end = mid;
  }
  return start;
}
}  // namespace

void CpuBackend::search_sorted(const Tensor& sorted, const Tensor& values, const Tensor& sorter,
                               bool right, const Tensor& out) {
  const int64_t m = sorted.size(-1), k = values.dim() == 0 ? 1 : values.size(-1);
  const int64_t rows = k == 0 ? 0 : values.numel() / k;
  const bool shared_row = sorted.numel() == m;  // one sequence for every row of values
  int32_t* out32 = out.scalar_type() == kInt ? out.data_ptr<int32_t>() : nullptr;
  int64_t* out64 = out32 ? nullptr : out.data_ptr<int64_t>();
  detail::dispatch_all(values.scalar_type(), "searchsorted", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* seq = sorted.data_ptr<T>();
    const T* val = values.data_ptr<T>();
    const int64_t* order = sorter.defined() ? sorter.data_ptr<int64_t>() : nullptr;
    detail::parallel_for(rows, kRowGrain, [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        const int64_t offset = shared_row ? 0 : r * m;
        for (int64_t j = 0; j < k; ++j) {
          const int64_t at = insertion_point(seq + offset, order ? order + offset : nullptr, m,
                                             val[r * k + j], right);
          if (out32)
            out32[r * k + j] = static_cast<int32_t>(at);
          else
            out64[r * k + j] = at;
        }
      }
    });
  });
}

}  // namespace nabla::cpu
