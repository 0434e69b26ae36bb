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

struct SummaryBlockImpl : nn::Module {
  SummaryBlockImpl()
      : fc(register_module("fully_connected_layer_with_a_long_name", nn::Linear(4, 4))) {}
  Tensor forward(const Tensor& x) { return fc(x); }
  nn::Linear fc;
};
struct SummaryNetImpl : nn::Module {
  SummaryNetImpl()
      : body(register_module("body", nn::Sequential(nn::Linear(2, 4),
                                                    nn::Sequential(nn::Linear(4, 4), nn::Tanh())))),
        block(register_module("block", std::make_shared<SummaryBlockImpl>())) {}
  nn::Sequential body;
  std::shared_ptr<SummaryBlockImpl> block;
};

TEST(Summary, FullNamesAndNestedModules) {
  SummaryNetImpl model;
  const std::string s = train::summary(model, zeros({1, 2}));
  // Full names of a user's module's children, indented under it.
  EXPECT_NE(s.find("\n  fully_connected_layer_with_a_long_name: nabla::nn::Linear(in_features=4, "
                   "out_features=4, bias=true)"),
            std::string::npos)
      << s;
  // The entries of a Sequential nested in a Sequential, with their shapes.
  EXPECT_NE(s.find("\n    0: nabla::nn::Linear(in_features=4, out_features=4, bias=true)"),
            std::string::npos)
      << s;
  EXPECT_NE(s.find("[1, 4]"), std::string::npos) << s;
  EXPECT_NE(s.find("total parameters: " + std::to_string(train::count_parameters(model))),
            std::string::npos);
}
