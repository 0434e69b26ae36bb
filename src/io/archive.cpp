// LibTorch's serialize archives on top of safetensors (nabla/serialize/archive.h). A nested
// archive is a dotted prefix of tensor names; IValues that are not tensors and the names of
// nested archives live in the file's __metadata__ as JSON text:
//   "nabla.archive.values": {"step": {"type": "Int", "value": "10"}, ...}
//   "nabla.archive.nested": ["encoder", "encoder.norm", ...]
#include "nabla/serialize/archive.h"

#include <charconv>
#include <istream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <ostream>
#include <set>
#include <string_view>

#include "core/check.h"
#include "nabla/autograd.h"
#include "nabla/checkpoint.h"

namespace nabla {
namespace serialize {
namespace {

using json = nlohmann::json;
using Metadata = std::map<std::string, std::string>;

constexpr const char* kValuesKey = "nabla.archive.values";
constexpr const char* kNestedKey = "nabla.archive.nested";

void check_key(const std::string& key, const char* op) {
  NABLA_CHECK(!key.empty(), "[{}] the key is empty", op);
  NABLA_CHECK(key != "__metadata__", "[{}] \"__metadata__\" is reserved, not a key", op);
}

// ---- IValues as JSON text (numbers as strings: doubles keep every bit, inf and nan) -------

std::string number_text(double v) { return fmt::format("{}", v); }
std::string number_text(int64_t v) { return std::to_string(v); }

template <class T>
T parse_number(const json& v, const std::string& key, const std::string& source) {
  T out{};
  const std::string* s = v.is_string() ? v.get_ptr<const std::string*>() : nullptr;
  const char* end = s ? s->data() + s->size() : nullptr;
  const auto r = s ? std::from_chars(s->data(), end, out) : std::from_chars_result{};
  NABLA_CHECK(s && r.ec == std::errc() && r.ptr == end,
              "[InputArchive::load_from] {}: the value '{}' holds {} where a number in a string "
              "was expected",
              source, key, v.dump());
  return out;
}

json encode(const IValue& v) {
  json value;
  if (v.isBool()) value = v.toBool() ? "true" : "false";
  if (v.isInt()) value = number_text(v.toInt());
  if (v.isDouble()) value = number_text(v.toDouble());
  if (v.isString()) value = v.toStringRef();
  if (v.isIntList()) {
    value = json::array();
    for (int64_t x : v.toIntVector()) value.push_back(number_text(x));
  }
  if (v.isDoubleList()) {
    value = json::array();
    for (double x : v.toDoubleVector()) value.push_back(number_text(x));
  }
  return json{{"type", v.tagKind()}, {"value", value}};
}

IValue decode(const json& j, const std::string& key, const std::string& source) {
  auto fail = [&](const char* what) {
    NABLA_ERROR("[InputArchive::load_from] {}: the value '{}' is malformed ({}): {}", source, key,
                what, j.dump());
  };
  if (!j.is_object() || !j.contains("type") || !j["type"].is_string()) fail("no type");
  const std::string type = j["type"].get<std::string>();
  if (type == "None") return IValue();
  if (!j.contains("value")) fail("no value");
  const json& v = j["value"];
  if (type == "Bool") {
    if (v != "true" && v != "false") fail("not true or false");
    return IValue(v == "true");
  }
  if (type == "Int") return IValue(parse_number<int64_t>(v, key, source));
  if (type == "Double") return IValue(parse_number<double>(v, key, source));
  if (type == "String") {
    if (!v.is_string()) fail("not a string");
    return IValue(v.get<std::string>());
  }
  if (type == "IntList" || type == "DoubleList") {
    if (!v.is_array()) fail("not a list");
    std::vector<int64_t> ints;
    std::vector<double> doubles;
    for (const json& x : v) {
      if (type == "IntList") ints.push_back(parse_number<int64_t>(x, key, source));
      if (type == "DoubleList") doubles.push_back(parse_number<double>(x, key, source));
    }
    return type == "IntList" ? IValue(std::move(ints)) : IValue(std::move(doubles));
  }
  fail("unknown type");
  return IValue();
}

json parse_metadata(const Metadata& metadata, const char* key, const std::string& source,
                    bool (json::*is_kind)() const noexcept) {
  auto it = metadata.find(key);
  if (it == metadata.end()) return json();
  json j = json::parse(it->second, nullptr, /*allow_exceptions=*/false);
  NABLA_CHECK((j.*is_kind)(), "[InputArchive::load_from] {}: the metadata entry '{}' is malformed",
              source, key);
  return j;
}

// The first dotted component of `name` after `prefix`, if `name` starts with `prefix`.
std::optional<std::string> direct_key(const std::string& name, const std::string& prefix) {
  if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) {
    return std::nullopt;
  }
  const size_t dot = name.find('.', prefix.size());
  return name.substr(prefix.size(),
                     dot == std::string::npos ? std::string::npos : dot - prefix.size());
}

// Whether a sorted container (a map's keys, or a set) holds a name starting with `prefix`.
template <class Sorted>
bool has_prefix(const Sorted& sorted, const std::string& prefix) {
  auto it = sorted.lower_bound(prefix);
  if (it == sorted.end()) return false;
  const std::string& name = [&]() -> const std::string& {
    if constexpr (std::is_same_v<Sorted, std::set<std::string>>) {
      return *it;
    } else {
      return it->first;
    }
  }();
  return name.compare(0, prefix.size(), prefix) == 0;
}

}  // namespace

// ---- OutputArchive -------------------------------------------------------------------------

void OutputArchive::write(const std::string& key, const IValue& ivalue) {
  check_key(key, "OutputArchive::write");
  if (ivalue.isTensor()) return write(key, ivalue.toTensor());
  NABLA_CHECK(!ivalue.isTensorList(),
              "[OutputArchive::write] '{}': an IValue tensor list cannot be written; write each "
              "tensor, or a nested archive of them",
              key);
  values_[key] = ivalue;
}

void OutputArchive::write(const std::string& key, const Tensor& tensor, bool /*is_buffer*/) {
  check_key(key, "OutputArchive::write");
  NABLA_CHECK(tensor.defined(), "[OutputArchive::write] the tensor '{}' is undefined", key);
  auto [it, added] = tensor_index_.emplace(key, tensors_.size());
  if (added) {
    tensors_.emplace_back(key, tensor);
  } else {
    tensors_[it->second].second = tensor;
  }
}

void OutputArchive::write(const std::string& key, OutputArchive& nested_archive) {
  check_key(key, "OutputArchive::write");
  NABLA_CHECK(&nested_archive != this, "[OutputArchive::write] '{}': an archive cannot hold itself",
              key);
  const std::string prefix = key + ".";
  archives_.push_back(key);
  for (const auto& name : nested_archive.archives_) archives_.push_back(prefix + name);
  for (const auto& [name, t] : nested_archive.tensors_) write(prefix + name, t);
  for (const auto& [name, v] : nested_archive.values_) values_[prefix + name] = v;
}

Metadata OutputArchive::metadata() const {
  Metadata metadata;
  if (!values_.empty()) {
    json values = json::object();
    for (const auto& [name, v] : values_) values[name] = encode(v);
    metadata[kValuesKey] = values.dump();
  }
  if (!archives_.empty()) {
    const std::set<std::string> unique(archives_.begin(), archives_.end());
    metadata[kNestedKey] = json(std::vector<std::string>(unique.begin(), unique.end())).dump();
  }
  return metadata;
}

void OutputArchive::save_to(const std::string& filename) {
  save(tensors_, filename, metadata());  // atomic: a temporary file renamed over `filename`
}

void OutputArchive::save_to(std::ostream& stream) {
  const std::string bytes = save_to_string(tensors_, metadata());
  stream.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  stream.flush();
  NABLA_CHECK(stream.good(), "[OutputArchive::save_to] writing {} bytes to the stream failed",
              bytes.size());
}

void OutputArchive::save_to(const std::function<size_t(const void*, size_t)>& func) {
  NABLA_CHECK(func != nullptr, "[OutputArchive::save_to] the write function is empty");
  const std::string bytes = save_to_string(tensors_, metadata());
  const size_t written = func(bytes.data(), bytes.size());
  NABLA_CHECK(written == bytes.size(),
              "[OutputArchive::save_to] the write function took {} of {} bytes", written,
              bytes.size());
}

// ---- InputArchive --------------------------------------------------------------------------

struct InputArchive::Contents {
  NamedTensors tensors;                  // file order
  std::map<std::string, size_t> index;   // name -> position in tensors
  std::map<std::string, IValue> values;  // IValues that are not tensors
  std::set<std::string> archives;        // nested archives' dotted names
  std::string source;                    // the file name, or "<stream>", for messages
};

InputArchive::InputArchive() {
  auto contents = std::make_shared<Contents>();
  contents->source = "an empty InputArchive";
  contents_ = std::move(contents);
}

void InputArchive::load_from(const std::string& filename, std::optional<Device> device) {
  Metadata metadata;
  NamedTensors tensors = load_safetensors(filename, &metadata);
  set_contents(std::move(tensors), metadata, filename, device);
}

void InputArchive::load_from(std::istream& stream, std::optional<Device> device) {
  const std::string bytes{std::istreambuf_iterator<char>(stream), std::istreambuf_iterator<char>()};
  NABLA_CHECK(!stream.bad(), "[InputArchive::load_from] reading the stream failed");
  load_bytes(bytes, "<stream>", device);
}

void InputArchive::load_from(const char* data, size_t size, std::optional<Device> device) {
  NABLA_CHECK(data != nullptr || size == 0, "[InputArchive::load_from] data is null");
  load_bytes(std::string(data, size), "<memory>", device);
}

void InputArchive::load_bytes(const std::string& bytes, const std::string& source,
                              std::optional<Device> device) {
  Metadata metadata;
  NamedTensors tensors = load_from_string(bytes, &metadata, source);
  set_contents(std::move(tensors), metadata, source, device);
}

void InputArchive::set_contents(NamedTensors tensors, const Metadata& metadata,
                                const std::string& source, std::optional<Device> device) {
  auto contents = std::make_shared<Contents>();
  contents->source = source;
  for (auto& [name, t] : tensors) {
    contents->index.emplace(name, contents->tensors.size());
    contents->tensors.emplace_back(name, device ? t.to(*device) : t);
  }
  const json values = parse_metadata(metadata, kValuesKey, source, &json::is_object);
  if (values.is_object()) {
    for (const auto& [name, v] : values.items()) contents->values[name] = decode(v, name, source);
  }
  const json nested = parse_metadata(metadata, kNestedKey, source, &json::is_array);
  if (nested.is_array()) {
    for (const json& name : nested) {
      NABLA_CHECK(name.is_string(),
                  "[InputArchive::load_from] {}: a nested archive's name is {}, not a string",
                  source, name.dump());
      contents->archives.insert(name.get<std::string>());
    }
  }
  contents_ = std::move(contents);
  prefix_.clear();
}

const std::string& InputArchive::source() const noexcept { return contents_->source; }

bool InputArchive::try_read(const std::string& key, Tensor& tensor, bool /*is_buffer*/) {
  auto it = contents_->index.find(prefix_ + key);
  if (it == contents_->index.end()) return false;
  const Tensor& stored = contents_->tensors[it->second].second;
  if (!tensor.defined()) {
    tensor = stored;
    return true;
  }
  NABLA_CHECK(tensor.scalar_type() == stored.scalar_type(),
              "[InputArchive::read] '{}{}' in {} is a {} tensor but the destination tensor is {}; "
              "read into an undefined Tensor or convert with .to()",
              prefix_, key, source(), stored.scalar_type(), tensor.scalar_type());
  NoGradGuard no_grad;
  if (tensor.sizes() == stored.sizes() && tensor.device() == stored.device()) {
    tensor.copy_(stored);
  } else {
    nn::detail::set_data(tensor, stored.clone());
  }
  return true;
}

void InputArchive::read(const std::string& key, Tensor& tensor, bool is_buffer) {
  NABLA_CHECK(try_read(key, tensor, is_buffer), "[InputArchive::read] no tensor '{}{}' in {}{}",
              prefix_, key, source(), describe_keys());
}

bool InputArchive::try_read(const std::string& key, IValue& ivalue) {
  auto it = contents_->values.find(prefix_ + key);
  if (it != contents_->values.end()) {
    ivalue = it->second;
    return true;
  }
  Tensor t;
  if (!try_read(key, t)) return false;
  ivalue = IValue(t);
  return true;
}

void InputArchive::read(const std::string& key, IValue& ivalue) {
  NABLA_CHECK(try_read(key, ivalue), "[InputArchive::read] no value '{}{}' in {}{}", prefix_, key,
              source(), describe_keys());
}

bool InputArchive::has_archive(const std::string& full_key) const {
  const std::string prefix = full_key + ".";
  return contents_->archives.count(full_key) != 0 || has_prefix(contents_->index, prefix) ||
         has_prefix(contents_->values, prefix) || has_prefix(contents_->archives, prefix);
}

bool InputArchive::try_read(const std::string& key, InputArchive& archive) {
  if (!has_archive(prefix_ + key)) return false;
  archive.contents_ = contents_;
  archive.prefix_ = prefix_ + key + ".";
  return true;
}

void InputArchive::read(const std::string& key, InputArchive& archive) {
  NABLA_CHECK(try_read(key, archive), "[InputArchive::read] no nested archive '{}{}' in {}{}",
              prefix_, key, source(), describe_keys());
}

std::vector<std::string> InputArchive::keys() {
  std::vector<std::string> out;
  std::set<std::string> seen;
  auto add = [&](const std::string& name) {
    if (auto k = direct_key(name, prefix_); k && seen.insert(*k).second) out.push_back(*k);
  };
  for (const auto& [name, t] : contents_->tensors) add(name);
  for (const auto& [name, v] : contents_->values) add(name);
  for (const auto& name : contents_->archives) add(name);
  return out;
}

NamedTensors InputArchive::tensors() const {
  NamedTensors out;
  for (const auto& [name, t] : contents_->tensors) {
    if (name.size() > prefix_.size() && name.compare(0, prefix_.size(), prefix_) == 0) {
      out.emplace_back(name.substr(prefix_.size()), t);
    }
  }
  return out;
}

// " (it holds: a, b, sub)" for an error message: at most 10 of this archive's keys.
std::string InputArchive::describe_keys() const {
  std::vector<std::string> names = const_cast<InputArchive*>(this)->keys();
  if (names.empty()) return prefix_.empty() ? " (the archive is empty)" : "";
  const std::string where =
      prefix_.empty() ? "the archive" : "'" + prefix_.substr(0, prefix_.size() - 1) + "'";
  const size_t more = names.size() > 10 ? names.size() - 10 : 0;
  names.resize(names.size() - more);
  return fmt::format(" ({} holds: {}{})", where, fmt::join(names, ", "),
                     more ? fmt::format(", and {} more", more) : "");
}

}  // namespace serialize

