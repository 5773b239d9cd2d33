// The one way dptrain prints a number inside a message: the shortest decimal that reads back
// as the same value (std::to_chars), so two different values never print alike and -0 prints
// "-0", never "-0.000000". No locale, no fixed precision; not for tables meant for people.
#pragma once

#include <concepts>
#include <string>

namespace dpt {

// Shortest decimal that reads back as `x`: "-1", "0.1", "1e-05", "1e+09", "inf", "nan".
// (std::to_chars picks the shorter of fixed and scientific, so 1e5 prints "1e+05".)
std::string format_number(double x);

// For tables of privacy figures: `x` (finite, >= 0) with `decimals` digits after the point,
// rounded UP, so a printed epsilon is never below the computed one ("{:.4f}" would print
// 1.23454 as "1.2345"). Exact values keep their digits: 0.5 -> "0.5000".
std::string format_fixed_up(double x, int decimals);

// Integers print in full: "9223372036854775807".
template <std::integral T>
std::string format_number(T x) {
  return std::to_string(x);
}

}  // namespace dpt
