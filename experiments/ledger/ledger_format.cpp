// The ledger's lines, their hashes and the verification of a whole ledger (see ledger_format.hpp).
#include "experiments/ledger/ledger_format.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <ctime>
#include <nlohmann/json.hpp>
#include <set>
#include <unordered_map>

#include "datasets/sha256.hpp"
#include "dp/accounting/accounting_error.hpp"
#include "experiments/ledger/ledger_error.hpp"

namespace dpt {
namespace {

constexpr int kMaxLedgerJsonDepth = 2 * kMaxEventDepth + 8;  // an event's JSON is 2 levels per event level

using nlohmann::json;

// A stored rdp may differ from the recomputed one by round-off (another compiler, another libm).
constexpr double kRdpRelativeTolerance = 1e-9;

[[noreturn]] void bad_line(const std::string& file, size_t line, const std::string& what) {
  throw LedgerError(fmt::format("{}:{}: {}", file, line, what));
}

std::string hash_of(json j) {
  j.erase("hash");
  return sha256_hex(j.dump());
}

void check_fields(const json& j, const std::set<std::string>& fields, const std::string& file, size_t line) {
  for (const auto& [key, value] : j.items()) {
    if (!fields.contains(key)) bad_line(file, line, "unknown field \"" + key + "\" (edited, or not a dptrain ledger)");
  }
  for (const std::string& key : fields) {
    if (!j.contains(key)) bad_line(file, line, "field \"" + key + "\" is missing");
  }
}

const json& typed(const json& j, const std::string& key, json::value_t type, const char* what, const std::string& file,
                  size_t line) {
  const json& v = j.at(key);
  const bool ok = type == json::value_t::number_float ? v.is_number() : v.type() == type;
  if (!ok) bad_line(file, line, fmt::format("\"{}\" must be {}", key, what));
  return v;
}

std::string string_field(const json& j, const std::string& key, const std::string& file, size_t line) {
  return typed(j, key, json::value_t::string, "a string", file, line).get<std::string>();
}

double number_field(const json& j, const std::string& key, const std::string& file, size_t line) {
  return typed(j, key, json::value_t::number_float, "a number", file, line).get<double>();
}

std::optional<std::string> hash_field(const json& j, const std::string& file, size_t line) {
  const json& v = j.at("data_hash");
  if (v.is_null()) return std::nullopt;
  if (!v.is_string()) bad_line(file, line, "\"data_hash\" must be a string or null");
  try {
    const std::string normal = normalize_data_hash(v.get<std::string>(), "data_hash");
    if (normal != v.get<std::string>()) bad_line(file, line, "\"data_hash\" is not in the form sha256:<64 lower-case hex>");
    return normal;
  } catch (const LedgerError& e) {
    bad_line(file, line, e.what());
  }
}

std::vector<double> numbers(const json& j, const std::string& key, const std::string& file, size_t line) {
  const json& v = j.at(key);
  if (!v.is_array()) bad_line(file, line, "\"" + key + "\" must be an array of numbers");
  std::vector<double> out;
  out.reserve(v.size());
  for (const json& x : v) {
    if (!x.is_number()) bad_line(file, line, "\"" + key + "\" must hold numbers only");
    out.push_back(x.get<double>());
  }
  return out;
}

bool close_enough(double stored, double computed) {
  if (stored == computed) return true;
  return std::abs(stored - computed) <= kRdpRelativeTolerance * std::max(std::abs(stored), std::abs(computed));
}

LedgerHeader parse_header(const json& j, const std::string& file) {
  if (!j.is_object()) bad_line(file, 1, "the header must be a JSON object");
  if (!j.contains("format") || j.at("format") != std::string(kLedgerFormat)) {
    bad_line(file, 1, fmt::format("not a dptrain ledger (the header's \"format\" must be \"{}\")", kLedgerFormat));
  }
  check_fields(j, {"format", "epsilon", "delta", "data_hash", "orders", "created", "hash"}, file, 1);
  LedgerHeader h;
  h.epsilon = number_field(j, "epsilon", file, 1);
  h.delta = number_field(j, "delta", file, 1);
  h.data_hash = hash_field(j, file, 1);
  h.orders = numbers(j, "orders", file, 1);
  h.created = string_field(j, "created", file, 1);
  h.hash = string_field(j, "hash", file, 1);
  if (hash_of(j) != h.hash) bad_line(file, 1, "the header's hash does not match its content (the header was edited)");
  return h;
}

}  // namespace

const BudgetCharge* LedgerContents::find(const std::string& key) const {
  for (const BudgetCharge& c : charges) {
    if (c.key == key) return &c;
  }
  return nullptr;
}

std::string normalize_data_hash(const std::string& hash, const std::string& what) {
  std::string hex = hash.rfind("sha256:", 0) == 0 ? hash.substr(7) : hash;
  std::transform(hex.begin(), hex.end(), hex.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const bool ok = hex.size() == 64 && hex.find_first_not_of("0123456789abcdef") == std::string::npos;
  if (!ok) {
    throw LedgerError(what + " must be a SHA-256 digest, 64 hex digits (optionally prefixed by \"sha256:\"), as a run's "
                             "manifest.json records its data_hash; got \"" + hash.substr(0, 80) + "\"");
  }
  return "sha256:" + hex;
}

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string header_line(LedgerHeader& h) {
  json j{{"format", kLedgerFormat},
         {"epsilon", h.epsilon},
         {"delta", h.delta},
         {"data_hash", h.data_hash ? json(*h.data_hash) : json(nullptr)},
         {"orders", h.orders},
         {"created", h.created}};
  h.hash = hash_of(j);
  j["hash"] = h.hash;
  return j.dump() + "\n";
}

std::string charge_line(BudgetCharge& c) {
  json j{{"seq", c.seq},
         {"key", c.key},
         {"label", c.label},
         {"event", to_json(c.event)},
         {"rdp", c.rdp},
         {"data_hash", c.data_hash ? json(*c.data_hash) : json(nullptr)},
         {"time", c.time},
         {"prev_hash", c.prev_hash}};
  c.hash = hash_of(j);
  j["hash"] = c.hash;
  return j.dump() + "\n";
}

LedgerContents parse_ledger(std::string_view text, const std::string& file) {
  if (text.empty()) throw LedgerError(file + ": empty file (not a dptrain ledger; create one with `dptrain ledger init`)");
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start < text.size()) {
    const size_t end = text.find('\n', start);
    if (end == std::string_view::npos) {
      bad_line(file, lines.size() + 1, "the line does not end with a newline: the file was truncated (or written by "
                                       "something other than dptrain) — the last charge may be incomplete");
    }
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  const auto parse_line = [&](size_t index) -> json {
    try {
      // Depth bounded while parsing (dump() and the destructor recurse): a crafted line is a
      // `file:line` error, not a stack overflow. Events nest at most kMaxEventDepth levels.
      const json::parser_callback_t bounded = [&](int depth, json::parse_event_t, json&) {
        if (depth > kMaxLedgerJsonDepth) bad_line(file, index + 1, "nested too deeply (edited)");
        return true;
      };
      return json::parse(lines[index], bounded);
    } catch (const json::exception& e) {
      bad_line(file, index + 1, std::string("not a JSON object (truncated or edited): ") + e.what());
    }
  };
  LedgerHeader header = parse_header(parse_line(0), file);
  std::optional<RenyiFilter> filter;
  try {
    filter.emplace(header.epsilon, header.delta, header.orders);
  } catch (const AccountingError& e) {
    bad_line(file, 1, e.what());
  }
  if (filter->orders() != header.orders) bad_line(file, 1, "\"orders\" must be sorted, unique and each in (1, 10000]");
  LedgerContents out{std::move(header), {}, std::move(*filter)};
  std::unordered_map<std::string, size_t> keys;
  std::unordered_map<std::string, std::vector<double>> curves;  // event JSON -> its RDP at the orders
  for (size_t i = 1; i < lines.size(); ++i) {
    const size_t line = i + 1;
    const json j = parse_line(i);
    if (!j.is_object()) bad_line(file, line, "a charge must be a JSON object");
    check_fields(j, {"seq", "key", "label", "event", "rdp", "data_hash", "time", "prev_hash", "hash"}, file, line);
    BudgetCharge c;
    const json& seq = j.at("seq");
    if (!seq.is_number_integer() || seq.get<int64_t>() != static_cast<int64_t>(i)) {
      bad_line(file, line, fmt::format("\"seq\" must be {} (charges are numbered 1, 2, ... without gaps), but is {}", i,
                                       seq.dump()));
    }
    c.seq = static_cast<int64_t>(i);
    c.key = string_field(j, "key", file, line);
    if (c.key.empty()) bad_line(file, line, "\"key\" must not be empty");
    c.label = string_field(j, "label", file, line);
    c.time = string_field(j, "time", file, line);
    c.prev_hash = string_field(j, "prev_hash", file, line);
    c.hash = string_field(j, "hash", file, line);
    if (c.prev_hash != out.head_hash()) {
      bad_line(file, line, "\"prev_hash\" is not the hash of the line before: the hash chain is broken (a line was "
                           "deleted, reordered or edited)");
    }
    if (hash_of(j) != c.hash) bad_line(file, line, "the charge's hash does not match its content (the line was edited)");
    try {
      c.event = dp_event_from_json(j.at("event"), "event");
    } catch (const std::exception& e) {
      bad_line(file, line, e.what());
    }
    c.rdp = numbers(j, "rdp", file, line);
    c.data_hash = hash_field(j, file, line);
    if (c.rdp.size() != out.filter.orders().size()) {
      bad_line(file, line, fmt::format("\"rdp\" has {} values for the header's {} orders", c.rdp.size(), out.filter.orders().size()));
    }
    const std::string event_text = j.at("event").dump();
    auto known = curves.find(event_text);  // a ledger of one dataset repeats its (q, sigma, steps) often
    if (known == curves.end()) {
      try {
        known = curves.emplace(event_text, out.filter.event_rdp(c.event)).first;
      } catch (const std::exception& e) {
        bad_line(file, line, std::string("the RDP accountant cannot account for the event: ") + e.what());
      }
    }
    const std::vector<double>& computed = known->second;
    for (size_t k = 0; k < computed.size(); ++k) {
      if (!close_enough(c.rdp[k], computed[k])) {
        bad_line(file, line, fmt::format("\"rdp\" at order {} is {}, but the event's RDP is {} (edited)", out.filter.orders()[k],
                                         c.rdp[k], computed[k]));
      }
      c.rdp[k] = std::max(c.rdp[k], computed[k]);  // the larger: never undercounts
    }
    if (out.header.data_hash && c.data_hash != out.header.data_hash) {
      bad_line(file, line, "the charge's data_hash is not the ledger's");
    }
    if (const auto [it, added] = keys.emplace(c.key, line); !added) {
      bad_line(file, line, fmt::format("key \"{}\" was already charged on line {}", c.key, it->second));
    }
    if (!out.filter.fits(c.rdp)) {
      bad_line(file, line, fmt::format("the charge does not fit the budget left by the lines before it (epsilon = {:.6g} of "
                                       "{:.6g} remains; it needs {:.6g})",
                                       out.filter.status().remaining_epsilon, out.header.epsilon, out.filter.epsilon_of(c.rdp)));
    }
    out.filter.charge(c.rdp);
    out.charges.push_back(std::move(c));
  }
  return out;
}

std::string head_text(int64_t charges, const std::string& last_hash) {
  const json j{{"format", kLedgerHeadFormat}, {"charges", charges}, {"hash", last_hash}};
  return j.dump() + "\n";
}

void check_head(std::string_view head, const LedgerContents& contents, const std::string& head_file) {
  json j;
  try {
    j = json::parse(head);
  } catch (const json::exception& e) {
    throw LedgerError(head_file + ": not a JSON object (damaged): " + e.what());
  }
  const bool shaped = j.is_object() && j.size() == 3 && j.value("format", "") == kLedgerHeadFormat && j.contains("charges") &&
                      j.at("charges").is_number_unsigned() && j.contains("hash") && j.at("hash").is_string();
  if (!shaped) throw LedgerError(head_file + ": not a dptrain ledger head (damaged or replaced)");
  const uint64_t n = j.at("charges").get<uint64_t>();
  const uint64_t have = contents.charges.size();
  if (n > have) {
    throw LedgerError(fmt::format("{}: the ledger had {} charges, but holds {}: {} deleted", head_file, n, have,
                                  n - have == 1 ? std::string("its last line was") : fmt::format("its last {} lines were", n - have)));
  }
  if (have > n + 1) {
    throw LedgerError(fmt::format("{}: the ledger had {} charges, but holds {} (lines added by something other than dptrain)",
                                  head_file, n, have));
  }
  const std::string& expected = n == 0 ? contents.header.hash : contents.charges[n - 1].hash;
  if (j.at("hash").get<std::string>() != expected) {
    throw LedgerError(fmt::format("{}: the ledger's line {} is not the one recorded (the ledger was replaced or rewritten)",
                                  head_file, n + 1));
  }
}

}  // namespace dpt
