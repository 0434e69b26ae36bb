// Recurrent layers: PyTorch parity (fixtures from scripts/make_rnn_fixtures.py), gradcheck of the
// cells and fused ops, fused vs unfused agreement, packed sequences, long sequences, truncated
// BPTT and errors.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <unordered_set>

#include "nabla/nabla.h"

using namespace nabla;  // NOLINT
namespace R = nabla::nn::utils::rnn;
using autograd::variable_list;
using nn::detail::fused_gru_cell;
using nn::detail::fused_lstm_cell;
using nn::detail::fused_lstm_layer;

namespace {

// The oracles: the same ops with the fused kernels off (their composition of ordinary ops, as
// on a backend without the fused families).
std::tuple<Tensor, Tensor> unfused_lstm_cell(const Tensor& gates, const Tensor& cx) {
  nabla::detail::FusedKernelsGuard off(false);
  return fused_lstm_cell(gates, cx);
}
Tensor unfused_gru_cell(const Tensor& gi, const Tensor& gh, const Tensor& hx) {
  nabla::detail::FusedKernelsGuard off(false);
  return fused_gru_cell(gi, gh, hx);
}
std::tuple<Tensor, Tensor, Tensor> lstm_layer_by_steps(const Tensor& xproj, const Tensor& w_hh,
                                                       const Tensor& h0, const Tensor& c0,
                                                       bool reverse) {
  nabla::detail::FusedKernelsGuard off(false);
  return fused_lstm_layer(xproj, w_hh, h0, c0, reverse);
}

std::map<std::string, Tensor> load_case(const std::string& name) {
  std::map<std::string, Tensor> out;
  for (auto& [k, v] : load_safetensors(NABLA_TEST_DATA_DIR "/rnn_" + name + ".safetensors"))
    out[k] = v;
  return out;
}

void expect_close(const Tensor& got, const Tensor& want, const std::string& what,
                  double tol = 1e-5) {
  ASSERT_TRUE(got.defined()) << what << " is undefined";
  ASSERT_EQ(got.sizes(), want.sizes()) << what;
  EXPECT_TRUE(got.allclose(want, tol, tol))
      << what << ": max abs diff " << (got - want).abs().max().item<double>();
}

void load_params(nn::Module& module, std::map<std::string, Tensor>& f) {
  NoGradGuard no_grad;
  size_t count = 0;
  for (auto& p : module.named_parameters()) {
    ASSERT_TRUE(f.count("param." + p.key())) << p.key();
    p.value().copy_(f["param." + p.key()]);
    ++count;
  }
  size_t in_file = 0;
  for (auto& [k, v] : f) in_file += k.rfind("param.", 0) == 0;
  EXPECT_EQ(count, in_file);
}

Tensor leaf(const Tensor& t) { return t.clone().requires_grad_(true); }

/// Loss of the fixture: (out * w_out).sum() + (h_n * w_h).sum() + (c_n * w_c).sum().
Tensor fixture_loss(std::map<std::string, Tensor>& f, const Tensor& out, const Tensor& h,
                    const Tensor& c) {
  Tensor loss = (h * f["w_h"]).sum();
  if (out.defined()) loss = loss + (out * f["w_out"]).sum();
  if (c.defined()) loss = loss + (c * f["w_c"]).sum();
  return loss;
}

void check_grads(nn::Module& module, std::map<std::string, Tensor>& f, const Tensor& x,
                 const Tensor& h0, const Tensor& c0) {
  expect_close(x.grad(), f["grad.input"], "grad.input");
  if (h0.defined()) expect_close(h0.grad(), f["grad.h0"], "grad.h0");
  if (c0.defined()) expect_close(c0.grad(), f["grad.c0"], "grad.c0");
  for (auto& p : module.named_parameters())
    expect_close(p.value().grad(), f["grad." + p.key()], "grad." + p.key());
}

struct Case {
  std::string name;
  std::function<std::shared_ptr<nn::Module>()> make;
};

// The same modules as CASES in scripts/make_rnn_fixtures.py.
const std::vector<Case>& cases() {
  static const std::vector<Case> all = {
      {"rnn_tanh_2layers", [] { return nn::RNN(nn::RNNOptions(3, 5).num_layers(2)).ptr(); }},
      {"rnn_relu_bi_bf",
       [] {
         return nn::RNN(
                    nn::RNNOptions(3, 5).nonlinearity(kReLU).bidirectional(true).batch_first(true))
             .ptr();
       }},
      {"lstm_2layers_hx", [] { return nn::LSTM(nn::LSTMOptions(3, 5).num_layers(2)).ptr(); }},
      {"lstm_bi_bf_2layers",
       [] {
         return nn::LSTM(nn::LSTMOptions(3, 4).num_layers(2).bidirectional(true).batch_first(true))
             .ptr();
       }},
      {"lstm_nobias_hx", [] { return nn::LSTM(nn::LSTMOptions(3, 4).bias(false)).ptr(); }},
      {"gru_bi_2layers_hx",
       [] { return nn::GRU(nn::GRUOptions(3, 4).num_layers(2).bidirectional(true)).ptr(); }},
      {"gru_bf_nobias",
       [] { return nn::GRU(nn::GRUOptions(3, 4).batch_first(true).bias(false)).ptr(); }},
      {"lstm_packed_bi", [] { return nn::LSTM(nn::LSTMOptions(3, 4).bidirectional(true)).ptr(); }},
      {"gru_packed_2layers", [] { return nn::GRU(nn::GRUOptions(3, 4).num_layers(2)).ptr(); }},
  };
  return all;
}

}  // namespace

