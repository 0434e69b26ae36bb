// The safetensors format (https://huggingface.co/docs/safetensors): 8 bytes of little-endian
// header size N, N bytes of JSON (padded with spaces to a multiple of 8)
//   {"__metadata__": {"k": "v"}, "w": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}}
// then the byte buffer, whose ranges are given relative to its start. Tensors are row-major,
// little-endian, and must cover the buffer exactly (no holes, no overlaps).
//
// Reading trusts nothing in the file: every size, offset and field is checked before any
// memory is allocated for it; the JSON is parsed without recursion into nesting deeper than the
// format has (a 200 KB header of 100,000 '[' overflowed the stack), in O(n log n) of the tensor
// count, and error messages show bounded excerpts of the file, never a whole value. Writing is
// atomic (io::AtomicFile): a temporary file in the same directory is written, flushed to disk,
// then renamed over the target.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <set>
#include <string_view>
#include <system_error>

#include "core/check.h"
#include "core/checked.h"
#include "core/tensor_impl.h"
#include "io/file_io.h"
#include "nabla/serialize.h"

namespace nabla {
namespace {

// std::map objects: ordered_json looks keys up linearly, which made 100k tensors take 36 s.
using json = nlohmann::json;
using Metadata = std::map<std::string, std::string>;

constexpr uint64_t kMaxHeaderBytes = 100u << 20;  // the reference implementation's limit
constexpr const char* kMetadataKey = "__metadata__";
// The format nests three deep ({"w": {"shape": [2]}}); deeper input is refused while parsing.
constexpr int kMaxJsonDepth = 3;
// Longest excerpt of the file (a name, a value) quoted in an error message.
constexpr size_t kMaxExcerpt = 80;

// `s` cut to kMaxExcerpt bytes, for messages.
std::string excerpt(const std::string& s) {
  if (s.size() <= kMaxExcerpt) return s;
  return fmt::format("{}... ({} bytes)", s.substr(0, kMaxExcerpt), s.size());
}

// A JSON value described for a message without dumping it (dump() recurses and copies it all).
std::string describe(const json& v) {
  switch (v.type()) {
    case json::value_t::object:
      return fmt::format("an object of {} keys", v.size());
    case json::value_t::array:
      return fmt::format("an array of {} values", v.size());
    case json::value_t::string:
      return fmt::format("the string \"{}\"", excerpt(v.get_ref<const std::string&>()));
    default:
      return excerpt(v.dump());  // a number, bool or null: short and not recursive
  }
}

// ---- dtypes ----------------------------------------------------------------------------

struct DtypeName {
  ScalarType type;
  const char* name;
};
constexpr DtypeName kDtypes[] = {
#define NABLA_DTYPE_NAME(T, name, str, kind, rank, safetensors) {ScalarType::name, safetensors},
    NABLA_FORALL_SCALAR_TYPES(NABLA_DTYPE_NAME)
#undef NABLA_DTYPE_NAME
};
// Valid safetensors dtypes that nabla has no ScalarType for: a clearer message than "unknown".
constexpr const char* kUnsupportedDtypes[] = {"F8_E4M3", "F8_E5M2", "I8", "I16",
                                              "U16",     "U32",     "U64"};

const char* dtype_name(ScalarType t) {
  for (const DtypeName& d : kDtypes)
    if (d.type == t) return d.name;
  NABLA_ERROR("[save] dtype {} cannot be stored in safetensors", t);
}

std::optional<ScalarType> parse_dtype(const std::string& name) {
  for (const DtypeName& d : kDtypes)
    if (name == d.name) return d.type;
  return std::nullopt;
}

// The file stores little-endian bytes; on a big-endian host every element is reversed.
void swap_to_little_endian(char* data, size_t nbytes, size_t element_size) {
  if constexpr (std::endian::native == std::endian::little) {
    (void)data, (void)nbytes, (void)element_size;
  } else {
    for (size_t i = 0; i + element_size <= nbytes; i += element_size)
      std::reverse(data + i, data + i + element_size);
  }
}

// ---- writing ---------------------------------------------------------------------------

// A tensor ready to be written: contiguous, on the CPU, without autograd history.
struct Prepared {
  std::string name;
  Tensor data;
};

std::vector<Prepared> prepare(const NamedTensors& tensors) {
  std::set<std::string> seen;
  std::vector<Prepared> out;
  out.reserve(tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) {
    const auto& [name, t] = tensors[i];
    NABLA_CHECK(!name.empty(), "[save] tensor {} has an empty name", i);
    NABLA_CHECK(name != kMetadataKey, "[save] \"{}\" is reserved for metadata, not a tensor name",
                name);
    NABLA_CHECK(seen.insert(name).second, "[save] the name \"{}\" is used by more than one tensor",
                name);
    NABLA_CHECK(t.defined(), "[save] tensor \"{}\" is undefined", name);
    dtype_name(t.scalar_type());  // checks the dtype before anything is written
    out.push_back({name, t.detach().cpu().contiguous()});
  }
  return out;
}

// The JSON header, padded with spaces so that the data starts at a multiple of 8.
std::string make_header(const std::vector<Prepared>& tensors, const Metadata& metadata) {
  // Written entry by entry, in the tensors' order: building one JSON object first would cost a
  // lookup per key. Only the strings go through the JSON encoder (escaping, UTF-8 check).
  std::string text = "{";
  try {
    if (!metadata.empty()) text += fmt::format("\"{}\":{}", kMetadataKey, json(metadata).dump());
    uint64_t offset = 0;
    for (const Prepared& p : tensors) {
      const uint64_t n = p.data.nbytes();
      if (text.size() > 1) text += ',';
      std::string shape;
      for (int64_t d : p.data.sizes()) shape += (shape.empty() ? "" : ",") + std::to_string(d);
      text += fmt::format("{}:{{\"dtype\":\"{}\",\"shape\":[{}],\"data_offsets\":[{},{}]}}",
                          json(p.name).dump(), dtype_name(p.data.scalar_type()), shape, offset,
                          offset + n);
      offset += n;
    }
  } catch (const json::exception& e) {
    NABLA_ERROR("[save] a tensor name or metadata string is not valid UTF-8 ({})", e.what());
  }
  text += '}';
  text.append((8 - text.size() % 8) % 8, ' ');
  return text;
}

using Sink = std::function<void(const char* data, size_t n)>;

// Writes the whole file through `sink`: size, header, then each tensor's bytes.
void write_safetensors(const std::vector<Prepared>& tensors, const std::string& header,
                       const Sink& sink) {
  char size_bytes[8];
  uint64_t n = header.size();
  for (char& b : size_bytes) {
    b = static_cast<char>(n & 0xff);
    n >>= 8;
  }
  sink(size_bytes, 8);
  sink(header.data(), header.size());
  for (const Prepared& p : tensors) {
    const char* data = static_cast<const char*>(p.data.data_ptr());
    const size_t nbytes = p.data.nbytes();
    if constexpr (std::endian::native == std::endian::little) {
      if (nbytes) sink(data, nbytes);
    } else {
      std::string copy(data, nbytes);
      swap_to_little_endian(copy.data(), nbytes, p.data.element_size());
      sink(copy.data(), nbytes);
    }
  }
}

void save_file(const NamedTensors& tensors, const std::string& path, const Metadata& metadata) {
  NABLA_CHECK(!path.empty(), "[save] the path is empty");
  // Everything that can be checked is checked before the temporary file exists.
  const std::vector<Prepared> prepared = prepare(tensors);
  const std::string header = make_header(prepared, metadata);
  io::AtomicFile file(path, "save");
  write_safetensors(prepared, header, [&](const char* d, size_t n) { file.write(d, n); });
  file.commit();
}

// ---- reading ---------------------------------------------------------------------------

// Reads `n` bytes at `offset` of the source into `dst`; raises on a short read.
using Reader = std::function<void(uint64_t offset, uint64_t n, char* dst)>;

struct Entry {
  std::string name;
  ScalarType dtype;
  std::vector<int64_t> shape;
  uint64_t begin;
  uint64_t end;
  size_t header_pos;  // position in the JSON object, to order empty tensors
};

struct Header {
  std::vector<Entry> entries;
  Metadata metadata;
};

// Builds the header's DOM through nlohmann's plain SAX DOM builder (linear; its callback variant
// rescans the parent object at every nested object's end, quadratic in the tensor count),
// refusing nesting deeper than kMaxJsonDepth as soon as it opens (nlohmann's parser is
// iterative, but destroying and printing deep values recurses) and duplicate keys in any object
// (the DOM would silently keep one). `top_keys` receives the top-level keys in file order
// (std::map objects forget it; empty tensors are ordered by it).
class HeaderSax : public nlohmann::json_sax<json> {
 public:
  HeaderSax(json& result, const std::string& src, std::vector<std::string>& top_keys)
      : dom_(result, /*allow_exceptions=*/true), src_(src), top_keys_(top_keys) {}

