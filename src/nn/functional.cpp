// nn::functional layers and activations, composed from differentiable nabla ops.
#include "nabla/nn/functional.h"

#include <cmath>

#include <fmt/ranges.h>

#include "core/check.h"
#include "nabla/autograd.h"
#include "nabla/ops.h"
#include "ops/autocast.h"
#include "ops/batch_norm.h"
#include "ops/fused.h"
#include "ops/layer_norm.h"
#include "ops/op_helpers.h"

namespace nabla::nn::functional {
namespace {

// Writes `result` into `input` for the inplace variants (copy_ keeps the graph intact).
Tensor finish(Tensor& input, const Tensor& result, bool inplace) {
  if (!inplace) return result;
  input.copy_(result);
  return input;
}

// [1, C, 1, ...]: how a per-channel vector broadcasts against [N, C, d...] input.
std::vector<int64_t> channel_shape(const Tensor& input) {
  std::vector<int64_t> shape(static_cast<size_t>(input.dim()), 1);
  shape[1] = input.size(1);
  return shape;
}

void check_floating(const Tensor& t, const char* op, const char* what) {
  NABLA_CHECK(t.defined(), "[{}] {} is undefined", op, what);
  NABLA_CHECK(t.is_floating_point(), "[{}] expected a floating point {}, got dtype {}", op, what,
              t.scalar_type());
}

}  // namespace

// ---- linear ------------------------------------------------------------------------------

Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias) {
  if (nabla::detail::autocast_enabled()) {
    const Tensor x = nabla::detail::autocast_to_lower(input),
                 w = nabla::detail::autocast_to_lower(weight),
                 b = nabla::detail::autocast_to_lower(bias);
    if (!x.is_same(input) || !w.is_same(weight) || (b.defined() && !b.is_same(bias)))
      return linear(x, w, b);
  }
  NABLA_CHECK(input.defined() && weight.defined(), "[linear] input and weight must be defined");
  NABLA_CHECK(weight.dim() == 2, "[linear] weight must be 2-D [out_features, in_features], got {}",
              weight.sizes());
  NABLA_CHECK(input.dim() >= 1 && input.size(-1) == weight.size(1),
              "[linear] input of shape {} does not match weight of shape {} (in_features {} "
              "expected in the last dim)",
              input.sizes(), weight.sizes(), weight.size(1));
  if (bias.defined()) {
    NABLA_CHECK(bias.dim() == 1 && bias.size(0) == weight.size(0),
                "[linear] bias of shape {} does not match weight of shape {} (expected [{}])",
                bias.sizes(), weight.sizes(), weight.size(0));
  }
  NABLA_CHECK(input.scalar_type() == weight.scalar_type() &&
                  (!bias.defined() || bias.scalar_type() == weight.scalar_type()),
              "[linear] input, weight and bias must have the same dtype, got {}, {} and {}",
              input.scalar_type(), weight.scalar_type(),
              bias.defined() ? bias.scalar_type() : weight.scalar_type());
  NABLA_CHECK(input.scalar_type() != kBool, "[linear] not implemented for dtype bool");
  return nabla::detail::fused_linear(input, weight, bias);
}

// ---- dropout -----------------------------------------------------------------------------

Tensor dropout(Tensor input, const DropoutFuncOptions& options) {
  const double p = options.p();
  NABLA_CHECK(p >= 0 && p <= 1,
              "[dropout] dropout probability has to be between 0 and 1, but got {}", p);
  NABLA_CHECK(input.defined(), "[dropout] input is undefined");
  if (!options.training() || p == 0) return input;
  Tensor result;
  if (p == 1) {
    result = input * zeros_like(input);
  } else {
    // Inverted dropout: keep with probability 1-p and scale by 1/(1-p) so E[out] = input.
    Tensor mask = (rand_like(input, input.options().requires_grad(false)) < (1 - p))
                      .to(input.scalar_type())
                      .div(1 - p);
    result = input * mask;
  }
  return finish(input, result, options.inplace());
}

// ---- embedding ---------------------------------------------------------------------------

