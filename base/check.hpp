// Always-on argument checks in google/differential-privacy's shape: each check states its
// requirement once, in code and in words, and fails with the message
//   "<name> must be <requirement>, but is <value>."   e.g. "noise_multiplier must be finite and
//   non-negative, but is -1."
// with the value printed by format_number (shortest round trip). The exception type is the
// caller's (AccountingError in dp/accounting, InvalidArgument in core and above), so base/
// depends on nothing. Checks never clamp: a value out of range is refused, NaN always fails.
#pragma once

#include <cmath>
#include <string>
#include <string_view>
#include <type_traits>

#include "base/number_format.hpp"

namespace dpt {

// "<name> must be <requirement>, but is <value>."
std::string must_be_message(std::string_view name, std::string_view requirement, std::string_view value);

// A real interval with open or closed ends; its text is the usual notation, "(0, 1]".
struct Bounds {
  double lo = 0.0;
  double hi = 0.0;
  bool lo_open = false;
  bool hi_open = false;

  static constexpr Bounds closed(double lo, double hi) { return {lo, hi, false, false}; }     // [lo, hi]
  static constexpr Bounds open(double lo, double hi) { return {lo, hi, true, true}; }         // (lo, hi)
  static constexpr Bounds left_open(double lo, double hi) { return {lo, hi, true, false}; }   // (lo, hi]
  static constexpr Bounds right_open(double lo, double hi) { return {lo, hi, false, true}; }  // [lo, hi)

  // False for NaN.
  [[nodiscard]] constexpr bool contains(double x) const {
    return (lo_open ? x > lo : x >= lo) && (hi_open ? x < hi : x <= hi);
  }
  // "in [0, 1)"
  [[nodiscard]] std::string requirement() const;
};

// The general form: throws Error(must_be_message(name, requirement, format_number(value)))
// unless `holds`. Prefer the named checks below; use this one for requirements they lack.
template <class Error, class T>
void check_that(bool holds, std::string_view name, std::string_view requirement, T value) {
  if (!holds) throw Error(must_be_message(name, requirement, format_number(value)));
}

// value ∈ [0, ∞): "finite and non-negative"
template <class Error>
void check_finite_non_negative(double value, std::string_view name) {
  check_that<Error>(std::isfinite(value) && value >= 0.0, name, "finite and non-negative", value);
}

// value ∈ (lo, ∞): "finite and > lo"
template <class Error>
void check_finite_above(double value, double lo, std::string_view name) {
  if (!(std::isfinite(value) && value > lo)) {
    throw Error(must_be_message(name, "finite and > " + format_number(lo), format_number(value)));
  }
}

// value ∈ (0, ∞): "finite and > 0"
template <class Error>
void check_finite_positive(double value, std::string_view name) {
  check_finite_above<Error>(value, 0.0, name);
}

// value >= lo: ">= lo" (for doubles, +inf passes and NaN fails)
template <class Error, class T>
void check_at_least(T value, std::type_identity_t<T> lo, std::string_view name) {
  if (!(value >= lo)) throw Error(must_be_message(name, ">= " + format_number(lo), format_number(value)));
}

// value <= hi: "<= hi" (for doubles, -inf passes and NaN fails)
template <class Error, class T>
void check_at_most(T value, std::type_identity_t<T> hi, std::string_view name) {
  if (!(value <= hi)) throw Error(must_be_message(name, "<= " + format_number(hi), format_number(value)));
}

// value ∈ bounds: "in [lo, hi)"
template <class Error>
void check_in(double value, const Bounds& bounds, std::string_view name) {
  if (!bounds.contains(value)) throw Error(must_be_message(name, bounds.requirement(), format_number(value)));
}

}  // namespace dpt

// Always-on precondition check for what the named checks do not cover: throws
// ErrorType(message) — `message` a std::string expression, evaluated only on failure.
#define DPT_BASE_CHECK(ErrorType, condition, message) \
  do {                                                \
    if (!(condition)) throw ErrorType(message);       \
  } while (false)
