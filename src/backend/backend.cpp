// Defaults of the optional Backend families: a backend that does not override a fused family
// says so through supports(), and the op front-ends never call its kernels.
#include "backend/backend.h"

#include <atomic>
#include <string_view>

#include "backend/cpu/cpu_backend.h"
#include "backend/meta/meta_backend.h"
#include "core/check.h"
#include "core/tensor_impl.h"

namespace nabla {

const char* op_name(UnaryOp op) {
  switch (op) {
#define NABLA_CASE(F, name, kind, row) \
  case UnaryOp::F:                     \
    return #name;
    NABLA_UNARY_OPS(NABLA_CASE)
#undef NABLA_CASE
  }
  return "?";
}

const char* op_name(BinaryOp op) {
  switch (op) {
#define NABLA_CASE(F, name, kind, row) \
  case BinaryOp::F:                    \
    return #name;
    NABLA_BINARY_OPS(NABLA_CASE)
#undef NABLA_CASE
  }
  return "?";
}

bool writes_bool(UnaryOp op) {
  switch (op) {
#define NABLA_CASE(F, name, kind, row) \
  case UnaryOp::F:                     \
    return std::string_view(#kind) == "Logical";
    NABLA_UNARY_OPS(NABLA_CASE)
#undef NABLA_CASE
  }
  return false;
}

bool writes_bool(BinaryOp op) {
  switch (op) {
#define NABLA_CASE(F, name, kind, row) \
  case BinaryOp::F:                    \
    return std::string_view(#kind) == "Compare";
    NABLA_BINARY_OPS(NABLA_CASE)
#undef NABLA_CASE
  }
  return false;
}

bool computes_in_float(BinaryOp op) {
  switch (op) {
#define NABLA_CASE(F, name, kind, row) \
  case BinaryOp::F:                    \
    return std::string_view(#kind) == "Floating";
    NABLA_BINARY_OPS(NABLA_CASE)
#undef NABLA_CASE
  }
  return false;
}

const char* fused_op_name(FusedOp op) {
  switch (op) {
    case FusedOp::CrossEntropy:
      return "cross_entropy";
    case FusedOp::LstmCell:
      return "lstm_cell";
    case FusedOp::GruCell:
      return "gru_cell";
    case FusedOp::SgdUpdate:
      return "sgd_update";
    case FusedOp::AdamUpdate:
      return "adam_update";
    case FusedOp::Gelu:
      return "gelu";
    case FusedOp::Linear:
      return "linear";
  }
  return "?";
}

namespace {
[[noreturn]] void no_kernel(const Backend& be, FusedOp op) {
  NABLA_ERROR("[{}] the {} backend has no fused kernel for it (check supports() first)",
              fused_op_name(op), be.name());
}
}  // namespace

bool Backend::supports(FusedOp, ScalarType) const { return false; }

int64_t Backend::cross_entropy_forward(const Tensor&, const Tensor&, int64_t, const Tensor&,
                                       const Tensor&) {
  no_kernel(*this, FusedOp::CrossEntropy);
}
void Backend::cross_entropy_backward(const Tensor&, const Tensor&, int64_t, const Tensor&,
                                     const Tensor&) {
  no_kernel(*this, FusedOp::CrossEntropy);
}
void Backend::lstm_cell_forward(const Tensor&, const Tensor&, const Tensor&, const Tensor&) {
  no_kernel(*this, FusedOp::LstmCell);
}
void Backend::lstm_cell_backward(const Tensor&, const Tensor&, const Tensor&, const Tensor&,
                                 const Tensor&, const Tensor&, const Tensor&) {
  no_kernel(*this, FusedOp::LstmCell);
}
void Backend::gru_cell_forward(const Tensor&, const Tensor&, const Tensor&, const Tensor&) {
  no_kernel(*this, FusedOp::GruCell);
}
void Backend::gru_cell_backward(const Tensor&, const Tensor&, const Tensor&, const Tensor&,
                                const Tensor&, const Tensor&, const Tensor&) {
  no_kernel(*this, FusedOp::GruCell);
}
void Backend::sgd_update(const Tensor&, const Tensor&, const Tensor&, const SgdStepArgs&) {
  no_kernel(*this, FusedOp::SgdUpdate);
}
void Backend::adam_update(const Tensor&, const Tensor&, const Tensor&, const Tensor&, const Tensor&,
                          const AdamStepArgs&) {
  no_kernel(*this, FusedOp::AdamUpdate);
}
void Backend::linear_forward(const Tensor&, const Tensor&, const Tensor&, bool, const Tensor&) {
  no_kernel(*this, FusedOp::Linear);
}
void Backend::gelu_forward(const Tensor&, bool, const Tensor&) { no_kernel(*this, FusedOp::Gelu); }
void Backend::gelu_backward(const Tensor&, const Tensor&, bool, const Tensor&) {
  no_kernel(*this, FusedOp::Gelu);
}

void Backend::order(const Tensor& x, int64_t dim, int64_t k, bool descending,
                    const Tensor& indices) {
  const Tensor host_x = detail::host_readable(x);
  Tensor host_indices = detail::make_tensor(indices.sizes(), kLong, Device(DeviceType::CPU));
  cpu::cpu_backend().order(host_x, dim, k, descending, host_indices);
  copy_from_host(host_indices, indices);
}

void Backend::cumsum(const Tensor& x, int64_t dim, const Tensor& out) {
  const Tensor host_x = detail::host_readable(x);
  Tensor host_out = detail::make_tensor(out.sizes(), out.scalar_type(), Device(DeviceType::CPU));
  cpu::cpu_backend().cumsum(host_x, dim, host_out);
  copy_from_host(host_out, out);
}

void Backend::scan(ScanOp op, const Tensor& x, int64_t dim, const Tensor& out,
                   const Tensor& indices) {
  const Tensor host_x = detail::host_readable(x);
  const Device cpu(DeviceType::CPU);
  Tensor host_out = detail::make_tensor(out.sizes(), out.scalar_type(), cpu);
  Tensor host_indices =
      indices.defined() ? detail::make_tensor(indices.sizes(), kLong, cpu) : Tensor();
  cpu::cpu_backend().scan(op, host_x, dim, host_out, host_indices);
  copy_from_host(host_out, out);
  if (indices.defined()) copy_from_host(host_indices, indices);
}

void Backend::search_sorted(const Tensor& sorted, const Tensor& values, const Tensor& sorter,
                            bool right, const Tensor& out) {
  Tensor host_out = detail::make_tensor(out.sizes(), out.scalar_type(), Device(DeviceType::CPU));
  cpu::cpu_backend().search_sorted(detail::host_readable(sorted), detail::host_readable(values),
                                   sorter.defined() ? detail::host_readable(sorter) : Tensor(),
                                   right, host_out);
  copy_from_host(host_out, out);
}

void Backend::lu_factor(const Tensor& lu, const Tensor& pivots) {
  const Tensor host_lu = detail::host_readable(lu).clone();
  Tensor host_pivots =
      detail::make_tensor(pivots.sizes(), pivots.scalar_type(), Device(DeviceType::CPU));
  cpu::cpu_backend().lu_factor(host_lu, host_pivots);
  copy_from_host(host_lu, lu);
  copy_from_host(host_pivots, pivots);
}

bool Backend::lu_solve(const Tensor& lu, const Tensor& pivots, const Tensor& b) {
  const Tensor host_b = detail::host_readable(b).clone();
  if (!cpu::cpu_backend().lu_solve(detail::host_readable(lu), detail::host_readable(pivots),
                                   host_b))
    return false;
  copy_from_host(host_b, b);
  return true;
}

void Backend::cholesky(const Tensor& a) {
  const Tensor host_a = detail::host_readable(a).clone();
  cpu::cpu_backend().cholesky(host_a);
  copy_from_host(host_a, a);
}

void Backend::triangular_solve(const Tensor& t, const Tensor& b, bool upper, bool left, bool unit) {
  const Tensor host_b = detail::host_readable(b).clone();
  cpu::cpu_backend().triangular_solve(detail::host_readable(t), host_b, upper, left, unit);
  copy_from_host(host_b, b);
}

void Backend::symmetric_eigen(const Tensor& a, bool upper, const Tensor& w, bool vectors) {
  const Tensor host_a = detail::host_readable(a).clone();
  Tensor host_w = detail::make_tensor(w.sizes(), w.scalar_type(), Device(DeviceType::CPU));
  cpu::cpu_backend().symmetric_eigen(host_a, upper, host_w, vectors);
  copy_from_host(host_w, w);
  if (vectors) copy_from_host(host_a, a);
}

void Backend::svd(const Tensor& a, const Tensor& s, const Tensor& u, const Tensor& vh) {
  const Device cpu(DeviceType::CPU);
  const auto host_like = [&](const Tensor& t) {
    return t.defined() ? detail::make_tensor(t.sizes(), t.scalar_type(), cpu) : Tensor();
  };
  Tensor host_s = host_like(s), host_u = host_like(u), host_vh = host_like(vh);
  cpu::cpu_backend().svd(detail::host_readable(a).clone(), host_s, host_u, host_vh);
  copy_from_host(host_s, s);
  if (u.defined()) {
    copy_from_host(host_u, u);
    copy_from_host(host_vh, vh);
  }
}

void Backend::qr(const Tensor& a, const Tensor& q, const Tensor& r) {
  const Device cpu(DeviceType::CPU);
  Tensor host_q = q.defined() ? detail::make_tensor(q.sizes(), q.scalar_type(), cpu) : Tensor();
  Tensor host_r = detail::make_tensor(r.sizes(), r.scalar_type(), cpu);
  cpu::cpu_backend().qr(detail::host_readable(a).clone(), host_q, host_r);
  if (q.defined()) copy_from_host(host_q, q);
  copy_from_host(host_r, r);
}

void Backend::copy_to_host(const Tensor& src, const Tensor& dst) {
  NABLA_CHECK(host_accessible(), "[to] the {} backend has no device-to-host copy", name());
  copy(src, dst);
}
void Backend::copy_from_host(const Tensor& src, const Tensor& dst) {
  NABLA_CHECK(host_accessible(), "[to] the {} backend has no host-to-device copy", name());
  copy(src, dst);
}

namespace {
std::atomic<Backend*> g_private_use1{nullptr};
}  // namespace

Backend& backend_for(Device device) {
  if (device.type() == DeviceType::CPU) return cpu::cpu_backend();
  if (device.type() == DeviceType::Meta) return meta::meta_backend();
  if (device.type() == DeviceType::PrivateUse1) {
    if (Backend* be = g_private_use1.load(std::memory_order_acquire)) return *be;
  }
  NABLA_ERROR("[device] nabla was built without a backend for {}", device.str());
}

void synchronize(Device device) { backend_for(device).synchronize(); }

namespace detail {

void register_backend(DeviceType type, Backend* backend) {
  NABLA_CHECK(type == DeviceType::PrivateUse1,
              "[register_backend] only PrivateUse1 takes an out-of-tree backend, got {}",
              Device(type).str());
  register_allocator(type, backend ? &backend->allocator() : nullptr);
  g_private_use1.store(backend, std::memory_order_release);
}

namespace {
/// `t` itself when contiguous, else a contiguous copy on its device (no autograd).
Tensor contiguous_on_device(const Tensor& t) {
  if (t.is_contiguous()) return alias_detached(t);
  Tensor c = make_tensor(t.sizes(), t.scalar_type(), t.device());
  backend_for(t).copy(t, c);
  return c;
}
}  // namespace

Tensor host_readable(const Tensor& t) {
  if (backend_for(t).host_accessible()) return alias_detached(t);
  const Tensor src = contiguous_on_device(t);
  Tensor dst = make_tensor(src.sizes(), src.scalar_type(), Device(DeviceType::CPU));
  backend_for(src).copy_to_host(src, dst);
  return dst;
}

Tensor from_host(const Tensor& host, Device device) {
  Backend& be = backend_for(device);
  if (be.host_accessible() && host.device().type() == device.type()) return host;
  const Tensor src = contiguous_on_device(host);
  Tensor dst = make_tensor(src.sizes(), src.scalar_type(), device);
  be.copy_from_host(src, dst);
  return dst;
}

}  // namespace detail

}  // namespace nabla
