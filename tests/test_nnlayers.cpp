// Normalization, channel dropout, resampling, fold/unfold and adaptive pooling layers:
// running statistics and eval mode against PyTorch (tests/data/nnlayers_*.safetensors, from
// scripts/make_nnlayers_fixtures.py), module options/state_dicts, and bad-input errors. Op
// values and gradients of the functional forms are checked by the op table (test_gradcheck).
#include <gtest/gtest.h>
#include <nabla/checkpoint.h>
#include <nabla/nabla.h>

#include <map>
#include <sstream>
#include <string>
#include "test_util.h"

using namespace nabla;
namespace F = nabla::nn::functional;

namespace {

using nabla::test_util::contains;
using nabla::test_util::error_of;

std::map<std::string, Tensor> fixture(const std::string& name) {
  std::map<std::string, Tensor> m;
  for (auto& [k, v] : load_safetensors(std::string(NABLA_TEST_DATA_DIR) + "/" + name)) m[k] = v;
  return m;
}

template <class M>
std::string str(const M& m) {
  std::ostringstream s;
  s << *m;
  return s.str();
}

#define EXPECT_CLOSE(a, b) EXPECT_TRUE((a).allclose((b), 1e-5, 1e-5)) << (a) << "\n vs \n" << (b)
#define EXPECT_ERROR(stmt, text) \
  EXPECT_NE(error_of([&] { stmt; }).find(text), std::string::npos) << error_of([&] { stmt; })

// ---- BatchNorm ---------------------------------------------------------------------------

TEST(BatchNorm, RunningStatisticsAndEvalMatchPyTorch) {
  auto fx = fixture("nnlayers_batchnorm.safetensors");
  for (const std::string tag : {"m01", "mnone"}) {
    const std::string p = "bn2d_" + tag + ".";
    nn::BatchNorm2d bn(nn::BatchNorm2dOptions(3).momentum(tag == "m01" ? std::optional<double>(0.1)
                                                                       : std::nullopt));
    {
      NoGradGuard g;
      bn->weight.copy_(fx[p + "weight"]);
      bn->bias.copy_(fx[p + "bias"]);
    }
    for (int step = 0; step < 3; ++step) {
      EXPECT_CLOSE(bn(fx[p + "x" + std::to_string(step)]), fx[p + "y" + std::to_string(step)]);
    }
    EXPECT_CLOSE(bn->running_mean, fx[p + "running_mean"]);
    EXPECT_CLOSE(bn->running_var, fx[p + "running_var"]);
    EXPECT_EQ(bn->num_batches_tracked.scalar_type(), kLong);
    EXPECT_EQ(bn->num_batches_tracked.item<int64_t>(),
              fx[p + "num_batches_tracked"].item<int64_t>());
    bn->eval();
    EXPECT_CLOSE(bn(fx[p + "x_eval"]), fx[p + "y_eval"]);
    EXPECT_EQ(bn->num_batches_tracked.item<int64_t>(), 3);  // eval does not count
  }
  nn::BatchNorm1d bn1(nn::BatchNorm1dOptions(4).affine(false).momentum(0.3));
  EXPECT_EQ(bn1->parameters().size(), 0u);
  for (int step = 0; step < 2; ++step) {
    EXPECT_CLOSE(bn1(fx["bn1d.x" + std::to_string(step)]), fx["bn1d.y" + std::to_string(step)]);
  }
  EXPECT_CLOSE(bn1->running_mean, fx["bn1d.running_mean"]);
  EXPECT_CLOSE(bn1->running_var, fx["bn1d.running_var"]);
}

TEST(BatchNorm, StateDictNamesOptionsAndPrinting) {
  nn::BatchNorm2d bn(5);
  std::vector<std::string> names;
  for (const auto& item : bn->named_parameters()) names.push_back(item.key());
  for (const auto& item : bn->named_buffers()) names.push_back(item.key());
  EXPECT_EQ(names, (std::vector<std::string>{"weight", "bias", "running_mean", "running_var",
                                             "num_batches_tracked"}));
  EXPECT_EQ(str(bn),
            "nabla::nn::BatchNorm2d(5, eps=1e-05, momentum=0.1, affine=true, "
            "track_running_stats=true)");
  EXPECT_EQ(str(nn::BatchNorm3d(nn::BatchNorm3dOptions(2).momentum(std::nullopt))),
            "nabla::nn::BatchNorm3d(2, eps=1e-05, momentum=None, affine=true, "
            "track_running_stats=true)");
  nn::BatchNorm2d no_stats(nn::BatchNorm2dOptions(2).track_running_stats(false));
  EXPECT_EQ(no_stats->buffers().size(), 0u);
  // Without running statistics eval mode still normalizes with the batch's.
  no_stats->eval();
  Tensor x = randn({3, 2, 4, 4}, dtype(kDouble)) * 3 + 2;
  Tensor y = no_stats(x);
  EXPECT_TRUE(y.mean({0, 2, 3}).allclose(zeros({2}, dtype(kDouble)), 1e-9, 1e-9));
  // reset_running_stats and clone.
  bn(randn({2, 5, 3, 3}) + 4);
  auto copy = std::dynamic_pointer_cast<nn::BatchNorm2dImpl>(bn->clone());
  ASSERT_TRUE(copy);
  EXPECT_TRUE(copy->running_mean.equal(bn->running_mean));
  EXPECT_EQ(copy->num_batches_tracked.item<int64_t>(), 1);
  bn->reset_running_stats();
  EXPECT_TRUE(bn->running_mean.equal(zeros({5})));
  EXPECT_EQ(bn->num_batches_tracked.item<int64_t>(), 0);
  EXPECT_EQ(copy->num_batches_tracked.item<int64_t>(), 1);
  // BatchNorm3d on [N, C, D, H, W]: per-channel statistics.
  nn::BatchNorm3d bn3(2);
  Tensor y3 = bn3(randn({2, 2, 3, 2, 2}, dtype(kFloat)) * 2 + 1);
  EXPECT_TRUE(y3.mean({0, 2, 3, 4}).allclose(zeros({2}), 1e-5, 1e-5));
}

TEST(BatchNorm, DoubleBackwardThroughTheModule) {
  nn::BatchNorm2d bn(2);
  bn->to(kDouble);
  Tensor x = randn({3, 2, 2, 2}, dtype(kDouble)).requires_grad_(true);
  auto fn = [&](const std::vector<Tensor>& in) {
    return std::vector<Tensor>{bn(in[0]).pow(3).sum()};
  };
  autograd::GradcheckOptions opts;
  opts.check_grad_grad = true;
  EXPECT_TRUE(autograd::gradcheck(fn, {x}, opts));
}

TEST(BatchNorm, BadInputIsAnErrorNamingTheLayer) {
  nn::BatchNorm2d bn(3);
  EXPECT_ERROR(bn(ones({2, 3, 4})),
               "[BatchNorm2d] expected 4D input (got 3D input of shape [2, 3, 4])");
  EXPECT_ERROR(bn(ones({2, 4, 3, 3})), "[BatchNorm2d] input of shape [2, 4, 3, 3] has 4 channels");
  EXPECT_ERROR(bn(ones({1, 3, 1, 1})), "more than 1 value per channel");
  EXPECT_ERROR(bn(ones({2, 3, 2, 2}, dtype(kLong))),
               "[batch_norm] expected a floating point input");
  nn::BatchNorm1d bn1(3);
  EXPECT_ERROR(bn1(ones({2, 3, 4, 5})), "[BatchNorm1d] expected 2D or 3D input");
  nn::BatchNorm3d bn3(3);
  EXPECT_ERROR(bn3(ones({2, 3, 4, 5})), "[BatchNorm3d] expected 5D input");
  EXPECT_ERROR(F::batch_norm(ones({2, 3}), ones({4}), ones({4})),
               "[batch_norm] expected per-channel");
}

TEST(BatchNorm, ModelStateDictFromPyTorchGivesPyTorchsOutputs) {
  nn::Sequential model(nn::BatchNorm2d(3), nn::ReLU(), nn::Flatten(), nn::Linear(3 * 4 * 4, 5),
                       nn::BatchNorm1d(5));
  load(model, NABLA_TEST_DATA_DIR "/nnlayers_bn_model.safetensors");
  EXPECT_GT(model->named_buffers()["0.num_batches_tracked"].item<int64_t>(), 0);
  auto expected = fixture("nnlayers_bn_model_expected.safetensors");
  model->eval();
  EXPECT_CLOSE(model->forward(expected["input"]), expected["output"]);
}

// ---- InstanceNorm, GroupNorm -------------------------------------------------------------

TEST(InstanceNorm, RunningStatisticsUnbatchedEvalAndOptions) {
  auto fx = fixture("nnlayers_batchnorm.safetensors");
  nn::InstanceNorm2d in(nn::InstanceNorm2dOptions(3).affine(true).track_running_stats(true));
  {
    NoGradGuard g;
    in->weight.copy_(fx["in2d.weight"]);
    in->bias.copy_(fx["in2d.bias"]);
  }
  for (int step = 0; step < 2; ++step) {
    EXPECT_CLOSE(in(fx["in2d.x" + std::to_string(step)]), fx["in2d.y" + std::to_string(step)]);
  }
  EXPECT_CLOSE(in->running_mean, fx["in2d.running_mean"]);
  EXPECT_CLOSE(in->running_var, fx["in2d.running_var"]);
  in->eval();
  EXPECT_CLOSE(in(fx["in2d.x_eval"]), fx["in2d.y_eval"]);
  nn::InstanceNorm1d in1(4);
  EXPECT_EQ(in1->parameters().size() + in1->buffers().size(), 0u);
  EXPECT_EQ(str(in1),
            "nabla::nn::InstanceNorm1d(4, eps=1e-05, momentum=0.1, affine=false, "
            "track_running_stats=false)");
  Tensor y = in1(randn({4, 6}, dtype(kDouble)) * 3 + 1);  // unbatched [C, L]
  EXPECT_TRUE(y.mean({1}).allclose(zeros({4}, dtype(kDouble)), 1e-9, 1e-9));
  EXPECT_ERROR(in1(ones({2, 4, 3, 3})), "[InstanceNorm1d] expected 2D or 3D input");
  EXPECT_ERROR(in(ones({2, 5, 3, 3})),
               "[InstanceNorm2d] input of shape [2, 5, 3, 3] has 5 channels");
  EXPECT_ERROR(nn::InstanceNorm2d(3)(ones({2, 3, 1, 1})), "more than 1 spatial element");
}

TEST(GroupNorm, NormalizesGroupsAndChecksChannels) {
  nn::GroupNorm gn(2, 4);
  EXPECT_EQ(str(gn), "nabla::nn::GroupNorm(2, 4, eps=1e-05, affine=true)");
  Tensor x = randn({3, 4, 5}, dtype(kDouble)) * 2 + 1;
  gn->to(kDouble);
  Tensor y = gn(x).view({3, 2, 10});
  EXPECT_TRUE(y.mean({2}).allclose(zeros({3, 2}, dtype(kDouble)), 1e-9, 1e-9));
  EXPECT_TRUE(y.var({2}, false).allclose(ones({3, 2}, dtype(kDouble)), 1e-4, 1e-4));
  // GroupNorm with one group per channel is InstanceNorm; with one group it is LayerNorm.
  Tensor z = randn({2, 3, 4, 4}, dtype(kDouble));
  EXPECT_TRUE(group_norm(z, 3).allclose(F::instance_norm(z), 1e-10, 1e-10));
  EXPECT_TRUE(group_norm(z, 1).allclose(F::layer_norm(z, F::LayerNormFuncOptions({3, 4, 4})), 1e-10,
                                        1e-10));
  EXPECT_ERROR(nn::GroupNorm(3, 4),
               "[GroupNorm] num_groups 3 must be positive and divide num_channels 4");
  EXPECT_ERROR(gn(ones({2, 6, 3}, dtype(kDouble))),
               "[GroupNorm] expected input [N, 4, *], got [2, 6, 3]");
  EXPECT_ERROR(group_norm(ones({2, 6, 3}), 4),
               "[group_norm] num_groups 4 must divide the 6 channels");
}

// ---- Dropout2d ---------------------------------------------------------------------------

TEST(Dropout2d, ZeroesWholeChannelsSeededAndIdentityInEval) {
  nn::Dropout2d drop(0.5);
  EXPECT_EQ(str(drop), "nabla::nn::Dropout2d(p=0.5, inplace=false)");
  Tensor x = ones({8, 16, 3, 3});
  manual_seed(7);
  Tensor y = drop(x);
  manual_seed(7);
  EXPECT_TRUE(drop(x).equal(y));  // same seed, same channels
  // Every channel is all 0 or all 2 (1 / (1 - p)).
  Tensor per_channel = y.amax({2, 3});
  EXPECT_TRUE(y.amin({2, 3}).equal(per_channel));
  EXPECT_TRUE(((per_channel == 0).logical_or(per_channel == 2)).all().item<bool>());
  const double kept = (per_channel > 0).to(kDouble).mean().item<double>();
  EXPECT_GT(kept, 0.25);
  EXPECT_LT(kept, 0.75);
  Tensor u = F::dropout2d(ones({16, 3, 3}), F::Dropout2dFuncOptions().p(0.5));  // unbatched
  EXPECT_TRUE(u.amin({1, 2}).equal(u.amax({1, 2})));
  drop->eval();
  EXPECT_TRUE(drop(x).equal(x));
  EXPECT_TRUE(feature_dropout(x, 0.3, false).equal(x));
  EXPECT_TRUE(feature_dropout(x, 1.0, true).equal(zeros_like(x)));
  // Gradient: the same mask.
  Tensor g = ones({2, 4, 2, 2}).requires_grad_(true);
  Tensor out = F::dropout3d(g.unsqueeze(2), F::Dropout3dFuncOptions().p(0.5));
  out.sum().backward();
  EXPECT_TRUE(g.grad().equal(out.squeeze(2).detach()));
  EXPECT_ERROR(F::dropout2d(ones({2, 3})), "[dropout2d] expected 4D (batched) or 3D (unbatched)");
  EXPECT_ERROR(nn::Dropout2d(1.5), "[Dropout2d] dropout probability has to be between 0 and 1");
}

// ---- Upsample, PixelShuffle --------------------------------------------------------------

TEST(Upsample, ModuleOptionsAndErrors) {
  nn::Upsample up(nn::UpsampleOptions().scale_factor(std::vector<double>{2}).mode(kNearest));
  EXPECT_EQ(str(up), "nabla::nn::Upsample(scale_factor=[2], mode=nearest)");
  Tensor x = arange(4, dtype(kFloat)).view({1, 1, 2, 2});
  EXPECT_TRUE(up(x).equal(
      tensor({0.f, 0.f, 1.f, 1.f, 0.f, 0.f, 1.f, 1.f, 2.f, 2.f, 3.f, 3.f, 2.f, 2.f, 3.f, 3.f})
          .view({1, 1, 4, 4})));
  // Bilinear with align_corners keeps the corners.
  nn::Upsample bil(
      nn::UpsampleOptions().size(std::vector<int64_t>{5, 5}).mode(kBilinear).align_corners(true));
  Tensor y = bil(x);
  EXPECT_FLOAT_EQ(y.index({0, 0, 0, 0}).item<float>(), 0.f);
  EXPECT_FLOAT_EQ(y.index({0, 0, 4, 4}).item<float>(), 3.f);
  EXPECT_FLOAT_EQ(y.index({0, 0, 2, 2}).item<float>(), 1.5f);
  auto interp = [](const Tensor& t, F::InterpolateFuncOptions o) { return F::interpolate(t, o); };
  EXPECT_ERROR(interp(x, F::InterpolateFuncOptions()), "exactly one of size and scale_factor");
  EXPECT_ERROR(
      interp(x, F::InterpolateFuncOptions().size(std::vector<int64_t>{3, 3}).mode(kLinear)),
      "[interpolate] mode 'linear' expects 3-D input, got [1, 1, 2, 2]");
  EXPECT_ERROR(
      interp(x, F::InterpolateFuncOptions().size(std::vector<int64_t>{3}).align_corners(true)),
      "align_corners can only be set with the interpolating modes");
  EXPECT_ERROR(interp(x, F::InterpolateFuncOptions().size(std::vector<int64_t>{3, 3, 3})),
               "size [3, 3, 3] must have 1 or 2 values");
  EXPECT_ERROR(interp(x, F::InterpolateFuncOptions().size(std::vector<int64_t>{2}).mode(kBicubic)),
               "'bicubic' is not supported");
  EXPECT_ERROR(interp(ones({2, 2}), F::InterpolateFuncOptions().size(std::vector<int64_t>{2})),
               "[interpolate] expected 3-D, 4-D or 5-D input");
}

TEST(PixelShuffle, RoundTripAndErrors) {
  Tensor x = randn({2, 3, 8, 2, 3});  // extra leading dims are kept
  nn::PixelShuffle ps(2);
  nn::PixelUnshuffle pu(2);
  EXPECT_EQ(str(ps), "nabla::nn::PixelShuffle(upscale_factor=2)");
  Tensor y = ps(x);
  EXPECT_EQ(y.sizes(), IntArrayRef({2, 3, 2, 4, 6}));
  EXPECT_TRUE(pu(y).equal(x));
  EXPECT_ERROR(ps(ones({1, 3, 2, 2})), "[pixel_shuffle] the 3 channels of input [1, 3, 2, 2]");
  EXPECT_ERROR(pu(ones({1, 3, 3, 2})), "[pixel_unshuffle] the height and width of input");
}

// ---- Fold / Unfold -----------------------------------------------------------------------

TEST(Fold, FoldOfUnfoldCountsOverlapsAndErrors) {
  nn::Unfold unfold(nn::UnfoldOptions({2, 3}).padding(1).stride({1, 2}));
  EXPECT_EQ(
      str(unfold),
      "nabla::nn::Unfold(kernel_size=[2, 3], dilation=[1, 1], padding=[1, 1], stride=[1, 2])");
  nn::Fold fold(nn::FoldOptions({4, 5}, {2, 3}).padding(1).stride({1, 2}));
  Tensor x = ones({1, 2, 4, 5}, dtype(kDouble));
  Tensor cols = unfold(x);
  EXPECT_EQ(cols.sizes(), IntArrayRef({1, 12, 15}));  // 5 x 3 blocks
  // fold(unfold(1)) counts how many blocks cover each pixel.
  Tensor counts = fold(cols);
  EXPECT_EQ(counts.sizes(), IntArrayRef({1, 2, 4, 5}));
  EXPECT_EQ(counts.index({0, 0, 0, 0}).item<double>(), 2.0);
  // Unbatched input.
  EXPECT_EQ(F::unfold(ones({2, 4, 5}), F::UnfoldFuncOptions(2)).sizes(), IntArrayRef({8, 12}));
  EXPECT_ERROR(F::unfold(ones({1, 1, 2, 2}), F::UnfoldFuncOptions(3)),
               "[unfold] the (dilated) kernel [3, 3] is larger than the padded input 2x2");
  EXPECT_ERROR(F::fold(ones({1, 5, 4}), F::FoldFuncOptions({3, 3}, 2)),
               "[fold] expected the 5 rows of input [1, 5, 4] to be divisible");
  EXPECT_ERROR(F::fold(ones({1, 4, 5}), F::FoldFuncOptions({3, 3}, 2)),
               "[fold] input [1, 4, 5] has 5 blocks, but output_size [3, 3] with kernel_size [2, "
               "2] gives 4");
  EXPECT_ERROR(F::unfold(ones({1, 1, 4, 4}), F::UnfoldFuncOptions(2).stride(0)),
               "[unfold] kernel_size, dilation and stride must be positive");
}

// ---- adaptive pooling, unpooling ---------------------------------------------------------

TEST(AdaptivePooling, MaxIndicesAndUnpoolMatchPyTorch) {
  auto fx = fixture("nnlayers_pool.safetensors");
  nn::AdaptiveMaxPool2d amp(nn::AdaptiveMaxPool2dOptions({3, 4}));
  EXPECT_EQ(str(amp), "nabla::nn::AdaptiveMaxPool2d(output_size=[3, 4])");
  auto [y, idx] = amp->forward_with_indices(fx["amp.x"]);
  EXPECT_TRUE(y.equal(fx["amp.y"]));
  EXPECT_TRUE(idx.equal(fx["amp.indices"]));
  nn::MaxUnpool2d unpool(2);
  EXPECT_EQ(str(unpool),
            "nabla::nn::MaxUnpool2d(kernel_size=[2, 2], stride=[2, 2], padding=[0, 0])");
  EXPECT_TRUE(unpool(fx["unpool.x"], fx["unpool.indices"]).equal(fx["unpool.y"]));
  // Overlapping windows repeat indices: each position is written once.
  nn::MaxUnpool2d unpool3(nn::MaxUnpool2dOptions(3).stride(1));
  EXPECT_TRUE(
      unpool3(fx["unpool_overlap.x"], fx["unpool_overlap.indices"]).equal(fx["unpool_overlap.y"]));
  // Output size given explicitly, and unbatched input.
  Tensor u = F::max_unpool2d(fx["unpool.x"][0], fx["unpool.indices"][0],
                             F::MaxUnpool2dFuncOptions(2).output_size(std::vector<int64_t>{7, 9}));
  EXPECT_EQ(u.sizes(), IntArrayRef({3, 7, 9}));
  EXPECT_ERROR(unpool(fx["unpool.x"], fx["unpool.indices"] + 100), "[MaxUnpool2d] index");
  EXPECT_ERROR(unpool(fx["unpool.x"], fx["unpool.indices"].to(kInt)), "expected int64 indices");
}

TEST(AdaptivePooling, AverageOptionsGlobalAndErrors) {
  Tensor x = randn({2, 3, 7, 9}, dtype(kDouble));
  nn::AdaptiveAvgPool2d gap(1);
  EXPECT_EQ(str(gap), "nabla::nn::AdaptiveAvgPool2d(output_size=[1, 1])");
  EXPECT_TRUE(gap(x).allclose(x.mean({2, 3}, true), 1e-12, 1e-12));
  nn::AdaptiveAvgPool2d keep_h(nn::AdaptiveAvgPool2dOptions({std::nullopt, 3}));
  EXPECT_EQ(str(keep_h), "nabla::nn::AdaptiveAvgPool2d(output_size=[None, 3])");
  Tensor y = keep_h(x);
  EXPECT_EQ(y.sizes(), IntArrayRef({2, 3, 7, 3}));
  EXPECT_TRUE(y.index({0, 0, 0, 0}).allclose(x.index({0, 0, 0}).narrow(0, 0, 3).mean(), 1e-12));
  nn::AdaptiveAvgPool1d ap1(4);
  EXPECT_EQ(ap1(randn({3, 10})).sizes(), IntArrayRef({3, 4}));  // unbatched
  EXPECT_ERROR(gap(ones({2, 3})), "[AdaptiveAvgPool2d] expected 3-D or 4-D input, got [2, 3]");
  EXPECT_ERROR(adaptive_avg_pool2d(ones({1, 2, 3, 3}), {0, 2}),
               "[adaptive_avg_pool2d] input [1, 2, 3, 3] and output size must have positive");
  EXPECT_ERROR(adaptive_avg_pool2d(ones({1, 2, 3, 3}, dtype(kLong)), {2, 2}),
               "expected a floating point input");
  nn::AdaptiveMaxPool1d amp1(3);
  EXPECT_EQ(amp1(randn({2, 2, 8})).sizes(), IntArrayRef({2, 2, 3}));
}

}  // namespace

