// The optimizer base, as LibTorch's torch::optim::Optimizer: parameter groups each with their
// own options (lr, ...), per-parameter state, zero_grad(), step(closure), and a state_dict() of
// named tensors that load_state_dict() restores exactly, so that training resumes bit for bit.
//
//   nabla::optim::SGD opt(model_params, nabla::optim::SGDOptions(0.1).momentum(0.9));
//   for (...) {
//     opt.zero_grad();
//     loss_fn().backward();
//     opt.step();
//   }
//   nabla::save(opt.state_dict(), "opt.safetensors");            // checkpoint
//   opt.load_state_dict(nabla::load_safetensors("opt.safetensors"));  // resume
#pragma once

#include "nabla/arg.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "nabla/serialize.h"
#include "nabla/tensor.h"

namespace nabla {
namespace serialize {
class OutputArchive;
class InputArchive;
}  // namespace serialize
namespace optim {

/// Visits the named fields of options and states; state_dict() and load_state_dict() are two
/// visitors, so each optimizer lists its fields once.
class FieldVisitor {
 public:
  virtual ~FieldVisitor() = default;
  virtual void field(const char* name, double& value) = 0;
  virtual void field(const char* name, int64_t& value) = 0;
  virtual void field(const char* name, bool& value) = 0;
  virtual void field(const char* name, std::tuple<double, double>& value) = 0;
  /// An undefined tensor is a buffer not created yet (e.g. momentum before the first step).
  virtual void field(const char* name, Tensor& value) = 0;
  /// A floating-point tensor of any shape (LBFGS's history of all parameters, flattened),
  /// where field() expects the parameter's shape.
  virtual void any_shape_field(const char* name, Tensor& value) { field(name, value); }
};

/// Hyper-parameters of one parameter group.
class OptimizerOptions {
 public:
  virtual ~OptimizerOptions() = default;
  virtual std::unique_ptr<OptimizerOptions> clone() const = 0;
  virtual double get_lr() const = 0;
  virtual void set_lr(double lr) = 0;
  /// Raises nabla::Error for out-of-range values (negative lr, beta >= 1, ...).
  virtual void validate() const {}
  virtual void visit_fields(FieldVisitor& visitor) = 0;
};

template <class Derived>
class OptimizerCloneableOptions : public OptimizerOptions {
 public:
  std::unique_ptr<OptimizerOptions> clone() const override {
    return std::make_unique<Derived>(static_cast<const Derived&>(*this));
  }
};

/// What an optimizer remembers about one parameter between steps.
class OptimizerParamState {
 public:
  virtual ~OptimizerParamState() = default;
  virtual std::unique_ptr<OptimizerParamState> clone() const = 0;
  virtual void visit_fields(FieldVisitor& visitor) = 0;
};

template <class Derived>
class OptimizerCloneableParamState : public OptimizerParamState {
 public:
  std::unique_ptr<OptimizerParamState> clone() const override {
    return std::make_unique<Derived>(static_cast<const Derived&>(*this));
  }
};

/// Parameters that share options. A group without options takes the optimizer's defaults.
class OptimizerParamGroup {
 public:
  OptimizerParamGroup(std::vector<Tensor> params)  // NOLINT: implicit, as in LibTorch
      : params_(std::move(params)) {}
  OptimizerParamGroup(std::vector<Tensor> params, std::unique_ptr<OptimizerOptions> options)
      : params_(std::move(params)), options_(std::move(options)) {}
  OptimizerParamGroup(const OptimizerParamGroup& other)
      : params_(other.params_), options_(other.options_ ? other.options_->clone() : nullptr) {}
  OptimizerParamGroup(OptimizerParamGroup&&) = default;
  OptimizerParamGroup& operator=(const OptimizerParamGroup& other) {
    params_ = other.params_;
    options_ = other.options_ ? other.options_->clone() : nullptr;
    return *this;
  }
  OptimizerParamGroup& operator=(OptimizerParamGroup&&) = default;

