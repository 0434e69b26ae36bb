// A character-level language model: Embedding -> LSTM -> Linear, trained to predict the next
// byte of a text, then used to write new text. By default it learns Debian's `fortunes`.
//   nabla_example_char_lm                                  # train on /usr/share/games/fortunes
//   nabla_example_char_lm my_book.txt --steps 2000         # or on any text files / folders
//   nabla_example_char_lm --generate 400 --prompt "The " --temperature 0.8 --top-k 20
//   mpirun -np 2 nabla_example_char_lm --distributed --threads 1   # data-parallel: each process
//                                         # reads its own batch-size streams of the text
// The last 10% of every file is held out for validation. The rest is cut into records (a
// fortune ends with a line "%"), shuffled with the seed, and read as batch-size parallel
// streams, seq-len characters of each per step, carrying the LSTM state from one step to the
// next (truncated backpropagation through time). The loss is the cross-entropy of every next
// character (nats; bits per character = nats / ln 2). The checkpoint holds the model, the
// optimizer, the vocabulary and the model's shape, so --generate needs nothing else.
#include <nabla/checkpoint.h>
#include <nabla/nabla.h>
#include <nabla/nn/utils/clip_grad.h>
#include <nabla/nn/utils/sampling.h>
#include <nabla/train.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string_view>
#include "char_corpus.h"
#include "data_parallel.h"

namespace fs = std::filesystem;
namespace nn = nabla::nn;
namespace F = nabla::nn::functional;
using nabla::Tensor;
using State = std::tuple<Tensor, Tensor>;  // the LSTM's (h, c)
using char_corpus::Corpus;
using char_corpus::kDefaultCorpus;
using char_corpus::read_corpus;
using char_corpus::shuffled_text;
using char_corpus::Vocab;

constexpr const char* kFormat = "nabla-char-lm-1";  // checkpoint metadata "format"

struct Config {
  std::vector<std::string> paths = {kDefaultCorpus};
  int64_t hidden = 256, embedding = 64, layers = 1;
  int64_t seq_len = 64, batch_size = 32, steps = 5000, eval_every = 500;
  double lr = 2e-3, clip = 1.0;
  uint64_t seed = 0;
  int threads = 0;
  std::string checkpoint = "char_lm.ckpt", curves = "char_lm";
  int64_t generate = 0, top_k = 0;  // generate > 0: only write text from the checkpoint
  std::string prompt;
  double temperature = 0.8;
  bool distributed = false;
};

// ---- model -----------------------------------------------------------------------------

struct ModelShape {
  int64_t vocab, embedding, hidden, layers;
};

/// Embedding(V, E) -> LSTM(E, H, layers) -> Linear(H, V): logits of the next character.
struct CharLMImpl : nn::Module {
  explicit CharLMImpl(const ModelShape& s) {
    // batch_first: tokens come as [B, T], as the batches are built.
    auto lstm_options =
        nn::LSTMOptions(s.embedding, s.hidden).num_layers(s.layers).batch_first(true);
    embed = register_module("embed", nn::Embedding(s.vocab, s.embedding));
    lstm = register_module("lstm", nn::LSTM(lstm_options));
    head = register_module("head", nn::Linear(s.hidden, s.vocab));
  }

  /// tokens [B, T] -> logits [B, T, V] and the state after the last step.
  std::tuple<Tensor, State> forward(const Tensor& tokens, std::optional<State> state = {}) {
    auto [out, next_state] = lstm(embed(tokens), state);
    return {head(out), next_state};
  }

  nn::Embedding embed{nullptr};
  nn::LSTM lstm{nullptr};
  nn::Linear head{nullptr};
};
NABLA_MODULE(CharLM);

// ---- batches and evaluation ------------------------------------------------------------

/// The text cut into `count` contiguous streams, one per row: [count, L + 1]. Row i continues
/// where it left off from one batch to the next, so the LSTM state can be carried along it.
Tensor streams(const Tensor& data, int64_t count) {
  const int64_t length = (data.size(0) - 1) / count;
  std::vector<Tensor> rows;
  for (int64_t i = 0; i < count; ++i) rows.push_back(data.narrow(0, i * length, length + 1));
  return nabla::stack(rows);
}

using DDP = nn::parallel::DistributedDataParallel<CharLM>;

