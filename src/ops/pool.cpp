// Pooling and padding. max_pool runs the backend's window kernel and scatters its gradient
// back through the saved indices (scatter_add, whose own gradient is a gather); avg_pool is a
// convolution of each plane with a ones kernel divided by the window sizes; padding is cat
// (constant) or index_select (reflect, replicate, circular). All gradients are nabla ops.
#include <algorithm>
#include <string>

#include "nabla/conv.h"
#include "nabla/creation.h"
#include "ops/conv_prims.h"
#include "ops/fused.h"
#include "ops/op_helpers.h"

namespace nabla {

using namespace detail;  // NOLINT: op helpers

namespace {

std::vector<int64_t> expand_arg(IntArrayRef v, int64_t dims, const char* op, const char* name) {
  if (v.size() == 1) return std::vector<int64_t>(static_cast<size_t>(dims), v[0]);
  NABLA_CHECK(static_cast<int64_t>(v.size()) == dims,
              "[{}] {} must be a single int or a list of {} ints, got {}", op, name, dims, v);
  return v.vec();
}

struct PoolSetup {
  Tensor input;  // batched [N, C, *in]
  bool unbatched = false;
  std::vector<int64_t> kernel, out;
  ConvGeometry geom;
};

// PyTorch's pooling_output_shape: with ceil_mode the last window must start inside the input
// or the left padding.
int64_t pool_out_size(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d, bool ceil_mode) {
  const int64_t span = in + 2 * p - d * (k - 1) - 1 + (ceil_mode ? s - 1 : 0);
  int64_t out = (span >= 0 ? span / s : -((-span + s - 1) / s)) + 1;
  if (ceil_mode && (out - 1) * s >= in + p) --out;
  return out;
}

PoolSetup check_pool(const char* op, int64_t dims, const Tensor& self, IntArrayRef kernel_size,
                     IntArrayRef stride, IntArrayRef padding, IntArrayRef dilation,
                     bool ceil_mode) {
  check_defined(self, op, "self");
  NABLA_CHECK(self.dim() == dims + 1 || self.dim() == dims + 2,
              "[{}] expected {}D (unbatched) or {}D (batched) input, but got input of size: {}", op,
              dims + 1, dims + 2, self.sizes());
  NABLA_CHECK(self.is_floating_point(),
              "[{}] expected a floating point input (float32 or float64), got {}", op,
              self.scalar_type());
  PoolSetup s;
  s.unbatched = self.dim() == dims + 1;
  s.input = s.unbatched ? self.unsqueeze(0) : self;
  s.kernel = expand_arg(kernel_size, dims, op, "kernel_size");
  s.geom.stride = stride.empty() ? s.kernel : expand_arg(stride, dims, op, "stride");
  s.geom.padding = expand_arg(padding, dims, op, "padding");
  s.geom.dilation = expand_arg(dilation, dims, op, "dilation");
  for (int64_t i = 0; i < dims; ++i) {
    const auto u = static_cast<size_t>(i);
    const int64_t k = s.kernel[u], st = s.geom.stride[u], p = s.geom.padding[u],
                  d = s.geom.dilation[u];
    NABLA_CHECK(k > 0 && st > 0 && d > 0,
                "[{}] kernel_size, stride and dilation must be greater than zero, but got "
                "kernel_size={}, stride={}, dilation={}",
                op, IntArrayRef(s.kernel), IntArrayRef(s.geom.stride),
                IntArrayRef(s.geom.dilation));
    NABLA_CHECK(p >= 0 && p <= k / 2,
                "[{}] pad should be at most half of kernel size and non-negative, but got "
                "pad={} and kernel_size={}",
                op, IntArrayRef(s.geom.padding), IntArrayRef(s.kernel));
    const int64_t o = pool_out_size(s.input.size(2 + i), k, st, p, d, ceil_mode);
    NABLA_CHECK(o > 0, "[{}] given input size {}, the calculated output size is too small ({})", op,
                self.sizes(), o);
    s.out.push_back(o);
  }
  return s;
}

std::vector<int64_t> out_shape(const PoolSetup& s) {
  std::vector<int64_t> shape{s.input.size(0), s.input.size(1)};
  shape.insert(shape.end(), s.out.begin(), s.out.end());
  return shape;
}

std::tuple<Tensor, Tensor> max_pool_nd(const char* op, int64_t dims, const Tensor& self,
                                       IntArrayRef kernel_size, IntArrayRef stride,
                                       IntArrayRef padding, IntArrayRef dilation, bool ceil_mode) {
  PoolSetup s = check_pool(op, dims, self, kernel_size, stride, padding, dilation, ceil_mode);
  const Tensor& x = s.input;
  const std::vector<int64_t> shape = out_shape(s);
  Tensor values = make_tensor(shape, x.scalar_type(), x.device());
  Tensor indices = make_tensor(shape, kLong, x.device());
  backend_for(x).max_pool(x, s.kernel, s.geom, values, indices);
  if (needs_grad(x)) {
    // dx [N * C, plane] = zeros.scatter_add(1, indices, dy): each window's max gets dy. Without
    // a graph to record, the backend's one-pass kernel (max_pool_backward) does the same.
    record("MaxPoolBackward0", {values}, {x},
           [in_sizes = x.sizes().vec(), indices](const variable_list& grads,
                                                 const Node&) -> variable_list {
             const Tensor& grad = grads[0];
             const int64_t planes = in_sizes[0] * in_sizes[1];
             const int64_t plane = compute_numel(in_sizes) / std::max<int64_t>(planes, 1);
             const Tensor i2 = indices.reshape({planes, -1});
             const Tensor dy = grad.reshape({planes, -1});
             if (!GradMode::is_enabled() && detail::FusedKernelsGuard::is_enabled()) {
               Tensor dx = make_tensor({planes, plane}, grad.scalar_type(), grad.device());
               if (backend_for(dx).max_pool_backward(dy, i2, dx)) return {dx.reshape(in_sizes)};
             }
             const Tensor dx = zeros(
                 {planes, plane}, TensorOptions().dtype(grad.scalar_type()).device(grad.device()));
             return {dx.scatter_add(1, i2, dy).reshape(in_sizes)};
           });
  }
  if (s.unbatched) return {values.squeeze(0), indices.squeeze(0)};
  return {values, indices};
}

// Window sizes of avg_pool along one dim, before and after clamping to the input.
std::vector<double> window_sizes(int64_t in, int64_t out, int64_t k, int64_t s, int64_t p,
                                 bool count_include_pad) {
  std::vector<double> sizes(static_cast<size_t>(out));
  for (int64_t o = 0; o < out; ++o) {
    int64_t start = o * s - p, end = std::min(start + k, in + p);
    if (!count_include_pad) {
      start = std::max<int64_t>(start, 0);
      end = std::min(end, in);
    }
    sizes[static_cast<size_t>(o)] = static_cast<double>(end - start);
  }
  return sizes;
}

Tensor avg_pool_nd(const char* op, int64_t dims, const Tensor& self, IntArrayRef kernel_size,
                   IntArrayRef stride, IntArrayRef padding, bool ceil_mode, bool count_include_pad,
                   std::optional<int64_t> divisor_override) {
  PoolSetup s = check_pool(op, dims, self, kernel_size, stride, padding, 1, ceil_mode);
  if (divisor_override) {
    NABLA_CHECK(*divisor_override != 0, "[{}] divisor must be not zero", op);
  }
  const Tensor& x = s.input;
  const int64_t planes = x.size(0) * x.size(1);
  // Window sums: every plane [N * C, 1, *in] convolved with a ones kernel [1, 1, *k].
  std::vector<int64_t> plane_shape{planes, 1}, kshape{1, 1};
  for (int64_t i = 0; i < dims; ++i) {
    plane_shape.push_back(x.size(2 + i));
    kshape.push_back(s.kernel[static_cast<size_t>(i)]);
  }
  // The helper tensors live on the input's device, as everything an op combines.
  const TensorOptions on_x = TensorOptions().dtype(x.scalar_type()).device(x.device());
  const Tensor ones_k = ones(kshape, on_x);
  Tensor sums = conv_with_geometry(x.reshape(plane_shape), ones_k, {}, s.out, s.geom);
  // Divisors [*out]: a product of per-dim window sizes, or the override.
  Tensor divisor;
  if (divisor_override) {
    divisor = full({}, static_cast<double>(*divisor_override), on_x);
  } else {
    for (int64_t i = 0; i < dims; ++i) {
      const auto u = static_cast<size_t>(i);
      std::vector<int64_t> shape(static_cast<size_t>(dims), 1);
      shape[u] = s.out[u];
      Tensor w = tensor(window_sizes(x.size(2 + i), s.out[u], s.kernel[u], s.geom.stride[u],
                                     s.geom.padding[u], count_include_pad),
                        on_x)
                     .reshape(shape);
      divisor = divisor.defined() ? divisor * w : w;
    }
  }
  Tensor y = (sums / divisor).reshape(out_shape(s));
  return s.unbatched ? y.squeeze(0) : y;
}

// The index of every output position along one dim of size n padded by (before, after).
std::vector<int64_t> pad_index(int64_t n, int64_t before, int64_t after, std::string_view mode) {
  std::vector<int64_t> idx;
  for (int64_t j = -before; j < n + after; ++j) {
    int64_t i = j;
    if (mode == "reflect") {
      i = j < 0 ? -j : (j >= n ? 2 * (n - 1) - j : j);
    } else if (mode == "replicate") {
      i = std::clamp<int64_t>(j, 0, n - 1);
    } else {  // circular
      i = ((j % n) + n) % n;
    }
    idx.push_back(i);
  }
  return idx;
}

}  // namespace

// ---- public ops ------------------------------------------------------------------------------

std::tuple<Tensor, Tensor> max_pool1d_with_indices(const Tensor& self, IntArrayRef kernel_size,
                                                   IntArrayRef stride, IntArrayRef padding,
                                                   IntArrayRef dilation, bool ceil_mode) {
  return max_pool_nd("max_pool1d", 1, self, kernel_size, stride, padding, dilation, ceil_mode);
}
std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor& self, IntArrayRef kernel_size,
                                                   IntArrayRef stride, IntArrayRef padding,
                                                   IntArrayRef dilation, bool ceil_mode) {
  return max_pool_nd("max_pool2d", 2, self, kernel_size, stride, padding, dilation, ceil_mode);
}
Tensor max_pool1d(const Tensor& self, IntArrayRef kernel_size, IntArrayRef stride,
                  IntArrayRef padding, IntArrayRef dilation, bool ceil_mode) {
  return std::get<0>(
      max_pool1d_with_indices(self, kernel_size, stride, padding, dilation, ceil_mode));
}
Tensor max_pool2d(const Tensor& self, IntArrayRef kernel_size, IntArrayRef stride,
                  IntArrayRef padding, IntArrayRef dilation, bool ceil_mode) {
  return std::get<0>(
      max_pool2d_with_indices(self, kernel_size, stride, padding, dilation, ceil_mode));
}

