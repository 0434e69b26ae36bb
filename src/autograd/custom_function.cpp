// Users' autograd functions (nabla/autograd/custom_function.h): the node that calls T::backward,
// and the bookkeeping after T::forward (outputs attached, dirty inputs rebased, tensors saved).
#include "nabla/autograd/custom_function.h"

#include <algorithm>

#include <fmt/ranges.h>

#include "autograd/function.h"
#include "core/check.h"
#include "core/tensor_impl.h"

namespace nabla::autograd {

namespace detail {

struct CustomFunctionState {
  variable_list to_save;           // as given in forward
  std::vector<SavedTensor> saved;  // after forward, when a node was made
  std::vector<const TensorImpl*> dirty;
  std::vector<const TensorImpl*> non_differentiable;
  bool materialize_grads = true;
  bool has_saved = false;
  std::weak_ptr<Node> node;
  static CustomFunctionState& of(AutogradContext& ctx) { return *ctx.state_; }
};

namespace {

bool contains(const std::vector<const TensorImpl*>& v, const Tensor& t) {
  return t.defined() && std::find(v.begin(), v.end(), t.unsafeGetTensorImpl()) != v.end();
}

// Calls T::backward; with materialize_grads off, missing output gradients stay undefined.
class CppNode : public Node {
 public:
  CppNode(std::string name, std::vector<Edge> edges, BackwardFn fn, bool materialize)
      : Node(std::move(name), std::move(edges), std::move(fn)), materialize_(materialize) {}
  variable_list apply(variable_list&& grad_outputs) override {
    if (materialize_) return Node::apply(std::move(grad_outputs));
    NABLA_CHECK(!released_,
                "[backward] trying to backward through the graph a second time at {}: pass "
                "retain_graph=true to the first backward if you need to backward twice",
                name_);
    return fn_(grad_outputs, *this);
  }

