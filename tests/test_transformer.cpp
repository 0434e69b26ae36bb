// MultiheadAttention and the Transformer layers against PyTorch (fixtures from
// scripts/make_transformer_fixtures.py: outputs and every parameter's and input's gradient, in
// float64), their bad-input errors, RMSNorm and the position helpers.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <map>
#include <string>

#include "nabla/nabla.h"

using namespace nabla;  // NOLINT
namespace nnf = nabla::nn::functional;

namespace {

using Fixture = std::map<std::string, Tensor>;

Fixture load_case(const std::string& name) {
  Fixture out;
  for (auto& [k, v] : load_safetensors(NABLA_TEST_DATA_DIR "/transformer_" + name + ".safetensors"))
    out[k] = v;
  return out;
}

void expect_close(const Tensor& got, const Tensor& want, const std::string& what,
                  double tol = 1e-9) {
  ASSERT_TRUE(got.defined()) << what << " is undefined";
  ASSERT_EQ(got.sizes(), want.sizes()) << what;
  EXPECT_TRUE(got.allclose(want, tol, tol))
      << what << ": max abs diff " << (got - want).abs().max().item<double>();
}

// A mask of the fixture: float "mask.<name>", bool "boolmask.<name>", or undefined.
Tensor mask(Fixture& f, const std::string& name) {
  if (f.count("mask." + name)) return f["mask." + name];
  if (f.count("boolmask." + name)) return f["boolmask." + name].to(kBool);
  return {};
}

struct Case {
  std::string name;
  std::function<std::shared_ptr<nn::Module>()> make;
  // Runs the module on the fixture's inputs: (out, weights or undefined).
  std::function<std::tuple<Tensor, Tensor>(nn::Module&, std::map<std::string, Tensor>&, Fixture&)>
      call;
};

nn::TransformerEncoderLayerOptions enc_opts() {
  return nn::TransformerEncoderLayerOptions(8, 2).dim_feedforward(16).dropout(0.0);
}
nn::TransformerDecoderLayerOptions dec_opts() {
  return nn::TransformerDecoderLayerOptions(8, 2).dim_feedforward(16).dropout(0.0);
}
template <class M>
std::shared_ptr<nn::Module> ptr(M holder) {
  return holder.ptr();
}

using In = std::map<std::string, Tensor>;

// The same modules and calls as CASES in scripts/make_transformer_fixtures.py.
const std::vector<Case>& cases() {
  static const std::vector<Case> all = {
      {"mha_self_weights", [] { return ptr(nn::MultiheadAttention(8, 2)); },
       [](nn::Module& m, In& x, Fixture&) {
         return m.as<nn::MultiheadAttentionImpl>()->forward(x["query"], x["query"], x["query"]);
       }},
      {"mha_cross_bf_masks",
       [] {
         return ptr(nn::MultiheadAttention(nn::MultiheadAttentionOptions(8, 2).batch_first(true)));
       },
       [](nn::Module& m, In& x, Fixture& f) {
         return m.as<nn::MultiheadAttentionImpl>()->forward(x["query"], x["key"], x["value"],
                                                            mask(f, "key_padding_mask"), false,
                                                            mask(f, "attn_mask"));
       }},
      {"mha_kvdim_biaskv_zeroattn",
       [] {
         return ptr(nn::MultiheadAttention(
             nn::MultiheadAttentionOptions(8, 4).kdim(5).vdim(3).add_bias_kv(true).add_zero_attn(
                 true)));
       },
       [](nn::Module& m, In& x, Fixture& f) {
         return m.as<nn::MultiheadAttentionImpl>()->forward(x["query"], x["key"], x["value"], {},
                                                            true, mask(f, "attn_mask"), false);
       }},
      {"mha_nobias_unbatched",
       [] { return ptr(nn::MultiheadAttention(nn::MultiheadAttentionOptions(6, 3).bias(false))); },
       [](nn::Module& m, In& x, Fixture& f) {
         return m.as<nn::MultiheadAttentionImpl>()->forward(x["query"], x["key"], x["value"],
                                                            mask(f, "key_padding_mask"));
       }},
      {"enc_layer_post", [] { return ptr(nn::TransformerEncoderLayer(enc_opts())); },
       [](nn::Module& m, In& x, Fixture& f) {
         return std::tuple<Tensor, Tensor>{
             m.as<nn::TransformerEncoderLayerImpl>()->forward(x["src"], mask(f, "src_mask"),
                                                              mask(f, "src_key_padding_mask")),
             {}};
       }},
      {"enc_layer_pre_gelu_bf",
       [] {
         return ptr(nn::TransformerEncoderLayer(
             enc_opts().norm_first(true).activation("gelu").batch_first(true)));
       },
       [](nn::Module& m, In& x, Fixture& f) {
         return std::tuple<Tensor, Tensor>{m.as<nn::TransformerEncoderLayerImpl>()->forward(
                                               x["src"], {}, mask(f, "src_key_padding_mask")),
                                           {}};
       }},
      {"encoder_2layers_norm",
       [] {
         return ptr(nn::TransformerEncoder(
             nn::TransformerEncoderOptions(enc_opts(), 2)
                 .norm(nn::AnyModule(nn::LayerNorm(nn::LayerNormOptions({8}))))));
       },
       [](nn::Module& m, In& x, Fixture& f) {
         return std::tuple<Tensor, Tensor>{
             m.as<nn::TransformerEncoderImpl>()->forward(x["src"], mask(f, "mask")), {}};
       }},
      {"dec_layer_post", [] { return ptr(nn::TransformerDecoderLayer(dec_opts())); },
       [](nn::Module& m, In& x, Fixture& f) {
         return std::tuple<Tensor, Tensor>{m.as<nn::TransformerDecoderLayerImpl>()->forward(
                                               x["tgt"], x["memory"], mask(f, "tgt_mask"), {}, {},
                                               mask(f, "memory_key_padding_mask")),
                                           {}};
       }},
      {"dec_layer_pre_bf",
       [] {
         return ptr(nn::TransformerDecoderLayer(dec_opts().norm_first(true).batch_first(true)));
       },
       [](nn::Module& m, In& x, Fixture& f) {
         return std::tuple<Tensor, Tensor>{
             m.as<nn::TransformerDecoderLayerImpl>()->forward(
                 x["tgt"], x["memory"], mask(f, "tgt_mask"), mask(f, "memory_mask")),
             {}};
       }},
      {"decoder_2layers",
       [] { return ptr(nn::TransformerDecoder(nn::TransformerDecoderOptions(dec_opts(), 2))); },
       [](nn::Module& m, In& x, Fixture& f) {
         return std::tuple<Tensor, Tensor>{m.as<nn::TransformerDecoderImpl>()->forward(
                                               x["tgt"], x["memory"], mask(f, "tgt_mask")),
                                           {}};
       }},
      {"transformer_bf",
       [] {
         return ptr(nn::Transformer(nn::TransformerOptions(8, 2, 2, 1)
                                        .dim_feedforward(16)
                                        .dropout(0.0)
                                        .batch_first(true)));
       },
       [](nn::Module& m, In& x, Fixture& f) {
         return std::tuple<Tensor, Tensor>{
             m.as<nn::TransformerImpl>()->forward(x["src"], x["tgt"], {}, mask(f, "tgt_mask"), {},
                                                  mask(f, "src_key_padding_mask"), {},
                                                  mask(f, "memory_key_padding_mask")),
             {}};
       }},
      {"transformer_pre_gelu",
       [] {
         return ptr(nn::Transformer(nn::TransformerOptions(8, 2, 1, 2)
                                        .dim_feedforward(16)
                                        .dropout(0.0)
                                        .activation("gelu")
                                        .norm_first(true)));
       },
       [](nn::Module& m, In& x, Fixture& f) {
         return std::tuple<Tensor, Tensor>{
             m.as<nn::TransformerImpl>()->forward(x["src"], x["tgt"], {}, mask(f, "tgt_mask")), {}};
       }},
  };
  return all;
}

class TransformerParity : public ::testing::TestWithParam<Case> {};

TEST_P(TransformerParity, OutputsAndGradientsMatchPyTorch) {
  const Case& c = GetParam();
  Fixture f = load_case(c.name);
  auto module = c.make();
  module->to(kDouble);
  {  // PyTorch's state_dict loads by name: every parameter, nothing left over
    NoGradGuard no_grad;
    size_t count = 0;
    for (auto& p : module->named_parameters()) {
      ASSERT_TRUE(f.count("param." + p.key())) << "no PyTorch parameter " << p.key();
      p.value().copy_(f["param." + p.key()]);
      ++count;
    }
    size_t in_file = 0;
    for (auto& [k, v] : f) in_file += k.rfind("param.", 0) == 0;
    EXPECT_EQ(count, in_file);
  }
  In inputs;
  for (auto& [k, v] : f)
    if (k.rfind("in.", 0) == 0) inputs[k.substr(3)] = v.clone().requires_grad_(true);
  auto [out, weights] = c.call(*module, inputs, f);
  expect_close(out, f["out"], "out");
  Tensor loss = (out * f["w_out"]).sum();
  if (f.count("weights")) {
    expect_close(weights, f["weights"], "weights");
    loss = loss + (weights * f["w_weights"]).sum();
  } else {
    EXPECT_FALSE(weights.defined());
  }
  loss.backward();
  for (auto& [k, v] : inputs) expect_close(v.grad(), f["grad.in." + k], "grad.in." + k);
  for (auto& p : module->named_parameters())
    expect_close(p.value().grad(), f["grad." + p.key()], "grad." + p.key());
}

INSTANTIATE_TEST_SUITE_P(PyTorch, TransformerParity, ::testing::ValuesIn(cases()),
                         [](const auto& info) { return info.param.name; });

void expect_error(const std::function<void()>& f, const std::string& op, const std::string& part) {
  try {
    f();
    ADD_FAILURE() << "no error; expected one containing " << part;
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("[" + op + "]"), std::string::npos) << msg;
    EXPECT_NE(msg.find(part), std::string::npos) << msg;
  }
}

