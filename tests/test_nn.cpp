// nn module system, layers and init: registration, traversal, modes, holders, printing,
// forward values and float64 numerical gradient checks.
#include <gtest/gtest.h>
#include <nabla/nabla.h>

#include <cmath>
#include <functional>
#include <sstream>
#include <string>
#include <vector>
#include "test_util.h"

using namespace nabla;
namespace F = nabla::nn::functional;

namespace {

using nabla::test_util::error_of;

// A fixed projection so that a tensor output becomes a scalar with every element weighted
// differently (a plain sum would hide gradients that only get the sum right).
Tensor project(const Tensor& out) {
  Tensor w = arange(out.numel(), dtype(kDouble)).mul(0.37).sin().add(1.3).view(out.sizes());
  return (out * w).sum();
}

// Central differences of `fn` (which must return a scalar) with respect to every element of
// each float64 leaf in `inputs`, compared with the gradients backward() gives.
void expect_grads_match(const std::function<Tensor()>& fn, const std::vector<Tensor>& inputs,
                        double eps = 1e-6, double tol = 1e-6) {
  for (const Tensor& x : inputs) {
    ASSERT_EQ(x.scalar_type(), kDouble);
    ASSERT_TRUE(x.is_leaf() && x.requires_grad() && x.is_contiguous());
    x.mutable_grad() = Tensor();
  }
  fn().backward();
  for (size_t k = 0; k < inputs.size(); ++k) {
    const Tensor& x = inputs[k];
    ASSERT_TRUE(x.grad().defined()) << "input " << k << " got no gradient";
    Tensor analytic = x.grad().contiguous();
    double* data = x.data_ptr<double>();
    for (int64_t i = 0; i < x.numel(); ++i) {
      NoGradGuard no_grad;
      const double orig = data[i];
      data[i] = orig + eps;
      const double plus = fn().item<double>();
      data[i] = orig - eps;
      const double minus = fn().item<double>();
      data[i] = orig;
      const double numeric = (plus - minus) / (2 * eps);
      const double got = analytic.data_ptr<double>()[i];
      EXPECT_NEAR(got, numeric, tol * (1 + std::abs(numeric))) << "input " << k << " element " << i;
    }
  }
}

// Checks d(project(module(x)))/d(x and every parameter) numerically, in float64.
template <class Holder>
void expect_module_grads_match(Holder& module, const Tensor& x_in, bool check_input = true) {
  module->to(kDouble);
  Tensor x = x_in.to(kDouble).detach().clone().requires_grad_(check_input);
  std::vector<Tensor> leaves = module->parameters();
  if (check_input) leaves.push_back(x);
  expect_grads_match([&] { return project(module->forward(x)); }, leaves);
}

std::vector<double> values(const Tensor& t) {
  Tensor c = t.to(kDouble).contiguous();
  return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}

void expect_values(const Tensor& t, const std::vector<double>& expected, double tol = 1e-5) {
  std::vector<double> got = values(t);
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], expected[i], tol) << "at " << i;
}

}  // namespace

namespace testnet {

struct NetImpl : nn::Module {
  NetImpl() {
    fc1 = register_module("fc1", nn::Linear(4, 3));
    fc2 = register_module("fc2", nn::Linear(nn::LinearOptions(3, 2).bias(false)));
    scale = register_parameter("scale", ones({1}));
    steps = register_buffer("steps", zeros({}, kLong));
  }
  Tensor forward(const Tensor& x) { return fc2(relu(fc1(x))) * scale; }
  nn::Linear fc1{nullptr}, fc2{nullptr};
  Tensor scale, steps;
};
NABLA_MODULE(Net);

}  // namespace testnet

// ---- OrderedDict ---------------------------------------------------------------------------

