// Random tensors from the default generator (Philox 4x32-10, see core/generator.h): element i
// of an op's output uses counter (offset + i), and each op advances the generator's offset by
// the counters it used. Floating fills run on the tensor's device (Backend::random_uniform /
// random_normal); integer draws (randint, randperm, multinomial, bernoulli) are made on the host
// from the same Philox stream and copied to the device, as arange is.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "core/dispatch.h"
#include "core/generator.h"
#include "core/parallel.h"
#include "ops/op_helpers.h"

namespace nabla {

using namespace detail;  // NOLINT: op helpers

namespace {

constexpr int64_t kHostGrain = 8192;

Tensor finish(Tensor t, const TensorOptions& options) {
  if (options.requires_grad()) t.requires_grad_(true);
  return t;
}

void check_floating(ScalarType dtype, const char* op) {
  NABLA_CHECK(isFloatingType(dtype),
              "[{}] expected a floating point dtype (float32 or float64), got {}", op, dtype);
}

void fill_uniform(const Tensor& out, double from, double to) {
  const PhiloxSlice s = default_generator().reserve(static_cast<uint64_t>(out.numel()));
  backend_for(out).random_uniform(out, s.seed, s.offset, from, to);
}

void fill_normal(const Tensor& out, double mean, double std) {
  const PhiloxSlice s = default_generator().reserve(static_cast<uint64_t>(out.numel()));
  backend_for(out).random_normal(out, s.seed, s.offset, mean, std);
}

// In-place random fill. The new values do not depend on the old ones, so a recorded node
// passes a zero gradient back (as PyTorch's UniformBackward0 / NormalBackward0).
Tensor& random_inplace(Tensor& self, const char* op, const char* node,
                       const std::function<void(const Tensor&)>& fill) {
  check_defined(self, op);
  check_floating(self.scalar_type(), op);
  return apply_inplace(self, op, Tensor(), [&](const Tensor& v) -> Tensor {
    if (!needs_grad(v)) {
      fill(v);  // v is self here: write straight into its storage
      return v;
    }
    Tensor r = make_tensor(v.sizes(), v.scalar_type(), v.device());
    fill(r);
    record(node, {r}, {v}, [](const variable_list& grads, const Node&) {
      const Tensor& grad = grads[0];
      return variable_list{zeros_like(grad)};
    });
    return r;
  });
}

// Whether every integer in [lo, hi] is exactly representable in `dtype`.
bool fits(int64_t lo, int64_t hi, ScalarType dtype) {
  return dispatch_all(dtype, "fits", [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_same_v<T, bool>) {
      return lo >= 0 && hi <= 1;
    } else if constexpr (detail::is_floating_v<T>) {
      constexpr int64_t kExact = int64_t{1} << std::numeric_limits<T>::digits;
      return lo >= -kExact && hi <= kExact;
    } else {
      return lo >= static_cast<int64_t>(std::numeric_limits<T>::min()) &&
             hi <= static_cast<int64_t>(std::numeric_limits<T>::max());
    }
  });
}

// A host tensor made on the CPU, moved to the device and dtype the options ask for.
Tensor to_device(const Tensor& host, ScalarType dtype, Device device) {
  return from_host(cast(host, dtype), device);
}

// Non-negative, finite float64 weights on the host, checked row by row.
Tensor host_weights(const Tensor& probs, int64_t rows, int64_t k) {
  const Tensor p = contiguous_nograd(cast(host_readable(probs), kDouble));
  const double* w = p.data_ptr<double>();
  for (int64_t r = 0; r < rows; ++r) {
    double total = 0;
    for (int64_t j = 0; j < k; ++j) {
      const double v = w[r * k + j];
      NABLA_CHECK(std::isfinite(v) && v >= 0,
                  "[multinomial] probability tensor contains either inf, nan or element < 0 "
                  "(row {}, category {}: {})",
                  r, j, v);
      total += v;
    }
    NABLA_CHECK(total > 0, "[multinomial] invalid distribution: the weights of row {} sum to 0", r);
  }
  return p;
}

// With replacement: inverse-CDF lookups, sample s of row r using counter offset + r * n + s.
void sample_with_replacement(const double* w, int64_t k, int64_t n, PhiloxSlice s, int64_t row,
                             int64_t* out) {
  std::vector<double> cdf(k);
  std::partial_sum(w, w + k, cdf.begin());
  const double total = cdf.back();
  int64_t last = k - 1;  // the last category with weight, for u rounding up to the total
  while (w[last] == 0) --last;
  for (int64_t i = 0; i < n; ++i) {
    const auto b = philox(s.offset + static_cast<uint64_t>(row * n + i), s.seed);
    const double u = uniform_double(b[0], b[1]) * total;
    const int64_t j = std::upper_bound(cdf.begin(), cdf.end(), u) - cdf.begin();
    out[i] = std::min(j, last);
  }
}

// Without replacement: each category gets an exponential arrival time -log(U) / w (counter
// offset + row * k + j); the n earliest arrivals are a draw of n categories one after the other
// without replacement, in draw order. Zero weights never arrive.
void sample_without_replacement(const double* w, int64_t k, int64_t n, PhiloxSlice s, int64_t row,
                                int64_t* out) {
  std::vector<double> key(k);
  for (int64_t j = 0; j < k; ++j) {
    const auto b = philox(s.offset + static_cast<uint64_t>(row * k + j), s.seed);
    const double u = 1.0 - uniform_double(b[0], b[1]);  // (0, 1]
    key[j] = w[j] > 0 ? -std::log(u) / w[j] : INFINITY;
  }
  std::vector<int64_t> idx(k);
  std::iota(idx.begin(), idx.end(), 0);
  std::partial_sort(idx.begin(), idx.begin() + n, idx.end(), [&](int64_t a, int64_t b) {
    return key[a] < key[b] || (key[a] == key[b] && a < b);
  });
  std::copy(idx.begin(), idx.begin() + n, out);
}

}  // namespace

