// The privacy cost of hyperparameter tuning: run a base mechanism Q a random number K of times
// (fresh randomness each time, e.g. one DP-SGD training run per hyperparameter draw) and release
// ONLY the best output (by any total order on outputs, e.g. validation accuracy). Papernot &
// Steinke 2022, "Hyperparameter Tuning with Rényi Differential Privacy", ICLR
// (arXiv:2110.03620v2), as dp_accounting's RepeatAndSelectDpEvent:
//  - shape eta = +inf: K ~ Poisson(mu), Theorem 6 (K = 0 is possible: nothing is released);
//  - shape eta in (-1, inf): K ~ D_{eta,gamma}, the truncated negative binomial of Definition 1
//    (K >= 1; eta = 1 geometric, eta = 0 logarithmic), Theorem 2, gamma solved from the mean.
// Only the selected output is covered: releasing the other runs' outputs (or how many runs there
// were, or their scores) is NOT covered by these bounds.
#pragma once

#include <string>
#include <vector>

namespace dpt {

// The RDP, at each order lambda of `orders`, of repeat-and-select over a base mechanism whose RDP
// at those orders is `base_rdp` (one whole run: e.g. all steps of a training run). `mean` is
// E[K], `shape` is eta (+inf = Poisson).
//
// Poisson (Theorem 6): with eps_hat = log(1 + 1/(lambda - 1)) (so e^eps_hat <= 1 + 1/(lambda-1),
// the theorem's condition) and delta_hat the (eps_hat, delta_hat)-DP of the base mechanism from
// its RDP curve (delta_from_rdp, minimised over `orders`):
//   eps'(lambda) = eps(lambda) + mu delta_hat + log(mu) / (lambda - 1).
// Truncated negative binomial (Theorem 2), gamma from E[K] = mean (Definition 1):
//   eps'(lambda) = eps(lambda) + (1 + eta) min_{lambda_hat} [(1 - 1/lambda_hat) eps(lambda_hat)
//                  + log(1/gamma) / lambda_hat] + log(E[K]) / (lambda - 1),
// lambda_hat over `orders` and lambda_hat = 1 (the theorem allows lambda_hat in [1, inf); there
// the term is log(1/gamma), valid whenever the base mechanism's KL divergence is finite, which
// any finite eps(lambda) implies).
// Both then use that RDP is non-decreasing in the order: eps'(lambda) <- min over orders
// lambda' >= lambda of eps'(lambda'); and RDP is >= 0, so a bound below 0 is reported as 0.
// Orders without a finite bound give +inf (e.g. a base RDP of +inf).
//
// Throws AccountingError naming the parameter: `orders` empty, not finite or <= 1; `base_rdp`
// of another size, NaN or negative (+inf is allowed); `mean`/`shape` as
// check_repeat_and_select_parameters.
std::vector<double> repeat_and_select_rdp(const std::vector<double>& orders, const std::vector<double>& base_rdp,
                                          double mean, double shape);

// mean must be finite; shape must not be NaN and must be > -1 (+inf = Poisson); for Poisson
// mean > 0, for the truncated negative binomial mean > 1 (K >= 1 always, and the theorem needs
// gamma < 1: mean 1 would be a single run, account for that run itself). Throws AccountingError
// naming `mean_name` or `shape_name`.
void check_repeat_and_select_parameters(double mean, double shape, const std::string& mean_name = "mean",
                                        const std::string& shape_name = "shape");

// E[K] for K ~ D_{eta,gamma} (Definition 1), gamma in (0, 1), eta > -1 finite:
//   eta = 0: (1/gamma - 1) / log(1/gamma);   otherwise eta (1 - gamma) / (gamma (1 - gamma^eta))
// (eta = 1: 1/gamma). Decreasing in gamma, -> 1 as gamma -> 1 and -> inf as gamma -> 0.
double truncated_negative_binomial_mean(double gamma, double shape);

// The gamma in (0, 1) of D_{eta,gamma} with E[K] >= mean, as close as bisection in double gets
// (never a larger gamma, whose smaller log(1/gamma) would under-count). Both
// repeat_and_select_rdp and draw_trial_count (dp/random/tuning_trials.hpp) use this gamma, and
// the RDP uses log(E[K]) of this very distribution. Requires check_repeat_and_select_parameters
// with a finite shape; throws AccountingError if the mean is so large that gamma underflows.
double truncated_negative_binomial_gamma(double mean, double shape);

}  // namespace dpt
