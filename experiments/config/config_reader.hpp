// Typed, path-aware reading of one JSON object of an experiment config: the building blocks of
// config_parser.cpp. Every failure throws ConfigError naming the JSON path. Internal to
// dpt_experiment_config (namespace config_detail); the public API is config_parser.hpp.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/number_format.hpp"  // format_number: how the readers (and config_parser.cpp) print numbers
#include "experiments/config/config_schema.hpp"

namespace dpt::config_detail {

using Keys = std::span<const std::string_view>;

// "privacy" + "clip_norm" -> "privacy.clip_norm"; "" + "seed" -> "seed".
// `s` with control bytes (and, if non_ascii, every byte >= 0x7f) written as \xNN.
std::string escape_bytes(std::string_view s, bool non_ascii);

std::string join_path(std::string_view parent, std::string_view key);
// "model.lstm" + 1 -> "model.lstm[1]".
std::string index_path(std::string_view parent, std::size_t index);

// A JSON value as quoted in messages: numbers and strings as JSON text ("64", "\"64\"", long
// strings cut), "true", "null", "an array", "an object". Never recurses into containers.
std::string describe(const nlohmann::json& value);

// The candidate closest to `key` (optimal string alignment distance, case-insensitive), if it
// is close enough to be a plausible typo (distance <= 3 and at most a third of its length).
std::optional<std::string_view> nearest(std::string_view key, Keys candidates);

// The allowed range of a real-valued field; bounds are open or closed, infinite means none.
struct Interval {
  double lo = -std::numeric_limits<double>::infinity();
  bool lo_open = false;
  double hi = std::numeric_limits<double>::infinity();
  bool hi_open = false;

  bool contains(double x) const;
  std::string describe() const;  // "> 0", ">= 0", "in [0, 1)"
};
inline constexpr Interval kAnyReal{};
inline constexpr Interval kPositive{0.0, true};
inline constexpr Interval kNonNegative{0.0, false};
inline constexpr Interval kUnitRightOpen{0.0, false, 1.0, true};  // [0, 1)
inline constexpr Interval kUnitOpen{0.0, true, 1.0, true};        // (0, 1)
inline constexpr Interval kUnitLeftOpen{0.0, true, 1.0, false};   // (0, 1]

// Conversions of a value at `path`; they throw ConfigError on a wrong type or range.
bool to_bool(const nlohmann::json& value, const std::string& path);
std::string to_string(const nlohmann::json& value, const std::string& path);
double to_number(const nlohmann::json& value, const std::string& path, Interval range);
int64_t to_integer(const nlohmann::json& value, const std::string& path, int64_t min,
                   int64_t max = std::numeric_limits<int64_t>::max());
uint64_t to_unsigned(const nlohmann::json& value, const std::string& path);
std::string to_choice(const nlohmann::json& value, const std::string& path, Keys choices);

// One JSON object of the schema. The constructor checks that `value` is an object whose keys
// are all in `keys` (else: "unknown key; did you mean ...?"). The read_* functions leave the
// target untouched (its default) when the key is absent; for non-optional targets a JSON null
// is a type error, for optional targets it means absent.
class ObjectReader {
 public:
  ObjectReader(const nlohmann::json& value, std::string path, Keys keys);

  const std::string& path() const { return path_; }
  std::string path_of(std::string_view key) const { return join_path(path_, key); }
  // The value under `key`, or nullptr when absent (a JSON null is returned as present).
  const nlohmann::json* find(std::string_view key) const;

  void read(std::string_view key, bool& out) const;
  void read(std::string_view key, std::string& out) const;
  void read(std::string_view key, double& out, Interval range) const;
  void read(std::string_view key, std::optional<double>& out, Interval range) const;
  void read(std::string_view key, int& out, int64_t min) const;
  void read(std::string_view key, int64_t& out, int64_t min) const;
  void read_choice(std::string_view key, std::string& out, Keys choices) const;
  // An enumerated field: the value whose name the JSON string is (else to_choice's message,
  // with a suggestion).
  template <typename E, std::size_t N>
  void read_choice(std::string_view key, E& out, const config_schema::Named<E> (&table)[N]) const {
    const nlohmann::json* v = find(key);
    if (v == nullptr) return;
    std::array<std::string_view, N> names;
    for (std::size_t i = 0; i < N; ++i) names[i] = table[i].name;
    const std::string name = to_choice(*v, path_of(key), names);
    for (const config_schema::Named<E>& entry : table) {
      if (entry.name == name) out = entry.value;
    }
  }

 private:
  const nlohmann::json& object_;
  std::string path_;
};

}  // namespace dpt::config_detail
