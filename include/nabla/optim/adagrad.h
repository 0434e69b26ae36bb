// Adagrad, as torch.optim.Adagrad:
//   g = grad + weight_decay * p;  t += 1
//   clr = lr / (1 + (t - 1) * lr_decay)
//   sum += g * g  (sum starts at initial_accumulator_value)
//   p -= clr * g / (sqrt(sum) + eps)
#pragma once

#include "nabla/optim/optimizer.h"

namespace nabla {
namespace optim {

struct AdagradOptions : public OptimizerCloneableOptions<AdagradOptions> {
  AdagradOptions(double lr = 1e-2);  // NOLINT: implicit, as in LibTorch
  NABLA_ARG(double, lr) = 1e-2;
  NABLA_ARG(double, lr_decay) = 0;
  NABLA_ARG(double, weight_decay) = 0;
  NABLA_ARG(double, initial_accumulator_value) = 0;
  NABLA_ARG(double, eps) = 1e-10;

 public:
  double get_lr() const override { return lr(); }
  void set_lr(double lr) override { this->lr(lr); }
  void validate() const override;
  void visit_fields(FieldVisitor& v) override;
};

struct AdagradParamState : public OptimizerCloneableParamState<AdagradParamState> {
  NABLA_ARG(Tensor, sum);
  NABLA_ARG(int64_t, step) = 0;

 public:
  void visit_fields(FieldVisitor& v) override;
};

class Adagrad : public Optimizer {
 public:
  explicit Adagrad(const std::vector<OptimizerParamGroup>& param_groups,
                   AdagradOptions defaults = {});
  explicit Adagrad(std::vector<Tensor> params, AdagradOptions defaults = {});
  Tensor step(LossClosure closure = nullptr) override;

 protected:
  std::unique_ptr<OptimizerParamState> make_state() const override {
    return std::make_unique<AdagradParamState>();
  }
};

}  // namespace optim
}  // namespace nabla
