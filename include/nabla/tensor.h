// Tensor: a cheap handle to shared storage with sizes, strides and an offset, plus autograd
// state. Method names, argument order and defaults follow LibTorch's at::Tensor.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "nabla/core.h"
#include "nabla/tensor_geometry.h"
#include "nabla/tensor_options.h"

namespace nabla {

class Tensor;
class TensorImpl;
using TensorList = ArrayRef<Tensor>;
namespace autograd {
class Node;
}
namespace indexing {
class TensorIndex;
}

/// Strided read/write access to a CPU tensor's elements: t.accessor<float, 2>()[i][j].
template <class T, size_t N>
class TensorAccessor {
 public:
  TensorAccessor(T* data, const int64_t* sizes, const int64_t* strides)
      : data_(data), sizes_(sizes), strides_(strides) {}
  TensorAccessor<T, N - 1> operator[](int64_t i) const {
    return TensorAccessor<T, N - 1>(data_ + strides_[0] * i, sizes_ + 1, strides_ + 1);
  }
  int64_t size(size_t d) const { return sizes_[d]; }
  int64_t stride(size_t d) const { return strides_[d]; }
  T* data() const { return data_; }

 private:
  T* data_;
  const int64_t* sizes_;
  const int64_t* strides_;
};
template <class T>
class TensorAccessor<T, 1> {
 public:
  TensorAccessor(T* data, const int64_t* sizes, const int64_t* strides)
      : data_(data), sizes_(sizes), strides_(strides) {}
  T& operator[](int64_t i) const { return data_[strides_[0] * i]; }
  int64_t size(size_t d) const { return sizes_[d]; }
  int64_t stride(size_t d) const { return strides_[d]; }
  T* data() const { return data_; }

