// The backward engine. It (1) finds every node reachable from the roots and counts, for each,
// how many edges point at it; (2) runs nodes whose gradients are complete, latest-created
// first, summing gradients that arrive along several edges. Both steps use explicit stacks,
// never recursion, so graphs of any depth work.
#include <algorithm>
#include <mutex>
#include <queue>

#include "autograd/anomaly_mode.h"
#include "autograd/function.h"
#include "core/check.h"
#include "nabla/ops.h"

namespace nabla::autograd {
namespace {
thread_local bool t_create_graph = false;
// Callbacks queued (queue_callback) during the backward run on this thread, run at its end.
thread_local std::vector<std::function<void()>>* t_callbacks = nullptr;

/// Node* -> dense index 0, 1, 2, ... in order of insertion: an open-addressing table in one
/// array. (std::unordered_map allocates per entry, which dominated backward on small graphs.)
class NodeIndex {
 public:
  static constexpr uint32_t kAbsent = ~0u;
  /// n's index, adding it if new (`inserted` says whether it was).
  uint32_t insert(Node* n, bool* inserted) {
    if (2 * (count_ + 1) > slots_.size()) grow();
    size_t i = slot_of(n);
    *inserted = slots_[i].node == nullptr;
    if (*inserted) slots_[i] = {n, static_cast<uint32_t>(count_++)};
    return slots_[i].index;
  }
  uint32_t find(Node* n) const {
    if (slots_.empty()) return kAbsent;
    const Slot& s = slots_[slot_of(n)];
    return s.node ? s.index : kAbsent;
  }
  size_t size() const { return count_; }

 private:
  struct Slot {
    Node* node = nullptr;
    uint32_t index = 0;
  };
  size_t slot_of(Node* n) const {  // linear probing from a mixed hash of the address
    const size_t mask = slots_.size() - 1;
    size_t i = (reinterpret_cast<uintptr_t>(n) * 0x9E3779B97F4A7C15ull >> 20) & mask;
    while (slots_[i].node != nullptr && slots_[i].node != n) i = (i + 1) & mask;
    return i;
  }
  void grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(std::max<size_t>(16, 2 * old.size()), Slot{});
    for (const Slot& s : old)
      if (s.node) slots_[slot_of(s.node)] = s;
  }
  std::vector<Slot> slots_;
  size_t count_ = 0;
};

/// Per-node state of one backward run, indexed by NodeIndex.
struct GraphTask {
  NodeIndex index;
  std::vector<int> dependencies;       // edges into the node not yet processed
  std::vector<variable_list> buffers;  // gradients arrived so far, per output
  std::vector<char> queued;
  std::vector<char> needed;  // on a path to a wanted input (when restricted)
  std::vector<char> is_target;
  bool restricted = false;

  uint32_t add(Node* n, bool* inserted) {
    const uint32_t i = index.insert(n, inserted);
    if (*inserted) {
      dependencies.push_back(0);
      buffers.emplace_back();
      queued.push_back(0);
    }
    return i;
  }
  uint32_t at(Node* n) const { return index.find(n); }
};

void add_to_buffer(variable_list& buffer, size_t pos, Tensor grad) {
  if (buffer.size() <= pos) buffer.resize(pos + 1);
  if (!buffer[pos].defined()) {
    buffer[pos] = std::move(grad);
  } else {
    buffer[pos] = buffer[pos] + grad;
  }
}

// Indexes every node reachable from the roots and counts its incoming edges (iterative DFS).
void compute_dependencies(GraphTask& task, const std::vector<Node*>& roots) {
  std::vector<Node*> stack;
  bool inserted = false;
  for (Node* r : roots)
    if (task.add(r, &inserted), inserted) stack.push_back(r);
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    for (const Edge& e : n->next_edges()) {
      Node* next = e.function.get();
      if (!next) continue;
      const uint32_t i = task.add(next, &inserted);
      ++task.dependencies[i];
      if (inserted) stack.push_back(next);
    }
  }
}