namespace {

// ---- fused batch norm against its composition ----------------------------------------------

// The composition F::batch_norm falls back to, written out: the oracle of the fused kernels.
Tensor batch_norm_oracle(const Tensor& x, const Tensor& w, const Tensor& b, double eps) {
  std::vector<int64_t> dims{0};
  for (int64_t d = 2; d < x.dim(); ++d) dims.push_back(d);
  std::vector<int64_t> cshape(static_cast<size_t>(x.dim()), 1);
  cshape[1] = x.size(1);
  Tensor xc = x - x.mean(dims, true);
  Tensor y = xc * (xc.square().mean(dims, true) + eps).rsqrt();
  if (w.defined()) y = y * w.view(cshape);
  if (b.defined()) y = y + b.view(cshape);
  return y;
}

TEST(BatchNormFused, MatchesTheCompositionOnOddShapesInBothDtypes) {
  struct Case {
    std::vector<int64_t> shape;
    bool affine;
  };
  for (const Case& c : {Case{{3, 5, 7, 9}, true}, Case{{1, 3, 2}, false}, Case{{17, 4}, true},
                        Case{{2, 3, 1, 13, 3}, true}, Case{{5, 2, 11}, false}}) {
    for (ScalarType dt : {kDouble, kFloat}) {
      manual_seed(3);
      const double tol = dt == kDouble ? 1e-10 : 2e-4;
      Tensor x = (randn(c.shape, dtype(dt)) * 2 + 0.5).requires_grad_(true);
      Tensor w, b;
      if (c.affine) {
        w = (rand({c.shape[1]}, dtype(dt)) + 0.5).requires_grad_(true);
        b = randn({c.shape[1]}, dtype(dt)).requires_grad_(true);
      }
      Tensor y =
          F::batch_norm(x, {}, {}, F::BatchNormFuncOptions().weight(w).bias(b).training(true));
      Tensor want = batch_norm_oracle(x, w, b, 1e-5);
      EXPECT_TRUE(y.allclose(want, tol, tol)) << IntArrayRef(c.shape);
      Tensor dy = randn(c.shape, dtype(dt));
      std::vector<Tensor> in{x};
      if (c.affine) in = {x, w, b};
      auto got = autograd::grad({y}, in, {dy});
      auto exp = autograd::grad({want}, in, {dy});
      for (size_t i = 0; i < in.size(); ++i) {
        EXPECT_TRUE(got[i].allclose(exp[i], tol, tol))
            << IntArrayRef(c.shape) << " input " << i << "\n"
            << got[i] << exp[i];
      }
    }
  }
}

TEST(BatchNormFused, InferenceMatchesTheComposition) {
  manual_seed(6);
  nn::BatchNorm2d bn(3);
  {
    NoGradGuard g;
    bn->weight.uniform_(0.5, 1.5);
    bn->bias.uniform_(-1, 1);
  }
  bn(randn({4, 3, 5, 7}) * 2 + 1);  // non-trivial running statistics
  bn->eval();
  Tensor x = randn({2, 3, 5, 7});
  Tensor composed = bn(x);  // weight requires grad: the composition
  ASSERT_TRUE(composed.requires_grad());
  NoGradGuard no_grad;
  Tensor fused = bn(x);
  EXPECT_TRUE(fused.allclose(composed, 1e-6, 1e-6));
  Tensor xt = x.transpose(2, 3).contiguous().transpose(2, 3);  // non-contiguous: composed
  EXPECT_TRUE(bn(xt).allclose(composed, 1e-6, 1e-6));
}

TEST(BatchNormFused, SameBitsOnOneAndTwoThreads) {
  manual_seed(5);
  Tensor x = randn({8, 6, 17, 19}).requires_grad_(true);
  Tensor dy = randn({8, 6, 17, 19});
  const int before = get_num_threads();
  std::vector<Tensor> outs;
  for (int t : {1, 2}) {
    set_num_threads(t);
    Tensor y = F::batch_norm(x, {}, {}, F::BatchNormFuncOptions().training(true));
    outs.push_back(y.detach());
    outs.push_back(autograd::grad({y}, {x}, {dy})[0]);
  }
  set_num_threads(before);
  EXPECT_TRUE(outs[0].equal(outs[2]));
  EXPECT_TRUE(outs[1].equal(outs[3]));
}

}  // namespace

