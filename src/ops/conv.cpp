// Convolutions. Three primitives, each the others' gradient, so every order of derivative is
// made of them (x [N, Cin, *in], w [Cout, Cin / groups, *k], y [N, Cout, *out]):
// clang-format off
//   primitive                       gradient wrt its first input    wrt its second input
//   conv(x, w) = y                  conv_input_grad(gy, w)          conv_weight_grad(x, gy)
//   conv_input_grad(dy, w) = dx     conv(gdx, w)                    conv_weight_grad(gdx, dy)
//   conv_weight_grad(x, dy) = dw    conv_input_grad(dy, gdw)        conv(x, gdw)
// clang-format on
// A transposed convolution is conv_input_grad used as a layer. The geometry (stride, padding
// before, dilation, groups) is shared; the padding after the input follows from the sizes.
#include <algorithm>
#include <string>

#include "nabla/conv.h"
#include "ops/autocast.h"
#include "ops/conv_prims.h"
#include "ops/fused.h"
#include "ops/op_helpers.h"

namespace nabla {

using namespace detail;  // NOLINT: op helpers

namespace {

std::vector<int64_t> spatial(IntArrayRef sizes) { return {sizes.begin() + 2, sizes.end()}; }

std::vector<int64_t> with_nc(int64_t n, int64_t c, const std::vector<int64_t>& sp) {
  std::vector<int64_t> r{n, c};
  r.insert(r.end(), sp.begin(), sp.end());
  return r;
}

Tensor conv_prim(const Tensor& x, const Tensor& w, const Tensor& bias,
                 const std::vector<int64_t>& out_sp, const ConvGeometry& g);
Tensor conv_input_grad_prim(const Tensor& dy, const Tensor& w, IntArrayRef x_sizes,
                            const ConvGeometry& g);
Tensor conv_weight_grad_prim(const Tensor& x, const Tensor& dy, IntArrayRef w_sizes,
                             const ConvGeometry& g);

// bias [C] viewed as [1, C, 1, ...] against y's rank.
Tensor bias_view(const Tensor& bias, int64_t rank) {
  std::vector<int64_t> shape(static_cast<size_t>(rank), 1);
  shape[1] = bias.size(0);
  return bias.reshape(shape);
}

// Dims summed for the bias gradient: the batch and every spatial dim.
std::vector<int64_t> bias_grad_dims(int64_t rank) {
  std::vector<int64_t> dims{0};
  for (int64_t i = 2; i < rank; ++i) dims.push_back(i);
  return dims;
}

// The bias gradient: dy [N, C, spatial...] summed over the batch and every spatial dim. A
// contiguous dy is summed along each plane first ([N, C, P] -> [N, C], contiguous rows), then
// over the batch: reducing dims (0, 2, ...) at once costs a reduced-dims-last copy of dy first.
Tensor bias_grad(const Tensor& dy) {
  if (dy.dim() > 2 && dy.numel() > 0 && dy.is_contiguous())
    return dy.reshape({dy.size(0), dy.size(1), -1}).sum(2).sum(0);
  return dy.sum(bias_grad_dims(dy.dim()));
}

// y = conv(x, w) + bias: by the convolution kernel itself where the backend can
// (conv_forward_bias), else added in place to the fresh result (no second tensor).
Tensor conv_prim(const Tensor& x, const Tensor& w, const Tensor& bias,
                 const std::vector<int64_t>& out_sp, const ConvGeometry& g) {
  Tensor y = make_tensor(with_nc(x.size(0), w.size(0), out_sp), x.scalar_type(), x.device());
  Backend& be = backend_for(x);
  const bool fused_bias = bias.defined() && FusedKernelsGuard::is_enabled() &&
                          bias.is_contiguous() && be.conv_forward_bias(x, w, bias, y, g);
  if (!fused_bias) {
    be.conv_forward(x, w, y, g);
    if (bias.defined())
      be.binary(BinaryOp::Add, y, expand_to(bias_view(bias, y.dim()), y.sizes(), "conv"), y);
  }
  if (needs_grad(x, w, bias)) {
    record(
        "ConvolutionBackward0", {y}, {x, w, bias},
        [input = SavedTensor(x, false), weight = SavedTensor(w, false), geometry = g](
            const variable_list& grads, const Node& node) -> variable_list {
          const Tensor& grad = grads[0];
          variable_list out(3);
          const Tensor input_v = input.unpack(node), weight_v = weight.unpack(node);
          if (node.needs_input_grad(0))
            out[0] = conv_input_grad_prim(grad, weight_v, input_v.sizes(), geometry);
          // Without a graph to record, dw and db from one pass over dy where the backend can.
          if (node.needs_input_grad(1) && node.needs_input_grad(2) && !GradMode::is_enabled() &&
              FusedKernelsGuard::is_enabled()) {
            Tensor dw = make_tensor(weight_v.sizes(), input_v.scalar_type(), input_v.device());
            Tensor db = make_tensor({weight_v.size(0)}, input_v.scalar_type(), input_v.device());
            if (backend_for(input_v).conv_backward_weight_bias(input_v, grad, dw, db, geometry)) {
              out[1] = dw;
              out[2] = db;
              return out;
            }
          }
          if (node.needs_input_grad(1))
            out[1] = conv_weight_grad_prim(input_v, grad, weight_v.sizes(), geometry);
          if (node.needs_input_grad(2)) out[2] = bias_grad(grad);
          return out;
        });
  }
  return y;
}

Tensor conv_input_grad_prim(const Tensor& dy, const Tensor& w, IntArrayRef x_sizes,
                            const ConvGeometry& g) {
  Tensor dx = make_tensor(x_sizes, dy.scalar_type(), dy.device());
  backend_for(dy).conv_backward_input(dy, w, dx, g);
  if (needs_grad(dy, w)) {
    record("ConvolutionBackwardInput", {dx}, {dy, w},
           [grad_output = SavedTensor(dy, false), weight = SavedTensor(w, false), geometry = g](
               const variable_list& grads, const Node& node) -> variable_list {
             const Tensor& grad = grads[0];
             variable_list out(2);
             const Tensor grad_output_v = grad_output.unpack(node), weight_v = weight.unpack(node);
             if (node.needs_input_grad(0))
               out[0] = conv_prim(grad, weight_v, {}, spatial(grad_output_v.sizes()), geometry);
             if (node.needs_input_grad(1))
               out[1] = conv_weight_grad_prim(grad, grad_output_v, weight_v.sizes(), geometry);
             return out;
           });
  }
  return dx;
}

Tensor conv_weight_grad_prim(const Tensor& x, const Tensor& dy, IntArrayRef w_sizes,
                             const ConvGeometry& g) {
  Tensor dw = make_tensor(w_sizes, x.scalar_type(), x.device());
  backend_for(x).conv_backward_weight(x, dy, dw, g);
  if (needs_grad(x, dy)) {
    record("ConvolutionBackwardWeight", {dw}, {x, dy},
           [input = SavedTensor(x, false), grad_output = SavedTensor(dy, false), geometry = g](
               const variable_list& grads, const Node& node) -> variable_list {
             const Tensor& grad = grads[0];
             variable_list out(2);
             const Tensor input_v = input.unpack(node), grad_output_v = grad_output.unpack(node);
             if (node.needs_input_grad(0))
               out[0] = conv_input_grad_prim(grad_output_v, grad, input_v.sizes(), geometry);
             if (node.needs_input_grad(1))
               out[1] = conv_prim(input_v, grad, {}, spatial(grad_output_v.sizes()), geometry);
             return out;
           });
  }
  return dw;
}

// ---- argument checks and geometry ----------------------------------------------------------

// One entry per spatial dim: a single value is repeated, as LibTorch's ExpandingArray.
std::vector<int64_t> expand_param(IntArrayRef v, int64_t dims, const char* op, const char* name) {
  if (v.size() == 1) return std::vector<int64_t>(static_cast<size_t>(dims), v[0]);
  NABLA_CHECK(static_cast<int64_t>(v.size()) == dims,
              "[{}] expected {} to be a single integer value or a list of {} values to match "
              "the convolution dimensions, but got {}={}",
              op, name, dims, name, v);
  return v.vec();
}

struct ConvSetup {
  Tensor input, weight, bias;
  bool unbatched = false;
  ConvGeometry geom;
  std::vector<int64_t> pad_after;
};

// Checks shared by conv and conv_transpose: ranks (with the unbatched rule), dtypes, groups
// and bias. `in_per_group` is the weight dim that holds input channels per group.
ConvSetup check_conv(const char* op, int64_t dims, const Tensor& input, const Tensor& weight,
                     const Tensor& bias, int64_t groups, bool transposed) {
  check_defined(input, op, "input");
  check_defined(weight, op, "weight");
  NABLA_CHECK(input.dim() == dims + 1 || input.dim() == dims + 2,
              "[{}] expected {}D (unbatched) or {}D (batched) input, but got input of size: {}", op,
              dims + 1, dims + 2, input.sizes());
  NABLA_CHECK(weight.dim() == dims + 2,
              "[{}] expected a {}D weight [out_channels, in_channels / groups, *kernel], but got "
              "weight of size: {}",
              op, dims + 2, weight.sizes());
  NABLA_CHECK(input.is_floating_point(),
              "[{}] expected a floating point input (float32 or float64), got {}", op,
              input.scalar_type());
  NABLA_CHECK(input.scalar_type() == weight.scalar_type(),
              "[{}] input ({}) and weight ({}) must have the same dtype", op, input.scalar_type(),
              weight.scalar_type());
  check_same_device(input, weight, op);
  NABLA_CHECK(groups > 0, "[{}] non-positive groups is not supported, got groups={}", op, groups);
  ConvSetup s;
  s.unbatched = input.dim() == dims + 1;
  s.input = s.unbatched ? input.unsqueeze(0) : input;
  s.weight = weight;
  const int64_t cin = s.input.size(1);
  // conv: weight [Cout, Cin / g, k]; transposed: weight [Cin, Cout / g, k].
  const int64_t wout = weight.size(0), win = weight.size(1);
  if (!transposed) {
    NABLA_CHECK(wout % groups == 0,
                "[{}] expected weight of size {} to have out_channels ({}) divisible by groups "
                "({})",
                op, weight.sizes(), wout, groups);
    NABLA_CHECK(cin == win * groups,
                "[{}] given groups={}, weight of size {}, expected input of size {} to have {} "
                "channels, but got {} channels instead",
                op, groups, weight.sizes(), input.sizes(), win * groups, cin);
  } else {
    NABLA_CHECK(cin % groups == 0,
                "[{}] expected input of size {} to have channels ({}) divisible by groups ({})", op,
                input.sizes(), cin, groups);
    NABLA_CHECK(cin == wout,
                "[{}] given transposed=1, weight of size {}, expected input of size {} to have "
                "{} channels, but got {} channels instead",
                op, weight.sizes(), input.sizes(), wout, cin);
  }
  const int64_t cout = transposed ? win * groups : wout;
  if (bias.defined()) {
    NABLA_CHECK(bias.dim() == 1 && bias.size(0) == cout,
                "[{}] expected bias of shape [{}] (one per output channel), but got bias of size "
                "{}",
                op, cout, bias.sizes());
    NABLA_CHECK(bias.scalar_type() == input.scalar_type(),
                "[{}] input ({}) and bias ({}) must have the same dtype", op, input.scalar_type(),
                bias.scalar_type());
    check_same_device(input, bias, op);
  }
  s.bias = bias;
  s.geom.groups = groups;
  return s;
}

void check_positive(const std::vector<int64_t>& v, const char* op, const char* name) {
  for (int64_t x : v)
    NABLA_CHECK(x > 0, "[{}] {} should be greater than zero, got {}={}", op, name, name,
                IntArrayRef(v));
}

// check_conv, then the geometry's checks: conv with symmetric padding.
ConvSetup setup_conv(const char* op, int64_t dims, const Tensor& input, const Tensor& weight,
                     const Tensor& bias, IntArrayRef stride, IntArrayRef padding,
                     IntArrayRef dilation, int64_t groups) {
  ConvSetup s = check_conv(op, dims, input, weight, bias, groups, false);
  s.geom.stride = expand_param(stride, dims, op, "stride");
  s.geom.padding = expand_param(padding, dims, op, "padding");
  s.geom.dilation = expand_param(dilation, dims, op, "dilation");
  check_positive(s.geom.stride, op, "stride");
  check_positive(s.geom.dilation, op, "dilation");
  for (int64_t p : s.geom.padding)
    NABLA_CHECK(p >= 0, "[{}] negative padding is not supported, got padding={}", op,
                IntArrayRef(s.geom.padding));
  s.pad_after = s.geom.padding;
  return s;
}

// The output's spatial sizes of conv with explicit padding before/after, checked.
std::vector<int64_t> conv_out_spatial(const char* op, const ConvSetup& s) {
  const Tensor& x = s.input;
  const int64_t dims = x.dim() - 2;
  std::vector<int64_t> out_sp(static_cast<size_t>(dims));
  for (int64_t i = 0; i < dims; ++i) {
    const auto u = static_cast<size_t>(i);
    const int64_t padded = x.size(2 + i) + s.geom.padding[u] + s.pad_after[u];
    const int64_t extent = s.geom.dilation[u] * (s.weight.size(2 + i) - 1) + 1;
    NABLA_CHECK(padded >= extent,
                "[{}] calculated padded input size per channel: {}. Kernel size (dilated): {}. "
                "Kernel size can't be greater than actual input size (input {}, weight {})",
                op, padded, extent, x.sizes(), s.weight.sizes());
    out_sp[u] = (padded - extent) / s.geom.stride[u] + 1;
  }
  return out_sp;
}

// conv with explicit padding before/after: checks the sizes, runs the primitive.
Tensor run_conv(const char* op, ConvSetup& s) {
  const std::vector<int64_t> out_sp = conv_out_spatial(op, s);
  Tensor y = conv_prim(s.input, s.weight, s.bias, out_sp, s.geom);
  return s.unbatched ? y.squeeze(0) : y;
}

Tensor conv_nd(const char* op, int64_t dims, const Tensor& input, const Tensor& weight,
               const Tensor& bias, IntArrayRef stride, IntArrayRef padding, IntArrayRef dilation,
               int64_t groups) {
  if (detail::autocast_enabled()) {
    const Tensor x = detail::autocast_to_lower(input), w = detail::autocast_to_lower(weight),
                 b = detail::autocast_to_lower(bias);
    if (!x.is_same(input) || !w.is_same(weight) || (b.defined() && !b.is_same(bias)))
      return conv_nd(op, dims, x, w, b, stride, padding, dilation, groups);
  }
  ConvSetup s = setup_conv(op, dims, input, weight, bias, stride, padding, dilation, groups);
  return run_conv(op, s);
}

Tensor conv_transpose_nd(const char* op, int64_t dims, const Tensor& input, const Tensor& weight,
                         const Tensor& bias, IntArrayRef stride, IntArrayRef padding,
                         IntArrayRef output_padding, int64_t groups, IntArrayRef dilation) {
  ConvSetup s = check_conv(op, dims, input, weight, bias, groups, true);
  ConvGeometry& g = s.geom;
  g.stride = expand_param(stride, dims, op, "stride");
  g.padding = expand_param(padding, dims, op, "padding");
  g.dilation = expand_param(dilation, dims, op, "dilation");
  const std::vector<int64_t> out_pad = expand_param(output_padding, dims, op, "output_padding");
  check_positive(g.stride, op, "stride");
  check_positive(g.dilation, op, "dilation");
  const Tensor& x = s.input;
  std::vector<int64_t> out_sp(static_cast<size_t>(dims));
  for (int64_t i = 0; i < dims; ++i) {
    const auto u = static_cast<size_t>(i);
    NABLA_CHECK(g.padding[u] >= 0 && out_pad[u] >= 0,
                "[{}] negative padding or output_padding is not supported, got padding={}, "
                "output_padding={}",
                op, IntArrayRef(g.padding), IntArrayRef(out_pad));
    NABLA_CHECK(out_pad[u] < g.stride[u] || out_pad[u] < g.dilation[u],
                "[{}] output padding must be smaller than either stride or dilation, but got "
                "output_padding={}, stride={}, dilation={}",
                op, IntArrayRef(out_pad), IntArrayRef(g.stride), IntArrayRef(g.dilation));
    out_sp[u] = (x.size(2 + i) - 1) * g.stride[u] - 2 * g.padding[u] +
                g.dilation[u] * (weight.size(2 + i) - 1) + out_pad[u] + 1;
    NABLA_CHECK(out_sp[u] > 0,
                "[{}] given input of size {} and weight of size {}, the calculated output size "
                "per channel is {}: too small",
                op, input.sizes(), weight.sizes(), out_sp[u]);
  }
  Tensor y =
      conv_input_grad_prim(x, weight, with_nc(x.size(0), weight.size(1) * groups, out_sp), g);
  if (s.bias.defined()) y = y + bias_view(s.bias, y.dim());
  return s.unbatched ? y.squeeze(0) : y;
}

const char* conv_name(int64_t dims) {
  static const char* names[] = {"conv1d", "conv2d", "conv3d"};
  return names[std::clamp<int64_t>(dims, 1, 3) - 1];
}

}  // namespace

Tensor conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias, IntArrayRef stride,
              IntArrayRef padding, IntArrayRef dilation, int64_t groups) {
  return conv_nd("conv1d", 1, input, weight, bias, stride, padding, dilation, groups);
}
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, IntArrayRef stride,
              IntArrayRef padding, IntArrayRef dilation, int64_t groups) {
  return conv_nd("conv2d", 2, input, weight, bias, stride, padding, dilation, groups);
}
Tensor conv3d(const Tensor& input, const Tensor& weight, const Tensor& bias, IntArrayRef stride,
              IntArrayRef padding, IntArrayRef dilation, int64_t groups) {
  return conv_nd("conv3d", 3, input, weight, bias, stride, padding, dilation, groups);
}

