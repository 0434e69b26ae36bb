// operator<< for tensors: exact strings in the layout of PyTorch's repr, plus print options.
#include <gtest/gtest.h>
#include <nabla/autograd.h>
#include <nabla/creation.h>
#include <nabla/ops.h>
#include <nabla/print.h>

#include <cmath>
#include <sstream>

namespace {

using nabla::Tensor;

std::string str(const Tensor& t) {
  std::ostringstream os;
  os << t;
  return os.str();
}

// Sets print options for one test and restores the previous ones.
struct OptionsGuard {
  nabla::PrintOptions saved = nabla::get_printoptions();
  explicit OptionsGuard(const nabla::PrintOptions& o) { nabla::set_printoptions(o); }
  ~OptionsGuard() { nabla::set_printoptions(saved); }
};

}  // namespace

TEST(Print, Floats1D) {
  EXPECT_EQ(str(nabla::tensor({1.0, 2.5, -3.0})),
            "tensor([ 1.0000,  2.5000, -3.0000], size=[3], dtype=float32)");
  EXPECT_EQ(str(nabla::tensor({0.0, 0.25})), "tensor([0.0000, 0.2500], size=[2], dtype=float32)");
}

TEST(Print, Floats2DWithGradFn) {
  Tensor a = nabla::tensor({{0.5, 1.25}, {-1.5, 2.0}}, nabla::requires_grad());
  Tensor b = a + a;
  EXPECT_EQ(str(b),
            "tensor([[ 1.0000,  2.5000],\n"
            "        [-3.0000,  4.0000]], size=[2, 2], dtype=float32, grad_fn=<AddBackward0>)");
  EXPECT_EQ(str(a),
            "tensor([[ 0.5000,  1.2500],\n"
            "        [-1.5000,  2.0000]], size=[2, 2], dtype=float32, requires_grad=True)");
}

TEST(Print, Scalar) {
  EXPECT_EQ(str(nabla::tensor(3.5, nabla::dtype(nabla::kFloat64).requires_grad(true))),
            "tensor(3.5000, size=[], dtype=float64, requires_grad=True)");
  EXPECT_EQ(str(nabla::tensor(7)), "tensor(7, size=[], dtype=int64)");
  EXPECT_EQ(str(nabla::tensor(2.0)), "tensor(2., size=[], dtype=float32)");
}

TEST(Print, Integers) {
  EXPECT_EQ(str(nabla::tensor({1, 2, 3})), "tensor([1, 2, 3], size=[3], dtype=int64)");
  EXPECT_EQ(str(nabla::tensor({{1, -20}, {300, 4}})),
            "tensor([[  1, -20],\n"
            "        [300,   4]], size=[2, 2], dtype=int64)");
  EXPECT_EQ(str(nabla::tensor({1, 200}, nabla::kUInt8)),
            "tensor([  1, 200], size=[2], dtype=uint8)");
  EXPECT_EQ(str(nabla::tensor({-5, 6}, nabla::kInt32)), "tensor([-5,  6], size=[2], dtype=int32)");
}

TEST(Print, Bools) {
  EXPECT_EQ(str(nabla::tensor({true, false, true})),
            "tensor([ True, False,  True], size=[3], dtype=bool)");
}

TEST(Print, FloatsThatAreIntegers) {
  EXPECT_EQ(str(nabla::tensor({1.0, 2.0, -3.0})),
            "tensor([ 1.,  2., -3.], size=[3], dtype=float32)");
  EXPECT_EQ(str(nabla::zeros({3})), "tensor([0., 0., 0.], size=[3], dtype=float32)");
}

TEST(Print, ThreeDimensions) {
  EXPECT_EQ(str(nabla::arange(8).view({2, 2, 2})),
            "tensor([[[0, 1],\n"
            "         [2, 3]],\n"
            "\n"
            "        [[4, 5],\n"
            "         [6, 7]]], size=[2, 2, 2], dtype=int64)");
}