// ---- floating fills --------------------------------------------------------------------

Tensor rand(IntArrayRef size, const TensorOptions& o) {
  check_floating(o.dtype(), "rand");
  Tensor t = make_tensor(size, o.dtype(), o.device());
  fill_uniform(t, 0.0, 1.0);
  return finish(t, o);
}

Tensor randn(IntArrayRef size, const TensorOptions& o) {
  check_floating(o.dtype(), "randn");
  Tensor t = make_tensor(size, o.dtype(), o.device());
  fill_normal(t, 0.0, 1.0);
  return finish(t, o);
}

Tensor& Tensor::uniform_(double from, double to) const {
  NABLA_CHECK(from <= to,
              "[uniform_] expects to return a [from, to) range, but found from={} > to={}", from,
              to);
  NABLA_CHECK(std::isfinite(to - from),
              "[uniform_] from and to must be finite and their difference representable, got "
              "from={}, to={}",
              from, to);
  return random_inplace(const_cast<Tensor&>(*this), "uniform_", "UniformBackward0",
                        [&](const Tensor& out) { fill_uniform(out, from, to); });
}

Tensor& Tensor::normal_(double mean, double std) const {
  NABLA_CHECK(std >= 0, "[normal_] expects std >= 0.0, but found std {}", std);
  NABLA_CHECK(std::isfinite(mean) && std::isfinite(std),
              "[normal_] mean and std must be finite, got mean={}, std={}", mean, std);
  return random_inplace(const_cast<Tensor&>(*this), "normal_", "NormalBackward0",
                        [&](const Tensor& out) { fill_normal(out, mean, std); });
}

