// The SGD and Adam parameter updates: one kernel pass over the parameter where its backend
// takes it (Backend::sgd_update, adam_update), otherwise the same formulas as in-place ops (a
// strided parameter, a gradient that requires grad, another dtype or device). Called without
// grad mode by the optimizers.
#include <cmath>

#include "ops/fused.h"
#include "ops/op_helpers.h"

namespace nabla::detail {

namespace {

void sgd_composite(const Tensor& param, Tensor* buf_slot, const SgdStepArgs& a) {
  Tensor d_p = param.grad();
  if (a.weight_decay != 0) d_p = d_p.add(param, a.weight_decay);
  if (a.momentum != 0) {
    Tensor& buf = *buf_slot;
    if (!buf.defined()) {
      buf = d_p.detach().clone();
    } else {
      buf.mul_(a.momentum).add_(d_p, 1 - a.dampening);
    }
    d_p = a.nesterov ? d_p.add(buf, a.momentum) : buf;
  }
  Tensor p = param;
  p.add_(d_p, -a.lr);
}

void adam_composite(const Tensor& param, Tensor grad, const Tensor& m_state, const Tensor& v_state,
                    const Tensor& vmax_state, const AdamStepArgs& a) {
  if (a.l2 != 0) grad = grad.add(param, a.l2);
  Tensor m = m_state, v = v_state;
  m.mul_(a.beta1).add_(grad, 1 - a.beta1);
  v.mul_(a.beta2).addcmul_(grad, grad, 1 - a.beta2);
  Tensor denom;
  if (vmax_state.defined()) {
    Tensor v_max = vmax_state;
    v_max.copy_(maximum(v_max, v));
    denom = v_max.sqrt();
  } else {
    denom = v.sqrt();
  }
  denom.div_(a.bias_correction2_sqrt).add_(a.eps);
  Tensor p = param;
  p.addcdiv_(m, denom, -a.step_size);
}

bool same_shape(const Tensor& a, const Tensor& p) { return !a.defined() || a.sizes() == p.sizes(); }

}  // namespace

void sgd_step_(const Tensor& param, Tensor* buf_slot, const SgdStepArgs& args) {
  const Tensor& grad = param.grad();
  const Tensor* buf = buf_slot && buf_slot->defined() ? buf_slot : nullptr;
  const bool fused =
      !grad.requires_grad() && same_shape(grad, param) && (!buf || same_shape(*buf, param)) &&
      use_fused(FusedOp::SgdUpdate, param.scalar_type(), {&param, &grad, buf ? buf : &grad});
  if (!fused) return sgd_composite(param, buf_slot, args);
  SgdStepArgs a = args;
  a.init_buf = buf_slot && !buf;
  if (a.init_buf) *buf_slot = empty_like(param);
  backend_for(param).sgd_update(param, grad, buf_slot ? *buf_slot : Tensor(), a);
  bump_version(param);
  if (buf_slot) bump_version(*buf_slot);
}

void adam_step_(const Tensor& param, const Tensor& grad, const Tensor& m, const Tensor& v,
                const Tensor& vmax, const AdamStepArgs& args) {
  const bool fused =
      !grad.requires_grad() && same_shape(grad, param) && same_shape(m, param) &&
      same_shape(v, param) && same_shape(vmax, param) &&
      use_fused(FusedOp::AdamUpdate, param.scalar_type(), {&param, &grad, &m, &v, &vmax});
  if (!fused) return adam_composite(param, grad, m, v, vmax, args);
  backend_for(param).adam_update(param, grad, m, v, vmax, args);
  bump_version(param);
  bump_version(m);
  bump_version(v);
  if (vmax.defined()) bump_version(vmax);
}

}  // namespace nabla::detail
