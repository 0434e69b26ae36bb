// Optimizers, schedulers and gradient clipping. Expected values are recomputed in the test with
// PyTorch's update formulas, in float64, on the quadratic f(w) = 0.5 * sum(a * w^2), whose
// gradient a * w is set directly (so the tests need no reductions).
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <vector>

#include "nabla/nabla.h"
#include "nabla/nn/utils/clip_grad.h"

using namespace nabla;  // NOLINT

namespace {

const std::vector<double> kA = {1.0, 2.0, 0.5};    // curvatures
const std::vector<double> kW0 = {1.0, -2.0, 3.0};  // start point

Tensor make_param(const std::vector<double>& values = kW0, ScalarType dtype = kDouble) {
  return nabla::tensor(values, TensorOptions().dtype(dtype)).requires_grad_();
}

std::vector<double> values_of(const Tensor& t) {
  Tensor d = t.detach().to(kDouble).contiguous();
  return std::vector<double>(d.data_ptr<double>(), d.data_ptr<double>() + d.numel());
}

// grad = a * w
void set_quadratic_grad(const Tensor& p) {
  NoGradGuard g;
  p.mutable_grad() = p.detach() * nabla::tensor(kA, TensorOptions().dtype(p.scalar_type()));
}

// Runs `steps` optimizer steps on the quadratic and returns w after each step.
std::vector<std::vector<double>> run(optim::Optimizer& opt, const Tensor& p, int steps = 3) {
  std::vector<std::vector<double>> out;
  for (int s = 0; s < steps; ++s) {
    set_quadratic_grad(p);
    opt.step();
    out.push_back(values_of(p));
  }
  return out;
}

// A reference: per element, a function (w, g, state, step) -> new w over the state it keeps.
struct Ref {
  std::vector<double> w = kW0;
  std::vector<std::vector<double>> state = std::vector<std::vector<double>>(3);
};

void expect_near(const std::vector<std::vector<double>>& got,
                 const std::vector<std::vector<double>>& want, double tol = 1e-12) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t s = 0; s < got.size(); ++s) {
    ASSERT_EQ(got[s].size(), want[s].size());
    for (size_t i = 0; i < got[s].size(); ++i)
      EXPECT_NEAR(got[s][i], want[s][i], tol) << "step " << s + 1 << ", element " << i;
  }
}

// Applies `update(i, w_i, g_i, t)` (t = 1-based step) for 3 steps; returns w after each.
std::vector<std::vector<double>> reference(
    const std::function<double(size_t, double, double, int)>& update) {
  std::vector<double> w = kW0;
  std::vector<std::vector<double>> out;
  for (int t = 1; t <= 3; ++t) {
    for (size_t i = 0; i < w.size(); ++i) w[i] = update(i, w[i], kA[i] * w[i], t);
    out.push_back(w);
  }
  return out;
}

}  // namespace

// ---- SGD -------------------------------------------------------------------------------

TEST(SGD, PlainSteps) {
  Tensor p = make_param();
  optim::SGD opt({p}, optim::SGDOptions(0.1));
  auto want = reference([](size_t, double w, double g, int) { return w - 0.1 * g; });
  expect_near(run(opt, p), want);
}

TEST(SGD, MomentumDampeningWeightDecay) {
  Tensor p = make_param();
  optim::SGD opt({p}, optim::SGDOptions(0.1).momentum(0.9).dampening(0.2).weight_decay(0.01));
  std::vector<double> buf(3);
  auto want = reference([&](size_t i, double w, double g, int t) {
    g += 0.01 * w;
    buf[i] = t == 1 ? g : 0.9 * buf[i] + (1 - 0.2) * g;
    return w - 0.1 * buf[i];
  });
  expect_near(run(opt, p), want);
}

TEST(SGD, Nesterov) {
  Tensor p = make_param();
  optim::SGD opt({p}, optim::SGDOptions(0.05).momentum(0.8).nesterov(true));
  std::vector<double> buf(3);
  auto want = reference([&](size_t i, double w, double g, int t) {
    buf[i] = t == 1 ? g : 0.8 * buf[i] + g;
    return w - 0.05 * (g + 0.8 * buf[i]);
  });
  expect_near(run(opt, p), want);
}

