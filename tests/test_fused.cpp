// Fused kernels against their unfused compositions (the oracle): linear (one GEMM onto the
// broadcast bias), cross_entropy (log-softmax + NLL in one node), the SGD and Adam updates (one
// loop per parameter), and the floating-point mode (flush-to-zero) on every pool thread. The
// composite fallbacks (what a backend without the fused families runs) are forced with
// detail::FusedKernelsGuard(false) and must give the same values as the kernels.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "nabla/nabla.h"

using namespace nabla;  // NOLINT
namespace F = nabla::nn::functional;
using autograd::variable_list;

namespace {

Tensor rnd(std::vector<int64_t> shape, uint64_t seed, ScalarType dtype = kDouble,
           bool grad = true) {
  manual_seed(seed);
  Tensor t = randn(shape, TensorOptions().dtype(dtype));
  return grad ? t.requires_grad_() : t;
}

void expect_close(const Tensor& a, const Tensor& b, double tol) {
  ASSERT_EQ(a.sizes(), b.sizes());
  if (a.numel() == 0) return;
  const double diff = (a.detach().to(kDouble) - b.detach().to(kDouble)).abs().max().item<double>();
  EXPECT_LE(diff, tol) << "max |a - b| = " << diff;
}

// Values and gradients (wrt every input) of fused(inputs) and oracle(inputs) agree.
void compare(const std::function<Tensor(const variable_list&)>& fused,
             const std::function<Tensor(const variable_list&)>& oracle, const variable_list& in,
             double tol) {
  Tensor a = fused(in), b = oracle(in);
  expect_close(a, b, tol);
  Tensor w = rnd(a.sizes().vec(), 99, a.scalar_type(), false);
  variable_list ga = autograd::grad({a}, in, {w}), gb = autograd::grad({b}, in, {w});
  for (size_t i = 0; i < in.size(); ++i) expect_close(ga[i], gb[i], tol);
}

Tensor linear_oracle(const Tensor& x, const Tensor& w, const Tensor& b) {
  Tensor y = x.matmul(w.t());
  return b.defined() ? y + b : y;
}

}  // namespace

// ---- linear --------------------------------------------------------------------------------

TEST(FusedLinear, MatchesMatmulPlusBias) {
  for (std::vector<int64_t> in_shape : {std::vector<int64_t>{5, 7}, {2, 3, 7}, {7}, {0, 7}}) {
    Tensor x = rnd(in_shape, 1), w = rnd({4, 7}, 2), b = rnd({4}, 3);
    compare([](const variable_list& v) { return F::linear(v[0], v[1], v[2]); },
            [](const variable_list& v) { return linear_oracle(v[0], v[1], v[2]); }, {x, w, b},
            1e-12);
    compare([](const variable_list& v) { return F::linear(v[0], v[1]); },
            [](const variable_list& v) { return linear_oracle(v[0], v[1], Tensor()); }, {x, w},
            1e-12);
  }
}

TEST(FusedLinear, Float32AndNonContiguousOperands) {
  Tensor x = rnd({9, 6}, 4, kFloat, false).t().requires_grad_();  // [6, 9], strided
  Tensor w = rnd({5, 9}, 5, kFloat), b = rnd({5}, 6, kFloat);
  compare([](const variable_list& v) { return F::linear(v[0], v[1], v[2]); },
          [](const variable_list& v) { return linear_oracle(v[0], v[1], v[2]); }, {x, w, b}, 1e-5);
  EXPECT_EQ(F::linear(x, w, b).grad_fn()->name(), "AddmmBackward0");
}

// The CPU's kernel (FusedOp::Linear) adds the bias to the finished product, in the thread that
// made those columns: the same bits as the composition, for every path of the product (rows
// around the direct and transposed paths' 64, column blocks, k blocks of 256), thread count,
// dtype and leading shape; bias values inf and NaN included. The fallback (the product onto
// the broadcast bias) agrees to rounding.
TEST(FusedLinear, KernelGivesTheCompositionsBits) {
  struct Shape {
    std::vector<int64_t> x;
    int64_t out;
  };
  const std::vector<Shape> shapes = {{{1, 5}, 3},      {{7, 300}, 1},     {{64, 784}, 256},
                                     {{64, 256}, 10},  {{65, 40}, 33},    {{300, 20}, 800},
                                     {{2, 33, 17}, 9}, {{4, 0}, 6},       {{0, 5}, 4},
                                     {{100, 600}, 70}, {{3, 4, 5, 6}, 2}, {{1, 1}, 1}};
  const int before = get_num_threads();
  uint64_t seed = 40;
  for (ScalarType dt : {kFloat, kDouble}) {
    for (const Shape& sh : shapes) {
      const int64_t in = sh.x.back();
      const Tensor x = rnd(sh.x, seed++, dt, false), w = rnd({sh.out, in}, seed++, dt, false);
      Tensor b = rnd({sh.out}, seed++, dt, false);
      if (sh.out > 2) {
        b[0] = std::numeric_limits<double>::infinity();
        b[1] = std::numeric_limits<double>::quiet_NaN();
      }
      const Tensor want = linear_oracle(x, w, b);
      for (int threads : {1, 2, 3}) {
        set_num_threads(threads);
        const Tensor got = F::linear(x, w, b);
        ASSERT_EQ(got.sizes(), want.sizes());
        // NaN where the composition has NaN, and the same bits everywhere else.
        EXPECT_TRUE(got.isnan().equal(want.isnan()) && got.nan_to_num(0).equal(want.nan_to_num(0)))
            << x.sizes() << " @ [" << in << ", " << sh.out << "]^T, " << dt << ", " << threads
            << " threads: not the composition's bits";
        detail::FusedKernelsGuard unfused(false);
        const Tensor fallback = F::linear(x, w, b);
        EXPECT_TRUE(fallback.isnan().equal(want.isnan()));
        expect_close(fallback.nan_to_num(0, 0, 0), want.nan_to_num(0, 0, 0),
                     dt == kFloat ? 2e-6 * static_cast<double>(in) + 1e-5 : 1e-12);
      }
    }
  }
  set_num_threads(before);
}

