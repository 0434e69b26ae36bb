// How an op records itself in the graph. An op computes its result without autograd, then,
// if any input requires grad, calls record() with a backward lambda that maps the result's
// gradient to the inputs' gradients using nabla's own (differentiable) ops:
//
//   Tensor exp(const Tensor& self) {
//     Tensor result = exp_forward(self);
//     if (needs_grad(self)) {
//       record("ExpBackward0", {result}, {self},
//              [result = SavedTensor(result, true)](const variable_list& grads, const Node& node) {
//                const Tensor& grad = grads[0];
//                return variable_list{grad * result.unpack(node)};  // d/dx e^x = e^x
//              });
//
// The lambdas speak one vocabulary, as PyTorch's derivatives.yaml: `grads` (`grad` for the
// first), `node`, saved inputs named after the op's arguments (`self`, `other`, ...) and
// `result` (see ops/op_helpers.h).
//     }
//     return result;
//   }
#pragma once

#include <functional>
#include <initializer_list>
#include <memory>
#include <vector>

#include "core/tensor_impl.h"
#include "nabla/autograd.h"

namespace nabla::autograd {

/// True when grad mode is on and some input requires grad: only then is the graph recorded.
bool needs_grad(std::initializer_list<const Tensor*> inputs);
inline bool needs_grad(const Tensor& a) { return needs_grad({&a}); }
inline bool needs_grad(const Tensor& a, const Tensor& b) { return needs_grad({&a, &b}); }
inline bool needs_grad(const Tensor& a, const Tensor& b, const Tensor& c) {
  return needs_grad({&a, &b, &c});
}
bool needs_grad(const std::vector<Tensor>& inputs);

/// The edge a gradient for `t` flows along: its grad_fn, its leaf accumulator, or none.
Edge gradient_edge(const Tensor& t);

/// Makes a node named `name` with edges to `inputs`, and sets it as grad_fn of `outputs`
/// (output i is the node's output i). The backward fn gets one gradient per output (zeros
/// filled in for outputs that got none) and returns one per input (undefined where
/// node.needs_input_grad(i) is false).
std::shared_ptr<Node> record(const char* name, const std::vector<Tensor>& outputs,
                             const std::vector<Tensor>& inputs, Node::BackwardFn fn);

/// A tensor saved for backward, with the version of its storage at save time: unpacking it
/// after an in-place change raises nabla::Error instead of giving wrong gradients. An op's own
/// output is saved without its grad_fn (that would be a reference cycle) and gets it back from
/// the node at unpack time.
class SavedTensor {
 public:
  SavedTensor() = default;
  SavedTensor(const Tensor& t, bool is_output);
  /// Output number `output_nr` of an op with several outputs. The lambda given to record() is
  /// made before record() numbers the outputs, so each output saved there must say which it is.
  static SavedTensor output(const Tensor& t, uint32_t output_nr);
  Tensor unpack(const Node& node) const;
  bool defined() const { return data_.defined(); }

 private:
  Tensor data_;
  uint32_t version_ = 0;
  bool is_output_ = false;
  uint32_t output_nr_ = 0;
};

/// Leaf gradient accumulation: the node at the end of every path to a leaf.
class AccumulateGrad : public Node {
 public:
  explicit AccumulateGrad(std::shared_ptr<TensorImpl> leaf);
  variable_list apply(variable_list&& grads) override;
  const std::shared_ptr<TensorImpl>& leaf() const { return leaf_; }

 private:
  std::shared_ptr<TensorImpl> leaf_;
};

/// Whether the engine running now records the graph of backward (create_graph).
bool backward_creates_graph();

/// Runs `callback` when the backward pass running on this thread has processed its whole
/// graph (PyTorch's Engine::queue_callback); DistributedDataParallel waits for its gradient
/// allreduces there. Raises nabla::Error outside a backward pass.
void queue_callback(std::function<void()> callback);

}  // namespace nabla::autograd