// The other distributions transform uniform samples u in [0, 1) (or normal ones), as PyTorch's
// CPU kernels do; the same seed gives the same values on any thread count.
namespace {
void fill_transformed_uniform(const Tensor& out, const std::function<Tensor(const Tensor&)>& f) {
  fill_uniform(out, 0.0, 1.0);
  backend_for(out).copy(f(out), out);
}
}  // namespace
Tensor& Tensor::exponential_(double lambd) const {
  NABLA_CHECK(lambd > 0 && !std::isinf(lambd),
              "[exponential_] expects lambda > 0 and finite, but found lambda={}", lambd);
  // -log(1 - u) / lambda: finite, as 1 - u is in (0, 1].
  return random_inplace(const_cast<Tensor&>(*this), "exponential_", "ExponentialBackward0",
                        [&](const Tensor& out) {
                          fill_transformed_uniform(
                              out, [&](const Tensor& u) { return u.neg().log1p() * (-1 / lambd); });
                        });
}
Tensor& Tensor::cauchy_(double median, double sigma) const {
  NABLA_CHECK(sigma > 0 && std::isfinite(median) && std::isfinite(sigma),
              "[cauchy_] expects sigma > 0 and a finite median, got median={}, sigma={}", median,
              sigma);
  // median + sigma tan(pi (u - 1/2)).
  return random_inplace(const_cast<Tensor&>(*this), "cauchy_", "CauchyBackward0",
                        [&](const Tensor& out) {
                          fill_transformed_uniform(out, [&](const Tensor& u) {
                            return ((u - 0.5) * 3.14159265358979323846).tan() * sigma + median;
                          });
                        });
}
Tensor& Tensor::log_normal_(double mean, double std) const {
  NABLA_CHECK(std > 0 && std::isfinite(mean) && std::isfinite(std),
              "[log_normal_] expects std > 0 and a finite mean, got mean={}, std={}", mean, std);
  return random_inplace(const_cast<Tensor&>(*this), "log_normal_", "LogNormalBackward0",
                        [&](const Tensor& out) {
                          fill_normal(out, mean, std);
                          backend_for(out).copy(out.exp(), out);
                        });
}
Tensor& Tensor::geometric_(double p) const {
  NABLA_CHECK(p > 0 && p < 1, "[geometric_] expects p in (0, 1), got p={}", p);
  // The number of Bernoulli(p) trials up to the first success: ceil(log(1 - u) / log(1 - p)),
  // at least 1.
  return random_inplace(const_cast<Tensor&>(*this), "geometric_", "GeometricBackward0",
                        [&](const Tensor& out) {
                          fill_transformed_uniform(out, [&](const Tensor& u) {
                            return (u.neg().log1p() / std::log1p(-p)).ceil().clamp_min(1);
                          });
                        });
}

// ---- integers --------------------------------------------------------------------------

Tensor randint(int64_t high, IntArrayRef size, const TensorOptions& o) {
  return randint(0, high, size, o);
}

Tensor randint(int64_t low, int64_t high, IntArrayRef size, const TensorOptions& o) {
  NABLA_CHECK(low < high,
              "[randint] expects 'low' to be less than 'high', but got low={} >= high={}", low,
              high);
  const ScalarType dtype = o.has_dtype() ? o.dtype() : kLong;
  NABLA_CHECK(fits(low, high - 1, dtype), "[randint] range [{}, {}) is out of bounds for {}", low,
              high, dtype);
  Tensor host = make_tensor(size, kLong);
  const PhiloxSlice s = default_generator().reserve(static_cast<uint64_t>(host.numel()));
  // 64 random bits modulo the range: the bias is at most range / 2^64.
  const uint64_t range = static_cast<uint64_t>(high) - static_cast<uint64_t>(low);
  int64_t* out = host.data_ptr<int64_t>();
  parallel_for(host.numel(), kHostGrain, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const auto b = philox(s.offset + static_cast<uint64_t>(i), s.seed);
      out[i] = static_cast<int64_t>(static_cast<uint64_t>(low) + bits64(b[0], b[1]) % range);
    }
  });
  return finish(to_device(host, dtype, o.device()), o);
}

namespace {
// One past the largest integer random_() draws in `dtype` without a `to`: every integer up to
// 2^digits for floating dtypes (float32: 2^24), the maximum of an integer dtype (int64: one
// less, so that the end fits in int64), 1 for bool.
int64_t random_end(ScalarType dtype) {
  return dispatch_all(dtype, "random_", [&](auto tag) -> int64_t {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_same_v<T, bool>) {
      return 2;
    } else if constexpr (detail::is_floating_v<T>) {
      return (int64_t{1} << std::numeric_limits<T>::digits) + 1;
    } else if constexpr (std::is_same_v<T, int64_t>) {
      return std::numeric_limits<int64_t>::max();
    } else {
      return static_cast<int64_t>(std::numeric_limits<T>::max()) + 1;
    }
  });
}
}  // namespace

// random_: integers uniform in [from, to), as randint draws them, in self's dtype.
Tensor& Tensor::random_(int64_t from, std::optional<int64_t> to) const {
  check_defined(*this, "random_");
  const ScalarType dtype = scalar_type();
  const int64_t end = to ? *to : random_end(dtype);
  NABLA_CHECK(from < end, "[random_] expects 'from' to be less than 'to', but got from={} >= to={}",
              from, end);
  NABLA_CHECK(fits(from, end - 1, dtype), "[random_] range [{}, {}) is out of bounds for {}", from,
              end, dtype);
  const auto fill = [&](const Tensor& out) {
    backend_for(out).copy(randint(from, end, out.sizes(), TensorOptions(out.device())), out);
  };
  if (isFloatingType(dtype))
    return random_inplace(const_cast<Tensor&>(*this), "random_", "RandomBackward0", fill);
  return apply_inplace(const_cast<Tensor&>(*this), "random_", Tensor(), [&](const Tensor& v) {
    fill(v);
    return v;
  });
}
Tensor& Tensor::random_(int64_t to) const { return random_(0, to); }
Tensor& Tensor::random_() const { return random_(0, std::nullopt); }

