// Per-thread free lists for the small blocks every tensor is made of. std::allocate_shared puts a
// TensorImpl (or a Storage) and its reference counts in one block, and nearly every op makes one
// of each and frees the pair of its inputs' temporaries: through malloc and free that was a fifth
// of the time of empty({4, 4}). A block freed here waits on the freeing thread's list for that
// thread's next tensor; lists are capped, so a producer thread whose tensors another thread frees
// cannot grow one without bound, and emptied when their thread exits.
#pragma once

#include <cstddef>
#include <memory>
#include <new>

namespace nabla::detail {

// Under AddressSanitizer memory goes straight back to the heap, so that a use after free is
// still caught (a block waiting on a list looks alive to it).
#if defined(__SANITIZE_ADDRESS__)  // GCC
inline constexpr bool kAddressSanitizer = true;
#elif defined(__has_feature)  // clang
inline constexpr bool kAddressSanitizer = __has_feature(address_sanitizer);
#else
inline constexpr bool kAddressSanitizer = false;
#endif

// This thread's free blocks of `Bytes` bytes. Trivially destructible, so reading it is a plain
// thread-relative load; a separate object (BlockReaper) empties it when the thread exits.
template <size_t Bytes>
struct BlockFreeList {
  struct Node {
    Node* next;
  };
  static constexpr unsigned kMaxBlocks = 256;
  Node* head = nullptr;
  unsigned count = 0;
  bool reaper_armed = false;
  bool thread_exiting = false;  // the reaper has run: blocks go back to the heap
};
template <size_t Bytes>
constinit thread_local BlockFreeList<Bytes> t_free_blocks{};

template <size_t Bytes>
struct BlockReaper {
  ~BlockReaper() {
    BlockFreeList<Bytes>& list = t_free_blocks<Bytes>;
    list.thread_exiting = true;
    while (list.head != nullptr) {
      auto* node = list.head;
      list.head = node->next;
      ::operator delete(node);
    }
    list.count = 0;
  }
};

template <size_t Bytes>
[[gnu::noinline]] void arm_block_reaper() {
  thread_local BlockReaper<Bytes> reaper;  // constructed once per thread, destroyed at its exit
  (void)reaper;
  t_free_blocks<Bytes>.reaper_armed = true;
}

template <size_t Bytes>
void* allocate_block() {
  static_assert(Bytes >= sizeof(void*));
  if constexpr (!kAddressSanitizer) {
    BlockFreeList<Bytes>& list = t_free_blocks<Bytes>;
    if (auto* node = list.head) {
      list.head = node->next;
      --list.count;
      return node;
    }
  }
  return ::operator new(Bytes);
}

template <size_t Bytes>
void free_block(void* p) noexcept {
  if constexpr (!kAddressSanitizer) {
    BlockFreeList<Bytes>& list = t_free_blocks<Bytes>;
    if (list.count < BlockFreeList<Bytes>::kMaxBlocks && !list.thread_exiting) {
      if (!list.reaper_armed) [[unlikely]]
        arm_block_reaper<Bytes>();
      auto* node = static_cast<typename BlockFreeList<Bytes>::Node*>(p);
      node->next = list.head;
      list.head = node;
      ++list.count;
      return;
    }
  }
  ::operator delete(p);
}

/// An allocator for std::allocate_shared that takes single objects from the thread's free list.
template <class T>
struct PooledAllocator {
  using value_type = T;
  PooledAllocator() = default;
  template <class U>
  PooledAllocator(const PooledAllocator<U>&) noexcept {}  // NOLINT: rebinding converts
  T* allocate(size_t n) {
    static_assert(alignof(T) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__);
    if (n != 1) return std::allocator<T>().allocate(n);
    return static_cast<T*>(allocate_block<sizeof(T)>());
  }
  void deallocate(T* p, size_t n) noexcept {
    if (n != 1) return std::allocator<T>().deallocate(p, n);
    free_block<sizeof(T)>(p);
  }
  template <class U>
  bool operator==(const PooledAllocator<U>&) const noexcept {
    return true;
  }
};

}  // namespace nabla::detail
