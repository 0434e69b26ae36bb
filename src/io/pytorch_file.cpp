// torch.save(state_dict) files (nabla/pytorch_file.h): the zip archive is read with minizip,
// data.pkl with a restricted unpickler that builds only dicts, lists, tuples, numbers, strings
// and tensors; every other global or opcode is refused. An optimizer's state_dict (nested dicts
// and lists of numbers and tensors) becomes the named tensors of Optimizer::state_dict().
#include "nabla/pytorch_file.h"

#include <unzip.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string_view>
#include <unordered_set>
#include <variant>
#include <vector>

#include <fmt/format.h>

#include "core/check.h"
#include "nabla/checkpoint.h"
#include "nabla/creation.h"
#include "nabla/ops.h"
#include "nabla/optim/adamw.h"

namespace nabla {
namespace {

// ---- the zip archive ---------------------------------------------------------------------

// The largest entry read into memory: a state_dict's pickle is small; storages are tensors.
constexpr uint64_t kMaxEntryBytes = uint64_t(1) << 36;

class ZipArchive {
 public:
  explicit ZipArchive(const std::string& path) : path_(path), handle_(unzOpen64(path.c_str())) {
    std::error_code ec;
    file_bytes_ = std::filesystem::file_size(path, ec);
    if (ec) file_bytes_ = 0;
    zip_ = handle_.get();
    NABLA_CHECK(zip_ != nullptr,
                "[load_pytorch_state_dict] {} is not a readable zip archive (torch.save writes "
                "one since PyTorch 1.6; a legacy or TorchScript file is not supported)",
                path);
    for (int rc = unzGoToFirstFile(zip_); rc == UNZ_OK; rc = unzGoToNextFile(zip_)) {
      unz_file_info64 info;
      char name[1024];
      NABLA_CHECK(unzGetCurrentFileInfo64(zip_, &info, name, sizeof(name), nullptr, 0, nullptr,
                                          0) == UNZ_OK,
                  "[load_pytorch_state_dict] {}: unreadable zip directory", path);
      names_.emplace_back(name);
    }
  }
  ZipArchive(const ZipArchive&) = delete;
  ZipArchive& operator=(const ZipArchive&) = delete;

  const std::vector<std::string>& names() const { return names_; }
  bool has(const std::string& name) const {
    for (const auto& n : names_)
      if (n == name) return true;
    return false;
  }

  // The whole entry; its size and CRC are checked by minizip and here.
  std::string read(const std::string& name) {
    NABLA_CHECK(unzLocateFile(zip_, name.c_str(), 1) == UNZ_OK,
                "[load_pytorch_state_dict] {}: the archive has no entry {}", path_, name);
    unz_file_info64 info;
    NABLA_CHECK(unzGetCurrentFileInfo64(zip_, &info, nullptr, 0, nullptr, 0, nullptr, 0) == UNZ_OK,
                "[load_pytorch_state_dict] {}: unreadable entry {}", path_, name);
    NABLA_CHECK(info.uncompressed_size <= kMaxEntryBytes,
                "[load_pytorch_state_dict] {}: entry {} claims {} bytes", path_, name,
                info.uncompressed_size);
    // The size is only a claim until the bytes are read: before allocating it, check that the
    // file can hold it (stored entries, as torch.save writes, are their own size; deflate
    // expands at most 1032 times).
    const uint64_t most =
        info.compression_method == 0 ? info.compressed_size : info.compressed_size * 1032 + 1024;
    NABLA_CHECK(info.compressed_size <= file_bytes_ && info.uncompressed_size <= most,
                "[load_pytorch_state_dict] {}: entry {} claims {} bytes ({} compressed, method "
                "{}) in a file of {} bytes",
                path_, name, info.uncompressed_size, info.compressed_size, info.compression_method,
                file_bytes_);
    NABLA_CHECK(unzOpenCurrentFile(zip_) == UNZ_OK,
                "[load_pytorch_state_dict] {}: cannot open entry {}", path_, name);
    std::string bytes(static_cast<size_t>(info.uncompressed_size), '\0');
    size_t done = 0;
    while (done < bytes.size()) {
      const unsigned chunk = static_cast<unsigned>(std::min<size_t>(bytes.size() - done, 1 << 30));
      const int n = unzReadCurrentFile(zip_, bytes.data() + done, chunk);
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    const int close_rc = unzCloseCurrentFile(zip_);
    NABLA_CHECK(done == bytes.size() && close_rc == UNZ_OK,
                "[load_pytorch_state_dict] {}: entry {} is truncated or corrupt (read {} of {} "
                "bytes{})",
                path_, name, done, bytes.size(), close_rc == UNZ_CRCERROR ? ", bad CRC" : "");
    return bytes;
  }

 private:
  std::string path_;
  uint64_t file_bytes_ = 0;
  // Owns the handle: closed by the destructor, and also when the constructor throws (an
  // unreadable directory), which a destructor alone would miss.
  struct Close {
    void operator()(void* zip) const { unzClose(zip); }
  };
  std::unique_ptr<void, Close> handle_;
  unzFile zip_ = nullptr;
  std::vector<std::string> names_;
};

// ---- pickle values -----------------------------------------------------------------------

struct Value;
using ValuePtr = std::shared_ptr<Value>;
struct Global {
  std::string name;  // "module.qualname"
};
struct PickledStorage {
  ScalarType dtype;
  std::string key;
  int64_t numel = 0;
};
struct Mark {};
using Items = std::vector<ValuePtr>;
using DictItems = std::vector<std::pair<ValuePtr, ValuePtr>>;
struct Tuple {
  Items items;
};
struct Dict {
  DictItems items;
};
struct List {  // a Python list: an optimizer's param_groups and their "params"
  Items items;
};
struct Value {
  std::variant<std::monostate, bool, int64_t, double, std::string, Tuple, Dict, List, Global,
               PickledStorage, Tensor, Mark>
      v;
};

ValuePtr make(decltype(Value::v) v) {
  auto p = std::make_shared<Value>();
  p->v = std::move(v);
  return p;
}

// ---- the restricted unpickler ------------------------------------------------------------

class Unpickler {
 public:
  Unpickler(const std::string& bytes, ZipArchive& zip, std::string prefix, std::string path,
            const PyTorchLoadOptions& options)
      : b_(bytes),
        zip_(zip),
        prefix_(std::move(prefix)),
        path_(std::move(path)),
        options_(options) {}

