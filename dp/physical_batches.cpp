// Physical batches of one sampled batch (see physical_batches.hpp).
#include "dp/physical_batches.hpp"

#include <algorithm>
#include <string>

#include "core/error.hpp"

namespace dpt {

std::vector<std::vector<int64_t>> physical_batches(const std::vector<int64_t>& sampled, int max_size) {
  DPT_CHECK(max_size >= 0, "max_physical_batch_size must be >= 0 (0: no cap), but is " + std::to_string(max_size) + ".");
  if (max_size == 0 || sampled.size() <= static_cast<size_t>(max_size)) return {sampled};
  std::vector<std::vector<int64_t>> chunks;
  for (size_t begin = 0; begin < sampled.size(); begin += static_cast<size_t>(max_size)) {
    const size_t end = std::min(sampled.size(), begin + static_cast<size_t>(max_size));
    chunks.emplace_back(sampled.begin() + static_cast<std::ptrdiff_t>(begin), sampled.begin() + static_cast<std::ptrdiff_t>(end));
  }
  return chunks;
}

}  // namespace dpt
