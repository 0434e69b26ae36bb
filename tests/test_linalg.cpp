// Matrix products: mm, bmm, matmul, addmm, dot, outer. Forward values against hand-computed
// answers and naive loops, strided/transposed operands, zero sizes, errors, and float64
// gradients against central differences.
#include <gtest/gtest.h>
#include <nabla/nabla.h>

#include <cmath>
#include <functional>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "test_util.h"

using namespace nabla;  // NOLINT

namespace {

std::vector<double> values(const Tensor& t) {
  Tensor c = t.detach().to(kDouble).contiguous();
  const double* p = c.data_ptr<double>();
  return std::vector<double>(p, p + c.numel());
}

// Deterministic pseudo-random float64 values in [-1, 1), as a leaf.
Tensor rnd(std::vector<int64_t> shape, uint64_t seed, bool grad = true) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  std::vector<double> v(n);
  uint64_t x = seed * 6364136223846793005ULL + 1442695040888963407ULL;
  for (auto& e : v) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    e = static_cast<double>(x >> 11) / static_cast<double>(1ULL << 53) * 2.0 - 1.0;
  }
  Tensor t = tensor(v, kDouble).reshape(shape).detach();
  return grad ? t.requires_grad_(true) : t;
}

void expect_values(const Tensor& t, const std::vector<double>& expected, double tol = 1e-5) {
  const auto got = values(t);
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], expected[i], tol) << "at " << i;
}

void expect_close(const Tensor& a, const Tensor& b, double tol = 1e-5) {
  ASSERT_EQ(a.sizes().vec(), b.sizes().vec());
  expect_values(a, values(b), tol);
}

// Naive reference product of two 2-D tensors in double.
Tensor ref_mm(const Tensor& a, const Tensor& b) {
  const auto av = values(a), bv = values(b);
  const int64_t n = a.size(0), k = a.size(1), m = b.size(1);
  std::vector<double> out(n * m, 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t p = 0; p < k; ++p)
      for (int64_t j = 0; j < m; ++j) out[i * m + j] += av[i * k + p] * bv[p * m + j];
  return tensor(out, kDouble).reshape({n, m});
}

// Compares the gradients backward() gives with central differences of <f(x), w> for a fixed
// projection w, for every input (all float64 leaves).
void check_grad(const std::function<Tensor(const std::vector<Tensor>&)>& f,
                std::vector<Tensor> inputs, double tol = 1e-6) {
  Tensor out = f(inputs);
  const Tensor w = rnd(out.sizes().vec(), 99, false);
  const auto wv = values(w);
  auto project = [&](const Tensor& o) {
    const auto ov = values(o);
    double s = 0;
    for (size_t i = 0; i < ov.size(); ++i) s += ov[i] * wv[i];
    return s;
  };
  out.backward(w);
  const double eps = 1e-6;
  for (size_t i = 0; i < inputs.size(); ++i) {
    ASSERT_TRUE(inputs[i].grad().defined()) << "input " << i << " got no gradient";
    ASSERT_EQ(inputs[i].grad().sizes().vec(), inputs[i].sizes().vec());
    const auto analytic = values(inputs[i].grad());
    double* p = inputs[i].data_ptr<double>();
    for (int64_t j = 0; j < inputs[i].numel(); ++j) {
      const double orig = p[j];
      double plus, minus;
      {
        NoGradGuard g;
        p[j] = orig + eps;
        plus = project(f(inputs));
        p[j] = orig - eps;
        minus = project(f(inputs));
        p[j] = orig;
      }
      EXPECT_NEAR(analytic[j], (plus - minus) / (2 * eps), tol)
          << "input " << i << " element " << j;
    }
  }
}

#define EXPECT_ERROR(stmt, text)                                                  \
  do {                                                                            \
    try {                                                                         \
      (void)(stmt);                                                               \
      ADD_FAILURE() << "expected nabla::Error containing: " << (text);            \
    } catch (const nabla::Error& e) {                                             \
      EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what(); \
    }                                                                             \
  } while (0)

}  // namespace

// ---- forward values ------------------------------------------------------------------------

TEST(Mm, HandComputed) {
  auto a = tensor({{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}});
  auto b = tensor({{7.0, 8.0}, {9.0, 10.0}, {11.0, 12.0}});
  auto c = mm(a, b);
  EXPECT_EQ(c.sizes().vec(), std::vector<int64_t>({2, 2}));
  EXPECT_EQ(c.scalar_type(), kFloat);
  expect_values(c, {58, 64, 139, 154});
  expect_values(a.to(kDouble).mm(b.to(kDouble)), {58, 64, 139, 154});
  auto ci = tensor({{1, 2, 3}, {4, 5, 6}}).mm(tensor({{7, 8}, {9, 10}, {11, 12}}));
  EXPECT_EQ(ci.scalar_type(), kLong);
  expect_values(ci, {58, 64, 139, 154});
  auto cb = tensor({{1, 2}}).to(kByte).mm(tensor({{3}, {4}}).to(kByte));
  EXPECT_EQ(cb.scalar_type(), kByte);
  expect_values(cb, {11});
  auto ci32 = tensor({{2, -1}}).to(kInt).mm(tensor({{3}, {4}}).to(kInt));
  expect_values(ci32, {2});
}

TEST(Mm, TransposedAndStridedOperands) {
  auto a = rnd({5, 7}, 1, false), b = rnd({7, 4}, 2, false);
  auto expected = ref_mm(a, b);
  auto at = a.t().contiguous().t();  // column-major storage, read as transposed by BLAS
  auto bt = b.t().contiguous().t();
  EXPECT_FALSE(at.is_contiguous());
  expect_close(mm(at, b), expected, 1e-12);
  expect_close(mm(a, bt), expected, 1e-12);
  expect_close(mm(at, bt), expected, 1e-12);
  // Every other column: neither row- nor column-major, so it is copied first.
  auto wide = rnd({5, 14}, 3, false);
  auto strided = wide.slice(1, 0, 14, 2);
  expect_close(mm(strided, b), ref_mm(strided.contiguous(), b), 1e-12);
  // Float32 through sgemm, and a broadcast (stride 0) operand.
  auto af = a.to(kFloat), bf = b.to(kFloat);
  expect_close(mm(af.t().contiguous().t(), bf), expected, 1e-5);
  auto row = rnd({1, 7}, 4, false).expand({5, 7});
  expect_close(mm(row, b), ref_mm(row.contiguous(), b), 1e-12);
  // A column vector with arbitrary strides on its size-1 dim.
  auto col = rnd({7, 1}, 5, false);
  expect_close(mm(a, col), ref_mm(a, col), 1e-12);
}

TEST(Mm, LargerThanBlasThreshold) {
  auto a = rnd({65, 33}, 6, false), b = rnd({33, 70}, 7, false);
  expect_close(mm(a, b), ref_mm(a, b), 1e-10);
  expect_close(mm(a.to(kFloat), b.to(kFloat)), ref_mm(a, b), 1e-4);
}

TEST(Mm, ZeroSizes) {
  auto c = mm(ones({2, 0}), ones({0, 3}));
  EXPECT_EQ(c.sizes().vec(), std::vector<int64_t>({2, 3}));
  expect_values(c, std::vector<double>(6, 0.0));
  EXPECT_EQ(mm(ones({0, 3}), ones({3, 2})).sizes().vec(), std::vector<int64_t>({0, 2}));
  EXPECT_EQ(mm(ones({2, 3}), ones({3, 0})).sizes().vec(), std::vector<int64_t>({2, 0}));
  auto ci = mm(ones({2, 0}, kLong), ones({0, 2}, kLong));
  expect_values(ci, {0, 0, 0, 0});
}

TEST(Mm, ResultIsNotAView) {
  auto x = rnd({2, 3}, 8), w = rnd({3, 2}, 9);
  auto y = mm(x, w);
  y.add_(1.0);  // allowed: the product is a fresh tensor
  EXPECT_EQ(y.grad_fn()->name(), "AddBackward0");
  auto z = matmul(rnd({2, 2, 3}, 1), w);
  z.mul_(2.0);
  auto v = matmul(x, rnd({3}, 2));
  v.mul_(2.0);
}

TEST(Bmm, ValuesAndLayouts) {
  auto a = tensor({{{1.0, 2.0}, {3.0, 4.0}}, {{0.0, 1.0}, {1.0, 0.0}}});
  auto b = tensor({{{5.0, 6.0}, {7.0, 8.0}}, {{1.0, 2.0}, {3.0, 4.0}}});
  expect_values(bmm(a, b), {19, 22, 43, 50, 3, 4, 1, 2});
  // Many small matrices (the per-matrix loop kernel) and a few large (BLAS), with a
  // transposed operand in each.
  for (auto dims : {std::vector<int64_t>{50, 3, 4, 2}, std::vector<int64_t>{3, 30, 20, 25}}) {
    const int64_t B = dims[0], n = dims[1], k = dims[2], m = dims[3];
    auto x = rnd({B, n, k}, 10, false), y = rnd({B, m, k}, 11, false).transpose(1, 2);
    auto r = bmm(x, y);
    for (int64_t i : {int64_t(0), B - 1}) expect_close(r[i], ref_mm(x[i], y[i]), 1e-10);
    auto rf = bmm(x.to(kFloat), y.to(kFloat));
    for (int64_t i : {int64_t(0), B - 1}) expect_close(rf[i], ref_mm(x[i], y[i]), 1e-4);
  }
  EXPECT_EQ(bmm(ones({0, 2, 3}), ones({0, 3, 4})).sizes().vec(), std::vector<int64_t>({0, 2, 4}));
  expect_values(bmm(ones({2, 1, 0}), ones({2, 0, 1})), {0, 0});
}

