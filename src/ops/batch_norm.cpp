// Fused training-mode batch normalization: statistics and normalization in two backend
// kernels, backward in one. With dims = {0, 2, ...}, M = N * S, xhat = (x - mean) * invstd:
//   dbias = sum(dy), dweight = sum(dy * xhat),
//   dx = weight * invstd * (dy - sum(dy) / M - xhat * sum(dy * xhat) / M).
// Its composition (mean, var, ...) in nn::functional::batch_norm is the fallback and oracle.
#include "ops/batch_norm.h"

#include "nabla/autograd.h"
#include "ops/op_helpers.h"

namespace nabla::detail {
namespace {

bool same_kind(const Tensor& t, const Tensor& input) {
  return !t.defined() || (t.scalar_type() == input.scalar_type() && t.device() == input.device());
}

// The backward formula in nabla ops, statistics recomputed from x so that it is
// differentiable in x, weight and dy (double backward).
variable_list composed_backward(const Tensor& x, const Tensor& weight, const Tensor& dy, double eps,
                                const Node& node) {
  std::vector<int64_t> dims{0};
  for (int64_t d = 2; d < x.dim(); ++d) dims.push_back(d);
  std::vector<int64_t> cshape(static_cast<size_t>(x.dim()), 1);
  cshape[1] = x.size(1);
  const double m = double(x.numel() / x.size(1));
  const Tensor xc = x - x.mean(dims, /*keepdim=*/true);
  const Tensor invstd = (xc.square().mean(dims, /*keepdim=*/true) + eps).rsqrt();
  const Tensor xhat = xc * invstd;
  const Tensor sum_dy = dy.sum(dims, /*keepdim=*/true);
  const Tensor sum_dy_xhat = (dy * xhat).sum(dims, /*keepdim=*/true);
  variable_list grads(3);
  if (node.needs_input_grad(0)) {
    const Tensor scale = weight.defined() ? weight.view(cshape) * invstd : invstd;
    grads[0] = scale * (dy - sum_dy / m - xhat * (sum_dy_xhat / m));
  }
  if (node.needs_input_grad(1)) grads[1] = sum_dy_xhat.reshape({x.size(1)});
  if (node.needs_input_grad(2)) grads[2] = sum_dy.reshape({x.size(1)});
  return grads;
}

}  // namespace

BatchNormResult fused_batch_norm_training(const Tensor& input, const Tensor& weight,
                                          const Tensor& bias, double eps) {
  if (!input.is_contiguous() || input.numel() == 0 || !same_kind(weight, input) ||
      !same_kind(bias, input)) {
    return {};
  }
  if (isReducedFloatingType(input.scalar_type())) {
    const ScalarType low = input.scalar_type();
    BatchNormResult r = fused_batch_norm_training(float32_if_16bit(input), float32_if_16bit(weight),
                                                  float32_if_16bit(bias), eps);
    if (!r.output.defined()) return {};
    return {r.output.to(low), r.mean.to(low), r.var.to(low)};
  }
  const int64_t n = input.size(0), c = input.size(1), s = input.numel() / (n * c);
  const ScalarType dtype = input.scalar_type();
  Backend& be = backend_for(input);
  const Tensor x3 = make_view(input, {n, c, s}, {c * s, s, 1}, input.storage_offset());
  Tensor mean = make_tensor({c}, dtype, input.device());
  Tensor var = make_tensor({c}, dtype, input.device());
  if (!be.batch_norm_stats(x3, mean, var)) return {};
  Tensor invstd, scale, shift;
  {
    NoGradGuard no_grad;
    invstd = (var + eps).rsqrt();
    scale = weight.defined() ? (weight.detach() * invstd).contiguous() : invstd;
    shift = bias.defined() ? (bias.detach() - mean * scale).contiguous() : (-mean * scale);
  }
  Tensor output = make_tensor(input.sizes(), dtype, input.device());
  if (!be.batch_norm_apply(x3, scale, shift, make_view(output, {n, c, s}, {c * s, s, 1}, 0))) {
    return {};
  }
  if (needs_grad(input, weight, bias)) {
    record("NativeBatchNormBackward0", {output}, {input, weight, bias},
           [input = SavedTensor(input, false),
            weight = weight.defined() ? SavedTensor(weight, false) : SavedTensor(), mean, invstd,
            eps, batch = n, channels = c,
            spatial = s](const variable_list& grads, const Node& node) -> variable_list {
             const Tensor& grad = grads[0];
             const Tensor input_v = input.unpack(node);
             const Tensor weight_v = weight.defined() ? weight.unpack(node) : Tensor();
             if (GradMode::is_enabled())
               return composed_backward(input_v, weight_v, grad, eps, node);
             const Tensor dy = contiguous_nograd(grad);
             const Tensor scale =
                 weight_v.defined() ? (weight_v.detach() * invstd).contiguous() : invstd;
             Tensor sum_dy = make_tensor({channels}, dy.scalar_type(), dy.device());
             Tensor sum_dy_xhat = make_tensor({channels}, dy.scalar_type(), dy.device());
             Tensor dx;
             if (node.needs_input_grad(0))
               dx = make_tensor(input_v.sizes(), dy.scalar_type(), dy.device());
             auto view3 = [&](const Tensor& t) {
               return t.defined() ? make_view(t, {batch, channels, spatial},
                                              {channels * spatial, spatial, 1}, t.storage_offset())
                                  : Tensor();
             };
             if (!backend_for(dy).batch_norm_backward(view3(contiguous_nograd(input_v)), view3(dy),
                                                      mean, invstd, scale, sum_dy, sum_dy_xhat,
                                                      view3(dx))) {
               return composed_backward(input_v, weight_v, grad, eps, node);
             }
             variable_list out(3);
             out[0] = dx;
             if (node.needs_input_grad(1)) out[1] = sum_dy_xhat;
             if (node.needs_input_grad(2)) out[2] = sum_dy;
             return out;
           });
  }
  return {output, mean, var};
}

Tensor fused_batch_norm_apply(const Tensor& input, const Tensor& scale, const Tensor& shift) {
  if (!input.is_contiguous() || input.numel() == 0 || !same_kind(scale, input) ||
      !same_kind(shift, input)) {
    return {};
  }
  if (isReducedFloatingType(input.scalar_type())) {
    const Tensor out = fused_batch_norm_apply(float32_if_16bit(input), float32_if_16bit(scale),
                                              float32_if_16bit(shift));
    return out.defined() ? out.to(input.scalar_type()) : out;
  }
  const int64_t n = input.size(0), c = input.size(1), s = input.numel() / (n * c);
  Tensor output = make_tensor(input.sizes(), input.scalar_type(), input.device());
  if (!backend_for(input).batch_norm_apply(
          make_view(input, {n, c, s}, {c * s, s, 1}, input.storage_offset()),
          contiguous_nograd(scale), contiguous_nograd(shift),
          make_view(output, {n, c, s}, {c * s, s, 1}, 0))) {
    return {};
  }
  return output;
}

}  // namespace nabla::detail
