// The PII scanners. At each position that starts a word (the previous byte is not a letter,
// digit or one of the joiners of that kind), try in turn: URL, e-mail, IPv4, phone; the first
// match is replaced, otherwise one byte is copied. Each scanner only looks forward from a word
// start, so the pass is linear in practice (no backtracking over the output).
#include "datasets/pii_scrubber.hpp"

#include <cstddef>

namespace dpt {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_alnum(char c) { return is_digit(c) || is_alpha(c); }
char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool starts_with_nocase(std::string_view s, size_t at, std::string_view prefix) {
  if (s.size() - at < prefix.size()) return false;
  for (size_t k = 0; k < prefix.size(); ++k) {
    if (lower(s[at + k]) != prefix[k]) return false;
  }
  return true;
}

bool is_email_local(char c) {
  return is_alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}

// A URL ends at whitespace, a control byte, a quote or an angle bracket; trailing
// punctuation (".", ",", ")", ...) belongs to the sentence, not the URL.
bool is_url_char(char c) {
  const auto b = static_cast<unsigned char>(c);
  return b > 0x20 && b != 0x7f && c != '<' && c != '>' && c != '"' && c != '\'' && c != '`';
}
bool is_trailing_punctuation(char c) {
  return c == '.' || c == ',' || c == ';' || c == ':' || c == '!' || c == '?' || c == ')' || c == ']' || c == '}';
}

// Length of a URL starting at `at` ("http://", "https://", "ftp://" or "www." + host), or 0.
size_t match_url(std::string_view s, size_t at) {
  size_t prefix = 0;
  for (const std::string_view scheme : {"https://", "http://", "ftp://", "www."}) {
    if (starts_with_nocase(s, at, scheme)) {
      prefix = scheme.size();
      break;
    }
  }
  if (prefix == 0 || at + prefix >= s.size() || !is_alnum(s[at + prefix])) return 0;
  size_t end = at + prefix;
  while (end < s.size() && is_url_char(s[end])) ++end;
  while (end > at + prefix && is_trailing_punctuation(s[end - 1])) --end;
  return end - at;
}

// Length of a domain name starting at `at`: labels of letters, digits and '-' joined by single
// dots, at least two labels, the last one (the TLD) of >= 2 letters. 0 if there is none.
size_t match_domain(std::string_view s, size_t at) {
  size_t i = at, end = 0;
  int labels = 0;
  for (;;) {
    const size_t label_start = i;
    bool all_alpha = true;
    while (i < s.size() && (is_alnum(s[i]) || s[i] == '-')) {
      all_alpha = all_alpha && is_alpha(s[i]);
      ++i;
    }
    const size_t label_length = i - label_start;
    if (label_length == 0 || s[label_start] == '-' || s[i - 1] == '-') break;
    ++labels;
    if (labels >= 2 && all_alpha && label_length >= 2) end = i;  // a complete name so far
    if (i + 1 < s.size() && s[i] == '.' && is_alnum(s[i + 1])) {
      ++i;
      continue;
    }
    break;
  }
  return end == 0 ? 0 : end - at;
}

// Length of an e-mail address starting at `at` (local part, '@', domain), or 0.
size_t match_email(std::string_view s, size_t at) {
  size_t i = at;
  while (i < s.size() && is_email_local(s[i])) ++i;
  if (i == at || i >= s.size() || s[i] != '@' || s[at] == '.' || s[i - 1] == '.') return 0;
  const size_t domain = match_domain(s, i + 1);
  return domain == 0 ? 0 : i + 1 + domain - at;
}

// Digits starting at `at`, at most `max`; returns how many.
size_t count_digits(std::string_view s, size_t at, size_t max) {
  size_t n = 0;
  while (at + n < s.size() && n < max + 1 && is_digit(s[at + n])) ++n;
  return n;
}

// The end of a number must not run on into more digits, letters or a dotted/dashed continuation
// ("1.2.3.4.5", "555-123-4567-89" are something else).
bool ends_number(std::string_view s, size_t end) {
  if (end >= s.size()) return true;
  if (is_alnum(s[end]) || s[end] == '@') return false;
  if ((s[end] == '.' || s[end] == '-') && end + 1 < s.size() && is_digit(s[end + 1])) return false;
  return true;
}

// Length of a dotted-quad IPv4 address (each part 0..255, at most 3 digits), or 0.
size_t match_ipv4(std::string_view s, size_t at) {
  size_t i = at;
  for (int part = 0; part < 4; ++part) {
    if (part > 0) {
      if (i >= s.size() || s[i] != '.') return 0;
      ++i;
    }
    const size_t n = count_digits(s, i, 3);
    if (n == 0 || n > 3) return 0;
    int value = 0;
    for (size_t k = 0; k < n; ++k) value = value * 10 + (s[i + k] - '0');
    if (value > 255) return 0;
    i += n;
  }
  return ends_number(s, i) ? i - at : 0;
}

bool is_phone_separator(char c) { return c == ' ' || c == '-' || c == '.'; }

// Exactly `n` digits at `i` (not followed by another digit); advances i.
bool take_digits(std::string_view s, size_t& i, size_t n) {
  if (count_digits(s, i, n) != n) return false;
  i += n;
  return true;
}
bool take_separator(std::string_view s, size_t& i) {
  if (i < s.size() && is_phone_separator(s[i])) {
    ++i;
    return true;
  }
  return false;
}

// North American form: [1 sep] (ddd) [sep] ddd sep dddd | ddd sep ddd sep dddd.
size_t match_nanp(std::string_view s, size_t at) {
  size_t i = at;
  if (i + 1 < s.size() && s[i] == '1' && is_phone_separator(s[i + 1])) i += 2;  // "1-800-..."
  if (i < s.size() && s[i] == '(') {
    ++i;
    if (!take_digits(s, i, 3) || i >= s.size() || s[i] != ')') return 0;
    ++i;
    take_separator(s, i);
  } else {
    if (!take_digits(s, i, 3) || !take_separator(s, i)) return 0;
  }
  if (!take_digits(s, i, 3) || !take_separator(s, i) || !take_digits(s, i, 4)) return 0;
  return ends_number(s, i) ? i - at : 0;
}

// International form: '+' country code (1-3 digits), then 2 to 5 groups of 2-4 digits, each
// after one separator (or "(dd)"), 8 to 15 digits in all.
size_t match_international(std::string_view s, size_t at) {
  if (s[at] != '+') return 0;
  size_t i = at + 1;
  const size_t cc = count_digits(s, i, 3);
  if (cc == 0 || cc > 3) return 0;
  i += cc;
  size_t digits = cc;
  int groups = 0;
  size_t end = 0;
  while (groups < 5) {
    size_t j = i;
    if (!take_separator(s, j) && !(j < s.size() && s[j] == '(')) break;
    bool paren = false;
    if (j < s.size() && s[j] == '(') {
      paren = true;
      ++j;
    }
    const size_t n = count_digits(s, j, 4);
    if (n < 2 || n > 4) break;
    j += n;
    if (paren) {
      if (j >= s.size() || s[j] != ')') break;
      ++j;
    }
    i = j;
    digits += n;
    ++groups;
    if (groups >= 2 && digits >= 8 && digits <= 15 && ends_number(s, i)) end = i;
  }
  return end == 0 ? 0 : end - at;
}

size_t match_phone(std::string_view s, size_t at) {
  const size_t international = match_international(s, at);
  return international > 0 ? international : match_nanp(s, at);
}

}  // namespace

