// LibTorch's serialize archives (nabla/serialize/archive.h): tensors, values and nested archives
// through a file, a stream and memory; errors naming the full dotted key; modules and
// optimizers through archives, and files shared with nabla::save / nabla::load.
#include <gtest/gtest.h>
#include <unistd.h>

#include <nabla/torch.h>
#include <filesystem>
#include <sstream>
#include "test_util.h"

namespace fs = std::filesystem;
using namespace nabla;  // NOLINT
using serialize::InputArchive;
using serialize::OutputArchive;

namespace {

using nabla::test_util::error_of;

// A fresh directory per test, removed afterwards.
class ArchiveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           (std::string("nabla_archive_") + info->name() + "_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  size_t file_count() const {
    return static_cast<size_t>(std::distance(fs::directory_iterator(dir_), {}));
  }
  fs::path dir_;
};

bool same(const Tensor& a, const Tensor& b) {
  return a.defined() && b.defined() && a.scalar_type() == b.scalar_type() &&
         a.sizes() == b.sizes() && a.equal(b);
}

// A user's own module with a nested container, a buffer and a parameter-free child.
struct NetImpl : nn::Module {
  NetImpl() {
    body =
        register_module("body", nn::Sequential(nn::Linear(4, 3), nn::ReLU(), nn::BatchNorm1d(3)));
    head = register_module("head", nn::Linear(3, 2));
    scale = register_parameter("scale", randn({2}));
    register_buffer("count", zeros({1}, kLong));
  }
  Tensor forward(Tensor x) { return head(body->forward(x)) * scale; }
  nn::Sequential body{nullptr};
  nn::Linear head{nullptr};
  Tensor scale;
};
NABLA_MODULE(Net);

void expect_same_state(const nn::Module& a, const nn::Module& b) {
  const auto sa = nn::state_dict(a), sb = nn::state_dict(b);
  ASSERT_EQ(sa.size(), sb.size());
  for (size_t i = 0; i < sa.size(); ++i) {
    EXPECT_EQ(sa[i].first, sb[i].first);
    EXPECT_TRUE(same(sa[i].second, sb[i].second)) << sa[i].first;
  }
}

TEST_F(ArchiveTest, TensorsRoundTripThroughAFile) {
  manual_seed(0);
  const Tensor a = randn({3, 4});
  const Tensor b = arange(5);                   // int64
  const Tensor c = randn({2, 3}, kDouble).t();  // not contiguous
  OutputArchive out;
  out.write("a", a);
  out("b", b, /*is_buffer=*/true);
  out.write("c", c);
  out.save_to(path("tensors.pt"));
  EXPECT_EQ(file_count(), 1u);  // no temporary file is left behind

  InputArchive in;
  in.load_from(path("tensors.pt"));
  EXPECT_EQ(in.keys(), (std::vector<std::string>{"a", "b", "c"}));
  Tensor ra, rb, rc;
  in.read("a", ra);
  in("b", rb, /*is_buffer=*/true);
  in.read("c", rc);
  EXPECT_TRUE(same(ra, a));
  EXPECT_TRUE(same(rb, b));
  EXPECT_TRUE(same(rc, c));

  // A defined tensor keeps its handle and takes a copy: changing it leaves the archive alone.
  Tensor target = zeros({3, 4});
  const Tensor alias = target;
  in.read("a", target);
  EXPECT_TRUE(target.is_same(alias));
  EXPECT_TRUE(same(target, a));
  target.add_(1);
  Tensor again;
  in.read("a", again);
  EXPECT_TRUE(same(again, a));
  Tensor wrong_dtype = zeros({3, 4}, kDouble);
  EXPECT_NE(error_of([&] { in.read("a", wrong_dtype); }).find("'a'"), std::string::npos);
}

