// nabla::version(): the version the library was built as (nabla/version.h).
#include "nabla/version.h"

namespace nabla {
const char* version() { return NABLA_VERSION_STRING; }
}  // namespace nabla
