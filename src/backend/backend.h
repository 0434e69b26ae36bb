// The device interface: one virtual per op family, the op passed as a tag. Op code calls
// backend_for(device) and never asks which device it runs on; a CUDA backend implements the
// same class. Legend: every `out` is allocated by the caller with the right shape and dtype;
// inputs of elementwise families are already broadcast (zero strides) to out's shape and
// converted to the compute dtype.
#pragma once

#include <cstdint>
#include <optional>

#include "nabla/tensor.h"

namespace nabla {

// Elementwise ops with one input. Names match the functors in ops/functors.h.
enum class UnaryOp : uint8_t {
  Neg,
  Exp,
  Log,
  Sqrt,
  Rsqrt,
  Abs,
  Sin,
  Cos,
  Sigmoid,
  Tanh,
  Relu,
  Sign,
  Reciprocal,
  Square,
  Erf,
  LogicalNot,
};
// Elementwise ops with two inputs; comparisons and logical ops write bool.
enum class BinaryOp : uint8_t {
  Add,
  Sub,
  Mul,
  Div,
  Pow,
  Maximum,
  Minimum,
  Eq,
  Ne,
  Lt,
  Le,
  Gt,
  Ge,
  LogicalAnd,
  LogicalOr,
};
inline bool writes_bool(BinaryOp op) { return op >= BinaryOp::Eq; }
// Reductions over a set of dims.
enum class ReduceOp : uint8_t { Sum, Prod, Max, Min, All, Any };

class Backend {
 public:
  virtual ~Backend() = default;
  virtual const char* name() const = 0;

  // ---- memory ----
  virtual void* allocate(size_t nbytes) = 0;
  /// Frees a block from allocate(); `nbytes` is the size it was allocated with.
  virtual void deallocate(void* ptr, size_t nbytes) = 0;

  // ---- copy and fill ----
  /// dst[i] = src[i] converted to dst's dtype; src broadcast to dst's shape.
  virtual void copy(const Tensor& src, const Tensor& dst) = 0;
  virtual void fill(const Tensor& dst, const Scalar& value) = 0;

  // ---- elementwise ----
  virtual void unary(UnaryOp op, const Tensor& x, const Tensor& out) = 0;
  virtual void binary(BinaryOp op, const Tensor& a, const Tensor& b, const Tensor& out) = 0;
  /// out = cond ? a : b (cond is bool).
  virtual void where(const Tensor& cond, const Tensor& a, const Tensor& b, const Tensor& out) = 0;
  virtual void clamp(const Tensor& x, std::optional<double> min, std::optional<double> max,
                     const Tensor& out) = 0;

  // ---- reductions ----
  /// out has x's shape with every reduced dim of size 1 (keepdim); `dims` sorted, unique.
  virtual void reduce(ReduceOp op, const Tensor& x, IntArrayRef dims, const Tensor& out) = 0;
  /// Max or Min over one dim: values and int64 indices, both in keepdim shape. Ties: first index.
  virtual void arg_reduce(ReduceOp op, const Tensor& x, int64_t dim, const Tensor& values,
                          const Tensor& indices) = 0;
  /// Softmax or log-softmax along `dim`, computed with the max subtracted.
  virtual void softmax(const Tensor& x, int64_t dim, bool log, const Tensor& out) = 0;

  // ---- linear algebra ----
  /// out[b] = beta * out[b] + alpha * a[b] @ b[b] for 3-D [B, n, k] x [B, k, m] -> [B, n, m],
  /// or out = beta * out + alpha * a @ b for 2-D operands (one product, no views needed).
  virtual void matmul(const Tensor& a, const Tensor& b, const Tensor& out, double beta,
                      double alpha) = 0;

  // ---- indexing ----
  virtual void index_select(const Tensor& x, int64_t dim, const Tensor& index,
                            const Tensor& out) = 0;
  virtual void gather(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& out) = 0;
  /// out[... index[i] ...] += src[i] along dim (out is modified in place).
  virtual void scatter_add(const Tensor& out, int64_t dim, const Tensor& index,
                           const Tensor& src) = 0;
  /// out[index[i]] += src[i] along dim 0 of out for each index (index_put_ with accumulate).
  virtual void index_add(const Tensor& out, int64_t dim, const Tensor& index,
                         const Tensor& src) = 0;

  // ---- random ----
  /// Philox 4x32-10 streams: element i of the output uses counter (offset + i) under `seed`.
  virtual void random_uniform(const Tensor& out, uint64_t seed, uint64_t offset, double from,
                              double to) = 0;
  virtual void random_normal(const Tensor& out, uint64_t seed, uint64_t offset, double mean,
                             double std) = 0;

  // ---- attention (fused scaled-dot-product attention) ----
  // q [B, L, E], k [B, S, E], v [B, S, Ev], out [B, L, Ev], grads alike: contiguous, one
  // floating dtype. `bias` is undefined or a [B1, B2, L, S] view (any strides, B1 * B2 == B) of
  // additive scores (-inf masks a key); causal masks key j > query i. lse [B, L] holds each
  // row's logsumexp of the scaled, masked scores (-inf for a row with every key masked, whose
  // output is 0). A backend that does not take the inputs returns false and the caller runs the
  // unfused composition; the defaults take nothing.
  virtual bool attention_forward(const Tensor& /*q*/, const Tensor& /*k*/, const Tensor& /*v*/,
                                 const Tensor& /*bias*/, bool /*causal*/, double /*scale*/,
                                 const Tensor& /*out*/, const Tensor& /*lse*/) {
    return false;
  }
  /// Gradients of attention_forward from grad_out, recomputing the scores tile by tile.
  virtual bool attention_backward(const Tensor& /*q*/, const Tensor& /*k*/, const Tensor& /*v*/,
                                  const Tensor& /*bias*/, bool /*causal*/, double /*scale*/,
                                  const Tensor& /*out*/, const Tensor& /*lse*/,
                                  const Tensor& /*grad_out*/, const Tensor& /*grad_q*/,
                                  const Tensor& /*grad_k*/, const Tensor& /*grad_v*/) {
    return false;
  }
};

/// The backend for a device; raises nabla::Error for a device nabla was built without.
Backend& backend_for(Device device);
inline Backend& backend_for(const Tensor& t) { return backend_for(t.device()); }

}  // namespace nabla
