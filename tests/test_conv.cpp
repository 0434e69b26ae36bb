// Convolution and pooling: the im2col kernels against a plain-loop oracle on odd shapes (and
// the same bits for any thread count), bad input, and the nn modules (shapes, names, init,
// padding modes, output_size, indices). Values against PyTorch are in the op table.
#include <gtest/gtest.h>

#include <nabla/checkpoint.h>
#include <nabla/nabla.h>

#include <array>
#include <cmath>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

namespace F = nabla::nn::functional;
using nabla::Tensor;

namespace {

std::string fmt_shape(const std::vector<int64_t>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + "]";
}

struct Geometry {
  std::vector<int64_t> stride, padding, dilation;
  int64_t groups = 1;
};

// y = conv2d(x, w) and, for an output weight r, the gradients of sum(y * r) with respect to
// x and w, in plain float64 loops over every output position and tap.
struct Oracle {
  Tensor y, dx, dw;
};

Oracle oracle_conv2d(const Tensor& x, const Tensor& w, const Tensor& r, const Geometry& g) {
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  const int64_t O = w.size(0), Cg = w.size(1), KH = w.size(2), KW = w.size(3);
  const int64_t OH = r.size(2), OW = r.size(3), Og = O / g.groups;
  Tensor xd = x.to(nabla::kFloat64).contiguous(), wd = w.to(nabla::kFloat64).contiguous();
  Tensor rd = r.to(nabla::kFloat64).contiguous();
  Oracle o{nabla::zeros({N, O, OH, OW}, nabla::kFloat64),
           nabla::zeros({N, C, H, W}, nabla::kFloat64),
           nabla::zeros({O, Cg, KH, KW}, nabla::kFloat64)};
  auto X = xd.accessor<double, 4>(), Wt = wd.accessor<double, 4>(), R = rd.accessor<double, 4>();
  auto Y = o.y.accessor<double, 4>(), DX = o.dx.accessor<double, 4>(),
       DW = o.dw.accessor<double, 4>();
  for (int64_t n = 0; n < N; ++n)
    for (int64_t oc = 0; oc < O; ++oc)
      for (int64_t oh = 0; oh < OH; ++oh)
        for (int64_t ow = 0; ow < OW; ++ow)
          for (int64_t c = 0; c < Cg; ++c)
            for (int64_t kh = 0; kh < KH; ++kh)
              for (int64_t kw = 0; kw < KW; ++kw) {
                const int64_t ih = oh * g.stride[0] - g.padding[0] + kh * g.dilation[0];
                const int64_t iw = ow * g.stride[1] - g.padding[1] + kw * g.dilation[1];
                if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                const int64_t ic = (oc / Og) * Cg + c;
                Y[n][oc][oh][ow] += X[n][ic][ih][iw] * Wt[oc][c][kh][kw];
                DX[n][ic][ih][iw] += R[n][oc][oh][ow] * Wt[oc][c][kh][kw];
                DW[oc][c][kh][kw] += R[n][oc][oh][ow] * X[n][ic][ih][iw];
              }
  return o;
}

void expect_close(const Tensor& got, const Tensor& want, double tol, const std::string& what) {
  ASSERT_EQ(got.sizes().vec(), want.sizes().vec()) << what;
  const double err = (got.to(nabla::kFloat64) - want).abs().max().item<double>();
  const double scale = want.abs().max().item<double>() + 1.0;
  EXPECT_LE(err, tol * scale) << what;
}

void check_against_oracle(std::vector<int64_t> xs, std::vector<int64_t> ws, const Geometry& g,
                          nabla::ScalarType dtype) {
  nabla::manual_seed(3);
  Tensor x = nabla::randn(xs, nabla::dtype(dtype)).requires_grad_(true);
  Tensor w = nabla::randn(ws, nabla::dtype(dtype)).requires_grad_(true);
  Tensor y = nabla::conv2d(x, w, {}, g.stride, g.padding, g.dilation, g.groups);
  Tensor r = nabla::randn(y.sizes(), nabla::dtype(dtype));
  (y * r).sum().backward();
  const Oracle o = oracle_conv2d(x.detach(), w.detach(), r, g);
  const double tol = dtype == nabla::kFloat64 ? 1e-12 : 1e-5;
  const std::string what = fmt_shape(xs) + " * " + fmt_shape(ws);
  expect_close(y.detach(), o.y, tol, "forward " + what);
  expect_close(x.grad(), o.dx, tol, "input grad " + what);
  expect_close(w.grad(), o.dw, tol, "weight grad " + what);
}

}  // namespace

