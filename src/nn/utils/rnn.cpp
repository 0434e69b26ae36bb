// Packed sequences: packing and padding are built from differentiable ops (narrow, cat, stack,
// index_select), so gradients flow from a packed RNN output back to the padded input.
#include "nabla/nn/utils/rnn.h"

#include <algorithm>
#include <numeric>
#include <vector>

#include "core/check.h"
#include "nabla/ops.h"

namespace nabla::nn::utils::rnn {

namespace {

std::vector<int64_t> to_vector(const Tensor& t, const char* op, const char* what) {
  NABLA_CHECK(t.defined() && t.dim() == 1, "[{}] {} must be a 1-D tensor, got shape {}", op, what,
              t.defined() ? t.sizes() : IntArrayRef());
  NABLA_CHECK(!t.is_floating_point() && t.scalar_type() != kBool,
              "[{}] {} must be an integer tensor, got {}", op, what, t.scalar_type());
  const Tensor c = t.to(Device(DeviceType::CPU)).to(kLong).contiguous();
  return std::vector<int64_t>(c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel());
}

Tensor long_tensor(const std::vector<int64_t>& values) {
  Tensor t = nabla::empty({static_cast<int64_t>(values.size())}, kLong);
  std::copy(values.begin(), values.end(), t.data_ptr<int64_t>());
  return t;
}

/// A [n, rest...] block of `value`, of t's dtype and device.
Tensor padding_rows(const Tensor& like, int64_t n, double value) {
  std::vector<int64_t> shape(like.sizes().begin(), like.sizes().end());
  shape[0] = n;
  return nabla::full(shape, value, TensorOptions(like.scalar_type()).device(like.device()));
}

}  // namespace

Tensor invert_permutation(const Tensor& permutation) {
  if (!permutation.defined()) return Tensor();
  const std::vector<int64_t> perm = to_vector(permutation, "invert_permutation", "permutation");
  std::vector<int64_t> inverse(perm.size(), -1);
  for (size_t i = 0; i < perm.size(); ++i) {
    NABLA_CHECK(
        perm[i] >= 0 && perm[i] < static_cast<int64_t>(perm.size()) && inverse[perm[i]] == -1,
        "[invert_permutation] {} is not a permutation", permutation.sizes());
    inverse[perm[i]] = static_cast<int64_t>(i);
  }
  return long_tensor(inverse).to(permutation.device());
}

PackedSequence::PackedSequence(Tensor data, Tensor batch_sizes, Tensor sorted_indices,
                               Tensor unsorted_indices)
    : data_(std::move(data)),
      sorted_indices_(std::move(sorted_indices)),
      unsorted_indices_(std::move(unsorted_indices)) {
  NABLA_CHECK(batch_sizes.defined(),
              "[PackedSequence] batch_sizes is undefined; make packed sequences with "
              "pack_padded_sequence or pack_sequence");
  // The batch sizes drive loops on the host, as in PyTorch, whatever device the data is on.
  batch_sizes_ = batch_sizes.cpu();
  if (!unsorted_indices_.defined()) unsorted_indices_ = invert_permutation(sorted_indices_);
}

PackedSequence PackedSequence::to(const TensorOptions& options) const {
  Tensor data = data_.to(options);
  if (data.is_same(data_)) return *this;
  auto move = [&](const Tensor& t) { return t.defined() ? t.to(data.device()) : t; };
  return PackedSequence(data, batch_sizes_, move(sorted_indices_), move(unsorted_indices_));
}

PackedSequence pack_padded_sequence(Tensor input, Tensor lengths, bool batch_first,
                                    bool enforce_sorted) {
  const char* op = "pack_padded_sequence";
  NABLA_CHECK(input.defined() && input.dim() >= 2,
              "[{}] input must be [T, B, *] ([B, T, *] with batch_first), got shape {}", op,
              input.defined() ? input.sizes() : IntArrayRef());
  std::vector<int64_t> lens = to_vector(lengths, op, "lengths");
  const int64_t batch_dim = batch_first ? 0 : 1;
  const int64_t T = input.size(1 - batch_dim), B = input.size(batch_dim);
  NABLA_CHECK(static_cast<int64_t>(lens.size()) == B,
              "[{}] expected {} lengths (the batch size of input {}), got {}", op, B, input.sizes(),
              lens.size());
  for (size_t b = 0; b < lens.size(); ++b) {
    NABLA_CHECK(lens[b] > 0,
                "[{}] length of all samples has to be greater than 0, but found an element in "
                "'lengths' that is <= 0 (lengths[{}] = {})",
                op, b, lens[b]);
    NABLA_CHECK(lens[b] <= T, "[{}] lengths[{}] = {} exceeds the sequence length {} of input {}",
                op, b, lens[b], T, input.sizes());
  }
  Tensor sorted_indices;
  if (enforce_sorted) {
    for (size_t b = 1; b < lens.size(); ++b) {
      NABLA_CHECK(lens[b - 1] >= lens[b],
                  "[{}] `lengths` array must be sorted in decreasing order when `enforce_sorted` "
                  "is true (lengths[{}] = {} < lengths[{}] = {}); pass enforce_sorted=false to "
                  "pack unsorted sequences",
                  op, b - 1, lens[b - 1], b, lens[b]);
    }
  } else {
    std::vector<int64_t> order(lens.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](int64_t a, int64_t b) { return lens[a] > lens[b]; });
    std::vector<int64_t> sorted_lens;
    for (int64_t i : order) sorted_lens.push_back(lens[i]);
    lens = std::move(sorted_lens);
    sorted_indices = long_tensor(order).to(input.device());
    input = input.index_select(batch_dim, sorted_indices);
  }
  if (batch_first) input = input.transpose(0, 1);
  const int64_t steps = lens.empty() ? 0 : lens[0];
  std::vector<int64_t> batch_sizes(static_cast<size_t>(steps), 0);
  for (int64_t len : lens) {
    for (int64_t t = 0; t < len; ++t) ++batch_sizes[t];
  }
  std::vector<Tensor> rows;
  for (int64_t t = 0; t < steps; ++t)
    rows.push_back(input.select(0, t).narrow(0, 0, batch_sizes[t]));
  NABLA_CHECK(!rows.empty(), "[{}] cannot pack an empty batch (input {})", op, input.sizes());
  return PackedSequence(nabla::cat(rows, 0), long_tensor(batch_sizes), sorted_indices, {});
}