TEST(Print, ScientificNotation) {
  EXPECT_EQ(str(nabla::tensor({1e-5, 1.0}, nabla::kFloat64)),
            "tensor([1.0000e-05, 1.0000e+00], size=[2], dtype=float64)");
  // All integers, but a range over 1000: scientific too.
  EXPECT_EQ(str(nabla::tensor({1.0, 1e5})),
            "tensor([1.0000e+00, 1.0000e+05], size=[2], dtype=float32)");
  EXPECT_EQ(str(nabla::tensor({-1234.5678, 0.001}, nabla::kFloat64)),
            "tensor([-1.2346e+03,  1.0000e-03], size=[2], dtype=float64)");
  EXPECT_EQ(str(nabla::tensor({2e8, 3e8}, nabla::kFloat64)),
            "tensor([2.0000e+08, 3.0000e+08], size=[2], dtype=float64)");
}

TEST(Print, NanAndInf) {
  EXPECT_EQ(str(nabla::tensor({NAN, 1.5, -INFINITY})),
            "tensor([   nan, 1.5000,   -inf], size=[3], dtype=float32)");
  EXPECT_EQ(str(nabla::tensor({NAN, INFINITY})), "tensor([nan, inf], size=[2], dtype=float32)");
}

TEST(Print, LineWrapping) {
  EXPECT_EQ(str(nabla::arange(20, nabla::kFloat32) * 1.5),
            "tensor([ 0.0000,  1.5000,  3.0000,  4.5000,  6.0000,  7.5000,  9.0000, 10.5000,\n"
            "        12.0000, 13.5000, 15.0000, 16.5000, 18.0000, 19.5000, 21.0000, 22.5000,\n"
            "        24.0000, 25.5000, 27.0000, 28.5000], size=[20], dtype=float32)");
}

TEST(Print, Summarized) {
  EXPECT_EQ(str(nabla::arange(2000)),
            "tensor([   0,    1,    2,  ..., 1997, 1998, 1999], size=[2000], dtype=int64)");
  EXPECT_EQ(str(nabla::arange(2000).view({40, 50})),
            "tensor([[   0,    1,    2,  ...,   47,   48,   49],\n"
            "        [  50,   51,   52,  ...,   97,   98,   99],\n"
            "        [ 100,  101,  102,  ...,  147,  148,  149],\n"
            "        ...,\n"
            "        [1850, 1851, 1852,  ..., 1897, 1898, 1899],\n"
            "        [1900, 1901, 1902,  ..., 1947, 1948, 1949],\n"
            "        [1950, 1951, 1952,  ..., 1997, 1998, 1999]], size=[40, 50], dtype=int64)");
  // The notation is chosen from the shown values only.
  Tensor t = nabla::ones({1001});
  t[500].fill_(0.5);
  EXPECT_EQ(str(t), "tensor([1., 1., 1.,  ..., 1., 1., 1.], size=[1001], dtype=float32)");
}

TEST(Print, SummarizedThreeDimensions) {
  const std::string s = str(nabla::arange(1400).view({14, 10, 10}));
  const std::string head =
      "tensor([[[   0,    1,    2,  ...,    7,    8,    9],\n"
      "         [  10,   11,   12,  ...,   17,   18,   19],\n";
  EXPECT_EQ(s.substr(0, head.size()), head);
  EXPECT_NE(s.find("]],\n\n        ...,\n\n        [[1100, 1101,"), std::string::npos) << s;
  EXPECT_NE(s.find("         ...,\n         [1370,"), std::string::npos) << s;
  EXPECT_NE(s.find("1399]]], size=[14, 10, 10],\n       dtype=int64)"), std::string::npos) << s;
  nabla::PrintOptions o;
  o.threshold = 10;
  o.edgeitems = 1;
  OptionsGuard g(o);
  EXPECT_EQ(str(nabla::arange(27).view({3, 3, 3})),
            "tensor([[[ 0,  ...,  2],\n"
            "         ...,\n"
            "         [ 6,  ...,  8]],\n"
            "\n"
            "        ...,\n"
            "\n"
            "        [[18,  ..., 20],\n"
            "         ...,\n"
            "         [24,  ..., 26]]], size=[3, 3, 3], dtype=int64)");
}

