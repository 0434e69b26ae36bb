// Workload 12: the character-level GPT of examples/char_gpt.cpp at its defaults (kLayers ...
// below): one training step (random windows [batch, context + 1], cross-entropy, backward,
// gradient clipping 1.0, AdamW with weight decay on every parameter: the example's two groups
// cost the same), and greedy generation with the KV cache against rerunning the last context
// characters for every new one. Selected with --only step|generate (both by default).
// nabla's attention is the fused scaled_dot_product_attention; LibTorch 1.13 (Debian's) has
// none, so its build composes it (matmul, mask, softmax, matmul) as PyTorch 1.13 must.
// bench/pytorch/gpt.py is the same step in PyTorch (scripts/char_gpt_torch.py's model).
#include <cmath>

#include "common.h"

namespace {

// examples/char_gpt.cpp's defaults; V = 114 distinct bytes in Debian's fortunes.
constexpr int64_t kVocab = 114, kLayers = 2, kHeads = 4, kWidth = 128, kContext = 64, kBatch = 32;

/// Causal attention of q, k, v [B, H, T, D] (keys may be longer than the queries: they then
/// are a cache, and a single query sees every key).
fw::Tensor attend(const fw::Tensor& q, const fw::Tensor& k, const fw::Tensor& v) {
  const bool causal = q.size(2) > 1;
#ifdef BENCH_TORCH
  fw::Tensor s = q.matmul(k.transpose(-2, -1)) / std::sqrt(static_cast<double>(q.size(-1)));
  if (causal) {
    const int64_t T = q.size(2);
    s = s.masked_fill(fw::ones({T, T}, fw::kBool).triu(1), -INFINITY);
  }
  return s.softmax(-1).matmul(v);
#else
  return fw::nn::functional::scaled_dot_product_attention(q, k, v, {}, 0.0, causal);
#endif
}

/// Keys and values of one layer, [1, H, context, D] each, for the first `length` positions.
struct LayerCache {
  fw::Tensor k, v;
};

struct BlockImpl : fw::nn::Module {
  BlockImpl()
      : ln_1(register_module("ln_1", fw::nn::LayerNorm(fw::nn::LayerNormOptions({kWidth})))),
        c_attn(register_module("c_attn", fw::nn::Linear(kWidth, 3 * kWidth))),
        attn_proj(register_module("attn_proj", fw::nn::Linear(kWidth, kWidth))),
        ln_2(register_module("ln_2", fw::nn::LayerNorm(fw::nn::LayerNormOptions({kWidth})))),
        c_fc(register_module("c_fc", fw::nn::Linear(kWidth, 4 * kWidth))),
        c_proj(register_module("c_proj", fw::nn::Linear(4 * kWidth, kWidth))) {}

  /// x [B, T, C] at positions past..past + T - 1; with a cache, keys and values go there.
  fw::Tensor forward(const fw::Tensor& x, LayerCache* cache, int64_t past) {
    const int64_t B = x.size(0), T = x.size(1), D = kWidth / kHeads;
    std::vector<fw::Tensor> qkv = c_attn->forward(ln_1->forward(x)).chunk(3, -1);
    auto split = [&](const fw::Tensor& t) { return t.view({B, T, kHeads, D}).transpose(1, 2); };
    fw::Tensor q = split(qkv[0]), k = split(qkv[1]), v = split(qkv[2]);
    if (cache) {
      cache->k.narrow(2, past, T).copy_(k);
      cache->v.narrow(2, past, T).copy_(v);
      k = cache->k.narrow(2, 0, past + T);
      v = cache->v.narrow(2, 0, past + T);
    }
    fw::Tensor y = attend(q, k, v).transpose(1, 2).reshape({B, T, kWidth});
    fw::Tensor h = x + attn_proj->forward(y);
    return h + c_proj->forward(fw::gelu(c_fc->forward(ln_2->forward(h)), "tanh"));
  }

  fw::nn::LayerNorm ln_1;
  fw::nn::Linear c_attn, attn_proj;
  fw::nn::LayerNorm ln_2;
  fw::nn::Linear c_fc, c_proj;
};

struct GPTImpl : fw::nn::Module {
  GPTImpl()
      : wte(register_module("wte", fw::nn::Embedding(kVocab, kWidth))),
        wpe(register_module("wpe", fw::nn::Embedding(kContext, kWidth))),
        ln_f(register_module("ln_f", fw::nn::LayerNorm(fw::nn::LayerNormOptions({kWidth})))),
        head(register_module("head",
                             fw::nn::Linear(fw::nn::LinearOptions(kWidth, kVocab).bias(false)))) {
    for (int64_t i = 0; i < kLayers; ++i)
      blocks.push_back(register_module("h" + std::to_string(i), std::make_shared<BlockImpl>()));
  }