// ---- modules and optimizers ----------------------------------------------------------------

namespace nn {

void Module::save(serialize::OutputArchive& archive) const {
  for (const auto& p : named_parameters(/*recurse=*/false)) archive.write(p.key(), p.value());
  for (const auto& b : named_buffers(/*recurse=*/false)) archive.write(b.key(), b.value(), true);
  for (const auto& child : children_) {
    if (!child.value()->is_serializable()) continue;
    serialize::OutputArchive child_archive;
    child.value()->save(child_archive);
    archive.write(child.key(), child_archive);
  }
}

namespace {
// Copies the archive's `key` into `target` (same handle), checking that it exists and that
// its shape matches; the dtype is converted to the module's, as load_state_dict does.
void load_into(serialize::InputArchive& archive, const std::string& key, Tensor& target,
               const char* what) {
  Tensor stored;
  NABLA_CHECK(archive.try_read(key, stored), "[Module::load] no {} '{}{}' in {}", what,
              archive.prefix(), key, archive.source());
  NABLA_CHECK(stored.sizes() == target.sizes(),
              "[Module::load] the {} '{}{}' in {} has shape {} but the module's has {}", what,
              archive.prefix(), key, archive.source(), stored.sizes(), target.sizes());
  NoGradGuard no_grad;
  target.copy_(stored);
}
}  // namespace

void Module::load(serialize::InputArchive& archive) {
  for (auto& p : named_parameters(/*recurse=*/false))
    load_into(archive, p.key(), p.value(), "parameter");
  for (auto& b : named_buffers(/*recurse=*/false)) load_into(archive, b.key(), b.value(), "buffer");
  for (const auto& child : children_) {
    if (!child.value()->is_serializable()) continue;
    serialize::InputArchive child_archive;
    if (!archive.try_read(child.key(), child_archive)) {
      // A file written by nabla::save(module, path) has no entry for a child without state
      // (ReLU); one with state is missing.
      const auto state = state_dict(*child.value());
      NABLA_CHECK(state.empty(),
                  "[Module::load] no tensor '{}{}.{}' in {} (the submodule '{}{}' "
                  "is missing)",
                  archive.prefix(), child.key(), state.front().first, archive.source(),
                  archive.prefix(), child.key());
      continue;
    }
    child.value()->load(child_archive);
  }
}

}  // namespace nn

