// The meta device (as PyTorch's): tensors with shapes, dtypes and strides but no storage. The
// op front-ends in src/ops compute every result's shape and dtype before they call a kernel,
// so the meta backend's kernels have nothing to do; what needs values (item(), printing,
// .cpu(), the host-side ops) raises, through the device-to-host copy.
#include "backend/meta/meta_backend.h"

#include "core/check.h"

namespace nabla::meta {

void MetaBackend::copy(const Tensor&, const Tensor&) {}
void MetaBackend::fill(const Tensor&, const Scalar&) {}
void MetaBackend::unary(UnaryOp, const Tensor&, const Tensor&, const UnaryParams&) {}
void MetaBackend::binary(BinaryOp, const Tensor&, const Tensor&, const Tensor&) {}
void MetaBackend::where(const Tensor&, const Tensor&, const Tensor&, const Tensor&) {}
void MetaBackend::clamp(const Tensor&, std::optional<double>, std::optional<double>,
                        const Tensor&) {}
void MetaBackend::reduce(ReduceOp, const Tensor&, IntArrayRef, const Tensor&) {}
void MetaBackend::arg_reduce(ReduceOp, const Tensor&, int64_t, const Tensor&, const Tensor&) {}
void MetaBackend::softmax(const Tensor&, int64_t, bool, const Tensor&) {}
void MetaBackend::matmul(const Tensor&, const Tensor&, const Tensor&, double, double) {}
void MetaBackend::index_select(const Tensor&, int64_t, const Tensor&, const Tensor&) {}
void MetaBackend::gather(const Tensor&, int64_t, const Tensor&, const Tensor&) {}
void MetaBackend::scatter_add(const Tensor&, int64_t, const Tensor&, const Tensor&) {}
void MetaBackend::index_add(const Tensor&, int64_t, const Tensor&, const Tensor&) {}
void MetaBackend::random_uniform(const Tensor&, uint64_t, uint64_t, double, double) {}
void MetaBackend::random_normal(const Tensor&, uint64_t, uint64_t, double, double) {}

void MetaBackend::copy_to_host(const Tensor& src, const Tensor&) {
  NABLA_ERROR("[meta] a meta tensor (shape {}, dtype {}) has no data to copy or read", src.sizes(),
              src.scalar_type());
}
void MetaBackend::copy_from_host(const Tensor&, const Tensor&) {}
void MetaBackend::conv_forward(const Tensor&, const Tensor&, const Tensor&, const ConvGeometry&) {}
void MetaBackend::conv_backward_input(const Tensor&, const Tensor&, const Tensor&,
                                      const ConvGeometry&) {}
void MetaBackend::conv_backward_weight(const Tensor&, const Tensor&, const Tensor&,
                                       const ConvGeometry&) {}
void MetaBackend::max_pool(const Tensor&, IntArrayRef, const ConvGeometry&, const Tensor&,
                           const Tensor&) {}

MetaBackend& meta_backend() {
  static MetaBackend backend;
  return backend;
}

}  // namespace nabla::meta