Tensor randperm(int64_t n, const TensorOptions& o) {
  NABLA_CHECK(n >= 0, "[randperm] n must be non-negative, got {}", n);
  const ScalarType dtype = o.has_dtype() ? o.dtype() : kLong;
  NABLA_CHECK(n == 0 || fits(0, n - 1, dtype), "[randperm] n={} is too large for {}", n, dtype);
  Tensor host = make_tensor({n}, kLong);
  int64_t* perm = host.data_ptr<int64_t>();
  std::iota(perm, perm + n, int64_t{0});
  const PhiloxSlice s = default_generator().reserve(static_cast<uint64_t>(n));
  // Fisher-Yates: step i swaps perm[i] with perm[j], j uniform in [0, i] from counter offset + i.
  // The draws do not depend on each other, so they are made in parallel first.
  std::vector<int64_t> swap_with(static_cast<size_t>(n));
  parallel_for(n, kHostGrain, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const auto b = philox(s.offset + static_cast<uint64_t>(i), s.seed);
      swap_with[i] = static_cast<int64_t>(bits64(b[0], b[1]) % static_cast<uint64_t>(i + 1));
    }
  });
  for (int64_t i = n - 1; i > 0; --i) std::swap(perm[i], perm[swap_with[i]]);
  return finish(to_device(host, dtype, o.device()), o);
}

Tensor multinomial(const Tensor& probs, int64_t num_samples, bool replacement) {
  check_defined(probs, "multinomial", "probs");
  NABLA_CHECK(probs.dim() == 1 || probs.dim() == 2,
              "[multinomial] probs must be 1-D or 2-D, got shape {}", probs.sizes());
  check_floating(probs.scalar_type(), "multinomial");
  NABLA_CHECK(num_samples > 0, "[multinomial] cannot sample num_samples={} <= 0 samples",
              num_samples);
  const int64_t k = probs.size(-1), rows = probs.dim() == 2 ? probs.size(0) : 1;
  NABLA_CHECK(k > 0, "[multinomial] probs of shape {} have no categories", probs.sizes());
  NABLA_CHECK(replacement || num_samples <= k,
              "[multinomial] cannot take {} samples from {} categories without replacement",
              num_samples, k);
  Tensor p = host_weights(probs, rows, k);
  const double* w = p.data_ptr<double>();
  if (!replacement) {
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t nonzero =
          std::count_if(w + r * k, w + (r + 1) * k, [](double v) { return v > 0; });
      NABLA_CHECK(nonzero >= num_samples,
                  "[multinomial] row {} has only {} categories with nonzero weight, fewer than "
                  "num_samples={} (replacement=false)",
                  r, nonzero, num_samples);
    }
  }
  Tensor host = probs.dim() == 2 ? make_tensor({rows, num_samples}, kLong)
                                 : make_tensor({num_samples}, kLong);
  int64_t* out = host.data_ptr<int64_t>();
  const PhiloxSlice s =
      default_generator().reserve(static_cast<uint64_t>(rows * (replacement ? num_samples : k)));
  parallel_for(
      rows, std::max<int64_t>(1, kHostGrain / std::max(k, num_samples)),
      [&](int64_t begin, int64_t end) {
        for (int64_t r = begin; r < end; ++r) {
          if (replacement) {
            sample_with_replacement(w + r * k, k, num_samples, s, r, out + r * num_samples);
          } else {
            sample_without_replacement(w + r * k, k, num_samples, s, r, out + r * num_samples);
          }
        }
      });
  return to_device(host, kLong, probs.device());
}

