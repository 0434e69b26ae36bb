// Vector and matrix norms (torch.linalg.vector_norm, matrix_norm, norm) and the distances built
// on them (cdist, cosine_similarity, pairwise_distance, nn::functional::normalize). Compositions
// of differentiable ops: the vector norm is Tensor::norm (src/ops/reduce.cpp, with its backward),
// the matrix norms are a column or row sum of |A| followed by a max or min. cdist has its own
// node, so that the [P, R, M] differences are never all held at once.
#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "nabla/nn/functional.h"
#include "ops/autocast.h"
#include "ops/op_helpers.h"

namespace nabla {

namespace {

using detail::check_defined;
using detail::wrap_dim;

// dim, or every dim when it is absent or empty.
std::vector<int64_t> dims_or_all(const Tensor& self, OptionalIntArrayRef dim) {
  if (dim && !dim->empty()) return std::vector<int64_t>(dim->begin(), dim->end());
  std::vector<int64_t> all(static_cast<size_t>(self.dim()));
  for (int64_t d = 0; d < self.dim(); ++d) all[static_cast<size_t>(d)] = d;
  return all;
}

// The input, converted to `dtype` when given; floating point required.
Tensor floating_input(const Tensor& self, std::optional<ScalarType> dtype, const char* op) {
  check_defined(self, op);
  if (dtype) {
    NABLA_CHECK(isFloatingType(*dtype), "[{}] dtype must be a floating point type, got {}", op,
                *dtype);
  }
  const Tensor x = dtype ? self.to(*dtype) : self;
  NABLA_CHECK(x.is_floating_point(),
              "[{}] expected a floating point input, got dtype {} (pass a floating dtype)", op,
              x.scalar_type());
  return x;
}

// The two dims of a matrix norm, wrapped, distinct, of an input with at least two dims.
std::pair<int64_t, int64_t> matrix_dims(const Tensor& A, IntArrayRef dim) {
  NABLA_CHECK(A.dim() >= 2,
              "[linalg.matrix_norm] expected a tensor with 2 or more dimensions, got shape {}",
              A.sizes());
  NABLA_CHECK(dim.size() == 2, "[linalg.matrix_norm] dim must have two dims, got {}", dim);
  const int64_t d0 = wrap_dim(dim[0], A.dim(), "linalg.matrix_norm");
  const int64_t d1 = wrap_dim(dim[1], A.dim(), "linalg.matrix_norm");
  NABLA_CHECK(d0 != d1, "[linalg.matrix_norm] dims must be different, got {}", dim);
  return {d0, d1};
}

// The singular values [*, k] of the matrices over dims d0, d1 (the others in order).
Tensor singular_values(const Tensor& x, int64_t d0, int64_t d1) {
  return linalg_svdvals(x.movedim({d0, d1}, {-2, -1}));
}

// A reduction over the matrix dims d0, d1 with those dims put back as 1s when `keepdim`.
Tensor keep_matrix_dims(const Tensor& r, int64_t d0, int64_t d1, bool keepdim) {
  return keepdim ? r.unsqueeze(std::min(d0, d1)).unsqueeze(std::max(d0, d1)) : r;
}

}  // namespace

Tensor linalg_vector_norm(const Tensor& self, const Scalar& ord, OptionalIntArrayRef dim,
                          bool keepdim, std::optional<ScalarType> dtype) {
  const Tensor x = floating_input(self, dtype, "linalg.vector_norm");
  const std::vector<int64_t> dims = dims_or_all(x, dim);
  if (std::isinf(ord.toDouble())) {
    for (int64_t d : dims) {
      const int64_t w = wrap_dim(d, x.dim(), "linalg.vector_norm");
      NABLA_CHECK(x.dim() == 0 || x.size(w) > 0,
                  "[linalg.vector_norm] ord {} of an empty dim ({} of shape {}): the maximum of "
                  "nothing is not defined",
                  ord.toDouble(), d, x.sizes());
    }
  }
  return x.norm(ord, dims, keepdim);
}

Tensor linalg_matrix_norm(const Tensor& A, const Scalar& ord, IntArrayRef dim, bool keepdim,
                          std::optional<ScalarType> dtype) {
  const Tensor x = floating_input(A, dtype, "linalg.matrix_norm");
  auto [d0, d1] = matrix_dims(x, dim);
  const double o = ord.toDouble();
  NABLA_CHECK(std::abs(o) == 1 || std::abs(o) == 2 || std::isinf(o),
              "[linalg.matrix_norm] order {} is not a matrix norm (1, -1, 2, -2, inf, -inf, "
              "'fro', 'nuc')",
              o);
  if (std::abs(o) == 2) {  // the largest or smallest singular value
    NABLA_CHECK(std::min(x.size(d0), x.size(d1)) > 0,
                "[linalg.matrix_norm] order {} of an empty matrix (shape {}): it has no singular "
                "values",
                o, x.sizes());
    const Tensor values = singular_values(x, d0, d1);
    return keep_matrix_dims(o > 0 ? values.amax({-1}) : values.amin({-1}), d0, d1, keepdim);
  }
  // ord 1 sums |A| down the columns (over d0) and takes the max over d1; inf is the same on
  // the transpose.
  if (std::isinf(o)) std::swap(d0, d1);
  NABLA_CHECK(x.size(d1) > 0,
              "[linalg.matrix_norm] order {} of a matrix with no {} (shape {}): the maximum of "
              "nothing is not defined",
              o, std::isinf(o) ? "rows" : "columns", x.sizes());
  if (!keepdim && d0 < d1) --d1;  // the sum removed d0
  const Tensor sums = x.abs().sum({d0}, keepdim);
  return o > 0 ? sums.amax({d1}, keepdim) : sums.amin({d1}, keepdim);
}

Tensor linalg_matrix_norm(const Tensor& A, std::string_view ord, IntArrayRef dim, bool keepdim,
                          std::optional<ScalarType> dtype) {
  const Tensor x = floating_input(A, dtype, "linalg.matrix_norm");
  const auto [d0, d1] = matrix_dims(x, dim);
  if (ord == "nuc") return keep_matrix_dims(singular_values(x, d0, d1).sum({-1}), d0, d1, keepdim);
  NABLA_CHECK(ord == "fro", "[linalg.matrix_norm] order '{}' is not a matrix norm ('fro', 'nuc')",
              std::string(ord));
  return x.norm(2, {d0, d1}, keepdim);
}

Tensor linalg_norm(const Tensor& self, const std::optional<Scalar>& ord, OptionalIntArrayRef dim,
                   bool keepdim, std::optional<ScalarType> dtype) {
  check_defined(self, "linalg.norm");
  if (dim) {
    NABLA_CHECK(dim->size() == 1 || dim->size() == 2,
                "[linalg.norm] dim must have one or two dims, got {}", *dim);
  } else if (ord) {
    NABLA_CHECK(self.dim() == 1 || self.dim() == 2,
                "[linalg.norm] with ord and without dim the input must be 1-D or 2-D, got shape {}",
                self.sizes());
  }
  const bool matrix = ord && ((dim && dim->size() == 2) || (!dim && self.dim() == 2));
  if (matrix) return linalg_matrix_norm(self, *ord, dim ? *dim : IntArrayRef{0, 1}, keepdim, dtype);
  return linalg_vector_norm(self, ord.value_or(Scalar(2)), dim, keepdim, dtype);
}

Tensor linalg_norm(const Tensor& self, std::string_view ord, OptionalIntArrayRef dim, bool keepdim,
                   std::optional<ScalarType> dtype) {
  check_defined(self, "linalg.norm");
  if (dim) {
    NABLA_CHECK(dim->size() == 2,
                "[linalg.norm] ord '{}' is a matrix norm: dim must have two "
                "dims, got {}",
                std::string(ord), *dim);
  } else {
    NABLA_CHECK(self.dim() == 2,
                "[linalg.norm] ord '{}' without dim needs a 2-D input, got shape {}",
                std::string(ord), self.sizes());
  }
  return linalg_matrix_norm(self, ord, dim ? *dim : IntArrayRef{0, 1}, keepdim, dtype);
}

namespace linalg {
Tensor vector_norm(const Tensor& self, Scalar ord, OptionalIntArrayRef dim, bool keepdim,
                   std::optional<ScalarType> dtype) {
  return linalg_vector_norm(self, ord, dim, keepdim, dtype);
}
Tensor matrix_norm(const Tensor& self, const Scalar& ord, IntArrayRef dim, bool keepdim,
                   std::optional<ScalarType> dtype) {
  return linalg_matrix_norm(self, ord, dim, keepdim, dtype);
}
Tensor matrix_norm(const Tensor& self, std::string ord, IntArrayRef dim, bool keepdim,
                   std::optional<ScalarType> dtype) {
  return linalg_matrix_norm(self, std::string_view(ord), dim, keepdim, dtype);
}
Tensor norm(const Tensor& self, const std::optional<Scalar>& ord, OptionalIntArrayRef dim,
            bool keepdim, std::optional<ScalarType> dtype) {
  return nabla::linalg_norm(self, ord, dim, keepdim, dtype);
}
Tensor norm(const Tensor& self, std::string_view ord, OptionalIntArrayRef dim, bool keepdim,
            std::optional<ScalarType> dtype) {
  return nabla::linalg_norm(self, ord, dim, keepdim, dtype);
}
Tensor linalg_norm(const Tensor& self, const std::optional<Scalar>& ord, OptionalIntArrayRef dim,
                   bool keepdim, std::optional<ScalarType> dtype) {
  return nabla::linalg_norm(self, ord, dim, keepdim, dtype);
}
Tensor linalg_norm(const Tensor& self, std::string_view ord, OptionalIntArrayRef dim, bool keepdim,
                   std::optional<ScalarType> dtype) {
  return nabla::linalg_norm(self, ord, dim, keepdim, dtype);
}
}  // namespace linalg

// ---- cdist ---------------------------------------------------------------------------------

namespace {

// Rows of x1 per block of the direct cdist: a block's differences [*, rows, R, M] hold at most
// about this many elements, whatever P is.
constexpr int64_t kCdistBlockElems = int64_t{1} << 20;

int64_t cdist_block_rows(const Tensor& x1, const Tensor& x2) {
  const int64_t batch = x1.numel() / std::max<int64_t>(x1.size(-2) * x1.size(-1), 1);
  const int64_t per_row = std::max<int64_t>(batch * x2.size(-2) * x2.size(-1), 1);
  return std::max<int64_t>(1, kCdistBlockElems / per_row);
}

// fn(first row, rows) over the rows of x1 in blocks.
template <class Fn>
void for_each_row_block(const Tensor& x1, const Tensor& x2, Fn fn) {
  const int64_t rows = x1.size(-2), step = cdist_block_rows(x1, x2);
  for (int64_t i = 0; i < rows; i += step) fn(i, std::min(step, rows - i));
}

// x1 [*, rows, M], x2 [*, R, M] -> x1_i - x2_j, [*, rows, R, M].
Tensor differences(const Tensor& x1, const Tensor& x2) {
  return x1.unsqueeze(-2) - x2.unsqueeze(-3);
}

// ||x1_i - x2_j||_p block by block of x1's rows (a, b: batch dims already expanded alike). The
// node's backward is norm_backward of each block's differences, summed over R for x1 and over
// P for x2: built from differentiable ops, so second derivatives work.
Tensor cdist_direct(const Tensor& a, const Tensor& b, double p) {
  const int64_t last = a.dim();              // the differences' dim M, in [*, rows, R, M]
  if (a.size(-2) == 0 || b.size(-2) == 0) {  // no pairs
    std::vector<int64_t> shape(a.sizes().begin(), a.sizes().end() - 1);
    shape.push_back(b.size(-2));
    return zeros(shape, a.options());
  }
  std::vector<Tensor> blocks;
  {
    NoGradGuard no_grad;
    for_each_row_block(a, b, [&](int64_t i, int64_t rows) {
      blocks.push_back(differences(a.narrow(-2, i, rows), b).norm(p, {last}));
    });
  }
  Tensor result = blocks.size() == 1 ? blocks[0] : cat(blocks, -2);
  if (autograd::needs_grad(a, b)) {
    autograd::record(
        "CdistBackward0", {result}, {a, b},
        [a = autograd::SavedTensor(a, false), b = autograd::SavedTensor(b, false),
         result = autograd::SavedTensor(result, true), p,
         last](const autograd::variable_list& grads, const autograd::Node& node) {
          const Tensor x1 = a.unpack(node), x2 = b.unpack(node), r = result.unpack(node);
          std::vector<Tensor> g1;
          Tensor g2 = zeros_like(x2);
          for_each_row_block(x1, x2, [&](int64_t i, int64_t rows) {
            const Tensor d = differences(x1.narrow(-2, i, rows), x2);
            const Tensor w = detail::norm_backward(grads[0].narrow(-2, i, rows), d,
                                                   r.narrow(-2, i, rows), p, {last}, false);
            g1.push_back(w.sum({-2}));
            g2 = g2 - w.sum({-3});
          });
          return autograd::variable_list{g1.size() == 1 ? g1[0] : cat(g1, -2), g2};
        });
  }
  return result;
}

// PyTorch's _euclidean_dist: |x1_i|^2 - 2 x1_i . x2_j + |x2_j|^2 as one batched product of
// [x1 * -2, |x1|^2, 1] and [x2, 1, |x2|^2], clamped at 0 before the square root.
Tensor cdist_by_products(const Tensor& x1, const Tensor& x2) {
  const Tensor n1 = x1.pow(2).sum({-1}, true), n2 = x2.pow(2).sum({-1}, true);
  const Tensor a = cat({x1 * -2, n1, ones_like(n1)}, -1);
  const Tensor b = cat({x2, ones_like(n2), n2}, -1);
  return a.matmul(b.transpose(-2, -1)).clamp_min(0).sqrt();
}

}  // namespace

Tensor cdist(const Tensor& x1, const Tensor& x2, double p, std::optional<int64_t> compute_mode) {
  check_defined(x1, "cdist", "x1");
  check_defined(x2, "cdist", "x2");
  if (detail::autocast_enabled()) {
    // In float32 throughout, as on PyTorch's autocast list: |x1|^2 - 2 x1 . x2 + |x2|^2
    // cancels, which a 16-bit product would not survive.
    const Tensor a = detail::autocast_to_float(x1), b = detail::autocast_to_float(x2);
    autocast float32_inside(kCPU, autocast::get_autocast_cpu_dtype(), /*enabled=*/false);
    return cdist(a, b, p, compute_mode);
  }
  NABLA_CHECK(x1.is_floating_point() && x1.scalar_type() == x2.scalar_type(),
              "[cdist] expected x1 and x2 of one floating point dtype, got {} and {}",
              x1.scalar_type(), x2.scalar_type());
  NABLA_CHECK(x1.dim() >= 2 && x2.dim() >= 2,
              "[cdist] expected x1 and x2 with at least 2 dims, got shapes {} and {}", x1.sizes(),
              x2.sizes());
  NABLA_CHECK(x1.size(-1) == x2.size(-1),
              "[cdist] x1 and x2 must have the same number of columns, got shapes {} and {}",
              x1.sizes(), x2.sizes());
  NABLA_CHECK(p >= 0, "[cdist] p must be non-negative, got {}", p);
  NABLA_CHECK(!compute_mode || (*compute_mode >= 0 && *compute_mode <= 2),
              "[cdist] compute_mode must be 0 (use_mm_for_euclid_dist_if_necessary), 1 "
              "(use_mm_for_euclid_dist) or 2 (donot_use_mm_for_euclid_dist), got {}",
              *compute_mode);
  // Batch dims broadcast; the matrices keep their own rows.
  const std::vector<int64_t> batch =
      broadcast_shapes(x1.sizes().slice(0, static_cast<size_t>(x1.dim() - 2)),
                       x2.sizes().slice(0, static_cast<size_t>(x2.dim() - 2)), "cdist");
  std::vector<int64_t> s1 = batch, s2 = batch;
  s1.insert(s1.end(), {x1.size(-2), x1.size(-1)});
  s2.insert(s2.end(), {x2.size(-2), x2.size(-1)});
  const Tensor a = x1.expand(s1), b = x2.expand(s2);
  const int64_t mode = compute_mode.value_or(0);
  const bool by_products =
      p == 2 && (mode == 1 || (mode == 0 && (a.size(-2) > 25 || b.size(-2) > 25)));
  return by_products ? cdist_by_products(a, b) : cdist_direct(a, b, p);
}

// PyTorch's formula (ATen's cosine_similarity): each input divided by its 2-norm along dim,
// clamped below at eps, then the products summed. The clamp is outside the graph (a norm under
// eps still passes its gradient), as PyTorch's clamp_min_ under no_grad.
Tensor cosine_similarity(const Tensor& x1, const Tensor& x2, int64_t dim, double eps) {
  check_defined(x1, "cosine_similarity", "x1");
  check_defined(x2, "cosine_similarity", "x2");
  NABLA_CHECK(x1.is_floating_point() && x2.is_floating_point(),
              "[cosine_similarity] expected floating point inputs, got {} and {}", x1.scalar_type(),
              x2.scalar_type());
  const std::vector<int64_t> shape = broadcast_shapes(x1.sizes(), x2.sizes(), "cosine_similarity");
  const Tensor a = x1.expand(shape), b = x2.expand(shape);
  const int64_t d = wrap_dim(dim, static_cast<int64_t>(shape.size()), "cosine_similarity");
  const auto scaled = [&](const Tensor& x) {
    const Tensor n = x.norm(2, {d}, /*keepdim=*/true);
    const Tensor floor = (n.detach().clamp_min(eps) - n.detach());  // 0 unless n < eps
    return x / (n + floor);
  };
  return (scaled(a) * scaled(b)).sum({d});
}

Tensor pairwise_distance(const Tensor& x1, const Tensor& x2, double p, double eps, bool keepdim) {
  check_defined(x1, "pairwise_distance", "x1");
  check_defined(x2, "pairwise_distance", "x2");
  const int64_t last = std::max(x1.dim(), x2.dim()) - 1;
  NABLA_CHECK(last >= 0,
              "[pairwise_distance] expected inputs with at least one dim, got shapes "
              "{} and {}",
              x1.sizes(), x2.sizes());
  return (x1 - x2 + eps).norm(p, {last}, keepdim);
}

namespace nn::functional {
Tensor normalize(const Tensor& input, const NormalizeFuncOptions& options) {
  check_defined(input, "normalize", "input");
  const Tensor n = input.norm(options.p(), {options.dim()}, /*keepdim=*/true);
  return input / n.clamp_min(options.eps());
}
Tensor cosine_similarity(const Tensor& x1, const Tensor& x2,
                         const CosineSimilarityFuncOptions& options) {
  return nabla::cosine_similarity(x1, x2, options.dim(), options.eps());
}
Tensor pairwise_distance(const Tensor& x1, const Tensor& x2,
                         const PairwiseDistanceFuncOptions& options) {
  return nabla::pairwise_distance(x1, x2, options.p(), options.eps(), options.keepdim());
}
}  // namespace nn::functional

}  // namespace nabla