/// Mean next-character cross-entropy of token rows [B, T + 1] (column t is the input at step t,
/// column t + 1 its target), every step counted, starting from `state`; and the state after.
/// Through `ddp` when given (training with --distributed: backward averages the gradients).
std::tuple<Tensor, State> sequence_loss(CharLM& model, const Tensor& batch,
                                        std::optional<State> state, DDP* ddp = nullptr) {
  const int64_t steps = batch.size(1) - 1;
  Tensor inputs = batch.narrow(1, 0, steps), targets = batch.narrow(1, 1, steps);
  auto [logits, next_state] = ddp ? (*ddp)(inputs, state) : model->forward(inputs, state);
  Tensor loss = F::cross_entropy(logits.reshape({-1, logits.size(-1)}), targets.reshape({-1}));
  return {loss, next_state};
}

/// Loss per character over the whole held-out text, read as streams in chunks of 256 steps
/// with the state carried (as in training, every character is predicted with its context).
/// With --distributed, each rank reads its block of the streams and the sums are reduced.
double evaluate(CharLM& model, const Tensor& held_out) {
  nabla::NoGradGuard no_grad;
  model->eval();
  const auto [from, to] = data_parallel::shard(held_out.size(0));
  const Tensor rows = held_out.narrow(0, from, to - from);
  double loss_sum = 0, count = 0;  // over every predicted character
  std::optional<State> state;
  const int64_t length = held_out.size(1) - 1;
  for (int64_t t = 0; rows.size(0) > 0 && t < length; t += 256) {
    const int64_t steps = std::min<int64_t>(256, length - t);
    auto [chunk_loss, next] = sequence_loss(model, rows.narrow(1, t, steps + 1), state);
    const double chars = static_cast<double>(steps * rows.size(0));
    loss_sum += chunk_loss.item<double>() * chars;
    count += chars;
    state = next;
  }
  model->train();
  const auto total = data_parallel::sum_over_ranks({loss_sum, count});
  return total[0] / total[1];
}

// ---- checkpoint ------------------------------------------------------------------------

/// One safetensors file: "model.*" and "optimizer.*" state, the vocabulary bytes as a uint8
/// tensor, and the model's shape in the metadata, written atomically.
void save_checkpoint(const std::string& path, CharLM& model, const nabla::optim::Optimizer& opt,
                     const Vocab& vocab, const ModelShape& shape, int64_t step) {
  nabla::NamedTensors all;
  for (auto& [k, v] : nn::state_dict(*model)) all.emplace_back("model." + k, v);
  for (auto& [k, v] : opt.state_dict()) all.emplace_back("optimizer." + k, v);
  std::vector<uint8_t> bytes(vocab.chars().begin(), vocab.chars().end());
  all.emplace_back("vocab", nabla::tensor(bytes, nabla::kByte));
  nabla::save(all, path,
              {{"format", kFormat},
               {"embedding", std::to_string(shape.embedding)},
               {"hidden", std::to_string(shape.hidden)},
               {"layers", std::to_string(shape.layers)},
               {"step", std::to_string(step)}});
}

struct Loaded {
  Vocab vocab;
  ModelShape shape;
  nabla::NamedTensors model_state;
};

Loaded load_checkpoint(const std::string& path) {
  if (!fs::exists(path))
    throw nabla::Error("no checkpoint '" + path + "': train a model first (or pass --checkpoint)");
  std::map<std::string, std::string> meta;
  nabla::NamedTensors all = nabla::load_safetensors(path, &meta);
  if (meta["format"] != kFormat)
    throw nabla::Error("'" + path + "' is not a char_lm checkpoint (format '" + meta["format"] +
                       "', expected '" + kFormat + "')");
  Loaded out{Vocab(""), {}, {}};
  for (auto& [k, v] : all) {
    if (k == "vocab") {
      Tensor b = v.contiguous();
      out.vocab = Vocab(std::string(b.data_ptr<uint8_t>(), b.data_ptr<uint8_t>() + b.numel()));
    } else if (k.rfind("model.", 0) == 0) {
      out.model_state.emplace_back(k.substr(6), v);
    }
  }
  if (out.vocab.size() == 0) throw nabla::Error("'" + path + "' has no vocabulary");
  auto size = [&](const std::string& key) {
    try {
      return std::stoll(meta.at(key));
    } catch (const std::exception&) {
      throw nabla::Error("'" + path + "' has no valid '" + key + "' in its metadata");
    }
  };
  out.shape = {out.vocab.size(), size("embedding"), size("hidden"), size("layers")};
  return out;
}

// ---- generation ------------------------------------------------------------------------

/// `count` characters after `prompt`: the prompt sets the LSTM's state, then each sampled
/// character is fed back in, one step at a time.
std::string generate(CharLM& model, const Vocab& vocab, const std::string& prompt, int64_t count,
                     const nn::utils::SamplingOptions& sampling) {
  nabla::NoGradGuard no_grad;
  model->eval();
  auto [logits, state] = model->forward(vocab.encode(prompt).unsqueeze(0));
  std::string text;
  for (int64_t i = 0; i < count; ++i) {
    Tensor next = nn::utils::sample(logits.select(1, -1), sampling);  // [1]
    text += vocab.decode(next.item<int64_t>());
    std::tie(logits, state) = model->forward(next.view({1, 1}), state);
  }
  model->train();
  return text;
}

