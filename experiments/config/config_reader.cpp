// Typed, path-aware reading of config JSON: conversions with range checks, value quoting for
// messages, and the nearest-key suggestion for unknown keys.
#include "experiments/config/config_reader.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <vector>

#include "base/number_format.hpp"
#include "experiments/config/config_error.hpp"
#include "experiments/config/config_schema.hpp"

namespace dpt::config_detail {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxQuotedString = 40;  // longer strings are cut in messages
constexpr double kMaxExactInteger = 9007199254740992.0;  // 2^53

[[noreturn]] void fail(const std::string& path, std::string message) {
  throw ConfigError(path, std::move(message));
}

// A key as shown in a path: control bytes escaped so a message stays on one line.
std::string printable(std::string_view key) { return escape_bytes(key, /*non_ascii=*/false); }

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Optimal string alignment distance: Levenshtein plus adjacent transpositions ("nrom" -> "norm"
// is one edit).
std::size_t edit_distance(std::string_view a, std::string_view b) {
  const std::size_t n = a.size();
  const std::size_t m = b.size();
  std::vector<std::size_t> d((n + 1) * (m + 1));  // (n+1, m+1) row-major
  auto at = [&](std::size_t i, std::size_t j) -> std::size_t& { return d[i * (m + 1) + j]; };
  for (std::size_t i = 0; i <= n; ++i) at(i, 0) = i;
  for (std::size_t j = 0; j <= m; ++j) at(0, j) = j;
  for (std::size_t i = 1; i <= n; ++i) {
    for (std::size_t j = 1; j <= m; ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      at(i, j) = std::min({at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        at(i, j) = std::min(at(i, j), at(i - 2, j - 2) + 1);
      }
    }
  }
  return at(n, m);
}

// Full paths of every key of the schema, for "this key belongs elsewhere" suggestions.
const std::vector<std::string>& all_key_paths() {
  static const std::vector<std::string> paths = [] {
    std::vector<std::string> out;
    for (const config_schema::Section& section : config_schema::kSections) {
      for (const std::string_view key : section.keys) out.push_back(join_path(section.path, key));
    }
    return out;
  }();
  return paths;
}

std::string_view leaf(std::string_view path) {
  const std::size_t dot = path.rfind('.');
  return dot == std::string_view::npos ? path : path.substr(dot + 1);
}

std::string unknown_key_message(const std::string& path, std::string_view key, Keys keys) {
  if (const auto near = nearest(key, keys)) {
    return "unknown key; did you mean '" + std::string(*near) + "'?";
  }
  const std::string key_lower = lower(key);
  for (const std::string& other : all_key_paths()) {
    if (lower(leaf(other)) == key_lower && other != path) {
      return "unknown key; did you mean '" + other + "'?";
    }
  }
  std::string list;
  for (const std::string_view k : keys) list += (list.empty() ? "" : ", ") + std::string(k);
  return "unknown key (expected one of: " + list + ")";
}

std::string quoted_list(Keys choices) {
  std::string out;
  for (std::size_t i = 0; i < choices.size(); ++i) {
    if (i > 0) out += ", ";
    out += '"';
    out += choices[i];
    out += '"';
  }
  return out;
}

}  // namespace

std::string escape_bytes(std::string_view s, bool non_ascii) {
  std::string out;
  for (const char c : s) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f || (non_ascii && byte > 0x7f)) {
      constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    } else {
      out += c;
    }
  }
  return out;
}

std::string join_path(std::string_view parent, std::string_view key) {
  std::string out(parent);
  if (!out.empty()) out += '.';
  out += printable(key);
  return out;
}

std::string index_path(std::string_view parent, std::size_t index) {
  return std::string(parent) + "[" + std::to_string(index) + "]";
}