  ValuePtr run() {
    while (true) {
      const uint8_t op = u8();
      if (op == '.') break;  // STOP
      step(op);
    }
    check(stack_.size() == 1, "the pickle leaves {} values instead of one", stack_.size());
    return stack_.back();
  }

 private:
  template <class... Args>
  void check(bool ok, fmt::format_string<Args...> f, Args&&... args) {
    if (!ok) {
      throw Error(fmt::format("[load_pytorch_state_dict] {}: data.pkl at byte {}: {}", path_, pos_,
                              fmt::format(f, std::forward<Args>(args)...)));
    }
  }

  uint8_t u8() {
    check(pos_ < b_.size(), "unexpected end of the pickle");
    return static_cast<uint8_t>(b_[pos_++]);
  }
  uint64_t le(int n) {
    check(pos_ + static_cast<size_t>(n) <= b_.size(), "unexpected end of the pickle");
    uint64_t v = 0;
    for (int i = 0; i < n; ++i) v |= uint64_t(static_cast<uint8_t>(b_[pos_ + i])) << (8 * i);
    pos_ += static_cast<size_t>(n);
    return v;
  }
  std::string bytes(uint64_t n) {
    check(n <= b_.size() - pos_, "a string of {} bytes runs past the end", n);
    std::string s = b_.substr(pos_, static_cast<size_t>(n));
    pos_ += static_cast<size_t>(n);
    return s;
  }
  std::string line() {
    const size_t end = b_.find('\n', pos_);
    check(end != std::string::npos, "unterminated GLOBAL name");
    std::string s = b_.substr(pos_, end - pos_);
    pos_ = end + 1;
    return s;
  }
  ValuePtr pop() {
    check(!stack_.empty(), "pop from an empty stack");
    ValuePtr v = stack_.back();
    stack_.pop_back();
    check(!std::holds_alternative<Mark>(v->v), "unexpected MARK");
    return v;
  }
  Items pop_to_mark() {
    Items items;
    while (true) {
      check(!stack_.empty(), "no MARK on the stack");
      ValuePtr v = stack_.back();
      stack_.pop_back();
      if (std::holds_alternative<Mark>(v->v)) break;
      items.push_back(v);
    }
    return Items(items.rbegin(), items.rend());
  }
  void memo_put(uint64_t i) {
    check(!stack_.empty(), "memo of an empty stack");
    check(i < (1u << 24), "memo index {} too large", i);
    memo_[i] = stack_.back();
  }
  void memo_get(uint64_t i) {
    auto it = memo_.find(i);
    check(it != memo_.end(), "memo index {} was never set", i);
    stack_.push_back(it->second);
  }
  Dict& top_dict() {
    check(!stack_.empty() && std::holds_alternative<Dict>(stack_.back()->v),
          "SETITEM(S) on something that is not a dict");
    return std::get<Dict>(stack_.back()->v);
  }

