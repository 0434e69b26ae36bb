// Reading torch.save(state_dict) files (nabla/pytorch_file.h) against fixtures written by
// Debian's PyTorch (scripts/make_pytorch_file_fixtures.py), and refusing malformed or hostile
// ones.
#include <gtest/gtest.h>

#include <nabla/nabla.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include "test_util.h"

namespace {

using nabla::test_util::error_of;

const std::string kData = NABLA_TEST_DATA_DIR;

std::map<std::string, nabla::Tensor> as_map(const nabla::NamedTensors& named) {
  std::map<std::string, nabla::Tensor> m;
  for (const auto& [k, v] : named) m[k] = v;
  return m;
}

TEST(PyTorchFile, ReadsAModelsStateDict) {
  auto got = nabla::load_pytorch_state_dict(kData + "/pt_model.pt");
  auto expected = as_map(nabla::load_safetensors(kData + "/pt_model_expected.safetensors"));
  std::vector<std::string> names;
  for (const auto& [name, t] : got) {
    names.push_back(name);
    ASSERT_TRUE(expected.count(name)) << name;
    EXPECT_EQ(t.scalar_type(), expected[name].scalar_type()) << name;
    EXPECT_TRUE(t.equal(expected[name])) << name;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"0.weight", "0.bias", "1.weight", "1.bias",
                                             "1.running_mean", "1.running_var",
                                             "1.num_batches_tracked", "2.weight", "2.bias"}));
}

TEST(PyTorchFile, LoadsIntoAModuleThatComputesTheSame) {
  nabla::nn::Sequential model(nabla::nn::Linear(3, 4), nabla::nn::BatchNorm1d(4),
                              nabla::nn::Linear(4, 2));
  nabla::load_state_dict(model, kData + "/pt_model.pt");
  model->eval();
  auto expected = as_map(nabla::load_safetensors(kData + "/pt_model_expected.safetensors"));
  auto out = model->forward(expected["input"]);
  EXPECT_TRUE(nabla::allclose(out, expected["output"], 1e-5, 1e-6));
  nabla::nn::Sequential wrong(nabla::nn::Linear(3, 4));
  EXPECT_THROW(nabla::load_state_dict(wrong, kData + "/pt_model.pt"), nabla::Error);
}

TEST(PyTorchFile, ReadsEveryDtypeViewsAndHalfFloats) {
  auto got = as_map(nabla::load_pytorch_state_dict(kData + "/pt_dtypes.pt"));
  auto expected = as_map(nabla::load_safetensors(kData + "/pt_dtypes_expected.safetensors"));
  for (const auto& [name, t] : expected) {
    ASSERT_TRUE(got.count(name)) << name;
    EXPECT_EQ(got[name].scalar_type(), t.scalar_type()) << name;
    EXPECT_EQ(got[name].sizes(), t.sizes()) << name;
    EXPECT_TRUE(got[name].equal(t)) << name;
  }
  EXPECT_EQ(got["empty"].sizes(), (std::vector<int64_t>{0, 3}));
  // Without half_to_float the 16-bit tensors keep their dtypes, as torch.load's.
  nabla::PyTorchLoadOptions keep_dtypes;
  keep_dtypes.half_to_float = false;
  auto kept = as_map(nabla::load_pytorch_state_dict(kData + "/pt_dtypes.pt", keep_dtypes));
  EXPECT_EQ(kept["f16"].scalar_type(), nabla::kHalf);
  EXPECT_EQ(kept["bf16"].scalar_type(), nabla::kBFloat16);
  EXPECT_TRUE(kept["f16"].to(nabla::kFloat).equal(expected["f16"]));
  EXPECT_TRUE(kept["bf16"].to(nabla::kFloat).equal(expected["bf16"]));
  EXPECT_EQ(kept["f64"].scalar_type(), nabla::kDouble);
}

TEST(PyTorchFile, RefusesToRunCode) {
  const auto message = error_of([] { nabla::load_pytorch_state_dict(kData + "/pt_evil.pt"); });
  EXPECT_NE(message.find("posix.system"), std::string::npos) << message;
  EXPECT_NE(message.find("never runs code"), std::string::npos) << message;
  EXPECT_FALSE(std::filesystem::exists("pt_evil_ran"));
}

