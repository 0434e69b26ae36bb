// Packed sequences, as LibTorch's torch::nn::utils::rnn: a batch of variable-length sequences
// stored time step by time step without padding, so that recurrent modules never run on (and
// never leak state through) padding.
//   auto packed = nabla::nn::utils::rnn::pack_padded_sequence(x, lengths, /*batch_first=*/true);
//   auto [out, h] = gru->forward_with_packed_input(packed);
//   auto [padded, lens] = nabla::nn::utils::rnn::pad_packed_sequence(out, true);
#pragma once

#include <cstdint>
#include <optional>
#include <tuple>

#include "nabla/tensor.h"

namespace nabla::nn::utils::rnn {

/// The inverse of a permutation (int64, 1-D); undefined for an undefined one.
Tensor invert_permutation(const Tensor& permutation);

/// data [sum(batch_sizes), *]: the rows of time step 0 of every sequence, then those of time
/// step 1 of the sequences that are that long, ...; batch_sizes [T] (int64, CPU, non-increasing):
/// how many sequences are active at each step. sorted_indices maps the sorted batch back to
/// the caller's order (undefined when the batch was already sorted by decreasing length).
class PackedSequence {
 public:
  explicit PackedSequence(Tensor data, Tensor batch_sizes, Tensor sorted_indices = {},
                          Tensor unsorted_indices = {});

  const Tensor& data() const { return data_; }
  const Tensor& batch_sizes() const { return batch_sizes_; }
  const Tensor& sorted_indices() const { return sorted_indices_; }
  const Tensor& unsorted_indices() const { return unsorted_indices_; }
  /// data converted (batch_sizes stay int64 on the CPU).
  PackedSequence to(const TensorOptions& options) const;
  PackedSequence cpu() const { return to(TensorOptions().device(Device(DeviceType::CPU))); }
  bool is_cuda() const { return data_.is_cuda(); }

 private:
  Tensor data_;
  Tensor batch_sizes_;
  Tensor sorted_indices_;
  Tensor unsorted_indices_;
};

/// Packs a padded batch input [T, B, *] ([B, T, *] with batch_first) of sequences of the given
/// `lengths` (1-D integer tensor of B values in 1..T). With enforce_sorted the lengths must be
/// non-increasing; otherwise the batch is sorted and the permutation remembered.
PackedSequence pack_padded_sequence(Tensor input, Tensor lengths, bool batch_first = false,
                                    bool enforce_sorted = true);

/// The inverse of pack_padded_sequence: (padded [T, B, *] or [B, T, *], lengths int64 [B]) in
/// the caller's original batch order. T is the longest length, or total_length when given.
std::tuple<Tensor, Tensor> pad_packed_sequence(PackedSequence sequence, bool batch_first = false,
                                               double padding_value = 0.0,
                                               std::optional<int64_t> total_length = std::nullopt);

/// Stacks sequences [L_i, *] into [max L, B, *] ([B, max L, *] with batch_first), padded.
Tensor pad_sequence(TensorList sequences, bool batch_first = false, double padding_value = 0);

/// pack_padded_sequence(pad_sequence(sequences), their lengths, false, enforce_sorted).
PackedSequence pack_sequence(TensorList sequences, bool enforce_sorted = true);

}  // namespace nabla::nn::utils::rnn