  // The memo can give back a container being filled; putting it into itself (directly or
  // through its contents) would make a reference cycle that is never freed. Refuse that: the
  // container on top of the stack must not be reachable from what goes into it. Each check
  // walks what is added, so a crafted pickle that adds one large container to many others
  // would take quadratic time: the walks share a budget far above any state_dict's (one per
  // parameter's small state dict), and a pickle that exhausts it is refused.
  void check_acyclic(const Items& added) {
    const Value* target = stack_.back().get();
    std::vector<const Value*> todo;
    std::unordered_set<const Value*> seen;
    for (const auto& v : added) todo.push_back(v.get());
    while (!todo.empty()) {
      const Value* v = todo.back();
      todo.pop_back();
      check(v != target, "a container that contains itself");
      if (!seen.insert(v).second) continue;
      check(++acyclic_visits_ <= kMaxAcyclicVisits,
            "containers nested and shared more than {} times (a crafted pickle?)",
            kMaxAcyclicVisits);
      auto push = [&](const Items& items) {
        for (const auto& item : items) todo.push_back(item.get());
      };
      if (auto t = std::get_if<Tuple>(&v->v)) push(t->items);
      if (auto l = std::get_if<List>(&v->v)) push(l->items);
      if (auto d = std::get_if<Dict>(&v->v)) {
        for (const auto& [key, value] : d->items) {
          todo.push_back(key.get());
          todo.push_back(value.get());
        }
      }
    }
  }

  List& top_list() {
    check(!stack_.empty() && std::holds_alternative<List>(stack_.back()->v),
          "APPEND(S) on something that is not a list");
    return std::get<List>(stack_.back()->v);
  }

  void step(uint8_t op) {
    switch (op) {
      case 0x80:
        check(u8() <= 5, "unknown pickle protocol");
        break;  // PROTO
      case 0x95:
        le(8);
        break;  // FRAME
      case '(':
        stack_.push_back(make(Mark{}));
        break;  // MARK
      case 'N':
        stack_.push_back(make(std::monostate{}));
        break;  // NONE
      case 0x88:
        stack_.push_back(make(true));
        break;  // NEWTRUE
      case 0x89:
        stack_.push_back(make(false));
        break;  // NEWFALSE
      case 'K':
        stack_.push_back(make(int64_t(u8())));
        break;  // BININT1
      case 'M':
        stack_.push_back(make(int64_t(le(2))));
        break;  // BININT2
      case 'J':
        stack_.push_back(make(int64_t(int32_t(uint32_t(le(4))))));
        break;      // BININT
      case 0x8a: {  // LONG1
        const uint8_t n = u8();
        check(n <= 8, "integer of {} bytes", n);
        uint64_t v = le(n);
        if (n > 0 && n < 8 && (v >> (8 * n - 1)) & 1) v |= ~uint64_t(0) << (8 * n);
        stack_.push_back(make(int64_t(v)));
        break;
      }
      case 'G': {  // BINFLOAT, big-endian
        uint64_t v = 0;
        for (int i = 0; i < 8; ++i) v = (v << 8) | u8();
        double d;
        std::memcpy(&d, &v, 8);
        stack_.push_back(make(d));
        break;
      }
      case 'X':
        stack_.push_back(make(bytes(le(4))));
        break;  // BINUNICODE
      case 0x8c:
        stack_.push_back(make(bytes(u8())));
        break;  // SHORT_BINUNICODE
      case 'q':
        memo_put(u8());
        break;  // BINPUT
      case 'r':
        memo_put(le(4));
        break;  // LONG_BINPUT
      case 0x94:
        memo_put(memo_.size());
        break;  // MEMOIZE
      case 'h':
        memo_get(u8());
        break;  // BINGET
      case 'j':
        memo_get(le(4));
        break;  // LONG_BINGET
      case ')':
        stack_.push_back(make(Tuple{}));
        break;  // EMPTY_TUPLE
      case 't':
        stack_.push_back(make(Tuple{pop_to_mark()}));
        break;  // TUPLE
      case 0x85:
      case 0x86:
      case 0x87: {  // TUPLE1..3
        Items items(op - 0x84);
        for (size_t i = items.size(); i-- > 0;) items[i] = pop();
        stack_.push_back(make(Tuple{std::move(items)}));
        break;
      }
      case ']':
        stack_.push_back(make(List{}));
        break;     // EMPTY_LIST
      case 'a': {  // APPEND
        ValuePtr v = pop();
        Items& list = top_list().items;
        check_acyclic({v});
        list.push_back(v);
        break;
      }
      case 'e': {  // APPENDS
        Items items = pop_to_mark();
        Items& list = top_list().items;
        check_acyclic(items);
        list.insert(list.end(), items.begin(), items.end());
        break;
      }
      case '}':
        stack_.push_back(make(Dict{}));
        break;     // EMPTY_DICT
      case 's': {  // SETITEM
        ValuePtr v = pop(), k = pop();
        Dict& d = top_dict();
        check_acyclic({k, v});
        d.items.emplace_back(k, v);
        break;
      }
      case 'u': {  // SETITEMS
        Items kv = pop_to_mark();
        check(kv.size() % 2 == 0, "SETITEMS with an odd number of values");
        Dict& d = top_dict();
        check_acyclic(kv);
        for (size_t i = 0; i < kv.size(); i += 2) d.items.emplace_back(kv[i], kv[i + 1]);
        break;
      }
      case 'c':
        global();
        break;  // GLOBAL
      case 'R':
        reduce();
        break;  // REDUCE
      case 'Q':
        persistent_load();
        break;     // BINPERSID
      case 'b': {  // BUILD
        pop();     // the state: OrderedDict's _metadata (module versions), not needed
        check(!stack_.empty() && std::holds_alternative<Dict>(stack_.back()->v),
              "BUILD of something that is not an OrderedDict");
        break;
      }
      default:
        check(false,
              "opcode 0x{:02x} is not one a state_dict uses; refusing to load the file (loading "
              "never runs code)",
              op);
    }
  }

