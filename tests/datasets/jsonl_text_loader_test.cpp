// The JSONL text loader: labels, truncation, byte tokens, the seeded split, and errors naming
// the file and the line for every kind of malformed line; predefined split files (data.splits).
#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "datasets/char_tokenizer.hpp"
#include "datasets/jsonl_text_loader.hpp"
#include "datasets/sha256.hpp"
#include "temp_dir.hpp"

using namespace dpt;
using dpt::testing::contains;
using dpt::testing::dataset_error_of;
using dpt::testing::TempDir;

namespace {

DataConfig jsonl_config(const std::string& path) {
  DataConfig c;
  c.source = DataSourceKind::kJsonl;
  c.path = path;
  c.max_length = 8;
  c.validation_fraction = 0.0;
  c.test_fraction = 0.0;
  return c;
}

std::string many_texts(int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += "{\"text\": \"text " + std::to_string(i) + "\", \"label\": " + std::to_string(i % 3) + "}\n";
  return s;
}

}  // namespace

TEST_CASE("integer labels and byte tokens and truncation and blank lines") {
  TempDir dir;
  const std::string path = dir.write("t.jsonl", "{\"text\": \"hi\", \"label\": 1}\n\n   \n{\"label\": 0, \"text\": \"a long text\"}\n"
                                                "{\"text\": \"\", \"label\": 2}\n");
  const Dataset d = split_dataset(load_jsonl_text(jsonl_config(path)), 1);
  CHECK(d.task == TaskKind::kClassification);
  CHECK(d.num_classes == 2);  // the empty text (label 2) is skipped
  CHECK(d.class_names == std::vector<std::string>{"0", "1"});
  CHECK(d.vocab_size == 257);
  REQUIRE(d.train.size() == 2);
  const CharTokenizer tok = CharTokenizer::all_bytes();
  CHECK(d.train[0].tokens == tok.encode("hi"));
  CHECK(d.train[0].label == 1);
  CHECK(d.train[1].tokens == tok.encode("a long t"));  // max_length 8
  CHECK(d.train[1].label == 0);
  CHECK(d.stats.at("blank_lines") == 2);
  CHECK(d.stats.at("truncated_texts") == 1);
  CHECK(d.stats.at("empty_texts_skipped") == 1);
  CHECK(contains(d.privacy_unit, "one text"));
}

TEST_CASE("string labels become classes in sorted order") {
  TempDir dir;
  const std::string path = dir.write("s.jsonl", "{\"text\": \"x\", \"label\": \"spam\"}\n{\"text\": \"y\", \"label\": \"ham\"}\n"
                                                "{\"text\": \"z\", \"label\": \"eggs\"}\n");
  const Dataset d = split_dataset(load_jsonl_text(jsonl_config(path)), 1);
  CHECK(d.class_names == std::vector<std::string>{"eggs", "ham", "spam"});
  CHECK(d.num_classes == 3);
  CHECK(d.train[0].label == 2);
  CHECK(d.train[1].label == 1);
  CHECK(d.train[2].label == 0);
}

TEST_CASE("non-ASCII text is tokenised by bytes and the observed vocabulary is the file's bytes") {
  TempDir dir;
  const std::string path = dir.write("u.jsonl", "{\"text\": \"caf\\u00e9\", \"label\": 0}\n{\"text\": \"ab\", \"label\": 1}\n");
  DataConfig c = jsonl_config(path);
  const Dataset bytes = split_dataset(load_jsonl_text(c), 1);
  CHECK(bytes.train[0].tokens.size() == 5);  // 'é' is two bytes
  c.vocabulary = "observed";
  const Dataset observed = split_dataset(load_jsonl_text(c), 1);
  CHECK(observed.vocabulary == std::vector<std::string>{"<pad>", "a", "b", "c", "f", "\\xa9", "\\xc3"});
  CHECK(observed.train[1].tokens == std::vector<int32_t>{1, 2});
}

TEST_CASE("the split is a deterministic shuffle by the split seed") {
  TempDir dir;
  DataConfig c = jsonl_config(dir.write("m.jsonl", many_texts(100)));
  c.max_length = 64;
  c.validation_fraction = 0.1;
  c.test_fraction = 0.2;
  const Dataset a = split_dataset(load_jsonl_text(c), 5), b = split_dataset(load_jsonl_text(c), 5), other = split_dataset(load_jsonl_text(c), 6);
  CHECK(a.train.size() == 70);
  CHECK(a.validation.size() == 10);
  CHECK(a.test.size() == 20);
  auto texts = [](const std::vector<Example>& split) {
    std::vector<std::vector<int32_t>> t;
    for (const Example& e : split) t.push_back(e.tokens);
    return t;
  };
  CHECK(texts(a.test) == texts(b.test));
  CHECK(texts(a.test) != texts(other.test));
  // every text in exactly one split
  std::vector<std::vector<int32_t>> all = texts(a.train);
  for (const auto& t : texts(a.validation)) all.push_back(t);
  for (const auto& t : texts(a.test)) all.push_back(t);
  std::sort(all.begin(), all.end());
  CHECK(all.size() == 100);
  CHECK(std::adjacent_find(all.begin(), all.end()) == all.end());
}

