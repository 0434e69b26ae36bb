// Adaptive average/max pooling and max unpooling, composed from differentiable ops:
// - average pooling is separable: one [out, in] averaging matrix per spatial dim;
// - max pooling gathers every window (padded to the largest window by repeating its last
//   element, which cannot change a max) and takes the max over it;
// - unpooling scatters the values into a zero output.
#include "nabla/nn/adaptive_pooling.h"

#include <algorithm>
#include <ostream>
#include <vector>

#include <fmt/ranges.h>

#include "core/allocator.h"
#include "core/check.h"
#include "nabla/creation.h"
#include "nabla/ops.h"

namespace nabla {
namespace nn {
namespace functional::detail {
namespace {

// PyTorch's start_index / end_index of adaptive pooling window i.
int64_t window_start(int64_t i, int64_t in, int64_t out) { return (i * in) / out; }
int64_t window_end(int64_t i, int64_t in, int64_t out) { return ((i + 1) * in + out - 1) / out; }

struct Planes {
  Tensor x;                  // [B, C, *spatial]: a batch dim added to unbatched input
  bool batched;              // whether the input had its batch dim
  std::vector<int64_t> in;   // spatial input sizes
  std::vector<int64_t> out;  // spatial output sizes
};

// Checks input ([N, C, *] or [C, *] with output_size.size() spatial dims) and resolves the
// output sizes (nullopt: the input's).
Planes planes(const Tensor& input, const std::vector<std::optional<int64_t>>& output_size,
              const char* op) {
  const auto d = static_cast<int64_t>(output_size.size());
  NABLA_CHECK(input.defined() && (input.dim() == d + 1 || input.dim() == d + 2),
              "[{}] expected {}-D or {}-D input, got {}", op, d + 1, d + 2,
              input.defined() ? input.sizes() : IntArrayRef());
  NABLA_CHECK(input.is_floating_point(), "[{}] expected a floating point input, got {}", op,
              input.scalar_type());
  Planes p{input.dim() == d + 2 ? input : input.unsqueeze(0), input.dim() == d + 2, {}, {}};
  for (int64_t k = 0; k < d; ++k) {
    const int64_t in = p.x.size(k + 2);
    const int64_t out = output_size[static_cast<size_t>(k)].value_or(in);
    NABLA_CHECK(in > 0 && out > 0,
                "[{}] input {} and output size must have positive spatial sizes, got output "
                "size {} in dim {}",
                op, input.sizes(), out, k);
    p.in.push_back(in);
    p.out.push_back(out);
  }
  return p;
}

std::vector<int64_t> out_shape(const Planes& p) {
  std::vector<int64_t> shape{p.x.size(0), p.x.size(1)};
  shape.insert(shape.end(), p.out.begin(), p.out.end());
  return shape;
}

Tensor unbatch(const Tensor& t, const Planes& p) { return p.batched ? t : t.squeeze(0); }

// [out, in]: row i averages input rows window_start(i) .. window_end(i) - 1.
Tensor averaging_matrix(int64_t in, int64_t out, const TensorOptions& options) {
  std::vector<double> a(static_cast<size_t>(in * out), 0.0);
  for (int64_t i = 0; i < out; ++i) {
    const int64_t s = window_start(i, in, out), e = window_end(i, in, out);
    for (int64_t j = s; j < e; ++j) a[static_cast<size_t>(i * in + j)] = 1.0 / double(e - s);
  }
  return tensor(a, options).view({out, in});
}

}  // namespace

Tensor adaptive_avg_pool(const Tensor& input,
                         const std::vector<std::optional<int64_t>>& output_size, const char* op) {
  const Planes p = planes(input, output_size, op);
  const auto d = static_cast<int64_t>(p.in.size());
  if (std::all_of(p.out.begin(), p.out.end(), [](int64_t o) { return o == 1; })) {
    std::vector<int64_t> dims;
    for (int64_t k = 2; k < d + 2; ++k) dims.push_back(k);
    return unbatch(p.x.mean(dims, /*keepdim=*/true), p);  // global pooling
  }
  Tensor x = p.x;
  for (int64_t k = 0; k < d; ++k) {
    if (p.in[k] == p.out[k]) continue;
    // Pool dim k+2: move it last, multiply by the averaging matrix, move it back.
    const Tensor a = averaging_matrix(p.in[k], p.out[k],
                                      TensorOptions().dtype(x.scalar_type()).device(x.device()));
    x = x.transpose(k + 2, -1).matmul(a.t()).transpose(k + 2, -1);
  }
  return unbatch(x.contiguous(), p);
}

std::tuple<Tensor, Tensor> adaptive_max_pool(const Tensor& input,
                                             const std::vector<std::optional<int64_t>>& output_size,
                                             const char* op) {
  const Planes p = planes(input, output_size, op);
  const auto d = static_cast<size_t>(p.in.size());
  // The largest window per dim, the output positions L and the window elements K.
  std::vector<int64_t> kmax(d), in_stride(d, 1);
  int64_t windows = 1, k_all = 1, plane = 1;
  for (size_t k = d; k-- > 0;) {
    in_stride[k] = plane;
    plane *= p.in[k];
  }
  for (size_t k = 0; k < d; ++k) {
    for (int64_t i = 0; i < p.out[k]; ++i) {
      kmax[k] =
          std::max(kmax[k], window_end(i, p.in[k], p.out[k]) - window_start(i, p.in[k], p.out[k]));
    }
    windows *= p.out[k];
    k_all *= kmax[k];
  }
  // idx[l, j]: flat input position of element j (row-major in the window) of window l; past
  // a window's end, the window's last element again.
  std::vector<int64_t> idx(static_cast<size_t>(windows * k_all));
  std::vector<int64_t> o(d, 0), j(d, 0);
  for (int64_t l = 0; l < windows; ++l) {
    for (size_t k = d, rest = static_cast<size_t>(l); k-- > 0;) {
      o[k] = static_cast<int64_t>(rest % static_cast<size_t>(p.out[k]));
      rest /= static_cast<size_t>(p.out[k]);
    }
    for (int64_t m = 0; m < k_all; ++m) {
      int64_t flat = 0;
      for (size_t k = d, rest = static_cast<size_t>(m); k-- > 0;) {
        j[k] = static_cast<int64_t>(rest % static_cast<size_t>(kmax[k]));
        rest /= static_cast<size_t>(kmax[k]);
        const int64_t s = window_start(o[k], p.in[k], p.out[k]);
        const int64_t e = window_end(o[k], p.in[k], p.out[k]);
        flat += std::min(s + j[k], e - 1) * in_stride[k];
      }
      idx[static_cast<size_t>(l * k_all + m)] = flat;
    }
  }
  const int64_t b = p.x.size(0), c = p.x.size(1);
  const Tensor index = tensor(idx, device(p.x.device()));
  const Tensor gathered =
      p.x.reshape({b, c, plane}).index_select(2, index).view({b, c, windows, k_all});
  auto [values, arg] = gathered.max(3);  // the first maximum in each window, as PyTorch
  const Tensor positions =
      index.view({1, 1, windows, k_all}).expand({b, c, windows, k_all}).gather(3, arg.unsqueeze(3));
  const std::vector<int64_t> shape = out_shape(p);
  return {unbatch(values.view(shape), p), unbatch(positions.view(shape), p)};
}

Tensor max_unpool(const Tensor& input, const Tensor& indices, IntArrayRef kernel_size,
                  IntArrayRef stride, IntArrayRef padding,
                  const std::optional<std::vector<int64_t>>& output_size, const char* op) {
  const auto d = static_cast<int64_t>(kernel_size.size());
  const Planes p = planes(input, std::vector<std::optional<int64_t>>(d), op);
  NABLA_CHECK(
      indices.defined() && indices.sizes() == input.sizes() && indices.scalar_type() == kLong,
      "[{}] expected int64 indices of the input's shape {}, got {} of {}", op, input.sizes(),
      indices.defined() ? indices.sizes() : IntArrayRef(),
      indices.defined() ? indices.scalar_type() : kLong);
  std::vector<int64_t> out(static_cast<size_t>(d));
  if (output_size) {
    const std::vector<int64_t>& s = *output_size;
    NABLA_CHECK(static_cast<int64_t>(s.size()) >= d && static_cast<int64_t>(s.size()) <= d + 2,
                "[{}] output_size {} must have {} (spatial) values", op, IntArrayRef(s), d);
    std::copy(s.end() - d, s.end(), out.begin());
  } else {
    for (int64_t k = 0; k < d; ++k) {
      out[k] = (p.in[k] - 1) * stride[k] - 2 * padding[k] + kernel_size[k];
    }
  }
  int64_t plane = 1;
  for (int64_t o : out) {
    NABLA_CHECK(o > 0, "[{}] output size {} for input {} must be positive", op, IntArrayRef(out),
                input.sizes());
    plane *= o;
  }
  const int64_t b = p.x.size(0), c = p.x.size(1);
  const int64_t n = p.x.numel() / std::max<int64_t>(b * c, 1);
  const Tensor idx = (p.batched ? indices : indices.unsqueeze(0)).reshape({b, c, n}).contiguous();
  // Of repeated indices in a plane the last one wins (PyTorch's loop order): keep[i] says
  // whether element i is the last to write its position. The indices are read on the host
  // (through the device copy); meta tensors have no values to check or to order.
  Tensor keep;
  if (nabla::detail::allocator_for(idx.device()).holds_values()) {
    const Tensor host_idx = idx.cpu().contiguous();
    const int64_t* ix = host_idx.data_ptr<int64_t>();
    std::vector<int64_t> last(static_cast<size_t>(plane), -1);
    std::vector<double> k(static_cast<size_t>(b * c * n), 0.0);
    for (int64_t bc = 0; bc < b * c; ++bc) {
      for (int64_t i = 0; i < n; ++i) {
        const int64_t v = ix[bc * n + i];
        NABLA_CHECK(v >= 0 && v < plane,
                    "[{}] index {} is out of range for output size {} (input {})", op, v,
                    IntArrayRef(out), input.sizes());
        last[static_cast<size_t>(v)] = bc * n + i;
      }
      for (int64_t i = 0; i < n; ++i) {
        const int64_t v = ix[bc * n + i];
        k[static_cast<size_t>(bc * n + i)] = last[static_cast<size_t>(v)] == bc * n + i ? 1 : 0;
      }
    }
    keep = tensor(k, TensorOptions().dtype(p.x.scalar_type()).device(p.x.device())).view({b, c, n});
  }
  const Tensor src = keep.defined() ? p.x.reshape({b, c, n}) * keep : p.x.reshape({b, c, n});
  const Tensor result =
      zeros({b, c, plane}, src.options().requires_grad(false)).scatter_add(2, idx, src);
  std::vector<int64_t> shape{b, c};
  shape.insert(shape.end(), out.begin(), out.end());
  return unbatch(result.view(shape), p);
}

}  // namespace functional::detail

namespace detail {

void print_adaptive(std::ostream& stream, const char* name,
                    const std::vector<std::optional<int64_t>>& sizes) {
  stream << "nabla::nn::" << name << "(output_size=";
  if (sizes.size() == 1) {
    stream << *sizes[0];
  } else {
    stream << "[";
    for (size_t i = 0; i < sizes.size(); ++i) {
      if (i) stream << ", ";
      if (sizes[i]) {
        stream << *sizes[i];
      } else {
        stream << "None";
      }
    }
    stream << "]";
  }
  stream << ")";
}

void print_unpool(std::ostream& stream, const char* name, IntArrayRef kernel, IntArrayRef stride,
                  IntArrayRef padding) {
  stream << "nabla::nn::" << name << "(kernel_size=" << kernel << ", stride=" << stride
         << ", padding=" << padding << ")";
}

}  // namespace detail
}  // namespace nn

namespace {
std::vector<std::optional<int64_t>> optional_sizes(IntArrayRef s) {
  return std::vector<std::optional<int64_t>>(s.begin(), s.end());
}
}  // namespace

namespace FD = nn::functional::detail;

Tensor adaptive_avg_pool1d(const Tensor& self, IntArrayRef output_size) {
  return FD::adaptive_avg_pool(self, optional_sizes(output_size), "adaptive_avg_pool1d");
}
Tensor adaptive_avg_pool2d(const Tensor& self, IntArrayRef output_size) {
  return FD::adaptive_avg_pool(self, optional_sizes(output_size), "adaptive_avg_pool2d");
}
Tensor adaptive_avg_pool3d(const Tensor& self, IntArrayRef output_size) {
  return FD::adaptive_avg_pool(self, optional_sizes(output_size), "adaptive_avg_pool3d");
}
std::tuple<Tensor, Tensor> adaptive_max_pool1d(const Tensor& self, IntArrayRef output_size) {
  return FD::adaptive_max_pool(self, optional_sizes(output_size), "adaptive_max_pool1d");
}
std::tuple<Tensor, Tensor> adaptive_max_pool2d(const Tensor& self, IntArrayRef output_size) {
  return FD::adaptive_max_pool(self, optional_sizes(output_size), "adaptive_max_pool2d");
}
std::tuple<Tensor, Tensor> adaptive_max_pool3d(const Tensor& self, IntArrayRef output_size) {
  return FD::adaptive_max_pool(self, optional_sizes(output_size), "adaptive_max_pool3d");
}
Tensor max_unpool2d(const Tensor& self, const Tensor& indices, IntArrayRef output_size) {
  return FD::max_unpool(self, indices, {1, 1}, {1, 1}, {0, 0}, output_size.vec(), "max_unpool2d");
}
Tensor max_unpool3d(const Tensor& self, const Tensor& indices, IntArrayRef output_size,
                    IntArrayRef stride, IntArrayRef padding) {
  return FD::max_unpool(self, indices, {1, 1, 1}, stride, padding, output_size.vec(),
                        "max_unpool3d");
}

}  // namespace nabla
