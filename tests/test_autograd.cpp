// The autograd engine: accumulation, graph reuse and release, no-grad, hooks, higher order,
// in-place checks, deep graphs.
#include <gtest/gtest.h>
#include <nabla/autograd.h>
#include <nabla/creation.h>
#include <nabla/indexing.h>
#include <nabla/memory.h>
#include <nabla/ops.h>
#include <nabla/print.h>

#include <cmath>
#include <string>
#include <thread>

using namespace nabla;  // NOLINT

namespace {

Tensor leaf(std::vector<double> v) {
  return tensor(v, TensorOptions().dtype(kFloat64).requires_grad(true));
}
double at(const Tensor& t, int64_t i) { return t.reshape({-1})[i].item<double>(); }

TEST(Autograd, TensorUsedTwiceGetsTheSum) {
  Tensor x = leaf({1, 2, 3});
  Tensor y = (x * x + x * 3).sum();  // dy/dx = 2x + 3
  y.backward();
  EXPECT_DOUBLE_EQ(at(x.grad(), 0), 5);
  EXPECT_DOUBLE_EQ(at(x.grad(), 2), 9);
}

TEST(Autograd, GradientsAccumulateAcrossBackwardCalls) {
  Tensor x = leaf({1, 2});
  (x * 2).sum().backward();
  (x * 3).sum().backward();
  EXPECT_DOUBLE_EQ(at(x.grad(), 1), 5);
}

TEST(Autograd, BroadcastingIsUndoneInBackward) {
  Tensor a = tensor({{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}}, dtype(kFloat64).requires_grad(true));
  Tensor b = tensor({10.0, 20.0, 30.0}, dtype(kFloat64).requires_grad(true));
  Tensor c = tensor(2.0, dtype(kFloat64).requires_grad(true));
  ((a + b) * c).sum().backward();
  EXPECT_EQ(b.grad().sizes().vec(), std::vector<int64_t>{3});
  EXPECT_DOUBLE_EQ(at(b.grad(), 0), 4);  // two rows, times c
  EXPECT_EQ(c.grad().dim(), 0);
  EXPECT_DOUBLE_EQ(c.grad().item<double>(), 21 + 2 * 60);  // sum over the broadcast b
}

TEST(Autograd, SecondBackwardWithoutRetainGraphIsAnError) {
  Tensor x = leaf({1, 2});
  Tensor y = (x.exp() * x).sum();
  y.backward();
  try {
    y.backward();
    FAIL() << "expected nabla::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("second time"), std::string::npos) << e.what();
  }
}

TEST(Autograd, RetainGraphAllowsASecondBackward) {
  Tensor x = leaf({1, 2});
  Tensor y = (x.exp() * x).sum();
  y.backward({}, true);
  y.backward();
  EXPECT_NEAR(at(x.grad(), 0), 2 * (std::exp(1.0) * 2), 1e-12);
}

TEST(Autograd, NonScalarBackwardNeedsAGradient) {
  Tensor x = leaf({1, 2});
  EXPECT_THROW((x * 2).backward(), Error);
  (x * 2).backward(tensor({1.0, 0.5}, dtype(kFloat64)));
  EXPECT_DOUBLE_EQ(at(x.grad(), 1), 1.0);
  EXPECT_THROW((x * 2).backward(tensor({1.0, 0.5, 2.0}, dtype(kFloat64))), Error);
}

TEST(Autograd, BackwardOnATensorThatNeedsNoGradIsAnError) {
  Tensor x = tensor({1.0, 2.0});
  EXPECT_THROW(x.sum().backward(), Error);
}

TEST(Autograd, IntegerTensorsCannotRequireGrad) {
  EXPECT_THROW(tensor({1, 2}).requires_grad_(), Error);
  EXPECT_THROW(zeros({2}, TensorOptions().dtype(kInt64).requires_grad(true)), Error);
}

TEST(Autograd, NoGradGuardRecordsNothing) {
  Tensor x = leaf({1, 2});
  Tensor y;
  {
    NoGradGuard guard;
    y = x * 2;
    EXPECT_FALSE(GradMode::is_enabled());
  }
  EXPECT_TRUE(GradMode::is_enabled());
  EXPECT_FALSE(y.requires_grad());
  EXPECT_EQ(y.grad_fn(), nullptr);
}

TEST(Autograd, GradModeIsPerThread) {
  NoGradGuard guard;
  bool other_thread_enabled = false;
  std::thread t([&] { other_thread_enabled = GradMode::is_enabled(); });
  t.join();
  EXPECT_TRUE(other_thread_enabled);
}

TEST(Autograd, DetachCutsTheGraphAndSharesData) {
  Tensor x = leaf({1, 2});
  Tensor y = x * 2;
  Tensor d = y.detach();
  EXPECT_FALSE(d.requires_grad());
  EXPECT_EQ(d.data_ptr(), y.data_ptr());
}

TEST(Autograd, GradFnHasAReadableName) {
  Tensor x = leaf({1, 2});
  EXPECT_EQ((x * 2).grad_fn()->name(), "MulBackward0");
  EXPECT_EQ(x.exp().grad_fn()->name(), "ExpBackward0");
  EXPECT_TRUE(x.is_leaf());
  EXPECT_FALSE((x + 1).is_leaf());
}

TEST(Autograd, InPlaceChangeOfASavedTensorIsDetected) {
  Tensor x = leaf({1, 2});
  Tensor y = x * 1;    // non-leaf
  Tensor z = y.exp();  // saves its output
  Tensor w = z * y;    // saves y and z
  y.mul_(2);           // modifies y after it was saved
  try {
    w.sum().backward();
    FAIL() << "expected nabla::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("modified by an in-place operation"), std::string::npos)
        << e.what();
  }
}

TEST(Autograd, InPlaceOnALeafThatRequiresGradIsAnError) {
  Tensor x = leaf({1, 2});
  EXPECT_THROW(x.add_(1), Error);
  {
    NoGradGuard g;
    x.add_(1);  // allowed: this is how optimizers update weights
  }
  EXPECT_DOUBLE_EQ(at(x, 0), 2);
}

TEST(Autograd, InPlaceOpsAreDifferentiated) {
  Tensor x = leaf({1, 2, 3});
  Tensor y = x * 2;
  y.mul_(x);  // y = 2x^2
  y.add_(1);
  EXPECT_EQ(y._version(), 2u);
  y.sum().backward();
  EXPECT_DOUBLE_EQ(at(x.grad(), 2), 12);  // 4x
}

TEST(Autograd, VersionCounterIsSharedByViews) {
  Tensor x = zeros({4});
  Tensor v = x.narrow(0, 1, 2);
  v.add_(1);
  EXPECT_EQ(x._version(), 1u);
  EXPECT_DOUBLE_EQ(x[1].item<double>(), 1);
}

TEST(Autograd, HooksSeeAndReplaceGradients) {
  Tensor x = leaf({1, 2});
  Tensor seen;
  x.register_hook([&](const Tensor& g) { seen = g.clone(); });
  Tensor y = x * 3;
  y.register_hook([](const Tensor& g) { return g * 10; });
  y.sum().backward();
  EXPECT_DOUBLE_EQ(at(seen, 0), 30);
  EXPECT_DOUBLE_EQ(at(x.grad(), 0), 30);
}

TEST(Autograd, RetainGradKeepsGradOfNonLeaf) {
  Tensor x = leaf({1, 2});
  Tensor y = x * 3;
  y.retain_grad();
  (y * y).sum().backward();
  EXPECT_DOUBLE_EQ(at(y.grad(), 1), 12);
}

TEST(Autograd, GradReturnsInsteadOfAccumulating) {
  Tensor x = leaf({1, 2});
  Tensor y = (x * x * x).sum();
  auto g = autograd::grad({y}, {x});
  EXPECT_DOUBLE_EQ(at(g[0], 1), 12);  // 3x^2
  EXPECT_FALSE(x.grad().defined());
}

TEST(Autograd, HigherOrderGradients) {
  Tensor x = leaf({1, 2});
  Tensor y = (x * x * x).sum();
  auto g = autograd::grad({y}, {x}, {}, true, /*create_graph=*/true);
  EXPECT_TRUE(g[0].requires_grad());
  auto gg = autograd::grad({g[0].sum()}, {x});
  EXPECT_DOUBLE_EQ(at(gg[0], 1), 12);  // 6x
  Tensor z = (x.sin()).sum();
  auto dz = autograd::grad({z}, {x}, {}, true, true);
  auto ddz = autograd::grad({dz[0].sum()}, {x});
  EXPECT_NEAR(at(ddz[0], 0), -std::sin(1.0), 1e-12);
}

TEST(Autograd, GradOfAnUnusedInputIsAnErrorUnlessAllowed) {
  Tensor x = leaf({1, 2});
  Tensor unused = leaf({3});
  Tensor y = (x * 2).sum();
  EXPECT_THROW(autograd::grad({y}, {x, unused}, {}, true), Error);
  auto g = autograd::grad({y}, {x, unused}, {}, true, false, /*allow_unused=*/true);
  EXPECT_FALSE(g[1].defined());
}

TEST(Autograd, GradWithRespectToANonLeaf) {
  Tensor x = leaf({1, 2});
  Tensor h = x * 2;
  Tensor y = (h * h).sum();
  auto g = autograd::grad({y}, {h});
  EXPECT_DOUBLE_EQ(at(g[0], 1), 8);  // 2h
}

TEST(Autograd, DeepChainBackpropagatesWithoutRecursion) {
  Tensor x = tensor({1.0}, dtype(kFloat64).requires_grad(true));
  Tensor y = x;
  for (int i = 0; i < 100000; ++i) y = y * 1.0;
  y.sum().backward();
  EXPECT_DOUBLE_EQ(at(x.grad(), 0), 1.0);
  // And the chain is freed without recursion when `y` goes (this would overflow the stack).
  y = Tensor();
}

TEST(Autograd, GraphIsFreedWhenItsLastTensorGoes) {
  std::weak_ptr<autograd::Node> weak;
  {
    Tensor x = leaf({1, 2});
    Tensor y = (x * 2).exp();
    weak = y.grad_fn();
    EXPECT_FALSE(weak.expired());
  }
  EXPECT_TRUE(weak.expired());
}

TEST(Autograd, OutputSavedByItsOwnNodeMakesNoCycle) {
  std::weak_ptr<autograd::Node> weak;
  {
    Tensor x = leaf({1, 2});
    Tensor y = x.exp();  // ExpBackward saves y
    weak = y.grad_fn();
  }
  EXPECT_TRUE(weak.expired());
}

TEST(Autograd, TypePromotionGradientsKeepTheInputDtype) {
  Tensor a = tensor({1.0f, 2.0f}, requires_grad(true));
  Tensor b = tensor({3.0, 4.0}, dtype(kFloat64).requires_grad(true));
  Tensor c = a * b;
  EXPECT_EQ(c.scalar_type(), kFloat64);
  c.sum().backward();
  EXPECT_EQ(a.grad().scalar_type(), kFloat32);
  EXPECT_EQ(b.grad().scalar_type(), kFloat64);
  EXPECT_FLOAT_EQ(a.grad()[1].item<float>(), 4.0f);
}

}  // namespace

