// Loss scaling for float16 training, as PyTorch's torch.amp.GradScaler: float16's smallest
// normal is 6e-5, so small gradients flush to zero unless the loss is multiplied by a large
// factor before backward() and the gradients divided by it before the update. The factor adapts:
// a step whose gradients hold an infinity or NaN is skipped and the factor halved; after
// growth_interval clean steps it doubles. (bfloat16 has float32's range and needs none of it.)
//
//   nabla::GradScaler scaler;
//   for (...) {
//     optimizer.zero_grad();
//     { nabla::autocast guard(nabla::kCPU, nabla::kHalf); loss = criterion(model(x), y); }
//     scaler.scale(loss).backward();
//     scaler.step(optimizer);   // unscales, then steps unless a gradient overflowed
//     scaler.update();
//   }
// Public header: compiles as C++17.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>

#include "nabla/optim/optimizer.h"
#include "nabla/tensor.h"

namespace nabla {

class GradScaler {
 public:
  explicit GradScaler(double init_scale = 65536.0, double growth_factor = 2.0,
                      double backoff_factor = 0.5, int64_t growth_interval = 2000,
                      bool enabled = true);

  /// `outputs` times the current scale (unchanged when disabled).
  Tensor scale(const Tensor& outputs) const;
  /// Divides the gradients of `optimizer`'s parameters by the scale, in place, and records
  /// whether any of them is infinite or NaN. At most once per optimizer between update()s.
  void unscale_(optim::Optimizer& optimizer);
  /// unscale_ (unless done already), then optimizer.step() unless a gradient was not finite.
  /// Returns the step's result (undefined when skipped).
  Tensor step(optim::Optimizer& optimizer);
  /// Adapts the scale after the iteration's steps: times backoff_factor if any unscaled
  /// gradient was not finite, times growth_factor after growth_interval finite iterations.
  void update();
  /// Sets the scale to `new_scale` (> 0) instead of adapting it.
  void update(double new_scale);

  double get_scale() const { return enabled_ ? scale_ : 1.0; }
  int64_t get_growth_tracker() const { return growth_tracker_; }
  bool is_enabled() const { return enabled_; }
  /// "scale", "growth_factor", "backoff_factor", "growth_interval", "_growth_tracker", as
  /// PyTorch's state_dict names them.
  std::map<std::string, double> state_dict() const;
  void load_state_dict(const std::map<std::string, double>& state);

 private:
  double scale_, growth_factor_, backoff_factor_;
  int64_t growth_interval_, growth_tracker_ = 0;
  bool enabled_;
  // Per optimizer, this iteration: whether its gradients were unscaled and held a non-finite.
  std::unordered_map<const optim::Optimizer*, bool> found_inf_;
};

}  // namespace nabla
