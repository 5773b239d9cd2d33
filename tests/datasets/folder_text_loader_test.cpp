// The folder loader (source "folder"): classes from sorted sub-folders or data.classes, raw
// bytes as tokens, hidden and empty files skipped and counted, source order, the content hash,
// predefined split folders, and an error naming the entry for every malformed layout.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <filesystem>
#include <string>
#include <vector>

#include "datasets/char_tokenizer.hpp"
#include "datasets/folder_text_loader.hpp"
#include "datasets/load_dataset.hpp"
#include "datasets/sha256.hpp"
#include "temp_dir.hpp"

using namespace dpt;
using dpt::testing::contains;
using dpt::testing::dataset_error_of;
using dpt::testing::TempDir;

namespace {

DataConfig folder_config(const std::string& path) {
  DataConfig c;
  c.source = DataSourceKind::kFolder;
  c.path = path;
  c.max_length = 64;
  c.validation_fraction = 0.0;
  c.test_fraction = 0.0;
  return c;
}

DataConfig splits_config(const std::string& train, const std::string& validation, const std::string& test) {
  DataConfig c = folder_config("");
  c.splits = SplitPaths{train, validation, test};
  return c;
}

// Writes <dir>/<relative> (creating the folders on the way) and returns its path.
std::string put(const TempDir& dir, const std::string& relative, const std::string& bytes) {
  std::filesystem::create_directories((dir.path() / relative).parent_path());
  return dir.write(relative, bytes);
}

std::string decoded(const Example& e) { return CharTokenizer::all_bytes().decode(e.tokens); }

std::vector<std::string> texts_of(const std::vector<Example>& split) {
  std::vector<std::string> t;
  for (const Example& e : split) t.push_back(decoded(e));
  return t;
}

}  // namespace

TEST_CASE("classes are the sub-folders sorted by bytes; files are read recursively in path order") {
  TempDir dir;
  put(dir, "pos/b.txt", "good");
  put(dir, "pos/a.txt", "great");
  put(dir, "neg/deep/er/z.txt", "bad");
  put(dir, "neg/c.txt", "awful");
  put(dir, "Zeta/x", "zed");  // 'Z' sorts before 'n' by bytes
  const std::string root = dir.path().string();
  const Dataset d = split_dataset(load_folder_text(folder_config(root)), 7);
  CHECK(d.task == TaskKind::kClassification);
  CHECK(d.class_names == std::vector<std::string>{"Zeta", "neg", "pos"});
  CHECK(d.num_classes == 3);
  CHECK(d.name == "folder:" + root);
  CHECK(d.privacy_unit == "one file (one example of a class folder)");
  // source order: classes in label order, then relative paths in byte order
  CHECK(texts_of(d.train) == std::vector<std::string>{"zed", "awful", "bad", "great", "good"});
  std::vector<int32_t> labels;
  for (const Example& e : d.train) labels.push_back(e.label);
  CHECK(labels == std::vector<int32_t>{0, 1, 1, 2, 2});
  CHECK(d.stats.at("texts") == 5);
  CHECK(d.stats.at("hidden_files_skipped") == 0);
  CHECK(d.stats.at("empty_files_skipped") == 0);
  // content hash: per file in source order, relative path, NUL, SHA-256 hex of its bytes, '\n'
  Sha256 h;
  const std::pair<const char*, const char*> files[] = {{"Zeta/x", "zed"}, {"neg/c.txt", "awful"}, {"neg/deep/er/z.txt", "bad"},
                                                        {"pos/a.txt", "great"}, {"pos/b.txt", "good"}};
  for (const auto& [relative, bytes] : files) {
    h.update(relative);
    h.update(std::string_view("\0", 1));
    h.update(sha256_hex(bytes));
    h.update("\n");
  }
  CHECK(d.content_hash == h.hex_digest());
}

TEST_CASE("data.classes fixes the label order") {
  TempDir dir;
  put(dir, "neg/a", "no");
  put(dir, "pos/a", "yes");
  DataConfig c = folder_config(dir.path().string());
  c.classes = {"pos", "neg"};
  const Dataset d = split_dataset(load_folder_text(c), 1);
  CHECK(d.class_names == std::vector<std::string>{"pos", "neg"});
  REQUIRE(d.train.size() == 2);
  CHECK(decoded(d.train[0]) == "yes");
  CHECK(d.train[0].label == 0);
  CHECK(decoded(d.train[1]) == "no");
  CHECK(d.train[1].label == 1);
}

