// The CPU backend: plain loops over strided data (loops.h), CBLAS for matrix products.
// Each family lives in its own file: elementwise.cpp, reduce.cpp, matmul.cpp, index.cpp,
// random.cpp (memory: core/cpu_allocator.cpp); the fused families in fused.cpp (cross-entropy,
// optimizer updates) and rnn.cpp (LSTM and GRU cells); conv.cpp, batch_norm.cpp, attention.cpp.
#pragma once

#include "backend/backend.h"

namespace nabla::cpu {

class CpuBackend : public Backend {
 public:
  const char* name() const override { return "cpu"; }
  Allocator& allocator() override { return detail::cpu_allocator(); }
  void order(const Tensor& x, int64_t dim, int64_t k, bool descending,
             const Tensor& indices) override;
  void cumsum(const Tensor& x, int64_t dim, const Tensor& out) override;
  void scan(ScanOp op, const Tensor& x, int64_t dim, const Tensor& out,
            const Tensor& indices) override;
  // sort.cpp
  void search_sorted(const Tensor& sorted, const Tensor& values, const Tensor& sorter, bool right,
                     const Tensor& out) override;
  // lu.cpp
  void lu_factor(const Tensor& lu, const Tensor& pivots) override;
  bool lu_solve(const Tensor& lu, const Tensor& pivots, const Tensor& b) override;
  void cholesky(const Tensor& a) override;
  void triangular_solve(const Tensor& t, const Tensor& b, bool upper, bool left,
                        bool unit) override;
  void symmetric_eigen(const Tensor& a, bool upper, const Tensor& w, bool vectors) override;
  void svd(const Tensor& a, const Tensor& s, const Tensor& u, const Tensor& vh) override;
  void qr(const Tensor& a, const Tensor& q, const Tensor& r) override;
  void copy(const Tensor& src, const Tensor& dst) override;
  bool copy_parts(TensorList parts, const Tensor& out) override;
  void fill(const Tensor& dst, const Scalar& value) override;
  void unary(UnaryOp op, const Tensor& x, const Tensor& out,
             const UnaryParams& params = {}) override;
  void binary(BinaryOp op, const Tensor& a, const Tensor& b, const Tensor& out) override;
  void where(const Tensor& cond, const Tensor& a, const Tensor& b, const Tensor& out) override;
  void clamp(const Tensor& x, std::optional<double> min, std::optional<double> max,
             const Tensor& out) override;
  void reduce(ReduceOp op, const Tensor& x, IntArrayRef dims, const Tensor& out) override;
  void arg_reduce(ReduceOp op, const Tensor& x, int64_t dim, const Tensor& values,
                  const Tensor& indices) override;
  void softmax(const Tensor& x, int64_t dim, bool log, const Tensor& out) override;
  void matmul(const Tensor& a, const Tensor& b, const Tensor& out, double beta,
              double alpha) override;
  void index_select(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& out) override;
  void gather(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& out) override;
  void scatter_add(const Tensor& out, int64_t dim, const Tensor& index, const Tensor& src) override;
  void scatter(const Tensor& out, int64_t dim, const Tensor& index, const Tensor& src) override;
  void scatter_reduce(const Tensor& out, int64_t dim, const Tensor& index, const Tensor& src,
                      ScatterReduce op) override;
  void index_add(const Tensor& out, int64_t dim, const Tensor& index, const Tensor& src) override;
  void random_uniform(const Tensor& out, uint64_t seed, uint64_t offset, double from,
                      double to) override;
  void random_normal(const Tensor& out, uint64_t seed, uint64_t offset, double mean,
                     double std) override;

