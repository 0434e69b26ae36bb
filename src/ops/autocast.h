// The casts autocast inserts at the front of ops (nabla/autocast.h has the user's side).
#pragma once

#include "nabla/autocast.h"
#include "nabla/tensor.h"

namespace nabla::detail {

/// Whether autocast is on for the CPU on this thread.
bool autocast_enabled();
/// For the ops that run in the 16-bit dtype (products, linear, convolutions, attention): `t`
/// cast to autocast's dtype when autocast is on and `t` is a float32 CPU tensor (undefined,
/// float64 and other tensors pass unchanged, as PyTorch's), else `t`. The cast is
/// differentiable: the gradient comes back in float32.
Tensor autocast_to_lower(const Tensor& t);
/// For the ops that run in float32 (softmax, normalization, losses): `t` cast to float32 when
/// autocast is on and `t` is a 16-bit float, else `t`.
Tensor autocast_to_float(const Tensor& t);

}  // namespace nabla::detail
