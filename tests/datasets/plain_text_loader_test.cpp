// The plain-text loader: fixed-length byte chunks, a contiguous split by position, any bytes
// accepted, and clear errors for empty or too short files.
#include <doctest/doctest.h>

#include <string>

#include "datasets/char_tokenizer.hpp"
#include "datasets/plain_text_loader.hpp"
#include "datasets/sha256.hpp"
#include "temp_dir.hpp"

using namespace dpt;
using dpt::testing::contains;
using dpt::testing::dataset_error_of;
using dpt::testing::TempDir;

namespace {

DataConfig text_config(const std::string& path, int chunk_length) {
  DataConfig c;
  c.source = DataSourceKind::kText;
  c.path = path;
  c.chunk_length = chunk_length;
  c.validation_fraction = 0.2;
  c.test_fraction = 0.2;
  return c;
}

std::string decoded(const Example& e) { return CharTokenizer::all_bytes().decode(e.tokens); }

}  // namespace

TEST_CASE("the text is cut into consecutive chunks split into contiguous blocks") {
  TempDir dir;
  const std::string text = "abcdefghijklmnopqrstuvwxyz0123";  // 30 bytes: 10 chunks of 3
  const Dataset d = split_dataset(load_plain_text(text_config(dir.write("t.txt", text), 3)), 0);
  CHECK(d.task == TaskKind::kLanguageModel);
  CHECK(d.vocab_size == 257);
  CHECK(d.train.size() == 6);
  CHECK(d.validation.size() == 2);
  CHECK(d.test.size() == 2);
  CHECK(decoded(d.train[0]) == "abc");
  CHECK(decoded(d.train[5]) == "pqr");
  CHECK(decoded(d.validation[0]) == "stu");
  CHECK(decoded(d.test[1]) == "123");
  CHECK(d.content_hash == sha256_hex(text));
  CHECK(contains(d.privacy_unit, "one chunk of 3 characters"));
}

TEST_CASE("a short last chunk is kept if it has a next-token target") {
  TempDir dir;
  DataConfig c = text_config(dir.write("t.txt", "abcdefgh"), 3);
  c.validation_fraction = 0.0;
  c.test_fraction = 0.0;
  const Dataset kept = split_dataset(load_plain_text(c), 0);
  CHECK(kept.train.size() == 3);
  CHECK(decoded(kept.train[2]) == "gh");
  c.path = dir.write("u.txt", "abcdefg");
  const Dataset dropped = split_dataset(load_plain_text(c), 0);
  CHECK(dropped.train.size() == 2);
  CHECK(dropped.stats.at("dropped_tail_bytes") == 1);
}

TEST_CASE("bytes that are not UTF-8 are tokens like any other") {
  TempDir dir;
  DataConfig c = text_config(dir.write("b.txt", std::string("\xff\xfe\x00\x80" "ab", 6)), 2);
  c.validation_fraction = 0.0;
  c.test_fraction = 0.0;
  c.vocabulary = "observed";
  const Dataset d = split_dataset(load_plain_text(c), 0);
  CHECK(d.vocab_size == 7);
  CHECK(d.vocabulary == std::vector<std::string>{"<pad>", "\\x00", "a", "b", "\\x80", "\\xfe", "\\xff"});
  CHECK(d.train[0].tokens == std::vector<int32_t>{6, 5});
}

TEST_CASE("empty or too short text files and bad chunk lengths are errors") {
  TempDir dir;
  const std::string empty = dir.write("e.txt", "");
  CHECK(contains(dataset_error_of([&] { load_plain_text(text_config(empty, 4)); }), empty + ": empty file"));
  const std::string one = dir.write("o.txt", "x");
  CHECK(contains(dataset_error_of([&] { load_plain_text(text_config(one, 4)); }), one + ": 1 byte(s)"));
  CHECK(contains(dataset_error_of([&] { load_plain_text(text_config(one, 1)); }), "data.chunk_length"));
}
