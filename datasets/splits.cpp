// Split sizes, ordered and shuffled splits. The shuffle draws from its own stream
// derive_seed(split_seed, kShuffleTag), so generators seeded from the same split seed never
// share random values with it.
#include "datasets/splits.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <unordered_map>

#include <fmt/core.h>

#include "base/check.hpp"
#include "datasets/dataset_error.hpp"
#include "datasets/sha256.hpp"

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
  const bool in_order = source.ordered || source.predefined;
  const SplitIndices split = in_order ? ordered_split(source.counts) : shuffled_split(source.counts, split_seed);
  d.membership.kind = source.predefined ? "predefined" : source.ordered ? "ordered" : "shuffled";
  d.membership.train = split.train;
  d.membership.validation = split.validation;
  d.membership.test = split.test;
  assign_splits(d, std::move(source.examples), split);
  return d;
}

namespace {

template <typename T>
void hash_values(Sha256& h, const std::vector<T>& values) {
  const auto n = static_cast<uint64_t>(values.size());
  h.update(std::string_view(reinterpret_cast<const char*>(&n), sizeof n));  // length first: no two examples share a byte stream
  h.update(std::string_view(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T)));
}

}  // namespace

std::string example_digest(const Example& e) {
  Sha256 h;
  hash_values(h, e.tokens);
  hash_values(h, e.features);
  h.update(std::string_view(reinterpret_cast<const char*>(&e.label), sizeof e.label));
  hash_values(h, e.target);
  return h.hex_digest();
}

std::pair<int64_t, int64_t> find_shared_example(const std::vector<Example>& examples, const SplitCounts& counts) {
  const auto split_of = [&](int64_t i) { return i < counts.train ? 0 : i < counts.train + counts.validation ? 1 : 2; };
  std::unordered_map<std::string, int64_t> first_of;  // digest -> first source position
  first_of.reserve(examples.size());
  for (int64_t i = 0; i < static_cast<int64_t>(examples.size()); ++i) {
    const auto [it, inserted] = first_of.emplace(example_digest(examples[i]), i);
    if (!inserted && split_of(it->second) != split_of(i)) return {it->second, i};
  }
  return {-1, -1};
}

void throw_shared_example(const std::string& first, const std::string& second) {
  throw DatasetError::in_field("splits", fmt::format("the same example is in two splits: {} and {} (after truncation and "
                                                     "PII scrubbing); a held-out split must not hold training examples.",
                                                     first, second));
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