  bool has_options() const { return options_ != nullptr; }
  OptimizerOptions& options();
  const OptimizerOptions& options() const;
  void set_options(std::unique_ptr<OptimizerOptions> options) { options_ = std::move(options); }
  std::vector<Tensor>& params() { return params_; }
  const std::vector<Tensor>& params() const { return params_; }

 private:
  std::vector<Tensor> params_;
  std::unique_ptr<OptimizerOptions> options_;
};

class Optimizer {
 public:
  /// Returns the loss; step() runs it with grad mode on before updating.
  using LossClosure = std::function<Tensor()>;

  Optimizer(std::vector<OptimizerParamGroup> param_groups,
            std::unique_ptr<OptimizerOptions> defaults);
  Optimizer(std::vector<Tensor> parameters, std::unique_ptr<OptimizerOptions> defaults);
  virtual ~Optimizer();
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  /// One update of every parameter that has a gradient. Returns the closure's loss, or an
  /// undefined tensor without a closure.
  virtual Tensor step(LossClosure closure = nullptr) = 0;

  /// Adds parameters with their own options (or the defaults). A parameter may belong to one
  /// group only, and must be a floating point leaf.
  void add_param_group(const OptimizerParamGroup& param_group);
  /// Adds parameters to the first group.
  void add_parameters(const std::vector<Tensor>& parameters);
  /// Resets every gradient: to an undefined tensor (set_to_none) or to zeros.
  void zero_grad(bool set_to_none = true);

  /// The first group's parameters (LibTorch's behaviour).
  const std::vector<Tensor>& parameters() const noexcept;
  std::vector<Tensor>& parameters() noexcept;
  /// Number of parameters over all groups.
  size_t size() const noexcept;
  OptimizerOptions& defaults() noexcept { return *defaults_; }
  const OptimizerOptions& defaults() const noexcept { return *defaults_; }
  std::vector<OptimizerParamGroup>& param_groups() noexcept { return param_groups_; }
  const std::vector<OptimizerParamGroup>& param_groups() const noexcept { return param_groups_; }
  /// State by parameter (keyed by its TensorImpl, as LibTorch keys it).
  std::unordered_map<void*, std::unique_ptr<OptimizerParamState>>& state() noexcept {
    return state_;
  }

  /// Every group's options and every parameter's state as named tensors (copies):
  ///   "param_groups.<g>.params" (int64 indices of the group's parameters, counted over all
  ///   groups in order), "param_groups.<g>.lr", ... (0-d tensors; betas a [2] tensor),
  ///   "state.<i>.step", "state.<i>.exp_avg", ... for parameter index i.
  /// Save it with nabla::save(opt.state_dict(), path).
  NamedTensors state_dict() const;
  /// Restores what state_dict() gave, for an optimizer of the same kind over parameters of
  /// the same shapes in the same groups. Raises nabla::Error naming the entry at fault (and
  /// changes nothing) on a missing, unexpected or mis-shaped entry.
  void load_state_dict(const NamedTensors& state_dict);
  /// LibTorch's archive form: writes state_dict()'s entries into `archive` / restores them
  /// from the entries of `archive` named "state.*" and "param_groups.*" (nabla/serialize/
  /// archive.h), so the optimizer may share an archive with other entries.
  virtual void save(serialize::OutputArchive& archive) const;
  virtual void load(serialize::InputArchive& archive);

 protected:
  /// An empty state of this optimizer's kind, for load_state_dict.
  virtual std::unique_ptr<OptimizerParamState> make_state() const = 0;
  /// The state of `param`, created empty on first use.
  template <class State>
  State& state_of(const Tensor& param) {
    auto& slot = state_[param.unsafeGetTensorImpl()];
    if (!slot) slot = std::make_unique<State>();
    return static_cast<State&>(*slot);
  }
  /// Runs `closure` with grad mode enabled (the step itself runs without).
  static Tensor run_closure(const LossClosure& closure);

  std::vector<OptimizerParamGroup> param_groups_;
  std::unordered_map<void*, std::unique_ptr<OptimizerParamState>> state_;
  std::unique_ptr<OptimizerOptions> defaults_;
};

}  // namespace optim
}  // namespace nabla
