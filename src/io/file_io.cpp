// Reading and writing files safely (see file_io.h).
#include "io/file_io.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <system_error>

#include "core/check.h"

namespace nabla::io {

std::string errno_text(int err) { return std::system_category().message(err); }

Fd& Fd::operator=(Fd&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.release();
  }
  return *this;
}

Fd::~Fd() {
  if (fd_ >= 0) ::close(fd_);
}

namespace {

const char* file_kind(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

std::string dir_of(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string base_of(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Follows symlinks (at most 40 hops, as the kernel) so that a save replaces the link's target;
// a dangling link resolves to the path it names, which the save then creates.
std::string resolve_symlinks(const std::string& path, const char* op) {
  std::string p = path;
  for (int hop = 0; hop < 40; ++hop) {
    struct stat st {};
    if (::lstat(p.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return p;
    std::string link(PATH_MAX, '\0');
    const ssize_t n = ::readlink(p.c_str(), link.data(), link.size());
    NABLA_CHECK(n > 0, "[{}] {}: cannot read the symbolic link: {}", op, path, errno_text(errno));
    link.resize(static_cast<size_t>(n));
    if (link[0] != '/' && p.find('/') != std::string::npos) link = dir_of(p) + "/" + link;
    p = std::move(link);
  }
  NABLA_ERROR("[{}] {}: too many levels of symbolic links", op, path);
}

uint64_t fnv1a(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

// Temporary files of crashed saves ("<prefix><pid>.<random>.tmp" whose pid no longer runs).
void remove_stale_temps(const std::string& dir, const std::string& prefix) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return;
  while (const dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name.compare(0, prefix.size(), prefix) != 0) continue;
    char* end = nullptr;
    const long pid = std::strtol(name.c_str() + prefix.size(), &end, 10);
    if (pid <= 0 || end == nullptr || *end != '.') continue;
    if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;  // still running
    (void)::unlinkat(::dirfd(d), name.c_str(), 0);
  }
  ::closedir(d);
}

}  // namespace

Fd open_regular_for_read(const std::string& path, const char* op, uint64_t* size) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused just below.
  Fd fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  NABLA_CHECK(fd.get() >= 0, "[{}] {}: cannot open: {}", op, path, errno_text(errno));
  struct stat st {};
  NABLA_CHECK(::fstat(fd.get(), &st) == 0, "[{}] {}: cannot stat: {}", op, path, errno_text(errno));
  NABLA_CHECK(S_ISREG(st.st_mode), "[{}] {}: is {}, not a regular file", op, path,
              file_kind(st.st_mode));
  const int flags = ::fcntl(fd.get(), F_GETFL);
  if (flags >= 0) (void)::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK);
  if (size) *size = static_cast<uint64_t>(st.st_size);
  return fd;
}

void read_at(int fd, uint64_t offset, uint64_t n, char* dst, const std::string& path,
             const char* op) {
  const uint64_t start = offset;
  while (n > 0) {
    const ssize_t r =
        ::pread(fd, dst, std::min<uint64_t>(n, uint64_t{1} << 30), static_cast<off_t>(offset));
    if (r < 0 && errno == EINTR) continue;
    NABLA_CHECK(r >= 0, "[{}] {}: reading at offset {} failed: {}", op, path, offset,
                errno_text(errno));
    NABLA_CHECK(r > 0,
                "[{}] {}: the file ends at byte {}, inside the {} bytes expected at offset {} "
                "(was the file truncated?)",
                op, path, offset, n + (offset - start), start);
    dst += r;
    offset += static_cast<uint64_t>(r);
    n -= static_cast<uint64_t>(r);
  }
}

std::string temp_prefix(const std::string& target) {
  const std::string base = base_of(target);
  return fmt::format(".{}.{:016x}.", base.substr(0, 32), fnv1a(base));
}

AtomicFile::AtomicFile(const std::string& path, const char* op) : path_(path), op_(op) {
  NABLA_CHECK(!path.empty(), "[{}] the path is empty", op);
  target_ = resolve_symlinks(path, op);
  struct stat st {};
  const bool exists = ::stat(target_.c_str(), &st) == 0;
  NABLA_CHECK(exists || errno == ENOENT, "[{}] {}: cannot stat: {}", op, path, errno_text(errno));
  if (exists) {
    NABLA_CHECK(S_ISREG(st.st_mode),
                "[{}] {}: is {}; nabla saves only to regular files (or to a new path)", op, path,
                file_kind(st.st_mode));
    // No write bit at all is read-only even for root (who passes access()).
    NABLA_CHECK((st.st_mode & 0222) != 0 && ::access(target_.c_str(), W_OK) == 0,
                "[{}] {}: is read-only (mode {:04o}); not overwriting it", op, path,
                st.st_mode & 07777);
  }
  const std::string dir = dir_of(target_);
  const std::string prefix = temp_prefix(target_);
  remove_stale_temps(dir, prefix);
  std::random_device rd;
  int err = 0;
  for (int attempt = 0; attempt < 16 && fd_ < 0; ++attempt) {
    temp_ = fmt::format("{}/{}{}.{:08x}.tmp", dir, prefix, static_cast<long>(::getpid()), rd());
    // 0600 while incomplete; the final mode is set below.
    fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, exists ? 0600 : 0666);
    err = errno;
    if (fd_ < 0 && err != EEXIST) break;
  }
  NABLA_CHECK(fd_ >= 0, "[{}] {}: cannot create a temporary file in {}: {}", op, path, dir,
              errno_text(err));
  if (exists) {
    // Keep the destination's owner (best effort: only root may give files away) and mode.
    (void)!::fchown(fd_, st.st_uid, st.st_gid);
    if (::fchmod(fd_, st.st_mode & 07777) != 0) {
      err = errno;
      ::close(fd_);
      ::unlink(temp_.c_str());
      fd_ = -1;
      committed_ = true;  // nothing left for the destructor (which does not run anyway)
      NABLA_ERROR("[{}] {}: cannot set the permissions of the temporary file: {}", op, path,
                  errno_text(err));
    }
  }
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_) ::unlink(temp_.c_str());
}

void AtomicFile::write(const char* data, size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd_, data, std::min<size_t>(n, size_t{1} << 30));
    if (w < 0 && errno == EINTR) continue;
    NABLA_CHECK(w > 0, "[{}] {}: writing failed: {}", op_, path_, errno_text(errno));
    data += w;
    n -= static_cast<size_t>(w);
  }
}

void AtomicFile::commit() {
  NABLA_CHECK(::fsync(fd_) == 0, "[{}] {}: fsync failed: {}", op_, path_, errno_text(errno));
  const int fd = fd_;
  fd_ = -1;
  NABLA_CHECK(::close(fd) == 0, "[{}] {}: closing failed: {}", op_, path_, errno_text(errno));
  NABLA_CHECK(std::rename(temp_.c_str(), target_.c_str()) == 0,
              "[{}] {}: cannot rename the temporary file over it: {}", op_, path_,
              errno_text(errno));
  committed_ = true;
  // Makes the rename itself durable; best effort, as some file systems refuse it.
  const int dfd = ::open(dir_of(target_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    (void)::fsync(dfd);
    ::close(dfd);
  }
}

}  // namespace nabla::io
