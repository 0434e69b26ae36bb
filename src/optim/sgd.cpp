// SGD with momentum, dampening, weight decay and Nesterov momentum (torch.optim.SGD).
#include "nabla/optim/sgd.h"

#include "core/check.h"
#include "nabla/autograd.h"
#include "ops/fused.h"

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

Tensor SGD::step(LossClosure closure) {
  Tensor loss = run_closure(closure);
  NoGradGuard no_grad;
  for (auto& group : param_groups_) {
    const auto& o = static_cast<const SGDOptions&>(group.options());
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      Tensor* buf = o.momentum() != 0 ? &state_of<SGDParamState>(p).momentum_buffer() : nullptr;
      SgdStepArgs args;
      args.lr = o.lr(), args.momentum = o.momentum(), args.dampening = o.dampening();
      args.weight_decay = o.weight_decay(), args.nesterov = o.nesterov();
      nabla::detail::sgd_step_(p, buf, args);
    }
  }
  return loss;
}

}  // namespace nabla::optim
