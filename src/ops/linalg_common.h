// Helpers shared by the ops that factor matrices (linalg_solve.cpp, linalg_factor.cpp).
#pragma once

#include <vector>

#include "ops/op_helpers.h"

namespace nabla::detail {

/// Raises unless a is a batch of square floating-point matrices [*, n, n].
inline void check_square(const Tensor& a, const char* op) {
  check_defined(a, op, "A");
  NABLA_CHECK(a.dim() >= 2, "[{}] the input tensor A must have at least 2 dimensions, got shape {}",
              op, a.sizes());
  NABLA_CHECK(a.size(-1) == a.size(-2),
              "[{}] A must be batches of square matrices, but they are {} by {} matrices", op,
              a.size(-2), a.size(-1));
  NABLA_CHECK(a.is_floating_point(), "[{}] expected a floating point matrix, got {}", op,
              a.scalar_type());
}

/// Raises unless B (the right-hand side of A X = B) is defined, on A's device and of A's dtype.
inline void check_right_hand_side(const Tensor& A, const Tensor& B, const char* op) {
  check_defined(B, op, "B");
  check_same_device(A, B, op);
  NABLA_CHECK(B.scalar_type() == A.scalar_type(),
              "[{}] expected A and B to have the same dtype, but found A of type {} and B of type "
              "{} instead",
              op, A.scalar_type(), B.scalar_type());
}

/// The dtype LAPACK runs in: float32 for the 16-bit floats (their results are rounded back),
/// else the input's.
inline ScalarType lapack_type(const Tensor& a) {
  return isReducedFloatingType(a.scalar_type()) ? kFloat : a.scalar_type();
}

/// The last two dims swapped.
inline Tensor mT(const Tensor& t) { return t.transpose(-2, -1); }

/// The batch dims of a [*, r, c], with `last` appended.
inline std::vector<int64_t> batch_shape(const Tensor& a, std::initializer_list<int64_t> last) {
  std::vector<int64_t> shape(a.sizes().begin(), a.sizes().end() - 2);
  shape.insert(shape.end(), last);
  return shape;
}

/// a and b with their batch dims broadcast (b: matrices [*, r, c]).
inline std::pair<Tensor, Tensor> broadcast_batch(const Tensor& a, const Tensor& b, const char* op) {
  const std::vector<int64_t> a_batch(a.sizes().begin(), a.sizes().end() - 2),
      b_batch(b.sizes().begin(), b.sizes().end() - 2);
  std::vector<int64_t> batch = broadcast_shapes(a_batch, b_batch, op);
  std::vector<int64_t> a_shape = batch, b_shape = batch;
  a_shape.insert(a_shape.end(), {a.size(-2), a.size(-1)});
  b_shape.insert(b_shape.end(), {b.size(-2), b.size(-1)});
  return {a.expand(a_shape), b.expand(b_shape)};
}

}  // namespace nabla::detail