TEST(FusedLinear, GradcheckAndDoubleBackward) {
  Tensor x = rnd({3, 4}, 7), w = rnd({2, 4}, 8), b = rnd({2}, 9);
  autograd::GradcheckOptions o;
  o.check_grad_grad = true;
  EXPECT_TRUE(autograd::gradcheck(
      [](const variable_list& v) { return F::linear(v[0], v[1], v[2]).tanh(); }, {x, w, b}, o));
}

TEST(FusedLinear, NoGraphWithoutGrad) {
  NoGradGuard no_grad;
  Tensor y = F::linear(rnd({2, 3}, 1), rnd({4, 3}, 2), rnd({4}, 3));
  EXPECT_FALSE(y.requires_grad());
  EXPECT_EQ(y.grad_fn(), nullptr);
}

TEST(FusedLinear, BadShapesRaise) {
  EXPECT_THROW(F::linear(rnd({2, 3}, 1), rnd({4, 5}, 2)), Error);
  EXPECT_THROW(F::linear(rnd({2, 3}, 1), rnd({4, 3}, 2), rnd({5}, 3)), Error);
  EXPECT_THROW(F::linear(rnd({2, 3}, 1, kFloat), rnd({4, 3}, 2)), Error);
}

// ---- Sequential's Linear, ReLU pair ---------------------------------------------------------

namespace {
// nn::Linear(in, out) with the given parameters (bias undefined: a layer without bias).
nn::Linear linear_with(const Tensor& w, const Tensor& b) {
  nn::Linear layer(nn::LinearOptions(w.size(1), w.size(0)).bias(b.defined()));
  layer->weight = w;
  if (b.defined()) layer->bias = b;
  return layer;
}

// The same bits, NaN in the same places.
bool same_bits(const Tensor& a, const Tensor& b) {
  return a.sizes() == b.sizes() && a.isnan().equal(b.isnan()) &&
         a.nan_to_num(0, 0, 0).equal(b.nan_to_num(0, 0, 0));
}
}  // namespace

// Sequential(Linear, ReLU) is one op, LinearReluBackward, whose kernel applies relu with the
// bias on each thread's columns: the bits of relu(linear(x)) as two ops, forward and every
// gradient, for every path of the product, thread count, dtype, with and without bias, NaN and
// inf in the input and bias included; the composition without the kernels agrees to rounding.
TEST(FusedLinear, SequentialLinearReluGivesTheCompositionsBits) {
  struct Shape {
    std::vector<int64_t> x;
    int64_t out;
  };
  const std::vector<Shape> shapes = {{{64, 784}, 256}, {{64, 256}, 128}, {{5, 7}, 4},
                                     {{2, 33, 17}, 9}, {{65, 40}, 33},   {{300, 20}, 800},
                                     {{0, 5}, 4},      {{4, 0}, 6},      {{1, 1}, 1}};
  const int before = get_num_threads();
  uint64_t seed = 140;
  for (ScalarType dt : {kFloat, kDouble}) {
    for (const Shape& sh : shapes) {
      for (bool with_bias : {true, false}) {
        const int64_t in = sh.x.back();
        SCOPED_TRACE(::testing::Message()
                     << "x " << ::testing::PrintToString(sh.x) << ", out " << sh.out << ", " << dt
                     << (with_bias ? "" : ", no bias"));
        Tensor x = rnd(sh.x, seed++, dt, false), w = rnd({sh.out, in}, seed++, dt);
        Tensor b = with_bias ? rnd({sh.out}, seed++, dt) : Tensor();
        if (x.numel() > 3) x.view({-1})[2] = std::numeric_limits<double>::quiet_NaN();
        if (with_bias && sh.out > 2) {
          NoGradGuard no_grad;
          b[0] = std::numeric_limits<double>::infinity();
          b[1] = -std::numeric_limits<double>::infinity();
        }
        x.requires_grad_();
        variable_list inputs{x, w};
        if (with_bias) inputs.push_back(b);
        nn::Linear layer = linear_with(w, b);
        nn::Sequential fused(layer, nn::ReLU());
        Tensor want = nn::ReLU()(layer(x));  // two modules, two ops
        Tensor g = rnd(want.sizes().vec(), seed++, dt, false);
        const variable_list want_d = autograd::grad({want}, inputs, {g}, true);
        for (int threads : {1, 2, 3}) {
          set_num_threads(threads);
          SCOPED_TRACE(::testing::Message() << threads << " threads");
          Tensor got = fused->forward(x);
          EXPECT_EQ(got.grad_fn()->name(), "LinearReluBackward");
          EXPECT_TRUE(same_bits(got, want));
          const variable_list d = autograd::grad({got}, inputs, {g});
          for (size_t i = 0; i < inputs.size(); ++i)
            EXPECT_TRUE(same_bits(d[i], want_d[i])) << "gradient " << i;
        }
        detail::FusedKernelsGuard unfused(false);
        Tensor composed = fused->forward(x);
        EXPECT_NE(composed.grad_fn()->name(), "LinearReluBackward");
        EXPECT_TRUE(composed.isnan().equal(want.isnan()));
        const double tol = dt == kFloat ? 2e-6 * static_cast<double>(in) + 1e-5 : 1e-12;
        expect_close(composed.nan_to_num(0, 0, 0), want.nan_to_num(0, 0, 0), tol);
        const variable_list cd = autograd::grad({composed}, inputs, {g});
        for (size_t i = 0; i < inputs.size(); ++i)
          expect_close(cd[i].nan_to_num(0, 0, 0), want_d[i].nan_to_num(0, 0, 0), tol * 10);
      }
    }
  }
  set_num_threads(before);
}