TEST(Print, NonContiguous) {
  EXPECT_EQ(str(nabla::arange(6).view({2, 3}).t()),
            "tensor([[0, 3],\n"
            "        [1, 4],\n"
            "        [2, 5]], size=[3, 2], dtype=int64)");
  EXPECT_EQ(str(nabla::arange(10).slice(0, 1, 10, 3)), "tensor([1, 4, 7], size=[3], dtype=int64)");
  EXPECT_EQ(str(nabla::tensor({2.5}).expand({3})),
            "tensor([2.5000, 2.5000, 2.5000], size=[3], dtype=float32)");
}

TEST(Print, EmptyAndUndefined) {
  EXPECT_EQ(str(Tensor()), "[ Tensor (undefined) ]");
  EXPECT_EQ(str(nabla::zeros({0})), "tensor([], size=[0], dtype=float32)");
  EXPECT_EQ(str(nabla::zeros({2, 0}, nabla::kInt64)), "tensor([], size=[2, 0], dtype=int64)");
}

TEST(Print, DoesNotRecordAutograd) {
  Tensor a = nabla::tensor({1.0, 2.0}, nabla::requires_grad());
  const auto version = a._version();
  str(a);
  EXPECT_TRUE(a.is_leaf());
  EXPECT_EQ(a.grad_fn(), nullptr);
  EXPECT_EQ(a._version(), version);
  Tensor b = a * 2;
  auto fn = b.grad_fn();
  str(b);
  EXPECT_EQ(b.grad_fn(), fn);
  EXPECT_FALSE(a.grad().defined());
}

TEST(PrintOptions, PrecisionAndSciMode) {
  {
    nabla::PrintOptions o;
    o.precision = 2;
    OptionsGuard g(o);
    EXPECT_EQ(str(nabla::tensor({1.0 / 3, 2.0}, nabla::kFloat64)),
              "tensor([0.33, 2.00], size=[2], dtype=float64)");
  }
  {
    nabla::PrintOptions o;
    o.sci_mode = true;
    OptionsGuard g(o);
    EXPECT_EQ(str(nabla::tensor({1.5, 2.0})),
              "tensor([1.5000e+00, 2.0000e+00], size=[2], dtype=float32)");
  }
  // Restored afterwards.
  EXPECT_EQ(nabla::get_printoptions().precision, 4);
  EXPECT_FALSE(nabla::get_printoptions().sci_mode);
  EXPECT_EQ(str(nabla::tensor({1.5, 2.0})), "tensor([1.5000, 2.0000], size=[2], dtype=float32)");
}

TEST(PrintOptions, LinewidthThresholdEdgeitems) {
  {
    nabla::PrintOptions o;
    o.linewidth = 20;
    OptionsGuard g(o);
    EXPECT_EQ(str(nabla::arange(1, 9)),
              "tensor([1, 2, 3, 4,\n"
              "        5, 6, 7, 8],\n"
              "       size=[8],\n"
              "       dtype=int64)");
  }
  {
    nabla::PrintOptions o;
    o.threshold = 5;
    o.edgeitems = 2;
    OptionsGuard g(o);
    EXPECT_EQ(str(nabla::arange(10)), "tensor([0, 1,  ..., 8, 9], size=[10], dtype=int64)");
    EXPECT_EQ(str(nabla::arange(5)), "tensor([0, 1, 2, 3, 4], size=[5], dtype=int64)");
  }
  EXPECT_EQ(nabla::get_printoptions().threshold, 1000);
  EXPECT_EQ(nabla::get_printoptions().edgeitems, 3);
  EXPECT_EQ(nabla::get_printoptions().linewidth, 80);
}

TEST(PrintOptions, Errors) {
  nabla::PrintOptions o;
  o.precision = -1;
  EXPECT_THROW(nabla::set_printoptions(o), nabla::Error);
  o = {};
  o.linewidth = 0;
  EXPECT_THROW(nabla::set_printoptions(o), nabla::Error);
  o = {};
  o.edgeitems = -2;
  EXPECT_THROW(nabla::set_printoptions(o), nabla::Error);
  EXPECT_EQ(nabla::get_printoptions().linewidth, 80);
}
