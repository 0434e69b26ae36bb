// The device interface: one virtual per op family, the op passed as a tag. Op code calls
// backend_for(device) and never asks which device it runs on; a CUDA backend implements the
// same class. Legend: every `out` is allocated by the caller with the right shape and dtype;
// inputs of elementwise families are already broadcast (zero strides) to out's shape and
// converted to the compute dtype.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

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
/// Window geometry of convolutions and pools, one entry per spatial dim.
struct ConvGeometry {
  std::vector<int64_t> stride, padding, dilation;
  int64_t groups = 1;
};

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

  // ---- convolution and pooling (NC + 1 to 3 spatial dims, contiguous or not) ----
  // Tensors: x [N, Cin, *in], w [Cout, Cin / groups, *k], y [N, Cout, *o]. The geometry gives
  // per spatial dim the stride, the zeros implied before the input (padding) and the dilation;
  // the zeros after it follow from the sizes of the tensors passed (so padding may be
  // asymmetric, as "same" with an even kernel needs).
  /// y = conv(x, w) (no bias); y is overwritten.
  virtual void conv_forward(const Tensor& x, const Tensor& w, const Tensor& y,
                            const ConvGeometry& g) = 0;
  /// dx = the input gradient of conv for dy (a transposed conv); dx is overwritten.
  virtual void conv_backward_input(const Tensor& dy, const Tensor& w, const Tensor& dx,
                                   const ConvGeometry& g) = 0;
  /// dw = the weight gradient of conv for input x and output gradient dy; dw is overwritten.
  virtual void conv_backward_weight(const Tensor& x, const Tensor& dy, const Tensor& dw,
                                    const ConvGeometry& g) = 0;
  /// Max over windows of `kernel` (padding counts as -inf): values y [N, C, *o] and int64
  /// indices into each flattened input plane (PyTorch's max_pool indices). NaN wins.
  virtual void max_pool(const Tensor& x, IntArrayRef kernel, const ConvGeometry& g, const Tensor& y,
                        const Tensor& indices) = 0;
};

/// The backend for a device; raises nabla::Error for a device nabla was built without.
Backend& backend_for(Device device);
inline Backend& backend_for(const Tensor& t) { return backend_for(t.device()); }

}  // namespace nabla