std::tuple<Tensor, Tensor> pad_packed_sequence(PackedSequence sequence, bool batch_first,
                                               double padding_value,
                                               std::optional<int64_t> total_length) {
  const char* op = "pad_packed_sequence";
  const std::vector<int64_t> bs = to_vector(sequence.batch_sizes(), op, "batch_sizes");
  const Tensor& data = sequence.data();
  NABLA_CHECK(!bs.empty(), "[{}] the packed sequence has no time steps", op);
  const int64_t rows = std::accumulate(bs.begin(), bs.end(), int64_t{0});
  NABLA_CHECK(data.defined() && data.dim() >= 1 && data.size(0) == rows,
              "[{}] data has {} rows but batch_sizes add up to {}", op,
              data.defined() && data.dim() >= 1 ? data.size(0) : 0, rows);
  int64_t steps = static_cast<int64_t>(bs.size());
  if (total_length) {
    NABLA_CHECK(*total_length >= steps,
                "[{}] expected total_length to be at least the length of the longest sequence in "
                "input, but got total_length={} and max sequence length being {}",
                op, *total_length, steps);
    steps = *total_length;
  }
  const int64_t B = bs[0];
  std::vector<Tensor> frames;
  int64_t offset = 0;
  for (int64_t t = 0; t < steps; ++t) {
    const int64_t n = t < static_cast<int64_t>(bs.size()) ? bs[t] : 0;
    Tensor frame = data.narrow(0, offset, n);
    offset += n;
    if (n < B)
      frame = n == 0 ? padding_rows(data, B, padding_value)
                     : nabla::cat({frame, padding_rows(data, B - n, padding_value)}, 0);
    frames.push_back(frame);
  }
  Tensor padded = nabla::stack(frames, batch_first ? 1 : 0);
  std::vector<int64_t> lengths(static_cast<size_t>(B), 0);
  for (int64_t n : bs) {
    for (int64_t b = 0; b < n; ++b) ++lengths[b];
  }
  Tensor lens = long_tensor(lengths);
  const Tensor& unsorted = sequence.unsorted_indices();
  if (unsorted.defined()) {
    padded = padded.index_select(batch_first ? 0 : 1, unsorted);
    lens = lens.index_select(0, unsorted.to(Device(DeviceType::CPU)));
  }
  return {padded, lens};
}

Tensor pad_sequence(TensorList sequences, bool batch_first, double padding_value) {
  const char* op = "pad_sequence";
  NABLA_CHECK(!sequences.empty(), "[{}] received an empty list of sequences", op);
  int64_t max_len = 0;
  for (size_t i = 0; i < sequences.size(); ++i) {
    const Tensor& s = sequences[i];
    NABLA_CHECK(s.defined() && s.dim() >= 1, "[{}] sequence {} must have at least 1 dimension", op,
                i);
    NABLA_CHECK(s.dim() == sequences[0].dim() &&
                    s.sizes().slice(1, s.dim() - 1) == sequences[0].sizes().slice(1, s.dim() - 1),
                "[{}] sequences must agree in their trailing dims: {} vs {}", op, s.sizes(),
                sequences[0].sizes());
    max_len = std::max(max_len, s.size(0));
  }
  std::vector<Tensor> padded;
  for (const Tensor& s : sequences) {
    padded.push_back(s.size(0) == max_len
                         ? s
                         : nabla::cat({s, padding_rows(s, max_len - s.size(0), padding_value)}, 0));
  }
  return nabla::stack(padded, batch_first ? 0 : 1);
}

PackedSequence pack_sequence(TensorList sequences, bool enforce_sorted) {
  std::vector<int64_t> lengths;
  for (const Tensor& s : sequences) lengths.push_back(s.defined() && s.dim() >= 1 ? s.size(0) : 0);
  return pack_padded_sequence(pad_sequence(sequences), long_tensor(lengths), false, enforce_sorted);
}

}  // namespace nabla::nn::utils::rnn
