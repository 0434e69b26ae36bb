// Module and optimizer checkpoints: round trips, a PyTorch state_dict loaded into the same
// nabla model, and clear errors for checkpoints that do not fit the model.
#include <gtest/gtest.h>
#include <nabla/checkpoint.h>
#include <nabla/nabla.h>

#include <cstdio>
#include <filesystem>

using namespace nabla;  // NOLINT

namespace {

nn::Sequential mlp() { return nn::Sequential(nn::Linear(6, 5), nn::ReLU(), nn::Linear(5, 3)); }

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("nabla_ckpt_" + name)).string();
}

TEST(Checkpoint, PyTorchStateDictLoadsIntoTheSameModel) {
  nn::Sequential model = mlp();
  load(model, NABLA_TEST_DATA_DIR "/torch_mlp.safetensors");
  NamedTensors expected = load_safetensors(NABLA_TEST_DATA_DIR "/torch_mlp_expected.safetensors");
  ASSERT_EQ(expected.size(), 2u);
  Tensor y = model->forward(expected[0].second);
  EXPECT_TRUE(y.allclose(expected[1].second, 1e-5, 1e-6)) << y << expected[1].second;
}

TEST(Checkpoint, ModuleRoundTripKeepsParameterIdentity) {
  manual_seed(1);
  nn::Sequential a = mlp();
  const std::string path = temp_path("roundtrip.safetensors");
  save(a, path);
  manual_seed(2);
  nn::Sequential b = mlp();
  Tensor w = b->named_parameters()["0.weight"];
  load(b, path);
  EXPECT_TRUE(w.is_same(b->named_parameters()["0.weight"]));  // loaded in place
  for (const auto& item : a->named_parameters())
    EXPECT_TRUE(item.value().equal(b->named_parameters()[item.key()])) << item.key();
  std::remove(path.c_str());
}

TEST(Checkpoint, MismatchedCheckpointsAreClearErrorsAndChangeNothing) {
  const std::string path = temp_path("other.safetensors");
  save(nn::Sequential(nn::Linear(6, 4), nn::ReLU(), nn::Linear(4, 3)), path);
  nn::Sequential model = mlp();
  Tensor before = model->named_parameters()["2.weight"].clone();
  try {
    load(model, path);
    FAIL() << "expected nabla::Error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("0.weight: checkpoint has shape [4, 6], the model [5, 6]"),
              std::string::npos)
        << msg;
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
  }
  EXPECT_TRUE(before.equal(model->named_parameters()["2.weight"]));
  save(NamedTensors{{"0.weight", zeros({5, 6})}}, path);
  EXPECT_THROW(load(model, path), Error);  // strict: missing keys
  EXPECT_NO_THROW(load(model, path, /*strict=*/false));
  EXPECT_THROW(load(model, temp_path("does_not_exist")), Error);
  std::remove(path.c_str());
}

TEST(Checkpoint, OptimizerStateResumesExactly) {
  manual_seed(3);
  nn::Sequential model = mlp();
  optim::Adam opt(model->parameters(), optim::AdamOptions(0.01));
  Tensor x = randn({8, 6});
  auto step = [&](nn::Sequential& m, optim::Optimizer& o) {
    o.zero_grad();
    m->forward(x).pow(2).mean().backward();
    o.step();
  };
  step(model, opt);
  const std::string mpath = temp_path("m.safetensors"), opath = temp_path("o.safetensors");
  save(model, mpath);
  save(opt, opath);
  step(model, opt);  // the reference second step

  nn::Sequential resumed = mlp();
  optim::Adam opt2(resumed->parameters(), optim::AdamOptions(0.01));
  load(resumed, mpath);
  load(opt2, opath);
  step(resumed, opt2);
  for (const auto& item : model->named_parameters())
    EXPECT_TRUE(item.value().equal(resumed->named_parameters()[item.key()])) << item.key();
  std::remove(mpath.c_str());
  std::remove(opath.c_str());
}

}  // namespace

// A load error names the file once: the reader's message already has it.
TEST(CheckpointErrors, NameTheFileOnce) {
  const std::string path = "no_such_checkpoint_file.safetensors";
  nabla::nn::Linear model(2, 2);
  try {
    nabla::load(model, path);
    FAIL() << "no error";
  } catch (const nabla::Error& e) {
    const std::string what = e.what();
    const size_t first = what.find(path);
    ASSERT_NE(first, std::string::npos) << what;
    EXPECT_EQ(what.find(path, first + 1), std::string::npos) << what;
  }
  nabla::save(nabla::NamedTensors{{"weight", nabla::zeros({3})}}, path);
  try {
    nabla::load(model, path);  // a shape error from load_state_dict names the file after it
    FAIL() << "no error";
  } catch (const nabla::Error& e) {
    const std::string what = e.what();
    const size_t first = what.find(path);
    ASSERT_NE(first, std::string::npos) << what;
    EXPECT_EQ(what.find(path, first + 1), std::string::npos) << what;
  }
  std::remove(path.c_str());
}
