// Tensor's autograd methods: requires_grad, .grad(), retain_grad, backward, detach and hooks.
// They read and write the autograd fields of TensorImpl; the graph itself is in function.h.
#include <atomic>

#include "autograd/function.h"
#include "core/check.h"
#include "core/tensor_impl.h"
#include "nabla/ops.h"

namespace nabla {
using detail::impl_of;

bool Tensor::requires_grad() const {
  const TensorImpl& i = impl_of(*this, "requires_grad");
  return i.requires_grad || i.grad_fn != nullptr;
}

const Tensor& Tensor::requires_grad_(bool requires_grad) const {
  TensorImpl& i = const_cast<TensorImpl&>(impl_of(*this, "requires_grad_"));
  NABLA_CHECK(!requires_grad || is_floating_point(),
              "[requires_grad_] only tensors of floating point dtype can require gradients, "
              "got {}",
              scalar_type());
  NABLA_CHECK(i.grad_fn == nullptr || requires_grad,
              "[requires_grad_] you can only change requires_grad flags of leaf variables; use "
              ".detach() to get a tensor that does not require grad");
  if (i.grad_fn == nullptr) i.requires_grad = requires_grad;
  return *this;
}

const Tensor& Tensor::grad() const { return impl_of(*this, "grad").grad; }
Tensor& Tensor::mutable_grad() const {
  return const_cast<TensorImpl&>(impl_of(*this, "mutable_grad")).grad;
}
void Tensor::set_grad(const Tensor& g) const {
  if (g.defined()) {
    NABLA_CHECK(g.sizes() == sizes(), "[set_grad] gradient of shape {} for a tensor of shape {}",
                g.sizes(), sizes());
  }
  mutable_grad() = g;
}
bool Tensor::is_leaf() const { return impl_of(*this, "is_leaf").grad_fn == nullptr; }
std::shared_ptr<autograd::Node> Tensor::grad_fn() const {
  return impl_of(*this, "grad_fn").grad_fn;
}
int64_t Tensor::output_nr() const { return impl_of(*this, "output_nr").output_nr; }
bool Tensor::retains_grad() const { return impl_of(*this, "retains_grad").retains_grad; }

void Tensor::retain_grad() const {
  TensorImpl& i = const_cast<TensorImpl&>(impl_of(*this, "retain_grad"));
  NABLA_CHECK(requires_grad(),
              "[retain_grad] can't retain_grad on a tensor that has "
              "requires_grad=false");
  if (is_leaf() || i.retains_grad) return;  // leaves always keep .grad()
  i.retains_grad = true;
  std::weak_ptr<TensorImpl> weak = impl_;
  i.grad_fn->add_pre_hook(i.output_nr, [weak](const Tensor& g) -> Tensor {
    if (auto self = weak.lock()) {
      NoGradGuard no_grad;
      if (!self->grad.defined()) {
        self->grad = g.detach().clone();
      } else {
        self->grad = self->grad + g.detach();
      }
    }
    return Tensor();
  });
}

void Tensor::backward(const Tensor& gradient, std::optional<bool> retain_graph, bool create_graph,
                      std::optional<std::vector<Tensor>> inputs) const {
  autograd::backward({*this}, {gradient}, retain_graph, create_graph,
                     inputs.value_or(std::vector<Tensor>{}));
}

Tensor Tensor::detach() const {
  impl_of(*this, "detach");
  return detail::alias_detached(*this);
}

Tensor Tensor::data() const {
  impl_of(*this, "data");
  return detail::alias_detached(*this);
}

Tensor& Tensor::detach_() const {
  TensorImpl& i = const_cast<TensorImpl&>(impl_of(*this, "detach_"));
  i.grad_fn.reset();
  i.requires_grad = false;
  return const_cast<Tensor&>(*this);
}

unsigned Tensor::register_hook_impl(std::function<Tensor(const Tensor&)> hook) const {
  TensorImpl& i = const_cast<TensorImpl&>(impl_of(*this, "register_hook"));
  NABLA_CHECK(requires_grad(),
              "[register_hook] cannot register a hook on a tensor that doesn't "
              "require gradient");
  if (i.grad_fn) return i.grad_fn->add_pre_hook(i.output_nr, std::move(hook));
  static std::atomic<unsigned> next_leaf_handle{1u << 30};  // disjoint from node hook handles
  const unsigned h = next_leaf_handle.fetch_add(1, std::memory_order_relaxed);
  i.hooks.push_back({h, std::move(hook)});
  return h;
}

void Tensor::remove_hook(unsigned handle) const {
  TensorImpl& i = const_cast<TensorImpl&>(impl_of(*this, "remove_hook"));
  if (i.grad_fn && i.grad_fn->remove_pre_hook(handle)) return;
  for (auto it = i.hooks.begin(); it != i.hooks.end(); ++it) {
    if (it->handle == handle) {
      i.hooks.erase(it);
      return;
    }
  }
  NABLA_ERROR("[remove_hook] no hook with handle {} on this tensor", handle);
}

}  // namespace nabla
