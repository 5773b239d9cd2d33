// DP events: validated factories, deep equality, JSON round trips, and malformed JSON rejected
// with the offending field named.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "dp/accounting/accounting_error.hpp"
#include "dp/accounting/dp_event.hpp"
#include "dp/accounting/privacy_accountant.hpp"
#include "tests/dp/accounting/test_helpers.hpp"

using namespace dpt;
using nlohmann::json;

namespace {

DpEvent every_kind() {
  const DpEvent step = DpEvent::poisson_sampled_gaussian(0.01, 1.1);
  return DpEvent::composed({step, DpEvent::self_composed(step, 7), DpEvent::gaussian(3.0), DpEvent::no_op(),
                            DpEvent::non_private(), DpEvent::composed({})});
}

}  // namespace

TEST_CASE("DpEvent factories validate their parameters") {
  CHECK_THROWS_WITH_TEXT(AccountingError, DpEvent::gaussian(-1.0),
                         "noise_multiplier must be finite and non-negative, but is -1.");
  CHECK_THROWS_WITH_TEXT(AccountingError, DpEvent::gaussian(std::nan("")), "noise_multiplier");
  CHECK_THROWS_WITH_TEXT(AccountingError, DpEvent::gaussian(std::numeric_limits<double>::infinity()),
                         "noise_multiplier");
  CHECK_THROWS_WITH_TEXT(AccountingError, DpEvent::poisson_sampled(1.5, DpEvent::gaussian(1.0)),
                         "sampling_rate must be in [0, 1], but is 1.5.");
  CHECK_THROWS_WITH_TEXT(AccountingError, DpEvent::poisson_sampled(-0.0001, DpEvent::gaussian(1.0)), "sampling_rate");
  CHECK_THROWS_WITH_TEXT(AccountingError, DpEvent::self_composed(DpEvent::no_op(), 0), "count must be >= 1, but is 0.");
  CHECK_NOTHROW(DpEvent::gaussian(0.0));
  CHECK_NOTHROW(DpEvent::poisson_sampled(0.0, DpEvent::gaussian(1.0)));
}

TEST_CASE("DpEvent equality is structural") {
  CHECK(DpEvent::poisson_sampled_gaussian(0.01, 1.0) == DpEvent::poisson_sampled(0.01, DpEvent::gaussian(1.0)));
  CHECK_FALSE(DpEvent::poisson_sampled_gaussian(0.01, 1.0) == DpEvent::poisson_sampled_gaussian(0.01, 1.0000001));
  CHECK_FALSE(DpEvent::self_composed(DpEvent::no_op(), 2) == DpEvent::self_composed(DpEvent::no_op(), 3));
  CHECK_FALSE(DpEvent::no_op() == DpEvent::non_private());
  CHECK(every_kind() == every_kind());
  CHECK(every_kind().describe() ==
        "Composed(PoissonSampled(sampling_rate=0.01, Gaussian(noise_multiplier=1.1)), "
        "SelfComposed(PoissonSampled(sampling_rate=0.01, Gaussian(noise_multiplier=1.1)), count=7), "
        "Gaussian(noise_multiplier=3), NoOp, NonPrivate, Composed())");
}

TEST_CASE("DpEvent JSON round trip") {
  const DpEvent event = every_kind();
  const json j = to_json(event);
  CHECK(j["type"] == "composed");
  CHECK(j["events"][0] == json::parse(R"({"type":"poisson_sampled","sampling_rate":0.01,
                                          "event":{"type":"gaussian","noise_multiplier":1.1}})"));
  CHECK(dp_event_from_json(json::parse(j.dump())) == event);
}