// A strided input (a transposed view) through the pair: made contiguous once, for the kernel,
// and given as it is to the fallback relu(linear(x)) without the kernels (which makes its own
// contiguous copy); the values and gradients of the two modules either way.
TEST(FusedLinear, SequentialLinearReluTakesAStridedInput) {
  Tensor x = rnd({9, 6}, 150, kFloat, false).t().requires_grad_();  // [6, 9], strided
  Tensor w = rnd({4, 9}, 151, kFloat), b = rnd({4}, 152, kFloat);
  nn::Linear layer = linear_with(w, b);
  nn::Sequential pair(layer, nn::ReLU());
  const Tensor want = nn::ReLU()(layer(x));
  const Tensor g = rnd({6, 4}, 153, kFloat, false);
  const variable_list want_d = autograd::grad({want}, {x, w, b}, {g}, true);
  const Tensor got = pair->forward(x);
  EXPECT_EQ(got.grad_fn()->name(), "LinearReluBackward");
  EXPECT_TRUE(same_bits(got, want));
  const variable_list d = autograd::grad({got}, {x, w, b}, {g});
  for (size_t i = 0; i < d.size(); ++i) EXPECT_TRUE(same_bits(d[i], want_d[i])) << i;
  detail::FusedKernelsGuard unfused(false);
  const Tensor composed = pair->forward(x);
  EXPECT_EQ(composed.grad_fn()->name(), "ReluBackward0");
  expect_close(composed, want, 1e-5);
  const variable_list cd = autograd::grad({composed}, {x, w, b}, {g});
  for (size_t i = 0; i < cd.size(); ++i) expect_close(cd[i], want_d[i], 1e-5);
}

// The pair is fused only when nothing can see the product before relu: a forward hook on either
// module, a subclass of LinearImpl (its own forward) or a Linear without a ReLU after it runs the
// modules one by one, with the same values. Without grad mode there is no node at all.
TEST(FusedLinear, SequentialFusesLinearReluOnlyWhereNothingSeesTheProduct) {
  manual_seed(150);
  nn::Linear l1(6, 8), l2(8, 3), l3(3, 2);
  nn::ReLU relu;
  nn::Sequential seq(l1, relu, l2, nn::ReLU(), l3);
  Tensor x = randn({4, 6});
  Tensor by_hand = l3(l2(relu(l1(x))).relu());
  EXPECT_TRUE(seq->forward(x).allclose(by_hand, 1e-6, 1e-6));
  EXPECT_EQ(nn::Sequential(l1, relu)->forward(x).grad_fn()->name(), "LinearReluBackward");
  EXPECT_EQ(nn::Sequential(l1)->forward(x).grad_fn()->name(), "AddmmBackward0");
  EXPECT_EQ(nn::Sequential(relu, l1)->forward(x.narrow(1, 0, 6)).grad_fn()->name(),
            "AddmmBackward0");
  int seen = 0;
  const uint64_t hook = relu->register_forward_hook(
      [&](nn::Module&, const std::vector<Tensor>& in, const std::vector<Tensor>&) {
        ++seen;
        EXPECT_EQ(in[0].sizes(), (std::vector<int64_t>{4, 8}));
      });
  Tensor hooked = nn::Sequential(l1, relu)->forward(x);
  EXPECT_EQ(seen, 1);
  EXPECT_EQ(hooked.grad_fn()->name(), "ReluBackward0");
  relu->remove_hook(hook);
  const uint64_t linear_hook = l1->register_forward_hook(
      [&](nn::Module&, const std::vector<Tensor>&, const std::vector<Tensor>&) { ++seen; });
  EXPECT_EQ(nn::Sequential(l1, relu)->forward(x).grad_fn()->name(), "ReluBackward0");
  EXPECT_EQ(seen, 2);
  l1->remove_hook(linear_hook);
  struct Doubled : nn::LinearImpl {
    using LinearImpl::LinearImpl;
    Tensor forward(const Tensor& input) { return LinearImpl::forward(input) * 2; }
  };
  auto doubled = std::make_shared<Doubled>(6, 8);
  Tensor y = nn::Sequential(doubled, nn::ReLU())->forward(x);
  EXPECT_TRUE(y.allclose(doubled->forward(x).relu(), 1e-6, 1e-6));
  NoGradGuard no_grad;
  Tensor plain = nn::Sequential(l1, relu)->forward(x);
  EXPECT_EQ(plain.grad_fn(), nullptr);
  EXPECT_TRUE(plain.allclose(relu(l1(x)), 0, 0));
}

// Bad shapes raise linear's errors through the fused pair.
TEST(FusedLinear, SequentialLinearReluBadShapesRaise) {
  nn::Sequential seq(nn::Linear(4, 3), nn::ReLU());
  EXPECT_THROW(seq->forward(randn({2, 5})), Error);
  EXPECT_THROW(seq->forward(randn({2, 4}, TensorOptions().dtype(kDouble))), Error);
}

// ---- cross_entropy -------------------------------------------------------------------------

namespace {
Tensor ce_oracle(const Tensor& x, const Tensor& t, const F::CrossEntropyFuncOptions& o) {
  return F::nll_loss(
      x.log_softmax(1), t,
      F::NLLLossFuncOptions().ignore_index(o.ignore_index()).reduction(o.reduction()));
}
}  // namespace

