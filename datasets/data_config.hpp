// The `data` section of an experiment config: which examples to load and how to split them
// (docs/config.md documents each field). Owned by datasets/ so loaders need nothing above them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dpt {

// Where examples come from (data.source): generated tasks (tests and demos), files — "csv" (time
// series), "jsonl" ({"text": ..., "label": ...}), "text" (plain text for a char-level LM) — and the
// public corpora fetched by scripts/fetch-data.sh: "names", "spam", "births", "moby_dick"; and
// "folder" (one sub-folder per class, one file per example, raw bytes).
enum class DataSourceKind { kGenerated, kCsv, kJsonl, kText, kNames, kSpam, kBirths, kMobyDick, kFolder };

// The name data.source spells `source` with.
constexpr std::string_view data_source_name(DataSourceKind source) {
  switch (source) {
    case DataSourceKind::kGenerated: return "generated";
    case DataSourceKind::kCsv: return "csv";
    case DataSourceKind::kJsonl: return "jsonl";
    case DataSourceKind::kText: return "text";
    case DataSourceKind::kNames: return "names";
    case DataSourceKind::kSpam: return "spam";
    case DataSourceKind::kBirths: return "births";
    case DataSourceKind::kMobyDick: return "moby_dick";
    case DataSourceKind::kFolder: return "folder";
  }
  return "?";  // (every kind is named above)
}

// data.splits: the files (folders, for source "folder") that ARE the splits, as a paper or another
// framework defines them. `train` is required; an empty validation / test path means none.
struct SplitPaths {
  std::string train, validation, test;
  bool operator==(const SplitPaths&) const = default;
};

struct DataConfig {
  DataSourceKind source = DataSourceKind::kGenerated;
  std::string task = "marker";         // generated: "marker" (classification), "sine" (regression), "chars" (char LM)
  std::string path;                    // csv / jsonl / text: the file; public corpora: default under data/ if empty
  int64_t size = 2000;                 // generated: number of examples
  int min_length = 4;                  // generated: sequence lengths drawn in [min_length, max_length]
  int max_length = 24;                 // generated; jsonl, names, spam: texts truncated to this many bytes
  std::string column;                  // csv: the column to forecast (births: default "births")
  int window = 16;                     // csv, births: a window of W values -> the next value
  int chunk_length = 64;               // text, moby_dick: bytes per language-model example
  double validation_fraction = 0.1;
  double test_fraction = 0.1;
  bool scrub_pii = false;              // text sources: replace e-mails, URLs, IPs, phone numbers by <EMAIL>, <URL>, <IP>, <PHONE>

  // Added by datasets/ (docs/datasets.md). Both choices below decide whether something derived
  // from the private data, outside the DP mechanism, is baked into the model.
  std::string vocabulary = "bytes";    // jsonl, text: "bytes" (ids 1..256 = bytes 0..255, data-independent) |
                                       // "observed" (the file's distinct bytes: smaller, but the vocabulary reveals them)
  std::string standardize = "train";   // csv: "train" (mean/stddev of the training portion, NOT private) |
                                       // "fixed" (standardize_mean / standardize_stddev, public values) | "none"
  double standardize_mean = 0.0;       // csv, standardize "fixed"
  double standardize_stddev = 1.0;     // csv, standardize "fixed": > 0

  // Fixes the shuffled split on purpose (e.g. one split for every run of a sweep); absent, the
  // split seed is derived from the run key (experiments/run/run_key.hpp). Read by the runner.
  std::optional<uint64_t> split_seed;

  // Predefined splits (jsonl, text, csv, folder): when set, data.path is empty, both fractions
  // are 0 and no random split happens (each file is one split).
  std::optional<SplitPaths> splits;
  // folder: the class names in label order (each a sub-folder); empty = the sub-folders, sorted.
  std::vector<std::string> classes;
  // csv: the input columns, each standardised on its own; empty = [column] (the target's past).
  std::vector<std::string> columns;
};

}  // namespace dpt