/// The prompt to start from: the user's, or a newline (fortunes start on a new line).
std::string start_prompt(const Config& c, const Vocab& vocab) {
  if (!c.prompt.empty()) return c.prompt;
  return vocab.contains('\n') ? "\n" : std::string(1, vocab.chars()[0]);
}

// ---- the two modes ---------------------------------------------------------------------

/// Writes text from a checkpoint. Shape options given on the command line must match it.
int run_generate(const Config& c, const CLI::App& app) {
  Loaded ckpt = load_checkpoint(c.checkpoint);
  const std::pair<const char*, std::pair<int64_t, int64_t>> given[] = {
      {"--embedding", {c.embedding, ckpt.shape.embedding}},
      {"--hidden", {c.hidden, ckpt.shape.hidden}},
      {"--layers", {c.layers, ckpt.shape.layers}}};
  for (const auto& [flag, values] : given)
    if (app.count(flag) && values.first != values.second)
      throw nabla::Error("checkpoint '" + c.checkpoint + "' was trained with " + flag + " " +
                         std::to_string(values.second) + ", not " + std::to_string(values.first));
  CharLM model(ckpt.shape);
  nn::load_state_dict(*model, ckpt.model_state);
  nabla::manual_seed(c.seed);
  const std::string prompt = start_prompt(c, ckpt.vocab);
  const auto sampling = nn::utils::SamplingOptions().temperature(c.temperature).top_k(c.top_k);
  std::string text = generate(model, ckpt.vocab, prompt, c.generate, sampling);
  std::fwrite(prompt.data(), 1, prompt.size(), stdout);
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::printf("\n");
  return 0;
}

/// The corpus and model lines (rank 0's).
void print_setup(const Config& c, const Corpus& corpus, const Vocab& vocab, CharLM& model) {
  std::printf("corpus: %zu files, %lld bytes (%lld for training, %lld held out), %lld distinct\n",
              corpus.file_count, static_cast<long long>(corpus.size()),
              static_cast<long long>(corpus.train_size),
              static_cast<long long>(corpus.held_out.size()), static_cast<long long>(vocab.size()));
  std::printf("model: embedding %lld, LSTM %lld x %lld, %lld parameters\n",
              static_cast<long long>(c.embedding), static_cast<long long>(c.layers),
              static_cast<long long>(c.hidden),
              static_cast<long long>(nabla::train::count_parameters(*model)));
  if (data_parallel::group())
    std::printf("distributed: %d processes, %lld streams per process and step\n",
                data_parallel::world(), static_cast<long long>(c.batch_size));
}

