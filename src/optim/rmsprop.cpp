// RMSprop (torch.optim.RMSprop), plain or centered, with optional momentum.
#include "nabla/optim/rmsprop.h"

#include "core/check.h"
#include "nabla/autograd.h"
#include "nabla/ops.h"

namespace nabla::optim {

RMSpropOptions::RMSpropOptions(double lr) : lr_(lr) {}

void RMSpropOptions::validate() const {
  NABLA_CHECK(lr() >= 0, "[RMSprop] invalid learning rate: {}", lr());
  NABLA_CHECK(eps() >= 0, "[RMSprop] invalid epsilon value: {}", eps());
  NABLA_CHECK(momentum() >= 0, "[RMSprop] invalid momentum value: {}", momentum());
  NABLA_CHECK(weight_decay() >= 0, "[RMSprop] invalid weight_decay value: {}", weight_decay());
  NABLA_CHECK(alpha() >= 0, "[RMSprop] invalid alpha value: {}", alpha());
}

void RMSpropOptions::visit_fields(FieldVisitor& v) {
  v.field("lr", lr_);
  v.field("alpha", alpha_);
  v.field("eps", eps_);
  v.field("weight_decay", weight_decay_);
  v.field("momentum", momentum_);
  v.field("centered", centered_);
}

void RMSpropParamState::visit_fields(FieldVisitor& v) {
  v.field("step", step_);
  v.field("square_avg", square_avg_);
  v.field("momentum_buffer", momentum_buffer_);
  v.field("grad_avg", grad_avg_);
}

RMSprop::RMSprop(const std::vector<OptimizerParamGroup>& param_groups, RMSpropOptions defaults)
    : Optimizer(param_groups, std::make_unique<RMSpropOptions>(defaults)) {}
RMSprop::RMSprop(std::vector<Tensor> params, RMSpropOptions defaults)
    : Optimizer(std::move(params), std::make_unique<RMSpropOptions>(defaults)) {}

Tensor RMSprop::step(LossClosure closure) {
  Tensor loss = run_closure(closure);
  NoGradGuard no_grad;
  for (auto& group : param_groups_) {
    const auto& o = static_cast<const RMSpropOptions&>(group.options());
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      auto& st = state_of<RMSpropParamState>(p);
      // Buffers are created when first needed, so options switched on later work too.
      if (!st.square_avg().defined()) st.square_avg(zeros_like(p));
      if (o.momentum() > 0 && !st.momentum_buffer().defined()) st.momentum_buffer(zeros_like(p));
      if (o.centered() && !st.grad_avg().defined()) st.grad_avg(zeros_like(p));
      st.step(st.step() + 1);

      Tensor grad = p.grad();
      if (o.weight_decay() != 0) grad = grad.add(p, o.weight_decay());
      Tensor& square_avg = st.square_avg();
      square_avg.mul_(o.alpha()).addcmul_(grad, grad, 1 - o.alpha());
      Tensor avg;
      if (o.centered()) {
        Tensor& grad_avg = st.grad_avg();
        grad_avg.mul_(o.alpha()).add_(grad, 1 - o.alpha());
        avg = square_avg - grad_avg * grad_avg;
        avg.sqrt_();
      } else {
        avg = square_avg.sqrt();
      }
      avg.add_(o.eps());
      if (o.momentum() > 0) {
        Tensor& buf = st.momentum_buffer();
        buf.mul_(o.momentum()).addcdiv_(grad, avg);
        p.add_(buf, -o.lr());
      } else {
        p.addcdiv_(grad, avg, -o.lr());
      }
    }
  }
  return loss;
}

}  // namespace nabla::optim