TEST(Matmul, AllRankCombinations) {
  auto v3 = tensor({1.0, 2.0, 3.0});
  auto m23 = tensor({{1.0, 0.0, 2.0}, {0.0, 1.0, 1.0}});
  auto m32 = tensor({{1.0, 2.0}, {3.0, 4.0}, {5.0, 6.0}});
  auto d = matmul(v3, v3);
  EXPECT_EQ(d.dim(), 0);
  expect_values(d, {14});
  auto mv = matmul(m23, v3);
  EXPECT_EQ(mv.sizes().vec(), std::vector<int64_t>({2}));
  expect_values(mv, {7, 5});
  auto vm = matmul(v3, m32);
  EXPECT_EQ(vm.sizes().vec(), std::vector<int64_t>({2}));
  expect_values(vm, {22, 28});
  expect_values(matmul(m23, m32), {11, 14, 8, 10});
  // Batched x matrix (folded into one mm), batched x vector.
  auto b = rnd({4, 2, 3}, 12, false);
  auto r = matmul(b, m32.to(kDouble));
  EXPECT_EQ(r.sizes().vec(), std::vector<int64_t>({4, 2, 2}));
  for (int64_t i = 0; i < 4; ++i) expect_close(r[i], ref_mm(b[i], m32.to(kDouble)), 1e-12);
  auto rv = matmul(b, v3.to(kDouble));
  EXPECT_EQ(rv.sizes().vec(), std::vector<int64_t>({4, 2}));
  expect_close(rv[3], ref_mm(b[3], v3.to(kDouble).reshape({3, 1})).reshape({2}), 1e-12);
  // Vector x batched, matrix x batched.
  auto c = rnd({4, 3, 5}, 13, false);
  auto r2 = matmul(v3.to(kDouble), c);
  EXPECT_EQ(r2.sizes().vec(), std::vector<int64_t>({4, 5}));
  expect_close(r2[1], ref_mm(v3.to(kDouble).reshape({1, 3}), c[1]).reshape({5}), 1e-12);
  auto r3 = matmul(m23.to(kDouble), c);
  EXPECT_EQ(r3.sizes().vec(), std::vector<int64_t>({4, 2, 5}));
  expect_close(r3[2], ref_mm(m23.to(kDouble), c[2]), 1e-12);
}

TEST(Matmul, BroadcastBatchDims) {
  auto a = rnd({2, 1, 3, 4}, 14, false), b = rnd({5, 4, 2}, 15, false);
  auto r = matmul(a, b);
  EXPECT_EQ(r.sizes().vec(), std::vector<int64_t>({2, 5, 3, 2}));
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 5; ++j) expect_close(r[i][j], ref_mm(a[i][0], b[j]), 1e-12);
  // Transposed batched operand.
  auto bt = rnd({5, 2, 4}, 16, false).transpose(1, 2);
  auto r2 = matmul(a, bt);
  expect_close(r2[1][3], ref_mm(a[1][0], bt[3]), 1e-12);
  EXPECT_EQ(matmul(ones({0, 2, 3}), ones({3, 4})).sizes().vec(), std::vector<int64_t>({0, 2, 4}));
  EXPECT_EQ(matmul(ones({2, 0, 3}), ones({1, 3, 4})).sizes().vec(),
            std::vector<int64_t>({2, 0, 4}));
}

TEST(Addmm, ValuesBroadcastAndBetaZero) {
  auto self = tensor({10.0, 20.0});
  auto m1 = tensor({{1.0, 2.0}, {3.0, 4.0}});
  auto m2 = tensor({{1.0, 0.0}, {0.0, 1.0}});
  expect_values(addmm(self, m1, m2, 0.5, 2.0), {7, 14, 11, 18});
  expect_values(self.addmm(m1, m2), {11, 22, 13, 24});
  const double nan = std::numeric_limits<double>::quiet_NaN();
  auto bad = tensor({{nan, nan}, {nan, nan}});
  expect_values(addmm(bad, m1, m2, 0.0), {1, 2, 3, 4});
  expect_values(
      addmm(tensor({{1, 1}, {1, 1}}), tensor({{1, 2}, {3, 4}}), tensor({{1, 0}, {0, 1}}), 2, 3),
      {5, 8, 11, 14});
  // k == 0: beta * self.
  expect_values(addmm(ones({2, 2}), ones({2, 0}), ones({0, 2}), 3.0), {3, 3, 3, 3});
}

TEST(DotOuter, Values) {
  auto a = tensor({1.0, 2.0, 3.0}), b = tensor({4.0, -5.0, 6.0});
  auto d = dot(a, b);
  EXPECT_EQ(d.dim(), 0);
  EXPECT_FLOAT_EQ(d.item<float>(), 12.0f);
  EXPECT_EQ(tensor({1, 2}).dot(tensor({3, 4})).item<int64_t>(), 11);
  EXPECT_FLOAT_EQ(dot(ones({0}), ones({0})).item<float>(), 0.0f);
  // A strided vector.
  auto s = tensor({1.0, 9.0, 2.0, 9.0, 3.0}).slice(0, 0, 5, 2);
  EXPECT_FLOAT_EQ(dot(s, b).item<float>(), 12.0f);
  auto o = outer(a, tensor({1.0, 10.0}));
  EXPECT_EQ(o.sizes().vec(), std::vector<int64_t>({3, 2}));
  expect_values(o, {1, 10, 2, 20, 3, 30});
  EXPECT_EQ(outer(tensor({1, 2}), tensor({0.5})).scalar_type(), kFloat);
}

// ---- errors ----------------------------------------------------------------------------------

TEST(LinalgErrors, Messages) {
  EXPECT_ERROR(mm(ones({3, 4}), ones({5, 2})),
               "[mm] shapes [3, 4] and [5, 2] cannot be multiplied (4 != 5)");
  EXPECT_ERROR(mm(ones({3}), ones({3, 2})), "[mm] self must be a matrix");
  EXPECT_ERROR(mm(ones({3, 2}), ones({2, 2, 2})), "[mm] mat2 must be a matrix");
  EXPECT_ERROR(mm(ones({2, 2}), ones({2, 2}, kDouble)),
               "[mm] expected m1 and m2 to have the same dtype, but got: float32 != float64");
  EXPECT_ERROR(mm(ones({2, 2}, kBool), ones({2, 2}, kBool)), "[mm] not implemented for dtype bool");
  EXPECT_ERROR(mm(Tensor(), ones({2, 2})), "[mm]");
  EXPECT_ERROR(bmm(ones({2, 3}), ones({2, 3, 4})), "[bmm] batch1 must be a 3-D tensor");
  EXPECT_ERROR(bmm(ones({2, 2, 3}), ones({3, 3, 4})), "[bmm] batch sizes");
  EXPECT_ERROR(bmm(ones({2, 2, 3}), ones({2, 4, 4})),
               "[bmm] shapes [2, 2, 3] and [2, 4, 4] cannot be multiplied (3 != 4)");
  EXPECT_ERROR(matmul(ones({}), ones({2})), "[matmul] both arguments need at least 1 dimension");
  EXPECT_ERROR(matmul(ones({2, 3}), ones({4})),
               "[matmul] shapes [2, 3] and [4] cannot be multiplied (3 != 4)");
  EXPECT_ERROR(matmul(ones({2, 2, 3}), ones({3, 3, 1})), "[matmul] shapes");
  EXPECT_ERROR(matmul(ones({2, 2, 3}), ones({3, 3, 1})), "cannot be broadcast");
  EXPECT_ERROR(matmul(ones({2, 3}), ones({3}, kDouble)), "[matmul] expected m1 and m2");
  EXPECT_ERROR(dot(ones({2, 2}), ones({2})), "[dot] 1D tensors expected, but got 2D and 1D");
  EXPECT_ERROR(dot(ones({3}), ones({4})), "[dot] inconsistent tensor size");
  EXPECT_ERROR(dot(ones({3}), ones({3}, kDouble)),
               "[dot] expected both vectors to have same dtype");
  EXPECT_ERROR(outer(ones({2, 2}), ones({2})), "[outer] expected 1-D argument self");
  EXPECT_ERROR(addmm(ones({3}), ones({2, 2}), ones({2, 2})), "[addmm] self of shape [3]");
  EXPECT_ERROR(addmm(ones({2, 2}), ones({2, 3}), ones({2, 2})),
               "[addmm] shapes [2, 3] and [2, 2] cannot be multiplied (3 != 2)");
  EXPECT_ERROR(addmm(ones({2, 2}, kLong), ones({2, 2}, kLong), ones({2, 2}, kLong), 0.5),
               "[addmm] for integral input tensors, argument beta");
  EXPECT_ERROR(addmm(ones({2, 2}, kDouble), ones({2, 2}), ones({2, 2})),
               "[addmm] expected self and mat1 to have the same dtype");
}

// ---- gradients -------------------------------------------------------------------------------