// Marks the nodes from which some target node can be reached, in reverse topological order.
void compute_needed(GraphTask& task, const std::vector<Node*>& roots) {
  // Post-order by an explicit stack: a node is needed if it is a target or any child is.
  const size_t n_nodes = task.index.size();
  task.needed.assign(n_nodes, 0);
  std::vector<char> visited(n_nodes, 0);
  std::vector<std::pair<Node*, size_t>> stack;
  for (Node* r : roots) {
    if (visited[task.at(r)]) continue;
    visited[task.at(r)] = 1;
    stack.emplace_back(r, 0);
    while (!stack.empty()) {
      auto& [n, i] = stack.back();
      if (i < n->next_edges().size()) {
        Node* next = n->next_edges()[i++].function.get();
        if (next && !visited[task.at(next)]) {
          visited[task.at(next)] = 1;
          stack.emplace_back(next, 0);
        }
        continue;
      }
      const uint32_t k = task.at(n);
      bool need = task.is_target[k] != 0;
      for (const Edge& e : n->next_edges())
        if (e.function && task.needed[task.at(e.function.get())]) need = true;
      task.needed[k] = need;
      stack.pop_back();
    }
  }
}

struct ByLatest {
  bool operator()(Node* a, Node* b) const { return a->sequence_nr() < b->sequence_nr(); }
};

void check_grad_shape(const Node& from, size_t input_nr, const Edge& edge, const Tensor& grad) {
  const OutputMeta* meta = nullptr;
  if (edge.function->num_outputs() > edge.input_nr)
    meta = &edge.function->output_meta(edge.input_nr);
  if (!meta) return;
  NABLA_CHECK(grad.sizes() == IntArrayRef(meta->sizes),
              "[backward] {} returned a gradient of shape {} for its input {}, which has "
              "shape {} (an internal error in that op's backward)",
              from.name(), grad.sizes(), input_nr, IntArrayRef(meta->sizes));
}

}  // namespace

bool backward_creates_graph() { return t_create_graph; }

void queue_callback(std::function<void()> callback) {
  NABLA_CHECK(t_callbacks != nullptr,
              "[queue_callback] can only be called while a backward pass runs (from a hook)");
  t_callbacks->push_back(std::move(callback));
}

namespace {

// ---- run_backward's steps ----------------------------------------------------------------

/// The graph's starting points: the roots' edges and the gradients they start with (ones for
/// a scalar root given none).
struct Roots {
  std::vector<Edge> edges;
  variable_list grads;
  std::vector<Node*> nodes() const {
    std::vector<Node*> out;
    for (const Edge& e : edges) out.push_back(e.function.get());
    return out;
  }
};

Roots collect_roots(const variable_list& roots, const variable_list& grad_roots) {
  Roots out;
  for (size_t i = 0; i < roots.size(); ++i) {
    const Tensor& r = roots[i];
    NABLA_CHECK(r.defined(), "[backward] tensor {} of the outputs is undefined", i);
    Edge e = gradient_edge(r);
    NABLA_CHECK(e.is_valid(),
                "[backward] element {} of tensors does not require grad and does not have a "
                "grad_fn (did you forget requires_grad(true), or run it under NoGradGuard?)",
                i);
    Tensor g = i < grad_roots.size() ? grad_roots[i] : Tensor();
    if (!g.defined()) {
      NABLA_CHECK(r.numel() == 1,
                  "[backward] grad can be implicitly created only for scalar outputs; output "
                  "{} has shape {}: pass a gradient of that shape",
                  i, r.sizes());
      g = ones_like(r, TensorOptions().requires_grad(false));
    } else {
      NABLA_CHECK(g.sizes() == r.sizes(),
                  "[backward] gradient {} has shape {} but the output has shape {}", i, g.sizes(),
                  r.sizes());
    }
    out.edges.push_back(std::move(e));
    out.grads.push_back(std::move(g));
  }
  return out;
}

/// The edges of the inputs whose gradients are wanted (autograd::grad, backward's `inputs`).
std::vector<Edge> collect_input_edges(const variable_list& inputs) {
  std::vector<Edge> edges;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Tensor& in = inputs[i];
    NABLA_CHECK(in.defined() && in.requires_grad(),
                "[grad] input {} does not require grad: only tensors that require grad can "
                "have gradients",
                i);
    edges.push_back(gradient_edge(in));
  }
  return edges;
}

/// Indexes the graph, counts each node's incoming edges and, when only some inputs' gradients
/// are wanted, marks the nodes on a path to them; then seeds the roots' gradients.
void plan(GraphTask& task, const Roots& roots, const std::vector<Edge>& input_edges) {
  const std::vector<Node*> root_nodes = roots.nodes();
  compute_dependencies(task, root_nodes);
  task.is_target.assign(task.index.size(), 0);
  for (const Edge& e : input_edges) {
    const uint32_t k = task.at(e.function.get());
    if (k != NodeIndex::kAbsent) task.is_target[k] = 1;  // unreachable inputs get no gradient
  }
  if (!input_edges.empty()) {
    task.restricted = true;
    compute_needed(task, root_nodes);
  }
  for (size_t i = 0; i < roots.edges.size(); ++i)
    add_to_buffer(task.buffers[task.at(roots.edges[i].function.get())], roots.edges[i].input_nr,
                  roots.grads[i]);
}

