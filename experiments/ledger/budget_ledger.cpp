// The ledger on disk (see budget_ledger.hpp): read + verify, preview, charge under the lock.
#include "experiments/ledger/budget_ledger.hpp"

#include <fmt/format.h>

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>

#include "core/io/regular_file.hpp"
#include "dp/accounting/accounting_error.hpp"
#include "experiments/ledger/durable_write.hpp"
#include "experiments/ledger/ledger_error.hpp"

namespace dpt {
namespace {

// A ledger line is a few KB (156 RDP values): 256 MiB is ~50,000 charges, far beyond any dataset.
constexpr uint64_t kMaxLedgerBytes = uint64_t{256} << 20;

std::string read_text(const std::string& path, bool missing_ok, bool* missing = nullptr) {
  FileRead r = read_regular_file(path, kMaxLedgerBytes);
  switch (r.failure) {
    case FileReadFailure::kNone:
      return std::move(r.bytes);
    case FileReadFailure::kOpen:
      if (r.os_error == ENOENT && missing_ok) {
        *missing = true;
        return {};
      }
      if (r.os_error == ENOENT) throw LedgerError(path + ": no such ledger (create it with `dptrain ledger init`)");
      throw LedgerIoError(path + ": cannot open for reading (" + std::strerror(r.os_error) + ")");
    case FileReadFailure::kNotRegular:
      throw LedgerError(path + ": is " + r.file_type + ", not a ledger file");
    case FileReadFailure::kTooLarge:
      throw LedgerError(fmt::format("{}: larger than {} bytes; not a dptrain ledger", path, kMaxLedgerBytes));
    case FileReadFailure::kRead:
      break;
  }
  throw LedgerIoError(path + ": read failed (" + std::strerror(r.os_error) + ")");
}

// The ledger as text and verified (with its head).
struct ReadLedger {
  std::string text;
  LedgerContents contents;
};

ReadLedger read_verified(const std::string& path) {
  const LedgerPaths p = LedgerPaths::of(path);
  std::string text = read_text(p.ledger, false);
  LedgerContents contents = parse_ledger(text, p.ledger);
  bool missing = false;
  const std::string head = read_text(p.head, true, &missing);
  if (missing) {
    throw LedgerError(p.head + ": missing (dptrain writes it beside the ledger at init and at every charge, to catch a "
                               "deleted last line); restore it from a backup with the ledger");
  }
  check_head(head, contents, p.head);
  return {std::move(text), std::move(contents)};
}

std::string short_key(const std::string& key) { return key.size() > 16 ? key.substr(0, 16) + "…" : key; }

void check_data(const LedgerContents& c, const std::string& path, const std::optional<std::string>& data_hash) {
  if (!c.header.data_hash) return;
  if (!data_hash) {
    throw LedgerError(fmt::format("ledger {} is for data {}, and this charge names no data", path, *c.header.data_hash));
  }
  if (*data_hash != *c.header.data_hash) {
    throw LedgerError(fmt::format("ledger {} is for data {}, this run's data is {}", path, *c.header.data_hash, *data_hash));
  }
}

// Everything check_and_charge decides before writing, from verified contents.
LedgerCharge decide(const LedgerContents& c, const std::string& path, const std::string& key, const DpEvent& event,
                    const std::optional<std::string>& data_hash, std::vector<double>* rdp_out) {
  if (key.empty()) throw LedgerError("a ledger charge needs a key (the run key), but it is empty");
  const std::optional<std::string> data = data_hash ? std::optional(normalize_data_hash(*data_hash, "data hash")) : std::nullopt;
  check_data(c, path, data);
  LedgerCharge out;
  out.budget_epsilon = c.header.epsilon;
  out.budget_delta = c.header.delta;
  out.before = out.after = c.filter.status();
  const std::vector<double> rdp = c.filter.event_rdp(event);
  out.run_epsilon = c.filter.epsilon_of(rdp);
  if (const BudgetCharge* done = c.find(key)) {
    if (!(done->event == event)) {
      throw LedgerError(fmt::format("ledger {}: key {} was charged (charge {}) for {}, not for {}", path, key, done->seq,
                                    done->event.describe(), event.describe()));
    }
    out.outcome = ChargeOutcome::kAlreadyCharged;
    out.seq = done->seq;
    out.message = fmt::format("ledger {}: already charged as charge {} (key {}), nothing charged again; {}", path, done->seq,
                              short_key(key), describe_budget(c));
    return out;
  }
  if (!c.filter.fits(rdp)) {
    out.outcome = ChargeOutcome::kRefused;
    out.message = fmt::format(
        "ledger {} refuses this run: it needs epsilon = {:.4g} (its RDP at the ledger's orders, converted at delta = {:g}), "
        "but at no order does it fit what is left — budget epsilon = {:g}, spent epsilon = {:.4g} in {} charge{}, remaining "
        "epsilon = {:.4g}. Nothing was charged and the run did not start",
        path, out.run_epsilon, c.header.delta, c.header.epsilon, out.before.spent_epsilon, out.before.charges,
        out.before.charges == 1 ? "" : "s", out.before.remaining_epsilon);
    return out;
  }
  out.outcome = ChargeOutcome::kCharged;
  out.seq = static_cast<int64_t>(c.charges.size()) + 1;
  RenyiFilter after = c.filter;
  after.charge(rdp);
  out.after = after.status();
  out.message = fmt::format("ledger {}: charged epsilon = {:.4g} as charge {}; spent epsilon = {:.4g}, remaining epsilon = {:.4g} "
                            "of the budget epsilon = {:g} (delta = {:g})",
                            path, out.run_epsilon, out.seq, out.after.spent_epsilon, out.after.remaining_epsilon,
                            c.header.epsilon, c.header.delta);
  if (rdp_out != nullptr) *rdp_out = rdp;
  return out;
}

}  // namespace

LedgerPaths LedgerPaths::of(const std::string& ledger) { return {ledger, ledger + ".lock", ledger + ".head"}; }

std::string describe_budget(const LedgerContents& c) {
  const FilterStatus s = c.filter.status();
  return fmt::format("budget epsilon = {:g} (delta = {:g}), spent epsilon = {:.4g} in {} charge{}, remaining epsilon = {:.4g} "
                     "(RDP headroom at order {:g})",
                     c.header.epsilon, c.header.delta, s.spent_epsilon, s.charges, s.charges == 1 ? "" : "s",
                     s.remaining_epsilon, s.best_order);
}

LedgerContents create_ledger(const std::string& path, double epsilon, double delta,
                             const std::optional<std::string>& data_hash, const LedgerOptions& options) {
  LedgerHeader h;
  const RenyiFilter filter = [&] {  // validates the budget
    try {
      return RenyiFilter(epsilon, delta);
    } catch (const AccountingError& e) {
      throw LedgerError(path + ": " + e.what() + " Nothing was written.");
    }
  }();
  h.epsilon = epsilon;
  h.delta = delta;
  if (data_hash) h.data_hash = normalize_data_hash(*data_hash, "--data-hash");
  h.orders = filter.orders();
  h.created = utc_now();
  const std::string text = header_line(h);
  const LedgerPaths p = LedgerPaths::of(path);
  const LedgerLock lock(p.lock, options.lock_timeout_s);
  create_file_durably(p.ledger, text);  // refuses an existing ledger
  LedgerContents contents = parse_ledger(text, p.ledger);
  try {
    replace_file_durably(p.head, head_text(0, contents.header.hash));
  } catch (...) {  // a ledger without its head could neither be used nor made again: undo, under the lock
    ::unlink(p.ledger.c_str());
    throw;
  }
  return contents;
}

// The lock, taken only when the ledger is a regular file: a missing or mistyped path (or a
// directory) is refused by read_verified without leaving a stray LEDGER.lock behind. A symbolic
// link is refused: its lock would sit beside the link, not the ledger, and two names of one
// ledger would not exclude each other.
static std::unique_ptr<LedgerLock> lock_if_ledger(const std::string& path, double timeout_s, LedgerLock::Mode mode) {
  std::error_code ec;
  const std::filesystem::file_status st = std::filesystem::symlink_status(path, ec);
  if (std::filesystem::is_symlink(st)) {
    throw LedgerError(path + ": a symbolic link; name the ledger file itself (its lock and head sit beside it)");
  }
  if (!std::filesystem::is_regular_file(st)) return nullptr;
  return std::make_unique<LedgerLock>(LedgerPaths::of(path).lock, timeout_s, mode);
}

LedgerContents read_ledger(const std::string& path) {
  const auto lock = lock_if_ledger(path, kLedgerLockTimeoutSeconds, LedgerLock::Mode::kShared);
  return read_verified(path).contents;
}

LedgerCharge would_fit(const std::string& path, const std::string& key, const DpEvent& event,
                       const std::optional<std::string>& data_hash) {
  const auto lock = lock_if_ledger(path, kLedgerLockTimeoutSeconds, LedgerLock::Mode::kShared);
  return decide(read_verified(path).contents, path, key, event, data_hash, nullptr);
}

LedgerCharge check_and_charge(const std::string& path, const std::string& key, const std::string& label,
                              const DpEvent& event, const std::optional<std::string>& data_hash,
                              const LedgerOptions& options) {
  const LedgerPaths p = LedgerPaths::of(path);
  const auto lock = lock_if_ledger(path, options.lock_timeout_s, LedgerLock::Mode::kExclusive);  // until the new ledger is in place
  const ReadLedger read = read_verified(path);
  std::vector<double> rdp;
  LedgerCharge out = decide(read.contents, path, key, event, data_hash, &rdp);
  if (out.outcome != ChargeOutcome::kCharged) return out;
  BudgetCharge c;
  c.seq = out.seq;
  c.key = key;
  c.label = label;
  c.event = event;
  c.rdp = rdp;
  if (data_hash) c.data_hash = normalize_data_hash(*data_hash, "data hash");
  c.time = utc_now();
  c.prev_hash = read.contents.head_hash();
  const std::string text = read.text + charge_line(c);  // rdp is finite: an infinite one never fits
  if (text.size() > kMaxLedgerBytes) {  // it could never be read back
    throw LedgerError(fmt::format("{}: full ({} charges; a ledger holds at most {} bytes); nothing was charged — start a "
                                  "new ledger for this dataset with what `ledger show` says remains", path, out.seq - 1, kMaxLedgerBytes));
  }
  {  // the head is replaced after the ledger: refuse now what would fail then (a symlink, a directory)
    std::error_code ec;
    if (!std::filesystem::is_regular_file(std::filesystem::symlink_status(p.head, ec))) {
      throw LedgerError(p.head + ": not a regular file (a symlink or something else); nothing was charged");
    }
  }
  replace_file_durably(p.ledger, text);
  replace_file_durably(p.head, head_text(c.seq, c.hash));
  return out;
}

}  // namespace dpt