TEST(LinalgGrad, Mm) {
  check_grad([](const std::vector<Tensor>& x) { return mm(x[0], x[1]); },
             {rnd({3, 4}, 20), rnd({4, 2}, 21)});
  // Transposed views as inputs.
  check_grad([](const std::vector<Tensor>& x) { return mm(x[0].t(), x[1].t()); },
             {rnd({4, 3}, 22), rnd({2, 4}, 23)});
  auto y = mm(rnd({2, 2}, 1), rnd({2, 2}, 2));
  EXPECT_EQ(y.grad_fn()->name(), "MmBackward0");
}

TEST(LinalgGrad, Bmm) {
  check_grad([](const std::vector<Tensor>& x) { return bmm(x[0], x[1]); },
             {rnd({2, 3, 4}, 24), rnd({2, 4, 2}, 25)});
  EXPECT_EQ(bmm(rnd({1, 2, 2}, 1), rnd({1, 2, 2}, 2)).grad_fn()->name(), "BmmBackward0");
}

TEST(LinalgGrad, MatmulVariants) {
  auto f = [](const std::vector<Tensor>& x) { return matmul(x[0], x[1]); };
  check_grad(f, {rnd({3}, 26), rnd({3}, 27)});
  check_grad(f, {rnd({2, 3}, 28), rnd({3}, 29)});
  check_grad(f, {rnd({3}, 30), rnd({3, 2}, 31)});
  check_grad(f, {rnd({2, 2, 3}, 32), rnd({3, 2}, 33)});
  check_grad(f, {rnd({2, 2, 3}, 34), rnd({3}, 35)});
  check_grad(f, {rnd({3}, 36), rnd({2, 3, 2}, 37)});
  check_grad(f, {rnd({2, 3}, 38), rnd({2, 3, 2}, 39)});
  // Broadcast batch dims: gradients summed over the broadcast.
  check_grad(f, {rnd({2, 1, 2, 3}, 40), rnd({3, 3, 2}, 41)});
}

TEST(LinalgGrad, AddmmDotOuter) {
  check_grad([](const std::vector<Tensor>& x) { return addmm(x[0], x[1], x[2], 0.5, -2.0); },
             {rnd({2}, 42), rnd({3, 4}, 43), rnd({4, 2}, 44)});
  check_grad([](const std::vector<Tensor>& x) { return addmm(x[0], x[1], x[2]); },
             {rnd({3, 2}, 45), rnd({3, 4}, 46), rnd({4, 2}, 47)});
  check_grad([](const std::vector<Tensor>& x) { return dot(x[0], x[1]); },
             {rnd({4}, 48), rnd({4}, 49)});
  check_grad([](const std::vector<Tensor>& x) { return outer(x[0], x[1]); },
             {rnd({3}, 50), rnd({2}, 51)});
  EXPECT_EQ(addmm(rnd({2, 2}, 1), rnd({2, 2}, 2), rnd({2, 2}, 3)).grad_fn()->name(),
            "AddmmBackward0");
  EXPECT_EQ(dot(rnd({2}, 1), rnd({2}, 2)).grad_fn()->name(), "DotBackward0");
}

TEST(LinalgGrad, DoubleBackwardOfMm) {
  // d/dA of sum((A @ B) * W) is W @ B^T; its gradient w.r.t. B (through create_graph) is
  // checked against the closed form: d/dB <W B^T, V> = V^T W.
  auto a = rnd({2, 3}, 60), b = rnd({3, 2}, 61);
  auto w = rnd({2, 2}, 62, false), v = rnd({2, 3}, 63, false);
  auto y = mm(a, b);
  auto ga = autograd::grad({y}, {a}, {w}, std::nullopt, /*create_graph=*/true)[0];
  expect_close(ga, mm(w, b.detach().t()), 1e-12);
  auto gb = autograd::grad({ga}, {b}, {v})[0];
  expect_close(gb, mm(v.t(), w), 1e-12);
}

TEST(Matmul, ThreadCountDoesNotChangeResults) {
  auto a = rnd({8, 40, 30}, 80, false).to(kFloat), b = rnd({8, 30, 20}, 81, false).to(kFloat);
  auto small_a = rnd({64, 4, 5}, 82, false), small_b = rnd({64, 5, 3}, 83, false);
  set_num_threads(1);
  auto r1 = matmul(a, b), s1 = bmm(small_a, small_b);
  set_num_threads(2);
  auto r2 = matmul(a, b), s2 = bmm(small_a, small_b);
  EXPECT_TRUE(r1.equal(r2));
  EXPECT_TRUE(s1.equal(s2));
  for (int64_t i : {0, 63}) expect_close(s2[i], ref_mm(small_a[i], small_b[i]), 1e-12);
}

TEST(Mm, ThinFloatProductsInColumnBlocks) {
  // The shapes of an LSTM step (32 rows against a [256, 1024] or [1024, 256] weight): the CPU
  // backend may cut them into column blocks for OpenBLAS's small-matrix kernel. Plain, with B
  // transposed, and with A transposed; values against float64, same bits on 1 and 2 threads.
  const auto h = rnd({32, 256}, 90, false), w = rnd({1024, 256}, 91, false);
  const auto dg = rnd({32, 1024}, 92, false), ht = rnd({256, 32}, 93, false);
  const Tensor hf = h.to(kFloat), wf = w.to(kFloat), dgf = dg.to(kFloat), htf = ht.to(kFloat);
  struct Case {
    Tensor a, b, a_ref, b_ref;
  };
  // Also products whose parts on 2 threads would be small enough for another OpenBLAS kernel
  // than the whole: an MLP's last, 32-row batch against a [128, 256] weight, and 100 x 1000 x 20.
  const auto w2 = rnd({128, 256}, 94, false), tall = rnd({100, 1000}, 95, false);
  const auto narrow = rnd({1000, 20}, 96, false);
  const std::vector<Case> cases = {{hf, wf.t().contiguous(), h, w.t()},
                                   {hf, wf.t(), h, w.t()},
                                   {dgf, wf, dg, w},
                                   {htf.t(), wf.t(), ht.t(), w.t()},
                                   {hf, w2.to(kFloat).t(), h, w2.t()},
                                   {tall.to(kFloat), narrow.to(kFloat), tall, narrow}};
  const int before = get_num_threads();
  for (const Case& c : cases) {
    set_num_threads(1);
    const Tensor one = mm(c.a, c.b);
    set_num_threads(2);
    const Tensor two = mm(c.a, c.b);
    EXPECT_TRUE(one.equal(two)) << c.a.sizes() << " x " << c.b.sizes();
    expect_close(two, ref_mm(c.a_ref, c.b_ref), 1e-4);
    // float64 too (OpenBLAS has small dgemm kernels with their own rules).
    set_num_threads(1);
    const Tensor one_d = mm(c.a_ref, c.b_ref);
    set_num_threads(2);
    EXPECT_TRUE(one_d.equal(mm(c.a_ref, c.b_ref))) << "float64 " << c.a.sizes();
  }
  set_num_threads(before);
}

TEST(Mm, OneRowOrOneColumnAsMatrixVectorProducts) {
  // C with one row (a linear layer on one position, as generation with a KV cache runs) or one
  // column: the CPU backend uses gemv. Every operand layout (plain, transposed, a row of a
  // wider matrix), float32 and float64, against float64 loops; addmm's beta 0 over NaN; the
  // same bits on 1 and 2 threads.
  const auto x = rnd({1, 300}, 97, false), w = rnd({200, 300}, 98, false);
  const auto y = rnd({300, 1}, 99, false), wide = rnd({3, 300}, 100, false);
  const int before = get_num_threads();
  for (ScalarType dt : {kDouble, kFloat}) {
    const double tol = dt == kDouble ? 1e-11 : 1e-4;
    const Tensor xd = x.to(dt), wd = w.to(dt), yd = y.to(dt), row = wide.to(dt).narrow(0, 1, 1);
    std::vector<std::pair<Tensor, Tensor>> cases = {{xd, wd.t()},
                                                    {xd, wd.t().contiguous()},
                                                    {xd.t().contiguous().t(), wd.t()},
                                                    {row, wd.t()},
                                                    {wd, yd},
                                                    {wd.t().contiguous().t(), yd},
                                                    {wd, yd.t().contiguous().t()},
                                                    {wd, row.t()}};
    for (const auto& [a, b] : cases) {
      set_num_threads(1);
      const Tensor r1 = mm(a, b);
      set_num_threads(2);
      const Tensor r2 = mm(a, b);
      EXPECT_TRUE(r1.equal(r2));
      expect_close(r1, ref_mm(a.to(kDouble), b.to(kDouble)), tol);
    }
    const Tensor nan_out = full({1, 200}, std::numeric_limits<double>::quiet_NaN(), dtype(dt));
    expect_close(addmm(nan_out, xd, wd.t(), 0.0), ref_mm(x, w.t()), tol);
    expect_close(addmm(ones({1, 200}, dtype(dt)), xd, wd.t(), 0.5, 2.0), 2 * ref_mm(x, w.t()) + 0.5,
                 2 * tol);
  }
  set_num_threads(before);
}