  void global() {
    const std::string module = line(), name = line();
    static const char* const allowed[] = {"collections.OrderedDict",
                                          "torch._utils._rebuild_tensor_v2",
                                          "torch._utils._rebuild_parameter",
                                          "torch.FloatStorage",
                                          "torch.DoubleStorage",
                                          "torch.LongStorage",
                                          "torch.IntStorage",
                                          "torch.ByteStorage",
                                          "torch.BoolStorage",
                                          "torch.HalfStorage",
                                          "torch.BFloat16Storage"};
    const std::string full = module + "." + name;
    bool ok = false;
    for (const char* a : allowed) ok |= full == a;
    check(ok,
          "it refers to {}, which a state_dict of nabla's dtypes does not contain; refusing to "
          "load the file (loading never runs code)",
          full);
    stack_.push_back(make(Global{full}));
  }

  static int64_t as_int(const ValuePtr& v, bool& ok) {
    if (auto p = std::get_if<int64_t>(&v->v)) return *p;
    ok = false;
    return 0;
  }
  std::vector<int64_t> int_tuple(const ValuePtr& v, const char* what) {
    check(std::holds_alternative<Tuple>(v->v), "{} is not a tuple", what);
    std::vector<int64_t> out;
    for (const auto& item : std::get<Tuple>(v->v).items) {
      bool ok = true;
      out.push_back(as_int(item, ok));
      check(ok && out.back() >= 0, "{} holds something that is not a non-negative integer", what);
    }
    return out;
  }

  void persistent_load() {
    ValuePtr pid = pop();
    check(std::holds_alternative<Tuple>(pid->v), "persistent id is not a tuple");
    const Items& t = std::get<Tuple>(pid->v).items;
    check(t.size() == 5, "persistent id of {} fields instead of 5", t.size());
    auto str_of = [&](const ValuePtr& v, const char* what) {
      check(std::holds_alternative<std::string>(v->v), "{} is not a string", what);
      return std::get<std::string>(v->v);
    };
    check(str_of(t[0], "persistent id tag") == "storage", "persistent id is not a storage");
    check(std::holds_alternative<Global>(t[1]->v), "storage type is not a global");
    const std::string type = std::get<Global>(t[1]->v).name;
    PickledStorage s;
    static const std::map<std::string, ScalarType> types = {
        {"torch.FloatStorage", kFloat}, {"torch.DoubleStorage", kDouble},
        {"torch.LongStorage", kLong},   {"torch.IntStorage", kInt},
        {"torch.ByteStorage", kByte},   {"torch.BoolStorage", kBool},
        {"torch.HalfStorage", kHalf},   {"torch.BFloat16Storage", kBFloat16}};
    auto it = types.find(type);
    check(it != types.end(), "{} is not a storage type", type);
    s.dtype = it->second;
    s.key = str_of(t[2], "storage key");
    check(!s.key.empty() && s.key.find('/') == std::string::npos &&
              s.key.find("..") == std::string::npos,
          "bad storage key '{}'", s.key);
    const std::string location = str_of(t[3], "storage location");
    check(location == "cpu" || location.rfind("cuda", 0) == 0, "unknown location {}", location);
    bool ok = true;
    s.numel = as_int(t[4], ok);
    check(ok && s.numel >= 0, "storage size is not a non-negative integer");
    stack_.push_back(make(std::move(s)));
  }