  bool null() override { return dom_.null(); }
  bool boolean(bool v) override { return dom_.boolean(v); }
  bool number_integer(number_integer_t v) override { return dom_.number_integer(v); }
  bool number_unsigned(number_unsigned_t v) override { return dom_.number_unsigned(v); }
  bool number_float(number_float_t v, const string_t& s) override {
    return dom_.number_float(v, s);
  }
  bool string(string_t& v) override { return dom_.string(v); }
  bool binary(binary_t& v) override { return dom_.binary(v); }
  bool start_object(std::size_t n) override {
    enter();
    keys_.emplace_back();
    return dom_.start_object(n);
  }
  bool key(string_t& k) override {
    if (!keys_.back().insert(k).second && duplicate_.empty()) duplicate_ = k;
    if (keys_.size() == 1) top_keys_.push_back(k);
    return dom_.key(k);
  }
  bool end_object() override {
    keys_.pop_back();
    --depth_;
    return dom_.end_object();
  }
  bool start_array(std::size_t n) override {
    enter();
    return dom_.start_array(n);
  }
  bool end_array() override {
    --depth_;
    return dom_.end_array();
  }
  bool parse_error(std::size_t pos, const std::string& token,
                   const nlohmann::detail::exception& e) override {
    return dom_.parse_error(pos, token, e);  // throws e
  }
  const std::string& duplicate() const { return duplicate_; }