// ---- activations (src/nn/activation.cpp; values and gradients: the op table) ---------------

TEST(Activations, ModulesPrintAsLibTorchsWithOptions) {
  using namespace nabla::nn;
  EXPECT_EQ(str(SELU()), "nabla::nn::SELU()");
  EXPECT_EQ(str(SELU(SELUOptions(true))), "nabla::nn::SELU(inplace=true)");
  EXPECT_EQ(str(CELU(CELUOptions().alpha(0.5).inplace(true))),
            "nabla::nn::CELU(alpha=0.5, inplace=true)");
  EXPECT_EQ(str(ReLU6()), "nabla::nn::ReLU6()");
  EXPECT_EQ(str(Hardtanh(HardtanhOptions().min_val(-2).max_val(3.5).inplace(true))),
            "nabla::nn::Hardtanh(min_val=-2, max_val=3.5, inplace=true)");
  EXPECT_EQ(str(Hardshrink()), "nabla::nn::Hardshrink(0.5)");
  EXPECT_EQ(str(Softshrink(0.25)), "nabla::nn::Softshrink(0.25)");
  EXPECT_EQ(str(Softplus(SoftplusOptions().beta(2).threshold(10))),
            "nabla::nn::Softplus(beta=2, threshold=10)");
  EXPECT_EQ(str(Threshold(0.1, 20)), "nabla::nn::Threshold(threshold=0.1, value=20)");
  EXPECT_EQ(str(GLU()), "nabla::nn::GLU(dim=-1)");
  EXPECT_EQ(str(RReLU()), "nabla::nn::RReLU(lower=0.125, upper=0.333333)");
  EXPECT_EQ(str(PReLU(PReLUOptions().num_parameters(3))), "nabla::nn::PReLU(num_parameters=3)");
  EXPECT_EQ(str(Softmin(1)), "nabla::nn::Softmin(dim=1)");
  EXPECT_EQ(str(Softmax2d()), "nabla::nn::Softmax2d()");
  EXPECT_EQ(str(LogSigmoid()) + str(Mish()) + str(Softsign()) + str(Tanhshrink()),
            "nabla::nn::LogSigmoid()nabla::nn::Mish()nabla::nn::Softsign()nabla::nn::Tanhshrink()");
}

