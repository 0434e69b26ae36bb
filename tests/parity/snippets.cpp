// The same C++ compiled against LibTorch (-DPARITY_TORCH) and against nabla: both programs
// print every result rounded to 6 significant digits, and the CTest "parity" label compares
// the two outputs line by line. This tests that a LibTorch program ports by changing its
// include and namespace.
#ifdef PARITY_TORCH
#include <torch/torch.h>
namespace nb = torch;
#else
#include <nabla/torch.h>  // nabla, and the c10:: names LibTorch programs use
namespace nb = nabla;
#endif

#include <cmath>
#include <cstdio>
#include <exception>
#include <sstream>
#include <string>
#include <vector>

namespace {

void show(const std::string& name, const nb::Tensor& t) {
  std::printf("%s [", name.c_str());
  for (size_t i = 0; i < t.sizes().size(); ++i)
    std::printf(i ? ", %ld" : "%ld", (long)t.sizes()[i]);
  std::printf("]");
  nb::Tensor flat = t.to(nb::kFloat64).contiguous().reshape({-1});
  for (int64_t i = 0; i < flat.numel(); ++i) {
    double v = flat[i].item<double>();
    if (v == 0) v = 0;  // prints -0 as 0
    std::printf(" %.6g", v);
  }
  std::printf("\n");
}

nb::Tensor f64(std::vector<double> v) { return nb::tensor(v, nb::dtype(nb::kFloat64)); }

// A module whose forward takes more than a tensor, called through AnyModule.
struct MaskedScaleImpl : nb::nn::Module {
  nb::Tensor forward(nb::Tensor x, const nb::Tensor& mask, double scale) {
    return x * mask * scale;
  }
};
TORCH_MODULE(MaskedScale);

}  // namespace