Tensor bernoulli(const Tensor& probs) {
  check_defined(probs, "bernoulli", "probs");
  check_floating(probs.scalar_type(), "bernoulli");
  const Tensor p = contiguous_nograd(cast(host_readable(probs), kDouble));
  const double* w = p.data_ptr<double>();
  const int64_t n = p.numel();
  for (int64_t i = 0; i < n; ++i)
    NABLA_CHECK(w[i] >= 0 && w[i] <= 1,
                "[bernoulli] expects p to be in [0, 1], but got p={} at flat index {}", w[i], i);
  Tensor host = make_tensor(p.sizes(), kDouble);
  double* out = host.data_ptr<double>();
  const PhiloxSlice s = default_generator().reserve(static_cast<uint64_t>(n));
  parallel_for(n, kHostGrain, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const auto b = philox(s.offset + static_cast<uint64_t>(i), s.seed);
      out[i] = uniform_double(b[0], b[1]) < w[i] ? 1.0 : 0.0;
    }
  });
  return to_device(host, probs.scalar_type(), probs.device());
}

// normal: standard normal samples scaled and shifted, so a seed gives the same numbers as
// randn's, on any thread count. LibTorch's has zero gradient; nabla's result takes none.
Tensor normal(double mean, double std, IntArrayRef size, const TensorOptions& options) {
  NABLA_CHECK(std >= 0, "[normal] expects std >= 0.0, but found std {}", std);
  const Tensor samples = empty(size, options.requires_grad(false)).normal_(mean, std);
  return options.requires_grad() ? samples.requires_grad_() : samples;
}
namespace {
void check_std(const Tensor& std) {
  check_defined(std, "normal", "std");
  check_floating(std.scalar_type(), "normal");
  NABLA_CHECK(!std.lt(0).any().item<bool>(), "[normal] expects all elements of std >= 0.0");
}
}  // namespace
Tensor normal(const Tensor& mean, double std) {
  check_defined(mean, "normal", "mean");
  check_floating(mean.scalar_type(), "normal");
  NABLA_CHECK(std >= 0, "[normal] expects std >= 0.0, but found std {}", std);
  NoGradGuard no_grad;
  return empty_like(mean).normal_(0, std).add_(mean);
}
Tensor normal(double mean, const Tensor& std) {
  check_std(std);
  NoGradGuard no_grad;
  return empty_like(std).normal_(0, 1).mul_(std).add_(mean);
}
Tensor normal(const Tensor& mean, const Tensor& std) {
  check_defined(mean, "normal", "mean");
  check_floating(mean.scalar_type(), "normal");
  check_std(std);
  NoGradGuard no_grad;
  const std::vector<int64_t> shape = broadcast_shapes(mean.sizes(), std.sizes(), "normal");
  return empty(shape, mean.options().dtype(result_type(mean, std)))
      .normal_(0, 1)
      .mul_(std)
      .add_(mean);
}

// The Tensor methods of the samplers above, as LibTorch spells them.
Tensor Tensor::multinomial(int64_t num_samples, bool replacement) const {
  return nabla::multinomial(*this, num_samples, replacement);
}
Tensor Tensor::bernoulli() const { return nabla::bernoulli(*this); }
Tensor Tensor::bernoulli(double p) const {
  check_defined(*this, "bernoulli");
  NABLA_CHECK(p >= 0 && p <= 1, "[bernoulli] expects p to be in [0, 1], but got p={}", p);
  return nabla::bernoulli(full(sizes(), p, TensorOptions().dtype(kDouble).device(device())))
      .to(scalar_type());
}
// bernoulli_: draws of p (broadcast to self's shape) written into self, in self's dtype (bool
// and integer masks too).
Tensor& Tensor::bernoulli_(const Tensor& p) const {
  check_defined(*this, "bernoulli_");
  check_defined(p, "bernoulli_", "p");
  NABLA_CHECK(p.dim() <= dim(), "[bernoulli_] p of shape {} does not broadcast to self's {}",
              p.sizes(), sizes());
  const Tensor probabilities = isFloatingType(p.scalar_type()) ? p : p.to(kDouble);
  const Tensor draws = nabla::bernoulli(probabilities.detach().expand(sizes())).to(scalar_type());
  return apply_inplace(const_cast<Tensor&>(*this), "bernoulli_", Tensor(),
                       [&](const Tensor&) { return draws; });
}
Tensor& Tensor::bernoulli_(double p) const {
  NABLA_CHECK(p >= 0 && p <= 1, "[bernoulli_] expects p to be in [0, 1], but got p={}", p);
  return bernoulli_(full({}, p, TensorOptions().dtype(kDouble).device(device())));
}

}  // namespace nabla
