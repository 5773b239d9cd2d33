// The SpamAssassin loader on a fixture folder: Subject + body only, labels by group, bytes that
// are not UTF-8, truncation, PII scrubbing before truncation, and missing groups.
#include <doctest/doctest.h>

#include <filesystem>
#include <set>
#include <string>

#include "datasets/char_tokenizer.hpp"
#include "datasets/load_dataset.hpp"
#include "datasets/spam_loader.hpp"
#include "temp_dir.hpp"

using namespace dpt;
using dpt::testing::contains;
using dpt::testing::dataset_error_of;
using dpt::testing::TempDir;

namespace {
const std::string kHam =
    "From someone@example.com  Thu Aug 22 12:36:23 2002\n"
    "Received: from host [10.1.2.3]\n"
    "Subject: Re: the meeting\n"
    "\tat noon\n"
    "X-Mailer: nothing\n"
    "\n"
    "See you there, call 555-123-4567.\n";
const std::string kSpam =
    "Return-Path: <spammer@bad.example.com>\r\n"
    "SUBJECT: WIN \xff\xfe money\r\n"
    "\r\n"
    "Click http://bad.example.com/x?id=1 now\r\n";

DataConfig spam_fixture(const TempDir& dir) {
  for (const std::string_view g : kHamGroups) std::filesystem::create_directories(dir.path() / g);
  for (const std::string_view g : kSpamGroups) std::filesystem::create_directories(dir.path() / g);
  dir.write("easy-ham-1/00001.aa.txt", kHam);
  dir.write("easy-ham-1/00001.aa.json", "{\"ignored\": true}");
  dir.write("easy-ham-2/00001.bb.txt", "Subject: hi\n\nbody two\n");
  dir.write("hard-ham-1/00001.cc.txt", "No-Subject: here\n\nbody three\n");
  dir.write("spam-1/00001.dd.txt", kSpam);
  dir.write("spam-2/00001.ee.txt", "Subject: only headers\n");
  DataConfig c;
  c.source = DataSourceKind::kSpam;
  c.path = dir.path().string();
  c.max_length = 1000;
  c.validation_fraction = 0.0;
  c.test_fraction = 0.0;
  return c;
}

std::set<std::pair<std::string, int32_t>> texts_of(const Dataset& d) {
  std::set<std::pair<std::string, int32_t>> out;
  for (const Example& e : d.train) out.emplace(CharTokenizer::all_bytes().decode(e.tokens), e.label);
  return out;
}
}  // namespace

TEST_CASE("subject_and_body keeps the Subject (unfolded) and the body, nothing else") {
  CHECK(subject_and_body(kHam) == "Re: the meeting at noon\nSee you there, call 555-123-4567.\n");
  CHECK(subject_and_body(kSpam) == "WIN \xff\xfe money\nClick http://bad.example.com/x?id=1 now\r\n");
  CHECK(subject_and_body("To: x\n\nbody") == "\nbody");
  CHECK(subject_and_body("Subject: s\n") == "s\n");
  CHECK(subject_and_body("") == "\n");
}

TEST_CASE("spam: labels by group, raw bytes, other files ignored") {
  TempDir dir;
  const Dataset d = load_dataset(spam_fixture(dir), 1);
  CHECK(d.class_names == std::vector<std::string>{"ham", "spam"});
  CHECK(d.stats.at("emails.ham") == 3);
  CHECK(d.stats.at("emails.spam") == 2);
  CHECK(d.stats.at("non_utf8_emails") == 1);
  CHECK(d.privacy_unit.find("one e-mail") == 0);
  CHECK(texts_of(d) == std::set<std::pair<std::string, int32_t>>{
                           {"Re: the meeting at noon\nSee you there, call 555-123-4567.\n", 0},
                           {"hi\nbody two\n", 0},
                           {"\nbody three\n", 0},
                           {"WIN \xff\xfe money\nClick http://bad.example.com/x?id=1 now\r\n", 1},
                           {"only headers\n", 1}});
  CHECK(d.stats.count("pii.email") == 0);  // not scrubbed, not counted
}

TEST_CASE("spam: PII scrubbed before truncation, counted per kind") {
  TempDir dir;
  DataConfig c = spam_fixture(dir);
  c.scrub_pii = true;
  const Dataset d = load_dataset(c, 1);
  CHECK(d.stats.at("pii.phone") == 1);
  CHECK(d.stats.at("pii.url") == 1);
  CHECK(d.stats.at("pii.email") == 0);  // the addresses were in dropped headers
  CHECK(d.stats.at("pii.ip") == 0);
  CHECK(texts_of(d).count({"Re: the meeting at noon\nSee you there, call <PHONE>.\n", 0}) == 1);
  c.max_length = 50;  // would cut the raw phone number after 555-12: no digits survive
  const Dataset cut = load_dataset(c, 1);
  CHECK(cut.stats.at("pii.phone") == 1);
  CHECK(texts_of(cut).count({"Re: the meeting at noon\nSee you there, call <PHONE", 0}) == 1);
  CHECK(cut.stats.at("truncated_texts") == 1);
}

TEST_CASE("spam: a missing group folder is an error naming it") {
  TempDir dir;
  const DataConfig c = spam_fixture(dir);
  std::filesystem::remove_all(dir.path() / "spam-2");
  const std::string message = dataset_error_of([&] { load_dataset(c, 1); });
  CHECK(contains(message, "spam-2"));
  CHECK(contains(message, "run scripts/fetch-data.sh"));
}
