// L-BFGS (torch.optim.LBFGS): the two-loop recursion over a bounded history, fixed steps or a
// strong Wolfe line search (cubic interpolation, as minFunc and PyTorch do). Every quantity
// the decisions compare (dot products, losses, step lengths) is a double read from the tensors,
// so a float64 problem takes PyTorch's steps exactly.
#include "nabla/optim/lbfgs.h"

#include <algorithm>
#include <cmath>
#include <tuple>
#include <utility>

#include "core/check.h"
#include "nabla/autograd.h"
#include "nabla/ops.h"

namespace nabla::optim {

LBFGSOptions::LBFGSOptions(double lr) : lr_(lr) {}

void LBFGSOptions::validate() const {
  NABLA_CHECK(lr() >= 0, "[LBFGS] invalid learning rate: {}", lr());
  NABLA_CHECK(max_iter() > 0, "[LBFGS] max_iter must be positive, got {}", max_iter());
  NABLA_CHECK(!max_eval() || *max_eval() > 0, "[LBFGS] max_eval must be positive, got {}",
              max_eval().value_or(0));
  NABLA_CHECK(history_size() > 0, "[LBFGS] history_size must be positive, got {}", history_size());
  NABLA_CHECK(!line_search_fn() || *line_search_fn() == "strong_wolfe",
              "[LBFGS] only 'strong_wolfe' is supported as line_search_fn, got '{}'",
              line_search_fn().value_or(""));
}

void LBFGSOptions::visit_fields(FieldVisitor& v) {
  v.field("lr", lr_);
  v.field("max_iter", max_iter_);
  int64_t max_eval = max_eval_.value_or(-1);  // -1: unset
  v.field("max_eval", max_eval);
  max_eval_ = max_eval < 0 ? std::nullopt : std::optional<int64_t>(max_eval);
  v.field("tolerance_grad", tolerance_grad_);
  v.field("tolerance_change", tolerance_change_);
  v.field("history_size", history_size_);
  bool strong_wolfe = line_search_fn_.has_value();
  v.field("strong_wolfe", strong_wolfe);
  line_search_fn_ = strong_wolfe ? std::optional<std::string>("strong_wolfe") : std::nullopt;
}

namespace {
// The history as one [k, n] tensor for state_dict() (undefined when empty), and back.
Tensor stacked(const std::deque<Tensor>& rows) {
  if (rows.empty()) return {};
  return stack(std::vector<Tensor>(rows.begin(), rows.end()), 0);
}
std::deque<Tensor> unstacked(const Tensor& rows) {
  if (!rows.defined()) return {};
  NABLA_CHECK(rows.dim() >= 1, "[LBFGS] a history entry must have a leading dim, got shape {}",
              rows.sizes());
  const std::vector<Tensor> parts = rows.unbind(0);
  return std::deque<Tensor>(parts.begin(), parts.end());
}
}  // namespace

void LBFGSParamState::visit_fields(FieldVisitor& v) {
  v.field("func_evals", func_evals_);
  v.field("n_iter", n_iter_);
  v.field("t", t_);
  v.field("prev_loss", prev_loss_);
  v.any_shape_field("d", d_);
  v.any_shape_field("H_diag", H_diag_);
  v.any_shape_field("prev_flat_grad", prev_flat_grad_);
  Tensor dirs = stacked(old_dirs_), steps = stacked(old_stps_), rhos = stacked(ro_);
  v.any_shape_field("old_dirs", dirs);
  v.any_shape_field("old_stps", steps);
  v.any_shape_field("ro", rhos);
  old_dirs_ = unstacked(dirs);
  old_stps_ = unstacked(steps);
  ro_ = unstacked(rhos);
}

namespace {
constexpr const char* kNoGroups =
    "[LBFGS] doesn't support per-parameter options (parameter groups)";

/// The gradients of `params` as one flat vector; zeros where a parameter has none.
Tensor gather_flat_grad(const std::vector<Tensor>& params) {
  std::vector<Tensor> parts;
  parts.reserve(params.size());
  for (const Tensor& p : params)
    parts.push_back(p.grad().defined() ? p.grad().reshape({-1}) : zeros({p.numel()}, p.options()));
  return cat(parts, 0);
}
/// params += step * update, `update` flat.
void add_flat(const std::vector<Tensor>& params, double step, const Tensor& update) {
  int64_t offset = 0;
  for (const Tensor& p : params) {
    p.add_(update.narrow(0, offset, p.numel()).view_as(p), step);
    offset += p.numel();
  }
}
double dot_value(const Tensor& a, const Tensor& b) { return a.dot(b).item<double>(); }
double max_abs(const Tensor& t) { return t.abs().max().item<double>(); }

/// The minimizer of the cubic through (x1, f1) and (x2, f2) with slopes g1 and g2, clamped to
/// [lo, hi]; their middle when the cubic has no minimum.
double cubic_interpolate(double x1, double f1, double g1, double x2, double f2, double g2,
                         double lo, double hi) {
  const double d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2);
  const double d2_square = d1 * d1 - g1 * g2;
  if (d2_square < 0) return (lo + hi) / 2;
  const double d2 = std::sqrt(d2_square);
  const double minimum = x1 <= x2 ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
                                  : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
  return std::min(std::max(minimum, lo), hi);
}
/// ... clamped to the interval between the two points.
double cubic_interpolate(double x1, double f1, double g1, double x2, double f2, double g2) {
  return cubic_interpolate(x1, f1, g1, x2, f2, g2, std::min(x1, x2), std::max(x1, x2));
}

/// A point of the line search: step t, loss f, flat gradient g and the slope g . d.
struct LinePoint {
  double t = 0, f = 0;
  Tensor g;
  double gtd = 0;
};
struct LineSearchResult {
  LinePoint point;
  int64_t evaluations = 0;
};

/// Strong Wolfe line search along d from (0, f, g): brackets a step that decreases the loss
/// enough (c1) and flattens the slope enough (c2), then zooms into the bracket by cubic
/// interpolation. `evaluate(t)` gives the loss and flat gradient at x + t d.
LineSearchResult strong_wolfe(const std::function<std::pair<double, Tensor>(double)>& evaluate,
                              double t, const Tensor& d, double f, const Tensor& g, double gtd,
                              double tolerance_change) {
  constexpr double c1 = 1e-4, c2 = 0.9;
  constexpr int64_t max_ls = 25;
  const double d_norm = max_abs(d);
  auto [f_new, g_new] = evaluate(t);
  int64_t evaluations = 1;
  double gtd_new = dot_value(g_new, d);
  LinePoint prev{0, f, g.clone(), gtd};
  std::vector<LinePoint> bracket;
  bool done = false;
  int64_t ls_iter = 0;
  while (ls_iter < max_ls) {
    // Not enough decrease, or the slope turned: the minimum is bracketed by prev and t.
    const bool bracketed = f_new > f + c1 * t * gtd || (ls_iter > 1 && f_new >= prev.f);
    if (!bracketed && std::abs(gtd_new) <= -c2 * gtd) {
      bracket = {{t, f_new, g_new, gtd_new}};
      done = true;
      break;
    }
    if (bracketed || gtd_new >= 0) {
      bracket = {prev, {t, f_new, g_new.clone(), gtd_new}};
      break;
    }
    // Extrapolate: a cubic step between 1.01 and 10 times the current one.
    const double min_step = t + 0.01 * (t - prev.t), max_step = t * 10;
    const double next =
        cubic_interpolate(prev.t, prev.f, prev.gtd, t, f_new, gtd_new, min_step, max_step);
    prev = {t, f_new, g_new.clone(), gtd_new};
    t = next;
    std::tie(f_new, g_new) = evaluate(t);
    ++evaluations;
    gtd_new = dot_value(g_new, d);
    ++ls_iter;
  }
  if (ls_iter == max_ls) bracket = {{0, f, g, gtd}, {t, f_new, g_new, gtd_new}};

  // Zoom: shrink the bracket [low, high] (low: the lower loss) until a point satisfies both
  // conditions or the bracket is too small to matter.
  bool insufficient_progress = false;
  size_t low = 0, high = 1;
  if (bracket.size() == 2 && bracket[0].f > bracket[1].f) std::swap(low, high);
  while (!done && ls_iter < max_ls) {
    if (std::abs(bracket[1].t - bracket[0].t) * d_norm < tolerance_change) break;
    t = cubic_interpolate(bracket[0].t, bracket[0].f, bracket[0].gtd, bracket[1].t, bracket[1].f,
                          bracket[1].gtd);
    // Too close to an end of the bracket: move 10% of its width inside, unless the previous
    // try was already close (then accept it once).
    const double upper = std::max(bracket[0].t, bracket[1].t);
    const double lower = std::min(bracket[0].t, bracket[1].t);
    const double eps = 0.1 * (upper - lower);
    if (std::min(upper - t, t - lower) < eps) {
      if (insufficient_progress || t >= upper || t <= lower) {
        t = std::abs(t - upper) < std::abs(t - lower) ? upper - eps : lower + eps;
        insufficient_progress = false;
      } else {
        insufficient_progress = true;
      }
    } else {
      insufficient_progress = false;
    }
    std::tie(f_new, g_new) = evaluate(t);
    ++evaluations;
    gtd_new = dot_value(g_new, d);
    ++ls_iter;
    const LinePoint here{t, f_new, g_new.clone(), gtd_new};
    if (f_new > f + c1 * t * gtd || f_new >= bracket[low].f) {
      bracket[high] = here;
      low = bracket[0].f <= bracket[1].f ? 0 : 1;
      high = 1 - low;
    } else {
      if (std::abs(gtd_new) <= -c2 * gtd)
        done = true;
      else if (gtd_new * (bracket[high].t - bracket[low].t) >= 0)
        bracket[high] = bracket[low];
      bracket[low] = here;
    }
  }
  return {bracket[low], evaluations};
}
}  // namespace