TEST(ConvKernel, MatchesLoopOracleOnOddShapes) {
  for (auto dtype : {nabla::kFloat32, nabla::kFloat64}) {
    // stride, padding, dilation all different per dim
    check_against_oracle({3, 5, 7, 9}, {6, 5, 3, 2}, {{2, 3}, {1, 2}, {2, 1}, 1}, dtype);
    // groups, and a batch of 11 (several weight-gradient chunks)
    check_against_oracle({11, 6, 5, 4}, {9, 2, 2, 3}, {{1, 1}, {0, 1}, {1, 1}, 3}, dtype);
    // depthwise
    check_against_oracle({2, 4, 6, 7}, {8, 1, 3, 3}, {{1, 2}, {1, 1}, {1, 1}, 4}, dtype);
    // 1x1 (no im2col) and a single image
    check_against_oracle({1, 3, 5, 3}, {7, 3, 1, 1}, {{1, 1}, {0, 0}, {1, 1}, 1}, dtype);
    // batched 1x1, and tiles of 2 images (P = 400) that do not divide the batch of 5
    check_against_oracle({4, 3, 5, 3}, {7, 3, 1, 1}, {{1, 1}, {0, 0}, {1, 1}, 1}, dtype);
    check_against_oracle({5, 2, 20, 20}, {3, 2, 1, 1}, {{1, 1}, {0, 0}, {1, 1}, 1}, dtype);
    check_against_oracle({5, 2, 22, 21}, {3, 2, 3, 2}, {{1, 1}, {0, 0}, {1, 1}, 1}, dtype);
    // one input channel (a first layer), padding wider than the dilated kernel's reach
    check_against_oracle({5, 1, 8, 8}, {4, 1, 3, 3}, {{1, 1}, {2, 2}, {1, 1}, 1}, dtype);
  }
}

TEST(ConvKernel, SameBitsForAnyThreadCount) {
  nabla::manual_seed(0);
  Tensor x = nabla::randn({13, 8, 12, 11}).requires_grad_(true);
  Tensor w = nabla::randn({16, 8, 3, 3}).requires_grad_(true);
  std::vector<Tensor> results;
  for (int threads : {1, 2, 3}) {
    nabla::set_num_threads(threads);
    x.mutable_grad() = Tensor();
    w.mutable_grad() = Tensor();
    Tensor y = nabla::conv2d(x, w, {}, 1, 1);
    y.pow(2).sum().backward();
    results.push_back(nabla::cat({y.detach().flatten(), x.grad().flatten(), w.grad().flatten()}));
  }
  nabla::set_num_threads(2);
  EXPECT_TRUE(results[0].equal(results[1]));
  EXPECT_TRUE(results[0].equal(results[2]));
}

TEST(ConvKernel, NonContiguousInputs) {
  nabla::manual_seed(1);
  Tensor x = nabla::randn({2, 3, 6, 5}, nabla::kFloat64);
  Tensor w = nabla::randn({4, 3, 2, 2}, nabla::kFloat64);
  Tensor xt = x.transpose(2, 3).contiguous().transpose(2, 3);  // same values, other strides
  EXPECT_FALSE(xt.is_contiguous());
  EXPECT_TRUE(nabla::conv2d(xt, w, {}, 1, 1).allclose(nabla::conv2d(x, w, {}, 1, 1)));
}

TEST(ConvKernel, MaxPoolIndicesPointAtTheMaxima) {
  nabla::manual_seed(2);
  Tensor x = nabla::randn({2, 3, 7, 9});
  auto [values, indices] = nabla::max_pool2d_with_indices(x, {3, 2}, {2, 3}, 1, 1, true);
  EXPECT_EQ(indices.scalar_type(), nabla::kLong);
  Tensor picked = x.flatten(2).gather(2, indices.flatten(2)).view(values.sizes());
  EXPECT_TRUE(picked.equal(values));
}

// ---- bad input -----------------------------------------------------------------------------

void expect_error(const std::function<void()>& f, const std::string& part) {
  try {
    f();
    ADD_FAILURE() << "no error; expected one containing: " << part;
  } catch (const nabla::Error& e) {
    EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
  }
}

TEST(ConvErrors, NameTheOpAndShapes) {
  Tensor x = nabla::randn({2, 3, 5, 5});
  expect_error([&] { nabla::conv2d(x, nabla::randn({4, 2, 3, 3})); }, "[conv2d]");
  expect_error([&] { nabla::conv2d(x, nabla::randn({4, 2, 3, 3})); }, "[2, 3, 5, 5]");
  expect_error(
      [&] {
        nabla::conv2d(x, nabla::randn({4, 3, 7, 7}));
      },
      "Kernel size can't be greater than actual input size");
  expect_error(
      [&] {
        nabla::conv2d(x, nabla::randn({4, 1, 3, 3}), {}, 1, 0, 1, 2);
      },
      "to have 2 channels, but got 3 channels");
  expect_error(
      [&] {
        nabla::conv2d(nabla::randn({2, 4, 5, 5}), nabla::randn({3, 2, 3, 3}), {}, 1, 0, 1, 2);
      },
      "divisible by groups");
  expect_error(
      [&] {
        nabla::conv2d(x.to(nabla::kLong), nabla::randn({4, 3, 3, 3}));
      },
      "floating point");
  expect_error(
      [&] {
        nabla::conv2d(nabla::randn({5, 5}), nabla::randn({4, 3, 3, 3}));
      },
      "expected 3D (unbatched) or 4D (batched) input");
  expect_error(
      [&] {
        nabla::conv2d(x, nabla::randn({4, 3, 3, 3}), {}, 2, "same");
      },
      "not supported for strided");
  expect_error([&] { nabla::conv2d(x, nabla::randn({4, 3, 3, 3}), nabla::randn({5})); }, "bias");
  expect_error([&] { nabla::conv_transpose2d(x, nabla::randn({4, 2, 3, 3})); }, "channels");
  expect_error(
      [&] {
        nabla::conv_transpose2d(x, nabla::randn({3, 2, 3, 3}), {}, 1, 0, 1);
      },
      "output padding must be smaller");
  expect_error([&] { nabla::max_pool2d(nabla::randn({1, 1, 2, 2}), 3); }, "[max_pool2d]");
  expect_error([&] { nabla::max_pool2d(x, 2, 2, 2); }, "pad should be at most half");
  expect_error([&] { nabla::avg_pool2d(x, 2, {}, 0, false, true, 0); }, "divisor");
  expect_error([&] { nabla::pad(x, {5, 0}, "reflect"); }, "[pad]");
  expect_error([&] { nabla::pad(x, {1, 1}, "wrap"); }, "unrecognised padding mode");
  expect_error([&] { nabla::nn::Conv2d(nabla::nn::Conv2dOptions(3, 4, 3).groups(2)); },
               "divisible by groups");
}

