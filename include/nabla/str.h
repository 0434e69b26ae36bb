// nabla::str: concatenates anything printable with operator<< into a string, as LibTorch's
// torch::str / c10::str (used to build error messages).
//   nabla::str("shape ", t.sizes(), " at step ", 3)  ->  "shape [2, 3] at step 3"
#pragma once

#include <sstream>
#include <string>

namespace nabla {

template <class... Args>
std::string str(const Args&... args) {
  std::ostringstream os;
  (void)os;  // no arguments: an empty string
  ((os << args), ...);
  return os.str();
}
inline std::string str(const std::string& s) { return s; }
inline std::string str(const char* s) { return s; }

}  // namespace nabla