  // The storage's elements as a 1-D tensor (16-bit floats converted to float32 when the
  // options ask), read once per key.
  Tensor storage_tensor(const PickledStorage& s) {
    auto cached = storages_.find(s.key);
    if (cached != storages_.end()) return cached->second;
    const std::string entry = prefix_ + "data/" + s.key;
    const std::string raw = zip_.read(entry);
    const size_t elem = elementSize(s.dtype);
    check(raw.size() >= static_cast<uint64_t>(s.numel) * elem,
          "storage {} holds {} bytes, fewer than its {} elements of {} bytes", entry, raw.size(),
          s.numel, elem);
    Tensor t = empty({s.numel}, dtype(s.dtype));
    std::memcpy(t.data_ptr(), raw.data(), static_cast<size_t>(s.numel) * elem);
    if (s.dtype == kBool) {
      const uint8_t* p = static_cast<const uint8_t*>(t.data_ptr());
      for (int64_t i = 0; i < s.numel; ++i) check(p[i] <= 1, "bool storage holds {}", p[i]);
    }
    if (isReducedFloatingType(s.dtype) && options_.half_to_float) t = t.to(kFloat);
    storages_.emplace(s.key, t);
    return t;
  }

  Tensor rebuild_tensor(const Items& args) {
    check(args.size() == 6 || args.size() == 7, "_rebuild_tensor_v2 with {} arguments",
          args.size());
    check(std::holds_alternative<PickledStorage>(args[0]->v),
          "_rebuild_tensor_v2 without a storage");
    const PickledStorage& s = std::get<PickledStorage>(args[0]->v);
    bool ok = true;
    const int64_t offset = as_int(args[1], ok);
    check(ok && offset >= 0, "bad storage offset");
    const auto size = int_tuple(args[2], "size"), stride = int_tuple(args[3], "stride");
    check(size.size() == stride.size(), "size {} and stride {} differ in length",
          fmt::join(size, ", "), fmt::join(stride, ", "));
    // The last element touched must lie inside the storage (nothing when a size is 0).
    bool empty_tensor = false;
    int64_t last = offset;
    for (size_t d = 0; d < size.size(); ++d) {
      empty_tensor |= size[d] == 0;
      check(size[d] < (int64_t(1) << 40) && stride[d] < (int64_t(1) << 40),
            "size or stride too large");
      last += (size[d] - 1) * stride[d];
    }
    check(empty_tensor || last < s.numel,
          "a tensor of size [{}], stride [{}] at offset {} reaches past its storage of {} "
          "elements",
          fmt::join(size, ", "), fmt::join(stride, ", "), offset, s.numel);
    if (empty_tensor) {
      const bool to_float = isReducedFloatingType(s.dtype) && options_.half_to_float;
      return empty(size, dtype(to_float ? kFloat : s.dtype));
    }
    Tensor storage = storage_tensor(s);
    return storage.as_strided(size, stride, offset).clone();
  }

  void reduce() {
    ValuePtr args = pop(), fn = pop();
    check(std::holds_alternative<Global>(fn->v), "REDUCE of something that is not a global");
    check(std::holds_alternative<Tuple>(args->v), "REDUCE arguments are not a tuple");
    const std::string& name = std::get<Global>(fn->v).name;
    const Items& a = std::get<Tuple>(args->v).items;
    if (name == "collections.OrderedDict") {
      check(a.empty(), "OrderedDict with arguments");
      stack_.push_back(make(Dict{}));
    } else if (name == "torch._utils._rebuild_tensor_v2") {
      stack_.push_back(make(rebuild_tensor(a)));
    } else if (name == "torch._utils._rebuild_parameter") {
      check(a.size() == 3 && std::holds_alternative<Tensor>(a[0]->v),
            "_rebuild_parameter without a tensor");
      stack_.push_back(a[0]);
    } else {
      check(false, "{} cannot be called", name);
    }
  }

