// The text corpus of the character-level examples (char_lm.cpp, char_gpt.cpp): text files
// read and checked, the last 10% of every file held out, the rest cut into records (a fortune
// ends with a line "%") and shuffled with the seed; and the byte vocabulary.
#pragma once

#include <nabla/nabla.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace char_corpus {

namespace fs = std::filesystem;
using nabla::Tensor;

constexpr const char* kDefaultCorpus = "/usr/share/games/fortunes";

// ---- corpus ----------------------------------------------------------------------------

/// The text files under `path`, sorted: the file itself, or the plain files of a folder and
/// its subfolders. Skipped: fortune's index files (*.dat), its *.u8 links to the same text,
/// other symlinks (duplicates), hidden files, and `off/`, whose fortunes are rot13-encoded.
inline std::vector<fs::path> text_files(const fs::path& path) {
  if (!fs::exists(path)) throw nabla::Error("no such file or folder: '" + path.string() + "'");
  if (!fs::is_directory(path)) return {path};
  std::vector<fs::path> files;
  for (auto it = fs::recursive_directory_iterator(path); it != fs::recursive_directory_iterator();
       ++it) {
    const std::string name = it->path().filename().string();
    if (it->is_directory() && name == "off") it.disable_recursion_pending();
    const fs::path ext = it->path().extension();
    if (it->is_symlink() || !it->is_regular_file() || name[0] == '.' || ext == ".dat" ||
        ext == ".u8")
      continue;
    files.push_back(it->path());
  }
  if (files.empty()) throw nabla::Error("no text files in '" + path.string() + "'");
  std::sort(files.begin(), files.end());
  return files;
}

/// Control characters other than whitespace, backspace, bell and escape (which fortunes use
/// for underlining and beeps). Bytes >= 128 count as text: UTF-8 and Latin-1 letters.
inline bool is_binary_byte(unsigned char c) {
  static const std::string allowed = "\t\n\v\f\r\b\a\x1b";
  return (c < 0x20 && allowed.find(static_cast<char>(c)) == std::string::npos) || c == 0x7f;
}

/// The bytes of a text file; a missing, empty or binary file is an error, not training data.
inline std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw nabla::Error("cannot open '" + path.string() + "'");
  std::ostringstream bytes;
  bytes << in.rdbuf();
  std::string text = bytes.str();
  if (text.empty()) throw nabla::Error("'" + path.string() + "' is empty");
  if (text.find('\0') != std::string::npos)
    throw nabla::Error("'" + path.string() + "' is a binary file (it contains NUL bytes)");
  const auto odd = std::count_if(text.begin(), text.end(), [](char c) {
    return is_binary_byte(static_cast<unsigned char>(c));
  });
  if (odd * 10 > static_cast<std::ptrdiff_t>(text.size()))
    throw nabla::Error("'" + path.string() + "' does not look like text (" + std::to_string(odd) +
                       " of " + std::to_string(text.size()) + " bytes are control characters)");
  return text;
}

/// The text split into what is trained on and what is held out. The last 10% of every file is
/// held out, so that validation reads every kind of text in the corpus (the tail of the whole
/// corpus would be its last few files only). The training text is kept as records: fortune
/// files hold one quotation per record, each ended by a line "%"; other files are one record.
struct Corpus {
  std::vector<std::string> train_records;
  std::string held_out;
  size_t file_count = 0;
  int64_t train_size = 0;
  int64_t size() const { return train_size + static_cast<int64_t>(held_out.size()); }
};

/// `text` cut after every line "%", which ends a fortune.
inline void append_records(std::string_view text, std::vector<std::string>& records) {
  while (!text.empty()) {
    size_t end = text.find("\n%\n");
    end = end == std::string_view::npos ? text.size() : end + 3;
    records.emplace_back(text.substr(0, end));
    text.remove_prefix(end);
  }
}

inline Corpus read_corpus(const std::vector<std::string>& paths) {
  Corpus corpus;
  for (const auto& p : paths)
    for (const auto& file : text_files(p)) {
      const std::string text = read_text(file);
      const size_t n_train = text.size() - text.size() / 10;
      append_records(std::string_view(text).substr(0, n_train), corpus.train_records);
      corpus.held_out.append(text, n_train);
      corpus.train_size += static_cast<int64_t>(n_train);
      ++corpus.file_count;
    }
  return corpus;
}

/// The training records joined in a random order (from the seeded generator). The files come
/// sorted, that is by topic; in file order, each of the parallel training streams would read
/// one or two files for a thousand steps, and the batches would drift from topic to topic.
inline std::string shuffled_text(const std::vector<std::string>& records) {
  const Tensor order = nabla::randperm(static_cast<int64_t>(records.size()), nabla::kLong);
  const auto* index = order.data_ptr<int64_t>();
  std::string text;
  for (size_t i = 0; i < records.size(); ++i) text += records[static_cast<size_t>(index[i])];
  return text;
}

// ---- vocabulary ------------------------------------------------------------------------

/// The distinct bytes of the text, sorted; token i is chars[i].
class Vocab {
 public:
  explicit Vocab(const std::string& chars) : chars_(chars) {
    index_.fill(-1);
    for (size_t i = 0; i < chars_.size(); ++i) index_[static_cast<unsigned char>(chars_[i])] = i;
  }
  static Vocab of_text(const std::string& text) {
    std::array<bool, 256> seen{};
    for (char c : text) seen[static_cast<unsigned char>(c)] = true;
    std::string chars;
    for (int b = 0; b < 256; ++b)
      if (seen[b]) chars += static_cast<char>(b);
    return Vocab(chars);
  }
  int64_t size() const { return static_cast<int64_t>(chars_.size()); }
  const std::string& chars() const { return chars_; }
  bool contains(char c) const { return index_[static_cast<unsigned char>(c)] >= 0; }
  /// Int64 tokens [n]; every character must be in the vocabulary.
  Tensor encode(const std::string& text) const {
    std::vector<int64_t> ids(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
      ids[i] = index_[static_cast<unsigned char>(text[i])];
      if (ids[i] < 0)
        throw nabla::Error("character " + describe(text[i]) + " at position " + std::to_string(i) +
                           " is not in the vocabulary");
    }
    return nabla::tensor(ids, nabla::kLong);
  }
  char decode(int64_t token) const { return chars_.at(static_cast<size_t>(token)); }

 private:
  static std::string describe(char c) {
    const auto b = static_cast<unsigned char>(c);
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02x", b);
    return b >= 0x20 && b < 0x7f ? "'" + std::string(1, c) + "' (" + hex + ")" : hex;
  }
  std::string chars_;
  std::array<int64_t, 256> index_{};
};

}  // namespace char_corpus
