// The ledger subcommands (see ledger_command.hpp).
#include "experiments/cli/ledger_command.hpp"

#include <fmt/core.h>

#include <cmath>
#include <optional>

#include "dp/accounting/accounting_error.hpp"
#include "experiments/cli/command_errors.hpp"
#include "experiments/ledger/budget_ledger.hpp"
#include "experiments/ledger/ledger_error.hpp"

namespace dpt {
namespace {

std::string data_of(const LedgerHeader& h) { return h.data_hash ? *h.data_hash : "any (no data hash)"; }

void print_show(const std::string& file, const LedgerContents& c) {
  const FilterStatus s = c.filter.status();
  const std::vector<double>& orders = c.filter.orders();
  fmt::print("ledger:    {}\n", file);
  fmt::print("budget:    epsilon = {:g}, delta = {:g}\n", c.header.epsilon, c.header.delta);
  fmt::print("data:      {}\n", data_of(c.header));
  fmt::print("filter:    Renyi filter over {} fixed orders ({:g} .. {:g}), delta/{} per order, classic conversion\n",
             orders.size(), orders.front(), orders.back(), orders.size());
  fmt::print("spent:     epsilon = {:.4g} in {} charge{}\n", s.spent_epsilon, s.charges, s.charges == 1 ? "" : "s");
  fmt::print("remaining: epsilon = {:.4g} (RDP headroom at order {:g})\n", s.remaining_epsilon, s.best_order);
  if (c.charges.empty()) return;
  fmt::print("\n{:>4}  {:<20}  {:>9}  {:>11}  {:<16}  {}\n", "seq", "time", "epsilon", "spent after", "key", "label / event");
  RenyiFilter replay(c.header.epsilon, c.header.delta, c.header.orders);
  for (const BudgetCharge& charge : c.charges) {
    replay.charge(charge.rdp);
    const std::string key = charge.key.size() > 16 ? charge.key.substr(0, 15) + "~" : charge.key;
    fmt::print("{:>4}  {:<20}  {:>9.4g}  {:>11.4g}  {:<16}  {}  {}\n", charge.seq, charge.time, c.filter.epsilon_of(charge.rdp),
               replay.status().spent_epsilon, key, charge.label.empty() ? "-" : charge.label, charge.event.describe());
  }
}

}  // namespace

void LedgerCommand::add_to(CLI::App& app) {
  ledger = app.add_subcommand("ledger", "a dataset's privacy budget ledger: init, show, verify (docs/ledger.md)");
  ledger->require_subcommand(1);
  init = ledger->add_subcommand("init", "create a ledger with a total (epsilon, delta) budget");
  init->add_option("ledger", file, "the ledger file to create (never overwritten)")->required();
  init->add_option("--epsilon", epsilon, "the dataset's total epsilon, > 0")->required();
  init->add_option("--delta", delta, "the dataset's total delta, in (0, 1)")->required();
  init->add_option("--data-hash", data_hash, "only runs on this data may be charged (a manifest's data_hash)");
  show = ledger->add_subcommand("show", "print the budget, what was spent, what remains and every charge");
  show->add_option("ledger", file, "the ledger file")->required();
  verify = ledger->add_subcommand("verify", "check the ledger's hash chain, every charge's RDP and the budget");
  verify->add_option("ledger", file, "the ledger file")->required();
}

int LedgerCommand::dispatch() const {
  if (ledger == nullptr || !*ledger) return -1;
  const char* name = *init ? "ledger init" : *show ? "ledger show" : "ledger verify";
  try {
    return guarded(name, [&] {
      if (*init) {
        if (!(std::isfinite(epsilon) && epsilon > 0.0)) usage_error("--epsilon", fmt::format("must be finite and > 0, got {}", epsilon));
        if (!(delta > 0.0 && delta < 1.0)) usage_error("--delta", fmt::format("must be in (0, 1), got {}", delta));
        const std::optional<std::string> hash = data_hash.empty() ? std::nullopt : std::optional(data_hash);
        const LedgerContents c = create_ledger(file, epsilon, delta, hash);
        fmt::print("created {}: budget epsilon = {:g}, delta = {:g}, data {}; {} RDP orders\n", file, epsilon, delta,
                   data_of(c.header), c.filter.orders().size());
        return 0;
      }
      const LedgerContents c = read_ledger(file);
      if (*show) {
        print_show(file, c);
        return 0;
      }
      const FilterStatus s = c.filter.status();
      fmt::print("ok: {} charge{} (spent epsilon = {:.4g}, remaining epsilon = {:.4g} of {:g})\n", s.charges,
                 s.charges == 1 ? "" : "s", s.spent_epsilon, s.remaining_epsilon, c.header.epsilon);
      return 0;
    });
  } catch (const LedgerError& e) {  // a bad or damaged ledger, an existing file, a bad --data-hash
    fmt::print(stderr, "dptrain {}: {}\n", name, e.what());
    return 2;
  } catch (const LedgerIoError& e) {  // the environment: the lock, a write
    fmt::print(stderr, "dptrain {}: error: {}\n", name, e.what());
    return 1;
  }
}

}  // namespace dpt