TEST(Mm, FloatKernelEdgesLayoutsAndThreads) {
  // float32 products run nabla's own packed kernels on x86 CPUs with AVX2 or AVX-512 (or
  // OpenBLAS, under NABLA_GEMM=blas and elsewhere). Shapes around the kernels' tile and block
  // edges (rows: 12 and 6, in tiles of even heights; columns: 32 and 16; k blocks of 512 for
  // AVX-512, 256 for AVX2; row blocks of 240; 16 x 16 transposing packs; the direct path for at
  // most 128 rows, or 256 where B's rows are not 4 KiB apart, whose parts on 2 and 3 threads
  // must match the packed whole; A stored transposed is copied into rows there when C has 384
  // columns or more), every layout of A and B (plain, stored transposed, rows of a wider
  // matrix): values against float64, and the same bits on 1, 2 and 3 threads.
  struct Shape {
    int64_t n, m, k;
  };
  // With B stored transposed and at most 64 rows, C^T = B^T @ A^T is computed (B^T read in
  // place); 800 columns cross its 384-row blocks of C^T. A last column block of at most an
  // eighth of nc joins the one before (1568 = 3 x 384 + 416 for AVX-512; 4396 one block for
  // AVX2).
  const std::vector<Shape> shapes = {{1, 2, 1},
                                     {13, 33, 17},
                                     {12, 32, 256},
                                     {12, 32, 512},
                                     {25, 47, 257},
                                     {241, 70, 37},
                                     {7, 100, 513},
                                     {64, 784, 31},
                                     {37, 5, 300},
                                     {100, 40, 300},
                                     {64, 784, 256},
                                     {50, 40, 784},
                                     {256, 100, 64},
                                     {64, 10, 128},
                                     {64, 800, 300},
                                     {3, 17, 600},
                                     {30, 1568, 40},
                                     {5, 4396, 20},
                                     // B up to 1 MiB read in place when its rows are not 4 KiB
                                     // apart (the first), packed when they are (the second).
                                     {40, 700, 200},
                                     {40, 1024, 200},
                                     // 129-256 rows: direct (the first), packed where B's rows
                                     // are 4 KiB apart (the second).
                                     {200, 200, 300},
                                     {200, 1024, 40},
                                     // More rows than a row block (240), over three k blocks
                                     // (AVX2; two for AVX-512, three in the last): A read in
                                     // place (AVX-512), but packed where its rows are 4 KiB
                                     // apart (the second) or it is stored transposed.
                                     {300, 50, 600},
                                     {260, 40, 1024},
                                     {250, 70, 1100},
                                     // More rows than a row block and several column blocks:
                                     // A's k blocks packed once for all column blocks (AVX-512),
                                     // in blocks of rows where they would pass 4 MiB (the
                                     // second: 2100 x 512 floats, 1920 rows at a time).
                                     {500, 900, 600},
                                     {2100, 440, 520},
                                     // With A stored transposed, split by rows in 8-row units
                                     // on 2 threads (a weight's gradient: the MLP's first
                                     // layer's; 130 rows in 72 and 58), by columns on 3.
                                     {256, 784, 64},
                                     {130, 300, 40}};
  const int before = get_num_threads();
  uint64_t seed = 200;
  for (const Shape& s : shapes) {
    const auto a = rnd({s.n, s.k}, seed++, false), b = rnd({s.k, s.m}, seed++, false);
    const Tensor want = ref_mm(a, b);
    const Tensor af = a.to(kFloat), bf = b.to(kFloat);
    // Rows of a wider matrix: leading dimensions larger than the logical width.
    const Tensor a_wide = cat({af, zeros({s.n, 3})}, 1).narrow(1, 0, s.k);
    const Tensor b_wide = cat({bf.t(), zeros({s.m, 5})}, 1).narrow(1, 0, s.k).t();
    const std::vector<std::pair<Tensor, Tensor>> layouts = {
        {af, bf},
        {af.t().contiguous().t(), bf},
        {af, bf.t().contiguous().t()},
        {af.t().contiguous().t(), bf.t().contiguous().t()},
        {a_wide, b_wide}};
    const double tol = 2e-6 * static_cast<double>(s.k) + 1e-5;
    // 70 more rows of A: the product takes the packed path, whatever path the first n rows
    // took alone, and every element must come out the same (nabla's kernels; OpenBLAS, under
    // NABLA_GEMM=blas, rounds by shape).
    const Tensor more_rows = rnd({70, s.k}, seed++, false).to(kFloat);
    const bool own_kernels = std::string(cpu_matmul_kernel()) != "openblas";
    for (const auto& [x, y] : layouts) {
      set_num_threads(1);
      const Tensor one = mm(x, y);
      expect_close(one, want, tol);
      if (own_kernels) {
        EXPECT_TRUE(mm(cat({x, more_rows}), y).narrow(0, 0, s.n).equal(one))
            << s.n << "x" << s.k << " @ " << s.k << "x" << s.m << ": the path changed the bits";
      }
      for (int threads : {2, 3}) {
        set_num_threads(threads);
        EXPECT_TRUE(mm(x, y).equal(one))
            << s.n << "x" << s.k << " @ " << s.k << "x" << s.m << " on " << threads << " threads";
      }
    }
    // beta and alpha: beta 0 ignores NaN in the output, alpha 0 ignores inf in the operands.
    const Tensor nan_out = full({s.n, s.m}, std::numeric_limits<float>::quiet_NaN());
    expect_close(addmm(nan_out, af, bf, 0.0), want, tol);
    const Tensor base = rnd({s.n, s.m}, seed++, false);
    expect_close(addmm(base.to(kFloat), af, bf, 0.5, 2.0), 0.5 * base + 2.0 * want, 2 * tol);
    const Tensor bt = bf.t().contiguous().t();  // B stored transposed
    expect_close(addmm(base.to(kFloat), af, bt, 0.5, 2.0), 0.5 * base + 2.0 * want, 2 * tol);
    const Tensor at = af.t().contiguous().t();  // A stored transposed (copied into rows first
                                                // on the direct path, 384 columns or more)
    expect_close(addmm(base.to(kFloat), at, bf, 0.5, 2.0), 0.5 * base + 2.0 * want, 2 * tol);
    expect_close(addmm(nan_out, af, bt, 0.0), want, tol);
    const Tensor inf_a = full({s.n, s.k}, std::numeric_limits<float>::infinity());
    expect_close(addmm(base.to(kFloat), inf_a, bf, 0.5, 0.0), 0.5 * base, 1e-6);
  }
  set_num_threads(before);
}

// ---- vector and matrix norms, distances (values and gradients: the op table) ----------------

using test_util::contains;
using test_util::error_of;

TEST(LinalgNorm, ArgumentsAsLibTorchTakesThem) {
  const Tensor x = arange(24, TensorOptions().dtype(kDouble)).reshape({2, 3, 4}) - 11.5;
  // dim: absent, a braced list, one dim, a vector, an IntArrayRef.
  EXPECT_TRUE(linalg::vector_norm(x, 2, std::nullopt, false, std::nullopt)
                  .allclose(x.flatten().pow(2).sum().sqrt()));
  EXPECT_TRUE(linalg::vector_norm(x, 1, {0, 2}, false, std::nullopt).allclose(x.abs().sum({0, 2})));
  EXPECT_TRUE(linalg::vector_norm(x, 1, 1, true, std::nullopt).allclose(x.abs().sum({1}, true)));
  const std::vector<int64_t> dims = {2};
  EXPECT_TRUE(linalg_vector_norm(x, INFINITY, dims).equal(x.abs().amax({2})));
  EXPECT_TRUE(linalg_vector_norm(x, -INFINITY, IntArrayRef(dims)).equal(x.abs().amin({2})));
  EXPECT_EQ(linalg_vector_norm(x, 0).item<double>(), 24.0);
  // keepdim without dim keeps every dim; dtype converts first.
  EXPECT_EQ(linalg_vector_norm(x, 2, std::nullopt, true).sizes(), IntArrayRef({1, 1, 1}));
  EXPECT_EQ(linalg_vector_norm(x.to(kFloat), 2, std::nullopt, false, kDouble).scalar_type(),
            kDouble);
  // Matrix norms: column sums for 1, row sums for inf, over any two dims.
  const Tensor a = x[0];  // [3, 4]
  EXPECT_DOUBLE_EQ(linalg_matrix_norm(a, 1).item<double>(), a.abs().sum({0}).max().item<double>());
  EXPECT_DOUBLE_EQ(linalg_matrix_norm(a, -INFINITY).item<double>(),
                   a.abs().sum({1}).min().item<double>());
  EXPECT_TRUE(linalg::matrix_norm(x, "fro", {0, 2}, true, std::nullopt)
                  .allclose(x.pow(2).sum({0, 2}, true).sqrt()));
  EXPECT_TRUE(linalg::matrix_norm(x, std::string("fro"), {-2, -1}, false, std::nullopt)
                  .allclose(linalg_matrix_norm(x)));
  // linalg.norm: a matrix norm for 2-D input with ord, a vector norm otherwise.
  EXPECT_DOUBLE_EQ(linalg::norm(a, 1, std::nullopt, false, std::nullopt).item<double>(),
                   linalg_matrix_norm(a, 1).item<double>());
  EXPECT_TRUE(linalg_norm(x).allclose(linalg_vector_norm(x)));
  EXPECT_TRUE(linalg_norm(x, 3, 1).allclose(linalg_vector_norm(x, 3, 1)));
  EXPECT_TRUE(linalg_norm(a, "fro").allclose(linalg_vector_norm(a)));
  // (An OptionalIntArrayRef does not own its elements: a braced list lives for the call only.)
  const std::vector<int64_t> two = {0, 1};
  const OptionalIntArrayRef none = std::nullopt, some = two;
  EXPECT_FALSE(none.has_value());
  EXPECT_EQ(*some, IntArrayRef({0, 1}));
}

