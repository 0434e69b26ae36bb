// A LibTorch program with users' own autograd functions, as in LibTorch's autograd tutorial:
// LinearFunction and MulConstant, a cube with its second derivative, an in-place function
// (mark_dirty) and one with a non-differentiable output. It checks every gradient against
// central differences and prints the results; the same file is compiled against LibTorch by
// the parity tests (only the include differs).
#ifdef NABLA_PROGRAM_LIBTORCH
#include <torch/torch.h>
#else
#include <nabla/torch.h>
#endif

#include <cmath>
#include <cstdio>
#include <functional>

using torch::autograd::AutogradContext;
using torch::autograd::Variable;
using torch::autograd::variable_list;

namespace {

int failures = 0;

void expect(bool ok, const char* what) {
  if (!ok) {
    std::printf("FAILED: %s\n", what);
    ++failures;
  }
}

void show(const char* name, const torch::Tensor& t) {
  auto flat = t.to(torch::kFloat64).contiguous().reshape({-1});
  std::printf("%s", name);
  for (int64_t i = 0; i < flat.numel(); ++i) std::printf(" %.6g", flat[i].item<double>());
  std::printf("\n");
}

// y = x W^T + b, as in LibTorch's "Custom autograd functions" tutorial.
struct LinearFunction : public torch::autograd::Function<LinearFunction> {
  static torch::Tensor forward(AutogradContext* ctx, torch::Tensor input, torch::Tensor weight,
                               torch::Tensor bias = torch::Tensor()) {
    ctx->save_for_backward({input, weight, bias});
    auto output = input.mm(weight.t());
    if (bias.defined()) output += bias.unsqueeze(0).expand_as(output);
    return output;
  }
  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    auto saved = ctx->get_saved_variables();
    auto input = saved[0];
    auto weight = saved[1];
    auto bias = saved[2];
    auto grad_output = grad_outputs[0];
    auto grad_input = grad_output.mm(weight);
    auto grad_weight = grad_output.t().mm(input);
    auto grad_bias = torch::Tensor();
    if (bias.defined()) grad_bias = grad_output.sum(0);
    return {grad_input, grad_weight, grad_bias};
  }
};

struct MulConstant : public torch::autograd::Function<MulConstant> {
  static torch::Tensor forward(AutogradContext* ctx, torch::Tensor tensor, double constant) {
    ctx->saved_data["constant"] = constant;
    return tensor * constant;
  }
  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    return {grad_outputs[0] * ctx->saved_data["constant"].toDouble(), torch::Tensor()};
  }
};

// x^3 with a backward written in differentiable ops: its own gradient is 6x.
struct Cube : public torch::autograd::Function<Cube> {
  static torch::Tensor forward(AutogradContext* ctx, torch::Tensor x) {
    ctx->save_for_backward({x});
    return x * x * x;
  }
  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    auto x = ctx->get_saved_variables()[0];
    return {grad_outputs[0] * 3 * x * x};
  }
};

// x.add_(1) in place: the input is returned and marked dirty.
struct AddOne : public torch::autograd::Function<AddOne> {
  static torch::Tensor forward(AutogradContext* ctx, torch::Tensor x) {
    x.add_(1);
    ctx->mark_dirty({x});
    return x;
  }
  static variable_list backward(AutogradContext*, variable_list grad_outputs) {
    return {grad_outputs[0]};
  }
};

// (2x, x > 0): the mask gets no gradient.
struct DoubleAndMask : public torch::autograd::Function<DoubleAndMask> {
  static variable_list forward(AutogradContext* ctx, torch::Tensor x) {
    auto mask = (x > 0).to(torch::kFloat);
    ctx->mark_non_differentiable({mask});
    return {x * 2, mask};
  }
  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    TORCH_CHECK(ctx->needs_input_grad(0), "the input needs a gradient");
    return {grad_outputs[0] * 2};
  }
};