  // ---- fused families: float32 and float64 ----
  bool supports(FusedOp op, ScalarType dtype) const override;
  void linear_forward(const Tensor& x, const Tensor& weight, const Tensor& bias, bool relu,
                      const Tensor& out) override;
  int64_t cross_entropy_forward(const Tensor& logits, const Tensor& target, int64_t ignore_index,
                                const Tensor& logp, const Tensor& row_loss) override;
  void cross_entropy_backward(const Tensor& logp, const Tensor& target, int64_t ignore_index,
                              const Tensor& row_scale, const Tensor& grad) override;
  void lstm_cell_forward(const Tensor& gates, const Tensor& cx, const Tensor& hy,
                         const Tensor& cy) override;
  void lstm_cell_backward(const Tensor& gates, const Tensor& cx, const Tensor& cy,
                          const Tensor& dhy, const Tensor& dcy, const Tensor& dgates,
                          const Tensor& dcx) override;
  void gru_cell_forward(const Tensor& gi, const Tensor& gh, const Tensor& hx,
                        const Tensor& hy) override;
  void gru_cell_backward(const Tensor& gi, const Tensor& gh, const Tensor& hx, const Tensor& dhy,
                         const Tensor& dgi, const Tensor& dgh, const Tensor& dhx) override;
  void sgd_update(const Tensor& param, const Tensor& grad, const Tensor& buf,
                  const SgdStepArgs& args) override;
  void adam_update(const Tensor& param, const Tensor& grad, const Tensor& m, const Tensor& v,
                   const Tensor& vmax, const AdamStepArgs& args) override;
  bool layer_norm_forward(const Tensor& x, const Tensor& weight, const Tensor& bias, double eps,
                          const Tensor& y, const Tensor& mean, const Tensor& rstd) override;
  bool layer_norm_backward(const Tensor& x, const Tensor& weight, const Tensor& mean,
                           const Tensor& rstd, const Tensor& dy, const Tensor& dx,
                           const Tensor& dweight, const Tensor& dbias) override;
  void gelu_forward(const Tensor& x, bool tanh_approx, const Tensor& y) override;
  void gelu_backward(const Tensor& x, const Tensor& dy, bool tanh_approx,
                     const Tensor& dx) override;
  void conv_forward(const Tensor& x, const Tensor& w, const Tensor& y,
                    const ConvGeometry& g) override;
  void conv_backward_input(const Tensor& dy, const Tensor& w, const Tensor& dx,
                           const ConvGeometry& g) override;
  void conv_backward_weight(const Tensor& x, const Tensor& dy, const Tensor& dw,
                            const ConvGeometry& g) override;
  void max_pool(const Tensor& x, IntArrayRef kernel, const ConvGeometry& g, const Tensor& y,
                const Tensor& indices) override;
  // batch_norm.cpp
  bool batch_norm_stats(const Tensor& x, const Tensor& mean, const Tensor& var) override;
  bool batch_norm_apply(const Tensor& x, const Tensor& scale, const Tensor& shift,
                        const Tensor& y) override;
  bool batch_norm_backward(const Tensor& x, const Tensor& dy, const Tensor& mean,
                           const Tensor& invstd, const Tensor& scale, const Tensor& sum_dy,
                           const Tensor& sum_dy_xhat, const Tensor& dx) override;
  bool attention_forward(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& bias,
                         bool causal, double scale, const Tensor& out, const Tensor& lse) override;
  bool attention_backward(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& bias,
                          bool causal, double scale, const Tensor& out, const Tensor& lse,
                          const Tensor& grad_out, const Tensor& grad_q, const Tensor& grad_k,
                          const Tensor& grad_v) override;
  // elementwise.cpp, conv.cpp
  bool threshold_backward(const Tensor& dy, const Tensor& y, double threshold,
                          const Tensor& dx) override;
  bool max_pool_backward(const Tensor& dy, const Tensor& indices, const Tensor& dx) override;
  bool conv_forward_bias(const Tensor& x, const Tensor& w, const Tensor& bias, const Tensor& y,
                         const ConvGeometry& g) override;
  bool conv_backward_weight_bias(const Tensor& x, const Tensor& dy, const Tensor& dw,
                                 const Tensor& db, const ConvGeometry& g) override;
  bool conv_relu_max_pool_forward(const Tensor& x, const Tensor& w, const Tensor& bias,
                                  const ConvGeometry& g, IntArrayRef conv_out, IntArrayRef kernel,
                                  IntArrayRef stride, const Tensor& y,
                                  const Tensor& indices) override;
  bool conv_relu_max_pool_backward(const Tensor& x, const Tensor& w, const ConvGeometry& g,
                                   IntArrayRef conv_out, IntArrayRef kernel, IntArrayRef stride,
                                   const Tensor& y, const Tensor& indices, const Tensor& dy,
                                   const Tensor& dx, const Tensor& dw, const Tensor& db) override;

 private:
  // The 16-bit floats compute in float32, as PyTorch's CPU kernels do: the families without a
  // 16-bit kernel run their float32 kernel on float32 copies and round the result once.
  /// A float32 copy of `t` (same shape, contiguous).
  Tensor float32_copy(const Tensor& t);
  /// An uninitialized float32 tensor of t's shape.
  static Tensor float32_like(const Tensor& t);
};

CpuBackend& cpu_backend();

}  // namespace nabla::cpu
