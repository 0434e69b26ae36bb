// Recurrent layers, as LibTorch's torch::nn::RNN / LSTM / GRU and their cells, with PyTorch's
// parameter names, gate order (LSTM i,f,g,o; GRU r,z,n), initialization and numerics:
//   nabla::nn::LSTM lstm(nabla::nn::LSTMOptions(64, 256).num_layers(2).batch_first(true));
//   auto [out, state] = lstm(x);                // x [B, T, 64] -> out [B, T, 256]
//   auto [h_n, c_n] = state;                    // [num_layers * directions, B, 256] each
//   auto [out2, state2] = lstm(x2, state);      // continue from a state (detach it for TBPTT)
// Per time step the gate arithmetic is one fused kernel and one graph node (see
// nabla/fused.h); the input projection of a whole sequence is one matmul.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "nabla/arg.h"
#include "nabla/fused.h"
#include "nabla/nn/init.h"
#include "nabla/nn/module.h"
#include "nabla/nn/utils/rnn.h"
#include "nabla/tensor.h"

namespace nabla::nn {

// ---- options -----------------------------------------------------------------------------

/// Options of RNN. nonlinearity is nabla::kTanh or nabla::kReLU (an init::Nonlinearity; any
/// other value raises nabla::Error when the module is built).
struct RNNOptions {
  using nonlinearity_t = init::Nonlinearity;
  RNNOptions(int64_t input_size, int64_t hidden_size)
      : input_size_(input_size), hidden_size_(hidden_size) {}
  NABLA_ARG(int64_t, input_size);
  NABLA_ARG(int64_t, hidden_size);
  NABLA_ARG(int64_t, num_layers) = 1;
  NABLA_ARG(nonlinearity_t, nonlinearity) = kTanh;
  NABLA_ARG(bool, bias) = true;
  /// Input and output are [B, T, *] instead of [T, B, *] (the states stay [L*D, B, H]).
  NABLA_ARG(bool, batch_first) = false;
  /// Dropout probability on the outputs of every layer but the last, in training mode.
  NABLA_ARG(double, dropout) = 0.0;
  NABLA_ARG(bool, bidirectional) = false;
};

/// Options of LSTM. proj_size (LSTM with projections) is not supported: a non-zero value
/// raises nabla::Error when the module is built.
struct LSTMOptions {
  LSTMOptions(int64_t input_size, int64_t hidden_size)
      : input_size_(input_size), hidden_size_(hidden_size) {}
  NABLA_ARG(int64_t, input_size);
  NABLA_ARG(int64_t, hidden_size);
  NABLA_ARG(int64_t, num_layers) = 1;
  NABLA_ARG(bool, bias) = true;
  NABLA_ARG(bool, batch_first) = false;
  NABLA_ARG(double, dropout) = 0.0;
  NABLA_ARG(bool, bidirectional) = false;
  NABLA_ARG(int64_t, proj_size) = 0;
};

struct GRUOptions {
  GRUOptions(int64_t input_size, int64_t hidden_size)
      : input_size_(input_size), hidden_size_(hidden_size) {}
  NABLA_ARG(int64_t, input_size);
  NABLA_ARG(int64_t, hidden_size);
  NABLA_ARG(int64_t, num_layers) = 1;
  NABLA_ARG(bool, bias) = true;
  NABLA_ARG(bool, batch_first) = false;
  NABLA_ARG(double, dropout) = 0.0;
  NABLA_ARG(bool, bidirectional) = false;
};

struct RNNCellOptions {
  using nonlinearity_t = init::Nonlinearity;
  RNNCellOptions(int64_t input_size, int64_t hidden_size)
      : input_size_(input_size), hidden_size_(hidden_size) {}
  NABLA_ARG(int64_t, input_size);
  NABLA_ARG(int64_t, hidden_size);
  NABLA_ARG(bool, bias) = true;
  NABLA_ARG(nonlinearity_t, nonlinearity) = kTanh;
};

struct LSTMCellOptions {
  LSTMCellOptions(int64_t input_size, int64_t hidden_size)
      : input_size_(input_size), hidden_size_(hidden_size) {}
  NABLA_ARG(int64_t, input_size);
  NABLA_ARG(int64_t, hidden_size);
  NABLA_ARG(bool, bias) = true;
};

struct GRUCellOptions {
  GRUCellOptions(int64_t input_size, int64_t hidden_size)
      : input_size_(input_size), hidden_size_(hidden_size) {}
  NABLA_ARG(int64_t, input_size);
  NABLA_ARG(int64_t, hidden_size);
  NABLA_ARG(bool, bias) = true;
};

namespace detail {

/// What every recurrent module shares (as LibTorch's detail::RNNOptionsBase).
struct RNNOptionsBase {
  enum class Mode : int8_t { LSTM, GRU, RNN_TANH, RNN_RELU };
  using rnn_options_base_mode_t = Mode;
  RNNOptionsBase(Mode mode, int64_t input_size, int64_t hidden_size)
      : mode_(mode), input_size_(input_size), hidden_size_(hidden_size) {}
  NABLA_ARG(rnn_options_base_mode_t, mode);
  NABLA_ARG(int64_t, input_size);
  NABLA_ARG(int64_t, hidden_size);
  NABLA_ARG(int64_t, num_layers) = 1;
  NABLA_ARG(bool, bias) = true;
  NABLA_ARG(bool, batch_first) = false;
  NABLA_ARG(double, dropout) = 0.0;
  NABLA_ARG(bool, bidirectional) = false;
  NABLA_ARG(int64_t, proj_size) = 0;
};

struct RNNCellOptionsBase {
  RNNCellOptionsBase(int64_t input_size, int64_t hidden_size, bool bias, int64_t num_chunks)
      : input_size_(input_size), hidden_size_(hidden_size), bias_(bias), num_chunks_(num_chunks) {}
  virtual ~RNNCellOptionsBase() = default;
  RNNCellOptionsBase(const RNNCellOptionsBase&) = default;
  RNNCellOptionsBase& operator=(const RNNCellOptionsBase&) = default;
  NABLA_ARG(int64_t, input_size);
  NABLA_ARG(int64_t, hidden_size);
  NABLA_ARG(bool, bias);
  /// Gates per cell: 1 (RNN), 4 (LSTM), 3 (GRU).
  NABLA_ARG(int64_t, num_chunks);
};

// The fused cell and layer ops (nabla/fused.h), under the names nn code uses.
using nabla::detail::fused_gru_cell;
using nabla::detail::fused_lstm_cell;
using nabla::detail::fused_lstm_layer;

// ---- base classes ------------------------------------------------------------------------

/// Parameters and bookkeeping shared by RNN, LSTM and GRU: per layer and direction
/// weight_ih_l{k}[_reverse] [G*H, in], weight_hh_l{k} [G*H, H], bias_ih_l{k}, bias_hh_l{k} [G*H],
/// registered in PyTorch's order (so state dicts load PyTorch weights), each initialized
/// U(-1/sqrt(H), 1/sqrt(H)).
template <class Derived>
class RNNImplBase : public Cloneable<Derived> {
 public:
  explicit RNNImplBase(const RNNOptionsBase& options_);
  void reset() override;
  void reset_parameters();
  /// "nabla::nn::LSTM(input_size=64, hidden_size=256, num_layers=1, bias=true, ...)".
  void pretty_print(std::ostream& stream) const override;
  /// A no-op (nabla keeps no flattened copy of the weights); kept for LibTorch's API.
  void flatten_parameters() {}
  /// The parameters in registration order (4 or 2 per layer and direction).
  std::vector<Tensor> all_weights() const;

