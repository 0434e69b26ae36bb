// Contractions that LibTorch programs write in one call: einsum, tensordot, kron, cross, baddbmm
// and addbmm. Each is composed of views, bmm, mul and sum, so the gradients (and double
// backward) come from those primitives; einsum contracts its operands pairwise through bmm, as
// PyTorch's does, never materializing the product of all labels.
#include <algorithm>
#include <array>
#include <functional>
#include <string>

#include "ops/op_helpers.h"

namespace nabla {

using namespace detail;  // NOLINT: op helpers

// ---- einsum ----------------------------------------------------------------------------

namespace {

// Labels: 'A'-'Z' -> 0-25, 'a'-'z' -> 26-51 (so an implicit output lists upper case first, as
// PyTorch's does); the dims an ellipsis covers get 52, 53, ... aligned from the right.
constexpr int kLetters = 52;

int letter_label(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  return -1;
}

// One side of the equation: its letters' labels in order, and where the ellipsis sits (-1:
// none), as the number of letters before it.
struct Term {
  std::vector<int> letters;
  int ellipsis_at = -1;
};

Term parse_term(const std::string& text, const std::string& equation) {
  Term term;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text.compare(i, 3, "...") == 0) {
      NABLA_CHECK(term.ellipsis_at < 0, "[einsum] more than one ellipsis in a term of \"{}\"",
                  equation);
      term.ellipsis_at = static_cast<int>(term.letters.size());
      i += 2;
      continue;
    }
    const int label = letter_label(text[i]);
    NABLA_CHECK(label >= 0,
                "[einsum] invalid character '{}' in \"{}\": terms are letters and '...'", text[i],
                equation);
    term.letters.push_back(label);
  }
  return term;
}

// The labels of an operand's dims, the ellipsis expanded to `ell` trailing-aligned labels of
// the `max_ell` the equation has.
std::vector<int> dim_labels(const Term& term, int64_t ell, int64_t max_ell) {
  std::vector<int> labels;
  for (int i = 0; i <= static_cast<int>(term.letters.size()); ++i) {
    if (i == term.ellipsis_at)
      for (int64_t e = max_ell - ell; e < max_ell; ++e) labels.push_back(kLetters + int(e));
    if (i < static_cast<int>(term.letters.size())) labels.push_back(term.letters[size_t(i)]);
  }
  return labels;
}

// An operand with one dim per distinct label: a label repeated within it ("ii") becomes the
// diagonal of those dims.
struct Operand {
  Tensor t;
  std::vector<int> labels;
};

Operand take_diagonals(Tensor t, std::vector<int> labels, const std::string& equation) {
  for (size_t i = 0; i < labels.size(); ++i) {
    for (size_t j = i + 1; j < labels.size();) {
      if (labels[j] != labels[i]) {
        ++j;
        continue;
      }
      NABLA_CHECK(t.size(int64_t(i)) == t.size(int64_t(j)),
                  "[einsum] subscript {} is repeated for an operand in \"{}\" but the sizes "
                  "don't match, {} != {}",
                  labels[i] < 26 ? char('A' + labels[i]) : char('a' + labels[i] - 26), equation,
                  t.size(int64_t(i)), t.size(int64_t(j)));
      // diagonal() appends the merged dim last; move it back to i.
      t = t.diagonal(0, int64_t(i), int64_t(j)).movedim(-1, int64_t(i));
      labels.erase(labels.begin() + static_cast<std::ptrdiff_t>(j));
    }
  }
  return {t, labels};
}

