// metrics.jsonl as a run writes it: one JSON object per line, appended, with a running SHA-256
// of every byte written so that a checkpoint can record the digest of the prefix it covers
// (resume_checks.hpp verifies it) and notice anything else writing to the file.
#pragma once

#include <cstdint>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "datasets/sha256.hpp"

namespace dpt {

class MetricsLog {
 public:
  explicit MetricsLog(std::string path) : path_(std::move(path)) {}

  // Resume: the file is cut back to the verified `prefix` (what the checkpoint covers), which the
  // digest then starts from. Metrics written after the checkpoint are produced again.
  void continue_after(const std::string& prefix);
  // Opens the file for appending (after continue_after, or on the empty file of a new run).
  void open();
  // Appends `line` and a newline; throws IoError if the write fails.
  void append(const nlohmann::ordered_json& line);
  // Flushes and fsyncs; throws IoError if the file's size is not what this log wrote.
  void sync();

  uint64_t bytes() const { return written_; }
  std::string digest() const { return hash_.hex_digest(); }

 private:
  std::string path_;
  std::ofstream out_;
  Sha256 hash_;           // of every byte of the file so far
  uint64_t written_ = 0;  // the file's length as this log knows it
};

}  // namespace dpt
