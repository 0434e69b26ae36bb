// Progress bar and metrics (see train.h).
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>
#include <sstream>

#include "core/check.h"
#include "nabla/nabla.h"
#include "nabla/train.h"

namespace nabla::train {
namespace {
using Clock = std::chrono::steady_clock;

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const auto s = static_cast<int64_t>(seconds + 0.5);
  if (s >= 3600) return fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
  return fmt::format("{}:{:02}", s / 60, s % 60);
}
}  // namespace

ProgressBar::ProgressBar(int64_t total, std::string label, std::ostream* out,
                         double plain_interval_s)
    : total_(total),
      label_(std::move(label)),
      out_(out ? out : &std::cerr),
      // Only a terminal can take carriage returns; anything else gets plain lines.
      tty_(out == nullptr && isatty(STDERR_FILENO)),
      plain_interval_s_(plain_interval_s),
      start_(Clock::now()),
      last_draw_(start_) {}

double ProgressBar::elapsed_seconds() const {
  return std::chrono::duration<double>(Clock::now() - start_).count();
}

double ProgressBar::rate() const {
  const double t = elapsed_seconds();
  return t > 0 ? static_cast<double>(done_) / t : 0.0;
}

std::string ProgressBar::line() const {
  constexpr int kWidth = 24;
  const double frac = total_ > 0 ? std::min(1.0, static_cast<double>(done_) / total_) : 1.0;
  const int filled = static_cast<int>(frac * kWidth);
  std::string bar(static_cast<size_t>(filled), '=');
  if (filled < kWidth) bar += '>' + std::string(static_cast<size_t>(kWidth - filled - 1), ' ');
  const double r = rate();
  const double eta = r > 0 ? static_cast<double>(total_ - done_) / r : NAN;
  std::string s = fmt::format("{} [{}] {}/{} {:3.0f}% {:.1f} it/s {} {}", label_, bar, done_,
                              total_, 100 * frac, r, finished_ ? "in" : "ETA",
                              format_duration(finished_ ? elapsed_seconds() : eta));
  for (const auto& [name, value] : metrics_) s += fmt::format(" {} {:.4f}", name, value);
  return s;
}

void ProgressBar::update(int64_t n, const std::vector<std::pair<std::string, double>>& metrics) {
  done_ += n;
  if (!metrics.empty()) metrics_ = metrics;
  const auto now = Clock::now();
  const double since = std::chrono::duration<double>(now - last_draw_).count();
  if (tty_) {
    if (since < 0.1 && done_ < total_) return;  // ~10 redraws a second are enough
    *out_ << '\r' << line() << "\x1b[K" << std::flush;
  } else {
    if (since < plain_interval_s_) return;
    *out_ << line() << '\n' << std::flush;
  }
  last_draw_ = now;
}

void ProgressBar::finish() {
  if (finished_) return;
  finished_ = true;
  *out_ << (tty_ ? "\r" : "") << line() << (tty_ ? "\x1b[K\n" : "\n") << std::flush;
}

int64_t count_correct(const Tensor& logits, const Tensor& targets) {
  NABLA_CHECK(logits.dim() == 2 && targets.dim() == 1 && logits.size(0) == targets.size(0),
              "[accuracy] expected logits [N, C] and targets [N], got {} and {}", logits.sizes(),
              targets.sizes());
  NoGradGuard no_grad;
  return logits.argmax(1).eq(targets.to(kLong)).sum().item<int64_t>();
}

double accuracy(const Tensor& logits, const Tensor& targets) {
  const int64_t n = targets.numel();
  return n ? static_cast<double>(count_correct(logits, targets)) / static_cast<double>(n) : 0.0;
}

int64_t count_parameters(const nn::Module& model, bool trainable_only) {
  int64_t n = 0;
  for (const Tensor& p : model.parameters())
    if (!trainable_only || p.requires_grad()) n += p.numel();
  return n;
}

namespace {

struct SummaryRow {
  std::string name, shape;
  int64_t parameters;
};

// "[1, 4]", "[1, 4], [1, 3]" for several outputs, "-" for none.
std::string shapes_text(const std::vector<Tensor>& outputs) {
  std::vector<std::string> parts;
  for (const Tensor& t : outputs) parts.push_back(fmt::format("{}", t.sizes()));
  return parts.empty() ? "-" : fmt::format("{}", fmt::join(parts, ", "));
}

using ShapeMap = std::map<const nn::Module*, std::string>;

// One row per child of `module`, with its children (a container's entries, a user's module's
// layers) indented below it, recursively.
void summary_rows(const nn::Module& module, const ShapeMap& shapes, const std::string& indent,
                  std::vector<SummaryRow>& rows) {
  for (const auto& item : module.named_children()) {
    const nn::Module& child = *item.value();
    std::ostringstream text;
    child.pretty_print(text);
    auto shape = shapes.find(&child);
    rows.push_back({indent + item.key() + ": " + text.str(),
                    shape == shapes.end() ? "-" : shape->second, count_parameters(child)});
    summary_rows(child, shapes, indent + "  ", rows);
  }
}

// "1.5 MB", "12.0 kB", "0 B" (decimal units).
std::string bytes_text(int64_t bytes) {
  if (bytes >= 1000000) return fmt::format("{:.1f} MB", static_cast<double>(bytes) / 1e6);
  if (bytes >= 1000) return fmt::format("{:.1f} kB", static_cast<double>(bytes) / 1e3);
  return fmt::format("{} B", bytes);
}

// While alive, every parameter and buffer of `model` holds a meta tensor of its shape and
// dtype (set_data: the handles stay, so hooks and optimizers see the same tensors); the
// destructor puts the data back, also when the forward threw.
class OnMeta {
 public:
  explicit OnMeta(const nn::Module& model) {
    for (const Tensor& t : model.parameters()) swap(t);
    for (const Tensor& t : model.buffers()) swap(t);
  }
  ~OnMeta() {
    for (auto& [handle, data] : saved_) nn::detail::set_data(handle, data);
  }
  OnMeta(const OnMeta&) = delete;
  OnMeta& operator=(const OnMeta&) = delete;