TEST(MultiheadAttention, BadInputRaisesNamingShapes) {
  const std::string op = "MultiheadAttention";
  expect_error([] { nn::MultiheadAttention(10, 3); }, op, "divisible");
  nn::MultiheadAttention mha(8, 2);
  Tensor x = randn({5, 3, 8});
  expect_error([&] { mha(randn({5, 3, 6}), x, x); }, op, "[5, 3, 6]");
  expect_error([&] { mha(x, randn({4, 3, 8}), x); }, op, "[4, 3, 8]");
  expect_error([&] { mha(x, x, x, ones({2, 5}, kBool)); }, op, "[2, 5]");  // batch 3
  expect_error([&] { mha(x, x, x, ones({3, 5}, kLong)); }, op, "int64");
  expect_error([&] { mha(x, x, x, Tensor(), true, ones({5, 4}, kBool)); }, op, "[5, 4]");
  expect_error([&] { mha(x, x, x, Tensor(), true, zeros({4, 5, 5})); }, op, "[4, 5, 5]");
  expect_error([&] { mha(randn({3, 8}), x, x); }, op, "2-D");
  nn::Transformer t(nn::TransformerOptions(8, 2, 1, 1).dim_feedforward(16));
  expect_error([&] { t(randn({5, 3, 8}), randn({4, 2, 8})); }, "Transformer", "[4, 2, 8]");
  expect_error(
      [] {
        nn::TransformerEncoderLayer(nn::TransformerEncoderLayerOptions(8, 2).activation("tanh"));
      },
      "Transformer", "tanh");
}