// A root that is also reachable from another root runs once, after that root has passed its
// gradient down (so both contributions reach the leaf).
TEST(AutogradEngine, RootReachableFromAnotherRoot) {
  Tensor x = tensor({1.0, 2.0}, kDouble).requires_grad_();
  Tensor y = x * 2;
  Tensor z = (y * 3).sum();
  autograd::backward({y, z}, {ones_like(y), Tensor()}, /*retain_graph=*/true);
  EXPECT_TRUE(x.grad().equal(tensor({8.0, 8.0}, kDouble)));  // 2 from y, 2 * 3 from z
  Tensor g = autograd::grad({y.sum(), z}, {x}, {}, true)[0];
  EXPECT_TRUE(g.equal(tensor({8.0, 8.0}, kDouble)));
}

// relu_ on a tensor in the graph writes into that tensor and nothing else: no clone of the old
// value, no out-of-place result copied back (both would be freed into the allocator's cache).
// Values, first and second derivatives as relu()'s; the saved result is version-checked.
// The in-place unary ops whose gradient reads only their result (or nothing): on a tensor in
// the graph they write into it, with no clone, and differentiate as their out-of-place forms.
struct InPlaceUnaryCase {
  const char* name;
  const char* node_name;
  Tensor& (*inplace)(Tensor&);
  Tensor (*out_of_place)(const Tensor&);
  Tensor (*input)(const Tensor& x);  // a tensor in the graph, inside the op's domain
};
Tensor anywhere(const Tensor& x) { return x * 2; }
Tensor positive(const Tensor& x) { return x * x + 0.5; }
Tensor inside_unit(const Tensor& x) { return (x * 0.5).tanh() * 0.9; }
const InPlaceUnaryCase kInPlaceUnaryCases[] = {
    {"relu_", "ReluBackward0", nabla::relu_, nabla::relu, anywhere},
    {"neg_", "NegBackward0", nabla::neg_, nabla::neg, anywhere},
    {"exp_", "ExpBackward0", nabla::exp_, nabla::exp, anywhere},
    {"sqrt_", "SqrtBackward0", nabla::sqrt_, nabla::sqrt, positive},
    {"rsqrt_", "RsqrtBackward0", nabla::rsqrt_, nabla::rsqrt, positive},
    {"sigmoid_", "SigmoidBackward0", nabla::sigmoid_, nabla::sigmoid, anywhere},
    {"tanh_", "TanhBackward0", nabla::tanh_, nabla::tanh, anywhere},
    {"reciprocal_", "ReciprocalBackward0", nabla::reciprocal_, nabla::reciprocal, positive},
    {"expm1_", "Expm1Backward0", nabla::expm1_, nabla::expm1, anywhere},
    {"exp2_", "Exp2Backward0", nabla::exp2_, nabla::exp2, anywhere},
    {"tan_", "TanBackward0", nabla::tan_, nabla::tan, inside_unit},
    {"erfinv_", "ErfinvBackward0", nabla::erfinv_, nabla::erfinv, inside_unit},
    {"frac_", "FracBackward0", nabla::frac_, nabla::frac, anywhere},
};

