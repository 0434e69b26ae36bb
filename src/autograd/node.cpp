// Graph nodes, saved tensors and the recording helpers ops call.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <mutex>

#include "autograd/anomaly_mode.h"
#include "autograd/function.h"
#include "core/check.h"
#include "nabla/ops.h"

namespace nabla {
namespace {
thread_local bool t_grad_enabled = true;
thread_local bool t_inference_mode = false;
std::atomic<uint64_t> g_next_sequence_nr{0};
// Nodes whose destruction is deferred: freeing a 100,000-node chain through nested
// destructors would overflow the stack, so the outermost ~Node frees the rest in a loop.
thread_local std::vector<std::shared_ptr<autograd::Node>>* t_delete_queue = nullptr;
}  // namespace

bool GradMode::is_enabled() { return t_grad_enabled; }
void GradMode::set_enabled(bool enabled) { t_grad_enabled = enabled; }

InferenceMode::InferenceMode(bool enabled)
    : prev_grad_(t_grad_enabled), prev_inference_(t_inference_mode) {
  t_grad_enabled = !enabled;
  t_inference_mode = enabled;
}
InferenceMode::~InferenceMode() {
  t_grad_enabled = prev_grad_;
  t_inference_mode = prev_inference_;
}
bool InferenceMode::is_enabled() { return t_inference_mode; }

namespace autograd {

Node::Node(std::string name, std::vector<Edge> next_edges, BackwardFn fn)
    : name_(std::move(name)),
      next_edges_(std::move(next_edges)),
      fn_(std::move(fn)),
      sequence_nr_(g_next_sequence_nr++) {
  if (AnomalyMode::is_enabled()) forward_stack_ = capture_forward_stack();
}

std::string Node::forward_trace() const { return symbolize(forward_stack_); }

Node::~Node() {
  std::vector<std::shared_ptr<Node>> local;
  const bool outermost = t_delete_queue == nullptr;
  if (outermost) t_delete_queue = &local;
  for (Edge& e : next_edges_)
    if (e.function) t_delete_queue->push_back(std::move(e.function));
  next_edges_.clear();
  fn_ = nullptr;  // frees the saved tensors; their nodes are kept alive by the queue
  if (outermost) {
    while (!local.empty()) {
      std::shared_ptr<Node> n = std::move(local.back());
      local.pop_back();
      n.reset();  // may push that node's edges onto `local`
    }
    t_delete_queue = nullptr;
  }
}

variable_list Node::apply(variable_list&& grad_outputs) {
  NABLA_CHECK(!released_,
              "[backward] trying to backward through the graph a second time (or to use saved "
              "tensors after they were freed) at {}: pass retain_graph=true to the first "
              "backward if you need to backward twice",
              name_);
  if (!zero_missing_grads_) {
    grad_outputs.resize(std::max(grad_outputs.size(), outputs_.size()));
    return fn_(grad_outputs, *this);
  }
  for (size_t i = 0; i < grad_outputs.size() && i < outputs_.size(); ++i) {
    if (!grad_outputs[i].defined()) {
      const OutputMeta& m = outputs_[i];
      grad_outputs[i] = zeros(m.sizes, TensorOptions().dtype(m.dtype).device(m.device));
    }
  }
  return fn_(grad_outputs, *this);
}

void Node::release_variables() {
  fn_ = nullptr;
  released_ = true;
}

unsigned Node::add_pre_hook(uint32_t output_nr, PreHook hook) {
  static std::atomic<unsigned> next_handle{1};
  const unsigned h = next_handle++;
  pre_hooks_.push_back({h, output_nr, std::move(hook)});
  return h;
}

bool Node::remove_pre_hook(unsigned handle) {
  for (auto it = pre_hooks_.begin(); it != pre_hooks_.end(); ++it) {
    if (it->handle == handle) {
      pre_hooks_.erase(it);
      return true;
    }
  }
  return false;
}

Tensor Node::call_pre_hooks(uint32_t output_nr, Tensor grad) const {
  for (const HookEntry& h : pre_hooks_) {
    if (h.output_nr != output_nr) continue;
    Tensor replaced = h.hook(grad);
    if (replaced.defined()) grad = replaced;
  }
  return grad;
}

// ---- recording ------------------------------------------------------------------------

bool needs_grad(std::initializer_list<const Tensor*> inputs) {
  if (!GradMode::is_enabled()) return false;
  for (const Tensor* t : inputs)
    if (t->defined() && t->requires_grad()) return true;
  return false;
}

bool needs_grad(const std::vector<Tensor>& inputs) {
  if (!GradMode::is_enabled()) return false;
  for (const Tensor& t : inputs)
    if (t.defined() && t.requires_grad()) return true;
  return false;
}

std::mutex& leaf_mutex(const TensorImpl* leaf) {
  static std::mutex stripes[64];
  return stripes[(reinterpret_cast<uintptr_t>(leaf) >> 6) % 64];
}

Edge gradient_edge(const Tensor& t) {
  if (!t.defined()) return {};
  TensorImpl* impl = t.unsafeGetTensorImpl();
  if (impl->grad_fn) return Edge{impl->grad_fn, impl->output_nr};
  if (!impl->requires_grad) return {};
  // Two threads running forward on one model share its leaves' accumulator (one node per leaf).
  std::lock_guard<std::mutex> lock(leaf_mutex(impl));
  std::shared_ptr<Node> acc = impl->grad_accumulator.lock();
  if (!acc) {
    acc = std::make_shared<AccumulateGrad>(t.impl());
    impl->grad_accumulator = acc;
  }
  return Edge{acc, 0};
}

std::shared_ptr<Node> record(const char* name, const std::vector<Tensor>& outputs,
                             const std::vector<Tensor>& inputs, Node::BackwardFn fn) {
  std::vector<Edge> edges;
  edges.reserve(inputs.size());
  for (const Tensor& in : inputs) edges.push_back(gradient_edge(in));
  auto node = std::make_shared<Node>(name, std::move(edges), std::move(fn));
  uint32_t nr = 0;
  for (const Tensor& out : outputs) {
    node->add_output(OutputMeta{out.sizes().vec(), out.scalar_type(), out.device()});
    if (out.defined() && out.is_floating_point()) {
      TensorImpl* impl = out.unsafeGetTensorImpl();
      impl->grad_fn = node;
      impl->output_nr = nr;
    }
    ++nr;
  }
  return node;
}

// ---- saved tensors ---------------------------------------------------------------------

SavedTensor::SavedTensor(const Tensor& t, bool is_output) : is_output_(is_output) {
  if (!t.defined()) return;
  version_ = t._version();
  if (is_output) {
    data_ = nabla::detail::alias_detached(t);
    output_nr_ = static_cast<uint32_t>(t.output_nr());
  } else {
    data_ = t;
  }
}

SavedTensor SavedTensor::output(const Tensor& t, uint32_t output_nr) {
  SavedTensor saved(t, true);
  saved.output_nr_ = output_nr;
  return saved;
}

Tensor SavedTensor::unpack(const Node& node) const {
  if (!data_.defined()) return {};
  NABLA_CHECK(data_._version() == version_,
              "[backward] a tensor saved by {} for backward was modified by an in-place "
              "operation (its version is {}, it was {} when saved); use an out-of-place op or "
              ".clone() before modifying it",
              node.name(), data_._version(), version_);
  if (!is_output_) return data_;
  // Reattach the output to its node, so that double backward through it works.
  Tensor t = nabla::detail::alias_detached(data_);
  t.unsafeGetTensorImpl()->grad_fn = const_cast<Node&>(node).shared_from_this();
  t.unsafeGetTensorImpl()->output_nr = output_nr_;
  return t;
}

}  // namespace autograd
}  // namespace nabla
