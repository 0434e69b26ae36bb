// IDX reader. zlib's gzread reads gzip streams and passes plain files through unchanged, so
// one code path serves both .gz and uncompressed files.
#include "nabla/data/idx.h"

#include <zlib.h>

#include <bit>
#include <cerrno>
#include <climits>
#include <cstring>
#include <vector>

#include "core/check.h"
#include "nabla/ops.h"

namespace nabla::data {

namespace {

class GzReader {
 public:
  explicit GzReader(const std::string& path) : path_(path) {
    errno = 0;
    file_ = gzopen(path.c_str(), "rb");
    NABLA_CHECK(file_ != nullptr, "[read_idx] cannot open '{}': {}", path,
                errno != 0 ? std::strerror(errno) : "out of memory");
  }
  ~GzReader() { gzclose(file_); }
  GzReader(const GzReader&) = delete;
  GzReader& operator=(const GzReader&) = delete;

  // Reads up to n bytes into out (appending); returns how many it got before the end.
  size_t read_some(std::vector<unsigned char>& out, size_t n) {
    size_t got = 0;
    while (got < n) {
      const auto chunk = static_cast<unsigned>(std::min<size_t>(n - got, size_t{1} << 24));
      const size_t old = out.size();
      out.resize(old + chunk);
      const int r = gzread(file_, out.data() + old, chunk);
      if (r < 0) {
        int code = 0;
        std::string msg = gzerror(file_, &code);
        NABLA_CHECK(code != Z_ERRNO, "[read_idx] cannot read '{}': {}", path_,
                    std::strerror(errno));
        // zlib prefixes its message with the path, which ours already names.
        if (msg.rfind(path_ + ": ", 0) == 0) msg.erase(0, path_.size() + 2);
        NABLA_ERROR("[read_idx] cannot read '{}': {} (corrupt or truncated gzip data)", path_, msg);
      }
      out.resize(old + static_cast<size_t>(r));
      got += static_cast<size_t>(r);
      if (r == 0) break;
    }
    return got;
  }

  // Reads exactly n bytes; `what` names them in the error for a short file.
  std::vector<unsigned char> read_exact(size_t n, const char* what) {
    std::vector<unsigned char> out;
    out.reserve(std::min<size_t>(n, size_t{1} << 26));  // grows with real data, not the header
    const size_t got = read_some(out, n);
    NABLA_CHECK(got == n, "[read_idx] '{}' is truncated: the {} need {} bytes but only {} remain",
                path_, what, n, got);
    return out;
  }

 private:
  std::string path_;
  gzFile file_ = nullptr;
};

uint32_t big_endian_u32(const unsigned char* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

ScalarType idx_dtype(unsigned code, const std::string& path) {
  switch (code) {
    case 0x08:
      return kByte;
    case 0x0C:
      return kInt;
    case 0x0D:
      return kFloat;
    case 0x0E:
      return kDouble;
    default:
      NABLA_ERROR(
          "[read_idx] '{}' has IDX element type 0x{:02x}, which nabla does not read "
          "(supported: 0x08 uint8, 0x0C int32, 0x0D float32, 0x0E float64)",
          path, code);
  }
}

// IDX stores elements big-endian; nabla tensors hold them in the machine's order.
void to_native_order(std::vector<unsigned char>& bytes, size_t element_size) {
  if (element_size == 1 || std::endian::native == std::endian::big) return;
  for (size_t i = 0; i + element_size <= bytes.size(); i += element_size)
    std::reverse(bytes.begin() + static_cast<std::ptrdiff_t>(i),
                 bytes.begin() + static_cast<std::ptrdiff_t>(i + element_size));
}

}  // namespace

Tensor read_idx(const std::string& path) {
  GzReader in(path);
  const std::vector<unsigned char> magic = in.read_exact(4, "magic number");
  const uint32_t magic_value = big_endian_u32(magic.data());
  const unsigned ndim = magic[3];
  NABLA_CHECK(magic[0] == 0 && magic[1] == 0 && ndim >= 1,
              "[read_idx] '{}' is not an IDX file: bad magic number 0x{:08x} (MNIST images have "
              "0x00000803, labels 0x00000801)",
              path, magic_value);
  const ScalarType dtype = idx_dtype(magic[2], path);

  const std::vector<unsigned char> dims_bytes = in.read_exact(4 * ndim, "dimension sizes");
  std::vector<int64_t> sizes(ndim);
  const size_t element_size = elementSize(dtype);
  size_t nbytes = element_size;
  for (unsigned d = 0; d < ndim; ++d) {
    sizes[d] = big_endian_u32(dims_bytes.data() + 4 * d);
    const auto s = static_cast<size_t>(sizes[d]);
    NABLA_CHECK(s == 0 || nbytes <= (size_t{1} << 48) / s,
                "[read_idx] '{}' declares an impossible size {}", path, IntArrayRef(sizes));
    nbytes *= s;
  }

  std::vector<unsigned char> bytes = in.read_exact(nbytes, "elements");
  std::vector<unsigned char> extra;
  NABLA_CHECK(in.read_some(extra, 1) == 0,
              "[read_idx] '{}' has data after the {} bytes of its {} elements of shape {}", path,
              nbytes, toString(dtype), IntArrayRef(sizes));
  to_native_order(bytes, element_size);
  Tensor out = nabla::empty(sizes, TensorOptions(dtype));
  if (nbytes > 0) std::memcpy(out.data_ptr(), bytes.data(), nbytes);
  return out;
}

}  // namespace nabla::data