// PyTorch's gradients at the kinks (printed by LibTorch 1.13 for these inputs): hardtanh,
// relu6 and hardsigmoid are 0 on the boundaries, hardswish is x / 3 + 1/2 on [-3, 3].
TEST(Activations, GradientsAtTheKinksAreLibTorchs) {
  const auto grad_of = [](Tensor (*f)(const Tensor&)) {
    Tensor x = tensor({-3.0, -1.0, 0.0, 1.0, 3.0, 6.0}).requires_grad_();
    f(x).sum().backward();
    return x.grad();
  };
  const auto relu6 = [](const Tensor& x) { return nabla::relu6(x); };
  const auto hardtanh = [](const Tensor& x) { return nabla::hardtanh(x); };
  EXPECT_TRUE(grad_of(relu6).equal(tensor({0.0, 0.0, 0.0, 1.0, 1.0, 0.0})));
  EXPECT_TRUE(grad_of(hardtanh).equal(tensor({0.0, 0.0, 1.0, 0.0, 0.0, 0.0})));
  EXPECT_CLOSE(grad_of(nabla::hardsigmoid), tensor({0.0, 1.0, 1.0, 1.0, 0.0, 0.0}) / 6);
  EXPECT_CLOSE(grad_of(nabla::hardswish), tensor({-0.5, 1.0 / 6, 0.5, 5.0 / 6, 1.5, 1.0}));
  EXPECT_TRUE(grad_of(nabla::log_sigmoid)
                  .allclose(tensor({0.9526, 0.7311, 0.5, 0.2689, 0.0474, 0.0025}), 0, 1e-4));
}

