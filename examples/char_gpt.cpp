// A character-level GPT: token and position embeddings, pre-norm blocks of causal
// self-attention (fused scaled_dot_product_attention) and a GELU MLP, a final LayerNorm and a
// linear head. Same corpus as char_lm (Debian's fortunes, the last 10% of every file held out,
// the rest cut into records and shuffled with the seed); scripts/char_gpt_torch.py is the same
// model and schedule in PyTorch.
//   nabla_example_char_gpt                                 # train on /usr/share/games/fortunes
//   nabla_example_char_gpt --generate 400 --prompt "The " --temperature 0.8 --top-k 20
//   mpirun -np 2 nabla_example_char_gpt --distributed --threads 1   # data-parallel
// Training batches are random windows of context + 1 characters of the shuffled training text;
// validation reads the held-out text as consecutive windows of `context` characters (each
// character predicted from the window's earlier ones). Loss: cross-entropy of the next
// character in nats (bits per character = nats / ln 2). AdamW with weight decay on the
// matrices only, linear warm-up and cosine decay to lr / 10, gradient clipping. Generation
// keeps every layer's keys and values (a KV cache), so each new character costs one position.
// With --distributed, every rank draws the same batch-size x world windows each step (same
// seed) and trains on its own batch-size of them, as one process with batch-size x world would.
#include <nabla/checkpoint.h>
#include <nabla/nabla.h>
#include <nabla/nn/utils/clip_grad.h>
#include <nabla/nn/utils/sampling.h>
#include <nabla/train.h>
#include <CLI/CLI.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>

#include "char_corpus.h"
#include "data_parallel.h"

namespace nn = nabla::nn;
namespace F = nabla::nn::functional;
using char_corpus::Vocab;
using nabla::Tensor;

constexpr const char* kFormat = "nabla-char-gpt-1";

struct Config {
  std::vector<std::string> paths = {char_corpus::kDefaultCorpus};
  // Sized for 10 minutes on 2 cores (README): 2 blocks, context 64, 3000 steps of 32 windows.
  int64_t layers = 2, heads = 4, width = 128, context = 64;
  int64_t batch_size = 32, steps = 3000, eval_every = 500, warmup = 100;
  double lr = 3e-3, weight_decay = 0.1, clip = 1.0;
  int64_t max_eval_windows = 0;  // 0: the whole held-out text
  uint64_t seed = 0;
  int threads = 0;
  std::string checkpoint = "char_gpt.ckpt", curves = "char_gpt";
  int64_t generate = 0, top_k = 0;
  std::string prompt;
  double temperature = 0.8;
  bool no_cache = false;  // generate by recomputing the whole context (for comparison)
  bool distributed = false;
};

struct ModelShape {
  int64_t vocab, layers, heads, width, context;
};

// ---- model -----------------------------------------------------------------------------

/// Keys and values of one layer for the positions seen so far: [B, H, context, D] each.
struct LayerCache {
  Tensor k, v;
};
struct KVCache {
  std::vector<LayerCache> layers;
  int64_t length = 0;  // positions filled
};

/// Causal self-attention: c_attn makes q, k, v; c_proj mixes the heads.
struct AttentionImpl : nn::Module {
  AttentionImpl(int64_t width, int64_t heads) : heads(heads) {
    c_attn = register_module("c_attn", nn::Linear(width, 3 * width));
    c_proj = register_module("c_proj", nn::Linear(width, width));
  }
  /// x [B, T, C] -> [B, T, C]. With a cache, x holds the positions after cache->length.
  Tensor forward(const Tensor& x, LayerCache* cache, int64_t past) {
    const int64_t B = x.size(0), T = x.size(1), C = x.size(2), D = C / heads;
    std::vector<Tensor> qkv = c_attn(x).chunk(3, -1);
    auto split = [&](const Tensor& t) { return t.view({B, T, heads, D}).transpose(1, 2); };
    Tensor q = split(qkv[0]), k = split(qkv[1]), v = split(qkv[2]);  // [B, H, T, D]
    Tensor y;
    if (cache) {  // write this step's keys and values, attend over all positions so far
      cache->k.narrow(2, past, T).copy_(k);
      cache->v.narrow(2, past, T).copy_(v);
      k = cache->k.narrow(2, 0, past + T);
      v = cache->v.narrow(2, 0, past + T);
      // Query i (position past + i) sees keys 0..past + i: causal unless one query.
      Tensor mask;
      if (T > 1)
        mask = nabla::ge(nabla::arange(past, past + T).unsqueeze(1),
                         nabla::arange(past + T).unsqueeze(0));
      y = F::scaled_dot_product_attention(q, k, v, mask);
    } else {
      y = F::scaled_dot_product_attention(q, k, v, {}, 0.0, /*is_causal=*/true);
    }
    return c_proj(y.transpose(1, 2).reshape({B, T, C}));
  }
  int64_t heads;
  nn::Linear c_attn{nullptr}, c_proj{nullptr};
};
NABLA_MODULE(Attention);