// ---- modules -------------------------------------------------------------------------------

TEST(ConvModules, ParametersShapesAndInit) {
  nabla::nn::Conv2d conv(nabla::nn::Conv2dOptions(4, 6, {3, 2}).groups(2));
  EXPECT_EQ(conv->weight.sizes().vec(), (std::vector<int64_t>{6, 2, 3, 2}));
  EXPECT_EQ(conv->bias.sizes().vec(), (std::vector<int64_t>{6}));
  auto params = conv->named_parameters();
  EXPECT_TRUE(params.contains("weight") && params.contains("bias"));
  // kaiming_uniform_(a = sqrt(5)) gives bound 1/sqrt(fan_in), as the bias.
  const double bound = 1.0 / std::sqrt(2.0 * 3 * 2);
  EXPECT_LE(conv->weight.abs().max().item<double>(), bound);
  EXPECT_LE(conv->bias.abs().max().item<double>(), bound);
  nabla::nn::ConvTranspose2d up(nabla::nn::ConvTranspose2dOptions(4, 6, 3).groups(2).bias(false));
  EXPECT_EQ(up->weight.sizes().vec(), (std::vector<int64_t>{4, 3, 3, 3}));
  EXPECT_FALSE(up->bias.defined());
  nabla::nn::Conv3d c3(2, 3, 2);
  EXPECT_EQ(c3->weight.sizes().vec(), (std::vector<int64_t>{3, 2, 2, 2, 2}));
  nabla::nn::Conv1d c1(nabla::nn::Conv1dOptions(2, 3, 3).padding(nabla::kSame));
  EXPECT_EQ(c1(nabla::randn({4, 2, 9})).sizes().vec(), (std::vector<int64_t>{4, 3, 9}));
}

TEST(ConvModules, PaddingModeIsPadThenConv) {
  nabla::manual_seed(0);
  Tensor x = nabla::randn({2, 3, 6, 5});
  for (auto mode : {nabla::nn::detail::conv_padding_mode_t(nabla::kReflect),
                    nabla::nn::detail::conv_padding_mode_t(nabla::kReplicate),
                    nabla::nn::detail::conv_padding_mode_t(nabla::kCircular)}) {
    nabla::nn::Conv2d conv(nabla::nn::Conv2dOptions(3, 4, 3).padding({1, 2}).padding_mode(mode));
    F::PadFuncOptions::mode_t pad_mode = nabla::kReflect;
    if (std::holds_alternative<nabla::enumtype::kReplicate>(mode)) pad_mode = nabla::kReplicate;
    if (std::holds_alternative<nabla::enumtype::kCircular>(mode)) pad_mode = nabla::kCircular;
    Tensor want = F::conv2d(F::pad(x, F::PadFuncOptions({2, 2, 1, 1}).mode(pad_mode)), conv->weight,
                            F::Conv2dFuncOptions().bias(conv->bias));
    Tensor got = conv(x);
    EXPECT_EQ(got.sizes().vec(), (std::vector<int64_t>{2, 4, 6, 7}));
    EXPECT_TRUE(got.allclose(want));
  }
}

TEST(ConvModules, TransposeOutputSize) {
  nabla::nn::ConvTranspose2d up(nabla::nn::ConvTranspose2dOptions(3, 2, 3).stride(2).padding(1));
  Tensor x = nabla::randn({1, 3, 4, 5});
  EXPECT_EQ(up(x).sizes().vec(), (std::vector<int64_t>{1, 2, 7, 9}));
  EXPECT_EQ(up->forward(x, {8, 10}).sizes().vec(), (std::vector<int64_t>{1, 2, 8, 10}));
  expect_error([&] { up->forward(x, {11, 10}); }, "output size");
}

TEST(ConvModules, PoolingModules) {
  nabla::manual_seed(0);
  Tensor x = nabla::randn({2, 3, 7, 6});
  nabla::nn::MaxPool2d pool(nabla::nn::MaxPool2dOptions(3).stride(2).ceil_mode(true));
  auto [values, indices] = pool->forward_with_indices(x);
  EXPECT_TRUE(values.equal(pool(x)));
  EXPECT_EQ(values.sizes().vec(), (std::vector<int64_t>{2, 3, 3, 3}));
  EXPECT_TRUE(values.equal(nabla::max_pool2d(x, 3, 2, 0, 1, true)));
  nabla::nn::AvgPool2d avg(nabla::nn::AvgPool2dOptions({2, 3}).padding({1, 0}));
  EXPECT_TRUE(avg(x).allclose(nabla::avg_pool2d(x, {2, 3}, {2, 3}, {1, 0})));
  nabla::nn::MaxPool1d p1(2);
  EXPECT_EQ(p1(nabla::randn({3, 7})).sizes().vec(), (std::vector<int64_t>{3, 3}));
  std::ostringstream s;
  s << *pool;
  EXPECT_EQ(s.str(),
            "nabla::nn::MaxPool2d(kernel_size=[3, 3], stride=[2, 2], padding=[0, 0], "
            "dilation=[1, 1], ceil_mode=true)");
}