TEST(SGD, Float32ParamsMatchToFloatPrecision) {
  Tensor p = make_param(kW0, kFloat);
  optim::SGD opt({p}, optim::SGDOptions(0.1).momentum(0.9));
  std::vector<double> buf(3);
  auto want = reference([&](size_t i, double w, double g, int t) {
    buf[i] = t == 1 ? g : 0.9 * buf[i] + g;
    return w - 0.1 * buf[i];
  });
  auto got = run(opt, p);
  EXPECT_EQ(p.scalar_type(), kFloat);
  expect_near(got, want, 1e-5);
}

TEST(SGD, InvalidOptionsRaise) {
  Tensor p = make_param();
  EXPECT_THROW(optim::SGD({p}, optim::SGDOptions(-0.1)), Error);
  EXPECT_THROW(optim::SGD({p}, optim::SGDOptions(0.1).momentum(-1)), Error);
  EXPECT_THROW(optim::SGD({p}, optim::SGDOptions(0.1).nesterov(true)), Error);
  EXPECT_THROW(optim::SGD({p}, optim::SGDOptions(0.1).momentum(0.9).dampening(0.1).nesterov(true)),
               Error);
  EXPECT_THROW(optim::SGD(std::vector<Tensor>{}, optim::SGDOptions(0.1)), Error);
}

TEST(SGD, SkipsParamsWithoutGrad) {
  Tensor p = make_param();
  Tensor q = make_param({5.0, 6.0, 7.0});
  optim::SGD opt({p, q}, optim::SGDOptions(0.1));
  set_quadratic_grad(p);
  opt.step();
  EXPECT_EQ(values_of(q), (std::vector<double>{5.0, 6.0, 7.0}));
  EXPECT_NE(values_of(p), kW0);
}

// ---- Adam / AdamW ----------------------------------------------------------------------

namespace {
// PyTorch's Adam for one element; `decoupled` is AdamW's decay.
std::function<double(size_t, double, double, int)> adam_ref(double lr, double b1, double b2,
                                                            double eps, double wd, bool amsgrad,
                                                            bool decoupled) {
  auto m = std::make_shared<std::vector<double>>(3, 0.0);
  auto v = std::make_shared<std::vector<double>>(3, 0.0);
  auto vmax = std::make_shared<std::vector<double>>(3, 0.0);
  return [=](size_t i, double w, double g, int t) {
    if (decoupled) {
      w *= 1 - lr * wd;
    } else {
      g += wd * w;
    }
    (*m)[i] = b1 * (*m)[i] + (1 - b1) * g;
    (*v)[i] = b2 * (*v)[i] + (1 - b2) * g * g;
    (*vmax)[i] = std::max((*vmax)[i], (*v)[i]);
    const double bc1 = 1 - std::pow(b1, t), bc2 = 1 - std::pow(b2, t);
    const double vv = amsgrad ? (*vmax)[i] : (*v)[i];
    return w - lr / bc1 * (*m)[i] / (std::sqrt(vv) / std::sqrt(bc2) + eps);
  };
}
}  // namespace

TEST(Adam, DefaultsAndWeightDecay) {
  {
    Tensor p = make_param();
    optim::Adam opt({p}, optim::AdamOptions(0.1));
    expect_near(run(opt, p), reference(adam_ref(0.1, 0.9, 0.999, 1e-8, 0, false, false)));
  }
  {
    Tensor p = make_param();
    optim::Adam opt({p}, optim::AdamOptions(0.05).betas({0.8, 0.99}).eps(1e-3).weight_decay(0.1));
    expect_near(run(opt, p), reference(adam_ref(0.05, 0.8, 0.99, 1e-3, 0.1, false, false)));
  }
}

TEST(Adam, AMSGrad) {
  Tensor p = make_param();
  optim::Adam opt({p}, optim::AdamOptions(0.5).amsgrad(true).betas({0.5, 0.6}));
  expect_near(run(opt, p), reference(adam_ref(0.5, 0.5, 0.6, 1e-8, 0, true, false)));
}

TEST(Adam, InvalidBetasRaise) {
  Tensor p = make_param();
  EXPECT_THROW(optim::Adam({p}, optim::AdamOptions(0.1).betas({1.0, 0.9})), Error);
  EXPECT_THROW(optim::Adam({p}, optim::AdamOptions(0.1).betas({0.9, -0.1})), Error);
  EXPECT_THROW(optim::Adam({p}, optim::AdamOptions(0.1).eps(-1)), Error);
}

