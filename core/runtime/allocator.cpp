// glibc malloc tuning (see allocator.hpp).
#include "core/runtime/allocator.hpp"

#include <malloc.h>

namespace dpt {

void keep_freed_memory_in_process() {
#if defined(__GLIBC__)
  mallopt(M_MMAP_MAX, 0);                 // serve large blocks from the heap, not fresh mmaps
  mallopt(M_TRIM_THRESHOLD, 1 << 30);     // do not hand freed heap back to the OS below 1 GiB
  mallopt(M_TOP_PAD, 64 << 20);           // grow the heap in 64 MiB steps
#endif
}

}  // namespace dpt
