// The device interface: one virtual per op family, the op passed as a tag. Op code calls
// backend_for(device) and never asks which device it runs on; a CUDA backend implements the
// same class. Legend: every `out` is allocated by the caller with the right shape and dtype;
// inputs of elementwise families are already broadcast (zero strides) to out's shape and
// converted to the compute dtype.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "core/allocator.h"
#include "nabla/op_list.h"
#include "nabla/tensor.h"

namespace nabla {

// The elementwise ops come from the one list in nabla/op_list.h.
enum class UnaryOp : uint8_t {
#define NABLA_OP_ENUM(F, name, kind, row) F,
  NABLA_UNARY_OPS(NABLA_OP_ENUM)
};
enum class BinaryOp : uint8_t { NABLA_BINARY_OPS(NABLA_OP_ENUM) };
#undef NABLA_OP_ENUM

/// The op's name ("exp", "logical_and"), as in errors and the op table.
const char* op_name(UnaryOp op);
const char* op_name(BinaryOp op);
/// Comparisons and logical ops write bool.
bool writes_bool(UnaryOp op);
bool writes_bool(BinaryOp op);
/// True division and the functions of real numbers (kind Floating): integer and bool operands
/// are computed in float32, so a backend sees only floating dtypes for them.
bool computes_in_float(BinaryOp op);

/// Parameters of a parameterized unary op (the functor reads the ones it needs, e.g. a
/// threshold or slope), so that such an op needs no new Backend virtual.
struct UnaryParams {
  double alpha = 0, beta = 0;
};

/// How scatter_reduce combines the values sent to one place (its "mean" is Sum, then divided).
enum class ScatterReduce : uint8_t { Sum, Prod, Amax, Amin };

// Reductions over a set of dims.
enum class ReduceOp : uint8_t { Sum, Prod, Max, Min, All, Any };
/// Window geometry of convolutions and pools, one entry per spatial dim.
struct ConvGeometry {
  std::vector<int64_t> stride, padding, dilation;
  int64_t groups = 1;
};

/// The running reductions of Backend::scan (cumsum has its own entry).
enum class ScanOp : uint8_t { Prod, Max, Min, LogSumExp };

// Fused families a backend may implement (see the end of Backend): each replaces a chain of
// basic ops on the training hot path, and each has a composition of basic ops in src/ops/ that
// runs where the backend's supports() says no.
enum class FusedOp : uint8_t {
  CrossEntropy,
  LstmCell,
  GruCell,
  SgdUpdate,
  AdamUpdate,
  Gelu,
  Linear
};
const char* fused_op_name(FusedOp op);

/// torch.optim.SGD's hyper-parameters for one update. init_buf: the momentum buffer is new
/// (this step writes it instead of reading it).
struct SgdStepArgs {
  double lr = 0, momentum = 0, dampening = 0, weight_decay = 0;
  bool nesterov = false, init_buf = false;
};
/// torch.optim.Adam's update of one step, bias corrections applied: step_size = lr / (1 -
/// beta1^t), bias_correction2_sqrt = sqrt(1 - beta2^t); l2 is Adam's (coupled) weight decay.
struct AdamStepArgs {
  double step_size = 0, beta1 = 0, beta2 = 0, bias_correction2_sqrt = 1, eps = 0, l2 = 0;
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual const char* name() const = 0;

  // ---- memory ----
  /// Where this device's memory comes from (core allocates through the registry of
  /// core/allocator.h; register_backend installs this one there).
  virtual Allocator& allocator() = 0;

  // ---- copy and fill ----
  /// dst[i] = src[i] converted to dst's dtype; src broadcast to dst's shape.
  virtual void copy(const Tensor& src, const Tensor& dst) = 0;
  /// out (contiguous) = the contiguous `parts` one after another, each of out's dtype: part i
  /// fills the next parts[i].numel() elements (stack or cat along dim 0, as a DataLoader's
  /// Stack<> joins single examples). Returns false when this backend has no kernel for it; the
  /// caller then copies each part into a view of out.
  virtual bool copy_parts(TensorList /*parts*/, const Tensor& /*out*/) { return false; }
  virtual void fill(const Tensor& dst, const Scalar& value) = 0;

