// autograd::gradcheck itself: it passes correct gradients, catches wrong first and second
// derivatives (built with gradient hooks), and rejects misuse.
#include <gtest/gtest.h>

#include <nabla/nabla.h>

using nabla::Tensor;
using nabla::autograd::gradcheck;
using nabla::autograd::GradcheckOptions;
using nabla::autograd::variable_list;

namespace {

using HookFn = std::function<Tensor(const Tensor&)>;

Tensor input(std::vector<double> values, std::vector<int64_t> shape) {
  Tensor t = nabla::tensor(values, nabla::dtype(nabla::kFloat64)).reshape(shape).detach();
  t.requires_grad_(true);
  return t;
}

Tensor a() { return input({0.3, -1.2, 0.7, 2.1, -0.4, 1.5}, {2, 3}); }
Tensor b() { return input({1.1, 0.2, -0.9, 0.5, 1.7, -1.3}, {2, 3}); }

GradcheckOptions no_throw() {
  GradcheckOptions o;
  o.raise_exception = false;
  return o;
}

std::string failure_message(const std::function<variable_list(const variable_list&)>& fn,
                            const variable_list& inputs, GradcheckOptions o = {}) {
  o.raise_exception = true;
  try {
    gradcheck(fn, inputs, o);
  } catch (const nabla::Error& e) {
    return e.what();
  }
  return "";
}

TEST(GradcheckApi, PassesForCorrectOps) {
  EXPECT_TRUE(gradcheck([](const variable_list& x) { return x[0] * x[1]; }, {a(), b()}));
  EXPECT_TRUE(gradcheck([](const variable_list& x) { return x[0].exp(); }, {a()}));
  EXPECT_TRUE(gradcheck([](const variable_list& x) { return (x[0] * x[1]).sum(); }, {a(), b()}));
  // Several outputs, broadcasting, an input used twice.
  Tensor row = input({0.5, -0.25, 2.0}, {3});
  EXPECT_TRUE(gradcheck(
      [](const variable_list& x) {
        return variable_list{x[0] * x[1], (x[0] * x[0]).sin(), x[1] / (x[0].exp() + 1)};
      },
      {a(), row}));
  // A 0-d input and a 0-d output.
  EXPECT_TRUE(
      gradcheck([](const variable_list& x) { return x[0] * x[0] * x[0]; }, {input({1.3}, {})}));
}

TEST(GradcheckApi, PassesSecondOrderForCorrectOps) {
  GradcheckOptions o;
  o.check_grad_grad = true;
  EXPECT_TRUE(gradcheck([](const variable_list& x) { return x[0] * x[1] * x[0]; }, {a(), b()}, o));
  EXPECT_TRUE(gradcheck([](const variable_list& x) { return x[0].exp(); }, {a()}, o));
  EXPECT_TRUE(gradcheck([](const variable_list& x) { return (x[0] * x[1]).sum(); }, {a(), b()}, o));
  // Linear in x: the gradient is constant, its derivative zero.
  EXPECT_TRUE(gradcheck([](const variable_list& x) { return x[0] * 3.0; }, {a()}, o));
}

TEST(GradcheckApi, DetectsAWrongGradient) {
  // y = 3x whose gradient a hook doubles: the analytic gradient is 6, the true one 3.
  auto wrong = [](const variable_list& x) {
    Tensor y = x[0] * 3.0;
    y.register_hook(HookFn([](const Tensor& g) { return g * 2.0; }));
    return variable_list{y};
  };
  EXPECT_FALSE(gradcheck(wrong, {a()}, no_throw()));
  const std::string msg = failure_message(wrong, {a()});
  EXPECT_NE(msg.find("[gradcheck] Jacobian mismatch for output 0 with respect to input 0"),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("analytic"), std::string::npos) << msg;
  EXPECT_NE(msg.find("numerical"), std::string::npos) << msg;
  EXPECT_NE(msg.find("6 of 6 checked values mismatch"), std::string::npos) << msg;
  EXPECT_THROW(gradcheck(wrong, {a()}), nabla::Error);
}

TEST(GradcheckApi, LocatesTheWrongInputAndElement) {
  // Only the gradient of input 1 is wrong, and only where the mask is set: element 4, [1, 1].
  auto wrong = [](const variable_list& x) {
    Tensor b2 = x[1] * 1.0;
    b2.register_hook(HookFn([](const Tensor& g) {
      Tensor mask = nabla::tensor({0.0, 0.0, 0.0, 0.0, 1.0, 0.0}, nabla::dtype(nabla::kFloat64));
      return g + g * mask.reshape({2, 3});
    }));
    return variable_list{x[0] * b2};
  };
  const std::string msg = failure_message(wrong, {a(), b()});
  EXPECT_NE(msg.find("with respect to input 1 at element 4 (index [1, 1])"), std::string::npos)
      << msg;
  EXPECT_NE(msg.find("1 of 12 checked values mismatch"), std::string::npos) << msg;
}

TEST(GradcheckApi, DetectsAWrongSecondDerivative) {
  // z = (x^2)^2 with the gradient of x^2 detached: right values, wrong double backward.
  auto wrong = [](const variable_list& x) {
    Tensor y = x[0] * x[0];
    y.register_hook(HookFn([](const Tensor& g) { return g.detach(); }));
    return variable_list{y * y};
  };
  EXPECT_TRUE(gradcheck(wrong, {a()}));  // first order is right
  GradcheckOptions o;
  o.check_grad_grad = true;
  o.raise_exception = false;
  EXPECT_FALSE(gradcheck(wrong, {a()}, o));
  const std::string msg = failure_message(wrong, {a()}, o);
  EXPECT_NE(msg.find("second-order"), std::string::npos) << msg;
  EXPECT_NE(msg.find("input 0"), std::string::npos) << msg;
}

TEST(GradcheckApi, InputsMustBeFloat64) {
  Tensor f = nabla::ones({3}, nabla::requires_grad(true));  // float32
  try {
    gradcheck([](const variable_list& x) { return x[0] * 2; }, {f});
    ADD_FAILURE() << "float32 input accepted";
  } catch (const nabla::Error& e) {
    EXPECT_NE(std::string(e.what()).find("kFloat64"), std::string::npos) << e.what();
  }
  // Even with raise_exception = false: misuse is not a gradient mismatch.
  EXPECT_THROW(gradcheck([](const variable_list& x) { return x[0] * 2; }, {f}, no_throw()),
               nabla::Error);
  // Nothing to check.
  Tensor d = nabla::ones({3}, nabla::dtype(nabla::kFloat64));
  EXPECT_THROW(gradcheck([](const variable_list& x) { return x[0] * 2; }, {d}), nabla::Error);
  EXPECT_THROW(gradcheck([](const variable_list& x) { return x[0] * 2; }, {Tensor()}),
               nabla::Error);
  // Computing in float32 inside is refused too.
  EXPECT_THROW(gradcheck([](const variable_list& x) { return x[0].to(nabla::kFloat32); }, {a()}),
               nabla::Error);
  GradcheckOptions bad;
  bad.eps = 0;
  EXPECT_THROW(gradcheck([](const variable_list& x) { return x[0]; }, {a()}, bad), nabla::Error);
}

TEST(GradcheckApi, ConstantsUnusedInputsAndIntegerOutputs) {
  Tensor c = nabla::tensor({1.0, 2.0, 3.0, 4.0, 5.0, 6.0}, nabla::dtype(nabla::kFloat64))
                 .reshape({2, 3});  // does not require grad: not checked
  Tensor unused = input({1.0, 2.0}, {2});
  EXPECT_TRUE(gradcheck(
      [](const variable_list& x) {
        return variable_list{x[0] * x[1], nabla::ones({2}, nabla::dtype(nabla::kFloat64)),
                             nabla::zeros({3}, nabla::dtype(nabla::kLong))};
      },
      {a(), c, unused}));
  // The identity: outputs may be the inputs themselves.
  EXPECT_TRUE(gradcheck([](const variable_list& x) { return x[0]; }, {a()}));
}

TEST(GradcheckApi, NonContiguousInputsAndNoSideEffects) {
  Tensor base = a();
  Tensor t = base.t();  // a view that requires grad
  Tensor before = base.detach().clone();
  EXPECT_TRUE(gradcheck([](const variable_list& x) { return x[0] * x[0] + x[0].sin(); }, {t}));
  // Inputs are restored and no .grad() is accumulated.
  EXPECT_TRUE(base.detach().equal(before));
  EXPECT_FALSE(base.grad().defined());
}

}  // namespace
