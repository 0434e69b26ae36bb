// Users' own differentiable functions, as LibTorch's torch::autograd::Function:
//
//   struct MulConstant : nabla::autograd::Function<MulConstant> {
//     static nabla::Tensor forward(nabla::autograd::AutogradContext* ctx, nabla::Tensor x,
//                                  double c) {
//       ctx->saved_data["c"] = c;
//       return x * c;
//     }
//     static nabla::autograd::variable_list backward(nabla::autograd::AutogradContext* ctx,
//                                                    nabla::autograd::variable_list g) {
//       return {g[0] * ctx->saved_data["c"].toDouble(), nabla::Tensor()};  // one per argument
//     }
//   };
//   auto y = MulConstant::apply(x, 5.5);
//
// forward runs with grad mode off; its tensor arguments (and those in variable_list arguments)
// are the inputs of one graph node whose backward calls T::backward with one gradient per
// output (zeros for outputs that got none, unless set_materialize_grads(false)). backward
// returns one entry per forward argument (undefined for non-tensor ones). It runs with grad
// mode on under create_graph, so a backward written with nabla ops is itself differentiable.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "nabla/autograd.h"
#include "nabla/ivalue.h"
#include "nabla/tensor.h"

namespace nabla {
namespace autograd {

using Variable = Tensor;

namespace detail {
struct CustomFunctionState;
}

/// What forward hands to backward, as LibTorch's AutogradContext.
class AutogradContext {
 public:
  AutogradContext();
  ~AutogradContext();
  AutogradContext(const AutogradContext&) = delete;
  AutogradContext& operator=(const AutogradContext&) = delete;

  /// Tensors backward will need (inputs or outputs of forward); call once, in forward. A saved
  /// tensor changed in place before backward makes get_saved_variables raise nabla::Error.
  void save_for_backward(variable_list to_save);
  /// Inputs that forward modified in place (and returns): their history is moved onto this node.
  void mark_dirty(const variable_list& inputs);
  /// Outputs that get no gradient (indices, masks): they do not require grad.
  void mark_non_differentiable(const variable_list& outputs);
  /// With false, gradients of outputs that got none reach backward undefined, not as zeros.
  void set_materialize_grads(bool value);
  bool materialize_grads() const;
  /// The tensors given to save_for_backward, in order (call in backward).
  variable_list get_saved_variables() const;
  /// Whether the gradient of the i-th tensor input of forward is needed (valid in backward).
  bool needs_input_grad(size_t output_edge) const;
  /// Anything else backward needs: numbers, strings, tensors that are not inputs or outputs.
  std::unordered_map<std::string, IValue> saved_data;

 private:
  friend struct detail::CustomFunctionState;
  std::unique_ptr<detail::CustomFunctionState> state_;
};

namespace detail {
using CustomBackward = std::function<variable_list(AutogradContext*, variable_list)>;

/// Runs after forward: makes the node (when grad mode was on and an input requires grad),
/// attaches the outputs to it (or aliases of inputs returned unchanged), moves the history of
/// dirty inputs and saves the tensors given to save_for_backward. `is_var[i]` says whether
/// argument i of forward was a tensor; `inputs` are those tensors.
void finish_custom_function(const std::string& name, std::shared_ptr<AutogradContext> ctx,
                            const variable_list& inputs, std::vector<bool> is_var, bool grad_mode,
                            variable_list& outputs, CustomBackward backward);

inline void extract_vars(variable_list&, std::vector<bool>&) {}
template <class A, class... Rest>
void extract_vars(variable_list& vars, std::vector<bool>& is_var, const A& arg,
                  const Rest&... rest) {
  if constexpr (std::is_same_v<std::decay_t<A>, Tensor>) {
    vars.push_back(arg);
    is_var.push_back(true);
  } else if constexpr (std::is_same_v<std::decay_t<A>, variable_list>) {
    for (const Tensor& t : arg) {
      vars.push_back(t);
      is_var.push_back(true);
    }
  } else {
    is_var.push_back(false);
  }
  extract_vars(vars, is_var, rest...);
}
}  // namespace detail

/// Derive T from Function<T> and give it static forward(AutogradContext*, ...) and
/// backward(AutogradContext*, variable_list); call T::apply(args...).
template <class T>
struct Function {
  template <class... Args>
  static auto apply(Args&&... args) {
    using Output =
        decltype(T::forward(static_cast<AutogradContext*>(nullptr), std::forward<Args>(args)...));
    static_assert(std::is_same_v<Output, Tensor> || std::is_same_v<Output, variable_list>,
                  "forward must return a Tensor or a variable_list");
    auto ctx = std::make_shared<AutogradContext>();
    variable_list inputs;
    std::vector<bool> is_var;
    detail::extract_vars(inputs, is_var, args...);
    const bool grad_mode = GradMode::is_enabled();
    variable_list outputs;
    {
      AutoGradMode forward_mode(false);
      if constexpr (std::is_same_v<Output, Tensor>) {
        outputs.push_back(T::forward(ctx.get(), std::forward<Args>(args)...));
      } else {
        outputs = T::forward(ctx.get(), std::forward<Args>(args)...);
      }
    }
    detail::finish_custom_function(
        "CppNode", ctx, inputs, std::move(is_var), grad_mode, outputs,
        [](AutogradContext* c, variable_list g) { return T::backward(c, std::move(g)); });
    if constexpr (std::is_same_v<Output, Tensor>) {
      return outputs[0];
    } else {
      return outputs;
    }
  }
};

}  // namespace autograd
}  // namespace nabla