 private:
  bool materialize_;
};

// T::backward returns one gradient per forward argument; keeps those of tensor arguments.
variable_list select_input_grads(variable_list grads, const std::vector<bool>& is_var,
                                 const std::vector<OutputMeta>& input_meta, const Node& node) {
  size_t n = grads.size();
  // Trailing undefined gradients beyond the arguments are allowed (LibTorch drops them).
  while (n > is_var.size() && !grads[n - 1].defined()) --n;
  NABLA_CHECK(n == is_var.size(),
              "[{}] function backward returned an incorrect number of gradients (expected {}, "
              "got {}): return one per argument of forward, undefined for non-tensor ones",
              node.name(), is_var.size(), grads.size());
  variable_list result;
  for (size_t i = 0; i < is_var.size(); ++i) {
    if (!is_var[i]) {
      NABLA_CHECK(!grads[i].defined(),
                  "[{}] function backward returned a gradient different than an undefined "
                  "tensor at position {}, but the corresponding forward input was not a tensor",
                  node.name(), i);
      continue;
    }
    const size_t k = result.size();
    Tensor g = node.needs_input_grad(k) ? grads[i] : Tensor();
    if (g.defined()) {
      NABLA_CHECK(g.sizes() == IntArrayRef(input_meta[k].sizes),
                  "[{}] function backward returned an invalid gradient at index {}: got {} but "
                  "expected the shape of the input, {}",
                  node.name(), i, g.sizes(), input_meta[k].sizes);
      if (g.scalar_type() != input_meta[k].dtype) g = g.to(input_meta[k].dtype);
    }
    result.push_back(std::move(g));
  }
  return result;
}

}  // namespace

void finish_custom_function(const std::string& name, std::shared_ptr<AutogradContext> ctx,
                            const variable_list& inputs, std::vector<bool> is_var, bool grad_mode,
                            variable_list& outputs, CustomBackward backward) {
  CustomFunctionState& st = CustomFunctionState::of(*ctx);
  for (const TensorImpl* d : st.dirty) {
    const bool is_input = std::any_of(inputs.begin(), inputs.end(), [&](const Tensor& t) {
      return t.defined() && t.unsafeGetTensorImpl() == d;
    });
    NABLA_CHECK(is_input, "[{}] mark_dirty was given a tensor that is not an input", name);
    const bool returned = std::any_of(outputs.begin(), outputs.end(), [&](const Tensor& t) {
      return t.defined() && t.unsafeGetTensorImpl() == d;
    });
    NABLA_CHECK(returned, "[{}] an input marked dirty must be returned by forward", name);
  }
  bool any_requires_grad = false;
  for (const Tensor& t : inputs) any_requires_grad |= t.defined() && t.requires_grad();
  if (!grad_mode || !any_requires_grad) {
    for (const Tensor& out : outputs) {
      if (contains(st.dirty, out)) nabla::detail::bump_version(out);
    }
    return;  // nothing to record; get_saved_variables returns to_save as is
  }

  std::vector<Edge> edges;
  std::vector<OutputMeta> input_meta;
  for (const Tensor& in : inputs) {
    edges.push_back(in.defined() ? gradient_edge(in) : Edge{});
    input_meta.push_back(in.defined() ? OutputMeta{in.sizes().vec(), in.scalar_type(), in.device()}
                                      : OutputMeta{});
  }
  auto fn = [ctx = std::move(ctx), is_var = std::move(is_var), input_meta,
             backward = std::move(backward)](const variable_list& grads,
                                             const Node& node) -> variable_list {
    return select_input_grads(backward(ctx.get(), grads), is_var, input_meta, node);
  };
  auto node =
      std::make_shared<CppNode>(name, std::move(edges), std::move(fn), st.materialize_grads);
  st.node = node;

  uint32_t nr = 0;
  for (Tensor& out : outputs) {
    if (!out.defined()) {
      node->add_output(OutputMeta{});
      ++nr;
      continue;
    }
    node->add_output(OutputMeta{out.sizes().vec(), out.scalar_type(), out.device()});
    const bool is_input = std::any_of(inputs.begin(), inputs.end(), [&](const Tensor& t) {
      return t.defined() && t.is_same(out);
    });
    const bool differentiable = !contains(st.non_differentiable, out);
    if (contains(st.dirty, out)) {
      NABLA_CHECK(!(out.is_leaf() && out.requires_grad()),
                  "[{}] a leaf tensor that requires grad was modified in place by a custom "
                  "function (mark_dirty)",
                  name);
      nabla::detail::bump_version(out);
    } else if (is_input) {
      out = nabla::detail::alias_detached(out);  // an input returned as is: a new tensor
    }
    if (out.is_floating_point() && differentiable) {
      TensorImpl* impl = out.unsafeGetTensorImpl();
      impl->grad_fn = node;
      impl->output_nr = nr;
    }
    ++nr;
  }

  for (const Tensor& t : st.to_save) {
    const bool is_output = std::any_of(outputs.begin(), outputs.end(), [&](const Tensor& o) {
      return t.defined() && o.defined() && o.is_same(t) && o.grad_fn() == node;
    });
    st.saved.emplace_back(t, is_output);
  }
  st.has_saved = true;
  st.to_save.clear();
}

}  // namespace detail

AutogradContext::AutogradContext() : state_(std::make_unique<detail::CustomFunctionState>()) {}
AutogradContext::~AutogradContext() = default;

void AutogradContext::save_for_backward(variable_list to_save) {
  state_->to_save = std::move(to_save);
}

void AutogradContext::mark_dirty(const variable_list& inputs) {
  for (const Tensor& t : inputs) {
    if (t.defined()) state_->dirty.push_back(t.unsafeGetTensorImpl());
  }
}

void AutogradContext::mark_non_differentiable(const variable_list& outputs) {
  for (const Tensor& t : outputs) {
    if (t.defined()) state_->non_differentiable.push_back(t.unsafeGetTensorImpl());
  }
}

void AutogradContext::set_materialize_grads(bool value) { state_->materialize_grads = value; }
bool AutogradContext::materialize_grads() const { return state_->materialize_grads; }

variable_list AutogradContext::get_saved_variables() const {
  if (!state_->has_saved) return state_->to_save;
  auto node = state_->node.lock();
  NABLA_CHECK(node != nullptr, "[get_saved_variables] the function's graph node no longer exists");
  variable_list result;
  for (const SavedTensor& s : state_->saved) result.push_back(s.unpack(*node));
  return result;
}

bool AutogradContext::needs_input_grad(size_t output_edge) const {
  auto node = state_->node.lock();
  return node != nullptr && node->needs_input_grad(output_edge);
}

}  // namespace nabla::autograd