// Without need_weights the fused kernel runs; with it the explicit softmax: same values.
TEST(MultiheadAttention, FusedAndExplicitPathsAgree) {
  nn::MultiheadAttention mha(nn::MultiheadAttentionOptions(16, 4).batch_first(true));
  mha->to(kDouble);
  Tensor x = randn({2, 70, 16}, kDouble);
  Tensor causal = nn::TransformerImpl::generate_square_subsequent_mask(70).to(kDouble);
  auto [a, w] = mha(x, x, x, Tensor(), true, causal);
  auto [b, none] = mha(x, x, x, Tensor(), false, causal);
  EXPECT_TRUE(a.allclose(b, 1e-12, 1e-12));
  EXPECT_EQ(w.sizes(), (std::vector<int64_t>{2, 70, 70}));
  EXPECT_FALSE(none.defined());
  // Causal: the first query sees only the first key.
  EXPECT_NEAR(w.select(1, 0).select(1, 0).sum().item<double>(), 2.0, 1e-12);
}

TEST(Transformer, SquareSubsequentMask) {
  Tensor m = nn::TransformerImpl::generate_square_subsequent_mask(3);
  const double inf = std::numeric_limits<double>::infinity();
  Tensor want = tensor({0.0, -inf, -inf, 0.0, 0.0, -inf, 0.0, 0.0, 0.0}, kFloat).view({3, 3});
  EXPECT_TRUE(equal(m, want));
}