Tensor avg_pool1d(const Tensor& self, IntArrayRef kernel_size, IntArrayRef stride,
                  IntArrayRef padding, bool ceil_mode, bool count_include_pad) {
  return avg_pool_nd("avg_pool1d", 1, self, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, std::nullopt);
}
Tensor avg_pool2d(const Tensor& self, IntArrayRef kernel_size, IntArrayRef stride,
                  IntArrayRef padding, bool ceil_mode, bool count_include_pad,
                  std::optional<int64_t> divisor_override) {
  return avg_pool_nd("avg_pool2d", 2, self, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, divisor_override);
}

Tensor constant_pad_nd(const Tensor& self, IntArrayRef pad, const Scalar& value) {
  check_defined(self, "constant_pad_nd", "self");
  const int64_t pairs = static_cast<int64_t>(pad.size()) / 2;
  NABLA_CHECK(pad.size() % 2 == 0 && pairs <= self.dim(),
              "[constant_pad_nd] padding length must be even and at most twice the input's "
              "dims ({}), got pad={} for input of size {}",
              2 * self.dim(), pad, self.sizes());
  Tensor r = self;
  for (int64_t i = 0; i < pairs; ++i) {
    const int64_t dim = self.dim() - 1 - i;
    const int64_t before = pad[static_cast<size_t>(2 * i)],
                  after = pad[static_cast<size_t>(2 * i + 1)];
    const int64_t n = r.size(dim);
    NABLA_CHECK(n + before + after >= 0,
                "[constant_pad_nd] the input size {} in dim {}, padded by ({}, {}), would be "
                "negative (input of size {})",
                n, dim, before, after, self.sizes());
    // Negative padding crops.
    const int64_t lo = std::max<int64_t>(0, -before), hi = std::max<int64_t>(0, -after);
    if (lo + hi > 0) r = r.narrow(dim, std::min(lo, n), std::max<int64_t>(0, n - lo - hi));
    if (before <= 0 && after <= 0) continue;
    std::vector<Tensor> parts;
    std::vector<int64_t> shape = r.sizes().vec();
    const auto opts = TensorOptions().dtype(r.scalar_type()).device(r.device());
    if (before > 0) {
      shape[static_cast<size_t>(dim)] = before;
      parts.push_back(full(shape, value, opts));
    }
    parts.push_back(r);
    if (after > 0) {
      shape[static_cast<size_t>(dim)] = after;
      parts.push_back(full(shape, value, opts));
    }
    r = cat(parts, dim);
  }
  return r.is_same(self) ? self.clone() : r;
}