TEST(FusedCrossEntropy, MatchesLogSoftmaxPlusNll) {
  Tensor t = tensor(std::vector<int64_t>{2, 0, -100, 4, 1, 3});
  for (ScalarType dt : {kDouble, kFloat}) {
    for (auto red : {Reduction::Mean, Reduction::Sum, Reduction::None}) {
      const auto o = F::CrossEntropyFuncOptions().reduction(red);
      compare([&](const variable_list& v) { return F::cross_entropy(v[0], t, o); },
              [&](const variable_list& v) { return ce_oracle(v[0], t, o); }, {rnd({6, 5}, 11, dt)},
              dt == kDouble ? 1e-12 : 1e-5);
    }
  }
  EXPECT_EQ(F::cross_entropy(rnd({6, 5}, 1), t).grad_fn()->name(), "NllLossBackward0");
}

// Rows longer than the softmax row kernel's 32 lanes (a language model's vocabulary: the
// lanes, then their tail) and rows shorter than them, with an ignored row.
TEST(FusedCrossEntropy, ManyClassesMatchLogSoftmaxPlusNll) {
  Tensor t = tensor(std::vector<int64_t>{2, 99, -100, 40, 0});
  for (ScalarType dt : {kDouble, kFloat}) {
    for (auto red : {Reduction::Mean, Reduction::None}) {
      const auto o = F::CrossEntropyFuncOptions().reduction(red);
      compare([&](const variable_list& v) { return F::cross_entropy(v[0], t, o); },
              [&](const variable_list& v) { return ce_oracle(v[0], t, o); },
              {rnd({5, 100}, 16, dt)}, dt == kDouble ? 1e-12 : 1e-5);
    }
  }
  // The loss terms are log_softmax's own values, to the bit, for long rows and short ones.
  for (int64_t classes : {100, 41, 5}) {
    Tensor x = rnd({5, classes}, 17, kFloat, false);
    Tensor tc = t.remainder(classes).masked_fill(t == -100, -100);
    Tensor none = F::cross_entropy(x, tc, F::CrossEntropyFuncOptions().reduction(Reduction::None));
    Tensor lp = x.log_softmax(1);
    for (int64_t i = 0; i < 5; ++i) {
      const int64_t k = tc[i].item<int64_t>();
      EXPECT_EQ(none[i].item<float>(), k == -100 ? 0.0f : -lp[i][k].item<float>())
          << classes << " classes, row " << i;
    }
  }
}

TEST(FusedCrossEntropy, FallbackMatchesKernel) {
  Tensor t = tensor(std::vector<int64_t>{2, 0, -100, 4, 1, 3});
  for (ScalarType dt : {kDouble, kFloat}) {
    for (auto red : {Reduction::Mean, Reduction::Sum, Reduction::None}) {
      const auto o = F::CrossEntropyFuncOptions().reduction(red);
      compare([&](const variable_list& v) { return F::cross_entropy(v[0], t, o); },
              [&](const variable_list& v) {
                nabla::detail::FusedKernelsGuard off(false);
                Tensor r = F::cross_entropy(v[0], t, o);
                EXPECT_NE(r.grad_fn()->name(), "NllLossBackward0");  // the composition ran
                return r;
              },
              {rnd({6, 5}, 14, dt)}, dt == kDouble ? 1e-12 : 1e-5);
    }
  }
  nabla::detail::FusedKernelsGuard off(false);
  Tensor x = rnd({2, 3}, 15);
  EXPECT_TRUE(
      std::isnan(F::cross_entropy(x, tensor(std::vector<int64_t>{-100, -100})).item<double>()));
  for (int64_t bad : {3, -1}) {
    try {
      F::cross_entropy(x, tensor(std::vector<int64_t>{0, bad}));
      ADD_FAILURE() << "target " << bad << " accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("[cross_entropy] target " + std::to_string(bad)),
                std::string::npos)
          << e.what();
    }
  }
}

TEST(FusedCrossEntropy, ExtremeLogitsAndAllIgnored) {
  Tensor x = tensor({{1000.0, 0.0, -1000.0}, {-INFINITY, 0.0, 1.0}}).to(kDouble).requires_grad_();
  Tensor t = tensor(std::vector<int64_t>{1, 2});
  compare([&](const variable_list& v) { return F::cross_entropy(v[0], t); },
          [&](const variable_list& v) { return ce_oracle(v[0], t, {}); }, {x}, 1e-9);
  Tensor ignored = tensor(std::vector<int64_t>{-100, -100});
  EXPECT_TRUE(std::isnan(F::cross_entropy(x, ignored).item<double>()));
  EXPECT_THROW(F::cross_entropy(x, tensor(std::vector<int64_t>{0, 3})), Error);
}

TEST(FusedCrossEntropy, DoubleBackward) {
  Tensor t = tensor(std::vector<int64_t>{1, 0, 2});
  autograd::GradcheckOptions o;
  o.check_grad_grad = true;
  EXPECT_TRUE(autograd::gradcheck([&](const variable_list& v) { return F::cross_entropy(v[0], t); },
                                  {rnd({3, 4}, 12)}, o));
  EXPECT_TRUE(autograd::gradcheck(
      [&](const variable_list& v) {
        return F::cross_entropy(v[0], t, F::CrossEntropyFuncOptions().reduction(Reduction::None));
      },
      {rnd({3, 4}, 13)}, o));
}

// ---- optimizers: a contiguous parameter takes the fused loop, a transposed one the composed
// ops; both see the same values and gradients and must stay equal. ---------------------------