namespace optim {

void Optimizer::save(serialize::OutputArchive& archive) const {
  for (const auto& [name, t] : state_dict()) archive.write(name, t);
}

void Optimizer::load(serialize::InputArchive& archive) {
  NamedTensors mine;
  for (auto& [name, t] : archive.tensors()) {
    if (name.rfind("state.", 0) == 0 || name.rfind("param_groups.", 0) == 0) {
      mine.emplace_back(name, std::move(t));
    }
  }
  NABLA_CHECK(!mine.empty(),
              "[Optimizer::load] {} holds no optimizer state (no 'state.*' or 'param_groups.*' "
              "tensors{})",
              archive.source(),
              archive.prefix().empty() ? "" : " under '" + archive.prefix() + "'");
  load_state_dict(mine);
}

}  // namespace optim

// ---- operators and streams -----------------------------------------------------------------

serialize::OutputArchive& operator<<(serialize::OutputArchive& archive, const Tensor& tensor) {
  archive.write("0", tensor);
  return archive;
}

serialize::InputArchive& operator>>(serialize::InputArchive& archive, Tensor& tensor) {
  if (archive.try_read("0", tensor)) return archive;
  const NamedTensors all = archive.tensors();
  NABLA_CHECK(all.size() == 1, "[load] {}: expected the tensor '0' or exactly one tensor, found {}",
              archive.source(), all.size());
  archive.read(all.front().first, tensor);
  return archive;
}

