// Files that nabla reads and writes: reads refuse anything but a regular file before reading a
// byte (a FIFO would block forever, a directory reads as an error deep inside a loader); writes go
// to a temporary file renamed over the target, which must itself be a regular file (renaming
// over /dev/full as root replaces the device node) or not exist yet.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

namespace nabla::io {

/// strerror(err), thread-safe.
std::string errno_text(int err);

/// An owned file descriptor (closed on destruction).
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(o.release()) {}
  Fd& operator=(Fd&& o) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd();
  int get() const { return fd_; }
  int release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_ = -1;
};

/// Opens `path` for reading, or raises "[op] path: is a directory" (or a FIFO, device, socket;
/// or the open error) without blocking. `size` receives the file's size.
Fd open_regular_for_read(const std::string& path, const char* op, uint64_t* size = nullptr);

/// Reads exactly n bytes at `offset`; raises "[op] path: ..." on error or end of file.
void read_at(int fd, uint64_t offset, uint64_t n, char* dst, const std::string& path,
             const char* op);

/// Writes `path` atomically: bytes go to a temporary file in the target's folder, which commit()
/// flushes and renames over the target. A symlink is followed (its target is replaced, not the
/// link); an existing target must be a regular, writable file and keeps its permission bits.
/// Until commit() succeeds, the destructor removes the temporary file, and constructing one
/// removes temporaries that earlier crashed saves of the same path left behind.
class AtomicFile {
 public:
  AtomicFile(const std::string& path, const char* op);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(const char* data, size_t n);
  void commit();
  /// The temporary file's path (for tests).
  const std::string& temp_path() const { return temp_; }

 private:
  std::string path_;    // as given, for messages
  std::string target_;  // after following symlinks
  std::string temp_;
  const char* op_;
  int fd_ = -1;
  bool committed_ = false;
};

/// The prefix of every temporary file AtomicFile makes for `target` (a resolved path): short, so
/// that a 250-character file name still leaves room for it within NAME_MAX.
std::string temp_prefix(const std::string& target);

}  // namespace nabla::io
