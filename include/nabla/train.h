// Training utilities: a progress bar, running metrics, a model summary and training curves
// (CSV and an SVG plot). nabla's own addition; LibTorch has no equivalent.
//   nabla::train::ProgressBar bar(loader.size(), "epoch 1/5");
//   for (auto& batch : loader) { ...; bar.update(1, {{"loss", running.mean()}}); }
//   bar.finish();
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "nabla/nn/module.h"
#include "nabla/tensor.h"

namespace nabla {
namespace train {

/// A progress bar on a stream. On a terminal it redraws one line in place; otherwise (a log
/// file, CI) it prints a plain line every `plain_interval_s` seconds and at the end.
class ProgressBar {
 public:
  ProgressBar(int64_t total, std::string label, std::ostream* out = nullptr,
              double plain_interval_s = 5.0);
  /// Advances by `n` steps and shows `metrics` (name, value) beside the bar.
  void update(int64_t n = 1, const std::vector<std::pair<std::string, double>>& metrics = {});
  /// Draws the final state and ends the line.
  void finish();
  /// Steps per second so far.
  double rate() const;
  double elapsed_seconds() const;
  /// The line as it is drawn now (without carriage return), e.g.
  /// "epoch 1 [=====>    ] 470/938 50% 812.3 it/s ETA 0:01 loss 0.5231".
  std::string line() const;

 private:
  int64_t total_, done_ = 0;
  std::string label_;
  std::ostream* out_;
  bool tty_;
  double plain_interval_s_;
  std::chrono::steady_clock::time_point start_, last_draw_;
  std::vector<std::pair<std::string, double>> metrics_;
  bool finished_ = false;
};

/// A running mean weighted by counts: add(batch_loss, batch_size).
class RunningMean {
 public:
  void add(double value, int64_t count = 1) {
    sum_ += value * static_cast<double>(count);
    count_ += count;
  }
  double mean() const { return count_ ? sum_ / static_cast<double>(count_) : 0.0; }
  int64_t count() const { return count_; }
  void reset() { sum_ = 0, count_ = 0; }

 private:
  double sum_ = 0;
  int64_t count_ = 0;
};

/// Number of rows of `logits` [N, C] whose argmax equals `targets` [N].
int64_t count_correct(const Tensor& logits, const Tensor& targets);
/// Fraction of correct rows, in [0, 1].
double accuracy(const Tensor& logits, const Tensor& targets);

/// A table of the model's modules as a tree (every submodule, containers' entries indented
/// under them, full names), the output shape of each for `example_input`, and parameter
/// counts, with the total, and the memory of the parameters and of the activations (the
/// outputs of the layers without submodules, for one forward). Shapes come from forward hooks
/// (Module::register_forward_hook) while the model's forward runs once on `example_input`,
/// without gradients and in eval mode (every module's mode is restored). It runs on the meta
/// device (parameters, buffers and input swapped for meta tensors: shapes and dtypes, no
/// storage, nothing allocated or computed; the model is restored afterwards), and on the
/// input's own device where a layer needs values (data-dependent shapes). A module called
/// through its holder (`fc1(x)`) or as a Sequential entry shows its output's shape; one whose
/// forward is called directly (`fc1->forward(x)`) or never shows "-". The overload below finds
/// the forward(const Tensor&) of a user's Module subclass or holder; through this one, only a
/// Sequential is run.
std::string summary(const nn::Module& model, const Tensor& example_input = {});

namespace detail {
/// summary() with `run_forward` running the model once on its argument (returning its outputs)
/// or empty.
std::string summary(const nn::Module& model, const Tensor& example_input,
                    const std::function<std::vector<Tensor>(const Tensor&)>& run_forward);
template <class M, class = void>
struct has_tensor_forward : std::false_type {};
template <class M>
struct has_tensor_forward<
    M, std::void_t<decltype(std::declval<M&>().forward(std::declval<const Tensor&>()))>>
    : std::true_type {};
}  // namespace detail

/// summary() of a user's module (or any module) whose forward takes a Tensor: it is run.
template <class M, std::enable_if_t<std::is_base_of_v<nn::Module, M>, int> = 0>
std::string summary(M& model, const Tensor& example_input = {}) {
  if constexpr (detail::has_tensor_forward<M>::value) {
    if (example_input.defined()) {
      return detail::summary(model, example_input, [&model](const Tensor& input) {
        std::vector<Tensor> outputs;
        nn::detail::collect_tensors(outputs, model.forward(input));
        return outputs;
      });
    }
  }
  return summary(static_cast<const nn::Module&>(model), example_input);
}
template <class M>
std::string summary(nn::ModuleHolder<M>& model, const Tensor& example_input = {}) {
  return summary(*model, example_input);
}
int64_t count_parameters(const nn::Module& model, bool trainable_only = false);

/// Per-epoch metrics, written as CSV and drawn as an SVG plot (one panel per metric group:
/// names containing "loss" share one panel, the others another).
class Curves {
 public:
  void add(int64_t epoch, const std::vector<std::pair<std::string, double>>& metrics);
  /// Both written atomically (temporary file, then rename).
  void write_csv(const std::string& path) const;
  void write_svg(const std::string& path) const;
  std::string csv() const;
  std::string svg() const;
  /// Rows already recorded, e.g. to continue after --resume.
  void read_csv(const std::string& path);

 private:
  std::vector<std::string> names_;
  std::vector<std::pair<int64_t, std::vector<double>>> rows_;
};

/// Writes `contents` to `path` atomically: a temporary file in the same folder, then a rename.
void write_file_atomically(const std::string& path, const std::string& contents);

}  // namespace train
}  // namespace nabla