// ---- PyTorch parity ----------------------------------------------------------------------

TEST(RnnFixtures, SequenceModulesMatchPyTorch) {
  for (const auto& c : cases()) {
    SCOPED_TRACE(c.name);
    auto f = load_case(c.name);
    auto module = c.make();
    load_params(*module, f);
    Tensor x = leaf(f["input"]);
    Tensor h0 = f.count("h0") ? leaf(f["h0"]) : Tensor();
    Tensor c0 = f.count("c0") ? leaf(f["c0"]) : Tensor();
    Tensor out, h, cell;
    const bool packed = f.count("lengths") > 0;
    std::optional<R::PackedSequence> input;
    if (packed) input = R::pack_padded_sequence(x, f["lengths"], false, false);
    if (auto* lstm = module->as<nn::LSTMImpl>()) {
      std::optional<std::tuple<Tensor, Tensor>> state;
      if (h0.defined()) state = std::make_tuple(h0, c0);
      if (packed) {
        auto [o, s] = lstm->forward_with_packed_input(*input, state);
        out = std::get<0>(R::pad_packed_sequence(o));
        std::tie(h, cell) = s;
      } else {
        auto [o, s] = lstm->forward(x, state);
        out = o;
        std::tie(h, cell) = s;
      }
    } else if (auto* gru = module->as<nn::GRUImpl>()) {
      if (packed) {
        auto [o, s] = gru->forward_with_packed_input(*input, h0);
        out = std::get<0>(R::pad_packed_sequence(o));
        h = s;
      } else {
        std::tie(out, h) = gru->forward(x, h0);
      }
    } else {
      std::tie(out, h) = module->as<nn::RNNImpl>()->forward(x, h0);
    }
    expect_close(out, f["out"], "out");
    expect_close(h, f["h_n"], "h_n");
    if (cell.defined()) expect_close(cell, f["c_n"], "c_n");
    fixture_loss(f, out, h, cell).backward();
    check_grads(*module, f, x, h0, c0);
  }
}

TEST(RnnFixtures, CellsMatchPyTorch) {
  {
    for (std::string name : {"rnn_cell_tanh", "rnn_cell_relu_nobias"}) {
      SCOPED_TRACE(name);
      auto f = load_case(name);
      const bool relu = name == "rnn_cell_relu_nobias";
      nn::RNNCell cell(nn::RNNCellOptions(3, 4).bias(!relu).nonlinearity(relu ? kReLU : kTanh));
      load_params(*cell, f);
      Tensor x = leaf(f["input"]), h0 = leaf(f["h0"]);
      Tensor h = cell(x, h0);
      expect_close(h, f["h_n"], "h");
      fixture_loss(f, {}, h, {}).backward();
      check_grads(*cell, f, x, h0, {});
    }
  }
  for (std::string name : {"lstm_cell", "lstm_cell_nobias"}) {
    SCOPED_TRACE(name);
    auto f = load_case(name);
    nn::LSTMCell cell(nn::LSTMCellOptions(3, 4).bias(name == "lstm_cell"));
    load_params(*cell, f);
    Tensor x = leaf(f["input"]);
    Tensor h0 = f.count("h0") ? leaf(f["h0"]) : Tensor();
    Tensor c0 = f.count("c0") ? leaf(f["c0"]) : Tensor();
    std::optional<std::tuple<Tensor, Tensor>> state;
    if (h0.defined()) state = std::make_tuple(h0, c0);
    auto [h, c] = cell(x, state);
    expect_close(h, f["h_n"], "h");
    expect_close(c, f["c_n"], "c");
    fixture_loss(f, {}, h, c).backward();
    check_grads(*cell, f, x, h0, c0);
  }
  for (std::string name : {"gru_cell", "gru_cell_nobias"}) {
    SCOPED_TRACE(name);
    auto f = load_case(name);
    nn::GRUCell cell(nn::GRUCellOptions(3, 4).bias(name == "gru_cell"));
    load_params(*cell, f);
    Tensor x = leaf(f["input"]);
    Tensor h0 = f.count("h0") ? leaf(f["h0"]) : Tensor();
    Tensor h = cell(x, h0);
    expect_close(h, f["h_n"], "h");
    fixture_loss(f, {}, h, {}).backward();
    check_grads(*cell, f, x, h0, {});
  }
}