TEST(PyTorchFile, ChecksSizesAndNamesTheFile) {
  const auto truncated =
      error_of([] { nabla::load_pytorch_state_dict(kData + "/pt_truncated.pt"); });
  EXPECT_NE(truncated.find("fewer than its"), std::string::npos) << truncated;
  EXPECT_NE(truncated.find("pt_truncated.pt"), std::string::npos) << truncated;
  const auto missing = error_of([] { nabla::load_pytorch_state_dict(kData + "/no_such.pt"); });
  EXPECT_NE(missing.find("no_such.pt"), std::string::npos) << missing;
  const auto not_zip =
      error_of([] { nabla::load_pytorch_state_dict(kData + "/torch_mlp.safetensors"); });
  EXPECT_NE(not_zip.find("not a readable zip"), std::string::npos) << not_zip;
}

TEST(PyTorchFile, RefusesACutArchive) {
  // The first half of the file: entries without the zip's central directory.
  std::ifstream in(kData + "/pt_model.pt", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string path = "pt_cut.pt";
  std::ofstream(path, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  EXPECT_THROW(nabla::load_pytorch_state_dict(path), nabla::Error);
  std::filesystem::remove(path);
}

TEST(PyTorchFile, RefusesAnUnreadableDirectoryWithoutLeaking) {
  // Found by fuzz_pytorch: an entry name the directory cannot give back. The error came from
  // the archive's constructor, whose destructor then never closed the zip handle (LeakSanitizer
  // in the sanitizer build checks that it is closed now).
  const auto what =
      error_of([] { nabla::load_pytorch_state_dict(kData + "/pt_bad_directory.pt"); });
  EXPECT_NE(what.find("unreadable zip directory"), std::string::npos) << what;
}

TEST(PyTorchFile, RefusesASizeTheFileCannotHold) {
  // data.pkl's central directory entry claims 3 GB, compressed and not: refused from the
  // file's size before anything that large is allocated.
  std::ifstream in(kData + "/pt_model.pt", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t entry = bytes.find("PK\x01\x02");
  ASSERT_NE(entry, std::string::npos);
  ASSERT_EQ(bytes.compare(entry + 46, 17, "pt_model/data.pkl"), 0);
  for (size_t field : {entry + 20, entry + 24}) bytes.replace(field, 4, "\x00\x00\x00\xb0", 4);
  const std::string path = "pt_claims_3gb.pt";
  std::ofstream(path, std::ios::binary) << bytes;
  const std::string what = error_of([&] { nabla::load_pytorch_state_dict(path); });
  EXPECT_NE(what.find("claims 2952790016 bytes"), std::string::npos) << what;
  EXPECT_NE(what.find("in a file of"), std::string::npos) << what;
  std::filesystem::remove(path);
}

}  // namespace

TEST(PyTorchFile, RefusesDictsThatHoldEachOtherWithoutLeaking) {
  // Found by fuzz_pytorch: two dicts that hold each other made a cycle of shared pointers
  // that was never freed. The unpickler refuses the cycle as it forms (LeakSanitizer in the
  // sanitizer build checks that nothing leaks).
  const auto what = error_of([] { nabla::load_pytorch_state_dict(kData + "/pt_dict_cycle.pt"); });
  EXPECT_NE(what.find("a container that contains itself"), std::string::npos) << what;
}

TEST(PyTorchFile, RefusesQuadraticSharingInBoundedTime) {
  // The cycle check walks what each APPEND adds: one list of 200,000 items appended to
  // 200,000 new lists (1.2 MB of pickle) would be 4e10 steps. The walks share a budget.
  const std::string path = kData + "/pt_quadratic.pt";  // scripts/make_pytorch_file_fixtures.py
  const auto start = std::chrono::steady_clock::now();
  const std::string what = error_of([&] { nabla::load_pytorch_state_dict(path); });
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_NE(what.find("nested and shared more than"), std::string::npos) << what;
  EXPECT_LT(seconds, 30.0);  // refused after 2^22 steps: about a second in Release
}
