// One driver over the op table (op_db.cpp): for every row, (1) the forward values in float64
// match PyTorch's (tests/data/op_fixtures.json), (2) the float32 forward agrees with float64,
// (3) gradients match central differences in float64, (4) so do second derivatives.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "op_db.h"

using nabla::Tensor;
using nabla::testing::op_db;
using nabla::testing::OpInfo;
using nabla::testing::sample_input;

namespace {

const nlohmann::json& fixtures() {
  static const nlohmann::json j = [] {
    std::ifstream f(NABLA_TEST_DATA_DIR "/op_fixtures.json");
    EXPECT_TRUE(f.good()) << "missing tests/data/op_fixtures.json (run scripts/make_fixtures.py)";
    return nlohmann::json::parse(f);
  }();
  return j;
}

std::vector<Tensor> make_inputs(const OpInfo& op, nabla::ScalarType dtype, bool requires_grad) {
  std::vector<Tensor> inputs;
  for (size_t k = 0; k < op.shapes.size(); ++k) {
    Tensor t = sample_input(op.shapes[k], static_cast<int>(k), op.domain, dtype);
    if (requires_grad) t.requires_grad_(true);
    inputs.push_back(t);
  }
  return inputs;
}

class OpTest : public ::testing::TestWithParam<OpInfo> {};

TEST_P(OpTest, ForwardMatchesPyTorch) {
  const OpInfo& op = GetParam();
  ASSERT_TRUE(fixtures()["ops"].contains(op.name)) << "no PyTorch fixture for " << op.name;
  const auto& expected = fixtures()["ops"][op.name];
  std::vector<Tensor> outputs = op.fn(make_inputs(op, nabla::kFloat64, false));
  ASSERT_EQ(outputs.size(), expected.size());
  for (size_t i = 0; i < outputs.size(); ++i) {
    EXPECT_EQ(outputs[i].sizes().vec(), expected[i]["shape"].get<std::vector<int64_t>>())
        << op.name << " output " << i;
    std::vector<double> values = expected[i]["values"].get<std::vector<double>>();
    Tensor want = nabla::tensor(values, nabla::dtype(nabla::kFloat64)).reshape(outputs[i].sizes());
    EXPECT_TRUE(outputs[i].allclose(want, 1e-10, 1e-12))
        << op.name << " output " << i << "\n got " << outputs[i] << "\n want " << want;
  }
}

TEST_P(OpTest, Float32AgreesWithFloat64) {
  const OpInfo& op = GetParam();
  std::vector<Tensor> out32 = op.fn(make_inputs(op, nabla::kFloat32, false));
  std::vector<Tensor> out64 = op.fn(make_inputs(op, nabla::kFloat64, false));
  ASSERT_EQ(out32.size(), out64.size());
  for (size_t i = 0; i < out32.size(); ++i) {
    EXPECT_EQ(out32[i].scalar_type(), nabla::kFloat32) << op.name;
    EXPECT_TRUE(out32[i].to(nabla::kFloat64).allclose(out64[i], 1e-4, 1e-5)) << op.name;
  }
}

TEST_P(OpTest, GradientMatchesFiniteDifferences) {
  const OpInfo& op = GetParam();
  nabla::autograd::GradcheckOptions opts;
  EXPECT_TRUE(nabla::autograd::gradcheck(op.fn, make_inputs(op, nabla::kFloat64, true), opts))
      << op.name;
}

TEST_P(OpTest, SecondDerivativeMatchesFiniteDifferences) {
  const OpInfo& op = GetParam();
  if (!op.grad_grad) GTEST_SKIP() << op.name << " is not twice differentiable";
  nabla::autograd::GradcheckOptions opts;
  opts.check_grad_grad = true;
  EXPECT_TRUE(nabla::autograd::gradcheck(op.fn, make_inputs(op, nabla::kFloat64, true), opts))
      << op.name;
}

INSTANTIATE_TEST_SUITE_P(OpDb, OpTest, ::testing::ValuesIn(op_db()),
                         [](const ::testing::TestParamInfo<OpInfo>& info) {
                           return info.param.name;
                         });

TEST(OpDb, NamesAreUniqueAndEveryFixtureHasARow) {
  std::set<std::string> names;
  for (const OpInfo& op : op_db()) EXPECT_TRUE(names.insert(op.name).second) << op.name;
  for (const auto& [name, _] : fixtures()["ops"].items())
    EXPECT_TRUE(names.count(name)) << "fixture " << name << " has no row in op_db.cpp";
}

}  // namespace
