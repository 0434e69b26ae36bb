// Progress bar and metrics (see train.h).
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <iostream>
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

// One row per child of `module`, children of containers and users' modules indented below
// their parent. A Sequential is run entry by entry on `x`, which then holds its output.
void summary_rows(const nn::Module& module, Tensor& x, const std::string& indent,
                  std::vector<SummaryRow>& rows) {
  const auto* seq = dynamic_cast<const nn::SequentialImpl*>(&module);
  std::vector<const nn::AnyModule*> entries;  // a Sequential's entries, in children order
  if (seq)
    for (const nn::AnyModule& m : *seq) entries.push_back(&m);
  auto children = module.named_children();
  for (size_t i = 0; i < children.size(); ++i) {
    const auto& item = children.items()[i];
    const nn::Module& child = *item.value();
    std::ostringstream text;
    child.pretty_print(text);
    const size_t row = rows.size();
    rows.push_back({indent + item.key() + ": " + text.str(), "-", count_parameters(child)});
    Tensor sub_input = x;
    if (i < entries.size() && x.defined()) {
      x = entries[i]->forward(x);
      rows[row].shape = fmt::format("{}", x.sizes());
    }
    // The child's own children; a nested Sequential gets this entry's input to show its shapes.
    Tensor nested = dynamic_cast<const nn::SequentialImpl*>(&child) ? sub_input : Tensor();
    summary_rows(child, nested, indent + "  ", rows);
  }
}

}  // namespace

std::string summary(const nn::Module& model, const Tensor& example_input) {
  NoGradGuard no_grad;
  Tensor x = example_input;
  std::vector<SummaryRow> rows;
  summary_rows(model, x, "", rows);
  // Full names: the column is as wide as the longest one.
  size_t width = 5;
  for (const auto& r : rows) width = std::max(width, r.name.size());
  std::string out =
      fmt::format("{:<{}} {:>18} {:>12}\n", "layer", width, "output shape", "parameters");
  const std::string rule(width + 32, '-');
  out += rule + "\n";
  for (const auto& r : rows)
    out += fmt::format("{:<{}} {:>18} {:>12}\n", r.name, width, r.shape, r.parameters);
  out += rule + "\n";
  out += fmt::format("total parameters: {} (trainable {})\n", count_parameters(model),
                     count_parameters(model, true));
  return out;
}

}  // namespace nabla::train