/// x + attn(ln_1(x)), then x + mlp(ln_2(x)) with mlp = c_proj(gelu(c_fc(x))).
struct BlockImpl : nn::Module {
  BlockImpl(int64_t width, int64_t heads) {
    ln_1 = register_module("ln_1", nn::LayerNorm(nn::LayerNormOptions({width})));
    attn = register_module("attn", Attention(width, heads));
    ln_2 = register_module("ln_2", nn::LayerNorm(nn::LayerNormOptions({width})));
    c_fc = register_module("c_fc", nn::Linear(width, 4 * width));
    c_proj = register_module("c_proj", nn::Linear(4 * width, width));
  }
  Tensor forward(const Tensor& x, LayerCache* cache, int64_t past) {
    Tensor h = x + attn->forward(ln_1(x), cache, past);
    return h + c_proj(nabla::gelu(c_fc(ln_2(h)), "tanh"));
  }
  nn::LayerNorm ln_1{nullptr}, ln_2{nullptr};
  Attention attn{nullptr};
  nn::Linear c_fc{nullptr}, c_proj{nullptr};
};
NABLA_MODULE(Block);

struct GPTImpl : nn::Module {
  explicit GPTImpl(const ModelShape& s) : shape(s) {
    wte = register_module("wte", nn::Embedding(s.vocab, s.width));
    wpe = register_module("wpe", nn::Embedding(s.context, s.width));
    for (int64_t i = 0; i < s.layers; ++i)
      blocks.push_back(register_module("h" + std::to_string(i), Block(s.width, s.heads)));
    ln_f = register_module("ln_f", nn::LayerNorm(nn::LayerNormOptions({s.width})));
    head = register_module("head", nn::Linear(nn::LinearOptions(s.width, s.vocab).bias(false)));
    init_weights();
  }
  /// GPT-2's initialization: N(0, 0.02) matrices and embeddings, zero biases, and the
  /// residual projections scaled by 1 / sqrt(2 * layers).
  void init_weights() {
    nabla::NoGradGuard no_grad;
    const double proj_std = 0.02 / std::sqrt(2.0 * static_cast<double>(shape.layers));
    for (auto& p : named_parameters()) {
      const std::string& name = p.key();
      if (name.find("ln_") != std::string::npos) continue;  // LayerNorms keep ones / zeros
      if (p.value().dim() == 1) {
        nn::init::zeros_(p.value());
      } else {
        const bool residual = name.size() > 14 && name.substr(name.size() - 14) == ".c_proj.weight";
        nn::init::normal_(p.value(), 0.0, residual ? proj_std : 0.02);
      }
    }
  }
  /// tokens [B, T] at positions past..past + T - 1 -> logits [B, T, V].
  Tensor forward(const Tensor& tokens, KVCache* cache = nullptr) {
    const int64_t past = cache ? cache->length : 0, T = tokens.size(1);
    Tensor x = wte(tokens) + wpe(nabla::arange(past, past + T));
    for (size_t i = 0; i < blocks.size(); ++i)
      x = blocks[i]->forward(x, cache ? &cache->layers[i] : nullptr, past);
    if (cache) cache->length += T;
    return head(ln_f(x));
  }
  KVCache make_cache(int64_t batch) const {
    KVCache c;
    const int64_t D = shape.width / shape.heads;
    for (int64_t i = 0; i < shape.layers; ++i)
      c.layers.push_back({nabla::zeros({batch, shape.heads, shape.context, D}),
                          nabla::zeros({batch, shape.heads, shape.context, D})});
    return c;
  }

  ModelShape shape;
  nn::Embedding wte{nullptr}, wpe{nullptr};
  std::vector<Block> blocks;
  nn::LayerNorm ln_f{nullptr};
  nn::Linear head{nullptr};
};
NABLA_MODULE(GPT);

// ---- batches and evaluation ------------------------------------------------------------

