// Attention layers, as LibTorch's torch::nn::MultiheadAttention and the Transformer family, with
// PyTorch's parameter names (a PyTorch state_dict loads by name), shapes and defaults, plus
// the options PyTorch has and LibTorch lacks (batch_first, norm_first, layer_norm_eps):
//   nn::MultiheadAttention mha(nn::MultiheadAttentionOptions(64, 4).batch_first(true));
//   auto [out, weights] = mha(x, x, x);    // x [N, L, 64] -> out [N, L, 64], weights [N, L, L]
//   nn::TransformerEncoder enc(nn::TransformerEncoderOptions(
//       nn::TransformerEncoderLayerOptions(64, 4).dim_feedforward(256).norm_first(true), 2));
//   Tensor y = enc(src, nn::TransformerImpl::generate_square_subsequent_mask(L));
// Masks follow PyTorch's modules: bool true = NOT allowed (the reverse of
// scaled_dot_product_attention's bool masks); float masks are added to the scores.
// Also RMSNorm, and sinusoidal and rotary position helpers.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "nabla/arg.h"
#include "nabla/nn/attention.h"
#include "nabla/nn/containers.h"
#include "nabla/nn/init.h"
#include "nabla/nn/module.h"
#include "nabla/nn/modules.h"
#include "nabla/tensor.h"

namespace nabla::nn {

// ---- MultiheadAttention ------------------------------------------------------------------

struct MultiheadAttentionOptions {
  MultiheadAttentionOptions(int64_t embed_dim, int64_t num_heads)
      : embed_dim_(embed_dim), num_heads_(num_heads), kdim_(embed_dim), vdim_(embed_dim) {}
  NABLA_ARG(int64_t, embed_dim);
  NABLA_ARG(int64_t, num_heads);
  /// Dropout on the attention weights while training.
  NABLA_ARG(double, dropout) = 0.0;
  NABLA_ARG(bool, bias) = true;
  /// Appends learned bias_k / bias_v [1, 1, E] to the keys and values.
  NABLA_ARG(bool, add_bias_kv) = false;
  /// Appends a zero key and value to every batch and head.
  NABLA_ARG(bool, add_zero_attn) = false;
  NABLA_ARG(int64_t, kdim);
  NABLA_ARG(int64_t, vdim);
  /// [N, L, E] input and output instead of [L, N, E] (PyTorch's option; LibTorch has none).
  NABLA_ARG(bool, batch_first) = false;
};

/// out = out_proj(concat_h softmax(q_h k_h^T / sqrt(D) + mask) v_h), D = embed_dim / heads.
/// Parameters: in_proj_weight [3E, E] and in_proj_bias [3E] (or q/k/v_proj_weight when kdim or
/// vdim differ from E), out_proj.weight / out_proj.bias, bias_k / bias_v.
class MultiheadAttentionImpl : public Cloneable<MultiheadAttentionImpl> {
 public:
  MultiheadAttentionImpl(int64_t embed_dim, int64_t num_heads)
      : MultiheadAttentionImpl(MultiheadAttentionOptions(embed_dim, num_heads)) {}
  explicit MultiheadAttentionImpl(const MultiheadAttentionOptions& options);
  void reset() override;
  void reset_parameters();
  void pretty_print(std::ostream& stream) const override;
  /// query [L, N, E] (or [N, L, E] with batch_first, or unbatched [L, E]), key [S, N, kdim],
  /// value [S, N, vdim]; key_padding_mask [N, S] (true = ignore the key); attn_mask [L, S] or
  /// [N * num_heads, L, S]. Returns (output like query, weights [N, L, S] averaged over heads or
  /// [N, num_heads, L, S]; undefined unless need_weights).
  std::tuple<Tensor, Tensor> forward(const Tensor& query, const Tensor& key, const Tensor& value,
                                     const Tensor& key_padding_mask = {}, bool need_weights = true,
                                     const Tensor& attn_mask = {},
                                     bool average_attn_weights = true);

