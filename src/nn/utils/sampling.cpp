// Next-token sampling: temperature, top-k, multinomial (see nabla/nn/utils/sampling.h).
#include "nabla/nn/utils/sampling.h"

#include <cmath>
#include <limits>

#include "core/check.h"
#include "nabla/autograd.h"
#include "nabla/ops.h"

namespace nabla::nn::utils {

namespace {

void check_logits(const Tensor& logits, const char* op) {
  NABLA_CHECK(logits.defined(), "[{}] expected defined logits", op);
  NABLA_CHECK(logits.dim() == 1 || logits.dim() == 2,
              "[{}] expected logits of shape [V] or [B, V], got {}", op, logits.sizes());
  NABLA_CHECK(logits.is_floating_point(), "[{}] expected floating point logits, got {}", op,
              logits.scalar_type());
  NABLA_CHECK(logits.size(-1) > 0, "[{}] expected a non-empty vocabulary, got logits {}", op,
              logits.sizes());
}

void check_options(const SamplingOptions& o, const char* op) {
  NABLA_CHECK(std::isfinite(o.temperature()) && o.temperature() >= 0,
              "[{}] temperature must be finite and >= 0 (0 is greedy), got {}", op,
              o.temperature());
  NABLA_CHECK(o.top_k() >= 0, "[{}] top_k must be >= 0 (0 keeps every token), got {}", op,
              o.top_k());
}

}  // namespace

Tensor top_k_filter(const Tensor& logits, int64_t k) {
  check_logits(logits, "top_k_filter");
  NABLA_CHECK(k >= 0, "[top_k_filter] k must be >= 0 (0 keeps every token), got {}", k);
  if (k == 0 || k >= logits.size(-1)) return logits;
  // A mask of exactly the k chosen positions: a threshold at the k-th value would keep every
  // token tied with it.
  Tensor kept = std::get<1>(logits.topk(k, -1));
  Tensor mask = zeros(logits.sizes(), logits.options())
                    .scatter_add(-1, kept, ones_like(kept, logits.options()));
  return logits.masked_fill(mask.eq(0), -std::numeric_limits<double>::infinity());
}

Tensor sampling_probs(const Tensor& logits, const SamplingOptions& options) {
  check_logits(logits, "sampling_probs");
  check_options(options, "sampling_probs");
  NABLA_CHECK(options.temperature() > 0,
              "[sampling_probs] temperature must be > 0 (0 is greedy and has no distribution)");
  return (top_k_filter(logits, options.top_k()) / options.temperature()).softmax(-1);
}

Tensor sample(const Tensor& logits, const SamplingOptions& options) {
  check_logits(logits, "sample");
  check_options(options, "sample");
  NoGradGuard no_grad;
  if (options.temperature() == 0) return logits.argmax(-1);
  Tensor probs = sampling_probs(logits, options);
  return multinomial(probs, 1).squeeze(-1);
}

}  // namespace nabla::nn::utils
