// Counter-based random numbers for core (weight init, dropout masks): value k of stream `seed`
// is a pure function of (seed, k), so results never depend on thread count or call order and
// are identical across standard libraries (no std:: distributions). SplitMix64 finaliser
// (Steele, Lea & Flood 2014). Not for DP noise: dp/ draws noise from Boost.Random or the OS.
#pragma once

#include <cmath>
#include <cstdint>

namespace dpt {

// SplitMix64's output function applied to x.
constexpr uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Derive a child stream's seed from a parent seed and a purpose/index tag.
constexpr uint64_t derive_seed(uint64_t seed, uint64_t tag) {
  return splitmix64(splitmix64(seed) ^ (tag * 0xd1b54a32d192ed03ULL + 0x8cb92ba72f3d8dd7ULL));
}

class CounterRng {
 public:
  explicit constexpr CounterRng(uint64_t seed) : seed_(splitmix64(seed)) {}

  // The k-th 64-bit value of the stream.
  constexpr uint64_t bits(uint64_t k) const { return splitmix64(seed_ ^ splitmix64(k)); }
  // Uniform in [0, 1) with 53 random bits.
  double uniform(uint64_t k) const { return static_cast<double>(bits(k) >> 11) * 0x1.0p-53; }
  // Standard normal by Box-Muller from values 2k and 2k+1.
  double normal(uint64_t k) const {
    const double u1 = 1.0 - uniform(2 * k);  // (0, 1]
    const double u2 = uniform(2 * k + 1);
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }

 private:
  uint64_t seed_;
};

}  // namespace dpt