 private:
  void swap(const Tensor& t) {
    if (!t.defined()) return;
    NoGradGuard no_grad;
    saved_.emplace_back(t, t.detach());
    nn::detail::set_data(t, t.to(kMeta));
  }
  std::vector<std::pair<Tensor, Tensor>> saved_;  // (the handle, its original data)
};

// Runs `run_forward` with a hook on every submodule of `model` recording its output shapes
// (the last call's, for a module called more than once) and adding the bytes of the outputs
// of the modules without submodules; the hooks are removed afterwards.
ShapeMap record_shapes(const nn::Module& model,
                       const std::function<std::vector<Tensor>()>& run_forward,
                       std::string& model_output, int64_t& activation_bytes) {
  ShapeMap shapes;
  struct Installed {
    std::vector<std::pair<std::shared_ptr<nn::Module>, uint64_t>> hooks;
    ~Installed() {
      for (auto& [module, handle] : hooks) module->remove_hook(handle);
    }
  } installed;
  for (const auto& m : model.modules(/*include_self=*/false)) {
    installed.hooks.emplace_back(
        m, m->register_forward_hook([&shapes, &activation_bytes, leaf = m->children().empty()](
                                        nn::Module& self, const std::vector<Tensor>&,
                                        const std::vector<Tensor>& outputs) {
          shapes[&self] = shapes_text(outputs);
          if (!leaf) return;
          for (const Tensor& t : outputs)
            activation_bytes += t.numel() * static_cast<int64_t>(elementSize(t.scalar_type()));
        }));
  }
  // In eval mode, so that the run changes no running statistics and draws no random numbers;
  // each module's mode is restored afterwards (parents first: train() recurses).
  auto& self = const_cast<nn::Module&>(model);
  struct Modes {
    nn::Module& model;
    bool model_mode;
    std::vector<std::pair<std::shared_ptr<nn::Module>, bool>> modules;
    ~Modes() {
      model.train(model_mode);
      for (auto& [m, mode] : modules) m->train(mode);
    }
  } modes{self, model.is_training(), {}};
  for (const auto& m : model.modules(/*include_self=*/false))
    modes.modules.emplace_back(m, m->is_training());
  self.eval();
  NoGradGuard no_grad;
  model_output = shapes_text(run_forward());
  return shapes;
}

}  // namespace

namespace detail {

std::string summary(const nn::Module& model, const Tensor& example_input,
                    const std::function<std::vector<Tensor>(const Tensor&)>& run_forward) {
  ShapeMap shapes;
  std::string output;
  int64_t activation_bytes = 0;
  if (run_forward && example_input.defined()) {
    try {
      OnMeta meta(model);
      shapes = record_shapes(
          model, [&] { return run_forward(example_input.to(kMeta)); }, output, activation_bytes);
    } catch (const Error&) {
      // A layer needs values (a shape from data, a scalar read on the host): run for real.
      activation_bytes = 0;
      shapes = record_shapes(
          model, [&] { return run_forward(example_input); }, output, activation_bytes);
    }
  }
  std::vector<SummaryRow> rows;
  summary_rows(model, shapes, "", rows);
  // Full names: the column is as wide as the longest one; shapes as wide as the widest.
  size_t width = 5, shape_width = 12;
  for (const auto& r : rows) {
    width = std::max(width, r.name.size());
    shape_width = std::max(shape_width, r.shape.size());
  }
  std::string out = fmt::format("{:<{}}  {:>{}} {:>12}\n", "layer", width, "output shape",
                                shape_width, "parameters");
  const std::string rule(width + shape_width + 15, '-');
  out += rule + "\n";
  for (const auto& r : rows) {
    out +=
        fmt::format("{:<{}}  {:>{}} {:>12}\n", r.name, width, r.shape, shape_width, r.parameters);
  }
  out += rule + "\n";
  if (!output.empty()) out += fmt::format("output shape: {}\n", output);
  out += fmt::format("total parameters: {} (trainable {})\n", count_parameters(model),
                     count_parameters(model, true));
  int64_t parameter_bytes = 0;
  for (const Tensor& p : model.parameters())
    parameter_bytes += p.numel() * static_cast<int64_t>(elementSize(p.scalar_type()));
  out += fmt::format("parameter memory: {}\n", bytes_text(parameter_bytes));
  if (!output.empty()) out += fmt::format("activation memory: {}\n", bytes_text(activation_bytes));
  return out;
}

}  // namespace detail

std::string summary(const nn::Module& model, const Tensor& example_input) {
  std::function<std::vector<Tensor>(const Tensor&)> run;
  if (const auto* seq = dynamic_cast<const nn::SequentialImpl*>(&model);
      seq && example_input.defined()) {
    // Running a module's forward changes no const state a caller can see but the hooks'.
    auto* runnable = const_cast<nn::SequentialImpl*>(seq);
    run = [runnable](const Tensor& input) { return std::vector<Tensor>{runnable->forward(input)}; };
  }
  return detail::summary(model, example_input, run);
}

}  // namespace nabla::train