TEST(OrderedDict, KeepsInsertionOrderAndLooksUpByKey) {
  OrderedDict<std::string, int> d;
  d.insert("b", 2);
  d.insert("a", 1);
  d.insert("c", 3);
  EXPECT_EQ(d.size(), 3u);
  EXPECT_EQ(d.keys(), (std::vector<std::string>{"b", "a", "c"}));
  EXPECT_EQ(d.values(), (std::vector<int>{2, 1, 3}));
  EXPECT_EQ(d["a"], 1);
  EXPECT_EQ(d[size_t(0)].key(), "b");
  EXPECT_EQ(d[size_t(2)].value(), 3);
  EXPECT_TRUE(d.contains("c"));
  EXPECT_FALSE(d.contains("z"));
  EXPECT_EQ(d.find("z"), nullptr);
  EXPECT_THROW(d.insert("a", 5), Error);
  EXPECT_THROW(d["z"], Error);
  d.erase("a");
  EXPECT_EQ(d.keys(), (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ(d["c"], 3);
  int sum = 0;
  for (const auto& item : d) sum += item.value();
  EXPECT_EQ(sum, 5);
  d.clear();
  EXPECT_TRUE(d.is_empty());
}

// ---- Module: registration and traversal ------------------------------------------------------

TEST(Module, ParameterBufferAndModuleNames) {
  testnet::Net net;
  EXPECT_EQ(net->named_parameters().keys(),
            (std::vector<std::string>{"scale", "fc1.weight", "fc1.bias", "fc2.weight"}));
  EXPECT_EQ(net->parameters().size(), 4u);
  EXPECT_EQ(net->parameters(/*recurse=*/false).size(), 1u);
  EXPECT_EQ(net->named_buffers().keys(), (std::vector<std::string>{"steps"}));
  EXPECT_EQ(net->named_children().keys(), (std::vector<std::string>{"fc1", "fc2"}));
  EXPECT_EQ(net->children().size(), 2u);
  EXPECT_EQ(net->named_modules().keys(), (std::vector<std::string>{"", "fc1", "fc2"}));
  EXPECT_EQ(net->named_modules("net").keys(),
            (std::vector<std::string>{"net", "net.fc1", "net.fc2"}));
  EXPECT_EQ(net->modules(/*include_self=*/false).size(), 2u);
  EXPECT_EQ(net->modules()[0].get(), net.get());
  EXPECT_TRUE(net->named_parameters()["fc1.weight"].is_same(net->fc1->weight));
  for (const auto& p : net->parameters()) EXPECT_TRUE(p.requires_grad());
  EXPECT_FALSE(net->steps.requires_grad());
  EXPECT_EQ(net->name(), "testnet::NetImpl");
  EXPECT_EQ(net->fc1->name(), "nabla::nn::LinearImpl");
  EXPECT_EQ(net->forward(ones({5, 4})).sizes(), IntArrayRef({5, 2}));
}

TEST(Module, RegistrationErrors) {
  nn::Module m;
  m.register_parameter("w", zeros({2}));
  EXPECT_NE(error_of([&] { m.register_parameter("w", zeros({2})); }).find("'w' already defined"),
            std::string::npos);
  EXPECT_NE(error_of([&] { m.register_parameter("a.b", zeros({2})); }).find("dot"),
            std::string::npos);
  EXPECT_THROW(m.register_parameter("", zeros({2})), Error);
  EXPECT_THROW(m.register_buffer("x.y", zeros({2})), Error);
  EXPECT_THROW(m.register_module("lin", nn::Linear(nullptr)), Error);
  EXPECT_THROW(m.register_parameter("i", zeros({2}, kLong)), Error);  // ints cannot require grad
  m.register_parameter("frozen", zeros({2}), /*requires_grad=*/false);
  EXPECT_FALSE(m.named_parameters()["frozen"].requires_grad());
  // A module on the stack cannot hand out a shared_ptr to itself.
  EXPECT_THROW(m.modules(), Error);
  EXPECT_EQ(m.modules(/*include_self=*/false).size(), 0u);
}

TEST(Module, TrainEvalPropagates) {
  testnet::Net net;
  EXPECT_TRUE(net->is_training());
  net->eval();
  EXPECT_FALSE(net->is_training());
  EXPECT_FALSE(net->fc1->is_training());
  EXPECT_FALSE(net->fc2->is_training());
  net->train();
  EXPECT_TRUE(net->fc2->is_training());
  net->fc1->train(false);
  EXPECT_TRUE(net->is_training());
  EXPECT_FALSE(net->fc1->is_training());
}

TEST(Module, ToDtypeKeepsHandles) {
  testnet::Net net;
  Tensor w = net->fc1->weight;
  Tensor before = w.clone();
  net->to(kDouble);
  EXPECT_EQ(w.scalar_type(), kDouble);
  EXPECT_TRUE(w.is_same(net->fc1->weight));
  EXPECT_TRUE(w.is_same(net->named_parameters()["fc1.weight"]));
  EXPECT_TRUE(w.requires_grad());
  EXPECT_TRUE(w.allclose(before.to(kDouble)));
  EXPECT_EQ(net->steps.scalar_type(), kLong);  // integer buffers keep their dtype
  Tensor y = net->forward(ones({2, 4}, kDouble));
  EXPECT_EQ(y.scalar_type(), kDouble);
  y.sum().backward();
  EXPECT_EQ(w.grad().scalar_type(), kDouble);
  net->to(kFloat);
  EXPECT_EQ(w.scalar_type(), kFloat);
  EXPECT_EQ(w.grad().scalar_type(), kFloat);
  EXPECT_THROW(net->to(kLong), Error);
}

TEST(Module, ZeroGrad) {
  testnet::Net net;
  net->forward(ones({2, 4})).sum().backward();
  for (const auto& p : net->parameters()) EXPECT_TRUE(p.grad().defined());
  net->zero_grad(/*set_to_none=*/false);
  for (const auto& p : net->parameters()) {
    ASSERT_TRUE(p.grad().defined());
    EXPECT_EQ(p.grad().abs().sum().item<double>(), 0.0);
  }
  net->zero_grad();
  for (const auto& p : net->parameters()) EXPECT_FALSE(p.grad().defined());
}

TEST(Module, ApplyVisitsPreOrder) {
  testnet::Net net;
  std::vector<std::string> names;
  net->apply([&](const std::string& name, nn::Module&) { names.push_back(name); });
  EXPECT_EQ(names, (std::vector<std::string>{"", "fc1", "fc2"}));
  int linears = 0;
  net->apply([&](nn::Module& m) { linears += m.as<nn::Linear>() != nullptr; });
  EXPECT_EQ(linears, 2);
  net->apply([](nn::Module& m) {
    if (auto* lin = m.as<nn::LinearImpl>()) nn::init::zeros_(lin->weight);
  });
  EXPECT_EQ(net->fc2->weight.abs().sum().item<double>(), 0.0);
}

TEST(Module, CloneIsDeep) {
  nn::Sequential seq(nn::Linear(3, 2), nn::ReLU(), nn::BatchNorm1d(2));
  seq->eval();
  auto copy = std::dynamic_pointer_cast<nn::SequentialImpl>(seq->clone());
  ASSERT_NE(copy, nullptr);
  EXPECT_FALSE(copy->is_training());
  auto p0 = seq->named_parameters();
  auto p1 = copy->named_parameters();
  ASSERT_EQ(p0.keys(), p1.keys());
  for (size_t i = 0; i < p0.size(); ++i) {
    EXPECT_FALSE(p0[i].value().is_same(p1[i].value()));
    EXPECT_TRUE(p0[i].value().equal(p1[i].value()));
    EXPECT_TRUE(p1[i].value().requires_grad());
  }
  {
    NoGradGuard g;
    copy->ptr<nn::LinearImpl>(0)->weight.fill_(7);
  }
  EXPECT_FALSE(seq->ptr<nn::LinearImpl>(0)->weight.equal(copy->ptr<nn::LinearImpl>(0)->weight));
  // The clone's member handles are its registered parameters.
  EXPECT_TRUE(copy->ptr<nn::LinearImpl>(0)->weight.is_same(p1["0.weight"]));
  EXPECT_EQ(copy->named_buffers().keys(),
            (std::vector<std::string>{"2.running_mean", "2.running_var", "2.num_batches_tracked"}));

  nn::Linear lin(2, 2);
  auto lin2 = std::dynamic_pointer_cast<nn::LinearImpl>(lin->clone());
  EXPECT_TRUE(lin2->weight.is_same(lin2->named_parameters()["weight"]));
  EXPECT_TRUE(lin2->weight.equal(lin->weight));
  testnet::Net net;
  EXPECT_THROW(net->clone(), Error);  // plain Module subclasses are not Cloneable
}

// ---- holders -----------------------------------------------------------------------------

TEST(ModuleHolder, Usage) {
  nn::Linear lin(4, 3);
  EXPECT_FALSE(lin.is_empty());
  EXPECT_TRUE(static_cast<bool>(lin));
  Tensor x = ones({2, 4});
  EXPECT_TRUE(lin(x).equal(lin->forward(x)));
  EXPECT_EQ((*lin).options.in_features(), 4);
  EXPECT_EQ(lin.ptr()->options.out_features(), 3);
  EXPECT_EQ(lin.get(), lin.ptr().get());
  nn::Linear shared = lin;  // copies share the module
  EXPECT_EQ(shared.get(), lin.get());
  nn::Linear empty = nullptr;
  EXPECT_TRUE(empty.is_empty());
  EXPECT_FALSE(static_cast<bool>(empty));
  EXPECT_THROW(empty.get(), Error);
  EXPECT_NE(error_of([&] { empty.ptr(); }).find("empty ModuleHolder"), std::string::npos);
  nn::Linear from_ptr(std::make_shared<nn::LinearImpl>(2, 2));
  EXPECT_EQ(from_ptr->weight.sizes(), IntArrayRef({2, 2}));
  nn::ReLU relu;  // default-constructible modules build themselves
  EXPECT_FALSE(relu.is_empty());
}

// ---- printing ----------------------------------------------------------------------------

TEST(Module, PrintsSequentialTree) {
  nn::Sequential seq(nn::Linear(784, 256), nn::ReLU(), nn::Dropout(0.2),
                     nn::Linear(nn::LinearOptions(256, 10).bias(false)));
  std::ostringstream s;
  s << seq;
  EXPECT_EQ(s.str(),
            "nabla::nn::Sequential(\n"
            "  (0): nabla::nn::Linear(in_features=784, out_features=256, bias=true)\n"
            "  (1): nabla::nn::ReLU()\n"
            "  (2): nabla::nn::Dropout(p=0.2, inplace=false)\n"
            "  (3): nabla::nn::Linear(in_features=256, out_features=10, bias=false)\n"
            ")");
}

TEST(Module, PrintsNestedModulesAndLayers) {
  testnet::Net net;
  std::ostringstream s;
  s << *net;
  EXPECT_EQ(s.str(),
            "testnet::NetImpl(\n"
            "  (fc1): nabla::nn::Linear(in_features=4, out_features=3, bias=true)\n"
            "  (fc2): nabla::nn::Linear(in_features=3, out_features=2, bias=false)\n"
            ")");
  auto str = [](const auto& holder) {
    std::ostringstream o;
    o << holder;
    return o.str();
  };
  EXPECT_EQ(str(nn::BatchNorm1d(5)),
            "nabla::nn::BatchNorm1d(5, eps=1e-05, momentum=0.1, affine=true, "
            "track_running_stats=true)");
  EXPECT_EQ(str(nn::LayerNorm(nn::LayerNormOptions({2, 3}))),
            "nabla::nn::LayerNorm([2, 3], eps=1e-05, elementwise_affine=true)");
  EXPECT_EQ(str(nn::Embedding(nn::EmbeddingOptions(10, 3).padding_idx(0))),
            "nabla::nn::Embedding(num_embeddings=10, embedding_dim=3, padding_idx=0)");
  EXPECT_EQ(str(nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.2))),
            "nabla::nn::LeakyReLU(negative_slope=0.2)");
  EXPECT_EQ(str(nn::Softmax(1)), "nabla::nn::Softmax(dim=1)");
  EXPECT_EQ(str(nn::Flatten()), "nabla::nn::Flatten(start_dim=1, end_dim=-1)");
  EXPECT_EQ(str(nn::Unflatten(1, std::vector<int64_t>{2, 2})),
            "nabla::nn::Unflatten(dim=1, unflattened_size={2, 2})");
  EXPECT_EQ(str(nn::GELU(nn::GELUOptions().approximate("tanh"))),
            "nabla::nn::GELU(approximate=tanh)");
}