  RNNOptionsBase options_base;

 protected:
  /// Shape checks of LibTorch's check_forward_args; `batch_sizes` defined for packed input.
  void check_input(const Tensor& input, const Tensor& batch_sizes) const;
  std::tuple<int64_t, int64_t, int64_t> get_expected_hidden_size(const Tensor& input,
                                                                 const Tensor& batch_sizes) const;
  void check_hidden_size(const Tensor& hx, std::tuple<int64_t, int64_t, int64_t> expected,
                         const std::string& what = "hidden state") const;
  /// hx with its batch dim reordered by `permutation` (identity when undefined).
  Tensor permute_hidden(const Tensor& hx, const Tensor& permutation) const;
  /// Runs all layers and directions over packed rows `data` [N, in] with `batch_sizes` (one
  /// per step); `states` are one (RNN/GRU) or two (LSTM) [L*D, B, H] initial states in sorted
  /// batch order. Returns the output rows [N, D*H] and the final states.
  std::tuple<Tensor, std::vector<Tensor>> run_packed(const Tensor& data,
                                                     const std::vector<int64_t>& batch_sizes,
                                                     const std::vector<Tensor>& states) const;
  /// Shared forward of padded (batch_sizes undefined) and packed input.
  std::tuple<Tensor, std::vector<Tensor>> forward_helper(const Tensor& input,
                                                         const Tensor& batch_sizes,
                                                         const Tensor& sorted_indices,
                                                         int64_t max_batch_size,
                                                         std::vector<Tensor> hx);
  /// forward of a padded (or unbatched) input from initial states (undefined: zeros): the
  /// output and the final states, without the batch dim again when the input had none.
  std::tuple<Tensor, std::vector<Tensor>> forward_padded(const Tensor& input,
                                                         std::vector<Tensor> hx);
  /// The same over a PackedSequence: the packed output and the final states in the order of
  /// the sequences as given.
  std::tuple<utils::rnn::PackedSequence, std::vector<Tensor>> forward_packed(
      const utils::rnn::PackedSequence& packed_input, std::vector<Tensor> hx);
  const char* module_name() const;