TEST(ConvModules, LibTorchMnistNetCompiles) {
  // The model of LibTorch's examples/cpp/mnist, unchanged but for the namespace.
  struct Net : nabla::nn::Module {
    Net()
        : conv1(nabla::nn::Conv2dOptions(1, 10, /*kernel_size=*/5)),
          conv2(nabla::nn::Conv2dOptions(10, 20, /*kernel_size=*/5)),
          fc1(320, 50),
          fc2(50, 10) {
      register_module("conv1", conv1);
      register_module("conv2", conv2);
      register_module("conv2_drop", conv2_drop);
      register_module("fc1", fc1);
      register_module("fc2", fc2);
    }
    Tensor forward(Tensor x) {
      x = nabla::relu(nabla::max_pool2d(conv1->forward(x), 2));
      x = nabla::relu(nabla::max_pool2d(conv2_drop->forward(conv2->forward(x)), 2));
      x = x.view({-1, 320});
      x = nabla::relu(fc1->forward(x));
      x = nabla::dropout(x, /*p=*/0.5, /*train=*/is_training());
      x = fc2->forward(x);
      return nabla::log_softmax(x, /*dim=*/1);
    }
    nabla::nn::Conv2d conv1;
    nabla::nn::Conv2d conv2;
    nabla::nn::Dropout conv2_drop;
    nabla::nn::Linear fc1;
    nabla::nn::Linear fc2;
  };
  Net net;
  Tensor out = net.forward(nabla::randn({4, 1, 28, 28}));
  EXPECT_EQ(out.sizes().vec(), (std::vector<int64_t>{4, 10}));
  Tensor loss = nabla::nll_loss(out, nabla::tensor({1, 2, 3, 4}));
  loss.backward();
  EXPECT_TRUE(net.conv1->weight.grad().defined());
}

TEST(ConvModules, PyTorchCnnStateDictGivesPyTorchsOutputs) {
  // examples/fashion_mnist.cpp's --model cnn; fixtures from scripts/make_cnn_fixture.py.
  namespace nn = nabla::nn;
  nn::Sequential model(nn::Conv2d(1, 32, 3), nn::ReLU(), nn::MaxPool2d(2), nn::Conv2d(32, 64, 3),
                       nn::ReLU(), nn::MaxPool2d(2), nn::Flatten(), nn::Dropout(0.25),
                       nn::Linear(1600, 128), nn::ReLU(), nn::Linear(128, 10));
  nabla::load(model, NABLA_TEST_DATA_DIR "/torch_cnn.safetensors");
  model->eval();
  nabla::NamedTensors expected =
      nabla::load_safetensors(NABLA_TEST_DATA_DIR "/torch_cnn_expected.safetensors");
  ASSERT_EQ(expected.size(), 2u);
  Tensor y = model->forward(expected[0].second);
  EXPECT_TRUE(y.allclose(expected[1].second, 1e-4, 1e-5)) << y << expected[1].second;
}

// Pooling without padding or dilation runs a kernel of its own (no bounds checks, 2x2
// unrolled): its values and gradients against the unfold + max composition, on odd shapes
// whose last rows and columns the windows do not reach, and a NaN that must propagate.
TEST(ConvKernels, PlainMaxPoolMatchesUnfoldOracle) {
  struct Case {
    std::vector<int64_t> kernel, stride;
  };
  const std::vector<Case> cases = {
      {{2, 2}, {2, 2}}, {{3, 2}, {2, 1}}, {{1, 3}, {1, 3}}, {{3, 3}, {3, 3}}};
  nabla::manual_seed(3);
  for (const Case& c : cases) {
    Tensor x = nabla::randn({2, 3, 7, 9}, nabla::dtype(nabla::kDouble)).requires_grad_(true);
    Tensor pooled = nabla::max_pool2d(x, c.kernel, c.stride);
    const int64_t oh = pooled.size(2), ow = pooled.size(3);
    Tensor cols = F::unfold(x, F::UnfoldFuncOptions(c.kernel).stride(c.stride));
    Tensor oracle = std::get<0>(cols.view({2, 3, c.kernel[0] * c.kernel[1], oh * ow}).max(2))
                        .view({2, 3, oh, ow});
    EXPECT_TRUE(pooled.equal(oracle)) << "kernel " << c.kernel[0] << "x" << c.kernel[1];
    Tensor g = nabla::randn(pooled.sizes(), nabla::dtype(nabla::kDouble));
    Tensor dx = nabla::autograd::grad({pooled}, {x}, {g})[0];
    Tensor dx_oracle = nabla::autograd::grad({oracle}, {x}, {g})[0];
    EXPECT_TRUE(dx.allclose(dx_oracle)) << "kernel " << c.kernel[0] << "x" << c.kernel[1];
  }
  // float32 after a ReLU: many ties (zeros), which go to the window's first element; odd
  // widths leave a last column and row out.
  for (const Case& c : cases) {
    Tensor x = nabla::randn({3, 2, 9, 11}).relu().requires_grad_(true);
    auto [pooled, indices] = nabla::max_pool2d_with_indices(x, c.kernel, c.stride);
    const int64_t oh = pooled.size(2), ow = pooled.size(3), k = c.kernel[0] * c.kernel[1];
    Tensor cols = F::unfold(x, F::UnfoldFuncOptions(c.kernel).stride(c.stride));
    auto [oracle, at] = cols.view({3, 2, k, oh * ow}).max(2);
    EXPECT_TRUE(pooled.equal(oracle.view({3, 2, oh, ow})));
    // The flat input index of the oracle's choice (at: the position inside the window).
    const Tensor got = indices.contiguous(), where = at.contiguous();
    const int64_t* g = got.data_ptr<int64_t>();
    const int64_t* w = where.data_ptr<int64_t>();
    for (int64_t i = 0; i < got.numel(); ++i) {
      const int64_t p = i % (oh * ow), top = (p / ow) * c.stride[0] * 11 + (p % ow) * c.stride[1];
      ASSERT_EQ(g[i], top + (w[i] / c.kernel[1]) * 11 + w[i] % c.kernel[1])
          << "kernel " << c.kernel[0] << "x" << c.kernel[1] << ", output " << i;
    }
  }
  Tensor x = nabla::randn({1, 1, 4, 4});
  x.index_put_({0, 0, 1, 0}, std::nan(""));
  Tensor y = nabla::max_pool2d(x, 2);
  EXPECT_TRUE(std::isnan(y[0][0][0][0].item<float>()));
  EXPECT_FALSE(std::isnan(y[0][0][1][1].item<float>()));
}