int main() {
  using namespace nb::indexing;
  // ---- creation and dtypes ----
  nb::Tensor a = nb::tensor({{1.0, -2.0, 3.0}, {4.0, 5.0, -6.0}}, nb::dtype(nb::kFloat64));
  nb::Tensor b = f64({0.5, 1.5, -2.5});
  show("arange", nb::arange(0, 10, 3));
  show("linspace", nb::linspace(-1, 1, 5));
  show("eye", nb::eye(2, 3));
  show("full", nb::full({2, 2}, 7));
  std::printf("dtype_int_plus_float %d\n", (nb::arange(3) * 1.5).scalar_type() == nb::kFloat);
  std::printf("dtype_int_div %d\n", (nb::arange(3) / 2).scalar_type() == nb::kFloat);
  std::printf("dtype_u8_plus_int %d\n",
              (nb::ones({2}, nb::dtype(nb::kUInt8)) + 300).scalar_type() == nb::kUInt8);
  // ---- elementwise and broadcasting ----
  show("add_broadcast", a + b);
  show("mul_scalar", a * 2 - 1);
  show("rsub", 1 - a);
  show("div", a / b);
  show("pow", a.pow(2));
  show("exp_log", a.abs().log().exp());
  show("sigmoid_tanh", a.sigmoid() + a.tanh());
  show("relu", a.relu());
  {  // in-place unary ops on tensors in the graph, and the gradient through them
    nb::Tensor x = f64({0.3, -1.2, 2.0}).requires_grad_();
    nb::Tensor positive = x * x + 0.5;
    nb::Tensor r = x * 2, s = x * 2, t = x * 2, e = x * 2, n = x * 2;
    nb::Tensor q = positive * 1, rq = positive * 1, rc = positive * 1;
    nb::relu_(r);
    s.sigmoid_();
    nb::tanh_(t);
    e.exp_();
    n.neg_();
    nb::sqrt_(q);
    rq.rsqrt_();
    rc.reciprocal_();
    nb::Tensor total = r + s + t + e + n + q + rq + rc;
    (total * total).sum().backward();
    show("unary_inplace", total);
    show("unary_inplace_grad", x.grad());
    // Changing a result that the backward reads is caught in both libraries.
    nb::Tensor changed = x * 2;
    nb::Tensor y = changed.exp_() * 3;
    changed.add_(1);
    bool caught = false;
    try {
      y.sum().backward();
    } catch (const std::exception&) {
      caught = true;
    }
    std::printf("unary_inplace_saved_result_checked %d\n", caught ? 1 : 0);
  }
  {  // the functions of reals, rounding and classification, as methods and free functions
    nb::Tensor u = f64({0.3, -0.7, 0.05, -0.95});
    nb::Tensor p = f64({0.5, 1.25, 3.0, 7.5});
    show("inverse_trig", u.asin() + nb::acos(u) * 2 + u.atan() * 3 + nb::arctan(p));
    show("hyperbolic",
         u.sinh() + nb::cosh(u) + u.tanh() + nb::asinh(p) + (p + 1).acosh() + u.atanh());
    show("logs", p.log1p() + nb::log2(p) + p.log10() + nb::expm1(u) + u.exp2() + nb::tan(u));
    show("erfs", u.erf() + nb::erfc(u) + u.erfinv());
    nb::Tensor h = f64({2.5, -2.5, 0.5, -1.7});
    show("rounding", h.round() * 1000 + nb::floor(h) * 100 + h.ceil() * 10 + nb::trunc(h));
    show("frac", h.frac());
    show("atan2_hypot", nb::atan2(u, p) + p.hypot(u));
    show("fmod_remainder", nb::fmod(h, 0.75) * 10 + h.remainder(0.75));
    show("int_fmod_remainder", nb::arange(-5, 5).fmod(3) * 10 + nb::arange(-5, 5).remainder(-3));
    nb::Tensor odd = f64({1.0, 0.0, -1.0}) / f64({0.0, 0.0, 0.0});
    show("isnan_isinf_isfinite", odd.isnan().to(nb::kFloat64) * 100 +
                                     nb::isinf(odd).to(nb::kFloat64) * 10 +
                                     odd.isfinite().to(nb::kFloat64));
    // In place, in and out of the graph; the gradient of those that read their input.
    nb::Tensor x = f64({0.3, -0.6, 0.9}).requires_grad_();
    nb::Tensor l = x * 1, sn = x * 1, c = x * 1, sq = x * 1, t = x * 1, f = x * 1;
    l.abs_().log1p_();
    nb::sin_(sn);
    c.cos_();
    sq.square_();
    t.tan_();
    f.clamp_min_(-0.2).clamp_max_(0.5);
    nb::Tensor total = l + sn + c + sq + t + f;
    total.sum().backward();
    show("math_inplace", total);
    show("math_inplace_grad", x.grad());
    nb::Tensor plain = h.clone();
    plain.floor_().abs_();
    show("rounding_inplace", plain);
  }
  {  // manipulation: masks, tiling, reordering, scans
    nb::Tensor m = nb::arange(12, nb::dtype(nb::kFloat64)).view({3, 4});
    show("tril_triu", m.tril(1) * 2 + nb::triu(m, -1));
    show("diagonals", m.diagonal(1) + nb::diagonal(m, -1).sum() + m.trace());
    show("diag", nb::diag(f64({1.0, 2.0}), 1) + m.narrow(1, 0, 3).diag().diag());
    show("diag_embed", nb::diag_embed(m.narrow(0, 0, 2), -1, 0, 2).sum(0));
    show("causal_mask", nb::ones({3, 3}).tril().to(nb::kFloat64));
    show("repeat_tile", m.repeat({2, 1, 2}).sum({0}) + nb::tile(m, {1, 2}));
    show("repeat_interleave", m.repeat_interleave(2, 0).sum(1) +
                                  nb::repeat_interleave(m, nb::tensor({1, 3, 2}), 0).sum(1));
    show("flip_roll", m.flip({0, 1}) * 100 + m.roll({1, -1}, {0, 1}) + m.roll(5));
    show("movedim", nb::zeros({2, 3, 4}).movedim(0, 2).sum(0));
    auto grid = nb::meshgrid({nb::arange(3), nb::arange(2) * 10}, "xy");
    show("meshgrid_xy", grid[0] + grid[1]);
    show("argsort", nb::argsort(nb::tensor({3.0, -1.0, 2.0}), 0, true));
    show("cumsum", m.cumsum(1) + nb::cumsum(m, 0));
    show("cumsum_int", nb::tensor({true, true, false}).cumsum(0));
    show("masked_select", m.masked_select(m.gt(6)));
    show("count_nonzero", (m - 5).count_nonzero(std::vector<int64_t>{0}));
    show("lerp_logaddexp", m.lerp(m * 2, 0.25) + nb::logaddexp(m, -m));
    show("xlogy_mv", nb::xlogy(m, m + 1).sum(1) + m.mv(nb::ones({4}, nb::dtype(nb::kFloat64))));
    nb::Tensor x = f64({0.5, -1.0, 2.0, 0.25}).requires_grad_();
    nb::Tensor y = x.view({2, 2}).repeat({2, 1}).flip({1}).cumsum(0).tril();
    (y * y).sum().backward();
    show("manipulation_grad", x.grad());
    nb::Tensor onehot = nb::zeros({3, 4}, nb::dtype(nb::kFloat64));
    onehot.scatter_(1, nb::tensor({2, 0, 3}).view({3, 1}), 1.0);
    show("scatter_onehot", onehot);
    nb::Tensor w = f64({1.5, -2.0, 0.5}).view({1, 3}).requires_grad_();
    nb::Tensor scattered =
        nb::ones({2, 4}, nb::dtype(nb::kFloat64)).scatter(1, nb::tensor({{3, 0, 1}}), w);
    (scattered * scattered).sum().backward();
    show("scatter_src_grad", scattered + 0);
    show("scatter_grad", w.grad());
  }
  {
    // ---- contractions, order statistics, bitwise ----
    nb::Tensor p = nb::arange(6, nb::dtype(nb::kFloat64)).view({2, 3}) - 2;
    nb::Tensor q = nb::arange(12, nb::dtype(nb::kFloat64)).view({3, 4}) * 0.5;
    nb::Tensor r = nb::arange(24, nb::dtype(nb::kFloat64)).view({2, 3, 4}) * 0.25 - 1;
    show("einsum_matmul", nb::einsum("ij,jk->ik", {p, q}));
    show("einsum_batched", nb::einsum("bij,bkj->bik", {r, r}));
    show("einsum_trace_implicit",
         nb::einsum("ii", {q.narrow(1, 0, 3)}) + nb::einsum("i,i", {p[0], p[1]}));
    show("einsum_ellipsis", nb::einsum("...ij->...ji", {r}));
    show("tensordot", nb::tensordot(r, q, {1}, {0}));
    show("kron", nb::kron(p, nb::eye(2, nb::dtype(nb::kFloat64))));
    show("cross", nb::cross(p.view({2, 3}), p.flip({1})));
    show("linalg_cross", nb::linalg_cross(r.narrow(2, 0, 3), r.narrow(2, 1, 3), -1));
    show("baddbmm", nb::baddbmm(r.narrow(2, 0, 3), r, r.transpose(1, 2).narrow(2, 0, 3), 0.5, 2));
    show("addbmm", r[0].narrow(1, 0, 3).addbmm(r, r.transpose(1, 2).narrow(2, 0, 3)));
    show("diff", nb::diff(q, 1, 0) + nb::diff(q, 2, 1, q.narrow(1, 0, 2)).sum());
    show("rot90", nb::rot90(r, 1, {1, 2}) + 0);
    show("rot90_back", nb::rot90(p, -1) + 0);
    nb::Tensor s =
        nb::tensor({{3.0, 1.0, 4.0, 1.5, 5.0}, {9.0, 2.0, 6.0, 5.5, 3.5}}, nb::dtype(nb::kFloat64));
    show("kthvalue", std::get<0>(s.kthvalue(2, 1)));
    show("kthvalue_index", std::get<1>(s.kthvalue(4, 1, true)));
    show("median", s.median() + std::get<0>(s.median(1)).sum());
    show("median_index", std::get<1>(s.median(0)));
    show("nanmedian", std::get<0>(s.nanmedian(1)));
    show("nansum_nanmean", s.nansum() + s.nanmean({1}));
    auto [v, mean] = nb::var_mean(s, {1});
    show("var_mean", v + mean);
    auto [sd, mean_all] = nb::std_mean(s);
    show("std_mean", sd + mean_all);
    show("index_fill", q.index_fill(1, nb::tensor({0, 3}), -1.0));
    show("index_copy", q.index_copy(0, nb::tensor({2, 0}), q.narrow(0, 0, 2) * 10));
    nb::Tensor ints = nb::tensor({12, 10, 7, -3});
    nb::Tensor ones = nb::tensor({6, 3, 5, 1});
    show("bitwise", (ints & ones) + (ints | ones) * 100 + (ints ^ ones) * 10000);
    show("bitwise_not", ~ints);
    show("bitwise_scalar", (ints & 3) + (ints | 8) + (ints ^ 1));
    show("bitwise_bool", (ints > 0) & (ones > 2));
    show("remainder_op", (ints % 5) + (ints % ones));
    nb::Tensor g = nb::tensor({0.5, -1.0, 2.0}, nb::dtype(nb::kFloat64)).requires_grad_();
    nb::Tensor h = nb::tensor({1.5, 0.25, -0.5}, nb::dtype(nb::kFloat64)).requires_grad_();
    (nb::einsum("i,j->ij", {g, h}).sum() + nb::cross(g, h).pow(2).sum() + nb::kron(g, h).sum() +
     std::get<0>(g.kthvalue(2)))
        .backward();
    show("contraction_grads", g.grad() + h.grad());
    nb::Tensor sq =
        nb::tensor({{4.0, 1.0, -2.0}, {0.5, 3.0, 1.0}, {-1.0, 2.0, 5.0}}, nb::dtype(nb::kFloat64))
            .requires_grad_();
    show("det_inverse", sq.det() + sq.inverse().sum() + sq.logdet());
    auto [sign, logabs] = nb::linalg::slogdet(-sq);
    show("slogdet", sign + logabs);
    show("linalg_inv", nb::linalg::inv(sq));
    nb::Tensor rhs = nb::tensor({{1.0, 0.0}, {2.0, -1.0}, {0.5, 3.0}}, nb::dtype(nb::kFloat64));
    show("linalg_solve", nb::linalg::solve(sq, rhs, true));
    show("linalg_solve_right", nb::linalg::solve(sq, rhs.t(), false));
    (sq.det() + sq.inverse().pow(2).sum() + nb::linalg::solve(sq, rhs, true).sum()).backward();
    show("linalg_grads", sq.grad());
    nb::Tensor c =
        nb::tensor({{2.0, 0.0, 3.0, -1.0}, {1.5, -2.0, 0.5, 4.0}}, nb::dtype(nb::kFloat64))
            .requires_grad_();
    show("cumprod", c.cumprod(1));
    show("cumprod_int", nb::cumprod(nb::tensor({1, 2, 3, -2}), 0));
    auto [cmax, cmax_i] = c.cummax(1);
    show("cummax", cmax + cmax_i);
    auto [cmin, cmin_i] = nb::cummin(c, 0);
    show("cummin", cmin + cmin_i);
    show("logcumsumexp", c.logcumsumexp(1));
    show("matrix_power",
         nb::matrix_power(sq, 3) + sq.matrix_power(0) + nb::linalg::matrix_power(sq, -2));
    (c.cumprod(1).sum() + cmax.pow(2).sum() + cmin.sum() + c.logcumsumexp(1).sum()).backward();
    show("scan_grads", c.grad());
  }
  show("gelu", nb::gelu(a));
  show("clamp", a.clamp(-1, 2));
  show("where", nb::where(a > 0, a, b * 10));
  show("masked_fill", a.masked_fill(a < 0, 0.25));
  show("maximum", nb::maximum(a, b));
  show("compare", (a >= b).to(nb::kFloat64));
  // ---- reductions ----
  show("sum", a.sum());
  show("sum_dim", a.sum({1}, true));
  show("mean_dim", a.mean({0}));
  show("prod", a.prod(1));
  show("max", std::get<0>(a.max(1)));
  show("argmax", std::get<1>(a.max(1)));
  show("argmin", a.argmin());
  show("var", a.var({1}));
  show("std", a.std());
  show("logsumexp", a.logsumexp({1}));
  show("norm", a.norm());
  show("softmax", a.softmax(1));
  show("log_softmax", a.log_softmax(0));
  // ---- linear algebra ----
  show("mm", a.mm(a.t()));
  show("matmul_vec", a.matmul(b));
  show("bmm", nb::stack({a, a * 2}).bmm(nb::stack({a.t(), a.t()})));
  show("addmm", nb::addmm(f64({1, 2}), a, a.t(), 0.5, 2));
  show("outer", b.outer(b));
  // ---- views and indexing ----
  nb::Tensor c = nb::arange(24, nb::dtype(nb::kFloat64)).view({2, 3, 4});
  show("permute", c.permute({2, 0, 1}));
  show("transpose_reshape", c.transpose(0, 2).reshape({4, 6}));
  show("narrow", c.narrow(2, 1, 2));
  show("select", c.select(1, -1));
  show("index_slice", c.index({Slice(), Slice(1, None), Slice(None, None, 2)}));
  show("index_ellipsis", c.index({"...", 2}));
  show("index_tensor", c.index({nb::tensor({1, 0, 1})}));
  show("index_mask", c.index({c > 20}));
  show("gather", c.gather(2, nb::tensor({0, 3, 1, 1, 2, 0}).view({1, 3, 2}).expand({2, 3, 2})));
  show("index_select", c.index_select(1, nb::tensor({2, 0})));
  show("cat", nb::cat({a, a * 0}, 1));
  show("split", a.split(2, 1)[1]);
  show("chunk", a.chunk(3, 1)[2]);
  nb::Tensor d = nb::zeros({3, 4}, nb::dtype(nb::kFloat64));
  d.index_put_({Slice(1, None), 2}, 5.0);
  d.index_put_({0}, f64({1, 2, 3, 4}));
  show("index_put", d);
  show("scatter_add", nb::zeros({2, 4}, nb::dtype(nb::kFloat64))
                          .scatter_add(1, nb::tensor({{0, 0, 3}, {1, 2, 1}}), a));
  // ---- norms and distances ----
  nb::Tensor m = f64({1, -2, 3, -4, 5, -6, 7, -8.5, 9, 10, -11, 12}).view({2, 2, 3});
  show("vector_norm", nb::linalg::vector_norm(m, 3, {0, 2}, true, c10::nullopt));
  show("vector_norm_inf", nb::linalg::vector_norm(m, INFINITY, 1, false, c10::nullopt));
  show("linalg_vector_norm", nb::linalg_vector_norm(m));
  show("matrix_norm_fro", nb::linalg::matrix_norm(m, "fro", {-2, -1}, false, c10::nullopt));
  show("matrix_norm_1", nb::linalg::matrix_norm(m, 1, {1, 2}, false, c10::nullopt));
  show("matrix_norm_ninf", nb::linalg_matrix_norm(m, -INFINITY, {2, 0}, true));
  show("linalg_norm",
       nb::linalg::norm(m[0], c10::optional<nb::Scalar>(), c10::nullopt, false, c10::nullopt));
  show("linalg_norm_inf", nb::linalg::norm(m[1], INFINITY, c10::nullopt, false, c10::nullopt));
  show("linalg_norm_fro", nb::linalg_norm(m, "fro", {{0, 1}}));
  namespace F = nb::nn::functional;
  nb::Tensor u = m.view({4, 3}), v = f64({0.5, 1, -2}).expand({4, 3});
  show("normalize", F::normalize(u, F::NormalizeFuncOptions().p(1).dim(0)));
  show("cosine_similarity", F::cosine_similarity(u, v, F::CosineSimilarityFuncOptions().dim(1)));
  show("cosine_similarity_fn", nb::cosine_similarity(u, v, 0));
  show("pairwise_distance", F::pairwise_distance(u, v, F::PairwiseDistanceFuncOptions().p(1)));
  nb::nn::PairwiseDistance pdist(nb::nn::PairwiseDistanceOptions().keepdim(true));
  show("pairwise_distance_module", pdist(u, v));
  show("cdist", nb::cdist(u, m.view({2, 2, 3}).select(0, 1)));
  show("cdist_p1_batch", nb::cdist(m, u.narrow(0, 1, 3), 1.0));
  show("cdist_pinf_mode", nb::cdist(u, v, INFINITY, 2));
  nb::nn::CosineSimilarity cosine(nb::nn::CosineSimilarityOptions().dim(0));
  show("cosine_module", cosine(u, v));
  {  // factorizations: sign-free outputs (squared vectors), the default arguments of each form
    nb::Tensor a =
        nb::tensor({{4.0, 1.0, -2.0}, {1.0, 3.0, 0.5}, {-2.0, 0.5, 5.0}}, nb::dtype(nb::kFloat64))
            .requires_grad_();
    nb::Tensor l = nb::linalg::cholesky(a);
    show("cholesky", l + nb::linalg_cholesky(a, true) + a.cholesky());
    nb::Tensor rhs2 = nb::tensor({{1.0, 0.0}, {2.0, -1.0}, {0.5, 3.0}}, nb::dtype(nb::kFloat64));
    show("solve_triangular", nb::linalg::solve_triangular(l, rhs2, false, true, false) +
                                 nb::linalg_solve_triangular(l.t(), rhs2, true));
    show("cholesky_solve", nb::cholesky_solve(rhs2, l) + l.cholesky_inverse().sum());
    auto [evals, evecs] = nb::linalg::eigh(a, "L");
    show("eigh", evals.sum() + evecs.pow(2) + nb::linalg::eigvalsh(a, "U").unsqueeze(0));
    auto [u3, s3, vh3] = nb::linalg::svd(m.view({4, 3}), false, c10::nullopt);
    show("svd", u3.pow(2).sum(1) + s3.sum() + vh3.pow(2).sum());
    auto [uf, sf, vf] = nb::svd(m.view({3, 4}), false);
    show("svd_legacy", uf.pow(2).sum() + sf + vf.pow(2).sum(0).narrow(0, 0, 3));
    show("svdvals", nb::linalg::svdvals(m, c10::nullopt) + nb::linalg_svdvals(m.view({6, 2})));
    show("pinv", nb::linalg::pinv(m.view({4, 3})) + nb::pinverse(m.view({4, 3})));
    show("pinv_hermitian", nb::linalg::pinv(a, 1e-15, true));
    auto [q4, r4] = nb::linalg::qr(m.view({4, 3}), "reduced");
    auto [qc, rc] = m.view({3, 4}).qr(false);
    show("qr", q4.matmul(r4) + r4.abs().sum() + q4.abs().sum());
    show("qr_complete", qc.abs() + rc.abs().narrow(1, 0, 3));
    auto [ls_x, ls_res, ls_rank, ls_sv] =
        nb::linalg::lstsq(m.view({4, 3}) + nb::eye(4, 3, nb::dtype(nb::kFloat64)),
                          rhs2.narrow(0, 0, 2).t().repeat({2, 1}), c10::nullopt, "gelsd");
    show("lstsq", ls_x.sum(0) + ls_res + ls_rank + ls_sv.narrow(0, 0, 2));
    show("lstsq_default", std::get<0>(nb::linalg_lstsq(m.view({4, 3}), f64({1, 2, 3, 4}))));
    show("multi_dot", nb::linalg::multi_dot({f64({1, 2, 3}), m.view({3, 4}), m.view({4, 3})}) +
                          nb::linalg_multi_dot({m.view({2, 6}), m.view({6, 2})}).sum());
    nb::Tensor t4 = 3 * nb::eye(4, nb::dtype(nb::kFloat64)) +
                    nb::arange(16, nb::dtype(nb::kFloat64)).view({4, 4}) / 16;
    show("tensorinv", nb::linalg::tensorinv(t4.view({4, 2, 2}), 1).sum(-1) +
                          nb::linalg_tensorinv(t4.view({2, 2, 2, 2})).sum({2, 3}));
    show("tensorsolve", nb::linalg::tensorsolve(t4.view({2, 2, 4}), f64({1, -1, 2, 0}).view({2, 2}),
                                                c10::nullopt));
    nb::Tensor rank1 = f64({1, 2, 3}).unsqueeze(1).matmul(f64({1, -1}).unsqueeze(0));
    show("matrix_rank", nb::linalg::matrix_rank(rank1, 1e-6, false) + nb::linalg_matrix_rank(m) +
                            nb::linalg_matrix_rank(a, 2.0));
    show("matrix_norm_2", nb::linalg::matrix_norm(m, 2, {-2, -1}, false, c10::nullopt) +
                              nb::linalg_matrix_norm(m, -2) + nb::linalg_matrix_norm(m, "nuc"));
    (l.sum() + evals.pow(2).sum() + evecs.pow(2).sum() + nb::linalg_svdvals(a).sum() +
     nb::linalg::pinv(a).sum() + nb::linalg_matrix_norm(a, "nuc") +
     std::get<1>(nb::linalg_qr(a)).abs().sum())
        .backward();
    show("factorization_grads", a.grad());
  }
  {  // activations: the functional forms, the modules, the namespace-level and in-place spellings
    namespace F = nb::nn::functional;
    nb::Tensor h =
        f64({-7.0, -3.0, -1.5, -0.5, 0.0, 0.25, 0.8, 2.5, 3.0, 6.0, 30.0}).requires_grad_();
    show("selu_celu",
         F::selu(h) + F::celu(h, F::CELUFuncOptions().alpha(0.5)) + nb::selu(h) + nb::celu(h, 2.0));
    show("elu_general", nb::elu(h, 0.5, 2.0, 1.5) + nb::leaky_relu(h, 0.2));
    show("hardtanh_relu6", F::hardtanh(h, F::HardtanhFuncOptions().min_val(-2).max_val(2)) +
                               F::relu6(h) + nb::hardtanh(h, -1, 3) + nb::relu6(h));
    show("hard_sigmoid_swish", nb::hardsigmoid(h) + nb::hardswish(h));
    show("shrinks", F::hardshrink(h, 0.6) + F::softshrink(h, 0.6) + h.hardshrink() +
                        nb::softshrink(h) + F::tanhshrink(h));
    show("softplus", F::softplus(h, F::SoftplusFuncOptions().beta(2).threshold(5)) +
                         nb::softplus(h) + F::logsigmoid(h) + nb::log_sigmoid(h));
    show("mish_softsign_silu", F::mish(h) + nb::mish(h) + F::softsign(h) + nb::silu(h));
    show("threshold", F::threshold(h, F::ThresholdFuncOptions(0.5, -9)) + nb::threshold(h, 1, 2));
    show("rrelu_eval", F::rrelu(h) + nb::rrelu(h, 0.1, 0.3));
    nb::Tensor g6 = nb::arange(24, nb::dtype(nb::kFloat64)).view({2, 3, 4}) / 10 - 1;
    show("glu", F::glu(g6) + nb::glu(g6, 2) + F::glu(g6.narrow(1, 0, 2), 1).sum(-1, true));
    show("prelu", F::prelu(g6, f64({0.1, 0.2, 0.3})) + g6.prelu(f64({0.25})));
    show("softmin", F::softmin(g6, 1) + nb::nn::Softmin(2)(g6).sum(2, true));
    nb::Tensor x4 = g6.unsqueeze(0).repeat({1, 2, 1, 1}) * 3;
    nb::nn::Sequential acts(nb::nn::SELU(), nb::nn::CELU(), nb::nn::ReLU6(), nb::nn::Softplus(),
                            nb::nn::Mish(), nb::nn::Softsign(), nb::nn::GLU(1));
    show("activation_modules", acts->forward(x4));
    show("activation_modules_2",
         nb::nn::Softmax2d()(x4) + nb::nn::LogSigmoid()(x4) + nb::nn::Hardshrink()(x4) +
             nb::nn::Softshrink()(x4) + nb::nn::Tanhshrink()(x4) + nb::nn::Threshold(0.1, 20)(x4) +
             nb::nn::Hardtanh(nb::nn::HardtanhOptions().min_val(-2).max_val(2))(x4));
    nb::nn::PReLU prelu(nb::nn::PReLUOptions().num_parameters(3).init(0.2));
    prelu->to(nb::kFloat64);
    nb::nn::RReLU rrelu;
    rrelu->eval();
    (prelu(g6).pow(2).sum() + rrelu(h).sum() + F::hardtanh(h).sum() + nb::hardswish(h).sum() +
     F::softplus(h).sum() + F::mish(h).sum() + F::glu(g6 * h.sum()).sum())
        .backward();
    show("activation_grads", h.grad());
    show("prelu_weight_grad", prelu->weight.grad());
    nb::Tensor inplace = f64({-2.0, 0.5, 7.0});
    nb::relu6_(inplace);
    nb::hardswish_(inplace);
    nb::threshold_(inplace, 0.6, -1);
    show("inplace_activations", inplace);
  }
  {  // padding layers
    nb::Tensor img = nb::arange(24, nb::dtype(nb::kFloat64)).view({1, 2, 3, 4});
    show("reflection_pad",
         nb::nn::ReflectionPad2d(nb::nn::ReflectionPad2dOptions({1, 1, 2, 0}))(img));
    show("reflection_pad1d", nb::nn::ReflectionPad1d(2)(img[0]));
    show("replication_pad", nb::nn::ReplicationPad2d(2)(img).sum(1));
    show("replication_pad3d", nb::nn::ReplicationPad3d(1)(img).sum({1, 2}));
    show("zero_pad", nb::nn::ZeroPad2d(nb::ExpandingArray<4>({1, 2, 0, 1}))(img));
    show("constant_pad",
         nb::nn::ConstantPad1d(nb::nn::ConstantPad1dOptions({2, 0}, 3.5))(img[0]).sum(0));
    show("constant_pad3d", nb::nn::ConstantPad3d(1, -2.0)(img).sum(1).sum(0));
  }
  {  // special functions
    nb::Tensor v = f64({0.7, 1.5, 3.25, 12.0});
    show("lgamma_digamma", nb::lgamma(v) + v.digamma() * 2 + nb::lgamma(-v + 0.1));
    show("polygamma", nb::polygamma(1, v) + v.polygamma(2) * 3 + nb::polygamma(4, v - 2.5));
    show("special_ns", nb::special::gammaln(v) + nb::special::psi(v) +
                           nb::special::multigammaln(v + 1, 2) + nb::special::entr(v / 13) +
                           nb::special::ndtr(v - 2) + nb::special::expit(v));
    show("logit_sinc", nb::logit(v / 13) + v.logit(0.2) + nb::sinc(v - 1.5) + v.sinc());
    show("copysign", nb::copysign(v, f64({-1, 0.0, -0.0, 2})) + v.copysign(-2));
    show("signbit", f64({-0.0, 0.0, -3, 3}).signbit());
    show("float_power", nb::float_power(v, 1.5) + nb::float_power(2, v) + v.float_power(v));
    show("ldexp", nb::ldexp(v, nb::tensor({1, 2, -1, 0})));
    nb::Tensor g = f64({0.7, 1.5, 3.25}).requires_grad_();
    (g.lgamma().sum() + g.digamma().sum() + nb::logit(g / 4).sum() + g.sinc().sum() +
     g.copysign(-1.0).sum())
        .backward();
    show("special_grads", g.grad());
    show("bessel", nb::i0(v) + v.i0() + nb::special::i0(-v) + nb::special::i0e(v * 3) +
                       nb::special::i1(-v) + nb::special::i1e(v * 70));
    // (Not ndtr far in the left tail: LibTorch 1.13 computes it as (1 + erf) / 2, 0 below
    // about -8.3, where nabla keeps the digits: ndtr(-9.75) = 9.2e-23.)
    show("erfcx_ndtri", nb::special::erfcx(v * 3 - 5) + nb::special::log_ndtr(-v * 3) +
                            nb::special::ndtri(v / 13) + nb::special::ndtr(-v) * 3);
    show("zeta", nb::special::zeta(v + 1, v) + nb::special::zeta(v + 1.5, 2.0) +
                     nb::special::zeta(3.0, v) + nb::special::modified_bessel_i0(v) +
                     nb::special::modified_bessel_i1(v));
    show("gammainc", nb::special::gammainc(v, v * 0.8) + nb::special::gammaincc(v + 1, v) * 2 +
                         nb::igamma(v, v / 2) * 3 + v.igammac(v * 1.5) * 4);
    {
      nb::Tensor gx = f64({0.4, 1.7, 6.0}).requires_grad_();
      (nb::special::gammainc(f64({2.5, 2.5, 2.5}), gx).sum() +
       nb::special::gammaincc(f64({0.7, 3.0, 9.0}), gx * 2).sum())
          .backward();
      show("gammainc_grads", gx.grad());
    }
    // J and Y below 3: LibTorch 1.13's keep only 7-8 digits between 3 and 10.
    show("bessel_jy", nb::special::bessel_j0(v / 4) + nb::special::bessel_j1(-v / 4) * 2 +
                          nb::special::bessel_y0(v / 4) * 3 + nb::special::bessel_y1(v / 4) +
                          nb::special::spherical_bessel_j0(v));
    show("bessel_k", nb::special::modified_bessel_k0(v) + nb::special::modified_bessel_k1(v) * 2 +
                         nb::special::scaled_modified_bessel_k0(v * 3) +
                         nb::special::scaled_modified_bessel_k1(v * 10));
    // Ai away from (-4, -2.09), where LibTorch 1.13's switches to its asymptotic form too soon
    // (5.8e-8 off at -2.7).
    show("airy_ai", nb::special::airy_ai(f64({-7.3, -5.1, -1.2, 0.4, 1.7, 3.1})));
    {
      namespace sp = nb::special;
      const nb::Tensor c = f64({-0.9, 0.3, 0.7, 1.4}), n = nb::tensor({3, 7, 12, 20});
      show("chebyshev", sp::chebyshev_polynomial_t(c, n) + sp::chebyshev_polynomial_u(c, 4) +
                            sp::chebyshev_polynomial_v(c, n) * 2 +
                            sp::chebyshev_polynomial_w(0.35, n) * 3);
      show("chebyshev_shifted", sp::shifted_chebyshev_polynomial_t((c + 1) / 2, n) +
                                    sp::shifted_chebyshev_polynomial_u(c, 3) * 2 +
                                    sp::shifted_chebyshev_polynomial_v((c + 1) / 2, n) * 3 +
                                    sp::shifted_chebyshev_polynomial_w(0.6, n) * 4);
      show("hermite", sp::hermite_polynomial_h(c, n) + sp::hermite_polynomial_he(c, 5) * 2);
      show("laguerre_legendre", sp::laguerre_polynomial_l(c * 3, n) +
                                    sp::legendre_polynomial_p(c, n) * 2 +
                                    sp::legendre_polynomial_p(0.5, n.to(nb::kFloat64) + 0.5));
    }
    nb::Tensor h = f64({-0.4, 0.7, 9.5}).requires_grad_();
    (nb::special::i0e(h).sum() + nb::special::i1(h).sum() + nb::special::i1e(h).sum() +
     nb::special::erfcx(h).sum() + nb::special::log_ndtr(h).sum() +
     nb::special::ndtri(h.sigmoid()).sum() + nb::special::zeta(2.5, h + 1).sum())
        .backward();
    show("bessel_grads", h.grad());
    nb::Tensor inplace = v.clone();
    inplace.i0_();
    inplace.digamma_();
    inplace.mul_(0.5).sinc_();
    show("special_inplace", inplace);
  }
  {  // searching, counting, statistics, index sets
    nb::Tensor seq = f64({1, 2, 2, 3, 5});
    nb::Tensor vals = f64({0.5, 2, 2.5, 5, 6});
    show("searchsorted", nb::searchsorted(seq, vals) + nb::searchsorted(seq, vals, false, true));
    show("searchsorted_side", nb::searchsorted(seq, vals, true, false, "right").to(nb::kFloat64));
    show("searchsorted_scalar", nb::searchsorted(seq, 2.0));
    show("bucketize", nb::bucketize(vals, seq) + nb::bucketize(vals, seq, false, true));
    show("isin", nb::isin(vals, seq) + nb::isin(vals, seq, false, true).to(nb::kLong) * 2);
    nb::Tensor counts = nb::tensor({0, 3, 1, 3, 3});
    show("bincount", nb::bincount(counts) + counts.bincount({}, 6).narrow(0, 0, 4));
    show("bincount_weights", nb::bincount(counts, f64({0.5, 1, 2, 0.25, 1})));
    show("histc", nb::histc(vals, 4) + vals.histc(3, 0, 3).sum());
    nb::Tensor m = nb::arange(12, nb::dtype(nb::kFloat64)).view({3, 4}).sin();
    auto mm = m.aminmax(1);
    show("aminmax", std::get<0>(mm) + std::get<1>(mm) * 10);
    show("quantile", nb::quantile(m, f64({0.1, 0.5, 0.8}), 1, true) +
                         m.quantile(0.25, 0, false, "nearest").sum());
    show("nanquantile", nb::nanquantile(m, 0.5, 0, false, "midpoint"));
    show("cov", nb::cov(m) + m.cov(0, nb::tensor({1, 2, 1, 1}), f64({0.5, 1, 1, 2})));
    show("corrcoef", nb::corrcoef(m));
    show("trapezoid", nb::trapezoid(m) + nb::trapezoid(m, f64({0, 1, 3, 4})) + nb::trapz(m, 0.5) +
                          nb::cumulative_trapezoid(m, 2).sum(1));
    show("msort", nb::msort(m));
    show("tril_indices", nb::tril_indices(3, 4, 1) + nb::triu_indices(3, 4, -1).sum());
    show("combinations",
         nb::combinations(f64({1, 2, 4, 8}), 3) + nb::combinations(f64({1, 2}), 3, true).sum());
    show("cartesian_prod", nb::cartesian_prod({f64({1, 2}), f64({3, 4, 5})}));
    show("block_diag", nb::block_diag({m.narrow(0, 0, 2), f64({7, 8}), nb::tensor(9.0)}));
    show("any_all_dim", m.gt(0).any(1).to(nb::kFloat64) + m.gt(-0.9).all(1).to(nb::kFloat64) * 2);
    show("index_add", m.index_add(0, nb::tensor({2, 0}), m.narrow(0, 0, 2), 2));
  }
  {  // spatial transformers, channel shuffle, local response norm, alpha dropout
    namespace F = nb::nn::functional;
    nb::Tensor img = nb::arange(24, nb::dtype(nb::kFloat64)).view({1, 2, 3, 4}).sin();
    nb::Tensor theta = f64({0.9, 0.2, -0.1, -0.3, 1.1, 0.25}).view({1, 2, 3});
    nb::Tensor grid = F::affine_grid(theta, {1, 2, 3, 4}, false);
    show("affine_grid", grid);
    show("grid_sample", F::grid_sample(img, grid, F::GridSampleFuncOptions().align_corners(false)));
    show("grid_sample_border",
         F::grid_sample(img, grid * 1.5,
                        F::GridSampleFuncOptions().padding_mode(nb::kBorder).align_corners(true)));
    show("grid_sample_reflection",
         F::grid_sample(
             img, grid * 1.5,
             F::GridSampleFuncOptions().padding_mode(nb::kReflection).align_corners(false)));
    show("grid_sample_nearest",
         F::grid_sample(img, grid,
                        F::GridSampleFuncOptions().mode(nb::kNearest).align_corners(false)));
    show("grid_sampler", nb::grid_sampler(img, grid, 0, 2, true));
    nb::Tensor t = theta.clone().requires_grad_();
    nb::Tensor im = img.clone().requires_grad_();
    F::grid_sample(im, F::affine_grid(t, {1, 2, 3, 4}, false),
                   F::GridSampleFuncOptions().align_corners(false))
        .pow(2)
        .sum()
        .backward();
    show("grid_sample_grad_theta", t.grad());
    show("grid_sample_grad_input", im.grad());
    show("channel_shuffle", nb::channel_shuffle(img.repeat({1, 3, 1, 1}), 3));
    nb::nn::LocalResponseNorm lrn(nb::nn::LocalResponseNormOptions(3).alpha(0.5).beta(0.6).k(2));
    show("local_response_norm", lrn(img.repeat({1, 2, 1, 1})));
    nb::nn::AlphaDropout alpha(0.3);
    alpha->eval();
    show("alpha_dropout_eval",
         alpha(img) + F::alpha_dropout(img) + nb::alpha_dropout(img, 0.5, false));
  }
  {  // LU and the matrix exponential
    nb::Tensor A = nb::arange(9, nb::dtype(nb::kFloat64)).view({3, 3}).sin() * 2 +
                   nb::eye(3, nb::dtype(nb::kFloat64)).flip({0}) * 3;
    auto lu_piv = nb::linalg::lu_factor(A);
    show("lu_factor", std::get<0>(lu_piv));
    show("lu_pivots", std::get<1>(lu_piv).to(nb::kFloat64));
    auto plu = nb::linalg::lu(A);
    show("lu_p", std::get<0>(plu));
    show("lu_l", std::get<1>(plu));
    show("lu_u", std::get<2>(plu));
    auto unpacked = nb::lu_unpack(std::get<0>(lu_piv), std::get<1>(lu_piv));
    show("lu_unpack", std::get<0>(unpacked) + std::get<1>(unpacked) + std::get<2>(unpacked));
    nb::Tensor B = nb::arange(6, nb::dtype(nb::kFloat64)).view({3, 2}).cos();
    show("lu_solve",
         nb::linalg_lu_solve(std::get<0>(lu_piv), std::get<1>(lu_piv), B) +
             nb::linalg_lu_solve(std::get<0>(lu_piv), std::get<1>(lu_piv), B, true, true));
    show("lu_solve_right",
         nb::linalg_lu_solve(std::get<0>(lu_piv), std::get<1>(lu_piv), B.t(), false));
    show("lu_solve_tensor", B.lu_solve(std::get<0>(lu_piv), std::get<1>(lu_piv)));
    show("solve_ex", std::get<0>(nb::linalg::solve_ex(A, B, true, false)));
    show("solve_ex_info", std::get<1>(nb::linalg_solve_ex(A, B)).to(nb::kFloat64));
    show("inv_ex", std::get<0>(nb::linalg_inv_ex(A)));
    show("lu_factor_ex_info",
         std::get<2>(nb::linalg_lu_factor_ex(f64({1, 2, 2, 4}).view({2, 2}))).to(nb::kFloat64));
    show("matrix_exp", nb::linalg::matrix_exp(A) + (A * 3).matrix_exp() / 1000 +
                           nb::matrix_exp(A.unsqueeze(0)).squeeze(0));
    nb::Tensor G = A.clone().requires_grad_();
    auto f = nb::linalg::lu(G);
    (std::get<1>(f).sin().sum() + std::get<2>(f).pow(2).sum() + G.matrix_exp().sum() +
     std::get<0>(nb::linalg_lu_factor(G)).cos().sum())
        .backward();
    show("lu_matrix_exp_grad", G.grad());
  }
  // ---- autograd ----
  nb::Tensor x = f64({0.3, -1.2, 2.0}).requires_grad_();
  nb::Tensor w =
      nb::tensor({{0.1, 0.2, 0.3}, {-0.4, 0.5, 0.6}}, nb::dtype(nb::kFloat64)).requires_grad_();
  nb::Tensor y = w.matmul(x).tanh();
  nb::Tensor loss = (y * y).sum() + x.exp().mean();
  loss.backward();
  show("grad_x", x.grad());
  show("grad_w", w.grad());
  nb::Tensor z = (x * x * x).sum();
  auto g = nb::autograd::grad({z}, {x}, {}, true, true);
  auto gg = nb::autograd::grad({g[0].sum()}, {x});
  show("grad_grad", gg[0]);
  {
    nb::NoGradGuard no_grad;
    w -= 0.1 * w.grad();
  }
  show("sgd_step", w);
  nb::Tensor p = f64({1, 2, 3}).requires_grad_();
  nb::Tensor q = p.softmax(0).log().index({Slice(0, 2)}).sum();
  q.backward();
  show("grad_softmax_slice", p.grad());
  {  // LibTorch's small compositions (src/ops/compositions.cpp)
    const nb::Tensor u = f64({-1.25, 0.0, 2.5, 4.0}), w2 = f64({0.3, -0.7, 1.9, 4.0});
    show("addcmul_addcdiv", nb::addcmul(u, w2, u, 0.5) + u.addcdiv(w2, u + 5, -2));
    show("fmax_fmin", nb::fmax(u, w2) * 10 + u.fmin(w2));
    show("heaviside", nb::heaviside(u, f64({0.25})));
    show("angles_logaddexp2", nb::deg2rad(u * 30) + u.rad2deg() / 100 + nb::logaddexp2(u, w2));
    show("isinf_sides", nb::isposinf(u / 0).to(nb::kFloat64) - u.isneginf().to(nb::kFloat64) +
                            u.sgn() + nb::rsub(u, w2, 2));
    show("aliases", nb::greater(u, w2).to(nb::kFloat64) + u.greater_equal(0).to(nb::kFloat64) * 2 +
                        nb::less_equal(u, 1).to(nb::kFloat64) * 4 +
                        u.not_equal(w2).to(nb::kFloat64) * 8 + u.multiply(w2) +
                        nb::true_divide(u, 4));
    const nb::Tensor grid = nb::arange(12, nb::dtype(nb::kFloat64)).reshape({3, 4});
    show("hstack", nb::hstack({grid, grid.narrow(1, 0, 1)}));
    show("stacks", nb::vstack({grid, u}).sum(0) + nb::dstack({grid, grid}).sum(2).sum(0) +
                       nb::column_stack({u, u}).sum(1));
    show("atleast",
         nb::atleast_3d(u).sum(0) + nb::atleast_2d(u[0]) + nb::broadcast_to(u, {2, 4})[1]);
    const auto parts = grid.tensor_split(3, 1);
    const auto cuts = nb::tensor_split(grid, {1, -1}, 0);
    show("tensor_split", parts[0].sum(1) + parts[2].sum(1) + cuts[1].sum() + cuts[2].sum());
    show("hsplit_vsplit", grid.hsplit(2)[1].sum(1) + nb::vsplit(grid, 3)[2].sum());
    show("take_along_dim",
         grid.take_along_dim(grid.argsort(1, true), 1).select(1, 0) +
             nb::take_along_dim(grid, nb::tensor({int64_t{7}, int64_t{2}})).sum());
    show("products",
         nb::inner(grid, grid).sum(1) + nb::dist(u, w2) + u.dist(w2, 1) +
             nb::ger(u.narrow(0, 0, 3), w2.narrow(0, 0, 3)).sum(0) +
             nb::addmv(u.narrow(0, 0, 3) * 0 + 1, grid, u, 0.5, 2) +
             nb::addr(grid.narrow(1, 0, 3), u.narrow(0, 0, 3), w2.narrow(0, 0, 3), 2, -1).sum(1) +
             nb::diagflat(u.narrow(0, 0, 3)).sum(0));
    show("new_factories", u.new_zeros({2}) + u.new_ones({2}) + u.new_full({2}, 3.5) +
                              u.new_empty({2}).zero_() +
                              u.new_ones({2}, nb::kInt32).to(nb::kFloat64));
    const auto o = nb::dtype(nb::kFloat64);
    show("windows", nb::hann_window(6, o) + nb::hann_window(6, false, o) +
                        nb::hamming_window(6, o) + nb::hamming_window(6, false, 0.6, o) +
                        nb::blackman_window(6, o) + nb::bartlett_window(6, false, o) +
                        nb::kaiser_window(6, true, 5.0, o));
    show("windows_f32", nb::hann_window(5) + nb::kaiser_window(5) + nb::bartlett_window(5));
    const auto uc = nb::unique_consecutive(f64({1, 1, 2, 2, 3, 1, 1, 2}), true, true);
    show("unique_consecutive", std::get<0>(uc));
    show("unique_consecutive_inverse", std::get<1>(uc).to(nb::kFloat64) * 10 + 0.5);
    show("unique_consecutive_counts", std::get<2>(uc).to(nb::kFloat64) + 0.25);
    show("unique_consecutive_dim", std::get<0>(nb::unique_consecutive(
                                       f64({1, 2, 1, 2, 3, 4}).reshape({3, 2}), false, false, 0)));
    show("masked_scatter", grid.masked_scatter(grid.remainder(3).eq(0), u * 10));
    nb::Tensor diagonal = nb::zeros({7, 3}, nb::dtype(nb::kFloat64));
    diagonal.fill_diagonal_(2.5, true);
    show("fill_diagonal", diagonal);
    show("renorm_pdist_vander", grid.renorm(2, 0, 10).sum(1) +
                                    nb::pdist(grid, 1.5).narrow(0, 0, 3) +
                                    nb::vander(u.narrow(0, 0, 3)).sum(0));
    show("logspace",
         nb::logspace(-1, 2, 4, 10.0, nb::dtype(nb::kFloat64)) + nb::logspace(0, 3, 4, 2.0));
    std::printf(
        "result_types %d %d %d %d %d %d\n", nb::result_type(nb::tensor({1}), 1.5) == nb::kFloat,
        nb::result_type(2, nb::ones({1}, nb::kInt)) == nb::kInt,
        nb::result_type(2, 3.0) == nb::kFloat, nb::promote_types(nb::kInt, nb::kHalf) == nb::kHalf,
        nb::can_cast(nb::kFloat, nb::kInt), nb::can_cast(nb::kLong, nb::kHalf));
    show("scalar_tensor_strided", nb::scalar_tensor(2.5, nb::dtype(nb::kFloat64)) +
                                      nb::empty_strided({2, 3}, {1, 2}).fill_(1).sum());
    show("norm_names", nb::frobenius_norm(grid) + nb::frobenius_norm(grid, {1}).sum() +
                           nb::nuclear_norm(grid) + nb::mvlgamma(grid + 1, 2).sum() +
                           nb::linalg_vecdot(grid, grid).sum() + (grid + 2).mvlgamma(3).sum());
    show("chain_concat", nb::chain_matmul({grid, grid.t(), grid}).sum(0) +
                             nb::concat({u, u}).narrow(0, 2, 4) +
                             nb::concatenate({u, u}, 0).narrow(0, 1, 4));
    const nb::Tensor tri = grid.narrow(1, 0, 3).triu() + 3 * nb::eye(3, nb::dtype(nb::kFloat64));
    show("triangular_solve",
         std::get<0>(nb::triangular_solve(grid, tri)) +
             std::get<0>(nb::triangular_solve(grid, tri.t(), false, true, true)));
  }
  {  // what prabhuomkar/pytorch-cpp's tutorials call
    const nb::Tensor seq = nb::arange(10, nb::dtype(nb::kFloat64));
    show("unfold", seq.unfold(0, 4, 3) + seq.reshape({2, 5}).unfold(1, 2, 2).sum());
    nb::Tensor g = f64({1, 2, 3, 4, 5, 6}).reshape({2, 3});
    g.unsqueeze_(0);
    show("unsqueeze_", g);
    g.squeeze_().t_();
    show("squeeze_t_", g);
    g.transpose_(0, 1).unsqueeze_(2).squeeze_(2);
    show("transpose_", g);
    const auto rows =
        nb::unique_dim(f64({1, 2, 0, 5, 1, 2, 0, 3}).reshape({4, 2}), 0, true, true, true);
    show("unique_dim", std::get<0>(rows));
    show("unique_dim_inverse", std::get<1>(rows).to(nb::kFloat64));
    show("unique_dim_counts", std::get<2>(rows).to(nb::kFloat64));
    const auto flat = nb::_unique2(f64({3, 1, 2, 3, 1}), true, true, true);
    show("unique2", std::get<0>(flat) + std::get<2>(flat).to(nb::kFloat64) * 10);
    show("unique2_inverse", std::get<1>(flat).to(nb::kFloat64));
    const nb::Tensor image = nb::arange(12, nb::dtype(nb::kFloat64)).reshape({1, 3, 4});
    show("reflection_pad2d", nb::reflection_pad2d(image, {1, 2, 2, 0}));
    show("replication_pad1d", nb::replication_pad1d(image, {2, 1}));
    const nb::Tensor a = f64({1, 5, -2}), b = f64({2, 3, 0});
    show("max_min_tensors", nb::max(a, b) + nb::min(a, b) * 10 + a.max(b) * 100 + a.min(b) * 1000);
    nb::Tensor out = nb::empty({0}, nb::dtype(nb::kFloat64));
    nb::add_out(out, a, b, 2);
    show("add_out", out);
    nb::mm_out(out, image[0], image[0].t());
    show("mm_out", out);
    // An out of the right shape is written in place; a strided one keeps its strides; an
    // elementwise out that is also an input works as the in-place op. (An out overlapping an
    // input otherwise: LibTorch raises in cat_out and add_out and computes zeros in
    // mm_out(a, a, a); nabla computes from the inputs as they were, docs/api-differences.md.)
    const void* buffer = out.data_ptr();
    nb::matmul_out(out, image[0] * 2, image[0].t());
    nb::mul_out(out, out, f64({1, 2, 3}));
    std::printf("out_in_place %d\n", (int)(out.data_ptr() == buffer));
    show("matmul_out_mul_out", out);
    nb::Tensor strided = nb::empty({3, 3}, nb::dtype(nb::kFloat64)).t();
    nb::mm_out(strided, image[0], image[0].t());
    std::printf("strided_out %ld %ld\n", (long)strided.stride(0), (long)strided.stride(1));
    show("strided_mm_out", strided);
    nb::Tensor stacked = nb::empty({0}, nb::dtype(nb::kFloat64));
    nb::stack_out(stacked, {a, b}, 1);
    show("stack_out", stacked);
    const nb::Tensor ints = nb::tensor({5, -7, 0, 12, -64}),
                     others = nb::tensor({3, -21, 0, 18, 4});
    show("gcd_lcm", (nb::gcd(ints, others) + ints.lcm(others) * 100).to(nb::kFloat64));
    show("shifts", (nb::bitwise_left_shift(ints, nb::tensor({1, 2, 3, 4, 5})) +
                    ints.__rshift__(2) * 1000 + nb::bitwise_right_shift(-100, others.abs() % 8))
                       .to(nb::kFloat64));
    nb::Tensor shifted = ints.clone();
    shifted.__ilshift__(nb::tensor({0, 1, 2, 3, 4}));
    shifted.gcd_(nb::full_like(shifted, 6));
    show("shifts_in_place", shifted.to(nb::kFloat64));
    std::printf("to_backend %d\n", (int)ints.toBackend(c10::Backend::CPU).is_cpu());
    nb::Tensor compared = f64({1, 2, 3});
    compared.lt_(f64({2, 2, 2})).logical_not_();
    show("lt_logical_not_", compared);
    nb::Tensor divided = nb::tensor({7, -7});
    divided.divide_(2, "floor");
    show("divide_floor_", divided.to(nb::kFloat64));
    nb::Tensor accumulated = nb::zeros({2, 2}, nb::dtype(nb::kFloat64));
    accumulated.addmm_(nb::eye(2, nb::dtype(nb::kFloat64)),
                       nb::ones({2, 2}, nb::dtype(nb::kFloat64)), 1, 2);
    show("addmm_", accumulated);
    const nb::Tensor grid = nb::arange(6, nb::dtype(nb::kFloat64)).reshape({2, 3});
    show("sum_to_size", grid.sum_to_size({1, 3}));
    show("argwhere", nb::argwhere(grid > 3).to(nb::kFloat64));
    show("ravel_mT", grid.mT().ravel());
    show("narrow_copy", grid.narrow_copy(1, 1, 2));
    std::printf("is_nonzero %d %d\n", (int)f64({0.5}).is_nonzero(), (int)grid.is_same_size(grid));
    nb::Tensor resized = nb::arange(6, nb::dtype(nb::kFloat64));
    resized.resize_({2, 2});
    show("resize_", resized);
    const std::vector<int64_t> shape{8, 3, 4};
    std::printf("arrayref_slice %ld %ld\n", (long)nb::IntArrayRef(shape).slice(1)[0],
                (long)nb::IntArrayRef(shape).slice(1, 1).size());
    {
      c10::InferenceMode guard;
      std::printf("inference_mode %d\n", (int)at::GradMode::is_enabled());
    }
    show("data", a.data() * 2);
    // torch::normal is the sized factory only; the tensor forms are at::'s (nabla: both).
    show("normal_std0", at::normal(a, 0.0) +
                            at::normal(1.5, nb::zeros({3}, nb::dtype(nb::kFloat64))) +
                            at::normal(a, nb::zeros({2, 1}, nb::dtype(nb::kFloat64))).sum(0));
    std::printf("normal_sized %d %d\n", (int)nb::normal(0, 1, {3, 1}).size(0),
                (int)(nb::normal(0, 1, {2}).scalar_type() == nb::kFloat));
    std::ostringstream options;
    options << nb::TensorOptions().dtype(nb::kFloat64) << " | " << nb::TensorOptions() << " | "
            << nb::TensorOptions().dtype(nb::kLong).requires_grad(false);
    std::printf("options %s\n", options.str().c_str());
  }
  {  // scatter_reduce, index_reduce, scatter's reduce, rounded division
    nb::Tensor self = f64({10, 20, 30}).requires_grad_();
    nb::Tensor src = f64({1, -8, 5, 2}).requires_grad_();
    const nb::Tensor index = nb::tensor({0, 0, 2, 2}, nb::dtype(nb::kLong));
    nb::Tensor total = self.sum() * 0;
    for (const char* how : {"sum", "prod", "mean", "amax", "amin"}) {
      for (const bool include_self : {true, false}) {
        nb::Tensor r = self.scatter_reduce(0, index, src, how, include_self);
        show(std::string("scatter_reduce_") + how + (include_self ? "" : "_no_self"), r);
        total = total + (r * f64({1, 2, 3})).sum();
      }
    }
    total.backward();
    show("scatter_reduce_grad_self", self.grad());
    show("scatter_reduce_grad_src", src.grad());
    const nb::Tensor ints = nb::tensor({10, 20, 30}, nb::dtype(nb::kLong));
    show("scatter_reduce_int_mean",
         ints.scatter_reduce(0, index, nb::tensor({1, -8, 5, 2}, nb::dtype(nb::kLong)), "mean"));
    nb::Tensor rows = f64({1, 2, 3, 4, 5, -1}).view({3, 2});
    show("index_reduce",
         nb::zeros({3, 2}, nb::dtype(nb::kFloat64))
             .index_reduce(0, nb::tensor({2, 0, 2}, nb::dtype(nb::kLong)), rows, "amax", false));
    show("scatter_multiply", f64({5, 3}).scatter(0, index.slice(0, 0, 2), f64({2, 4}), "multiply"));
    const nb::Tensor a = nb::tensor({7, -7, 7, -7}, nb::dtype(nb::kLong));
    const nb::Tensor b = nb::tensor({2, 2, -2, -2}, nb::dtype(nb::kLong));
    show("div_floor", a.div(b, "floor"));
    show("div_trunc", nb::div(a, b, "trunc"));
    show("floor_divide", nb::floor_divide(f64({1, -1, 5.5}), f64({0.1, 0.1, -2})));
    nb::Tensor q = a.clone();
    q.floor_divide_(3);
    show("floor_divide_", q);
  }
  {  // AnyModule with any arguments; sum over an OptionalIntArrayRef; printed containers
    nb::nn::Sequential blocks;
    blocks->push_back(MaskedScale());
    blocks->push_back(MaskedScale());
    nb::Tensor x = nb::ones({2, 2});
    const nb::Tensor mask = f64({1, 0.5});
    for (auto& block : *blocks.ptr()) x = block.forward(x, mask, 3.0);
    show("any_module_args", x);
    // Within one statement: LibTorch's OptionalArrayRef from a braced list dangles after it.
    show("sum_optional_dims", nb::sum(x, c10::OptionalArrayRef<int64_t>({1}), true));
    std::ostringstream printed;
    printed << std::vector<std::string>{"a", "b"} << "|" << std::vector<int64_t>{1, 2};
    std::printf("printed_vectors %s\n", printed.str().c_str());
  }
  {  // LBFGS with and without the line search, on Rosenbrock's function
    for (const bool wolfe : {false, true}) {
      nb::Tensor xy = f64({-1.5, 2.0}).requires_grad_();
      auto options = nb::optim::LBFGSOptions(wolfe ? 1.0 : 0.01).max_iter(7).history_size(5);
      if (wolfe) options.line_search_fn("strong_wolfe");
      nb::optim::LBFGS opt({xy}, options);
      auto closure = [&] {
        opt.zero_grad();
        nb::Tensor loss = (1 - xy[0]).pow(2) + 100 * (xy[1] - xy[0] * xy[0]).pow(2);
        loss.backward();
        return loss;
      };
      nb::Tensor first = opt.step(closure);
      opt.step(closure);
      show(wolfe ? "lbfgs_wolfe" : "lbfgs", nb::cat({xy.detach(), first.detach().reshape({1})}));
    }
  }
  return 0;
}
