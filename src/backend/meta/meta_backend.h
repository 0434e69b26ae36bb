// The meta backend: shapes and dtypes only (see meta_backend.cpp).
#pragma once

#include "backend/backend.h"

namespace nabla::meta {

class MetaBackend final : public Backend {
 public:
  const char* name() const override { return "meta"; }
  Allocator& allocator() override { return detail::allocator_for(Device(DeviceType::Meta)); }
  /// Shapes only: sort and topk give their indices' shape, with no values to order.
  void order(const Tensor&, int64_t, int64_t, bool, const Tensor&) override {}
  void cumsum(const Tensor&, int64_t, const Tensor&) override {}
  void scan(ScanOp, const Tensor&, int64_t, const Tensor&, const Tensor&) override {}
  void search_sorted(const Tensor&, const Tensor&, const Tensor&, bool, const Tensor&) override {}
  /// Shapes only: no values to factor, and no matrix is known to be singular.
  void lu_factor(const Tensor&, const Tensor&) override {}
  bool lu_solve(const Tensor&, const Tensor&, const Tensor&) override { return true; }
  void cholesky(const Tensor&) override {}
  void triangular_solve(const Tensor&, const Tensor&, bool, bool, bool) override {}
  void symmetric_eigen(const Tensor&, bool, const Tensor&, bool) override {}
  void svd(const Tensor&, const Tensor&, const Tensor&, const Tensor&) override {}
  void qr(const Tensor&, const Tensor&, const Tensor&) override {}
  void copy(const Tensor& src, const Tensor& dst) override;
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
  void scatter(const Tensor&, int64_t, const Tensor&, const Tensor&) override {}
  void scatter_reduce(const Tensor&, int64_t, const Tensor&, const Tensor&,
                      ScatterReduce) override {}
  void index_add(const Tensor& out, int64_t dim, const Tensor& index, const Tensor& src) override;
  void random_uniform(const Tensor& out, uint64_t seed, uint64_t offset, double from,
                      double to) override;
  void random_normal(const Tensor& out, uint64_t seed, uint64_t offset, double mean,
                     double std) override;
  void copy_to_host(const Tensor& src, const Tensor& dst) override;
  void copy_from_host(const Tensor& src, const Tensor& dst) override;
  void conv_forward(const Tensor& x, const Tensor& w, const Tensor& y,
                    const ConvGeometry& g) override;
  void conv_backward_input(const Tensor& dy, const Tensor& w, const Tensor& dx,
                           const ConvGeometry& g) override;
  void conv_backward_weight(const Tensor& x, const Tensor& dy, const Tensor& dw,
                            const ConvGeometry& g) override;
  void max_pool(const Tensor& x, IntArrayRef kernel, const ConvGeometry& g, const Tensor& y,
                const Tensor& indices) override;
};

MetaBackend& meta_backend();

}  // namespace nabla::meta
