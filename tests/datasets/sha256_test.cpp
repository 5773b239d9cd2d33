// SHA-256 against the FIPS 180-2 appendix vectors, and incremental updates.
#include <doctest/doctest.h>

#include <string>

#include "datasets/sha256.hpp"

using namespace dpt;

TEST_CASE("sha256 matches the FIPS 180-2 test vectors") {
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST_CASE("sha256 of one million 'a' (FIPS 180-2 appendix B.3)") {
  CHECK(sha256_hex(std::string(1000000, 'a')) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("sha256 gives the same digest however the input is fed") {
  const std::string text = "The quick brown fox jumps over the lazy dog, again and again, across block boundaries.";
  for (size_t piece : {1u, 3u, 63u, 64u, 65u}) {
    CAPTURE(piece);
    Sha256 h;
    for (size_t i = 0; i < text.size(); i += piece) h.update(std::string_view(text).substr(i, piece));
    Sha256 whole;
    whole.update(text);
    CHECK(h.digest() == whole.digest());
  }
  CHECK(sha256_hex("The quick brown fox jumps over the lazy dog") ==
        "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592");
}
