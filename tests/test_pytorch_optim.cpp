// Optimizer state from Python's torch.save(optimizer.state_dict()) (nabla/pytorch_file.h),
// against fixtures written by Debian's PyTorch (scripts/make_pytorch_optim_fixtures.py): a model
// and its SGD / Adam / AdamW / RMSprop / Adagrad state after three steps, and the parameters after
// a fourth, which nabla must reproduce from the two files.
#include <gtest/gtest.h>

#include <nabla/nabla.h>
#include <nabla/pytorch_file.h>

#include <functional>
#include <map>
#include <memory>
#include "test_util.h"

namespace {

using nabla::test_util::contains;
using nabla::test_util::error_of;

namespace nn = nabla::nn;
namespace optim = nabla::optim;

const std::string kData = NABLA_TEST_DATA_DIR;

// The fixtures' model: Linear(3, 4) -> Tanh -> Linear(4, 2).
nn::Sequential make_model(int64_t hidden = 4) {
  return nn::Sequential(nn::Linear(3, hidden), nn::Tanh(), nn::Linear(hidden, 2));
}

// Optimizers of each kind with options other than the file's (lr 1), so that a test passes
// only when load_state_dict restores them.
std::unique_ptr<optim::Optimizer> make_optimizer(const std::string& kind,
                                                 std::vector<nabla::Tensor> params) {
  if (kind == "sgd") return std::make_unique<optim::SGD>(params, optim::SGDOptions(1.0));
  if (kind == "adam") return std::make_unique<optim::Adam>(params, optim::AdamOptions(1.0));
  if (kind == "rmsprop")
    return std::make_unique<optim::RMSprop>(params, optim::RMSpropOptions(1.0));
  if (kind == "adagrad")
    return std::make_unique<optim::Adagrad>(params, optim::AdagradOptions(1.0));
  return std::make_unique<optim::AdamW>(params, optim::AdamWOptions(1.0));
}

struct Fixture {
  nn::Sequential model = make_model();
  std::map<std::string, nabla::Tensor> expected;
  explicit Fixture(const std::string& kind) {
    nabla::load_state_dict(model, kData + "/pt_optim_" + kind + "_model.pt");
    for (auto& [name, t] :
         nabla::load_safetensors(kData + "/pt_optim_" + kind + "_expected.safetensors"))
      expected[name] = t;
  }
  // One more step, as the fixture script took it; the largest distance to PyTorch's weights.
  double step_and_compare(optim::Optimizer& opt) {
    opt.zero_grad();
    nabla::mse_loss(model->forward(expected["x"]), expected["y"]).backward();
    opt.step();
    double worst = 0;
    for (const auto& p : model->named_parameters())
      worst = std::max(worst, (p.value() - expected.at(p.key())).abs().max().item<double>());
    return worst;
  }
};

class PyTorchOptimizer : public ::testing::TestWithParam<std::string> {};

TEST_P(PyTorchOptimizer, TakesTheSameNextStepAsPyTorch) {
  Fixture f(GetParam());
  auto opt = make_optimizer(GetParam(), f.model->parameters());
  nabla::load_state_dict(*opt, kData + "/pt_optim_" + GetParam() + ".pt");
  EXPECT_LE(f.step_and_compare(*opt), 1e-6);
}

TEST_P(PyTorchOptimizer, TheLoadedStateMatters) {
  // With the file's hyper-parameters but without its state, the step differs: the test above
  // compares something the state decides.
  Fixture f(GetParam());
  auto loaded = make_optimizer(GetParam(), f.model->parameters());
  nabla::load_state_dict(*loaded, kData + "/pt_optim_" + GetParam() + ".pt");
  auto fresh = make_optimizer(GetParam(), f.model->parameters());
  fresh->param_groups()[0].set_options(loaded->param_groups()[0].options().clone());
  EXPECT_GT(f.step_and_compare(*fresh), 1e-4);
}

INSTANTIATE_TEST_SUITE_P(Kinds, PyTorchOptimizer,
                         ::testing::Values("sgd", "adam", "adamw", "rmsprop", "adagrad"));

TEST(PyTorchOptimizerFile, RestoresHyperParameters) {
  Fixture sgd_f("sgd");
  optim::SGD sgd(sgd_f.model->parameters(), optim::SGDOptions(1.0));
  nabla::load_state_dict(sgd, kData + "/pt_optim_sgd.pt");
  const auto& s = static_cast<const optim::SGDOptions&>(sgd.param_groups()[0].options());
  EXPECT_DOUBLE_EQ(s.lr(), 0.1);
  EXPECT_DOUBLE_EQ(s.momentum(), 0.9);
  EXPECT_DOUBLE_EQ(s.dampening(), 0.1);
  EXPECT_DOUBLE_EQ(s.weight_decay(), 0.01);
  EXPECT_FALSE(s.nesterov());

  Fixture adamw_f("adamw");
  optim::AdamW adamw(adamw_f.model->parameters(), optim::AdamWOptions(1.0));
  nabla::load_state_dict(adamw, kData + "/pt_optim_adamw.pt");
  const auto& a = static_cast<const optim::AdamWOptions&>(adamw.param_groups()[0].options());
  EXPECT_DOUBLE_EQ(a.lr(), 0.02);
  EXPECT_DOUBLE_EQ(std::get<0>(a.betas()), 0.85);
  EXPECT_DOUBLE_EQ(std::get<1>(a.betas()), 0.995);
  EXPECT_DOUBLE_EQ(a.eps(), 1e-8);
  EXPECT_DOUBLE_EQ(a.weight_decay(), 0.1);
  EXPECT_TRUE(a.amsgrad());
  const auto& state = static_cast<const optim::AdamParamState&>(
      *adamw.state().at(adamw_f.model->parameters()[0].unsafeGetTensorImpl()));
  EXPECT_EQ(state.step(), 3);
  EXPECT_TRUE(state.max_exp_avg_sq().defined());
}

TEST(PyTorchOptimizerFile, ReadsTheNamesOfOptimizerStateDict) {
  std::map<std::string, nabla::Tensor> got;
  for (auto& [name, t] : nabla::load_pytorch_optimizer_state_dict(kData + "/pt_optim_adam.pt"))
    got[name] = t;
  for (const char* name : {"param_groups.0.params", "param_groups.0.lr", "param_groups.0.betas",
                           "param_groups.0.eps", "param_groups.0.weight_decay",
                           "param_groups.0.amsgrad", "state.0.step", "state.3.exp_avg_sq"})
    EXPECT_TRUE(got.count(name)) << name;
  EXPECT_FALSE(got.count("param_groups.0.foreach"));
  EXPECT_EQ(got["state.0.step"].scalar_type(), nabla::kLong);
  EXPECT_EQ(got["param_groups.0.params"].sizes(), (std::vector<int64_t>{4}));
}

TEST(PyTorchOptimizerFile, RefusesAnotherOptimizerKind) {
  auto model = make_model();
  optim::Adam adam(model->parameters(), optim::AdamOptions(1.0));
  const auto sgd_into_adam =
      error_of([&] { nabla::load_state_dict(adam, kData + "/pt_optim_sgd.pt"); });
  EXPECT_TRUE(contains(sgd_into_adam, "torch.optim.SGD")) << sgd_into_adam;
  EXPECT_TRUE(contains(sgd_into_adam, "does not map")) << sgd_into_adam;
  EXPECT_DOUBLE_EQ(adam.param_groups()[0].options().get_lr(), 1.0);  // unchanged
  optim::SGD sgd(model->parameters(), optim::SGDOptions(1.0));
  const auto adam_into_sgd =
      error_of([&] { nabla::load_state_dict(sgd, kData + "/pt_optim_adam.pt"); });
  EXPECT_TRUE(contains(adam_into_sgd, "torch.optim.Adam or AdamW")) << adam_into_sgd;
  // A model's state_dict is not an optimizer's, and the other way round.
  const auto model_file =
      error_of([&] { nabla::load_state_dict(sgd, kData + "/pt_optim_sgd_model.pt"); });
  EXPECT_TRUE(contains(model_file, "holds no optimizer state_dict")) << model_file;
  const auto optim_file =
      error_of([&] { nabla::load_pytorch_state_dict(kData + "/pt_optim_sgd.pt"); });
  EXPECT_TRUE(contains(optim_file, "load_pytorch_optimizer_state_dict")) << optim_file;
}

TEST(PyTorchOptimizerFile, RefusesAnotherParameterCountOrShape) {
  auto model = make_model();
  auto params = model->parameters();
  params.push_back(nabla::zeros({2}, nabla::requires_grad()));
  optim::Adam more(params, optim::AdamOptions(1.0));
  const auto count = error_of([&] { nabla::load_state_dict(more, kData + "/pt_optim_adam.pt"); });
  EXPECT_TRUE(contains(count, "4 parameters in 1 groups, but the optimizer has 5")) << count;

  auto wider = make_model(/*hidden=*/5);
  optim::Adam other_shapes(wider->parameters(), optim::AdamOptions(1.0));
  const auto shape =
      error_of([&] { nabla::load_state_dict(other_shapes, kData + "/pt_optim_adam.pt"); });
  EXPECT_TRUE(contains(shape, "has shape [4, 3] but its parameter has shape [5, 3]")) << shape;
  EXPECT_TRUE(contains(shape, "pt_optim_adam.pt")) << shape;
  EXPECT_TRUE(other_shapes.state().empty());
  EXPECT_DOUBLE_EQ(other_shapes.param_groups()[0].options().get_lr(), 1.0);
}

TEST(PyTorchOptimizerFile, RefusesTruncatedAndCyclicFiles) {
  auto model = make_model();
  optim::Adam adam(model->parameters(), optim::AdamOptions(1.0));
  const auto truncated =
      error_of([&] { nabla::load_state_dict(adam, kData + "/pt_optim_truncated.pt"); });
  EXPECT_TRUE(contains(truncated, "fewer than its")) << truncated;
  EXPECT_TRUE(contains(truncated, "pt_optim_truncated.pt")) << truncated;
  const auto cyclic =
      error_of([&] { nabla::load_state_dict(adam, kData + "/pt_optim_cyclic.pt"); });
  EXPECT_TRUE(contains(cyclic, "contains itself")) << cyclic;
  EXPECT_TRUE(adam.state().empty());
}

}  // namespace

