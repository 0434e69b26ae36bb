// float32 convolutions (oneDNN where nabla is built with it, src/backend/cpu/conv_dnnl.cpp)
// against the same convolutions in float64, which always run on the im2col kernels (the
// oracle), on the odd shapes that change oneDNN's set-up: stride, asymmetric padding,
// dilation, groups, depthwise, one input channel, batches that leave a short last chunk,
// non-contiguous input, 1-D and 3-D, the transposed convolution (output_padding); and the
// same bits for any thread count. The forward of a convolution with 1-3 input channels and
// stride 1 runs nabla's direct kernel (src/backend/cpu/conv_direct.cpp) on CPUs with AVX-512;
// its shapes get their own test. Run with NABLA_DISABLE_DNNL=1 NABLA_DIRECT_CONV=0 they test
// the im2col kernels in float32 instead.
#include <gtest/gtest.h>

#include <nabla/nabla.h>

#include <functional>
#include <string>
#include <vector>

using nabla::Tensor;

namespace {

using ConvFn = std::function<Tensor(const Tensor&, const Tensor&)>;

// y = f(x, w) and the gradients of sum(y * r) for a fixed r, for x and w of one dtype.
struct Result {
  Tensor y, dx, dw;
};

Result run(const ConvFn& f, const Tensor& x, const Tensor& w, const Tensor& r) {
  Tensor xg = x.detach().clone().requires_grad_(true);
  Tensor wg = w.detach().clone().requires_grad_(true);
  Tensor y = f(xg, wg);
  (y * r.to(y.scalar_type())).sum().backward();
  return {y.detach(), xg.grad(), wg.grad()};
}

void expect_close(const Tensor& got, const Tensor& want, const std::string& what) {
  ASSERT_EQ(got.sizes().vec(), want.sizes().vec()) << what;
  const double err = (got.to(nabla::kFloat64) - want).abs().max().item<double>();
  const double scale = want.abs().max().item<double>();
  EXPECT_LE(err, 1e-5 * (scale + 1e-30)) << what << ": max error " << err << ", scale " << scale;
}

// f in float32 against f in float64 on the same (float32-representable) values.
void check(const std::string& what, std::vector<int64_t> xs, std::vector<int64_t> ws,
           const ConvFn& f, bool transpose_input = false) {
  nabla::manual_seed(7);
  Tensor x = nabla::randn(xs);
  if (transpose_input) x = x.transpose(-1, -2).contiguous().transpose(-1, -2);  // same values
  Tensor w = nabla::randn(ws);
  const Tensor y_shape = f(x, w);
  Tensor r = nabla::randn(y_shape.sizes());
  const Result got = run(f, x, w, r);
  const Result want = run(f, x.to(nabla::kFloat64), w.to(nabla::kFloat64), r);
  if (transpose_input) {
    ASSERT_FALSE(x.is_contiguous());
  }
  expect_close(got.y, want.y, "forward " + what);
  expect_close(got.dx, want.dx, "input grad " + what);
  expect_close(got.dw, want.dw, "weight grad " + what);
}

ConvFn conv2d(std::vector<int64_t> stride, std::vector<int64_t> padding,
              std::vector<int64_t> dilation, int64_t groups) {
  return [=](const Tensor& x, const Tensor& w) {
    return nabla::conv2d(x, w, {}, stride, padding, dilation, groups);
  };
}

// conv2d with a bias (the backend adds it inside the convolution where it can); the bias is
// taken in the input's dtype.
ConvFn conv2d_bias(const Tensor& bias, int64_t padding) {
  return [=](const Tensor& x, const Tensor& w) {
    return nabla::conv2d(x, w, bias.to(x.scalar_type()), 1, padding);
  };
}

// f's forward and gradients on 1, 2 and 3 threads, compared bit for bit.
void expect_same_bits_on_1_2_3_threads(const ConvFn& f, const Tensor& x, const Tensor& w,
                                       const Tensor& r) {
  const int before = nabla::get_num_threads();
  std::vector<Result> results;
  for (int threads : {1, 2, 3}) {
    nabla::set_num_threads(threads);
    results.push_back(run(f, x, w, r));
  }
  nabla::set_num_threads(before);
  for (size_t i = 1; i < results.size(); ++i) {
    EXPECT_TRUE(results[0].y.equal(results[i].y)) << "forward, run " << i;
    EXPECT_TRUE(results[0].dx.equal(results[i].dx)) << "input grad, run " << i;
    EXPECT_TRUE(results[0].dw.equal(results[i].dw)) << "weight grad, run " << i;
  }
}

}  // namespace

TEST(ConvFloat32, DirectKernelShapesMatchFloat64Oracle) {
  // 1-3 input channels, stride 1, square kernels of up to 27 taps: the direct forward kernel.
  // Widths below, at and past one 16-column chunk (the masked last chunk), output channels
  // that leave a partial block of 16, padding 0-2, with and without bias.
  struct Case {
    int64_t n, c, co, h, w, k, pad;
  };
  const Case cases[] = {{3, 1, 5, 9, 7, 3, 0},    {2, 1, 16, 18, 16, 3, 1},
                        {2, 1, 33, 12, 37, 5, 2}, {2, 2, 7, 6, 20, 2, 0},
                        {4, 3, 17, 10, 18, 3, 1}, {2, 3, 9, 5, 5, 1, 0},
                        {1, 2, 3, 4, 33, 3, 2},   {2, 1, 4, 8, 8, 4, 1},
                        {2, 1, 6, 9, 33, 3, 0}};  // the last: 31 columns, a 15-lane chunk
  for (const Case& t : cases) {
    const std::string what = "direct c" + std::to_string(t.c) + " co" + std::to_string(t.co) + " " +
                             std::to_string(t.h) + "x" + std::to_string(t.w) + " k" +
                             std::to_string(t.k) + " pad " + std::to_string(t.pad);
    check(what, {t.n, t.c, t.h, t.w}, {t.co, t.c, t.k, t.k},
          conv2d({1, 1}, {t.pad, t.pad}, {1, 1}, 1));
    nabla::manual_seed(3);
    check(what + " with bias", {t.n, t.c, t.h, t.w}, {t.co, t.c, t.k, t.k},
          conv2d_bias(nabla::randn({t.co}), t.pad));
  }
}

