// Reductions and softmax: each op's forward, backward formula and shape rule side by side.
// Dtype rules follow PyTorch: sum and prod of integer or bool tensors give int64, mean, var,
// std and norm need floating inputs, a `dtype` argument converts the input before reducing.
// Backward formulas use nabla's own ops, so they are differentiable themselves.
#include <algorithm>
#include <cmath>
#include <limits>

#include "ops/autocast.h"
#include "ops/op_helpers.h"

namespace nabla {

using namespace detail;  // NOLINT: op helpers

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// ---- shape rules -----------------------------------------------------------------------

/// `dim` wrapped and sorted; an empty list means every dim. Raises on repeated dims.
std::vector<int64_t> reduce_dims(const Tensor& self, IntArrayRef dim, const char* op) {
  check_defined(self, op);
  const int64_t n = self.dim();
  std::vector<int64_t> dims;
  if (dim.empty()) {
    for (int64_t d = 0; d < n; ++d) dims.push_back(d);
    return dims;
  }
  std::vector<bool> seen(std::max<int64_t>(n, 1), false);
  for (int64_t d : dim) {
    const int64_t w = wrap_dim(d, n, op);
    NABLA_CHECK(!seen[w], "[{}] dim {} appears multiple times in the list of dims {}", op, w, dim);
    seen[w] = true;
    dims.push_back(w);
  }
  std::sort(dims.begin(), dims.end());
  if (n == 0) dims.clear();  // a 0-d tensor accepts dim 0 or -1 and is its own reduction
  return dims;
}

std::vector<int64_t> all_dims(const Tensor& self) { return reduce_dims(self, {}, "reduce"); }

/// One dim, wrapped; none for a 0-d tensor.
std::vector<int64_t> one_dim(const Tensor& self, int64_t dim, const char* op) {
  return reduce_dims(self, IntArrayRef(&dim, 1), op);
}

/// The result shape: reduced dims dropped, or kept with size 1.
std::vector<int64_t> reduced_shape(IntArrayRef sizes, const std::vector<int64_t>& dims,
                                   bool keepdim) {
  std::vector<int64_t> out;
  size_t k = 0;
  for (int64_t d = 0; d < static_cast<int64_t>(sizes.size()); ++d) {
    const bool reduced = k < dims.size() && dims[k] == d;
    if (reduced) ++k;
    if (!reduced)
      out.push_back(sizes[d]);
    else if (keepdim)
      out.push_back(1);
  }
  return out;
}

int64_t reduced_count(const Tensor& self, const std::vector<int64_t>& dims) {
  int64_t n = 1;
  for (int64_t d : dims) n *= self.size(d);
  return n;
}

/// max, min, amax and amin have no value over an empty set.
void check_nonempty(const Tensor& self, const std::vector<int64_t>& dims, const char* op) {
  for (int64_t d : dims) {
    NABLA_CHECK(self.size(d) > 0,
                "[{}] expected reduction dim {} to have non-zero size, but the input has shape "
                "{}",
                op, d, self.sizes());
  }
}

/// The gradient of a reduction result with the reduced dims back as size 1 (a view).
Tensor unsqueeze_dims(const Tensor& g, const std::vector<int64_t>& dims, bool keepdim) {
  if (keepdim) return g;
  Tensor r = g;
  for (int64_t d : dims) r = r.unsqueeze(d);  // ascending, so each lands at its place
  return r;
}

// ---- the forward driver ----------------------------------------------------------------

/// The backend reduction of `x` (already of the kernel's dtype) over `dims`; no autograd.
Tensor reduce_forward(ReduceOp op, const Tensor& x, const std::vector<int64_t>& dims, bool keepdim,
                      ScalarType out_dtype) {
  Tensor result = make_tensor(reduced_shape(x.sizes(), dims, keepdim), out_dtype, x.device());
  const std::vector<int64_t> kshape = reduced_shape(x.sizes(), dims, true);
  Tensor out = keepdim ? result : make_view(result, kshape, contiguous_strides(kshape), 0);
  backend_for(x).reduce(op, x, dims, out);
  return result;
}

/// The dtype sum and prod give: `dtype` if given, int64 for integers and bool.
ScalarType sum_dtype(const Tensor& self, std::optional<ScalarType> dtype) {
  if (dtype) return *dtype;
  return isIntegralType(self.scalar_type(), true) ? kLong : self.scalar_type();
}

/// Records a reduction of `self` whose backward is `bw(grad, node)`, when it has a gradient.
void record_reduction(const char* name, const Tensor& self, const Tensor& result,
                      std::function<Tensor(const Tensor&, const Node&)> bw) {
  if (!needs_grad(self) || !result.is_floating_point()) return;
  record(name, {result}, {self},
         [bw = std::move(bw), self_dtype = self.scalar_type()](const variable_list& grads,
                                                               const Node& node) -> variable_list {
           const Tensor& grad = grads[0];
           Tensor grad_self = bw(grad, node);
           return {grad_self.scalar_type() == self_dtype ? grad_self : grad_self.to(self_dtype)};
         });
}

// ---- sum, mean -------------------------------------------------------------------------

// sum: each input element gets the gradient of its output element.
Tensor sum_impl(const Tensor& self, const std::vector<int64_t>& dims, bool keepdim,
                std::optional<ScalarType> dtype, const char* name) {
  const ScalarType st = sum_dtype(self, dtype);
  Tensor result = reduce_forward(ReduceOp::Sum, cast(self, st), dims, keepdim, st);
  record_reduction(
      name, self, result,
      [self_sizes = self.sizes().vec(), dims, keepdim](const Tensor& grad, const Node&) {
        return unsqueeze_dims(grad, dims, keepdim).expand(self_sizes);
      });
  return result;
}

// mean: sum / count, so the gradient is spread evenly.
Tensor mean_impl(const Tensor& self, const std::vector<int64_t>& dims, bool keepdim,
                 std::optional<ScalarType> dtype, const char* name) {
  const ScalarType st = dtype.value_or(self.scalar_type());
  NABLA_CHECK(isFloatingType(st),
              "[mean] could not infer output dtype: {} dtype must be floating point, got {}",
              dtype ? "the optional" : "the input", st);
  const int64_t count = reduced_count(self, dims);
  Tensor result = reduce_forward(ReduceOp::Sum, cast(self, st), dims, keepdim, st);
  Tensor n = full({}, count, TensorOptions().dtype(st).device(self.device()));
  backend_for(self).binary(BinaryOp::Div, result, expand_to(n, result.sizes(), "mean"), result);
  record_reduction(
      name, self, result,
      [self_sizes = self.sizes().vec(), dims, keepdim, count](const Tensor& grad, const Node&) {
        return unsqueeze_dims(grad, dims, keepdim).expand(self_sizes) / count;
      });
  return result;
}

// ---- prod ------------------------------------------------------------------------------

// prod: d/dx_i = prod_{j != i} x_j, computed as (product of the nonzero x_j) / x_i times
// (product of the zero x_j, j != i). That second factor is written with where() so that both
// its value and its derivative are exact, which keeps double backward right with zeros: with
// one zero z it is 1 at z and x_z elsewhere; with two zeros it is the other zero at each zero
// and 0 elsewhere; with more zeros it is 0. No division by zero happens anywhere.
Tensor prod_grad(const Tensor& x, const std::vector<int64_t>& dims, bool by_dim) {
  Tensor zero = x == 0;
  Tensor safe = where(zero, 1, x);
  Tensor nonzero_prod = by_dim ? safe.prod(dims[0], /*keepdim=*/true) : safe.prod();
  Tensor zeros_in_set = zero.sum(dims, /*keepdim=*/true);
  Tensor zero_sum = where(zero, x, 0).sum(dims, /*keepdim=*/true);  // value 0, slope 1
  Tensor at_zero = where(zeros_in_set == 1, 1, where(zeros_in_set == 2, zero_sum - x, 0));
  Tensor elsewhere = where(zeros_in_set == 0, 1, where(zeros_in_set == 1, zero_sum, 0));
  return nonzero_prod / safe * where(zero, at_zero, elsewhere);
}

Tensor prod_impl(const Tensor& self, std::optional<int64_t> dim, bool keepdim,
                 std::optional<ScalarType> dtype) {
  check_defined(self, "prod");
  const ScalarType st = sum_dtype(self, dtype);
  const std::vector<int64_t> dims = dim ? one_dim(self, *dim, "prod") : all_dims(self);
  const bool by_dim = dim.has_value() && !dims.empty();
  Tensor result = reduce_forward(ReduceOp::Prod, cast(self, st), dims, dim && keepdim, st);
  record_reduction(dim ? "ProdBackward1" : "ProdBackward0", self, result,
                   [self = SavedTensor(self, false), dims, keepdim = dim && keepdim, by_dim, st](
                       const Tensor& grad, const Node& node) {
                     return unsqueeze_dims(grad, dims, keepdim) *
                            prod_grad(self.unpack(node).to(st), dims, by_dim);
                   });
  return result;
}

// ---- max, min, amax, amin --------------------------------------------------------------

// The gradient of a max / min over a set: split evenly among the elements equal to the result
// (NaN results go to the NaN inputs), as PyTorch's amax / amin.
Tensor distribute_backward(const Tensor& g, const Tensor& x, const Tensor& result,
                           const std::vector<int64_t>& dims, bool keepdim) {
  Tensor r = unsqueeze_dims(result.detach(), dims, keepdim);
  Tensor xd = x.detach();
  Tensor mask = where(r != r, xd != xd, xd == r).to(g.scalar_type());
  return unsqueeze_dims(g, dims, keepdim) * mask / mask.sum(dims, /*keepdim=*/true);
}

Tensor extreme_impl(ReduceOp op, const Tensor& self, const std::vector<int64_t>& dims, bool keepdim,
                    const char* name, const char* backward_name) {
  check_nonempty(self, dims, name);
  Tensor result = reduce_forward(op, self, dims, keepdim, self.scalar_type());
  record_reduction(backward_name, self, result,
                   [self = SavedTensor(self, false), result = SavedTensor(result, true), dims,
                    keepdim](const Tensor& grad, const Node& node) {
                     return distribute_backward(grad, self.unpack(node), result.unpack(node), dims,
                                                keepdim);
                   });
  return result;
}

Tensor max_all(const Tensor& self, bool is_max) {
  const char* name = is_max ? "max" : "min";
  check_defined(self, name);
  NABLA_CHECK(self.numel() > 0,
              "[{}] expected a non-empty tensor: the input has shape {}; specify the reduction "
              "dim with max(dim) / min(dim) to reduce an empty tensor along a non-empty dim",
              name, self.sizes());
  return extreme_impl(is_max ? ReduceOp::Max : ReduceOp::Min, self, all_dims(self), false, name,
                      is_max ? "MaxBackward1" : "MinBackward1");
}

/// Values and int64 indices of the max / min along `dim`; the first index on ties.
std::tuple<Tensor, Tensor> max_dim(const Tensor& self, int64_t dim, bool keepdim, bool is_max,
                                   const char* name) {
  const std::vector<int64_t> dims = one_dim(self, dim, name);
  check_nonempty(self, dims, name);
  const std::vector<int64_t> kshape = reduced_shape(self.sizes(), dims, true);
  const std::vector<int64_t> shape = reduced_shape(self.sizes(), dims, keepdim);
  Tensor values = make_tensor(shape, self.scalar_type(), self.device());
  Tensor indices = make_tensor(shape, kLong, self.device());
  const std::vector<int64_t> ks = contiguous_strides(kshape);
  backend_for(self).arg_reduce(is_max ? ReduceOp::Max : ReduceOp::Min, self,
                               dims.empty() ? 0 : dims[0], make_view(values, kshape, ks, 0),
                               make_view(indices, kshape, ks, 0));
  if (needs_grad(self) && values.is_floating_point()) {
    // The gradient goes to the chosen index: a one-hot mask from arange == index.
    record(is_max ? "MaxBackward0" : "MinBackward0", {values, indices}, {self},
           [indices = SavedTensor(indices, false), self_sizes = self.sizes().vec(), dims, keepdim,
            self_dtype = self.scalar_type()](const variable_list& grads,
                                             const Node& node) -> variable_list {
             const Tensor& grad = grads[0];
             if (dims.empty()) return {grad.to(self_dtype)};
             std::vector<int64_t> line(self_sizes.size(), 1);
             line[dims[0]] = self_sizes[dims[0]];
             Tensor positions =
                 arange(self_sizes[dims[0]], TensorOptions().dtype(kLong).device(grad.device()))
                     .view(line);
             Tensor mask = positions == unsqueeze_dims(indices.unpack(node), dims, keepdim);
             Tensor grad_self = where(mask, unsqueeze_dims(grad, dims, keepdim), 0);
             return {grad_self.to(self_dtype)};
           });
  }
  return {values, indices};
}

/// Indices of the max / min along `dim`, or over the flattened tensor without one.
Tensor arg_impl(const Tensor& self, std::optional<int64_t> dim, bool keepdim, bool is_max) {
  const char* name = is_max ? "argmax" : "argmin";
  check_defined(self, name);
  if (dim) {
    return std::get<1>(max_dim(self.detach(), *dim, keepdim, is_max, name));
  }
  NABLA_CHECK(self.numel() > 0,
              "[{}] expected a non-empty tensor: the input has shape {}; specify a non-empty "
              "reduction dim",
              name, self.sizes());
  Tensor flat = contiguous_nograd(alias_detached(self));
  flat = make_view(flat, {self.numel()}, {1}, flat.storage_offset());
  Tensor index = std::get<1>(max_dim(flat, 0, false, is_max, name));
  if (keepdim) {
    const std::vector<int64_t> ones(self.dim(), 1);
    return make_view(index, ones, ones, 0);
  }
  return index;
}

// ---- var, std --------------------------------------------------------------------------

// var = sum((x - mean)^2) / (N - correction); d var / dx = 2 (x - mean) / (N - correction).
// std = sqrt(var), so its gradient is var's times 1 / (2 std), taken as 0 where std == 0.
Tensor var_std(const Tensor& self, const std::vector<int64_t>& dims, bool unbiased, bool keepdim,
               bool take_sqrt) {
  const char* name = take_sqrt ? "std" : "var";
  NABLA_CHECK(self.is_floating_point(),
              "[{}] std and var only support floating point dtypes, got {}", name,
              self.scalar_type());
  const double denom =
      static_cast<double>(std::max<int64_t>(0, reduced_count(self, dims) - (unbiased ? 1 : 0)));
  Tensor result;
  {
    NoGradGuard no_grad;
    Tensor x = alias_detached(self);
    Tensor centered = x - x.mean(dims, /*keepdim=*/true);
    result = (centered * centered).sum(dims, keepdim) / denom;
    if (take_sqrt) result = result.sqrt();
  }
  record_reduction(take_sqrt ? "StdBackward0" : "VarBackward0", self, result,
                   [self = SavedTensor(self, false), result = SavedTensor(result, true), dims,
                    keepdim, denom, take_sqrt](const Tensor& grad, const Node& node) {
                     Tensor self_v = self.unpack(node);
                     Tensor grad_var = unsqueeze_dims(grad, dims, keepdim);
                     if (take_sqrt) {
                       Tensor std_v = unsqueeze_dims(result.unpack(node), dims, keepdim);
                       Tensor zero = std_v == 0;
                       grad_var = where(zero, 0, grad_var / (2 * where(zero, 1, std_v)));
                     }
                     return grad_var * 2 * (self_v - self_v.mean(dims, /*keepdim=*/true)) / denom;
                   });
  return result;
}

// ---- norm ------------------------------------------------------------------------------

Tensor norm_forward(const Tensor& x, double p, const std::vector<int64_t>& dims, bool keepdim) {
  if (p == 2) return (x * x).sum(dims, keepdim).sqrt();
  if (p == 1) return x.abs().sum(dims, keepdim);
  if (p == kInf) return x.abs().amax(dims, keepdim);
  if (p == -kInf) return x.abs().amin(dims, keepdim);
  if (p == 0) return (x != 0).to(x.scalar_type()).sum(dims, keepdim);
  return x.abs().pow(p).sum(dims, keepdim).pow(1.0 / p);
}

}  // namespace

