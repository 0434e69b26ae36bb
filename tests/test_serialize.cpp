// safetensors save/load: round trips, a file made byte by byte, every kind of corruption, and
// atomic writes.
#include <gtest/gtest.h>
#include <unistd.h>

#include <nabla/nabla.h>
#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

namespace fs = std::filesystem;
using nabla::NamedTensors;
using nabla::Tensor;

namespace {

// A fresh directory per test, removed afterwards.
class SerializeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           fmt_name(std::string("nabla_io_") + info->name() + "_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  static std::string fmt_name(std::string s) {
    for (char& c : s)
      if (c == '/') c = '_';
    return s;
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::vector<std::string> files() const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir_)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
  }
  fs::path dir_;
};

std::string read_bytes(const std::string& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

void write_bytes(const std::string& p, const std::string& bytes) {
  std::ofstream f(p, std::ios::binary);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Same shape, dtype and bytes (bitwise, so NaNs compare equal).
void expect_same(const Tensor& a, const Tensor& b) {
  ASSERT_TRUE(a.defined() && b.defined());
  EXPECT_EQ(a.scalar_type(), b.scalar_type());
  ASSERT_EQ(a.sizes().vec(), b.sizes().vec());
  Tensor ca = a.detach().contiguous(), cb = b.detach().contiguous();
  ASSERT_EQ(ca.nbytes(), cb.nbytes());
  if (ca.nbytes()) {
    EXPECT_EQ(std::memcmp(ca.data_ptr(), cb.data_ptr(), ca.nbytes()), 0);
  }
}

// A tensor of `shape` and `dtype` with distinct-ish values.
Tensor sample(std::vector<int64_t> shape, nabla::ScalarType dtype) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  Tensor t = nabla::empty(shape, nabla::dtype(dtype));
  nabla::NoGradGuard g;
  auto value = [&](int64_t i) -> double {
    if (dtype == nabla::kBool) return i % 3 == 0;
    if (dtype == nabla::kByte) return static_cast<double>(i * 37 % 256);
    return (i * 7 % 11) - 3 + 0.25 * (i % 2);
  };
  if (shape.empty()) {
    t.fill_(value(5));
    return t;
  }
  Tensor flat = t.view({n});
  for (int64_t i = 0; i < n; ++i) flat[i].fill_(value(i));
  return t;
}

std::string le64(uint64_t v) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  return s;
}

// A safetensors file from a header text and data bytes (no padding: readers must not need it).
std::string make_file(const std::string& header, const std::string& data) {
  return le64(header.size()) + header + data;
}

template <class T>
std::string raw(std::initializer_list<T> values) {
  std::string s;
  for (T v : values) s.append(reinterpret_cast<const char*>(&v), sizeof(T));  // host is LE
  return s;
}

// Loading `bytes` raises nabla::Error mentioning the source and `expected`.
void expect_corrupt(const std::string& bytes, const std::string& expected) {
  try {
    nabla::load_from_string(bytes, nullptr, "corrupt.safetensors");
    ADD_FAILURE() << "no error; expected one mentioning \"" << expected << "\"";
  } catch (const nabla::Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("corrupt.safetensors"), std::string::npos) << msg;
    EXPECT_NE(msg.find(expected), std::string::npos)
        << "expected \"" << expected << "\" in: " << msg;
  }
}

const std::vector<nabla::ScalarType> kAllDtypes = {nabla::kFloat, nabla::kDouble, nabla::kLong,
                                                   nabla::kInt,   nabla::kByte,   nabla::kBool};

// ---- round trips ------------------------------------------------------------------------

TEST_F(SerializeTest, RoundTripEveryDtypeAndShape) {
  const std::vector<std::vector<int64_t>> shapes = {{},     {0},       {1},      {5},
                                                    {2, 3}, {2, 0, 4}, {2, 3, 4}};
  for (nabla::ScalarType dtype : kAllDtypes) {
    for (const auto& shape : shapes) {
      SCOPED_TRACE(::testing::Message() << dtype << " " << nabla::IntArrayRef(shape));
      Tensor t = sample(shape, dtype);
      nabla::save(t, path("t.safetensors"));
      Tensor back;
      nabla::load(back, path("t.safetensors"));
      expect_same(back, t);
      EXPECT_FALSE(back.is_same(t));
      // The same through memory.
      NamedTensors m = nabla::load_from_string(nabla::save_to_string({{"x", t}}));
      ASSERT_EQ(m.size(), 1u);
      expect_same(m[0].second, t);
    }
  }
}