TEST_F(ArchiveTest, NestedArchivesAndValuesRoundTripThroughAStream) {
  manual_seed(1);
  const Tensor w = randn({2, 2}), v = randn({3}), top = ones({1});
  OutputArchive inner, middle, empty, out;
  inner.write("v", v);
  inner.write("note", IValue("hello"));
  middle.write("w", w);
  middle.write("inner", inner);
  out.write("top", top);
  out.write("middle", middle);
  out.write("empty", empty);
  out.write("step", IValue(int64_t{1} << 40));
  out.write("lr", IValue(0.1));
  out.write("flag", IValue(true));
  out.write("sizes", IValue(std::vector<int64_t>{3, -1}));
  out.write("betas", IValue(std::vector<double>{0.9, 0.999}));
  EXPECT_EQ(out.tensors().size(), 3u);
  EXPECT_EQ(out.tensors()[1].first, "middle.w");
  EXPECT_EQ(out.tensors()[2].first, "middle.inner.v");

  std::stringstream stream;
  out.save_to(stream);
  InputArchive in;
  in.load_from(stream);
  auto keys = in.keys();
  std::sort(keys.begin(), keys.end());
  EXPECT_EQ(keys, (std::vector<std::string>{"betas", "empty", "flag", "lr", "middle", "sizes",
                                            "step", "top"}));

  InputArchive m, i, e;
  in.read("middle", m);
  m.read("inner", i);
  EXPECT_EQ(m.keys(), (std::vector<std::string>{"w", "inner"}));
  Tensor rw, rv;
  m.read("w", rw);
  i.read("v", rv);
  EXPECT_TRUE(same(rw, w));
  EXPECT_TRUE(same(rv, v));
  EXPECT_TRUE(in.try_read("empty", e));  // an empty nested archive is kept
  EXPECT_TRUE(e.keys().empty());

  IValue step, lr, flag, sizes, betas, note, top_value;
  in.read("step", step);
  in.read("lr", lr);
  in.read("flag", flag);
  in.read("sizes", sizes);
  in.read("betas", betas);
  i.read("note", note);
  in.read("top", top_value);  // a tensor reads as an IValue too
  EXPECT_EQ(step.toInt(), int64_t{1} << 40);
  EXPECT_EQ(lr.toDouble(), 0.1);  // every bit
  EXPECT_TRUE(flag.toBool());
  EXPECT_EQ(sizes.toIntVector(), (std::vector<int64_t>{3, -1}));
  EXPECT_EQ(betas.toDoubleVector(), (std::vector<double>{0.9, 0.999}));
  EXPECT_EQ(note.toStringRef(), "hello");
  EXPECT_TRUE(same(top_value.toTensor(), top));

  // The same bytes through memory and through a write function.
  std::string bytes;
  out.save_to([&](const void* data, size_t n) {
    bytes.append(static_cast<const char*>(data), n);
    return n;
  });
  EXPECT_EQ(bytes, stream.str());
  InputArchive from_memory;
  from_memory.load_from(bytes.data(), bytes.size());
  Tensor w2;
  InputArchive m2;
  from_memory.read("middle", m2);
  m2.read("w", w2);
  EXPECT_TRUE(same(w2, w));
  EXPECT_NE(error_of([&] { out.save_to([](const void*, size_t n) { return n - 1; }); }),
            "(no error)");
}

TEST_F(ArchiveTest, MissingKeysAreErrorsNamingTheDottedKey) {
  OutputArchive sub, out;
  sub.write("weight", ones({2}));
  out.write("encoder", sub);
  out.save_to(path("model.pt"));
  InputArchive in, enc;
  in.load_from(path("model.pt"));
  in.read("encoder", enc);
  Tensor t;
  const std::string missing = error_of([&] { enc.read("bias", t); });
  EXPECT_NE(missing.find("'encoder.bias'"), std::string::npos) << missing;
  EXPECT_NE(missing.find(path("model.pt")), std::string::npos) << missing;
  EXPECT_NE(missing.find("weight"), std::string::npos) << missing;  // what there is instead
  EXPECT_FALSE(t.defined());
  InputArchive other;
  EXPECT_NE(error_of([&] { in.read("decoder", other); }).find("'decoder'"), std::string::npos);
  IValue value;
  EXPECT_NE(error_of([&] { enc.read("epoch", value); }).find("'encoder.epoch'"), std::string::npos);
  EXPECT_NE(error_of([&] { InputArchive().load_from(path("absent.pt")); }), "(no error)");
  std::stringstream garbage("not an archive");
  EXPECT_NE(error_of([&] { InputArchive().load_from(garbage); }), "(no error)");
  OutputArchive bad;
  EXPECT_NE(error_of([&] { bad.write("", ones({1})); }), "(no error)");
  EXPECT_NE(error_of([&] { bad.write("t", Tensor()); }).find("'t'"), std::string::npos);
  EXPECT_NE(error_of([&] { bad.write("l", IValue(std::vector<Tensor>{ones({1})})); }),
            "(no error)");
}

TEST_F(ArchiveTest, TryReadReturnsFalseAndLeavesTheTargetAlone) {
  OutputArchive out;
  out.write("x", ones({2}));
  std::stringstream stream;
  out.save_to(stream);
  InputArchive in;
  in.load_from(stream);
  Tensor t = zeros({2});
  const Tensor before = t.clone();
  EXPECT_FALSE(in.try_read("y", t));
  EXPECT_TRUE(same(t, before));
  InputArchive nested;
  EXPECT_FALSE(in.try_read("x", nested));  // a tensor, not an archive
  EXPECT_FALSE(in.try_read("y", nested));
  IValue v;
  EXPECT_FALSE(in.try_read("y", v));
  EXPECT_TRUE(v.isNone());
  EXPECT_TRUE(in.try_read("x", t));
  EXPECT_TRUE(same(t, ones({2})));
}

