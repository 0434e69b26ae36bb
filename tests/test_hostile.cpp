// Hostile input (issue 16): sizes whose products overflow, crafted files, odd paths. Every case
// must end in nabla::Error or a correct result, never in a crash or a wild write (the ASan+UBSan
// run of this file is what catches the latter).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <climits>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "nabla/nabla.h"

using namespace nabla;  // NOLINT
namespace fs = std::filesystem;

namespace {

constexpr int64_t kMax = INT64_MAX;

// Runs `fn`, which must raise nabla::Error whose message contains `fragment`.
void expect_error(const std::function<void()>& fn, const std::string& fragment,
                  const std::string& what) {
  try {
    fn();
    ADD_FAILURE() << what << ": no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << what << ": " << e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << what << ": not a nabla::Error: " << e.what();
  }
}

// ---- hostile shapes through every factory ---------------------------------------------------

struct HostileShape {
  const char* name;
  std::vector<int64_t> sizes;
};

// Every shape here must be refused before any allocation: each overflows int64 in its element
// or byte count, is negative, or has too many dims (none may reach malloc: ASan aborts on
// requests past 1 TB instead of returning null).
std::vector<HostileShape> hostile_shapes() {
  return {
      {"2^62", {int64_t{1} << 62}},
      {"2^61 (bytes overflow)", {int64_t{1} << 61}},
      {"INT64_MAX", {kMax}},
      {"negative", {3, -1}},
      {"INT64_MIN", {INT64_MIN}},
      {"2^40 x 2^40", {int64_t{1} << 40, int64_t{1} << 40}},
      {"2^32 x 2^32", {int64_t{1} << 32, int64_t{1} << 32}},
      {"zero then huge", {0, int64_t{1} << 62, int64_t{1} << 62}},
      {"huge then zero", {kMax, kMax, 0}},
      {"65 dims", std::vector<int64_t>(65, 1)},
      {"INT64_MAX-2, INT64_MAX, 2", {kMax - 2, kMax, 2}},
  };
}

TEST(HostileShapes, EveryFactoryRefuses) {
  using Factory = std::function<Tensor(IntArrayRef)>;
  const std::vector<std::pair<const char*, Factory>> factories = {
      {"empty", [](IntArrayRef s) { return empty(s); }},
      {"empty(kByte)", [](IntArrayRef s) { return empty(s, TensorOptions(kByte)); }},
      {"zeros", [](IntArrayRef s) { return zeros(s); }},
      {"ones(kDouble)", [](IntArrayRef s) { return ones(s, TensorOptions(kDouble)); }},
      {"full", [](IntArrayRef s) { return full(s, 3.5); }},
      {"rand", [](IntArrayRef s) { return rand(s); }},
      {"randn", [](IntArrayRef s) { return randn(s); }},
      {"randint", [](IntArrayRef s) { return randint(10, s); }},
      {"from_blob",
       [](IntArrayRef s) {
         static float x[4] = {};
         return from_blob(x, s);
       }},
  };
  for (const auto& shape : hostile_shapes()) {
    for (const auto& [fname, make] : factories) {
      const std::string what = std::string(fname) + " " + shape.name;
      try {
        make(shape.sizes);
        ADD_FAILURE() << what << ": no error";
      } catch (const Error& e) {
        const std::string msg = e.what();
        EXPECT_EQ(msg.front(), '[') << what << ": " << msg;  // names the op
      }
    }
  }
}

TEST(HostileShapes, RangeFactories) {
  expect_error([] { arange(int64_t{1} << 62); }, "overflow", "arange 2^62");
  expect_error([] { arange(0, kMax); }, "[arange]", "arange INT64_MAX");
  expect_error([] { arange(0.0, 1e300); }, "int64", "arange 1e300");
  expect_error([] { arange(0.0, 1.0, 1e-300); }, "int64", "arange step 1e-300");
  expect_error([] { linspace(0, 1, int64_t{1} << 62); }, "overflow", "linspace 2^62");
  expect_error([] { eye(int64_t{1} << 31); }, "overflow", "eye 2^31");
  expect_error([] { eye(1, kMax); }, "overflow", "eye 1 x INT64_MAX");
  expect_error([] { randperm(int64_t{1} << 62); }, "overflow", "randperm 2^62");
  // What still fits works.
  EXPECT_EQ(eye(0, kMax).numel(), 0);
  EXPECT_EQ(arange(0, 5).sum().item<int64_t>(), 10);
}

TEST(HostileShapes, EmptyHugeHasNoSilentZeroNumel) {
  // Used to give numel 0 (the product wrapped); now refused.
  expect_error([] { empty({int64_t{1} << 40, int64_t{1} << 40}); }, "overflow", "empty 2^80");
  // A genuine zero-size tensor with moderate other dims is fine.
  Tensor z = empty({0, 1 << 20, 1 << 20});
  EXPECT_EQ(z.numel(), 0);
  EXPECT_EQ(z.sum().item<float>(), 0.f);
}

// ---- hostile views ----------------------------------------------------------------------------

TEST(HostileViews, ViewReshapeExpand) {
  const Tensor t = arange(6);
  expect_error([&] { t.view({kMax - 2, kMax, 2}); }, "overflow", "view INT64_MAX");
  expect_error([&] { t.reshape({kMax - 2, kMax, 2}); }, "overflow", "reshape INT64_MAX");
  expect_error([&] { t.view({-1, 0}); }, "invalid", "view -1 with 0");
  expect_error([&] { t.view({int64_t{1} << 32, int64_t{1} << 32, 0}); }, "", "view zero huge");
  const std::vector<int64_t> ones65(65, 1);
  expect_error([&] { arange(1).view(ones65); }, "at most 64", "view 65 dims");
  const Tensor one = ones({1, 1});
  expect_error(
      [&] {
        one.expand({int64_t{1} << 32, int64_t{1} << 32});
      },
      "overflow", "expand 2^64");
  expect_error([&] { one.expand({kMax, kMax}); }, "overflow", "expand INT64_MAX");
  expect_error([&] { ones({1}).expand({int64_t{1} << 62, 4}); }, "overflow", "expand 2^64 (2)");
  // A huge but representable expand is a correct view.
  Tensor big = ones({1}).expand({int64_t{1} << 40});
  EXPECT_EQ(big.numel(), int64_t{1} << 40);
  EXPECT_EQ(big.stride(0), 0);
  // Unsqueezing a 64-dim tensor would make 65 dims.
  Tensor d64 = ones(std::vector<int64_t>(64, 1));
  expect_error([&] { d64.unsqueeze(0); }, "dimensions", "unsqueeze to 65 dims");
  expect_error([&] { nabla::empty(std::vector<int64_t>(65, 1)); }, "at most 64", "empty 65 dims");
}

TEST(HostileViews, AsStrided) {
  const Tensor t = arange(10);
  expect_error([&] { t.as_strided({2}, {kMax}); }, "outside", "as_strided stride INT64_MAX");
  expect_error([&] { t.as_strided({3}, {kMax}); }, "overflow", "as_strided 2 x INT64_MAX");
  expect_error([&] { t.as_strided({kMax}, {2}); }, "overflow", "as_strided size INT64_MAX");
  expect_error([&] { t.as_strided({int64_t{1} << 62, 4}, {4, 1}); }, "", "as_strided 2^64");
  expect_error([&] { t.as_strided({3}, {1}, kMax - 1); }, "", "as_strided offset INT64_MAX");
  expect_error([&] { t.as_strided({3}, {1}, -5); }, "negative", "as_strided offset -5");
  expect_error([&] { t.as_strided({3}, {5}); }, "outside the storage", "as_strided past end");
  EXPECT_EQ(t.as_strided({3}, {3}, 1).sum().item<int64_t>(), 1 + 4 + 7);
  EXPECT_EQ(t.as_strided({0, kMax}, {kMax, kMax}).numel(), 0);  // reaches nothing
}

TEST(HostileViews, SliceAndNarrow) {
  const Tensor t = arange(10);
  // A step near INT64_MAX: one element, the first.
  Tensor s = t.slice(0, 0, 10, kMax);
  ASSERT_EQ(s.numel(), 1);
  EXPECT_EQ(s.item<int64_t>(), 0);
  Tensor s2 = t.slice(0, 3, kMax, kMax - 1);
  ASSERT_EQ(s2.numel(), 1);
  EXPECT_EQ(s2.item<int64_t>(), 3);
  EXPECT_EQ(t.slice(0, INT64_MIN, kMax, 3).numel(), 4);
  expect_error([&] { t.narrow(0, 2, kMax); }, "exceeds", "narrow length INT64_MAX");
  expect_error([&] { t.narrow(0, kMax, 1); }, "exceeds", "narrow start INT64_MAX");
  expect_error([&] { t.narrow(0, 5, -1); }, "exceeds", "narrow negative length");
  EXPECT_EQ(t.narrow(0, -3, 3).sum().item<int64_t>(), 7 + 8 + 9);
  expect_error([&] { t.split_with_sizes({kMax, kMax, 2}); }, "overflow", "split sizes overflow");
}

// ---- hostile files: safetensors ---------------------------------------------------------------

std::string safetensors_bytes(const std::string& header, const std::string& data = "") {
  std::string padded = header;
  std::string out(8, '\0');
  uint64_t n = padded.size();
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  return out + padded + data;
}

TEST(HostileFiles, SafetensorsZeroThenHugeDims) {
  // 84 bytes: a zero dim and huge others, 0 bytes of data (passed the size check before).
  const std::string f = safetensors_bytes(
      R"({"t":{"dtype":"F32","shape":[0,4611686018427387904,4611686018427387904],)"
      R"("data_offsets":[0,0]}})");
  expect_error([&] { load_from_string(f); }, "too large", "safetensors zero then huge");
  const std::string g = safetensors_bytes(
      R"({"t":{"dtype":"F32","shape":[9223372036854775807,9223372036854775807,0],)"
      R"("data_offsets":[0,0]}})");
  expect_error([&] { load_from_string(g); }, "", "safetensors huge then zero");
  std::string dims = "[0";
  for (int i = 0; i < 70; ++i) dims += ",1";
  const std::string h =
      safetensors_bytes(R"({"t":{"dtype":"F32","shape":)" + dims + R"(],"data_offsets":[0,0]}})");
  expect_error([&] { load_from_string(h); }, "at most 64", "safetensors 71 dims");
}

TEST(HostileFiles, SafetensorsDeepNestingIsRefusedWithoutRecursion) {
  // 100,000 nested arrays (200 KB) overflowed the stack through recursive copies and dump().
  for (const char* where : {"shape", "dtype", "data_offsets", "__metadata__"}) {
    std::string deep = std::string(100000, '[') + std::string(100000, ']');
    std::string header = std::string(R"({"t":{")") + where + "\":" + deep + "}}";
    if (std::string(where) == "__metadata__") header = R"({"__metadata__":)" + deep + "}";
    expect_error([&] { load_from_string(safetensors_bytes(header)); }, "deeper",
                 std::string("deep ") + where);
  }
  std::string objects;
  for (int i = 0; i < 50000; ++i) objects += R"({"a":)";
  objects += "1";
  for (int i = 0; i < 50000; ++i) objects += "}";
  expect_error([&] { load_from_string(safetensors_bytes(objects)); }, "deeper", "deep objects");
}

TEST(HostileFiles, SafetensorsMessagesQuoteBoundedExcerpts) {
  const std::string long_string(1 << 20, 'x');
  const std::string f = safetensors_bytes(
      R"({"t":{"dtype":")" + long_string + R"(","shape":[1],"data_offsets":[0,4]}})",
      std::string(4, '\0'));
  try {
    load_from_string(f);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_LT(std::string(e.what()).size(), 1000u);
  }
  const std::string name(1 << 20, 'n');
  const std::string g =
      safetensors_bytes("{\"" + name + R"(":{"dtype":"F32","shape":[[1]],"data_offsets":[0,4]}})",
                        std::string(4, '\0'));
  try {
    load_from_string(g);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_LT(std::string(e.what()).size(), 1000u) << std::string(e.what()).substr(0, 300);
  }
}