TEST(AdamW, DecoupledWeightDecay) {
  Tensor p = make_param();
  optim::AdamW opt({p}, optim::AdamWOptions(0.1).weight_decay(0.5));
  expect_near(run(opt, p), reference(adam_ref(0.1, 0.9, 0.999, 1e-8, 0.5, false, true)));
  Tensor q = make_param();
  optim::AdamW opt2({q}, optim::AdamWOptions(0.1).amsgrad(true));  // default decay 1e-2
  expect_near(run(opt2, q), reference(adam_ref(0.1, 0.9, 0.999, 1e-8, 1e-2, true, true)));
}

// ---- RMSprop ---------------------------------------------------------------------------

TEST(RMSprop, Plain) {
  Tensor p = make_param();
  optim::RMSprop opt({p}, optim::RMSpropOptions(0.01));
  std::vector<double> v(3);
  auto want = reference([&](size_t i, double w, double g, int) {
    v[i] = 0.99 * v[i] + 0.01 * g * g;
    return w - 0.01 * g / (std::sqrt(v[i]) + 1e-8);
  });
  expect_near(run(opt, p), want);
}

TEST(RMSprop, CenteredMomentumWeightDecay) {
  Tensor p = make_param();
  optim::RMSprop opt(
      {p},
      optim::RMSpropOptions(0.02).alpha(0.9).eps(1e-4).weight_decay(0.1).momentum(0.5).centered(
          true));
  std::vector<double> v(3), a(3), buf(3);
  auto want = reference([&](size_t i, double w, double g, int) {
    g += 0.1 * w;
    v[i] = 0.9 * v[i] + 0.1 * g * g;
    a[i] = 0.9 * a[i] + 0.1 * g;
    const double avg = std::sqrt(v[i] - a[i] * a[i]) + 1e-4;
    buf[i] = 0.5 * buf[i] + g / avg;
    return w - 0.02 * buf[i];
  });
  expect_near(run(opt, p), want, 1e-10);
}

// ---- Adagrad ---------------------------------------------------------------------------

TEST(Adagrad, DecayAndAccumulator) {
  Tensor p = make_param();
  optim::Adagrad opt({p}, optim::AdagradOptions(0.5)
                              .lr_decay(0.1)
                              .weight_decay(0.05)
                              .initial_accumulator_value(0.2)
                              .eps(1e-6));
  std::vector<double> sum(3, 0.2);
  auto want = reference([&](size_t i, double w, double g, int t) {
    g += 0.05 * w;
    const double clr = 0.5 / (1 + (t - 1) * 0.1);
    sum[i] += g * g;
    return w - clr * g / (std::sqrt(sum[i]) + 1e-6);
  });
  expect_near(run(opt, p), want);
}

// ---- param groups, zero_grad, closure --------------------------------------------------

TEST(Optimizer, ParamGroupsWithTheirOwnLr) {
  Tensor p = make_param();
  Tensor q = make_param();
  std::vector<optim::OptimizerParamGroup> groups;
  groups.emplace_back(std::vector<Tensor>{p});
  groups.emplace_back(std::vector<Tensor>{q}, std::make_unique<optim::SGDOptions>(0.01));
  optim::SGD opt(groups, optim::SGDOptions(0.1));
  ASSERT_EQ(opt.param_groups().size(), 2u);
  EXPECT_DOUBLE_EQ(opt.param_groups()[0].options().get_lr(), 0.1);
  EXPECT_DOUBLE_EQ(opt.param_groups()[1].options().get_lr(), 0.01);
  EXPECT_EQ(opt.size(), 2u);
  set_quadratic_grad(p);
  set_quadratic_grad(q);
  opt.step();
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_NEAR(values_of(p)[i], kW0[i] - 0.1 * kA[i] * kW0[i], 1e-15);
    EXPECT_NEAR(values_of(q)[i], kW0[i] - 0.01 * kA[i] * kW0[i], 1e-15);
  }
  // A later group, and the usual misuses.
  Tensor r = make_param();
  opt.add_param_group(optim::OptimizerParamGroup({r}, std::make_unique<optim::SGDOptions>(1.0)));
  EXPECT_EQ(opt.param_groups().size(), 3u);
  EXPECT_THROW(opt.add_param_group(optim::OptimizerParamGroup({p})), Error);  // duplicate
  EXPECT_THROW(opt.add_param_group(optim::OptimizerParamGroup(
                   {make_param()}, std::make_unique<optim::AdamOptions>(0.1))),
               Error);  // another optimizer's options
  EXPECT_THROW(opt.add_param_group(optim::OptimizerParamGroup({p * 2})), Error);  // non-leaf
  EXPECT_THROW(opt.add_param_group(optim::OptimizerParamGroup({nabla::ones({2}, kLong)})), Error);
  EXPECT_THROW(opt.add_param_group(optim::OptimizerParamGroup(
                   {make_param()}, std::make_unique<optim::SGDOptions>(-1.0))),
               Error);
  EXPECT_EQ(opt.param_groups().size(), 3u);
}

