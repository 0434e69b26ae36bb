// Type promotion, broadcasting, casting, sum_to and the in-place protocol (see op_helpers.h).
#include "ops/op_helpers.h"

#include "core/allocator.h"

namespace nabla {

std::vector<int64_t> broadcast_shapes(IntArrayRef a, IntArrayRef b, const char* op) {
  const size_t n = std::max(a.size(), b.size());
  std::vector<int64_t> out(n);
  for (size_t i = 0; i < n; ++i) {
    const int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    const int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    NABLA_CHECK(da == db || da == 1 || db == 1,
                "[{}] shapes {} and {} cannot be broadcast: dimension {} is {} vs {}", op, a, b, i,
                da, db);
    out[i] = da == 1 ? db : da;
  }
  return out;
}

namespace detail {
namespace {
int category(ScalarType t) { return t == ScalarType::Bool ? 0 : (isFloatingType(t) ? 2 : 1); }

// PyTorch's combine_categories: the lower-priority result only matters if of a higher kind.
std::optional<ScalarType> combine(std::optional<ScalarType> higher,
                                  std::optional<ScalarType> lower) {
  if (!higher) return lower;
  if (!lower) return higher;
  if (isFloatingType(*higher)) return higher;
  if (*higher == ScalarType::Bool || isFloatingType(*lower)) return promoteTypes(*higher, *lower);
  return higher;
}
}  // namespace

ScalarType result_type(ArrayRef<const Tensor*> operands) {
  std::optional<ScalarType> dim_result, zero_result, wrapped_result;
  auto update = [](std::optional<ScalarType>& r, ScalarType t) { r = r ? promoteTypes(*r, t) : t; };
  for (const Tensor* t : operands) {
    const TensorImpl* impl = t->unsafeGetTensorImpl();
    if (impl->is_wrapped_number) {
      // A C++ double counts as the default dtype (float32), an integer as int64.
      ScalarType wt = impl->dtype == ScalarType::Double ? ScalarType::Float : impl->dtype;
      update(wrapped_result, wt);
    } else if (impl->sizes.empty()) {
      update(zero_result, impl->dtype);
    } else {
      update(dim_result, impl->dtype);
    }
  }
  (void)category;
  return combine(dim_result, combine(zero_result, wrapped_result)).value_or(ScalarType::Float);
}

Tensor wrap_scalar(const Scalar& s, Device device) {
  Tensor t = make_tensor({}, s.type(), device);
  backend_for(device).fill(t, s);
  t.unsafeGetTensorImpl()->is_wrapped_number = true;
  return t;
}

Tensor cast(const Tensor& t, ScalarType dtype) {
  if (t.scalar_type() == dtype) return t;
  Tensor out = make_tensor(t.sizes(), dtype, t.device());
  backend_for(t).copy(t, out);
  return out;
}

Tensor expand_to(const Tensor& t, IntArrayRef shape, const char* op) {
  if (t.sizes() == shape) return t;
  const int64_t n = static_cast<int64_t>(shape.size()), k = t.dim();
  NABLA_CHECK(k <= n, "[{}] cannot broadcast shape {} to {}", op, t.sizes(), shape);
  std::vector<int64_t> strides(n, 0);
  for (int64_t i = 0; i < k; ++i) {
    const int64_t d = n - k + i;
    const int64_t s = t.sizes()[i];
    NABLA_CHECK(s == shape[d] || s == 1, "[{}] cannot broadcast shape {} to {}", op, t.sizes(),
                shape);
    strides[d] = s == 1 ? 0 : t.strides()[i];
  }
  return make_view(t, shape.vec(), std::move(strides), t.storage_offset());
}

Tensor contiguous_nograd(const Tensor& t) {
  if (t.is_contiguous()) return t;
  Tensor out = make_tensor(t.sizes(), t.scalar_type(), t.device());
  backend_for(t).copy(t, out);
  return out;
}

bool holds_values(const Tensor& t) { return allocator_for(t.device()).holds_values(); }

void check_same_device(const Tensor& a, const Tensor& b, const char* op) {
  NABLA_CHECK(a.device() == b.device(),
              "[{}] expected all tensors to be on the same device, got {} and {}", op,
              a.device().str(), b.device().str());
}

void check_defined(const Tensor& t, const char* op, const char* arg) {
  NABLA_CHECK(t.defined(), "[{}] argument '{}' is an undefined tensor", op, arg);
}

Tensor sum_to(const Tensor& grad, IntArrayRef shape) {
  if (grad.sizes() == shape) return grad;
  const int64_t lead = grad.dim() - static_cast<int64_t>(shape.size());
  std::vector<int64_t> dims;
  for (int64_t d = 0; d < grad.dim(); ++d) {
    if (d < lead || (shape[d - lead] == 1 && grad.sizes()[d] != 1)) dims.push_back(d);
  }
  Tensor r = dims.empty() ? grad : grad.sum(dims, /*keepdim=*/true);
  return r.view(shape);
}

Tensor grad_for(const Tensor& grad, const Tensor& input) {
  return grad_for(grad, input.sizes(), input.scalar_type());
}

Tensor& apply_inplace(Tensor& self, const char* op, const Tensor& other,
                      const std::function<Tensor(const Tensor& self_value)>& compute) {
  check_defined(self, op);
  const bool grad_mode = GradMode::is_enabled();
  NABLA_CHECK(!(grad_mode && self.is_leaf() && self.requires_grad()),
              "[{}] a leaf tensor that requires grad is being used in an in-place operation; "
              "wrap the update in a NoGradGuard or use an out-of-place op",
              op);
  const bool record_graph =
      grad_mode && (self.requires_grad() || (other.defined() && other.requires_grad()));
  if (!record_graph) {
    NoGradGuard no_grad;
    Tensor value = compute(self);
    NABLA_CHECK(value.sizes() == self.sizes(),
                "[{}] output with shape {} doesn't match the broadcast shape {}", op, self.sizes(),
                value.sizes());
    NABLA_CHECK(value.is_same(self) || isFloatingType(self.scalar_type()) ||
                    !isFloatingType(value.scalar_type()),
                "[{}] result type {} can't be cast to the desired output type {}", op,
                value.scalar_type(), self.scalar_type());
    if (!value.is_same(self)) backend_for(self).copy(value, self);
    bump_version(self);
    return self;
  }
  NABLA_CHECK(!self.unsafeGetTensorImpl()->is_view,
              "[{}] in-place operation on a view that takes part in autograd is not supported; "
              "use the out-of-place op (e.g. x = x.{}(...)) instead",
              op, op);
  // Compute from a copy of the old value, so that the new node's saved tensors stay valid.
  Tensor old_value = self.requires_grad() ? self.clone() : alias_detached(self);
  Tensor value = compute(old_value);
  NABLA_CHECK(value.sizes() == self.sizes(),
              "[{}] output with shape {} doesn't match the broadcast shape {}", op, self.sizes(),
              value.sizes());
  {
    NoGradGuard no_grad;
    backend_for(self).copy(value, self);
  }
  bump_version(self);
  TensorImpl* impl = self.unsafeGetTensorImpl();
  impl->grad_fn = value.grad_fn();
  impl->output_nr = static_cast<uint32_t>(value.output_nr());
  impl->requires_grad = false;
  return self;
}

// ---- the out= forms -------------------------------------------------------------------

void check_out(const Tensor& out, ArrayRef<const Tensor*> inputs, const char* op) {
  check_defined(out, op, "out");
  bool requires_grad = out.requires_grad();
  for (const Tensor* t : inputs)
    requires_grad = requires_grad || (t->defined() && t->requires_grad());
  NABLA_CHECK(!(GradMode::is_enabled() && requires_grad),
              "[{}] functions with out=... arguments don't support automatic differentiation, "
              "but one of the arguments requires grad",
              op);
}

bool out_takes(Tensor& out, IntArrayRef shape, ScalarType dtype, Device device,
               ArrayRef<const Tensor*> inputs) {
  if (out.scalar_type() != dtype || out.device() != device) return false;
  const Storage* storage = out.unsafeGetTensorImpl()->storage.get();
  for (const Tensor* t : inputs) {
    if (t->defined() && t->unsafeGetTensorImpl()->storage.get() == storage) return false;
  }
  if (out.sizes() != shape) out.resize_(shape);
  return out.is_contiguous();
}

Tensor& written_out(Tensor& out) {
  bump_version(out);
  return out;
}

Tensor& write_out(Tensor& out, const Tensor& result, const char* op) {
  NABLA_CHECK(can_cast(result.scalar_type(), out.scalar_type()),
              "[{}] result type {} can't be cast to the desired output type {}", op,
              result.scalar_type(), out.scalar_type());
  check_same_device(out, result, op);
  if (out.sizes() != result.sizes()) out.resize_(result.sizes());
  out.copy_(result);
  return out;
}

}  // namespace detail
}  // namespace nabla
