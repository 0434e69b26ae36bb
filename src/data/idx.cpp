// IDX reader. The file is plain or one gzip stream (detected from its first two bytes), inflated
// with zlib's inflate() rather than gzread(): gzread accepts a stream without its CRC/length
// trailer and ignores trailing garbage, both of which are refused here. Reading stops at the
// size the header declares (capped), so a gzip bomb cannot expand further than that.
#include "nabla/data/idx.h"

#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <vector>

#include "core/check.h"
#include "core/checked.h"
#include "data/idx_reader.h"
#include "io/file_io.h"
#include "nabla/ops.h"

namespace nabla::data {

namespace {

// The most element bytes an IDX file may declare (64 GiB; MNIST's images are 47 MB).
constexpr uint64_t kMaxIdxBytes = uint64_t{1} << 36;

// A stream of bytes: read() returns how many it wrote to dst, 0 only at the end.
class Input {
 public:
  virtual ~Input() = default;
  virtual size_t read(unsigned char* dst, size_t n) = 0;
  // The most bytes read() can still return: a header's declared size beyond it is refused
  // before anything of that size is allocated.
  virtual uint64_t most_bytes_left() const = 0;
};

class FdInput : public Input {
 public:
  FdInput(io::Fd fd, uint64_t file_bytes, const std::string& path)
      : fd_(std::move(fd)), left_(file_bytes), path_(path) {}
  size_t read(unsigned char* dst, size_t n) override {
    for (;;) {
      const ssize_t r = ::read(fd_.get(), dst, std::min<size_t>(n, size_t{1} << 30));
      if (r < 0 && errno == EINTR) continue;
      NABLA_CHECK(r >= 0, "[read_idx] cannot read '{}': {}", path_, io::errno_text(errno));
      left_ -= std::min<uint64_t>(left_, static_cast<uint64_t>(r));
      return static_cast<size_t>(r);
    }
  }
  uint64_t most_bytes_left() const override { return left_; }

 private:
  io::Fd fd_;
  uint64_t left_;  // the file's size at open, less what was read
  std::string path_;
};

class MemoryInput : public Input {
 public:
  explicit MemoryInput(std::string_view bytes) : bytes_(bytes) {}
  size_t read(unsigned char* dst, size_t n) override {
    n = std::min(n, bytes_.size() - pos_);
    std::memcpy(dst, bytes_.data() + pos_, n);
    pos_ += n;
    return n;
  }
  uint64_t most_bytes_left() const override { return bytes_.size() - pos_; }

 private:
  std::string_view bytes_;
  size_t pos_ = 0;
};

// Gives back `head` (bytes already read to sniff the format), then the rest of `raw`.
class PrefixedInput : public Input {
 public:
  PrefixedInput(std::string head, Input& raw) : head_(std::move(head)), raw_(raw) {}
  size_t read(unsigned char* dst, size_t n) override {
    if (pos_ < head_.size()) {
      n = std::min(n, head_.size() - pos_);
      std::memcpy(dst, head_.data() + pos_, n);
      pos_ += n;
      return n;
    }
    return raw_.read(dst, n);
  }
  uint64_t most_bytes_left() const override { return head_.size() - pos_ + raw_.most_bytes_left(); }

 private:
  std::string head_;
  size_t pos_ = 0;
  Input& raw_;
};

// One gzip stream, trailer (CRC-32 and length) checked by inflate, nothing allowed after it.
class GzipInput : public Input {
 public:
  GzipInput(Input& raw, const std::string& path) : raw_(raw), path_(path) {
    NABLA_CHECK(inflateInit2(&zs_, 16 + MAX_WBITS) == Z_OK, "[read_idx] '{}': zlib: out of memory",
                path);
  }
  ~GzipInput() override { inflateEnd(&zs_); }
  GzipInput(const GzipInput&) = delete;
  GzipInput& operator=(const GzipInput&) = delete;

  size_t read(unsigned char* dst, size_t n) override {
    if (ended_ || n == 0) return 0;
    zs_.next_out = dst;
    zs_.avail_out = static_cast<uInt>(std::min<size_t>(n, size_t{1} << 30));
    const uInt want = zs_.avail_out;
    while (zs_.avail_out == want) {  // until something comes out
      if (zs_.avail_in == 0) {
        zs_.avail_in = static_cast<uInt>(raw_.read(buf_, sizeof buf_));
        zs_.next_in = buf_;
        NABLA_CHECK(zs_.avail_in > 0,
                    "[read_idx] '{}' is truncated: the gzip stream ends before its end marker "
                    "and checksum",
                    path_);
      }
      const int r = inflate(&zs_, Z_NO_FLUSH);
      if (r == Z_STREAM_END) {
        ended_ = true;
        unsigned char extra = 0;
        NABLA_CHECK(zs_.avail_in == 0 && raw_.read(&extra, 1) == 0,
                    "[read_idx] '{}' has data after the end of its gzip stream", path_);
        break;
      }
      NABLA_CHECK(r == Z_OK || (r == Z_BUF_ERROR && zs_.avail_in == 0),
                  "[read_idx] cannot read '{}': {} (corrupt gzip data)", path_,
                  zs_.msg ? zs_.msg : "inflate failed");
    }
    return want - zs_.avail_out;
  }
  // Deflate expands its input at most 1032 times (RFC 1951's longest match per bit), so an
  // honest stream cannot inflate beyond that.
  uint64_t most_bytes_left() const override {
    if (ended_) return 0;
    uint64_t most = 0;
    const uint64_t in = raw_.most_bytes_left() + zs_.avail_in;
    return __builtin_mul_overflow(in, uint64_t{1032}, &most) ? UINT64_MAX : most + 64 * 1024;
  }

