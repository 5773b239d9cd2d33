// Reading one flag's text as a number or a count; a bad value is a UsageError naming the flag.
#pragma once

#include <cstdint>
#include <string>

namespace dpt {

// Counts (--steps, --batch-size, --dataset-size) are at most 2^53: every whole number up to it is
// exact as a double, and every accountant answers for that many steps (docs/accounting.md,
// "Bounded work").
inline constexpr int64_t kMaxCount = int64_t{1} << 53;

// A finite number, in any spelling std::from_chars reads ("1e-5", "0.01"; not "1%" or "").
double parse_number(const std::string& flag, const std::string& text);

// A whole number in [1, kMaxCount]; accepts 1e5-style spellings of integers. Plain digits are read
// exactly (as a double, 9007199254740993 would silently become 2^53).
int64_t parse_count(const std::string& flag, const std::string& text);

}  // namespace dpt
