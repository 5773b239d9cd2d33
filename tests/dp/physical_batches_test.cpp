// Physical batches of a sampled batch: order kept, chunks of at most the cap, always one chunk.
#include <doctest/doctest.h>

#include <vector>

#include "core/error.hpp"
#include "dp/physical_batches.hpp"

using namespace dpt;

TEST_CASE("physical batches keep the sample's order in chunks of at most the cap") {
  const std::vector<int64_t> sampled{9, 4, 7, 1, 3};
  CHECK(physical_batches(sampled, 2) == std::vector<std::vector<int64_t>>{{9, 4}, {7, 1}, {3}});
  CHECK(physical_batches(sampled, 5) == std::vector<std::vector<int64_t>>{sampled});
  CHECK(physical_batches(sampled, 100) == std::vector<std::vector<int64_t>>{sampled});
  CHECK(physical_batches(sampled, 0) == std::vector<std::vector<int64_t>>{sampled});  // no cap
}

TEST_CASE("an empty sample is one empty physical batch: the step still runs") {
  CHECK(physical_batches({}, 4) == std::vector<std::vector<int64_t>>{{}});
  CHECK(physical_batches({}, 0) == std::vector<std::vector<int64_t>>{{}});
}

TEST_CASE("a negative cap is refused") { CHECK_THROWS_AS(physical_batches({1, 2}, -1), InvalidArgument); }