using ReadyQueue = std::priority_queue<Node*, std::vector<Node*>, ByLatest>;

/// Queues `n` if all its gradients have arrived (and it is not queued already).
void queue_if_ready(GraphTask& task, Node* n, uint32_t k, ReadyQueue& ready) {
  if (task.dependencies[k] == 0 && !task.queued[k]) {
    task.queued[k] = 1;
    ready.push(n);
  }
}

/// Takes the gradients that arrived at `node` out of its buffer and applies its pre-hooks.
variable_list take_gradients(GraphTask& task, Node& node, uint32_t k) {
  variable_list grads = std::move(task.buffers[k]);
  task.buffers[k] = variable_list();
  if (grads.size() < node.num_outputs()) grads.resize(node.num_outputs());
  for (uint32_t i = 0; i < grads.size(); ++i)
    if (grads[i].defined() && node.has_pre_hooks()) grads[i] = node.call_pre_hooks(i, grads[i]);
  return grads;
}

/// Whether `node` must run: always for backward(); for autograd::grad only when it leads to a
/// wanted input that lies below it, and never a leaf's accumulator (grad() leaves .grad alone).
bool should_run(const GraphTask& task, Node& node, uint32_t k, bool capture, bool is_leaf_acc) {
  if (task.restricted && !task.needed[k]) return false;
  if (!capture) return true;
  if (is_leaf_acc) return false;
  if (!task.is_target[k]) return true;
  // Its own gradient is captured; it runs only if another wanted input lies below it.
  for (const Edge& e : node.next_edges())
    if (e.function && task.needed[task.at(e.function.get())]) return true;
  return false;
}

/// Adds the gradients `node` produced to its successors' buffers, and queues each successor
/// whose last incoming edge this was (whether or not `node` ran).
void pass_gradients(GraphTask& task, Node& node, variable_list& outs, ReadyQueue& ready) {
  const auto& edges = node.next_edges();
  for (size_t i = 0; i < edges.size(); ++i) {
    const Edge& e = edges[i];
    if (!e.function) continue;
    Node* next = e.function.get();
    const uint32_t next_k = task.at(next);
    if (i < outs.size() && outs[i].defined()) {
      check_grad_shape(node, i, e, outs[i]);
      add_to_buffer(task.buffers[next_k], e.input_nr, std::move(outs[i]));
    }
    --task.dependencies[next_k];
    queue_if_ready(task, next, next_k, ready);
  }
}

/// The thread's backward state for one run (create_graph, grad mode, the callbacks that hooks
/// queue), restored when the run ends, also by an exception.
class BackwardScope {
 public:
  explicit BackwardScope(bool create_graph)
      : previous_create_graph_(t_create_graph),
        previous_callbacks_(t_callbacks),
        grad_mode_(create_graph) {
    t_create_graph = create_graph;
    t_callbacks = &callbacks_;
  }
  ~BackwardScope() {
    t_create_graph = previous_create_graph_;
    t_callbacks = previous_callbacks_;
  }
  BackwardScope(const BackwardScope&) = delete;
  BackwardScope& operator=(const BackwardScope&) = delete;

  /// Runs the queued callbacks in order (a callback may queue more).
  void run_callbacks() {
    for (size_t i = 0; i < callbacks_.size(); ++i) {
      auto callback = std::move(callbacks_[i]);
      callback();
    }
  }

 private:
  bool previous_create_graph_;
  std::vector<std::function<void()>>* previous_callbacks_;
  std::vector<std::function<void()>> callbacks_;
  AutoGradMode grad_mode_;
};

}  // namespace