TEST(Rnn, ParameterNamesFollowPyTorch) {
  nn::LSTM lstm(nn::LSTMOptions(3, 4).num_layers(2).bidirectional(true));
  std::vector<std::string> names;
  for (auto& p : lstm->named_parameters()) names.push_back(p.key());
  const std::vector<std::string> want = {
      "weight_ih_l0",         "weight_hh_l0",         "bias_ih_l0",         "bias_hh_l0",
      "weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse", "bias_hh_l0_reverse",
      "weight_ih_l1",         "weight_hh_l1",         "bias_ih_l1",         "bias_hh_l1",
      "weight_ih_l1_reverse", "weight_hh_l1_reverse", "bias_ih_l1_reverse", "bias_hh_l1_reverse"};
  EXPECT_EQ(names, want);
  EXPECT_EQ(lstm->named_parameters()["weight_ih_l1"].sizes(), IntArrayRef({16, 8}));
  EXPECT_EQ(lstm->all_weights().size(), 16u);
  // U(-1/sqrt(H), 1/sqrt(H))
  for (auto& p : lstm->parameters()) EXPECT_LE(p.abs().max().item<double>(), 0.5);
  nn::GRUCell cell(5, 6);
  EXPECT_EQ(cell->weight_ih.sizes(), IntArrayRef({18, 5}));
  EXPECT_EQ(cell->named_parameters().keys(),
            (std::vector<std::string>{"weight_ih", "weight_hh", "bias_ih", "bias_hh"}));
}

TEST(Rnn, CloneIsDeepAndKeepsWorking) {
  nn::LSTM lstm(nn::LSTMOptions(3, 4).num_layers(2));
  auto copy = std::dynamic_pointer_cast<nn::LSTMImpl>(lstm->clone());
  ASSERT_TRUE(copy);
  Tensor x = randn({5, 2, 3});
  auto a = std::get<0>(lstm(x));
  auto b = std::get<0>(copy->forward(x));
  EXPECT_TRUE(a.allclose(b));
  {
    NoGradGuard g;
    copy->named_parameters()["weight_hh_l1"].fill_(0.5);
  }
  EXPECT_FALSE(std::get<0>(copy->forward(x)).allclose(a));
  EXPECT_TRUE(std::get<0>(lstm(x)).allclose(a));
}

TEST(Rnn, PrettyPrint) {
  std::ostringstream s;
  s << *nn::LSTM(64, 256);
  EXPECT_EQ(s.str(),
            "nabla::nn::LSTM(input_size=64, hidden_size=256, num_layers=1, bias=true, "
            "batch_first=false, dropout=0, bidirectional=false)");
  std::ostringstream g;
  g << *nn::GRU(nn::GRUOptions(2, 3).num_layers(2).dropout(0.5).batch_first(true));
  EXPECT_EQ(g.str(),
            "nabla::nn::GRU(input_size=2, hidden_size=3, num_layers=2, bias=true, "
            "batch_first=true, dropout=0.5, bidirectional=false)");
  std::ostringstream c;
  c << *nn::RNNCell(nn::RNNCellOptions(3, 4).bias(false).nonlinearity(kReLU)) << " "
    << *nn::LSTMCell(3, 4);
  EXPECT_EQ(c.str(),
            "nabla::nn::RNNCell(3, 4, bias=false, nonlinearity=kReLU) "
            "nabla::nn::LSTMCell(3, 4)");
}

// ---- fused ops ---------------------------------------------------------------------------

TEST(RnnFused, LstmFusedMatchesUnfused) {
  // Rows long enough for the vectorized loop and its remainder (37), gates from tiny to
  // saturated (the float kernel has its own exp and tanh), one row of exact zeros.
  for (auto dtype : {kFloat, kDouble}) {
    Tensor g0 = randn({9, 4 * 37}, dtype) * 4;
    g0[0] = linspace(-40, 40, 4 * 37, dtype);
    g0[1] = linspace(-1e-3, 1e-3, 4 * 37, dtype);
    g0[2] = zeros({4 * 37}, dtype);
    Tensor g1 = g0.requires_grad_(), c1 = (randn({9, 37}, dtype) * 2).requires_grad_();
    Tensor g2 = g1.detach().clone().requires_grad_(), c2 = c1.detach().clone().requires_grad_();
    auto [h1, cy1] = fused_lstm_cell(g1, c1);
    auto [h2, cy2] = unfused_lstm_cell(g2, c2);
    EXPECT_EQ(h1.grad_fn()->name(), "FusedLstmCellBackward0");
    EXPECT_NE(h2.grad_fn()->name(), "FusedLstmCellBackward0");
    EXPECT_TRUE(h1.allclose(h2, 1e-6, 1e-6));
    EXPECT_TRUE(cy1.allclose(cy2, 1e-6, 1e-6));
    Tensor wh = randn({9, 37}, dtype), wc = randn({9, 37}, dtype);
    ((h1 * wh).sum() + (cy1 * wc).sum()).backward();
    ((h2 * wh).sum() + (cy2 * wc).sum()).backward();
    EXPECT_TRUE(g1.grad().allclose(g2.grad(), 1e-5, 1e-6));
    EXPECT_TRUE(c1.grad().allclose(c2.grad(), 1e-5, 1e-6));
  }
}