int run_train(const Config& c) {
  if (c.distributed)
    data_parallel::group() = nabla::distributed::ProcessGroupMPI::createProcessGroupMPI();
  const int world = data_parallel::world();
  const bool rank0 = data_parallel::rank() == 0;
  nabla::manual_seed(c.seed);
  const Corpus corpus = read_corpus(c.paths);
  const std::string train_text = shuffled_text(corpus.train_records);
  const Vocab vocab = Vocab::of_text(train_text + corpus.held_out);
  const int64_t n = corpus.size(), n_val = static_cast<int64_t>(corpus.held_out.size()),
                n_train = corpus.train_size;
  if (n_val < c.seq_len + 1)
    throw nabla::Error("the text is too short: " + std::to_string(n) + " bytes; --seq-len " +
                       std::to_string(c.seq_len) + " needs at least " +
                       std::to_string(10 * (c.seq_len + 1)) + " (10% is held out)");
  const int64_t min_train = c.batch_size * world * (c.seq_len + 1) + 1;
  if (n_train < min_train)
    throw nabla::Error("the text is too short: " + std::to_string(n) + " bytes; --batch-size " +
                       std::to_string(c.batch_size) + " streams" +
                       (world > 1 ? " x " + std::to_string(world) + " processes" : "") +
                       " of --seq-len " + std::to_string(c.seq_len) + " need " +
                       std::to_string(min_train) + " for training, after 10% held out");
  // Training: batch_size streams (per process: rank r reads rows r * batch_size.. of
  // batch_size x world streams, the same text as one process with batch_size x world), each
  // step the next seq_len characters of every stream.
  // Held out: up to 32 streams, read through at every evaluation.
  const Tensor train = streams(vocab.encode(train_text), c.batch_size * world)
                           .narrow(0, c.batch_size * data_parallel::rank(), c.batch_size);
  const Tensor held_out =
      streams(vocab.encode(corpus.held_out), std::clamp<int64_t>(n_val / (c.seq_len + 1), 1, 32));
  const ModelShape shape{vocab.size(), c.embedding, c.hidden, c.layers};
  CharLM model(shape);
  nabla::optim::Adam opt(model->parameters(), nabla::optim::AdamOptions(c.lr));
  std::optional<DDP> ddp;  // every rank starts from rank 0's parameters
  if (data_parallel::group()) ddp.emplace(model, data_parallel::group());
  if (rank0) print_setup(c, corpus, vocab, model);
  double val_loss = evaluate(model, held_out);
  if (rank0) std::printf("step 0  val loss %.4f (%.3f bpc)\n", val_loss, val_loss / std::log(2.0));
  std::fflush(stdout);
  nabla::train::Curves curves;
  double train_seconds = 0;
  int64_t position = 0;  // in the training streams
  std::optional<State> state;
  for (int64_t done = 0; done < c.steps;) {
    // One progress bar per stretch between evaluations, so eval lines never cut through one.
    const int64_t stretch = std::min(c.eval_every, c.steps - done);
    std::optional<nabla::train::ProgressBar> bar;  // rank 0's only
    if (rank0)
      bar.emplace(stretch,
                  "steps " + std::to_string(done + 1) + "-" + std::to_string(done + stretch));
    nabla::train::RunningMean train_loss;
    const auto t0 = std::chrono::steady_clock::now();
    for (int64_t s = 0; s < stretch; ++s) {
      // Truncated backpropagation through time: the state flows on from the previous chunk of
      // each stream, detached, so gradients stop at the chunk's start. At the streams' end,
      // start over from a zero state.
      if (position + c.seq_len + 1 > train.size(1)) position = 0, state.reset();
      auto [loss, next] = sequence_loss(model, train.narrow(1, position, c.seq_len + 1), state,
                                        ddp ? &*ddp : nullptr);
      state = State{std::get<0>(next).detach(), std::get<1>(next).detach()};
      position += c.seq_len;
      opt.zero_grad();
      loss.backward();
      nn::utils::clip_grad_norm_(model->parameters(), c.clip);  // LSTMs have gradient spikes
      opt.step();
      train_loss.add(loss.item<double>());
      if (bar)
        bar->update(1, {{"loss", train_loss.mean()}, {"bpc", train_loss.mean() / std::log(2.0)}});
    }
    if (bar) bar->finish();
    train_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    done += stretch;
    // The ranks' mean losses over equally many characters: their mean is the global mean.
    const double mean_loss = data_parallel::sum_over_ranks({train_loss.mean()})[0] / world;
    val_loss = evaluate(model, held_out);
    if (!rank0) continue;  // rank 0 alone reports and writes files
    std::printf("step %lld  train loss %.4f (%.3f bpc)  val loss %.4f (%.3f bpc)  %.1f ms/step\n",
                static_cast<long long>(done), mean_loss, mean_loss / std::log(2.0), val_loss,
                val_loss / std::log(2.0), 1000 * train_seconds / done);
    std::fflush(stdout);
    save_checkpoint(c.checkpoint, model, opt, vocab, shape, done);
    curves.add(done, {{"train_loss", mean_loss}, {"val_loss", val_loss}});
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
              generate(model, vocab, prompt, 300, sampling).c_str());
  return 0;
}

int main(int argc, char** argv) {
  Config c;
  CLI::App app{"Train a character-level LSTM language model with nabla, or write text with one"};
  app.add_option("text", c.paths, "Text files or folders (default: Debian's fortunes)")
      ->capture_default_str();
  app.add_option("--embedding", c.embedding, "Embedding size")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--hidden", c.hidden, "LSTM hidden size")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--layers", c.layers, "LSTM layers")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--seq-len", c.seq_len, "Characters per training window")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--batch-size", c.batch_size, "Windows per step")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--steps", c.steps, "Training steps")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--lr", c.lr, "Adam learning rate")->capture_default_str();
  app.add_option("--clip", c.clip, "Gradient norm clipping")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--eval-every", c.eval_every, "Steps between validations and checkpoints")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--seed", c.seed, "Random seed (batches, initialization, sampling)")
      ->capture_default_str();
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
  app.add_flag("--distributed", c.distributed,
               "Data-parallel over the processes of `mpirun -np N` (batch-size streams per "
               "process)");
  CLI11_PARSE(app, argc, argv);
  try {
    if (c.threads > 0) nabla::set_num_threads(c.threads);
    return app.count("--generate") ? run_generate(c, app) : run_train(c);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    data_parallel::abort_job();
    return 1;
  }
}
