// Reverse-mode automatic differentiation: graph nodes, grad mode, autograd::grad, gradcheck.
//
// The graph is recorded on the fly: an op whose inputs require grad creates a Node holding
// edges to the nodes of its inputs and a backward function. backward() walks the nodes in
// topological order (no recursion) and accumulates into the leaves' .grad().
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "nabla/autograd/anomaly_mode.h"
#include "nabla/tensor.h"

namespace nabla {

/// Whether ops record the graph, per thread (LibTorch's GradMode).
struct GradMode {
  static bool is_enabled();
  static void set_enabled(bool enabled);
};

/// Disables graph recording in its scope, on this thread: { nabla::NoGradGuard g; w -= lr*g; }
class NoGradGuard {
 public:
  NoGradGuard() : prev_(GradMode::is_enabled()) { GradMode::set_enabled(false); }
  ~NoGradGuard() { GradMode::set_enabled(prev_); }
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool prev_;
};

/// Sets grad mode to `enabled` in its scope.
class AutoGradMode {
 public:
  explicit AutoGradMode(bool enabled) : prev_(GradMode::is_enabled()) {
    GradMode::set_enabled(enabled);
  }
  ~AutoGradMode() { GradMode::set_enabled(prev_); }
  AutoGradMode(const AutoGradMode&) = delete;
  AutoGradMode& operator=(const AutoGradMode&) = delete;

 private:
  bool prev_;
};

/// LibTorch's InferenceMode guard: InferenceMode(true) turns graph recording off in its scope,
/// InferenceMode(false) turns it on, on this thread. nabla has no separate inference tensors:
/// a tensor made in inference mode is an ordinary tensor without history.
class InferenceMode {
 public:
  explicit InferenceMode(bool enabled = true);
  ~InferenceMode();
  InferenceMode(const InferenceMode&) = delete;
  InferenceMode& operator=(const InferenceMode&) = delete;
  /// Whether an InferenceMode(true) is the innermost guard on this thread.
  static bool is_enabled();

 private:
  bool prev_grad_;
  bool prev_inference_;
};

namespace autograd {

using variable_list = std::vector<Tensor>;
using nabla::InferenceMode;  // LibTorch's torch::autograd::InferenceMode

/// An edge of the graph: the node that receives a gradient, and which of its inputs it is.
struct Edge {
  std::shared_ptr<Node> function;
  uint32_t input_nr = 0;
  bool is_valid() const { return function != nullptr; }
};

/// Shape, dtype and device of one output of a node: what a missing gradient is filled with.
struct OutputMeta {
  std::vector<int64_t> sizes;
  ScalarType dtype = ScalarType::Float;
  Device device = Device(DeviceType::CPU);
};

/// A step of the backward graph: maps the gradients of an op's outputs to those of its inputs.
class Node : public std::enable_shared_from_this<Node> {
 public:
  /// Maps the gradients of the outputs to those of the inputs; `node` is the node itself
  /// (for needs_input_grad and to unpack saved tensors).
  using BackwardFn =
      std::function<variable_list(const variable_list& grad_outputs, const Node& node)>;
  using PreHook = std::function<Tensor(const Tensor&)>;

  Node(std::string name, std::vector<Edge> next_edges, BackwardFn fn);
  virtual ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  /// The op's name, e.g. "MulBackward0" (as PyTorch names them).
  const std::string& name() const { return name_; }
  const std::vector<Edge>& next_edges() const { return next_edges_; }
  size_t num_inputs() const { return next_edges_.size(); }
  /// Whether input i leads to a tensor that requires grad (only those gradients are computed).
  bool needs_input_grad(size_t i) const {
    return i < next_edges_.size() && next_edges_[i].is_valid();
  }
  size_t num_outputs() const { return outputs_.size(); }
  const OutputMeta& output_meta(size_t i) const { return outputs_[i]; }
  /// Creation order; the engine runs later nodes first among those that are ready.
  uint64_t sequence_nr() const { return sequence_nr_; }

  /// Computes the gradients of the inputs from those of the outputs (missing ones are zeros).
  virtual variable_list apply(variable_list&& grad_outputs);
  /// Frees what the backward function saved; a later apply() raises nabla::Error.
  virtual void release_variables();
  bool released() const { return released_; }

  unsigned add_pre_hook(uint32_t output_nr, PreHook hook);
  bool remove_pre_hook(unsigned handle);
  /// Applies the hooks registered for output `output_nr` to its gradient.
  Tensor call_pre_hooks(uint32_t output_nr, Tensor grad) const;
  bool has_pre_hooks() const { return !pre_hooks_.empty(); }

  /// Where the forward that recorded this node was called: a symbolized backtrace taken when
  /// the node was made, if anomaly detection (AnomalyMode) was on then; empty otherwise.
  std::string forward_trace() const;

  // Set by the op that records the node.
  void add_output(OutputMeta meta) { outputs_.push_back(std::move(meta)); }
  /// Makes apply() pass undefined gradients for the outputs that got none, instead of zeros:
  /// for formulas that skip the terms of unused outputs (an SVD whose U is unused must not
  /// divide U's zero gradient by a zero singular value).
  void pass_missing_grads_undefined() { zero_missing_grads_ = false; }
  std::vector<Edge>& mutable_next_edges() { return next_edges_; }

 protected:
  std::string name_;
  std::vector<Edge> next_edges_;
  BackwardFn fn_;
  std::vector<OutputMeta> outputs_;
  uint64_t sequence_nr_;
  bool released_ = false;
  bool zero_missing_grads_ = true;
  struct HookEntry {
    unsigned handle;
    uint32_t output_nr;
    PreHook hook;
  };
  std::vector<HookEntry> pre_hooks_;
  // Return addresses at creation, captured only in anomaly mode (symbolized when asked).
  std::vector<void*> forward_stack_;
};

/// Gradients of `outputs` with respect to `inputs` (sum over outputs), returned instead of
/// accumulated into .grad(). With create_graph, the result is itself differentiable.
variable_list grad(const variable_list& outputs, const variable_list& inputs,
                   const variable_list& grad_outputs = {},
                   std::optional<bool> retain_graph = std::nullopt, bool create_graph = false,
                   bool allow_unused = false);

/// Runs backward from `tensors` into the leaves' .grad() (Tensor::backward calls this).
void backward(const variable_list& tensors, const variable_list& grad_tensors = {},
              std::optional<bool> retain_graph = std::nullopt, bool create_graph = false,
              const variable_list& inputs = {});

/// The graph behind `root` in Graphviz DOT: ops with their output shapes, leaves with their
/// shapes and whether they require grad. Render with `dot -Tsvg graph.dot -o graph.svg`.
std::string to_dot(const Tensor& root);
std::string to_dot(const variable_list& roots);

struct GradcheckOptions {
  double eps = 1e-6;
  double atol = 1e-5;
  double rtol = 1e-3;
  /// Also check the gradient of the gradient (vector-Jacobian product) numerically.
  bool check_grad_grad = false;
  /// Throw nabla::Error with the mismatch instead of returning false.
  bool raise_exception = true;
};

/// Compares analytic gradients of `fn` (through backward) with central differences, in
/// float64. Inputs that are floating point and require grad are checked. Every output's
/// gradient is checked by a fixed random projection.
bool gradcheck(const std::function<variable_list(const variable_list&)>& fn,
               const variable_list& inputs, const GradcheckOptions& options = {});
bool gradcheck(const std::function<Tensor(const variable_list&)>& fn, const variable_list& inputs,
               const GradcheckOptions& options = {});

}  // namespace autograd
}  // namespace nabla