TEST(Autograd, UnaryInPlaceInTheGraphWritesOnlyIntoItsInput) {
  for (const InPlaceUnaryCase& op : kInPlaceUnaryCases) {
    SCOPED_TRACE(op.name);
    manual_seed(7);
    Tensor x = randn({1 << 20}).requires_grad_();
    Tensor h = op.input(x);
    const void* data = h.data_ptr();
    empty_cache();
    const size_t cached_before = cached_bytes();
    Tensor& r = op.inplace(h);
    EXPECT_EQ(&r, &h);
    EXPECT_EQ(h.data_ptr(), data);
    EXPECT_LT(cached_bytes(), cached_before + (size_t{1} << 20))
        << op.name << " allocated a temporary of the tensor's size";
    EXPECT_EQ(std::string(h.grad_fn()->name()), op.node_name);

    Tensor expected = op.out_of_place(op.input(x));
    EXPECT_TRUE(h.equal(expected));
    // First and second derivatives of sum(f(.)^2) equal the out-of-place op's: the saved
    // result carries the graph onward.
    auto g_inplace = autograd::grad({(h * h).sum()}, {x}, {}, true, /*create_graph=*/true);
    auto g_outofplace = autograd::grad({(expected * expected).sum()}, {x}, {}, true, true);
    EXPECT_TRUE(g_inplace[0].equal(g_outofplace[0]));
    auto gg_inplace = autograd::grad({g_inplace[0].sum()}, {x});
    auto gg_outofplace = autograd::grad({g_outofplace[0].sum()}, {x});
    EXPECT_TRUE(gg_inplace[0].equal(gg_outofplace[0]));
    EXPECT_GT(gg_inplace[0].abs().sum().item<double>(), 0.0);
  }
}

