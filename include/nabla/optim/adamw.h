// AdamW (Loshchilov & Hutter), as torch.optim.AdamW: Adam with decoupled weight decay,
//   p *= 1 - lr * weight_decay,  then the Adam update without L2 term.
#pragma once

#include <tuple>

#include "nabla/optim/adam.h"

namespace nabla {
namespace optim {

struct AdamWOptions : public OptimizerCloneableOptions<AdamWOptions> {
  AdamWOptions(double lr = 1e-3);  // NOLINT: implicit, as in LibTorch
  NABLA_ARG(double, lr) = 1e-3;
  using betas_t = std::tuple<double, double>;
  NABLA_ARG(betas_t, betas) = std::make_tuple(0.9, 0.999);
  NABLA_ARG(double, eps) = 1e-8;
  NABLA_ARG(double, weight_decay) = 1e-2;
  NABLA_ARG(bool, amsgrad) = false;

 public:
  double get_lr() const override { return lr(); }
  void set_lr(double lr) override { this->lr(lr); }
  void validate() const override;
  void visit_fields(FieldVisitor& v) override;
};

using AdamWParamState = AdamParamState;

class AdamW : public Optimizer {
 public:
  explicit AdamW(const std::vector<OptimizerParamGroup>& param_groups, AdamWOptions defaults = {});
  explicit AdamW(std::vector<Tensor> params, AdamWOptions defaults = {});
  Tensor step(LossClosure closure = nullptr) override;

 protected:
  std::unique_ptr<OptimizerParamState> make_state() const override {
    return std::make_unique<AdamParamState>();
  }
};

}  // namespace optim
}  // namespace nabla