  std::vector<std::string> flat_weights_names_;
  std::vector<std::vector<std::string>> all_weights_;
  std::vector<Tensor> flat_weights_;
};

}  // namespace detail

// ---- sequence modules --------------------------------------------------------------------

/// Elman RNN: h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh) (or relu).
/// forward(input [T, B, in] / [B, T, in] / unbatched [T, in], hx [L*D, B, H] or undefined for
/// zeros) -> (output [T, B, D*H], h_n [L*D, B, H]).
class RNNImpl : public detail::RNNImplBase<RNNImpl> {
 public:
  RNNImpl(int64_t input_size, int64_t hidden_size) : RNNImpl(RNNOptions(input_size, hidden_size)) {}
  explicit RNNImpl(const RNNOptions& options_);
  std::tuple<Tensor, Tensor> forward(const Tensor& input, Tensor hx = {});
  std::tuple<utils::rnn::PackedSequence, Tensor> forward_with_packed_input(
      const utils::rnn::PackedSequence& packed_input, Tensor hx = {});

  RNNOptions options;
};
NABLA_MODULE(RNN);

/// Long short-term memory. forward(input, (h_0, c_0) or nullopt for zeros) ->
/// (output [T, B, D*H], (h_n, c_n) [L*D, B, H] each).
class LSTMImpl : public detail::RNNImplBase<LSTMImpl> {
 public:
  LSTMImpl(int64_t input_size, int64_t hidden_size)
      : LSTMImpl(LSTMOptions(input_size, hidden_size)) {}
  explicit LSTMImpl(const LSTMOptions& options_);
  std::tuple<Tensor, std::tuple<Tensor, Tensor>> forward(
      const Tensor& input, std::optional<std::tuple<Tensor, Tensor>> hx_opt = {});
  std::tuple<utils::rnn::PackedSequence, std::tuple<Tensor, Tensor>> forward_with_packed_input(
      const utils::rnn::PackedSequence& packed_input,
      std::optional<std::tuple<Tensor, Tensor>> hx_opt = {});