TEST(LinalgNorm, BadArgumentsRaise) {
  const Tensor a = ones({3, 4});
  EXPECT_TRUE(contains(error_of([&] { (void)linalg_matrix_norm(a, 3); }), "order 3"));
  EXPECT_TRUE(contains(error_of([&] { (void)linalg_matrix_norm(a, "abc"); }), "'abc'"));
  EXPECT_TRUE(contains(error_of([&] { (void)linalg_matrix_norm(ones({4}), 1); }), "[4]"));
  EXPECT_TRUE(contains(error_of([&] { (void)linalg_matrix_norm(a, 1, {1, -1}); }), "different"));
  EXPECT_TRUE(contains(error_of([&] {
                         (void)linalg_matrix_norm(a, 1, {0, 2});
                       }),
                       "linalg.matrix_norm"));
  EXPECT_TRUE(contains(error_of([&] { (void)linalg_matrix_norm(ones({3, 0}), 1); }), "no columns"));
  EXPECT_TRUE(contains(error_of([&] { (void)linalg_vector_norm(arange(4)); }), "floating point"));
  EXPECT_TRUE(contains(
      error_of([&] { (void)linalg_vector_norm(a, 2, std::nullopt, false, kLong); }), "dtype"));
  EXPECT_TRUE(contains(error_of([&] {
                         (void)linalg_vector_norm(ones({2, 0}), INFINITY, 1);
                       }),
                       "empty"));
  EXPECT_TRUE(contains(error_of([&] { (void)linalg_norm(a, 2, {0, 1, 0}); }), "one or two"));
  EXPECT_TRUE(contains(error_of([&] { (void)linalg_norm(ones({2, 2, 2}), 2); }), "1-D or 2-D"));
  EXPECT_TRUE(contains(error_of([&] { (void)linalg_norm(ones({4}), "fro"); }), "2-D"));
  EXPECT_TRUE(contains(error_of([&] {
                         (void)cosine_similarity(ones({2, 3}), ones({4, 3}));
                       }),
                       "cosine_similarity"));
  EXPECT_TRUE(
      contains(error_of([&] { (void)pairwise_distance(ones({}), ones({})); }), "at least one"));
  // An empty matrix's 1-norm over its (non-empty) column dim is 0, as in PyTorch.
  EXPECT_EQ(linalg_matrix_norm(ones({0, 3}), 1).item<float>(), 0.0f);
  EXPECT_EQ(linalg_vector_norm(ones({0})).item<float>(), 0.0f);
}

TEST(LinalgNorm, DistanceModules) {
  namespace F = nn::functional;
  manual_seed(3);
  const Tensor x1 = randn({5, 8}), x2 = randn({5, 8});
  nn::CosineSimilarity cos(nn::CosineSimilarityOptions().dim(1).eps(1e-6));
  EXPECT_TRUE(
      cos(x1, x2).equal(F::cosine_similarity(x1, x2, F::CosineSimilarityFuncOptions().eps(1e-6))));
  EXPECT_TRUE(cos(x1, x1).allclose(ones({5})));
  EXPECT_TRUE(cos(x1, -x1).allclose(-ones({5})));
  nn::PairwiseDistance dist(nn::PairwiseDistanceOptions().p(1).keepdim(true));
  EXPECT_TRUE(dist(x1, x2).equal((x1 - x2 + 1e-6).abs().sum({1}, true)));
  std::ostringstream s1, s2;
  s1 << *cos;
  s2 << *dist;
  EXPECT_EQ(s1.str(), "nabla::nn::CosineSimilarity(dim=1, eps=1e-06)");
  EXPECT_EQ(s2.str(), "nabla::nn::PairwiseDistance(p=1, eps=1e-06, keepdim=true)");
  // normalize: unit rows; a zero row stays zero (the norm is clamped at eps).
  Tensor z = cat({x1, zeros({1, 8})});
  Tensor n = F::normalize(z, F::NormalizeFuncOptions().dim(1));
  EXPECT_TRUE(n.narrow(0, 0, 5).norm(2, {1}).allclose(ones({5})));
  EXPECT_TRUE(n[5].equal(zeros({8})));
  // A zero vector's cosine similarity is 0, with finite gradients.
  Tensor zero = zeros({1, 8}).requires_grad_(), other = x1.narrow(0, 0, 1).clone().requires_grad_();
  Tensor c = F::cosine_similarity(zero, other);
  EXPECT_EQ(c.item<float>(), 0.0f);
  c.backward();
  EXPECT_TRUE(zero.grad().isfinite().all().item<bool>());
  EXPECT_TRUE(other.grad().isfinite().all().item<bool>());
}

TEST(LinalgNorm, CdistInBlocksMatchesTheWholeDifferences) {
  // 300 x 100 pairs of 64 columns: the direct path takes x1's rows in two blocks (it never holds
  // all 1.9M differences); values and gradients as the composition that does.
  manual_seed(4);
  for (double p : {3.0, 2.0, 1.0}) {
    Tensor x1 = randn({300, 64}, TensorOptions().dtype(kDouble)).requires_grad_();
    Tensor x2 = randn({100, 64}, TensorOptions().dtype(kDouble)).requires_grad_();
    const Tensor got = cdist(x1, x2, p, /*compute_mode=*/2);
    const Tensor want = (x1.unsqueeze(1) - x2.unsqueeze(0)).norm(p, {2});
    EXPECT_TRUE(got.allclose(want, 1e-12, 1e-12)) << "p " << p;
    const Tensor w = randn({300, 100}, TensorOptions().dtype(kDouble));
    const auto g = autograd::grad({got}, {x1, x2}, {w});
    const auto h = autograd::grad({want}, {x1, x2}, {w});
    EXPECT_TRUE(g[0].allclose(h[0], 1e-10, 1e-10)) << "p " << p;
    EXPECT_TRUE(g[1].allclose(h[1], 1e-10, 1e-10)) << "p " << p;
  }
  // p = 2 by products (the default above 25 rows) agrees to rounding; empty sides give empty.
  const Tensor a = randn({40, 8}), b = randn({30, 8});
  EXPECT_TRUE(cdist(a, b).allclose(cdist(a, b, 2, 2), 1e-4, 1e-4));
  EXPECT_EQ(cdist(ones({2, 0, 3}), ones({4, 3})).sizes(), IntArrayRef({2, 0, 4}));
  EXPECT_EQ(cdist(ones({5, 3}), ones({0, 3}), 1).sizes(), IntArrayRef({5, 0}));
  EXPECT_TRUE(contains(error_of([&] { (void)cdist(ones({3}), ones({2, 3})); }), "2 dims"));
  EXPECT_TRUE(contains(error_of([&] { (void)cdist(ones({2, 3}), ones({2, 4})); }), "columns"));
  EXPECT_TRUE(contains(error_of([&] { (void)cdist(ones({2, 3}), ones({2, 3}), -1); }), "p"));
  EXPECT_TRUE(contains(error_of([&] {
                         (void)cdist(ones({2, 3}), ones({2, 3}), 2, 3);
                       }),
                       "compute_mode"));
  EXPECT_TRUE(contains(error_of([&] {
                         (void)cdist(arange(6).view({2, 3}), ones({2, 3}));
                       }),
                       "floating"));
}

// ---- factorizations (src/ops/linalg_factor.cpp); the op table checks values against
// PyTorch's and the gradients numerically ----