TEST(HostileFiles, SafetensorsManyTensorsParseInLinearTime) {
  // 100k tensors took 36 s with ordered_json's linear key lookups; here they are one pass (no
  // timing assertion: the ctest timeout is what a quadratic parser would hit).
  NamedTensors many;
  const int n = 50000;
  many.reserve(n);
  const Tensor empty_tensor = empty({0});
  for (int i = 0; i < n; ++i) many.emplace_back("tensor_" + std::to_string(i), empty_tensor);
  many.emplace_back("last", arange(3));
  const std::string bytes = save_to_string(many);
  NamedTensors back = load_from_string(bytes);
  ASSERT_EQ(back.size(), many.size());
  for (int i = 0; i < n; i += 9973) EXPECT_EQ(back[i].first, many[i].first);  // file order
  EXPECT_EQ(back.back().first, "last");
  EXPECT_EQ(back.back().second.sum().item<int64_t>(), 3);
}

// ---- hostile files: IDX -----------------------------------------------------------------------

void put_u32(std::string& s, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) s.push_back(static_cast<char>((v >> shift) & 0xFF));
}

std::string idx_bytes(unsigned type, const std::vector<uint32_t>& dims,
                      const std::string& payload) {
  std::string s = {0, 0, static_cast<char>(type), static_cast<char>(dims.size())};
  for (uint32_t d : dims) put_u32(s, d);
  return s + payload;
}

