// Training utilities: progress bar lines, running means, accuracy, model summary, curves.
#include <gtest/gtest.h>
#include <nabla/nabla.h>
#include <nabla/train.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

using namespace nabla;  // NOLINT

namespace {

TEST(ProgressBar, PrintsPlainLinesWhenNotATerminal) {
  std::ostringstream out;
  train::ProgressBar bar(4, "epoch 1", &out, /*plain_interval_s=*/0.0);
  bar.update(1, {{"loss", 0.5}});
  bar.update(3, {{"loss", 0.25}});
  bar.finish();
  const std::string s = out.str();
  EXPECT_EQ(s.find('\r'), std::string::npos);  // no carriage returns in a log file
  EXPECT_NE(s.find("epoch 1 [======>"), std::string::npos) << s;
  EXPECT_NE(s.find("1/4  25%"), std::string::npos) << s;
  EXPECT_NE(s.find("4/4 100%"), std::string::npos) << s;
  EXPECT_NE(s.find("loss 0.2500"), std::string::npos) << s;
  EXPECT_NE(s.find("it/s"), std::string::npos) << s;
}

TEST(Metrics, RunningMeanAndAccuracy) {
  train::RunningMean m;
  m.add(1.0, 3);
  m.add(3.0, 1);
  EXPECT_DOUBLE_EQ(m.mean(), 1.5);
  EXPECT_EQ(m.count(), 4);
  Tensor logits = tensor({{0.1, 0.9}, {0.8, 0.2}, {0.3, 0.7}});
  EXPECT_EQ(train::count_correct(logits, tensor({1, 0, 0})), 2);
  EXPECT_DOUBLE_EQ(train::accuracy(logits, tensor({1, 0, 1})), 1.0);
  EXPECT_THROW(train::accuracy(logits, tensor({1, 0})), Error);
}

TEST(Summary, ListsLayersShapesAndParameterCounts) {
  nn::Sequential model(nn::Flatten(), nn::Linear(12, 5), nn::ReLU(), nn::Linear(5, 2));
  const std::string s = train::summary(*model, zeros({1, 3, 4}));
  EXPECT_NE(s.find("[1, 5]"), std::string::npos) << s;
  EXPECT_NE(s.find("65"), std::string::npos) << s;  // 12*5 + 5
  EXPECT_NE(s.find("total parameters: 77"), std::string::npos) << s;
  EXPECT_EQ(train::count_parameters(*model), 77);
}

TEST(Curves, CsvRoundTripAndSvg) {
  train::Curves c;
  c.add(1, {{"train_loss", 0.5}, {"test_accuracy", 0.8}});
  c.add(2, {{"train_loss", 0.25}, {"test_accuracy", 0.9}});
  EXPECT_EQ(c.csv(), "epoch,train_loss,test_accuracy\n1,0.5,0.8\n2,0.25,0.9\n");
  const std::string svg = c.svg();
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find("<polyline"), std::string::npos);
  EXPECT_NE(svg.find("train_loss"), std::string::npos);
  const std::string path = (std::filesystem::temp_directory_path() / "nabla_curves.csv").string();
  c.write_csv(path);
  train::Curves back;
  back.read_csv(path);
  EXPECT_EQ(back.csv(), c.csv());
  std::remove(path.c_str());
  EXPECT_THROW(back.read_csv(path), Error);
}

}  // namespace

