// Adagrad (torch.optim.Adagrad) with learning-rate decay and weight decay.
#include "nabla/optim/adagrad.h"

#include "core/check.h"
#include "nabla/autograd.h"
#include "nabla/ops.h"

namespace nabla::optim {

AdagradOptions::AdagradOptions(double lr) : lr_(lr) {}

void AdagradOptions::validate() const {
  NABLA_CHECK(lr() >= 0, "[Adagrad] invalid learning rate: {}", lr());
  NABLA_CHECK(lr_decay() >= 0, "[Adagrad] invalid lr_decay value: {}", lr_decay());
  NABLA_CHECK(weight_decay() >= 0, "[Adagrad] invalid weight_decay value: {}", weight_decay());
  NABLA_CHECK(initial_accumulator_value() >= 0,
              "[Adagrad] invalid initial_accumulator_value value: {}", initial_accumulator_value());
  NABLA_CHECK(eps() >= 0, "[Adagrad] invalid epsilon value: {}", eps());
}

void AdagradOptions::visit_fields(FieldVisitor& v) {
  v.field("lr", lr_);
  v.field("lr_decay", lr_decay_);
  v.field("weight_decay", weight_decay_);
  v.field("initial_accumulator_value", initial_accumulator_value_);
  v.field("eps", eps_);
}

void AdagradParamState::visit_fields(FieldVisitor& v) {
  v.field("sum", sum_);
  v.field("step", step_);
}

Adagrad::Adagrad(const std::vector<OptimizerParamGroup>& param_groups, AdagradOptions defaults)
    : Optimizer(param_groups, std::make_unique<AdagradOptions>(defaults)) {}
Adagrad::Adagrad(std::vector<Tensor> params, AdagradOptions defaults)
    : Optimizer(std::move(params), std::make_unique<AdagradOptions>(defaults)) {}

Tensor Adagrad::step(LossClosure closure) {
  Tensor loss = run_closure(closure);
  NoGradGuard no_grad;
  for (auto& group : param_groups_) {
    const auto& o = static_cast<const AdagradOptions&>(group.options());
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      auto& st = state_of<AdagradParamState>(p);
      if (!st.sum().defined()) st.sum(full_like(p, o.initial_accumulator_value()));
      st.step(st.step() + 1);
      Tensor grad = p.grad();
      if (o.weight_decay() != 0) grad = grad.add(p, o.weight_decay());
      const double clr = o.lr() / (1 + static_cast<double>(st.step() - 1) * o.lr_decay());
      st.sum().addcmul_(grad, grad);
      Tensor denom = st.sum().sqrt();
      denom.add_(o.eps());
      p.addcdiv_(grad, denom, -clr);
    }
  }
  return loss;
}

}  // namespace nabla::optim