 private:
  void enter() {
    NABLA_CHECK(++depth_ <= kMaxJsonDepth,
                "[load] {}: the header nests values deeper than the format's {} levels", src_,
                kMaxJsonDepth);
  }

  nlohmann::detail::json_sax_dom_parser<json> dom_;
  const std::string& src_;
  std::vector<std::string>& top_keys_;
  std::vector<std::set<std::string>> keys_;  // per open object
  std::string duplicate_;
  int depth_ = 0;
};

json parse_json(std::string_view text, const std::string& src, std::vector<std::string>& top_keys) {
  json header;
  HeaderSax sax(header, src, top_keys);
  try {
    json::sax_parse(text.begin(), text.end(), &sax);
  } catch (const json::exception& e) {
    NABLA_ERROR("[load] {}: the header is not valid JSON: {}", src, excerpt(e.what()));
  }
  NABLA_CHECK(sax.duplicate().empty(), "[load] {}: the header names \"{}\" twice", src,
              excerpt(sax.duplicate()));
  return header;
}

uint64_t as_uint(const json& v, const std::string& src, const std::string& name, const char* what) {
  NABLA_CHECK(v.is_number_unsigned(),
              "[load] {}: tensor \"{}\": {} must be non-negative integers, got {}", src,
              excerpt(name), what, describe(v));
  return v.get<uint64_t>();
}

Metadata parse_metadata(const json& m, const std::string& src) {
  NABLA_CHECK(m.is_object(), "[load] {}: \"{}\" must be an object of strings, got {}", src,
              kMetadataKey, describe(m));
  Metadata out;
  for (const auto& [k, v] : m.items()) {
    NABLA_CHECK(v.is_string(), "[load] {}: metadata \"{}\" must be a string, got {}", src,
                excerpt(k), describe(v));
    out[k] = v.get<std::string>();
  }
  return out;
}

Entry parse_entry(const std::string& full_name, const json& info, uint64_t data_size,
                  const std::string& src) {
  const std::string name = excerpt(full_name);  // for messages
  NABLA_CHECK(info.is_object(), "[load] {}: tensor \"{}\" must be described by an object, got {}",
              src, name, describe(info));
  for (const auto& [k, v] : info.items()) {
    NABLA_CHECK(k == "dtype" || k == "shape" || k == "data_offsets",
                "[load] {}: tensor \"{}\" has an unknown field \"{}\"", src, name, excerpt(k));
  }
  for (const char* k : {"dtype", "shape", "data_offsets"})
    NABLA_CHECK(info.contains(k), "[load] {}: tensor \"{}\" has no \"{}\"", src, name, k);

  Entry e{full_name, kFloat, {}, 0, 0, 0};
  const json& dtype = info.at("dtype");
  NABLA_CHECK(dtype.is_string(), "[load] {}: tensor \"{}\": dtype must be a string, got {}", src,
              name, describe(dtype));
  const std::string dname = dtype.get<std::string>();
  const auto parsed = parse_dtype(dname);
  if (!parsed) {
    const bool known =
        std::find_if(std::begin(kUnsupportedDtypes), std::end(kUnsupportedDtypes),
                     [&](const char* d) { return dname == d; }) != std::end(kUnsupportedDtypes);
    NABLA_ERROR(
        "[load] {}: tensor \"{}\": {} dtype \"{}\" (nabla reads F32, F64, I64, I32, U8 "
        "and BOOL)",
        src, name, known ? "unsupported" : "unknown", excerpt(dname));
  }
  e.dtype = *parsed;

  const json& shape = info.at("shape");
  NABLA_CHECK(shape.is_array(), "[load] {}: tensor \"{}\": shape must be an array, got {}", src,
              name, describe(shape));
  // numel * element size must stay within the data buffer, which also rules out overflow.
  uint64_t nbytes = elementSize(e.dtype);
  bool too_big = false;
  for (const json& d : shape) {
    const uint64_t v = as_uint(d, src, name, "shape entries");
    NABLA_CHECK(v <= static_cast<uint64_t>(INT64_MAX),
                "[load] {}: tensor \"{}\": dimension {} is too large", src, name, v);
    e.shape.push_back(static_cast<int64_t>(v));
    if (__builtin_mul_overflow(nbytes, v, &nbytes)) too_big = true;
  }
  if (too_big) nbytes = UINT64_MAX;

  const json& offsets = info.at("data_offsets");
  NABLA_CHECK(offsets.is_array() && offsets.size() == 2,
              "[load] {}: tensor \"{}\": data_offsets must be two integers [begin, end], got {}",
              src, name, describe(offsets));
  e.begin = as_uint(offsets[0], src, name, "data_offsets");
  e.end = as_uint(offsets[1], src, name, "data_offsets");
  NABLA_CHECK(e.begin <= e.end, "[load] {}: tensor \"{}\": data_offsets [{}, {}] end before begin",
              src, name, e.begin, e.end);
  NABLA_CHECK(e.end <= data_size,
              "[load] {}: tensor \"{}\": data_offsets [{}, {}] go past the end of the data "
              "({} bytes)",
              src, name, e.begin, e.end, data_size);
  NABLA_CHECK(e.end - e.begin == nbytes,
              "[load] {}: tensor \"{}\": shape {} of {} needs {} bytes but data_offsets [{}, {}] "
              "hold {}",
              src, name, IntArrayRef(e.shape), dname,
              too_big ? std::string("too many") : std::to_string(nbytes), e.begin, e.end,
              e.end - e.begin);
  // A zero dim makes nbytes 0 whatever the others are; the strides still multiply them all.
  NABLA_CHECK(e.shape.size() <= detail::kMaxDims,
              "[load] {}: tensor \"{}\" has {} dimensions; a tensor can have at most {}", src, name,
              e.shape.size(), detail::kMaxDims);
  int64_t extent = 1;
  for (int64_t d : e.shape) {
    NABLA_CHECK(!__builtin_mul_overflow(extent, std::max<int64_t>(d, 1), &extent),
                "[load] {}: tensor \"{}\": shape {} is too large: its strides overflow int64", src,
                name, IntArrayRef(e.shape));
  }
  return e;
}

// The spec requires the tensors to tile the buffer: sorted by offset, each starts where the
// previous one ends and the last one ends at the end of the file.
void check_coverage(std::vector<Entry>& entries, uint64_t data_size, const std::string& src) {
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  uint64_t pos = 0;
  const Entry* prev = nullptr;
  for (const Entry& e : entries) {
    NABLA_CHECK(e.begin >= pos,
                "[load] {}: tensors \"{}\" and \"{}\" overlap (bytes [{}, {}] and [{}, {}])", src,
                prev ? prev->name : "", e.name, prev ? prev->begin : 0, pos, e.begin, e.end);
    NABLA_CHECK(e.begin == pos, "[load] {}: bytes [{}, {}) of the data belong to no tensor", src,
                pos, e.begin);
    pos = e.end;
    prev = &e;
  }
  NABLA_CHECK(pos == data_size, "[load] {}: bytes [{}, {}) of the data belong to no tensor", src,
              pos, data_size);
}

Header parse_header(std::string_view text, uint64_t data_size, const std::string& src) {
  NABLA_CHECK(!text.empty() && text[0] == '{',
              "[load] {}: the header must be a JSON object starting with '{{'", src);
  std::vector<std::string> keys;
  const json header = parse_json(text, src, keys);
  NABLA_CHECK(header.is_object(), "[load] {}: the header must be a JSON object", src);
  Header out;
  out.entries.reserve(keys.size());
  size_t pos = 0;
  for (const std::string& name : keys) {  // file order; each key once (duplicates refused)
    const json& info = header.find(name).value();
    if (name == kMetadataKey) {
      out.metadata = parse_metadata(info, src);
      continue;
    }
    out.entries.push_back(parse_entry(name, info, data_size, src));
    out.entries.back().header_pos = pos++;
  }
  check_coverage(out.entries, data_size, src);
  return out;
}

// A tensor that owns its memory, filled from the source.
Tensor read_tensor(const Entry& e, uint64_t data_start, const Reader& read,
                   const std::string& src) {
  Tensor t = detail::make_tensor(e.shape, e.dtype);
  char* dst = static_cast<char*>(t.data_ptr());
  const uint64_t n = e.end - e.begin;
  if (n == 0) return t;
  read(data_start + e.begin, n, dst);
  swap_to_little_endian(dst, n, elementSize(e.dtype));
  if (e.dtype == kBool) {
    // A bool byte other than 0 or 1 is undefined behaviour in C++: reject it.
    const auto* bytes = reinterpret_cast<const unsigned char*>(dst);
    const auto bad = std::find_if(bytes, bytes + n, [](unsigned char b) { return b > 1; });
    NABLA_CHECK(bad == bytes + n,
                "[load] {}: tensor \"{}\" (BOOL) holds the byte {} at element {}; booleans "
                "must be 0 or 1",
                src, e.name, static_cast<int>(*bad), bad - bytes);
  }
  return t;
}

NamedTensors load_impl(uint64_t total, const Reader& read, Metadata* metadata,
                       const std::string& src) {
  NABLA_CHECK(total >= 8, "[load] {}: the file is {} bytes, too short for the 8-byte header size",
              src, total);
  unsigned char size_bytes[8];
  read(0, 8, reinterpret_cast<char*>(size_bytes));
  uint64_t header_size = 0;
  for (int i = 7; i >= 0; --i) header_size = (header_size << 8) | size_bytes[i];
  NABLA_CHECK(header_size <= kMaxHeaderBytes,
              "[load] {}: the header size {} is absurd (more than {} bytes); this is not a "
              "safetensors file",
              src, header_size, kMaxHeaderBytes);
  NABLA_CHECK(header_size <= total - 8,
              "[load] {}: the header size {} is larger than the rest of the file ({} bytes)", src,
              header_size, total - 8);
  std::string text(header_size, '\0');
  if (header_size) read(8, header_size, text.data());
  const uint64_t data_start = 8 + header_size;
  Header header = parse_header(text, total - data_start, src);

  NamedTensors out;
  out.reserve(header.entries.size());
  for (const Entry& e : header.entries)
    out.emplace_back(e.name, read_tensor(e, data_start, read, src));
  if (metadata) *metadata = std::move(header.metadata);
  return out;
}

NamedTensors load_file(const std::string& path, Metadata* metadata) {
  uint64_t size = 0;
  const io::Fd fd = io::open_regular_for_read(path, "load", &size);
  Reader read = [&](uint64_t offset, uint64_t n, char* dst) {
    io::read_at(fd.get(), offset, n, dst, path, "load");
  };
  return load_impl(size, read, metadata, path);
}

// Replaces `target`'s data by `loaded`'s, keeping the handle's identity (LibTorch's set_).
void assign_into(Tensor& target, const Tensor& loaded, const std::string& path) {
  if (!target.defined()) {
    target = loaded;
    return;
  }
  NABLA_CHECK(target.scalar_type() == loaded.scalar_type(),
              "[load] {}: the file holds a {} tensor but the destination tensor is {}; load into "
              "an undefined Tensor or convert with .to()",
              path, loaded.scalar_type(), target.scalar_type());
  TensorImpl& dst = *target.unsafeGetTensorImpl();
  const TensorImpl& src = *loaded.unsafeGetTensorImpl();
  // Graphs that saved the old tensor must see a version change, as after any in-place write.
  const uint32_t version = dst.storage->version + 1;
  dst.share_storage_and_geometry(src);  // the dtypes are the same (checked above)
  dst.storage->version = version;
  dst.is_view = false;
  dst.grad_accumulator.reset();  // its recorded shape may be stale
}

}  // namespace

// ---- public API --------------------------------------------------------------------------

void save(const NamedTensors& tensors, const std::string& path, const Metadata& metadata) {
  save_file(tensors, path, metadata);
}

void save(const Tensor& tensor, const std::string& path) {
  save_file({{"tensor", tensor}}, path, {});
}

void save(const std::vector<Tensor>& tensors, const std::string& path) {
  NamedTensors named;
  for (size_t i = 0; i < tensors.size(); ++i) named.emplace_back(std::to_string(i), tensors[i]);
  save_file(named, path, {});
}

NamedTensors load_safetensors(const std::string& path, Metadata* metadata) {
  return load_file(path, metadata);
}

void load(Tensor& tensor, const std::string& path) {
  NamedTensors all = load_file(path, nullptr);
  NABLA_CHECK(all.size() == 1,
              "[load] {}: expected a file with exactly one tensor, found {}; use "
              "load_safetensors to read them all",
              path, all.size());
  assign_into(tensor, all[0].second, path);
}

void load(std::vector<Tensor>& tensors, const std::string& path) {
  NamedTensors all = load_file(path, nullptr);
  std::vector<Tensor> out(all.size());
  std::vector<bool> seen(all.size(), false);
  for (auto& [name, t] : all) {
    size_t i = 0;
    const bool numeric =
        !name.empty() && name.size() < 19 &&
        std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
        (name == "0" || name[0] != '0');
    if (numeric) i = std::stoull(name);
    NABLA_CHECK(numeric && i < all.size() && !seen[i],
                "[load] {}: expected tensors named \"0\" to \"{}\" (as save(std::vector<Tensor>) "
                "writes), found \"{}\"",
                path, all.size() - 1, name);
    seen[i] = true;
    out[i] = std::move(t);
  }
  tensors = std::move(out);
}

std::string save_to_string(const NamedTensors& tensors, const Metadata& metadata) {
  const std::vector<Prepared> prepared = prepare(tensors);
  const std::string header = make_header(prepared, metadata);
  std::string out;
  write_safetensors(prepared, header, [&](const char* d, size_t n) { out.append(d, n); });
  return out;
}

NamedTensors load_from_string(const std::string& bytes, Metadata* metadata,
                              const std::string& source) {
  Reader read = [&](uint64_t offset, uint64_t n, char* dst) {
    std::memcpy(dst, bytes.data() + offset, n);  // ranges were checked against bytes.size()
  };
  return load_impl(bytes.size(), read, metadata, source);
}

}  // namespace nabla