TEST_F(SerializeTest, SpecialFloatValuesAreBitExact) {
  Tensor t = nabla::tensor({0.0, -0.0, 1e-310, 1e308, 3.14159}, nabla::dtype(nabla::kDouble));
  nabla::NoGradGuard g;
  t[0].fill_(std::numeric_limits<double>::quiet_NaN());
  t[3].fill_(-std::numeric_limits<double>::infinity());
  NamedTensors m = nabla::load_from_string(nabla::save_to_string({{"x", t}}));
  expect_same(m[0].second, t);
}

TEST_F(SerializeTest, NonContiguousTensorsAreSavedAsTheirValues) {
  Tensor base = sample({3, 4}, nabla::kFloat);
  Tensor t = base.t();  // transposed view
  ASSERT_FALSE(t.is_contiguous());
  Tensor strided = base.slice(1, 0, 4, 2);  // every other column
  nabla::save({{"t", t}, {"s", strided}}, path("v.safetensors"));
  NamedTensors m = nabla::load_safetensors(path("v.safetensors"));
  ASSERT_EQ(m.size(), 2u);
  expect_same(m[0].second, t.contiguous());
  expect_same(m[1].second, strided.contiguous());
  EXPECT_TRUE(m[0].second.is_contiguous());
}

TEST_F(SerializeTest, RequiresGradTensorsSaveTheirDataOnly) {
  Tensor x = nabla::tensor({1.0, 2.0, 3.0}, nabla::requires_grad(true));
  Tensor y = x * 2;
  nabla::save({{"x", x}, {"y", y}}, path("g.safetensors"));
  NamedTensors m = nabla::load_safetensors(path("g.safetensors"));
  for (auto& [name, t] : m) {
    EXPECT_FALSE(t.requires_grad()) << name;
    EXPECT_EQ(t.grad_fn(), nullptr) << name;
  }
  expect_same(m[1].second, y.detach());
}

TEST_F(SerializeTest, LoadedTensorsOwnTheirMemory) {
  std::string bytes = nabla::save_to_string({{"a", sample({4}, nabla::kFloat)}});
  NamedTensors m = nabla::load_from_string(bytes);
  Tensor expected = sample({4}, nabla::kFloat);
  bytes.assign(bytes.size(), '\x7f');  // the source may go away
  bytes.clear();
  bytes.shrink_to_fit();
  expect_same(m[0].second, expected);
}

TEST_F(SerializeTest, NamesKeepTheirOrderAndMetadataRoundTrips) {
  NamedTensors in = {{"zeta", sample({2}, nabla::kFloat)},
                     {"alpha", sample({}, nabla::kLong)},
                     {"empty", sample({0, 3}, nabla::kDouble)},
                     {"mid.weight", sample({3, 2}, nabla::kBool)},
                     {"ünïcode", sample({1}, nabla::kByte)}};
  std::map<std::string, std::string> meta = {{"format", "pt"}, {"epoch", "12"}, {"note", ""}};
  nabla::save(in, path("n.safetensors"), meta);
  std::map<std::string, std::string> meta_back;
  NamedTensors out = nabla::load_safetensors(path("n.safetensors"), &meta_back);
  ASSERT_EQ(out.size(), in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    EXPECT_EQ(out[i].first, in[i].first);
    expect_same(out[i].second, in[i].second);
  }
  EXPECT_EQ(meta_back, meta);
  // Without metadata, the map comes back empty.
  nabla::save(in, path("n.safetensors"));
  nabla::load_safetensors(path("n.safetensors"), &meta_back);
  EXPECT_TRUE(meta_back.empty());
}

TEST_F(SerializeTest, HeaderIsPaddedToEightBytesAndDataFollowsIt) {
  std::string bytes = nabla::save_to_string({{"w", sample({3}, nabla::kFloat)}}, {{"k", "v"}});
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(bytes[i]);
  EXPECT_EQ(n % 8, 0u);
  EXPECT_EQ(bytes.size(), 8 + n + 12);
  EXPECT_EQ(bytes[8], '{');
  const std::string header = bytes.substr(8, n);
  EXPECT_NE(header.find("\"__metadata__\":{\"k\":\"v\"}"), std::string::npos) << header;
  EXPECT_NE(header.find("\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,12]}"),
            std::string::npos)
      << header;
  Tensor w = sample({3}, nabla::kFloat);
  EXPECT_EQ(std::memcmp(bytes.data() + 8 + n, w.data_ptr(), 12), 0);
}