Tensor pad(const Tensor& self, IntArrayRef pad, std::string_view mode,
           std::optional<double> value) {
  check_defined(self, "pad", "self");
  if (mode == "constant") return constant_pad_nd(self, pad, value.value_or(0.0));
  NABLA_CHECK(mode == "reflect" || mode == "replicate" || mode == "circular",
              "[pad] unrecognised padding mode '{}': expected constant, reflect, replicate or "
              "circular",
              std::string(mode));
  NABLA_CHECK(!value.has_value() || *value == 0.0,
              "[pad] padding mode '{}' doesn't take in value argument", std::string(mode));
  const int64_t pairs = static_cast<int64_t>(pad.size()) / 2;
  NABLA_CHECK(pad.size() % 2 == 0 && pairs >= 1 && pairs <= 3 &&
                  (self.dim() == pairs + 1 || self.dim() == pairs + 2),
              "[pad] {} padding of {} dims expects a {}D or {}D input, got pad={} and input of "
              "size {}",
              std::string(mode), pairs, pairs + 1, pairs + 2, pad, self.sizes());
  Tensor r = self;
  for (int64_t i = 0; i < pairs; ++i) {
    const int64_t dim = self.dim() - 1 - i;
    const int64_t before = pad[static_cast<size_t>(2 * i)],
                  after = pad[static_cast<size_t>(2 * i + 1)];
    const int64_t n = self.size(dim);
    NABLA_CHECK(before >= 0 && after >= 0, "[pad] negative padding is not supported for mode '{}'",
                std::string(mode));
    const int64_t limit = mode == "reflect" ? n - 1 : (mode == "circular" ? n : INT64_MAX);
    NABLA_CHECK(n > 0 && before <= limit && after <= limit,
                "[pad] {} padding ({}, {}) of dim {} is too large for input of size {}",
                std::string(mode), before, after, dim, self.sizes());
    if (before == 0 && after == 0) continue;
    r = r.index_select(dim, tensor(pad_index(n, before, after, mode), device(self.device())));
  }
  return r.is_same(self) ? self.clone() : r;
}

