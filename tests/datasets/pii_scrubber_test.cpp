// PII scrubbing: each kind replaced by its placeholder (with the edge cases the brief lists),
// counts per kind, and no false positives on ordinary numbers, dates, prices and versions.
#include <doctest/doctest.h>

#include <string>

#include "datasets/pii_scrubber.hpp"

using namespace dpt;

namespace {
std::string scrub(const std::string& text, PiiCounts* counts = nullptr) {
  PiiCounts local;
  return scrub_pii(text, counts != nullptr ? *counts : local);
}
}  // namespace

TEST_CASE("e-mail addresses become <EMAIL>") {
  PiiCounts c;
  CHECK(scrub("write to a.b+c@d.co.uk today", &c) == "write to <EMAIL> today");
  CHECK(scrub("<jo_smith-1@mail.example.com>") == "<<EMAIL>>");
  CHECK(scrub("mailto:x%y@host.org.") == "mailto:<EMAIL>.");
  CHECK(scrub("a@b.com,c@d.net") == "<EMAIL>,<EMAIL>");
  CHECK(c.email == 1);
  SUBCASE("not addresses") {
    CHECK(scrub("user@localhost") == "user@localhost");  // no dot in the domain
    CHECK(scrub("@home.com") == "@home.com");            // no local part
    CHECK(scrub("x@y.c") == "x@y.c");                    // one-letter TLD
    CHECK(scrub("meet @ 5.30") == "meet @ 5.30");
  }
}

TEST_CASE("URLs become <URL>, without the sentence's trailing punctuation") {
  PiiCounts c;
  CHECK(scrub("see http://x.y/z?q=1", &c) == "see <URL>");
  CHECK(scrub("(https://example.com/a_b#c).") == "(<URL>).");
  CHECK(scrub("go to www.example.org, now") == "go to <URL>, now");
  CHECK(scrub("href=\"HTTP://A.B/c\">") == "href=\"<URL>\">");
  CHECK(scrub("ftp://files.example.net/pub") == "<URL>");
  CHECK(c.url == 1);
  CHECK(scrub("http:// nothing") == "http:// nothing");
  CHECK(scrub("a URL inside a word: xhttp://a.b") == "a URL inside a word: xhttp://a.b");
  SUBCASE("a URL with an address in it is one URL") {
    PiiCounts u;
    CHECK(scrub("http://user@host.com/x", &u) == "<URL>");
    CHECK(u.url == 1);
    CHECK(u.email == 0);
  }
}

TEST_CASE("IPv4 addresses become <IP>") {
  PiiCounts c;
  CHECK(scrub("from 192.168.0.1 via [10.0.0.254]", &c) == "from <IP> via [<IP>]");
  CHECK(c.ip == 2);
  CHECK(scrub("0.0.0.0") == "<IP>");
  CHECK(scrub("256.1.1.1") == "256.1.1.1");      // part > 255
  CHECK(scrub("1.2.3") == "1.2.3");              // three parts
  CHECK(scrub("1.2.3.4.5") == "1.2.3.4.5");      // five parts: not an address
  CHECK(scrub("1234.1.1.1") == "1234.1.1.1");
}

TEST_CASE("phone numbers become <PHONE>") {
  PiiCounts c;
  CHECK(scrub("call (555) 123-4567 now", &c) == "call <PHONE> now");
  CHECK(scrub("+1 555 123 4567") == "<PHONE>");
  CHECK(scrub("555-123-4567.") == "<PHONE>.");
  CHECK(scrub("555.123.4567") == "<PHONE>");
  CHECK(scrub("1-800-555-1234") == "<PHONE>");
  CHECK(scrub("+44 20 7946 0958") == "<PHONE>");
  CHECK(scrub("+49 (30) 1234 5678") == "<PHONE>");
  CHECK(scrub("tel:+1.617.877.3271") == "tel:<PHONE>");
  CHECK(c.phone == 1);
  SUBCASE("not phone numbers") {
    CHECK(scrub("555-123-45678") == "555-123-45678");  // last group too long
    CHECK(scrub("555-123-4567-89") == "555-123-4567-89");
    CHECK(scrub("+1 2") == "+1 2");
    CHECK(scrub("5551234567") == "5551234567");  // no separators: a limitation, documented
  }
}

TEST_CASE("no false positives on ordinary numbers, dates, prices and versions") {
  const char* const kOrdinary[] = {
      "pi is 3.14",          "on 2024-01-05 at 10:30", "costs $1,234.56",   "release v1.2.3",
      "room 12",             "in 1999",                "1999 2000 2001 2002", "2000-2014",
      "12.05.2024",          "ISBN 978-3-16-148410-0", "x = -3.5e10",        "50% off 1/2/2003",
      "version 2.4.9 of it", "a.b.c and foo@bar",      "id 12345678901234",  "5 + 3 = 8",
  };
  for (const char* text : kOrdinary) {
    PiiCounts c;
    CAPTURE(text);
    CHECK(scrub(text, &c) == text);
    CHECK(c.email + c.url + c.ip + c.phone == 0);
  }
}

TEST_CASE("bytes that are not UTF-8 pass through, and counts go to stats") {
  const std::string raw = std::string("caf\xe9 \xff\xfe ") + "a@b.io";
  PiiCounts c;
  CHECK(scrub_pii(raw, c) == std::string("caf\xe9 \xff\xfe ") + "<EMAIL>");
  c += PiiCounts{0, 2, 3, 4};
  std::map<std::string, int64_t> stats;
  record_pii_stats(c, stats);
  CHECK(stats.at("pii.email") == 1);
  CHECK(stats.at("pii.url") == 2);
  CHECK(stats.at("pii.ip") == 3);
  CHECK(stats.at("pii.phone") == 4);
}
