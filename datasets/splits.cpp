// Split sizes, ordered and shuffled splits. The shuffle draws from its own stream
// derive_seed(split_seed, kShuffleTag), so generators seeded from the same split seed never
// share random values with it.
#include "datasets/splits.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/core.h>

#include "base/check.hpp"
#include "datasets/dataset_error.hpp"

namespace dpt {
namespace {

constexpr uint64_t kShuffleTag = 0x73706c6974;  // "split"

void check_fraction(const char* field, double f) {
  check_in<DatasetError>(f, Bounds::right_open(0.0, 1.0), std::string("data.") + field);
}

// floor(f n), forgiving the rounding error of f n (0.29 * 100 = 28.999999999999996).
int64_t fraction_of(double f, int64_t n) {
  return static_cast<int64_t>(std::floor(f * static_cast<double>(n) + 1e-9));
}

}  // namespace

void validate_split_fractions(double validation_fraction, double test_fraction) {
  check_fraction("validation_fraction", validation_fraction);
  check_fraction("test_fraction", test_fraction);
  DPT_BASE_CHECK(DatasetError, validation_fraction + test_fraction < 1.0,
                 must_be_message("data.validation_fraction + data.test_fraction", "< 1",
                                 format_number(validation_fraction) + " + " + format_number(test_fraction)));
}

SplitCounts split_counts(int64_t n, double validation_fraction, double test_fraction, const char* what) {
  validate_split_fractions(validation_fraction, test_fraction);
  SplitCounts c;
  c.validation = fraction_of(validation_fraction, n);
  c.test = fraction_of(test_fraction, n);
  c.train = n - c.validation - c.test;
  if (c.train < 1) {
    throw DatasetError(fmt::format(
        "data: {} {} leave no training example after {} for validation and {} for test "
        "(data.validation_fraction {}, data.test_fraction {}).",
        n, what, c.validation, c.test, validation_fraction, test_fraction));
  }
  return c;
}

SplitIndices ordered_split(const SplitCounts& counts) {
  SplitIndices s;
  int64_t i = 0;
  for (; i < counts.train; ++i) s.train.push_back(i);
  for (; i < counts.train + counts.validation; ++i) s.validation.push_back(i);
  for (; i < counts.train + counts.validation + counts.test; ++i) s.test.push_back(i);
  return s;
}

std::vector<int64_t> random_permutation(int64_t n, const CounterRng& rng) {
  std::vector<int64_t> p(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) p[i] = i;
  uint64_t k = 0;
  for (int64_t i = n - 1; i > 0; --i) {
    const auto j = static_cast<int64_t>(uniform_below(rng, k, static_cast<uint64_t>(i) + 1));
    std::swap(p[i], p[j]);
  }
  return p;
}

SplitIndices shuffled_split(const SplitCounts& counts, uint64_t split_seed) {
  const int64_t n = counts.train + counts.validation + counts.test;
  const std::vector<int64_t> p = random_permutation(n, CounterRng(derive_seed(split_seed, kShuffleTag)));
  SplitIndices s;
  s.train.assign(p.begin(), p.begin() + counts.train);
  s.validation.assign(p.begin() + counts.train, p.begin() + counts.train + counts.validation);
  s.test.assign(p.begin() + counts.train + counts.validation, p.end());
  for (auto* part : {&s.train, &s.validation, &s.test}) std::sort(part->begin(), part->end());
  return s;
}

Dataset split_dataset(UnsplitDataset&& source, uint64_t split_seed) {
  Dataset d = std::move(source.dataset);
  assign_splits(d, std::move(source.examples),
                source.ordered ? ordered_split(source.counts) : shuffled_split(source.counts, split_seed));
  return d;
}

void assign_splits(Dataset& dataset, std::vector<Example>&& examples, const SplitIndices& split) {
  auto move_into = [&examples](std::vector<Example>& out, const std::vector<int64_t>& indices) {
    out.clear();
    out.reserve(indices.size());
    for (const int64_t i : indices) out.push_back(std::move(examples[i]));
  };
  move_into(dataset.train, split.train);
  move_into(dataset.validation, split.validation);
  move_into(dataset.test, split.test);
  examples.clear();
}

}  // namespace dpt
