// Process-wide allocator tuning for training loops. A step allocates the same large buffers
// (gate activations, dL/dZ, scaled G) every time; glibc returns big blocks to the OS on free
// (mmap for >= 128 KiB-32 MiB blocks, heap trimming), so every step page-faults and zero-fills
// them again — measured at up to half of a step's time for 8 MB+ buffers. Keeping freed memory
// in the process removes that cost; peak memory is unchanged.
#pragma once

namespace dpt {

// Call once at the start of main() of a training or benchmark executable.
void keep_freed_memory_in_process();

}  // namespace dpt