  MultiheadAttentionOptions options;
  bool _qkv_same_embed_dim = true;
  int64_t head_dim = 0;
  Tensor in_proj_weight, in_proj_bias, q_proj_weight, k_proj_weight, v_proj_weight;
  Tensor bias_k, bias_v;
  Linear out_proj{nullptr};
};
NABLA_MODULE(MultiheadAttention);

// ---- Transformer layers ------------------------------------------------------------------

/// The feed-forward activation: nabla::kReLU, "relu", "gelu", or any function.
class TransformerActivation {
 public:
  TransformerActivation(init::Nonlinearity kind);  // NOLINT: implicit, as LibTorch's variant
  TransformerActivation(const std::string& name);  // NOLINT
  TransformerActivation(const char* name) : TransformerActivation(std::string(name)) {}  // NOLINT
  TransformerActivation(std::function<Tensor(const Tensor&)> fn, std::string name = "custom")
      : fn_(std::move(fn)), name_(std::move(name)) {}
  Tensor operator()(const Tensor& x) const { return fn_(x); }
  const std::string& name() const { return name_; }

 private:
  std::function<Tensor(const Tensor&)> fn_;
  std::string name_;
};

struct TransformerEncoderLayerOptions {
  using activation_t = TransformerActivation;
  TransformerEncoderLayerOptions(int64_t d_model, int64_t nhead)  // NOLINT: implicit
      : d_model_(d_model), nhead_(nhead) {}
  NABLA_ARG(int64_t, d_model);
  NABLA_ARG(int64_t, nhead);
  NABLA_ARG(int64_t, dim_feedforward) = 2048;
  NABLA_ARG(double, dropout) = 0.1;
  NABLA_ARG(activation_t, activation) = init::kReLU;
  NABLA_ARG(double, layer_norm_eps) = 1e-5;
  NABLA_ARG(bool, batch_first) = false;
  /// Pre-norm: x + sa(norm1(x)) instead of norm1(x + sa(x)).
  NABLA_ARG(bool, norm_first) = false;
  NABLA_ARG(bool, bias) = true;
};

struct TransformerDecoderLayerOptions {
  using activation_t = TransformerActivation;
  TransformerDecoderLayerOptions(int64_t d_model, int64_t nhead)  // NOLINT: implicit
      : d_model_(d_model), nhead_(nhead) {}
  NABLA_ARG(int64_t, d_model);
  NABLA_ARG(int64_t, nhead);
  NABLA_ARG(int64_t, dim_feedforward) = 2048;
  NABLA_ARG(double, dropout) = 0.1;
  NABLA_ARG(activation_t, activation) = init::kReLU;
  NABLA_ARG(double, layer_norm_eps) = 1e-5;
  NABLA_ARG(bool, batch_first) = false;
  NABLA_ARG(bool, norm_first) = false;
  NABLA_ARG(bool, bias) = true;
};

/// Self-attention and a feed-forward block (linear1 -> activation -> dropout -> linear2), each
/// with a residual connection and LayerNorm (norm1, norm2), post- or pre-norm.
class TransformerEncoderLayerImpl : public Cloneable<TransformerEncoderLayerImpl> {
 public:
  TransformerEncoderLayerImpl(int64_t d_model, int64_t nhead)
      : TransformerEncoderLayerImpl(TransformerEncoderLayerOptions(d_model, nhead)) {}
  explicit TransformerEncoderLayerImpl(TransformerEncoderLayerOptions options);
  void reset() override;
  void reset_parameters();
  /// src [S, N, E] ([N, S, E] with batch_first); src_mask [S, S]; key padding [N, S].
  Tensor forward(const Tensor& src, const Tensor& src_mask = {},
                 const Tensor& src_key_padding_mask = {});

  TransformerEncoderLayerOptions options;
  MultiheadAttention self_attn{nullptr};
  Linear linear1{nullptr}, linear2{nullptr};
  Dropout dropout{nullptr}, dropout1{nullptr}, dropout2{nullptr};
  LayerNorm norm1{nullptr}, norm2{nullptr};