TEST(Activations, PReLULearnsPerChannelSlopes) {
  nn::PReLU prelu(nn::PReLUOptions().num_parameters(3).init(0.1));
  ASSERT_EQ(prelu->parameters().size(), 1u);
  EXPECT_TRUE(prelu->weight.equal(full({3}, 0.1)));
  const Tensor x = -ones({2, 3, 4});
  Tensor y = prelu(x);
  EXPECT_CLOSE(y, full({2, 3, 4}, -0.1));
  y.sum().backward();
  // Each slope multiplies 2 * 4 inputs of -1.
  EXPECT_CLOSE(prelu->weight.grad(), full({3}, -8.0));
  EXPECT_ERROR(prelu(ones({2, 4})), "channel size = 4");
  EXPECT_ERROR(F::prelu(ones({2, 3}), ones({3, 1})), "scalar or 1D");
}

TEST(Activations, RReLURandomSlopesWhileTrainingTheirMeanInEval) {
  nn::RReLU rrelu(nn::RReLUOptions().lower(0.2).upper(0.4));
  const Tensor x = -ones({1000});
  manual_seed(7);
  const Tensor a = rrelu(x);
  manual_seed(7);
  const Tensor b = rrelu(x);
  EXPECT_TRUE(a.equal(b));  // seeded
  EXPECT_LE(a.max().item<double>(), -0.2 + 1e-7);
  EXPECT_GE(a.min().item<double>(), -0.4 - 1e-7);
  EXPECT_GT((a.max() - a.min()).item<double>(), 0.15);  // slopes spread over the interval
  EXPECT_TRUE(rrelu(ones({5})).equal(ones({5})));       // positive inputs pass
  rrelu->eval();
  EXPECT_CLOSE(rrelu(x), full({1000}, -0.3));
  EXPECT_ERROR(F::rrelu(x, F::RReLUFuncOptions().lower(0.5).upper(0.1)), "Lower bound");
}