  // ---- elementwise ----
  virtual void unary(UnaryOp op, const Tensor& x, const Tensor& out,
                     const UnaryParams& params = {}) = 0;
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
  /// out[... index[i] ...] = src[i] along dim; where an index repeats, the last along dim wins.
  virtual void scatter(const Tensor& out, int64_t dim, const Tensor& index, const Tensor& src) = 0;
  /// out[... index[i] ...] = out[...] op src[i] along dim (op: +, *, max or min, NaN winning
  /// the last two), combined in the order of dim.
  virtual void scatter_reduce(const Tensor& out, int64_t dim, const Tensor& index,
                              const Tensor& src, ScatterReduce op) = 0;
  /// out[index[i]] += src[i] along dim 0 of out for each index (index_put_ with accumulate).
  virtual void index_add(const Tensor& out, int64_t dim, const Tensor& index,
                         const Tensor& src) = 0;

  // ---- random ----
  /// Philox 4x32-10 streams: element i of the output uses counter (offset + i) under `seed`.
  virtual void random_uniform(const Tensor& out, uint64_t seed, uint64_t offset, double from,
                              double to) = 0;
  virtual void random_normal(const Tensor& out, uint64_t seed, uint64_t offset, double mean,
                             double std) = 0;

  // ---- fused families (optional) ----
  // Front-ends and backward formulas: src/ops/fused_*.cpp; they call a kernel only where
  // supports(op, dtype) is true, and otherwise run the same formulas as basic ops, so a backend
  // without these families runs every model. Every operand is contiguous, of that one dtype
  // and on this backend's device (targets: int64). The defaults raise; supports() says false.
  virtual bool supports(FusedOp op, ScalarType dtype) const;
  /// out [rows, out_features] = x [rows, in_features] @ weight^T (weight [out_features,
  /// in_features]) + bias [out_features] in every row, the bias added to the finished product
  /// (rounded as x.matmul(weight.t()) + bias rounds it); with `relu`, then relu of that (x < 0 ?
  /// 0 : x, so NaN stays), as relu(linear(...)) gives it. bias may be undefined.
  virtual void linear_forward(const Tensor& x, const Tensor& weight, const Tensor& bias, bool relu,
                              const Tensor& out);
  /// logits [N, C], target [N] -> logp [N, C] = log_softmax(logits, 1) and row_loss [N] =
  /// -logp[i, target[i]] (0 where ignored). Returns the rows not ignored; raises for a target
  /// out of [0, C) that is not ignore_index.
  virtual int64_t cross_entropy_forward(const Tensor& logits, const Tensor& target,
                                        int64_t ignore_index, const Tensor& logp,
                                        const Tensor& row_loss);
  /// grad[i, c] = (exp(logp[i, c]) - [c == target[i]]) * row_scale[i or 0] (0 for ignored
  /// rows); row_scale is [N] or [1].
  virtual void cross_entropy_backward(const Tensor& logp, const Tensor& target,
                                      int64_t ignore_index, const Tensor& row_scale,
                                      const Tensor& grad);
  /// gates [B, 4H] (i, f, g, o pre-activations), cx [B, H] -> hy, cy [B, H].
  virtual void lstm_cell_forward(const Tensor& gates, const Tensor& cx, const Tensor& hy,
                                 const Tensor& cy);
  /// d(gates) [B, 4H] and d(cx) [B, H] from d(hy), d(cy); cy is the forward's output.
  virtual void lstm_cell_backward(const Tensor& gates, const Tensor& cx, const Tensor& cy,
                                  const Tensor& dhy, const Tensor& dcy, const Tensor& dgates,
                                  const Tensor& dcx);
  /// gi, gh [B, 3H] (r, z, n), hx [B, H] -> hy [B, H] = n + z * (hx - n).
  virtual void gru_cell_forward(const Tensor& gi, const Tensor& gh, const Tensor& hx,
                                const Tensor& hy);
  virtual void gru_cell_backward(const Tensor& gi, const Tensor& gh, const Tensor& hx,
                                 const Tensor& dhy, const Tensor& dgi, const Tensor& dgh,
                                 const Tensor& dhx);
  /// In place: d = grad + weight_decay * p; buf = d (init_buf) or momentum * buf +
  /// (1 - dampening) * d; p -= lr * (nesterov ? d + momentum * buf : buf). buf is undefined
  /// without momentum.
  virtual void sgd_update(const Tensor& param, const Tensor& grad, const Tensor& buf,
                          const SgdStepArgs& args);
  /// In place: d = grad + l2 * p; m = beta1 m + (1 - beta1) d; v = beta2 v + (1 - beta2) d^2;
  /// vmax = max(vmax, v) when defined (amsgrad); p -= step_size * m / (sqrt(vmax or v) /
  /// bias_correction2_sqrt + eps).
  virtual void adam_update(const Tensor& param, const Tensor& grad, const Tensor& m,
                           const Tensor& v, const Tensor& vmax, const AdamStepArgs& args);
  /// y = gelu(x): x * Phi(x) (Phi the normal CDF), or with `tanh_approx` PyTorch's
  /// approximation 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). x, y of one shape.
  virtual void gelu_forward(const Tensor& x, bool tanh_approx, const Tensor& y);
  /// dx = dy * gelu'(x) for the same formula.
  virtual void gelu_backward(const Tensor& x, const Tensor& dy, bool tanh_approx, const Tensor& dx);

