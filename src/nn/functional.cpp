// nn::functional layers and activations, composed from differentiable nabla ops.
#include "nabla/nn/functional.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <vector>

#include <fmt/ranges.h>

#include "core/check.h"
#include "nabla/autograd.h"
#include "nabla/creation.h"
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

namespace {

// linear, then relu when `relu` (nabla::detail::linear_relu).
Tensor linear_maybe_relu(const Tensor& input, const Tensor& weight, const Tensor& bias, bool relu) {
  if (nabla::detail::autocast_enabled()) {
    const Tensor x = nabla::detail::autocast_to_lower(input),
                 w = nabla::detail::autocast_to_lower(weight),
                 b = nabla::detail::autocast_to_lower(bias);
    if (!x.is_same(input) || !w.is_same(weight) || (b.defined() && !b.is_same(bias)))
      return linear_maybe_relu(x, w, b, relu);
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
  return nabla::detail::fused_linear(input, weight, bias, relu);
}

}  // namespace

Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias) {
  return linear_maybe_relu(input, weight, bias, false);
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

namespace {

// Reads an integer tensor on the host.
std::vector<int64_t> host_indices(const Tensor& t) {
  const Tensor h = t.cpu().to(kLong).contiguous().reshape({-1});
  const int64_t* p = h.data_ptr<int64_t>();
  return std::vector<int64_t>(p, p + h.numel());
}

// PyTorch's embedding renorm: every row looked up whose norm_type-norm exceeds max_norm is
// scaled in place to max_norm (outside autograd, as PyTorch).
void renorm_rows(const Tensor& weight, const std::vector<int64_t>& indices, double max_norm,
                 double norm_type) {
  NoGradGuard no_grad;
  std::vector<int64_t> unique = indices;
  std::sort(unique.begin(), unique.end());
  unique.erase(std::unique(unique.begin(), unique.end()), unique.end());
  for (const int64_t i : unique) {
    Tensor row = weight[i];
    const double norm = row.norm(norm_type).item<double>();
    if (norm > max_norm) row.mul_(max_norm / (norm + 1e-7));
  }
}

}  // namespace

Tensor embedding_bag(const Tensor& input, const Tensor& weight,
                     const EmbeddingBagFuncOptions& options) {
  const char* op = "embedding_bag";
  NABLA_CHECK(input.defined() && weight.defined(), "[{}] input and weight must be defined", op);
  NABLA_CHECK(weight.dim() == 2, "[{}] weight must be 2-D [num_embeddings, dim], got {}", op,
              weight.sizes());
  NABLA_CHECK(input.scalar_type() == kLong || input.scalar_type() == kInt,
              "[{}] expected indices of dtype int64 or int32, got {}", op, input.scalar_type());
  NABLA_CHECK(!options.scale_grad_by_freq(), "[{}] scale_grad_by_freq is not supported yet", op);
  NABLA_CHECK(!options.sparse(),
              "[{}] sparse gradients are not supported (nabla has no sparse tensors); use "
              "sparse(false)",
              op);
  const EmbeddingBagMode::Kind mode = options.mode().kind();
  const Tensor& per_sample_weights = options.per_sample_weights();
  if (per_sample_weights.defined()) {
    NABLA_CHECK(mode == EmbeddingBagMode::Kind::Sum,
                "[{}] per_sample_weights was not None. per_sample_weights is only supported for "
                "mode='sum' (got mode='{}')",
                op, options.mode().name());
    NABLA_CHECK(per_sample_weights.sizes() == input.sizes(),
                "[{}] if per_sample_weights ({}) is defined, it must have the input's shape ({})",
                op, per_sample_weights.sizes(), input.sizes());
    NABLA_CHECK(per_sample_weights.scalar_type() == weight.scalar_type(),
                "[{}] expected per_sample_weights of the weight's dtype {}, got {}", op,
                weight.scalar_type(), per_sample_weights.scalar_type());
  }
  const Tensor& given_offsets = options.offsets();
  Tensor offsets;
  if (input.dim() == 2) {
    NABLA_CHECK(!given_offsets.defined(),
                "[{}] if input is 2-D, offsets must be undefined: each row of the input is a bag",
                op);
    // Each row is a bag: its start offsets.
    offsets = arange(0, input.numel(), std::max<int64_t>(input.size(1), 1),
                     TensorOptions().dtype(kLong).device(input.device()));
    if (input.size(1) == 0) offsets = zeros({input.size(0)}, offsets.options());
  } else {
    NABLA_CHECK(input.dim() == 1, "[{}] input has to be a 1-D or 2-D tensor, got {} dims", op,
                input.dim());
    NABLA_CHECK(given_offsets.defined() && given_offsets.dim() == 1,
                "[{}] offsets has to be a 1-D tensor for a 1-D input, got {}", op,
                given_offsets.defined() ? given_offsets.sizes() : IntArrayRef());
    NABLA_CHECK(given_offsets.scalar_type() == kLong || given_offsets.scalar_type() == kInt,
                "[{}] expected offsets of dtype int64 or int32, got {}", op,
                given_offsets.scalar_type());
    offsets = given_offsets;
  }
  const bool last_offset = options.include_last_offset();
  NABLA_CHECK(!last_offset || offsets.size(0) >= 1,
              "[{}] include_last_offset needs at least one offset", op);
  const int64_t bags = last_offset ? offsets.size(0) - 1 : offsets.size(0);
  const int64_t num = weight.size(0), dim = weight.size(1);
  std::optional<int64_t> pad = options.padding_idx();
  if (pad.has_value()) {
    NABLA_CHECK(*pad >= -num && *pad < num,
                "[{}] padding_idx {} must be within num_embeddings ({})", op, *pad, num);
    if (*pad < 0) *pad += num;
  }

  // Meta tensors hold no indices to read; the result's shape does not depend on them.
  if (!nabla::detail::holds_values(input) || !nabla::detail::holds_values(offsets) ||
      !nabla::detail::holds_values(weight)) {
    return (weight.sum({0}, /*keepdim=*/true) * 0.0).expand({bags, dim}).contiguous();
  }

  const std::vector<int64_t> idx = host_indices(input);
  const std::vector<int64_t> off = host_indices(offsets);
  const auto total = static_cast<int64_t>(idx.size());
  for (const int64_t i : idx) {
    NABLA_CHECK(i >= 0 && i < num,
                "[{}] index {} is out of range for an embedding table of {} rows", op, i, num);
  }
  if (!off.empty()) {
    NABLA_CHECK(off.front() == 0,
                "[{}] offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to "
                "start from position 0. However, got {}",
                op, off.front());
    NABLA_CHECK(off.back() <= total,
                "[{}] offsets[-1] can not be greater than input's length ({}), but got {}", op,
                total, off.back());
  }
  for (size_t b = 1; b < off.size(); ++b) {
    NABLA_CHECK(off[b - 1] <= off[b], "[{}] offsets must be non-decreasing, got {} then {}", op,
                off[b - 1], off[b]);
  }
  if (options.max_norm().has_value()) {
    renorm_rows(weight, idx, *options.max_norm(), options.norm_type());
  }

  // The entries of each bag, padding_idx left out.
  std::vector<int64_t> rows, positions, bag_of_entry;
  std::vector<int64_t> counts(static_cast<size_t>(bags), 0);
  for (int64_t b = 0; b < bags; ++b) {
    const int64_t begin = off[static_cast<size_t>(b)];
    const int64_t end =
        b + 1 < static_cast<int64_t>(off.size()) ? off[static_cast<size_t>(b + 1)] : total;
    for (int64_t k = begin; k < end; ++k) {
      const int64_t row = idx[static_cast<size_t>(k)];
      if (pad.has_value() && row == *pad) continue;
      rows.push_back(row);
      positions.push_back(k);
      bag_of_entry.push_back(b);
      ++counts[static_cast<size_t>(b)];
    }
  }
  const auto long_on_weight = TensorOptions().dtype(kLong).device(weight.device());
  const auto on_weight = TensorOptions().dtype(weight.scalar_type()).device(weight.device());
  Tensor looked_up = weight.index_select(0, tensor(rows, long_on_weight));
  if (per_sample_weights.defined()) {
    const Tensor sample_weights = per_sample_weights.reshape({-1}).index_select(
        0, tensor(positions, long_on_weight.device(per_sample_weights.device())));
    looked_up = looked_up * sample_weights.to(weight.device()).unsqueeze(1);
  }

  if (mode != EmbeddingBagMode::Kind::Max) {
    // index_add accumulates in a fixed order, so the result is deterministic.
    Tensor out =
        zeros({bags, dim}, on_weight).index_add(0, tensor(bag_of_entry, long_on_weight), looked_up);
    if (mode == EmbeddingBagMode::Kind::Mean) {
      // Empty bags divide their zeros by 1.
      out = out / tensor(counts, long_on_weight).clamp_min(1).to(weight.scalar_type()).unsqueeze(1);
    }
    return out;
  }

  // Max: the bags padded to the longest with a -inf row, then max over each bag (its gradient
  // goes to one maximal entry per bag and column, as PyTorch's).
  const int64_t longest = counts.empty() ? 0 : *std::max_element(counts.begin(), counts.end());
  if (longest == 0)
    return (weight.sum({0}, /*keepdim=*/true) * 0.0).expand({bags, dim}).contiguous();
  const auto entries = static_cast<int64_t>(rows.size());
  std::vector<int64_t> slots(static_cast<size_t>(bags * longest), entries);
  std::vector<int64_t> filled(static_cast<size_t>(bags), 0);
  for (int64_t e = 0; e < entries; ++e) {
    const int64_t b = bag_of_entry[static_cast<size_t>(e)];
    slots[static_cast<size_t>(b * longest + filled[static_cast<size_t>(b)]++)] = e;
  }
  const Tensor with_neg_inf =
      cat({looked_up, full({1, dim}, -std::numeric_limits<double>::infinity(), on_weight)}, 0);
  const Tensor padded =
      with_neg_inf.index_select(0, tensor(slots, long_on_weight)).view({bags, longest, dim});
  const Tensor maxima = std::get<0>(padded.max(1));
  const Tensor nonempty = (tensor(counts, long_on_weight) > 0).unsqueeze(1);
  return where(nonempty, maxima, 0.0);
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

namespace nabla::detail {
Tensor linear_relu(const Tensor& input, const Tensor& weight, const Tensor& bias) {
  return nn::functional::linear_maybe_relu(input, weight, bias, true);
}
}  // namespace nabla::detail