TEST(Factorizations, ReconstructTheirInput) {
  manual_seed(7);
  const TensorOptions f64 = TensorOptions().dtype(kDouble);
  const Tensor g = randn({2, 5, 5}, f64);
  const Tensor spd = g.matmul(g.transpose(-2, -1)) + 0.5 * eye(5, f64);
  const Tensor L = linalg_cholesky(spd);
  EXPECT_TRUE(L.matmul(L.transpose(-2, -1)).allclose(spd, 1e-12, 1e-12));
  EXPECT_TRUE(L.equal(L.tril()));
  EXPECT_TRUE(linalg_cholesky(spd, true).equal(L.transpose(-2, -1)));
  // Only the lower triangle is read: garbage above it changes nothing.
  EXPECT_TRUE(linalg_cholesky(spd.tril() + 100 * ones({5, 5}, f64).triu(1)).equal(L));
  auto [w, V] = linalg_eigh(spd);
  EXPECT_TRUE(w.equal(std::get<0>(w.sort(-1))));  // ascending
  EXPECT_TRUE((V * w.unsqueeze(-2)).matmul(V.transpose(-2, -1)).allclose(spd, 1e-12, 1e-12));
  EXPECT_TRUE(V.transpose(-2, -1).matmul(V).allclose(eye(5, f64).expand({2, 5, 5}), 1e-12, 1e-12));
  EXPECT_TRUE(linalg_eigvalsh(spd).allclose(w, 1e-12, 1e-12));
  EXPECT_TRUE(linalg_eigvalsh(spd.triu(), "U").allclose(w, 1e-12, 1e-12));
  for (auto shape : {std::vector<int64_t>{6, 4}, {3, 7}, {2, 4, 4}}) {
    const Tensor a = randn(shape, f64);
    const int64_t m = a.size(-2), n = a.size(-1), k = std::min(m, n);
    for (bool full : {false, true}) {
      auto [U, S, Vh] = linalg_svd(a, full);
      EXPECT_EQ(U.size(-1), full ? m : k);
      EXPECT_EQ(Vh.size(-2), full ? n : k);
      const Tensor Uk = U.narrow(-1, 0, k), Vhk = Vh.narrow(-2, 0, k);
      EXPECT_TRUE((Uk * S.unsqueeze(-2)).matmul(Vhk).allclose(a, 1e-12, 1e-12));
      EXPECT_TRUE(U.transpose(-2, -1).matmul(U).allclose(eye(U.size(-1), f64), 1e-12, 1e-12));
      EXPECT_TRUE(Vh.matmul(Vh.transpose(-2, -1)).allclose(eye(Vh.size(-2), f64), 1e-12, 1e-12));
      EXPECT_TRUE(S.equal(std::get<0>(S.sort(-1, true))));  // descending
    }
    EXPECT_TRUE(linalg_svdvals(a).allclose(std::get<1>(linalg_svd(a)), 1e-12, 1e-12));
    auto [U, S, V] = svd(a);
    EXPECT_TRUE((U * S.unsqueeze(-2)).matmul(V.transpose(-2, -1)).allclose(a, 1e-12, 1e-12));
    // The pseudo-inverse's defining identities.
    const Tensor P = linalg_pinv(a);
    EXPECT_TRUE(a.matmul(P).matmul(a).allclose(a, 1e-10, 1e-10));
    EXPECT_TRUE(P.matmul(a).matmul(P).allclose(P, 1e-10, 1e-10));
  }
  // Triangular solves, left and right, against the general solve on the triangle.
  const Tensor T = L + eye(5, f64), B = randn({2, 5, 3}, f64);
  EXPECT_TRUE(
      linalg_solve_triangular(T, B, false).allclose(linalg_solve(T.tril(), B), 1e-12, 1e-12));
  EXPECT_TRUE(linalg_solve_triangular(T.transpose(-2, -1), B.transpose(-2, -1), true, false)
                  .allclose(linalg_solve(T.triu(1).transpose(-2, -1) + T.tril().transpose(-2, -1),
                                         B.transpose(-2, -1), false),
                            1e-12, 1e-12));
  const Tensor unit = T.tril(-1) + eye(5, f64);
  EXPECT_TRUE(linalg_solve_triangular(T, B, false, true, true)
                  .allclose(linalg_solve(unit, B), 1e-12, 1e-12));
  // The inputs are read, not overwritten (T is passed to trsm as it is, A copied for potrf).
  const Tensor T_before = T.clone(), spd_before = spd.clone(), B_before = B.clone();
  (void)linalg_solve_triangular(T, B, true);
  (void)linalg_cholesky(spd);
  EXPECT_TRUE(T.equal(T_before) && spd.equal(spd_before) && B.equal(B_before));
  EXPECT_TRUE(cholesky_solve(B, L).allclose(linalg_solve(spd, B), 1e-10, 1e-10));
  EXPECT_TRUE(cholesky_inverse(L).allclose(inverse(spd), 1e-10, 1e-10));
}

TEST(Factorizations, RankAndPseudoInverseOfRankDeficientMatrices) {
  const TensorOptions f64 = TensorOptions().dtype(kDouble);
  // A rank-1 matrix u v^T: pinv = A^T / |A|_F^2.
  const Tensor u = tensor({1.0, 2.0, -2.0}, f64), v = tensor({3.0, 0.0, 4.0, 1.0}, f64);
  const Tensor a = u.unsqueeze(1).matmul(v.unsqueeze(0));
  EXPECT_TRUE(linalg_pinv(a).allclose(a.t() / a.square().sum(), 1e-12, 1e-12));
  EXPECT_EQ(linalg_matrix_rank(a).item<int64_t>(), 1);
  EXPECT_EQ(linalg_matrix_rank(a).scalar_type(), kLong);
  EXPECT_EQ(linalg_matrix_rank(eye(4, f64)).item<int64_t>(), 4);
  // Tolerances: singular values 3, 2, 1e-3.
  const Tensor d = tensor({3.0, 2.0, 1e-3}, f64).diag();
  EXPECT_EQ(linalg_matrix_rank(d).item<int64_t>(), 3);
  EXPECT_EQ(linalg_matrix_rank(d, 0.01).item<int64_t>(), 2);               // atol
  EXPECT_EQ(linalg_matrix_rank(d, std::nullopt, 0.5).item<int64_t>(), 2);  // rtol: 1.5
  EXPECT_EQ(linalg_matrix_rank(d, 2.5, std::nullopt).item<int64_t>(), 1);
  EXPECT_EQ(linalg::matrix_rank(d, 1e-4, true).item<int64_t>(), 3);
  EXPECT_TRUE(linalg_pinv(d, 0.01).allclose(tensor({1 / 3.0, 0.5, 0.0}, f64).diag()));
  EXPECT_TRUE(linalg_pinv(d, std::nullopt, std::nullopt, true)
                  .allclose(tensor({1 / 3.0, 0.5, 1e3}, f64).diag()));
  EXPECT_EQ(linalg_matrix_rank(zeros({2, 0, 3})).sizes(), IntArrayRef({2}));
  EXPECT_EQ(linalg_pinv(zeros({0, 3})).sizes(), IntArrayRef({3, 0}));
}

TEST(Factorizations, GradientsOfUnusedOutputsAreSkipped) {
  // The singular values of a rank-deficient tall matrix have a gradient (U diag(g) Vh) even
  // though the terms for U would divide by the zero singular value: an unused U is skipped.
  const TensorOptions f64 = TensorOptions().dtype(kDouble);
  const Tensor a = tensor({{1.0, 1.0}, {1.0, 1.0}, {0.0, 0.0}}, f64).requires_grad_();
  auto [U, S, Vh] = linalg_svd(a, false);
  S.sum().backward();
  EXPECT_TRUE(a.grad().isfinite().all().item<bool>());
  auto [U2, S2, Vh2] = linalg_svd(a.detach(), false);
  EXPECT_TRUE(a.grad().allclose(U2.matmul(Vh2), 1e-12, 1e-12));
  // The nuclear norm's gradient there is U Vh too.
  Tensor b = a.detach().clone().requires_grad_();
  linalg_matrix_norm(b, "nuc").backward();
  EXPECT_TRUE(b.grad().allclose(a.grad(), 1e-12, 1e-12));
  // eigvalsh: V diag(g) V^T.
  Tensor s = tensor({{2.0, 1.0}, {1.0, 2.0}}, f64).requires_grad_();
  linalg_eigvalsh(s).sum().backward();
  EXPECT_TRUE(s.grad().allclose(eye(2, f64), 1e-12, 1e-12));
}

TEST(Factorizations, DtypesEmptyInputsAndErrors) {
  const Tensor spd = tensor({{4.0f, 1.0f}, {1.0f, 3.0f}});
  // 16-bit floats are factored in float32 and rounded back.
  EXPECT_EQ(linalg_cholesky(spd.to(kBFloat16)).scalar_type(), kBFloat16);
  EXPECT_TRUE(linalg_cholesky(spd.to(kHalf)).to(kFloat).allclose(linalg_cholesky(spd), 1e-2, 1e-2));
  EXPECT_EQ(std::get<1>(linalg_eigh(spd.to(kHalf))).scalar_type(), kHalf);
  EXPECT_EQ(linalg_svdvals(spd.to(kBFloat16)).scalar_type(), kBFloat16);
  // Empty matrices: nothing to factor; the full SVD's square factor is an identity.
  auto [U, S, Vh] = linalg_svd(zeros({0, 3}));
  EXPECT_EQ(U.sizes(), IntArrayRef({0, 0}));
  EXPECT_EQ(S.sizes(), IntArrayRef({0}));
  EXPECT_TRUE(Vh.equal(eye(3)));
  EXPECT_EQ(std::get<0>(linalg_svd(zeros({2, 3, 0}), false)).sizes(), IntArrayRef({2, 3, 0}));
  EXPECT_EQ(linalg_cholesky(zeros({4, 0, 0})).sizes(), IntArrayRef({4, 0, 0}));
  EXPECT_EQ(std::get<0>(linalg_eigh(zeros({0, 3, 3}))).sizes(), IntArrayRef({0, 3}));
  // Errors name the op and what is wrong.
  const std::string not_pd = error_of([] {
    (void)linalg_cholesky(tensor({{{1.0, 0.0}, {0.0, 1.0}}, {{1.0, 2.0}, {2.0, 1.0}}}));
  });
  EXPECT_TRUE(contains(not_pd, "[linalg.cholesky]") && contains(not_pd, "positive-definite") &&
              contains(not_pd, "order 2 of matrix 1"))
      << not_pd;
  const Tensor nan_matrix = tensor({{1.0, NAN}, {NAN, 1.0}});
  EXPECT_TRUE(contains(error_of([&] { (void)linalg_eigh(nan_matrix); }), "NaN or infinity"));
  EXPECT_TRUE(contains(error_of([&] { (void)linalg_svd(nan_matrix); }), "[linalg.svd]"));
  EXPECT_TRUE(
      contains(error_of([&] { (void)linalg_svdvals(tensor({{INFINITY}})); }), "NaN or infinity"));
  // NaN outside the triangle eigh reads is not read.
  EXPECT_NO_THROW((void)linalg_eigvalsh(tensor({{1.0, NAN}, {0.5, 1.0}})));
  EXPECT_TRUE(contains(error_of([&] { (void)linalg_eigh(spd, "X"); }), "'L' or 'U'"));
  EXPECT_TRUE(contains(error_of([&] { (void)linalg_svd(spd, true, "gesvd"); }), "gesdd"));
  EXPECT_TRUE(contains(error_of([&] { (void)linalg_cholesky(ones({2, 3})); }), "square"));
  EXPECT_TRUE(contains(error_of([&] { (void)linalg_svd(ones({3})); }), "2 dimensions"));
  EXPECT_TRUE(contains(error_of([&] { (void)linalg_eigh(arange(4).view({2, 2})); }), "floating"));
  EXPECT_TRUE(contains(error_of([&] {
                         (void)linalg_solve_triangular(spd, ones({3, 2}), false);
                       }),
                       "incompatible shapes"));
  EXPECT_TRUE(contains(
      error_of([&] {
        (void)linalg_solve_triangular(spd, ones({2, 2}, TensorOptions().dtype(kDouble)), true);
      }),
      "same dtype"));
  EXPECT_TRUE(contains(error_of([&] {
                         (void)linalg_pinv(ones({2, 3}), std::nullopt, std::nullopt, true);
                       }),
                       "square"));
}