// a and b contracted over the labels they share that `keep` does not list; labels only one of
// them has and `keep` does not list are summed out first. Result labels: the shared kept ones,
// then a's own, then b's own.
Operand contract_pair(Operand a, Operand b, const std::vector<bool>& keep) {
  auto has = [](const Operand& o, int l) {
    return std::find(o.labels.begin(), o.labels.end(), l) != o.labels.end();
  };
  auto sum_out_unkept = [&](Operand& o, const Operand& other) {
    std::vector<int64_t> dims;
    std::vector<int> left;
    for (size_t i = 0; i < o.labels.size(); ++i) {
      if (!keep[size_t(o.labels[i])] && !has(other, o.labels[i]))
        dims.push_back(int64_t(i));
      else
        left.push_back(o.labels[i]);
    }
    if (!dims.empty()) o = {o.t.sum(dims), left};
  };
  sum_out_unkept(a, b);
  sum_out_unkept(b, a);
  std::vector<int> batch, contracted, a_own, b_own;
  for (int l : a.labels) {
    if (!has(b, l))
      a_own.push_back(l);
    else if (keep[size_t(l)])
      batch.push_back(l);
    else
      contracted.push_back(l);
  }
  for (int l : b.labels)
    if (!has(a, l)) b_own.push_back(l);
  auto position = [](const Operand& o, int l) {
    return int64_t(std::find(o.labels.begin(), o.labels.end(), l) - o.labels.begin());
  };
  // Shared dims broadcast (an ellipsis dim of 1 against n): both expanded to the larger size.
  auto size_of = [&](int l) {
    return std::max(a.t.size(position(a, l)), b.t.size(position(b, l)));
  };
  auto arrange = [&](const Operand& o, const std::vector<int>& first, const std::vector<int>& own,
                     bool own_before_contracted) {
    std::vector<int64_t> order, shape;
    auto add = [&](const std::vector<int>& ls, bool shared) {
      for (int l : ls) {
        order.push_back(position(o, l));
        shape.push_back(shared ? size_of(l) : o.t.size(position(o, l)));
      }
    };
    add(first, true);
    if (own_before_contracted) {
      add(own, false);
      add(contracted, true);
    } else {
      add(contracted, true);
      add(own, false);
    }
    return o.t.permute(order).expand(shape);
  };
  auto numel_of = [&](const std::vector<int>& ls, const Operand& o, bool shared) {
    int64_t n = 1;
    for (int l : ls) n *= shared ? size_of(l) : o.t.size(position(o, l));
    return n;
  };
  const int64_t nb = numel_of(batch, a, true), nk = numel_of(contracted, a, true),
                m = numel_of(a_own, a, false), n = numel_of(b_own, b, false);
  const Tensor a3 = arrange(a, batch, a_own, true).reshape({nb, m, nk});
  const Tensor b3 = arrange(b, batch, b_own, false).reshape({nb, nk, n});
  std::vector<int64_t> shape;
  std::vector<int> labels;
  for (int l : batch) {
    shape.push_back(size_of(l));
    labels.push_back(l);
  }
  for (int l : a_own) {
    shape.push_back(a.t.size(position(a, l)));
    labels.push_back(l);
  }
  for (int l : b_own) {
    shape.push_back(b.t.size(position(b, l)));
    labels.push_back(l);
  }
  return {a3.bmm(b3).reshape(shape), labels};
}

}  // namespace

