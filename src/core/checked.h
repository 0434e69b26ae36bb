// Overflow-checked arithmetic on sizes, strides, offsets and byte counts. Every factory, view,
// loader and allocator computes these through here: a wrapped product (2^62 floats are 2^64
// bytes, which wraps to 0) would allocate a tiny block and then write past it, so overflow
// raises nabla::Error naming the op and the operands instead.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>

#include "core/check.h"

namespace nabla::detail {

/// The most dims a tensor may have (PyTorch's kernels stop at 25, its views at 64).
constexpr size_t kMaxDims = 64;

/// a * b, or nabla::Error "[op] integer overflow computing a * b (what)".
inline int64_t checked_mul(int64_t a, int64_t b, const char* op, const char* what = "size") {
  int64_t r = 0;
  NABLA_CHECK(!__builtin_mul_overflow(a, b, &r), "[{}] integer overflow computing {} * {} ({})", op,
              a, b, what);
  return r;
}

/// a + b, or nabla::Error "[op] integer overflow computing a + b (what)".
inline int64_t checked_add(int64_t a, int64_t b, const char* op, const char* what = "size") {
  int64_t r = 0;
  NABLA_CHECK(!__builtin_add_overflow(a, b, &r), "[{}] integer overflow computing {} + {} ({})", op,
              a, b, what);
  return r;
}

/// The element count of `sizes` after checking that every size is >= 0, that there are at most
/// kMaxDims of them, and that the product of max(size, 1) fits in int64: contiguous strides are
/// that product, so a zero dim does not excuse huge others ({0, 2^62, 2^62} is refused).
int64_t checked_numel(IntArrayRef sizes, const char* op);

/// numel * element_size as a byte count, refused past PTRDIFF_MAX (no allocation can be larger).
size_t checked_nbytes(int64_t numel, size_t element_size, const char* op);

/// Checks that a view of `sizes`/`strides` at `offset` (in elements) lies inside a storage of
/// `capacity` elements: the lowest and highest element it reaches are computed with checked
/// arithmetic. A view with no elements reaches nothing and always passes.
void check_view_bounds(IntArrayRef sizes, IntArrayRef strides, int64_t offset, int64_t capacity,
                       const char* op);

/// A double (a count computed in floating point) as int64, refused when not finite or out of
/// range (a plain cast is undefined behaviour there).
int64_t checked_double_to_int64(double v, const char* op, const char* what);

}  // namespace nabla::detail