namespace detail {
// Gradients as PyTorch's norm_backward: x / norm for p = 2 (0 where the norm is 0), sign(x)
// for p = 1, split among the extremes for p = +-inf, sign(x) |x|^(p-1) / norm^(p-1) otherwise.
Tensor norm_backward(const Tensor& g, const Tensor& x, const Tensor& norm, double p,
                     const std::vector<int64_t>& dims, bool keepdim) {
  Tensor gg = unsqueeze_dims(g, dims, keepdim);
  Tensor r = unsqueeze_dims(norm, dims, keepdim);
  Tensor r_zero = r == 0;
  if (p == 0) return zeros_like(x);
  if (p == 1) return gg * x.sign();
  if (p == 2) return x * where(r_zero, 0, gg / where(r_zero, 1, r));
  if (std::isinf(p)) {
    Tensor mask = (x.abs() == r.detach()).to(x.scalar_type());
    return gg * x.sign() * mask / mask.sum(dims, /*keepdim=*/true);
  }
  Tensor x_zero = x == 0;
  Tensor ax = where(x_zero, 1, x.abs());  // keeps |x|^(p-1) finite where x == 0
  Tensor scaled = x.sign() * where(x_zero, 0, ax.pow(p - 1));
  if (p < 1) return scaled * gg * r.pow(1 - p);
  return scaled * where(r_zero, 0, gg / where(r_zero, 1, r).pow(p - 1));
}
}  // namespace detail

