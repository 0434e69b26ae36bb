// The CPU backend: plain loops over strided data (loops.h), CBLAS for matrix products.
// Each family lives in its own file: elementwise.cpp, reduce.cpp, matmul.cpp, index.cpp,
// random.cpp, memory.cpp, attention.cpp.
#pragma once

#include "backend/backend.h"

namespace nabla::cpu {

class CpuBackend final : public Backend {
 public:
  const char* name() const override { return "cpu"; }
  void* allocate(size_t nbytes) override;
  void deallocate(void* ptr, size_t nbytes) override;
  void copy(const Tensor& src, const Tensor& dst) override;
  void fill(const Tensor& dst, const Scalar& value) override;
  void unary(UnaryOp op, const Tensor& x, const Tensor& out) override;
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
  void index_add(const Tensor& out, int64_t dim, const Tensor& index, const Tensor& src) override;
  void random_uniform(const Tensor& out, uint64_t seed, uint64_t offset, double from,
                      double to) override;
  void random_normal(const Tensor& out, uint64_t seed, uint64_t offset, double mean,
                     double std) override;
  bool attention_forward(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& bias,
                         bool causal, double scale, const Tensor& out, const Tensor& lse) override;
  bool attention_backward(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& bias,
                          bool causal, double scale, const Tensor& out, const Tensor& lse,
                          const Tensor& grad_out, const Tensor& grad_q, const Tensor& grad_k,
                          const Tensor& grad_v) override;
};

CpuBackend& cpu_backend();

}  // namespace nabla::cpu