/// batch_size random windows [B, context + 1] of the training tokens.
Tensor random_batch(const Tensor& data, int64_t batch_size, int64_t context) {
  const Tensor starts = nabla::randint(data.size(0) - context, {batch_size});
  std::vector<Tensor> rows;
  for (int64_t i = 0; i < batch_size; ++i)
    rows.push_back(data.narrow(0, starts[i].item<int64_t>(), context + 1));
  return nabla::stack(rows);
}

using DDP = nn::parallel::DistributedDataParallel<GPT>;

/// Mean next-character loss of windows [B, T + 1]; through `ddp` when given (training with
/// --distributed: backward averages the gradients over the ranks).
Tensor batch_loss(GPT& model, const Tensor& batch, DDP* ddp = nullptr) {
  const int64_t T = batch.size(1) - 1;
  Tensor logits = ddp ? (*ddp)(batch.narrow(1, 0, T)) : model->forward(batch.narrow(1, 0, T));
  return F::cross_entropy(logits.reshape({-1, logits.size(-1)}),
                          batch.narrow(1, 1, T).reshape({-1}));
}

/// Mean loss per character over consecutive windows of the held-out tokens. With
/// --distributed, each rank reads its block of the windows and the sums are reduced.
double evaluate(GPT& model, const Tensor& held_out, int64_t context, int64_t max_windows) {
  nabla::NoGradGuard no_grad;
  model->eval();
  int64_t windows = (held_out.size(0) - 1) / context;
  if (max_windows > 0) windows = std::min(windows, max_windows);
  const auto [first, last] = data_parallel::shard(windows);
  double loss_sum = 0, count = 0;  // over every predicted character
  for (int64_t w0 = first; w0 < last; w0 += 64) {
    const int64_t n = std::min<int64_t>(64, last - w0);
    std::vector<Tensor> rows;
    for (int64_t i = 0; i < n; ++i)
      rows.push_back(held_out.narrow(0, (w0 + i) * context, context + 1));
    const double chars = static_cast<double>(n * context);
    loss_sum += batch_loss(model, nabla::stack(rows)).item<double>() * chars;
    count += chars;
  }
  model->train();
  const auto total = data_parallel::sum_over_ranks({loss_sum, count});
  return total[0] / total[1];
}

/// Linear warm-up for `warmup` steps, then cosine decay from lr to lr / 10 at the last step.
double lr_at(const Config& c, int64_t step) {
  if (step < c.warmup) return c.lr * static_cast<double>(step + 1) / static_cast<double>(c.warmup);
  const double progress = static_cast<double>(step - c.warmup) /
                          static_cast<double>(std::max<int64_t>(1, c.steps - c.warmup));
  return c.lr * (0.1 + 0.9 * 0.5 * (1 + std::cos(std::acos(-1.0) * std::min(1.0, progress))));
}

// ---- checkpoint ------------------------------------------------------------------------

void save_checkpoint(const std::string& path, GPT& model, const Vocab& vocab, int64_t step) {
  nabla::NamedTensors all;
  for (auto& [k, v] : nn::state_dict(*model)) all.emplace_back("model." + k, v);
  std::vector<uint8_t> bytes(vocab.chars().begin(), vocab.chars().end());
  all.emplace_back("vocab", nabla::tensor(bytes, nabla::kByte));
  const ModelShape& s = model->shape;
  nabla::save(all, path,
              {{"format", kFormat},
               {"layers", std::to_string(s.layers)},
               {"heads", std::to_string(s.heads)},
               {"width", std::to_string(s.width)},
               {"context", std::to_string(s.context)},
               {"step", std::to_string(step)}});
}

std::pair<GPT, Vocab> load_checkpoint(const std::string& path) {
  if (!std::filesystem::exists(path))
    throw nabla::Error("no checkpoint '" + path + "': train a model first (or pass --checkpoint)");
  std::map<std::string, std::string> meta;
  nabla::NamedTensors all = nabla::load_safetensors(path, &meta);
  if (meta["format"] != kFormat)
    throw nabla::Error("'" + path + "' is not a char_gpt checkpoint (format '" + meta["format"] +
                       "', expected '" + kFormat + "')");
  Vocab vocab("");
  nabla::NamedTensors state;
  for (auto& [k, v] : all) {
    if (k == "vocab") {
      Tensor b = v.contiguous();
      vocab = Vocab(std::string(b.data_ptr<uint8_t>(), b.data_ptr<uint8_t>() + b.numel()));
    } else if (k.rfind("model.", 0) == 0) {
      state.emplace_back(k.substr(6), v);
    }
  }
  auto size = [&](const std::string& key) {
    try {
      return std::stoll(meta.at(key));
    } catch (const std::exception&) {
      throw nabla::Error("'" + path + "' has no valid '" + key + "' in its metadata");
    }
  };
  if (vocab.size() == 0) throw nabla::Error("'" + path + "' has no vocabulary");
  GPT model(
      ModelShape{vocab.size(), size("layers"), size("heads"), size("width"), size("context")});
  nn::load_state_dict(*model, state);
  return {model, vocab};
}

