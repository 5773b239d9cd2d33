// The accountant registry: names round-trip, unknown names are refused with the list, each
// factory makes its own accountant, and the capabilities say which answers are bounds.
#include "dp/accounting/accountant_registry.hpp"

#include <doctest/doctest.h>

#include "dp/accounting/accounting_error.hpp"
#include "dp/accounting/epsilon_summary.hpp"
#include "tests/dp/accounting/test_helpers.hpp"

namespace dpt {

TEST_CASE("registry: every kind round-trips its name") {
  for (const AccountantKind kind : kAccountantKinds) {
    const std::string_view name = accountant_name(kind);
    CHECK(find_accountant(name) == kind);
    CHECK(parse_accountant(name) == kind);
  }
  CHECK(accountant_names() == std::vector<std::string>{"rdp", "pld", "prv", "gdp"});
  CHECK(accountant_name_list() == "rdp, pld, prv, gdp");
}

TEST_CASE("registry: unknown names are refused with the list of available ones") {
  for (const char* name : {"moments", "RDP", "", "all"}) {
    CAPTURE(name);
    CHECK_FALSE(find_accountant(name).has_value());
    CHECK_THROWS_WITH_TEXT(AccountingError, parse_accountant(name), "accountant must be one of rdp, pld, prv, gdp");
    CHECK_THROWS_AS(make_accountant(std::string(name)), AccountingError);
    CHECK_THROWS_AS(accountant_factory(std::string(name)), AccountingError);
  }
}

TEST_CASE("registry: factories make the accountant of their kind") {
  for (const AccountantKind kind : kAccountantKinds) {
    CAPTURE(accountant_name(kind));
    CHECK(make_accountant(kind)->name() == accountant_name(kind));
    const AccountantFactory factory = accountant_factory(kind);
    CHECK(factory()->name() == accountant_name(kind));
    CHECK(make_accountant(std::string(accountant_name(kind)))->name() == accountant_name(kind));
  }
  SUBCASE("the settings reach the accountant") {
    AccountantSettings s;
    s.rdp_orders = {2.0, 4.0};
    s.rdp_conversion = RdpConversion::kClassic;
    const std::unique_ptr<PrivacyAccountant> made = make_accountant(AccountantKind::kRdp, s);
    const auto* rdp = dynamic_cast<const RdpAccountant*>(made.get());
    REQUIRE(rdp != nullptr);
    CHECK(rdp->orders() == std::vector<double>{2.0, 4.0});
    CHECK(rdp->conversion() == RdpConversion::kClassic);
  }
  SUBCASE("invalid settings throw when the factory is made") {
    AccountantSettings bad;
    bad.pld.value_discretization_interval = -1.0;
    CHECK_THROWS_AS(accountant_factory(AccountantKind::kPld, bad), AccountingError);
  }
}

TEST_CASE("registry: capabilities (gdp is an approximation, not an upper bound)") {
  CHECK(capabilities(AccountantKind::kRdp).upper_bound);
  CHECK(capabilities(AccountantKind::kPld).upper_bound);
  CHECK(capabilities(AccountantKind::kPrv).upper_bound);
  CHECK_FALSE(capabilities(AccountantKind::kGdp).upper_bound);
  for (const AccountantKind kind : kAccountantKinds) {
    CAPTURE(accountant_name(kind));
    CHECK(capabilities(kind).supports_calibration);
    CHECK_FALSE(capabilities(kind).label.empty());
    // estimate_epsilon labels each answer as its kind's capabilities say.
    const EpsilonEstimate e = estimate_epsilon(kind, {{DpEvent::poisson_sampled_gaussian(0.01, 1.0), 100}}, 1e-5);
    CHECK(e.kind == kind);
    CHECK(e.accountant == accountant_name(kind));
    CHECK(e.upper_bound == capabilities(kind).upper_bound);
    CHECK(e.optimal_order.has_value() == (kind == AccountantKind::kRdp));
  }
  CHECK(capabilities(AccountantKind::kGdp).label == "GDP");
}

}  // namespace dpt
