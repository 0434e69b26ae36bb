// Free functions: factories, math, reductions, linear algebra, joining. Names, argument order
// and defaults follow LibTorch (torch::zeros, torch::matmul, ...).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <vector>

#include "nabla/tensor.h"

namespace nabla {

// ---- factories -------------------------------------------------------------------------
Tensor empty(IntArrayRef size, const TensorOptions& options = {});
Tensor zeros(IntArrayRef size, const TensorOptions& options = {});
Tensor ones(IntArrayRef size, const TensorOptions& options = {});
/// Without a dtype in `options`, the dtype follows the value: an integer fill gives int64,
/// a bool gives bool, a floating value gives float32 (as PyTorch).
Tensor full(IntArrayRef size, const Scalar& fill_value, const TensorOptions& options = {});
Tensor empty_like(const Tensor& t, const TensorOptions& options = {});
Tensor zeros_like(const Tensor& t, const TensorOptions& options = {});
Tensor ones_like(const Tensor& t, const TensorOptions& options = {});
Tensor full_like(const Tensor& t, const Scalar& fill_value, const TensorOptions& options = {});
Tensor rand_like(const Tensor& t, const TensorOptions& options = {});
Tensor randn_like(const Tensor& t, const TensorOptions& options = {});
/// [0, end) with step 1; int64 when all arguments are integers, float32 otherwise.
Tensor arange(const Scalar& end, const TensorOptions& options = {});
Tensor arange(const Scalar& start, const Scalar& end, const TensorOptions& options = {});
Tensor arange(const Scalar& start, const Scalar& end, const Scalar& step,
              const TensorOptions& options = {});
Tensor linspace(const Scalar& start, const Scalar& end, int64_t steps,
                const TensorOptions& options = {});
Tensor eye(int64_t n, const TensorOptions& options = {});
Tensor eye(int64_t n, int64_t m, const TensorOptions& options = {});
/// Wraps memory the caller owns (no copy); the caller keeps it alive while the tensor lives.
Tensor from_blob(void* data, IntArrayRef sizes, const TensorOptions& options = {});
Tensor from_blob(void* data, IntArrayRef sizes, IntArrayRef strides,
                 const TensorOptions& options = {});

// ---- random numbers (Philox 4x32-10, counter-based: same seed, same numbers) ------------
/// Seeds the default generator.
void manual_seed(uint64_t seed);
/// Seeds the default generator with a non-deterministic seed and returns it (torch.seed()).
uint64_t seed();
/// The seed the default generator was last seeded with (67280421310721 until seeded).
uint64_t initial_seed();
/// Uniform in [0, 1).
Tensor rand(IntArrayRef size, const TensorOptions& options = {});
/// Standard normal.
Tensor randn(IntArrayRef size, const TensorOptions& options = {});
/// Integers in [low, high), int64 by default.
Tensor randint(int64_t high, IntArrayRef size, const TensorOptions& options = {});
Tensor randint(int64_t low, int64_t high, IntArrayRef size, const TensorOptions& options = {});
/// A random permutation of 0..n-1, int64 by default.
Tensor randperm(int64_t n, const TensorOptions& options = {});
/// Draws `num_samples` indices from each row of non-negative weights.
Tensor multinomial(const Tensor& probs, int64_t num_samples, bool replacement = false);
/// Normal samples: of `size` with one mean and std (float32 unless the options say otherwise),
/// or elementwise with a tensor mean and/or std (broadcast together; std >= 0). The result
/// takes no gradient (LibTorch's is zero).
Tensor normal(double mean, double std, IntArrayRef size, const TensorOptions& options = {});
Tensor normal(const Tensor& mean, double std = 1);
Tensor normal(double mean, const Tensor& std);
Tensor normal(const Tensor& mean, const Tensor& std);
Tensor bernoulli(const Tensor& probs);

// ---- threads ---------------------------------------------------------------------------
void set_num_threads(int n);
int get_num_threads();
/// Flush-to-zero and denormals-are-zero for float32/float64 math on every thread that runs
/// nabla kernels (on by default: denormals are 10-100x slower and never matter for training).
/// Returns true when the CPU supports it, as torch::set_flush_denormal.
bool set_flush_denormal(bool on);
/// The kernels float32 matrix products run on this CPU (nabla only): "avx512" or "avx2",
/// nabla's own, chosen from the CPU's features; or "openblas" (other CPUs, or NABLA_GEMM=blas).
const char* cpu_matmul_kernel();

// ---- elementwise -----------------------------------------------------------------------
Tensor add(const Tensor& self, const Tensor& other, const Scalar& alpha = 1);
Tensor add(const Tensor& self, const Scalar& other, const Scalar& alpha = 1);
Tensor sub(const Tensor& self, const Tensor& other, const Scalar& alpha = 1);
Tensor sub(const Tensor& self, const Scalar& other, const Scalar& alpha = 1);
Tensor mul(const Tensor& self, const Tensor& other);
Tensor mul(const Tensor& self, const Scalar& other);
Tensor div(const Tensor& self, const Tensor& other);
Tensor div(const Tensor& self, const Scalar& other);
/// Rounded quotients: rounding_mode "trunc" (toward zero), "floor" (toward -infinity, as
/// Python's //) or none (true division). Rounded quotients of integers stay integers; their
/// gradient is zero. Integer division by zero raises nabla::Error.
Tensor div(const Tensor& self, const Tensor& other, std::optional<std::string_view> rounding_mode);
Tensor div(const Tensor& self, const Scalar& other, std::optional<std::string_view> rounding_mode);
Tensor divide(const Tensor& self, const Tensor& other,
              std::optional<std::string_view> rounding_mode = std::nullopt);
Tensor divide(const Tensor& self, const Scalar& other,
              std::optional<std::string_view> rounding_mode = std::nullopt);
/// div(self, other, "floor").
Tensor floor_divide(const Tensor& self, const Tensor& other);
Tensor floor_divide(const Tensor& self, const Scalar& other);
Tensor neg(const Tensor& self);
Tensor pow(const Tensor& self, const Tensor& exponent);
Tensor pow(const Tensor& self, const Scalar& exponent);
Tensor pow(const Scalar& self, const Tensor& exponent);
Tensor exp(const Tensor& self);
Tensor log(const Tensor& self);
Tensor sqrt(const Tensor& self);
Tensor rsqrt(const Tensor& self);
Tensor abs(const Tensor& self);
Tensor sin(const Tensor& self);
Tensor cos(const Tensor& self);
Tensor sigmoid(const Tensor& self);
Tensor tanh(const Tensor& self);
Tensor relu(const Tensor& self);
Tensor square(const Tensor& self);
Tensor reciprocal(const Tensor& self);
Tensor sign(const Tensor& self);
/// In place, as LibTorch's torch::relu_(x): the same as x.relu_().
Tensor& relu_(Tensor& self);
Tensor& neg_(Tensor& self);
Tensor& exp_(Tensor& self);
Tensor& sqrt_(Tensor& self);
Tensor& rsqrt_(Tensor& self);
Tensor& sigmoid_(Tensor& self);
Tensor& tanh_(Tensor& self);
Tensor& reciprocal_(Tensor& self);
Tensor erf(const Tensor& self);
Tensor erfc(const Tensor& self);
/// The inverse of erf on [-1, 1] (+-inf at +-1, NaN outside).
Tensor erfinv(const Tensor& self);
Tensor log1p(const Tensor& self);
Tensor expm1(const Tensor& self);
Tensor log2(const Tensor& self);
Tensor log10(const Tensor& self);
Tensor exp2(const Tensor& self);
Tensor tan(const Tensor& self);
Tensor asin(const Tensor& self);
Tensor acos(const Tensor& self);
Tensor atan(const Tensor& self);
Tensor sinh(const Tensor& self);
Tensor cosh(const Tensor& self);
Tensor asinh(const Tensor& self);
Tensor acosh(const Tensor& self);
Tensor atanh(const Tensor& self);
Tensor arcsin(const Tensor& self);
Tensor arccos(const Tensor& self);
Tensor arctan(const Tensor& self);
Tensor arcsinh(const Tensor& self);
Tensor arccosh(const Tensor& self);
Tensor arctanh(const Tensor& self);
/// Rounding to whole numbers (integer tensors come back unchanged, as a copy). round: half to
/// even. fix: trunc.
Tensor floor(const Tensor& self);
Tensor ceil(const Tensor& self);
Tensor round(const Tensor& self);
Tensor trunc(const Tensor& self);
Tensor fix(const Tensor& self);
/// self - trunc(self), floating point only.
Tensor frac(const Tensor& self);
/// bool tensors: where self is NaN, +-inf, or a finite number (integers: false, false, true).
Tensor isnan(const Tensor& self);
Tensor isinf(const Tensor& self);
Tensor isfinite(const Tensor& self);
/// atan2(self, other): the angle of the point (other, self) in [-pi, pi].
Tensor atan2(const Tensor& self, const Tensor& other);
Tensor arctan2(const Tensor& self, const Tensor& other);
Tensor hypot(const Tensor& self, const Tensor& other);
/// The remainder of self / other with self's sign (C's fmod and %) ...
Tensor fmod(const Tensor& self, const Tensor& other);
Tensor fmod(const Tensor& self, const Scalar& other);
/// ... and with other's sign (Python's %). Integer division by zero raises nabla::Error.
Tensor remainder(const Tensor& self, const Tensor& other);
Tensor remainder(const Tensor& self, const Scalar& other);
/// In place, as LibTorch's torch::abs_(x), ...: the same as the methods.
Tensor& abs_(Tensor& self);
Tensor& log_(Tensor& self);
Tensor& sin_(Tensor& self);
Tensor& cos_(Tensor& self);
Tensor& square_(Tensor& self);
Tensor& erf_(Tensor& self);
Tensor& erfc_(Tensor& self);
Tensor& erfinv_(Tensor& self);
Tensor& log1p_(Tensor& self);
Tensor& expm1_(Tensor& self);
Tensor& log2_(Tensor& self);
Tensor& log10_(Tensor& self);
Tensor& exp2_(Tensor& self);
Tensor& tan_(Tensor& self);
Tensor& asin_(Tensor& self);
Tensor& acos_(Tensor& self);
Tensor& atan_(Tensor& self);
Tensor& sinh_(Tensor& self);
Tensor& cosh_(Tensor& self);
Tensor& asinh_(Tensor& self);
Tensor& acosh_(Tensor& self);
Tensor& atanh_(Tensor& self);
Tensor& floor_(Tensor& self);
Tensor& ceil_(Tensor& self);
Tensor& round_(Tensor& self);
Tensor& trunc_(Tensor& self);
Tensor& frac_(Tensor& self);
Tensor& sign_(Tensor& self);
/// approximate: "none" (exact, with erf) or "tanh".
Tensor gelu(const Tensor& self, const std::string& approximate = "none");
Tensor clamp(const Tensor& self, std::optional<Scalar> min = std::nullopt,
             std::optional<Scalar> max = std::nullopt);
Tensor clamp_min(const Tensor& self, const Scalar& min);
Tensor clamp_max(const Tensor& self, const Scalar& max);
Tensor clip(const Tensor& self, std::optional<Scalar> min = std::nullopt,
            std::optional<Scalar> max = std::nullopt);
Tensor& clamp_(Tensor& self, std::optional<Scalar> min = std::nullopt,
               std::optional<Scalar> max = std::nullopt);
Tensor& clamp_min_(Tensor& self, const Scalar& min);
Tensor& clamp_max_(Tensor& self, const Scalar& max);
Tensor maximum(const Tensor& self, const Tensor& other);
Tensor minimum(const Tensor& self, const Tensor& other);
/// LibTorch's two-tensor max and min: maximum and minimum.
Tensor max(const Tensor& self, const Tensor& other);
Tensor min(const Tensor& self, const Tensor& other);
/// Elementwise choice: condition ? self : other, with broadcasting.
Tensor where(const Tensor& condition, const Tensor& self, const Tensor& other);
Tensor where(const Tensor& condition, const Tensor& self, const Scalar& other);
Tensor where(const Tensor& condition, const Scalar& self, const Tensor& other);
Tensor masked_fill(const Tensor& self, const Tensor& mask, const Scalar& value);
Tensor eq(const Tensor& self, const Tensor& other);
Tensor ne(const Tensor& self, const Tensor& other);
Tensor lt(const Tensor& self, const Tensor& other);
Tensor le(const Tensor& self, const Tensor& other);
Tensor gt(const Tensor& self, const Tensor& other);
Tensor ge(const Tensor& self, const Tensor& other);
Tensor logical_not(const Tensor& self);
Tensor logical_and(const Tensor& self, const Tensor& other);
Tensor logical_or(const Tensor& self, const Tensor& other);
bool equal(const Tensor& self, const Tensor& other);
bool allclose(const Tensor& self, const Tensor& other, double rtol = 1e-05, double atol = 1e-08);
Tensor isclose(const Tensor& self, const Tensor& other, double rtol = 1e-05, double atol = 1e-08);

// ---- reductions ------------------------------------------------------------------------
Tensor sum(const Tensor& self, std::optional<ScalarType> dtype = std::nullopt);
/// Over `dim` (std::nullopt or an empty list: every dim), as LibTorch's OptionalIntArrayRef.
Tensor sum(const Tensor& self, OptionalIntArrayRef dim, bool keepdim = false,
           std::optional<ScalarType> dtype = std::nullopt);
Tensor mean(const Tensor& self, std::optional<ScalarType> dtype = std::nullopt);
Tensor mean(const Tensor& self, OptionalIntArrayRef dim, bool keepdim = false,
            std::optional<ScalarType> dtype = std::nullopt);
Tensor prod(const Tensor& self, std::optional<ScalarType> dtype = std::nullopt);
Tensor prod(const Tensor& self, int64_t dim, bool keepdim = false,
            std::optional<ScalarType> dtype = std::nullopt);
Tensor max(const Tensor& self);
std::tuple<Tensor, Tensor> max(const Tensor& self, int64_t dim, bool keepdim = false);
Tensor min(const Tensor& self);
std::tuple<Tensor, Tensor> min(const Tensor& self, int64_t dim, bool keepdim = false);
Tensor amax(const Tensor& self, IntArrayRef dim = {}, bool keepdim = false);
Tensor amin(const Tensor& self, IntArrayRef dim = {}, bool keepdim = false);
Tensor argmax(const Tensor& self, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);
Tensor argmin(const Tensor& self, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);
/// The k largest (or smallest) elements along `dim` and their int64 indices, in order (also
/// when sorted is false); NaN counts as the largest value, ties keep the lower index first.
std::tuple<Tensor, Tensor> topk(const Tensor& self, int64_t k, int64_t dim = -1,
                                bool largest = true, bool sorted = true);
/// The elements along `dim` in ascending (or descending) order and their int64 indices; stable.
std::tuple<Tensor, Tensor> sort(const Tensor& self, int64_t dim = -1, bool descending = false);
/// The indices that sort self along dim: std::get<1>(sort(...)).
Tensor argsort(const Tensor& self, int64_t dim = -1, bool descending = false);
Tensor var(const Tensor& self);
template <class B, std::enable_if_t<std::is_same_v<B, bool>, int> = 0>
Tensor var(const Tensor& self, B unbiased) {
  return self.var(unbiased);
}
Tensor var(const Tensor& self, IntArrayRef dim, bool unbiased = true, bool keepdim = false);
Tensor std(const Tensor& self);
template <class B, std::enable_if_t<std::is_same_v<B, bool>, int> = 0>
Tensor std(const Tensor& self, B unbiased) {
  return self.std(unbiased);
}
Tensor std(const Tensor& self, IntArrayRef dim, bool unbiased = true, bool keepdim = false);
Tensor logsumexp(const Tensor& self, IntArrayRef dim, bool keepdim = false);
/// (var, mean) and (std, mean) of the same elements.
std::tuple<Tensor, Tensor> var_mean_all(const Tensor& self, bool unbiased);
inline std::tuple<Tensor, Tensor> var_mean(const Tensor& self) { return var_mean_all(self, true); }
template <class B, std::enable_if_t<std::is_same_v<B, bool>, int> = 0>
std::tuple<Tensor, Tensor> var_mean(const Tensor& self, B unbiased) {
  return var_mean_all(self, unbiased);
}
std::tuple<Tensor, Tensor> var_mean(const Tensor& self, IntArrayRef dim, bool unbiased = true,
                                    bool keepdim = false);
std::tuple<Tensor, Tensor> std_mean_all(const Tensor& self, bool unbiased);
inline std::tuple<Tensor, Tensor> std_mean(const Tensor& self) { return std_mean_all(self, true); }
template <class B, std::enable_if_t<std::is_same_v<B, bool>, int> = 0>
std::tuple<Tensor, Tensor> std_mean(const Tensor& self, B unbiased) {
  return std_mean_all(self, unbiased);
}
std::tuple<Tensor, Tensor> std_mean(const Tensor& self, IntArrayRef dim, bool unbiased = true,
                                    bool keepdim = false);
/// The sum and the mean of the elements that are not NaN (nanmean of none: NaN).
Tensor nansum(const Tensor& self, std::optional<ScalarType> dtype = std::nullopt);
Tensor nansum(const Tensor& self, IntArrayRef dim, bool keepdim = false,
              std::optional<ScalarType> dtype = std::nullopt);
Tensor nanmean(const Tensor& self, std::optional<ScalarType> dtype = std::nullopt);
Tensor nanmean(const Tensor& self, IntArrayRef dim, bool keepdim = false,
               std::optional<ScalarType> dtype = std::nullopt);
/// The k-th smallest element along dim (k from 1) and its index; NaN counts as the largest.
/// Among equal values the first one's index (PyTorch may name another).
std::tuple<Tensor, Tensor> kthvalue(const Tensor& self, int64_t k, int64_t dim = -1,
                                    bool keepdim = false);
/// The lower median (sorted position (n - 1) / 2), of all elements or along dim with its index;
/// NaN when the slice has one. nanmedian: the median of the elements that are not NaN.
Tensor median(const Tensor& self);
std::tuple<Tensor, Tensor> median(const Tensor& self, int64_t dim, bool keepdim = false);
Tensor nanmedian(const Tensor& self);
std::tuple<Tensor, Tensor> nanmedian(const Tensor& self, int64_t dim, bool keepdim = false);
Tensor norm(const Tensor& self, const Scalar& p = 2);
Tensor norm(const Tensor& self, std::optional<Scalar> p, IntArrayRef dim, bool keepdim = false);
Tensor all(const Tensor& self);
Tensor any(const Tensor& self);
Tensor all(const Tensor& self, int64_t dim, bool keepdim = false);
Tensor any(const Tensor& self, int64_t dim, bool keepdim = false);
Tensor softmax(const Tensor& self, int64_t dim, std::optional<ScalarType> dtype = std::nullopt);
Tensor log_softmax(const Tensor& self, int64_t dim, std::optional<ScalarType> dtype = std::nullopt);

// ---- linear algebra --------------------------------------------------------------------
/// [n, k] x [k, m] -> [n, m].
Tensor mm(const Tensor& self, const Tensor& mat2);
/// NumPy matmul: 1-D, 2-D and batched with broadcast batch dimensions.
Tensor matmul(const Tensor& self, const Tensor& other);
/// [b, n, k] x [b, k, m] -> [b, n, m].
Tensor bmm(const Tensor& self, const Tensor& mat2);
/// beta * self + alpha * (mat1 @ mat2).
Tensor addmm(const Tensor& self, const Tensor& mat1, const Tensor& mat2, const Scalar& beta = 1,
             const Scalar& alpha = 1);
Tensor dot(const Tensor& self, const Tensor& other);
Tensor outer(const Tensor& self, const Tensor& vec2);

// ---- shape and joining -----------------------------------------------------------------
Tensor cat(TensorList tensors, int64_t dim = 0);
// ---- manipulation (src/ops/manipulation.cpp) ----
/// The lower (tril) or upper (triu) triangle of the last two dims, from diagonal `diagonal`
/// (0: the main one, > 0 above it, < 0 below); zeros elsewhere.
Tensor tril(const Tensor& self, int64_t diagonal = 0);
/// A view of the elements [i, i + offset] of dims dim1, dim2 (which become a last dim).
Tensor diagonal(const Tensor& self, int64_t offset = 0, int64_t dim1 = 0, int64_t dim2 = 1);
/// The last dim of self on the diagonal `offset` of two new dims of the result.
Tensor diag_embed(const Tensor& self, int64_t offset = 0, int64_t dim1 = -2, int64_t dim2 = -1);
/// A 1-D tensor onto the diagonal of a square matrix, or a matrix's diagonal (a copy).
Tensor diag(const Tensor& self, int64_t diagonal = 0);
/// The sum of a matrix's diagonal.
Tensor trace(const Tensor& self);
Tensor triu(const Tensor& self, int64_t diagonal = 0);
/// Each dim `repeats[d]` copies of self one after another (more repeats than dims: leading
/// dims of 1 are added). tile: the same, with missing leading repeats taken as 1.
Tensor repeat(const Tensor& self, IntArrayRef repeats);
Tensor tile(const Tensor& self, IntArrayRef dims);
/// Each slice along dim (each element of the flattened tensor without dim) repeated in a row:
/// `repeats` times, or repeats[i] times for slice i.
Tensor repeat_interleave(const Tensor& self, int64_t repeats,
                         std::optional<int64_t> dim = std::nullopt);
Tensor repeat_interleave(const Tensor& self, const Tensor& repeats,
                         std::optional<int64_t> dim = std::nullopt);
/// The indices 0, 1, ... each repeated repeats[i] times (1-D int64).
Tensor repeat_interleave(const Tensor& repeats);
/// The listed dims read backwards (a copy). fliplr: dim 1; flipud: dim 0.
Tensor flip(const Tensor& self, IntArrayRef dims);
Tensor fliplr(const Tensor& self);
Tensor flipud(const Tensor& self);
/// Elements shifted along dims (wrapping around); without dims, over the flattened tensor.
Tensor roll(const Tensor& self, IntArrayRef shifts, IntArrayRef dims = {});
/// The dims `source` moved to `destination` (a view), the others keeping their order.
Tensor movedim(const Tensor& self, IntArrayRef source, IntArrayRef destination);
Tensor movedim(const Tensor& self, int64_t source, int64_t destination);
Tensor moveaxis(const Tensor& self, IntArrayRef source, IntArrayRef destination);
Tensor moveaxis(const Tensor& self, int64_t source, int64_t destination);
Tensor swapaxes(const Tensor& self, int64_t axis0, int64_t axis1);
Tensor swapdims(const Tensor& self, int64_t dim0, int64_t dim1);
/// Grids of coordinates from 0-D or 1-D tensors (expanded views): "ij" (matrix) or "xy"
/// (Cartesian: the first two dims swapped).
std::vector<Tensor> meshgrid(TensorList tensors, const std::string& indexing = "ij");
/// self's elements where mask (bool, broadcast with self) is true, 1-D in row-major order.
Tensor masked_select(const Tensor& self, const Tensor& mask);
/// The number of nonzero elements, in all or along dims (int64).
Tensor count_nonzero(const Tensor& self, IntArrayRef dims);
Tensor count_nonzero(const Tensor& self, std::optional<int64_t> dim = std::nullopt);
Tensor count_nonzero(const Tensor& self, int64_t dim);
/// Running sums along dim, in self's dtype (integers and bool: int64) or `dtype`.
Tensor cumsum(const Tensor& self, int64_t dim, std::optional<ScalarType> dtype = std::nullopt);
/// Running products along dim (integers and bool as int64, as cumsum).
Tensor cumprod(const Tensor& self, int64_t dim, std::optional<ScalarType> dtype = std::nullopt);
/// Running maxima (minima) along dim and the index of each: the later one on ties; NaN wins.
std::tuple<Tensor, Tensor> cummax(const Tensor& self, int64_t dim);
std::tuple<Tensor, Tensor> cummin(const Tensor& self, int64_t dim);
/// log(cumsum(exp(self))) along dim, without overflow.
Tensor logcumsumexp(const Tensor& self, int64_t dim);
/// self + weight (end - self).
Tensor lerp(const Tensor& self, const Tensor& end, const Tensor& weight);
Tensor lerp(const Tensor& self, const Tensor& end, const Scalar& weight);
/// log(e^self + e^other), without overflow.
Tensor logaddexp(const Tensor& self, const Tensor& other);

// ---- LibTorch's small compositions (src/ops/compositions.cpp) ----
/// self + value * tensor1 * tensor2 and self + value * tensor1 / tensor2.
Tensor addcmul(const Tensor& self, const Tensor& tensor1, const Tensor& tensor2,
               const Scalar& value = 1);
Tensor addcdiv(const Tensor& self, const Tensor& tensor1, const Tensor& tensor2,
               const Scalar& value = 1);
/// The larger / smaller of the two, ignoring NaN.
Tensor fmax(const Tensor& self, const Tensor& other);
Tensor fmin(const Tensor& self, const Tensor& other);
/// 0 below 0, `values` at 0, 1 above.
Tensor heaviside(const Tensor& self, const Tensor& values);
Tensor deg2rad(const Tensor& self);
Tensor rad2deg(const Tensor& self);
/// log2(2^self + 2^other), without overflow.
Tensor logaddexp2(const Tensor& self, const Tensor& other);
Tensor isposinf(const Tensor& self);
Tensor isneginf(const Tensor& self);
Tensor sgn(const Tensor& self);
Tensor greater(const Tensor& self, const Tensor& other);
Tensor greater(const Tensor& self, const Scalar& other);
Tensor greater_equal(const Tensor& self, const Tensor& other);
Tensor greater_equal(const Tensor& self, const Scalar& other);
Tensor less_equal(const Tensor& self, const Tensor& other);
Tensor less_equal(const Tensor& self, const Scalar& other);
Tensor less(const Tensor& self, const Tensor& other);
Tensor less(const Tensor& self, const Scalar& other);
Tensor subtract(const Tensor& self, const Tensor& other, const Scalar& alpha = 1);
Tensor subtract(const Tensor& self, const Scalar& other, const Scalar& alpha = 1);
Tensor vdot(const Tensor& self, const Tensor& other);
Tensor argwhere(const Tensor& self);
Tensor ravel(const Tensor& self);
Tensor not_equal(const Tensor& self, const Tensor& other);
Tensor not_equal(const Tensor& self, const Scalar& other);
Tensor multiply(const Tensor& self, const Tensor& other);
Tensor multiply(const Tensor& self, const Scalar& other);
Tensor true_divide(const Tensor& self, const Tensor& other);
Tensor true_divide(const Tensor& self, const Scalar& other);
/// other - alpha * self.
Tensor rsub(const Tensor& self, const Tensor& other, const Scalar& alpha = 1);
Tensor rsub(const Tensor& self, const Scalar& other, const Scalar& alpha = 1);
Tensor broadcast_to(const Tensor& self, IntArrayRef size);
std::vector<Tensor> broadcast_tensors(TensorList tensors);
Tensor atleast_1d(const Tensor& self);
Tensor atleast_2d(const Tensor& self);
Tensor atleast_3d(const Tensor& self);
std::vector<Tensor> atleast_1d(TensorList tensors);
std::vector<Tensor> atleast_2d(TensorList tensors);
std::vector<Tensor> atleast_3d(TensorList tensors);
Tensor hstack(TensorList tensors);
Tensor vstack(TensorList tensors);
Tensor row_stack(TensorList tensors);
Tensor dstack(TensorList tensors);
Tensor column_stack(TensorList tensors);
/// Views: `sections` parts of sizes differing by at most one, or the parts between `indices`.
std::vector<Tensor> tensor_split(const Tensor& self, int64_t sections, int64_t dim = 0);
std::vector<Tensor> tensor_split(const Tensor& self, IntArrayRef indices, int64_t dim = 0);
std::vector<Tensor> tensor_split(const Tensor& self, const Tensor& tensor_indices_or_sections,
                                 int64_t dim = 0);
std::vector<Tensor> hsplit(const Tensor& self, int64_t sections);
std::vector<Tensor> hsplit(const Tensor& self, IntArrayRef indices);
std::vector<Tensor> vsplit(const Tensor& self, int64_t sections);
std::vector<Tensor> vsplit(const Tensor& self, IntArrayRef indices);
std::vector<Tensor> dsplit(const Tensor& self, int64_t sections);
std::vector<Tensor> dsplit(const Tensor& self, IntArrayRef indices);
/// gather after broadcasting self and indices in every dim but `dim` (none: the flattened self).
Tensor take_along_dim(const Tensor& self, const Tensor& indices,
                      std::optional<int64_t> dim = std::nullopt);
Tensor diagflat(const Tensor& self, int64_t offset = 0);
/// The sum of products over the last dims of both.
Tensor inner(const Tensor& self, const Tensor& other);
Tensor ger(const Tensor& self, const Tensor& vec2);
/// The p-norm of self - other.
Tensor dist(const Tensor& self, const Tensor& other, const Scalar& p = 2);
/// beta self + alpha (mat @ vec) and beta self + alpha outer(vec1, vec2); beta = 0 ignores self.
Tensor addmv(const Tensor& self, const Tensor& mat, const Tensor& vec, const Scalar& beta = 1,
             const Scalar& alpha = 1);
Tensor addr(const Tensor& self, const Tensor& vec1, const Tensor& vec2, const Scalar& beta = 1,
            const Scalar& alpha = 1);
/// The runs of equal consecutive values (along `dim`, or of the flattened tensor), with the
/// run of each element (inverse) and the runs' lengths (counts) where asked for.
std::tuple<Tensor, Tensor, Tensor> unique_consecutive(const Tensor& self,
                                                      bool return_inverse = false,
                                                      bool return_counts = false,
                                                      std::optional<int64_t> dim = std::nullopt);
std::tuple<Tensor, Tensor, Tensor> unique_dim_consecutive(const Tensor& self, int64_t dim,
                                                          bool return_inverse = false,
                                                          bool return_counts = false);
/// The distinct slices along `dim` in ascending (lexicographic) order, each slice's index in
/// them (inverse) and how often each occurs (counts); tensors not asked for are empty. Always
/// sorted: `sorted` = false allows any order in LibTorch, and sorted is one of them.
std::tuple<Tensor, Tensor, Tensor> unique_dim(const Tensor& self, int64_t dim, bool sorted = true,
                                              bool return_inverse = false,
                                              bool return_counts = false);
/// The distinct elements (flattened), with inverse (self's shape) and counts: what
/// torch.unique calls. _unique returns the first two.
std::tuple<Tensor, Tensor, Tensor> _unique2(const Tensor& self, bool sorted = true,
                                            bool return_inverse = false,
                                            bool return_counts = false);
std::tuple<Tensor, Tensor> _unique(const Tensor& self, bool sorted = true,
                                   bool return_inverse = false);
/// base^linspace(start, end, steps).
Tensor logspace(const Scalar& start, const Scalar& end, int64_t steps, double base = 10.0,
                const TensorOptions& options = {});
/// The Vandermonde matrix of x: columns x^(N-1), ..., x^0 (or increasing powers).
Tensor vander(const Tensor& x, std::optional<int64_t> N = std::nullopt, bool increasing = false);
/// self with the elements where mask is true taken from source, in order.
Tensor masked_scatter(const Tensor& self, const Tensor& mask, const Tensor& source);
/// Each slice along `dim` scaled down to p-norm maxnorm where its norm is above it.
Tensor renorm(const Tensor& self, const Scalar& p, int64_t dim, const Scalar& maxnorm);
/// The p-norm distances between the rows of a matrix, the upper triangle row by row.
Tensor pdist(const Tensor& self, double p = 2);
/// cat's other names.
Tensor concat(TensorList tensors, int64_t dim = 0);
Tensor concatenate(TensorList tensors, int64_t dim = 0);
/// The dtype an arithmetic op of the two computes in (a Scalar counts as a wrapped number:
/// an integer int64, a floating one the default dtype, float32).
ScalarType result_type(const Tensor& tensor, const Tensor& other);
ScalarType result_type(const Tensor& tensor, const Scalar& other);
ScalarType result_type(const Scalar& scalar, const Tensor& tensor);
ScalarType result_type(const Scalar& scalar1, const Scalar& scalar2);
ScalarType promote_types(ScalarType type1, ScalarType type2);
/// Whether an op may write a `from` result into a `to` tensor (not floating to integral, not
/// anything but bool to bool).
bool can_cast(ScalarType from, ScalarType to);
/// A 0-d tensor holding s.
Tensor scalar_tensor(const Scalar& s, const TensorOptions& options = {});
/// An uninitialized tensor with the given strides (its storage just large enough).
Tensor empty_strided(IntArrayRef size, IntArrayRef stride, const TensorOptions& options = {});
/// randint with self's shape (and dtype and device, unless options say otherwise).
Tensor randint_like(const Tensor& self, int64_t high, const TensorOptions& options = {});
Tensor randint_like(const Tensor& self, int64_t low, int64_t high,
                    const TensorOptions& options = {});
/// The product of the matrices, in the cheapest order (linalg::multi_dot).
Tensor chain_matmul(TensorList matrices);
/// The 2-norm over all elements or over `dim`; the nuclear norm of a matrix (or over `dim`).
Tensor frobenius_norm(const Tensor& self);
Tensor frobenius_norm(const Tensor& self, IntArrayRef dim, bool keepdim = false);
Tensor nuclear_norm(const Tensor& self, bool keepdim = false);
Tensor nuclear_norm(const Tensor& self, IntArrayRef dim, bool keepdim = false);
/// special::multigammaln's other name.
Tensor mvlgamma(const Tensor& self, int64_t p);
/// The dot products of x and y along dim.
Tensor linalg_vecdot(const Tensor& x, const Tensor& y, int64_t dim = -1);
/// Solves op(A) X = self for triangular A (op: transpose or not), the older form of
/// linalg::solve_triangular; returns (X, a copy of A).
std::tuple<Tensor, Tensor> triangular_solve(const Tensor& self, const Tensor& A, bool upper = true,
                                            bool transpose = false, bool unitriangular = false);
/// Window functions, as PyTorch's (periodic by default; float32 unless options say).
Tensor hann_window(int64_t window_length, const TensorOptions& options = {});
Tensor hann_window(int64_t window_length, bool periodic, const TensorOptions& options = {});
Tensor hamming_window(int64_t window_length, const TensorOptions& options = {});
Tensor hamming_window(int64_t window_length, bool periodic, const TensorOptions& options = {});
Tensor hamming_window(int64_t window_length, bool periodic, double alpha,
                      const TensorOptions& options = {});
Tensor hamming_window(int64_t window_length, bool periodic, double alpha, double beta,
                      const TensorOptions& options = {});
Tensor blackman_window(int64_t window_length, const TensorOptions& options = {});
Tensor blackman_window(int64_t window_length, bool periodic, const TensorOptions& options = {});
Tensor bartlett_window(int64_t window_length, const TensorOptions& options = {});
Tensor bartlett_window(int64_t window_length, bool periodic, const TensorOptions& options = {});
Tensor kaiser_window(int64_t window_length, const TensorOptions& options = {});
Tensor kaiser_window(int64_t window_length, bool periodic, const TensorOptions& options = {});
Tensor kaiser_window(int64_t window_length, bool periodic, double beta,
                     const TensorOptions& options = {});
/// self * log(other), 0 where self is 0 (unless other is NaN).
Tensor xlogy(const Tensor& self, const Tensor& other);
Tensor xlogy(const Tensor& self, const Scalar& other);
/// NaN, +inf and -inf replaced (defaults: 0 and the dtype's largest finite values).
Tensor nan_to_num(const Tensor& self, std::optional<double> nan = std::nullopt,
                  std::optional<double> posinf = std::nullopt,
                  std::optional<double> neginf = std::nullopt);
Tensor logical_xor(const Tensor& self, const Tensor& other);
/// A matrix [n, m] times a vector [m].
Tensor mv(const Tensor& self, const Tensor& vec);
/// The n-th forward difference along dim (bool: whether neighbours differ), prepend and append
/// joined on first.
Tensor diff(const Tensor& self, int64_t n = 1, int64_t dim = -1,
            const std::optional<Tensor>& prepend = std::nullopt,
            const std::optional<Tensor>& append = std::nullopt);
/// k quarter turns in the plane of dims, from the first dim towards the second.
Tensor rot90(const Tensor& self, int64_t k = 1, IntArrayRef dims = {0, 1});
/// self with the slices `index` (int64, 0-D or 1-D) along dim set to value, or replaced by
/// source's slices (index_copy; a repeated index takes its last slice).
Tensor index_fill(const Tensor& self, int64_t dim, const Tensor& index, const Scalar& value);
Tensor index_fill(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& value);
Tensor index_copy(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& source);

// ---- contractions (src/ops/contractions.cpp) ----
/// Sums of products over the subscripts of an equation ("ij,jk->ik", "bhqd,bhkd->bhqk", "ii",
/// "...ij->...ji"): letters label dims, "..." broadcast leading dims; without "->" the output
/// has the ellipsis, then the letters used once in alphabetical order (upper case first).
Tensor einsum(std::string_view equation, TensorList tensors);
/// Contracts dims_self of self with dims_other of other (pairwise equal sizes): the result has
/// self's other dims, then other's.
Tensor tensordot(const Tensor& self, const Tensor& other, IntArrayRef dims_self,
                 IntArrayRef dims_other);
/// The product of a chain of matrices, multiplied in the order that needs the fewest
/// multiplications; the first may be 1-D (a row vector) and the last 1-D (a column vector),
/// their dims dropped from the result.
Tensor linalg_multi_dot(TensorList tensors);
/// The Kronecker product: block (i, j, ...) is self[i, j, ...] * other.
Tensor kron(const Tensor& self, const Tensor& other);
/// Cross products of 3-vectors along dim (cross: by default the first dim of size 3).
Tensor cross(const Tensor& self, const Tensor& other, std::optional<int64_t> dim = std::nullopt);
Tensor linalg_cross(const Tensor& self, const Tensor& other, int64_t dim = -1);
/// beta * self + alpha * (batch1 @ batch2) for batches [b, n, k] @ [b, k, m] (addbmm: the
/// products summed over the batch). beta == 0 ignores self.
Tensor baddbmm(const Tensor& self, const Tensor& batch1, const Tensor& batch2,
               const Scalar& beta = 1, const Scalar& alpha = 1);
Tensor addbmm(const Tensor& self, const Tensor& batch1, const Tensor& batch2,
              const Scalar& beta = 1, const Scalar& alpha = 1);

// ---- square matrices through their LU factorization (src/ops/linalg_solve.cpp) ----
// Batched over leading dims; float32 and float64. A singular matrix raises in inverse and
// solve, and in the gradient of slogdet; det's gradient there is the adjugate, through the SVD.
Tensor det(const Tensor& self);
/// (sign of det, log |det|); logdet: log(det), NaN for a negative determinant.
std::tuple<Tensor, Tensor> slogdet(const Tensor& self);
Tensor logdet(const Tensor& self);
Tensor inverse(const Tensor& self);
/// X with A X = B (left) or X A = B; B a batch of matrices [*, n, k] or of vectors [*, n].
Tensor linalg_solve(const Tensor& A, const Tensor& B, bool left = true);
Tensor linalg_det(const Tensor& A);
std::tuple<Tensor, Tensor> linalg_slogdet(const Tensor& A);
Tensor linalg_inv(const Tensor& A);
/// The tensor X with tensordot(self, X, ind) the identity: self's first `ind` dims against the
/// others (their products equal), inverted as a matrix; X has self's last dims, then its first.
Tensor linalg_tensorinv(const Tensor& self, int64_t ind = 2);
/// X with tensordot(self, X, X.dim()) = other; `dims` of self are moved to the end first.
Tensor linalg_tensorsolve(const Tensor& self, const Tensor& other,
                          OptionalIntArrayRef dims = std::nullopt);
/// A^n for square matrices [..., k, k]: identities for n = 0, powers of the inverse for n < 0.
Tensor matrix_power(const Tensor& self, int64_t n);
// ---- factorizations (src/ops/linalg_factor.cpp): LAPACK on the CPU, float32 and float64 (the
// 16-bit floats computed in float32), batched over leading dims; their gradients are written
// with differentiable ops, so second derivatives work ----
/// The Cholesky factor of symmetric positive-definite matrices [*, n, n], of which only the
/// lower triangle is read: L with A = L L^T (or U = L^T with `upper`). Raises naming the
/// leading minor that is not positive definite.
Tensor linalg_cholesky(const Tensor& A, bool upper = false);
Tensor cholesky(const Tensor& self, bool upper = false);
/// X with A X = B (left) or X A = B for triangular A [*, n, n] (only its upper or lower triangle
/// is read, and its diagonal is taken as ones when `unitriangular`); batch dims broadcast.
Tensor linalg_solve_triangular(const Tensor& A, const Tensor& B, bool upper, bool left = true,
                               bool unitriangular = false);
/// X with A X = self for A = L L^T given its Cholesky factor L = input2 (U^T U with `upper`).
Tensor cholesky_solve(const Tensor& self, const Tensor& input2, bool upper = false);
/// A^-1 for A = L L^T given L = self (U^T U with `upper`).
Tensor cholesky_inverse(const Tensor& self, bool upper = false);
/// (eigenvalues [*, n], ascending; eigenvectors [*, n, n] as columns) of symmetric matrices, of
/// which only the triangle UPLO ("L" or "U") is read. The gradient assumes distinct eigenvalues
/// and a loss that does not depend on the eigenvectors' signs.
std::tuple<Tensor, Tensor> linalg_eigh(const Tensor& A, std::string_view UPLO = "L");
Tensor linalg_eigvalsh(const Tensor& A, std::string_view UPLO = "L");
/// (U, S, Vh) with A = U diag(S) Vh for A [*, m, n]: S [*, k] descending (k = min(m, n)), U [*, m,
/// m] and Vh [*, n, n], or [*, m, k] and [*, k, n] without full_matrices. LAPACK's gesdd; the
/// driver argument is accepted for LibTorch's signature and must be absent or "gesdd". The
/// gradient assumes distinct singular values and a loss that does not depend on the singular
/// vectors' signs.
std::tuple<Tensor, Tensor, Tensor> linalg_svd(
    const Tensor& A, bool full_matrices = true,
    std::optional<std::string_view> driver = std::nullopt);
Tensor linalg_svdvals(const Tensor& A, std::optional<std::string_view> driver = std::nullopt);
/// torch.svd: (U, S, V) with A = U diag(S) V^T, reduced when `some`; without compute_uv, U and
/// V are zeros [*, m, m] and [*, n, n].
std::tuple<Tensor, Tensor, Tensor> svd(const Tensor& self, bool some = true,
                                       bool compute_uv = true);
/// (Q, R) with A = Q R for A [*, m, n], R upper triangular: mode "reduced" (Q [*, m, k], R [*, k,
/// n], k = min(m, n)), "complete" (Q [*, m, m], R [*, m, n]) or "r" (R alone, Q empty). The
/// gradient needs Q, and in "complete" mode m <= n.
std::tuple<Tensor, Tensor> linalg_qr(const Tensor& A, std::string_view mode = "reduced");
/// Least squares, min |A X - B| for A [*, m, n] and B [*, m, k] (or vectors [*, m] when B has one
/// dim less than A; batch dims broadcast): (solution [*, n, k], residuals, rank, singular_values)
/// as torch.linalg.lstsq. The solution is the minimum-norm one, through the SVD, with singular
/// values at most rcond (default eps * max(m, n)) times the largest set aside. The driver
/// (default "gelsy"; "gels", "gelsd", "gelss") chooses which of the other outputs are filled,
/// as PyTorch's: rank except for gels, singular values for gelsd and gelss, residuals (squared
/// column norms of A X - B) when m > n, the driver is not gelsy and every A has full rank;
/// the others are empty.
std::tuple<Tensor, Tensor, Tensor, Tensor> linalg_lstsq(
    const Tensor& A, const Tensor& B, std::optional<double> rcond = std::nullopt,
    std::optional<std::string_view> driver = std::nullopt);
/// torch.qr: reduced when `some`, else complete.
std::tuple<Tensor, Tensor> qr(const Tensor& self, bool some = true);
/// The Moore-Penrose pseudo-inverse [*, n, m] of A [*, m, n], through the SVD (or, with
/// `hermitian`, the eigendecomposition of a symmetric A): singular values at most
/// max(atol, rtol * the largest) count as zero. Without either, rtol is eps * max(m, n); with
/// only atol, rtol is 0. The rcond form sets rtol = rcond and atol = 0.
Tensor linalg_pinv(const Tensor& A, std::optional<double> atol = std::nullopt,
                   std::optional<double> rtol = std::nullopt, bool hermitian = false);
Tensor linalg_pinv(const Tensor& A, double rcond, bool hermitian = false);
Tensor pinverse(const Tensor& self, double rcond = 1e-15);
/// The number of singular values (|eigenvalues| with `hermitian`) above max(atol, rtol * the
/// largest), with pinv's defaults; the tol form sets atol = tol and rtol = 0. int64 [*].
Tensor linalg_matrix_rank(const Tensor& A, std::optional<double> atol = std::nullopt,
                          std::optional<double> rtol = std::nullopt, bool hermitian = false);
Tensor linalg_matrix_rank(const Tensor& A, double tol, bool hermitian = false);

/// Vector norms, as torch.linalg.vector_norm: over all dims when `dim` is not given; ord 2
/// by default, inf / -inf the largest / smallest |x|, 0 the number of non-zeros, any other p
/// (sum |x|^p)^(1/p). With `dtype` the input is converted to it first.
// ---- LU factorization, its solves and the matrix exponential (src/ops/linalg_lu.cpp): square
// matrices, partial pivoting (LAPACK's getrf; pivot = false raises, as PyTorch on the CPU),
// pivots as LAPACK's 1-based row swaps (int32); differentiable in A, LU and B ----
/// LU packed (L below the diagonal, unit diagonal implied; U on and above) and the pivots.
std::tuple<Tensor, Tensor> linalg_lu_factor(const Tensor& A, bool pivot = true);
/// linalg_lu_factor and info (int32, batch-shaped): k where U's k-th diagonal entry is the first
/// zero (a singular matrix), 0 otherwise; check_errors raises instead.
std::tuple<Tensor, Tensor, Tensor> linalg_lu_factor_ex(const Tensor& A, bool pivot = true,
                                                       bool check_errors = false);
/// (P, L, U) with A = P L U.
std::tuple<Tensor, Tensor, Tensor> linalg_lu(const Tensor& A, bool pivot = true);
/// (P, L, U) from linalg_lu_factor's packed LU and pivots (empty tensors for the parts not
/// asked for).
std::tuple<Tensor, Tensor, Tensor> lu_unpack(const Tensor& LU_data, const Tensor& LU_pivots,
                                             bool unpack_data = true, bool unpack_pivots = true);
/// X with A X = B (X A = B unless left; A^H in place of A with adjoint), A given by its LU.
Tensor linalg_lu_solve(const Tensor& LU, const Tensor& pivots, const Tensor& B, bool left = true,
                       bool adjoint = false);
/// torch::lu_solve(B, LU, pivots): X with A X = B.
Tensor lu_solve(const Tensor& self, const Tensor& LU_data, const Tensor& LU_pivots);
/// e^A of each square matrix (scaling and squaring with a degree-13 Pade approximant).
Tensor linalg_matrix_exp(const Tensor& self);
Tensor matrix_exp(const Tensor& self);
/// linalg_solve and linalg_inv with info as linalg_lu_factor_ex's; a singular matrix gives
/// non-finite values and its info instead of an error, unless check_errors.
std::tuple<Tensor, Tensor> linalg_solve_ex(const Tensor& A, const Tensor& B, bool left = true,
                                           bool check_errors = false);
std::tuple<Tensor, Tensor> linalg_inv_ex(const Tensor& A, bool check_errors = false);
Tensor linalg_vector_norm(const Tensor& self, const Scalar& ord = 2,
                          OptionalIntArrayRef dim = std::nullopt, bool keepdim = false,
                          std::optional<ScalarType> dtype = std::nullopt);
/// Matrix norms over the two dims `dim`: ord "fro" (the default), "nuc" (the sum of the
/// singular values), 1 / -1 (largest / smallest column sum of |A|), inf / -inf (row sums), 2 /
/// -2 (largest / smallest singular value).
Tensor linalg_matrix_norm(const Tensor& A, const Scalar& ord, IntArrayRef dim = {-2, -1},
                          bool keepdim = false, std::optional<ScalarType> dtype = std::nullopt);
Tensor linalg_matrix_norm(const Tensor& A, std::string_view ord = "fro", IntArrayRef dim = {-2, -1},
                          bool keepdim = false, std::optional<ScalarType> dtype = std::nullopt);
/// torch.linalg.norm: a matrix norm when `ord` is given and `dim` has two dims (or is not given
/// and the input is 2-D), otherwise a vector norm (the 2-norm of all elements without ord).
Tensor linalg_norm(const Tensor& self, const std::optional<Scalar>& ord = std::nullopt,
                   OptionalIntArrayRef dim = std::nullopt, bool keepdim = false,
                   std::optional<ScalarType> dtype = std::nullopt);
Tensor linalg_norm(const Tensor& self, std::string_view ord, OptionalIntArrayRef dim = std::nullopt,
                   bool keepdim = false, std::optional<ScalarType> dtype = std::nullopt);
/// Distances between the rows of x1 [*, P, M] and x2 [*, R, M] (batch dims broadcast): [*, P, R]
/// of ||x1_i - x2_j||_p. compute_mode as PyTorch's: absent or 0 computes p = 2 through a matrix
/// product when P or R exceeds 25 (faster; not exact for nearly equal rows), 1 always, 2 never.
Tensor cdist(const Tensor& x1, const Tensor& x2, double p = 2,
             std::optional<int64_t> compute_mode = std::nullopt);
/// nn::functional::cosine_similarity and pairwise_distance with LibTorch's positional defaults.
Tensor cosine_similarity(const Tensor& x1, const Tensor& x2, int64_t dim = 1, double eps = 1e-8);
Tensor pairwise_distance(const Tensor& x1, const Tensor& x2, double p = 2, double eps = 1e-6,
                         bool keepdim = false);
namespace linalg {
// LibTorch's torch::linalg functions take every argument (no defaults but lu's and
// lu_factor's pivot).
std::tuple<Tensor, Tensor> lu_factor(const Tensor& A, bool pivot = true);
std::tuple<Tensor, Tensor, Tensor> lu(const Tensor& A, bool pivot = true);
Tensor matrix_exp(const Tensor& A);
std::tuple<Tensor, Tensor> solve_ex(const Tensor& A, const Tensor& B, bool left, bool check_errors);
Tensor vector_norm(const Tensor& self, Scalar ord, OptionalIntArrayRef dim, bool keepdim,
                   std::optional<ScalarType> dtype);
Tensor matrix_norm(const Tensor& self, const Scalar& ord, IntArrayRef dim, bool keepdim,
                   std::optional<ScalarType> dtype);
Tensor matrix_norm(const Tensor& self, std::string ord, IntArrayRef dim, bool keepdim,
                   std::optional<ScalarType> dtype);
Tensor norm(const Tensor& self, const std::optional<Scalar>& ord, OptionalIntArrayRef dim,
            bool keepdim, std::optional<ScalarType> dtype);
Tensor norm(const Tensor& self, std::string_view ord, OptionalIntArrayRef dim, bool keepdim,
            std::optional<ScalarType> dtype);
Tensor matrix_power(const Tensor& A, int64_t n);
Tensor det(const Tensor& A);
std::tuple<Tensor, Tensor> slogdet(const Tensor& A);
Tensor inv(const Tensor& A);
Tensor solve(const Tensor& A, const Tensor& B, bool left = true);
Tensor multi_dot(TensorList tensors);
Tensor vecdot(const Tensor& x, const Tensor& y, int64_t dim = -1);
Tensor tensorinv(const Tensor& self, int64_t ind);
Tensor tensorsolve(const Tensor& self, const Tensor& other, OptionalIntArrayRef dims);
/// LibTorch's deprecated spellings inside torch::linalg.
Tensor linalg_det(const Tensor& A);
Tensor linalg_norm(const Tensor& self, const std::optional<Scalar>& ord, OptionalIntArrayRef dim,
                   bool keepdim, std::optional<ScalarType> dtype);
Tensor linalg_norm(const Tensor& self, std::string_view ord, OptionalIntArrayRef dim, bool keepdim,
                   std::optional<ScalarType> dtype);
Tensor cholesky(const Tensor& A);
Tensor solve_triangular(const Tensor& A, const Tensor& B, bool upper, bool left,
                        bool unitriangular);
std::tuple<Tensor, Tensor> eigh(const Tensor& A, std::string_view uplo);
Tensor eigvalsh(const Tensor& A, std::string_view uplo);
std::tuple<Tensor, Tensor, Tensor> svd(const Tensor& A, bool full_matrices,
                                       std::optional<std::string_view> driver);
Tensor svdvals(const Tensor& A, std::optional<std::string_view> driver);
Tensor pinv(const Tensor& A, double rcond = 1e-15, bool hermitian = false);
std::tuple<Tensor, Tensor> qr(const Tensor& A, std::string_view mode = "reduced");
std::tuple<Tensor, Tensor, Tensor, Tensor> lstsq(const Tensor& A, const Tensor& B,
                                                 std::optional<double> rcond,
                                                 std::optional<std::string_view> driver);
Tensor matrix_rank(const Tensor& A, double tol, bool hermitian);
Tensor matrix_rank(const Tensor& A, std::optional<double> atol, std::optional<double> rtol,
                   bool hermitian);
}  // namespace linalg

// ---- bitwise (integers and bool) ----
Tensor bitwise_and(const Tensor& self, const Tensor& other);
Tensor bitwise_and(const Tensor& self, const Scalar& other);
Tensor bitwise_or(const Tensor& self, const Tensor& other);
Tensor bitwise_or(const Tensor& self, const Scalar& other);
Tensor bitwise_xor(const Tensor& self, const Tensor& other);
Tensor bitwise_xor(const Tensor& self, const Scalar& other);
Tensor bitwise_not(const Tensor& self);
// ---- shifts, gcd, lcm (integers only) ----
/// a << b: 0 where b < 0 or b >= the dtype's width (PyTorch 2's rule); wraps.
Tensor bitwise_left_shift(const Tensor& self, const Tensor& other);
Tensor bitwise_left_shift(const Tensor& self, const Scalar& other);
Tensor bitwise_left_shift(const Scalar& self, const Tensor& other);
/// a >> b, arithmetic for signed dtypes: the sign where b < 0 or b >= the dtype's width.
Tensor bitwise_right_shift(const Tensor& self, const Tensor& other);
Tensor bitwise_right_shift(const Tensor& self, const Scalar& other);
Tensor bitwise_right_shift(const Scalar& self, const Tensor& other);
Tensor __lshift__(const Tensor& self, const Tensor& other);
Tensor __lshift__(const Tensor& self, const Scalar& other);
Tensor __rshift__(const Tensor& self, const Tensor& other);
Tensor __rshift__(const Tensor& self, const Scalar& other);
/// The greatest common divisor, >= 0 (gcd(0, 0) = 0), and the least common multiple.
Tensor gcd(const Tensor& self, const Tensor& other);
Tensor& gcd_(Tensor& self, const Tensor& other);
Tensor lcm(const Tensor& self, const Tensor& other);
Tensor& lcm_(Tensor& self, const Tensor& other);
Tensor stack(TensorList tensors, int64_t dim = 0);
Tensor reshape(const Tensor& self, IntArrayRef shape);
Tensor flatten(const Tensor& self, int64_t start_dim = 0, int64_t end_dim = -1);
Tensor transpose(const Tensor& self, int64_t dim0, int64_t dim1);
Tensor permute(const Tensor& self, IntArrayRef dims);
Tensor squeeze(const Tensor& self);
Tensor squeeze(const Tensor& self, int64_t dim);
Tensor unsqueeze(const Tensor& self, int64_t dim);
Tensor narrow(const Tensor& self, int64_t dim, int64_t start, int64_t length);
Tensor select(const Tensor& self, int64_t dim, int64_t index);
std::vector<Tensor> split(const Tensor& self, int64_t split_size, int64_t dim = 0);
std::vector<Tensor> chunk(const Tensor& self, int64_t chunks, int64_t dim = 0);
Tensor index_select(const Tensor& self, int64_t dim, const Tensor& index);
Tensor gather(const Tensor& self, int64_t dim, const Tensor& index);
Tensor scatter_add(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src);
/// self with src written at the places index gives along dim (the last write wins where an index
/// repeats), or one value everywhere it points (a one-hot: zeros.scatter(1, labels, 1)).
Tensor scatter(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src);
Tensor scatter(const Tensor& self, int64_t dim, const Tensor& index, const Scalar& value);
/// self with the values of src that index sends to each place (along dim, as scatter_add)
/// reduced together with the place's own value (unless include_self is false) by reduce: "sum",
/// "prod", "mean", "amax" or "amin". Places nothing is sent to keep their value; a mean of
/// integers rounds down.
Tensor scatter_reduce(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src,
                      std::string_view reduce, bool include_self = true);
/// scatter with reduce "add" (scatter_add) or "multiply" (products), LibTorch's older form.
Tensor scatter(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src,
               std::string_view reduce);
Tensor scatter(const Tensor& self, int64_t dim, const Tensor& index, const Scalar& value,
               std::string_view reduce);
/// index_add's rows reduced instead of added: reduce "prod", "mean", "amax" or "amin".
Tensor index_reduce(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& source,
                    std::string_view reduce, bool include_self = true);
/// self with alpha * source added into the rows `index` (1-D) of dim; repeated rows add up.
Tensor index_add(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& source,
                 const Scalar& alpha = 1);
/// The [count, ndim] int64 coordinates of the nonzero elements, in row-major order.
Tensor nonzero(const Tensor& self);
// ---- special functions (src/ops/special.cpp; lgamma, digamma and polygamma are elementwise
// ops in src/ops/elementwise.cpp) ----
/// log|Gamma(x)| (+inf at 0 and the negative integers).
Tensor lgamma(const Tensor& self);
/// psi(x) = d/dx log Gamma(x) (-inf at 0, NaN at the negative integers, as PyTorch).
Tensor digamma(const Tensor& self);
/// The n-th derivative of digamma (n >= 0; n = 0 is digamma).
Tensor polygamma(int64_t n, const Tensor& self);
Tensor special_digamma(const Tensor& self);
Tensor special_psi(const Tensor& self);
Tensor special_gammaln(const Tensor& self);
Tensor special_polygamma(int64_t n, const Tensor& self);
/// The modified Bessel functions of the first kind, I0 (even) and I1 (odd), and their scaled
/// forms exp(-|x|) I0(x), exp(-|x|) I1(x), which stay finite where I0 and I1 overflow (|x|
/// above ~713).
Tensor i0(const Tensor& self);
Tensor special_i0(const Tensor& self);
Tensor special_i0e(const Tensor& self);
Tensor special_i1(const Tensor& self);
Tensor special_i1e(const Tensor& self);
/// The Hurwitz zeta function sum_k (k + q)^-x, for x > 1 (+inf at x = 1 and at the poles q =
/// 0, -1, ...; NaN for x < 1); broadcasting. Differentiable in q only, as in PyTorch.
Tensor special_zeta(const Tensor& self, const Tensor& other);
Tensor special_zeta(const Tensor& self, const Scalar& other);
Tensor special_zeta(const Scalar& self, const Tensor& other);
/// exp(x^2) erfc(x): finite where erfc underflows (x above ~26.5), +inf below ~-26.6.
Tensor special_erfcx(const Tensor& self);
/// log of the standard normal CDF, accurate far into the left tail (log_ndtr(-40) = -804.6),
/// where log(ndtr(x)) would be -inf.
Tensor special_log_ndtr(const Tensor& self);
/// The inverse of the standard normal CDF, for p in [0, 1] (-inf at 0, +inf at 1, NaN
/// outside), accurate in the tails (p = 1e-300 included).
Tensor special_ndtri(const Tensor& self);
/// The regularized incomplete gamma functions P(a, x) = gamma(a, x) / Gamma(a) (igamma,
/// special_gammainc) and Q(a, x) = 1 - P(a, x) (igammac, special_gammaincc), for a, x >= 0
/// (NaN below; broadcasting). Differentiable in x only, as in PyTorch.
Tensor igamma(const Tensor& self, const Tensor& other);
Tensor igammac(const Tensor& self, const Tensor& other);
Tensor special_gammainc(const Tensor& self, const Tensor& other);
Tensor special_gammaincc(const Tensor& self, const Tensor& other);
/// The Bessel functions of the first and second kind, orders 0 and 1 (Y0 and Y1: -inf at 0,
/// NaN below), the modified Bessel functions of the second kind K0 and K1 (+inf at 0, NaN
/// below), their scaled forms exp(x) K0(x) and exp(x) K1(x), and the spherical Bessel function
/// sin(x) / x. Not differentiable, as in PyTorch.
Tensor special_bessel_j0(const Tensor& self);
Tensor special_bessel_j1(const Tensor& self);
Tensor special_bessel_y0(const Tensor& self);
Tensor special_bessel_y1(const Tensor& self);
Tensor special_modified_bessel_k0(const Tensor& self);
Tensor special_modified_bessel_k1(const Tensor& self);
Tensor special_scaled_modified_bessel_k0(const Tensor& self);
Tensor special_scaled_modified_bessel_k1(const Tensor& self);
Tensor special_spherical_bessel_j0(const Tensor& self);
/// Airy's function Ai, the solution of y'' = x y that decays as x -> +inf (0 at +-inf). Not
/// differentiable, as in PyTorch.
Tensor special_airy_ai(const Tensor& self);
/// The orthogonal polynomials p_n(x), x and n broadcast (n truncated toward zero; 0 for n < 0):
/// Chebyshev's T, U, V, W and their shifted forms p_n(2x - 1), Hermite's H (physicists') and
/// He (probabilists'), Laguerre's L and Legendre's P (n at most 1e7 for those two). Not
/// differentiable, as in PyTorch.
#define NABLA_DECLARE_SPECIAL_POLYNOMIAL(fn)   \
  Tensor fn(const Tensor& x, const Tensor& n); \
  Tensor fn(const Tensor& x, const Scalar& n); \
  Tensor fn(const Scalar& x, const Tensor& n);
NABLA_DECLARE_SPECIAL_POLYNOMIAL(special_chebyshev_polynomial_t)
NABLA_DECLARE_SPECIAL_POLYNOMIAL(special_chebyshev_polynomial_u)
NABLA_DECLARE_SPECIAL_POLYNOMIAL(special_chebyshev_polynomial_v)
NABLA_DECLARE_SPECIAL_POLYNOMIAL(special_chebyshev_polynomial_w)
NABLA_DECLARE_SPECIAL_POLYNOMIAL(special_shifted_chebyshev_polynomial_t)
NABLA_DECLARE_SPECIAL_POLYNOMIAL(special_shifted_chebyshev_polynomial_u)
NABLA_DECLARE_SPECIAL_POLYNOMIAL(special_shifted_chebyshev_polynomial_v)
NABLA_DECLARE_SPECIAL_POLYNOMIAL(special_shifted_chebyshev_polynomial_w)
NABLA_DECLARE_SPECIAL_POLYNOMIAL(special_hermite_polynomial_h)
NABLA_DECLARE_SPECIAL_POLYNOMIAL(special_hermite_polynomial_he)
NABLA_DECLARE_SPECIAL_POLYNOMIAL(special_laguerre_polynomial_l)
NABLA_DECLARE_SPECIAL_POLYNOMIAL(special_legendre_polynomial_p)
#undef NABLA_DECLARE_SPECIAL_POLYNOMIAL
/// log(p / (1 - p)), p clamped to [eps, 1 - eps] first when eps is given.
Tensor logit(const Tensor& self, std::optional<double> eps = std::nullopt);
Tensor special_logit(const Tensor& self, std::optional<double> eps = std::nullopt);
/// sin(pi x) / (pi x), 1 at 0.
Tensor sinc(const Tensor& self);
Tensor special_sinc(const Tensor& self);
/// |self| with the sign of other (of its sign bit: -0.0 counts as negative).
Tensor copysign(const Tensor& self, const Tensor& other);
Tensor copysign(const Tensor& self, const Scalar& other);
/// Whether the sign bit is set (true for -0.0 and negative numbers; false for unsigned types).
Tensor signbit(const Tensor& self);
/// pow computed in float64: the result is float64 for any input dtype.
Tensor float_power(const Tensor& self, const Tensor& exponent);
Tensor float_power(const Tensor& self, const Scalar& exponent);
Tensor float_power(const Scalar& self, const Tensor& exponent);
/// self * 2^other.
Tensor ldexp(const Tensor& self, const Tensor& other);
Tensor& lgamma_(Tensor& self);
Tensor& digamma_(Tensor& self);
Tensor& i0_(Tensor& self);
Tensor& logit_(Tensor& self, std::optional<double> eps = std::nullopt);
Tensor& sinc_(Tensor& self);
Tensor& ldexp_(Tensor& self, const Tensor& other);

// ---- searching and counting (src/ops/search.cpp) ----
/// For each value, the index where it would be inserted into the sorted innermost dim of
/// sorted_sequence (the first such place, or the last with right or side "right"); sorter
/// holds the indices that sort an unsorted sequence. int64 out, int32 with out_int32.
Tensor searchsorted(const Tensor& sorted_sequence, const Tensor& self, bool out_int32 = false,
                    bool right = false, std::optional<std::string_view> side = std::nullopt,
                    const std::optional<Tensor>& sorter = std::nullopt);
Tensor searchsorted(const Tensor& sorted_sequence, const Scalar& self, bool out_int32 = false,
                    bool right = false, std::optional<std::string_view> side = std::nullopt,
                    const std::optional<Tensor>& sorter = std::nullopt);
/// The bucket of each element among the 1-D sorted boundaries (searchsorted the other way round).
Tensor bucketize(const Tensor& self, const Tensor& boundaries, bool out_int32 = false,
                 bool right = false);
Tensor bucketize(const Scalar& self, const Tensor& boundaries, bool out_int32 = false,
                 bool right = false);
/// Whether each element of elements is in test_elements (not in it, with invert).
Tensor isin(const Tensor& elements, const Tensor& test_elements, bool assume_unique = false,
            bool invert = false);
Tensor isin(const Tensor& elements, const Scalar& test_element, bool assume_unique = false,
            bool invert = false);
Tensor isin(const Scalar& element, const Tensor& test_elements, bool assume_unique = false,
            bool invert = false);
/// How often each value 0, 1, ... occurs in a 1-D tensor of non-negative integers (the sum of
/// their weights, with weights); at least minlength bins.
Tensor bincount(const Tensor& self, const std::optional<Tensor>& weights = std::nullopt,
                int64_t minlength = 0);
/// A histogram of bins equal bins over [min, max] (the data's range when both are 0); values
/// outside are ignored.
Tensor histc(const Tensor& self, int64_t bins = 100, const Scalar& min = 0, const Scalar& max = 0);

// ---- statistics (src/ops/statistics.cpp) ----
/// (min, max) over all elements, or over dim.
std::tuple<Tensor, Tensor> aminmax(const Tensor& self, std::optional<int64_t> dim = std::nullopt,
                                   bool keepdim = false);
/// The q-th quantiles (q in [0, 1], a number or a 0-d/1-d tensor; a 1-d q adds a leading dim)
/// of all elements or along dim; interpolation "linear", "lower", "higher", "midpoint" or
/// "nearest". nanquantile ignores NaN (quantile gives NaN where the data has one).
Tensor quantile(const Tensor& self, const Tensor& q, std::optional<int64_t> dim = std::nullopt,
                bool keepdim = false, std::string_view interpolation = "linear");
Tensor quantile(const Tensor& self, double q, std::optional<int64_t> dim = std::nullopt,
                bool keepdim = false, std::string_view interpolation = "linear");
Tensor nanquantile(const Tensor& self, const Tensor& q, std::optional<int64_t> dim = std::nullopt,
                   bool keepdim = false, std::string_view interpolation = "linear");
Tensor nanquantile(const Tensor& self, double q, std::optional<int64_t> dim = std::nullopt,
                   bool keepdim = false, std::string_view interpolation = "linear");
/// The covariance matrix of the variables in the rows of self (observations in the columns),
/// with integer frequency weights and observation weights.
Tensor cov(const Tensor& self, int64_t correction = 1,
           const std::optional<Tensor>& fweights = std::nullopt,
           const std::optional<Tensor>& aweights = std::nullopt);
/// Pearson's correlation coefficients of the rows (clipped to [-1, 1]).
Tensor corrcoef(const Tensor& self);
/// The integral of y along dim by the trapezoid rule, with sample points x or spacing dx.
Tensor trapezoid(const Tensor& y, const Tensor& x, int64_t dim = -1);
Tensor trapezoid(const Tensor& y, const Scalar& dx = 1, int64_t dim = -1);
Tensor trapz(const Tensor& y, const Tensor& x, int64_t dim = -1);
Tensor trapz(const Tensor& y, double dx = 1, int64_t dim = -1);
Tensor cumulative_trapezoid(const Tensor& y, const Tensor& x, int64_t dim = -1);
Tensor cumulative_trapezoid(const Tensor& y, const Scalar& dx = 1, int64_t dim = -1);
/// self sorted along dim 0.
Tensor msort(const Tensor& self);

// ---- combinatorics (src/ops/combinatorics.cpp) ----
/// The [2, N] coordinates of the lower (upper) triangle of a row x col matrix, row by row.
Tensor tril_indices(int64_t row, int64_t col, int64_t offset = 0,
                    const TensorOptions& options = kLong);
Tensor triu_indices(int64_t row, int64_t col, int64_t offset = 0,
                    const TensorOptions& options = kLong);
/// Every tuple of one element from each 1-D tensor, as the rows of a [N, len(tensors)] tensor
/// (a 1-D tensor for one input).
Tensor cartesian_prod(TensorList tensors);
/// The r-element combinations of a 1-D tensor's elements, in order, as rows.
Tensor combinations(const Tensor& self, int64_t r = 2, bool with_replacement = false);
/// The tensors (at most 2-D) as the blocks of a block-diagonal matrix.
Tensor block_diag(TensorList tensors);

// ---- out= forms (LibTorch's add_out, ...; beside their ops; helpers in src/ops/helpers.cpp) ----
// The result is written into `out`, which is resized to the result's shape when it differs and
// keeps its dtype (the result is cast, as LibTorch, when the cast is allowed). The kernel writes
// straight into a contiguous `out` of the result's dtype that shares no storage with an input;
// otherwise the result goes through a temporary. Not autocast, and not differentiable, as in
// LibTorch: an error when an operand requires grad under grad mode.
Tensor& add_out(Tensor& out, const Tensor& self, const Tensor& other, const Scalar& alpha = 1);
Tensor& sub_out(Tensor& out, const Tensor& self, const Tensor& other, const Scalar& alpha = 1);
Tensor& mul_out(Tensor& out, const Tensor& self, const Tensor& other);
Tensor& div_out(Tensor& out, const Tensor& self, const Tensor& other);
Tensor& matmul_out(Tensor& out, const Tensor& self, const Tensor& other);
Tensor& mm_out(Tensor& out, const Tensor& self, const Tensor& mat2);
Tensor& bmm_out(Tensor& out, const Tensor& self, const Tensor& mat2);
Tensor& cat_out(Tensor& out, TensorList tensors, int64_t dim = 0);
Tensor& stack_out(Tensor& out, TensorList tensors, int64_t dim = 0);

/// The shape two shapes broadcast to; raises nabla::Error naming `op` when they cannot.
std::vector<int64_t> broadcast_shapes(IntArrayRef a, IntArrayRef b, const char* op = "broadcast");

}  // namespace nabla
