// The question `dptrain epsilon` and `dptrain calibrate` share: q, steps, delta, which accountant
// and its settings. Its flags (add_question_options), their validation into one PrivacyQuestion
// (messages name the flag) and the accountants' answers to it (estimates_for).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dp/accounting/accountant_registry.hpp"
#include "dp/accounting/epsilon_summary.hpp"

namespace CLI {
class App;
}

namespace dpt {

// As typed on the command line (validated by validate_question): q from --sampling-rate or
// --batch-size/--dataset-size, steps from --steps or --epochs.
struct PrivacyQuestionOptions {
  std::string sampling_rate;
  std::string batch_size;
  std::string dataset_size;
  std::string steps;
  std::string epochs;
  std::string delta;
  std::string accountant = "rdp";
  std::string conversion = "improved";
  std::string orders;  // comma-separated; empty = the default grid
  std::string value_discretization_interval = "1e-4";  // pld
  std::string eps_error = "0.01";                        // prv
  std::string delta_error;                               // prv; empty = delta / 1000
  bool json = false;
};

// The validated question.
struct PrivacyQuestion {
  double sampling_rate = 0.0;
  int64_t steps = 0;
  double delta = 0.0;
  std::optional<AccountantKind> accountant = AccountantKind::kRdp;  // nullopt: all, side by side
  AccountantSettings settings;  // rdp_orders, rdp_conversion, pld and prv as the flags give them
  std::string how;              // how q and steps were given, for the report
};

// Registers the question's flags on `cmd`; they fill `options` when it parses.
void add_question_options(CLI::App& cmd, PrivacyQuestionOptions& options);

// The question `options` ask; throws UsageError naming the first invalid flag.
PrivacyQuestion validate_question(const PrivacyQuestionOptions& options);

// epsilon of `steps` Poisson-sampled Gaussian steps at noise multiplier `sigma` by the
// accountant of p (or every kind, in registry order, for all).
std::vector<EpsilonEstimate> estimates_for(const PrivacyQuestion& p, double sigma);

// A single upper-bound accountant other than rdp without a valid bound (e.g. delta below what
// pld or prv can certify, or q = 1 with a tiny sigma): the RDP bound, cheap and always defined,
// to show beside it. nullopt otherwise.
std::optional<EpsilonEstimate> rdp_fallback(const PrivacyQuestion& p, double sigma,
                                            const std::vector<EpsilonEstimate>& estimates);

}  // namespace dpt