namespace detail {
Tensor conv_with_geometry(const Tensor& x, const Tensor& w, const Tensor& bias,
                          const std::vector<int64_t>& out_spatial, const ConvGeometry& g) {
  return conv_prim(x, w, bias, out_spatial, g);
}

// max_pool2d(relu(conv2d(...))) through the backend's fused block where it takes the tensors
// (CPU float32: a few images at a time, the conv output kept in the cache), else composed. The
// fused backward runs only without a graph to record; with one (create_graph), the gradient is
// composed from the conv primitives, so every order of derivative is the composition's.
Tensor conv2d_relu_max_pool2d(const Tensor& input, const Tensor& weight, const Tensor& bias,
                              IntArrayRef stride, IntArrayRef padding, IntArrayRef dilation,
                              int64_t groups, IntArrayRef pool_kernel, IntArrayRef pool_stride) {
  auto composed = [&] {
    return max_pool2d(relu(conv2d(input, weight, bias, stride, padding, dilation, groups)),
                      pool_kernel, pool_stride);
  };
  if (!FusedKernelsGuard::is_enabled() || autocast_enabled() || !input.defined() ||
      input.dim() != 4)
    return composed();
  ConvSetup s = setup_conv("conv2d", 2, input, weight, bias, stride, padding, dilation, groups);
  const std::vector<int64_t> conv_sp = conv_out_spatial("conv2d", s);
  if (pool_kernel.empty() || pool_kernel.size() > 2 || pool_stride.size() > 2) return composed();
  const std::vector<int64_t> kernel = expand_param(pool_kernel, 2, "max_pool2d", "kernel_size");
  const std::vector<int64_t> step =
      pool_stride.empty() ? kernel : expand_param(pool_stride, 2, "max_pool2d", "stride");
  std::vector<int64_t> pooled{s.input.size(0), s.weight.size(0)};
  for (size_t i = 0; i < 2; ++i) {
    // Windows that do not fit are the composition's to report.
    if (kernel[i] <= 0 || step[i] <= 0 || conv_sp[i] < kernel[i]) return composed();
    pooled.push_back((conv_sp[i] - kernel[i]) / step[i] + 1);
  }
  const std::vector<int64_t> conv_shape = with_nc(s.input.size(0), s.weight.size(0), conv_sp);
  Tensor y = make_tensor(pooled, s.input.scalar_type(), s.input.device());
  Tensor indices = make_tensor(pooled, kLong, s.input.device());
  if (!backend_for(s.input).conv_relu_max_pool_forward(s.input, s.weight, s.bias, s.geom, conv_sp,
                                                       kernel, step, y, indices))
    return composed();
  if (needs_grad(s.input, s.weight, s.bias)) {
    record("ConvReluMaxPoolBackward", {y}, {s.input, s.weight, s.bias},
           [input = SavedTensor(s.input, false), weight = SavedTensor(s.weight, false),
            result = SavedTensor(y, true), indices, geometry = s.geom, conv_shape, kernel,
            step](const variable_list& grads, const Node& node) -> variable_list {
             const Tensor& grad = grads[0];
             const Tensor x = input.unpack(node), w = weight.unpack(node), y = result.unpack(node);
             const IntArrayRef conv_sp(conv_shape.data() + 2, 2);
             if (!GradMode::is_enabled() && FusedKernelsGuard::is_enabled()) {
               auto like = [&](IntArrayRef sizes, size_t i) {
                 return node.needs_input_grad(i) ? make_tensor(sizes, x.scalar_type(), x.device())
                                                 : Tensor();
               };
               Tensor dx = like(x.sizes(), 0), dw = like(w.sizes(), 1), db = like({w.size(0)}, 2);
               if (backend_for(x).conv_relu_max_pool_backward(x, w, geometry, conv_sp, kernel, step,
                                                              y, indices, grad, dx, dw, db))
                 return {dx, dw, db};
             }
             // The conv output's gradient (max_pool's scatter, relu's mask), then the conv's.
             const int64_t planes = conv_shape[0] * conv_shape[1];
             const Tensor masked = where(y > 0, grad, 0).reshape({planes, -1});
             const Tensor dconv =
                 zeros({planes, conv_shape[2] * conv_shape[3]},
                       TensorOptions().dtype(grad.scalar_type()).device(grad.device()))
                     .scatter_add(1, indices.reshape({planes, -1}), masked)
                     .reshape(conv_shape);
             variable_list out(3);
             if (node.needs_input_grad(0))
               out[0] = conv_input_grad_prim(dconv, w, x.sizes(), geometry);
             if (node.needs_input_grad(1))
               out[1] = conv_weight_grad_prim(x, dconv, w.sizes(), geometry);
             if (node.needs_input_grad(2)) out[2] = bias_grad(dconv);
             return out;
           });
  }
  return y;
}

Tensor conv_padding_string(int64_t dims, const Tensor& input, const Tensor& weight,
                           const Tensor& bias, IntArrayRef stride, std::string_view padding,
                           IntArrayRef dilation, int64_t groups) {
  const char* op = conv_name(dims);
  NABLA_CHECK(padding == "same" || padding == "valid",
              "[{}] invalid padding string '{}', should be one of 'valid' or 'same'", op,
              std::string(padding));
  ConvSetup s = check_conv(op, dims, input, weight, bias, groups, false);
  s.geom.stride = expand_param(stride, dims, op, "stride");
  s.geom.dilation = expand_param(dilation, dims, op, "dilation");
  check_positive(s.geom.stride, op, "stride");
  check_positive(s.geom.dilation, op, "dilation");
  s.geom.padding.assign(static_cast<size_t>(dims), 0);
  s.pad_after = s.geom.padding;
  if (padding == "same") {
    for (int64_t st : s.geom.stride)
      NABLA_CHECK(st == 1, "[{}] padding='same' is not supported for strided convolutions", op);
    // Total d * (k - 1), the odd one after the input, as PyTorch.
    for (int64_t i = 0; i < dims; ++i) {
      const auto u = static_cast<size_t>(i);
      const int64_t total = s.geom.dilation[u] * (weight.size(2 + i) - 1);
      s.geom.padding[u] = total / 2;
      s.pad_after[u] = total - total / 2;
    }
  }
  return run_conv(op, s);
}
}  // namespace detail

