// MetricsLog (experiments/run/metrics_log.hpp): the digest is the SHA-256 of every byte in the
// file, a resumed log continues from the verified prefix (the rest is cut), and a file that
// something else wrote to is refused at the next sync, naming the file.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "datasets/sha256.hpp"
#include "experiments/run/metrics_log.hpp"
#include "tests/datasets/temp_dir.hpp"

namespace dpt {
namespace {

std::string contents(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST_CASE("the digest covers every byte written, and a resumed log continues from the verified prefix") {
  testing::TempDir dir;
  const std::string path = dir.write("metrics.jsonl", "");
  std::string prefix;
  {
    MetricsLog log(path);
    log.open();
    log.append({{"kind", "step"}, {"step", 0}});
    log.sync();
    prefix = contents(path);
    CHECK(prefix == "{\"kind\":\"step\",\"step\":0}\n");
    log.append({{"kind", "step"}, {"step", 1}});  // written after the "checkpoint": to be produced again
    log.sync();
    CHECK(log.bytes() == contents(path).size());
    CHECK(log.digest() == sha256_hex(contents(path)));
  }
  MetricsLog resumed(path);
  resumed.continue_after(prefix);
  CHECK(contents(path) == prefix);  // cut back, never padded
  resumed.open();
  resumed.append({{"kind", "step"}, {"step", 1}});
  resumed.sync();
  CHECK(resumed.digest() == sha256_hex(contents(path)));
  CHECK(resumed.bytes() == contents(path).size());
}

TEST_CASE("a metrics file written by something else is refused at the next sync, naming it") {
  testing::TempDir dir;
  const std::string path = dir.write("metrics.jsonl", "");
  MetricsLog log(path);
  log.open();
  log.append({{"kind", "step"}, {"step", 0}});
  log.sync();
  std::ofstream(path, std::ios::app) << "{\"forged\":1}\n";
  try {
    log.sync();
    FAIL("sync accepted a file it did not write");
  } catch (const IoError& e) {
    const std::string what = e.what();
    CHECK(what.find(path) != std::string::npos);
    CHECK(what.find("changed by something other than this run") != std::string::npos);
  }
}

}  // namespace
}  // namespace dpt