// Without a graph to record, relu's and max_pool's gradients run one fused kernel each
// (threshold_backward, max_pool_backward); FusedKernelsGuard(false) forces the compositions
// (where(y > 0, g, 0); zeros + scatter_add), their oracle. Odd shapes, overlapping windows
// (indices that collide, so sums), padding, ties at zero after a ReLU, a NaN, a non-contiguous
// upstream gradient, both dtypes; the same bits on 1 and 2 threads.
// relu's backward writes into its incoming gradient only when nobody else can see it: a gradient
// the user passed (also as a from_blob temporary), a retained intermediate gradient and one a hook
// kept stay as they were; the one max_pool's backward made for it alone may be overwritten.
TEST(ConvKernels, ReluBackwardOverwritesOnlyGradientsNobodySees) {
  nabla::manual_seed(5);
  Tensor x = nabla::randn({4, 3, 6, 6}).requires_grad_(true);
  const Tensor mask = x.detach().gt(0);

  Tensor g = nabla::randn({4, 3, 6, 6});
  const Tensor g_before = g.clone();
  x.relu().backward(g);
  EXPECT_TRUE(g.equal(g_before));
  EXPECT_TRUE(x.grad().equal(g_before * mask));

  std::vector<float> blob(g_before.data_ptr<float>(), g_before.data_ptr<float>() + g.numel());
  x.mutable_grad() = Tensor();
  x.relu().backward(nabla::from_blob(blob.data(), {4, 3, 6, 6}));
  EXPECT_TRUE(nabla::from_blob(blob.data(), {4, 3, 6, 6}).equal(g_before));

  // The gradient reaching relu from max_pool: retained, and seen by a hook.
  const Tensor gp = nabla::randn({4, 3, 3, 3});
  Tensor at_relu;
  {
    Tensor r = x.detach().relu().requires_grad_(true);
    at_relu = nabla::autograd::grad({nabla::max_pool2d(r, 2)}, {r}, {gp})[0];
  }
  ASSERT_FALSE(at_relu.mul(mask).equal(at_relu));  // the mask changes it: an overwrite would show
  x.mutable_grad() = Tensor();
  Tensor r = x.relu();
  r.retain_grad();
  Tensor hooked;
  r.register_hook([&](const Tensor& grad) { hooked = grad; });
  nabla::max_pool2d(r, 2).backward(gp);
  EXPECT_TRUE(r.grad().equal(at_relu));
  EXPECT_TRUE(hooked.equal(at_relu));
  EXPECT_TRUE(x.grad().equal(at_relu * mask));

  // Nobody holds it: the result is the same (the overwrite itself is not observable).
  x.mutable_grad() = Tensor();
  nabla::max_pool2d(x.relu(), 2).backward(gp);
  EXPECT_TRUE(x.grad().equal(at_relu * mask));
}

