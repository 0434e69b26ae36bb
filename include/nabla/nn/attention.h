// Attention as PyTorch 2 defines it, and one-hot encoding.
//   out = softmax(q k^T * scale + mask) v      q [..., L, E], k [..., S, E], v [..., S, Ev]
// scaled_dot_product_attention runs a fused kernel when the backend has one for the inputs
// (memory linear in L and S, the score matrix is never stored) and the composition of
// matmul, mask, softmax, dropout and matmul otherwise (dropout, a mask that requires grad,
// batch dims that broadcast). A row whose every key is masked gives 0 (PyTorch's safe softmax).
#pragma once

#include <cstdint>
#include <optional>
#include <tuple>

#include "nabla/tensor.h"

namespace nabla {

/// attn_mask: bool (true = take part in attention) or floating (added to the scores), of a
/// shape that broadcasts to [..., L, S]. is_causal masks key j > query i (top-left aligned,
/// as torch.tril(ones(L, S))) and excludes attn_mask. scale defaults to 1 / sqrt(E).
Tensor scaled_dot_product_attention(const Tensor& query, const Tensor& key, const Tensor& value,
                                    const Tensor& attn_mask = {}, double dropout_p = 0.0,
                                    bool is_causal = false,
                                    std::optional<double> scale = std::nullopt);

/// The unfused composition (the fused kernel's oracle): (output, attention weights [..., L, S]).
std::tuple<Tensor, Tensor> _scaled_dot_product_attention_math(
    const Tensor& query, const Tensor& key, const Tensor& value, const Tensor& attn_mask = {},
    double dropout_p = 0.0, bool is_causal = false, std::optional<double> scale = std::nullopt);

/// The fused kernel alone: (output, logsumexp [..., L] of each row's scaled, masked scores).
/// Raises nabla::Error when the backend does not take the inputs.
std::tuple<Tensor, Tensor> _scaled_dot_product_fused_attention(
    const Tensor& query, const Tensor& key, const Tensor& value, const Tensor& attn_mask = {},
    bool is_causal = false, std::optional<double> scale = std::nullopt);

/// int64 class indices -> int64 [..., num_classes] of 0/1; num_classes = -1 takes max + 1.
Tensor one_hot(const Tensor& self, int64_t num_classes = -1);

namespace nn::functional {
inline Tensor scaled_dot_product_attention(const Tensor& query, const Tensor& key,
                                           const Tensor& value, const Tensor& attn_mask = {},
                                           double dropout_p = 0.0, bool is_causal = false,
                                           std::optional<double> scale = std::nullopt) {
  return nabla::scaled_dot_product_attention(query, key, value, attn_mask, dropout_p, is_causal,
                                             scale);
}
inline Tensor one_hot(const Tensor& tensor, int64_t num_classes = -1) {
  return nabla::one_hot(tensor, num_classes);
}
}  // namespace nn::functional

}  // namespace nabla
