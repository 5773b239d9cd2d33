// Reproducible streams are a pure function of (seed, purpose, step); secure streams are fresh.
#include <doctest/doctest.h>

#include <array>
#include <cmath>
#include <vector>

#include "dp/random/random_streams.hpp"

using namespace dpt;

namespace {
std::vector<uint64_t> draw(const RandomnessSource& r, StreamPurpose p, uint64_t step, int n = 8) {
  auto s = r.stream(p, step);
  std::vector<uint64_t> out;
  for (int k = 0; k < n; ++k) out.push_back(s->next());
  return out;
}
}  // namespace

TEST_CASE("reproducible streams: same seed same stream, anything else a different stream") {
  const ReproducibleRandomness a(42), b(42), c(43);
  CHECK(draw(a, StreamPurpose::kNoise, 5) == draw(b, StreamPurpose::kNoise, 5));
  CHECK(draw(a, StreamPurpose::kNoise, 5) != draw(c, StreamPurpose::kNoise, 5));
  CHECK(draw(a, StreamPurpose::kNoise, 5) != draw(a, StreamPurpose::kNoise, 6));
  CHECK(draw(a, StreamPurpose::kNoise, 5) != draw(a, StreamPurpose::kSampling, 5));
  CHECK_FALSE(a.is_secure());
}

TEST_CASE("secure streams are fresh every time and come from the OS") {
  const SecureRandomness s;
  CHECK(s.is_secure());
  CHECK(draw(s, StreamPurpose::kNoise, 1) != draw(s, StreamPurpose::kNoise, 1));
  std::array<uint8_t, 64> bytes{};
  os_random_bytes(bytes.data(), bytes.size());
  int nonzero = 0;
  for (uint8_t x : bytes) nonzero += x != 0;
  CHECK(nonzero > 32);  // 64 random bytes: P(fewer than 33 non-zero) is astronomically small
}

TEST_CASE("uniform() is in [0, 1) with mean 1/2") {
  const ReproducibleRandomness r(7);
  auto s = r.stream(StreamPurpose::kSampling, 0);
  double sum = 0.0;
  const int n = 100000;
  for (int k = 0; k < n; ++k) {
    const double u = s->uniform();
    REQUIRE(u >= 0.0);
    REQUIRE(u < 1.0);
    sum += u;
  }
  // standard error sqrt(1/12/n) = 9.1e-4: a 5-SE band
  CHECK(std::abs(sum / n - 0.5) < 5 * 9.2e-4);
}
