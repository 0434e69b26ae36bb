// gradcheck: analytic gradients against central differences, in float64.
//
// Each floating output j is projected on a fixed pseudo-random vector v_j of its shape, so one
// backward pass per output gives the analytic v_j^T J_j for every input; the numeric
// counterpart perturbs each input element by +-eps (in place, on a detached copy) and
// differentiates <v_j, out_j>. For almost every v_j, a wrong Jacobian gives a wrong
// projection, and each mismatch is still located at one input element.
//
// The second-order check applies the same test to G(x) = d<v, f(x)>/dx computed with
// create_graph=true: its analytic Jacobian goes through the backward of the backward.
#include <cmath>
#include <limits>
#include <optional>

#include "autograd/function.h"
#include "core/check.h"
#include "nabla/ops.h"

namespace nabla::autograd {
namespace {

using VectorFn = std::function<variable_list(const variable_list&)>;

// A deterministic value in [-1, 1) for (seed, index): the projection vectors.
double projection_value(uint64_t seed, uint64_t index) {
  uint64_t z = seed * 0x9E3779B97F4A7C15ull + index + 0x632BE59BD9B4E019ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;  // splitmix64
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return static_cast<double>(z >> 11) * 0x1.0p-52 - 1.0;
}

Tensor projection(IntArrayRef sizes, uint64_t seed) {
  Tensor v = empty(sizes, TensorOptions().dtype(kDouble));
  double* p = v.data_ptr<double>();
  for (int64_t k = 0; k < v.numel(); ++k) p[k] = projection_value(seed, static_cast<uint64_t>(k));
  return v;
}

std::vector<double> values_of(const Tensor& t) {
  NoGradGuard no_grad;
  Tensor c = t.detach().to(kDouble).contiguous();
  const double* p = c.data_ptr<double>();
  return std::vector<double>(p, p + c.numel());
}

std::string index_text(int64_t flat, IntArrayRef sizes) {
  std::vector<int64_t> idx(sizes.size());
  for (size_t d = sizes.size(); d-- > 0;) {
    idx[d] = sizes[d] ? flat % sizes[d] : 0;
    flat = sizes[d] ? flat / sizes[d] : 0;
  }
  return fmt::format("{}", IntArrayRef(idx));
}

// Which outputs are differentiated, and their projection vectors.
struct OutputPlan {
  std::vector<size_t> checked;  // floating outputs
  std::vector<Tensor> v;        // one per checked output
  std::vector<std::vector<int64_t>> sizes;
};

OutputPlan plan_outputs(const variable_list& outs, int order) {
  OutputPlan plan;
  for (size_t j = 0; j < outs.size(); ++j) {
    const Tensor& o = outs[j];
    if (!o.defined() || !o.is_floating_point()) continue;
    NABLA_CHECK(o.scalar_type() == kDouble,
                "[gradcheck] output {} is {}: gradcheck needs every computation in float64 "
                "(create the inputs with kFloat64 and avoid casting to float32)",
                j, o.scalar_type());
    plan.checked.push_back(j);
    plan.v.push_back(projection(o.sizes(), 1000 * static_cast<uint64_t>(order) + j));
    plan.sizes.push_back(o.sizes().vec());
  }
  return plan;
}

struct Mismatch {
  size_t output = 0, input = 0;
  int64_t element = 0;
  double analytic = 0, numeric = 0, excess = -1;
  int64_t count = 0, total = 0;
};

bool fail(const GradcheckOptions& o, const std::string& message) {
  if (o.raise_exception) throw Error(message);
  return false;
}

// Checks f's Jacobian with respect to inputs[diff] against central differences.
bool check_jacobian(const VectorFn& f, const variable_list& inputs, const std::vector<size_t>& diff,
                    const GradcheckOptions& o, int order) {
  const char* what = order == 1 ? "Jacobian" : "second-order (gradient of the gradient)";
  const char* out_word = order == 1 ? "output" : "the gradient of input";
  variable_list outs;
  {
    AutoGradMode grad_mode(true);
    outs = f(inputs);
  }
  const OutputPlan plan = plan_outputs(outs, order);
  variable_list diff_inputs;
  for (size_t i : diff) diff_inputs.push_back(inputs[i]);

  // analytic[c][k]: v_c^T d out_c / d input diff[k], flattened.
  std::vector<std::vector<std::vector<double>>> analytic(plan.checked.size());
  for (size_t c = 0; c < plan.checked.size(); ++c) {
    const size_t j = plan.checked[c];
    const Tensor& out = outs[plan.checked[c]];
    variable_list g(diff.size());
    if (out.requires_grad())
      g = grad({out}, diff_inputs, {plan.v[c]}, /*retain_graph=*/true, false, true);
    for (size_t k = 0; k < diff.size(); ++k) {
      const Tensor& in = inputs[diff[k]];
      if (!g[k].defined()) {
        analytic[c].emplace_back(static_cast<size_t>(in.numel()), 0.0);
        continue;
      }
      if (g[k].scalar_type() != kDouble)
        return fail(o, fmt::format("[gradcheck] the {} analytic gradient of {} {} with respect "
                                   "to input {} is {}, but the input is float64 (a backward "
                                   "formula does not cast back to its input's dtype)",
                                   order == 1 ? "first-order" : "second-order", out_word, j,
                                   diff[k], g[k].scalar_type()));
      analytic[c].push_back(values_of(g[k]));
    }
  }

  // Numeric: perturb each element of a detached copy in place; f sees the copies. They
  // require grad and grad mode stays on, so that f runs as in the analytic pass (a function
  // may register hooks or differentiate internally).
  variable_list args = inputs;
  std::vector<double*> data(diff.size());
  for (size_t k = 0; k < diff.size(); ++k) {
    args[diff[k]] = inputs[diff[k]].detach().clone().requires_grad_(true);
    data[k] = args[diff[k]].data_ptr<double>();
  }
  auto projected = [&](std::vector<double>& dst) {
    AutoGradMode grad_mode(true);
    const variable_list r = f(args);
    for (size_t c = 0; c < plan.checked.size(); ++c) {
      const size_t j = plan.checked[c];
      NABLA_CHECK(j < r.size() && r[j].defined() && r[j].sizes() == IntArrayRef(plan.sizes[c]),
                  "[gradcheck] the function returned a different output {} for perturbed "
                  "inputs (outputs must keep their shapes)",
                  j);
      const std::vector<double> vals = values_of(r[j]);
      const double* v = plan.v[c].data_ptr<double>();
      double s = 0;
      for (size_t e = 0; e < vals.size(); ++e) s += v[e] * vals[e];
      dst[c] = s;
    }
  };

  Mismatch worst;
  std::vector<double> plus(plan.checked.size()), minus(plan.checked.size());
  for (size_t k = 0; k < diff.size(); ++k) {
    const int64_t n = inputs[diff[k]].numel();
    for (int64_t e = 0; e < n; ++e) {
      const double orig = data[k][e];
      // Raw writes: no version bump, no graph; the copies are private to this check.
      data[k][e] = orig + o.eps;
      projected(plus);
      data[k][e] = orig - o.eps;
      projected(minus);
      data[k][e] = orig;
      for (size_t c = 0; c < plan.checked.size(); ++c) {
        const double num = (plus[c] - minus[c]) / (2 * o.eps);
        const double ana = analytic[c][k][static_cast<size_t>(e)];
        const double tol = o.atol + o.rtol * std::abs(num);
        const double diff_abs = std::abs(ana - num);
        ++worst.total;
        if (diff_abs <= tol) continue;  // also false for NaN
        ++worst.count;
        const double excess =
            std::isnan(diff_abs) ? std::numeric_limits<double>::infinity() : diff_abs - tol;
        if (excess > worst.excess) {
          worst.output = plan.checked[c];
          worst.input = diff[k];
          worst.element = e;
          worst.analytic = ana;
          worst.numeric = num;
          worst.excess = excess;
        }
      }
    }
  }
  if (worst.count == 0) return true;
  return fail(
      o,
      fmt::format("[gradcheck] {} mismatch for {} {} with respect to input {} at element {} (index "
                  "{}): analytic {:.10g} vs numerical {:.10g} (|difference| {:.3g} > atol {:g} + "
                  "rtol {:g} * |numerical|); {} of {} checked values mismatch. The {} is projected "
                  "on a fixed pseudo-random vector of the output's shape; numerical values are "
                  "central differences with eps {:g}",
                  what, out_word, worst.output, worst.input, worst.element,
                  index_text(worst.element, inputs[worst.input].sizes()), worst.analytic,
                  worst.numeric, std::abs(worst.analytic - worst.numeric), o.atol, o.rtol,
                  worst.count, worst.total, order == 1 ? "Jacobian" : "second derivative", o.eps));
}

// G(x) = d<v, f(x)>/dx for the differentiable inputs, differentiable itself (create_graph).
VectorFn first_order_gradient(const VectorFn& f, const std::vector<size_t>& diff) {
  return [f, diff](const variable_list& xs) {
    AutoGradMode grad_mode(true);
    variable_list args = xs;
    variable_list leaves;
    for (size_t i : diff) {
      // Inputs that do not require grad get a differentiable alias (same storage).
      if (!args[i].requires_grad()) args[i] = args[i].detach().requires_grad_(true);
      leaves.push_back(args[i]);
    }
    const variable_list outs = f(args);
    const OutputPlan plan = plan_outputs(outs, 1);
    variable_list roots, v;
    for (size_t c = 0; c < plan.checked.size(); ++c) {
      if (!outs[plan.checked[c]].requires_grad()) continue;
      roots.push_back(outs[plan.checked[c]]);
      v.push_back(plan.v[c]);
    }
    variable_list g(leaves.size());
    if (!roots.empty()) g = grad(roots, leaves, v, /*retain_graph=*/true, true, true);
    for (size_t k = 0; k < g.size(); ++k)
      if (!g[k].defined()) g[k] = zeros_like(leaves[k], TensorOptions().requires_grad(false));
    return g;
  };
}

}  // namespace

bool gradcheck(const VectorFn& fn, const variable_list& inputs, const GradcheckOptions& options) {
  NABLA_CHECK(fn, "[gradcheck] the function is empty");
  NABLA_CHECK(options.eps > 0 && options.atol >= 0 && options.rtol >= 0,
              "[gradcheck] eps must be positive and atol, rtol non-negative (got eps {:g}, atol "
              "{:g}, rtol {:g})",
              options.eps, options.atol, options.rtol);
  std::vector<size_t> diff;
  for (size_t i = 0; i < inputs.size(); ++i) {
    NABLA_CHECK(inputs[i].defined(), "[gradcheck] input {} is undefined", i);
    if (!inputs[i].requires_grad()) continue;
    NABLA_CHECK(
        inputs[i].scalar_type() == kDouble,
        "[gradcheck] input {} requires grad but is {}; gradcheck needs float64 inputs "
        "for accurate finite differences: create it with kFloat64 (or .to(nabla::kFloat64))",
        i, inputs[i].scalar_type());
    diff.push_back(i);
  }
  NABLA_CHECK(!diff.empty(),
              "[gradcheck] no input requires grad: call requires_grad_(true) on the float64 "
              "inputs to check");
  if (!check_jacobian(fn, inputs, diff, options, 1)) return false;
  if (!options.check_grad_grad) return true;
  return check_jacobian(first_order_gradient(fn, diff), inputs, diff, options, 2);
}

bool gradcheck(const std::function<Tensor(const variable_list&)>& fn, const variable_list& inputs,
               const GradcheckOptions& options) {
  NABLA_CHECK(fn, "[gradcheck] the function is empty");
  return gradcheck(VectorFn([&fn](const variable_list& xs) { return variable_list{fn(xs)}; }),
                   inputs, options);
}

}  // namespace nabla::autograd
