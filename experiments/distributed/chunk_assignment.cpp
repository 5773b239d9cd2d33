// Chunks to ranks, longest processing time first (see chunk_assignment.hpp).
#include "experiments/distributed/chunk_assignment.hpp"

#include <algorithm>
#include <numeric>
#include <string>

#include "core/error.hpp"

namespace dpt {

std::vector<int> assign_chunks(const std::vector<int64_t>& costs, int ranks) {
  DPT_CHECK(ranks >= 1, "ranks must be >= 1, but is " + std::to_string(ranks) + ".");
  for (const int64_t c : costs) DPT_CHECK(c >= 0, "a chunk's cost must be >= 0, but is " + std::to_string(c) + ".");
  std::vector<size_t> by_cost(costs.size());
  std::iota(by_cost.begin(), by_cost.end(), size_t{0});
  std::stable_sort(by_cost.begin(), by_cost.end(), [&costs](size_t a, size_t b) { return costs[a] > costs[b]; });
  std::vector<int64_t> load(static_cast<size_t>(ranks), 0);
  std::vector<int> owner(costs.size(), 0);
  for (const size_t c : by_cost) {
    const auto least = std::min_element(load.begin(), load.end());  // first minimum: the lowest rank
    owner[c] = static_cast<int>(least - load.begin());
    *least += std::max<int64_t>(costs[c], 1);  // an empty chunk still costs a little
  }
  return owner;
}

}  // namespace dpt
