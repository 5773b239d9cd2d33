// The plain-text loader. Bytes are tokens (any encoding is accepted, invalid UTF-8 included);
// the last chunk may be shorter than chunk_length and is dropped only if it has a single byte
// (no next-token target). Within a chunk the target at step t is the byte at t + 1. With
// data.scrub_pii the whole text is scrubbed first, so chunks are cut from the scrubbed bytes.
// With data.splits each file is scrubbed and chunked on its own; no chunk spans two files.
#include "datasets/plain_text_loader.hpp"

#include <cstdint>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "base/check.hpp"
#include "datasets/char_tokenizer.hpp"
#include "datasets/dataset_error.hpp"
#include "datasets/pii_scrubber.hpp"
#include "datasets/predefined_splits.hpp"
#include "datasets/sha256.hpp"
#include "datasets/splits.hpp"
#include "datasets/text_file.hpp"

namespace dpt {

namespace {

// One file, scrubbed and cut into chunks (the chunks are tokenised once the vocabulary is known).
struct ChunkedFile {
  std::string raw_digest;  // SHA-256 (hex) of the file as read
  std::string bytes;       // scrubbed when data.scrub_pii
  int64_t chunks = 0;
  int64_t dropped_tail = 0;  // 1 if a last single byte was dropped
};

void validate_plain_text_options(const DataConfig& c) {
  check_at_least<DatasetError>(c.chunk_length, 2, "data.chunk_length");
  if (c.vocabulary != "bytes" && c.vocabulary != "observed") {
    throw DatasetError::in_field("vocabulary", fmt::format("expected \"bytes\" or \"observed\", but is \"{}\".", c.vocabulary));
  }
}

// Reads and chunks `path`; an error naming it if it holds no chunk.
ChunkedFile chunk_file(const std::string& path, const DataConfig& c, PiiCounts& pii) {
  const std::string raw = read_file_bytes(path);
  if (raw.empty()) throw DatasetError::in_file(path, "empty file: no text to model.");
  ChunkedFile f;
  f.raw_digest = sha256_hex(raw);
  f.bytes = c.scrub_pii ? scrub_pii(raw, pii) : raw;  // scrubbed before chunking
  const auto size = static_cast<int64_t>(f.bytes.size());
  const int64_t tail = size % c.chunk_length;
  f.chunks = size / c.chunk_length + (tail >= 2 ? 1 : 0);
  f.dropped_tail = tail == 1 ? 1 : 0;
  if (f.chunks == 0) {
    throw DatasetError::in_file(path, fmt::format("{} byte(s) of text: a chunk needs at least 2 (an input and its next character).", size));
  }
  return f;
}

// Appends the chunks of `f` as examples.
void append_chunks(const ChunkedFile& f, int64_t length, const CharTokenizer& tokenizer, std::vector<Example>& examples) {
  const std::string_view text(f.bytes);
  for (int64_t k = 0; k < f.chunks; ++k) {
    Example e;
    e.tokens = tokenizer.encode(text.substr(static_cast<size_t>(k * length), static_cast<size_t>(length)));
    examples.push_back(std::move(e));
  }
}

// Everything but the examples: the task, vocabulary, privacy unit and the stats over `files`.
Dataset describe_chunks(const DataConfig& c, const std::vector<ChunkedFile>& files, const CharTokenizer& tokenizer, const PiiCounts& pii) {
  Dataset d;
  d.task = TaskKind::kLanguageModel;
  d.vocab_size = tokenizer.vocab_size();
  d.vocabulary = tokenizer.vocabulary();
  d.privacy_unit = fmt::format("one chunk of {} characters (bytes)", c.chunk_length);
  int64_t bytes = 0, chunks = 0, dropped = 0;
  for (const ChunkedFile& f : files) {
    bytes += static_cast<int64_t>(f.bytes.size());
    chunks += f.chunks;
    dropped += f.dropped_tail;
  }
  d.stats["bytes"] = bytes;
  d.stats["chunks"] = chunks;
  d.stats["dropped_tail_bytes"] = dropped;
  if (c.scrub_pii) record_pii_stats(pii, d.stats);
  return d;
}

CharTokenizer tokenizer_for(const DataConfig& c, const std::vector<ChunkedFile>& files) {
  if (c.vocabulary != "observed") return CharTokenizer::all_bytes();
  std::string all;
  for (const ChunkedFile& f : files) all += f.bytes;
  return CharTokenizer::observed_bytes(all);
}

// data.splits: each file chunked on its own (no chunk spans two files), in split order.
UnsplitDataset load_plain_text_splits(const DataConfig& c) {
  const std::vector<SplitFile> split_files = given_splits(*c.splits);
  PiiCounts pii;
  std::vector<ChunkedFile> files;
  std::vector<int64_t> sizes;
  std::vector<std::string> digests;
  for (const SplitFile& s : split_files) {
    files.push_back(chunk_file(s.path, c, pii));
    sizes.push_back(files.back().chunks);
    digests.push_back(files.back().raw_digest);
  }
  const CharTokenizer tokenizer = tokenizer_for(c, files);
  std::vector<Example> examples;
  for (const ChunkedFile& f : files) append_chunks(f, c.chunk_length, tokenizer, examples);
  Dataset d = describe_chunks(c, files, tokenizer, pii);
  return predefined_dataset(std::move(d), std::move(examples), "text", split_files, sizes, digests);
}

}  // namespace

UnsplitDataset load_plain_text(const DataConfig& c) {
  validate_plain_text_options(c);
  if (c.splits) return load_plain_text_splits(c);
  PiiCounts pii;
  std::vector<ChunkedFile> files{chunk_file(c.path, c, pii)};
  const SplitCounts counts = split_counts(files[0].chunks, c.validation_fraction, c.test_fraction, "chunks");
  const CharTokenizer tokenizer = tokenizer_for(c, files);
  std::vector<Example> examples;
  append_chunks(files[0], c.chunk_length, tokenizer, examples);
  Dataset d = describe_chunks(c, files, tokenizer, pii);
  d.name = "text:" + c.path;
  d.content_hash = files[0].raw_digest;
  return {std::move(d), std::move(examples), counts, /*ordered=*/true};
}

}  // namespace dpt
