// Index sets and the tensors built from them: tril_indices / triu_indices (computed on the
// host, a few integers per element), cartesian_prod (meshgrid, flattened and stacked),
// combinations (index_select of the combinations' indices) and block_diag (each block padded
// with zeros and concatenated). The last three are differentiable through the ops they use.
#include <algorithm>
#include <vector>

#include "core/check.h"
#include "nabla/creation.h"
#include "ops/op_helpers.h"

namespace nabla {

namespace {

// The coordinates (row by row) of the elements with col - row <= offset (lower) or
// >= offset (upper), as a [2, N] tensor.
Tensor triangle_indices(int64_t row, int64_t col, int64_t offset, const TensorOptions& options,
                        bool lower, const char* op) {
  NABLA_CHECK(row >= 0, "[{}] row must be non-negative, got {}", op, row);
  NABLA_CHECK(col >= 0, "[{}] col must be non-negative, got {}", op, col);
  const ScalarType dtype = options.has_dtype() ? options.dtype() : kLong;
  NABLA_CHECK(dtype == kLong || dtype == kInt, "[{}] dtype must be int64 or int32, got {}", op,
              dtype);
  std::vector<int64_t> rows, cols;
  for (int64_t r = 0; r < row; ++r) {
    // Columns of row r in the triangle: [0, r + offset] (lower) or [r + offset, col) (upper).
    const int64_t first = lower ? 0 : std::max<int64_t>(0, r + offset);
    const int64_t last = lower ? std::min(col - 1, r + offset) : col - 1;
    for (int64_t c = first; c <= last; ++c) {
      rows.push_back(r);
      cols.push_back(c);
    }
  }
  const int64_t n = static_cast<int64_t>(rows.size());
  rows.insert(rows.end(), cols.begin(), cols.end());
  return tensor(rows, TensorOptions(kLong)).reshape({2, n}).to(options.dtype(dtype));
}

void check_vector(const Tensor& t, const char* op) {
  detail::check_defined(t, op);
  NABLA_CHECK(t.dim() == 1, "[{}] expect a 1D vector, but got shape {}", op, t.sizes());
}

}  // namespace

Tensor tril_indices(int64_t row, int64_t col, int64_t offset, const TensorOptions& options) {
  return triangle_indices(row, col, offset, options, true, "tril_indices");
}
Tensor triu_indices(int64_t row, int64_t col, int64_t offset, const TensorOptions& options) {
  return triangle_indices(row, col, offset, options, false, "triu_indices");
}

Tensor cartesian_prod(TensorList tensors) {
  NABLA_CHECK(!tensors.empty(), "[cartesian_prod] expects a non-empty list of tensors");
  for (const Tensor& t : tensors) check_vector(t, "cartesian_prod");
  if (tensors.size() == 1) return tensors[0];
  std::vector<Tensor> columns = meshgrid(tensors, "ij");
  for (Tensor& c : columns) c = c.flatten();
  return stack(columns, 1);
}

// Lexicographic r-combinations of the positions 0..n-1 (each position at most once, or with
// repeats), gathered from self.
Tensor combinations(const Tensor& self, int64_t r, bool with_replacement) {
  check_vector(self, "combinations");
  NABLA_CHECK(r >= 0, "[combinations] expect a non-negative number, but got {}", r);
  if (r == 0) return empty({0}, TensorOptions(self.scalar_type()).device(self.device()));
  const int64_t n = self.size(0);
  std::vector<int64_t> picks;
  std::vector<int64_t> at(static_cast<size_t>(r));
  // The first combination: 0, 1, 2, ... (or 0, 0, 0, ... with repeats).
  bool more = with_replacement ? n > 0 : r <= n;
  for (int64_t i = 0; i < r; ++i) at[static_cast<size_t>(i)] = with_replacement ? 0 : i;
  while (more) {
    picks.insert(picks.end(), at.begin(), at.end());
    // Advance the rightmost position that can still move, and reset those after it.
    int64_t i = r - 1;
    while (i >= 0 && at[static_cast<size_t>(i)] == (with_replacement ? n - 1 : n - r + i)) --i;
    if (i < 0) break;
    ++at[static_cast<size_t>(i)];
    for (int64_t j = i + 1; j < r; ++j)
      at[static_cast<size_t>(j)] =
          with_replacement ? at[static_cast<size_t>(i)] : at[static_cast<size_t>(j - 1)] + 1;
  }
  const int64_t count = static_cast<int64_t>(picks.size()) / r;
  const Tensor index = tensor(picks, TensorOptions(kLong)).to(self.device());
  return self.index_select(0, index).reshape({count, r});
}

Tensor block_diag(TensorList tensors) {
  if (tensors.empty()) return empty({1, 0});
  std::vector<const Tensor*> operands;
  for (size_t i = 0; i < tensors.size(); ++i) {
    detail::check_defined(tensors[i], "block_diag");
    NABLA_CHECK(tensors[i].dim() <= 2,
                "[block_diag] input tensors must have 2 or fewer dimensions. Input {} has {} "
                "dimensions",
                i, tensors[i].dim());
    detail::check_same_device(tensors[0], tensors[i], "block_diag");
    operands.push_back(&tensors[i]);
  }
  const ScalarType type = detail::result_type(operands);
  // Each block as a matrix: 0-d -> [1, 1], 1-d -> [1, n].
  std::vector<Tensor> blocks;
  int64_t width = 0;
  for (const Tensor& t : tensors) {
    Tensor b = t.to(type);
    if (b.dim() == 0) b = b.reshape({1, 1});
    if (b.dim() == 1) b = b.reshape({1, -1});
    width += b.size(1);
    blocks.push_back(b);
  }
  const TensorOptions on = TensorOptions(type).device(tensors[0].device());
  std::vector<Tensor> rows;
  int64_t left = 0;
  for (const Tensor& b : blocks) {
    const int64_t h = b.size(0), w = b.size(1);
    rows.push_back(cat({zeros({h, left}, on), b, zeros({h, width - left - w}, on)}, 1));
    left += w;
  }
  return cat(rows, 0);
}

}  // namespace nabla
