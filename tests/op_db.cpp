// The rows of the op table (see op_db.h). Each row's name must match a row of
// scripts/make_fixtures.py, which computes the same function with PyTorch.
#include "op_db.h"

#include <nabla/conv.h>
#include <nabla/nn.h>

#include <cmath>

namespace nabla::testing {

Tensor sample_input(const std::vector<int64_t>& shape, int k, Domain domain, ScalarType dtype) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  std::vector<double> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    double x = 2.0 * std::sin(0.37 * static_cast<double>(i) + 1.3 * k + 0.5);
    if (domain == Domain::Positive) x = 0.5 + std::fabs(x);
    if (domain == Domain::NonZero) x = (x < 0 ? -1.0 : 1.0) * (0.5 + std::fabs(x));
    v[static_cast<size_t>(i)] = x;
  }
  return tensor(v, TensorOptions().dtype(dtype)).reshape(shape);
}

namespace {
using V = std::vector<Tensor>;
using S = std::vector<std::vector<int64_t>>;
Tensor idx(std::vector<int64_t> v) { return tensor(v); }

std::vector<OpInfo> make_table() {
  const Domain Pos = Domain::Positive, NZ = Domain::NonZero;
  std::vector<OpInfo> t = {
      // ---- elementwise, unary ----
      {"neg", {{3, 4}}, [](const V& x) { return V{-x[0]}; }},
      {"exp", {{3, 4}}, [](const V& x) { return V{x[0].exp()}; }},
      {"log", {{3, 4}}, [](const V& x) { return V{x[0].log()}; }, Pos},
      {"sqrt", {{3, 4}}, [](const V& x) { return V{x[0].sqrt()}; }, Pos},
      {"rsqrt", {{3, 4}}, [](const V& x) { return V{x[0].rsqrt()}; }, Pos},
      {"abs", {{3, 4}}, [](const V& x) { return V{x[0].abs()}; }, NZ},
      {"sin", {{3, 4}}, [](const V& x) { return V{x[0].sin()}; }},
      {"cos", {{3, 4}}, [](const V& x) { return V{x[0].cos()}; }},
      {"sigmoid", {{3, 4}}, [](const V& x) { return V{x[0].sigmoid()}; }},
      {"tanh", {{3, 4}}, [](const V& x) { return V{x[0].tanh()}; }},
      {"relu", {{3, 4}}, [](const V& x) { return V{x[0].relu()}; }, NZ},
      {"square", {{3, 4}}, [](const V& x) { return V{x[0].square()}; }},
      {"reciprocal", {{3, 4}}, [](const V& x) { return V{x[0].reciprocal()}; }, NZ},
      {"erf", {{3, 4}}, [](const V& x) { return V{nabla::erf(x[0])}; }},
      {"gelu", {{3, 4}}, [](const V& x) { return V{nabla::gelu(x[0])}; }},
      {"gelu_tanh", {{3, 4}}, [](const V& x) { return V{nabla::gelu(x[0], "tanh")}; }},
      {"clamp", {{3, 4}}, [](const V& x) { return V{x[0].clamp(-1.1, 0.9)}; }},
      {"clamp_min", {{3, 4}}, [](const V& x) { return V{x[0].clamp_min(0.3)}; }},
      {"pow_scalar", {{3, 4}}, [](const V& x) { return V{x[0].pow(3)}; }},
      {"pow_frac", {{3, 4}}, [](const V& x) { return V{x[0].pow(1.5)}; }, Pos},
      // ---- elementwise, binary, with broadcasting ----
      {"add", {{3, 4}, {4}}, [](const V& x) { return V{x[0] + x[1]}; }},
      {"add_alpha", {{3, 4}, {3, 1}}, [](const V& x) { return V{x[0].add(x[1], 2.5)}; }},
      {"sub", {{3, 4}, {3, 1}}, [](const V& x) { return V{x[0] - x[1]}; }},
      {"mul", {{2, 3, 4}, {3, 4}}, [](const V& x) { return V{x[0] * x[1]}; }},
      {"div", {{3, 4}, {4}}, [](const V& x) { return V{x[0] / x[1]}; }, NZ},
      {"add_scalar", {{3, 4}}, [](const V& x) { return V{x[0] + 1.5}; }},
      {"rsub_scalar", {{3, 4}}, [](const V& x) { return V{2.0 - x[0]}; }},
      {"rdiv_scalar", {{3, 4}}, [](const V& x) { return V{2.0 / x[0]}; }, NZ},
      {"pow_tensor", {{3, 4}, {3, 4}}, [](const V& x) { return V{x[0].pow(x[1])}; }, Pos},
      {"maximum", {{3, 4}, {4}}, [](const V& x) { return V{nabla::maximum(x[0], x[1])}; }},
      {"minimum", {{3, 4}, {3, 1}}, [](const V& x) { return V{nabla::minimum(x[0], x[1])}; }},
      {"where",
       {{3, 4}, {3, 4}},
       [](const V& x) { return V{nabla::where(x[0] > x[1], x[0], x[1] * 2)}; }},
      {"masked_fill", {{3, 4}}, [](const V& x) { return V{x[0].masked_fill(x[0] > 0.5, -3.0)}; }},
      // ---- reductions ----
      {"sum", {{3, 4}}, [](const V& x) { return V{x[0].sum()}; }},
      {"sum_dim",
       {{2, 3, 4}},
       [](const V& x) {
         return V{x[0].sum({0, 2})};
       }},
      {"sum_keepdim", {{2, 3, 4}}, [](const V& x) { return V{x[0].sum({-1}, true)}; }},
      {"mean", {{3, 4}}, [](const V& x) { return V{x[0].mean()}; }},
      {"mean_dim", {{2, 3, 4}}, [](const V& x) { return V{x[0].mean({1}, true)}; }},
      {"prod", {{2, 3}}, [](const V& x) { return V{x[0].prod()}; }, NZ},
      {"prod_dim", {{3, 4}}, [](const V& x) { return V{x[0].prod(1)}; }, NZ},
      {"max", {{3, 4}}, [](const V& x) { return V{x[0].max()}; }},
      {"max_dim", {{3, 4}}, [](const V& x) { return V{std::get<0>(x[0].max(1))}; }},
      {"min_dim", {{3, 4}}, [](const V& x) { return V{std::get<0>(x[0].min(0, true))}; }},
      {"amax",
       {{2, 3, 4}},
       [](const V& x) {
         return V{x[0].amax({0, 2})};
       }},
      {"var", {{3, 4}}, [](const V& x) { return V{x[0].var()}; }},
      {"var_dim", {{3, 4}}, [](const V& x) { return V{x[0].var({1}, false, true)}; }},
      {"std", {{3, 4}}, [](const V& x) { return V{x[0].std({0}, true)}; }},
      {"logsumexp", {{3, 4}}, [](const V& x) { return V{x[0].logsumexp({1})}; }},
      {"norm", {{3, 4}}, [](const V& x) { return V{x[0].norm()}; }},
      {"norm_p1_dim", {{3, 4}}, [](const V& x) { return V{x[0].norm(1, {1})}; }, NZ},
      {"norm_p3_dim", {{3, 4}}, [](const V& x) { return V{x[0].norm(3, {0}, true)}; }, NZ},
      {"softmax", {{3, 4}}, [](const V& x) { return V{x[0].softmax(1)}; }},
      {"softmax_dim0", {{3, 4}}, [](const V& x) { return V{x[0].softmax(0)}; }},
      {"log_softmax", {{2, 3, 4}}, [](const V& x) { return V{x[0].log_softmax(-1)}; }},
      // ---- sorting (values; the gradient goes back to the chosen indices) ----
      {"topk", {{3, 5}}, [](const V& x) { return V{std::get<0>(x[0].topk(2))}; }},
      {"topk_smallest_dim0",
       {{4, 3}},
       [](const V& x) { return V{std::get<0>(nabla::topk(x[0], 3, 0, false))}; }},
      {"sort", {{3, 4}}, [](const V& x) { return V{std::get<0>(x[0].sort())}; }},
      {"sort_descending_dim0",
       {{4, 3}},
       [](const V& x) { return V{std::get<0>(nabla::sort(x[0], 0, true))}; }},
      // ---- linear algebra ----
      {"mm", {{3, 4}, {4, 5}}, [](const V& x) { return V{x[0].mm(x[1])}; }},
      {"mm_transposed", {{4, 3}, {5, 4}}, [](const V& x) { return V{x[0].t().mm(x[1].t())}; }},
      {"bmm", {{2, 3, 4}, {2, 4, 2}}, [](const V& x) { return V{x[0].bmm(x[1])}; }},
      {"matmul_broadcast", {{2, 3, 4}, {4, 2}}, [](const V& x) { return V{x[0].matmul(x[1])}; }},
      {"matmul_batch_broadcast",
       {{2, 1, 3, 4}, {3, 4, 2}},
       [](const V& x) { return V{x[0].matmul(x[1])}; }},
      {"matmul_vec", {{3, 4}, {4}}, [](const V& x) { return V{x[0].matmul(x[1])}; }},
      {"addmm",
       {{3, 5}, {3, 4}, {4, 5}},
       [](const V& x) { return V{nabla::addmm(x[0], x[1], x[2], 0.5, 2.0)}; }},
      {"dot", {{5}, {5}}, [](const V& x) { return V{x[0].dot(x[1])}; }},
      {"outer", {{3}, {4}}, [](const V& x) { return V{x[0].outer(x[1])}; }},
      // ---- shape, joining, indexing ----
      {"view",
       {{3, 4}},
       [](const V& x) {
         return V{x[0].view({2, 6})};
       }},
      {"reshape_transposed", {{3, 4}}, [](const V& x) { return V{x[0].t().reshape({12})}; }},
      {"transpose", {{2, 3, 4}}, [](const V& x) { return V{x[0].transpose(0, 2)}; }},
      {"permute",
       {{2, 3, 4}},
       [](const V& x) {
         return V{x[0].permute({1, 2, 0})};
       }},
      {"expand",
       {{3, 1}},
       [](const V& x) {
         return V{x[0].expand({2, 3, 4})};
       }},
      {"squeeze_unsqueeze",
       {{3, 1, 4}},
       [](const V& x) { return V{x[0].squeeze(1).unsqueeze(0)}; }},
      {"flatten", {{2, 3, 4}}, [](const V& x) { return V{x[0].flatten(1)}; }},
      {"narrow", {{4, 5}}, [](const V& x) { return V{x[0].narrow(1, 1, 3)}; }},
      {"select", {{4, 5}}, [](const V& x) { return V{x[0].select(0, -2)}; }},
      {"slice_step", {{4, 7}}, [](const V& x) { return V{x[0].slice(1, 1, 6, 2)}; }},
      {"split", {{5, 3}}, [](const V& x) { return x[0].split(2); }},
      {"chunk", {{3, 6}}, [](const V& x) { return x[0].chunk(3, 1); }},
      {"unbind", {{3, 2}}, [](const V& x) { return x[0].unbind(1); }},
      {"cat",
       {{2, 3}, {4, 3}},
       [](const V& x) {
         return V{nabla::cat({x[0], x[1]})};
       }},
      {"cat_dim1",
       {{2, 3}, {2, 1}},
       [](const V& x) {
         return V{nabla::cat({x[0], x[1]}, 1)};
       }},
      {"stack",
       {{2, 3}, {2, 3}},
       [](const V& x) {
         return V{nabla::stack({x[0], x[1]}, 1)};
       }},
      {"index_select",
       {{4, 3}},
       [](const V& x) {
         return V{x[0].index_select(0, idx({3, 0, 3, 1}).to(x[0].device()))};
       }},
      {"gather",
       {{3, 4}},
       [](const V& x) {
         return V{x[0].gather(1, idx({0, 3, 3, 1, 2, 0}).view({3, 2}).to(x[0].device()))};
       }},
      {"scatter_add",
       {{3, 4}, {3, 2}},
       [](const V& x) {
         return V{x[0].scatter_add(1, idx({0, 3, 3, 3, 2, 0}).view({3, 2}).to(x[0].device()), x[1])};
       }},
      {"index_tensor",
       {{4, 3}},
       [](const V& x) {
         return V{x[0].index({idx({2, 2, 0})})};
       }},
      {"index_slices",
       {{4, 5}},
       [](const V& x) {
         using namespace nabla::indexing;
         return V{x[0].index({Slice(1, None), Slice(None, None, 2)})};
       }},
      {"index_mixed",
       {{3, 4, 5}},
       [](const V& x) {
         using namespace nabla::indexing;
         return V{x[0].index({"...", idx({3, 0}), 1})};  // rows of the last dims by index
       }},
      {"clone_contiguous", {{3, 4}}, [](const V& x) { return V{x[0].t().contiguous() * 1.0}; }},
      // ---- compositions that exercise the engine ----
      {"reuse", {{3, 4}}, [](const V& x) { return V{x[0] * x[0].exp() + x[0].sum()}; }},
      {"mlp_layer",
       {{5, 4}, {3, 4}, {3}},
       [](const V& x) { return V{nabla::matmul(x[0], x[1].t()).add(x[2]).tanh().log_softmax(1)}; }},
      // ---- backend: elementwise ops of nabla/op_list.h that had no row ----
      {"sign", {{3, 4}}, [](const V& x) { return V{x[0].sign()}; }, NZ},
      // ---- conv and pooling ----
      {"conv1d_stride_groups",
       {{2, 4, 7}, {6, 2, 3}, {6}},
       [](const V& x) { return V{nabla::conv1d(x[0], x[1], x[2], 2, 1, 1, 2)}; }},
      {"conv1d_dilation_unbatched",
       {{3, 9}, {2, 3, 3}},
       [](const V& x) { return V{nabla::conv1d(x[0], x[1], {}, 1, 2, 2)}; }},
      {"conv2d_padding_bias",
       {{2, 3, 5, 6}, {4, 3, 3, 3}, {4}},
       [](const V& x) { return V{nabla::conv2d(x[0], x[1], x[2], 1, 1)}; }},
      {"conv2d_stride_dilation",
       {{1, 2, 7, 6}, {3, 2, 2, 3}},
       [](const V& x) { return V{nabla::conv2d(x[0], x[1], {}, {2, 1}, {1, 0}, {2, 1})}; }},
      {"conv2d_depthwise",
       {{2, 4, 5, 5}, {4, 1, 3, 3}},
       [](const V& x) { return V{nabla::conv2d(x[0], x[1], {}, 2, 1, 1, 4)}; }},
      {"conv2d_same_even",
       {{1, 2, 5, 6}, {2, 2, 2, 3}, {2}},
       [](const V& x) { return V{nabla::conv2d(x[0], x[1], x[2], 1, "same", {1, 2})}; }},
      {"conv2d_valid",
       {{1, 2, 4, 5}, {3, 2, 3, 2}},
       [](const V& x) { return V{nabla::conv2d(x[0], x[1], {}, 1, "valid")}; }},
      {"conv2d_unbatched",
       {{3, 5, 5}, {2, 3, 3, 3}, {2}},
       [](const V& x) { return V{nabla::conv2d(x[0], x[1], x[2], 2)}; }},
      {"conv2d_pointwise",
       {{2, 3, 4, 4}, {5, 3, 1, 1}},
       [](const V& x) { return V{nabla::conv2d(x[0], x[1])}; }},
      {"conv3d",
       {{1, 2, 4, 5, 4}, {3, 2, 2, 3, 2}, {3}},
       [](const V& x) { return V{nabla::conv3d(x[0], x[1], x[2], {1, 2, 1}, 1)}; }},
      {"conv_transpose1d",
       {{2, 4, 5}, {4, 3, 3}, {3}},
       [](const V& x) { return V{nabla::conv_transpose1d(x[0], x[1], x[2], 2, 1, 1)}; }},
      {"conv_transpose2d_groups",
       {{1, 4, 3, 4}, {4, 2, 3, 2}, {4}},
       [](const V& x) {
         return V{nabla::conv_transpose2d(x[0], x[1], x[2], 2, {1, 0}, {1, 0}, 2, {1, 2})};
       }},
      {"conv_transpose2d_unbatched",
       {{2, 3, 3}, {2, 3, 2, 2}},
       [](const V& x) { return V{nabla::conv_transpose2d(x[0], x[1])}; }},
      {"max_pool2d",
       {{2, 3, 6, 7}},
       [](const V& x) { return V{nabla::max_pool2d(x[0], 3, 2, 1)}; }},
      {"max_pool2d_ceil_dilation",
       {{1, 2, 7, 8}},
       [](const V& x) { return V{nabla::max_pool2d(x[0], {2, 3}, 2, 0, {2, 1}, true)}; }},
      {"max_pool2d_unbatched",
       {{2, 5, 5}},
       [](const V& x) { return V{nabla::max_pool2d(x[0], 2)}; }},
      {"max_pool1d_ceil",
       {{2, 3, 9}},
       [](const V& x) { return V{nabla::max_pool1d(x[0], 3, 2, 1, 1, true)}; }},
      {"avg_pool2d",
       {{2, 3, 6, 7}},
       [](const V& x) { return V{nabla::avg_pool2d(x[0], 3, 2, 1)}; }},
      {"avg_pool2d_ceil_exclude_pad",
       {{1, 2, 6, 7}},
       [](const V& x) { return V{nabla::avg_pool2d(x[0], {3, 2}, 2, 1, true, false)}; }},
      {"avg_pool2d_divisor_unbatched",
       {{2, 5, 4}},
       [](const V& x) { return V{nabla::avg_pool2d(x[0], 2, {}, 0, false, true, 3)}; }},
      {"avg_pool1d_ceil",
       {{2, 3, 8}},
       [](const V& x) { return V{nabla::avg_pool1d(x[0], 3, 2, 1, true)}; }},
      {"pad_constant",
       {{2, 3, 4}},
       [](const V& x) { return V{nabla::pad(x[0], {1, 2, -1, 1}, "constant", 0.5)}; }},
      {"pad_reflect",
       {{1, 2, 4, 5}},
       [](const V& x) { return V{nabla::pad(x[0], {2, 1, 1, 3}, "reflect")}; }},
      {"pad_replicate",
       {{2, 3, 4}},
       [](const V& x) { return V{nabla::pad(x[0], {2, 3}, "replicate")}; }},
      {"pad_circular",
       {{1, 2, 3, 4}},
       [](const V& x) { return V{nabla::pad(x[0], {1, 2, 3, 0}, "circular")}; }},
      {"cnn_block",
       {{2, 1, 6, 6}, {3, 1, 3, 3}, {3}},
       [](const V& x) {
         return V{nabla::max_pool2d(nabla::conv2d(x[0], x[1], x[2]).relu(), 2).flatten(1)};
       }},
      // ---- nn layers: normalization, resampling, fold, adaptive pooling ----
      {"batch_norm_train",
       {{3, 2, 2, 2}, {2}, {2}},
       [](const V& x) {
         namespace F = nabla::nn::functional;
         return V{F::batch_norm(x[0], {}, {},
                                F::BatchNormFuncOptions().weight(x[1]).bias(x[2]).training(true))};
       }},
      {"batch_norm_train_noncontiguous",  // the composed (unfused) path
       {{2, 3, 2, 2}, {2}, {2}},
       [](const V& x) {
         namespace F = nabla::nn::functional;
         return V{F::batch_norm(x[0].transpose(0, 1), {}, {},
                                F::BatchNormFuncOptions().weight(x[1]).bias(x[2]).training(true))};
       }},
      {"batch_norm_train_1d_noaffine",
       {{4, 3}},
       [](const V& x) {
         namespace F = nabla::nn::functional;
         return V{F::batch_norm(x[0], {}, {}, F::BatchNormFuncOptions().training(true).eps(0.1))};
       }},
      {"batch_norm_eval",
       {{3, 2, 4}, {2}, {2}},
       [](const V& x) {
         Tensor rm = tensor({0.3, -0.2}, dtype(x[0].scalar_type()));
         Tensor rv = tensor({0.5, 1.5}, dtype(x[0].scalar_type()));
         return V{nabla::batch_norm(x[0], x[1], x[2], rm, rv, false, 0.1, 1e-5)};
       }},
      {"instance_norm",
       {{2, 3, 4}, {3}, {3}},
       [](const V& x) {
         return V{nabla::instance_norm(x[0], x[1], x[2], {}, {}, true, 0.1, 1e-5)};
       }},
      {"instance_norm_2d_noaffine",
       {{2, 2, 3, 3}},
       [](const V& x) {
         namespace F = nabla::nn::functional;
         return V{F::instance_norm(x[0])};
       }},
      {"layer_norm",
       {{2, 3, 5}, {5}, {5}},
       [](const V& x) {
         namespace F = nabla::nn::functional;
         return V{F::layer_norm(x[0], F::LayerNormFuncOptions({5}).weight(x[1]).bias(x[2]))};
       }},
      {"layer_norm_2d_noaffine",
       {{3, 2, 4}},
       [](const V& x) {
         namespace F = nabla::nn::functional;
         return V{F::layer_norm(x[0], F::LayerNormFuncOptions({2, 4}).eps(0.1))};
       }},
      {"layer_norm_noncontiguous_weight_only",
       {{4, 3}, {4}},
       [](const V& x) {
         namespace F = nabla::nn::functional;
         return V{F::layer_norm(x[0].t(), F::LayerNormFuncOptions({4}).weight(x[1]))};
       }},
      {"group_norm",
       {{2, 4, 3}, {4}, {4}},
       [](const V& x) { return V{nabla::group_norm(x[0], 2, x[1], x[2])}; }},
      {"group_norm_2d_noaffine",
       {{2, 6, 2, 2}},
       [](const V& x) { return V{nabla::group_norm(x[0], 3, {}, {}, 1e-3)}; }},
      {"interpolate_nearest_1d",
       {{1, 2, 5}},
       [](const V& x) {
         namespace F = nabla::nn::functional;
         return V{F::interpolate(x[0], F::InterpolateFuncOptions().size(std::vector<int64_t>{8}))};
       }},
      {"interpolate_nearest_2d_scale2",
       {{1, 2, 3, 4}},
       [](const V& x) {
         namespace F = nabla::nn::functional;
         return V{F::interpolate(
             x[0], F::InterpolateFuncOptions().scale_factor(std::vector<double>{2, 2}))};
       }},
      {"interpolate_nearest_2d_size",
       {{2, 1, 4, 5}},
       [](const V& x) {
         namespace F = nabla::nn::functional;
         return V{F::interpolate(x[0],
                                 F::InterpolateFuncOptions().size(std::vector<int64_t>{3, 7}))};
       }},
      {"interpolate_nearest_exact",
       {{1, 2, 4, 5}},
       [](const V& x) {
         namespace F = nabla::nn::functional;
         return V{F::interpolate(
             x[0],
             F::InterpolateFuncOptions().size(std::vector<int64_t>{6, 3}).mode(kNearestExact))};
       }},
      {"interpolate_linear_1d",
       {{2, 2, 5}},
       [](const V& x) {
         namespace F = nabla::nn::functional;
         return V{F::interpolate(
             x[0], F::InterpolateFuncOptions().size(std::vector<int64_t>{7}).mode(kLinear))};
       }},
      {"interpolate_bilinear",
       {{1, 2, 3, 4}},
       [](const V& x) {
         namespace F = nabla::nn::functional;
         return V{F::interpolate(x[0], F::InterpolateFuncOptions()
                                           .size(std::vector<int64_t>{5, 7})
                                           .mode(kBilinear)
                                           .align_corners(false))};
       }},
      {"interpolate_bilinear_align_corners",
       {{1, 2, 3, 4}},
       [](const V& x) {
         namespace F = nabla::nn::functional;
         return V{F::interpolate(x[0], F::InterpolateFuncOptions()
                                           .size(std::vector<int64_t>{5, 7})
                                           .mode(kBilinear)
                                           .align_corners(true))};
       }},
      {"interpolate_bilinear_scale",
       {{1, 1, 4, 4}},
       [](const V& x) {
         namespace F = nabla::nn::functional;
         return V{F::interpolate(x[0], F::InterpolateFuncOptions()
                                           .scale_factor(std::vector<double>{1.5, 2.5})
                                           .mode(kBilinear))};
       }},
      {"interpolate_trilinear",
       {{1, 1, 2, 3, 3}},
       [](const V& x) {
         namespace F = nabla::nn::functional;
         return V{F::interpolate(
             x[0],
             F::InterpolateFuncOptions().size(std::vector<int64_t>{3, 4, 2}).mode(kTrilinear))};
       }},
      {"interpolate_area",
       {{1, 2, 5, 7}},
       [](const V& x) {
         namespace F = nabla::nn::functional;
         return V{F::interpolate(
             x[0], F::InterpolateFuncOptions().size(std::vector<int64_t>{3, 4}).mode(kArea))};
       }},
      {"pixel_shuffle", {{2, 8, 2, 3}}, [](const V& x) { return V{nabla::pixel_shuffle(x[0], 2)}; }},
      {"pixel_unshuffle",
       {{1, 2, 4, 6}},
       [](const V& x) { return V{nabla::pixel_unshuffle(x[0], 2)}; }},
      {"unfold",
       {{2, 2, 4, 5}},
       [](const V& x) {
         namespace F = nabla::nn::functional;
         return V{F::unfold(x[0], F::UnfoldFuncOptions({2, 3}))};
       }},
      {"unfold_pad_stride_dilation",
       {{1, 2, 5, 6}},
       [](const V& x) {
         namespace F = nabla::nn::functional;
         return V{F::unfold(x[0], F::UnfoldFuncOptions(3).padding(1).stride(2).dilation({1, 2}))};
       }},
      {"fold",
       {{2, 12, 9}},
       [](const V& x) {
         namespace F = nabla::nn::functional;
         return V{F::fold(x[0], F::FoldFuncOptions({4, 5}, {2, 3}))};
       }},
      {"fold_pad_stride_dilation",
       {{1, 18, 6}},
       [](const V& x) {
         namespace F = nabla::nn::functional;
         return V{
             F::fold(x[0], F::FoldFuncOptions({5, 6}, 3).padding(1).stride(2).dilation({1, 2}))};
       }},
      {"adaptive_avg_pool1d",
       {{2, 3, 7}},
       [](const V& x) { return V{nabla::adaptive_avg_pool1d(x[0], {3})}; }},
      {"adaptive_avg_pool2d",
       {{2, 2, 5, 7}},
       [](const V& x) {
         return V{nabla::adaptive_avg_pool2d(x[0], {3, 4})};
       }},
      {"adaptive_avg_pool2d_global",
       {{2, 3, 3, 4}},
       [](const V& x) {
         return V{nabla::adaptive_avg_pool2d(x[0], {1, 1})};
       }},
      {"adaptive_avg_pool2d_unbatched",
       {{2, 5, 6}},
       [](const V& x) {
         return V{nabla::adaptive_avg_pool2d(x[0], {2, 4})};
       }},
      {"adaptive_max_pool1d",
       {{2, 3, 8}},
       [](const V& x) { return V{std::get<0>(nabla::adaptive_max_pool1d(x[0], {3}))}; }},
      {"adaptive_max_pool2d",
       {{2, 2, 5, 7}},
       [](const V& x) {
         return V{std::get<0>(nabla::adaptive_max_pool2d(x[0], {3, 4}))};
       }},
      {"max_unpool2d",
       {{1, 2, 2, 2}},
       [](const V& x) {
         namespace F = nabla::nn::functional;
         Tensor ind = idx({0, 3, 9, 14, 5, 2, 12, 15}).view({1, 2, 2, 2});
         return V{F::max_unpool2d(x[0], ind, F::MaxUnpool2dFuncOptions(2))};
       }},
      // ---- attention ----
      {"sdpa",
       {{2, 3, 4}, {2, 5, 4}, {2, 5, 3}},
       [](const V& x) { return V{nabla::scaled_dot_product_attention(x[0], x[1], x[2])}; }},
      {"sdpa_causal_scale",
       {{1, 2, 4, 3}, {1, 2, 4, 3}, {1, 2, 4, 2}},
       [](const V& x) {
         return V{nabla::scaled_dot_product_attention(x[0], x[1], x[2], {}, 0.0, true, 0.5)};
       }},
      {"sdpa_bool_mask",
       {{2, 3, 4}, {2, 5, 4}, {2, 5, 3}},
       [](const V& x) {  // row i sees the first n[i] keys
         const Tensor mask = nabla::lt(nabla::arange(5).unsqueeze(0), idx({2, 5, 4}).unsqueeze(1));
         return V{nabla::scaled_dot_product_attention(x[0], x[1], x[2], mask)};
       }},
      {"sdpa_float_mask",
       {{2, 3, 4}, {2, 5, 4}, {2, 5, 3}, {3, 5}},
       [](const V& x) { return V{nabla::scaled_dot_product_attention(x[0], x[1], x[2], x[3])}; }},
      // ---- transformer helpers (composed of ops) ----
      {"rms_norm",
       {{2, 3, 6}, {6}},
       [](const V& x) { return V{nabla::nn::functional::rms_norm(x[0], {6}, x[1], 1e-6)}; }},
      {"rotary_embedding",
       {{2, 5, 8}},
       [](const V& x) {
         const auto on_x = TensorOptions().dtype(x[0].scalar_type()).device(x[0].device());
         auto [cos, sin] = nabla::nn::rotary_embedding_tables(5, 8, 10000.0, 2, on_x);
         return V{nabla::nn::apply_rotary_embedding(x[0], cos, sin)};
       }},
  };
  return t;
}
}  // namespace

const std::vector<OpInfo>& op_db() {
  static const std::vector<OpInfo> table = make_table();
  return table;
}

}  // namespace nabla::testing