TEST_CASE("raw bytes are tokens: invalid UTF-8 is kept; the observed vocabulary is the files' bytes") {
  TempDir dir;
  put(dir, "a/latin1.txt", "caf\xe9");
  put(dir, "b/bad.txt", std::string("\xff\xfe\x00z", 4));
  DataConfig c = folder_config(dir.path().string());
  const Dataset d = split_dataset(load_folder_text(c), 1);
  const CharTokenizer tok = CharTokenizer::all_bytes();
  CHECK(d.train[0].tokens == tok.encode("caf\xe9"));
  CHECK(d.train[1].tokens == tok.encode(std::string("\xff\xfe\x00z", 4)));
  c.vocabulary = "observed";
  const Dataset o = split_dataset(load_folder_text(c), 1);
  CHECK(o.vocab_size == 1 + 8);  // <pad> + the distinct bytes a c f \xe9 \xff \xfe \x00 z
}

TEST_CASE("hidden files and folders are skipped; empty files are skipped and counted") {
  TempDir dir;
  put(dir, "a/one", "1");
  put(dir, "a/.hidden", "secret");
  put(dir, "a/.git/config", "x");
  put(dir, "a/empty", "");
  put(dir, ".cache/b/two", "2");
  put(dir, "b/two", "2");
  const Dataset d = split_dataset(load_folder_text(folder_config(dir.path().string())), 1);
  CHECK(d.class_names == std::vector<std::string>{"a", "b"});
  CHECK(texts_of(d.train) == std::vector<std::string>{"1", "2"});
  CHECK(d.stats.at("hidden_files_skipped") == 3);  // a/.hidden, a/.git, .cache (a hidden folder counts once)
  CHECK(d.stats.at("empty_files_skipped") == 1);
}

TEST_CASE("max_length and scrub_pii apply as for jsonl") {
  TempDir dir;
  put(dir, "a/x", "write to bob@example.com today");
  DataConfig c = folder_config(dir.path().string());
  c.scrub_pii = true;
  c.max_length = 12;
  const Dataset d = split_dataset(load_folder_text(c), 1);
  CHECK(decoded(d.train[0]) == "write to <EM");
  CHECK(d.stats.at("truncated_texts") == 1);
  CHECK(d.stats.at("pii.email") == 1);
}

TEST_CASE("malformed folders are errors naming the entry") {
  SUBCASE("a class folder whose name is not UTF-8 (class names are written to data.json)") {
    TempDir dir;
    put(dir, "neg/a", "no");
    put(dir, "caf\xe9/a", "yes");
    const std::string e = dataset_error_of([&] { load_folder_text(folder_config(dir.path().string())); });
    CHECK(contains(e, "the class folder name 'caf\\xe9' is not valid UTF-8: rename it"));
  }
  SUBCASE("a class listed in data.classes is not a sub-folder") {
    TempDir dir;
    put(dir, "neg/a", "no");
    DataConfig c = folder_config(dir.path().string());
    c.classes = {"neg", "pos"};
    const std::string e = dataset_error_of([&] { load_folder_text(c); });
    CHECK(contains(e, "data.classes: class 'pos' is not a sub-folder of " + dir.path().string()));
  }
  SUBCASE("a sub-folder not in data.classes") {
    TempDir dir;
    put(dir, "neg/a", "no");
    put(dir, "pos/a", "yes");
    DataConfig c = folder_config(dir.path().string());
    c.classes = {"neg"};
    const std::string e = dataset_error_of([&] { load_folder_text(c); });
    CHECK(contains(e, "data.classes:"));
    CHECK(contains(e, "sub-folder 'pos' that is not listed"));
  }
  SUBCASE("a loose file in the root") {
    TempDir dir;
    put(dir, "neg/a", "no");
    const std::string loose = put(dir, "README", "about");
    CHECK(contains(dataset_error_of([&] { load_folder_text(folder_config(dir.path().string())); }), loose + ": a file directly in"));
  }
  SUBCASE("a FIFO is refused, never opened") {
    TempDir dir;
    put(dir, "neg/a", "no");
    const std::string fifo = (dir.path() / "neg" / "pipe").string();
    REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
    const std::string e = dataset_error_of([&] { load_folder_text(folder_config(dir.path().string())); });
    CHECK(contains(e, fifo + ": not a regular file (a FIFO)"));
  }
  SUBCASE("a class folder without examples") {
    TempDir dir;
    put(dir, "neg/a", "no");
    put(dir, "pos/empty", "");
    CHECK(contains(dataset_error_of([&] { load_folder_text(folder_config(dir.path().string())); }),
                   (dir.path() / "pos").string() + ": a class folder with no examples"));
  }
  SUBCASE("no class folders, or not a folder") {
    TempDir dir;
    CHECK(contains(dataset_error_of([&] { load_folder_text(folder_config(dir.path().string())); }), "no class sub-folders"));
    const std::string file = dir.write("f.txt", "x");
    CHECK(contains(dataset_error_of([&] { load_folder_text(folder_config(file)); }), file + ": not a folder"));
    const std::string missing = (dir.path() / "nope").string();
    CHECK(contains(dataset_error_of([&] { load_folder_text(folder_config(missing)); }), missing + ": no such folder"));
  }
  SUBCASE("a class name that is not a folder name") {
    TempDir dir;
    put(dir, "neg/a", "no");
    DataConfig c = folder_config(dir.path().string());
    c.classes = {"neg", "../etc"};
    CHECK(contains(dataset_error_of([&] { load_folder_text(c); }), "data.classes[1]:"));
  }
}