TEST(Factorizations, MatrixNormsFromSingularValues) {
  manual_seed(3);
  const Tensor a = randn({3, 4, 5}, TensorOptions().dtype(kDouble));
  const Tensor s = linalg_svdvals(a.movedim(0, 2));  // matrices over dims (1, 2) of a [4, 5, 3]
  EXPECT_TRUE(linalg_matrix_norm(a.movedim(0, 2), 2).allclose(s.amax({-1})));
  EXPECT_TRUE(linalg_matrix_norm(a, -2, {1, 0}, true)
                  .allclose(linalg_svdvals(a.permute({2, 1, 0})).amin({-1}).view({1, 1, 5})));
  EXPECT_TRUE(linalg_norm(a[0], "nuc").allclose(linalg_svdvals(a[0]).sum()));
  EXPECT_TRUE(contains(error_of([&] { (void)linalg_matrix_norm(ones({0, 3}), 2); }), "empty"));
  EXPECT_DOUBLE_EQ(linalg_matrix_norm(ones({0, 3}), "nuc").item<double>(), 0.0);
}

TEST(Factorizations, QrModes) {
  manual_seed(11);
  const TensorOptions f64 = TensorOptions().dtype(kDouble);
  for (auto shape : {std::vector<int64_t>{5, 3}, {3, 5}, {2, 4, 4}}) {
    const Tensor a = randn(shape, f64);
    const int64_t m = a.size(-2), n = a.size(-1), k = std::min(m, n);
    for (const char* mode : {"reduced", "complete"}) {
      auto [Q, R] = linalg_qr(a, mode);
      const int64_t side = std::string(mode) == "complete" ? m : k;
      EXPECT_EQ(Q.size(-1), side);
      EXPECT_EQ(R.size(-2), side);
      EXPECT_TRUE(Q.matmul(R).allclose(a, 1e-12, 1e-12)) << mode;
      EXPECT_TRUE(Q.transpose(-2, -1).matmul(Q).allclose(eye(side, f64), 1e-12, 1e-12)) << mode;
      EXPECT_TRUE(R.equal(R.triu())) << mode;
    }
    auto [Q0, R0] = linalg_qr(a, "r");
    EXPECT_EQ(Q0.numel(), 0);
    EXPECT_TRUE(R0.equal(std::get<1>(linalg_qr(a))));
    EXPECT_TRUE(std::get<0>(qr(a, false)).equal(std::get<0>(linalg_qr(a, "complete"))));
  }
  // Gradients that PyTorch refuses, refused with the reason.
  const Tensor tall = randn({4, 2}, f64).requires_grad_();
  EXPECT_TRUE(
      contains(error_of([&] { std::get<1>(linalg_qr(tall, "r")).sum().backward(); }), "mode='r'"));
  EXPECT_TRUE(contains(error_of([&] { std::get<0>(linalg_qr(tall, "complete")).sum().backward(); }),
                       "not differentiable"));
  EXPECT_TRUE(contains(error_of([&] { (void)linalg_qr(tall, "full"); }), "unrecognized mode"));
  auto [Qe, Re] = linalg_qr(zeros({3, 0}), "complete");
  EXPECT_TRUE(Qe.equal(eye(3)));
  EXPECT_EQ(Re.sizes(), IntArrayRef({3, 0}));
}

TEST(Factorizations, LeastSquaresDriversAsPyTorch) {
  manual_seed(5);
  const TensorOptions f64 = TensorOptions().dtype(kDouble);
  const Tensor A = randn({2, 4, 3}, f64), B = randn({2, 4, 2}, f64);
  // The normal equations hold at the solution.
  const Tensor X = std::get<0>(linalg_lstsq(A, B));
  EXPECT_TRUE(A.transpose(-2, -1).matmul(A.matmul(X) - B).abs().max().item<double>() < 1e-12);
  // Which outputs each driver fills (shapes as PyTorch 1.13 gives them).
  const auto shapes = [&](const char* driver) {
    auto [x, residuals, rank, values] = linalg_lstsq(A, B, std::nullopt, driver);
    return std::vector<std::vector<int64_t>>{x.sizes().vec(), residuals.sizes().vec(),
                                             rank.sizes().vec(), values.sizes().vec()};
  };
  using Shapes = std::vector<std::vector<int64_t>>;
  EXPECT_EQ(shapes("gels"), (Shapes{{2, 3, 2}, {2, 2}, {0}, {0}}));
  EXPECT_EQ(shapes("gelsy"), (Shapes{{2, 3, 2}, {0}, {2}, {0}}));
  EXPECT_EQ(shapes("gelsd"), (Shapes{{2, 3, 2}, {2, 2}, {2}, {2, 3}}));
  EXPECT_EQ(shapes("gelss"), (Shapes{{2, 3, 2}, {2, 2}, {2}, {2, 3}}));
  auto [x, residuals, rank, values] = linalg_lstsq(A, B, std::nullopt, "gelsd");
  EXPECT_TRUE(residuals.allclose((A.matmul(x) - B).square().sum({-2})));
  EXPECT_EQ(rank.scalar_type(), kLong);
  EXPECT_TRUE(values.allclose(linalg_svdvals(A)));
  // Rank-deficient: the minimum-norm solution, rank 1, no residuals.
  const Tensor ones43 = ones({4, 3}, f64), b = tensor({1.0, 2.0, 3.0, 6.0}, f64);
  auto [x1, r1, k1, v1] = linalg_lstsq(ones43, b, std::nullopt, "gelsd");
  EXPECT_TRUE(x1.allclose(full({3}, 1.0, f64), 1e-12, 1e-12));  // mean 3 spread over 3 columns
  EXPECT_EQ(k1.item<int64_t>(), 1);
  EXPECT_EQ(r1.numel(), 0);
  // B with batch dims of one broadcasts; wide A: no residuals.
  EXPECT_EQ(std::get<0>(linalg_lstsq(A, randn({1, 4, 2}, f64))).sizes(), IntArrayRef({2, 3, 2}));
  EXPECT_EQ(std::get<1>(linalg_lstsq(randn({3, 5}, f64), randn({3, 2}, f64), std::nullopt, "gelsd"))
                .numel(),
            0);
  EXPECT_TRUE(
      contains(error_of([&] { (void)linalg_lstsq(A, B, std::nullopt, "gesv"); }), "driver"));
  EXPECT_TRUE(contains(error_of([&] {
                         (void)linalg_lstsq(A, randn({2, 5, 2}, f64));
                       }),
                       "incompatible shapes"));
}

TEST(Factorizations, DetGradientAtSingularMatricesIsTheCofactorMatrix) {
  const TensorOptions f64 = TensorOptions().dtype(kDouble);
  Tensor a = tensor({{1.0, 2.0}, {2.0, 4.0}}, f64).requires_grad_();
  EXPECT_TRUE(autograd::grad({a.det()}, {a})[0].allclose(tensor({{4.0, -2.0}, {-2.0, 1.0}}, f64),
                                                         1e-12, 1e-12));
  // Rank 2 of 3 (the third row is the sum of the first two; LU finds an exact zero pivot).
  Tensor b = tensor({{1.0, 2.0, 3.0}, {0.0, 1.0, 4.0}, {1.0, 3.0, 7.0}}, f64).requires_grad_();
  const Tensor cofactors = tensor({{-5.0, 4.0, -1.0}, {-5.0, 4.0, -1.0}, {5.0, -4.0, 1.0}}, f64);
  EXPECT_TRUE(autograd::grad({b.det()}, {b})[0].allclose(cofactors, 1e-12, 1e-12));
  // A batch with one singular matrix, and second order (det is a polynomial: its Hessian is
  // continuous through the singular point).
  Tensor batch = stack({b.detach(), b.detach() + eye(3, f64)}).requires_grad_();
  autograd::GradcheckOptions options;
  options.check_grad_grad = true;
  const std::function<Tensor(const autograd::variable_list&)> det_of_first =
      [](const autograd::variable_list& x) { return x[0].det(); };
  EXPECT_TRUE(autograd::gradcheck(det_of_first, {batch}, options));
  // Of rank 1, every 2 x 2 minor is zero: so is the gradient.
  Tensor c = ones({3, 3}, f64).requires_grad_();
  EXPECT_TRUE(autograd::grad({c.det()}, {c})[0].abs().max().item<double>() < 1e-12);
}