// ---- generation ------------------------------------------------------------------------

/// `count` characters after `prompt`. With the KV cache each step runs one position through
/// the model; when the context is full, the cache restarts from the last half of the text.
/// Without it (use_cache false), every step reruns the whole (last `context`) text.
std::string generate(GPT& model, const Vocab& vocab, const std::string& prompt, int64_t count,
                     const nn::utils::SamplingOptions& sampling, bool use_cache) {
  const int64_t context = model->shape.context;
  Tensor tokens = vocab.encode(prompt);
  if (tokens.size(0) > context)
    throw nabla::Error("[char_gpt] the prompt has " + std::to_string(tokens.size(0)) +
                       " characters, more than the context of " + std::to_string(context));
  if (tokens.size(0) == 0) throw nabla::Error("[char_gpt] the prompt is empty");
  nabla::NoGradGuard no_grad;
  model->eval();
  std::vector<int64_t> all(tokens.data_ptr<int64_t>(), tokens.data_ptr<int64_t>() + tokens.numel());
  KVCache cache = model->make_cache(1);
  Tensor logits = model->forward(tokens.unsqueeze(0), use_cache ? &cache : nullptr);
  std::string text;
  for (int64_t i = 0; i < count; ++i) {
    const Tensor next = nn::utils::sample(logits.select(1, -1), sampling);  // [1]
    const int64_t id = next.item<int64_t>();
    text += vocab.decode(id);
    all.push_back(id);
    if (use_cache && cache.length < context) {
      logits = model->forward(next.view({1, 1}), &cache);
      continue;
    }
    const int64_t keep = use_cache ? context / 2 : std::min<int64_t>(context, all.size());
    const Tensor window =
        nabla::tensor(std::vector<int64_t>(all.end() - keep, all.end()), nabla::kLong);
    cache.length = 0;
    logits = model->forward(window.unsqueeze(0), use_cache ? &cache : nullptr);
  }
  model->train();
  return text;
}

std::string start_prompt(const Config& c, const Vocab& vocab) {
  if (!c.prompt.empty()) return c.prompt;
  return vocab.contains('\n') ? "\n" : std::string(1, vocab.chars()[0]);
}

// ---- the two modes ---------------------------------------------------------------------

int run_generate(const Config& c) {
  auto [model, vocab] = load_checkpoint(c.checkpoint);
  nabla::manual_seed(c.seed);
  const std::string prompt = start_prompt(c, vocab);
  const auto sampling = nn::utils::SamplingOptions().temperature(c.temperature).top_k(c.top_k);
  const auto t0 = std::chrono::steady_clock::now();
  const std::string text = generate(model, vocab, prompt, c.generate, sampling, !c.no_cache);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::fwrite(prompt.data(), 1, prompt.size(), stdout);
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::printf("\n");
  std::fprintf(stderr, "%lld characters in %.3f s (%.0f per second, %s)\n",
               static_cast<long long>(c.generate), s, static_cast<double>(c.generate) / s,
               c.no_cache ? "recomputing the context" : "KV cache");
  return 0;
}

/// The corpus and model lines (rank 0's).
void print_setup(const Config& c, const char_corpus::Corpus& corpus, const Vocab& vocab,
                 GPT& model) {
  std::printf("corpus: %zu files, %lld bytes (%lld for training, %lld held out), %lld distinct\n",
              corpus.file_count, static_cast<long long>(corpus.size()),
              static_cast<long long>(corpus.train_size),
              static_cast<long long>(corpus.held_out.size()), static_cast<long long>(vocab.size()));
  std::printf("model: %lld layers, %lld heads, width %lld, context %lld, %lld parameters\n",
              static_cast<long long>(c.layers), static_cast<long long>(c.heads),
              static_cast<long long>(c.width), static_cast<long long>(c.context),
              static_cast<long long>(nabla::train::count_parameters(*model)));
  if (data_parallel::group())
    std::printf("distributed: %d processes, %lld windows per process and step\n",
                data_parallel::world(), static_cast<long long>(c.batch_size));
}

