// The IDX format of MNIST-style files (http://yann.lecun.com/exdb/mnist/): a 4-byte magic
// number (0, 0, element type, number of dimensions), one big-endian 32-bit size per dimension,
// then the elements, big-endian.
#pragma once

#include <string>

#include "nabla/tensor.h"

namespace nabla {
namespace data {

/// Reads an IDX file, gzip-compressed or not (detected from the content). Element types:
/// 0x08 unsigned byte -> uint8, 0x0C int32 -> int32, 0x0D float32, 0x0E float64. MNIST images
/// (magic 0x00000803) give uint8 [N, rows, cols], labels (0x00000801) uint8 [N]. Raises
/// nabla::Error naming the path for a missing file, a bad magic number, a truncated file or
/// trailing bytes.
Tensor read_idx(const std::string& path);

}  // namespace data
}  // namespace nabla