 private:
  Input& raw_;
  std::string path_;
  z_stream zs_{};
  unsigned char buf_[1 << 16];
  bool ended_ = false;
};

// Reads up to n bytes (fewer only at the end of the input), appending to out; the vector grows
// with the data that really arrives, not with what a header declares: chunks start at 64 KiB and
// double (an 18-byte file declaring 4 GB cost 80 MB of zero-filled buffer with fixed 16 MB
// chunks and a 64 MB reserve).
size_t read_some(Input& in, std::vector<unsigned char>& out, size_t n) {
  size_t got = 0;
  while (got < n) {
    const size_t grow = std::clamp<size_t>(out.size(), size_t{1} << 16, size_t{1} << 24);
    const size_t chunk = std::min<size_t>(n - got, grow);
    const size_t old = out.size();
    out.resize(old + chunk);
    const size_t r = in.read(out.data() + old, chunk);
    out.resize(old + r);
    got += r;
    if (r == 0) break;
  }
  return got;
}

std::vector<unsigned char> read_exact(Input& in, size_t n, const char* what,
                                      const std::string& path) {
  std::vector<unsigned char> out;
  out.reserve(std::min<size_t>(n, size_t{1} << 16));
  const size_t got = read_some(in, out, n);
  NABLA_CHECK(got == n, "[read_idx] '{}' is truncated: the {} need {} bytes but only {} remain",
              path, what, n, got);
  return out;
}

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
void to_native_order(unsigned char* bytes, size_t nbytes, size_t element_size) {
  if (element_size == 1 || std::endian::native == std::endian::big) return;
  for (size_t i = 0; i + element_size <= nbytes; i += element_size)
    std::reverse(bytes + i, bytes + i + element_size);
}

Tensor read_idx_stream(Input& in, const std::string& path) {
  const std::vector<unsigned char> magic = read_exact(in, 4, "magic number", path);
  const uint32_t magic_value = big_endian_u32(magic.data());
  const unsigned ndim = magic[3];
  NABLA_CHECK(magic[0] == 0 && magic[1] == 0 && ndim >= 1,
              "[read_idx] '{}' is not an IDX file: bad magic number 0x{:08x} (MNIST images have "
              "0x00000803, labels 0x00000801)",
              path, magic_value);
  const ScalarType dtype = idx_dtype(magic[2], path);

  const std::vector<unsigned char> dims_bytes = read_exact(in, 4 * ndim, "dimension sizes", path);
  std::vector<int64_t> sizes(ndim);
  const size_t element_size = elementSize(dtype);
  // Product of max(size, 1): a zero dim must not excuse huge others (their strides overflow).
  uint64_t extent = element_size;
  for (unsigned d = 0; d < ndim; ++d) {
    sizes[d] = big_endian_u32(dims_bytes.data() + 4 * d);
    const uint64_t s = std::max<uint64_t>(static_cast<uint64_t>(sizes[d]), 1);
    NABLA_CHECK(!__builtin_mul_overflow(extent, s, &extent) && extent <= kMaxIdxBytes,
                "[read_idx] '{}' declares an impossible size {} (more than {} bytes)", path,
                IntArrayRef(sizes), kMaxIdxBytes);
  }
  const auto nbytes = static_cast<size_t>(nabla::detail::checked_nbytes(
      nabla::detail::checked_numel(sizes, "read_idx"), element_size, "read_idx"));

  // The elements go straight into the tensor (no staging copy: MNIST's images are 47 MB), once
  // the input is known to be able to hold what the header declares.
  NABLA_CHECK(nbytes <= in.most_bytes_left(),
              "[read_idx] '{}' is truncated: the elements of shape {} need {} bytes but the file "
              "holds at most {}",
              path, IntArrayRef(sizes), nbytes, in.most_bytes_left());
  Tensor out = nabla::empty(sizes, TensorOptions(dtype));
  auto* data = static_cast<unsigned char*>(out.data_ptr());
  size_t got = 0;
  while (got < nbytes) {
    const size_t r = in.read(data + got, nbytes - got);
    if (r == 0) break;
    got += r;
  }
  NABLA_CHECK(got == nbytes,
              "[read_idx] '{}' is truncated: the elements need {} bytes but only {} remain", path,
              nbytes, got);
  std::vector<unsigned char> extra;
  NABLA_CHECK(read_some(in, extra, 1) == 0,
              "[read_idx] '{}' has data after the {} bytes of its {} elements of shape {}", path,
              nbytes, toString(dtype), IntArrayRef(sizes));
  to_native_order(data, nbytes, element_size);
  return out;
}

// Sniffs the gzip magic (1f 8b) and reads the plain or inflated stream.
Tensor read_idx_input(Input& raw, const std::string& path) {
  std::vector<unsigned char> head;
  read_some(raw, head, 2);
  PrefixedInput in(std::string(head.begin(), head.end()), raw);
  if (head.size() == 2 && head[0] == 0x1f && head[1] == 0x8b) {
    GzipInput gz(in, path);
    return read_idx_stream(gz, path);
  }
  return read_idx_stream(in, path);
}

}  // namespace

Tensor read_idx(const std::string& path) {
  uint64_t file_bytes = 0;
  io::Fd fd = io::open_regular_for_read(path, "read_idx", &file_bytes);
  FdInput raw(std::move(fd), file_bytes, path);
  return read_idx_input(raw, path);
}

namespace detail {
Tensor read_idx_from_memory(std::string_view bytes, const std::string& name) {
  MemoryInput raw(bytes);
  return read_idx_input(raw, name);
}
}  // namespace detail

}  // namespace nabla::data