class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() /
            ("nabla_hostile_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  std::string str() const { return path_.string(); }
  // Names of the files in the folder.
  std::vector<std::string> entries() const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(path_)) out.push_back(e.path().filename());
    return out;
  }

 private:
  fs::path path_;
};

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string gzip(const std::string& bytes) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&zs, bytes.size()) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  zs.avail_in = static_cast<uInt>(bytes.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

TEST(HostileFiles, IdxZeroThenHugeDims) {
  TempDir dir;
  // 32 bytes: a zero dim and huge others.
  write_file(dir.file("zero_huge"),
             idx_bytes(0x08, {0, 0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu}, ""));
  expect_error([&] { data::read_idx(dir.file("zero_huge")); }, "impossible size", "idx zero huge");
  write_file(dir.file("zero_big"), idx_bytes(0x0E, {0, 0x7FFFFFFFu, 0x7FFFFFFFu}, ""));
  expect_error([&] { data::read_idx(dir.file("zero_big")); }, "impossible size", "idx zero big");
  // 255 dims of size 1: more than a tensor may have.
  write_file(dir.file("many_dims"), idx_bytes(0x08, std::vector<uint32_t>(255, 1), "x"));
  expect_error([&] { data::read_idx(dir.file("many_dims")); }, "at most 64", "idx 255 dims");
}

TEST(HostileFiles, IdxGzipTrailerAndTrailingData) {
  TempDir dir;
  const std::string idx = idx_bytes(0x08, {4, 3}, std::string(12, '\x07'));
  const std::string gz = gzip(idx);
  write_file(dir.file("ok.gz"), gz);
  EXPECT_EQ(data::read_idx(dir.file("ok.gz")).sum().item<int64_t>(), 12 * 7);
  // Without the 8-byte CRC-32 / length trailer.
  write_file(dir.file("no_trailer.gz"), gz.substr(0, gz.size() - 8));
  expect_error([&] { data::read_idx(dir.file("no_trailer.gz")); }, "truncated", "no trailer");
  // A wrong CRC.
  std::string bad_crc = gz;
  bad_crc[bad_crc.size() - 8] = static_cast<char>(bad_crc[bad_crc.size() - 8] ^ 1);
  write_file(dir.file("bad_crc.gz"), bad_crc);
  expect_error([&] { data::read_idx(dir.file("bad_crc.gz")); }, "corrupt", "bad crc");
  // Garbage after the stream, and a second gzip member.
  write_file(dir.file("garbage.gz"), gz + "garbage");
  expect_error([&] { data::read_idx(dir.file("garbage.gz")); }, "after the end", "garbage");
  write_file(dir.file("two.gz"), gz + gz);
  expect_error([&] { data::read_idx(dir.file("two.gz")); }, "after the end", "two members");
  // A gzip bomb declaring more than the cap: refused before inflating it.
  write_file(dir.file("bomb.gz"), gzip(idx_bytes(0x0E, {1u << 20, 1u << 20}, "")));
  expect_error([&] { data::read_idx(dir.file("bomb.gz")); }, "impossible size", "bomb");
}

TEST(HostileFiles, DirectoriesAndFifosAreRefusedImmediately) {
  TempDir dir;
  const std::string fifo = dir.file("fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  Tensor t;
  expect_error([&] { load(t, dir.str()); }, "directory", "load a directory");
  expect_error([&] { load(t, fifo); }, "FIFO", "load a FIFO");  // used to block forever
  expect_error([&] { load_safetensors(fifo); }, "FIFO", "load_safetensors a FIFO");
  expect_error([&] { data::read_idx(dir.str()); }, "directory", "read_idx a directory");
  expect_error([&] { data::read_idx(fifo); }, "FIFO", "read_idx a FIFO");
  expect_error([&] { load(t, dir.file("missing")); }, "cannot open", "load a missing file");
}

// ---- saves ------------------------------------------------------------------------------------

TEST(HostileSaves, RefusesDirectoriesAndFifos) {
  TempDir dir;
  const std::string fifo = dir.file("fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  expect_error([&] { save(arange(3), dir.str()); }, "directory", "save over a directory");
  expect_error([&] { save(arange(3), fifo); }, "FIFO", "save over a FIFO");
  struct stat st {};
  ASSERT_EQ(::lstat(fifo.c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));    // not replaced by a regular file
  EXPECT_EQ(dir.entries().size(), 1u);  // no temporary file left behind
  // A symlink to a device is followed to the device, which is refused (never written).
  const std::string link = dir.file("to_null");
  fs::create_symlink("/dev/null", link);
  expect_error([&] { save(arange(3), link); }, "character device", "save through link to device");
  EXPECT_TRUE(fs::is_symlink(link));
}

TEST(HostileSaves, WritesThroughSymlinks) {
  TempDir dir;
  fs::create_directories(dir.file("real"));
  const std::string target = dir.file("real/model.safetensors");
  save(arange(2), target);
  const std::string link = dir.file("link.safetensors");
  fs::create_symlink("real/model.safetensors", link);  // relative, as users make them
  save(arange(5), link);
  EXPECT_TRUE(fs::is_symlink(link));
  Tensor back;
  load(back, target);
  EXPECT_EQ(back.numel(), 5);
  // A dangling link creates its target.
  const std::string dangling = dir.file("dangling");
  fs::create_symlink("real/new.safetensors", dangling);
  save(arange(4), dangling);
  EXPECT_TRUE(fs::is_symlink(dangling));
  load(back, dir.file("real/new.safetensors"));
  EXPECT_EQ(back.numel(), 4);
}

TEST(HostileSaves, KeepsPermissionsAndRespectsReadOnly) {
  TempDir dir;
  const std::string path = dir.file("ckpt");
  save(arange(2), path);
  ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
  save(arange(3), path);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  ASSERT_EQ(::chmod(path.c_str(), 0444), 0);
  const std::string before = read_file(path);
  expect_error([&] { save(arange(7), path); }, "read-only", "save over a 0444 file");
  EXPECT_EQ(read_file(path), before);
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0444u);
  EXPECT_EQ(dir.entries().size(), 1u);
}

TEST(HostileSaves, LongFileNamesAndStaleTemporaries) {
  TempDir dir;
  const std::string name(250, 'a');
  save(arange(3), dir.file(name));
  Tensor back;
  load(back, dir.file(name));
  EXPECT_EQ(back.numel(), 3);
  // A crashed save of the same path (SIGXFSZ kills a child in the middle of its write) leaves
  // its temporary behind; the next save sweeps it.
  const std::string target = dir.file("model");
  save(arange(1), target);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::signal(SIGXFSZ, SIG_DFL);
    rlimit no_core{0, 0};
    ::setrlimit(RLIMIT_CORE, &no_core);
    rlimit lim{4096, 4096};
    ::setrlimit(RLIMIT_FSIZE, &lim);
    save(zeros({100000}), target);  // SIGXFSZ kills the child mid-write, temp left behind
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status)) << status;
  int temps = 0;
  for (const auto& e : dir.entries()) temps += e.find(".tmp") != std::string::npos;
  EXPECT_GE(temps, 1);      // the crash left its temporary
  save(arange(2), target);  // sweeps temporaries of dead savers of this path
  temps = 0;
  for (const auto& e : dir.entries()) temps += e.find(".tmp") != std::string::npos;
  EXPECT_EQ(temps, 0);
  load(back, target);
  EXPECT_EQ(back.numel(), 2);
}