TEST(ConvKernels, FusedReluAndMaxPoolGradientsMatchCompositions) {
  struct Case {
    std::vector<int64_t> kernel, stride, padding;
    bool ceil;
  };
  const std::vector<Case> cases = {{{2, 2}, {2, 2}, {0, 0}, false},
                                   {{3, 3}, {2, 2}, {0, 0}, false},
                                   {{3, 3}, {2, 1}, {1, 1}, true},
                                   {{3, 2}, {1, 2}, {0, 1}, false}};
  for (nabla::ScalarType dt : {nabla::kFloat, nabla::kDouble}) {
    for (const auto& [case_index, height, width] : std::vector<std::array<int64_t, 3>>{
             {0, 12, 10}, {0, 15, 13}, {1, 15, 13}, {2, 15, 13}, {3, 15, 13}}) {
      const Case& c = cases[static_cast<size_t>(case_index)];
      nabla::manual_seed(11);
      Tensor x = nabla::randn({8, 40, height, width}, nabla::dtype(dt));
      x.index_put_({1, 2, 3, 4}, std::nan(""));
      x.requires_grad_(true);
      auto net = [&](const Tensor& in) {
        return nabla::max_pool2d(in.relu(), c.kernel, c.stride, c.padding, 1, c.ceil).relu();
      };
      Tensor y = net(x);
      // The upstream gradient as a transposed view: other strides than y's.
      Tensor g = nabla::randn({y.size(0), y.size(1), y.size(3), y.size(2)}, nabla::dtype(dt))
                     .transpose(2, 3);
      ASSERT_FALSE(g.is_contiguous());
      std::vector<Tensor> fused;
      for (int threads : {1, 2}) {
        nabla::set_num_threads(threads);
        // NaN in the allocator's cache: a place the kernel leaves unwritten shows.
        nabla::full(x.sizes(), std::nan(""), nabla::dtype(dt));
        fused.push_back(nabla::autograd::grad({y}, {x}, {g}, true)[0]);
      }
      nabla::set_num_threads(2);
      Tensor composed;
      {
        nabla::detail::FusedKernelsGuard off(false);
        Tensor y2 = net(x);
        composed = nabla::autograd::grad({y2}, {x}, {g})[0];
      }
      SCOPED_TRACE("kernel " + std::to_string(c.kernel[0]) + "x" + std::to_string(c.kernel[1]) +
                   " on " + std::to_string(height) + "x" + std::to_string(width));
      EXPECT_TRUE(fused[0].equal(fused[1]));
      EXPECT_TRUE(fused[0].allclose(composed, 0, 0))
          << "max |diff| " << (fused[0] - composed).abs().max().item<double>();
      EXPECT_FALSE(fused[0].ne(fused[0]).any().item<bool>());  // no NaN gradient
    }
  }
}

// The fused kernels serve only backward passes without create_graph: second order still runs
// through the compositions (gradcheck of the gradient).
TEST(ConvKernels, ReluAndMaxPoolSecondOrderThroughCompositions) {
  nabla::manual_seed(12);
  Tensor x = nabla::randn({2, 3, 7, 6}, nabla::dtype(nabla::kDouble)).requires_grad_(true);
  auto first = [](const std::vector<Tensor>& in) {
    Tensor y = nabla::max_pool2d(in[0].relu(), 3, 2, 1).relu();
    Tensor dx = nabla::autograd::grad({y.pow(2).sum()}, {in[0]}, {}, true, true)[0];
    return dx;
  };
  EXPECT_TRUE(nabla::autograd::gradcheck(first, {x}));
}

// A float32 conv with bias adds it inside the convolution where the backend can
// (conv_forward_bias: oneDNN), and its backward sums db in the weight-gradient pass
// (conv_backward_weight_bias); FusedKernelsGuard(false) forces conv + a separate add and the
// reduction of dy. Batches that leave a shorter last chunk, groups, stride and padding.
TEST(ConvKernels, BiasInsideTheConvolutionMatchesSeparateAdd) {
  struct Case {
    std::vector<int64_t> x, w;
    int64_t stride, padding, groups;
  };
  const std::vector<Case> cases = {{{37, 1, 11, 9}, {6, 1, 3, 3}, 1, 0, 1},
                                   {{5, 32, 13, 13}, {64, 32, 3, 3}, 1, 1, 1},
                                   {{3, 6, 10, 7}, {9, 2, 3, 2}, 2, 1, 3}};
  for (const Case& c : cases) {
    nabla::manual_seed(21);
    Tensor x = nabla::randn(c.x).requires_grad_(true);
    Tensor w = nabla::randn(c.w).mul_(0.2).requires_grad_(true);
    Tensor b = nabla::randn({c.w[0]}).requires_grad_(true);
    auto conv = [&] { return nabla::conv2d(x, w, b, c.stride, c.padding, 1, c.groups); };
    Tensor y = conv();
    Tensor g = nabla::randn(y.sizes());
    auto d1 = nabla::autograd::grad({y}, {x, w, b}, {g});
    Tensor y2;
    std::vector<Tensor> d2;
    {
      nabla::detail::FusedKernelsGuard off(false);
      y2 = conv();
      d2 = nabla::autograd::grad({y2}, {x, w, b}, {g});
    }
    EXPECT_TRUE(y.allclose(y2, 1e-5, 1e-5))
        << "input " << fmt_shape(c.x) << ", max |diff| " << (y - y2).abs().max().item<double>();
    // A bias that is not added at all (or twice) moves every output by b[c].
    EXPECT_FALSE(y.allclose(nabla::conv2d(x, w, {}, c.stride, c.padding, 1, c.groups), 1e-3, 1e-3));
    for (size_t i = 0; i < 3; ++i)
      EXPECT_TRUE(d1[i].allclose(d2[i], 1e-4, 1e-4))
          << "gradient " << i << ", input " << fmt_shape(c.x) << ", max |diff| "
          << (d1[i] - d2[i]).abs().max().item<double>();
    // db is dy summed over the batch and positions.
    EXPECT_TRUE(d1[2].allclose(g.sum({0, 2, 3}), 1e-4, 1e-4));
  }
}