// ---- LBFGS against torch.optim.LBFGS (scripts/make_pytorch_optim_fixtures.py, lbfgs_fixture):
// three steps from the same float64 parameters, with fixed steps and with the line search ----

namespace {

struct LbfgsFixture {
  std::map<std::string, nabla::Tensor> data;
  nn::Sequential model = make_model();
  LbfgsFixture() {
    for (auto& [name, t] : nabla::load_safetensors(kData + "/pt_lbfgs_expected.safetensors"))
      data[name] = t;
    model->to(nabla::kFloat64);
    nabla::NoGradGuard no_grad;
    for (auto& p : model->named_parameters()) p.value().copy_(data.at("init." + p.key()));
  }
  optim::Optimizer::LossClosure closure(optim::Optimizer& opt) {
    return [this, &opt] {
      opt.zero_grad();
      nabla::Tensor loss = nabla::mse_loss(model->forward(data.at("x")), data.at("y"));
      loss.backward();
      return loss;
    };
  }
  // Three steps; the largest distance of the losses and the parameters to PyTorch's.
  double run(const std::string& name, optim::LBFGS& opt) {
    std::vector<double> losses;
    for (int i = 0; i < 3; ++i) losses.push_back(opt.step(closure(opt)).item<double>());
    const nabla::Tensor expected_losses = data.at(name + ".losses");
    double worst = 0;
    for (int i = 0; i < 3; ++i)
      worst = std::max(worst, std::abs(losses[i] - expected_losses[i].item<double>()));
    for (const auto& p : model->named_parameters())
      worst =
          std::max(worst, (p.value() - data.at(name + "." + p.key())).abs().max().item<double>());
    const auto& state = static_cast<optim::LBFGSParamState&>(
        *opt.state().at(model->parameters()[0].unsafeGetTensorImpl()));
    EXPECT_EQ(state.func_evals(), data.at(name + ".counts")[0].item<double>()) << name;
    EXPECT_EQ(state.n_iter(), data.at(name + ".counts")[1].item<double>()) << name;
    return worst;
  }
};

TEST(LBFGS, TakesPyTorchsStepsWithFixedSteps) {
  LbfgsFixture f;
  optim::LBFGS opt(f.model->parameters(), optim::LBFGSOptions(0.5).max_iter(5).history_size(3));
  EXPECT_LT(f.run("plain", opt), 1e-12);
}

TEST(LBFGS, TakesPyTorchsStepsWithTheStrongWolfeLineSearch) {
  LbfgsFixture f;
  optim::LBFGS opt(
      f.model->parameters(),
      optim::LBFGSOptions(1).max_iter(6).history_size(4).line_search_fn("strong_wolfe"));
  EXPECT_LT(f.run("wolfe", opt), 1e-12);
}

TEST(LBFGS, StateDictResumesTheSameSteps) {
  // Two steps, save; a new optimizer loads the state and takes the third: as the first would.
  LbfgsFixture a, b;
  const auto options =
      optim::LBFGSOptions(1).max_iter(4).history_size(3).line_search_fn("strong_wolfe");
  optim::LBFGS first(a.model->parameters(), options);
  for (int i = 0; i < 2; ++i) first.step(a.closure(first));
  optim::LBFGS resumed(b.model->parameters(), optim::LBFGSOptions(0.1));
  {
    nabla::NoGradGuard no_grad;
    for (size_t i = 0; i < a.model->parameters().size(); ++i)
      b.model->parameters()[i].copy_(a.model->parameters()[i]);
  }
  resumed.load_state_dict(first.state_dict());
  EXPECT_EQ(
      static_cast<const optim::LBFGSOptions&>(resumed.param_groups()[0].options()).line_search_fn(),
      std::optional<std::string>("strong_wolfe"));
  first.step(a.closure(first));
  resumed.step(b.closure(resumed));
  for (size_t i = 0; i < a.model->parameters().size(); ++i)
    EXPECT_TRUE(a.model->parameters()[i].equal(b.model->parameters()[i])) << i;
}

TEST(LBFGS, MinimizesRosenbrock) {
  const nabla::Tensor xy = nabla::tensor({-1.5, 2.0}, nabla::kFloat64).requires_grad_();
  optim::LBFGS opt({xy}, optim::LBFGSOptions(1).max_iter(200).line_search_fn("strong_wolfe"));
  auto rosenbrock = [&] {
    opt.zero_grad();
    const nabla::Tensor x = xy[0], y = xy[1];
    nabla::Tensor loss = (1 - x).pow(2) + 100 * (y - x * x).pow(2);
    loss.backward();
    return loss;
  };
  for (int i = 0; i < 5; ++i) opt.step(rosenbrock);
  // Stopped by tolerance_grad (1e-7) near the minimum (1, 1).
  EXPECT_NEAR(xy[0].item<double>(), 1.0, 1e-5);
  EXPECT_NEAR(xy[1].item<double>(), 1.0, 1e-5);
}

TEST(LBFGS, Errors) {
  const nabla::Tensor w = nabla::zeros({2}).requires_grad_();
  optim::LBFGS opt({w});
  EXPECT_TRUE(contains(error_of([&] { opt.step(nullptr); }), "[LBFGS] step() needs a closure"));
  const std::string line_search = error_of(
      [&] { optim::LBFGS bad({w}, optim::LBFGSOptions().line_search_fn("backtracking")); });
  EXPECT_TRUE(contains(line_search, "only 'strong_wolfe' is supported")) << line_search;
  const std::string groups = error_of([&] {
    optim::LBFGS two({optim::OptimizerParamGroup({w}),
                      optim::OptimizerParamGroup({nabla::zeros({1}).requires_grad_()})});
  });
  EXPECT_TRUE(contains(groups, "doesn't support per-parameter options")) << groups;
  // A state for parameters of another size is refused at the next step, naming the sizes.
  LbfgsFixture f;
  optim::LBFGS trained(f.model->parameters(), optim::LBFGSOptions().max_iter(2));
  trained.step(f.closure(trained));
  const nabla::Tensor small = nabla::ones({3}, nabla::kFloat64).requires_grad_();
  optim::LBFGS other({small});
  nabla::NamedTensors state = trained.state_dict();
  for (auto& [name, t] : state)
    if (name == "param_groups.0.params") t = nabla::tensor({int64_t{0}});
  const std::string misfit = error_of([&] {
    other.load_state_dict(state);
    other.step([&] {
      other.zero_grad();
      nabla::Tensor loss = small.pow(2).sum();
      loss.backward();
      return loss;
    });
  });
  EXPECT_TRUE(contains(misfit,
                       "[LBFGS] the state's direction and gradient do not fit parameters "
                       "of 3 elements"))
      << misfit;
}

}  // namespace
