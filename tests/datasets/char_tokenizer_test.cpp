// The byte-level character tokenizer: fixed and observed vocabularies, round trips of any bytes.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/error.hpp"
#include "datasets/char_tokenizer.hpp"

using namespace dpt;

TEST_CASE("all_bytes has ids 1..256 for bytes 0..255 and reserves id 0") {
  const CharTokenizer tok = CharTokenizer::all_bytes();
  CHECK(tok.vocab_size() == 257);
  CHECK(tok.encode("A") == std::vector<int32_t>{'A' + 1});
  CHECK(tok.vocabulary().size() == 257);
  CHECK(tok.vocabulary()[0] == "<pad>");
  CHECK(tok.vocabulary()['A' + 1] == "A");
}

TEST_CASE("any byte string round-trips including invalid UTF-8") {
  const CharTokenizer tok = CharTokenizer::all_bytes();
  const std::string bytes = std::string("h\xC3\xA9\xFF\xFE\x00z", 7);
  const std::vector<int32_t> ids = tok.encode(bytes);
  CHECK(ids.size() == 7);
  for (const int32_t id : ids) CHECK(id >= 1);
  CHECK(tok.decode(ids) == bytes);
}

TEST_CASE("observed_bytes keeps the distinct bytes in increasing order") {
  const CharTokenizer tok = CharTokenizer::observed_bytes("cabbac\n");
  CHECK(tok.vocab_size() == 5);
  CHECK(tok.vocabulary() == std::vector<std::string>{"<pad>", "\\n", "a", "b", "c"});
  CHECK(tok.encode("abc\n") == std::vector<int32_t>{2, 3, 4, 1});
  CHECK_THROWS_AS(tok.encode("d"), InvalidArgument);
  CHECK_THROWS_AS(tok.decode({0}), InvalidArgument);
}

TEST_CASE("vocabulary texts are printable ASCII whatever the bytes") {
  const CharTokenizer tok = CharTokenizer::observed_bytes(std::string("\\\t\xE9", 3));
  CHECK(tok.vocabulary() == std::vector<std::string>{"<pad>", "\\t", "\\x5c", "\\xe9"});
}