Tensor embedding(const Tensor& input, const Tensor& weight, const EmbeddingFuncOptions& options) {
  NABLA_CHECK(input.defined() && weight.defined(), "[embedding] input and weight must be defined");
  NABLA_CHECK(weight.dim() == 2, "[embedding] weight must be 2-D [num_embeddings, dim], got {}",
              weight.sizes());
  NABLA_CHECK(input.scalar_type() == kLong || input.scalar_type() == kInt,
              "[embedding] expected indices of dtype int64 or int32, got {}", input.scalar_type());
  NABLA_CHECK(!options.max_norm().has_value(), "[embedding] max_norm is not supported yet");
  NABLA_CHECK(!options.scale_grad_by_freq(), "[embedding] scale_grad_by_freq is not supported yet");
  NABLA_CHECK(!options.sparse(), "[embedding] sparse gradients are not supported");
  const int64_t num = weight.size(0);
  Tensor flat = input.reshape({-1}).to(kLong).contiguous();
  const int64_t* idx = flat.data_ptr<int64_t>();
  for (int64_t i = 0; i < flat.numel(); ++i) {
    NABLA_CHECK(idx[i] >= 0 && idx[i] < num,
                "[embedding] index {} is out of range for an embedding table of {} rows", idx[i],
                num);
  }
  Tensor out = weight.index_select(0, flat);
  if (options.padding_idx().has_value()) {
    int64_t pad = *options.padding_idx();
    if (pad < 0) pad += num;
    NABLA_CHECK(pad >= 0 && pad < num,
                "[embedding] padding_idx {} is out of range for {} embeddings",
                *options.padding_idx(), num);
    // The padding row is looked up as usual but passes no gradient back to the table.
    Tensor keep = (flat != pad).unsqueeze(1);
    out = where(keep, out, out.detach());
  }
  std::vector<int64_t> shape = input.sizes().vec();
  shape.push_back(weight.size(1));
  return out.view(shape);
}

// ---- normalization -----------------------------------------------------------------------