TEST(RnnFused, GruFusedMatchesUnfused) {
  for (auto dtype : {kFloat, kDouble}) {
    Tensor a1 = (randn({7, 3 * 37}, dtype) * 4).requires_grad_(),
           b1 = (randn({7, 3 * 37}, dtype) * 4).requires_grad_();
    Tensor h1 = randn({7, 37}, dtype).requires_grad_();
    Tensor a2 = a1.detach().clone().requires_grad_(), b2 = b1.detach().clone().requires_grad_();
    Tensor h2 = h1.detach().clone().requires_grad_();
    Tensor y1 = fused_gru_cell(a1, b1, h1), y2 = unfused_gru_cell(a2, b2, h2);
    EXPECT_EQ(y1.grad_fn()->name(), "FusedGruCellBackward0");
    EXPECT_NE(y2.grad_fn()->name(), "FusedGruCellBackward0");
    EXPECT_TRUE(y1.allclose(y2, 1e-6, 1e-6));
    Tensor w = randn({7, 37}, dtype);
    (y1 * w).sum().backward();
    (y2 * w).sum().backward();
    EXPECT_TRUE(a1.grad().allclose(a2.grad(), 1e-5, 1e-6));
    EXPECT_TRUE(b1.grad().allclose(b2.grad(), 1e-5, 1e-6));
    EXPECT_TRUE(h1.grad().allclose(h2.grad(), 1e-5, 1e-6));
  }
}

TEST(RnnFused, LstmLayerMatchesSteps) {
  const int64_t T = 5, B = 3, H = 6;
  for (auto dtype : {kFloat, kDouble}) {
    for (bool reverse : {false, true}) {
      std::vector<Tensor> a{randn({T * B, 4 * H}, dtype) * 2, randn({4 * H, H}, dtype) * 0.5,
                            randn({B, H}, dtype), randn({B, H}, dtype)};
      std::vector<Tensor> b;
      for (auto& t : a) {
        t.requires_grad_();
        b.push_back(t.detach().clone().requires_grad_());
      }
      auto [o1, h1, c1] = fused_lstm_layer(a[0], a[1], a[2], a[3], reverse);
      auto [o2, h2, c2] = lstm_layer_by_steps(b[0], b[1], b[2], b[3], reverse);
      EXPECT_EQ(o1.grad_fn()->name(), "FusedLstmLayerBackward0");
      EXPECT_NE(o2.grad_fn()->name(), "FusedLstmLayerBackward0");
      EXPECT_TRUE(o1.allclose(o2, 1e-5, 1e-6));
      EXPECT_TRUE(h1.allclose(h2, 1e-5, 1e-6));
      EXPECT_TRUE(c1.allclose(c2, 1e-5, 1e-6));
      Tensor wo = randn({T * B, H}, dtype), wh = randn({B, H}, dtype), wc = randn({B, H}, dtype);
      ((o1 * wo).sum() + (h1 * wh).sum() + (c1 * wc).sum()).backward();
      ((o2 * wo).sum() + (h2 * wh).sum() + (c2 * wc).sum()).backward();
      for (size_t i = 0; i < a.size(); ++i)
        EXPECT_TRUE(a[i].grad().allclose(b[i].grad(), 1e-4, 1e-5)) << "input " << i;
      // Only the output used: the final states get zero gradients.
      auto [o3, h3, c3] = fused_lstm_layer(a[0], a[1], a[2], a[3], reverse);
      auto [o4, h4, c4] = lstm_layer_by_steps(b[0], b[1], b[2], b[3], reverse);
      Tensor g3 = autograd::grad({(o3 * wo).sum()}, {a[1]})[0];
      Tensor g4 = autograd::grad({(o4 * wo).sum()}, {b[1]})[0];
      EXPECT_TRUE(g3.allclose(g4, 1e-4, 1e-5));
    }
  }
  EXPECT_THROW(fused_lstm_layer(randn({7, 8}), randn({8, 2}), randn({3, 2}), randn({3, 2})), Error);
  EXPECT_THROW(fused_lstm_layer(randn({6, 8}), randn({8, 2}), randn({3, 2}), randn({2, 2})), Error);
  EXPECT_THROW(
      fused_lstm_layer(randn({6, 8}), randn({8, 2}, kDouble), randn({3, 2}), randn({3, 2})), Error);
}

