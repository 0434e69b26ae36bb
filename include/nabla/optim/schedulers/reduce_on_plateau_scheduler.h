// ReduceLROnPlateau, as torch.optim.lr_scheduler.ReduceLROnPlateau: multiplies the rates by
// `factor` once a metric has not improved for more than `patience` epochs.
//   nabla::optim::ReduceLROnPlateauScheduler sched(opt);
//   for (...) { train(); sched.step(validation_loss); }
#pragma once

#include <cstdint>
#include <vector>

#include "nabla/optim/optimizer.h"

namespace nabla {
namespace optim {

class ReduceLROnPlateauScheduler {
 public:
  /// min: the metric should decrease (a loss); max: it should increase (an accuracy).
  enum SchedulerMode { min, max };
  /// rel: improving means beating best * (1 -/+ threshold); abs: best -/+ threshold.
  enum ThresholdMode { rel, abs };

  /// `min_lr` is empty (0 for all groups), one value, or one per param group. A reduction
  /// smaller than `eps` is skipped.
  ReduceLROnPlateauScheduler(Optimizer& optimizer, SchedulerMode mode = min, double factor = 0.1,
                             int patience = 10, double threshold = 1e-4,
                             ThresholdMode threshold_mode = rel, int cooldown = 0,
                             const std::vector<double>& min_lr = {}, double eps = 1e-8,
                             bool verbose = false);
  virtual ~ReduceLROnPlateauScheduler() = default;

  void step(double metric);
  const std::vector<double>& get_last_lr() const { return last_lr_; }
  int64_t last_epoch() const { return last_epoch_; }
  double best() const { return best_; }
  int num_bad_epochs() const { return num_bad_epochs_; }

 private:
  bool is_better(double a) const;
  void reduce_lr();

  Optimizer& optimizer_;
  SchedulerMode mode_;
  double factor_;
  int patience_;
  double threshold_;
  ThresholdMode threshold_mode_;
  int cooldown_;
  std::vector<double> min_lrs_;
  double eps_;
  bool verbose_;
  double best_;
  int num_bad_epochs_ = 0;
  int cooldown_counter_ = 0;
  int64_t last_epoch_ = 0;
  std::vector<double> last_lr_;
};

using ReduceLROnPlateau = ReduceLROnPlateauScheduler;

}  // namespace optim
}  // namespace nabla