  const std::string& b_;
  ZipArchive& zip_;
  std::string prefix_, path_;
  PyTorchLoadOptions options_;
  size_t pos_ = 0;
  static constexpr uint64_t kMaxAcyclicVisits = uint64_t(1) << 22;
  uint64_t acyclic_visits_ = 0;
  std::vector<ValuePtr> stack_;
  std::map<uint64_t, ValuePtr> memo_;
  std::map<std::string, Tensor> storages_;
};

// The value data.pkl holds: a state_dict's dict, read by the restricted unpickler.
ValuePtr load_pickle(const std::string& path, const PyTorchLoadOptions& options) {
  ZipArchive zip(path);
  std::string pickle_name;
  for (const auto& n : zip.names()) {
    const size_t slash = n.find('/');
    if (slash != std::string::npos && n.substr(slash + 1) == "data.pkl") pickle_name = n;
  }
  NABLA_CHECK(!pickle_name.empty(),
              "[load_pytorch_state_dict] {}: the archive has no <name>/data.pkl; is it a file "
              "from torch.save?",
              path);
  const std::string prefix = pickle_name.substr(0, pickle_name.find('/') + 1);
  if (zip.has(prefix + "byteorder")) {
    NABLA_CHECK(zip.read(prefix + "byteorder") == "little",
                "[load_pytorch_state_dict] {}: big-endian files are not supported", path);
  }
  const std::string pickle = zip.read(pickle_name);
  return Unpickler(pickle, zip, prefix, path, options).run();
}

// ---- optimizer state_dicts ---------------------------------------------------------------
// Python's optimizer.state_dict() is
//   {"state": {0: {"step": tensor(3.), "exp_avg": tensor, ...}, ...},
//    "param_groups": [{"lr": 0.01, "betas": (0.9, 0.999), ..., "params": [0, 1, ...]}, ...]}
// and becomes Optimizer::state_dict()'s names: "state.0.step", "param_groups.0.lr", ...

// PyTorch's param-group keys that change how a step is computed, not what it computes.
constexpr std::string_view kImplementationKeys[] = {"foreach", "fused", "capturable",
                                                    "differentiable", "initial_lr"};

class OptimizerReader {
 public:
  explicit OptimizerReader(std::string path) : path_(std::move(path)) {}

  NamedTensors read(const ValuePtr& root) {
    const Dict* top = std::get_if<Dict>(&root->v);
    check(top != nullptr, "data.pkl holds no dict");
    const Value* state = nullptr;
    const Value* groups = nullptr;
    for (const auto& [k, v] : top->items) {
      const auto* key = std::get_if<std::string>(&k->v);
      if (key != nullptr && *key == "state") state = v.get();
      if (key != nullptr && *key == "param_groups") groups = v.get();
    }
    check(state != nullptr && groups != nullptr,
          "holds no optimizer state_dict (a dict with 'state' and 'param_groups'); a model's "
          "state_dict is read by load_state_dict(module, path)");
    const List* group_list = std::get_if<List>(&groups->v);
    check(group_list != nullptr, "'param_groups' is not a list");
    for (size_t g = 0; g < group_list->items.size(); ++g) read_group(g, *group_list->items[g]);
    const Dict* state_dict = std::get_if<Dict>(&state->v);
    check(state_dict != nullptr, "'state' is not a dict");
    for (const auto& [k, v] : state_dict->items) read_state(*k, *v);
    return std::move(out_);
  }

 private:
  template <class... Args>
  void check(bool ok, fmt::format_string<Args...> f, Args&&... args) {
    if (!ok) {
      throw Error(fmt::format("[load_pytorch_optimizer_state_dict] {}: {}", path_,
                              fmt::format(f, std::forward<Args>(args)...)));
    }
  }

  void read_group(size_t g, const Value& group) {
    const Dict* d = std::get_if<Dict>(&group.v);
    check(d != nullptr, "param group {} is not a dict", g);
    const std::string prefix = fmt::format("param_groups.{}.", g);
    for (const auto& [k, v] : d->items) {
      const auto* key = std::get_if<std::string>(&k->v);
      check(key != nullptr, "param group {} has a key that is not a string", g);
      if (*key == "params") {
        out_.emplace_back(prefix + "params", index_list(*v, g));
      } else if (*key == "maximize") {
        // nabla's optimizers minimize; a maximizing state would step the other way.
        check(std::holds_alternative<bool>(v->v) && !std::get<bool>(v->v),
              "param group {} has maximize=True, which nabla's optimizers do not have", g);
      } else if (std::find(std::begin(kImplementationKeys), std::end(kImplementationKeys), *key) ==
                 std::end(kImplementationKeys)) {
        Tensor t = number(*v, prefix + *key);
        if (t.defined()) out_.emplace_back(prefix + *key, std::move(t));
      }
    }
  }

