// The rows of the op table (see op_db.h): name, the function in PyTorch (for the fixtures),
// the inputs' shapes, the function in nabla, and optionally the inputs' domain.
#include "op_db.h"

#include <nabla/conv.h>
#include <nabla/nn.h>
#include <nabla/nn/aten_functions.h>
#include <nabla/special.h>

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
    if (domain == Domain::Unit) x = 0.45 * x;
    if (domain == Domain::AboveOne) x = 1.5 + std::fabs(x);
    v[static_cast<size_t>(i)] = x;
  }
  return tensor(v, TensorOptions().dtype(dtype)).reshape(shape);
}

const char* domain_name(Domain domain) {
  switch (domain) {
    case Domain::Positive:
      return "pos";
    case Domain::NonZero:
      return "nz";
    case Domain::Unit:
      return "unit";
    case Domain::AboveOne:
      return "gt1";
    case Domain::Any:
      break;
  }
  return "any";
}

namespace {
using V = std::vector<Tensor>;
using S = std::vector<std::vector<int64_t>>;
namespace F = nabla::nn::functional;
Tensor idx(std::vector<int64_t> v) { return tensor(v); }
constexpr Domain Pos = Domain::Positive, NZ = Domain::NonZero, Unit = Domain::Unit,
                 AboveOne = Domain::AboveOne;

// The table in parts, a function per section: as one function of 450 rows it took 166 s to
// compile under AddressSanitizer at -O0 (a stack slot for every temporary, and register
// allocation over all of them), in parts 37 s.
// clang-format off
std::vector<OpInfo> unary_rows() {
  return {
      // ---- elementwise, unary ----
      {"neg", "-x[0]", {{3, 4}}, [](const V& x) { return V{-x[0]}; }},
      {"exp", "x[0].exp()", {{3, 4}}, [](const V& x) { return V{x[0].exp()}; }},
      {"log", "x[0].log()", {{3, 4}}, [](const V& x) { return V{x[0].log()}; }, Pos},
      {"sqrt", "x[0].sqrt()", {{3, 4}}, [](const V& x) { return V{x[0].sqrt()}; }, Pos},
      {"rsqrt", "x[0].rsqrt()", {{3, 4}}, [](const V& x) { return V{x[0].rsqrt()}; }, Pos},
      {"abs", "x[0].abs()", {{3, 4}}, [](const V& x) { return V{x[0].abs()}; }, NZ},
      {"sin", "x[0].sin()", {{3, 4}}, [](const V& x) { return V{x[0].sin()}; }},
      {"cos", "x[0].cos()", {{3, 4}}, [](const V& x) { return V{x[0].cos()}; }},
      {"sigmoid", "x[0].sigmoid()", {{3, 4}}, [](const V& x) { return V{x[0].sigmoid()}; }},
      {"tanh", "x[0].tanh()", {{3, 4}}, [](const V& x) { return V{x[0].tanh()}; }},
      {"relu", "x[0].relu()", {{3, 4}}, [](const V& x) { return V{x[0].relu()}; }, NZ},
      {"square", "x[0].square()", {{3, 4}}, [](const V& x) { return V{x[0].square()}; }},
      {"reciprocal", "x[0].reciprocal()", {{3, 4}}, [](const V& x) { return V{x[0].reciprocal()}; }, NZ},
      {"erf", "T.erf(x[0])", {{3, 4}}, [](const V& x) { return V{nabla::erf(x[0])}; }},
      {"gelu", "T.nn.functional.gelu(x[0])", {{3, 4}}, [](const V& x) { return V{nabla::gelu(x[0])}; }},
      {"gelu_tanh", "T.nn.functional.gelu(x[0], approximate='tanh')", {{3, 4}}, [](const V& x) { return V{nabla::gelu(x[0], "tanh")}; }},
  };
}

std::vector<OpInfo> activation_rows() {
  return {
      // ---- activations (src/nn/activation.cpp) ----
      {"selu", "F.selu(x[0])", {{3, 4}}, [](const V& x) { return V{F::selu(x[0])}; }, NZ},
      {"celu", "F.celu(x[0], alpha=0.7)", {{3, 4}}, [](const V& x) { return V{F::celu(x[0], F::CELUFuncOptions().alpha(0.7))}; }, NZ},
      {"elu_scaled", "T.ops.aten.elu(x[0], 0.5, 2.0, 1.5)", {{3, 4}}, [](const V& x) { return V{nabla::elu(x[0], 0.5, 2.0, 1.5)}; }, NZ},
      {"hardtanh", "F.hardtanh(x[0], -0.8, 1.2)", {{3, 4}}, [](const V& x) { return V{F::hardtanh(x[0], F::HardtanhFuncOptions().min_val(-0.8).max_val(1.2))}; }},
      {"relu6", "F.relu6(x[0] * 4)", {{3, 4}}, [](const V& x) { return V{F::relu6(x[0] * 4)}; }, NZ},
      {"hardsigmoid", "F.hardsigmoid(x[0] * 2)", {{3, 4}}, [](const V& x) { return V{nabla::hardsigmoid(x[0] * 2)}; }},
      {"hardswish", "F.hardswish(x[0] * 2)", {{3, 4}}, [](const V& x) { return V{nabla::hardswish(x[0] * 2)}; }},
      {"hardshrink", "F.hardshrink(x[0], 0.6)", {{3, 4}}, [](const V& x) { return V{F::hardshrink(x[0], 0.6)}; }},
      {"softshrink", "F.softshrink(x[0], 0.6)", {{3, 4}}, [](const V& x) { return V{F::softshrink(x[0], 0.6)}; }},
      {"softplus", "F.softplus(x[0], beta=2, threshold=3)", {{3, 4}}, [](const V& x) { return V{F::softplus(x[0], F::SoftplusFuncOptions().beta(2).threshold(3))}; }},
      {"logsigmoid", "F.logsigmoid(x[0])", {{3, 4}}, [](const V& x) { return V{F::logsigmoid(x[0])}; }},
      {"mish", "F.mish(x[0])", {{3, 4}}, [](const V& x) { return V{F::mish(x[0])}; }},
      {"softsign", "F.softsign(x[0])", {{3, 4}}, [](const V& x) { return V{F::softsign(x[0])}; }, NZ},
      {"tanhshrink", "F.tanhshrink(x[0])", {{3, 4}}, [](const V& x) { return V{F::tanhshrink(x[0])}; }},
      {"threshold", "F.threshold(x[0], 0.3, -2.0)", {{3, 4}}, [](const V& x) { return V{F::threshold(x[0], F::ThresholdFuncOptions(0.3, -2.0))}; }},
      {"glu", "F.glu(x[0])", {{3, 4}}, [](const V& x) { return V{F::glu(x[0])}; }},
      {"glu_dim0", "F.glu(x[0], 0)", {{4, 3}}, [](const V& x) { return V{F::glu(x[0], 0)}; }},
      {"prelu_channels", "F.prelu(x[0], x[1])", {{2, 3, 4}, {3}}, [](const V& x) { return V{F::prelu(x[0], x[1])}; }, NZ},
      {"prelu_shared", "F.prelu(x[0], x[1])", {{3, 4}, {1}}, [](const V& x) { return V{x[0].prelu(x[1])}; }, NZ},
      {"rrelu_eval", "F.rrelu(x[0], 0.1, 0.3)", {{3, 4}}, [](const V& x) { return V{F::rrelu(x[0], F::RReLUFuncOptions().lower(0.1).upper(0.3))}; }, NZ},
      {"softmin", "F.softmin(x[0], 1)", {{3, 4}}, [](const V& x) { return V{F::softmin(x[0], 1)}; }},
      {"erfc", "x[0].erfc()", {{3, 4}}, [](const V& x) { return V{x[0].erfc()}; }},
      {"erfinv", "x[0].erfinv()", {{3, 4}}, [](const V& x) { return V{x[0].erfinv()}; }, Unit},
      {"log1p", "x[0].log1p()", {{3, 4}}, [](const V& x) { return V{x[0].log1p()}; }, Pos},
      {"expm1", "x[0].expm1()", {{3, 4}}, [](const V& x) { return V{x[0].expm1()}; }},
      {"log2", "x[0].log2()", {{3, 4}}, [](const V& x) { return V{x[0].log2()}; }, Pos},
      {"log10", "x[0].log10()", {{3, 4}}, [](const V& x) { return V{x[0].log10()}; }, Pos},
      {"exp2", "x[0].exp2()", {{3, 4}}, [](const V& x) { return V{x[0].exp2()}; }},
      {"tan", "x[0].tan()", {{3, 4}}, [](const V& x) { return V{x[0].tan()}; }, Unit},
      {"asin", "x[0].asin()", {{3, 4}}, [](const V& x) { return V{x[0].asin()}; }, Unit},
      {"acos", "x[0].acos()", {{3, 4}}, [](const V& x) { return V{x[0].acos()}; }, Unit},
      {"atan", "x[0].atan()", {{3, 4}}, [](const V& x) { return V{x[0].atan()}; }},
      {"sinh", "x[0].sinh()", {{3, 4}}, [](const V& x) { return V{x[0].sinh()}; }},
      {"cosh", "x[0].cosh()", {{3, 4}}, [](const V& x) { return V{x[0].cosh()}; }},
      {"asinh", "x[0].asinh()", {{3, 4}}, [](const V& x) { return V{x[0].asinh()}; }},
      {"acosh", "x[0].acosh()", {{3, 4}}, [](const V& x) { return V{x[0].acosh()}; }, AboveOne},
      {"atanh", "x[0].atanh()", {{3, 4}}, [](const V& x) { return V{x[0].atanh()}; }, Unit},
      {"floor", "x[0].floor()", {{3, 4}}, [](const V& x) { return V{x[0].floor()}; }},
      {"ceil", "x[0].ceil()", {{3, 4}}, [](const V& x) { return V{x[0].ceil()}; }},
      {"round", "(x[0] * 1.7).round()", {{3, 4}}, [](const V& x) { return V{(x[0] * 1.7).round()}; }},
      {"trunc", "x[0].trunc()", {{3, 4}}, [](const V& x) { return V{x[0].trunc()}; }},
      {"frac", "x[0].frac()", {{3, 4}}, [](const V& x) { return V{x[0].frac()}; }},
      {"clamp", "x[0].clamp(-1.1, 0.9)", {{3, 4}}, [](const V& x) { return V{x[0].clamp(-1.1, 0.9)}; }},
      {"clamp_min", "x[0].clamp_min(0.3)", {{3, 4}}, [](const V& x) { return V{x[0].clamp_min(0.3)}; }},
      {"pow_scalar", "x[0].pow(3)", {{3, 4}}, [](const V& x) { return V{x[0].pow(3)}; }},
      {"pow_frac", "x[0].pow(1.5)", {{3, 4}}, [](const V& x) { return V{x[0].pow(1.5)}; }, Pos},
  };
}

std::vector<OpInfo> binary_rows() {
  return {
      // ---- elementwise, binary, with broadcasting ----
      {"add", "x[0] + x[1]", {{3, 4}, {4}}, [](const V& x) { return V{x[0] + x[1]}; }},
      {"add_alpha", "x[0].add(x[1], alpha=2.5)", {{3, 4}, {3, 1}}, [](const V& x) { return V{x[0].add(x[1], 2.5)}; }},
      {"sub", "x[0] - x[1]", {{3, 4}, {3, 1}}, [](const V& x) { return V{x[0] - x[1]}; }},
      {"mul", "x[0] * x[1]", {{2, 3, 4}, {3, 4}}, [](const V& x) { return V{x[0] * x[1]}; }},
      {"div", "x[0] / x[1]", {{3, 4}, {4}}, [](const V& x) { return V{x[0] / x[1]}; }, NZ},
      {"add_scalar", "x[0] + 1.5", {{3, 4}}, [](const V& x) { return V{x[0] + 1.5}; }},
      {"rsub_scalar", "2.0 - x[0]", {{3, 4}}, [](const V& x) { return V{2.0 - x[0]}; }},
      {"rdiv_scalar", "2.0 / x[0]", {{3, 4}}, [](const V& x) { return V{2.0 / x[0]}; }, NZ},
      {"pow_tensor", "x[0].pow(x[1])", {{3, 4}, {3, 4}}, [](const V& x) { return V{x[0].pow(x[1])}; }, Pos},
      {"maximum", "T.maximum(x[0], x[1])", {{3, 4}, {4}}, [](const V& x) { return V{nabla::maximum(x[0], x[1])}; }},
      {"minimum", "T.minimum(x[0], x[1])", {{3, 4}, {3, 1}}, [](const V& x) { return V{nabla::minimum(x[0], x[1])}; }},
      {"atan2", "T.atan2(x[0], x[1])", {{3, 4}, {4}}, [](const V& x) { return V{nabla::atan2(x[0], x[1])}; }},
      {"hypot", "T.hypot(x[0], x[1])", {{3, 4}, {3, 1}}, [](const V& x) { return V{nabla::hypot(x[0], x[1])}; }},
      {"fmod", "T.fmod(x[0], x[1])", {{3, 4}, {4}}, [](const V& x) { return V{nabla::fmod(x[0], x[1])}; }, NZ},
      {"remainder", "T.remainder(x[0], x[1])", {{3, 4}, {3, 4}}, [](const V& x) { return V{nabla::remainder(x[0], x[1])}; }, NZ},
      {"fmod_scalar", "x[0].fmod(0.7)", {{3, 4}}, [](const V& x) { return V{x[0].fmod(0.7)}; }},
      {"remainder_scalar", "x[0].remainder(-0.7)", {{3, 4}}, [](const V& x) { return V{x[0].remainder(-0.7)}; }},
      {"where", "T.where(x[0] > x[1], x[0], x[1] * 2)",
       {{3, 4}, {3, 4}},
       [](const V& x) { return V{nabla::where(x[0] > x[1], x[0], x[1] * 2)}; }},
      {"masked_fill", "x[0].masked_fill(x[0] > 0.5, -3.0)", {{3, 4}}, [](const V& x) { return V{x[0].masked_fill(x[0] > 0.5, -3.0)}; }},
  };
}

std::vector<OpInfo> reduction_rows() {
  return {
      // ---- reductions ----
      {"sum", "x[0].sum()", {{3, 4}}, [](const V& x) { return V{x[0].sum()}; }},
      {"sum_dim", "x[0].sum([0, 2])",
       {{2, 3, 4}},
       [](const V& x) {
         return V{x[0].sum({0, 2})};
       }},
      {"sum_keepdim", "x[0].sum([-1], keepdim=True)", {{2, 3, 4}}, [](const V& x) { return V{x[0].sum({-1}, true)}; }},
      {"mean", "x[0].mean()", {{3, 4}}, [](const V& x) { return V{x[0].mean()}; }},
      {"mean_dim", "x[0].mean([1], keepdim=True)", {{2, 3, 4}}, [](const V& x) { return V{x[0].mean({1}, true)}; }},
      {"prod", "x[0].prod()", {{2, 3}}, [](const V& x) { return V{x[0].prod()}; }, NZ},
      {"prod_dim", "x[0].prod(1)", {{3, 4}}, [](const V& x) { return V{x[0].prod(1)}; }, NZ},
      {"max", "x[0].max()", {{3, 4}}, [](const V& x) { return V{x[0].max()}; }},
      {"max_dim", "x[0].max(1)[0]", {{3, 4}}, [](const V& x) { return V{std::get<0>(x[0].max(1))}; }},
      {"min_dim", "x[0].min(0, keepdim=True)[0]", {{3, 4}}, [](const V& x) { return V{std::get<0>(x[0].min(0, true))}; }},
      {"amax", "x[0].amax([0, 2])",
       {{2, 3, 4}},
       [](const V& x) {
         return V{x[0].amax({0, 2})};
       }},
      {"var", "x[0].var()", {{3, 4}}, [](const V& x) { return V{x[0].var()}; }},
      {"var_dim", "x[0].var([1], unbiased=False, keepdim=True)", {{3, 4}}, [](const V& x) { return V{x[0].var({1}, false, true)}; }},
      {"std", "x[0].std([0])", {{3, 4}}, [](const V& x) { return V{x[0].std({0}, true)}; }},
      {"logsumexp", "x[0].logsumexp([1])", {{3, 4}}, [](const V& x) { return V{x[0].logsumexp({1})}; }},
      {"norm", "x[0].norm()", {{3, 4}}, [](const V& x) { return V{x[0].norm()}; }},
      {"norm_p1_dim", "x[0].norm(1, [1])", {{3, 4}}, [](const V& x) { return V{x[0].norm(1, {1})}; }, NZ},
      {"norm_p3_dim", "x[0].norm(3, [0], keepdim=True)", {{3, 4}}, [](const V& x) { return V{x[0].norm(3, {0}, true)}; }, NZ},
      {"linalg_vector_norm", "T.linalg.vector_norm(x[0])", {{3, 4}}, [](const V& x) { return V{linalg_vector_norm(x[0])}; }, NZ},
      {"linalg_vector_norm_p3_dims", "T.linalg.vector_norm(x[0], 3, dim=(0, 2), keepdim=True)", {{2, 3, 4}}, [](const V& x) { return V{linalg::vector_norm(x[0], 3, {0, 2}, true, std::nullopt)}; }, NZ},
      {"linalg_vector_norm_inf_dim", "T.linalg.vector_norm(x[0], float('inf'), dim=1)", {{3, 4}}, [](const V& x) { return V{linalg::vector_norm(x[0], INFINITY, 1, false, std::nullopt)}; }, NZ},
      {"linalg_vector_norm_p05", "T.linalg.vector_norm(x[0], 0.5, dim=-1)", {{3, 4}}, [](const V& x) { return V{linalg_vector_norm(x[0], 0.5, -1)}; }, NZ},
      {"linalg_matrix_norm_fro", "T.linalg.matrix_norm(x[0])", {{2, 3, 4}}, [](const V& x) { return V{linalg_matrix_norm(x[0])}; }, NZ},
      {"linalg_matrix_norm_1", "T.linalg.matrix_norm(x[0], 1)", {{2, 3, 4}}, [](const V& x) { return V{linalg_matrix_norm(x[0], 1)}; }, NZ},
      {"linalg_matrix_norm_neg1_dims", "T.linalg.matrix_norm(x[0], -1, dim=(2, 0), keepdim=True)", {{3, 2, 4}}, [](const V& x) { return V{linalg::matrix_norm(x[0], -1, {2, 0}, true, std::nullopt)}; }, NZ},
      {"linalg_matrix_norm_inf", "T.linalg.matrix_norm(x[0], float('inf'))", {{2, 3, 4}}, [](const V& x) { return V{linalg_matrix_norm(x[0], INFINITY)}; }, NZ},
      {"linalg_matrix_norm_neginf_dims", "T.linalg.matrix_norm(x[0], float('-inf'), dim=(0, 2))", {{3, 2, 4}}, [](const V& x) { return V{linalg::matrix_norm(x[0], -INFINITY, {0, 2}, false, std::nullopt)}; }, NZ},
      {"linalg_norm", "T.linalg.norm(x[0])", {{2, 3, 4}}, [](const V& x) { return V{linalg_norm(x[0])}; }, NZ},
      {"linalg_norm_matrix_1", "T.linalg.norm(x[0], 1)", {{3, 4}}, [](const V& x) { return V{linalg::norm(x[0], 1, std::nullopt, false, std::nullopt)}; }, NZ},
      {"linalg_norm_vector_3", "T.linalg.norm(x[0], 3, dim=1)", {{3, 4}}, [](const V& x) { return V{linalg_norm(x[0], 3, 1)}; }, NZ},
      {"linalg_norm_fro_dims", "T.linalg.norm(x[0], 'fro', dim=(0, 2))", {{2, 3, 4}}, [](const V& x) { return V{linalg::norm(x[0], "fro", {0, 2}, false, std::nullopt)}; }, NZ},
      {"cdist", "T.cdist(x[0], x[1])", {{3, 4}, {5, 4}}, [](const V& x) { return V{cdist(x[0], x[1])}; }},
      {"cdist_p1_batch", "T.cdist(x[0], x[1], p=1.0)", {{2, 3, 4}, {5, 4}}, [](const V& x) { return V{cdist(x[0], x[1], 1)}; }},
      {"cdist_p3", "T.cdist(x[0], x[1], p=3.0)", {{1, 3, 2}, {2, 4, 2}}, [](const V& x) { return V{cdist(x[0], x[1], 3)}; }},
      {"cdist_pinf", "T.cdist(x[0], x[1], p=float('inf'))", {{3, 4}, {2, 4}}, [](const V& x) { return V{cdist(x[0], x[1], INFINITY)}; }},
      {"cdist_by_products", "T.cdist(x[0], x[1])", {{30, 3}, {4, 3}}, [](const V& x) { return V{cdist(x[0], x[1])}; }},
      {"cdist_no_products", "T.cdist(x[0], x[1], compute_mode='donot_use_mm_for_euclid_dist')", {{30, 3}, {4, 3}}, [](const V& x) { return V{cdist(x[0], x[1], 2, 2)}; }},
      {"margin_ranking_loss", "F.margin_ranking_loss(x[0], x[1], T.tensor([1., -1., 1., -1.]), margin=0.5)", {{4}, {4}}, [](const V& x) { return V{F::margin_ranking_loss(x[0], x[1], tensor({1.0, -1.0, 1.0, -1.0}, dtype(x[0].scalar_type()).device(x[0].device())), F::MarginRankingLossFuncOptions().margin(0.5))}; }},
      {"cosine_embedding_loss", "F.cosine_embedding_loss(x[0], x[1], T.tensor([1., -1., 1.]), margin=-0.5)", {{3, 4}, {3, 4}}, [](const V& x) { return V{F::cosine_embedding_loss(x[0], x[1], tensor({1.0, -1.0, 1.0}, dtype(x[0].scalar_type()).device(x[0].device())), F::CosineEmbeddingLossFuncOptions().margin(-0.5))}; }},
      {"cosine_embedding_loss_1d_sum", "F.cosine_embedding_loss(x[0], x[1], T.tensor(-1.), margin=-0.5, reduction='sum')", {{4}, {4}}, [](const V& x) { return V{F::cosine_embedding_loss(x[0], x[1], full({}, -1.0, dtype(x[0].scalar_type()).device(x[0].device())), F::CosineEmbeddingLossFuncOptions().margin(-0.5).reduction(kSum))}; }},
      {"triplet_margin_loss", "F.triplet_margin_loss(x[0], x[1], x[2], margin=5.0, reduction='none')", {{3, 4}, {3, 4}, {3, 4}}, [](const V& x) { return V{F::triplet_margin_loss(x[0], x[1], x[2], F::TripletMarginLossFuncOptions().margin(5).reduction(kNone))}; }},
      {"triplet_margin_loss_swap_p1", "F.triplet_margin_loss(x[0], x[1], x[2], margin=6.0, p=1.0, swap=True, reduction='sum')", {{3, 4}, {3, 4}, {3, 4}}, [](const V& x) { return V{F::triplet_margin_loss(x[0], x[1], x[2], F::TripletMarginLossFuncOptions().margin(6).p(1).swap(true).reduction(kSum))}; }},
      {"normalize", "F.normalize(x[0])", {{3, 4}}, [](const V& x) { return V{F::normalize(x[0])}; }, NZ},
      {"normalize_p1_dim0", "F.normalize(x[0], p=1.0, dim=0)", {{3, 4}}, [](const V& x) { return V{F::normalize(x[0], F::NormalizeFuncOptions().p(1).dim(0))}; }, NZ},
      {"cosine_similarity", "F.cosine_similarity(x[0], x[1])", {{3, 4}, {3, 4}}, [](const V& x) { return V{F::cosine_similarity(x[0], x[1])}; }, NZ},
      {"cosine_similarity_broadcast", "T.cosine_similarity(x[0], x[1], -1)", {{2, 3, 4}, {3, 4}}, [](const V& x) { return V{cosine_similarity(x[0], x[1], -1)}; }, NZ},
      {"pairwise_distance", "F.pairwise_distance(x[0], x[1])", {{3, 4}, {3, 4}}, [](const V& x) { return V{F::pairwise_distance(x[0], x[1])}; }, NZ},
      {"pairwise_distance_p1_keepdim", "F.pairwise_distance(x[0], x[1], p=1.0, keepdim=True)", {{2, 3, 4}, {4}}, [](const V& x) { return V{F::pairwise_distance(x[0], x[1], F::PairwiseDistanceFuncOptions().p(1).keepdim(true))}; }, NZ},
      {"softmax", "x[0].softmax(1)", {{3, 4}}, [](const V& x) { return V{x[0].softmax(1)}; }},
      {"softmax_dim0", "x[0].softmax(0)", {{3, 4}}, [](const V& x) { return V{x[0].softmax(0)}; }},
      {"log_softmax", "x[0].log_softmax(-1)", {{2, 3, 4}}, [](const V& x) { return V{x[0].log_softmax(-1)}; }},
  };
}

std::vector<OpInfo> sorting_rows() {
  return {
      // ---- sorting (values; the gradient goes back to the chosen indices) ----
      {"topk", "x[0].topk(2)[0]", {{3, 5}}, [](const V& x) { return V{std::get<0>(x[0].topk(2))}; }},
      {"topk_smallest_dim0", "T.topk(x[0], 3, 0, largest=False)[0]",
       {{4, 3}},
       [](const V& x) { return V{std::get<0>(nabla::topk(x[0], 3, 0, false))}; }},
      {"sort", "x[0].sort()[0]", {{3, 4}}, [](const V& x) { return V{std::get<0>(x[0].sort())}; }},
      {"sort_descending_dim0", "T.sort(x[0], 0, descending=True)[0]",
       {{4, 3}},
       [](const V& x) { return V{std::get<0>(nabla::sort(x[0], 0, true))}; }},
  };
}

std::vector<OpInfo> linalg_rows() {
  return {
      // ---- linear algebra ----
      {"mm", "x[0].mm(x[1])", {{3, 4}, {4, 5}}, [](const V& x) { return V{x[0].mm(x[1])}; }},
      {"mm_transposed", "x[0].t().mm(x[1].t())", {{4, 3}, {5, 4}}, [](const V& x) { return V{x[0].t().mm(x[1].t())}; }},
      {"bmm", "x[0].bmm(x[1])", {{2, 3, 4}, {2, 4, 2}}, [](const V& x) { return V{x[0].bmm(x[1])}; }},
      {"matmul_broadcast", "x[0].matmul(x[1])", {{2, 3, 4}, {4, 2}}, [](const V& x) { return V{x[0].matmul(x[1])}; }},
      {"matmul_batch_broadcast", "x[0].matmul(x[1])",
       {{2, 1, 3, 4}, {3, 4, 2}},
       [](const V& x) { return V{x[0].matmul(x[1])}; }},
      {"matmul_vec", "x[0].matmul(x[1])", {{3, 4}, {4}}, [](const V& x) { return V{x[0].matmul(x[1])}; }},
      {"linear", "F.linear(x[0], x[1], x[2])", {{2, 3, 4}, {5, 4}, {5}}, [](const V& x) { return V{F::linear(x[0], x[1], x[2])}; }},
      {"linear_no_bias", "F.linear(x[0], x[1])", {{3, 4}, {5, 4}}, [](const V& x) { return V{F::linear(x[0], x[1])}; }},
      // Sequential's fused Linear, ReLU pair (one node where the backend's kernel runs: CPU
      // float32 and float64), with the layer's parameters replaced.
      {"sequential_linear_relu", "F.relu(F.linear(x[0], x[1], x[2]))",
       {{2, 3, 4}, {5, 4}, {5}},
       [](const V& x) {
         nabla::nn::Linear linear(4, 5);
         linear->weight = x[1];
         linear->bias = x[2];
         return V{nabla::nn::Sequential(linear, nabla::nn::ReLU())->forward(x[0])};
       }},
      {"addmm", "T.addmm(x[0], x[1], x[2], beta=0.5, alpha=2.0)",
       {{3, 5}, {3, 4}, {4, 5}},
       [](const V& x) { return V{nabla::addmm(x[0], x[1], x[2], 0.5, 2.0)}; }},
      {"dot", "x[0].dot(x[1])", {{5}, {5}}, [](const V& x) { return V{x[0].dot(x[1])}; }},
      {"outer", "x[0].outer(x[1])", {{3}, {4}}, [](const V& x) { return V{x[0].outer(x[1])}; }},
  };
}

std::vector<OpInfo> shape_rows() {
  return {
      // ---- shape, joining, indexing ----
      {"view", "x[0].view(2, 6)",
       {{3, 4}},
       [](const V& x) {
         return V{x[0].view({2, 6})};
       }},
      {"reshape_transposed", "x[0].t().reshape(12)", {{3, 4}}, [](const V& x) { return V{x[0].t().reshape({12})}; }},
      {"transpose", "x[0].transpose(0, 2)", {{2, 3, 4}}, [](const V& x) { return V{x[0].transpose(0, 2)}; }},
      {"permute", "x[0].permute(1, 2, 0)",
       {{2, 3, 4}},
       [](const V& x) {
         return V{x[0].permute({1, 2, 0})};
       }},
      {"expand", "x[0].expand(2, 3, 4)",
       {{3, 1}},
       [](const V& x) {
         return V{x[0].expand({2, 3, 4})};
       }},
      {"squeeze_unsqueeze", "x[0].squeeze(1).unsqueeze(0)",
       {{3, 1, 4}},
       [](const V& x) { return V{x[0].squeeze(1).unsqueeze(0)}; }},
      {"flatten", "x[0].flatten(1)", {{2, 3, 4}}, [](const V& x) { return V{x[0].flatten(1)}; }},
      {"narrow", "x[0].narrow(1, 1, 3)", {{4, 5}}, [](const V& x) { return V{x[0].narrow(1, 1, 3)}; }},
      {"select", "x[0].select(0, -2)", {{4, 5}}, [](const V& x) { return V{x[0].select(0, -2)}; }},
      {"slice_step", "x[0][:, 1:6:2]", {{4, 7}}, [](const V& x) { return V{x[0].slice(1, 1, 6, 2)}; }},
      {"split", "list(x[0].split(2))", {{5, 3}}, [](const V& x) { return x[0].split(2); }},
      {"chunk", "list(x[0].chunk(3, 1))", {{3, 6}}, [](const V& x) { return x[0].chunk(3, 1); }},
      {"unbind", "list(x[0].unbind(1))", {{3, 2}}, [](const V& x) { return x[0].unbind(1); }},
      {"cat", "T.cat([x[0], x[1]])",
       {{2, 3}, {4, 3}},
       [](const V& x) {
         return V{nabla::cat({x[0], x[1]})};
       }},
      {"cat_dim1", "T.cat([x[0], x[1]], 1)",
       {{2, 3}, {2, 1}},
       [](const V& x) {
         return V{nabla::cat({x[0], x[1]}, 1)};
       }},
      {"stack", "T.stack([x[0], x[1]], 1)",
       {{2, 3}, {2, 3}},
       [](const V& x) {
         return V{nabla::stack({x[0], x[1]}, 1)};
       }},
      {"index_select", "x[0].index_select(0, idx([3, 0, 3, 1]))",
       {{4, 3}},
       [](const V& x) {
         return V{x[0].index_select(0, idx({3, 0, 3, 1}).to(x[0].device()))};
       }},
      {"gather", "x[0].gather(1, idx([0, 3, 3, 1, 2, 0]).view(3, 2))",
       {{3, 4}},
       [](const V& x) {
         return V{x[0].gather(1, idx({0, 3, 3, 1, 2, 0}).view({3, 2}).to(x[0].device()))};
       }},
      {"scatter_add", "x[0].scatter_add(1, idx([0, 3, 3, 3, 2, 0]).view(3, 2), x[1])",
       {{3, 4}, {3, 2}},
       [](const V& x) {
         return V{x[0].scatter_add(1, idx({0, 3, 3, 3, 2, 0}).view({3, 2}).to(x[0].device()), x[1])};
       }},
      {"index_tensor", "x[0][idx([2, 2, 0])]",
       {{4, 3}},
       [](const V& x) {
         return V{x[0].index({idx({2, 2, 0})})};
       }},
      {"index_slices", "x[0][1:, ::2]",
       {{4, 5}},
       [](const V& x) {
         using namespace nabla::indexing;
         return V{x[0].index({Slice(1, None), Slice(None, None, 2)})};
       }},
      {"index_mixed", "x[0][..., idx([3, 0]), 1]",
       {{3, 4, 5}},
       [](const V& x) {
         using namespace nabla::indexing;
         return V{x[0].index({"...", idx({3, 0}), 1})};  // rows of the last dims by index
       }},
      {"clone_contiguous", "x[0].t().contiguous() * 1.0", {{3, 4}}, [](const V& x) { return V{x[0].t().contiguous() * 1.0}; }},
  };
}

std::vector<OpInfo> manipulation_rows() {
  return {
      // ---- manipulation (src/ops/manipulation.cpp) ----
      {"diagonal", "x[0].diagonal(1, 2, 0)", {{3, 2, 4}}, [](const V& x) { return V{x[0].diagonal(1, 2, 0)}; }},
      {"diagonal_below", "T.diagonal(x[0], -1)", {{3, 4}}, [](const V& x) { return V{nabla::diagonal(x[0], -1)}; }},
      {"diag_embed", "T.diag_embed(x[0], -1, 0, 2)", {{2, 3}}, [](const V& x) { return V{nabla::diag_embed(x[0], -1, 0, 2)}; }},
      {"diag_vector", "x[0].diag(2)", {{3}}, [](const V& x) { return V{x[0].diag(2)}; }},
      {"diag_matrix", "x[0].diag()", {{3, 4}}, [](const V& x) { return V{x[0].diag()}; }},
      {"trace", "x[0].trace()", {{3, 4}}, [](const V& x) { return V{x[0].trace()}; }},
      {"tril", "x[0].tril(1)", {{2, 3, 4}}, [](const V& x) { return V{x[0].tril(1)}; }},
      {"triu_below", "x[0].triu(-1)", {{3, 4}}, [](const V& x) { return V{x[0].triu(-1)}; }},
      {"repeat", "x[0].repeat(2, 1, 3)", {{3, 4}}, [](const V& x) { return V{x[0].repeat({2, 1, 3})}; }},
      {"tile", "x[0].tile((2,))", {{3, 4}}, [](const V& x) { return V{x[0].tile({2})}; }},
      {"repeat_interleave", "x[0].repeat_interleave(2, 1)", {{3, 4}}, [](const V& x) { return V{x[0].repeat_interleave(2, 1)}; }},
      {"repeat_interleave_counts", "T.repeat_interleave(x[0], idx([1, 0, 2]), 0)",
       {{3, 4}},
       [](const V& x) { return V{nabla::repeat_interleave(x[0], idx({1, 0, 2}), 0)}; }},
      {"flip", "x[0].flip([0, 2])", {{2, 3, 4}}, [](const V& x) { return V{x[0].flip({0, 2})}; }},
      {"roll", "x[0].roll([1, -2], [0, 1])", {{3, 4}}, [](const V& x) { return V{x[0].roll({1, -2}, {0, 1})}; }},
      {"roll_flat", "x[0].roll(5)", {{3, 4}}, [](const V& x) { return V{x[0].roll({5})}; }},
      {"movedim", "x[0].movedim(0, 2)", {{2, 3, 4}}, [](const V& x) { return V{x[0].movedim(0, 2)}; }},
      {"meshgrid_xy", "T.meshgrid(x[0], x[1], indexing='xy')",
       {{3}, {4}},
       [](const V& x) { return nabla::meshgrid({x[0], x[1]}, "xy"); }},
      {"cumsum", "x[0].cumsum(1)", {{3, 4}}, [](const V& x) { return V{x[0].cumsum(1)}; }},
      {"cumsum_dim0", "x[0].cumsum(0)", {{2, 3, 4}}, [](const V& x) { return V{x[0].cumsum(0)}; }},
      {"cumprod", "x[0].cumprod(1)", {{3, 4}}, [](const V& x) { return V{x[0].cumprod(1)}; }},
      {"cumprod_dim0", "T.cumprod(x[0], 0)", {{3, 2, 2}}, [](const V& x) { return V{nabla::cumprod(x[0], 0)}; }},
      {"cummax", "x[0].cummax(1)[0]", {{3, 5}}, [](const V& x) { return V{std::get<0>(x[0].cummax(1))}; }},
      {"cummin", "T.cummin(x[0], 0)[0]", {{4, 3}}, [](const V& x) { return V{std::get<0>(nabla::cummin(x[0], 0))}; }},
      {"logcumsumexp", "x[0].logcumsumexp(1)", {{3, 4}}, [](const V& x) { return V{x[0].logcumsumexp(1)}; }},
      {"logcumsumexp_dim0", "T.logcumsumexp(x[0] * 30, 0)", {{4, 3}}, [](const V& x) { return V{nabla::logcumsumexp(x[0] * 30, 0)}; }},
      {"matrix_power", "T.matrix_power(x[0], 3)", {{2, 3, 3}}, [](const V& x) { return V{nabla::matrix_power(x[0], 3)}; }},
      {"matrix_power_inverse", "T.linalg.matrix_power(x[0] + 3 * T.eye(3), -2)", {{3, 3}}, [](const V& x) { return V{nabla::linalg::matrix_power(x[0] + 3 * nabla::eye(3, x[0].options()), -2)}; }},
      {"lerp", "T.lerp(x[0], x[1], x[2])", {{3, 4}, {3, 4}, {4}}, [](const V& x) { return V{nabla::lerp(x[0], x[1], x[2])}; }},
      {"lerp_scalar", "x[0].lerp(x[1], 0.3)", {{3, 4}, {4}}, [](const V& x) { return V{x[0].lerp(x[1], 0.3)}; }},
      {"logaddexp", "T.logaddexp(x[0], x[1])", {{3, 4}, {4}}, [](const V& x) { return V{nabla::logaddexp(x[0], x[1])}; }},
  };
}

std::vector<OpInfo> composition_rows() {
  return {
      // ---- LibTorch's small compositions (src/ops/compositions.cpp) ----
      {"addcmul", "T.addcmul(x[0], x[1], x[2], value=0.5)", {{3, 4}, {3, 4}, {4}}, [](const V& x) { return V{nabla::addcmul(x[0], x[1], x[2], 0.5)}; }},
      {"addcdiv", "x[0].addcdiv(x[1], x[2], value=-2)", {{3, 4}, {3, 4}, {3, 4}}, [](const V& x) { return V{x[0].addcdiv(x[1], x[2], -2)}; }, NZ},
      {"fmax", "T.fmax(x[0], x[1])", {{3, 4}, {4}}, [](const V& x) { return V{nabla::fmax(x[0], x[1])}; }},
      {"fmin", "x[0].fmin(x[1])", {{3, 4}, {3, 4}}, [](const V& x) { return V{x[0].fmin(x[1])}; }},
      {"logaddexp2", "T.logaddexp2(x[0], x[1])", {{3, 4}, {4}}, [](const V& x) { return V{nabla::logaddexp2(x[0], x[1])}; }},
      {"deg2rad", "T.deg2rad(x[0] * 90)", {{3, 4}}, [](const V& x) { return V{nabla::deg2rad(x[0] * 90)}; }},
      {"rad2deg", "x[0].rad2deg()", {{3, 4}}, [](const V& x) { return V{x[0].rad2deg()}; }},
      {"broadcast_to", "x[0].broadcast_to((2, 3, 4))", {{3, 1}}, [](const V& x) { return V{x[0].broadcast_to({2, 3, 4})}; }},
      {"hstack", "T.hstack([x[0], x[1]])", {{3, 2}, {3, 4}}, [](const V& x) { return V{nabla::hstack({x[0], x[1]})}; }},
      {"vstack", "T.vstack([x[0], x[1]])", {{4}, {2, 4}}, [](const V& x) { return V{nabla::vstack({x[0], x[1]})}; }},
      {"dstack", "T.dstack([x[0], x[1]])", {{3}, {3}}, [](const V& x) { return V{nabla::dstack({x[0], x[1]})}; }},
      {"column_stack", "T.column_stack([x[0], x[1]])", {{3}, {3, 2}}, [](const V& x) { return V{nabla::column_stack({x[0], x[1]})}; }},
      {"tensor_split", "T.tensor_split(x[0], 3, 1)", {{2, 5}}, [](const V& x) { return nabla::tensor_split(x[0], 3, 1); }},
      {"tensor_split_indices", "x[0].tensor_split([1, -1], 0)", {{4, 3}}, [](const V& x) { return x[0].tensor_split({1, -1}, 0); }},
      {"take_along_dim", "T.take_along_dim(x[0], idx([2, 0]).reshape(1, 2), 1)", {{3, 4}}, [](const V& x) { return V{nabla::take_along_dim(x[0], idx({2, 0}).reshape({1, 2}).to(x[0].device()), 1)}; }},
      {"take_along_dim_flat", "x[0].take_along_dim(idx([5, 0, 11, 5]))", {{3, 4}}, [](const V& x) { return V{x[0].take_along_dim(idx({5, 0, 11, 5}).to(x[0].device()))}; }},
      {"diagflat", "T.diagflat(x[0], 1)", {{2, 2}}, [](const V& x) { return V{nabla::diagflat(x[0], 1)}; }},
      {"inner", "T.inner(x[0], x[1])", {{2, 3}, {4, 3}}, [](const V& x) { return V{nabla::inner(x[0], x[1])}; }},
      {"dist", "T.dist(x[0], x[1], 3)", {{3, 4}, {4}}, [](const V& x) { return V{nabla::dist(x[0], x[1], 3)}; }},
      {"addmv", "T.addmv(x[0], x[1], x[2], beta=0.5, alpha=2)", {{3}, {3, 4}, {4}}, [](const V& x) { return V{nabla::addmv(x[0], x[1], x[2], 0.5, 2)}; }},
      {"addr", "x[0].addr(x[1], x[2], beta=2, alpha=-1)", {{3, 4}, {3}, {4}}, [](const V& x) { return V{x[0].addr(x[1], x[2], 2, -1)}; }},
      {"pdist", "T.pdist(x[0], 3)", {{4, 3}}, [](const V& x) { return V{nabla::pdist(x[0], 3)}; }},
      {"pdist_p2", "T.pdist(x[0])", {{5, 2}}, [](const V& x) { return V{nabla::pdist(x[0])}; }},
      {"renorm", "x[0].renorm(2, 0, 3.0)", {{3, 4}}, [](const V& x) { return V{x[0].renorm(2, 0, 3.0)}; }},
      {"renorm_p1_dim1", "T.renorm(x[0], 1, 1, 2.5)", {{3, 4}}, [](const V& x) { return V{nabla::renorm(x[0], 1, 1, 2.5)}; }},
      {"vander", "T.vander(x[0], 4)", {{3}}, [](const V& x) { return V{nabla::vander(x[0], 4)}; }},
      {"vander_increasing", "T.vander(x[0], increasing=True)", {{3}}, [](const V& x) { return V{nabla::vander(x[0], std::nullopt, true)}; }},
      {"masked_scatter", "x[0].masked_scatter(idx([1, 0, 1, 1]).bool(), x[1])", {{3, 4}, {10}}, [](const V& x) { return V{x[0].masked_scatter(idx({1, 0, 1, 1}).to(kBool).to(x[0].device()), x[1])}; }},
      {"frobenius_norm_dim", "T.frobenius_norm(x[0], [1])", {{3, 4}}, [](const V& x) { return V{nabla::frobenius_norm(x[0], {1})}; }},
      // The samples are rank 2 (sines of an arithmetic sequence): + 3 I keeps the singular values apart.
      {"nuclear_norm", "T.nuclear_norm(x[0] + 3 * T.eye(3, 4))", {{3, 4}}, [](const V& x) { return V{nabla::nuclear_norm(x[0] + 3 * nabla::eye(3, 4, x[0].options()))}; }},
      {"mvlgamma", "T.mvlgamma(x[0] + 2, 2)", {{3, 4}}, [](const V& x) { return V{nabla::mvlgamma(x[0] + 2, 2)}; }, Pos},
      {"linalg_vecdot", "T.linalg.vecdot(x[0], x[1])", {{3, 4}, {4}}, [](const V& x) { return V{linalg::vecdot(x[0], x[1])}; }},
      {"chain_matmul", "T.chain_matmul(x[0], x[1], x[2])", {{2, 3}, {3, 4}, {4, 2}}, [](const V& x) { return V{nabla::chain_matmul({x[0], x[1], x[2]})}; }},
      {"triangular_solve", "T.triangular_solve(x[0], x[1].triu() + 3 * T.eye(3))[0]", {{3, 2}, {3, 3}}, [](const V& x) { return V{std::get<0>(nabla::triangular_solve(x[0], x[1].triu() + 3 * nabla::eye(3, x[1].options())))}; }},
      {"triangular_solve_lower_t", "T.triangular_solve(x[0], x[1].tril() + 3 * T.eye(3), upper=False, transpose=True)[0]", {{3, 2}, {3, 3}}, [](const V& x) { return V{std::get<0>(nabla::triangular_solve(x[0], x[1].tril() + 3 * nabla::eye(3, x[1].options()), false, true))}; }},
  };
}

std::vector<OpInfo> porting_rows() {
  return {
      // ---- views, in-place views and pads a ported LibTorch program calls (views.cpp, pool.cpp) ----
      {"tensor_unfold", "x[0].unfold(1, 2, 1)", {{3, 4}}, [](const V& x) { return V{x[0].unfold(1, 2, 1)}; }},
      {"tensor_unfold_step", "x[0].unfold(0, 2, 3)", {{7, 2}}, [](const V& x) { return V{x[0].unfold(0, 2, 3)}; }},
      {"tensor_unfold_3d_overlap", "x[0].unfold(-2, 3, 1)", {{2, 4, 3}}, [](const V& x) { return V{x[0].unfold(-2, 3, 1)}; }},
      {"unsqueeze_inplace", "(x[0] * 2).unsqueeze_(1)", {{3, 4}}, [](const V& x) { Tensor y = x[0] * 2; y.unsqueeze_(1); return V{y}; }},
      {"transpose_inplace", "(x[0] * 2).t_().squeeze_()", {{3, 1}}, [](const V& x) { Tensor y = x[0] * 2; y.t_().squeeze_(); return V{y}; }},
      {"max_binary", "T.max(x[0], x[1])", {{3, 4}, {4}}, [](const V& x) { return V{nabla::max(x[0], x[1])}; }},
      {"min_binary", "x[0].min(x[1])", {{3, 4}, {3, 4}}, [](const V& x) { return V{x[0].min(x[1])}; }},
      {"reflection_pad2d", "T.ops.aten.reflection_pad2d(x[0], [1, 2, 2, 0])", {{2, 3, 4}}, [](const V& x) { return V{nabla::reflection_pad2d(x[0], {1, 2, 2, 0})}; }},
      {"replication_pad1d", "T.ops.aten.replication_pad1d(x[0], [2, 1])", {{2, 3, 4}}, [](const V& x) { return V{nabla::replication_pad1d(x[0], {2, 1})}; }},
      // ---- reductions through an index, rounded quotients (indexing.cpp, elementwise.cpp) ----
      {"scatter_reduce_sum", "x[0].scatter_reduce(1, idx([[0, 3, 3], [3, 3, 3], [2, 0, 2]]), x[1], 'sum')", {{3, 4}, {3, 3}}, [](const V& x) { return V{x[0].scatter_reduce(1, idx({0, 3, 3, 3, 3, 3, 2, 0, 2}).view({3, 3}).to(x[0].device()), x[1], "sum")}; }},
      {"scatter_reduce_prod", "x[0].scatter_reduce(1, idx([[0, 3, 3], [3, 3, 3], [2, 0, 2]]), x[1], 'prod')", {{3, 4}, {3, 3}}, [](const V& x) { return V{x[0].scatter_reduce(1, idx({0, 3, 3, 3, 3, 3, 2, 0, 2}).view({3, 3}).to(x[0].device()), x[1], "prod")}; }},
      {"scatter_reduce_prod_zero", "x[0].scatter_reduce(0, idx([[1, 0], [1, 2], [0, 2]]), x[1] * T.tensor([[1.0, 0.0], [1.0, 1.0], [1.0, 1.0]]), 'prod', include_self=False)", {{3, 2}, {3, 2}}, [](const V& x) { return V{x[0].scatter_reduce(0, idx({1, 0, 1, 2, 0, 2}).view({3, 2}).to(x[0].device()), x[1] * nabla::tensor({1.0, 0.0, 1.0, 1.0, 1.0, 1.0}, x[1].options()).view({3, 2}), "prod", false)}; }},
      {"scatter_reduce_mean", "x[0].scatter_reduce(1, idx([[0, 3], [3, 3], [2, 0]]), x[1], 'mean')", {{3, 4}, {3, 2}}, [](const V& x) { return V{x[0].scatter_reduce(1, idx({0, 3, 3, 3, 2, 0}).view({3, 2}).to(x[0].device()), x[1], "mean")}; }},
      {"scatter_reduce_mean_no_self", "x[0].scatter_reduce(0, idx([[1, 0, 1], [1, 2, 1]]), x[1], 'mean', include_self=False)", {{3, 3}, {2, 3}}, [](const V& x) { return V{x[0].scatter_reduce(0, idx({1, 0, 1, 1, 2, 1}).view({2, 3}).to(x[0].device()), x[1], "mean", false)}; }},
      {"scatter_reduce_amax", "x[0].scatter_reduce(1, idx([[0, 3, 3], [3, 3, 1], [2, 0, 2]]), x[1], 'amax')", {{3, 4}, {3, 3}}, [](const V& x) { return V{x[0].scatter_reduce(1, idx({0, 3, 3, 3, 3, 1, 2, 0, 2}).view({3, 3}).to(x[0].device()), x[1], "amax")}; }},
      {"scatter_reduce_amin_no_self", "x[0].scatter_reduce(-1, idx([[0, 3, 3], [3, 3, 1], [2, 0, 2]]), x[1], 'amin', include_self=False)", {{3, 4}, {3, 3}}, [](const V& x) { return V{x[0].scatter_reduce(-1, idx({0, 3, 3, 3, 3, 1, 2, 0, 2}).view({3, 3}).to(x[0].device()), x[1], "amin", false)}; }},
      {"scatter_multiply", "x[0].scatter(1, idx([[0, 3], [3, 3], [2, 0]]), x[1], reduce='multiply')", {{3, 4}, {3, 2}}, [](const V& x) { return V{x[0].scatter(1, idx({0, 3, 3, 3, 2, 0}).view({3, 2}).to(x[0].device()), x[1], "multiply")}; }},
      {"index_reduce_amax", "x[0].index_reduce(0, idx([2, 0, 2]), x[1], 'amax')", {{4, 3}, {3, 3}}, [](const V& x) { return V{x[0].index_reduce(0, idx({2, 0, 2}).to(x[0].device()), x[1], "amax")}; }},
      {"index_reduce_mean_no_self", "x[0].index_reduce(1, idx([1, 1, 0]), x[1], 'mean', include_self=False)", {{2, 3}, {2, 3}}, [](const V& x) { return V{x[0].index_reduce(1, idx({1, 1, 0}).to(x[0].device()), x[1], "mean", false)}; }},
      {"index_reduce_prod", "x[0].index_reduce(-1, idx([0, 2, 0, 0]), x[1], 'prod')", {{2, 3}, {2, 4}}, [](const V& x) { return V{x[0].index_reduce(-1, idx({0, 2, 0, 0}).to(x[0].device()), x[1], "prod")}; }},
      {"floor_divide", "T.floor_divide(x[0] * 3, x[1])", {{3, 4}, {4}}, [](const V& x) { return V{nabla::floor_divide(x[0] * 3, x[1])}; }, NZ},
      {"div_floor", "(x[0] * 3).div(x[1], rounding_mode='floor')", {{3, 4}, {3, 4}}, [](const V& x) { return V{(x[0] * 3).div(x[1], "floor")}; }, NZ},
      {"div_trunc_scalar", "(x[0] * 3).div(-0.7, rounding_mode='trunc')", {{3, 4}}, [](const V& x) { return V{(x[0] * 3).div(-0.7, "trunc")}; }},
  };
}

std::vector<OpInfo> special_rows() {
  return {
      // ---- special functions (src/ops/special.cpp; the gamma family in elementwise.cpp) ----
      {"lgamma", "x[0].lgamma()", {{3, 4}}, [](const V& x) { return V{x[0].lgamma()}; }, Pos},
      {"lgamma_negative", "(x[0] * 0.4 - 2.5).lgamma()", {{3, 4}}, [](const V& x) { return V{(x[0] * 0.4 - 2.5).lgamma()}; }, Unit},
      {"digamma", "x[0].digamma()", {{3, 4}}, [](const V& x) { return V{x[0].digamma()}; }, Pos},
      {"digamma_negative", "T.digamma(x[0] * 0.4 - 1.5)", {{3, 4}}, [](const V& x) { return V{nabla::digamma(x[0] * 0.4 - 1.5)}; }, Unit},
      {"polygamma_1", "T.polygamma(1, x[0])", {{3, 4}}, [](const V& x) { return V{nabla::polygamma(1, x[0])}; }, Pos},
      {"polygamma_2", "x[0].polygamma(2)", {{3, 4}}, [](const V& x) { return V{x[0].polygamma(2)}; }, Pos},
      {"polygamma_3_large", "T.polygamma(3, x[0] * 5)", {{3, 4}}, [](const V& x) { return V{nabla::polygamma(3, x[0] * 5)}; }, Pos},
      {"special_multigammaln", "T.special.multigammaln(x[0] + 1, 3)", {{3, 4}}, [](const V& x) { return V{special::multigammaln(x[0] + 1, 3)}; }, Pos},
      {"special_entr", "T.special.entr(x[0])", {{3, 4}}, [](const V& x) { return V{special::entr(x[0])}; }, Pos},
      {"special_ndtr", "T.special.ndtr(x[0])", {{3, 4}}, [](const V& x) { return V{special::ndtr(x[0])}; }},
      {"special_xlog1py", "T.special.xlog1py(x[0], x[1])", {{3, 4}, {3, 4}}, [](const V& x) { return V{special::xlog1py(x[0], x[1])}; }, Pos},
      // The Bessel functions over [-12, 12]: both series (|x| up to 8, and above).
      {"i0", "(x[0] * 6).i0()", {{3, 4}}, [](const V& x) { return V{(x[0] * 6).i0()}; }},
      {"special_i0e", "T.special.i0e(x[0] * 6)", {{3, 4}}, [](const V& x) { return V{special::i0e(x[0] * 6)}; }},
      {"special_i1", "T.special.i1(x[0] * 6)", {{3, 4}}, [](const V& x) { return V{special::i1(x[0] * 6)}; }},
      {"special_i1e", "T.special.i1e(x[0] * 6)", {{3, 4}}, [](const V& x) { return V{special::i1e(x[0] * 6)}; }},
      {"special_erfcx", "T.special.erfcx(x[0] * 1.5 + 1)", {{3, 4}}, [](const V& x) { return V{special::erfcx(x[0] * 1.5 + 1)}; }},
      {"special_erfcx_large", "T.special.erfcx(x[0] * 15)", {{3, 4}}, [](const V& x) { return V{special::erfcx(x[0] * 15)}; }, Pos},
      {"special_log_ndtr", "T.special.log_ndtr(x[0] * 5)", {{3, 4}}, [](const V& x) { return V{special::log_ndtr(x[0] * 5)}; }},
      // zeta: differentiable in q only, so x is a number here (the Tensor x form in
      // test_statistics.cpp).
      {"special_zeta", "T.special.zeta(3.5, x[0])", {{3, 4}}, [](const V& x) { return V{special::zeta(3.5, x[0])}; }, Pos},
      // gammainc, gammaincc: differentiable in x only, so a is a constant tensor here.
      {"special_gammainc", "T.special.gammainc(T.full_like(x[0], 2.5), x[0])", {{3, 4}}, [](const V& x) { return V{special::gammainc(full_like(x[0], 2.5), x[0])}; }, Pos},
      {"special_gammaincc", "T.special.gammaincc(T.full_like(x[0], 0.7), x[0] * 2)", {{3, 4}}, [](const V& x) { return V{special::gammaincc(full_like(x[0], 0.7), x[0] * 2)}; }, Pos},
      {"special_ndtri", "T.special.ndtri(T.sigmoid(x[0] * 3))", {{3, 4}}, [](const V& x) { return V{special::ndtri((x[0] * 3).sigmoid())}; }},
      {"logit", "T.logit(x[0] / 3)", {{3, 4}}, [](const V& x) { return V{nabla::logit(x[0] / 3)}; }, Pos},
      {"logit_eps", "(x[0] / 3).logit(eps=0.25)", {{3, 4}}, [](const V& x) { return V{(x[0] / 3).logit(0.25)}; }, Pos},
      {"sinc", "T.sinc(x[0])", {{3, 4}}, [](const V& x) { return V{nabla::sinc(x[0])}; }},
      {"copysign", "T.copysign(x[0], T.tensor([1., -1., -0., 0.]))", {{3, 4}}, [](const V& x) { return V{nabla::copysign(x[0], tensor({1.0, -1.0, -0.0, 0.0}, dtype(x[0].scalar_type()).device(x[0].device())))}; }, NZ},
      {"copysign_scalar", "x[0].copysign(-0.0)", {{3, 4}}, [](const V& x) { return V{x[0].copysign(-0.0)}; }, NZ},
      {"float_power", "T.float_power(x[0], x[1]).to(x[0].dtype)", {{3, 4}, {4}}, [](const V& x) { return V{nabla::float_power(x[0], x[1]).to(x[0].scalar_type())}; }, Pos},
      {"ldexp", "T.ldexp(x[0], T.tensor([1., -2., 3., 0.]))", {{3, 4}}, [](const V& x) { return V{nabla::ldexp(x[0], tensor({1.0, -2.0, 3.0, 0.0}, dtype(x[0].scalar_type()).device(x[0].device())))}; }},
  };
}

std::vector<OpInfo> vision_rows() {
  return {
      // ---- spatial transformers, channel shuffle, LRN (src/nn/vision.cpp, normalization.cpp) ----
      {"grid_sample", "F.grid_sample(x[0], x[1] * 0.6, align_corners=False)", {{1, 2, 3, 4}, {1, 2, 3, 2}}, [](const V& x) { return V{F::grid_sample(x[0], x[1] * 0.6, F::GridSampleFuncOptions().align_corners(false))}; }},
      {"grid_sample_border_aligned", "F.grid_sample(x[0], x[1] * 0.6, padding_mode='border', align_corners=True)", {{2, 1, 3, 4}, {2, 3, 2, 2}}, [](const V& x) { return V{F::grid_sample(x[0], x[1] * 0.6, F::GridSampleFuncOptions().padding_mode(kBorder).align_corners(true))}; }},
      {"grid_sample_reflection", "F.grid_sample(x[0], x[1] * 0.9, padding_mode='reflection', align_corners=False)", {{1, 2, 3, 4}, {1, 3, 3, 2}}, [](const V& x) { return V{F::grid_sample(x[0], x[1] * 0.9, F::GridSampleFuncOptions().padding_mode(kReflection))}; }},
      {"grid_sample_reflection_aligned", "F.grid_sample(x[0], x[1] * 0.9, padding_mode='reflection', align_corners=True)", {{1, 2, 3, 4}, {1, 3, 3, 2}}, [](const V& x) { return V{F::grid_sample(x[0], x[1] * 0.9, F::GridSampleFuncOptions().padding_mode(kReflection).align_corners(true))}; }},
      {"grid_sample_nearest", "F.grid_sample(x[0], x[1] * 0.6, mode='nearest', align_corners=False)", {{1, 2, 3, 4}, {1, 2, 3, 2}}, [](const V& x) { return V{F::grid_sample(x[0], x[1] * 0.6, F::GridSampleFuncOptions().mode(kNearest))}; }},
      {"grid_sample_3d", "F.grid_sample(x[0], x[1] * 0.6, align_corners=True)", {{1, 2, 2, 3, 3}, {1, 2, 2, 2, 3}}, [](const V& x) { return V{F::grid_sample(x[0], x[1] * 0.6, F::GridSampleFuncOptions().align_corners(true))}; }},
      {"affine_grid", "F.affine_grid(x[0], [2, 3, 4, 5], align_corners=False)", {{2, 2, 3}}, [](const V& x) { return V{F::affine_grid(x[0], {2, 3, 4, 5}, false)}; }},
      {"affine_grid_3d_aligned", "F.affine_grid(x[0], [1, 1, 2, 3, 4], align_corners=True)", {{1, 3, 4}}, [](const V& x) { return V{F::affine_grid(x[0], {1, 1, 2, 3, 4}, true)}; }},
      {"channel_shuffle", "T.channel_shuffle(x[0], 2)", {{2, 4, 3}}, [](const V& x) { return V{nabla::channel_shuffle(x[0], 2)}; }},
      {"local_response_norm", "F.local_response_norm(x[0], 3)", {{2, 5, 4}}, [](const V& x) { return V{F::local_response_norm(x[0], 3)}; }},
      {"local_response_norm_4d", "F.local_response_norm(x[0], 2, alpha=0.5, beta=0.6, k=2.0)", {{1, 4, 2, 3}}, [](const V& x) { return V{F::local_response_norm(x[0], F::LocalResponseNormFuncOptions(2).alpha(0.5).beta(0.6).k(2))}; }},
  };
}

std::vector<OpInfo> statistics_rows() {
  return {
      // ---- statistics (src/ops/statistics.cpp) and index sets (combinatorics.cpp) ----
      {"aminmax_dim", "list(T.aminmax(x[0], dim=1))", {{3, 4}}, [](const V& x) { auto [lo, hi] = x[0].aminmax(1); return V{lo, hi}; }},
      {"aminmax_all_keepdim", "list(x[0].aminmax(keepdim=True))", {{3, 4}}, [](const V& x) { auto [lo, hi] = nabla::aminmax(x[0], std::nullopt, true); return V{lo, hi}; }},
      {"quantile", "T.quantile(x[0], T.tensor([0.2, 0.5, 0.9]), dim=1, keepdim=True)", {{3, 5}}, [](const V& x) { return V{nabla::quantile(x[0], tensor({0.2, 0.5, 0.9}, dtype(x[0].scalar_type()).device(x[0].device())), 1, true)}; }},
      {"quantile_all", "x[0].quantile(0.3)", {{3, 4}}, [](const V& x) { return V{x[0].quantile(0.3)}; }},
      {"quantile_midpoint_dim0", "T.quantile(x[0], 0.4, dim=0, interpolation='midpoint')", {{4, 3}}, [](const V& x) { return V{nabla::quantile(x[0], 0.4, 0, false, "midpoint")}; }},
      {"quantile_nearest", "T.quantile(x[0], T.tensor([0.1, 0.5, 0.75]), dim=-1, interpolation='nearest')", {{2, 5}}, [](const V& x) { return V{nabla::quantile(x[0], tensor({0.1, 0.5, 0.75}, dtype(x[0].scalar_type()).device(x[0].device())), -1, false, "nearest")}; }},
      {"quantile_lower_higher", "[T.quantile(x[0], 0.3, dim=1, interpolation='lower'), T.quantile(x[0], 0.3, dim=1, interpolation='higher')]", {{2, 6}}, [](const V& x) { return V{nabla::quantile(x[0], 0.3, 1, false, "lower"), nabla::quantile(x[0], 0.3, 1, false, "higher")}; }},
      {"nanquantile", "T.nanquantile(x[0], 0.6, dim=0)", {{4, 3}}, [](const V& x) { return V{nabla::nanquantile(x[0], 0.6, 0)}; }},
      {"cov", "T.cov(x[0])", {{3, 5}}, [](const V& x) { return V{nabla::cov(x[0])}; }},
      {"cov_weights", "T.cov(x[0], correction=0, fweights=idx([1, 2, 1, 3, 1]), aweights=T.tensor([0.5, 1., 2., 1., 0.25]))", {{3, 5}}, [](const V& x) { return V{nabla::cov(x[0], 0, idx({1, 2, 1, 3, 1}).to(x[0].device()), tensor({0.5, 1.0, 2.0, 1.0, 0.25}, dtype(x[0].scalar_type()).device(x[0].device())))}; }},
      {"cov_vector_aweights", "x[0].cov(aweights=T.tensor([0.5, 1., 2., 1.]))", {{4}}, [](const V& x) { return V{x[0].cov(1, std::nullopt, tensor({0.5, 1.0, 2.0, 1.0}, dtype(x[0].scalar_type()).device(x[0].device())))}; }},
      {"corrcoef", "T.corrcoef(x[0])", {{3, 5}}, [](const V& x) { return V{nabla::corrcoef(x[0])}; }},
      {"trapezoid_x", "T.trapezoid(x[0], x[1])", {{3, 4}, {4}}, [](const V& x) { return V{nabla::trapezoid(x[0], x[1])}; }},
      {"trapezoid_dx_dim0", "T.trapezoid(x[0], dx=0.5, dim=0)", {{3, 4}}, [](const V& x) { return V{nabla::trapezoid(x[0], 0.5, 0)}; }},
      {"trapezoid_x_2d", "T.trapezoid(x[0], x[1], dim=1)", {{2, 4}, {2, 4}}, [](const V& x) { return V{nabla::trapezoid(x[0], x[1], 1)}; }},
      {"cumulative_trapezoid_x", "T.cumulative_trapezoid(x[0], x[1], dim=0)", {{3, 4}, {3}}, [](const V& x) { return V{nabla::cumulative_trapezoid(x[0], x[1], 0)}; }},
      {"cumulative_trapezoid_dx", "T.cumulative_trapezoid(x[0], dx=2.0)", {{3, 4}}, [](const V& x) { return V{nabla::cumulative_trapezoid(x[0], 2.0)}; }},
      {"msort", "T.msort(x[0])", {{4, 3}}, [](const V& x) { return V{nabla::msort(x[0])}; }},
      {"block_diag", "T.block_diag(x[0], x[1], x[2])", {{2, 3}, {4}, {1, 1}}, [](const V& x) { return V{nabla::block_diag({x[0], x[1], x[2]})}; }},
      {"cartesian_prod", "T.cartesian_prod(x[0], x[1])", {{3}, {2}}, [](const V& x) { return V{nabla::cartesian_prod({x[0], x[1]})}; }},
      {"combinations", "T.combinations(x[0])", {{4}}, [](const V& x) { return V{nabla::combinations(x[0])}; }},
      {"combinations_replacement", "T.combinations(x[0], 3, with_replacement=True)", {{3}}, [](const V& x) { return V{nabla::combinations(x[0], 3, true)}; }},
      {"xlogy", "T.xlogy(x[0], x[1])", {{3, 4}, {3, 4}}, [](const V& x) { return V{nabla::xlogy(x[0], x[1])}; }, Pos},
      {"nan_to_num", "x[0].nan_to_num()", {{3, 4}}, [](const V& x) { return V{x[0].nan_to_num()}; }},
      {"mv", "x[0].mv(x[1])", {{3, 4}, {4}}, [](const V& x) { return V{x[0].mv(x[1])}; }},
      {"scatter", "x[0].scatter(1, idx([[2, 0], [1, 3], [0, 3]]), x[1])",
       {{3, 4}, {3, 2}},
       [](const V& x) {
         return V{x[0].scatter(1, idx({2, 0, 1, 3, 0, 3}).view({3, 2}).to(x[0].device()), x[1])};
       }},
  };
}

std::vector<OpInfo> contraction_rows() {
  return {
      // ---- contractions and order statistics (src/ops/contractions.cpp, sort.cpp) ----
      {"einsum_matmul", "T.einsum('ij,jk->ik', x[0], x[1])", {{3, 4}, {4, 5}}, [](const V& x) { return V{nabla::einsum("ij,jk->ik", {x[0], x[1]})}; }},
      {"einsum_attention", "T.einsum('bhqd,bhkd->bhqk', x[0], x[1])", {{2, 2, 3, 4}, {2, 2, 5, 4}}, [](const V& x) { return V{nabla::einsum("bhqd,bhkd->bhqk", {x[0], x[1]})}; }},
      {"einsum_trace_outer", "T.einsum('ii,j->j', x[0], x[1])", {{3, 3}, {4}}, [](const V& x) { return V{nabla::einsum("ii,j->j", {x[0], x[1]})}; }},
      {"einsum_ellipsis_implicit", "T.einsum('...ij,...jk', x[0], x[1])", {{2, 3, 4}, {4, 2}}, [](const V& x) { return V{nabla::einsum("...ij,...jk", {x[0], x[1]})}; }},
      {"einsum_three", "T.einsum('ab,bc,cd->ad', x[0], x[1], x[2])", {{2, 3}, {3, 4}, {4, 2}}, [](const V& x) { return V{nabla::einsum("ab,bc,cd->ad", {x[0], x[1], x[2]})}; }},
      {"tensordot", "T.tensordot(x[0], x[1], ([1, 2], [1, 0]))", {{2, 3, 4}, {4, 3, 5}}, [](const V& x) { return V{nabla::tensordot(x[0], x[1], {1, 2}, {1, 0})}; }},
      {"kron", "T.kron(x[0], x[1])", {{2, 3}, {2, 2}}, [](const V& x) { return V{nabla::kron(x[0], x[1])}; }},
      {"cross", "T.cross(x[0], x[1], dim=1)", {{2, 3}, {2, 3}}, [](const V& x) { return V{nabla::cross(x[0], x[1], 1)}; }},
      {"linalg_cross_broadcast", "T.linalg.cross(x[0], x[1])", {{4, 3}, {1, 3}}, [](const V& x) { return V{nabla::linalg_cross(x[0], x[1])}; }},
      {"baddbmm", "T.baddbmm(x[0], x[1], x[2], beta=0.5, alpha=2)", {{2, 3, 5}, {2, 3, 4}, {2, 4, 5}}, [](const V& x) { return V{nabla::baddbmm(x[0], x[1], x[2], 0.5, 2)}; }},
      {"addbmm", "T.addbmm(x[0], x[1], x[2])", {{3, 5}, {2, 3, 4}, {2, 4, 5}}, [](const V& x) { return V{nabla::addbmm(x[0], x[1], x[2])}; }},
      {"diff_prepend", "T.diff(x[0], 2, 1, x[1])", {{3, 5}, {3, 2}}, [](const V& x) { return V{nabla::diff(x[0], 2, 1, x[1])}; }},
      {"rot90", "T.rot90(x[0], 1, [1, 2])", {{2, 3, 4}}, [](const V& x) { return V{nabla::rot90(x[0], 1, {1, 2})}; }},
      {"kthvalue", "x[0].kthvalue(2, 1)[0]", {{3, 5}}, [](const V& x) { return V{std::get<0>(x[0].kthvalue(2, 1))}; }},
      {"median_dim", "x[0].median(0)[0]", {{4, 3}}, [](const V& x) { return V{std::get<0>(x[0].median(0))}; }},
      {"median_all", "x[0].median()", {{3, 4}}, [](const V& x) { return V{x[0].median()}; }},
      {"nanmedian_keepdim", "x[0].nanmedian(1, True)[0]", {{3, 4}}, [](const V& x) { return V{std::get<0>(x[0].nanmedian(1, true))}; }},
      {"nansum", "x[0].nansum(1)", {{3, 4}}, [](const V& x) { return V{x[0].nansum({1})}; }},
      {"nanmean", "x[0].nanmean()", {{3, 4}}, [](const V& x) { return V{x[0].nanmean()}; }},
      {"var_mean", "T.var_mean(x[0], 1)", {{3, 4}}, [](const V& x) { auto [v, m] = nabla::var_mean(x[0], {1}); return V{v, m}; }},
      {"std_mean_all", "T.std_mean(x[0])", {{3, 4}}, [](const V& x) { auto [s, m] = nabla::std_mean(x[0]); return V{s, m}; }},
      {"index_fill_tensor", "x[0].index_fill(1, idx([0, 2]), x[1])", {{3, 4}, {}}, [](const V& x) { return V{x[0].index_fill(1, idx({0, 2}).to(x[0].device()), x[1])}; }},
      {"index_copy", "x[0].index_copy(0, idx([2, 0]), x[1])", {{3, 4}, {2, 4}}, [](const V& x) { return V{x[0].index_copy(0, idx({2, 0}).to(x[0].device()), x[1])}; }},
  };
}

std::vector<OpInfo> square_matrix_rows() {
  return {
      // ---- square matrices (src/ops/linalg_solve.cpp); + 3 I keeps them well conditioned ----
      {"det", "T.det(x[0] + 3 * T.eye(3))", {{2, 3, 3}}, [](const V& x) { return V{nabla::det(x[0] + 3 * nabla::eye(3, x[0].options()))}; }},
      {"slogdet_negative", "T.slogdet(x[0] - 3 * T.eye(3))", {{3, 3}}, [](const V& x) { auto [s, l] = nabla::slogdet(x[0] - 3 * nabla::eye(3, x[0].options())); return V{s, l}; }},
      {"logdet", "T.logdet(x[0] + 3 * T.eye(3))", {{3, 3}}, [](const V& x) { return V{nabla::logdet(x[0] + 3 * nabla::eye(3, x[0].options()))}; }},
      {"inverse", "T.inverse(x[0] + 3 * T.eye(3))", {{2, 3, 3}}, [](const V& x) { return V{nabla::inverse(x[0] + 3 * nabla::eye(3, x[0].options()))}; }},
      {"linalg_solve", "T.linalg.solve(x[0] + 3 * T.eye(3), x[1])", {{2, 3, 3}, {2, 3, 2}}, [](const V& x) { return V{nabla::linalg::solve(x[0] + 3 * nabla::eye(3, x[0].options()), x[1])}; }},
      {"linalg_solve_vector_broadcast", "T.linalg.solve(x[0] + 3 * T.eye(3), x[1])", {{3, 3}, {3}}, [](const V& x) { return V{nabla::linalg::solve(x[0] + 3 * nabla::eye(3, x[0].options()), x[1])}; }},
      {"linalg_lu", "list(T.linalg.lu(x[0] + 3 * T.eye(3).flip(0)))", {{3, 3}}, [](const V& x) { const Tensor a = x[0] + 3 * nabla::eye(3, x[0].options()).flip({0}); auto [P, L, U] = linalg::lu(a); return V{P, L, U}; }},
      {"linalg_lu_batch", "list(T.linalg.lu(x[0] + 3 * T.eye(4).flip(0)))", {{2, 4, 4}}, [](const V& x) { auto [P, L, U] = nabla::linalg_lu(x[0] + 3 * nabla::eye(4, x[0].options()).flip({0})); return V{P, L, U}; }},
      {"linalg_lu_factor", "T.linalg.lu_factor(x[0] + 3 * T.eye(4).flip(0))[0]", {{4, 4}}, [](const V& x) { const Tensor a = x[0] + 3 * nabla::eye(4, x[0].options()).flip({0}); return V{std::get<0>(linalg::lu_factor(a))}; }},
      {"lu_unpack", "list(T.lu_unpack(*T.linalg.lu_factor(x[0] + 3 * T.eye(3).flip(0))))", {{2, 3, 3}}, [](const V& x) { const Tensor a = x[0] + 3 * nabla::eye(3, x[0].options()).flip({0}); auto [LU, piv] = nabla::linalg_lu_factor(a); auto [P, L, U] = nabla::lu_unpack(LU, piv); return V{P, L, U}; }},
      {"linalg_lu_solve", "T.linalg.lu_solve(*T.linalg.lu_factor(x[0] + 3 * T.eye(3).flip(0)), x[1])", {{3, 3}, {3, 2}}, [](const V& x) { const Tensor a = x[0] + 3 * nabla::eye(3, x[0].options()).flip({0}); auto [LU, piv] = nabla::linalg_lu_factor(a); return V{nabla::linalg_lu_solve(LU, piv, x[1])}; }},
      {"linalg_lu_solve_right_adjoint", "T.linalg.lu_solve(*T.linalg.lu_factor(x[0] + 3 * T.eye(3).flip(0)), x[1], left=False, adjoint=True)", {{3, 3}, {2, 3}}, [](const V& x) { const Tensor a = x[0] + 3 * nabla::eye(3, x[0].options()).flip({0}); auto [LU, piv] = nabla::linalg_lu_factor(a); return V{nabla::linalg_lu_solve(LU, piv, x[1], false, true)}; }},
      {"linalg_lu_solve_adjoint", "T.linalg.lu_solve(*T.linalg.lu_factor(x[0] + 3 * T.eye(3).flip(0)), x[1], adjoint=True)", {{2, 3, 3}, {2, 3, 2}}, [](const V& x) { const Tensor a = x[0] + 3 * nabla::eye(3, x[0].options()).flip({0}); auto [LU, piv] = nabla::linalg_lu_factor(a); return V{nabla::linalg_lu_solve(LU, piv, x[1], true, true)}; }},
      {"lu_solve", "T.lu_solve(x[1], *T.linalg.lu_factor(x[0] + 3 * T.eye(3).flip(0)))", {{3, 3}, {3, 4}}, [](const V& x) { const Tensor a = x[0] + 3 * nabla::eye(3, x[0].options()).flip({0}); auto [LU, piv] = nabla::linalg_lu_factor(a); return V{x[1].lu_solve(LU, piv)}; }},
      {"linalg_solve_ex", "T.linalg.solve_ex(x[0] + 3 * T.eye(3).flip(0), x[1])[0]", {{3, 3}, {3, 2}}, [](const V& x) { const Tensor a = x[0] + 3 * nabla::eye(3, x[0].options()).flip({0}); return V{std::get<0>(linalg::solve_ex(a, x[1], true, false))}; }},
      {"linalg_inv_ex", "T.linalg.inv_ex(x[0] + 3 * T.eye(3).flip(0))[0]", {{2, 3, 3}}, [](const V& x) { const Tensor a = x[0] + 3 * nabla::eye(3, x[0].options()).flip({0}); return V{std::get<0>(nabla::linalg_inv_ex(a))}; }},
      {"linalg_matrix_exp", "T.linalg.matrix_exp(x[0])", {{3, 3}}, [](const V& x) { return V{linalg::matrix_exp(x[0])}; }},
      {"matrix_exp_squared", "T.matrix_exp(x[0] * 1.5)", {{2, 3, 3}}, [](const V& x) { return V{(x[0] * 1.5).matrix_exp()}; }},
      {"linalg_solve_right", "T.linalg.solve(x[0] + 3 * T.eye(3), x[1], left=False)", {{3, 3}, {4, 3}}, [](const V& x) { return V{nabla::linalg::solve(x[0] + 3 * nabla::eye(3, x[0].options()), x[1], false)}; }},
      {"tensorinv", "T.linalg.tensorinv(x[0] + 3 * T.eye(6).reshape(2, 3, 6), ind=2)", {{2, 3, 6}}, [](const V& x) { return V{nabla::linalg::tensorinv(x[0] + 3 * nabla::eye(6, x[0].options()).reshape({2, 3, 6}), 2)}; }},
      {"tensorsolve", "T.linalg.tensorsolve(x[0] + 3 * T.eye(6).reshape(2, 3, 6), x[1])", {{2, 3, 6}, {2, 3}}, [](const V& x) { return V{nabla::linalg_tensorsolve(x[0] + 3 * nabla::eye(6, x[0].options()).reshape({2, 3, 6}), x[1])}; }},
      {"multi_dot", "T.linalg.multi_dot([x[0], x[1], x[2]])", {{4, 3}, {3, 6}, {6, 2}}, [](const V& x) { return V{nabla::linalg::multi_dot({x[0], x[1], x[2]})}; }},
      {"multi_dot_vectors", "T.linalg.multi_dot([x[0], x[1], x[2], x[3]])", {{3}, {3, 5}, {5, 2}, {2}}, [](const V& x) { return V{nabla::linalg_multi_dot({x[0], x[1], x[2], x[3]})}; }},
  };
}

std::vector<OpInfo> factorization_rows() {
  return {
      // ---- factorizations (src/ops/linalg_factor.cpp). The sample inputs have rank 2 (sines of
      // a progression): + 3 I makes them full rank. Symmetric inputs are x + x^T; singular and
      // eigenvectors enter squared, which their signs (LAPACK's choice) do not change ----
      {"cholesky", "T.linalg.cholesky(x[0] @ x[0].mT + 3 * T.eye(3))", {{2, 3, 3}}, [](const V& x) { return V{nabla::linalg_cholesky(x[0].matmul(x[0].transpose(-2, -1)) + 3 * nabla::eye(3, x[0].options()))}; }},
      {"cholesky_upper", "T.cholesky(x[0] @ x[0].mT + 3 * T.eye(3), upper=True)", {{3, 3}}, [](const V& x) { return V{x[0].matmul(x[0].t()).add(3 * nabla::eye(3, x[0].options())).cholesky(true)}; }},
      {"solve_triangular", "T.linalg.solve_triangular(x[0] + 3 * T.eye(3), x[1], upper=False)", {{3, 3}, {3, 2}}, [](const V& x) { return V{nabla::linalg::solve_triangular(x[0] + 3 * nabla::eye(3, x[0].options()), x[1], false, true, false)}; }},
      {"solve_triangular_right_unit", "T.linalg.solve_triangular(x[0], x[1], upper=True, left=False, unitriangular=True)", {{2, 3, 3}, {4, 3}}, [](const V& x) { return V{nabla::linalg_solve_triangular(x[0], x[1], true, false, true)}; }},
      {"cholesky_solve", "T.cholesky_solve(x[1], x[0].tril() + 3 * T.eye(3))", {{3, 3}, {2, 3, 2}}, [](const V& x) { return V{nabla::cholesky_solve(x[1], x[0].tril() + 3 * nabla::eye(3, x[0].options()))}; }},
      {"cholesky_solve_upper", "T.cholesky_solve(x[1], x[0].triu() + 3 * T.eye(3), upper=True)", {{3, 3}, {3, 2}}, [](const V& x) { return V{x[1].cholesky_solve(x[0].triu() + 3 * nabla::eye(3, x[0].options()), true)}; }},
      {"cholesky_inverse", "T.cholesky_inverse(x[0].tril() + 3 * T.eye(3))", {{3, 3}}, [](const V& x) { return V{(x[0].tril() + 3 * nabla::eye(3, x[0].options())).cholesky_inverse()}; }},
      {"eigh", "(lambda r: [r[0], r[1] * r[1]])(T.linalg.eigh(x[0] + x[0].mT))", {{2, 3, 3}}, [](const V& x) { auto [l, v] = nabla::linalg_eigh(x[0] + x[0].transpose(-2, -1)); return V{l, v * v}; }},
      {"eigh_upper", "(lambda r: [r[0], r[1] * r[1]])(T.linalg.eigh(x[0] + x[0].mT, UPLO='U'))", {{4, 4}}, [](const V& x) { auto [l, v] = nabla::linalg::eigh(x[0] + x[0].t(), "U"); return V{l, v * v}; }},
      {"eigvalsh", "T.linalg.eigvalsh(x[0] + x[0].mT, UPLO='U')", {{2, 3, 3}}, [](const V& x) { return V{nabla::linalg_eigvalsh(x[0] + x[0].transpose(-2, -1), "U")}; }},
      {"svd", "(lambda r: [r[0] * r[0], r[1], r[2] * r[2]])(T.linalg.svd(x[0] + 3 * T.eye(4, 3), full_matrices=False))", {{4, 3}}, [](const V& x) { auto [u, s, vh] = nabla::linalg_svd(x[0] + 3 * nabla::eye(4, 3, x[0].options()), false); return V{u * u, s, vh * vh}; }},
      {"svd_wide_batch", "(lambda r: [r[0] * r[0], r[1], r[2] * r[2]])(T.linalg.svd(x[0] + 3 * T.eye(3, 5), full_matrices=False))", {{2, 3, 5}}, [](const V& x) { auto [u, s, vh] = nabla::linalg::svd(x[0] + 3 * nabla::eye(3, 5, x[0].options()), false, std::nullopt); return V{u * u, s, vh * vh}; }},
      {"svd_square", "(lambda r: [r[0] * r[0], r[1], r[2] * r[2]])(T.linalg.svd(x[0] + 3 * T.eye(3)))", {{3, 3}}, [](const V& x) { auto [u, s, vh] = nabla::linalg_svd(x[0] + 3 * nabla::eye(3, x[0].options())); return V{u * u, s, vh * vh}; }},
      {"svd_full_first_columns", "(lambda r: [r[0][:, :3] ** 2, r[1], r[2] ** 2])(T.linalg.svd(x[0] + 3 * T.eye(5, 3)))", {{5, 3}}, [](const V& x) { auto [u, s, vh] = nabla::linalg_svd(x[0] + 3 * nabla::eye(5, 3, x[0].options())); return V{u.narrow(1, 0, 3).square(), s, vh.square()}; }},
      {"svd_values_only", "T.linalg.svd(x[0] + 3 * T.eye(3, 4))[1]", {{3, 4}}, [](const V& x) { return V{std::get<1>(nabla::linalg_svd(x[0] + 3 * nabla::eye(3, 4, x[0].options())))}; }},
      {"svdvals", "T.linalg.svdvals(x[0] + 3 * T.eye(4, 3))", {{2, 4, 3}}, [](const V& x) { return V{nabla::linalg_svdvals(x[0] + 3 * nabla::eye(4, 3, x[0].options()))}; }},
      {"svd_legacy", "(lambda r: [r[0] * r[0], r[1], r[2] * r[2]])(T.svd(x[0] + 3 * T.eye(3, 5)))", {{3, 5}}, [](const V& x) { auto [u, s, v] = (x[0] + 3 * nabla::eye(3, 5, x[0].options())).svd(); return V{u * u, s, v * v}; }},
      {"qr", "T.linalg.qr(x[0] + 3 * T.eye(4, 3))", {{4, 3}}, [](const V& x) { auto [q, r] = nabla::linalg_qr(x[0] + 3 * nabla::eye(4, 3, x[0].options())); return V{q, r}; }},
      {"qr_wide_batch", "T.linalg.qr(x[0] + 3 * T.eye(3, 5))", {{2, 3, 5}}, [](const V& x) { auto [q, r] = nabla::linalg::qr(x[0] + 3 * nabla::eye(3, 5, x[0].options()), "reduced"); return V{q, r}; }},
      {"qr_complete_wide", "T.linalg.qr(x[0] + 3 * T.eye(3, 4), mode='complete')", {{3, 4}}, [](const V& x) { auto [q, r] = nabla::linalg_qr(x[0] + 3 * nabla::eye(3, 4, x[0].options()), "complete"); return V{q, r}; }},
      {"qr_legacy_r_only", "T.qr(x[0] + 3 * T.eye(5, 3))[1]", {{5, 3}}, [](const V& x) { return V{std::get<1>((x[0] + 3 * nabla::eye(5, 3, x[0].options())).qr())}; }},
      {"pinv", "T.linalg.pinv(x[0] + 3 * T.eye(4, 3))", {{4, 3}}, [](const V& x) { return V{nabla::linalg_pinv(x[0] + 3 * nabla::eye(4, 3, x[0].options()))}; }},
      {"lstsq_gels_residuals", "(lambda r: [r.solution, r.residuals])(T.linalg.lstsq(x[0] + 3 * T.eye(4, 3), x[1], driver='gels'))", {{2, 4, 3}, {2, 4, 2}}, [](const V& x) { auto [s, r, k, v] = nabla::linalg_lstsq(x[0] + 3 * nabla::eye(4, 3, x[0].options()), x[1], std::nullopt, "gels"); return V{s, r}; }},
      {"lstsq_vector_wide", "T.linalg.lstsq(x[0] + 3 * T.eye(3, 5), x[1]).solution", {{3, 5}, {3}}, [](const V& x) { return V{std::get<0>(nabla::linalg::lstsq(x[0] + 3 * nabla::eye(3, 5, x[0].options()), x[1], std::nullopt, std::nullopt))}; }},
      {"pinv_hermitian", "T.linalg.pinv(x[0] + x[0].mT, hermitian=True)", {{2, 3, 3}}, [](const V& x) { return V{nabla::linalg::pinv(x[0] + x[0].transpose(-2, -1), 1e-15, true)}; }},
      {"pinverse_wide", "T.pinverse(x[0] + 3 * T.eye(2, 4))", {{2, 4}}, [](const V& x) { return V{(x[0] + 3 * nabla::eye(2, 4, x[0].options())).pinverse()}; }},
      {"matrix_norm_2", "T.linalg.matrix_norm(x[0] + 3 * T.eye(3, 4), 2)", {{2, 3, 4}}, [](const V& x) { return V{nabla::linalg_matrix_norm(x[0] + 3 * nabla::eye(3, 4, x[0].options()), 2)}; }},
      {"matrix_norm_minus2_dims", "T.linalg.matrix_norm(x[0] + 3 * T.eye(3, 4).unsqueeze(1), -2, dim=(0, 2), keepdim=True)", {{3, 2, 4}}, [](const V& x) { return V{nabla::linalg_matrix_norm(x[0] + 3 * nabla::eye(3, 4, x[0].options()).unsqueeze(1), -2, {0, 2}, true)}; }},
      {"matrix_norm_nuc", "T.linalg.matrix_norm(x[0] + 3 * T.eye(3, 4), 'nuc')", {{3, 4}}, [](const V& x) { return V{nabla::linalg::matrix_norm(x[0] + 3 * nabla::eye(3, 4, x[0].options()), "nuc", {-2, -1}, false, std::nullopt)}; }},
      {"scatter_value", "x[0].scatter(0, idx([[1, 0, 2, 1]]), -0.5)",
       {{3, 4}},
       [](const V& x) {
         return V{x[0].scatter(0, idx({1, 0, 2, 1}).view({1, 4}).to(x[0].device()), -0.5)};
       }},
  };
}

std::vector<OpInfo> engine_rows() {
  return {
      // ---- compositions that exercise the engine ----
      {"reuse", "x[0] * x[0].exp() + x[0].sum()", {{3, 4}}, [](const V& x) { return V{x[0] * x[0].exp() + x[0].sum()}; }},
      {"mlp_layer", "T.matmul(x[0], x[1].t()).add(x[2]).tanh().log_softmax(1)",
       {{5, 4}, {3, 4}, {3}},
       [](const V& x) { return V{nabla::matmul(x[0], x[1].t()).add(x[2]).tanh().log_softmax(1)}; }},
  };
}

std::vector<OpInfo> backend_elementwise_rows() {
  return {
      // ---- backend: elementwise ops of nabla/op_list.h that had no row ----
      {"sign", "x[0].sign()", {{3, 4}}, [](const V& x) { return V{x[0].sign()}; }, NZ},
  };
}

std::vector<OpInfo> conv_pool_rows() {
  return {
      // ---- conv and pooling ----
      {"conv1d_stride_groups", "F.conv1d(x[0], x[1], x[2], 2, 1, 1, 2)",
       {{2, 4, 7}, {6, 2, 3}, {6}},
       [](const V& x) { return V{nabla::conv1d(x[0], x[1], x[2], 2, 1, 1, 2)}; }},
      {"conv1d_dilation_unbatched", "F.conv1d(x[0], x[1], None, 1, 2, 2)",
       {{3, 9}, {2, 3, 3}},
       [](const V& x) { return V{nabla::conv1d(x[0], x[1], {}, 1, 2, 2)}; }},
      {"conv2d_padding_bias", "F.conv2d(x[0], x[1], x[2], 1, 1)",
       {{2, 3, 5, 6}, {4, 3, 3, 3}, {4}},
       [](const V& x) { return V{nabla::conv2d(x[0], x[1], x[2], 1, 1)}; }},
      {"conv2d_stride_dilation", "F.conv2d(x[0], x[1], None, (2, 1), (1, 0), (2, 1))",
       {{1, 2, 7, 6}, {3, 2, 2, 3}},
       [](const V& x) { return V{nabla::conv2d(x[0], x[1], {}, {2, 1}, {1, 0}, {2, 1})}; }},
      {"conv2d_depthwise", "F.conv2d(x[0], x[1], None, 2, 1, 1, 4)",
       {{2, 4, 5, 5}, {4, 1, 3, 3}},
       [](const V& x) { return V{nabla::conv2d(x[0], x[1], {}, 2, 1, 1, 4)}; }},
      {"conv2d_same_even", "F.conv2d(x[0], x[1], x[2], 1, 'same', (1, 2))",
       {{1, 2, 5, 6}, {2, 2, 2, 3}, {2}},
       [](const V& x) { return V{nabla::conv2d(x[0], x[1], x[2], 1, "same", {1, 2})}; }},
      {"conv2d_valid", "F.conv2d(x[0], x[1], None, 1, 'valid')",
       {{1, 2, 4, 5}, {3, 2, 3, 2}},
       [](const V& x) { return V{nabla::conv2d(x[0], x[1], {}, 1, "valid")}; }},
      {"conv2d_unbatched", "F.conv2d(x[0], x[1], x[2], 2)",
       {{3, 5, 5}, {2, 3, 3, 3}, {2}},
       [](const V& x) { return V{nabla::conv2d(x[0], x[1], x[2], 2)}; }},
      {"conv2d_pointwise", "F.conv2d(x[0], x[1])",
       {{2, 3, 4, 4}, {5, 3, 1, 1}},
       [](const V& x) { return V{nabla::conv2d(x[0], x[1])}; }},
      {"conv3d", "F.conv3d(x[0], x[1], x[2], (1, 2, 1), 1)",
       {{1, 2, 4, 5, 4}, {3, 2, 2, 3, 2}, {3}},
       [](const V& x) { return V{nabla::conv3d(x[0], x[1], x[2], {1, 2, 1}, 1)}; }},
      {"conv_transpose1d", "F.conv_transpose1d(x[0], x[1], x[2], 2, 1, 1)",
       {{2, 4, 5}, {4, 3, 3}, {3}},
       [](const V& x) { return V{nabla::conv_transpose1d(x[0], x[1], x[2], 2, 1, 1)}; }},
      {"conv_transpose2d_groups", "F.conv_transpose2d(x[0], x[1], x[2], 2, (1, 0), (1, 0), 2, (1, 2))",
       {{1, 4, 3, 4}, {4, 2, 3, 2}, {4}},
       [](const V& x) {
         return V{nabla::conv_transpose2d(x[0], x[1], x[2], 2, {1, 0}, {1, 0}, 2, {1, 2})};
       }},
      {"conv_transpose2d_unbatched", "F.conv_transpose2d(x[0], x[1])",
       {{2, 3, 3}, {2, 3, 2, 2}},
       [](const V& x) { return V{nabla::conv_transpose2d(x[0], x[1])}; }},
      {"max_pool2d", "F.max_pool2d(x[0], 3, 2, 1)",
       {{2, 3, 6, 7}},
       [](const V& x) { return V{nabla::max_pool2d(x[0], 3, 2, 1)}; }},
      {"max_pool2d_ceil_dilation", "F.max_pool2d(x[0], (2, 3), 2, 0, (2, 1), True)",
       {{1, 2, 7, 8}},
       [](const V& x) { return V{nabla::max_pool2d(x[0], {2, 3}, 2, 0, {2, 1}, true)}; }},
      {"max_pool2d_unbatched", "F.max_pool2d(x[0], 2)",
       {{2, 5, 5}},
       [](const V& x) { return V{nabla::max_pool2d(x[0], 2)}; }},
      // Sequential's fused block (Conv2d, ReLU, MaxPool2d; CPU float32 takes the fused kernels,
      // the other dtypes and devices the composition), with the conv's parameters replaced.
      {"sequential_conv_relu_max_pool2d",
       "F.max_pool2d(F.relu(F.conv2d(x[0], x[1], x[2], 1, 1)), 2)",
       {{3, 2, 7, 8}, {4, 2, 3, 3}, {4}},
       [](const V& x) {
         namespace nn = nabla::nn;
         nn::Conv2d conv(nn::Conv2dOptions(2, 4, 3).padding(1));
         conv->weight = x[1];
         conv->bias = x[2];
         return V{nn::Sequential(conv, nn::ReLU(), nn::MaxPool2d(2))->forward(x[0])};
       }},
      {"max_pool1d_ceil", "F.max_pool1d(x[0], 3, 2, 1, 1, True)",
       {{2, 3, 9}},
       [](const V& x) { return V{nabla::max_pool1d(x[0], 3, 2, 1, 1, true)}; }},
      {"avg_pool2d", "F.avg_pool2d(x[0], 3, 2, 1)",
       {{2, 3, 6, 7}},
       [](const V& x) { return V{nabla::avg_pool2d(x[0], 3, 2, 1)}; }},
      {"avg_pool2d_ceil_exclude_pad", "F.avg_pool2d(x[0], (3, 2), 2, 1, True, False)",
       {{1, 2, 6, 7}},
       [](const V& x) { return V{nabla::avg_pool2d(x[0], {3, 2}, 2, 1, true, false)}; }},
      {"avg_pool2d_divisor_unbatched", "F.avg_pool2d(x[0], 2, None, 0, False, True, 3)",
       {{2, 5, 4}},
       [](const V& x) { return V{nabla::avg_pool2d(x[0], 2, {}, 0, false, true, 3)}; }},
      {"avg_pool1d_ceil", "F.avg_pool1d(x[0], 3, 2, 1, True)",
       {{2, 3, 8}},
       [](const V& x) { return V{nabla::avg_pool1d(x[0], 3, 2, 1, true)}; }},
      {"pad_constant", "F.pad(x[0], (1, 2, -1, 1), 'constant', 0.5)",
       {{2, 3, 4}},
       [](const V& x) { return V{nabla::pad(x[0], {1, 2, -1, 1}, "constant", 0.5)}; }},
      {"pad_reflect", "F.pad(x[0], (2, 1, 1, 3), 'reflect')",
       {{1, 2, 4, 5}},
       [](const V& x) { return V{nabla::pad(x[0], {2, 1, 1, 3}, "reflect")}; }},
      {"pad_replicate", "F.pad(x[0], (2, 3), 'replicate')",
       {{2, 3, 4}},
       [](const V& x) { return V{nabla::pad(x[0], {2, 3}, "replicate")}; }},
      {"pad_circular", "F.pad(x[0], (1, 2, 3, 0), 'circular')",
       {{1, 2, 3, 4}},
       [](const V& x) { return V{nabla::pad(x[0], {1, 2, 3, 0}, "circular")}; }},
      {"cnn_block", "F.max_pool2d(F.conv2d(x[0], x[1], x[2]).relu(), 2).flatten(1)",
       {{2, 1, 6, 6}, {3, 1, 3, 3}, {3}},
       [](const V& x) {
         return V{nabla::max_pool2d(nabla::conv2d(x[0], x[1], x[2]).relu(), 2).flatten(1)};
       }},
  };
}

std::vector<OpInfo> nn_layer_rows() {
  return {
      // ---- nn layers: normalization, resampling, fold, adaptive pooling ----
      {"batch_norm_train", "F.batch_norm(x[0], None, None, x[1], x[2], training=True)",
       {{3, 2, 2, 2}, {2}, {2}},
       [](const V& x) {
         namespace F = nabla::nn::functional;
         return V{F::batch_norm(x[0], {}, {},
                                F::BatchNormFuncOptions().weight(x[1]).bias(x[2]).training(true))};
       }},
      {"batch_norm_train_noncontiguous", "F.batch_norm(x[0].transpose(0, 1), None, None, x[1], x[2], training=True)",  // the composed (unfused) path
       {{2, 3, 2, 2}, {2}, {2}},
       [](const V& x) {
         namespace F = nabla::nn::functional;
         return V{F::batch_norm(x[0].transpose(0, 1), {}, {},
                                F::BatchNormFuncOptions().weight(x[1]).bias(x[2]).training(true))};
       }},
      {"batch_norm_train_1d_noaffine", "F.batch_norm(x[0], None, None, training=True, eps=0.1)",
       {{4, 3}},
       [](const V& x) {
         namespace F = nabla::nn::functional;
         return V{F::batch_norm(x[0], {}, {}, F::BatchNormFuncOptions().training(true).eps(0.1))};
       }},
      {"batch_norm_eval", "T.batch_norm(x[0], x[1], x[2], T.tensor([0.3, -0.2]), T.tensor([0.5, 1.5]), False, 0.1, 1e-5, False)",
       {{3, 2, 4}, {2}, {2}},
       [](const V& x) {
         Tensor rm = tensor({0.3, -0.2}, dtype(x[0].scalar_type()).device(x[0].device()));
         Tensor rv = tensor({0.5, 1.5}, dtype(x[0].scalar_type()).device(x[0].device()));
         return V{nabla::batch_norm(x[0], x[1], x[2], rm, rv, false, 0.1, 1e-5)};
       }},
      {"instance_norm", "F.instance_norm(x[0], weight=x[1], bias=x[2])",
       {{2, 3, 4}, {3}, {3}},
       [](const V& x) {
         return V{nabla::instance_norm(x[0], x[1], x[2], {}, {}, true, 0.1, 1e-5)};
       }},
      {"instance_norm_2d_noaffine", "F.instance_norm(x[0])",
       {{2, 2, 3, 3}},
       [](const V& x) {
         namespace F = nabla::nn::functional;
         return V{F::instance_norm(x[0])};
       }},
      {"layer_norm", "F.layer_norm(x[0], [5], x[1], x[2])",
       {{2, 3, 5}, {5}, {5}},
       [](const V& x) {
         namespace F = nabla::nn::functional;
         return V{F::layer_norm(x[0], F::LayerNormFuncOptions({5}).weight(x[1]).bias(x[2]))};
       }},
      {"layer_norm_2d_noaffine", "F.layer_norm(x[0], [2, 4], eps=0.1)",
       {{3, 2, 4}},
       [](const V& x) {
         namespace F = nabla::nn::functional;
         return V{F::layer_norm(x[0], F::LayerNormFuncOptions({2, 4}).eps(0.1))};
       }},
      {"layer_norm_noncontiguous_weight_only", "F.layer_norm(x[0].t(), [4], x[1])",
       {{4, 3}, {4}},
       [](const V& x) {
         namespace F = nabla::nn::functional;
         return V{F::layer_norm(x[0].t(), F::LayerNormFuncOptions({4}).weight(x[1]))};
       }},
      {"group_norm", "F.group_norm(x[0], 2, x[1], x[2])",
       {{2, 4, 3}, {4}, {4}},
       [](const V& x) { return V{nabla::group_norm(x[0], 2, x[1], x[2])}; }},
      {"group_norm_2d_noaffine", "F.group_norm(x[0], 3, eps=1e-3)",
       {{2, 6, 2, 2}},
       [](const V& x) { return V{nabla::group_norm(x[0], 3, {}, {}, 1e-3)}; }},
      {"interpolate_nearest_1d", "F.interpolate(x[0], size=[8])",
       {{1, 2, 5}},
       [](const V& x) {
         namespace F = nabla::nn::functional;
         return V{F::interpolate(x[0], F::InterpolateFuncOptions().size(std::vector<int64_t>{8}))};
       }},
      {"interpolate_nearest_2d_scale2", "F.interpolate(x[0], scale_factor=[2.0, 2.0])",
       {{1, 2, 3, 4}},
       [](const V& x) {
         namespace F = nabla::nn::functional;
         return V{F::interpolate(
             x[0], F::InterpolateFuncOptions().scale_factor(std::vector<double>{2, 2}))};
       }},
      {"interpolate_nearest_2d_size", "F.interpolate(x[0], size=[3, 7])",
       {{2, 1, 4, 5}},
       [](const V& x) {
         namespace F = nabla::nn::functional;
         return V{F::interpolate(x[0],
                                 F::InterpolateFuncOptions().size(std::vector<int64_t>{3, 7}))};
       }},
      {"interpolate_nearest_exact", "F.interpolate(x[0], size=[6, 3], mode='nearest-exact')",
       {{1, 2, 4, 5}},
       [](const V& x) {
         namespace F = nabla::nn::functional;
         return V{F::interpolate(
             x[0],
             F::InterpolateFuncOptions().size(std::vector<int64_t>{6, 3}).mode(kNearestExact))};
       }},
      {"interpolate_linear_1d", "F.interpolate(x[0], size=[7], mode='linear')",
       {{2, 2, 5}},
       [](const V& x) {
         namespace F = nabla::nn::functional;
         return V{F::interpolate(
             x[0], F::InterpolateFuncOptions().size(std::vector<int64_t>{7}).mode(kLinear))};
       }},
      {"interpolate_bilinear", "F.interpolate(x[0], size=[5, 7], mode='bilinear', align_corners=False)",
       {{1, 2, 3, 4}},
       [](const V& x) {
         namespace F = nabla::nn::functional;
         return V{F::interpolate(x[0], F::InterpolateFuncOptions()
                                           .size(std::vector<int64_t>{5, 7})
                                           .mode(kBilinear)
                                           .align_corners(false))};
       }},
      {"interpolate_bilinear_align_corners", "F.interpolate(x[0], size=[5, 7], mode='bilinear', align_corners=True)",
       {{1, 2, 3, 4}},
       [](const V& x) {
         namespace F = nabla::nn::functional;
         return V{F::interpolate(x[0], F::InterpolateFuncOptions()
                                           .size(std::vector<int64_t>{5, 7})
                                           .mode(kBilinear)
                                           .align_corners(true))};
       }},
      {"interpolate_bilinear_scale", "F.interpolate(x[0], scale_factor=[1.5, 2.5], mode='bilinear')",
       {{1, 1, 4, 4}},
       [](const V& x) {
         namespace F = nabla::nn::functional;
         return V{F::interpolate(x[0], F::InterpolateFuncOptions()
                                           .scale_factor(std::vector<double>{1.5, 2.5})
                                           .mode(kBilinear))};
       }},
      {"interpolate_trilinear", "F.interpolate(x[0], size=[3, 4, 2], mode='trilinear')",
       {{1, 1, 2, 3, 3}},
       [](const V& x) {
         namespace F = nabla::nn::functional;
         return V{F::interpolate(
             x[0],
             F::InterpolateFuncOptions().size(std::vector<int64_t>{3, 4, 2}).mode(kTrilinear))};
       }},
      {"interpolate_area", "F.interpolate(x[0], size=[3, 4], mode='area')",
       {{1, 2, 5, 7}},
       [](const V& x) {
         namespace F = nabla::nn::functional;
         return V{F::interpolate(
             x[0], F::InterpolateFuncOptions().size(std::vector<int64_t>{3, 4}).mode(kArea))};
       }},
      {"pixel_shuffle", "F.pixel_shuffle(x[0], 2)", {{2, 8, 2, 3}}, [](const V& x) { return V{nabla::pixel_shuffle(x[0], 2)}; }},
      {"pixel_unshuffle", "F.pixel_unshuffle(x[0], 2)",
       {{1, 2, 4, 6}},
       [](const V& x) { return V{nabla::pixel_unshuffle(x[0], 2)}; }},
      {"unfold", "F.unfold(x[0], (2, 3))",
       {{2, 2, 4, 5}},
       [](const V& x) {
         namespace F = nabla::nn::functional;
         return V{F::unfold(x[0], F::UnfoldFuncOptions({2, 3}))};
       }},
      {"unfold_pad_stride_dilation", "F.unfold(x[0], 3, padding=1, stride=2, dilation=(1, 2))",
       {{1, 2, 5, 6}},
       [](const V& x) {
         namespace F = nabla::nn::functional;
         return V{F::unfold(x[0], F::UnfoldFuncOptions(3).padding(1).stride(2).dilation({1, 2}))};
       }},
      {"fold", "F.fold(x[0], (4, 5), (2, 3))",
       {{2, 12, 9}},
       [](const V& x) {
         namespace F = nabla::nn::functional;
         return V{F::fold(x[0], F::FoldFuncOptions({4, 5}, {2, 3}))};
       }},
      {"fold_pad_stride_dilation", "F.fold(x[0], (5, 6), 3, padding=1, stride=2, dilation=(1, 2))",
       {{1, 18, 6}},
       [](const V& x) {
         namespace F = nabla::nn::functional;
         return V{
             F::fold(x[0], F::FoldFuncOptions({5, 6}, 3).padding(1).stride(2).dilation({1, 2}))};
       }},
      {"adaptive_avg_pool1d", "F.adaptive_avg_pool1d(x[0], 3)",
       {{2, 3, 7}},
       [](const V& x) { return V{nabla::adaptive_avg_pool1d(x[0], {3})}; }},
      {"adaptive_avg_pool2d", "F.adaptive_avg_pool2d(x[0], (3, 4))",
       {{2, 2, 5, 7}},
       [](const V& x) {
         return V{nabla::adaptive_avg_pool2d(x[0], {3, 4})};
       }},
      {"adaptive_avg_pool2d_global", "F.adaptive_avg_pool2d(x[0], 1)",
       {{2, 3, 3, 4}},
       [](const V& x) {
         return V{nabla::adaptive_avg_pool2d(x[0], {1, 1})};
       }},
      {"adaptive_avg_pool2d_unbatched", "F.adaptive_avg_pool2d(x[0], (2, 4))",
       {{2, 5, 6}},
       [](const V& x) {
         return V{nabla::adaptive_avg_pool2d(x[0], {2, 4})};
       }},
      {"adaptive_max_pool1d", "F.adaptive_max_pool1d(x[0], 3)",
       {{2, 3, 8}},
       [](const V& x) { return V{std::get<0>(nabla::adaptive_max_pool1d(x[0], {3}))}; }},
      {"adaptive_max_pool2d", "F.adaptive_max_pool2d(x[0], (3, 4))",
       {{2, 2, 5, 7}},
       [](const V& x) {
         return V{std::get<0>(nabla::adaptive_max_pool2d(x[0], {3, 4}))};
       }},
      {"max_unpool2d", "F.max_unpool2d(x[0], idx([0, 3, 9, 14, 5, 2, 12, 15]).view(1, 2, 2, 2), 2)",
       {{1, 2, 2, 2}},
       [](const V& x) {
         namespace F = nabla::nn::functional;
         Tensor ind = idx({0, 3, 9, 14, 5, 2, 12, 15}).view({1, 2, 2, 2}).to(x[0].device());
         return V{F::max_unpool2d(x[0], ind, F::MaxUnpool2dFuncOptions(2))};
       }},
  };
}

std::vector<OpInfo> attention_rows() {
  return {
      // ---- attention ----
      {"sdpa", "sdpa(x[0], x[1], x[2])",
       {{2, 3, 4}, {2, 5, 4}, {2, 5, 3}},
       [](const V& x) { return V{nabla::scaled_dot_product_attention(x[0], x[1], x[2])}; }},
      {"sdpa_causal_scale", "sdpa(x[0], x[1], x[2], is_causal=True, scale=0.5)",
       {{1, 2, 4, 3}, {1, 2, 4, 3}, {1, 2, 4, 2}},
       [](const V& x) {
         return V{nabla::scaled_dot_product_attention(x[0], x[1], x[2], {}, 0.0, true, 0.5)};
       }},
      {"sdpa_bool_mask", "sdpa(x[0], x[1], x[2], T.arange(5)[None, :] < idx([2, 5, 4])[:, None])",
       {{2, 3, 4}, {2, 5, 4}, {2, 5, 3}},
       [](const V& x) {  // row i sees the first n[i] keys
         const Tensor mask = nabla::lt(nabla::arange(5).unsqueeze(0), idx({2, 5, 4}).unsqueeze(1))
                                 .to(x[0].device());
         return V{nabla::scaled_dot_product_attention(x[0], x[1], x[2], mask)};
       }},
      {"sdpa_float_mask", "sdpa(x[0], x[1], x[2], x[3])",
       {{2, 3, 4}, {2, 5, 4}, {2, 5, 3}, {3, 5}},
       [](const V& x) { return V{nabla::scaled_dot_product_attention(x[0], x[1], x[2], x[3])}; }},
  };
}

std::vector<OpInfo> transformer_rows() {
  return {
      // ---- transformer helpers (composed of ops) ----
      {"rms_norm", "x[0] * T.rsqrt(x[0].pow(2).mean(-1, keepdim=True) + 1e-6) * x[1]",
       {{2, 3, 6}, {6}},
       [](const V& x) { return V{nabla::nn::functional::rms_norm(x[0], {6}, x[1], 1e-6)}; }},
      {"rotary_embedding", "rotary(x[0], offset=2)",
       {{2, 5, 8}},
       [](const V& x) {
         const auto on_x = TensorOptions().dtype(x[0].scalar_type()).device(x[0].device());
         auto [cos, sin] = nabla::nn::rotary_embedding_tables(5, 8, 10000.0, 2, on_x);
         return V{nabla::nn::apply_rotary_embedding(x[0], cos, sin)};
       }},
  };
}
// clang-format on

std::vector<OpInfo> make_table() {
  std::vector<OpInfo> table;
  for (auto* part : {unary_rows,         activation_rows,   binary_rows,
                     reduction_rows,     sorting_rows,      linalg_rows,
                     shape_rows,         manipulation_rows, composition_rows,
                     porting_rows,       special_rows,      vision_rows,
                     statistics_rows,    contraction_rows,  square_matrix_rows,
                     factorization_rows, engine_rows,       backend_elementwise_rows,
                     conv_pool_rows,     nn_layer_rows,     attention_rows,
                     transformer_rows,   loss_rows})
    for (OpInfo& row : part()) table.push_back(std::move(row));
  return table;
}
}  // namespace

const std::vector<OpInfo>& op_db() {
  static const std::vector<OpInfo> table = make_table();
  return table;
}

}  // namespace nabla::testing
