// Users' autograd functions (nabla/autograd/custom_function.h): gradients checked numerically
// by gradcheck (first and second order), saved tensors, mark_dirty, mark_non_differentiable,
// needs_input_grad, set_materialize_grads, and the errors for malformed backward results.
#include <gtest/gtest.h>

#include <nabla/nabla.h>

namespace {

using nabla::Tensor;
using nabla::autograd::AutogradContext;
using nabla::autograd::variable_list;

Tensor f64(std::vector<double> v) { return nabla::tensor(v, nabla::dtype(nabla::kFloat64)); }

// x * exp(y) * c: two tensor inputs, a double, saved inputs and saved output.
struct MulExp : nabla::autograd::Function<MulExp> {
  static Tensor forward(AutogradContext* ctx, Tensor x, Tensor y, double c) {
    auto out = x * y.exp() * c;
    ctx->save_for_backward({x, y, out});
    ctx->saved_data["c"] = c;
    return out;
  }
  static variable_list backward(AutogradContext* ctx, variable_list g) {
    auto s = ctx->get_saved_variables();
    const double c = ctx->saved_data["c"].toDouble();
    Tensor gx = ctx->needs_input_grad(0) ? g[0] * s[1].exp() * c : Tensor();
    Tensor gy = ctx->needs_input_grad(1) ? g[0] * s[2] : Tensor();  // d/dy = out
    return {gx, gy, Tensor()};
  }
};

TEST(CustomFunction, GradcheckFirstAndSecondOrder) {
  auto x = f64({0.3, -1.2, 2.0}).requires_grad_();
  auto y = f64({0.1, 0.5, -0.7}).requires_grad_();
  nabla::autograd::GradcheckOptions o;
  o.check_grad_grad = true;
  EXPECT_TRUE(nabla::autograd::gradcheck(
      [](const variable_list& in) { return MulExp::apply(in[0], in[1], 1.5); }, {x, y}, o));
}

TEST(CustomFunction, NeedsInputGradSkipsInputsWithoutGrad) {
  auto x = f64({1.0, 2.0}).requires_grad_();
  auto y = f64({0.0, 1.0});
  auto out = MulExp::apply(x, y, 2.0);
  EXPECT_EQ(out.grad_fn()->name(), "CppNode");
  out.sum().backward();
  EXPECT_TRUE(nabla::allclose(x.grad(), y.exp() * 2));
  EXPECT_FALSE(y.grad().defined());
}

TEST(CustomFunction, NoGraphWithoutGradMode) {
  auto x = f64({1.0}).requires_grad_();
  nabla::NoGradGuard no_grad;
  auto out = MulExp::apply(x, f64({0.0}), 3.0);
  EXPECT_FALSE(out.requires_grad());
  EXPECT_EQ(out.item<double>(), 3.0);
}

struct Square_ : nabla::autograd::Function<Square_> {
  static Tensor forward(AutogradContext* ctx, Tensor x) {
    ctx->save_for_backward({x.clone()});
    x.mul_(x);
    ctx->mark_dirty({x});
    return x;
  }
  static variable_list backward(AutogradContext* ctx, variable_list g) {
    return {2 * g[0] * ctx->get_saved_variables()[0]};
  }
};

TEST(CustomFunction, MarkDirtyMovesTheHistoryOfTheInput) {
  auto a = f64({1.0, -3.0}).requires_grad_();
  auto b = a * 1;
  const auto version = b._version();
  auto c = Square_::apply(b);
  EXPECT_TRUE(c.is_same(b));
  EXPECT_GT(b._version(), version);
  EXPECT_EQ(b.grad_fn()->name(), "CppNode");
  c.sum().backward();
  EXPECT_TRUE(nabla::allclose(a.grad(), f64({2.0, -6.0})));
}

TEST(CustomFunction, MarkDirtyOnALeafThatRequiresGradIsAnError) {
  auto a = f64({1.0}).requires_grad_();
  EXPECT_THROW(Square_::apply(a), nabla::Error);
}

struct Identity : nabla::autograd::Function<Identity> {
  static Tensor forward(AutogradContext*, Tensor x) { return x; }
  static variable_list backward(AutogradContext*, variable_list g) { return {g[0] * 3}; }
};

TEST(CustomFunction, AnInputReturnedUnchangedBecomesANewTensor) {
  auto a = f64({1.0, 2.0}).requires_grad_();
  auto b = Identity::apply(a);
  EXPECT_FALSE(b.is_same(a));
  EXPECT_EQ(b.data_ptr(), a.data_ptr());
  b.sum().backward();
  EXPECT_TRUE(nabla::allclose(a.grad(), f64({3.0, 3.0})));
}

struct SplitSign : nabla::autograd::Function<SplitSign> {
  static variable_list forward(AutogradContext* ctx, Tensor x) {
    auto sign = x.sign();
    ctx->mark_non_differentiable({sign});
    ctx->set_materialize_grads(false);
    return {x.abs(), sign};
  }
  static variable_list backward(AutogradContext* ctx, variable_list g) {
    EXPECT_FALSE(g[1].defined());  // not materialized: the sign got no gradient
    EXPECT_FALSE(ctx->materialize_grads());
    return {g[0] * f64({-1.0, 1.0})};
  }
};

TEST(CustomFunction, NonDifferentiableOutputsAndUnmaterializedGrads) {
  auto x = f64({-2.0, 5.0}).requires_grad_();
  auto out = SplitSign::apply(x);
  EXPECT_TRUE(out[0].requires_grad());
  EXPECT_FALSE(out[1].requires_grad());
  out[0].sum().backward();
  EXPECT_TRUE(nabla::allclose(x.grad(), f64({-1.0, 1.0})));
}

struct WrongCount : nabla::autograd::Function<WrongCount> {
  static Tensor forward(AutogradContext*, Tensor x, Tensor y) { return x + y; }
  static variable_list backward(AutogradContext*, variable_list g) { return {g[0]}; }
};
struct WrongShape : nabla::autograd::Function<WrongShape> {
  static Tensor forward(AutogradContext*, Tensor x) { return x.sum(); }
  static variable_list backward(AutogradContext*, variable_list g) { return {g[0]}; }
};

TEST(CustomFunction, MalformedBackwardResultsAreErrors) {
  auto x = f64({1.0, 2.0}).requires_grad_();
  EXPECT_THROW(WrongCount::apply(x, x * 2).sum().backward(), nabla::Error);
  try {
    WrongShape::apply(x).backward();
    FAIL() << "no error";
  } catch (const nabla::Error& e) {
    EXPECT_NE(std::string(e.what()).find("invalid gradient at index 0"), std::string::npos)
        << e.what();
  }
}

TEST(CustomFunction, SavedTensorModifiedInPlaceIsAnError) {
  auto x = f64({1.0, 2.0}).requires_grad_();
  auto y = f64({0.5, 0.5}).requires_grad_();
  auto h = y * 1;
  auto out = MulExp::apply(x, h, 1.0);
  {
    nabla::NoGradGuard no_grad;
    h.add_(1);
  }
  EXPECT_THROW(out.sum().backward(), nabla::Error);
}

TEST(IValue, HoldsWhatSavedDataNeeds) {
  nabla::IValue i = 3, d = 2.5, b = true, s = "name", t = f64({1.0});
  EXPECT_EQ(i.toInt(), 3);
  EXPECT_EQ(d.toDouble(), 2.5);
  EXPECT_TRUE(b.toBool());
  EXPECT_EQ(s.toStringRef(), "name");
  EXPECT_TRUE(t.toTensor().equal(f64({1.0})));
  EXPECT_THROW(i.toDouble(), nabla::Error);
}

}  // namespace