namespace {

std::string fmt_sizes(const std::string& tag, const nn::Module& m, const std::vector<Tensor>& ts) {
  std::ostringstream out;
  out << tag << " " << (m.name().find("Linear") != std::string::npos ? "Linear" : m.name());
  for (const Tensor& t : ts) out << " " << t.sizes();
  return out.str();
}

// The line of the summary `s` whose text starts with `start` (after its indentation is kept).
std::string row_of(const std::string& s, const std::string& start) {
  std::istringstream lines(s);
  for (std::string line; std::getline(lines, line);)
    if (line.rfind(start, 0) == 0) return line;
  return "";
}

// The output-shape column of a row: what stands before its parameter count.
std::string shape_of(const std::string& row) {
  std::istringstream words(row);
  std::vector<std::string> w;
  for (std::string x; words >> x;) w.push_back(x);
  if (w.size() < 2) return "";
  // A shape ends with "]" (possibly split by spaces: "[1," "4]"); "-" otherwise.
  if (w[w.size() - 2] == "-") return "-";
  const size_t open = row.rfind('[');
  const size_t close = row.rfind(']');
  return open == std::string::npos || close == std::string::npos
             ? ""
             : row.substr(open, close - open + 1);
}

struct SummaryBlockImpl : nn::Module {
  SummaryBlockImpl()
      : fc(register_module("fully_connected_layer_with_a_long_name_beyond_forty_characters",
                           nn::Linear(4, 3))) {}
  Tensor forward(const Tensor& x) { return fc(x); }
  nn::Linear fc;
};
NABLA_MODULE(SummaryBlock);

struct SummaryNetImpl : nn::Module {
  SummaryNetImpl()
      : body(register_module("body", nn::Sequential(nn::Linear(2, 4),
                                                    nn::Sequential(nn::Linear(4, 4), nn::Tanh())))),
        block(register_module("block", SummaryBlock())),
        unused(register_module("unused", nn::Linear(3, 3))),
        direct(register_module("direct", nn::Linear(3, 2))) {}
  Tensor forward(const Tensor& x) { return direct->forward(block(body(x))); }
  nn::Sequential body;
  SummaryBlock block;
  nn::Linear unused, direct;
};
NABLA_MODULE(SummaryNet);

TEST(Summary, FullNamesAndTheNestedTree) {
  SummaryNet model;
  const std::string s = train::summary(model);
  // The full name (longer than 40 characters), indented under its user's module.
  EXPECT_NE(row_of(s,
                   "  fully_connected_layer_with_a_long_name_beyond_forty_characters: "
                   "nabla::nn::Linear(in_features=4, out_features=3, bias=true)"),
            "")
      << s;
  // A Sequential in a Sequential: its entries two levels down.
  EXPECT_NE(row_of(s, "  1: nabla::nn::Sequential"), "") << s;
  EXPECT_NE(row_of(s, "    0: nabla::nn::Linear(in_features=4, out_features=4, bias=true)"), "")
      << s;
  EXPECT_NE(row_of(s, "    1: nabla::nn::Tanh()"), "") << s;
  EXPECT_NE(s.find("total parameters: " + std::to_string(train::count_parameters(*model))),
            std::string::npos);

  // ModuleList and ModuleDict entries under their container.
  nn::Sequential holder(
      nn::ModuleList(nn::Linear(1, 2), nn::ReLU()),
      nn::ModuleDict(std::vector<std::pair<std::string, std::shared_ptr<nn::Module>>>{
          {"encoder_with_a_name", nn::Linear(2, 3).ptr()}}));
  const std::string t = train::summary(*holder);
  EXPECT_NE(row_of(t, "0: nabla::nn::ModuleList"), "") << t;
  EXPECT_NE(row_of(t, "  0: nabla::nn::Linear(in_features=1, out_features=2, bias=true)"), "") << t;
  EXPECT_NE(row_of(t, "  1: nabla::nn::ReLU()"), "") << t;
  EXPECT_NE(row_of(t, "1: nabla::nn::ModuleDict"), "") << t;
  EXPECT_NE(row_of(t, "  encoder_with_a_name: nabla::nn::Linear(in_features=2, out_features=3"), "")
      << t;
}

TEST(Summary, ShapesOfAUsersOwnModules) {
  manual_seed(0);
  SummaryNet model;
  const std::string s = train::summary(model, zeros({5, 2}));
  EXPECT_EQ(shape_of(row_of(s, "body: ")), "[5, 4]") << s;
  EXPECT_EQ(shape_of(row_of(s, "  0: nabla::nn::Linear(in_features=2")), "[5, 4]") << s;
  EXPECT_EQ(shape_of(row_of(s, "    1: nabla::nn::Tanh()")), "[5, 4]") << s;
  EXPECT_EQ(shape_of(row_of(s, "block: ")), "[5, 3]") << s;  // a user's module in a user's
  EXPECT_EQ(shape_of(row_of(s, "  fully_connected")), "[5, 3]") << s;
  // Never called, and called as ->forward (no hooks, as module.forward in PyTorch): "-".
  EXPECT_EQ(shape_of(row_of(s, "unused: ")), "-") << s;
  EXPECT_EQ(shape_of(row_of(s, "direct: ")), "-") << s;
  EXPECT_NE(s.find("output shape: [5, 2]"), std::string::npos) << s;
  // The summary's hooks are gone afterwards.
  for (const auto& m : model->modules()) EXPECT_FALSE(m->has_forward_hooks());
}

TEST(Summary, RunsInEvalModeAndRestoresModes) {
  nn::Sequential model(nn::Linear(3, 3), nn::BatchNorm1d(3), nn::Dropout(0.5));
  model[2]->eval();  // a mixed state comes back as it was
  nn::BatchNorm1dImpl& bn = *model[1]->as<nn::BatchNorm1d>();
  const Tensor mean = bn.running_mean.clone();
  const std::string s = train::summary(model, randn({4, 3}));
  EXPECT_EQ(shape_of(row_of(s, "2: ")), "[4, 3]") << s;
  EXPECT_TRUE(bn.running_mean.equal(mean));  // eval mode: statistics untouched
  EXPECT_TRUE(model->is_training());
  EXPECT_TRUE(model[1]->is_training());
  EXPECT_FALSE(model[2]->is_training());
}

// A module that records the device its forward saw.
struct DeviceProbeImpl : nn::Cloneable<DeviceProbeImpl> {
  std::vector<Device> seen;
  void reset() override {}
  Tensor forward(const Tensor& x) {
    seen.push_back(x.device());
    return x;
  }
};
NABLA_MODULE(DeviceProbe);

TEST(Summary, RunsOnTheMetaDeviceAndRestoresTheModel) {
  manual_seed(1);
  DeviceProbe probe;
  nn::Sequential model(nn::Linear(784, 256), nn::ReLU(), probe, nn::Linear(256, 10));
  std::vector<Tensor> before;
  std::vector<const void*> storage;
  for (const Tensor& p : model->parameters()) {
    before.push_back(p.clone());
    storage.push_back(p.data_ptr());
  }
  const std::string s = train::summary(model, randn({32, 784}));
  ASSERT_EQ(probe->seen.size(), 1u);
  EXPECT_EQ(probe->seen[0], Device(kMeta)) << "the summary ran on the CPU";
  EXPECT_EQ(shape_of(row_of(s, "3: ")), "[32, 10]") << s;
  size_t i = 0;
  for (const Tensor& p : model->parameters()) {
    EXPECT_EQ(p.device(), Device(kCPU));
    EXPECT_EQ(p.data_ptr(), storage[i]);
    EXPECT_TRUE(p.equal(before[i++]));
    EXPECT_TRUE(p.requires_grad());
  }
  // (784 * 256 + 256 + 256 * 10 + 10) float32 parameters; activations: the outputs of the
  // four layers, 32 x (256 + 256 + 256 + 10) floats.
  EXPECT_NE(s.find("parameter memory: 814.1 kB"), std::string::npos) << s;
  EXPECT_NE(s.find("activation memory: 99.6 kB"), std::string::npos) << s;
}

// A module whose output depends on a value read on the host (which a meta tensor has not).
struct ValueReaderImpl : nn::Cloneable<ValueReaderImpl> {
  void reset() override {}
  Tensor forward(const Tensor& x) { return x * (x.abs().max().item<double>() > 0 ? 2.0 : 1.0); }
};
NABLA_MODULE(ValueReader);

TEST(Summary, FallsBackToTheInputsDeviceWhereALayerNeedsValues) {
  DeviceProbe probe;
  nn::Sequential model(nn::Conv2d(1, 2, 3), probe, ValueReader(), nn::AdaptiveAvgPool2d(1));
  const Tensor w = model[0]->as<nn::Conv2d>()->weight.clone();
  const std::string s = train::summary(model, randn({4, 1, 8, 8}));
  EXPECT_EQ(shape_of(row_of(s, "3: ")), "[4, 2, 1, 1]") << s;
  ASSERT_EQ(probe->seen.size(), 2u);  // on meta, then again on the CPU
  EXPECT_EQ(probe->seen[0], Device(kMeta));
  EXPECT_EQ(probe->seen[1], Device(kCPU));
  EXPECT_TRUE(model[0]->as<nn::Conv2d>()->weight.equal(w));
  EXPECT_EQ(model[0]->as<nn::Conv2d>()->weight.device(), Device(kCPU));
}

TEST(ModuleHooks, ForwardHooksSeeInputsAndOutputsAndCanBeRemoved) {
  nn::Linear fc(3, 2);
  std::vector<std::string> calls;
  const uint64_t pre =
      fc->register_forward_pre_hook([&](nn::Module& m, const std::vector<Tensor>& in) {
        calls.push_back(fmt_sizes("pre", m, in));
      });
  const uint64_t post = fc->register_forward_hook(
      [&](nn::Module& m, const std::vector<Tensor>& in, const std::vector<Tensor>& out) {
        calls.push_back(fmt_sizes("post", m, in) + fmt_sizes(" out", m, out));
      });
  fc(ones({4, 3}));
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0], "pre Linear [4, 3]");
  EXPECT_EQ(calls[1], "post Linear [4, 3] out Linear [4, 2]");
  fc->forward(ones({1, 3}));  // directly: no hooks
  EXPECT_EQ(calls.size(), 2u);
  nn::Sequential seq(fc);  // a Sequential's entries run theirs
  seq(ones({2, 3}));
  EXPECT_EQ(calls.size(), 4u);
  fc->remove_hook(pre);
  fc(ones({1, 3}));
  EXPECT_EQ(calls.size(), 5u);
  fc->remove_hook(post);
  EXPECT_FALSE(fc->has_forward_hooks());
  fc(ones({1, 3}));
  EXPECT_EQ(calls.size(), 5u);
  EXPECT_THROW(fc->register_forward_hook(nullptr), Error);
}

}  // namespace
