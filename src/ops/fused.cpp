// The fused-family switch (use_fused, FusedKernelsGuard), linear as one GEMM, and
// cross-entropy as one kernel with its composition as fallback.
#include "ops/fused.h"

#include <limits>

#include "ops/op_helpers.h"

namespace nabla::detail {

namespace {
thread_local bool g_fused_enabled = true;
}  // namespace

FusedKernelsGuard::FusedKernelsGuard(bool enabled) : previous_(g_fused_enabled) {
  g_fused_enabled = enabled;
}
FusedKernelsGuard::~FusedKernelsGuard() { g_fused_enabled = previous_; }
bool FusedKernelsGuard::is_enabled() { return g_fused_enabled; }

bool use_fused(const Backend& be, FusedOp op, ScalarType dtype) {
  return g_fused_enabled && be.supports(op, dtype);
}

bool use_fused(FusedOp op, ScalarType dtype, std::initializer_list<const Tensor*> operands) {
  const Tensor* first = nullptr;
  for (const Tensor* t : operands) {
    if (!t->defined()) continue;
    if (!t->is_contiguous() || t->scalar_type() != dtype) return false;
    if (first && t->device() != first->device()) return false;
    if (!first) first = t;
  }
  return first && use_fused(backend_for(*first), op, dtype);
}

// ---- linear --------------------------------------------------------------------------------

// y = x @ W^T + b as one GEMM over all leading dims of x (the backend's linear_forward adds the
// bias to the finished product; elsewhere the product goes onto the broadcast bias, beta = 1),
// and one node whose backward is two GEMMs and a column sum: dx = g @ W, dW = g^T @ x (in W's
// own layout, so nothing is transposed or copied), db = g summed over rows. Without the fused
// family, only basic backend families, so every backend runs it. Its unfused composition,
// x.matmul(W.t()) + b, is the test oracle (tests/test_fused.cpp): the kernel gives its bits.
//
// With `relu` (nn::Sequential's Linear, ReLU pairs), where the backend's kernel runs: relu in the
// same epilogue as the bias, on each thread's own columns, and one node LinearReluBackward whose
// backward masks g by the saved output first (relu's kernel) and then runs linear's. Elsewhere
// relu(linear(...)), two nodes, the oracle. On the Fashion-MNIST MLP (64 x 784 -> 256 -> 128)
// a relu pass and its node less per layer.
Tensor fused_linear(const Tensor& input, const Tensor& weight, const Tensor& bias, bool relu) {
  check_same_device(input, weight, "linear");
  if (bias.defined()) check_same_device(bias, weight, "linear");
  const int64_t in = weight.size(1), out = weight.size(0);
  std::vector<int64_t> shape(input.sizes().begin(), input.sizes().end() - 1);
  const int64_t rows = compute_numel(shape);
  shape.push_back(out);
  Backend& be = backend_for(weight);
  // Whether the backend's kernel runs, decided for x as it will be (contiguous) before it is
  // made so: the two-op fallback below makes its own contiguous copy, and would otherwise be
  // given a non-contiguous input copied twice.
  const bool kernel = input.scalar_type() == weight.scalar_type() &&
                      use_fused(FusedOp::Linear, weight.scalar_type(), {&weight, &bias});
  if (relu && !kernel) return nabla::relu(fused_linear(input, weight, bias, false));
  const Tensor x = contiguous_nograd(input);
  Tensor result = make_tensor(shape, weight.scalar_type(), weight.device());
  if (kernel && (bias.defined() || relu)) {
    be.linear_forward(x, weight, bias, relu, result);  // bias and relu as the product is made
  } else {
    if (bias.defined()) be.copy(expand_to(bias, shape, "linear"), result);
    const Tensor x3 = make_view(x, {1, rows, in}, {0, in, 1}, x.storage_offset());
    const Tensor w3 = make_view(weight, {1, in, out}, {0, weight.stride(1), weight.stride(0)},
                                weight.storage_offset());
    const Tensor r3 = make_view(result, {1, rows, out}, {0, out, 1}, 0);
    be.matmul(x3, w3, r3, bias.defined() ? 1.0 : 0.0, 1.0);
  }
  if (needs_grad(input, weight, bias)) {
    record(relu ? "LinearReluBackward" : "AddmmBackward0", {result}, {input, weight, bias},
           [input = SavedTensor(input, false), weight = SavedTensor(weight, false),
            output = SavedTensor(relu ? result : Tensor(), true), rows, in_features = in,
            out_features = out](const variable_list& grads, const Node& node) -> variable_list {
             const Tensor output_v = output.unpack(node);
             const Tensor grad = output_v.defined() ? relu_backward(grads[0], output_v) : grads[0];
             variable_list out(3);
             const Tensor grad_2d = grad.reshape({rows, out_features});
             if (node.needs_input_grad(0)) {
               const Tensor input_v = input.unpack(node);
               out[0] = grad_2d.mm(weight.unpack(node)).view(input_v.sizes());
             }
             if (node.needs_input_grad(1))
               out[1] = grad_2d.t().mm(input.unpack(node).reshape({rows, in_features}));
             if (node.needs_input_grad(2)) out[2] = grad_2d.sum(0);
             return out;
           });
  }
  return result;
}

// ---- cross-entropy -------------------------------------------------------------------------

namespace {

void check_targets(const Tensor& t, int64_t classes, int64_t ignore_index) {
  if (t.numel() == 0) return;
  const Tensor bad = logical_and(t != ignore_index, logical_or(t < 0, t >= classes));
  if (!bad.any().item<bool>()) return;
  const int64_t first = t[bad.to(kLong).argmax().item<int64_t>()].item<int64_t>();
  NABLA_ERROR(
      "[cross_entropy] target {} is out of bounds for {} classes (valid targets are 0..{}, or "
      "ignore_index {})",
      first, classes, classes - 1, ignore_index);
}

/// log_softmax then the negative log-likelihood of the targets, as differentiable ops.
Tensor cross_entropy_composite(const Tensor& input, const Tensor& t, int64_t ignore_index,
                               LossReduction reduction) {
  check_targets(t, input.size(1), ignore_index);
  const Tensor valid = t != ignore_index;
  const Tensor picked =
      input.log_softmax(1).gather(1, where(valid, t, int64_t(0)).unsqueeze(1)).squeeze(1);
  const Tensor loss = where(valid, -picked, 0.0);
  switch (reduction) {
    case LossReduction::None:
      return loss;
    case LossReduction::Sum:
      return loss.sum();
    case LossReduction::Mean:
      break;
  }
  return loss.sum() / static_cast<double>(valid.sum().item<int64_t>());  // 0/0: nan, as torch
}

}  // namespace

// Node NllLossBackward0, as PyTorch names the node of cross_entropy. Its backward is
// (softmax - one_hot(target)) * scale, one kernel; when a graph of the backward is wanted
// (create_graph) the same formula runs as differentiable ops on the saved input.
Tensor fused_cross_entropy(const Tensor& input, const Tensor& target, int64_t ignore_index,
                           LossReduction reduction) {
  check_same_device(input, target, "cross_entropy");
  const Tensor t = contiguous_nograd(cast(target, kLong));
  Backend& be = backend_for(input);
  if (isReducedFloatingType(input.scalar_type()) && use_fused(be, FusedOp::CrossEntropy, kFloat))
    return fused_cross_entropy(input.to(kFloat), target, ignore_index, reduction)
        .to(input.scalar_type());
  if (!use_fused(be, FusedOp::CrossEntropy, input.scalar_type()))
    return cross_entropy_composite(input, t, ignore_index, reduction);
  const Tensor x = contiguous_nograd(input);
  const int64_t n = x.size(0), c = x.size(1);
  Tensor logp = make_tensor({n, c}, x.scalar_type(), x.device());
  Tensor row_loss = make_tensor({n}, x.scalar_type(), x.device());
  const int64_t count = be.cross_entropy_forward(x, t, ignore_index, logp, row_loss);
  Tensor result = row_loss;
  if (reduction != LossReduction::None) {
    // Summed in float64 on the host, in row order (the same number for any thread count).
    const Tensor rl = cast(row_loss, kDouble).cpu();
    const double* p = rl.data_ptr<double>();
    double total = 0;
    for (int64_t i = 0; i < n; ++i) total += p[i];
    if (reduction == LossReduction::Mean) total /= static_cast<double>(count);  // 0/0: nan
    result = make_tensor({}, x.scalar_type(), x.device());
    be.fill(result, total);
  }
  if (needs_grad(input)) {
    record("NllLossBackward0", {result}, {input},
           [input = SavedTensor(input, false), logp, target = t, ignore_index, reduction, count,
            batch = n, classes = c](const variable_list& grads, const Node& node) -> variable_list {
             const Tensor& grad = grads[0];
             const double denom =
                 reduction == LossReduction::Mean ? static_cast<double>(count) : 1.0;
             if (GradMode::is_enabled()) {
               // Differentiable in the input and in the incoming gradient.
               const Tensor input_v = input.unpack(node);
               const Tensor valid = (target != ignore_index).to(input_v.scalar_type()).unsqueeze(1);
               const Tensor onehot = zeros_like(input_v).scatter_add(
                   1, where(target != ignore_index, target, int64_t(0)).unsqueeze(1),
                   ones({batch, 1}, input_v.options().requires_grad(false)));
               const Tensor scale =
                   reduction == LossReduction::None ? grad.unsqueeze(1) : grad / denom;
               return {(input_v.softmax(1) - onehot) * valid * scale};
             }
             Backend& be = backend_for(logp);
             Tensor scale;
             if (reduction == LossReduction::None) {
               scale = contiguous_nograd(cast(grad, logp.scalar_type()));
             } else {
               scale = make_tensor({1}, logp.scalar_type(), logp.device());
               be.fill(scale, grad.item<double>() / denom);
             }
             Tensor grad_input = make_tensor({batch, classes}, logp.scalar_type(), logp.device());
             be.cross_entropy_backward(logp, target, ignore_index, scale, grad_input);
             return {grad_input};
           });
  }
  return result;
}

}  // namespace nabla::detail