TEST(HostileSaves, FailedWriteRemovesTheTemporary) {
  TempDir dir;
  const std::string target = dir.file("big");
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // With SIGXFSZ ignored, a write past the limit fails with EFBIG: the save must raise and
    // remove its temporary. Exit code 0 only if both happened.
    ::signal(SIGXFSZ, SIG_IGN);
    rlimit lim{4096, 4096};
    ::setrlimit(RLIMIT_FSIZE, &lim);
    bool raised = false;
    try {
      save(zeros({100000}), target);
    } catch (const Error&) {
      raised = true;
    }
    ::_exit(raised ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_TRUE(dir.entries().empty());
}

// ---- optimizer state ------------------------------------------------------------------------

NamedTensors adam_state_after_one_step(optim::Adam& opt, Tensor& w) {
  w.mutable_grad() = ones({3});
  opt.step();
  return opt.state_dict();
}

void replace_entry(NamedTensors& state, const std::string& name, const Tensor& value) {
  for (auto& [n, t] : state)
    if (n == name) t = value;
}

TEST(HostileState, AdamStateIsValidated) {
  Tensor w = zeros({3}).requires_grad_();
  optim::Adam opt(std::vector<Tensor>{w});
  const NamedTensors good = adam_state_after_one_step(opt, w);
  opt.load_state_dict(good);  // round trip works
  struct Case {
    const char* entry;
    Tensor value;
    const char* fragment;
  };
  const std::vector<Case> cases = {
      {"state.0.step", tensor(int64_t{-1}), "step count"},
      {"state.0.step", tensor(kMax), "step count"},
      {"state.0.exp_avg_sq", tensor({1.f, -1.f, 0.f}), "negative"},
      {"state.0.exp_avg_sq", tensor({1.f, NAN, 0.f}), "NaN"},
      {"state.0.exp_avg", tensor({1.f, INFINITY, 0.f}), "NaN or infinite"},
      {"state.0.exp_avg", zeros({4}), "shape"},
  };
  for (const Case& c : cases) {
    NamedTensors bad = good;
    replace_entry(bad, c.entry, c.value);
    expect_error([&] { opt.load_state_dict(bad); }, c.fragment, c.entry);
  }
  // The optimizer was left untouched by the refused loads: one more step stays finite.
  w.mutable_grad() = ones({3});
  opt.step();
  EXPECT_TRUE(w.abs().lt(1e30).all().item<bool>());
}

TEST(HostileState, AdamStepNearInt64MaxDoesNotOverflow) {
  Tensor w = zeros({3}).requires_grad_();
  optim::Adam opt(std::vector<Tensor>{w});
  NamedTensors state = adam_state_after_one_step(opt, w);
  replace_entry(state, "state.0.step", tensor(kMax - 1));
  opt.load_state_dict(state);  // the largest step that can still advance once
  w.mutable_grad() = ones({3});
  opt.step();
  w.mutable_grad() = ones({3});
  expect_error([&] { opt.step(); }, "step count", "adam step at INT64_MAX");
}

// ---- data loading ----------------------------------------------------------------------------

TEST(HostileData, RandomSplitLengthsOverflow) {
  auto ds = std::make_shared<data::TensorDataset>(arange(4).to(kFloat), arange(4));
  expect_error([&] { data::random_split(ds, {kMax, kMax, 6}); }, "overflow", "random_split");
  expect_error([&] { data::random_split(ds, {5, -1}); }, "non-negative", "random_split negative");
}

TEST(HostileData, DataLoaderPrefetchOverflowDoesNotHang) {
  auto ds = std::make_shared<data::TensorDataset>(arange(10).to(kFloat), arange(10));
  // num_workers * prefetch_factor wrapped to a negative capacity: workers waited forever.
  data::DataLoader loader(ds,
                          data::DataLoaderOptions().batch_size(3).num_workers(2).prefetch_factor(
                              (int64_t{1} << 62) + 1));
  int64_t seen = 0;
  for (auto& batch : loader) seen += batch.data.size(0);
  EXPECT_EQ(seen, 10);
  expect_error(
      [&] { data::DataLoader l(ds, data::DataLoaderOptions().num_workers(int64_t{1} << 40)); },
      "num_workers", "num_workers 2^40");
}

// ---- threads ---------------------------------------------------------------------------------

TEST(HostileThreads, ThreadPoolSurvivesFork) {
  set_num_threads(2);
  Tensor a = rand({256, 256});
  const float before = a.matmul(a).sum().item<float>();  // the pool's threads exist now
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // Used to std::terminate here (joining threads the child does not have).
    const float in_child = a.matmul(a).sum().item<float>();
    set_num_threads(3);
    const float again = a.matmul(a).sum().item<float>();
    ::_exit(in_child == before && again == before ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status)) << "child killed by signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_EQ(a.matmul(a).sum().item<float>(), before);
}

