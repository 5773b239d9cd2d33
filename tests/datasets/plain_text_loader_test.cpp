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

namespace {

DataConfig text_splits_config(const std::string& train, const std::string& validation, const std::string& test, int chunk_length) {
  DataConfig c = text_config("", chunk_length);
  c.validation_fraction = 0.0;
  c.test_fraction = 0.0;
  c.splits = SplitPaths{train, validation, test};
  return c;
}

}  // namespace

TEST_CASE("predefined splits: each file chunked on its own, counts are the files' chunks, file order kept") {
  TempDir dir;
  const std::string train = dir.write("train.txt", "abcdefg");  // abc def g (dropped: a single byte)
  const std::string val = dir.write("val.txt", "hijk");         // hij k (dropped)
  const std::string test = dir.write("test.txt", "lmnop");      // lmn op
  const DataConfig c = text_splits_config(train, val, test, 3);
  UnsplitDataset u = load_plain_text(c);
  CHECK(u.predefined);
  CHECK_FALSE(u.ordered);
  CHECK(u.counts.train == 2);
  CHECK(u.counts.validation == 1);
  CHECK(u.counts.test == 2);
  const Dataset d = split_dataset(std::move(u), 12345);
  REQUIRE(d.train.size() == 2);
  CHECK(decoded(d.train[0]) == "abc");
  CHECK(decoded(d.train[1]) == "def");
  CHECK(decoded(d.validation[0]) == "hij");  // no chunk spans two files
  CHECK(decoded(d.test[0]) == "lmn");
  CHECK(decoded(d.test[1]) == "op");
  CHECK(d.membership.kind == "predefined");
  CHECK(d.membership.test == std::vector<int64_t>{3, 4});
  CHECK(d.stats.at("chunks") == 5);
  CHECK(d.stats.at("bytes") == 16);
  CHECK(d.stats.at("dropped_tail_bytes") == 2);
  CHECK(d.name == "text:train=" + train + ",validation=" + val + ",test=" + test);
  CHECK(d.content_hash == sha256_hex("train\n" + sha256_hex("abcdefg") + "\nvalidation\n" + sha256_hex("hijk") + "\ntest\n" +
                                     sha256_hex("lmnop") + "\n"));
  dir.write("val.txt", "hijK");
  CHECK(split_dataset(load_plain_text(c), 1).content_hash != d.content_hash);
}

TEST_CASE("predefined splits: the observed vocabulary covers every file; repeated text is allowed; empty files refused") {
  TempDir dir;
  const std::string train = dir.write("train.txt", "abab");
  const std::string val = dir.write("val.txt", "abba");  // running text may repeat a chunk ("ab"): not an error
  const std::string test = dir.write("test.txt", "zz");
  DataConfig c = text_splits_config(train, val, test, 2);
  c.vocabulary = "observed";
  const Dataset d = split_dataset(load_plain_text(c), 0);
  CHECK(d.vocabulary == std::vector<std::string>{"<pad>", "a", "b", "z"});
  const std::string empty = dir.write("empty.txt", "");
  CHECK(contains(dataset_error_of([&] { load_plain_text(text_splits_config(train, empty, "", 2)); }), empty + ": empty file"));
  const std::string one = dir.write("one.txt", "q");
  CHECK(contains(dataset_error_of([&] { load_plain_text(text_splits_config(train, "", one, 2)); }), one + ": 1 byte(s)"));
  // ... but a file whose bytes are the training file's (a copy, a symlink, ./train.txt) is not a held-out split.
  const std::string copy = dir.write("copy.txt", "abab");
  CHECK(dataset_error_of([&] { load_plain_text(text_splits_config(train, "", copy, 2)); }) ==
        "data.splits: " + train + " and " + copy + " hold the same bytes (the same file under two names, or a copy): the test "
        "split would be the train split.");
  const Dataset no_test = split_dataset(load_plain_text(text_splits_config(train, val, "", 2)), 0);
  CHECK(no_test.test.empty());
  CHECK(no_test.validation.size() == 2);
}
