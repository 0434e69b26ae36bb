// Factories: empty, zeros, ones, full, arange, linspace, eye, from_blob, tensor(...).
#include <cmath>
#include <cstring>
#include <optional>

#include "core/checked.h"
#include "core/dispatch.h"
#include "nabla/creation.h"
#include "ops/op_helpers.h"

namespace nabla {

using namespace detail;  // NOLINT

namespace {
// Applies requires_grad from the options to a freshly made tensor.
Tensor finish(Tensor t, const TensorOptions& options) {
  if (options.requires_grad()) t.requires_grad_(true);
  return t;
}
TensorOptions like(const Tensor& t, const TensorOptions& o) {
  check_defined(t, "*_like");
  TensorOptions r = o;
  if (!o.has_dtype()) r = r.dtype(t.scalar_type());
  if (!o.has_device()) r = r.device(t.device());
  return r;
}
}  // namespace

Tensor empty(IntArrayRef size, const TensorOptions& o) {
  return finish(make_tensor(size, o.dtype(), o.device()), o);
}

Tensor full(IntArrayRef size, const Scalar& value, const TensorOptions& o) {
  ScalarType dtype = o.dtype();
  if (!o.has_dtype()) dtype = value.isFloatingPoint() ? ScalarType::Float : value.type();
  Tensor t = make_tensor(size, dtype, o.device());
  backend_for(o.device()).fill(t, value);
  return finish(t, o);
}

Tensor zeros(IntArrayRef size, const TensorOptions& o) { return full(size, 0, o.dtype(o.dtype())); }
Tensor ones(IntArrayRef size, const TensorOptions& o) { return full(size, 1, o.dtype(o.dtype())); }
Tensor empty_like(const Tensor& t, const TensorOptions& o) { return empty(t.sizes(), like(t, o)); }
Tensor zeros_like(const Tensor& t, const TensorOptions& o) { return zeros(t.sizes(), like(t, o)); }
Tensor ones_like(const Tensor& t, const TensorOptions& o) { return ones(t.sizes(), like(t, o)); }
Tensor full_like(const Tensor& t, const Scalar& v, const TensorOptions& o) {
  return full(t.sizes(), v, like(t, o));
}
Tensor rand_like(const Tensor& t, const TensorOptions& o) { return rand(t.sizes(), like(t, o)); }
Tensor randn_like(const Tensor& t, const TensorOptions& o) { return randn(t.sizes(), like(t, o)); }

Tensor arange(const Scalar& end, const TensorOptions& o) { return arange(0, end, 1, o); }
Tensor arange(const Scalar& start, const Scalar& end, const TensorOptions& o) {
  return arange(start, end, 1, o);
}
Tensor arange(const Scalar& start, const Scalar& end, const Scalar& step, const TensorOptions& o) {
  const double s = start.toDouble(), e = end.toDouble(), st = step.toDouble();
  NABLA_CHECK(st != 0, "[arange] step must be nonzero");
  NABLA_CHECK(std::isfinite(s) && std::isfinite(e), "[arange] unsupported range: {} -> {}", s, e);
  NABLA_CHECK((st > 0 && e >= s) || (st < 0 && e <= s),
              "[arange] upper bound and larger bound inconsistent with step sign (start {}, end "
              "{}, step {})",
              s, e, st);
  const bool all_integral = start.isIntegral(true) && end.isIntegral(true) && step.isIntegral(true);
  const ScalarType dtype = o.has_dtype() ? o.dtype() : (all_integral ? kLong : kFloat);
  const int64_t n = checked_double_to_int64(std::ceil((e - s) / st), "arange", "element count");
  backend_for(o.device());  // raises for a device nabla was built without
  // Computed in double on the host, then converted: exact for integers, as PyTorch for floats.
  Tensor host = make_tensor({n}, kDouble, Device(kCPU));
  double* p = host.data_ptr<double>();
  for (int64_t i = 0; i < n; ++i) p[i] = s + st * static_cast<double>(i);
  return finish(from_host(cast(host, dtype), o.device()), o);
}

Tensor linspace(const Scalar& start, const Scalar& end, int64_t steps, const TensorOptions& o) {
  NABLA_CHECK(steps >= 0, "[linspace] number of steps must be non-negative, got {}", steps);
  const double s = start.toDouble(), e = end.toDouble();
  Tensor host = make_tensor({steps}, kDouble, Device(kCPU));
  double* p = host.data_ptr<double>();
  const double step = steps > 1 ? (e - s) / static_cast<double>(steps - 1) : 0.0;
  // Symmetric formula (as PyTorch): the second half counts back from `end`, so both ends are exact.
  const int64_t half = steps / 2;
  for (int64_t i = 0; i < steps; ++i)
    p[i] = i < half ? s + step * static_cast<double>(i)
                    : e - step * static_cast<double>(steps - 1 - i);
  return finish(from_host(cast(host, o.dtype()), o.device()), o);
}

Tensor eye(int64_t n, const TensorOptions& o) { return eye(n, n, o); }
Tensor eye(int64_t n, int64_t m, const TensorOptions& o) {
  NABLA_CHECK(n >= 0 && m >= 0, "[eye] n and m must be non-negative, got {} and {}", n, m);
  Tensor t = zeros({n, m}, o.requires_grad(false));
  if (n > 0 && m > 0) {
    Tensor diag = t.as_strided({std::min(n, m)}, {m + 1}, 0);
    backend_for(t).fill(diag, 1);
  }
  return finish(t, o);
}

Tensor from_blob(void* data, IntArrayRef sizes, const TensorOptions& o) {
  checked_numel(sizes, "from_blob");  // before contiguous_strides multiplies them
  return from_blob(data, sizes, contiguous_strides(sizes), o);
}

Tensor from_blob(void* data, IntArrayRef sizes, IntArrayRef strides, const TensorOptions& o) {
  NABLA_CHECK(sizes.size() == strides.size(),
              "[from_blob] sizes {} and strides {} have different lengths", sizes, strides);
  const int64_t numel = checked_numel(sizes, "from_blob");
  NABLA_CHECK(data != nullptr || numel == 0, "[from_blob] data is null");
  int64_t extent = 1;
  for (size_t i = 0; i < sizes.size(); ++i) {
    NABLA_CHECK(sizes[i] >= 0 && strides[i] >= 0, "[from_blob] negative size or stride");
    if (sizes[i] > 0)
      extent = checked_add(extent, checked_mul(sizes[i] - 1, strides[i], "from_blob"), "from_blob");
  }
  auto storage = detail::new_storage();
  storage->data = data;
  storage->nbytes = checked_nbytes(extent, elementSize(o.dtype()), "from_blob");
  storage->device = o.device();
  auto impl = detail::new_tensor_impl();
  impl->dtype = o.dtype();
  impl->set_storage(std::move(storage), 0);
  impl->sizes = sizes.vec();
  impl->strides = strides.vec();
  impl->recompute_numel();
  return finish(Tensor(std::move(impl)), o);
}

// ---- nabla::tensor ---------------------------------------------------------------------
// The values go straight from the list or std::vector into the new tensor's storage: no
// intermediate buffer, no per-element container (a 47M-element std::vector<int64_t> costs its
// 376 MB once more, not 8.6 times).

namespace {
using detail::TensorDataContainer;
using ArrayType = TensorDataContainer::ArrayType;

// The dtype a tensor of the vector's elements alone would have (float32, int64 or bool).
ScalarType inferred_dtype(ArrayType t) {
  if (t == ArrayType::F32 || t == ArrayType::F64) return kFloat;
  return t == ArrayType::Bool ? kBool : kLong;
}

// Walks the nested list: checks it is rectangular, finds its shape and the dtype of its values.
void infer_shape(const TensorDataContainer& c, size_t depth, std::vector<int64_t>& shape,
                 std::optional<ScalarType>& dtype) {
  if (c.is_scalar()) {
    NABLA_CHECK(depth == shape.size(),
                "[tensor] expected a list at depth {} (the lists are not rectangular)", depth);
    ScalarType t = c.scalar().isFloatingPoint() ? kFloat : c.scalar().type();
    dtype = dtype ? promoteTypes(*dtype, t) : t;
    return;
  }
  const bool array = c.is_array();
  const int64_t n = static_cast<int64_t>(array ? c.array_size() : c.children().size());
  if (depth == shape.size()) {
    shape.push_back(n);
  } else {
    NABLA_CHECK(shape[depth] == n,
                "[tensor] expected a list of {} elements at depth {}, got {} (the lists are not "
                "rectangular)",
                shape[depth], depth, n);
  }
  if (array) {
    NABLA_CHECK(depth + 1 == shape.size(),
                "[tensor] expected a list at depth {} (the lists are not rectangular)", depth + 1);
    const ScalarType t = inferred_dtype(c.array_type());
    dtype = dtype ? promoteTypes(*dtype, t) : t;
    return;
  }
  for (const auto& child : c.children()) infer_shape(child, depth + 1, shape, dtype);
}

// Calls f(TypeTag<T>{}) for the C++ element type of a std::vector (not for std::vector<bool>).
template <class F>
void dispatch_array(ArrayType t, F&& f) {
  switch (t) {
    case ArrayType::I8:
      return f(TypeTag<int8_t>{});
    case ArrayType::U8:
      return f(TypeTag<uint8_t>{});
    case ArrayType::I16:
      return f(TypeTag<int16_t>{});
    case ArrayType::U16:
      return f(TypeTag<uint16_t>{});
    case ArrayType::I32:
      return f(TypeTag<int32_t>{});
    case ArrayType::U32:
      return f(TypeTag<uint32_t>{});
    case ArrayType::I64:
      return f(TypeTag<int64_t>{});
    case ArrayType::U64:
      return f(TypeTag<uint64_t>{});
    case ArrayType::F32:
      return f(TypeTag<float>{});
    case ArrayType::F64:
      return f(TypeTag<double>{});
    case ArrayType::Bool:
      break;
  }
  NABLA_ERROR("[tensor] unsupported element type");
}

// Writes the values in row-major order from `out` on; returns the end of what was written.
// Conversions are Scalar's (what a single value of that type gives).
template <class Out>
Out* fill_values(const TensorDataContainer& c, Out* out) {
  if (c.is_scalar()) {
    *out = c.scalar().to<Out>();
    return out + 1;
  }
  if (!c.is_array()) {
    for (const auto& child : c.children()) out = fill_values(child, out);
    return out;
  }
  const size_t n = c.array_size();
  if (c.array_type() == ArrayType::Bool) {
    const auto& bits = *static_cast<const std::vector<bool>*>(c.array_data());
    for (size_t i = 0; i < n; ++i) out[i] = Scalar(static_cast<bool>(bits[i])).to<Out>();
    return out + n;
  }
  dispatch_array(c.array_type(), [&](auto tag) {
    using In = typename decltype(tag)::type;
    const In* in = static_cast<const In*>(c.array_data());
    if constexpr (std::is_same_v<In, Out>) {
      if (n > 0) std::memcpy(out, in, n * sizeof(In));
    } else {
      for (size_t i = 0; i < n; ++i) out[i] = Scalar(in[i]).to<Out>();
    }
  });
  return out + n;
}
}  // namespace

Tensor tensor(const detail::TensorDataContainer& data, const TensorOptions& o) {
  std::vector<int64_t> shape;
  std::optional<ScalarType> inferred;
  if (data.is_scalar()) {
    inferred = data.scalar().isFloatingPoint() ? kFloat : data.scalar().type();
  } else {
    infer_shape(data, 0, shape, inferred);
  }
  const ScalarType dtype = o.has_dtype() ? o.dtype() : inferred.value_or(kFloat);
  backend_for(o.device());  // raises for a device nabla was built without
  Tensor host = make_tensor(shape, dtype, Device(kCPU));
  dispatch_all(dtype, "tensor", [&](auto tag) {
    using Out = typename decltype(tag)::type;
    fill_values(data, host.data_ptr<Out>());
  });
  return finish(from_host(host, o.device()), o);
}

}  // namespace nabla
