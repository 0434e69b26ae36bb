// One driver over the op table (op_db.cpp): for every row, (1) the forward values in float64
// match PyTorch's (tests/data/op_fixtures.json), (2) the float32 forward agrees with float64,
// (3) gradients match central differences in float64, (4) so do second derivatives.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "nabla/autocast.h"
#include "nabla/op_list.h"
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
  const auto& fixture = fixtures()["ops"][op.name];
  // The fixture was computed from this row: the same expression, shapes and domain.
  const char* stale = " changed after the fixtures were made: rerun scripts/make_fixtures.py";
  EXPECT_EQ(fixture["torch"].get<std::string>(), op.torch) << op.name << stale;
  EXPECT_EQ(fixture["shapes"].get<std::vector<std::vector<int64_t>>>(), op.shapes)
      << op.name << stale;
  EXPECT_EQ(fixture["domain"].get<std::string>(), nabla::testing::domain_name(op.domain))
      << op.name << stale;
  const auto& expected = fixture["outputs"];
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

// float16 and bfloat16 compute in float32 and round each op's result: every row's forward in
// 16 bits agrees with the float32 forward of the same (rounded) inputs within the dtype's
// precision, compounded over the row's few ops. Integer outputs (indices) may differ where
// rounding makes ties, and are not compared.
TEST_P(OpTest, SixteenBitAgreesWithFloat32) {
  const OpInfo& op = GetParam();
  for (auto dtype : {nabla::kBFloat16, nabla::kHalf}) {
    const double tol = dtype == nabla::kBFloat16 ? 6e-2 : 1e-2;
    std::vector<Tensor> low, rounded;
    for (const Tensor& t : make_inputs(op, nabla::kFloat32, false)) {
      low.push_back(t.to(dtype));
      rounded.push_back(low.back().to(nabla::kFloat32));
    }
    std::vector<Tensor> got = op.fn(low), want = op.fn(rounded);
    ASSERT_EQ(got.size(), want.size()) << op.name;
    for (size_t i = 0; i < got.size(); ++i) {
      if (want[i].scalar_type() != nabla::kFloat32) continue;
      EXPECT_EQ(got[i].scalar_type(), dtype) << op.name << " output " << i;
      EXPECT_EQ(got[i].sizes(), want[i].sizes()) << op.name << " output " << i;
      const Tensor g = got[i].to(nabla::kFloat32);
      const double scale = want[i].numel() ? want[i].abs().max().item<double>() : 0;
      EXPECT_TRUE(g.allclose(want[i], tol, tol * std::max(1.0, scale)))
          << op.name << " output " << i << " in " << dtype << "\n got " << g << "\n want "
          << want[i];
    }
  }
}

// Under autocast, every row's gradients reach float32 inputs as float32 and agree with the
// float32 run within bfloat16's precision.
TEST_P(OpTest, AutocastGradientsAgreeWithFloat32) {
  const OpInfo& op = GetParam();
  auto grads = [&](bool mixed) {
    std::vector<Tensor> in = make_inputs(op, nabla::kFloat32, true);
    Tensor total;
    {
      nabla::autocast guard(nabla::kCPU, nabla::kBFloat16, mixed);
      for (const Tensor& out : op.fn(in)) {
        if (!out.requires_grad()) continue;
        // A fixed, non-constant weighting of the outputs (independent of their values).
        const Tensor w = nabla::arange(out.numel()).to(nabla::kFloat32).mul(0.37).sin();
        const Tensor s = (out.to(nabla::kFloat32) * w.reshape(out.sizes())).sum();
        total = total.defined() ? total + s : s;
      }
    }
    std::vector<Tensor> g;
    if (!total.defined()) return g;
    total.backward();
    for (const Tensor& t : in) g.push_back(t.grad());
    return g;
  };
  const std::vector<Tensor> g32 = grads(false), g16 = grads(true);
  ASSERT_EQ(g32.size(), g16.size()) << op.name;
  for (size_t i = 0; i < g32.size(); ++i) {
    ASSERT_EQ(g32[i].defined(), g16[i].defined()) << op.name << " input " << i;
    if (!g32[i].defined()) continue;
    EXPECT_EQ(g16[i].scalar_type(), nabla::kFloat32) << op.name << " input " << i;
    const double scale = g32[i].numel() ? g32[i].abs().max().item<double>() : 0;
    EXPECT_TRUE(g16[i].allclose(g32[i], 0.1, 0.1 * std::max(1.0, scale)))
        << op.name << " input " << i << "\n got " << g16[i] << "\n want " << g32[i];
  }
}

// On the meta device (shapes and dtypes, no storage) every row gives the CPU's shapes, strides
// and dtypes, on meta: no op builds a helper tensor on the CPU or reads values on the host
// without going through the backend.
TEST_P(OpTest, MetaDeviceGivesTheCpuShapesAndDtypes) {
  const OpInfo& op = GetParam();
  std::vector<Tensor> cpu_in = make_inputs(op, nabla::kFloat32, false), meta_in;
  for (const Tensor& t : cpu_in) meta_in.push_back(t.to(nabla::kMeta));
  const std::vector<Tensor> want = op.fn(cpu_in), got = op.fn(meta_in);
  ASSERT_EQ(got.size(), want.size()) << op.name;
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].device(), nabla::Device(nabla::kMeta)) << op.name << " output " << i;
    EXPECT_EQ(got[i].sizes(), want[i].sizes()) << op.name << " output " << i;
    EXPECT_EQ(got[i].strides(), want[i].strides()) << op.name << " output " << i;
    EXPECT_EQ(got[i].scalar_type(), want[i].scalar_type()) << op.name << " output " << i;
  }
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

// Every elementwise op of the one op list (nabla/op_list.h) names its op-table row, and the
// row exists; a new op without a row fails here. Non-differentiable ops name none.
TEST(OpDb, EveryElementwiseOpHasItsRow) {
  std::set<std::string> rows;
  for (const OpInfo& op : op_db()) rows.insert(op.name);
  struct Entry {
    const char* op;
    const char* row;
  };
  const std::vector<Entry> ops = {
#define NABLA_ENTRY(F, name, kind, row) {#name, row},
      NABLA_UNARY_OPS(NABLA_ENTRY) NABLA_BINARY_OPS(NABLA_ENTRY)
#undef NABLA_ENTRY
  };
  int with_row = 0;
  for (const Entry& e : ops) {
    if (e.row == nullptr) continue;
    ++with_row;
    EXPECT_TRUE(rows.count(e.row)) << e.op << ": no row '" << e.row << "' in tests/op_db.cpp";
  }
  EXPECT_GE(with_row, 20);  // the list is not empty or all opted out
}

}  // namespace
