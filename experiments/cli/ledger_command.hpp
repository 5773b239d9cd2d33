// `dptrain ledger init LEDGER --epsilon E --delta D [--data-hash H]`, `dptrain ledger show LEDGER`
// and `dptrain ledger verify LEDGER`: a dataset's privacy budget ledger (experiments/ledger/,
// docs/ledger.md). Exit codes: 0 ok; 2 bad input (a flag, an existing or damaged ledger, naming
// the file and line); 1 the environment (the lock, a write).
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace dpt {

struct LedgerCommand {
  CLI::App* ledger = nullptr;
  CLI::App* init = nullptr;
  CLI::App* show = nullptr;
  CLI::App* verify = nullptr;
  std::string file;
  double epsilon = 0.0;
  double delta = 0.0;
  std::string data_hash;

  void add_to(CLI::App& app);
  // Runs the selected subcommand; returns its exit code, or -1 if `ledger` was not selected.
  int dispatch() const;
};

}  // namespace dpt
