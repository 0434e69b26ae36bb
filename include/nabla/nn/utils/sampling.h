// Drawing the next token of a language model from its logits: temperature, top-k filtering,
// then a draw from the default generator (seed it with nabla::manual_seed for repeatable text).
// nabla's own addition; LibTorch has no equivalent.
//   using namespace nabla::nn::utils;
//   Tensor logits = model(context).select(1, -1);                  // [B, V], the last step
//   Tensor next = sample(logits, SamplingOptions().temperature(0.8).top_k(20));  // [B] int64
//   Tensor best = sample(logits, SamplingOptions().temperature(0));             // greedy
#pragma once

#include <cstdint>

#include "nabla/arg.h"
#include "nabla/tensor.h"

namespace nabla {
namespace nn {
namespace utils {

struct SamplingOptions {
  /// Divides the logits before the softmax: below 1 sharpens the distribution, above 1
  /// flattens it; 0 means greedy (argmax, no randomness). Must be finite and >= 0.
  NABLA_ARG(double, temperature) = 1.0;
  /// Keep only the k most likely tokens (0: all of them; k >= V keeps all). Must be >= 0.
  NABLA_ARG(int64_t, top_k) = 0;
};

/// The logits [V] or [B, V] with all but the k largest of each row set to -inf (exactly k
/// kept; ties go to the lower index). k == 0 or k >= V returns the logits unchanged.
Tensor top_k_filter(const Tensor& logits, int64_t k);

/// The distribution sample() draws from: softmax(top_k_filter(logits, top_k) / temperature)
/// along the last dim. temperature must be > 0 here.
Tensor sampling_probs(const Tensor& logits, const SamplingOptions& options = {});

/// One token per row of floating logits: [V] -> a 0-d int64 tensor, [B, V] -> [B] int64.
/// Draws with nabla::multinomial from the default generator, or takes the argmax when
/// temperature is 0. No graph is recorded.
Tensor sample(const Tensor& logits, const SamplingOptions& options = {});

}  // namespace utils
}  // namespace nn
}  // namespace nabla
