// Learning-rate schedulers, with the update rules of torch.optim.lr_scheduler.
#include <algorithm>
#include <cmath>
#include <limits>

#include "core/check.h"
#include "nabla/optim/schedulers/lr_scheduler.h"
#include "nabla/optim/schedulers/reduce_on_plateau_scheduler.h"

namespace nabla::optim {

namespace {
constexpr double kPi = 3.14159265358979323846;

void set_lrs(Optimizer& optimizer, const std::vector<double>& lrs) {
  auto& groups = optimizer.param_groups();
  NABLA_CHECK(lrs.size() == groups.size(),
              "[LRScheduler] {} learning rates for {} param groups (were groups added after the "
              "scheduler was made?)",
              lrs.size(), groups.size());
  for (size_t i = 0; i < groups.size(); ++i) groups[i].options().set_lr(lrs[i]);
}
}  // namespace

// ---- LRScheduler -----------------------------------------------------------------------

LRScheduler::LRScheduler(Optimizer& optimizer) : optimizer_(optimizer) {
  base_lrs_ = get_current_lrs();
}

std::vector<double> LRScheduler::get_current_lrs() const {
  std::vector<double> lrs;
  for (const auto& group : optimizer_.param_groups()) lrs.push_back(group.options().get_lr());
  return lrs;
}

void LRScheduler::initial_step() { step(); }

void LRScheduler::step() {
  ++last_epoch_;
  std::vector<double> lrs = get_lrs();
  set_lrs(optimizer_, lrs);
  last_lr_ = std::move(lrs);
}

// ---- StepLR, MultiStepLR, ExponentialLR ------------------------------------------------

StepLR::StepLR(Optimizer& optimizer, unsigned step_size, double gamma)
    : LRScheduler(optimizer), step_size_(step_size), gamma_(gamma) {
  NABLA_CHECK(step_size > 0, "[StepLR] step_size must be positive, got {}", step_size);
  initial_step();
}

std::vector<double> StepLR::get_lrs() {
  std::vector<double> lrs = get_current_lrs();
  if (last_epoch_ == 0 || last_epoch_ % step_size_ != 0) return lrs;
  for (double& lr : lrs) lr *= gamma_;
  return lrs;
}

MultiStepLR::MultiStepLR(Optimizer& optimizer, std::vector<int64_t> milestones, double gamma)
    : LRScheduler(optimizer), milestones_(std::move(milestones)), gamma_(gamma) {
  initial_step();
}

std::vector<double> MultiStepLR::get_lrs() {
  std::vector<double> lrs = get_current_lrs();
  const auto hits = std::count(milestones_.begin(), milestones_.end(), last_epoch_);
  if (hits == 0) return lrs;
  for (double& lr : lrs) lr *= std::pow(gamma_, static_cast<double>(hits));
  return lrs;
}

ExponentialLR::ExponentialLR(Optimizer& optimizer, double gamma)
    : LRScheduler(optimizer), gamma_(gamma) {
  initial_step();
}

std::vector<double> ExponentialLR::get_lrs() {
  std::vector<double> lrs = get_current_lrs();
  if (last_epoch_ == 0) return lrs;
  for (double& lr : lrs) lr *= gamma_;
  return lrs;
}

// ---- CosineAnnealingLR -----------------------------------------------------------------

CosineAnnealingLR::CosineAnnealingLR(Optimizer& optimizer, int64_t T_max, double eta_min)
    : LRScheduler(optimizer), T_max_(T_max), eta_min_(eta_min) {
  NABLA_CHECK(T_max > 0, "[CosineAnnealingLR] T_max must be positive, got {}", T_max);
  initial_step();
}

// PyTorch's recursive form: each rate follows from the previous one, so that other changes
// to the rate (another scheduler) carry over.
std::vector<double> CosineAnnealingLR::get_lrs() {
  std::vector<double> lrs = get_current_lrs();
  if (last_epoch_ == 0) return lrs;
  const auto t = static_cast<double>(last_epoch_);
  const auto T = static_cast<double>(T_max_);
  for (size_t i = 0; i < lrs.size(); ++i) {
    if ((last_epoch_ - 1 - T_max_) % (2 * T_max_) == 0) {
      lrs[i] += (base_lrs_[i] - eta_min_) * (1 - std::cos(kPi / T)) / 2;
    } else {
      lrs[i] =
          (1 + std::cos(kPi * t / T)) / (1 + std::cos(kPi * (t - 1) / T)) * (lrs[i] - eta_min_) +
          eta_min_;
    }
  }
  return lrs;
}

// ---- LinearLR --------------------------------------------------------------------------

LinearLR::LinearLR(Optimizer& optimizer, double start_factor, double end_factor,
                   int64_t total_iters)
    : LRScheduler(optimizer),
      start_factor_(start_factor),
      end_factor_(end_factor),
      total_iters_(total_iters) {
  NABLA_CHECK(start_factor > 0 && start_factor <= 1,
              "[LinearLR] start_factor should be in (0, 1], got {}", start_factor);
  NABLA_CHECK(end_factor >= 0 && end_factor <= 1,
              "[LinearLR] end_factor should be in [0, 1], got {}", end_factor);
  NABLA_CHECK(total_iters > 0, "[LinearLR] total_iters must be positive, got {}", total_iters);
  initial_step();
}

std::vector<double> LinearLR::get_lrs() {
  std::vector<double> lrs = get_current_lrs();
  if (last_epoch_ == 0) {
    for (double& lr : lrs) lr *= start_factor_;
    return lrs;
  }
  if (last_epoch_ > total_iters_) return lrs;
  const double slope = end_factor_ - start_factor_;
  const double ratio = 1 + slope / (static_cast<double>(total_iters_) * start_factor_ +
                                    static_cast<double>(last_epoch_ - 1) * slope);
  for (double& lr : lrs) lr *= ratio;
  return lrs;
}

// ---- ReduceLROnPlateauScheduler --------------------------------------------------------

ReduceLROnPlateauScheduler::ReduceLROnPlateauScheduler(Optimizer& optimizer, SchedulerMode mode,
                                                       double factor, int patience,
                                                       double threshold,
                                                       ThresholdMode threshold_mode, int cooldown,
                                                       const std::vector<double>& min_lr,
                                                       double eps, bool verbose)
    : optimizer_(optimizer),
      mode_(mode),
      factor_(factor),
      patience_(patience),
      threshold_(threshold),
      threshold_mode_(threshold_mode),
      cooldown_(cooldown),
      eps_(eps),
      verbose_(verbose) {
  NABLA_CHECK(factor < 1.0, "[ReduceLROnPlateau] factor should be < 1.0, got {}", factor);
  NABLA_CHECK(patience >= 0, "[ReduceLROnPlateau] patience must be >= 0, got {}", patience);
  NABLA_CHECK(cooldown >= 0, "[ReduceLROnPlateau] cooldown must be >= 0, got {}", cooldown);
  const size_t groups = optimizer.param_groups().size();
  if (min_lr.empty()) {
    min_lrs_.assign(groups, 0.0);
  } else if (min_lr.size() == 1) {
    min_lrs_.assign(groups, min_lr[0]);
  } else {
    NABLA_CHECK(min_lr.size() == groups,
                "[ReduceLROnPlateau] expected {} min_lr values (one per param group), got {}",
                groups, min_lr.size());
    min_lrs_ = min_lr;
  }
  best_ = mode == min ? std::numeric_limits<double>::infinity()
                      : -std::numeric_limits<double>::infinity();
  for (const auto& group : optimizer.param_groups()) last_lr_.push_back(group.options().get_lr());
}

bool ReduceLROnPlateauScheduler::is_better(double a) const {
  if (mode_ == min) {
    return threshold_mode_ == rel ? a < best_ * (1 - threshold_) : a < best_ - threshold_;
  }
  return threshold_mode_ == rel ? a > best_ * (threshold_ + 1) : a > best_ + threshold_;
}

void ReduceLROnPlateauScheduler::step(double metric) {
  ++last_epoch_;
  if (is_better(metric)) {
    best_ = metric;
    num_bad_epochs_ = 0;
  } else {
    ++num_bad_epochs_;
  }
  if (cooldown_counter_ > 0) {
    --cooldown_counter_;
    num_bad_epochs_ = 0;  // bad epochs during cooldown don't count
  }
  if (num_bad_epochs_ > patience_) {
    reduce_lr();
    cooldown_counter_ = cooldown_;
    num_bad_epochs_ = 0;
  }
  last_lr_.clear();
  for (const auto& group : optimizer_.param_groups()) last_lr_.push_back(group.options().get_lr());
}

void ReduceLROnPlateauScheduler::reduce_lr() {
  auto& groups = optimizer_.param_groups();
  NABLA_CHECK(groups.size() == min_lrs_.size(),
              "[ReduceLROnPlateau] the optimizer now has {} param groups, {} when the scheduler "
              "was made",
              groups.size(), min_lrs_.size());
  for (size_t i = 0; i < groups.size(); ++i) {
    const double old_lr = groups[i].options().get_lr();
    const double new_lr = std::max(old_lr * factor_, min_lrs_[i]);
    if (old_lr - new_lr > eps_) {
      groups[i].options().set_lr(new_lr);
      if (verbose_)
        fmt::print("Epoch {}: reducing learning rate of group {} to {:.4e}.\n", last_epoch_, i,
                   new_lr);
    }
  }
}

}  // namespace nabla::optim
