// Fused layer normalization: with rows of C values, xhat = (x - mean) * rstd,
// rstd = 1 / sqrt(var + eps) and g = dy * weight:
//   y = xhat * weight + bias,
//   dx = rstd * (g - mean(g) - xhat * mean(g * xhat)) per row,
//   dweight = sum over rows of dy * xhat, dbias = sum of dy.
// Its composition in nn::functional::layer_norm is the fallback and the oracle.
#include "ops/layer_norm.h"

#include "nabla/autograd.h"
#include "ops/fused.h"
#include "ops/op_helpers.h"

namespace nabla::detail {
namespace {

bool same_kind(const Tensor& t, const Tensor& input) {
  return !t.defined() || (t.scalar_type() == input.scalar_type() && t.device() == input.device());
}

/// `t` as a contiguous [rows, cols] tensor without autograd (a view when it is contiguous).
Tensor as_matrix(const Tensor& t, int64_t rows, int64_t cols) {
  const Tensor c = contiguous_nograd(t);
  return make_view(c, {rows, cols}, {cols, 1}, c.storage_offset());
}

/// `t` flattened to [n] without autograd, or undefined.
Tensor as_vector(const Tensor& t, int64_t n) {
  if (!t.defined()) return {};
  const Tensor c = contiguous_nograd(t);
  return make_view(c, {n}, {1}, c.storage_offset());
}

// The backward formula in nabla ops, statistics recomputed from x so that it is differentiable
// in x, weight and dy (double backward).
variable_list composed_backward(const Tensor& x, const Tensor& weight, const Tensor& dy,
                                IntArrayRef bias_shape, int64_t n, double eps, const Node& node) {
  const int64_t rows = n == 0 ? 0 : x.numel() / n;
  const Tensor x2 = x.reshape({rows, n}), dy2 = dy.reshape({rows, n});
  const Tensor xc = x2 - x2.mean(-1, /*keepdim=*/true);
  const Tensor rstd = (xc.square().mean(-1, /*keepdim=*/true) + eps).rsqrt();
  const Tensor xhat = xc * rstd;
  variable_list grads(3);
  if (node.needs_input_grad(0)) {
    const Tensor g = weight.defined() ? dy2 * weight.reshape({n}) : dy2;
    grads[0] = (rstd * (g - g.mean(-1, true) - xhat * (g * xhat).mean(-1, true))).view(x.sizes());
  }
  if (node.needs_input_grad(1)) grads[1] = (dy2 * xhat).sum(0).view(weight.sizes());
  if (node.needs_input_grad(2)) grads[2] = dy2.sum(0).view(bias_shape);
  return grads;
}

}  // namespace

Tensor fused_layer_norm(const Tensor& input, int64_t normalized_numel, const Tensor& weight,
                        const Tensor& bias, double eps) {
  const int64_t n = normalized_numel;
  if (!FusedKernelsGuard::is_enabled() || input.numel() == 0 || n == 0 ||
      !same_kind(weight, input) || !same_kind(bias, input)) {
    return {};
  }
  if (isReducedFloatingType(input.scalar_type())) {
    const Tensor out = fused_layer_norm(float32_if_16bit(input), n, float32_if_16bit(weight),
                                        float32_if_16bit(bias), eps);
    return out.defined() ? out.to(input.scalar_type()) : out;
  }
  const int64_t rows = input.numel() / n;
  const ScalarType dtype = input.scalar_type();
  Backend& be = backend_for(input);
  Tensor output = make_tensor(input.sizes(), dtype, input.device());
  Tensor mean = make_tensor({rows}, dtype, input.device());
  Tensor rstd = make_tensor({rows}, dtype, input.device());
  if (!be.layer_norm_forward(as_matrix(input, rows, n), as_vector(weight, n), as_vector(bias, n),
                             eps, make_view(output, {rows, n}, {n, 1}, 0), mean, rstd)) {
    return {};
  }
  if (needs_grad(input, weight, bias)) {
    record(
        "NativeLayerNormBackward0", {output}, {input, weight, bias},
        [input = SavedTensor(input, false),
         weight = weight.defined() ? SavedTensor(weight, false) : SavedTensor(),
         bias_shape = bias.defined() ? bias.sizes().vec() : std::vector<int64_t>{}, mean, rstd, eps,
         rows,
         normalized_numel = n](const variable_list& grads, const Node& node) -> variable_list {
          const Tensor& grad = grads[0];
          const Tensor input_v = input.unpack(node);
          const Tensor weight_v = weight.defined() ? weight.unpack(node) : Tensor();
          if (GradMode::is_enabled())
            return composed_backward(input_v, weight_v, grad, bias_shape, normalized_numel, eps,
                                     node);
          const ScalarType dt = input_v.scalar_type();
          Tensor dx, dw, db;
          if (node.needs_input_grad(0)) dx = make_tensor(input_v.sizes(), dt, input_v.device());
          if (node.needs_input_grad(1)) dw = make_tensor(weight_v.sizes(), dt, input_v.device());
          if (node.needs_input_grad(2)) db = make_tensor(bias_shape, dt, input_v.device());
          auto matrix = [&](const Tensor& t) {
            return t.defined() ? make_view(t, {rows, normalized_numel}, {normalized_numel, 1}, 0)
                               : Tensor();
          };
          if (!backend_for(input_v).layer_norm_backward(
                  as_matrix(input_v, rows, normalized_numel), as_vector(weight_v, normalized_numel),
                  mean, rstd, as_matrix(grad, rows, normalized_numel), matrix(dx),
                  as_vector(dw, normalized_numel), as_vector(db, normalized_numel))) {
            return composed_backward(input_v, weight_v, grad, bias_shape, normalized_numel, eps,
                                     node);
          }
          return {dx, dw, db};
        });
  }
  return output;
}

}  // namespace nabla::detail
