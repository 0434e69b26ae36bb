// Adam and AdamW (torch.optim.Adam / AdamW): one update function, AdamW adding its decoupled
// weight decay before it.
#include "nabla/optim/adam.h"

#include <cmath>
#include <cstdint>

#include "core/check.h"
#include "nabla/autograd.h"
#include "nabla/ops.h"
#include "nabla/optim/adamw.h"
#include "ops/fused.h"

namespace nabla::optim {

namespace {
void check_adam_options(const char* op, double lr, const std::tuple<double, double>& betas,
                        double eps, double weight_decay) {
  const auto [beta1, beta2] = betas;
  NABLA_CHECK(lr >= 0, "[{}] invalid learning rate: {}", op, lr);
  NABLA_CHECK(eps >= 0, "[{}] invalid epsilon value: {}", op, eps);
  NABLA_CHECK(beta1 >= 0 && beta1 < 1, "[{}] invalid beta parameter at index 0: {}", op, beta1);
  NABLA_CHECK(beta2 >= 0 && beta2 < 1, "[{}] invalid beta parameter at index 1: {}", op, beta2);
  NABLA_CHECK(weight_decay >= 0, "[{}] invalid weight_decay value: {}", op, weight_decay);
}
}  // namespace

AdamOptions::AdamOptions(double lr) : lr_(lr) {}
void AdamOptions::validate() const {
  check_adam_options("Adam", lr(), betas(), eps(), weight_decay());
}
void AdamOptions::visit_fields(FieldVisitor& v) {
  v.field("lr", lr_);
  v.field("betas", betas_);
  v.field("eps", eps_);
  v.field("weight_decay", weight_decay_);
  v.field("amsgrad", amsgrad_);
}

AdamWOptions::AdamWOptions(double lr) : lr_(lr) {}
void AdamWOptions::validate() const {
  check_adam_options("AdamW", lr(), betas(), eps(), weight_decay());
}
void AdamWOptions::visit_fields(FieldVisitor& v) {
  v.field("lr", lr_);
  v.field("betas", betas_);
  v.field("eps", eps_);
  v.field("weight_decay", weight_decay_);
  v.field("amsgrad", amsgrad_);
}

void AdamParamState::visit_fields(FieldVisitor& v) {
  v.field("step", step_);
  v.field("exp_avg", exp_avg_);
  v.field("exp_avg_sq", exp_avg_sq_);
  v.field("max_exp_avg_sq", max_exp_avg_sq_);
}

namespace detail {
void adam_update(const Tensor& param, Tensor grad, AdamParamState& st, double lr, double beta1,
                 double beta2, double eps, double l2_weight_decay, bool amsgrad) {
  if (!st.exp_avg().defined()) {
    st.exp_avg(zeros_like(param));
    st.exp_avg_sq(zeros_like(param));
  }
  // Also when amsgrad is switched on after some steps.
  if (amsgrad && !st.max_exp_avg_sq().defined()) st.max_exp_avg_sq(zeros_like(param));
  NABLA_CHECK(st.step() >= 0 && st.step() < INT64_MAX, "[adam] step count {} cannot be advanced",
              st.step());
  st.step(st.step() + 1);
  const auto t = static_cast<double>(st.step());
  const double bias_correction1 = 1 - std::pow(beta1, t);
  const double bias_correction2 = 1 - std::pow(beta2, t);
  AdamStepArgs args;
  args.step_size = lr / bias_correction1, args.beta1 = beta1, args.beta2 = beta2;
  args.bias_correction2_sqrt = std::sqrt(bias_correction2), args.eps = eps;
  args.l2 = l2_weight_decay;
  nabla::detail::adam_step_(param, grad, st.exp_avg(), st.exp_avg_sq(),
                            amsgrad ? st.max_exp_avg_sq() : Tensor(), args);
}
}  // namespace detail

Adam::Adam(const std::vector<OptimizerParamGroup>& param_groups, AdamOptions defaults)
    : Optimizer(param_groups, std::make_unique<AdamOptions>(defaults)) {}
Adam::Adam(std::vector<Tensor> params, AdamOptions defaults)
    : Optimizer(std::move(params), std::make_unique<AdamOptions>(defaults)) {}

Tensor Adam::step(LossClosure closure) {
  Tensor loss = run_closure(closure);
  NoGradGuard no_grad;
  for (auto& group : param_groups_) {
    const auto& o = static_cast<const AdamOptions&>(group.options());
    const auto [beta1, beta2] = o.betas();
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      detail::adam_update(p, p.grad(), state_of<AdamParamState>(p), o.lr(), beta1, beta2, o.eps(),
                          o.weight_decay(), o.amsgrad());
    }
  }
  return loss;
}

AdamW::AdamW(const std::vector<OptimizerParamGroup>& param_groups, AdamWOptions defaults)
    : Optimizer(param_groups, std::make_unique<AdamWOptions>(defaults)) {}
AdamW::AdamW(std::vector<Tensor> params, AdamWOptions defaults)
    : Optimizer(std::move(params), std::make_unique<AdamWOptions>(defaults)) {}

Tensor AdamW::step(LossClosure closure) {
  Tensor loss = run_closure(closure);
  NoGradGuard no_grad;
  for (auto& group : param_groups_) {
    const auto& o = static_cast<const AdamWOptions&>(group.options());
    const auto [beta1, beta2] = o.betas();
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      if (o.weight_decay() != 0) p.mul_(1 - o.lr() * o.weight_decay());
      detail::adam_update(p, p.grad(), state_of<AdamParamState>(p), o.lr(), beta1, beta2, o.eps(),
                          0, o.amsgrad());
    }
  }
  return loss;
}

}  // namespace nabla::optim