TEST(Optimizer, ZeroGrad) {
  Tensor p = make_param();
  optim::SGD opt({p}, optim::SGDOptions(0.1));
  set_quadratic_grad(p);
  opt.zero_grad(/*set_to_none=*/false);
  ASSERT_TRUE(p.grad().defined());
  EXPECT_EQ(values_of(p.grad()), (std::vector<double>{0, 0, 0}));
  opt.zero_grad();
  EXPECT_FALSE(p.grad().defined());
  opt.step();  // nothing to do
  EXPECT_EQ(values_of(p), kW0);
}

TEST(Optimizer, StepWithClosure) {
  // A 0-d parameter: loss = 0.5 * 3 * w^2 needs no reduction.
  Tensor w = nabla::tensor(2.0, TensorOptions().dtype(kDouble)).requires_grad_();
  optim::SGD opt({w}, optim::SGDOptions(0.1));
  int calls = 0;
  NoGradGuard outer;  // step() turns grad mode on for the closure itself
  Tensor loss = opt.step([&] {
    ++calls;
    opt.zero_grad();
    Tensor l = w * w * 1.5;
    l.backward();
    return l;
  });
  EXPECT_EQ(calls, 1);
  EXPECT_DOUBLE_EQ(loss.item<double>(), 6.0);
  EXPECT_NEAR(w.item<double>(), 2.0 - 0.1 * 3.0 * 2.0, 1e-15);
  EXPECT_FALSE(opt.step().defined());
}

// ---- state_dict ------------------------------------------------------------------------

namespace {
// Steps `a` twice, copies its state into a fresh optimizer `b` over a copy of the parameter,
// then checks both give identical parameters for three more steps.
template <class Opt, class Options>
void check_round_trip(const Options& options) {
  Tensor p = make_param();
  Opt a({p}, options);
  run(a, p, 2);
  Tensor q = p.detach().clone().requires_grad_();
  Opt b({q}, Options(options).lr(123.0));  // the lr comes back from the state dict
  b.load_state_dict(a.state_dict());
  EXPECT_DOUBLE_EQ(b.param_groups()[0].options().get_lr(), options.lr());
  for (int s = 0; s < 3; ++s) {
    set_quadratic_grad(p);
    set_quadratic_grad(q);
    a.step();
    b.step();
    EXPECT_TRUE(p.equal(q)) << "step " << s;
  }
}
}  // namespace

TEST(OptimizerState, RoundTripGivesIdenticalSteps) {
  check_round_trip<optim::SGD>(optim::SGDOptions(0.1).momentum(0.9).nesterov(true));
  check_round_trip<optim::Adam>(optim::AdamOptions(0.1).amsgrad(true).weight_decay(0.1));
  check_round_trip<optim::AdamW>(optim::AdamWOptions(0.1));
  check_round_trip<optim::RMSprop>(optim::RMSpropOptions(0.01).centered(true).momentum(0.5));
  check_round_trip<optim::Adagrad>(optim::AdagradOptions(0.1).lr_decay(0.01));
}