TEST_CASE("without data.splits the folder is split by a seeded shuffle") {
  TempDir dir;
  for (int i = 0; i < 20; ++i) put(dir, (i % 2 ? "a/" : "b/") + std::to_string(100 + i), "text " + std::to_string(i));
  DataConfig c = folder_config(dir.path().string());
  c.validation_fraction = 0.25;
  c.test_fraction = 0.25;
  const Dataset d = load_dataset(c, 3);
  CHECK(d.membership.kind == "shuffled");
  CHECK(d.train.size() == 10);
  CHECK(d.validation.size() == 5);
  CHECK(d.test.size() == 5);
}

TEST_CASE("predefined split folders: classes from train, in order, membership in source order") {
  TempDir dir;
  put(dir, "train/neg/1", "bad");
  put(dir, "train/pos/1", "good");
  put(dir, "train/pos/2", "great");
  put(dir, "val/pos/1", "fine");
  put(dir, "test/neg/1", "awful");  // a held-out folder may lack a class
  put(dir, "test/neg/2", "poor");
  const std::string train = (dir.path() / "train").string(), val = (dir.path() / "val").string(), test = (dir.path() / "test").string();
  const DataConfig c = splits_config(train, val, test);
  UnsplitDataset u = load_folder_text(c);
  CHECK(u.predefined);
  CHECK_FALSE(u.ordered);
  CHECK(u.counts.train == 3);
  CHECK(u.counts.validation == 1);
  CHECK(u.counts.test == 2);
  const Dataset d = split_dataset(std::move(u), 99);
  CHECK(d.class_names == std::vector<std::string>{"neg", "pos"});
  CHECK(texts_of(d.train) == std::vector<std::string>{"bad", "good", "great"});
  CHECK(texts_of(d.validation) == std::vector<std::string>{"fine"});
  CHECK(texts_of(d.test) == std::vector<std::string>{"awful", "poor"});
  CHECK(d.test[0].label == 0);
  CHECK(d.membership.kind == "predefined");
  CHECK(d.membership.train == std::vector<int64_t>{0, 1, 2});
  CHECK(d.membership.validation == std::vector<int64_t>{3});
  CHECK(d.membership.test == std::vector<int64_t>{4, 5});
  CHECK(d.name == "folder:train=" + train + ",validation=" + val + ",test=" + test);

  // the content hash covers every split folder
  const std::string before = d.content_hash;
  put(dir, "test/neg/2", "poorer");
  CHECK(split_dataset(load_folder_text(c), 1).content_hash != before);
  // no test split
  const Dataset two = split_dataset(load_folder_text(splits_config(train, val, "")), 1);
  CHECK(two.test.empty());
  CHECK(two.validation.size() == 1);
}

TEST_CASE("predefined split folders: a class only in a held-out split, overlap, an empty split") {
  SUBCASE("a class only in the test folder") {
    TempDir dir;
    put(dir, "train/neg/1", "bad");
    put(dir, "test/pos/1", "good");
    const std::string train = (dir.path() / "train").string(), test = (dir.path() / "test").string();
    const std::string e = dataset_error_of([&] { load_folder_text(splits_config(train, "", test)); });
    CHECK(contains(e, test + ": class 'pos' has no training examples (it is not a sub-folder of " + train + ")"));
  }
  SUBCASE("the same text in train and validation (after truncation)") {
    TempDir dir;
    put(dir, "train/neg/1", "same start, then A");
    put(dir, "train/neg/2", "other");
    const std::string copy = put(dir, "val/neg/9", "same start, then B");
    DataConfig c = splits_config((dir.path() / "train").string(), (dir.path() / "val").string(), "");
    c.max_length = 10;
    const std::string e = dataset_error_of([&] { load_folder_text(c); });
    CHECK(contains(e, "data.splits: the same example is in two splits: " + (dir.path() / "train/neg/1").string() + " and " + copy));
    c.max_length = 64;
    CHECK(dataset_error_of([&] { load_folder_text(c); }) == "<no error>");
  }
  SUBCASE("a validation folder without examples") {
    TempDir dir;
    put(dir, "train/neg/1", "bad");
    std::filesystem::create_directories(dir.path() / "val");
    const std::string val = (dir.path() / "val").string();
    CHECK(contains(dataset_error_of([&] { load_folder_text(splits_config((dir.path() / "train").string(), val, "")); }),
                   val + ": no examples in the folder"));
  }
}
