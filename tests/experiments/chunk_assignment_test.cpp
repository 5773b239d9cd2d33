// Chunks of a step over ranks (experiments/distributed/chunk_assignment.hpp): longest
// processing time first, deterministic, every chunk owned by one rank in range.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "core/error.hpp"
#include "experiments/distributed/chunk_assignment.hpp"

namespace {

std::vector<int64_t> loads(const std::vector<int64_t>& costs, const std::vector<int>& owner, int ranks) {
  std::vector<int64_t> load(static_cast<size_t>(ranks), 0);
  for (size_t c = 0; c < costs.size(); ++c) load[static_cast<size_t>(owner[c])] += costs[c];
  return load;
}

}  // namespace

TEST_CASE("assign_chunks: longest first to the least loaded rank, lowest rank on ties") {
  // 8 -> r0; 7 -> r1; 6 -> r1 (7 < 8)... : loads r0 = 8 + 5 = 13, r1 = 7 + 6 = 13
  const std::vector<int64_t> costs = {8, 7, 6, 5};
  CHECK(dpt::assign_chunks(costs, 2) == std::vector<int>{0, 1, 1, 0});
  CHECK(loads(costs, dpt::assign_chunks(costs, 2), 2) == std::vector<int64_t>{13, 13});
  // equal costs: round robin from rank 0
  CHECK(dpt::assign_chunks({4, 4, 4, 4, 4}, 3) == std::vector<int>{0, 1, 2, 0, 1});
  // one rank: everything on rank 0; more ranks than chunks: one chunk each
  CHECK(dpt::assign_chunks({3, 1, 2}, 1) == std::vector<int>{0, 0, 0});
  CHECK(dpt::assign_chunks({3, 1}, 4) == std::vector<int>{0, 1});
  CHECK(dpt::assign_chunks({}, 2).empty());
}

TEST_CASE("assign_chunks: a function of the costs and the rank count only, within list scheduling's bound") {
  std::vector<int64_t> costs;
  for (int c = 0; c < 37; ++c) costs.push_back((c * 7919) % 97 + 1);
  for (int ranks = 1; ranks <= 8; ++ranks) {
    const std::vector<int> owner = dpt::assign_chunks(costs, ranks);
    CHECK(owner == dpt::assign_chunks(costs, ranks));
    REQUIRE(owner.size() == costs.size());
    for (const int r : owner) CHECK((r >= 0 && r < ranks));
    const std::vector<int64_t> load = loads(costs, owner, ranks);
    int64_t total = 0;
    for (const int64_t c : costs) total += c;
    // Graham 1966: a list schedule's busiest rank carries at most total/ranks + the largest cost
    const int64_t largest = *std::max_element(costs.begin(), costs.end());
    CHECK(*std::max_element(load.begin(), load.end()) <= total / ranks + largest);
  }
}

TEST_CASE("assign_chunks: refuses no ranks and negative costs") {
  CHECK_THROWS_AS(dpt::assign_chunks({1}, 0), dpt::InvalidArgument);
  CHECK_THROWS_AS(dpt::assign_chunks({1, -1}, 2), dpt::InvalidArgument);
}