  // ---- device contract ----
  // Memory of one device is touched only by its backend; the host reads or writes another
  // device's tensors through these copies (Tensor::to, .cpu(), item(), printing, the ops that
  // run on the host: sort, nonzero, index normalization, multinomial). Kernels may run
  // asynchronously; a copy to the host waits for the data it reads, synchronize() for all.
  /// Whether data_ptr() of this device's tensors is host memory (the CPU: yes): its allocator's.
  bool host_accessible() { return allocator().host_accessible(); }
  /// dst (contiguous, on the CPU) = src (contiguous, on this device), same dtype and numel.
  virtual void copy_to_host(const Tensor& src, const Tensor& dst);
  /// dst (contiguous, on this device) = src (contiguous, on the CPU), same dtype and numel.
  virtual void copy_from_host(const Tensor& src, const Tensor& dst);
  /// Waits until the work queued on this device has finished.
  virtual void synchronize() {}

  // ---- ordering (sort, topk) ----
  /// indices (int64, contiguous, x's shape with dim `dim` of size k) = for each row of x along
  /// `dim`, the positions of its first k elements in order (ascending, or largest first when
  /// `descending`); NaN is greater than every number and ties keep the lower position first.
  /// The default orders on the host with the CPU's kernel, through the device copies.
  virtual void order(const Tensor& x, int64_t dim, int64_t k, bool descending,
                     const Tensor& indices);
  /// out (contiguous, x's shape and dtype: float or int64) = the running sums of x along dim,
  /// each in order from the first element (float32 accumulating in float64, as PyTorch's
  /// CPU kernel). The default runs the CPU's kernel on the host, through the device copies.
  virtual void cumsum(const Tensor& x, int64_t dim, const Tensor& out);
  /// out (contiguous, x's shape and dtype) = the running products, maxima, minima or
  /// log-sum-exps of x along dim, each from the first element (floats accumulating in float64,
  /// integers in int64). Max and Min also write indices (contiguous int64): the position along
  /// dim of the running extreme, the later one on ties, as PyTorch's; NaN wins and stays. The
  /// default runs the CPU's kernel on the host, through the device copies.
  virtual void scan(ScanOp op, const Tensor& x, int64_t dim, const Tensor& out,
                    const Tensor& indices);
  /// out (contiguous int64 or int32, values' shape) = each value's insertion point in its row
  /// of sorted, by PyTorch's binary search: the first position whose element is not below the
  /// value (with right: above it). A NaN value lands after every element; NaN elements of
  /// sorted (sorted last) count as below every value. sorted [R, m] and values [R, k]
  /// (contiguous, one dtype), or sorted [1, m] for every row of values; sorter (int64, sorted's
  /// shape) is each row's order when sorted is not sorted, or undefined. The default runs the
  /// CPU's kernel on the host, through the device copies.
  virtual void search_sorted(const Tensor& sorted, const Tensor& values, const Tensor& sorter,
                             bool right, const Tensor& out);
  // ---- LU factorization (float32 or float64; matrices in LAPACK's column-major order) ----
  /// Each matrix of lu [B, n, n] (contiguous, each stored column by column) replaced in place
  /// by its LU factorization with partial pivoting (LAPACK's getrf: L below the diagonal, with
  /// a unit diagonal; U on and above it); pivots [B, n] int32 = LAPACK's 1-based row swaps. A
  /// singular matrix is factored too (a zero on U's diagonal). The default runs the CPU's kernel
  /// on the host, through the device copies.
  virtual void lu_factor(const Tensor& lu, const Tensor& pivots);
  /// b [B, k, n] (contiguous: each right-hand side [n, k] stored column by column) replaced by
  /// the solution X of A X = b for each A that lu_factor factored into lu and pivots. False,
  /// with b unspecified, when some A is singular (a zero on U's diagonal).
  virtual bool lu_solve(const Tensor& lu, const Tensor& pivots, const Tensor& b);
  // ---- factorizations of symmetric and general matrices (float32 or float64; contiguous
  // batches of row-major matrices, as the op layer holds them). Each raises nabla::Error naming
  // the op and the matrix of the batch when one cannot be factored. The defaults run the CPU's
  // kernels on the host, through the device copies. ----
  /// Each matrix of a [B, n, n] replaced by the Cholesky factor L of its lower triangle (A = L
  /// L^T; the strict upper triangle is left unspecified). Raises when a leading minor is not
  /// positive definite.
  virtual void cholesky(const Tensor& a);
  /// b replaced by X with T X = b (left; b [B, n, k]) or X T = b (b [B, k, n]), T the upper or
  /// lower triangle of each t [B, n, n], with ones on the diagonal when `unit`. A zero on T's
  /// diagonal gives infinities, as in LAPACK's trsm.
  virtual void triangular_solve(const Tensor& t, const Tensor& b, bool upper, bool left, bool unit);
  /// w [B, n] = the eigenvalues, ascending, of each symmetric matrix of a [B, n, n], of which only
  /// the lower (or upper) triangle is read; with `vectors`, a is replaced by the orthonormal
  /// eigenvectors as its rows (V^T), otherwise a is left unspecified. Raises for non-finite input
  /// and when the algorithm does not converge.
  virtual void symmetric_eigen(const Tensor& a, bool upper, const Tensor& w, bool vectors);
  /// s [B, k] = the singular values, descending, of each a [B, m, n] (k = min(m, n)); with u [B,
  /// m, m or k] and vh [B, n or k, n] given (both or neither), the singular vectors: A = U S Vh.
  /// a is left unspecified. Raises for non-finite input and when the algorithm does not converge.
  virtual void svd(const Tensor& a, const Tensor& s, const Tensor& u, const Tensor& vh);
  /// The QR decomposition A = Q R of each a [B, m, n] (Householder, LAPACK's geqrf and orgqr):
  /// r [B, k or m, n] upper triangular (zeros below the diagonal; k = min(m, n)) and, when given,
  /// q [B, m, k or m] with orthonormal columns. a is left unspecified.
  virtual void qr(const Tensor& a, const Tensor& q, const Tensor& r);
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
  // ---- batch normalization (fused; the composition of the families above is the fallback) ----
  // x, y, dy, dx: contiguous [N, C, S] (S: the spatial dims flattened); per-channel vectors
  // [C], contiguous; all of one floating dtype. Each returns false when this backend has no
  // kernel for these tensors: the caller then composes the op from the families above.
  /// mean[c] and biased var[c] of x over N and S.
  virtual bool batch_norm_stats(const Tensor& /*x*/, const Tensor& /*mean*/,
                                const Tensor& /*var*/) {
    return false;
  }
  /// y = x * scale[c] + shift[c].
  virtual bool batch_norm_apply(const Tensor& /*x*/, const Tensor& /*scale*/,
                                const Tensor& /*shift*/, const Tensor& /*y*/) {
    return false;
  }
  /// With xhat = (x - mean[c]) * invstd[c] and M = N * S: sum_dy[c] = sum of dy,
  /// sum_dy_xhat[c] = sum of dy * xhat and, when dx is defined,
  /// dx = scale[c] * (dy - sum_dy[c] / M - xhat * sum_dy_xhat[c] / M).
  virtual bool batch_norm_backward(const Tensor& /*x*/, const Tensor& /*dy*/,
                                   const Tensor& /*mean*/, const Tensor& /*invstd*/,
                                   const Tensor& /*scale*/, const Tensor& /*sum_dy*/,
                                   const Tensor& /*sum_dy_xhat*/, const Tensor& /*dx*/) {
    return false;
  }

