// scaled_dot_product_attention: the composition (oracle and fallback) and the fused op, whose
// backward is the backend's tiled kernel, or under create_graph the same gradient formulas
// written in nabla ops (so second order works):
//   W = softmax(q k^T * scale + bias)      dV = W^T dO      dP = dO V^T
//   dS = W * (dP - rowsum(dP * W))        dQ = dS K * scale      dK = dS^T Q * scale
// Shapes: q [..., L, E], k [..., S, E], v [..., S, Ev], out [..., L, Ev], bias [..., L, S].
#include <cmath>
#include <limits>

#include "nabla/nn/attention.h"
#include "ops/autocast.h"
#include "ops/op_helpers.h"

namespace nabla {

using namespace detail;  // NOLINT: op helpers

namespace {

constexpr const char* kOp = "scaled_dot_product_attention";
constexpr double kInf = std::numeric_limits<double>::infinity();

struct Shapes {
  std::vector<int64_t> batch;  // the broadcast batch dims of q, k and v
  int64_t L = 0, S = 0, E = 0, Ev = 0;
};

std::vector<int64_t> batch_of(const Tensor& t) {
  return std::vector<int64_t>(t.sizes().begin(), t.sizes().end() - 2);
}

void check_mask(const Tensor& mask, const Tensor& q, const Shapes& sh, bool is_causal) {
  NABLA_CHECK(!is_causal,
              "[{}] an explicit attn_mask (shape {}) should not be set when is_causal=true", kOp,
              mask.sizes());
  NABLA_CHECK(mask.scalar_type() == kBool || mask.scalar_type() == q.scalar_type(),
              "[{}] attn_mask must be bool or of the query's dtype {}, got {}", kOp,
              q.scalar_type(), mask.scalar_type());
  check_same_device(mask, q, kOp);
  std::vector<int64_t> target = sh.batch;
  target.push_back(sh.L);
  target.push_back(sh.S);
  bool ok = mask.dim() <= static_cast<int64_t>(target.size());
  for (int64_t i = 0; ok && i < mask.dim(); ++i) {
    const int64_t m = mask.size(mask.dim() - 1 - i), t = target[target.size() - 1 - i];
    ok = m == t || m == 1;
  }
  NABLA_CHECK(ok, "[{}] attn_mask of shape {} does not broadcast to the scores' shape {}", kOp,
              mask.sizes(), IntArrayRef(target));
}

Shapes check_inputs(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& mask,
                    double dropout_p, bool is_causal) {
  check_defined(q, kOp, "query");
  check_defined(k, kOp, "key");
  check_defined(v, kOp, "value");
  NABLA_CHECK(q.dim() >= 2 && k.dim() >= 2 && v.dim() >= 2,
              "[{}] query, key and value need 2 dims or more, got {}, {} and {}", kOp, q.sizes(),
              k.sizes(), v.sizes());
  NABLA_CHECK(q.is_floating_point() && k.scalar_type() == q.scalar_type() &&
                  v.scalar_type() == q.scalar_type(),
              "[{}] query, key and value must have one floating dtype, got {}, {} and {}", kOp,
              q.scalar_type(), k.scalar_type(), v.scalar_type());
  check_same_device(q, k, kOp);
  check_same_device(q, v, kOp);
  NABLA_CHECK(q.size(-1) == k.size(-1),
              "[{}] query and key must have the same last dim E, got query {} and key {}", kOp,
              q.sizes(), k.sizes());
  NABLA_CHECK(k.size(-2) == v.size(-2),
              "[{}] key and value must have the same number of keys S (dim -2), got key {} and "
              "value {}",
              kOp, k.sizes(), v.sizes());
  NABLA_CHECK(dropout_p >= 0 && dropout_p <= 1, "[{}] dropout_p must be in [0, 1], got {}", kOp,
              dropout_p);
  Shapes sh;
  sh.batch = broadcast_shapes(broadcast_shapes(batch_of(q), batch_of(k), kOp), batch_of(v), kOp);
  sh.L = q.size(-2), sh.S = k.size(-2), sh.E = q.size(-1), sh.Ev = v.size(-1);
  if (mask.defined()) check_mask(mask, q, sh, is_causal);
  return sh;
}

// The additive bias [.., L, S] of a mask (bool: -inf where false) or of causality; undefined
// when nothing is masked.
Tensor bias_of(const Tensor& mask, bool is_causal, const Tensor& q, int64_t L, int64_t S) {
  const TensorOptions opts = TensorOptions().dtype(q.scalar_type()).device(q.device());
  Tensor allowed;
  if (is_causal) {
    allowed = ge(arange(L, TensorOptions().device(q.device())).unsqueeze(1),
                 arange(S, TensorOptions().device(q.device())).unsqueeze(0));
  } else if (mask.defined() && mask.scalar_type() == kBool) {
    allowed = mask;
  } else {
    return mask;
  }
  return where(allowed, zeros({}, opts), full({}, -kInf, opts));
}

// softmax(q k^T * scale + bias) over keys; rows whose every key is masked give 0.
Tensor attention_weights(const Tensor& q, const Tensor& k, const Tensor& bias, double scale) {
  Tensor s = matmul(q, k.transpose(-2, -1)) * scale;
  if (!bias.defined()) return s.softmax(-1);
  s = s + bias;
  // row_ok [.., L, 1]: 1 where some key is not masked.
  const Tensor row_ok = (bias > -kInf).to(q.scalar_type()).amax({-1}, /*keepdim=*/true);
  // (Always the guarded form: asking whether any row is fully masked would read the mask on
  // the host, a device sync, and impossible on meta. Where none is, it gives the same bits.)
  return where(row_ok > 0, s, zeros({}, s.options())).softmax(-1) * row_ok;
}

variable_list composite_backward(const Tensor& q, const Tensor& k, const Tensor& v,
                                 const Tensor& bias, double scale, const Tensor& g) {
  const Tensor w = attention_weights(q, k, bias, scale);
  const Tensor dv = matmul(w.transpose(-2, -1), g);
  const Tensor dp = matmul(g, v.transpose(-2, -1));
  const Tensor ds = w * (dp - (dp * w).sum({-1}, /*keepdim=*/true));
  return {matmul(ds, k) * scale, matmul(ds.transpose(-2, -1), q) * scale, dv};
}

// A contiguous [B, n, m] view of t [..., n, m] (a copy when t is not contiguous).
Tensor as_3d(const Tensor& t, int64_t B) {
  const Tensor c = contiguous_nograd(t);
  const std::vector<int64_t> shape{B, t.size(-2), t.size(-1)};
  return make_view(c, shape, contiguous_strides(shape), c.storage_offset());
}

// q, k or v [..., T, E] as the [B1, B2, T, E] view the kernel reads. With two batch dims: `t`
// itself when it has unit stride along E and rows at least E apart (heads split from one
// projection by view and transpose, a KV cache's narrowed keys: no copy), else a contiguous
// copy. Otherwise the batch dims merged: [1, B, T, E] (a copy unless contiguous).
Tensor as_4d(const Tensor& t, int64_t B) {
  const int64_t T = t.size(-2), E = t.size(-1);
  if (t.dim() == 4) {
    const bool readable = (t.stride(3) == 1 || E == 1) && (t.stride(2) >= E || T == 1);
    return readable ? t : contiguous_nograd(t);
  }
  const Tensor c = contiguous_nograd(t);
  const std::vector<int64_t> shape{1, B, T, E};
  return make_view(c, shape, contiguous_strides(shape), c.storage_offset());
}

// bias broadcast to batch + [L, S], as the [B1, B2, L, S] view the kernel reads.
Tensor bias_4d(const Tensor& bias, const Shapes& sh, ScalarType dtype) {
  std::vector<int64_t> full_shape = sh.batch;
  full_shape.push_back(sh.L);
  full_shape.push_back(sh.S);
  Tensor b = expand_to(cast(bias, dtype), full_shape, kOp);
  if (b.dim() < 4) {  // leading batch dims of size 1 (stride 0)
    std::vector<int64_t> sizes = b.sizes().vec(), strides = b.strides().vec();
    sizes.insert(sizes.begin(), 4 - b.dim(), 1);
    strides.insert(strides.begin(), 4 - b.dim(), 0);
    b = make_view(b, sizes, strides, b.storage_offset());
  } else if (b.dim() > 4) {  // merge the leading batch dims (copies when their strides do not)
    NoGradGuard no_grad;
    b = b.reshape({-1, b.size(-3), sh.L, sh.S});
  }
  return b;
}

int64_t numel_of(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  return n;
}

struct Fused {
  Tensor out, lse;  // [..., L, Ev] and [..., L]; undefined when the backend did not take it
};

Fused fused_forward(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& bias,
                    bool is_causal, double scale, const Shapes& sh) {
  if (batch_of(q) != sh.batch || batch_of(k) != sh.batch || batch_of(v) != sh.batch || sh.E == 0 ||
      sh.Ev == 0 || sh.L == 0 || sh.S == 0)
    return {};
  const int64_t B = numel_of(sh.batch);
  const Tensor b4 = bias.defined() ? bias_4d(bias, sh, q.scalar_type()) : Tensor();
  Tensor out = make_tensor({B, sh.L, sh.Ev}, q.scalar_type(), q.device());
  Tensor lse = make_tensor({B, sh.L}, q.scalar_type(), q.device());
  // One batch split for the three: their own [B1, B2] when all have two batch dims, else [1, B].
  const bool split = sh.batch.size() == 2;
  auto in4 = [&](const Tensor& t) { return split ? as_4d(t, B) : as_4d(as_3d(t, B), B); };
  if (!backend_for(q).attention_forward(in4(q), in4(k), in4(v), b4, is_causal, scale, out, lse))
    return {};
  std::vector<int64_t> out_shape = sh.batch, lse_shape = sh.batch;
  out_shape.insert(out_shape.end(), {sh.L, sh.Ev});
  lse_shape.push_back(sh.L);
  out = make_view(out, out_shape, contiguous_strides(out_shape), 0);
  lse = make_view(lse, lse_shape, contiguous_strides(lse_shape), 0);
  if (needs_grad(q, k, v)) {
    record(
        "ScaledDotProductFusedAttentionBackward0", {out}, {q, k, v},
        [query = SavedTensor(q, false), key = SavedTensor(k, false), value = SavedTensor(v, false),
         result = SavedTensor(out, true), lse, b4, bias, is_causal, scale,
         B](const variable_list& grads, const Node& node) {
          const Tensor& grad = grads[0];
          const Tensor query_v = query.unpack(node), key_v = key.unpack(node),
                       value_v = value.unpack(node);
          // The [L, S] bias of causality is only built for the composite backward.
          const auto full_bias = [&] {
            return is_causal ? bias_of({}, true, query_v, query_v.size(-2), key_v.size(-2)) : bias;
          };
          if (autograd::backward_creates_graph())
            return composite_backward(query_v, key_v, value_v, full_bias(), scale, grad);
          const bool split = query_v.dim() == 4;
          auto in4 = [&](const Tensor& t) { return split ? as_4d(t, B) : as_4d(as_3d(t, B), B); };
          const Tensor q4 = in4(query_v), k4 = in4(key_v), v4 = in4(value_v);
          const ScalarType dt = query_v.scalar_type();
          Tensor dq = make_tensor({B, query_v.size(-2), query_v.size(-1)}, dt, query_v.device());
          Tensor dk = make_tensor({B, key_v.size(-2), key_v.size(-1)}, dt, query_v.device());
          Tensor dv = make_tensor({B, value_v.size(-2), value_v.size(-1)}, dt, query_v.device());
          const Tensor g3 = as_3d(cast(grad, query_v.scalar_type()), B);
          if (!backend_for(query_v).attention_backward(q4, k4, v4, b4, is_causal, scale,
                                                       as_3d(result.unpack(node), B), lse, g3, dq,
                                                       dk, dv))
            return composite_backward(query_v, key_v, value_v, full_bias(), scale, grad);
          return variable_list{dq.view(query_v.sizes()), dk.view(key_v.sizes()),
                               dv.view(value_v.sizes())};
        });
  }
  return {out, lse};
}

double scale_of(std::optional<double> scale, int64_t E) {
  return scale.value_or(1.0 / std::sqrt(static_cast<double>(E)));
}

}  // namespace

std::tuple<Tensor, Tensor> _scaled_dot_product_attention_math(
    const Tensor& query, const Tensor& key, const Tensor& value, const Tensor& attn_mask,
    double dropout_p, bool is_causal, std::optional<double> scale) {
  const Shapes sh = check_inputs(query, key, value, attn_mask, dropout_p, is_causal);
  const Tensor bias = bias_of(attn_mask, is_causal, query, sh.L, sh.S);
  Tensor w = attention_weights(query, key, bias, scale_of(scale, sh.E));
  if (dropout_p > 0) {  // inverted dropout on the weights, as PyTorch's math path
    const Tensor keep = (rand_like(w, w.options().requires_grad(false)) < (1 - dropout_p));
    w = dropout_p == 1 ? w * 0.0 : w * keep.to(w.scalar_type()) / (1 - dropout_p);
  }
  return {matmul(w, value), w};
}

std::tuple<Tensor, Tensor> _scaled_dot_product_fused_attention(
    const Tensor& query, const Tensor& key, const Tensor& value, const Tensor& attn_mask,
    bool is_causal, std::optional<double> scale) {
  const Shapes sh = check_inputs(query, key, value, attn_mask, 0.0, is_causal);
  NABLA_CHECK(!(attn_mask.defined() && needs_grad(attn_mask)),
              "[{}] the fused kernel gives no gradient for attn_mask", kOp);
  const Tensor bias = bias_of(attn_mask, false, query, sh.L, sh.S);
  Fused f = fused_forward(query, key, value, bias, is_causal, scale_of(scale, sh.E), sh);
  NABLA_CHECK(f.out.defined(),
              "[{}] the {} backend has no fused kernel for query {}, key {}, value {} ({})", kOp,
              backend_for(query).name(), query.sizes(), key.sizes(), value.sizes(),
              query.scalar_type());
  return {f.out, f.lse};
}

Tensor scaled_dot_product_attention(const Tensor& query, const Tensor& key, const Tensor& value,
                                    const Tensor& attn_mask, double dropout_p, bool is_causal,
                                    std::optional<double> scale) {
  if (detail::autocast_enabled()) {
    const Tensor q = detail::autocast_to_lower(query), k = detail::autocast_to_lower(key),
                 v = detail::autocast_to_lower(value);
    // A float mask joins the scores in the same dtype.
    const Tensor m = attn_mask.defined() && attn_mask.is_floating_point()
                         ? detail::autocast_to_lower(attn_mask)
                         : attn_mask;
    if (!q.is_same(query) || !k.is_same(key) || !v.is_same(value) ||
        (m.defined() && !m.is_same(attn_mask)))
      return scaled_dot_product_attention(q, k, v, m, dropout_p, is_causal, scale);
  }
  const Shapes sh = check_inputs(query, key, value, attn_mask, dropout_p, is_causal);
  // 16 bits: the attention in float32 on float32 copies, the output rounded once (the fused
  // kernels are float32/float64; PyTorch's CPU kernels also accumulate 16-bit attention in
  // float32).
  if (isReducedFloatingType(query.scalar_type())) {
    const auto up = [](const Tensor& t) {
      return t.defined() && t.is_floating_point() ? t.to(kFloat) : t;
    };
    autocast float32(kCPU, kBFloat16, /*enabled=*/false);  // or autocast would cast them back
    return scaled_dot_product_attention(up(query), up(key), up(value), up(attn_mask), dropout_p,
                                        is_causal, scale)
        .to(query.scalar_type());
  }
  if (dropout_p == 0 && !(attn_mask.defined() && needs_grad(attn_mask))) {
    const Tensor bias = bias_of(attn_mask, false, query, sh.L, sh.S);
    Fused f = fused_forward(query, key, value, bias, is_causal, scale_of(scale, sh.E), sh);
    if (f.out.defined()) return f.out;
  }
  return std::get<0>(_scaled_dot_product_attention_math(query, key, value, attn_mask, dropout_p,
                                                        is_causal, scale));
}

Tensor one_hot(const Tensor& self, int64_t num_classes) {
  check_defined(self, "one_hot");
  NABLA_CHECK(self.scalar_type() == kLong,
              "[one_hot] is only applicable to index tensors (int64), got {}", self.scalar_type());
  NABLA_CHECK(num_classes >= -1, "[one_hot] num_classes must be -1 or >= 0, got {}", num_classes);
  if (self.numel() > 0) {
    const int64_t lo = self.min().item<int64_t>(), hi = self.max().item<int64_t>();
    NABLA_CHECK(lo >= 0, "[one_hot] class values must be non-negative, got {}", lo);
    if (num_classes == -1) num_classes = hi + 1;
    NABLA_CHECK(hi < num_classes,
                "[one_hot] class values must be smaller than num_classes {}, got {} (input {})",
                num_classes, hi, self.sizes());
  } else {
    NABLA_CHECK(num_classes > 0,
                "[one_hot] can not infer the number of classes from an empty tensor {}",
                self.sizes());
  }
  return eq(self.unsqueeze(-1), arange(num_classes, TensorOptions().device(self.device())))
      .to(kLong);
}

}  // namespace nabla
