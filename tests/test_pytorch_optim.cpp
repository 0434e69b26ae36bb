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
