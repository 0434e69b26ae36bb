// SGD with momentum, dampening, weight decay and Nesterov momentum (torch.optim.SGD).
#include "nabla/optim/sgd.h"

#include "backend/cpu/fused.h"
#include "core/check.h"
#include "core/tensor_impl.h"
#include "nabla/autograd.h"
#include "nabla/ops.h"

namespace nabla::optim {

SGDOptions::SGDOptions(double lr) : lr_(lr) {}

void SGDOptions::validate() const {
  NABLA_CHECK(lr() >= 0, "[SGD] invalid learning rate: {}", lr());
  NABLA_CHECK(momentum() >= 0, "[SGD] invalid momentum value: {}", momentum());
  NABLA_CHECK(weight_decay() >= 0, "[SGD] invalid weight_decay value: {}", weight_decay());
  NABLA_CHECK(!nesterov() || (momentum() > 0 && dampening() == 0),
              "[SGD] nesterov momentum requires a momentum and zero dampening (momentum {}, "
              "dampening {})",
              momentum(), dampening());
}

void SGDOptions::visit_fields(FieldVisitor& v) {
  v.field("lr", lr_);
  v.field("momentum", momentum_);
  v.field("dampening", dampening_);
  v.field("weight_decay", weight_decay_);
  v.field("nesterov", nesterov_);
}

void SGDParamState::visit_fields(FieldVisitor& v) { v.field("momentum_buffer", momentum_buffer_); }

SGD::SGD(const std::vector<OptimizerParamGroup>& param_groups, SGDOptions defaults)
    : Optimizer(param_groups, std::make_unique<SGDOptions>(defaults)) {}
SGD::SGD(std::vector<Tensor> params, SGDOptions defaults)
    : Optimizer(std::move(params), std::make_unique<SGDOptions>(defaults)) {}

namespace {
// One pass over the parameter (cpu::sgd_update) when its layout allows; the same formulas as
// the composed ops in SGD::step, which handle everything else. `buf` is the momentum buffer
// slot (null without momentum).
bool fused_sgd_step(Tensor& p, Tensor* buf, const SGDOptions& o) {
  const Tensor& grad = p.grad();
  if (!cpu::fusable(p) || !cpu::fusable(grad) || grad.scalar_type() != p.scalar_type() ||
      grad.sizes() != p.sizes() || grad.requires_grad())
    return false;
  if (buf && buf->defined() &&
      (!cpu::fusable(*buf) || buf->sizes() != p.sizes() || buf->scalar_type() != p.scalar_type()))
    return false;
  const bool init = buf && !buf->defined();
  if (init) *buf = empty_like(p);
  cpu::sgd_update(p, grad, buf ? *buf : Tensor(), init, o.lr(), o.momentum(), o.dampening(),
                  o.weight_decay(), o.nesterov());
  nabla::detail::bump_version(p);
  if (buf) nabla::detail::bump_version(*buf);
  return true;
}
}  // namespace

Tensor SGD::step(LossClosure closure) {
  Tensor loss = run_closure(closure);
  NoGradGuard no_grad;
  for (auto& group : param_groups_) {
    const auto& o = static_cast<const SGDOptions&>(group.options());
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      Tensor* buf = o.momentum() != 0 ? &state_of<SGDParamState>(p).momentum_buffer() : nullptr;
      if (fused_sgd_step(p, buf, o)) continue;
      Tensor d_p = p.grad();
      if (o.weight_decay() != 0) d_p = d_p.add(p, o.weight_decay());
      if (o.momentum() != 0) {
        Tensor& buf = state_of<SGDParamState>(p).momentum_buffer();
        if (!buf.defined()) {
          buf = d_p.detach().clone();
        } else {
          buf.mul_(o.momentum()).add_(d_p, 1 - o.dampening());
        }
        d_p = o.nesterov() ? d_p.add(buf, o.momentum()) : buf;
      }
      p.add_(d_p, -o.lr());
    }
  }
  return loss;
}

}  // namespace nabla::optim