TEST_F(ArchiveTest, ModuleParametersAndBuffersThroughAnArchive) {
  manual_seed(2);
  Net a;
  a->body[2]->as<nn::BatchNorm1d>()->running_mean.fill_(0.5);
  OutputArchive model_archive, out;
  a->save(model_archive);
  out.write("model", model_archive);
  out.save_to(path("net.pt"));

  manual_seed(3);
  Net b;
  const Tensor w = b->head->weight;
  InputArchive in, model_in;
  in.load_from(path("net.pt"));
  in.read("model", model_in);
  auto keys = model_in.keys();
  EXPECT_EQ(keys, (std::vector<std::string>{"scale", "count", "body", "head"}));
  b->load(model_in);
  EXPECT_TRUE(w.is_same(b->head->weight));  // loaded in place
  EXPECT_TRUE(b->head->weight.requires_grad());
  expect_same_state(*a, *b);
  const Tensor x = randn({5, 4});
  a->eval();
  b->eval();
  EXPECT_TRUE(a->forward(x).equal(b->forward(x)));

  // A shape that differs is an error naming the dotted key.
  struct WideImpl : nn::Module {
    WideImpl() { register_module("head", nn::Linear(3, 7)); }
  };
  auto wide = std::make_shared<WideImpl>();
  const std::string msg = error_of([&] { wide->load(model_in); });
  EXPECT_NE(msg.find("'model.head.weight'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("[7, 3]"), std::string::npos) << msg;
  struct MissingImpl : nn::Module {
    MissingImpl() { register_module("tail", nn::Linear(3, 2)); }
  };
  auto missing = std::make_shared<MissingImpl>();
  const std::string msg2 = error_of([&] { missing->load(model_in); });
  EXPECT_NE(msg2.find("'model.tail.weight'"), std::string::npos) << msg2;
}

TEST_F(ArchiveTest, FilesAreSharedWithNablaSaveAndLoad) {
  manual_seed(4);
  Net a, b, c;
  save(a, path("by_save.safetensors"));  // no entry for the ReLU, no archive metadata
  InputArchive in;
  in.load_from(path("by_save.safetensors"));
  b->load(in);
  expect_same_state(*a, *b);

  OutputArchive out;
  out << a;
  out.save_to(path("by_archive.pt"));
  load(c, path("by_archive.pt"));  // strict names: the archive adds no tensors
  expect_same_state(*a, *c);
}

TEST_F(ArchiveTest, OptimizerStateSharesAnArchiveWithTheModel) {
  manual_seed(5);
  auto run_steps = [](Net& net, optim::Optimizer& opt, int steps) {
    for (int s = 0; s < steps; ++s) {
      opt.zero_grad();
      net->forward(ones({3, 4}) * (s + 1)).pow(2).sum().backward();
      opt.step();
    }
  };
  Net a;
  optim::Adam opt_a(a->parameters(), optim::AdamOptions(0.01));
  run_steps(a, opt_a, 2);
  OutputArchive out;
  a->save(out);
  opt_a.save(out);
  out.save_to(path("ckpt.pt"));

  manual_seed(6);
  Net b;
  optim::Adam opt_b(b->parameters(), optim::AdamOptions(0.5));
  InputArchive in;
  in.load_from(path("ckpt.pt"));
  b->load(in);
  in >> opt_b;  // takes only the state.* and param_groups.* entries
  EXPECT_EQ(opt_b.param_groups()[0].options().get_lr(), 0.01);
  run_steps(a, opt_a, 1);
  run_steps(b, opt_b, 1);
  expect_same_state(*a, *b);

  InputArchive empty;
  EXPECT_NE(error_of([&] { opt_b.load(empty); }).find("no optimizer state"), std::string::npos);
}

TEST_F(ArchiveTest, TorchSaveAndLoadThroughStreams) {
  manual_seed(7);
  Net a, b;
  std::stringstream model_stream;
  torch::save(a, model_stream);
  torch::load(b, model_stream);
  expect_same_state(*a, *b);

  const Tensor t = randn({2, 3});
  std::stringstream tensor_stream;
  torch::save(t, tensor_stream);
  Tensor back;
  torch::load(back, tensor_stream);
  EXPECT_TRUE(same(back, t));

  const std::vector<Tensor> list{randn({2}), arange(3)};
  std::stringstream list_stream;
  torch::save(list, list_stream);
  std::vector<Tensor> list_back;
  torch::load(list_back, list_stream);
  ASSERT_EQ(list_back.size(), 2u);
  EXPECT_TRUE(same(list_back[0], list[0]));
  EXPECT_TRUE(same(list_back[1], list[1]));

  // The names LibTorch programs use.
  torch::serialize::OutputArchive out;
  out << t;
  std::stringstream s;
  out.save_to(s);
  torch::serialize::InputArchive in;
  in.load_from(s, torch::Device(torch::kCPU));
  Tensor t2;
  in >> t2;
  EXPECT_TRUE(same(t2, t));
}

}  // namespace
