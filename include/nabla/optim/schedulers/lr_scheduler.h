// Learning-rate schedulers with PyTorch's semantics (torch.optim.lr_scheduler): constructing
// one applies the schedule for epoch 0, and each step() moves to the next epoch and writes the
// new rates into the optimizer's param groups. Call it once per epoch, after optimizer.step():
//   nabla::optim::StepLR sched(opt, /*step_size=*/30, /*gamma=*/0.1);
//   for (int epoch = 0; epoch < 90; ++epoch) { train(); sched.step(); }
//
// Rates are updated from the current ones (PyTorch's chainable form), so schedulers can be
// combined on one optimizer.
#pragma once

#include <cstdint>
#include <vector>

#include "nabla/optim/optimizer.h"

namespace nabla {
namespace optim {

class LRScheduler {
 public:
  explicit LRScheduler(Optimizer& optimizer);
  virtual ~LRScheduler() = default;
  LRScheduler(const LRScheduler&) = delete;
  LRScheduler& operator=(const LRScheduler&) = delete;

  /// Moves to the next epoch and sets each group's lr.
  void step();
  /// The rates the last step() (or the constructor) set, one per param group.
  const std::vector<double>& get_last_lr() const { return last_lr_; }
  /// Epochs stepped so far (0 after construction).
  int64_t last_epoch() const { return last_epoch_; }
  /// The group rates when the scheduler was made.
  const std::vector<double>& base_lrs() const { return base_lrs_; }

 protected:
  /// The rates for epoch last_epoch_, from the current ones.
  virtual std::vector<double> get_lrs() = 0;
  std::vector<double> get_current_lrs() const;
  /// Applies epoch 0; each concrete scheduler calls it at the end of its constructor.
  void initial_step();

  Optimizer& optimizer_;
  std::vector<double> base_lrs_;
  int64_t last_epoch_ = -1;

 private:
  std::vector<double> last_lr_;
};

/// Multiplies the rates by gamma every step_size epochs.
class StepLR : public LRScheduler {
 public:
  StepLR(Optimizer& optimizer, unsigned step_size, double gamma = 0.1);

 private:
  std::vector<double> get_lrs() override;
  unsigned step_size_;
  double gamma_;
};

/// Multiplies the rates by gamma at each milestone epoch (gamma^k if it appears k times).
class MultiStepLR : public LRScheduler {
 public:
  MultiStepLR(Optimizer& optimizer, std::vector<int64_t> milestones, double gamma = 0.1);

 private:
  std::vector<double> get_lrs() override;
  std::vector<int64_t> milestones_;
  double gamma_;
};

/// Multiplies the rates by gamma every epoch.
class ExponentialLR : public LRScheduler {
 public:
  ExponentialLR(Optimizer& optimizer, double gamma);

 private:
  std::vector<double> get_lrs() override;
  double gamma_;
};

/// eta_min + (base_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2, continued past T_max
/// as a cosine wave (as PyTorch's recursive form).
class CosineAnnealingLR : public LRScheduler {
 public:
  CosineAnnealingLR(Optimizer& optimizer, int64_t T_max, double eta_min = 0);

 private:
  std::vector<double> get_lrs() override;
  int64_t T_max_;
  double eta_min_;
};

/// Linear warm-up: the rate goes from base * start_factor to base * end_factor over
/// total_iters epochs, then stays.
class LinearLR : public LRScheduler {
 public:
  LinearLR(Optimizer& optimizer, double start_factor = 1.0 / 3, double end_factor = 1.0,
           int64_t total_iters = 5);

 private:
  std::vector<double> get_lrs() override;
  double start_factor_, end_factor_;
  int64_t total_iters_;
};

}  // namespace optim
}  // namespace nabla