// ---- containers --------------------------------------------------------------------------

TEST(Sequential, ForwardIndexingAndNames) {
  nn::Sequential seq(nn::Linear(3, 2), nn::ReLU());
  seq->push_back(nn::Linear(2, 1));
  EXPECT_EQ(seq->size(), 3u);
  EXPECT_EQ(seq->named_parameters().keys(),
            (std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias"}));
  auto l0 = seq->ptr<nn::LinearImpl>(0);
  auto l2 = seq->ptr<nn::LinearImpl>(2);
  nn::init::constant_(l0->weight, 1.0);
  nn::init::constant_(l0->bias, -2.0);
  nn::init::constant_(l2->weight, 2.0);
  nn::init::constant_(l2->bias, 0.5);
  Tensor x = tensor({{1.0, 2.0, 3.0}, {0.0, 0.5, 0.5}});
  // Row 0: 6 - 2 = 4 -> relu 4 -> 2*4 + 2*4 + 0.5 = 16.5; row 1: 1 - 2 < 0 -> 0.5.
  expect_values(seq->forward(x), {16.5, 0.5});
  expect_values(seq(x), {16.5, 0.5});
  EXPECT_EQ(seq[1]->name(), "nabla::nn::ReLUImpl");
  EXPECT_EQ(&seq->at<nn::LinearImpl>(2), l2.get());
  EXPECT_THROW(seq->ptr<nn::LinearImpl>(1), Error);
  EXPECT_THROW(seq->ptr(3), Error);
  int n = 0;
  for (const auto& m : *seq) n += m.ptr() != nullptr;
  EXPECT_EQ(n, 3);
}

TEST(Sequential, NamedNestedAndFunctional) {
  nn::Sequential named({{"fc", nn::Linear(2, 2)},
                        {"act", nn::Functional(nabla::relu)},
                        {"inner", nn::Sequential(nn::Identity(), nn::Tanh())}});
  EXPECT_EQ(named->named_parameters().keys(), (std::vector<std::string>{"fc.weight", "fc.bias"}));
  EXPECT_EQ(named->named_modules().keys(),
            (std::vector<std::string>{"", "fc", "act", "inner", "inner.0", "inner.1"}));
  auto fc = named->ptr<nn::LinearImpl>(0);
  nn::init::eye_(fc->weight);
  nn::init::zeros_(fc->bias);
  expect_values(named->forward(tensor({{-1.0, 2.0}})), {0.0, std::tanh(2.0)});
  nn::Sequential empty;
  EXPECT_THROW(empty->forward(ones({1})), Error);
  nn::Functional leaky(F::leaky_relu, nn::LeakyReLUOptions().negative_slope(0.5));
  expect_values(leaky(tensor({-2.0, 3.0})), {-1.0, 3.0});
}

TEST(ModuleList, PushInsertIndex) {
  nn::ModuleList list(nn::Linear(2, 3), nn::ReLU());
  list->push_back(nn::Linear(3, 1));
  EXPECT_EQ(list->size(), 3u);
  EXPECT_EQ(list->named_parameters().keys(),
            (std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias"}));
  Tensor x = ones({4, 2});
  for (const auto& m : *list) {
    if (auto lin = std::dynamic_pointer_cast<nn::LinearImpl>(m)) {
      x = lin->forward(x);
    } else {
      x = m->as<nn::ReLU>()->forward(x);
    }
  }
  EXPECT_EQ(x.sizes(), IntArrayRef({4, 1}));
  list->insert(0, nn::Identity());
  EXPECT_EQ(list->named_children().keys(), (std::vector<std::string>{"0", "1", "2", "3"}));
  EXPECT_EQ(list[0]->name(), "nabla::nn::IdentityImpl");
  EXPECT_EQ(list->ptr<nn::LinearImpl>(3)->options.out_features(), 1);
  EXPECT_TRUE(list->named_parameters()["1.weight"].is_same(list->ptr<nn::LinearImpl>(1)->weight));
  EXPECT_THROW(list->ptr(4), Error);
}

TEST(ModuleDict, InsertLookupPop) {
  std::vector<std::pair<std::string, std::shared_ptr<nn::Module>>> entries{
      {"enc", nn::Linear(2, 2).ptr()}, {"act", nn::ReLU().ptr()}};
  nn::ModuleDict dict(entries);
  EXPECT_EQ(dict->keys(), (std::vector<std::string>{"enc", "act"}));
  EXPECT_TRUE(dict->contains("enc"));
  EXPECT_EQ(dict->named_parameters().keys(), (std::vector<std::string>{"enc.weight", "enc.bias"}));
  EXPECT_EQ(dict->at<nn::LinearImpl>("enc").options.in_features(), 2);
  dict->insert("enc", nn::Linear(2, 5));  // replaces
  EXPECT_EQ(dict->at<nn::LinearImpl>("enc").options.out_features(), 5);
  EXPECT_EQ(dict->size(), 2u);
  auto act = dict->pop("act");
  EXPECT_EQ(act->name(), "nabla::nn::ReLUImpl");
  EXPECT_FALSE(dict->contains("act"));
  EXPECT_EQ(dict->named_children().keys(), (std::vector<std::string>{"enc"}));
  EXPECT_NE(error_of([&] { (*dict)["nope"]; }).find("'nope'"), std::string::npos);
  dict->clear();
  EXPECT_TRUE(dict->empty());
  EXPECT_TRUE(dict->children().empty());
}

// ---- layers: forward values --------------------------------------------------------------

TEST(Linear, ForwardAndInit) {
  nn::Linear lin(3, 2);
  EXPECT_EQ(lin->weight.sizes(), IntArrayRef({2, 3}));
  EXPECT_EQ(lin->bias.sizes(), IntArrayRef({2}));
  const double bound = 1.0 / std::sqrt(3.0);  // kaiming_uniform_(a=sqrt(5)) and the bias bound
  for (double v : values(lin->weight)) EXPECT_LE(std::abs(v), bound + 1e-6);
  for (double v : values(lin->bias)) EXPECT_LE(std::abs(v), bound + 1e-6);
  EXPECT_GT(lin->weight.std().item<double>(), 0.0);
  nn::init::constant_(lin->weight, 1.0);
  nn::init::constant_(lin->bias, 0.5);
  Tensor x = tensor({{1.0, 2.0, 3.0}, {-1.0, 0.0, 1.0}});
  expect_values(lin(x), {6.5, 6.5, 0.5, 0.5});
  // Any leading dims.
  Tensor y = lin(ones({2, 4, 3}));
  EXPECT_EQ(y.sizes(), IntArrayRef({2, 4, 2}));
  expect_values(y.flatten(), std::vector<double>(16, 3.5));
  expect_values(lin(tensor({1.0, 1.0, 1.0})), {3.5, 3.5});  // 1-D input
  nn::Linear nobias(nn::LinearOptions(3, 2).bias(false));
  EXPECT_FALSE(nobias->bias.defined());
  EXPECT_EQ(nobias->parameters().size(), 1u);
  nn::init::constant_(nobias->weight, 2.0);
  expect_values(nobias(x), {12, 12, 0, 0});
  EXPECT_NE(error_of([&] { lin(ones({2, 4})); }).find("[linear]"), std::string::npos);
}

TEST(Layers, IdentityFlattenUnflatten) {
  Tensor x = arange(24, dtype(kFloat)).view({2, 3, 4});
  EXPECT_TRUE(nn::Identity()(x).is_same(x));
  EXPECT_EQ(nn::Flatten()(x).sizes(), IntArrayRef({2, 12}));
  EXPECT_EQ(nn::Flatten(nn::FlattenOptions().start_dim(0).end_dim(1))(x).sizes(),
            IntArrayRef({6, 4}));
  EXPECT_EQ(nn::Unflatten(2, std::vector<int64_t>{2, 2})(x).sizes(), IntArrayRef({2, 3, 2, 2}));
  EXPECT_TRUE(nn::Unflatten(1, std::vector<int64_t>{3, 4})(nn::Flatten()(x)).equal(x));
}

TEST(Layers, Dropout) {
  manual_seed(1);
  nn::Dropout drop(0.5);
  Tensor x = ones({100, 100});
  Tensor y = drop(x);
  std::vector<double> v = values(y);
  int64_t zeros_count = 0;
  for (double e : v) {
    EXPECT_TRUE(e == 0.0 || e == 2.0);
    zeros_count += e == 0.0;
  }
  EXPECT_NEAR(double(zeros_count) / 10000.0, 0.5, 0.03);
  drop->eval();
  EXPECT_TRUE(drop(x).equal(x));
  drop->train();
  EXPECT_TRUE(nn::Dropout(0.0)(x).equal(x));
  EXPECT_EQ(nn::Dropout(1.0)(x).abs().sum().item<double>(), 0.0);
  EXPECT_TRUE(F::dropout(x, F::DropoutFuncOptions().p(0.9).training(false)).equal(x));
  EXPECT_THROW(nn::Dropout(1.5), Error);
  EXPECT_THROW(F::dropout(x, F::DropoutFuncOptions().p(-0.1)), Error);
  // Gradient: the same mask scales the gradient.
  Tensor a = ones({50}, requires_grad());
  Tensor out = F::dropout(a, F::DropoutFuncOptions().p(0.3));
  out.sum().backward();
  EXPECT_TRUE(a.grad().allclose(out.detach()));
}

TEST(Layers, EmbeddingLookupPaddingPretrained) {
  Tensor table = tensor({{0.0, 0.0}, {1.0, 2.0}, {3.0, 4.0}, {5.0, 6.0}});
  auto emb = nn::Embedding::from_pretrained(table);
  EXPECT_FALSE(emb->weight.requires_grad());  // frozen by default
  Tensor idx = tensor({{1, 3}, {2, 2}});
  Tensor out = emb(idx);
  EXPECT_EQ(out.sizes(), IntArrayRef({2, 2, 2}));
  expect_values(out, {1, 2, 5, 6, 3, 4, 3, 4});
  auto trainable = nn::Embedding::from_pretrained(
      table.clone(), nn::EmbeddingFromPretrainedOptions().freeze(false).padding_idx(2));
  EXPECT_TRUE(trainable->weight.requires_grad());
  trainable(idx).sum().backward();
  // Row 2 is padding: no gradient; row 1 and 3 were used once, row 0 never.
  expect_values(trainable->weight.grad(), {0, 0, 1, 1, 0, 0, 1, 1});

  nn::Embedding fresh(nn::EmbeddingOptions(5, 3).padding_idx(-1));
  EXPECT_EQ(*fresh->options.padding_idx(), 4);
  expect_values(fresh->weight[4], {0, 0, 0});
  EXPECT_GT(fresh->weight.abs().sum().item<double>(), 0.0);

  EXPECT_NE(error_of([&] {
              emb(tensor({0, 4}));
            }).find("index 4 is out of range"),
            std::string::npos);
  EXPECT_NE(error_of([&] { emb(tensor({0.0, 1.0})); }).find("int64 or int32"), std::string::npos);
  EXPECT_THROW(nn::Embedding(nn::EmbeddingOptions(3, 2).padding_idx(3)), Error);
  EXPECT_EQ(emb(tensor({1, 2}, kInt)).sizes(), IntArrayRef({2, 2}));
}

TEST(Layers, LayerNorm) {
  nn::LayerNorm ln(nn::LayerNormOptions({3}));
  Tensor x = tensor({{1.0, 2.0, 3.0}, {2.0, 2.0, 2.0}});
  const double s = 1.0 / std::sqrt(2.0 / 3.0 + 1e-5);
  expect_values(ln(x), {-s, 0, s, 0, 0, 0});
  nn::init::constant_(ln->weight, 2.0);
  nn::init::constant_(ln->bias, 1.0);
  expect_values(ln(x), {1 - 2 * s, 1, 1 + 2 * s, 1, 1, 1});
  nn::LayerNorm ln2(nn::LayerNormOptions({2, 3}).elementwise_affine(false));
  EXPECT_EQ(ln2->parameters().size(), 0u);
  Tensor y = ln2(arange(12, dtype(kDouble)).view({2, 2, 3}));
  expect_values(y.mean({1, 2}), {0, 0}, 1e-9);
  EXPECT_NE(error_of([&] {
              ln(ones({2, 4}));
            }).find("[layer_norm] expected input with shape [*, 3]"),
            std::string::npos);
}

TEST(Layers, BatchNorm1dTrainingAndEval) {
  nn::BatchNorm1d bn(2);
  Tensor x = tensor({{1.0, 2.0}, {3.0, 6.0}});
  // Batch mean [2, 4], biased var [1, 4]: normalized to -1 / +1.
  const double a = 1.0 / std::sqrt(1.0 + 1e-5), b = 2.0 / std::sqrt(4.0 + 1e-5);
  expect_values(bn(x), {-a, -b, a, b});
  expect_values(bn->running_mean, {0.2, 0.4});
  expect_values(bn->running_var, {0.9 + 0.1 * 2, 0.9 + 0.1 * 8});  // unbiased [2, 8]
  EXPECT_EQ(bn->num_batches_tracked.item<int64_t>(), 1);
  bn->eval();
  expect_values(bn(tensor({{0.2, 0.4}})), {0, 0}, 1e-6);
  EXPECT_EQ(bn->num_batches_tracked.item<int64_t>(), 1);
  // 3-D input [N, C, L]: statistics over N and L.
  nn::BatchNorm1d bn3(nn::BatchNormOptions(2).momentum(std::nullopt).affine(false));
  Tensor x3 = tensor({{{1.0, 3.0}, {0.0, 0.0}}, {{5.0, 7.0}, {2.0, 2.0}}});  // [2, 2, 2]
  Tensor y3 = bn3(x3);
  expect_values(y3.mean({0, 2}), {0, 0}, 1e-6);
  expect_values(bn3->running_mean, {4.0, 1.0});  // cumulative average: the batch itself
  expect_values(bn3->running_var, {20.0 / 3.0, 4.0 / 3.0});
  EXPECT_NE(error_of([&] { bn(ones({1, 3})); }).find("[BatchNorm1d]"), std::string::npos);
  EXPECT_EQ(bn(ones({1, 2})).sizes(), IntArrayRef({1, 2}));  // one sample is fine in eval
  bn->train();
  EXPECT_NE(error_of([&] {
              bn(ones({1, 2}));
            }).find("more than 1 value per channel"),
            std::string::npos);
  EXPECT_THROW(bn(ones({4, 3})), Error);
  nn::BatchNorm1d no_stats(nn::BatchNormOptions(2).track_running_stats(false));
  no_stats->eval();
  EXPECT_EQ(no_stats->buffers().size(), 0u);
  expect_values(no_stats(x), {-a, -b, a, b});  // batch statistics even in eval
}

TEST(Layers, Activations) {
  Tensor x = tensor({-2.0, 0.0, 3.0});
  expect_values(nn::ReLU()(x), {0, 0, 3});
  expect_values(nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.1))(x), {-0.2, 0, 3});
  expect_values(nn::LeakyReLU()(x), {-0.02, 0, 3});
  expect_values(nn::ELU()(x), {std::exp(-2.0) - 1, 0, 3});
  expect_values(nn::ELU(nn::ELUOptions().alpha(2.0))(x), {2 * (std::exp(-2.0) - 1), 0, 3});
  Tensor g = tensor({0.0, 1.0, -1.0});
  expect_values(nn::GELU()(g), {0, 0.8413447460685429, -0.15865525393145707});
  expect_values(nn::GELU(nn::GELUOptions().approximate("tanh"))(g),
                {0, 0.8411919906082768, -0.15880800939172324});
  EXPECT_THROW(F::gelu(g, F::GELUFuncOptions().approximate("fast")), Error);
  const double s1 = 1 / (1 + std::exp(-1.0));
  expect_values(nn::SiLU()(g), {0, s1, -(1 - s1)});
  expect_values(nn::Sigmoid()(g), {0.5, s1, 1 - s1});
  expect_values(nn::Tanh()(g), {0, std::tanh(1.0), -std::tanh(1.0)});
  Tensor m = tensor({{1.0, 2.0, 3.0}, {0.0, 0.0, 0.0}});
  const double z = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
  expect_values(nn::Softmax(1)(m),
                {std::exp(1.0) / z, std::exp(2.0) / z, std::exp(3.0) / z, 1. / 3, 1. / 3, 1. / 3});
  expect_values(nn::LogSoftmax(1)(m), {1 - std::log(z), 2 - std::log(z), 3 - std::log(z),
                                       -std::log(3.0), -std::log(3.0), -std::log(3.0)});
  expect_values(nn::Softmax(0)(m).sum(0), {1, 1, 1});
  // In place variants write into the input.
  Tensor y = x.clone();
  Tensor r = nn::ReLU(nn::ReLUOptions(true))(y);
  expect_values(y, {0, 0, 3});
  EXPECT_TRUE(r.is_same(y));
  Tensor y2 = x.clone();
  F::leaky_relu(y2, F::LeakyReLUFuncOptions().negative_slope(0.5).inplace(true));
  expect_values(y2, {-1, 0, 3});
}

// ---- gradient checks (float64, central differences) ----------------------------------------

TEST(Gradients, Linear) {
  nn::Linear lin(3, 2);
  expect_module_grads_match(lin, tensor({{0.1, -0.5, 0.3}, {1.0, 0.2, -0.7}}));
  Tensor x3 = arange(12, dtype(kDouble)).mul(0.1).view({2, 2, 3});
  expect_module_grads_match(lin, x3);
  nn::Linear nobias(nn::LinearOptions(3, 1).bias(false));
  expect_module_grads_match(nobias, x3);
}

TEST(Gradients, MLPInSequential) {
  manual_seed(3);
  nn::Sequential mlp(nn::Linear(3, 4), nn::Tanh(), nn::Linear(4, 4), nn::GELU(), nn::Linear(4, 2),
                     nn::LogSoftmax(1));
  expect_module_grads_match(mlp, randn({5, 3}));
}

TEST(Gradients, Activations) {
  // Inputs away from the kinks at 0.
  Tensor x = tensor({{-1.3, -0.4, 0.2, 0.9}, {1.7, -2.2, 0.6, -0.05}});
  nn::ReLU relu;
  expect_module_grads_match(relu, x);
  nn::LeakyReLU leaky(nn::LeakyReLUOptions().negative_slope(0.2));
  expect_module_grads_match(leaky, x);
  nn::ELU elu(nn::ELUOptions().alpha(1.5));
  expect_module_grads_match(elu, x);
  nn::GELU gelu;
  expect_module_grads_match(gelu, x);
  nn::GELU gelu_tanh(nn::GELUOptions().approximate("tanh"));
  expect_module_grads_match(gelu_tanh, x);
  nn::SiLU silu;
  expect_module_grads_match(silu, x);
  nn::Sigmoid sigmoid;
  expect_module_grads_match(sigmoid, x);
  nn::Tanh tanh_;
  expect_module_grads_match(tanh_, x);
  nn::Softmax softmax(1);
  expect_module_grads_match(softmax, x);
  nn::LogSoftmax log_softmax(0);
  expect_module_grads_match(log_softmax, x);
  nn::Flatten flatten(nn::FlattenOptions().start_dim(0));
  expect_module_grads_match(flatten, x);
}

TEST(Gradients, ELUHasNoNanForLargeInputs) {
  Tensor x = tensor({1000.0, -3.0}, dtype(kDouble).requires_grad(true));
  F::elu(x).sum().backward();
  expect_values(x.grad(), {1.0, std::exp(-3.0)});
}

TEST(Gradients, NormalizationLayers) {
  manual_seed(4);
  nn::LayerNorm ln(nn::LayerNormOptions({4}));
  {
    NoGradGuard g;
    ln->weight.uniform_(0.5, 1.5);
    ln->bias.uniform_(-0.5, 0.5);
  }
  expect_module_grads_match(ln, randn({3, 4}));
  nn::LayerNorm ln2(nn::LayerNormOptions({2, 3}));
  expect_module_grads_match(ln2, randn({2, 2, 3}));
  nn::BatchNorm1d bn(3);
  {
    NoGradGuard g;
    bn->weight.uniform_(0.5, 1.5);
  }
  expect_module_grads_match(bn, randn({4, 3}));
  expect_module_grads_match(bn, randn({2, 3, 3}));
  bn->eval();
  expect_module_grads_match(bn, randn({4, 3}));
}

TEST(Gradients, Embedding) {
  // (padding_idx deliberately passes no gradient, so it is checked in the test above)
  nn::Embedding emb(5, 3);
  emb->to(kDouble);
  Tensor idx = tensor({{0, 1, 4}, {4, 2, 1}});
  expect_grads_match([&] { return project(emb(idx)); }, {emb->weight});
}

// ---- EmbeddingBag ------------------------------------------------------------------------

namespace {

// W = torch.sin(torch.arange(30, dtype=torch.float64) * 0.7).reshape(10, 3), the bags of
// input = [1, 2, 4, 5, 4, 3, 2, 9] at offsets = [0, 0, 4, 6] (the first bag is empty).
Tensor bag_table() { return arange(30, dtype(kDouble)).mul(0.7).sin().view({10, 3}); }
Tensor bag_input() { return tensor({1, 2, 4, 5, 4, 3, 2, 9}); }
Tensor bag_offsets() { return tensor({0, 0, 4, 6}); }
// The fixed projection (o * torch.arange(12.).reshape(4, 3)).sum() of the [4, 3] output.
Tensor bag_projection(const Tensor& out) {
  return (out * arange(12, dtype(kDouble)).view({4, 3})).sum();
}

}  // namespace

TEST(Layers, EmbeddingBagModesMatchPyTorch) {
  // F.embedding_bag(input, W, offsets, mode=m[, padding_idx=2]).flatten().tolist() and
  // w.grad.sum(0) of bag_projection, from PyTorch 1.13.
  const std::vector<double> sum = {0.0,
                                   0.0,
                                   0.0,
                                   -0.03346325764810243,
                                   -1.3075438292703927,
                                   -1.9666661070509028,
                                   0.8714128085726311,
                                   0.9760849610681412,
                                   0.6216891046250734,
                                   -0.8211530846067765,
                                   -0.30048899255619965,
                                   0.3614997679635851};
  const std::vector<double> sum_pad2 = {0.0,
                                        0.0,
                                        0.0,
                                        0.8381125147654854,
                                        -0.3250912166460601,
                                        -1.3353994691785813,
                                        0.8714128085726311,
                                        0.9760849610681412,
                                        0.6216891046250734,
                                        0.05042268780681122,
                                        0.6819636200681329,
                                        0.9927664058359067};
  const std::vector<double> mean = {0.0,
                                    0.0,
                                    0.0,
                                    -0.008365814412025607,
                                    -0.3268859573175982,
                                    -0.4916665267627257,
                                    0.4357064042863156,
                                    0.4880424805340706,
                                    0.3108445523125367,
                                    -0.41057654230338825,
                                    -0.15024449627809983,
                                    0.18074988398179254};
  const std::vector<double> mean_pad2 = {0.0,
                                         0.0,
                                         0.0,
                                         0.2793708382551618,
                                         -0.10836373888202004,
                                         -0.44513315639286044,
                                         0.4357064042863156,
                                         0.4880424805340706,
                                         0.3108445523125367,
                                         0.05042268780681122,
                                         0.6819636200681329,
                                         0.9927664058359067};
  const std::vector<double> max = {0.0,
                                   0.0,
                                   0.0,
                                   0.8632093666488739,
                                   0.3349881501559051,
                                   -0.35078322768961984,
                                   0.8545989080882814,
                                   0.6569865987187891,
                                   0.9881682338770003,
                                   0.05042268780681122,
                                   0.6819636200681329,
                                   0.9927664058359067};
  struct Expected {
    nn::EmbeddingBagMode mode;
    std::vector<double> values, values_pad2, grad_sum, grad_sum_pad2;
  };
  const std::vector<Expected> cases = {
      {kSum, sum, sum_pad2, {42, 50, 58}, {30, 36, 42}},
      {kMean, mean, mean_pad2, {18, 21, 24}, {18, 21, 24}},
      {kMax, max, max, {18, 21, 24}, {18, 21, 24}},
  };
  for (const Expected& c : cases) {
    for (const bool padded : {false, true}) {
      SCOPED_TRACE(std::string(c.mode.name()) + (padded ? " padding_idx=2" : ""));
      Tensor w = bag_table().requires_grad_(true);
      auto options = F::EmbeddingBagFuncOptions().offsets(bag_offsets()).mode(c.mode);
      if (padded) options.padding_idx(2);
      Tensor out = F::embedding_bag(bag_input(), w, options);
      EXPECT_EQ(out.sizes(), IntArrayRef({4, 3}));
      expect_values(out, padded ? c.values_pad2 : c.values, 1e-12);
      bag_projection(out).backward();
      expect_values(w.grad().sum({0}), padded ? c.grad_sum_pad2 : c.grad_sum, 1e-12);
      if (padded) expect_values(w.grad()[2], {0, 0, 0});
    }
  }
}

TEST(Layers, EmbeddingBagOffsetsWeightsAndModule) {
  const Tensor w = bag_table();
  // F.embedding_bag(input, W, offsets, mode='sum',
  //                 per_sample_weights=torch.arange(8, dtype=torch.float64) * 0.1 + 0.5)
  expect_values(F::embedding_bag(bag_input(), w,
                                 F::EmbeddingBagFuncOptions()
                                     .offsets(bag_offsets())
                                     .mode(kSum)
                                     .per_sample_weights(arange(8, dtype(kDouble)) * 0.1 + 0.5)),
                {0.0, 0.0, 0.0, -0.19687815243925488, -0.9819508221731544, -1.3051966768341794,
                 0.785952917763803, 0.944175124833206, 0.6583370175502661, -0.8982261242867732,
                 -0.26234152980500625, 0.4969263853435344},
                1e-12);
  // F.embedding_bag(torch.tensor([[1, 2, 4], [4, 3, 9]]), W, mode='max')
  expect_values(
      F::embedding_bag(tensor({{1, 2, 4}, {4, 3, 9}}), w, F::EmbeddingBagFuncOptions().mode(kMax)),
      {0.8632093666488739, 0.3349881501559051, -0.35078322768961984, 0.8545989080882814,
       0.6819636200681329, 0.9927664058359067},
      1e-12);
  // F.embedding_bag(input, W, torch.tensor([0, 3, 8]), include_last_offset=True)
  expect_values(
      F::embedding_bag(
          bag_input(), w,
          F::EmbeddingBagFuncOptions().offsets(tensor({0, 3, 8})).include_last_offset(true)),
      {0.28207750077452254, -0.10945536670635846, -0.449509664937956, -0.16588720720116307,
       -0.060716352127875184, 0.07301035207032477},
      1e-12);

  // The module, from_pretrained (frozen by default) and int32 indices.
  auto bag = nn::EmbeddingBag::from_pretrained(
      w, nn::EmbeddingBagFromPretrainedOptions().mode(kSum).padding_idx(2));
  EXPECT_FALSE(bag->weight.requires_grad());
  expect_values(bag(bag_input().to(kInt), bag_offsets().to(kInt)),
                {0.0, 0.0, 0.0, 0.8381125147654854, -0.3250912166460601, -1.3353994691785813,
                 0.8714128085726311, 0.9760849610681412, 0.6216891046250734, 0.05042268780681122,
                 0.6819636200681329, 0.9927664058359067},
                1e-12);
  std::ostringstream printed;
  printed << bag;
  EXPECT_EQ(
      printed.str(),
      "nabla::nn::EmbeddingBag(num_embeddings=10, embedding_dim=3, mode=kSum, padding_idx=2)");
  nn::EmbeddingBag fresh(nn::EmbeddingBagOptions(5, 3).padding_idx(-1).mode(kMax));
  EXPECT_EQ(*fresh->options.padding_idx(), 4);
  expect_values(fresh->weight[4], {0, 0, 0});
  EXPECT_TRUE(fresh->weight.requires_grad());
  EXPECT_EQ(fresh(tensor({{0, 1}, {2, 3}, {4, 4}})).sizes(), IntArrayRef({3, 3}));

  // max_norm renormalizes the rows looked up, in place: the sum of
  // F.embedding_bag(input, w, offsets, mode='sum', max_norm=0.5) and w.norm(dim=1) after it.
  Tensor renormed = w.clone();
  expect_values(F::embedding_bag(
                    bag_input(), renormed,
                    F::EmbeddingBagFuncOptions().offsets(bag_offsets()).mode(kSum).max_norm(0.5)),
                {0.0, 0.0, 0.0, 0.2690193344144355, -0.342323733720258, -0.7926666009304248,
                 0.4417323900714775, 0.43909246880878977, 0.22994049845624456, -0.2781499775355187,
                 -0.05425112807782434, 0.1951628746121308},
                1e-7);
  expect_values(renormed.norm(2, {1}),
                {1.1773392029845131, 0.4999999495025883, 0.4999999656870019, 0.49999995786835505,
                 0.4999999491400688, 0.4999999656172388, 1.1961425955584188, 0.9762924809776656,
                 1.4510148464803432, 0.499999958523034},
                1e-7);
}

TEST(Layers, EmbeddingBagErrors) {
  const Tensor w = bag_table();
  const auto message = [&](const F::EmbeddingBagFuncOptions& options, const Tensor& input) {
    return error_of([&] { F::embedding_bag(input, w, options); });
  };
  EXPECT_NE(message(F::EmbeddingBagFuncOptions()
                        .offsets(bag_offsets())
                        .per_sample_weights(arange(8, dtype(kDouble))),
                    bag_input())
                .find("only supported for mode='sum'"),
            std::string::npos);
  EXPECT_NE(message(F::EmbeddingBagFuncOptions().offsets(tensor({0, 2})), tensor({{1, 2}}))
                .find("offsets must be undefined"),
            std::string::npos);
  EXPECT_NE(message({}, bag_input()).find("offsets has to be a 1-D tensor"), std::string::npos);
  EXPECT_NE(message(F::EmbeddingBagFuncOptions().offsets(tensor({1, 2})), bag_input())
                .find("offsets[0] has to be 0"),
            std::string::npos);
  EXPECT_NE(message(F::EmbeddingBagFuncOptions().offsets(tensor({0, 9})), bag_input())
                .find("can not be greater than input's length"),
            std::string::npos);
  EXPECT_NE(message(F::EmbeddingBagFuncOptions().offsets(tensor({0})), tensor({10}))
                .find("index 10 is out of range"),
            std::string::npos);
  EXPECT_NE(message(F::EmbeddingBagFuncOptions().offsets(tensor({0})).sparse(true), bag_input())
                .find("sparse gradients are not supported"),
            std::string::npos);
  EXPECT_NE(message(F::EmbeddingBagFuncOptions().offsets(tensor({0})).padding_idx(10), bag_input())
                .find("padding_idx 10 must be within"),
            std::string::npos);
  EXPECT_THROW(nn::EmbeddingBag(nn::EmbeddingBagOptions(3, 2).sparse(true)), Error);
  EXPECT_NE(error_of([] { nn::EmbeddingBagOptions(3, 2).mode(kNone); }).find("kSum, kMean or kMax"),
            std::string::npos);
}

TEST(Gradients, EmbeddingBag) {
  // Every mode, with an empty bag and padding, and per_sample_weights (differentiable too).
  for (const nn::EmbeddingBagMode mode :
       {nn::EmbeddingBagMode(kSum), nn::EmbeddingBagMode(kMean), nn::EmbeddingBagMode(kMax)}) {
    SCOPED_TRACE(mode.name());
    const Tensor w = bag_table().requires_grad_(true);
    EXPECT_TRUE(autograd::gradcheck(
        [&](const autograd::variable_list& x) {
          return F::embedding_bag(
              bag_input(), x[0],
              F::EmbeddingBagFuncOptions().offsets(bag_offsets()).mode(mode).padding_idx(3));
        },
        {w}));
  }
  const Tensor w = bag_table().requires_grad_(true);
  const Tensor psw = (arange(8, dtype(kDouble)) * 0.1 + 0.5).requires_grad_(true);
  EXPECT_TRUE(autograd::gradcheck(
      [&](const autograd::variable_list& x) {
        return F::embedding_bag(bag_input(), x[0],
                                F::EmbeddingBagFuncOptions()
                                    .offsets(bag_offsets())
                                    .mode(kSum)
                                    .per_sample_weights(x[1]));
      },
      {w, psw}));
}

// ---- init ----------------------------------------------------------------------------------

TEST(Init, GainsAndFans) {
  EXPECT_DOUBLE_EQ(nn::init::calculate_gain(nn::init::kLinear), 1.0);
  EXPECT_DOUBLE_EQ(nn::init::calculate_gain(nn::init::kSigmoid), 1.0);
  EXPECT_DOUBLE_EQ(nn::init::calculate_gain(nn::init::kReLU), std::sqrt(2.0));
  EXPECT_DOUBLE_EQ(nn::init::calculate_gain(nn::init::kTanh), 5.0 / 3.0);
  EXPECT_DOUBLE_EQ(nn::init::calculate_gain(nn::init::kSELU), 0.75);
  EXPECT_DOUBLE_EQ(nn::init::calculate_gain(nn::init::kLeakyReLU, 0.2), std::sqrt(2.0 / 1.04));
  EXPECT_DOUBLE_EQ(nn::init::calculate_gain(nn::init::kLeakyReLU), std::sqrt(2.0 / 1.0001));
  auto [fi, fo] = nn::init::_calculate_fan_in_and_fan_out(empty({8, 4, 3, 3}));
  EXPECT_EQ(fi, 36);
  EXPECT_EQ(fo, 72);
  EXPECT_NE(error_of([] { nn::init::xavier_uniform_(empty({5})); }).find("fewer than 2"),
            std::string::npos);
}

TEST(Init, InitializersFillInPlaceWithoutHistory) {
  manual_seed(7);
  Tensor w = empty({200, 300}, requires_grad());
  Tensor r = nn::init::xavier_uniform_(w);
  EXPECT_TRUE(r.is_same(w));
  EXPECT_TRUE(w.is_leaf());
  EXPECT_EQ(w.grad_fn(), nullptr);
  const double xb = std::sqrt(6.0 / 500.0);
  EXPECT_LE(w.abs().max().item<double>(), xb + 1e-6);
  EXPECT_GT(w.abs().max().item<double>(), 0.9 * xb);
  nn::init::xavier_normal_(w, 2.0);
  EXPECT_NEAR(w.std().item<double>(), 2.0 * std::sqrt(2.0 / 500.0), 0.01);
  nn::init::kaiming_normal_(w, 0, nn::init::kFanOut, nn::init::kReLU);
  EXPECT_NEAR(w.std().item<double>(), std::sqrt(2.0 / 200.0), 0.005);
  nn::init::kaiming_uniform_(w, 0, nn::init::kFanIn, nn::init::kReLU);
  const double kb = std::sqrt(2.0) * std::sqrt(3.0 / 300.0);
  EXPECT_LE(w.abs().max().item<double>(), kb + 1e-6);
  EXPECT_GT(w.abs().max().item<double>(), 0.9 * kb);
  nn::init::normal_(w, 3.0, 0.5);
  EXPECT_NEAR(w.mean().item<double>(), 3.0, 0.01);
  nn::init::uniform_(w, -2.0, -1.0);
  EXPECT_LE(w.max().item<double>(), -1.0);
  EXPECT_GE(w.min().item<double>(), -2.0);
  nn::init::ones_(w);
  EXPECT_EQ(w.sum().item<double>(), 60000.0);
  nn::init::zeros_(w);
  EXPECT_EQ(w.abs().sum().item<double>(), 0.0);
  nn::init::constant_(w, 0.25);
  EXPECT_EQ(w[3][4].item<double>(), 0.25);
  Tensor e = nn::init::eye_(empty({2, 3}));
  expect_values(e, {1, 0, 0, 0, 1, 0});
  EXPECT_TRUE(w.is_leaf() && w.requires_grad());
}