TEST(OptimizerState, Names) {
  Tensor p = make_param();
  Tensor q = make_param();
  optim::Adam opt({p, q}, optim::AdamOptions(0.1));
  set_quadratic_grad(q);
  opt.step();  // only q gets state
  NamedTensors sd = opt.state_dict();
  std::vector<std::string> names;
  for (const auto& [name, t] : sd) names.push_back(name);
  const std::vector<std::string> want = {"param_groups.0.params",
                                         "param_groups.0.lr",
                                         "param_groups.0.betas",
                                         "param_groups.0.eps",
                                         "param_groups.0.weight_decay",
                                         "param_groups.0.amsgrad",
                                         "state.1.step",
                                         "state.1.exp_avg",
                                         "state.1.exp_avg_sq"};
  EXPECT_EQ(names, want);
  EXPECT_EQ(sd[0].second.scalar_type(), kLong);
  EXPECT_EQ(values_of(sd[0].second), (std::vector<double>{0, 1}));
  EXPECT_DOUBLE_EQ(sd[1].second.item<double>(), 0.1);
  EXPECT_EQ(sd[2].second.sizes(), IntArrayRef({2}));
  EXPECT_EQ(sd[6].second.item<int64_t>(), 1);
  EXPECT_EQ(sd[7].second.sizes(), IntArrayRef({3}));
  // state_dict() copies: stepping on does not change it.
  const std::vector<double> saved = values_of(sd[7].second);
  set_quadratic_grad(q);
  opt.step();
  EXPECT_EQ(values_of(sd[7].second), saved);
}

TEST(OptimizerState, LoadRejectsMismatches) {
  Tensor p = make_param();
  optim::Adam opt({p}, optim::AdamOptions(0.1));
  set_quadratic_grad(p);
  opt.step();
  const NamedTensors good = opt.state_dict();

  auto with = [&](const std::string& name, const Tensor& t) {
    NamedTensors sd = good;
    for (auto& [n, v] : sd)
      if (n == name) v = t;
    return sd;
  };
  auto without = [&](const std::string& name) {
    NamedTensors sd;
    for (const auto& e : good)
      if (e.first != name) sd.push_back(e);
    return sd;
  };
  auto expect_error = [&](const NamedTensors& sd, const std::string& fragment) {
    try {
      opt.load_state_dict(sd);
      ADD_FAILURE() << "no error, expected one mentioning " << fragment;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
  };
  expect_error(with("state.0.exp_avg", nabla::zeros({4}, kDouble)), "state.0.exp_avg");
  expect_error(without("param_groups.0.lr"), "param_groups.0.lr");
  expect_error(with("param_groups.0.lr", nabla::zeros({2}, kDouble)), "param_groups.0.lr");
  expect_error(with("param_groups.0.betas", nabla::zeros({3}, kDouble)), "betas");
  expect_error(with("param_groups.0.params", nabla::zeros({2}, kLong)), "param group 0");
  NamedTensors extra = good;
  extra.emplace_back("state.0.bogus", nabla::zeros({3}, kDouble));
  expect_error(extra, "state.0.bogus");
  NamedTensors more_groups = good;
  more_groups.emplace_back("param_groups.1.params", nabla::zeros({0}, kLong));
  expect_error(more_groups, "more parameter groups");
  NamedTensors other_param = good;
  other_param.emplace_back("state.5.step", nabla::zeros({}, kLong));
  expect_error(other_param, "state.5.step");
  // A failed load changes nothing.
  EXPECT_DOUBLE_EQ(opt.param_groups()[0].options().get_lr(), 0.1);
  EXPECT_EQ(opt.state().size(), 1u);
  // The state of another optimizer kind does not fit.
  optim::SGD sgd({make_param()}, optim::SGDOptions(0.1).momentum(0.9));
  EXPECT_THROW(sgd.load_state_dict(good), Error);
}

TEST(OptimizerState, ThroughSafetensorsBytes) {
  Tensor p = make_param();
  optim::RMSprop a({p}, optim::RMSpropOptions(0.01).momentum(0.9));
  run(a, p, 2);
  NamedTensors sd;
  try {
    sd = load_from_string(save_to_string(a.state_dict()));
  } catch (const Error& e) {
    GTEST_SKIP() << "safetensors not available yet: " << e.what();
  }
  Tensor q = p.detach().clone().requires_grad_();
  optim::RMSprop b({q}, optim::RMSpropOptions(0.5));
  b.load_state_dict(sd);
  run(a, p, 2);
  run(b, q, 2);
  EXPECT_TRUE(p.equal(q));
}

// ---- schedulers ------------------------------------------------------------------------

namespace {
// The lr after construction and after each of `steps` scheduler steps.
template <class Sched, class... Args>
std::vector<double> lr_sequence(int steps, double base_lr, Args... args) {
  Tensor p = make_param();
  optim::SGD opt({p}, optim::SGDOptions(base_lr));
  Sched sched(opt, args...);
  std::vector<double> lrs = {opt.param_groups()[0].options().get_lr()};
  for (int i = 0; i < steps; ++i) {
    opt.step();
    sched.step();
    lrs.push_back(opt.param_groups()[0].options().get_lr());
    EXPECT_DOUBLE_EQ(sched.get_last_lr()[0], lrs.back());
  }
  return lrs;
}
void expect_lrs(const std::vector<double>& got, const std::vector<double>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-12) << "epoch " << i;
}
}  // namespace