TEST(Factorizations, MultiDotTensorinvTensorsolve) {
  manual_seed(9);
  const TensorOptions f64 = TensorOptions().dtype(kDouble);
  const Tensor a = randn({10, 100}, f64), b = randn({100, 5}, f64), c = randn({5, 50}, f64);
  EXPECT_TRUE(linalg_multi_dot({a, b, c}).allclose(a.mm(b).mm(c), 1e-12, 1e-12));
  const Tensor v = randn({10}, f64), w = randn({50}, f64);
  EXPECT_EQ(linalg_multi_dot({v, a, b, c, w}).dim(), 0);
  EXPECT_TRUE(linalg_multi_dot({v, a, b, c, w}).allclose(v.matmul(a).matmul(b).matmul(c).dot(w)));
  EXPECT_EQ(linalg::multi_dot({a, b, c, w}).sizes(), IntArrayRef({10}));
  EXPECT_TRUE(contains(error_of([&] { (void)linalg_multi_dot({a}); }), "at least 2"));
  EXPECT_TRUE(contains(error_of([&] { (void)linalg_multi_dot({a, c}); }), "cannot be multiplied"));
  EXPECT_TRUE(contains(error_of([&] { (void)linalg_multi_dot({a, v, b}); }), "must be 2-D"));
  // tensorinv: tensordot(A, X, 2) is the identity of shape [2, 3, 2, 3].
  const Tensor A = randn({2, 3, 6}, f64) + 3 * eye(6, f64).reshape({2, 3, 6});
  const Tensor X = linalg_tensorinv(A, 2);
  EXPECT_EQ(X.sizes(), IntArrayRef({6, 2, 3}));
  EXPECT_TRUE(tensordot(A, X, {2}, {0}).allclose(eye(6, f64).reshape({2, 3, 2, 3}), 1e-12, 1e-12));
  EXPECT_TRUE(contains(error_of([&] { (void)linalg_tensorinv(randn({2, 3, 4}), 2); }), "prod"));
  // tensorsolve, with dims moved to the end first.
  const Tensor B = randn({2, 3}, f64);
  const Tensor Y = linalg_tensorsolve(A, B);
  EXPECT_TRUE(tensordot(A, Y, {2}, {0}).allclose(B, 1e-12, 1e-12));
  const Tensor Ap = A.permute({2, 0, 1});  // [6, 2, 3]: dims 0 moves to the end
  EXPECT_TRUE(linalg::tensorsolve(Ap, B, {0}).allclose(Y, 1e-12, 1e-12));
  EXPECT_TRUE(contains(error_of([&] { (void)linalg_tensorsolve(A, randn({2, 4}, f64)); }), "prod"));
}

// ---- LU as LibTorch exposes it, and the matrix exponential ----

TEST(LuFactor, PivotsAndFactorsAsLapack) {
  const Tensor A =
      tensor({0.0, 2.0, 1.0, 1.0, 1.0, 0.0, 3.0, 0.0, 1.0}, dtype(kFloat64)).view({3, 3});
  auto [LU, pivots] = linalg::lu_factor(A);
  // torch.linalg.lu_factor(A): pivots [3, 3, 3], LU's last row [1/3, 1/2, -5/6].
  EXPECT_EQ(pivots.scalar_type(), kInt32);
  EXPECT_TRUE(equal(pivots, tensor(std::vector<int64_t>{3, 3, 3}).to(kInt32)));
  EXPECT_NEAR(LU[2][2].item<double>(), -0.83333333333333326, 1e-15);
  EXPECT_NEAR(LU[2][0].item<double>(), 1.0 / 3, 1e-15);
  auto [P, L, U] = linalg::lu(A);
  const Tensor expected_P =
      tensor({0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0}, dtype(kFloat64)).view({3, 3});
  EXPECT_TRUE(equal(P, expected_P));
  EXPECT_TRUE(allclose(P.matmul(L).matmul(U), A, 1e-14, 1e-14));
  auto [P2, L2, U2] = lu_unpack(LU, pivots);
  EXPECT_TRUE(equal(P2, P) && equal(L2, L) && equal(U2, U));
  auto [none_P, L3, U3] = lu_unpack(LU, pivots, true, false);
  EXPECT_EQ(none_P.numel(), 0);
  EXPECT_TRUE(contains(error_of([&] { linalg::lu(A, false); }), "without pivoting"));
  EXPECT_TRUE(contains(error_of([&] { linalg::lu_factor(zeros({2, 3})); }), "square"));
}

TEST(LuFactor, SingularInfoAndTheExForms) {
  const Tensor S = tensor({1.0, 2.0, 2.0, 4.0}, dtype(kFloat64)).view({2, 2});
  auto [LU, pivots, info] = linalg_lu_factor_ex(S);
  EXPECT_EQ(info.item<int64_t>(), 2);  // torch: info 2, U[1, 1] == 0
  EXPECT_TRUE(contains(error_of([&] { linalg_lu_factor_ex(S, true, true); }), "not invertible"));
  EXPECT_TRUE(contains(error_of([&] {
                         linalg::lu_factor(stack({eye(2, dtype(kFloat64)), S}));
                       }),
                       "[linalg.lu_factor] (batch element 1): U[2, 2] is zero"));
  auto [x, solve_info] = linalg::solve_ex(S, ones({2, 1}, dtype(kFloat64)), true, false);
  EXPECT_EQ(solve_info.item<int64_t>(), 2);
  EXPECT_FALSE(x.isfinite().all().item<bool>());
  EXPECT_TRUE(contains(error_of([&] {
                         linalg::solve_ex(S, ones({2, 1}, dtype(kFloat64)), true, true);
                       }),
                       "not invertible"));
  // A batch: info per matrix.
  const Tensor batch = stack({S, eye(2, dtype(kFloat64))});
  auto [inv, inv_info] = linalg_inv_ex(batch);
  EXPECT_EQ(std::vector<int64_t>({inv_info[0].item<int64_t>(), inv_info[1].item<int64_t>()}),
            std::vector<int64_t>({2, 0}));
  EXPECT_TRUE(equal(inv[1], eye(2, dtype(kFloat64))));
  // An invertible matrix: the _ex forms are solve and inv.
  const Tensor A = tensor({4.0, 1.0, 2.0, 3.0}, dtype(kFloat64)).view({2, 2});
  EXPECT_TRUE(allclose(std::get<0>(linalg_inv_ex(A)), A.inverse()));
}

TEST(LuFactor, SolvesAllFourWays) {
  const Tensor A =
      tensor({0.0, 2.0, 1.0, 1.0, 1.0, 0.0, 3.0, 0.0, 1.0}, dtype(kFloat64)).view({3, 3});
  const Tensor B = arange(6, dtype(kFloat64)).view({3, 2}).sin();
  auto [LU, pivots] = linalg_lu_factor(A);
  EXPECT_TRUE(allclose(A.matmul(linalg_lu_solve(LU, pivots, B)), B, 1e-13, 1e-13));
  EXPECT_TRUE(allclose(A.t().matmul(linalg_lu_solve(LU, pivots, B, true, true)), B, 1e-13, 1e-13));
  const Tensor Bt = B.t();
  EXPECT_TRUE(allclose(linalg_lu_solve(LU, pivots, Bt, false).matmul(A), Bt, 1e-13, 1e-13));
  EXPECT_TRUE(
      allclose(linalg_lu_solve(LU, pivots, Bt, false, true).matmul(A.t()), Bt, 1e-13, 1e-13));
  EXPECT_TRUE(allclose(B.lu_solve(LU, pivots), linalg::solve(A, B, true), 1e-13, 1e-13));
  EXPECT_TRUE(contains(error_of([&] {
                         linalg_lu_solve(LU, pivots, ones({4, 2}, dtype(kFloat64)));
                       }),
                       "incompatible shapes"));
}

TEST(MatrixExp, RotationsAndLargeNorms) {
  // e^[[0, 1], [-1, 0]] is the rotation by one radian.
  const Tensor R = linalg::matrix_exp(tensor({0.0, 1.0, -1.0, 0.0}, dtype(kFloat64)).view({2, 2}));
  EXPECT_NEAR(R[0][0].item<double>(), 0.54030230586813999, 1e-15);
  EXPECT_NEAR(R[0][1].item<double>(), 0.84147098480789628, 1e-15);
  // torch.linalg.matrix_exp(tensor([[1., 2], [0, 3]]) * 10): 14 squarings.
  const Tensor big = (tensor({1.0, 2.0, 0.0, 3.0}, dtype(kFloat64)).view({2, 2}) * 10).matrix_exp();
  EXPECT_NEAR(big[0][0].item<double>() / 2.20264657948069180e+04, 1.0, 1e-13);
  EXPECT_NEAR(big[0][1].item<double>() / 1.06864745594981504e+13, 1.0, 1e-13);
  EXPECT_NEAR(big[1][1].item<double>() / 1.06864745815246230e+13, 1.0, 1e-13);
  EXPECT_EQ(big[1][0].item<double>(), 0.0);
  // e^0 = I, also batched and in float32.
  EXPECT_TRUE(equal(matrix_exp(zeros({2, 3, 3})), eye(3).expand({2, 3, 3})));
  EXPECT_TRUE(contains(error_of([] { matrix_exp(full({2, 2}, NAN)); }), "non-finite"));
}