TEST_CASE("DpEvent JSON: malformed input names the field") {
  auto parse = [](const char* text) { return dp_event_from_json(json::parse(text)); };
  CHECK_THROWS_WITH_TEXT(AccountingError, parse(R"({"type":"gaussian"})"), "event.noise_multiplier is missing.");
  CHECK_THROWS_WITH_TEXT(AccountingError, parse(R"({"type":"gaussian","noise_multiplier":-1})"),
                         "event.noise_multiplier must be finite and non-negative, but is -1.");
  CHECK_THROWS_WITH_TEXT(AccountingError, parse(R"({"type":"gaussian","noise_multiplier":"1"})"),
                         "event.noise_multiplier must be a number");
  CHECK_THROWS_WITH_TEXT(AccountingError, parse(R"({"type":"gaussian","noise_multipler":1})"), "event.noise_multipler");
  CHECK_THROWS_WITH_TEXT(AccountingError,
                         parse(R"({"type":"poisson_sampled","sampling_rate":2,"event":{"type":"no_op"}})"),
                         "event.sampling_rate must be in [0, 1], but is 2.");
  CHECK_THROWS_WITH_TEXT(
      AccountingError,
      parse(R"({"type":"composed","events":[{"type":"no_op"},{"type":"poisson_sampled","sampling_rate":0.1,
              "event":{"type":"gaussian","noise_multiplier":-2}}]})"),
      "event.events[1].event.noise_multiplier must be finite and non-negative, but is -2.");
  CHECK_THROWS_WITH_TEXT(AccountingError, parse(R"({"type":"self_composed","event":{"type":"no_op"},"count":1.5})"),
                         "event.count must be an integer");
  CHECK_THROWS_WITH_TEXT(AccountingError, parse(R"({"type":"self_composed","event":{"type":"no_op"},"count":0})"),
                         "event.count must be >= 1, but is 0.");
  CHECK_THROWS_WITH_TEXT(AccountingError, parse(R"({"type":"laplace","parameter":1})"),
                         "event.type must be one of gaussian");
  CHECK_THROWS_WITH_TEXT(AccountingError, parse(R"({"noise_multiplier":1})"), "event.type is missing.");
  CHECK_THROWS_WITH_TEXT(AccountingError, parse(R"([1, 2])"), "event must be an object");
}

TEST_CASE("ledger JSON: round trip and malformed entries") {
  const std::vector<LedgerEntry> ledger{{DpEvent::poisson_sampled_gaussian(0.01, 1.0), 100},
                                        {DpEvent::gaussian(2.0), 1}};
  const std::vector<LedgerEntry> back = ledger_from_json(json::parse(ledger_to_json(ledger).dump()));
  REQUIRE(back.size() == 2);
  CHECK(back[0].event == ledger[0].event);
  CHECK(back[0].count == 100);
  CHECK(back[1].event == ledger[1].event);
  CHECK_THROWS_WITH_TEXT(AccountingError, ledger_from_json(json::parse(R"([{"event":{"type":"no_op"},"count":0}])")),
                         "ledger[0].count must be >= 1, but is 0.");
  CHECK_THROWS_WITH_TEXT(AccountingError, ledger_from_json(json::parse(R"([{"event":{"type":"no_op"}}])")),
                         "ledger[0].count is missing.");
  CHECK_THROWS_WITH_TEXT(
      AccountingError,
      ledger_from_json(json::parse(R"([{"event":{"type":"gaussian","noise_multiplier":-1},"count":1}])")),
      "ledger[0].event.noise_multiplier must be finite and non-negative, but is -1.");
}

TEST_CASE("events nest at most kMaxEventDepth deep: deeper trees are refused, never followed") {
  DpEvent e = DpEvent::gaussian(1.0);
  for (int level = 2; level <= kMaxEventDepth; ++level) e = DpEvent::poisson_sampled(0.5, e);
  CHECK(e.depth() == kMaxEventDepth);
  CHECK(to_json(e).dump().size() > 0);  // the deepest allowed event serialises
  CHECK_THROWS_WITH_TEXT(AccountingError, DpEvent::poisson_sampled(0.5, e), "event is nested 65 levels deep, more than the 64");
  CHECK_THROWS_WITH_TEXT(AccountingError, DpEvent::self_composed(e, 2), "more than the 64");
  CHECK_THROWS_WITH_TEXT(AccountingError, DpEvent::composed({DpEvent::no_op(), e}), "more than the 64");
  CHECK(DpEvent::composed({}).depth() == 1);
  CHECK(DpEvent::composed({DpEvent::gaussian(1.0)}).depth() == 2);

  // JSON: a forged file (a checkpoint's ledger) 100,000 levels deep is refused at level 65,
  // and the message quotes no value of it.
  std::string deep;
  for (int k = 0; k < 100000; ++k) deep += R"({"type": "self_composed", "count": 2, "event": )";
  deep += R"({"type": "no_op"})";
  deep += std::string(100000, '}');
  try {
    dp_event_from_json(json::parse(deep));
    FAIL("a 100,000-deep event was accepted");
  } catch (const AccountingError& err) {
    const std::string what = err.what();
    CHECK(what.find("is nested deeper than the 64 levels an event may have") != std::string::npos);
    CHECK(what.size() < 64 * 8 + 200);  // the path, not the document
  }
  const std::string brackets = std::string(100000, '[') + std::string(100000, ']');
  CHECK_THROWS_WITH_TEXT(AccountingError, dp_event_from_json(json::parse(brackets)), "event must be an object, but is an array.");
}