TEST(ConvFloat32, DirectKernelSameBitsForAnyThreadCount) {
  nabla::manual_seed(12);
  Tensor x = nabla::randn({13, 3, 21, 19});
  Tensor w = nabla::randn({20, 3, 3, 3});
  const Tensor bias = nabla::randn({20});
  Tensor r = nabla::randn({13, 20, 21, 19});
  const ConvFn f = conv2d_bias(bias, 1);
  expect_same_bits_on_1_2_3_threads(f, x, w, r);
}

TEST(ConvFloat32, MatchesFloat64OracleOnOddShapes) {
  check("stride 2, even input", {2, 3, 10, 8}, {4, 3, 3, 3}, conv2d({2, 2}, {1, 1}, {1, 1}, 1));
  check("stride 2 1, padding 0 2", {3, 5, 9, 7}, {6, 5, 3, 2}, conv2d({2, 1}, {0, 2}, {1, 1}, 1));
  check("dilation 2", {2, 4, 11, 12}, {5, 4, 3, 3}, conv2d({1, 1}, {2, 2}, {2, 2}, 1));
  check("groups 2", {3, 6, 8, 9}, {8, 3, 3, 3}, conv2d({1, 1}, {1, 1}, {1, 1}, 2));
  check("depthwise", {2, 8, 9, 9}, {16, 1, 3, 3}, conv2d({1, 2}, {1, 1}, {1, 1}, 8));
  check("one input channel", {5, 1, 12, 12}, {8, 1, 3, 3}, conv2d({1, 1}, {0, 0}, {1, 1}, 1));
  check("batch 1", {1, 16, 14, 14}, {32, 16, 3, 3}, conv2d({1, 1}, {1, 1}, {1, 1}, 1));
  check("1x1", {4, 16, 7, 7}, {24, 16, 1, 1}, conv2d({1, 1}, {0, 0}, {1, 1}, 1));
  check("7x7 stride 2", {2, 3, 23, 23}, {8, 3, 7, 7}, conv2d({2, 2}, {3, 3}, {1, 1}, 1));
  // 37 images: chunks of 3 and a last chunk of 1 (a second primitive)
  check("batch 37", {37, 3, 6, 6}, {4, 3, 3, 3}, conv2d({1, 1}, {1, 1}, {1, 1}, 1));
  check("non-contiguous input", {3, 4, 9, 10}, {5, 4, 3, 3}, conv2d({1, 1}, {1, 1}, {1, 1}, 1),
        true);
}

TEST(ConvFloat32, AsymmetricPaddingSame) {
  // an even kernel with padding "same": one more zero after the input than before it
  check("same 4x2", {2, 3, 9, 8}, {5, 3, 4, 2},
        [](const Tensor& x, const Tensor& w) { return nabla::conv2d(x, w, {}, 1, "same"); });
  check("same 4x4 dilation 3", {2, 3, 12, 11}, {4, 3, 4, 4},
        [](const Tensor& x, const Tensor& w) { return nabla::conv2d(x, w, {}, 1, "same", 3); });
}

TEST(ConvFloat32, OneAndThreeSpatialDims) {
  check("conv1d", {3, 4, 17}, {6, 2, 3},
        [](const Tensor& x, const Tensor& w) { return nabla::conv1d(x, w, {}, 2, 1, 2, 2); });
  check("conv3d", {2, 3, 5, 6, 7}, {4, 3, 3, 3, 2}, [](const Tensor& x, const Tensor& w) {
    return nabla::conv3d(x, w, {}, {1, 2, 1}, {1, 0, 1});
  });
}

TEST(ConvFloat32, TransposedWithOutputPadding) {
  // The forward pass is conv's input gradient, onto an input with output_padding more zeros.
  check("conv_transpose2d", {2, 6, 5, 4}, {6, 4, 3, 3}, [](const Tensor& x, const Tensor& w) {
    return nabla::conv_transpose2d(x, w, {}, 2, 1, 1);
  });
  check("conv_transpose2d groups", {2, 4, 5, 5}, {4, 3, 2, 2},
        [](const Tensor& x, const Tensor& w) {
          return nabla::conv_transpose2d(x, w, {}, 3, 0, 2, 2);
        });
}

TEST(ConvFloat32, SameBitsForAnyThreadCount) {
  nabla::manual_seed(11);
  // 37 images: chunks of 3 and a short last one; 16 -> 24 channels (blocked layouts)
  Tensor x = nabla::randn({37, 16, 10, 9});
  Tensor w = nabla::randn({24, 16, 3, 3});
  Tensor r = nabla::randn({37, 24, 5, 9});
  const ConvFn f = conv2d({2, 1}, {1, 1}, {1, 1}, 1);
  expect_same_bits_on_1_2_3_threads(f, x, w, r);
}