namespace {

Tensor norm_impl(const Tensor& self, std::optional<Scalar> p, const std::vector<int64_t>& dims,
                 bool keepdim, const char* backward_name) {
  NABLA_CHECK(self.is_floating_point(), "[norm] input dtype should be floating point, got {}",
              self.scalar_type());
  const double pv = p ? p->toDouble() : 2.0;
  if (std::isinf(pv)) check_nonempty(self, dims, "norm");
  Tensor result;
  {
    NoGradGuard no_grad;
    result = norm_forward(alias_detached(self), pv, dims, keepdim);
  }
  record_reduction(backward_name, self, result,
                   [self = SavedTensor(self, false), result = SavedTensor(result, true), p = pv,
                    dims, keepdim](const Tensor& grad, const Node& node) {
                     return norm_backward(grad, self.unpack(node), result.unpack(node), p, dims,
                                          keepdim);
                   });
  return result;
}

// ---- softmax ---------------------------------------------------------------------------

// softmax: y = exp(x - max) / sum, backward y * (g - sum(g * y));
// log_softmax: y = x - max - log(sum), backward g - exp(y) * sum(g).
Tensor softmax_impl(const Tensor& self, int64_t dim, std::optional<ScalarType> dtype, bool log) {
  if (autocast_enabled() && !dtype) {  // in float32 (PyTorch's float32 list)
    const Tensor x = autocast_to_float(self);
    if (!x.is_same(self)) return softmax_impl(x, dim, dtype, log);
  }
  const char* name = log ? "log_softmax" : "softmax";
  check_defined(self, name);
  const int64_t d = wrap_dim(dim, self.dim(), name);
  const ScalarType st = dtype.value_or(self.scalar_type());
  NABLA_CHECK(isFloatingType(st),
              "[{}] expected a floating point input or dtype, got {} (pass dtype=kFloat to "
              "convert an integer input)",
              name, st);
  Tensor result = make_tensor(self.sizes(), st, self.device());
  backend_for(self).softmax(cast(self, st), self.dim() == 0 ? 0 : d, log, result);
  const std::vector<int64_t> dims = one_dim(self, dim, name);
  record_reduction(
      log ? "LogSoftmaxBackward0" : "SoftmaxBackward0", self, result,
      [result = SavedTensor(result, true), dims, log](const Tensor& grad, const Node& node) {
        Tensor result_v = result.unpack(node);
        if (log) return grad - result_v.exp() * grad.sum(dims, /*keepdim=*/true);
        return result_v * (grad - (grad * result_v).sum(dims, /*keepdim=*/true));
      });
  return result;
}

}  // namespace