namespace {
template <class Opt, class Options>
void compare_optimizer(const Options& options, ScalarType dt, double tol) {
  Tensor init = rnd({4, 6}, 21, dt, false);
  Tensor fused = init.clone().requires_grad_();
  Tensor composed = init.t().contiguous().t().requires_grad_();  // same values, strided
  ASSERT_FALSE(composed.is_contiguous());
  Opt a({fused}, options), b({composed}, options);
  for (int step = 0; step < 4; ++step) {
    Tensor g = rnd({4, 6}, 30 + step, dt, false);
    fused.mutable_grad() = g.clone();
    composed.mutable_grad() = g.t().contiguous().t();
    a.step();
    b.step();
    expect_close(fused, composed, tol);
  }
}
}  // namespace

TEST(FusedOptim, SgdMatchesComposedOps) {
  using optim::SGDOptions;
  for (ScalarType dt : {kDouble, kFloat}) {
    const double tol = dt == kDouble ? 1e-12 : 1e-5;
    compare_optimizer<optim::SGD>(SGDOptions(0.1), dt, tol);
    compare_optimizer<optim::SGD>(SGDOptions(0.1).momentum(0.9), dt, tol);
    compare_optimizer<optim::SGD>(SGDOptions(0.1).momentum(0.9).dampening(0.3), dt, tol);
    compare_optimizer<optim::SGD>(SGDOptions(0.1).momentum(0.9).nesterov(true), dt, tol);
    compare_optimizer<optim::SGD>(SGDOptions(0.1).momentum(0.5).weight_decay(0.01), dt, tol);
  }
}

TEST(FusedOptim, AdamMatchesComposedOps) {
  using optim::AdamOptions;
  using optim::AdamWOptions;
  for (ScalarType dt : {kDouble, kFloat}) {
    const double tol = dt == kDouble ? 1e-12 : 1e-5;
    compare_optimizer<optim::Adam>(AdamOptions(0.01), dt, tol);
    compare_optimizer<optim::Adam>(AdamOptions(0.01).weight_decay(0.1), dt, tol);
    compare_optimizer<optim::Adam>(AdamOptions(0.01).amsgrad(true), dt, tol);
    compare_optimizer<optim::AdamW>(AdamWOptions(0.01).weight_decay(0.1), dt, tol);
  }
}

namespace {
// The same contiguous parameter updated by the kernel and by the composition (kernels off).
template <class Opt, class Options>
void compare_optimizer_fallback(const Options& options, ScalarType dt, double tol) {
  Tensor fused = rnd({4, 6}, 22, dt, false).requires_grad_();
  Tensor composed = fused.detach().clone().requires_grad_();
  Opt a({fused}, options), b({composed}, options);
  for (int step = 0; step < 4; ++step) {
    Tensor g = rnd({4, 6}, 40 + step, dt, false);
    fused.mutable_grad() = g.clone();
    composed.mutable_grad() = g.clone();
    a.step();
    {
      nabla::detail::FusedKernelsGuard off(false);
      b.step();
    }
    expect_close(fused, composed, tol);
  }
}
}  // namespace

TEST(FusedOptim, FallbackMatchesKernel) {
  using optim::AdamOptions;
  using optim::AdamWOptions;
  using optim::SGDOptions;
  for (ScalarType dt : {kDouble, kFloat}) {
    const double tol = dt == kDouble ? 1e-12 : 1e-5;
    compare_optimizer_fallback<optim::SGD>(SGDOptions(0.1), dt, tol);
    compare_optimizer_fallback<optim::SGD>(SGDOptions(0.1).momentum(0.9).dampening(0.3), dt, tol);
    compare_optimizer_fallback<optim::SGD>(SGDOptions(0.1).momentum(0.9).nesterov(true), dt, tol);
    compare_optimizer_fallback<optim::SGD>(SGDOptions(0.1).momentum(0.5).weight_decay(0.01), dt,
                                           tol);
    compare_optimizer_fallback<optim::Adam>(AdamOptions(0.01).weight_decay(0.1), dt, tol);
    compare_optimizer_fallback<optim::Adam>(AdamOptions(0.01).amsgrad(true), dt, tol);
    compare_optimizer_fallback<optim::AdamW>(AdamWOptions(0.01).weight_decay(0.1), dt, tol);
  }
}

// A model trained where the backend has only the basic families (fused kernels off) follows
// the one trained with the kernels: LSTM and GRU layers and cells, linear, cross-entropy, Adam.
TEST(FusedFallback, WholeModelTrainsTheSame) {
  auto run = [](bool fused) {
    nabla::detail::FusedKernelsGuard guard(fused);
    manual_seed(5);
    nn::LSTM lstm(nn::LSTMOptions(3, 5).num_layers(2));
    nn::GRU gru(nn::GRUOptions(5, 4));
    nn::LSTMCell cell(4, 4);
    nn::Linear head(4, 3);
    std::vector<Tensor> params;
    for (nn::Module* m : std::vector<nn::Module*>{lstm.get(), gru.get(), cell.get(), head.get()}) {
      m->to(kDouble);
      for (auto& p : m->parameters()) params.push_back(p);
    }
    optim::Adam opt(params, optim::AdamOptions(0.01));
    Tensor x = randn({6, 2, 3}, kDouble);  // [T, B, in]
    Tensor target = tensor(std::vector<int64_t>{0, 2});
    Tensor loss;
    for (int step = 0; step < 3; ++step) {
      opt.zero_grad();
      Tensor h = std::get<0>(gru(std::get<0>(lstm(x))));
      auto [hc, cc] = cell(h[-1]);
      loss = F::cross_entropy(head(hc), target);
      loss.backward();
      opt.step();
    }
    return std::make_pair(loss.detach(), head->weight.detach().clone());
  };
  auto [loss_fused, w_fused] = run(true);
  auto [loss_composed, w_composed] = run(false);
  expect_close(loss_fused, loss_composed, 1e-10);
  expect_close(w_fused, w_composed, 1e-10);
}