 private:
  T* data_;
  const int64_t* sizes_;
  const int64_t* strides_;
};

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}
  Tensor(const Tensor&) = default;
  Tensor(Tensor&&) noexcept = default;
  ~Tensor() = default;
  // Assigning to a named handle rebinds it; assigning to a temporary (`t[0] = 1`,
  // `t.index({0}) = other`) writes into the data it views, as in LibTorch.
  Tensor& operator=(const Tensor&) & = default;
  Tensor& operator=(Tensor&&) & noexcept = default;
  Tensor& operator=(const Scalar& value) && { return fill_(value); }
  Tensor& operator=(const Tensor& src) && { return copy_(src); }
  Tensor& operator=(Tensor&& src) && { return copy_(src); }

  // ---- attributes --------------------------------------------------------------------
  bool defined() const { return impl_ != nullptr; }
  IntArrayRef sizes() const { return geometry("sizes").sizes; }
  IntArrayRef strides() const { return geometry("strides").strides; }
  int64_t size(int64_t dim) const { return detail::at_dim(geometry("size").sizes, dim, "size"); }
  int64_t stride(int64_t dim) const {
    return detail::at_dim(geometry("stride").strides, dim, "stride");
  }
  int64_t dim() const { return static_cast<int64_t>(geometry("dim").sizes.size()); }
  int64_t ndimension() const { return dim(); }
  int64_t numel() const { return geometry("numel").numel; }
  int64_t storage_offset() const { return geometry("storage_offset").offset; }
  ScalarType scalar_type() const { return geometry("scalar_type").dtype; }
  /// nabla returns the ScalarType itself (LibTorch returns a TypeMeta that compares to it).
  ScalarType dtype() const { return scalar_type(); }
  Device device() const { return geometry("device").device; }
  TensorOptions options() const;
  bool is_contiguous() const;
  bool is_floating_point() const { return isFloatingType(scalar_type()); }
  bool is_cpu() const { return device().is_cpu(); }
  bool is_cuda() const { return device().is_cuda(); }
  size_t element_size() const { return elementSize(scalar_type()); }
  size_t nbytes() const { return static_cast<size_t>(numel()) * element_size(); }
  std::string toString() const;
  /// True when both handles share the same TensorImpl.
  bool is_same(const Tensor& other) const { return impl_ == other.impl_; }
  /// Number of in-place modifications of this tensor's storage (autograd's version counter).
  uint32_t _version() const;
  /// LibTorch's autograd name of a tensor: none of its frontend's functions sets one, so it is
  /// the empty string for every tensor there, and here.
  const std::string& name() const;
  TensorImpl* unsafeGetTensorImpl() const { return impl_.get(); }
  const std::shared_ptr<TensorImpl>& impl() const { return impl_; }

  // ---- element access ----------------------------------------------------------------
  void* data_ptr() const { return geometry("data_ptr").data; }
  template <class T>
  T* data_ptr() const {
    const detail::TensorGeometry& g = geometry("data_ptr");
    constexpr ScalarType requested = CppTypeToScalarType<std::remove_const_t<T>>::value;
    if (__builtin_expect(g.dtype != requested, 0)) dtype_access_error(requested, "data_ptr");
    return reinterpret_cast<T*>(g.data);
  }
  template <class T>
  T* mutable_data_ptr() const {
    return data_ptr<T>();
  }
  template <class T>
  const T* const_data_ptr() const {
    return data_ptr<T>();
  }
  /// The older spelling of data_ptr<T>() (deprecated in LibTorch, still common).
  template <class T>
  T* data() const {
    return data_ptr<T>();
  }
  Scalar item() const;
  template <class T>
  T item() const {
    return item().to<T>();
  }
  template <class T, size_t N>
  TensorAccessor<T, N> accessor() const& {
    static_assert(N > 0, "accessor is for tensors of one dimension or more; use item<T>()");
    check_accessor(CppTypeToScalarType<std::remove_const_t<T>>::value, N);
    return TensorAccessor<T, N>(data_ptr<T>(), sizes().data(), strides().data());
  }
  /// The accessor points into the tensor's sizes: a temporary would leave it dangling.
  template <class T, size_t N>
  TensorAccessor<T, N> accessor() && = delete;

  // ---- autograd ----------------------------------------------------------------------
  bool requires_grad() const;
  const Tensor& requires_grad_(bool requires_grad = true) const;
  const Tensor& set_requires_grad(bool requires_grad) const {
    return requires_grad_(requires_grad);
  }
  /// Accumulated gradient of a leaf (undefined until a backward reaches it).
  const Tensor& grad() const;
  Tensor& mutable_grad() const;
  void set_grad(const Tensor& g) const;
  bool is_leaf() const;
  /// The node that created this tensor, or nullptr for leaves.
  std::shared_ptr<autograd::Node> grad_fn() const;
  int64_t output_nr() const;
  /// Keep .grad() for this non-leaf tensor in later backward passes.
  void retain_grad() const;
  bool retains_grad() const;
  /// Computes the gradient of this tensor with respect to graph leaves. A non-scalar tensor
  /// needs `gradient`, of its own shape.
  void backward(const Tensor& gradient = {}, std::optional<bool> retain_graph = std::nullopt,
                bool create_graph = false,
                std::optional<std::vector<Tensor>> inputs = std::nullopt) const;
  /// A tensor that shares data with this one but is cut off from the graph.
  Tensor detach() const;
  Tensor& detach_() const;
  /// LibTorch's .data(): the same data and geometry, no history, requires_grad false. As
  /// detach() (LibTorch's .data() also skips autograd's version checks; nabla keeps them).
  Tensor data() const;
  /// Calls `hook(grad)` when the gradient of this tensor is computed; a hook that returns a
  /// defined tensor replaces the gradient. Returns a handle for remove_hook.
  template <class Hook>
  unsigned register_hook(Hook&& hook) const {
    if constexpr (std::is_void_v<std::invoke_result_t<Hook&, const Tensor&>>) {
      return register_hook_impl([h = std::forward<Hook>(hook)](const Tensor& g) mutable {
        h(g);
        return Tensor();
      });
    } else {
      return register_hook_impl(std::function<Tensor(const Tensor&)>(std::forward<Hook>(hook)));
    }
  }
  void remove_hook(unsigned handle) const;

  // ---- conversion --------------------------------------------------------------------
  // LibTorch's overload set: a device (kCPU, Device("cpu"), ...) converts to TensorOptions, so
  // t.to(kCPU) and t.to(device) take the first overload. Each returns `*this` when nothing
  // changes and `copy` is false; otherwise a new tensor (differentiable for floating dtypes).
  // Copies between devices go through the backends' host copies (src/backend/backend.h);
  // non_blocking is accepted and the copy is synchronous.
  Tensor to(const TensorOptions& options = {}, bool non_blocking = false, bool copy = false) const;
  Tensor to(Device device, ScalarType dtype, bool non_blocking = false, bool copy = false) const;
  Tensor to(ScalarType dtype, bool non_blocking = false, bool copy = false) const;
  Tensor to(const Tensor& other, bool non_blocking = false, bool copy = false) const;
  Tensor cpu() const { return to(TensorOptions(DeviceType::CPU)); }
  /// LibTorch's older spelling of to(device) (c10::Backend::CPU, ...).
  Tensor toBackend(DenseBackend backend) const {
    return to(TensorOptions(static_cast<DeviceType>(static_cast<int8_t>(backend))));
  }
  Tensor cuda() const { return to(TensorOptions(DeviceType::CUDA)); }
  Tensor meta() const { return to(TensorOptions(DeviceType::Meta)); }
  Tensor toType(ScalarType t) const { return to(t); }
  Tensor type_as(const Tensor& other) const { return to(other.scalar_type()); }
  Tensor clone() const;
  Tensor contiguous() const;
  Tensor& copy_(const Tensor& src, bool non_blocking = false) const;

  // ---- views (share storage) ---------------------------------------------------------
  Tensor view(IntArrayRef size) const;
  Tensor view_as(const Tensor& other) const { return view(other.sizes()); }
  Tensor reshape(IntArrayRef shape) const;
  Tensor reshape_as(const Tensor& other) const { return reshape(other.sizes()); }
  Tensor t() const;
  Tensor transpose(int64_t dim0, int64_t dim1) const;
  Tensor permute(IntArrayRef dims) const;
  Tensor expand(IntArrayRef size, bool implicit = false) const;
  Tensor expand_as(const Tensor& other) const { return expand(other.sizes()); }
  Tensor squeeze() const;
  Tensor squeeze(int64_t dim) const;
  Tensor unsqueeze(int64_t dim) const;
  Tensor flatten(int64_t start_dim = 0, int64_t end_dim = -1) const;
  Tensor unflatten(int64_t dim, IntArrayRef sizes) const;
  Tensor narrow(int64_t dim, int64_t start, int64_t length) const;
  Tensor select(int64_t dim, int64_t index) const;
  Tensor slice(int64_t dim = 0, std::optional<int64_t> start = std::nullopt,
               std::optional<int64_t> end = std::nullopt, int64_t step = 1) const;
  std::vector<Tensor> split(int64_t split_size, int64_t dim = 0) const;
  std::vector<Tensor> split(IntArrayRef split_sizes, int64_t dim = 0) const;
  std::vector<Tensor> split_with_sizes(IntArrayRef split_sizes, int64_t dim = 0) const;
  std::vector<Tensor> chunk(int64_t chunks, int64_t dim = 0) const;
  std::vector<Tensor> unbind(int64_t dim = 0) const;
  Tensor as_strided(IntArrayRef size, IntArrayRef stride,
                    std::optional<int64_t> storage_offset = std::nullopt) const;
  /// The windows of `size` elements, `step` apart, along `dimension`: that dim becomes the
  /// window count and a last dim of `size` is added (a view; windows may overlap).
  Tensor unfold(int64_t dimension, int64_t size, int64_t step) const;
  // In-place views: this tensor itself takes the view's geometry (and, under autograd, its
  // history), as LibTorch's x.unsqueeze_(0). Every handle to this tensor sees the change.
  Tensor& t_() const;
  Tensor& transpose_(int64_t dim0, int64_t dim1) const;
  Tensor& swapdims_(int64_t dim0, int64_t dim1) const;
  Tensor& swapaxes_(int64_t axis0, int64_t axis1) const;
  Tensor& squeeze_() const;
  Tensor& squeeze_(int64_t dim) const;
  Tensor& unsqueeze_(int64_t dim) const;
  /// Gives this tensor `size`, contiguous; keeps the elements that fit in the old storage and
  /// leaves new ones uninitialized (storage grows when needed). Not for tensors that require
  /// grad.
  const Tensor& resize_(IntArrayRef size) const;
  const Tensor& resize_as_(const Tensor& other) const { return resize_(other.sizes()); }
  Tensor diagonal(int64_t offset = 0, int64_t dim1 = 0, int64_t dim2 = 1) const;
  Tensor diag_embed(int64_t offset = 0, int64_t dim1 = -2, int64_t dim2 = -1) const;
  Tensor diag(int64_t diagonal = 0) const;
  Tensor trace() const;
  Tensor tril(int64_t diagonal = 0) const;
  Tensor triu(int64_t diagonal = 0) const;
  Tensor& tril_(int64_t diagonal = 0) const;
  Tensor& triu_(int64_t diagonal = 0) const;
  Tensor repeat(IntArrayRef repeats) const;
  Tensor tile(IntArrayRef dims) const;
  Tensor repeat_interleave(int64_t repeats, std::optional<int64_t> dim = std::nullopt) const;
  Tensor repeat_interleave(const Tensor& repeats, std::optional<int64_t> dim = std::nullopt) const;
  Tensor flip(IntArrayRef dims) const;
  Tensor roll(IntArrayRef shifts, IntArrayRef dims = {}) const;
  Tensor movedim(IntArrayRef source, IntArrayRef destination) const;
  Tensor movedim(int64_t source, int64_t destination) const;
  Tensor swapaxes(int64_t axis0, int64_t axis1) const;
  Tensor swapdims(int64_t dim0, int64_t dim1) const;
  Tensor masked_select(const Tensor& mask) const;
  Tensor cumsum(int64_t dim, std::optional<ScalarType> dtype = std::nullopt) const;
  Tensor& cumsum_(int64_t dim) const;
  Tensor cumprod(int64_t dim, std::optional<ScalarType> dtype = std::nullopt) const;
  Tensor& cumprod_(int64_t dim) const;
  std::tuple<Tensor, Tensor> cummax(int64_t dim) const;
  std::tuple<Tensor, Tensor> cummin(int64_t dim) const;
  Tensor logcumsumexp(int64_t dim) const;
  Tensor matrix_power(int64_t n) const;
  Tensor operator[](int64_t index) const { return select(0, index); }

  // ---- indexing ----------------------------------------------------------------------
  /// t.index({0, Slice(1, None), idx_tensor}) as in LibTorch's nabla::indexing.
  Tensor index(ArrayRef<indexing::TensorIndex> indices) const;
  Tensor index(std::initializer_list<indexing::TensorIndex> indices) const;
  Tensor& index_put_(ArrayRef<indexing::TensorIndex> indices, const Tensor& value) const;
  Tensor& index_put_(ArrayRef<indexing::TensorIndex> indices, const Scalar& value) const;
  Tensor& index_put_(std::initializer_list<indexing::TensorIndex> indices,
                     const Tensor& value) const;
  Tensor& index_put_(std::initializer_list<indexing::TensorIndex> indices,
                     const Scalar& value) const;
  Tensor index_select(int64_t dim, const Tensor& index) const;
  Tensor gather(int64_t dim, const Tensor& index) const;
  Tensor scatter_add(int64_t dim, const Tensor& index, const Tensor& src) const;
  Tensor& scatter_add_(int64_t dim, const Tensor& index, const Tensor& src) const;
  Tensor scatter(int64_t dim, const Tensor& index, const Tensor& src) const;
  Tensor scatter(int64_t dim, const Tensor& index, const Scalar& value) const;
  Tensor& scatter_(int64_t dim, const Tensor& index, const Tensor& src) const;
  Tensor& scatter_(int64_t dim, const Tensor& index, const Scalar& value) const;
  Tensor scatter(int64_t dim, const Tensor& index, const Tensor& src,
                 std::string_view reduce) const;
  Tensor scatter(int64_t dim, const Tensor& index, const Scalar& value,
                 std::string_view reduce) const;
  Tensor& scatter_(int64_t dim, const Tensor& index, const Tensor& src,
                   std::string_view reduce) const;
  Tensor& scatter_(int64_t dim, const Tensor& index, const Scalar& value,
                   std::string_view reduce) const;
  Tensor scatter_reduce(int64_t dim, const Tensor& index, const Tensor& src,
                        std::string_view reduce, bool include_self = true) const;
  Tensor& scatter_reduce_(int64_t dim, const Tensor& index, const Tensor& src,
                          std::string_view reduce, bool include_self = true) const;
  Tensor index_reduce(int64_t dim, const Tensor& index, const Tensor& source,
                      std::string_view reduce, bool include_self = true) const;
  Tensor& index_reduce_(int64_t dim, const Tensor& index, const Tensor& source,
                        std::string_view reduce, bool include_self = true) const;
  Tensor masked_fill(const Tensor& mask, const Scalar& value) const;
  Tensor masked_fill(const Tensor& mask, const Tensor& value) const;
  Tensor& masked_fill_(const Tensor& mask, const Scalar& value) const;

  // ---- elementwise -------------------------------------------------------------------
  Tensor add(const Tensor& other, const Scalar& alpha = 1) const;
  Tensor add(const Scalar& other, const Scalar& alpha = 1) const;
  Tensor sub(const Tensor& other, const Scalar& alpha = 1) const;
  Tensor sub(const Scalar& other, const Scalar& alpha = 1) const;
  Tensor mul(const Tensor& other) const;
  Tensor mul(const Scalar& other) const;
  Tensor div(const Tensor& other) const;
  Tensor div(const Scalar& other) const;
  Tensor div(const Tensor& other, std::optional<std::string_view> rounding_mode) const;
  Tensor div(const Scalar& other, std::optional<std::string_view> rounding_mode) const;
  Tensor divide(const Tensor& other,
                std::optional<std::string_view> rounding_mode = std::nullopt) const;
  Tensor divide(const Scalar& other,
                std::optional<std::string_view> rounding_mode = std::nullopt) const;
  Tensor floor_divide(const Tensor& other) const;
  Tensor floor_divide(const Scalar& other) const;
  Tensor neg() const;
  Tensor pow(const Tensor& exponent) const;
  Tensor pow(const Scalar& exponent) const;
  Tensor exp() const;
  Tensor log() const;
  Tensor sqrt() const;
  Tensor rsqrt() const;
  Tensor abs() const;
  Tensor sin() const;
  Tensor cos() const;
  Tensor sigmoid() const;
  Tensor tanh() const;
  Tensor relu() const;
  /// x where |x| > lambd, else 0 (nabla::hardshrink).
  Tensor hardshrink(const Scalar& lambd = 0.5) const;
  /// x where x > 0, else weight * x (nabla::prelu).
  Tensor prelu(const Tensor& weight) const;
  Tensor square() const;
  Tensor reciprocal() const;
  Tensor sign() const;
  Tensor erf() const;
  Tensor erfc() const;
  Tensor erfinv() const;
  Tensor log1p() const;
  Tensor expm1() const;
  Tensor log2() const;
  Tensor log10() const;
  Tensor exp2() const;
  Tensor tan() const;
  Tensor asin() const;
  Tensor acos() const;
  Tensor atan() const;
  Tensor sinh() const;
  Tensor cosh() const;
  Tensor asinh() const;
  Tensor acosh() const;
  Tensor atanh() const;
  Tensor arcsin() const;  // NumPy's names, as LibTorch's aliases
  Tensor arccos() const;
  Tensor arctan() const;
  Tensor arcsinh() const;
  Tensor arccosh() const;
  Tensor arctanh() const;
  Tensor floor() const;
  Tensor ceil() const;
  Tensor round() const;
  Tensor trunc() const;
  Tensor fix() const;  // trunc
  Tensor frac() const;
  Tensor isnan() const;
  Tensor isinf() const;
  Tensor isfinite() const;
  Tensor atan2(const Tensor& other) const;
  Tensor arctan2(const Tensor& other) const;
  Tensor hypot(const Tensor& other) const;
  Tensor fmod(const Tensor& other) const;
  Tensor fmod(const Scalar& other) const;
  Tensor remainder(const Tensor& other) const;
  Tensor remainder(const Scalar& other) const;
  Tensor lerp(const Tensor& end, const Tensor& weight) const;
  Tensor lerp(const Tensor& end, const Scalar& weight) const;
  Tensor logaddexp(const Tensor& other) const;
  // LibTorch's small compositions (src/ops/compositions.cpp).
  Tensor addcmul(const Tensor& tensor1, const Tensor& tensor2, const Scalar& value = 1) const;
  Tensor addcdiv(const Tensor& tensor1, const Tensor& tensor2, const Scalar& value = 1) const;
  Tensor fmax(const Tensor& other) const;
  Tensor fmin(const Tensor& other) const;
  Tensor heaviside(const Tensor& values) const;
  Tensor deg2rad() const;
  Tensor rad2deg() const;
  Tensor& deg2rad_() const;
  Tensor& rad2deg_() const;
  Tensor logaddexp2(const Tensor& other) const;
  Tensor isposinf() const;
  Tensor isneginf() const;
  Tensor sgn() const;
  Tensor greater(const Tensor& other) const;
  Tensor greater(const Scalar& other) const;
  Tensor greater_equal(const Tensor& other) const;
  Tensor greater_equal(const Scalar& other) const;
  Tensor less_equal(const Tensor& other) const;
  Tensor less_equal(const Scalar& other) const;
  Tensor not_equal(const Tensor& other) const;
  Tensor not_equal(const Scalar& other) const;
  Tensor multiply(const Tensor& other) const;
  Tensor multiply(const Scalar& other) const;
  Tensor true_divide(const Tensor& other) const;
  Tensor true_divide(const Scalar& other) const;
  Tensor subtract(const Tensor& other, const Scalar& alpha = 1) const;
  Tensor subtract(const Scalar& other, const Scalar& alpha = 1) const;
  Tensor less(const Tensor& other) const;
  Tensor less(const Scalar& other) const;
  // In place (LibTorch's): a comparison or logical op writes 1 and 0 in self's dtype.
  Tensor& eq_(const Tensor& other) const;
  Tensor& eq_(const Scalar& other) const;
  Tensor& ne_(const Tensor& other) const;
  Tensor& ne_(const Scalar& other) const;
  Tensor& lt_(const Tensor& other) const;
  Tensor& lt_(const Scalar& other) const;
  Tensor& le_(const Tensor& other) const;
  Tensor& le_(const Scalar& other) const;
  Tensor& gt_(const Tensor& other) const;
  Tensor& gt_(const Scalar& other) const;
  Tensor& ge_(const Tensor& other) const;
  Tensor& ge_(const Scalar& other) const;
  Tensor& greater_(const Tensor& other) const;
  Tensor& greater_(const Scalar& other) const;
  Tensor& greater_equal_(const Tensor& other) const;
  Tensor& greater_equal_(const Scalar& other) const;
  Tensor& less_(const Tensor& other) const;
  Tensor& less_(const Scalar& other) const;
  Tensor& less_equal_(const Tensor& other) const;
  Tensor& less_equal_(const Scalar& other) const;
  Tensor& not_equal_(const Tensor& other) const;
  Tensor& not_equal_(const Scalar& other) const;
  Tensor& logical_and_(const Tensor& other) const;
  Tensor& logical_or_(const Tensor& other) const;
  Tensor& logical_xor_(const Tensor& other) const;
  Tensor& logical_not_() const;
  Tensor& multiply_(const Tensor& other) const;
  Tensor& multiply_(const Scalar& other) const;
  Tensor& true_divide_(const Tensor& other) const;
  Tensor& true_divide_(const Scalar& other) const;
  Tensor& divide_(const Tensor& other,
                  std::optional<std::string_view> rounding_mode = std::nullopt) const;
  Tensor& divide_(const Scalar& other,
                  std::optional<std::string_view> rounding_mode = std::nullopt) const;
  Tensor& subtract_(const Tensor& other, const Scalar& alpha = 1) const;
  Tensor& subtract_(const Scalar& other, const Scalar& alpha = 1) const;
  Tensor& xlogy_(const Tensor& other) const;
  Tensor& xlogy_(const Scalar& other) const;
  Tensor& sgn_() const;
  Tensor& fix_() const;
  Tensor& heaviside_(const Tensor& values) const;
  Tensor& addmm_(const Tensor& mat1, const Tensor& mat2, const Scalar& beta = 1,
                 const Scalar& alpha = 1) const;
  Tensor& addr_(const Tensor& vec1, const Tensor& vec2, const Scalar& beta = 1,
                const Scalar& alpha = 1) const;
  /// Fills self with integers uniform in [from, to) (self's dtype; differentiable tensors get
  /// a zero gradient, as LibTorch's). Without `to`: up to the largest integer the dtype holds
  /// exactly (2^24 for float32, 2^53 for float64, the maximum for integers, 1 for bool; for
  /// int64 one less than its maximum).
  Tensor& random_(int64_t from, std::optional<int64_t> to) const;
  Tensor& random_(int64_t to) const;
  Tensor& random_() const;
  // LibTorch's shorthands and aliases: flatten(), dot(), transpose(-2, -1), nonzero(), ...
  Tensor ravel() const;
  Tensor vdot(const Tensor& other) const;
  Tensor mT() const;
  Tensor mH() const;
  Tensor argwhere() const;
  /// The one element's truth (raises unless numel() == 1).
  bool is_nonzero() const;
  bool is_same_size(const Tensor& other) const;
  /// Sums broadcast dims down to `size` (the reverse of expand).
  Tensor sum_to_size(IntArrayRef size) const;
  Tensor narrow_copy(int64_t dim, int64_t start, int64_t length) const;
  Tensor new_empty_strided(IntArrayRef size, IntArrayRef stride,
                           const TensorOptions& options = {}) const;
  // nabla's tensors are real: these are the tensor itself (resolve_*) or a copy (conj_physical),
  // and isreal() is true everywhere.
  Tensor resolve_conj() const;
  Tensor resolve_neg() const;
  Tensor conj_physical() const;
  Tensor isreal() const;
  std::vector<Tensor> unsafe_chunk(int64_t chunks, int64_t dim = 0) const;
  std::vector<Tensor> unsafe_split(int64_t split_size, int64_t dim = 0) const;
  Tensor broadcast_to(IntArrayRef size) const;
  std::vector<Tensor> tensor_split(int64_t sections, int64_t dim = 0) const;
  std::vector<Tensor> tensor_split(IntArrayRef indices, int64_t dim = 0) const;
  std::vector<Tensor> tensor_split(const Tensor& tensor_indices_or_sections, int64_t dim = 0) const;
  std::vector<Tensor> hsplit(int64_t sections) const;
  std::vector<Tensor> hsplit(IntArrayRef indices) const;
  std::vector<Tensor> vsplit(int64_t sections) const;
  std::vector<Tensor> vsplit(IntArrayRef indices) const;
  std::vector<Tensor> dsplit(int64_t sections) const;
  std::vector<Tensor> dsplit(IntArrayRef indices) const;
  Tensor take_along_dim(const Tensor& indices, std::optional<int64_t> dim = std::nullopt) const;
  Tensor diagflat(int64_t offset = 0) const;
  Tensor inner(const Tensor& other) const;
  Tensor ger(const Tensor& vec2) const;
  Tensor dist(const Tensor& other, const Scalar& p = 2) const;
  Tensor addmv(const Tensor& mat, const Tensor& vec, const Scalar& beta = 1,
               const Scalar& alpha = 1) const;
  Tensor& addmv_(const Tensor& mat, const Tensor& vec, const Scalar& beta = 1,
                 const Scalar& alpha = 1) const;
  Tensor addr(const Tensor& vec1, const Tensor& vec2, const Scalar& beta = 1,
              const Scalar& alpha = 1) const;
  Tensor& fill_diagonal_(const Scalar& fill_value, bool wrap = false) const;
  Tensor mvlgamma(int64_t p) const;
  Tensor& mvlgamma_(int64_t p) const;
  Tensor masked_scatter(const Tensor& mask, const Tensor& source) const;
  Tensor& masked_scatter_(const Tensor& mask, const Tensor& source) const;
  Tensor renorm(const Scalar& p, int64_t dim, const Scalar& maxnorm) const;
  Tensor& renorm_(const Scalar& p, int64_t dim, const Scalar& maxnorm) const;
  /// Factories with this tensor's dtype and device unless `options` says otherwise.
  Tensor new_empty(IntArrayRef size, const TensorOptions& options = {}) const;
  Tensor new_zeros(IntArrayRef size, const TensorOptions& options = {}) const;
  Tensor new_ones(IntArrayRef size, const TensorOptions& options = {}) const;
  Tensor new_full(IntArrayRef size, const Scalar& fill_value,
                  const TensorOptions& options = {}) const;
  Tensor xlogy(const Tensor& other) const;
  Tensor igamma(const Tensor& other) const;
  Tensor igammac(const Tensor& other) const;
  Tensor nan_to_num(std::optional<double> nan = std::nullopt,
                    std::optional<double> posinf = std::nullopt,
                    std::optional<double> neginf = std::nullopt) const;
  Tensor logical_xor(const Tensor& other) const;
  Tensor lgamma() const;
  Tensor digamma() const;
  Tensor i0() const;
  Tensor polygamma(int64_t n) const;
  Tensor logit(std::optional<double> eps = std::nullopt) const;
  Tensor sinc() const;
  Tensor copysign(const Tensor& other) const;
  Tensor copysign(const Scalar& other) const;
  Tensor signbit() const;
  Tensor float_power(const Tensor& exponent) const;
  Tensor float_power(const Scalar& exponent) const;
  Tensor ldexp(const Tensor& other) const;
  std::tuple<Tensor, Tensor> aminmax(std::optional<int64_t> dim = std::nullopt,
                                     bool keepdim = false) const;
  Tensor bincount(const std::optional<Tensor>& weights = std::nullopt, int64_t minlength = 0) const;
  Tensor histc(int64_t bins = 100, const Scalar& min = 0, const Scalar& max = 0) const;
  Tensor quantile(const Tensor& q, std::optional<int64_t> dim = std::nullopt, bool keepdim = false,
                  std::string_view interpolation = "linear") const;
  Tensor quantile(double q, std::optional<int64_t> dim = std::nullopt, bool keepdim = false,
                  std::string_view interpolation = "linear") const;
  Tensor nanquantile(const Tensor& q, std::optional<int64_t> dim = std::nullopt,
                     bool keepdim = false, std::string_view interpolation = "linear") const;
  Tensor nanquantile(double q, std::optional<int64_t> dim = std::nullopt, bool keepdim = false,
                     std::string_view interpolation = "linear") const;
  Tensor cov(int64_t correction = 1, const std::optional<Tensor>& fweights = std::nullopt,
             const std::optional<Tensor>& aweights = std::nullopt) const;
  Tensor corrcoef() const;
  Tensor msort() const;
  Tensor matrix_exp() const;
  Tensor lu_solve(const Tensor& LU_data, const Tensor& LU_pivots) const;
  Tensor mv(const Tensor& vec) const;
  Tensor diff(int64_t n = 1, int64_t dim = -1, const std::optional<Tensor>& prepend = std::nullopt,
              const std::optional<Tensor>& append = std::nullopt) const;
  Tensor rot90(int64_t k = 1, IntArrayRef dims = {0, 1}) const;
  Tensor index_fill(int64_t dim, const Tensor& index, const Scalar& value) const;
  Tensor index_fill(int64_t dim, const Tensor& index, const Tensor& value) const;
  Tensor& index_fill_(int64_t dim, const Tensor& index, const Scalar& value) const;
  Tensor& index_fill_(int64_t dim, const Tensor& index, const Tensor& value) const;
  Tensor index_copy(int64_t dim, const Tensor& index, const Tensor& source) const;
  Tensor index_add(int64_t dim, const Tensor& index, const Tensor& source,
                   const Scalar& alpha = 1) const;
  Tensor& index_add_(int64_t dim, const Tensor& index, const Tensor& source,
                     const Scalar& alpha = 1) const;
  Tensor& index_copy_(int64_t dim, const Tensor& index, const Tensor& source) const;
  Tensor kron(const Tensor& other) const;
  Tensor cross(const Tensor& other, std::optional<int64_t> dim = std::nullopt) const;
  Tensor baddbmm(const Tensor& batch1, const Tensor& batch2, const Scalar& beta = 1,
                 const Scalar& alpha = 1) const;
  Tensor& baddbmm_(const Tensor& batch1, const Tensor& batch2, const Scalar& beta = 1,
                   const Scalar& alpha = 1) const;
  Tensor addbmm(const Tensor& batch1, const Tensor& batch2, const Scalar& beta = 1,
                const Scalar& alpha = 1) const;
  Tensor& addbmm_(const Tensor& batch1, const Tensor& batch2, const Scalar& beta = 1,
                  const Scalar& alpha = 1) const;
  Tensor bitwise_and(const Tensor& other) const;
  Tensor bitwise_and(const Scalar& other) const;
  Tensor bitwise_or(const Tensor& other) const;
  Tensor bitwise_or(const Scalar& other) const;
  Tensor bitwise_xor(const Tensor& other) const;
  Tensor bitwise_xor(const Scalar& other) const;
  Tensor bitwise_not() const;
  Tensor& bitwise_and_(const Tensor& other) const;
  Tensor& bitwise_and_(const Scalar& other) const;
  Tensor& bitwise_or_(const Tensor& other) const;
  Tensor& bitwise_or_(const Scalar& other) const;
  Tensor& bitwise_xor_(const Tensor& other) const;
  Tensor& bitwise_xor_(const Scalar& other) const;
  Tensor& bitwise_not_() const;
  Tensor bitwise_left_shift(const Tensor& other) const;
  Tensor bitwise_left_shift(const Scalar& other) const;
  Tensor bitwise_right_shift(const Tensor& other) const;
  Tensor bitwise_right_shift(const Scalar& other) const;
  Tensor& bitwise_left_shift_(const Tensor& other) const;
  Tensor& bitwise_left_shift_(const Scalar& other) const;
  Tensor& bitwise_right_shift_(const Tensor& other) const;
  Tensor& bitwise_right_shift_(const Scalar& other) const;
  // Python's << and >> by their LibTorch names (C++'s operator<< prints a tensor).
  Tensor __lshift__(const Tensor& other) const;
  Tensor __lshift__(const Scalar& other) const;
  Tensor __rshift__(const Tensor& other) const;
  Tensor __rshift__(const Scalar& other) const;
  Tensor& __ilshift__(const Tensor& other) const;
  Tensor& __ilshift__(const Scalar& other) const;
  Tensor& __irshift__(const Tensor& other) const;
  Tensor& __irshift__(const Scalar& other) const;
  Tensor gcd(const Tensor& other) const;
  Tensor& gcd_(const Tensor& other) const;
  Tensor lcm(const Tensor& other) const;
  Tensor& lcm_(const Tensor& other) const;
  Tensor count_nonzero(std::optional<int64_t> dim = std::nullopt) const;
  Tensor count_nonzero(int64_t dim) const;
  Tensor count_nonzero(IntArrayRef dims) const;
  Tensor clamp(std::optional<Scalar> min = std::nullopt,
               std::optional<Scalar> max = std::nullopt) const;
  Tensor clip(std::optional<Scalar> min = std::nullopt,
              std::optional<Scalar> max = std::nullopt) const;
  Tensor clamp_min(const Scalar& min) const;
  Tensor clamp_max(const Scalar& max) const;
  Tensor maximum(const Tensor& other) const;
  Tensor minimum(const Tensor& other) const;
  Tensor eq(const Tensor& other) const;
  Tensor eq(const Scalar& other) const;
  Tensor ne(const Tensor& other) const;
  Tensor ne(const Scalar& other) const;
  Tensor lt(const Tensor& other) const;
  Tensor lt(const Scalar& other) const;
  Tensor le(const Tensor& other) const;
  Tensor le(const Scalar& other) const;
  Tensor gt(const Tensor& other) const;
  Tensor gt(const Scalar& other) const;
  Tensor ge(const Tensor& other) const;
  Tensor ge(const Scalar& other) const;
  Tensor logical_not() const;
  Tensor logical_and(const Tensor& other) const;
  Tensor logical_or(const Tensor& other) const;
  bool equal(const Tensor& other) const;
  bool allclose(const Tensor& other, double rtol = 1e-05, double atol = 1e-08) const;

  // ---- in place (bump the version counter) -------------------------------------------
  Tensor& add_(const Tensor& other, const Scalar& alpha = 1) const;
  Tensor& add_(const Scalar& other, const Scalar& alpha = 1) const;
  Tensor& sub_(const Tensor& other, const Scalar& alpha = 1) const;
  Tensor& sub_(const Scalar& other, const Scalar& alpha = 1) const;
  Tensor& mul_(const Tensor& other) const;
  Tensor& mul_(const Scalar& other) const;
  Tensor& div_(const Tensor& other) const;
  Tensor& div_(const Scalar& other) const;
  Tensor& div_(const Tensor& other, std::optional<std::string_view> rounding_mode) const;
  Tensor& div_(const Scalar& other, std::optional<std::string_view> rounding_mode) const;
  Tensor& floor_divide_(const Tensor& other) const;
  Tensor& floor_divide_(const Scalar& other) const;
  Tensor& zero_() const;
  Tensor& fill_(const Scalar& value) const;
  Tensor& clamp_(std::optional<Scalar> min = std::nullopt,
                 std::optional<Scalar> max = std::nullopt) const;
  Tensor& relu_() const;
  Tensor& neg_() const;
  Tensor& exp_() const;
  Tensor& sqrt_() const;
  Tensor& rsqrt_() const;
  Tensor& sigmoid_() const;
  Tensor& tanh_() const;
  Tensor& reciprocal_() const;
  Tensor& abs_() const;
  Tensor& log_() const;
  Tensor& sin_() const;
  Tensor& cos_() const;
  Tensor& square_() const;
  Tensor& sign_() const;
  Tensor& erf_() const;
  Tensor& erfc_() const;
  Tensor& erfinv_() const;
  Tensor& log1p_() const;
  Tensor& expm1_() const;
  Tensor& log2_() const;
  Tensor& log10_() const;
  Tensor& exp2_() const;
  Tensor& tan_() const;
  Tensor& asin_() const;
  Tensor& acos_() const;
  Tensor& atan_() const;
  Tensor& sinh_() const;
  Tensor& cosh_() const;
  Tensor& asinh_() const;
  Tensor& acosh_() const;
  Tensor& atanh_() const;
  Tensor& floor_() const;
  Tensor& ceil_() const;
  Tensor& round_() const;
  Tensor& trunc_() const;
  Tensor& frac_() const;
  Tensor& clamp_min_(const Scalar& min) const;
  Tensor& clamp_max_(const Scalar& max) const;
  Tensor& clip_(std::optional<Scalar> min = std::nullopt,
                std::optional<Scalar> max = std::nullopt) const;
  Tensor& atan2_(const Tensor& other) const;
  Tensor& hypot_(const Tensor& other) const;
  Tensor& igamma_(const Tensor& other) const;
  Tensor& igammac_(const Tensor& other) const;
  Tensor& fmod_(const Tensor& other) const;
  Tensor& fmod_(const Scalar& other) const;
  Tensor& remainder_(const Tensor& other) const;
  Tensor& remainder_(const Scalar& other) const;
  Tensor& lerp_(const Tensor& end, const Scalar& weight) const;
  Tensor& nan_to_num_(std::optional<double> nan = std::nullopt,
                      std::optional<double> posinf = std::nullopt,
                      std::optional<double> neginf = std::nullopt) const;
  Tensor& pow_(const Scalar& exponent) const;
  Tensor& lgamma_() const;
  Tensor& digamma_() const;
  Tensor& i0_() const;
  Tensor& polygamma_(int64_t n) const;
  Tensor& logit_(std::optional<double> eps = std::nullopt) const;
  Tensor& sinc_() const;
  Tensor& copysign_(const Tensor& other) const;
  Tensor& copysign_(const Scalar& other) const;
  Tensor& float_power_(const Tensor& exponent) const;
  Tensor& float_power_(const Scalar& exponent) const;
  Tensor& ldexp_(const Tensor& other) const;
  Tensor& addcmul_(const Tensor& t1, const Tensor& t2, const Scalar& value = 1) const;
  Tensor& addcdiv_(const Tensor& t1, const Tensor& t2, const Scalar& value = 1) const;
  Tensor& uniform_(double from = 0, double to = 1) const;
  Tensor& normal_(double mean = 0, double std = 1) const;
  /// Samples of the exponential, Cauchy, log-normal and geometric distributions.
  Tensor& exponential_(double lambd = 1) const;
  Tensor& cauchy_(double median = 0, double sigma = 1) const;
  Tensor& log_normal_(double mean = 1, double std = 2) const;
  Tensor& geometric_(double p) const;
  /// `num_samples` indices drawn from each row of non-negative weights (nabla::multinomial).
  Tensor multinomial(int64_t num_samples, bool replacement = false) const;
  /// 0 or 1 drawn with probability this tensor's elements (nabla::bernoulli).
  Tensor bernoulli() const;
  Tensor bernoulli(double p) const;
  /// Fills with 0 or 1 drawn with probability p.
  Tensor& bernoulli_(double p = 0.5) const;
  Tensor& bernoulli_(const Tensor& p) const;

  // ---- reductions --------------------------------------------------------------------
  Tensor sum(std::optional<ScalarType> dtype = std::nullopt) const;
  Tensor sum(OptionalIntArrayRef dim, bool keepdim = false,
             std::optional<ScalarType> dtype = std::nullopt) const;
  Tensor mean(std::optional<ScalarType> dtype = std::nullopt) const;
  Tensor mean(OptionalIntArrayRef dim, bool keepdim = false,
              std::optional<ScalarType> dtype = std::nullopt) const;
  Tensor prod(std::optional<ScalarType> dtype = std::nullopt) const;
  Tensor prod(int64_t dim, bool keepdim = false,
              std::optional<ScalarType> dtype = std::nullopt) const;
  Tensor max() const;
  std::tuple<Tensor, Tensor> max(int64_t dim, bool keepdim = false) const;
  Tensor max(const Tensor& other) const;  // maximum(other)
  Tensor min() const;
  std::tuple<Tensor, Tensor> min(int64_t dim, bool keepdim = false) const;
  Tensor min(const Tensor& other) const;  // minimum(other)
  Tensor amax(IntArrayRef dim = {}, bool keepdim = false) const;
  Tensor amin(IntArrayRef dim = {}, bool keepdim = false) const;
  Tensor argmax(std::optional<int64_t> dim = std::nullopt, bool keepdim = false) const;
  Tensor argmin(std::optional<int64_t> dim = std::nullopt, bool keepdim = false) const;
  std::tuple<Tensor, Tensor> topk(int64_t k, int64_t dim = -1, bool largest = true,
                                  bool sorted = true) const;
  std::tuple<Tensor, Tensor> sort(int64_t dim = -1, bool descending = false) const;
  std::tuple<Tensor, Tensor> kthvalue(int64_t k, int64_t dim = -1, bool keepdim = false) const;
  Tensor median() const;
  std::tuple<Tensor, Tensor> median(int64_t dim, bool keepdim = false) const;
  Tensor nanmedian() const;
  std::tuple<Tensor, Tensor> nanmedian(int64_t dim, bool keepdim = false) const;
  Tensor nansum(std::optional<ScalarType> dtype = std::nullopt) const;
  Tensor nansum(IntArrayRef dim, bool keepdim = false,
                std::optional<ScalarType> dtype = std::nullopt) const;
  Tensor nanmean(std::optional<ScalarType> dtype = std::nullopt) const;
  Tensor nanmean(IntArrayRef dim, bool keepdim = false,
                 std::optional<ScalarType> dtype = std::nullopt) const;
  Tensor argsort(int64_t dim = -1, bool descending = false) const;
  // var/std over all elements take a real `bool` only (a template), so that var({1}) means
  // "over dim 1" as in LibTorch, not var(unbiased=true).
  Tensor var() const { return var_all(true); }
  template <class B, std::enable_if_t<std::is_same_v<B, bool>, int> = 0>
  Tensor var(B unbiased) const {
    return var_all(unbiased);
  }
  Tensor var(IntArrayRef dim, bool unbiased = true, bool keepdim = false) const;
  Tensor std() const { return std_all(true); }
  template <class B, std::enable_if_t<std::is_same_v<B, bool>, int> = 0>
  Tensor std(B unbiased) const {
    return std_all(unbiased);
  }
  Tensor std(IntArrayRef dim, bool unbiased = true, bool keepdim = false) const;
  Tensor logsumexp(IntArrayRef dim, bool keepdim = false) const;
  Tensor norm(const Scalar& p = 2) const;
  Tensor norm(std::optional<Scalar> p, IntArrayRef dim, bool keepdim = false) const;
  Tensor all() const;
  Tensor any() const;
  /// Whether all (any) elements along dim are nonzero: bool, or uint8 for uint8 input.
  Tensor all(int64_t dim, bool keepdim = false) const;
  Tensor any(int64_t dim, bool keepdim = false) const;
  Tensor softmax(int64_t dim, std::optional<ScalarType> dtype = std::nullopt) const;
  Tensor log_softmax(int64_t dim, std::optional<ScalarType> dtype = std::nullopt) const;

  // ---- linear algebra ----------------------------------------------------------------
  Tensor mm(const Tensor& mat2) const;
  Tensor matmul(const Tensor& other) const;
  Tensor bmm(const Tensor& mat2) const;
  Tensor addmm(const Tensor& mat1, const Tensor& mat2, const Scalar& beta = 1,
               const Scalar& alpha = 1) const;
  Tensor dot(const Tensor& other) const;
  Tensor outer(const Tensor& vec2) const;
  Tensor det() const;
  Tensor logdet() const;
  std::tuple<Tensor, Tensor> slogdet() const;
  Tensor inverse() const;
  Tensor cholesky(bool upper = false) const;
  Tensor cholesky_solve(const Tensor& input2, bool upper = false) const;
  Tensor cholesky_inverse(bool upper = false) const;
  std::tuple<Tensor, Tensor, Tensor> svd(bool some = true, bool compute_uv = true) const;
  Tensor pinverse(double rcond = 1e-15) const;
  std::tuple<Tensor, Tensor> qr(bool some = true) const;

  // ---- operators ---------------------------------------------------------------------
  Tensor operator-() const { return neg(); }
  Tensor& operator+=(const Tensor& o) { return add_(o); }
  Tensor& operator+=(const Scalar& o) { return add_(o); }
  Tensor& operator-=(const Tensor& o) { return sub_(o); }
  Tensor& operator-=(const Scalar& o) { return sub_(o); }
  Tensor& operator*=(const Tensor& o) { return mul_(o); }
  Tensor& operator*=(const Scalar& o) { return mul_(o); }
  Tensor& operator/=(const Tensor& o) { return div_(o); }
  Tensor& operator/=(const Scalar& o) { return div_(o); }
  Tensor operator~() const { return bitwise_not(); }
  Tensor& operator&=(const Tensor& o) { return bitwise_and_(o); }
  Tensor& operator&=(const Scalar& o) { return bitwise_and_(o); }
  Tensor& operator|=(const Tensor& o) { return bitwise_or_(o); }
  Tensor& operator|=(const Scalar& o) { return bitwise_or_(o); }
  Tensor& operator^=(const Tensor& o) { return bitwise_xor_(o); }
  Tensor& operator^=(const Scalar& o) { return bitwise_xor_(o); }
  Tensor operator[](const Tensor& index) const;

 private:
  Tensor var_all(bool unbiased) const;
  Tensor std_all(bool unbiased) const;
  unsigned register_hook_impl(std::function<Tensor(const Tensor&)> hook) const;
  [[noreturn]] void dtype_access_error(ScalarType requested, const char* what) const;
  void check_accessor(ScalarType requested, size_t n) const;
  // The geometry of the TensorImpl, its first base (at the same address; checked where
  // TensorImpl is defined); nabla::Error naming `what` when the tensor is undefined.
  const detail::TensorGeometry& geometry(const char* what) const {
    if (__builtin_expect(impl_ == nullptr, 0)) detail::undefined_tensor_error(what);
    return *reinterpret_cast<const detail::TensorGeometry*>(impl_.get());
  }
  std::shared_ptr<TensorImpl> impl_;
};