// ---- public free functions -------------------------------------------------------------

Tensor sum(const Tensor& self, std::optional<ScalarType> dtype) {
  check_defined(self, "sum");
  return sum_impl(self, all_dims(self), false, dtype, "SumBackward0");
}
Tensor sum(const Tensor& self, OptionalIntArrayRef dim, bool keepdim,
           std::optional<ScalarType> dtype) {
  return sum_impl(self, reduce_dims(self, dim.has_value() ? *dim : IntArrayRef(), "sum"), keepdim,
                  dtype, "SumBackward1");
}
Tensor mean(const Tensor& self, std::optional<ScalarType> dtype) {
  check_defined(self, "mean");
  return mean_impl(self, all_dims(self), false, dtype, "MeanBackward0");
}
Tensor mean(const Tensor& self, OptionalIntArrayRef dim, bool keepdim,
            std::optional<ScalarType> dtype) {
  return mean_impl(self, reduce_dims(self, dim.has_value() ? *dim : IntArrayRef(), "mean"), keepdim,
                   dtype, "MeanBackward1");
}
Tensor prod(const Tensor& self, std::optional<ScalarType> dtype) {
  return prod_impl(self, std::nullopt, false, dtype);
}
Tensor prod(const Tensor& self, int64_t dim, bool keepdim, std::optional<ScalarType> dtype) {
  return prod_impl(self, dim, keepdim, dtype);
}
Tensor max(const Tensor& self) { return max_all(self, true); }
Tensor min(const Tensor& self) { return max_all(self, false); }
std::tuple<Tensor, Tensor> max(const Tensor& self, int64_t dim, bool keepdim) {
  return max_dim(self, dim, keepdim, true, "max");
}
std::tuple<Tensor, Tensor> min(const Tensor& self, int64_t dim, bool keepdim) {
  return max_dim(self, dim, keepdim, false, "min");
}
Tensor amax(const Tensor& self, IntArrayRef dim, bool keepdim) {
  return extreme_impl(ReduceOp::Max, self, reduce_dims(self, dim, "amax"), keepdim, "amax",
                      "AmaxBackward0");
}
Tensor amin(const Tensor& self, IntArrayRef dim, bool keepdim) {
  return extreme_impl(ReduceOp::Min, self, reduce_dims(self, dim, "amin"), keepdim, "amin",
                      "AminBackward0");
}
Tensor argmax(const Tensor& self, std::optional<int64_t> dim, bool keepdim) {
  return arg_impl(self, dim, keepdim, true);
}
Tensor argmin(const Tensor& self, std::optional<int64_t> dim, bool keepdim) {
  return arg_impl(self, dim, keepdim, false);
}
Tensor Tensor::var_all(bool unbiased) const {
  const Tensor& self = *this;
  check_defined(self, "var");
  return var_std(self, all_dims(self), unbiased, false, false);
}
Tensor var(const Tensor& self, IntArrayRef dim, bool unbiased, bool keepdim) {
  return var_std(self, reduce_dims(self, dim, "var"), unbiased, keepdim, false);
}
Tensor Tensor::std_all(bool unbiased) const {
  const Tensor& self = *this;
  check_defined(self, "std");
  return var_std(self, all_dims(self), unbiased, false, true);
}
Tensor std(const Tensor& self, IntArrayRef dim, bool unbiased, bool keepdim) {
  return var_std(self, reduce_dims(self, dim, "std"), unbiased, keepdim, true);
}