Tensor conv_transpose1d(const Tensor& input, const Tensor& weight, const Tensor& bias,
                        IntArrayRef stride, IntArrayRef padding, IntArrayRef output_padding,
                        int64_t groups, IntArrayRef dilation) {
  return conv_transpose_nd("conv_transpose1d", 1, input, weight, bias, stride, padding,
                           output_padding, groups, dilation);
}
Tensor conv_transpose2d(const Tensor& input, const Tensor& weight, const Tensor& bias,
                        IntArrayRef stride, IntArrayRef padding, IntArrayRef output_padding,
                        int64_t groups, IntArrayRef dilation) {
  return conv_transpose_nd("conv_transpose2d", 2, input, weight, bias, stride, padding,
                           output_padding, groups, dilation);
}
Tensor conv_transpose3d(const Tensor& input, const Tensor& weight, const Tensor& bias,
                        IntArrayRef stride, IntArrayRef padding, IntArrayRef output_padding,
                        int64_t groups, IntArrayRef dilation) {
  return conv_transpose_nd("conv_transpose3d", 3, input, weight, bias, stride, padding,
                           output_padding, groups, dilation);
}

Tensor convolution(const Tensor& input, const Tensor& weight, const Tensor& bias,
                   IntArrayRef stride, IntArrayRef padding, IntArrayRef dilation, bool transposed,
                   IntArrayRef output_padding, int64_t groups) {
  check_defined(weight, "convolution", "weight");
  const int64_t dims = weight.dim() - 2;
  NABLA_CHECK(dims >= 1 && dims <= 3,
              "[convolution] expected a weight with 1 to 3 spatial dims, got weight of size {}",
              weight.sizes());
  if (transposed) {
    return conv_transpose_nd("convolution", dims, input, weight, bias, stride, padding,
                             output_padding, groups, dilation);
  }
  return conv_nd("convolution", dims, input, weight, bias, stride, padding, dilation, groups);
}

}  // namespace nabla