TEST_F(SerializeTest, VectorOfTensorsRoundTrips) {
  std::vector<Tensor> in = {sample({2}, nabla::kFloat), sample({3, 1}, nabla::kLong),
                            sample({}, nabla::kBool)};
  nabla::save(in, path("l.safetensors"));
  std::vector<Tensor> out;
  nabla::load(out, path("l.safetensors"));
  ASSERT_EQ(out.size(), in.size());
  for (size_t i = 0; i < in.size(); ++i) expect_same(out[i], in[i]);
  // A single-tensor file cannot be read as a list and vice versa.
  nabla::save(in[0], path("one.safetensors"));
  EXPECT_THROW(nabla::load(out, path("one.safetensors")), nabla::Error);
  Tensor t;
  EXPECT_THROW(nabla::load(t, path("l.safetensors")), nabla::Error);
}

TEST_F(SerializeTest, LoadIntoADefinedTensorKeepsItsIdentity) {
  Tensor param = nabla::zeros({2}, nabla::dtype(nabla::kFloat).requires_grad(true));
  Tensor alias = param;
  nabla::save(sample({2, 2}, nabla::kFloat), path("p.safetensors"));
  nabla::load(param, path("p.safetensors"));
  EXPECT_TRUE(alias.is_same(param));
  EXPECT_TRUE(param.requires_grad());
  expect_same(param.detach(), sample({2, 2}, nabla::kFloat));
  // The loaded parameter still trains.
  (param * 3).backward(nabla::ones({2, 2}));
  expect_same(param.grad(), nabla::full({2, 2}, 3.0f));
  // Different dtypes are refused rather than silently converted.
  Tensor ints = nabla::zeros({2}, nabla::dtype(nabla::kLong));
  EXPECT_THROW(nabla::load(ints, path("p.safetensors")), nabla::Error);
}

// ---- a file made by hand ------------------------------------------------------------------

TEST_F(SerializeTest, HandMadeFileLoadsToKnownValues) {
  // Keys out of data order, metadata last, trailing spaces, offsets into one buffer.
  const std::string header = R"({"b":{"dtype":"I64","shape":[],"data_offsets":[8,16]},)"
                             R"("a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                             R"("c":{"dtype":"BOOL","shape":[1,3],"data_offsets":[16,19]},)"
                             R"("e":{"dtype":"F64","shape":[0],"data_offsets":[19,19]},)"
                             R"("d":{"dtype":"U8","shape":[2],"data_offsets":[19,21]},)"
                             R"("f":{"dtype":"I32","shape":[1],"data_offsets":[21,25]},)"
                             R"("__metadata__":{"source":"hand"}}   )";
  const std::string data = raw<float>({1.5f, -2.0f}) + raw<int64_t>({-7}) +
                           std::string("\x01\x00\x01", 3) + std::string("\xff\x10", 2) +
                           raw<int32_t>({123456});
  write_bytes(path("hand.safetensors"), make_file(header, data));

  std::map<std::string, std::string> meta;
  NamedTensors m = nabla::load_safetensors(path("hand.safetensors"), &meta);
  ASSERT_EQ(m.size(), 6u);
  // File order is the order of the data; the empty tensor comes first at its offset.
  std::vector<std::string> names;
  for (auto& [n, t] : m) names.push_back(n);
  EXPECT_EQ(names, (std::vector<std::string>{"a", "b", "c", "e", "d", "f"}));
  EXPECT_EQ(meta, (std::map<std::string, std::string>{{"source", "hand"}}));

  const Tensor& a = m[0].second;
  EXPECT_EQ(a.scalar_type(), nabla::kFloat);
  EXPECT_EQ(a.sizes().vec(), std::vector<int64_t>{2});
  EXPECT_EQ(a.data_ptr<float>()[0], 1.5f);
  EXPECT_EQ(a.data_ptr<float>()[1], -2.0f);
  EXPECT_EQ(m[1].second.dim(), 0);
  EXPECT_EQ(m[1].second.item<int64_t>(), -7);
  const Tensor& c = m[2].second;
  EXPECT_EQ(c.sizes().vec(), (std::vector<int64_t>{1, 3}));
  EXPECT_EQ(c.data_ptr<bool>()[0], true);
  EXPECT_EQ(c.data_ptr<bool>()[1], false);
  EXPECT_EQ(c.data_ptr<bool>()[2], true);
  EXPECT_EQ(m[3].second.numel(), 0);
  EXPECT_EQ(m[3].second.scalar_type(), nabla::kDouble);
  EXPECT_EQ(m[4].second.data_ptr<uint8_t>()[0], 255);
  EXPECT_EQ(m[4].second.data_ptr<uint8_t>()[1], 16);
  EXPECT_EQ(m[5].second.data_ptr<int32_t>()[0], 123456);
}

