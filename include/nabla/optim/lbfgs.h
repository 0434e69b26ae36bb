// L-BFGS, as torch.optim.LBFGS / LibTorch's torch::optim::LBFGS: a quasi-Newton method that
// needs a closure (it evaluates the loss several times per step), over one parameter group.
//
//   nabla::optim::LBFGS opt(params, nabla::optim::LBFGSOptions(1).line_search_fn("strong_wolfe"));
//   opt.step([&] { opt.zero_grad(); auto loss = f(); loss.backward(); return loss; });
//
// Each step runs up to max_iter iterations: the direction from the last history_size pairs of
// (gradient change, step) by the two-loop recursion, then a step of lr (the first iteration:
// min(1, 1 / |g|_1) lr), or a strong Wolfe line search. The state (history, direction, step
// length) lives with the first parameter and goes into state_dict() flattened.
#pragma once

#include <deque>
#include <optional>
#include <string>

#include "nabla/optim/optimizer.h"

namespace nabla {
namespace optim {

struct LBFGSOptions : public OptimizerCloneableOptions<LBFGSOptions> {
  LBFGSOptions(double lr = 1);  // NOLINT: implicit, as in LibTorch
  NABLA_ARG(double, lr) = 1;
  /// Iterations per step.
  NABLA_ARG(int64_t, max_iter) = 20;
  /// Loss evaluations per step; unset: max_iter * 5 / 4.
  NABLA_ARG(std::optional<int64_t>, max_eval) = std::nullopt;
  /// Stop when the largest gradient element is at most this.
  NABLA_ARG(double, tolerance_grad) = 1e-7;
  /// Stop when the step or the loss changes by less than this.
  NABLA_ARG(double, tolerance_change) = 1e-9;
  NABLA_ARG(int64_t, history_size) = 100;
  /// "strong_wolfe", or unset for fixed steps of lr.
  NABLA_ARG(std::optional<std::string>, line_search_fn) = std::nullopt;

 public:
  double get_lr() const override { return lr(); }
  void set_lr(double lr) override { this->lr(lr); }
  void validate() const override;
  void visit_fields(FieldVisitor& v) override;
};

struct LBFGSParamState : public OptimizerCloneableParamState<LBFGSParamState> {
  NABLA_ARG(int64_t, func_evals) = 0;
  NABLA_ARG(int64_t, n_iter) = 0;
  NABLA_ARG(double, t) = 0;
  NABLA_ARG(double, prev_loss) = 0;
  /// The last direction, the Hessian's diagonal scale and the last gradient (flattened).
  NABLA_ARG(Tensor, d) = {};
  NABLA_ARG(Tensor, H_diag) = {};
  NABLA_ARG(Tensor, prev_flat_grad) = {};
  /// The history: gradient changes y, steps s and 1 / (y . s), oldest first.
  NABLA_ARG(std::deque<Tensor>, old_dirs);
  NABLA_ARG(std::deque<Tensor>, old_stps);
  NABLA_ARG(std::deque<Tensor>, ro);
  NABLA_ARG(std::optional<std::vector<Tensor>>, al) = std::nullopt;

 public:
  void visit_fields(FieldVisitor& v) override;
};

class LBFGS : public Optimizer {
 public:
  explicit LBFGS(const std::vector<OptimizerParamGroup>& param_groups, LBFGSOptions defaults = {});
  explicit LBFGS(std::vector<Tensor> params, LBFGSOptions defaults = {});
  /// Requires a closure that clears the gradients, computes the loss, calls backward() and
  /// returns the loss. Returns the loss of the closure's first evaluation.
  Tensor step(LossClosure closure) override;

 protected:
  std::unique_ptr<OptimizerParamState> make_state() const override {
    return std::make_unique<LBFGSParamState>();
  }
};

}  // namespace optim
}  // namespace nabla