TEST(Activations, InPlaceFormsWriteIntoTheInput) {
  Tensor x = tensor({-2.0, 0.5, 7.0});
  Tensor& r = relu6_(x);
  EXPECT_EQ(&r, &x);
  EXPECT_TRUE(x.equal(tensor({0.0, 0.5, 6.0})));
  Tensor y = tensor({-2.0, 0.5, 7.0});
  nn::Threshold threshold(nn::ThresholdOptions(1.0, -1.0).inplace(true));
  threshold(y);
  EXPECT_TRUE(y.equal(tensor({-1.0, -1.0, 7.0})));
  Tensor z = tensor({-1.0, 1.0});
  selu_(z);
  EXPECT_CLOSE(z, tensor({-1.1113307378125625, 1.0507009873554805}));
}

TEST(Activations, BadOptionsAndShapesAreErrors) {
  EXPECT_ERROR(nn::Hardtanh(nn::HardtanhOptions().min_val(1).max_val(1)),
               "max_val must be greater than min_val");
  EXPECT_ERROR(nabla::glu(ones({3})), "dimension 0 is size 3");
  EXPECT_ERROR(nabla::glu(ones({})), "scalars");
  EXPECT_ERROR(nabla::softshrink(ones({3}), -1), "lambda must be greater or equal to 0");
  EXPECT_ERROR(nabla::celu(ones({3}), 0), "alpha cannot be 0");
  EXPECT_ERROR(nn::Softmax2d()(ones({3})), "3D or 4D");
  // Softmin and Softmax2d: softmax of the negated input, over the channels.
  const Tensor x = randn({2, 3, 4, 5});
  EXPECT_CLOSE(nn::Softmax2d()(x), x.softmax(1));
  EXPECT_CLOSE(nn::Softmin(1)(x), (-x).softmax(1));
}

// ---- padding layers (src/nn/padding.cpp) ---------------------------------------------------

