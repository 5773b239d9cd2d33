// validate_question, estimates_for and rdp_fallback (experiments/cli/privacy_question.hpp): the
// flags become one question, the first invalid flag is named, and every accountant is reached
// through the registry.
#include "experiments/cli/privacy_question.hpp"

#include <doctest/doctest.h>

#include <CLI/CLI.hpp>

#include <string>

#include "experiments/cli/command_errors.hpp"

namespace {

// The options a command line of the question's flags gives (parsed by CLI11, as dptrain does).
dpt::PrivacyQuestionOptions parse(const std::string& flags) {
  CLI::App app;
  dpt::PrivacyQuestionOptions o;
  dpt::add_question_options(app, o);
  app.parse(flags, false);
  return o;
}

// mnist_like of accounting_ref.json (RDP epsilon 2.6003429386).
const std::string kMnist = "--sampling-rate 0.004266666666666667 --steps 14100 --delta 1e-5";

// The message of the UsageError validate_question throws for `flags`, or "" if it accepts them.
std::string refusal(const std::string& flags) {
  try {
    (void)dpt::validate_question(parse(flags));
  } catch (const dpt::UsageError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("validate_question: q and steps from batch size, dataset size and epochs") {
  const dpt::PrivacyQuestion p =
      dpt::validate_question(parse("--batch-size 256 --dataset-size 60000 --epochs 15 --delta 1e-5"));
  CHECK(p.sampling_rate == 256.0 / 60000.0);
  CHECK(p.steps == 3516);  // ceil(15 * 60000 / 256)
  CHECK(p.how == "q = batch size 256 / dataset size 60000; steps = ceil(15 epochs * 60000 / 256)");
  CHECK(p.accountant == dpt::AccountantKind::kRdp);
}

TEST_CASE("validate_question: --accountant names a registry kind, or all") {
  CHECK(dpt::validate_question(parse(kMnist + " --accountant prv")).accountant == dpt::AccountantKind::kPrv);
  CHECK_FALSE(dpt::validate_question(parse(kMnist + " --accountant all")).accountant.has_value());
  CHECK(refusal(kMnist + " --accountant moments") ==
        "--accountant: unknown accountant 'moments' (available: rdp, pld, prv, gdp, all)");
}

TEST_CASE("validate_question names the first invalid flag") {
  CHECK(refusal(kMnist).empty());
  // --accountant is checked after --delta
  CHECK(refusal("--sampling-rate 0.01 --steps 10 --delta 0 --accountant moments") ==
        "--delta: must be in (0, 1), got 0");
  // 2^53 + 1: read exactly, not rounded to 2^53
  CHECK(refusal("--sampling-rate 0.01 --steps 9007199254740993 --delta 1e-5") ==
        "--steps: must be <= 9007199254740992 (2^53), got 9007199254740993");
  CHECK(refusal("--sampling-rate 0.01 --steps 10 --delta 1e-5 --orders 2,0.5") ==
        "--orders: each order must be > 1, got 0.5");
  CHECK(refusal("--sampling-rate 0.01 --steps 10 --delta 1e-5 --delta-error 1e-5") ==
        "--delta-error: must be in (0, --delta), got 1e-5");
}

TEST_CASE("estimates_for: the chosen kind, or every kind in registry order; rdp_fallback for an invalid pld") {
  const dpt::PrivacyQuestion all = dpt::validate_question(parse(kMnist + " --accountant all"));
  const std::vector<dpt::EpsilonEstimate> every = dpt::estimates_for(all, 1.1);
  REQUIRE(every.size() == dpt::kAccountantKinds.size());
  for (size_t k = 0; k < every.size(); ++k) CHECK(every[k].kind == dpt::kAccountantKinds[k]);
  CHECK(every.front().epsilon == doctest::Approx(2.6003429386).epsilon(1e-9));  // mnist_like, RDP
  CHECK_FALSE(dpt::rdp_fallback(all, 1.1, every).has_value());

  const dpt::PrivacyQuestion pld =
      dpt::validate_question(parse("--sampling-rate 1 --steps 1 --delta 1e-5 --accountant pld"));
  const std::vector<dpt::EpsilonEstimate> tiny_sigma = dpt::estimates_for(pld, 1e-12);  // beyond PLD's domain
  REQUIRE(tiny_sigma.size() == 1);
  CHECK_FALSE(tiny_sigma.front().valid);
  const std::optional<dpt::EpsilonEstimate> fallback = dpt::rdp_fallback(pld, 1e-12, tiny_sigma);
  REQUIRE(fallback.has_value());
  CHECK(fallback->kind == dpt::AccountantKind::kRdp);
}