TEST(Transformer, ParameterNamesAsPyTorch) {
  nn::Transformer t(nn::TransformerOptions(8, 2, 1, 1).dim_feedforward(16));
  auto names = t->named_parameters();
  for (const char* n :
       {"encoder.layers.0.self_attn.in_proj_weight", "encoder.layers.0.self_attn.out_proj.bias",
        "encoder.layers.0.linear1.weight", "encoder.layers.0.norm2.bias", "encoder.norm.weight",
        "decoder.layers.0.multihead_attn.in_proj_bias", "decoder.layers.0.norm3.weight",
        "decoder.norm.bias"})
    EXPECT_TRUE(names.contains(n)) << n;
}

TEST(RMSNorm, MatchesDefinitionAndGradcheck) {
  nn::RMSNorm norm(nn::RMSNormOptions({4}).eps(1e-6));
  norm->to(kDouble);
  {
    NoGradGuard g;
    norm->weight.copy_(tensor({0.5, 1.0, 1.5, 2.0}, kDouble));
  }
  Tensor x = randn({3, 4}, kDouble);
  Tensor want = x / (x.square().mean({1}, true) + 1e-6).sqrt() * norm->weight;
  EXPECT_TRUE(norm(x).allclose(want, 1e-12, 1e-12));
  EXPECT_EQ(norm->named_parameters().size(), 1u);
  Tensor w = randn({4}, kDouble).requires_grad_(true);
  EXPECT_TRUE(autograd::gradcheck(
      [](const autograd::variable_list& v) {
        return nnf::rms_norm(v[0], {2, 4}, v[1]);
      },
      {randn({3, 2, 4}, kDouble).requires_grad_(true),
       randn({2, 4}, kDouble).requires_grad_(true)}));
  EXPECT_THROW(nnf::rms_norm(x, {3}), Error);
}

TEST(Positions, SinusoidalEncoding) {
  Tensor pe = nn::sinusoidal_position_encoding(5, 6);
  EXPECT_EQ(pe.sizes(), (std::vector<int64_t>{5, 6}));
  EXPECT_NEAR(pe[3][2].item<double>(), std::sin(3 / std::pow(10000.0, 2.0 / 6)), 1e-6);
  EXPECT_NEAR(pe[3][3].item<double>(), std::cos(3 / std::pow(10000.0, 2.0 / 6)), 1e-6);
  EXPECT_THROW(nn::sinusoidal_position_encoding(5, 5), Error);
  // The options' dtype and device are honoured (the tables were CPU-only before).
  const auto meta = TensorOptions().dtype(kDouble).device(Device(kMeta));
  Tensor on_meta = nn::sinusoidal_position_encoding(5, 6, 10000.0, meta);
  EXPECT_EQ(on_meta.device(), Device(kMeta));
  EXPECT_EQ(on_meta.scalar_type(), kDouble);
  auto [cos, sin] = nn::rotary_embedding_tables(5, 6, 10000.0, 0, meta);
  EXPECT_EQ(cos.device(), Device(kMeta));
  EXPECT_EQ(sin.sizes(), (std::vector<int64_t>{5, 3}));
}

// Rotary embeddings make q.k depend only on the distance between the positions.
TEST(Positions, RotaryDependsOnRelativePosition) {
  Tensor q = randn({1, 8}, kDouble), k = randn({1, 8}, kDouble);
  auto rotated_dot = [&](int64_t pq, int64_t pk) {
    auto [cq, sq] = nn::rotary_embedding_tables(1, 8, 10000.0, pq, kDouble);
    auto [ck, sk] = nn::rotary_embedding_tables(1, 8, 10000.0, pk, kDouble);
    return (nn::apply_rotary_embedding(q, cq, sq) * nn::apply_rotary_embedding(k, ck, sk))
        .sum()
        .item<double>();
  };
  EXPECT_NEAR(rotated_dot(7, 3), rotated_dot(14, 10), 1e-10);
  EXPECT_GT(std::abs(rotated_dot(7, 3) - rotated_dot(7, 4)), 1e-6);
  // Position 0 is the identity; norms are kept.
  auto [c0, s0] = nn::rotary_embedding_tables(1, 8, 10000.0, 0, kDouble);
  EXPECT_TRUE(nn::apply_rotary_embedding(q, c0, s0).allclose(q));
  auto [c, s] = nn::rotary_embedding_tables(1, 8, 10000.0, 5, kDouble);
  EXPECT_NEAR(nn::apply_rotary_embedding(q, c, s).norm().item<double>(), q.norm().item<double>(),
              1e-12);
  EXPECT_THROW(nn::apply_rotary_embedding(randn({3, 8}), c, s), Error);
}

}  // namespace
