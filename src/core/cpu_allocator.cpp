// The CPU's allocator: 64-byte aligned blocks (a cache line, and what AVX-512 loads like), recycled
// by a caching allocator (per-thread free lists for small blocks, a shared one for large). A
// training step frees and allocates the same sizes every iteration; handing the blocks back instead
// of returning them to the OS avoids a page fault per touched page of every fresh buffer.
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "core/allocator.h"
#include "core/block_pool.h"
#include "core/check.h"
#include "nabla/memory.h"

namespace nabla {
namespace cpu_memory {
namespace {

constexpr size_t kAlign = 64;
// Blocks smaller than this come straight from malloc's own fast bins; larger ones are cached.
constexpr size_t kMinCached = 4096;

// "1073741824", "512M", "2G", "64k" -> bytes; nullopt when it is not such a number.
std::optional<size_t> parse_bytes(const char* text) {
  char* end = nullptr;
  errno = 0;
  const unsigned long long n = std::strtoull(text, &end, 10);
  if (end == text || errno != 0 || text[0] == '-') return std::nullopt;
  int shift = 0;
  switch (*end) {
    case '\0':
      break;
    case 'k':
    case 'K':
      shift = 10;
      ++end;
      break;
    case 'm':
    case 'M':
      shift = 20;
      ++end;
      break;
    case 'g':
    case 'G':
      shift = 30;
      ++end;
      break;
    default:
      return std::nullopt;
  }
  if (*end != '\0' || n > (std::numeric_limits<size_t>::max() >> shift)) return std::nullopt;
  return static_cast<size_t>(n) << shift;
}

// The smaller of 1 GiB and a quarter of the RAM, unless NABLA_CPU_CACHE_LIMIT says otherwise.
size_t default_cache_limit() {
  if (const char* env = std::getenv("NABLA_CPU_CACHE_LIMIT")) {
    if (auto bytes = parse_bytes(env)) return *bytes;
    std::fprintf(stderr, "nabla: NABLA_CPU_CACHE_LIMIT=%s is not a byte count; using the default\n",
                 env);
  }
  size_t limit = size_t{1} << 30;
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  if (pages > 0 && page > 0)
    limit = std::min(limit, static_cast<size_t>(pages) / 4 * static_cast<size_t>(page));
  return limit;
}

// Transparent huge pages for large blocks. The kernel maps fresh memory one page at a time, on
// first touch; on a virtual machine each fault is expensive (an AMD EPYC VM: 11 us per 4 KiB
// page, so 125 ms to first write a 47 MB dataset, against 4 ms in 2 MiB pages). Debian's default
// THP mode is "madvise": pages are huge only where the program asks. A block of at least
// kHugeMin is a mapping of its own, starting on a 2 MiB boundary, that asks for huge pages over
// the whole 2 MiB pages it spans; its tail stays in small pages, so a block never costs more
// memory than it holds. (Through malloc, such a block could land in heap memory an earlier
// block had asked huge pages for, tail included.)
constexpr size_t kHugePage = size_t{2} << 20;
// Under AddressSanitizer every block stays with malloc, whose redzones catch a kernel reading
// or writing past a large tensor's end (a mapping of our own has none).
constexpr size_t kHugeMin =
    detail::kAddressSanitizer ? std::numeric_limits<size_t>::max() : 2 * kHugePage;

size_t page_size() {
  static const size_t size = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  return size;
}
size_t mapped_bytes(size_t rounded) {
  return (rounded + page_size() - 1) / page_size() * page_size();
}

// A block of `rounded` bytes (a multiple of kAlign); null when out of memory.
void* fresh_block(size_t rounded) {
  if (rounded < kHugeMin) return std::aligned_alloc(kAlign, rounded);
  const size_t bytes = mapped_bytes(rounded);
  void* raw =
      mmap(nullptr, bytes + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return nullptr;
  // Keep the 2 MiB-aligned part; unmap what lies before and after it.
  auto* base = static_cast<char*>(raw);
  const size_t head = (kHugePage - reinterpret_cast<uintptr_t>(base) % kHugePage) % kHugePage;
  if (head > 0) munmap(base, head);
  munmap(base + head + bytes, kHugePage - head);
  char* block = base + head;
#ifdef MADV_HUGEPAGE
  madvise(block, rounded / kHugePage * kHugePage, MADV_HUGEPAGE);  // a hint: failure is harmless
#endif
  return block;
}

// Gives back a block from fresh_block(rounded).
void release_block(void* p, size_t rounded) {
  if (rounded < kHugeMin) {
    std::free(p);
  } else {
    munmap(p, mapped_bytes(rounded));
  }
}

// Large blocks: free lists per exact rounded size, shared by all threads, holding at most
// limit_ bytes; a block over a quarter of the limit is not kept at all. A block comes back with
// its size (the Allocator interface passes it), so blocks in use are not tracked: a map of
// them cost a node allocation and a free per tensor (30-40 ns of a 64^3 product's 2.6 us).
class BlockCache {
 public:
  void* get(size_t rounded) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = free_.find(rounded);
      if (it != free_.end() && !it->second.empty()) {
        void* p = it->second.back();
        it->second.pop_back();
        cached_bytes_ -= rounded;
        return p;
      }
    }
    void* p = fresh_block(rounded);
    if (p == nullptr) {
      release_all();  // give the cache back and try once more
      p = fresh_block(rounded);
    }
    NABLA_CHECK(p != nullptr, "[allocate] out of memory allocating {} bytes on the CPU", rounded);
    return p;
  }

  // `p` from get(size), no longer used.
  void put(void* p, size_t size) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (size > limit_ / 4 || cached_bytes_ + size > limit_) {
      lock.unlock();
      release_block(p, size);
      return;
    }
    free_[size].push_back(p);
    cached_bytes_ += size;
  }