// logsumexp = m + log(sum(exp(x - m))) with m the max, taken as 0 where infinite so that rows
// of -inf give -inf (and +inf gives +inf) instead of NaN. Backward: g * exp(x - result).
Tensor logsumexp(const Tensor& self, IntArrayRef dim, bool keepdim) {
  const std::vector<int64_t> dims = reduce_dims(self, dim, "logsumexp");
  Tensor result;
  {
    NoGradGuard no_grad;
    Tensor x = alias_detached(self);
    if (!x.is_floating_point()) x = x.to(kFloat);
    if (x.numel() == 0) {
      result = x.exp().sum(dims, keepdim).log();
    } else {
      Tensor m = x.amax(dims, /*keepdim=*/true);
      m = where(m.abs() == kInf, 0, m);
      Tensor shift = keepdim ? m : m.reshape(reduced_shape(x.sizes(), dims, false));
      result = (x - m).exp().sum(dims, keepdim).log() + shift;
    }
  }
  record_reduction("LogsumexpBackward0", self, result,
                   [self = SavedTensor(self, false), result = SavedTensor(result, true), dims,
                    keepdim](const Tensor& grad, const Node& node) {
                     Tensor result_v = unsqueeze_dims(result.unpack(node), dims, keepdim);
                     return unsqueeze_dims(grad, dims, keepdim) *
                            (self.unpack(node) - result_v).exp();
                   });
  return result;
}