TEST_CASE("malformed JSONL lines give errors naming the file and the line") {
  TempDir dir;
  const std::string good = "{\"text\": \"ok\", \"label\": 0}\n\n";  // lines 1-2; the bad line is line 3
  const char* bad_lines[] = {
      "{\"text\": \"unterminated}",           // malformed JSON
      "[1, 2]",                               // not an object
      "{\"label\": 0}",                       // no text
      "{\"text\": 5, \"label\": 0}",          // text not a string
      "{\"text\": \"x\"}",                    // no label
      "{\"text\": \"x\", \"label\": 1.5}",    // fractional label
      "{\"text\": \"x\", \"label\": true}",   // boolean label
      "{\"text\": \"x\", \"label\": -1}",     // negative label
      "{\"text\": \"x\", \"label\": \"a\"}",  // string after integer labels
      "{\"text\": \"\xff\xfe\", \"label\": 0}",  // invalid UTF-8: reported, not a crash
  };
  for (const char* bad : bad_lines) {
    CAPTURE(bad);
    const std::string path = dir.write("bad.jsonl", good + bad + "\n" + good);
    CHECK(contains(dataset_error_of([&] { load_jsonl_text(jsonl_config(path)); }), path + ":3:"));
  }
}

TEST_CASE("a file without examples is an error naming the file") {
  TempDir dir;
  for (const char* content : {"", "\n  \n", "{\"text\": \"\", \"label\": 0}\n"}) {
    const std::string path = dir.write("e.jsonl", content);
    CHECK(contains(dataset_error_of([&] { load_jsonl_text(jsonl_config(path)); }), path + ": no examples"));
  }
  DataConfig c = jsonl_config(dir.write("ok.jsonl", many_texts(3)));
  c.vocabulary = "words";
  CHECK(contains(dataset_error_of([&] { load_jsonl_text(c); }), "data.vocabulary"));
}

namespace {

DataConfig jsonl_splits_config(const std::string& train, const std::string& validation, const std::string& test) {
  DataConfig c = jsonl_config("");
  c.splits = SplitPaths{train, validation, test};
  return c;
}

std::string row(const std::string& text, const std::string& label) { return "{\"text\": \"" + text + "\", \"label\": " + label + "}\n"; }

}  // namespace

TEST_CASE("predefined splits: counts are the files' sizes, file order kept, classes from the training file") {
  TempDir dir;
  const std::string train = dir.write("train.jsonl", row("t1", "\"b\"") + "\n" + row("t2", "\"a\"") + row("t3", "\"b\""));
  const std::string val = dir.write("val.jsonl", row("v1", "\"a\""));
  const std::string test = dir.write("test.jsonl", row("x1", "\"b\"") + row("", "\"a\"") + row("x2", "\"a\""));
  const DataConfig c = jsonl_splits_config(train, val, test);
  UnsplitDataset u = load_jsonl_text(c);
  CHECK(u.predefined);
  CHECK_FALSE(u.ordered);
  CHECK(u.counts.train == 3);
  CHECK(u.counts.validation == 1);
  CHECK(u.counts.test == 2);
  const Dataset d = split_dataset(std::move(u), 777);
  const CharTokenizer tok = CharTokenizer::all_bytes();
  CHECK(d.class_names == std::vector<std::string>{"a", "b"});
  REQUIRE(d.train.size() == 3);
  CHECK(d.train[0].tokens == tok.encode("t1"));
  CHECK(d.train[1].tokens == tok.encode("t2"));
  CHECK(d.train[2].tokens == tok.encode("t3"));
  CHECK(d.validation[0].tokens == tok.encode("v1"));
  CHECK(d.test[0].tokens == tok.encode("x1"));
  CHECK(d.test[1].tokens == tok.encode("x2"));
  CHECK(d.test[1].label == 0);
  CHECK(d.membership.kind == "predefined");
  CHECK(d.membership.train == std::vector<int64_t>{0, 1, 2});
  CHECK(d.membership.validation == std::vector<int64_t>{3});
  CHECK(d.membership.test == std::vector<int64_t>{4, 5});
  CHECK(d.stats.at("blank_lines") == 1);
  CHECK(d.stats.at("empty_texts_skipped") == 1);
  CHECK(d.name == "jsonl:train=" + train + ",validation=" + val + ",test=" + test);
}

