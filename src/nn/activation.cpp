// The activations after ReLU, LeakyReLU, ELU, GELU and SiLU (functional.cpp): SELU, CELU,
// Hardtanh, ReLU6, Hardshrink, Softshrink, Softplus, LogSigmoid, Mish, Softsign, Tanhshrink,
// Threshold, GLU, PReLU, RReLU, Softmin, Softmax2d, hardsigmoid and hardswish. Each is its
// functional form (composed from differentiable ops, so gradients of any order come from the
// parts), its module and LibTorch's namespace-level spelling, side by side. hardtanh (and so
// relu6 and hardsigmoid) is an op of its own in src/ops/elementwise.cpp: clamp's values with
// PyTorch's gradient, 0 on the boundaries.
#include <cmath>
#include <ostream>

#include "core/check.h"
#include "nabla/autograd.h"
#include "nabla/nn/aten_functions.h"
#include "nabla/nn/functional.h"
#include "nabla/nn/modules.h"
#include "nabla/ops.h"

namespace nabla {
namespace {

// The in-place forms write the result into the input (copy_ keeps the graph intact).
Tensor into(Tensor& input, const Tensor& result, bool inplace) {
  if (!inplace) return result;
  input.copy_(result);
  return input;
}

// scale * x for x > 0, else scale * alpha * (exp(x * input_scale) - 1): at::elu's general
// form. exp of the clamped input: the unused branch must not overflow (inf * 0 = nan).
Tensor elu_general(const Tensor& x, double alpha, double scale, double input_scale) {
  const Tensor negative = ((x.clamp_max(0) * input_scale).exp() - 1) * (alpha * scale);
  return where(x > 0, scale == 1 ? x : x * scale, negative);
}

}  // namespace

namespace nn {
namespace functional {

Tensor softmin(const Tensor& input, const SoftminFuncOptions& options) {
  return (-input).softmax(options.dim(), options.dtype());
}

Tensor selu(Tensor input, const SELUFuncOptions& options) {
  constexpr double kAlpha = 1.6732632423543772848170429916717;
  constexpr double kScale = 1.0507009873554804934193349852946;
  return into(input, elu_general(input, kAlpha, kScale, 1.0), options.inplace());
}

Tensor celu(Tensor input, const CELUFuncOptions& options) {
  NABLA_CHECK(options.alpha() != 0, "[celu] alpha cannot be 0");
  const Tensor result = elu_general(input, options.alpha(), 1.0, 1.0 / options.alpha());
  return into(input, result, options.inplace());
}

Tensor hardtanh(Tensor input, const HardtanhFuncOptions& options) {
  // An op of its own (src/ops/elementwise.cpp): clamp with a gradient of 0 on the boundaries.
  const Tensor result = nabla::hardtanh(input, options.min_val(), options.max_val());
  return into(input, result, options.inplace());
}

Tensor relu6(Tensor input, const ReLU6FuncOptions& options) {
  return hardtanh(std::move(input),
                  HardtanhFuncOptions().min_val(0).max_val(6).inplace(options.inplace()));
}

Tensor hardshrink(const Tensor& input, const HardshrinkFuncOptions& options) {
  const double l = options.lambda();
  return where((input >= -l).logical_and(input <= l), Scalar(0.0), input);
}

Tensor softshrink(const Tensor& input, const SoftshrinkFuncOptions& options) {
  const double l = options.lambda();
  NABLA_CHECK(l >= 0, "[softshrink] lambda must be greater or equal to 0, but found to be {}", l);
  // x * 0 in the middle keeps NaN, as PyTorch.
  return where(input > l, input - l, where(input < -l, input + l, input * 0));
}

Tensor softplus(const Tensor& input, const SoftplusFuncOptions& options) {
  const double beta = options.beta(), threshold = options.threshold();
  const Tensor scaled = input * beta;
  // Clamped before exp: above the threshold the branch is unused and must stay finite.
  const Tensor smooth = scaled.clamp_max(threshold).exp().log1p() / beta;
  return where(scaled > threshold, input, smooth);
}

// min(x, 0) - log(1 + exp(-|x|)), as PyTorch's: each branch is fed only the values it is
// exact for (clamped), so that neither overflows nor leaks nan into the gradient.
Tensor logsigmoid(const Tensor& input) {
  const Tensor below = input.clamp_max(0), above = input.clamp_min(0);
  return where(input < 0, below - below.exp().log1p(), -(-above).exp().log1p());
}

Tensor mish(const Tensor& input) { return input * functional::softplus(input).tanh(); }

Tensor softsign(const Tensor& input) { return input / (input.abs() + 1); }

Tensor tanhshrink(const Tensor& input) { return input - input.tanh(); }

Tensor threshold(Tensor input, const ThresholdFuncOptions& options) {
  const Tensor result = where(input <= options.threshold(), Scalar(options.value()), input);
  return into(input, result, options.inplace());
}

Tensor glu(const Tensor& input, const GLUFuncOptions& options) {
  NABLA_CHECK(input.dim() > 0,
              "[glu] glu does not support scalars because halving size must be even");
  const int64_t dim = options.dim() < 0 ? options.dim() + input.dim() : options.dim();
  NABLA_CHECK(dim >= 0 && dim < input.dim(), "[glu] dim {} is out of range for a {}-D input",
              options.dim(), input.dim());
  NABLA_CHECK(input.size(dim) % 2 == 0,
              "[glu] Halving dimension must be even, but dimension {} is size {}", dim,
              input.size(dim));
  const std::vector<Tensor> halves = input.chunk(2, dim);
  return halves[0] * halves[1].sigmoid();
}

Tensor prelu(const Tensor& input, const Tensor& weight) {
  NABLA_CHECK(input.defined() && weight.defined(), "[prelu] input and weight must be defined");
  NABLA_CHECK(weight.dim() <= 1,
              "[prelu] Expected `weight` to be a scalar or 1D tensor, but got ndim = {}",
              weight.dim());
  const int64_t channels = input.dim() >= 2 ? input.size(1) : 1;
  NABLA_CHECK(weight.numel() == 1 || weight.numel() == channels,
              "[prelu] Mismatch of parameter numbers and input channel size. Found parameter "
              "numbers = {} and channel size = {}.",
              weight.numel(), channels);
  // [C] -> [C, 1, ...]: one slope per channel (dim 1) of [N, C, ...]; a single one as [].
  std::vector<int64_t> shape(static_cast<size_t>(std::max<int64_t>(input.dim() - 1, 0)), 1);
  if (!shape.empty()) shape[0] = weight.numel();
  return where(input > 0, input, weight.reshape(shape) * input);
}

Tensor rrelu(Tensor input, const RReLUFuncOptions& options) {
  const double lower = options.lower(), upper = options.upper();
  NABLA_CHECK(lower <= upper,
              "[rrelu] Lower bound should be less than or equal to the upper bound, got {} > {}",
              lower, upper);
  Tensor result;
  if (options.training()) {
    // One slope per element from U(lower, upper); 1 where x > 0. Not differentiated.
    Tensor slope;
    {
      NoGradGuard no_grad;
      slope = empty_like(input).uniform_(lower, upper);
      slope = where(input > 0, Scalar(1.0), slope);
    }
    result = input * slope;
  } else {
    const double slope = (lower + upper) / 2;
    result = where(input > 0, input, input * slope);
  }
  return into(input, result, options.inplace());
}

}  // namespace functional

namespace F = functional;

// ---- modules -----------------------------------------------------------------------------

namespace {
void print_inplace(std::ostream& stream, bool inplace, bool first) {
  if (inplace) stream << (first ? "" : ", ") << "inplace=true";
}
}  // namespace

void SELUImpl::pretty_print(std::ostream& stream) const {
  stream << "nabla::nn::SELU(";
  print_inplace(stream, options.inplace(), true);
  stream << ")";
}
Tensor SELUImpl::forward(Tensor input) { return F::selu(std::move(input), options); }

void CELUImpl::pretty_print(std::ostream& stream) const {
  stream << "nabla::nn::CELU(alpha=" << options.alpha();
  print_inplace(stream, options.inplace(), false);
  stream << ")";
}
Tensor CELUImpl::forward(Tensor input) { return F::celu(std::move(input), options); }

void ReLU6Impl::pretty_print(std::ostream& stream) const {
  stream << "nabla::nn::ReLU6(";
  print_inplace(stream, options.inplace(), true);
  stream << ")";
}
Tensor ReLU6Impl::forward(Tensor input) { return F::relu6(std::move(input), options); }

void HardtanhImpl::reset() {
  NABLA_CHECK(options.max_val() > options.min_val(),
              "[Hardtanh] max_val must be greater than min_val, got min_val={} and max_val={}",
              options.min_val(), options.max_val());
}
void HardtanhImpl::pretty_print(std::ostream& stream) const {
  stream << "nabla::nn::Hardtanh(min_val=" << options.min_val()
         << ", max_val=" << options.max_val();
  print_inplace(stream, options.inplace(), false);
  stream << ")";
}
Tensor HardtanhImpl::forward(Tensor input) { return F::hardtanh(std::move(input), options); }

void HardshrinkImpl::pretty_print(std::ostream& stream) const {
  stream << "nabla::nn::Hardshrink(" << options.lambda() << ")";
}
Tensor HardshrinkImpl::forward(const Tensor& input) { return F::hardshrink(input, options); }

void SoftshrinkImpl::pretty_print(std::ostream& stream) const {
  stream << "nabla::nn::Softshrink(" << options.lambda() << ")";
}
Tensor SoftshrinkImpl::forward(const Tensor& input) { return F::softshrink(input, options); }

void SoftplusImpl::pretty_print(std::ostream& stream) const {
  stream << "nabla::nn::Softplus(beta=" << options.beta() << ", threshold=" << options.threshold()
         << ")";
}
Tensor SoftplusImpl::forward(const Tensor& input) { return F::softplus(input, options); }

void ThresholdImpl::pretty_print(std::ostream& stream) const {
  stream << "nabla::nn::Threshold(threshold=" << options.threshold()
         << ", value=" << options.value();
  print_inplace(stream, options.inplace(), false);
  stream << ")";
}
Tensor ThresholdImpl::forward(Tensor input) { return F::threshold(std::move(input), options); }

void GLUImpl::pretty_print(std::ostream& stream) const {
  stream << "nabla::nn::GLU(dim=" << options.dim() << ")";
}
Tensor GLUImpl::forward(const Tensor& input) { return F::glu(input, options); }

void RReLUImpl::pretty_print(std::ostream& stream) const {
  stream << "nabla::nn::RReLU(lower=" << options.lower() << ", upper=" << options.upper();
  print_inplace(stream, options.inplace(), false);
  stream << ")";
}
Tensor RReLUImpl::forward(Tensor input) {
  return F::rrelu(std::move(input), F::RReLUFuncOptions()
                                        .lower(options.lower())
                                        .upper(options.upper())
                                        .training(is_training())
                                        .inplace(options.inplace()));
}

void PReLUImpl::reset() {
  NABLA_CHECK(options.num_parameters() >= 1, "[PReLU] num_parameters must be positive, got {}",
              options.num_parameters());
  weight = register_parameter("weight", full({options.num_parameters()}, options.init()));
}
void PReLUImpl::pretty_print(std::ostream& stream) const {
  stream << "nabla::nn::PReLU(num_parameters=" << options.num_parameters() << ")";
}
Tensor PReLUImpl::forward(const Tensor& input) { return F::prelu(input, weight); }

void SoftminImpl::pretty_print(std::ostream& stream) const {
  stream << "nabla::nn::Softmin(dim=" << options.dim() << ")";
}
Tensor SoftminImpl::forward(const Tensor& input) { return F::softmin(input, options.dim()); }

void Softmax2dImpl::pretty_print(std::ostream& stream) const { stream << "nabla::nn::Softmax2d()"; }
Tensor Softmax2dImpl::forward(const Tensor& input) {
  NABLA_CHECK(input.dim() == 3 || input.dim() == 4,
              "[Softmax2d] requires a 3D or 4D tensor as input, got {}", input.sizes());
  return input.softmax(-3);
}

void LogSigmoidImpl::pretty_print(std::ostream& stream) const {
  stream << "nabla::nn::LogSigmoid()";
}
Tensor LogSigmoidImpl::forward(const Tensor& input) { return F::logsigmoid(input); }

void MishImpl::pretty_print(std::ostream& stream) const { stream << "nabla::nn::Mish()"; }
Tensor MishImpl::forward(const Tensor& input) { return F::mish(input); }

void SoftsignImpl::pretty_print(std::ostream& stream) const { stream << "nabla::nn::Softsign()"; }
Tensor SoftsignImpl::forward(const Tensor& input) { return F::softsign(input); }

void TanhshrinkImpl::pretty_print(std::ostream& stream) const {
  stream << "nabla::nn::Tanhshrink()";
}
Tensor TanhshrinkImpl::forward(const Tensor& input) { return F::tanhshrink(input); }

}  // namespace nn

// ---- LibTorch's namespace-level spellings (at::) -------------------------------------------

namespace F = nn::functional;

Tensor elu(const Tensor& self, const Scalar& alpha, const Scalar& scale,
           const Scalar& input_scale) {
  return elu_general(self, alpha.toDouble(), scale.toDouble(), input_scale.toDouble());
}
Tensor& elu_(Tensor& self, const Scalar& alpha, const Scalar& scale, const Scalar& input_scale) {
  return self.copy_(elu(self, alpha, scale, input_scale));
}
Tensor selu(const Tensor& self) { return F::selu(self); }
Tensor& selu_(Tensor& self) { return self.copy_(selu(self)); }
Tensor celu(const Tensor& self, const Scalar& alpha) {
  return F::celu(self, F::CELUFuncOptions().alpha(alpha.toDouble()));
}
Tensor& celu_(Tensor& self, const Scalar& alpha) { return self.copy_(celu(self, alpha)); }
Tensor leaky_relu(const Tensor& self, const Scalar& negative_slope) {
  return F::leaky_relu(self, F::LeakyReLUFuncOptions().negative_slope(negative_slope.toDouble()));
}
Tensor& leaky_relu_(Tensor& self, const Scalar& negative_slope) {
  return self.copy_(leaky_relu(self, negative_slope));
}
Tensor& hardtanh_(Tensor& self, const Scalar& min_val, const Scalar& max_val) {
  return self.copy_(hardtanh(self, min_val, max_val));
}
Tensor relu6(const Tensor& self) { return F::relu6(self); }
Tensor& relu6_(Tensor& self) { return self.copy_(relu6(self)); }
Tensor hardsigmoid(const Tensor& self) { return F::relu6(self + 3) / 6; }
Tensor& hardsigmoid_(Tensor& self) { return self.copy_(hardsigmoid(self)); }
// The inclusive clamp's gradient at -3 and 3 is PyTorch's here: x / 3 + 1/2 on [-3, 3].
Tensor hardswish(const Tensor& self) { return self * (self + 3).clamp(0, 6) / 6; }
Tensor& hardswish_(Tensor& self) { return self.copy_(hardswish(self)); }
Tensor hardshrink(const Tensor& self, const Scalar& lambd) {
  return F::hardshrink(self, lambd.toDouble());
}
Tensor softshrink(const Tensor& self, const Scalar& lambd) {
  return F::softshrink(self, lambd.toDouble());
}
Tensor softplus(const Tensor& self, const Scalar& beta, const Scalar& threshold) {
  return F::softplus(
      self, F::SoftplusFuncOptions().beta(beta.toDouble()).threshold(threshold.toDouble()));
}
Tensor log_sigmoid(const Tensor& self) { return F::logsigmoid(self); }
Tensor silu(const Tensor& self) { return F::silu(self); }
Tensor& silu_(Tensor& self) { return self.copy_(silu(self)); }
Tensor mish(const Tensor& self) { return F::mish(self); }
Tensor& mish_(Tensor& self) { return self.copy_(mish(self)); }
Tensor prelu(const Tensor& self, const Tensor& weight) { return F::prelu(self, weight); }
Tensor rrelu(const Tensor& self, const Scalar& lower, const Scalar& upper, bool training) {
  return F::rrelu(
      self,
      F::RReLUFuncOptions().lower(lower.toDouble()).upper(upper.toDouble()).training(training));
}
Tensor& rrelu_(Tensor& self, const Scalar& lower, const Scalar& upper, bool training) {
  return self.copy_(rrelu(self, lower, upper, training));
}
Tensor glu(const Tensor& self, int64_t dim) { return F::glu(self, dim); }
Tensor threshold(const Tensor& self, const Scalar& threshold, const Scalar& value) {
  return F::threshold(self, F::ThresholdFuncOptions(threshold.toDouble(), value.toDouble()));
}
Tensor& threshold_(Tensor& self, const Scalar& threshold, const Scalar& value) {
  return self.copy_(nabla::threshold(self, threshold, value));
}

Tensor Tensor::hardshrink(const Scalar& lambd) const { return nabla::hardshrink(*this, lambd); }
Tensor Tensor::prelu(const Tensor& weight) const { return nabla::prelu(*this, weight); }

// Gumbel(0, 1) noise is -log(E), E ~ Exp(1) = -log(1 - U); the straight-through hard sample
// is y_hard - y_soft.detach() + y_soft (LibTorch's gumbel_softmax).
Tensor nn::functional::gumbel_softmax(const Tensor& logits,
                                      const GumbelSoftmaxFuncOptions& options) {
  NABLA_CHECK(logits.defined() && logits.is_floating_point(),
              "[gumbel_softmax] expected floating point logits");
  Tensor gumbels;
  {
    NoGradGuard no_grad;
    const Tensor exponential = -(-rand_like(logits)).log1p();
    gumbels = -exponential.log();
  }
  const Tensor y_soft = ((logits + gumbels) / options.tau()).softmax(options.dim());
  if (!options.hard()) return y_soft;
  const Tensor index = std::get<1>(y_soft.max(options.dim(), true));
  const Tensor y_hard = zeros_like(logits).scatter(options.dim(), index, 1.0);
  return y_hard - y_soft.detach() + y_soft;
}

}  // namespace nabla
