// Split sizes and fraction checks; shuffled splits are deterministic per seed, disjoint and
// cover every example; ordered splits are contiguous blocks.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "datasets/splits.hpp"
#include "temp_dir.hpp"

using namespace dpt;
using dpt::testing::contains;
using dpt::testing::dataset_error_of;

TEST_CASE("fractions outside 0 to 1 or summing to 1 or more are rejected with the field named") {
  CHECK(contains(dataset_error_of([] { validate_split_fractions(-0.1, 0.1); }), "data.validation_fraction"));
  CHECK(contains(dataset_error_of([] { validate_split_fractions(0.1, 1.0); }), "data.test_fraction"));
  CHECK(contains(dataset_error_of([] { validate_split_fractions(0.1, std::nan("")); }), "data.test_fraction"));
  const std::string sum = dataset_error_of([] { validate_split_fractions(0.5, 0.5); });
  CHECK(contains(sum, "data.validation_fraction + data.test_fraction"));
  // base/check.hpp's wording, the field's path as the name
  CHECK(dataset_error_of([] { validate_split_fractions(0.1, 1.0); }) == "data.test_fraction must be in [0, 1), but is 1.");
  CHECK(sum == "data.validation_fraction + data.test_fraction must be < 1, but is 0.5 + 0.5.");
  CHECK(dataset_error_of([] { validate_split_fractions(0.0, 0.0); }) == "<no error>");
}

TEST_CASE("split counts floor the fractions and give the rest to training") {
  const SplitCounts c = split_counts(100, 0.29, 0.1, "examples");
  CHECK(c.validation == 29);
  CHECK(c.test == 10);
  CHECK(c.train == 61);
  const SplitCounts small = split_counts(5, 0.1, 0.1, "examples");
  CHECK(small.train == 5);
  // floor(v n) + floor(t n) <= (v + t) n < n: only an empty dataset leaves no training example
  const SplitCounts two = split_counts(2, 0.5, 0.49, "windows");
  CHECK(two.train == 1);
  const std::string msg = dataset_error_of([] { split_counts(0, 0.1, 0.1, "texts"); });
  CHECK(contains(msg, "0 texts"));
  CHECK(contains(msg, "no training example"));
}

namespace {
std::vector<int64_t> all_of(const SplitIndices& s) {
  std::vector<int64_t> all = s.train;
  all.insert(all.end(), s.validation.begin(), s.validation.end());
  all.insert(all.end(), s.test.begin(), s.test.end());
  return all;
}
}  // namespace

TEST_CASE("a shuffled split puts every example in exactly one split") {
  const SplitCounts c = split_counts(1000, 0.15, 0.2, "examples");
  const SplitIndices s = shuffled_split(c, 42);
  CHECK(static_cast<int64_t>(s.train.size()) == c.train);
  CHECK(static_cast<int64_t>(s.validation.size()) == c.validation);
  CHECK(static_cast<int64_t>(s.test.size()) == c.test);
  std::vector<int64_t> all = all_of(s);
  std::sort(all.begin(), all.end());
  for (int64_t i = 0; i < 1000; ++i) REQUIRE(all[i] == i);
  CHECK(std::is_sorted(s.train.begin(), s.train.end()));
  // not simply contiguous
  CHECK(s.test.front() < c.train);
}

TEST_CASE("a shuffled split is a function of the seed") {
  const SplitCounts c = split_counts(200, 0.1, 0.1, "examples");
  CHECK(all_of(shuffled_split(c, 7)) == all_of(shuffled_split(c, 7)));
  CHECK(shuffled_split(c, 7).test != shuffled_split(c, 8).test);
}

TEST_CASE("random permutations are permutations and look uniform") {
  // position of element 0 over many seeds: each of 4 positions about 1/4 of the time
  int hits[4] = {0, 0, 0, 0};
  for (uint64_t seed = 0; seed < 4000; ++seed) {
    const std::vector<int64_t> p = random_permutation(4, CounterRng(seed));
    std::set<int64_t> distinct(p.begin(), p.end());
    REQUIRE(distinct.size() == 4);
    ++hits[std::find(p.begin(), p.end(), 0) - p.begin()];
  }
  for (const int h : hits) CHECK(h == doctest::Approx(1000).epsilon(0.1));
}

TEST_CASE("an ordered split is train | validation | test in order") {
  const SplitIndices s = ordered_split(SplitCounts{3, 2, 1});
  CHECK(s.train == std::vector<int64_t>{0, 1, 2});
  CHECK(s.validation == std::vector<int64_t>{3, 4});
  CHECK(s.test == std::vector<int64_t>{5});
}
