// RMSprop, as torch.optim.RMSprop:
//   g = grad + weight_decay * p
//   v = alpha * v + (1 - alpha) * g * g
//   centered: a = alpha * a + (1 - alpha) * g;  avg = sqrt(v - a * a) + eps, else sqrt(v) + eps
//   momentum > 0: buf = momentum * buf + g / avg;  p -= lr * buf,  else p -= lr * g / avg
#pragma once

#include "nabla/optim/optimizer.h"

namespace nabla {
namespace optim {

struct RMSpropOptions : public OptimizerCloneableOptions<RMSpropOptions> {
  RMSpropOptions(double lr = 1e-2);  // NOLINT: implicit, as in LibTorch
  NABLA_ARG(double, lr) = 1e-2;
  NABLA_ARG(double, alpha) = 0.99;
  NABLA_ARG(double, eps) = 1e-8;
  NABLA_ARG(double, weight_decay) = 0;
  NABLA_ARG(double, momentum) = 0;
  NABLA_ARG(bool, centered) = false;

 public:
  double get_lr() const override { return lr(); }
  void set_lr(double lr) override { this->lr(lr); }
  void validate() const override;
  void visit_fields(FieldVisitor& v) override;
};

struct RMSpropParamState : public OptimizerCloneableParamState<RMSpropParamState> {
  NABLA_ARG(int64_t, step) = 0;
  NABLA_ARG(Tensor, square_avg);
  NABLA_ARG(Tensor, momentum_buffer);
  NABLA_ARG(Tensor, grad_avg);

 public:
  void visit_fields(FieldVisitor& v) override;
};

class RMSprop : public Optimizer {
 public:
  explicit RMSprop(const std::vector<OptimizerParamGroup>& param_groups,
                   RMSpropOptions defaults = {});
  explicit RMSprop(std::vector<Tensor> params, RMSpropOptions defaults = {});
  Tensor step(LossClosure closure = nullptr) override;

 protected:
  std::unique_ptr<OptimizerParamState> make_state() const override {
    return std::make_unique<RMSpropParamState>();
  }
};

}  // namespace optim
}  // namespace nabla
