// The plain-text loader. Bytes are tokens (any encoding is accepted, invalid UTF-8 included);
// the last chunk may be shorter than chunk_length and is dropped only if it has a single byte
// (no next-token target). Within a chunk the target at step t is the byte at t + 1. With
// data.scrub_pii the whole text is scrubbed first, so chunks are cut from the scrubbed bytes.
#include "datasets/plain_text_loader.hpp"

#include <cstdint>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "base/check.hpp"
#include "datasets/char_tokenizer.hpp"
#include "datasets/dataset_error.hpp"
#include "datasets/pii_scrubber.hpp"
#include "datasets/sha256.hpp"
#include "datasets/splits.hpp"
#include "datasets/text_file.hpp"

namespace dpt {

UnsplitDataset load_plain_text(const DataConfig& c) {
  check_at_least<DatasetError>(c.chunk_length, 2, "data.chunk_length");
  if (c.vocabulary != "bytes" && c.vocabulary != "observed") {
    throw DatasetError::in_field("vocabulary", fmt::format("expected \"bytes\" or \"observed\", but is \"{}\".", c.vocabulary));
  }
  const std::string raw = read_file_bytes(c.path);
  if (raw.empty()) throw DatasetError::in_file(c.path, "empty file: no text to model.");
  PiiCounts pii;
  const std::string bytes = c.scrub_pii ? scrub_pii(raw, pii) : raw;  // scrubbed before chunking
  const auto size = static_cast<int64_t>(bytes.size());
  const int64_t length = c.chunk_length;
  int64_t chunks = size / length;
  const int64_t tail = size % length;
  if (tail >= 2) ++chunks;
  if (chunks == 0) {
    throw DatasetError::in_file(c.path, fmt::format("{} byte(s) of text: a chunk needs at least 2 (an input and its next character).", size));
  }
  const SplitCounts counts = split_counts(chunks, c.validation_fraction, c.test_fraction, "chunks");

  const CharTokenizer tokenizer = c.vocabulary == "observed" ? CharTokenizer::observed_bytes(bytes) : CharTokenizer::all_bytes();
  std::vector<Example> examples(static_cast<size_t>(chunks));
  const std::string_view text(bytes);
  for (int64_t k = 0; k < chunks; ++k) {
    examples[k].tokens = tokenizer.encode(text.substr(static_cast<size_t>(k * length), static_cast<size_t>(length)));
  }
  Dataset d;
  d.name = "text:" + c.path;
  d.task = TaskKind::kLanguageModel;
  d.vocab_size = tokenizer.vocab_size();
  d.vocabulary = tokenizer.vocabulary();
  d.privacy_unit = fmt::format("one chunk of {} characters (bytes)", length);
  d.content_hash = sha256_hex(raw);
  d.stats["bytes"] = size;
  d.stats["chunks"] = chunks;
  d.stats["dropped_tail_bytes"] = tail == 1 ? 1 : 0;
  if (c.scrub_pii) record_pii_stats(pii, d.stats);
  return {std::move(d), std::move(examples), counts, /*ordered=*/true};
}

}  // namespace dpt
