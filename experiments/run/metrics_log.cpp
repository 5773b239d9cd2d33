// The run's metrics.jsonl writer (see metrics_log.hpp).
#include "experiments/run/metrics_log.hpp"

#include <filesystem>

#include "core/error.hpp"
#include "experiments/run/atomic_file.hpp"

namespace dpt {

namespace fs = std::filesystem;

void MetricsLog::continue_after(const std::string& prefix) {
  fs::resize_file(path_, prefix.size());
  hash_.update(prefix);
  written_ = prefix.size();
}

void MetricsLog::open() {
  out_.open(path_, std::ios::app | std::ios::binary);
  if (!out_) throw IoError(path_ + ": cannot open for appending");
}

void MetricsLog::append(const nlohmann::ordered_json& line) {
  const std::string text = line.dump() + "\n";
  out_ << text;
  if (!out_) throw IoError(path_ + ": write failed");
  hash_.update(text);
  written_ += text.size();
}

void MetricsLog::sync() {
  out_.flush();
  fsync_path(path_);
  const uintmax_t size = fs::file_size(path_);
  if (size != written_) {
    throw IoError(path_ + ": changed by something other than this run (" + std::to_string(size) + " bytes, this run wrote " +
                  std::to_string(written_) + ")");
  }
}

}  // namespace dpt
