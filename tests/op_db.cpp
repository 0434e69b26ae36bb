// The rows of the op table (see op_db.h). Each row's name must match a row of
// scripts/make_fixtures.py, which computes the same function with PyTorch.
#include "op_db.h"

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
  };
  return t;
}
}  // namespace

const std::vector<OpInfo>& op_db() {
  static const std::vector<OpInfo> table = make_table();
  return table;
}

}  // namespace nabla::testing