TEST(RnnFused, LstmLayerGradcheckWithDoubleBackward) {
  autograd::GradcheckOptions opts;
  opts.check_grad_grad = true;
  for (bool reverse : {false, true}) {
    std::vector<Tensor> in{randn({3 * 2, 8}, kDouble), randn({8, 2}, kDouble),
                           randn({2, 2}, kDouble), randn({2, 2}, kDouble)};
    for (auto& t : in) t.requires_grad_();
    EXPECT_TRUE(autograd::gradcheck(
        [reverse](const variable_list& x) {
          auto [o, h, c] = nn::detail::fused_lstm_layer(x[0], x[1], x[2], x[3], reverse);
          return variable_list{o, h, c};
        },
        in, opts));
  }
}

TEST(RnnFused, GradcheckWithDoubleBackward) {
  autograd::GradcheckOptions opts;
  opts.check_grad_grad = true;
  Tensor g = randn({3, 8}, kDouble).requires_grad_(), c = randn({3, 2}, kDouble).requires_grad_();
  EXPECT_TRUE(autograd::gradcheck(
      [](const variable_list& in) {
        auto [h, cy] = fused_lstm_cell(in[0], in[1]);
        return variable_list{h, cy};
      },
      {g, c}, opts));
  Tensor a = randn({3, 6}, kDouble).requires_grad_(), b = randn({3, 6}, kDouble).requires_grad_();
  Tensor h = randn({3, 2}, kDouble).requires_grad_();
  EXPECT_TRUE(autograd::gradcheck(
      [](const variable_list& in) { return fused_gru_cell(in[0], in[1], in[2]); }, {a, b, h},
      opts));
}

TEST(RnnFused, CellsGradcheck) {
  nn::LSTMCell lstm(3, 4);
  nn::GRUCell gru(3, 4);
  nn::RNNCell rnn(nn::RNNCellOptions(3, 4).nonlinearity(kTanh));
  for (nn::Module* m : std::vector<nn::Module*>{lstm.get(), gru.get(), rnn.get()}) m->to(kDouble);
  Tensor x = randn({2, 3}, kDouble).requires_grad_();
  Tensor h = randn({2, 4}, kDouble).requires_grad_(), c = randn({2, 4}, kDouble).requires_grad_();
  // (gradcheck perturbs copies of its inputs, so parameters are covered by the fixtures.)
  std::vector<Tensor> inputs{x, h, c};
  EXPECT_TRUE(autograd::gradcheck(
      [&](const variable_list& in) {
        auto [hy, cy] = lstm(in[0], std::make_tuple(in[1], in[2]));
        return variable_list{hy, cy};
      },
      inputs));
  EXPECT_TRUE(
      autograd::gradcheck([&](const variable_list& in) { return gru(in[0], in[1]); }, {x, h}));
  EXPECT_TRUE(
      autograd::gradcheck([&](const variable_list& in) { return rnn(in[0], in[1]); }, {x, h}));
  // Unbatched input.
  Tensor x1 = randn({3}, kDouble).requires_grad_();
  EXPECT_EQ(gru(x1).sizes(), IntArrayRef({4}));
  EXPECT_TRUE(autograd::gradcheck([&](const variable_list& in) { return gru(in[0]); }, {x1}));
}

TEST(RnnFused, SequenceModuleGradcheck) {
  nn::LSTM lstm(nn::LSTMOptions(2, 3).num_layers(2).bidirectional(true));
  lstm->to(kDouble);
  Tensor x = randn({4, 2, 2}, kDouble).requires_grad_();
  std::vector<Tensor> inputs{x};
  EXPECT_TRUE(autograd::gradcheck(
      [&](const variable_list& in) {
        auto [out, s] = lstm(in[0]);
        return variable_list{out, std::get<0>(s), std::get<1>(s)};
      },
      inputs));
  nn::GRU gru(nn::GRUOptions(2, 3).batch_first(true));
  gru->to(kDouble);
  Tensor h = randn({1, 4, 3}, kDouble).requires_grad_();  // batch_first: x is [B=4, T=2, 2]
  EXPECT_TRUE(autograd::gradcheck(
      [&](const variable_list& in) {
        auto [out, hn] = gru(in[0], in[1]);
        return variable_list{out, hn};
      },
      {x, h}));
}

/// How many nodes of each name the graph behind `root` has.
std::map<std::string, int> count_node_names(const Tensor& root) {
  std::map<std::string, int> count;
  std::unordered_set<const autograd::Node*> seen;
  std::vector<std::shared_ptr<autograd::Node>> stack{root.grad_fn()};
  while (!stack.empty()) {
    auto n = stack.back();
    stack.pop_back();
    if (!n || !seen.insert(n.get()).second) continue;
    ++count[n->name()];
    for (auto& e : n->next_edges()) stack.push_back(e.function);
  }
  return count;
}