  /// tokens [B, T] at positions past.. -> logits [B, T, V].
  fw::Tensor forward(const fw::Tensor& tokens, std::vector<LayerCache>* cache = nullptr,
                     int64_t past = 0) {
    const int64_t T = tokens.size(1);
    fw::Tensor x = wte->forward(tokens) + wpe->forward(fw::arange(past, past + T));
    for (size_t i = 0; i < blocks.size(); ++i)
      x = blocks[i]->forward(x, cache ? &(*cache)[i] : nullptr, past);
    return head->forward(ln_f->forward(x));
  }

  fw::nn::Embedding wte, wpe;
  std::vector<std::shared_ptr<BlockImpl>> blocks;
  fw::nn::LayerNorm ln_f;
  fw::nn::Linear head;
};

// mixed: forward and loss under autocast to bfloat16 ("training step, autocast bf16"). The loss
// after the three warm-up steps (the same steps in every run) is reported, to compare the two.
void step(const bench::Args& args, bool mixed) {
  fw::manual_seed(0);
  auto model = std::make_shared<GPTImpl>();
  fw::optim::AdamW opt(model->parameters(), fw::optim::AdamWOptions(1e-3).weight_decay(0.1));
  const fw::Tensor batch = fw::randint(kVocab, {kBatch, kContext + 1});
  const fw::Tensor inputs = batch.narrow(1, 0, kContext), targets = batch.narrow(1, 1, kContext);
  double last_loss = 0;
  auto train_step = [&] {
    fw::Tensor loss;
    {
      bench::AutocastBF16 autocast(mixed);
      fw::Tensor logits = model->forward(inputs);
      loss = fw::nn::functional::cross_entropy(logits.reshape({-1, kVocab}), targets.reshape({-1}));
    }
    last_loss = loss.item<double>();
    opt.zero_grad();
    loss.backward();
    fw::nn::utils::clip_grad_norm_(model->parameters(), 1.0);
    opt.step();
  };
  for (int i = 0; i < 3; ++i) train_step();  // warm-up: allocator, AdamW state, thread pools
  char loss_s[32];
  std::snprintf(loss_s, sizeof loss_s, "%.5f", last_loss);
  const double once = bench::time_reps(1, 1, train_step)[0];
  const int inner = bench::calls_for(once, args.quick ? 0.3 : 2.0);
  bench::emit("gpt", mixed ? "training step, autocast bf16" : "training step", args,
              bench::time_reps(args.reps, inner, train_step), "", 0,
              {{"tokens", std::to_string(kBatch * kContext)}, {"loss_after_3", loss_s}});
}

/// Writes 4 x context characters greedily after a one-character prompt, as char_gpt's
/// generate(): with the KV cache one position per character, and when the context is full the
/// cache restarts from the last half of the text; without it, every character reruns the last
/// (up to) context characters. Seconds per character.
void generate(const bench::Args& args) {
  fw::manual_seed(0);
  auto model = std::make_shared<GPTImpl>();
  model->eval();
  fw::NoGradGuard no_grad;
  const int64_t count = 4 * kContext, D = kWidth / kHeads;
  auto run = [&](bool use_cache) {
    std::vector<LayerCache> cache;
    for (int64_t i = 0; i < kLayers; ++i)
      cache.push_back({fw::zeros({1, kHeads, kContext, D}), fw::zeros({1, kHeads, kContext, D})});
    fw::Tensor text = fw::zeros({1, 1}, fw::kLong);
    int64_t length = 1;  // positions in the cache
    fw::Tensor logits = model->forward(text, use_cache ? &cache : nullptr, 0);
    for (int64_t i = 0; i < count; ++i) {
      const fw::Tensor next = logits.select(1, -1).argmax(-1).view({1, 1});
      text = fw::cat({text, next}, 1);
      if (use_cache && length < kContext) {
        logits = model->forward(next, &cache, length++);
        continue;
      }
      const int64_t keep = use_cache ? kContext / 2 : std::min(kContext, text.size(1));
      const fw::Tensor window = text.narrow(1, text.size(1) - keep, keep);
      length = keep;
      logits = model->forward(window, use_cache ? &cache : nullptr, 0);
    }
  };
  for (bool use_cache : {true, false}) {
    auto once = [&] { run(use_cache); };
    once();  // warm-up
    std::vector<double> s = bench::time_reps(args.reps, 1, once);
    for (double& x : s) x /= static_cast<double>(count);
    bench::emit("gpt", use_cache ? "generation, KV cache" : "generation, recomputed", args, s, "",
                0, {{"characters", std::to_string(count)}});
  }
}

}  // namespace

int main(int argc, char** argv) try {
  bench::Args args = bench::parse_args(argc, argv);
  bench::configure(args);
  if (args.only.empty() || args.only == "step") step(args, false);
  if (args.only.empty() || args.only == "autocast") step(args, true);
  if (args.only.empty() || args.only == "generate") generate(args);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "gpt: %s\n", e.what());
  return 1;
}