TEST(Autograd, UnaryInPlaceChecksItsSavedResultAndRejectsLeavesAndViews) {
  for (const InPlaceUnaryCase& op : kInPlaceUnaryCases) {
    SCOPED_TRACE(op.name);
    Tensor x = rand({6}).requires_grad_();
    Tensor a = op.input(x);
    Tensor b = op.inplace(a) * 3;
    a.mul_(2);  // changes the saved result (for neg_, the graph records a's new version too)
    if (std::string(op.name) != "neg_") {  // neg_ saves nothing
      EXPECT_THROW(b.sum().backward(), Error);
    }

    Tensor leaf = rand({4}).requires_grad_();
    EXPECT_THROW(op.inplace(leaf), Error);  // a leaf that requires grad
    Tensor base = op.input(x);
    Tensor view = base.narrow(0, 1, 3);
    EXPECT_THROW(op.inplace(view), Error);  // a view in the graph
  }
}

TEST(Autograd, UnaryInPlaceWithoutAGraphWritesIntoSelf) {
  for (const InPlaceUnaryCase& op : kInPlaceUnaryCases) {
    SCOPED_TRACE(op.name);
    Tensor x = op.input(rand({5, 3}) + 0.5);
    Tensor expected = op.out_of_place(x);
    Tensor& r = op.inplace(x);
    EXPECT_EQ(&r, &x);
    EXPECT_TRUE(x.equal(expected));
    Tensor column = op.input(rand({3, 5}) + 0.5).t();  // non-contiguous, written through strides
    Tensor expected_column = op.out_of_place(column);
    op.inplace(column);
    EXPECT_TRUE(column.equal(expected_column));
  }
  Tensor ints = arange(5);
  EXPECT_THROW(ints.exp_(), Error);  // a float result cannot be written into an int tensor
  EXPECT_TRUE(ints.neg_().equal(-arange(5)));
  EXPECT_TRUE(ints.relu_().equal(zeros({5}, kLong)));
}
