// Stochastic gradient descent with momentum, dampening, weight decay and Nesterov momentum,
// as torch.optim.SGD:
//   g = grad + weight_decay * p
//   buf = g (first step), else momentum * buf + (1 - dampening) * g
//   g = nesterov ? g + momentum * buf : buf        (when momentum != 0)
//   p -= lr * g
#pragma once

#include "nabla/optim/optimizer.h"

namespace nabla {
namespace optim {

struct SGDOptions : public OptimizerCloneableOptions<SGDOptions> {
  SGDOptions(double lr);  // NOLINT: implicit, as in LibTorch
  NABLA_ARG(double, lr);
  NABLA_ARG(double, momentum) = 0;
  NABLA_ARG(double, dampening) = 0;
  NABLA_ARG(double, weight_decay) = 0;
  NABLA_ARG(bool, nesterov) = false;

 public:
  double get_lr() const override { return lr(); }
  void set_lr(double lr) override { this->lr(lr); }
  void validate() const override;
  void visit_fields(FieldVisitor& v) override;
};

struct SGDParamState : public OptimizerCloneableParamState<SGDParamState> {
  NABLA_ARG(Tensor, momentum_buffer);

 public:
  void visit_fields(FieldVisitor& v) override;
};

class SGD : public Optimizer {
 public:
  explicit SGD(const std::vector<OptimizerParamGroup>& param_groups, SGDOptions defaults);
  explicit SGD(std::vector<Tensor> params, SGDOptions defaults);
  Tensor step(LossClosure closure = nullptr) override;

 protected:
  std::unique_ptr<OptimizerParamState> make_state() const override {
    return std::make_unique<SGDParamState>();
  }
};

}  // namespace optim
}  // namespace nabla