TEST(FusedOptim, InfParameterWithoutWeightDecayStaysFinite) {
  // d = g + 0 * p would be nan for p = inf; the update must not form it.
  Tensor p = tensor({INFINITY, 1.0}).requires_grad_();
  optim::SGD opt({p}, optim::SGDOptions(0.1));
  p.mutable_grad() = tensor({1.0, 1.0});
  opt.step();
  EXPECT_TRUE(std::isinf(p[0].item<double>()));
}

// ---- flush-to-zero -------------------------------------------------------------------------

TEST(FlushDenormal, OnByDefaultOnEveryThreadAndSwitchable) {
  const float denormal = std::numeric_limits<float>::denorm_min() * 1000;
  const float tiny = std::numeric_limits<float>::min();  // the smallest normal float
  // On by default: a product below the normal range is flushed to zero.
  EXPECT_EQ((full({4}, tiny) * 0.5f).abs().max().item<float>(), 0.0f);
  // Large enough to run on several pool threads.
  EXPECT_TRUE(set_flush_denormal(false));
  Tensor x = full({1 << 20}, denormal, TensorOptions().dtype(kFloat));  // made without flushing
  EXPECT_EQ((x * 1.0f).min().item<float>(), denormal);
  EXPECT_EQ((full({1 << 20}, tiny) * 0.5f).min().item<float>(), tiny * 0.5f);
  EXPECT_TRUE(set_flush_denormal(true));
  EXPECT_EQ((x * 1.0f).abs().max().item<float>(), 0.0f);  // denormal inputs read as zero
  EXPECT_EQ((full({1 << 20}, tiny) * 0.5f).abs().max().item<float>(), 0.0f);
}

// float32 exp, sigmoid, tanh, erf and log run fast_math.h's vectorizable polynomials (not
// libm's); sqrt is correctly rounded on every path.
// Worst error in float ulps of y against the float64 reference over a sweep of every 4099th
// positive float and its negation, denormal results included (flush-to-zero off); a result
// that should be inf or NaN must be exactly that.
struct FastFloatOp {
  const char* name;
  Tensor (*op)(const Tensor&);
  double (*reference)(double);
  double max_ulps;
};
const FastFloatOp kFastFloatOps[] = {
    {"exp", [](const Tensor& x) { return x.exp(); }, [](double v) { return std::exp(v); }, 2},
    {"sigmoid", [](const Tensor& x) { return x.sigmoid(); },
     [](double v) { return 1 / (1 + std::exp(-v)); }, 3},
    {"tanh", [](const Tensor& x) { return x.tanh(); }, [](double v) { return std::tanh(v); }, 2},
    {"erf", [](const Tensor& x) { return nabla::erf(x); }, [](double v) { return std::erf(v); }, 3},
    {"log", [](const Tensor& x) { return x.log(); }, [](double v) { return std::log(v); }, 1.5},
    {"sqrt", [](const Tensor& x) { return x.sqrt(); }, [](double v) { return std::sqrt(v); }, 0.5},
};

TEST(FastMath, Float32WithinAFewUlpsOfFloat64) {
  std::vector<float> xs;
  for (uint32_t bits = 0; bits < 0x7f800000u; bits += 4099) {
    float v;
    std::memcpy(&v, &bits, sizeof v);
    xs.push_back(v);
    xs.push_back(-v);
  }
  ASSERT_TRUE(set_flush_denormal(false));
  for (const FastFloatOp& op : kFastFloatOps) {
    for (bool strided : {false, true}) {
      SCOPED_TRACE(std::string(op.name) + (strided ? ", strided" : ", contiguous"));
      // Strided: the same values as a transposed view, through the strided kernel.
      const Tensor x = strided ? tensor(xs).view({-1, 2}).t() : tensor(xs);
      Tensor y = op.op(x);
      if (strided) y = y.t().contiguous().view({-1});
      const float* py = y.data_ptr<float>();
      double worst = 0;
      for (size_t i = 0; i < xs.size(); ++i) {
        const double exact = op.reference(static_cast<double>(xs[i]));
        if (std::isnan(exact)) {  // log and sqrt of a negative number
          ASSERT_TRUE(std::isnan(py[i])) << "at " << xs[i];
          continue;
        }
        const float rounded = static_cast<float>(exact);
        if (std::isinf(rounded) || std::isinf(py[i])) {
          ASSERT_EQ(py[i], rounded) << "at " << xs[i];
          continue;
        }
        const double ulp =
            std::max<double>(std::nextafter(std::fabs(rounded), INFINITY) - std::fabs(rounded),
                             std::numeric_limits<float>::denorm_min());
        worst = std::max(worst, std::fabs(py[i] - exact) / ulp);
      }
      EXPECT_LE(worst, op.max_ulps);
      std::printf("%s%s: worst %.2f ulps\n", op.name, strided ? " (strided)" : "", worst);
    }
  }
  set_flush_denormal(true);
}

