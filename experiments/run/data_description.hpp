// data.json: what a run folder needs to be used without the training data (issue 14) — the
// vocabulary (token id -> text), the class names in label order, the standardisation of each
// column, the loader's counts (truncated texts, PII replacements, ...), and the split
// membership: for each split the examples' positions in source order and a SHA-256 over their
// contents, so anyone holding the source can rebuild and check the exact split
// (docs/run_folders.md). Written once at the start of a run, before manifest.json, which
// records its digest; everything read back is checked.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "datasets/dataset.hpp"

namespace dpt {

inline constexpr const char* kDataDescriptionFormat = "dptrain-data/1";

// The digest of a split: SHA-256 over the example_digest (datasets/splits.hpp) of each of its
// examples, in split order, each followed by '\n'.
std::string split_digest(const std::vector<Example>& split);

// data.json for a split dataset.
nlohmann::ordered_json data_description_json(const Dataset& data);
// Its text as written: indented, with the long arrays (vocabulary, ids) on one line each, and a
// final newline. What manifest.json's data_json_hash and model.safetensors digest.
std::string data_description_text(const Dataset& data);

// A Dataset with everything data.json holds (name, task, sizes, vocabulary, classes,
// standardisation, stats, membership) and no examples. Throws IoError naming `file` and the
// field when the text is not a well-formed data.json of this format.
Dataset read_data_description(const std::string& file, const std::string& text);

}  // namespace dpt
