// Overflow-checked size arithmetic (see checked.h).
#include "core/checked.h"

#include <cmath>

namespace nabla::detail {

int64_t checked_numel(IntArrayRef sizes, const char* op) {
  NABLA_CHECK(sizes.size() <= kMaxDims, "[{}] a tensor can have at most {} dimensions, got {}", op,
              kMaxDims, sizes.size());
  int64_t numel = 1, extent = 1;  // extent: product of max(size, 1), the largest stride
  for (int64_t s : sizes) {
    NABLA_CHECK(s >= 0, "[{}] negative dimension {} in size {}", op, s, sizes);
    NABLA_CHECK(!__builtin_mul_overflow(extent, s > 0 ? s : 1, &extent),
                "[{}] size {} is too large: its element count overflows int64", op, sizes);
    numel *= s;  // |numel| <= extent, so this cannot overflow
  }
  return numel;
}

size_t checked_nbytes(int64_t numel, size_t element_size, const char* op) {
  int64_t n = 0;
  NABLA_CHECK(numel >= 0 && !__builtin_mul_overflow(numel, static_cast<int64_t>(element_size), &n),
              "[{}] {} elements of {} bytes overflow the byte count", op, numel, element_size);
  return static_cast<size_t>(n);
}

void check_view_bounds(IntArrayRef sizes, IntArrayRef strides, int64_t offset, int64_t capacity,
                       const char* op) {
  NABLA_CHECK(sizes.size() == strides.size(), "[{}] sizes {} and strides {} have different lengths",
              op, sizes, strides);
  if (checked_numel(sizes, op) == 0) return;
  int64_t lo = offset, hi = offset;
  for (size_t d = 0; d < sizes.size(); ++d) {
    if (sizes[d] == 1) continue;
    const int64_t span = checked_mul(sizes[d] - 1, strides[d], op, "view extent");
    if (span < 0) {
      lo = checked_add(lo, span, op, "view extent");
    } else {
      hi = checked_add(hi, span, op, "view extent");
    }
  }
  NABLA_CHECK(lo >= 0 && hi < capacity,
              "[{}] size {} stride {} offset {} reaches elements {} to {}, outside the storage of "
              "{} elements",
              op, sizes, strides, offset, lo, hi, capacity);
}

int64_t checked_double_to_int64(double v, const char* op, const char* what) {
  // 2^63 is exactly representable; every double below it converts without overflow.
  NABLA_CHECK(std::isfinite(v) && v > -9223372036854775808.0 && v < 9223372036854775808.0,
              "[{}] {} {} does not fit in int64", op, what, v);
  return static_cast<int64_t>(v);
}

}  // namespace nabla::detail