TEST_CASE("predefined splits: the content hash is over every split file") {
  TempDir dir;
  const std::string train = dir.write("train.jsonl", row("t1", "0") + row("t2", "1"));
  const std::string test = dir.write("test.jsonl", row("x1", "1"));
  const DataConfig c = jsonl_splits_config(train, "", test);
  const Dataset d = split_dataset(load_jsonl_text(c), 1);
  CHECK(d.content_hash == sha256_hex("train\n" + sha256_hex(row("t1", "0") + row("t2", "1")) + "\ntest\n" + sha256_hex(row("x1", "1")) + "\n"));
  CHECK(d.validation.empty());
  dir.write("test.jsonl", row("x1", "0"));
  CHECK(split_dataset(load_jsonl_text(c), 1).content_hash != d.content_hash);
}

TEST_CASE("predefined splits: labels only in a held-out file, overlap and an empty file are refused") {
  TempDir dir;
  const std::string train = dir.write("train.jsonl", row("t1", "\"a\"") + row("t2", "\"b\""));
  const std::string test = dir.write("test.jsonl", row("x1", "\"a\"") + "\n" + row("x2", "\"c\""));
  CHECK(contains(dataset_error_of([&] { load_jsonl_text(jsonl_splits_config(train, "", test)); }),
                 test + ":3: label \"c\" has no training examples (it is not a label of " + train + ")"));
  const std::string int_train = dir.write("itrain.jsonl", row("t1", "0") + row("t2", "2"));
  const std::string int_test = dir.write("itest.jsonl", row("x1", "1") + row("x2", "3"));
  CHECK(contains(dataset_error_of([&] { load_jsonl_text(jsonl_splits_config(int_train, "", int_test)); }), int_test + ":2: label 3"));
  CHECK(contains(dataset_error_of([&] { load_jsonl_text(jsonl_splits_config(train, "", int_test)); }), int_test + ":1:"));
  // Integer labels make classes 0..2 of {0, 2}: class 1 exists but has no training example.
  const std::string gap_test = dir.write("gap.jsonl", row("x0", "0") + row("x1", "1"));
  CHECK(dataset_error_of([&] { load_jsonl_text(jsonl_splits_config(int_train, "", gap_test)); }) ==
        gap_test + ":2: label 1 has no training examples (" + int_train + " has none with it).");

  // One file as two splits, under another name: refused by content, not by the path string.
  CHECK(contains(dataset_error_of([&] { load_jsonl_text(jsonl_splits_config(train, "", (dir.path() / "." / "train.jsonl").string())); }),
                 "data.splits: " + train + " and "));

  const std::string empty = dir.write("val.jsonl", "\n{\"text\": \"\", \"label\": \"a\"}\n");
  CHECK(contains(dataset_error_of([&] { load_jsonl_text(jsonl_splits_config(train, empty, "")); }), empty + ": no examples"));

  // overlap: compared after truncation (max_length 8), naming both lines
  const std::string val = dir.write("val.jsonl", row("fresh", "\"a\"") + row("t2 and more", "\"b\""));
  DataConfig c = jsonl_splits_config(dir.write("train2.jsonl", row("t1", "\"a\"") + row("t2 and m", "\"b\"")), val, "");
  CHECK(contains(dataset_error_of([&] { load_jsonl_text(c); }),
                 "data.splits: the same example is in two splits: " + c.splits->train + ":2 and " + val + ":2"));
  // the same text with another label is not the same example
  dir.write("val.jsonl", row("t2 and m", "\"a\""));
  CHECK(dataset_error_of([&] { load_jsonl_text(c); }) == "<no error>");
}

TEST_CASE("without data.splits a jsonl file is read as before: its hash, its name, a shuffled split") {
  TempDir dir;
  const std::string bytes = many_texts(10);
  DataConfig c = jsonl_config(dir.write("one.jsonl", bytes));
  c.validation_fraction = 0.2;
  UnsplitDataset u = load_jsonl_text(c);
  CHECK_FALSE(u.predefined);
  CHECK_FALSE(u.ordered);
  CHECK(u.counts.validation == 2);
  const Dataset d = split_dataset(std::move(u), 4);
  CHECK(d.content_hash == sha256_hex(bytes));
  CHECK(d.name == "jsonl:" + c.path);
  CHECK(d.privacy_unit == "one text (one line of the file)");
  CHECK(d.membership.kind == "shuffled");
}