TEST(Padding, ModulesPadAsFPadAndPrintAsLibTorch) {
  using namespace nabla::nn;
  const Tensor x = arange(24, TensorOptions().dtype(kDouble)).view({1, 2, 3, 4});
  EXPECT_TRUE(ReflectionPad2d(ReflectionPad2dOptions({1, 1, 2, 0}))(x).equal(
      F::pad(x, F::PadFuncOptions({1, 1, 2, 0}).mode(kReflect))));
  EXPECT_TRUE(
      ReplicationPad2d(2)(x).equal(F::pad(x, F::PadFuncOptions({2, 2, 2, 2}).mode(kReplicate))));
  EXPECT_TRUE(ZeroPad2d(1)(x).equal(F::pad(x, F::PadFuncOptions({1, 1, 1, 1}))));
  EXPECT_TRUE(ConstantPad1d(ConstantPad1dOptions({2, 0}, 3.5))(x[0]).equal(
      F::pad(x[0], F::PadFuncOptions({2, 0}).value(3.5))));
  EXPECT_EQ(ConstantPad3d(1, 2.0)(ones({2, 2, 2})).sizes(), IntArrayRef({4, 4, 4}));
  EXPECT_EQ(ReflectionPad1d(2)(x[0]).sizes(), IntArrayRef({2, 3, 8}));
  EXPECT_EQ(ReplicationPad3d(1)(ones({1, 2, 2, 2})).sizes(), IntArrayRef({1, 4, 4, 4}));
  EXPECT_EQ(str(ReflectionPad1d(2)), "nabla::nn::ReflectionPad1d(padding=[2, 2])");
  EXPECT_EQ(str(ReflectionPad2d(ReflectionPad2dOptions({1, 1, 2, 0}))),
            "nabla::nn::ReflectionPad2d(padding=[1, 1, 2, 0])");
  EXPECT_EQ(str(ReplicationPad3d(1)), "nabla::nn::ReplicationPad3d(padding=[1, 1, 1, 1, 1, 1])");
  EXPECT_EQ(str(ZeroPad2d(ExpandingArray<4>({1, 2, 3, 4}))),
            "nabla::nn::ZeroPad2d(padding=[1, 2, 3, 4])");
  EXPECT_EQ(str(ConstantPad2d(ConstantPad2dOptions({1, 0, 2, 0}, -1))),
            "nabla::nn::ConstantPad2d(padding=[1, 0, 2, 0], value=-1)");
  EXPECT_ERROR(ReflectionPad2d(3)(x), "reflect padding (3, 3) of dim 2 is too large");
  EXPECT_ERROR(ZeroPad2d(1)(ones({5})), "pad=[1, 1, 1, 1] for input of size [5]");
  EXPECT_ERROR(ReflectionPad1d(1)(ones({2, 3, 4, 5})), "expects a 2D or 3D input");
}

// ---- spatial transformers, channel shuffle, LRN, alpha dropout, gumbel-softmax ----

// affine_grid of the identity samples the input back exactly (align_corners true or false),
// and a half-pixel shift with zeros padding reads half of the border pixels.
TEST(Vision, IdentityGridSamplesTheInputBack) {
  const Tensor x = arange(24, dtype(kFloat64)).reshape({1, 2, 3, 4});
  const Tensor theta = tensor({1.0, 0.0, 0.0, 0.0, 1.0, 0.0}, dtype(kFloat64)).reshape({1, 2, 3});
  for (bool aligned : {false, true}) {
    const Tensor grid = F::affine_grid(theta, {1, 2, 3, 4}, aligned);
    EXPECT_EQ(grid.sizes().vec(), (std::vector<int64_t>{1, 3, 4, 2}));
    for (auto mode : {kBilinear, kNearest}) {
      const Tensor y =
          F::grid_sample(x, grid, F::GridSampleFuncOptions().mode(mode).align_corners(aligned));
      EXPECT_TRUE(allclose(y, x, 1e-12, 1e-12)) << "align_corners " << aligned;
    }
  }
  // x moved by one pixel to the right (2 / W in grid units): the first column reads outside.
  const Tensor shift = tensor({1.0, 0.0, -0.5, 0.0, 1.0, 0.0}, dtype(kFloat64)).reshape({1, 2, 3});
  const Tensor y = F::grid_sample(x, F::affine_grid(shift, {1, 2, 3, 4}));
  EXPECT_EQ(y[0][0][0][0].item<double>(), 0.0);
  EXPECT_EQ(y[0][0][1][2].item<double>(), x[0][0][1][1].item<double>());
  const Tensor border =
      F::grid_sample(x, F::affine_grid(shift, {1, 2, 3, 4}),
                     F::GridSampleFuncOptions().padding_mode(kBorder).align_corners(false));
  EXPECT_EQ(border[0][1][2][0].item<double>(), x[0][1][2][0].item<double>());
}

TEST(Vision, GridSampleGradientsReachInputAndGrid) {
  const Tensor x = arange(12, dtype(kFloat64)).reshape({1, 1, 3, 4}).requires_grad_();
  const Tensor grid = tensor({0.1, -0.3, 0.7, 0.2}, dtype(kFloat64)).reshape({1, 1, 2, 2});
  grid.requires_grad_();
  F::grid_sample(x, grid, F::GridSampleFuncOptions().align_corners(true)).sum().backward();
  // Each point's four weights sum to 1.
  EXPECT_NEAR(x.grad().sum().item<double>(), 2.0, 1e-12);
  // d/dx of a bilinear read of arange along x is (W - 1) / 2 per unit of grid: 1.5.
  EXPECT_NEAR(grid.grad()[0][0][0][0].item<double>(), 1.5, 1e-12);
  EXPECT_NEAR(grid.grad()[0][0][0][1].item<double>(), 4.0, 1e-12);  // 4 per row, (H - 1) / 2 = 1
}