Tensor norm(const Tensor& self, const Scalar& p) {
  check_defined(self, "norm");
  return norm_impl(self, p, all_dims(self), false, "NormBackward0");
}
Tensor norm(const Tensor& self, std::optional<Scalar> p, IntArrayRef dim, bool keepdim) {
  return norm_impl(self, p, reduce_dims(self, dim, "norm"), keepdim, "NormBackward1");
}

Tensor all(const Tensor& self) {
  check_defined(self, "all");
  return reduce_forward(ReduceOp::All, self, all_dims(self), false, kBool);
}
Tensor any(const Tensor& self) {
  check_defined(self, "any");
  return reduce_forward(ReduceOp::Any, self, all_dims(self), false, kBool);
}
// Along one dim: bool, but uint8 for uint8 input, as PyTorch.
Tensor all(const Tensor& self, int64_t dim, bool keepdim) {
  check_defined(self, "all");
  const Tensor r =
      reduce_forward(ReduceOp::All, self, reduce_dims(self, {dim}, "all"), keepdim, kBool);
  return self.scalar_type() == kByte ? r.to(kByte) : r;
}
Tensor any(const Tensor& self, int64_t dim, bool keepdim) {
  check_defined(self, "any");
  const Tensor r =
      reduce_forward(ReduceOp::Any, self, reduce_dims(self, {dim}, "any"), keepdim, kBool);
  return self.scalar_type() == kByte ? r.to(kByte) : r;
}

Tensor softmax(const Tensor& self, int64_t dim, std::optional<ScalarType> dtype) {
  return softmax_impl(self, dim, dtype, false);
}
Tensor log_softmax(const Tensor& self, int64_t dim, std::optional<ScalarType> dtype) {
  return softmax_impl(self, dim, dtype, true);
}

