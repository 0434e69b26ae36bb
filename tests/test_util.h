// Helpers shared by the test programs (one copy, instead of one per test file).
#pragma once

#include <string>

#include "nabla/core.h"

namespace nabla::test_util {

/// The message of the nabla::Error that `f` raises, or "(no error)" when it raises none.
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

/// Whether `text` contains `part`.
inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace nabla::test_util