  // ---- attention (fused scaled-dot-product attention) ----
  // q [H1, H2, L, E], k [H1, H2, S, E], v [H1, H2, S, Ev]: views with unit stride along the
  // last dim, rows at least that wide apart and any batch strides (heads split from one
  // projection are read in place); out [B, L, Ev] and the gradients [B, L, E], ... contiguous,
  // with B = H1 * H2; one floating dtype. `bias` is undefined or a [B1, B2, L, S] view (any
  // strides, B1 * B2 == B) of additive scores (-inf masks a key); causal masks key j > query i.
  // lse [B, L] holds each row's logsumexp of the scaled, masked scores (-inf for a row with
  // every key masked, whose output is 0). A backend that does not take the inputs returns
  // false and the caller runs the unfused composition; the defaults take nothing.
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

  // ---- layer normalization (fused; the composition of basic ops is the fallback) ----
  // x, y, dy, dx: contiguous [R, C], each of the R rows normalized over its C values; weight,
  // bias, dweight, dbias: contiguous [C] or undefined; mean, rstd: [R]. One floating dtype.
  // Each returns false when this backend has no kernel for these tensors: the caller then
  // composes the op from the families above.
  /// y = (x - mean) * rstd * weight + bias per row, with rstd = 1 / sqrt(var + eps) (biased
  /// variance); writes each row's mean and rstd.
  virtual bool layer_norm_forward(const Tensor& /*x*/, const Tensor& /*weight*/,
                                  const Tensor& /*bias*/, double /*eps*/, const Tensor& /*y*/,
                                  const Tensor& /*mean*/, const Tensor& /*rstd*/) {
    return false;
  }
  /// dx (if defined) = rstd * (g - mean(g) - xhat * mean(g * xhat)) per row, with g = dy * weight
  /// and xhat = (x - mean) * rstd; dweight = sum over rows of dy * xhat, dbias = sum of dy
  /// (each if defined).
  virtual bool layer_norm_backward(const Tensor& /*x*/, const Tensor& /*weight*/,
                                   const Tensor& /*mean*/, const Tensor& /*rstd*/,
                                   const Tensor& /*dy*/, const Tensor& /*dx*/,
                                   const Tensor& /*dweight*/, const Tensor& /*dbias*/) {
    return false;
  }