  Tensor index_list(const Value& v, size_t g) {
    const List* l = std::get_if<List>(&v.v);
    check(l != nullptr, "param group {}'s 'params' is not a list", g);
    std::vector<int64_t> indices;
    for (const auto& item : l->items) {
      const auto* i = std::get_if<int64_t>(&item->v);
      check(i != nullptr, "param group {}'s 'params' holds something that is not an index", g);
      indices.push_back(*i);
    }
    return nabla::tensor(indices, TensorOptions().dtype(kLong)).reshape({int64_t(indices.size())});
  }

  void read_state(const Value& key, const Value& value) {
    const auto* index = std::get_if<int64_t>(&key.v);
    check(index != nullptr && *index >= 0, "a key of 'state' is not a parameter index");
    const Dict* d = std::get_if<Dict>(&value.v);
    check(d != nullptr, "the state of parameter {} is not a dict", *index);
    for (const auto& [k, v] : d->items) {
      const auto* field = std::get_if<std::string>(&k->v);
      check(field != nullptr, "the state of parameter {} has a key that is not a string", *index);
      const std::string name = fmt::format("state.{}.{}", *index, *field);
      Tensor t = std::holds_alternative<Tensor>(v->v) ? std::get<Tensor>(v->v) : number(*v, name);
      if (!t.defined()) continue;  // None: a buffer not created yet
      // PyTorch keeps the step count as a float tensor (for CUDA graphs); nabla as an integer.
      if (*field == "step" && t.dim() == 0 && t.is_floating_point()) {
        const double s = t.item<double>();
        check(s >= 0 && s < 9e15 && s == static_cast<double>(static_cast<int64_t>(s)),
              "{} should be a step count, got {}", name, s);
        t = nabla::full({}, static_cast<int64_t>(s), TensorOptions().dtype(kLong));
      }
      out_.emplace_back(name, std::move(t));
    }
  }

  // A number, bool or tuple of numbers (betas) as a tensor; None as an undefined one.
  Tensor number(const Value& v, const std::string& name) {
    if (std::holds_alternative<std::monostate>(v.v)) return Tensor();
    if (auto b = std::get_if<bool>(&v.v)) return nabla::full({}, *b, TensorOptions().dtype(kBool));
    if (auto i = std::get_if<int64_t>(&v.v))
      return nabla::full({}, *i, TensorOptions().dtype(kLong));
    if (auto d = std::get_if<double>(&v.v))
      return nabla::full({}, *d, TensorOptions().dtype(kDouble));
    if (auto t = std::get_if<Tensor>(&v.v)) return *t;
    const Tuple* tuple = std::get_if<Tuple>(&v.v);
    check(tuple != nullptr, "{} is not a number, a tuple of numbers or a tensor", name);
    std::vector<double> values;
    for (const auto& item : tuple->items) {
      const auto* d = std::get_if<double>(&item->v);
      const auto* i = std::get_if<int64_t>(&item->v);
      check(d != nullptr || i != nullptr, "{} holds something that is not a number", name);
      values.push_back(d != nullptr ? *d : static_cast<double>(*i));
    }
    return nabla::tensor(values, TensorOptions().dtype(kDouble)).reshape({int64_t(values.size())});
  }