 private:
  Tensor sa_block(const Tensor& x, const Tensor& mask, const Tensor& key_padding_mask);
  Tensor ff_block(const Tensor& x);
};
NABLA_MODULE(TransformerEncoderLayer);

/// Self-attention, cross-attention over `memory`, and a feed-forward block, each with a
/// residual connection and LayerNorm (norm1..norm3).
class TransformerDecoderLayerImpl : public Cloneable<TransformerDecoderLayerImpl> {
 public:
  TransformerDecoderLayerImpl(int64_t d_model, int64_t nhead)
      : TransformerDecoderLayerImpl(TransformerDecoderLayerOptions(d_model, nhead)) {}
  explicit TransformerDecoderLayerImpl(TransformerDecoderLayerOptions options);
  void reset() override;
  void reset_parameters();
  Tensor forward(const Tensor& tgt, const Tensor& memory, const Tensor& tgt_mask = {},
                 const Tensor& memory_mask = {}, const Tensor& tgt_key_padding_mask = {},
                 const Tensor& memory_key_padding_mask = {});

  TransformerDecoderLayerOptions options;
  MultiheadAttention self_attn{nullptr}, multihead_attn{nullptr};
  Linear linear1{nullptr}, linear2{nullptr};
  Dropout dropout{nullptr}, dropout1{nullptr}, dropout2{nullptr}, dropout3{nullptr};
  LayerNorm norm1{nullptr}, norm2{nullptr}, norm3{nullptr};

 private:
  Tensor ff_block(const Tensor& x);
};
NABLA_MODULE(TransformerDecoderLayer);

struct TransformerEncoderOptions {
  /// num_layers deep copies of encoder_layer.
  TransformerEncoderOptions(TransformerEncoderLayer encoder_layer, int64_t num_layers)
      : encoder_layer_(std::move(encoder_layer)), num_layers_(num_layers) {}
  TransformerEncoderOptions(const TransformerEncoderLayerOptions& layer_options, int64_t num_layers)
      : encoder_layer_(layer_options), num_layers_(num_layers) {}
  NABLA_ARG(TransformerEncoderLayer, encoder_layer);
  NABLA_ARG(int64_t, num_layers);
  /// A final normalization module (e.g. LayerNorm), or empty.
  NABLA_ARG(AnyModule, norm);
};

struct TransformerDecoderOptions {
  TransformerDecoderOptions(TransformerDecoderLayer decoder_layer, int64_t num_layers)
      : decoder_layer_(std::move(decoder_layer)), num_layers_(num_layers) {}
  TransformerDecoderOptions(const TransformerDecoderLayerOptions& layer_options, int64_t num_layers)
      : decoder_layer_(layer_options), num_layers_(num_layers) {}
  NABLA_ARG(TransformerDecoderLayer, decoder_layer);
  NABLA_ARG(int64_t, num_layers);
  NABLA_ARG(AnyModule, norm);
};

/// A stack of encoder layers (`layers.0`, `layers.1`, ...) and an optional final `norm`.
class TransformerEncoderImpl : public Cloneable<TransformerEncoderImpl> {
 public:
  explicit TransformerEncoderImpl(TransformerEncoderOptions options);
  void reset() override;
  void reset_parameters();
  Tensor forward(const Tensor& src, const Tensor& src_mask = {},
                 const Tensor& src_key_padding_mask = {});

  TransformerEncoderOptions options;
  ModuleList layers{nullptr};
  AnyModule norm;
};
NABLA_MODULE(TransformerEncoder);

class TransformerDecoderImpl : public Cloneable<TransformerDecoderImpl> {
 public:
  explicit TransformerDecoderImpl(TransformerDecoderOptions options);
  void reset() override;
  void reset_parameters();
  Tensor forward(const Tensor& tgt, const Tensor& memory, const Tensor& tgt_mask = {},
                 const Tensor& memory_mask = {}, const Tensor& tgt_key_padding_mask = {},
                 const Tensor& memory_key_padding_mask = {});