namespace {

// The block Conv2d -> ReLU -> MaxPool2d as a Sequential runs it (fused where the backend takes
// it), with the module's parameters replaced by w and b.
Tensor block_forward(const Tensor& x, const Tensor& w, const Tensor& b, int64_t stride,
                     int64_t padding, int64_t dilation, int64_t groups,
                     const std::vector<int64_t>& pool_kernel,
                     const std::vector<int64_t>& pool_stride) {
  nabla::nn::Conv2d conv(nabla::nn::Conv2dOptions(x.size(1), w.size(0), {w.size(2), w.size(3)})
                             .stride(stride)
                             .padding(padding)
                             .dilation(dilation)
                             .groups(groups)
                             .bias(b.defined()));
  conv->weight = w;
  conv->bias = b;
  nabla::nn::Sequential seq(
      conv, nabla::nn::ReLU(),
      nabla::nn::MaxPool2d(nabla::nn::MaxPool2dOptions({pool_kernel[0], pool_kernel[1]})
                               .stride({pool_stride[0], pool_stride[1]})));
  return seq->forward(x);
}

}  // namespace

// Sequential's fused conv -> relu -> max_pool block (Backend::conv_relu_max_pool_*: a few
// images at a time, the conv output kept in the cache) against the three ops composed
// (FusedKernelsGuard(false)): values, NaN, dx, dw and db, batches with a shorter last chunk,
// the direct first-layer conv and oneDNN's, stride, padding, dilation, groups, overlapping and
// non-square windows; the same bits for 1 and 2 threads.
TEST(ConvKernels, FusedConvReluMaxPoolBlockMatchesComposition) {
  struct Case {
    std::vector<int64_t> x, w;
    int64_t stride, padding, dilation, groups;
    bool bias;
    std::vector<int64_t> pool_kernel, pool_stride;
  };
  const std::vector<Case> cases = {
      {{37, 1, 28, 28}, {6, 1, 3, 3}, 1, 0, 1, 1, true, {2, 2}, {2, 2}},
      {{5, 32, 13, 13}, {64, 32, 3, 3}, 1, 0, 1, 1, true, {2, 2}, {2, 2}},
      {{3, 6, 10, 7}, {9, 2, 3, 2}, 2, 1, 1, 3, false, {3, 3}, {2, 2}},
      {{2, 3, 9, 9}, {4, 3, 3, 3}, 1, 2, 2, 1, true, {2, 3}, {1, 2}},
      {{1, 16, 8, 8}, {16, 16, 1, 1}, 1, 0, 1, 1, true, {2, 2}, {2, 2}}};
  for (const Case& c : cases) {
    SCOPED_TRACE("input " + fmt_shape(c.x) + ", weight " + fmt_shape(c.w));
    nabla::manual_seed(31);
    Tensor x = nabla::randn(c.x);
    x.index_put_({0, 0, 2, 3}, std::nan(""));  // NaN passes relu and wins its window
    x.requires_grad_(true);
    Tensor w = nabla::randn(c.w).mul_(0.3).requires_grad_(true);
    Tensor b = c.bias ? nabla::randn({c.w[0]}).requires_grad_(true) : Tensor();
    std::vector<Tensor> inputs{x, w};
    if (c.bias) inputs.push_back(b);
    auto run = [&] {
      return block_forward(x, w, b, c.stride, c.padding, c.dilation, c.groups, c.pool_kernel,
                           c.pool_stride);
    };
    std::vector<Tensor> fused_y;
    std::vector<std::vector<Tensor>> fused_d;
    Tensor g;
    for (int threads : {1, 2}) {
      nabla::set_num_threads(threads);
      Tensor y = run();
      ASSERT_NE(y.grad_fn(), nullptr);
      EXPECT_EQ(y.grad_fn()->name(), "ConvReluMaxPoolBackward");
      if (!g.defined()) g = nabla::randn(y.sizes());
      fused_y.push_back(y);
      fused_d.push_back(nabla::autograd::grad({y}, inputs, {g}));
    }
    nabla::set_num_threads(2);
    Tensor y2;
    std::vector<Tensor> d2;
    {
      nabla::detail::FusedKernelsGuard off(false);
      y2 = run();
      EXPECT_NE(y2.grad_fn()->name(), "ConvReluMaxPoolBackward");
      d2 = nabla::autograd::grad({y2}, inputs, {g});
    }
    // The same bits for 1 and 2 threads (NaN in the same places; equal() is false on NaN).
    auto same = [](const Tensor& a, const Tensor& b) {
      return a.isnan().equal(b.isnan()) && a.nan_to_num(0, 0, 0).equal(b.nan_to_num(0, 0, 0));
    };
    EXPECT_TRUE(same(fused_y[0], fused_y[1]));
    // NaN where the composition has it, the same values elsewhere.
    EXPECT_TRUE(fused_y[0].isnan().equal(y2.isnan()));
    EXPECT_TRUE(fused_y[0].isnan().any().item<bool>());
    Tensor finite = y2.isnan().logical_not();
    EXPECT_TRUE(fused_y[0].masked_select(finite).allclose(y2.masked_select(finite), 1e-5, 1e-5));
    for (size_t i = 0; i < inputs.size(); ++i) {
      SCOPED_TRACE("gradient " + std::to_string(i));
      EXPECT_TRUE(same(fused_d[0][i], fused_d[1][i]));
      Tensor a = fused_d[0][i].nan_to_num(0, 0, 0), e = d2[i].nan_to_num(0, 0, 0);
      EXPECT_TRUE(fused_d[0][i].isnan().equal(d2[i].isnan()));
      EXPECT_TRUE(a.allclose(e, 1e-4, 1e-4)) << "max |diff| " << (a - e).abs().max().item<double>();
    }
  }
}

