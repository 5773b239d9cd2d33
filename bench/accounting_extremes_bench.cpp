// The accountants at the extremes (issue 11, "Accountants never crash"): the full grid of sigma in
// [1e-12, 1e6], q in [1e-9, 1], steps in [1, 1e8], delta in [1e-300, 0.5] (11 x 6 x 6 x 6 = 2,376
// points) through estimate_epsilon for every accountant, then calibration at the corners. Prints
// every failure (an exception, NaN, +inf without a reason, epsilon not monotone in sigma or steps,
// a valid upper bound below the exact q = 1 value or the PRV lower bound, more than 30 s) and the
// timings: per accountant, the slowest cases. tests/dp/accounting/extremes_test.cpp runs a smaller
// grid with the same checks in ctest; this is the fuller one (minutes). Exit code 1 on any failure.
//
//   accounting_extremes_bench [--accountants rdp,pld,prv,gdp] [--no-grid] [--no-calibration] [--quick]
//                             [--csv FILE] [--max-evaluations N]
// --max-evaluations: the calibration budget (default the library's kMaxCalibrationEvaluations; 12
// is what `dptrain calibrate` passes, so the timings are the CLI's).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "dp/accounting/accounting_error.hpp"
#include "dp/accounting/calibration.hpp"
#include "dp/accounting/epsilon_summary.hpp"
#include "dp/accounting/gdp_accountant.hpp"

using namespace dpt;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kMaxSeconds = 30.0;

const std::set<std::string> kInfinityReasons = {"domain_exceeded", "infinity_mass_above_delta", "delta_too_small",
                                                "eps_error_relaxed", "out_of_range"};

using Key = std::tuple<double, double, int64_t, double>;  // q, sigma, steps, delta