TEST(RnnFused, OneNodePerStepForTheGates) {
  // A dense LSTM batch: one node for the whole layer. Packed (steps of different batch sizes)
  // and GRU: one fused node per step. Never a dozen elementwise ones.
  nn::LSTM lstm(3, 4);
  auto [out, s] = lstm(randn({6, 2, 3}));
  auto count = count_node_names(out);
  EXPECT_EQ(count["FusedLstmLayerBackward0"], 1);
  EXPECT_EQ(count["FusedLstmCellBackward0"], 0);
  EXPECT_EQ(count["SigmoidBackward0"], 0);
  EXPECT_EQ(count["TanhBackward0"], 0);
  auto packed = R::pack_sequence({randn({6, 3}), randn({4, 3})}, true);
  count = count_node_names(std::get<0>(lstm->forward_with_packed_input(packed)).data());
  EXPECT_EQ(count["FusedLstmCellBackward0"], 6);
  nn::GRU gru(3, 4);
  count = count_node_names(std::get<0>(gru(randn({6, 2, 3}))));
  EXPECT_EQ(count["FusedGruCellBackward0"], 6);
  EXPECT_EQ(count["SigmoidBackward0"], 0);
}

// ---- packed sequences --------------------------------------------------------------------

TEST(RnnPacked, PackedEqualsEachSequenceAlone) {
  manual_seed(3);
  nn::LSTM lstm(nn::LSTMOptions(3, 4).num_layers(2).bidirectional(true).batch_first(true));
  const std::vector<int64_t> lengths{3, 5, 1, 4};
  Tensor x = randn({4, 5, 3}).requires_grad_();
  Tensor h0 = randn({4, 4, 4}), c0 = randn({4, 4, 4});
  auto packed = R::pack_padded_sequence(x, tensor(lengths), true, false);
  auto [out_packed, state] = lstm->forward_with_packed_input(packed, std::make_tuple(h0, c0));
  auto [out, lens] = R::pad_packed_sequence(out_packed, true);
  EXPECT_EQ(out.sizes(), IntArrayRef({4, 5, 8}));
  EXPECT_TRUE(lens.equal(tensor(lengths)));
  for (int64_t b = 0; b < 4; ++b) {
    SCOPED_TRACE(b);
    const int64_t len = lengths[b];
    Tensor xb = x.narrow(0, b, 1).narrow(1, 0, len);
    auto [ob, sb] = lstm(xb, std::make_tuple(h0.narrow(1, b, 1), c0.narrow(1, b, 1)));
    EXPECT_TRUE(out.narrow(0, b, 1).narrow(1, 0, len).allclose(ob, 1e-5, 1e-6));
    if (len < 5) {
      EXPECT_EQ(out.narrow(0, b, 1).narrow(1, len, 5 - len).abs().max().item<float>(), 0);
    }
    EXPECT_TRUE(std::get<0>(state).narrow(1, b, 1).allclose(std::get<0>(sb), 1e-5, 1e-6));
    EXPECT_TRUE(std::get<1>(state).narrow(1, b, 1).allclose(std::get<1>(sb), 1e-5, 1e-6));
  }
  // Padding never influences anything: its gradient is zero.
  (out.sum() + std::get<0>(state).sum()).backward();
  EXPECT_EQ(x.grad().narrow(0, 2, 1).narrow(1, 1, 4).abs().max().item<float>(), 0);
  EXPECT_GT(x.grad().narrow(0, 1, 1).abs().max().item<float>(), 0);
}

TEST(RnnPacked, GruAndRnnPackedEqualAlone) {
  manual_seed(4);
  nn::GRU gru(nn::GRUOptions(2, 3).bidirectional(true));
  nn::RNN rnn(nn::RNNOptions(2, 3).nonlinearity(kReLU).num_layers(2));
  std::vector<Tensor> seqs{randn({2, 2}), randn({4, 2}), randn({3, 2})};
  auto packed = R::pack_sequence(seqs, false);
  EXPECT_EQ(packed.batch_sizes().sizes(), IntArrayRef({4}));
  EXPECT_TRUE(packed.sorted_indices().equal(tensor({1, 2, 0})));
  auto [gout, gh] = gru->forward_with_packed_input(packed);
  auto [rout, rh] = rnn->forward_with_packed_input(packed);
  Tensor gpad = std::get<0>(R::pad_packed_sequence(gout));
  Tensor rpad = std::get<0>(R::pad_packed_sequence(rout));
  for (int64_t b = 0; b < 3; ++b) {
    const int64_t len = seqs[b].size(0);
    auto [go, gs] = gru(seqs[b].unsqueeze(1));
    auto [ro, rs] = rnn(seqs[b].unsqueeze(1));
    EXPECT_TRUE(gpad.narrow(1, b, 1).narrow(0, 0, len).allclose(go, 1e-5, 1e-6));
    EXPECT_TRUE(gh.narrow(1, b, 1).allclose(gs, 1e-5, 1e-6));
    EXPECT_TRUE(rpad.narrow(1, b, 1).narrow(0, 0, len).allclose(ro, 1e-5, 1e-6));
    EXPECT_TRUE(rh.narrow(1, b, 1).allclose(rs, 1e-5, 1e-6));
  }
}