// ---- comparison of whole tensors -------------------------------------------------------

bool equal(const Tensor& self, const Tensor& other) {
  check_defined(self, "equal", "self");
  check_defined(other, "equal", "other");
  check_same_device(self, other, "equal");
  if (self.sizes() != other.sizes()) return false;
  NoGradGuard no_grad;
  return self.eq(other).all().item<bool>();
}

// |self - other| <= atol + rtol * |other|, or equal (which covers equal infinities); NaN is
// never close. The same dtype is required, as in PyTorch.
Tensor isclose(const Tensor& self, const Tensor& other, double rtol, double atol) {
  check_defined(self, "isclose", "self");
  check_defined(other, "isclose", "other");
  NABLA_CHECK(self.scalar_type() == other.scalar_type(),
              "[isclose] expected both tensors to have the same dtype, got {} and {}",
              self.scalar_type(), other.scalar_type());
  NABLA_CHECK(rtol >= 0, "[isclose] rtol must be greater than or equal to zero, but got {}", rtol);
  NABLA_CHECK(atol >= 0, "[isclose] atol must be greater than or equal to zero, but got {}", atol);
  NoGradGuard no_grad;
  Tensor close = self == other;
  if (rtol == 0 && atol == 0) return close;
  Tensor a = self.scalar_type() == kBool ? self.to(kFloat) : self;
  Tensor b = other.scalar_type() == kBool ? other.to(kFloat) : other;
  Tensor allowed = (b * rtol).abs() + atol;
  Tensor actual = (a - b).abs();
  return close.logical_or((actual <= allowed).logical_and(actual < kInf));
}

bool allclose(const Tensor& self, const Tensor& other, double rtol, double atol) {
  return isclose(self, other, rtol, atol).all().item<bool>();
}

// ---- Tensor methods --------------------------------------------------------------------

Tensor Tensor::sum(std::optional<ScalarType> dtype) const { return nabla::sum(*this, dtype); }
Tensor Tensor::sum(OptionalIntArrayRef dim, bool keepdim, std::optional<ScalarType> dtype) const {
  return nabla::sum(*this, dim, keepdim, dtype);
}
Tensor Tensor::mean(std::optional<ScalarType> dtype) const { return nabla::mean(*this, dtype); }
Tensor Tensor::mean(OptionalIntArrayRef dim, bool keepdim, std::optional<ScalarType> dtype) const {
  return nabla::mean(*this, dim, keepdim, dtype);
}
Tensor Tensor::prod(std::optional<ScalarType> dtype) const { return nabla::prod(*this, dtype); }
Tensor Tensor::prod(int64_t dim, bool keepdim, std::optional<ScalarType> dtype) const {
  return nabla::prod(*this, dim, keepdim, dtype);
}
Tensor Tensor::max() const { return nabla::max(*this); }
std::tuple<Tensor, Tensor> Tensor::max(int64_t dim, bool keepdim) const {
  return nabla::max(*this, dim, keepdim);
}
Tensor Tensor::min() const { return nabla::min(*this); }
std::tuple<Tensor, Tensor> Tensor::min(int64_t dim, bool keepdim) const {
  return nabla::min(*this, dim, keepdim);
}
Tensor Tensor::amax(IntArrayRef dim, bool keepdim) const {
  return nabla::amax(*this, dim, keepdim);
}
Tensor Tensor::amin(IntArrayRef dim, bool keepdim) const {
  return nabla::amin(*this, dim, keepdim);
}
Tensor Tensor::argmax(std::optional<int64_t> dim, bool keepdim) const {
  return nabla::argmax(*this, dim, keepdim);
}
Tensor Tensor::argmin(std::optional<int64_t> dim, bool keepdim) const {
  return nabla::argmin(*this, dim, keepdim);
}
// ---- var_mean, std_mean, nansum, nanmean ----------------------------------------------

std::tuple<Tensor, Tensor> var_mean_all(const Tensor& self, bool unbiased) {
  return {self.var(unbiased), nabla::mean(self)};
}
std::tuple<Tensor, Tensor> var_mean(const Tensor& self, IntArrayRef dim, bool unbiased,
                                    bool keepdim) {
  return {nabla::var(self, dim, unbiased, keepdim), nabla::mean(self, dim, keepdim)};
}
std::tuple<Tensor, Tensor> std_mean_all(const Tensor& self, bool unbiased) {
  return {self.std(unbiased), nabla::mean(self)};
}
std::tuple<Tensor, Tensor> std_mean(const Tensor& self, IntArrayRef dim, bool unbiased,
                                    bool keepdim) {
  return {nabla::std(self, dim, unbiased, keepdim), nabla::mean(self, dim, keepdim)};
}