  void release_all() { set_limit_and_trim(std::nullopt, 0); }

  void set_limit(size_t bytes) { set_limit_and_trim(bytes, bytes); }
  size_t limit() {
    std::lock_guard<std::mutex> lock(mutex_);
    return limit_;
  }
  size_t cached_bytes() {
    std::lock_guard<std::mutex> lock(mutex_);
    return cached_bytes_;
  }

  ~BlockCache() { release_all(); }

 private:
  // Sets the limit (if given), then frees cached blocks, largest first, until at most `keep`
  // bytes stay cached. The blocks are freed outside the lock.
  void set_limit_and_trim(std::optional<size_t> limit, size_t keep) {
    std::vector<std::pair<void*, size_t>> doomed;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (limit) limit_ = *limit;
      for (auto it = free_.rbegin(); it != free_.rend() && cached_bytes_ > keep; ++it) {
        while (!it->second.empty() && cached_bytes_ > keep) {
          doomed.emplace_back(it->second.back(), it->first);
          it->second.pop_back();
          cached_bytes_ -= it->first;
        }
      }
    }
    for (const auto& [p, size] : doomed) release_block(p, size);
  }

  std::mutex mutex_;
  std::map<size_t, std::vector<void*>> free_;  // exact rounded size -> free blocks
  size_t cached_bytes_ = 0;
  size_t limit_ = default_cache_limit();
};

// Small blocks: a free list per 64-byte size class and per thread, so the tensors of a
// per-op-overhead-bound loop cost no malloc, no lock and no memalign bookkeeping. A block freed
// on another thread than the one that allocated it simply joins that thread's list; lists are
// capped so that a producer/consumer pair of threads cannot grow one without bound.
class SmallCache {
 public:
  static constexpr size_t kClasses = kMinCached / kAlign;
  static constexpr size_t kMaxPerClass = 64;

  void* get(size_t rounded) {
    std::vector<void*>& list = free_[rounded / kAlign];
    if (list.empty()) return nullptr;
    void* p = list.back();
    list.pop_back();
    return p;
  }
  bool put(void* p, size_t rounded) {
    std::vector<void*>& list = free_[rounded / kAlign];
    if (list.size() >= kMaxPerClass) return false;
    list.push_back(p);
    return true;
  }
  // Frees every block this thread keeps.
  void clear() {
    for (auto& list : free_) {
      for (void* p : list) std::free(p);
      list.clear();
    }
  }
  ~SmallCache();

 private:
  std::vector<void*> free_[kClasses];
};

// Set once this thread's cache is destroyed (thread exit; for the main thread, before static
// tensors are freed): later blocks bypass it. A trivial type, so it outlives the cache.
thread_local bool t_small_cache_gone = false;

SmallCache::~SmallCache() {
  t_small_cache_gone = true;
  clear();
}

// Null once this thread's cache is gone.
SmallCache* small_cache() {
  if (t_small_cache_gone) return nullptr;
  thread_local SmallCache c;
  return &c;
}

BlockCache& cache() {
  // Never destroyed: tensors in static objects may be freed after main returns.
  static BlockCache* c = new BlockCache();
  return *c;
}

size_t round_up(size_t nbytes) {
  const size_t r = (nbytes + kAlign - 1) / kAlign * kAlign;
  return r == 0 ? kAlign : r;
}

// No x86-64 or aarch64 process can map more than 2^48 bytes; a larger request (a hostile shape
// whose byte count still fits in int64) is refused here, before the C library (or a
// sanitizer's allocator, which aborts instead of returning null) sees it.
constexpr size_t kMaxAllocation = size_t{1} << 48;

class CpuAllocator final : public Allocator {
 public:
  void* allocate(size_t nbytes) override {
    NABLA_CHECK(nbytes <= kMaxAllocation,
                "[allocate] {} bytes requested on the CPU: more than any machine's address "
                "space (2^48 bytes)",
                nbytes);
    const size_t rounded = round_up(nbytes);
    if (rounded < kMinCached) {
      SmallCache* sc = small_cache();
      if (void* cached = sc ? sc->get(rounded) : nullptr) return cached;
      void* p = std::aligned_alloc(kAlign, rounded);
      NABLA_CHECK(p != nullptr, "[allocate] out of memory allocating {} bytes on the CPU", nbytes);
      return p;
    }
    return cache().get(rounded);
  }

  void deallocate(void* ptr, size_t nbytes) override {
    if (ptr == nullptr) return;
    const size_t rounded = round_up(nbytes);
    if (rounded < kMinCached) {
      SmallCache* sc = small_cache();
      if (!sc || !sc->put(ptr, rounded)) std::free(ptr);
      return;
    }
    cache().put(ptr, rounded);
  }

  bool host_accessible() const override { return true; }
};

}  // namespace
}  // namespace cpu_memory

Allocator& detail::cpu_allocator() {
  // Never destroyed, as the caches: tensors in static objects may be freed after main returns.
  static cpu_memory::CpuAllocator* allocator = new cpu_memory::CpuAllocator();
  return *allocator;
}

void empty_cache() {
  cpu_memory::cache().release_all();
  if (cpu_memory::SmallCache* sc = cpu_memory::small_cache()) sc->clear();
#ifdef __GLIBC__
  // Freed blocks below malloc's mmap threshold sit in its heap; hand those pages back too.
  malloc_trim(0);
#endif
}

size_t cached_bytes() { return cpu_memory::cache().cached_bytes(); }
void set_cache_limit(size_t bytes) { cpu_memory::cache().set_limit(bytes); }
size_t cache_limit() { return cpu_memory::cache().limit(); }

}  // namespace nabla