Tensor einsum(std::string_view equation_view, TensorList tensors) {
  std::string equation;
  for (char c : equation_view)
    if (c != ' ') equation.push_back(c);
  NABLA_CHECK(!tensors.empty(), "[einsum] must provide at least one operand");
  const size_t arrow = equation.find("->");
  const std::string lhs = equation.substr(0, arrow);
  std::vector<Term> terms;
  for (size_t start = 0;;) {
    const size_t comma = lhs.find(',', start);
    terms.push_back(parse_term(lhs.substr(start, comma - start), equation));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  NABLA_CHECK(terms.size() == tensors.size(),
              "[einsum] the equation \"{}\" has {} operands but {} tensors were given", equation,
              terms.size(), tensors.size());
  // The ellipsis dims of each operand, and the most any has.
  std::vector<int64_t> ells(terms.size(), 0);
  int64_t max_ell = 0;
  for (size_t i = 0; i < terms.size(); ++i) {
    check_defined(tensors[i], "einsum", "operand");
    if (i > 0) check_same_device(tensors[0], tensors[i], "einsum");
    const int64_t letters = int64_t(terms[i].letters.size());
    const bool has_ellipsis = terms[i].ellipsis_at >= 0;
    NABLA_CHECK(has_ellipsis ? tensors[i].dim() >= letters : tensors[i].dim() == letters,
                "[einsum] the term for operand {} of \"{}\" names {} dims{} but the operand has "
                "shape {}",
                i, equation, letters, has_ellipsis ? " and an ellipsis" : "", tensors[i].sizes());
    ells[i] = tensors[i].dim() - letters;
    max_ell = std::max(max_ell, ells[i]);
  }
  // The output's labels: given after "->", or the ellipsis then the letters used once.
  std::vector<int> out_labels;
  std::array<int, kLetters> uses{};
  for (const Term& t : terms)
    for (int l : t.letters) ++uses[size_t(l)];
  if (arrow != std::string::npos) {
    const Term out = parse_term(equation.substr(arrow + 2), equation);
    for (int l : out.letters) {
      NABLA_CHECK(uses[size_t(l)] > 0,
                  "[einsum] output subscript {} of \"{}\" does not appear in the input terms",
                  l < 26 ? char('A' + l) : char('a' + l - 26), equation);
      NABLA_CHECK(std::count(out.letters.begin(), out.letters.end(), l) == 1,
                  "[einsum] output subscript {} of \"{}\" appears more than once",
                  l < 26 ? char('A' + l) : char('a' + l - 26), equation);
    }
    out_labels = dim_labels(out, out.ellipsis_at >= 0 ? max_ell : 0, max_ell);
    NABLA_CHECK(out.ellipsis_at >= 0 || max_ell == 0 ||
                    std::all_of(ells.begin(), ells.end(), [](int64_t e) { return e == 0; }),
                "[einsum] the output of \"{}\" must have an ellipsis when the inputs have one",
                equation);
  } else {
    for (int64_t e = 0; e < max_ell; ++e) out_labels.push_back(kLetters + int(e));
    for (int l = 0; l < kLetters; ++l)
      if (uses[size_t(l)] == 1) out_labels.push_back(l);
  }
  std::vector<Operand> ops;
  for (size_t i = 0; i < terms.size(); ++i)
    ops.push_back(take_diagonals(tensors[i], dim_labels(terms[i], ells[i], max_ell), equation));
  // Label sizes must agree (1 broadcasts).
  std::vector<int64_t> label_size(size_t(kLetters + max_ell), -1);
  for (const Operand& o : ops) {
    for (size_t d = 0; d < o.labels.size(); ++d) {
      int64_t& s = label_size[size_t(o.labels[d])];
      const int64_t here = o.t.size(int64_t(d));
      NABLA_CHECK(s < 0 || s == here || s == 1 || here == 1,
                  "[einsum] operands do not broadcast in \"{}\": a subscript has sizes {} and {}",
                  equation, s, here);
      if (s < 0 || s == 1) s = here;
    }
  }
  // Left to right, each pair keeping the labels the output or a later operand needs.
  Operand acc = ops[0];
  for (size_t i = 1; i < ops.size(); ++i) {
    std::vector<bool> keep(label_size.size(), false);
    for (int l : out_labels) keep[size_t(l)] = true;
    for (size_t j = i + 1; j < ops.size(); ++j)
      for (int l : ops[j].labels) keep[size_t(l)] = true;
    acc = contract_pair(acc, ops[i], keep);
  }
  // What is left: labels the output does not list are summed, then the output's order.
  std::vector<int64_t> summed;
  std::vector<int> left;
  for (size_t d = 0; d < acc.labels.size(); ++d) {
    if (std::find(out_labels.begin(), out_labels.end(), acc.labels[d]) == out_labels.end())
      summed.push_back(int64_t(d));
    else
      left.push_back(acc.labels[d]);
  }
  // Every output label is some operand's (the widest ellipsis covers all ellipsis labels).
  std::vector<int64_t> order;
  for (int l : out_labels)
    order.push_back(int64_t(std::find(left.begin(), left.end(), l) - left.begin()));
  return (summed.empty() ? acc.t : acc.t.sum(summed)).permute(order);
}

// ---- tensordot, kron, cross ------------------------------------------------------------

Tensor tensordot(const Tensor& self, const Tensor& other, IntArrayRef dims_self,
                 IntArrayRef dims_other) {
  check_defined(self, "tensordot");
  check_defined(other, "tensordot", "other");
  NABLA_CHECK(dims_self.size() == dims_other.size(),
              "[tensordot] both dimension lists should have the same length, got {} and {}",
              dims_self, dims_other);
  std::vector<bool> contracted_a(size_t(self.dim()), false),
      contracted_b(size_t(other.dim()), false);
  std::vector<int64_t> order_a, order_b, shape;
  int64_t k = 1;
  for (size_t i = 0; i < dims_self.size(); ++i) {
    const int64_t da = wrap_dim(dims_self[i], self.dim(), "tensordot"),
                  db = wrap_dim(dims_other[i], other.dim(), "tensordot");
    NABLA_CHECK(self.size(da) == other.size(db),
                "[tensordot] contracted dimensions need to match, but first has size {} in dim {} "
                "and second has size {} in dim {}",
                self.size(da), da, other.size(db), db);
    NABLA_CHECK(!contracted_a[size_t(da)] && !contracted_b[size_t(db)],
                "[tensordot] a dim is listed twice in {} or {}", dims_self, dims_other);
    contracted_a[size_t(da)] = contracted_b[size_t(db)] = true;
    k *= self.size(da);
  }
  int64_t m = 1, n = 1;
  for (int64_t d = 0; d < self.dim(); ++d)
    if (!contracted_a[size_t(d)]) {
      order_a.push_back(d);
      shape.push_back(self.size(d));
      m *= self.size(d);
    }
  for (size_t i = 0; i < dims_self.size(); ++i)
    order_a.push_back(wrap_dim(dims_self[i], self.dim(), "tensordot"));
  for (size_t i = 0; i < dims_other.size(); ++i)
    order_b.push_back(wrap_dim(dims_other[i], other.dim(), "tensordot"));
  for (int64_t d = 0; d < other.dim(); ++d)
    if (!contracted_b[size_t(d)]) {
      order_b.push_back(d);
      shape.push_back(other.size(d));
      n *= other.size(d);
    }
  return self.permute(order_a)
      .reshape({m, k})
      .mm(other.permute(order_b).reshape({k, n}))
      .reshape(shape);
}

// Block (i, j, ...) of the result is self[i, j, ...] * other: self viewed as [a0, 1, a1, 1, ...]
// times other as [1, b0, 1, b1, ...], then each pair of dims merged.
Tensor kron(const Tensor& self, const Tensor& other) {
  check_defined(self, "kron");
  check_defined(other, "kron", "other");
  const int64_t dims = std::max(self.dim(), other.dim());
  std::vector<int64_t> a_shape, b_shape, out;
  for (int64_t d = 0; d < dims; ++d) {
    const int64_t a = d < dims - self.dim() ? 1 : self.size(d - (dims - self.dim()));
    const int64_t b = d < dims - other.dim() ? 1 : other.size(d - (dims - other.dim()));
    a_shape.insert(a_shape.end(), {a, 1});
    b_shape.insert(b_shape.end(), {1, b});
    out.push_back(a * b);
  }
  return (self.reshape(a_shape) * other.reshape(b_shape)).reshape(out);
}

Tensor linalg_cross(const Tensor& self, const Tensor& other, int64_t dim) {
  check_defined(self, "linalg_cross");
  check_defined(other, "linalg_cross", "other");
  NABLA_CHECK(self.dim() == other.dim(),
              "[linalg_cross] inputs must have the same number of dimensions, got shapes {} and {}",
              self.sizes(), other.sizes());
  const std::vector<int64_t> shape = broadcast_shapes(self.sizes(), other.sizes(), "linalg_cross");
  const int64_t d = wrap_dim(dim, int64_t(shape.size()), "linalg_cross");
  NABLA_CHECK(self.size(d) == 3 && other.size(d) == 3,
              "[linalg_cross] inputs dimension {} must have length 3, got shapes {} and {}", d,
              self.sizes(), other.sizes());
  auto part = [d](const Tensor& t, int64_t i) { return t.narrow(d, i, 1); };
  const Tensor &a = self, &b = other;
  return cat({part(a, 1) * part(b, 2) - part(a, 2) * part(b, 1),
              part(a, 2) * part(b, 0) - part(a, 0) * part(b, 2),
              part(a, 0) * part(b, 1) - part(a, 1) * part(b, 0)},
             d);
}

// Without dim, LibTorch's cross takes the first dim of size 3.
Tensor cross(const Tensor& self, const Tensor& other, std::optional<int64_t> dim) {
  check_defined(self, "cross");
  check_defined(other, "cross", "other");
  if (!dim) {
    const std::vector<int64_t> shape = broadcast_shapes(self.sizes(), other.sizes(), "cross");
    for (size_t d = 0; d < shape.size() && !dim; ++d)
      if (shape[d] == 3) dim = int64_t(d);
    NABLA_CHECK(dim.has_value(), "[cross] no dimension of size 3 in input of shapes {} and {}",
                self.sizes(), other.sizes());
  }
  return linalg_cross(self, other, *dim);
}

// ---- batched products onto an addend ---------------------------------------------------

namespace {
// beta * self + alpha * product; beta == 0 ignores self (NaN in it does not propagate), as
// BLAS and PyTorch do.
Tensor scaled_sum(const Tensor& self, const Tensor& product, const Scalar& beta,
                  const Scalar& alpha, const char* op) {
  const Tensor scaled = alpha.toDouble() == 1 ? product : product * alpha;
  NABLA_CHECK(broadcast_shapes(self.sizes(), scaled.sizes(), op) == scaled.sizes().vec(),
              "[{}] self of shape {} does not broadcast to the product's shape {}", op,
              self.sizes(), scaled.sizes());
  if (beta.toDouble() == 0) return scaled.expand(scaled.sizes()).clone();
  return (beta.toDouble() == 1 ? self : self * beta) + scaled;
}
}  // namespace

Tensor baddbmm(const Tensor& self, const Tensor& batch1, const Tensor& batch2, const Scalar& beta,
               const Scalar& alpha) {
  check_defined(self, "baddbmm");
  return scaled_sum(self, batch1.bmm(batch2), beta, alpha, "baddbmm");
}

Tensor addbmm(const Tensor& self, const Tensor& batch1, const Tensor& batch2, const Scalar& beta,
              const Scalar& alpha) {
  check_defined(self, "addbmm");
  return scaled_sum(self, batch1.bmm(batch2).sum(0), beta, alpha, "addbmm");
}

// ---- multi_dot -------------------------------------------------------------------------

Tensor linalg_multi_dot(TensorList tensors) {
  const char* op = "linalg.multi_dot";
  const size_t n = tensors.size();
  NABLA_CHECK(n >= 2, "[{}] expected at least 2 tensors but got {}", op, n);
  std::vector<Tensor> chain(n);
  for (size_t i = 0; i < n; ++i) {
    const Tensor& t = tensors[i];
    check_defined(t, op, "tensors");
    const bool end = i == 0 || i + 1 == n;
    NABLA_CHECK(t.dim() == 2 || (end && t.dim() == 1),
                "[{}] tensor {} must be 2-D{}, but got {}-D (shape {})", op, i,
                end ? " or 1-D" : "", t.dim(), t.sizes());
    NABLA_CHECK(t.scalar_type() == tensors[0].scalar_type(),
                "[{}] all tensors must have the same dtype, got {} and {}", op,
                tensors[0].scalar_type(), t.scalar_type());
    chain[i] = t.dim() == 2 ? t : i == 0 ? t.unsqueeze(0) : t.unsqueeze(1);
    if (i > 0) {
      NABLA_CHECK(chain[i - 1].size(1) == chain[i].size(0),
                  "[{}] tensors {} and {} with shapes {} and {} cannot be multiplied", op, i - 1, i,
                  tensors[i - 1].sizes(), t.sizes());
    }
  }
  // The matrix-chain order: cost[i][j] is the fewest multiplications for chain[i..j], and
  // split[i][j] the k where that product is (i..k)(k+1..j).
  std::vector<int64_t> dims(n + 1);
  dims[0] = chain[0].size(0);
  for (size_t i = 0; i < n; ++i) dims[i + 1] = chain[i].size(1);
  std::vector<std::vector<int64_t>> cost(n, std::vector<int64_t>(n, 0));
  std::vector<std::vector<size_t>> split(n, std::vector<size_t>(n, 0));
  for (size_t len = 1; len < n; ++len) {
    for (size_t i = 0; i + len < n; ++i) {
      const size_t j = i + len;
      cost[i][j] = -1;
      for (size_t k = i; k < j; ++k) {
        const int64_t c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1];
        if (cost[i][j] < 0 || c < cost[i][j]) {
          cost[i][j] = c;
          split[i][j] = k;
        }
      }
    }
  }
  const std::function<Tensor(size_t, size_t)> product = [&](size_t i, size_t j) -> Tensor {
    if (i == j) return chain[i];
    return product(i, split[i][j]).mm(product(split[i][j] + 1, j));
  };
  Tensor result = product(0, n - 1);
  if (tensors[n - 1].dim() == 1) result = result.squeeze(1);
  if (tensors[0].dim() == 1) result = result.squeeze(0);
  return result;
}