std::string describe(const json& value) {
  switch (value.type()) {
    case json::value_t::array:
      return "an array";
    case json::value_t::object:
      return "an object";
    case json::value_t::number_float:
      if (!std::isfinite(value.get<double>())) return format_number(value.get<double>());
      break;
    case json::value_t::string: {
      const auto& s = value.get_ref<const std::string&>();
      if (s.size() > kMaxQuotedString) {
        std::size_t cut = kMaxQuotedString;  // do not split a UTF-8 sequence
        while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
        std::string quoted =
            json(s.substr(0, cut)).dump(-1, ' ', false, json::error_handler_t::replace);
        quoted.insert(quoted.size() - 1, "...");
        return quoted;
      }
      break;
    }
    default:
      break;
  }
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::optional<std::string_view> nearest(std::string_view key, Keys candidates) {
  const std::string key_lower = lower(key);
  std::optional<std::string_view> best;
  std::size_t best_distance = 0;
  for (const std::string_view candidate : candidates) {
    const std::size_t d = edit_distance(key_lower, lower(candidate));
    const std::size_t limit = std::min<std::size_t>(3, std::max<std::size_t>(1, candidate.size() / 3));
    if (d <= limit && (!best || d < best_distance)) {
      best = candidate;
      best_distance = d;
    }
  }
  return best;
}

bool Interval::contains(double x) const {
  const bool above = lo_open ? x > lo : x >= lo;
  const bool below = hi_open ? x < hi : x <= hi;
  return above && below;
}

std::string Interval::describe() const {
  if (std::isinf(hi)) return (lo_open ? "> " : ">= ") + format_number(lo);
  if (std::isinf(lo)) return (hi_open ? "< " : "<= ") + format_number(hi);
  return std::string("in ") + (lo_open ? "(" : "[") + format_number(lo) + ", " +
         format_number(hi) + (hi_open ? ")" : "]");
}

bool to_bool(const json& value, const std::string& path) {
  if (!value.is_boolean()) fail(path, "must be true or false, got " + describe(value));
  return value.get<bool>();
}

std::string to_string(const json& value, const std::string& path) {
  if (!value.is_string()) fail(path, "must be a string, got " + describe(value));
  return value.get<std::string>();
}

double to_number(const json& value, const std::string& path, Interval range) {
  if (!value.is_number()) fail(path, "must be a number, got " + describe(value));
  const double x = value.get<double>();
  if (!std::isfinite(x)) fail(path, "must be finite, got " + format_number(x));
  if (!range.contains(x)) fail(path, "must be " + range.describe() + ", got " + describe(value));
  return x;
}

int64_t to_integer(const json& value, const std::string& path, int64_t min, int64_t max) {
  const auto out_of_range = [&](bool low) {
    fail(path, low ? "must be >= " + format_number(min) + ", got " + describe(value)
                   : "must be <= " + format_number(max) + ", got " + describe(value));
  };
  switch (value.type()) {
    case json::value_t::number_integer: {
      const auto x = value.get<int64_t>();
      if (x < min) out_of_range(true);
      if (x > max) out_of_range(false);
      return x;
    }
    case json::value_t::number_unsigned: {
      const auto x = value.get<uint64_t>();
      if (x > static_cast<uint64_t>(max)) out_of_range(false);
      const auto y = static_cast<int64_t>(x);
      if (y < min) out_of_range(true);
      return y;
    }
    case json::value_t::number_float: {
      const double x = value.get<double>();
      if (!std::isfinite(x) || x != std::floor(x)) {
        fail(path, "must be an integer, got " + describe(value));
      }
      if (x < static_cast<double>(min)) out_of_range(true);
      if (x > static_cast<double>(max)) out_of_range(false);
      if (std::fabs(x) > kMaxExactInteger) {
        fail(path, "must be written without a fraction or exponent above 2^53, got " +
                       describe(value));
      }
      return static_cast<int64_t>(x);
    }
    default:
      fail(path, "must be an integer, got " + describe(value));
  }
}

uint64_t to_unsigned(const json& value, const std::string& path) {
  switch (value.type()) {
    case json::value_t::number_unsigned:
      return value.get<uint64_t>();
    case json::value_t::number_integer:
      return static_cast<uint64_t>(to_integer(value, path, 0));
    case json::value_t::number_float: {
      const double x = value.get<double>();
      if (!std::isfinite(x) || x != std::floor(x)) {
        fail(path, "must be an integer, got " + describe(value));
      }
      if (x < 0) fail(path, "must be >= 0, got " + describe(value));
      if (x >= 18446744073709551616.0) {  // 2^64
        fail(path, "must be <= " + format_number(std::numeric_limits<uint64_t>::max()) +
                       ", got " + describe(value));
      }
      if (x > kMaxExactInteger) {
        fail(path, "must be written without a fraction or exponent above 2^53, got " +
                       describe(value));
      }
      return static_cast<uint64_t>(x);
    }
    default:
      fail(path, "must be an integer, got " + describe(value));
  }
}

std::string to_choice(const json& value, const std::string& path, Keys choices) {
  if (!value.is_string()) fail(path, "must be a string, got " + describe(value));
  const auto& s = value.get_ref<const std::string&>();
  if (std::find(choices.begin(), choices.end(), s) != choices.end()) return s;
  std::string message = choices.size() == 1
                            ? "must be " + quoted_list(choices) + ", got " + describe(value)
                            : "must be one of " + quoted_list(choices) + "; got " + describe(value);
  if (const auto near = nearest(s, choices)) message += " (did you mean \"" + std::string(*near) + "\"?)";
  fail(path, message);
}

ObjectReader::ObjectReader(const json& value, std::string path, Keys keys)
    : object_(value), path_(std::move(path)) {
  if (!value.is_object()) {
    fail(path_, (path_.empty() ? "the config must be a JSON object, got " : "must be an object, got ") +
                    describe(value));
  }
  for (const auto& item : value.items()) {
    const std::string& key = item.key();
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
      const std::string key_path = path_of(key);
      fail(key_path, unknown_key_message(key_path, key, keys));
    }
  }
}

const json* ObjectReader::find(std::string_view key) const {
  const auto it = object_.find(key);
  return it == object_.end() ? nullptr : &*it;
}

void ObjectReader::read(std::string_view key, bool& out) const {
  if (const json* v = find(key)) out = to_bool(*v, path_of(key));
}

void ObjectReader::read(std::string_view key, std::string& out) const {
  if (const json* v = find(key)) out = to_string(*v, path_of(key));
}

void ObjectReader::read(std::string_view key, double& out, Interval range) const {
  if (const json* v = find(key)) out = to_number(*v, path_of(key), range);
}

void ObjectReader::read(std::string_view key, std::optional<double>& out, Interval range) const {
  const json* v = find(key);
  if (v == nullptr || v->is_null()) return;
  out = to_number(*v, path_of(key), range);
}

void ObjectReader::read(std::string_view key, int& out, int64_t min) const {
  if (const json* v = find(key)) {
    out = static_cast<int>(to_integer(*v, path_of(key), min, std::numeric_limits<int>::max()));
  }
}

void ObjectReader::read(std::string_view key, int64_t& out, int64_t min) const {
  if (const json* v = find(key)) out = to_integer(*v, path_of(key), min);
}

void ObjectReader::read_choice(std::string_view key, std::string& out, Keys choices) const {
  if (const json* v = find(key)) out = to_choice(*v, path_of(key), choices);
}

}  // namespace dpt::config_detail