TEST(HostileThreads, ConcurrentInferenceOnASharedModel) {
  // docs/thread-safety.md: forward of one module from several threads (the thread pool is then
  // used by one caller at a time, the others run inline) gives each thread its own result.
  nn::Linear model(32, 16);
  std::vector<Tensor> inputs, expected;
  for (int t = 0; t < 4; ++t) {
    inputs.push_back(rand({64, 32}));
    NoGradGuard no_grad;
    expected.push_back(model->forward(inputs.back()).relu().sum(1));
  }
  std::vector<int> mismatches(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      NoGradGuard no_grad;
      for (int i = 0; i < 50; ++i)
        mismatches[t] += !model->forward(inputs[t]).relu().sum(1).equal(expected[t]);
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < 4; ++t) EXPECT_EQ(mismatches[t], 0) << "thread " << t;
}

TEST(HostileThreads, ConcurrentBackwardIntoSharedLeaves) {
  // Four threads run forward and backward on graphs sharing the leaves w and b: every
  // accumulation into w.grad and b.grad must land (unsynchronized, updates were lost or the
  // gradient tensor replaced mid-add). Gradients are integers, so the sum is exact.
  Tensor w = zeros({64}).requires_grad_();
  Tensor b = zeros({1}).requires_grad_();
  constexpr int kThreads = 4, kIters = 200;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const Tensor x = full({64}, static_cast<double>(t + 1));
      for (int i = 0; i < kIters; ++i) ((w * x).sum() + b.sum() * 2).backward();
    });
  }
  for (auto& th : threads) th.join();
  // d/dw = x summed over threads and iterations: kIters * (1 + 2 + 3 + 4); d/db = 2 per call.
  EXPECT_TRUE(w.grad().eq(kIters * 10.0).all().item<bool>()) << w.grad()[0].item<float>();
  EXPECT_EQ(b.grad().item<float>(), 2.0f * kIters * kThreads);
}

}  // namespace