namespace linalg {
Tensor multi_dot(TensorList tensors) { return linalg_multi_dot(tensors); }
}  // namespace linalg

Tensor Tensor::kron(const Tensor& other) const { return nabla::kron(*this, other); }
Tensor Tensor::cross(const Tensor& other, std::optional<int64_t> dim) const {
  return nabla::cross(*this, other, dim);
}
Tensor Tensor::baddbmm(const Tensor& batch1, const Tensor& batch2, const Scalar& beta,
                       const Scalar& alpha) const {
  return nabla::baddbmm(*this, batch1, batch2, beta, alpha);
}
Tensor Tensor::addbmm(const Tensor& batch1, const Tensor& batch2, const Scalar& beta,
                      const Scalar& alpha) const {
  return nabla::addbmm(*this, batch1, batch2, beta, alpha);
}
Tensor& Tensor::baddbmm_(const Tensor& batch1, const Tensor& batch2, const Scalar& beta,
                         const Scalar& alpha) const {
  return apply_inplace(const_cast<Tensor&>(*this), "baddbmm_", Tensor(), [&](const Tensor& v) {
    return nabla::baddbmm(v, batch1, batch2, beta, alpha);
  });
}
Tensor& Tensor::addbmm_(const Tensor& batch1, const Tensor& batch2, const Scalar& beta,
                        const Scalar& alpha) const {
  return apply_inplace(const_cast<Tensor&>(*this), "addbmm_", Tensor(), [&](const Tensor& v) {
    return nabla::addbmm(v, batch1, batch2, beta, alpha);
  });
}

}  // namespace nabla
