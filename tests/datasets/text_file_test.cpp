// read_file_bytes reads regular files only: a device, a FIFO (which would block until a writer
// came), a directory or a symlink to any of them is refused before reading, naming the path;
// and the loaders that read folders (spam) refuse such an entry instead of skipping it.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>

#include "datasets/load_dataset.hpp"
#include "datasets/spam_loader.hpp"
#include "datasets/text_file.hpp"
#include "temp_dir.hpp"

using namespace dpt;
using dpt::testing::contains;
using dpt::testing::dataset_error_of;
using dpt::testing::TempDir;

TEST_CASE("read_file_bytes: regular files only, refused before reading") {
  TempDir dir;
  const std::string fifo = (dir.path() / "pipe.csv").string();
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  const std::string link = (dir.path() / "zero.csv").string();
  std::filesystem::create_symlink("/dev/zero", link);
  struct Case {
    std::string path;
    std::string kind;
  };
  for (const Case& c : {Case{"/dev/zero", "a character device"}, Case{"/dev/null", "a character device"},
                        Case{fifo, "a FIFO"}, Case{dir.path().string(), "a directory"},
                        Case{link, "a character device"}}) {
    CAPTURE(c.path);
    const std::string msg = dataset_error_of([&] { read_file_bytes(c.path); });
    CHECK(contains(msg, c.path + ": not a regular file (" + c.kind + ")"));
  }
  CHECK(contains(dataset_error_of([&] { read_file_bytes((dir.path() / "nope").string()); }), "nope: no such file"));
  const std::string bytes("a\0b\n", 4);
  CHECK(read_file_bytes(dir.write("ok.txt", bytes)) == bytes);
  CHECK(read_file_bytes(dir.write("empty.txt", "")).empty());
}

TEST_CASE("spam: a *.txt entry that is not a regular file is refused, not skipped") {
  TempDir dir;
  const auto make_group = [&](std::string_view g) {
    std::filesystem::create_directories(dir.path() / g);
    dir.write(std::string(g) + "/00001.txt", "Subject: a\n\nbody\n");
  };
  for (const std::string_view g : kHamGroups) make_group(g);
  for (const std::string_view g : kSpamGroups) make_group(g);
  DataConfig c;
  c.source = DataSourceKind::kSpam;
  c.path = dir.path().string();
  c.validation_fraction = 0.0;
  c.test_fraction = 0.0;
  SUBCASE("a FIFO") {
    const std::string fifo = (dir.path() / "easy-ham-1" / "00002.txt").string();
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    CHECK(contains(dataset_error_of([&] { load_dataset(c, 1); }), fifo + ": not a regular file (a FIFO)"));
  }
  SUBCASE("a folder") {
    const std::filesystem::path sub = dir.path() / "spam-1" / "00002.txt";
    std::filesystem::create_directories(sub);
    CHECK(contains(dataset_error_of([&] { load_dataset(c, 1); }), sub.string() + ": not a regular file (a directory)"));
  }
}