// ---- corrupt files ------------------------------------------------------------------------

const std::string kGoodHeader = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
const std::string kGoodData = raw<float>({1.0f, 2.0f});

std::string entry(const std::string& dtype, const std::string& shape, const std::string& offsets) {
  return R"({"dtype":)" + dtype + R"(,"shape":)" + shape + R"(,"data_offsets":)" + offsets + "}";
}
std::string one(const std::string& body) { return R"({"a":)" + body + "}"; }

TEST_F(SerializeTest, GoodFileForTheCorruptionTestsLoads) {
  NamedTensors m = nabla::load_from_string(make_file(kGoodHeader, kGoodData));
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].second.data_ptr<float>()[1], 2.0f);
}

TEST_F(SerializeTest, TruncatedFilesAreRejectedAtEveryLength) {
  const std::string good = nabla::save_to_string(
      {{"a", sample({2, 3}, nabla::kFloat)}, {"b", sample({4}, nabla::kLong)}}, {{"k", "v"}});
  for (size_t len = 0; len < good.size(); ++len) {
    SCOPED_TRACE(len);
    EXPECT_THROW(nabla::load_from_string(good.substr(0, len)), nabla::Error);
  }
  // On disk too, with the path in the message.
  write_bytes(path("cut.safetensors"), good.substr(0, good.size() - 3));
  try {
    nabla::load_safetensors(path("cut.safetensors"));
    ADD_FAILURE() << "truncated file loaded";
  } catch (const nabla::Error& e) {
    EXPECT_NE(std::string(e.what()).find("cut.safetensors"), std::string::npos) << e.what();
  }
  expect_corrupt("", "too short");
  expect_corrupt("1234567", "too short");
  // Extra bytes after the data are a hole too.
  expect_corrupt(good + "x", "belong to no tensor");
}

TEST_F(SerializeTest, BadHeaderSizesAreRejected) {
  expect_corrupt(le64(1000) + kGoodHeader + kGoodData, "larger than the rest of the file");
  expect_corrupt(le64(uint64_t{1} << 40) + kGoodHeader, "absurd");
  expect_corrupt(le64(~uint64_t{0}) + kGoodHeader, "absurd");
  expect_corrupt(le64(0), "must be a JSON object");
  EXPECT_THROW(nabla::load_safetensors(path("does_not_exist.safetensors")), nabla::Error);
}

TEST_F(SerializeTest, BadJsonIsRejected) {
  expect_corrupt(make_file("{\"a\": ", ""), "not valid JSON");
  expect_corrupt(make_file("{\"a\":{}} trailing", ""), "not valid JSON");
  expect_corrupt(make_file("[1, 2]", ""), "JSON object");
  expect_corrupt(make_file(" {}", ""), "JSON object");
  expect_corrupt(make_file("\"text\"", ""), "JSON object");
  expect_corrupt(make_file("{\"\xff\xfe\":1}", ""), "not valid JSON");  // invalid UTF-8
  // An empty object is a valid (empty) file.
  EXPECT_TRUE(nabla::load_from_string(make_file("{}", "")).empty());
  EXPECT_TRUE(nabla::load_from_string(make_file("{}    ", "")).empty());
}

TEST_F(SerializeTest, BadEntriesAreRejected) {
  expect_corrupt(make_file(one("3"), ""), "must be described by an object");
  expect_corrupt(make_file(one("[]"), ""), "must be described by an object");
  expect_corrupt(make_file(one(R"({"dtype":"F32","shape":[2]})"), kGoodData),
                 "no \"data_offsets\"");
  expect_corrupt(make_file(one(R"({"shape":[2],"data_offsets":[0,8]})"), kGoodData),
                 "no \"dtype\"");
  expect_corrupt(make_file(one(R"({"dtype":"F32","data_offsets":[0,8]})"), kGoodData),
                 "no \"shape\"");
  expect_corrupt(
      make_file(one(R"({"dtype":"F32","shape":[2],"data_offsets":[0,8],"extra":1})"), kGoodData),
      "unknown field \"extra\"");
}

