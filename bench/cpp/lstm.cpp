// Workload 2: one training step of a character-level LSTM: Embedding(V, 64), LSTM(64, 256),
// Linear(256, V), sequence 64, batch 32 (time-major, LibTorch's default), cross-entropy, Adam.
// The tokens are random: only the time of a step is measured.
#include "common.h"

#if defined(BENCH_TORCH) || __has_include(<nabla/nn/rnn.h>)
#define BENCH_HAVE_LSTM 1
#endif
#if !defined(BENCH_TORCH) && defined(BENCH_HAVE_LSTM)
#include <nabla/nn/rnn.h>
#endif

#ifdef BENCH_HAVE_LSTM
namespace {

const int64_t kVocab = 96, kSeq = 64, kBatch = 32;

struct CharModelImpl : fw::nn::Module {
  CharModelImpl()
      : embed(register_module("embed", fw::nn::Embedding(kVocab, 64))),
        lstm(register_module("lstm", fw::nn::LSTM(fw::nn::LSTMOptions(64, 256)))),
        head(register_module("head", fw::nn::Linear(256, kVocab))) {}

  fw::Tensor forward(const fw::Tensor& tokens) {
    fw::Tensor h = std::get<0>(lstm->forward(embed->forward(tokens)));
    return head->forward(h);
  }

  fw::nn::Embedding embed;
  fw::nn::LSTM lstm;
  fw::nn::Linear head;
};

}  // namespace
#endif

int main(int argc, char** argv) try {
  bench::Args args = bench::parse_args(argc, argv);
  bench::configure(args);
#ifndef BENCH_HAVE_LSTM
  std::printf(
      "{\"workload\": \"lstm\", \"case\": \"step\", \"framework\": \"%s\", "
      "\"threads\": %d, \"unavailable\": \"nabla::nn::LSTM (nabla/nn/rnn.h) missing\"}\n",
      bench::kFramework, args.threads);
  return 0;
#else
  fw::manual_seed(0);
  auto model = std::make_shared<CharModelImpl>();
  fw::optim::Adam opt(model->parameters(), fw::optim::AdamOptions(1e-3));
  fw::Tensor tokens = fw::randint(kVocab, {kSeq, kBatch});
  fw::Tensor targets = fw::randint(kVocab, {kSeq, kBatch});
  auto step = [&] {
    opt.zero_grad();
    fw::Tensor logits = model->forward(tokens);
    fw::Tensor loss =
        fw::nn::functional::cross_entropy(logits.reshape({-1, kVocab}), targets.reshape({-1}));
    loss.backward();
    opt.step();
  };
  for (int i = 0; i < 3; ++i) step();  // warm-up: allocator, Adam state, thread pools
  const double once = bench::time_reps(1, 1, step)[0];
  const int inner = bench::calls_for(once, args.quick ? 0.2 : 1.0);
  bench::emit("lstm", "step", args, bench::time_reps(args.reps, inner, step));
  return 0;
#endif
} catch (const std::exception& e) {
  std::fprintf(stderr, "lstm: %s\n", e.what());
  return 1;
}
