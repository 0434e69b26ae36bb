// GradScaler: loss scaling with a scale that backs off on overflow and grows when stable.
#include "nabla/optim/grad_scaler.h"

#include <cmath>

#include "core/check.h"
#include "nabla/autograd.h"

namespace nabla {

GradScaler::GradScaler(double init_scale, double growth_factor, double backoff_factor,
                       int64_t growth_interval, bool enabled)
    : scale_(init_scale),
      growth_factor_(growth_factor),
      backoff_factor_(backoff_factor),
      growth_interval_(growth_interval),
      enabled_(enabled) {
  NABLA_CHECK(init_scale > 0 && std::isfinite(init_scale),
              "[GradScaler] init_scale must be positive and finite, got {}", init_scale);
  NABLA_CHECK(growth_factor > 1, "[GradScaler] growth_factor must be > 1, got {}", growth_factor);
  NABLA_CHECK(backoff_factor > 0 && backoff_factor < 1,
              "[GradScaler] backoff_factor must be in (0, 1), got {}", backoff_factor);
  NABLA_CHECK(growth_interval > 0, "[GradScaler] growth_interval must be positive, got {}",
              growth_interval);
}

Tensor GradScaler::scale(const Tensor& outputs) const {
  if (!enabled_) return outputs;
  NABLA_CHECK(outputs.defined() && outputs.is_floating_point(),
              "[GradScaler::scale] expected a floating point tensor, got {}",
              outputs.defined() ? toString(outputs.scalar_type()) : "an undefined tensor");
  // float32 at least, so that the scale itself (2^16 and up) does not overflow float16.
  const Tensor t = isReducedFloatingType(outputs.scalar_type()) ? outputs.to(kFloat) : outputs;
  return t * scale_;
}

void GradScaler::unscale_(optim::Optimizer& optimizer) {
  if (!enabled_) return;
  NABLA_CHECK(!found_inf_.count(&optimizer),
              "[GradScaler::unscale_] unscale_() has already been called on this optimizer "
              "since the last update()");
  NoGradGuard no_grad;
  const double inv_scale = 1.0 / scale_;
  bool found_inf = false;
  for (auto& group : optimizer.param_groups()) {
    for (const Tensor& p : group.params()) {
      const Tensor g = p.grad();
      if (!g.defined()) continue;
      g.mul_(inv_scale);
      // g * 0 is 0 for every finite element and NaN for infinities and NaNs: one sum tells.
      if (!found_inf) found_inf = std::isnan((g * 0).sum().item<double>());
    }
  }
  found_inf_[&optimizer] = found_inf;
}

Tensor GradScaler::step(optim::Optimizer& optimizer) {
  if (!enabled_) return optimizer.step();
  if (!found_inf_.count(&optimizer)) unscale_(optimizer);
  if (found_inf_.at(&optimizer)) return Tensor();  // skipped: a gradient overflowed
  return optimizer.step();
}

void GradScaler::update() {
  if (!enabled_) return;
  bool found_inf = false;
  for (const auto& [optimizer, inf] : found_inf_) found_inf |= inf;
  NABLA_CHECK(!found_inf_.empty(),
              "[GradScaler::update] no optimizer was unscaled or stepped since the last update()");
  if (found_inf) {
    scale_ *= backoff_factor_;
    growth_tracker_ = 0;
  } else if (++growth_tracker_ == growth_interval_) {
    scale_ *= growth_factor_;
    growth_tracker_ = 0;
  }
  found_inf_.clear();
}

void GradScaler::update(double new_scale) {
  if (!enabled_) return;
  NABLA_CHECK(new_scale > 0 && std::isfinite(new_scale),
              "[GradScaler::update] new_scale must be positive and finite, got {}", new_scale);
  scale_ = new_scale;
  found_inf_.clear();
}

std::map<std::string, double> GradScaler::state_dict() const {
  if (!enabled_) return {};
  return {{"scale", scale_},
          {"growth_factor", growth_factor_},
          {"backoff_factor", backoff_factor_},
          {"growth_interval", static_cast<double>(growth_interval_)},
          {"_growth_tracker", static_cast<double>(growth_tracker_)}};
}

void GradScaler::load_state_dict(const std::map<std::string, double>& state) {
  NABLA_CHECK(!state.empty(),
              "[GradScaler::load_state_dict] the state is empty (saved from a disabled scaler?)");
  for (const char* key :
       {"scale", "growth_factor", "backoff_factor", "growth_interval", "_growth_tracker"})
    NABLA_CHECK(state.count(key), "[GradScaler::load_state_dict] the state has no \"{}\"", key);
  GradScaler checked(state.at("scale"), state.at("growth_factor"), state.at("backoff_factor"),
                     static_cast<int64_t>(state.at("growth_interval")));
  scale_ = checked.scale_;
  growth_factor_ = checked.growth_factor_;
  backoff_factor_ = checked.backoff_factor_;
  growth_interval_ = checked.growth_interval_;
  growth_tracker_ = static_cast<int64_t>(state.at("_growth_tracker"));
}

}  // namespace nabla