serialize::OutputArchive& operator<<(serialize::OutputArchive& archive,
                                     const std::shared_ptr<nn::Module>& module) {
  NABLA_CHECK(module != nullptr, "[save] the module is null");
  module->save(archive);
  return archive;
}

serialize::InputArchive& operator>>(serialize::InputArchive& archive,
                                    const std::shared_ptr<nn::Module>& module) {
  NABLA_CHECK(module != nullptr, "[load] the module is null");
  module->load(archive);
  return archive;
}

serialize::OutputArchive& operator<<(serialize::OutputArchive& archive,
                                     const optim::Optimizer& optimizer) {
  optimizer.save(archive);
  return archive;
}

serialize::InputArchive& operator>>(serialize::InputArchive& archive, optim::Optimizer& optimizer) {
  optimizer.load(archive);
  return archive;
}

void save(const Tensor& tensor, std::ostream& stream) {
  serialize::OutputArchive archive;
  archive << tensor;
  archive.save_to(stream);
}

void save(const std::vector<Tensor>& tensors, std::ostream& stream) {
  serialize::OutputArchive archive;
  for (size_t i = 0; i < tensors.size(); ++i) archive.write(std::to_string(i), tensors[i]);
  archive.save_to(stream);
}

void save(const nn::Module& module, std::ostream& stream) {
  serialize::OutputArchive archive;
  module.save(archive);
  archive.save_to(stream);
}

void save(const optim::Optimizer& optimizer, std::ostream& stream) {
  serialize::OutputArchive archive;
  optimizer.save(archive);
  archive.save_to(stream);
}

void load(Tensor& tensor, std::istream& stream) {
  serialize::InputArchive archive;
  archive.load_from(stream);
  archive >> tensor;
}

void load(std::vector<Tensor>& tensors, std::istream& stream) {
  serialize::InputArchive archive;
  archive.load_from(stream);
  std::vector<Tensor> out;
  for (Tensor t; archive.try_read(std::to_string(out.size()), t); t = Tensor()) out.push_back(t);
  NABLA_CHECK(out.size() == archive.tensors().size(),
              "[load] the stream holds {} tensors, of which only \"0\" to \"{}\" are numbered in "
              "order",
              archive.tensors().size(), static_cast<int64_t>(out.size()) - 1);
  tensors = std::move(out);
}

void load(nn::Module& module, std::istream& stream) {
  serialize::InputArchive archive;
  archive.load_from(stream);
  module.load(archive);
}

void load(optim::Optimizer& optimizer, std::istream& stream) {
  serialize::InputArchive archive;
  archive.load_from(stream);
  optimizer.load(archive);
}

}  // namespace nabla