int run_train(const Config& c) {
  if (c.distributed)
    data_parallel::group() = nabla::distributed::ProcessGroupMPI::createProcessGroupMPI();
  const int world = data_parallel::world();
  const bool rank0 = data_parallel::rank() == 0;
  nabla::manual_seed(c.seed);
  const char_corpus::Corpus corpus = char_corpus::read_corpus(c.paths);
  const std::string train_text = char_corpus::shuffled_text(corpus.train_records);
  const Vocab vocab = Vocab::of_text(train_text + corpus.held_out);
  const int64_t n_val = static_cast<int64_t>(corpus.held_out.size());
  if (n_val < c.context + 1 || corpus.train_size < c.context + 2)
    throw nabla::Error("the text is too short: " + std::to_string(corpus.size()) +
                       " bytes; --context " + std::to_string(c.context) + " needs at least " +
                       std::to_string(10 * (c.context + 1)) + " (10% is held out)");
  if (c.width % c.heads != 0)
    throw nabla::Error("--width " + std::to_string(c.width) + " must be divisible by --heads " +
                       std::to_string(c.heads));
  const Tensor train = vocab.encode(train_text), held_out = vocab.encode(corpus.held_out);
  GPT model(ModelShape{vocab.size(), c.layers, c.heads, c.width, c.context});
  // Weight decay on matrices only (not on biases, LayerNorms), as GPT-2 / nanoGPT.
  std::vector<Tensor> decay, no_decay;
  for (auto& p : model->named_parameters())
    (p.value().dim() >= 2 && p.key().find("ln_") == std::string::npos ? decay : no_decay)
        .push_back(p.value());
  std::vector<nabla::optim::OptimizerParamGroup> groups;
  groups.emplace_back(decay, std::make_unique<nabla::optim::AdamWOptions>(
                                 nabla::optim::AdamWOptions(c.lr).weight_decay(c.weight_decay)));
  groups.emplace_back(no_decay, std::make_unique<nabla::optim::AdamWOptions>(
                                    nabla::optim::AdamWOptions(c.lr).weight_decay(0.0)));
  nabla::optim::AdamW opt(groups, nabla::optim::AdamWOptions(c.lr));
  std::optional<DDP> ddp;  // every rank starts from rank 0's parameters
  if (data_parallel::group()) ddp.emplace(model, data_parallel::group());
  if (rank0) print_setup(c, corpus, vocab, model);
  double val_loss = evaluate(model, held_out, c.context, c.max_eval_windows);
  if (rank0) std::printf("step 0  val loss %.4f (%.3f bpc)\n", val_loss, val_loss / std::log(2.0));
  std::fflush(stdout);
  nabla::train::Curves curves;
  double train_seconds = 0;
  for (int64_t done = 0; done < c.steps;) {
    const int64_t stretch = std::min(c.eval_every, c.steps - done);
    std::optional<nabla::train::ProgressBar> bar;  // rank 0's only
    if (rank0)
      bar.emplace(stretch,
                  "steps " + std::to_string(done + 1) + "-" + std::to_string(done + stretch));
    nabla::train::RunningMean train_loss;
    const auto t0 = std::chrono::steady_clock::now();
    for (int64_t s = 0; s < stretch; ++s) {
      for (auto& g : opt.param_groups()) g.options().set_lr(lr_at(c, done + s));
      // The global batch, the same on every rank; this rank's rows of it.
      const Tensor batch = random_batch(train, c.batch_size * world, c.context)
                               .narrow(0, c.batch_size * data_parallel::rank(), c.batch_size);
      Tensor loss = batch_loss(model, batch, ddp ? &*ddp : nullptr);
      opt.zero_grad();
      loss.backward();
      nn::utils::clip_grad_norm_(model->parameters(), c.clip);
      opt.step();
      train_loss.add(loss.item<double>());
      if (bar)
        bar->update(1, {{"loss", train_loss.mean()}, {"bpc", train_loss.mean() / std::log(2.0)}});
    }
    if (bar) bar->finish();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    train_seconds += seconds;
    done += stretch;
    // The ranks' mean losses over equally many characters: their mean is the global mean.
    const double mean_loss = data_parallel::sum_over_ranks({train_loss.mean()})[0] / world;
    val_loss = evaluate(model, held_out, c.context, c.max_eval_windows);
    if (!rank0) continue;  // rank 0 alone reports and writes files
    std::printf(
        "step %lld  train loss %.4f (%.3f bpc)  val loss %.4f (%.3f bpc)  %.1f ms/step  "
        "%.0f s\n",
        static_cast<long long>(done), mean_loss, mean_loss / std::log(2.0), val_loss,
        val_loss / std::log(2.0), 1000 * seconds / stretch, train_seconds);
    std::fflush(stdout);
    save_checkpoint(c.checkpoint, model, vocab, done);
    curves.add(done,
               {{"train_loss", mean_loss}, {"val_loss", val_loss}, {"seconds", train_seconds}});
    curves.write_csv(c.curves + ".csv");
    curves.write_svg(c.curves + ".svg");
  }
  data_parallel::barrier();  // no rank exits while rank 0 still writes
  if (!rank0) return 0;
  std::printf(
      "final val loss %.4f (%.3f bpc) after %lld steps, %.1f ms/step; saved %s, %s.csv, "
      "%s.svg\n",
      val_loss, val_loss / std::log(2.0), static_cast<long long>(c.steps),
      1000 * train_seconds / std::max<int64_t>(c.steps, 1), c.checkpoint.c_str(), c.curves.c_str(),
      c.curves.c_str());
  const std::string prompt = start_prompt(c, vocab);
  const auto sampling = nn::utils::SamplingOptions().temperature(c.temperature).top_k(c.top_k);
  std::printf("sample:\n%s%s\n", prompt.c_str(),
              generate(model, vocab, prompt, 300, sampling, true).c_str());
  return 0;
}