std::ostream& operator<<(std::ostream& os, const Tensor& t);
/// The tensors one after another, separated by a space, as LibTorch prints a vector.
std::ostream& operator<<(std::ostream& os, const std::vector<Tensor>& tensors);

// ---- operators -------------------------------------------------------------------------
Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator+(const Tensor& a, const Scalar& b);
Tensor operator+(const Scalar& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Scalar& b);
Tensor operator-(const Scalar& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Scalar& b);
Tensor operator*(const Scalar& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Scalar& b);
Tensor operator/(const Scalar& a, const Tensor& b);
Tensor operator==(const Tensor& a, const Tensor& b);
Tensor operator==(const Tensor& a, const Scalar& b);
Tensor operator!=(const Tensor& a, const Tensor& b);
Tensor operator!=(const Tensor& a, const Scalar& b);
Tensor operator<(const Tensor& a, const Tensor& b);
Tensor operator<(const Tensor& a, const Scalar& b);
Tensor operator<=(const Tensor& a, const Tensor& b);
Tensor operator<=(const Tensor& a, const Scalar& b);
Tensor operator>(const Tensor& a, const Tensor& b);
Tensor operator>(const Tensor& a, const Scalar& b);
Tensor operator>=(const Tensor& a, const Tensor& b);
Tensor operator>=(const Tensor& a, const Scalar& b);
Tensor operator!(const Tensor& a);
Tensor operator%(const Tensor& a, const Tensor& b);
Tensor operator%(const Tensor& a, const Scalar& b);
Tensor operator%(const Scalar& a, const Tensor& b);
/// Bitwise, as LibTorch's (on bool tensors the same as the logical ops).
Tensor operator&(const Tensor& a, const Tensor& b);
Tensor operator&(const Tensor& a, const Scalar& b);
Tensor operator&(const Scalar& a, const Tensor& b);
Tensor operator|(const Tensor& a, const Tensor& b);
Tensor operator|(const Tensor& a, const Scalar& b);
Tensor operator|(const Scalar& a, const Tensor& b);
Tensor operator^(const Tensor& a, const Tensor& b);
Tensor operator^(const Tensor& a, const Scalar& b);
Tensor operator^(const Scalar& a, const Tensor& b);

}  // namespace nabla