  TransformerDecoderOptions options;
  ModuleList layers{nullptr};
  AnyModule norm;
};
NABLA_MODULE(TransformerDecoder);

struct TransformerOptions {
  using activation_t = TransformerActivation;
  TransformerOptions() = default;
  TransformerOptions(int64_t d_model, int64_t nhead) : d_model_(d_model), nhead_(nhead) {}
  TransformerOptions(int64_t d_model, int64_t nhead, int64_t num_encoder_layers,
                     int64_t num_decoder_layers)
      : d_model_(d_model),
        nhead_(nhead),
        num_encoder_layers_(num_encoder_layers),
        num_decoder_layers_(num_decoder_layers) {}
  NABLA_ARG(int64_t, d_model) = 512;
  NABLA_ARG(int64_t, nhead) = 8;
  NABLA_ARG(int64_t, num_encoder_layers) = 6;
  NABLA_ARG(int64_t, num_decoder_layers) = 6;
  NABLA_ARG(int64_t, dim_feedforward) = 2048;
  NABLA_ARG(double, dropout) = 0.1;
  NABLA_ARG(activation_t, activation) = init::kReLU;
  NABLA_ARG(double, layer_norm_eps) = 1e-5;
  NABLA_ARG(bool, batch_first) = false;
  NABLA_ARG(bool, norm_first) = false;
  NABLA_ARG(bool, bias) = true;
};

/// An encoder-decoder transformer (`encoder`, `decoder`, each ending in a LayerNorm `norm`).
class TransformerImpl : public Cloneable<TransformerImpl> {
 public:
  explicit TransformerImpl(TransformerOptions options);
  void reset() override;
  void reset_parameters();
  Tensor forward(const Tensor& src, const Tensor& tgt, const Tensor& src_mask = {},
                 const Tensor& tgt_mask = {}, const Tensor& memory_mask = {},
                 const Tensor& src_key_padding_mask = {}, const Tensor& tgt_key_padding_mask = {},
                 const Tensor& memory_key_padding_mask = {});
  /// Float [sz, sz]: -inf above the diagonal (future positions), 0 elsewhere.
  static Tensor generate_square_subsequent_mask(int64_t sz);

  TransformerOptions options;
  TransformerEncoder encoder{nullptr};
  TransformerDecoder decoder{nullptr};
};
NABLA_MODULE(Transformer);

// ---- RMSNorm -----------------------------------------------------------------------------

struct RMSNormOptions {
  RMSNormOptions(std::vector<int64_t> normalized_shape)  // NOLINT: implicit, as LibTorch
      : normalized_shape_(std::move(normalized_shape)) {}
  NABLA_ARG(std::vector<int64_t>, normalized_shape);
  /// Added to the mean square; by default the input dtype's machine epsilon.
  NABLA_ARG(std::optional<double>, eps) = std::nullopt;
  NABLA_ARG(bool, elementwise_affine) = true;
};

/// x / sqrt(mean(x^2 over the trailing normalized_shape dims) + eps) * weight (ones).
class RMSNormImpl : public Cloneable<RMSNormImpl> {
 public:
  RMSNormImpl(std::vector<int64_t> normalized_shape)  // NOLINT: implicit, as in LibTorch
      : RMSNormImpl(RMSNormOptions(std::move(normalized_shape))) {}
  explicit RMSNormImpl(RMSNormOptions options);
  void reset() override;
  void reset_parameters();
  void pretty_print(std::ostream& stream) const override;
  Tensor forward(const Tensor& input);

  RMSNormOptions options;
  Tensor weight;
};
NABLA_MODULE(RMSNorm);

namespace functional {
Tensor rms_norm(const Tensor& input, const std::vector<int64_t>& normalized_shape,
                const Tensor& weight = {}, std::optional<double> eps = std::nullopt);
}  // namespace functional

// ---- position helpers --------------------------------------------------------------------

/// The sinusoidal encoding of "Attention is all you need", [length, dim] float32:
/// pe[p, 2i] = sin(p / base^(2i/dim)), pe[p, 2i+1] = cos(p / base^(2i/dim)).
Tensor sinusoidal_position_encoding(int64_t length, int64_t dim, double base = 10000.0,
                                    const TensorOptions& options = {});
/// cos and sin tables [length, dim / 2] of the rotary embedding for positions
/// offset..offset+length-1: angle[p, i] = p / base^(2i/dim).
std::tuple<Tensor, Tensor> rotary_embedding_tables(int64_t length, int64_t dim,
                                                   double base = 10000.0, int64_t offset = 0,
                                                   const TensorOptions& options = {});
/// Rotates x [..., T, dim] by the tables of T positions (half-split pairs (x_i, x_{i+dim/2}),
/// as GPT-NeoX and LLaMA): [x1 cos - x2 sin, x1 sin + x2 cos]. Differentiable in x.
Tensor apply_rotary_embedding(const Tensor& x, const Tensor& cos, const Tensor& sin);

}  // namespace nabla::nn
