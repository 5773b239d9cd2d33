// Physical batches of one sampled (logical) batch: a Poisson batch has no upper bound, so to
// bound memory it is processed in consecutive chunks of at most `max_size` examples, as
// Opacus's BatchMemoryManager does. The privatizer accumulates the chunks' clipped sums and
// adds the noise once per step (privatizer.hpp), so the mechanism is that of the whole batch.
#pragma once

#include <cstdint>
#include <vector>

namespace dpt {

// The sampled indices in order, cut into chunks of at most `max_size` (0: no cap, one chunk).
// Always at least one chunk: an empty sample gives one empty chunk, since the step still runs
// (and is still charged). Throws InvalidArgument for max_size < 0.
std::vector<std::vector<int64_t>> physical_batches(const std::vector<int64_t>& sampled, int max_size);

}  // namespace dpt