TEST_F(SerializeTest, BadDtypesAreRejected) {
  expect_corrupt(make_file(one(entry("\"F17\"", "[2]", "[0,8]")), kGoodData), "unknown dtype");
  expect_corrupt(make_file(one(entry("\"I16\"", "[4]", "[0,8]")), kGoodData), "unsupported dtype");
  expect_corrupt(make_file(one(entry("32", "[2]", "[0,8]")), kGoodData), "dtype must be a string");
  expect_corrupt(make_file(one(entry("\"f32\"", "[2]", "[0,8]")), kGoodData), "unknown dtype");
}

TEST_F(SerializeTest, BadShapesAreRejected) {
  expect_corrupt(make_file(one(entry("\"F32\"", "[-2]", "[0,8]")), kGoodData), "non-negative");
  expect_corrupt(make_file(one(entry("\"F32\"", "[2.0]", "[0,8]")), kGoodData), "non-negative");
  expect_corrupt(make_file(one(entry("\"F32\"", "[\"2\"]", "[0,8]")), kGoodData), "non-negative");
  expect_corrupt(make_file(one(entry("\"F32\"", "2", "[0,8]")), kGoodData),
                 "shape must be an array");
  expect_corrupt(make_file(one(entry("\"F32\"", "[1e30]", "[0,8]")), kGoodData), "non-negative");
  // Dimensions whose product overflows 64 bits.
  expect_corrupt(make_file(one(entry("\"F32\"", "[4294967296,4294967296,4]", "[0,8]")), kGoodData),
                 "too many");
  expect_corrupt(make_file(one(entry("\"F32\"", "[18446744073709551615]", "[0,8]")), kGoodData),
                 "too large");
}

TEST_F(SerializeTest, BadOffsetsAreRejected) {
  const std::string f32 = "\"F32\"";
  expect_corrupt(make_file(one(entry(f32, "[2]", "[0]")), kGoodData), "two integers");
  expect_corrupt(make_file(one(entry(f32, "[2]", "[0,4,8]")), kGoodData), "two integers");
  expect_corrupt(make_file(one(entry(f32, "[2]", "{}")), kGoodData), "two integers");
  expect_corrupt(make_file(one(entry(f32, "[2]", "[\"0\",8]")), kGoodData), "non-negative");
  expect_corrupt(make_file(one(entry(f32, "[2]", "[-8,0]")), kGoodData), "non-negative");
  expect_corrupt(make_file(one(entry(f32, "[2]", "[0.5,8]")), kGoodData), "non-negative");
  expect_corrupt(make_file(one(entry(f32, "[2]", "[8,0]")), kGoodData), "end before begin");
  expect_corrupt(make_file(one(entry(f32, "[2]", "[0,16]")), kGoodData), "past the end");
  expect_corrupt(make_file(one(entry(f32, "[2]", "[0,18446744073709551615]")), kGoodData),
                 "past the end");
  // Lengths that disagree with shape * element size.
  expect_corrupt(make_file(one(entry(f32, "[3]", "[0,8]")), kGoodData), "needs 12 bytes");
  expect_corrupt(make_file(one(entry("\"F64\"", "[2]", "[0,8]")), kGoodData), "needs 16 bytes");
  expect_corrupt(make_file(one(entry(f32, "[1]", "[0,4]")), kGoodData), "belong to no tensor");
}

TEST_F(SerializeTest, OverlapsAndHolesAreRejected) {
  const std::string data12(12, '\0');
  expect_corrupt(make_file(R"({"a":)" + entry("\"F32\"", "[2]", "[0,8]") + R"(,"b":)" +
                               entry("\"F32\"", "[2]", "[4,12]") + "}",
                           data12),
                 "overlap");
  // The same range twice.
  expect_corrupt(make_file(R"({"a":)" + entry("\"F32\"", "[2]", "[0,8]") + R"(,"b":)" +
                               entry("\"F32\"", "[2]", "[0,8]") + "}",
                           std::string(8, '\0')),
                 "overlap");
  expect_corrupt(make_file(R"({"a":)" + entry("\"F32\"", "[1]", "[0,4]") + R"(,"b":)" +
                               entry("\"F32\"", "[1]", "[8,12]") + "}",
                           data12),
                 "bytes [4, 8) of the data belong to no tensor");
  expect_corrupt(make_file(one(entry("\"F32\"", "[1]", "[4,8]")), kGoodData),
                 "bytes [0, 4) of the data belong to no tensor");
  // A buffer that nothing covers.
  expect_corrupt(make_file("{}", "abcd"), "belong to no tensor");
}

