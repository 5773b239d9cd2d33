// PII scrubbing (data.scrub_pii): e-mail addresses, URLs, IPv4 addresses and phone numbers are
// replaced by the placeholders <EMAIL>, <URL>, <IP>, <PHONE> before tokenisation. Hand-written
// scanners, one linear pass over bytes (any encoding). A best-effort filter, not a guarantee:
// names, street addresses, obfuscated addresses ("jo at example dot com"), IPv6 and phone
// numbers written without separators are NOT detected (docs/datasets.md).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace dpt {

inline constexpr std::string_view kEmailPlaceholder = "<EMAIL>";
inline constexpr std::string_view kUrlPlaceholder = "<URL>";
inline constexpr std::string_view kIpPlaceholder = "<IP>";
inline constexpr std::string_view kPhonePlaceholder = "<PHONE>";

// Replacements made, per kind.
struct PiiCounts {
  int64_t email = 0, url = 0, ip = 0, phone = 0;
  PiiCounts& operator+=(const PiiCounts& o) {
    email += o.email;
    url += o.url;
    ip += o.ip;
    phone += o.phone;
    return *this;
  }
};

// `text` with every detected e-mail address, URL, IPv4 address and phone number replaced by
// its placeholder; `counts` is incremented by the replacements made. Other bytes are copied.
std::string scrub_pii(std::string_view text, PiiCounts& counts);

// Writes counts into stats as "pii.email", "pii.url", "pii.ip", "pii.phone".
void record_pii_stats(const PiiCounts& counts, std::map<std::string, int64_t>& stats);

}  // namespace dpt