// Runs the graph from `roots` (with their gradients). When `inputs` is non-empty and
// accumulate_into_inputs is false (autograd::grad), returns the gradients arriving at those
// inputs instead of accumulating into leaves. Steps: collect the roots and wanted inputs, plan
// the graph, run the nodes latest-first as their gradients complete, then run the callbacks.
variable_list run_backward(const variable_list& roots, const variable_list& grad_roots,
                           bool keep_graph, bool create_graph, const variable_list& inputs,
                           bool accumulate_into_inputs, bool allow_unused) {
  const Roots root = collect_roots(roots, grad_roots);
  const std::vector<Edge> input_edges = collect_input_edges(inputs);
  const bool capture = !inputs.empty() && !accumulate_into_inputs;

  GraphTask task;
  plan(task, root, input_edges);
  ReadyQueue ready;
  for (Node* n : root.nodes()) queue_if_ready(task, n, task.at(n), ready);

  std::vector<Tensor> captured(input_edges.size());  // per wanted input, when capturing
  BackwardScope scope(create_graph);
  while (!ready.empty()) {
    Node* node = ready.top();
    ready.pop();
    const uint32_t k = task.at(node);
    variable_list grads = take_gradients(task, *node, k);
    if (capture) {
      for (size_t i = 0; i < input_edges.size(); ++i)
        if (input_edges[i].function.get() == node && input_edges[i].input_nr < grads.size())
          captured[i] = grads[input_edges[i].input_nr];
    }
    const bool is_leaf_acc = dynamic_cast<AccumulateGrad*>(node) != nullptr;
    variable_list outs;
    if (should_run(task, *node, k, capture, is_leaf_acc)) {
      outs = node->apply(std::move(grads));
      check_gradients_for_nan(*node, outs);  // nothing unless anomaly detection is on
      // A leaf's AccumulateGrad saves nothing and is shared by every graph that uses the leaf,
      // possibly backwarded on other threads at this moment: releasing it would be a write
      // racing with theirs (ThreadSanitizer found it), for nothing to free.
      if (!keep_graph && !is_leaf_acc) node->release_variables();
    }
    pass_gradients(task, *node, outs, ready);
  }
  scope.run_callbacks();

  if (capture) {
    for (size_t i = 0; i < captured.size(); ++i) {
      NABLA_CHECK(captured[i].defined() || allow_unused,
                  "[grad] one of the differentiated tensors (input {}) appears to not have been "
                  "used in the graph; pass allow_unused=true if this is intended",
                  i);
    }
  }
  return captured;
}

variable_list grad(const variable_list& outputs, const variable_list& inputs,
                   const variable_list& grad_outputs, std::optional<bool> retain_graph,
                   bool create_graph, bool allow_unused) {
  NABLA_CHECK(!inputs.empty(), "[grad] expected at least one input");
  return run_backward(outputs, grad_outputs, retain_graph.value_or(create_graph), create_graph,
                      inputs, /*accumulate_into_inputs=*/false, allow_unused);
}

void backward(const variable_list& tensors, const variable_list& grad_tensors,
              std::optional<bool> retain_graph, bool create_graph, const variable_list& inputs) {
  run_backward(tensors, grad_tensors, retain_graph.value_or(create_graph), create_graph, inputs,
               /*accumulate_into_inputs=*/true, /*allow_unused=*/true);
}

// ---- leaves ----------------------------------------------------------------------------

// The lock guarding a leaf's .grad and its gradient accumulator: backward() on two graphs that
// share a leaf (two threads, one model) accumulates into the same tensor. Striped by address,
// so leaves need no mutex of their own. Defined in node.cpp.
std::mutex& leaf_mutex(const TensorImpl* leaf);

AccumulateGrad::AccumulateGrad(std::shared_ptr<TensorImpl> leaf)
    : Node("AccumulateGrad", {}, nullptr), leaf_(std::move(leaf)) {
  add_output(OutputMeta{leaf_->sizes.vec(), leaf_->dtype, leaf_->device()});
}

variable_list AccumulateGrad::apply(variable_list&& grads) {
  Tensor grad = grads.empty() ? Tensor() : std::move(grads[0]);
  if (!grad.defined()) return {};
  // backward() of graphs sharing this leaf may run on several threads at once.
  std::lock_guard<std::mutex> lock(leaf_mutex(leaf_.get()));
  for (const TensorHook& h : leaf_->hooks) {
    Tensor replaced = h.fn(grad);
    if (replaced.defined()) grad = replaced;
  }
  Tensor& acc = leaf_->grad;
  if (t_create_graph) {
    acc = acc.defined() ? acc + grad : grad;
  } else if (!acc.defined()) {
    // Steal the gradient when nothing else holds it; otherwise keep a copy of our own.
    const bool exclusive = grad.impl().use_count() == 1 && grad.impl()->storage.use_count() == 1 &&
                           grad.is_contiguous() && !grad.requires_grad();
    acc = exclusive ? grad : grad.detach().clone();
  } else {
    NoGradGuard no_grad;
    if (acc.requires_grad()) {
      acc = acc + grad;
    } else {
      acc.add_(grad);
    }
  }
  return {};
}

}  // namespace nabla::autograd