  LSTMOptions options;
};
NABLA_MODULE(LSTM);

/// Gated recurrent unit; forward as RNN's.
class GRUImpl : public detail::RNNImplBase<GRUImpl> {
 public:
  GRUImpl(int64_t input_size, int64_t hidden_size) : GRUImpl(GRUOptions(input_size, hidden_size)) {}
  explicit GRUImpl(const GRUOptions& options_);
  std::tuple<Tensor, Tensor> forward(const Tensor& input, Tensor hx = {});
  std::tuple<utils::rnn::PackedSequence, Tensor> forward_with_packed_input(
      const utils::rnn::PackedSequence& packed_input, Tensor hx = {});

  GRUOptions options;
};
NABLA_MODULE(GRU);

// ---- cells -------------------------------------------------------------------------------

namespace detail {

/// weight_ih [G*H, in], weight_hh [G*H, H], bias_ih, bias_hh [G*H] (undefined without bias),
/// initialized U(-1/sqrt(H), 1/sqrt(H)).
template <class Derived>
class RNNCellImplBase : public Cloneable<Derived> {
 public:
  explicit RNNCellImplBase(const RNNCellOptionsBase& options_);
  void reset() override;
  void reset_parameters();
  void pretty_print(std::ostream& stream) const override;

  RNNCellOptionsBase options_base;
  Tensor weight_ih;
  Tensor weight_hh;
  Tensor bias_ih;
  Tensor bias_hh;

 protected:
  /// input must be [B, in] or unbatched [in].
  void check_forward_input(const Tensor& input) const;
  /// hx must be [B, H] ([H] for unbatched input).
  void check_forward_hidden(const Tensor& input, const Tensor& hx,
                            const std::string& hidden_label) const;
  virtual std::string get_nonlinearity_str() const;
  const char* module_name() const;
};

}  // namespace detail

/// h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (or relu); forward(input [B, in] or [in],
/// hx [B, H] / [H] or undefined for zeros) -> h'.
class RNNCellImpl : public detail::RNNCellImplBase<RNNCellImpl> {
 public:
  RNNCellImpl(int64_t input_size, int64_t hidden_size)
      : RNNCellImpl(RNNCellOptions(input_size, hidden_size)) {}
  explicit RNNCellImpl(const RNNCellOptions& options_);
  Tensor forward(const Tensor& input, Tensor hx = {});

  RNNCellOptions options;

 protected:
  std::string get_nonlinearity_str() const override;
};
NABLA_MODULE(RNNCell);

/// forward(input, (h, c) or nullopt for zeros) -> (h', c').
class LSTMCellImpl : public detail::RNNCellImplBase<LSTMCellImpl> {
 public:
  LSTMCellImpl(int64_t input_size, int64_t hidden_size)
      : LSTMCellImpl(LSTMCellOptions(input_size, hidden_size)) {}
  explicit LSTMCellImpl(const LSTMCellOptions& options_);
  std::tuple<Tensor, Tensor> forward(const Tensor& input,
                                     std::optional<std::tuple<Tensor, Tensor>> hx_opt = {});

  LSTMCellOptions options;
};
NABLA_MODULE(LSTMCell);

/// forward(input, hx or undefined for zeros) -> h'.
class GRUCellImpl : public detail::RNNCellImplBase<GRUCellImpl> {
 public:
  GRUCellImpl(int64_t input_size, int64_t hidden_size)
      : GRUCellImpl(GRUCellOptions(input_size, hidden_size)) {}
  explicit GRUCellImpl(const GRUCellOptions& options_);
  Tensor forward(const Tensor& input, Tensor hx = {});

  GRUCellOptions options;
};
NABLA_MODULE(GRUCell);

}  // namespace nabla::nn