Tensor layer_norm(const Tensor& input, const LayerNormFuncOptions& options) {
  if (nabla::detail::autocast_enabled()) {
    const Tensor x = nabla::detail::autocast_to_float(input);
    if (!x.is_same(input)) return layer_norm(x, options);
  }
  check_floating(input, "layer_norm", "input");
  const std::vector<int64_t>& ns = options.normalized_shape();
  const int64_t k = static_cast<int64_t>(ns.size());
  NABLA_CHECK(k >= 1, "[layer_norm] normalized_shape must not be empty");
  bool ok = input.dim() >= k;
  for (int64_t i = 0; ok && i < k; ++i) ok = input.size(input.dim() - k + i) == ns[i];
  NABLA_CHECK(ok, "[layer_norm] expected input with shape [*, {}], but got input of size {}",
              fmt::join(ns, ", "), input.sizes());
  for (const Tensor* p : {&options.weight(), &options.bias()}) {
    NABLA_CHECK(!p->defined() || p->sizes() == IntArrayRef(ns),
                "[layer_norm] weight and bias must have the normalized shape {}, got {}",
                IntArrayRef(ns), p->sizes());
  }
  const int64_t normalized_numel = nabla::detail::compute_numel(ns);
  if (Tensor fused = nabla::detail::fused_layer_norm(input, normalized_numel, options.weight(),
                                                     options.bias(), options.eps());
      fused.defined()) {
    return fused;
  }
  // The composition: the fallback where the backend has no kernel, and the tests' oracle.
  std::vector<int64_t> dims;
  for (int64_t i = -k; i < 0; ++i) dims.push_back(i);
  Tensor centered = input - input.mean(dims, /*keepdim=*/true);
  Tensor var = centered.square().mean(dims, /*keepdim=*/true);  // biased, as PyTorch
  Tensor out = centered * (var + options.eps()).rsqrt();
  if (options.weight().defined()) out = out * options.weight();
  if (options.bias().defined()) out = out + options.bias();
  return out;
}

Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                  const BatchNormFuncOptions& options) {
  check_floating(input, "batch_norm", "input");
  NABLA_CHECK(input.dim() >= 2, "[batch_norm] expected input of at least 2 dims [N, C, *], got {}",
              input.sizes());
  const int64_t channels = input.size(1);
  for (const Tensor* t : {&running_mean, &running_var, &options.weight(), &options.bias()}) {
    NABLA_CHECK(!t->defined() || (t->dim() == 1 && t->size(0) == channels),
                "[batch_norm] expected per-channel tensors of shape [{}] for input {}, got {}",
                channels, input.sizes(), t->sizes());
  }
  const Tensor &weight = options.weight(), &bias = options.bias();
  const std::vector<int64_t> cshape = channel_shape(input);
  if (!options.training()) {
    NABLA_CHECK(running_mean.defined() && running_var.defined(),
                "[batch_norm] running_mean and running_var must be defined in evaluation mode");
    // y = x * scale + shift with per-channel scale = weight / sqrt(var + eps) and
    // shift = bias - mean * scale: two passes over the input.
    const Tensor invstd = (running_var + options.eps()).rsqrt();
    const Tensor scale = weight.defined() ? weight * invstd : invstd;
    const Tensor shift = bias.defined() ? bias - running_mean * scale : -(running_mean * scale);
    if (!nabla::detail::needs_grad(input, scale, shift)) {  // inference: one fused pass
      Tensor out = nabla::detail::fused_batch_norm_apply(input, scale, shift);
      if (out.defined()) return out;
    }
    return input * scale.view(cshape) + shift.view(cshape);
  }
  const int64_t n = input.numel() / std::max<int64_t>(channels, 1);
  NABLA_CHECK(n > 1,
              "[batch_norm] expected more than 1 value per channel when training, got "
              "input of size {}",
              input.sizes());
  // The running statistics estimate the population: the variance is unbiased (n / (n - 1)).
  auto update_running = [&](const Tensor& mean, const Tensor& var) {
    if (!running_mean.defined() && !running_var.defined()) return;
    NoGradGuard no_grad;
    const double m = options.momentum().value_or(0.0);
    if (running_mean.defined()) {
      Tensor rm = running_mean;
      rm.mul_(1 - m).add_(mean.detach().reshape({channels}).to(rm.scalar_type()), m);
    }
    if (running_var.defined()) {
      Tensor rv = running_var;
      Tensor unbiased = var.detach().reshape({channels}) * (double(n) / double(n - 1));
      rv.mul_(1 - m).add_(unbiased.to(rv.scalar_type()), m);
    }
  };
  // Fused kernels when the backend has them for this input; the composition below otherwise.
  nabla::detail::BatchNormResult fused =
      nabla::detail::fused_batch_norm_training(input, weight, bias, options.eps());
  if (fused.output.defined()) {
    update_running(fused.mean, fused.var);
    return fused.output;
  }
  std::vector<int64_t> dims{0};
  for (int64_t d = 2; d < input.dim(); ++d) dims.push_back(d);
  const Tensor mean = input.mean(dims, /*keepdim=*/true);
  const Tensor centered = input - mean;
  const Tensor var = centered.square().mean(dims, /*keepdim=*/true);  // biased: normalizes
  update_running(mean, var);
  Tensor out = centered * (var + options.eps()).rsqrt();
  if (weight.defined()) out = out * weight.view(cshape);
  if (bias.defined()) out = out + bias.view(cshape);
  return out;
}

// ---- activations -------------------------------------------------------------------------

Tensor relu(Tensor input, const ReLUFuncOptions& options) {
  if (options.inplace()) return input.relu_();
  return input.relu();
}

Tensor leaky_relu(Tensor input, const LeakyReLUFuncOptions& options) {
  Tensor result = where(input > 0, input, input * options.negative_slope());
  return finish(input, result, options.inplace());
}

Tensor elu(Tensor input, const ELUFuncOptions& options) {
  // exp of the clamped input: the unused branch of where must not overflow to inf (its
  // gradient would be inf * 0 = nan).
  Tensor negative = (input.clamp_max(0).exp() - 1) * options.alpha();
  Tensor result = where(input > 0, input, negative);
  return finish(input, result, options.inplace());
}

Tensor gelu(const Tensor& input, const GELUFuncOptions& options) {
  NABLA_CHECK(options.approximate() == "none" || options.approximate() == "tanh",
              "[gelu] approximate must be \"none\" or \"tanh\", got \"{}\"", options.approximate());
  return nabla::gelu(input, options.approximate());
}

Tensor silu(const Tensor& input) { return input * input.sigmoid(); }

Tensor softmax(const Tensor& input, const SoftmaxFuncOptions& options) {
  return input.softmax(options.dim(), options.dtype());
}

Tensor log_softmax(const Tensor& input, const LogSoftmaxFuncOptions& options) {
  return input.log_softmax(options.dim(), options.dtype());
}

}  // namespace nabla::nn::functional