int main(int argc, char** argv) {
  Config c;
  CLI::App app{"Train a character-level GPT with nabla, or write text with one"};
  app.add_option("text", c.paths, "Text files or folders (default: Debian's fortunes)")
      ->capture_default_str();
  auto positive = [&](const char* flag, int64_t& v, const char* what) {
    app.add_option(flag, v, what)->capture_default_str()->check(CLI::PositiveNumber);
  };
  positive("--layers", c.layers, "Transformer blocks");
  positive("--heads", c.heads, "Attention heads");
  positive("--width", c.width, "Model width (embedding size)");
  positive("--context", c.context, "Context length (characters)");
  positive("--batch-size", c.batch_size, "Windows per step");
  positive("--steps", c.steps, "Training steps");
  positive("--eval-every", c.eval_every, "Steps between validations and checkpoints");
  app.add_option("--warmup", c.warmup, "Warm-up steps")->capture_default_str();
  app.add_option("--eval-windows", c.max_eval_windows, "Held-out windows per evaluation (0: all)")
      ->capture_default_str();
  app.add_option("--lr", c.lr, "AdamW peak learning rate")->capture_default_str();
  app.add_option("--weight-decay", c.weight_decay, "AdamW weight decay")->capture_default_str();
  app.add_option("--clip", c.clip, "Gradient norm clipping")->capture_default_str();
  app.add_option("--seed", c.seed, "Random seed")->capture_default_str();
  app.add_option("--threads", c.threads, "Threads (0: all cores)")->capture_default_str();
  app.add_option("--checkpoint", c.checkpoint, "Checkpoint file")->capture_default_str();
  app.add_option("--curves", c.curves, "Prefix of the curves' .csv and .svg")
      ->capture_default_str();
  app.add_option("--generate", c.generate, "Write N characters from --checkpoint (no training)")
      ->check(CLI::PositiveNumber);
  app.add_option("--prompt", c.prompt, "Text to start from (default: a newline)");
  app.add_option("--temperature", c.temperature, "Sampling temperature (0: greedy)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--top-k", c.top_k, "Sample among the k most likely characters (0: all)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_flag("--no-cache", c.no_cache, "Generate by recomputing the context (no KV cache)");
  app.add_flag("--distributed", c.distributed,
               "Data-parallel over the processes of `mpirun -np N` (batch-size windows per "
               "process)");
  CLI11_PARSE(app, argc, argv);
  try {
    if (c.threads > 0) nabla::set_num_threads(c.threads);
    return app.count("--generate") ? run_generate(c) : run_train(c);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    data_parallel::abort_job();
    return 1;
  }
}
