// The ledger file's format (docs/ledger.md, "File format"): JSON Lines, one header line, then one
// line per charge, hash-chained; and its verification. Pure text in, values out: no file system
// here (budget_ledger.hpp reads, locks and writes).
//   header  {"format": "dptrain-ledger/1", "epsilon", "delta", "data_hash" (or null), "orders",
//            "created", "hash"}
//   charge  {"seq", "key", "label", "event" (dp_event.hpp's JSON), "rdp" (at the header's orders),
//            "data_hash" (or null), "time", "prev_hash", "hash"}
// hash = SHA-256 of the line's JSON without "hash", keys sorted (nlohmann's dump), and prev_hash
// the hash of the line before (the header for seq 1), so an edit anywhere breaks the chain.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dp/accounting/dp_event.hpp"
#include "dp/accounting/renyi_filter.hpp"

namespace dpt {

inline constexpr std::string_view kLedgerFormat = "dptrain-ledger/1";
inline constexpr std::string_view kLedgerHeadFormat = "dptrain-ledger-head/1";

struct LedgerHeader {
  double epsilon = 0.0;
  double delta = 0.0;
  std::optional<std::string> data_hash;  // "sha256:<64 hex>": charges of other data are refused
  std::vector<double> orders;
  std::string created;                   // UTC, ISO 8601
  std::string hash;
};

struct BudgetCharge {
  int64_t seq = 0;                        // 1, 2, ...
  std::string key;                        // idempotence: a key is charged at most once
  std::string label;                      // for people (the run folder)
  DpEvent event = DpEvent::no_op();
  std::vector<double> rdp;                // at the header's orders
  std::optional<std::string> data_hash;
  std::string time;                       // UTC, ISO 8601
  std::string prev_hash;
  std::string hash;
};

// A verified ledger: its header, its charges and the filter they were replayed into.
struct LedgerContents {
  LedgerHeader header;
  std::vector<BudgetCharge> charges;
  RenyiFilter filter;
  // The hash of the last line (the header's if no charge): what the next charge chains to.
  const std::string& head_hash() const { return charges.empty() ? header.hash : charges.back().hash; }
  const BudgetCharge* find(const std::string& key) const;
};

// "sha256:<64 lower-case hex>" from that or from bare hex (any case); throws LedgerError naming `what`.
std::string normalize_data_hash(const std::string& hash, const std::string& what);

// The current UTC time, "2025-01-31T12:00:00Z".
std::string utc_now();

// The header's line (with its trailing newline); fills header.hash.
std::string header_line(LedgerHeader& header);
// The charge's line (with its trailing newline); fills charge.hash from the rest (prev_hash included).
std::string charge_line(BudgetCharge& charge);

// Parses and verifies a whole ledger text: the header is sane, every line is a complete JSON
// object with exactly the fields above, seq counts 1, 2, ..., the hash chain holds, each rdp is
// what the RDP accountant gives for its event at the header's orders (to 1e-9 relative), each
// charge's data matches the header's, keys are unique, and the charges, replayed in order, each fit
// the filter. Throws LedgerError naming `file` and the first bad line ("ledger.jsonl:3: ...").
LedgerContents parse_ledger(std::string_view text, const std::string& file);

// LEDGER.head: {"format": "dptrain-ledger-head/1", "charges": N, "hash": <hash of line N>},
// written after every change of the ledger (docs/ledger.md, "What is detected").
std::string head_text(int64_t charges, const std::string& last_hash);
// Checks the head against the verified contents: the ledger holds the head's charge count or one
// more (a crash between the two writes), and its line at that count has the head's hash. Throws
// LedgerError naming `head_file`.
void check_head(std::string_view head, const LedgerContents& contents, const std::string& head_file);

}  // namespace dpt