// Special values: signed zeros, infinities, NaN, the edges of the float range; non-contiguous
// input (the strided kernel: the same polynomials, within an ulp); in place.
TEST(FastMath, SpecialValuesAndStrides) {
  const float inf = std::numeric_limits<float>::infinity();
  Tensor s = tensor(std::vector<float>{0.0f, -0.0f, inf, -inf, NAN}).tanh();
  EXPECT_FALSE(std::signbit(s[0].item<float>()));
  EXPECT_TRUE(std::signbit(s[1].item<float>()));
  EXPECT_EQ(s[2].item<float>(), 1.0f);
  EXPECT_EQ(s[3].item<float>(), -1.0f);
  EXPECT_TRUE(std::isnan(s[4].item<float>()));

  Tensor e = tensor(std::vector<float>{0.0f, inf, -inf, NAN, 88.8f, 200.0f, -200.0f}).exp();
  EXPECT_EQ(e[0].item<float>(), 1.0f);
  EXPECT_EQ(e[1].item<float>(), inf);
  EXPECT_EQ(e[2].item<float>(), 0.0f);
  EXPECT_TRUE(std::isnan(e[3].item<float>()));
  EXPECT_EQ(e[4].item<float>(), inf);
  EXPECT_EQ(e[5].item<float>(), inf);
  EXPECT_EQ(e[6].item<float>(), 0.0f);
  // exp(-90) is a denormal: flushed to zero by default, kept when flushing is off.
  EXPECT_EQ(tensor(std::vector<float>{-90.0f}).exp().item<float>(), 0.0f);
  ASSERT_TRUE(set_flush_denormal(false));
  EXPECT_NEAR(tensor(std::vector<float>{-90.0f}).exp().item<float>(), std::exp(-90.0), 1e-45);
  set_flush_denormal(true);

  Tensor g = tensor(std::vector<float>{0.0f, inf, -inf, NAN, 100.0f, -100.0f, -20.0f}).sigmoid();
  EXPECT_EQ(g[0].item<float>(), 0.5f);
  EXPECT_EQ(g[1].item<float>(), 1.0f);
  EXPECT_EQ(g[2].item<float>(), 0.0f);
  EXPECT_TRUE(std::isnan(g[3].item<float>()));
  EXPECT_EQ(g[4].item<float>(), 1.0f);
  EXPECT_EQ(g[5].item<float>(), 0.0f);  // 3.8e-44: a denormal, flushed
  EXPECT_NEAR(g[6].item<float>(), 1 / (1 + std::exp(20.0)), 1e-15);

  Tensor l = tensor(std::vector<float>{0.0f, -0.0f, inf, -inf, NAN, -1.0f, 1.0f,
                                       std::numeric_limits<float>::min()})
                 .log();
  EXPECT_EQ(l[0].item<float>(), -inf);
  EXPECT_EQ(l[1].item<float>(), -inf);
  EXPECT_EQ(l[2].item<float>(), inf);
  EXPECT_TRUE(std::isnan(l[3].item<float>()));
  EXPECT_TRUE(std::isnan(l[4].item<float>()));
  EXPECT_TRUE(std::isnan(l[5].item<float>()));
  EXPECT_EQ(l[6].item<float>(), 0.0f);
  EXPECT_NEAR(l[7].item<float>(), std::log(std::numeric_limits<float>::min()), 1e-5);

  Tensor f = nabla::erf(tensor(std::vector<float>{0.0f, -0.0f, inf, -inf, NAN, 4.5f, -1.0f}));
  EXPECT_FALSE(std::signbit(f[0].item<float>()));
  EXPECT_TRUE(std::signbit(f[1].item<float>()));
  EXPECT_EQ(f[2].item<float>(), 1.0f);
  EXPECT_EQ(f[3].item<float>(), -1.0f);
  EXPECT_TRUE(std::isnan(f[4].item<float>()));
  EXPECT_EQ(f[5].item<float>(), 1.0f);
  EXPECT_NEAR(f[6].item<float>(), std::erf(-1.0), 2e-7);

  for (const FastFloatOp& op : kFastFloatOps) {
    SCOPED_TRACE(op.name);
    const std::string name = op.name;
    Tensor x = randn({40, 33}) * 30;
    if (name == "log" || name == "sqrt") x = x.abs();
    EXPECT_TRUE(op.op(x.t()).allclose(op.op(x.t().contiguous()), 2.5e-7, 0));
    Tensor in_place = x.clone();
    if (name == "erf" || name == "log") continue;  // no erf_ or log_
    EXPECT_TRUE(op.op(x).equal(name == "exp"       ? in_place.exp_()
                               : name == "sigmoid" ? in_place.sigmoid_()
                               : name == "sqrt"    ? in_place.sqrt_()
                                                   : in_place.tanh_()));
  }
}

// ---- gelu ----------------------------------------------------------------------------------

TEST(FusedGelu, MatchesComposition) {
  // Shapes: empty, odd, one larger than a parallel chunk, and a transposed (non-contiguous) view.
  for (ScalarType dt : {kDouble, kFloat}) {
    for (const char* approximate : {"none", "tanh"}) {
      for (std::vector<int64_t> shape : {std::vector<int64_t>{0}, {7}, {3, 17, 5}, {40001}}) {
        Tensor x = (rnd(shape, 21, dt, false) * 4).requires_grad_();
        compare([&](const variable_list& v) { return nabla::gelu(v[0], approximate); },
                [&](const variable_list& v) {
                  nabla::detail::FusedKernelsGuard off(false);
                  Tensor r = nabla::gelu(v[0], approximate);
                  if (r.numel() > 0) {
                    EXPECT_NE(r.grad_fn()->name(), "GeluBackward0");  // the composition ran
                  }
                  return r;
                },
                {x}, dt == kDouble ? 1e-12 : 2e-6);
      }
      Tensor t = (rnd({6, 9}, 22, dt, false) * 3).requires_grad_();
      compare([&](const variable_list& v) { return nabla::gelu(v[0].t(), approximate); },
              [&](const variable_list& v) {
                nabla::detail::FusedKernelsGuard off(false);
                return nabla::gelu(v[0].t(), approximate);
              },
              {t}, dt == kDouble ? 1e-12 : 2e-6);
    }
  }
}