TEST(RnnPacked, PadPackedRoundTrip) {
  Tensor x = randn({4, 3, 2});  // T, B, *
  Tensor lengths = tensor({2, 4, 3});
  auto packed = R::pack_padded_sequence(x, lengths, false, false);
  EXPECT_TRUE(packed.batch_sizes().equal(tensor({3, 3, 2, 1})));
  EXPECT_EQ(packed.data().sizes(), IntArrayRef({9, 2}));
  auto [padded, lens] = R::pad_packed_sequence(packed, false, -1.0, 6);
  EXPECT_EQ(padded.sizes(), IntArrayRef({6, 3, 2}));
  EXPECT_TRUE(lens.equal(lengths));
  for (int64_t b = 0; b < 3; ++b) {
    const int64_t len = lengths[b].item<int64_t>();
    EXPECT_TRUE(
        padded.narrow(1, b, 1).narrow(0, 0, len).equal(x.narrow(1, b, 1).narrow(0, 0, len)));
    EXPECT_TRUE(padded.narrow(1, b, 1).narrow(0, len, 6 - len).eq(-1.0).all().item<bool>());
  }
  Tensor seq = R::pad_sequence({ones({2, 3}), ones({1, 3})}, true, 7);
  EXPECT_EQ(seq.sizes(), IntArrayRef({2, 2, 3}));
  EXPECT_EQ(seq[1][1][0].item<float>(), 7);
  EXPECT_TRUE(R::invert_permutation(tensor({2, 0, 1})).equal(tensor({1, 2, 0})));
}

// ---- long sequences and truncated BPTT --------------------------------------------------

namespace {
size_t count_nodes(const Tensor& root) {
  std::unordered_set<const autograd::Node*> seen;
  std::vector<std::shared_ptr<autograd::Node>> stack{root.grad_fn()};
  while (!stack.empty()) {
    auto n = stack.back();
    stack.pop_back();
    if (!n || !seen.insert(n.get()).second) continue;
    for (auto& e : n->next_edges()) stack.push_back(e.function);
  }
  return seen.size();
}
}  // namespace

TEST(RnnLong, ThousandStepsBackpropagateWithLinearGraph) {
  nn::LSTM lstm(nn::LSTMOptions(4, 8).batch_first(true));
  nn::GRU gru(nn::GRUOptions(4, 8).batch_first(true));
  // Dense LSTM (one layer node), packed LSTM and GRU (one cell node per step).
  auto run = [&](int64_t steps, int which) {
    Tensor x = randn({2, steps, 4}).requires_grad_();
    Tensor loss;
    if (which == 0) {
      auto [out, s] = lstm(x);
      loss = out.sum() + std::get<1>(s).sum();
    } else if (which == 1) {
      auto packed = R::pack_padded_sequence(x, tensor({steps, steps - steps / 3}), true);
      loss = std::get<0>(lstm->forward_with_packed_input(packed)).data().sum();
    } else {
      loss = std::get<0>(gru(x)).sum();
    }
    const size_t nodes = count_nodes(loss);
    lstm->zero_grad();
    gru->zero_grad();
    loss.backward();
    EXPECT_TRUE(x.grad().defined());
    EXPECT_TRUE((which == 2 ? gru->parameters() : lstm->parameters())[1].grad().defined());
    return nodes;
  };
  for (int which : {0, 1, 2}) {
    SCOPED_TRACE(which);
    const size_t n500 = run(500, which), n1000 = run(1000, which);
    const size_t n3 = run(3, which);
    // The graph grows by a fixed number of nodes per step (none for the fused layer).
    EXPECT_EQ(n1000 - n500, 500 * ((n1000 - n3) / 997));
    EXPECT_LE((n1000 - n500) / 500, 4u);
  }
}

TEST(RnnLong, TruncatedBpttStopsAtTheDetachedState) {
  nn::GRU gru(nn::GRUOptions(3, 5).num_layers(2));
  Tensor chunk1 = randn({4, 2, 3}).requires_grad_();
  Tensor chunk2 = randn({4, 2, 3}).requires_grad_();
  auto [out1, h1] = gru(chunk1);
  Tensor state = h1.detach();
  auto [out2, h2] = gru(chunk2, state);
  (out2 * out2).sum().backward();
  EXPECT_FALSE(chunk1.grad().defined());
  ASSERT_TRUE(chunk2.grad().defined());
  std::vector<Tensor> grads;
  for (auto& p : gru->parameters()) grads.push_back(p.grad().clone());
  Tensor gx = chunk2.grad().clone();
  // Same gradient as running the second chunk alone from that state.
  gru->zero_grad();
  Tensor again = chunk2.detach().clone().requires_grad_();
  auto [out3, h3] = gru(again, state.clone());
  (out3 * out3).sum().backward();
  EXPECT_TRUE(again.grad().allclose(gx));
  auto params = gru->parameters();
  for (size_t i = 0; i < params.size(); ++i) EXPECT_TRUE(params[i].grad().allclose(grads[i]));
}