TEST(LRScheduler, StepLR) {
  expect_lrs(lr_sequence<optim::StepLR>(7, 1.0, 3u, 0.1), {1, 1, 1, 0.1, 0.1, 0.1, 0.01, 0.01});
}

TEST(LRScheduler, MultiStepLR) {
  expect_lrs(lr_sequence<optim::MultiStepLR>(6, 1.0, std::vector<int64_t>{2, 5}, 0.1),
             {1, 1, 0.1, 0.1, 0.1, 0.01, 0.01});
}

TEST(LRScheduler, ExponentialLR) {
  expect_lrs(lr_sequence<optim::ExponentialLR>(3, 2.0, 0.5), {2, 1, 0.5, 0.25});
}

TEST(LRScheduler, CosineAnnealingFollowsTheClosedForm) {
  const double base = 1.0, eta_min = 0.1;
  const int T = 4;
  std::vector<double> want;
  for (int t = 0; t <= 11; ++t)
    want.push_back(eta_min + (base - eta_min) * (1 + std::cos(M_PI * t / T)) / 2);
  expect_lrs(lr_sequence<optim::CosineAnnealingLR>(11, base, int64_t{T}, eta_min), want);
}

TEST(LRScheduler, LinearWarmup) {
  expect_lrs(lr_sequence<optim::LinearLR>(6, 0.2, 0.5, 1.0, int64_t{4}),
             {0.1, 0.125, 0.15, 0.175, 0.2, 0.2, 0.2});
  // Defaults: from a third of the rate to the full rate over 5 epochs.
  std::vector<double> want;
  for (int t = 0; t <= 6; ++t) want.push_back(0.3 * (1.0 / 3 + (2.0 / 3) * std::min(t, 5) / 5));
  expect_lrs(lr_sequence<optim::LinearLR>(6, 0.3), want);
}

TEST(LRScheduler, AppliesToEveryGroup) {
  Tensor p = make_param();
  Tensor q = make_param();
  std::vector<optim::OptimizerParamGroup> groups;
  groups.emplace_back(std::vector<Tensor>{p});
  groups.emplace_back(std::vector<Tensor>{q}, std::make_unique<optim::SGDOptions>(0.01));
  optim::SGD opt(groups, optim::SGDOptions(0.1));
  optim::ExponentialLR sched(opt, 0.5);
  sched.step();
  EXPECT_DOUBLE_EQ(opt.param_groups()[0].options().get_lr(), 0.05);
  EXPECT_DOUBLE_EQ(opt.param_groups()[1].options().get_lr(), 0.005);
  EXPECT_EQ(sched.last_epoch(), 1);
}

TEST(LRScheduler, ReduceLROnPlateauMin) {
  Tensor p = make_param();
  optim::SGD opt({p}, optim::SGDOptions(1.0));
  optim::ReduceLROnPlateauScheduler sched(opt, optim::ReduceLROnPlateauScheduler::min, 0.5,
                                          /*patience=*/2, 1e-4,
                                          optim::ReduceLROnPlateauScheduler::rel,
                                          /*cooldown=*/1, {0.2});
  const std::vector<double> metrics = {10, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9};
  const std::vector<double> want = {1,    1,    1,    1,   0.5, 0.5, 0.5, 0.5, 0.25,
                                    0.25, 0.25, 0.25, 0.2, 0.2, 0.2, 0.2, 0.2};
  for (size_t e = 0; e < metrics.size(); ++e) {
    sched.step(metrics[e]);
    EXPECT_DOUBLE_EQ(opt.param_groups()[0].options().get_lr(), want[e]) << "epoch " << e + 1;
  }
  EXPECT_DOUBLE_EQ(sched.best(), 9);
}

