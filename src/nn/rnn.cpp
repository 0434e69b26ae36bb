// RNN, LSTM, GRU and their cells: parameters, checks, printing and the time loop. Every
// sequence is run as packed rows (a padded batch is the packed case with all batch sizes equal):
// the input projection of a layer is one matmul over all rows, then per step one addmm for the
// recurrent projection and one fused cell op (src/ops/fused_rnn.cpp). An LSTM over a dense batch
// runs the whole layer as one op (fused_lstm_layer).
#include "nabla/nn/rnn.h"

#include <algorithm>
#include <cmath>
#include <ostream>

#include "core/check.h"
#include "nabla/nn/functional.h"
#include "nabla/ops.h"

namespace nabla::nn {

namespace F = functional;

namespace {

using Mode = detail::RNNOptionsBase::Mode;

int64_t gate_count(Mode mode) {
  switch (mode) {
    case Mode::LSTM:
      return 4;
    case Mode::GRU:
      return 3;
    default:
      return 1;
  }
}

Mode rnn_mode(init::Nonlinearity nonlinearity, const char* module) {
  NABLA_CHECK(nonlinearity == init::Nonlinearity::Tanh || nonlinearity == init::Nonlinearity::ReLU,
              "[{}] nonlinearity must be nabla::kTanh or nabla::kReLU", module);
  return nonlinearity == init::Nonlinearity::Tanh ? Mode::RNN_TANH : Mode::RNN_RELU;
}

/// The weights of one layer and direction (biases undefined without bias).
struct LayerWeights {
  Tensor w_ih, w_hh, b_ih, b_hh;
};

/// One layer in one direction over packed rows x [N, in]. Returns the output rows [N, H] and
/// the final states (each sequence's own last state, in sorted batch order).
std::tuple<Tensor, Tensor, Tensor> run_direction(Mode mode, const Tensor& x,
                                                 const std::vector<int64_t>& batch_sizes,
                                                 const LayerWeights& w, const Tensor& h0,
                                                 const Tensor& c0, bool reverse) {
  const bool lstm = mode == Mode::LSTM, gru = mode == Mode::GRU;
  // GRU needs the two projections apart (r scales only the recurrent n part); the others
  // fold both biases into the input projection.
  Tensor bias = w.b_ih;
  if (!gru && w.b_ih.defined()) bias = w.b_ih + w.b_hh;
  const Tensor xproj = F::linear(x, w.w_ih, bias);
  // A dense batch (every sequence as long) of an LSTM runs as one node for the whole layer.
  const bool dense = std::all_of(batch_sizes.begin(), batch_sizes.end(),
                                 [&](int64_t b) { return b == batch_sizes.front(); });
  if (lstm && dense) return detail::fused_lstm_layer(xproj, w.w_hh, h0, c0, reverse);
  const Tensor w_hh_t = w.w_hh.t();
  const int64_t steps = static_cast<int64_t>(batch_sizes.size());
  // One split node for all steps: its backward is one concatenation (a narrow per step would
  // scatter into a full-size zero tensor each, quadratic in the sequence length).
  const std::vector<Tensor> xproj_steps = xproj.split_with_sizes(batch_sizes, 0);

  auto step = [&](int64_t t, Tensor& h, Tensor& c) {
    const Tensor& xt = xproj_steps[t];
    if (lstm) {
      std::tie(h, c) = detail::fused_lstm_cell(nabla::addmm(xt, h, w_hh_t), c);
    } else if (gru) {
      Tensor gh = w.b_hh.defined() ? nabla::addmm(w.b_hh, h, w_hh_t) : h.mm(w_hh_t);
      h = detail::fused_gru_cell(xt, gh, h);
    } else {
      Tensor pre = nabla::addmm(xt, h, w_hh_t);
      h = mode == Mode::RNN_TANH ? pre.tanh() : pre.relu();
    }
  };

  std::vector<Tensor> outputs(steps);
  Tensor h, c;
  if (!reverse) {
    // Sequences end (and leave the batch) from the bottom rows up: keep their last states.
    h = h0, c = c0;
    std::vector<Tensor> done_h, done_c;
    for (int64_t t = 0; t < steps; ++t) {
      const int64_t bs = batch_sizes[t], cur = h.size(0);
      if (bs < cur) {
        done_h.push_back(h.narrow(0, bs, cur - bs));
        h = h.narrow(0, 0, bs);
        if (lstm) {
          done_c.push_back(c.narrow(0, bs, cur - bs));
          c = c.narrow(0, 0, bs);
        }
      }
      step(t, h, c);
      outputs[t] = h;
    }
    if (!done_h.empty()) {
      done_h.push_back(h);
      h = nabla::cat(std::vector<Tensor>(done_h.rbegin(), done_h.rend()), 0);
      if (lstm) {
        done_c.push_back(c);
        c = nabla::cat(std::vector<Tensor>(done_c.rbegin(), done_c.rend()), 0);
      }
    }
  } else {
    // Running backwards, sequences join the batch (from their initial state) as t decreases.
    h = h0.narrow(0, 0, batch_sizes[steps - 1]);
    if (lstm) c = c0.narrow(0, 0, batch_sizes[steps - 1]);
    for (int64_t t = steps - 1; t >= 0; --t) {
      const int64_t bs = batch_sizes[t], cur = h.size(0);
      if (bs > cur) {
        h = nabla::cat({h, h0.narrow(0, cur, bs - cur)}, 0);
        if (lstm) c = nabla::cat({c, c0.narrow(0, cur, bs - cur)}, 0);
      }
      step(t, h, c);
      outputs[t] = h;
    }
  }
  return {nabla::cat(outputs, 0), h, c};
}

std::string shape_of(const Tensor& t) { return fmt::format("{}", t.sizes()); }

}  // namespace

namespace {

namespace R = utils::rnn;

/// Unbatched input [T, in] runs as a batch of one; states are then [L*D, H].
struct Unbatched {
  bool active = false;
  int64_t batch_dim = 1;
};

Unbatched prepare_unbatched(const char* name, bool batch_first, Tensor& input,
                            std::vector<Tensor>& hx) {
  NABLA_CHECK(input.defined(), "[{}] input is undefined", name);
  NABLA_CHECK(input.dim() == 2 || input.dim() == 3,
              "[{}] expected input of 3 dimensions [T, B, input_size] ([B, T, input_size] with "
              "batch_first) or 2 (unbatched), got shape {}",
              name, input.sizes());
  Unbatched u{input.dim() == 2, batch_first ? 0 : 1};
  for (auto& h : hx) {
    if (!h.defined()) continue;
    const int64_t want = u.active ? 2 : 3;
    NABLA_CHECK(h.dim() == want,
                "[{}] for {} input the hidden state should be {}-D, got shape {} (input shape {})",
                name, u.active ? "unbatched 2-D" : "batched 3-D", want, h.sizes(), input.sizes());
    if (u.active) h = h.unsqueeze(1);
  }
  if (u.active) input = input.unsqueeze(u.batch_dim);
  return u;
}

Tensor restore_unbatched(const Unbatched& u, const Tensor& t, int64_t dim) {
  return u.active ? t.squeeze(dim) : t;
}

int64_t padded_batch(const Tensor& input, bool batch_first) {
  return batch_first ? input.size(0) : input.size(1);
}

std::vector<Tensor> unpack_lstm_state(const std::optional<std::tuple<Tensor, Tensor>>& hx_opt) {
  if (!hx_opt) return {Tensor(), Tensor()};
  const auto& [h, c] = *hx_opt;
  NABLA_CHECK(h.defined() && c.defined(),
              "[LSTM] the initial state (h_0, c_0) has an undefined "
              "tensor");
  return {h, c};
}

}  // namespace

// ---- RNNImplBase -------------------------------------------------------------------------

namespace detail {

template <class Derived>
RNNImplBase<Derived>::RNNImplBase(const RNNOptionsBase& options_) : options_base(options_) {
  // reset() is called by the derived constructor, once `options` is set.
}

template <class Derived>
const char* RNNImplBase<Derived>::module_name() const {
  switch (options_base.mode()) {
    case RNNOptionsBase::Mode::LSTM:
      return "LSTM";
    case RNNOptionsBase::Mode::GRU:
      return "GRU";
    default:
      return "RNN";
  }
}

template <class Derived>
void RNNImplBase<Derived>::reset() {
  const auto& o = options_base;
  const char* name = module_name();
  NABLA_CHECK(o.input_size() > 0 && o.hidden_size() > 0,
              "[{}] input_size and hidden_size must be positive, got {} and {}", name,
              o.input_size(), o.hidden_size());
  NABLA_CHECK(o.num_layers() > 0, "[{}] num_layers must be positive, got {}", name, o.num_layers());
  NABLA_CHECK(o.dropout() >= 0 && o.dropout() <= 1,
              "[{}] dropout must be a probability in [0, 1], got {}", name, o.dropout());
  NABLA_CHECK(o.proj_size() == 0,
              "[{}] proj_size (LSTM with projections) is not supported, got proj_size={}", name,
              o.proj_size());
  const int64_t gate_size = gate_count(o.mode()) * o.hidden_size();
  const int64_t directions = o.bidirectional() ? 2 : 1;
  flat_weights_names_.clear();
  all_weights_.clear();
  flat_weights_.clear();
  for (int64_t layer = 0; layer < o.num_layers(); ++layer) {
    const int64_t in = layer == 0 ? o.input_size() : o.hidden_size() * directions;
    for (int64_t dir = 0; dir < directions; ++dir) {
      const std::string suffix = fmt::format("_l{}{}", layer, dir == 1 ? "_reverse" : "");
      std::vector<std::pair<std::string, std::vector<int64_t>>> shapes = {
          {"weight_ih" + suffix, {gate_size, in}},
          {"weight_hh" + suffix, {gate_size, o.hidden_size()}}};
      if (o.bias()) {
        shapes.push_back({"bias_ih" + suffix, {gate_size}});
        shapes.push_back({"bias_hh" + suffix, {gate_size}});
      }
      std::vector<std::string> names;
      for (auto& [param_name, shape] : shapes) {
        flat_weights_.push_back(this->register_parameter(param_name, nabla::empty(shape)));
        flat_weights_names_.push_back(param_name);
        names.push_back(param_name);
      }
      all_weights_.push_back(std::move(names));
    }
  }
  reset_parameters();
}

template <class Derived>
void RNNImplBase<Derived>::reset_parameters() {
  const double stdv = 1.0 / std::sqrt(static_cast<double>(options_base.hidden_size()));
  for (auto& w : flat_weights_) init::uniform_(w, -stdv, stdv);
}

template <class Derived>
void RNNImplBase<Derived>::pretty_print(std::ostream& stream) const {
  const auto& o = options_base;
  stream << std::boolalpha << "nabla::nn::" << module_name() << "(input_size=" << o.input_size()
         << ", hidden_size=" << o.hidden_size() << ", num_layers=" << o.num_layers()
         << ", bias=" << o.bias() << ", batch_first=" << o.batch_first()
         << ", dropout=" << o.dropout() << ", bidirectional=" << o.bidirectional();
  if (o.mode() == RNNOptionsBase::Mode::RNN_RELU) stream << ", nonlinearity=kReLU";
  stream << ")";
}

template <class Derived>
std::vector<Tensor> RNNImplBase<Derived>::all_weights() const {
  return flat_weights_;
}

template <class Derived>
void RNNImplBase<Derived>::check_input(const Tensor& input, const Tensor& batch_sizes) const {
  const int64_t expected_dim = batch_sizes.defined() ? 2 : 3;
  NABLA_CHECK(input.dim() == expected_dim, "[{}] input must have {} dimensions, got shape {}",
              module_name(), expected_dim, input.sizes());
  NABLA_CHECK(input.size(-1) == options_base.input_size(),
              "[{}] input.size(-1) must be equal to input_size. Expected {}, got {} (input shape "
              "{})",
              module_name(), options_base.input_size(), input.size(-1), input.sizes());
}

template <class Derived>
std::tuple<int64_t, int64_t, int64_t> RNNImplBase<Derived>::get_expected_hidden_size(
    const Tensor& input, const Tensor& batch_sizes) const {
  int64_t mini_batch = 0;
  if (batch_sizes.defined()) {
    mini_batch = batch_sizes[0].item<int64_t>();
  } else {
    mini_batch = options_base.batch_first() ? input.size(0) : input.size(1);
  }
  const int64_t directions = options_base.bidirectional() ? 2 : 1;
  return {options_base.num_layers() * directions, mini_batch, options_base.hidden_size()};
}

template <class Derived>
void RNNImplBase<Derived>::check_hidden_size(const Tensor& hx,
                                             std::tuple<int64_t, int64_t, int64_t> expected,
                                             const std::string& what) const {
  const auto [a, b, c] = expected;
  const std::vector<int64_t> shape{a, b, c};
  NABLA_CHECK(hx.sizes() == IntArrayRef(shape), "[{}] expected {} of shape {}, got {}",
              module_name(), what, IntArrayRef(shape), hx.sizes());
}

template <class Derived>
Tensor RNNImplBase<Derived>::permute_hidden(const Tensor& hx, const Tensor& permutation) const {
  if (!permutation.defined()) return hx;
  return hx.index_select(1, permutation);
}

template <class Derived>
std::tuple<Tensor, std::vector<Tensor>> RNNImplBase<Derived>::run_packed(
    const Tensor& data, const std::vector<int64_t>& batch_sizes,
    const std::vector<Tensor>& states) const {
  const auto& o = options_base;
  const int64_t directions = o.bidirectional() ? 2 : 1;
  const bool lstm = o.mode() == RNNOptionsBase::Mode::LSTM;
  std::vector<Tensor> final_h, final_c;
  Tensor layer_input = data;
  size_t param = 0;
  for (int64_t layer = 0; layer < o.num_layers(); ++layer) {
    std::vector<Tensor> dir_outputs;
    for (int64_t dir = 0; dir < directions; ++dir) {
      LayerWeights w{flat_weights_[param], flat_weights_[param + 1], {}, {}};
      if (o.bias()) w.b_ih = flat_weights_[param + 2], w.b_hh = flat_weights_[param + 3];
      param += o.bias() ? 4 : 2;
      const int64_t index = layer * directions + dir;
      auto [out, h, c] =
          run_direction(o.mode(), layer_input, batch_sizes, w, states[0].select(0, index),
                        lstm ? states[1].select(0, index) : Tensor(), dir == 1);
      dir_outputs.push_back(out);
      final_h.push_back(h);
      if (lstm) final_c.push_back(c);
    }
    layer_input = directions == 2 ? nabla::cat(dir_outputs, 1) : dir_outputs[0];
    if (o.dropout() > 0 && this->is_training() && layer + 1 < o.num_layers()) {
      layer_input = F::dropout(layer_input, F::DropoutFuncOptions().p(o.dropout()).training(true));
    }
  }
  std::vector<Tensor> finals{nabla::stack(final_h, 0)};
  if (lstm) finals.push_back(nabla::stack(final_c, 0));
  return {layer_input, finals};
}

template <class Derived>
std::tuple<Tensor, std::vector<Tensor>> RNNImplBase<Derived>::forward_helper(
    const Tensor& input, const Tensor& batch_sizes, const Tensor& sorted_indices,
    int64_t max_batch_size, std::vector<Tensor> hx) {
  const auto& o = options_base;
  const char* name = module_name();
  const bool packed = batch_sizes.defined();
  check_input(input, batch_sizes);
  const auto expected = get_expected_hidden_size(input, batch_sizes);
  const char* labels[] = {"hidden state h_0", "cell state c_0"};
  for (size_t k = 0; k < hx.size(); ++k) {
    if (!hx[k].defined()) {
      hx[k] = nabla::zeros({std::get<0>(expected), max_batch_size, o.hidden_size()},
                           TensorOptions(input.scalar_type()).device(input.device()));
    } else {
      check_hidden_size(hx[k], expected, labels[k]);
      hx[k] = permute_hidden(hx[k], sorted_indices);
    }
  }
  std::vector<int64_t> sizes;
  Tensor data;
  if (packed) {
    const Tensor bs = batch_sizes.to(kLong).contiguous();
    sizes.assign(bs.data_ptr<int64_t>(), bs.data_ptr<int64_t>() + bs.numel());
    int64_t rows = 0;
    for (size_t t = 0; t < sizes.size(); ++t) {
      NABLA_CHECK(sizes[t] > 0 && (t == 0 || sizes[t] <= sizes[t - 1]),
                  "[{}] packed batch_sizes must be positive and non-increasing, got {}", name,
                  IntArrayRef(sizes));
      rows += sizes[t];
    }
    NABLA_CHECK(rows == input.size(0), "[{}] packed data has {} rows but batch_sizes add up to {}",
                name, input.size(0), rows);
    data = input;
  } else {
    const Tensor x = o.batch_first() ? input.transpose(0, 1) : input;
    NABLA_CHECK(x.size(0) > 0, "[{}] expected sequence length to be larger than 0, got input {}",
                name, shape_of(input));
    sizes.assign(static_cast<size_t>(x.size(0)), x.size(1));
    data = x.reshape({x.size(0) * x.size(1), x.size(2)});
  }
  auto [out, finals] = run_packed(data, sizes, hx);
  if (!packed) {
    const int64_t steps = static_cast<int64_t>(sizes.size());
    out = out.view({steps, max_batch_size, out.size(1)});
    if (o.batch_first()) out = out.transpose(0, 1);
  }
  return {out, finals};
}

template <class Derived>
std::tuple<Tensor, std::vector<Tensor>> RNNImplBase<Derived>::forward_padded(
    const Tensor& input_, std::vector<Tensor> hx) {
  Tensor input = input_;
  const bool batch_first = options_base.batch_first();
  const auto u = prepare_unbatched(module_name(), batch_first, input, hx);
  auto [out, finals] = forward_helper(input, {}, {}, padded_batch(input, batch_first), hx);
  for (auto& f : finals) f = restore_unbatched(u, f, 1);
  return {restore_unbatched(u, out, u.batch_dim), finals};
}

template <class Derived>
std::tuple<R::PackedSequence, std::vector<Tensor>> RNNImplBase<Derived>::forward_packed(
    const R::PackedSequence& packed_input, std::vector<Tensor> hx) {
  const Tensor& bs = packed_input.batch_sizes();
  auto [out, finals] = forward_helper(packed_input.data(), bs, packed_input.sorted_indices(),
                                      bs[0].item<int64_t>(), std::move(hx));
  for (auto& f : finals) f = permute_hidden(f, packed_input.unsorted_indices());
  return {
      R::PackedSequence(out, bs, packed_input.sorted_indices(), packed_input.unsorted_indices()),
      finals};
}

template class RNNImplBase<RNNImpl>;
template class RNNImplBase<LSTMImpl>;
template class RNNImplBase<GRUImpl>;

}  // namespace detail

// ---- RNN, LSTM, GRU ----------------------------------------------------------------------

RNNImpl::RNNImpl(const RNNOptions& options_)
    : RNNImplBase(detail::RNNOptionsBase(rnn_mode(options_.nonlinearity(), "RNN"),
                                         options_.input_size(), options_.hidden_size())
                      .num_layers(options_.num_layers())
                      .bias(options_.bias())
                      .batch_first(options_.batch_first())
                      .dropout(options_.dropout())
                      .bidirectional(options_.bidirectional())),
      options(options_) {
  reset();
}

std::tuple<Tensor, Tensor> RNNImpl::forward(const Tensor& input, Tensor hx) {
  auto [out, finals] = forward_padded(input, {std::move(hx)});
  return {out, finals[0]};
}

std::tuple<R::PackedSequence, Tensor> RNNImpl::forward_with_packed_input(
    const R::PackedSequence& packed_input, Tensor hx) {
  auto [out, finals] = forward_packed(packed_input, {std::move(hx)});
  return {out, finals[0]};
}

LSTMImpl::LSTMImpl(const LSTMOptions& options_)
    : RNNImplBase(detail::RNNOptionsBase(detail::RNNOptionsBase::Mode::LSTM, options_.input_size(),
                                         options_.hidden_size())
                      .num_layers(options_.num_layers())
                      .bias(options_.bias())
                      .batch_first(options_.batch_first())
                      .dropout(options_.dropout())
                      .bidirectional(options_.bidirectional())
                      .proj_size(options_.proj_size())),
      options(options_) {
  reset();
}

std::tuple<Tensor, std::tuple<Tensor, Tensor>> LSTMImpl::forward(
    const Tensor& input, std::optional<std::tuple<Tensor, Tensor>> hx_opt) {
  auto [out, finals] = forward_padded(input, unpack_lstm_state(hx_opt));
  return {out, {finals[0], finals[1]}};
}

std::tuple<R::PackedSequence, std::tuple<Tensor, Tensor>> LSTMImpl::forward_with_packed_input(
    const R::PackedSequence& packed_input, std::optional<std::tuple<Tensor, Tensor>> hx_opt) {
  auto [out, finals] = forward_packed(packed_input, unpack_lstm_state(hx_opt));
  return {out, {finals[0], finals[1]}};
}

GRUImpl::GRUImpl(const GRUOptions& options_)
    : RNNImplBase(detail::RNNOptionsBase(detail::RNNOptionsBase::Mode::GRU, options_.input_size(),
                                         options_.hidden_size())
                      .num_layers(options_.num_layers())
                      .bias(options_.bias())
                      .batch_first(options_.batch_first())
                      .dropout(options_.dropout())
                      .bidirectional(options_.bidirectional())),
      options(options_) {
  reset();
}

std::tuple<Tensor, Tensor> GRUImpl::forward(const Tensor& input, Tensor hx) {
  auto [out, finals] = forward_padded(input, {std::move(hx)});
  return {out, finals[0]};
}

std::tuple<R::PackedSequence, Tensor> GRUImpl::forward_with_packed_input(
    const R::PackedSequence& packed_input, Tensor hx) {
  auto [out, finals] = forward_packed(packed_input, {std::move(hx)});
  return {out, finals[0]};
}

// ---- cells -------------------------------------------------------------------------------

namespace detail {

template <class Derived>
RNNCellImplBase<Derived>::RNNCellImplBase(const RNNCellOptionsBase& options_)
    : options_base(options_) {}

template <class Derived>
const char* RNNCellImplBase<Derived>::module_name() const {
  switch (options_base.num_chunks()) {
    case 4:
      return "LSTMCell";
    case 3:
      return "GRUCell";
    default:
      return "RNNCell";
  }
}

template <class Derived>
void RNNCellImplBase<Derived>::reset() {
  const auto& o = options_base;
  NABLA_CHECK(o.input_size() > 0 && o.hidden_size() > 0,
              "[{}] input_size and hidden_size must be positive, got {} and {}", module_name(),
              o.input_size(), o.hidden_size());
  const int64_t gates = o.num_chunks() * o.hidden_size();
  weight_ih = this->register_parameter("weight_ih", nabla::empty({gates, o.input_size()}));
  weight_hh = this->register_parameter("weight_hh", nabla::empty({gates, o.hidden_size()}));
  if (o.bias()) {
    bias_ih = this->register_parameter("bias_ih", nabla::empty({gates}));
    bias_hh = this->register_parameter("bias_hh", nabla::empty({gates}));
  } else {
    bias_ih = this->register_parameter("bias_ih", Tensor(), /*requires_grad=*/false);
    bias_hh = this->register_parameter("bias_hh", Tensor(), /*requires_grad=*/false);
  }
  reset_parameters();
}

template <class Derived>
void RNNCellImplBase<Derived>::reset_parameters() {
  const double stdv = 1.0 / std::sqrt(static_cast<double>(options_base.hidden_size()));
  for (auto& p : this->parameters()) init::uniform_(p, -stdv, stdv);
}

template <class Derived>
void RNNCellImplBase<Derived>::pretty_print(std::ostream& stream) const {
  stream << "nabla::nn::" << module_name() << "(" << options_base.input_size() << ", "
         << options_base.hidden_size();
  if (!options_base.bias()) stream << ", bias=false";
  const std::string nonlinearity = get_nonlinearity_str();
  if (!nonlinearity.empty() && nonlinearity != "kTanh") stream << ", nonlinearity=" << nonlinearity;
  stream << ")";
}

template <class Derived>
std::string RNNCellImplBase<Derived>::get_nonlinearity_str() const {
  return "";
}

template <class Derived>
void RNNCellImplBase<Derived>::check_forward_input(const Tensor& input) const {
  NABLA_CHECK(input.defined(), "[{}] input is undefined", module_name());
  NABLA_CHECK(input.dim() == 1 || input.dim() == 2,
              "[{}] expected input of 2 dimensions [B, input_size] or 1 (unbatched), got shape {}",
              module_name(), input.sizes());
  NABLA_CHECK(input.size(-1) == options_base.input_size(),
              "[{}] input has inconsistent input_size: got {} expected {} (input shape {})",
              module_name(), input.size(-1), options_base.input_size(), input.sizes());
}

template <class Derived>
void RNNCellImplBase<Derived>::check_forward_hidden(const Tensor& input, const Tensor& hx,
                                                    const std::string& hidden_label) const {
  const std::vector<int64_t> want{input.size(0), options_base.hidden_size()};
  NABLA_CHECK(hx.sizes() == IntArrayRef(want), "[{}] expected {} of shape {}, got {} (input {})",
              module_name(), hidden_label, IntArrayRef(want), hx.sizes(), input.sizes());
}

template class RNNCellImplBase<RNNCellImpl>;
template class RNNCellImplBase<LSTMCellImpl>;
template class RNNCellImplBase<GRUCellImpl>;

}  // namespace detail

namespace {

/// Batches an unbatched [in] input (and its [H] states) to [1, in] / [1, H].
bool batch_cell_input(Tensor& input, std::vector<Tensor*> states, const char* name) {
  const bool unbatched = input.dim() == 1;
  for (Tensor* h : states) {
    if (!h->defined()) continue;
    NABLA_CHECK(h->dim() == input.dim(),
                "[{}] for {}-D input the hidden state must be {}-D, got shape {}", name,
                input.dim(), input.dim(), h->sizes());
    if (unbatched) *h = h->unsqueeze(0);
  }
  if (unbatched) input = input.unsqueeze(0);
  return unbatched;
}

Tensor zero_state(const Tensor& input, int64_t hidden) {
  return nabla::zeros({input.size(0), hidden},
                      TensorOptions(input.scalar_type()).device(input.device()));
}

Tensor unbatch(bool unbatched, const Tensor& t) { return unbatched ? t.squeeze(0) : t; }

}  // namespace

RNNCellImpl::RNNCellImpl(const RNNCellOptions& options_)
    : RNNCellImplBase(detail::RNNCellOptionsBase(options_.input_size(), options_.hidden_size(),
                                                 options_.bias(), 1)),
      options(options_) {
  rnn_mode(options_.nonlinearity(), "RNNCell");
  reset();
}

std::string RNNCellImpl::get_nonlinearity_str() const {
  return options.nonlinearity() == init::Nonlinearity::ReLU ? "kReLU" : "kTanh";
}

Tensor RNNCellImpl::forward(const Tensor& input_, Tensor hx) {
  check_forward_input(input_);
  Tensor input = input_;
  const bool unbatched = batch_cell_input(input, {&hx}, "RNNCell");
  if (!hx.defined()) hx = zero_state(input, options.hidden_size());
  check_forward_hidden(input, hx, "hx");
  Tensor pre = F::linear(input, weight_ih, bias_ih) + F::linear(hx, weight_hh, bias_hh);
  Tensor h = options.nonlinearity() == init::Nonlinearity::ReLU ? pre.relu() : pre.tanh();
  return unbatch(unbatched, h);
}

LSTMCellImpl::LSTMCellImpl(const LSTMCellOptions& options_)
    : RNNCellImplBase(detail::RNNCellOptionsBase(options_.input_size(), options_.hidden_size(),
                                                 options_.bias(), 4)),
      options(options_) {
  reset();
}

std::tuple<Tensor, Tensor> LSTMCellImpl::forward(const Tensor& input_,
                                                 std::optional<std::tuple<Tensor, Tensor>> hx_opt) {
  check_forward_input(input_);
  Tensor input = input_;
  std::vector<Tensor> states = unpack_lstm_state(hx_opt);
  const bool unbatched = batch_cell_input(input, {&states[0], &states[1]}, "LSTMCell");
  for (auto& s : states) {
    if (!s.defined()) s = zero_state(input, options.hidden_size());
  }
  check_forward_hidden(input, states[0], "hx[0]");
  check_forward_hidden(input, states[1], "hx[1]");
  Tensor gates = F::linear(input, weight_ih, bias_ih) + F::linear(states[0], weight_hh, bias_hh);
  auto [h, c] = detail::fused_lstm_cell(gates, states[1]);
  return {unbatch(unbatched, h), unbatch(unbatched, c)};
}

GRUCellImpl::GRUCellImpl(const GRUCellOptions& options_)
    : RNNCellImplBase(detail::RNNCellOptionsBase(options_.input_size(), options_.hidden_size(),
                                                 options_.bias(), 3)),
      options(options_) {
  reset();
}

Tensor GRUCellImpl::forward(const Tensor& input_, Tensor hx) {
  check_forward_input(input_);
  Tensor input = input_;
  const bool unbatched = batch_cell_input(input, {&hx}, "GRUCell");
  if (!hx.defined()) hx = zero_state(input, options.hidden_size());
  check_forward_hidden(input, hx, "hx");
  Tensor h = detail::fused_gru_cell(F::linear(input, weight_ih, bias_ih),
                                    F::linear(hx, weight_hh, bias_hh), hx);
  return unbatch(unbatched, h);
}

}  // namespace nabla::nn