  // ---- fused gradients of relu and max_pool (the compositions are fallback and oracle) ----
  // Backward formulas call these only when no graph is recorded (create_graph off); each
  // returns false when this backend has no kernel for these tensors, and the caller then runs
  // the composition of the families above.
  /// dx = dy where y > threshold, else 0 (PyTorch's threshold_backward: relu's gradient from
  /// its output y; NaN in y gives 0). dy, y, dx: one shape and floating dtype, any strides.
  virtual bool threshold_backward(const Tensor& /*dy*/, const Tensor& /*y*/, double /*threshold*/,
                                  const Tensor& /*dx*/) {
    return false;
  }
  /// max_pool's gradient through its saved indices: dx [P, In] = 0, then
  /// dx[p, indices[p, j]] += dy[p, j] for j < Out. dy [P, Out] floating, indices [P, Out] int64
  /// (any strides), dx contiguous; an index outside [0, In) raises.
  virtual bool max_pool_backward(const Tensor& /*dy*/, const Tensor& /*indices*/,
                                 const Tensor& /*dx*/) {
    return false;
  }
  /// conv_forward with the bias added by the convolution kernel itself: y = conv(x, w) +
  /// bias[c] (bias [Co] contiguous, of y's dtype), saving a pass over y. False: not taken (the
  /// caller runs conv_forward, then adds the bias).
  virtual bool conv_forward_bias(const Tensor& /*x*/, const Tensor& /*w*/, const Tensor& /*bias*/,
                                 const Tensor& /*y*/, const ConvGeometry& /*g*/) {
    return false;
  }
  /// conv_backward_weight that also writes the bias gradient db [Co] (contiguous, dw's dtype):
  /// dy summed over the batch and every spatial dim, by the same pass over dy. False: not taken
  /// (the caller runs conv_backward_weight and reduces dy itself).
  virtual bool conv_backward_weight_bias(const Tensor& /*x*/, const Tensor& /*dy*/,
                                         const Tensor& /*dw*/, const Tensor& /*db*/,
                                         const ConvGeometry& /*g*/) {
    return false;
  }

