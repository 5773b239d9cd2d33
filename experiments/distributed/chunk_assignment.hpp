// Which rank processes which physical chunk of a sampled batch (docs/distributed.md). The chunk
// is the unit of work because it fixes the floating-point arithmetic: a chunk's clipped sum is
// the same bits whichever rank computes it (its GEMMs have the same shapes; threads inside a
// chunk are deterministic already), and rank 0 adds the chunks' sums in chunk order, exactly
// as one process does. So the step's result does not depend on the number of ranks.
// Balance: longest processing time first (Graham 1969) over `costs` (tokens per chunk): each
// chunk, costliest first, goes to the least loaded rank (ties: the lower rank, then the lower
// chunk index), a deterministic function of the costs and the rank count.
#pragma once

#include <cstdint>
#include <vector>

namespace dpt {

// owner[c] in [0, ranks) for each chunk c. Throws InvalidArgument for ranks < 1 or a cost < 0.
std::vector<int> assign_chunks(const std::vector<int64_t>& costs, int ranks);

}  // namespace dpt