namespace {
// self (in `dtype` if given) with NaN replaced by 0: a select, so NaN positions get no gradient.
Tensor without_nan(const Tensor& self, std::optional<ScalarType> dtype, const char* op) {
  check_defined(self, op);
  const Tensor x = dtype ? self.to(*dtype) : self;
  return x.is_floating_point() ? where(x.isnan(), 0, x) : x;
}
// The mean of the non-NaN elements: their sum over their count (0 / 0 = NaN for none).
Tensor nanmean_impl(const Tensor& self, const std::vector<int64_t>& dims, bool keepdim,
                    std::optional<ScalarType> dtype) {
  const Tensor x = dtype ? self.to(*dtype) : self;
  NABLA_CHECK(x.is_floating_point(), "[nanmean] expected a floating point input (or dtype), got {}",
              x.scalar_type());
  const Tensor counted = x.isnan().logical_not().sum(dims, keepdim);
  return without_nan(x, std::nullopt, "nanmean").sum(dims, keepdim) / counted;
}
}  // namespace

Tensor nansum(const Tensor& self, std::optional<ScalarType> dtype) {
  return without_nan(self, dtype, "nansum").sum();
}
Tensor nansum(const Tensor& self, IntArrayRef dim, bool keepdim, std::optional<ScalarType> dtype) {
  return without_nan(self, dtype, "nansum").sum(dim, keepdim);
}
Tensor nanmean(const Tensor& self, std::optional<ScalarType> dtype) {
  check_defined(self, "nanmean");
  return nanmean_impl(self, all_dims(self), false, dtype);
}
Tensor nanmean(const Tensor& self, IntArrayRef dim, bool keepdim, std::optional<ScalarType> dtype) {
  check_defined(self, "nanmean");
  return nanmean_impl(self, reduce_dims(self, dim, "nanmean"), keepdim, dtype);
}
Tensor Tensor::nansum(std::optional<ScalarType> dtype) const { return nabla::nansum(*this, dtype); }
Tensor Tensor::nansum(IntArrayRef dim, bool keepdim, std::optional<ScalarType> dtype) const {
  return nabla::nansum(*this, dim, keepdim, dtype);
}
Tensor Tensor::nanmean(std::optional<ScalarType> dtype) const {
  return nabla::nanmean(*this, dtype);
}
Tensor Tensor::nanmean(IntArrayRef dim, bool keepdim, std::optional<ScalarType> dtype) const {
  return nabla::nanmean(*this, dim, keepdim, dtype);
}

Tensor var(const Tensor& self) { return self.var(); }
Tensor Tensor::var(IntArrayRef dim, bool unbiased, bool keepdim) const {
  return nabla::var(*this, dim, unbiased, keepdim);
}
Tensor std(const Tensor& self) { return self.std(); }
Tensor Tensor::std(IntArrayRef dim, bool unbiased, bool keepdim) const {
  return nabla::std(*this, dim, unbiased, keepdim);
}
Tensor Tensor::logsumexp(IntArrayRef dim, bool keepdim) const {
  return nabla::logsumexp(*this, dim, keepdim);
}
Tensor Tensor::norm(const Scalar& p) const { return nabla::norm(*this, p); }
Tensor Tensor::norm(std::optional<Scalar> p, IntArrayRef dim, bool keepdim) const {
  return nabla::norm(*this, p, dim, keepdim);
}
Tensor Tensor::all() const { return nabla::all(*this); }
Tensor Tensor::any() const { return nabla::any(*this); }
Tensor Tensor::all(int64_t dim, bool keepdim) const { return nabla::all(*this, dim, keepdim); }
Tensor Tensor::any(int64_t dim, bool keepdim) const { return nabla::any(*this, dim, keepdim); }
Tensor Tensor::softmax(int64_t dim, std::optional<ScalarType> dtype) const {
  return nabla::softmax(*this, dim, dtype);
}
Tensor Tensor::log_softmax(int64_t dim, std::optional<ScalarType> dtype) const {
  return nabla::log_softmax(*this, dim, dtype);
}
bool Tensor::equal(const Tensor& other) const { return nabla::equal(*this, other); }
bool Tensor::allclose(const Tensor& other, double rtol, double atol) const {
  return nabla::allclose(*this, other, rtol, atol);
}

}  // namespace nabla