// LibTorch's names for pad's modes: `padding` has two entries per padded dim, for a batched or
// unbatched input.
namespace {
Tensor pad_mode(const Tensor& self, IntArrayRef padding, int64_t dims, std::string_view mode,
                const char* op) {
  check_defined(self, op, "self");
  NABLA_CHECK(static_cast<int64_t>(padding.size()) == 2 * dims,
              "[{}] padding must have {} entries, got {}", op, 2 * dims, padding);
  NABLA_CHECK(self.dim() == dims + 1 || self.dim() == dims + 2,
              "[{}] expects a {}D or {}D input, got shape {}", op, dims + 1, dims + 2,
              self.sizes());
  return pad(self, padding, mode);
}
}  // namespace
Tensor reflection_pad1d(const Tensor& self, IntArrayRef padding) {
  return pad_mode(self, padding, 1, "reflect", "reflection_pad1d");
}
Tensor reflection_pad2d(const Tensor& self, IntArrayRef padding) {
  return pad_mode(self, padding, 2, "reflect", "reflection_pad2d");
}
Tensor reflection_pad3d(const Tensor& self, IntArrayRef padding) {
  return pad_mode(self, padding, 3, "reflect", "reflection_pad3d");
}
Tensor replication_pad1d(const Tensor& self, IntArrayRef padding) {
  return pad_mode(self, padding, 1, "replicate", "replication_pad1d");
}
Tensor replication_pad2d(const Tensor& self, IntArrayRef padding) {
  return pad_mode(self, padding, 2, "replicate", "replication_pad2d");
}
Tensor replication_pad3d(const Tensor& self, IntArrayRef padding) {
  return pad_mode(self, padding, 3, "replicate", "replication_pad3d");
}

}  // namespace nabla
