// softmax and top_k (experiments/run/prediction.hpp): probabilities that sum to 1, ranked most
// probable first with ties by id, and <pad> (id 0) left out of a next-byte ranking.
#include <doctest/doctest.h>

#include <cmath>
#include <numeric>

#include "experiments/run/prediction.hpp"

namespace dpt {
namespace {

TEST_CASE("softmax of hand-made logits") {
  const std::vector<double> p = softmax({0.0, std::log(3.0)});
  REQUIRE(p.size() == 2);
  CHECK(p[0] == doctest::Approx(0.25));
  CHECK(p[1] == doctest::Approx(0.75));
  // large logits do not overflow
  const std::vector<double> q = softmax({1000.0, 1000.0, 999.0});
  CHECK(std::accumulate(q.begin(), q.end(), 0.0) == doctest::Approx(1.0));
  CHECK(q[0] == doctest::Approx(1.0 / (2.0 + std::exp(-1.0))));
}

TEST_CASE("top_k ranks most probable first, ties by lower id, from first_id on") {
  const std::vector<double> p{0.4, 0.1, 0.2, 0.2, 0.1};
  const std::vector<Ranked> all = top_k(p, 3);
  REQUIRE(all.size() == 3);
  CHECK(all[0].id == 0);
  CHECK(all[1].id == 2);  // 0.2 tie: id 2 before id 3
  CHECK(all[2].id == 3);
  const std::vector<Ranked> bytes = top_k(p, 2, /*first_id=*/1);  // id 0 (<pad>) is never a next byte
  REQUIRE(bytes.size() == 2);
  CHECK(bytes[0].id == 2);
  CHECK(bytes[0].p == 0.2);
  CHECK(bytes[1].id == 3);
  CHECK(top_k(p, 4, 1).size() == 4);
  CHECK_THROWS(top_k(p, 5, 1));
}

}  // namespace
}  // namespace dpt
