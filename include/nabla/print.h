// Printing options for operator<<(std::ostream&, const Tensor&), as torch.set_printoptions.
#pragma once

#include <cstdint>

namespace nabla {

struct PrintOptions {
  /// Digits after the decimal point for floating values.
  int precision = 4;
  /// Tensors with more elements than this are summarized with "...".
  int64_t threshold = 1000;
  /// Items shown at each end of a summarized dimension.
  int64_t edgeitems = 3;
  /// Characters per line before wrapping.
  int64_t linewidth = 80;
  /// Force scientific notation for floats (otherwise chosen from the values).
  bool sci_mode = false;
};

void set_printoptions(const PrintOptions& options);
PrintOptions get_printoptions();

}  // namespace nabla