TEST(LRScheduler, ReduceLROnPlateauMaxAbs) {
  Tensor p = make_param();
  optim::SGD opt({p}, optim::SGDOptions(1.0));
  optim::ReduceLROnPlateau sched(opt, optim::ReduceLROnPlateau::max, 0.1, /*patience=*/0,
                                 /*threshold=*/0.5, optim::ReduceLROnPlateau::abs);
  sched.step(1.0);  // best 1
  EXPECT_DOUBLE_EQ(sched.get_last_lr()[0], 1.0);
  sched.step(1.4);  // not better than 1 + 0.5 -> reduce (patience 0)
  EXPECT_NEAR(sched.get_last_lr()[0], 0.1, 1e-15);
  sched.step(2.0);  // better
  EXPECT_NEAR(sched.get_last_lr()[0], 0.1, 1e-15);
  EXPECT_THROW(optim::ReduceLROnPlateau(opt, optim::ReduceLROnPlateau::min, 1.5), Error);
  EXPECT_THROW(optim::ReduceLROnPlateau(opt, optim::ReduceLROnPlateau::min, 0.1, 10, 1e-4,
                                        optim::ReduceLROnPlateau::rel, 0, {0.1, 0.2}),
               Error);
}

// ---- gradient clipping -----------------------------------------------------------------

TEST(ClipGrad, NormScalesAllGradientsTogether) {
  Tensor a = make_param({0, 0});
  Tensor b = make_param({0});
  Tensor c = make_param({0});  // no gradient: ignored
  a.mutable_grad() = nabla::tensor({3.0, 4.0}, TensorOptions().dtype(kDouble));
  b.mutable_grad() = nabla::tensor({-12.0}, TensorOptions().dtype(kDouble));
  const double total = nn::utils::clip_grad_norm_({a, b, c}, 6.5);
  EXPECT_NEAR(total, 13.0, 1e-12);
  const double coef = 6.5 / (13.0 + 1e-6);
  EXPECT_NEAR(values_of(a.grad())[0], 3 * coef, 1e-12);
  EXPECT_NEAR(values_of(a.grad())[1], 4 * coef, 1e-12);
  EXPECT_NEAR(values_of(b.grad())[0], -12 * coef, 1e-12);
  // Below max_norm nothing changes.
  const double again = nn::utils::clip_grad_norm_(std::vector<Tensor>{a, b}, 100.0);
  EXPECT_NEAR(again, 6.5, 1e-5);
  EXPECT_NEAR(values_of(a.grad())[0], 3 * coef, 1e-12);
}

TEST(ClipGrad, OtherNormsAndNonFinite) {
  Tensor a = make_param({0, 0});
  a.mutable_grad() = nabla::tensor({3.0, -4.0}, TensorOptions().dtype(kDouble));
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_NEAR(nn::utils::clip_grad_norm_(a, 100.0, inf), 4.0, 1e-12);
  EXPECT_NEAR(nn::utils::clip_grad_norm_(a, 100.0, 1.0), 7.0, 1e-12);
  EXPECT_NEAR(nn::utils::clip_grad_norm_(a, 1.0, 1.0), 7.0, 1e-12);
  EXPECT_NEAR(values_of(a.grad())[0], 3.0 / (7.0 + 1e-6), 1e-12);
  EXPECT_EQ(nn::utils::clip_grad_norm_(make_param(), 1.0), 0.0);  // no gradients at all
  a.mutable_grad() = nabla::tensor({inf, 1.0}, TensorOptions().dtype(kDouble));
  EXPECT_THROW(nn::utils::clip_grad_norm_(a, 1.0, 2.0, /*error_if_nonfinite=*/true), Error);
  EXPECT_THROW(nn::utils::clip_grad_norm_(a, 1.0, -1.0), Error);
}

TEST(ClipGrad, Value) {
  Tensor a = make_param({0, 0, 0});
  a.mutable_grad() = nabla::tensor({-3.0, 0.5, 7.0}, TensorOptions().dtype(kDouble));
  nn::utils::clip_grad_value_(a, 1.0);
  EXPECT_EQ(values_of(a.grad()), (std::vector<double>{-1.0, 0.5, 1.0}));
  EXPECT_THROW(nn::utils::clip_grad_value_(a, -1.0), Error);
}