TEST(FusedGelu, GradcheckDoubleBackwardAndEdgeValues) {
  for (const char* approximate : {"none", "tanh"}) {
    Tensor x = rnd({4, 5}, 23);
    EXPECT_EQ(nabla::gelu(x, approximate).grad_fn()->name(), "GeluBackward0");
    autograd::GradcheckOptions o;
    o.check_grad_grad = true;
    EXPECT_TRUE(autograd::gradcheck(
        [&](const variable_list& v) { return nabla::gelu(v[0], approximate); }, {x}, o));
    // Saturation: gelu(x) = x far right, 0 far left; NaN propagates; gradients 1 and 0.
    const float inf = std::numeric_limits<float>::infinity();
    Tensor e = tensor(std::vector<float>{30.0f, -30.0f, inf, NAN, 0.0f}).requires_grad_();
    Tensor y = nabla::gelu(e, approximate);
    EXPECT_EQ(y[0].item<float>(), 30.0f);
    EXPECT_EQ(y[1].item<float>(), 0.0f);
    EXPECT_EQ(y[2].item<float>(), inf);
    EXPECT_TRUE(std::isnan(y[3].item<float>()));
    EXPECT_EQ(y[4].item<float>(), 0.0f);
    Tensor g = autograd::grad({y.narrow(0, 0, 2).sum()}, {e})[0];
    EXPECT_FLOAT_EQ(g[0].item<float>(), 1.0f);
    EXPECT_FLOAT_EQ(g[1].item<float>(), 0.0f);
  }
  EXPECT_THROW(nabla::gelu(rnd({2}, 24), "fast"), Error);
}

// ---- layer_norm ----------------------------------------------------------------------------

TEST(FusedLayerNorm, MatchesComposition) {
  // Rows shorter and longer than the kernel's 16 partial sums and 64-column gradient blocks,
  // a 2-D normalized shape, every weight/bias combination, a transposed input, many rows.
  struct Case {
    std::vector<int64_t> input, normalized;
  };
  const std::vector<Case> cases = {{{7}, {7}},          {{3, 5, 17}, {17}}, {{2, 3, 4, 5}, {4, 5}},
                                   {{300, 130}, {130}}, {{2, 1}, {1}},      {{0, 6}, {6}}};
  for (ScalarType dt : {kDouble, kFloat}) {
    const double tol = dt == kDouble ? 1e-11 : 2e-5;
    for (const Case& c : cases) {
      for (int affine = 0; affine < 4; ++affine) {
        const bool has_w = affine & 1, has_b = affine & 2;
        Tensor x = rnd(c.input, 31, dt) * 3 + 1;
        x = x.detach().requires_grad_();
        variable_list inputs{x};
        if (has_w) inputs.push_back(rnd(c.normalized, 32, dt));
        if (has_b) inputs.push_back(rnd(c.normalized, 33, dt));
        auto run = [&, has_w, has_b](const variable_list& v) {
          auto o = F::LayerNormFuncOptions(c.normalized).eps(1e-4);
          if (has_w) o.weight(v[1]);
          if (has_b) o.bias(v.back());
          return F::layer_norm(v[0], o);
        };
        compare(
            run,
            [&](const variable_list& v) {
              nabla::detail::FusedKernelsGuard off(false);
              Tensor r = run(v);
              if (r.numel() > 0) {
                EXPECT_NE(r.grad_fn()->name(), "NativeLayerNormBackward0");
              }
              return r;
            },
            inputs, tol);
      }
    }
    Tensor t = rnd({6, 9}, 34, dt);
    Tensor w = rnd({6}, 35, dt), b = rnd({6}, 36, dt);
    auto transposed = [](const variable_list& v) {
      return F::layer_norm(v[0].t(), F::LayerNormFuncOptions({6}).weight(v[1]).bias(v[2]));
    };
    compare(
        transposed,
        [&](const variable_list& v) {
          nabla::detail::FusedKernelsGuard off(false);
          return transposed(v);
        },
        {t, w, b}, tol);
  }
}

TEST(FusedLayerNorm, GradcheckDoubleBackwardAndThreadCounts) {
  Tensor x = rnd({3, 4, 5}, 37), w = rnd({4, 5}, 38), b = rnd({4, 5}, 39);
  auto ln = [](const variable_list& v) {
    return F::layer_norm(v[0], F::LayerNormFuncOptions({4, 5}).weight(v[1]).bias(v[2]));
  };
  EXPECT_EQ(ln({x, w, b}).grad_fn()->name(), "NativeLayerNormBackward0");
  autograd::GradcheckOptions o;
  o.check_grad_grad = true;
  EXPECT_TRUE(autograd::gradcheck(ln, {x, w, b}, o));
  // Same bits on 1 and 2 threads, forward and every gradient (rows split across threads, the
  // parameter gradients summed over rows in order).
  Tensor xf = rnd({512, 96}, 40, kFloat), wf = rnd({96}, 41, kFloat), bf = rnd({96}, 42, kFloat);
  Tensor gy = rnd({512, 96}, 43, kFloat, false);
  auto ln96 = [](const variable_list& v) {
    return F::layer_norm(v[0], F::LayerNormFuncOptions({96}).weight(v[1]).bias(v[2]));
  };
  const int before = get_num_threads();
  std::vector<Tensor> results[2];
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    Tensor y = ln96({xf, wf, bf});
    variable_list g = autograd::grad({y}, {xf, wf, bf}, {gy});
    results[threads - 1] = {y, g[0], g[1], g[2]};
  }
  set_num_threads(before);
  for (size_t i = 0; i < 4; ++i) EXPECT_TRUE(results[0][i].equal(results[1][i])) << i;
}