TEST(Rnn, DropoutOnlyBetweenLayersInTraining) {
  nn::LSTM lstm(nn::LSTMOptions(3, 4).num_layers(2).dropout(0.5));
  Tensor x = randn({5, 2, 3});
  lstm->eval();
  auto a = std::get<0>(lstm(x)), b = std::get<0>(lstm(x));
  EXPECT_TRUE(a.equal(b));
  lstm->train();
  auto c = std::get<0>(lstm(x)), d = std::get<0>(lstm(x));
  EXPECT_FALSE(c.equal(d));
  // One layer: dropout has nothing to act on.
  nn::GRU one(nn::GRUOptions(3, 4).dropout(0.5));
  EXPECT_TRUE(std::get<0>(one(x)).equal(std::get<0>(one(x))));
}

TEST(Rnn, UnbatchedInput) {
  nn::GRU gru(nn::GRUOptions(3, 4).num_layers(2));
  Tensor x = randn({5, 3});
  auto [out, h] = gru(x);
  EXPECT_EQ(out.sizes(), IntArrayRef({5, 4}));
  EXPECT_EQ(h.sizes(), IntArrayRef({2, 4}));
  auto [out_b, h_b] = gru(x.unsqueeze(1));
  EXPECT_TRUE(out.allclose(out_b.squeeze(1)));
  nn::LSTM lstm(nn::LSTMOptions(3, 4).batch_first(true));
  auto [o2, s2] = lstm(x, std::make_tuple(zeros({1, 4}), zeros({1, 4})));
  EXPECT_EQ(o2.sizes(), IntArrayRef({5, 4}));
  EXPECT_EQ(std::get<1>(s2).sizes(), IntArrayRef({1, 4}));
}

// ---- errors ------------------------------------------------------------------------------

namespace {
void expect_error(const std::function<void()>& fn, const std::string& fragment) {
  try {
    fn();
    ADD_FAILURE() << "no error; expected one mentioning " << fragment;
  } catch (const nabla::Error& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}
}  // namespace

TEST(RnnErrors, ShapesAndLengths) {
  nn::LSTM lstm(3, 4);
  nn::GRU gru(3, 4);
  nn::LSTMCell cell(3, 4);
  expect_error([&] { lstm(randn({2, 2, 2, 3})); }, "[LSTM] expected input of 3 dimensions");
  expect_error(
      [&] {
        lstm(randn({5, 2, 7}));
      },
      "[LSTM] input.size(-1) must be equal to input_size");
  expect_error(
      [&] {
        gru(randn({5, 2, 3}), randn({1, 3, 4}));
      },
      "[GRU] expected hidden state h_0 of shape [1, 2, 4], got [1, 3, 4]");
  expect_error(
      [&] {
        lstm(randn({5, 2, 3}), std::make_tuple(zeros({1, 2, 4}), zeros({1, 2, 5})));
      },
      "[LSTM] expected cell state c_0 of shape [1, 2, 4]");
  expect_error([&] { gru(randn({5, 2, 3}), randn({2, 4})); }, "[GRU] for batched 3-D input");
  expect_error([&] { gru(randn({0, 2, 3})); }, "[GRU] expected sequence length to be larger");
  expect_error([&] { cell(randn({2, 5})); }, "[LSTMCell] input has inconsistent input_size");
  expect_error(
      [&] {
        cell(randn({2, 3}), std::make_tuple(zeros({3, 4}), zeros({2, 4})));
      },
      "[LSTMCell] expected hx[0] of shape [2, 4], got [3, 4]");
  expect_error([] { nn::RNN(nn::RNNOptions(3, 4).nonlinearity(nn::init::kSigmoid)); },
               "[RNN] nonlinearity must be");
  expect_error([] { nn::LSTM(nn::LSTMOptions(3, 4).proj_size(2)); }, "proj_size");
  expect_error([] { nn::GRU(nn::GRUOptions(3, 4).dropout(1.5)); }, "[GRU] dropout");
  Tensor x = randn({4, 3, 2});
  expect_error(
      [&] {
        R::pack_padded_sequence(x, tensor({2, 4, 3}));
      },
      "must be sorted in decreasing order");
  expect_error(
      [&] {
        R::pack_padded_sequence(x, tensor({5, 4, 3}));
      },
      "exceeds the sequence length 4");
  expect_error([&] { R::pack_padded_sequence(x, tensor({4, 0, 0})); }, "greater than 0");
  expect_error([&] { R::pack_padded_sequence(x, tensor({4, 3})); }, "expected 3 lengths");
  auto packed = R::pack_padded_sequence(x, tensor({4, 3, 1}));
  expect_error([&] { R::pad_packed_sequence(packed, false, 0, 2); }, "total_length=2");
  expect_error(
      [&] {
        fused_lstm_cell(randn({2, 8}), randn({2, 3}));
      },
      "[fused_lstm_cell] expected gates [B, 4*H]");
}
