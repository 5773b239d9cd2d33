// Helpers for the accounting tests: the reference values of ../shared/ref/accounting_ref.json
// (Opacus 1.4.0, dp_accounting 0.6.0, prv_accountant 0.2.0, mpmath; see its README), and a
// check that an exception names what it should (doctest 2.4.9 has no doctest::Contains).
#pragma once

#include <cmath>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>

namespace dpt::testing {

// The reference file was written by Python's json module, which spells infinities and NaN as
// bare Infinity / -Infinity / NaN (not JSON). Outside strings they become the strings
// "Infinity", "-Infinity", "NaN"; ref_number() reads them back.
inline std::string quote_python_non_finite(const std::string& text) {
  std::string out;
  out.reserve(text.size() + 64);
  bool in_string = false;
  for (size_t k = 0; k < text.size(); ++k) {
    const char c = text[k];
    if (in_string) {
      out += c;
      if (c == '\\' && k + 1 < text.size()) {
        out += text[++k];
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') in_string = true;
    bool replaced = false;
    for (const char* token : {"-Infinity", "Infinity", "NaN"}) {
      const std::string t(token);
      if (text.compare(k, t.size(), t) == 0) {
        out += '"' + t + '"';
        k += t.size() - 1;
        replaced = true;
        break;
      }
    }
    if (!replaced) out += c;
  }
  return out;
}

inline const nlohmann::json& reference() {
  static const nlohmann::json ref = [] {
    const std::string path = std::string(DPT_REF_DIR) + "/accounting_ref.json";
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot open the reference values " + path);
    std::stringstream buffer;
    buffer << in.rdbuf();
    return nlohmann::json::parse(quote_python_non_finite(buffer.str()));
  }();
  return ref;
}

inline double ref_number(const nlohmann::json& j) {
  if (j.is_string()) {
    const std::string s = j.get<std::string>();
    if (s == "Infinity") return std::numeric_limits<double>::infinity();
    if (s == "-Infinity") return -std::numeric_limits<double>::infinity();
    return std::numeric_limits<double>::quiet_NaN();
  }
  return j.get<double>();
}

// what() of the exception of type E that f throws, or a marker if it throws nothing.
template <typename E, typename F>
std::string thrown_message(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  return "<no exception of the expected type>";
}

inline bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// |a - b| / |b|
inline double rel_diff(double a, double b) { return std::abs(a - b) / std::abs(b); }

}  // namespace dpt::testing

// Checks that `expr` throws E whose message contains `text`, printing the message otherwise.
#define CHECK_THROWS_WITH_TEXT(E, expr, text)                                                  \
  do {                                                                                         \
    const std::string dpt_message_ = ::dpt::testing::thrown_message<E>([&] { (void)(expr); }); \
    CHECK_MESSAGE(::dpt::testing::contains(dpt_message_, text), dpt_message_);                 \
  } while (false)