// A NaN-free batch: the fused gradients equal the composition's to rounding, and the block's
// values through a create_graph backward (which composes the gradient from the conv
// primitives) give the composition's second derivatives.
TEST(ConvKernels, FusedConvReluMaxPoolBlockSecondOrder) {
  nabla::manual_seed(32);
  Tensor x = nabla::randn({4, 3, 10, 9}).requires_grad_(true);
  Tensor w = nabla::randn({5, 3, 3, 3}).mul_(0.3).requires_grad_(true);
  Tensor b = nabla::randn({5}).requires_grad_(true);
  auto second = [&](bool fused) {
    nabla::detail::FusedKernelsGuard guard(fused);
    Tensor y = block_forward(x, w, b, 1, 1, 1, 1, {2, 2}, {2, 2});
    EXPECT_EQ(y.grad_fn()->name() == std::string("ConvReluMaxPoolBackward"), fused);
    auto d = nabla::autograd::grad({y.pow(2).sum()}, {x, w}, {}, true, true);
    Tensor z = d[0].pow(2).sum() + d[1].sin().sum();
    return nabla::autograd::grad({z}, {x, w, b});
  };
  auto fused = second(true), composed = second(false);
  for (size_t i = 0; i < 3; ++i)
    EXPECT_TRUE(fused[i].allclose(composed[i], 1e-3, 1e-4))
        << "input " << i << ", max |diff| " << (fused[i] - composed[i]).abs().max().item<double>();
}

// Sequential fuses the block only when nothing can see its intermediate results: a forward
// hook on any of the three modules (or padding a fused op does not take) runs the modules one
// by one; the values are the same either way.
TEST(ConvModules, SequentialFusesConvReluPoolOnlyWithoutHooks) {
  nabla::manual_seed(33);
  nabla::nn::Conv2d conv(nabla::nn::Conv2dOptions(2, 4, 3));
  nabla::nn::ReLU relu;
  nabla::nn::MaxPool2d pool(2);
  nabla::nn::Sequential seq(conv, relu, pool, nabla::nn::Flatten());
  Tensor x = nabla::randn({3, 2, 9, 8});
  Tensor fused = seq->forward(x);
  EXPECT_EQ(nabla::nn::Sequential(conv, relu, pool)->forward(x).grad_fn()->name(),
            "ConvReluMaxPoolBackward");
  Tensor by_hand = pool(relu(conv(x))).flatten(1);
  EXPECT_TRUE(fused.allclose(by_hand, 1e-5, 1e-6));
  EXPECT_EQ(pool(relu(conv(x))).grad_fn()->name(), "MaxPoolBackward0");
  int seen = 0;
  const uint64_t hook = relu->register_forward_hook(
      [&](nabla::nn::Module&, const std::vector<Tensor>& in, const std::vector<Tensor>& out) {
        ++seen;
        EXPECT_EQ(in[0].sizes(), (std::vector<int64_t>{3, 4, 7, 6}));
        EXPECT_TRUE(out[0].ge(0).all().item<bool>());
      });
  Tensor hooked = seq->forward(x);
  EXPECT_EQ(seen, 1);
  EXPECT_TRUE(hooked.allclose(by_hand, 1e-5, 1e-6));
  relu->remove_hook(hook);
  // Reflect padding is a pad op before the conv: not fused, same values as by hand.
  nabla::nn::Conv2d reflect(
      nabla::nn::Conv2dOptions(2, 4, 3).padding(1).padding_mode(nabla::kReflect));
  nabla::nn::Sequential seq2(reflect, nabla::nn::ReLU(), nabla::nn::MaxPool2d(2));
  Tensor y2 = seq2->forward(x);
  EXPECT_EQ(y2.grad_fn()->name(), "MaxPoolBackward0");
  EXPECT_TRUE(y2.allclose(nabla::max_pool2d(reflect(x).relu(), 2), 1e-5, 1e-6));
  // A subclass of Conv2dImpl with its own forward runs that forward.
  struct DoubledConv : nabla::nn::Conv2dImpl {
    using Conv2dImpl::Conv2dImpl;
    Tensor forward(const Tensor& input) { return Conv2dImpl::forward(input) * 2; }
  };
  auto doubled = std::make_shared<DoubledConv>(nabla::nn::Conv2dOptions(2, 4, 3));
  Tensor y4 =
      nabla::nn::Sequential(doubled, nabla::nn::ReLU(), nabla::nn::MaxPool2d(2))->forward(x);
  EXPECT_TRUE(y4.allclose(nabla::max_pool2d((doubled->forward(x)).relu(), 2), 1e-5, 1e-6));
  // An unbatched input goes through the modules (their unbatched rule).
  Tensor y3 = nabla::nn::Sequential(conv, relu, pool)->forward(x[0]);
  EXPECT_EQ(y3.sizes(), (std::vector<int64_t>{4, 3, 3}));
}