  // ---- the block conv -> relu -> max_pool of image nets, fused (the composition is the
  // fallback and the oracle) ----
  // y = max_pool(relu(conv(x, w) + bias)) for contiguous x [N, C, *in], w and bias [Co] (or
  // undefined), whose conv output would be [N, Co, *conv_out]; pooling windows of `kernel` at
  // `stride`, no padding or dilation, every window inside the conv output. y [N, Co, *pooled]
  // and indices (int64, max_pool's: into each conv-output plane) are contiguous. Run a few
  // images at a time, the conv output of those images never leaves the cache. False: not taken
  // (the caller composes the three ops).
  virtual bool conv_relu_max_pool_forward(const Tensor& /*x*/, const Tensor& /*w*/,
                                          const Tensor& /*bias*/, const ConvGeometry& /*g*/,
                                          IntArrayRef /*conv_out*/, IntArrayRef /*kernel*/,
                                          IntArrayRef /*stride*/, const Tensor& /*y*/,
                                          const Tensor& /*indices*/) {
    return false;
  }
  /// The gradients of conv_relu_max_pool_forward for dy (shaped as y): the conv output's
  /// gradient is dy at `indices` where y > 0 and 0 elsewhere, and dx, dw and db (each where
  /// defined, contiguous) are the conv's gradients for it. Called only when no graph is
  /// recorded; false: not taken (the caller composes).
  virtual bool conv_relu_max_pool_backward(const Tensor& /*x*/, const Tensor& /*w*/,
                                           const ConvGeometry& /*g*/, IntArrayRef /*conv_out*/,
                                           IntArrayRef /*kernel*/, IntArrayRef /*stride*/,
                                           const Tensor& /*y*/, const Tensor& /*indices*/,
                                           const Tensor& /*dy*/, const Tensor& /*dx*/,
                                           const Tensor& /*dw*/, const Tensor& /*db*/) {
    return false;
  }
};

/// The backend for a device; raises nabla::Error for a device nabla was built without.
Backend& backend_for(Device device);
inline Backend& backend_for(const Tensor& t) { return backend_for(t.device()); }

namespace detail {
/// Installs `backend` for PrivateUse1 (the out-of-tree device slot; null uninstalls). It must
/// outlive the tensors made on that device.
void register_backend(DeviceType type, Backend* backend);
/// `t` where the host can read it (no autograd): `t` itself (any layout) on a host-accessible
/// device, else a contiguous copy on the CPU through the device-to-host copy.
Tensor host_readable(const Tensor& t);
/// `host` (a CPU tensor) on `device`, through the host-to-device copy; `host` itself for the CPU.
Tensor from_host(const Tensor& host, Device device);
}  // namespace detail

}  // namespace nabla
