// Tensor manipulation that LibTorch programs reach for (masks, tiling, reordering, scans), each
// composed of nabla's primitive ops where that costs no more than a kernel would: the gradient
// then comes from the primitives, and double backward with it. cumsum has its own kernel
// (Backend::cumsum), since a composition would be quadratic.
#include <algorithm>
#include <cmath>
#include <limits>

#include "nabla/creation.h"
#include "ops/op_helpers.h"

namespace nabla {

using namespace detail;  // NOLINT: op helpers

// ---- triangles -------------------------------------------------------------------------

namespace {
// self where the (row, column) of its last two dims is on the kept side of the diagonal
// `diagonal` (0: the main one, > 0 above it, < 0 below), zeros elsewhere.
Tensor triangle(const Tensor& self, int64_t diagonal, bool lower, const char* name) {
  check_defined(self, name);
  NABLA_CHECK(self.dim() >= 2, "[{}] expected a tensor of at least 2 dims, got shape {}", name,
              self.sizes());
  const TensorOptions index_options = TensorOptions().dtype(kLong).device(self.device());
  const Tensor row = arange(self.size(-2), index_options).unsqueeze(1);
  const Tensor column = arange(self.size(-1), index_options).unsqueeze(0);
  const Tensor offset = column - row;  // [rows, cols]: which diagonal each element is on
  const Tensor keep = lower ? offset.le(diagonal) : offset.ge(diagonal);
  return where(keep, self, 0);
}
}  // namespace

Tensor tril(const Tensor& self, int64_t diagonal) { return triangle(self, diagonal, true, "tril"); }
Tensor triu(const Tensor& self, int64_t diagonal) {
  return triangle(self, diagonal, false, "triu");
}
Tensor Tensor::tril(int64_t diagonal) const { return nabla::tril(*this, diagonal); }
Tensor Tensor::triu(int64_t diagonal) const { return nabla::triu(*this, diagonal); }
Tensor& Tensor::tril_(int64_t diagonal) const {
  return apply_inplace(const_cast<Tensor&>(*this), "tril_", Tensor(),
                       [&](const Tensor& v) { return nabla::tril(v, diagonal); });
}
Tensor& Tensor::triu_(int64_t diagonal) const {
  return apply_inplace(const_cast<Tensor&>(*this), "triu_", Tensor(),
                       [&](const Tensor& v) { return nabla::triu(v, diagonal); });
}

// ---- tiling ----------------------------------------------------------------------------

// repeat: each dim d of the result is `repeats[d]` copies of self's dim one after another,
// i.e. self viewed as [1, s0, 1, s1, ...], expanded to [r0, s0, r1, s1, ...] and merged pairwise
// (one copy; expand's backward sums the copies' gradients).
Tensor Tensor::repeat(IntArrayRef repeats) const {
  check_defined(*this, "repeat");
  NABLA_CHECK(static_cast<int64_t>(repeats.size()) >= dim(),
              "[repeat] the number of repeats {} can not be smaller than the tensor's dims {}",
              repeats, sizes());
  const int64_t lead = static_cast<int64_t>(repeats.size()) - dim();
  std::vector<int64_t> pairs, expanded, result;
  for (int64_t d = 0; d < static_cast<int64_t>(repeats.size()); ++d) {
    NABLA_CHECK(repeats[d] >= 0, "[repeat] repeats must be non-negative, got {}", repeats);
    const int64_t size = d < lead ? 1 : this->size(d - lead);
    pairs.insert(pairs.end(), {1, size});
    expanded.insert(expanded.end(), {repeats[d], size});
    result.push_back(repeats[d] * size);
  }
  return reshape(pairs).expand(expanded).reshape(result);
}
Tensor repeat(const Tensor& self, IntArrayRef repeats) { return self.repeat(repeats); }

// tile: repeat, with missing leading repeats taken as 1 (NumPy's rule).
Tensor tile(const Tensor& self, IntArrayRef dims) {
  check_defined(self, "tile");
  std::vector<int64_t> repeats(std::max<int64_t>(0, self.dim() - static_cast<int64_t>(dims.size())),
                               1);
  repeats.insert(repeats.end(), dims.begin(), dims.end());
  return self.repeat(repeats);
}
Tensor Tensor::tile(IntArrayRef dims) const { return nabla::tile(*this, dims); }

// repeat_interleave: each element (slice along dim) `repeats` times in a row. Without dim,
// over the flattened tensor.
Tensor repeat_interleave(const Tensor& self, int64_t repeats, std::optional<int64_t> dim) {
  check_defined(self, "repeat_interleave");
  NABLA_CHECK(repeats >= 0, "[repeat_interleave] repeats must be non-negative, got {}", repeats);
  const Tensor input = dim ? self : self.reshape({-1});
  const int64_t d = wrap_dim(dim.value_or(0), input.dim(), "repeat_interleave");
  std::vector<int64_t> expanded = input.sizes().vec();
  expanded.insert(expanded.begin() + d + 1, repeats);
  return input.unsqueeze(d + 1).expand(expanded).flatten(d, d + 1);
}
// With a count per slice: the slices picked by index_select (whose backward adds the copies).
Tensor repeat_interleave(const Tensor& self, const Tensor& repeats, std::optional<int64_t> dim) {
  check_defined(self, "repeat_interleave");
  const Tensor input = dim ? self : self.reshape({-1});
  const int64_t d = wrap_dim(dim.value_or(0), input.dim(), "repeat_interleave");
  const int64_t n = input.size(d);
  NABLA_CHECK(repeats.dim() <= 1 && !repeats.is_floating_point() &&
                  (repeats.numel() == 1 || repeats.numel() == n),
              "[repeat_interleave] repeats must be one integer or one per slice ({} along dim "
              "{}), got shape {} of dtype {}",
              n, d, repeats.sizes(), repeats.scalar_type());
  if (repeats.numel() == 1) return repeat_interleave(self, repeats.item<int64_t>(), dim);
  return input.index_select(d, repeat_interleave(repeats).to(input.device()));
}
// The indices 0, 1, ... each repeated its count: repeat_interleave(tensor({2, 0, 1})) is
// [0, 0, 2].
Tensor repeat_interleave(const Tensor& repeats) {
  check_defined(repeats, "repeat_interleave");
  NABLA_CHECK(repeats.dim() == 1 && !repeats.is_floating_point(),
              "[repeat_interleave] repeats must be a 1-D integer tensor, got shape {} of dtype {}",
              repeats.sizes(), repeats.scalar_type());
  const Tensor counts = repeats.to(kLong).to(Device(DeviceType::CPU)).contiguous();
  const int64_t* c = counts.data_ptr<int64_t>();
  std::vector<int64_t> index;
  for (int64_t i = 0; i < counts.numel(); ++i) {
    NABLA_CHECK(c[i] >= 0, "[repeat_interleave] repeats must be non-negative, got {} at {}", c[i],
                i);
    index.insert(index.end(), static_cast<size_t>(c[i]), i);
  }
  return tensor(index, TensorOptions().dtype(kLong)).to(repeats.device());
}
Tensor Tensor::repeat_interleave(int64_t repeats, std::optional<int64_t> dim) const {
  return nabla::repeat_interleave(*this, repeats, dim);
}
Tensor Tensor::repeat_interleave(const Tensor& repeats, std::optional<int64_t> dim) const {
  return nabla::repeat_interleave(*this, repeats, dim);
}

// ---- reordering ------------------------------------------------------------------------

namespace {
// The dims of `dims` wrapped into [0, ndim), each at most once.
std::vector<int64_t> unique_dims(IntArrayRef dims, int64_t ndim, const char* name) {
  std::vector<int64_t> out;
  for (int64_t d : dims) {
    const int64_t w = wrap_dim(d, ndim, name);
    NABLA_CHECK(std::find(out.begin(), out.end(), w) == out.end(),
                "[{}] dim {} appears more than once in {}", name, w, dims);
    out.push_back(w);
  }
  return out;
}
}  // namespace

// flip: each listed dim read backwards (index_select with a descending index).
Tensor flip(const Tensor& self, IntArrayRef dims) {
  check_defined(self, "flip");
  Tensor result = self;
  for (int64_t d : unique_dims(dims, self.dim(), "flip")) {
    const int64_t n = result.size(d);
    result = result.index_select(
        d, arange(n - 1, -1, -1, TensorOptions().dtype(kLong).device(self.device())));
  }
  return result.is_same(self) ? self.clone() : result;
}
Tensor Tensor::flip(IntArrayRef dims) const { return nabla::flip(*this, dims); }
Tensor fliplr(const Tensor& self) {
  NABLA_CHECK(self.dim() >= 2, "[fliplr] expected a tensor of at least 2 dims, got shape {}",
              self.sizes());
  return flip(self, {1});
}
Tensor flipud(const Tensor& self) {
  NABLA_CHECK(self.dim() >= 1, "[flipud] expected a tensor of at least 1 dim, got shape {}",
              self.sizes());
  return flip(self, {0});
}

// roll: elements shifted along each dim by its shift, those pushed past the end coming back
// at the start (two slices joined in the other order). Without dims, over the flattened
// tensor, and the shape restored.
Tensor roll(const Tensor& self, IntArrayRef shifts, IntArrayRef dims) {
  check_defined(self, "roll");
  if (dims.empty()) {
    NABLA_CHECK(shifts.size() == 1,
                "[roll] without dims, shifts must be one number, got {} (give dims to roll "
                "several)",
                shifts);
    return roll(self.reshape({-1}), shifts, {0}).view(self.sizes());
  }
  NABLA_CHECK(shifts.size() == dims.size(), "[roll] shifts {} and dims {} differ in length", shifts,
              dims);
  Tensor result = self;
  for (size_t i = 0; i < dims.size(); ++i) {
    const int64_t d = wrap_dim(dims[i], self.dim(), "roll");
    const int64_t n = result.size(d);
    if (n == 0) continue;
    const int64_t shift = ((shifts[i] % n) + n) % n;
    if (shift == 0) continue;
    result = cat({result.narrow(d, n - shift, shift), result.narrow(d, 0, n - shift)}, d);
  }
  return result.is_same(self) ? self.clone() : result;
}
Tensor Tensor::roll(IntArrayRef shifts, IntArrayRef dims) const {
  return nabla::roll(*this, shifts, dims);
}

// movedim: the dims `source` moved to the places `destination`, the others keeping their order.
Tensor movedim(const Tensor& self, IntArrayRef source, IntArrayRef destination) {
  check_defined(self, "movedim");
  NABLA_CHECK(source.size() == destination.size(),
              "[movedim] source {} and destination {} differ in length", source, destination);
  const int64_t n = self.dim();
  const std::vector<int64_t> from = unique_dims(source, n, "movedim");
  const std::vector<int64_t> to = unique_dims(destination, n, "movedim");
  std::vector<int64_t> order(static_cast<size_t>(n), -1);
  std::vector<bool> moved(static_cast<size_t>(n), false);
  for (size_t i = 0; i < from.size(); ++i) {
    order[static_cast<size_t>(to[i])] = from[i];
    moved[static_cast<size_t>(from[i])] = true;
  }
  int64_t next = 0;  // the dims that stay, in order, into the free places
  for (int64_t& o : order) {
    if (o >= 0) continue;
    while (moved[static_cast<size_t>(next)]) ++next;
    o = next++;
  }
  return self.permute(order);
}
Tensor movedim(const Tensor& self, int64_t source, int64_t destination) {
  return movedim(self, IntArrayRef{source}, IntArrayRef{destination});
}
Tensor moveaxis(const Tensor& self, IntArrayRef source, IntArrayRef destination) {
  return movedim(self, source, destination);
}
Tensor moveaxis(const Tensor& self, int64_t source, int64_t destination) {
  return movedim(self, source, destination);
}
Tensor swapaxes(const Tensor& self, int64_t axis0, int64_t axis1) {
  return self.transpose(axis0, axis1);
}
Tensor swapdims(const Tensor& self, int64_t dim0, int64_t dim1) {
  return self.transpose(dim0, dim1);
}
Tensor Tensor::movedim(IntArrayRef source, IntArrayRef destination) const {
  return nabla::movedim(*this, source, destination);
}
Tensor Tensor::movedim(int64_t source, int64_t destination) const {
  return nabla::movedim(*this, source, destination);
}
Tensor Tensor::swapaxes(int64_t axis0, int64_t axis1) const { return transpose(axis0, axis1); }
Tensor Tensor::swapdims(int64_t dim0, int64_t dim1) const { return transpose(dim0, dim1); }

// meshgrid: tensor i (0-D or 1-D) viewed along dim i of the grid and expanded (views, no
// copies). "xy" swaps the first two dims, as NumPy's default.
std::vector<Tensor> meshgrid(TensorList tensors, const std::string& indexing) {
  NABLA_CHECK(indexing == "ij" || indexing == "xy",
              "[meshgrid] indexing must be 'ij' or 'xy', got '{}'", indexing);
  NABLA_CHECK(!tensors.empty(), "[meshgrid] expects at least one tensor");
  const size_t n = tensors.size();
  const bool swap = indexing == "xy" && n >= 2;
  std::vector<int64_t> grid;
  for (size_t i = 0; i < n; ++i) {
    check_defined(tensors[i], "meshgrid");
    NABLA_CHECK(tensors[i].dim() <= 1, "[meshgrid] expects 0-D or 1-D tensors, got shape {} at {}",
                tensors[i].sizes(), i);
    NABLA_CHECK(tensors[i].scalar_type() == tensors[0].scalar_type() &&
                    tensors[i].device() == tensors[0].device(),
                "[meshgrid] expects tensors of one dtype and device, got {} and {}",
                tensors[0].scalar_type(), tensors[i].scalar_type());
    grid.push_back(tensors[i].numel());
  }
  if (swap) std::swap(grid[0], grid[1]);
  std::vector<Tensor> out;
  for (size_t i = 0; i < n; ++i) {
    const size_t place = swap && i < 2 ? 1 - i : i;
    std::vector<int64_t> shape(n, 1);
    shape[place] = -1;
    out.push_back(tensors[i].reshape(shape).expand(grid));
  }
  return out;
}

// ---- sorting ---------------------------------------------------------------------------

Tensor argsort(const Tensor& self, int64_t dim, bool descending) {
  return std::get<1>(sort(self, dim, descending));
}
Tensor Tensor::argsort(int64_t dim, bool descending) const {
  return nabla::argsort(*this, dim, descending);
}

// ---- selection -------------------------------------------------------------------------

// masked_select: the elements of self where the mask (broadcast together) is true, as a 1-D
// tensor in row-major order.
Tensor masked_select(const Tensor& self, const Tensor& mask) {
  check_defined(self, "masked_select");
  check_defined(mask, "masked_select", "mask");
  NABLA_CHECK(mask.scalar_type() == kBool, "[masked_select] expected a bool mask, got {}",
              mask.scalar_type());
  const std::vector<int64_t> shape = broadcast_shapes(self.sizes(), mask.sizes(), "masked_select");
  const Tensor picked = nonzero(mask.expand(shape).reshape({-1})).squeeze(1);
  return self.expand(shape).reshape({-1}).index_select(0, picked);
}
Tensor Tensor::masked_select(const Tensor& mask) const { return nabla::masked_select(*this, mask); }

Tensor count_nonzero(const Tensor& self, IntArrayRef dims) {
  check_defined(self, "count_nonzero");
  const Tensor nonzero = self.ne(0);
  return dims.empty() ? nonzero.sum(kLong) : nonzero.sum(dims, false, kLong);
}
Tensor count_nonzero(const Tensor& self, std::optional<int64_t> dim) {
  return dim ? count_nonzero(self, IntArrayRef{*dim}) : count_nonzero(self, IntArrayRef{});
}
Tensor count_nonzero(const Tensor& self, int64_t dim) {
  return count_nonzero(self, IntArrayRef{dim});
}
Tensor Tensor::count_nonzero(std::optional<int64_t> dim) const {
  return nabla::count_nonzero(*this, dim);
}
Tensor Tensor::count_nonzero(int64_t dim) const { return nabla::count_nonzero(*this, dim); }
Tensor Tensor::count_nonzero(IntArrayRef dims) const { return nabla::count_nonzero(*this, dims); }

// ---- elementwise compositions ----------------------------------------------------------

// lerp: self + weight (end - self).
Tensor lerp(const Tensor& self, const Tensor& end, const Tensor& weight) {
  return self + weight * (end - self);
}
Tensor lerp(const Tensor& self, const Tensor& end, const Scalar& weight) {
  return self + (end - self) * weight;
}
Tensor Tensor::lerp(const Tensor& end, const Tensor& weight) const {
  return nabla::lerp(*this, end, weight);
}
Tensor Tensor::lerp(const Tensor& end, const Scalar& weight) const {
  return nabla::lerp(*this, end, weight);
}
Tensor& Tensor::lerp_(const Tensor& end, const Scalar& weight) const {
  return apply_inplace(const_cast<Tensor&>(*this), "lerp_", end,
                       [&](const Tensor& v) { return nabla::lerp(v, end, weight); });
}

// logaddexp: log(e^a + e^b) = max + log1p(e^-|a - b|), without overflow; where a and b are the
// same infinity, that infinity (the formula would give NaN).
Tensor logaddexp(const Tensor& self, const Tensor& other) {
  const Tensor larger = maximum(self, other);
  const Tensor sum = larger + (-(self - other).abs()).exp().log1p();
  return where(self.eq(other).logical_and(self.isinf()), larger, sum);
}
Tensor Tensor::logaddexp(const Tensor& other) const { return nabla::logaddexp(*this, other); }

// xlogy: x log(y), 0 where x is 0 (unless y is NaN).
Tensor xlogy(const Tensor& self, const Tensor& other) {
  const Tensor product = self * other.log();
  return where(self.eq(0).logical_and(other.isnan().logical_not()), zeros_like(product), product);
}
Tensor xlogy(const Tensor& self, const Scalar& other) {
  return xlogy(self, wrap_scalar(other, self.device()));
}
Tensor Tensor::xlogy(const Tensor& other) const { return nabla::xlogy(*this, other); }

namespace {
// The largest finite value of a floating dtype.
double largest_finite(ScalarType dtype) {
  switch (dtype) {
    case kHalf:
      return 65504.0;
    case kBFloat16:
      return 3.3895313892515355e38;
    case kFloat:
      return std::numeric_limits<float>::max();
    default:
      return std::numeric_limits<double>::max();
  }
}
}  // namespace

// nan_to_num: NaN to `nan`, +-inf to `posinf`/`neginf` (default: the dtype's largest finite
// values). Integers have none of them and come back as a copy.
Tensor nan_to_num(const Tensor& self, std::optional<double> nan, std::optional<double> posinf,
                  std::optional<double> neginf) {
  check_defined(self, "nan_to_num");
  if (!self.is_floating_point()) return self.clone();
  const double big = largest_finite(self.scalar_type());
  Tensor result = where(self.isnan(), nan.value_or(0.0), self);
  result = where(self.eq(std::numeric_limits<double>::infinity()), posinf.value_or(big), result);
  return where(self.eq(-std::numeric_limits<double>::infinity()), neginf.value_or(-big), result);
}
Tensor Tensor::nan_to_num(std::optional<double> nan, std::optional<double> posinf,
                          std::optional<double> neginf) const {
  return nabla::nan_to_num(*this, nan, posinf, neginf);
}
Tensor& Tensor::nan_to_num_(std::optional<double> nan, std::optional<double> posinf,
                            std::optional<double> neginf) const {
  return apply_inplace(const_cast<Tensor&>(*this), "nan_to_num_", Tensor(),
                       [&](const Tensor& v) { return nabla::nan_to_num(v, nan, posinf, neginf); });
}

Tensor logical_xor(const Tensor& self, const Tensor& other) {
  return self.to(kBool).ne(other.to(kBool));
}
Tensor Tensor::logical_xor(const Tensor& other) const { return nabla::logical_xor(*this, other); }

// mv: a matrix times a vector.
Tensor mv(const Tensor& self, const Tensor& vec) {
  check_defined(self, "mv");
  check_defined(vec, "mv", "vec");
  NABLA_CHECK(self.dim() == 2 && vec.dim() == 1,
              "[mv] expected a matrix and a vector, got shapes {} and {}", self.sizes(),
              vec.sizes());
  return self.matmul(vec);
}
Tensor Tensor::mv(const Tensor& vec) const { return nabla::mv(*this, vec); }

// ---- scans -----------------------------------------------------------------------------

// cumsum: running sums along dim, in the input's dtype (integers and bool in int64, as
// PyTorch), or `dtype`. Its gradient is the running sum of the gradient from the other end.
Tensor cumsum(const Tensor& self, int64_t dim, std::optional<ScalarType> dtype) {
  check_defined(self, "cumsum");
  const int64_t d = wrap_dim(dim, std::max<int64_t>(self.dim(), 1), "cumsum");
  const ScalarType out_dtype =
      dtype.value_or(isFloatingType(self.scalar_type()) ? self.scalar_type() : kLong);
  const Tensor input = cast(self, out_dtype);
  Tensor result = make_tensor(self.sizes(), out_dtype, self.device());
  if (self.dim() == 0) {
    backend_for(self).copy(input, result);
  } else {
    backend_for(self).cumsum(input, d, result);
  }
  if (needs_grad(self)) {
    record("CumsumBackward0", {result}, {self},
           [d, self_dtype = self.scalar_type(), zero_dim = self.dim() == 0](
               const variable_list& grads, const Node&) -> variable_list {
             const Tensor& grad = grads[0];
             if (zero_dim) return {grad.to(self_dtype)};
             return {grad.flip({d}).cumsum(d).flip({d}).to(self_dtype)};
           });
  }
  return result;
}
Tensor Tensor::cumsum(int64_t dim, std::optional<ScalarType> dtype) const {
  return nabla::cumsum(*this, dim, dtype);
}
Tensor& Tensor::cumsum_(int64_t dim) const {
  return apply_inplace(const_cast<Tensor&>(*this), "cumsum_", Tensor(),
                       [&](const Tensor& v) { return nabla::cumsum(v, dim, v.scalar_type()); });
}

// ---- differences and rotations ---------------------------------------------------------

// n times: each element minus the one before it along dim (bool: whether they differ), after
// joining prepend and append on.
Tensor diff(const Tensor& self, int64_t n, int64_t dim, const std::optional<Tensor>& prepend,
            const std::optional<Tensor>& append) {
  check_defined(self, "diff");
  NABLA_CHECK(self.dim() >= 1, "[diff] expects input to be at least one-dimensional, got shape {}",
              self.sizes());
  NABLA_CHECK(n >= 0, "[diff] order must be non-negative but got {}", n);
  const int64_t d = wrap_dim(dim, self.dim(), "diff");
  std::vector<Tensor> parts;
  for (const std::optional<Tensor>* side : {&prepend, &append}) {
    if (!side->has_value() || !(*side)->defined()) continue;
    NABLA_CHECK((*side)->dim() == self.dim(),
                "[diff] expected prepend and append to have as many dims as the input ({}), got "
                "shape {}",
                self.dim(), (*side)->sizes());
  }
  if (prepend && prepend->defined()) parts.push_back(*prepend);
  parts.push_back(self);
  if (append && append->defined()) parts.push_back(*append);
  Tensor x = parts.size() == 1 ? self : cat(parts, d);
  for (int64_t i = 0; i < n && x.size(d) > 0; ++i) {
    const int64_t len = x.size(d) - 1;
    const Tensor later = x.narrow(d, 1, len), earlier = x.narrow(d, 0, len);
    x = x.scalar_type() == kBool ? logical_xor(later, earlier) : later - earlier;
  }
  return x;
}
Tensor Tensor::diff(int64_t n, int64_t dim, const std::optional<Tensor>& prepend,
                    const std::optional<Tensor>& append) const {
  return nabla::diff(*this, n, dim, prepend, append);
}

// k quarter turns in the plane of dims, from the first towards the second (k < 0: back).
Tensor rot90(const Tensor& self, int64_t k, IntArrayRef dims) {
  check_defined(self, "rot90");
  NABLA_CHECK(dims.size() == 2 && self.dim() >= 2,
              "[rot90] expected total rotation dims == 2 and total dims >= 2, but got rotation "
              "dims {} and total dims {}",
              dims, self.dim());
  const int64_t d0 = wrap_dim(dims[0], self.dim(), "rot90"),
                d1 = wrap_dim(dims[1], self.dim(), "rot90");
  NABLA_CHECK(d0 != d1, "[rot90] expected rotation dims to be different, got {}", dims);
  switch (((k % 4) + 4) % 4) {
    case 1:
      return self.flip({d1}).transpose(d0, d1);
    case 2:
      return self.flip({d0, d1});
    case 3:
      return self.flip({d0}).transpose(d0, d1);
    default:
      return self.clone();
  }
}
Tensor Tensor::rot90(int64_t k, IntArrayRef dims) const { return nabla::rot90(*this, k, dims); }

// ---- index_fill and index_copy ---------------------------------------------------------

namespace {
// The int64 index of index_fill/index_copy: 0-D or 1-D, negative entries counted from the end
// of dim d (as LibTorch's index ops); returned 1-D and wrapped. The range is checked where the
// values are read, by the kernel that uses them (so the meta device needs no values).
Tensor wrapped_slice_index(const Tensor& self, int64_t d, const Tensor& index, const char* op) {
  check_defined(index, op, "index");
  NABLA_CHECK(index.scalar_type() == kLong && index.dim() <= 1,
              "[{}] expected a 0-D or 1-D int64 index, got {} of shape {}", op, index.scalar_type(),
              index.sizes());
  const Tensor flat = index.reshape({-1});
  return where(flat < 0, flat + self.size(d), flat);
}
// fn() with an index kernel's range error restated for `op` and dim d of self.
template <class F>
Tensor with_index_range(const Tensor& self, int64_t d, const char* op, F&& fn) {
  try {
    return fn();
  } catch (const Error& e) {
    NABLA_ERROR("[{}] an index is out of bounds for dimension {} with size {} (self {}): {}", op, d,
                self.size(d), self.sizes(), e.what());
  }
}
// Whether each position along dim d is listed, shaped to broadcast against self.
Tensor listed_along(const Tensor& self, int64_t d, const Tensor& index, const char* op) {
  const int64_t size = self.size(d);
  const Tensor listed = with_index_range(self, d, op, [&] {
    return zeros({size}, TensorOptions().dtype(kLong).device(self.device())).scatter(0, index, 1);
  });
  std::vector<int64_t> shape(static_cast<size_t>(self.dim()), 1);
  shape[static_cast<size_t>(d)] = size;
  return listed.to(kBool).view(shape);
}
}  // namespace

Tensor index_fill(const Tensor& self, int64_t dim, const Tensor& index, const Scalar& value) {
  check_defined(self, "index_fill");
  if (self.dim() == 0) return index_fill(self.reshape({1}), dim, index, value).reshape({});
  const int64_t d = wrap_dim(dim, self.dim(), "index_fill");
  const Tensor listed =
      listed_along(self, d, wrapped_slice_index(self, d, index, "index_fill"), "index_fill");
  return where(listed, cast(wrap_scalar(value, self.device()), self.scalar_type()), self);
}
Tensor index_fill(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& value) {
  check_defined(self, "index_fill");
  check_defined(value, "index_fill", "value");
  NABLA_CHECK(value.dim() == 0,
              "[index_fill] only supports a 0-dimensional value tensor, but got one with {} "
              "dimension(s)",
              value.dim());
  if (self.dim() == 0) return index_fill(self.reshape({1}), dim, index, value).reshape({});
  const int64_t d = wrap_dim(dim, self.dim(), "index_fill");
  const Tensor listed =
      listed_along(self, d, wrapped_slice_index(self, d, index, "index_fill"), "index_fill");
  return where(listed, value.to(self.scalar_type()), self);
}

// self with its slices index[i] along dim replaced by source's slices i (a repeated index: the
// last of them, as scatter).
Tensor index_copy(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& source) {
  check_defined(self, "index_copy");
  check_defined(source, "index_copy", "source");
  if (self.dim() == 0)
    return index_copy(self.reshape({1}), dim, index, source.reshape({-1})).reshape({});
  const int64_t d = wrap_dim(dim, self.dim(), "index_copy");
  const Tensor flat = wrapped_slice_index(self, d, index, "index_copy");
  std::vector<int64_t> expected = self.sizes().vec();
  expected[static_cast<size_t>(d)] = flat.numel();
  NABLA_CHECK(source.sizes() == IntArrayRef(expected) ||
                  (source.dim() == 0 && flat.numel() == 1 && self.dim() == 1),
              "[index_copy] source of shape {} should be of shape {} (self {} with dim {} of the "
              "index's size {})",
              source.sizes(), IntArrayRef(expected), self.sizes(), d, flat.numel());
  NABLA_CHECK(source.scalar_type() == self.scalar_type(),
              "[index_copy] self ({}) and source ({}) must have the same dtype", self.scalar_type(),
              source.scalar_type());
  std::vector<int64_t> view(static_cast<size_t>(self.dim()), 1);
  view[static_cast<size_t>(d)] = flat.numel();
  const Tensor src = source.reshape(expected);
  return with_index_range(self, d, "index_copy",
                          [&] { return self.scatter(d, flat.view(view).expand(expected), src); });
}

Tensor Tensor::index_fill(int64_t dim, const Tensor& index, const Scalar& value) const {
  return nabla::index_fill(*this, dim, index, value);
}
Tensor Tensor::index_fill(int64_t dim, const Tensor& index, const Tensor& value) const {
  return nabla::index_fill(*this, dim, index, value);
}
Tensor Tensor::index_copy(int64_t dim, const Tensor& index, const Tensor& source) const {
  return nabla::index_copy(*this, dim, index, source);
}
Tensor& Tensor::index_fill_(int64_t dim, const Tensor& index, const Scalar& value) const {
  return apply_inplace(const_cast<Tensor&>(*this), "index_fill_", Tensor(),
                       [&](const Tensor& v) { return nabla::index_fill(v, dim, index, value); });
}
Tensor& Tensor::index_fill_(int64_t dim, const Tensor& index, const Tensor& value) const {
  return apply_inplace(const_cast<Tensor&>(*this), "index_fill_", value,
                       [&](const Tensor& v) { return nabla::index_fill(v, dim, index, value); });
}
Tensor Tensor::index_add(int64_t dim, const Tensor& index, const Tensor& source,
                         const Scalar& alpha) const {
  return nabla::index_add(*this, dim, index, source, alpha);
}
Tensor& Tensor::index_add_(int64_t dim, const Tensor& index, const Tensor& source,
                           const Scalar& alpha) const {
  return apply_inplace(const_cast<Tensor&>(*this), "index_add_", source, [&](const Tensor& v) {
    return nabla::index_add(v, dim, index, source, alpha);
  });
}
Tensor& Tensor::index_copy_(int64_t dim, const Tensor& index, const Tensor& source) const {
  return apply_inplace(const_cast<Tensor&>(*this), "index_copy_", source,
                       [&](const Tensor& v) { return nabla::index_copy(v, dim, index, source); });
}

}  // namespace nabla