TEST(Vision, ErrorsNameTheShapes) {
  const Tensor x = zeros({1, 2, 3, 4});
  EXPECT_TRUE(contains(error_of([&] {
                         F::grid_sample(x, zeros({1, 3, 3}));
                       }),
                       "same number of dimensions"));
  EXPECT_TRUE(contains(error_of([&] { F::grid_sample(x, zeros({2, 3, 3, 2})); }), "N = 1"));
  EXPECT_TRUE(contains(error_of([&] {
                         F::grid_sample(x, zeros({1, 3, 3, 2}, dtype(kFloat64)));
                       }),
                       "same dtype"));
  EXPECT_TRUE(
      contains(error_of([&] {
                 F::grid_sample(x, zeros({1, 3, 3, 2}), F::GridSampleFuncOptions().mode(kBicubic));
               }),
               "kBilinear or kNearest"));
  EXPECT_TRUE(contains(error_of([] {
                         F::affine_grid(zeros({1, 2, 3}), {1, 1, 4});
                       }),
                       "only supports 4D and 5D sizes"));
  EXPECT_TRUE(contains(error_of([] { F::affine_grid(zeros({1, 3, 4}), {1, 1, 4, 4}); }), "Nx2x3"));
  EXPECT_TRUE(contains(error_of([] {
                         channel_shuffle(zeros({1, 6, 2}), 4);
                       }),
                       "divisible by groups"));
  EXPECT_TRUE(contains(error_of([] { channel_shuffle(zeros({2, 6}), 2); }), "at least 3"));
  EXPECT_TRUE(contains(error_of([] { F::local_response_norm(zeros({2, 3}), 2); }), "3D or higher"));
}

TEST(Vision, ChannelShuffleAndLocalResponseNormAsPyTorch) {
  // torch.channel_shuffle(torch.arange(24.).view(1, 6, 2, 2), 3)[0, :, 0, 0]
  const Tensor shuffled = channel_shuffle(arange(24.0).reshape({1, 6, 2, 2}), 3);
  EXPECT_TRUE(
      equal(shuffled.select(3, 0).select(2, 0)[0], tensor({0.f, 8.f, 16.f, 4.f, 12.f, 20.f})));
  using nabla::nn::LocalResponseNorm;
  EXPECT_EQ(str(LocalResponseNorm(2)),
            "nabla::nn::LocalResponseNorm(2, alpha=0.0001, beta=0.75, k=1)");
  // One channel: x / (k + alpha x^2)^beta.
  const Tensor one = full({1, 1, 1}, 2.0);
  const double expect = 2.0 / std::pow(1 + 0.5 * 4.0 / 3.0, 0.75);
  EXPECT_NEAR(
      F::local_response_norm(one, F::LocalResponseNormFuncOptions(3).alpha(0.5)).item<double>(),
      expect, 1e-6);
}

TEST(Vision, AlphaDropoutKeepsMeanAndVariance) {
  using nabla::nn::AlphaDropout;
  using nabla::nn::FeatureAlphaDropout;
  EXPECT_EQ(str(AlphaDropout(0.2)), "nabla::nn::AlphaDropout(p=0.2, inplace=false)");
  EXPECT_EQ(str(FeatureAlphaDropout()), "nabla::nn::FeatureAlphaDropout(p=0.5, inplace=false)");
  manual_seed(3);
  const Tensor x = randn({200000});
  AlphaDropout drop(0.3);
  const Tensor y = drop(x);
  EXPECT_NEAR(y.mean().item<double>(), 0.0, 0.02);
  EXPECT_NEAR(y.std().item<double>(), 1.0, 0.02);
  drop->eval();
  EXPECT_TRUE(equal(drop(x), x));
  // The functional form is off unless asked (LibTorch's default), and p = 1 gives zeros.
  EXPECT_TRUE(equal(F::alpha_dropout(x), x));
  EXPECT_EQ(F::alpha_dropout(x, F::AlphaDropoutFuncOptions().p(1).training(true))
                .abs()
                .sum()
                .item<double>(),
            0.0);
  // Feature alpha dropout treats each (sample, channel) map as one unit.
  const Tensor maps = ones({4, 8, 5, 5});
  const Tensor z =
      F::feature_alpha_dropout(maps, F::FeatureAlphaDropoutFuncOptions().training(true));
  const Tensor spread =
      std::get<0>(z.reshape({4, 8, 25}).max(2)) - std::get<0>(z.reshape({4, 8, 25}).min(2));
  EXPECT_EQ(spread.abs().max().item<float>(), 0.0f);
  EXPECT_TRUE(contains(error_of([&] { nabla::alpha_dropout(x, 1.5, true); }), "between 0 and 1"));
  // Seeded runs repeat.
  manual_seed(9);
  const Tensor a = nabla::alpha_dropout(x, 0.5, true);
  manual_seed(9);
  EXPECT_TRUE(equal(a, nabla::alpha_dropout(x, 0.5, true)));
}

TEST(Vision, GumbelSoftmaxSamplesAndStraightThrough) {
  manual_seed(5);
  const Tensor logits = tensor({1.0, 2.0, 0.5, -1.0, 0.0, 3.0}).reshape({2, 3}).requires_grad_();
  const Tensor soft = F::gumbel_softmax(logits, F::GumbelSoftmaxFuncOptions().tau(0.5));
  EXPECT_TRUE(allclose(soft.sum(1), ones({2})));
  const Tensor hard = F::gumbel_softmax(logits, F::GumbelSoftmaxFuncOptions().hard(true));
  EXPECT_TRUE(allclose(hard.sum(1), ones({2})));
  EXPECT_EQ(hard.eq(1).sum().item<int64_t>(), 2);
  (hard * tensor({1.0, 2.0, 3.0})).sum().backward();
  EXPECT_TRUE(logits.grad().defined());
  EXPECT_GT(logits.grad().abs().sum().item<double>(), 0.0);
  // Frequencies follow softmax(logits): the largest logit wins most often.
  manual_seed(6);
  const Tensor many = tensor({0.0, 2.0, 0.0}).expand({20000, 3});
  const Tensor counts = F::gumbel_softmax(many, F::GumbelSoftmaxFuncOptions().hard(true)).sum(0);
  const double p1 = std::exp(2.0) / (2 + std::exp(2.0));
  EXPECT_NEAR(counts[1].item<double>() / 20000, p1, 0.02);
}
