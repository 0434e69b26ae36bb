// Adam (Kingma & Ba), as torch.optim.Adam, with L2 weight decay and the AMSGrad variant:
//   g = grad + weight_decay * p;  t += 1
//   m = beta1 * m + (1 - beta1) * g;  v = beta2 * v + (1 - beta2) * g * g
//   v_max = max(v_max, v) (amsgrad; used instead of v below)
//   p -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
#pragma once

#include <tuple>

#include "nabla/optim/optimizer.h"

namespace nabla {
namespace optim {

struct AdamOptions : public OptimizerCloneableOptions<AdamOptions> {
  AdamOptions(double lr = 1e-3);  // NOLINT: implicit, as in LibTorch
  NABLA_ARG(double, lr) = 1e-3;
  using betas_t = std::tuple<double, double>;
  NABLA_ARG(betas_t, betas) = std::make_tuple(0.9, 0.999);
  NABLA_ARG(double, eps) = 1e-8;
  NABLA_ARG(double, weight_decay) = 0;
  NABLA_ARG(bool, amsgrad) = false;

 public:
  double get_lr() const override { return lr(); }
  void set_lr(double lr) override { this->lr(lr); }
  void validate() const override;
  void visit_fields(FieldVisitor& v) override;
};

/// Shared by Adam and AdamW.
struct AdamParamState : public OptimizerCloneableParamState<AdamParamState> {
  NABLA_ARG(int64_t, step) = 0;
  NABLA_ARG(Tensor, exp_avg);
  NABLA_ARG(Tensor, exp_avg_sq);
  NABLA_ARG(Tensor, max_exp_avg_sq);

 public:
  void visit_fields(FieldVisitor& v) override;
};

class Adam : public Optimizer {
 public:
  explicit Adam(const std::vector<OptimizerParamGroup>& param_groups, AdamOptions defaults = {});
  explicit Adam(std::vector<Tensor> params, AdamOptions defaults = {});
  Tensor step(LossClosure closure = nullptr) override;

 protected:
  std::unique_ptr<OptimizerParamState> make_state() const override {
    return std::make_unique<AdamParamState>();
  }
};

namespace detail {
/// The Adam update of one parameter; AdamW applies its decoupled decay before calling it.
void adam_update(const Tensor& param, Tensor grad, AdamParamState& state, double lr, double beta1,
                 double beta2, double eps, double l2_weight_decay, bool amsgrad);
}  // namespace detail

}  // namespace optim
}  // namespace nabla