LBFGS::LBFGS(const std::vector<OptimizerParamGroup>& param_groups, LBFGSOptions defaults)
    : Optimizer(param_groups, std::make_unique<LBFGSOptions>(defaults)) {
  NABLA_CHECK(param_groups_.size() == 1, "{}, got {} groups", kNoGroups, param_groups_.size());
}
LBFGS::LBFGS(std::vector<Tensor> params, LBFGSOptions defaults)
    : Optimizer(std::move(params), std::make_unique<LBFGSOptions>(defaults)) {}

Tensor LBFGS::step(LossClosure closure) {
  NABLA_CHECK(closure != nullptr, "[LBFGS] step() needs a closure that returns the loss");
  NABLA_CHECK(param_groups_.size() == 1, "{}, got {} groups", kNoGroups, param_groups_.size());
  const std::vector<Tensor>& params = param_groups_[0].params();
  NABLA_CHECK(!params.empty(), "[LBFGS] has no parameters");
  const auto& o = static_cast<const LBFGSOptions&>(param_groups_[0].options());
  o.validate();
  const int64_t max_eval = o.max_eval().value_or(o.max_iter() * 5 / 4);
  auto& st = state_of<LBFGSParamState>(params[0]);
  NoGradGuard no_grad;

  const Tensor orig_loss = run_closure(closure);
  double loss = orig_loss.item<double>();
  int64_t current_evals = 1;
  st.func_evals(st.func_evals() + 1);
  Tensor flat_grad = gather_flat_grad(params);
  if (max_abs(flat_grad) <= o.tolerance_grad()) return orig_loss;
  const int64_t n = flat_grad.numel();
  if (st.n_iter() > 0) {  // a loaded state must fit these parameters
    NABLA_CHECK(st.d().defined() && st.d().numel() == n && st.prev_flat_grad().defined() &&
                    st.prev_flat_grad().numel() == n && st.H_diag().defined(),
                "[LBFGS] the state's direction and gradient do not fit parameters of {} elements",
                n);
    NABLA_CHECK(
        st.old_dirs().size() == st.old_stps().size() && st.old_dirs().size() == st.ro().size(),
        "[LBFGS] the state's history has {} gradient changes, {} steps and {} rhos",
        st.old_dirs().size(), st.old_stps().size(), st.ro().size());
    for (size_t i = 0; i < st.old_dirs().size(); ++i)
      NABLA_CHECK(st.old_dirs()[i].numel() == n && st.old_stps()[i].numel() == n,
                  "[LBFGS] the state's history entry {} does not fit parameters of {} elements", i,
                  n);
  }

  Tensor d = st.d(), h_diag = st.H_diag(), prev_flat_grad = st.prev_flat_grad();
  std::deque<Tensor> old_dirs = st.old_dirs(), old_stps = st.old_stps(), ro = st.ro();
  double t = st.t(), prev_loss = st.prev_loss();
  const auto history = static_cast<size_t>(o.history_size());
  int64_t n_iter = 0;
  while (n_iter < o.max_iter()) {
    ++n_iter;
    st.n_iter(st.n_iter() + 1);
    if (st.n_iter() == 1) {
      d = flat_grad.neg();
      old_dirs.clear();
      old_stps.clear();
      ro.clear();
      h_diag = scalar_tensor(1.0, flat_grad.options());
    } else {
      // Record the last pair when the curvature is positive, then the two-loop recursion:
      // d = -H g with H the inverse Hessian the history implies.
      const Tensor y = flat_grad.sub(prev_flat_grad);
      const Tensor s = d.mul(t);
      const Tensor ys = y.dot(s);
      if (ys.item<double>() > 1e-10) {
        if (old_dirs.size() == history) {
          old_dirs.pop_front();
          old_stps.pop_front();
          ro.pop_front();
        }
        old_dirs.push_back(y);
        old_stps.push_back(s);
        ro.push_back(ys.reciprocal());
        h_diag = ys / y.dot(y);
      }
      std::vector<double> al(old_dirs.size());
      Tensor q = flat_grad.neg();
      for (size_t i = old_dirs.size(); i-- > 0;) {
        al[i] = (old_stps[i].dot(q) * ro[i]).item<double>();
        q.add_(old_dirs[i], -al[i]);
      }
      d = q.mul(h_diag);
      for (size_t i = 0; i < old_dirs.size(); ++i) {
        const double be_i = (old_dirs[i].dot(d) * ro[i]).item<double>();
        d.add_(old_stps[i], al[i] - be_i);
      }
    }
    prev_flat_grad = flat_grad.clone();
    prev_loss = loss;
    // The first iteration's step is scaled by the gradient's size; later ones are lr.
    t = st.n_iter() == 1 ? std::min(1.0, 1.0 / flat_grad.abs().sum().item<double>()) * o.lr()
                         : o.lr();
    const double gtd = dot_value(flat_grad, d);
    if (gtd > -o.tolerance_change()) break;  // not a descent direction

    int64_t ls_func_evals = 0;
    bool optimal = false;
    if (o.line_search_fn()) {
      std::vector<Tensor> x_init;
      x_init.reserve(params.size());
      for (const Tensor& p : params) x_init.push_back(p.clone());
      auto evaluate = [&](double step) {
        add_flat(params, step, d);
        const double f = run_closure(closure).item<double>();
        Tensor g = gather_flat_grad(params);
        for (size_t i = 0; i < params.size(); ++i) params[i].copy_(x_init[i]);
        return std::make_pair(f, g);
      };
      const LineSearchResult found =
          strong_wolfe(evaluate, t, d, loss, flat_grad, gtd, o.tolerance_change());
      loss = found.point.f;
      flat_grad = found.point.g;
      t = found.point.t;
      ls_func_evals = found.evaluations;
      add_flat(params, t, d);
      optimal = max_abs(flat_grad) <= o.tolerance_grad();
    } else {
      add_flat(params, t, d);
      if (n_iter != o.max_iter()) {
        loss = run_closure(closure).item<double>();
        flat_grad = gather_flat_grad(params);
        optimal = max_abs(flat_grad) <= o.tolerance_grad();
        ls_func_evals = 1;
      }
    }
    current_evals += ls_func_evals;
    st.func_evals(st.func_evals() + ls_func_evals);

    if (n_iter == o.max_iter() || current_evals >= max_eval || optimal) break;
    if (max_abs(d.mul(t)) <= o.tolerance_change()) break;          // the step stalled
    if (std::abs(loss - prev_loss) < o.tolerance_change()) break;  // the loss stalled
  }

  st.d(d);
  st.t(t);
  st.old_dirs(old_dirs);
  st.old_stps(old_stps);
  st.ro(ro);
  st.H_diag(h_diag);
  st.prev_flat_grad(prev_flat_grad);
  st.prev_loss(prev_loss);
  return orig_loss;
}

}  // namespace nabla::optim