std::string scrub_pii(std::string_view s, PiiCounts& counts) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    const char prev = i == 0 ? ' ' : s[i - 1];
    const char c = s[i];
    size_t n = 0;
    // A word start for URLs and e-mails: not inside a word, an address or a URL already passed.
    if (!is_alnum(prev) && !is_email_local(prev) && prev != '@' && prev != '/') {
      if ((n = match_url(s, i)) > 0) {
        out += kUrlPlaceholder;
        ++counts.url;
      } else if ((n = match_email(s, i)) > 0) {
        out += kEmailPlaceholder;
        ++counts.email;
      }
    }
    // Numbers: not preceded by a digit, letter, '.', '-', '+' or '$' (versions, ranges, prices).
    if (n == 0 && (is_digit(c) || c == '(' || c == '+') && !is_alnum(prev) && prev != '.' && prev != '-' &&
        prev != '+' && prev != '$' && prev != '/' && prev != '@') {
      if (is_digit(c) && (n = match_ipv4(s, i)) > 0) {
        out += kIpPlaceholder;
        ++counts.ip;
      } else if ((n = match_phone(s, i)) > 0) {
        out += kPhonePlaceholder;
        ++counts.phone;
      }
    }
    if (n == 0) {
      out.push_back(c);
      n = 1;
    }
    i += n;
  }
  return out;
}

void record_pii_stats(const PiiCounts& counts, std::map<std::string, int64_t>& stats) {
  stats["pii.email"] = counts.email;
  stats["pii.url"] = counts.url;
  stats["pii.ip"] = counts.ip;
  stats["pii.phone"] = counts.phone;
}

}  // namespace dpt