TEST_F(SerializeTest, DuplicateNamesAndBadMetadataAreRejected) {
  expect_corrupt(make_file(R"({"a":)" + entry("\"F32\"", "[1]", "[0,4]") + R"(,"a":)" +
                               entry("\"F32\"", "[1]", "[4,8]") + "}",
                           kGoodData),
                 "names \"a\" twice");
  expect_corrupt(make_file(one(R"({"dtype":"F32","dtype":"F32","shape":[2],"data_offsets":[0,8]})"),
                           kGoodData),
                 "twice");
  expect_corrupt(
      make_file(R"({"__metadata__":{"k":1},"a":)" + entry("\"F32\"", "[2]", "[0,8]") + "}",
                kGoodData),
      "metadata \"k\" must be a string");
  expect_corrupt(make_file(R"({"__metadata__":["x"],"a":)" + entry("\"F32\"", "[2]", "[0,8]") + "}",
                           kGoodData),
                 "must be an object of strings");
  expect_corrupt(make_file(R"({"__metadata__":{"k":"v"},"__metadata__":{}})", ""), "twice");
}

TEST_F(SerializeTest, BoolBytesOtherThanZeroOrOneAreRejected) {
  expect_corrupt(make_file(one(entry("\"BOOL\"", "[3]", "[0,3]")), std::string("\x01\x02\x00", 3)),
                 "booleans must be 0 or 1");
}

// ---- saving -------------------------------------------------------------------------------

TEST_F(SerializeTest, InvalidSavesAreRejected) {
  Tensor t = sample({2}, nabla::kFloat);
  EXPECT_THROW(nabla::save({{"", t}}, path("x.safetensors")), nabla::Error);
  EXPECT_THROW(nabla::save({{"__metadata__", t}}, path("x.safetensors")), nabla::Error);
  EXPECT_THROW(nabla::save({{"a", t}, {"a", t}}, path("x.safetensors")), nabla::Error);
  EXPECT_THROW(nabla::save({{"a", Tensor()}}, path("x.safetensors")), nabla::Error);
  EXPECT_THROW(nabla::save_to_string({{"\xff", t}}), nabla::Error);  // not UTF-8
  EXPECT_THROW(nabla::save(t, ""), nabla::Error);
  EXPECT_TRUE(files().empty());
}

TEST_F(SerializeTest, FailedSaveLeavesTheOldFileIntactAndNoTemporaryFiles) {
  const std::string target = path("model.safetensors");
  nabla::save({{"w", sample({3}, nabla::kFloat)}}, target, {{"v", "1"}});
  const std::string before = read_bytes(target);

  Tensor t = sample({5}, nabla::kDouble);
  EXPECT_THROW(nabla::save({{"w", t}, {"b", t}, {"w", t}}, target), nabla::Error);
  EXPECT_THROW(nabla::save({{"w", t}, {"b", Tensor()}}, target), nabla::Error);
  EXPECT_EQ(read_bytes(target), before);
  EXPECT_EQ(files(), std::vector<std::string>{"model.safetensors"});

  // A failure at rename time (the target is a directory) removes the temporary file.
  fs::create_directories(path("adir"));
  fs::create_directories(path("adir/inside"));
  EXPECT_THROW(nabla::save(t, path("adir")), nabla::Error);
  EXPECT_EQ(files(), (std::vector<std::string>{"adir", "model.safetensors"}));
  // A directory that does not exist.
  EXPECT_THROW(nabla::save(t, path("missing/x.safetensors")), nabla::Error);

  // A successful save replaces the file and leaves nothing else.
  nabla::save({{"w", t}}, target);
  NamedTensors m = nabla::load_safetensors(target);
  expect_same(m[0].second, t);
  EXPECT_EQ(files(), (std::vector<std::string>{"adir", "model.safetensors"}));
}

}  // namespace