// Central differences of sum(f(x) * weights) with respect to x, in float64.
torch::Tensor numeric_grad(const std::function<torch::Tensor(torch::Tensor)>& f, torch::Tensor x,
                           torch::Tensor weights) {
  torch::NoGradGuard no_grad;
  auto grad = torch::zeros_like(x);
  auto flat = x.reshape({-1});
  for (int64_t i = 0; i < flat.numel(); ++i) {
    const double v = flat[i].item<double>(), eps = 1e-6;
    flat[i] = v + eps;
    const double up = (f(x) * weights).sum().item<double>();
    flat[i] = v - eps;
    const double down = (f(x) * weights).sum().item<double>();
    flat[i] = v;
    grad.reshape({-1})[i] = (up - down) / (2 * eps);
  }
  return grad;
}

void check_linear() {
  torch::manual_seed(0);
  auto opts = torch::TensorOptions().dtype(torch::kFloat64);
  auto x = torch::linspace(-1, 1, 6, opts).reshape({2, 3}).requires_grad_();
  auto w = torch::linspace(0.5, -0.7, 12, opts).reshape({4, 3}).requires_grad_();
  auto b = torch::linspace(0.1, 0.4, 4, opts).requires_grad_();
  auto y = LinearFunction::apply(x, w, b);
  show("linear_forward", y);
  auto weights = torch::linspace(1, 2, 8, opts).reshape({2, 4});
  (y * weights).sum().backward();
  show("linear_grad_x", x.grad());
  show("linear_grad_w", w.grad());
  show("linear_grad_b", b.grad());
  auto gx =
      numeric_grad([&](torch::Tensor v) { return v.mm(w.t()) + b; }, x.detach().clone(), weights);
  expect(torch::allclose(x.grad(), gx, 1e-5, 1e-7), "LinearFunction: d/dx");
  auto no_bias = LinearFunction::apply(x, w);
  expect(no_bias.sizes() == y.sizes(), "LinearFunction without bias");
}

void check_mul_constant() {
  auto x = torch::ones({3}, torch::requires_grad());
  auto y = MulConstant::apply(x, 5.5);
  y.sum().backward();
  show("mul_constant_grad", x.grad());
  expect(torch::allclose(x.grad(), torch::full({3}, 5.5)), "MulConstant: gradient");
}

void check_cube_double_backward() {
  auto opts = torch::TensorOptions().dtype(torch::kFloat64);
  auto x = torch::linspace(-2, 2, 5, opts).requires_grad_();
  auto y = Cube::apply(x);
  auto g = torch::autograd::grad({y.sum()}, {x}, {}, /*retain_graph=*/true,
                                 /*create_graph=*/true)[0];
  show("cube_grad", g);
  expect(torch::allclose(g, 3 * x.detach() * x.detach()), "Cube: first derivative");
  auto gg = torch::autograd::grad({g.sum()}, {x})[0];
  show("cube_grad_grad", gg);
  expect(torch::allclose(gg, 6 * x.detach()), "Cube: second derivative");
}

void check_dirty_and_non_differentiable() {
  auto a = torch::tensor({1.0, -2.0, 3.0}, torch::requires_grad());
  auto b = a * 1;  // not a leaf: it may be modified in place
  auto c = AddOne::apply(b);
  show("add_one", c);
  expect(b.equal(c), "AddOne: the input is modified and returned");
  (c * c).sum().backward();
  show("add_one_grad", a.grad());
  expect(torch::allclose(a.grad(), 2 * (a.detach() + 1)),
         "AddOne: gradient through the dirty input");

  auto x = torch::tensor({-1.0, 0.5, 2.0}, torch::requires_grad());
  auto out = DoubleAndMask::apply(x);
  show("mask", out[1]);
  expect(!out[1].requires_grad(), "mark_non_differentiable: the mask needs no gradient");
  (out[0] * out[1]).sum().backward();
  show("masked_grad", x.grad());
}

}  // namespace

int main() {
  check_linear();
  check_mul_constant();
  check_cube_double_backward();
  check_dirty_and_non_differentiable();
  std::printf("failures %d\n", failures);
  return failures == 0 ? 0 : 1;
}