std::string describe(const Key& k) {
  const auto& [q, sigma, steps, delta] = k;
  return "q " + format_number(q) + ", sigma " + format_number(sigma) + ", steps " + format_number(steps) +
         ", delta " + format_number(delta);
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The accountant's certified epsilon: a valid upper bound, else +inf; GDP's approximation as it is.
double reported(const EpsilonEstimate& e) {
  if (!e.upper_bound) return e.epsilon;
  return e.valid ? e.epsilon : kInf;
}

struct Case {
  EpsilonEstimate estimate;
  double seconds = 0.0;
};

int failures = 0;

void fail(const std::string& what) {
  ++failures;
  std::printf("FAIL %s\n", what.c_str());
}

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) out.push_back(item);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> names = accountant_names();
  bool calibration = true;
  bool grid = true;
  bool quick = false;
  std::string csv_path;
  int max_evaluations = kMaxCalibrationEvaluations;
  for (int k = 1; k < argc; ++k) {
    if (std::strcmp(argv[k], "--accountants") == 0 && k + 1 < argc) {
      names = split(argv[++k]);
    } else if (std::strcmp(argv[k], "--no-calibration") == 0) {
      calibration = false;
    } else if (std::strcmp(argv[k], "--no-grid") == 0) {
      grid = false;
    } else if (std::strcmp(argv[k], "--quick") == 0) {
      quick = true;
    } else if (std::strcmp(argv[k], "--csv") == 0 && k + 1 < argc) {
      csv_path = argv[++k];
    } else if (std::strcmp(argv[k], "--max-evaluations") == 0 && k + 1 < argc) {
      max_evaluations = std::atoi(argv[++k]);
      if (max_evaluations < 1) {
        std::fprintf(stderr, "--max-evaluations must be >= 1\n");
        return 2;
      }
    } else {
      std::fprintf(stderr,
                   "usage: %s [--accountants rdp,pld,prv,gdp] [--no-grid] [--no-calibration] [--quick] [--csv FILE] [--max-evaluations N]\n",
                   argv[0]);
      return 2;
    }
  }
  // Ascending along each axis (the monotonicity checks walk them in order).
  std::vector<double> sigmas = {1e-12, 1e-9, 1e-6, 1e-3, 0.05, 0.3, 1.0, 3.0, 30.0, 1e3, 1e6};
  std::vector<double> rates = {1e-9, 1e-6, 1e-3, 0.1, 0.5, 1.0};
  std::vector<int64_t> steps_axis = {1, 10, 1000, 100000, 10000000, 100000000};
  std::vector<double> deltas = {1e-300, 1e-50, 1e-10, 1e-5, 0.1, 0.5};
  if (quick) {  // the ctest grid
    sigmas = {1e-12, 1e-3, 1.0, 1e6};
    rates = {1e-9, 1e-3, 1.0};
    steps_axis = {1, 10000, 100000000};
    deltas = {1e-300, 1e-5, 0.5};
  }
  if (!grid) {  // calibration only
    sigmas.clear();
    rates.clear();
    steps_axis.clear();
    deltas.clear();
  }
  std::ofstream csv;
  if (!csv_path.empty()) {
    csv.open(csv_path);
    csv << "accountant,sampling_rate,noise_multiplier,steps,delta,epsilon,valid,status,seconds\n";
  }

  std::map<std::string, std::map<Key, Case>> results;
  std::map<std::string, double> total;
  std::vector<std::pair<double, std::string>> slowest;
  const auto grid_start = std::chrono::steady_clock::now();
  for (const std::string& name : names) {
    for (const double q : rates) {
      for (const double sigma : sigmas) {
        for (const int64_t steps : steps_axis) {
          for (const double delta : deltas) {
            const Key key{q, sigma, steps, delta};
            const std::vector<LedgerEntry> ledger = {{DpEvent::poisson_sampled_gaussian(q, sigma), steps}};
            Case c;
            const auto start = std::chrono::steady_clock::now();
            try {
              c.estimate = estimate_epsilon(name, ledger, delta);
            } catch (const std::exception& error) {
              c.estimate.epsilon = std::numeric_limits<double>::quiet_NaN();
              c.estimate.status = std::string("THREW ") + error.what();
            }
            c.seconds = seconds_since(start);
            const EpsilonEstimate& e = c.estimate;
            const std::string where = name + " at " + describe(key) + " (status " + e.status + ")";
            if (e.status.rfind("THREW", 0) == 0 || e.status.rfind("error", 0) == 0) fail(where);
            if (std::isnan(e.epsilon) || e.epsilon < 0.0) fail(where + ": epsilon " + format_number(e.epsilon));
            if (std::isinf(e.epsilon) && kInfinityReasons.count(e.status) == 0) fail(where + ": inf without a reason");
            if (c.seconds > kMaxSeconds) fail(where + ": " + format_number(c.seconds) + " s");
            total[name] += c.seconds;
            slowest.emplace_back(c.seconds, where);
            if (csv) {
              csv << name << ',' << format_number(q) << ',' << format_number(sigma) << ',' << steps << ','
                  << format_number(delta) << ',' << format_number(e.epsilon) << ',' << (e.valid ? 1 : 0) << ','
                  << e.status << ',' << c.seconds << '\n';
            }
            results[name][key] = c;
          }
        }
      }
    }
    std::printf("%-4s %zu points in %.1f s\n", name.c_str(), results[name].size(), total[name]);
    std::fflush(stdout);
  }
  const double grid_seconds = seconds_since(grid_start);

  // Monotone in sigma (non-increasing) and in steps (non-decreasing).
  int monotonicity_checks = 0;
  for (const std::string& name : names) {
    const auto& r = results[name];
    for (const double q : rates) {
      for (const double delta : deltas) {
        for (const int64_t steps : steps_axis) {
          for (size_t k = 1; k < sigmas.size(); ++k) {
            const double a = reported(r.at({q, sigmas[k - 1], steps, delta}).estimate);
            const double b = reported(r.at({q, sigmas[k], steps, delta}).estimate);
            ++monotonicity_checks;
            if (b > a)
              fail(name + " not non-increasing in sigma at " + describe({q, sigmas[k], steps, delta}) + ": " +
                   format_number(b) + " > " + format_number(a) + " at sigma " + format_number(sigmas[k - 1]));
          }
        }
        for (const double sigma : sigmas) {
          for (size_t k = 1; k < steps_axis.size(); ++k) {
            const double a = reported(r.at({q, sigma, steps_axis[k - 1], delta}).estimate);
            const double b = reported(r.at({q, sigma, steps_axis[k], delta}).estimate);
            ++monotonicity_checks;
            if (b < a)
              fail(name + " not non-decreasing in steps at " + describe({q, sigma, steps_axis[k], delta}) + ": " +
                   format_number(b) + " < " + format_number(a) + " at steps " + format_number(steps_axis[k - 1]));
          }
        }
      }
    }
  }

  // No valid upper bound below the exact epsilon (q = 1: mu-GDP, mu = sqrt(steps) / sigma) or the
  // PRV lower bound.
  int bound_checks = 0;
  if (results.count("prv")) {
    for (const auto& [key, prv] : results["prv"]) {
      const auto& [q, sigma, steps, delta] = key;
      const double exact = q == 1.0 ? gdp_epsilon(std::sqrt(static_cast<double>(steps)) / sigma, delta) : 0.0;
      const double lower = prv.estimate.valid ? prv.estimate.lower.value_or(0.0) : 0.0;
      for (const char* name : {"rdp", "pld", "prv"}) {
        if (!results.count(name)) continue;
        const EpsilonEstimate& e = results[name].at(key).estimate;
        if (!e.valid) continue;
        ++bound_checks;
        if (e.epsilon < lower)
          fail(std::string(name) + " at " + describe(key) + ": " + format_number(e.epsilon) +
               " below the PRV lower bound " + format_number(lower));
        if (std::isfinite(exact) && e.epsilon < exact * (1.0 - 1e-9))
          fail(std::string(name) + " at " + describe(key) + ": " + format_number(e.epsilon) + " below exact " +
               format_number(exact));
      }
    }
  }

  std::sort(slowest.rbegin(), slowest.rend());
  size_t points = 0;
  for (const auto& [name, r] : results) points += r.size();
  std::printf("\ngrid: %zu estimates (%zu points x %zu accountants) in %.1f s; %d monotonicity and %d bound checks\n",
              points, sigmas.size() * rates.size() * steps_axis.size() * deltas.size(), names.size(), grid_seconds,
              monotonicity_checks, bound_checks);
  std::map<std::string, std::map<std::string, int>> statuses;
  for (const auto& [name, r] : results)
    for (const auto& [key, c] : r) ++statuses[name][c.estimate.status];
  for (const auto& [name, s] : statuses) {
    std::printf("  %-4s %7.1f s  statuses:", name.c_str(), total[name]);
    for (const auto& [status, n] : s) std::printf(" %s %d", status.c_str(), n);
    std::printf("\n");
  }
  std::printf("slowest estimates:\n");
  for (size_t k = 0; k < std::min<size_t>(8, slowest.size()); ++k)
    std::printf("  %6.2f s  %s\n", slowest[k].first, slowest[k].second.c_str());

  if (calibration) {
    std::vector<std::pair<double, std::string>> slowest_calibration;
    int calibrations = 0;
    int unreachable = 0;
    const auto start_all = std::chrono::steady_clock::now();
    for (const std::string& name : names) {
      const AccountantFactory factory = accountant_factory(name);
      for (const double q : {1e-9, 1e-3, 1.0}) {
        for (const int64_t steps : {int64_t{1}, int64_t{10000}, int64_t{100000000}}) {
          for (const double delta : {1e-300, 1e-5, 0.5}) {
            for (const double target : {1e-3, 1.0, 1e3}) {
              const std::string where = name + " calibrate target " + format_number(target) + " at q " +
                                        format_number(q) + ", steps " + format_number(steps) + ", delta " +
                                        format_number(delta);
              const auto start = std::chrono::steady_clock::now();
              std::string outcome;
              try {
                const NoiseCalibration c = calibrate_noise_multiplier(target, q, steps, delta, factory,
                                                                      kDefaultCalibrationTolerance, max_evaluations);
                const EpsilonEstimate e = estimate_epsilon(
                    name, {{DpEvent::poisson_sampled_gaussian(q, c.noise_multiplier), steps}}, delta);
                outcome = "sigma " + format_number(c.noise_multiplier) + ", epsilon " + format_number(c.epsilon) +
                          ", " + std::to_string(c.evaluations) + " evaluations" +
                          (c.converged ? "" : ", not converged");
                if (!(c.epsilon <= target) || !(reported(e) <= target) || !(c.noise_multiplier > 0.0))
                  fail(where + ": " + outcome + ", reported " + format_number(e.epsilon) + " " + e.status);
              } catch (const UnreachableTargetError& error) {
                ++unreachable;
                outcome = "unreachable";
                if (std::string(error.what()).find("target_epsilon") == std::string::npos) fail(where + ": " + error.what());
              } catch (const std::exception& error) {
                fail(where + ": threw " + error.what());
              }
              const double seconds = seconds_since(start);
              if (seconds > kMaxSeconds) fail(where + ": " + format_number(seconds) + " s");
              slowest_calibration.emplace_back(seconds, where + " -> " + outcome);
              ++calibrations;
            }
          }
        }
      }
    }
    std::sort(slowest_calibration.rbegin(), slowest_calibration.rend());
    std::printf("\ncalibration (at most %d evaluations): %d runs (%d unreachable) in %.1f s; slowest:\n",
                max_evaluations, calibrations, unreachable, seconds_since(start_all));
    for (size_t k = 0; k < std::min<size_t>(8, slowest_calibration.size()); ++k)
      std::printf("  %6.2f s  %s\n", slowest_calibration[k].first, slowest_calibration[k].second.c_str());
  }
  std::printf("\n%d failures\n", failures);
  return failures == 0 ? 0 : 1;
}
