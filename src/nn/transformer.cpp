// MultiheadAttention and the Transformer layers: compositions of linear, scaled-dot-product
// attention, dropout and layer_norm with PyTorch's parameter names and numerics.
// Shapes: N batch, L queries, S keys, E = embed_dim, H heads, D = E / H.
#include "nabla/nn/transformer.h"

#include <cmath>
#include <limits>
#include <ostream>

#include "core/check.h"
#include "nabla/nn/functional.h"
#include "nabla/ops.h"

namespace nabla::nn {

namespace F = functional;

namespace {

constexpr const char* kMha = "MultiheadAttention";
constexpr double kInf = std::numeric_limits<double>::infinity();

// A module mask (bool: true = not allowed; floating: added) as a float mask of `dtype`.
Tensor float_mask(const Tensor& mask, const char* name, ScalarType dtype) {
  if (!mask.defined()) return mask;
  NABLA_CHECK(mask.scalar_type() == kBool || isFloatingType(mask.scalar_type()),
              "[{}] only bool and floating types of {} are supported, got {} (shape {})", kMha,
              name, mask.scalar_type(), mask.sizes());
  if (mask.scalar_type() == kBool)
    return zeros(mask.sizes(), TensorOptions().dtype(dtype).device(mask.device()))
        .masked_fill(mask, -kInf);
  return mask.to(dtype);
}

// mask [..., S] with one more (allowed) key at the end.
Tensor pad_key(const Tensor& mask) {
  if (!mask.defined()) return mask;
  std::vector<int64_t> shape = mask.sizes().vec();
  shape.back() = 1;
  return cat({mask, zeros(shape, mask.options().requires_grad(false))}, -1);
}

}  // namespace

// ---- MultiheadAttention ------------------------------------------------------------------

MultiheadAttentionImpl::MultiheadAttentionImpl(const MultiheadAttentionOptions& options)
    : options(options) {
  reset();
}

void MultiheadAttentionImpl::reset() {
  const int64_t E = options.embed_dim(), H = options.num_heads();
  NABLA_CHECK(E > 0 && H > 0, "[{}] embed_dim ({}) and num_heads ({}) must be positive", kMha, E,
              H);
  NABLA_CHECK(E % H == 0, "[{}] embed_dim ({}) must be divisible by num_heads ({})", kMha, E, H);
  head_dim = E / H;
  _qkv_same_embed_dim = options.kdim() == E && options.vdim() == E;
  if (_qkv_same_embed_dim) {
    in_proj_weight = register_parameter("in_proj_weight", nabla::empty({3 * E, E}));
    q_proj_weight = register_parameter("q_proj_weight", Tensor(), false);
    k_proj_weight = register_parameter("k_proj_weight", Tensor(), false);
    v_proj_weight = register_parameter("v_proj_weight", Tensor(), false);
  } else {
    q_proj_weight = register_parameter("q_proj_weight", nabla::empty({E, E}));
    k_proj_weight = register_parameter("k_proj_weight", nabla::empty({E, options.kdim()}));
    v_proj_weight = register_parameter("v_proj_weight", nabla::empty({E, options.vdim()}));
    in_proj_weight = register_parameter("in_proj_weight", Tensor(), false);
  }
  in_proj_bias = options.bias() ? register_parameter("in_proj_bias", nabla::empty({3 * E}))
                                : register_parameter("in_proj_bias", Tensor(), false);
  out_proj = register_module("out_proj", Linear(LinearOptions(E, E).bias(options.bias())));
  if (options.add_bias_kv()) {
    bias_k = register_parameter("bias_k", nabla::empty({1, 1, E}));
    bias_v = register_parameter("bias_v", nabla::empty({1, 1, E}));
  } else {
    bias_k = register_parameter("bias_k", Tensor(), false);
    bias_v = register_parameter("bias_v", Tensor(), false);
  }
  reset_parameters();
}

// As PyTorch: xavier_uniform_ projections, zero biases, xavier_normal_ bias_k / bias_v.
void MultiheadAttentionImpl::reset_parameters() {
  for (Tensor* w : {&in_proj_weight, &q_proj_weight, &k_proj_weight, &v_proj_weight})
    if (w->defined()) init::xavier_uniform_(*w);
  if (in_proj_bias.defined()) {
    init::zeros_(in_proj_bias);
    init::zeros_(out_proj->bias);
  }
  if (bias_k.defined()) init::xavier_normal_(bias_k);
  if (bias_v.defined()) init::xavier_normal_(bias_v);
}

void MultiheadAttentionImpl::pretty_print(std::ostream& stream) const {
  stream << "nabla::nn::MultiheadAttention(embed_dim=" << options.embed_dim()
         << ", num_heads=" << options.num_heads() << ")";
}

namespace {

struct MhaInputs {
  Tensor q, k, v;  // [N, L, E], [N, S, kdim], [N, S, vdim]
  bool batched = true;
};

MhaInputs batch_first_inputs(const MultiheadAttentionOptions& o, const Tensor& query,
                             const Tensor& key, const Tensor& value) {
  NABLA_CHECK(query.defined() && key.defined() && value.defined(),
              "[{}] query, key and value must be defined", kMha);
  NABLA_CHECK((query.dim() == 3 || query.dim() == 2) && key.dim() == query.dim() &&
                  value.dim() == query.dim(),
              "[{}] expected query, key and value all 3-D (batched) or all 2-D (unbatched), got "
              "query {}, key {}, value {}",
              kMha, query.sizes(), key.sizes(), value.sizes());
  MhaInputs in;
  in.batched = query.dim() == 3;
  if (!in.batched) {
    in.q = query.unsqueeze(0), in.k = key.unsqueeze(0), in.v = value.unsqueeze(0);
  } else if (o.batch_first()) {
    in.q = query, in.k = key, in.v = value;
  } else {
    in.q = query.transpose(0, 1), in.k = key.transpose(0, 1), in.v = value.transpose(0, 1);
  }
  NABLA_CHECK(in.q.size(2) == o.embed_dim(),
              "[{}] query's embedding dim must equal embed_dim {}, got query {}", kMha,
              o.embed_dim(), query.sizes());
  NABLA_CHECK(in.k.size(2) == o.kdim() && in.v.size(2) == o.vdim(),
              "[{}] key's and value's embedding dims must equal kdim {} and vdim {}, got key {} "
              "and value {}",
              kMha, o.kdim(), o.vdim(), key.sizes(), value.sizes());
  NABLA_CHECK(
      in.k.size(1) == in.v.size(1) && in.k.size(0) == in.q.size(0) && in.v.size(0) == in.q.size(0),
      "[{}] key and value must have the same sequence length and query, key and value "
      "the same batch size, got query {}, key {}, value {}",
      kMha, query.sizes(), key.sizes(), value.sizes());
  return in;
}

// The float mask [N or 1, H or 1, L or 1, S] of attn_mask and key_padding_mask, or undefined.
Tensor merged_mask(const Tensor& attn_mask, const Tensor& key_padding_mask, bool batched, int64_t N,
                   int64_t H, int64_t L, int64_t S, ScalarType dtype) {
  Tensor mask;
  if (attn_mask.defined()) {
    const bool ok2 = attn_mask.dim() == 2 && attn_mask.size(0) == L && attn_mask.size(1) == S;
    const bool ok3 = attn_mask.dim() == 3 && attn_mask.size(0) == N * H && attn_mask.size(1) == L &&
                     attn_mask.size(2) == S;
    NABLA_CHECK(ok2 || ok3,
                "[{}] attn_mask must be [L, S] = [{}, {}] or [N * num_heads, L, S] = [{}, {}, {}], "
                "got {}",
                kMha, L, S, N * H, L, S, attn_mask.sizes());
    mask = float_mask(attn_mask, "attn_mask", dtype);
    if (ok3) mask = mask.view({N, H, L, S});
  }
  if (key_padding_mask.defined()) {
    const bool ok = batched ? key_padding_mask.dim() == 2 && key_padding_mask.size(0) == N &&
                                  key_padding_mask.size(1) == S
                            : key_padding_mask.dim() == 1 && key_padding_mask.size(0) == S;
    NABLA_CHECK(ok, "[{}] key_padding_mask must be [N, S] = [{}, {}] (or [S] unbatched), got {}",
                kMha, N, S, key_padding_mask.sizes());
    const Tensor kpm = float_mask(key_padding_mask, "key_padding_mask", dtype).view({N, 1, 1, S});
    mask = mask.defined() ? mask + kpm : kpm;
  }
  return mask;
}

}  // namespace

std::tuple<Tensor, Tensor> MultiheadAttentionImpl::forward(
    const Tensor& query, const Tensor& key, const Tensor& value, const Tensor& key_padding_mask,
    bool need_weights, const Tensor& attn_mask, bool average_attn_weights) {
  const MhaInputs in = batch_first_inputs(options, query, key, value);
  const int64_t N = in.q.size(0), L = in.q.size(1), E = options.embed_dim();
  const int64_t H = options.num_heads(), D = head_dim;
  const int64_t S0 = in.k.size(1);
  Tensor q, k, v;
  if (_qkv_same_embed_dim && query.is_same(key) && key.is_same(value)) {
    std::vector<Tensor> qkv = F::linear(in.q, in_proj_weight, in_proj_bias).chunk(3, -1);
    q = qkv[0], k = qkv[1], v = qkv[2];
  } else {
    const std::vector<Tensor> b =
        in_proj_bias.defined() ? in_proj_bias.chunk(3) : std::vector<Tensor>(3);
    const std::vector<Tensor> w =
        _qkv_same_embed_dim ? in_proj_weight.chunk(3)
                            : std::vector<Tensor>{q_proj_weight, k_proj_weight, v_proj_weight};
    q = F::linear(in.q, w[0], b[0]), k = F::linear(in.k, w[1], b[1]);
    v = F::linear(in.v, w[2], b[2]);
  }
  Tensor mask =
      merged_mask(attn_mask, key_padding_mask, in.batched, N, H, L, S0, query.scalar_type());
  if (bias_k.defined()) {  // one more key: the learned bias
    k = cat({k, bias_k.expand({N, 1, E})}, 1);
    v = cat({v, bias_v.expand({N, 1, E})}, 1);
    mask = pad_key(mask);
  }
  // [N, L, E] -> [N, H, L, D]
  q = q.reshape({N, L, H, D}).transpose(1, 2);
  k = k.reshape({N, -1, H, D}).transpose(1, 2);
  v = v.reshape({N, -1, H, D}).transpose(1, 2);
  if (options.add_zero_attn()) {
    k = cat({k, zeros({N, H, 1, D}, k.options().requires_grad(false))}, 2);
    v = cat({v, zeros({N, H, 1, D}, v.options().requires_grad(false))}, 2);
    mask = pad_key(mask);
  }
  const double p = is_training() ? options.dropout() : 0.0;
  Tensor out, weights;
  if (need_weights) {
    Tensor s = matmul(q * (1.0 / std::sqrt(static_cast<double>(D))), k.transpose(-2, -1));
    if (mask.defined()) s = s + mask;
    weights = s.softmax(-1);
    out = matmul(p > 0 ? F::dropout(weights, F::DropoutFuncOptions().p(p)) : weights, v);
    if (average_attn_weights) weights = weights.mean({1});
    if (!in.batched) weights = weights.squeeze(0);
  } else {
    out = scaled_dot_product_attention(q, k, v, mask, p);
  }
  out = out_proj(out.transpose(1, 2).reshape({N, L, E}));  // [N, L, E]
  if (!in.batched) return {out.squeeze(0), weights};
  return {options.batch_first() ? out : out.transpose(0, 1), weights};
}

// ---- activation --------------------------------------------------------------------------

TransformerActivation::TransformerActivation(init::Nonlinearity kind) {
  NABLA_CHECK(kind == init::Nonlinearity::ReLU,
              "[Transformer] activation should be relu or gelu (kReLU, \"relu\" or \"gelu\")");
  fn_ = [](const Tensor& x) { return nabla::relu(x); };
  name_ = "relu";
}

TransformerActivation::TransformerActivation(const std::string& name) : name_(name) {
  if (name == "relu") {
    fn_ = [](const Tensor& x) { return nabla::relu(x); };
  } else if (name == "gelu") {
    fn_ = [](const Tensor& x) { return nabla::gelu(x); };
  } else {
    NABLA_ERROR("[Transformer] activation should be relu or gelu, not {}", name);
  }
}

// ---- encoder and decoder layers ----------------------------------------------------------

namespace {
template <class Options>
MultiheadAttentionOptions attention_options(const Options& o) {
  return MultiheadAttentionOptions(o.d_model(), o.nhead())
      .dropout(o.dropout())
      .bias(o.bias())
      .batch_first(o.batch_first());
}
LayerNorm layer_norm(int64_t d, double eps) { return LayerNorm(LayerNormOptions({d}).eps(eps)); }
}  // namespace

TransformerEncoderLayerImpl::TransformerEncoderLayerImpl(TransformerEncoderLayerOptions options)
    : options(std::move(options)) {
  reset();
}

void TransformerEncoderLayerImpl::reset() {
  const auto& o = options;
  self_attn = register_module("self_attn", MultiheadAttention(attention_options(o)));
  linear1 = register_module("linear1",
                            Linear(LinearOptions(o.d_model(), o.dim_feedforward()).bias(o.bias())));
  dropout = register_module("dropout", Dropout(o.dropout()));
  linear2 = register_module("linear2",
                            Linear(LinearOptions(o.dim_feedforward(), o.d_model()).bias(o.bias())));
  norm1 = register_module("norm1", layer_norm(o.d_model(), o.layer_norm_eps()));
  norm2 = register_module("norm2", layer_norm(o.d_model(), o.layer_norm_eps()));
  dropout1 = register_module("dropout1", Dropout(o.dropout()));
  dropout2 = register_module("dropout2", Dropout(o.dropout()));
}

void TransformerEncoderLayerImpl::reset_parameters() {
  self_attn->reset_parameters();
  linear1->reset_parameters();
  linear2->reset_parameters();
  norm1->reset_parameters();
  norm2->reset_parameters();
}

Tensor TransformerEncoderLayerImpl::sa_block(const Tensor& x, const Tensor& mask,
                                             const Tensor& key_padding_mask) {
  return dropout1(std::get<0>(self_attn(x, x, x, key_padding_mask, false, mask)));
}

Tensor TransformerEncoderLayerImpl::ff_block(const Tensor& x) {
  return dropout2(linear2(dropout(options.activation()(linear1(x)))));
}

Tensor TransformerEncoderLayerImpl::forward(const Tensor& src, const Tensor& src_mask,
                                            const Tensor& src_key_padding_mask) {
  Tensor x = src;
  if (options.norm_first()) {
    x = x + sa_block(norm1(x), src_mask, src_key_padding_mask);
    return x + ff_block(norm2(x));
  }
  x = norm1(x + sa_block(x, src_mask, src_key_padding_mask));
  return norm2(x + ff_block(x));
}

TransformerDecoderLayerImpl::TransformerDecoderLayerImpl(TransformerDecoderLayerOptions options)
    : options(std::move(options)) {
  reset();
}

void TransformerDecoderLayerImpl::reset() {
  const auto& o = options;
  self_attn = register_module("self_attn", MultiheadAttention(attention_options(o)));
  multihead_attn = register_module("multihead_attn", MultiheadAttention(attention_options(o)));
  linear1 = register_module("linear1",
                            Linear(LinearOptions(o.d_model(), o.dim_feedforward()).bias(o.bias())));
  dropout = register_module("dropout", Dropout(o.dropout()));
  linear2 = register_module("linear2",
                            Linear(LinearOptions(o.dim_feedforward(), o.d_model()).bias(o.bias())));
  norm1 = register_module("norm1", layer_norm(o.d_model(), o.layer_norm_eps()));
  norm2 = register_module("norm2", layer_norm(o.d_model(), o.layer_norm_eps()));
  norm3 = register_module("norm3", layer_norm(o.d_model(), o.layer_norm_eps()));
  dropout1 = register_module("dropout1", Dropout(o.dropout()));
  dropout2 = register_module("dropout2", Dropout(o.dropout()));
  dropout3 = register_module("dropout3", Dropout(o.dropout()));
}

void TransformerDecoderLayerImpl::reset_parameters() {
  self_attn->reset_parameters();
  multihead_attn->reset_parameters();
  linear1->reset_parameters();
  linear2->reset_parameters();
  norm1->reset_parameters();
  norm2->reset_parameters();
  norm3->reset_parameters();
}

Tensor TransformerDecoderLayerImpl::ff_block(const Tensor& x) {
  return dropout3(linear2(dropout(options.activation()(linear1(x)))));
}

Tensor TransformerDecoderLayerImpl::forward(const Tensor& tgt, const Tensor& memory,
                                            const Tensor& tgt_mask, const Tensor& memory_mask,
                                            const Tensor& tgt_key_padding_mask,
                                            const Tensor& memory_key_padding_mask) {
  auto sa = [&](const Tensor& x) {
    return dropout1(std::get<0>(self_attn(x, x, x, tgt_key_padding_mask, false, tgt_mask)));
  };
  auto mha = [&](const Tensor& x) {
    return dropout2(std::get<0>(
        multihead_attn(x, memory, memory, memory_key_padding_mask, false, memory_mask)));
  };
  Tensor x = tgt;
  if (options.norm_first()) {
    x = x + sa(norm1(x));
    x = x + mha(norm2(x));
    return x + ff_block(norm3(x));
  }
  x = norm1(x + sa(x));
  x = norm2(x + mha(x));
  return norm3(x + ff_block(x));
}

// ---- stacks ------------------------------------------------------------------------------

TransformerEncoderImpl::TransformerEncoderImpl(TransformerEncoderOptions options)
    : options(std::move(options)) {
  reset();
}

void TransformerEncoderImpl::reset() {
  layers = register_module("layers", ModuleList());
  for (int64_t i = 0; i < options.num_layers(); ++i)
    layers->push_back(options.encoder_layer()->clone());
  if (!options.norm().is_empty()) {
    norm = options.norm().clone();
    register_module("norm", norm.ptr());
  }
}

void TransformerEncoderImpl::reset_parameters() {
  for (const auto& layer : *layers.ptr())
    layer->as<TransformerEncoderLayerImpl>()->reset_parameters();
}

Tensor TransformerEncoderImpl::forward(const Tensor& src, const Tensor& src_mask,
                                       const Tensor& src_key_padding_mask) {
  Tensor x = src;
  for (const auto& layer : *layers.ptr())
    x = layer->as<TransformerEncoderLayerImpl>()->forward(x, src_mask, src_key_padding_mask);
  return norm.is_empty() ? x : norm.forward(x);
}

TransformerDecoderImpl::TransformerDecoderImpl(TransformerDecoderOptions options)
    : options(std::move(options)) {
  reset();
}

void TransformerDecoderImpl::reset() {
  layers = register_module("layers", ModuleList());
  for (int64_t i = 0; i < options.num_layers(); ++i)
    layers->push_back(options.decoder_layer()->clone());
  if (!options.norm().is_empty()) {
    norm = options.norm().clone();
    register_module("norm", norm.ptr());
  }
}

void TransformerDecoderImpl::reset_parameters() {
  for (const auto& layer : *layers.ptr())
    layer->as<TransformerDecoderLayerImpl>()->reset_parameters();
}

Tensor TransformerDecoderImpl::forward(const Tensor& tgt, const Tensor& memory,
                                       const Tensor& tgt_mask, const Tensor& memory_mask,
                                       const Tensor& tgt_key_padding_mask,
                                       const Tensor& memory_key_padding_mask) {
  Tensor x = tgt;
  for (const auto& layer : *layers.ptr())
    x = layer->as<TransformerDecoderLayerImpl>()->forward(
        x, memory, tgt_mask, memory_mask, tgt_key_padding_mask, memory_key_padding_mask);
  return norm.is_empty() ? x : norm.forward(x);
}

TransformerImpl::TransformerImpl(TransformerOptions options) : options(std::move(options)) {
  reset();
}

void TransformerImpl::reset() {
  const auto& o = options;
  auto enc_layer = TransformerEncoderLayerOptions(o.d_model(), o.nhead())
                       .dim_feedforward(o.dim_feedforward())
                       .dropout(o.dropout())
                       .activation(o.activation())
                       .layer_norm_eps(o.layer_norm_eps())
                       .batch_first(o.batch_first())
                       .norm_first(o.norm_first())
                       .bias(o.bias());
  auto dec_layer = TransformerDecoderLayerOptions(o.d_model(), o.nhead())
                       .dim_feedforward(o.dim_feedforward())
                       .dropout(o.dropout())
                       .activation(o.activation())
                       .layer_norm_eps(o.layer_norm_eps())
                       .batch_first(o.batch_first())
                       .norm_first(o.norm_first())
                       .bias(o.bias());
  encoder = register_module(
      "encoder",
      TransformerEncoder(TransformerEncoderOptions(enc_layer, o.num_encoder_layers())
                             .norm(AnyModule(layer_norm(o.d_model(), o.layer_norm_eps())))));
  decoder = register_module(
      "decoder",
      TransformerDecoder(TransformerDecoderOptions(dec_layer, o.num_decoder_layers())
                             .norm(AnyModule(layer_norm(o.d_model(), o.layer_norm_eps())))));
}

void TransformerImpl::reset_parameters() {
  // PyTorch's Transformer re-initializes every matrix with xavier_uniform_.
  for (auto& p : parameters())
    if (p.dim() > 1) init::xavier_uniform_(p);
}

Tensor TransformerImpl::forward(const Tensor& src, const Tensor& tgt, const Tensor& src_mask,
                                const Tensor& tgt_mask, const Tensor& memory_mask,
                                const Tensor& src_key_padding_mask,
                                const Tensor& tgt_key_padding_mask,
                                const Tensor& memory_key_padding_mask) {
  const int64_t batch_dim = options.batch_first() ? 0 : 1;
  NABLA_CHECK(src.dim() != 3 || tgt.dim() != 3 || src.size(batch_dim) == tgt.size(batch_dim),
              "[Transformer] the batch number of src and tgt must be equal, got src {} and tgt {}",
              src.sizes(), tgt.sizes());
  NABLA_CHECK(src.size(-1) == options.d_model() && tgt.size(-1) == options.d_model(),
              "[Transformer] the feature number of src and tgt must be equal to d_model {}, got "
              "src {} and tgt {}",
              options.d_model(), src.sizes(), tgt.sizes());
  const Tensor memory = encoder(src, src_mask, src_key_padding_mask);
  return decoder(tgt, memory, tgt_mask, memory_mask, tgt_key_padding_mask, memory_key_padding_mask);
}

Tensor TransformerImpl::generate_square_subsequent_mask(int64_t sz) {
  NABLA_CHECK(sz >= 0, "[Transformer] generate_square_subsequent_mask: size must be >= 0, got {}",
              sz);
  const Tensor i = arange(sz).unsqueeze(1), j = arange(sz).unsqueeze(0);
  return zeros({sz, sz}).masked_fill(gt(j, i), -kInf);
}

// ---- RMSNorm -----------------------------------------------------------------------------

namespace functional {
Tensor rms_norm(const Tensor& input, const std::vector<int64_t>& normalized_shape,
                const Tensor& weight, std::optional<double> eps) {
  const int64_t k = static_cast<int64_t>(normalized_shape.size());
  NABLA_CHECK(input.defined() && input.is_floating_point(),
              "[rms_norm] expected a floating point input");
  bool ok = k >= 1 && input.dim() >= k;
  for (int64_t i = 0; ok && i < k; ++i) ok = input.size(input.dim() - k + i) == normalized_shape[i];
  NABLA_CHECK(ok, "[rms_norm] normalized_shape {} does not match the trailing dims of input {}",
              IntArrayRef(normalized_shape), input.sizes());
  NABLA_CHECK(!weight.defined() || weight.sizes() == IntArrayRef(normalized_shape),
              "[rms_norm] weight must have the normalized_shape {}, got {}",
              IntArrayRef(normalized_shape), weight.sizes());
  const double e =
      eps.value_or(input.scalar_type() == kDouble ? std::numeric_limits<double>::epsilon()
                                                  : std::numeric_limits<float>::epsilon());
  std::vector<int64_t> dims;
  for (int64_t i = 0; i < k; ++i) dims.push_back(input.dim() - k + i);
  const Tensor y = input * (input.square().mean(dims, /*keepdim=*/true) + e).rsqrt();
  return weight.defined() ? y * weight : y;
}
}  // namespace functional

RMSNormImpl::RMSNormImpl(RMSNormOptions options) : options(std::move(options)) { reset(); }

void RMSNormImpl::reset() {
  weight = options.elementwise_affine()
               ? register_parameter("weight", nabla::empty(options.normalized_shape()))
               : register_parameter("weight", Tensor(), false);
  reset_parameters();
}

void RMSNormImpl::reset_parameters() {
  if (weight.defined()) init::ones_(weight);
}

void RMSNormImpl::pretty_print(std::ostream& stream) const {
  stream << "nabla::nn::RMSNorm(" << IntArrayRef(options.normalized_shape()) << ")";
}

Tensor RMSNormImpl::forward(const Tensor& input) {
  return F::rms_norm(input, options.normalized_shape(), weight, options.eps());
}

// ---- position helpers --------------------------------------------------------------------

namespace {
// angle[p, i] = p / base^(2i / dim) for p in offset..offset+length-1, i < dim / 2: [length, dim/2]
Tensor angles(int64_t length, int64_t dim, double base, int64_t offset, const char* op) {
  NABLA_CHECK(length >= 0 && dim > 0 && dim % 2 == 0,
              "[{}] needs length >= 0 and an even dim > 0, got length {} and dim {}", op, length,
              dim);
  const TensorOptions d = TensorOptions().dtype(kDouble);
  const Tensor pos = arange(offset, offset + length, d).unsqueeze(1);
  const Tensor inv_freq = pow(base, arange(0, dim, 2, d) / -static_cast<double>(dim));
  return pos * inv_freq.unsqueeze(0);
}

// A table computed in float64 on the CPU, in the options' dtype (float32 by default) and on
// their device.
Tensor placed(const Tensor& table, const TensorOptions& options) {
  const Tensor typed = table.to(options.dtype_opt().value_or(kFloat));
  return options.has_device() ? typed.to(options.device()) : typed;
}
}  // namespace

Tensor sinusoidal_position_encoding(int64_t length, int64_t dim, double base,
                                    const TensorOptions& options) {
  const Tensor a = angles(length, dim, base, 0, "sinusoidal_position_encoding");
  return placed(stack({a.sin(), a.cos()}, -1).reshape({length, dim}), options);
}

std::tuple<Tensor, Tensor> rotary_embedding_tables(int64_t length, int64_t dim, double base,
                                                   int64_t offset, const TensorOptions& options) {
  const Tensor a = angles(length, dim, base, offset, "rotary_embedding_tables");
  return {placed(a.cos(), options), placed(a.sin(), options)};
}

Tensor apply_rotary_embedding(const Tensor& x, const Tensor& cos, const Tensor& sin) {
  NABLA_CHECK(x.defined() && x.dim() >= 2 && x.size(-1) % 2 == 0 && cos.dim() == 2 &&
                  cos.sizes() == sin.sizes() && cos.size(0) == x.size(-2) &&
                  cos.size(1) * 2 == x.size(-1),
              "[apply_rotary_embedding] expected x [..., T, dim] with an even dim and cos/sin "
              "[T, dim / 2], got x {}, cos {}, sin {}",
              x.sizes(), cos.sizes(), sin.sizes());
  const int64_t half = x.size(-1) / 2;
  const Tensor x1 = x.narrow(-1, 0, half), x2 = x.narrow(-1, half, half);
  return cat({x1 * cos - x2 * sin, x1 * sin + x2 * cos}, -1);
}

}  // namespace nabla::nn
