// Train / validation / test splits: sizes from the config's fractions, then either a seeded
// shuffle (exchangeable examples) or contiguous blocks in order (time series, running text).
// Every example lands in exactly one split; the training split is never empty.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/random/counter_rng.hpp"
#include "datasets/dataset.hpp"

namespace dpt {

// Throws DatasetError naming data.validation_fraction / data.test_fraction unless each is in
// [0, 1) and their sum is < 1.
void validate_split_fractions(double validation_fraction, double test_fraction);

struct SplitCounts {
  int64_t train = 0, validation = 0, test = 0;
};

// validation = floor(v n), test = floor(t n), train = the rest; throws DatasetError if that
// leaves no training example. `what` names the examples in the message ("windows", "texts").
SplitCounts split_counts(int64_t n, double validation_fraction, double test_fraction, const char* what);

struct SplitIndices {
  std::vector<int64_t> train, validation, test;  // each in increasing order
};

// Contiguous blocks: [0, train) | [train, train + validation) | the rest.
SplitIndices ordered_split(const SplitCounts& counts);
// A uniformly random permutation of 0..n-1 from the split seed (Fisher-Yates on a CounterRng
// stream), cut into train | validation | test; each part is then sorted.
SplitIndices shuffled_split(const SplitCounts& counts, uint64_t split_seed);

// A uniformly random permutation of 0..n-1 drawn from `rng`.
std::vector<int64_t> random_permutation(int64_t n, const CounterRng& rng);

// The message of check_no_shared_examples, given the positions of the two copies.
[[noreturn]] void throw_shared_example(const std::string& first, const std::string& second);
// Source positions (i < j) of two equal examples in different splits, or {-1, -1}.
std::pair<int64_t, int64_t> find_shared_example(const std::vector<Example>& examples, const SplitCounts& counts);

// Moves examples[i] into dataset.train / validation / test as `split` says.
void assign_splits(Dataset& dataset, std::vector<Example>&& examples, const SplitIndices& split);

// A source read but not yet split: its examples in source order and how they split. Reading
// and splitting are two steps so that the split seed may depend on what was read (the run
// key covers the data's content hash; experiments/run/run_key.hpp).
struct UnsplitDataset {
  Dataset dataset;                // everything but the splits (train, validation, test empty)
  std::vector<Example> examples;  // (n) in source order
  SplitCounts counts;
  bool ordered = false;           // contiguous blocks in order (series, running text); else shuffled
  bool predefined = false;        // data.splits: `examples` are the train, validation, test files' in turn
                                  // and `counts` their sizes (split as ordered; the seed is unused)
};

// The split: ordered_split for ordered and predefined sources (the seed is unused), else
// shuffled_split. Records the membership in the Dataset.
Dataset split_dataset(UnsplitDataset&& source, uint64_t split_seed);

// Predefined splits of exchangeable examples (texts): throws DatasetError for data.splits if
// the same example (equal tokens and label, or features and target) is in two splits, naming
// both through `origin(i)` (e.g. "file.jsonl:12" for source position i).
template <typename Origin>
void check_no_shared_examples(const std::vector<Example>& examples, const SplitCounts& counts, const Origin& origin);

// SHA-256 (hex) of one example's content: what data.json's split digests are computed from.
std::string example_digest(const Example& example);

// Uniform integer in [0, n) from value k, k+1, ... of `rng` (rejection: no modulo bias);
// advances k past the values used. n >= 1.
inline uint64_t uniform_below(const CounterRng& rng, uint64_t& k, uint64_t n) {
  const uint64_t reject_below = (~n + 1) % n;  // 2^64 mod n
  for (;;) {
    const uint64_t r = rng.bits(k++);
    if (r >= reject_below) return r % n;
  }
}

}  // namespace dpt

namespace dpt {

template <typename Origin>
void check_no_shared_examples(const std::vector<Example>& examples, const SplitCounts& counts, const Origin& origin) {
  const auto [i, j] = find_shared_example(examples, counts);
  if (i >= 0) throw_shared_example(origin(i), origin(j));
}

}  // namespace dpt
