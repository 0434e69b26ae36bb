// Helpers shared by the op families: type promotion, broadcasting, casting, and reducing a
// gradient back to an input's shape. None of them records autograd history.
//
// Backward formulas (the lambdas given to record()) name things as PyTorch's derivatives.yaml
// does: the lambda takes (const variable_list& grads, const Node& node), with
// `const Tensor& grad = grads[0];` when only the first output's gradient is read; a saved input
// is named after the op's argument (self, other, mat2, weight, index, ...), the saved output is
// `result` (or the output's own name, as `indices`), and a saved tensor unpacked into a local
// takes the suffix _v (`self_v = self.unpack(node)`). Other captures are named after the op's
// argument too (dim, alpha, p) or descriptively (self_sizes, other_dtype, ...); no ad-hoc single
// letters (the shape symbols a file documents its shapes with, B, H, T, excepted).
#pragma once

#include <vector>

#include "autograd/function.h"
#include "backend/backend.h"
#include "core/check.h"
#include "core/tensor_impl.h"
#include "nabla/ops.h"

namespace nabla::detail {

using autograd::needs_grad;
using autograd::Node;
using autograd::record;
using autograd::SavedTensor;
using autograd::variable_list;

/// PyTorch's result type: tensors with dims decide, unless a 0-d tensor or a number is of a
/// higher kind (bool < integer < floating); a floating number then gives float32.
ScalarType result_type(ArrayRef<const Tensor*> operands);
/// The dtype ops like exp give for `t`: itself if floating, float32 otherwise.
inline ScalarType float_type(ScalarType t) { return isFloatingType(t) ? t : ScalarType::Float; }

/// A 0-d tensor holding `s` (float64, int64 or bool), marked as a wrapped number.
Tensor wrap_scalar(const Scalar& s, Device device);
/// `t` converted to `dtype` without autograd (no copy when it already is).
Tensor cast(const Tensor& t, ScalarType dtype);
/// A view of `t` broadcast to `shape` (zero strides), without autograd.
Tensor expand_to(const Tensor& t, IntArrayRef shape, const char* op);
/// The same storage and geometry, contiguous copy when needed, without autograd.
Tensor contiguous_nograd(const Tensor& t);
/// `fresh` (a tensor no one else holds) reshaped without being marked a view, so that in-place
/// ops on the result are allowed (PyTorch's _unsafe_view); differentiable.
Tensor unsafe_view(const Tensor& fresh, IntArrayRef shape);
/// Whether `t`'s values can be read (not on the meta device, whose allocator holds none), for
/// the checks of input values that an op skips there.
bool holds_values(const Tensor& t);
/// Raises unless both tensors live on the same device.
void check_same_device(const Tensor& a, const Tensor& b, const char* op);
void check_defined(const Tensor& t, const char* op, const char* arg = "self");

/// Sums `grad` down to `shape` (undoing broadcasting); differentiable.
Tensor sum_to(const Tensor& grad, IntArrayRef shape);
/// The gradient for `input` from a gradient of the broadcast result: summed to its shape and
/// cast to its dtype.
Tensor grad_for(const Tensor& grad, const Tensor& input);
/// The gradient of x.norm(p, dims, keepdim) for the output gradient g (src/ops/reduce.cpp, as
/// PyTorch's norm_backward); dims wrapped to be non-negative. Differentiable itself.
Tensor norm_backward(const Tensor& g, const Tensor& x, const Tensor& norm, double p,
                     const std::vector<int64_t>& dims, bool keepdim);

inline Tensor grad_for(const Tensor& grad, IntArrayRef sizes, ScalarType dtype) {
  Tensor g = sum_to(grad, sizes);
  return g.scalar_type() == dtype ? g : g.to(dtype);
}

/// relu's gradient from its output r: where(r > 0, g, 0) (src/ops/elementwise.cpp; one kernel
/// pass, into g when nobody else holds it, when no graph of the backward is recorded).
Tensor relu_backward(const Tensor& g, const Tensor& r);

/// Whether a backward formula may write its result into the incoming gradient `grad` instead of
/// a fresh tensor: the autograd engine hands each node its gradients and drops them after, so
/// when that is the only handle (no user, hook or other node holds it), its storage is shared
/// with no view and owned by nabla (not a from_blob buffer), and it is dense, nobody can see the
/// overwrite. A memory-bound backward pass then writes into the buffer it just read, which is in
/// cache, instead of a cold one.
inline bool gradient_can_be_overwritten(const Tensor& grad) {
  const std::shared_ptr<TensorImpl>& impl = grad.impl();
  return impl && impl.use_count() == 1 && impl->storage.use_count() == 1 &&
         impl->storage->allocator != nullptr && !impl->grad_fn && !impl->requires_grad &&
         grad.is_contiguous();
}

/// `t` as float32 when it is a 16-bit float, else `t` (differentiable; undefined stays
/// undefined). The fused kernels are float32/float64: 16-bit tensors run them on float32 copies
/// and round the result once, as PyTorch's CPU kernels compute 16-bit ops in float32, rather
/// than through the composition, whose every op rounds.
inline Tensor float32_if_16bit(const Tensor& t) {
  return t.defined() && isReducedFloatingType(t.scalar_type()) ? t.to(kFloat) : t;
}

/// Runs an in-place op on `self`: `compute()` returns the new value out of place (recorded in
/// the graph when needed). Checks leaf rules, writes into self's storage, bumps the version
/// and rebases self's history onto the new node.
Tensor& apply_inplace(Tensor& self, const char* op, const Tensor& other,
                      const std::function<Tensor(const Tensor& self_value)>& compute);

// ---- the out= forms (add_out, mm_out, cat_out, ...) ----
// As LibTorch: the result goes into `out`, resized when its shape differs and cast to its dtype
// where the result's casts to it; they are not differentiated (an error when a gradient would
// be needed), and autocast leaves them alone. Where `out` can hold the result as it is, the
// kernel writes straight into it: no temporary, no copy (a training loop's
// mm_out(buffer, g.t(), x) had cost a result's allocation and a pass over it).

/// Raises before anything is computed when `out` is undefined, or when grad mode is on and
/// `out` or an input requires grad.
void check_out(const Tensor& out, ArrayRef<const Tensor*> inputs, const char* op);
/// Whether the kernel may write a result of `shape` and `dtype` on `device` into `out`: of that
/// dtype and device, sharing no storage with an input (a product writing into its own operand
/// would read what it has overwritten), and contiguous once resized to `shape` (which this
/// does). When false, `out` is untouched and the caller computes out of place and write_out()s.
bool out_takes(Tensor& out, IntArrayRef shape, ScalarType dtype, Device device,
               ArrayRef<const Tensor*> inputs);
/// `out` once a kernel has written into it: its version bumped (autograd's check of saved
/// tensors), as an in-place op's.
Tensor& written_out(Tensor& out);
/// Copies a result computed out of place into `out` (resized, cast where allowed).
Tensor& write_out(Tensor& out, const Tensor& result, const char* op);

}  // namespace nabla::detail
