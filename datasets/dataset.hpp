// A loaded dataset: examples split into train / validation / test, and what one example is.
// Examples are variable-length sequences of token ids (text) or feature vectors (series).
// The test split is never used for training or model selection.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace dpt {

enum class TaskKind { kClassification, kRegression, kLanguageModel };

struct Example {
  std::vector<int32_t> tokens;   // token inputs, length T (token datasets)
  std::vector<float> features;   // feature inputs, T * input_dim row-major (feature datasets)
  int32_t label = -1;            // classification: the class
  std::vector<float> target;     // regression: output_dim values
  // language model: the target at step t is tokens[t + 1]; the last step has none.
};

// How one column's values were scaled: z = (x - mean) / stddev (docs/datasets.md).
struct ColumnScale {
  std::string column;
  double mean = 0.0;
  double stddev = 1.0;
};

// How feature values were scaled, column by column. A model's prediction z maps back to the
// original units as z * target.stddev + target.mean.
struct Standardization {
  std::string kind = "none";     // "none" | "train" (statistics of the training portion) | "fixed" (from the config)
  std::vector<ColumnScale> inputs;  // (input_dim) feature column k of every step
  ColumnScale target;               // the forecast column (also among `inputs` when it is an input)
};

// Which source examples went into which split: positions in source order (docs/datasets.md
// says what the order is for each source), each list increasing. data.json records it so that
// anyone can rebuild the exact split.
struct SplitMembership {
  std::string kind;  // "shuffled" (seeded), "ordered" (contiguous blocks in order), "predefined" (data.splits files)
  std::vector<int64_t> train, validation, test;
};

struct Dataset {
  std::string name;              // e.g. "generated/marker", "csv:<file>"
  TaskKind task = TaskKind::kClassification;
  int vocab_size = 0;            // > 0 for token inputs
  int input_dim = 0;             // > 0 for feature inputs
  int num_classes = 0;           // classification
  int output_dim = 0;            // regression
  std::string privacy_unit;      // what one example is, e.g. "one generated sequence"
  std::vector<std::string> vocabulary;  // token id -> its text (characters), if any
  std::vector<Example> train, validation, test;
  std::string content_hash;      // SHA-256 (hex) of the source bytes, or of the generator's parameters
  std::map<std::string, int64_t> stats;  // e.g. PII replacements per kind
  std::vector<std::string> class_names;  // classification: class id -> its name (jsonl string labels, or "0", "1", ...)
  Standardization standardization;       // feature datasets: how the values were scaled
  SplitMembership membership;            // set by split_dataset

  int sequence_length(const Example& e) const {
    return vocab_size > 0 ? static_cast<int>(e.tokens.size()) : static_cast<int>(e.features.size()) / input_dim;
  }
};

}  // namespace dpt
