// What `dptrain epsilon` and `dptrain calibrate` print: the question, the accountants' answers as
// text or one JSON object, and the numbers in them (rounded up, never below the computed epsilon).
// A single rdp accountant reports its own shape (conversion, optimal order, grid-edge warning).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "dp/accounting/epsilon_summary.hpp"
#include "experiments/cli/privacy_question.hpp"

namespace dpt {

// JSON has no infinity: "inf" (a string float() and strtod read back) stands for it.
nlohmann::json json_number(double x);

// x with `digits` significant digits, rounded up for x > 0: a displayed epsilon is never below
// the computed one (x <= 0 and non-finite x are formatted as they are). Never throws.
std::string format_rounded_up(double x, int digits = 6);

// format_rounded_up(x), or "inf" for a non-finite x.
std::string eps_text(double x);

// "upper bound", "approximation, NOT a bound", "no valid bound: <status>", ...
std::string bound_label(const EpsilonEstimate& e);

// "RDP accountant, <conversion> conversion, Poisson-sampled Gaussian, add/remove-one adjacency".
std::string rdp_title(const PrivacyQuestion& p);

// The q, steps (and how they were given) and delta lines.
void print_question(const PrivacyQuestion& p);

// The estimates of p's accountant(s) at noise multiplier `sigma` (estimates_for): epsilon lines,
// with `rdp_digits` significant digits for a single rdp accountant.
void print_answer(const PrivacyQuestion& p, const std::vector<EpsilonEstimate>& estimates, double sigma,
                  int rdp_digits);

// The same as one JSON object (the question, "noise_multiplier" and the estimates' fields).
nlohmann::json answer_json(const PrivacyQuestion& p, const std::vector<EpsilonEstimate>& estimates, double sigma);

// After answer_json: a single rdp accountant's grid-edge warning, on stderr.
void warn_grid_edge(const PrivacyQuestion& p, const std::vector<EpsilonEstimate>& estimates);

}  // namespace dpt