  std::string path_;
  NamedTensors out_;
};

// The names of an optimizer's options ("lr", "betas", ...), to compare with a file's.
class FieldNames : public optim::FieldVisitor {
 public:
  void field(const char* name, double&) override { names.insert(name); }
  void field(const char* name, int64_t&) override { names.insert(name); }
  void field(const char* name, bool&) override { names.insert(name); }
  void field(const char* name, std::tuple<double, double>&) override { names.insert(name); }
  void field(const char* name, Tensor&) override { names.insert(name); }
  std::set<std::string> names;
};

// PyTorch's optimizer whose param groups have these keys, for the error message.
std::string python_kind(const std::set<std::string>& keys) {
  if (keys.count("nesterov")) return "torch.optim.SGD";
  if (keys.count("amsgrad")) return "torch.optim.Adam or AdamW";
  if (keys.count("centered")) return "torch.optim.RMSprop";
  if (keys.count("lr_decay")) return "torch.optim.Adagrad";
  return "an optimizer nabla does not have";
}

// The file's param groups must have exactly the optimizer's options, and as many parameters.
void check_kind_and_count(const optim::Optimizer& optimizer, const NamedTensors& state,
                          const std::string& path) {
  FieldNames own;
  const_cast<optim::OptimizerOptions&>(optimizer.defaults()).visit_fields(own);
  std::set<std::string> keys;
  int64_t groups = 0, params = 0;
  for (const auto& [name, t] : state) {
    if (name.rfind("param_groups.0.", 0) == 0 && name != "param_groups.0.params")
      keys.insert(name.substr(15));
    if (name.rfind("param_groups.", 0) == 0 && name.size() > 7 &&
        name.compare(name.size() - 7, 7, ".params") == 0) {
      ++groups;
      params += t.numel();
    }
  }
  NABLA_CHECK(keys == own.names,
              "[load_state_dict] {} holds the state of {} (param group options {}), which "
              "does not map onto this optimizer (options {}): load it into the same kind of "
              "optimizer",
              path, python_kind(keys), fmt::join(keys, ", "), fmt::join(own.names, ", "));
  NABLA_CHECK(groups == static_cast<int64_t>(optimizer.param_groups().size()) &&
                  params == static_cast<int64_t>(optimizer.size()),
              "[load_state_dict] {} holds the state of {} parameters in {} groups, but the "
              "optimizer has {} parameters in {} groups",
              path, params, groups, optimizer.size(), optimizer.param_groups().size());
}

// PyTorch 2.7's Adam and AdamW write decoupled_weight_decay (false, true); nabla's kinds say it.
NamedTensors check_decoupled(const optim::Optimizer& optimizer, NamedTensors state,
                             const std::string& path) {
  const bool adamw = dynamic_cast<const optim::AdamW*>(&optimizer) != nullptr;
  NamedTensors kept;
  for (auto& [name, t] : state) {
    const size_t dot = name.rfind('.');
    if (name.rfind("param_groups.", 0) != 0 || name.substr(dot + 1) != "decoupled_weight_decay") {
      kept.emplace_back(name, std::move(t));
      continue;
    }
    const bool decoupled = t.dim() == 0 && t.scalar_type() == kBool && t.item<bool>();
    NABLA_CHECK(decoupled == adamw,
                "[load_state_dict] {} holds the state of torch.optim.{} (decoupled_weight_decay="
                "{}), which does not map onto nabla's {}",
                path, decoupled ? "AdamW" : "Adam", decoupled ? "True" : "False",
                adamw ? "AdamW" : "Adam");
  }
  return kept;
}

}  // namespace

NamedTensors load_pytorch_state_dict(const std::string& path, const PyTorchLoadOptions& options) {
  ValuePtr root = load_pickle(path, options);
  NABLA_CHECK(std::holds_alternative<Dict>(root->v),
              "[load_pytorch_state_dict] {}: data.pkl holds no dict (torch.save of a whole "
              "model is not supported: save model.state_dict())",
              path);
  NamedTensors out;
  for (const auto& [k, v] : std::get<Dict>(root->v).items) {
    NABLA_CHECK(std::holds_alternative<std::string>(k->v),
                "[load_pytorch_state_dict] {}: a key of the state_dict is not a string", path);
    const std::string& name = std::get<std::string>(k->v);
    NABLA_CHECK(std::holds_alternative<Tensor>(v->v),
                "[load_pytorch_state_dict] {}: {} is not a tensor (an optimizer's state_dict "
                "is read by load_pytorch_optimizer_state_dict)",
                path, name);
    out.emplace_back(name, std::get<Tensor>(v->v));
  }
  return out;
}

NamedTensors load_pytorch_optimizer_state_dict(const std::string& path,
                                               const PyTorchLoadOptions& options) {
  return OptimizerReader(path).read(load_pickle(path, options));
}

void load_state_dict(optim::Optimizer& optimizer, const std::string& path) {
  const NamedTensors state =
      check_decoupled(optimizer, load_pytorch_optimizer_state_dict(path), path);
  check_kind_and_count(optimizer, state, path);
  try {
    optimizer.load_state_dict(state);
  } catch (const Error& e) {  // shapes and values: name the file too
    throw Error(fmt::format("{} (in {})", e.what(), path));
  }
}

void load_state_dict(nn::Module& module, const std::string& path, bool strict) {
  nn::load_state_dict(module, load_pytorch_state_dict(path), strict);
}

}  // namespace nabla
